#include "plan/state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"

#define PLAN_STATE_VERSION 1

void
plan_state_init(struct plan_state *st)
{
    memset(st, 0, sizeof(*st));
    arena_init(&st->arena, 64 * 1024, 0);
}

void
plan_state_free(struct plan_state *st)
{
    free(st->v);
    free(st->slots);
    arena_free(&st->arena);
    memset(st, 0, sizeof(*st));
}

/* FNV-1a over kind, namespace and name, each with its NUL so that
 * ("ab", "c") and ("a", "bc") differ. */
static uint64_t
plan_state_hash(const char *kind, const char *ns, const char *name)
{
    const char *parts[3] = {kind, ns, name};
    uint64_t h = 1469598103934665603ull;

    for (int i = 0; i < 3; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];
        do {
            h ^= *p;
            h *= 1099511628211ull;
        } while (*p++ != '\0');
    }
    return h;
}

static bool
plan_alloc_is(const struct plan_alloc *a, const char *kind, const char *ns, const char *name)
{
    return strcmp(a->name, name) == 0 && strcmp(a->ns, ns) == 0 && strcmp(a->kind, kind) == 0;
}

/* Puts entry i (already in v) into the index: open addressing, linear
 * probing, slots hold index + 1 so that 0 is empty. */
static void
plan_state_index(struct plan_state *st, size_t i)
{
    const struct plan_alloc *a = &st->v[i];
    size_t mask = st->nslots - 1;
    size_t at = (size_t)plan_state_hash(a->kind, a->ns, a->name) & mask;

    while (st->slots[at] != 0)
        at = (at + 1) & mask;
    st->slots[at] = (uint32_t)(i + 1);
}

/* Keeps the index at most half full, so lookups stay O(1) however many
 * allocations a restart reads back (a million Services is a real case). */
static int
plan_state_grow_index(struct plan_state *st)
{
    size_t n = st->nslots ? st->nslots * 2 : 64;
    uint32_t *slots;

    if (st->n + 1 <= st->nslots / 2)
        return 0;
    while (st->n + 1 > n / 2)
        n *= 2;
    if (n > (size_t)UINT32_MAX || (slots = calloc(n, sizeof(*slots))) == NULL)
        return -1;
    free(st->slots);
    st->slots = slots;
    st->nslots = n;
    for (size_t i = 0; i < st->n; i++)
        plan_state_index(st, i);
    return 0;
}

static const char *
plan_dup(struct plan_state *st, const char *s)
{
    return s ? arena_strndup(&st->arena, s, strlen(s)) : NULL;
}

int
plan_state_add(struct plan_state *st, const char *kind, const char *ns, const char *name,
               const struct ip_addr *ips, size_t nips, const char *pool)
{
    struct plan_alloc *a;

    if (nips == 0 || nips > 2 || plan_state_grow_index(st) != 0)
        return -1;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        void *p = realloc(st->v, cap * sizeof(*st->v));
        if (p == NULL)
            return -1;
        st->v = p;
        st->cap = cap;
    }
    a = &st->v[st->n];
    a->kind = plan_dup(st, kind);
    a->ns = plan_dup(st, ns);
    a->name = plan_dup(st, name);
    a->pool = plan_dup(st, pool ? pool : "");
    if (a->kind == NULL || a->ns == NULL || a->name == NULL || a->pool == NULL)
        return -1;
    memcpy(a->ips, ips, nips * sizeof(*ips));
    a->nips = nips;
    plan_state_index(st, st->n++);
    return 0;
}

const struct plan_alloc *
plan_state_find(const struct plan_state *st, const char *kind, const char *ns, const char *name)
{
    size_t mask = st->nslots - 1, at;

    if (st->nslots == 0)
        return NULL;
    for (at = (size_t)plan_state_hash(kind, ns, name) & mask; st->slots[at] != 0;
         at = (at + 1) & mask)
        if (plan_alloc_is(&st->v[st->slots[at] - 1], kind, ns, name))
            return &st->v[st->slots[at] - 1];
    return NULL;
}

/* Takes one allocation read from a state file; returns 0 when it was
 * well-formed and new. Both readers below end here, so they agree. */
static int
plan_state_take(struct plan_state *st, const char *kind, const char *ns, const char *name,
                const char *const *ips, size_t n, const char *pool)
{
    struct ip_addr addrs[2];

    if (kind == NULL || ns == NULL || name == NULL || n == 0 || n > 2)
        return -1;
    if (strcmp(kind, "Service") != 0 && strcmp(kind, "Gateway") != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ips[i] == NULL || ip_parse(ips[i], strlen(ips[i]), &addrs[i]) != 0)
            return -1;
    if (n == 2 && addrs[0].family == addrs[1].family)
        return -1;
    if (plan_state_find(st, kind, ns, name) != NULL)
        return -1;
    return plan_state_add(st, kind, ns, name, addrs, n, pool);
}

/* Reads one allocation object of the JSON tree. */
static int
plan_state_entry(struct plan_state *st, json_t *e)
{
    json_t *ips = json_object_get(e, "ips");
    const char *addrs[2] = {NULL, NULL};
    size_t n = json_array_size(ips);

    for (size_t i = 0; i < n && i < 2; i++)
        addrs[i] = json_string_value(json_array_get(ips, i));
    return plan_state_take(st, json_string_value(json_object_get(e, "kind")),
                           json_string_value(json_object_get(e, "namespace")),
                           json_string_value(json_object_get(e, "name")), addrs, n,
                           json_string_value(json_object_get(e, "pool")));
}

/* ---- the quick reader ---------------------------------------------------- */

/* The file as plan_state_writer writes it is read without building a JSON
 * tree: a million allocations in a fraction of jansson's time, which is
 * time a restarting node spends before its first OPEN. Anything else (an
 * older indented file, an edited one, an escape, a non-ASCII byte) makes
 * it give up, and jansson reads the text instead. */
struct psr {
    const char *p, *end;
};

static bool
psr_lit(struct psr *r, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
        return false;
    r->p += n;
    return true;
}

/* A string without escapes, copied NUL-terminated into buf[cap]. */
static bool
psr_string(struct psr *r, char *buf, size_t cap)
{
    size_t n = 0;

    if (!psr_lit(r, "\""))
        return false;
    for (; r->p < r->end && *r->p != '"'; r->p++) {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20 || c >= 0x7f || c == '\\' || n + 1 >= cap)
            return false;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return psr_lit(r, "\"");
}

/* Returns 0 when the whole text was read this way (entries taken, bad ones
 * counted in *skipped), -1 when jansson must read it. */
static int
plan_state_parse_quick(struct plan_state *st, const char *text, size_t len, size_t *skipped)
{
    struct psr r = {text, text + len};
    char kind[16], ns[256], name[256], pool[256], ip[2][IP_STRLEN];

    if (psr_lit(&r, "{\"version\": 1, \"allocations\": []}"))
        return psr_lit(&r, "\n") && r.p == r.end ? 0 : -1;
    if (!psr_lit(&r, "{\"version\": 1, \"allocations\": [\n"))
        return -1;
    for (;;) {
        const char *ips[2] = {ip[0], ip[1]};
        size_t n = 0;

        if (!psr_lit(&r, "{\"kind\": ") || !psr_string(&r, kind, sizeof(kind)) ||
            !psr_lit(&r, ", \"namespace\": ") || !psr_string(&r, ns, sizeof(ns)) ||
            !psr_lit(&r, ", \"name\": ") || !psr_string(&r, name, sizeof(name)) ||
            !psr_lit(&r, ", \"ips\": ["))
            return -1;
        do {
            if (n == 2 || !psr_string(&r, ip[n++], sizeof(ip[0])))
                return -1;
        } while (psr_lit(&r, ", "));
        if (!psr_lit(&r, "], \"pool\": ") || !psr_string(&r, pool, sizeof(pool)) ||
            !psr_lit(&r, "}"))
            return -1;
        if (plan_state_take(st, kind, ns, name, ips, n, pool) != 0)
            (*skipped)++;
        if (psr_lit(&r, ",\n"))
            continue;
        return psr_lit(&r, "\n]}\n") && r.p == r.end ? 0 : -1;
    }
}

int
plan_state_parse(struct plan_state *st, const char *text, size_t len, size_t *skipped, char *err,
                 size_t errlen)
{
    json_error_t jerr;
    json_t *root, *list;

    *skipped = 0;
    if (plan_state_parse_quick(st, text, len, skipped) == 0) {
        st->quick = true;
        return 0;
    }
    /* Start again from nothing: the quick reader may have taken a part. */
    plan_state_free(st);
    plan_state_init(st);
    *skipped = 0;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not valid JSON: %s (line %d)", jerr.text, jerr.line);
        return -1;
    }
    if (json_integer_value(json_object_get(root, "version")) != PLAN_STATE_VERSION) {
        snprintf(err, errlen, "unsupported state version (want %d)", PLAN_STATE_VERSION);
        json_decref(root);
        return -1;
    }
    list = json_object_get(root, "allocations");
    if (!json_is_array(list)) {
        snprintf(err, errlen, "\"allocations\" is not a list");
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        if (plan_state_entry(st, json_array_get(list, i)) != 0)
            (*skipped)++;
    json_decref(root);
    return 0;
}

/* Plan order: namespace, name, kind. */
static int
plan_alloc_cmp(const void *a, const void *b)
{
    const struct plan_alloc *x = *(const struct plan_alloc *const *)a;
    const struct plan_alloc *y = *(const struct plan_alloc *const *)b;
    int c = strcmp(x->ns, y->ns);

    if (c == 0)
        c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->kind, y->kind);
    return c;
}

/* ---- rendering ----------------------------------------------------------- */

#define PLAN_STATE_FLUSH_AT (1024 * 1024)

void
plan_state_writer_init(struct plan_state_writer *w,
                       int (*sink)(void *ctx, const void *data, size_t len), void *ctx)
{
    memset(w, 0, sizeof(*w));
    w->sink = sink;
    w->sink_ctx = ctx;
}

static void
psw_reserve(struct plan_state_writer *w, size_t more)
{
    size_t cap;
    char *p;

    if (w->failed || w->len + more <= w->cap)
        return;
    cap = w->cap ? w->cap : 4096;
    while (cap < w->len + more)
        cap *= 2;
    if ((p = realloc(w->buf, cap)) == NULL) {
        w->failed = true;
        return;
    }
    w->buf = p;
    w->cap = cap;
}

static void
psw_raw(struct plan_state_writer *w, const char *s, size_t n)
{
    psw_reserve(w, n);
    if (w->failed)
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* A JSON string. Names are DNS labels and pool names validated by `check`:
 * only the escapes JSON requires are written, other bytes go as they are. */
static void
psw_string(struct plan_state_writer *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);

    psw_reserve(w, 6 * n + 2);
    if (w->failed)
        return;
    w->buf[w->len++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            w->buf[w->len++] = '\\';
            w->buf[w->len++] = (char)*p;
        } else if (*p < 0x20) {
            memcpy(w->buf + w->len, "\\u00", 4);
            w->buf[w->len + 4] = hex[*p >> 4];
            w->buf[w->len + 5] = hex[*p & 15];
            w->len += 6;
        } else {
            w->buf[w->len++] = (char)*p;
        }
    }
    w->buf[w->len++] = '"';
}

static void
psw_flush(struct plan_state_writer *w)
{
    if (w->sink == NULL || w->failed || w->len == 0)
        return;
    if (w->sink(w->sink_ctx, w->buf, w->len) != 0)
        w->failed = true;
    w->len = 0;
}

#define PSW_LIT(w, s) psw_raw((w), (s), sizeof(s) - 1)

void
plan_state_writer_add(struct plan_state_writer *w, const char *kind, const char *ns,
                      const char *name, const struct ip_addr *ips, size_t nips, const char *pool)
{
    char buf[IP_STRLEN];

    if (w->n == 0)
        PSW_LIT(w, "{\"version\": 1, \"allocations\": [\n");
    else
        PSW_LIT(w, ",\n");
    PSW_LIT(w, "{\"kind\": ");
    psw_string(w, kind);
    PSW_LIT(w, ", \"namespace\": ");
    psw_string(w, ns);
    PSW_LIT(w, ", \"name\": ");
    psw_string(w, name);
    PSW_LIT(w, ", \"ips\": [");
    for (size_t i = 0; i < nips; i++) {
        if (i > 0)
            PSW_LIT(w, ", ");
        psw_string(w, ip_format(&ips[i], buf));
    }
    PSW_LIT(w, "], \"pool\": ");
    psw_string(w, pool ? pool : "");
    PSW_LIT(w, "}");
    w->n++;
    if (w->len >= PLAN_STATE_FLUSH_AT)
        psw_flush(w);
}

int
plan_state_writer_finish(struct plan_state_writer *w, char **text, size_t *len)
{
    if (w->n == 0)
        PSW_LIT(w, "{\"version\": 1, \"allocations\": []}\n");
    else
        PSW_LIT(w, "\n]}\n");
    psw_flush(w);
    psw_raw(w, "", 1); /* the NUL of the returned text */
    if (w->failed) {
        free(w->buf);
        w->buf = NULL;
        return -1;
    }
    if (text != NULL) {
        *text = w->buf;
        *len = w->len - 1;
    } else {
        free(w->buf);
    }
    w->buf = NULL;
    return 0;
}

char *
plan_state_render(const struct plan_state *st)
{
    const struct plan_alloc **order = malloc((st->n ? st->n : 1) * sizeof(*order));
    struct plan_state_writer w;
    char *text = NULL;
    size_t len;

    if (order == NULL)
        return NULL;
    for (size_t i = 0; i < st->n; i++)
        order[i] = &st->v[i];
    sort_big(order, st->n, sizeof(*order), plan_alloc_cmp);
    plan_state_writer_init(&w, NULL, NULL);
    for (size_t i = 0; i < st->n; i++)
        plan_state_writer_add(&w, order[i]->kind, order[i]->ns, order[i]->name, order[i]->ips,
                              order[i]->nips, order[i]->pool);
    free(order);
    return plan_state_writer_finish(&w, &text, &len) == 0 ? text : NULL;
}

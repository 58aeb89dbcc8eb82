#include "plan/state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    free(st->index);
    arena_free(&st->arena);
    memset(st, 0, sizeof(*st));
}

static const char *
plan_dup(struct plan_state *st, const char *s)
{
    return s ? arena_strndup(&st->arena, s, strlen(s)) : NULL;
}

static uint64_t
plan_state_hash(const char *kind, const char *ns, const char *name)
{
    const char *parts[3] = {kind, ns, name};
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the three strings and their NULs */

    for (size_t i = 0; i < 3; i++)
        for (const char *p = parts[i];; p++) {
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
            if (*p == '\0')
                break;
        }
    return h ^ (h >> 29);
}

/* Inserts v[at] after the entries already indexed (a duplicate key stays
 * behind the first one on its probe path, so find returns the first). */
static void
plan_state_index_put(struct plan_state *st, size_t at)
{
    const struct plan_alloc *a = &st->v[at];
    uint64_t h = plan_state_hash(a->kind, a->ns, a->name);
    size_t i = (size_t)h & st->index_mask;

    while (st->index[i].at != 0)
        i = (i + 1) & st->index_mask;
    st->index[i].at = (uint32_t)at + 1;
    st->index[i].tag = (uint32_t)(h >> 32);
}

/* Makes room for one more entry in the index: keeps it at most half full. */
static int
plan_state_index_grow(struct plan_state *st)
{
    size_t slots = st->index_mask + 1;
    struct plan_state_slot *fresh;

    if (st->index != NULL && 2 * (st->n + 1) <= slots)
        return 0;
    if (st->n >= UINT32_MAX / 4)
        return -1;
    slots = st->index == NULL ? 32 : slots * 2;
    if ((fresh = calloc(slots, sizeof(*fresh))) == NULL)
        return -1;
    free(st->index);
    st->index = fresh;
    st->index_mask = slots - 1;
    for (size_t i = 0; i < st->n; i++)
        plan_state_index_put(st, i);
    return 0;
}

int
plan_state_add(struct plan_state *st, const char *kind, const char *ns, const char *name,
               const struct ip_addr *ips, size_t nips, const char *pool)
{
    struct plan_alloc *a;

    if (nips == 0 || nips > 2 || plan_state_index_grow(st) != 0)
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
    plan_state_index_put(st, st->n);
    st->n++;
    return 0;
}

const struct plan_alloc *
plan_state_find(const struct plan_state *st, const char *kind, const char *ns, const char *name)
{
    uint64_t h;
    size_t i;

    if (st->index == NULL)
        return NULL;
    h = plan_state_hash(kind, ns, name);
    for (i = (size_t)h & st->index_mask; st->index[i].at != 0; i = (i + 1) & st->index_mask) {
        const struct plan_alloc *a = &st->v[st->index[i].at - 1];
        if (st->index[i].tag == (uint32_t)(h >> 32) && strcmp(a->name, name) == 0 &&
            strcmp(a->ns, ns) == 0 && strcmp(a->kind, kind) == 0)
            return a;
    }
    return NULL;
}

/* Reads one allocation object; returns 0 when it was well-formed. */
static int
plan_state_entry(struct plan_state *st, json_t *e)
{
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const char *ns = json_string_value(json_object_get(e, "namespace"));
    const char *name = json_string_value(json_object_get(e, "name"));
    const char *pool = json_string_value(json_object_get(e, "pool"));
    json_t *ips = json_object_get(e, "ips");
    struct ip_addr addrs[2];
    size_t n = json_array_size(ips);

    if (kind == NULL || ns == NULL || name == NULL || n == 0 || n > 2)
        return -1;
    if (strcmp(kind, "Service") != 0 && strcmp(kind, "Gateway") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *ip = json_string_value(json_array_get(ips, i));
        if (ip == NULL || ip_parse(ip, strlen(ip), &addrs[i]) != 0)
            return -1;
    }
    if (n == 2 && addrs[0].family == addrs[1].family)
        return -1;
    if (plan_state_find(st, kind, ns, name) != NULL)
        return -1;
    return plan_state_add(st, kind, ns, name, addrs, n, pool);
}

int
plan_state_parse(struct plan_state *st, const char *text, size_t len, size_t *skipped, char *err,
                 size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *list;

    *skipped = 0;
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

static int
plan_alloc_cmp(const void *a, const void *b)
{
    const struct plan_alloc *x = *(const struct plan_alloc *const *)a;
    const struct plan_alloc *y = *(const struct plan_alloc *const *)b;
    int c = strcmp(x->kind, y->kind);

    if (c == 0)
        c = strcmp(x->ns, y->ns);
    if (c == 0)
        c = strcmp(x->name, y->name);
    return c;
}

char *
plan_state_render(const struct plan_state *st)
{
    const struct plan_alloc **order = malloc((st->n ? st->n : 1) * sizeof(*order));
    json_t *root = json_object(), *list = json_array();
    char *text = NULL;

    if (order == NULL || root == NULL || list == NULL)
        goto out;
    for (size_t i = 0; i < st->n; i++)
        order[i] = &st->v[i];
    qsort(order, st->n, sizeof(*order), plan_alloc_cmp);
    json_object_set_new(root, "version", json_integer(PLAN_STATE_VERSION));
    for (size_t i = 0; i < st->n; i++) {
        const struct plan_alloc *a = order[i];
        json_t *e = json_object(), *ips = json_array();
        char buf[IP_STRLEN];

        for (size_t j = 0; j < a->nips; j++)
            json_array_append_new(ips, json_string(ip_format(&a->ips[j], buf)));
        json_object_set_new(e, "kind", json_string(a->kind));
        json_object_set_new(e, "namespace", json_string(a->ns));
        json_object_set_new(e, "name", json_string(a->name));
        json_object_set_new(e, "ips", ips);
        json_object_set_new(e, "pool", json_string(a->pool));
        json_array_append_new(list, e);
    }
    json_object_set(root, "allocations", list);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
    json_decref(list);
    json_decref(root);
    free(order);
    return text;
}

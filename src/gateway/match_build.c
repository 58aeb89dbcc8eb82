/*
 * DOC: building a route table.
 *
 * Each route's hostnames are intersected with the listener's; each distinct
 * effective hostname becomes a "virtual host" (vhost). Every match of every
 * rule is compiled once (strings copied into the table's arena, header names
 * lower-cased, prefixes stripped of their trailing '/', regular expressions
 * compiled with PCRE2 and JIT-compiled when the library can) and listed under
 * each vhost the route serves. The (vhost, match) pairs are sorted by vhost,
 * then by Gateway API precedence (gw_cmatch_cmp), and each vhost is then
 * indexed by path (match_index.c) so that a lookup visits a handful of
 * candidates, not the whole list.
 *
 * Conditions repeated within one match keep the first, as the API says for
 * header and query names. A route whose regular expression does not compile
 * is left out as a whole and reported UnsupportedValue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

struct gw_pair {
    uint32_t vhost;
    const struct gw_cmatch *m;
};

struct gw_builder {
    struct gw_table *t;
    struct gw_pair *pairs;
    size_t n_pairs;
    size_t cap_pairs;
    size_t cap_regexes;
    struct gw_route_status *st; /* the route being compiled */
};

static const uint8_t gw_path_class[] = {
    [GW_PATH_EXACT] = 0, [GW_PATH_REGEX] = 1, [GW_PATH_PREFIX] = 2};

static int
cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

int
gw_cmatch_cmp(const struct gw_cmatch *a, const struct gw_cmatch *b)
{
    int c;

    if (a->path_type != b->path_type)
        return gw_path_class[a->path_type] - gw_path_class[b->path_type];
    if (a->path_len != b->path_len)
        return -cmp_u64(a->path_len, b->path_len);
    if ((a->method != 0) != (b->method != 0))
        return a->method != 0 ? -1 : 1;
    if (a->n_headers != b->n_headers)
        return -cmp_u64(a->n_headers, b->n_headers);
    if (a->n_queries != b->n_queries)
        return -cmp_u64(a->n_queries, b->n_queries);
    if (a->route != b->route) {
        if (a->route->created != b->route->created)
            return a->route->created < b->route->created ? -1 : 1;
        c = strcmp(a->route->key, b->route->key);
        if (c != 0)
            return c;
    }
    if (a->id.route != b->id.route)
        return cmp_u64(a->id.route, b->id.route);
    if (a->id.rule != b->id.rule)
        return cmp_u64(a->id.rule, b->id.rule);
    return cmp_u64(a->id.match, b->id.match);
}

uint32_t
gw_regex_literal(const char *pattern)
{
    uint32_t n = 0;

    if (strchr(pattern, '|') != NULL)
        return 0;
    while (pattern[n] != '\0' && strchr("\\^$.[](){}*+?", pattern[n]) == NULL)
        n++;
    if (n > 0 && pattern[n] != '\0' && strchr("*+?{", pattern[n]) != NULL)
        n--;
    return n;
}

static pcre2_code *
compile_regex(struct gw_builder *b, const char *pattern)
{
    struct gw_table *t = b->t;
    PCRE2_UCHAR msg[96];
    PCRE2_SIZE offset;
    pcre2_code *re;
    int code;

    /* Anchored at both ends: the whole value must match, as Envoy's RE2 does. */
    re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &offset, NULL);
    if (re == NULL) {
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            msg[0] = '\0';
        /* Bounded pieces: the detail is a fixed-size status message. */
        snprintf(b->st->detail, sizeof(b->st->detail),
                 "\"%.40s\" is not a valid regular expression: %.48s (at offset %zu)", pattern,
                 (const char *)msg, (size_t)offset);
        return NULL;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT the interpreter runs */
    if (t->n_regexes == b->cap_regexes) {
        size_t cap = b->cap_regexes ? b->cap_regexes * 2 : 8;
        pcre2_code **v = realloc(t->regexes, cap * sizeof(*v));
        if (v == NULL) {
            pcre2_code_free(re);
            return NULL;
        }
        t->regexes = v;
        b->cap_regexes = cap;
    }
    t->regexes[t->n_regexes++] = re;
    return re;
}

static bool
same_name(const char *a, const char *b, bool fold)
{
    return fold ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/*
 * Compiles header (fold = true: names case-insensitive) or query conditions;
 * a name already listed in this match is skipped. Returns the count kept, or
 * -1 on a bad regex or no memory.
 */
static int
compile_kvs(struct gw_builder *b, const struct gw_kv_match *in, size_t n, bool fold,
            const struct gw_ckv **out)
{
    struct gw_ckv *v = arena_alloc(&b->t->arena, (n ? n : 1) * sizeof(*v));
    int k = 0;

    if (v == NULL || n > UINT16_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && !same_name(in[j].name, in[i].name, fold))
            j++;
        if (j < i)
            continue;
        v[k].name_len = (uint32_t)strlen(in[i].name);
        v[k].name = arena_strndup(&b->t->arena, in[i].name, v[k].name_len);
        v[k].value_len = (uint32_t)strlen(in[i].value);
        v[k].value = arena_strndup(&b->t->arena, in[i].value, v[k].value_len);
        if (v[k].name == NULL || v[k].value == NULL)
            return -1;
        for (char *p = (char *)v[k].name; fold && *p != '\0'; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        if (in[i].type == GW_VALUE_REGEX) {
            if ((v[k].re = compile_regex(b, in[i].value)) == NULL)
                return -1;
            v[k].value_len = gw_regex_literal(in[i].value);
        }
        k++;
    }
    *out = v;
    return k;
}

static const struct gw_cmatch *
compile_match(struct gw_builder *b, const struct gw_match_def *d, const struct gw_croute *cr,
              struct gw_result id)
{
    struct gw_cmatch *m = arena_alloc(&b->t->arena, sizeof(*m));
    const char *path = d != NULL && d->path != NULL ? d->path : "/";
    size_t len = strlen(path);
    int nh = 0, nq = 0;

    if (m == NULL)
        return NULL;
    m->path_type = d != NULL ? (uint8_t)d->path_type : GW_PATH_PREFIX;
    if (m->path_type == GW_PATH_PREFIX)
        while (len > 0 && path[len - 1] == '/')
            len--;
    m->path = arena_strndup(&b->t->arena, path, len);
    m->path_len = (uint32_t)len;
    m->route = cr;
    m->id = id;
    if (m->path == NULL ||
        (m->path_type == GW_PATH_REGEX && (m->re = compile_regex(b, path)) == NULL))
        return NULL;
    if (m->path_type == GW_PATH_REGEX)
        m->re_lit = gw_regex_literal(path);
    if (d != NULL) {
        m->method = (uint8_t)d->method;
        nh = compile_kvs(b, d->headers, d->n_headers, true, &m->headers);
        nq = compile_kvs(b, d->queries, d->n_queries, false, &m->queries);
    }
    if (nh < 0 || nq < 0)
        return NULL;
    m->n_headers = (uint16_t)nh;
    m->n_queries = (uint16_t)nq;
    return m;
}

static int
add_pair(struct gw_builder *b, uint32_t vhost, const struct gw_cmatch *m)
{
    if (b->n_pairs == b->cap_pairs) {
        size_t cap = b->cap_pairs ? b->cap_pairs * 2 : 64;
        struct gw_pair *p = realloc(b->pairs, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        b->pairs = p;
        b->cap_pairs = cap;
    }
    b->pairs[b->n_pairs].vhost = vhost;
    b->pairs[b->n_pairs++].m = m;
    return 0;
}

/* The vhost id of an effective hostname, created on first use; -1 on no memory. */
static int64_t
vhost_id(struct gw_builder *b, const struct gw_hostname *h)
{
    struct gw_table *t = b->t;
    bool added;
    int64_t id;

    if (h->any) {
        if (t->hosts.any_id < 0)
            t->hosts.any_id = t->n_vhosts++;
        return t->hosts.any_id;
    }
    id = gw_hostidx_put(&t->hosts, h->name, h->len, h->wildcard, t->n_vhosts, &added);
    if (added)
        t->n_vhosts++;
    return id;
}

/*
 * The vhosts route r serves on the listener: ids[] receives each distinct one.
 * Returns how many (0: the route does not attach), or -1 on no memory.
 */
static int
route_vhosts(struct gw_builder *b, const struct gw_hostname *lh, const struct gw_route_def *r,
             uint32_t *ids)
{
    size_t n = r->n_hostnames > 0 ? r->n_hostnames : 1;
    int k = 0;

    for (size_t i = 0; i < n; i++) {
        struct gw_hostname rh, eff;
        int64_t id;
        int j = 0;

        if (!gw_hostname_parse(r->n_hostnames > 0 ? r->hostnames[i] : NULL, &rh) ||
            !gw_hostname_meet(lh, &rh, &eff))
            continue;
        id = vhost_id(b, &eff);
        if (id < 0)
            return -1;
        while (j < k && ids[j] != (uint32_t)id)
            j++;
        if (j == k)
            ids[k++] = (uint32_t)id;
    }
    return k;
}

/* Compiles every match of route ri and lists it under each of its vhosts. */
static int
route_matches(struct gw_builder *b, const struct gw_route_def *r, uint32_t ri, const uint32_t *ids,
              int n_ids)
{
    struct gw_croute *cr = arena_alloc(&b->t->arena, sizeof(*cr));
    size_t first = b->n_pairs;

    if (cr == NULL)
        return -1;
    cr->created = r->created;
    cr->key = arena_printf(&b->t->arena, "%s/%s", r->ns ? r->ns : "", r->name ? r->name : "");
    if (cr->key == NULL)
        return -1;
    for (size_t k = 0; k < r->n_rules; k++) {
        const struct gw_rule_def *rule = &r->rules[k];
        size_t nm = rule->n_matches > 0 ? rule->n_matches : 1;
        for (size_t j = 0; j < nm; j++) {
            struct gw_result id = {ri, (uint32_t)k, (uint32_t)j};
            const struct gw_cmatch *m =
                compile_match(b, rule->n_matches > 0 ? &rule->matches[j] : NULL, cr, id);
            if (m == NULL) {
                b->n_pairs = first; /* the route is dropped as a whole */
                return -1;
            }
            for (int v = 0; v < n_ids; v++)
                if (add_pair(b, ids[v], m) < 0)
                    return -1;
        }
    }
    return 0;
}

static int
build_route(struct gw_builder *b, const struct gw_hostname *lh, const struct gw_route_def *r,
            uint32_t ri, struct gw_route_status *st)
{
    uint32_t *ids = malloc((r->n_hostnames + 1) * sizeof(*ids));
    int n_ids, rc = 0;

    memset(st, 0, sizeof(*st));
    b->st = st;
    if (ids == NULL)
        return -1;
    n_ids = route_vhosts(b, lh, r, ids);
    if (n_ids < 0)
        rc = -1;
    else if (n_ids == 0)
        st->reason = "NoMatchingListenerHostname";
    else if (route_matches(b, r, ri, ids, n_ids) == 0)
        st->attached = true;
    else if (st->detail[0] != '\0')
        st->reason = "UnsupportedValue";
    else
        rc = -1; /* no memory */
    free(ids);
    return rc;
}

static int
pair_cmp(const void *x, const void *y)
{
    const struct gw_pair *a = x, *b = y;

    if (a->vhost != b->vhost)
        return a->vhost < b->vhost ? -1 : 1;
    return gw_cmatch_cmp(a->m, b->m);
}

/* Hands each vhost its run of the sorted pairs and indexes it. */
static int
make_vhosts(struct gw_builder *b)
{
    struct gw_table *t = b->t;
    size_t p = 0;

    if (b->n_pairs > 0)
        qsort(b->pairs, b->n_pairs, sizeof(*b->pairs), pair_cmp);
    t->vhosts = arena_alloc(&t->arena, (t->n_vhosts ? t->n_vhosts : 1) * sizeof(*t->vhosts));
    if (t->vhosts == NULL)
        return -1;
    for (uint32_t v = 0; v < t->n_vhosts; v++) {
        struct gw_vhost *vh = &t->vhosts[v];
        size_t start = p;
        while (p < b->n_pairs && b->pairs[p].vhost == v)
            p++;
        vh->n_cands = (uint32_t)(p - start);
        vh->cands = arena_alloc(&t->arena, (vh->n_cands ? vh->n_cands : 1) * sizeof(*vh->cands));
        if (vh->cands == NULL)
            return -1;
        for (uint32_t k = 0; k < vh->n_cands; k++)
            vh->cands[k] = b->pairs[start + k].m;
        if (gw_vhost_index(t, vh) < 0)
            return -1;
    }
    return 0;
}

struct gw_table *
gw_table_build(const struct gw_table_options *opt, const struct gw_route_def *routes, size_t n,
               struct gw_route_status *status)
{
    struct gw_table *t = calloc(1, sizeof(*t));
    struct gw_builder b = {.t = t};
    struct gw_hostname lh;
    struct gw_route_status scratch;
    int rc = 0;

    if (t == NULL)
        return NULL;
    arena_init(&t->arena, 64 * 1024, 0);
    gw_hostidx_init(&t->hosts);
    t->fallback = opt != NULL && opt->host_fallback;
    t->mctx = pcre2_match_context_create(NULL);
    /* A malformed listener hostname would only come from a plan bug: it serves nothing. */
    if (!gw_hostname_parse(opt != NULL ? opt->hostname : NULL, &lh))
        n = 0;
    if (t->mctx == NULL)
        rc = -1;
    else
        pcre2_set_match_limit(t->mctx, 100000); /* bounds backtracking on hostile input */
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = build_route(&b, &lh, &routes[i], (uint32_t)i, status != NULL ? &status[i] : &scratch);
    if (rc == 0)
        rc = make_vhosts(&b);
    free(b.pairs);
    if (rc < 0) {
        gw_table_free(t);
        return NULL;
    }
    return t;
}

void
gw_table_free(struct gw_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_regexes; i++)
        pcre2_code_free(t->regexes[i]);
    free(t->regexes);
    pcre2_match_context_free(t->mctx);
    gw_hostidx_free(&t->hosts);
    arena_free(&t->arena);
    free(t);
}

/*
 * DOC: looking a request up in a route table (the hot path).
 *
 * 1. The Host is normalised (port and trailing dot dropped, lower case) and
 *    the vhosts are visited from the most specific: exact name, then wildcard
 *    suffixes from the longest, then "any". Only the first vhost found is
 *    searched, unless the table was built with host_fallback.
 * 2. In a vhost, candidates are tried in precedence order, but only those
 *    whose path can match: the Exact group of the path (one hash), every
 *    regex, then the PathPrefix groups of each '/' boundary of the path from
 *    the longest (FNV is prefix-incremental, so one pass hashes them all).
 *    The first candidate whose method, headers and query parameters also
 *    match wins; the order above is the Gateway API precedence, so it is the
 *    best one.
 * Nothing is allocated; the only shared state written is the caller's scratch.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

/* Boundaries hashed in one pass; deeper paths take the slow path. */
#define GW_MAX_BOUNDS 64

struct gw_lookup {
    const struct gw_table *t;
    struct gw_scratch *s;
    const struct gw_request *r;
    const char *path;
    size_t path_len;
    struct gw_result *out;
    bool found;
};

struct gw_scratch *
gw_scratch_new(void)
{
    struct gw_scratch *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->md = pcre2_match_data_create(1, NULL);
    if (s->md == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void
gw_scratch_free(struct gw_scratch *s)
{
    if (s == NULL)
        return;
    pcre2_match_data_free(s->md);
    free(s);
}

void
gw_request_from_http(struct gw_request *r, const struct http_msg *m, const char *buf)
{
    r->host = buf + m->host.off;
    r->host_len = m->host.len;
    r->path = buf + m->path.off;
    r->path_len = m->path.len;
    r->query = buf + m->query.off;
    r->query_len = m->query.len;
    r->method = m->method;
    r->buf = buf;
    r->fields = m->fields;
    r->n_fields = m->n_fields;
}

static bool
full_match(const struct gw_lookup *c, pcre2_code *re, const char *s, size_t n)
{
    /* PCRE2 before 10.43 wants a non-NULL subject even when it is empty. */
    return pcre2_match(re, (PCRE2_SPTR)(n > 0 ? s : ""), n, 0, 0, c->s->md, c->t->mctx) >= 0;
}

static bool
value_match(const struct gw_lookup *c, const struct gw_ckv *kv, const char *v, size_t n)
{
    if (kv->re == NULL)
        return n == kv->value_len && memcmp(v, kv->value, n) == 0;
    if (n < kv->value_len || memcmp(v, kv->value, kv->value_len) != 0)
        return false;
    return full_match(c, kv->re, v, n);
}

/* The first request field named kv->name (stored lower case). */
static bool
header_match(const struct gw_lookup *c, const struct gw_ckv *kv)
{
    const struct gw_request *r = c->r;

    for (size_t i = 0; i < r->n_fields; i++) {
        const struct http_field *f = &r->fields[i];
        const char *name = r->buf + f->name_off;
        uint32_t k = 0;

        if (f->name_len != kv->name_len)
            continue;
        while (k < kv->name_len &&
               (name[k] | (name[k] >= 'A' && name[k] <= 'Z' ? 0x20 : 0)) == kv->name[k])
            k++;
        if (k == kv->name_len)
            return value_match(c, kv, r->buf + f->value_off, f->value_len);
    }
    return false;
}

/* The first query parameter named kv->name (exact, case-sensitive). */
static bool
query_match(const struct gw_lookup *c, const struct gw_ckv *kv)
{
    const char *q = c->r->query, *end = q + c->r->query_len;

    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *name_end = eq != NULL ? eq : stop;

        if ((size_t)(name_end - q) == kv->name_len && memcmp(q, kv->name, kv->name_len) == 0) {
            const char *v = eq != NULL ? eq + 1 : stop;
            return value_match(c, kv, v, (size_t)(stop - v));
        }
        q = stop + 1;
    }
    return false;
}

/* Everything but the path. */
static bool
rest_match(const struct gw_lookup *c, const struct gw_cmatch *m)
{
    if (m->method != HTTP_METHOD_NONE && m->method != c->r->method)
        return false;
    for (uint16_t i = 0; i < m->n_headers; i++)
        if (!header_match(c, &m->headers[i]))
            return false;
    for (uint16_t i = 0; i < m->n_queries; i++)
        if (!query_match(c, &m->queries[i]))
            return false;
    return true;
}

static bool
take(struct gw_lookup *c, const struct gw_cmatch *m)
{
    *c->out = m->id;
    c->found = true;
    return true;
}

static const struct gw_group *
group_find(const struct gw_pathidx *x, const char *key, size_t len, uint32_t h)
{
    if (x->n == 0)
        return NULL;
    for (uint32_t i = h & x->mask; x->slots[i] != 0; i = (i + 1) & x->mask) {
        const struct gw_group *g = &x->groups[x->slots[i] - 1];
        if (g->hash == h && g->len == len && memcmp(g->key, key, len) == 0)
            return g;
    }
    return NULL;
}

static bool
group_match(struct gw_lookup *c, const struct gw_vhost *v, const struct gw_group *g)
{
    if (g == NULL)
        return false;
    for (uint32_t k = g->first; k < g->first + g->count; k++)
        if (rest_match(c, v->cands[k]))
            return take(c, v->cands[k]);
    return false;
}

/* Slow path for paths with more boundaries than fit: hash each prefix afresh. */
static bool
prefix_match_deep(struct gw_lookup *c, const struct gw_vhost *v, size_t lim)
{
    const char *p = c->path;

    for (size_t j = lim + 1; j-- > 0;) {
        if (j < c->path_len && p[j] != '/')
            continue;
        if (group_match(c, v, group_find(&v->prefix, p, j, gw_fnv(p, j))))
            return true;
    }
    return false;
}

/* PathPrefix candidates: keys are path[0..j) where j ends the path or precedes a '/'. */
static bool
prefix_match(struct gw_lookup *c, const struct gw_vhost *v)
{
    uint32_t lens[GW_MAX_BOUNDS], hashes[GW_MAX_BOUNDS], h = GW_FNV_BASIS;
    const char *p = c->path;
    size_t lim = c->path_len < v->prefix.max_len ? c->path_len : v->prefix.max_len;
    int n = 0;

    if (v->prefix.n == 0)
        return false;
    for (size_t i = 0; i <= lim; i++) {
        if (i == c->path_len || p[i] == '/') {
            if (n == GW_MAX_BOUNDS)
                return prefix_match_deep(c, v, lim);
            lens[n] = (uint32_t)i;
            hashes[n++] = h;
        }
        if (i < c->path_len)
            h = gw_fnv_step(h, p[i]);
    }
    while (n-- > 0)
        if (group_match(c, v, group_find(&v->prefix, p, lens[n], hashes[n])))
            return true;
    return false;
}

static bool
vhost_match(struct gw_lookup *c, const struct gw_vhost *v)
{
    const struct gw_group *g =
        group_find(&v->exact, c->path, c->path_len, v->exact.n ? gw_fnv(c->path, c->path_len) : 0);

    if (group_match(c, v, g))
        return true;
    for (uint32_t k = v->regex_first; k < v->regex_first + v->regex_count; k++) {
        const struct gw_cmatch *m = v->cands[k];
        if (c->path_len < m->re_lit || memcmp(c->path, m->path, m->re_lit) != 0)
            continue;
        if (rest_match(c, m) && full_match(c, m->re, c->path, c->path_len))
            return take(c, m);
    }
    return prefix_match(c, v);
}

/* Visits one vhost; stops the walk unless hostname fallback is on. Vhosts
 * left empty (their only route was dropped) do not count. */
static bool
visit(uint32_t id, void *arg)
{
    struct gw_lookup *c = arg;
    const struct gw_vhost *v = &c->t->vhosts[id];

    if (v->n_cands == 0)
        return false;
    return vhost_match(c, v) || !c->t->fallback;
}

bool
gw_table_lookup(const struct gw_table *t, struct gw_scratch *s, const struct gw_request *r,
                struct gw_result *out)
{
    char host[GW_HOST_MAX + 1];
    int n = gw_host_normalize(r->host, r->host_len, host);
    struct gw_lookup c = {.t = t, .s = s, .r = r, .out = out};

    c.path = r->path_len > 0 ? r->path : "/";
    c.path_len = r->path_len > 0 ? r->path_len : 1;
    gw_hostidx_walk(&t->hosts, host, n, visit, &c);
    return c.found;
}

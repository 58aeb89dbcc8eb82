/*
 * Path indexes of a vhost. Its candidates arrive sorted by precedence, so
 * the three path classes are already three contiguous blocks: Exact, then
 * RegularExpression, then PathPrefix. Within the Exact and PathPrefix blocks
 * candidates are regrouped by path key (stable: precedence order is kept
 * inside each group) and the groups are hashed. A lookup then hashes the
 * request path once for Exact, and once per '/' boundary for PathPrefix,
 * instead of testing every candidate.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

struct keyed {
    const struct gw_cmatch *m;
    uint32_t pos; /* precedence rank inside the block */
};

static int
keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    uint32_t n = a->m->path_len < b->m->path_len ? a->m->path_len : b->m->path_len;
    int c = memcmp(a->m->path, b->m->path, n);

    if (c != 0)
        return c;
    if (a->m->path_len != b->m->path_len)
        return a->m->path_len < b->m->path_len ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static uint32_t
pow2_at_least(uint32_t n)
{
    uint32_t p = 2;

    while (p < n)
        p *= 2;
    return p;
}

/* Hashes the groups of x into a slot array with load at most 1/2. */
static int
hash_groups(struct arena *a, struct gw_pathidx *x)
{
    uint32_t nslots = pow2_at_least(x->n * 2);

    x->slots = arena_alloc(a, nslots * sizeof(*x->slots));
    if (x->slots == NULL)
        return -1;
    x->mask = nslots - 1;
    for (uint32_t g = 0; g < x->n; g++) {
        uint32_t i = x->groups[g].hash & x->mask;
        while (x->slots[i] != 0)
            i = (i + 1) & x->mask;
        x->slots[i] = g + 1;
    }
    return 0;
}

/* Regroups cands[first, first+n) by path key and indexes the groups. */
static int
index_block(struct arena *a, const struct gw_cmatch **cands, uint32_t first, uint32_t n,
            struct gw_pathidx *x)
{
    struct keyed *k;
    uint32_t g = 0;

    if (n == 0)
        return 0;
    k = malloc(n * sizeof(*k));
    x->groups = arena_alloc(a, n * sizeof(*x->groups));
    if (k == NULL || x->groups == NULL) {
        free(k);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        k[i] = (struct keyed){cands[first + i], i};
    qsort(k, n, sizeof(*k), keyed_cmp);
    for (uint32_t i = 0; i < n; i++) {
        const struct gw_cmatch *m = k[i].m;
        cands[first + i] = m;
        if (i == 0 || keyed_cmp(&(struct keyed){m, 0}, &(struct keyed){k[i - 1].m, 0}) != 0) {
            x->groups[g++] =
                (struct gw_group){m->path, m->path_len, gw_fnv(m->path, m->path_len), first + i, 0};
            if (m->path_len > x->max_len)
                x->max_len = m->path_len;
        }
        x->groups[g - 1].count++;
    }
    free(k);
    x->n = g;
    return hash_groups(a, x);
}

int
gw_vhost_index(struct gw_table *t, struct gw_vhost *v)
{
    uint32_t n_exact = 0, n_regex = 0;

    while (n_exact < v->n_cands && v->cands[n_exact]->path_type == GW_PATH_EXACT)
        n_exact++;
    while (n_exact + n_regex < v->n_cands &&
           v->cands[n_exact + n_regex]->path_type == GW_PATH_REGEX)
        n_regex++;
    v->regex_first = n_exact;
    v->regex_count = n_regex;
    if (index_block(&t->arena, v->cands, 0, n_exact, &v->exact) < 0)
        return -1;
    return index_block(&t->arena, v->cands, n_exact + n_regex, v->n_cands - n_exact - n_regex,
                       &v->prefix);
}

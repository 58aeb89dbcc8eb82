/*
 * The (namespace, name) order, computed once. IPAM's processing order, the
 * services section and the advertisements all sort objects by namespace
 * and name; at a million objects comparing those strings is most of the
 * planning time, because every comparison follows two pointers to memory
 * that is not in the cache. So the plan sorts them once, on compact keys
 * (the namespace's rank and the first 16 bytes of the name, inline), and
 * every later sort compares integer ranks.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "plan/internal.h"

/* One pair being ranked: 24 bytes, so the sort moves keys, not pointers. */
struct plan_name_key {
    uint64_t head[2]; /* the name's first 16 bytes, big-endian, NUL-padded */
    uint32_t ns;      /* the namespace's rank among the distinct namespaces */
    uint32_t at;      /* index into the caller's arrays */
};

/* Distinct namespaces: a small open-addressing set that grows. */
struct plan_ns_set {
    const char **name;
    uint64_t *hash;
    uint32_t *id; /* slot -> id (position in order), UINT32_MAX = empty */
    size_t mask;
    const char **order; /* by id */
    size_t n;
};

static uint64_t
plan_str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 31);
}

static int
plan_ns_set_init(struct plan_ns_set *set, struct arena *scratch, size_t slots)
{
    set->name = arena_alloc(scratch, slots * sizeof(*set->name));
    set->hash = arena_alloc(scratch, slots * sizeof(*set->hash));
    set->id = arena_alloc_uninit(scratch, slots * sizeof(*set->id));
    set->order = arena_alloc(scratch, (slots / 2 + 1) * sizeof(*set->order));
    if (set->name == NULL || set->hash == NULL || set->id == NULL || set->order == NULL)
        return -1;
    memset(set->id, 0xff, slots * sizeof(*set->id));
    set->mask = slots - 1;
    set->n = 0;
    return 0;
}

static void
plan_ns_set_put(struct plan_ns_set *set, const char *s, uint64_t h, uint32_t id)
{
    size_t i = (size_t)h & set->mask;

    while (set->id[i] != UINT32_MAX)
        i = (i + 1) & set->mask;
    set->name[i] = s;
    set->hash[i] = h;
    set->id[i] = id;
}

/* The id of namespace s, added when new; UINT32_MAX on OOM. */
static uint32_t
plan_ns_set_id(struct plan_ns_set *set, struct arena *scratch, const char *s)
{
    uint64_t h = plan_str_hash(s);
    size_t i = (size_t)h & set->mask;

    for (; set->id[i] != UINT32_MAX; i = (i + 1) & set->mask)
        if (set->hash[i] == h && strcmp(set->name[i], s) == 0)
            return set->id[i];
    if (2 * (set->n + 1) > set->mask + 1) {
        struct plan_ns_set bigger;
        if (plan_ns_set_init(&bigger, scratch, 2 * (set->mask + 1)) != 0)
            return UINT32_MAX;
        for (size_t k = 0; k <= set->mask; k++)
            if (set->id[k] != UINT32_MAX)
                plan_ns_set_put(&bigger, set->name[k], set->hash[k], set->id[k]);
        memcpy(bigger.order, set->order, set->n * sizeof(*set->order));
        bigger.n = set->n;
        *set = bigger;
    }
    plan_ns_set_put(set, s, h, (uint32_t)set->n);
    set->order[set->n] = s;
    return (uint32_t)set->n++;
}

static int
plan_ns_id_cmp(const void *a, const void *b, void *ctx)
{
    const char *const *names = ctx;

    return strcmp(names[*(const uint32_t *)a], names[*(const uint32_t *)b]);
}

/* rank_of[id] = the namespace's position in strcmp order. */
static uint32_t *
plan_ns_ranks(const struct plan_ns_set *set, struct arena *scratch)
{
    uint32_t *by_name = arena_alloc(scratch, (set->n + 1) * sizeof(*by_name));
    uint32_t *rank_of = arena_alloc(scratch, (set->n + 1) * sizeof(*rank_of));

    if (by_name == NULL || rank_of == NULL)
        return NULL;
    for (uint32_t i = 0; i < set->n; i++)
        by_name[i] = i;
    qsort_r(by_name, set->n, sizeof(*by_name), plan_ns_id_cmp, (void *)set->order);
    for (uint32_t r = 0; r < set->n; r++)
        rank_of[by_name[r]] = r;
    return rank_of;
}

static void
plan_name_head(const char *s, uint64_t head[2])
{
    size_t i = 0;

    head[0] = head[1] = 0;
    for (; i < 16 && s[i] != '\0'; i++)
        head[i / 8] |= (uint64_t)(unsigned char)s[i] << (56 - 8 * (i % 8));
}

static int
plan_name_key_cmp(const void *a, const void *b, void *ctx)
{
    const struct plan_name_key *x = a, *y = b;
    const char *const *names = ctx;

    if (x->ns != y->ns)
        return x->ns < y->ns ? -1 : 1;
    if (x->head[0] != y->head[0])
        return x->head[0] < y->head[0] ? -1 : 1;
    if (x->head[1] != y->head[1])
        return x->head[1] < y->head[1] ? -1 : 1;
    return strcmp(names[x->at], names[y->at]); /* equal heads: rare */
}

int
plan_rank_names(struct arena *scratch, const char *const *ns, const char *const *names, size_t n,
                uint32_t *rank)
{
    struct plan_name_key *keys = arena_alloc_uninit(scratch, (n + 1) * sizeof(*keys));
    struct plan_ns_set set;
    uint32_t *ns_rank, next = 0;

    if (keys == NULL || n >= UINT32_MAX || plan_ns_set_init(&set, scratch, 64) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = plan_ns_set_id(&set, scratch, ns[i]);
        if (id == UINT32_MAX)
            return -1;
        keys[i].ns = id;
        keys[i].at = (uint32_t)i;
        plan_name_head(names[i], keys[i].head);
    }
    if ((ns_rank = plan_ns_ranks(&set, scratch)) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        keys[i].ns = ns_rank[keys[i].ns];
    sort_big_r(keys, n, sizeof(*keys), plan_name_key_cmp, (void *)names);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && plan_name_key_cmp(&keys[i - 1], &keys[i], (void *)names) != 0)
            next++;
        rank[keys[i].at] = next;
    }
    return 0;
}

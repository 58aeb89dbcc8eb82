/*
 * DOC: interned attribute sets.
 *
 * A million prefixes usually share a handful of attribute sets, so an
 * Adj-RIB-Out entry stores a 24-bit id into this pool instead of the
 * attributes. Sets are found by content through a chained hash table and
 * reference-counted; a dead set's id goes on a free list and is reused.
 * Each set's communities live in one malloc'ed block; a set with none
 * allocates nothing beyond its slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/internal.h"

#define BGP_ATTR_MAX_ID ((1u << 24) - 1)

struct bgp_attr_set {
    uint32_t refs; /* 0: the slot is free */
    uint32_t hash;
    uint32_t next; /* hash chain, or free list when refs is 0; 0 ends */
    struct bgp_attrs view;
    void *block; /* communities, then large communities */
};

struct bgp_attr_pool {
    struct bgp_attr_set *sets; /* index = id; slot 0 unused */
    uint32_t nsets;            /* slots in use or freed: ids < nsets */
    uint32_t cap;
    uint32_t free_head;
    uint32_t *buckets; /* heads of the chains, nbuckets a power of two */
    uint32_t nbuckets;
    size_t live;
    size_t block_bytes;
};

static int
bgp_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static int
bgp_large_cmp(const void *a, const void *b)
{
    const struct bgp_large_community *x = a, *y = b;

    if (x->global != y->global)
        return x->global < y->global ? -1 : 1;
    if (x->local1 != y->local1)
        return x->local1 < y->local1 ? -1 : 1;
    return (x->local2 > y->local2) - (x->local2 < y->local2);
}

/* Sorts base[0..n) of size-byte items and drops repeats; returns the count. */
static size_t
bgp_sort_unique(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    uint8_t *p = base;
    size_t out = 0;

    if (n == 0)
        return 0;
    qsort(base, n, size, cmp);
    for (size_t i = 1; i < n; i++) {
        if (cmp(p + out * size, p + i * size) != 0) {
            out++;
            memmove(p + out * size, p + i * size, size);
        }
    }
    return out + 1;
}

int
bgp_attrs_normalize(const struct bgp_attrs *a, uint32_t *comm, struct bgp_large_community *large,
                    struct bgp_attrs *out)
{
    if (a->ncommunities > BGP_MAX_COMMUNITY_BYTES / 4 || a->nlarge > BGP_MAX_COMMUNITY_BYTES / 12 ||
        a->ncommunities * 4 + a->nlarge * 12 > BGP_MAX_COMMUNITY_BYTES)
        return -1;
    *out = *a;
    if (a->ncommunities > 0)
        memcpy(comm, a->communities, a->ncommunities * sizeof(*comm));
    if (a->nlarge > 0)
        memcpy(large, a->large, a->nlarge * sizeof(*large));
    out->ncommunities = bgp_sort_unique(comm, a->ncommunities, sizeof(*comm), bgp_u32_cmp);
    out->nlarge = bgp_sort_unique(large, a->nlarge, sizeof(*large), bgp_large_cmp);
    out->communities = comm;
    out->large = large;
    if (!out->has_local_pref)
        out->local_pref = 0;
    return 0;
}

/* FNV-1a over the normalized content. */
static uint32_t
bgp_attrs_hash(const struct bgp_attrs *a)
{
    uint32_t h = 2166136261u;
    uint32_t words[2] = {a->has_local_pref, a->local_pref};

    for (size_t i = 0; i < 2; i++)
        h = (h ^ words[i]) * 16777619u;
    for (size_t i = 0; i < a->ncommunities; i++)
        h = (h ^ a->communities[i]) * 16777619u;
    for (size_t i = 0; i < a->nlarge; i++) {
        h = (h ^ a->large[i].global) * 16777619u;
        h = (h ^ a->large[i].local1) * 16777619u;
        h = (h ^ a->large[i].local2) * 16777619u;
    }
    return h;
}

static bool
bgp_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
    return a->has_local_pref == b->has_local_pref && a->local_pref == b->local_pref &&
           a->ncommunities == b->ncommunities && a->nlarge == b->nlarge &&
           (a->ncommunities == 0 ||
            memcmp(a->communities, b->communities, a->ncommunities * 4) == 0) &&
           (a->nlarge == 0 || memcmp(a->large, b->large, a->nlarge * sizeof(*a->large)) == 0);
}

struct bgp_attr_pool *
bgp_attr_pool_new(void)
{
    struct bgp_attr_pool *pool = calloc(1, sizeof(*pool));

    if (pool == NULL)
        return NULL;
    pool->nbuckets = 64;
    pool->buckets = calloc(pool->nbuckets, sizeof(*pool->buckets));
    pool->nsets = 1;
    if (pool->buckets == NULL) {
        free(pool);
        return NULL;
    }
    return pool;
}

void
bgp_attr_pool_free(struct bgp_attr_pool *pool)
{
    if (pool == NULL)
        return;
    for (uint32_t id = 1; id < pool->nsets; id++)
        free(pool->sets[id].block);
    free(pool->sets);
    free(pool->buckets);
    free(pool);
}

/* Doubles the buckets when the chains get longer than one on average. */
static void
bgp_pool_rehash(struct bgp_attr_pool *pool)
{
    uint32_t n = pool->nbuckets * 2;
    uint32_t *b;

    if (pool->live < pool->nbuckets || n == 0)
        return;
    b = calloc(n, sizeof(*b));
    if (b == NULL)
        return; /* longer chains, still correct */
    for (uint32_t id = 1; id < pool->nsets; id++) {
        struct bgp_attr_set *s = &pool->sets[id];

        if (s->refs == 0)
            continue;
        s->next = b[s->hash & (n - 1)];
        b[s->hash & (n - 1)] = id;
    }
    free(pool->buckets);
    pool->buckets = b;
    pool->nbuckets = n;
}

/* A free slot id, growing the array when needed; 0 when none can be had. */
static uint32_t
bgp_pool_slot(struct bgp_attr_pool *pool)
{
    uint32_t id = pool->free_head;

    if (id != 0) {
        pool->free_head = pool->sets[id].next;
        return id;
    }
    if (pool->nsets > BGP_ATTR_MAX_ID)
        return 0;
    if (pool->nsets >= pool->cap) {
        uint32_t cap = pool->cap ? pool->cap * 2 : 16;
        struct bgp_attr_set *s = realloc(pool->sets, (size_t)cap * sizeof(*s));

        if (s == NULL)
            return 0;
        pool->sets = s;
        pool->cap = cap;
    }
    return pool->nsets++;
}

/* Stores a normalized set in slot id; returns 0 or -1 (no memory). */
static int
bgp_pool_fill(struct bgp_attr_pool *pool, uint32_t id, const struct bgp_attrs *a, uint32_t hash)
{
    struct bgp_attr_set *s = &pool->sets[id];
    size_t cbytes = a->ncommunities * 4, lbytes = a->nlarge * sizeof(*a->large);

    memset(s, 0, sizeof(*s));
    s->view = *a;
    if (cbytes + lbytes > 0) {
        s->block = malloc(cbytes + lbytes);
        if (s->block == NULL)
            return -1;
        memcpy(s->block, a->communities, cbytes);
        memcpy((uint8_t *)s->block + cbytes, a->large, lbytes);
        pool->block_bytes += cbytes + lbytes;
    }
    s->view.communities = a->ncommunities ? s->block : NULL;
    s->view.large = a->nlarge ? (const void *)((uint8_t *)s->block + cbytes) : NULL;
    s->refs = 1;
    s->hash = hash;
    s->next = pool->buckets[hash & (pool->nbuckets - 1)];
    pool->buckets[hash & (pool->nbuckets - 1)] = id;
    pool->live++;
    return 0;
}

int
bgp_attr_intern(struct bgp_attr_pool *pool, const struct bgp_attrs *a, uint32_t *id)
{
    uint32_t comm[BGP_MAX_COMMUNITY_BYTES / 4];
    struct bgp_large_community large[BGP_MAX_COMMUNITY_BYTES / 12];
    struct bgp_attrs norm;
    uint32_t hash, i;

    if (bgp_attrs_normalize(a, comm, large, &norm) < 0) {
        errno = EINVAL;
        return -1;
    }
    hash = bgp_attrs_hash(&norm);
    for (i = pool->buckets[hash & (pool->nbuckets - 1)]; i != 0; i = pool->sets[i].next) {
        if (pool->sets[i].hash == hash && bgp_attrs_equal(&pool->sets[i].view, &norm)) {
            pool->sets[i].refs++;
            *id = i;
            return 0;
        }
    }
    i = bgp_pool_slot(pool);
    if (i == 0 || bgp_pool_fill(pool, i, &norm, hash) < 0) {
        if (i != 0) {
            pool->sets[i].refs = 0;
            pool->sets[i].next = pool->free_head;
            pool->free_head = i;
        }
        errno = ENOMEM;
        return -1;
    }
    bgp_pool_rehash(pool);
    *id = i;
    return 0;
}

static bool
bgp_pool_live(const struct bgp_attr_pool *pool, uint32_t id)
{
    return id != 0 && id < pool->nsets && pool->sets[id].refs > 0;
}

void
bgp_attr_ref(struct bgp_attr_pool *pool, uint32_t id)
{
    if (bgp_pool_live(pool, id))
        pool->sets[id].refs++;
}

/* Unlinks id from its hash chain. */
static void
bgp_pool_unlink(struct bgp_attr_pool *pool, uint32_t id)
{
    uint32_t *link = &pool->buckets[pool->sets[id].hash & (pool->nbuckets - 1)];

    while (*link != 0 && *link != id)
        link = &pool->sets[*link].next;
    if (*link == id)
        *link = pool->sets[id].next;
}

void
bgp_attr_unref(struct bgp_attr_pool *pool, uint32_t id)
{
    struct bgp_attr_set *s;

    if (!bgp_pool_live(pool, id))
        return;
    s = &pool->sets[id];
    if (--s->refs > 0)
        return;
    bgp_pool_unlink(pool, id);
    pool->block_bytes -= s->view.ncommunities * 4 + s->view.nlarge * sizeof(*s->view.large);
    free(s->block);
    memset(s, 0, sizeof(*s));
    s->next = pool->free_head;
    pool->free_head = id;
    pool->live--;
}

const struct bgp_attrs *
bgp_attr_get(const struct bgp_attr_pool *pool, uint32_t id)
{
    return bgp_pool_live(pool, id) ? &pool->sets[id].view : NULL;
}

size_t
bgp_attr_pool_count(const struct bgp_attr_pool *pool)
{
    return pool->live;
}

size_t
bgp_attr_pool_bytes(const struct bgp_attr_pool *pool)
{
    return sizeof(*pool) + (size_t)pool->cap * sizeof(*pool->sets) +
           (size_t)pool->nbuckets * sizeof(*pool->buckets) + pool->block_bytes;
}

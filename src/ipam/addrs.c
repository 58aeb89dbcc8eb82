/*
 * Addresses in use: one record per address (MetalLB's per-IP sharing key,
 * users and ports), found by an open-addressing hash on the address, and
 * chained into sharing groups (pool, sharing key, backend key) so that a
 * sharing request looks only at the addresses it could share. Creating a
 * record marks its number used in the entry's runs and counts it once in
 * the pool; the last user leaving undoes both.
 */
#include <assert.h>
#include <string.h>

#include "ipam/internal.h"

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/*
 * Blocks of 16 consecutive addresses hash to 16 consecutive slots (one
 * cache line of the table): addresses are mostly handed out in order, and
 * a million of them would otherwise cost a cache miss each. The blocks
 * themselves are spread by the mix, so clusters stay short.
 */
static uint32_t
addr_hash(const struct ip_addr *a)
{
    uint64_t block = (uint64_t)(a->v >> 4) ^ mix64((uint64_t)(a->v >> 64) + (uint64_t)a->family);

    return (uint32_t)(mix64(block) << 4) | (uint32_t)(a->v & 15);
}

static uint32_t
str_hash(const char *s, uint64_t h)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (uint32_t)mix64(h);
}

uint32_t
ipam_rec_find(const struct ipam_state *st, const struct ip_addr *a)
{
    for (uint32_t i = addr_hash(a) & st->rec_mask;; i = (i + 1) & st->rec_mask) {
        uint32_t k = st->rec_hash[i];
        if (k == IPAM_NONE)
            return IPAM_NONE;
        if (ip_addr_equal(&st->recs[k].addr, a))
            return k;
    }
}

/* Linear probing deletion by backward shift: no tombstones, probes stay short. */
static void
rec_hash_del(struct ipam_state *st, uint32_t k)
{
    uint32_t i = addr_hash(&st->recs[k].addr) & st->rec_mask;
    uint32_t j;

    while (st->rec_hash[i] != k)
        i = (i + 1) & st->rec_mask;
    for (j = (i + 1) & st->rec_mask; st->rec_hash[j] != IPAM_NONE; j = (j + 1) & st->rec_mask) {
        uint32_t home = addr_hash(&st->recs[st->rec_hash[j]].addr) & st->rec_mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        if (((j - home) & st->rec_mask) >= ((j - i) & st->rec_mask)) {
            st->rec_hash[i] = st->rec_hash[j];
            i = j;
        }
    }
    st->rec_hash[i] = IPAM_NONE;
}

uint32_t
ipam_group_find(const struct ipam_state *st, uint32_t pool, const char *key, const char *backend)
{
    uint32_t h = str_hash(backend, str_hash(key, 0xcbf29ce484222325ull ^ pool));

    for (uint32_t i = h & st->group_mask;; i = (i + 1) & st->group_mask) {
        uint32_t g = st->group_hash[i];
        if (g == IPAM_NONE)
            return IPAM_NONE;
        if (st->groups[g].pool == pool && strcmp(st->groups[g].key, key) == 0 &&
            strcmp(st->groups[g].backend, backend) == 0)
            return g;
    }
}

static uint32_t
group_get(struct ipam_state *st, uint32_t pool, const char *key, const char *backend)
{
    uint32_t g = ipam_group_find(st, pool, key, backend);
    uint32_t h = str_hash(backend, str_hash(key, 0xcbf29ce484222325ull ^ pool));
    uint32_t i;

    if (g != IPAM_NONE)
        return g;
    assert(st->n_groups < st->cap_groups);
    g = st->n_groups++;
    st->groups[g].pool = pool;
    st->groups[g].head = IPAM_NONE;
    st->groups[g].key = key;
    st->groups[g].backend = backend;
    for (i = h & st->group_mask; st->group_hash[i] != IPAM_NONE; i = (i + 1) & st->group_mask)
        ;
    st->group_hash[i] = g;
    return g;
}

static void
group_leave(struct ipam_state *st, uint32_t k)
{
    struct ipam_rec *rec = &st->recs[k];

    if (rec->group == IPAM_NONE)
        return;
    if (rec->gprev != IPAM_NONE)
        st->recs[rec->gprev].gnext = rec->gnext;
    else
        st->groups[rec->group].head = rec->gnext;
    if (rec->gnext != IPAM_NONE)
        st->recs[rec->gnext].gprev = rec->gprev;
    rec->group = IPAM_NONE;
}

/* Gives the record the sharing key of its latest user, as MetalLB does. */
static void
rec_set_key(struct ipam_state *st, uint32_t k, const char *key, const char *backend)
{
    struct ipam_rec *rec = &st->recs[k];
    uint32_t g;

    if (rec->key != NULL && strcmp(rec->key, key) == 0 && strcmp(rec->backend, backend) == 0)
        return;
    group_leave(st, k);
    rec->key = key;
    rec->backend = backend;
    if (key[0] == '\0')
        return;
    g = group_get(st, st->entries[rec->entry].pool, key, backend);
    rec->group = g;
    rec->gprev = IPAM_NONE;
    rec->gnext = st->groups[g].head;
    if (rec->gnext != IPAM_NONE)
        st->recs[rec->gnext].gprev = k;
    st->groups[g].head = k;
}

static uint32_t
rec_create(struct ipam_state *st, const struct ip_addr *a, uint32_t entry)
{
    struct ipam_entry *e = &st->entries[entry];
    struct ipam_pool_rt *p = &st->pools[e->pool];
    uint32_t k, i;

    if (st->free_recs != IPAM_NONE) {
        k = st->free_recs;
        st->free_recs = st->recs[k].gnext;
    } else {
        assert(st->n_recs < st->cap_recs);
        k = st->n_recs++;
    }
    memset(&st->recs[k], 0, sizeof(st->recs[k]));
    st->recs[k].addr = *a;
    st->recs[k].entry = entry;
    st->recs[k].uses = IPAM_NONE;
    st->recs[k].group = IPAM_NONE;
    for (i = addr_hash(a) & st->rec_mask; st->rec_hash[i] != IPAM_NONE; i = (i + 1) & st->rec_mask)
        ;
    st->rec_hash[i] = k;
    ipam_runs_add(&st->runs, &e->root, ipam_entry_index(e, a));
    e->used++;
    p->assigned[ipam_fi(a->family)]++;
    return k;
}

static void
rec_destroy(struct ipam_state *st, uint32_t k)
{
    struct ipam_rec *rec = &st->recs[k];
    struct ipam_entry *e = &st->entries[rec->entry];
    struct ipam_pool_rt *p = &st->pools[e->pool];
    unsigned fi = ipam_fi(rec->addr.family);

    group_leave(st, k);
    rec_hash_del(st, k);
    ipam_runs_del(&st->runs, &e->root, ipam_entry_index(e, &rec->addr));
    e->used--;
    p->assigned[fi]--;
    if (e->fam_pos < p->cursor[fi])
        p->cursor[fi] = e->fam_pos;
    rec->gnext = st->free_recs;
    st->free_recs = k;
}

void
ipam_rec_use(struct ipam_state *st, uint32_t r, uint32_t slot, const struct ip_addr *a,
             uint32_t entry)
{
    struct ipam_req_rt *rt = &st->reqs[r];
    uint32_t k = ipam_rec_find(st, a);

    if (k == IPAM_NONE)
        k = rec_create(st, a, entry);
    rt->rec[slot] = k;
    rt->use_next[slot] = st->recs[k].uses;
    st->recs[k].uses = r * 2 + slot;
    st->recs[k].n_users++;
    rec_set_key(st, k, rt->key, rt->backend);
}

void
ipam_rec_unuse_all(struct ipam_state *st, uint32_t r)
{
    struct ipam_req_rt *rt = &st->reqs[r];

    for (uint32_t slot = 0; slot < rt->n; slot++) {
        uint32_t k = rt->rec[slot], u = r * 2 + slot;
        uint32_t *link = &st->recs[k].uses;

        while (*link != u)
            link = &st->reqs[*link / 2].use_next[*link % 2];
        *link = rt->use_next[slot];
        if (--st->recs[k].n_users == 0)
            rec_destroy(st, k);
        rt->rec[slot] = IPAM_NONE;
    }
    rt->n = 0;
    rt->pool = IPAM_NONE;
}

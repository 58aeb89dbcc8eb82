/*
 * Builds the working state of one ipam_allocate() call: entries and their
 * address index, pools by name, the pinned-pool indexes, the processing
 * order of requests, and storage sized up front from the request count (an
 * object holds at most two addresses, so nothing grows during the run).
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "ipam/internal.h"

static const char *const kind_names[IPAM_KIND_COUNT] = {"Service", "Gateway"};

static void *
mem_array(struct ipam_state *st, size_t n, size_t size)
{
    if (n != 0 && size > SIZE_MAX / n)
        return NULL;
    return arena_alloc(&st->mem, n * size);
}

/* As mem_array, not zeroed: for storage whose slots are written when taken
 * (records, run nodes). Sized for the worst case, most of it is never
 * touched, so it is never faulted in either. */
static void *
mem_array_uninit(struct ipam_state *st, size_t n, size_t size)
{
    if (n != 0 && size > SIZE_MAX / n)
        return NULL;
    return arena_alloc_uninit(&st->mem, n * size);
}

static int
cmp_entry(const void *a, const void *b, void *ctx)
{
    const struct ipam_state *st = ctx;
    const struct ipam_entry *x = &st->entries[*(const uint32_t *)a];
    const struct ipam_entry *y = &st->entries[*(const uint32_t *)b];
    int c = ip_addr_cmp(&x->first, &y->first);

    return c != 0 ? c : (x->last.v > y->last.v) - (x->last.v < y->last.v);
}

static int
cmp_pool_name(const void *a, const void *b, void *ctx)
{
    const struct ipam_state *st = ctx;

    return strcmp(st->in->pools[*(const uint32_t *)a].name,
                  st->in->pools[*(const uint32_t *)b].name);
}

static int
cmp_ns_ref(const void *a, const void *b)
{
    const struct ipam_ns_ref *x = a, *y = b;
    int c = strcmp(x->ns, y->ns);

    return c != 0 ? c : (x->pool > y->pool) - (x->pool < y->pool);
}

static int
cmp_request(const void *a, const void *b, void *ctx)
{
    const struct ipam_state *st = ctx;
    const struct ipam_request *x = &st->in->requests[*(const uint32_t *)a];
    const struct ipam_request *y = &st->in->requests[*(const uint32_t *)b];
    int c;

    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    c = strcmp(ipam_str(x->ns), ipam_str(y->ns));
    if (c == 0)
        c = strcmp(ipam_str(x->name), ipam_str(y->name));
    return c != 0 ? c : (x->kind > y->kind) - (x->kind < y->kind);
}

/* A request's place in the order, inline (24 bytes: sorted directly). */
struct ipam_order_key {
    int64_t created;
    uint32_t rank, kind, at;
};

static int
cmp_order_key(const void *a, const void *b, void *ctx)
{
    const struct ipam_order_key *x = a, *y = b;

    (void)ctx;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

static bool
range_ok(const struct ipam_range *r)
{
    enum ip_family f = r->first.family;

    if ((f != IP_FAMILY_V4 && f != IP_FAMILY_V6) || r->last.family != f)
        return false;
    if (f == IP_FAMILY_V4 && r->last.v > UINT32_MAX)
        return false;
    return r->first.v <= r->last.v;
}

static const char *
fmt_range(struct ipam_state *st, const struct ipam_entry *e)
{
    char a[IP_STRLEN], b[IP_STRLEN];

    return arena_printf(st->out, "%s-%s", ip_format(&e->first, a), ip_format(&e->last, b));
}

/* Creates the entries, in pool order then declared order, and counts capacity. */
static int
setup_entries(struct ipam_state *st, const char **err)
{
    const struct ipam_input *in = st->in;
    uint32_t k = 0;

    for (size_t p = 0; p < in->n_pools; p++) {
        const struct ipam_pool *pool = &in->pools[p];
        struct ipam_pool_rt *rt = &st->pools[p];

        rt->in = pool;
        if (pool->name == NULL || (pool->n_ranges > 0 && pool->ranges == NULL)) {
            *err = "malformed pool";
            return -1;
        }
        for (size_t i = 0; i < pool->n_ranges; i++, k++) {
            struct ipam_entry *e = &st->entries[k];
            unsigned fi;

            if (!range_ok(&pool->ranges[i])) {
                *err = arena_printf(st->out, "pool %s: malformed address range %zu", pool->name, i);
                return -1;
            }
            ipam_entry_init(e, &pool->ranges[i], pool->avoid_buggy_ips);
            e->pool = (uint32_t)p;
            fi = ipam_fi(e->first.family);
            e->fam_pos = rt->n_fam[fi]++;
            ipam_entry_count(e, rt);
        }
    }
    return 0;
}

/* Per-family entry lists of each pool, then the address index with its overlap check. */
static int
setup_index(struct ipam_state *st, const char **err)
{
    for (size_t p = 0; p < st->in->n_pools; p++)
        for (unsigned fi = 0; fi < 2; fi++)
            if ((st->pools[p].fam_entries[fi] = mem_array(st, st->pools[p].n_fam[fi] + 1,
                                                          sizeof(uint32_t))) == NULL)
                return -1;
    for (uint32_t k = 0; k < st->n_entries; k++) {
        struct ipam_entry *e = &st->entries[k];
        st->pools[e->pool].fam_entries[ipam_fi(e->first.family)][e->fam_pos] = k;
        st->by_addr[k] = k;
    }
    qsort_r(st->by_addr, st->n_entries, sizeof(uint32_t), cmp_entry, st);
    for (uint32_t k = 1; k < st->n_entries; k++) {
        const struct ipam_entry *a = &st->entries[st->by_addr[k - 1]];
        const struct ipam_entry *b = &st->entries[st->by_addr[k]];
        if (a->first.family == b->first.family && a->last.v >= b->first.v) {
            *err = arena_printf(st->out, "range %s of pool %s overlaps with range %s of pool %s",
                                fmt_range(st, b), st->in->pools[b->pool].name, fmt_range(st, a),
                                st->in->pools[a->pool].name);
            return -1;
        }
    }
    return 0;
}

/* Pools by name, the fallback list and the pinned-pool indexes. */
static int
setup_pools(struct ipam_state *st, const char **err)
{
    const struct ipam_input *in = st->in;
    size_t n_refs = 0;

    for (uint32_t p = 0; p < in->n_pools; p++)
        st->by_name[p] = p;
    qsort_r(st->by_name, in->n_pools, sizeof(uint32_t), cmp_pool_name, st);
    for (size_t i = 0; i < in->n_pools; i++) {
        const struct ipam_pool *pool = &in->pools[st->by_name[i]];
        if (i > 0 && strcmp(pool->name, in->pools[st->by_name[i - 1]].name) == 0) {
            *err = arena_printf(st->out, "duplicate definition of pool %s", pool->name);
            return -1;
        }
        if (pool->auto_assign && !pool->has_allocation)
            st->fallback[st->n_fallback++] = st->by_name[i];
        if (pool->has_allocation && (pool->has_service_selectors || !pool->has_namespace_rules))
            st->selpools[st->n_selpools++] = st->by_name[i];
        if (pool->has_allocation)
            n_refs += pool->n_namespaces;
    }
    if ((st->ns_refs = mem_array(st, n_refs + 1, sizeof(*st->ns_refs))) == NULL)
        return -1;
    for (uint32_t p = 0; p < in->n_pools; p++) {
        if (!in->pools[p].has_allocation)
            continue;
        for (size_t i = 0; i < in->pools[p].n_namespaces; i++) {
            st->ns_refs[st->n_ns_refs].ns = ipam_str(in->pools[p].namespaces[i]);
            st->ns_refs[st->n_ns_refs++].pool = p;
        }
    }
    qsort(st->ns_refs, st->n_ns_refs, sizeof(*st->ns_refs), cmp_ns_ref);
    return 0;
}

static bool
ports_ok(const struct ipam_request *q)
{
    for (size_t i = 0; i < q->n_ports; i++)
        if ((unsigned)q->ports[i].proto >= IPAM_PROTO_COUNT)
            return false;
    return true;
}

static bool
ipam_same_name(const struct ipam_state *st, const struct ipam_request *a,
               const struct ipam_request *b)
{
    if (st->name_ranked)
        return a->name_rank == b->name_rank;
    return strcmp(ipam_str(a->ns), ipam_str(b->ns)) == 0 &&
           strcmp(ipam_str(a->name), ipam_str(b->name)) == 0;
}

static int
fill_requests(struct ipam_state *st, const char **err)
{
    const struct ipam_input *in = st->in;
    bool ranked = true;

    for (uint32_t r = 0; r < in->n_requests; r++) {
        const struct ipam_request *q = &in->requests[r];
        struct ipam_req_rt *rt = &st->reqs[r];

        if ((unsigned)q->kind >= IPAM_KIND_COUNT || (unsigned)q->policy >= IPAM_POLICY_COUNT ||
            (q->n_ports > 0 && q->ports == NULL) ||
            (q->n_requested_ips > 0 && q->requested_ips == NULL) ||
            (q->n_prev_ips > 0 && q->prev_ips == NULL) || !ports_ok(q)) {
            *err = arena_printf(st->out, "malformed request %s/%s", ipam_str(q->ns),
                                ipam_str(q->name));
            return -1;
        }
        rt->rec[0] = rt->rec[1] = IPAM_NONE;
        rt->pool = IPAM_NONE;
        rt->key = ipam_str(q->sharing_key);
        rt->backend = ipam_str(q->backend_key);
        rt->invalid = ipam_requested_invalid(st, r);
        st->held[r] = q->n_prev_ips > 0;
        st->order[r] = r;
        ranked = ranked && q->name_rank != 0;
    }
    st->name_ranked = ranked;
    return 0;
}

/* The processing order from the caller's name ranks: the same order as
 * cmp_request's, sorted on inline keys instead of through the requests. */
static int
order_ranked(struct ipam_state *st)
{
    const struct ipam_input *in = st->in;
    struct ipam_order_key *keys = mem_array_uninit(st, in->n_requests + 1, sizeof(*keys));

    if (keys == NULL)
        return -1;
    for (uint32_t r = 0; r < in->n_requests; r++) {
        keys[r].created = in->requests[r].created;
        keys[r].rank = in->requests[r].name_rank;
        keys[r].kind = (uint32_t)in->requests[r].kind;
        keys[r].at = r;
    }
    sort_big_r(keys, in->n_requests, sizeof(*keys), cmp_order_key, NULL);
    for (uint32_t i = 0; i < in->n_requests; i++)
        st->order[i] = keys[i].at;
    return 0;
}

/* Requests by (created, ns, name, kind). */
static int
order_requests(struct ipam_state *st)
{
    if (st->name_ranked)
        return order_ranked(st);
    sort_big_r(st->order, st->in->n_requests, sizeof(uint32_t), cmp_request, st);
    return 0;
}

static int
setup_requests(struct ipam_state *st, const char **err)
{
    const struct ipam_input *in = st->in;

    if (fill_requests(st, err) != 0 || order_requests(st) != 0)
        return -1;
    for (uint32_t i = 1; i < in->n_requests; i++) {
        const struct ipam_request *a = &in->requests[st->order[i - 1]];
        const struct ipam_request *b = &in->requests[st->order[i]];
        if (a->kind == b->kind && ipam_same_name(st, a, b)) {
            *err = arena_printf(st->out, "duplicate request %s %s/%s", kind_names[b->kind],
                                ipam_str(b->ns), ipam_str(b->name));
            return -1;
        }
    }
    return 0;
}

static uint32_t
pow2_at_least(size_t n)
{
    uint32_t m = 16;

    while (m < n)
        m <<= 1;
    return m;
}

/* Address records, sharing groups and run nodes, all bounded by the request count. */
static int
setup_storage(struct ipam_state *st)
{
    size_t n = st->in->n_requests, shared = 0;

    for (size_t r = 0; r < n; r++)
        shared += st->reqs[r].key[0] != '\0';
    st->cap_recs = (uint32_t)(2 * n + 2);
    st->rec_mask = pow2_at_least(4 * n + 4) - 1;
    /* A request commits at most three times (keep, extend, allocate), two addresses each. */
    st->cap_groups = (uint32_t)(6 * shared + 2);
    st->group_mask = pow2_at_least(2 * (size_t)st->cap_groups) - 1;
    st->runs.cap = st->cap_recs + 2;
    st->runs.free_head = IPAM_NONE;
    st->runs.seed = 0x9e3779b9u;
    st->free_recs = IPAM_NONE;
    st->recs = mem_array_uninit(st, st->cap_recs, sizeof(*st->recs));
    st->rec_hash = mem_array(st, (size_t)st->rec_mask + 1, sizeof(uint32_t));
    st->groups = mem_array(st, st->cap_groups, sizeof(*st->groups));
    st->group_hash = mem_array(st, (size_t)st->group_mask + 1, sizeof(uint32_t));
    st->runs.node = mem_array_uninit(st, st->runs.cap, sizeof(*st->runs.node));
    if (!st->recs || !st->rec_hash || !st->groups || !st->group_hash || !st->runs.node)
        return -1;
    memset(st->rec_hash, 0xff, ((size_t)st->rec_mask + 1) * sizeof(uint32_t));
    memset(st->group_hash, 0xff, ((size_t)st->group_mask + 1) * sizeof(uint32_t));
    return 0;
}

int
ipam_setup(struct ipam_state *st, const char **err)
{
    const struct ipam_input *in = st->in;
    size_t n_entries = 0;

    *err = "out of memory";
    if (in->n_requests >= UINT32_MAX / 8 || in->n_pools >= UINT32_MAX / 2) {
        *err = "too many requests or pools";
        return -1;
    }
    for (size_t p = 0; p < in->n_pools; p++)
        n_entries += in->pools[p].n_ranges;
    if (n_entries >= UINT32_MAX / 2)
        return -1;
    st->n_entries = (uint32_t)n_entries;
    st->entries = mem_array(st, n_entries + 1, sizeof(*st->entries));
    st->by_addr = mem_array(st, n_entries + 1, sizeof(uint32_t));
    st->pools = mem_array(st, in->n_pools + 1, sizeof(*st->pools));
    st->by_name = mem_array(st, in->n_pools + 1, sizeof(uint32_t));
    st->fallback = mem_array(st, in->n_pools + 1, sizeof(uint32_t));
    st->selpools = mem_array(st, in->n_pools + 1, sizeof(uint32_t));
    st->scratch = mem_array(st, in->n_pools + 1, sizeof(uint32_t));
    st->stamp = mem_array(st, in->n_pools + 1, sizeof(uint32_t));
    st->reqs = mem_array(st, in->n_requests + 1, sizeof(*st->reqs));
    st->order = mem_array(st, in->n_requests + 1, sizeof(uint32_t));
    st->held = mem_array(st, in->n_requests + 1, sizeof(bool));
    if (!st->entries || !st->by_addr || !st->pools || !st->by_name || !st->fallback ||
        !st->selpools || !st->scratch || !st->stamp || !st->reqs || !st->order || !st->held)
        return -1;
    if (setup_entries(st, err) || setup_index(st, err) || setup_pools(st, err) ||
        setup_requests(st, err))
        return -1;
    *err = "out of memory";
    return setup_storage(st);
}

uint32_t
ipam_pool_by_name(const struct ipam_state *st, const char *name)
{
    size_t lo = 0, hi = st->in->n_pools;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->in->pools[st->by_name[mid]].name, name);
        if (c == 0)
            return st->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return IPAM_NONE;
}

uint32_t
ipam_entry_of(const struct ipam_state *st, const struct ip_addr *a)
{
    size_t lo = 0, hi = st->n_entries;

    /* The last entry starting at or below a; entries never overlap. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ip_addr_cmp(&st->entries[st->by_addr[mid]].first, a) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || !ipam_entry_usable(&st->entries[st->by_addr[lo - 1]], a))
        return IPAM_NONE;
    return st->by_addr[lo - 1];
}

bool
ipam_pool_has_ns(const struct ipam_state *st, uint32_t pool, const char *ns)
{
    struct ipam_ns_ref key = {ns, pool};

    return bsearch(&key, st->ns_refs, st->n_ns_refs, sizeof(key), cmp_ns_ref) != NULL;
}

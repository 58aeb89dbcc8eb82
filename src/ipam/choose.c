/*
 * Choosing addresses for an object that holds none: requested IPs, the
 * requested pool, or automatically the pinned pools (serviceAllocation:
 * namespace, service selectors or match-all; by priority, then name) and
 * then the fallback pools (autoAssign, no serviceAllocation; by name,
 * where MetalLB's order is random).
 *
 * Inside a pool, per family: the lowest free address of the first entry
 * (declared order) that has one, or a lower address already used by
 * objects this one may share with, whichever comes first in walk order.
 * The free one comes from the entry's runs in O(log n), the shareable one
 * from the sharing group of (pool, key, backend): no scan of the pool.
 */
#include <stdlib.h>
#include <string.h>

#include "ipam/internal.h"

struct ipam_cand {
    bool ok;
    uint32_t entry;
    ip_u128 idx;
};

/* Per family slot: the candidate address of one pool. */
struct ipam_pair {
    bool ok[2];
    struct ip_addr ip[2];
};

static const char *const family_names[IPAM_POLICY_COUNT] = {"ipv4", "ipv6", "dual", "dual"};

static void
free_cand(struct ipam_state *st, uint32_t pool, unsigned fi, struct ipam_cand *c)
{
    struct ipam_pool_rt *p = &st->pools[pool];

    c->entry = IPAM_NONE;
    c->idx = 0;
    while (p->cursor[fi] < p->n_fam[fi] &&
           ipam_entry_full(&st->entries[p->fam_entries[fi][p->cursor[fi]]]))
        p->cursor[fi]++;
    c->ok = p->cursor[fi] < p->n_fam[fi];
    if (!c->ok)
        return;
    c->entry = p->fam_entries[fi][p->cursor[fi]];
    c->idx = ipam_runs_first_free(&st->runs, st->entries[c->entry].root);
}

/* Lowers *c to the first address of the pool r may share, if one comes earlier. */
static void
share_cand(struct ipam_state *st, uint32_t pool, unsigned fi, uint32_t r, struct ipam_cand *c)
{
    const struct ipam_req_rt *rt = &st->reqs[r];
    uint32_t g;

    if (rt->key[0] == '\0')
        return;
    g = ipam_group_find(st, pool, rt->key, rt->backend);
    for (uint32_t k = g != IPAM_NONE ? st->groups[g].head : IPAM_NONE; k != IPAM_NONE;
         k = st->recs[k].gnext) {
        const struct ipam_rec *rec = &st->recs[k];
        ip_u128 idx;

        if (ipam_fi(rec->addr.family) != fi || !ipam_can_share(st, r, k))
            continue;
        idx = ipam_entry_index(&st->entries[rec->entry], &rec->addr);
        if (!c->ok || rec->entry < c->entry || (rec->entry == c->entry && idx < c->idx)) {
            c->ok = true;
            c->entry = rec->entry;
            c->idx = idx;
        }
    }
}

/* MetalLB's getFreeIPsFromPool, for the families in want. */
static void
pool_pair(struct ipam_state *st, uint32_t pool, uint32_t r, const bool want[2],
          struct ipam_pair *out)
{
    for (unsigned fi = 0; fi < 2; fi++) {
        struct ipam_cand c;

        out->ok[fi] = false;
        if (!want[fi])
            continue;
        free_cand(st, pool, fi, &c);
        share_cand(st, pool, fi, r, &c);
        out->ok[fi] = c.ok;
        if (c.ok)
            out->ip[fi] = ipam_entry_addr(&st->entries[c.entry], c.idx);
    }
}

static void
policy_wants(enum ipam_policy policy, bool want[2])
{
    want[0] = policy != IPAM_SINGLE_V6;
    want[1] = policy != IPAM_SINGLE_V4;
}

/* MetalLB's selectIPsForFamilyAndPolicy: fills ips (IPv4 first), or sets the reason. */
static enum ipam_fail
select_ips(struct ipam_state *st, uint32_t r, uint32_t pool, const struct ipam_pair *pr,
           enum ipam_policy policy, struct ip_addr ips[2], size_t *n)
{
    *n = 0;
    if (policy == IPAM_SINGLE_V4 || policy == IPAM_SINGLE_V6) {
        unsigned fi = policy == IPAM_SINGLE_V6;
        if (pr->ok[fi])
            ips[(*n)++] = pr->ip[fi];
    } else if (pr->ok[0] && pr->ok[1]) {
        ips[(*n)++] = pr->ip[0];
        ips[(*n)++] = pr->ip[1];
    } else if (policy == IPAM_PREFER_DUAL && (pr->ok[0] || pr->ok[1])) {
        ips[(*n)++] = pr->ip[pr->ok[0] ? 0 : 1];
    }
    if (*n > 0)
        return IPAM_FAIL_NONE;
    st->reqs[r].reason = arena_printf(st->out, "no available IPs in pool %s for %s IPFamily",
                                      st->in->pools[pool].name, family_names[policy]);
    return IPAM_FAIL_NO_IPS;
}

/* MetalLB's findBestPoolForService over list (already in preference order). */
static uint32_t
best_pool(struct ipam_state *st, uint32_t r, const uint32_t *list, uint32_t n)
{
    const struct ipam_request *q = &st->in->requests[r];
    unsigned primary = q->primary == IP_FAMILY_V6;
    uint32_t first_primary = IPAM_NONE, first_secondary = IPAM_NONE;
    bool want[2];

    policy_wants(q->policy, want);
    for (uint32_t i = 0; i < n; i++) {
        struct ipam_pair pr;

        pool_pair(st, list[i], r, want, &pr);
        if (!want[0] || !want[1]) {
            if (pr.ok[want[1]])
                return list[i];
            continue;
        }
        if (pr.ok[0] && pr.ok[1])
            return list[i];
        if (q->policy != IPAM_PREFER_DUAL)
            continue;
        if (pr.ok[primary] && first_primary == IPAM_NONE)
            first_primary = list[i];
        if (pr.ok[!primary] && first_secondary == IPAM_NONE)
            first_secondary = list[i];
    }
    return first_primary != IPAM_NONE ? first_primary : first_secondary;
}

/* Takes the chosen pool's candidates; 0 on success. */
static int
alloc_from_list(struct ipam_state *st, uint32_t r, const uint32_t *list, uint32_t n)
{
    const struct ipam_request *q = &st->in->requests[r];
    uint32_t pool = best_pool(st, r, list, n);
    struct ipam_pair pr;
    struct ip_addr ips[2];
    size_t n_ips;
    bool want[2];

    if (pool == IPAM_NONE)
        return -1;
    policy_wants(q->policy, want);
    pool_pair(st, pool, r, want, &pr);
    if (select_ips(st, r, pool, &pr, q->policy, ips, &n_ips) != IPAM_FAIL_NONE ||
        ipam_assign(st, r, ips, n_ips) != IPAM_FAIL_NONE)
        return -1;
    return 0;
}

static int
cmp_pinned(const void *a, const void *b, void *ctx)
{
    const struct ipam_pool *pools = ((const struct ipam_state *)ctx)->in->pools;
    const struct ipam_pool *x = &pools[*(const uint32_t *)a], *y = &pools[*(const uint32_t *)b];
    int64_t px = x->priority > 0 ? x->priority : INT64_MAX;
    int64_t py = y->priority > 0 ? y->priority : INT64_MAX;

    if (px != py)
        return px < py ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void
pin(struct ipam_state *st, uint32_t r, uint32_t pool, uint32_t stamp, uint32_t *n)
{
    if (st->stamp[pool] == stamp)
        return;
    st->stamp[pool] = stamp;
    if (st->in->pools[pool].auto_assign && ipam_compatible(st, pool, r))
        st->scratch[(*n)++] = pool;
}

/* MetalLB's pinnedPoolsForService, sorted by priority then name, into st->scratch. */
static uint32_t
pinned_pools(struct ipam_state *st, uint32_t r)
{
    const char *ns = ipam_str(st->in->requests[r].ns);
    uint32_t stamp = ++st->stamp_gen, n = 0;
    size_t lo = 0, hi = st->n_ns_refs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(st->ns_refs[mid].ns, ns) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < st->n_ns_refs && strcmp(st->ns_refs[lo].ns, ns) == 0; lo++)
        pin(st, r, st->ns_refs[lo].pool, stamp, &n);
    for (uint32_t i = 0; i < st->n_selpools; i++)
        pin(st, r, st->selpools[i], stamp, &n);
    qsort_r(st->scratch, n, sizeof(uint32_t), cmp_pinned, st);
    return n;
}

enum ipam_fail
ipam_alloc_auto(struct ipam_state *st, uint32_t r)
{
    uint32_t n = pinned_pools(st, r);

    if (alloc_from_list(st, r, st->scratch, n) == 0 ||
        alloc_from_list(st, r, st->fallback, st->n_fallback) == 0) {
        st->reqs[r].reason = NULL;
        return IPAM_FAIL_NONE;
    }
    st->reqs[r].reason = "no available IPs";
    return IPAM_FAIL_NO_IPS;
}

enum ipam_fail
ipam_alloc_from_pool(struct ipam_state *st, uint32_t r, const char *name)
{
    const struct ipam_request *q = &st->in->requests[r];
    uint32_t pool = ipam_pool_by_name(st, name);
    struct ipam_pair pr;
    struct ip_addr ips[2];
    size_t n;
    bool want[2];
    enum ipam_fail f;

    if (pool == IPAM_NONE) {
        st->reqs[r].reason = arena_printf(st->out, "unknown pool \"%s\"", name);
        return IPAM_FAIL_UNKNOWN_POOL;
    }
    policy_wants(q->policy, want);
    pool_pair(st, pool, r, want, &pr);
    if ((f = select_ips(st, r, pool, &pr, q->policy, ips, &n)) != IPAM_FAIL_NONE)
        return f;
    return ipam_assign(st, r, ips, n);
}

enum ipam_fail
ipam_alloc_requested(struct ipam_state *st, uint32_t r)
{
    const struct ipam_request *q = &st->in->requests[r];
    const char *want_pool = ipam_str(q->requested_pool);
    bool single = q->policy == IPAM_SINGLE_V4 || q->policy == IPAM_SINGLE_V6;
    enum ip_family fam = q->policy == IPAM_SINGLE_V6 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    enum ipam_fail f;

    /* Two addresses are of different families here (ipam_requested_invalid). */
    if (single != (q->n_requested_ips == 1) || (single && q->requested_ips[0].family != fam)) {
        st->reqs[r].reason = arena_printf(
            st->out, "requested loadBalancer IP(s) %s does not match the ipFamily of the service",
            ipam_fmt_ips(st, q->requested_ips, q->n_requested_ips));
        return IPAM_FAIL_FAMILY;
    }
    if ((f = ipam_assign(st, r, q->requested_ips, q->n_requested_ips)) != IPAM_FAIL_NONE)
        return f;
    if (want_pool[0] != '\0' && strcmp(st->in->pools[st->reqs[r].pool].name, want_pool) != 0) {
        ipam_rec_unuse_all(st, r);
        st->reqs[r].reason = arena_printf(
            st->out, "requested loadBalancer IP(s) %s is not compatible with requested address pool %s",
            ipam_fmt_ips(st, q->requested_ips, q->n_requested_ips), want_pool);
        return IPAM_FAIL_POOL_MISMATCH;
    }
    return IPAM_FAIL_NONE;
}

/*
 * PreferDualStack object holding one address: the other family from the
 * same pool, appended after the kept address. On failure the object keeps
 * its address and the note says why (MetalLB's AdditionalAssignFailed).
 */
enum ipam_fail
ipam_alloc_additional(struct ipam_state *st, uint32_t r)
{
    struct ipam_req_rt *rt = &st->reqs[r];
    struct ip_addr ips[2], more[2];
    struct ipam_pair pr;
    unsigned add = ipam_fi(st->recs[rt->rec[0]].addr.family) == 0 ? 1 : 0;
    bool want[2] = {add == 0, add == 1};
    uint32_t pool = rt->pool;
    size_t n;
    enum ipam_fail f;

    ips[0] = st->recs[rt->rec[0]].addr;
    pool_pair(st, pool, r, want, &pr);
    f = select_ips(st, r, pool, &pr, add ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4, more, &n);
    if (f == IPAM_FAIL_NONE) {
        ips[1] = more[0];
        f = ipam_assign(st, r, ips, 2);
    }
    if (f != IPAM_FAIL_NONE) {
        rt->note = arena_printf(st->out, "cannot assign additional IP in PreferDualStack: %s",
                                rt->reason);
        rt->reason = NULL;
        return f;
    }
    rt->extended = true;
    return IPAM_FAIL_NONE;
}

const char *
ipam_requested_invalid(struct ipam_state *st, uint32_t r)
{
    const struct ipam_request *q = &st->in->requests[r];
    size_t n = q->n_requested_ips;

    if (q->request_error != NULL)
        return q->request_error;
    for (size_t i = 0; i < n; i++)
        if (q->requested_ips[i].family != IP_FAMILY_V4 && q->requested_ips[i].family != IP_FAMILY_V6)
            return arena_printf(st->out, "invalid requested address %zu", i);
    if (n > 2)
        return arena_printf(st->out, "IPFamilyForAddresses: invalid ips length %zu %s", n,
                            ipam_fmt_ips(st, q->requested_ips, n));
    if (n == 2 && q->requested_ips[0].family == q->requested_ips[1].family)
        return arena_printf(st->out, "IPFamilyForAddresses: same address family %s",
                            ipam_fmt_ips(st, q->requested_ips, n));
    return NULL;
}

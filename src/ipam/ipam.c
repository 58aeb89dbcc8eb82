/*
 * DOC: ipam
 *
 * MetalLB's controller allocates one Service at a time as events arrive;
 * metalgate plans everything at once from (pools, objects, persisted
 * addresses). ipam_allocate() replays MetalLB's per-service convergence
 * (controller/service.go, internal/allocator) in a fixed order:
 *
 *  1. keep: every object holding addresses, by (created, ns, name), is
 *     re-validated exactly as MetalLB re-Assigns a service's status IPs:
 *     family still right, addresses still in one pool it may use, sharing
 *     still allowed with the objects kept before it, pool annotation and
 *     requested IPs unchanged. Otherwise its addresses are released with
 *     MetalLB's event text as the note.
 *  2. extend: PreferDualStack holders with one address try to add the
 *     other family from the same pool.
 *  3. allocate: objects released in 1, then objects that held nothing, by
 *     (created, ns, name), take requested IPs, the requested pool, or the
 *     best pinned then fallback pool.
 *
 * Deliberate deviations (all for determinism or stickiness, none visible
 * to a configuration MetalLB handles deterministically): all holders are
 * validated before anyone is re-allocated, so a released object can never
 * take an address a later holder still owns; fallback pools and equal
 * priorities go by pool name; the sharing refusal names the precise rule.
 * Details and the reasoning: docs/internals/ipam.md.
 */
#include <string.h>

#include "ipam/internal.h"

static const char *const status_names[IPAM_STATUS_COUNT] = {"allocated", "pending", "error"};

const char *
ipam_status_name(enum ipam_status s)
{
    return (unsigned)s < IPAM_STATUS_COUNT ? status_names[s] : "error";
}

/* MetalLB's serviceFamilyChanged for the previous addresses: true when they must go. */
static bool
family_changed(const struct ipam_request *q)
{
    enum { UNKNOWN, V4, V6, DUAL } lb = UNKNOWN, svc;
    const struct ip_addr *p = q->prev_ips;

    if (q->n_prev_ips == 1 && p[0].family == IP_FAMILY_V4)
        lb = V4;
    else if (q->n_prev_ips == 1 && p[0].family == IP_FAMILY_V6)
        lb = V6;
    else if (q->n_prev_ips == 2 && p[0].family != p[1].family &&
             (p[0].family == IP_FAMILY_V4 || p[0].family == IP_FAMILY_V6) &&
             (p[1].family == IP_FAMILY_V4 || p[1].family == IP_FAMILY_V6))
        lb = DUAL;
    svc = q->policy == IPAM_SINGLE_V4 ? V4 : q->policy == IPAM_SINGLE_V6 ? V6 : DUAL;
    if (lb == UNKNOWN)
        return true;
    return lb != svc && !(svc == DUAL && q->policy == IPAM_PREFER_DUAL);
}

static bool
same_set(const struct ip_addr *a, size_t na, const struct ip_addr *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t j = 0; j < nb && !found; j++)
            found = ip_addr_equal(&a[i], &b[j]);
        if (!found)
            return false;
    }
    return true;
}

static void
release(struct ipam_state *st, uint32_t r, const char *note)
{
    ipam_rec_unuse_all(st, r);
    st->reqs[r].released = true;
    st->reqs[r].note = note;
    st->reqs[r].reason = NULL;
}

/* Phase 1 for one object: keep its previous addresses or release them. */
static void
keep_one(struct ipam_state *st, uint32_t r)
{
    const struct ipam_request *q = &st->in->requests[r];
    struct ipam_req_rt *rt = &st->reqs[r];
    const char *want_pool = ipam_str(q->requested_pool);

    if (q->n_prev_ips == 0)
        return;
    if (family_changed(q)) {
        release(st, r, arena_printf(st->out, "current IPs %s do not match the ipFamily of the service",
                                    ipam_fmt_ips(st, q->prev_ips, q->n_prev_ips)));
        return;
    }
    if (ipam_assign(st, r, q->prev_ips, q->n_prev_ips) != IPAM_FAIL_NONE) {
        release(st, r, arena_printf(st->out, "current IP for \"%s\" not allowed by config, will "
                                    "attempt for new IP assignment: %s", ipam_key(st, r), rt->reason));
        return;
    }
    if (want_pool[0] != '\0' && strcmp(st->in->pools[rt->pool].name, want_pool) != 0) {
        release(st, r, "user requested a different pool than the one currently assigned");
        return;
    }
    /* As MetalLB: an invalid request stops convergence but leaves the addresses alone. */
    if (rt->invalid != NULL)
        return;
    if (q->n_requested_ips > 0 &&
        !same_set(q->prev_ips, q->n_prev_ips, q->requested_ips, q->n_requested_ips))
        release(st, r, "user requested a different IP than the one currently assigned");
}

/* Phase 3 for one object that holds nothing. */
static void
alloc_one(struct ipam_state *st, uint32_t r)
{
    const struct ipam_request *q = &st->in->requests[r];
    struct ipam_req_rt *rt = &st->reqs[r];
    const char *want_pool = ipam_str(q->requested_pool);

    if (rt->invalid != NULL) {
        rt->fail = IPAM_FAIL_INVALID;
        rt->reason = rt->invalid;
    } else if (q->n_requested_ips > 0) {
        rt->fail = ipam_alloc_requested(st, r);
    } else if (want_pool[0] != '\0') {
        rt->fail = ipam_alloc_from_pool(st, r, want_pool);
    } else {
        rt->fail = ipam_alloc_auto(st, r);
    }
    if (rt->fail == IPAM_FAIL_NONE)
        rt->reason = NULL;
}

/* How many objects ahead of the allocation pass to prefetch. */
#define IPAM_PREFETCH_AHEAD 8

static void
run_phases(struct ipam_state *st)
{
    size_t n = st->in->n_requests;

    /* Only objects that held addresses can keep, extend or be released:
     * the first passes skip the others on a byte (held), not on their
     * request and state, which lie all over memory at a million objects.
     * Requested-IP validity was settled by ipam_setup. */
    for (size_t i = 0; i < n; i++)
        if (st->held[st->order[i]])
            keep_one(st, st->order[i]);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = st->order[i];
        if (st->held[r] && st->reqs[r].n == 1 &&
            st->in->requests[r].policy == IPAM_PREFER_DUAL && st->reqs[r].invalid == NULL)
            ipam_alloc_additional(st, r);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            uint32_t r = st->order[i];
            if (pass == 1 && i + IPAM_PREFETCH_AHEAD < n) {
                /* The order jumps around memory: ask for the state and the
                 * request a few objects ahead, so their misses overlap. */
                __builtin_prefetch(&st->reqs[st->order[i + IPAM_PREFETCH_AHEAD]]);
                __builtin_prefetch(&st->in->requests[st->order[i + IPAM_PREFETCH_AHEAD]]);
            }
            if (pass == 0 && !st->held[r])
                continue;
            if (st->reqs[r].n == 0 && st->reqs[r].released == (pass == 0))
                alloc_one(st, r);
        }
    }
}

static enum ipam_change
change_of(const struct ipam_request *q, const struct ipam_req_rt *rt)
{
    if (q->n_prev_ips == 0)
        return rt->n > 0 ? IPAM_CHANGE_ASSIGNED : IPAM_CHANGE_NONE;
    if (rt->released)
        return rt->n > 0 ? IPAM_CHANGE_MOVED : IPAM_CHANGE_RELEASED;
    return rt->extended ? IPAM_CHANGE_EXTENDED : IPAM_CHANGE_NONE;
}

/* Fills one result; -1 when a message could not be allocated. */
static int
fill_result(struct ipam_state *st, uint32_t r, struct ipam_result *res)
{
    const struct ipam_request *q = &st->in->requests[r];
    const struct ipam_req_rt *rt = &st->reqs[r];

    res->n_ips = rt->n;
    for (uint32_t i = 0; i < rt->n; i++)
        res->ips[i] = st->recs[rt->rec[i]].addr;
    res->pool = rt->n > 0 ? st->in->pools[rt->pool].name : NULL;
    res->sharing_key = rt->key[0] != '\0' ? q->sharing_key : NULL;
    res->fail = rt->fail;
    res->reason = rt->reason;
    res->note = rt->note;
    res->change = change_of(q, rt);
    if (rt->n > 0) {
        res->status = IPAM_ALLOCATED;
        if (rt->invalid != NULL) {
            res->fail = IPAM_FAIL_INVALID;
            res->reason = arena_printf(st->out, "invalid requested loadbalancer IPs: %s", rt->invalid);
        }
    } else {
        res->status = rt->fail == IPAM_FAIL_NO_IPS || rt->fail == IPAM_FAIL_IN_USE ? IPAM_PENDING
                                                                                    : IPAM_ERROR;
    }
    if ((res->fail != IPAM_FAIL_NONE && res->reason == NULL) ||
        (rt->released && res->note == NULL))
        return -1;
    return 0;
}

static void
fill_usage(const struct ipam_pool_rt *p, struct ipam_usage *u)
{
    u->assigned_v4 = (int64_t)p->assigned[0];
    u->assigned_v6 = (int64_t)p->assigned[1];
    u->available_v4 = p->capacity[0] - u->assigned_v4;
    u->infinite_v6 = p->infinite_v6;
    u->available_v6 = p->capacity[1] - u->assigned_v6;
}

int
ipam_allocate(const struct ipam_input *in, struct arena *arena, struct ipam_output *out)
{
    struct ipam_state st;
    const char *err = "out of memory";
    int rc = -1;

    memset(&st, 0, sizeof(st));
    memset(out, 0, sizeof(*out));
    st.in = in;
    st.out = arena;
    arena_init(&st.mem, 1 << 20, 0);
    out->results = arena_alloc(arena, (in->n_requests + 1) * sizeof(*out->results));
    out->usage = arena_alloc(arena, (in->n_pools + 1) * sizeof(*out->usage));
    if (out->results == NULL || out->usage == NULL || ipam_setup(&st, &err) != 0)
        goto done;
    run_phases(&st);
    err = "out of memory";
    for (uint32_t r = 0; r < in->n_requests; r++)
        if (fill_result(&st, r, &out->results[r]) != 0)
            goto done;
    for (size_t p = 0; p < in->n_pools; p++)
        fill_usage(&st.pools[p], &out->usage[p]);
    rc = 0;
done:
    arena_free(&st.mem);
    if (rc != 0)
        out->error = err != NULL ? err : "out of memory";
    return rc;
}

/*
 * MetalLB's Assign: may this object take exactly these addresses? They
 * must all lie in one pool (a buggy address of an avoidBuggyIPs pool lies
 * in none), the pool must be compatible with the object (serviceAllocation
 * namespaces and serviceSelectors; autoAssign does not matter), and every
 * address already in use must be shareable: same non-empty sharing key,
 * same backend key, no (protocol, port) used by another object. Messages
 * are MetalLB's; see docs/internals/ipam.md for the one place where we
 * report the precise sharing reason instead of MetalLB's catch-all.
 */
#include <stdlib.h>
#include <string.h>

#include "ipam/internal.h"

static const char *const proto_names[IPAM_PROTO_COUNT] = {"TCP", "UDP", "SCTP"};

const char *
ipam_key(struct ipam_state *st, uint32_t r)
{
    const struct ipam_request *q = &st->in->requests[r];

    return arena_printf(st->out, "%s/%s", ipam_str(q->ns), ipam_str(q->name));
}

const char *
ipam_fmt_ips(struct ipam_state *st, const struct ip_addr *ips, size_t n)
{
    char buf[IP_STRLEN];
    const char *s = "[";

    for (size_t i = 0; i < n && s != NULL; i++)
        s = arena_printf(st->out, "%s%s\"%s\"", s, i > 0 ? " " : "", ip_format(&ips[i], buf));
    return s != NULL ? arena_printf(st->out, "%s]", s) : NULL;
}

bool
ipam_compatible(const struct ipam_state *st, uint32_t pool, uint32_t r)
{
    const struct ipam_pool *p = &st->in->pools[pool];

    if (!p->has_allocation)
        return true;
    if (p->n_namespaces > 0 && !ipam_pool_has_ns(st, pool, ipam_str(st->in->requests[r].ns)))
        return false;
    if (p->has_service_selectors)
        return st->in->selects != NULL && st->in->selects(st->in->ctx, pool, r);
    return true;
}

/* The first port of r that another user of rec already has, or -1. */
static long
port_clash(const struct ipam_state *st, uint32_t r, uint32_t rec)
{
    const struct ipam_request *q = &st->in->requests[r];

    for (size_t i = 0; i < q->n_ports; i++) {
        for (uint32_t u = st->recs[rec].uses; u != IPAM_NONE;
             u = st->reqs[u / 2].use_next[u % 2]) {
            const struct ipam_request *o = &st->in->requests[u / 2];
            if (u / 2 == r)
                continue;
            for (size_t j = 0; j < o->n_ports; j++)
                if (o->ports[j].proto == q->ports[i].proto && o->ports[j].port == q->ports[i].port)
                    return (long)i;
        }
    }
    return -1;
}

/* MetalLB's sharingOK: 0 when the keys allow sharing, else 1..4 (which rule failed). */
static int
keys_clash(const struct ipam_rec *rec, const struct ipam_req_rt *rt)
{
    if (rec->key[0] == '\0')
        return 1;
    if (rt->key[0] == '\0')
        return 2;
    if (strcmp(rec->key, rt->key) != 0)
        return 3;
    return strcmp(rec->backend, rt->backend) != 0 ? 4 : 0;
}

/* Whether rec has a user other than r. */
static bool
has_others(const struct ipam_state *st, uint32_t r, uint32_t rec)
{
    for (uint32_t u = st->recs[rec].uses; u != IPAM_NONE; u = st->reqs[u / 2].use_next[u % 2])
        if (u / 2 != r)
            return true;
    return false;
}

bool
ipam_can_share(const struct ipam_state *st, uint32_t r, uint32_t rec)
{
    if (keys_clash(&st->recs[rec], &st->reqs[r]) != 0 && has_others(st, r, rec))
        return false;
    return port_clash(st, r, rec) < 0;
}

static int
cmp_key(const void *a, const void *b, void *ctx)
{
    const struct ipam_request *rq = ((const struct ipam_state *)ctx)->in->requests;
    const struct ipam_request *x = &rq[*(const uint32_t *)a], *y = &rq[*(const uint32_t *)b];
    int c = strcmp(ipam_str(x->ns), ipam_str(y->ns));

    return c != 0 ? c : strcmp(ipam_str(x->name), ipam_str(y->name));
}

/* "ns/a,ns/b": the other users of rec (64 at most), sorted; MetalLB lists them in map order. */
static const char *
other_users(struct ipam_state *st, uint32_t r, uint32_t rec)
{
    uint32_t ids[64];
    size_t n = 0;
    const char *s = "";

    for (uint32_t u = st->recs[rec].uses; u != IPAM_NONE && n < 64;
         u = st->reqs[u / 2].use_next[u % 2])
        if (u / 2 != r)
            ids[n++] = u / 2;
    qsort_r(ids, n, sizeof(ids[0]), cmp_key, st);
    for (size_t i = 0; i < n && s != NULL; i++)
        s = arena_printf(st->out, "%s%s%s", s, i > 0 ? "," : "", ipam_key(st, ids[i]));
    return s;
}

/* Whether r holds, or held before this run, the address of rec: it is changing its key. */
static bool
is_owner(const struct ipam_state *st, uint32_t r, uint32_t rec)
{
    const struct ipam_request *q = &st->in->requests[r];

    for (uint32_t u = st->recs[rec].uses; u != IPAM_NONE; u = st->reqs[u / 2].use_next[u % 2])
        if (u / 2 == r)
            return true;
    for (size_t i = 0; i < q->n_prev_ips; i++)
        if (ip_addr_equal(&q->prev_ips[i], &st->recs[rec].addr))
            return true;
    return false;
}

/* Why r may not take the in-use address rec, or NULL when it may. */
static const char *
share_refusal(struct ipam_state *st, uint32_t r, uint32_t rec)
{
    const struct ipam_rec *x = &st->recs[rec];
    const struct ipam_req_rt *rt = &st->reqs[r];
    const struct ipam_request *q = &st->in->requests[r];
    char buf[IP_STRLEN];
    long port;

    if (keys_clash(x, rt) != 0 && has_others(st, r, rec)) {
        if (is_owner(st, r, rec))
            return arena_printf(st->out, "can't change sharing key for \"%s\", address also in use by %s",
                                ipam_key(st, r), other_users(st, r, rec));
        switch (keys_clash(x, rt)) {
        case 1:
            return "existing service does not allow sharing";
        case 2:
            return "new service does not allow sharing";
        case 3:
            return arena_printf(st->out, "sharing key \"%s\" does not match existing sharing key \"%s\"",
                                rt->key, x->key);
        default:
            return arena_printf(st->out, "backend key \"%s\" does not match existing sharing key \"%s\"",
                                rt->backend, x->backend);
        }
    }
    if ((port = port_clash(st, r, rec)) < 0)
        return NULL;
    return arena_printf(st->out, "port %s/%u is already in use on \"%s\"",
                        proto_names[q->ports[port].proto], q->ports[port].port,
                        ip_format(&x->addr, buf));
}

/* MetalLB's poolFor: the pool holding all of ips, entries[] set; else IPAM_NONE. */
static uint32_t
pool_for(const struct ipam_state *st, const struct ip_addr *ips, size_t n, uint32_t *entries)
{
    uint32_t pool = IPAM_NONE;

    for (size_t i = 0; i < n; i++) {
        entries[i] = ipam_entry_of(st, &ips[i]);
        if (entries[i] == IPAM_NONE)
            return IPAM_NONE;
        if (i > 0 && st->entries[entries[i]].pool != pool)
            return IPAM_NONE;
        pool = st->entries[entries[i]].pool;
    }
    return pool;
}

enum ipam_fail
ipam_assign(struct ipam_state *st, uint32_t r, const struct ip_addr *ips, size_t n)
{
    struct ipam_req_rt *rt = &st->reqs[r];
    uint32_t entries[2], pool;

    if (n == 0 || n > 2 || (n == 2 && ips[0].family == ips[1].family)) {
        rt->reason = arena_printf(st->out, "%s is not a valid address set", ipam_fmt_ips(st, ips, n));
        return IPAM_FAIL_INVALID;
    }
    pool = pool_for(st, ips, n, entries);
    if (pool == IPAM_NONE) {
        rt->reason = arena_printf(st->out, "%s is not allowed in config", ipam_fmt_ips(st, ips, n));
        return IPAM_FAIL_NOT_ALLOWED;
    }
    if (!ipam_compatible(st, pool, r)) {
        rt->reason = arena_printf(st->out, "pool %s not compatible for ip assignment",
                                  st->in->pools[pool].name);
        return IPAM_FAIL_NOT_COMPATIBLE;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t rec = ipam_rec_find(st, &ips[i]);
        if (rec != IPAM_NONE && (rt->reason = share_refusal(st, r, rec)) != NULL)
            return IPAM_FAIL_IN_USE;
    }
    /* Copy first: ips may point at addresses of records released just below. */
    {
        struct ip_addr copy[2] = {ips[0], ips[n - 1]};
        ipam_rec_unuse_all(st, r);
        for (uint32_t i = 0; i < n; i++)
            ipam_rec_use(st, r, i, &copy[i], entries[i]);
    }
    rt->n = (uint32_t)n;
    rt->pool = pool;
    return IPAM_FAIL_NONE;
}

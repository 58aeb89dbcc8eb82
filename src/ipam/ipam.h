/*
 * ipam/: MetalLB's load-balancer address allocator, made deterministic.
 *
 * One pure call, ipam_allocate(), takes the pools and every object that
 * wants an address (Services and Gateways, with the addresses they held
 * before, from the persisted state) and returns, per object, its addresses
 * or MetalLB's reason for giving none, plus per-pool usage counters. No I/O,
 * no clock, no manifest types: plan/ translates the model into these small
 * structs and back. Semantics and deliberate deviations from MetalLB:
 * docs/internals/ipam.md.
 */
#ifndef METALGATE_IPAM_H
#define METALGATE_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ipaddr.h"

/* One address entry of a pool (a CIDR or an "A-B" range), inclusive, same family at both ends. */
struct ipam_range {
    struct ip_addr first;
    struct ip_addr last;
};

/*
 * An IPAddressPool. Strings and arrays are borrowed: they must stay valid
 * until the results of ipam_allocate() are no longer used.
 */
struct ipam_pool {
    const char *name;                /* unique among pools */
    const struct ipam_range *ranges; /* spec.addresses, in declared order */
    size_t n_ranges;
    bool auto_assign;     /* spec.autoAssign (MetalLB's default is true) */
    bool avoid_buggy_ips; /* spec.avoidBuggyIPs: no IPv4 address ending in .0 or .255 */

    /* spec.serviceAllocation; the fields below are ignored when it is absent. */
    bool has_allocation; /* present (even empty): never a fallback pool */
    int64_t priority;    /* lower is preferred; 0 (unset) or negative = lowest */
    /*
     * namespaces plus the Namespace objects that namespaceSelectors match
     * now, resolved by the caller. has_namespace_rules says whether
     * namespaces or namespaceSelectors were given at all: given but matching
     * nothing leaves the pool requestable by anyone but never auto-picked.
     */
    bool has_namespace_rules;
    const char *const *namespaces;
    size_t n_namespaces;
    /* serviceSelectors given: ipam_input.selects() decides per request. */
    bool has_service_selectors;
};

enum ipam_kind {
    IPAM_KIND_SERVICE = 0,
    IPAM_KIND_GATEWAY,
    IPAM_KIND_COUNT,
};

/*
 * Address families a request wants, from spec.ipFamilyPolicy and
 * spec.ipFamilies (MetalLB takes them from the clusterIPs). A
 * PreferDualStack object that can only have one family is SINGLE_*.
 */
enum ipam_policy {
    IPAM_SINGLE_V4 = 0,
    IPAM_SINGLE_V6,
    IPAM_PREFER_DUAL,
    IPAM_REQUIRE_DUAL,
    IPAM_POLICY_COUNT,
};

enum ipam_proto {
    IPAM_PROTO_TCP = 0,
    IPAM_PROTO_UDP,
    IPAM_PROTO_SCTP,
    IPAM_PROTO_COUNT,
};

struct ipam_port {
    enum ipam_proto proto;
    uint16_t port;
};

/*
 * A Service of type LoadBalancer (handled by us: loadBalancerClass already
 * filtered) or a Gateway. Borrowed like ipam_pool. NULL strings read as "".
 */
struct ipam_request {
    enum ipam_kind kind;
    const char *ns;   /* metadata.namespace */
    const char *name; /* metadata.name; (kind, ns, name) is unique */
    /*
     * Order key for objects that need an address: creationTimestamp (for
     * example seconds since the epoch); ties are broken by namespace, then
     * name, then kind. Objects without a timestamp: the caller picks a
     * value (the same for all of them keeps them in name order).
     */
    int64_t created;
    enum ipam_policy policy;
    enum ip_family primary; /* dual stack: ipFamilies[0] (IPv4 when NONE) */
    /* metallb.io/loadBalancerIPs or spec.loadBalancerIP (or spec.addresses), parsed. */
    const struct ip_addr *requested_ips;
    size_t n_requested_ips;
    const char *requested_pool; /* metallb.io/address-pool; NULL or "" = none */
    const char *sharing_key;    /* metallb.io/allow-shared-ip; "" = no sharing */
    const char *backend_key;    /* canonical spec.selector when ETP=Local, else "" */
    const struct ipam_port *ports;
    size_t n_ports;
    /*
     * A problem the caller found in the request (unparsable loadBalancerIPs,
     * both the annotation and spec.loadBalancerIP, ...), in MetalLB's words,
     * or NULL. As in MetalLB, an object that already holds an address keeps
     * it (if still allowed); another one gets no address.
     */
    const char *request_error;
    /* The addresses held before (persisted state), in their order; 0 = none. */
    const struct ip_addr *prev_ips;
    size_t n_prev_ips;
    /*
     * Optional: 1 + the request's rank in (namespace, name) order (strcmp on
     * each, equal pairs sharing a rank); 0 = not given. When every request
     * has one, ipam orders by it instead of comparing the strings: a caller
     * that has sorted by name already spares ipam the string comparisons.
     * The order is the same either way.
     */
    uint32_t name_rank;
};

enum ipam_status {
    IPAM_ALLOCATED = 0, /* ips hold the addresses */
    IPAM_PENDING,       /* no address now; may get one when others free theirs */
    IPAM_ERROR,         /* no address: the request itself cannot be met by this config */
    IPAM_STATUS_COUNT,
};

/* Why an object has no address (or, with ALLOCATED, why its request is ignored). */
enum ipam_fail {
    IPAM_FAIL_NONE = 0,
    IPAM_FAIL_NO_IPS,         /* "no available IPs" (in pool X for F IPFamily): PENDING */
    IPAM_FAIL_IN_USE,         /* requested address used by an incompatible object: PENDING */
    IPAM_FAIL_UNKNOWN_POOL,   /* unknown pool "X" */
    IPAM_FAIL_NOT_ALLOWED,    /* requested address in no pool: [..] is not allowed in config */
    IPAM_FAIL_NOT_COMPATIBLE, /* pool X not compatible for ip assignment */
    IPAM_FAIL_FAMILY,         /* requested IPs do not match the ipFamily of the service */
    IPAM_FAIL_POOL_MISMATCH,  /* requested IPs not in the requested pool */
    IPAM_FAIL_INVALID,        /* request_error or malformed requested_ips */
    IPAM_FAIL_COUNT,
};

/* What happened to the addresses the object held before. */
enum ipam_change {
    IPAM_CHANGE_NONE = 0, /* same addresses as before (or none before and none now) */
    IPAM_CHANGE_ASSIGNED, /* had none, got some */
    IPAM_CHANGE_EXTENDED, /* PreferDualStack: kept its address and got the other family */
    IPAM_CHANGE_MOVED,    /* previous addresses released, others given */
    IPAM_CHANGE_RELEASED, /* previous addresses released, none given */
    IPAM_CHANGE_COUNT,
};

struct ipam_result {
    enum ipam_status status;
    enum ipam_fail fail;
    enum ipam_change change;
    /*
     * Automatic dual stack: IPv4 first. Requested addresses: requested order.
     * Kept addresses: previous order (a PreferDualStack extension appends).
     */
    struct ip_addr ips[2];
    size_t n_ips;
    const char *pool;        /* ipam_pool.name owning ips, NULL when none */
    const char *sharing_key; /* the request's, NULL when it has none */
    /* MetalLB's error text when fail != NONE (e.g. "no available IPs"), else NULL. */
    const char *reason;
    /*
     * MetalLB's event text when previous addresses were released ("current IP
     * for \"ns/name\" not allowed by config, will attempt for new IP
     * assignment: ...") or a PreferDualStack extension failed, else NULL.
     */
    const char *note;
};

/*
 * MetalLB's IPAddressPool status counters. An address shared by several
 * objects counts once. A pool holding an IPv6 CIDR (after range expansion)
 * of 2^62 addresses or more has infinite IPv6 capacity: INT64_MAX.
 */
struct ipam_usage {
    int64_t assigned_v4;
    int64_t assigned_v6;
    int64_t available_v4;
    int64_t available_v6;
    bool infinite_v6;
};

struct ipam_input {
    const struct ipam_pool *pools;
    size_t n_pools;
    const struct ipam_request *requests;
    size_t n_requests;
    /*
     * Returns whether one of the serviceSelectors of pools[pool] matches the
     * labels of requests[request]. Called only for pools with
     * has_service_selectors; NULL means no selector matches anything.
     * Must be pure: the same answer for the same arguments.
     */
    bool (*selects)(void *ctx, size_t pool, size_t request);
    void *ctx;
};

struct ipam_output {
    struct ipam_result *results; /* n_requests, in the order of ipam_input.requests */
    struct ipam_usage *usage;    /* n_pools, in the order of ipam_input.pools */
    const char *error;           /* why ipam_allocate() returned -1 */
};

/*
 * Gives every request its addresses as MetalLB's controller would, made
 * deterministic (docs/internals/ipam.md): objects holding addresses are
 * re-validated first and keep them while still allowed; then the others,
 * by (created, namespace, name), get the lowest free or shareable address
 * of the first suitable pool. Failures are per request, never global.
 *
 * Results, usage and their strings are allocated from arena (the caller
 * owns it); pool names and sharing keys in results are borrowed from in.
 * Returns 0, or -1 with out->error set when the input itself is unusable
 * (duplicate pool or request, overlapping pools, malformed range) or memory
 * runs out. Same input, same output, whatever the order of in->pools and
 * in->requests.
 */
int ipam_allocate(const struct ipam_input *in, struct arena *arena, struct ipam_output *out);

/* "allocated", "pending" or "error", as the plan JSON spells them. */
const char *ipam_status_name(enum ipam_status s);

#endif

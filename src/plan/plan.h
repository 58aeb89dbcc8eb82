/*
 * plan/: pass three of the pipeline, pure. (manifests as a checked model,
 * node identity, persisted allocations) -> the plan: which Service or
 * Gateway holds which addresses, which prefixes go to which BGP peers with
 * which attributes, and from which nodes. Same inputs, same plan, on every
 * node. The runtime reconciles the running plan towards a new one.
 *
 * A plan owns all its strings: it stays valid after the objects it was
 * made from are freed.
 *
 * The JSON rendering is a contract (docs/cli.md, "Plan JSON"): fields may be
 * added, never removed.
 */
#ifndef METALGATE_PLAN_H
#define METALGATE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/ipaddr.h"
#include "manifest/manifest.h"
#include "plan/state.h"

enum plan_status {
    PLAN_ALLOCATED,
    PLAN_PENDING, /* could not be served now; may be later (pool exhausted) */
    PLAN_ERROR,   /* asks for something that cannot work (unknown pool, bad IP) */
};

struct plan_service {
    const char *kind; /* "Service" or "Gateway" */
    const char *ns;
    const char *name;
    struct ip_addr ips[2];
    size_t nips;
    const char *pool;        /* NULL when none */
    const char *sharing_key; /* NULL when not shared */
    enum plan_status status;
    const char *reason; /* NULL when allocated without remark */
};

struct plan_large_community {
    uint32_t global, local1, local2;
};

struct plan_advertisement {
    struct ip_prefix prefix;
    const char **services; /* "ns/name", sorted */
    size_t nservices;
    const char **peers; /* BGPPeer names, sorted */
    size_t npeers;
    bool has_local_pref;
    uint32_t local_pref;
    uint32_t *communities; /* (A << 16) | B, sorted, unique */
    size_t ncommunities;
    struct plan_large_community *large; /* sorted, unique */
    size_t nlarge;
    const char **nodes; /* nodes that announce it now, sorted */
    size_t nnodes;
    const char *reason; /* why no node announces it, or NULL */
};

struct plan_peer {
    const char *name;
    struct ip_addr address;
    uint32_t asn;       /* 0 with dynamic_asn set */
    const char *dynamic_asn; /* "internal", "external" or NULL */
    uint32_t my_asn;
    uint16_t port;
    uint32_t hold_time;      /* seconds */
    uint32_t keepalive_time; /* seconds */
    uint32_t connect_time;   /* seconds, 0 = default */
    const char *bfd_profile; /* NULL when none */
    const char *password;    /* TCP MD5 key, NULL when none */
    bool has_source_address;
    struct ip_addr source_address;
    bool has_router_id;
    struct ip_addr router_id;
    bool ebgp_multihop;
    bool graceful_restart;
    const char **nodes; /* nodes that open this session, sorted */
    size_t nnodes;
};

/* An IPAddressPool's usage, counted as MetalLB does (a shared IP once). */
struct plan_pool {
    const char *name;
    int64_t assigned_v4, assigned_v6;
    int64_t available_v4, available_v6; /* INT64_MAX when infinite */
};

/*
 * Gateway API and Kuadrant status (docs/internals/plan.md, "Gateways,
 * routes and policies"): what a controller would write into the objects'
 * status, computed from the manifests alone.
 */

/* A status condition as Gateway API and Kuadrant write it. */
struct plan_condition {
    const char *type; /* "Accepted", "Programmed", "ResolvedRefs", "Conflicted", "Enforced" */
    bool status;      /* rendered "True" / "False" */
    const char *reason;
    const char *message;
};

struct plan_listener {
    const char *name;
    uint16_t port;
    const char *protocol; /* as written */
    const char *hostname; /* NULL: every host */
    bool usable;          /* valid: HTTPRoutes may attach (Accepted, no conflict, refs resolved) */
    bool programmed;      /* usable, and the Gateway has an address: serve it */
    uint32_t attached_routes;
    struct plan_condition *conditions; /* Accepted, Conflicted, ResolvedRefs, Programmed */
    size_t nconditions;
};

/* A Gateway whose GatewayClass names our controller. */
struct plan_gateway {
    const char *ns;
    const char *name;
    struct ip_addr ips[2]; /* what IPAM gave it (the services section) */
    size_t nips;
    bool accepted;
    bool programmed;
    struct plan_condition *conditions; /* Accepted, Programmed */
    size_t nconditions;
    struct plan_listener *listeners; /* in spec order */
    size_t nlisteners;
};

/*
 * One listener an accepted route parent is attached to, with the route's
 * effective hostnames there: the intersection of the route's hostnames with
 * the listener's (exact, or "*.suffix"), sorted and unique. nhostnames == 0
 * means every host (neither names one); JSON shows that as ["*"].
 */
struct plan_route_binding {
    size_t listener; /* index into the parent Gateway's listeners */
    const char **hostnames;
    size_t nhostnames;
};

/* One parentRef of a route that names a Gateway of ours (others are left out). */
struct plan_route_parent {
    size_t gateway;          /* index into plan.gateways */
    const char *gateway_ref; /* "namespace/name" */
    const char *section_name; /* NULL when not set */
    uint16_t port;            /* 0 when not set */
    bool accepted;
    struct plan_condition *conditions; /* Accepted, ResolvedRefs */
    size_t nconditions;
    struct plan_route_binding *bindings; /* listener order; empty unless accepted */
    size_t nbindings;
};

struct plan_route {
    const char *kind; /* "HTTPRoute" */
    const char *ns;
    const char *name;
    int64_t created;    /* creationTimestamp, seconds since the epoch; 0 when absent */
    bool refs_resolved; /* every backendRef resolves and is permitted */
    struct plan_route_parent *parents; /* parentRef order */
    size_t nparents;
};

/* A Kuadrant policy: RateLimitPolicy, AuthPolicy, DNSPolicy or TLSPolicy. */
struct plan_policy {
    const char *kind;
    const char *ns;
    const char *name;
    const char *target; /* "Kind/name" or "Kind/name/sectionName" */
    bool accepted;
    struct plan_condition *conditions; /* Accepted, then Enforced when accepted */
    size_t nconditions;
};

struct plan_pack;

struct plan {
    const char *node; /* this node's name, or NULL */
    struct plan_pool *pools; /* sorted by name */
    size_t npools;
    struct plan_service *services;
    size_t nservices;
    struct plan_advertisement *advertisements;
    size_t nadvertisements;
    struct plan_peer *peers;
    size_t npeers;
    struct plan_gateway *gateways; /* sorted by namespace, name */
    size_t ngateways;
    struct plan_route *routes; /* sorted by namespace, name */
    size_t nroutes;
    struct plan_policy *policies; /* sorted by kind, namespace, name */
    size_t npolicies;
    struct arena arena; /* everything above but services and advertisements */
    struct arena bulk;  /* services and advertisements (one entry per address) */
    struct plan_pack *packed; /* after plan_pack(): the two, packed; NULL before */
};

struct plan_input {
    const struct mf_set *set;      /* checked objects (model_check found no error) */
    const char *node;              /* --node, or NULL */
    const char *metallb_namespace; /* default "metallb-system" */
    const struct plan_state *state; /* previous allocations, or NULL */
};

/*
 * Computes the plan. Returns NULL when the input cannot be planned at all
 * (*error says why; static or owned by the input) -- problems of single
 * objects never do that, they show in the plan.
 */
struct plan *plan_build(const struct plan_input *in, const char **error);
void plan_free(struct plan *p);

/* The allocations of a plan as state, to persist (plan --save, run). */
int plan_to_state(const struct plan *p, struct plan_state *st);

/*
 * Replaces the services and advertisements arrays by a packed copy (about
 * 30 bytes per entry instead of about 400: strings interned once, numbers
 * as varints) and frees the arrays: services and advertisements are NULL
 * afterwards (their counts stay) and are read with a plan_reader. For a
 * plan that is kept only to be shown (the runtime's running generation).
 * Returns 0, or -1 when out of memory (the plan is then unchanged).
 */
int plan_pack(struct plan *p);
/* Bytes the packed sections take (0 before plan_pack). */
size_t plan_packed_bytes(const struct plan *p);

/* Reads the services and advertisements of a plan, packed or not. The
 * entry returned stays valid until the next call of the same kind. */
struct plan_reader {
    const struct plan *plan;
    size_t next_service, next_ad;           /* entries read */
    size_t service_off, ad_off;             /* offsets into the packed sections */
    struct plan_service service;
    struct plan_advertisement ad;
    const char **names; /* the advertisement's "ns/name" strings */
    char *name_buf;
    size_t names_cap, name_buf_cap;
};

void plan_reader_init(struct plan_reader *r, const struct plan *p);
const struct plan_service *plan_next_service(struct plan_reader *r);
const struct plan_advertisement *plan_next_advertisement(struct plan_reader *r);
void plan_reader_free(struct plan_reader *r);

/* Writes the plan as JSON (returns 0, or -1 on a write error) or as a text table. */
int plan_render_json(const struct plan *p, FILE *out);
/* The same object with more members: extra writes ",\n  \"key\": value" pairs. */
int plan_render_json_with(const struct plan *p, FILE *out, void (*extra)(void *ctx, FILE *out),
                          void *ctx);
void plan_render_text(const struct plan *p, FILE *out);

const char *plan_status_name(enum plan_status s);

#endif

/* The plan builder's working state, shared by its files. Internal to plan/. */
#ifndef METALGATE_PLAN_INTERNAL_H
#define METALGATE_PLAN_INTERNAL_H

#include "ipam/ipam.h"
#include "plan/plan.h"

/* The controller name our GatewayClasses carry. */
#define PLAN_GATEWAY_CONTROLLER "metalgate.io/gateway-controller"

struct plan_node {
    const char *name;
    const struct mf_strmap *labels; /* never NULL */
    bool excluded; /* exclude-from-external-load-balancers, or NetworkUnavailable */
};

/* An object that asked IPAM for addresses. */
struct plan_subject {
    const struct mf_object *obj;
    bool is_gateway;
    bool etp_local; /* Services only */
};

struct plan_ctx {
    const struct plan_input *in;
    struct plan *p;
    const char *mlns; /* MetalLB namespace */
    struct plan_node *nodes;
    size_t nnodes;
    const struct mf_object **pool_objs;
    struct ipam_pool *pools;
    size_t npools;
    const char **our_classes; /* GatewayClasses naming our controller */
    size_t nour_classes;
    struct plan_subject *subjects;
    struct ipam_request *reqs;
    size_t nreqs;
    uint32_t *name_rank; /* per request: rank in (ns, name) order (plan_rank_names) */
    const size_t *by_name; /* request indices in the services section's order */
    const char **who;      /* per request: "ns/name" in the plan's bulk arena */
    struct ipam_output out;     /* in scratch */
    struct arena scratch;       /* working memory, freed when plan_build returns */
    const char *error; /* why plan_build failed */
};

/* Allocation helpers on the plan's arena; they abort the process on OOM,
 * as configuration-time allocations do (docs/architecture.md). */
void *plan_alloc(struct plan_ctx *c, size_t size);
/* Working memory that does not outlive plan_build (aborts on OOM too). */
void *plan_scratch(struct plan_ctx *c, size_t size);
const char *plan_strdup(struct plan_ctx *c, const char *s);
/* The same on the plan's bulk arena: the services and advertisements
 * sections, which plan_pack() replaces by a packed copy. */
void *plan_bulk_alloc(struct plan_ctx *c, size_t size);
const char *plan_bulk_strdup(struct plan_ctx *c, const char *s);
const char *plan_scratch_strdup(struct plan_ctx *c, const char *s);

void plan_pack_free(struct plan_pack *pk);

/* True for an object of MetalLB's kinds that plan may use. */
bool plan_metallb_usable(const struct plan_ctx *c, const struct mf_object *o);

void plan_collect_nodes(struct plan_ctx *c);
int plan_allocate(struct plan_ctx *c);
void plan_build_advertisements(struct plan_ctx *c);
void plan_build_peers(struct plan_ctx *c);

/* Whether peer (a usable BGPPeer) opens a session from node (its nodeSelectors). */
bool plan_peer_on_node(const struct mf_object *peer, const struct plan_node *node);

/* Whether the Gateway's class names our controller (after plan_allocate). */
bool plan_gateway_is_ours(const struct plan_ctx *c, const struct mf_gateway *gw);

/*
 * Dense ranks of n (ns[i], names[i]) pairs in strcmp order, namespace
 * first: rank[i] < rank[j] when pair i sorts before pair j, equal when the
 * pairs are equal. Working memory from scratch. Returns 0, or -1 on OOM.
 */
int plan_rank_names(struct arena *scratch, const char *const *ns, const char *const *names,
                    size_t n, uint32_t *rank);

/* Sorts an array of C strings and drops duplicates; returns the new count. */
size_t plan_sort_unique(const char **v, size_t n);

#endif

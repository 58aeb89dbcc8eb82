/*
 * The Gateway API and Kuadrant part of the plan: the gateways, routes and
 * policies sections. Internal to plan/ (gateways.c, routes.c, policies.c).
 */
#ifndef METALGATE_PLAN_GATEWAYS_H
#define METALGATE_PLAN_GATEWAYS_H

#include <stdarg.h>

#include "plan/internal.h"

/*
 * Builds plan.gateways, plan.routes and plan.policies from the checked
 * objects. Runs after plan_allocate(): a Gateway's addresses come from the
 * services section. Pure; allocations abort on OOM like the rest of plan/.
 */
void plan_build_gateways(struct plan_ctx *c);

/* ---- shared by the three files ------------------------------------------ */

/* An object of a kind the status needs, found by kind, namespace and name. */
struct plan_gw_entry {
    enum mf_kind_id kind;
    const char *ns; /* "" for cluster-scoped kinds */
    const char *name;
    const struct mf_object *obj;
};

/* Working state of one listener of plan.gateways[i]. */
struct plan_gw_lstate {
    const struct mf_gw_listener *spec;
    bool http_route; /* its allowed kinds include HTTPRoute */
    const char *why; /* when not usable: the reason of the failing condition */
    size_t counted;  /* the last route (sequence + 1) counted in attachedRoutes */
};

struct plan_gw_ctx {
    struct plan_ctx *c;
    struct plan_gw_entry *index; /* sorted by (kind, ns, name) */
    size_t nindex;
    const struct mf_object **gw_objs; /* parallel to plan.gateways */
    struct plan_gw_lstate **lstates;  /* [gateway][listener] */
};

/* The object of kind ns/name without errors, or NULL. */
const struct mf_object *plan_gw_lookup(const struct plan_gw_ctx *g, enum mf_kind_id kind,
                                       const char *ns, const char *name);

/* The index of Gateway ns/name in plan.gateways (ours only), or -1. */
long plan_gw_find(const struct plan_gw_ctx *g, const char *ns, const char *name);

/*
 * Whether a ReferenceGrant in to_ns lets objects of from_kind (group
 * gateway.networking.k8s.io) in from_ns refer to the core object
 * to_kind/to_name there.
 */
bool plan_gw_granted(const struct plan_gw_ctx *g, const char *to_ns, const char *from_kind,
                     const char *from_ns, const char *to_kind, const char *to_name);

/* Whether namespace ns's labels (with the implicit kubernetes.io/metadata.name) match sel. */
bool plan_gw_ns_matches(const struct plan_gw_ctx *g, const char *ns,
                        const struct mf_label_selector *sel);

/* Fills a condition; the message is formatted and copied into the plan. */
void plan_gw_cond(struct plan_ctx *c, struct plan_condition *out, const char *type, bool status,
                  const char *reason, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Appends formatted text to buf (cap bytes, NUL-terminated), truncating. */
void plan_gw_append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));


/* "a" or "" as a C string for an optional string field. */
static inline const char *
plan_gw_or(const struct mf_str *s, const char *dflt)
{
    return s->v != NULL ? s->v : dflt;
}

void plan_build_routes(struct plan_gw_ctx *g);
void plan_build_policies(struct plan_gw_ctx *g);

#endif

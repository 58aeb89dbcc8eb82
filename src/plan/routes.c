/*
 * The routes section: every HTTPRoute, and per parentRef that names a
 * Gateway of ours the attachment status of shared/reference/
 * kuadrant-gateway.md 1.4 (parentRefs to other Gateways are left out, as
 * Gateway API implementations leave them to their own controller):
 *
 *   1. the listeners the parentRef selects (sectionName, port); none:
 *      Accepted=False/NoMatchingParent;
 *   2. per selected listener: it allows HTTPRoute, it is usable (gateways.c),
 *      and it allows the route's namespace (allowedRoutes.namespaces.from
 *      Same, All, or Selector on the Namespace's labels); else the listener
 *      rejects it, NotAllowedByListeners;
 *   3. the route's hostnames intersect the listener's (1.2); else
 *      NoMatchingListenerHostname;
 *   4. accepted by at least one listener: Accepted=True; the route counts
 *      once in the attachedRoutes of every listener that accepted it, and
 *      the effective hostnames there become a binding.
 *
 * When no listener accepts, the reason is NoMatchingListenerHostname if some
 * listener rejected the route only for its hostnames, else
 * NotAllowedByListeners. ResolvedRefs (1.8) is the route's, the same on
 * every parent: the backendRefs of every rule and the backends of
 * RequestMirror filters must be core Services that exist (with the port
 * named), in the route's namespace or permitted by a ReferenceGrant; an
 * ExtensionRef filter never resolves (InvalidKind), as metalgate defines no
 * extension filter kinds.
 * Whether the parent Gateway itself is accepted does not change attachment;
 * the Gateway's own conditions say that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/gateways.h"

#define PLAN_RT_MSG 512

/* ---- hostnames ----------------------------------------------------------- */

/* "*.suffix": anything else is matched as an exact name. */
static bool
plan_rt_is_wild(const char *h)
{
    return h[0] == '*' && h[1] == '.' && h[2] != '\0';
}

/* Whether wildcard w ("*.suffix") matches host h: one or more labels before ".suffix". */
static bool
plan_rt_wild_covers(const char *w, const char *h)
{
    size_t sl = strlen(w + 2), hl = strlen(h);

    return hl > sl + 1 && h[hl - sl - 1] == '.' && strcasecmp(h + hl - sl, w + 2) == 0;
}

/*
 * The intersection of listener hostname l (NULL: any) and route hostname r:
 * the more specific of the two, or NULL when they do not intersect.
 */
static const char *
plan_rt_host_meet(const char *l, const char *r)
{
    bool lw, rw;

    if (l == NULL)
        return r;
    lw = plan_rt_is_wild(l);
    rw = plan_rt_is_wild(r);
    if (!lw && !rw)
        return strcasecmp(l, r) == 0 ? r : NULL;
    if (lw && !rw)
        return plan_rt_wild_covers(l, r) ? r : NULL;
    if (!lw && rw)
        return plan_rt_wild_covers(r, l) ? l : NULL;
    if (strcasecmp(l, r) == 0 || plan_rt_wild_covers(r, l + 2))
        return l;
    return plan_rt_wild_covers(l, r + 2) ? r : NULL;
}

/* The effective hostnames of the route on listener l; false when none intersect. */
static bool
plan_rt_bind(struct plan_ctx *c, const struct mf_httproute_spec *spec, const char *lhost,
             struct plan_route_binding *b)
{
    const struct mf_list *hosts = &spec->hostnames;
    const char **v = plan_alloc(c, (hosts->n + 1) * sizeof(*v));
    size_t n = 0;

    b->hostnames = v;
    if (hosts->n == 0) {
        if (lhost != NULL)
            v[n++] = plan_strdup(c, lhost);
        b->nhostnames = n;
        return true;
    }
    for (uint32_t i = 0; i < hosts->n; i++) {
        const char *m = plan_rt_host_meet(lhost, MF_LIST_AT(*hosts, struct mf_str, i)->v);
        if (m != NULL)
            v[n++] = plan_strdup(c, m);
    }
    b->nhostnames = plan_sort_unique(v, n);
    return n > 0;
}

/* ---- one listener -------------------------------------------------------- */

enum plan_rt_outcome {
    PLAN_RT_ACCEPTED,
    PLAN_RT_NOT_ALLOWED,
    PLAN_RT_NO_HOSTNAME,
};

static bool
plan_rt_ns_allowed(const struct plan_gw_ctx *g, const char *gw_ns, const struct mf_gw_listener *l,
                   const char *route_ns, char *why, size_t cap)
{
    const struct mf_gw_route_namespaces *rn =
        l->allowed_routes ? l->allowed_routes->namespaces : NULL;
    const char *from = rn ? plan_gw_or(&rn->from, "Same") : "Same";

    if (strcmp(from, "All") == 0)
        return true;
    if (strcmp(from, "Selector") == 0) {
        if (plan_gw_ns_matches(g, route_ns, rn->selector))
            return true;
        plan_gw_append(why, cap, "%slistener \"%s\" selects other namespaces than \"%s\"",
                       why[0] ? "; " : "", plan_gw_or(&l->name, ""), route_ns);
        return false;
    }
    if (strcmp(route_ns, gw_ns) == 0)
        return true;
    plan_gw_append(why, cap, "%slistener \"%s\" allows routes from namespace \"%s\" only",
                   why[0] ? "; " : "", plan_gw_or(&l->name, ""), gw_ns);
    return false;
}

/* Steps 2 and 3 for one listener; why collects the rejections by kind. */
static enum plan_rt_outcome
plan_rt_listener(const struct plan_gw_ctx *g, size_t gi, size_t li, const struct mf_object *route,
                 char *not_allowed, char *no_host, struct plan_route_binding *b)
{
    const struct plan_gw_lstate *ls = &g->lstates[gi][li];
    const struct plan_listener *pl = &g->c->p->gateways[gi].listeners[li];
    const struct mf_httproute_spec *spec = ((const struct mf_httproute *)route->body)->spec;

    if (!ls->http_route) {
        plan_gw_append(not_allowed, PLAN_RT_MSG, "%slistener \"%s\" does not allow HTTPRoute",
                       not_allowed[0] ? "; " : "", pl->name);
        return PLAN_RT_NOT_ALLOWED;
    }
    if (!pl->usable) {
        plan_gw_append(not_allowed, PLAN_RT_MSG, "%slistener \"%s\" is not valid (%s)",
                       not_allowed[0] ? "; " : "", pl->name, ls->why);
        return PLAN_RT_NOT_ALLOWED;
    }
    if (!plan_rt_ns_allowed(g, g->gw_objs[gi]->ns, ls->spec, route->ns, not_allowed, PLAN_RT_MSG))
        return PLAN_RT_NOT_ALLOWED;
    if (!plan_rt_bind(g->c, spec, pl->hostname, b)) {
        plan_gw_append(no_host, PLAN_RT_MSG,
                       "%sno hostname of the route matches listener \"%s\" (%s)",
                       no_host[0] ? "; " : "", pl->name, pl->hostname ? pl->hostname : "any");
        return PLAN_RT_NO_HOSTNAME;
    }
    b->listener = li;
    return PLAN_RT_ACCEPTED;
}

/* ---- one parent ---------------------------------------------------------- */

static bool
plan_rt_selects(const struct mf_gw_parent_ref *r, const struct mf_gw_listener *l)
{
    if (r->section_name.v != NULL && !mf_str_eq(&l->name, r->section_name.v))
        return false;
    return !r->port.set || l->port.v == r->port.v;
}

/* NoMatchingParent: why no listener of gateway gi is selected by r. */
static void
plan_rt_no_parent(const struct plan_gw_ctx *g, size_t gi, const struct mf_gw_parent_ref *r,
                  const char *gw, char *msg, size_t cap)
{
    const struct plan_gateway *pg = &g->c->p->gateways[gi];

    if (r->section_name.v != NULL) {
        for (size_t i = 0; i < pg->nlisteners; i++)
            if (strcmp(pg->listeners[i].name, r->section_name.v) == 0) {
                snprintf(msg, cap, "listener \"%s\" of Gateway %s is on port %u, not %lld",
                         r->section_name.v, gw, pg->listeners[i].port, (long long)r->port.v);
                return;
            }
        snprintf(msg, cap, "Gateway %s has no listener named \"%s\"", gw, r->section_name.v);
        return;
    }
    snprintf(msg, cap, "Gateway %s has no listener on port %lld", gw, (long long)r->port.v);
}

/* Steps 1 to 4 for one parent: Accepted and the bindings. */
static void
plan_rt_attach(struct plan_gw_ctx *g, const struct mf_object *route,
               const struct mf_gw_parent_ref *r, size_t seq, struct plan_route_parent *out)
{
    struct plan_gateway *pg = &g->c->p->gateways[out->gateway];
    char not_allowed[PLAN_RT_MSG] = "", no_host[PLAN_RT_MSG] = "", msg[PLAN_RT_MSG];
    size_t selected = 0;

    out->bindings = plan_alloc(g->c, (pg->nlisteners + 1) * sizeof(*out->bindings));
    for (size_t li = 0; li < pg->nlisteners; li++) {
        struct plan_route_binding *b = &out->bindings[out->nbindings];
        struct plan_gw_lstate *ls = &g->lstates[out->gateway][li];
        if (!plan_rt_selects(r, ls->spec))
            continue;
        selected++;
        if (plan_rt_listener(g, out->gateway, li, route, not_allowed, no_host, b) !=
            PLAN_RT_ACCEPTED)
            continue;
        out->nbindings++;
        if (ls->counted != seq + 1) {
            ls->counted = seq + 1;
            pg->listeners[li].attached_routes++;
        }
    }
    out->accepted = out->nbindings > 0;
    if (selected == 0) {
        plan_rt_no_parent(g, out->gateway, r, out->gateway_ref, msg, sizeof(msg));
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", false, "NoMatchingParent", "%s", msg);
    } else if (out->accepted) {
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", true, "Accepted", "Route is accepted");
    } else if (no_host[0] != '\0') {
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", false, "NoMatchingListenerHostname",
                     "%s", no_host);
    } else {
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", false, "NotAllowedByListeners", "%s",
                     not_allowed);
    }
}

/* The Gateway of ours r names, as an index into plan.gateways, or -1. */
static long
plan_rt_parent_gateway(const struct plan_gw_ctx *g, const struct mf_object *route,
                       const struct mf_gw_parent_ref *r)
{
    if (!mf_str_eq(&r->group, MF_GW_GROUP) && r->group.v != NULL)
        return -1;
    if (!mf_str_eq(&r->kind, "Gateway") && r->kind.v != NULL)
        return -1;
    return plan_gw_find(g, plan_gw_or(&r->namespace, route->ns), r->name.v);
}

/* ---- backendRefs --------------------------------------------------------- */

static bool
plan_rt_has_port(const struct mf_object *svc, int64_t port)
{
    const struct mf_service *s = svc->body;

    if (s->spec == NULL)
        return false;
    for (uint32_t i = 0; i < s->spec->ports.n; i++)
        if (MF_LIST_AT(s->spec->ports, struct mf_service_port, i)->port.v == port)
            return true;
    return false;
}

/* One backend: NULL when it resolves, else the ResolvedRefs reason (msg says why). */
static const char *
plan_rt_backend(const struct plan_gw_ctx *g, const struct mf_object *route,
                const struct mf_http_backend_ref *b, const char *path, char *msg, size_t cap)
{
    const char *group = plan_gw_or(&b->group, ""), *kind = plan_gw_or(&b->kind, "Service");
    const char *ns = plan_gw_or(&b->namespace, route->ns), *name = plan_gw_or(&b->name, "");
    const struct mf_object *svc;

    if (group[0] != '\0' || strcmp(kind, "Service") != 0) {
        snprintf(msg, cap,
                 "%s: %s%s%s is not a supported backend kind: metalgate forwards to "
                 "Services",
                 path, group, group[0] ? "/" : "", kind);
        return "InvalidKind";
    }
    if (strcmp(ns, route->ns) != 0 &&
        !plan_gw_granted(g, ns, "HTTPRoute", route->ns, "Service", name)) {
        snprintf(msg, cap,
                 "%s: Service %s/%s is in another namespace and no ReferenceGrant in "
                 "\"%s\" allows HTTPRoutes of \"%s\" to use it",
                 path, ns, name, ns, route->ns);
        return "RefNotPermitted";
    }
    svc = plan_gw_lookup(g, MF_KIND_SERVICE, ns, name);
    if (svc == NULL) {
        snprintf(msg, cap, "%s: Service %s/%s not found", path, ns, name);
        return "BackendNotFound";
    }
    if (b->port.set && !plan_rt_has_port(svc, b->port.v)) {
        snprintf(msg, cap, "%s: Service %s/%s has no port %lld", path, ns, name,
                 (long long)b->port.v);
        return "BackendNotFound";
    }
    return NULL;
}

struct plan_rt_refs {
    const char *reason; /* the first failure */
    char msg[PLAN_RT_MSG];
    size_t failures;
};

static void
plan_rt_check(const struct plan_gw_ctx *g, const struct mf_object *route,
              const struct mf_http_backend_ref *b, const char *path, struct plan_rt_refs *st)
{
    char msg[PLAN_RT_MSG];
    const char *why = plan_rt_backend(g, route, b, path, msg, sizeof(msg));

    if (why == NULL)
        return;
    if (st->failures++ == 0) {
        st->reason = why;
        memcpy(st->msg, msg, sizeof(msg));
    }
}

/* The backends of RequestMirror filters in a filter list. */
static void
plan_rt_check_mirrors(const struct plan_gw_ctx *g, const struct mf_object *route,
                      const struct mf_list *filters, const char *at, struct plan_rt_refs *st)
{
    char path[160];

    for (uint32_t i = 0; i < filters->n; i++) {
        const struct mf_http_filter *f = MF_LIST_AT(*filters, struct mf_http_filter, i);
        if (f->request_mirror == NULL || f->request_mirror->backend_ref == NULL)
            continue;
        snprintf(path, sizeof(path), "%s.filters[%u].requestMirror.backendRef", at, i);
        plan_rt_check(g, route, f->request_mirror->backend_ref, path, st);
    }
}

static void
plan_rt_resolve(const struct plan_gw_ctx *g, const struct mf_object *route, struct plan_rt_refs *st)
{
    const struct mf_httproute_spec *spec = ((const struct mf_httproute *)route->body)->spec;
    char at[64], path[128];

    for (uint32_t i = 0; i < spec->rules.n; i++) {
        const struct mf_http_rule *rule = MF_LIST_AT(spec->rules, struct mf_http_rule, i);
        snprintf(at, sizeof(at), "spec.rules[%u]", i);
        for (uint32_t j = 0; j < rule->backend_refs.n; j++) {
            const struct mf_http_backend_ref *b =
                MF_LIST_AT(rule->backend_refs, struct mf_http_backend_ref, j);
            snprintf(path, sizeof(path), "%s.backendRefs[%u]", at, j);
            plan_rt_check(g, route, b, path, st);
            plan_rt_check_mirrors(g, route, &b->filters, path, st);
        }
        plan_rt_check_mirrors(g, route, &rule->filters, at, st);
    }
}

/*
 * ExtensionRef filters of a filter list: metalgate defines no extension
 * kinds, so none resolves. The spec's ResolvedRefs reason for a reference to
 * an unsupported group/kind is InvalidKind; the workers answer 500 for the
 * rule or ref (the filter must not be skipped).
 */
static void
plan_rt_check_extensions(const struct mf_list *filters, const char *at, struct plan_rt_refs *st)
{
    for (uint32_t i = 0; i < filters->n; i++) {
        const struct mf_http_filter *f = MF_LIST_AT(*filters, struct mf_http_filter, i);
        const struct mf_gw_objref *x = f->extension_ref;

        if (x == NULL || st->failures++ > 0) /* counted; the message is the first failure's */
            continue;
        st->reason = "InvalidKind";
        snprintf(st->msg, sizeof(st->msg),
                 "%s.filters[%u].extensionRef: %s/%s %s is not a supported filter kind: "
                 "metalgate has no extension filters, requests it applies to get HTTP 500",
                 at, i, plan_gw_or(&x->group, ""), plan_gw_or(&x->kind, ""),
                 plan_gw_or(&x->name, ""));
    }
}

static void
plan_rt_resolve_extensions(const struct mf_object *route, struct plan_rt_refs *st)
{
    const struct mf_httproute_spec *spec = ((const struct mf_httproute *)route->body)->spec;
    char at[64], path[128];

    for (uint32_t i = 0; i < spec->rules.n; i++) {
        const struct mf_http_rule *rule = MF_LIST_AT(spec->rules, struct mf_http_rule, i);
        snprintf(at, sizeof(at), "spec.rules[%u]", i);
        plan_rt_check_extensions(&rule->filters, at, st);
        for (uint32_t j = 0; j < rule->backend_refs.n; j++) {
            snprintf(path, sizeof(path), "%s.backendRefs[%u]", at, j);
            plan_rt_check_extensions(
                &MF_LIST_AT(rule->backend_refs, struct mf_http_backend_ref, j)->filters, path, st);
        }
    }
}

static void
plan_rt_resolved_cond(struct plan_ctx *c, const struct plan_rt_refs *st, struct plan_condition *out)
{
    if (st->failures == 0)
        plan_gw_cond(c, out, "ResolvedRefs", true, "ResolvedRefs", "all references are resolved");
    else if (st->failures == 1)
        plan_gw_cond(c, out, "ResolvedRefs", false, st->reason, "%s", st->msg);
    else
        plan_gw_cond(c, out, "ResolvedRefs", false, st->reason,
                     "%s (and %zu more unresolved "
                     "references)",
                     st->msg, st->failures - 1);
}

/* ---- the section --------------------------------------------------------- */

static void
plan_rt_fill(struct plan_gw_ctx *g, const struct mf_object *o, size_t seq, struct plan_route *r)
{
    const struct mf_httproute_spec *spec = ((const struct mf_httproute *)o->body)->spec;
    struct plan_rt_refs refs;
    char ref[300];

    memset(&refs, 0, sizeof(refs));
    plan_rt_resolve(g, o, &refs);
    r->kind = "HTTPRoute";
    r->ns = plan_strdup(g->c, o->ns);
    r->name = plan_strdup(g->c, o->name);
    r->created = mf_object_created(o);
    r->refs_resolved = refs.failures == 0;
    /* After refs_resolved, which is about backends: an ExtensionRef only
     * changes the condition (its rule or ref is served 500 regardless). */
    plan_rt_resolve_extensions(o, &refs);
    r->parents = plan_alloc(g->c, (spec->parent_refs.n + 1) * sizeof(*r->parents));
    for (uint32_t i = 0; i < spec->parent_refs.n; i++) {
        const struct mf_gw_parent_ref *pr =
            MF_LIST_AT(spec->parent_refs, struct mf_gw_parent_ref, i);
        struct plan_route_parent *out = &r->parents[r->nparents];
        long gi = plan_rt_parent_gateway(g, o, pr);
        if (gi < 0)
            continue;
        snprintf(ref, sizeof(ref), "%s/%s", plan_gw_or(&pr->namespace, o->ns), pr->name.v);
        out->gateway = (size_t)gi;
        out->gateway_ref = plan_strdup(g->c, ref);
        out->section_name = pr->section_name.v ? plan_strdup(g->c, pr->section_name.v) : NULL;
        out->port = pr->port.set ? (uint16_t)pr->port.v : 0;
        out->nconditions = 2;
        out->conditions = plan_alloc(g->c, 2 * sizeof(*out->conditions));
        plan_rt_attach(g, o, pr, seq, out);
        plan_rt_resolved_cond(g->c, &refs, &out->conditions[1]);
        r->nparents++;
    }
}

void
plan_build_routes(struct plan_gw_ctx *g)
{
    struct plan *p = g->c->p;
    size_t n = 0;

    for (size_t i = 0; i < g->nindex; i++)
        if (g->index[i].kind == MF_KIND_HTTPROUTE)
            n++;
    p->routes = plan_alloc(g->c, (n + 1) * sizeof(*p->routes));
    /* The index is sorted by (kind, ns, name): routes come out in plan order. */
    for (size_t i = 0; i < g->nindex; i++) {
        const struct mf_object *o = g->index[i].obj;
        if (g->index[i].kind != MF_KIND_HTTPROUTE || o->ns == NULL ||
            ((const struct mf_httproute *)o->body)->spec == NULL)
            continue;
        plan_rt_fill(g, o, p->nroutes, &p->routes[p->nroutes]);
        p->nroutes++;
    }
}

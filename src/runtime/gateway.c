/*
 * The gateway data plane seen from the control thread: builds a snapshot of
 * a generation (Gateways of our class, their HTTP listeners on the addresses
 * the plan gave them, the HTTPRoutes attached to each listener compiled into
 * route tables, every backendRef resolved to the ready endpoints of its
 * Service) and hands it to the worker threads (gateway/proxy.h).
 *
 * Attachment is the plan's (plan.routes[].parents[]: accepted parents and
 * their listener bindings with the effective hostnames); only listeners the
 * plan says are programmed, with protocol HTTP, are served. Backends are
 * resolved here, against the objects, before the generation frees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "gateway/proxy.h"
#include "manifest/types_core.h"
#include "manifest/types_gateway.h"
#include "runtime/internal.h"

/* The Gateway annotation naming the listeners whose requests are logged. */
#define RT_GW_ACCESS_LOG "metalgate.io/access-log"

/* One HTTP listener on one address, while collecting. */
struct rt_gw_lst {
    struct ip_addr addr;
    uint16_t port;
    size_t gateway; /* index into plan.gateways */
    size_t listener;
};

struct rt_gw_build {
    const struct mf_set *set;
    const struct plan *plan;
    struct gw_snapshot *snap;
    struct arena tmp; /* route definitions, freed once the tables are built */
};

static bool
rt_str_is(const struct mf_str *s, const char *v)
{
    return s->v != NULL && strcmp(s->v, v) == 0;
}

/* Either absent or equal. */
static bool
rt_str_default(const struct mf_str *s, const char *dflt)
{
    return s->v == NULL || strcmp(s->v, dflt) == 0;
}

static const struct mf_object *
rt_find(const struct mf_set *set, enum mf_kind_id id, const char *ns, const char *name)
{
    size_t cur = 0;
    const struct mf_object *o;

    while ((o = mf_set_next(set, id, &cur)) != NULL)
        if (strcmp(o->name, name) == 0 && (ns == NULL || (o->ns && strcmp(o->ns, ns) == 0)))
            return o;
    return NULL;
}

/* ---- route definitions -------------------------------------------------- */

static struct gw_kv_match *
rt_gw_kvs(struct arena *a, const struct mf_list *l)
{
    struct gw_kv_match *v = arena_alloc(a, (l->n ? l->n : 1) * sizeof(*v));

    for (uint32_t i = 0; v != NULL && i < l->n; i++) {
        const struct mf_http_value_match *m = MF_LIST_AT(*l, struct mf_http_value_match, i);
        v[i].type = rt_str_is(&m->type, "RegularExpression") ? GW_VALUE_REGEX : GW_VALUE_EXACT;
        v[i].name = m->name.v ? m->name.v : "";
        v[i].value = m->value.v ? m->value.v : "";
    }
    return v;
}

static int
rt_gw_match(struct arena *a, const struct mf_http_route_match *m, struct gw_match_def *d)
{
    if (m->path != NULL) {
        d->path_type = rt_str_is(&m->path->type, "Exact")               ? GW_PATH_EXACT
                       : rt_str_is(&m->path->type, "RegularExpression") ? GW_PATH_REGEX
                                                                        : GW_PATH_PREFIX;
        d->path = m->path->value.v;
    }
    if (m->method.v != NULL)
        d->method = http_method_parse(m->method.v, m->method.len);
    d->headers = rt_gw_kvs(a, &m->headers);
    d->n_headers = m->headers.n;
    d->queries = rt_gw_kvs(a, &m->query_params);
    d->n_queries = m->query_params.n;
    return d->headers && d->queries ? 0 : -1;
}

static int
rt_gw_rule_def(struct arena *a, const struct mf_http_rule *r, struct gw_rule_def *d)
{
    struct gw_match_def *m = arena_alloc(a, (r->matches.n ? r->matches.n : 1) * sizeof(*m));

    if (m == NULL)
        return -1;
    for (uint32_t i = 0; i < r->matches.n; i++)
        if (rt_gw_match(a, MF_LIST_AT(r->matches, struct mf_http_route_match, i), &m[i]) != 0)
            return -1;
    d->matches = m;
    d->n_matches = r->matches.n;
    return 0;
}

/* The route as the table builder sees it, with the effective hostnames of
 * its binding to this listener. A route without rules gets the CRD default:
 * one rule, PathPrefix "/" and no backend. */
static int
rt_gw_route_def(struct arena *a, const struct mf_object *o, const struct plan_route *pr,
                const struct plan_route_binding *bd, struct gw_route_def *d)
{
    const struct mf_httproute_spec *sp = ((const struct mf_httproute *)o->body)->spec;
    struct gw_rule_def *rules = arena_alloc(a, (sp->rules.n + 1) * sizeof(*rules));

    if (rules == NULL)
        return -1;
    for (uint32_t i = 0; i < sp->rules.n; i++)
        if (rt_gw_rule_def(a, MF_LIST_AT(sp->rules, struct mf_http_rule, i), &rules[i]) != 0)
            return -1;
    d->ns = pr->ns;
    d->name = pr->name;
    d->created = pr->created;
    d->hostnames = bd->hostnames;
    d->n_hostnames = bd->nhostnames;
    d->rules = rules;
    d->n_rules = sp->rules.n ? sp->rules.n : 1;
    return 0;
}

/* ---- backends ------------------------------------------------------------- */

static bool
rt_gw_endpoint_ready(const struct mf_endpoint *e)
{
    return e->conditions == NULL || !e->conditions->ready.set || e->conditions->ready.v;
}

/* The port an EndpointSlice gives the Service port sp: the slice port of the
 * same name (Kubernetes resolves targetPort names into it); 0 when none. */
static uint16_t
rt_gw_slice_port(const struct mf_endpointslice *es, const struct mf_service_port *sp)
{
    const char *name = sp->name.v ? sp->name.v : "";

    for (uint32_t i = 0; i < es->ports.n; i++) {
        const struct mf_endpoint_port *p = MF_LIST_AT(es->ports, struct mf_endpoint_port, i);
        if (strcmp(p->name.v ? p->name.v : "", name) == 0 && p->port.set)
            return (uint16_t)p->port.v;
    }
    if (sp->target_port.set && sp->target_port.is_int && sp->target_port.i > 0)
        return (uint16_t)sp->target_port.i;
    if (!sp->target_port.set || (sp->target_port.is_int && sp->target_port.i == 0) ||
        (!sp->target_port.is_int && sp->target_port.s.len == 0))
        return (uint16_t)sp->port.v;
    return 0;
}

static int
rt_gw_add_endpoint(struct gw_endpoint **v, uint32_t *n, const struct mf_str *addr, uint16_t port)
{
    struct ip_addr a;
    struct gw_endpoint *nv;

    if (ip_parse(addr->v, addr->len, &a) != 0)
        return 0;
    nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (nv == NULL)
        return -1;
    *v = nv;
    gw_endpoint_set(&nv[(*n)++], &a, port);
    return 0;
}

/* Every ready endpoint address of the Service's EndpointSlices for port sp. */
static int
rt_gw_endpoints(const struct mf_set *set, const struct mf_object *svc,
                const struct mf_service_port *sp, struct gw_endpoint **v, uint32_t *n)
{
    size_t cur = 0;
    const struct mf_object *o;

    while ((o = mf_set_next(set, MF_KIND_ENDPOINTSLICE, &cur)) != NULL) {
        const struct mf_endpointslice *es = o->body;
        uint16_t port;

        if (o->ns == NULL || strcmp(o->ns, svc->ns) != 0 || es->service_name.v == NULL ||
            strcmp(es->service_name.v, svc->name) != 0 || es->addr_type == MF_ADDR_FQDN ||
            (port = rt_gw_slice_port(es, sp)) == 0)
            continue;
        for (uint32_t i = 0; i < es->endpoints.n; i++) {
            const struct mf_endpoint *e = MF_LIST_AT(es->endpoints, struct mf_endpoint, i);
            for (uint32_t j = 0; rt_gw_endpoint_ready(e) && j < e->addresses.n; j++)
                if (rt_gw_add_endpoint(v, n, MF_LIST_AT(e->addresses, struct mf_str, j), port) != 0)
                    return -1;
        }
    }
    return 0;
}

static const struct mf_service_port *
rt_gw_service_port(const struct mf_object *svc, int64_t port)
{
    const struct mf_service *s = svc->body;

    for (uint32_t i = 0; s->spec != NULL && i < s->spec->ports.n; i++) {
        const struct mf_service_port *p = MF_LIST_AT(s->spec->ports, struct mf_service_port, i);
        if (p->port.v == port)
            return p;
    }
    return NULL;
}

static int rt_gw_filters(struct arena *a, const struct mf_list *filters, struct gw_filters *g);

/* Resolves one backendRef (and takes its filters): 500 when it names nothing we can serve (another
 * kind, a missing Service or port, another namespace unless the plan found
 * every ref of the route permitted) or its filters fail closed, 503 when the
 * Service has no ready endpoint. */
static int
rt_gw_backend(struct rt_gw_build *b, const struct plan_route *pr,
              const struct mf_http_backend_ref *r, struct gw_backend *out)
{
    const struct mf_object *svc;
    const struct mf_service_port *sp;
    struct gw_endpoint *v = NULL;
    uint32_t n = 0;

    out->weight = r->weight.set ? (uint32_t)r->weight.v : MF_GW_DEFAULT_WEIGHT;
    out->empty_status = 500;
    if (rt_gw_filters(&b->snap->arena, &r->filters, &out->filters) != 0)
        return -1;
    if (out->filters.fail_closed)
        return 0; /* no endpoints: every request given to this ref gets 500 */
    if (!rt_str_default(&r->group, "") || !rt_str_default(&r->kind, "Service") ||
        r->name.v == NULL ||
        (r->namespace.v != NULL && strcmp(r->namespace.v, pr->ns) != 0 && !pr->refs_resolved))
        return 0;
    svc = rt_find(b->set, MF_KIND_SERVICE, r->namespace.v ? r->namespace.v : pr->ns, r->name.v);
    sp = svc && r->port.set ? rt_gw_service_port(svc, r->port.v) : NULL;
    if (sp == NULL)
        return 0;
    out->empty_status = 503;
    if (rt_gw_endpoints(b->set, svc, sp, &v, &n) != 0) {
        free(v);
        return -1;
    }
    if (n > 0 && (out->eps = arena_alloc(&b->snap->arena, n * sizeof(*v))) != NULL) {
        memcpy(out->eps, v, n * sizeof(*v));
        out->n_eps = n;
    }
    free(v);
    return n > 0 && out->eps == NULL ? -1 : 0;
}

/* ---- filters ------------------------------------------------------------------ */

static struct gw_header *
rt_gw_headers(struct arena *a, const struct mf_list *l, bool names_only)
{
    struct gw_header *v = arena_alloc(a, (l->n + 1) * sizeof(*v));

    for (uint32_t i = 0; v != NULL && i < l->n; i++) {
        const struct mf_str *name = names_only ? MF_LIST_AT(*l, struct mf_str, i)
                                               : &MF_LIST_AT(*l, struct mf_http_header, i)->name;
        const struct mf_str *value =
            names_only ? NULL : &MF_LIST_AT(*l, struct mf_http_header, i)->value;

        v[i].name = name->v ? name->v : "";
        v[i].name_len = name->len;
        v[i].value = value && value->v ? arena_strndup(a, value->v, value->len) : "";
        v[i].value_len = value && value->v ? value->len : 0;
        v[i].name = arena_strndup(a, v[i].name, v[i].name_len);
        if (v[i].name == NULL || v[i].value == NULL)
            return NULL;
    }
    return v;
}

static const struct gw_header_mod *
rt_gw_header_mod(struct arena *a, const struct mf_http_header_filter *f)
{
    struct gw_header_mod *m = arena_alloc(a, sizeof(*m));

    if (m == NULL || (m->set = rt_gw_headers(a, &f->set, false)) == NULL ||
        (m->add = rt_gw_headers(a, &f->add, false)) == NULL ||
        (m->remove = rt_gw_headers(a, &f->remove, true)) == NULL)
        return NULL;
    m->n_set = f->set.n;
    m->n_add = f->add.n;
    m->n_remove = f->remove.n;
    return m;
}

static const char *
rt_gw_dup(struct arena *a, const struct mf_str *s)
{
    return s->v ? arena_strndup(a, s->v, s->len) : NULL;
}

static void
rt_gw_path_mod(struct arena *a, const struct mf_http_path_modifier *pm, enum gw_path_mod *type,
               const char **path)
{
    if (pm == NULL)
        return;
    if (rt_str_is(&pm->type, "ReplaceFullPath")) {
        *type = GW_PATHMOD_FULL;
        *path = rt_gw_dup(a, &pm->replace_full_path);
    } else if (rt_str_is(&pm->type, "ReplacePrefixMatch")) {
        *type = GW_PATHMOD_PREFIX;
        *path = rt_gw_dup(a, &pm->replace_prefix_match);
    }
}

/* The filters of a rule or a backendRef the workers apply. ExtensionRef and
 * ExternalAuth are not implemented and must not be skipped (an auth filter
 * skipped would forward unauthenticated requests): they make the rule or ref
 * fail closed. RequestMirror and CORS are not implemented either but are
 * safe to skip (mirroring is best effort; no CORS headers only makes browsers
 * refuse cross-origin reads), so they are ignored; the manifest warns. */
static int
rt_gw_filters(struct arena *a, const struct mf_list *filters, struct gw_filters *g)
{
    for (uint32_t i = 0; i < filters->n; i++) {
        const struct mf_http_filter *f = MF_LIST_AT(*filters, struct mf_http_filter, i);

        if (f->extension_ref != NULL || f->external_auth.node != NULL ||
            rt_str_is(&f->type, "ExtensionRef") || rt_str_is(&f->type, "ExternalAuth"))
            g->fail_closed = true;

        if (f->request_header_modifier && !g->req_headers &&
            (g->req_headers = rt_gw_header_mod(a, f->request_header_modifier)) == NULL)
            return -1;
        if (f->response_header_modifier && !g->resp_headers &&
            (g->resp_headers = rt_gw_header_mod(a, f->response_header_modifier)) == NULL)
            return -1;
        if (f->request_redirect && !g->redirect) {
            const struct mf_http_redirect *rd = f->request_redirect;
            struct gw_redirect *x = arena_alloc(a, sizeof(*x));
            if (x == NULL)
                return -1;
            x->scheme = rt_gw_dup(a, &rd->scheme);
            x->hostname = rt_gw_dup(a, &rd->hostname);
            x->port = rd->port.set ? (uint16_t)rd->port.v : 0;
            x->status =
                rd->status_code.set ? (uint16_t)rd->status_code.v : MF_GW_DEFAULT_REDIRECT_STATUS;
            rt_gw_path_mod(a, rd->path, &x->path_type, &x->path);
            g->redirect = x;
        }
        if (f->url_rewrite && !g->rewrite) {
            struct gw_rewrite *x = arena_alloc(a, sizeof(*x));
            if (x == NULL)
                return -1;
            x->hostname = rt_gw_dup(a, &f->url_rewrite->hostname);
            rt_gw_path_mod(a, f->url_rewrite->path, &x->path_type, &x->path);
            g->rewrite = x;
        }
    }
    return 0;
}

/* match_prefix: each match's PathPrefix value, for ReplacePrefixMatch. */
static int
rt_gw_match_prefixes(struct arena *a, const struct mf_http_rule *r, struct gw_rule *g)
{
    g->match_prefix = arena_alloc(a, (r->matches.n + 1) * sizeof(*g->match_prefix));
    if (g->match_prefix == NULL)
        return -1;
    g->n_matches = r->matches.n;
    for (uint32_t i = 0; i < r->matches.n; i++) {
        const struct mf_http_route_match *m = MF_LIST_AT(r->matches, struct mf_http_route_match, i);
        const struct mf_http_path_match *p = m->path;

        if (p == NULL || rt_str_default(&p->type, "PathPrefix"))
            g->match_prefix[i] = p && p->value.v ? rt_gw_dup(a, &p->value) : "/";
    }
    return 0;
}

/* A duration in ms as the workers keep it: absent or invalid (-1) is 0 (none),
 * longer than 49 days is 49 days (a GEP-2257 duration can say 400,000 h). */
static uint32_t
rt_gw_ms(int64_t ms)
{
    return ms <= 0 ? 0 : ms > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* The rule's timeouts. A rule that sets either field, even to "0s",
 * replaces the proxy's default upstream timeout. */
static void
rt_gw_timeouts(const struct mf_http_timeouts *t, struct gw_timeouts *out)
{
    if (t == NULL || (t->request_ms < 0 && t->backend_request_ms < 0))
        return;
    out->has_timeouts = true;
    out->request_ms = rt_gw_ms(t->request_ms);
    out->backend_ms = rt_gw_ms(t->backend_request_ms);
}

/* ---- listeners and ports ----------------------------------------------------- */

static int
rt_gw_route(struct rt_gw_build *b, const struct mf_object *o, const struct plan_route *pr,
            struct gw_route *out)
{
    const struct mf_httproute_spec *sp = ((const struct mf_httproute *)o->body)->spec;
    uint32_t n = sp->rules.n ? sp->rules.n : 1;

    out->rules = arena_alloc(&b->snap->arena, n * sizeof(*out->rules));
    out->name = arena_printf(&b->snap->arena, "%s/%s", pr->ns, pr->name);
    if (out->rules == NULL || out->name == NULL)
        return -1;
    out->n_rules = n;
    for (uint32_t i = 0; i < sp->rules.n; i++) {
        const struct mf_http_rule *r = MF_LIST_AT(sp->rules, struct mf_http_rule, i);
        struct gw_rule *g = &out->rules[i];

        g->backends = arena_alloc(&b->snap->arena, (r->backend_refs.n + 1) * sizeof(*g->backends));
        if (g->backends == NULL)
            return -1;
        g->n_backends = r->backend_refs.n;
        rt_gw_timeouts(r->timeouts, &g->timeouts);
        if (rt_gw_filters(&b->snap->arena, &r->filters, &g->filters) != 0 ||
            rt_gw_match_prefixes(&b->snap->arena, r, g) != 0)
            return -1;
        for (uint32_t j = 0; j < r->backend_refs.n; j++) {
            if (rt_gw_backend(b, pr, MF_LIST_AT(r->backend_refs, struct mf_http_backend_ref, j),
                              &g->backends[j]) != 0)
                return -1;
            g->total_weight += g->backends[j].weight;
        }
    }
    return 0;
}

/* The binding of route pr to listener x, or NULL when it is not attached. */
static const struct plan_route_binding *
rt_gw_binding(const struct plan_route *pr, const struct rt_gw_lst *x)
{
    for (size_t i = 0; i < pr->nparents; i++) {
        const struct plan_route_parent *pp = &pr->parents[i];

        if (pp->gateway != x->gateway || !pp->accepted)
            continue;
        for (size_t j = 0; j < pp->nbindings; j++)
            if (pp->bindings[j].listener == x->listener)
                return &pp->bindings[j];
    }
    return NULL;
}

/*
 * Whether the Gateway's metalgate.io/access-log annotation names listener:
 * "*" names them all, else a comma-separated list of listener names
 * (spaces around names ignored). The manifest check warns about names that
 * are no listener's.
 */
static bool
rt_gw_access_log(const struct mf_set *set, const struct plan_gateway *pg, const char *listener)
{
    const struct mf_object *o = rt_find(set, MF_KIND_GATEWAY, pg->ns, pg->name);
    const struct mf_str *v = o ? mf_strmap_get(&o->meta.annotations, RT_GW_ACCESS_LOG) : NULL;
    size_t ln = strlen(listener);

    if (v == NULL || v->v == NULL)
        return false;
    for (const char *p = v->v, *end = v->v + v->len; p < end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p)), *e = comma ? comma : end;

        while (p < e && *p == ' ')
            p++;
        while (e > p && e[-1] == ' ')
            e--;
        if ((e - p == 1 && *p == '*') || ((size_t)(e - p) == ln && memcmp(p, listener, ln) == 0))
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}

/* Compiles the routes attached to listener x into out. */
static int
rt_gw_listener(struct rt_gw_build *b, const struct rt_gw_lst *x, struct gw_listener *out)
{
    const struct plan_gateway *pg = &b->plan->gateways[x->gateway];
    const struct plan_listener *pl = &pg->listeners[x->listener];
    struct gw_route_def *defs = arena_alloc(&b->tmp, (b->plan->nroutes + 1) * sizeof(*defs));
    struct gw_table_options opt = {pl->hostname, false};
    size_t n = 0;

    out->name = arena_printf(&b->snap->arena, "%s/%s/%s", pg->ns, pg->name, pl->name);
    out->access_log = rt_gw_access_log(b->set, pg, pl->name);
    out->routes = arena_alloc(&b->snap->arena, (b->plan->nroutes + 1) * sizeof(*out->routes));
    if (defs == NULL || out->name == NULL || out->routes == NULL)
        return -1;
    for (size_t i = 0; i < b->plan->nroutes; i++) {
        const struct plan_route *pr = &b->plan->routes[i];
        const struct plan_route_binding *bd = rt_gw_binding(pr, x);
        const struct mf_object *o;

        if (bd == NULL || strcmp(pr->kind, "HTTPRoute") != 0 ||
            (o = rt_find(b->set, MF_KIND_HTTPROUTE, pr->ns, pr->name)) == NULL ||
            ((const struct mf_httproute *)o->body)->spec == NULL)
            continue;
        if (rt_gw_route_def(&b->tmp, o, pr, bd, &defs[n]) != 0 ||
            rt_gw_route(b, o, pr, &out->routes[n]) != 0)
            return -1;
        n++;
    }
    out->n_routes = (uint32_t)n;
    out->table = gw_table_build(&opt, defs, n, NULL);
    return out->table != NULL ? 0 : -1;
}

/* Every programmed HTTP listener of our Gateways, once per address. */
static int
rt_gw_collect(const struct plan *plan, struct rt_gw_lst **v, size_t *n)
{
    for (size_t i = 0; i < plan->ngateways; i++) {
        const struct plan_gateway *pg = &plan->gateways[i];

        for (size_t a = 0; pg->programmed && a < pg->nips; a++) {
            for (size_t j = 0; j < pg->nlisteners; j++) {
                const struct plan_listener *pl = &pg->listeners[j];
                struct rt_gw_lst *nv;

                if (!pl->programmed || pl->protocol == NULL ||
                    strcasecmp(pl->protocol, "HTTP") != 0)
                    continue;
                if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
                    return -1;
                *v = nv;
                nv[(*n)++] = (struct rt_gw_lst){pg->ips[a], pl->port, i, j};
            }
        }
    }
    return 0;
}

static int
rt_gw_port(struct rt_gw_build *b, const struct rt_gw_lst *v, size_t n, size_t first,
           struct gw_port *out)
{
    const char *hosts[64];
    size_t k = 0;

    out->addr = v[first].addr;
    out->port = v[first].port;
    for (size_t i = first; i < n; i++)
        if (v[i].port == out->port && ip_addr_equal(&v[i].addr, &out->addr))
            k++;
    out->listeners = arena_alloc(&b->snap->arena, k * sizeof(*out->listeners));
    if (out->listeners == NULL)
        return -1;
    for (size_t i = first; i < n && out->n_listeners < 64; i++) {
        if (v[i].port != out->port || !ip_addr_equal(&v[i].addr, &out->addr))
            continue;
        hosts[out->n_listeners] = b->plan->gateways[v[i].gateway].listeners[v[i].listener].hostname;
        if (rt_gw_listener(b, &v[i], &out->listeners[out->n_listeners++]) != 0)
            return -1;
    }
    out->select = gw_listeners_build(hosts, out->n_listeners);
    return out->select != NULL ? 0 : -1;
}

static bool
rt_gw_seen(const struct rt_gw_lst *v, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (v[j].port == v[i].port && ip_addr_equal(&v[j].addr, &v[i].addr))
            return true;
    return false;
}

static int
rt_gw_fill(struct rt_gw_build *b, const struct plan *plan)
{
    struct rt_gw_lst *v = NULL;
    size_t n = 0, nports = 0;
    int rc = rt_gw_collect(plan, &v, &n);

    for (size_t i = 0; rc == 0 && i < n; i++)
        nports += !rt_gw_seen(v, i);
    if (rc == 0 && nports > 0) {
        b->snap->ports = arena_alloc(&b->snap->arena, nports * sizeof(*b->snap->ports));
        rc = b->snap->ports ? 0 : -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (rt_gw_seen(v, i))
            continue;
        /* Counted before the build so that a failure frees what was built. */
        rc = rt_gw_port(b, v, n, i, &b->snap->ports[b->snap->n_ports++]);
    }
    free(v);
    return rc;
}

struct gw_snapshot *
rt_gateway_build(const struct mf_set *set, const struct plan *plan, uint64_t generation)
{
    struct rt_gw_build b = {set, plan, gw_snapshot_new(generation), {0}};

    if (b.snap == NULL)
        return NULL;
    arena_init(&b.tmp, 64 * 1024, 0);
    if (rt_gw_fill(&b, plan) != 0) {
        gw_snapshot_unref(b.snap);
        b.snap = NULL;
    }
    arena_free(&b.tmp);
    return b.snap;
}

/* ---- the workers ------------------------------------------------------------- */

static bool
rt_gw_log_to_stdout(const struct runtime *rt)
{
    return rt->opts.access_log == NULL || strcmp(rt->opts.access_log, "-") == 0;
}

static int
rt_gw_open_log(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
rt_gateway_start(struct runtime *rt)
{
    struct gw_proxy_opts o = rt->opts.gateway;

    rt->access_log_fd = rt_gw_log_to_stdout(rt) ? STDOUT_FILENO : rt_gw_open_log(rt->opts.access_log);
    if (rt->access_log_fd < 0) {
        log_error("gateway", "cannot open the access log %s: %s", rt->opts.access_log,
                  strerror(errno));
        return -1;
    }
    o.access_log_fd = rt->access_log_fd;
    rt->proxy = gw_proxy_start(&o);
    if (rt->proxy == NULL) {
        log_error("gateway", "cannot start the worker threads: %s", strerror(errno));
        return -1;
    }
    log_info("gateway", "%u worker threads", gw_proxy_workers(rt->proxy));
    return 0;
}

void
rt_gateway_reopen_log(struct runtime *rt)
{
    int fd;

    if (rt->access_log_fd < 0 || rt_gw_log_to_stdout(rt))
        return;
    fd = rt_gw_open_log(rt->opts.access_log);
    /* dup2 swaps the file under the same descriptor: a worker's write goes
     * to the old or the new file, never to a closed or reused descriptor. */
    if (fd < 0 || dup2(fd, rt->access_log_fd) < 0) {
        log_error("gateway", "cannot reopen the access log %s: %s; writing to the old file",
                  rt->opts.access_log, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
}

void
rt_gateway_apply(struct runtime *rt, const struct rt_generation *g)
{
    if (rt->proxy == NULL || g->gw == NULL)
        return;
    gw_proxy_publish(rt->proxy, g->gw);
    log_info("gateway", "configuration %llu: %zu listening addresses",
             (unsigned long long)g->number, g->gw->n_ports);
}

void
rt_gateway_stop(struct runtime *rt)
{
    gw_proxy_stop(rt->proxy);
    rt->proxy = NULL;
    if (rt->access_log_fd > STDERR_FILENO)
        close(rt->access_log_fd);
    rt->access_log_fd = -1;
}

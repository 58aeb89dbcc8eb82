/*
 * The gateways section: every Gateway of our GatewayClasses, its addresses
 * and the status conditions a Gateway API controller would write
 * (shared/reference/kuadrant-gateway.md 1.1 and 1.9), and the helpers that
 * routes.c and policies.c share (an index of the objects they look up).
 *
 * Listener conditions, in this order:
 *   Accepted      False/UnsupportedProtocol unless HTTP or HTTPS;
 *   Conflicted    True/ProtocolConflict when listeners of different
 *                 protocols share a port (UDP never conflicts with the TCP
 *                 based ones), True/HostnameConflict for the same hostname
 *                 on a port in compatible protocols (HTTPS and TLS);
 *                 metalgate never picks a winner among conflicted ones;
 *   ResolvedRefs  certificateRefs (core Secrets of type kubernetes.io/tls
 *                 with tls.crt and tls.key; across namespaces only with a
 *                 ReferenceGrant), then allowedRoutes.kinds (HTTPRoute is
 *                 the only kind metalgate serves);
 *   Programmed    usable, the Gateway accepted and holding an address.
 * A listener is usable -- routes may attach -- when it is accepted, not
 * conflicted, its certificates resolve and it allows HTTPRoutes.
 *
 * Gateway conditions: Accepted (False/InvalidParameters for an
 * infrastructure.parametersRef: metalgate has no parameter kinds;
 * False/UnsupportedAddress for an address that is not one IPv4 and/or one
 * IPv6 IPAddress; False/ListenersNotValid when no listener is usable), then
 * Programmed (False/Invalid when not accepted, False/AddressNotAssigned when
 * IPAM gave no address, with IPAM's reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/sort.h"
#include "plan/gateways.h"

#define PLAN_GW_MSG 512

/* ---- shared helpers ------------------------------------------------------ */

void
plan_gw_append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strnlen(buf, cap);
    va_list ap;

    if (len + 1 >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

void
plan_gw_cond(struct plan_ctx *c, struct plan_condition *out, const char *type, bool status,
             const char *reason, const char *fmt, ...)
{
    char msg[PLAN_GW_MSG];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    out->type = type;
    out->status = status;
    out->reason = reason;
    out->message = plan_strdup(c, msg);
}


static int
plan_gw_entry_cmp(const void *a, const void *b)
{
    const struct plan_gw_entry *x = a, *y = b;
    int r;

    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    r = strcmp(x->ns, y->ns);
    return r != 0 ? r : strcmp(x->name, y->name);
}

static bool
plan_gw_indexed(enum mf_kind_id k)
{
    return k == MF_KIND_GATEWAY || k == MF_KIND_HTTPROUTE || k == MF_KIND_SERVICE ||
           k == MF_KIND_SECRET || k == MF_KIND_NAMESPACE || k == MF_KIND_REFERENCEGRANT;
}

/* One sorted index, so that no lookup scans the set (100,000 Services). */
static void
plan_gw_build_index(struct plan_gw_ctx *g)
{
    const struct mf_set *set = g->c->in->set;

    g->index = plan_scratch(g->c, (set->n + 1) * sizeof(*g->index));
    for (size_t i = 0; i < set->n; i++) {
        const struct mf_object *o = &set->objects[i];
        struct plan_gw_entry *e = &g->index[g->nindex];
        if (o->errors != 0 || !plan_gw_indexed(o->kind->id) || o->name[0] == '\0')
            continue;
        e->kind = o->kind->id;
        e->ns = o->ns ? o->ns : "";
        e->name = o->name;
        e->obj = o;
        g->nindex++;
    }
    sort_big(g->index, g->nindex, sizeof(*g->index), plan_gw_entry_cmp);
}

const struct mf_object *
plan_gw_lookup(const struct plan_gw_ctx *g, enum mf_kind_id kind, const char *ns, const char *name)
{
    struct plan_gw_entry key = {kind, ns ? ns : "", name, NULL};
    const struct plan_gw_entry *e;

    if (name == NULL)
        return NULL;
    e = bsearch(&key, g->index, g->nindex, sizeof(key), plan_gw_entry_cmp);
    return e ? e->obj : NULL;
}

/* The first entry not below (kind, ns, ""). */
static size_t
plan_gw_lower(const struct plan_gw_ctx *g, enum mf_kind_id kind, const char *ns)
{
    struct plan_gw_entry key = {kind, ns, "", NULL};
    size_t lo = 0, hi = g->nindex;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (plan_gw_entry_cmp(&g->index[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool
plan_gw_grant_allows(const struct mf_referencegrant_spec *s, const char *from_kind,
                     const char *from_ns, const char *to_kind, const char *to_name)
{
    bool from = false, to = false;

    for (uint32_t i = 0; i < s->from.n && !from; i++) {
        const struct mf_gw_grant_from *f = MF_LIST_AT(s->from, struct mf_gw_grant_from, i);
        from = mf_str_eq(&f->group, MF_GW_GROUP) && mf_str_eq(&f->kind, from_kind) &&
               mf_str_eq(&f->namespace, from_ns);
    }
    for (uint32_t i = 0; i < s->to.n && from && !to; i++) {
        const struct mf_gw_grant_to *t = MF_LIST_AT(s->to, struct mf_gw_grant_to, i);
        to = plan_gw_or(&t->group, "")[0] == '\0' && mf_str_eq(&t->kind, to_kind) &&
             (t->name.v == NULL || mf_str_eq(&t->name, to_name));
    }
    return from && to;
}

bool
plan_gw_granted(const struct plan_gw_ctx *g, const char *to_ns, const char *from_kind,
                const char *from_ns, const char *to_kind, const char *to_name)
{
    for (size_t i = plan_gw_lower(g, MF_KIND_REFERENCEGRANT, to_ns); i < g->nindex; i++) {
        const struct plan_gw_entry *e = &g->index[i];
        const struct mf_referencegrant *rg;
        if (e->kind != MF_KIND_REFERENCEGRANT || strcmp(e->ns, to_ns) != 0)
            break;
        rg = e->obj->body;
        if (rg->spec != NULL &&
            plan_gw_grant_allows(rg->spec, from_kind, from_ns, to_kind, to_name))
            return true;
    }
    return false;
}

#define PLAN_GW_NS_LABEL "kubernetes.io/metadata.name"

bool
plan_gw_ns_matches(const struct plan_gw_ctx *g, const char *ns, const struct mf_label_selector *sel)
{
    const struct mf_object *o = plan_gw_lookup(g, MF_KIND_NAMESPACE, "", ns);
    uint32_t n = o ? o->meta.labels.n : 0;
    struct mf_strmap labels = {0};
    bool match;

    if (sel == NULL)
        return false;
    /* Kubernetes sets kubernetes.io/metadata.name on every Namespace; it
     * comes first so that it wins over a label written by hand. */
    labels.v = calloc(n + 1, sizeof(*labels.v));
    if (labels.v == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    labels.v[0].key.v = PLAN_GW_NS_LABEL;
    labels.v[0].key.len = (uint32_t)strlen(PLAN_GW_NS_LABEL);
    labels.v[0].value.v = ns;
    labels.v[0].value.len = (uint32_t)strlen(ns);
    for (uint32_t i = 0; i < n; i++)
        labels.v[i + 1] = o->meta.labels.v[i];
    labels.n = n + 1;
    labels.set = true;
    match = mf_label_selector_matches(sel, &labels);
    free(labels.v);
    return match;
}

static int
plan_gw_gateway_cmp(const void *a, const void *b)
{
    const struct plan_gateway *x = a, *y = b;
    int r = strcmp(x->ns, y->ns);

    return r != 0 ? r : strcmp(x->name, y->name);
}

long
plan_gw_find(const struct plan_gw_ctx *g, const char *ns, const char *name)
{
    struct plan_gateway key;
    const struct plan_gateway *found;

    if (ns == NULL || name == NULL)
        return -1;
    key.ns = ns;
    key.name = name;
    found = bsearch(&key, g->c->p->gateways, g->c->p->ngateways, sizeof(key), plan_gw_gateway_cmp);
    return found ? (long)(found - g->c->p->gateways) : -1;
}

/* ---- listeners ----------------------------------------------------------- */

enum plan_gw_proto {
    PLAN_GW_HTTP,
    PLAN_GW_HTTPS,
    PLAN_GW_TLS,
    PLAN_GW_TCP,
    PLAN_GW_UDP,
    PLAN_GW_OTHER,
};

/* The core protocols, in enum plan_gw_proto order (matched case-insensitively, as manifest/ does).
 */
static const char *const plan_gw_proto_names[] = {"HTTP", "HTTPS", "TLS", "TCP", "UDP"};

static enum plan_gw_proto
plan_gw_proto(const struct mf_gw_listener *l)
{
    for (int i = 0; i < PLAN_GW_OTHER; i++)
        if (l->protocol.v != NULL && strcasecmp(l->protocol.v, plan_gw_proto_names[i]) == 0)
            return (enum plan_gw_proto)i;
    return PLAN_GW_OTHER;
}

/* Listeners that could share a port: same protocol family on the same transport. */
static bool
plan_gw_same_family(const struct mf_gw_listener *a, const struct mf_gw_listener *b)
{
    enum plan_gw_proto pa = plan_gw_proto(a), pb = plan_gw_proto(b);

    if (pa == PLAN_GW_TLS)
        pa = PLAN_GW_HTTPS;
    if (pb == PLAN_GW_TLS)
        pb = PLAN_GW_HTTPS;
    if (pa == PLAN_GW_OTHER && pb == PLAN_GW_OTHER)
        return strcasecmp(plan_gw_or(&a->protocol, ""), plan_gw_or(&b->protocol, "")) == 0;
    return pa == pb;
}

static bool
plan_gw_same_hostname(const struct mf_gw_listener *a, const struct mf_gw_listener *b)
{
    if (a->hostname.v == NULL || b->hostname.v == NULL)
        return a->hostname.v == NULL && b->hostname.v == NULL;
    return strcasecmp(a->hostname.v, b->hostname.v) == 0;
}

/* Conflicted: the reason and a message naming the first other listener. */
static const char *
plan_gw_conflict(const struct mf_gateway_spec *spec, uint32_t li, char *msg, size_t cap)
{
    const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, li);
    bool udp = plan_gw_proto(l) == PLAN_GW_UDP;

    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *o = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        if (i == li || o->port.v != l->port.v || (plan_gw_proto(o) == PLAN_GW_UDP) != udp)
            continue;
        if (!plan_gw_same_family(l, o)) {
            snprintf(msg, cap, "listener \"%s\" uses port %lld with protocol %s",
                     plan_gw_or(&o->name, ""), (long long)o->port.v, plan_gw_or(&o->protocol, ""));
            return "ProtocolConflict";
        }
    }
    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *o = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        if (i != li && o->port.v == l->port.v && plan_gw_same_family(l, o) &&
            plan_gw_same_hostname(l, o)) {
            snprintf(msg, cap, "listener \"%s\" on port %lld has the same hostname",
                     plan_gw_or(&o->name, ""), (long long)o->port.v);
            return "HostnameConflict";
        }
    }
    return NULL;
}

/* One certificateRef: NULL when it resolves, else the reason (msg says why). */
static const char *
plan_gw_cert_ref(const struct plan_gw_ctx *g, const struct mf_object *gw,
                 const struct mf_gw_objref *r, uint32_t i, char *msg, size_t cap)
{
    const char *group = plan_gw_or(&r->group, ""), *kind = plan_gw_or(&r->kind, "Secret");
    const char *ns = plan_gw_or(&r->namespace, gw->ns), *name = plan_gw_or(&r->name, "");
    const struct mf_object *o;
    const struct mf_secret *s;

    if (group[0] != '\0' || strcmp(kind, "Secret") != 0) {
        snprintf(msg, cap,
                 "certificateRefs[%u]: %s%s%s is not supported: metalgate reads "
                 "certificates from Secrets",
                 i, group, group[0] ? "/" : "", kind);
        return "InvalidCertificateRef";
    }
    if (strcmp(ns, gw->ns) != 0 && !plan_gw_granted(g, ns, "Gateway", gw->ns, "Secret", name)) {
        snprintf(msg, cap,
                 "certificateRefs[%u]: Secret %s/%s is in another namespace and no "
                 "ReferenceGrant in \"%s\" allows Gateways of \"%s\" to use it",
                 i, ns, name, ns, gw->ns);
        return "RefNotPermitted";
    }
    o = plan_gw_lookup(g, MF_KIND_SECRET, ns, name);
    if (o == NULL) {
        snprintf(msg, cap, "certificateRefs[%u]: Secret %s/%s does not exist", i, ns, name);
        return "InvalidCertificateRef";
    }
    s = o->body;
    if (!mf_str_eq(&s->type, "kubernetes.io/tls")) {
        snprintf(msg, cap,
                 "certificateRefs[%u]: Secret %s/%s is of type %s, not "
                 "kubernetes.io/tls",
                 i, ns, name, plan_gw_or(&s->type, "Opaque"));
        return "InvalidCertificateRef";
    }
    if (mf_secret_get(s, "tls.crt") == NULL || mf_secret_get(s, "tls.key") == NULL) {
        snprintf(msg, cap, "certificateRefs[%u]: Secret %s/%s has no tls.crt or no tls.key", i, ns,
                 name);
        return "InvalidCertificateRef";
    }
    return NULL;
}

static const char *
plan_gw_certs(const struct plan_gw_ctx *g, const struct mf_object *gw,
              const struct mf_gw_listener *l, char *msg, size_t cap)
{
    const char *why = NULL;

    if (l->tls == NULL || (l->tls->mode.v != NULL && !mf_str_eq(&l->tls->mode, "Terminate")))
        return NULL;
    for (uint32_t i = 0; i < l->tls->certificate_refs.n && why == NULL; i++)
        why = plan_gw_cert_ref(g, gw, MF_LIST_AT(l->tls->certificate_refs, struct mf_gw_objref, i),
                               i, msg, cap);
    return why;
}

/* allowedRoutes.kinds: sets ls->http_route; InvalidRouteKinds for any other kind. */
static const char *
plan_gw_kinds(const struct mf_gw_listener *l, struct plan_gw_lstate *ls, char *msg, size_t cap)
{
    enum plan_gw_proto p = plan_gw_proto(l);
    const struct mf_list *kinds = l->allowed_routes ? &l->allowed_routes->kinds : NULL;
    const char *why = NULL;

    ls->http_route = false;
    if (p != PLAN_GW_HTTP && p != PLAN_GW_HTTPS)
        return NULL;
    if (kinds == NULL || kinds->n == 0) {
        ls->http_route = true;
        return NULL;
    }
    for (uint32_t i = 0; i < kinds->n; i++) {
        const struct mf_gw_route_kind *k = MF_LIST_AT(*kinds, struct mf_gw_route_kind, i);
        const char *group = plan_gw_or(&k->group, MF_GW_GROUP);
        if (strcmp(group, MF_GW_GROUP) == 0 && mf_str_eq(&k->kind, "HTTPRoute")) {
            ls->http_route = true;
        } else if (why == NULL) {
            snprintf(msg, cap, "kind %s%s%s is not supported: the listener serves HTTPRoute",
                     strcmp(group, MF_GW_GROUP) != 0 ? group : "",
                     strcmp(group, MF_GW_GROUP) != 0 ? "/" : "", plan_gw_or(&k->kind, ""));
            why = "InvalidRouteKinds";
        }
    }
    return why;
}

/* Why a listener is not usable (the reason of its first failing condition), or NULL. */
static const char *
plan_gw_unusable(bool supported, const char *conflict, const char *certs,
                 const struct plan_gw_lstate *ls)
{
    if (!supported)
        return "UnsupportedProtocol";
    if (conflict != NULL)
        return conflict;
    if (certs != NULL)
        return certs;
    return ls->http_route ? NULL : "InvalidRouteKinds";
}

/* Accepted, Conflicted and ResolvedRefs of listener li; Programmed comes later. */
static void
plan_gw_listener(struct plan_gw_ctx *g, size_t gi, uint32_t li)
{
    const struct mf_object *gw = g->gw_objs[gi];
    const struct mf_gateway_spec *spec = ((const struct mf_gateway *)gw->body)->spec;
    struct plan_listener *out = &g->c->p->gateways[gi].listeners[li];
    struct plan_gw_lstate *ls = &g->lstates[gi][li];
    enum plan_gw_proto p = plan_gw_proto(ls->spec);
    bool supported = p == PLAN_GW_HTTP || p == PLAN_GW_HTTPS;
    char msg[PLAN_GW_MSG] = "", cmsg[PLAN_GW_MSG] = "", kmsg[PLAN_GW_MSG] = "";
    const char *conflict, *certs, *kinds;

    if (supported)
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", true, "Accepted",
                     "listener is accepted");
    else
        plan_gw_cond(g->c, &out->conditions[0], "Accepted", false, "UnsupportedProtocol",
                     "metalgate serves HTTP and HTTPS listeners; protocol %s is not supported",
                     plan_gw_or(&ls->spec->protocol, ""));
    conflict = plan_gw_conflict(spec, li, msg, sizeof(msg));
    if (conflict != NULL)
        plan_gw_cond(g->c, &out->conditions[1], "Conflicted", true, conflict, "%s", msg);
    else
        plan_gw_cond(g->c, &out->conditions[1], "Conflicted", false, "NoConflicts", "no conflicts");
    certs = plan_gw_certs(g, gw, ls->spec, cmsg, sizeof(cmsg));
    kinds = plan_gw_kinds(ls->spec, ls, kmsg, sizeof(kmsg));
    if (certs != NULL || kinds != NULL)
        plan_gw_cond(g->c, &out->conditions[2], "ResolvedRefs", false, certs ? certs : kinds, "%s",
                     certs ? cmsg : kmsg);
    else
        plan_gw_cond(g->c, &out->conditions[2], "ResolvedRefs", true, "ResolvedRefs",
                     "all references are resolved");
    ls->why = plan_gw_unusable(supported, conflict, certs, ls);
    out->usable = ls->why == NULL;
}

static void
plan_gw_listener_programmed(struct plan_gw_ctx *g, size_t gi, uint32_t li)
{
    struct plan_gateway *gw = &g->c->p->gateways[gi];
    struct plan_listener *out = &gw->listeners[li];
    struct plan_condition *cond = &out->conditions[3];

    out->programmed = out->usable && gw->accepted && gw->nips > 0;
    if (out->programmed)
        plan_gw_cond(g->c, cond, "Programmed", true, "Programmed", "listener is programmed");
    else if (!out->usable)
        plan_gw_cond(g->c, cond, "Programmed", false, "Invalid", "listener is not valid: %s",
                     g->lstates[gi][li].why);
    else if (!gw->accepted)
        plan_gw_cond(g->c, cond, "Programmed", false, "Invalid", "the Gateway is not accepted: %s",
                     gw->conditions[0].reason);
    else
        plan_gw_cond(g->c, cond, "Programmed", false, "Pending", "the Gateway has no address");
}

/* ---- gateways ------------------------------------------------------------ */

/* UnsupportedAddress: NULL, or why spec.addresses cannot be served. */
static const char *
plan_gw_address_problem(const struct mf_gateway_spec *spec, char *msg, size_t cap)
{
    struct ip_addr ips[2];
    uint32_t n = 0;

    for (uint32_t i = 0; i < spec->addresses.n; i++) {
        const struct mf_gw_address *a = MF_LIST_AT(spec->addresses, struct mf_gw_address, i);
        if (a->type.v != NULL && !mf_str_eq(&a->type, "IPAddress")) {
            snprintf(msg, cap,
                     "spec.addresses[%u]: address type %s is not supported: metalgate "
                     "assigns IPAddress addresses only",
                     i, a->type.v);
            return msg;
        }
        if (a->value.v == NULL)
            continue;
        if (n == 2 || ip_parse(a->value.v, a->value.len, &ips[n]) != 0 ||
            (n == 1 && ips[0].family == ips[1].family)) {
            snprintf(msg, cap,
                     "spec.addresses: at most one IPv4 and one IPv6 address are "
                     "supported");
            return msg;
        }
        n++;
    }
    return NULL;
}

/* The services entry IPAM made for Gateway ns/name (sorted by ns, name, kind). */
static const struct plan_service *
plan_gw_service(const struct plan *p, const char *ns, const char *name)
{
    size_t lo = 0, hi = p->nservices;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct plan_service *s = &p->services[mid];
        int r = strcmp(s->ns, ns);
        if (r == 0)
            r = strcmp(s->name, name);
        if (r == 0)
            r = strcmp(s->kind, "Gateway");
        if (r == 0)
            return s;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void
plan_gw_accepted(struct plan_gw_ctx *g, size_t gi)
{
    struct plan_gateway *gw = &g->c->p->gateways[gi];
    const struct mf_gateway_spec *spec = ((const struct mf_gateway *)g->gw_objs[gi]->body)->spec;
    char msg[PLAN_GW_MSG], bad[PLAN_GW_MSG] = "";
    const struct mf_gw_objref *params =
        spec->infrastructure ? spec->infrastructure->parameters_ref : NULL;
    size_t usable = 0;

    for (size_t i = 0; i < gw->nlisteners; i++) {
        if (gw->listeners[i].usable)
            usable++;
        else
            plan_gw_append(bad, sizeof(bad), "%s%s (%s)", bad[0] ? ", " : "", gw->listeners[i].name,
                           g->lstates[gi][i].why);
    }
    gw->accepted = false;
    if (params != NULL)
        plan_gw_cond(g->c, &gw->conditions[0], "Accepted", false, "InvalidParameters",
                     "spec.infrastructure.parametersRef: metalgate takes no implementation "
                     "parameters, %s %s cannot be used",
                     plan_gw_or(&params->kind, ""), plan_gw_or(&params->name, ""));
    else if (plan_gw_address_problem(spec, msg, sizeof(msg)) != NULL)
        plan_gw_cond(g->c, &gw->conditions[0], "Accepted", false, "UnsupportedAddress", "%s", msg);
    else if (usable == 0)
        plan_gw_cond(g->c, &gw->conditions[0], "Accepted", false, "ListenersNotValid",
                     "no listener is valid: %s", bad);
    else
        gw->accepted = true;
    if (gw->accepted)
        plan_gw_cond(g->c, &gw->conditions[0], "Accepted", true, "Accepted",
                     "Gateway is accepted%s%s", bad[0] ? "; listeners not valid: " : "", bad);
}

static void
plan_gw_programmed(struct plan_gw_ctx *g, size_t gi)
{
    struct plan_gateway *gw = &g->c->p->gateways[gi];
    const struct plan_service *s = plan_gw_service(g->c->p, gw->ns, gw->name);

    gw->programmed = gw->accepted && gw->nips > 0;
    if (!gw->accepted)
        plan_gw_cond(g->c, &gw->conditions[1], "Programmed", false, "Invalid",
                     "Gateway is not accepted: %s", gw->conditions[0].reason);
    else if (gw->nips == 0)
        plan_gw_cond(g->c, &gw->conditions[1], "Programmed", false, "AddressNotAssigned",
                     "no address assigned%s%s", s && s->reason ? ": " : "",
                     s && s->reason ? s->reason : "");
    else
        plan_gw_cond(g->c, &gw->conditions[1], "Programmed", true, "Programmed",
                     "Gateway is programmed");
}

static void
plan_gw_fill(struct plan_gw_ctx *g, size_t gi)
{
    struct plan_gateway *gw = &g->c->p->gateways[gi];
    const struct mf_gateway_spec *spec = ((const struct mf_gateway *)g->gw_objs[gi]->body)->spec;
    const struct plan_service *s = plan_gw_service(g->c->p, gw->ns, gw->name);

    if (s != NULL) {
        memcpy(gw->ips, s->ips, sizeof(gw->ips));
        gw->nips = s->nips;
    }
    gw->nlisteners = spec->listeners.n;
    gw->listeners = plan_alloc(g->c, (gw->nlisteners + 1) * sizeof(*gw->listeners));
    g->lstates[gi] = plan_alloc(g->c, (gw->nlisteners + 1) * sizeof(*g->lstates[gi]));
    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        struct plan_listener *out = &gw->listeners[i];
        memset(&g->lstates[gi][i], 0, sizeof(g->lstates[gi][i]));
        g->lstates[gi][i].spec = l;
        out->name = plan_strdup(g->c, plan_gw_or(&l->name, ""));
        out->port = (uint16_t)l->port.v;
        out->protocol = plan_strdup(g->c, plan_gw_or(&l->protocol, ""));
        out->hostname = l->hostname.v ? plan_strdup(g->c, l->hostname.v) : NULL;
        out->nconditions = 4;
        out->conditions = plan_alloc(g->c, 4 * sizeof(*out->conditions));
        plan_gw_listener(g, gi, i);
    }
    gw->nconditions = 2;
    gw->conditions = plan_alloc(g->c, 2 * sizeof(*gw->conditions));
    plan_gw_accepted(g, gi);
    plan_gw_programmed(g, gi);
    for (uint32_t i = 0; i < spec->listeners.n; i++)
        plan_gw_listener_programmed(g, gi, i);
}

static bool
plan_gw_is_ours(const struct plan_ctx *c, const struct mf_object *o)
{
    return o->errors == 0 && o->ns != NULL && plan_gateway_is_ours(c, o->body);
}

/* The Gateways of our classes, sorted, with gw_objs in the same order. */
static void
plan_gw_collect(struct plan_gw_ctx *g)
{
    struct plan *p = g->c->p;
    size_t n = 0;

    for (size_t i = 0; i < g->nindex; i++)
        if (g->index[i].kind == MF_KIND_GATEWAY && plan_gw_is_ours(g->c, g->index[i].obj))
            n++;
    p->gateways = plan_alloc(g->c, (n + 1) * sizeof(*p->gateways));
    g->gw_objs = plan_alloc(g->c, (n + 1) * sizeof(*g->gw_objs));
    g->lstates = plan_alloc(g->c, (n + 1) * sizeof(*g->lstates));
    /* The index is sorted by (kind, ns, name): Gateways come out in plan order. */
    for (size_t i = 0; i < g->nindex; i++) {
        const struct mf_object *o = g->index[i].obj;
        if (g->index[i].kind != MF_KIND_GATEWAY || !plan_gw_is_ours(g->c, o))
            continue;
        g->gw_objs[p->ngateways] = o;
        p->gateways[p->ngateways].ns = plan_strdup(g->c, o->ns);
        p->gateways[p->ngateways].name = plan_strdup(g->c, o->name);
        p->ngateways++;
    }
}

static bool
plan_gw_wanted(const struct mf_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        enum mf_kind_id k = set->objects[i].kind->id;
        if (k == MF_KIND_GATEWAY || k == MF_KIND_HTTPROUTE || k == MF_KIND_RATELIMITPOLICY ||
            k == MF_KIND_AUTHPOLICY || k == MF_KIND_DNSPOLICY || k == MF_KIND_TLSPOLICY)
            return true;
    }
    return false;
}

void
plan_build_gateways(struct plan_ctx *c)
{
    struct plan_gw_ctx g;

    /* Configurations of plain MetalLB objects pay nothing for this. */
    if (!plan_gw_wanted(c->in->set))
        return;
    memset(&g, 0, sizeof(g));
    g.c = c;
    plan_gw_build_index(&g);
    plan_gw_collect(&g);
    for (size_t i = 0; i < c->p->ngateways; i++)
        plan_gw_fill(&g, i);
    plan_build_routes(&g);
    plan_build_policies(&g);
}

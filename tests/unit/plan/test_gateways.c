/*
 * Gateway API and Kuadrant status in the plan: the gateways, routes and
 * policies sections. Each scenario is written as the manifests a user would
 * give; the conformance cases are the numbered entries of the HTTPRoute
 * catalogue (shared/reference/kuadrant-gateway.md 1.11), checked on status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "model/model.h"
#include "plan/plan.h"

#define GW "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
#define RT "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
#define RG "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
#define NS "apiVersion: v1\nkind: Namespace\n"
#define SVC "apiVersion: v1\nkind: Service\n"
#define KQ "apiVersion: kuadrant.io/v1\n"
#define END "---\n"

static const char *const BASE =
    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
    "metadata: {name: pool, namespace: metallb-system}\nspec: {addresses: [10.0.0.0/24]}\n" END
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: mg}\n"
    "spec: {controllerName: metalgate.io/gateway-controller}\n" END
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: other}\n"
    "spec: {controllerName: example.com/gateway}\n" END;

/* The conformance fixture: namespaces, the three Gateways and the backends. */
static const char *const INFRA =
    NS "metadata: {name: gateway-conformance-infra}\n" END
    NS "metadata: {name: gateway-conformance-web-backend, labels: {gateway-conformance: backend}}\n" END
    NS "metadata: {name: gateway-conformance-app-backend, labels: {gateway-conformance: backend}}\n" END
    GW "metadata: {name: same-namespace, namespace: gateway-conformance-infra}\n"
    "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP,\n"
    "  allowedRoutes: {namespaces: {from: Same}}}]}\n" END
    GW "metadata: {name: all-namespaces, namespace: gateway-conformance-infra}\n"
    "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP,\n"
    "  allowedRoutes: {namespaces: {from: All}}}]}\n" END
    GW "metadata: {name: backend-namespaces, namespace: gateway-conformance-infra}\n"
    "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP,\n"
    "  allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {gateway-conformance: backend}}}}}]}\n" END
    SVC "metadata: {name: infra-backend-v1, namespace: gateway-conformance-infra}\nspec: {ports: [{port: 8080}]}\n" END
    SVC "metadata: {name: infra-backend-v2, namespace: gateway-conformance-infra}\nspec: {ports: [{port: 8080}]}\n" END
    SVC "metadata: {name: infra-backend-v3, namespace: gateway-conformance-infra}\nspec: {ports: [{port: 8080}]}\n" END
    SVC "metadata: {name: web-backend, namespace: gateway-conformance-web-backend}\nspec: {ports: [{port: 8080}]}\n" END;

static struct plan *
build(struct fixture *f, ...)
{
    struct plan *p;
    va_list ap;

    va_start(ap, f);
    p = fixture_buildv(f, "node-a", NULL, ap);
    va_end(ap);
    return p;
}

static void
release(struct fixture *f)
{
    fixture_release(f);
}

/* ---- lookups and checks -------------------------------------------------- */

static const struct plan_gateway *
gateway(const struct plan *p, const char *ns, const char *name)
{
    for (size_t i = 0; i < p->ngateways; i++)
        if (strcmp(p->gateways[i].ns, ns) == 0 && strcmp(p->gateways[i].name, name) == 0)
            return &p->gateways[i];
    fail_msg("no gateway %s/%s in plan", ns, name);
    return NULL;
}

static const struct plan_listener *
listener(const struct plan_gateway *g, const char *name)
{
    for (size_t i = 0; i < g->nlisteners; i++)
        if (strcmp(g->listeners[i].name, name) == 0)
            return &g->listeners[i];
    fail_msg("no listener %s in gateway %s", name, g->name);
    return NULL;
}

static const struct plan_route *
route(const struct plan *p, const char *ns, const char *name)
{
    for (size_t i = 0; i < p->nroutes; i++)
        if (strcmp(p->routes[i].ns, ns) == 0 && strcmp(p->routes[i].name, name) == 0)
            return &p->routes[i];
    fail_msg("no route %s/%s in plan", ns, name);
    return NULL;
}

static const struct plan_route_parent *
parent(const struct plan_route *r, size_t i)
{
    if (i >= r->nparents)
        fail_msg("route %s has %zu parents, not %zu", r->name, r->nparents, i + 1);
    return &r->parents[i];
}

static const struct plan_policy *
policy(const struct plan *p, const char *kind, const char *ns, const char *name)
{
    for (size_t i = 0; i < p->npolicies; i++)
        if (strcmp(p->policies[i].kind, kind) == 0 && strcmp(p->policies[i].ns, ns) == 0 &&
            strcmp(p->policies[i].name, name) == 0)
            return &p->policies[i];
    fail_msg("no %s %s/%s in plan", kind, ns, name);
    return NULL;
}

/* The condition of that type; checks status and reason; returns its message. */
static const char *
cond(const struct plan_condition *v, size_t n, const char *type, const char *status,
     const char *reason)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].type, type) != 0)
            continue;
        if (strcmp(v[i].status ? "True" : "False", status) != 0 ||
            strcmp(v[i].reason, reason) != 0)
            fail_msg("%s: want %s/%s, got %s/%s (%s)", type, status, reason,
                     v[i].status ? "True" : "False", v[i].reason, v[i].message);
        return v[i].message;
    }
    fail_msg("no condition %s", type);
    return NULL;
}

#define GW_COND(g, type, status, reason) cond((g)->conditions, (g)->nconditions, type, status, reason)

/* The hostnames a parent serves on listener lname, joined with ','; "" = every host. */
static const char *
hosts(const struct plan *p, const struct plan_route_parent *r, const char *lname, char *buf,
      size_t cap)
{
    const struct plan_gateway *g = &p->gateways[r->gateway];

    for (size_t i = 0; i < r->nbindings; i++) {
        if (strcmp(g->listeners[r->bindings[i].listener].name, lname) != 0)
            continue;
        buf[0] = '\0';
        for (size_t j = 0; j < r->bindings[i].nhostnames; j++)
            snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", j ? "," : "",
                     r->bindings[i].hostnames[j]);
        return buf;
    }
    fail_msg("route parent %s is not bound to listener %s", r->gateway_ref, lname);
    return NULL;
}

/* ---- gateways ------------------------------------------------------------ */

static void
seed_like_gateway_is_accepted_and_programmed(void **state)
{
    struct fixture f;
    const char *m =
        NS "metadata: {name: web}\n" END
        GW "metadata: {name: api, namespace: web}\n"
        "spec: {gatewayClassName: mg, addresses: [{type: IPAddress, value: 10.0.0.20}],\n"
        "  listeners: [{name: http, port: 80, protocol: HTTP, hostname: '*.apps.example.com'}]}\n" END
        SVC "metadata: {name: news, namespace: web}\nspec: {ports: [{port: 80}]}\n" END
        RT "metadata: {name: news, namespace: web}\n"
        "spec: {parentRefs: [{name: api, sectionName: http}], hostnames: [news.apps.example.com],\n"
        "  rules: [{backendRefs: [{name: news, port: 80}]}]}\n" END;
    const struct plan_gateway *g;
    const struct plan_listener *l;
    const struct plan_route_parent *r;
    char buf[IP_STRLEN];

    (void)state;
    build(&f, BASE, m, NULL);
    assert_int_equal(f.plan->ngateways, 1);
    g = gateway(f.plan, "web", "api");
    assert_int_equal(g->nips, 1);
    assert_string_equal(ip_format(&g->ips[0], buf), "10.0.0.20");
    assert_true(g->accepted && g->programmed);
    GW_COND(g, "Accepted", "True", "Accepted");
    GW_COND(g, "Programmed", "True", "Programmed");
    l = listener(g, "http");
    assert_int_equal(l->nconditions, 4);
    assert_string_equal(l->conditions[0].type, "Accepted");
    assert_string_equal(l->conditions[1].type, "Conflicted");
    assert_string_equal(l->conditions[2].type, "ResolvedRefs");
    assert_string_equal(l->conditions[3].type, "Programmed");
    GW_COND(l, "Conflicted", "False", "NoConflicts");
    GW_COND(l, "Programmed", "True", "Programmed");
    assert_int_equal(l->attached_routes, 1);
    r = parent(route(f.plan, "web", "news"), 0);
    assert_string_equal(r->gateway_ref, "web/api");
    assert_string_equal(r->section_name, "http");
    GW_COND(r, "Accepted", "True", "Accepted");
    GW_COND(r, "ResolvedRefs", "True", "ResolvedRefs");
    assert_string_equal(hosts(f.plan, r, "http", buf, sizeof(buf)), "news.apps.example.com");
    release(&f);
}

static void
gateways_of_other_classes_are_not_listed(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: theirs, namespace: web}\n"
        "spec: {gatewayClassName: other, listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END
        RT "metadata: {name: r, namespace: web}\nspec: {parentRefs: [{name: theirs}]}\n" END;

    (void)state;
    build(&f, BASE, m, NULL);
    assert_int_equal(f.plan->ngateways, 0);
    /* The route is listed, but a parent of another controller is left out. */
    assert_int_equal(f.plan->nroutes, 1);
    assert_int_equal(route(f.plan, "web", "r")->nparents, 0);
    release(&f);
}

static void
hostname_address_is_unsupported(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: named, namespace: web}\n"
        "spec: {gatewayClassName: mg, addresses: [{type: Hostname, value: gw.example.com}],\n"
        "  listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END;
    const struct plan_gateway *g;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "named");
    assert_false(g->accepted);
    assert_non_null(strstr(GW_COND(g, "Accepted", "False", "UnsupportedAddress"), "Hostname"));
    GW_COND(g, "Programmed", "False", "Invalid");
    GW_COND(&g->listeners[0], "Programmed", "False", "Invalid");
    release(&f);
}

static void
parameters_ref_is_invalid_parameters(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: params, namespace: web}\n"
        "spec: {gatewayClassName: mg, infrastructure: {parametersRef: {group: example.com, kind: Params, name: p}},\n"
        "  listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END;
    const struct plan_gateway *g;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "params");
    GW_COND(g, "Accepted", "False", "InvalidParameters");
    GW_COND(g, "Programmed", "False", "Invalid");
    release(&f);
}

static void
only_unsupported_listeners_is_listeners_not_valid(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: tcp, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: db, port: 5432, protocol: TCP}]}\n" END
        GW "metadata: {name: mixed, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: db, port: 5432, protocol: TCP},\n"
        "  {name: http, port: 80, protocol: HTTP}]}\n" END;
    const struct plan_gateway *g;
    const char *msg;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "tcp");
    msg = GW_COND(g, "Accepted", "False", "ListenersNotValid");
    assert_string_equal(msg, "no listener is valid: db (UnsupportedProtocol)");
    GW_COND(g, "Programmed", "False", "Invalid");
    GW_COND(&g->listeners[0], "Accepted", "False", "UnsupportedProtocol");
    GW_COND(&g->listeners[0], "Programmed", "False", "Invalid");
    /* One good listener is enough: accepted, and the bad one is named. */
    g = gateway(f.plan, "web", "mixed");
    msg = GW_COND(g, "Accepted", "True", "Accepted");
    assert_non_null(strstr(msg, "db (UnsupportedProtocol)"));
    GW_COND(g, "Programmed", "True", "Programmed");
    GW_COND(listener(g, "http"), "Programmed", "True", "Programmed");
    release(&f);
}

static void
no_address_is_address_not_assigned(void **state)
{
    struct fixture f;
    const char *pool = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
                       "metadata: {name: pool, namespace: metallb-system}\nspec: {addresses: [10.0.0.0/32]}\n" END
                       "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: mg}\n"
                       "spec: {controllerName: metalgate.io/gateway-controller}\n" END;
    const char *m =
        GW "metadata: {name: a, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END
        GW "metadata: {name: b, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END;
    const struct plan_gateway *g;

    (void)state;
    build(&f, pool, m, NULL);
    GW_COND(gateway(f.plan, "web", "a"), "Programmed", "True", "Programmed");
    g = gateway(f.plan, "web", "b");
    assert_int_equal(g->nips, 0);
    GW_COND(g, "Accepted", "True", "Accepted");
    assert_non_null(strstr(GW_COND(g, "Programmed", "False", "AddressNotAssigned"), "no available IPs"));
    GW_COND(&g->listeners[0], "Programmed", "False", "Pending");
    assert_false(g->listeners[0].programmed);
    assert_true(g->listeners[0].usable);
    release(&f);
}

static void
http_and_https_on_one_port_conflict(void **state)
{
    struct fixture f;
    const char *m =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: cert, namespace: web}\ntype: kubernetes.io/tls\n"
        "stringData: {tls.crt: c, tls.key: k}\n" END
        GW "metadata: {name: g, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: http, port: 8443, protocol: HTTP},\n"
        "  {name: https, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}},\n"
        "  {name: other, port: 80, protocol: HTTP}]}\n" END;
    const struct plan_gateway *g;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "g");
    /* No winner among conflicted listeners: both lose. */
    assert_non_null(strstr(GW_COND(listener(g, "http"), "Conflicted", "True", "ProtocolConflict"),
                           "\"https\""));
    GW_COND(listener(g, "https"), "Conflicted", "True", "ProtocolConflict");
    GW_COND(listener(g, "https"), "Programmed", "False", "Invalid");
    GW_COND(listener(g, "other"), "Conflicted", "False", "NoConflicts");
    GW_COND(g, "Accepted", "True", "Accepted");
    release(&f);
}

static void
https_and_tls_with_one_hostname_conflict(void **state)
{
    struct fixture f;
    const char *m =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: cert, namespace: web}\ntype: kubernetes.io/tls\n"
        "stringData: {tls.crt: c, tls.key: k}\n" END
        GW "metadata: {name: g, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: https, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert}]}},\n"
        "  {name: tls, port: 443, protocol: TLS, hostname: a.example.com, tls: {mode: Passthrough}},\n"
        "  {name: other, port: 443, protocol: HTTPS, hostname: b.example.com, tls: {certificateRefs: [{name: cert}]}}]}\n" END;
    const struct plan_gateway *g;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "g");
    GW_COND(listener(g, "https"), "Conflicted", "True", "HostnameConflict");
    GW_COND(listener(g, "tls"), "Conflicted", "True", "HostnameConflict");
    GW_COND(listener(g, "tls"), "Accepted", "False", "UnsupportedProtocol");
    GW_COND(listener(g, "other"), "Conflicted", "False", "NoConflicts");
    GW_COND(listener(g, "other"), "Programmed", "True", "Programmed");
    release(&f);
}

static void
certificate_refs_must_be_tls_secrets(void **state)
{
    struct fixture f;
    const char *m =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: opaque, namespace: web}\n"
        "stringData: {tls.crt: c, tls.key: k}\n" END
        GW "metadata: {name: g, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: missing, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: nope}]}},\n"
        "  {name: opaque, port: 443, protocol: HTTPS, hostname: b.example.com, tls: {certificateRefs: [{name: opaque}]}}]}\n" END
        RT "metadata: {name: r, namespace: web}\nspec: {parentRefs: [{name: g, sectionName: missing}]}\n" END;
    const struct plan_gateway *g;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "g");
    assert_string_equal(GW_COND(listener(g, "missing"), "ResolvedRefs", "False", "InvalidCertificateRef"),
                        "certificateRefs[0]: Secret web/nope does not exist");
    assert_non_null(strstr(GW_COND(listener(g, "opaque"), "ResolvedRefs", "False", "InvalidCertificateRef"),
                           "of type Opaque, not kubernetes.io/tls"));
    GW_COND(listener(g, "opaque"), "Programmed", "False", "Invalid");
    GW_COND(g, "Accepted", "False", "ListenersNotValid");
    /* No route attaches to a listener whose certificate does not resolve. */
    r = parent(route(f.plan, "web", "r"), 0);
    assert_non_null(strstr(GW_COND(r, "Accepted", "False", "NotAllowedByListeners"),
                           "is not valid (InvalidCertificateRef)"));
    assert_int_equal(listener(g, "missing")->attached_routes, 0);
    release(&f);
}

static void
cross_namespace_certificate_needs_a_reference_grant(void **state)
{
    struct fixture f;
    const char *secret =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: cert, namespace: certs}\ntype: kubernetes.io/tls\n"
        "stringData: {tls.crt: c, tls.key: k}\n" END
        GW "metadata: {name: g, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert, namespace: certs}]}}]}\n" END;
    const char *grant =
        RG "metadata: {name: gateways, namespace: certs}\n"
        "spec: {from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: web}],\n"
        "  to: [{group: '', kind: Secret}]}\n" END;
    const char *wrong =
        RG "metadata: {name: routes, namespace: certs}\n"
        "spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}],\n"
        "  to: [{group: '', kind: Secret}]}\n" END;

    (void)state;
    build(&f, BASE, secret, wrong, NULL);
    assert_non_null(strstr(GW_COND(&gateway(f.plan, "web", "g")->listeners[0], "ResolvedRefs", "False",
                                   "RefNotPermitted"),
                           "no ReferenceGrant in \"certs\""));
    release(&f);
    build(&f, BASE, secret, grant, NULL);
    GW_COND(&gateway(f.plan, "web", "g")->listeners[0], "ResolvedRefs", "True", "ResolvedRefs");
    GW_COND(&gateway(f.plan, "web", "g")->listeners[0], "Programmed", "True", "Programmed");
    release(&f);
}

static void
unsupported_route_kinds_are_invalid_route_kinds(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: g, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: both, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}, {kind: HTTPRoute}]}},\n"
        "  {name: grpc, port: 8080, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}]}\n" END
        RT "metadata: {name: r, namespace: web}\nspec: {parentRefs: [{name: g}]}\n" END;
    const struct plan_gateway *g;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, m, NULL);
    g = gateway(f.plan, "web", "g");
    /* HTTPRoute is still served where it is listed next to an unknown kind. */
    GW_COND(listener(g, "both"), "ResolvedRefs", "False", "InvalidRouteKinds");
    GW_COND(listener(g, "both"), "Programmed", "True", "Programmed");
    GW_COND(listener(g, "grpc"), "ResolvedRefs", "False", "InvalidRouteKinds");
    GW_COND(listener(g, "grpc"), "Programmed", "False", "Invalid");
    r = parent(route(f.plan, "web", "r"), 0);
    GW_COND(r, "Accepted", "True", "Accepted");
    assert_int_equal(r->nbindings, 1);
    assert_int_equal(listener(g, "both")->attached_routes, 1);
    assert_int_equal(listener(g, "grpc")->attached_routes, 0);
    release(&f);
}

/* ---- routes: conformance attachment cases -------------------------------- */

#define INFRA_NS "gateway-conformance-infra"
#define WEB_NS "gateway-conformance-web-backend"

static void
conformance_1_simple_same_namespace(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: gateway-conformance-infra-test, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}], rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;
    const struct plan_route_parent *r;
    char buf[64];

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = parent(route(f.plan, INFRA_NS, "gateway-conformance-infra-test"), 0);
    GW_COND(r, "Accepted", "True", "Accepted");
    GW_COND(r, "ResolvedRefs", "True", "ResolvedRefs");
    assert_null(r->section_name);
    assert_string_equal(hosts(f.plan, r, "http", buf, sizeof(buf)), ""); /* every host */
    assert_int_equal(gateway(f.plan, INFRA_NS, "same-namespace")->listeners[0].attached_routes, 1);
    release(&f);
}

static void
conformance_2_cross_namespace_by_selector(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: cross-namespace, namespace: gateway-conformance-web-backend}\n"
        "spec: {parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}],\n"
        "  rules: [{backendRefs: [{name: web-backend, port: 8080}]}]}\n" END
        NS "metadata: {name: elsewhere}\n" END
        RT "metadata: {name: unlabelled, namespace: elsewhere}\n"
        "spec: {parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}]}\n" END;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = parent(route(f.plan, WEB_NS, "cross-namespace"), 0);
    GW_COND(r, "Accepted", "True", "Accepted");
    GW_COND(r, "ResolvedRefs", "True", "ResolvedRefs");
    r = parent(route(f.plan, "elsewhere", "unlabelled"), 0);
    assert_non_null(strstr(GW_COND(r, "Accepted", "False", "NotAllowedByListeners"),
                           "selects other namespaces"));
    assert_int_equal(gateway(f.plan, INFRA_NS, "backend-namespaces")->listeners[0].attached_routes, 1);
    release(&f);
}

static void
selector_sees_the_implicit_namespace_name_label(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: by-name, namespace: gateway-conformance-infra}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP,\n"
        "  allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions:\n"
        "    [{key: kubernetes.io/metadata.name, operator: In, values: [team-a]}]}}}}]}\n" END
        RT "metadata: {name: r, namespace: team-a}\n"
        "spec: {parentRefs: [{name: by-name, namespace: gateway-conformance-infra}]}\n" END
        RT "metadata: {name: r, namespace: team-b}\n"
        "spec: {parentRefs: [{name: by-name, namespace: gateway-conformance-infra}]}\n" END;

    (void)state;
    /* team-a has no Namespace manifest: Kubernetes' own label still applies. */
    build(&f, BASE, INFRA, m, NULL);
    GW_COND(parent(route(f.plan, "team-a", "r"), 0), "Accepted", "True", "Accepted");
    GW_COND(parent(route(f.plan, "team-b", "r"), 0), "Accepted", "False", "NotAllowedByListeners");
    release(&f);
}

static void
conformance_3_invalid_cross_namespace_parent_ref(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: invalid-cross-namespace-parent-ref, namespace: gateway-conformance-web-backend}\n"
        "spec: {parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra}],\n"
        "  rules: [{backendRefs: [{name: web-backend, port: 8080}]}]}\n" END
        RT "metadata: {name: from-all, namespace: gateway-conformance-web-backend}\n"
        "spec: {parentRefs: [{name: all-namespaces, namespace: gateway-conformance-infra}]}\n" END;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = parent(route(f.plan, WEB_NS, "invalid-cross-namespace-parent-ref"), 0);
    assert_false(r->accepted);
    assert_int_equal(r->nbindings, 0);
    assert_string_equal(GW_COND(r, "Accepted", "False", "NotAllowedByListeners"),
                        "listener \"http\" allows routes from namespace \"gateway-conformance-infra\" only");
    assert_int_equal(gateway(f.plan, INFRA_NS, "same-namespace")->listeners[0].attached_routes, 0);
    /* from: All takes it. */
    GW_COND(parent(route(f.plan, WEB_NS, "from-all"), 0), "Accepted", "True", "Accepted");
    assert_int_equal(gateway(f.plan, INFRA_NS, "all-namespaces")->listeners[0].attached_routes, 1);
    release(&f);
}

static void
conformance_4_disallowed_kind(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: tlsroutes-only, namespace: gateway-conformance-infra}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough},\n"
        "  allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}}]}\n" END
        RT "metadata: {name: disallowed-kind, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: tlsroutes-only, namespace: gateway-conformance-infra}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = parent(route(f.plan, INFRA_NS, "disallowed-kind"), 0);
    assert_string_equal(GW_COND(r, "Accepted", "False", "NotAllowedByListeners"),
                        "listener \"tls\" does not allow HTTPRoute");
    assert_int_equal(gateway(f.plan, INFRA_NS, "tlsroutes-only")->listeners[0].attached_routes, 0);
    release(&f);
}

static const char *const INTERSECTION =
    GW "metadata: {name: httproute-hostname-intersection, namespace: gateway-conformance-infra}\n"
    "spec: {gatewayClassName: mg, listeners: [\n"
    "  {name: listener-1, port: 80, protocol: HTTP, hostname: very.specific.com},\n"
    "  {name: listener-2, port: 80, protocol: HTTP, hostname: '*.wildcard.io'},\n"
    "  {name: listener-3, port: 80, protocol: HTTP, hostname: '*.anotherwildcard.io'}]}\n" END
    RT "metadata: {name: specific-host-matches-listener-specific-host, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-hostname-intersection}],\n"
    "  hostnames: [non.matching.com, '*.nonmatchingwildcard.io', very.specific.com],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
    RT "metadata: {name: specific-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-hostname-intersection}],\n"
    "  hostnames: [non.matching.com, wildcard.io, foo.wildcard.io, bar.wildcard.io, foo.bar.wildcard.io],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]}\n" END
    RT "metadata: {name: wildcard-host-matches-listener-specific-host, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-hostname-intersection}],\n"
    "  hostnames: [non.matching.com, '*.specific.com'],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]}\n" END
    RT "metadata: {name: wildcard-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-hostname-intersection}],\n"
    "  hostnames: ['*.anotherwildcard.io'],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
    RT "metadata: {name: no-intersecting-hosts, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-hostname-intersection}],\n"
    "  hostnames: [specific.but.wrong.com, wildcard.io],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;

static void
conformance_12_hostname_intersection(void **state)
{
    struct fixture f;
    const struct plan_gateway *g;
    const struct plan_route_parent *r;
    char buf[256];

    (void)state;
    build(&f, BASE, INFRA, INTERSECTION, NULL);
    g = gateway(f.plan, INFRA_NS, "httproute-hostname-intersection");
    assert_int_equal(listener(g, "listener-1")->attached_routes, 2);
    assert_int_equal(listener(g, "listener-2")->attached_routes, 1);
    assert_int_equal(listener(g, "listener-3")->attached_routes, 1);
    r = parent(route(f.plan, INFRA_NS, "specific-host-matches-listener-specific-host"), 0);
    assert_int_equal(r->nbindings, 1);
    assert_string_equal(hosts(f.plan, r, "listener-1", buf, sizeof(buf)), "very.specific.com");
    r = parent(route(f.plan, INFRA_NS, "specific-host-matches-listener-wildcard-host"), 0);
    /* wildcard.io never matches *.wildcard.io; deeper names do. */
    assert_string_equal(hosts(f.plan, r, "listener-2", buf, sizeof(buf)),
                        "bar.wildcard.io,foo.bar.wildcard.io,foo.wildcard.io");
    r = parent(route(f.plan, INFRA_NS, "wildcard-host-matches-listener-specific-host"), 0);
    assert_string_equal(hosts(f.plan, r, "listener-1", buf, sizeof(buf)), "very.specific.com");
    r = parent(route(f.plan, INFRA_NS, "wildcard-host-matches-listener-wildcard-host"), 0);
    assert_string_equal(hosts(f.plan, r, "listener-3", buf, sizeof(buf)), "*.anotherwildcard.io");
    r = parent(route(f.plan, INFRA_NS, "no-intersecting-hosts"), 0);
    assert_non_null(strstr(GW_COND(r, "Accepted", "False", "NoMatchingListenerHostname"),
                           "listener \"listener-2\" (*.wildcard.io)"));
    assert_int_equal(r->nbindings, 0);
    release(&f);
}

static void
conformance_12_hostname_less_listener_serves_the_route_hostnames(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}], hostnames: [b.example.com, a.example.com, '*.wild.example.com']}\n" END;
    char buf[256];

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    assert_string_equal(hosts(f.plan, parent(route(f.plan, INFRA_NS, "r"), 0), "http", buf, sizeof(buf)),
                        "*.wild.example.com,a.example.com,b.example.com");
    release(&f);
}

static void
wildcard_intersections_keep_the_more_specific(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: w, namespace: web}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: wide, port: 80, protocol: HTTP, hostname: '*.example.com'},\n"
        "  {name: deep, port: 8080, protocol: HTTP, hostname: '*.foo.example.com'}]}\n" END
        RT "metadata: {name: r, namespace: web}\n"
        "spec: {parentRefs: [{name: w}], hostnames: ['*.foo.example.com', '*.example.com', example.com]}\n" END;
    const struct plan_route_parent *r;
    char buf[256];

    (void)state;
    build(&f, BASE, m, NULL);
    r = parent(route(f.plan, "web", "r"), 0);
    assert_string_equal(hosts(f.plan, r, "wide", buf, sizeof(buf)), "*.example.com,*.foo.example.com");
    assert_string_equal(hosts(f.plan, r, "deep", buf, sizeof(buf)), "*.foo.example.com");
    release(&f);
}

static const char *const HOSTNAME_MATCHING =
    GW "metadata: {name: httproute-listener-hostname-matching, namespace: gateway-conformance-infra}\n"
    "spec: {gatewayClassName: mg, listeners: [\n"
    "  {name: listener-1, port: 80, protocol: HTTP, hostname: bar.com},\n"
    "  {name: listener-2, port: 80, protocol: HTTP, hostname: foo.bar.com},\n"
    "  {name: listener-3, port: 80, protocol: HTTP, hostname: '*.bar.com'},\n"
    "  {name: listener-4, port: 80, protocol: HTTP, hostname: '*.foo.com'}]}\n" END
    RT "metadata: {name: backend-v1, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-1}],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
    RT "metadata: {name: backend-v2, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-2}],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]}\n" END
    RT "metadata: {name: backend-v3, namespace: gateway-conformance-infra}\n"
    "spec: {parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-3},\n"
    "  {name: httproute-listener-hostname-matching, sectionName: listener-4}],\n"
    "  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]}\n" END;

static void
conformance_13_listener_hostname_matching(void **state)
{
    struct fixture f;
    const struct plan_route *r;
    const struct plan_gateway *g;
    char buf[256];

    (void)state;
    build(&f, BASE, INFRA, HOSTNAME_MATCHING, NULL);
    g = gateway(f.plan, INFRA_NS, "httproute-listener-hostname-matching");
    for (size_t i = 0; i < g->nlisteners; i++)
        assert_int_equal(g->listeners[i].attached_routes, 1);
    r = route(f.plan, INFRA_NS, "backend-v1");
    assert_int_equal(parent(r, 0)->nbindings, 1);
    assert_string_equal(hosts(f.plan, parent(r, 0), "listener-1", buf, sizeof(buf)), "bar.com");
    r = route(f.plan, INFRA_NS, "backend-v2");
    assert_string_equal(hosts(f.plan, parent(r, 0), "listener-2", buf, sizeof(buf)), "foo.bar.com");
    r = route(f.plan, INFRA_NS, "backend-v3");
    assert_int_equal(r->nparents, 2);
    assert_string_equal(parent(r, 0)->section_name, "listener-3");
    assert_string_equal(hosts(f.plan, parent(r, 0), "listener-3", buf, sizeof(buf)), "*.bar.com");
    assert_string_equal(hosts(f.plan, parent(r, 1), "listener-4", buf, sizeof(buf)), "*.foo.com");
    GW_COND(parent(r, 1), "Accepted", "True", "Accepted");
    release(&f);
}

static void
conformance_14_listener_port_matching(void **state)
{
    struct fixture f;
    const char *m =
        GW "metadata: {name: httproute-listener-port-matching, namespace: gateway-conformance-infra}\n"
        "spec: {gatewayClassName: mg, listeners: [\n"
        "  {name: http-80, port: 80, protocol: HTTP, hostname: foo.com},\n"
        "  {name: http-8080, port: 8080, protocol: HTTP, hostname: bar.com},\n"
        "  {name: http-8090, port: 8090, protocol: HTTP, hostname: foo.com}]}\n" END
        RT "metadata: {name: port-80, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: httproute-listener-port-matching, port: 80}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
        RT "metadata: {name: port-8090, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: httproute-listener-port-matching, port: 8090}], hostnames: [foo.com],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]}\n" END
        RT "metadata: {name: bar-on-8090, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: httproute-listener-port-matching, port: 8090}], hostnames: [bar.com]}\n" END;
    const struct plan_route_parent *r;
    const struct plan_gateway *g;
    char buf[64];

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    g = gateway(f.plan, INFRA_NS, "httproute-listener-port-matching");
    r = parent(route(f.plan, INFRA_NS, "port-80"), 0);
    assert_int_equal(r->port, 80);
    assert_int_equal(r->nbindings, 1);
    assert_string_equal(hosts(f.plan, r, "http-80", buf, sizeof(buf)), "foo.com");
    r = parent(route(f.plan, INFRA_NS, "port-8090"), 0);
    assert_int_equal(r->nbindings, 1);
    assert_string_equal(hosts(f.plan, r, "http-8090", buf, sizeof(buf)), "foo.com");
    GW_COND(parent(route(f.plan, INFRA_NS, "bar-on-8090"), 0), "Accepted", "False",
            "NoMatchingListenerHostname");
    assert_int_equal(listener(g, "http-80")->attached_routes, 1);
    assert_int_equal(listener(g, "http-8080")->attached_routes, 0);
    assert_int_equal(listener(g, "http-8090")->attached_routes, 1);
    release(&f);
}

static void
conformance_43_to_45_no_matching_parent(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: httproute-listener-not-matching-route-port, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace, port: 81}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
        RT "metadata: {name: httproute-listener-not-matching-section-name, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace, sectionName: http1}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
        RT "metadata: {name: httproute-listener-section-name-not-matching-port, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace, sectionName: http, port: 81}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;
    const struct plan_route_parent *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = parent(route(f.plan, INFRA_NS, "httproute-listener-not-matching-route-port"), 0);
    assert_string_equal(GW_COND(r, "Accepted", "False", "NoMatchingParent"),
                        "Gateway gateway-conformance-infra/same-namespace has no listener on port 81");
    GW_COND(r, "ResolvedRefs", "True", "ResolvedRefs"); /* independent of attachment */
    r = parent(route(f.plan, INFRA_NS, "httproute-listener-not-matching-section-name"), 0);
    assert_string_equal(GW_COND(r, "Accepted", "False", "NoMatchingParent"),
                        "Gateway gateway-conformance-infra/same-namespace has no listener named \"http1\"");
    r = parent(route(f.plan, INFRA_NS, "httproute-listener-section-name-not-matching-port"), 0);
    assert_string_equal(GW_COND(r, "Accepted", "False", "NoMatchingParent"),
                        "listener \"http\" of Gateway gateway-conformance-infra/same-namespace is on "
                        "port 80, not 81");
    assert_int_equal(gateway(f.plan, INFRA_NS, "same-namespace")->listeners[0].attached_routes, 0);
    release(&f);
}

static void
multiple_gateways_count_a_route_once_per_listener(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: shared, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}, {name: all-namespaces},\n"
        "  {name: same-namespace, namespace: gateway-conformance-infra}]}\n" END;
    const struct plan_route *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = route(f.plan, INFRA_NS, "shared");
    assert_int_equal(r->nparents, 3);
    assert_string_equal(parent(r, 1)->gateway_ref, "gateway-conformance-infra/all-namespaces");
    for (size_t i = 0; i < 3; i++)
        GW_COND(parent(r, i), "Accepted", "True", "Accepted");
    assert_int_equal(gateway(f.plan, INFRA_NS, "same-namespace")->listeners[0].attached_routes, 1);
    assert_int_equal(gateway(f.plan, INFRA_NS, "all-namespaces")->listeners[0].attached_routes, 1);
    release(&f);
}

/* ---- routes: backend references ------------------------------------------ */

static void
missing_backend_is_backend_not_found(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}, {name: nonexistent-backend, port: 8080}]},\n"
        "          {backendRefs: [{name: infra-backend-v2, port: 9999}]}]}\n" END;
    const struct plan_route *r;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    r = route(f.plan, INFRA_NS, "r");
    assert_false(r->refs_resolved);
    /* Attachment does not depend on the backends. */
    GW_COND(parent(r, 0), "Accepted", "True", "Accepted");
    assert_string_equal(GW_COND(parent(r, 0), "ResolvedRefs", "False", "BackendNotFound"),
                        "spec.rules[0].backendRefs[1]: Service gateway-conformance-infra/nonexistent-backend "
                        "not found (and 1 more unresolved references)");
    release(&f);
}

static void
unknown_backend_kind_is_invalid_kind(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{backendRefs: [{group: unknownkind.example.com, kind: NonExistent, name: infra-backend-v1, port: 8080}]}]}\n" END;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    assert_non_null(strstr(GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False",
                                   "InvalidKind"),
                           "unknownkind.example.com/NonExistent"));
    release(&f);
}

static void
cross_namespace_backend_needs_a_reference_grant(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]}]}\n" END;
    const char *other_name =
        RG "metadata: {name: other, namespace: gateway-conformance-web-backend}\n"
        "spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}],\n"
        "  to: [{group: '', kind: Service, name: not-web-backend}]}\n" END;
    const char *grant =
        RG "metadata: {name: ok, namespace: gateway-conformance-web-backend}\n"
        "spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}],\n"
        "  to: [{group: '', kind: Service, name: web-backend}]}\n" END;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False", "RefNotPermitted");
    release(&f);
    /* A grant for another Service does not help. */
    build(&f, BASE, INFRA, m, other_name, NULL);
    GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False", "RefNotPermitted");
    release(&f);
    build(&f, BASE, INFRA, m, other_name, grant, NULL);
    GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "True", "ResolvedRefs");
    assert_true(route(f.plan, INFRA_NS, "r")->refs_resolved);
    release(&f);
}

static void
mirror_backends_are_references_too(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: gone, port: 8080}}}],\n"
        "    backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    assert_non_null(strstr(GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False",
                                   "BackendNotFound"),
                           "spec.rules[0].filters[0].requestMirror.backendRef"));
    release(&f);
}

/* metalgate has no extension filter kinds: an ExtensionRef, on a rule or a
 * backendRef, never resolves (InvalidKind). refs_resolved stays about
 * backends: a permitted cross-namespace backend is still served. */
static void
extension_refs_never_resolve(void **state)
{
    struct fixture f;
    const char *on_rule =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Filter, name: f}}],\n"
        "    backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;
    const char *on_ref =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080},\n"
        "    {name: infra-backend-v2, port: 8080,\n"
        "     filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Filter, name: g}}]}]}]}\n" END;
    const char *external_auth =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}],\n"
        "  rules: [{filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: auth, port: 80}}}],\n"
        "    backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END;
    const char *msg;

    (void)state;
    build(&f, BASE, INFRA, on_rule, NULL);
    msg = GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False", "InvalidKind");
    assert_non_null(strstr(msg, "spec.rules[0].filters[0].extensionRef"));
    assert_non_null(strstr(msg, "example.com/Filter f"));
    GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "Accepted", "True", "Accepted");
    assert_true(route(f.plan, INFRA_NS, "r")->refs_resolved);
    release(&f);
    build(&f, BASE, INFRA, on_ref, NULL);
    msg = GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "False", "InvalidKind");
    assert_non_null(strstr(msg, "spec.rules[0].backendRefs[1].filters[0].extensionRef"));
    assert_true(route(f.plan, INFRA_NS, "r")->refs_resolved);
    release(&f);
    /* ExternalAuth is a filter, not a reference metalgate resolves: the
     * workers refuse its requests, the conditions stay as they were. */
    build(&f, BASE, INFRA, external_auth, NULL);
    GW_COND(parent(route(f.plan, INFRA_NS, "r"), 0), "ResolvedRefs", "True", "ResolvedRefs");
    release(&f);
}

/* ---- policies ------------------------------------------------------------ */

static const char *const POLICY_TARGETS =
    NS "metadata: {name: web}\n" END
    GW "metadata: {name: api, namespace: web}\n"
    "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END
    GW "metadata: {name: theirs, namespace: web}\n"
    "spec: {gatewayClassName: other, listeners: [{name: http, port: 80, protocol: HTTP}]}\n" END
    RT "metadata: {name: news, namespace: web}\n"
    "spec: {parentRefs: [{name: api}], rules: [{name: read, matches: [{method: GET}]}]}\n" END;

static void
accepted_policies_say_they_are_not_enforced(void **state)
{
    struct fixture f;
    const char *m =
        KQ "kind: RateLimitPolicy\nmetadata: {name: gw-rlp, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  defaults: {limits: {low: {rates: [{limit: 5, window: 10s}]}}}}\n" END
        KQ "kind: AuthPolicy\nmetadata: {name: rule-auth, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: news, sectionName: read},\n"
        "  rules: {authentication: {anon: {anonymous: {}}}}}\n" END
        KQ "kind: DNSPolicy\nmetadata: {name: dns, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api, sectionName: http}}\n" END;
    const struct plan_policy *q;

    (void)state;
    build(&f, BASE, POLICY_TARGETS, m, NULL);
    assert_int_equal(f.plan->npolicies, 3);
    /* Sorted by kind, then namespace/name. */
    assert_string_equal(f.plan->policies[0].kind, "AuthPolicy");
    assert_string_equal(f.plan->policies[1].kind, "DNSPolicy");
    assert_string_equal(f.plan->policies[2].kind, "RateLimitPolicy");
    q = policy(f.plan, "RateLimitPolicy", "web", "gw-rlp");
    assert_string_equal(q->target, "Gateway/api");
    assert_true(q->accepted);
    assert_int_equal(q->nconditions, 2);
    assert_string_equal(GW_COND(q, "Accepted", "True", "Accepted"), "RateLimitPolicy has been accepted");
    assert_string_equal(GW_COND(q, "Enforced", "False", "Unknown"),
                        "metalgate does not enforce RateLimitPolicy yet");
    q = policy(f.plan, "AuthPolicy", "web", "rule-auth");
    assert_string_equal(q->target, "HTTPRoute/news/read");
    GW_COND(q, "Accepted", "True", "Accepted");
    q = policy(f.plan, "DNSPolicy", "web", "dns");
    assert_string_equal(q->target, "Gateway/api/http");
    GW_COND(q, "Accepted", "True", "Accepted");
    release(&f);
}

static void
missing_targets_are_target_not_found(void **state)
{
    struct fixture f;
    const char *m =
        KQ "kind: RateLimitPolicy\nmetadata: {name: no-route, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: missing},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: wrong-ns, namespace: other}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: no-listener, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api, sectionName: https},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: no-rule, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: news, sectionName: write},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END
        KQ "kind: TLSPolicy\nmetadata: {name: foreign, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: theirs},\n"
        "  issuerRef: {name: ca, kind: ClusterIssuer}}\n" END;
    const struct plan_policy *q;

    (void)state;
    build(&f, BASE, POLICY_TARGETS, m, NULL);
    q = policy(f.plan, "RateLimitPolicy", "web", "no-route");
    assert_false(q->accepted);
    assert_int_equal(q->nconditions, 1); /* no Enforced on a policy that is not accepted */
    assert_string_equal(GW_COND(q, "Accepted", "False", "TargetNotFound"),
                        "RateLimitPolicy target HTTPRoute/missing was not found in namespace web");
    assert_string_equal(GW_COND(policy(f.plan, "RateLimitPolicy", "other", "wrong-ns"), "Accepted", "False",
                                "TargetNotFound"),
                        "RateLimitPolicy target Gateway/api was not found in namespace other");
    assert_non_null(strstr(GW_COND(policy(f.plan, "RateLimitPolicy", "web", "no-listener"), "Accepted",
                                   "False", "TargetNotFound"),
                           "no listener \"https\""));
    assert_non_null(strstr(GW_COND(policy(f.plan, "RateLimitPolicy", "web", "no-rule"), "Accepted",
                                   "False", "TargetNotFound"),
                           "no rule named \"write\""));
    assert_non_null(strstr(GW_COND(policy(f.plan, "TLSPolicy", "web", "foreign"), "Accepted", "False",
                                   "TargetNotFound"),
                           "not managed by metalgate"));
    release(&f);
}

static void
second_dns_policy_on_a_target_is_conflicted(void **state)
{
    struct fixture f;
    const char *m =
        KQ "kind: DNSPolicy\nmetadata: {name: a-newer, namespace: web, creationTimestamp: '2025-02-01T00:00:00Z'}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api}}\n" END
        KQ "kind: DNSPolicy\nmetadata: {name: b-older, namespace: web, creationTimestamp: '2025-01-01T00:00:00Z'}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api}}\n" END
        KQ "kind: DNSPolicy\nmetadata: {name: c-listener, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api, sectionName: http}}\n" END;
    const struct plan_policy *q;

    (void)state;
    build(&f, BASE, POLICY_TARGETS, m, NULL);
    GW_COND(policy(f.plan, "DNSPolicy", "web", "b-older"), "Accepted", "True", "Accepted");
    q = policy(f.plan, "DNSPolicy", "web", "a-newer");
    assert_false(q->accepted);
    assert_string_equal(GW_COND(q, "Accepted", "False", "Conflicted"),
                        "DNSPolicy is conflicted by web/b-older: only one DNSPolicy may target Gateway/api");
    /* A listener-specific policy is another target, not a conflict. */
    GW_COND(policy(f.plan, "DNSPolicy", "web", "c-listener"), "Accepted", "True", "Accepted");
    release(&f);
}

static void
tls_policies_without_timestamps_conflict_by_name(void **state)
{
    struct fixture f;
    const char *m =
        KQ "kind: TLSPolicy\nmetadata: {name: zz, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  issuerRef: {name: ca, kind: ClusterIssuer}}\n" END
        KQ "kind: TLSPolicy\nmetadata: {name: aa, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  issuerRef: {name: ca, kind: ClusterIssuer}}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: r1, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: r2, namespace: web}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: api},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END;

    (void)state;
    build(&f, BASE, POLICY_TARGETS, m, NULL);
    GW_COND(policy(f.plan, "TLSPolicy", "web", "aa"), "Accepted", "True", "Accepted");
    GW_COND(policy(f.plan, "TLSPolicy", "web", "zz"), "Accepted", "False", "Conflicted");
    /* Inherited policies merge: two RateLimitPolicies on a Gateway do not conflict. */
    GW_COND(policy(f.plan, "RateLimitPolicy", "web", "r1"), "Accepted", "True", "Accepted");
    GW_COND(policy(f.plan, "RateLimitPolicy", "web", "r2"), "Accepted", "True", "Accepted");
    release(&f);
}

/* ---- rendering ----------------------------------------------------------- */

static void
json_and_text_show_the_three_sections(void **state)
{
    struct fixture f;
    const char *m =
        RT "metadata: {name: r, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace, sectionName: http}], hostnames: [a.example.com],\n"
        "  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]}\n" END
        RT "metadata: {name: any, namespace: gateway-conformance-infra}\n"
        "spec: {parentRefs: [{name: same-namespace}]}\n" END
        KQ "kind: RateLimitPolicy\nmetadata: {name: rlp, namespace: gateway-conformance-infra}\n"
        "spec: {targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r},\n"
        "  limits: {l: {rates: [{limit: 5, window: 10s}]}}}\n" END;
    char *out;

    (void)state;
    build(&f, BASE, INFRA, m, NULL);
    out = fixture_render(f.plan, true);
    assert_non_null(strstr(out, "\"gateways\": [\n    {\n      \"namespace\": \"gateway-conformance-infra\""));
    assert_non_null(strstr(out, "\"attachedRoutes\": 2,"));
    assert_non_null(strstr(out, "{\"type\": \"Accepted\", \"status\": \"True\", \"reason\": \"Accepted\", "
                                "\"message\": \"Route is accepted\"}"));
    assert_non_null(strstr(out, "\"sectionName\": \"http\""));
    assert_non_null(strstr(out, "\"sectionName\": null"));
    assert_non_null(strstr(out, "\"port\": null"));
    assert_non_null(strstr(out, "\"hostnames\": {\"http\": [\"a.example.com\"]}"));
    assert_non_null(strstr(out, "\"hostnames\": {\"http\": [\"*\"]}"));
    assert_non_null(strstr(out, "\"targetRef\": \"HTTPRoute/r\""));
    assert_non_null(strstr(out, "\"policies\": [\n    {\n      \"kind\": \"RateLimitPolicy\""));
    free(out);
    out = fixture_render(f.plan, false);
    assert_non_null(strstr(out, "\nGATEWAYS\n"));
    assert_non_null(strstr(out, "http:80/HTTP=2"));
    assert_non_null(strstr(out, "\nROUTES\n"));
    assert_non_null(strstr(out, "http=a.example.com"));
    assert_non_null(strstr(out, "\nPOLICIES\n"));
    assert_non_null(strstr(out, "False/Unknown"));
    free(out);
    release(&f);
}

static void
metallb_only_plans_render_empty_arrays_and_no_text_sections(void **state)
{
    struct fixture f;
    const char *svc = SVC "metadata: {name: s, namespace: web}\n"
                          "spec: {type: LoadBalancer, ports: [{port: 80}]}\n" END;
    char *out;

    (void)state;
    build(&f, BASE, svc, NULL);
    assert_int_equal(f.plan->ngateways + f.plan->nroutes + f.plan->npolicies, 0);
    out = fixture_render(f.plan, true);
    assert_non_null(strstr(out, "\"gateways\": [],\n  \"routes\": [],\n  \"policies\": []\n}\n"));
    free(out);
    out = fixture_render(f.plan, false);
    assert_null(strstr(out, "GATEWAYS"));
    assert_null(strstr(out, "ROUTES"));
    free(out);
    release(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_like_gateway_is_accepted_and_programmed),
        cmocka_unit_test(gateways_of_other_classes_are_not_listed),
        cmocka_unit_test(hostname_address_is_unsupported),
        cmocka_unit_test(parameters_ref_is_invalid_parameters),
        cmocka_unit_test(only_unsupported_listeners_is_listeners_not_valid),
        cmocka_unit_test(no_address_is_address_not_assigned),
        cmocka_unit_test(http_and_https_on_one_port_conflict),
        cmocka_unit_test(https_and_tls_with_one_hostname_conflict),
        cmocka_unit_test(certificate_refs_must_be_tls_secrets),
        cmocka_unit_test(cross_namespace_certificate_needs_a_reference_grant),
        cmocka_unit_test(unsupported_route_kinds_are_invalid_route_kinds),
        cmocka_unit_test(conformance_1_simple_same_namespace),
        cmocka_unit_test(conformance_2_cross_namespace_by_selector),
        cmocka_unit_test(selector_sees_the_implicit_namespace_name_label),
        cmocka_unit_test(conformance_3_invalid_cross_namespace_parent_ref),
        cmocka_unit_test(conformance_4_disallowed_kind),
        cmocka_unit_test(conformance_12_hostname_intersection),
        cmocka_unit_test(conformance_12_hostname_less_listener_serves_the_route_hostnames),
        cmocka_unit_test(wildcard_intersections_keep_the_more_specific),
        cmocka_unit_test(conformance_13_listener_hostname_matching),
        cmocka_unit_test(conformance_14_listener_port_matching),
        cmocka_unit_test(conformance_43_to_45_no_matching_parent),
        cmocka_unit_test(multiple_gateways_count_a_route_once_per_listener),
        cmocka_unit_test(missing_backend_is_backend_not_found),
        cmocka_unit_test(unknown_backend_kind_is_invalid_kind),
        cmocka_unit_test(cross_namespace_backend_needs_a_reference_grant),
        cmocka_unit_test(mirror_backends_are_references_too),
        cmocka_unit_test(extension_refs_never_resolve),
        cmocka_unit_test(accepted_policies_say_they_are_not_enforced),
        cmocka_unit_test(missing_targets_are_target_not_found),
        cmocka_unit_test(second_dns_policy_on_a_target_is_conflicted),
        cmocka_unit_test(tls_policies_without_timestamps_conflict_by_name),
        cmocka_unit_test(json_and_text_show_the_three_sections),
        cmocka_unit_test(metallb_only_plans_render_empty_arrays_and_no_text_sections),
    };

    return cmocka_run_group_tests_name("plan-gateways", tests, NULL, NULL);
}

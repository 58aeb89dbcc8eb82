/*
 * Plan scenarios: manifests in, plan out. Each test writes the objects it
 * needs as YAML, so the scenario reads like what a user would give.
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

static const char *const POOL =
    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: pool-a, namespace: metallb-system}\n"
    "spec: {addresses: [10.0.0.0/29, 'fd00::/120']}\n---\n";
static const char *const PEER =
    "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: router, namespace: metallb-system}\n"
    "spec: {peerAddress: 10.9.0.1, peerASN: 65001, myASN: 64512}\n---\n";
static const char *const NODES =
    "apiVersion: v1\nkind: Node\nmetadata: {name: node-a, labels: {zone: a}}\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: node-b, labels: {zone: b}}\n---\n";

static struct plan *
build(struct fixture *f, const char *node, const struct plan_state *st, ...)
{
    struct plan *p;
    va_list ap;

    va_start(ap, st);
    p = fixture_buildv(f, node, st, ap);
    va_end(ap);
    return p;
}

static void
release(struct fixture *f)
{
    fixture_release(f);
}

static const struct plan_service *
service(const struct plan *p, const char *ns, const char *name)
{
    for (size_t i = 0; i < p->nservices; i++)
        if (strcmp(p->services[i].ns, ns) == 0 && strcmp(p->services[i].name, name) == 0)
            return &p->services[i];
    fail_msg("no service %s/%s in plan", ns, name);
    return NULL;
}

static const struct plan_advertisement *
advert(const struct plan *p, const char *prefix, size_t nth)
{
    char buf[IP_STRLEN];

    for (size_t i = 0; i < p->nadvertisements; i++)
        if (strcmp(ip_prefix_format(&p->advertisements[i].prefix, buf), prefix) == 0 && nth-- == 0)
            return &p->advertisements[i];
    fail_msg("no advertisement %s in plan", prefix);
    return NULL;
}

static char *
ip_of(const struct plan_service *s, size_t i, char *buf)
{
    assert_true(i < s->nips);
    return ip_format(&s->ips[i], buf);
}

static void
seed_like_service_is_announced_without_nodes_until_endpoints(void **state)
{
    struct fixture f;
    const char *svc =
        "apiVersion: v1\nkind: Service\nmetadata: {name: envoy, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n";
    const char *adv = "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n"
                      "metadata: {name: all, namespace: metallb-system}\n---\n";
    const struct plan_advertisement *a;
    char buf[IP_STRLEN];

    (void)state;
    build(&f, "node-a", NULL, POOL, PEER, adv, svc, NULL);
    assert_string_equal(ip_of(service(f.plan, "web", "envoy"), 0, buf), "10.0.0.0");
    a = advert(f.plan, "10.0.0.0/32", 0);
    assert_int_equal(a->nnodes, 0);
    assert_string_equal(a->reason, "no serving endpoint for web/envoy");
    assert_int_equal(a->npeers, 1);
    assert_string_equal(a->peers[0], "router");
    assert_false(a->has_local_pref);
    release(&f);
}

static void
cluster_and_local_endpoint_rules(void **state)
{
    struct fixture f;
    const char *svcs =
        "apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}], selector: {app: c}}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: l, namespace: web}\n"
        "spec: {type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}], selector: {app: l}}\n---\n";
    const char *slices =
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: c-1, namespace: web, labels: {kubernetes.io/service-name: c}}\n"
        "addressType: IPv4\nendpoints: [{addresses: [10.1.0.1], nodeName: node-b}]\n---\n"
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: l-1, namespace: web, labels: {kubernetes.io/service-name: l}}\n"
        "addressType: IPv4\nendpoints: [{addresses: [10.1.0.2], nodeName: node-b, conditions: {ready: false}},\n"
        "  {addresses: [10.1.0.3], nodeName: node-a, conditions: {ready: false, serving: true, terminating: true}}]\n---\n";
    const char *adv = "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n"
                      "metadata: {name: all, namespace: metallb-system}\n---\n";
    const struct plan_advertisement *a;
    char buf[IP_STRLEN];

    (void)state;
    build(&f, "node-a", NULL, POOL, PEER, NODES, adv, svcs, slices, NULL);
    /* Cluster: an endpoint anywhere lets every node announce. */
    a = advert(f.plan, strcat(ip_of(service(f.plan, "web", "c"), 0, buf), "/32"), 0);
    assert_int_equal(a->nnodes, 2);
    /* Local: only node-a has a (terminating but serving) endpoint. */
    a = advert(f.plan, strcat(ip_of(service(f.plan, "web", "l"), 0, buf), "/32"), 0);
    assert_int_equal(a->nnodes, 1);
    assert_string_equal(a->nodes[0], "node-a");
    release(&f);
}

static void
aggregation_communities_and_localpref(void **state)
{
    struct fixture f;
    const char *svc =
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: web}\n"
        "spec: {type: LoadBalancer, ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv4, IPv6], ports: [{port: 80}]}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: t, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n";
    const char *comm = "apiVersion: metallb.io/v1beta1\nkind: Community\n"
                       "metadata: {name: c, namespace: metallb-system}\n"
                       "spec: {communities: [{name: vpn-only, value: '1234:1'}]}\n---\n";
    const char *adv =
        "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: agg, namespace: metallb-system}\n"
        "spec: {aggregationLength: 30, aggregationLengthV6: 124, localPref: 150,\n"
        "  communities: [vpn-only, '65535:65282', 'large:64512:1:2', no-export]}\n---\n";
    const struct plan_advertisement *a;

    (void)state;
    build(&f, "node-a", NULL, POOL, PEER, comm, adv, svc, NULL);
    a = advert(f.plan, "10.0.0.0/30", 0); /* both v4 addresses collapse into one /30 */
    assert_int_equal(a->nservices, 2);
    assert_string_equal(a->services[0], "web/s");
    assert_string_equal(a->services[1], "web/t");
    assert_true(a->has_local_pref);
    assert_int_equal(a->local_pref, 150);
    assert_int_equal(a->ncommunities, 3);
    assert_int_equal(a->communities[0], (1234u << 16) | 1);
    assert_int_equal(a->communities[1], (65535u << 16) | 65281);
    assert_int_equal(a->communities[2], (65535u << 16) | 65282);
    assert_int_equal(a->nlarge, 1);
    assert_int_equal(a->large[0].global, 64512);
    assert_int_equal(a->large[0].local2, 2);
    a = advert(f.plan, "fd00::/124", 0);
    assert_int_equal(a->nservices, 1);
    release(&f);
}

static void
advertisement_selects_pools_peers_and_nodes(void **state)
{
    struct fixture f;
    const char *pool_b =
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: pool-b, namespace: metallb-system, labels: {tier: gold}}\n"
        "spec: {addresses: [10.0.1.0/29], autoAssign: false}\n---\n";
    const char *peer2 =
        "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: edge, namespace: metallb-system}\n"
        "spec: {peerAddress: 10.9.0.2, peerASN: 65002, myASN: 64512, nodeSelectors: [{matchLabels: {zone: b}}]}\n---\n";
    const char *adv =
        "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: gold, namespace: metallb-system}\n"
        "spec: {ipAddressPoolSelectors: [{matchLabels: {tier: gold}}], peers: [edge],\n"
        "  nodeSelectors: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]}\n---\n";
    const char *svc =
        "apiVersion: v1\nkind: Service\nmetadata: {name: g, namespace: web, annotations: {metallb.io/address-pool: pool-b}}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n"
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: g-1, namespace: web, labels: {kubernetes.io/service-name: g}}\n"
        "addressType: IPv4\nendpoints: [{addresses: [10.1.0.1]}]\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: plain, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n";
    const struct plan_advertisement *a;
    char buf[IP_STRLEN];

    (void)state;
    build(&f, "node-a", NULL, POOL, pool_b, PEER, peer2, NODES, adv, svc, NULL);
    assert_string_equal(ip_of(service(f.plan, "web", "g"), 0, buf), "10.0.1.0");
    assert_string_equal(service(f.plan, "web", "g")->pool, "pool-b");
    assert_int_equal(f.plan->nadvertisements, 1); /* pool-a is not advertised at all */
    a = advert(f.plan, "10.0.1.0/32", 0);
    assert_int_equal(a->npeers, 1);
    assert_string_equal(a->peers[0], "edge");
    assert_int_equal(a->nnodes, 1); /* edge has sessions only from zone b */
    assert_string_equal(a->nodes[0], "node-b");
    assert_string_equal(a->reason == NULL ? "" : a->reason, "");
    release(&f);
}

static void
excluded_node_and_conflicting_localpref(void **state)
{
    struct fixture f;
    const char *nodes =
        "apiVersion: v1\nkind: Node\nmetadata: {name: node-a, labels: {node.kubernetes.io/exclude-from-external-load-balancers: ''}}\n---\n";
    const char *ads =
        "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: one, namespace: metallb-system}\n"
        "spec: {localPref: 100, serviceSelectors: [{matchLabels: {app: x}}]}\n---\n"
        "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: two, namespace: metallb-system}\n"
        "spec: {localPref: 200, serviceSelectors: [{matchLabels: {app: x}}]}\n---\n";
    const char *gw =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: mg}\n"
        "spec: {controllerName: metalgate.io/gateway-controller}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: web, labels: {app: x}}\n"
        "spec: {gatewayClassName: mg, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n";
    const struct plan_advertisement *a;

    (void)state;
    build(&f, "node-a", NULL, POOL, PEER, nodes, ads, gw, NULL);
    a = advert(f.plan, "10.0.0.0/32", 0);
    assert_int_equal(a->nnodes, 0);
    assert_string_equal(a->reason, "every eligible node is excluded from external load balancers");
    release(&f);

    build(&f, "node-a", NULL, POOL, PEER, ads, gw, NULL);
    a = advert(f.plan, "10.0.0.0/32", 0);
    assert_int_equal(a->nnodes, 0);
    assert_string_equal(a->reason, "conflicting localPref for 10.0.0.0/32");
    release(&f);
}

static void
gateways_use_spec_addresses_and_infrastructure_annotations(void **state)
{
    struct fixture f;
    const char *gw =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: mg}\n"
        "spec: {controllerName: metalgate.io/gateway-controller}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: other}\n"
        "spec: {controllerName: example.com/gateway}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: fixed, namespace: web}\n"
        "spec: {gatewayClassName: mg, addresses: [{value: 10.0.0.5}], listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: annotated, namespace: web}\n"
        "spec: {gatewayClassName: mg, infrastructure: {annotations: {metallb.io/loadBalancerIPs: 10.0.0.6}},\n"
        "  listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: foreign, namespace: web}\n"
        "spec: {gatewayClassName: other, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n";
    char buf[IP_STRLEN];

    (void)state;
    build(&f, NULL, NULL, POOL, gw, NULL);
    assert_int_equal(f.plan->nservices, 2); /* the foreign class is not ours */
    assert_string_equal(ip_of(service(f.plan, "web", "fixed"), 0, buf), "10.0.0.5");
    assert_string_equal(service(f.plan, "web", "fixed")->kind, "Gateway");
    assert_string_equal(ip_of(service(f.plan, "web", "annotated"), 0, buf), "10.0.0.6");
    release(&f);
}

static void
load_balancer_class_and_other_types_are_left_alone(void **state)
{
    struct fixture f;
    const char *svc =
        "apiVersion: v1\nkind: Service\nmetadata: {name: classy, namespace: web}\n"
        "spec: {type: LoadBalancer, loadBalancerClass: example.com/lb, ports: [{port: 80}]}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: cip, namespace: web}\n"
        "spec: {ports: [{port: 80}]}\n---\n";

    (void)state;
    build(&f, NULL, NULL, POOL, svc, NULL);
    assert_int_equal(f.plan->nservices, 0);
    release(&f);
}

static void
state_keeps_addresses_sticky(void **state)
{
    struct fixture f;
    struct plan_state st;
    struct ip_addr held;
    const char *svcs =
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n";
    char buf[IP_STRLEN];

    (void)state;
    plan_state_init(&st);
    ip_parse("10.0.0.3", 8, &held);
    plan_state_add(&st, "Service", "web", "b", &held, 1, "pool-a");
    build(&f, NULL, &st, POOL, svcs, NULL);
    /* b keeps the address it held; a takes the lowest free one. */
    assert_string_equal(ip_of(service(f.plan, "web", "b"), 0, buf), "10.0.0.3");
    assert_string_equal(ip_of(service(f.plan, "web", "a"), 0, buf), "10.0.0.0");
    plan_state_free(&st);
    plan_state_init(&st);
    assert_int_equal(plan_to_state(f.plan, &st), 0);
    assert_int_equal(st.n, 2);
    plan_state_free(&st);
    release(&f);
}

static void
json_rendering_follows_the_contract(void **state)
{
    struct fixture f;
    const char *svc =
        "apiVersion: v1\nkind: Service\nmetadata: {name: envoy, namespace: web}\n"
        "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n";
    const char *adv = "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n"
                      "metadata: {name: all, namespace: metallb-system}\n---\n";
    char *json = NULL;
    size_t len = 0;
    FILE *mem;

    (void)state;
    build(&f, "node-a", NULL, POOL, PEER, adv, svc, NULL);
    mem = open_memstream(&json, &len);
    assert_int_equal(plan_render_json(f.plan, mem), 0);
    fclose(mem);
    assert_non_null(strstr(json, "\"node\": \"node-a\""));
    assert_non_null(strstr(json, "\"sharingKey\": null"));
    assert_non_null(strstr(json, "\"prefix\": \"10.0.0.0/32\""));
    assert_non_null(strstr(json, "\"holdTime\": 90"));
    assert_non_null(strstr(json, "\"keepaliveTime\": 30"));
    assert_non_null(strstr(json, "\"localPref\": null"));
    free(json);
    release(&f);
}

/* Many distinct node sets (Services with local endpoints spread over a big
 * cluster) make many advertisement classes: each prefix still reads back
 * with its own nodes and communities after packing. */
static void
packing_many_classes_keeps_each_entry(void **state)
{
    enum { N = 20000 };
    struct plan *p = calloc(1, sizeof(*p));
    struct plan_advertisement *ads = calloc(N, sizeof(*ads));
    char (*names)[16] = calloc(N, sizeof(*names));
    const char **nodes = calloc(N, sizeof(*nodes));
    uint32_t *comm = calloc(N, sizeof(*comm));
    static const char *peers[] = {"router"};
    static const char *svc[] = {"apps/web"};
    struct plan_reader r;
    const struct plan_advertisement *a;
    size_t i = 0;

    (void)state;
    assert_true(p && ads && names && nodes && comm);
    arena_init(&p->arena, 0, 0);
    arena_init(&p->bulk, 0, 0);
    for (i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "node-%zu", i);
        nodes[i] = names[i];
        comm[i] = (uint32_t)(64512u << 16 | (i % 7));
        ads[i].prefix.addr.family = IP_FAMILY_V4;
        ads[i].prefix.addr.v = 0x0a000000u + (uint32_t)i;
        ads[i].prefix.len = 32;
        ads[i].services = svc;
        ads[i].nservices = 1;
        ads[i].peers = peers;
        ads[i].npeers = 1;
        ads[i].nodes = &nodes[i];
        ads[i].nnodes = 1;
        ads[i].communities = &comm[i];
        ads[i].ncommunities = 1;
    }
    p->advertisements = ads;
    p->nadvertisements = N;
    assert_int_equal(plan_pack(p), 0);
    plan_reader_init(&r, p);
    for (i = 0; (a = plan_next_advertisement(&r)) != NULL; i++) {
        char want[16];
        snprintf(want, sizeof(want), "node-%zu", i);
        assert_int_equal(a->prefix.addr.v, 0x0a000000u + (uint32_t)i);
        assert_int_equal(a->nnodes, 1);
        assert_string_equal(a->nodes[0], want);
        assert_int_equal(a->ncommunities, 1);
        assert_int_equal(a->communities[0], 64512u << 16 | (i % 7));
        assert_string_equal(a->services[0], "apps/web");
    }
    assert_int_equal(i, N);
    plan_reader_free(&r);
    plan_free(p);
    free(ads);
    free(names);
    free(nodes);
    free(comm);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_like_service_is_announced_without_nodes_until_endpoints),
        cmocka_unit_test(cluster_and_local_endpoint_rules),
        cmocka_unit_test(aggregation_communities_and_localpref),
        cmocka_unit_test(advertisement_selects_pools_peers_and_nodes),
        cmocka_unit_test(excluded_node_and_conflicting_localpref),
        cmocka_unit_test(gateways_use_spec_addresses_and_infrastructure_annotations),
        cmocka_unit_test(load_balancer_class_and_other_types_are_left_alone),
        cmocka_unit_test(state_keeps_addresses_sticky),
        cmocka_unit_test(json_rendering_follows_the_contract),
        cmocka_unit_test(packing_many_classes_keeps_each_entry),
    };

    return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}

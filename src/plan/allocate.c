/* IPAM requests from Services and our Gateways, and the services section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sort.h"
#include "plan/internal.h"

/* ---- pools ------------------------------------------------------------- */

static void
plan_pool_namespaces(struct plan_ctx *c, const struct mf_pool_allocation *a, struct ipam_pool *pool)
{
    const struct mf_set *set = c->in->set;
    const char **names = plan_scratch(c, (a->namespaces.n + set->n + 1) * sizeof(*names));
    const struct mf_object *o;
    size_t n = 0, cur = 0;

    for (uint32_t i = 0; i < a->namespaces.n; i++)
        names[n++] = MF_LIST_AT(a->namespaces, struct mf_str, i)->v;
    while (a->namespace_selectors.n > 0 && (o = mf_set_next(set, MF_KIND_NAMESPACE, &cur))) {
        for (uint32_t i = 0; i < a->namespace_selectors.n; i++)
            if (mf_label_selector_matches(
                    MF_LIST_AT(a->namespace_selectors, struct mf_label_selector, i),
                    &o->meta.labels)) {
                names[n++] = o->name;
                break;
            }
    }
    pool->has_namespace_rules = a->namespaces.n > 0 || a->namespace_selectors.n > 0;
    pool->namespaces = names;
    pool->n_namespaces = plan_sort_unique(names, n);
}

static void
plan_pool_from(struct plan_ctx *c, const struct mf_object *o, struct ipam_pool *pool)
{
    const struct mf_pool_spec *spec = ((const struct mf_ipaddresspool *)o->body)->spec;
    struct ipam_range *ranges = plan_scratch(c, (spec->addresses.n + 1) * sizeof(*ranges));
    size_t n = 0;

    for (uint32_t i = 0; i < spec->addresses.n; i++) {
        const struct mf_str *e = MF_LIST_AT(spec->addresses, struct mf_str, i);
        const char *err;
        if (mf_parse_pool_entry(e->v, e->len, &ranges[n].first, &ranges[n].last, &err) == 0)
            n++;
    }
    pool->name = o->name;
    pool->ranges = ranges;
    pool->n_ranges = n;
    pool->auto_assign = !spec->auto_assign.set || spec->auto_assign.v;
    pool->avoid_buggy_ips = spec->avoid_buggy_ips.set && spec->avoid_buggy_ips.v;
    if (spec->service_allocation != NULL) {
        const struct mf_pool_allocation *a = spec->service_allocation;
        pool->has_allocation = true;
        pool->priority = a->priority.set ? a->priority.v : 0;
        pool->has_service_selectors = a->service_selectors.n > 0;
        plan_pool_namespaces(c, a, pool);
    }
}

static void
plan_collect_pools(struct plan_ctx *c)
{
    const struct mf_set *set = c->in->set;
    const struct mf_object *o;
    size_t cur = 0;

    size_t npools = mf_set_count(set, MF_KIND_IPADDRESSPOOL);

    c->pools = plan_scratch(c, (npools + 1) * sizeof(*c->pools));
    c->pool_objs = plan_scratch(c, (npools + 1) * sizeof(*c->pool_objs));
    while ((o = mf_set_next(set, MF_KIND_IPADDRESSPOOL, &cur)) != NULL) {
        if (!plan_metallb_usable(c, o) || ((const struct mf_ipaddresspool *)o->body)->spec == NULL)
            continue;
        c->pool_objs[c->npools] = o;
        plan_pool_from(c, o, &c->pools[c->npools]);
        c->npools++;
    }
}

/* serviceSelectors of a pool against the requesting object's labels. */
static bool
plan_pool_selects(void *ctx, size_t pool, size_t request)
{
    struct plan_ctx *c = ctx;
    const struct mf_pool_spec *spec =
        ((const struct mf_ipaddresspool *)c->pool_objs[pool]->body)->spec;
    const struct mf_list *sels = &spec->service_allocation->service_selectors;

    for (uint32_t i = 0; i < sels->n; i++)
        if (mf_label_selector_matches(MF_LIST_AT(*sels, struct mf_label_selector, i),
                                      &c->subjects[request].obj->meta.labels))
            return true;
    return false;
}

/* ---- requests ---------------------------------------------------------- */


/* MetalLB's backend key for ETP=Local: the selector in a canonical form. */
static const char *
plan_backend_key(struct plan_ctx *c, const struct mf_strmap *selector)
{
    const char **kv = plan_scratch(c, (selector->n + 1) * sizeof(*kv));
    size_t len = 1;
    char *out;

    for (uint32_t i = 0; i < selector->n; i++) {
        char buf[600];
        snprintf(buf, sizeof(buf), "%s=%s", selector->v[i].key.v, selector->v[i].value.v);
        kv[i] = plan_scratch_strdup(c, buf);
        len += strlen(kv[i]) + 1;
    }
    size_t n = plan_sort_unique(kv, selector->n), at = 0;

    out = plan_scratch(c, len);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(kv[i]);
        if (i)
            out[at++] = ',';
        memcpy(out + at, kv[i], l);
        at += l;
    }
    out[at] = '\0';
    return out;
}

static enum ipam_proto
plan_proto(enum mf_l4_protocol p)
{
    return p == MF_PROTO_UDP ? IPAM_PROTO_UDP : p == MF_PROTO_SCTP ? IPAM_PROTO_SCTP : IPAM_PROTO_TCP;
}

static void
plan_request_service(struct plan_ctx *c, const struct mf_object *o, struct ipam_request *r,
                     struct plan_subject *s)
{
    const struct mf_service *svc = o->body;
    struct mf_service_families fam;
    struct ipam_port *ports = plan_scratch(c, (svc->spec->ports.n + 1) * sizeof(*ports));

    mf_service_families(svc->spec, &fam);
    if (fam.policy == MF_FAMILY_SINGLE)
        r->policy = fam.primary == IP_FAMILY_V6 ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4;
    else
        r->policy = fam.policy == MF_FAMILY_PREFER_DUAL ? IPAM_PREFER_DUAL : IPAM_REQUIRE_DUAL;
    r->primary = fam.primary;
    r->kind = IPAM_KIND_SERVICE;
    r->requested_ips = svc->lb.requested;
    r->n_requested_ips = svc->lb.nrequested;
    r->requested_pool = svc->lb.address_pool ? svc->lb.address_pool->v : NULL;
    r->sharing_key = svc->lb.allow_shared_ip ? svc->lb.allow_shared_ip->v : "";
    s->etp_local = svc->spec->etp_local;
    r->backend_key = s->etp_local ? plan_backend_key(c, &svc->spec->selector) : "";
    for (uint32_t i = 0; i < svc->spec->ports.n; i++) {
        const struct mf_service_port *p = MF_LIST_AT(svc->spec->ports, struct mf_service_port, i);
        ports[i].proto = plan_proto(p->proto);
        ports[i].port = (uint16_t)p->port.v;
    }
    r->ports = ports;
    r->n_ports = svc->spec->ports.n;
}

/* A Gateway's MetalLB annotation: the stable spelling wins over the old one. */
static const char *
plan_gateway_annotation(const struct mf_gw_infrastructure *inf, const char *key, const char *old)
{
    const struct mf_str *v;

    if (inf == NULL)
        return NULL;
    v = mf_strmap_get(&inf->annotations, key);
    if (v == NULL)
        v = mf_strmap_get(&inf->annotations, old);
    return v ? v->v : NULL;
}

static void
plan_gateway_addresses(struct plan_ctx *c, const struct mf_gateway_spec *spec,
                       struct ipam_request *r)
{
    struct ip_addr *ips = plan_scratch(c, 2 * sizeof(*ips));
    const char *lb = plan_gateway_annotation(spec->infrastructure, MF_ANN_LB_IPS, MF_ANN_OLD_LB_IPS);
    uint32_t n = 0;

    for (uint32_t i = 0; i < spec->addresses.n; i++) {
        const struct mf_gw_address *a = MF_LIST_AT(spec->addresses, struct mf_gw_address, i);
        if (a->type.v != NULL && !mf_str_eq(&a->type, "IPAddress")) {
            r->request_error = plan_scratch_strdup(c, "only addresses of type IPAddress are supported");
            return;
        }
        if (a->value.v == NULL)
            continue;
        if (n == 2 || ip_parse(a->value.v, a->value.len, &ips[n]) != 0) {
            r->request_error = plan_scratch_strdup(c, "spec.addresses: at most one IPv4 and one IPv6 address");
            return;
        }
        n++;
    }
    if (n == 0 && lb != NULL) {
        const char *err;
        if (mf_parse_lb_ips(lb, strlen(lb), ips, &n, &err) != 0)
            r->request_error = plan_scratch_strdup(c, err);
    }
    r->requested_ips = ips;
    r->n_requested_ips = n;
    r->policy = n == 2 ? IPAM_REQUIRE_DUAL : (n == 1 && ips[0].family == IP_FAMILY_V6 ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4);
    r->primary = n ? ips[0].family : IP_FAMILY_V4;
}

static void
plan_request_gateway(struct plan_ctx *c, const struct mf_object *o, struct ipam_request *r)
{
    const struct mf_gateway_spec *spec = ((const struct mf_gateway *)o->body)->spec;
    struct ipam_port *ports = plan_scratch(c, (spec->listeners.n + 1) * sizeof(*ports));
    const char *shared = plan_gateway_annotation(spec->infrastructure, MF_ANN_ALLOW_SHARED_IP,
                                                 MF_ANN_OLD_ALLOW_SHARED_IP);

    r->kind = IPAM_KIND_GATEWAY;
    plan_gateway_addresses(c, spec, r);
    r->requested_pool = plan_gateway_annotation(spec->infrastructure, MF_ANN_ADDRESS_POOL,
                                                MF_ANN_OLD_ADDRESS_POOL);
    r->sharing_key = shared ? shared : "";
    r->backend_key = "";
    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        ports[i].proto = mf_str_eq(&l->protocol, "UDP") ? IPAM_PROTO_UDP : IPAM_PROTO_TCP;
        ports[i].port = (uint16_t)l->port.v;
    }
    r->ports = ports;
    r->n_ports = spec->listeners.n;
}

/* Gateways we serve: their GatewayClass (one of c->our_classes) names our controller. */
bool
plan_gateway_is_ours(const struct plan_ctx *c, const struct mf_gateway *gw)
{
    if (gw->spec == NULL || gw->spec->gateway_class_name.v == NULL)
        return false;
    for (size_t i = 0; i < c->nour_classes; i++)
        if (strcmp(c->our_classes[i], gw->spec->gateway_class_name.v) == 0)
            return true;
    return false;
}

static void
plan_collect_classes(struct plan_ctx *c)
{
    const struct mf_object *o;
    size_t cur = 0;

    c->our_classes =
        plan_scratch(c, (mf_set_count(c->in->set, MF_KIND_GATEWAYCLASS) + 1) * sizeof(*c->our_classes));
    while ((o = mf_set_next(c->in->set, MF_KIND_GATEWAYCLASS, &cur)) != NULL) {
        const struct mf_gatewayclass *gc = o->body;
        if (o->errors == 0 && gc->spec != NULL &&
            mf_str_eq(&gc->spec->controller_name, PLAN_GATEWAY_CONTROLLER))
            c->our_classes[c->nour_classes++] = o->name;
    }
}

static bool
plan_wants_address(const struct plan_ctx *c, const struct mf_object *o)
{
    if (o->errors != 0)
        return false;
    if (o->kind->id == MF_KIND_SERVICE) {
        const struct mf_service *svc = o->body;
        /* Like MetalLB without --lb-class: only Services without a class. */
        return svc->spec != NULL && svc->spec->type_id == MF_SERVICE_LOADBALANCER &&
               svc->spec->load_balancer_class.v == NULL;
    }
    return o->kind->id == MF_KIND_GATEWAY && plan_gateway_is_ours(c, o->body);
}

static void
plan_collect_requests(struct plan_ctx *c)
{
    const struct mf_set *set = c->in->set;

    plan_collect_classes(c);
    size_t cap = mf_set_count(set, MF_KIND_SERVICE) + mf_set_count(set, MF_KIND_GATEWAY) + 1;

    c->reqs = plan_scratch(c, cap * sizeof(*c->reqs));
    c->subjects = plan_scratch(c, cap * sizeof(*c->subjects));
    for (size_t i = 0; i < set->n; i++) {
        const struct mf_object *o = &set->objects[i];
        struct ipam_request *r = &c->reqs[c->nreqs];
        struct plan_subject *s = &c->subjects[c->nreqs];
        const struct plan_alloc *prev;

        if (!plan_wants_address(c, o))
            continue;
        s->obj = o;
        s->is_gateway = o->kind->id == MF_KIND_GATEWAY;
        r->ns = o->ns;
        r->name = o->name;
        r->created = mf_object_created(o);
        if (s->is_gateway)
            plan_request_gateway(c, o, r);
        else
            plan_request_service(c, o, r, s);
        prev = c->in->state ? plan_state_find(c->in->state, o->kind->name, o->ns, o->name) : NULL;
        if (prev != NULL) {
            r->prev_ips = prev->ips;
            r->n_prev_ips = prev->nips;
        }
        c->nreqs++;
    }
}

/* ---- results ----------------------------------------------------------- */

/* Ranks the requests by (ns, name) once: IPAM's order and the services
 * section both sort by it. */
static void
plan_rank_requests(struct plan_ctx *c)
{
    const char **ns = plan_scratch(c, (c->nreqs + 1) * sizeof(*ns));
    const char **names = plan_scratch(c, (c->nreqs + 1) * sizeof(*names));

    c->name_rank = plan_scratch(c, (c->nreqs + 1) * sizeof(*c->name_rank));
    for (size_t i = 0; i < c->nreqs; i++) {
        ns[i] = c->reqs[i].ns ? c->reqs[i].ns : "";
        names[i] = c->reqs[i].name ? c->reqs[i].name : "";
    }
    if (plan_rank_names(&c->scratch, ns, names, c->nreqs, c->name_rank) != 0) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    for (size_t i = 0; i < c->nreqs; i++)
        c->reqs[i].name_rank = c->name_rank[i] + 1;
}

static int
plan_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/*
 * Request indices in the order of the services section: (ns, name, kind),
 * i.e. name rank, then "Gateway" before "Service". Keys are unique (IPAM
 * refused duplicates), so the order is total.
 */
static size_t *
plan_services_order(struct plan_ctx *c)
{
    uint64_t *keys = plan_scratch(c, (c->nreqs + 1) * sizeof(*keys));
    size_t *order = plan_scratch(c, (c->nreqs + 1) * sizeof(*order));

    for (size_t i = 0; i < c->nreqs; i++) {
        uint64_t service = strcmp(c->subjects[i].obj->kind->name, "Gateway") > 0;
        keys[i] = (uint64_t)c->name_rank[i] << 33 | service << 32 | i;
    }
    sort_big(keys, c->nreqs, sizeof(*keys), plan_u64_cmp);
    for (size_t k = 0; k < c->nreqs; k++)
        order[k] = (size_t)(keys[k] & UINT32_MAX);
    return order;
}

/* One block for "ns\0name\0ns/name\0": the entry's copies and the "ns/name"
 * its advertisements list. Copied: the plan outlives the loaded objects
 * (runtime frees them). */
static const char *
plan_copy_names(struct plan_ctx *c, const char *ns, const char *name, struct plan_service *s)
{
    size_t nl = strlen(ns), ml = strlen(name);
    char *b = arena_alloc_uninit(&c->p->bulk, 2 * (nl + ml) + 3);

    if (b == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    memcpy(b, ns, nl + 1);
    memcpy(b + nl + 1, name, ml + 1);
    memcpy(b + nl + ml + 2, ns, nl);
    b[2 * nl + ml + 2] = '/';
    memcpy(b + 2 * nl + ml + 3, name, ml + 1);
    s->ns = b;
    s->name = b + nl + 1;
    return b + nl + ml + 2;
}

/*
 * The services section, in (ns, name, kind) order. Filled in request
 * order, each entry written to its place: the objects and IPAM's results
 * are read in the order they lie in memory. Pool names are copied once per
 * pool (results point to the pool's own name).
 */
static void
plan_fill_services(struct plan_ctx *c)
{
    struct plan *p = c->p;
    const size_t *order = plan_services_order(c);
    size_t *place = plan_scratch(c, (c->nreqs + 1) * sizeof(*place));
    const char *pool_of = NULL, *pool_copy = NULL;

    c->by_name = order;
    c->who = plan_scratch(c, (c->nreqs + 1) * sizeof(*c->who));
    for (size_t k = 0; k < c->nreqs; k++)
        place[order[k]] = k;
    p->services = plan_bulk_alloc(c, (c->nreqs + 1) * sizeof(*p->services));
    for (size_t i = 0; i < c->nreqs; i++) {
        const struct ipam_result *r = &c->out.results[i];
        struct plan_service *s = &p->services[place[i]];

        s->kind = c->subjects[i].obj->kind->name;
        c->who[i] = plan_copy_names(c, c->reqs[i].ns, c->reqs[i].name, s);
        memcpy(s->ips, r->ips, sizeof(s->ips));
        s->nips = r->n_ips;
        if (r->pool != NULL && r->pool != pool_of) {
            pool_of = r->pool;
            pool_copy = plan_bulk_strdup(c, r->pool);
        }
        s->pool = r->pool ? pool_copy : NULL;
        s->sharing_key = r->sharing_key && r->sharing_key[0] ? plan_bulk_strdup(c, r->sharing_key) : NULL;
        s->status = r->status == IPAM_ALLOCATED ? PLAN_ALLOCATED
                    : r->status == IPAM_PENDING ? PLAN_PENDING : PLAN_ERROR;
        s->reason = r->reason ? plan_bulk_strdup(c, r->reason) : r->note ? plan_bulk_strdup(c, r->note) : NULL;
    }
    p->nservices = c->nreqs;
}

static int
plan_pool_cmp(const void *a, const void *b)
{
    return strcmp(((const struct plan_pool *)a)->name, ((const struct plan_pool *)b)->name);
}

static void
plan_fill_pools(struct plan_ctx *c)
{
    struct plan *p = c->p;

    p->pools = plan_alloc(c, (c->npools + 1) * sizeof(*p->pools));
    for (size_t i = 0; i < c->npools; i++) {
        const struct ipam_usage *u = &c->out.usage[i];
        p->pools[i].name = plan_strdup(c, c->pools[i].name);
        p->pools[i].assigned_v4 = u->assigned_v4;
        p->pools[i].assigned_v6 = u->assigned_v6;
        p->pools[i].available_v4 = u->available_v4;
        p->pools[i].available_v6 = u->infinite_v6 ? INT64_MAX : u->available_v6;
    }
    p->npools = c->npools;
    qsort(p->pools, p->npools, sizeof(*p->pools), plan_pool_cmp);
}

int
plan_allocate(struct plan_ctx *c)
{
    struct ipam_input in;

    plan_collect_pools(c);
    plan_collect_requests(c);
    plan_rank_requests(c);
    memset(&in, 0, sizeof(in));
    in.pools = c->pools;
    in.n_pools = c->npools;
    in.requests = c->reqs;
    in.n_requests = c->nreqs;
    in.selects = plan_pool_selects;
    in.ctx = c;
    if (ipam_allocate(&in, &c->scratch, &c->out) != 0) {
        c->error = c->out.error ? c->out.error : "address allocation failed";
        return -1;
    }
    plan_fill_services(c);
    plan_fill_pools(c);
    return 0;
}

/* Scenario helpers for the IPAM tests (see tests.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipaddr.h"
#include "tests.h"

struct t_env *
t_new(void)
{
    struct t_env *e = calloc(1, sizeof(*e));

    assert_non_null(e);
    arena_init(&e->a, 0, 0);
    return e;
}

void
t_free(struct t_env *e)
{
    arena_free(&e->a);
    free(e);
}

struct ip_addr
t_ip(const char *s)
{
    struct ip_addr a;

    if (ip_parse(s, strlen(s), &a) != 0)
        fail_msg("bad address in test: %s", s);
    return a;
}

/* Splits list at commas (spaces trimmed) into arena strings; returns the count. */
static size_t
split(struct t_env *e, const char *list, const char **out, size_t max)
{
    size_t n = 0;

    while (list != NULL && *list != '\0' && n < max) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        const char *s = list;
        while (len > 0 && *s == ' ')
            s++, len--;
        while (len > 0 && s[len - 1] == ' ')
            len--;
        out[n++] = arena_strndup(&e->a, s, len);
        list = end ? end + 1 : NULL;
    }
    return n;
}

static void
parse_range(const char *s, struct ipam_range *r)
{
    const char *dash = strchr(s, '-');
    struct ip_prefix p;
    const char *err;

    if (dash != NULL) {
        char a[64];
        snprintf(a, sizeof(a), "%.*s", (int)(dash - s), s);
        r->first = t_ip(a);
        r->last = t_ip(dash + 1);
        return;
    }
    if (ip_prefix_parse(s, strlen(s), &p, &err) != 0)
        fail_msg("bad CIDR in test: %s", s);
    r->first = p.addr;
    r->last = ip_prefix_last(&p);
}

struct ipam_pool *
t_pool(struct t_env *e, const char *name, const char *addrs)
{
    const char *parts[256];
    size_t n = split(e, addrs, parts, 256);
    struct ipam_range *ranges = arena_alloc(&e->a, (n + 1) * sizeof(*ranges));
    struct ipam_pool *p;

    assert_true(e->n_pools < T_MAX_POOLS);
    p = &e->pools[e->n_pools++];
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < n; i++)
        parse_range(parts[i], &ranges[i]);
    p->name = arena_strndup(&e->a, name, strlen(name));
    p->ranges = ranges;
    p->n_ranges = n;
    p->auto_assign = true;
    return p;
}

void
t_pool_alloc(struct t_env *e, struct ipam_pool *p, int64_t prio, const char *namespaces)
{
    const char **ns = arena_alloc(&e->a, 64 * sizeof(*ns));

    p->has_allocation = true;
    p->priority = prio;
    p->has_namespace_rules = namespaces != NULL;
    p->n_namespaces = split(e, namespaces, ns, 64);
    p->namespaces = ns;
}

struct ipam_pool *
t_pool_named(struct t_env *e, const char *name)
{
    for (size_t i = 0; i < e->n_pools; i++)
        if (strcmp(e->pools[i].name, name) == 0)
            return &e->pools[i];
    fail_msg("no pool %s", name);
    return NULL;
}

void
t_pool_drop(struct t_env *e, const char *name)
{
    size_t i = (size_t)(t_pool_named(e, name) - e->pools);

    memmove(&e->pools[i], &e->pools[i + 1], (e->n_pools - i - 1) * sizeof(e->pools[0]));
    memmove(&e->sel[i], &e->sel[i + 1], (e->n_pools - i - 1) * sizeof(e->sel[0]));
    e->n_pools--;
}

static size_t
req_index(struct t_env *e, const char *key)
{
    const char *slash = strchr(key, '/');

    for (size_t i = 0; i < e->n_reqs; i++)
        if (strncmp(e->reqs[i].ns, key, (size_t)(slash - key)) == 0 &&
            e->reqs[i].ns[slash - key] == '\0' && strcmp(e->reqs[i].name, slash + 1) == 0)
            return i;
    fail_msg("no request %s", key);
    return 0;
}

struct ipam_request *
t_req(struct t_env *e, const char *key)
{
    return &e->reqs[req_index(e, key)];
}

struct ipam_request *
t_svc(struct t_env *e, const char *key)
{
    const char *slash = strchr(key, '/');
    struct ipam_request *r;
    int64_t created = e->n_reqs > 0 ? e->reqs[e->n_reqs - 1].created + 1 : 1;

    assert_non_null(slash);
    assert_true(e->n_reqs < T_MAX_REQS);
    r = &e->reqs[e->n_reqs++];
    memset(r, 0, sizeof(*r));
    r->ns = arena_strndup(&e->a, key, (size_t)(slash - key));
    r->name = arena_strndup(&e->a, slash + 1, strlen(slash + 1));
    r->created = created;
    r->policy = IPAM_SINGLE_V4;
    return r;
}

void
t_drop(struct t_env *e, const char *key)
{
    size_t i = req_index(e, key);

    memmove(&e->reqs[i], &e->reqs[i + 1], (e->n_reqs - i - 1) * sizeof(e->reqs[0]));
    for (size_t p = 0; p < T_MAX_POOLS; p++)
        memmove(&e->sel[p][i], &e->sel[p][i + 1], (e->n_reqs - i - 1) * sizeof(bool));
    e->n_reqs--;
}

void
t_ips_of(struct t_env *e, struct ipam_request *r, const char *list, bool prev)
{
    const char *parts[8];
    size_t n = split(e, list, parts, 8);
    struct ip_addr *ips = arena_alloc(&e->a, (n + 1) * sizeof(*ips));

    for (size_t i = 0; i < n; i++)
        ips[i] = t_ip(parts[i]);
    if (prev) {
        r->prev_ips = ips;
        r->n_prev_ips = n;
    } else {
        r->requested_ips = ips;
        r->n_requested_ips = n;
    }
}

void
t_ports(struct t_env *e, struct ipam_request *r, const char *list)
{
    const char *parts[32];
    size_t n = split(e, list, parts, 32);
    struct ipam_port *ports = arena_alloc(&e->a, (n + 1) * sizeof(*ports));

    for (size_t i = 0; i < n; i++) {
        ports[i].proto = strncmp(parts[i], "UDP", 3) == 0    ? IPAM_PROTO_UDP
                         : strncmp(parts[i], "SCTP", 4) == 0 ? IPAM_PROTO_SCTP
                                                             : IPAM_PROTO_TCP;
        ports[i].port = (uint16_t)atoi(strchr(parts[i], '/') + 1);
    }
    r->ports = ports;
    r->n_ports = n;
}

void
t_select(struct t_env *e, const char *pool, const char *key)
{
    struct ipam_pool *p = t_pool_named(e, pool);

    p->has_service_selectors = true;
    e->sel[p - e->pools][req_index(e, key)] = true;
}

static bool
t_selects(void *ctx, size_t pool, size_t request)
{
    return ((struct t_env *)ctx)->sel[pool][request];
}

int
t_try(struct t_env *e)
{
    struct ipam_input in = {
        .pools = e->pools,
        .n_pools = e->n_pools,
        .requests = e->reqs,
        .n_requests = e->n_reqs,
        .selects = t_selects,
        .ctx = e,
    };

    return ipam_allocate(&in, &e->a, &e->out);
}

void
t_run(struct t_env *e)
{
    if (t_try(e) != 0)
        fail_msg("ipam_allocate failed: %s", e->out.error);
}

void
t_carry(struct t_env *e)
{
    for (size_t i = 0; i < e->n_reqs; i++) {
        const struct ipam_result *res = &e->out.results[i];
        struct ip_addr *ips = arena_alloc(&e->a, 2 * sizeof(*ips));

        memcpy(ips, res->ips, res->n_ips * sizeof(*ips));
        e->reqs[i].prev_ips = ips;
        e->reqs[i].n_prev_ips = res->n_ips;
    }
}

const struct ipam_result *
t_res(struct t_env *e, const char *key)
{
    return &e->out.results[req_index(e, key)];
}

const char *
t_ips(struct t_env *e, const char *key)
{
    const struct ipam_result *res = t_res(e, key);
    char a[IP_STRLEN], b[IP_STRLEN];

    if (res->n_ips == 0)
        return "";
    if (res->n_ips == 1)
        return arena_printf(&e->a, "%s", ip_format(&res->ips[0], a));
    return arena_printf(&e->a, "%s,%s", ip_format(&res->ips[0], a), ip_format(&res->ips[1], b));
}

const struct ipam_usage *
t_usage(struct t_env *e, const char *pool)
{
    return &e->out.usage[t_pool_named(e, pool) - e->pools];
}

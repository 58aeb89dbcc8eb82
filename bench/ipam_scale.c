/*
 * Scale benchmark for ipam/ (issue 3): 100,000 Services over pools totalling
 * a /12 must be planned in under 1 second and 200 MB.
 *
 * Sixteen /16 pools (four pinned to namespaces by priority, two with
 * avoidBuggyIPs, one autoAssign=false, the rest fallbacks; the last also
 * holds an IPv6 /64 for dual-stack Services) and 100,000 Services in 1,000
 * namespaces: mostly automatic IPv4, some PreferDualStack, requested
 * addresses, requested pools and sharing pairs. Three runs: a fresh start,
 * a restart where every Service holds its address (state file), and a
 * churn where 10% of the Services are replaced. Prints the time of each run
 * and the peak RSS of the process; exits 1 when a limit is exceeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/arena.h"
#include "core/ipaddr.h"
#include "ipam/ipam.h"

enum { N_SVC = 100000, N_POOLS = 16, N_NS = 1000 };

struct bench {
    struct arena a;
    struct ipam_pool pools[N_POOLS];
    struct ipam_range ranges[N_POOLS][2];
    struct ipam_request *reqs;
    struct ip_addr *prev; /* 2 per request */
    struct ip_addr *want; /* 1 per request */
    struct ipam_port *ports;
    char (*names)[32];
    char (*keys)[16];
    const char *ns[N_NS];
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ip_addr
v4(uint32_t x)
{
    struct ip_addr a = {IP_FAMILY_V4, x};

    return a;
}

static void
make_pools(struct bench *b)
{
    static char names[N_POOLS][16];
    static const char *nss[4][25];

    for (int p = 0; p < N_POOLS; p++) {
        struct ipam_pool *pool = &b->pools[p];
        uint32_t base = (10u << 24) | ((uint32_t)p << 16);

        snprintf(names[p], sizeof(names[p]), "pool-%02d", p);
        b->ranges[p][0].first = v4(base);
        b->ranges[p][0].last = v4(base | 0xffff);
        pool->name = names[p];
        pool->ranges = b->ranges[p];
        pool->n_ranges = 1;
        pool->auto_assign = p != 6;
        pool->avoid_buggy_ips = p == 4 || p == 5;
        if (p < 4) {
            for (int i = 0; i < 25; i++)
                nss[p][i] = b->ns[p * 25 + i];
            pool->has_allocation = true;
            pool->priority = 4 - p;
            pool->has_namespace_rules = true;
            pool->namespaces = nss[p];
            pool->n_namespaces = 25;
        }
    }
    b->ranges[15][1].first.family = IP_FAMILY_V6;
    b->ranges[15][1].first.v = (ip_u128)0x20010db8u << 96;
    b->ranges[15][1].last.family = IP_FAMILY_V6;
    b->ranges[15][1].last.v = b->ranges[15][1].first.v | (ip_u128)UINT64_MAX;
    b->pools[15].n_ranges = 2;
}

/* Service i; gen distinguishes the replacements made by the churn run. */
static void
make_service(struct bench *b, int i, int gen)
{
    struct ipam_request *r = &b->reqs[i];
    int kind = i % 100;

    memset(r, 0, sizeof(*r));
    snprintf(b->names[i], sizeof(b->names[i]), "svc-%d-%d", i, gen);
    r->ns = b->ns[i % N_NS];
    r->name = b->names[i];
    r->created = (int64_t)i + (int64_t)gen * N_SVC;
    r->policy = IPAM_SINGLE_V4;
    b->ports[i].proto = IPAM_PROTO_TCP;
    b->ports[i].port = (uint16_t)(80 + (i & 1));
    r->ports = &b->ports[i];
    r->n_ports = 1;
    if (kind < 5) {
        r->policy = IPAM_PREFER_DUAL;
    } else if (kind < 7) {
        /* Requested addresses high in pool-14, one per Service. */
        b->want[i] = v4((10u << 24) | (14u << 16) | (uint32_t)(0x8000 + i / 100 * 2 + kind - 5));
        r->requested_ips = &b->want[i];
        r->n_requested_ips = 1;
    } else if (kind < 10) {
        /* Pairs 7+8 of each hundred share a key and differ in ports (80, 81). */
        snprintf(b->keys[i], sizeof(b->keys[i]), "k%d", i / 100);
        r->sharing_key = b->keys[i];
    } else if (kind == 10) {
        r->requested_pool = "pool-06";
    }
}

/* Keeps the addresses as the state file would, then drops the previous output. */
static void
carry(struct bench *b, const struct ipam_output *out)
{
    for (int i = 0; i < N_SVC; i++) {
        memcpy(&b->prev[2 * i], out->results[i].ips, out->results[i].n_ips * sizeof(b->prev[0]));
        b->reqs[i].prev_ips = &b->prev[2 * i];
        b->reqs[i].n_prev_ips = out->results[i].n_ips;
    }
    arena_free(&b->a);
    arena_init(&b->a, 1 << 22, 0);
}

static int
run(struct bench *b, const char *label, struct ipam_output *out, double *secs)
{
    struct ipam_input in = {b->pools, N_POOLS, b->reqs, N_SVC, NULL, NULL};
    size_t n[IPAM_STATUS_COUNT] = {0}, moved = 0;
    double t0 = now();

    if (ipam_allocate(&in, &b->a, out) != 0) {
        fprintf(stderr, "ipam_allocate: %s\n", out->error);
        return -1;
    }
    *secs = now() - t0;
    for (int i = 0; i < N_SVC; i++) {
        n[out->results[i].status]++;
        moved += out->results[i].change == IPAM_CHANGE_MOVED;
        if (out->results[i].status != IPAM_ALLOCATED && n[IPAM_PENDING] + n[IPAM_ERROR] == 1)
            printf("  first failure: %s/%s: %s\n", b->reqs[i].ns, b->reqs[i].name,
                   out->results[i].reason);
    }
    printf("%-8s %7d services: %6zu allocated %5zu pending %5zu error %5zu moved  %.3f s\n", label,
           N_SVC, n[IPAM_ALLOCATED], n[IPAM_PENDING], n[IPAM_ERROR], moved, *secs);
    return 0;
}

int
main(void)
{
    static struct bench b;
    static char ns_names[N_NS][16];
    struct ipam_output out;
    struct rusage ru;
    double secs, worst = 0;
    int rc = 0;

    arena_init(&b.a, 1 << 22, 0);
    b.reqs = calloc(N_SVC, sizeof(*b.reqs));
    b.prev = calloc(2 * (size_t)N_SVC, sizeof(*b.prev));
    b.want = calloc(N_SVC, sizeof(*b.want));
    b.ports = calloc(N_SVC, sizeof(*b.ports));
    b.names = calloc(N_SVC, sizeof(*b.names));
    b.keys = calloc(N_SVC, sizeof(*b.keys));
    if (!b.reqs || !b.prev || !b.want || !b.ports || !b.names || !b.keys)
        return 1;
    for (int i = 0; i < N_NS; i++) {
        snprintf(ns_names[i], sizeof(ns_names[i]), "ns-%03d", i);
        b.ns[i] = ns_names[i];
    }
    make_pools(&b);
    for (int i = 0; i < N_SVC; i++)
        make_service(&b, i, 0);
    if (run(&b, "fresh", &out, &secs) != 0)
        return 1;
    worst = secs > worst ? secs : worst;
    carry(&b, &out);
    if (run(&b, "restart", &out, &secs) != 0)
        return 1;
    worst = secs > worst ? secs : worst;
    carry(&b, &out);
    for (int i = 0; i < N_SVC; i += 10)
        make_service(&b, i, 1);
    if (run(&b, "churn", &out, &secs) != 0)
        return 1;
    worst = secs > worst ? secs : worst;
    getrusage(RUSAGE_SELF, &ru);
    printf("pools: 16 x /16 = a /12 (+ an IPv6 /64); slowest run %.3f s (limit 1 s); "
           "peak RSS %.1f MB (limit 200 MB)\n", worst, (double)ru.ru_maxrss / 1024.0);
    if (worst >= 1.0 || ru.ru_maxrss >= 200 * 1024)
        rc = 1;
    arena_free(&b.a);
    return rc;
}

/*
 * Route-matching benchmark (not a test): lookups per second, one thread,
 * with 1,000 HTTPRoutes attached to one listener, in three shapes:
 *   hosts  - 100 hostnames x 10 routes, 3 rules each (Exact, PathPrefix,
 *            PathPrefix + header), requests: 80% hits, 20% misses;
 *   flat   - 1,000 routes without hostnames on one vhost, PathPrefix rules:
 *            what a linear scan would suffer most from;
 *   regex  - as flat, plus 100 routes with a RegularExpression path (regexes
 *            are tried in order, so they cost per request).
 *
 *   build-http/tests/unit/gateway/bench_gateway_match [lookups [hosts|flat|regex]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/match.h"

#define ROUTES 1000
#define REQS 4096

struct defs {
    struct gw_route_def routes[ROUTES + 100];
    struct gw_rule_def rules[(ROUTES + 100) * 3];
    struct gw_match_def matches[(ROUTES + 100) * 3];
    char names[ROUTES + 100][32];
    char hosts[ROUTES + 100][40];
    const char *host_ptr[ROUTES + 100];
    char paths[(ROUTES + 100) * 3][48];
    size_t n;
};

static const struct gw_kv_match hdr_v2[] = {{GW_VALUE_EXACT, "x-version", "v2"}};

struct req {
    char host[40];
    char path[64];
    bool header;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Route i: rules Exact /svcI/health, PathPrefix /svcI/api, PathPrefix /svcI + header. */
static void
add_route(struct defs *d, size_t i, const char *host, bool regex)
{
    struct gw_route_def *r = &d->routes[d->n];
    size_t k = d->n * 3;

    snprintf(d->names[d->n], sizeof(d->names[0]), "route-%zu", i);
    *r = (struct gw_route_def){.ns = "bench",
                               .name = d->names[d->n],
                               .created = (int64_t)i,
                               .rules = &d->rules[k],
                               .n_rules = 3};
    if (host != NULL) {
        snprintf(d->hosts[d->n], sizeof(d->hosts[0]), "%s", host);
        d->host_ptr[d->n] = d->hosts[d->n];
        r->hostnames = &d->host_ptr[d->n];
        r->n_hostnames = 1;
    }
    snprintf(d->paths[k], sizeof(d->paths[0]), regex ? "/re%zu/[a-z]+/[0-9]+" : "/svc%zu/health",
             i);
    snprintf(d->paths[k + 1], sizeof(d->paths[0]), "/svc%zu/api", i);
    snprintf(d->paths[k + 2], sizeof(d->paths[0]), "/svc%zu", i);
    d->matches[k] = (struct gw_match_def){.path_type = regex ? GW_PATH_REGEX : GW_PATH_EXACT,
                                          .path = d->paths[k]};
    d->matches[k + 1] = (struct gw_match_def){.path = d->paths[k + 1]};
    d->matches[k + 2] =
        (struct gw_match_def){.path = d->paths[k + 2], .headers = hdr_v2, .n_headers = 1};
    for (size_t j = 0; j < 3; j++)
        d->rules[k + j] = (struct gw_rule_def){&d->matches[k + j], 1};
    d->n++;
}

static void
make_requests(struct req *q, bool with_hosts, bool regex, uint32_t seed)
{
    for (size_t i = 0; i < REQS; i++) {
        unsigned r, kind;
        seed = seed * 1103515245u + 12345u;
        r = (seed >> 8) % ROUTES;
        kind = (seed >> 20) % 10;
        snprintf(q[i].host, sizeof(q[i].host), with_hosts ? "svc%u.example.com" : "gw.example",
                 r % 100);
        q[i].header = kind == 7;
        if (regex && kind == 9)
            snprintf(q[i].path, sizeof(q[i].path), "/re%u/abc/123", r % 100);
        else if (kind < 2)
            snprintf(q[i].path, sizeof(q[i].path), "/svc%u/health", r);
        else if (kind < 7)
            snprintf(q[i].path, sizeof(q[i].path), "/svc%u/api/v1/items/%u", r, seed % 997);
        else if (kind == 7)
            snprintf(q[i].path, sizeof(q[i].path), "/svc%u/other", r);
        else
            snprintf(q[i].path, sizeof(q[i].path), "/missing/%u/x", r);
    }
}

static void
run(const char *name, struct defs *d, bool with_hosts, bool regex, long lookups)
{
    static struct req q[REQS];
    static const char hbuf[] = "x-version: v2";
    const struct http_field hf = {.name_off = 0, .name_len = 9, .value_off = 11, .value_len = 2};
    struct gw_scratch *s = gw_scratch_new();
    struct gw_table *t;
    double t0, t1, t2, t3;
    long hits = 0;

    t0 = now();
    t = gw_table_build(NULL, d->routes, d->n, NULL);
    t1 = now();
    if (t == NULL || s == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    make_requests(q, with_hosts, regex, 42);
    t2 = now();
    for (long i = 0; i < lookups; i++) {
        const struct req *x = &q[i % REQS];
        struct gw_request r = {.host = x->host,
                               .host_len = strlen(x->host),
                               .path = x->path,
                               .path_len = strlen(x->path),
                               .method = HTTP_METHOD_GET,
                               .buf = hbuf,
                               .fields = &hf,
                               .n_fields = x->header ? 1 : 0};
        struct gw_result res;
        hits += gw_table_lookup(t, s, &r, &res);
    }
    t3 = now();
    printf("%-6s %4zu routes  build %6.2f ms  %10.0f lookups/s  %5.0f ns/lookup  hits %2.0f%%\n",
           name, d->n, (t1 - t0) * 1e3, (double)lookups / (t3 - t2),
           (t3 - t2) * 1e9 / (double)lookups, 100.0 * (double)hits / (double)lookups);
    gw_table_free(t);
    gw_scratch_free(s);
}

int
main(int argc, char **argv)
{
    static struct defs d;
    long lookups = argc > 1 ? atol(argv[1]) : 5000000;
    const char *only = argc > 2 ? argv[2] : "";
    char host[40];

    memset(&d, 0, sizeof(d));
    for (size_t i = 0; i < ROUTES; i++) {
        snprintf(host, sizeof(host), "svc%zu.example.com", i % 100);
        add_route(&d, i, host, false);
    }
    if (only[0] == '\0' || strcmp(only, "hosts") == 0)
        run("hosts", &d, true, false, lookups);
    memset(&d, 0, sizeof(d));
    for (size_t i = 0; i < ROUTES; i++)
        add_route(&d, i, NULL, false);
    if (only[0] == '\0' || strcmp(only, "flat") == 0)
        run("flat", &d, false, false, lookups);
    for (size_t i = 0; i < 100; i++)
        add_route(&d, i, NULL, true);
    if (only[0] == '\0' || strcmp(only, "regex") == 0)
        run("regex", &d, false, true, lookups);
    return 0;
}

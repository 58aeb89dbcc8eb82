/*
 * Adj-RIB-Out at scale: N /32 prefixes (default 1,000,000) sharing one
 * attribute set, announced to one peer, then reloaded unchanged, then with
 * 1% changed. Prints the time of each step, the UPDATEs and bytes produced,
 * and the memory per prefix two ways: what the Adj-RIB-Out says it holds,
 * and the growth of the process's resident set (VmRSS). Not a test.
 *
 *   bench_bgp_adj_out [N]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/bgp.h"

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set in bytes, from /proc/self/status. */
static long
rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static void
fill(struct bgp_route *r, size_t n, uint32_t attr, uint32_t other, size_t every)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t a = 0x0a000000u + (uint32_t)i;

        memset(&r[i], 0, sizeof(r[i]));
        r[i].prefix.family = BGP_FAMILY_IPV4_UNICAST;
        r[i].prefix.len = 32;
        r[i].prefix.addr[0] = (uint8_t)(a >> 24);
        r[i].prefix.addr[1] = (uint8_t)(a >> 16);
        r[i].prefix.addr[2] = (uint8_t)(a >> 8);
        r[i].prefix.addr[3] = (uint8_t)a;
        r[i].attr = every && i % every == 0 ? other : attr;
    }
}

/* Drains the Adj-RIB-Out; returns the number of messages, adds bytes. */
static size_t
drain(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, size_t *bytes)
{
    uint8_t buf[BGP_MAX_MSG_LEN];
    size_t n = 0, len;

    while ((len = bgp_adj_out_next(rib, ctx, buf, sizeof(buf))) > 0) {
        n++;
        *bytes += len;
    }
    return n;
}

static void
step(const char *what, struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx,
     const struct bgp_route *r, size_t n)
{
    double t0 = now_s(), t1;
    size_t bytes = 0, msgs;

    if (bgp_adj_out_set(rib, r, n) < 0) {
        fprintf(stderr, "bench: set failed\n");
        exit(3);
    }
    t1 = now_s();
    msgs = drain(rib, ctx, &bytes);
    printf("%-22s set %7.3f s  encode %7.3f s  %8zu UPDATEs  %10zu bytes\n", what, t1 - t0,
           now_s() - t1, msgs, bytes);
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    struct bgp_update_ctx ctx = {
        .local_as = 64512, .ebgp = true, .as4 = true, .has_nh4 = true, .nh4 = {192, 0, 2, 1}};
    uint32_t comm[] = {0xfde80064}, id, other;
    struct bgp_attrs a = {.communities = comm, .ncommunities = 1}, b = {0};
    struct bgp_attr_pool *pool = bgp_attr_pool_new();
    struct bgp_adj_out *rib = bgp_adj_out_new(pool);
    struct bgp_route *r = malloc(n * sizeof(*r));
    struct bgp_adj_out_stats st;
    long rss0, rss1, rss2;

    if (pool == NULL || rib == NULL || r == NULL || bgp_attr_intern(pool, &a, &id) < 0 ||
        bgp_attr_intern(pool, &b, &other) < 0)
        return 3;
    bgp_adj_out_session_up(rib, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    rss0 = rss_bytes(); /* r is not touched yet, so not resident */
    fill(r, n, id, other, 0);
    step("initial announce", rib, &ctx, r, n);
    step("reload, unchanged", rib, &ctx, r, n);
    fill(r, n, id, other, 100);
    step("reload, 1% changed", rib, &ctx, r, n);
    free(r); /* the caller's input is transient */
    rss1 = rss_bytes();
    /* glibc raises its mmap threshold after big frees, so the transient
     * arrays of a reload may stay in the heap; trimming shows what the
     * Adj-RIB-Out itself keeps resident. */
    malloc_trim(0);
    rss2 = rss_bytes();
    bgp_adj_out_stats(rib, &st);
    printf("prefixes %zu advertised %zu\n", n, st.advertised[BGP_FAMILY_IPV4_UNICAST]);
    printf("adj-rib-out heap: %.1f bytes/prefix (%zu bytes; attribute pool %zu bytes)\n",
           (double)st.bytes / (double)n, st.bytes, bgp_attr_pool_bytes(pool));
    printf("rss growth: %.1f bytes/prefix (%ld -> %ld bytes); after malloc_trim: %.1f\n",
           (double)(rss1 - rss0) / (double)n, rss0, rss1, (double)(rss2 - rss0) / (double)n);
    bgp_adj_out_free(rib);
    bgp_attr_unref(pool, id);
    bgp_attr_unref(pool, other);
    bgp_attr_pool_free(pool);
    return 0;
}

/*
 * Per-route request counters and latency histograms (docs/internals/gateway.md,
 * "Statistics and the access log"). Internal to src/gateway.
 *
 * A slot is one (gateway, listener, route) identity; the control thread
 * assigns slots when a snapshot is published and never reuses or frees
 * one, so counters survive reloads (a route that comes back finds its slot).
 * Every worker has its own copy of every slot and is its only writer
 * (relaxed load + store, no read-modify-write, no shared cache line); a
 * scrape sums the copies with relaxed loads.
 */
#ifndef METALGATE_GATEWAY_STATS_H
#define METALGATE_GATEWAY_STATS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define GW_STATS_NONE UINT32_MAX /* not counted: out of slots or memory */
#define GW_STATS_CHUNK 64u       /* slots per allocation */
#define GW_STATS_CHUNKS 1024u    /* at most 65,536 identities */
#define GW_STATS_BUCKETS 11u     /* finite histogram buckets (plus +Inf) */

/* Status classes: 1xx..5xx, and "none" for a transaction with no response. */
enum gw_code_class {
    GW_CODE_NONE = 0,
    GW_CODE_1XX,
    GW_CODE_2XX,
    GW_CODE_3XX,
    GW_CODE_4XX,
    GW_CODE_5XX,
    GW_CODE_COUNT
};

/* One worker's counters of one slot. */
struct gw_stat_slot {
    _Atomic uint64_t codes[GW_CODE_COUNT];
    _Atomic uint64_t buckets[GW_STATS_BUCKETS + 1]; /* not cumulative; last: +Inf */
    _Atomic uint64_t sum_us;
};

struct gw_stats;

/* Statistics for nworkers writers; NULL when memory runs out. */
struct gw_stats *gw_stats_new(unsigned nworkers);
void gw_stats_free(struct gw_stats *s);

/*
 * The slot of (gateway, listener, route) (route "" for requests no route
 * took), added when new. Control thread only; every worker's storage for
 * it exists when this returns. GW_STATS_NONE when full or out of memory.
 */
uint32_t gw_stats_slot(struct gw_stats *s, const char *gateway, const char *listener,
                       const char *route);

/* Counts one transaction of worker w (its thread only). status 0: no response. */
void gw_stats_record(struct gw_stats *s, unsigned w, uint32_t slot, uint16_t status,
                     uint64_t duration_us);

/*
 * Writes metalgate_http_requests_total and metalgate_http_request_duration_seconds
 * in the Prometheus text format, summing every worker's copy; slots that
 * never counted a request are left out. Control thread (slots may be added
 * meanwhile otherwise).
 */
void gw_stats_render(const struct gw_stats *s, FILE *out);

#endif

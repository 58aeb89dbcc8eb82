/*
 * The BGP speaker of the control thread: one bgp_fsm + Adj-RIB-Out + TCP
 * connection per BGPPeer that the plan gives this node, reconciled with
 * every new plan. Internal to runtime/.
 */
#ifndef METALGATE_RUNTIME_SPEAKER_H
#define METALGATE_RUNTIME_SPEAKER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bgp/bgp.h"
#include "core/evloop.h"
#include "plan/plan.h"

/* A peer's configuration, owned (strings copied out of the plan). */
struct rt_peer_conf {
    char name[254];
    struct ip_addr address;
    uint16_t port;
    uint32_t asn, my_asn;
    enum bgp_dynamic_asn dynamic_asn;
    uint32_t hold_time, keepalive_time, connect_time;
    char password[81]; /* TCP-MD5 key (RFC 2385 keys are at most 80 bytes) */
    bool has_source;
    struct ip_addr source;
    bool has_router_id;
    struct ip_addr router_id;
    bool ebgp_multihop;
    bool graceful_restart;
};

struct rt_peer {
    struct rt_speaker *sp;
    struct rt_peer_conf conf;
    struct bgp_fsm fsm;
    struct bgp_adj_out *rib;
    struct bgp_update_ctx uctx;
    struct bgp_decode_ctx dctx;
    int fd;
    uint32_t conn_gen; /* bumped on every close: buffers of an old connection are void */
    bool connecting;
    struct ev_io io;
    struct ev_timer timers[BGP_TIMER_COUNT];
    struct ev_timer failed; /* a connect that failed at once: TcpConnectionFails, later */
    uint8_t rbuf[2 * BGP_MAX_MSG_LEN];
    size_t rlen;
    uint8_t *wbuf; /* queued bytes: wbuf[woff..wlen) */
    size_t wlen, woff, wcap;
    bool close_after_flush;
    /* Counters for /metrics and /status. */
    uint64_t updates_sent, updates_received, notifications_sent, notifications_received;
    uint64_t prefixes_received, keepalives_received;
    uint64_t established_at_ns; /* CLOCK_MONOTONIC; 0 when not established */
    char last_error[256];
    struct rt_peer *next;
};

struct rt_speaker {
    struct ev_loop *loop;
    const char *node;
    uint16_t gr_time; /* restart time advertised with graceful restart */
    bool restarted;   /* set the Restart State bit on our first sessions */
    struct bgp_attr_pool *pool;
    struct rt_peer *peers;
};

int rt_speaker_init(struct rt_speaker *sp, struct ev_loop *loop, const char *node);
/* Brings sessions and routes in line with p: new peers start, removed ones
 * stop with Cease, changed ones restart, routes change by difference only. */
void rt_speaker_apply(struct rt_speaker *sp, const struct plan *p);
/* Sends Cease (administrative shutdown) to every peer and closes them. */
void rt_speaker_shutdown(struct rt_speaker *sp);
void rt_speaker_free(struct rt_speaker *sp);

void rt_speaker_status_json(const struct rt_speaker *sp, FILE *out);
void rt_speaker_metrics(const struct rt_speaker *sp, FILE *out);

/* bgp_peer.c */
struct rt_peer *rt_peer_new(struct rt_speaker *sp, const struct rt_peer_conf *conf);
void rt_peer_start(struct rt_peer *peer);
void rt_peer_stop(struct rt_peer *peer, uint8_t cease_subcode, const char *text);
void rt_peer_free(struct rt_peer *peer);
/* Sends whatever the Adj-RIB-Out has pending (after bgp_adj_out_set). */
void rt_peer_pump(struct rt_peer *peer);

#endif

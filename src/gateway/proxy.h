/*
 * The gateway data plane: an HTTP/1.1 reverse proxy run by N worker threads
 * (docs/internals/gateway.md).
 *
 * The control thread builds a snapshot (gw_snapshot_new, then fills it:
 * listening addresses and ports, their listeners, compiled route tables and
 * every rule's backends resolved to endpoints) and publishes it with
 * gw_proxy_publish(). A snapshot is immutable once published and reference
 * counted: each worker holds one reference and each request in flight one
 * more, so a reload never changes or frees what a request is using.
 */
#ifndef METALGATE_GATEWAY_PROXY_H
#define METALGATE_GATEWAY_PROXY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "core/ipaddr.h"
#include "gateway/match.h"

/* One upstream address (an EndpointSlice address and the resolved port). */
struct gw_endpoint {
    struct sockaddr_storage sa;
    socklen_t len;
};


/* A header field of a filter. Names are matched case-insensitively. */
struct gw_header {
    const char *name;
    const char *value;
    uint32_t name_len;
    uint32_t value_len;
};

/* RequestHeaderModifier / ResponseHeaderModifier: set replaces every field of
 * that name, add appends one more, remove drops them (value unused). */
struct gw_header_mod {
    struct gw_header *set, *add, *remove;
    uint32_t n_set, n_add, n_remove;
};

enum gw_path_mod {
    GW_PATHMOD_NONE = 0,
    GW_PATHMOD_FULL,   /* ReplaceFullPath */
    GW_PATHMOD_PREFIX, /* ReplacePrefixMatch */
};

/* RequestRedirect: NULL/0 members keep the request's value. */
struct gw_redirect {
    const char *scheme;
    const char *hostname;
    uint16_t port;   /* 0: derived as the spec says */
    uint16_t status; /* 301, 302 (default), 303, 307, 308 */
    enum gw_path_mod path_type;
    const char *path;
};

/* URLRewrite. */
struct gw_rewrite {
    const char *hostname; /* NULL: unchanged */
    enum gw_path_mod path_type;
    const char *path;
};

/*
 * The filters of a rule or of one backendRef; NULL: not given. fail_closed:
 * a filter the proxy cannot apply and must not skip (ExtensionRef,
 * ExternalAuth) is present, so every request given to the rule (or the ref)
 * is answered 500 and no backend is contacted.
 */
struct gw_filters {
    const struct gw_header_mod *req_headers;
    const struct gw_header_mod *resp_headers;
    const struct gw_redirect *redirect;
    const struct gw_rewrite *rewrite;
    bool fail_closed;
};

/*
 * One weighted backendRef and its own filters (applied after the rule's, only
 * to requests given to this ref). n_eps == 0: every request given to it is
 * answered with empty_status (500 when the ref does not resolve or its
 * filters fail closed, 503 when the Service has no ready endpoint).
 */
struct gw_backend {
    uint32_t weight;
    uint16_t empty_status;
    struct gw_endpoint *eps;
    uint32_t n_eps;
    struct gw_filters filters;
};

/*
 * HTTPRoute rule timeouts. has_timeouts false: the rule sets none and the
 * proxy's upstream timeout bounds the wait for each response head. Else
 * request_ms bounds the whole exchange from the request's first byte to the
 * response's last, and backend_ms each attempt (connect, request, response);
 * 0 disables either.
 */
struct gw_timeouts {
    bool has_timeouts;
    uint32_t request_ms;
    uint32_t backend_ms;
};

/*
 * A rule: its backends (total_weight 0: none, or all weights 0, answers
 * 500), filters and timeouts. match_prefix[i] is match i's PathPrefix value
 * (NULL for other path types), what ReplacePrefixMatch replaces.
 */
struct gw_rule {
    struct gw_backend *backends;
    uint32_t n_backends;
    uint32_t total_weight;
    struct gw_filters filters;
    const char **match_prefix;
    uint32_t n_matches;
    struct gw_timeouts timeouts;
};

/* An absolute deadline (monotonic ns) ms after start_ns; 0 (none) when ms is 0. */
uint64_t gw_deadline(uint64_t start_ns, uint32_t ms);

/*
 * The timer to arm (ms) at now_ns: limit_ms, the state's own limit, cut
 * short by the nearer of two deadlines (0: none). A deadline already passed
 * gives 0; a partial millisecond is rounded up, so that the timer never
 * fires before the deadline.
 */
uint64_t gw_timer_ms(uint64_t now_ns, uint64_t limit_ms, uint64_t deadline_a, uint64_t deadline_b);

/* Whether deadline d (0: none) has been reached at now_ns. */
bool gw_deadline_passed(uint64_t now_ns, uint64_t d);

/*
 * How long (ms) the proxy waits for a response head, deadlines aside: the
 * upstream timeout when the rule sets no timeouts, else the idle timeout
 * (its deadlines bound the wait; with both "0s" only inactivity does).
 */
uint32_t gw_head_wait_ms(const struct gw_timeouts *t, uint32_t upstream_ms, uint32_t idle_ms);

/*
 * Applies m to a serialized head in[0..len) (start line, field lines, empty
 * line) into out[0..cap). Returns the new length, or 0 if cap is too small.
 */
size_t gw_headers_apply(const struct gw_header_mod *m, const char *in, size_t len, char *out,
                        size_t cap);

/*
 * The path after a path modifier: FULL gives value; PREFIX replaces the
 * matched prefix (whole segments; a trailing '/' in either is ignored) of
 * path[0..len) with value. Writes a NUL-terminated path into out; returns its
 * length, or 0 if cap is too small.
 */
size_t gw_path_modify(enum gw_path_mod type, const char *value, const char *prefix,
                      const char *path, size_t len, char *out, size_t cap);

/* An attached HTTPRoute, its rules in the order given to gw_table_build(). */
struct gw_route {
    struct gw_rule *rules;
    uint32_t n_rules;
    const char *name;    /* "namespace/name", for the access log and metrics */
    uint32_t stats_slot; /* set by gw_proxy_publish */
};

/* One Gateway listener: routes[i] is the route def i given to its table. */
struct gw_listener {
    const char *name; /* "namespace/gateway/listener", for logs */
    struct gw_table *table;
    struct gw_route *routes;
    uint32_t n_routes;
    bool access_log;     /* the Gateway's metalgate.io/access-log names it */
    uint32_t stats_slot; /* its requests no route took; set by gw_proxy_publish */
};

/* The listeners served on one (address, port); select chooses by Host. */
struct gw_port {
    struct ip_addr addr;
    uint16_t port;
    struct gw_listeners *select;
    struct gw_listener *listeners;
    uint32_t n_listeners;
    bool access_log;     /* some listener logs: so do requests no listener takes */
    uint32_t stats_slot; /* requests no listener takes; set by gw_proxy_publish */
};

struct gw_snapshot {
    atomic_uint refs;
    uint64_t generation;
    struct gw_port *ports;
    size_t n_ports;
    bool access_log; /* some listener logs (connections copy what the log needs) */
    struct arena arena; /* everything above except tables and selects */
};

/* Fills e with addr and port. */
void gw_endpoint_set(struct gw_endpoint *e, const struct ip_addr *addr, uint16_t port);

/* A new, empty snapshot with one reference (the caller's); NULL on ENOMEM. */
struct gw_snapshot *gw_snapshot_new(uint64_t generation);
/* Takes one more reference; returns s. */
struct gw_snapshot *gw_snapshot_ref(struct gw_snapshot *s);
/* Drops one reference; the last one frees the tables, selects and arena. */
void gw_snapshot_unref(struct gw_snapshot *s);
/* The port entry for (addr, port), or NULL. */
const struct gw_port *gw_snapshot_port(const struct gw_snapshot *s, const struct ip_addr *addr,
                                       uint16_t port);

/* Client and upstream limits of the workers (milliseconds; bytes), and the
 * access log. `metalgate run` sets them from its options (docs/cli.md). */
struct gw_proxy_opts {
    unsigned workers;           /* 0 = number of online CPUs */
    uint32_t header_timeout_ms; /* a request head must arrive within this (slowloris) */
    uint32_t idle_timeout_ms;   /* an idle keep-alive client connection is closed */
    uint32_t connect_timeout_ms;
    uint32_t upstream_timeout_ms; /* no response head by then: 504 */
    uint32_t max_header_bytes;    /* request head, CRLFs included: 431 beyond */
    uint32_t max_headers;         /* header fields per request: 431 beyond */
    uint64_t max_body_bytes;      /* decoded request body: 413 beyond; 0 = unlimited */
    int access_log_fd; /* lines of listeners that log; -1: none. Not owned: the caller
                          may dup2() a reopened file onto it at any time. */
};

/* Limits of the workers' input buffers and field arrays. */
#define GW_WORKERS_MAX 256
#define GW_HEADER_BYTES_MIN 1024
#define GW_HEADER_BYTES_MAX (64u * 1024)
#define GW_HEADERS_MAX 100

/* Defaults: CPUs, 10 s, 60 s, 5 s, 30 s, 32 KiB, 100 fields, unlimited, no log. */
void gw_proxy_opts_default(struct gw_proxy_opts *o);

struct gw_proxy;

/* Starts the worker threads (no listener until a snapshot is published).
 * Returns NULL with errno set. Call from the thread whose signal mask the
 * workers should inherit. */
struct gw_proxy *gw_proxy_start(const struct gw_proxy_opts *o);

/*
 * Hands snapshot s to every worker (each gets its own reference; the caller
 * keeps its own). First binds s's routes, listeners and ports to their
 * statistics slots (by name, so counters carry over from older snapshots):
 * publish a snapshot once, before anyone else reads it. Workers open listening sockets for new ports, close those
 * of ports that are gone, and route new requests with s; requests in flight
 * finish with the snapshot they started with.
 */
void gw_proxy_publish(struct gw_proxy *p, struct gw_snapshot *s);

/* Stops and joins the workers, closing every connection. NULL is fine. */
void gw_proxy_stop(struct gw_proxy *p);

/* Number of worker threads running. */
unsigned gw_proxy_workers(const struct gw_proxy *p);

/*
 * Writes the per-route request counters and latency histograms in the
 * Prometheus text format (docs/cli.md, "Metrics"). Same thread as
 * gw_proxy_publish. NULL writes nothing.
 */
void gw_proxy_metrics(const struct gw_proxy *p, FILE *out);

#endif

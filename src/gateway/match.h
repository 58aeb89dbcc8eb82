/*
 * Gateway API request routing (HTTPRoute matches) for one listener, and the
 * choice of listener among those sharing a port.
 *
 * A route table is compiled once per configuration from plain definitions
 * (the plan's view of the HTTPRoutes attached to one listener) and is then
 * immutable: any number of worker threads may look requests up in it at the
 * same time, each with its own struct gw_scratch. The table copies everything
 * it needs; the definitions can be freed after gw_table_build().
 *
 * Semantics (docs/internals/http.md, "Route matching"):
 *  - hostnames: exact, or "*.suffix" matching one or more labels; route
 *    hostnames are intersected with the listener's by the builder; a request
 *    is served by the most specific matching hostname only (no fallback to a
 *    less specific one unless host_fallback is set);
 *  - then the first match in Gateway API precedence across all rules of all
 *    routes: Exact path > RegularExpression path (longer pattern first) >
 *    PathPrefix (longer prefix first) > has a method > more header matches >
 *    more query matches > older route > "namespace/name" > rule order > match
 *    order;
 *  - PathPrefix matches whole segments, a trailing '/' in the prefix ignored;
 *    Exact is byte-exact; RegularExpression (path, header, query values) must
 *    match the whole value (PCRE2, JIT when available);
 *  - header names case-insensitive, first request field of that name;
 *    query parameter names case-sensitive, first occurrence; raw bytes are
 *    compared (no percent-decoding).
 */
#ifndef METALGATE_GATEWAY_MATCH_H
#define METALGATE_GATEWAY_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

enum gw_path_type {
    GW_PATH_PREFIX = 0, /* Gateway API default */
    GW_PATH_EXACT,
    GW_PATH_REGEX,
};

enum gw_value_type {
    GW_VALUE_EXACT = 0,
    GW_VALUE_REGEX,
};

/* One header or query parameter match. */
struct gw_kv_match {
    enum gw_value_type type;
    const char *name;
    const char *value;
};

/* One HTTPRouteMatch: all of its conditions must hold. */
struct gw_match_def {
    enum gw_path_type path_type;
    const char *path;        /* NULL means "/" */
    enum http_method method; /* HTTP_METHOD_NONE: any method */
    const struct gw_kv_match *headers;
    size_t n_headers;
    const struct gw_kv_match *queries;
    size_t n_queries;
};

/* One rule: any of its matches selects it; no match means PathPrefix "/". */
struct gw_rule_def {
    const struct gw_match_def *matches;
    size_t n_matches;
};

/* One HTTPRoute attached to the listener. Rules are given as the API lists
 * them (the plan applies the CRD default of one rule when there is none). */
struct gw_route_def {
    const char *ns;
    const char *name;
    int64_t created; /* creationTimestamp: smaller is older */
    const char *const *hostnames;
    size_t n_hostnames;
    const struct gw_rule_def *rules;
    size_t n_rules;
};

/* Outcome per route, for the route's status and the listener's attachedRoutes. */
struct gw_route_status {
    bool attached;      /* serves at least one hostname of this listener */
    const char *reason; /* when not attached: "NoMatchingListenerHostname" or
                           "UnsupportedValue" (a regular expression does not compile) */
    char detail[160];   /* human-readable detail for UnsupportedValue */
};

struct gw_table_options {
    const char *hostname; /* listener hostname, NULL or "" for none */
    bool host_fallback;   /* also try less specific hostnames when the most
                             specific one has no matching rule */
};

/* What a lookup found: indices into the definitions given to the builder. */
struct gw_result {
    uint32_t route;
    uint32_t rule;
    uint32_t match;
};

/* The request as the matcher sees it. */
struct gw_request {
    const char *host; /* Host as received: port and a trailing dot are ignored */
    size_t host_len;
    const char *path; /* without the query; empty means "/" */
    size_t path_len;
    const char *query; /* after '?', without it */
    size_t query_len;
    enum http_method method;
    const char *buf; /* header fields: offsets into buf */
    const struct http_field *fields;
    size_t n_fields;
};

struct gw_table;
struct gw_scratch;
struct gw_listeners;

/*
 * Compiles the routes attached to one listener. status (n entries, may be
 * NULL) receives each route's outcome. Returns NULL only when memory runs
 * out. The caller frees the table with gw_table_free().
 */
struct gw_table *gw_table_build(const struct gw_table_options *opt,
                                const struct gw_route_def *routes, size_t n,
                                struct gw_route_status *status);

void gw_table_free(struct gw_table *t);

/* Per-thread matching state (PCRE2 match data). NULL when memory runs out. */
struct gw_scratch *gw_scratch_new(void);
void gw_scratch_free(struct gw_scratch *s);

/* Fills r from a parsed request head (buf is the head's buffer). */
void gw_request_from_http(struct gw_request *r, const struct http_msg *m, const char *buf);

/*
 * Finds the rule serving r. Returns true with *out set, or false: no route
 * matches (the proxy answers 404). Thread-safe for distinct scratches.
 */
bool gw_table_lookup(const struct gw_table *t, struct gw_scratch *s, const struct gw_request *r,
                     struct gw_result *out);

/*
 * Intersects a listener hostname and a route hostname (either NULL or "" for
 * none), as the Gateway API attachment rules say. Returns false when they do
 * not intersect; else true with the effective hostname (the more specific
 * one, "" when both are absent) copied into out.
 */
bool gw_hostname_intersect(const char *listener, const char *route, char *out, size_t cap);

/*
 * Listener choice among the listeners of one port: hostnames[i] is listener
 * i's hostname (NULL or "" for none). Returns NULL when memory runs out.
 */
struct gw_listeners *gw_listeners_build(const char *const *hostnames, size_t n);
void gw_listeners_free(struct gw_listeners *ls);

/* Index of the most specific listener for host (exact > longest wildcard >
 * no hostname), or -1: answer 404. */
int gw_listeners_select(const struct gw_listeners *ls, const char *host, size_t len);

#endif

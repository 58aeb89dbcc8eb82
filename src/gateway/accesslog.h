/*
 * The access log line of one transaction: a JSON object on one line
 * (docs/cli.md, "Access log"). Internal to src/gateway; the formatter is
 * pure so that its escaping and bounds are unit tested.
 */
#ifndef METALGATE_GATEWAY_ACCESSLOG_H
#define METALGATE_GATEWAY_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A whole line fits in PIPE_BUF (4096 on Linux): one write() of it is atomic
 * on a pipe, and on an O_APPEND file lines of different workers never mix.
 */
#define GW_LOG_LINE_MAX 4096

/* Escaped output budget of the strings that come from the network. */
#define GW_LOG_TARGET_MAX 2048
#define GW_LOG_HOST_MAX 512
#define GW_LOG_METHOD_MAX 64

/* Raw bytes a connection keeps for its log line (more than the budgets
 * above can show anyway). */
#define GW_LOG_RAW_TARGET 2048
#define GW_LOG_RAW_HOST 512
#define GW_LOG_RAW_METHOD 32

/* One transaction. NULL strings are written as null; so are negative ints. */
struct gw_log_rec {
    int64_t time_ms;      /* start, milliseconds since the epoch (UTC) */
    const char *listener; /* "ns/gateway/listener" */
    const char *route;    /* "ns/name" */
    int64_t rule;         /* rule index in the route, -1: none */
    const char *client;   /* client address text */
    uint16_t client_port;
    const char *method, *target, *host; /* untrusted: escaped and bounded */
    size_t method_len, target_len, host_len;
    int minor;       /* HTTP/1.<minor>; -1: the head was not parsed */
    uint16_t status; /* 0: no response was sent */
    uint64_t request_bytes, response_bytes;
    uint64_t duration_us;
    const char *upstream;        /* "addr:port" or "[v6]:port" */
    int64_t upstream_latency_us; /* request start to response head; -1: none */
    bool aborted;                /* the transaction did not complete */
};

/*
 * Appends s[0..len) to out[*pos..cap) as a JSON string (quotes included):
 * quote, backslash and control characters escaped, valid UTF-8 kept, each
 * byte of an invalid sequence written as \ufffd. At most max bytes are
 * written (max >= 8); when the text does not fit it is cut at a character
 * boundary and "..." is appended inside the quotes. Returns whether all of
 * s was written. *pos never passes cap.
 */
bool gw_json_string(char *out, size_t *pos, size_t cap, const char *s, size_t len, size_t max);

/*
 * Formats r as one JSON line ending in '\n' into out (cap >= GW_LOG_LINE_MAX).
 * Returns its length (never more than GW_LOG_LINE_MAX).
 */
size_t gw_log_format(const struct gw_log_rec *r, char *out, size_t cap);

#endif

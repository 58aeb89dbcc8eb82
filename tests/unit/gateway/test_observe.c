/*
 * Unit tests of the gateway's access log formatter (gateway/accesslog.h:
 * JSON escaping of untrusted bytes, bounds, the whole line) and of its
 * per-route statistics (gateway/stats.h: identities, per-worker counts,
 * the Prometheus text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "gateway/accesslog.h"
#include "gateway/stats.h"

/* gw_json_string of s[0..len) with budget max, NUL-terminated into out. */
static bool
esc(const char *s, size_t len, size_t max, char *out, size_t cap)
{
    size_t pos = 0;
    bool all = gw_json_string(out, &pos, cap - 1, s, len, max);

    out[pos] = '\0';
    return all;
}

static void
json_escapes(void **state)
{
    char out[256];

    (void)state;
    assert_true(esc("abc", 3, 64, out, sizeof(out)));
    assert_string_equal(out, "\"abc\"");
    assert_true(esc("a\"b\\c\nd\re\tf", 11, 64, out, sizeof(out)));
    assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\re\\tf\"");
    assert_true(esc("\x01\x1f\x7f", 3, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\u0001\\u001f\\u007f\"");
    assert_true(esc("x\0y", 3, 64, out, sizeof(out)));
    assert_string_equal(out, "\"x\\u0000y\"");
    assert_true(esc("", 0, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\"");
}

static void
json_utf8(void **state)
{
    char out[256];

    (void)state;
    /* Valid sequences of 2, 3 and 4 bytes pass as they are. */
    assert_true(esc("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* Lone continuation, overlong, surrogate, above U+10FFFF, 0xFF: each
     * byte of an invalid sequence becomes U+FFFD. */
    assert_true(esc("\x80", 1, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\ufffd\"");
    assert_true(esc("\xc0\xaf", 2, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\ufffd\\ufffd\"");
    assert_true(esc("\xed\xa0\x80", 3, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\ufffd\\ufffd\\ufffd\"");
    assert_true(esc("\xf4\x90\x80\x80", 4, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    assert_true(esc("a\xff", 2, 64, out, sizeof(out)));
    assert_string_equal(out, "\"a\\ufffd\"");
    /* A sequence cut by the end of the input is invalid too. */
    assert_true(esc("\xe2\x82", 2, 64, out, sizeof(out)));
    assert_string_equal(out, "\"\\ufffd\\ufffd\"");
}

static void
json_truncation(void **state)
{
    char in[100], out[256];

    (void)state;
    memset(in, 'a', sizeof(in));
    assert_false(esc(in, sizeof(in), 20, out, sizeof(out)));
    assert_string_equal(out, "\"aaaaaaaaaaaaaaa...\"");
    assert_int_equal(strlen(out), 20);
    /* Exactly the budget: no cut. */
    assert_true(esc(in, 18, 20, out, sizeof(out)));
    assert_int_equal(strlen(out), 20);
    /* Never in the middle of an escape... */
    memset(in, '"', sizeof(in));
    assert_false(esc(in, sizeof(in), 20, out, sizeof(out)));
    assert_string_equal(out, "\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"...\"");
    /* ...nor of a UTF-8 character. */
    assert_false(esc("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 12, 12, out, sizeof(out)));
    assert_string_equal(out, "\"\xe2\x82\xac\xe2\x82\xac...\"");
    /* The output buffer bounds it too. */
    memset(in, 'b', sizeof(in));
    assert_false(esc(in, sizeof(in), 1000, out, 31));
    assert_int_equal(strlen(out), 30);
    assert_string_equal(out + 26, "...\"");
}

static json_t *
parse_line(const char *line, size_t n)
{
    json_error_t err;
    json_t *j;

    assert_true(n > 0 && n <= GW_LOG_LINE_MAX);
    assert_int_equal(line[n - 1], '\n');
    assert_null(memchr(line, '\n', n - 1));
    j = json_loadb(line, n, 0, &err);
    if (j == NULL)
        fail_msg("not JSON (%s): %.*s", err.text, (int)n, line);
    return j;
}

static void
line_routed(void **state)
{
    static const char target[] = "/a?q=\"x\"";
    struct gw_log_rec r = {
        .time_ms = 1764165600123, /* 2025-11-26T14:00:00.123Z */
        .listener = "default/gw/http",
        .route = "default/r1",
        .rule = 2,
        .client = "127.0.0.1",
        .client_port = 40000,
        .method = "GET",
        .method_len = 3,
        .target = target,
        .target_len = sizeof(target) - 1,
        .host = "example.com",
        .host_len = 11,
        .minor = 1,
        .status = 200,
        .request_bytes = 5,
        .response_bytes = 1234,
        .duration_us = 1500,
        .upstream = "127.0.0.21:8080",
        .upstream_latency_us = 1001,
    };
    char line[GW_LOG_LINE_MAX];
    size_t n = gw_log_format(&r, line, sizeof(line));
    json_t *j;

    (void)state;
    assert_string_equal(
        (line[n - 1] = '\0', line),
        "{\"time\":\"2025-11-26T14:00:00.123Z\",\"listener\":\"default/gw/http\","
        "\"route\":\"default/r1\",\"rule\":2,\"client\":\"127.0.0.1\",\"client_port\":40000,"
        "\"method\":\"GET\",\"target\":\"/a?q=\\\"x\\\"\",\"host\":\"example.com\","
        "\"protocol\":\"HTTP/1.1\",\"status\":200,\"request_bytes\":5,\"response_bytes\":1234,"
        "\"duration_ms\":1.500,\"upstream\":\"127.0.0.21:8080\",\"upstream_latency_ms\":1.001,"
        "\"aborted\":false}");
    line[n - 1] = '\n';
    j = parse_line(line, n);
    assert_string_equal(json_string_value(json_object_get(j, "target")), target);
    json_decref(j);
}

static void
line_unrouted_nulls(void **state)
{
    struct gw_log_rec r = {.time_ms = 0,
                           .rule = -1,
                           .client = "::1",
                           .client_port = 1,
                           .minor = -1,
                           .upstream_latency_us = -1,
                           .aborted = true};
    char line[GW_LOG_LINE_MAX];
    size_t n = gw_log_format(&r, line, sizeof(line));
    json_t *j = parse_line(line, n);
    static const char *const nulls[] = {
        "listener", "route",    "rule",   "method",   "target",
        "host",     "protocol", "status", "upstream", "upstream_latency_ms"};

    (void)state;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        assert_true(json_is_null(json_object_get(j, nulls[i])));
    assert_string_equal(json_string_value(json_object_get(j, "time")), "1970-01-01T00:00:00.000Z");
    assert_true(json_is_true(json_object_get(j, "aborted")));
    json_decref(j);
}

/* The worst a client can send still makes one valid line within PIPE_BUF. */
static void
line_hostile_bounded(void **state)
{
    static char target[GW_LOG_RAW_TARGET], host[GW_LOG_RAW_HOST], method[GW_LOG_RAW_METHOD];
    struct gw_log_rec r = {.listener = "ns/gw/l",
                           .route = "ns/r",
                           .client = "1.2.3.4",
                           .method = method,
                           .method_len = sizeof(method),
                           .target = target,
                           .target_len = sizeof(target),
                           .host = host,
                           .host_len = sizeof(host),
                           .minor = 1,
                           .status = 400,
                           .upstream_latency_us = -1};
    char line[GW_LOG_LINE_MAX];
    size_t n;
    json_t *j;

    (void)state;
    /* Bytes that escape to 6 characters each: control characters and invalid UTF-8. */
    for (size_t i = 0; i < sizeof(target); i++)
        target[i] = (char)(i % 2 ? 0x01 : 0xff);
    memset(host, '\n', sizeof(host));
    memset(method, 0x80, sizeof(method));
    n = gw_log_format(&r, line, sizeof(line));
    j = parse_line(line, n);
    assert_true(strlen(json_string_value(json_object_get(j, "target"))) > 100);
    assert_non_null(strstr(json_string_value(json_object_get(j, "target")), "..."));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 400);
    json_decref(j);
}

/* ---- statistics ------------------------------------------------------------ */

/* gw_stats_render into a heap string (free it). */
static char *
render(const struct gw_stats *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    gw_stats_render(s, f);
    fclose(f);
    return buf;
}

static void
stats_identity(void **state)
{
    struct gw_stats *s = gw_stats_new(2);
    uint32_t a, b, c;

    (void)state;
    assert_non_null(s);
    a = gw_stats_slot(s, "ns/gw", "http", "ns/r");
    b = gw_stats_slot(s, "ns/gw", "http", "");
    c = gw_stats_slot(s, "ns/gw", "httpns/r", "");
    assert_int_not_equal(a, b);
    assert_int_not_equal(a, c);
    assert_int_not_equal(b, c);
    assert_int_equal(gw_stats_slot(s, "ns/gw", "http", "ns/r"), a);
    /* Many identities: chunks and the index grow, earlier slots stay. */
    for (int i = 0; i < 1000; i++) {
        char r[32];
        snprintf(r, sizeof(r), "ns/r%d", i);
        assert_int_equal(gw_stats_slot(s, "ns/gw", "http", r), (uint32_t)i + 3);
    }
    assert_int_equal(gw_stats_slot(s, "ns/gw", "http", "ns/r"), a);
    assert_int_equal(gw_stats_slot(s, "ns/gw", "http", "ns/r999"), 1002);
    gw_stats_free(s);
}

/* One bucket line of the route of stats_render_exact. */
#define B(le, n)                                                                                   \
    "metalgate_http_request_duration_seconds_bucket{gateway=\"ns/gw\",listener=\"http\","          \
    "route=\"ns/r\",le=\"" le "\"} " #n "\n"

static void
stats_render_exact(void **state)
{
    struct gw_stats *s = gw_stats_new(2);
    uint32_t a = gw_stats_slot(s, "ns/gw", "http", "ns/r"), unused;
    char *text;

    (void)state;
    unused = gw_stats_slot(s, "ns/gw", "http", "");
    (void)unused;
    gw_stats_record(s, 0, a, 200, 1000);     /* 1 ms */
    gw_stats_record(s, 1, a, 204, 30000);    /* 30 ms, the other worker */
    gw_stats_record(s, 1, a, 503, 20000000); /* 20 s: only +Inf */
    gw_stats_record(s, 0, a, 0, 5000);       /* no response; 5 ms is le="0.005" */
    text = render(s);
    assert_string_equal(
        text,
        "# HELP metalgate_http_requests_total HTTP transactions of the gateway, by route and "
        "status class (route=\"\": no route matched).\n"
        "# TYPE metalgate_http_requests_total counter\n"
        "metalgate_http_requests_total{gateway=\"ns/gw\",listener=\"http\",route=\"ns/r\","
        "code=\"none\"} 1\n"
        "metalgate_http_requests_total{gateway=\"ns/gw\",listener=\"http\",route=\"ns/r\","
        "code=\"2xx\"} 2\n"
        "metalgate_http_requests_total{gateway=\"ns/gw\",listener=\"http\",route=\"ns/r\","
        "code=\"5xx\"} 1\n"
        "# HELP metalgate_http_request_duration_seconds Time from the first byte of a request "
        "to the end of its response.\n"
        "# TYPE metalgate_http_request_duration_seconds histogram\n" B("0.005", 2) B("0.01", 2) B(
            "0.025",
            2) B("0.05", 3) B("0.1", 3) B("0.25", 3) B("0.5", 3) B("1", 3) B("2.5",
                                                                             3) B("5", 3) B("10", 3)
            B("+Inf",
              4) "metalgate_http_request_duration_seconds_sum{gateway=\"ns/gw\",listener=\"http\","
                 "route=\"ns/r\"} 20.036000\n"
                 "metalgate_http_request_duration_seconds_count{gateway=\"ns/"
                 "gw\",listener=\"http\","
                 "route=\"ns/r\"} 4\n");
    free(text);
    gw_stats_free(s);
}

static void
stats_label_escaping(void **state)
{
    struct gw_stats *s = gw_stats_new(1);
    uint32_t a = gw_stats_slot(s, "n\"s/g\\w", "l\nx", "");
    char *text;

    (void)state;
    gw_stats_record(s, 0, a, 404, 1);
    gw_stats_record(s, 0, GW_STATS_NONE, 200, 1); /* not counted anywhere */
    text = render(s);
    assert_non_null(strstr(text, "metalgate_http_requests_total{gateway=\"n\\\"s/g\\\\w\","
                                 "listener=\"l\\nx\",route=\"\",code=\"4xx\"} 1\n"));
    assert_null(strstr(text, "code=\"2xx\""));
    free(text);
    gw_stats_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_escapes),         cmocka_unit_test(json_utf8),
        cmocka_unit_test(json_truncation),      cmocka_unit_test(line_routed),
        cmocka_unit_test(line_unrouted_nulls),  cmocka_unit_test(line_hostile_bounded),
        cmocka_unit_test(stats_identity),       cmocka_unit_test(stats_render_exact),
        cmocka_unit_test(stats_label_escaping),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Serializers: forwarded requests and responses, simple responses, chunk headers. */
#include <stdio.h>
#include <string.h>

#include "tests.h"

static struct http_field fields[TEST_FIELDS];

static bool
starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
parse_req(struct http_parser *p, const char *raw)
{
    struct http_limits lim;

    http_limits_default(&lim);
    if (test_parse_once(p, HTTP_REQUEST, &lim, fields, raw, strlen(raw)) != HTTP_DONE)
        fail_msg("request refused: %s", http_error_name(p->error));
    p->lim = NULL; /* lim is gone: nothing after parsing may use it */
}

static size_t
forward(const char *raw, const struct http_forward *f, char *out, size_t cap)
{
    struct http_parser p;
    size_t n;

    parse_req(&p, raw);
    n = http_serialize_request(&p.msg, raw, f, out, cap);
    if (n > 0 && n < cap)
        out[n] = '\0';
    return n;
}

static void
simple_request_golden(void **state)
{
    const struct http_forward f = {.client_addr = "192.0.2.7", .client_addr_len = 9};
    char out[512];

    (void)state;
    assert_true(forward("GET /a?b HTTP/1.1\r\nhost: example.com\r\nAccept: */*\r\n\r\n", &f, out,
                        sizeof(out)) > 0);
    assert_string_equal(out, "GET /a?b HTTP/1.1\r\n"
                             "Host: example.com\r\n"
                             "Accept: */*\r\n"
                             "X-Forwarded-For: 192.0.2.7\r\n"
                             "X-Forwarded-Proto: http\r\n"
                             "Forwarded: for=192.0.2.7;proto=http;host=example.com\r\n"
                             "\r\n");
}

static void
hop_by_hop_fields_removed(void **state)
{
    const struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    const char *raw = "POST /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret, close\r\n"
                      "X-Secret: s\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                      "Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nTrailer: X-T\r\n"
                      "Expect: 100-continue\r\nX-Kept: k\r\nContent-Length: 3\r\n\r\nabc";
    char out[1024];

    (void)state;
    assert_true(forward(raw, &f, out, sizeof(out)) > 0);
    assert_non_null(strstr(out, "\r\nX-Kept: k\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Length: 3\r\n"));
    assert_null(strstr(out, "Connection"));
    assert_null(strstr(out, "X-Secret"));
    assert_null(strstr(out, "Keep-Alive"));
    assert_null(strstr(out, "TE:"));
    assert_null(strstr(out, "Upgrade"));
    assert_null(strstr(out, "Trailer"));
    assert_null(strstr(out, "Expect"));
    /* Only the head: the body is sent by the caller from the client buffer. */
    assert_null(strstr(out, "abc"));
    assert_int_equal(out[strlen(out) - 1], '\n');
}

/* CGI-style servers read '_' as '-': such spellings of our fields are dropped. */
static void
underscore_spellings_dropped(void **state)
{
    const struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    const char *raw = "GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_Proto: https\r\n"
                      "X_FORWARDED_FOR: 1.2.3.4\r\nTransfer_Encoding: chunked\r\n"
                      "X_Custom_Field: kept\r\nx_y: kept2\r\n\r\n";
    char out[1024];

    (void)state;
    assert_true(forward(raw, &f, out, sizeof(out)) > 0);
    assert_null(strstr(out, "X_Forwarded_Proto"));
    assert_null(strstr(out, "X_FORWARDED_FOR"));
    assert_null(strstr(out, "Transfer_Encoding"));
    assert_non_null(strstr(out, "\r\nX_Custom_Field: kept\r\n"));
    assert_non_null(strstr(out, "\r\nx_y: kept2\r\n"));
    assert_non_null(strstr(out, "\r\nX-Forwarded-Proto: http\r\n"));
}

static void
forwarding_fields_appended(void **state)
{
    const struct http_forward f = {
        .client_addr = "2001:db8::1", .client_addr_len = 11, .tls = true};
    const char *raw = "GET / HTTP/1.1\r\nHost: h:8443\r\nX-Forwarded-For: 1.1.1.1\r\n"
                      "X-Forwarded-For: 2.2.2.2, 3.3.3.3\r\nX-Forwarded-Proto: http\r\n"
                      "Forwarded: for=1.1.1.1\r\n\r\n";
    char out[1024];

    (void)state;
    assert_true(forward(raw, &f, out, sizeof(out)) > 0);
    assert_non_null(strstr(out, "\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 2001:db8::1\r\n"));
    assert_non_null(strstr(out, "\r\nX-Forwarded-Proto: https\r\n"));
    assert_null(strstr(out, "X-Forwarded-Proto: http\r\n"));
    assert_non_null(strstr(
        out, "\r\nForwarded: for=1.1.1.1, for=\"[2001:db8::1]\";proto=https;host=\"h:8443\"\r\n"));
    /* Each appears once. */
    assert_null(strstr(strstr(out, "X-Forwarded-For") + 1, "X-Forwarded-For"));
}

static void
absolute_form_becomes_origin_form(void **state)
{
    const struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    char out[512];

    (void)state;
    assert_true(forward("GET http://a.example:81?q=1 HTTP/1.1\r\nHost: other\r\n\r\n", &f, out,
                        sizeof(out)) > 0);
    assert_true(starts_with(out, "GET /?q=1 HTTP/1.1\r\nHost: a.example:81\r\n"));
    assert_null(strstr(out, "other"));
    assert_true(forward("GET https://b/p/q HTTP/1.1\r\nHost: b\r\n\r\n", &f, out, sizeof(out)) > 0);
    assert_true(starts_with(out, "GET /p/q HTTP/1.1\r\nHost: b\r\n"));
}

static void
framing_rewritten(void **state)
{
    const struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    char out[512];

    (void)state;
    assert_true(forward("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", &f, out,
                        sizeof(out)) > 0);
    assert_non_null(strstr(out, "\r\nTransfer-Encoding: chunked\r\n"));
    assert_null(strstr(out, "Chunked"));
    /* An HTTP/1.0 request goes upstream as HTTP/1.1 (pooled connections). */
    assert_true(forward("POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", &f, out, sizeof(out)) > 0);
    assert_true(starts_with(out, "POST / HTTP/1.1\r\nHost: \r\n"));
    assert_non_null(strstr(out, "\r\nContent-Length: 0\r\n"));
}

static void
upgrade_kept_when_asked(void **state)
{
    struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    const char *raw = "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: k\r\n\r\n";
    char out[512];

    (void)state;
    assert_true(forward(raw, &f, out, sizeof(out)) > 0);
    assert_null(strstr(out, "pgrade"));
    f.keep_upgrade = true;
    assert_true(forward(raw, &f, out, sizeof(out)) > 0);
    assert_non_null(strstr(out, "\r\nUpgrade: websocket\r\n"));
    assert_non_null(strstr(out, "\r\nConnection: upgrade\r\n"));
    assert_non_null(strstr(out, "\r\nSec-WebSocket-Key: k\r\n"));
}

static void
rewrites_and_small_buffers(void **state)
{
    struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    const char *raw = "GET /old/x?y HTTP/1.1\r\nHost: h\r\n\r\n";
    char out[512];
    size_t n;

    (void)state;
    f.host = "new.example";
    f.host_len = 11;
    f.target = "/new/x?y";
    f.target_len = 8;
    n = forward(raw, &f, out, sizeof(out));
    assert_true(n > 0);
    assert_true(starts_with(out, "GET /new/x?y HTTP/1.1\r\nHost: new.example\r\n"));
    /* The Forwarded host is what the client asked for. */
    assert_non_null(strstr(out, "host=h\r\n"));
    for (size_t cap = 0; cap < n; cap++)
        assert_int_equal(forward(raw, &f, out, cap), 0);
    assert_int_equal(forward(raw, &f, out, n), n);
}

/* What we send upstream parses back, with our parser, to the same request. */
static void
forwarded_request_reparses(void **state)
{
    static struct http_field f2[TEST_FIELDS];
    const struct http_forward f = {.client_addr = "10.0.0.1", .client_addr_len = 8};
    const char *raw = "PUT /a%20b?c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nX: y\r\n"
                      "Connection: X\r\n\r\n";
    struct http_limits lim;
    struct http_parser p;
    char out[512];
    size_t n;

    (void)state;
    n = forward(raw, &f, out, sizeof(out));
    assert_true(n > 0);
    http_limits_default(&lim);
    http_parser_init(&p, HTTP_REQUEST, &lim, f2, TEST_FIELDS);
    assert_int_equal(http_parse(&p, out, n), HTTP_DONE);
    assert_int_equal(p.msg.head_len, n);
    assert_int_equal(p.msg.method, HTTP_METHOD_PUT);
    assert_int_equal(p.msg.framing, HTTP_BODY_LENGTH);
    assert_int_equal(p.msg.content_length, 4);
    assert_int_equal(http_msg_find(&p.msg, out, "x", 1, 0), -1);
}

static size_t
respond(const char *raw, enum http_method req, const struct http_response_forward *f, char *out,
        size_t cap, enum http_framing *framing)
{
    struct http_limits lim;
    struct http_parser p;
    size_t n;

    http_limits_default(&lim);
    http_parser_init(&p, HTTP_RESPONSE, &lim, fields, TEST_FIELDS);
    http_parser_set_request_method(&p, req);
    if (http_parse(&p, raw, strlen(raw)) != HTTP_DONE)
        fail_msg("response refused: %s", http_error_name(p.error));
    n = http_serialize_response(&p.msg, raw, f, out, cap, framing);
    if (n > 0 && n < cap)
        out[n] = '\0';
    return n;
}

static void
response_framing_towards_client(void **state)
{
    const struct http_response_forward v11 = {.client_minor = 1, .keep_alive = true};
    const struct http_response_forward v10 = {.client_minor = 0, .keep_alive = true};
    const struct http_response_forward closing = {.client_minor = 1, .keep_alive = false};
    const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: 1\r\n"
                          "Connection: keep-alive, X\r\nKeep-Alive: timeout=5\r\n\r\n";
    enum http_framing fr;
    char out[512];

    (void)state;
    assert_true(respond(chunked, HTTP_METHOD_GET, &v11, out, sizeof(out), &fr) > 0);
    assert_int_equal(fr, HTTP_BODY_CHUNKED);
    assert_string_equal(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_true(respond(chunked, HTTP_METHOD_GET, &v10, out, sizeof(out), &fr) > 0);
    assert_int_equal(fr, HTTP_BODY_CLOSE);
    assert_string_equal(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    assert_true(respond("HTTP/1.0 200 OK\r\nServer: s\r\n\r\n", HTTP_METHOD_GET, &v11, out,
                        sizeof(out), &fr) > 0);
    assert_int_equal(fr, HTTP_BODY_CHUNKED);
    assert_string_equal(out, "HTTP/1.1 200 OK\r\nServer: s\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_true(respond("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", HTTP_METHOD_HEAD, &v10,
                        out, sizeof(out), &fr) > 0);
    assert_int_equal(fr, HTTP_BODY_NONE);
    assert_string_equal(out,
                        "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n");
    assert_true(respond("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", HTTP_METHOD_GET,
                        &closing, out, sizeof(out), &fr) > 0);
    assert_string_equal(out,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

static void
response_upgrade(void **state)
{
    const struct http_response_forward v11 = {.client_minor = 1, .keep_alive = true};
    enum http_framing fr;
    char out[512];

    (void)state;
    assert_true(respond("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: a\r\n\r\n",
                        HTTP_METHOD_GET, &v11, out, sizeof(out), &fr) > 0);
    assert_int_equal(fr, HTTP_BODY_TUNNEL);
    assert_string_equal(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Sec-WebSocket-Accept: a\r\nConnection: upgrade\r\n\r\n");
}

static void
simple_responses_and_chunks(void **state)
{
    char out[256], hdr[HTTP_CHUNK_HEADER_MAX];
    size_t n;

    (void)state;
    n = http_simple_response(404, false, "no route\n", 9, out, sizeof(out));
    out[n] = '\0';
    assert_string_equal(out, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: 9\r\n\r\nno route\n");
    n = http_simple_response(400, true, NULL, 0, out, sizeof(out));
    out[n] = '\0';
    assert_string_equal(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n");
    assert_int_equal(http_simple_response(400, true, NULL, 0, out, 10), 0);
    n = http_chunk_header(255, hdr);
    assert_int_equal(n, 4);
    assert_memory_equal(hdr, "ff\r\n", 4);
    n = http_chunk_header(UINT64_MAX, hdr);
    assert_int_equal(n, 18);
    assert_memory_equal(hdr, "ffffffffffffffff\r\n", 18);
    n = http_chunk_header(1, hdr);
    assert_memory_equal(hdr, "1\r\n", n);
}

const struct CMUnitTest test_serialize[] = {
    cmocka_unit_test(simple_request_golden),
    cmocka_unit_test(hop_by_hop_fields_removed),
    cmocka_unit_test(underscore_spellings_dropped),
    cmocka_unit_test(forwarding_fields_appended),
    cmocka_unit_test(absolute_form_becomes_origin_form),
    cmocka_unit_test(framing_rewritten),
    cmocka_unit_test(upgrade_kept_when_asked),
    cmocka_unit_test(rewrites_and_small_buffers),
    cmocka_unit_test(forwarded_request_reparses),
    cmocka_unit_test(response_framing_towards_client),
    cmocka_unit_test(response_upgrade),
    cmocka_unit_test(simple_responses_and_chunks),
};
const size_t test_serialize_count = sizeof(test_serialize) / sizeof(test_serialize[0]);

/*
 * Head parser: a table of hostile and malformed heads, each with the one
 * error it must produce; then the valid forms, field by field.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

struct bad_case {
    const char *name;
    const char *raw;
    size_t len;
    enum http_error err;
};

#define BAD(n, r, e)                                                                               \
    {                                                                                              \
        n, r, sizeof(r) - 1, e                                                                     \
    }
#define H "Host: a\r\n"

/*
 * Feeds raw one byte more per call, as a slow client would, and returns the
 * first non-AGAIN result: the error must not depend on how bytes arrive.
 */
static enum http_result
parse_bytewise(struct http_parser *p, enum http_kind kind, const struct http_limits *lim,
               struct http_field *fields, const char *raw, size_t len)
{
    enum http_result r = HTTP_AGAIN;

    http_parser_init(p, kind, lim, fields, TEST_FIELDS);
    for (size_t n = 1; n <= len && r == HTTP_AGAIN; n++)
        r = http_parse(p, raw, n);
    return r;
}

/* Requests, each refused with exactly this error. */
static const struct bad_case bad_requests[] = {
    /* Framing: Content-Length and Transfer-Encoding. */
    BAD("cl+te", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        HTTP_ERR_CL_AND_TE),
    BAD("te+cl", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        HTTP_ERR_CL_AND_TE),
    BAD("cl+te-identity",
        "POST / HTTP/1.1\r\n" H "Content-Length: 0\r\nTransfer-Encoding: x\r\n\r\n",
        HTTP_ERR_CL_AND_TE),
    BAD("cl-dup-equal", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\n",
        HTTP_ERR_CL_DUP),
    BAD("cl-dup-differ", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
        HTTP_ERR_CL_DUP),
    BAD("cl-list-equal", "POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n", HTTP_ERR_CL_LIST),
    BAD("cl-list-differ", "POST / HTTP/1.1\r\n" H "Content-Length: 5,6\r\n\r\n", HTTP_ERR_CL_LIST),
    BAD("cl-alpha", "POST / HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", HTTP_ERR_CL_INVALID),
    BAD("cl-negative", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", HTTP_ERR_CL_INVALID),
    BAD("cl-plus", "POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", HTTP_ERR_CL_INVALID),
    BAD("cl-empty", "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", HTTP_ERR_CL_INVALID),
    BAD("cl-inner-space", "POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n",
        HTTP_ERR_CL_INVALID),
    BAD("cl-hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", HTTP_ERR_CL_INVALID),
    BAD("cl-overflow", "POST / HTTP/1.1\r\n" H "Content-Length: 18446744073709551617\r\n\r\n",
        HTTP_ERR_CL_INVALID),
    BAD("te-twice-one-line", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n",
        HTTP_ERR_TE_CHUNKED_TWICE),
    BAD("te-twice-two-lines",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        HTTP_ERR_TE_CHUNKED_TWICE),
    BAD("te-gzip-only", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("te-chunked-then-gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("te-lookalike", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("te-chunked-param", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("te-identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("te-gzip-chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n",
        HTTP_ERR_TE_UNSUPPORTED),
    BAD("te-unknown-chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: foo, chunked\r\n\r\n",
        HTTP_ERR_TE_UNSUPPORTED),
    BAD("te-gzip-line-chunked-line",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        HTTP_ERR_TE_UNSUPPORTED),
    BAD("te-trailing-comma", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked,\r\n\r\n",
        HTTP_ERR_TE_INVALID),
    BAD("te-leading-comma", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: ,chunked\r\n\r\n",
        HTTP_ERR_TE_INVALID),
    BAD("te-quoted", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n",
        HTTP_ERR_TE_INVALID),
    BAD("te-empty", "POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n\r\n", HTTP_ERR_TE_INVALID),
    BAD("te-vertical-tab", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\v\r\n\r\n",
        HTTP_ERR_FIELD_VALUE),
    BAD("te-http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_ERR_TE_HTTP10),
    BAD("te-http10-with-cl",
        "POST / HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        HTTP_ERR_TE_HTTP10),
    /* Line syntax. */
    BAD("obs-fold", "GET / HTTP/1.1\r\n" H "X-A: b\r\n c\r\n\r\n", HTTP_ERR_OBS_FOLD),
    BAD("obs-fold-tab", "GET / HTTP/1.1\r\n" H "X-A: b\r\n\tc\r\n\r\n", HTTP_ERR_OBS_FOLD),
    BAD("space-before-first-field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", HTTP_ERR_OBS_FOLD),
    BAD("fold-te", "POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n chunked\r\n\r\n",
        HTTP_ERR_OBS_FOLD),
    BAD("bare-cr-value", "GET / HTTP/1.1\r\n" H "X-A: b\rc\r\n\r\n", HTTP_ERR_BARE_CR),
    BAD("bare-cr-line-end", "GET / HTTP/1.1\r\n" H "X-A: b\r\r\n\r\n", HTTP_ERR_BARE_CR),
    BAD("bare-cr-request-line", "GET /\r HTTP/1.1\r\n" H "\r\n", HTTP_ERR_BARE_CR),
    BAD("bare-cr-name", "GET / HTTP/1.1\r\n" H "X\rA: b\r\n\r\n", HTTP_ERR_BARE_CR),
    BAD("bare-lf-request-line", "GET / HTTP/1.1\n" H "\r\n", HTTP_ERR_BARE_LF),
    BAD("bare-lf-field", "GET / HTTP/1.1\r\nHost: a\n\r\n", HTTP_ERR_BARE_LF),
    BAD("bare-lf-end", "GET / HTTP/1.1\r\n" H "\n", HTTP_ERR_BARE_LF),
    BAD("bare-lf-all", "GET / HTTP/1.1\nHost: a\n\n", HTTP_ERR_BARE_LF),
    BAD("name-paren", "GET / HTTP/1.1\r\n" H "X(A): b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    BAD("name-at", "GET / HTTP/1.1\r\n" H "X@: b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    BAD("name-8bit", "GET / HTTP/1.1\r\n" H "X\xc3\xa9: b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    BAD("name-empty", "GET / HTTP/1.1\r\n" H ": b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    BAD("name-slash", "GET / HTTP/1.1\r\n" H "X/A: b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    BAD("space-before-colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_ERR_SPACE_BEFORE_COLON),
    BAD("tab-before-colon", "POST / HTTP/1.1\r\n" H "Transfer-Encoding\t: chunked\r\n\r\n",
        HTTP_ERR_SPACE_BEFORE_COLON),
    BAD("space-in-name", "GET / HTTP/1.1\r\n" H "X A: b\r\n\r\n", HTTP_ERR_SPACE_BEFORE_COLON),
    BAD("no-colon", "GET / HTTP/1.1\r\n" H "XA\r\n\r\n", HTTP_ERR_NO_COLON),
    BAD("value-ctl", "GET / HTTP/1.1\r\n" H "X-A: b\x01\r\n\r\n", HTTP_ERR_FIELD_VALUE),
    BAD("value-del", "GET / HTTP/1.1\r\n" H "X-A: b\x7f\r\n\r\n", HTTP_ERR_FIELD_VALUE),
    BAD("value-ctl-long", "GET / HTTP/1.1\r\n" H "X-A: 0123456789abcdef0123456789\x1b\r\n\r\n",
        HTTP_ERR_FIELD_VALUE),
    /* NUL anywhere, whatever else is wrong on the line. */
    BAD("nul-method", "G\0T / HTTP/1.1\r\n" H "\r\n", HTTP_ERR_NUL),
    BAD("nul-target", "GET /a\0b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_NUL),
    BAD("nul-version", "GET / HTTP/1.1\0\r\n" H "\r\n", HTTP_ERR_NUL),
    BAD("nul-name", "GET / HTTP/1.1\r\n" H "X\0A: b\r\n\r\n", HTTP_ERR_NUL),
    BAD("nul-value", "GET / HTTP/1.1\r\n" H "X-A: b\0c\r\n\r\n", HTTP_ERR_NUL),
    BAD("nul-value-long", "GET / HTTP/1.1\r\n" H "X-A: 0123456789abcdef01234\0\r\n\r\n",
        HTTP_ERR_NUL),
    BAD("nul-and-bare-cr", "GET / HTTP/1.1\r\n" H "X-A: \rb\0c\r\n\r\n", HTTP_ERR_NUL),
    BAD("nul-host", "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", HTTP_ERR_NUL),
    /* Host. */
    BAD("host-missing", "GET / HTTP/1.1\r\n\r\n", HTTP_ERR_HOST_MISSING),
    BAD("host-missing-absolute", "GET http://a/ HTTP/1.1\r\n\r\n", HTTP_ERR_HOST_MISSING),
    BAD("host-dup-equal", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", HTTP_ERR_HOST_DUP),
    BAD("host-dup-case", "GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n", HTTP_ERR_HOST_DUP),
    BAD("host-empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-comma", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-port-big", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-port-empty", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-port-alpha", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-ipv6-open", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", HTTP_ERR_HOST_INVALID),
    BAD("host-pct", "GET / HTTP/1.1\r\nHost: a%2eb\r\n\r\n", HTTP_ERR_HOST_INVALID),
    /* Request line. */
    BAD("method-bad-char", "G@T / HTTP/1.1\r\n" H "\r\n", HTTP_ERR_METHOD),
    BAD("method-leading-space", " GET / HTTP/1.1\r\n" H "\r\n", HTTP_ERR_METHOD),
    BAD("method-missing", "/ HTTP/1.1\r\n" H "\r\n", HTTP_ERR_METHOD),
    BAD("double-space", "GET  / HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("target-ctl", "GET /a\x01 HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_CTL),
    BAD("target-tab", "GET /a\tb HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_CTL),
    BAD("target-del", "GET /a\x7f HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_CTL),
    BAD("target-esc", "GET /\x1b[0m HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_CTL),
    BAD("target-dotdot", "GET /a/../b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-dot", "GET /a/./b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-dotdot-end", "GET /a/.. HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-dotdot-query", "GET /a/..?x HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-pct-dots", "GET /a/%2e%2E/b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-mixed-dots", "GET /a/.%2e/b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("target-bad-pct", "GET /a%zz HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("target-short-pct", "GET /a%2 HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("target-relative", "GET a/b HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("asterisk-get", "GET * HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("asterisk-m-search", "M-SEARCH * HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("connect-no-port", "CONNECT a.example HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("connect-origin", "CONNECT /x HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("absolute-userinfo", "GET http://u@a/ HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("absolute-ftp", "GET ftp://a/ HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("absolute-empty-authority", "GET http:///x HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET),
    BAD("absolute-dotdot", "GET http://a/x/../y HTTP/1.1\r\n" H "\r\n", HTTP_ERR_TARGET_DOT),
    BAD("version-missing", "GET /\r\n" H "\r\n", HTTP_ERR_VERSION),
    BAD("version-lower", "GET / http/1.1\r\n" H "\r\n", HTTP_ERR_VERSION),
    BAD("version-trailing-space", "GET / HTTP/1.1 \r\n" H "\r\n", HTTP_ERR_VERSION),
    BAD("version-long", "GET / HTTP/1.10\r\n" H "\r\n", HTTP_ERR_VERSION),
    BAD("version-2", "GET / HTTP/2.0\r\n" H "\r\n", HTTP_ERR_VERSION_UNSUPPORTED),
    BAD("version-0.9", "GET / HTTP/0.9\r\n" H "\r\n", HTTP_ERR_VERSION_UNSUPPORTED),
    BAD("too-many-empty-lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", HTTP_ERR_METHOD),
    /* Semantics. */
    BAD("expect-other", "PUT / HTTP/1.1\r\n" H "Expect: 200-ok\r\n\r\n", HTTP_ERR_EXPECT),
    BAD("connection-quoted", "GET / HTTP/1.1\r\n" H "Connection: close, \"x\"\r\n\r\n",
        HTTP_ERR_CONNECTION),
};

static void
bad_requests_fail_with_their_error(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
        const struct bad_case *c = &bad_requests[i];
        enum http_result r = test_parse_once(&p, HTTP_REQUEST, &lim, fields, c->raw, c->len);

        if (r != HTTP_ERROR || p.error != c->err)
            fail_msg("%s: result %d error %s, want %s", c->name, r, http_error_name(p.error),
                     http_error_name(c->err));
        /* Once failed, the parser stays failed. */
        assert_int_equal(http_parse(&p, c->raw, c->len), HTTP_ERROR);
        r = parse_bytewise(&p, HTTP_REQUEST, &lim, fields, c->raw, c->len);
        if (r != HTTP_ERROR || p.error != c->err)
            fail_msg("%s byte by byte: result %d error %s", c->name, r, http_error_name(p.error));
    }
}

static const struct bad_case bad_responses[] = {
    BAD("status-2-digits", "HTTP/1.1 20 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-alpha", "HTTP/1.1 2x0 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-99", "HTTP/1.1 099 X\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-600", "HTTP/1.1 600 X\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-no-space", "HTTP/1.1200 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-4-digits", "HTTP/1.1 2000 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-bad-version", "HTTQ/1.1 200 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-http2", "HTTP/2.0 200 OK\r\n\r\n", HTTP_ERR_VERSION_UNSUPPORTED),
    BAD("status-reason-ctl", "HTTP/1.1 200 O\x01K\r\n\r\n", HTTP_ERR_STATUS),
    BAD("status-empty-line", "\r\nHTTP/1.1 200 OK\r\n\r\n", HTTP_ERR_STATUS),
    BAD("resp-cl-te", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        HTTP_ERR_CL_AND_TE),
    BAD("resp-cl-list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n", HTTP_ERR_CL_LIST),
    BAD("resp-te-gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        HTTP_ERR_TE_NOT_FINAL),
    BAD("resp-obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", HTTP_ERR_OBS_FOLD),
    BAD("resp-bare-lf", "HTTP/1.1 200 OK\nX: a\n\n", HTTP_ERR_BARE_LF),
    BAD("resp-nul", "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", HTTP_ERR_NUL),
};

static void
bad_responses_fail_with_their_error(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    for (size_t i = 0; i < sizeof(bad_responses) / sizeof(bad_responses[0]); i++) {
        const struct bad_case *c = &bad_responses[i];
        enum http_result r = test_parse_once(&p, HTTP_RESPONSE, &lim, fields, c->raw, c->len);

        if (r != HTTP_ERROR || p.error != c->err)
            fail_msg("%s: result %d error %s, want %s", c->name, r, http_error_name(p.error),
                     http_error_name(c->err));
        r = parse_bytewise(&p, HTTP_RESPONSE, &lim, fields, c->raw, c->len);
        if (r != HTTP_ERROR || p.error != c->err)
            fail_msg("%s byte by byte: result %d error %s", c->name, r, http_error_name(p.error));
    }
}

/* The limits an operator sets, each at its boundary. */
static void
limits_hold_at_their_boundary(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;
    const char *line = "GET /abcd HTTP/1.1\r\n" H "\r\n"; /* request line: 20 bytes */
    const char *many = "GET / HTTP/1.1\r\n" H "A: 1\r\nB: 2\r\n\r\n";

    (void)state;
    http_limits_default(&lim);
    lim.line_max = 20;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, line, strlen(line)),
                     HTTP_DONE);
    lim.line_max = 19;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, line, strlen(line)),
                     HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_LINE_TOO_LONG);
    assert_int_equal(http_error_status(p.error), 414);
    /* Also while the line is still incomplete. */
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, "GET /abcdefghijklmnopq", 22),
                     HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_LINE_TOO_LONG);
    http_limits_default(&lim);
    lim.fields_max = 3;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, many, strlen(many)),
                     HTTP_DONE);
    lim.fields_max = 2;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, many, strlen(many)),
                     HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_TOO_MANY_FIELDS);
    assert_int_equal(http_error_status(p.error), 431);
    http_limits_default(&lim);
    lim.head_max = (uint32_t)strlen(many);
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, many, strlen(many)),
                     HTTP_DONE);
    lim.head_max--;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, many, strlen(many)),
                     HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_HEAD_TOO_LARGE);
    /* An endless header line is refused before its LF ever comes. */
    lim.head_max = 64;
    assert_int_equal(
        test_parse_once(&p, HTTP_REQUEST, &lim, fields,
                        "GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                        70),
        HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_HEAD_TOO_LARGE);
}

static void
body_limit_applies_to_content_length(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;
    const char *req = "POST / HTTP/1.1\r\n" H "Content-Length: 101\r\n\r\n";

    (void)state;
    http_limits_default(&lim);
    lim.body_max = 101;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, req, strlen(req)), HTTP_DONE);
    lim.body_max = 100;
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, req, strlen(req)), HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_BODY_TOO_LARGE);
    assert_int_equal(http_error_status(p.error), 413);
}

static void
error_statuses(void **state)
{
    (void)state;
    for (int e = 1; e < HTTP_ERR_COUNT; e++) {
        uint16_t s = http_error_status((enum http_error)e);
        assert_true(s == 400 || s == 413 || s == 414 || s == 417 || s == 431 || s == 501 ||
                    s == 505);
        assert_true(strcmp(http_error_name((enum http_error)e), "none") != 0);
    }
    assert_int_equal(http_error_status(HTTP_ERR_TE_UNSUPPORTED), 501);
    assert_int_equal(http_error_status(HTTP_ERR_CL_AND_TE), 400);
    assert_int_equal(http_error_status(HTTP_ERR_VERSION_UNSUPPORTED), 505);
    assert_int_equal(http_error_status(HTTP_ERR_EXPECT), 417);
    assert_string_equal(http_error_name(HTTP_ERR_CL_AND_TE), "cl-and-te");
    assert_string_equal(http_status_reason(404), "Not Found");
}

static const char *
slice(const char *buf, struct http_slice s, char *out)
{
    memcpy(out, buf + s.off, s.len);
    out[s.len] = '\0';
    return out;
}

static void
origin_form_request(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    const char *raw = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: Example.COM:8080\r\n"
                      "User-Agent:   curl/8 \t\r\nAccept: */*\r\nX-Empty:\r\n\r\nBODY";
    struct http_limits lim;
    struct http_parser p;
    char tmp[64];

    (void)state;
    http_limits_default(&lim);
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, raw, strlen(raw)), HTTP_DONE);
    assert_int_equal(p.msg.method, HTTP_METHOD_GET);
    assert_int_equal(p.msg.form, HTTP_FORM_ORIGIN);
    assert_int_equal(p.msg.minor, 1);
    assert_string_equal(slice(raw, p.msg.method_text, tmp), "GET");
    assert_string_equal(slice(raw, p.msg.target, tmp), "/a/b?x=1&y=2");
    assert_string_equal(slice(raw, p.msg.path, tmp), "/a/b");
    assert_string_equal(slice(raw, p.msg.query, tmp), "x=1&y=2");
    assert_string_equal(slice(raw, p.msg.host, tmp), "Example.COM:8080");
    assert_int_equal(p.msg.n_fields, 4);
    assert_string_equal(test_field(&p.msg, raw, "user-agent", tmp, sizeof(tmp)), "curl/8");
    assert_string_equal(test_field(&p.msg, raw, "X-EMPTY", tmp, sizeof(tmp)), "");
    assert_int_equal(p.msg.head_len, strlen(raw) - 4);
    assert_int_equal(p.msg.framing, HTTP_BODY_NONE);
    assert_true(p.msg.keep_alive);
    assert_false(p.msg.expect_continue);
    assert_false(p.msg.upgrade);
    /* DONE is sticky. */
    assert_int_equal(http_parse(&p, raw, strlen(raw)), HTTP_DONE);
}

static void
other_target_forms(void **state)
{
    static struct http_field fields[TEST_FIELDS];
    const char *abs = "GET HTTP://a.example:81?q HTTP/1.1\r\nHost: ignored\r\n\r\n";
    const char *conn = "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n";
    const char *star = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *ip6 = "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n";
    const char *other = "PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n";
    struct http_limits lim;
    struct http_parser p;
    char tmp[64];

    (void)state;
    http_limits_default(&lim);
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, abs, strlen(abs)), HTTP_DONE);
    assert_int_equal(p.msg.form, HTTP_FORM_ABSOLUTE);
    assert_string_equal(slice(abs, p.msg.host, tmp), "a.example:81");
    assert_int_equal(p.msg.path.len, 0);
    assert_string_equal(slice(abs, p.msg.query, tmp), "q");
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, conn, strlen(conn)),
                     HTTP_DONE);
    assert_int_equal(p.msg.form, HTTP_FORM_AUTHORITY);
    assert_int_equal(p.msg.method, HTTP_METHOD_CONNECT);
    assert_string_equal(slice(conn, p.msg.host, tmp), "a.example:443");
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, star, strlen(star)),
                     HTTP_DONE);
    assert_int_equal(p.msg.form, HTTP_FORM_ASTERISK);
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, ip6, strlen(ip6)), HTTP_DONE);
    assert_string_equal(slice(ip6, p.msg.host, tmp), "[2001:db8::1]:8080");
    assert_int_equal(test_parse_once(&p, HTTP_REQUEST, &lim, fields, other, strlen(other)),
                     HTTP_DONE);
    assert_int_equal(p.msg.method, HTTP_METHOD_OTHER);
    assert_string_equal(slice(other, p.msg.method_text, tmp), "PROPFIND");
}

struct conn_case {
    const char *raw;
    bool keep_alive;
    bool upgrade;
    bool expect;
};

static void
keep_alive_upgrade_expect(void **state)
{
    static const struct conn_case cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, false},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, false, false},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false, false, false},
        {"GET / HTTP/1.0\r\n\r\n", false, false, false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, false, false},
        {"GET / HTTP/1.0\r\nConnection: ,, keep-alive ,\r\n\r\n", true, false, false},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", true,
         true, false},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", true, false, false},
        {"GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", false, false,
         false},
        {"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", true,
         false, true},
        {"PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", false, false,
         false},
        {"PUT / HTTP/1.0\r\nExpect: whatever\r\n\r\n", false, false, false},
        {"GET / HTTP/1.2\r\nHost: a\r\n\r\n", true, false, false},
        {"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, false},
    };
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct conn_case *c = &cases[i];
        enum http_result r =
            test_parse_once(&p, HTTP_REQUEST, &lim, fields, c->raw, strlen(c->raw));

        if (r != HTTP_DONE)
            fail_msg("case %zu: %s", i, http_error_name(p.error));
        if (p.msg.keep_alive != c->keep_alive || p.msg.upgrade != c->upgrade ||
            p.msg.expect_continue != c->expect)
            fail_msg("case %zu: keep-alive %d upgrade %d expect %d", i, p.msg.keep_alive,
                     p.msg.upgrade, p.msg.expect_continue);
    }
}

struct framing_case {
    const char *raw;
    enum http_method req; /* response: the request's method */
    enum http_framing framing;
    uint64_t length;
    bool keep_alive;
};

static void
request_and_response_framing(void **state)
{
    static const struct framing_case req[] = {
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0012\r\n\r\n", 0, HTTP_BODY_LENGTH, 12,
         true},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0, HTTP_BODY_NONE, 0, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 0, HTTP_BODY_CHUNKED,
         0, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked \r\n\r\n", 0, HTTP_BODY_CHUNKED,
         0, true},
        {"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 0, HTTP_BODY_NONE, 0, true},
    };
    static const struct framing_case resp[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_LENGTH, 5,
         true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", HTTP_METHOD_HEAD, HTTP_BODY_NONE, 5, true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_METHOD_GET,
         HTTP_BODY_CHUNKED, 0, true},
        {"HTTP/1.1 200 OK\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_CLOSE, 0, false},
        {"HTTP/1.1 204 No Content\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_NONE, 0, true},
        {"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_NONE,
         9, true},
        {"HTTP/1.1 100 Continue\r\n\r\n", HTTP_METHOD_PUT, HTTP_BODY_NONE, 0, true},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
         HTTP_METHOD_GET, HTTP_BODY_TUNNEL, 0, true},
        {"HTTP/1.1 200 Connection established\r\n\r\n", HTTP_METHOD_CONNECT, HTTP_BODY_TUNNEL, 0,
         true},
        {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_LENGTH, 1,
         false},
        {"HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", HTTP_METHOD_GET, HTTP_BODY_LENGTH, 1, true},
        {"HTTP/1.1 404 \r\nContent-Length: 1\r\nConnection: close\r\n\r\n", HTTP_METHOD_GET,
         HTTP_BODY_LENGTH, 1, false},
    };
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    for (size_t k = 0; k < 2; k++) {
        const struct framing_case *cases = k == 0 ? req : resp;
        size_t n = k == 0 ? sizeof(req) / sizeof(req[0]) : sizeof(resp) / sizeof(resp[0]);
        for (size_t i = 0; i < n; i++) {
            const struct framing_case *c = &cases[i];
            http_parser_init(&p, k == 0 ? HTTP_REQUEST : HTTP_RESPONSE, &lim, fields, TEST_FIELDS);
            http_parser_set_request_method(&p, c->req);
            if (http_parse(&p, c->raw, strlen(c->raw)) != HTTP_DONE)
                fail_msg("%s case %zu: %s", k ? "response" : "request", i,
                         http_error_name(p.error));
            if (p.msg.framing != c->framing || p.msg.content_length != c->length ||
                p.msg.keep_alive != c->keep_alive)
                fail_msg("%s case %zu: framing %d length %llu keep-alive %d", k ? "resp" : "req", i,
                         p.msg.framing, (unsigned long long)p.msg.content_length, p.msg.keep_alive);
        }
    }
}

static void
accepted_oddities(void **state)
{
    /* Things RFC 9112 allows that a strict reader might wrongly refuse. */
    static const char *const ok[] = {
        "GET /a/.b/..c/...?x=../.. HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /%41%2f HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-8bit: caf\xc3\xa9\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-Tab:\tv\tw\t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a_b-c.d~e\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: 10.0.0.1:65535\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~: token-chars\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nConnection:\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 000\r\n\r\n",
    };
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        enum http_result r = test_parse_once(&p, HTTP_REQUEST, &lim, fields, ok[i], strlen(ok[i]));
        if (r != HTTP_DONE)
            fail_msg("case %zu refused: %s", i, http_error_name(p.error));
    }
}

static void
method_tokens(void **state)
{
    (void)state;
    assert_int_equal(http_method_parse("GET", 3), HTTP_METHOD_GET);
    assert_int_equal(http_method_parse("PATCH", 5), HTTP_METHOD_PATCH);
    assert_int_equal(http_method_parse("CONNECT", 7), HTTP_METHOD_CONNECT);
    assert_int_equal(http_method_parse("get", 3), HTTP_METHOD_OTHER);
    assert_int_equal(http_method_parse("GE T", 4), HTTP_METHOD_NONE);
    assert_int_equal(http_method_parse("", 0), HTTP_METHOD_NONE);
    assert_string_equal(http_method_name(HTTP_METHOD_DELETE), "DELETE");
    assert_null(http_method_name(HTTP_METHOD_OTHER));
}

static void
fields_smaller_than_the_limit(void **state)
{
    struct http_field fields[2];
    const char *raw = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
    struct http_limits lim;
    struct http_parser p;

    (void)state;
    http_limits_default(&lim);
    http_parser_init(&p, HTTP_REQUEST, &lim, fields, 2);
    assert_int_equal(http_parse(&p, raw, strlen(raw)), HTTP_ERROR);
    assert_int_equal(p.error, HTTP_ERR_TOO_MANY_FIELDS);
}

const struct CMUnitTest test_parse[] = {
    cmocka_unit_test(bad_requests_fail_with_their_error),
    cmocka_unit_test(bad_responses_fail_with_their_error),
    cmocka_unit_test(limits_hold_at_their_boundary),
    cmocka_unit_test(body_limit_applies_to_content_length),
    cmocka_unit_test(error_statuses),
    cmocka_unit_test(origin_form_request),
    cmocka_unit_test(other_target_forms),
    cmocka_unit_test(keep_alive_upgrade_expect),
    cmocka_unit_test(request_and_response_framing),
    cmocka_unit_test(accepted_oddities),
    cmocka_unit_test(method_tokens),
    cmocka_unit_test(fields_smaller_than_the_limit),
};
const size_t test_parse_count = sizeof(test_parse) / sizeof(test_parse[0]);

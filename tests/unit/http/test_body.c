/* Body decoder: chunked edge cases, each decoded at once and byte by byte. */
#include <stdio.h>
#include <string.h>

#include "tests.h"

struct chunk_case {
    const char *name;
    const char *raw;
    size_t len;
    enum http_error err; /* NONE: decodes to want */
    const char *want;
    size_t want_len;
    size_t consumed; /* bytes the body takes (the rest is the next message) */
};

#define OK(n, r, w, c)                                                                             \
    {                                                                                              \
        n, r, sizeof(r) - 1, HTTP_ERR_NONE, w, sizeof(w) - 1, c                                    \
    }
#define KO(n, r, e)                                                                                \
    {                                                                                              \
        n, r, sizeof(r) - 1, e, NULL, 0, 0                                                         \
    }

static const struct chunk_case chunk_cases[] = {
    OK("empty", "0\r\n\r\n", "", 5),
    OK("one", "5\r\nhello\r\n0\r\n\r\n", "hello", 15),
    OK("two", "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n", "abc", 18),
    OK("upper-hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 20),
    OK("leading-zeros", "0005\r\nhello\r\n0000\r\n\r\n", "hello", 21),
    OK("ext", "5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", 31),
    OK("ext-bws", "5 \t; a = \"q;s\"\r\nhello\r\n0\r\n\r\n", "hello", 28),
    OK("ext-8bit", "5;n=\xc3\xa9\r\nhello\r\n0\r\n\r\n", "hello", 20),
    OK("trailers", "2\r\nok\r\n0\r\nX-T: 1\r\nY:\r\n\r\n", "ok", 24),
    OK("next-message-after", "0\r\n\r\nGET / HTTP/1.1\r\n", "", 5),
    OK("binary-data", "3\r\n\0\r\n\r\n0\r\n\r\n", "\0\r\n", 13),
    KO("size-missing", "\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-not-hex", "g\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-negative", "-5\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-0x", "0x5\r\nhello\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-plus", "+5\r\nhello\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-leading-space", " 5\r\nhello\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-trailing-space", "5 \r\nhello\r\n", HTTP_ERR_CHUNK_SIZE),
    KO("size-overflow-16", "1000000000000000\r\n", HTTP_ERR_CHUNK_SIZE_OVERFLOW),
    KO("size-overflow-64bit", "10000000000000000000005\r\n", HTTP_ERR_CHUNK_SIZE_OVERFLOW),
    KO("size-bare-lf", "5\nhello\r\n", HTTP_ERR_BARE_LF),
    KO("size-bare-cr", "5\rhello\r\n", HTTP_ERR_BARE_CR),
    KO("size-nul", "5\0\r\nhello\r\n", HTTP_ERR_NUL),
    KO("ext-ctl", "5;a\x01\r\nhello\r\n", HTTP_ERR_CHUNK_EXT),
    KO("ext-bare-lf", "5;a\nhello\r\n", HTTP_ERR_BARE_LF),
    KO("ext-bare-cr", "5;a\rb\r\nhello\r\n", HTTP_ERR_BARE_CR),
    KO("ext-nul", "5;a\0\r\nhello\r\n", HTTP_ERR_NUL),
    KO("data-too-long", "5\r\nhelloX\r\n0\r\n\r\n", HTTP_ERR_CHUNK_CRLF),
    KO("data-lf-only", "5\r\nhello\n0\r\n\r\n", HTTP_ERR_CHUNK_CRLF),
    KO("data-cr-only", "5\r\nhello\r0\r\n\r\n", HTTP_ERR_CHUNK_CRLF),
    KO("data-no-crlf", "5\r\nhello0\r\n\r\n", HTTP_ERR_CHUNK_CRLF),
    KO("last-chunk-bare-lf", "0\r\n\n", HTTP_ERR_BARE_LF),
    KO("last-chunk-bare-cr", "0\r\n\rX", HTTP_ERR_BARE_CR),
    KO("trailer-obs-fold", "0\r\nA: b\r\n c\r\n\r\n", HTTP_ERR_OBS_FOLD),
    KO("trailer-space-before-colon", "0\r\nA : b\r\n\r\n", HTTP_ERR_SPACE_BEFORE_COLON),
    KO("trailer-bad-name", "0\r\nA(: b\r\n\r\n", HTTP_ERR_FIELD_NAME),
    KO("trailer-no-colon", "0\r\nAB\r\n\r\n", HTTP_ERR_NO_COLON),
    KO("trailer-bare-lf", "0\r\nA: b\n\r\n", HTTP_ERR_BARE_LF),
    KO("trailer-bare-cr", "0\r\nA: b\rc\r\n\r\n", HTTP_ERR_BARE_CR),
    KO("trailer-ctl", "0\r\nA: \x01\r\n\r\n", HTTP_ERR_FIELD_VALUE),
    KO("trailer-nul", "0\r\nA: \0\r\n\r\n", HTTP_ERR_NUL),
};

/*
 * Decodes raw with pieces of at most `piece` bytes given to the decoder (all
 * consumed bytes dropped, as a worker does). Returns the final result; the
 * data goes to out, the bytes used to *used.
 */
static enum http_result
decode(struct http_body *b, const char *raw, size_t len, size_t piece, char *out, size_t *out_len,
       size_t *used)
{
    size_t pos = 0, avail = piece < len ? piece : len;

    *out_len = 0;
    for (;;) {
        struct http_slice d;
        size_t c;
        enum http_result r = http_body_step(b, raw + pos, avail - pos, &c, &d);

        if (r == HTTP_DATA) {
            memcpy(out + *out_len, raw + pos + d.off, d.len);
            *out_len += d.len;
        }
        pos += c;
        *used = pos;
        if (r == HTTP_DONE || r == HTTP_ERROR)
            return r;
        if (r == HTTP_AGAIN) {
            if (avail == len)
                return r;
            avail = avail + piece < len ? avail + piece : len;
        }
    }
}

static void
chunked_cases(void **state)
{
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;

    (void)state;
    http_limits_default(&lim);
    for (size_t i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
        const struct chunk_case *c = &chunk_cases[i];
        for (size_t piece = 1; piece <= c->len; piece = piece == 1 ? c->len : c->len + 1) {
            struct http_body b;
            char out[64];
            size_t out_len, used;
            enum http_result r;

            http_body_init(&b, &m, &lim);
            r = decode(&b, c->raw, c->len, piece, out, &out_len, &used);
            if (c->err != HTTP_ERR_NONE) {
                if (r != HTTP_ERROR || b.error != c->err)
                    fail_msg("%s (pieces of %zu): result %d error %s, want %s", c->name, piece, r,
                             http_error_name(b.error), http_error_name(c->err));
                continue;
            }
            if (r != HTTP_DONE)
                fail_msg("%s (pieces of %zu): result %d error %s", c->name, piece, r,
                         http_error_name(b.error));
            assert_int_equal(used, c->consumed);
            assert_int_equal(out_len, c->want_len);
            assert_memory_equal(out, c->want, out_len);
            assert_true(http_body_is_done(&b));
        }
    }
}

static void
chunk_line_limit(void **state)
{
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;
    struct http_body b;
    const char *ok = "5;abcd\r\nhello\r\n0\r\n\r\n"; /* size line: 8 bytes */
    char out[16];
    size_t n, used;

    (void)state;
    http_limits_default(&lim);
    lim.chunk_ext_max = 8;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, ok, strlen(ok), 100, out, &n, &used), HTTP_DONE);
    lim.chunk_ext_max = 7;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, ok, strlen(ok), 100, out, &n, &used), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_CHUNK_EXT_TOO_LONG);
}

static void
body_limit_counts_chunks(void **state)
{
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;
    struct http_body b;
    const char *raw = "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    char out[16];
    size_t n, used;

    (void)state;
    http_limits_default(&lim);
    lim.body_max = 6;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, raw, strlen(raw), 100, out, &n, &used), HTTP_DONE);
    lim.body_max = 5;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, raw, strlen(raw), 100, out, &n, &used), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_BODY_TOO_LARGE);
    /* Refused at the size line, before any byte of the second chunk is forwarded. */
    assert_int_equal(n, 3);
}

static void
trailer_limits(void **state)
{
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;
    struct http_body b;
    const char *raw = "0\r\nA: 1\r\nB: 2\r\n\r\n";
    char out[16];
    size_t n, used;

    (void)state;
    http_limits_default(&lim);
    lim.fields_max = 1;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, raw, strlen(raw), 100, out, &n, &used), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_TOO_MANY_FIELDS);
    http_limits_default(&lim);
    lim.head_max = 10;
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, raw, strlen(raw), 100, out, &n, &used), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_HEAD_TOO_LARGE);
}

static void
length_close_and_tunnel(void **state)
{
    struct http_limits lim;
    struct http_body b;
    struct http_msg len = {.framing = HTTP_BODY_LENGTH, .content_length = 4};
    struct http_msg close = {.framing = HTTP_BODY_CLOSE};
    struct http_msg none = {.framing = HTTP_BODY_NONE};
    char out[16];
    size_t n, used;

    (void)state;
    http_limits_default(&lim);
    http_body_init(&b, &len, &lim);
    assert_int_equal(decode(&b, "abcdEFGH", 8, 3, out, &n, &used), HTTP_DONE);
    assert_int_equal(used, 4);
    assert_memory_equal(out, "abcd", 4);
    assert_int_equal(http_body_eof(&b), HTTP_DONE);
    http_body_init(&b, &close, &lim);
    assert_int_equal(decode(&b, "abcdEFGH", 8, 3, out, &n, &used), HTTP_AGAIN);
    assert_int_equal(n, 8);
    assert_int_equal(http_body_eof(&b), HTTP_DONE);
    assert_true(http_body_is_done(&b));
    lim.body_max = 7;
    http_body_init(&b, &close, &lim);
    assert_int_equal(decode(&b, "abcdEFGH", 8, 8, out, &n, &used), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_BODY_TOO_LARGE);
    http_body_init(&b, &none, &lim);
    assert_int_equal(decode(&b, "GET", 3, 3, out, &n, &used), HTTP_DONE);
    assert_int_equal(used, 0);
}

static void
eof_inside_chunked_is_truncated(void **state)
{
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;
    struct http_body b;
    char out[16];
    size_t n, used;

    (void)state;
    http_limits_default(&lim);
    http_body_init(&b, &m, &lim);
    assert_int_equal(decode(&b, "5\r\nhel", 6, 6, out, &n, &used), HTTP_AGAIN);
    assert_int_equal(http_body_eof(&b), HTTP_ERROR);
    assert_int_equal(b.error, HTTP_ERR_TRUNCATED);
}

const struct CMUnitTest test_body[] = {
    cmocka_unit_test(chunked_cases),
    cmocka_unit_test(chunk_line_limit),
    cmocka_unit_test(body_limit_counts_chunks),
    cmocka_unit_test(trailer_limits),
    cmocka_unit_test(length_close_and_tunnel),
    cmocka_unit_test(eof_inside_chunked_is_truncated),
};
const size_t test_body_count = sizeof(test_body) / sizeof(test_body[0]);

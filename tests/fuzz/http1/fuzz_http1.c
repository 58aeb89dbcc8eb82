/*
 * libFuzzer target for the HTTP/1.1 codec (src/http): the head parser, the
 * body decoder and the serializers, driven the way a worker drives them.
 * Beyond crashes and sanitizer reports it checks invariants, and aborts when
 * one breaks:
 *   - split invariance: every head is parsed twice, in one call and in
 *     pieces whose sizes come from the input; result, error and fields match;
 *   - offsets: every field, the target, path, query and host lie inside the
 *     head;
 *   - round trip: a forwarded request or response head parses again, with
 *     the same method, status and framing.
 *
 * Input: byte 0 = flags (bit 0 response, bit 1 small limits, bit 2 HEAD
 * request for responses), byte 1 = split seed, then the byte stream of one
 * connection (pipelined messages).
 *
 * Run (docs/internals/http.md, "Fuzzing"):
 *   build-ci-fuzz/tests/fuzz/http1/fuzz_http1 -dict=tests/fuzz/http1/http.dict \
 *       NEW_DIR tests/fuzz/http1/corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FIELDS 128
#define FUZZ_MAX_MESSAGES 16

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_slice(struct http_slice s, uint32_t head_len)
{
    check(s.off <= head_len && s.len <= head_len - s.off);
}

static void
check_offsets(const struct http_msg *m)
{
    for (uint16_t i = 0; i < m->n_fields; i++) {
        const struct http_field *f = &m->fields[i];
        check(f->name_off + f->name_len <= m->head_len);
        check(f->value_off + f->value_len <= m->head_len);
        check(f->name_len > 0);
    }
    check_slice(m->target, m->head_len);
    check_slice(m->path, m->head_len);
    check_slice(m->query, m->head_len);
    check_slice(m->host, m->head_len);
    check_slice(m->reason, m->head_len);
}

/* Parses the head at buf[0..len) in pieces; the result must match one shot. */
static enum http_result
parse_twice(struct http_parser *p, enum http_kind kind, const struct http_limits *lim,
            enum http_method req, const char *buf, size_t len, uint32_t *seed)
{
    static struct http_field f1[FUZZ_FIELDS], f2[FUZZ_FIELDS];
    struct http_parser one;
    enum http_result r1, r2 = HTTP_AGAIN;
    size_t n = 0;

    http_parser_init(&one, kind, lim, f1, FUZZ_FIELDS);
    http_parser_set_request_method(&one, req);
    r1 = http_parse(&one, buf, len);
    http_parser_init(p, kind, lim, f2, FUZZ_FIELDS);
    http_parser_set_request_method(p, req);
    while (r2 == HTTP_AGAIN && n < len) {
        *seed = *seed * 1103515245u + 12345u;
        n += 1 + (*seed >> 16) % 17;
        r2 = http_parse(p, buf, n < len ? n : len);
    }
    check(r1 == r2);
    if (r1 == HTTP_ERROR)
        check(one.error == p->error);
    if (r1 == HTTP_DONE) {
        check(one.msg.head_len == p->msg.head_len && one.msg.n_fields == p->msg.n_fields);
        check(memcmp(f1, f2, sizeof(f1[0]) * one.msg.n_fields) == 0);
        check(one.msg.framing == p->msg.framing && one.msg.keep_alive == p->msg.keep_alive);
        check_offsets(&p->msg);
    }
    return r2;
}

static void
round_trip(const struct http_msg *m, const char *buf, enum http_kind kind, enum http_method req)
{
    static char out[1 << 17];
    static struct http_field f[FUZZ_FIELDS + 8];
    struct http_forward fw = {.client_addr = "2001:db8::7", .client_addr_len = 11};
    struct http_response_forward rf = {.client_minor = 1, .keep_alive = true};
    struct http_limits lim = {.line_max = 1 << 16,
                              .head_max = 1 << 17,
                              .fields_max = FUZZ_FIELDS + 8,
                              .chunk_ext_max = 1024};
    enum http_framing framing;
    struct http_parser p;
    size_t n;

    if (m->host.len == 0) {
        fw.host = "backend";
        fw.host_len = 7;
    }
    if (kind == HTTP_REQUEST)
        n = http_serialize_request(m, buf, &fw, out, sizeof(out));
    else
        n = http_serialize_response(m, buf, &rf, out, sizeof(out), &framing);
    check(n > 0);
    http_parser_init(&p, kind, &lim, f, FUZZ_FIELDS + 8);
    http_parser_set_request_method(&p, req);
    check(http_parse(&p, out, n) == HTTP_DONE);
    check(p.msg.head_len == n);
    if (kind == HTTP_REQUEST) {
        check(p.msg.method == m->method);
        check(p.msg.framing == m->framing || m->framing == HTTP_BODY_NONE);
    } else {
        check(p.msg.status == m->status);
    }
}

/* Decodes one body from buf, in pieces; returns the bytes it took, or -1. */
static long
decode_body(const struct http_msg *m, const struct http_limits *lim, const char *buf, size_t len,
            uint32_t *seed)
{
    struct http_body b;
    size_t pos = 0, avail = 0;

    http_body_init(&b, m, lim);
    for (;;) {
        struct http_slice d;
        size_t used;
        enum http_result r = http_body_step(&b, buf + pos, avail - pos, &used, &d);

        check(used <= avail - pos);
        if (r == HTTP_DATA)
            check(d.len > 0 && d.off + d.len == used);
        pos += used;
        if (r == HTTP_DONE)
            return (long)pos;
        if (r == HTTP_ERROR)
            return -1;
        if (r == HTTP_AGAIN && avail == len)
            return http_body_eof(&b) == HTTP_DONE ? (long)pos : -1;
        if (r == HTTP_AGAIN) {
            *seed = *seed * 1103515245u + 12345u;
            avail += 1 + (*seed >> 16) % 29;
            if (avail > len)
                avail = len;
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum http_kind kind;
    enum http_method req;
    struct http_limits lim;
    const char *buf;
    size_t len, start = 0;
    uint32_t seed;

    if (size < 2)
        return 0;
    kind = (data[0] & 1) ? HTTP_RESPONSE : HTTP_REQUEST;
    req = (data[0] & 4) ? HTTP_METHOD_HEAD : HTTP_METHOD_GET;
    http_limits_default(&lim);
    if (data[0] & 2) {
        lim = (struct http_limits){
            .line_max = 64, .head_max = 256, .fields_max = 4, .chunk_ext_max = 16, .body_max = 100};
    }
    seed = data[1];
    buf = (const char *)data + 2;
    len = size - 2;
    for (int i = 0; i < FUZZ_MAX_MESSAGES && start < len; i++) {
        struct http_parser p;
        long body;

        if (parse_twice(&p, kind, &lim, req, buf + start, len - start, &seed) != HTTP_DONE)
            break;
        round_trip(&p.msg, buf + start, kind, req);
        body = decode_body(&p.msg, &lim, buf + start + p.msg.head_len, len - start - p.msg.head_len,
                           &seed);
        if (body < 0 || p.msg.framing == HTTP_BODY_TUNNEL || !p.msg.keep_alive)
            break;
        start += p.msg.head_len + (size_t)body;
    }
    return 0;
}

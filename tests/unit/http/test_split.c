/*
 * Split invariance: a connection's bytes may arrive in any pieces. A small
 * connection simulator drives the head parser and the body decoder the way a
 * worker does (append bytes, parse, drop what the body decoder consumed,
 * pipeline to the next message) and must see the same messages, bodies and
 * errors whatever the schedule: all at once, byte by byte, every two-piece
 * split, and random splits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

#define SIM_MAX 8

struct sim_msg {
    char target[64];
    char body[256];
    size_t body_len;
    enum http_framing framing;
    bool keep_alive;
    uint16_t n_fields;
};

struct sim_result {
    struct sim_msg msg[SIM_MAX];
    size_t n;
    enum http_error err; /* error that stopped the stream, or NONE */
    bool complete;       /* the stream ended on a message boundary */
};

/* Piece sizes: fixed (step > 0), or pseudo-random from seed (step == 0). */
struct schedule {
    size_t step;
    size_t first; /* size of the first piece, 0 = use step/random */
    uint32_t seed;
};

static size_t
next_piece(struct schedule *s)
{
    size_t n;

    if (s->first != 0) {
        n = s->first;
        s->first = 0;
        return n;
    }
    if (s->step != 0)
        return s->step;
    s->seed = s->seed * 1103515245u + 12345u;
    return 1 + (s->seed >> 16) % 23;
}

static void
sim_head_done(struct sim_result *res, const struct http_parser *p, const char *buf)
{
    struct sim_msg *m = &res->msg[res->n];
    size_t n =
        p->msg.target.len < sizeof(m->target) - 1 ? p->msg.target.len : sizeof(m->target) - 1;

    memcpy(m->target, buf + p->msg.target.off, n);
    m->target[n] = '\0';
    m->framing = p->msg.framing;
    m->keep_alive = p->msg.keep_alive;
    m->n_fields = p->msg.n_fields;
}

static void
sim_body_data(struct sim_msg *m, const char *buf, struct http_slice d)
{
    assert_true(m->body_len + d.len <= sizeof(m->body));
    memcpy(m->body + m->body_len, buf + d.off, d.len);
    m->body_len += d.len;
}

/*
 * Runs a stream through parser and decoder. Bytes are "received" in pieces;
 * the decoder sees only bytes not consumed yet, the head parser every byte
 * since its message started.
 */
static void
simulate(const char *stream, size_t n, enum http_kind kind, struct schedule sched,
         struct sim_result *res)
{
    static struct http_field fields[TEST_FIELDS];
    struct http_limits lim;
    struct http_parser p;
    struct http_body b;
    size_t avail = 0, start = 0, pos = 0;
    bool head = true;

    memset(res, 0, sizeof(*res));
    http_limits_default(&lim);
    http_parser_init(&p, kind, &lim, fields, TEST_FIELDS);
    http_parser_set_request_method(&p, HTTP_METHOD_GET);
    avail = next_piece(&sched);
    for (;;) {
        enum http_result r;
        struct http_slice d;
        size_t used;

        if (avail > n)
            avail = n;
        if (head) {
            r = http_parse(&p, stream + start, avail - start);
            if (r == HTTP_DONE) {
                sim_head_done(res, &p, stream + start);
                http_body_init(&b, &p.msg, &lim);
                pos = start + p.msg.head_len;
                head = false;
                continue;
            }
            if (r == HTTP_ERROR) {
                res->err = p.error;
                return;
            }
        } else {
            size_t base = pos;
            r = http_body_step(&b, stream + base, avail - base, &used, &d);
            pos += used;
            if (r == HTTP_DATA) {
                sim_body_data(&res->msg[res->n], stream + base, d);
                /* The data run ends the consumed bytes. */
                assert_int_equal(d.off + d.len, used);
                continue;
            }
            if (r == HTTP_ERROR) {
                res->err = b.error;
                return;
            }
            if (r == HTTP_DONE) {
                assert_true(++res->n < SIM_MAX);
                start = pos;
                head = true;
                http_parser_init(&p, kind, &lim, fields, TEST_FIELDS);
                http_parser_set_request_method(&p, HTTP_METHOD_GET);
                continue;
            }
        }
        if (avail == n)
            break;
        avail += next_piece(&sched);
    }
    if (!head && http_body_eof(&b) == HTTP_DONE) {
        res->n++;
        start = n;
        head = true;
    } else if (!head) {
        res->err = b.error;
    }
    res->complete = head && start == n;
}

static void
assert_same(const struct sim_result *a, const struct sim_result *b, const char *what)
{
    if (a->n != b->n || a->err != b->err || a->complete != b->complete)
        fail_msg("%s: %zu messages, error %s, complete %d; want %zu, %s, %d", what, b->n,
                 http_error_name(b->err), b->complete, a->n, http_error_name(a->err), a->complete);
    for (size_t i = 0; i < a->n; i++) {
        const struct sim_msg *x = &a->msg[i], *y = &b->msg[i];
        if (strcmp(x->target, y->target) != 0 || x->body_len != y->body_len ||
            memcmp(x->body, y->body, x->body_len) != 0 || x->framing != y->framing ||
            x->keep_alive != y->keep_alive || x->n_fields != y->n_fields)
            fail_msg("%s: message %zu differs", what, i);
    }
}

/* Every schedule gives the result of the all-at-once schedule. */
static void
check_all_schedules(const char *stream, size_t n, enum http_kind kind, struct sim_result *ref)
{
    struct sim_result r;
    char what[64];

    simulate(stream, n, kind, (struct schedule){.step = n}, ref);
    simulate(stream, n, kind, (struct schedule){.step = 1}, &r);
    assert_same(ref, &r, "byte by byte");
    for (size_t k = 1; k < n; k++) {
        simulate(stream, n, kind, (struct schedule){.step = n, .first = k}, &r);
        snprintf(what, sizeof(what), "split at %zu", k);
        assert_same(ref, &r, what);
    }
    for (uint32_t seed = 1; seed <= 200; seed++) {
        simulate(stream, n, kind, (struct schedule){.seed = seed}, &r);
        snprintf(what, sizeof(what), "random seed %u", seed);
        assert_same(ref, &r, what);
    }
}

static const char pipelined[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "5;ext=1;q=\"a b\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                                "0\r\nTrailer-A: x\r\nTrailer-B:\r\n\r\n"
                                "PUT /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                                "\r\nGET /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

static void
pipelined_requests_any_split(void **state)
{
    struct sim_result ref;

    (void)state;
    check_all_schedules(pipelined, sizeof(pipelined) - 1, HTTP_REQUEST, &ref);
    assert_int_equal(ref.n, 5);
    assert_int_equal(ref.err, HTTP_ERR_NONE);
    assert_true(ref.complete);
    assert_string_equal(ref.msg[0].target, "/a");
    assert_int_equal(ref.msg[1].body_len, 5);
    assert_memory_equal(ref.msg[1].body, "hello", 5);
    assert_int_equal(ref.msg[2].framing, HTTP_BODY_CHUNKED);
    assert_int_equal(ref.msg[2].body_len, 31);
    assert_memory_equal(ref.msg[2].body, "helloabcdefghijklmnopqrstuvwxyz", 31);
    assert_string_equal(ref.msg[4].target, "/e");
    assert_false(ref.msg[4].keep_alive);
}

/* A valid request, then a smuggling attempt: the first is served, the second refused. */
static const char smuggled[] = "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                               "POST /evil HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

static void
smuggling_after_valid_request_any_split(void **state)
{
    struct sim_result ref;

    (void)state;
    check_all_schedules(smuggled, sizeof(smuggled) - 1, HTTP_REQUEST, &ref);
    assert_int_equal(ref.n, 1);
    assert_int_equal(ref.err, HTTP_ERR_CL_AND_TE);
}

static const char bad_chunk[] = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nabc\r\n4\r\nabcdX\r\n0\r\n\r\n";

static void
bad_chunk_any_split(void **state)
{
    struct sim_result ref;

    (void)state;
    check_all_schedules(bad_chunk, sizeof(bad_chunk) - 1, HTTP_REQUEST, &ref);
    assert_int_equal(ref.n, 0);
    assert_int_equal(ref.err, HTTP_ERR_CHUNK_CRLF);
}

static const char responses[] = "HTTP/1.1 100 Continue\r\n\r\n"
                                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\nab\r\n0\r\n\r\n"
                                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                                "HTTP/1.0 200 OK\r\n\r\nuntil the end";

static void
responses_any_split(void **state)
{
    struct sim_result ref;

    (void)state;
    check_all_schedules(responses, sizeof(responses) - 1, HTTP_RESPONSE, &ref);
    assert_int_equal(ref.err, HTTP_ERR_NONE);
    assert_int_equal(ref.n, 5);
    assert_true(ref.complete);
    assert_int_equal(ref.msg[4].framing, HTTP_BODY_CLOSE);
    assert_int_equal(ref.msg[4].body_len, 13);
    assert_memory_equal(ref.msg[4].body, "until the end", 13);
}

static const char truncated[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort";

static void
truncated_body_any_split(void **state)
{
    struct sim_result ref;

    (void)state;
    check_all_schedules(truncated, sizeof(truncated) - 1, HTTP_REQUEST, &ref);
    assert_int_equal(ref.err, HTTP_ERR_TRUNCATED);
}

/* The head parser alone: every prefix length, fields identical to one shot. */
static void
head_fields_identical_for_every_prefix(void **state)
{
    static struct http_field f1[TEST_FIELDS], f2[TEST_FIELDS];
    const char *raw = "GET /x?y HTTP/1.1\r\nHost: h\r\nA: 1\r\nLong-Field: "
                      "0123456789012345678901234567890123456789\r\nB:\t2 \r\n\r\n";
    size_t len = strlen(raw);
    struct http_limits lim;
    struct http_parser one, inc;

    (void)state;
    http_limits_default(&lim);
    assert_int_equal(test_parse_once(&one, HTTP_REQUEST, &lim, f1, raw, len), HTTP_DONE);
    http_parser_init(&inc, HTTP_REQUEST, &lim, f2, TEST_FIELDS);
    for (size_t n = 0; n < len; n++)
        assert_int_equal(http_parse(&inc, raw, n), HTTP_AGAIN);
    assert_int_equal(http_parse(&inc, raw, len), HTTP_DONE);
    assert_int_equal(inc.msg.n_fields, one.msg.n_fields);
    assert_memory_equal(f1, f2, sizeof(f1[0]) * one.msg.n_fields);
    assert_int_equal(inc.msg.head_len, one.msg.head_len);
    assert_int_equal(inc.msg.path.len, one.msg.path.len);
    assert_int_equal(inc.msg.host.off, one.msg.host.off);
}

const struct CMUnitTest test_split[] = {
    cmocka_unit_test(pipelined_requests_any_split),
    cmocka_unit_test(smuggling_after_valid_request_any_split),
    cmocka_unit_test(bad_chunk_any_split),
    cmocka_unit_test(responses_any_split),
    cmocka_unit_test(truncated_body_any_split),
    cmocka_unit_test(head_fields_identical_for_every_prefix),
};
const size_t test_split_count = sizeof(test_split) / sizeof(test_split[0]);

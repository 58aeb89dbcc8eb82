#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/state.h"

static void
state_roundtrip_is_sorted_and_stable(void **state)
{
    struct plan_state a, b;
    struct ip_addr ips[2];
    char err[128];
    size_t skipped;
    char *text, *again;

    (void)state;
    plan_state_init(&a);
    ip_parse("192.168.2.11", 12, &ips[0]);
    ip_parse("fc00::1", 7, &ips[1]);
    assert_int_equal(plan_state_add(&a, "Service", "zeta", "web", ips, 2, "pool-b"), 0);
    ip_parse("192.168.2.10", 12, &ips[0]);
    assert_int_equal(plan_state_add(&a, "Service", "alpha", "envoy", ips, 1, "pool-a"), 0);
    text = plan_state_render(&a);
    assert_non_null(text);
    assert_true(strstr(text, "alpha") < strstr(text, "zeta"));

    plan_state_init(&b);
    assert_int_equal(plan_state_parse(&b, text, strlen(text), &skipped, err, sizeof(err)), 0);
    assert_int_equal(skipped, 0);
    assert_int_equal(b.n, 2);
    assert_non_null(plan_state_find(&b, "Service", "zeta", "web"));
    assert_int_equal(plan_state_find(&b, "Service", "zeta", "web")->nips, 2);
    assert_null(plan_state_find(&b, "Gateway", "zeta", "web"));
    again = plan_state_render(&b);
    assert_string_equal(text, again);
    free(text);
    free(again);
    plan_state_free(&a);
    plan_state_free(&b);
}

static void
corrupt_state_is_reported_not_fatal(void **state)
{
    static const char *const bad[] = {
        "", "{", "[]", "{\"version\": 2, \"allocations\": []}",
        "{\"version\": 1, \"allocations\": 7}",
        "{\"version\": 1, \"version\": 1, \"allocations\": []}",
    };
    struct plan_state st;
    char err[128];
    size_t skipped;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plan_state_init(&st);
        err[0] = '\0';
        assert_int_equal(plan_state_parse(&st, bad[i], strlen(bad[i]), &skipped, err, sizeof(err)),
                         -1);
        assert_true(err[0] != '\0');
        assert_int_equal(st.n, 0);
        plan_state_free(&st);
    }
}

static void
malformed_entries_are_skipped(void **state)
{
    const char *text =
        "{\"version\": 1, \"allocations\": ["
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"ok\", \"ips\": [\"10.0.0.1\"], \"pool\": \"p\"},"
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"ok\", \"ips\": [\"10.0.0.2\"], \"pool\": \"p\"},"
        "{\"kind\": \"Pod\", \"namespace\": \"a\", \"name\": \"x\", \"ips\": [\"10.0.0.3\"]},"
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"y\", \"ips\": [\"10.0.0.300\"]},"
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"z\", \"ips\": [\"10.0.0.4\", \"10.0.0.5\"]},"
        "{\"kind\": \"Gateway\", \"namespace\": \"a\", \"name\": \"g\", \"ips\": []}"
        "]}";
    struct plan_state st;
    char err[128];
    size_t skipped;

    (void)state;
    plan_state_init(&st);
    assert_int_equal(plan_state_parse(&st, text, strlen(text), &skipped, err, sizeof(err)), 0);
    assert_int_equal(st.n, 1);
    assert_int_equal(skipped, 5);
    plan_state_free(&st);
}

/* Many entries whose names differ only at the end, and keys that would
 * collide if the parts were simply concatenated ("ab"+"c" vs "a"+"bc"). */
static void
lookup_is_exact_among_many(void **state)
{
    enum { N = 50000 };
    struct plan_state st;
    struct ip_addr ip;
    char ns[32], name[32];

    (void)state;
    plan_state_init(&st);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(ns, sizeof(ns), "ns-%u", i % 7);
        snprintf(name, sizeof(name), "svc-%u", i);
        ip = (struct ip_addr){.family = IP_FAMILY_V4, .v = (ip_u128)(0x0a000000u + i)};
        assert_int_equal(plan_state_add(&st, i % 3 ? "Service" : "Gateway", ns, name, &ip, 1, "p"),
                         0);
    }
    for (uint32_t i = 0; i < N; i++) {
        const struct plan_alloc *a;
        snprintf(ns, sizeof(ns), "ns-%u", i % 7);
        snprintf(name, sizeof(name), "svc-%u", i);
        a = plan_state_find(&st, i % 3 ? "Service" : "Gateway", ns, name);
        assert_non_null(a);
        assert_true(a->ips[0].v == 0x0a000000u + i);
        assert_null(plan_state_find(&st, i % 3 ? "Gateway" : "Service", ns, name));
    }
    assert_null(plan_state_find(&st, "Service", "ns-1", "svc-0"));
    ip.v = 1;
    assert_int_equal(plan_state_add(&st, "Service", "ab", "c", &ip, 1, "p"), 0);
    assert_null(plan_state_find(&st, "Service", "a", "bc"));
    assert_null(plan_state_find(&st, "Servicea", "b", "c"));
    assert_non_null(plan_state_find(&st, "Service", "ab", "c"));
    plan_state_free(&st);
}

struct chunks {
    char *text;
    size_t len, calls;
    int fail_at; /* fail on this call (1-based); 0 = never */
};

static int
collect(void *ctx, const void *data, size_t len)
{
    struct chunks *c = ctx;

    c->calls++;
    if (c->fail_at != 0 && c->calls == (size_t)c->fail_at)
        return -1;
    c->text = realloc(c->text, c->len + len + 1);
    memcpy(c->text + c->len, data, len);
    c->len += len;
    c->text[c->len] = '\0';
    return 0;
}

/* The streamed text is the rendered text, in pieces; it parses back; a
 * failing sink makes finish() fail. */
static void
writer_streams_what_render_returns(void **state)
{
    enum { N = 30000 };
    struct plan_state a, b;
    struct plan_state_writer w;
    struct chunks c = {0}, bad = {.fail_at = 2};
    struct ip_addr ips[2];
    char name[32], err[128], *text;
    size_t skipped;

    (void)state;
    plan_state_init(&a);
    ip_parse("fc00::1", 7, &ips[1]);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "svc-%05u", i);
        ips[0] = (struct ip_addr){.family = IP_FAMILY_V4, .v = (ip_u128)(0x0a000000u + i)};
        assert_int_equal(plan_state_add(&a, "Service", "ns", name, ips, i % 2 ? 2 : 1,
                                        i % 5 ? "pool" : "we\"ird\\pool\n"), 0);
    }
    text = plan_state_render(&a);
    assert_non_null(text);
    plan_state_writer_init(&w, collect, &c);
    for (size_t i = 0; i < a.n; i++)
        plan_state_writer_add(&w, a.v[i].kind, a.v[i].ns, a.v[i].name, a.v[i].ips, a.v[i].nips,
                              a.v[i].pool);
    assert_int_equal(plan_state_writer_finish(&w, NULL, NULL), 0);
    assert_true(c.calls > 1); /* in pieces, not one buffer */
    assert_string_equal(c.text, text);
    plan_state_init(&b);
    assert_int_equal(plan_state_parse(&b, c.text, c.len, &skipped, err, sizeof(err)), 0);
    assert_int_equal(skipped, 0);
    assert_int_equal(b.n, N);
    assert_string_equal(plan_state_find(&b, "Service", "ns", "svc-00005")->pool, "we\"ird\\pool\n");
    assert_int_equal(plan_state_find(&b, "Service", "ns", "svc-00007")->nips, 2);

    plan_state_writer_init(&w, collect, &bad);
    for (size_t i = 0; i < a.n; i++)
        plan_state_writer_add(&w, a.v[i].kind, a.v[i].ns, a.v[i].name, a.v[i].ips, a.v[i].nips,
                              a.v[i].pool);
    assert_int_equal(plan_state_writer_finish(&w, NULL, NULL), -1);
    free(text);
    free(c.text);
    free(bad.text);
    plan_state_free(&a);
    plan_state_free(&b);
}

static void
empty_state_renders_and_parses(void **state)
{
    struct plan_state a, b;
    char err[128], *text;
    size_t skipped;

    (void)state;
    plan_state_init(&a);
    text = plan_state_render(&a);
    assert_non_null(text);
    plan_state_init(&b);
    assert_int_equal(plan_state_parse(&b, text, strlen(text), &skipped, err, sizeof(err)), 0);
    assert_int_equal(b.n, 0);
    free(text);
    plan_state_free(&a);
    plan_state_free(&b);
}

static void
assert_same_state(const struct plan_state *a, const struct plan_state *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct plan_alloc *x = &a->v[i];
        const struct plan_alloc *y = plan_state_find(b, x->kind, x->ns, x->name);
        assert_non_null(y);
        assert_string_equal(x->pool, y->pool);
        assert_int_equal(x->nips, y->nips);
        for (size_t j = 0; j < x->nips; j++)
            assert_true(ip_addr_equal(&x->ips[j], &y->ips[j]));
    }
}

/* The writer's own layout is read without jansson, with the same rules
 * (bad and repeated entries skipped); any other layout of the same JSON
 * goes through jansson and gives the same state. */
static void
quick_reader_agrees_with_jansson(void **state)
{
    static const char *const entries[] = {
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"ok\", \"ips\": [\"10.0.0.1\"], \"pool\": \"p\"}",
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"ok\", \"ips\": [\"10.0.0.2\"], \"pool\": \"p\"}",
        "{\"kind\": \"Pod\", \"namespace\": \"a\", \"name\": \"x\", \"ips\": [\"10.0.0.3\"], \"pool\": \"p\"}",
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"y\", \"ips\": [\"10.0.0.300\"], \"pool\": \"p\"}",
        "{\"kind\": \"Service\", \"namespace\": \"a\", \"name\": \"z\", \"ips\": [\"10.0.0.4\", \"10.0.0.5\"], \"pool\": \"p\"}",
        "{\"kind\": \"Gateway\", \"namespace\": \"b\", \"name\": \"g\", \"ips\": [\"10.0.0.6\", \"fc00::6\"], \"pool\": \"\"}",
        "{\"kind\": \"Service\", \"namespace\": \"b\", \"name\": \"dual\", \"ips\": [\"fc00::7\", \"10.0.0.7\"], \"pool\": \"q\"}",
    };
    enum { N = sizeof(entries) / sizeof(entries[0]) };
    char text[4096], other[8192];
    struct plan_state quick, slow;
    size_t len = 0, skipped_quick, skipped_slow;
    char err[128];

    (void)state;
    len += (size_t)snprintf(text + len, sizeof(text) - len, "{\"version\": 1, \"allocations\": [\n");
    for (size_t i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", entries[i],
                                i + 1 < N ? ",\n" : "\n]}\n");
    plan_state_init(&quick);
    assert_int_equal(plan_state_parse(&quick, text, len, &skipped_quick, err, sizeof(err)), 0);
    assert_true(quick.quick);
    assert_int_equal(quick.n, 3);
    assert_int_equal(skipped_quick, 4);
    assert_non_null(plan_state_find(&quick, "Gateway", "b", "g"));
    assert_string_equal(plan_state_find(&quick, "Gateway", "b", "g")->pool, "");
    assert_int_equal(plan_state_find(&quick, "Service", "a", "ok")->ips[0].v, 0x0a000001);

    /* The same JSON with one space more: jansson reads it. */
    snprintf(other, sizeof(other), "{ %s", text + 1);
    plan_state_init(&slow);
    assert_int_equal(plan_state_parse(&slow, other, strlen(other), &skipped_slow, err, sizeof(err)),
                     0);
    assert_false(slow.quick);
    assert_int_equal(skipped_slow, skipped_quick);
    assert_same_state(&quick, &slow);
    plan_state_free(&slow);

    /* An escape the quick reader does not take, after entries it took. */
    snprintf(other, sizeof(other), "%.*s,\n{\"kind\": \"Service\", \"namespace\": \"c\", "
             "\"name\": \"e\", \"ips\": [\"10.0.0.9\"], \"pool\": \"w\\\"x\"}\n]}\n",
             (int)(len - 4), text);
    plan_state_init(&slow);
    assert_int_equal(plan_state_parse(&slow, other, strlen(other), &skipped_slow, err, sizeof(err)),
                     0);
    assert_false(slow.quick);
    assert_int_equal(skipped_slow, 4);
    assert_int_equal(slow.n, 4);
    assert_string_equal(plan_state_find(&slow, "Service", "c", "e")->pool, "w\"x");
    plan_state_free(&slow);

    /* Cut short: not JSON at all, whichever reader tried first. */
    plan_state_init(&slow);
    assert_int_equal(plan_state_parse(&slow, text, len - 3, &skipped_slow, err, sizeof(err)), -1);
    assert_int_equal(slow.n, 0);
    plan_state_free(&slow);
    plan_state_free(&quick);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_roundtrip_is_sorted_and_stable),
        cmocka_unit_test(corrupt_state_is_reported_not_fatal),
        cmocka_unit_test(malformed_entries_are_skipped),
        cmocka_unit_test(lookup_is_exact_among_many),
        cmocka_unit_test(writer_streams_what_render_returns),
        cmocka_unit_test(empty_state_renders_and_parses),
        cmocka_unit_test(quick_reader_agrees_with_jansson),
    };

    return cmocka_run_group_tests_name("plan_state", tests, NULL, NULL);
}

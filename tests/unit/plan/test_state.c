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

/* The hash index over many entries: every one is found with its own
 * addresses, near misses are not, and a duplicate key finds the first. */
static void
index_finds_every_entry_and_no_other(void **state)
{
    enum { N = 5000 };
    static const char *const kinds[] = {"Service", "Gateway"};
    struct plan_state st;
    struct ip_addr ip;
    char ns[32], name[32];

    (void)state;
    plan_state_init(&st);
    assert_null(plan_state_find(&st, "Service", "a", "b"));
    for (uint32_t i = 0; i < N; i++) {
        snprintf(ns, sizeof(ns), "ns-%u", i % 7);
        snprintf(name, sizeof(name), "svc-%u", i);
        ip = (struct ip_addr){IP_FAMILY_V4, i};
        assert_int_equal(plan_state_add(&st, kinds[i % 2], ns, name, &ip, 1, "p"), 0);
    }
    ip = (struct ip_addr){IP_FAMILY_V4, 999999};
    assert_int_equal(plan_state_add(&st, "Service", "ns-0", "svc-0", &ip, 1, "p"), 0);
    for (uint32_t i = 0; i < N; i++) {
        const struct plan_alloc *a;
        snprintf(ns, sizeof(ns), "ns-%u", i % 7);
        snprintf(name, sizeof(name), "svc-%u", i);
        a = plan_state_find(&st, kinds[i % 2], ns, name);
        assert_non_null(a);
        assert_true(a->ips[0].v == i);
        assert_null(plan_state_find(&st, kinds[(i + 1) % 2], ns, name));
        snprintf(ns, sizeof(ns), "ns-%u", (i + 1) % 7);
        assert_null(plan_state_find(&st, kinds[i % 2], ns, name));
    }
    assert_null(plan_state_find(&st, "Service", "ns-0", "svc-"));
    assert_null(plan_state_find(&st, "Service", "ns-0svc-0", ""));
    plan_state_free(&st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_roundtrip_is_sorted_and_stable),
        cmocka_unit_test(corrupt_state_is_reported_not_fatal),
        cmocka_unit_test(malformed_entries_are_skipped),
        cmocka_unit_test(index_finds_every_entry_and_no_other),
    };

    return cmocka_run_group_tests_name("plan_state", tests, NULL, NULL);
}

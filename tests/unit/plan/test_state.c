#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_roundtrip_is_sorted_and_stable),
        cmocka_unit_test(corrupt_state_is_reported_not_fatal),
        cmocka_unit_test(malformed_entries_are_skipped),
    };

    return cmocka_run_group_tests_name("plan_state", tests, NULL, NULL);
}

/* Pool selection, walk order inside a pool, exhaustion, avoidBuggyIPs, counters. */
#include <stdio.h>
#include <string.h>

#include "tests.h"

static void
first_address_is_the_lowest(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.1");
    assert_string_equal(t_res(e, "ns/a")->pool, "p");
    assert_int_equal(t_res(e, "ns/a")->status, IPAM_ALLOCATED);
    assert_int_equal(t_res(e, "ns/a")->change, IPAM_CHANGE_ASSIGNED);
    assert_null(t_res(e, "ns/a")->reason);
    t_free(e);
}

static void
network_and_broadcast_are_usable(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "1.2.3.0/31");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "1.2.3.0");
    assert_string_equal(t_ips(e, "ns/b"), "1.2.3.1");
    assert_string_equal(t_ips(e, "ns/c"), "");
    t_free(e);
}

static void
entries_walk_in_declared_order(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.9.0/31, 10.0.1.5-10.0.1.6, 10.0.0.0/32");
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ns/s%d", i);
        t_svc(e, key);
    }
    t_run(e);
    assert_string_equal(t_ips(e, "ns/s0"), "10.0.9.0");
    assert_string_equal(t_ips(e, "ns/s1"), "10.0.9.1");
    assert_string_equal(t_ips(e, "ns/s2"), "10.0.1.5");
    assert_string_equal(t_ips(e, "ns/s3"), "10.0.1.6");
    assert_string_equal(t_ips(e, "ns/s4"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/s5"), "");
    t_free(e);
}

static void
exhausted_pools_leave_the_rest_pending(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "p", "10.0.0.1-10.0.0.2");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    r = t_res(e, "ns/c");
    assert_int_equal(r->status, IPAM_PENDING);
    assert_int_equal(r->fail, IPAM_FAIL_NO_IPS);
    assert_string_equal(r->reason, "no available IPs");
    assert_int_equal(r->n_ips, 0);
    assert_null(r->pool);
    assert_int_equal(t_res(e, "ns/a")->status, IPAM_ALLOCATED);
    t_free(e);
}

static void
requested_pool_exhausted(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *r;

    (void)state;
    t_pool(e, "big", "10.1.0.0/16");
    t_pool(e, "small", "10.0.0.1/32");
    t_svc(e, "ns/a")->requested_pool = "small";
    r = t_svc(e, "ns/b");
    r->requested_pool = "small";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.1");
    assert_int_equal(t_res(e, "ns/b")->status, IPAM_PENDING);
    assert_string_equal(t_res(e, "ns/b")->reason, "no available IPs in pool small for ipv4 IPFamily");
    t_free(e);
}

static void
freed_address_is_reused_lowest_first(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/29");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    t_carry(e);
    t_drop(e, "ns/a");
    t_svc(e, "ns/d");
    t_svc(e, "ns/e");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.1");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.2");
    assert_string_equal(t_ips(e, "ns/d"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/e"), "10.0.0.3");
    t_free(e);
}

static void
ipv6_single_stack(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30, fc00::10-fc00::12");
    t_svc(e, "ns/a")->policy = IPAM_SINGLE_V6;
    t_svc(e, "ns/b")->policy = IPAM_SINGLE_V6;
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "fc00::10");
    assert_string_equal(t_ips(e, "ns/b"), "fc00::11");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.0");
    t_free(e);
}

static void
ipv4_service_without_ipv4_pool(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "v6", "fc00::/64");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b")->requested_pool = "v6";
    t_run(e);
    assert_string_equal(t_res(e, "ns/a")->reason, "no available IPs");
    assert_string_equal(t_res(e, "ns/b")->reason, "no available IPs in pool v6 for ipv4 IPFamily");
    t_free(e);
}

static void
huge_ipv6_pool_is_infinite(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_usage *u;

    (void)state;
    t_pool(e, "v6", "2001:db8::/64");
    t_pool(e, "v6small", "2001:db9::/126, 10.0.0.0/30");
    for (int i = 0; i < 100; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ns/s%d", i);
        t_svc(e, key)->policy = IPAM_SINGLE_V6;
    }
    t_run(e);
    assert_string_equal(t_ips(e, "ns/s0"), "2001:db8::");
    assert_string_equal(t_ips(e, "ns/s99"), "2001:db8::63");
    u = t_usage(e, "v6");
    assert_true(u->infinite_v6);
    assert_true(u->assigned_v6 == 100);
    assert_true(u->available_v6 == INT64_MAX - 100);
    assert_true(u->assigned_v4 == 0 && u->available_v4 == 0);
    u = t_usage(e, "v6small");
    assert_false(u->infinite_v6);
    assert_true(u->available_v6 == 4 && u->available_v4 == 4);
    t_free(e);
}

static void
whole_ipv6_space_works(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "all", "::/0");
    t_svc(e, "ns/a")->policy = IPAM_SINGLE_V6;
    t_prev(e, t_svc(e, "ns/b"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    t_req(e, "ns/b")->policy = IPAM_SINGLE_V6;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "::");
    assert_string_equal(t_ips(e, "ns/b"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_true(t_usage(e, "all")->infinite_v6);
    t_free(e);
}

static void
avoid_buggy_skips_dot0(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24")->avoid_buggy_ips = true;
    t_svc(e, "ns/a");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.1");
    t_free(e);
}

static void
avoid_buggy_crosses_a_slash24(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.254-10.0.1.1")->avoid_buggy_ips = true;
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.254");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.1.1");
    assert_int_equal(t_res(e, "ns/c")->status, IPAM_PENDING);
    t_free(e);
}

static void
avoid_buggy_leaves_ipv6_alone(void **state)
{
    struct t_env *e = t_new();
    struct ipam_pool *p;

    (void)state;
    p = t_pool(e, "p", "fc00::ff/128, fc00::100/128");
    p->avoid_buggy_ips = true;
    t_svc(e, "ns/a")->policy = IPAM_SINGLE_V6;
    t_svc(e, "ns/b")->policy = IPAM_SINGLE_V6;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "fc00::ff");
    assert_string_equal(t_ips(e, "ns/b"), "fc00::100");
    t_free(e);
}

static void
counters_follow_metallb(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_usage *u;

    (void)state;
    t_pool(e, "buggy", "10.0.0.0/16, 10.1.0.0/30")->avoid_buggy_ips = true;
    t_pool(e, "plain", "10.2.0.0/24, 10.3.0.0-10.3.0.9, fc00::/120");
    t_svc(e, "ns/a")->requested_pool = "plain";
    t_svc(e, "ns/b")->requested_pool = "plain";
    t_run(e);
    u = t_usage(e, "buggy");
    assert_true(u->available_v4 == 65536 - 512 + 3);
    assert_true(u->assigned_v4 == 0);
    u = t_usage(e, "plain");
    assert_true(u->assigned_v4 == 2);
    assert_true(u->available_v4 == 256 + 10 - 2);
    assert_true(u->available_v6 == 256);
    assert_false(u->infinite_v6);
    t_free(e);
}

static void
fallback_pools_go_by_name(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "zeta", "10.0.3.0/32");
    t_pool(e, "alpha", "10.0.1.0/32");
    t_pool(e, "mid", "10.0.2.0/32");
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_res(e, "ns/a")->pool, "alpha");
    assert_string_equal(t_res(e, "ns/b")->pool, "mid");
    assert_string_equal(t_res(e, "ns/c")->pool, "zeta");
    t_free(e);
}

static void
pool_input_order_does_not_matter(void **state)
{
    struct t_env *e = t_new(), *f = t_new();
    const char *names[] = {"b", "a", "c"}, *addrs[] = {"10.0.1.0/30", "10.0.0.0/31", "fc00::/127"};

    (void)state;
    for (int i = 0; i < 3; i++) {
        t_pool(e, names[i], addrs[i]);
        t_pool(f, names[2 - i], addrs[2 - i]);
    }
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ns/s%d", i);
        t_svc(e, key)->policy = i % 3 == 2 ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4;
        t_svc(f, key)->policy = i % 3 == 2 ? IPAM_SINGLE_V6 : IPAM_SINGLE_V4;
    }
    t_run(e);
    t_run(f);
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ns/s%d", i);
        assert_string_equal(t_ips(e, key), t_ips(f, key));
    }
    assert_string_equal(t_ips(e, "ns/s2"), "fc00::");
    assert_string_equal(t_ips(e, "ns/s3"), "10.0.1.0");
    t_free(e);
    t_free(f);
}

static void
auto_assign_false_only_on_request(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "manual", "10.0.0.0/30")->auto_assign = false;
    t_svc(e, "ns/auto");
    t_svc(e, "ns/bypool")->requested_pool = "manual";
    t_want(e, t_svc(e, "ns/byip"), "10.0.0.3");
    t_run(e);
    assert_string_equal(t_res(e, "ns/auto")->reason, "no available IPs");
    assert_string_equal(t_ips(e, "ns/bypool"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/byip"), "10.0.0.3");
    t_free(e);
}

static void
one_failure_does_not_stop_the_others(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30");
    t_svc(e, "ns/a")->requested_pool = "nope";
    t_want(e, t_svc(e, "ns/b"), "192.168.0.1");
    t_svc(e, "ns/c");
    t_run(e);
    assert_int_equal(t_res(e, "ns/a")->status, IPAM_ERROR);
    assert_int_equal(t_res(e, "ns/b")->status, IPAM_ERROR);
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.0");
    t_free(e);
}

static void
many_small_entries_reuse_a_freed_one(void **state)
{
    struct t_env *e = t_new();
    char addrs[4096] = "", key[16];

    (void)state;
    for (int i = 0; i < 100; i++) {
        size_t len = strlen(addrs);
        snprintf(addrs + len, sizeof(addrs) - len, "%s10.0.%d.7/32", i ? ", " : "", i);
    }
    t_pool(e, "p", addrs);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "ns/s%02d", i);
        t_svc(e, key);
    }
    t_run(e);
    assert_string_equal(t_ips(e, "ns/s99"), "10.0.99.7");
    t_carry(e);
    t_drop(e, "ns/s42");
    t_drop(e, "ns/s77");
    t_svc(e, "ns/t1");
    t_svc(e, "ns/t2");
    t_svc(e, "ns/t3");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/t1"), "10.0.42.7");
    assert_string_equal(t_ips(e, "ns/t2"), "10.0.77.7");
    assert_int_equal(t_res(e, "ns/t3")->status, IPAM_PENDING);
    assert_true(t_usage(e, "p")->available_v4 == 0);
    t_free(e);
}

static void
status_names(void **state)
{
    (void)state;
    assert_string_equal(ipam_status_name(IPAM_ALLOCATED), "allocated");
    assert_string_equal(ipam_status_name(IPAM_PENDING), "pending");
    assert_string_equal(ipam_status_name(IPAM_ERROR), "error");
}

const struct CMUnitTest test_pools[] = {
    cmocka_unit_test(many_small_entries_reuse_a_freed_one),
    cmocka_unit_test(status_names),
    cmocka_unit_test(first_address_is_the_lowest),
    cmocka_unit_test(network_and_broadcast_are_usable),
    cmocka_unit_test(entries_walk_in_declared_order),
    cmocka_unit_test(exhausted_pools_leave_the_rest_pending),
    cmocka_unit_test(requested_pool_exhausted),
    cmocka_unit_test(freed_address_is_reused_lowest_first),
    cmocka_unit_test(ipv6_single_stack),
    cmocka_unit_test(ipv4_service_without_ipv4_pool),
    cmocka_unit_test(huge_ipv6_pool_is_infinite),
    cmocka_unit_test(whole_ipv6_space_works),
    cmocka_unit_test(avoid_buggy_skips_dot0),
    cmocka_unit_test(avoid_buggy_crosses_a_slash24),
    cmocka_unit_test(avoid_buggy_leaves_ipv6_alone),
    cmocka_unit_test(counters_follow_metallb),
    cmocka_unit_test(fallback_pools_go_by_name),
    cmocka_unit_test(pool_input_order_does_not_matter),
    cmocka_unit_test(auto_assign_false_only_on_request),
    cmocka_unit_test(one_failure_does_not_stop_the_others),
};
const size_t test_pools_count = sizeof(test_pools) / sizeof(test_pools[0]);

/* Dual stack: RequireDualStack, PreferDualStack, family changes. */
#include "tests.h"

static struct ipam_request *
dual(struct t_env *e, const char *key, enum ipam_policy policy, enum ip_family primary)
{
    struct ipam_request *r = t_svc(e, key);

    r->policy = policy;
    r->primary = primary;
    return r;
}

static void
require_dual_from_one_mixed_pool(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "mixed", "fc00::/120, 10.0.0.0/24");
    dual(e, "ns/x", IPAM_REQUIRE_DUAL, IP_FAMILY_V6);
    t_run(e);
    /* IPv4 first for automatic dual stack, whatever the primary family. */
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0,fc00::");
    assert_true(t_usage(e, "mixed")->assigned_v4 == 1 && t_usage(e, "mixed")->assigned_v6 == 1);
    t_free(e);
}

static void
require_dual_skips_single_family_pools(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-v4", "10.0.0.0/24");
    t_pool(e, "b-v6", "fc00::/120");
    t_pool(e, "c-mixed", "10.0.1.0/24, fc00:1::/120");
    dual(e, "ns/x", IPAM_REQUIRE_DUAL, IP_FAMILY_V4);
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.1.0,fc00:1::");
    assert_string_equal(t_res(e, "ns/x")->pool, "c-mixed");
    t_free(e);
}

static void
require_dual_never_splits_across_pools(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-v4", "10.0.0.0/24");
    t_pool(e, "b-v6", "fc00::/120");
    dual(e, "ns/x", IPAM_REQUIRE_DUAL, IP_FAMILY_V4);
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->status, IPAM_PENDING);
    assert_string_equal(t_res(e, "ns/x")->reason, "no available IPs");
    t_free(e);
}

static void
require_dual_with_one_family_exhausted(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "mixed", "10.0.0.0/32, fc00::/120");
    dual(e, "ns/x", IPAM_REQUIRE_DUAL, IP_FAMILY_V4);
    dual(e, "ns/y", IPAM_REQUIRE_DUAL, IP_FAMILY_V4);
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0,fc00::");
    assert_string_equal(t_res(e, "ns/y")->reason, "no available IPs");
    assert_true(t_usage(e, "mixed")->assigned_v6 == 1);
    t_free(e);
}

static void
prefer_dual_prefers_a_pool_with_both(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-v4", "10.0.0.0/24");
    t_pool(e, "b-mixed", "10.0.1.0/24, fc00::/120");
    dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V4);
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.1.0,fc00::");
    t_free(e);
}

static void
prefer_dual_falls_back_to_the_primary_family(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-v6", "fc00::/120");
    t_pool(e, "b-v4", "10.0.0.0/24");
    dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V4);
    dual(e, "ns/y", IPAM_PREFER_DUAL, IP_FAMILY_V6);
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/y"), "fc00::");
    t_free(e);
}

static void
prefer_dual_takes_the_secondary_family_last(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "only-v6", "fc00::/120");
    dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V4);
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "fc00::");
    t_free(e);
}

static void
prefer_dual_holder_gets_the_other_family_from_its_pool(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *x;

    (void)state;
    t_pool(e, "a-mixed", "fc00::/120");
    t_pool(e, "b", "10.0.0.0/24, fc00:1::/120");
    x = dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V4);
    t_prev(e, x, "10.0.0.9");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.9,fc00:1::");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_EXTENDED);
    t_free(e);
}

static void
prefer_dual_extension_failure_keeps_the_address(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *x;

    (void)state;
    t_pool(e, "v4", "10.0.0.0/24");
    t_pool(e, "v6", "fc00::/120");
    x = dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V6);
    t_prev(e, x, "10.0.0.9");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.9");
    assert_int_equal(t_res(e, "ns/x")->status, IPAM_ALLOCATED);
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_NONE);
    assert_null(t_res(e, "ns/x")->reason);
    assert_string_equal(t_res(e, "ns/x")->note, "cannot assign additional IP in PreferDualStack: no "
                                                "available IPs in pool v4 for ipv6 IPFamily");
    t_free(e);
}

static void
require_dual_holder_with_one_address_is_reallocated(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *x;

    (void)state;
    t_pool(e, "mixed", "10.0.0.0/24, fc00::/120");
    x = dual(e, "ns/x", IPAM_REQUIRE_DUAL, IP_FAMILY_V4);
    t_prev(e, x, "10.0.0.9");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0,fc00::");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_MOVED);
    assert_string_equal(t_res(e, "ns/x")->note,
                        "current IPs [\"10.0.0.9\"] do not match the ipFamily of the service");
    t_free(e);
}

static void
single_stack_holder_of_the_other_family(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *x;

    (void)state;
    t_pool(e, "mixed", "10.0.0.0/24, fc00::/120");
    x = t_svc(e, "ns/x");
    x->policy = IPAM_SINGLE_V6;
    t_prev(e, x, "10.0.0.9");
    x = t_svc(e, "ns/y");
    t_prev(e, x, "10.0.0.1, fc00::1");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "fc00::");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.0");
    assert_int_equal(t_res(e, "ns/y")->change, IPAM_CHANGE_MOVED);
    t_free(e);
}

static void
prefer_dual_holder_of_both_keeps_them(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *x;

    (void)state;
    t_pool(e, "mixed", "10.0.0.0/24, fc00::/120");
    x = dual(e, "ns/x", IPAM_PREFER_DUAL, IP_FAMILY_V6);
    t_prev(e, x, "fc00::5, 10.0.0.5");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "fc00::5,10.0.0.5");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_NONE);
    t_free(e);
}

const struct CMUnitTest test_dual[] = {
    cmocka_unit_test(require_dual_from_one_mixed_pool),
    cmocka_unit_test(require_dual_skips_single_family_pools),
    cmocka_unit_test(require_dual_never_splits_across_pools),
    cmocka_unit_test(require_dual_with_one_family_exhausted),
    cmocka_unit_test(prefer_dual_prefers_a_pool_with_both),
    cmocka_unit_test(prefer_dual_falls_back_to_the_primary_family),
    cmocka_unit_test(prefer_dual_takes_the_secondary_family_last),
    cmocka_unit_test(prefer_dual_holder_gets_the_other_family_from_its_pool),
    cmocka_unit_test(prefer_dual_extension_failure_keeps_the_address),
    cmocka_unit_test(require_dual_holder_with_one_address_is_reallocated),
    cmocka_unit_test(single_stack_holder_of_the_other_family),
    cmocka_unit_test(prefer_dual_holder_of_both_keeps_them),
};
const size_t test_dual_count = sizeof(test_dual) / sizeof(test_dual[0]);

/* Requested addresses (loadBalancerIPs, spec.loadBalancerIP) and the pool annotation. */
#include "tests.h"

static void
requested_ip_in_a_pool(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_pool(e, "b", "10.0.1.0/24");
    t_want(e, t_svc(e, "ns/x"), "10.0.1.77");
    t_svc(e, "ns/y");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.1.77");
    assert_string_equal(t_res(e, "ns/x")->pool, "b");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.0");
    t_free(e);
}

static void
requested_ip_outside_every_pool(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_want(e, t_svc(e, "ns/x"), "10.9.9.9");
    t_run(e);
    r = t_res(e, "ns/x");
    assert_int_equal(r->status, IPAM_ERROR);
    assert_int_equal(r->fail, IPAM_FAIL_NOT_ALLOWED);
    assert_string_equal(r->reason, "[\"10.9.9.9\"] is not allowed in config");
    t_free(e);
}

static void
requested_ip_in_use(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_want(e, t_svc(e, "ns/first"), "10.0.0.5");
    t_want(e, t_svc(e, "ns/second"), "10.0.0.5");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/first"), "10.0.0.5");
    r = t_res(e, "ns/second");
    assert_int_equal(r->status, IPAM_PENDING);
    assert_int_equal(r->fail, IPAM_FAIL_IN_USE);
    assert_string_equal(r->reason, "existing service does not allow sharing");
    t_free(e);
}

static void
requested_ip_of_the_wrong_family(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24, fc00::/120");
    t_want(e, t_svc(e, "ns/x"), "fc00::1");
    t_want(e, t_svc(e, "ns/y"), "10.0.0.1");
    t_req(e, "ns/y")->policy = IPAM_REQUIRE_DUAL;
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->fail, IPAM_FAIL_FAMILY);
    assert_string_equal(t_res(e, "ns/x")->reason,
                        "requested loadBalancer IP(s) [\"fc00::1\"] does not match the ipFamily of "
                        "the service");
    assert_string_equal(t_res(e, "ns/y")->reason,
                        "requested loadBalancer IP(s) [\"10.0.0.1\"] does not match the ipFamily "
                        "of the service");
    t_free(e);
}

static void
requested_dual_stack_pair_keeps_its_order(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24, fc00::/120");
    r = t_svc(e, "ns/x");
    r->policy = IPAM_REQUIRE_DUAL;
    t_want(e, r, "fc00::9, 10.0.0.9");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "fc00::9,10.0.0.9");
    t_free(e);
}

static void
requested_pair_of_one_family_is_invalid(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    r = t_svc(e, "ns/x");
    r->policy = IPAM_REQUIRE_DUAL;
    t_want(e, r, "10.0.0.1, 10.0.0.2");
    t_want(e, t_svc(e, "ns/y"), "10.0.0.1, fc00::1, 10.0.0.3");
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->status, IPAM_ERROR);
    assert_string_equal(t_res(e, "ns/x")->reason,
                        "IPFamilyForAddresses: same address family [\"10.0.0.1\" \"10.0.0.2\"]");
    assert_string_equal(t_res(e, "ns/y")->reason,
                        "IPFamilyForAddresses: invalid ips length 3 [\"10.0.0.1\" \"fc00::1\" "
                        "\"10.0.0.3\"]");
    t_free(e);
}

static void
requested_pair_across_two_pools(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *r;

    (void)state;
    t_pool(e, "v4", "10.0.0.0/24");
    t_pool(e, "v6", "fc00::/120");
    r = t_svc(e, "ns/x");
    r->policy = IPAM_PREFER_DUAL;
    t_want(e, r, "10.0.0.1, fc00::1");
    t_run(e);
    assert_string_equal(t_res(e, "ns/x")->reason,
                        "[\"10.0.0.1\" \"fc00::1\"] is not allowed in config");
    t_free(e);
}

static void
requested_buggy_ip_is_not_allowed(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/23")->avoid_buggy_ips = true;
    t_want(e, t_svc(e, "ns/x"), "10.0.0.255");
    t_want(e, t_svc(e, "ns/y"), "10.0.1.0");
    t_want(e, t_svc(e, "ns/z"), "10.0.1.1");
    t_run(e);
    assert_string_equal(t_res(e, "ns/x")->reason, "[\"10.0.0.255\"] is not allowed in config");
    assert_string_equal(t_res(e, "ns/y")->reason, "[\"10.0.1.0\"] is not allowed in config");
    assert_string_equal(t_ips(e, "ns/z"), "10.0.1.1");
    t_free(e);
}

static void
requested_ip_and_other_pool(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_pool(e, "b", "10.0.1.0/24");
    t_want(e, t_svc(e, "ns/x"), "10.0.0.4");
    t_req(e, "ns/x")->requested_pool = "b";
    t_want(e, t_svc(e, "ns/y"), "10.0.0.4");
    t_req(e, "ns/y")->requested_pool = "a";
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->fail, IPAM_FAIL_POOL_MISMATCH);
    assert_string_equal(t_res(e, "ns/x")->reason,
                        "requested loadBalancer IP(s) [\"10.0.0.4\"] is not compatible with "
                        "requested address pool b");
    /* x's failed attempt did not keep the address. */
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.4");
    t_free(e);
}

static void
requested_ip_in_a_pool_for_other_namespaces(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "team", "10.0.0.0/24"), 0, "team-a");
    t_want(e, t_svc(e, "team-b/x"), "10.0.0.4");
    t_want(e, t_svc(e, "team-a/y"), "10.0.0.5");
    t_run(e);
    assert_int_equal(t_res(e, "team-b/x")->fail, IPAM_FAIL_NOT_COMPATIBLE);
    assert_string_equal(t_res(e, "team-b/x")->reason, "pool team not compatible for ip assignment");
    assert_string_equal(t_ips(e, "team-a/y"), "10.0.0.5");
    t_free(e);
}

static void
unknown_pool(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_svc(e, "ns/x")->requested_pool = "nope";
    t_run(e);
    r = t_res(e, "ns/x");
    assert_int_equal(r->status, IPAM_ERROR);
    assert_int_equal(r->fail, IPAM_FAIL_UNKNOWN_POOL);
    assert_string_equal(r->reason, "unknown pool \"nope\"");
    t_free(e);
}

static void
requested_pool_wins_over_priorities(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "first", "10.0.0.0/24"), 1, NULL);
    t_pool(e, "other", "10.0.5.0/24");
    t_svc(e, "ns/x")->requested_pool = "other";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.5.0");
    t_free(e);
}

static void
requested_pool_not_compatible(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "team", "10.0.0.0/24"), 0, "team-a");
    t_svc(e, "team-b/x")->requested_pool = "team";
    t_run(e);
    assert_int_equal(t_res(e, "team-b/x")->status, IPAM_ERROR);
    assert_string_equal(t_res(e, "team-b/x")->reason, "pool team not compatible for ip assignment");
    t_free(e);
}

static void
requested_pool_ipv6_service_on_ipv4_pool(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "v4", "10.0.0.0/24");
    t_svc(e, "ns/x")->requested_pool = "v4";
    t_req(e, "ns/x")->policy = IPAM_SINGLE_V6;
    t_svc(e, "ns/y")->requested_pool = "v4";
    t_req(e, "ns/y")->policy = IPAM_REQUIRE_DUAL;
    t_run(e);
    assert_string_equal(t_res(e, "ns/x")->reason, "no available IPs in pool v4 for ipv6 IPFamily");
    assert_string_equal(t_res(e, "ns/y")->reason, "no available IPs in pool v4 for dual IPFamily");
    t_free(e);
}

static void
caller_found_request_error(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_svc(e, "ns/x")->request_error = "invalid metallb.io/loadBalancerIPs: \"bogus\"";
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->status, IPAM_ERROR);
    assert_int_equal(t_res(e, "ns/x")->fail, IPAM_FAIL_INVALID);
    assert_string_equal(t_res(e, "ns/x")->reason, "invalid metallb.io/loadBalancerIPs: \"bogus\"");
    t_free(e);
}

const struct CMUnitTest test_requested[] = {
    cmocka_unit_test(requested_ip_in_a_pool),
    cmocka_unit_test(requested_ip_outside_every_pool),
    cmocka_unit_test(requested_ip_in_use),
    cmocka_unit_test(requested_ip_of_the_wrong_family),
    cmocka_unit_test(requested_dual_stack_pair_keeps_its_order),
    cmocka_unit_test(requested_pair_of_one_family_is_invalid),
    cmocka_unit_test(requested_pair_across_two_pools),
    cmocka_unit_test(requested_buggy_ip_is_not_allowed),
    cmocka_unit_test(requested_ip_and_other_pool),
    cmocka_unit_test(requested_ip_in_a_pool_for_other_namespaces),
    cmocka_unit_test(unknown_pool),
    cmocka_unit_test(requested_pool_wins_over_priorities),
    cmocka_unit_test(requested_pool_not_compatible),
    cmocka_unit_test(requested_pool_ipv6_service_on_ipv4_pool),
    cmocka_unit_test(caller_found_request_error),
};
const size_t test_requested_count = sizeof(test_requested) / sizeof(test_requested[0]);

/* Previous allocations: re-validation, config changes, processing order, input checks. */
#include <stdio.h>
#include <string.h>

#include "tests.h"

static void
holder_keeps_its_address(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.77");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.77");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_NONE);
    assert_null(t_res(e, "ns/x")->note);
    t_free(e);
}

static void
shrunk_pool_drops_and_reallocates(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "p", "10.0.0.0/28");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.200");
    t_prev(e, t_svc(e, "ns/y"), "10.0.0.3");
    t_run(e);
    r = t_res(e, "ns/x");
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0");
    assert_int_equal(r->change, IPAM_CHANGE_MOVED);
    assert_string_equal(r->note, "current IP for \"ns/x\" not allowed by config, will attempt for "
                                 "new IP assignment: [\"10.0.0.200\"] is not allowed in config");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.3");
    t_free(e);
}

static void
shrunk_pool_with_no_room_left(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.3/32");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.200");
    t_prev(e, t_svc(e, "ns/y"), "10.0.0.3");
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_RELEASED);
    assert_int_equal(t_res(e, "ns/x")->status, IPAM_PENDING);
    assert_string_equal(t_res(e, "ns/x")->reason, "no available IPs");
    assert_non_null(t_res(e, "ns/x")->note);
    t_free(e);
}

static void
removed_pool_moves_holders_elsewhere(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "old", "10.0.0.0/24");
    t_pool(e, "new", "10.1.0.0/24");
    t_svc(e, "ns/x")->requested_pool = "old";
    t_svc(e, "ns/y");
    t_run(e);
    t_carry(e);
    t_pool_drop(e, "old");
    t_req(e, "ns/x")->requested_pool = NULL;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.1.0.1");
    assert_string_equal(t_ips(e, "ns/y"), "10.1.0.0");
    t_free(e);
}

static void
renamed_pool_keeps_addresses(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "old", "10.0.0.0/24");
    t_svc(e, "ns/x");
    t_run(e);
    t_carry(e);
    t_pool_named(e, "old")->name = "renamed";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0");
    assert_string_equal(t_res(e, "ns/x")->pool, "renamed");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_NONE);
    t_free(e);
}

static void
enabling_avoid_buggy_evicts(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.0");
    t_prev(e, t_svc(e, "ns/y"), "10.0.0.1");
    t_pool_named(e, "p")->avoid_buggy_ips = true;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.2");
    assert_string_equal(t_res(e, "ns/x")->note,
                        "current IP for \"ns/x\" not allowed by config, will attempt for new IP "
                        "assignment: [\"10.0.0.0\"] is not allowed in config");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.1");
    t_free(e);
}

static void
namespace_restriction_added_evicts(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "general", "10.1.0.0/24");
    t_pool_alloc(e, t_pool(e, "team", "10.0.0.0/24"), 0, "team");
    t_prev(e, t_svc(e, "misc/x"), "10.0.0.5");
    t_run(e);
    assert_string_equal(t_ips(e, "misc/x"), "10.1.0.0");
    assert_string_equal(t_res(e, "misc/x")->note,
                        "current IP for \"misc/x\" not allowed by config, will attempt for new IP "
                        "assignment: pool team not compatible for ip assignment");
    t_free(e);
}

static void
pool_annotation_changed(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_pool(e, "b", "10.1.0.0/24");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.5");
    t_req(e, "ns/x")->requested_pool = "b";
    t_prev(e, t_svc(e, "ns/y"), "10.0.0.6");
    t_req(e, "ns/y")->requested_pool = "a";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.1.0.0");
    assert_string_equal(t_res(e, "ns/x")->note,
                        "user requested a different pool than the one currently assigned");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.6");
    t_free(e);
}

static void
requested_ip_changed(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.5");
    t_want(e, t_req(e, "ns/x"), "10.0.0.9");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.9");
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_MOVED);
    assert_string_equal(t_res(e, "ns/x")->note,
                        "user requested a different IP than the one currently assigned");
    t_free(e);
}

static void
invalid_request_keeps_a_holder(void **state)
{
    struct t_env *e = t_new();
    const struct ipam_result *r;

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.5");
    t_req(e, "ns/x")->request_error = "invalid spec.loadBalancerIP \"x\"";
    t_run(e);
    r = t_res(e, "ns/x");
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.5");
    assert_int_equal(r->status, IPAM_ALLOCATED);
    assert_int_equal(r->fail, IPAM_FAIL_INVALID);
    assert_string_equal(r->reason, "invalid requested loadbalancer IPs: invalid spec.loadBalancerIP \"x\"");
    t_free(e);
}

static void
holders_are_served_first(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30");
    t_svc(e, "ns/old-new");
    t_prev(e, t_svc(e, "ns/young-holder"), "10.0.0.0");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/young-holder"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/old-new"), "10.0.0.1");
    t_free(e);
}

static void
newcomers_by_creation_then_name(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30");
    t_svc(e, "b/z")->created = 5;
    t_svc(e, "b/a")->created = 5;
    t_svc(e, "a/z")->created = 5;
    t_svc(e, "c/c")->created = 1;
    t_run(e);
    assert_string_equal(t_ips(e, "c/c"), "10.0.0.0");
    assert_string_equal(t_ips(e, "a/z"), "10.0.0.1");
    assert_string_equal(t_ips(e, "b/a"), "10.0.0.2");
    assert_string_equal(t_ips(e, "b/z"), "10.0.0.3");
    t_free(e);
}

static void
released_holders_before_newcomers(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/31");
    t_svc(e, "ns/early-newcomer")->created = 1;
    t_prev(e, t_svc(e, "ns/moved"), "10.9.9.9");
    t_req(e, "ns/moved")->created = 9;
    t_svc(e, "ns/kept");
    t_prev(e, t_req(e, "ns/kept"), "10.0.0.1");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/moved"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/kept"), "10.0.0.1");
    assert_int_equal(t_res(e, "ns/early-newcomer")->status, IPAM_PENDING);
    t_free(e);
}

static void
released_holder_never_takes_a_later_holders_address(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/31");
    t_prev(e, t_svc(e, "ns/a"), "10.9.9.9");
    t_prev(e, t_svc(e, "ns/b"), "10.0.0.0");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.1");
    t_free(e);
}

static void
conflicting_state_first_holder_wins(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30");
    t_prev(e, t_svc(e, "ns/a"), "10.0.0.2");
    t_prev(e, t_svc(e, "ns/b"), "10.0.0.2");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.2");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.0");
    assert_string_equal(t_res(e, "ns/b")->note,
                        "current IP for \"ns/b\" not allowed by config, will attempt for new IP "
                        "assignment: can't change sharing key for \"ns/b\", address also in use by ns/a");
    t_free(e);
}

static void
removing_others_moves_nobody(void **state)
{
    struct t_env *e = t_new();
    char key[32], before[64][48];

    (void)state;
    t_pool(e, "p", "10.0.0.0/26");
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "ns/s%02d", i);
        t_svc(e, key);
    }
    t_run(e);
    t_carry(e);
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "ns/s%02d", i);
        snprintf(before[i], sizeof(before[i]), "%s", t_ips(e, key));
    }
    for (int i = 0; i < 40; i += 3) {
        snprintf(key, sizeof(key), "ns/s%02d", i);
        t_drop(e, key);
    }
    t_svc(e, "aaa/newcomer")->created = 0;
    t_run(e);
    for (int i = 0; i < 40; i++) {
        if (i % 3 == 0)
            continue;
        snprintf(key, sizeof(key), "ns/s%02d", i);
        assert_string_equal(t_ips(e, key), before[i]);
    }
    assert_string_equal(t_ips(e, "aaa/newcomer"), "10.0.0.0");
    t_free(e);
}

static void
gateway_and_service_of_one_name(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/30");
    t_svc(e, "ns/x");
    t_svc(e, "ns/x")->kind = IPAM_KIND_GATEWAY;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.0.0");
    assert_int_equal(e->out.results[1].n_ips, 1);
    t_free(e);
}

static void
bad_input_is_rejected(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_pool(e, "b", "10.0.0.128/25");
    assert_int_equal(t_try(e), -1);
    assert_string_equal(e->out.error, "range 10.0.0.128-10.0.0.255 of pool b overlaps with range "
                                      "10.0.0.0-10.0.0.255 of pool a");
    t_pool_drop(e, "b");
    t_pool(e, "a", "10.1.0.0/24");
    assert_int_equal(t_try(e), -1);
    assert_string_equal(e->out.error, "duplicate definition of pool a");
    t_pool_drop(e, "a");
    t_svc(e, "ns/x");
    t_svc(e, "ns/x");
    assert_int_equal(t_try(e), -1);
    assert_string_equal(e->out.error, "duplicate request Service ns/x");
    /* The same refusal when the caller ranks names (equal pairs, equal ranks). */
    e->reqs[0].name_rank = e->reqs[1].name_rank = 1;
    assert_int_equal(t_try(e), -1);
    assert_string_equal(e->out.error, "duplicate request Service ns/x");
    t_free(e);
}

static void
no_pools_at_all(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_prev(e, t_svc(e, "ns/x"), "10.0.0.1");
    t_svc(e, "ns/y");
    t_run(e);
    assert_int_equal(t_res(e, "ns/x")->change, IPAM_CHANGE_RELEASED);
    assert_string_equal(t_res(e, "ns/y")->reason, "no available IPs");
    t_free(e);
}

const struct CMUnitTest test_state[] = {
    cmocka_unit_test(holder_keeps_its_address),
    cmocka_unit_test(shrunk_pool_drops_and_reallocates),
    cmocka_unit_test(shrunk_pool_with_no_room_left),
    cmocka_unit_test(removed_pool_moves_holders_elsewhere),
    cmocka_unit_test(renamed_pool_keeps_addresses),
    cmocka_unit_test(enabling_avoid_buggy_evicts),
    cmocka_unit_test(namespace_restriction_added_evicts),
    cmocka_unit_test(pool_annotation_changed),
    cmocka_unit_test(requested_ip_changed),
    cmocka_unit_test(invalid_request_keeps_a_holder),
    cmocka_unit_test(holders_are_served_first),
    cmocka_unit_test(newcomers_by_creation_then_name),
    cmocka_unit_test(released_holders_before_newcomers),
    cmocka_unit_test(released_holder_never_takes_a_later_holders_address),
    cmocka_unit_test(conflicting_state_first_holder_wins),
    cmocka_unit_test(removing_others_moves_nobody),
    cmocka_unit_test(gateway_and_service_of_one_name),
    cmocka_unit_test(bad_input_is_rejected),
    cmocka_unit_test(no_pools_at_all),
};
const size_t test_state_count = sizeof(test_state) / sizeof(test_state[0]);

/* serviceAllocation: priority, namespaces, namespaceSelectors, serviceSelectors. */
#include "tests.h"

static void
priority_lower_first_and_zero_last(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "p0", "10.0.0.0/32"), 0, NULL);
    t_pool_alloc(e, t_pool(e, "p20", "10.0.20.0/32"), 20, NULL);
    t_pool_alloc(e, t_pool(e, "p10", "10.0.10.0/32"), 10, NULL);
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_res(e, "ns/a")->pool, "p10");
    assert_string_equal(t_res(e, "ns/b")->pool, "p20");
    assert_string_equal(t_res(e, "ns/c")->pool, "p0");
    t_free(e);
}

static void
equal_priorities_go_by_name(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "y", "10.0.1.0/32"), 5, NULL);
    t_pool_alloc(e, t_pool(e, "x", "10.0.0.0/32"), 5, NULL);
    t_svc(e, "ns/a");
    t_svc(e, "ns/b");
    t_run(e);
    assert_string_equal(t_res(e, "ns/a")->pool, "x");
    assert_string_equal(t_res(e, "ns/b")->pool, "y");
    t_free(e);
}

static void
namespace_pool_pins_its_namespace(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "z-team", "10.9.0.0/24"), 0, "team, other");
    t_svc(e, "team/x");
    t_svc(e, "misc/y");
    t_run(e);
    assert_string_equal(t_res(e, "team/x")->pool, "z-team");
    assert_string_equal(t_res(e, "misc/y")->pool, "a-general");
    t_free(e);
}

static void
restricted_pool_is_no_fallback(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "team", "10.9.0.0/24"), 0, "team");
    t_svc(e, "misc/y");
    t_run(e);
    assert_string_equal(t_res(e, "misc/y")->reason, "no available IPs");
    t_free(e);
}

static void
pinned_pool_exhausted_falls_back(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "team", "10.9.0.0/32"), 1, "team");
    t_svc(e, "team/x");
    t_svc(e, "team/y");
    t_run(e);
    assert_string_equal(t_ips(e, "team/x"), "10.9.0.0");
    assert_string_equal(t_ips(e, "team/y"), "10.0.0.0");
    t_free(e);
}

static void
service_selector_pins_matching_services(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "z-web", "10.5.0.0/24"), 0, NULL);
    t_svc(e, "ns/web");
    t_svc(e, "ns/db");
    t_select(e, "z-web", "ns/web");
    t_run(e);
    assert_string_equal(t_res(e, "ns/web")->pool, "z-web");
    assert_string_equal(t_res(e, "ns/db")->pool, "a-general");
    t_free(e);
}

static void
namespace_and_selector_must_both_match(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "z-web", "10.5.0.0/24"), 0, "prod");
    t_svc(e, "prod/web");
    t_svc(e, "dev/web");
    t_svc(e, "prod/db");
    t_select(e, "z-web", "prod/web");
    t_select(e, "z-web", "dev/web");
    t_run(e);
    assert_string_equal(t_res(e, "prod/web")->pool, "z-web");
    assert_string_equal(t_res(e, "dev/web")->pool, "a-general");
    assert_string_equal(t_res(e, "prod/db")->pool, "a-general");
    t_free(e);
}

static void
empty_service_allocation_matches_everyone(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a-general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "z-first", "10.7.0.0/24"), 0, NULL);
    t_svc(e, "any/x");
    t_run(e);
    assert_string_equal(t_res(e, "any/x")->pool, "z-first");
    t_free(e);
}

static void
namespace_selectors_matching_nothing(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    /* namespaceSelectors given, no Namespace matches: never auto-picked, requestable by anyone. */
    t_pool_alloc(e, t_pool(e, "labelled", "10.7.0.0/24"), 0, "");
    t_svc(e, "any/x");
    t_svc(e, "any/y")->requested_pool = "labelled";
    t_run(e);
    assert_string_equal(t_res(e, "any/x")->reason, "no available IPs");
    assert_string_equal(t_ips(e, "any/y"), "10.7.0.0");
    t_free(e);
}

static void
pinned_pool_without_auto_assign_is_skipped(void **state)
{
    struct t_env *e = t_new();
    struct ipam_pool *p;

    (void)state;
    t_pool(e, "general", "10.0.0.0/24");
    p = t_pool(e, "team", "10.9.0.0/24");
    t_pool_alloc(e, p, 1, "team");
    p->auto_assign = false;
    t_svc(e, "team/x");
    t_run(e);
    assert_string_equal(t_res(e, "team/x")->pool, "general");
    t_free(e);
}

static void
selector_pool_not_matching_is_not_used(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool_alloc(e, t_pool(e, "web", "10.5.0.0/24"), 0, NULL);
    t_svc(e, "ns/db");
    t_pool_named(e, "web")->has_service_selectors = true;
    t_svc(e, "ns/db2")->requested_pool = "web";
    t_run(e);
    assert_string_equal(t_res(e, "ns/db")->reason, "no available IPs");
    assert_string_equal(t_res(e, "ns/db2")->reason, "pool web not compatible for ip assignment");
    t_free(e);
}

static void
pinned_pools_respect_dual_stack(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *r;

    (void)state;
    t_pool_alloc(e, t_pool(e, "team-v4", "10.9.0.0/24"), 1, "team");
    t_pool_alloc(e, t_pool(e, "team-mixed", "10.8.0.0/24, fc00::/120"), 2, "team");
    r = t_svc(e, "team/x");
    r->policy = IPAM_REQUIRE_DUAL;
    t_run(e);
    assert_string_equal(t_res(e, "team/x")->pool, "team-mixed");
    t_free(e);
}

static void
selector_pools_without_callback_match_nothing(void **state)
{
    struct t_env *e = t_new();
    struct ipam_input in;

    (void)state;
    t_pool(e, "a-general", "10.0.0.0/24");
    t_pool_alloc(e, t_pool(e, "z-web", "10.5.0.0/24"), 1, NULL);
    t_svc(e, "ns/web");
    t_select(e, "z-web", "ns/web");
    in = (struct ipam_input){e->pools, e->n_pools, e->reqs, e->n_reqs, NULL, NULL};
    assert_int_equal(ipam_allocate(&in, &e->a, &e->out), 0);
    assert_string_equal(t_res(e, "ns/web")->pool, "a-general");
    t_free(e);
}

const struct CMUnitTest test_svcalloc[] = {
    cmocka_unit_test(selector_pools_without_callback_match_nothing),
    cmocka_unit_test(priority_lower_first_and_zero_last),
    cmocka_unit_test(equal_priorities_go_by_name),
    cmocka_unit_test(namespace_pool_pins_its_namespace),
    cmocka_unit_test(restricted_pool_is_no_fallback),
    cmocka_unit_test(pinned_pool_exhausted_falls_back),
    cmocka_unit_test(service_selector_pins_matching_services),
    cmocka_unit_test(namespace_and_selector_must_both_match),
    cmocka_unit_test(empty_service_allocation_matches_everyone),
    cmocka_unit_test(namespace_selectors_matching_nothing),
    cmocka_unit_test(pinned_pool_without_auto_assign_is_skipped),
    cmocka_unit_test(selector_pool_not_matching_is_not_used),
    cmocka_unit_test(pinned_pools_respect_dual_stack),
};
const size_t test_svcalloc_count = sizeof(test_svcalloc) / sizeof(test_svcalloc[0]);

/* IP sharing (metallb.io/allow-shared-ip): allowed cases and every refusal message. */
#include "tests.h"

static struct ipam_request *
shared(struct t_env *e, const char *key, const char *sk, const char *ports)
{
    struct ipam_request *r = t_svc(e, key);

    r->sharing_key = sk;
    t_ports(e, r, ports);
    return r;
}

static void
same_key_other_ports_share(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/web", "k", "TCP/80");
    shared(e, "ns/tls", "k", "TCP/443");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/web"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/tls"), "10.0.0.0");
    assert_string_equal(t_res(e, "ns/tls")->sharing_key, "k");
    /* Counted once. */
    assert_true(t_usage(e, "p")->assigned_v4 == 1);
    assert_true(t_usage(e, "p")->available_v4 == 255);
    t_free(e);
}

static void
tcp_and_udp_on_one_port_share(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/dns-tcp", "dns", "TCP/53");
    shared(e, "ns/dns-udp", "dns", "UDP/53");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/dns-udp"), "10.0.0.0");
    t_free(e);
}

static void
port_clash_moves_to_the_next_address(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/a", "k", "TCP/80");
    shared(e, "ns/b", "k", "TCP/80, TCP/8080");
    shared(e, "ns/c", "k", "TCP/8080");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.1");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.0");
    t_free(e);
}

static void
port_clash_on_requested_ip(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_want(e, shared(e, "ns/a", "k", "TCP/80"), "10.0.0.7");
    t_want(e, shared(e, "ns/b", "k", "UDP/53, TCP/80"), "10.0.0.7");
    t_run(e);
    assert_int_equal(t_res(e, "ns/b")->status, IPAM_PENDING);
    assert_int_equal(t_res(e, "ns/b")->fail, IPAM_FAIL_IN_USE);
    assert_string_equal(t_res(e, "ns/b")->reason, "port TCP/80 is already in use on \"10.0.0.7\"");
    t_free(e);
}

static void
different_sharing_keys(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_want(e, shared(e, "ns/a", "one", "TCP/80"), "10.0.0.7");
    t_want(e, shared(e, "ns/b", "two", "TCP/81"), "10.0.0.7");
    shared(e, "ns/c", "two", "TCP/82");
    t_run(e);
    assert_string_equal(t_res(e, "ns/b")->reason,
                        "sharing key \"two\" does not match existing sharing key \"one\"");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.0");
    t_free(e);
}

static void
new_service_without_key(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_want(e, shared(e, "ns/a", "k", "TCP/80"), "10.0.0.7");
    t_want(e, shared(e, "ns/b", "", "TCP/81"), "10.0.0.7");
    t_run(e);
    assert_string_equal(t_res(e, "ns/b")->reason, "new service does not allow sharing");
    assert_null(t_res(e, "ns/b")->sharing_key);
    t_free(e);
}

static void
existing_service_without_key(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_want(e, shared(e, "ns/a", NULL, "TCP/80"), "10.0.0.7");
    t_want(e, shared(e, "ns/b", "k", "TCP/81"), "10.0.0.7");
    t_run(e);
    assert_string_equal(t_res(e, "ns/b")->reason, "existing service does not allow sharing");
    t_free(e);
}

static void
backend_keys_must_match(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *a, *b, *c;

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    a = shared(e, "ns/a", "k", "TCP/80");
    a->backend_key = "app=web";
    t_want(e, a, "10.0.0.7");
    b = shared(e, "ns/b", "k", "TCP/81");
    t_want(e, b, "10.0.0.7");
    c = shared(e, "ns/c", "k", "TCP/82");
    c->backend_key = "app=web";
    t_want(e, c, "10.0.0.7");
    t_run(e);
    assert_string_equal(t_res(e, "ns/b")->reason,
                        "backend key \"\" does not match existing sharing key \"app=web\"");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.7");
    t_free(e);
}

static void
sole_user_changes_its_key_in_place(void **state)
{
    struct t_env *e = t_new();
    struct ipam_request *a;

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    a = shared(e, "ns/a", "old", "TCP/80");
    t_run(e);
    t_carry(e);
    a->sharing_key = "new";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.0");
    assert_int_equal(t_res(e, "ns/a")->change, IPAM_CHANGE_NONE);
    assert_null(t_res(e, "ns/a")->note);
    t_free(e);
}

static void
shared_user_cannot_change_its_key(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/a", "k", "TCP/80");
    shared(e, "ns/b", "k", "TCP/81");
    shared(e, "ns/c", "k", "TCP/82");
    t_run(e);
    t_carry(e);
    t_req(e, "ns/b")->sharing_key = "other";
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.1");
    assert_int_equal(t_res(e, "ns/b")->change, IPAM_CHANGE_MOVED);
    assert_string_equal(t_res(e, "ns/b")->note,
                        "current IP for \"ns/b\" not allowed by config, will attempt for new IP "
                        "assignment: can't change sharing key for \"ns/b\", address also in use "
                        "by ns/a");
    t_free(e);
}

static void
shareable_address_below_the_first_free_one(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    t_svc(e, "ns/a");
    shared(e, "ns/b", "k", "TCP/80");
    t_svc(e, "ns/c");
    t_run(e);
    t_carry(e);
    shared(e, "ns/d", "k", "TCP/81");
    t_run(e);
    /* 10.0.0.3 is free, but 10.0.0.1 comes first and is shareable. */
    assert_string_equal(t_ips(e, "ns/d"), "10.0.0.1");
    t_free(e);
}

static void
sharing_in_another_pool_is_not_reached(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "a", "10.0.0.0/24");
    t_pool(e, "b", "10.0.1.0/24");
    shared(e, "ns/x", "k", "TCP/80")->requested_pool = "b";
    shared(e, "ns/y", "k", "TCP/81");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/x"), "10.0.1.0");
    assert_string_equal(t_ips(e, "ns/y"), "10.0.0.0");
    t_free(e);
}

static void
ports_may_change_on_a_shared_address(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/a", "k", "TCP/80");
    shared(e, "ns/b", "k", "TCP/81");
    t_run(e);
    t_carry(e);
    t_ports(e, t_req(e, "ns/b"), "TCP/82, UDP/80");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.0");
    assert_int_equal(t_res(e, "ns/b")->change, IPAM_CHANGE_NONE);
    t_free(e);
}

static void
dual_stack_objects_share_both_addresses(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24, fc00::/120");
    shared(e, "ns/a", "k", "TCP/80")->policy = IPAM_REQUIRE_DUAL;
    shared(e, "ns/b", "k", "TCP/443")->policy = IPAM_REQUIRE_DUAL;
    shared(e, "ns/c", "k", "TCP/8080")->policy = IPAM_SINGLE_V6;
    t_run(e);
    assert_string_equal(t_ips(e, "ns/a"), "10.0.0.0,fc00::");
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.0,fc00::");
    assert_string_equal(t_ips(e, "ns/c"), "fc00::");
    assert_true(t_usage(e, "p")->assigned_v6 == 1);
    t_free(e);
}

static void
last_sharer_keeps_the_address(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    t_pool(e, "p", "10.0.0.0/24");
    shared(e, "ns/a", "k", "TCP/80");
    shared(e, "ns/b", "k", "TCP/81");
    t_run(e);
    t_carry(e);
    t_drop(e, "ns/a");
    t_svc(e, "ns/c");
    t_run(e);
    assert_string_equal(t_ips(e, "ns/b"), "10.0.0.0");
    assert_string_equal(t_ips(e, "ns/c"), "10.0.0.1");
    t_free(e);
}

const struct CMUnitTest test_sharing[] = {
    cmocka_unit_test(dual_stack_objects_share_both_addresses),
    cmocka_unit_test(last_sharer_keeps_the_address),
    cmocka_unit_test(same_key_other_ports_share),
    cmocka_unit_test(tcp_and_udp_on_one_port_share),
    cmocka_unit_test(port_clash_moves_to_the_next_address),
    cmocka_unit_test(port_clash_on_requested_ip),
    cmocka_unit_test(different_sharing_keys),
    cmocka_unit_test(new_service_without_key),
    cmocka_unit_test(existing_service_without_key),
    cmocka_unit_test(backend_keys_must_match),
    cmocka_unit_test(sole_user_changes_its_key_in_place),
    cmocka_unit_test(shared_user_cannot_change_its_key),
    cmocka_unit_test(shareable_address_below_the_first_free_one),
    cmocka_unit_test(sharing_in_another_pool_is_not_reached),
    cmocka_unit_test(ports_may_change_on_a_shared_address),
};
const size_t test_sharing_count = sizeof(test_sharing) / sizeof(test_sharing[0]);

/*
 * Unit tests of the data plane's pure parts (gateway/proxy.h): header and
 * path modifiers of HTTPRoute filters, snapshot reference counting and port
 * lookup, endpoint addresses, timeout deadlines. The workers themselves are
 * tested end to end by tests/system/test_gateway.py.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gateway/proxy.h"

#define HDR(n, v)                                                                                  \
    {                                                                                              \
        n, v, sizeof(n) - 1, sizeof(v) - 1                                                         \
    }

static const char head[] = "GET /a:b HTTP/1.1\r\nHost: h\r\nX-Set: old\r\nx-set: old2\r\n"
                           "X-Keep: k\r\nX-Remove: r\r\n\r\n";

static void
headers_set_add_remove(void **state)
{
    struct gw_header set[] = {HDR("X-Set", "new")}, add[] = {HDR("X-Keep", "k2")},
                     rm[] = {HDR("x-remove", "")};
    struct gw_header_mod m = {set, add, rm, 1, 1, 1};
    char out[512];
    size_t n = gw_headers_apply(&m, head, sizeof(head) - 1, out, sizeof(out));

    (void)state;
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "GET /a:b HTTP/1.1\r\nHost: h\r\nX-Keep: k\r\nX-Set: new\r\n"
                             "X-Keep: k2\r\n\r\n");
}

static void
headers_too_small(void **state)
{
    struct gw_header_mod m = {0};
    char out[16];

    (void)state;
    assert_int_equal(gw_headers_apply(&m, head, sizeof(head) - 1, out, sizeof(out)), 0);
    /* Nothing to change: the head comes out as it went in. */
    char big[512];
    size_t n = gw_headers_apply(&m, head, sizeof(head) - 1, big, sizeof(big));
    assert_int_equal(n, sizeof(head) - 1);
    assert_memory_equal(big, head, n);
}

static void
check_path(enum gw_path_mod t, const char *value, const char *prefix, const char *path,
           const char *want)
{
    char out[256];
    size_t n = gw_path_modify(t, value, prefix, path, strlen(path), out, sizeof(out));

    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
}

static void
path_modifiers(void **state)
{
    (void)state;
    check_path(GW_PATHMOD_FULL, "/fixed", "/foo", "/foo/bar", "/fixed");
    check_path(GW_PATHMOD_PREFIX, "/xyz", "/foo", "/foo/bar", "/xyz/bar");
    check_path(GW_PATHMOD_PREFIX, "/xyz", "/foo", "/foo", "/xyz");
    check_path(GW_PATHMOD_PREFIX, "/xyz/", "/foo/", "/foo/", "/xyz/");
    check_path(GW_PATHMOD_PREFIX, "/", "/foo", "/foo/bar", "/bar");
    check_path(GW_PATHMOD_PREFIX, "/", "/foo", "/foo", "/");
    check_path(GW_PATHMOD_PREFIX, "/", "/", "/a/b", "/a/b");
    check_path(GW_PATHMOD_PREFIX, "/p", "/", "/a", "/p/a");
    check_path(GW_PATHMOD_PREFIX, "", "/foo", "/foo/x", "/x");
}

static void
path_too_small(void **state)
{
    char out[4];

    (void)state;
    assert_int_equal(gw_path_modify(GW_PATHMOD_FULL, "/long", NULL, "/", 1, out, sizeof(out)), 0);
}

static void
snapshot_refs_and_ports(void **state)
{
    struct gw_snapshot *s = gw_snapshot_new(7);
    struct ip_addr a = {IP_FAMILY_V4, 0x7f0a0001}, b = {IP_FAMILY_V4, 0x7f0a0002};

    (void)state;
    assert_non_null(s);
    s->ports = arena_alloc(&s->arena, 2 * sizeof(*s->ports));
    assert_non_null(s->ports);
    s->ports[0] = (struct gw_port){.addr = a, .port = 80};
    s->ports[1] = (struct gw_port){.addr = b, .port = 80};
    s->n_ports = 2;
    assert_ptr_equal(gw_snapshot_port(s, &b, 80), &s->ports[1]);
    assert_null(gw_snapshot_port(s, &b, 81));
    assert_ptr_equal(gw_snapshot_ref(s), s);
    assert_int_equal(atomic_load(&s->refs), 2);
    gw_snapshot_unref(s);
    assert_int_equal(atomic_load(&s->refs), 1);
    gw_snapshot_unref(s); /* frees: ASan reports a leak or a double free */
    gw_snapshot_unref(NULL);
}

static void
endpoint_addresses(void **state)
{
    struct gw_endpoint e;
    struct ip_addr v4 = {IP_FAMILY_V4, 0x7f000015}, v6 = {IP_FAMILY_V6, 1};
    char text[64];

    (void)state;
    gw_endpoint_set(&e, &v4, 8080);
    assert_int_equal(e.len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *)&e.sa)->sin_port), 8080);
    inet_ntop(AF_INET, &((struct sockaddr_in *)&e.sa)->sin_addr, text, sizeof(text));
    assert_string_equal(text, "127.0.0.21");
    gw_endpoint_set(&e, &v6, 443);
    assert_int_equal(e.len, sizeof(struct sockaddr_in6));
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&e.sa)->sin6_addr, text, sizeof(text));
    assert_string_equal(text, "::1");
}

#define MS 1000000ull /* ns */

static void
deadlines(void **state)
{
    (void)state;
    assert_int_equal(gw_deadline(5 * MS, 0), 0); /* "0s": no deadline */
    assert_int_equal(gw_deadline(5 * MS, 500), 505 * MS);
    assert_int_equal(gw_deadline(1, UINT32_MAX), 1 + UINT32_MAX * MS);
    assert_false(gw_deadline_passed(1000 * MS, 0));
    assert_false(gw_deadline_passed(504 * MS, 505 * MS));
    assert_true(gw_deadline_passed(505 * MS, 505 * MS));
    assert_true(gw_deadline_passed(600 * MS, 505 * MS));
}

static void
timer_cut_by_deadlines(void **state)
{
    uint64_t now = 100 * MS;

    (void)state;
    /* No deadline: the state's own limit. */
    assert_int_equal(gw_timer_ms(now, 30000, 0, 0), 30000);
    /* The nearer deadline wins, whichever argument carries it. */
    assert_int_equal(gw_timer_ms(now, 30000, now + 500 * MS, now + 200 * MS), 200);
    assert_int_equal(gw_timer_ms(now, 30000, now + 200 * MS, now + 500 * MS), 200);
    assert_int_equal(gw_timer_ms(now, 30000, 0, now + 500 * MS), 500);
    /* A limit shorter than the deadlines stays. */
    assert_int_equal(gw_timer_ms(now, 100, now + 500 * MS, 0), 100);
    /* Rounded up: the timer must not fire before the deadline. */
    assert_int_equal(gw_timer_ms(now, 30000, now + 1, 0), 1);
    assert_int_equal(gw_timer_ms(now, 30000, now + 1500 * MS + 1, 0), 1501);
    /* Passed: fire at once. */
    assert_int_equal(gw_timer_ms(now, 30000, now, 0), 0);
    assert_int_equal(gw_timer_ms(now, 30000, 0, now - 1), 0);
}

static void
head_wait(void **state)
{
    struct gw_timeouts none = {0}, set = {true, 500, 0}, off = {true, 0, 0};

    (void)state;
    /* A rule without timeouts keeps the proxy's upstream timeout. */
    assert_int_equal(gw_head_wait_ms(NULL, 30000, 60000), 30000);
    assert_int_equal(gw_head_wait_ms(&none, 30000, 60000), 30000);
    /* With timeouts its deadlines bound the wait; with "0s" only inactivity does. */
    assert_int_equal(gw_head_wait_ms(&set, 30000, 60000), 60000);
    assert_int_equal(gw_head_wait_ms(&off, 30000, 60000), 60000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headers_set_add_remove),
        cmocka_unit_test(headers_too_small),
        cmocka_unit_test(path_modifiers),
        cmocka_unit_test(path_too_small),
        cmocka_unit_test(snapshot_refs_and_ports),
        cmocka_unit_test(endpoint_addresses),
        cmocka_unit_test(deadlines),
        cmocka_unit_test(timer_cut_by_deadlines),
        cmocka_unit_test(head_wait),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

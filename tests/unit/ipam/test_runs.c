/* The building blocks: used-number runs and the avoidBuggyIPs numbering. */
#include <stdlib.h>
#include <string.h>

#include "ipam/internal.h"
#include "tests.h"

/* Random adds and removes against a plain bitmap: same lowest free number every time. */
static void
runs_match_a_bitmap(void **state)
{
    enum { N = 300 };
    struct ipam_run nodes[N + 2];
    struct ipam_runs r = {.node = nodes, .cap = N + 2, .free_head = IPAM_NONE, .seed = 7};
    bool used[N] = {false};
    uint32_t root = IPAM_NONE, x = 12345;
    size_t n_used = 0;

    (void)state;
    for (int step = 0; step < 20000; step++) {
        size_t i, expect = 0;
        x = x * 1103515245u + 12345u;
        i = (x >> 8) % N;
        if (used[i]) {
            ipam_runs_del(&r, &root, i);
            n_used--;
        } else if (n_used < N - 1) {
            ipam_runs_add(&r, &root, i);
            n_used++;
        } else {
            continue;
        }
        used[i] = !used[i];
        while (used[expect])
            expect++;
        assert_true(ipam_runs_first_free(&r, root) == expect);
    }
}

static void
runs_fill_and_drain_in_order(void **state)
{
    enum { N = 64 };
    struct ipam_run nodes[N + 2];
    struct ipam_runs r = {.node = nodes, .cap = N + 2, .free_head = IPAM_NONE, .seed = 1};
    uint32_t root = IPAM_NONE;

    (void)state;
    for (unsigned i = 0; i < N; i++) {
        assert_true(ipam_runs_first_free(&r, root) == i);
        ipam_runs_add(&r, &root, i);
    }
    /* One maximal run only. */
    assert_true(nodes[root].lo == 0 && nodes[root].hi == N - 1);
    ipam_runs_del(&r, &root, 10);
    assert_true(ipam_runs_first_free(&r, root) == 10);
    ipam_runs_del(&r, &root, 3);
    assert_true(ipam_runs_first_free(&r, root) == 3);
    ipam_runs_add(&r, &root, 3);
    ipam_runs_add(&r, &root, 10);
    assert_true(ipam_runs_first_free(&r, root) == N);
}

static ip_u128
v4(const char *s)
{
    return t_ip(s).v;
}

static void
buggy_numbering_skips_dot0_and_dot255(void **state)
{
    struct ipam_range rg = {t_ip("10.0.0.0"), t_ip("10.0.2.0")};
    struct ipam_entry e;
    struct ip_addr a;
    char buf[IP_STRLEN];

    (void)state;
    ipam_entry_init(&e, &rg, true);
    assert_false(e.empty);
    assert_true(e.last_idx + 1 == 2 * 254);
    a = ipam_entry_addr(&e, 0);
    assert_string_equal(ip_format(&a, buf), "10.0.0.1");
    a = ipam_entry_addr(&e, 253);
    assert_string_equal(ip_format(&a, buf), "10.0.0.254");
    a = ipam_entry_addr(&e, 254);
    assert_string_equal(ip_format(&a, buf), "10.0.1.1");
    a = ipam_entry_addr(&e, e.last_idx);
    assert_string_equal(ip_format(&a, buf), "10.0.1.254");
    a = t_ip("10.0.1.7");
    assert_true(ipam_entry_usable(&e, &a));
    assert_true(ipam_entry_index(&e, &a) == 254 + 6);
    a.v = v4("10.0.1.255");
    assert_false(ipam_entry_usable(&e, &a));
}

static void
buggy_only_range_is_empty(void **state)
{
    struct ipam_range rg = {t_ip("10.0.0.255"), t_ip("10.0.1.0")};
    struct ipam_range top = {t_ip("0.0.0.0"), t_ip("0.0.0.255")};
    struct ipam_entry e;

    (void)state;
    ipam_entry_init(&e, &rg, true);
    assert_true(e.empty && ipam_entry_full(&e));
    ipam_entry_init(&e, &top, true);
    assert_false(e.empty);
    assert_true(e.last_idx == 253);
    ipam_entry_init(&e, &rg, false);
    assert_true(!e.empty && e.last_idx == 1);
}

const struct CMUnitTest test_runs[] = {
    cmocka_unit_test(runs_match_a_bitmap),
    cmocka_unit_test(runs_fill_and_drain_in_order),
    cmocka_unit_test(buggy_numbering_skips_dot0_and_dot255),
    cmocka_unit_test(buggy_only_range_is_empty),
};
const size_t test_runs_count = sizeof(test_runs) / sizeof(test_runs[0]);

#include <string.h>

#include "core/ipaddr.h"
#include "tests.h"

static void
parse_and_format_roundtrip(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"192.168.2.10", "192.168.2.10"},
        {"0.0.0.0", "0.0.0.0"},
        {"255.255.255.255", "255.255.255.255"},
        {"2001:0db8::1", "2001:db8::1"},
        {"::ffff:10.1.2.3", "10.1.2.3"},
        {"fc00:f853:0ccd:e799::", "fc00:f853:ccd:e799::"},
    };
    char buf[IP_STRLEN];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ip_addr a;
        assert_int_equal(ip_parse(cases[i].in, strlen(cases[i].in), &a), 0);
        assert_string_equal(ip_format(&a, buf), cases[i].out);
    }
}

static void
parse_rejects_garbage(void **state)
{
    static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
                                      "1.2.3.4 ", "fe80::1%eth0", "::g", "a.b.c.d"};
    struct ip_addr a;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ip_parse(bad[i], strlen(bad[i]), &a), -1);
}

static void
prefix_parse_masks_host_bits(void **state)
{
    struct ip_prefix p;
    const char *err;
    char buf[IP_STRLEN];

    (void)state;
    assert_int_equal(ip_prefix_parse("10.20.30.40/24", 14, &p, &err), 0);
    assert_string_equal(ip_prefix_format(&p, buf), "10.20.30.0/24");
    assert_int_equal(ip_prefix_parse("10.0.0.0/33", 11, &p, &err), -1);
    assert_int_equal(ip_prefix_parse("10.0.0.0/", 9, &p, &err), -1);
    assert_int_equal(ip_prefix_parse("10.0.0.0/08", 11, &p, &err), -1);
    assert_int_equal(ip_prefix_parse("2001:db8::/129", 14, &p, &err), -1);
    assert_int_equal(ip_prefix_parse("::/0", 4, &p, &err), 0);
    assert_int_equal(p.len, 0);
}

static void
range_splits_into_minimal_prefixes(void **state)
{
    struct ip_addr first, last;
    struct ip_prefix out[64];
    char buf[IP_STRLEN];
    size_t n;

    (void)state;
    ip_parse("192.168.2.10", 12, &first);
    ip_parse("192.168.2.50", 12, &last);
    n = ip_range_to_prefixes(&first, &last, out, 64);
    /* .10/31 .12/30 .16/28 .32/28 .48/31 .50/32 */
    assert_int_equal(n, 6);
    assert_string_equal(ip_prefix_format(&out[0], buf), "192.168.2.10/31");
    assert_string_equal(ip_prefix_format(&out[2], buf), "192.168.2.16/28");
    assert_string_equal(ip_prefix_format(&out[5], buf), "192.168.2.50/32");

    ip_parse("0.0.0.0", 7, &first);
    ip_parse("255.255.255.255", 15, &last);
    n = ip_range_to_prefixes(&first, &last, out, 64);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].len, 0);

    ip_parse("::", 2, &first);
    ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 39, &last);
    n = ip_range_to_prefixes(&first, &last, out, 64);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].len, 0);

    ip_parse("3.3.3.2", 7, &first);
    ip_parse("3.3.3.254", 9, &last);
    n = ip_range_to_prefixes(&first, &last, out, 64);
    assert_true(n <= 64);
    for (size_t i = 1; i < n; i++) /* contiguous, ascending */
        assert_true(out[i].addr.v == ip_prefix_last(&out[i - 1]).v + 1);
}

static void
overlap_and_containment(void **state)
{
    struct ip_prefix a, b, c;
    const char *err;

    (void)state;
    ip_prefix_parse("10.0.0.0/8", 10, &a, &err);
    ip_prefix_parse("10.1.0.0/16", 11, &b, &err);
    ip_prefix_parse("11.0.0.0/8", 10, &c, &err);
    assert_true(ip_prefixes_overlap(&a, &b));
    assert_true(ip_prefixes_overlap(&b, &a));
    assert_false(ip_prefixes_overlap(&a, &c));
    assert_true(ip_prefix_contains(&a, &b.addr));
    assert_false(ip_prefix_contains(&b, &a.addr));
}

const struct CMUnitTest test_ipaddr[] = {
    cmocka_unit_test(parse_and_format_roundtrip),
    cmocka_unit_test(parse_rejects_garbage),
    cmocka_unit_test(prefix_parse_masks_host_bits),
    cmocka_unit_test(range_splits_into_minimal_prefixes),
    cmocka_unit_test(overlap_and_containment),
};
const size_t test_ipaddr_count = sizeof(test_ipaddr) / sizeof(test_ipaddr[0]);

#include <string.h>

#include "manifest/manifest.h"
#include "manifest/schema.h"
#include "tests.h"

static void
go_durations(void **state)
{
    static const struct {
        const char *in;
        int64_t ns;
    } ok[] = {
        {"0", 0},
        {"0s", 0},
        {"90s", 90000000000LL},
        {"9m0s", 540000000000LL},
        {"1h30m", 5400000000000LL},
        {"500ms", 500000000LL},
        {"1.5s", 1500000000LL},
        {"10us", 10000LL},
    };
    static const char *const bad[] = {"", "5min", "s", "10", "1.s5", "1d", "--1s", "1h 30m"};
    int64_t ns;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(mf_parse_go_duration(ok[i].in, strlen(ok[i].in), &ns), 0);
        assert_int_equal(ns, ok[i].ns);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mf_parse_go_duration(bad[i], strlen(bad[i]), &ns), -1);
}

static void
diagnostic_line_format(void **state)
{
    struct mf_diag g = {
        .sev = MF_SEV_ERROR, .file = "pools.yaml", .line = 7, .col = 5,
        .kind = "IPAddressPool", .ns = "metallb-system", .name = "f5-ip-pool",
        .path = "spec.addresses[0]", .msg = "bad",
    };
    char buf[512];

    (void)state;
    assert_string_equal(mf_diag_format(&g, buf, sizeof(buf)),
                        "pools.yaml:7:5: IPAddressPool metallb-system/f5-ip-pool: "
                        "spec.addresses[0]: bad");
    g.sev = MF_SEV_WARNING;
    g.ns = NULL;
    g.kind = NULL;
    g.name = NULL;
    g.path = NULL;
    assert_string_equal(mf_diag_format(&g, buf, sizeof(buf)), "pools.yaml:7:5: - -: -: warning: bad");
}

static void
pool_entries(void **state)
{
    struct ip_addr a, b;
    const char *err;

    (void)state;
    assert_int_equal(mf_parse_pool_entry("10.0.0.1 - 10.0.0.9", 19, &a, &b, &err), 0);
    assert_int_equal(b.v - a.v, 8);
    assert_int_equal(mf_parse_pool_entry("10.0.0.9-10.0.0.1", 17, &a, &b, &err), -1);
    assert_string_equal(err, "start is after end");
    assert_int_equal(mf_parse_pool_entry("10.0.0.1-::1", 12, &a, &b, &err), -1);
    assert_int_equal(mf_parse_pool_entry("fc00:f853:0ccd:e799::/124", 25, &a, &b, &err), 0);
    assert_int_equal(b.v - a.v, 15);
}

static void
selector_matching(void **state)
{
    struct mf_kv labels_kv[] = {
        {.key = {.v = "zone", .len = 4}, .value = {.v = "a", .len = 1}},
        {.key = {.v = "tier", .len = 4}, .value = {.v = "gold", .len = 4}},
    };
    struct mf_strmap labels = {.v = labels_kv, .n = 2, .set = true};
    struct mf_str vals[] = {{.v = "gold", .len = 4}, {.v = "silver", .len = 6}};
    struct mf_label_requirement req = {
        .key = {.v = "tier", .len = 4}, .op = {.v = "In", .len = 2},
        .values = {.v = vals, .n = 2, .set = true},
    };
    struct mf_label_selector sel = {.match_expressions = {.v = &req, .n = 1, .set = true}};
    struct mf_label_selector empty = {0};

    (void)state;
    assert_true(mf_label_selector_matches(&empty, &labels));
    assert_true(mf_label_selector_matches(&sel, &labels));
    req.op = (struct mf_str){.v = "NotIn", .len = 5};
    assert_false(mf_label_selector_matches(&sel, &labels));
    req.key = (struct mf_str){.v = "missing", .len = 7};
    assert_true(mf_label_selector_matches(&sel, &labels));
    req.op = (struct mf_str){.v = "Exists", .len = 6};
    assert_false(mf_label_selector_matches(&sel, &labels));
}

const struct CMUnitTest test_schema[] = {
    cmocka_unit_test(go_durations),
    cmocka_unit_test(diagnostic_line_format),
    cmocka_unit_test(pool_entries),
    cmocka_unit_test(selector_matching),
};
const size_t test_schema_count = sizeof(test_schema) / sizeof(test_schema[0]);

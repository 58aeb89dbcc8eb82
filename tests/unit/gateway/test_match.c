/* Matcher details beyond the conformance list: hostnames, precedence ties,
 * regular expressions, query and header corner cases, threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

static void
hostname_intersection_table(void **state)
{
    static const struct {
        const char *listener, *route, *want; /* want NULL: no intersection */
    } cases[] = {
        {NULL, NULL, ""},
        {NULL, "a.example.com", "a.example.com"},
        {"*.example.com", NULL, "*.example.com"},
        {"a.example.com", "a.example.com", "a.example.com"},
        {"a.example.com", "A.Example.COM", "a.example.com"},
        {"a.example.com", "b.example.com", NULL},
        {"*.example.com", "a.example.com", "a.example.com"},
        {"*.example.com", "a.b.example.com", "a.b.example.com"},
        {"*.example.com", "example.com", NULL},
        {"*.example.com", "aexample.com", NULL},
        {"a.example.com", "*.example.com", "a.example.com"},
        {"example.com", "*.example.com", NULL},
        {"*.example.com", "*.example.com", "*.example.com"},
        {"*.example.com", "*.foo.example.com", "*.foo.example.com"},
        {"*.foo.example.com", "*.example.com", "*.foo.example.com"},
        {"*.foo.example.com", "*.bar.example.com", NULL},
        {"*.com", "*.example.net", NULL},
        {"abc.foo.example.com", "*.example.com", "abc.foo.example.com"},
    };
    char out[300];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        bool ok = gw_hostname_intersect(cases[i].listener, cases[i].route, out, sizeof(out));
        if (ok != (cases[i].want != NULL) || (ok && strcmp(out, cases[i].want) != 0))
            fail_msg("%s x %s: %s, want %s", cases[i].listener ? cases[i].listener : "-",
                     cases[i].route ? cases[i].route : "-", ok ? out : "none",
                     cases[i].want ? cases[i].want : "none");
    }
    assert_false(gw_hostname_intersect("a.example.com", NULL, out, 5));
}

static void
host_forms(void **state)
{
    static const char *const h[] = {"example.com", "*.example.com", NULL, "[::1]"};
    struct gw_listeners *ls = gw_listeners_build(h, N(h));

    (void)state;
    assert_non_null(ls);
    assert_int_equal(gw_listeners_select(ls, "example.com", 11), 0);
    assert_int_equal(gw_listeners_select(ls, "EXAMPLE.com:8080", 16), 0);
    assert_int_equal(gw_listeners_select(ls, "example.com.", 12), 0);
    assert_int_equal(gw_listeners_select(ls, "example.com.:80", 15), 0);
    assert_int_equal(gw_listeners_select(ls, "x.example.com", 13), 1);
    assert_int_equal(gw_listeners_select(ls, "x.y.Example.com", 15), 1);
    assert_int_equal(gw_listeners_select(ls, ".example.com", 12), 2);
    assert_int_equal(gw_listeners_select(ls, "other.org", 9), 2);
    assert_int_equal(gw_listeners_select(ls, "", 0), 2);
    assert_int_equal(gw_listeners_select(ls, "[::1]:80", 8), 3);
    gw_listeners_free(ls);
    /* Without a hostname-less listener, an unknown host has none. */
    ls = gw_listeners_build(h, 2);
    assert_int_equal(gw_listeners_select(ls, "other.org", 9), -1);
    gw_listeners_free(ls);
}

static void
prefix_segments(void **state)
{
    static const struct gw_match_def abc[] = {{.path = "/abc"}};
    static const struct gw_match_def abc_slash[] = {{.path = "/abc/"}};
    static const struct gw_match_def root[] = {{.path = "/"}};
    static const struct gw_rule_def rules[] = {RULE(abc), RULE(abc_slash), RULE(root)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"abc", "abc/", "root"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    /* "/abc" and "/abc/" are the same prefix: the first rule wins the tie. */
    EXPECT(t, be, "GET", "h", "/abc", NULL, "abc");
    EXPECT(t, be, "GET", "h", "/abc/", NULL, "abc");
    EXPECT(t, be, "GET", "h", "/abc/def", NULL, "abc");
    EXPECT(t, be, "GET", "h", "/abc?x=/abc", NULL, "abc");
    EXPECT(t, be, "GET", "h", "/abcd", NULL, "root");
    EXPECT(t, be, "GET", "h", "/ABC", NULL, "root");
    EXPECT(t, be, "GET", "h", "/abc%2fdef", NULL, "root");
    EXPECT(t, be, "GET", "h", "/", NULL, "root");
    EXPECT(t, be, "GET", "h", "/x//abc", NULL, "root");
    /* Absolute form with an empty path is "/". */
    EXPECT(t, be, "GET", "h", "http://h", NULL, "root");
    gw_table_free(t);
}

static void
deep_paths(void **state)
{
    static const struct gw_match_def deep[] = {{.path = "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
                                                        "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
                                                        "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
                                                        "/a/a/a/a/a/a/a/a/a/a"}};
    static const struct gw_match_def shallow[] = {{.path = "/a/a"}};
    static const struct gw_rule_def rules[] = {RULE(deep), RULE(shallow)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"deep", "shallow"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);
    char path[400];
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 80; i++)
        n += (size_t)snprintf(path + n, sizeof(path) - n, "/a");
    EXPECT(t, be, "GET", "h", path, NULL, "deep");
    path[strlen(deep[0].path) - 1] = 'b';
    EXPECT(t, be, "GET", "h", path, NULL, "shallow");
    gw_table_free(t);
}

static void
tie_breakers(void **state)
{
    static const struct gw_match_def m[] = {{.path = "/p"}, {.path = "/p"}};
    static const struct gw_rule_def rules[] = {RULE(m), RULE(m)};
    /* Same match everywhere: age, then "namespace/name", then rule, then match decide. */
    static const struct gw_route_def newer[] = {
        {"ns", "a", 200, NULL, 0, LIST(rules)},
        {"ns", "z", 100, NULL, 0, LIST(rules)},
    };
    static const struct gw_route_def same_age[] = {
        {"ns", "b", 100, NULL, 0, LIST(rules)},
        {"ns", "a", 100, NULL, 0, LIST(rules)},
        /* "a-b/x" < "a/x" as strings: the whole "namespace/name" is compared. */
        {"a-b", "x", 100, NULL, 0, LIST(rules)},
        {"a", "x", 100, NULL, 0, LIST(rules)},
    };
    struct gw_result r;
    struct gw_table *t;

    (void)state;
    t = test_build(NULL, newer, N(newer), NULL);
    assert_true(test_lookup(t, "GET", "h", "/p", NULL, &r));
    assert_int_equal(r.route, 1);
    assert_int_equal(r.rule, 0);
    assert_int_equal(r.match, 0);
    gw_table_free(t);
    t = test_build(NULL, same_age, N(same_age), NULL);
    assert_true(test_lookup(t, "GET", "h", "/p", NULL, &r));
    assert_int_equal(r.route, 2);
    gw_table_free(t);
}

static void
precedence_order(void **state)
{
    static const struct gw_kv_match h1[] = {{GW_VALUE_EXACT, "x", "1"}};
    static const struct gw_kv_match h2[] = {{GW_VALUE_EXACT, "x", "1"}, {GW_VALUE_EXACT, "y", "1"}};
    static const struct gw_kv_match q1[] = {{GW_VALUE_EXACT, "q", "1"}};
    static const struct gw_match_def m[] = {
        {.path = "/"},                                                                /* 0 */
        {.path = "/a"},                                                               /* 1 */
        {.path_type = GW_PATH_REGEX, .path = "/a/.*"},                                /* 2 */
        {.path_type = GW_PATH_EXACT, .path = "/a/b"},                                 /* 3 */
        {.path = "/a", .method = HTTP_METHOD_GET},                                    /* 4 */
        {.path = "/a", .headers = h1, .n_headers = 1},                                /* 5 */
        {.path = "/a", .headers = h2, .n_headers = 2},                                /* 6 */
        {.path = "/a", .queries = q1, .n_queries = 1},                                /* 7 */
        {.path = "/a", .headers = h1, .n_headers = 1, .queries = q1, .n_queries = 1}, /* 8 */
        {.path_type = GW_PATH_REGEX, .path = "/a/b.*"},                               /* 9 */
    };
    static const struct gw_rule_def rules[] = {RULE(m)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    static const struct {
        const char *method, *target, *headers;
        uint32_t want;
    } cases[] = {
        {"GET", "/a/b", "x: 1\r\ny: 1\r\n", 3}, /* Exact beats everything */
        {"GET", "/a/bc", NULL, 9},              /* longer regex first */
        {"GET", "/a/c", NULL, 2},               /* regex beats prefix */
        {"GET", "/a", "x: 1\r\ny: 1\r\n", 4},   /* method beats headers */
        {"POST", "/a", "x: 1\r\ny: 1\r\n", 6},  /* more headers */
        {"POST", "/a?q=1", "x: 1\r\n", 8},      /* headers, then queries */
        {"POST", "/a?q=1", NULL, 7},            /* queries */
        {"POST", "/a", NULL, 1},                /* longest prefix */
        {"POST", "/b", NULL, 0},                /* shortest prefix */
    };
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);
    struct gw_result r;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        bool found = test_lookup(t, cases[i].method, "h", cases[i].target, cases[i].headers, &r);
        if (!found || r.match != cases[i].want)
            fail_msg("case %zu: %s %s: match %d, want %u", i, cases[i].method, cases[i].target,
                     found ? (int)r.match : -1, cases[i].want);
    }
    gw_table_free(t);
}

static void
regular_expressions(void **state)
{
    static const struct gw_kv_match hre[] = {{GW_VALUE_REGEX, "X-Version", "v[0-9]+"}};
    static const struct gw_kv_match qre[] = {{GW_VALUE_REGEX, "id", "[a-f0-9]{4}|x"}};
    static const struct gw_kv_match bad[] = {{GW_VALUE_REGEX, "x", "a(b"}};
    static const struct gw_match_def m0[] = {{.path_type = GW_PATH_REGEX, .path = "/api/v[12]"}};
    static const struct gw_match_def m1[] = {{.path = "/h", .headers = hre, .n_headers = 1}};
    static const struct gw_match_def m2[] = {{.path = "/q", .queries = qre, .n_queries = 1}};
    static const struct gw_match_def m3[] = {{.path = "/bad", .headers = bad, .n_headers = 1}};
    static const struct gw_match_def m4[] = {{.path_type = GW_PATH_REGEX, .path = "/(x"}};
    static const struct gw_rule_def ok_rules[] = {RULE(m0), RULE(m1), RULE(m2)};
    static const struct gw_rule_def bad_rules[] = {RULE(m3)};
    static const struct gw_rule_def bad_path[] = {RULE(m4)};
    static const char *const hb[] = {"bad.example"};
    static const struct gw_route_def routes[] = {
        {"ns", "ok", 0, NULL, 0, LIST(ok_rules)},
        {"ns", "bad-header", 0, LIST(hb), LIST(bad_rules)},
        {"ns", "bad-path", 0, NULL, 0, LIST(bad_path)},
    };
    static const char *const b0[] = {"path", "header", "query"}, *const b1[] = {"bad"};
    static const char *const *const be[] = {b0, b1, b1};
    struct gw_route_status st[3];
    struct gw_table *t = test_build(NULL, routes, N(routes), st);

    (void)state;
    assert_true(st[0].attached);
    assert_false(st[1].attached);
    assert_string_equal(st[1].reason, "UnsupportedValue");
    assert_non_null(strstr(st[1].detail, "a(b"));
    assert_false(st[2].attached);
    EXPECT(t, be, "GET", "h", "/api/v1", NULL, "path");
    EXPECT(t, be, "GET", "h", "/api/v2?x", NULL, "path");
    /* The whole path must match, not a part of it. */
    EXPECT(t, be, "GET", "h", "/api/v12", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/x/api/v1", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/h", "x-version: v42\r\n", "header");
    EXPECT(t, be, "GET", "h", "/h", "X-Version: v42beta\r\n", NULL);
    EXPECT(t, be, "GET", "h", "/h", "X-Version: \r\n", NULL);
    EXPECT(t, be, "GET", "h", "/q?id=beef", NULL, "query");
    EXPECT(t, be, "GET", "h", "/q?id=x", NULL, "query");
    EXPECT(t, be, "GET", "h", "/q?id=beefy", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/q?id=", NULL, NULL);
    /* The dropped route's hostname does not shadow the routes for any host. */
    EXPECT(t, be, "GET", "bad.example", "/api/v1", NULL, "path");
    EXPECT(t, be, "GET", "h", "/bad", "x: ab\r\n", NULL);
    gw_table_free(t);
}

/* The literal-prefix prefilter must never refuse what the regex accepts. */
static void
regex_prefilter_keeps_semantics(void **state)
{
    static const struct gw_kv_match hq[] = {{GW_VALUE_REGEX, "x", "ab?c"}};
    static const struct gw_match_def m0[] = {{.path_type = GW_PATH_REGEX, .path = "/opt/ab?c"}};
    static const struct gw_match_def m1[] = {{.path_type = GW_PATH_REGEX, .path = "/alt|/other"}};
    static const struct gw_match_def m2[] = {{.path_type = GW_PATH_REGEX, .path = "/rep/ab{0,2}c"}};
    static const struct gw_match_def m3[] = {{.path_type = GW_PATH_REGEX, .path = "/esc/\\d+"}};
    static const struct gw_match_def m4[] = {{.path = "/h", .headers = hq, .n_headers = 1}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3), RULE(m4)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"opt", "alt", "rep", "esc", "hdr"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "h", "/opt/ac", NULL, "opt");
    EXPECT(t, be, "GET", "h", "/opt/abc", NULL, "opt");
    EXPECT(t, be, "GET", "h", "/opt/abbc", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/other", NULL, "alt");
    EXPECT(t, be, "GET", "h", "/alt", NULL, "alt");
    EXPECT(t, be, "GET", "h", "/rep/ac", NULL, "rep");
    EXPECT(t, be, "GET", "h", "/rep/abbc", NULL, "rep");
    EXPECT(t, be, "GET", "h", "/esc/123", NULL, "esc");
    EXPECT(t, be, "GET", "h", "/esc/x", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/h", "x: ac\r\n", "hdr");
    EXPECT(t, be, "GET", "h", "/h", "x: a\r\n", NULL);
    gw_table_free(t);
}

static void
query_and_header_corners(void **state)
{
    static const struct gw_kv_match q[] = {{GW_VALUE_EXACT, "a", "1"}};
    static const struct gw_kv_match qe[] = {{GW_VALUE_EXACT, "e", ""}};
    static const struct gw_kv_match dup[] = {{GW_VALUE_EXACT, "X-Dup", "first"},
                                             {GW_VALUE_EXACT, "x-dup", "second"}};
    static const struct gw_kv_match hv[] = {{GW_VALUE_EXACT, "x-v", "Value"}};
    static const struct gw_match_def m0[] = {{.path = "/q", .queries = q, .n_queries = 1}};
    static const struct gw_match_def m1[] = {{.path = "/e", .queries = qe, .n_queries = 1}};
    static const struct gw_match_def m2[] = {{.path = "/d", .headers = dup, .n_headers = 2}};
    static const struct gw_match_def m3[] = {{.path = "/v", .headers = hv, .n_headers = 1}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"q", "e", "d", "v"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    /* Repeated parameter: the first value decides. */
    EXPECT(t, be, "GET", "h", "/q?a=1&a=2", NULL, "q");
    EXPECT(t, be, "GET", "h", "/q?a=2&a=1", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/q?b=1&a=1", NULL, "q");
    EXPECT(t, be, "GET", "h", "/q?aa=1", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/q?a=1%20", NULL, NULL);
    EXPECT(t, be, "GET", "h", "/e?e", NULL, "e");
    EXPECT(t, be, "GET", "h", "/e?e=", NULL, "e");
    EXPECT(t, be, "GET", "h", "/e?x&e=&y", NULL, "e");
    EXPECT(t, be, "GET", "h", "/e?e=1", NULL, NULL);
    /* Repeated condition name in one match: the first is the only one considered. */
    EXPECT(t, be, "GET", "h", "/d", "x-dup: first\r\n", "d");
    /* Repeated request field: the first one decides. */
    EXPECT(t, be, "GET", "h", "/v", "X-V: Value\r\nX-V: other\r\n", "v");
    EXPECT(t, be, "GET", "h", "/v", "X-V: other\r\nX-V: Value\r\n", NULL);
    /* Values are case-sensitive. */
    EXPECT(t, be, "GET", "h", "/v", "X-V: value\r\n", NULL);
    gw_table_free(t);
}

static void
methods(void **state)
{
    static const struct gw_match_def m[] = {{.method = HTTP_METHOD_GET}};
    static const struct gw_rule_def rules[] = {RULE(m)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);
    struct gw_result r;

    (void)state;
    assert_true(test_lookup(t, "GET", "h", "/", NULL, &r));
    assert_false(test_lookup(t, "get", "h", "/", NULL, &r));
    assert_false(test_lookup(t, "HEAD", "h", "/", NULL, &r));
    assert_false(test_lookup(t, "PROPFIND", "h", "/", NULL, &r));
    gw_table_free(t);
}

static void
host_fallback_option(void **state)
{
    static const char *const exact[] = {"api.example.com"};
    static const char *const wild[] = {"*.example.com"};
    static const struct gw_match_def v1[] = {{.path = "/v1"}};
    static const struct gw_match_def any[] = {{.path = "/"}};
    static const struct gw_rule_def r0[] = {RULE(v1)}, r1[] = {RULE(any)};
    static const struct gw_route_def routes[] = {
        {"ns", "specific", 0, LIST(exact), LIST(r0)},
        {"ns", "wildcard", 0, LIST(wild), LIST(r1)},
        {"ns", "catch-all", 0, NULL, 0, LIST(r1)},
    };
    static const char *const b0[] = {"specific"}, *const b1[] = {"wildcard"}, *const b2[] = {"all"};
    static const char *const *const be[] = {b0, b1, b2};
    struct gw_table_options opt = {.host_fallback = true};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "api.example.com", "/v1", NULL, "specific");
    EXPECT(t, be, "GET", "api.example.com", "/other", NULL, NULL);
    EXPECT(t, be, "GET", "www.example.com", "/other", NULL, "wildcard");
    EXPECT(t, be, "GET", "www.example.org", "/other", NULL, "all");
    EXPECT(t, be, "GET", NULL, "/other", NULL, "all");
    gw_table_free(t);
    t = gw_table_build(&opt, routes, N(routes), NULL);
    assert_non_null(t);
    EXPECT(t, be, "GET", "api.example.com", "/v1", NULL, "specific");
    EXPECT(t, be, "GET", "api.example.com", "/other", NULL, "wildcard");
    gw_table_free(t);
}

static void
empty_and_ruleless(void **state)
{
    static const struct gw_route_def routes[] = {{"ns", "no-rules", 0, NULL, 0, NULL, 0}};
    struct gw_route_status st[1];
    struct gw_table *t;
    struct gw_result r;

    (void)state;
    t = test_build(NULL, NULL, 0, NULL);
    assert_false(test_lookup(t, "GET", "h", "/", NULL, &r));
    gw_table_free(t);
    t = test_build(NULL, routes, 1, st);
    assert_true(st[0].attached);
    assert_false(test_lookup(t, "GET", "h", "/", NULL, &r));
    gw_table_free(t);
    gw_table_free(NULL);
}

/* Many threads, one table: every thread sees what a single thread sees. */
struct thread_arg {
    const struct gw_table *t;
    unsigned mismatches;
};

static const char *const thread_targets[] = {"/api/v1/users", "/api/v2", "/static/x.css", "/",
                                             "/api/v1",       "/nope"};

static void *
thread_main(void *p)
{
    struct thread_arg *a = p;
    struct gw_scratch *s = gw_scratch_new();
    static const uint32_t want[] = {0, 1, 2, 3, 0, 3};

    for (int i = 0; i < 20000; i++) {
        size_t k = (size_t)i % N(thread_targets);
        const char *target = thread_targets[k];
        const char *q = strchr(target, '?');
        struct gw_request r = {.host = "h",
                               .host_len = 1,
                               .path = target,
                               .path_len = q ? (size_t)(q - target) : strlen(target),
                               .method = HTTP_METHOD_GET};
        struct gw_result res;
        if (!gw_table_lookup(a->t, s, &r, &res) || res.rule != want[k])
            a->mismatches++;
    }
    gw_scratch_free(s);
    return NULL;
}

static void
threads_share_a_table(void **state)
{
    static const struct gw_match_def m0[] = {{.path_type = GW_PATH_REGEX, .path = "/api/v1(/.*)?"}};
    static const struct gw_match_def m1[] = {{.path = "/api"}};
    static const struct gw_match_def m2[] = {{.path = "/static"}};
    static const struct gw_match_def m3[] = {{.path = "/"}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3)};
    static const struct gw_route_def routes[] = {{"ns", "r", 0, NULL, 0, LIST(rules)}};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);
    struct thread_arg args[4];
    pthread_t th[4];

    (void)state;
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){t, 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].mismatches, 0);
    }
    gw_table_free(t);
}

const struct CMUnitTest test_match[] = {
    cmocka_unit_test(hostname_intersection_table),
    cmocka_unit_test(host_forms),
    cmocka_unit_test(prefix_segments),
    cmocka_unit_test(deep_paths),
    cmocka_unit_test(tie_breakers),
    cmocka_unit_test(precedence_order),
    cmocka_unit_test(regular_expressions),
    cmocka_unit_test(regex_prefilter_keeps_semantics),
    cmocka_unit_test(query_and_header_corners),
    cmocka_unit_test(methods),
    cmocka_unit_test(host_fallback_option),
    cmocka_unit_test(empty_and_ruleless),
    cmocka_unit_test(threads_share_a_table),
};
const size_t test_match_count = sizeof(test_match) / sizeof(test_match[0]);

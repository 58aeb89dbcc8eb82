/*
 * The Gateway API HTTPRoute conformance tests about matching (digest
 * kuadrant-gateway.md 1.11, items 5 to 15), on the matcher alone: the same
 * routes, the same requests, the same expected backend (or 404). Route and
 * request data follow kubernetes-sigs/gateway-api conformance/tests/ (the YAML manifests
 * and the Go test files); "v1" stands for infra-backend-v1.
 */
#include <string.h>

#include "tests.h"

/* Item 5: HTTPRouteExactPathMatching. */
static void
exact_path_matching(void **state)
{
    static const struct gw_match_def one[] = {{.path_type = GW_PATH_EXACT, .path = "/one"}};
    static const struct gw_match_def two[] = {{.path_type = GW_PATH_EXACT, .path = "/two"}};
    static const struct gw_rule_def rules[] = {RULE(one), RULE(two)};
    static const struct gw_route_def routes[] = {{NS, "exact-matching", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "gw", "/one", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/two", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/one/example", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/two/", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/Two", NULL, NULL);
    gw_table_free(t);
}

/* Item 6: HTTPRouteMatching (path prefix segments, header alternatives). */
static const struct gw_kv_match version_one[] = {{GW_VALUE_EXACT, "version", "one"}};
static const struct gw_kv_match version_two[] = {{GW_VALUE_EXACT, "version", "two"}};
static const struct gw_kv_match version_three[] = {{GW_VALUE_EXACT, "version", "three"}};
static const struct gw_kv_match version_four[] = {{GW_VALUE_EXACT, "version", "four"}};

static const struct gw_match_def m_root_or_one[] = {
    {.path = "/"},
    {.headers = version_one, .n_headers = 1},
};
static const struct gw_match_def m_v2_or_two[] = {
    {.path = "/v2"},
    {.headers = version_two, .n_headers = 1},
};

static void
matching(void **state)
{
    static const struct gw_rule_def rules[] = {RULE(m_root_or_one), RULE(m_v2_or_two)};
    static const struct gw_route_def routes[] = {{NS, "matching", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "gw", "/", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/example", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/", "version: one\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/v2", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/v2/", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/v2/example", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/", "version: two\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/v2example", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/foo/v2/example", NULL, "v1");
    gw_table_free(t);
}

/* Item 7: HTTPRoutePathMatchOrder. */
static void
path_match_order(void **state)
{
    static const struct gw_match_def e1[] = {{.path_type = GW_PATH_EXACT, .path = "/match"}};
    static const struct gw_match_def e2[] = {{.path_type = GW_PATH_EXACT, .path = "/match/exact"}};
    static const struct gw_match_def e3[] = {
        {.path_type = GW_PATH_EXACT, .path = "/match/exact/one"}};
    static const struct gw_match_def p1[] = {{.path = "/match/"}};
    static const struct gw_match_def p2[] = {{.path = "/match/prefix/"}};
    static const struct gw_match_def p3[] = {{.path = "/match/prefix/one"}};
    static const struct gw_rule_def rules[] = {RULE(e1), RULE(e2), RULE(e3),
                                               RULE(p1), RULE(p2), RULE(p3)};
    static const struct gw_route_def routes[] = {
        {NS, "path-matching-order", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2", "v3", "v3", "v1", "v2"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "gw", "/match/exact/one", NULL, "v3");
    EXPECT(t, be, "GET", "gw", "/match/exact", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/match", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/match/prefix/one/any", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/match/prefix/any", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/match/any", NULL, "v3");
    gw_table_free(t);
}

/* Item 8: HTTPRouteMatchingAcrossRoutes. */
static void
matching_across_routes(void **state)
{
    static const char *const h1[] = {"example.com", "example.net"};
    static const char *const h2[] = {"example.com"};
    static const struct gw_rule_def r1[] = {RULE(m_root_or_one)};
    static const struct gw_rule_def r2[] = {RULE(m_v2_or_two)};
    static const struct gw_route_def routes[] = {
        {NS, "matching-part1", 0, h1, N(h1), LIST(r1)},
        {NS, "matching-part2", 0, h2, N(h2), LIST(r2)},
    };
    static const char *const b0[] = {"v1"}, *const b1[] = {"v2"};
    static const char *const *const be[] = {b0, b1};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "example.com", "/", NULL, "v1");
    EXPECT(t, be, "GET", "example.com", "/example", NULL, "v1");
    EXPECT(t, be, "GET", "example.net", "/example", NULL, "v1");
    EXPECT(t, be, "GET", "example.com", "/example", "Version: one\r\n", "v1");
    EXPECT(t, be, "GET", "example.com", "/v2", NULL, "v2");
    EXPECT(t, be, "GET", "example.net", "/v2", NULL, "v1");
    EXPECT(t, be, "GET", "example.com", "/v2/example", NULL, "v2");
    EXPECT(t, be, "GET", "example.com", "/", "Version: two\r\n", "v2");
    gw_table_free(t);
}

/* Item 9: HTTPRouteHeaderMatching. */
static void
header_matching(void **state)
{
    static const struct gw_kv_match two_orange[] = {{GW_VALUE_EXACT, "version", "two"},
                                                    {GW_VALUE_EXACT, "color", "orange"}};
    static const struct gw_kv_match blue[] = {{GW_VALUE_EXACT, "color", "blue"}};
    static const struct gw_kv_match green[] = {{GW_VALUE_EXACT, "color", "green"}};
    static const struct gw_kv_match red[] = {{GW_VALUE_EXACT, "color", "red"}};
    static const struct gw_kv_match yellow[] = {{GW_VALUE_EXACT, "color", "yellow"}};
    static const struct gw_match_def m0[] = {{.headers = version_one, .n_headers = 1}};
    static const struct gw_match_def m1[] = {{.headers = version_two, .n_headers = 1}};
    static const struct gw_match_def m2[] = {{.headers = two_orange, .n_headers = 2}};
    static const struct gw_match_def m3[] = {{.headers = blue, .n_headers = 1},
                                             {.headers = green, .n_headers = 1}};
    static const struct gw_match_def m4[] = {{.headers = red, .n_headers = 1},
                                             {.headers = yellow, .n_headers = 1}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3), RULE(m4)};
    static const struct gw_route_def routes[] = {{NS, "header-matching", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2", "v1", "v1", "v2"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "gw", "/", "Version: one\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/", "Version: two\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/", "Version: two\r\nColor: orange\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/", "Version: two\r\nColor: blue\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/", "Color: orange\r\n", NULL);
    EXPECT(t, be, "GET", "gw", "/", "Some-Other-Header: one\r\n", NULL);
    EXPECT(t, be, "GET", "gw", "/", "Color: blue\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/", "Color: green\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/", "Color: red\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/", "Color: yellow\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/", "Color: purple\r\n", NULL);
    gw_table_free(t);
}

/* Item 10: HTTPRouteQueryParamMatching, with its combination and precedence cases. */
static void
query_param_matching(void **state)
{
    static const struct gw_kv_match whale[] = {{GW_VALUE_EXACT, "animal", "whale"}};
    static const struct gw_kv_match dolphin[] = {{GW_VALUE_EXACT, "animal", "dolphin"}};
    static const struct gw_kv_match dolphin_blue[] = {{GW_VALUE_EXACT, "animal", "dolphin"},
                                                      {GW_VALUE_EXACT, "color", "blue"}};
    static const struct gw_kv_match big_whale[] = {{GW_VALUE_EXACT, "ANIMAL", "Whale"}};
    static const struct gw_kv_match shark[] = {{GW_VALUE_EXACT, "animal", "shark"}};
    static const struct gw_kv_match kraken[] = {{GW_VALUE_EXACT, "animal", "kraken"}};
    static const struct gw_kv_match hydra[] = {{GW_VALUE_EXACT, "animal", "hydra"}};
    static const struct gw_match_def m0[] = {{.queries = whale, .n_queries = 1}};
    static const struct gw_match_def m1[] = {{.queries = dolphin, .n_queries = 1}};
    static const struct gw_match_def m2[] = {{.queries = dolphin_blue, .n_queries = 2},
                                             {.queries = big_whale, .n_queries = 1}};
    static const struct gw_match_def m3[] = {{.path = "/path1", .queries = whale, .n_queries = 1}};
    static const struct gw_match_def m4[] = {
        {.headers = version_one, .n_headers = 1, .queries = whale, .n_queries = 1}};
    static const struct gw_match_def m5[] = {{.path = "/path2",
                                              .headers = version_two,
                                              .n_headers = 1,
                                              .queries = whale,
                                              .n_queries = 1}};
    static const struct gw_match_def m6[] = {{.path = "/path3", .queries = shark, .n_queries = 1},
                                             {.path = "/path4",
                                              .headers = version_three,
                                              .n_headers = 1,
                                              .queries = kraken,
                                              .n_queries = 1}};
    static const struct gw_match_def m7[] = {{.path = "/path5"}};
    static const struct gw_match_def m8[] = {{.queries = hydra, .n_queries = 1}};
    static const struct gw_match_def m9[] = {{.headers = version_four, .n_headers = 1}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3), RULE(m4),
                                               RULE(m5), RULE(m6), RULE(m7), RULE(m8), RULE(m9)};
    static const struct gw_route_def routes[] = {
        {NS, "query-param-matching", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2", "v3", "v1", "v2", "v3", "v1", "v1", "v2", "v3"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "GET", "gw", "/?animal=whale", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/?animal=dolphin", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/?animal=dolphin&color=blue", NULL, "v3");
    EXPECT(t, be, "GET", "gw", "/?ANIMAL=Whale", NULL, "v3");
    EXPECT(t, be, "GET", "gw", "/?animal=whale&otherparam=irrelevant", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/?animal=dolphin&color=yellow", NULL, "v2");
    EXPECT(t, be, "GET", "gw", "/?color=blue", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/?animal=dog", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/?animal=whaledolphin", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/path1?animal=whale", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/?animal=whale", "version: one\r\n", "v2");
    EXPECT(t, be, "GET", "gw", "/path2?animal=whale", "version: two\r\n", "v3");
    EXPECT(t, be, "GET", "gw", "/path3?animal=shark", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/path4?animal=kraken", "version: three\r\n", "v1");
    EXPECT(t, be, "GET", "gw", "/?animal=shark", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/path4?animal=kraken", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/path5?animal=hydra", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/?animal=hydra", "version: four\r\n", "v3");
    gw_table_free(t);
}

/* Item 11: HTTPRouteMethodMatching, with its combination and precedence cases. */
static void
method_matching(void **state)
{
    static const struct gw_match_def m0[] = {{.method = HTTP_METHOD_POST}};
    static const struct gw_match_def m1[] = {{.method = HTTP_METHOD_GET}};
    static const struct gw_match_def m2[] = {{.path = "/path1", .method = HTTP_METHOD_GET}};
    static const struct gw_match_def m3[] = {
        {.headers = version_one, .n_headers = 1, .method = HTTP_METHOD_PUT}};
    static const struct gw_match_def m4[] = {
        {.path = "/path2", .headers = version_two, .n_headers = 1, .method = HTTP_METHOD_POST}};
    static const struct gw_match_def m5[] = {
        {.path = "/path3", .method = HTTP_METHOD_PATCH},
        {.path = "/path4", .headers = version_three, .n_headers = 1, .method = HTTP_METHOD_DELETE}};
    static const struct gw_match_def m6[] = {{.path = "/path5"}};
    static const struct gw_match_def m7[] = {{.method = HTTP_METHOD_PATCH}};
    static const struct gw_match_def m8[] = {{.headers = version_four, .n_headers = 1}};
    static const struct gw_rule_def rules[] = {RULE(m0), RULE(m1), RULE(m2), RULE(m3), RULE(m4),
                                               RULE(m5), RULE(m6), RULE(m7), RULE(m8)};
    static const struct gw_route_def routes[] = {{NS, "method-matching", 0, NULL, 0, LIST(rules)}};
    static const char *const b0[] = {"v1", "v2", "v1", "v2", "v3", "v1", "v1", "v2", "v3"};
    static const char *const *const be[] = {b0};
    struct gw_table *t = test_build(NULL, routes, N(routes), NULL);

    (void)state;
    EXPECT(t, be, "POST", "gw", "/", NULL, "v1");
    EXPECT(t, be, "GET", "gw", "/", NULL, "v2");
    EXPECT(t, be, "HEAD", "gw", "/", NULL, NULL);
    EXPECT(t, be, "GET", "gw", "/path1", NULL, "v1");
    EXPECT(t, be, "PUT", "gw", "/", "version: one\r\n", "v2");
    EXPECT(t, be, "POST", "gw", "/path2", "version: two\r\n", "v3");
    EXPECT(t, be, "PATCH", "gw", "/path3", NULL, "v1");
    EXPECT(t, be, "DELETE", "gw", "/path4", "version: three\r\n", "v1");
    EXPECT(t, be, "PUT", "gw", "/", NULL, NULL);
    EXPECT(t, be, "DELETE", "gw", "/path4", NULL, NULL);
    /* Precedence: path beats method, method beats headers. */
    EXPECT(t, be, "PATCH", "gw", "/path5", NULL, "v1");
    EXPECT(t, be, "PATCH", "gw", "/", "version: four\r\n", "v2");
    gw_table_free(t);
}

/*
 * A port's listeners and one table per listener. attach[r] is the bitmask
 * of the listeners route r attaches to (the plan's parentRef resolution);
 * elsewhere the route is given without rules, so route indices stay those of
 * the routes array.
 */
struct port {
    struct gw_listeners *ls;
    struct gw_table *t[8];
    size_t n;
};

static void
port_build(struct port *p, const char *const *lh, size_t nl, const struct gw_route_def *routes,
           size_t nr, const unsigned *attach, struct gw_route_status st[][8])
{
    struct gw_route_def copy[8];

    assert_true(nr <= 8 && nl <= 8);
    p->ls = gw_listeners_build(lh, nl);
    assert_non_null(p->ls);
    p->n = nl;
    for (size_t l = 0; l < nl; l++) {
        struct gw_route_status tmp[8];
        for (size_t r = 0; r < nr; r++) {
            copy[r] = routes[r];
            if (attach != NULL && !(attach[r] & (1u << l)))
                copy[r].n_rules = 0;
        }
        p->t[l] = test_build(lh[l], copy, nr, st != NULL ? st[l] : tmp);
    }
}

static void
port_free(struct port *p)
{
    for (size_t l = 0; l < p->n; l++)
        gw_table_free(p->t[l]);
    gw_listeners_free(p->ls);
}

static void
expect_port(const struct port *p, const char *const *const *be, const char *host, const char *path,
            const char *want, int line)
{
    int l = p->ls != NULL ? gw_listeners_select(p->ls, host, strlen(host)) : -1;

    if (l < 0) {
        if (want != NULL)
            fail_msg("line %d: %s%s: no listener, want %s", line, host, path, want);
        return;
    }
    test_expect(p->t[l], be, "GET", host, path, NULL, want, line);
}

#define EXPECT_PORT(p, be, h, path, want) expect_port(p, be, h, path, want, __LINE__)

/* Item 12: HTTPRouteHostnameIntersection. */
static void
hostname_intersection(void **state)
{
    static const char *const lh[] = {"very.specific.com", "*.wildcard.io", "*.anotherwildcard.io"};
    static const char *const h0[] = {"non.matching.com", "*.nonmatchingwildcard.io",
                                     "very.specific.com"};
    static const char *const h1[] = {"non.matching.com", "wildcard.io", "foo.wildcard.io",
                                     "bar.wildcard.io", "foo.bar.wildcard.io"};
    static const char *const h2[] = {"non.matching.com", "*.specific.com"};
    static const char *const h3[] = {"*.anotherwildcard.io"};
    static const char *const h4[] = {"specific.but.wrong.com", "wildcard.io"};
    static const struct gw_match_def s1[] = {{.path = "/s1"}}, s2[] = {{.path = "/s2"}},
                                     s3[] = {{.path = "/s3"}}, s4[] = {{.path = "/s4"}},
                                     s5[] = {{.path = "/s5"}};
    static const struct gw_rule_def r1[] = {RULE(s1)}, r2[] = {RULE(s2)}, r3[] = {RULE(s3)},
                                    r4[] = {RULE(s4)}, r5[] = {RULE(s5)};
    static const struct gw_route_def routes[] = {
        {NS, "specific-host-matches-listener-specific-host", 0, LIST(h0), LIST(r1)},
        {NS, "specific-host-matches-listener-wildcard-host", 0, LIST(h1), LIST(r2)},
        {NS, "wildcard-host-matches-listener-specific-host", 0, LIST(h2), LIST(r3)},
        {NS, "wildcard-host-matches-listener-wildcard-host", 0, LIST(h3), LIST(r4)},
        {NS, "no-intersecting-hosts", 0, LIST(h4), LIST(r5)},
    };
    static const char *const b0[] = {"v1"}, *const b1[] = {"v2"}, *const b2[] = {"v3"},
                             *const b3[] = {"v1"}, *const b4[] = {"v2"};
    static const char *const *const be[] = {b0, b1, b2, b3, b4};
    static const unsigned want_attached[] = {2, 1, 1};
    struct gw_route_status st[8][8];
    struct port p;

    (void)state;
    port_build(&p, lh, N(lh), routes, N(routes), NULL, st);
    /* attachedRoutes counts only the routes a listener accepted. */
    for (size_t l = 0; l < N(lh); l++) {
        unsigned n = 0;
        for (size_t r = 0; r < N(routes); r++)
            n += st[l][r].attached;
        assert_int_equal(n, want_attached[l]);
    }
    for (size_t l = 0; l < N(lh); l++) {
        assert_false(st[l][4].attached);
        assert_string_equal(st[l][4].reason, "NoMatchingListenerHostname");
    }
    EXPECT_PORT(&p, be, "very.specific.com", "/s1", "v1");
    EXPECT_PORT(&p, be, "very.specific.com:1234", "/s1", "v1");
    EXPECT_PORT(&p, be, "non.matching.com", "/s1", NULL);
    EXPECT_PORT(&p, be, "foo.nonmatchingwildcard.io", "/s1", NULL);
    EXPECT_PORT(&p, be, "foo.wildcard.io", "/s1", NULL);
    EXPECT_PORT(&p, be, "very.specific.com", "/non-matching-prefix", NULL);
    EXPECT_PORT(&p, be, "foo.wildcard.io", "/s2", "v2");
    EXPECT_PORT(&p, be, "bar.wildcard.io", "/s2", "v2");
    EXPECT_PORT(&p, be, "foo.bar.wildcard.io", "/s2", "v2");
    EXPECT_PORT(&p, be, "non.matching.com", "/s2", NULL);
    EXPECT_PORT(&p, be, "wildcard.io", "/s2", NULL);
    EXPECT_PORT(&p, be, "very.specific.com", "/s2", NULL);
    EXPECT_PORT(&p, be, "foo.wildcard.io", "/non-matching-prefix", NULL);
    EXPECT_PORT(&p, be, "very.specific.com", "/s3", "v3");
    EXPECT_PORT(&p, be, "non.matching.com", "/s3", NULL);
    EXPECT_PORT(&p, be, "foo.specific.com", "/s3", NULL);
    EXPECT_PORT(&p, be, "foo.wildcard.io", "/s3", NULL);
    EXPECT_PORT(&p, be, "very.specific.com", "/non-matching-prefix", NULL);
    EXPECT_PORT(&p, be, "foo.anotherwildcard.io", "/s4", "v1");
    EXPECT_PORT(&p, be, "bar.anotherwildcard.io", "/s4", "v1");
    EXPECT_PORT(&p, be, "foo.bar.anotherwildcard.io", "/s4", "v1");
    EXPECT_PORT(&p, be, "anotherwildcard.io", "/s4", NULL);
    EXPECT_PORT(&p, be, "foo.wildcard.io", "/s4", NULL);
    EXPECT_PORT(&p, be, "very.specific.com", "/s4", NULL);
    EXPECT_PORT(&p, be, "foo.anotherwildcard.io", "/non-matching-prefix", NULL);
    EXPECT_PORT(&p, be, "specific.but.wrong.com", "/s5", NULL);
    EXPECT_PORT(&p, be, "wildcard.io", "/s5", NULL);
    port_free(&p);
}

/*
 * Item 12, second gateway: a listener without hostname serves a route's own
 * hostnames only. (The route's hostnames are reconstructed from the test's
 * requests: the manifest was not in the snapshot read.)
 */
static void
hostname_intersection_all(void **state)
{
    static const char *const lh[] = {NULL};
    static const char *const h[] = {"first.com", "*.first.com", "second.com", "*.second.com"};
    static const struct gw_rule_def rules[] = {{NULL, 0}};
    static const struct gw_route_def routes[] = {
        {NS, "httproute-hostname-intersection-all", 0, LIST(h), LIST(rules)}};
    static const char *const b0[] = {"v2"};
    static const char *const *const be[] = {b0};
    struct port p;

    (void)state;
    port_build(&p, lh, N(lh), routes, N(routes), NULL, NULL);
    EXPECT_PORT(&p, be, "first.com", "/", "v2");
    EXPECT_PORT(&p, be, "sub.first.com", "/", "v2");
    EXPECT_PORT(&p, be, "second.com", "/", "v2");
    EXPECT_PORT(&p, be, "sub.second.com", "/", "v2");
    EXPECT_PORT(&p, be, "third.com", "/", NULL);
    EXPECT_PORT(&p, be, "sub.third.com", "/", NULL);
    port_free(&p);
}

/* Item 13: HTTPRouteListenerHostnameMatching (routes attach by sectionName). */
static void
listener_hostname_matching(void **state)
{
    static const char *const lh[] = {"bar.com", "foo.bar.com", "*.bar.com", "*.foo.com"};
    static const struct gw_rule_def rules[] = {{NULL, 0}};
    static const struct gw_route_def routes[] = {
        {NS, "backend-v1", 0, NULL, 0, LIST(rules)},
        {NS, "backend-v2", 0, NULL, 0, LIST(rules)},
        {NS, "backend-v3", 0, NULL, 0, LIST(rules)},
    };
    static const unsigned attach[] = {1u << 0, 1u << 1, 1u << 2 | 1u << 3};
    static const char *const b0[] = {"v1"}, *const b1[] = {"v2"}, *const b2[] = {"v3"};
    static const char *const *const be[] = {b0, b1, b2};
    struct port p;

    (void)state;
    port_build(&p, lh, N(lh), routes, N(routes), attach, NULL);
    EXPECT_PORT(&p, be, "bar.com", "/", "v1");
    EXPECT_PORT(&p, be, "foo.bar.com", "/", "v2");
    EXPECT_PORT(&p, be, "baz.bar.com", "/", "v3");
    EXPECT_PORT(&p, be, "boo.bar.com", "/", "v3");
    EXPECT_PORT(&p, be, "multiple.prefixes.bar.com", "/", "v3");
    EXPECT_PORT(&p, be, "multiple.prefixes.foo.com", "/", "v3");
    EXPECT_PORT(&p, be, "foo.com", "/", NULL);
    EXPECT_PORT(&p, be, "no.matching.host", "/", NULL);
    port_free(&p);
}

/* Item 14: HTTPRouteListenerPortMatching: parentRef port (and sectionName) pick listeners. */
static void
listener_port_matching(void **state)
{
    static const char *const l80[] = {"foo.com"};
    static const char *const l8080[] = {"foo.com", "bar.com"};
    static const char *const l8090[] = {"foo.com", "bar.com"};
    static const struct gw_rule_def rules[] = {{NULL, 0}};
    static const struct gw_route_def routes[] = {
        {NS, "backend-v1", 0, NULL, 0, LIST(rules)},
        {NS, "backend-v2", 0, NULL, 0, LIST(rules)},
        {NS, "backend-v3", 0, NULL, 0, LIST(rules)},
    };
    static const unsigned at80[] = {1, 0, 0}, at8080[] = {0, 3, 0}, at8090[] = {0, 0, 1};
    static const char *const b0[] = {"v1"}, *const b1[] = {"v2"}, *const b2[] = {"v3"};
    static const char *const *const be[] = {b0, b1, b2};
    struct port p80, p8080, p8090;

    (void)state;
    port_build(&p80, l80, N(l80), routes, N(routes), at80, NULL);
    port_build(&p8080, l8080, N(l8080), routes, N(routes), at8080, NULL);
    port_build(&p8090, l8090, N(l8090), routes, N(routes), at8090, NULL);
    EXPECT_PORT(&p80, be, "foo.com", "/", "v1");
    EXPECT_PORT(&p80, be, "bar.com", "/", NULL);
    EXPECT_PORT(&p8080, be, "foo.com:8080", "/", "v2");
    EXPECT_PORT(&p8080, be, "bar.com:8080", "/", "v2");
    EXPECT_PORT(&p8090, be, "foo.com:8090", "/", "v3");
    EXPECT_PORT(&p8090, be, "bar.com:8090", "/", NULL);
    port_free(&p80);
    port_free(&p8080);
    port_free(&p8090);
}

/* Item 15: GatewayHTTPListenerIsolation, without and with route hostnames. */
static void
isolation_requests(const struct port *p, const char *const *const *be)
{
    static const char *const hosts[] = {"bar.com", "bar.example.com", "bar.foo.example.com",
                                        "abc.foo.example.com"};
    static const char *const paths[] = {"/empty-hostname", "/wildcard-example-com",
                                        "/wildcard-foo-example-com", "/abc-foo-example-com"};

    /* Only the listener matching the host most specifically serves: its own path. */
    for (size_t h = 0; h < N(hosts); h++)
        for (size_t k = 0; k < N(paths); k++)
            expect_port(p, be, hosts[h], paths[k], h == k ? "v1" : NULL, __LINE__);
}

static void
listener_isolation(void **state)
{
    static const char *const lh[] = {NULL, "*.example.com", "*.foo.example.com",
                                     "abc.foo.example.com"};
    static const char *const hs[] = {"bar.com", "*.example.com", "*.foo.example.com",
                                     "abc.foo.example.com"};
    static const struct gw_match_def m0[] = {{.path = "/empty-hostname"}},
                                     m1[] = {{.path = "/wildcard-example-com"}},
                                     m2[] = {{.path = "/wildcard-foo-example-com"}},
                                     m3[] = {{.path = "/abc-foo-example-com"}};
    static const struct gw_rule_def r0[] = {RULE(m0)}, r1[] = {RULE(m1)}, r2[] = {RULE(m2)},
                                    r3[] = {RULE(m3)};
    static const struct gw_route_def plain[] = {
        {NS, "attaches-to-empty-hostname", 0, NULL, 0, LIST(r0)},
        {NS, "attaches-to-wildcard-example-com", 0, NULL, 0, LIST(r1)},
        {NS, "attaches-to-wildcard-foo-example-com", 0, NULL, 0, LIST(r2)},
        {NS, "attaches-to-abc-foo-example-com", 0, NULL, 0, LIST(r3)},
    };
    static const struct gw_route_def named[] = {
        {NS, "attaches-to-empty-hostname-with-hostname-intersection", 0, LIST(hs), LIST(r0)},
        {NS, "attaches-to-wildcard-example-com-with-hostname-intersection", 0, LIST(hs), LIST(r1)},
        {NS, "attaches-to-wildcard-foo-example-com-with-hostname-intersection", 0, LIST(hs),
         LIST(r2)},
        {NS, "attaches-to-abc-foo-example-com-with-hostname-intersection", 0, LIST(hs), LIST(r3)},
    };
    static const unsigned attach[] = {1, 2, 4, 8};
    static const char *const b[] = {"v1"};
    static const char *const *const be[] = {b, b, b, b};
    struct port p;

    (void)state;
    port_build(&p, lh, N(lh), plain, N(plain), attach, NULL);
    isolation_requests(&p, be);
    port_free(&p);
    port_build(&p, lh, N(lh), named, N(named), attach, NULL);
    isolation_requests(&p, be);
    port_free(&p);
}

const struct CMUnitTest test_conformance[] = {
    cmocka_unit_test(exact_path_matching),       cmocka_unit_test(matching),
    cmocka_unit_test(path_match_order),          cmocka_unit_test(matching_across_routes),
    cmocka_unit_test(header_matching),           cmocka_unit_test(query_param_matching),
    cmocka_unit_test(method_matching),           cmocka_unit_test(hostname_intersection),
    cmocka_unit_test(hostname_intersection_all), cmocka_unit_test(listener_hostname_matching),
    cmocka_unit_test(listener_port_matching),    cmocka_unit_test(listener_isolation),
};
const size_t test_conformance_count = sizeof(test_conformance) / sizeof(test_conformance[0]);

#include <stdio.h>
#include <string.h>

#include "tests.h"

bool
test_lookup(const struct gw_table *t, const char *method, const char *host, const char *target,
            const char *headers, struct gw_result *out)
{
    static struct http_field fields[64];
    char raw[2048];
    struct http_limits lim;
    struct http_parser p;
    struct gw_request r;
    struct gw_scratch *s;
    bool found;
    int n;

    n = snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\n%s%s%s%s\r\n", method, target,
                 host ? "Host: " : "", host ? host : "", host ? "\r\n" : "",
                 headers ? headers : "");
    assert_true(n > 0 && (size_t)n < sizeof(raw));
    http_limits_default(&lim);
    http_parser_init(&p, HTTP_REQUEST, &lim, fields, 64);
    if (http_parse(&p, raw, (size_t)n) != HTTP_DONE &&
        !(host == NULL && p.error == HTTP_ERR_HOST_MISSING))
        fail_msg("test request refused: %s", http_error_name(p.error));
    gw_request_from_http(&r, &p.msg, raw);
    s = gw_scratch_new();
    assert_non_null(s);
    found = gw_table_lookup(t, s, &r, out);
    gw_scratch_free(s);
    return found;
}

void
test_expect(const struct gw_table *t, const char *const *const *backends, const char *method,
            const char *host, const char *target, const char *headers, const char *want, int line)
{
    struct gw_result res;
    bool found = test_lookup(t, method, host, target, headers, &res);
    const char *got = found ? backends[res.route][res.rule] : NULL;

    if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0))
        fail_msg("line %d: %s %s%s %s: got %s (route %d rule %d), want %s", line, method,
                 host ? host : "", target, headers ? "(+headers)" : "", got ? got : "404",
                 found ? (int)res.route : -1, found ? (int)res.rule : -1, want ? want : "404");
}

struct gw_table *
test_build(const char *lh, const struct gw_route_def *routes, size_t n, struct gw_route_status *st)
{
    struct gw_table_options opt = {.hostname = lh};
    struct gw_table *t = gw_table_build(&opt, routes, n, st);

    assert_non_null(t);
    return t;
}

#ifndef METALGATE_TEST_GATEWAY_H
#define METALGATE_TEST_GATEWAY_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gateway/match.h"

extern const struct CMUnitTest test_conformance[];
extern const size_t test_conformance_count;
extern const struct CMUnitTest test_match[];
extern const size_t test_match_count;

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RULE(m)                                                                                    \
    {                                                                                              \
        m, N(m)                                                                                    \
    }
#define LIST(a) a, N(a)
#define NS "gateway-conformance-infra"

/*
 * Builds the request "METHOD target HTTP/1.1" with Host host (omitted when
 * NULL) and the extra header lines in headers ("Name: value\r\n"...), parses
 * it with src/http, and looks it up. Returns whether a rule matched.
 */
bool test_lookup(const struct gw_table *t, const char *method, const char *host, const char *target,
                 const char *headers, struct gw_result *out);

/*
 * Asserts that the request reaches backend want (NULL: 404), where
 * backends[route][rule] names each rule's backend.
 */
void test_expect(const struct gw_table *t, const char *const *const *backends, const char *method,
                 const char *host, const char *target, const char *headers, const char *want,
                 int line);

#define EXPECT(t, b, m, h, tg, hd, want) test_expect(t, b, m, h, tg, hd, want, __LINE__)

/* Builds a table for listener hostname lh; fails the test on NULL. */
struct gw_table *test_build(const char *lh, const struct gw_route_def *routes, size_t n,
                            struct gw_route_status *st);

#endif

#ifndef METALGATE_TEST_HTTP_H
#define METALGATE_TEST_HTTP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/http.h"

extern const struct CMUnitTest test_parse[];
extern const size_t test_parse_count;
extern const struct CMUnitTest test_split[];
extern const size_t test_split_count;
extern const struct CMUnitTest test_body[];
extern const size_t test_body_count;
extern const struct CMUnitTest test_serialize[];
extern const size_t test_serialize_count;

/* Field storage large enough for every test message. */
#define TEST_FIELDS 128

/* Parses raw[0..len) in one call; returns the result. */
enum http_result test_parse_once(struct http_parser *p, enum http_kind kind,
                                 const struct http_limits *lim, struct http_field *fields,
                                 const char *raw, size_t len);

/* Value of the first field named name, as a NUL-terminated copy in out. */
const char *test_field(const struct http_msg *m, const char *buf, const char *name, char *out,
                       size_t cap);

#endif

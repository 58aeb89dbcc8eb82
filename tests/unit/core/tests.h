#ifndef METALGATE_TEST_CORE_H
#define METALGATE_TEST_CORE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

extern const struct CMUnitTest test_ipaddr[];
extern const size_t test_ipaddr_count;
extern const struct CMUnitTest test_evloop[];
extern const size_t test_evloop_count;
extern const struct CMUnitTest test_fileio[];
extern const size_t test_fileio_count;
extern const struct CMUnitTest test_arena[];
extern const size_t test_arena_count;
extern const struct CMUnitTest test_sort[];
extern const size_t test_sort_count;

#endif

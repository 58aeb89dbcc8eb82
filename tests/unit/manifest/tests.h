#ifndef METALGATE_TEST_MANIFEST_H
#define METALGATE_TEST_MANIFEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

extern const struct CMUnitTest test_yaml_tree[];
extern const size_t test_yaml_tree_count;
extern const struct CMUnitTest test_yaml_fast[];
extern const size_t test_yaml_fast_count;
extern const struct CMUnitTest test_schema[];
extern const size_t test_schema_count;
extern const struct CMUnitTest test_load[];
extern const size_t test_load_count;

#endif

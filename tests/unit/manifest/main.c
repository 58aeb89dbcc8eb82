#include "tests.h"

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("yaml_tree", test_yaml_tree, test_yaml_tree_count, NULL, NULL);
    failed += _cmocka_run_group_tests("yaml_fast", test_yaml_fast, test_yaml_fast_count, NULL, NULL);
    failed += _cmocka_run_group_tests("schema", test_schema, test_schema_count, NULL, NULL);
    failed += _cmocka_run_group_tests("load", test_load, test_load_count, NULL, NULL);
    return failed ? 1 : 0;
}

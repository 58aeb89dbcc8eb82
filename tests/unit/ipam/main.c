#include "tests.h"

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("runs", test_runs, test_runs_count, NULL, NULL);
    failed += _cmocka_run_group_tests("pools", test_pools, test_pools_count, NULL, NULL);
    failed += _cmocka_run_group_tests("requested", test_requested, test_requested_count, NULL, NULL);
    failed += _cmocka_run_group_tests("sharing", test_sharing, test_sharing_count, NULL, NULL);
    failed += _cmocka_run_group_tests("dual", test_dual, test_dual_count, NULL, NULL);
    failed += _cmocka_run_group_tests("svcalloc", test_svcalloc, test_svcalloc_count, NULL, NULL);
    failed += _cmocka_run_group_tests("state", test_state, test_state_count, NULL, NULL);
    failed += _cmocka_run_group_tests("property", test_property, test_property_count, NULL, NULL);
    return failed ? 1 : 0;
}

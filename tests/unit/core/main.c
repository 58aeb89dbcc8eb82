#include "tests.h"

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("ipaddr", test_ipaddr, test_ipaddr_count, NULL, NULL);
    failed += _cmocka_run_group_tests("arena", test_arena, test_arena_count, NULL, NULL);
    failed += _cmocka_run_group_tests("sort", test_sort, test_sort_count, NULL, NULL);
    failed += _cmocka_run_group_tests("fileio", test_fileio, test_fileio_count, NULL, NULL);
    failed += _cmocka_run_group_tests("evloop", test_evloop, test_evloop_count, NULL, NULL);
    return failed ? 1 : 0;
}

#include "tests.h"

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("conformance", test_conformance, test_conformance_count, NULL,
                                      NULL);
    failed += _cmocka_run_group_tests("match", test_match, test_match_count, NULL, NULL);
    return failed ? 1 : 0;
}

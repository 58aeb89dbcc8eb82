#include "tests.h"

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("bgp-codec", test_codec, test_codec_count, NULL, NULL);
    failed += _cmocka_run_group_tests("bgp-update", test_update, test_update_count, NULL, NULL);
    failed += test_faults_run();
    failed += test_fsm_run();
    failed += _cmocka_run_group_tests("bgp-adj-out", test_adj_out, test_adj_out_count, NULL, NULL);
    return failed ? 1 : 0;
}

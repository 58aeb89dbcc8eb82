#ifndef METALGATE_TEST_BGP_H
#define METALGATE_TEST_BGP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bgp/bgp.h"

extern const struct CMUnitTest test_codec[];
extern const size_t test_codec_count;
extern const struct CMUnitTest test_update[];
extern const size_t test_update_count;
extern const struct CMUnitTest test_fsm[];
extern const size_t test_fsm_count;
/* Runs the FSM table rows (one named test each) and test_fsm[]. */
int test_fsm_run(void);
extern const struct CMUnitTest test_adj_out[];
extern const size_t test_adj_out_count;

/* Runs one named cmocka test per decoder fault case (test_faults.c). */
int test_faults_run(void);

/* helpers.c */

/* Fails the test, showing both in hex, unless got equals want. */
void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len);

/* Writes a message of the given type with body into buf (the 19-byte
 * header in front); returns its length. */
size_t test_msg(uint8_t *buf, uint8_t type, const uint8_t *body, size_t body_len);

/* An UPDATE from its three fields. */
size_t test_update_msg(uint8_t *buf, const uint8_t *wd, size_t wd_len, const uint8_t *attrs,
                       size_t attrs_len, const uint8_t *nlri, size_t nlri_len);

/* A prefix from text ("10.0.0.1/32", "2001:db8::/48"). */
struct bgp_prefix test_prefix(const char *text);

#define MARKER                                                                                     \
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

#endif

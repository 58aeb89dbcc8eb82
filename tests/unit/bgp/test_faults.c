/*
 * Every NOTIFICATION code path of the decoder and the OPEN checks, one
 * named test per case. The expected outcome and code/subcode are written
 * here from the RFCs, independently of src/bgp/fault.c, so a wrong entry in
 * that table fails a test. A last test checks that every fault of
 * enum bgp_fault is exercised by some case.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

enum kind {
    RAW,        /* body is the whole message */
    MSG,        /* body gets a header of type `type` */
    OPEN_CHECK, /* an OPEN body, decoded, then checked against cfg_65001 */
};

struct fault_case {
    const char *name;
    enum kind kind;
    uint8_t type;
    const uint8_t *body;
    size_t body_len;
    bool ebgp, as2; /* session: eBGP; the peer is an OLD (2-octet) speaker */
    enum bgp_fault fault;
    enum bgp_outcome outcome;
    uint8_t code, subcode;
    const uint8_t *data; /* expected NOTIFICATION data, or NULL for none */
    size_t data_len;
};

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define D(...) B(__VA_ARGS__)
#define NODATA NULL, 0

/* Valid pieces of an UPDATE. */
#define ORIGIN 0x40, 0x01, 0x01, 0x00
#define AS_PATH 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9 /* SEQ(65001) */
#define NEXT_HOP 0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x02
#define NLRI 0x18, 0x0a, 0x01, 0x02 /* 10.1.2.0/24 */
/* Withdrawn length 0, attribute length n. */
#define HDR(n) 0x00, 0x00, 0x00, (n)
/* A valid UPDATE with one extra attribute of x bytes. */
#define WITH(x, ...) B(HDR(20 + (x)), ORIGIN, AS_PATH, NEXT_HOP, __VA_ARGS__, NLRI)

#define RESET BGP_OUTCOME_SESSION_RESET
#define TAW BGP_OUTCOME_TREAT_AS_WITHDRAW
#define DISCARD BGP_OUTCOME_ATTR_DISCARD

static const struct fault_case cases[] = {
    /* RFC 4271 6.1 */
    {"header: marker", RAW, 0,
     B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0x00, 0x13, 0x04),
     false, false, BGP_FAULT_HDR_MARKER, RESET, 1, 1, NODATA},
    {"header: length below 19", RAW, 0, B(MARKER, 0x00, 0x12, 0x04), false, false,
     BGP_FAULT_HDR_LENGTH, RESET, 1, 2, D(0x00, 0x12)},
    {"header: length above 4096", RAW, 0, B(MARKER, 0x10, 0x01, 0x02), false, false,
     BGP_FAULT_HDR_LENGTH, RESET, 1, 2, D(0x10, 0x01)},
    {"header: KEEPALIVE of 20 bytes", RAW, 0, B(MARKER, 0x00, 0x14, 0x04, 0x00), false, false,
     BGP_FAULT_HDR_LENGTH, RESET, 1, 2, D(0x00, 0x14)},
    {"header: OPEN shorter than 29", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02), false, false, BGP_FAULT_HDR_LENGTH,
     RESET, 1, 2, D(0x00, 0x1c)},
    {"header: UPDATE shorter than 23", MSG, 2, B(0x00, 0x00, 0x00), false, false,
     BGP_FAULT_HDR_LENGTH, RESET, 1, 2, D(0x00, 0x16)},
    {"header: NOTIFICATION shorter than 21", MSG, 3, B(0x06), false, false, BGP_FAULT_HDR_LENGTH,
     RESET, 1, 2, D(0x00, 0x14)},
    {"header: type 6", MSG, 6, B(0x00), false, false, BGP_FAULT_HDR_TYPE, RESET, 1, 3, D(0x06)},
    {"header: type 0", MSG, 0, B(0x00), false, false, BGP_FAULT_HDR_TYPE, RESET, 1, 3, D(0x00)},
    /* RFC 4271 6.2 */
    {"OPEN: version 3", MSG, 1, B(0x03, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x00),
     false, false, BGP_FAULT_OPEN_VERSION, RESET, 2, 1, D(0x00, 0x04)},
    {"OPEN: version 5", MSG, 1, B(0x05, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x00),
     false, false, BGP_FAULT_OPEN_VERSION, RESET, 2, 1, D(0x00, 0x04)},
    {"OPEN: parameters length beyond the message", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x05), false, false,
     BGP_FAULT_OPEN_LENGTH, RESET, 2, 0, NODATA},
    {"OPEN: bytes after the parameters", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00), false, false,
     BGP_FAULT_OPEN_LENGTH, RESET, 2, 0, NODATA},
    {"OPEN: parameter overruns", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x02, 0x02, 0x05), false, false,
     BGP_FAULT_OPEN_LENGTH, RESET, 2, 0, NODATA},
    {"OPEN: authentication parameter", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x03, 0x01, 0x01, 0x00), false, false,
     BGP_FAULT_OPEN_PARAM, RESET, 2, 4, NODATA},
    {"OPEN: capability overruns its parameter", MSG, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x05, 0x02, 0x03, 0x01, 0x04, 0x00),
     false, false, BGP_FAULT_OPEN_CAPABILITY, RESET, 2, 0, NODATA},
    {"OPEN: unexpected peer AS", OPEN_CHECK, 1,
     B(0x04, 0xfd, 0xea, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x00), false, false,
     BGP_FAULT_OPEN_PEER_AS, RESET, 2, 2, NODATA},
    {"OPEN: peer AS 0 (RFC 7607)", OPEN_CHECK, 1,
     B(0x04, 0x00, 0x00, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x00), false, false,
     BGP_FAULT_OPEN_PEER_AS, RESET, 2, 2, NODATA},
    {"OPEN: 4-octet AS capability wins over My AS", OPEN_CHECK, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x02, 0x06, 0x41, 0x04, 0x00,
       0x01, 0x00, 0x00),
     false, false, BGP_FAULT_OPEN_PEER_AS, RESET, 2, 2, NODATA},
    {"OPEN: hold time 2", OPEN_CHECK, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x02, 0x00), false, false,
     BGP_FAULT_OPEN_HOLD_TIME, RESET, 2, 6, NODATA},
    {"OPEN: BGP identifier 0", OPEN_CHECK, 1,
     B(0x04, 0xfd, 0xe9, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x00, 0x00), false, false,
     BGP_FAULT_OPEN_BGP_ID, RESET, 2, 3, NODATA},
    /* RFC 7313 5 */
    {"ROUTE-REFRESH of 24 bytes", MSG, 5, B(0x00, 0x01, 0x00, 0x01, 0x00), false, false,
     BGP_FAULT_RR_LENGTH, RESET, 7, 1, D(MARKER, 0x00, 0x18, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00)},
    /* RFC 4271 6.3, RFC 7606 */
    {"UPDATE: withdrawn length beyond the message", MSG, 2, B(0x00, 0x10, 0x00, 0x00), false, false,
     BGP_FAULT_UPD_LENGTHS, RESET, 3, 1, NODATA},
    {"UPDATE: attribute length beyond the message", MSG, 2, B(HDR(0x30), ORIGIN, AS_PATH, NEXT_HOP),
     false, false, BGP_FAULT_UPD_LENGTHS, RESET, 3, 1, NODATA},
    {"UPDATE: withdrawn prefix of 33 bits", MSG, 2,
     B(0x00, 0x06, 0x21, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00), false, false,
     BGP_FAULT_UPD_WITHDRAWN, RESET, 3, 10, NODATA},
    {"UPDATE: withdrawn prefix overruns", MSG, 2, B(0x00, 0x03, 0x18, 0x0a, 0x01, 0x00, 0x00),
     false, false, BGP_FAULT_UPD_WITHDRAWN, RESET, 3, 10, NODATA},
    {"UPDATE: NLRI prefix of 33 bits", MSG, 2,
     B(HDR(20), ORIGIN, AS_PATH, NEXT_HOP, 0x21, 0x0a, 0x00, 0x00, 0x00, 0x01), false, false,
     BGP_FAULT_UPD_NLRI, RESET, 3, 10, NODATA},
    {"UPDATE: NLRI prefix overruns", MSG, 2, B(HDR(20), ORIGIN, AS_PATH, NEXT_HOP, 0x20, 0x0a),
     false, false, BGP_FAULT_UPD_NLRI, RESET, 3, 10, NODATA},
    {"UPDATE: attribute overruns the attributes", MSG, 2,
     B(HDR(11), ORIGIN, 0x40, 0x02, 0x09, 0x02, 0x01, 0x00, 0x00, NLRI), false, false,
     BGP_FAULT_UPD_ATTR_OVERRUN, TAW, 3, 1, NODATA},
    {"UPDATE: two bytes left for an attribute", MSG, 2,
     B(HDR(22), ORIGIN, AS_PATH, NEXT_HOP, 0x40, 0x01, NLRI), false, false,
     BGP_FAULT_UPD_ATTR_OVERRUN, TAW, 3, 1, NODATA},
    {"UPDATE: MP_UNREACH_NLRI twice", MSG, 2,
     B(HDR(12), 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01), false,
     false, BGP_FAULT_UPD_MP_DUPLICATE, RESET, 3, 1, NODATA},
    {"UPDATE: ORIGIN twice", MSG, 2, WITH(4, ORIGIN), false, false, BGP_FAULT_UPD_ATTR_DUPLICATE,
     DISCARD, 3, 1, NODATA},
    {"UPDATE: unrecognized well-known attribute", MSG, 2, WITH(4, 0x40, 0x63, 0x01, 0x00), false,
     false, BGP_FAULT_UPD_WELLKNOWN_UNKNOWN, RESET, 3, 2, D(0x40, 0x63, 0x01, 0x00)},
    {"UPDATE: ORIGIN flagged optional", MSG, 2,
     B(HDR(20), 0xc0, 0x01, 0x01, 0x00, AS_PATH, NEXT_HOP, NLRI), false, false,
     BGP_FAULT_UPD_ATTR_FLAGS, TAW, 3, 4, D(0xc0, 0x01, 0x01, 0x00)},
    {"UPDATE: NEXT_HOP missing", MSG, 2, B(HDR(13), ORIGIN, AS_PATH, NLRI), false, false,
     BGP_FAULT_UPD_MISSING_WELLKNOWN, TAW, 3, 3, D(0x03)},
    {"UPDATE: ORIGIN missing with MP_REACH_NLRI", MSG, 2,
     B(HDR(38), AS_PATH, 0x80, 0x0e, 0x1a, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
       0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8),
     false, false, BGP_FAULT_UPD_MISSING_WELLKNOWN, TAW, 3, 3, D(0x01)},
    {"UPDATE: ORIGIN 3", MSG, 2, B(HDR(20), 0x40, 0x01, 0x01, 0x03, AS_PATH, NEXT_HOP, NLRI), false,
     false, BGP_FAULT_UPD_ORIGIN, TAW, 3, 6, D(0x40, 0x01, 0x01, 0x03)},
    {"UPDATE: ORIGIN of 2 bytes", MSG, 2,
     B(HDR(21), 0x40, 0x01, 0x02, 0x00, 0x00, AS_PATH, NEXT_HOP, NLRI), false, false,
     BGP_FAULT_UPD_ORIGIN, TAW, 3, 6, D(0x40, 0x01, 0x02, 0x00, 0x00)},
    {"UPDATE: AS_PATH segment type 5", MSG, 2,
     B(HDR(20), ORIGIN, 0x40, 0x02, 0x06, 0x05, 0x01, 0x00, 0x00, 0xfd, 0xe9, NEXT_HOP, NLRI),
     false, false, BGP_FAULT_UPD_AS_PATH, TAW, 3, 11,
     D(0x40, 0x02, 0x06, 0x05, 0x01, 0x00, 0x00, 0xfd, 0xe9)},
    {"UPDATE: AS_PATH empty segment", MSG, 2,
     B(HDR(16), ORIGIN, 0x40, 0x02, 0x02, 0x02, 0x00, NEXT_HOP, NLRI), false, false,
     BGP_FAULT_UPD_AS_PATH, TAW, 3, 11, D(0x40, 0x02, 0x02, 0x02, 0x00)},
    {"UPDATE: AS_PATH with AS 0", MSG, 2,
     B(HDR(20), ORIGIN, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, NEXT_HOP, NLRI),
     false, false, BGP_FAULT_UPD_AS_PATH, TAW, 3, 11,
     D(0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00)},
    {"UPDATE: 2-octet AS_PATH overruns", MSG, 2,
     B(HDR(19), ORIGIN, 0x40, 0x02, 0x05, 0x02, 0x02, 0xfd, 0xe9, 0x01, NEXT_HOP, NLRI), false,
     true, BGP_FAULT_UPD_AS_PATH, TAW, 3, 11, D(0x40, 0x02, 0x05, 0x02, 0x02, 0xfd, 0xe9, 0x01)},
    {"UPDATE: NEXT_HOP of 5 bytes", MSG, 2,
     B(HDR(21), ORIGIN, AS_PATH, 0x40, 0x03, 0x05, 0x0a, 0x00, 0x00, 0x02, 0x00, NLRI), false,
     false, BGP_FAULT_UPD_NEXT_HOP_LENGTH, TAW, 3, 5,
     D(0x40, 0x03, 0x05, 0x0a, 0x00, 0x00, 0x02, 0x00)},
    {"UPDATE: NEXT_HOP multicast", MSG, 2,
     B(HDR(20), ORIGIN, AS_PATH, 0x40, 0x03, 0x04, 0xe0, 0x00, 0x00, 0x01, NLRI), false, false,
     BGP_FAULT_UPD_NEXT_HOP_INVALID, TAW, 3, 8, D(0x40, 0x03, 0x04, 0xe0, 0x00, 0x00, 0x01)},
    {"UPDATE: NEXT_HOP 0.0.0.0", MSG, 2,
     B(HDR(20), ORIGIN, AS_PATH, 0x40, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, NLRI), false, false,
     BGP_FAULT_UPD_NEXT_HOP_INVALID, TAW, 3, 8, D(0x40, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00)},
    {"UPDATE: MULTI_EXIT_DISC of 3 bytes", MSG, 2, WITH(6, 0x80, 0x04, 0x03, 0x00, 0x00, 0x01),
     false, false, BGP_FAULT_UPD_MED, TAW, 3, 5, D(0x80, 0x04, 0x03, 0x00, 0x00, 0x01)},
    {"UPDATE: LOCAL_PREF of 3 bytes (iBGP)", MSG, 2, WITH(6, 0x40, 0x05, 0x03, 0x00, 0x00, 0x64),
     false, false, BGP_FAULT_UPD_LOCAL_PREF, TAW, 3, 5, D(0x40, 0x05, 0x03, 0x00, 0x00, 0x64)},
    {"UPDATE: LOCAL_PREF from eBGP", MSG, 2, WITH(7, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64),
     true, false, BGP_FAULT_UPD_LOCAL_PREF_EBGP, DISCARD, 3, 4, NODATA},
    {"UPDATE: ATOMIC_AGGREGATE of 1 byte", MSG, 2, WITH(4, 0x40, 0x06, 0x01, 0x00), false, false,
     BGP_FAULT_UPD_ATOMIC_AGGREGATE, DISCARD, 3, 5, NODATA},
    {"UPDATE: AGGREGATOR of 6 bytes from a 4-octet speaker", MSG, 2,
     WITH(9, 0xc0, 0x07, 0x06, 0xfd, 0xe9, 0x0a, 0x00, 0x00, 0x02), false, false,
     BGP_FAULT_UPD_AGGREGATOR, DISCARD, 3, 5, NODATA},
    {"UPDATE: COMMUNITIES of 3 bytes", MSG, 2, WITH(6, 0xc0, 0x08, 0x03, 0xfd, 0xe9, 0x00), false,
     false, BGP_FAULT_UPD_COMMUNITIES, TAW, 3, 5, D(0xc0, 0x08, 0x03, 0xfd, 0xe9, 0x00)},
    {"UPDATE: COMMUNITIES empty", MSG, 2, WITH(3, 0xc0, 0x08, 0x00), false, false,
     BGP_FAULT_UPD_COMMUNITIES, TAW, 3, 5, D(0xc0, 0x08, 0x00)},
    {"UPDATE: ORIGINATOR_ID of 3 bytes (iBGP)", MSG, 2, WITH(6, 0x80, 0x09, 0x03, 0x0a, 0x00, 0x00),
     false, false, BGP_FAULT_UPD_ORIGINATOR_ID, TAW, 3, 5, D(0x80, 0x09, 0x03, 0x0a, 0x00, 0x00)},
    {"UPDATE: CLUSTER_LIST of 6 bytes (iBGP)", MSG, 2,
     WITH(9, 0x80, 0x0a, 0x06, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00), false, false,
     BGP_FAULT_UPD_CLUSTER_LIST, TAW, 3, 5,
     D(0x80, 0x0a, 0x06, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00)},
    {"UPDATE: ORIGINATOR_ID from eBGP", MSG, 2, WITH(7, 0x80, 0x09, 0x04, 0x0a, 0x00, 0x00, 0x01),
     true, false, BGP_FAULT_UPD_REFLECTOR_EBGP, DISCARD, 3, 4, NODATA},
    {"UPDATE: MP_REACH_NLRI next hop of 4 bytes for IPv6", MSG, 2,
     B(HDR(24), ORIGIN, AS_PATH, 0x80, 0x0e, 0x08, 0x00, 0x02, 0x01, 0x04, 0x0a, 0x00, 0x00, 0x02),
     false, false, BGP_FAULT_UPD_MP_REACH, RESET, 3, 9,
     D(0x80, 0x0e, 0x08, 0x00, 0x02, 0x01, 0x04, 0x0a, 0x00, 0x00, 0x02)},
    {"UPDATE: MP_REACH_NLRI of 2 bytes", MSG, 2,
     B(HDR(18), ORIGIN, AS_PATH, 0x80, 0x0e, 0x02, 0x00, 0x02), false, false,
     BGP_FAULT_UPD_MP_REACH, RESET, 3, 9, D(0x80, 0x0e, 0x02, 0x00, 0x02)},
    {"UPDATE: MP_REACH_NLRI prefix of 129 bits", MSG, 2,
     B(HDR(39), ORIGIN, AS_PATH, 0x80, 0x0e, 0x17, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8,
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x81, 0x20),
     false, false, BGP_FAULT_UPD_MP_REACH, RESET, 3, 9,
     D(0x80, 0x0e, 0x17, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
       0, 0, 0x01, 0x00, 0x81, 0x20)},
    {"UPDATE: MP_REACH_NLRI flagged transitive", MSG, 2,
     B(HDR(37), ORIGIN, AS_PATH, 0xc0, 0x0e, 0x15, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8,
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00),
     false, false, BGP_FAULT_UPD_MP_REACH, RESET, 3, 9,
     D(0xc0, 0x0e, 0x15, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
       0, 0, 0x01, 0x00)},
    {"UPDATE: MP_UNREACH_NLRI prefix overruns", MSG, 2,
     B(HDR(7), 0x80, 0x0f, 0x04, 0x00, 0x02, 0x01, 0x30), false, false, BGP_FAULT_UPD_MP_UNREACH,
     RESET, 3, 9, D(0x80, 0x0f, 0x04, 0x00, 0x02, 0x01, 0x30)},
    {"UPDATE: EXTENDED_COMMUNITIES of 4 bytes", MSG, 2,
     WITH(7, 0xc0, 0x10, 0x04, 0x00, 0x02, 0xfd, 0xe9), false, false, BGP_FAULT_UPD_EXT_COMMUNITIES,
     TAW, 3, 5, D(0xc0, 0x10, 0x04, 0x00, 0x02, 0xfd, 0xe9)},
    {"UPDATE: LARGE_COMMUNITY of 8 bytes", MSG, 2,
     WITH(11, 0xc0, 0x20, 0x08, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01), false, false,
     BGP_FAULT_UPD_LARGE_COMMUNITIES, TAW, 3, 5,
     D(0xc0, 0x20, 0x08, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01)},
    {"UPDATE: AS4_PATH empty segment", MSG, 2,
     B(HDR(23), ORIGIN, 0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0, NEXT_HOP, 0xc0, 0x11, 0x02, 0x02,
       0x00, NLRI),
     false, true, BGP_FAULT_UPD_AS4_PATH, DISCARD, 3, 9, NODATA},
    {"UPDATE: AS4_AGGREGATOR of 6 bytes", MSG, 2,
     B(HDR(27), ORIGIN, 0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0, NEXT_HOP, 0xc0, 0x12, 0x06, 0x00,
       0x01, 0x0a, 0x00, 0x00, 0x02, NLRI),
     false, true, BGP_FAULT_UPD_AS4_AGGREGATOR, DISCARD, 3, 9, NODATA},
    {"UPDATE: AS4_PATH from a 4-octet speaker", MSG, 2,
     WITH(9, 0xc0, 0x11, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9), false, false,
     BGP_FAULT_UPD_AS4_FROM_NEW, DISCARD, 3, 9, NODATA},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Local 64512, peer 65001, router ID 10.0.0.1. */
static void
cfg_65001(struct bgp_fsm_config *cfg)
{
    bgp_fsm_config_default(cfg);
    cfg->local_as = 64512;
    cfg->peer_as = 65001;
    cfg->router_id = 0x0a000001;
}

static int
run_case(const struct fault_case *c, struct bgp_msg *m, struct bgp_error *err)
{
    uint8_t buf[8192];
    size_t len = c->body_len;
    struct bgp_decode_ctx ctx = {.as4 = !c->as2, .ebgp = c->ebgp};
    struct bgp_fsm_config cfg;
    int rc;

    if (c->kind == RAW)
        memcpy(buf, c->body, len);
    else
        len = test_msg(buf, c->type, c->body, c->body_len);
    rc = bgp_msg_decode(&ctx, buf, len, m, err);
    if (c->kind != OPEN_CHECK || rc != 0)
        return rc;
    cfg_65001(&cfg);
    return bgp_open_check(&cfg, &m->u.open, err) == BGP_FAULT_NONE ? 0 : -1;
}

static void
test_fault_case(void **state)
{
    const struct fault_case *c = *state;
    struct bgp_msg m;
    struct bgp_error err;
    int rc = run_case(c, &m, &err);

    assert_int_equal(err.fault, c->fault);
    assert_int_equal(err.outcome, c->outcome);
    assert_int_equal(rc, c->outcome == RESET ? -1 : 0);
    assert_int_equal(err.notify.code, c->code);
    assert_int_equal(err.notify.subcode, c->subcode);
    if (c->data != NULL)
        expect_bytes(err.notify.data, err.notify.len, c->data, c->data_len);
    if (c->outcome == RESET && c->data == NULL)
        assert_int_equal(err.notify.len, 0);
    if (c->outcome == TAW) {
        /* The one announced prefix counts as withdrawn. */
        assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV4_UNICAST], 0);
        assert_true(m.u.update.withdrawn[BGP_FAMILY_IPV4_UNICAST] +
                        m.u.update.withdrawn[BGP_FAMILY_IPV6_UNICAST] >=
                    1);
    }
    if (c->outcome == DISCARD) {
        assert_int_equal(err.discarded, 1);
        assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV4_UNICAST], 1);
    }
}

/* Every fault has a rule, and some case above raises it. */
static void
test_fault_coverage(void **state)
{
    bool seen[BGP_FAULT_COUNT] = {false};

    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        seen[cases[i].fault] = true;
    assert_null(bgp_fault_rule(BGP_FAULT_NONE));
    assert_null(bgp_fault_rule(BGP_FAULT_COUNT));
    for (int f = BGP_FAULT_NONE + 1; f < BGP_FAULT_COUNT; f++) {
        const struct bgp_fault_rule *r = bgp_fault_rule(f);

        assert_non_null(r);
        assert_true(r->outcome > BGP_OUTCOME_NONE && r->outcome < BGP_OUTCOME_COUNT);
        assert_non_null(r->rfc);
        assert_non_null(r->text);
        if (!seen[f])
            fail_msg("fault %d (%s) has no test case", f, r->text);
    }
}

/* The strongest outcome wins; the first fault of that strength is named. */
static void
test_fault_strongest_wins(void **state)
{
    static const uint8_t body[] = {
        HDR(24), 0x40,     0x06, 0x01, 0x00, /* ATOMIC_AGGREGATE of 1 byte: discard */
        0x40,    0x01,     0x01, 0x07,       /* ORIGIN 7: treat-as-withdraw */
        AS_PATH, NEXT_HOP, NLRI,
    };
    uint8_t buf[128];
    struct bgp_decode_ctx ctx = {.as4 = true};
    struct bgp_msg m;
    struct bgp_error err;

    (void)state;
    assert_int_equal(bgp_msg_decode(&ctx, buf, test_msg(buf, 2, body, sizeof(body)), &m, &err), 0);
    assert_int_equal(err.outcome, TAW);
    assert_int_equal(err.fault, BGP_FAULT_UPD_ORIGIN);
    assert_int_equal(err.discarded, 1);
}

/* Things that look odd but are fine. */
static void
test_fault_none(void **state)
{
    static const uint8_t unknown_optional[] = {HDR(24), ORIGIN, AS_PATH, NEXT_HOP, 0xc0,
                                               0xfe,    0x01,   0x00,    NLRI};
    /* NEXT_HOP with MP_REACH_NLRI alone is ignored, even when wrong. */
    static const uint8_t nh_ignored[] = {
        HDR(47), ORIGIN, AS_PATH, 0x40, 0x03, 0x02, 0x00, 0x00, 0x80, 0x0e, 0x1a, 0x00, 0x02,
        0x01,    0x10,   0x20,    0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,
        0,       0,      0,       0,    0x01, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8};
    /* Withdrawals only, and an unknown AFI in MP_UNREACH_NLRI. */
    static const uint8_t withdraw[] = {0x00, 0x04, 0x18, 0x0a, 0x01, 0x02, 0x00,
                                       0x06, 0x80, 0x0f, 0x03, 0x00, 0x19, 0x46};
    uint8_t buf[128];
    struct bgp_decode_ctx ctx = {.as4 = true, .ebgp = true};
    struct bgp_msg m;
    struct bgp_error err;

    (void)state;
    assert_int_equal(bgp_msg_decode(&ctx, buf,
                                    test_msg(buf, 2, unknown_optional, sizeof(unknown_optional)),
                                    &m, &err),
                     0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV4_UNICAST], 1);
    assert_int_equal(
        bgp_msg_decode(&ctx, buf, test_msg(buf, 2, nh_ignored, sizeof(nh_ignored)), &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV6_UNICAST], 1);
    assert_int_equal(
        bgp_msg_decode(&ctx, buf, test_msg(buf, 2, withdraw, sizeof(withdraw)), &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.withdrawn[BGP_FAMILY_IPV4_UNICAST], 1);
    assert_int_equal(m.u.update.other_family, 1);
    assert_false(m.u.update.eor);
}

/* OPEN checks that depend on the session kind (RFC 6286 2.2). */
static void
test_open_check_identifier(void **state)
{
    struct bgp_fsm_config cfg;
    struct bgp_open o = {.version = 4, .as = 65001, .hold_time = 90, .bgp_id = 0x0a000001};
    struct bgp_error err;

    (void)state;
    cfg_65001(&cfg);
    /* Our own identifier from an eBGP peer is allowed... */
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_NONE);
    /* ...from an iBGP peer it is not. */
    cfg.local_as = 65001;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_OPEN_BGP_ID);
    assert_int_equal(err.notify.code, 2);
    assert_int_equal(err.notify.subcode, 3);
    o.hold_time = 0;
    o.bgp_id = 0x0a000002;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_NONE);
}

static void
test_open_check_dynamic_asn(void **state)
{
    struct bgp_fsm_config cfg;
    struct bgp_open o = {.version = 4, .as = 64512, .hold_time = 90, .bgp_id = 0x0a000002};
    struct bgp_error err;

    (void)state;
    cfg_65001(&cfg);
    cfg.peer_as = 0;
    cfg.dynamic_asn = BGP_DYNAMIC_ASN_INTERNAL;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_NONE);
    o.as = 65001;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_OPEN_PEER_AS);
    cfg.dynamic_asn = BGP_DYNAMIC_ASN_EXTERNAL;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_NONE);
    o.as = 64512;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_OPEN_PEER_AS);
    o.as = 0;
    assert_int_equal(bgp_open_check(&cfg, &o, &err), BGP_FAULT_OPEN_PEER_AS);
}

int
test_faults_run(void)
{
    struct CMUnitTest tests[NCASES + 5];
    size_t n = 0;

    for (size_t i = 0; i < NCASES; i++)
        tests[n++] =
            (struct CMUnitTest){cases[i].name, test_fault_case, NULL, NULL, (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fault_coverage);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fault_strongest_wins);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fault_none);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_open_check_identifier);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_open_check_dynamic_asn);
    return _cmocka_run_group_tests("bgp-faults", tests, n, NULL, NULL);
}

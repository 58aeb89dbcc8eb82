/*
 * Framing, KEEPALIVE, OPEN, NOTIFICATION and ROUTE-REFRESH: golden bytes
 * computed by hand from the RFC layouts (each byte group commented), and
 * round trips through the decoder.
 */
#include <string.h>

#include "tests.h"

static const struct bgp_decode_ctx ctx4 = {.as4 = true, .ebgp = true};

static void
test_keepalive_golden(void **state)
{
    /* RFC 4271 4.4: the header alone, length 19, type 4. */
    static const uint8_t want[] = {MARKER, 0x00, 0x13, 0x04};
    uint8_t buf[64];
    struct bgp_msg m;
    struct bgp_error err;

    (void)state;
    expect_bytes(buf, bgp_keepalive_encode(buf, sizeof(buf)), want, sizeof(want));
    assert_int_equal(bgp_keepalive_encode(buf, 18), 0);
    assert_int_equal(bgp_msg_decode(&ctx4, want, sizeof(want), &m, &err), 0);
    assert_int_equal(m.type, BGP_MSG_KEEPALIVE);
}

static void
test_frame(void **state)
{
    uint8_t buf[64];
    struct bgp_header h;
    struct bgp_error err;
    size_t len = bgp_keepalive_encode(buf, sizeof(buf));

    (void)state;
    for (size_t i = 0; i < len; i++)
        assert_int_equal(bgp_frame(buf, i, &h, &err), BGP_FRAME_NEED_MORE);
    assert_int_equal(bgp_frame(buf, len, &h, &err), BGP_FRAME_OK);
    assert_int_equal(h.length, 19);
    assert_int_equal(h.type, BGP_MSG_KEEPALIVE);
    /* A bad length is refused as soon as the header is there. */
    buf[16] = 0x10;
    buf[17] = 0x01; /* 4097 */
    assert_int_equal(bgp_frame(buf, 19, &h, &err), BGP_FRAME_ERROR);
    assert_int_equal(err.fault, BGP_FAULT_HDR_LENGTH);
    /* Two messages back to back: the first one is framed alone. */
    len = bgp_keepalive_encode(buf, sizeof(buf));
    bgp_keepalive_encode(buf + len, sizeof(buf) - len);
    assert_int_equal(bgp_frame(buf, 2 * len, &h, &err), BGP_FRAME_OK);
    assert_int_equal(h.length, 19);
}

/* Our OPEN without route refresh is MetalLB native's 49 bytes. */
static void
test_open_golden_metallb(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x31, 0x01,             /* length 49, OPEN */
        0x04,                                 /* version */
        0xfc,   0x00,                         /* My AS 64512 */
        0x00,   0x5a,                         /* hold time 90 */
        0x0a,   0x00, 0x00, 0x01,             /* BGP identifier 10.0.0.1 */
        0x14,                                 /* optional parameters: 20 bytes */
        0x02,   0x12,                         /* one parameter: capabilities, 18 bytes */
        0x01,   0x04, 0x00, 0x01, 0x00, 0x01, /* MP: AFI 1, reserved, SAFI 1 */
        0x01,   0x04, 0x00, 0x02, 0x00, 0x01, /* MP: AFI 2, SAFI 1 */
        0x41,   0x04, 0x00, 0x00, 0xfc, 0x00, /* 4-octet AS 64512 */
    };
    struct bgp_open o = {.as = 64512,
                         .hold_time = 90,
                         .bgp_id = 0x0a000001,
                         .families = BGP_FAMILIES_ALL,
                         .as4 = true};
    uint8_t buf[128];

    (void)state;
    expect_bytes(buf, bgp_open_encode(&o, buf, sizeof(buf)), want, sizeof(want));
}

/* A 4-octet AS, route refresh and graceful restart. */
static void
test_open_golden_full(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x39, 0x01,             /* length 57, OPEN */
        0x04,   0x5b, 0xa0,                   /* version 4, My AS = AS_TRANS 23456 */
        0x00,   0x09,                         /* hold time 9 */
        0xc0,   0x00, 0x02, 0x01,             /* identifier 192.0.2.1 */
        0x1c,   0x02, 0x1a,                   /* 28 bytes of parameters; capabilities, 26 bytes */
        0x01,   0x04, 0x00, 0x01, 0x00, 0x01, /* MP IPv4 unicast */
        0x02,   0x00,                         /* route refresh */
        0x41,   0x04, 0xfa, 0x56, 0xea, 0x00, /* 4-octet AS 4200000000 */
        0x40,   0x0a,                         /* graceful restart, 10 bytes */
        0x80,   0x78,                         /* Restart State, 120 s */
        0x00,   0x01, 0x01, 0x80,             /* IPv4 unicast, forwarding kept */
        0x00,   0x02, 0x01, 0x00,             /* IPv6 unicast, not kept */
    };
    struct bgp_open o = {.as = 4200000000u,
                         .hold_time = 9,
                         .bgp_id = 0xc0000201,
                         .families = BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST),
                         .as4 = true,
                         .route_refresh = true,
                         .graceful_restart = true,
                         .gr_flags = BGP_GR_RESTART_STATE,
                         .gr_time = 120,
                         .gr_families = BGP_FAMILIES_ALL,
                         .gr_forwarding = BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST)};
    uint8_t buf[128];
    struct bgp_msg m;
    struct bgp_error err;
    size_t len = bgp_open_encode(&o, buf, sizeof(buf));

    (void)state;
    expect_bytes(buf, len, want, sizeof(want));
    assert_int_equal(bgp_msg_decode(&ctx4, buf, len, &m, &err), 0);
    assert_int_equal(m.u.open.as, 4200000000u);
    assert_int_equal(m.u.open.as16, 23456);
    assert_int_equal(m.u.open.hold_time, 9);
    assert_int_equal(m.u.open.bgp_id, 0xc0000201);
    assert_true(m.u.open.as4 && m.u.open.route_refresh && m.u.open.graceful_restart);
    assert_int_equal(m.u.open.families, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_int_equal(m.u.open.gr_flags, BGP_GR_RESTART_STATE);
    assert_int_equal(m.u.open.gr_time, 120);
    assert_int_equal(m.u.open.gr_families, BGP_FAMILIES_ALL);
    assert_int_equal(m.u.open.gr_forwarding, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_int_equal(bgp_open_encode(&o, buf, 56), 0);
}

/* Capabilities we do not use are parsed (or counted) and ignored; several
 * parameters, RFC 9072 extended lengths and an OPEN without any. */
static void
test_open_decode_variants(void **state)
{
    static const uint8_t many[] = {
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0x0a, 0x00, 0x00, 0x02, /* AS 65001, hold 180 */
        0x1a,                                                 /* 26 bytes of parameters */
        0x02, 0x06, 0x01, 0x04, 0x00, 0x19, 0x00, 0x46,       /* MP L2VPN/EVPN: other family */
        0x02, 0x02, 0x80, 0x00,                               /* old route refresh */
        0x02, 0x0c, 0x46, 0x00,                               /* enhanced route refresh */
        0x06, 0x00,                                           /* extended message */
        0x49, 0x02, 0x01, 0x61,                               /* FQDN: unknown to us */
        0x41, 0x02, 0x00, 0x01, /* 4-octet AS of length 2: malformed */
    };
    static const uint8_t ext[] = {
        0x04, 0xfd, 0xe9, 0x00, 0x03, 0x0a, 0x00, 0x00, 0x02,
        0xff, 0xff, 0x00, 0x09,                               /* RFC 9072: 9 bytes of parameters */
        0x02, 0x00, 0x06, 0x41, 0x04, 0x00, 0x01, 0x00, 0x00, /* 4-octet AS 65536 */
    };
    static const uint8_t bare[] = {0x04, 0xfd, 0xe9, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00};
    uint8_t buf[128];
    struct bgp_msg m;
    struct bgp_error err;

    (void)state;
    assert_int_equal(bgp_msg_decode(&ctx4, buf, test_msg(buf, 1, many, sizeof(many)), &m, &err), 0);
    assert_true(m.u.open.has_mp);
    assert_int_equal(m.u.open.families, 0);
    assert_int_equal(m.u.open.other_families, 1);
    assert_true(m.u.open.route_refresh && m.u.open.enhanced_route_refresh);
    assert_true(m.u.open.extended_message);
    assert_int_equal(m.u.open.unknown_caps, 1);
    assert_int_equal(m.u.open.malformed_caps, 1);
    assert_false(m.u.open.as4);
    assert_int_equal(m.u.open.as, 65001);
    assert_int_equal(bgp_msg_decode(&ctx4, buf, test_msg(buf, 1, ext, sizeof(ext)), &m, &err), 0);
    assert_int_equal(m.u.open.as, 65536);
    assert_int_equal(bgp_msg_decode(&ctx4, buf, test_msg(buf, 1, bare, sizeof(bare)), &m, &err), 0);
    assert_false(m.u.open.has_mp);
    assert_int_equal(m.u.open.hold_time, 0);
}

static void
test_notification_golden(void **state)
{
    /* RFC 9003: Cease / Administrative Shutdown with a length-prefixed text. */
    static const uint8_t want[] = {
        MARKER, 0x00, 0x19, 0x03, /* length 25, NOTIFICATION */
        0x06,   0x02,             /* Cease, Administrative Shutdown */
        0x03,   'b',  'y',  'e',  /* shutdown communication */
    };
    struct bgp_notify n;
    uint8_t buf[64];
    struct bgp_msg m;
    struct bgp_error err;
    char line[128];
    const char *text;
    size_t len;

    (void)state;
    bgp_notify_cease(&n, BGP_CEASE_ADMIN_SHUTDOWN, "bye");
    len = bgp_notification_encode(&n, buf, sizeof(buf));
    expect_bytes(buf, len, want, sizeof(want));
    assert_int_equal(bgp_msg_decode(&ctx4, buf, len, &m, &err), 0);
    assert_int_equal(m.u.notify.code, 6);
    assert_int_equal(m.u.notify.subcode, 2);
    assert_int_equal(bgp_notify_shutdown_text(&m.u.notify, &text), 3);
    assert_memory_equal(text, "bye", 3);
    assert_string_equal(bgp_notify_format(&m.u.notify, line, sizeof(line)),
                        "Cease/Administrative Shutdown (6/2): \"bye\"");
}

static void
test_notification_names(void **state)
{
    struct bgp_notify n = {.code = 3, .subcode = 11};
    char line[128];

    (void)state;
    assert_string_equal(bgp_notify_format(&n, line, sizeof(line)),
                        "UPDATE Message Error/Malformed AS_PATH (3/11)");
    n.code = 2;
    n.subcode = 2;
    assert_string_equal(bgp_notify_format(&n, line, sizeof(line)),
                        "OPEN Message Error/Bad Peer AS (2/2)");
    n.code = 4;
    n.subcode = 0;
    assert_string_equal(bgp_notify_format(&n, line, sizeof(line)),
                        "Hold Timer Expired/Unspecific (4/0)");
    n.code = 99;
    n.subcode = 200;
    assert_string_equal(bgp_notify_format(&n, line, sizeof(line)), "Unknown/Unknown (99/200)");
    assert_string_equal(bgp_err_subcode_name(6, 9), "Hard Reset");
    assert_string_equal(bgp_err_subcode_name(5, 2),
                        "Receive Unexpected Message in OpenConfirm State");
}

/* A shutdown text longer than 255 bytes is cut on a character boundary;
 * a malformed one received is not shown. */
static void
test_notification_shutdown_text(void **state)
{
    char text[400];
    struct bgp_notify n;
    const char *got;

    (void)state;
    memset(text, 'a', sizeof(text));
    memcpy(text + 253, "\xc3\xa9", 2); /* "é" across the 255-byte limit */
    text[sizeof(text) - 1] = '\0';
    bgp_notify_cease(&n, BGP_CEASE_ADMIN_RESET, text);
    assert_int_equal(n.data[0], 255);
    text[253] = 'a';
    memcpy(text + 254, "\xc3\xa9", 2); /* now it would be split */
    bgp_notify_cease(&n, BGP_CEASE_ADMIN_RESET, text);
    assert_int_equal(n.data[0], 254);
    n.data[0] = 200; /* claims more than there is */
    n.len = 10;
    assert_int_equal(bgp_notify_shutdown_text(&n, &got), 0);
    bgp_notify_cease(&n, BGP_CEASE_PEER_DECONFIGURED, "ignored");
    assert_int_equal(n.len, 0);
}

static void
test_route_refresh_golden(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x17, 0x05, /* length 23, ROUTE-REFRESH */
        0x00,   0x02, 0x00, 0x01, /* AFI 2, reserved, SAFI 1 */
    };
    struct bgp_route_refresh rr = {.afi = 2, .safi = 1};
    uint8_t buf[64];
    struct bgp_msg m;
    struct bgp_error err;
    size_t len = bgp_route_refresh_encode(&rr, buf, sizeof(buf));

    (void)state;
    expect_bytes(buf, len, want, sizeof(want));
    assert_int_equal(bgp_msg_decode(&ctx4, buf, len, &m, &err), 0);
    assert_int_equal(m.u.refresh.afi, 2);
    assert_int_equal(m.u.refresh.safi, 1);
}

static void
test_prefix_from_ip(void **state)
{
    struct bgp_prefix p = test_prefix("192.0.2.77/24");
    static const uint8_t v4[] = {192, 0, 2, 0};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};

    (void)state;
    assert_int_equal(p.family, BGP_FAMILY_IPV4_UNICAST);
    assert_int_equal(p.len, 24);
    assert_memory_equal(p.addr, v4, 4);
    p = test_prefix("2001:db8:1::1/48");
    assert_int_equal(p.family, BGP_FAMILY_IPV6_UNICAST);
    assert_int_equal(p.len, 48);
    assert_memory_equal(p.addr, v6, 16);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(bgp_state_name(BGP_STATE_OPENCONFIRM), "OpenConfirm");
    assert_string_equal(bgp_state_name(BGP_STATE_COUNT), "Unknown");
    assert_string_equal(bgp_event_name(BGP_EV_HOLD_EXPIRES), "HoldTimer_Expires");
    assert_string_equal(bgp_event_name(BGP_EV_UPDATE_SENT), "UpdateSent");
    assert_string_equal(bgp_timer_name(BGP_TIMER_IDLE_HOLD), "IdleHoldTimer");
    assert_string_equal(bgp_family_name(BGP_FAMILY_IPV6_UNICAST), "ipv6-unicast");
}

const struct CMUnitTest test_codec[] = {
    cmocka_unit_test(test_keepalive_golden),
    cmocka_unit_test(test_frame),
    cmocka_unit_test(test_open_golden_metallb),
    cmocka_unit_test(test_open_golden_full),
    cmocka_unit_test(test_open_decode_variants),
    cmocka_unit_test(test_notification_golden),
    cmocka_unit_test(test_notification_names),
    cmocka_unit_test(test_notification_shutdown_text),
    cmocka_unit_test(test_route_refresh_golden),
    cmocka_unit_test(test_prefix_from_ip),
    cmocka_unit_test(test_names),
};
const size_t test_codec_count = sizeof(test_codec) / sizeof(test_codec[0]);

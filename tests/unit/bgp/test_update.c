/*
 * UPDATE encoding: golden bytes for every kind of UPDATE we send (computed
 * by hand from RFC 4271 4.3, RFC 4760 3-4, RFC 6793, RFC 1997, RFC 8092),
 * the 4096-byte packing limits, and our own messages through our decoder.
 */
#include <string.h>

#include "tests.h"

/* eBGP, 4-octet AS 64512, next hop 192.0.2.1. */
static const struct bgp_update_ctx ebgp4 = {
    .local_as = 64512,
    .ebgp = true,
    .as4 = true,
    .has_nh4 = true,
    .nh4 = {192, 0, 2, 1},
};

static void
test_update_ebgp_golden(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x46, 0x02,                               /* length 70, UPDATE */
        0x00,   0x00,                                           /* no withdrawn routes */
        0x00,   0x2a,                                           /* 42 bytes of attributes */
        0x40,   0x01, 0x01, 0x00,                               /* ORIGIN IGP */
        0x40,   0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfc, 0x00, /* AS_PATH SEQ(64512) */
        0x40,   0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,             /* NEXT_HOP 192.0.2.1 */
        0xc0,   0x08, 0x04, 0xfd, 0xe8, 0x00, 0x64,             /* COMMUNITIES 65000:100 */
        0xc0,   0x20, 0x0c, 0x00, 0x00, 0xfc, 0x00,             /* LARGE_COMMUNITY 64512: */
        0x00,   0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,       /*   1:2 */
        0x20,   0xc6, 0x33, 0x64, 0x0a,                         /* NLRI 198.51.100.10/32 */
    };
    /* Unsorted, with a repeat: sent sorted and once. */
    static const uint32_t comm[] = {0xfde80064, 0xfde80064};
    static const struct bgp_large_community large[] = {{64512, 1, 2}};
    struct bgp_attrs a = {.communities = comm, .ncommunities = 2, .large = large, .nlarge = 1};
    struct bgp_prefix p = test_prefix("198.51.100.10/32");
    uint8_t buf[4096];
    size_t used;

    (void)state;
    expect_bytes(buf, bgp_update_encode(&ebgp4, &a, &p, 1, buf, sizeof(buf), &used), want,
                 sizeof(want));
    assert_int_equal(used, 1);
}

/* iBGP: empty AS_PATH, LOCAL_PREF 100 when none is given. */
static void
test_update_ibgp_golden(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x2f, 0x02,                   /* length 47 */
        0x00,   0x00, 0x00, 0x15,                   /* 21 bytes of attributes */
        0x40,   0x01, 0x01, 0x00,                   /* ORIGIN IGP */
        0x40,   0x02, 0x00,                         /* AS_PATH empty */
        0x40,   0x03, 0x04, 0x0a, 0x00, 0x00, 0x05, /* NEXT_HOP 10.0.0.5 */
        0x40,   0x05, 0x04, 0x00, 0x00, 0x00, 0x64, /* LOCAL_PREF 100 */
        0x10,   0x0a, 0x01,                         /* NLRI 10.1.0.0/16 */
    };
    struct bgp_update_ctx ibgp = {
        .local_as = 64512, .as4 = true, .has_nh4 = true, .nh4 = {10, 0, 0, 5}};
    struct bgp_attrs a = {0};
    struct bgp_prefix p = test_prefix("10.1.0.0/16");
    uint8_t buf[4096];
    size_t used, len;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true, .ebgp = false};

    (void)state;
    len = bgp_update_encode(&ibgp, &a, &p, 1, buf, sizeof(buf), &used);
    expect_bytes(buf, len, want, sizeof(want));
    a.has_local_pref = true;
    a.local_pref = 0;
    len = bgp_update_encode(&ibgp, &a, &p, 1, buf, sizeof(buf), &used);
    assert_int_equal(buf[43], 0x00); /* a given 0 is sent as 0 */
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV4_UNICAST], 1);
}

/* A 4-octet AS to a peer without the capability (RFC 6793 4.2.2). */
static void
test_update_as_trans_golden(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x36, 0x02,                               /* length 54 */
        0x00,   0x00, 0x00, 0x1b,                               /* 27 bytes of attributes */
        0x40,   0x01, 0x01, 0x00,                               /* ORIGIN IGP */
        0x40,   0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,             /* AS_PATH SEQ(AS_TRANS) */
        0x40,   0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,             /* NEXT_HOP */
        0xc0,   0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x00, /* AS4_PATH SEQ(4200000000) */
        0x18,   0xcb, 0x00, 0x71,                               /* NLRI 203.0.113.0/24 */
    };
    struct bgp_update_ctx old = ebgp4;
    struct bgp_attrs a = {0};
    struct bgp_prefix p = test_prefix("203.0.113.0/24");
    uint8_t buf[4096];
    size_t used, len;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = false, .ebgp = true};

    (void)state;
    old.as4 = false;
    old.local_as = 4200000000u;
    len = bgp_update_encode(&old, &a, &p, 1, buf, sizeof(buf), &used);
    expect_bytes(buf, len, want, sizeof(want));
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    /* A 2-octet AS needs no AS4_PATH. */
    old.local_as = 64512;
    len = bgp_update_encode(&old, &a, &p, 1, buf, sizeof(buf), &used);
    assert_int_equal(len, 54 - 9 - 0);
}

/* IPv6: MP_REACH_NLRI first, global and link-local next hop. */
static void
test_update_v6_golden(void **state)
{
    static const uint8_t want[] = {
        MARKER, 0x00, 0x54, 0x02, /* length 84 */
        0x00,   0x00, 0x00, 0x3d, /* 61 bytes of attributes */
        0x90,   0x0e, 0x00, 0x2c, /* MP_REACH_NLRI, extended length 44 */
        0x00,   0x02, 0x01, 0x20, /* AFI 2, SAFI 1, next hop length 32 */
        0x20,   0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,
        0,      0,    0,    0,    0,    0,    0x01, /* 2001:db8::1 */
        0xfe,   0x80, 0,    0,    0,    0,    0,    0,    0,
        0,      0,    0,    0,    0,    0,    0x01,             /* fe80::1 */
        0x00,                                                   /* reserved */
        0x30,   0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,             /* 2001:db8:1::/48 */
        0x40,   0x01, 0x01, 0x00,                               /* ORIGIN IGP */
        0x40,   0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfc, 0x00, /* AS_PATH SEQ(64512) */
    };
    struct bgp_update_ctx c = {.local_as = 64512,
                               .ebgp = true,
                               .as4 = true,
                               .has_nh6 = true,
                               .nh6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
                               .has_nh6_ll = true,
                               .nh6_ll = {0xfe, 0x80, [15] = 1}};
    struct bgp_attrs a = {0};
    struct bgp_prefix p = test_prefix("2001:db8:1::/48");
    uint8_t buf[4096];
    size_t used, len;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true, .ebgp = true};

    (void)state;
    len = bgp_update_encode(&c, &a, &p, 1, buf, sizeof(buf), &used);
    expect_bytes(buf, len, want, sizeof(want));
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV6_UNICAST], 1);
    /* No IPv6 next hop, no IPv6 UPDATE. */
    c.has_nh6 = false;
    assert_int_equal(bgp_update_encode(&c, &a, &p, 1, buf, sizeof(buf), &used), 0);
}

static void
test_withdraw_golden(void **state)
{
    static const uint8_t want4[] = {
        MARKER, 0x00, 0x1c, 0x02,       /* length 28 */
        0x00,   0x05,                   /* 5 bytes of withdrawn routes */
        0x20,   0xc6, 0x33, 0x64, 0x0a, /* 198.51.100.10/32 */
        0x00,   0x00,                   /* no attributes */
    };
    static const uint8_t want6[] = {
        MARKER, 0x00, 0x25, 0x02,                   /* length 37 */
        0x00,   0x00, 0x00, 0x0e,                   /* 14 bytes of attributes */
        0x90,   0x0f, 0x00, 0x0a,                   /* MP_UNREACH_NLRI, extended length 10 */
        0x00,   0x02, 0x01,                         /* AFI 2, SAFI 1 */
        0x30,   0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, /* 2001:db8:1::/48 */
    };
    struct bgp_prefix p4 = test_prefix("198.51.100.10/32");
    struct bgp_prefix p6 = test_prefix("2001:db8:1::/48");
    uint8_t buf[4096];
    size_t used;

    (void)state;
    expect_bytes(buf, bgp_withdraw_encode(&p4, 1, buf, sizeof(buf), &used), want4, sizeof(want4));
    expect_bytes(buf, bgp_withdraw_encode(&p6, 1, buf, sizeof(buf), &used), want6, sizeof(want6));
}

static void
test_eor_golden(void **state)
{
    static const uint8_t want4[] = {MARKER, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t want6[] = {
        MARKER, 0x00, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x06, /* 6 bytes of attributes */
        0x80,   0x0f, 0x03, 0x00, 0x02, 0x01,             /* MP_UNREACH_NLRI 2/1, empty */
    };
    uint8_t buf[64];
    size_t len;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true};

    (void)state;
    len = bgp_eor_encode(BGP_FAMILY_IPV4_UNICAST, buf, sizeof(buf));
    expect_bytes(buf, len, want4, sizeof(want4));
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_true(m.u.update.eor);
    assert_int_equal(m.u.update.eor_family, BGP_FAMILY_IPV4_UNICAST);
    len = bgp_eor_encode(BGP_FAMILY_IPV6_UNICAST, buf, sizeof(buf));
    expect_bytes(buf, len, want6, sizeof(want6));
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_true(m.u.update.eor);
    assert_int_equal(m.u.update.eor_family, BGP_FAMILY_IPV6_UNICAST);
}

/* n /32 prefixes from 10.0.0.0 up. */
static struct bgp_prefix *
many_v4(size_t n)
{
    struct bgp_prefix *v = test_calloc(n, sizeof(*v));

    for (size_t i = 0; i < n; i++) {
        uint32_t a = 0x0a000000u + (uint32_t)i;

        v[i].family = BGP_FAMILY_IPV4_UNICAST;
        v[i].len = 32;
        v[i].addr[0] = (uint8_t)(a >> 24);
        v[i].addr[1] = (uint8_t)(a >> 16);
        v[i].addr[2] = (uint8_t)(a >> 8);
        v[i].addr[3] = (uint8_t)a;
    }
    return v;
}

/*
 * 10,000 /32 with one attribute set: 20 bytes of attributes leave
 * 4096 - 23 - 20 = 4053 bytes, 810 prefixes of 5 bytes per UPDATE, so
 * ceil(10000 / 810) = 13 messages, the last with 280; withdrawn, 814 per
 * message (4073 / 5), 13 too. Every message decodes clean.
 */
static void
test_update_packing_10k(void **state)
{
    size_t n = 10000, done = 0, msgs = 0, used, len;
    struct bgp_prefix *v = many_v4(n);
    struct bgp_attrs a = {0};
    uint8_t buf[4096];
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true, .ebgp = true};
    uint32_t counted = 0;

    (void)state;
    while (done < n) {
        len = bgp_update_encode(&ebgp4, &a, v + done, n - done, buf, sizeof(buf), &used);
        assert_true(len > 0 && len <= 4096);
        assert_int_equal(used, n - done < 810 ? n - done : 810);
        assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
        assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
        counted += m.u.update.announced[BGP_FAMILY_IPV4_UNICAST];
        done += used;
        msgs++;
    }
    assert_int_equal(msgs, 13);
    assert_int_equal(counted, n);
    for (done = 0, msgs = 0; done < n; msgs++) {
        len = bgp_withdraw_encode(v + done, n - done, buf, sizeof(buf), &used);
        assert_true(len > 0 && len <= 4096);
        assert_int_equal(used, n - done < 814 ? n - done : 814);
        done += used;
    }
    assert_int_equal(msgs, 13);
    test_free(v);
}

/* A full message uses the last byte it can: 810 * 5 = 4050 of 4053. */
static void
test_update_packing_exact(void **state)
{
    struct bgp_prefix *v = many_v4(900);
    struct bgp_attrs a = {0};
    uint8_t buf[4096];
    size_t used;

    (void)state;
    assert_int_equal(bgp_update_encode(&ebgp4, &a, v, 900, buf, sizeof(buf), &used),
                     23 + 20 + 810 * 5);
    /* A smaller buffer packs fewer. */
    assert_int_equal(bgp_update_encode(&ebgp4, &a, v, 900, buf, 100, &used), 23 + 20 + 11 * 5);
    assert_int_equal(used, 11);
    /* Prefixes of another family end the message. */
    v[3] = test_prefix("2001:db8::/32");
    assert_int_equal(bgp_update_encode(&ebgp4, &a, v, 900, buf, sizeof(buf), &used),
                     23 + 20 + 3 * 5);
    test_free(v);
}

/* The largest community sets still leave room for prefixes. */
static void
test_update_big_communities(void **state)
{
    uint32_t comm[BGP_MAX_COMMUNITY_BYTES / 4];
    struct bgp_attrs a = {.communities = comm, .ncommunities = 512};
    struct bgp_prefix p = test_prefix("2001:db8::1/128");
    struct bgp_update_ctx c = ebgp4;
    uint8_t buf[4096];
    size_t used, len;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true, .ebgp = true};

    (void)state;
    for (size_t i = 0; i < 512; i++)
        comm[i] = (uint32_t)(512 - i);
    c.has_nh6 = true;
    c.nh6[0] = 0x20;
    len = bgp_update_encode(&c, &a, &p, 1, buf, sizeof(buf), &used);
    assert_true(len > 2048);
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_int_equal(err.outcome, BGP_OUTCOME_NONE);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV6_UNICAST], 1);
    a.ncommunities = 513; /* one too many */
    assert_int_equal(bgp_update_encode(&c, &a, &p, 1, buf, sizeof(buf), &used), 0);
}

/* Prefix lengths 0..32 encode in 1 + ceil(len / 8) bytes. */
static void
test_update_prefix_lengths(void **state)
{
    struct bgp_prefix v[33];
    struct bgp_attrs a = {0};
    uint8_t buf[4096];
    size_t used, len, want = 23 + 20;
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_decode_ctx dctx = {.as4 = true, .ebgp = true};

    (void)state;
    for (unsigned l = 0; l <= 32; l++) {
        memset(&v[l], 0, sizeof(v[l]));
        v[l].family = BGP_FAMILY_IPV4_UNICAST;
        v[l].len = (uint8_t)l;
        want += 1 + (l + 7) / 8;
    }
    len = bgp_update_encode(&ebgp4, &a, v, 33, buf, sizeof(buf), &used);
    assert_int_equal(len, want);
    assert_int_equal(bgp_msg_decode(&dctx, buf, len, &m, &err), 0);
    assert_int_equal(m.u.update.announced[BGP_FAMILY_IPV4_UNICAST], 33);
}

const struct CMUnitTest test_update[] = {
    cmocka_unit_test(test_update_ebgp_golden),     cmocka_unit_test(test_update_ibgp_golden),
    cmocka_unit_test(test_update_as_trans_golden), cmocka_unit_test(test_update_v6_golden),
    cmocka_unit_test(test_withdraw_golden),        cmocka_unit_test(test_eor_golden),
    cmocka_unit_test(test_update_packing_10k),     cmocka_unit_test(test_update_packing_exact),
    cmocka_unit_test(test_update_big_communities), cmocka_unit_test(test_update_prefix_lengths),
};
const size_t test_update_count = sizeof(test_update) / sizeof(test_update[0]);

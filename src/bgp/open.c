/*
 * OPEN encoding and decoding (RFC 4271 4.2) with capabilities (RFC 5492):
 * multiprotocol (RFC 4760), route refresh (RFC 2918), graceful restart
 * (RFC 4724), 4-octet AS (RFC 6793), and the extended optional parameters
 * length of RFC 9072 on input. Capabilities we do not know are counted and
 * ignored, as RFC 5492 3 asks.
 */
#include <string.h>

#include "bgp/internal.h"

#define BGP_PARAM_CAPABILITIES 2
#define BGP_PARAM_EXTENDED 255 /* RFC 9072 marker */

enum bgp_cap_code {
    BGP_CAP_MP = 1,
    BGP_CAP_ROUTE_REFRESH = 2,
    BGP_CAP_EXT_NEXT_HOP = 5,
    BGP_CAP_EXT_MESSAGE = 6,
    BGP_CAP_GRACEFUL_RESTART = 64,
    BGP_CAP_AS4 = 65,
    BGP_CAP_ADD_PATH = 69,
    BGP_CAP_ENHANCED_RR = 70,
    BGP_CAP_ROUTE_REFRESH_OLD = 128,
};

/* ------------------------------------------------------------- encode */

static void
bgp_cap_put_gr(struct bgp_wr *w, const struct bgp_open *o)
{
    size_t n = 0;
    uint16_t hdr = (uint16_t)((o->gr_flags & 0xf) << 12 | (o->gr_time & 0xfff));

    for (int f = 0; f < BGP_FAMILY_COUNT; f++)
        n += (o->gr_families & BGP_FAMILY_BIT(f)) != 0;
    bgp_wr_u8(w, BGP_CAP_GRACEFUL_RESTART);
    bgp_wr_u8(w, (uint8_t)(2 + 4 * n));
    bgp_wr_u16(w, hdr);
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        if ((o->gr_families & BGP_FAMILY_BIT(f)) == 0)
            continue;
        bgp_wr_u16(w, bgp_family_afi((enum bgp_family)f));
        bgp_wr_u8(w, BGP_SAFI_UNICAST);
        bgp_wr_u8(w, (o->gr_forwarding & BGP_FAMILY_BIT(f)) ? 0x80 : 0);
    }
}

static void
bgp_caps_put(struct bgp_wr *w, const struct bgp_open *o)
{
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        if ((o->families & BGP_FAMILY_BIT(f)) == 0)
            continue;
        bgp_wr_u8(w, BGP_CAP_MP);
        bgp_wr_u8(w, 4);
        bgp_wr_u16(w, bgp_family_afi((enum bgp_family)f));
        bgp_wr_u8(w, 0);
        bgp_wr_u8(w, BGP_SAFI_UNICAST);
    }
    if (o->route_refresh) {
        bgp_wr_u8(w, BGP_CAP_ROUTE_REFRESH);
        bgp_wr_u8(w, 0);
    }
    if (o->as4) {
        bgp_wr_u8(w, BGP_CAP_AS4);
        bgp_wr_u8(w, 4);
        bgp_wr_u32(w, o->as);
    }
    if (o->graceful_restart)
        bgp_cap_put_gr(w, o);
}

size_t
bgp_open_encode(const struct bgp_open *o, uint8_t *buf, size_t cap)
{
    struct bgp_wr w;
    size_t opt_off, param_off;

    bgp_wr_init(&w, buf, cap);
    bgp_msg_begin(&w, BGP_MSG_OPEN);
    bgp_wr_u8(&w, BGP_VERSION);
    bgp_wr_u16(&w, o->as > 0xffff ? BGP_AS_TRANS : (uint16_t)o->as);
    bgp_wr_u16(&w, o->hold_time);
    bgp_wr_u32(&w, o->bgp_id);
    opt_off = w.off;
    bgp_wr_u8(&w, 0);
    bgp_wr_u8(&w, BGP_PARAM_CAPABILITIES);
    param_off = w.off;
    bgp_wr_u8(&w, 0);
    bgp_caps_put(&w, o);
    if (w.bad || w.off - param_off - 1 > 255)
        return 0;
    /* Both lengths fit one byte: at most 2 + 4 + 6 + 2 + 10 bytes of caps. */
    w.p[param_off] = (uint8_t)(w.off - param_off - 1);
    w.p[opt_off] = (uint8_t)(w.off - opt_off - 1);
    return bgp_msg_end(&w);
}

/* ------------------------------------------------------------- decode */

static bool
bgp_cap_mp(struct bgp_open *o, struct bgp_rd *v)
{
    uint16_t afi;
    uint8_t res, safi;
    int fam;

    if (bgp_rd_left(v) != 4 || !bgp_rd_u16(v, &afi) || !bgp_rd_u8(v, &res) || !bgp_rd_u8(v, &safi))
        return false;
    o->has_mp = true;
    fam = bgp_family_of(afi, safi);
    if (fam < 0)
        o->other_families++;
    else
        o->families |= BGP_FAMILY_BIT(fam);
    return true;
}

static bool
bgp_cap_gr(struct bgp_open *o, struct bgp_rd *v)
{
    uint16_t hdr, afi = 0;
    uint8_t safi = 0, flags = 0;
    int fam;

    if (bgp_rd_left(v) < 2 || (bgp_rd_left(v) - 2) % 4 != 0 || !bgp_rd_u16(v, &hdr))
        return false;
    o->graceful_restart = true;
    o->gr_flags = (uint8_t)(hdr >> 12);
    o->gr_time = hdr & 0xfff;
    while (bgp_rd_left(v) >= 4) {
        bgp_rd_u16(v, &afi);
        bgp_rd_u8(v, &safi);
        bgp_rd_u8(v, &flags);
        fam = bgp_family_of(afi, safi);
        if (fam < 0)
            continue;
        o->gr_families |= BGP_FAMILY_BIT(fam);
        if (flags & 0x80)
            o->gr_forwarding |= BGP_FAMILY_BIT(fam);
    }
    return true;
}

/* Length rule of the capabilities that carry nothing but their presence. */
static bool
bgp_cap_flag(bool *flag, const struct bgp_rd *v, size_t len, size_t multiple)
{
    size_t left = bgp_rd_left(v);

    if (multiple != 0 ? left % multiple != 0 || left == 0 : left != len)
        return false;
    *flag = true;
    return true;
}

/* One capability; returns false when its length is wrong for its code. */
static bool
bgp_cap_one(struct bgp_open *o, uint8_t code, struct bgp_rd *v)
{
    switch (code) {
    case BGP_CAP_MP:
        return bgp_cap_mp(o, v);
    case BGP_CAP_ROUTE_REFRESH:
    case BGP_CAP_ROUTE_REFRESH_OLD:
        return bgp_cap_flag(&o->route_refresh, v, 0, 0);
    case BGP_CAP_EXT_NEXT_HOP:
        return bgp_cap_flag(&o->extended_next_hop, v, 0, 6);
    case BGP_CAP_EXT_MESSAGE:
        return bgp_cap_flag(&o->extended_message, v, 0, 0);
    case BGP_CAP_GRACEFUL_RESTART:
        return bgp_cap_gr(o, v);
    case BGP_CAP_AS4:
        if (bgp_rd_left(v) != 4 || !bgp_rd_u32(v, &o->as))
            return false;
        o->as4 = true;
        return true;
    case BGP_CAP_ADD_PATH:
        return bgp_cap_flag(&o->add_path, v, 0, 4);
    case BGP_CAP_ENHANCED_RR:
        return bgp_cap_flag(&o->enhanced_route_refresh, v, 0, 0);
    default:
        if (o->unknown_caps < UINT16_MAX)
            o->unknown_caps++;
        return true;
    }
}

/* The capabilities of one parameter of type 2. Returns 0 or -1 (err set). */
static int
bgp_caps_parse(struct bgp_open *o, struct bgp_rd *p, struct bgp_error *err)
{
    while (bgp_rd_left(p) > 0) {
        uint8_t code, clen;
        struct bgp_rd v;

        if (!bgp_rd_u8(p, &code) || !bgp_rd_u8(p, &clen) || !bgp_rd_sub(p, clen, &v)) {
            bgp_fault_raise(err, BGP_FAULT_OPEN_CAPABILITY, NULL, 0);
            return -1;
        }
        if (!bgp_cap_one(o, code, &v) && o->malformed_caps < UINT16_MAX)
            o->malformed_caps++;
    }
    return 0;
}

/*
 * The optional parameters, of 1-byte (RFC 4271) or 2-byte (RFC 9072)
 * lengths. Returns 0 or -1 (err set).
 */
static int
bgp_params_parse(struct bgp_open *o, struct bgp_rd *r, bool extended, struct bgp_error *err)
{
    while (bgp_rd_left(r) > 0) {
        uint8_t type, len8;
        uint16_t len = 0;
        struct bgp_rd p;

        bgp_rd_u8(r, &type);
        if (extended)
            bgp_rd_u16(r, &len);
        else if (bgp_rd_u8(r, &len8))
            len = len8;
        if (!bgp_rd_sub(r, len, &p)) {
            bgp_fault_raise(err, BGP_FAULT_OPEN_LENGTH, NULL, 0);
            return -1;
        }
        if (type != BGP_PARAM_CAPABILITIES) {
            /* Authentication (type 1) is deprecated (RFC 5492 3). */
            bgp_fault_raise(err, BGP_FAULT_OPEN_PARAM, NULL, 0);
            return -1;
        }
        if (bgp_caps_parse(o, &p, err) < 0)
            return -1;
    }
    return 0;
}

/* Takes the optional parameters field as its own reader. Returns false when
 * the lengths do not add up to the message length. */
static bool
bgp_params_field(struct bgp_rd *r, struct bgp_rd *params, bool *extended)
{
    uint8_t optlen, first;
    uint16_t extlen;

    if (!bgp_rd_u8(r, &optlen))
        return false;
    *extended = false;
    /* RFC 9072 2: length 255 and a first type of 255 announce the
     * extended encoding. */
    if (optlen == 255 && bgp_rd_left(r) >= 3 && r->p[r->off] == BGP_PARAM_EXTENDED) {
        bgp_rd_u8(r, &first);
        bgp_rd_u16(r, &extlen);
        *extended = true;
        return bgp_rd_left(r) == extlen && bgp_rd_sub(r, extlen, params);
    }
    return bgp_rd_left(r) == optlen && bgp_rd_sub(r, optlen, params);
}

/* NOTIFICATION data for an unsupported version: the one we speak. */
static const uint8_t bgp_our_version[2] = {0, BGP_VERSION};

int
bgp_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o, struct bgp_error *err)
{
    struct bgp_rd r, params;
    bool extended;

    memset(o, 0, sizeof(*o));
    bgp_rd_init(&r, msg, len);
    r.off = BGP_HEADER_LEN;
    if (!bgp_rd_u8(&r, &o->version))
        goto length;
    if (o->version != BGP_VERSION) {
        /* Data: the version we support, the only one below or above the
         * peer's bid (RFC 4271 6.2). */
        bgp_fault_raise(err, BGP_FAULT_OPEN_VERSION, bgp_our_version, 2);
        return -1;
    }
    bgp_rd_u16(&r, &o->as16);
    bgp_rd_u16(&r, &o->hold_time);
    bgp_rd_u32(&r, &o->bgp_id);
    if (r.bad || !bgp_params_field(&r, &params, &extended))
        goto length;
    o->as = o->as16;
    if (bgp_params_parse(o, &params, extended, err) < 0)
        return -1;
    return 0;
length:
    bgp_fault_raise(err, BGP_FAULT_OPEN_LENGTH, NULL, 0);
    return -1;
}

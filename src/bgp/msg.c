/*
 * Framing (RFC 4271 4.1, 6.1), the small messages (KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH) and the one entry point that decodes any message.
 */
#include <string.h>

#include "bgp/internal.h"

/* Minimum and maximum length of each message type, header included. */
struct bgp_type_len {
    uint16_t min, max;
};

static const struct bgp_type_len bgp_type_lens[] = {
    [BGP_MSG_OPEN] = {29, BGP_MAX_MSG_LEN},
    [BGP_MSG_UPDATE] = {23, BGP_MAX_MSG_LEN},
    [BGP_MSG_NOTIFICATION] = {21, BGP_MAX_MSG_LEN},
    [BGP_MSG_KEEPALIVE] = {19, 19},
    /* RFC 7313 5 makes a wrong ROUTE-REFRESH length its own error, raised
     * by the decoder; framing only needs the header to be whole. */
    [BGP_MSG_ROUTE_REFRESH] = {19, BGP_MAX_MSG_LEN},
};

static bool
bgp_type_known(uint8_t type)
{
    return type >= BGP_MSG_OPEN && type <= BGP_MSG_ROUTE_REFRESH;
}

/* Checks the 19 header bytes (RFC 4271 6.1). Returns 0 or -1 (err set). */
static int
bgp_header_check(const uint8_t *buf, struct bgp_header *hdr, struct bgp_error *err)
{
    uint8_t lenfield[2] = {buf[16], buf[17]};

    for (size_t i = 0; i < BGP_MARKER_LEN; i++) {
        if (buf[i] != 0xff) {
            bgp_fault_raise(err, BGP_FAULT_HDR_MARKER, NULL, 0);
            return -1;
        }
    }
    hdr->length = bgp_get_u16(buf + 16);
    hdr->type = buf[18];
    if (hdr->length < BGP_HEADER_LEN || hdr->length > BGP_MAX_MSG_LEN) {
        /* Data: the erroneous Length field. */
        bgp_fault_raise(err, BGP_FAULT_HDR_LENGTH, lenfield, 2);
        return -1;
    }
    if (!bgp_type_known(hdr->type)) {
        /* Data: the erroneous Type field. */
        bgp_fault_raise(err, BGP_FAULT_HDR_TYPE, &hdr->type, 1);
        return -1;
    }
    if (hdr->length < bgp_type_lens[hdr->type].min || hdr->length > bgp_type_lens[hdr->type].max) {
        bgp_fault_raise(err, BGP_FAULT_HDR_LENGTH, lenfield, 2);
        return -1;
    }
    return 0;
}

int
bgp_frame(const uint8_t *buf, size_t len, struct bgp_header *hdr, struct bgp_error *err)
{
    bgp_error_clear(err);
    if (len < BGP_HEADER_LEN)
        return BGP_FRAME_NEED_MORE;
    if (bgp_header_check(buf, hdr, err) < 0)
        return BGP_FRAME_ERROR;
    return len < hdr->length ? BGP_FRAME_NEED_MORE : BGP_FRAME_OK;
}

static const uint8_t bgp_marker[BGP_MARKER_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

void
bgp_msg_begin(struct bgp_wr *w, uint8_t type)
{
    bgp_wr_bytes(w, bgp_marker, sizeof(bgp_marker));
    bgp_wr_u16(w, 0);
    bgp_wr_u8(w, type);
}

size_t
bgp_msg_end(struct bgp_wr *w)
{
    if (w->bad || w->off > BGP_MAX_MSG_LEN)
        return 0;
    bgp_wr_patch_u16(w, 16, (uint16_t)w->off);
    return w->off;
}

size_t
bgp_keepalive_encode(uint8_t *buf, size_t cap)
{
    struct bgp_wr w;

    bgp_wr_init(&w, buf, cap);
    bgp_msg_begin(&w, BGP_MSG_KEEPALIVE);
    return bgp_msg_end(&w);
}

size_t
bgp_notification_encode(const struct bgp_notify *n, uint8_t *buf, size_t cap)
{
    struct bgp_wr w;
    size_t dlen = n->len > BGP_MAX_NOTIFY_DATA ? BGP_MAX_NOTIFY_DATA : n->len;

    bgp_wr_init(&w, buf, cap);
    bgp_msg_begin(&w, BGP_MSG_NOTIFICATION);
    bgp_wr_u8(&w, n->code);
    bgp_wr_u8(&w, n->subcode);
    bgp_wr_bytes(&w, n->data, dlen);
    return bgp_msg_end(&w);
}

size_t
bgp_route_refresh_encode(const struct bgp_route_refresh *rr, uint8_t *buf, size_t cap)
{
    struct bgp_wr w;

    bgp_wr_init(&w, buf, cap);
    bgp_msg_begin(&w, BGP_MSG_ROUTE_REFRESH);
    bgp_wr_u16(&w, rr->afi);
    bgp_wr_u8(&w, rr->subtype);
    bgp_wr_u8(&w, rr->safi);
    return bgp_msg_end(&w);
}

/* Length of the longest prefix of s[0..len) that ends on a UTF-8 character
 * boundary, so that cutting never splits a character. */
static size_t
bgp_utf8_cut(const char *s, size_t len)
{
    size_t i = len;

    while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--;
    if (i == 0)
        return 0;
    {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

        return len - (i - 1) >= need ? len : i - 1;
    }
}

void
bgp_notify_cease(struct bgp_notify *n, uint8_t subcode, const char *text)
{
    size_t tlen = text != NULL ? strnlen(text, 256) : 0;

    n->code = BGP_ERR_CEASE;
    n->subcode = subcode;
    n->len = 0;
    if (tlen == 0 || (subcode != BGP_CEASE_ADMIN_SHUTDOWN && subcode != BGP_CEASE_ADMIN_RESET))
        return;
    if (tlen > 255)
        tlen = bgp_utf8_cut(text, 255);
    n->data[0] = (uint8_t)tlen;
    memcpy(n->data + 1, text, tlen);
    n->len = (uint16_t)(tlen + 1);
}

size_t
bgp_notify_shutdown_text(const struct bgp_notify *n, const char **text)
{
    size_t tlen;

    if (n->code != BGP_ERR_CEASE ||
        (n->subcode != BGP_CEASE_ADMIN_SHUTDOWN && n->subcode != BGP_CEASE_ADMIN_RESET))
        return 0;
    if (n->len < 1 || n->len > BGP_MAX_NOTIFY_DATA)
        return 0;
    tlen = n->data[0];
    /* RFC 9003 2: a length that overruns the data makes it malformed. */
    if (tlen == 0 || tlen + 1 > n->len)
        return 0;
    *text = (const char *)n->data + 1;
    return tlen;
}

/* ----------------------------------------------------------- decoding */

static int
bgp_decode_notification(const uint8_t *msg, size_t len, struct bgp_notify *n)
{
    struct bgp_rd r;
    const uint8_t *data;
    size_t dlen;

    bgp_rd_init(&r, msg, len);
    r.off = BGP_HEADER_LEN;
    if (!bgp_rd_u8(&r, &n->code) || !bgp_rd_u8(&r, &n->subcode))
        return -1;
    dlen = bgp_rd_left(&r);
    if (dlen > BGP_MAX_NOTIFY_DATA || !bgp_rd_span(&r, dlen, &data))
        return -1;
    memcpy(n->data, data, dlen);
    n->len = (uint16_t)dlen;
    return 0;
}

static int
bgp_decode_refresh(const uint8_t *msg, size_t len, struct bgp_route_refresh *rr,
                   struct bgp_error *err)
{
    struct bgp_rd r;

    if (len != BGP_HEADER_LEN + 4) {
        /* Data: the complete ROUTE-REFRESH message (RFC 7313 5). */
        bgp_fault_raise(err, BGP_FAULT_RR_LENGTH, msg, len);
        return -1;
    }
    bgp_rd_init(&r, msg, len);
    r.off = BGP_HEADER_LEN;
    bgp_rd_u16(&r, &rr->afi);
    bgp_rd_u8(&r, &rr->subtype);
    bgp_rd_u8(&r, &rr->safi);
    return r.bad ? -1 : 0;
}

int
bgp_msg_decode(const struct bgp_decode_ctx *ctx, const uint8_t *msg, size_t len,
               struct bgp_msg *out, struct bgp_error *err)
{
    struct bgp_header hdr;

    if (bgp_frame(msg, len, &hdr, err) != BGP_FRAME_OK || hdr.length != len) {
        if (err->outcome == BGP_OUTCOME_NONE) {
            uint8_t lenfield[2] = {0, 0};

            if (len >= BGP_HEADER_LEN)
                memcpy(lenfield, msg + 16, 2);
            bgp_fault_raise(err, BGP_FAULT_HDR_LENGTH, lenfield, 2);
        }
        return -1;
    }
    out->type = hdr.type;
    switch (hdr.type) {
    case BGP_MSG_OPEN:
        return bgp_open_decode(msg, len, &out->u.open, err);
    case BGP_MSG_UPDATE:
        return bgp_update_decode(ctx, msg, len, &out->u.update, err);
    case BGP_MSG_NOTIFICATION:
        return bgp_decode_notification(msg, len, &out->u.notify);
    case BGP_MSG_ROUTE_REFRESH:
        return bgp_decode_refresh(msg, len, &out->u.refresh, err);
    default: /* KEEPALIVE: the header said all */
        return 0;
    }
}

/* -------------------------------------------------------------- misc */

int
bgp_family_of(uint16_t afi, uint8_t safi)
{
    if (safi != BGP_SAFI_UNICAST)
        return -1;
    if (afi == BGP_AFI_IPV4)
        return BGP_FAMILY_IPV4_UNICAST;
    if (afi == BGP_AFI_IPV6)
        return BGP_FAMILY_IPV6_UNICAST;
    return -1;
}

uint16_t
bgp_family_afi(enum bgp_family f)
{
    return f == BGP_FAMILY_IPV6_UNICAST ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

unsigned
bgp_family_bits(enum bgp_family f)
{
    return f == BGP_FAMILY_IPV6_UNICAST ? 128 : 32;
}

const char *
bgp_family_name(enum bgp_family f)
{
    switch (f) {
    case BGP_FAMILY_IPV4_UNICAST:
        return "ipv4-unicast";
    case BGP_FAMILY_IPV6_UNICAST:
        return "ipv6-unicast";
    default:
        return "unknown";
    }
}

int
bgp_prefix_from_ip(const struct ip_prefix *in, struct bgp_prefix *out)
{
    struct ip_prefix p = ip_prefix_of(&in->addr, in->len);
    unsigned bytes;

    memset(out, 0, sizeof(*out));
    if (p.addr.family == IP_FAMILY_V4 && p.len <= 32) {
        out->family = BGP_FAMILY_IPV4_UNICAST;
        bytes = 4;
    } else if (p.addr.family == IP_FAMILY_V6 && p.len <= 128) {
        out->family = BGP_FAMILY_IPV6_UNICAST;
        bytes = 16;
    } else {
        return -1;
    }
    out->len = (uint8_t)p.len;
    for (unsigned i = 0; i < bytes; i++)
        out->addr[i] = (uint8_t)(p.addr.v >> (8 * (bytes - 1 - i)));
    return 0;
}

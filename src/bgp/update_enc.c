/*
 * DOC: building the UPDATEs we send.
 *
 * Attributes, in ascending type order after the MP attribute that RFC 7606
 * 5.1 wants first:
 *   MP_REACH_NLRI (IPv6 only; optional, extended length, RFC 4760, with the
 *                 link-local next hop after the global one when known,
 *                 RFC 2545 3)
 *   ORIGIN        IGP
 *   AS_PATH       empty to iBGP; one AS_SEQUENCE of our AS to eBGP, 4-octet
 *                 ASNs when negotiated, else 2-octet with AS_TRANS for an AS
 *                 that does not fit (RFC 6793 4.2.2)
 *   NEXT_HOP      IPv4 only: the session's local address
 *   LOCAL_PREF    iBGP only; BGP_DEFAULT_LOCAL_PREF unless given
 *   COMMUNITIES   RFC 1997, sorted, only when there are some
 *   AS4_PATH      only when the 2-octet AS_PATH holds AS_TRANS (RFC 6793)
 *   LARGE_COMMUNITY RFC 8092, sorted, only when there are some
 *
 * Prefixes sharing the attributes fill the message up to 4096 bytes: the
 * builder adds NLRI while they fit and patches the lengths at the end.
 */
#include <string.h>

#include "bgp/internal.h"

/* An attribute header; the extended length only when needed. */
static void
bgp_attr_hdr(struct bgp_wr *w, uint8_t flags, uint8_t type, size_t len)
{
    if (len > 255) {
        bgp_wr_u8(w, flags | BGP_ATTR_FLAG_EXTENDED);
        bgp_wr_u8(w, type);
        bgp_wr_u16(w, (uint16_t)len);
    } else {
        bgp_wr_u8(w, flags);
        bgp_wr_u8(w, type);
        bgp_wr_u8(w, (uint8_t)len);
    }
}

static void
bgp_put_as_path(struct bgp_wr *w, const struct bgp_update_ctx *ctx)
{
    if (!ctx->ebgp) {
        bgp_attr_hdr(w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS_PATH, 0);
        return;
    }
    bgp_attr_hdr(w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS_PATH, ctx->as4 ? 6 : 4);
    bgp_wr_u8(w, BGP_AS_SEQUENCE);
    bgp_wr_u8(w, 1);
    if (ctx->as4)
        bgp_wr_u32(w, ctx->local_as);
    else
        bgp_wr_u16(w, ctx->local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)ctx->local_as);
}

static void
bgp_put_communities(struct bgp_wr *w, const struct bgp_attrs *a)
{
    if (a->ncommunities > 0) {
        bgp_attr_hdr(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_COMMUNITIES,
                     4 * a->ncommunities);
        for (size_t i = 0; i < a->ncommunities; i++)
            bgp_wr_u32(w, a->communities[i]);
    }
}

/* RFC 6793 4.2.2: an OLD peer gets our 4-octet AS in AS4_PATH. */
static void
bgp_put_as4_path(struct bgp_wr *w, const struct bgp_update_ctx *ctx)
{
    if (!ctx->ebgp || ctx->as4 || ctx->local_as <= 0xffff)
        return;
    bgp_attr_hdr(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_AS4_PATH, 6);
    bgp_wr_u8(w, BGP_AS_SEQUENCE);
    bgp_wr_u8(w, 1);
    bgp_wr_u32(w, ctx->local_as);
}

static void
bgp_put_large(struct bgp_wr *w, const struct bgp_attrs *a)
{
    if (a->nlarge > 0) {
        bgp_attr_hdr(w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE,
                     BGP_ATTR_LARGE_COMMUNITIES, 12 * a->nlarge);
        for (size_t i = 0; i < a->nlarge; i++) {
            bgp_wr_u32(w, a->large[i].global);
            bgp_wr_u32(w, a->large[i].local1);
            bgp_wr_u32(w, a->large[i].local2);
        }
    }
}

size_t
bgp_attrs_encode(const struct bgp_update_ctx *ctx, const struct bgp_attrs *a, enum bgp_family f,
                 uint8_t *buf, size_t cap)
{
    struct bgp_wr w;

    bgp_wr_init(&w, buf, cap);
    bgp_attr_hdr(&w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_ORIGIN, 1);
    bgp_wr_u8(&w, 0); /* IGP */
    bgp_put_as_path(&w, ctx);
    if (f == BGP_FAMILY_IPV4_UNICAST) {
        bgp_attr_hdr(&w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_NEXT_HOP, 4);
        bgp_wr_bytes(&w, ctx->nh4, 4);
    }
    if (!ctx->ebgp) {
        bgp_attr_hdr(&w, BGP_ATTR_FLAG_TRANSITIVE, BGP_ATTR_LOCAL_PREF, 4);
        bgp_wr_u32(&w, a->has_local_pref ? a->local_pref : BGP_DEFAULT_LOCAL_PREF);
    }
    bgp_put_communities(&w, a);
    bgp_put_as4_path(&w, ctx);
    bgp_put_large(&w, a);
    return w.bad ? 0 : w.off;
}

/* ------------------------------------------------------------ builder */

static void
bgp_upd_reset(struct bgp_upd_builder *b, enum bgp_family f, bool withdraw, uint8_t *buf, size_t cap)
{
    memset(b, 0, sizeof(*b));
    bgp_wr_init(&b->w, buf, cap < BGP_MAX_MSG_LEN ? cap : BGP_MAX_MSG_LEN);
    b->family = (uint8_t)f;
    b->withdraw = withdraw;
    bgp_msg_begin(&b->w, BGP_MSG_UPDATE);
}

/* The MP attribute header with a 2-byte length to patch, then AFI/SAFI. */
static void
bgp_upd_mp_begin(struct bgp_upd_builder *b, uint8_t type)
{
    bgp_wr_u8(&b->w, BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTENDED);
    bgp_wr_u8(&b->w, type);
    b->mp_len_off = b->w.off;
    bgp_wr_u16(&b->w, 0);
    bgp_wr_u16(&b->w, BGP_AFI_IPV6);
    bgp_wr_u8(&b->w, BGP_SAFI_UNICAST);
}

bool
bgp_upd_begin_announce(struct bgp_upd_builder *b, const struct bgp_update_ctx *ctx,
                       enum bgp_family f, const uint8_t *attrs, size_t attrs_len, uint8_t *buf,
                       size_t cap)
{
    bgp_upd_reset(b, f, false, buf, cap);
    bgp_wr_u16(&b->w, 0); /* no withdrawn routes */
    b->attr_len_off = b->w.off;
    if (f == BGP_FAMILY_IPV4_UNICAST) {
        if (!ctx->has_nh4)
            return false;
        bgp_wr_u16(&b->w, (uint16_t)attrs_len);
        bgp_wr_bytes(&b->w, attrs, attrs_len);
        b->limit = b->w.cap;
    } else {
        if (!ctx->has_nh6)
            return false;
        bgp_wr_u16(&b->w, 0);
        bgp_upd_mp_begin(b, BGP_ATTR_MP_REACH);
        bgp_wr_u8(&b->w, ctx->has_nh6_ll ? 32 : 16);
        bgp_wr_bytes(&b->w, ctx->nh6, 16);
        if (ctx->has_nh6_ll)
            bgp_wr_bytes(&b->w, ctx->nh6_ll, 16);
        bgp_wr_u8(&b->w, 0); /* reserved */
        b->tail = attrs;
        b->tail_len = attrs_len;
        b->limit = attrs_len < b->w.cap ? b->w.cap - attrs_len : 0;
    }
    return !b->w.bad && b->w.off < b->limit;
}

bool
bgp_upd_begin_withdraw(struct bgp_upd_builder *b, enum bgp_family f, uint8_t *buf, size_t cap)
{
    bgp_upd_reset(b, f, true, buf, cap);
    if (f == BGP_FAMILY_IPV4_UNICAST) {
        b->wd_len_off = b->w.off;
        bgp_wr_u16(&b->w, 0);
        b->limit = b->w.cap - 2; /* the attribute length follows */
    } else {
        bgp_wr_u16(&b->w, 0);
        b->attr_len_off = b->w.off;
        bgp_wr_u16(&b->w, 0);
        bgp_upd_mp_begin(b, BGP_ATTR_MP_UNREACH);
        b->limit = b->w.cap;
    }
    return !b->w.bad && b->w.off < b->limit;
}

bool
bgp_upd_add(struct bgp_upd_builder *b, unsigned len, const uint8_t *addr)
{
    size_t bytes = (len + 7) / 8;

    if (b->w.bad || b->w.off + 1 + bytes > b->limit)
        return false;
    bgp_wr_u8(&b->w, (uint8_t)len);
    bgp_wr_bytes(&b->w, addr, bytes);
    b->count++;
    return true;
}

size_t
bgp_upd_finish(struct bgp_upd_builder *b)
{
    struct bgp_wr *w = &b->w;

    if (b->count == 0 || w->bad)
        return 0;
    if (b->family == BGP_FAMILY_IPV4_UNICAST) {
        if (b->withdraw) {
            bgp_wr_patch_u16(w, b->wd_len_off, (uint16_t)(w->off - b->wd_len_off - 2));
            bgp_wr_u16(w, 0);
        }
        return bgp_msg_end(w);
    }
    bgp_wr_patch_u16(w, b->mp_len_off, (uint16_t)(w->off - b->mp_len_off - 2));
    bgp_wr_bytes(w, b->tail, b->tail_len);
    bgp_wr_patch_u16(w, b->attr_len_off, (uint16_t)(w->off - b->attr_len_off - 2));
    return bgp_msg_end(w);
}

/* ---------------------------------------------------- standalone use */

/* Adds prefixes[0..n) of the first one's family while they fit. */
static size_t
bgp_upd_fill(struct bgp_upd_builder *b, const struct bgp_prefix *prefixes, size_t n, size_t *used)
{
    size_t i;

    for (i = 0; i < n && prefixes[i].family == b->family; i++) {
        if (prefixes[i].len > bgp_family_bits(b->family) ||
            !bgp_upd_add(b, prefixes[i].len, prefixes[i].addr))
            break;
    }
    *used = i;
    return bgp_upd_finish(b);
}

size_t
bgp_update_encode(const struct bgp_update_ctx *ctx, const struct bgp_attrs *a,
                  const struct bgp_prefix *prefixes, size_t n, uint8_t *buf, size_t cap,
                  size_t *used)
{
    uint8_t attrs[BGP_ATTR_SCRATCH];
    uint32_t comm[BGP_MAX_COMMUNITY_BYTES / 4];
    struct bgp_large_community large[BGP_MAX_COMMUNITY_BYTES / 12];
    struct bgp_attrs norm;
    struct bgp_upd_builder b;
    size_t alen;

    *used = 0;
    if (n == 0 || prefixes[0].family >= BGP_FAMILY_COUNT ||
        bgp_attrs_normalize(a, comm, large, &norm) < 0)
        return 0;
    alen = bgp_attrs_encode(ctx, &norm, prefixes[0].family, attrs, sizeof(attrs));
    if (alen == 0 || !bgp_upd_begin_announce(&b, ctx, prefixes[0].family, attrs, alen, buf, cap))
        return 0;
    return bgp_upd_fill(&b, prefixes, n, used);
}

size_t
bgp_withdraw_encode(const struct bgp_prefix *prefixes, size_t n, uint8_t *buf, size_t cap,
                    size_t *used)
{
    struct bgp_upd_builder b;

    *used = 0;
    if (n == 0 || prefixes[0].family >= BGP_FAMILY_COUNT ||
        !bgp_upd_begin_withdraw(&b, prefixes[0].family, buf, cap))
        return 0;
    return bgp_upd_fill(&b, prefixes, n, used);
}

size_t
bgp_eor_encode(enum bgp_family f, uint8_t *buf, size_t cap)
{
    struct bgp_wr w;

    bgp_wr_init(&w, buf, cap);
    bgp_msg_begin(&w, BGP_MSG_UPDATE);
    bgp_wr_u16(&w, 0);
    if (f == BGP_FAMILY_IPV4_UNICAST) {
        bgp_wr_u16(&w, 0);
    } else {
        bgp_wr_u16(&w, 6);
        bgp_wr_u8(&w, BGP_ATTR_FLAG_OPTIONAL);
        bgp_wr_u8(&w, BGP_ATTR_MP_UNREACH);
        bgp_wr_u8(&w, 3);
        bgp_wr_u16(&w, bgp_family_afi(f));
        bgp_wr_u8(&w, BGP_SAFI_UNICAST);
    }
    return bgp_msg_end(&w);
}

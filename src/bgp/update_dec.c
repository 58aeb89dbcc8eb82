/*
 * DOC: checking a received UPDATE.
 *
 * We originate only, so the routes a peer sends are counted and dropped,
 * but every byte is checked, because a peer that sends garbage must get the
 * NOTIFICATION the RFCs prescribe and must not crash us. The checks follow
 * RFC 4271 6.3 as revised by RFC 7606: the message lengths and the NLRI
 * fields first (they decide whether the routes can be located at all), then
 * each path attribute through the table bgp_attr_defs[] (expected flags and
 * one checker per type). Checkers only find faults; bgp_fault_raise()
 * (fault.c) decides the outcome. With treat-as-withdraw, the announced
 * routes are counted as withdrawn.
 */
#include <string.h>

#include "bgp/internal.h"

struct bgp_upd_state {
    const struct bgp_decode_ctx *ctx;
    struct bgp_update_info *info;
    struct bgp_error *err;
    uint8_t seen[32];        /* bitmap of attribute types met */
    uint32_t nlri;           /* prefixes in the NLRI field */
    const uint8_t *next_hop; /* the NEXT_HOP attribute, checked with NLRI */
    size_t next_hop_len;
    size_t nattrs;
    bool overrun;          /* the attributes could not all be walked */
    bool mp_unreach_empty; /* an MP_UNREACH_NLRI with no prefix */
    int mp_unreach_family;
};

/* An attribute being checked: the whole of it (for NOTIFICATION data) and
 * its value. */
struct bgp_attr_in {
    uint8_t flags;
    uint8_t type;
    const uint8_t *raw;
    size_t raw_len;
    struct bgp_rd val;
};

typedef void bgp_attr_check_fn(struct bgp_upd_state *st, struct bgp_attr_in *a);

struct bgp_attr_def {
    uint8_t flags; /* expected Optional and Transitive bits */
    bgp_attr_check_fn *check;
};

/* Raises f with the whole attribute as data (RFC 4271 6.3). */
static void
bgp_attr_fault(struct bgp_upd_state *st, const struct bgp_attr_in *a, enum bgp_fault f)
{
    bgp_fault_raise(st->err, f, a->raw, a->raw_len);
}

/*
 * Walks an NLRI field of prefixes of at most maxbits bits (RFC 4271 4.3).
 * Returns the number of prefixes, or -1 when the field is syntactically
 * incorrect (RFC 7606 5.3): a length beyond maxbits or a prefix that runs
 * past the field.
 */
static long
bgp_nlri_walk(struct bgp_rd *r, unsigned maxbits)
{
    long n = 0;
    uint8_t bits;
    const uint8_t *addr;

    while (bgp_rd_left(r) > 0) {
        bgp_rd_u8(r, &bits);
        if (bits > maxbits || !bgp_rd_span(r, (bits + 7u) / 8u, &addr))
            return -1;
        n++;
    }
    return n;
}

static void
bgp_check_length(struct bgp_upd_state *st, struct bgp_attr_in *a, size_t want, enum bgp_fault f)
{
    if (bgp_rd_left(&a->val) != want)
        bgp_attr_fault(st, a, f);
}

/* Lists of fixed-size items: not empty, a whole number of items. */
static void
bgp_check_list(struct bgp_upd_state *st, struct bgp_attr_in *a, size_t item, enum bgp_fault f)
{
    size_t n = bgp_rd_left(&a->val);

    if (n == 0 || n % item != 0)
        bgp_attr_fault(st, a, f);
}

static void
bgp_check_origin(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    uint8_t v;

    /* IGP, EGP, INCOMPLETE */
    if (bgp_rd_left(&a->val) != 1 || !bgp_rd_u8(&a->val, &v) || v > 2)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_ORIGIN);
}

/*
 * AS_PATH syntax (RFC 7606 7.2): known segment types, no empty segment, no
 * overrun or lone trailing byte, and no AS 0 (RFC 7607). Returns false when
 * malformed.
 */
static bool
bgp_as_path_valid(struct bgp_rd *r, size_t asn_size)
{
    while (bgp_rd_left(r) > 0) {
        uint8_t type, count;

        if (!bgp_rd_u8(r, &type) || !bgp_rd_u8(r, &count))
            return false;
        if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET || count == 0)
            return false;
        for (unsigned i = 0; i < count; i++) {
            uint32_t as = 0;
            uint16_t as16;

            if (asn_size == 4 ? !bgp_rd_u32(r, &as) : !bgp_rd_u16(r, &as16))
                return false;
            if (asn_size == 2)
                as = as16;
            if (as == 0)
                return false;
        }
    }
    return true;
}

static void
bgp_check_as_path(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (!bgp_as_path_valid(&a->val, st->ctx->as4 ? 4 : 2))
        bgp_attr_fault(st, a, BGP_FAULT_UPD_AS_PATH);
}

/* Checked after the loop, and only when the NLRI field has prefixes: RFC
 * 4760 3 says to ignore a NEXT_HOP that comes with MP_REACH_NLRI alone. */
static void
bgp_check_next_hop(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    st->next_hop = a->raw;
    st->next_hop_len = a->raw_len;
}

static void
bgp_check_next_hop_value(struct bgp_upd_state *st)
{
    struct bgp_attr_in a = {.raw = st->next_hop, .raw_len = st->next_hop_len};
    size_t hlen = (st->next_hop[0] & BGP_ATTR_FLAG_EXTENDED) ? 4 : 3;
    const uint8_t *v = st->next_hop + hlen;

    if (st->next_hop_len - hlen != 4) {
        bgp_attr_fault(st, &a, BGP_FAULT_UPD_NEXT_HOP_LENGTH);
        return;
    }
    /* RFC 4271 6.3: 0.0.0.0, multicast and broadcast are no host address. */
    if ((v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0) || (v[0] & 0xf0) == 0xe0 ||
        (v[0] == 0xff && v[1] == 0xff && v[2] == 0xff && v[3] == 0xff))
        bgp_attr_fault(st, &a, BGP_FAULT_UPD_NEXT_HOP_INVALID);
}

static void
bgp_check_med(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_length(st, a, 4, BGP_FAULT_UPD_MED);
}

static void
bgp_check_local_pref(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (st->ctx->ebgp)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_LOCAL_PREF_EBGP);
    else
        bgp_check_length(st, a, 4, BGP_FAULT_UPD_LOCAL_PREF);
}

static void
bgp_check_atomic_aggregate(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_length(st, a, 0, BGP_FAULT_UPD_ATOMIC_AGGREGATE);
}

static void
bgp_check_aggregator(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_length(st, a, st->ctx->as4 ? 8 : 6, BGP_FAULT_UPD_AGGREGATOR);
}

static void
bgp_check_communities(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_list(st, a, 4, BGP_FAULT_UPD_COMMUNITIES);
}

static void
bgp_check_originator_id(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (st->ctx->ebgp)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_REFLECTOR_EBGP);
    else
        bgp_check_length(st, a, 4, BGP_FAULT_UPD_ORIGINATOR_ID);
}

static void
bgp_check_cluster_list(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (st->ctx->ebgp)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_REFLECTOR_EBGP);
    else
        bgp_check_list(st, a, 4, BGP_FAULT_UPD_CLUSTER_LIST);
}

/* Next hop lengths RFC 4760 3 (and RFC 2545, RFC 8950) allow per family. */
static bool
bgp_mp_next_hop_ok(int fam, uint8_t len)
{
    if (fam == BGP_FAMILY_IPV6_UNICAST)
        return len == 16 || len == 32;
    return len == 4 || len == 16 || len == 32;
}

static void
bgp_check_mp_reach(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    uint16_t afi;
    uint8_t safi, nhlen, reserved;
    const uint8_t *nh;
    long n;
    int fam;

    if (!bgp_rd_u16(&a->val, &afi) || !bgp_rd_u8(&a->val, &safi) || !bgp_rd_u8(&a->val, &nhlen) ||
        !bgp_rd_span(&a->val, nhlen, &nh) || !bgp_rd_u8(&a->val, &reserved)) {
        bgp_attr_fault(st, a, BGP_FAULT_UPD_MP_REACH);
        return;
    }
    fam = bgp_family_of(afi, safi);
    if (fam < 0) {
        st->info->other_family++;
        return;
    }
    n = bgp_mp_next_hop_ok(fam, nhlen) ? bgp_nlri_walk(&a->val, bgp_family_bits(fam)) : -1;
    if (n < 0)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_MP_REACH);
    else
        st->info->announced[fam] += (uint32_t)n;
}

static void
bgp_check_mp_unreach(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    uint16_t afi;
    uint8_t safi;
    long n;
    int fam;

    if (!bgp_rd_u16(&a->val, &afi) || !bgp_rd_u8(&a->val, &safi)) {
        bgp_attr_fault(st, a, BGP_FAULT_UPD_MP_UNREACH);
        return;
    }
    fam = bgp_family_of(afi, safi);
    if (fam < 0) {
        st->info->other_family++;
        return;
    }
    n = bgp_nlri_walk(&a->val, bgp_family_bits(fam));
    if (n < 0) {
        bgp_attr_fault(st, a, BGP_FAULT_UPD_MP_UNREACH);
        return;
    }
    st->info->withdrawn[fam] += (uint32_t)n;
    st->mp_unreach_empty = n == 0;
    st->mp_unreach_family = fam;
}

static void
bgp_check_ext_communities(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_list(st, a, 8, BGP_FAULT_UPD_EXT_COMMUNITIES);
}

/* RFC 6793 3: a 4-octet speaker never receives AS4_* from another one. */
static void
bgp_check_as4_path(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (st->ctx->as4)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_AS4_FROM_NEW);
    else if (!bgp_as_path_valid(&a->val, 4))
        bgp_attr_fault(st, a, BGP_FAULT_UPD_AS4_PATH);
}

static void
bgp_check_as4_aggregator(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    if (st->ctx->as4)
        bgp_attr_fault(st, a, BGP_FAULT_UPD_AS4_FROM_NEW);
    else
        bgp_check_length(st, a, 8, BGP_FAULT_UPD_AS4_AGGREGATOR);
}

static void
bgp_check_large_communities(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    bgp_check_list(st, a, 12, BGP_FAULT_UPD_LARGE_COMMUNITIES);
}

#define WK BGP_ATTR_FLAG_TRANSITIVE                               /* well-known */
#define OPT_T (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE) /* optional transitive */
#define OPT_N BGP_ATTR_FLAG_OPTIONAL                              /* optional non-transitive */

static const struct bgp_attr_def bgp_attr_defs[256] = {
    [BGP_ATTR_ORIGIN] = {WK, bgp_check_origin},
    [BGP_ATTR_AS_PATH] = {WK, bgp_check_as_path},
    [BGP_ATTR_NEXT_HOP] = {WK, bgp_check_next_hop},
    [BGP_ATTR_MED] = {OPT_N, bgp_check_med},
    [BGP_ATTR_LOCAL_PREF] = {WK, bgp_check_local_pref},
    [BGP_ATTR_ATOMIC_AGGREGATE] = {WK, bgp_check_atomic_aggregate},
    [BGP_ATTR_AGGREGATOR] = {OPT_T, bgp_check_aggregator},
    [BGP_ATTR_COMMUNITIES] = {OPT_T, bgp_check_communities},
    [BGP_ATTR_ORIGINATOR_ID] = {OPT_N, bgp_check_originator_id},
    [BGP_ATTR_CLUSTER_LIST] = {OPT_N, bgp_check_cluster_list},
    [BGP_ATTR_MP_REACH] = {OPT_N, bgp_check_mp_reach},
    [BGP_ATTR_MP_UNREACH] = {OPT_N, bgp_check_mp_unreach},
    [BGP_ATTR_EXT_COMMUNITIES] = {OPT_T, bgp_check_ext_communities},
    [BGP_ATTR_AS4_PATH] = {OPT_T, bgp_check_as4_path},
    [BGP_ATTR_AS4_AGGREGATOR] = {OPT_T, bgp_check_as4_aggregator},
    [BGP_ATTR_LARGE_COMMUNITIES] = {OPT_T, bgp_check_large_communities},
};

static bool
bgp_is_mp(uint8_t type)
{
    return type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH;
}

/* Checks one attribute whose bytes are all there. Returns false when the
 * message cannot be processed further (session reset). */
static bool
bgp_attr_one(struct bgp_upd_state *st, struct bgp_attr_in *a)
{
    const struct bgp_attr_def *def = &bgp_attr_defs[a->type];
    uint8_t bit = (uint8_t)(1u << (a->type & 7));

    if (st->seen[a->type >> 3] & bit) {
        /* RFC 7606 3.g: the first occurrence counts. Data: none
         * (Malformed Attribute List). */
        bgp_fault_raise(
            st->err, bgp_is_mp(a->type) ? BGP_FAULT_UPD_MP_DUPLICATE : BGP_FAULT_UPD_ATTR_DUPLICATE,
            NULL, 0);
        return st->err->outcome != BGP_OUTCOME_SESSION_RESET;
    }
    st->seen[a->type >> 3] |= bit;
    if (def->check == NULL) {
        /* Unknown optional attributes are ignored: we pass nothing on. */
        if (!(a->flags & BGP_ATTR_FLAG_OPTIONAL))
            bgp_attr_fault(st, a, BGP_FAULT_UPD_WELLKNOWN_UNKNOWN);
    } else if ((a->flags & OPT_T) != def->flags) {
        /* RFC 7606 3.c; for the MP attributes, whose routes could not be
         * withdrawn, RFC 4760 7 applies. */
        bgp_attr_fault(st, a,
                       a->type == BGP_ATTR_MP_REACH     ? BGP_FAULT_UPD_MP_REACH
                       : a->type == BGP_ATTR_MP_UNREACH ? BGP_FAULT_UPD_MP_UNREACH
                                                        : BGP_FAULT_UPD_ATTR_FLAGS);
    } else {
        def->check(st, a);
    }
    return st->err->outcome != BGP_OUTCOME_SESSION_RESET;
}

/*
 * Reads the next attribute's header and value. Returns false at the end of
 * the attributes, or when the rest cannot hold an attribute (RFC 7606 4,
 * raised here).
 */
static bool
bgp_attr_next(struct bgp_upd_state *st, struct bgp_rd *r, struct bgp_attr_in *a)
{
    size_t start = r->off;
    uint8_t len8;
    uint16_t len = 0;

    if (bgp_rd_left(r) == 0)
        return false;
    bgp_rd_u8(r, &a->flags);
    bgp_rd_u8(r, &a->type);
    if (a->flags & BGP_ATTR_FLAG_EXTENDED)
        bgp_rd_u16(r, &len);
    else if (bgp_rd_u8(r, &len8))
        len = len8;
    if (!bgp_rd_sub(r, len, &a->val)) {
        /* Data: none; the attribute has no known end. */
        st->overrun = true;
        bgp_fault_raise(st->err, BGP_FAULT_UPD_ATTR_OVERRUN, NULL, 0);
        return false;
    }
    a->raw = r->p + start;
    a->raw_len = r->off - start;
    return true;
}

/* RFC 7606 3.d: with routes in the NLRI field, ORIGIN, AS_PATH and NEXT_HOP
 * must be there; with MP_REACH_NLRI only the first two. */
static const uint8_t bgp_mandatory[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP};

static void
bgp_check_mandatory(struct bgp_upd_state *st)
{
    const uint8_t *need = bgp_mandatory;
    bool reach = (st->seen[BGP_ATTR_MP_REACH >> 3] >> (BGP_ATTR_MP_REACH & 7)) & 1;
    size_t n = st->nlri > 0 ? 3 : reach ? 2 : 0;

    for (size_t i = 0; i < n; i++) {
        if (!((st->seen[need[i] >> 3] >> (need[i] & 7)) & 1)) {
            /* Data: the type code of the missing attribute. */
            bgp_fault_raise(st->err, BGP_FAULT_UPD_MISSING_WELLKNOWN, &need[i], 1);
            return;
        }
    }
    if (st->nlri > 0 && st->next_hop != NULL)
        bgp_check_next_hop_value(st);
}

/* Walks the path attributes. Returns -1 on session reset. */
static int
bgp_attrs_walk(struct bgp_upd_state *st, struct bgp_rd *attrs)
{
    struct bgp_attr_in a;

    while (bgp_attr_next(st, attrs, &a)) {
        st->nattrs++;
        if (!bgp_attr_one(st, &a))
            return -1;
    }
    if (!st->overrun)
        bgp_check_mandatory(st);
    return st->err->outcome == BGP_OUTCOME_SESSION_RESET ? -1 : 0;
}

/* Splits the message into its three fields (RFC 4271 4.3, 6.3). */
static int
bgp_update_fields(const uint8_t *msg, size_t len, struct bgp_rd *wd, struct bgp_rd *attrs,
                  struct bgp_rd *nlri, struct bgp_error *err)
{
    struct bgp_rd r;
    uint16_t wlen = 0, alen = 0;

    bgp_rd_init(&r, msg, len);
    r.off = BGP_HEADER_LEN;
    if (!bgp_rd_u16(&r, &wlen) || !bgp_rd_sub(&r, wlen, wd) || !bgp_rd_u16(&r, &alen) ||
        !bgp_rd_sub(&r, alen, attrs)) {
        bgp_fault_raise(err, BGP_FAULT_UPD_LENGTHS, NULL, 0);
        return -1;
    }
    bgp_rd_sub(&r, bgp_rd_left(&r), nlri);
    return 0;
}

/* Counts the routes and spots End-of-RIB (RFC 4724 2). */
static void
bgp_update_tally(struct bgp_upd_state *st, size_t wlen, size_t alen)
{
    struct bgp_update_info *info = st->info;

    info->announced[BGP_FAMILY_IPV4_UNICAST] += st->nlri;
    if (wlen == 0 && alen == 0 && st->nlri == 0) {
        info->eor = true;
        info->eor_family = BGP_FAMILY_IPV4_UNICAST;
    } else if (wlen == 0 && st->nlri == 0 && st->nattrs == 1 && st->mp_unreach_empty) {
        info->eor = true;
        info->eor_family = (uint8_t)st->mp_unreach_family;
    }
    if (st->err->outcome == BGP_OUTCOME_TREAT_AS_WITHDRAW) {
        for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
            info->withdrawn[f] += info->announced[f];
            info->announced[f] = 0;
        }
    }
}

int
bgp_update_decode(const struct bgp_decode_ctx *ctx, const uint8_t *msg, size_t len,
                  struct bgp_update_info *info, struct bgp_error *err)
{
    struct bgp_upd_state st = {.ctx = ctx, .info = info, .err = err};
    struct bgp_rd wd, attrs, nlri;
    long n;

    memset(info, 0, sizeof(*info));
    if (bgp_update_fields(msg, len, &wd, &attrs, &nlri, err) < 0)
        return -1;
    n = bgp_nlri_walk(&wd, 32);
    if (n < 0) {
        bgp_fault_raise(err, BGP_FAULT_UPD_WITHDRAWN, NULL, 0);
        return -1;
    }
    info->withdrawn[BGP_FAMILY_IPV4_UNICAST] = (uint32_t)n;
    n = bgp_nlri_walk(&nlri, 32);
    if (n < 0) {
        bgp_fault_raise(err, BGP_FAULT_UPD_NLRI, NULL, 0);
        return -1;
    }
    st.nlri = (uint32_t)n;
    if (bgp_attrs_walk(&st, &attrs) < 0)
        return -1;
    bgp_update_tally(&st, wd.len, attrs.len);
    return 0;
}

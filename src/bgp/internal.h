/*
 * Internal to src/bgp: the bounded byte reader and writer every codec file
 * uses, the fault reporter, and the helpers shared between files.
 *
 * The reader never reads past its length: every get fails (returns false and
 * leaves the output untouched) when too few bytes remain, and a failed read
 * makes every later read fail too, so a parser may check once at the end.
 * The writer works the same way for its capacity.
 */
#ifndef METALGATE_BGP_INTERNAL_H
#define METALGATE_BGP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bgp/bgp.h"

#define BGP_MARKER_LEN 16

/* Attribute type codes (IANA "BGP Path Attributes"). */
enum bgp_attr_type {
    BGP_ATTR_ORIGIN = 1,
    BGP_ATTR_AS_PATH = 2,
    BGP_ATTR_NEXT_HOP = 3,
    BGP_ATTR_MED = 4,
    BGP_ATTR_LOCAL_PREF = 5,
    BGP_ATTR_ATOMIC_AGGREGATE = 6,
    BGP_ATTR_AGGREGATOR = 7,
    BGP_ATTR_COMMUNITIES = 8,
    BGP_ATTR_ORIGINATOR_ID = 9,
    BGP_ATTR_CLUSTER_LIST = 10,
    BGP_ATTR_MP_REACH = 14,
    BGP_ATTR_MP_UNREACH = 15,
    BGP_ATTR_EXT_COMMUNITIES = 16,
    BGP_ATTR_AS4_PATH = 17,
    BGP_ATTR_AS4_AGGREGATOR = 18,
    BGP_ATTR_LARGE_COMMUNITIES = 32,
};

#define BGP_ATTR_FLAG_OPTIONAL 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL 0x20
#define BGP_ATTR_FLAG_EXTENDED 0x10

#define BGP_AS_SET 1
#define BGP_AS_SEQUENCE 2
#define BGP_AS_CONFED_SEQUENCE 3
#define BGP_AS_CONFED_SET 4

/* ------------------------------------------------------------- reader */

struct bgp_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool bad; /* a read failed; every later one fails too */
};

static inline void
bgp_rd_init(struct bgp_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->bad = false;
}

static inline size_t
bgp_rd_left(const struct bgp_rd *r)
{
    return r->bad ? 0 : r->len - r->off;
}

/* Takes n bytes: *out points at them inside the buffer. */
static inline bool
bgp_rd_span(struct bgp_rd *r, size_t n, const uint8_t **out)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = true;
        return false;
    }
    *out = r->p + r->off;
    r->off += n;
    return true;
}

static inline bool
bgp_rd_u8(struct bgp_rd *r, uint8_t *v)
{
    const uint8_t *b;

    if (!bgp_rd_span(r, 1, &b))
        return false;
    *v = b[0];
    return true;
}

static inline bool
bgp_rd_u16(struct bgp_rd *r, uint16_t *v)
{
    const uint8_t *b;

    if (!bgp_rd_span(r, 2, &b))
        return false;
    *v = (uint16_t)(b[0] << 8 | b[1]);
    return true;
}

static inline bool
bgp_rd_u32(struct bgp_rd *r, uint32_t *v)
{
    const uint8_t *b;

    if (!bgp_rd_span(r, 4, &b))
        return false;
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

/* Takes n bytes as a reader of their own. */
static inline bool
bgp_rd_sub(struct bgp_rd *r, size_t n, struct bgp_rd *sub)
{
    const uint8_t *b;

    if (!bgp_rd_span(r, n, &b))
        return false;
    bgp_rd_init(sub, b, n);
    return true;
}

/* ------------------------------------------------------------- writer */

struct bgp_wr {
    uint8_t *p;
    size_t cap;
    size_t off;
    bool bad; /* a write did not fit; nothing more is written */
};

static inline void
bgp_wr_init(struct bgp_wr *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->off = 0;
    w->bad = false;
}

static inline bool
bgp_wr_bytes(struct bgp_wr *w, const void *src, size_t n)
{
    if (w->bad || w->cap - w->off < n) {
        w->bad = true;
        return false;
    }
    if (n > 0)
        memcpy(w->p + w->off, src, n);
    w->off += n;
    return true;
}

static inline bool
bgp_wr_u8(struct bgp_wr *w, uint8_t v)
{
    return bgp_wr_bytes(w, &v, 1);
}

static inline bool
bgp_wr_u16(struct bgp_wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    return bgp_wr_bytes(w, b, 2);
}

static inline bool
bgp_wr_u32(struct bgp_wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    return bgp_wr_bytes(w, b, 4);
}

/* Overwrites two bytes already written at off (a length placeholder). */
static inline void
bgp_wr_patch_u16(struct bgp_wr *w, size_t off, uint16_t v)
{
    if (off + 2 <= w->off) {
        w->p[off] = (uint8_t)(v >> 8);
        w->p[off + 1] = (uint8_t)v;
    }
}

static inline uint16_t
bgp_get_u16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* ------------------------------------------------------------- faults */

/* Resets err to "no fault". */
void bgp_error_clear(struct bgp_error *err);

/*
 * Records fault f with NOTIFICATION data (may be NULL/0) in err, keeping the
 * strongest outcome (RFC 7606 3.g): a weaker fault never overwrites a
 * stronger one. Returns the outcome of f. This is the only place where a
 * fault becomes an outcome.
 */
enum bgp_outcome bgp_fault_raise(struct bgp_error *err, enum bgp_fault f, const void *data,
                                 size_t len);

/* ----------------------------------------------------------- helpers */

/* Writes the 19-byte header with a zero length; finish with bgp_msg_end. */
void bgp_msg_begin(struct bgp_wr *w, uint8_t type);
/* Patches the length; returns the message length, or 0 if it overflowed. */
size_t bgp_msg_end(struct bgp_wr *w);

/* Family of an AFI/SAFI pair; -1 when we do not know it. */
int bgp_family_of(uint16_t afi, uint8_t safi);
uint16_t bgp_family_afi(enum bgp_family f);
/* Address bits of a family (32 or 128). */
unsigned bgp_family_bits(enum bgp_family f);

/* OPEN and UPDATE decoders, called by bgp_msg_decode with a whole message. */
int bgp_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o, struct bgp_error *err);
int bgp_update_decode(const struct bgp_decode_ctx *ctx, const uint8_t *msg, size_t len,
                      struct bgp_update_info *info, struct bgp_error *err);

/*
 * UPDATE builder, shared by the standalone encoders and the Adj-RIB-Out:
 * begin, add prefixes while they fit, finish. The attributes of an
 * announcement are encoded once by bgp_attrs_encode.
 */
struct bgp_upd_builder {
    struct bgp_wr w;
    uint8_t family;
    bool withdraw;
    size_t attr_len_off; /* Total Path Attribute Length */
    size_t wd_len_off;   /* Withdrawn Routes Length */
    size_t mp_len_off;   /* the MP attribute's 2-byte length, 0 if none */
    const uint8_t *tail; /* attributes written after the MP_REACH_NLRI */
    size_t tail_len;
    size_t limit; /* prefixes may fill w up to here */
    size_t count;
};

/*
 * Copies a into out with its communities sorted and de-duplicated into comm
 * (BGP_MAX_COMMUNITY_BYTES / 4 entries) and large (/ 12 entries). Returns 0,
 * or -1 when they take more than BGP_MAX_COMMUNITY_BYTES.
 */
int bgp_attrs_normalize(const struct bgp_attrs *a, uint32_t *comm,
                        struct bgp_large_community *large, struct bgp_attrs *out);

#define BGP_ATTR_SCRATCH 2560 /* encoded attributes without NLRI, worst case */

/*
 * Encodes the attributes for an announcement of family f, except
 * MP_REACH_NLRI, into buf: ORIGIN, AS_PATH, NEXT_HOP (IPv4), LOCAL_PREF
 * (iBGP), COMMUNITIES, AS4_PATH, LARGE_COMMUNITY. Returns the length, 0 on
 * overflow.
 */
size_t bgp_attrs_encode(const struct bgp_update_ctx *ctx, const struct bgp_attrs *a,
                        enum bgp_family f, uint8_t *buf, size_t cap);

/* Starts an announcement of family f with the attributes encoded in attrs
 * (bgp_attrs_encode). Returns false when the family has no next hop in ctx
 * or nothing fits. */
bool bgp_upd_begin_announce(struct bgp_upd_builder *b, const struct bgp_update_ctx *ctx,
                            enum bgp_family f, const uint8_t *attrs, size_t attrs_len, uint8_t *buf,
                            size_t cap);
bool bgp_upd_begin_withdraw(struct bgp_upd_builder *b, enum bgp_family f, uint8_t *buf, size_t cap);
/* Adds one prefix of len bits whose address bytes are at addr. Returns
 * false, writing nothing, when it does not fit. */
bool bgp_upd_add(struct bgp_upd_builder *b, unsigned len, const uint8_t *addr);
/* Returns the message length (0 if no prefix was added). */
size_t bgp_upd_finish(struct bgp_upd_builder *b);

#endif

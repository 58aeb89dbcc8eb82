/*
 * bgp/: the pure core of metalgate's BGP speaker (RFC 4271 and friends).
 *
 * Three parts, none of which does I/O, reads a clock or allocates per
 * message:
 *
 *  - the codec: framing, OPEN with capabilities, KEEPALIVE, NOTIFICATION,
 *    ROUTE-REFRESH, UPDATE encoding and the checking decoder. Every decoding
 *    error is one `enum bgp_fault`, and the one table in fault.c says what
 *    each fault does to the session (RFC 4271 section 6, RFC 7606);
 *  - the FSM (RFC 4271 section 8): the runtime feeds it events and executes
 *    the actions it returns (send, connect, close, arm or stop a timer,
 *    session up or down);
 *  - the Adj-RIB-Out: per peer, the desired routes against what the peer
 *    holds, producing the minimal UPDATEs, packed up to 4096 bytes.
 *
 * How the runtime drives all this is in docs/internals/bgp.md. Addresses,
 * ASNs and identifiers are host-order integers or network-order byte arrays,
 * as each field says. Nothing here is thread-safe; one control thread owns
 * every object.
 */
#ifndef METALGATE_BGP_H
#define METALGATE_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ipaddr.h"

#define BGP_VERSION 4
#define BGP_PORT 179
#define BGP_HEADER_LEN 19
#define BGP_MAX_MSG_LEN 4096 /* RFC 4271 4.1; we never offer RFC 8654 */
#define BGP_AS_TRANS 23456   /* RFC 6793 */
#define BGP_DEFAULT_LOCAL_PREF 100
/* A NOTIFICATION's data fills what the 21-byte fixed part leaves. */
#define BGP_MAX_NOTIFY_DATA (BGP_MAX_MSG_LEN - 21)

enum bgp_msg_type {
    BGP_MSG_OPEN = 1,
    BGP_MSG_UPDATE = 2,
    BGP_MSG_NOTIFICATION = 3,
    BGP_MSG_KEEPALIVE = 4,
    BGP_MSG_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* The address families this speaker knows; a bitmask uses 1u << family. */
enum bgp_family { BGP_FAMILY_IPV4_UNICAST = 0, BGP_FAMILY_IPV6_UNICAST = 1, BGP_FAMILY_COUNT };
#define BGP_FAMILY_BIT(f) (1u << (f))
#define BGP_FAMILIES_ALL                                                                           \
    (BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST) | BGP_FAMILY_BIT(BGP_FAMILY_IPV6_UNICAST))

#define BGP_AFI_IPV4 1
#define BGP_AFI_IPV6 2
#define BGP_SAFI_UNICAST 1

/* "ipv4-unicast", "ipv6-unicast". */
const char *bgp_family_name(enum bgp_family f);

/* ---------------------------------------------------------------- errors */

/* NOTIFICATION error codes (RFC 4271 4.5, RFC 7313) and the subcodes we use. */
enum bgp_err_code {
    BGP_ERR_HEADER = 1,
    BGP_ERR_OPEN = 2,
    BGP_ERR_UPDATE = 3,
    BGP_ERR_HOLD_TIMER = 4,
    BGP_ERR_FSM = 5,
    BGP_ERR_CEASE = 6,
    BGP_ERR_ROUTE_REFRESH = 7,
};

enum bgp_err_header {
    BGP_HDR_NOT_SYNCHRONIZED = 1,
    BGP_HDR_BAD_LENGTH = 2,
    BGP_HDR_BAD_TYPE = 3,
};

enum bgp_err_open {
    BGP_OPEN_UNSPECIFIC = 0,
    BGP_OPEN_BAD_VERSION = 1,
    BGP_OPEN_BAD_PEER_AS = 2,
    BGP_OPEN_BAD_BGP_ID = 3,
    BGP_OPEN_UNSUPPORTED_PARAM = 4,
    BGP_OPEN_BAD_HOLD_TIME = 6,
    BGP_OPEN_UNSUPPORTED_CAPABILITY = 7, /* RFC 5492 */
};

enum bgp_err_update {
    BGP_UPD_MALFORMED_ATTR_LIST = 1,
    BGP_UPD_UNRECOGNIZED_WELLKNOWN = 2,
    BGP_UPD_MISSING_WELLKNOWN = 3,
    BGP_UPD_ATTR_FLAGS = 4,
    BGP_UPD_ATTR_LENGTH = 5,
    BGP_UPD_INVALID_ORIGIN = 6,
    BGP_UPD_INVALID_NEXT_HOP = 8,
    BGP_UPD_OPTIONAL_ATTR = 9,
    BGP_UPD_INVALID_NETWORK = 10,
    BGP_UPD_MALFORMED_AS_PATH = 11,
};

/* RFC 6608 */
enum bgp_err_fsm {
    BGP_FSM_UNSPECIFIED = 0,
    BGP_FSM_IN_OPENSENT = 1,
    BGP_FSM_IN_OPENCONFIRM = 2,
    BGP_FSM_IN_ESTABLISHED = 3,
};

/* RFC 4486, RFC 8538, RFC 9384 */
enum bgp_err_cease {
    BGP_CEASE_MAX_PREFIXES = 1,
    BGP_CEASE_ADMIN_SHUTDOWN = 2,
    BGP_CEASE_PEER_DECONFIGURED = 3,
    BGP_CEASE_ADMIN_RESET = 4,
    BGP_CEASE_CONNECTION_REJECTED = 5,
    BGP_CEASE_OTHER_CONFIG_CHANGE = 6,
    BGP_CEASE_COLLISION = 7,
    BGP_CEASE_OUT_OF_RESOURCES = 8,
    BGP_CEASE_HARD_RESET = 9,
    BGP_CEASE_BFD_DOWN = 10,
};

/* RFC 7313 */
enum bgp_err_route_refresh {
    BGP_RR_INVALID_LENGTH = 1,
};

/* A NOTIFICATION, received or to send. */
struct bgp_notify {
    uint8_t code;
    uint8_t subcode;
    uint16_t len; /* bytes of data */
    uint8_t data[BGP_MAX_NOTIFY_DATA];
};

/* Names for logs: "UPDATE Message Error", "Malformed AS_PATH". Never NULL
 * ("Unknown" for codes the RFCs do not define). */
const char *bgp_err_code_name(uint8_t code);
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);

/*
 * Formats a NOTIFICATION for a log line into buf (always NUL-terminated when
 * cap > 0): `UPDATE Message Error/Malformed AS_PATH (3/11)`, followed by
 * `: "text"` for an RFC 9003 shutdown communication. Returns buf.
 */
char *bgp_notify_format(const struct bgp_notify *n, char *buf, size_t cap);

/*
 * What an error does to the session, in ascending severity (RFC 7606 2:
 * when several errors are found, the strongest action wins).
 */
enum bgp_outcome {
    BGP_OUTCOME_NONE = 0,
    BGP_OUTCOME_ATTR_DISCARD,      /* drop the attribute, keep the message */
    BGP_OUTCOME_TREAT_AS_WITHDRAW, /* the message's routes count as withdrawn */
    BGP_OUTCOME_SESSION_RESET,     /* send the NOTIFICATION, close */
    BGP_OUTCOME_COUNT
};

/*
 * Every error the decoder and the OPEN checks can find. fault.c maps each to
 * its outcome and NOTIFICATION code/subcode, with the RFC section that says
 * so; nothing else in bgp/ decides an outcome.
 */
enum bgp_fault {
    BGP_FAULT_NONE = 0,
    /* message header, RFC 4271 6.1 */
    BGP_FAULT_HDR_MARKER,
    BGP_FAULT_HDR_LENGTH,
    BGP_FAULT_HDR_TYPE,
    /* OPEN, RFC 4271 6.2, RFC 5492, RFC 6286, RFC 7607 */
    BGP_FAULT_OPEN_VERSION,
    BGP_FAULT_OPEN_LENGTH,
    BGP_FAULT_OPEN_PARAM,
    BGP_FAULT_OPEN_CAPABILITY,
    BGP_FAULT_OPEN_PEER_AS,
    BGP_FAULT_OPEN_BGP_ID,
    BGP_FAULT_OPEN_HOLD_TIME,
    /* UPDATE, RFC 4271 6.3, RFC 7606 */
    BGP_FAULT_UPD_LENGTHS,
    BGP_FAULT_UPD_WITHDRAWN,
    BGP_FAULT_UPD_NLRI,
    BGP_FAULT_UPD_ATTR_OVERRUN,
    BGP_FAULT_UPD_MP_DUPLICATE,
    BGP_FAULT_UPD_ATTR_DUPLICATE,
    BGP_FAULT_UPD_WELLKNOWN_UNKNOWN,
    BGP_FAULT_UPD_ATTR_FLAGS,
    BGP_FAULT_UPD_MISSING_WELLKNOWN,
    BGP_FAULT_UPD_ORIGIN,
    BGP_FAULT_UPD_AS_PATH,
    BGP_FAULT_UPD_NEXT_HOP_LENGTH,
    BGP_FAULT_UPD_NEXT_HOP_INVALID,
    BGP_FAULT_UPD_MED,
    BGP_FAULT_UPD_LOCAL_PREF,
    BGP_FAULT_UPD_LOCAL_PREF_EBGP,
    BGP_FAULT_UPD_ATOMIC_AGGREGATE,
    BGP_FAULT_UPD_AGGREGATOR,
    BGP_FAULT_UPD_COMMUNITIES,
    BGP_FAULT_UPD_ORIGINATOR_ID,
    BGP_FAULT_UPD_CLUSTER_LIST,
    BGP_FAULT_UPD_REFLECTOR_EBGP,
    BGP_FAULT_UPD_MP_REACH,
    BGP_FAULT_UPD_MP_UNREACH,
    BGP_FAULT_UPD_EXT_COMMUNITIES,
    BGP_FAULT_UPD_LARGE_COMMUNITIES,
    BGP_FAULT_UPD_AS4_PATH,
    BGP_FAULT_UPD_AS4_AGGREGATOR,
    BGP_FAULT_UPD_AS4_FROM_NEW,
    /* ROUTE-REFRESH, RFC 7313 5 */
    BGP_FAULT_RR_LENGTH,
    BGP_FAULT_COUNT
};

struct bgp_fault_rule {
    enum bgp_outcome outcome;
    uint8_t code;     /* NOTIFICATION code/subcode: sent on SESSION_RESET, */
    uint8_t subcode;  /* and what RFC 4271 alone would have sent otherwise */
    const char *rfc;  /* "RFC 7606 7.2" */
    const char *text; /* for logs: "malformed AS_PATH" */
};

/* The rule for a fault; NULL for BGP_FAULT_NONE or out-of-range values. */
const struct bgp_fault_rule *bgp_fault_rule(enum bgp_fault f);

/*
 * The result of checking one message. outcome is the strongest of all faults
 * found, fault the first fault with that outcome. notify is filled only when
 * outcome is BGP_OUTCOME_SESSION_RESET: send it, then close.
 */
struct bgp_error {
    enum bgp_fault fault;
    enum bgp_outcome outcome;
    uint16_t discarded; /* attributes dropped by ATTR_DISCARD */
    struct bgp_notify notify;
};

/* ------------------------------------------------------------- messages */

struct bgp_header {
    uint16_t length; /* whole message, header included */
    uint8_t type;    /* enum bgp_msg_type */
};

#define BGP_FRAME_NEED_MORE 0
#define BGP_FRAME_OK 1
#define BGP_FRAME_ERROR (-1)

/*
 * Looks at the start of a receive buffer. Returns BGP_FRAME_OK when a whole
 * message of hdr->length bytes (valid marker, length and type for the type,
 * RFC 4271 6.1) is at buf, BGP_FRAME_NEED_MORE when more bytes must be read
 * first (never more than BGP_MAX_MSG_LEN in all), BGP_FRAME_ERROR when the
 * header is bad (err says why; the session must be reset). The header is
 * checked as soon as its 19 bytes are there, so a bad length is refused
 * before its body is awaited.
 */
int bgp_frame(const uint8_t *buf, size_t len, struct bgp_header *hdr, struct bgp_error *err);

/* KEEPALIVE: writes 19 bytes. Returns the length, or 0 when cap is too small. */
size_t bgp_keepalive_encode(uint8_t *buf, size_t cap);

/* NOTIFICATION: returns the length, or 0 when cap is too small. */
size_t bgp_notification_encode(const struct bgp_notify *n, uint8_t *buf, size_t cap);

/*
 * Fills n with an RFC 9003 shutdown communication (Cease with subcode
 * BGP_CEASE_ADMIN_SHUTDOWN or _ADMIN_RESET): the text is cut to 255 bytes
 * at a UTF-8 character boundary. text may be NULL (no data).
 */
void bgp_notify_cease(struct bgp_notify *n, uint8_t subcode, const char *text);

/*
 * Extracts an RFC 9003 shutdown communication from a received Cease 2 or 4.
 * Returns its length (0 when there is none or it is malformed) and points
 * *text at it inside n; the text is not NUL-terminated.
 */
size_t bgp_notify_shutdown_text(const struct bgp_notify *n, const char **text);

struct bgp_route_refresh {
    uint16_t afi;
    uint8_t subtype; /* RFC 7313: 0 request, 1 BoRR, 2 EoRR */
    uint8_t safi;
};

size_t bgp_route_refresh_encode(const struct bgp_route_refresh *rr, uint8_t *buf, size_t cap);

/* -------------------------------------------------------------- OPEN */

/*
 * An OPEN with the capabilities this speaker knows. For encoding, as is our
 * AS (the 2-octet field gets AS_TRANS when it does not fit, RFC 6793) and
 * every flag says what to advertise. After decoding, as is the peer's AS as
 * RFC 6793 defines it (the 4-octet capability when present, else the
 * 2-octet field) and as16 the 2-octet field itself.
 */
struct bgp_open {
    uint8_t version;
    uint32_t as;
    uint16_t as16;
    uint16_t hold_time;
    uint32_t bgp_id;             /* host order */
    bool has_mp;                 /* at least one multiprotocol capability */
    uint32_t families;           /* multiprotocol capabilities we know, as a bitmask */
    uint16_t other_families;     /* multiprotocol capabilities for other AFI/SAFIs */
    bool as4;                    /* 4-octet AS capability (RFC 6793) */
    bool route_refresh;          /* RFC 2918 (code 2, or the pre-standard 128) */
    bool enhanced_route_refresh; /* RFC 7313, decoded only */
    bool extended_message;       /* RFC 8654, decoded only */
    bool add_path;               /* RFC 7911, decoded only */
    bool extended_next_hop;      /* RFC 8950, decoded only */
    bool graceful_restart;       /* RFC 4724 */
    uint8_t gr_flags;            /* the 4 flag bits: 0x8 Restart State, 0x4 Notification */
    uint16_t gr_time;            /* seconds, 0..4095 */
    uint32_t gr_families;        /* families listed in the capability */
    uint32_t gr_forwarding;      /* ... with the Forwarding State bit */
    uint16_t unknown_caps;       /* capabilities we do not know (ignored) */
    uint16_t malformed_caps;     /* known capabilities of a wrong length (ignored) */
};

#define BGP_GR_RESTART_STATE 0x8
#define BGP_GR_NOTIFICATION 0x4
#define BGP_GR_MAX_TIME 4095

/*
 * Encodes an OPEN: version 4, one optional parameter of type 2 holding one
 * capability each for the families in o->families, 4-octet AS when o->as4,
 * route refresh when o->route_refresh, graceful restart when
 * o->graceful_restart. Returns the length, or 0 when cap is too small.
 */
size_t bgp_open_encode(const struct bgp_open *o, uint8_t *buf, size_t cap);

/* ------------------------------------------------------------ prefixes */

/* A prefix in wire form: address bytes in network order, host bits zero. */
struct bgp_prefix {
    uint8_t family; /* enum bgp_family */
    uint8_t len;    /* 0..32 or 0..128 */
    uint8_t addr[16];
};

/* Converts a core prefix (host bits are cleared). Returns 0, or -1 when the
 * family is neither IPv4 nor IPv6. */
int bgp_prefix_from_ip(const struct ip_prefix *in, struct bgp_prefix *out);

/* ---------------------------------------------------------- attributes */

struct bgp_large_community {
    uint32_t global, local1, local2;
};

/*
 * The attributes of a set of announced prefixes that do not depend on the
 * session. ORIGIN (IGP), AS_PATH and NEXT_HOP come from the session
 * (struct bgp_update_ctx). LOCAL_PREF goes to iBGP peers only, with
 * BGP_DEFAULT_LOCAL_PREF when has_local_pref is false. Communities are
 * sent sorted and without duplicates whatever order they are given in.
 */
struct bgp_attrs {
    bool has_local_pref;
    uint32_t local_pref;
    const uint32_t *communities; /* (A << 16) | B */
    size_t ncommunities;
    const struct bgp_large_community *large;
    size_t nlarge;
};

/* Communities and large communities take at most this many bytes, so that
 * every attribute set fits in one UPDATE with room for prefixes. */
#define BGP_MAX_COMMUNITY_BYTES 2048

/*
 * Interned attribute sets, shared by every peer: an Adj-RIB-Out entry holds
 * a 24-bit id, never a copy. Ids are reference-counted; id 0 is never used.
 */
struct bgp_attr_pool;

struct bgp_attr_pool *bgp_attr_pool_new(void);
void bgp_attr_pool_free(struct bgp_attr_pool *pool);

/*
 * Returns in *id the set equal to a (after sorting and de-duplicating its
 * communities), creating it when new, with one more reference that the
 * caller owns. Returns 0, or -1 when memory runs out, the communities exceed
 * BGP_MAX_COMMUNITY_BYTES or 2^24 - 1 sets are alive.
 */
int bgp_attr_intern(struct bgp_attr_pool *pool, const struct bgp_attrs *a, uint32_t *id);
void bgp_attr_ref(struct bgp_attr_pool *pool, uint32_t id);
/* Drops one reference; the set is freed (and its id reused) at zero. */
void bgp_attr_unref(struct bgp_attr_pool *pool, uint32_t id);
/* A view of a live set, valid until its last reference goes. NULL if dead. */
const struct bgp_attrs *bgp_attr_get(const struct bgp_attr_pool *pool, uint32_t id);
/* Live sets, and the bytes the pool holds. */
size_t bgp_attr_pool_count(const struct bgp_attr_pool *pool);
size_t bgp_attr_pool_bytes(const struct bgp_attr_pool *pool);

/* ------------------------------------------------------------- UPDATE */

/* What the session adds to every UPDATE it sends. */
struct bgp_update_ctx {
    uint32_t local_as;
    bool ebgp;    /* AS_PATH holds local_as; no LOCAL_PREF */
    bool as4;     /* 4-octet AS negotiated; else 2-octet AS_PATH (+ AS4_PATH) */
    bool has_nh4; /* IPv4 routes can be sent only with it */
    uint8_t nh4[4];
    bool has_nh6; /* IPv6 routes can be sent only with it */
    uint8_t nh6[16];
    bool has_nh6_ll; /* link-local next hop too (RFC 2545) */
    uint8_t nh6_ll[16];
};

/*
 * Encodes one UPDATE announcing the first prefixes of prefixes[0..n), all of
 * the same family, with attributes a, as many as fit in cap (at most
 * BGP_MAX_MSG_LEN) bytes. Returns the message length and sets *used to the
 * number of prefixes in it; returns 0 when not even one fits or the context
 * has no next hop for the family.
 */
size_t bgp_update_encode(const struct bgp_update_ctx *ctx, const struct bgp_attrs *a,
                         const struct bgp_prefix *prefixes, size_t n, uint8_t *buf, size_t cap,
                         size_t *used);

/* The same for withdrawals (Withdrawn Routes for IPv4, MP_UNREACH_NLRI for
 * IPv6). */
size_t bgp_withdraw_encode(const struct bgp_prefix *prefixes, size_t n, uint8_t *buf, size_t cap,
                           size_t *used);

/* End-of-RIB (RFC 4724 2): an empty UPDATE for IPv4, an MP_UNREACH_NLRI with
 * no prefixes for IPv6. Returns the length (23 or 29), or 0 if cap is short. */
size_t bgp_eor_encode(enum bgp_family f, uint8_t *buf, size_t cap);

/* What the decoder needs to know of the session. */
struct bgp_decode_ctx {
    bool as4;  /* AS_PATH carries 4-octet ASNs */
    bool ebgp; /* LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST are dropped */
};

/* What a received UPDATE carried. We originate only: routes are counted. */
struct bgp_update_info {
    uint32_t withdrawn[BGP_FAMILY_COUNT];
    uint32_t announced[BGP_FAMILY_COUNT];
    uint16_t other_family; /* MP attributes of families we do not parse */
    bool eor;              /* an End-of-RIB marker for eor_family */
    uint8_t eor_family;
};

/* ------------------------------------------------------ any message */

struct bgp_msg {
    uint8_t type; /* enum bgp_msg_type */
    union {
        struct bgp_open open;
        struct bgp_notify notify;
        struct bgp_route_refresh refresh;
        struct bgp_update_info update;
    } u;
};

/*
 * Decodes and checks one whole message (msg, len as bgp_frame delimited it;
 * the header is checked again, nothing is trusted). Returns 0 when the
 * session goes on, with err->outcome saying whether an UPDATE was treated
 * as withdraw or lost attributes, or -1 when it must be reset: err->notify
 * is then the NOTIFICATION to send (the FSM event is BGP_EV_HEADER_ERR,
 * BGP_EV_OPEN_ERR or BGP_EV_UPDATE_ERR by msg type, see bgp_fault_event).
 * Semantic OPEN checks that need the configuration are the FSM's.
 */
int bgp_msg_decode(const struct bgp_decode_ctx *ctx, const uint8_t *msg, size_t len,
                   struct bgp_msg *out, struct bgp_error *err);

/* ---------------------------------------------------------------- FSM */

/* RFC 4271 8.2.2. */
enum bgp_state {
    BGP_STATE_IDLE = 0,
    BGP_STATE_CONNECT,
    BGP_STATE_ACTIVE,
    BGP_STATE_OPENSENT,
    BGP_STATE_OPENCONFIRM,
    BGP_STATE_ESTABLISHED,
    BGP_STATE_COUNT
};

/* "Idle", "Connect", ... as RFC 4271 spells them. */
const char *bgp_state_name(enum bgp_state s);

/* The events of RFC 4271 8.1 that this FSM uses (RFC numbers in comments). */
enum bgp_event_type {
    BGP_EV_MANUAL_START = 0,      /* 1 (4 with cfg.passive) */
    BGP_EV_MANUAL_STOP,           /* 2; event.cease_subcode, .text */
    BGP_EV_CONNECT_RETRY_EXPIRES, /* 9 */
    BGP_EV_HOLD_EXPIRES,          /* 10 */
    BGP_EV_KEEPALIVE_EXPIRES,     /* 11 */
    BGP_EV_IDLE_HOLD_EXPIRES,     /* 13: automatic restart after backoff */
    BGP_EV_TCP_CONFIRMED,         /* 16/17: our connect or the accept done */
    BGP_EV_TCP_FAILS,             /* 18 */
    BGP_EV_OPEN,                  /* 19: event.open */
    BGP_EV_HEADER_ERR,            /* 21: event.notify is what to send */
    BGP_EV_OPEN_ERR,              /* 22: event.notify */
    BGP_EV_NOTIF,                 /* 24/25: event.notify is what came */
    BGP_EV_KEEPALIVE,             /* 26 */
    BGP_EV_UPDATE,                /* 27 */
    BGP_EV_UPDATE_ERR,            /* 28: event.notify */
    BGP_EV_ROUTE_REFRESH,         /* RFC 2918 message received */
    BGP_EV_UPDATE_SENT,           /* we sent an UPDATE: KeepaliveTimer restarts */
    BGP_EV_COUNT
};

const char *bgp_event_name(enum bgp_event_type e);

struct bgp_event {
    enum bgp_event_type type;
    const struct bgp_open *open;     /* BGP_EV_OPEN */
    const struct bgp_notify *notify; /* *_ERR and BGP_EV_NOTIF */
    uint8_t cease_subcode;           /* BGP_EV_MANUAL_STOP; 0 means admin shutdown */
    const char *text;                /* BGP_EV_MANUAL_STOP: RFC 9003 text or NULL */
};

/* The FSM event for a decoding error of a message of the given type. */
enum bgp_event_type bgp_fault_event(uint8_t msg_type);

enum bgp_timer {
    BGP_TIMER_CONNECT_RETRY = 0,
    BGP_TIMER_HOLD,
    BGP_TIMER_KEEPALIVE,
    BGP_TIMER_IDLE_HOLD,
    BGP_TIMER_COUNT
};

const char *bgp_timer_name(enum bgp_timer t);

enum bgp_action_type {
    BGP_ACT_CONNECT = 0, /* open a TCP connection to the peer */
    BGP_ACT_CLOSE,       /* close it (after flushing what was queued) */
    BGP_ACT_SEND_OPEN,   /* encode bgp_fsm_local_open() and send it */
    BGP_ACT_SEND_KEEPALIVE,
    BGP_ACT_SEND_NOTIFICATION, /* actions.notify */
    BGP_ACT_TIMER_START,       /* (re)arm timer to fire once after ms */
    BGP_ACT_TIMER_STOP,
    BGP_ACT_SESSION_UP,   /* fsm.session is valid: start announcing */
    BGP_ACT_SESSION_DOWN, /* forget what the peer held */
    BGP_ACT_COUNT
};

struct bgp_action {
    enum bgp_action_type type;
    enum bgp_timer timer; /* TIMER_START, TIMER_STOP */
    uint32_t ms;          /* TIMER_START */
};

#define BGP_MAX_ACTIONS 16

/* What one step asks of the runtime, to execute in order. */
struct bgp_actions {
    size_t n;
    struct bgp_action v[BGP_MAX_ACTIONS];
    struct bgp_notify notify; /* for BGP_ACT_SEND_NOTIFICATION */
    enum bgp_state from, to;
};

enum bgp_dynamic_asn {
    BGP_DYNAMIC_ASN_NONE = 0,
    BGP_DYNAMIC_ASN_INTERNAL, /* peer AS must equal local_as */
    BGP_DYNAMIC_ASN_EXTERNAL, /* peer AS must differ from local_as */
};

/* Defaults (docs/internals/bgp.md says where each comes from). */
#define BGP_DEFAULT_HOLD_TIME 90     /* MetalLB native */
#define BGP_DEFAULT_CONNECT_RETRY 10 /* seconds; MetalLB native's connect timeout */
#define BGP_DEFAULT_OPEN_HOLD 240    /* RFC 4271 8.2.2: "4 minutes" */
#define BGP_DEFAULT_BACKOFF_INITIAL_MS 1000
#define BGP_DEFAULT_BACKOFF_MAX_MS 120000

struct bgp_fsm_config {
    uint32_t local_as;
    uint32_t peer_as; /* 0 with dynamic_asn set */
    enum bgp_dynamic_asn dynamic_asn;
    uint32_t router_id;          /* host order, not 0 */
    uint16_t hold_time;          /* offered: 0 or >= 3 */
    uint16_t keepalive;          /* 0: a third of the negotiated hold time */
    uint16_t connect_retry;      /* seconds, >= 1 */
    uint16_t open_hold;          /* hold time until the OPEN arrives, seconds */
    uint32_t backoff_initial_ms; /* first automatic restart delay */
    uint32_t backoff_max_ms;     /* doubling stops here */
    bool passive;                /* wait for the peer to connect, never dial */
    uint32_t families;           /* offered in OPEN */
    bool graceful_restart;       /* advertise RFC 4724 as a restarting speaker */
    uint16_t gr_time;            /* restart time, <= 4095 s */
    uint8_t gr_flags;            /* BGP_GR_RESTART_STATE after our own restart */
    bool gr_forwarding;          /* forwarding state kept across the restart */
};

/* Fills cfg with the defaults above (families: both; active). */
void bgp_fsm_config_default(struct bgp_fsm_config *cfg);

/* Returns NULL when cfg can run, else a static reason ("hold time must be 0
 * or >= 3"). */
const char *bgp_fsm_config_check(const struct bgp_fsm_config *cfg);

/* What was negotiated: valid from OpenConfirm on. */
struct bgp_session {
    uint32_t peer_as;
    uint32_t peer_id;
    bool ebgp;
    uint16_t hold_time; /* seconds, 0 = no keepalives, no hold timer */
    uint16_t keepalive; /* seconds, 0 when hold_time is 0 */
    bool as4;
    bool route_refresh;
    uint32_t families; /* offered by both (IPv4 alone if the peer has no MP) */
    bool peer_gr;      /* the peer advertised graceful restart */
    uint16_t peer_gr_time;
    uint8_t peer_gr_flags;
};

struct bgp_fsm {
    struct bgp_fsm_config cfg;
    enum bgp_state state;
    bool auto_restart; /* started and not stopped: Idle restarts */
    uint32_t connect_retry_counter;
    uint32_t backoff_ms; /* the next automatic restart delay */
    uint32_t established_count;
    struct bgp_session session;
};

/* Starts in Idle, stopped. cfg is copied; check it first. */
void bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg);

/*
 * Runs one event: the state changes (only ever through one function in
 * fsm.c) and out receives the actions to execute in order. Events that make
 * no sense in a state follow RFC 4271 8.2.2 (mostly: FSM error, Idle).
 */
void bgp_fsm_step(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out);

/* The OPEN this speaker sends. */
void bgp_fsm_local_open(const struct bgp_fsm *fsm, struct bgp_open *out);

/*
 * Checks a decoded OPEN against the configuration (RFC 4271 6.2 with RFC
 * 6286 and RFC 7607): peer AS (or dynamic internal/external), BGP
 * identifier not zero and, for iBGP, not ours, hold time 0 or >= 3. Returns
 * BGP_FAULT_NONE or the fault; err gets the NOTIFICATION to send.
 */
enum bgp_fault bgp_open_check(const struct bgp_fsm_config *cfg, const struct bgp_open *peer,
                              struct bgp_error *err);

/* Fills s from our configuration and the peer's accepted OPEN. */
void bgp_negotiate(const struct bgp_fsm_config *cfg, const struct bgp_open *peer,
                   struct bgp_session *s);

/* ------------------------------------------------------- Adj-RIB-Out */

/* A desired route: a prefix and an interned attribute set id. */
struct bgp_route {
    struct bgp_prefix prefix;
    uint32_t attr;
};

/*
 * One peer's Adj-RIB-Out: the routes we want the peer to hold and the ones
 * it holds, in sorted arrays (12 bytes per IPv4 prefix, 24 per IPv6). It
 * references attribute sets of pool, which must outlive it.
 */
struct bgp_adj_out;

struct bgp_adj_out *bgp_adj_out_new(struct bgp_attr_pool *pool);
void bgp_adj_out_free(struct bgp_adj_out *rib);

/*
 * Replaces the desired routes with routes[0..n) (any order; of duplicate
 * prefixes the first counts). The entries take their own references to the
 * attribute sets; the caller keeps its. While the session is up, the
 * difference to what the peer holds becomes pending: new and changed routes
 * to announce, vanished ones to withdraw, nothing else. Returns 0, or -1
 * (nothing changed) when memory runs out or an id is not a live set.
 */
int bgp_adj_out_set(struct bgp_adj_out *rib, const struct bgp_route *routes, size_t n);

/*
 * The session is established: the peer holds nothing of ours (or stale
 * copies, RFC 4724), so every desired route of the given families is
 * pending, then one End-of-RIB per family. Families outside the mask are
 * never sent (not negotiated, or no next hop for them). Returns 0, or -1
 * when memory runs out (the session must then be reset: Cease, Out of
 * Resources).
 */
int bgp_adj_out_session_up(struct bgp_adj_out *rib, uint32_t families);

/* The session is gone: nothing is held by the peer, nothing is pending. */
void bgp_adj_out_session_down(struct bgp_adj_out *rib);

/* ROUTE-REFRESH for a family: re-announce everything of it. Returns 0, or
 * -1 when memory runs out (nothing changed). */
int bgp_adj_out_refresh(struct bgp_adj_out *rib, enum bgp_family f);

/* True when bgp_adj_out_next has something to send. */
bool bgp_adj_out_pending(const struct bgp_adj_out *rib);

/*
 * Encodes the next pending UPDATE into buf (cap >= BGP_MAX_MSG_LEN) and
 * counts its routes as held by the peer. Order: per family, withdrawals,
 * then announcements grouped by attribute set (as few messages as fit), then
 * End-of-RIB after the initial table. Returns the length, 0 when nothing is
 * pending. The runtime sends the bytes as they are; when the connection
 * fails, bgp_adj_out_session_down forgets them anyway.
 */
size_t bgp_adj_out_next(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, uint8_t *buf,
                        size_t cap);

struct bgp_adj_out_stats {
    size_t desired[BGP_FAMILY_COUNT];    /* routes we want announced */
    size_t advertised[BGP_FAMILY_COUNT]; /* routes the peer holds */
    size_t pending_announce;
    size_t pending_withdraw;
    uint64_t updates;   /* UPDATE messages produced, End-of-RIB included */
    uint64_t announced; /* prefixes announced (re-announcements included) */
    uint64_t withdrawn;
    size_t bytes; /* heap held by this Adj-RIB-Out */
};

void bgp_adj_out_stats(const struct bgp_adj_out *rib, struct bgp_adj_out_stats *out);

#endif

/*
 * DOC: what every decoding error does to the session.
 *
 * The codec and the OPEN checks find faults; this file alone decides what a
 * fault means. bgp_fault_rules[] names, for each fault, the outcome RFC 7606
 * (or RFC 4271 section 6 where RFC 7606 leaves it unchanged) prescribes and
 * the NOTIFICATION code/subcode. For faults that no longer reset the session,
 * the code/subcode is what RFC 4271 alone would have sent; logs show it.
 *
 * NOTIFICATION data (RFC 4271 6): the caller of bgp_fault_raise passes it,
 * and each raise site's comment says which bytes: the erroneous length or
 * type field for header errors, 2 bytes "4" for an unsupported version, the
 * whole attribute (flags, type, length, value) for attribute errors, the
 * missing type code for a missing well-known attribute, the whole message
 * for a ROUTE-REFRESH length error (RFC 7313 5), nothing otherwise.
 *
 * Deliberate choices, each in the table with its reason:
 *  - MP_REACH_NLRI/MP_UNREACH_NLRI errors reset the session (RFC 4760 7,
 *    RFC 7606 7.11): we do not implement "AFI/SAFI disable".
 *  - An unrecognized well-known attribute still resets the session, as RFC
 *    4271 6.3 says: RFC 7606 does not revise it, and without knowing the
 *    attribute nothing tells whether treat-as-withdraw would be safe.
 *  - An OPEN whose lengths do not add up, or whose capability overruns its
 *    parameter, gets OPEN Message Error / Unspecific (subcode 0): RFC 4271
 *    6.2 has no subcode for it.
 */
#include <stdio.h>
#include <string.h>

#include "bgp/internal.h"

#define RESET BGP_OUTCOME_SESSION_RESET
#define TAW BGP_OUTCOME_TREAT_AS_WITHDRAW
#define DISCARD BGP_OUTCOME_ATTR_DISCARD

static const struct bgp_fault_rule bgp_fault_rules[BGP_FAULT_COUNT] = {
    [BGP_FAULT_HDR_MARKER] = {RESET, 1, 1, "RFC 4271 6.1", "marker is not all ones"},
    [BGP_FAULT_HDR_LENGTH] = {RESET, 1, 2, "RFC 4271 6.1", "bad message length"},
    [BGP_FAULT_HDR_TYPE] = {RESET, 1, 3, "RFC 4271 6.1", "unknown message type"},

    [BGP_FAULT_OPEN_VERSION] = {RESET, 2, 1, "RFC 4271 6.2", "unsupported version"},
    [BGP_FAULT_OPEN_LENGTH] = {RESET, 2, 0, "RFC 4271 6.2", "OPEN lengths do not add up"},
    [BGP_FAULT_OPEN_PARAM] = {RESET, 2, 4, "RFC 4271 6.2", "unsupported optional parameter"},
    [BGP_FAULT_OPEN_CAPABILITY] = {RESET, 2, 0, "RFC 5492 3", "capability overruns its parameter"},
    [BGP_FAULT_OPEN_PEER_AS] = {RESET, 2, 2, "RFC 4271 6.2, RFC 7607", "unexpected peer AS"},
    [BGP_FAULT_OPEN_BGP_ID] = {RESET, 2, 3, "RFC 6286 2.2", "bad BGP identifier"},
    [BGP_FAULT_OPEN_HOLD_TIME] = {RESET, 2, 6, "RFC 4271 6.2", "hold time 1 or 2"},

    /* The NLRI cannot be located: RFC 7606 3.i keeps the session reset. */
    [BGP_FAULT_UPD_LENGTHS] = {RESET, 3, 1, "RFC 4271 6.3", "lengths exceed the message"},
    [BGP_FAULT_UPD_WITHDRAWN] = {RESET, 3, 10, "RFC 7606 3.h, 5.3", "malformed withdrawn routes"},
    [BGP_FAULT_UPD_NLRI] = {RESET, 3, 10, "RFC 7606 5.3", "malformed NLRI"},
    /* The Total Path Attribute Length still locates the NLRI. */
    [BGP_FAULT_UPD_ATTR_OVERRUN] = {TAW, 3, 1, "RFC 7606 4", "attribute overruns the attributes"},
    [BGP_FAULT_UPD_MP_DUPLICATE] = {RESET, 3, 1, "RFC 7606 3.g", "MP attribute repeated"},
    [BGP_FAULT_UPD_ATTR_DUPLICATE] = {DISCARD, 3, 1, "RFC 7606 3.g", "attribute repeated"},
    [BGP_FAULT_UPD_WELLKNOWN_UNKNOWN] = {RESET, 3, 2, "RFC 4271 6.3",
                                         "unrecognized well-known attribute"},
    [BGP_FAULT_UPD_ATTR_FLAGS] = {TAW, 3, 4, "RFC 7606 3.c", "attribute flags conflict"},
    [BGP_FAULT_UPD_MISSING_WELLKNOWN] = {TAW, 3, 3, "RFC 7606 3.d", "missing well-known attribute"},
    [BGP_FAULT_UPD_ORIGIN] = {TAW, 3, 6, "RFC 7606 7.1", "malformed ORIGIN"},
    [BGP_FAULT_UPD_AS_PATH] = {TAW, 3, 11, "RFC 7606 7.2, RFC 7607", "malformed AS_PATH"},
    [BGP_FAULT_UPD_NEXT_HOP_LENGTH] = {TAW, 3, 5, "RFC 7606 7.3", "NEXT_HOP length is not 4"},
    [BGP_FAULT_UPD_NEXT_HOP_INVALID] = {TAW, 3, 8, "RFC 7606 7.3", "invalid NEXT_HOP"},
    [BGP_FAULT_UPD_MED] = {TAW, 3, 5, "RFC 7606 7.4", "MULTI_EXIT_DISC length is not 4"},
    [BGP_FAULT_UPD_LOCAL_PREF] = {TAW, 3, 5, "RFC 7606 7.5", "LOCAL_PREF length is not 4"},
    [BGP_FAULT_UPD_LOCAL_PREF_EBGP] = {DISCARD, 3, 4, "RFC 7606 7.5", "LOCAL_PREF from eBGP"},
    [BGP_FAULT_UPD_ATOMIC_AGGREGATE] = {DISCARD, 3, 5, "RFC 7606 7.6",
                                        "ATOMIC_AGGREGATE length is not 0"},
    [BGP_FAULT_UPD_AGGREGATOR] = {DISCARD, 3, 5, "RFC 7606 7.7", "AGGREGATOR length is wrong"},
    [BGP_FAULT_UPD_COMMUNITIES] = {TAW, 3, 5, "RFC 7606 7.8", "malformed COMMUNITIES"},
    [BGP_FAULT_UPD_ORIGINATOR_ID] = {TAW, 3, 5, "RFC 7606 7.9", "malformed ORIGINATOR_ID"},
    [BGP_FAULT_UPD_CLUSTER_LIST] = {TAW, 3, 5, "RFC 7606 7.10", "malformed CLUSTER_LIST"},
    [BGP_FAULT_UPD_REFLECTOR_EBGP] = {DISCARD, 3, 4, "RFC 7606 7.9, 7.10",
                                      "route reflection attribute from eBGP"},
    /* No "AFI/SAFI disable" here: RFC 4760 7 lets the session be reset. */
    [BGP_FAULT_UPD_MP_REACH] = {RESET, 3, 9, "RFC 4760 7, RFC 7606 7.11",
                                "malformed MP_REACH_NLRI"},
    [BGP_FAULT_UPD_MP_UNREACH] = {RESET, 3, 9, "RFC 4760 7, RFC 7606 7.12",
                                  "malformed MP_UNREACH_NLRI"},
    [BGP_FAULT_UPD_EXT_COMMUNITIES] = {TAW, 3, 5, "RFC 7606 7.14",
                                       "malformed EXTENDED_COMMUNITIES"},
    [BGP_FAULT_UPD_LARGE_COMMUNITIES] = {TAW, 3, 5, "RFC 8092 6", "malformed LARGE_COMMUNITY"},
    [BGP_FAULT_UPD_AS4_PATH] = {DISCARD, 3, 9, "RFC 6793 6, RFC 7607", "malformed AS4_PATH"},
    [BGP_FAULT_UPD_AS4_AGGREGATOR] = {DISCARD, 3, 9, "RFC 6793 6", "malformed AS4_AGGREGATOR"},
    [BGP_FAULT_UPD_AS4_FROM_NEW] = {DISCARD, 3, 9, "RFC 6793 3",
                                    "AS4_PATH/AS4_AGGREGATOR from a 4-octet speaker"},

    [BGP_FAULT_RR_LENGTH] = {RESET, 7, 1, "RFC 7313 5", "ROUTE-REFRESH length is not 23"},
};

const struct bgp_fault_rule *
bgp_fault_rule(enum bgp_fault f)
{
    if (f <= BGP_FAULT_NONE || f >= BGP_FAULT_COUNT)
        return NULL;
    return &bgp_fault_rules[f];
}

void
bgp_error_clear(struct bgp_error *err)
{
    err->fault = BGP_FAULT_NONE;
    err->outcome = BGP_OUTCOME_NONE;
    err->discarded = 0;
    err->notify.code = 0;
    err->notify.subcode = 0;
    err->notify.len = 0;
}

enum bgp_outcome
bgp_fault_raise(struct bgp_error *err, enum bgp_fault f, const void *data, size_t len)
{
    const struct bgp_fault_rule *rule = bgp_fault_rule(f);

    if (rule == NULL)
        return BGP_OUTCOME_NONE;
    if (rule->outcome == BGP_OUTCOME_ATTR_DISCARD && err->discarded < UINT16_MAX)
        err->discarded++;
    if (rule->outcome <= err->outcome)
        return rule->outcome;
    err->fault = f;
    err->outcome = rule->outcome;
    err->notify.code = rule->code;
    err->notify.subcode = rule->subcode;
    if (len > BGP_MAX_NOTIFY_DATA)
        len = BGP_MAX_NOTIFY_DATA;
    err->notify.len = (uint16_t)len;
    if (len > 0)
        memcpy(err->notify.data, data, len);
    return rule->outcome;
}

enum bgp_event_type
bgp_fault_event(uint8_t msg_type)
{
    switch (msg_type) {
    case BGP_MSG_OPEN:
        return BGP_EV_OPEN_ERR;
    case BGP_MSG_UPDATE:
        return BGP_EV_UPDATE_ERR;
    default:
        /* Header, NOTIFICATION and ROUTE-REFRESH errors: RFC 4271 8.1
         * has only BGPHeaderErr for them. */
        return BGP_EV_HEADER_ERR;
    }
}

/* --------------------------------------------------------------- names */

static const char *const bgp_code_names[] = {
    [1] = "Message Header Error",        [2] = "OPEN Message Error",
    [3] = "UPDATE Message Error",        [4] = "Hold Timer Expired",
    [5] = "Finite State Machine Error",  [6] = "Cease",
    [7] = "ROUTE-REFRESH Message Error",
};

static const char *const bgp_header_names[] = {
    [1] = "Connection Not Synchronized",
    [2] = "Bad Message Length",
    [3] = "Bad Message Type",
};

static const char *const bgp_open_names[] = {
    [0] = "Unspecific",
    [1] = "Unsupported Version Number",
    [2] = "Bad Peer AS",
    [3] = "Bad BGP Identifier",
    [4] = "Unsupported Optional Parameter",
    [6] = "Unacceptable Hold Time",
    [7] = "Unsupported Capability",
    [11] = "Role Mismatch",
};

static const char *const bgp_update_names[] = {
    [1] = "Malformed Attribute List",     [2] = "Unrecognized Well-known Attribute",
    [3] = "Missing Well-known Attribute", [4] = "Attribute Flags Error",
    [5] = "Attribute Length Error",       [6] = "Invalid ORIGIN Attribute",
    [8] = "Invalid NEXT_HOP Attribute",   [9] = "Optional Attribute Error",
    [10] = "Invalid Network Field",       [11] = "Malformed AS_PATH",
};

static const char *const bgp_fsm_names[] = {
    [0] = "Unspecified Error",
    [1] = "Receive Unexpected Message in OpenSent State",
    [2] = "Receive Unexpected Message in OpenConfirm State",
    [3] = "Receive Unexpected Message in Established State",
};

static const char *const bgp_cease_names[] = {
    [1] = "Maximum Number of Prefixes Reached",
    [2] = "Administrative Shutdown",
    [3] = "Peer De-configured",
    [4] = "Administrative Reset",
    [5] = "Connection Rejected",
    [6] = "Other Configuration Change",
    [7] = "Connection Collision Resolution",
    [8] = "Out of Resources",
    [9] = "Hard Reset",
    [10] = "BFD Down",
};

static const char *const bgp_rr_names[] = {[1] = "Invalid Message Length"};

#define BGP_NAME(table, i)                                                                         \
    ((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] != NULL ? table[i] : "Unknown")

const char *
bgp_err_code_name(uint8_t code)
{
    return BGP_NAME(bgp_code_names, code);
}

const char *
bgp_err_subcode_name(uint8_t code, uint8_t subcode)
{
    switch (code) {
    case BGP_ERR_HEADER:
        return BGP_NAME(bgp_header_names, subcode);
    case BGP_ERR_OPEN:
        return BGP_NAME(bgp_open_names, subcode);
    case BGP_ERR_UPDATE:
        return BGP_NAME(bgp_update_names, subcode);
    case BGP_ERR_HOLD_TIMER:
        return subcode == 0 ? "Unspecific" : "Unknown";
    case BGP_ERR_FSM:
        return BGP_NAME(bgp_fsm_names, subcode);
    case BGP_ERR_CEASE:
        return BGP_NAME(bgp_cease_names, subcode);
    case BGP_ERR_ROUTE_REFRESH:
        return BGP_NAME(bgp_rr_names, subcode);
    default:
        return "Unknown";
    }
}

/* Copies the shutdown text, replacing bytes a log line must not hold. */
static void
bgp_copy_printable(char *dst, size_t cap, const char *src, size_t len)
{
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < len && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];

        dst[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
    }
    dst[i] = '\0';
}

char *
bgp_notify_format(const struct bgp_notify *n, char *buf, size_t cap)
{
    const char *text;
    char clean[256];
    size_t tlen;

    if (cap == 0)
        return buf;
    tlen = bgp_notify_shutdown_text(n, &text);
    if (tlen == 0) {
        snprintf(buf, cap, "%s/%s (%u/%u)", bgp_err_code_name(n->code),
                 bgp_err_subcode_name(n->code, n->subcode), n->code, n->subcode);
        return buf;
    }
    bgp_copy_printable(clean, sizeof(clean), text, tlen);
    snprintf(buf, cap, "%s/%s (%u/%u): \"%s\"", bgp_err_code_name(n->code),
             bgp_err_subcode_name(n->code, n->subcode), n->code, n->subcode, clean);
    return buf;
}

/* Typed MetalLB objects (metallb.io). Field meanings: shared/reference/metallb.md. */
#ifndef METALGATE_MANIFEST_TYPES_METALLB_H
#define METALGATE_MANIFEST_TYPES_METALLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ipaddr.h"
#include "manifest/types.h"

/* ---- IPAddressPool (metallb.io/v1beta1) ---- */

struct mf_pool_allocation {
    struct mf_pos pos;
    struct mf_int priority;          /* lower = preferred; 0 = lowest */
    struct mf_list namespaces;       /* of struct mf_str */
    struct mf_list namespace_selectors; /* of struct mf_label_selector */
    struct mf_list service_selectors;   /* of struct mf_label_selector */
};

struct mf_pool_spec {
    struct mf_pos pos;
    struct mf_list addresses; /* of struct mf_str: CIDR or "A-B" range */
    struct mf_bool auto_assign;   /* default true */
    struct mf_bool avoid_buggy_ips;
    struct mf_pool_allocation *service_allocation;
};

struct mf_ipaddresspool {
    struct mf_pos pos;
    struct mf_pool_spec *spec;
};

/*
 * Parses one IPAddressPool address entry: a CIDR ("10.0.0.0/24") or an
 * inclusive range ("10.0.0.1-10.0.0.9", spaces around '-' allowed). Returns
 * 0 with the first and last address, or -1 with *err set to the reason.
 */
int mf_parse_pool_entry(const char *s, size_t len, struct ip_addr *first, struct ip_addr *last,
                        const char **err);

/* ---- BGP communities ---- */

enum mf_community_type {
    MF_COMMUNITY_LEGACY = 1, /* RFC 1997: 32 bits, written "A:B" (two uint16) */
    MF_COMMUNITY_LARGE,      /* RFC 8092: 3 x 32 bits, written "large:A:B:C" */
};

struct mf_community {
    enum mf_community_type type;
    uint32_t v[3]; /* legacy: v[0] = A << 16 | B; large: global admin, data 1, data 2 */
};

enum mf_community_status {
    MF_COMMUNITY_OK,          /* *out holds the value */
    MF_COMMUNITY_NOT_LITERAL, /* neither "A:B" nor 4 ':'-separated parts: maybe an alias */
    MF_COMMUNITY_INVALID,     /* community syntax with a bad value; *err says why */
};

/*
 * Parses a community as MetalLB writes it: "A:B" with two decimal uint16,
 * or "large:A:B:C" with three decimal uint32. metalgate also accepts the
 * well-known names of RFC 1997 / RFC 3765, case-insensitively: no-export
 * (65535:65281), no-advertise (65535:65282), no-export-subconfed
 * (65535:65283) and no-peer (65535:65284); MetalLB itself has no built-in
 * names, so configurations that must stay portable to MetalLB define them
 * as Community aliases. Alias names are resolved by the caller before this.
 * *err (may be NULL) points to a static reason for MF_COMMUNITY_INVALID.
 */
enum mf_community_status mf_community_parse(const char *s, size_t len, struct mf_community *out,
                                            const char **err);

/* Writes "A:B" or "large:A:B:C" into buf (at least 48 bytes); returns buf. */
char *mf_community_format(const struct mf_community *c, char *buf, size_t size);

/* ---- Community (metallb.io/v1beta1) ---- */

struct mf_community_alias {
    struct mf_pos pos;
    struct mf_str name;
    struct mf_str value;
    struct mf_community parsed; /* valid when the object has no errors */
};

struct mf_community_spec {
    struct mf_pos pos;
    struct mf_list communities; /* of struct mf_community_alias */
};

struct mf_community_obj {
    struct mf_pos pos;
    struct mf_community_spec *spec; /* NULL: no aliases */
};

/* ---- BFDProfile (metallb.io/v1beta1) ---- */

struct mf_bfd_spec {
    struct mf_pos pos;
    struct mf_int receive_interval;  /* ms, 10..60000, default 300 */
    struct mf_int transmit_interval; /* ms, 10..60000, default 300 */
    struct mf_int detect_multiplier; /* 2..255, default 3 */
    struct mf_int echo_interval;     /* ms, 10..60000, default 50 */
    struct mf_bool echo_mode;
    struct mf_bool passive_mode;
    struct mf_int minimum_ttl; /* 1..254, multihop only, default 254 */
};

struct mf_bfdprofile {
    struct mf_pos pos;
    struct mf_bfd_spec *spec; /* NULL: all defaults */
};

/* ---- BGPPeer (metallb.io/v1beta2; v1beta1 accepted as an old version) ---- */

/* Kubernetes SecretReference. */
struct mf_secret_ref {
    struct mf_pos pos;
    struct mf_str name; /* absent = no secret ({} is what generators write) */
    struct mf_str namespace;
};

struct mf_peer_spec {
    struct mf_pos pos;
    struct mf_int my_asn;   /* required, 1..2^32-1 */
    struct mf_int peer_asn; /* 0 or absent = unset; exactly one of peer_asn, dynamic_asn */
    struct mf_str dynamic_asn; /* "internal" or "external" */
    struct mf_str peer_address;
    struct mf_str interface; /* unnumbered BGP: decoded for the address/interface rule only */
    struct mf_str source_address;
    struct mf_int peer_port; /* 1..16384, default 179 */
    struct mf_duration hold_time;
    struct mf_duration keepalive_time;
    struct mf_duration connect_time; /* whole seconds, 1..65535 */
    struct mf_str router_id;         /* IPv4 */
    struct mf_list node_selectors;   /* of struct mf_label_selector; empty = all nodes */
    struct mf_str password;          /* TCP-MD5 key */
    struct mf_secret_ref *password_secret;
    struct mf_str bfd_profile;
    struct mf_bool enable_graceful_restart;
    struct mf_bool ebgp_multihop;
    /* Decoded so that types are checked and duplicates compare them, but
     * not implemented: the validate hook warns when they are set. */
    struct mf_str vrf;
    struct mf_int local_asn;
    struct mf_bool dual_stack_address_family;
    struct mf_bool disable_mp; /* deprecated upstream, no effect */
    /* Filled by the validate hook; family IP_FAMILY_NONE when absent or invalid. */
    struct ip_addr peer_ip;
    struct ip_addr source_ip;
    struct ip_addr router_ip;
};

struct mf_bgppeer {
    struct mf_pos pos;
    struct mf_peer_spec *spec;
};

/* Default BGP port MetalLB dials. */
#define MF_BGP_PORT_DEFAULT 179

/*
 * Effective timers of a peer (reference section 3.4): neither set -> both
 * unset (*hold_ns = *keepalive_ns = -1, the speaker picks its defaults);
 * only holdTime -> keepalive = hold / 3; only keepaliveTime -> hold =
 * 3 x keepalive. Returns 0, or -1 when the combination is invalid (the
 * validate hook has reported it then).
 */
int mf_peer_timers(const struct mf_peer_spec *spec, int64_t *hold_ns, int64_t *keepalive_ns);

/* ---- BGPAdvertisement (metallb.io/v1beta1) ---- */

struct mf_bgpadv_spec {
    struct mf_pos pos;
    struct mf_int aggregation_length;    /* 1..32, default 32 */
    struct mf_int aggregation_length_v6; /* 1..128, default 128 */
    struct mf_int local_pref;            /* uint32, default 0 */
    struct mf_list communities;          /* of struct mf_str: literal or alias name */
    struct mf_list ip_address_pools;     /* of struct mf_str (pool names) */
    struct mf_list ip_address_pool_selectors; /* of struct mf_label_selector */
    struct mf_list node_selectors;            /* of struct mf_label_selector */
    struct mf_list peers;                     /* of struct mf_str (BGPPeer names); empty = all */
    struct mf_list service_selectors;         /* of struct mf_label_selector */
};

struct mf_bgpadvertisement {
    struct mf_pos pos;
    struct mf_bgpadv_spec *spec; /* NULL: all pools, all nodes, all peers */
};

#define MF_AGGREGATION_V4_DEFAULT 32
#define MF_AGGREGATION_V6_DEFAULT 128

/* ---- L2Advertisement (metallb.io/v1beta1) ---- */

struct mf_l2_preferred {
    struct mf_pos pos;
    struct mf_int weight; /* 1..100 */
    struct mf_label_selector *preference;
};

struct mf_l2adv_spec {
    struct mf_pos pos;
    struct mf_list ip_address_pools;          /* of struct mf_str */
    struct mf_list ip_address_pool_selectors; /* of struct mf_label_selector */
    struct mf_list node_selectors;            /* of struct mf_label_selector */
    struct mf_list service_selectors;         /* of struct mf_label_selector */
    struct mf_list interfaces;                /* of struct mf_str; empty = all */
    struct mf_list preferred_node_selectors;  /* of struct mf_l2_preferred */
};

struct mf_l2advertisement {
    struct mf_pos pos;
    struct mf_l2adv_spec *spec; /* NULL: all pools, all nodes, all interfaces */
};

/*
 * True when two label selectors select the same objects by construction:
 * the same matchLabels, and the same matchExpressions in the same order,
 * each with the same key, operator and set of values. This is the
 * equality MetalLB uses to call two selectors duplicates.
 */
bool mf_metallb_selector_equal(const struct mf_label_selector *a,
                               const struct mf_label_selector *b);

#endif

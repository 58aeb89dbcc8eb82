/* Typed MetalLB objects (metallb.io). Field meanings: shared/reference/metallb.md. */
#ifndef METALGATE_MANIFEST_TYPES_METALLB_H
#define METALGATE_MANIFEST_TYPES_METALLB_H

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

#endif

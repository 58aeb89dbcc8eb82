/*
 * Typed Kubernetes core objects metalgate reads: Service (v1), Secret (v1),
 * Node (v1), Namespace (v1) and EndpointSlice (discovery.k8s.io/v1).
 *
 * Only what a LoadBalancer implementation needs is kept; the API server's
 * rules for those fields are enforced by kinds_core.c. Defaults the API
 * server applies are NOT written into the string fields (an absent field
 * stays absent), but the derived members documented below ("effective")
 * are filled once the object decoded, so later passes need not re-derive
 * them. Field meanings: the Kubernetes API reference and
 * shared/reference/metallb.md sections 1.8 and 3.3.
 */
#ifndef METALGATE_MANIFEST_TYPES_CORE_H
#define METALGATE_MANIFEST_TYPES_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ipaddr.h"
#include "manifest/types.h"

/* MetalLB's Service annotations; the metallb.universe.tf/ spellings are deprecated. */
#define MF_ANN_ADDRESS_POOL "metallb.io/address-pool"
#define MF_ANN_LB_IPS "metallb.io/loadBalancerIPs"
#define MF_ANN_ALLOW_SHARED_IP "metallb.io/allow-shared-ip"
#define MF_ANN_OLD_ADDRESS_POOL "metallb.universe.tf/address-pool"
#define MF_ANN_OLD_LB_IPS "metallb.universe.tf/loadBalancerIPs"
#define MF_ANN_OLD_ALLOW_SHARED_IP "metallb.universe.tf/allow-shared-ip"

/* Node label that takes a node out of every announcement (any value). */
#define MF_LABEL_EXCLUDE_FROM_LB "node.kubernetes.io/exclude-from-external-load-balancers"
/* EndpointSlice label naming the Service the slice belongs to (required). */
#define MF_LABEL_SERVICE_NAME "kubernetes.io/service-name"

enum mf_l4_protocol { MF_PROTO_TCP, MF_PROTO_UDP, MF_PROTO_SCTP, MF_PROTO_COUNT };

/* ---- Service (v1) ---- */

enum mf_service_type {
    MF_SERVICE_CLUSTERIP, /* the default */
    MF_SERVICE_NODEPORT,
    MF_SERVICE_LOADBALANCER,
    MF_SERVICE_EXTERNALNAME,
    MF_SERVICE_TYPE_COUNT
};

enum mf_family_policy {
    MF_FAMILY_SINGLE, /* SingleStack */
    MF_FAMILY_PREFER_DUAL,
    MF_FAMILY_REQUIRE_DUAL,
};

struct mf_service_port {
    struct mf_pos pos;
    struct mf_str name;     /* required when the Service has more than one port */
    struct mf_str protocol; /* as written; see proto */
    struct mf_str app_protocol;
    struct mf_int port;           /* 1-65535 */
    struct mf_intstr target_port; /* unset, 0 or "" = the same as port */
    struct mf_int node_port;      /* kept for completeness; metalgate opens no node ports */
    enum mf_l4_protocol proto;    /* effective protocol: TCP when unset */
};

struct mf_client_ip_config {
    struct mf_pos pos;
    struct mf_int timeout_seconds; /* 1-86400, default 10800 */
};

struct mf_session_affinity_config {
    struct mf_pos pos;
    struct mf_client_ip_config *client_ip;
};

struct mf_service_spec {
    struct mf_pos pos;
    struct mf_str type;
    struct mf_list ports; /* of struct mf_service_port */
    struct mf_strmap selector;
    struct mf_str cluster_ip;       /* an IP or "None" (headless) */
    struct mf_list cluster_ips;     /* of struct mf_str, at most 2 */
    struct mf_str load_balancer_ip; /* requested IP (deprecated upstream, honoured by MetalLB) */
    struct mf_str load_balancer_class;
    struct mf_list load_balancer_source_ranges; /* of struct mf_str: CIDRs */
    struct mf_str external_traffic_policy;      /* Cluster | Local */
    struct mf_str internal_traffic_policy;      /* Cluster | Local */
    struct mf_list ip_families;                 /* of struct mf_str: "IPv4" | "IPv6" */
    struct mf_str ip_family_policy;
    struct mf_bool allocate_load_balancer_node_ports;
    struct mf_str session_affinity; /* None | ClientIP */
    struct mf_session_affinity_config *session_affinity_config;
    struct mf_int health_check_node_port;
    struct mf_bool publish_not_ready_addresses;
    struct mf_str external_name;
    struct mf_list external_ips; /* of struct mf_str; not implemented (warned) */
    /* Effective values, filled after decoding. */
    enum mf_service_type type_id;
    bool etp_local; /* externalTrafficPolicy Local */
    bool itp_local; /* internalTrafficPolicy Local */
    bool headless;  /* clusterIP "None" */
};

/*
 * MetalLB's inputs on a Service (shared/reference/metallb.md 1.8), with the
 * stable annotation winning over its deprecated spelling. The pointers
 * point into the object's decoded annotations; NULL when absent.
 */
struct mf_service_lb {
    const struct mf_str *address_pool;
    const struct mf_str *allow_shared_ip; /* "" = no sharing */
    const struct mf_str *lb_ips;          /* the loadBalancerIPs annotation as written */
    struct ip_addr requested[2];          /* from lb_ips or spec.loadBalancerIP */
    uint32_t nrequested;                  /* 0 = nothing requested (or invalid) */
};

struct mf_service {
    struct mf_pos pos;
    struct mf_raw metadata; /* for single-object rules on names and annotations */
    struct mf_service_spec *spec;
    struct mf_service_lb lb;
};

/* The address families a Service asks for, derived as the API server would. */
struct mf_service_families {
    enum ip_family primary;       /* ipFamilies[0], else the first cluster IP's, else IPv4 */
    enum ip_family secondary;     /* IP_FAMILY_NONE unless policy is a dual-stack one */
    enum mf_family_policy policy; /* unset: RequireDualStack when two families/IPs are given */
};

/* Fills out from spec (which must have decoded without errors). */
void mf_service_families(const struct mf_service_spec *spec, struct mf_service_families *out);

/*
 * Parses the value of MetalLB's loadBalancerIPs annotation: a comma-separated
 * list (whitespace around entries trimmed) of one IP, or two IPs of different
 * families. Returns 0 with out[0..*n), or -1 with *err set to a short static
 * reason.
 */
int mf_parse_lb_ips(const char *s, size_t len, struct ip_addr out[2], uint32_t *n,
                    const char **err);

/* ---- Secret (v1) ---- */

/* One key of a Secret as the API server stores it: stringData merged over data. */
struct mf_secret_entry {
    const char *key;
    const unsigned char *v; /* decoded bytes, NUL-terminated for convenience */
    size_t len;
    struct mf_pos pos; /* where the value is written */
    bool from_string_data;
};

struct mf_secret {
    struct mf_pos pos;
    struct mf_raw metadata;
    struct mf_str type;    /* any string; absent = "Opaque" */
    struct mf_strmap data; /* values as written (base64) */
    struct mf_strmap string_data;
    struct mf_bool immutable;
    struct mf_secret_entry *entries; /* merged view; filled after decoding */
    uint32_t nentries;
};

/* The value of key (stringData wins over data, as in Kubernetes), or NULL. */
const struct mf_secret_entry *mf_secret_get(const struct mf_secret *s, const char *key);

/*
 * Decodes standard, padded base64 (RFC 4648 section 4) the way Go's
 * encoding/json decodes []byte: CR and LF are skipped, nothing else is. out
 * must hold at least len * 3 / 4 + 1 bytes. Returns the decoded length, or
 * -1 with *bad set to the offset of the first offending input byte.
 */
long mf_base64_decode(const char *s, size_t len, unsigned char *out, size_t *bad);

/* ---- Node (v1, cluster-scoped) ---- */

struct mf_node_taint {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_str value;
    struct mf_str effect; /* NoSchedule | PreferNoSchedule | NoExecute */
    struct mf_str time_added;
};

struct mf_node_spec {
    struct mf_pos pos;
    struct mf_str pod_cidr;
    struct mf_list pod_cidrs; /* of struct mf_str; at most one per family */
    struct mf_str provider_id;
    struct mf_bool unschedulable;
    struct mf_list taints; /* of struct mf_node_taint */
};

struct mf_node_address {
    struct mf_pos pos;
    struct mf_str type; /* Hostname | InternalIP | ExternalIP | InternalDNS | ExternalDNS */
    struct mf_str address;
    struct ip_addr ip; /* for InternalIP/ExternalIP; family NONE otherwise */
};

struct mf_node_condition {
    struct mf_pos pos;
    struct mf_str type;   /* Ready, NetworkUnavailable, ... */
    struct mf_str status; /* True | False | Unknown */
    struct mf_str reason;
    struct mf_str message;
    struct mf_str last_heartbeat_time;
    struct mf_str last_transition_time;
};

/* Node status is data here: this node's addresses and conditions. */
struct mf_node_status {
    struct mf_pos pos;
    struct mf_list addresses;  /* of struct mf_node_address */
    struct mf_list conditions; /* of struct mf_node_condition */
};

struct mf_node {
    struct mf_pos pos;
    struct mf_raw metadata;
    struct mf_node_spec *spec;
    struct mf_node_status *status;
};

/* The condition of that type, or NULL. */
const struct mf_node_condition *mf_node_condition(const struct mf_node *n, const char *type);

/* The first address of that type and family (IP_FAMILY_NONE = any), or NULL. */
const struct mf_node_address *mf_node_address(const struct mf_node *n, const char *type,
                                              enum ip_family family);

/* ---- Namespace (v1, cluster-scoped): only its labels matter (metadata) ---- */

struct mf_namespace {
    struct mf_pos pos;
    struct mf_raw metadata;
};

/* ---- EndpointSlice (discovery.k8s.io/v1) ---- */

enum mf_address_type {
    MF_ADDR_IPV4,
    MF_ADDR_IPV6,
    MF_ADDR_FQDN,
};

struct mf_endpoint_conditions {
    struct mf_pos pos;
    struct mf_bool ready; /* unset = ready */
    struct mf_bool serving;
    struct mf_bool terminating;
};

/* core/v1 ObjectReference (EndpointSlice targetRef). */
struct mf_object_ref {
    struct mf_pos pos;
    struct mf_str kind;
    struct mf_str namespace;
    struct mf_str name;
    struct mf_str uid;
    struct mf_str api_version;
    struct mf_str resource_version;
    struct mf_str field_path;
};

struct mf_endpoint {
    struct mf_pos pos;
    struct mf_list addresses; /* of struct mf_str, 1-100, of the slice's addressType */
    struct mf_endpoint_conditions *conditions;
    struct mf_str hostname;
    struct mf_str node_name;
    struct mf_str zone;
    struct mf_object_ref *target_ref;
    struct mf_strmap deprecated_topology;
};

struct mf_endpoint_port {
    struct mf_pos pos;
    struct mf_str name;     /* "" or absent allowed once */
    struct mf_str protocol; /* as written; see proto */
    struct mf_int port;     /* absent = all ports */
    struct mf_str app_protocol;
    enum mf_l4_protocol proto; /* effective protocol: TCP when unset */
};

struct mf_endpointslice {
    struct mf_pos pos;
    struct mf_raw metadata;
    struct mf_str address_type;
    struct mf_list endpoints; /* of struct mf_endpoint */
    struct mf_list ports;     /* of struct mf_endpoint_port */
    /* Effective values, filled after decoding. */
    enum mf_address_type addr_type;
    struct mf_str service_name; /* label kubernetes.io/service-name; v NULL when missing */
};

/*
 * MetalLB's "can serve" rule (shared/reference/metallb.md 3.3): an endpoint
 * serves if Ready is unset or true, or Serving is true (terminating but
 * still serving counts).
 */
bool mf_endpoint_can_serve(const struct mf_endpoint *e);

#endif

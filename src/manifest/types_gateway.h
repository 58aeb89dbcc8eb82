/*
 * Typed Gateway API objects (gateway.networking.k8s.io): GatewayClass,
 * Gateway, HTTPRoute (v1; v1beta1 accepted as deprecated) and ReferenceGrant
 * (v1beta1 and v1). Field meanings: shared/reference/kuadrant-gateway.md
 * section 1 and the upstream API types.
 *
 * Defaults the CRDs apply are NOT filled in: an absent field stays absent
 * (v == NULL, set == false) so that later passes can tell "defaulted" from
 * "written". The MF_GW_* constants below name the defaults.
 */
#ifndef METALGATE_MANIFEST_TYPES_GATEWAY_H
#define METALGATE_MANIFEST_TYPES_GATEWAY_H

#include <stdint.h>

#include "manifest/types.h"

#define MF_GW_GROUP "gateway.networking.k8s.io"
#define MF_GW_DEFAULT_WEIGHT 1
#define MF_GW_DEFAULT_REDIRECT_STATUS 302
#define MF_GW_DEFAULT_MIRROR_DENOMINATOR 100

/*
 * A reference to another object. Which members a manifest may set depends on
 * the field (the schema decides); absent group/kind take the field's default:
 *   certificateRefs, clientCertificateRef: group "" kind Secret
 *   extensionRef (LocalObjectReference): group "" (kind required)
 *   parametersRef, caCertificateRefs: group and kind required
 */
struct mf_gw_objref {
    struct mf_pos pos;
    struct mf_str group;
    struct mf_str kind;
    struct mf_str name;
    struct mf_str namespace; /* absent = the referrer's namespace */
};

/* ---- GatewayClass (cluster-scoped) ---- */

struct mf_gatewayclass_spec {
    struct mf_pos pos;
    struct mf_str controller_name; /* domain-prefixed path, e.g. "example.net/gateway" */
    struct mf_gw_objref *parameters_ref;
    struct mf_str description;
};

struct mf_gatewayclass {
    struct mf_pos pos;
    struct mf_gatewayclass_spec *spec;
};

/* ---- Gateway ---- */

struct mf_gw_route_kind {
    struct mf_pos pos;
    struct mf_str group; /* absent = gateway.networking.k8s.io */
    struct mf_str kind;
};

struct mf_gw_route_namespaces {
    struct mf_pos pos;
    struct mf_str from;                 /* Same (default) | All | Selector */
    struct mf_label_selector *selector; /* on the route's Namespace labels */
};

struct mf_gw_allowed_routes {
    struct mf_pos pos;
    struct mf_gw_route_namespaces *namespaces; /* absent = from Same */
    struct mf_list kinds;                      /* of struct mf_gw_route_kind; empty = by protocol */
};

struct mf_gw_listener_tls {
    struct mf_pos pos;
    struct mf_str mode;              /* Terminate (default) | Passthrough */
    struct mf_list certificate_refs; /* of struct mf_gw_objref (default kind Secret) */
    struct mf_strmap options;
};

struct mf_gw_listener {
    struct mf_pos pos;
    struct mf_str name;     /* SectionName, unique within the Gateway */
    struct mf_str hostname; /* absent = every host */
    struct mf_int port;
    struct mf_str protocol; /* HTTP, HTTPS, TLS, TCP, UDP (any case) or "domain/name" */
    struct mf_gw_listener_tls *tls;
    struct mf_gw_allowed_routes *allowed_routes;
};

struct mf_gw_address {
    struct mf_pos pos;
    struct mf_str type;  /* absent = IPAddress */
    struct mf_str value; /* absent = let the implementation pick one */
};

struct mf_gw_infrastructure {
    struct mf_pos pos;
    struct mf_strmap labels;
    struct mf_strmap annotations; /* MetalLB annotations for address allocation */
    struct mf_gw_objref *parameters_ref;
};

struct mf_gw_frontend_validation {
    struct mf_pos pos;
    struct mf_list ca_certificate_refs; /* of struct mf_gw_objref, 1..8 */
    struct mf_str mode;                 /* AllowValidOnly (default) | AllowInsecureFallback */
};

/* TLSConfig: client certificate validation for some HTTPS listeners. */
struct mf_gw_tls_config {
    struct mf_pos pos;
    struct mf_gw_frontend_validation *validation;
};

struct mf_gw_tls_port_config {
    struct mf_pos pos;
    struct mf_int port;
    struct mf_gw_tls_config *tls;
};

struct mf_gw_frontend_tls {
    struct mf_pos pos;
    struct mf_gw_tls_config *default_config; /* "default" */
    struct mf_list per_port;                 /* of struct mf_gw_tls_port_config */
};

struct mf_gw_backend_tls {
    struct mf_pos pos;
    struct mf_gw_objref *client_certificate_ref;
};

struct mf_gw_gateway_tls {
    struct mf_pos pos;
    struct mf_gw_frontend_tls *frontend;
    struct mf_gw_backend_tls *backend;
};

struct mf_gateway_spec {
    struct mf_pos pos;
    struct mf_str gateway_class_name;
    struct mf_list listeners; /* of struct mf_gw_listener, 1..64 */
    struct mf_list addresses; /* of struct mf_gw_address, at most 16 */
    struct mf_gw_infrastructure *infrastructure;
    struct mf_gw_gateway_tls *tls;
};

struct mf_gateway {
    struct mf_pos pos;
    struct mf_raw metadata; /* read again for the metalgate.io/access-log annotation */
    struct mf_gateway_spec *spec;
};

/* ---- HTTPRoute ---- */

struct mf_gw_parent_ref {
    struct mf_pos pos;
    struct mf_str group;     /* absent = gateway.networking.k8s.io */
    struct mf_str kind;      /* absent = Gateway */
    struct mf_str namespace; /* absent = the route's namespace */
    struct mf_str name;
    struct mf_str section_name; /* listener name */
    struct mf_int port;
};

struct mf_http_path_match {
    struct mf_pos pos;
    struct mf_str type;  /* absent = PathPrefix */
    struct mf_str value; /* absent = "/" */
};

/* A header or query parameter match. */
struct mf_http_value_match {
    struct mf_pos pos;
    struct mf_str type; /* absent = Exact; or RegularExpression */
    struct mf_str name;
    struct mf_str value;
};

struct mf_http_route_match {
    struct mf_pos pos;
    struct mf_http_path_match *path; /* absent = PathPrefix "/" */
    struct mf_list headers;          /* of struct mf_http_value_match */
    struct mf_list query_params;     /* of struct mf_http_value_match */
    struct mf_str method;            /* absent = any */
};

struct mf_http_header {
    struct mf_pos pos;
    struct mf_str name;
    struct mf_str value;
};

struct mf_http_header_filter {
    struct mf_pos pos;
    struct mf_list set;    /* of struct mf_http_header */
    struct mf_list add;    /* of struct mf_http_header */
    struct mf_list remove; /* of struct mf_str */
};

struct mf_http_path_modifier {
    struct mf_pos pos;
    struct mf_str type; /* ReplaceFullPath | ReplacePrefixMatch */
    struct mf_str replace_full_path;
    struct mf_str replace_prefix_match;
};

struct mf_http_redirect {
    struct mf_pos pos;
    struct mf_str scheme;   /* http | https; absent = the request's */
    struct mf_str hostname; /* absent = the request's Host */
    struct mf_http_path_modifier *path;
    struct mf_int port;
    struct mf_int status_code; /* absent = 302 */
};

struct mf_http_rewrite {
    struct mf_pos pos;
    struct mf_str hostname;
    struct mf_http_path_modifier *path;
};

/* BackendObjectReference (with weight and filters when it is an HTTPBackendRef). */
struct mf_http_backend_ref {
    struct mf_pos pos;
    struct mf_str group; /* absent = "" (core) */
    struct mf_str kind;  /* absent = Service */
    struct mf_str name;
    struct mf_str namespace; /* absent = the route's namespace */
    struct mf_int port;      /* required for Services */
    struct mf_int weight;    /* absent = 1 */
    struct mf_list filters;  /* of struct mf_http_filter */
};

struct mf_gw_fraction {
    struct mf_pos pos;
    struct mf_int numerator;
    struct mf_int denominator; /* absent = 100 */
};

struct mf_http_mirror {
    struct mf_pos pos;
    struct mf_http_backend_ref *backend_ref;
    struct mf_int percent; /* absent (and no fraction) = 100 */
    struct mf_gw_fraction *fraction;
};

/*
 * One filter: type names which member is set (the others are NULL). CORS and
 * ExternalAuth are recognised but not implemented: only their presence is kept.
 */
struct mf_http_filter {
    struct mf_pos pos;
    struct mf_str type;
    struct mf_http_header_filter *request_header_modifier;
    struct mf_http_header_filter *response_header_modifier;
    struct mf_http_redirect *request_redirect;
    struct mf_http_rewrite *url_rewrite;
    struct mf_http_mirror *request_mirror;
    struct mf_gw_objref *extension_ref;
    struct mf_raw cors;
    struct mf_raw external_auth;
};

/*
 * GEP-2257 durations. The text is kept as written; *_ms is the value in
 * milliseconds once it parsed, -1 when absent or invalid. 0 disables.
 */
struct mf_http_timeouts {
    struct mf_pos pos;
    struct mf_str request;
    struct mf_str backend_request;
    int64_t request_ms;
    int64_t backend_request_ms;
};

struct mf_http_rule {
    struct mf_pos pos;
    struct mf_str name;          /* SectionName, unique within the route */
    struct mf_list matches;      /* of struct mf_http_route_match; empty = PathPrefix "/" */
    struct mf_list filters;      /* of struct mf_http_filter */
    struct mf_list backend_refs; /* of struct mf_http_backend_ref */
    struct mf_http_timeouts *timeouts;
};

struct mf_httproute_spec {
    struct mf_pos pos;
    struct mf_list parent_refs; /* of struct mf_gw_parent_ref, at most 32 */
    struct mf_list hostnames;   /* of struct mf_str, at most 16 */
    struct mf_list rules;       /* of struct mf_http_rule; absent = one rule, PathPrefix "/" */
};

struct mf_httproute {
    struct mf_pos pos;
    struct mf_httproute_spec *spec;
};

/* ---- ReferenceGrant ---- */

struct mf_gw_grant_from {
    struct mf_pos pos;
    struct mf_str group;
    struct mf_str kind;
    struct mf_str namespace;
};

struct mf_gw_grant_to {
    struct mf_pos pos;
    struct mf_str group;
    struct mf_str kind;
    struct mf_str name; /* absent = every object of that group and kind */
};

struct mf_referencegrant_spec {
    struct mf_pos pos;
    struct mf_list from; /* of struct mf_gw_grant_from, 1..16 */
    struct mf_list to;   /* of struct mf_gw_grant_to, 1..16 */
};

struct mf_referencegrant {
    struct mf_pos pos;
    struct mf_referencegrant_spec *spec; /* NULL: grants nothing */
};

/*
 * Parses a Gateway API Duration (GEP-2257: 1 to 4 groups of 1-5 digits and a
 * unit h, m, s or ms, e.g. "1h30m", "500ms"). Returns 0 with *ms, or -1.
 */
int mf_gw_parse_duration(const char *s, size_t len, int64_t *ms);

#endif

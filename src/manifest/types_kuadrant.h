/*
 * Typed Kuadrant policies (kuadrant.io/v1): RateLimitPolicy, AuthPolicy,
 * DNSPolicy and TLSPolicy. Field meanings: shared/reference/kuadrant-gateway.md
 * sections 2-5; AuthPolicy rules embed Authorino's AuthConfig (v1beta3) types.
 *
 * Every field of the upstream CRDs is known to the schemas in
 * kinds_kuadrant.c. Fields metalgate does not implement yet are kept as
 * struct mf_raw (present or not, never interpreted) so that "exactly one
 * method" rules still count them; a warning says they are ignored.
 *
 * An absent optional field stays absent (defaults are not written in); the
 * few derived members are documented where they are declared.
 */
#ifndef METALGATE_MANIFEST_TYPES_KUADRANT_H
#define METALGATE_MANIFEST_TYPES_KUADRANT_H

#include <stdint.h>

#include "manifest/types.h"

/* ---- shared by the four policies ---- */

/*
 * Gateway API LocalPolicyTargetReference(WithSectionName). The target always
 * lives in the policy's own namespace: kuadrant.io/v1 has no namespace field.
 */
struct mf_policy_target_ref {
    struct mf_pos pos;
    struct mf_str group; /* must be gateway.networking.k8s.io */
    struct mf_str kind;  /* Gateway, HTTPRoute (GRPCRoute: accepted, not implemented) */
    struct mf_str name;
    struct mf_str section_name; /* listener name (Gateway) or rule name (route) */
    /* Not a v1 field. Decoded only so that model/ can explain the mistake
     * (see model/kuadrant.c); it is always reported as an error. */
    struct mf_str stray_namespace;
};

/* A CEL predicate ({predicate: "..."}), ANDed with its siblings. */
struct mf_policy_predicate {
    struct mf_pos pos;
    struct mf_str predicate;
    /* v1beta2-style condition fields, decoded only to explain that v1 took them out. */
    struct mf_raw legacy_selector;
    struct mf_raw legacy_operator;
    struct mf_raw legacy_value;
};

/* ---- RateLimitPolicy ---- */

struct mf_rlp_rate {
    struct mf_pos pos;
    struct mf_int limit;  /* >= 0 */
    struct mf_str window; /* GEP-2257 duration, at least 1s */
    int64_t window_ms;    /* derived: the window in milliseconds, 0 when invalid */
};

struct mf_rlp_counter {
    struct mf_pos pos;
    struct mf_str expression; /* CEL value expression */
};

/* One entry of a limits map (objmap entry: pos, key first). */
struct mf_rlp_limit {
    struct mf_pos pos;
    struct mf_str key;       /* the limit name */
    struct mf_list when;     /* of struct mf_policy_predicate */
    struct mf_list counters; /* of struct mf_rlp_counter */
    struct mf_list rates;    /* of struct mf_rlp_rate */
    /* v1beta2 leftovers, decoded only to explain that v1 replaced them. */
    struct mf_raw legacy_conditions;
    struct mf_raw legacy_route_selectors;
};

/* The rules of a policy: the bare spec, spec.defaults or spec.overrides. */
struct mf_rlp_rules {
    struct mf_pos pos;
    struct mf_str strategy;  /* atomic (default) or merge; never set on the bare spec */
    struct mf_objmap limits; /* of struct mf_rlp_limit */
    struct mf_list when;     /* of struct mf_policy_predicate */
};

struct mf_rlp_spec {
    struct mf_pos pos;
    struct mf_policy_target_ref *target_ref;
    struct mf_rlp_rules *defaults;
    struct mf_rlp_rules *overrides;
    struct mf_rlp_rules bare; /* implicit atomic defaults: limits + when */
};

struct mf_ratelimitpolicy {
    struct mf_pos pos;
    struct mf_raw spec_node;  /* the spec as written; decoded into spec */
    struct mf_rlp_spec *spec; /* NULL when missing or not decodable */
};

/* The rules in force: defaults, overrides or the bare spec, whichever is set. */
static inline const struct mf_rlp_rules *
mf_rlp_effective_rules(const struct mf_rlp_spec *s)
{
    return s->defaults ? s->defaults : s->overrides ? s->overrides : &s->bare;
}

/* ---- AuthPolicy ---- */

/* Authorino ValueOrSelector: a static value (any JSON), a selector or CEL. */
struct mf_auth_value {
    struct mf_pos pos;
    struct mf_raw value;
    struct mf_str selector;   /* gjson path or template */
    struct mf_str expression; /* CEL */
};

/* A ValueOrSelector in a map (headers, json properties, identity extensions). */
struct mf_auth_named_value {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_auth_value v;
};

/*
 * Authorino PatternExpressionOrRef: exactly one of a pattern expression
 * (selector, operator, value), a patternRef, a CEL predicate, all or any.
 * Named patterns (spec.patterns) use the same struct with only the first form.
 */
struct mf_auth_pattern {
    struct mf_pos pos;
    struct mf_str selector;
    struct mf_str op; /* eq, neq, incl, excl, matches */
    struct mf_str value;
    struct mf_str pattern_ref;
    struct mf_str predicate;
    struct mf_list all; /* of struct mf_auth_pattern */
    struct mf_list any; /* of struct mf_auth_pattern */
};

struct mf_auth_named_pattern {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_list all_of; /* of struct mf_auth_pattern (expressions only) */
};

struct mf_auth_cache {
    struct mf_pos pos;
    struct mf_auth_value *key;
    struct mf_int ttl; /* seconds, default 60 */
};

/* Authorino CommonEvaluatorSpec, shared by every rule kind. */
struct mf_auth_common {
    struct mf_int priority; /* default 0; lower groups run first */
    struct mf_bool metrics;
    struct mf_list when; /* of struct mf_auth_pattern */
    struct mf_auth_cache *cache;
};

struct mf_auth_prefix {
    struct mf_pos pos;
    struct mf_str prefix; /* default "Bearer" */
};

struct mf_auth_name {
    struct mf_pos pos;
    struct mf_str name;
};

/* Exactly one of the four; absent means an Authorization: Bearer header. */
struct mf_auth_credentials {
    struct mf_pos pos;
    struct mf_auth_prefix *authorization_header;
    struct mf_auth_name *custom_header;
    struct mf_auth_name *query_string;
    struct mf_auth_name *cookie;
};

struct mf_auth_apikey {
    struct mf_pos pos;
    struct mf_label_selector *selector; /* Secrets holding the keys; {} = all */
    struct mf_bool all_namespaces;
    struct mf_raw key_selector;  /* known, not implemented */
    struct mf_raw key_selectors; /* known, not implemented */
};

struct mf_auth_jwt {
    struct mf_pos pos;
    struct mf_str issuer_url; /* exactly one of issuerUrl and jwksUrl */
    struct mf_str jwks_url;
    struct mf_int ttl;     /* seconds between JWKS refreshes; 0 = never */
    struct mf_int timeout; /* milliseconds, default 5000 */
};

struct mf_auth_x509_source {
    struct mf_pos pos;
    struct mf_str xfcc_header; /* exactly one of the three */
    struct mf_str client_cert_header;
    struct mf_str expression;
};

struct mf_auth_x509 {
    struct mf_pos pos;
    struct mf_label_selector *selector; /* Secrets holding trusted CAs */
    struct mf_bool all_namespaces;
    struct mf_auth_x509_source *source; /* NULL = the TLS session */
};

struct mf_auth_plain {
    struct mf_pos pos;
    struct mf_str selector; /* exactly one of the two */
    struct mf_str expression;
};

struct mf_auth_anonymous {
    struct mf_pos pos;
};

struct mf_auth_authentication {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_auth_common common;
    struct mf_auth_credentials *credentials;
    struct mf_objmap defaults;  /* of struct mf_auth_named_value */
    struct mf_objmap overrides; /* of struct mf_auth_named_value */
    /* The method: exactly one is set. */
    struct mf_auth_apikey *api_key;
    struct mf_auth_jwt *jwt;
    struct mf_auth_x509 *x509;
    struct mf_auth_plain *plain;
    struct mf_auth_anonymous *anonymous;
    struct mf_raw oauth2_introspection;    /* known, not implemented */
    struct mf_raw kubernetes_token_review; /* known, not implemented */
    /* Credential fields written one level too high; decoded to explain it. */
    struct mf_raw misplaced_authorization_header;
    struct mf_raw misplaced_custom_header;
    struct mf_raw misplaced_query_string;
    struct mf_raw misplaced_cookie;
};

struct mf_auth_metadata {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_auth_common common;
    struct mf_raw http;      /* known, not implemented */
    struct mf_raw user_info; /* known, not implemented */
    struct mf_raw uma;       /* known, not implemented */
};

struct mf_auth_pattern_matching {
    struct mf_pos pos;
    struct mf_list patterns; /* of struct mf_auth_pattern */
};

struct mf_auth_opa {
    struct mf_pos pos;
    struct mf_str rego;            /* exactly one of rego and externalPolicy */
    struct mf_raw external_policy; /* known, not implemented */
    struct mf_bool all_values;
};

struct mf_auth_authorization {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_auth_common common;
    struct mf_auth_pattern_matching *pattern_matching;
    struct mf_auth_opa *opa;
    struct mf_raw kubernetes_sar; /* known, not implemented */
    struct mf_raw spicedb;        /* known, not implemented */
};

/* A custom denial (response.unauthenticated / response.unauthorized). */
struct mf_auth_deny {
    struct mf_pos pos;
    struct mf_int code; /* 300-599; default 401 / 403 */
    struct mf_auth_value *message;
    struct mf_objmap headers; /* of struct mf_auth_named_value */
    struct mf_auth_value *body;
};

struct mf_auth_json {
    struct mf_pos pos;
    struct mf_objmap properties; /* of struct mf_auth_named_value */
};

/* One success header or filter: exactly one of plain, json, wristband. */
struct mf_auth_success_item {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_auth_common common;
    struct mf_auth_value *plain;
    struct mf_auth_json *json;
    struct mf_raw wristband; /* known, not implemented */
    struct mf_str item_key;  /* "key": header / property name; default: the map key */
};

struct mf_auth_success {
    struct mf_pos pos;
    struct mf_objmap headers; /* of struct mf_auth_success_item: added upstream */
    struct mf_objmap filters; /* of struct mf_auth_success_item: seen by rate limits as auth.* */
    struct mf_raw misnamed_dynamic_metadata; /* AuthConfig's name for filters */
};

struct mf_auth_response {
    struct mf_pos pos;
    struct mf_auth_deny *unauthenticated;
    struct mf_auth_deny *unauthorized;
    struct mf_auth_success *success;
};

struct mf_auth_rules {
    struct mf_pos pos;
    struct mf_objmap authentication; /* of struct mf_auth_authentication */
    struct mf_objmap metadata;       /* of struct mf_auth_metadata */
    struct mf_objmap authorization;  /* of struct mf_auth_authorization */
    struct mf_auth_response *response;
    struct mf_raw callbacks; /* known, not implemented */
    /* defaults/overrides indented under rules instead of spec. */
    struct mf_raw misplaced_defaults;
    struct mf_raw misplaced_overrides;
};

/* The bare spec, spec.defaults or spec.overrides. */
struct mf_auth_block {
    struct mf_pos pos;
    struct mf_str strategy;    /* atomic (default) or merge; never set on the bare spec */
    struct mf_objmap patterns; /* of struct mf_auth_named_pattern */
    struct mf_list when;       /* of struct mf_policy_predicate */
    struct mf_auth_rules *rules;
};

struct mf_auth_spec {
    struct mf_pos pos;
    struct mf_policy_target_ref *target_ref;
    struct mf_auth_block *defaults;
    struct mf_auth_block *overrides;
    struct mf_auth_block bare; /* implicit atomic defaults */
};

struct mf_authpolicy {
    struct mf_pos pos;
    struct mf_raw spec_node;
    struct mf_auth_spec *spec;
};

static inline const struct mf_auth_block *
mf_auth_effective_block(const struct mf_auth_spec *s)
{
    return s->defaults ? s->defaults : s->overrides ? s->overrides : &s->bare;
}

/* ---- DNSPolicy ---- */

struct mf_dns_provider_ref {
    struct mf_pos pos;
    struct mf_str name; /* a Secret in the policy's namespace */
};

struct mf_dns_load_balancing {
    struct mf_pos pos;
    struct mf_int weight; /* default 120 */
    struct mf_str geo;
    struct mf_bool default_geo;
};

struct mf_dns_health_check {
    struct mf_pos pos;
    struct mf_str path;
    struct mf_int port;              /* 80, 443 or 1024-49151; default 443 */
    struct mf_str protocol;          /* HTTP or HTTPS (default) */
    struct mf_int failure_threshold; /* > 0, default 5 */
    struct mf_str interval;          /* Go duration, default 5m */
    int64_t interval_ns;             /* derived: interval in nanoseconds, 0 when unset */
    struct mf_dns_provider_ref *additional_headers_ref;
    struct mf_bool allow_insecure_certificate;
};

struct mf_dns_spec {
    struct mf_pos pos;
    struct mf_policy_target_ref *target_ref;
    struct mf_list provider_refs; /* of struct mf_dns_provider_ref, at most 1 */
    struct mf_dns_load_balancing *load_balancing;
    struct mf_dns_health_check *health_check;
    struct mf_list exclude_addresses; /* of struct mf_str: hostnames, IPs, CIDRs */
    struct mf_bool delegate;
};

struct mf_dnspolicy {
    struct mf_pos pos;
    struct mf_raw spec_node;
    struct mf_dns_spec *spec;
};

/* ---- TLSPolicy ---- */

struct mf_tls_issuer_ref {
    struct mf_pos pos;
    struct mf_str name;
    struct mf_str kind;  /* Issuer (default) or ClusterIssuer */
    struct mf_str group; /* cert-manager.io */
};

struct mf_tls_private_key {
    struct mf_pos pos;
    struct mf_str algorithm; /* RSA (default), ECDSA, Ed25519 */
    struct mf_str encoding;  /* PKCS1 (default), PKCS8 */
    struct mf_int size;
    struct mf_str rotation_policy; /* Never, Always */
};

struct mf_tls_spec {
    struct mf_pos pos;
    struct mf_policy_target_ref *target_ref;
    struct mf_tls_issuer_ref *issuer_ref;
    struct mf_str common_name;
    struct mf_duration duration;     /* default 90 days, at least 1h */
    struct mf_duration renew_before; /* at least 5m, below duration */
    struct mf_list usages;           /* of struct mf_str */
    struct mf_tls_private_key *private_key;
    struct mf_int revision_history_limit; /* >= 1 */
};

struct mf_tlspolicy {
    struct mf_pos pos;
    struct mf_raw spec_node;
    struct mf_tls_spec *spec;
};

#endif

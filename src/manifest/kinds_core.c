/*
 * DOC: Kubernetes core kinds (Service, Secret, Node, Namespace) and
 * discovery.k8s.io EndpointSlice: schemas and the single-object rules the
 * Kubernetes API server applies to the fields metalgate reads, plus
 * MetalLB's Service annotations (shared/reference/metallb.md 1.8).
 *
 * Defaults the API server fills in (type ClusterIP, protocol TCP,
 * externalTrafficPolicy Cluster, sessionAffinity None) are accepted as empty
 * strings too, as the API server accepts them; the effective values are kept
 * in the derived members of types_core.h.
 *
 * Deliberate deviation: an EndpointSlice address in 127.0.0.0/8 or ::1 is a
 * warning, not the API server's error, because on a plain Linux machine a
 * backend on the loopback of every node is a meaningful setup.
 *
 * The kinds' validate hooks need metadata (names, labels, annotations):
 * mf_core_read_meta takes what load.c decoded (ctx->meta), and reads the
 * raw metadata node again with a scratch diagnostics list only when a hook
 * runs without it, so nothing is reported twice.
 */
#include <stdio.h>
#include <string.h>

#ifdef MF_HAVE_JANSSON
#include <jansson.h>
#endif

#include "core/ipaddr.h"
#include "core/strutil.h"
#include "manifest/kinds.h"

/* ---- shared helpers ----------------------------------------------------- */

#define MF_CORE_ENVELOPE(T)                                                                        \
    MF_F_SKIP("apiVersion", MF_IGNORED, NULL), MF_F_SKIP("kind", MF_IGNORED, NULL),                \
        MF_F_RAW(T, metadata, "metadata")

/* The metadata members the single-object rules read. */
struct mf_core_meta {
    struct mf_pos pos;
    struct mf_str name;
    struct mf_strmap labels;
    struct mf_strmap annotations;
};

static const struct mf_field mf_core_meta_fields[] = {
    MF_F_STR(struct mf_core_meta, name, "name"),
    MF_F_STRMAP(struct mf_core_meta, labels, "labels"),
    MF_F_STRMAP(struct mf_core_meta, annotations, "annotations"),
};
static const struct mf_schema mf_core_meta_schema =
    MF_SCHEMA("metadata", mf_core_meta_fields, NULL);

/*
 * Decodes the raw metadata node into out with a scratch diagnostics list:
 * load.c has already reported every problem in it. Values live in the
 * object's arena. out is zeroed when there is no metadata mapping.
 */
static void
mf_core_read_meta(struct mf_ctx *ctx, const struct mf_raw *raw, struct mf_core_meta *out)
{
    struct mf_diags scratch;
    struct mf_ctx c = *ctx;

    memset(out, 0, sizeof(*out));
    if (ctx->meta != NULL) { /* decoded by load.c already: no second pass */
        out->pos = ctx->meta->pos;
        out->name = ctx->meta->name;
        out->labels = ctx->meta->labels;
        out->annotations = ctx->meta->annotations;
        return;
    }
    if (raw->node == NULL)
        return;
    mf_diags_init(&scratch);
    c.diags = &scratch;
    c.errors = 0;
    mf_decode_object(&c, raw->node, &mf_core_meta_schema, out, "metadata");
    mf_diags_free(&scratch);
}

static bool
mf_core_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
mf_core_alnum(char c)
{
    return mf_core_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 1123 label; with letter_first, an RFC 1035 label (DNS-1035). */
static bool
mf_core_is_dns_label(const char *s, size_t len, bool letter_first)
{
    if (len == 0 || len > 63 || !mf_core_lower_alnum(s[0]) || !mf_core_lower_alnum(s[len - 1]))
        return false;
    if (letter_first && !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mf_core_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool
mf_core_is_dns_subdomain(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == '.') {
            if (!mf_core_is_dns_label(s + start, i - start, false))
                return false;
            start = i + 1;
        }
    return true;
}

/* Qualified name (label keys, appProtocol, loadBalancerClass): [prefix/]name. */
static bool
mf_core_is_qualified_name(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);
    const char *name = slash ? slash + 1 : s;
    size_t nlen = slash ? len - (size_t)(name - s) : len;

    if (slash != NULL && !mf_core_is_dns_subdomain(s, (size_t)(slash - s)))
        return false;
    if (nlen == 0 || nlen > 63 || !mf_core_alnum(name[0]) || !mf_core_alnum(name[nlen - 1]))
        return false;
    for (size_t i = 0; i < nlen; i++)
        if (!mf_core_alnum(name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
            return false;
    return true;
}

static void
mf_core_check_qualified_name(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_core_is_qualified_name(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid qualified name: an optional DNS subdomain prefix and "
                 "'/', then at most 63 letters, digits, '-', '_' or '.', starting and ending "
                 "with a letter or digit (e.g. \"http\" or \"kubernetes.io/h2c\")",
                 s->v);
}

/*
 * mf_check_label_map, skipping the empty slots a map given twice in one
 * mapping (a duplicate key, already reported) leaves behind.
 */
static void
mf_core_check_label_map(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_strmap *m = value;
    char kpath[MF_PATH_MAX];

    for (uint32_t i = 0; i < m->n; i++) {
        if (m->v[i].key.v == NULL)
            continue;
        mf_path_key(kpath, path, m->v[i].key.v);
        mf_check_label_key(ctx, &m->v[i].key, kpath);
        mf_check_label_value(ctx, &m->v[i].value, kpath);
    }
}

/*
 * List entries: the decoder runs a list's check even on an entry it could not
 * decode (already reported), so the shared checks are wrapped.
 */
static void
mf_core_check_ip_entry(struct mf_ctx *ctx, const void *value, const char *path)
{
    if (((const struct mf_str *)value)->v != NULL)
        mf_check_ip(ctx, value, path);
}

static void
mf_core_check_cidr_entry(struct mf_ctx *ctx, const void *value, const char *path)
{
    if (((const struct mf_str *)value)->v != NULL)
        mf_check_cidr(ctx, value, path);
}

/* Port names: an RFC 1123 label; "" counts as unset, as in Kubernetes. */
static void
mf_core_check_port_name(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len > 0)
        mf_check_dns1123_label(ctx, value, path);
}

/*
 * An enum the API server defaults when empty: "" is accepted, anything else
 * must be one of values (NULL-terminated). Returns the index, or -1 for ""
 * and for bad values (reported).
 */
static int
mf_core_enum(struct mf_ctx *ctx, const struct mf_str *s, const char *path,
             const char *const *values)
{
    char list[128] = "";
    size_t used = 0, n = 0;
    const char *close;

    for (; values[n] != NULL; n++)
        if (mf_str_eq(s, values[n]))
            return (int)n;
    if (s->v == NULL || s->len == 0)
        return -1;
    /* The list of allowed values is only spelled out for the message. */
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s%s",
                                 i ? ", " : "", values[i]);
    close = str_closest(s->v, s->len, values, n);
    mf_error(ctx, &s->pos, path, "\"%.60s\" is not one of %s%s%s%s", s->v, list,
             close ? "; did you mean \"" : "", close ? close : "", close ? "\"?" : "");
    return -1;
}

static const char *const mf_proto_names[] = {"TCP", "UDP", "SCTP", NULL};

static void
mf_core_check_protocol(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_core_enum(ctx, value, path, mf_proto_names);
}

/* The effective protocol: TCP when unset or invalid (already reported). */
static enum mf_l4_protocol
mf_core_proto(const struct mf_str *s)
{
    for (int i = 0; mf_proto_names[i] != NULL; i++)
        if (mf_str_eq(s, mf_proto_names[i]))
            return (enum mf_l4_protocol)i;
    return MF_PROTO_TCP;
}

/* Position of a field for "missing"/"forbidden" messages: the value if set. */
static const struct mf_pos *
mf_core_at(const struct mf_pos *value_pos, const struct mf_pos *fallback)
{
    return value_pos->line != 0 ? value_pos : fallback;
}

static bool
mf_core_empty(const struct mf_str *s)
{
    return s->v == NULL || s->len == 0;
}

/*
 * Bounds the number of entries of a string list. (The schema's .max on a
 * string list would bound each string's length as well, so string lists
 * are counted here.)
 */
static void
mf_core_check_count(struct mf_ctx *ctx, const struct mf_list *l, uint32_t max, const char *path)
{
    if (l->n > max)
        mf_error(ctx, &l->pos, path, "has %u entries; at most %u are allowed", l->n, max);
}

/* ---- Service ------------------------------------------------------------ */

/* IANA_SVC_NAME (RFC 6335): 1-15 of [-a-z0-9], a letter, no "--", no '-' at either end. */
static bool
mf_core_is_iana_svc_name(const char *s, size_t len)
{
    bool letter = false;

    if (len == 0 || len > 15 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!mf_core_lower_alnum(s[i]) && s[i] != '-')
            return false;
        if (s[i] >= 'a' && s[i] <= 'z')
            letter = true;
        if (i > 0 && s[i] == '-' && s[i - 1] == '-')
            return false;
    }
    return letter;
}

static void
mf_check_target_port(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_intstr *t = value;

    /* Integers were bounded 0-65535 by the decoder; 0 and "" mean "same as port". */
    if (t->is_int || t->s.len == 0)
        return;
    if (!mf_core_is_iana_svc_name(t->s.v, t->s.len))
        mf_error(ctx, &t->pos, path,
                 "\"%.80s\" is not a valid port name: at most 15 lower-case letters, digits and "
                 "'-', with at least one letter, no \"--\", not starting or ending with '-'%s",
                 t->s.v, mf_placeholder_hint(t->s.v));
}

static void
mf_validate_service_port(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_service_port *p = obj;

    (void)ctx;
    (void)path;
    p->proto = mf_core_proto(&p->protocol);
}

static const struct mf_field mf_service_port_fields[] = {
    MF_F_STR(struct mf_service_port, name, "name", .check = mf_core_check_port_name),
    MF_F_STR(struct mf_service_port, protocol, "protocol", .check = mf_core_check_protocol),
    MF_F_STR(struct mf_service_port, app_protocol, "appProtocol",
             .check = mf_core_check_qualified_name),
    MF_F_INT(struct mf_service_port, port, "port", .flags = MF_REQUIRED, .min = 1, .max = 65535),
    MF_F_INTSTR(struct mf_service_port, target_port, "targetPort", .min = 0, .max = 65535,
                .check = mf_check_target_port),
    MF_F_INT(struct mf_service_port, node_port, "nodePort", .min = 0, .max = 65535),
};
static const struct mf_schema mf_service_port_schema =
    MF_SCHEMA("Service port", mf_service_port_fields, mf_validate_service_port);

static const struct mf_field mf_client_ip_fields[] = {
    MF_F_INT(struct mf_client_ip_config, timeout_seconds, "timeoutSeconds", .min = 1, .max = 86400),
};
static const struct mf_schema mf_client_ip_schema =
    MF_SCHEMA("clientIP", mf_client_ip_fields, NULL);

static const struct mf_field mf_affinity_config_fields[] = {
    MF_F_OBJ(struct mf_session_affinity_config, client_ip, "clientIP", &mf_client_ip_schema,
             struct mf_client_ip_config),
};
static const struct mf_schema mf_affinity_config_schema =
    MF_SCHEMA("sessionAffinityConfig", mf_affinity_config_fields, NULL);

static const char *const mf_service_types[] = {"ClusterIP", "NodePort", "LoadBalancer",
                                               "ExternalName", NULL};
static const char *const mf_traffic_policies[] = {"Cluster", "Local", NULL};
static const char *const mf_affinities[] = {"None", "ClientIP", NULL};
static const char *const mf_ip_families[] = {"IPv4", "IPv6", NULL};
static const char *const mf_family_policies[] = {"SingleStack", "PreferDualStack",
                                                 "RequireDualStack", NULL};

static void
mf_check_service_type(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_core_enum(ctx, value, path, mf_service_types);
}

static void
mf_check_etp(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_core_enum(ctx, value, path, mf_traffic_policies);
}

static void
mf_check_affinity(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_core_enum(ctx, value, path, mf_affinities);
}

/* clusterIP(s): an IP, "None" (headless) or "" (allocate one). */
static void
mf_check_cluster_ip(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_addr ip;

    if (s->len == 0 || mf_str_eq(s, "None"))
        return;
    if (ip_parse(s->v, s->len, &ip) != 0)
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid IP address or \"None\"%s", s->v,
                 mf_placeholder_hint(s->v));
}

static void
mf_check_ip_or_empty(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len > 0)
        mf_check_ip(ctx, value, path);
}

/* loadBalancerSourceRanges entries: the API server trims spaces first. */
static void
mf_check_source_range(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    const char *v = s->v, *why;
    size_t len = s->len;
    struct ip_prefix p;

    if (v == NULL) /* not a string: reported */
        return;
    while (len > 0 && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (ip_prefix_parse(v, len, &p, &why) != 0)
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid CIDR: %s (loadBalancerSourceRanges is a list of IP "
                 "ranges such as 10.240.0.0/24)",
                 s->v, why);
}

/* clusterIPs entries: an IP, or "None" (placement is checked with the list). */
static void
mf_check_cluster_ips_entry(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->v == NULL) /* not a string: reported */
        return;
    if (s->len == 0)
        mf_error(ctx, &s->pos, path, "must be a valid IP address or \"None\"");
    else
        mf_check_cluster_ip(ctx, value, path);
}

static void
mf_service_port_dups(struct mf_ctx *ctx, const struct mf_service_spec *s, uint32_t i,
                     const char *ppath)
{
    const struct mf_service_port *a = MF_LIST_AT(s->ports, struct mf_service_port, i);
    char p[MF_PATH_MAX];

    for (uint32_t j = 0; j < i; j++) {
        const struct mf_service_port *b = MF_LIST_AT(s->ports, struct mf_service_port, j);

        if (!mf_core_empty(&a->name) && b->name.v != NULL && mf_str_eq(&a->name, b->name.v))
            mf_error(ctx, &a->name.pos, mf_path_field(p, ppath, "name"),
                     "duplicate port name \"%.60s\" (also at index %u)", a->name.v, j);
        if (a->port.set && b->port.set && a->port.v == b->port.v && a->proto == b->proto)
            mf_error(ctx, &a->pos, ppath, "duplicate port %lld/%s (also at index %u)",
                     (long long)a->port.v, mf_proto_names[a->proto], j);
        if (a->node_port.v != 0 && a->node_port.v == b->node_port.v && a->proto == b->proto)
            mf_error(ctx, &a->node_port.pos, mf_path_field(p, ppath, "nodePort"),
                     "duplicate nodePort %lld/%s (also at index %u)", (long long)a->node_port.v,
                     mf_proto_names[a->proto], j);
    }
}

/* type_known is false when spec.type is misspelt: type-dependent rules are skipped. */
static void
mf_service_check_ports(struct mf_ctx *ctx, const struct mf_service_spec *s, const char *path,
                       bool type_known)
{
    char lpath[MF_PATH_MAX], ppath[MF_PATH_MAX], p[MF_PATH_MAX];
    enum mf_service_type type = type_known ? s->type_id : MF_SERVICE_TYPE_COUNT;

    mf_path_field(lpath, path, "ports");
    if (type_known && s->ports.n == 0 && !s->headless && type != MF_SERVICE_EXTERNALNAME)
        mf_error(ctx, mf_core_at(&s->ports.pos, &s->pos), lpath,
                 "required field is missing: a Service needs at least one port (only headless "
                 "and ExternalName Services may have none)");
    for (uint32_t i = 0; i < s->ports.n; i++) {
        const struct mf_service_port *port = MF_LIST_AT(s->ports, struct mf_service_port, i);

        mf_path_index(ppath, lpath, i);
        if (s->ports.n > 1 && mf_core_empty(&port->name))
            mf_error(ctx, &port->pos, mf_path_field(p, ppath, "name"),
                     "required field is missing: each port needs a name when a Service has "
                     "more than one");
        if (type == MF_SERVICE_LOADBALANCER && port->port.v == 10250)
            mf_error(ctx, &port->port.pos, mf_path_field(p, ppath, "port"),
                     "may not expose port 10250 externally since it is used by kubelet");
        if (type == MF_SERVICE_CLUSTERIP && port->node_port.v != 0)
            mf_error(ctx, &port->node_port.pos, mf_path_field(p, ppath, "nodePort"),
                     "may not be used when `type` is 'ClusterIP'");
        mf_service_port_dups(ctx, s, i, ppath);
    }
}

/* Fields that only mean something on a LoadBalancer Service. */
static void
mf_service_check_lb_only(struct mf_ctx *ctx, const struct mf_service_spec *s, const char *path)
{
    static const char msg[] = "may only be used when `type` is 'LoadBalancer'";
    char p[MF_PATH_MAX];

    if (s->type_id == MF_SERVICE_LOADBALANCER)
        return;
    if (s->load_balancer_source_ranges.n > 0)
        mf_error(ctx, &s->load_balancer_source_ranges.pos,
                 mf_path_field(p, path, "loadBalancerSourceRanges"), "%s", msg);
    if (s->load_balancer_class.v != NULL)
        mf_error(ctx, &s->load_balancer_class.pos, mf_path_field(p, path, "loadBalancerClass"),
                 "%s", msg);
    if (s->allocate_load_balancer_node_ports.set)
        mf_error(ctx, &s->allocate_load_balancer_node_ports.pos,
                 mf_path_field(p, path, "allocateLoadBalancerNodePorts"), "%s", msg);
}

static void
mf_service_check_external_name(struct mf_ctx *ctx, const struct mf_service_spec *s,
                               const char *path)
{
    static const char msg[] = "may not be set for ExternalName services";
    char p[MF_PATH_MAX];
    struct mf_str cname = s->external_name;

    if (!mf_core_empty(&s->cluster_ip))
        mf_error(ctx, &s->cluster_ip.pos, mf_path_field(p, path, "clusterIP"), "%s", msg);
    if (s->cluster_ips.n > 0)
        mf_error(ctx, &s->cluster_ips.pos, mf_path_field(p, path, "clusterIPs"), "%s", msg);
    if (s->ip_families.n > 0)
        mf_error(ctx, &s->ip_families.pos, mf_path_field(p, path, "ipFamilies"), "%s", msg);
    if (s->ip_family_policy.v != NULL)
        mf_error(ctx, &s->ip_family_policy.pos, mf_path_field(p, path, "ipFamilyPolicy"), "%s",
                 msg);
    mf_path_field(p, path, "externalName");
    /* The value (a CNAME) may end with a dot. */
    if (cname.len > 0 && cname.v[cname.len - 1] == '.')
        cname.len--;
    if (cname.len == 0)
        mf_error(ctx, mf_core_at(&cname.pos, &s->pos), p,
                 "required field is missing: an ExternalName Service needs externalName");
    else if (!mf_core_is_dns_subdomain(cname.v, cname.len))
        mf_error(ctx, &cname.pos, p,
                 "\"%.80s\" is not a valid DNS name: lower-case RFC 1123 labels separated by "
                 "'.'%s",
                 cname.v, mf_placeholder_hint(cname.v));
}

static void
mf_service_check_traffic(struct mf_ctx *ctx, const struct mf_service_spec *s, const char *path)
{
    bool lb = s->type_id == MF_SERVICE_LOADBALANCER;
    bool external = lb || s->type_id == MF_SERVICE_NODEPORT || s->external_ips.n > 0;
    char p[MF_PATH_MAX], q[MF_PATH_MAX];

    if (lb || s->type_id == MF_SERVICE_NODEPORT) {
        if (s->headless && s->cluster_ip.v != NULL)
            mf_error(ctx, &s->cluster_ip.pos, mf_path_field(p, path, "clusterIP"),
                     "may not be set to 'None' for %s services", mf_service_types[s->type_id]);
        else if (s->headless)
            mf_error(ctx, &MF_LIST_AT(s->cluster_ips, struct mf_str, 0)->pos,
                     mf_path_index(q, mf_path_field(p, path, "clusterIPs"), 0),
                     "may not be set to 'None' for %s services", mf_service_types[s->type_id]);
    }
    if (!external && !mf_core_empty(&s->external_traffic_policy))
        mf_error(ctx, &s->external_traffic_policy.pos,
                 mf_path_field(p, path, "externalTrafficPolicy"),
                 "may only be set for externally-accessible services (type LoadBalancer or "
                 "NodePort)");
    if (s->health_check_node_port.v != 0 && !(lb && s->etp_local))
        mf_error(ctx, &s->health_check_node_port.pos, mf_path_field(p, path, "healthCheckNodePort"),
                 "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is "
                 "'Local'");
    if (s->session_affinity_config != NULL && !mf_str_eq(&s->session_affinity, "ClientIP"))
        mf_error(ctx, &s->session_affinity_config->pos,
                 mf_path_field(p, path, "sessionAffinityConfig"),
                 "must not be set when session affinity is None");
    if (s->external_ips.n > 0)
        mf_warn(ctx, &s->external_ips.pos, mf_path_field(p, path, "externalIPs"),
                "not implemented yet; ignored: metalgate announces LoadBalancer IPs only");
}

/* Family of a clusterIPs entry; IP_FAMILY_NONE for "None" and invalid ones. */
static enum ip_family
mf_core_ip_family(const struct mf_str *s)
{
    struct ip_addr ip;

    if (s->v == NULL || ip_parse(s->v, s->len, &ip) != 0)
        return IP_FAMILY_NONE;
    return ip.family;
}

static void
mf_service_check_cluster_ips(struct mf_ctx *ctx, const struct mf_service_spec *s, const char *path)
{
    const struct mf_list *l = &s->cluster_ips;
    char lpath[MF_PATH_MAX], p[MF_PATH_MAX];
    enum ip_family fam[2] = {IP_FAMILY_NONE, IP_FAMILY_NONE};

    if (l->n == 0)
        return;
    mf_path_field(lpath, path, "clusterIPs");
    mf_core_check_count(ctx, l, 2, lpath);
    if (!mf_core_empty(&s->cluster_ip) &&
        !mf_str_eq(MF_LIST_AT(*l, struct mf_str, 0), s->cluster_ip.v))
        mf_error(ctx, &l->pos, lpath, "first value must match `clusterIP`");
    for (uint32_t i = 0; i < l->n; i++) {
        const struct mf_str *ip = MF_LIST_AT(*l, struct mf_str, i);

        if (mf_str_eq(ip, "None") && (i > 0 || l->n > 1)) {
            mf_error(ctx, &ip->pos, mf_path_index(p, lpath, i),
                     "'None' must be the first and only value");
            return;
        }
        if (i < 2)
            fam[i] = mf_core_ip_family(ip);
    }
    if (l->n == 2 && fam[0] != IP_FAMILY_NONE && fam[0] == fam[1])
        mf_error(ctx, &l->pos, lpath, "may specify no more than one IP for each IP family");
    for (uint32_t i = 0; i < 2 && i < l->n && i < s->ip_families.n; i++) {
        const struct mf_str *want = MF_LIST_AT(s->ip_families, struct mf_str, i);
        enum ip_family wf = mf_str_eq(want, "IPv4")   ? IP_FAMILY_V4
                            : mf_str_eq(want, "IPv6") ? IP_FAMILY_V6
                                                      : IP_FAMILY_NONE;

        if (wf != IP_FAMILY_NONE && fam[i] != IP_FAMILY_NONE && wf != fam[i])
            mf_error(ctx, &MF_LIST_AT(*l, struct mf_str, i)->pos, mf_path_index(p, lpath, i),
                     "expected an %s value as indicated by `ipFamilies[%u]`", want->v, i);
    }
}

static void
mf_service_check_families(struct mf_ctx *ctx, const struct mf_service_spec *s, const char *path)
{
    char p[MF_PATH_MAX];

    if (s->ip_families.n > 0) { /* an empty list has nothing to report */
        mf_path_field(p, path, "ipFamilies");
        mf_core_check_count(ctx, &s->ip_families, 2, p);
        mf_check_no_duplicates(ctx, &s->ip_families, p, "IP family");
    }
    if (!mf_str_eq(&s->ip_family_policy, "SingleStack"))
        return;
    mf_path_field(p, path, "ipFamilyPolicy");
    if (s->ip_families.n == 2)
        mf_error(ctx, &s->ip_family_policy.pos, p,
                 "must be RequireDualStack or PreferDualStack when multiple 'ipFamilies' are "
                 "specified");
    if (s->cluster_ips.n == 2)
        mf_error(ctx, &s->ip_family_policy.pos, p,
                 "must be RequireDualStack or PreferDualStack when multiple 'clusterIPs' are "
                 "specified");
}

static int
mf_core_index_of(const struct mf_str *s, const char *const *values)
{
    for (int i = 0; values[i] != NULL; i++)
        if (mf_str_eq(s, values[i]))
            return i;
    return -1;
}

static void
mf_validate_service_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_service_spec *s = obj;
    int type = mf_core_index_of(&s->type, mf_service_types);
    const struct mf_str *first_ip =
        s->cluster_ips.n > 0 ? MF_LIST_AT(s->cluster_ips, struct mf_str, 0) : &s->cluster_ip;

    s->type_id = type < 0 ? MF_SERVICE_CLUSTERIP : (enum mf_service_type)type;
    s->etp_local = mf_str_eq(&s->external_traffic_policy, "Local");
    s->itp_local = mf_str_eq(&s->internal_traffic_policy, "Local");
    s->headless = mf_str_eq(first_ip, "None");
    if (type < 0 && !mf_core_empty(&s->type)) {
        /* A misspelt type is reported; rules that depend on it would mislead. */
        mf_service_check_ports(ctx, s, path, false);
        mf_service_check_cluster_ips(ctx, s, path);
        mf_service_check_families(ctx, s, path);
        return;
    }
    mf_service_check_ports(ctx, s, path, true);
    mf_service_check_lb_only(ctx, s, path);
    if (s->type_id == MF_SERVICE_EXTERNALNAME) {
        mf_service_check_external_name(ctx, s, path);
    } else {
        mf_service_check_cluster_ips(ctx, s, path);
        mf_service_check_families(ctx, s, path);
    }
    mf_service_check_traffic(ctx, s, path);
}

static const struct mf_field mf_service_spec_fields[] = {
    MF_F_STR(struct mf_service_spec, type, "type", .check = mf_check_service_type),
    MF_F_OBJLIST(struct mf_service_spec, ports, "ports", &mf_service_port_schema,
                 struct mf_service_port),
    MF_F_STRMAP(struct mf_service_spec, selector, "selector", .check = mf_core_check_label_map),
    MF_F_STR(struct mf_service_spec, cluster_ip, "clusterIP", .check = mf_check_cluster_ip),
    MF_F_STRLIST(struct mf_service_spec, cluster_ips, "clusterIPs",
                 .check = mf_check_cluster_ips_entry),
    MF_F_STR(struct mf_service_spec, load_balancer_ip, "loadBalancerIP",
             .check = mf_check_ip_or_empty),
    MF_F_STR(struct mf_service_spec, load_balancer_class, "loadBalancerClass",
             .check = mf_core_check_qualified_name),
    MF_F_STRLIST(struct mf_service_spec, load_balancer_source_ranges, "loadBalancerSourceRanges",
                 .check = mf_check_source_range),
    MF_F_STR(struct mf_service_spec, external_traffic_policy, "externalTrafficPolicy",
             .check = mf_check_etp),
    MF_F_STR(struct mf_service_spec, internal_traffic_policy, "internalTrafficPolicy",
             .enums = mf_traffic_policies),
    MF_F_STRLIST(struct mf_service_spec, ip_families, "ipFamilies", .enums = mf_ip_families),
    MF_F_STR(struct mf_service_spec, ip_family_policy, "ipFamilyPolicy",
             .enums = mf_family_policies),
    MF_F_BOOL(struct mf_service_spec, allocate_load_balancer_node_ports,
              "allocateLoadBalancerNodePorts"),
    MF_F_STR(struct mf_service_spec, session_affinity, "sessionAffinity",
             .check = mf_check_affinity),
    MF_F_OBJ(struct mf_service_spec, session_affinity_config, "sessionAffinityConfig",
             &mf_affinity_config_schema, struct mf_session_affinity_config),
    MF_F_INT(struct mf_service_spec, health_check_node_port, "healthCheckNodePort", .min = 0,
             .max = 65535),
    MF_F_BOOL(struct mf_service_spec, publish_not_ready_addresses, "publishNotReadyAddresses"),
    MF_F_STR(struct mf_service_spec, external_name, "externalName"),
    MF_F_STRLIST(struct mf_service_spec, external_ips, "externalIPs",
                 .check = mf_core_check_ip_entry),
    MF_F_SKIP("trafficDistribution", MF_UNSUPPORTED,
              "metalgate does not prefer topologically close endpoints"),
};
static const struct mf_schema mf_service_spec_schema =
    MF_SCHEMA("Service spec", mf_service_spec_fields, mf_validate_service_spec);

int
mf_parse_lb_ips(const char *s, size_t len, struct ip_addr out[2], uint32_t *n, const char **err)
{
    size_t start = 0;
    uint32_t count = 0;

    for (size_t i = 0; i <= len; i++) {
        const char *e;
        size_t elen;
        struct ip_addr ip;

        if (i < len && s[i] != ',')
            continue;
        e = s + start;
        elen = i - start;
        start = i + 1;
        while (elen > 0 && (*e == ' ' || *e == '\t' || *e == '\n'))
            e++, elen--;
        while (elen > 0 && (e[elen - 1] == ' ' || e[elen - 1] == '\t' || e[elen - 1] == '\n'))
            elen--;
        if (ip_parse(e, elen, &ip) != 0) {
            *err = elen == 0 ? "an entry is empty" : "an entry is not an IP address";
            return -1;
        }
        if (count == 2) {
            *err = "more than 2 IPs (give 1 IP, or 2 IPs of different families)";
            return -1;
        }
        out[count++] = ip;
    }
    if (count == 2 && out[0].family == out[1].family) {
        *err = "same address family (2 IPs must be one IPv4 and one IPv6)";
        return -1;
    }
    *n = count;
    return 0;
}

void
mf_service_families(const struct mf_service_spec *spec, struct mf_service_families *out)
{
    const struct mf_list *ips = &spec->cluster_ips;
    bool two = spec->ip_families.n == 2 || ips->n == 2;
    enum ip_family second = IP_FAMILY_NONE;

    out->primary = IP_FAMILY_V4;
    if (spec->ip_families.n > 0) {
        out->primary = mf_str_eq(MF_LIST_AT(spec->ip_families, struct mf_str, 0), "IPv6")
                           ? IP_FAMILY_V6
                           : IP_FAMILY_V4;
    } else if (ips->n > 0 &&
               mf_core_ip_family(MF_LIST_AT(*ips, struct mf_str, 0)) != IP_FAMILY_NONE) {
        out->primary = mf_core_ip_family(MF_LIST_AT(*ips, struct mf_str, 0));
    } else if (mf_core_ip_family(&spec->cluster_ip) != IP_FAMILY_NONE) {
        out->primary = mf_core_ip_family(&spec->cluster_ip);
    }
    out->policy = two ? MF_FAMILY_REQUIRE_DUAL : MF_FAMILY_SINGLE;
    if (mf_str_eq(&spec->ip_family_policy, "SingleStack"))
        out->policy = MF_FAMILY_SINGLE;
    else if (mf_str_eq(&spec->ip_family_policy, "PreferDualStack"))
        out->policy = MF_FAMILY_PREFER_DUAL;
    else if (mf_str_eq(&spec->ip_family_policy, "RequireDualStack"))
        out->policy = MF_FAMILY_REQUIRE_DUAL;
    if (out->policy != MF_FAMILY_SINGLE)
        second = out->primary == IP_FAMILY_V4 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    out->secondary = second;
}

/* Service names are DNS-1035 labels; load.c already rejected non-subdomains. */
static void
mf_service_check_name(struct mf_ctx *ctx, const struct mf_core_meta *m)
{
    const struct mf_str *n = &m->name;

    if (n->v == NULL || !mf_core_is_dns_subdomain(n->v, n->len) ||
        mf_core_is_dns_label(n->v, n->len, true))
        return;
    mf_error(ctx, &n->pos, "metadata.name",
             "\"%.80s\" is not a valid Service name: a DNS-1035 label must consist of lower "
             "case alphanumeric characters or '-', start with an alphabetic character, and end "
             "with an alphanumeric character (e.g. 'my-name', or 'abc-123'), at most 63 "
             "characters",
             n->v);
}

static const struct {
    const char *key, *old;
} mf_lb_annotations[] = {
    {MF_ANN_ADDRESS_POOL, MF_ANN_OLD_ADDRESS_POOL},
    {MF_ANN_LB_IPS, MF_ANN_OLD_LB_IPS},
    {MF_ANN_ALLOW_SHARED_IP, MF_ANN_OLD_ALLOW_SHARED_IP},
};

/*
 * Warns about each deprecated MetalLB annotation and returns the effective
 * value of annotation a (the stable spelling wins), or NULL; *key is set to
 * the spelling used.
 */
static const struct mf_str *
mf_service_annotation(struct mf_ctx *ctx, const struct mf_strmap *ann, size_t a, const char **key)
{
    const struct mf_str *stable = mf_strmap_get(ann, mf_lb_annotations[a].key);
    const struct mf_str *old = mf_strmap_get(ann, mf_lb_annotations[a].old);
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; old != NULL && i < ann->n; i++)
        if (mf_str_eq(&ann->v[i].key, mf_lb_annotations[a].old))
            mf_warn(ctx, &ann->v[i].key.pos,
                    mf_path_key(p, "metadata.annotations", mf_lb_annotations[a].old),
                    "Service uses deprecated annotation %s; use %s%s", mf_lb_annotations[a].old,
                    mf_lb_annotations[a].key, stable ? " (which is also set and wins)" : "");
    *key = stable ? mf_lb_annotations[a].key : mf_lb_annotations[a].old;
    return stable ? stable : old;
}

/* MetalLB's requested IPs: the loadBalancerIPs annotation or spec.loadBalancerIP. */
static void
mf_service_requested_ips(struct mf_ctx *ctx, struct mf_service *svc, const char *key)
{
    const struct mf_str *ann = svc->lb.lb_ips;
    const struct mf_str *spec_ip = svc->spec ? &svc->spec->load_balancer_ip : NULL;
    char p[MF_PATH_MAX];
    const char *why;

    if (ann != NULL && ann->len > 0) {
        if (mf_parse_lb_ips(ann->v, ann->len, svc->lb.requested, &svc->lb.nrequested, &why) != 0)
            mf_error(ctx, &ann->pos, mf_path_key(p, "metadata.annotations", key),
                     "invalid %s: \"%.100s\": %s%s", MF_ANN_LB_IPS, ann->v, why,
                     mf_placeholder_hint(ann->v));
        if (spec_ip != NULL && spec_ip->len > 0) {
            mf_error(ctx, &spec_ip->pos, "spec.loadBalancerIP",
                     "service can not have both %s and svc.Spec.LoadBalancerIP", MF_ANN_LB_IPS);
            svc->lb.nrequested = 0;
        }
        return;
    }
    if (spec_ip != NULL && spec_ip->len > 0 &&
        ip_parse(spec_ip->v, spec_ip->len, &svc->lb.requested[0]) == 0)
        svc->lb.nrequested = 1;
}

static void
mf_validate_service(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_service *svc = obj;
    struct mf_core_meta m;
    const char *key, *ips_key;

    (void)path;
    mf_core_read_meta(ctx, &svc->metadata, &m);
    mf_service_check_name(ctx, &m);
    svc->lb.address_pool = mf_service_annotation(ctx, &m.annotations, 0, &key);
    svc->lb.lb_ips = mf_service_annotation(ctx, &m.annotations, 1, &ips_key);
    svc->lb.allow_shared_ip = mf_service_annotation(ctx, &m.annotations, 2, &key);
    mf_service_requested_ips(ctx, svc, ips_key);
}

static const struct mf_field mf_service_fields[] = {
    MF_CORE_ENVELOPE(struct mf_service),
    MF_F_OBJ(struct mf_service, spec, "spec", &mf_service_spec_schema, struct mf_service_spec,
             .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_service_schema =
    MF_SCHEMA("Service", mf_service_fields, mf_validate_service);

/* ---- Secret ------------------------------------------------------------- */

/* The API server's limit on a Secret's data (keys and decoded values). */
#define MF_SECRET_MAX_SIZE (1024u * 1024)

static int
mf_base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Writes the bytes of a final group of q (2 or 3) sextets. */
static size_t
mf_base64_tail(uint32_t acc, unsigned q, unsigned char *out)
{
    if (q == 2) {
        out[0] = (unsigned char)(acc >> 4);
        return 1;
    }
    out[0] = (unsigned char)(acc >> 10);
    out[1] = (unsigned char)(acc >> 2);
    return 2;
}

long
mf_base64_decode(const char *s, size_t len, unsigned char *out, size_t *bad)
{
    uint32_t acc = 0;
    unsigned q = 0, pads = 0;
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        int v;

        if (s[i] == '\r' || s[i] == '\n')
            continue;
        if (s[i] == '=' && (pads > 0 ? q + pads < 4 : q >= 2)) {
            pads++;
            continue;
        }
        v = pads > 0 ? -1 : mf_base64_value(s[i]);
        if (v < 0) {
            *bad = i;
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++q == 4) {
            out[n++] = (unsigned char)(acc >> 16);
            out[n++] = (unsigned char)(acc >> 8);
            out[n++] = (unsigned char)acc;
            acc = 0;
            q = 0;
        }
    }
    if (q != 0 && q + pads != 4) {
        *bad = len;
        return -1;
    }
    if (q != 0)
        n += mf_base64_tail(acc, q, out + n);
    return (long)n;
}

/* IsConfigMapKey: [-._a-zA-Z0-9]+, at most 253, not "." or "..", no leading "..". */
static void
mf_secret_check_key(struct mf_ctx *ctx, const struct mf_str *k, const char *path)
{
    bool chars = k->len > 0;

    for (uint32_t i = 0; i < k->len; i++)
        if (!mf_core_alnum(k->v[i]) && k->v[i] != '-' && k->v[i] != '.' && k->v[i] != '_')
            chars = false;
    if (!chars || k->len > 253)
        mf_error(ctx, &k->pos, path,
                 "\"%.80s\" is not a valid key: a valid config key must consist of alphanumeric "
                 "characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name'), "
                 "at most 253 characters",
                 k->v);
    else if (k->len <= 2 && strspn(k->v, ".") == k->len)
        mf_error(ctx, &k->pos, path, "key must not be '%s'", k->v);
    else if (k->len > 2 && k->v[0] == '.' && k->v[1] == '.')
        mf_error(ctx, &k->pos, path, "key must not start with '..'");
}

static struct mf_secret_entry *
mf_secret_slot(struct mf_secret *s, const char *key)
{
    for (uint32_t i = 0; i < s->nentries; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return &s->entries[s->nentries++];
}

/* Decodes one data value into the arena; false (reported) when it is not base64. */
static bool
mf_secret_decode(struct mf_ctx *ctx, const struct mf_kv *kv, struct mf_secret_entry *e,
                 const char *path)
{
    unsigned char *buf = arena_alloc(ctx->arena, kv->value.len / 4 * 3 + 4);
    size_t bad = 0;
    long n;

    if (buf == NULL) {
        mf_error(ctx, &kv->value.pos, path, "out of memory");
        return false;
    }
    n = mf_base64_decode(kv->value.v, kv->value.len, buf, &bad);
    if (n < 0) {
        mf_error(ctx, &kv->value.pos, path,
                 "value is not valid base64: illegal base64 data at input byte %zu%s; values "
                 "under data are base64-encoded (put plain text under stringData)",
                 bad,
                 (bad < kv->value.len && (kv->value.v[bad] == '-' || kv->value.v[bad] == '_'))
                     ? " (base64url? Kubernetes wants the standard alphabet with '+' and '/')"
                     : "");
        return false;
    }
    buf[n] = '\0';
    e->v = buf;
    e->len = (size_t)n;
    return true;
}

/* Builds s->entries: data decoded, then stringData merged over it. */
static void
mf_secret_merge(struct mf_ctx *ctx, struct mf_secret *s)
{
    char p[MF_PATH_MAX];
    struct mf_secret_entry e;

    s->entries = arena_alloc(ctx->arena, (s->data.n + s->string_data.n + 1) * sizeof(e));
    if (s->entries == NULL)
        return;
    for (uint32_t i = 0; i < s->data.n; i++) {
        const struct mf_kv *kv = &s->data.v[i];

        if (kv->key.v == NULL) /* a map given twice (duplicate key) leaves holes */
            continue;
        mf_path_key(p, "data", kv->key.v);
        mf_secret_check_key(ctx, &kv->key, p);
        memset(&e, 0, sizeof(e));
        e.key = kv->key.v;
        e.pos = kv->value.pos;
        if (mf_secret_decode(ctx, kv, &e, p))
            *mf_secret_slot(s, e.key) = e;
    }
    for (uint32_t i = 0; i < s->string_data.n; i++) {
        const struct mf_kv *kv = &s->string_data.v[i];

        if (kv->key.v == NULL)
            continue;
        mf_path_key(p, "stringData", kv->key.v);
        mf_secret_check_key(ctx, &kv->key, p);
        e.key = kv->key.v;
        e.v = (const unsigned char *)kv->value.v;
        e.len = kv->value.len;
        e.pos = kv->value.pos;
        e.from_string_data = true;
        *mf_secret_slot(s, e.key) = e;
    }
}

const struct mf_secret_entry *
mf_secret_get(const struct mf_secret *s, const char *key)
{
    for (uint32_t i = 0; i < s->nentries; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

static const struct mf_pos *
mf_secret_data_pos(const struct mf_secret *s)
{
    if (s->data.set)
        return &s->data.pos;
    return s->string_data.set ? &s->string_data.pos : &s->pos;
}

static void
mf_secret_require(struct mf_ctx *ctx, const struct mf_secret *s, const char *key)
{
    char p[MF_PATH_MAX];

    if (mf_secret_get(s, key) == NULL)
        mf_error(ctx, mf_secret_data_pos(s), mf_path_key(p, "data", key),
                 "required field is missing: a Secret of type %s needs the key %s", s->type.v, key);
}

/* Docker config Secrets must hold JSON, as the API server checks. */
static void
mf_secret_require_json(struct mf_ctx *ctx, const struct mf_secret *s, const char *key)
{
    const struct mf_secret_entry *e = mf_secret_get(s, key);
    char p[MF_PATH_MAX];

    if (e == NULL) {
        mf_secret_require(ctx, s, key);
        return;
    }
#ifdef MF_HAVE_JANSSON
    {
        json_error_t jerr;
        json_t *j = json_loadb((const char *)e->v, e->len, 0, &jerr);

        if (j == NULL)
            mf_error(ctx, &e->pos, mf_path_key(p, e->from_string_data ? "stringData" : "data", key),
                     "value is not valid JSON: %s", jerr.text);
        json_decref(j);
    }
#else
    (void)p;
#endif
}

/* Keys the API server requires for the built-in Secret types. */
static void
mf_secret_check_type(struct mf_ctx *ctx, const struct mf_secret *s, const struct mf_core_meta *m)
{
    char p[MF_PATH_MAX];

    if (mf_str_eq(&s->type, "kubernetes.io/tls")) {
        mf_secret_require(ctx, s, "tls.crt");
        mf_secret_require(ctx, s, "tls.key");
    } else if (mf_str_eq(&s->type, "kubernetes.io/basic-auth")) {
        if (mf_secret_get(s, "username") == NULL && mf_secret_get(s, "password") == NULL)
            mf_error(ctx, mf_secret_data_pos(s), "data",
                     "a Secret of type kubernetes.io/basic-auth needs the key username or "
                     "password (or both)");
    } else if (mf_str_eq(&s->type, "kubernetes.io/ssh-auth")) {
        const struct mf_secret_entry *e = mf_secret_get(s, "ssh-privatekey");
        if (e == NULL || e->len == 0)
            mf_error(ctx, e ? &e->pos : mf_secret_data_pos(s), "data[ssh-privatekey]",
                     "required field is missing: a Secret of type kubernetes.io/ssh-auth needs "
                     "a non-empty ssh-privatekey");
    } else if (mf_str_eq(&s->type, "kubernetes.io/dockercfg")) {
        mf_secret_require_json(ctx, s, ".dockercfg");
    } else if (mf_str_eq(&s->type, "kubernetes.io/dockerconfigjson")) {
        mf_secret_require_json(ctx, s, ".dockerconfigjson");
    } else if (mf_str_eq(&s->type, "kubernetes.io/service-account-token") &&
               mf_strmap_get(&m->annotations, "kubernetes.io/service-account.name") == NULL) {
        mf_error(ctx, mf_core_at(&m->pos, &s->pos),
                 mf_path_key(p, "metadata.annotations", "kubernetes.io/service-account.name"),
                 "required field is missing: a Secret of type "
                 "kubernetes.io/service-account-token names its ServiceAccount here");
    }
}

static void
mf_validate_secret(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_secret *s = obj;
    struct mf_core_meta m;
    size_t total = 0;

    (void)path;
    mf_core_read_meta(ctx, &s->metadata, &m);
    mf_secret_merge(ctx, s);
    for (uint32_t i = 0; i < s->nentries; i++)
        total += strlen(s->entries[i].key) + s->entries[i].len;
    if (total > MF_SECRET_MAX_SIZE)
        mf_error(ctx, mf_secret_data_pos(s), "data",
                 "Secret data may not be more than %u bytes; it has %zu", MF_SECRET_MAX_SIZE,
                 total);
    mf_secret_check_type(ctx, s, &m);
}

static const struct mf_field mf_secret_fields[] = {
    MF_CORE_ENVELOPE(struct mf_secret),
    MF_F_STR(struct mf_secret, type, "type"),
    MF_F_STRMAP(struct mf_secret, data, "data"),
    MF_F_STRMAP(struct mf_secret, string_data, "stringData"),
    MF_F_BOOL(struct mf_secret, immutable, "immutable"),
};
static const struct mf_schema mf_secret_schema =
    MF_SCHEMA("Secret", mf_secret_fields, mf_validate_secret);

/* ---- Node --------------------------------------------------------------- */

static const char *const mf_taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};

static const struct mf_field mf_taint_fields[] = {
    MF_F_STR(struct mf_node_taint, key, "key", .flags = MF_REQUIRED,
             .check = mf_core_check_qualified_name),
    MF_F_STR(struct mf_node_taint, value, "value", .check = mf_check_label_value),
    MF_F_STR(struct mf_node_taint, effect, "effect", .flags = MF_REQUIRED,
             .enums = mf_taint_effects),
    MF_F_STR(struct mf_node_taint, time_added, "timeAdded"),
};
static const struct mf_schema mf_taint_schema = MF_SCHEMA("taint", mf_taint_fields, NULL);

static bool
mf_core_prefix(const struct mf_str *s, struct ip_prefix *out)
{
    const char *why;

    return s->v != NULL && ip_prefix_parse(s->v, s->len, out, &why) == 0;
}

/* Taints are unique by (key, effect); podCIDRs hold one CIDR per family. */
static void
mf_validate_node_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_node_spec *s = obj;
    char lpath[MF_PATH_MAX], p[MF_PATH_MAX];
    struct ip_prefix a, b;

    mf_path_field(lpath, path, "taints");
    for (uint32_t i = 0; i < s->taints.n; i++) {
        const struct mf_node_taint *t = MF_LIST_AT(s->taints, struct mf_node_taint, i);
        for (uint32_t j = 0; j < i && t->key.v && t->effect.v; j++) {
            const struct mf_node_taint *u = MF_LIST_AT(s->taints, struct mf_node_taint, j);
            if (mf_str_eq(&u->key, t->key.v) && mf_str_eq(&u->effect, t->effect.v))
                mf_error(ctx, &t->pos, mf_path_index(p, lpath, i),
                         "duplicate taint %s:%s (also at index %u): taints must be unique by "
                         "key and effect pair",
                         t->key.v, t->effect.v, j);
        }
    }
    mf_path_field(lpath, path, "podCIDRs");
    mf_core_check_count(ctx, &s->pod_cidrs, 2, lpath);
    if (s->pod_cidrs.n == 2 && mf_core_prefix(MF_LIST_AT(s->pod_cidrs, struct mf_str, 0), &a) &&
        mf_core_prefix(MF_LIST_AT(s->pod_cidrs, struct mf_str, 1), &b) &&
        a.addr.family == b.addr.family)
        mf_error(ctx, &s->pod_cidrs.pos, lpath,
                 "may specify no more than one CIDR for each IP family");
    if (s->pod_cidrs.n > 0 && !mf_core_empty(&s->pod_cidr) &&
        !mf_str_eq(MF_LIST_AT(s->pod_cidrs, struct mf_str, 0), s->pod_cidr.v))
        mf_error(ctx, &s->pod_cidrs.pos, lpath, "first value must match `podCIDR`");
}

static const struct mf_field mf_node_spec_fields[] = {
    MF_F_STR(struct mf_node_spec, pod_cidr, "podCIDR", .check = mf_check_cidr),
    MF_F_STRLIST(struct mf_node_spec, pod_cidrs, "podCIDRs", .check = mf_core_check_cidr_entry),
    MF_F_STR(struct mf_node_spec, provider_id, "providerID"),
    MF_F_BOOL(struct mf_node_spec, unschedulable, "unschedulable"),
    MF_F_OBJLIST(struct mf_node_spec, taints, "taints", &mf_taint_schema, struct mf_node_taint),
    MF_F_SKIP("configSource", MF_IGNORED, NULL), /* deprecated upstream, ignored there too */
    MF_F_SKIP("externalID", MF_IGNORED, NULL),   /* deprecated upstream */
};
static const struct mf_schema mf_node_spec_schema =
    MF_SCHEMA("Node spec", mf_node_spec_fields, mf_validate_node_spec);

static const char *const mf_node_address_types[] = {"Hostname",    "InternalIP",  "ExternalIP",
                                                    "InternalDNS", "ExternalDNS", NULL};

static void
mf_validate_node_address(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_node_address *a = obj;
    char p[MF_PATH_MAX];

    if (!mf_str_eq(&a->type, "InternalIP") && !mf_str_eq(&a->type, "ExternalIP"))
        return;
    if (a->address.v != NULL && ip_parse(a->address.v, a->address.len, &a->ip) != 0)
        mf_error(ctx, &a->address.pos, mf_path_field(p, path, "address"),
                 "\"%.80s\" is not a valid IP address (type %s)%s", a->address.v, a->type.v,
                 mf_placeholder_hint(a->address.v));
}

static const struct mf_field mf_node_address_fields[] = {
    MF_F_STR(struct mf_node_address, type, "type", .flags = MF_REQUIRED,
             .enums = mf_node_address_types),
    MF_F_STR(struct mf_node_address, address, "address", .flags = MF_REQUIRED | MF_NONEMPTY),
};
static const struct mf_schema mf_node_address_schema =
    MF_SCHEMA("node address", mf_node_address_fields, mf_validate_node_address);

static const char *const mf_condition_statuses[] = {"True", "False", "Unknown", NULL};

static const struct mf_field mf_node_condition_fields[] = {
    MF_F_STR(struct mf_node_condition, type, "type", .flags = MF_REQUIRED | MF_NONEMPTY),
    MF_F_STR(struct mf_node_condition, status, "status", .flags = MF_REQUIRED,
             .enums = mf_condition_statuses),
    MF_F_STR(struct mf_node_condition, reason, "reason"),
    MF_F_STR(struct mf_node_condition, message, "message"),
    MF_F_STR(struct mf_node_condition, last_heartbeat_time, "lastHeartbeatTime"),
    MF_F_STR(struct mf_node_condition, last_transition_time, "lastTransitionTime"),
};
static const struct mf_schema mf_node_condition_schema =
    MF_SCHEMA("node condition", mf_node_condition_fields, NULL);

static void
mf_validate_node_status(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_node_status *s = obj;
    char lpath[MF_PATH_MAX], p[MF_PATH_MAX], q[MF_PATH_MAX];

    mf_path_field(lpath, path, "conditions");
    for (uint32_t i = 0; i < s->conditions.n; i++) {
        const struct mf_node_condition *c = MF_LIST_AT(s->conditions, struct mf_node_condition, i);
        for (uint32_t j = 0; j < i && c->type.v; j++)
            if (mf_str_eq(&MF_LIST_AT(s->conditions, struct mf_node_condition, j)->type, c->type.v))
                mf_error(ctx, &c->type.pos, mf_path_field(q, mf_path_index(p, lpath, i), "type"),
                         "duplicate condition type \"%.60s\" (also at index %u)", c->type.v, j);
    }
}

/* Everything else in NodeStatus is written by the kubelet and means nothing here. */
static const struct mf_field mf_node_status_fields[] = {
    MF_F_OBJLIST(struct mf_node_status, addresses, "addresses", &mf_node_address_schema,
                 struct mf_node_address),
    MF_F_OBJLIST(struct mf_node_status, conditions, "conditions", &mf_node_condition_schema,
                 struct mf_node_condition),
    MF_F_SKIP("capacity", MF_IGNORED, NULL),
    MF_F_SKIP("allocatable", MF_IGNORED, NULL),
    MF_F_SKIP("phase", MF_IGNORED, NULL),
    MF_F_SKIP("daemonEndpoints", MF_IGNORED, NULL),
    MF_F_SKIP("nodeInfo", MF_IGNORED, NULL),
    MF_F_SKIP("images", MF_IGNORED, NULL),
    MF_F_SKIP("volumesInUse", MF_IGNORED, NULL),
    MF_F_SKIP("volumesAttached", MF_IGNORED, NULL),
    MF_F_SKIP("config", MF_IGNORED, NULL),
    MF_F_SKIP("runtimeHandlers", MF_IGNORED, NULL),
    MF_F_SKIP("features", MF_IGNORED, NULL),
    MF_F_SKIP("declaredFeatures", MF_IGNORED, NULL),
};
static const struct mf_schema mf_node_status_schema =
    MF_SCHEMA("Node status", mf_node_status_fields, mf_validate_node_status);

static const struct mf_field mf_node_fields[] = {
    MF_CORE_ENVELOPE(struct mf_node),
    MF_F_OBJ(struct mf_node, spec, "spec", &mf_node_spec_schema, struct mf_node_spec),
    MF_F_OBJ(struct mf_node, status, "status", &mf_node_status_schema, struct mf_node_status),
};
static const struct mf_schema mf_node_schema = MF_SCHEMA("Node", mf_node_fields, NULL);

const struct mf_node_condition *
mf_node_condition(const struct mf_node *n, const char *type)
{
    if (n->status == NULL)
        return NULL;
    for (uint32_t i = 0; i < n->status->conditions.n; i++) {
        const struct mf_node_condition *c =
            MF_LIST_AT(n->status->conditions, struct mf_node_condition, i);
        if (mf_str_eq(&c->type, type))
            return c;
    }
    return NULL;
}

const struct mf_node_address *
mf_node_address(const struct mf_node *n, const char *type, enum ip_family family)
{
    if (n->status == NULL)
        return NULL;
    for (uint32_t i = 0; i < n->status->addresses.n; i++) {
        const struct mf_node_address *a =
            MF_LIST_AT(n->status->addresses, struct mf_node_address, i);
        if (mf_str_eq(&a->type, type) && (family == IP_FAMILY_NONE || a->ip.family == family))
            return a;
    }
    return NULL;
}

/* ---- Namespace ---------------------------------------------------------- */

/* Namespace names are RFC 1123 labels; load.c already rejected non-subdomains. */
static void
mf_validate_namespace(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_namespace *ns = obj;
    struct mf_core_meta m;
    const struct mf_str *n = &m.name;

    (void)path;
    mf_core_read_meta(ctx, &ns->metadata, &m);
    if (n->v == NULL || !mf_core_is_dns_subdomain(n->v, n->len) ||
        mf_core_is_dns_label(n->v, n->len, false))
        return;
    mf_error(ctx, &n->pos, "metadata.name",
             "\"%.80s\" is not a valid Namespace name: an RFC 1123 label of at most 63 "
             "lower-case letters, digits and '-' (no '.'), starting and ending with a letter "
             "or digit",
             n->v);
}

/* Only the labels matter (namespace selectors); spec holds finalizers, status a phase. */
static const struct mf_field mf_namespace_fields[] = {
    MF_CORE_ENVELOPE(struct mf_namespace),
    MF_F_SKIP("spec", MF_IGNORED, NULL),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_namespace_schema =
    MF_SCHEMA("Namespace", mf_namespace_fields, mf_validate_namespace);

/* ---- EndpointSlice ------------------------------------------------------ */

static const struct mf_field mf_endpoint_conditions_fields[] = {
    MF_F_BOOL(struct mf_endpoint_conditions, ready, "ready"),
    MF_F_BOOL(struct mf_endpoint_conditions, serving, "serving"),
    MF_F_BOOL(struct mf_endpoint_conditions, terminating, "terminating"),
};
static const struct mf_schema mf_endpoint_conditions_schema =
    MF_SCHEMA("endpoint conditions", mf_endpoint_conditions_fields, NULL);

static const struct mf_field mf_object_ref_fields[] = {
    MF_F_STR(struct mf_object_ref, kind, "kind"),
    MF_F_STR(struct mf_object_ref, namespace, "namespace"),
    MF_F_STR(struct mf_object_ref, name, "name"),
    MF_F_STR(struct mf_object_ref, uid, "uid"),
    MF_F_STR(struct mf_object_ref, api_version, "apiVersion"),
    MF_F_STR(struct mf_object_ref, resource_version, "resourceVersion"),
    MF_F_STR(struct mf_object_ref, field_path, "fieldPath"),
};
static const struct mf_schema mf_object_ref_schema =
    MF_SCHEMA("object reference", mf_object_ref_fields, NULL);

static void
mf_check_hostname_label(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_check_dns1123_label(ctx, value, path);
}

static const struct mf_field mf_endpoint_fields[] = {
    MF_F_STRLIST(struct mf_endpoint, addresses, "addresses", .flags = MF_REQUIRED | MF_NONEMPTY),
    MF_F_OBJ(struct mf_endpoint, conditions, "conditions", &mf_endpoint_conditions_schema,
             struct mf_endpoint_conditions),
    MF_F_STR(struct mf_endpoint, hostname, "hostname", .check = mf_check_hostname_label),
    MF_F_STR(struct mf_endpoint, node_name, "nodeName", .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_endpoint, zone, "zone", .check = mf_check_label_value),
    MF_F_OBJ(struct mf_endpoint, target_ref, "targetRef", &mf_object_ref_schema,
             struct mf_object_ref),
    MF_F_STRMAP(struct mf_endpoint, deprecated_topology, "deprecatedTopology",
                .check = mf_core_check_label_map),
    MF_F_SKIP("hints", MF_UNSUPPORTED, "topology-aware routing hints are not used"),
};
static const struct mf_schema mf_endpoint_schema = MF_SCHEMA("endpoint", mf_endpoint_fields, NULL);

static void
mf_validate_endpoint_port(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_endpoint_port *p = obj;

    (void)ctx;
    (void)path;
    p->proto = mf_core_proto(&p->protocol);
}

static const struct mf_field mf_endpoint_port_fields[] = {
    MF_F_STR(struct mf_endpoint_port, name, "name", .check = mf_core_check_port_name),
    MF_F_STR(struct mf_endpoint_port, protocol, "protocol", .check = mf_core_check_protocol),
    MF_F_INT(struct mf_endpoint_port, port, "port", .min = 1, .max = 65535),
    MF_F_STR(struct mf_endpoint_port, app_protocol, "appProtocol",
             .check = mf_core_check_qualified_name),
};
static const struct mf_schema mf_endpoint_port_schema =
    MF_SCHEMA("endpoint port", mf_endpoint_port_fields, mf_validate_endpoint_port);

/*
 * The API server's ValidateEndpointIP: no unspecified, link-local or
 * link-local multicast address. Loopback is a warning (see DOC above).
 */
/* "endpoints[i].addresses[j]" into buf: written only for a diagnostic, as
 * a slice can list many addresses. */
static const char *
mf_endpoint_address_path(char *buf, uint32_t i, uint32_t j)
{
    char epath[MF_PATH_MAX], apath[MF_PATH_MAX];

    return mf_path_index(buf, mf_path_field(apath, mf_path_index(epath, "endpoints", i), "addresses"),
                         j);
}

static void
mf_endpoint_check_special(struct mf_ctx *ctx, const struct mf_str *s, const struct ip_addr *ip,
                          uint32_t i, uint32_t j)
{
    char path[MF_PATH_MAX];
    bool v4 = ip->family == IP_FAMILY_V4;
    unsigned top8 = (unsigned)(ip->v >> (v4 ? 24 : 120)) & 0xff;
    unsigned top16 = (unsigned)(ip->v >> (v4 ? 16 : 112)) & 0xffff;

    if (ip->v == 0)
        mf_error(ctx, &s->pos, mf_endpoint_address_path(path, i, j), "may not be unspecified (%s)",
                 s->v);
    else if (v4 ? top8 == 127 : ip->v == 1)
        mf_warn(ctx, &s->pos, mf_endpoint_address_path(path, i, j),
                "%s is a loopback address: the Kubernetes API server rejects it; metalgate "
                "forwards to the loopback of whichever node serves the connection",
                s->v);
    else if (v4 ? top16 == 0xa9fe : (top16 & 0xffc0) == 0xfe80)
        mf_error(ctx, &s->pos, mf_endpoint_address_path(path, i, j),
                 "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
    else if (v4 ? (ip->v >> 8) == 0xe00000 : (top16 & 0xff0f) == 0xff02)
        mf_error(ctx, &s->pos, mf_endpoint_address_path(path, i, j),
                 "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
}

static void
mf_endpoint_check_address(struct mf_ctx *ctx, enum mf_address_type type, const struct mf_str *s,
                          uint32_t i, uint32_t j)
{
    char path[MF_PATH_MAX];
    struct ip_addr ip;
    enum ip_family want = type == MF_ADDR_IPV4 ? IP_FAMILY_V4 : IP_FAMILY_V6;
    size_t len = s->len;

    if (type == MF_ADDR_FQDN) {
        if (len > 0 && s->v[len - 1] == '.')
            len--;
        if (!mf_core_is_dns_subdomain(s->v, len) || memchr(s->v, '.', len) == NULL)
            mf_error(ctx, &s->pos, mf_endpoint_address_path(path, i, j),
                     "\"%.80s\" is not a fully qualified domain name: at least two lower-case "
                     "RFC 1123 labels separated by '.'%s",
                     s->v, mf_placeholder_hint(s->v));
        return;
    }
    if (ip_parse(s->v, s->len, &ip) != 0 || ip.family != want) {
        mf_error(ctx, &s->pos, mf_endpoint_address_path(path, i, j),
                 "\"%.80s\" is not a valid %s address (addressType %s)%s", s->v,
                 want == IP_FAMILY_V4 ? "IPv4" : "IPv6", want == IP_FAMILY_V4 ? "IPv4" : "IPv6",
                 mf_placeholder_hint(s->v));
        return;
    }
    mf_endpoint_check_special(ctx, s, &ip, i, j);
}

static void
mf_slice_check_endpoints(struct mf_ctx *ctx, const struct mf_endpointslice *es)
{
    char epath[MF_PATH_MAX], apath[MF_PATH_MAX];

    for (uint32_t i = 0; i < es->endpoints.n; i++) {
        const struct mf_endpoint *e = MF_LIST_AT(es->endpoints, struct mf_endpoint, i);

        if (e->addresses.n > 100) /* the path only for the message */
            mf_core_check_count(ctx, &e->addresses, 100,
                                mf_path_field(apath, mf_path_index(epath, "endpoints", i),
                                              "addresses"));
        for (uint32_t j = 0; j < e->addresses.n; j++) {
            const struct mf_str *a = MF_LIST_AT(e->addresses, struct mf_str, j);
            if (a->v != NULL)
                mf_endpoint_check_address(ctx, es->addr_type, a, i, j);
        }
    }
}

/* Port names are unique within a slice; "" (or absent) counts as a name. */
static void
mf_slice_check_ports(struct mf_ctx *ctx, const struct mf_endpointslice *es)
{
    char p[MF_PATH_MAX], q[MF_PATH_MAX];

    for (uint32_t i = 0; i < es->ports.n; i++) {
        const struct mf_endpoint_port *a = MF_LIST_AT(es->ports, struct mf_endpoint_port, i);
        const char *an = a->name.v ? a->name.v : "";

        for (uint32_t j = 0; j < i; j++) {
            const struct mf_endpoint_port *b = MF_LIST_AT(es->ports, struct mf_endpoint_port, j);
            if (strcmp(an, b->name.v ? b->name.v : "") == 0) {
                mf_error(ctx, a->name.v ? &a->name.pos : &a->pos,
                         mf_path_field(q, mf_path_index(p, "ports", i), "name"),
                         "duplicate port name \"%.60s\" (also at index %u)", an, j);
                break;
            }
        }
    }
}

static const char *const mf_address_types[] = {"IPv4", "IPv6", "FQDN", NULL};

static void
mf_validate_endpointslice(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_endpointslice *es = obj;
    struct mf_core_meta m;
    const struct mf_str *svc;
    int type = mf_core_index_of(&es->address_type, mf_address_types);

    (void)path;
    mf_slice_check_ports(ctx, es);
    mf_core_read_meta(ctx, &es->metadata, &m);
    svc = mf_strmap_get(&m.labels, MF_LABEL_SERVICE_NAME);
    if (svc == NULL || svc->len == 0)
        mf_error(ctx, svc ? &svc->pos : mf_core_at(&m.labels.pos, mf_core_at(&m.pos, &es->pos)),
                 svc ? "metadata.labels[" MF_LABEL_SERVICE_NAME "]" : "metadata.labels",
                 "label %s is required: it names the Service this EndpointSlice belongs to",
                 MF_LABEL_SERVICE_NAME);
    else
        es->service_name = *svc;
    if (type < 0)
        return; /* missing or invalid: reported; addresses cannot be judged */
    es->addr_type = (enum mf_address_type)type;
    mf_slice_check_endpoints(ctx, es);
}

static const struct mf_field mf_endpointslice_fields[] = {
    MF_CORE_ENVELOPE(struct mf_endpointslice),
    MF_F_STR(struct mf_endpointslice, address_type, "addressType", .flags = MF_REQUIRED,
             .enums = mf_address_types),
    MF_F_OBJLIST(struct mf_endpointslice, endpoints, "endpoints", &mf_endpoint_schema,
                 struct mf_endpoint, .max = 1000),
    MF_F_OBJLIST(struct mf_endpointslice, ports, "ports", &mf_endpoint_port_schema,
                 struct mf_endpoint_port, .max = 20000),
};
static const struct mf_schema mf_endpointslice_schema =
    MF_SCHEMA("EndpointSlice", mf_endpointslice_fields, mf_validate_endpointslice);

bool
mf_endpoint_can_serve(const struct mf_endpoint *e)
{
    const struct mf_endpoint_conditions *c = e->conditions;

    if (c == NULL || !c->ready.set || c->ready.v)
        return true;
    return c->serving.set && c->serving.v;
}

/* ---- registry ----------------------------------------------------------- */

static const char *const mf_core_v1[] = {"v1", NULL};

static const struct mf_kind mf_kind_service = {
    .id = MF_KIND_SERVICE,
    .group = "",
    .versions = mf_core_v1,
    .name = "Service",
    .namespaced = true,
    .size = sizeof(struct mf_service),
    .schema = &mf_service_schema,
};

static const struct mf_kind mf_kind_secret = {
    .id = MF_KIND_SECRET,
    .group = "",
    .versions = mf_core_v1,
    .name = "Secret",
    .namespaced = true,
    .size = sizeof(struct mf_secret),
    .schema = &mf_secret_schema,
};

static const struct mf_kind mf_kind_node = {
    .id = MF_KIND_NODE,
    .group = "",
    .versions = mf_core_v1,
    .name = "Node",
    .namespaced = false,
    .size = sizeof(struct mf_node),
    .schema = &mf_node_schema,
};

static const struct mf_kind mf_kind_namespace = {
    .id = MF_KIND_NAMESPACE,
    .group = "",
    .versions = mf_core_v1,
    .name = "Namespace",
    .namespaced = false,
    .size = sizeof(struct mf_namespace),
    .schema = &mf_namespace_schema,
};

static const struct mf_kind mf_kind_endpointslice = {
    .id = MF_KIND_ENDPOINTSLICE,
    .group = "discovery.k8s.io",
    .versions = mf_core_v1,
    .name = "EndpointSlice",
    .namespaced = true,
    .size = sizeof(struct mf_endpointslice),
    .schema = &mf_endpointslice_schema,
};

const struct mf_kind *const mf_kinds_core[] = {
    &mf_kind_service, &mf_kind_secret, &mf_kind_node, &mf_kind_namespace, &mf_kind_endpointslice,
};
const size_t mf_kinds_core_count = sizeof(mf_kinds_core) / sizeof(mf_kinds_core[0]);

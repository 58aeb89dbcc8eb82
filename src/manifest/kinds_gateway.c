/*
 * DOC: Gateway API kinds (gateway.networking.k8s.io)
 *
 * GatewayClass, Gateway and HTTPRoute (v1; v1beta1 accepted with a
 * deprecation warning) and ReferenceGrant (v1beta1 and v1). The rules are the
 * ones the upstream CRDs enforce at admission (OpenAPI patterns, bounds and
 * CEL rules), with the CEL messages in upstream's words, so that a manifest
 * `kubectl apply` would refuse is refused here too. Rules across objects live
 * in model/gateway.c.
 *
 * Deliberate deviations from the CRDs (all stricter, each for a manifest that
 * can never work):
 *   - an HTTPS or TLS listener without `tls` is an error (as in Gateway API
 *     up to v1.3: "tls must be specified for protocols ['HTTPS', 'TLS']");
 *   - an un-prefixed listener protocol other than HTTP, HTTPS, TLS, TCP, UDP
 *     is an error (un-prefixed names are reserved for core protocols);
 *   - a reference to a Service, Secret, ConfigMap, Gateway or GatewayClass
 *     whose name no such object can have is an error, and so is any name
 *     holding an unexpanded template placeholder;
 *   - header names in one match, or in one header modifier, must differ
 *     case-insensitively (upstream silently ignores all but the first);
 *   - header values holding control characters are refused (they would
 *     corrupt the header block on the wire).
 * Where the standard and experimental CRD channels differ, the experimental
 * rule is used (repeated parentRefs may differ by port, not only sectionName).
 * "At most 128 matches per route" follows the CEL rule (<= 128), not its
 * message ("less than 128").
 *
 * Implemented HTTPRoute features: parentRefs (sectionName, port), hostnames,
 * named rules, path/header/query/method matches (RegularExpression compiled
 * with PCRE2), RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect,
 * URLRewrite, RequestMirror, backendRefs with weights and backend filters,
 * timeouts. Recognised but not implemented (warnings): CORS, ExternalAuth and
 * ExtensionRef filters, retry, sessionPersistence.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifdef MF_HAVE_PCRE2
#include <pcre2.h>
#endif

#include "core/ipaddr.h"
#include "core/strutil.h"
#include "manifest/kinds.h"

/* ---- string shapes ------------------------------------------------------- */

static bool
mf_gw_is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
mf_gw_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
mf_gw_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
static bool
mf_gw_is_label(const char *s, size_t len)
{
    if (len == 0 || len > 63 || !mf_gw_is_lower_alnum(s[0]) || !mf_gw_is_lower_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mf_gw_is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

/* RFC 1123 subdomain: labels separated by '.', at most 253 characters. */
static bool
mf_gw_is_subdomain(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == '.') {
            if (!mf_gw_is_label(s + start, i - start))
                return false;
            start = i + 1;
        }
    return true;
}

/* RFC 1035 label (Service names): starts with a letter. */
static bool
mf_gw_is_dns1035_label(const char *s, size_t len)
{
    return mf_gw_is_label(s, len) && s[0] >= 'a' && s[0] <= 'z';
}

/* A "domain/path" value: controller names, custom protocols and address types.
 * path_chars lists the characters allowed after the slash besides alnum. */
static bool
mf_gw_is_domain_path(const char *s, size_t len, const char *path_chars)
{
    const char *slash = memchr(s, '/', len);
    size_t dlen;

    if (slash == NULL)
        return false;
    dlen = (size_t)(slash - s);
    if (!mf_gw_is_subdomain(s, dlen) || dlen + 1 == len)
        return false;
    for (size_t i = dlen + 1; i < len; i++)
        if (!mf_gw_is_alpha(s[i]) && !mf_gw_is_digit(s[i]) && strchr(path_chars, s[i]) == NULL)
            return false;
    return true;
}

static const char mf_gw_uri_chars[] = "/-._~%!$&'()*+,;=:";

/* Letters, digits and the RFC 7230 token punctuation. */
static bool
mf_gw_is_token(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mf_gw_is_alpha(s[i]) && !mf_gw_is_digit(s[i]) &&
            strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)
            return false;
    return true;
}

static bool
mf_gw_word_in(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

static bool
mf_gw_ieq(const struct mf_str *a, const struct mf_str *b)
{
    return a->v != NULL && b->v != NULL && a->len == b->len && strncasecmp(a->v, b->v, a->len) == 0;
}

static bool
mf_gw_eq(const struct mf_str *a, const struct mf_str *b)
{
    return a->v != NULL && b->v != NULL && a->len == b->len && memcmp(a->v, b->v, a->len) == 0;
}

/* The value of an optional string field, or its default. */
static const char *
mf_gw_or(const struct mf_str *s, const char *dflt)
{
    return s->v != NULL ? s->v : dflt;
}

/* Writes "parent[i].field" into buf (MF_PATH_MAX bytes); returns buf. */
static char *
mf_gw_path_at(char *buf, const char *parent, size_t i, const char *field)
{
    char tmp[MF_PATH_MAX];

    return mf_path_field(buf, mf_path_index(tmp, parent, i), field);
}

/*
 * MF_REQUIRED for an integer: the decoder leaves an out-of-range value unset,
 * and MF_REQUIRED would then call it missing as well. A value that was read
 * has a position.
 */
static void
mf_gw_require_int(struct mf_ctx *ctx, const struct mf_int *i, const struct mf_pos *objpos,
                  const char *path, const char *field)
{
    char p[MF_PATH_MAX];

    if (!i->set && i->pos.line == 0)
        mf_error(ctx, objpos, mf_path_field(p, path, field), "required field is missing");
}

/* Bounds a string list's length (the decoder's .max bounds each string). */
static void
mf_gw_check_count(struct mf_ctx *ctx, const struct mf_list *l, const char *path, uint32_t max)
{
    if (l->n > max)
        mf_error(ctx, &l->pos, path, "has %u entries; at most %u are allowed", l->n, max);
}

/* ---- field checks -------------------------------------------------------- */

static void
mf_gw_check_group(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len != 0 && !mf_gw_is_subdomain(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid API group: use \"\" for the core group or a DNS "
                 "subdomain such as gateway.networking.k8s.io%s",
                 s->v, mf_placeholder_hint(s->v));
}

static void
mf_gw_check_kind(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    bool ok = s->len >= 1 && s->len <= 63 && mf_gw_is_alpha(s->v[0]) && s->v[s->len - 1] != '-';

    for (size_t i = 0; ok && i < s->len; i++)
        ok = mf_gw_is_alpha(s->v[i]) || mf_gw_is_digit(s->v[i]) || s->v[i] == '-';
    if (!ok)
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid kind: at most 63 letters, digits and '-', starting "
                 "with a letter, such as Service",
                 s->v);
}

static void
mf_gw_check_precise_hostname(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len > 0 && s->v[0] == '*')
        mf_error(ctx, &s->pos, path, "\"%.80s\": a wildcard hostname is not allowed here", s->v);
    else
        mf_check_gw_hostname(ctx, value, path);
}

static void
mf_gw_check_header_name(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_gw_is_token(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid HTTP header name: use letters, digits and "
                 "!#$%%&'*+-.^_`|~ only (no spaces, ':' or '/')",
                 s->v);
}

/* Values end up on the wire: control characters would split or corrupt the
 * header block, so they are refused even where the CRD's pattern is looser. */
static void
mf_gw_check_header_value(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            mf_error(ctx, &s->pos, path,
                     "must consist of printable characters: control character 0x%02x at "
                     "offset %zu",
                     c, i);
            return;
        }
    }
}

static void
mf_gw_check_controller(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_gw_is_domain_path(s->v, s->len, mf_gw_uri_chars))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid controller name: it must be a domain-prefixed path "
                 "such as example.net/gateway-controller%s",
                 s->v, mf_placeholder_hint(s->v));
}

static const char *const mf_gw_protocols[] = {"HTTP", "HTTPS", "TLS", "TCP", "UDP", NULL};

static void
mf_gw_check_protocol(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    const char *close;

    if (memchr(s->v, '/', s->len) != NULL) {
        if (!mf_gw_is_domain_path(s->v, s->len, ""))
            mf_error(ctx, &s->pos, path,
                     "\"%.80s\" is not a valid custom protocol: use a domain-prefixed name "
                     "such as example.com/name (letters and digits after the '/')",
                     s->v);
        return;
    }
    for (const char *const *p = mf_gw_protocols; *p != NULL; p++)
        if (strcasecmp(s->v, *p) == 0)
            return;
    close = str_closest(s->v, s->len, mf_gw_protocols, 5);
    mf_error(ctx, &s->pos, path,
             "\"%.60s\" is not one of HTTP, HTTPS, TLS, TCP, UDP (or a domain-prefixed custom "
             "protocol such as example.com/name)%s%s%s",
             s->v, close ? "; did you mean \"" : "", close ? close : "", close ? "\"?" : "");
}

static const char *const mf_gw_address_types[] = {"IPAddress", "Hostname", "NamedAddress", NULL};

static void
mf_gw_check_address_type(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    const char *close;

    if (mf_gw_word_in(s->v, mf_gw_address_types) ||
        mf_gw_is_domain_path(s->v, s->len, mf_gw_uri_chars))
        return;
    close = str_closest(s->v, s->len, mf_gw_address_types, 3);
    mf_error(ctx, &s->pos, path,
             "\"%.60s\" is not one of IPAddress, Hostname (or a domain-prefixed address type "
             "such as example.com/name)%s%s%s",
             s->v, close ? "; did you mean \"" : "", close ? close : "", close ? "\"?" : "");
}

static void
mf_gw_check_status_code(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_int *i = value;

    if (i->v != 301 && i->v != 302 && i->v != 303 && i->v != 307 && i->v != 308)
        mf_error(ctx, &i->pos, path, "%lld is not one of 301, 302, 303, 307, 308", (long long)i->v);
}

int
mf_gw_parse_duration(const char *s, size_t len, int64_t *ms)
{
    static const int64_t unit_ms[] = {3600000, 60000, 1000, 1}; /* h m s ms */
    size_t i = 0;
    int groups = 0;
    int64_t total = 0;

    while (i < len) {
        int64_t n = 0;
        size_t digits = 0, u;

        while (i < len && mf_gw_is_digit(s[i]) && digits < 6) {
            n = n * 10 + (s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 5 || i == len || ++groups > 4)
            return -1;
        if (s[i] == 'm' && i + 1 < len && s[i + 1] == 's')
            u = 3, i += 2;
        else if (s[i] == 'h' || s[i] == 'm' || s[i] == 's')
            u = s[i] == 'h' ? 0 : s[i] == 'm' ? 1 : 2, i++;
        else
            return -1;
        total += n * unit_ms[u];
    }
    if (groups == 0)
        return -1;
    *ms = total;
    return 0;
}

static void
mf_gw_check_duration(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    int64_t ms;

    if (mf_gw_parse_duration(s->v, s->len, &ms) != 0)
        mf_error(ctx, &s->pos, path,
                 "\"%.60s\" is not a valid Gateway API duration (GEP-2257): 1 to 4 groups of "
                 "up to 5 digits, each followed by h, m, s or ms, such as \"10s\", \"1m30s\" or "
                 "\"500ms\" (no fractions, no spaces)",
                 s->v);
}

static void
mf_gw_check_namespace(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_check_dns1123_label(ctx, value, path);
}

/* A reference name only gets the CRD's length bounds from its field entry;
 * the shape check depends on the kind it names (mf_gw_check_ref_name). */

struct mf_gw_named_kind {
    const char *group, *kind;
    bool dns1035; /* Service names are RFC 1035 labels; the rest subdomains */
};

static const struct mf_gw_named_kind mf_gw_named_kinds[] = {
    {"", "Service", true},
    {"", "Secret", false},
    {"", "ConfigMap", false},
    {MF_GW_GROUP, "Gateway", false},
    {MF_GW_GROUP, "GatewayClass", false},
    {MF_GW_GROUP, "HTTPRoute", false},
};

/*
 * Checks the name of a reference to (group, kind): names of kinds we know
 * must have that kind's shape; any name must be free of template
 * placeholders. NULL group or kind mean absent (the caller passes defaults).
 */
static void
mf_gw_check_ref_name(struct mf_ctx *ctx, const struct mf_str *name, const char *group,
                     const char *kind, const char *path)
{
    const char *hint;

    if (name->v == NULL || name->len == 0)
        return;
    hint = mf_placeholder_hint(name->v);
    for (size_t i = 0; i < sizeof(mf_gw_named_kinds) / sizeof(mf_gw_named_kinds[0]); i++) {
        const struct mf_gw_named_kind *k = &mf_gw_named_kinds[i];
        if (group == NULL || kind == NULL || strcmp(k->group, group) != 0 ||
            strcmp(k->kind, kind) != 0)
            continue;
        if (k->dns1035 && !mf_gw_is_dns1035_label(name->v, name->len))
            mf_error(ctx, &name->pos, path,
                     "\"%.80s\" is not a valid Service name: at most 63 lower-case letters, "
                     "digits and '-', starting with a letter; no Service can have it%s",
                     name->v, hint);
        else if (!k->dns1035 && !mf_gw_is_subdomain(name->v, name->len))
            mf_error(ctx, &name->pos, path,
                     "\"%.80s\" is not a valid %s name: lower-case letters, digits, '-' and "
                     "'.', starting and ending with a letter or digit; no %s can have it%s",
                     name->v, kind, kind, hint);
        return;
    }
    if (hint[0] != '\0')
        mf_error(ctx, &name->pos, path, "\"%.80s\" is not a valid name%s", name->v, hint);
}

/* Reports a pattern problem of an Exact or PathPrefix path value, or NULL. */
static const char *
mf_gw_path_problem(const char *v, size_t len)
{
    static const struct {
        const char *needle, *message;
    } forbidden[] = {
        {"//", "must not contain '//' when type one of ['Exact', 'PathPrefix']"},
        {"/./", "must not contain '/./' when type one of ['Exact', 'PathPrefix']"},
        {"/../", "must not contain '/../' when type one of ['Exact', 'PathPrefix']"},
        {"%2f", "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"},
        {"%2F", "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"},
        {"#", "must not contain '#' when type one of ['Exact', 'PathPrefix']"},
    };

    if (len == 0 || v[0] != '/')
        return "value must be an absolute path and start with '/' when type one of ['Exact', "
               "'PathPrefix']";
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (memmem(v, len, forbidden[i].needle, strlen(forbidden[i].needle)) != NULL)
            return forbidden[i].message;
    if (len >= 3 && memcmp(v + len - 3, "/..", 3) == 0)
        return "must not end with '/..' when type one of ['Exact', 'PathPrefix']";
    if (len >= 2 && memcmp(v + len - 2, "/.", 2) == 0)
        return "must not end with '/.' when type one of ['Exact', 'PathPrefix']";
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '%' && i + 2 < len && isxdigit((unsigned char)v[i + 1]) &&
            isxdigit((unsigned char)v[i + 2])) {
            i += 2;
            continue;
        }
        if (!mf_gw_is_alpha(v[i]) && !mf_gw_is_digit(v[i]) &&
            strchr("-/._~!$&'()*+,;=:@", v[i]) == NULL)
            return "must only contain valid characters (matching "
                   "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types "
                   "['Exact', 'PathPrefix']";
    }
    return NULL;
}

/*
 * RegularExpression values are compiled with PCRE2, the engine the gateway
 * matches with, so that a pattern that cannot be used is refused up front.
 */
static void
mf_gw_check_regex(struct mf_ctx *ctx, const struct mf_str *s, const char *path)
{
#ifdef MF_HAVE_PCRE2
    int code;
    PCRE2_SIZE offset;
    PCRE2_UCHAR msg[256];
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)s->v, s->len, 0, &code, &offset, NULL);

    if (re != NULL) {
        pcre2_code_free(re);
        return;
    }
    if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
        snprintf((char *)msg, sizeof(msg), "error %d", code);
    mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid regular expression: %s (at offset %zu)",
             s->v, (const char *)msg, (size_t)offset);
#else
    (void)ctx;
    (void)s;
    (void)path;
#endif
}

/* ---- object references --------------------------------------------------- */

/* Field entries shared by the reference schemas. */
#define MF_GW_F_GROUP(T, FLAGS)                                                                    \
    MF_F_STR(T, group, "group", .flags = (FLAGS), .max = 253, .check = mf_gw_check_group)
#define MF_GW_F_KIND(T, FLAGS)                                                                     \
    MF_F_STR(T, kind, "kind", .flags = (FLAGS), .max = 63, .check = mf_gw_check_kind)
#define MF_GW_F_NAME(T, FLAGS) MF_F_STR(T, name, "name", .flags = (FLAGS) | MF_NONEMPTY, .max = 253)
#define MF_GW_F_NAMESPACE(T)                                                                       \
    MF_F_STR(T, namespace, "namespace", .max = 63, .check = mf_gw_check_namespace)

/* SecretObjectReference: certificateRefs and clientCertificateRef. */
static void
mf_gw_validate_secret_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_objref *r = obj;
    char p[MF_PATH_MAX];
    const char *group = mf_gw_or(&r->group, ""), *kind = mf_gw_or(&r->kind, "Secret");

    mf_gw_check_ref_name(ctx, &r->name, group, kind, mf_path_field(p, path, "name"));
    if (group[0] != '\0' || strcmp(kind, "Secret") != 0)
        mf_warn(ctx, &r->pos, path,
                "metalgate reads certificates from Secrets only; this reference to %.60s%s%.60s "
                "will not resolve (InvalidCertificateRef)",
                group, group[0] ? "/" : "", kind);
}

static const struct mf_field mf_gw_secret_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_objref, 0),
    MF_GW_F_KIND(struct mf_gw_objref, 0),
    MF_GW_F_NAME(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAMESPACE(struct mf_gw_objref),
};
static const struct mf_schema mf_gw_secret_ref_schema =
    MF_SCHEMA("certificate reference", mf_gw_secret_ref_fields, mf_gw_validate_secret_ref);

/* ObjectReference (caCertificateRefs): group and kind are required. */
static void
mf_gw_validate_object_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_objref *r = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &r->name, r->group.v, r->kind.v, mf_path_field(p, path, "name"));
}

static const struct mf_field mf_gw_object_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_KIND(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAME(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAMESPACE(struct mf_gw_objref),
};
static const struct mf_schema mf_gw_object_ref_schema =
    MF_SCHEMA("object reference", mf_gw_object_ref_fields, mf_gw_validate_object_ref);

/* LocalObjectReference (ExtensionRef filters). */
static void
mf_gw_validate_local_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_objref *r = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &r->name, mf_gw_or(&r->group, ""), r->kind.v,
                         mf_path_field(p, path, "name"));
}

static const struct mf_field mf_gw_local_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_objref, 0),
    MF_GW_F_KIND(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAME(struct mf_gw_objref, MF_REQUIRED),
};
static const struct mf_schema mf_gw_local_ref_schema =
    MF_SCHEMA("local object reference", mf_gw_local_ref_fields, mf_gw_validate_local_ref);

/* ParametersReference (GatewayClass) and LocalParametersReference (Gateway
 * infrastructure): implementation-specific, and metalgate defines none. */
static void
mf_gw_validate_params_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_objref *r = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &r->name, r->group.v, r->kind.v, mf_path_field(p, path, "name"));
    /* The Gateway API rejects a Gateway whose parameters cannot be used
     * (plan/: Accepted False, InvalidParameters); a GatewayClass's are ignored. */
    if (strstr(path, "infrastructure") != NULL)
        mf_warn(ctx, &r->pos, path, "metalgate takes no implementation parameters; the Gateway "
                "will not be accepted (InvalidParameters)");
    else
        mf_warn(ctx, &r->pos, path, "metalgate takes no implementation parameters; ignored");
}

static const struct mf_field mf_gw_params_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_KIND(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAME(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAMESPACE(struct mf_gw_objref),
};
static const struct mf_schema mf_gw_params_ref_schema =
    MF_SCHEMA("parametersRef", mf_gw_params_ref_fields, mf_gw_validate_params_ref);

static const struct mf_field mf_gw_local_params_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_KIND(struct mf_gw_objref, MF_REQUIRED),
    MF_GW_F_NAME(struct mf_gw_objref, MF_REQUIRED),
};
static const struct mf_schema mf_gw_local_params_ref_schema =
    MF_SCHEMA("parametersRef", mf_gw_local_params_ref_fields, mf_gw_validate_params_ref);

/* ---- GatewayClass -------------------------------------------------------- */

static const struct mf_field mf_gatewayclass_spec_fields[] = {
    MF_F_STR(struct mf_gatewayclass_spec, controller_name, "controllerName",
             .flags = MF_REQUIRED | MF_NONEMPTY, .max = 253, .check = mf_gw_check_controller),
    MF_F_OBJ(struct mf_gatewayclass_spec, parameters_ref, "parametersRef", &mf_gw_params_ref_schema,
             struct mf_gw_objref),
    MF_F_STR(struct mf_gatewayclass_spec, description, "description", .max = 64),
};
static const struct mf_schema mf_gatewayclass_spec_schema =
    MF_SCHEMA("GatewayClass spec", mf_gatewayclass_spec_fields, NULL);

static const struct mf_field mf_gatewayclass_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_gatewayclass, spec, "spec", &mf_gatewayclass_spec_schema,
             struct mf_gatewayclass_spec, .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_gatewayclass_schema =
    MF_SCHEMA("GatewayClass", mf_gatewayclass_fields, NULL);

/* ---- Gateway: listeners -------------------------------------------------- */

/* TLS options and infrastructure annotations: AnnotationKey keys, values of
 * at most 4096 bytes. */
static void
mf_gw_check_annotation_like(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_strmap *m = value;
    char kpath[MF_PATH_MAX];

    for (uint32_t i = 0; i < m->n; i++) {
        mf_path_key(kpath, path, m->v[i].key.v);
        mf_check_label_key(ctx, &m->v[i].key, kpath);
        if (m->v[i].value.len > 4096)
            mf_error(ctx, &m->v[i].value.pos, kpath, "must be at most 4096 characters, is %u",
                     m->v[i].value.len);
    }
}

static void
mf_gw_validate_route_kind(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_route_kind *k = obj;

    if (k->kind.v == NULL || (strcmp(mf_gw_or(&k->group, MF_GW_GROUP), MF_GW_GROUP) == 0 &&
                              mf_str_eq(&k->kind, "HTTPRoute")))
        return;
    mf_warn(ctx, &k->pos, path,
            "metalgate serves HTTPRoute only; %.60s routes cannot attach to this listener "
            "(InvalidRouteKinds)",
            k->kind.v);
}

static const struct mf_field mf_gw_route_kind_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_route_kind, 0),
    MF_GW_F_KIND(struct mf_gw_route_kind, MF_REQUIRED),
};
static const struct mf_schema mf_gw_route_kind_schema =
    MF_SCHEMA("route kind", mf_gw_route_kind_fields, mf_gw_validate_route_kind);

static const char *const mf_gw_from_values[] = {"All", "Selector", "Same", NULL};

static void
mf_gw_validate_route_namespaces(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_route_namespaces *n = obj;
    char p[MF_PATH_MAX];

    mf_path_field(p, path, "selector");
    if (mf_str_eq(&n->from, "Selector") && n->selector == NULL)
        mf_error(ctx, &n->pos, p, "selector must be specified when from is Selector");
    else if (n->selector != NULL && !mf_str_eq(&n->from, "Selector"))
        mf_warn(ctx, &n->selector->pos, p,
                "ignored: the selector is used only when from is "
                "Selector");
}

static const struct mf_field mf_gw_route_namespaces_fields[] = {
    MF_F_STR(struct mf_gw_route_namespaces, from, "from", .enums = mf_gw_from_values),
    MF_F_OBJ(struct mf_gw_route_namespaces, selector, "selector", &mf_schema_label_selector,
             struct mf_label_selector),
};
static const struct mf_schema mf_gw_route_namespaces_schema = MF_SCHEMA(
    "allowedRoutes.namespaces", mf_gw_route_namespaces_fields, mf_gw_validate_route_namespaces);

static const struct mf_field mf_gw_allowed_routes_fields[] = {
    MF_F_OBJ(struct mf_gw_allowed_routes, namespaces, "namespaces", &mf_gw_route_namespaces_schema,
             struct mf_gw_route_namespaces),
    MF_F_OBJLIST(struct mf_gw_allowed_routes, kinds, "kinds", &mf_gw_route_kind_schema,
                 struct mf_gw_route_kind, .max = 8),
};
static const struct mf_schema mf_gw_allowed_routes_schema =
    MF_SCHEMA("allowedRoutes", mf_gw_allowed_routes_fields, NULL);

static const char *const mf_gw_tls_modes[] = {"Terminate", "Passthrough", NULL};

static void
mf_gw_validate_listener_tls(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_listener_tls *t = obj;
    char p[MF_PATH_MAX];

    if ((t->mode.v == NULL || mf_str_eq(&t->mode, "Terminate")) && t->certificate_refs.n == 0 &&
        t->options.n == 0)
        mf_error(ctx, &t->pos, mf_path_field(p, path, "certificateRefs"),
                 "certificateRefs or options must be specified when mode is Terminate");
    if (t->options.n > 0)
        mf_warn(ctx, &t->options.pos, mf_path_field(p, path, "options"),
                "TLS options are implementation-specific and metalgate defines none; ignored");
}

static const struct mf_field mf_gw_listener_tls_fields[] = {
    MF_F_STR(struct mf_gw_listener_tls, mode, "mode", .enums = mf_gw_tls_modes),
    MF_F_OBJLIST(struct mf_gw_listener_tls, certificate_refs, "certificateRefs",
                 &mf_gw_secret_ref_schema, struct mf_gw_objref, .max = 64),
    MF_F_STRMAP(struct mf_gw_listener_tls, options, "options", .max = 16,
                .check = mf_gw_check_annotation_like),
};
static const struct mf_schema mf_gw_listener_tls_schema =
    MF_SCHEMA("listener tls", mf_gw_listener_tls_fields, mf_gw_validate_listener_tls);

enum mf_gw_proto {
    MF_GW_PROTO_OTHER,
    MF_GW_PROTO_HTTP,
    MF_GW_PROTO_HTTPS,
    MF_GW_PROTO_TLS,
    MF_GW_PROTO_TCP,
    MF_GW_PROTO_UDP,
};

/* Core protocols are case-insensitive ("http" is HTTP). */
static enum mf_gw_proto
mf_gw_proto_of(const struct mf_str *p)
{
    for (int i = 0; mf_gw_protocols[i] != NULL; i++)
        if (p->v != NULL && strcasecmp(p->v, mf_gw_protocols[i]) == 0)
            return (enum mf_gw_proto)(MF_GW_PROTO_HTTP + i);
    return MF_GW_PROTO_OTHER;
}

/* The protocol rules the Gateway CRD states for each listener. */
static void
mf_gw_validate_listener(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_listener *l = obj;
    enum mf_gw_proto proto = mf_gw_proto_of(&l->protocol);
    bool plain = proto == MF_GW_PROTO_HTTP || proto == MF_GW_PROTO_TCP || proto == MF_GW_PROTO_UDP;
    char p[MF_PATH_MAX];

    mf_gw_require_int(ctx, &l->port, &l->pos, path, "port");
    if (l->protocol.v == NULL)
        return;
    mf_path_field(p, path, "tls");
    if (plain && l->tls != NULL)
        mf_error(ctx, &l->tls->pos, p,
                 "tls must not be specified for protocols ['HTTP', 'TCP', "
                 "'UDP']");
    if ((proto == MF_GW_PROTO_HTTPS || proto == MF_GW_PROTO_TLS) && l->tls == NULL)
        mf_error(ctx, &l->pos, p, "tls must be specified for protocols ['HTTPS', 'TLS']");
    if (proto == MF_GW_PROTO_HTTPS && l->tls != NULL && mf_str_eq(&l->tls->mode, "Passthrough"))
        mf_error(ctx, &l->tls->mode.pos, mf_path_field(p, path, "tls.mode"),
                 "tls mode must be Terminate for protocol HTTPS");
    if ((proto == MF_GW_PROTO_TCP || proto == MF_GW_PROTO_UDP) && l->hostname.v != NULL)
        mf_error(ctx, &l->hostname.pos, mf_path_field(p, path, "hostname"),
                 "hostname must not be specified for protocols ['TCP', 'UDP']");
    if (proto != MF_GW_PROTO_HTTP && proto != MF_GW_PROTO_HTTPS)
        mf_warn(ctx, &l->protocol.pos, mf_path_field(p, path, "protocol"),
                "%.60s listeners are not implemented yet: metalgate serves HTTP and HTTPS, this "
                "listener will not be accepted (UnsupportedProtocol)",
                l->protocol.v);
}

static const struct mf_field mf_gw_listener_fields[] = {
    MF_F_STR(struct mf_gw_listener, name, "name", .flags = MF_REQUIRED, .max = 253,
             .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_gw_listener, hostname, "hostname", .max = 253,
             .check = mf_check_gw_hostname),
    /* Required: see mf_gw_require_int. */
    MF_F_INT(struct mf_gw_listener, port, "port", .min = 1, .max = 65535),
    MF_F_STR(struct mf_gw_listener, protocol, "protocol", .flags = MF_REQUIRED, .max = 255,
             .check = mf_gw_check_protocol),
    MF_F_OBJ(struct mf_gw_listener, tls, "tls", &mf_gw_listener_tls_schema,
             struct mf_gw_listener_tls),
    MF_F_OBJ(struct mf_gw_listener, allowed_routes, "allowedRoutes", &mf_gw_allowed_routes_schema,
             struct mf_gw_allowed_routes),
};
static const struct mf_schema mf_gw_listener_schema =
    MF_SCHEMA("listener", mf_gw_listener_fields, mf_gw_validate_listener);

/* ---- Gateway: addresses, infrastructure, TLS ------------------------------ */

static void
mf_gw_validate_address(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_address *a = obj;
    const char *type = mf_gw_or(&a->type, "IPAddress");
    char p[MF_PATH_MAX];

    mf_path_field(p, path, "value");
    if (strcmp(type, "IPAddress") == 0) {
        if (a->value.len > 0)
            mf_check_ip(ctx, &a->value, p);
        return;
    }
    if (strcmp(type, "Hostname") == 0 && a->value.len > 0)
        mf_check_gw_hostname(ctx, &a->value, p);
    mf_warn(ctx, &a->pos, path,
            "metalgate assigns IP addresses only; an address of type %.60s is not supported "
            "(the Gateway will not be accepted: UnsupportedAddress)%s",
            type, strcmp(type, "NamedAddress") == 0 ? "; NamedAddress is also deprecated" : "");
}

static const struct mf_field mf_gw_address_fields[] = {
    MF_F_STR(struct mf_gw_address, type, "type", .max = 253, .check = mf_gw_check_address_type),
    MF_F_STR(struct mf_gw_address, value, "value", .max = 253),
};
static const struct mf_schema mf_gw_address_schema =
    MF_SCHEMA("address", mf_gw_address_fields, mf_gw_validate_address);

static const struct mf_field mf_gw_infrastructure_fields[] = {
    MF_F_STRMAP(struct mf_gw_infrastructure, labels, "labels", .max = 8,
                .check = mf_check_label_map),
    MF_F_STRMAP(struct mf_gw_infrastructure, annotations, "annotations", .max = 16,
                .check = mf_gw_check_annotation_like),
    MF_F_OBJ(struct mf_gw_infrastructure, parameters_ref, "parametersRef",
             &mf_gw_local_params_ref_schema, struct mf_gw_objref),
};
static const struct mf_schema mf_gw_infrastructure_schema =
    MF_SCHEMA("infrastructure", mf_gw_infrastructure_fields, NULL);

static const char *const mf_gw_frontend_modes[] = {"AllowValidOnly", "AllowInsecureFallback", NULL};

static const struct mf_field mf_gw_frontend_validation_fields[] = {
    MF_F_OBJLIST(struct mf_gw_frontend_validation, ca_certificate_refs, "caCertificateRefs",
                 &mf_gw_object_ref_schema, struct mf_gw_objref, .flags = MF_REQUIRED | MF_NONEMPTY,
                 .max = 8),
    MF_F_STR(struct mf_gw_frontend_validation, mode, "mode", .enums = mf_gw_frontend_modes),
};
static const struct mf_schema mf_gw_frontend_validation_schema =
    MF_SCHEMA("frontend validation", mf_gw_frontend_validation_fields, NULL);

static const struct mf_field mf_gw_tls_config_fields[] = {
    MF_F_OBJ(struct mf_gw_tls_config, validation, "validation", &mf_gw_frontend_validation_schema,
             struct mf_gw_frontend_validation),
};
static const struct mf_schema mf_gw_tls_config_schema =
    MF_SCHEMA("TLS config", mf_gw_tls_config_fields, NULL);

static const struct mf_field mf_gw_tls_port_fields[] = {
    /* Required: see mf_gw_require_int. */
    MF_F_INT(struct mf_gw_tls_port_config, port, "port", .min = 1, .max = 65535),
    MF_F_OBJ(struct mf_gw_tls_port_config, tls, "tls", &mf_gw_tls_config_schema,
             struct mf_gw_tls_config, .flags = MF_REQUIRED),
};
static void
mf_gw_validate_tls_port(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_tls_port_config *c = obj;

    mf_gw_require_int(ctx, &c->port, &c->pos, path, "port");
}

static const struct mf_schema mf_gw_tls_port_schema =
    MF_SCHEMA("perPort entry", mf_gw_tls_port_fields, mf_gw_validate_tls_port);

static void
mf_gw_validate_frontend_tls(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_frontend_tls *f = obj;
    char p[MF_PATH_MAX], ip[MF_PATH_MAX];

    mf_path_field(p, path, "perPort");
    for (uint32_t i = 0; i < f->per_port.n; i++) {
        const struct mf_gw_tls_port_config *a =
            MF_LIST_AT(f->per_port, struct mf_gw_tls_port_config, i);
        for (uint32_t j = 0; j < i && a->port.set; j++) {
            const struct mf_gw_tls_port_config *b =
                MF_LIST_AT(f->per_port, struct mf_gw_tls_port_config, j);
            if (b->port.set && a->port.v == b->port.v) {
                mf_error(ctx, &a->port.pos, mf_gw_path_at(ip, p, i, "port"),
                         "Port for TLS configuration must be unique within the Gateway (port "
                         "%lld is also perPort[%u])",
                         (long long)a->port.v, j);
                break;
            }
        }
    }
}

static const struct mf_field mf_gw_frontend_tls_fields[] = {
    MF_F_OBJ(struct mf_gw_frontend_tls, default_config, "default", &mf_gw_tls_config_schema,
             struct mf_gw_tls_config, .flags = MF_REQUIRED),
    MF_F_OBJLIST(struct mf_gw_frontend_tls, per_port, "perPort", &mf_gw_tls_port_schema,
                 struct mf_gw_tls_port_config, .max = 64),
};
static const struct mf_schema mf_gw_frontend_tls_schema =
    MF_SCHEMA("frontend TLS", mf_gw_frontend_tls_fields, mf_gw_validate_frontend_tls);

static const struct mf_field mf_gw_backend_tls_fields[] = {
    MF_F_OBJ(struct mf_gw_backend_tls, client_certificate_ref, "clientCertificateRef",
             &mf_gw_secret_ref_schema, struct mf_gw_objref),
};
static const struct mf_schema mf_gw_backend_tls_schema =
    MF_SCHEMA("backend TLS", mf_gw_backend_tls_fields, NULL);

static const struct mf_field mf_gw_gateway_tls_fields[] = {
    MF_F_OBJ(struct mf_gw_gateway_tls, frontend, "frontend", &mf_gw_frontend_tls_schema,
             struct mf_gw_frontend_tls),
    MF_F_OBJ(struct mf_gw_gateway_tls, backend, "backend", &mf_gw_backend_tls_schema,
             struct mf_gw_backend_tls),
};
static const struct mf_schema mf_gw_gateway_tls_schema =
    MF_SCHEMA("Gateway tls", mf_gw_gateway_tls_fields, NULL);

/* ---- Gateway ------------------------------------------------------------- */

static bool
mf_gw_same_hostname(const struct mf_gw_listener *a, const struct mf_gw_listener *b)
{
    if (a->hostname.v == NULL || b->hostname.v == NULL)
        return a->hostname.v == NULL && b->hostname.v == NULL;
    return mf_gw_eq(&a->hostname, &b->hostname);
}

/* Listener names are unique, and so is each (port, protocol, hostname). */
static void
mf_gw_check_listeners(struct mf_ctx *ctx, const struct mf_list *ls, const char *path)
{
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; i < ls->n; i++) {
        const struct mf_gw_listener *a = MF_LIST_AT(*ls, struct mf_gw_listener, i);
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_gw_listener *b = MF_LIST_AT(*ls, struct mf_gw_listener, j);
            if (mf_gw_eq(&a->name, &b->name)) {
                mf_error(ctx, &a->name.pos, mf_gw_path_at(p, path, i, "name"),
                         "Listener name must be unique within the Gateway (\"%.60s\" is also "
                         "listeners[%u])",
                         a->name.v, j);
                break;
            }
        }
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_gw_listener *b = MF_LIST_AT(*ls, struct mf_gw_listener, j);
            if (a->port.set && b->port.set && a->port.v == b->port.v &&
                mf_gw_ieq(&a->protocol, &b->protocol) && mf_gw_same_hostname(a, b)) {
                mf_error(ctx, &a->pos, mf_path_index(p, path, i),
                         "Combination of port, protocol and hostname must be unique for each "
                         "listener (listeners[%u] has the same)",
                         j);
                break;
            }
        }
    }
}

/* IPAddress values are compared as addresses, so "::1" and "0::1" collide. */
static bool
mf_gw_same_address(const struct mf_gw_address *a, const struct mf_gw_address *b)
{
    const char *ta = mf_gw_or(&a->type, "IPAddress"), *tb = mf_gw_or(&b->type, "IPAddress");
    struct ip_addr x, y;

    if (strcmp(ta, tb) != 0 || a->value.len == 0 || b->value.len == 0)
        return false;
    if (strcmp(ta, "IPAddress") == 0)
        return ip_parse(a->value.v, a->value.len, &x) == 0 &&
               ip_parse(b->value.v, b->value.len, &y) == 0 && ip_addr_equal(&x, &y);
    return mf_gw_eq(&a->value, &b->value);
}

static void
mf_gw_check_addresses(struct mf_ctx *ctx, const struct mf_list *as, const char *path)
{
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; i < as->n; i++) {
        const struct mf_gw_address *a = MF_LIST_AT(*as, struct mf_gw_address, i);
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_gw_address *b = MF_LIST_AT(*as, struct mf_gw_address, j);
            if (!mf_gw_same_address(a, b))
                continue;
            mf_error(ctx, &a->value.pos, mf_gw_path_at(p, path, i, "value"),
                     "%s values must be unique (\"%.80s\" is also addresses[%u])",
                     strcmp(mf_gw_or(&a->type, "IPAddress"), "IPAddress") == 0 ? "IPAddress"
                                                                               : "Hostname",
                     a->value.v, j);
            break;
        }
    }
}

static void
mf_gw_validate_gateway_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gateway_spec *s = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_listeners(ctx, &s->listeners, mf_path_field(p, path, "listeners"));
    mf_gw_check_addresses(ctx, &s->addresses, mf_path_field(p, path, "addresses"));
}

static const struct mf_field mf_gateway_spec_fields[] = {
    MF_F_STR(struct mf_gateway_spec, gateway_class_name, "gatewayClassName", .flags = MF_REQUIRED,
             .max = 253, .check = mf_check_dns1123_subdomain),
    MF_F_OBJLIST(struct mf_gateway_spec, listeners, "listeners", &mf_gw_listener_schema,
                 struct mf_gw_listener, .flags = MF_REQUIRED | MF_NONEMPTY, .max = 64),
    MF_F_OBJLIST(struct mf_gateway_spec, addresses, "addresses", &mf_gw_address_schema,
                 struct mf_gw_address, .max = 16),
    MF_F_OBJ(struct mf_gateway_spec, infrastructure, "infrastructure", &mf_gw_infrastructure_schema,
             struct mf_gw_infrastructure),
    MF_F_OBJ(struct mf_gateway_spec, tls, "tls", &mf_gw_gateway_tls_schema,
             struct mf_gw_gateway_tls),
    MF_F_SKIP("allowedListeners", MF_UNSUPPORTED,
              "ListenerSets cannot attach to a metalgate Gateway"),
    MF_F_SKIP("defaultScope", MF_UNSUPPORTED, "routes attach only through their parentRefs"),
};
static const struct mf_schema mf_gateway_spec_schema =
    MF_SCHEMA("Gateway spec", mf_gateway_spec_fields, mf_gw_validate_gateway_spec);

/* ---- Gateway: metalgate's annotations ----------------------------------- */

#define MF_GW_ACCESS_LOG "metalgate.io/access-log"

struct mf_gw_meta {
    struct mf_pos pos;
    struct mf_strmap annotations;
};

static const struct mf_field mf_gw_meta_fields[] = {
    MF_F_STRMAP(struct mf_gw_meta, annotations, "annotations"),
};
static const struct mf_schema mf_gw_meta_schema = MF_SCHEMA("metadata", mf_gw_meta_fields, NULL);

/* True when the Gateway has a listener named name[0..len). */
static bool
mf_gw_has_listener(const struct mf_gateway_spec *s, const char *name, size_t len)
{
    for (uint32_t i = 0; s != NULL && i < s->listeners.n; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(s->listeners, struct mf_gw_listener, i);
        if (l->name.v != NULL && l->name.len == len && memcmp(l->name.v, name, len) == 0)
            return true;
    }
    return false;
}

/*
 * metalgate.io/access-log: "*" (every listener) or listener names separated
 * by commas. A name that is no listener's is a warning (it logs nothing;
 * the listener may be added later). load.c reported the metadata's own
 * problems already: it is decoded again with scratch diagnostics.
 */
static void
mf_gw_check_access_log(struct mf_ctx *ctx, const struct mf_gateway *g)
{
    struct mf_gw_meta meta = {0};
    struct mf_diags scratch;
    struct mf_ctx c = *ctx;
    const struct mf_str *v;
    char p[MF_PATH_MAX];

    if (g->metadata.node == NULL)
        return;
    mf_diags_init(&scratch);
    c.diags = &scratch;
    c.errors = 0;
    mf_decode_object(&c, g->metadata.node, &mf_gw_meta_schema, &meta, "metadata");
    mf_diags_free(&scratch);
    if ((v = mf_strmap_get(&meta.annotations, MF_GW_ACCESS_LOG)) == NULL || v->v == NULL)
        return;
    mf_path_key(p, "metadata.annotations", MF_GW_ACCESS_LOG);
    for (const char *s = v->v, *end = v->v + v->len; s < end;) {
        const char *comma = memchr(s, ',', (size_t)(end - s)), *e = comma ? comma : end;

        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        if (e == s)
            mf_warn(ctx, &v->pos, p, "an empty listener name in the access log list");
        else if (!(e - s == 1 && *s == '*') && !mf_gw_has_listener(g->spec, s, (size_t)(e - s)))
            mf_warn(ctx, &v->pos, p,
                    "no listener is named \"%.*s\": its requests are not logged (use listener "
                    "names separated by commas, or *)",
                    (int)(e - s > 60 ? 60 : e - s), s);
        s = comma ? comma + 1 : end;
    }
}

static void
mf_gw_validate_gateway(struct mf_ctx *ctx, void *obj, const char *path)
{
    (void)path;
    mf_gw_check_access_log(ctx, obj);
}

static const struct mf_field mf_gateway_fields[] = {
    MF_F_SKIP("apiVersion", MF_IGNORED, NULL),
    MF_F_SKIP("kind", MF_IGNORED, NULL),
    MF_F_RAW(struct mf_gateway, metadata, "metadata"),
    MF_F_OBJ(struct mf_gateway, spec, "spec", &mf_gateway_spec_schema, struct mf_gateway_spec,
             .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_gateway_schema =
    MF_SCHEMA("Gateway", mf_gateway_fields, mf_gw_validate_gateway);

/* ---- HTTPRoute: parents and matches -------------------------------------- */

static void
mf_http_validate_parent_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_parent_ref *r = obj;
    const char *group = mf_gw_or(&r->group, MF_GW_GROUP), *kind = mf_gw_or(&r->kind, "Gateway");
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &r->name, group, kind, mf_path_field(p, path, "name"));
    if (strcmp(group, MF_GW_GROUP) != 0 || strcmp(kind, "Gateway") != 0)
        mf_warn(ctx, &r->pos, path,
                "metalgate attaches routes to Gateways only; this parent (%.60s%s%.60s) is "
                "ignored",
                group, group[0] ? "/" : "", kind);
}

static const struct mf_field mf_http_parent_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_parent_ref, 0),
    MF_GW_F_KIND(struct mf_gw_parent_ref, 0),
    MF_GW_F_NAMESPACE(struct mf_gw_parent_ref),
    MF_GW_F_NAME(struct mf_gw_parent_ref, MF_REQUIRED),
    MF_F_STR(struct mf_gw_parent_ref, section_name, "sectionName", .max = 253,
             .check = mf_check_dns1123_subdomain),
    MF_F_INT(struct mf_gw_parent_ref, port, "port", .min = 1, .max = 65535),
};
static const struct mf_schema mf_http_parent_ref_schema =
    MF_SCHEMA("parentRef", mf_http_parent_ref_fields, mf_http_validate_parent_ref);

static const char *const mf_http_path_types[] = {"Exact", "PathPrefix", "RegularExpression", NULL};

static void
mf_http_validate_path_match(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_path_match *m = obj;
    const char *type = mf_gw_or(&m->type, "PathPrefix"), *problem;
    char p[MF_PATH_MAX];

    if (m->value.v == NULL || !mf_gw_word_in(type, mf_http_path_types))
        return;
    mf_path_field(p, path, "value");
    if (strcmp(type, "RegularExpression") == 0) {
        mf_gw_check_regex(ctx, &m->value, p);
        return;
    }
    problem = mf_gw_path_problem(m->value.v, m->value.len);
    if (problem != NULL)
        mf_error(ctx, &m->value.pos, p, "\"%.80s\": %s", m->value.v, problem);
}

static const struct mf_field mf_http_path_match_fields[] = {
    MF_F_STR(struct mf_http_path_match, type, "type", .enums = mf_http_path_types),
    MF_F_STR(struct mf_http_path_match, value, "value", .max = 1024),
};
static const struct mf_schema mf_http_path_match_schema =
    MF_SCHEMA("path match", mf_http_path_match_fields, mf_http_validate_path_match);

static const char *const mf_http_value_match_types[] = {"Exact", "RegularExpression", NULL};

static void
mf_http_validate_value_match(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_value_match *m = obj;
    char p[MF_PATH_MAX];

    if (m->value.v == NULL)
        return;
    mf_path_field(p, path, "value");
    if (mf_str_eq(&m->type, "RegularExpression"))
        mf_gw_check_regex(ctx, &m->value, p);
    else
        mf_gw_check_header_value(ctx, &m->value, p);
}

static const struct mf_field mf_http_header_match_fields[] = {
    MF_F_STR(struct mf_http_value_match, type, "type", .enums = mf_http_value_match_types),
    MF_F_STR(struct mf_http_value_match, name, "name", .flags = MF_REQUIRED, .max = 256,
             .check = mf_gw_check_header_name),
    MF_F_STR(struct mf_http_value_match, value, "value", .flags = MF_REQUIRED | MF_NONEMPTY,
             .max = 4096),
};
static const struct mf_schema mf_http_header_match_schema =
    MF_SCHEMA("header match", mf_http_header_match_fields, mf_http_validate_value_match);

static const struct mf_field mf_http_query_match_fields[] = {
    MF_F_STR(struct mf_http_value_match, type, "type", .enums = mf_http_value_match_types),
    MF_F_STR(struct mf_http_value_match, name, "name", .flags = MF_REQUIRED, .max = 256,
             .check = mf_gw_check_header_name),
    MF_F_STR(struct mf_http_value_match, value, "value", .flags = MF_REQUIRED | MF_NONEMPTY,
             .max = 1024),
};
static const struct mf_schema mf_http_query_match_schema =
    MF_SCHEMA("query parameter match", mf_http_query_match_fields, mf_http_validate_value_match);

static const char *const mf_http_methods[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                              "CONNECT", "OPTIONS", "TRACE", "PATCH", NULL};

/* Header names are case-insensitive (a later duplicate would be ignored
 * upstream, which hides a mistake); query parameter names are not. */
static void
mf_http_check_match_names(struct mf_ctx *ctx, const struct mf_list *l, const char *path,
                          bool headers)
{
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; i < l->n; i++) {
        const struct mf_http_value_match *a = MF_LIST_AT(*l, struct mf_http_value_match, i);
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_http_value_match *b = MF_LIST_AT(*l, struct mf_http_value_match, j);
            if (headers ? !mf_gw_ieq(&a->name, &b->name) : !mf_gw_eq(&a->name, &b->name))
                continue;
            mf_gw_path_at(p, path, i, "name");
            if (headers)
                mf_error(ctx, &a->name.pos, p,
                         "duplicate header name \"%.80s\" (also headers[%u]; header names are "
                         "case-insensitive)",
                         a->name.v, j);
            else
                mf_error(ctx, &a->name.pos, p,
                         "duplicate query parameter name \"%.80s\" (also queryParams[%u])",
                         a->name.v, j);
            break;
        }
    }
}

static void
mf_http_validate_route_match(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_route_match *m = obj;
    char p[MF_PATH_MAX];

    mf_http_check_match_names(ctx, &m->headers, mf_path_field(p, path, "headers"), true);
    mf_http_check_match_names(ctx, &m->query_params, mf_path_field(p, path, "queryParams"), false);
}

static const struct mf_field mf_http_route_match_fields[] = {
    MF_F_OBJ(struct mf_http_route_match, path, "path", &mf_http_path_match_schema,
             struct mf_http_path_match),
    MF_F_OBJLIST(struct mf_http_route_match, headers, "headers", &mf_http_header_match_schema,
                 struct mf_http_value_match, .max = 16),
    MF_F_OBJLIST(struct mf_http_route_match, query_params, "queryParams",
                 &mf_http_query_match_schema, struct mf_http_value_match, .max = 16),
    MF_F_STR(struct mf_http_route_match, method, "method", .enums = mf_http_methods),
};
static const struct mf_schema mf_http_route_match_schema =
    MF_SCHEMA("match", mf_http_route_match_fields, mf_http_validate_route_match);

/* ---- HTTPRoute: filters -------------------------------------------------- */

static const struct mf_field mf_http_header_fields[] = {
    MF_F_STR(struct mf_http_header, name, "name", .flags = MF_REQUIRED, .max = 256,
             .check = mf_gw_check_header_name),
    MF_F_STR(struct mf_http_header, value, "value", .flags = MF_REQUIRED | MF_NONEMPTY, .max = 4096,
             .check = mf_gw_check_header_value),
};
static const struct mf_schema mf_http_header_schema =
    MF_SCHEMA("header", mf_http_header_fields, NULL);

/* One header name of a modifier, for the one-action-per-name rule. */
struct mf_http_named {
    const struct mf_str *name;
    const char *field;
    uint32_t index;
};

static size_t
mf_http_collect_names(const struct mf_http_header_filter *f, struct mf_http_named *out, size_t max)
{
    size_t n = 0;

    for (uint32_t i = 0; i < f->set.n && n < max; i++)
        out[n++] =
            (struct mf_http_named){&MF_LIST_AT(f->set, struct mf_http_header, i)->name, "set", i};
    for (uint32_t i = 0; i < f->add.n && n < max; i++)
        out[n++] =
            (struct mf_http_named){&MF_LIST_AT(f->add, struct mf_http_header, i)->name, "add", i};
    for (uint32_t i = 0; i < f->remove.n && n < max; i++)
        out[n++] = (struct mf_http_named){MF_LIST_AT(f->remove, struct mf_str, i), "remove", i};
    return n;
}

/* "Only one action for a given header name is permitted": the header filter
 * rule of the API, names compared case-insensitively. */
static void
mf_http_validate_header_filter(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_header_filter *f = obj;
    struct mf_http_named names[3 * 64];
    size_t n = mf_http_collect_names(f, names, sizeof(names) / sizeof(names[0]));
    char p[MF_PATH_MAX], fp[MF_PATH_MAX];

    mf_gw_check_count(ctx, &f->remove, mf_path_field(p, path, "remove"), 16);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            if (!mf_gw_ieq(names[i].name, names[j].name))
                continue;
            mf_path_field(fp, path, names[i].field);
            if (strcmp(names[i].field, "remove") == 0)
                mf_path_index(p, fp, names[i].index);
            else
                mf_gw_path_at(p, fp, names[i].index, "name");
            mf_error(ctx, &names[i].name->pos, p,
                     "header \"%.80s\" already has an action in this filter (%s[%u]); only one "
                     "action per header name is allowed (names are case-insensitive)",
                     names[i].name->v, names[j].field, names[j].index);
            break;
        }
}

static const struct mf_field mf_http_header_filter_fields[] = {
    MF_F_OBJLIST(struct mf_http_header_filter, set, "set", &mf_http_header_schema,
                 struct mf_http_header, .max = 16),
    MF_F_OBJLIST(struct mf_http_header_filter, add, "add", &mf_http_header_schema,
                 struct mf_http_header, .max = 16),
    /* At most 16: counted in mf_http_validate_header_filter. */
    MF_F_STRLIST(struct mf_http_header_filter, remove, "remove", .check = mf_gw_check_header_name),
};
static const struct mf_schema mf_http_header_filter_schema =
    MF_SCHEMA("header modifier", mf_http_header_filter_fields, mf_http_validate_header_filter);

static const char *const mf_http_path_modifier_types[] = {"ReplaceFullPath", "ReplacePrefixMatch",
                                                          NULL};

/* type and the one value it names go together. */
static void
mf_http_check_modifier_pair(struct mf_ctx *ctx, const struct mf_http_path_modifier *m,
                            const char *type, const struct mf_str *value, const char *field,
                            const char *path)
{
    char p[MF_PATH_MAX];

    mf_path_field(p, path, field);
    if (mf_str_eq(&m->type, type) && value->v == NULL)
        mf_error(ctx, &m->pos, p, "%s must be specified when type is set to '%s'", field, type);
    else if (value->v != NULL && !mf_str_eq(&m->type, type))
        mf_error(ctx, &value->pos, p, "type must be '%s' when %s is set", type, field);
}

static void
mf_http_validate_path_modifier(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_path_modifier *m = obj;

    if (m->type.v == NULL)
        return;
    mf_http_check_modifier_pair(ctx, m, "ReplaceFullPath", &m->replace_full_path, "replaceFullPath",
                                path);
    mf_http_check_modifier_pair(ctx, m, "ReplacePrefixMatch", &m->replace_prefix_match,
                                "replacePrefixMatch", path);
}

static const struct mf_field mf_http_path_modifier_fields[] = {
    MF_F_STR(struct mf_http_path_modifier, type, "type", .flags = MF_REQUIRED,
             .enums = mf_http_path_modifier_types),
    MF_F_STR(struct mf_http_path_modifier, replace_full_path, "replaceFullPath", .max = 1024),
    MF_F_STR(struct mf_http_path_modifier, replace_prefix_match, "replacePrefixMatch", .max = 1024),
};
static const struct mf_schema mf_http_path_modifier_schema =
    MF_SCHEMA("path modifier", mf_http_path_modifier_fields, mf_http_validate_path_modifier);

static const char *const mf_http_schemes[] = {"http", "https", NULL};

static const struct mf_field mf_http_redirect_fields[] = {
    MF_F_STR(struct mf_http_redirect, scheme, "scheme", .enums = mf_http_schemes),
    MF_F_STR(struct mf_http_redirect, hostname, "hostname", .max = 253,
             .check = mf_gw_check_precise_hostname),
    MF_F_OBJ(struct mf_http_redirect, path, "path", &mf_http_path_modifier_schema,
             struct mf_http_path_modifier),
    MF_F_INT(struct mf_http_redirect, port, "port", .min = 1, .max = 65535),
    MF_F_INT(struct mf_http_redirect, status_code, "statusCode", .check = mf_gw_check_status_code),
};
static const struct mf_schema mf_http_redirect_schema =
    MF_SCHEMA("requestRedirect", mf_http_redirect_fields, NULL);

static const struct mf_field mf_http_rewrite_fields[] = {
    MF_F_STR(struct mf_http_rewrite, hostname, "hostname", .max = 253,
             .check = mf_gw_check_precise_hostname),
    MF_F_OBJ(struct mf_http_rewrite, path, "path", &mf_http_path_modifier_schema,
             struct mf_http_path_modifier),
};
static const struct mf_schema mf_http_rewrite_schema =
    MF_SCHEMA("urlRewrite", mf_http_rewrite_fields, NULL);

static void mf_http_check_filter_list(struct mf_ctx *ctx, const struct mf_list *filters,
                                      const char *path);

/* BackendObjectReference, for backendRefs and mirror targets. */
static void
mf_http_validate_backend_ref(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_backend_ref *b = obj;
    const char *group = mf_gw_or(&b->group, ""), *kind = mf_gw_or(&b->kind, "Service");
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &b->name, group, kind, mf_path_field(p, path, "name"));
    if (group[0] == '\0' && strcmp(kind, "Service") == 0) {
        /* pos.line == 0: absent, not merely invalid (that is reported already) */
        if (!b->port.set && b->port.pos.line == 0)
            mf_error(ctx, &b->pos, mf_path_field(p, path, "port"),
                     "Must have port for Service reference");
    } else {
        mf_warn(ctx, &b->pos, path,
                "metalgate forwards to Services only; this backend (%.60s%s%.60s) will not "
                "resolve and requests sent to it get HTTP 500 (InvalidKind)",
                group, group[0] ? "/" : "", kind);
    }
    mf_http_check_filter_list(ctx, &b->filters, mf_path_field(p, path, "filters"));
}

static const struct mf_field mf_http_mirror_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_http_backend_ref, 0),
    MF_GW_F_KIND(struct mf_http_backend_ref, 0),
    MF_GW_F_NAME(struct mf_http_backend_ref, MF_REQUIRED),
    MF_GW_F_NAMESPACE(struct mf_http_backend_ref),
    MF_F_INT(struct mf_http_backend_ref, port, "port", .min = 1, .max = 65535),
};
static const struct mf_schema mf_http_mirror_ref_schema =
    MF_SCHEMA("backendRef", mf_http_mirror_ref_fields, mf_http_validate_backend_ref);

static void
mf_http_validate_fraction(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_fraction *f = obj;
    int64_t den = f->denominator.set ? f->denominator.v : MF_GW_DEFAULT_MIRROR_DENOMINATOR;
    char p[MF_PATH_MAX];

    mf_gw_require_int(ctx, &f->numerator, &f->pos, path, "numerator");
    if (f->numerator.set && f->numerator.v > den)
        mf_error(ctx, &f->numerator.pos, mf_path_field(p, path, "numerator"),
                 "numerator must be less than or equal to denominator (%lld > %lld)",
                 (long long)f->numerator.v, (long long)den);
}

static const struct mf_field mf_gw_fraction_fields[] = {
    /* Required: see mf_gw_require_int. */
    MF_F_INT(struct mf_gw_fraction, numerator, "numerator", .min = 0, .max = 2147483647),
    MF_F_INT(struct mf_gw_fraction, denominator, "denominator", .min = 1, .max = 2147483647),
};
static const struct mf_schema mf_gw_fraction_schema =
    MF_SCHEMA("fraction", mf_gw_fraction_fields, mf_http_validate_fraction);

static void
mf_http_validate_mirror(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_mirror *m = obj;

    if (m->percent.set && m->fraction != NULL)
        mf_error(ctx, &m->fraction->pos, path,
                 "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
}

static const struct mf_field mf_http_mirror_fields[] = {
    MF_F_OBJ(struct mf_http_mirror, backend_ref, "backendRef", &mf_http_mirror_ref_schema,
             struct mf_http_backend_ref, .flags = MF_REQUIRED),
    MF_F_INT(struct mf_http_mirror, percent, "percent", .min = 0, .max = 100),
    MF_F_OBJ(struct mf_http_mirror, fraction, "fraction", &mf_gw_fraction_schema,
             struct mf_gw_fraction),
};
static const struct mf_schema mf_http_mirror_schema =
    MF_SCHEMA("requestMirror", mf_http_mirror_fields, mf_http_validate_mirror);

/* Filter types, the member each one uses, and what metalgate does with it. */
static const struct {
    const char *type, *field;
    size_t offset;
    bool raw;                /* member is a struct mf_raw, else an object pointer */
    const char *unsupported; /* warning text, or NULL when implemented */
} mf_http_filter_kinds[] = {
    {"RequestHeaderModifier", "requestHeaderModifier",
     offsetof(struct mf_http_filter, request_header_modifier), false, NULL},
    {"ResponseHeaderModifier", "responseHeaderModifier",
     offsetof(struct mf_http_filter, response_header_modifier), false, NULL},
    {"RequestMirror", "requestMirror", offsetof(struct mf_http_filter, request_mirror), false,
     "RequestMirror filters are not implemented yet; ignored (requests are forwarded but not "
     "mirrored)"},
    {"RequestRedirect", "requestRedirect", offsetof(struct mf_http_filter, request_redirect), false,
     NULL},
    {"URLRewrite", "urlRewrite", offsetof(struct mf_http_filter, url_rewrite), false, NULL},
    {"ExtensionRef", "extensionRef", offsetof(struct mf_http_filter, extension_ref), false,
     "metalgate has no extension filters; an ExtensionRef cannot be resolved and must not be "
     "skipped, so every request it applies to gets HTTP 500 (ResolvedRefs=False, InvalidKind)"},
    {"CORS", "cors", offsetof(struct mf_http_filter, cors), true,
     "CORS filters are not implemented yet; ignored (no CORS headers are added)"},
    {"ExternalAuth", "externalAuth", offsetof(struct mf_http_filter, external_auth), true,
     "ExternalAuth filters are not implemented yet; the filter fails closed: every request it "
     "applies to gets HTTP 500 and reaches no backend"},
};

static const char *const mf_http_filter_types[] = {"RequestHeaderModifier",
                                                   "ResponseHeaderModifier",
                                                   "RequestMirror",
                                                   "RequestRedirect",
                                                   "URLRewrite",
                                                   "ExtensionRef",
                                                   "CORS",
                                                   "ExternalAuth",
                                                   NULL};

static bool
mf_http_filter_has(const struct mf_http_filter *f, size_t k)
{
    const unsigned char *member = (const unsigned char *)f + mf_http_filter_kinds[k].offset;

    if (mf_http_filter_kinds[k].raw)
        return ((const struct mf_raw *)(const void *)member)->node != NULL;
    return *(void *const *)(const void *)member != NULL;
}

/* Where a filter's member starts (it must be present). */
static const struct mf_pos *
mf_http_filter_member_pos(const struct mf_http_filter *f, size_t k)
{
    const unsigned char *member = (const unsigned char *)f + mf_http_filter_kinds[k].offset;

    if (mf_http_filter_kinds[k].raw)
        return &((const struct mf_raw *)(const void *)member)->pos;
    return *(const struct mf_pos *const *)(const void *)member;
}

/* The member named by type must be set, and no other. */
static void
mf_http_validate_filter(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_filter *f = obj;
    char p[MF_PATH_MAX];

    if (f->type.v != NULL && !mf_gw_word_in(f->type.v, mf_http_filter_types))
        return; /* reported as not one of the types */
    for (size_t k = 0; k < sizeof(mf_http_filter_kinds) / sizeof(mf_http_filter_kinds[0]); k++) {
        const char *type = mf_http_filter_kinds[k].type, *field = mf_http_filter_kinds[k].field;
        bool is_type = mf_str_eq(&f->type, type), has = mf_http_filter_has(f, k);

        mf_path_field(p, path, field);
        if (has && !is_type && f->type.v != NULL)
            mf_error(ctx, mf_http_filter_member_pos(f, k), p,
                     "filter.%s must be nil if the filter.type is not %s", field, type);
        else if (!has && is_type)
            mf_error(ctx, &f->pos, p, "filter.%s must be specified for %s filter.type", field,
                     type);
        if (is_type && mf_http_filter_kinds[k].unsupported != NULL)
            mf_warn(ctx, &f->type.pos, mf_path_field(p, path, "type"), "%s",
                    mf_http_filter_kinds[k].unsupported);
    }
}

static const struct mf_field mf_http_filter_fields[] = {
    MF_F_STR(struct mf_http_filter, type, "type", .flags = MF_REQUIRED,
             .enums = mf_http_filter_types),
    MF_F_OBJ(struct mf_http_filter, request_header_modifier, "requestHeaderModifier",
             &mf_http_header_filter_schema, struct mf_http_header_filter),
    MF_F_OBJ(struct mf_http_filter, response_header_modifier, "responseHeaderModifier",
             &mf_http_header_filter_schema, struct mf_http_header_filter),
    MF_F_OBJ(struct mf_http_filter, request_redirect, "requestRedirect", &mf_http_redirect_schema,
             struct mf_http_redirect),
    MF_F_OBJ(struct mf_http_filter, url_rewrite, "urlRewrite", &mf_http_rewrite_schema,
             struct mf_http_rewrite),
    MF_F_OBJ(struct mf_http_filter, request_mirror, "requestMirror", &mf_http_mirror_schema,
             struct mf_http_mirror),
    MF_F_OBJ(struct mf_http_filter, extension_ref, "extensionRef", &mf_gw_local_ref_schema,
             struct mf_gw_objref),
    MF_F_RAW(struct mf_http_filter, cors, "cors"),
    MF_F_RAW(struct mf_http_filter, external_auth, "externalAuth"),
};
static const struct mf_schema mf_http_filter_schema =
    MF_SCHEMA("filter", mf_http_filter_fields, mf_http_validate_filter);

/* Filter types of which a list may hold at most one. */
static const char *const mf_http_single_filters[] = {
    "CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite",
    NULL};

/* The list rules, for rule filters and backendRef filters alike. */
static void
mf_http_check_filter_list(struct mf_ctx *ctx, const struct mf_list *filters, const char *path)
{
    char p[MF_PATH_MAX];
    int redirect = -1, rewrite = -1;

    for (uint32_t i = 0; i < filters->n; i++) {
        const struct mf_http_filter *f = MF_LIST_AT(*filters, struct mf_http_filter, i);
        if (f->type.v == NULL)
            continue;
        for (uint32_t j = 0; j < i && mf_gw_word_in(f->type.v, mf_http_single_filters); j++)
            if (mf_gw_eq(&f->type, &MF_LIST_AT(*filters, struct mf_http_filter, j)->type)) {
                mf_error(ctx, &f->type.pos, mf_gw_path_at(p, path, i, "type"),
                         "%s filter cannot be repeated (also filters[%u])", f->type.v, j);
                break;
            }
        if (redirect < 0 && mf_str_eq(&f->type, "RequestRedirect"))
            redirect = (int)i;
        if (rewrite < 0 && mf_str_eq(&f->type, "URLRewrite"))
            rewrite = (int)i;
    }
    if (redirect >= 0 && rewrite >= 0) {
        uint32_t later = (uint32_t)(redirect > rewrite ? redirect : rewrite);
        mf_error(ctx, &MF_LIST_AT(*filters, struct mf_http_filter, later)->type.pos,
                 mf_gw_path_at(p, path, later, "type"),
                 "May specify either httpRouteFilterRequestRedirect or "
                 "httpRouteFilterRequestRewrite, but not both");
    }
}

/* ---- HTTPRoute: rules ---------------------------------------------------- */

static const struct mf_field mf_http_backend_ref_fields[] = {
    MF_GW_F_GROUP(struct mf_http_backend_ref, 0),
    MF_GW_F_KIND(struct mf_http_backend_ref, 0),
    MF_GW_F_NAME(struct mf_http_backend_ref, MF_REQUIRED),
    MF_GW_F_NAMESPACE(struct mf_http_backend_ref),
    MF_F_INT(struct mf_http_backend_ref, port, "port", .min = 1, .max = 65535),
    MF_F_INT(struct mf_http_backend_ref, weight, "weight", .min = 0, .max = 1000000),
    MF_F_OBJLIST(struct mf_http_backend_ref, filters, "filters", &mf_http_filter_schema,
                 struct mf_http_filter, .max = 16),
};
static const struct mf_schema mf_http_backend_ref_schema =
    MF_SCHEMA("backendRef", mf_http_backend_ref_fields, mf_http_validate_backend_ref);

static void
mf_http_validate_timeouts(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_timeouts *t = obj;
    char p[MF_PATH_MAX];

    t->request_ms = t->backend_request_ms = -1;
    if (t->request.v != NULL &&
        mf_gw_parse_duration(t->request.v, t->request.len, &t->request_ms) != 0)
        t->request_ms = -1;
    if (t->backend_request.v != NULL &&
        mf_gw_parse_duration(t->backend_request.v, t->backend_request.len,
                             &t->backend_request_ms) != 0)
        t->backend_request_ms = -1;
    if (t->request_ms > 0 && t->backend_request_ms > t->request_ms)
        mf_error(ctx, &t->backend_request.pos, mf_path_field(p, path, "backendRequest"),
                 "backendRequest timeout cannot be longer than request timeout (%.20s > %.20s)",
                 t->backend_request.v, t->request.v);
}

static const struct mf_field mf_http_timeouts_fields[] = {
    MF_F_STR(struct mf_http_timeouts, request, "request", .check = mf_gw_check_duration),
    MF_F_STR(struct mf_http_timeouts, backend_request, "backendRequest",
             .check = mf_gw_check_duration),
};
static const struct mf_schema mf_http_timeouts_schema =
    MF_SCHEMA("timeouts", mf_http_timeouts_fields, mf_http_validate_timeouts);

/* A rule that can carry ReplacePrefixMatch: exactly one match, on a path
 * prefix. Absent matches and absent path parts take the CRD defaults
 * (one match, PathPrefix "/"). */
static bool
mf_http_has_single_prefix_match(const struct mf_http_rule *r)
{
    const struct mf_http_route_match *m;

    if (!r->matches.set)
        return true;
    if (r->matches.n != 1)
        return false;
    m = MF_LIST_AT(r->matches, struct mf_http_route_match, 0);
    return m->path == NULL || m->path->type.v == NULL || mf_str_eq(&m->path->type, "PathPrefix");
}

static const struct mf_http_path_modifier *
mf_http_prefix_modifier(const struct mf_http_filter *f, const char **kind)
{
    const struct mf_http_path_modifier *m = NULL;

    if (f->request_redirect != NULL) {
        m = f->request_redirect->path;
        *kind = "RequestRedirect";
    } else if (f->url_rewrite != NULL) {
        m = f->url_rewrite->path;
        *kind = "URLRewrite";
    }
    if (m == NULL || !mf_str_eq(&m->type, "ReplacePrefixMatch") ||
        m->replace_prefix_match.v == NULL)
        return NULL;
    return m;
}

static void
mf_http_check_prefix_filters(struct mf_ctx *ctx, const struct mf_http_rule *r,
                             const struct mf_list *filters, const char *path, bool in_backend)
{
    char p[MF_PATH_MAX], fp[MF_PATH_MAX];

    if (mf_http_has_single_prefix_match(r))
        return;
    for (uint32_t i = 0; i < filters->n; i++) {
        const char *kind = NULL;
        const struct mf_http_path_modifier *m =
            mf_http_prefix_modifier(MF_LIST_AT(*filters, struct mf_http_filter, i), &kind);
        if (m == NULL)
            continue;
        mf_gw_path_at(fp, path, i,
                      strcmp(kind, "URLRewrite") == 0 ? "urlRewrite" : "requestRedirect");
        mf_path_field(p, fp, "path.replacePrefixMatch");
        mf_error(ctx, &m->replace_prefix_match.pos, p,
                 in_backend ? "Within backendRefs, when using %s filter with "
                              "path.replacePrefixMatch, exactly one PathPrefix match must be "
                              "specified"
                            : "When using %s filter with path.replacePrefixMatch, exactly one "
                              "PathPrefix match must be specified",
                 kind);
    }
}

static void
mf_http_validate_rule(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_http_rule *r = obj;
    char fp[MF_PATH_MAX], p[MF_PATH_MAX];
    bool redirects = false;

    mf_path_field(fp, path, "filters");
    mf_http_check_filter_list(ctx, &r->filters, fp);
    mf_http_check_prefix_filters(ctx, r, &r->filters, fp, false);
    for (uint32_t i = 0; i < r->filters.n; i++) {
        const struct mf_http_filter *f = MF_LIST_AT(r->filters, struct mf_http_filter, i);
        if (f->request_redirect == NULL)
            continue;
        redirects = true;
        if (r->backend_refs.n > 0)
            mf_error(ctx, &f->request_redirect->pos, mf_gw_path_at(p, fp, i, "requestRedirect"),
                     "RequestRedirect filter must not be used together with backendRefs");
    }
    for (uint32_t i = 0; i < r->backend_refs.n; i++) {
        char bp[MF_PATH_MAX];
        mf_gw_path_at(bp, mf_path_field(p, path, "backendRefs"), i, "filters");
        mf_http_check_prefix_filters(
            ctx, r, &MF_LIST_AT(r->backend_refs, struct mf_http_backend_ref, i)->filters, bp, true);
    }
    if (r->backend_refs.n == 0 && !redirects)
        mf_warn(ctx, &r->pos, path,
                "the rule has no backendRefs and no RequestRedirect: requests matching it get "
                "HTTP 500");
}

static const struct mf_field mf_http_rule_fields[] = {
    MF_F_STR(struct mf_http_rule, name, "name", .max = 253, .check = mf_check_dns1123_subdomain),
    MF_F_OBJLIST(struct mf_http_rule, matches, "matches", &mf_http_route_match_schema,
                 struct mf_http_route_match, .max = 64),
    MF_F_OBJLIST(struct mf_http_rule, filters, "filters", &mf_http_filter_schema,
                 struct mf_http_filter, .max = 16),
    MF_F_OBJLIST(struct mf_http_rule, backend_refs, "backendRefs", &mf_http_backend_ref_schema,
                 struct mf_http_backend_ref, .max = 16),
    MF_F_OBJ(struct mf_http_rule, timeouts, "timeouts", &mf_http_timeouts_schema,
             struct mf_http_timeouts),
    MF_F_SKIP("retry", MF_UNSUPPORTED, "failed requests are not retried"),
    MF_F_SKIP("sessionPersistence", MF_UNSUPPORTED,
              "requests are balanced without session affinity"),
};
static const struct mf_schema mf_http_rule_schema =
    MF_SCHEMA("rule", mf_http_rule_fields, mf_http_validate_rule);

/* ---- HTTPRoute ----------------------------------------------------------- */

/* Same parent object: group, kind, namespace and name after defaulting. */
static bool
mf_http_same_parent(const struct mf_gw_parent_ref *a, const struct mf_gw_parent_ref *b)
{
    return strcmp(mf_gw_or(&a->group, MF_GW_GROUP), mf_gw_or(&b->group, MF_GW_GROUP)) == 0 &&
           strcmp(mf_gw_or(&a->kind, "Gateway"), mf_gw_or(&b->kind, "Gateway")) == 0 &&
           strcmp(mf_gw_or(&a->namespace, ""), mf_gw_or(&b->namespace, "")) == 0 &&
           mf_gw_eq(&a->name, &b->name);
}

/* Several refs to one parent must each select a different part of it: all
 * set the same optional fields (sectionName, port), to distinct values. */
static void
mf_http_check_parent_refs(struct mf_ctx *ctx, const struct mf_list *refs, const char *path)
{
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; i < refs->n; i++) {
        const struct mf_gw_parent_ref *a = MF_LIST_AT(*refs, struct mf_gw_parent_ref, i);
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_gw_parent_ref *b = MF_LIST_AT(*refs, struct mf_gw_parent_ref, j);
            bool a_sec = a->section_name.len > 0, b_sec = b->section_name.len > 0;
            if (!mf_http_same_parent(a, b))
                continue;
            mf_path_index(p, path, i);
            if (a_sec != b_sec || a->port.set != b->port.set)
                mf_error(ctx, &a->pos, p,
                         "sectionName or port must be specified when parentRefs includes 2 or "
                         "more references to the same parent (see parentRefs[%u])",
                         j);
            else if ((!a_sec || mf_gw_eq(&a->section_name, &b->section_name)) &&
                     (!a->port.set || a->port.v == b->port.v))
                mf_error(ctx, &a->pos, p,
                         "sectionName or port must be unique when parentRefs includes 2 or more "
                         "references to the same parent (parentRefs[%u] is the same)",
                         j);
            else
                continue;
            break;
        }
    }
}

static void
mf_http_check_rules(struct mf_ctx *ctx, const struct mf_list *rules, const char *path)
{
    char p[MF_PATH_MAX];
    uint32_t matches = 0;

    for (uint32_t i = 0; i < rules->n; i++) {
        const struct mf_http_rule *a = MF_LIST_AT(*rules, struct mf_http_rule, i);
        matches += a->matches.set ? a->matches.n : 1;
        for (uint32_t j = 0; j < i && a->name.v != NULL; j++)
            if (mf_gw_eq(&a->name, &MF_LIST_AT(*rules, struct mf_http_rule, j)->name)) {
                mf_error(ctx, &a->name.pos, mf_gw_path_at(p, path, i, "name"),
                         "Rule name must be unique within the route (\"%.60s\" is also "
                         "rules[%u])",
                         a->name.v, j);
                break;
            }
    }
    if (matches > 128)
        mf_error(ctx, &rules->pos, path,
                 "While 16 rules and 64 matches per rule are allowed, the total number of "
                 "matches across all rules in a route must be less than 128 (it is %u)",
                 matches);
}

static void
mf_http_validate_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_httproute_spec *s = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_count(ctx, &s->hostnames, mf_path_field(p, path, "hostnames"), 16);
    mf_http_check_parent_refs(ctx, &s->parent_refs, mf_path_field(p, path, "parentRefs"));
    mf_http_check_rules(ctx, &s->rules, mf_path_field(p, path, "rules"));
    if (s->parent_refs.n == 0)
        mf_warn(ctx, &s->pos, mf_path_field(p, path, "parentRefs"),
                "the route has no parentRefs: it attaches to no Gateway and serves nothing");
}

static const struct mf_field mf_httproute_spec_fields[] = {
    MF_F_OBJLIST(struct mf_httproute_spec, parent_refs, "parentRefs", &mf_http_parent_ref_schema,
                 struct mf_gw_parent_ref, .max = 32),
    /* At most 16: counted in mf_http_validate_spec (a list's .max would bound
     * the length of each hostname instead). */
    MF_F_STRLIST(struct mf_httproute_spec, hostnames, "hostnames", .check = mf_check_gw_hostname),
    MF_F_OBJLIST(struct mf_httproute_spec, rules, "rules", &mf_http_rule_schema,
                 struct mf_http_rule, .flags = MF_NONEMPTY, .max = 16),
    MF_F_SKIP("useDefaultGateways", MF_UNSUPPORTED, "the route attaches only through parentRefs"),
};
static const struct mf_schema mf_httproute_spec_schema =
    MF_SCHEMA("HTTPRoute spec", mf_httproute_spec_fields, mf_http_validate_spec);

static const struct mf_field mf_httproute_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_httproute, spec, "spec", &mf_httproute_spec_schema, struct mf_httproute_spec,
             .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_httproute_schema =
    MF_SCHEMA("HTTPRoute", mf_httproute_fields, NULL);

/* ---- ReferenceGrant ------------------------------------------------------ */

static const struct mf_field mf_gw_grant_from_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_grant_from, MF_REQUIRED),
    MF_GW_F_KIND(struct mf_gw_grant_from, MF_REQUIRED),
    MF_F_STR(struct mf_gw_grant_from, namespace, "namespace", .flags = MF_REQUIRED, .max = 63,
             .check = mf_gw_check_namespace),
};
static const struct mf_schema mf_gw_grant_from_schema =
    MF_SCHEMA("from", mf_gw_grant_from_fields, NULL);

static void
mf_gw_validate_grant_to(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_gw_grant_to *t = obj;
    char p[MF_PATH_MAX];

    mf_gw_check_ref_name(ctx, &t->name, t->group.v, t->kind.v, mf_path_field(p, path, "name"));
}

static const struct mf_field mf_gw_grant_to_fields[] = {
    MF_GW_F_GROUP(struct mf_gw_grant_to, MF_REQUIRED),
    MF_GW_F_KIND(struct mf_gw_grant_to, MF_REQUIRED),
    MF_GW_F_NAME(struct mf_gw_grant_to, 0),
};
static const struct mf_schema mf_gw_grant_to_schema =
    MF_SCHEMA("to", mf_gw_grant_to_fields, mf_gw_validate_grant_to);

static const struct mf_field mf_referencegrant_spec_fields[] = {
    MF_F_OBJLIST(struct mf_referencegrant_spec, from, "from", &mf_gw_grant_from_schema,
                 struct mf_gw_grant_from, .flags = MF_REQUIRED | MF_NONEMPTY, .max = 16),
    MF_F_OBJLIST(struct mf_referencegrant_spec, to, "to", &mf_gw_grant_to_schema,
                 struct mf_gw_grant_to, .flags = MF_REQUIRED | MF_NONEMPTY, .max = 16),
};
static const struct mf_schema mf_referencegrant_spec_schema =
    MF_SCHEMA("ReferenceGrant spec", mf_referencegrant_spec_fields, NULL);

static void
mf_validate_referencegrant(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_referencegrant *g = obj;

    (void)path;
    if (g->spec == NULL)
        mf_warn(ctx, &g->pos, "spec", "a ReferenceGrant without spec grants nothing");
}

static const struct mf_field mf_referencegrant_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_referencegrant, spec, "spec", &mf_referencegrant_spec_schema,
             struct mf_referencegrant_spec),
};
static const struct mf_schema mf_referencegrant_schema =
    MF_SCHEMA("ReferenceGrant", mf_referencegrant_fields, mf_validate_referencegrant);

/* ---- kinds --------------------------------------------------------------- */

static const char *const mf_gw_v1[] = {"v1", NULL};
static const char *const mf_gw_v1beta1[] = {"v1beta1", NULL};
/* ReferenceGrant is served as v1 since Gateway API v1.5 and still as v1beta1. */
static const char *const mf_gw_grant_versions[] = {"v1", "v1beta1", NULL};

static const struct mf_kind mf_kind_gatewayclass = {
    .id = MF_KIND_GATEWAYCLASS,
    .group = MF_GW_GROUP,
    .versions = mf_gw_v1,
    .old_versions = mf_gw_v1beta1,
    .name = "GatewayClass",
    .namespaced = false,
    .size = sizeof(struct mf_gatewayclass),
    .schema = &mf_gatewayclass_schema,
};

static const struct mf_kind mf_kind_gateway = {
    .id = MF_KIND_GATEWAY,
    .group = MF_GW_GROUP,
    .versions = mf_gw_v1,
    .old_versions = mf_gw_v1beta1,
    .name = "Gateway",
    .namespaced = true,
    .size = sizeof(struct mf_gateway),
    .schema = &mf_gateway_schema,
};

static const struct mf_kind mf_kind_httproute = {
    .id = MF_KIND_HTTPROUTE,
    .group = MF_GW_GROUP,
    .versions = mf_gw_v1,
    .old_versions = mf_gw_v1beta1,
    .name = "HTTPRoute",
    .namespaced = true,
    .size = sizeof(struct mf_httproute),
    .schema = &mf_httproute_schema,
};

static const struct mf_kind mf_kind_referencegrant = {
    .id = MF_KIND_REFERENCEGRANT,
    .group = MF_GW_GROUP,
    .versions = mf_gw_grant_versions,
    .name = "ReferenceGrant",
    .namespaced = true,
    .size = sizeof(struct mf_referencegrant),
    .schema = &mf_referencegrant_schema,
};

const struct mf_kind *const mf_kinds_gateway[] = {
    &mf_kind_gatewayclass,
    &mf_kind_gateway,
    &mf_kind_httproute,
    &mf_kind_referencegrant,
};
const size_t mf_kinds_gateway_count = sizeof(mf_kinds_gateway) / sizeof(mf_kinds_gateway[0]);

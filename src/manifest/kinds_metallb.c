/*
 * MetalLB kinds (metallb.io): schemas and the rules MetalLB's webhook
 * applies to one object at a time (V-rules of shared/reference/metallb.md
 * section 5). Rules across objects (overlapping pools, references, local
 * preference conflicts) live in model/metallb.c.
 *
 * Deliberate differences from MetalLB:
 *   - MetalLB's native-mode restrictions do not apply: metalgate's speaker
 *     does IPv6, large communities, keepaliveTime, BFD and graceful restart.
 *     The FRR-mode rules that pair peers (same routerID/myASN on a node) do
 *     not apply either.
 *   - FRR-only fields metalgate does not implement (interface, vrf,
 *     localASN, dualStackAddressFamily) are decoded, so their types are
 *     checked, and draw a "not implemented yet" warning.
 *   - BGPPeer v1beta1 is read with the v1beta2 schema (the conversion
 *     MetalLB's webhook does), after a deprecation warning.
 *   - Community alias names may not contain ':' (they would read as a
 *     community value), and the well-known community names are accepted
 *     (see mf_community_parse()).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/ipaddr.h"
#include "manifest/kinds.h"

#define MF_NS_PER_S 1000000000LL

/* Linux TCP_MD5SIG_MAXKEYLEN: the kernel refuses longer TCP-MD5 keys. */
#define MF_TCP_MD5_MAX_KEY 80

/* BGP OPEN carries the hold time in 16 bits (RFC 4271 section 4.2). */
#define MF_BGP_HOLD_MAX_S 65535

static const char *const mf_metallb_v1beta1[] = {"v1beta1", NULL};
static const char *const mf_metallb_v1beta2[] = {"v1beta2", NULL};

static void
mf_ml_unsupported(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path,
                  const char *note)
{
    mf_warn(ctx, pos, path, "not implemented yet; ignored: %s", note);
}

static bool
mf_ml_has_line_break(const struct mf_str *s)
{
    return s->v != NULL && (memchr(s->v, '\n', s->len) || memchr(s->v, '\r', s->len));
}

/* Formats a duration for messages: "90s", "1.5s", "300ms" or "7ns". */
static char *
mf_ml_format_duration(int64_t ns, char *buf, size_t size)
{
    long long ms = (long long)(ns / 1000000);
    int len;

    if (ns % 1000000 != 0)
        snprintf(buf, size, "%lldns", (long long)ns);
    else if (ms % 1000 == 0 || (ms > -1000 && ms < 1000))
        snprintf(buf, size, ms % 1000 == 0 ? "%llds" : "%lldms", ms % 1000 == 0 ? ms / 1000 : ms);
    else {
        len = snprintf(buf, size, "%s%lld.%03lld", ms < 0 ? "-" : "", (ms < 0 ? -ms : ms) / 1000,
                       (ms < 0 ? -ms : ms) % 1000);
        while (len > 0 && (size_t)len < size && buf[len - 1] == '0')
            buf[--len] = '\0';
        if ((size_t)len + 1 < size) {
            buf[len] = 's';
            buf[len + 1] = '\0';
        }
    }
    return buf;
}

/* ---- label selectors (MetalLB's duplicate rules) ----------------------- */

static bool
mf_ml_strlist_has(const struct mf_list *l, const struct mf_str *s)
{
    for (uint32_t i = 0; i < l->n; i++) {
        const struct mf_str *v = MF_LIST_AT(*l, struct mf_str, i);
        if (v->v != NULL && s->v != NULL && v->len == s->len && memcmp(v->v, s->v, s->len) == 0)
            return true;
    }
    return false;
}

static bool
mf_ml_str_same(const struct mf_str *a, const struct mf_str *b)
{
    if (a->v == NULL || b->v == NULL)
        return a->v == b->v;
    return a->len == b->len && memcmp(a->v, b->v, a->len) == 0;
}

static bool
mf_ml_requirement_equal(const struct mf_label_requirement *a,
                        const struct mf_label_requirement *b)
{
    if (!mf_ml_str_same(&a->key, &b->key) || !mf_ml_str_same(&a->op, &b->op) ||
        a->values.n != b->values.n)
        return false;
    for (uint32_t i = 0; i < a->values.n; i++)
        if (!mf_ml_strlist_has(&b->values, MF_LIST_AT(a->values, struct mf_str, i)))
            return false;
    for (uint32_t i = 0; i < b->values.n; i++)
        if (!mf_ml_strlist_has(&a->values, MF_LIST_AT(b->values, struct mf_str, i)))
            return false;
    return true;
}

bool
mf_metallb_selector_equal(const struct mf_label_selector *a, const struct mf_label_selector *b)
{
    if (a->match_labels.n != b->match_labels.n ||
        a->match_expressions.n != b->match_expressions.n)
        return false;
    for (uint32_t i = 0; i < a->match_labels.n; i++) {
        const struct mf_kv *kv = &a->match_labels.v[i];
        const struct mf_str *other = mf_strmap_get(&b->match_labels, kv->key.v);
        if (other == NULL || !mf_ml_str_same(other, &kv->value))
            return false;
    }
    for (uint32_t i = 0; i < a->match_expressions.n; i++)
        if (!mf_ml_requirement_equal(
                MF_LIST_AT(a->match_expressions, struct mf_label_requirement, i),
                MF_LIST_AT(b->match_expressions, struct mf_label_requirement, i)))
            return false;
    return true;
}

/* Duplicate values inside an expression, and duplicate expressions. */
static void
mf_ml_check_expressions(struct mf_ctx *ctx, const struct mf_label_selector *sel,
                        const char *path)
{
    char epath[MF_PATH_MAX], rpath[MF_PATH_MAX], vpath[MF_PATH_MAX];

    mf_path_field(epath, path, "matchExpressions");
    for (uint32_t i = 0; i < sel->match_expressions.n && i < 4096; i++) {
        const struct mf_label_requirement *r =
            MF_LIST_AT(sel->match_expressions, struct mf_label_requirement, i);

        mf_path_index(rpath, epath, i);
        mf_check_no_duplicates(ctx, &r->values, mf_path_field(vpath, rpath, "values"),
                               "match expression value");
        for (uint32_t j = 0; j < i; j++)
            if (mf_ml_requirement_equal(
                    r, MF_LIST_AT(sel->match_expressions, struct mf_label_requirement, j))) {
                mf_error(ctx, &r->pos, rpath,
                         "duplicate definition of match expressions (same as index %u)", j);
                break;
            }
    }
}

/* V5/V12/V17: MetalLB rejects a selector list with two equal selectors. */
static void
mf_ml_check_selectors(struct mf_ctx *ctx, const struct mf_list *sels, const char *parent,
                      const char *field)
{
    char path[MF_PATH_MAX], ipath[MF_PATH_MAX];

    mf_path_field(path, parent, field);
    for (uint32_t i = 0; i < sels->n && i < 4096; i++) {
        const struct mf_label_selector *a = MF_LIST_AT(*sels, struct mf_label_selector, i);

        mf_path_index(ipath, path, i);
        mf_ml_check_expressions(ctx, a, ipath);
        for (uint32_t j = 0; j < i; j++)
            if (mf_metallb_selector_equal(a, MF_LIST_AT(*sels, struct mf_label_selector, j))) {
                mf_error(ctx, &a->pos, ipath,
                         "duplicate definition of %s (same selector as index %u)", field, j);
                break;
            }
    }
}

/* ---- IPAddressPool ------------------------------------------------------ */

int
mf_parse_pool_entry(const char *s, size_t len, struct ip_addr *first, struct ip_addr *last,
                    const char **err)
{
    const char *dash = memchr(s, '-', len);
    struct ip_prefix p;

    if (dash == NULL) {
        if (ip_prefix_parse(s, len, &p, err) != 0)
            return -1;
        *first = p.addr;
        *last = ip_prefix_last(&p);
        return 0;
    }
    {
        size_t alen = (size_t)(dash - s), blen = len - alen - 1;
        const char *b = dash + 1;

        while (alen > 0 && s[alen - 1] == ' ')
            alen--;
        while (blen > 0 && *b == ' ')
            b++, blen--;
        while (blen > 0 && b[blen - 1] == ' ')
            blen--;
        while (alen > 0 && *s == ' ')
            s++, alen--;
        if (ip_parse(s, alen, first) != 0) {
            *err = "the start is not an IP address";
            return -1;
        }
        if (ip_parse(b, blen, last) != 0) {
            *err = "the end is not an IP address";
            return -1;
        }
    }
    if (first->family != last->family) {
        *err = "start and end are of different address families";
        return -1;
    }
    if (ip_addr_cmp(first, last) > 0) {
        *err = "start is after end";
        return -1;
    }
    return 0;
}

static void
mf_check_pool_entry(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_addr first, last;
    const char *why;

    if (s->v == NULL) /* the decoder reported why */
        return;
    if (mf_parse_pool_entry(s->v, s->len, &first, &last, &why) != 0)
        mf_error(ctx, &s->pos, path, "\"%.100s\" is not a valid %s: %s", s->v,
                 memchr(s->v, '-', s->len) ? "range" : "CIDR", why);
}

static void
mf_validate_pool_allocation(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_pool_allocation *a = obj;
    char p[MF_PATH_MAX];

    mf_check_no_duplicates(ctx, &a->namespaces, mf_path_field(p, path, "namespaces"),
                           "namespace");
    mf_ml_check_selectors(ctx, &a->namespace_selectors, path, "namespaceSelectors");
    mf_ml_check_selectors(ctx, &a->service_selectors, path, "serviceSelectors");
}

static const struct mf_field mf_pool_allocation_fields[] = {
    MF_F_INT(struct mf_pool_allocation, priority, "priority", .min = 0, .max = 2147483647),
    MF_F_STRLIST(struct mf_pool_allocation, namespaces, "namespaces",
                 .check = mf_check_dns1123_label),
    MF_F_OBJLIST(struct mf_pool_allocation, namespace_selectors, "namespaceSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_OBJLIST(struct mf_pool_allocation, service_selectors, "serviceSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
};
static const struct mf_schema mf_pool_allocation_schema =
    MF_SCHEMA("serviceAllocation", mf_pool_allocation_fields, mf_validate_pool_allocation);

static const struct mf_field mf_pool_spec_fields[] = {
    MF_F_STRLIST(struct mf_pool_spec, addresses, "addresses", .flags = MF_REQUIRED,
                 .check = mf_check_pool_entry),
    MF_F_BOOL(struct mf_pool_spec, auto_assign, "autoAssign"),
    MF_F_BOOL(struct mf_pool_spec, avoid_buggy_ips, "avoidBuggyIPs"),
    MF_F_OBJ(struct mf_pool_spec, service_allocation, "serviceAllocation",
             &mf_pool_allocation_schema, struct mf_pool_allocation),
};

static void
mf_validate_pool_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_pool_spec *s = obj;
    char p[MF_PATH_MAX];

    if (s->addresses.set && s->addresses.n == 0)
        mf_error(ctx, &s->addresses.pos, mf_path_field(p, path, "addresses"),
                 "pool has no prefixes defined");
}

static const struct mf_schema mf_pool_spec_schema =
    MF_SCHEMA("IPAddressPool spec", mf_pool_spec_fields, mf_validate_pool_spec);

static const struct mf_field mf_pool_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_ipaddresspool, spec, "spec", &mf_pool_spec_schema, struct mf_pool_spec,
             .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_pool_schema = MF_SCHEMA("IPAddressPool", mf_pool_fields, NULL);

static const struct mf_kind mf_kind_ipaddresspool = {
    .id = MF_KIND_IPADDRESSPOOL,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "IPAddressPool",
    .namespaced = true,
    .size = sizeof(struct mf_ipaddresspool),
    .schema = &mf_pool_schema,
};

/* ---- communities -------------------------------------------------------- */

/* Well-known communities (RFC 1997, RFC 3765). MetalLB has none built in. */
static const struct {
    const char *name;
    uint32_t value;
} mf_well_known_communities[] = {
    {"no-export", 0xFFFFFF01u},
    {"no-advertise", 0xFFFFFF02u},
    {"no-export-subconfed", 0xFFFFFF03u},
    {"no-peer", 0xFFFFFF04u},
};

/* A decimal number without sign, as Go's strconv.ParseUint(s, 10, n) reads it. */
static bool
mf_parse_decimal(const char *s, size_t len, uint64_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool
mf_community_well_known(const char *s, size_t len, struct mf_community *out)
{
    for (size_t i = 0; i < sizeof(mf_well_known_communities) / sizeof(mf_well_known_communities[0]);
         i++) {
        const char *name = mf_well_known_communities[i].name;
        if (strlen(name) == len && strncasecmp(name, s, len) == 0) {
            out->type = MF_COMMUNITY_LEGACY;
            out->v[0] = mf_well_known_communities[i].value;
            out->v[1] = out->v[2] = 0;
            return true;
        }
    }
    return false;
}

enum mf_community_status
mf_community_parse(const char *s, size_t len, struct mf_community *out, const char **err)
{
    const char *part[4];
    size_t plen[4], n = 0, start = 0;
    uint32_t a, b;
    const char *why = NULL;

    if (mf_community_well_known(s, len, out))
        return MF_COMMUNITY_OK;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ':')
            continue;
        if (n == 4)
            return MF_COMMUNITY_NOT_LITERAL;
        part[n] = s + start;
        plen[n++] = i - start;
        start = i + 1;
    }
    if (n == 2) {
        if (mf_parse_decimal(part[0], plen[0], 0xFFFF, &a) &&
            mf_parse_decimal(part[1], plen[1], 0xFFFF, &b)) {
            out->type = MF_COMMUNITY_LEGACY;
            out->v[0] = a << 16 | b;
            out->v[1] = out->v[2] = 0;
            return MF_COMMUNITY_OK;
        }
        why = "both numbers of A:B must be from 0 to 65535";
    } else if (n == 4) {
        out->type = MF_COMMUNITY_LARGE;
        if (plen[0] != 5 || memcmp(part[0], "large", 5) != 0)
            why = "invalid marker for large community: expected large:<uint32>:<uint32>:<uint32>";
        for (size_t i = 1; i < 4 && why == NULL; i++)
            if (!mf_parse_decimal(part[i], plen[i], 0xFFFFFFFFu, &out->v[i - 1]))
                why = "the three numbers of large:A:B:C must be from 0 to 4294967295";
        if (why == NULL)
            return MF_COMMUNITY_OK;
    } else {
        return MF_COMMUNITY_NOT_LITERAL;
    }
    if (err != NULL)
        *err = why;
    return MF_COMMUNITY_INVALID;
}

char *
mf_community_format(const struct mf_community *c, char *buf, size_t size)
{
    if (c->type == MF_COMMUNITY_LARGE)
        snprintf(buf, size, "large:%u:%u:%u", c->v[0], c->v[1], c->v[2]);
    else
        snprintf(buf, size, "%u:%u", c->v[0] >> 16, c->v[0] & 0xFFFFu);
    return buf;
}

/* ---- Community ---------------------------------------------------------- */

static void
mf_validate_alias(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_community_alias *a = obj;
    struct mf_community wk;
    char p[MF_PATH_MAX], buf[48];
    const char *why = NULL;

    if (a->name.v != NULL && memchr(a->name.v, ':', a->name.len) != NULL)
        mf_error(ctx, &a->name.pos, mf_path_field(p, path, "name"),
                 "alias name \"%.80s\" must not contain ':': it would read as a community value",
                 a->name.v);
    else if (a->name.v != NULL && mf_community_well_known(a->name.v, a->name.len, &wk))
        mf_warn(ctx, &a->name.pos, mf_path_field(p, path, "name"),
                "alias \"%.80s\" replaces the well-known community of that name (%s)", a->name.v,
                mf_community_format(&wk, buf, sizeof(buf)));
    if (a->value.v == NULL)
        return;
    switch (mf_community_parse(a->value.v, a->value.len, &a->parsed, &why)) {
    case MF_COMMUNITY_OK:
        break;
    case MF_COMMUNITY_NOT_LITERAL:
        mf_error(ctx, &a->value.pos, mf_path_field(p, path, "value"),
                 "invalid community format \"%.80s\": use A:B (two numbers 0-65535) or "
                 "large:A:B:C (three numbers 0-4294967295)",
                 a->value.v);
        break;
    case MF_COMMUNITY_INVALID:
        mf_error(ctx, &a->value.pos, mf_path_field(p, path, "value"),
                 "invalid community value \"%.80s\": %s", a->value.v, why);
        break;
    }
}

static const struct mf_field mf_alias_fields[] = {
    MF_F_STR(struct mf_community_alias, name, "name", .flags = MF_REQUIRED | MF_NONEMPTY),
    MF_F_STR(struct mf_community_alias, value, "value", .flags = MF_REQUIRED | MF_NONEMPTY),
};
static const struct mf_schema mf_alias_schema =
    MF_SCHEMA("community alias", mf_alias_fields, mf_validate_alias);

/* V19: an alias name defined twice in one object (model/ checks across objects). */
static void
mf_validate_community_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_community_spec *s = obj;
    char lpath[MF_PATH_MAX], ipath[MF_PATH_MAX], npath[MF_PATH_MAX];

    mf_path_field(lpath, path, "communities");
    for (uint32_t i = 0; i < s->communities.n && i < 4096; i++) {
        const struct mf_community_alias *a =
            MF_LIST_AT(s->communities, struct mf_community_alias, i);
        for (uint32_t j = 0; j < i && a->name.v != NULL; j++) {
            const struct mf_community_alias *b =
                MF_LIST_AT(s->communities, struct mf_community_alias, j);
            if (mf_ml_str_same(&a->name, &b->name)) {
                mf_error(ctx, &a->name.pos,
                         mf_path_field(npath, mf_path_index(ipath, lpath, i), "name"),
                         "duplicate definition of community \"%.80s\" (also at index %u)",
                         a->name.v, j);
                break;
            }
        }
    }
}

static const struct mf_field mf_community_spec_fields[] = {
    MF_F_OBJLIST(struct mf_community_spec, communities, "communities", &mf_alias_schema,
                 struct mf_community_alias),
};
static const struct mf_schema mf_community_spec_schema =
    MF_SCHEMA("Community spec", mf_community_spec_fields, mf_validate_community_spec);

static const struct mf_field mf_community_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_community_obj, spec, "spec", &mf_community_spec_schema,
             struct mf_community_spec),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_community_schema =
    MF_SCHEMA("Community", mf_community_fields, NULL);

static const struct mf_kind mf_kind_community = {
    .id = MF_KIND_COMMUNITY,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "Community",
    .namespaced = true,
    .size = sizeof(struct mf_community_obj),
    .schema = &mf_community_schema,
};

/* ---- BFDProfile ---------------------------------------------------------- */

static const struct mf_field mf_bfd_spec_fields[] = {
    MF_F_INT(struct mf_bfd_spec, receive_interval, "receiveInterval", .min = 10, .max = 60000),
    MF_F_INT(struct mf_bfd_spec, transmit_interval, "transmitInterval", .min = 10, .max = 60000),
    MF_F_INT(struct mf_bfd_spec, detect_multiplier, "detectMultiplier", .min = 2, .max = 255),
    MF_F_INT(struct mf_bfd_spec, echo_interval, "echoInterval", .min = 10, .max = 60000),
    MF_F_BOOL(struct mf_bfd_spec, echo_mode, "echoMode"),
    MF_F_BOOL(struct mf_bfd_spec, passive_mode, "passiveMode"),
    MF_F_INT(struct mf_bfd_spec, minimum_ttl, "minimumTtl", .min = 1, .max = 254),
};
static const struct mf_schema mf_bfd_spec_schema =
    MF_SCHEMA("BFDProfile spec", mf_bfd_spec_fields, NULL);

static const struct mf_field mf_bfd_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_bfdprofile, spec, "spec", &mf_bfd_spec_schema, struct mf_bfd_spec),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_bfd_schema = MF_SCHEMA("BFDProfile", mf_bfd_fields, NULL);

static const struct mf_kind mf_kind_bfdprofile = {
    .id = MF_KIND_BFDPROFILE,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "BFDProfile",
    .namespaced = true,
    .size = sizeof(struct mf_bfdprofile),
    .schema = &mf_bfd_schema,
};

/* ---- BGPPeer --------------------------------------------------------------- */

int
mf_peer_timers(const struct mf_peer_spec *s, int64_t *hold_ns, int64_t *keepalive_ns)
{
    int64_t hold, ka, rounded_s;

    *hold_ns = *keepalive_ns = -1;
    if (!s->hold_time.set && !s->keepalive_time.set)
        return 0;
    if (!s->hold_time.set && s->keepalive_time.ns > MF_BGP_HOLD_MAX_S * MF_NS_PER_S)
        return -1; /* 3 x keepalive would not fit in the OPEN message */
    hold = s->hold_time.set ? s->hold_time.ns : 3 * s->keepalive_time.ns;
    ka = s->keepalive_time.set ? s->keepalive_time.ns : s->hold_time.ns / 3;
    rounded_s = hold / MF_NS_PER_S; /* Go's int(d.Seconds()) truncates too */
    if (hold < 0 || ka < 0 || (rounded_s != 0 && rounded_s < 3) ||
        rounded_s > MF_BGP_HOLD_MAX_S || ka > hold)
        return -1;
    *hold_ns = hold;
    *keepalive_ns = ka;
    return 0;
}

static void
mf_validate_peer_asn(struct mf_ctx *ctx, const struct mf_peer_spec *s, const char *path)
{
    char p[MF_PATH_MAX];
    bool has_peer = s->peer_asn.set && s->peer_asn.v != 0;
    bool has_dynamic = s->dynamic_asn.v != NULL;
    bool ibgp = (has_peer && s->my_asn.set && s->peer_asn.v == s->my_asn.v) ||
                mf_str_eq(&s->dynamic_asn, "internal");

    if (s->my_asn.set && s->my_asn.v == 0)
        mf_error(ctx, &s->my_asn.pos, mf_path_field(p, path, "myASN"),
                 "missing local ASN: myASN must be from 1 to 4294967295");
    if (!has_peer && !has_dynamic)
        mf_error(ctx, s->peer_asn.set ? &s->peer_asn.pos : &s->pos,
                 mf_path_field(p, path, "peerASN"),
                 "missing peer ASN and dynamicASN: set one of them");
    if (has_peer && has_dynamic)
        mf_error(ctx, &s->dynamic_asn.pos, mf_path_field(p, path, "dynamicASN"),
                 "both peer ASN and dynamicASN specified");
    if (s->ebgp_multihop.v && ibgp)
        mf_error(ctx, &s->ebgp_multihop.pos, mf_path_field(p, path, "ebgpMultiHop"),
                 "invalid ebgp-multihop parameter set for an ibgp peer");
}

/* Parses an address the field check has already judged; NONE when absent or bad. */
static struct ip_addr
mf_ml_parse_ip(const struct mf_str *s)
{
    struct ip_addr a = {0};

    if (s->v == NULL || ip_parse(s->v, s->len, &a) != 0)
        a.family = IP_FAMILY_NONE;
    return a;
}

static void
mf_validate_peer_address(struct mf_ctx *ctx, struct mf_peer_spec *s, const char *path)
{
    char p[MF_PATH_MAX];
    bool has_addr = s->peer_address.v != NULL && s->peer_address.len > 0;
    bool has_if = s->interface.v != NULL && s->interface.len > 0;

    s->peer_ip = mf_ml_parse_ip(&s->peer_address);
    s->source_ip = mf_ml_parse_ip(&s->source_address);
    s->router_ip = mf_ml_parse_ip(&s->router_id);
    if (!has_addr && !has_if)
        mf_error(ctx, &s->pos, mf_path_field(p, path, "peerAddress"),
                 "peer has no Address or Interface specified: set peerAddress");
    if (has_addr && has_if)
        mf_error(ctx, &s->interface.pos, mf_path_field(p, path, "interface"),
                 "peer has both Address and Interface specified");
    else if (has_if && mf_ml_has_line_break(&s->interface))
        mf_error(ctx, &s->interface.pos, mf_path_field(p, path, "interface"),
                 "interface contains invalid characters (line breaks)");
    else if (has_if)
        mf_ml_unsupported(ctx, &s->interface.pos, mf_path_field(p, path, "interface"),
                          "unnumbered BGP over an interface (FRR-only in MetalLB); metalgate "
                          "does not open this session");
    if (s->peer_ip.family != IP_FAMILY_NONE && s->source_ip.family != IP_FAMILY_NONE &&
        s->peer_ip.family != s->source_ip.family)
        mf_error(ctx, &s->source_address.pos, mf_path_field(p, path, "sourceAddress"),
                 "sourceAddress %.60s is IPv%d but peerAddress %.60s is IPv%d: both ends of a "
                 "session use one address family",
                 s->source_address.v, (int)s->source_ip.family, s->peer_address.v,
                 (int)s->peer_ip.family);
}

static void
mf_validate_hold(struct mf_ctx *ctx, const struct mf_duration *at, int64_t hold, bool implied,
                 const char *path)
{
    char hbuf[32], kbuf[32];
    int64_t rounded_s = hold / MF_NS_PER_S;

    mf_ml_format_duration(hold, hbuf, sizeof(hbuf));
    mf_ml_format_duration(at->ns, kbuf, sizeof(kbuf));
    if (hold < 0 || (rounded_s != 0 && rounded_s < 3)) {
        if (implied)
            mf_error(ctx, &at->pos, path,
                     "invalid keepaliveTime \"%s\": the hold time it implies (3 x keepaliveTime "
                     "= %s) must be 0 or >=3s",
                     kbuf, hbuf);
        else
            mf_error(ctx, &at->pos, path, "invalid hold time \"%s\": must be 0 or >=3s", hbuf);
    } else if (rounded_s > MF_BGP_HOLD_MAX_S && implied) {
        mf_error(ctx, &at->pos, path,
                 "keepaliveTime \"%s\" implies a hold time (3 x keepaliveTime) longer than "
                 "%ds, the most BGP can carry",
                 kbuf, MF_BGP_HOLD_MAX_S);
    } else if (rounded_s > MF_BGP_HOLD_MAX_S) {
        mf_error(ctx, &at->pos, path,
                 "hold time \"%s\" is too long: BGP carries it in 16 bits, at most %ds", hbuf,
                 MF_BGP_HOLD_MAX_S);
    }
}

/* V9: reference section 3.4, plus connectTime's CRD rules. */
static void
mf_validate_peer_timers(struct mf_ctx *ctx, const struct mf_peer_spec *s, const char *path)
{
    char p[MF_PATH_MAX], hbuf[32], kbuf[32];
    const struct mf_duration *ht = &s->hold_time, *ka = &s->keepalive_time, *ct = &s->connect_time;

    if (ht->set)
        mf_validate_hold(ctx, ht, ht->ns, false, mf_path_field(p, path, "holdTime"));
    if (ka->set && ka->ns < 0)
        mf_error(ctx, &ka->pos, mf_path_field(p, path, "keepaliveTime"),
                 "invalid keepaliveTime \"%s\": must not be negative",
                 mf_ml_format_duration(ka->ns, kbuf, sizeof(kbuf)));
    else if (ka->set && !ht->set)
        mf_validate_hold(ctx, ka, ka->ns > MF_BGP_HOLD_MAX_S * MF_NS_PER_S ? INT64_MAX : 3 * ka->ns,
                         true, mf_path_field(p, path, "keepaliveTime"));
    else if (ka->set && ka->ns > ht->ns)
        mf_error(ctx, &ka->pos, mf_path_field(p, path, "keepaliveTime"),
                 "invalid keepaliveTime \"%s\", must be lower than holdTime \"%s\"",
                 mf_ml_format_duration(ka->ns, kbuf, sizeof(kbuf)),
                 mf_ml_format_duration(ht->ns, hbuf, sizeof(hbuf)));
    if (ct->set && (ct->ns / MF_NS_PER_S < 1 || ct->ns / MF_NS_PER_S > 65535))
        mf_error(ctx, &ct->pos, mf_path_field(p, path, "connectTime"),
                 "connect time should be between 1 seconds to 65535, is %s",
                 mf_ml_format_duration(ct->ns, kbuf, sizeof(kbuf)));
    else if (ct->set && ct->ns % MF_NS_PER_S != 0)
        mf_error(ctx, &ct->pos, mf_path_field(p, path, "connectTime"),
                 "connect time should contain a whole number of seconds, is %s",
                 mf_ml_format_duration(ct->ns, kbuf, sizeof(kbuf)));
}

/* V10 (the Secret's type and key are checked in model/, which sees the Secret). */
static void
mf_validate_peer_auth(struct mf_ctx *ctx, const struct mf_peer_spec *s, const char *path)
{
    char p[MF_PATH_MAX];
    const struct mf_secret_ref *ref = s->password_secret;
    bool has_secret = ref != NULL && ref->name.v != NULL && ref->name.len > 0;

    if (s->password.len > 0 && has_secret)
        mf_error(ctx, &ref->pos, mf_path_field(p, path, "passwordSecret"),
                 "can not have both password and secret ref set: use one of password and "
                 "passwordSecret");
    if (mf_ml_has_line_break(&s->password))
        mf_error(ctx, &s->password.pos, mf_path_field(p, path, "password"),
                 "password contains invalid characters (line breaks)");
    else if (s->password.len > MF_TCP_MD5_MAX_KEY)
        mf_error(ctx, &s->password.pos, mf_path_field(p, path, "password"),
                 "password is %u bytes; TCP-MD5 keys are at most %d bytes", s->password.len,
                 MF_TCP_MD5_MAX_KEY);
}

static void
mf_validate_peer_unsupported(struct mf_ctx *ctx, const struct mf_peer_spec *s, const char *path)
{
    char p[MF_PATH_MAX];

    if (s->vrf.len > 0)
        mf_ml_unsupported(ctx, &s->vrf.pos, mf_path_field(p, path, "vrf"),
                          "sessions in a host VRF (FRR-only in MetalLB); the session is opened "
                          "in the default VRF");
    if (s->local_asn.set)
        mf_ml_unsupported(ctx, &s->local_asn.pos, mf_path_field(p, path, "localASN"),
                          "local AS override (FRR-only in MetalLB); the session uses myASN");
    if (s->dual_stack_address_family.v)
        mf_ml_unsupported(ctx, &s->dual_stack_address_family.pos,
                          mf_path_field(p, path, "dualStackAddressFamily"),
                          "a session carries only the address family of its transport");
}

static void
mf_validate_peer_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_peer_spec *s = obj;

    mf_validate_peer_asn(ctx, s, path);
    mf_validate_peer_address(ctx, s, path);
    mf_validate_peer_timers(ctx, s, path);
    mf_validate_peer_auth(ctx, s, path);
    mf_ml_check_selectors(ctx, &s->node_selectors, path, "nodeSelectors");
    mf_validate_peer_unsupported(ctx, s, path);
}

static const struct mf_field mf_secret_ref_fields[] = {
    MF_F_STR(struct mf_secret_ref, name, "name", .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_secret_ref, namespace, "namespace", .check = mf_check_dns1123_label),
};
static const struct mf_schema mf_secret_ref_schema =
    MF_SCHEMA("passwordSecret", mf_secret_ref_fields, NULL);

static const char *const mf_dynamic_asn_modes[] = {"internal", "external", NULL};

static const struct mf_field mf_peer_spec_fields[] = {
    MF_F_INT(struct mf_peer_spec, my_asn, "myASN", .flags = MF_REQUIRED, .min = 0,
             .max = 4294967295LL),
    MF_F_INT(struct mf_peer_spec, peer_asn, "peerASN", .min = 0, .max = 4294967295LL),
    MF_F_STR(struct mf_peer_spec, dynamic_asn, "dynamicASN", .enums = mf_dynamic_asn_modes),
    MF_F_STR(struct mf_peer_spec, peer_address, "peerAddress", .check = mf_check_ip),
    MF_F_STR(struct mf_peer_spec, interface, "interface"),
    MF_F_STR(struct mf_peer_spec, source_address, "sourceAddress", .check = mf_check_ip),
    MF_F_INT(struct mf_peer_spec, peer_port, "peerPort", .min = 1, .max = 16384),
    MF_F_DUR(struct mf_peer_spec, hold_time, "holdTime"),
    MF_F_DUR(struct mf_peer_spec, keepalive_time, "keepaliveTime"),
    MF_F_DUR(struct mf_peer_spec, connect_time, "connectTime"),
    MF_F_STR(struct mf_peer_spec, router_id, "routerID", .check = mf_check_ipv4),
    MF_F_OBJLIST(struct mf_peer_spec, node_selectors, "nodeSelectors", &mf_schema_label_selector,
                 struct mf_label_selector),
    MF_F_STR(struct mf_peer_spec, password, "password"),
    MF_F_OBJ(struct mf_peer_spec, password_secret, "passwordSecret", &mf_secret_ref_schema,
             struct mf_secret_ref),
    MF_F_STR(struct mf_peer_spec, bfd_profile, "bfdProfile",
             .check = mf_check_dns1123_subdomain),
    MF_F_BOOL(struct mf_peer_spec, enable_graceful_restart, "enableGracefulRestart"),
    MF_F_BOOL(struct mf_peer_spec, ebgp_multihop, "ebgpMultiHop"),
    MF_F_STR(struct mf_peer_spec, vrf, "vrf"),
    MF_F_INT(struct mf_peer_spec, local_asn, "localASN", .min = 1, .max = 4294967295LL),
    MF_F_BOOL(struct mf_peer_spec, dual_stack_address_family, "dualStackAddressFamily"),
    MF_F_BOOL(struct mf_peer_spec, disable_mp, "disableMP", .flags = MF_DEPRECATED,
              .note = "it has no effect (MetalLB replaced it with dualStackAddressFamily)"),
};
static const struct mf_schema mf_peer_spec_schema =
    MF_SCHEMA("BGPPeer spec", mf_peer_spec_fields, mf_validate_peer_spec);

static const struct mf_field mf_peer_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_bgppeer, spec, "spec", &mf_peer_spec_schema, struct mf_peer_spec,
             .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_peer_schema = MF_SCHEMA("BGPPeer", mf_peer_fields, NULL);

static const struct mf_kind mf_kind_bgppeer = {
    .id = MF_KIND_BGPPEER,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta2,
    .old_versions = mf_metallb_v1beta1,
    .name = "BGPPeer",
    .namespaced = true,
    .size = sizeof(struct mf_bgppeer),
    .schema = &mf_peer_schema,
};

/* ---- BGPAdvertisement ------------------------------------------------------ */

/* V18, the part one object decides: community syntax with a bad number.
 * Words that are not community syntax may be aliases: model/ resolves them. */
static void
mf_check_adv_community(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct mf_community c;
    const char *why = NULL;

    if (s->v == NULL)
        return;
    if (mf_community_parse(s->v, s->len, &c, &why) == MF_COMMUNITY_INVALID)
        mf_error(ctx, &s->pos, path, "invalid community value \"%.80s\": %s", s->v, why);
}

static void
mf_validate_bgpadv_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_bgpadv_spec *s = obj;
    char p[MF_PATH_MAX];

    mf_check_no_duplicates(ctx, &s->ip_address_pools, mf_path_field(p, path, "ipAddressPools"),
                           "ipAddressPools entry");
    mf_check_no_duplicates(ctx, &s->communities, mf_path_field(p, path, "communities"),
                           "community");
    mf_check_no_duplicates(ctx, &s->peers, mf_path_field(p, path, "peers"), "peer");
    mf_ml_check_selectors(ctx, &s->ip_address_pool_selectors, path, "ipAddressPoolSelectors");
    mf_ml_check_selectors(ctx, &s->node_selectors, path, "nodeSelectors");
    mf_ml_check_selectors(ctx, &s->service_selectors, path, "serviceSelectors");
    /* V15: an aggregated prefix serves many services, so it cannot be
     * restricted to some of them. */
    if (s->service_selectors.n > 0 && s->aggregation_length.set &&
        s->aggregation_length.v != MF_AGGREGATION_V4_DEFAULT)
        mf_error(ctx, &s->aggregation_length.pos, mf_path_field(p, path, "aggregationLength"),
                 "serviceSelectors and aggregationLength are mutually exclusive, both cannot be "
                 "set (aggregationLength must be 32 with serviceSelectors)");
    if (s->service_selectors.n > 0 && s->aggregation_length_v6.set &&
        s->aggregation_length_v6.v != MF_AGGREGATION_V6_DEFAULT)
        mf_error(ctx, &s->aggregation_length_v6.pos,
                 mf_path_field(p, path, "aggregationLengthV6"),
                 "serviceSelectors and aggregationLengthV6 are mutually exclusive, both cannot "
                 "be set (aggregationLengthV6 must be 128 with serviceSelectors)");
}

static const struct mf_field mf_bgpadv_spec_fields[] = {
    MF_F_INT(struct mf_bgpadv_spec, aggregation_length, "aggregationLength", .min = 1, .max = 32),
    MF_F_INT(struct mf_bgpadv_spec, aggregation_length_v6, "aggregationLengthV6", .min = 1,
             .max = 128),
    MF_F_INT(struct mf_bgpadv_spec, local_pref, "localPref", .min = 0, .max = 4294967295LL),
    MF_F_STRLIST(struct mf_bgpadv_spec, communities, "communities",
                 .check = mf_check_adv_community),
    MF_F_STRLIST(struct mf_bgpadv_spec, ip_address_pools, "ipAddressPools",
                 .check = mf_check_dns1123_subdomain),
    MF_F_OBJLIST(struct mf_bgpadv_spec, ip_address_pool_selectors, "ipAddressPoolSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_OBJLIST(struct mf_bgpadv_spec, node_selectors, "nodeSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_STRLIST(struct mf_bgpadv_spec, peers, "peers", .check = mf_check_dns1123_subdomain),
    MF_F_OBJLIST(struct mf_bgpadv_spec, service_selectors, "serviceSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
};
static const struct mf_schema mf_bgpadv_spec_schema =
    MF_SCHEMA("BGPAdvertisement spec", mf_bgpadv_spec_fields, mf_validate_bgpadv_spec);

static const struct mf_field mf_bgpadv_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_bgpadvertisement, spec, "spec", &mf_bgpadv_spec_schema,
             struct mf_bgpadv_spec),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_bgpadv_schema =
    MF_SCHEMA("BGPAdvertisement", mf_bgpadv_fields, NULL);

static const struct mf_kind mf_kind_bgpadvertisement = {
    .id = MF_KIND_BGPADVERTISEMENT,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "BGPAdvertisement",
    .namespaced = true,
    .size = sizeof(struct mf_bgpadvertisement),
    .schema = &mf_bgpadv_schema,
};

/* ---- L2Advertisement ------------------------------------------------------- */

/* Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or space. */
static void
mf_check_ifname(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    bool ok = s->v != NULL && s->len > 0 && s->len < 16 && !mf_str_eq(s, ".") && !mf_str_eq(s, "..");

    for (uint32_t i = 0; ok && i < s->len; i++)
        ok = s->v[i] != '/' && s->v[i] != ':' && s->v[i] != ' ' && s->v[i] != '\t' &&
             s->v[i] != '\n' && s->v[i] != '\r';
    if (!ok && s->v != NULL)
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid Linux interface name: 1 to 15 characters, without "
                 "'/', ':' or spaces%s",
                 s->v, mf_placeholder_hint(s->v));
}

static const struct mf_field mf_l2_preferred_fields[] = {
    MF_F_INT(struct mf_l2_preferred, weight, "weight", .flags = MF_REQUIRED, .min = 1,
             .max = 100),
    MF_F_OBJ(struct mf_l2_preferred, preference, "preference", &mf_schema_label_selector,
             struct mf_label_selector, .flags = MF_REQUIRED),
};
static const struct mf_schema mf_l2_preferred_schema =
    MF_SCHEMA("preferredNodeSelectors entry", mf_l2_preferred_fields, NULL);

static void
mf_validate_l2adv_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_l2adv_spec *s = obj;
    char p[MF_PATH_MAX];

    mf_check_no_duplicates(ctx, &s->ip_address_pools, mf_path_field(p, path, "ipAddressPools"),
                           "ipAddressPools entry");
    mf_ml_check_selectors(ctx, &s->ip_address_pool_selectors, path, "ipAddressPoolSelectors");
    mf_ml_check_selectors(ctx, &s->node_selectors, path, "nodeSelectors");
    mf_ml_check_selectors(ctx, &s->service_selectors, path, "serviceSelectors");
}

static const struct mf_field mf_l2adv_spec_fields[] = {
    MF_F_STRLIST(struct mf_l2adv_spec, ip_address_pools, "ipAddressPools",
                 .check = mf_check_dns1123_subdomain),
    MF_F_OBJLIST(struct mf_l2adv_spec, ip_address_pool_selectors, "ipAddressPoolSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_OBJLIST(struct mf_l2adv_spec, node_selectors, "nodeSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_OBJLIST(struct mf_l2adv_spec, service_selectors, "serviceSelectors",
                 &mf_schema_label_selector, struct mf_label_selector),
    MF_F_STRLIST(struct mf_l2adv_spec, interfaces, "interfaces", .check = mf_check_ifname),
    MF_F_OBJLIST(struct mf_l2adv_spec, preferred_node_selectors, "preferredNodeSelectors",
                 &mf_l2_preferred_schema, struct mf_l2_preferred),
};
static const struct mf_schema mf_l2adv_spec_schema =
    MF_SCHEMA("L2Advertisement spec", mf_l2adv_spec_fields, mf_validate_l2adv_spec);

static const struct mf_field mf_l2adv_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_OBJ(struct mf_l2advertisement, spec, "spec", &mf_l2adv_spec_schema,
             struct mf_l2adv_spec),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_l2adv_schema =
    MF_SCHEMA("L2Advertisement", mf_l2adv_fields, NULL);

static const struct mf_kind mf_kind_l2advertisement = {
    .id = MF_KIND_L2ADVERTISEMENT,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "L2Advertisement",
    .namespaced = true,
    .size = sizeof(struct mf_l2advertisement),
    .schema = &mf_l2adv_schema,
};

const struct mf_kind *const mf_kinds_metallb[] = {
    &mf_kind_ipaddresspool,   &mf_kind_bgpadvertisement, &mf_kind_l2advertisement,
    &mf_kind_bfdprofile,      &mf_kind_community,        &mf_kind_bgppeer,
};
const size_t mf_kinds_metallb_count = sizeof(mf_kinds_metallb) / sizeof(mf_kinds_metallb[0]);

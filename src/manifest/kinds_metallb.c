/*
 * MetalLB kinds (metallb.io): schemas and the rules MetalLB's webhook
 * applies to one object at a time. Rules across objects (overlapping
 * pools, references) live in model/.
 */
#include <stdio.h>
#include <string.h>

#include "core/ipaddr.h"
#include "manifest/kinds.h"

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

static const char *const mf_metallb_v1beta1[] = {"v1beta1", NULL};

static const struct mf_kind mf_kind_ipaddresspool = {
    .id = MF_KIND_IPADDRESSPOOL,
    .group = "metallb.io",
    .versions = mf_metallb_v1beta1,
    .name = "IPAddressPool",
    .namespaced = true,
    .size = sizeof(struct mf_ipaddresspool),
    .schema = &mf_pool_schema,
};

const struct mf_kind *const mf_kinds_metallb[] = {
    &mf_kind_ipaddresspool,
};
const size_t mf_kinds_metallb_count = sizeof(mf_kinds_metallb) / sizeof(mf_kinds_metallb[0]);

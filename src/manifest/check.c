/* Format checks shared by the kind files, with Kubernetes' own rules. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/ipaddr.h"
#include "manifest/schema.h"

/* A run like ROOT_DOMAIN or CLUSTER_DOMAIN: upper case, digits and '_', with
 * at least one '_' -- how templates spell the parts a user must fill in. */
static bool
mf_has_upper_token(const char *s)
{
    for (const char *p = s; *p; p++) {
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        if (n >= 3 && memchr(p, '_', n) != NULL && (p == s || !isalnum((unsigned char)p[-1])))
            return true;
        if (n > 0)
            p += n - 1;
    }
    return false;
}

const char *
mf_placeholder_hint(const char *s)
{
    if (strstr(s, "${") != NULL || strstr(s, "$(") != NULL)
        return "; it looks like an unexpanded shell variable: run the file through envsubst first";
    if (strstr(s, "{{") != NULL)
        return "; it looks like an unrendered template: render it (helm template) first";
    if (strstr(s, "PLACEHOLDER") != NULL || mf_has_upper_token(s))
        return "; it looks like a placeholder that was never replaced";
    return "";
}

bool
mf_is_template_problem(const char *msg)
{
    return strstr(msg, "unexpanded shell variable") != NULL ||
           strstr(msg, "unrendered template") != NULL ||
           strstr(msg, "placeholder that was never replaced") != NULL;
}

static bool
mf_is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
mf_is_alnum(char c)
{
    return mf_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
bool
mf_is_dns_label(const char *s, size_t len)
{
    if (len == 0 || len > 63)
        return false;
    if (!mf_is_lower_alnum(s[0]) || !mf_is_lower_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mf_is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool
mf_is_dns_subdomain(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!mf_is_dns_label(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

void
mf_check_dns1123_label(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_is_dns_label(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid name: use at most 63 lower-case letters, digits and "
                 "'-', starting and ending with a letter or digit%s",
                 s->v, mf_placeholder_hint(s->v));
}

void
mf_check_dns1123_subdomain(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_is_dns_subdomain(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid name: use lower-case letters, digits, '-' and '.', "
                 "starting and ending with a letter or digit, at most 253 characters%s",
                 s->v, mf_placeholder_hint(s->v));
}

void
mf_check_gw_hostname(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    const char *host = s->v;
    size_t len = s->len;
    struct ip_addr ip;

    if (ip_parse(s->v, s->len, &ip) == 0) {
        mf_error(ctx, &s->pos, path, "\"%.80s\" is an IP address; a hostname is required", s->v);
        return;
    }
    if (len >= 2 && host[0] == '*' && host[1] == '.') {
        host += 2;
        len -= 2;
    }
    if (s->len > 253 || !mf_is_dns_subdomain(host, len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid hostname: lower-case RFC 1123 labels separated by '.', "
                 "optionally starting with \"*.\"%s",
                 s->v, mf_placeholder_hint(s->v));
}

void
mf_check_ip(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_addr ip;

    if (ip_parse(s->v, s->len, &ip) != 0)
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid IP address%s", s->v,
                 mf_placeholder_hint(s->v));
}

void
mf_check_ipv4(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_addr ip;

    if (ip_parse(s->v, s->len, &ip) != 0 || ip.family != IP_FAMILY_V4)
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid IPv4 address", s->v);
}

void
mf_check_cidr(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_prefix p;
    const char *why;

    if (ip_prefix_parse(s->v, s->len, &p, &why) != 0)
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid CIDR: %s", s->v, why);
}

/* Label name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63. */
static bool
mf_label_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > 63 || !mf_is_alnum(s[0]) || !mf_is_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mf_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

static bool
mf_label_key_ok(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);

    if (slash == NULL)
        return mf_label_name_ok(s, len);
    return mf_is_dns_subdomain(s, (size_t)(slash - s)) &&
           mf_label_name_ok(slash + 1, len - (size_t)(slash - s) - 1);
}

void
mf_check_label_key(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (!mf_label_key_ok(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid label key: an optional DNS prefix and '/', then at "
                 "most 63 letters, digits, '-', '_' or '.'",
                 s->v);
}

void
mf_check_label_value(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len != 0 && !mf_label_name_ok(s->v, s->len))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid label value: at most 63 letters, digits, '-', '_' or "
                 "'.', starting and ending with a letter or digit%s",
                 s->v, mf_placeholder_hint(s->v));
}

void
mf_check_label_map(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_strmap *m = value;
    char kpath[MF_PATH_MAX];

    for (uint32_t i = 0; i < m->n; i++) {
        const struct mf_kv *kv = &m->v[i];

        /* The label's path is only needed for a message. */
        if (mf_label_key_ok(kv->key.v, kv->key.len) &&
            (kv->value.len == 0 || mf_label_name_ok(kv->value.v, kv->value.len)))
            continue;
        mf_path_key(kpath, path, kv->key.v);
        mf_check_label_key(ctx, &kv->key, kpath);
        mf_check_label_value(ctx, &kv->value, kpath);
    }
}

void
mf_check_annotation_map(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_strmap *m = value;
    char kpath[MF_PATH_MAX];
    size_t total = 0;

    for (uint32_t i = 0; i < m->n; i++) {
        mf_path_key(kpath, path, m->v[i].key.v);
        mf_check_label_key(ctx, &m->v[i].key, kpath);
        total += m->v[i].key.len + m->v[i].value.len;
    }
    if (total > 256 * 1024)
        mf_error(ctx, &m->pos, path, "annotations total %zu bytes; at most 262144 are allowed",
                 total);
}

void
mf_check_no_duplicates(struct mf_ctx *ctx, const struct mf_list *strs, const char *path,
                       const char *what)
{
    char ipath[MF_PATH_MAX];

    /* Lists in manifests are short; quadratic is fine and bounded by max counts. */
    for (uint32_t i = 0; i < strs->n && i < 4096; i++) {
        const struct mf_str *a = MF_LIST_AT(*strs, struct mf_str, i);
        for (uint32_t j = 0; j < i; j++) {
            const struct mf_str *b = MF_LIST_AT(*strs, struct mf_str, j);
            if (a->v && b->v && a->len == b->len && memcmp(a->v, b->v, a->len) == 0) {
                mf_error(ctx, &a->pos, mf_path_index(ipath, path, i),
                         "duplicate %s \"%.80s\" (also at index %u)", what, a->v, j);
                break;
            }
        }
    }
}

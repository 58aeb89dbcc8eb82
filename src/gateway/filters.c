/*
 * What an HTTPRoute rule asks the workers to do to a request: header
 * modifiers on serialized heads (the proxy's own output, so field lines are
 * well formed), path modifiers for URLRewrite and RequestRedirect, and the
 * arithmetic of the rule's timeouts.
 */
#include <string.h>
#include <strings.h>

#include "gateway/proxy.h"

static bool
gw_hdr_listed(const struct gw_header *v, uint32_t n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i].name_len == len && strncasecmp(v[i].name, name, len) == 0)
            return true;
    return false;
}

static bool
gw_put(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
    if (cap - *o < n)
        return false;
    memcpy(out + *o, p, n);
    *o += n;
    return true;
}

static bool
gw_put_fields(char *out, size_t cap, size_t *o, const struct gw_header *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!gw_put(out, cap, o, v[i].name, v[i].name_len) || !gw_put(out, cap, o, ": ", 2) ||
            !gw_put(out, cap, o, v[i].value, v[i].value_len) || !gw_put(out, cap, o, "\r\n", 2))
            return false;
    return true;
}

size_t
gw_headers_apply(const struct gw_header_mod *m, const char *in, size_t len, char *out, size_t cap)
{
    const char *end = in + len, *line = in, *eol;
    size_t o = 0;
    bool first = true;

    while (line < end && (eol = memchr(line, '\n', (size_t)(end - line))) != NULL) {
        size_t n = (size_t)(eol - line) + 1;
        const char *colon = memchr(line, ':', n);

        if (n == 2) /* the empty line */
            break;
        if (first || colon == NULL ||
            (!gw_hdr_listed(m->set, m->n_set, line, (size_t)(colon - line)) &&
             !gw_hdr_listed(m->remove, m->n_remove, line, (size_t)(colon - line))))
            if (!gw_put(out, cap, &o, line, n))
                return 0;
        first = false;
        line = eol + 1;
    }
    if (!gw_put_fields(out, cap, &o, m->set, m->n_set) ||
        !gw_put_fields(out, cap, &o, m->add, m->n_add) || !gw_put(out, cap, &o, "\r\n", 2))
        return 0;
    return o;
}

/* Length of a path or prefix without its trailing '/' ("/" itself gives 0). */
static size_t
gw_trim_slash(const char *p, size_t n)
{
    return n > 0 && p[n - 1] == '/' ? n - 1 : n;
}

size_t
gw_path_modify(enum gw_path_mod type, const char *value, const char *prefix, const char *path,
               size_t len, char *out, size_t cap)
{
    size_t o = 0, vlen = value ? strlen(value) : 0, plen;
    const char *rest;

    if (type == GW_PATHMOD_FULL || prefix == NULL) {
        if (!gw_put(out, cap, &o, vlen ? value : "/", vlen ? vlen : 1))
            return 0;
    } else {
        plen = gw_trim_slash(prefix, strlen(prefix));
        rest = path + (plen <= len ? plen : len); /* "" or "/..." (segment-wise match) */
        vlen = gw_trim_slash(value ? value : "", vlen);
        if (!gw_put(out, cap, &o, value ? value : "", vlen))
            return 0;
        if (rest == path + len || *rest != '/') {
            if (o == 0 && !gw_put(out, cap, &o, "/", 1))
                return 0;
        } else if (!gw_put(out, cap, &o, rest, (size_t)(path + len - rest))) {
            return 0;
        }
    }
    if (o == cap)
        return 0;
    out[o] = '\0';
    return o;
}

/* ---- timeouts -------------------------------------------------------------- */

#define GW_NS_PER_MS 1000000u

uint64_t
gw_deadline(uint64_t start_ns, uint32_t ms)
{
    return ms == 0 ? 0 : start_ns + (uint64_t)ms * GW_NS_PER_MS;
}

bool
gw_deadline_passed(uint64_t now_ns, uint64_t d)
{
    return d != 0 && now_ns >= d;
}

static uint64_t
gw_cut(uint64_t now_ns, uint64_t limit_ms, uint64_t d)
{
    uint64_t left;

    if (d == 0)
        return limit_ms;
    if (d <= now_ns)
        return 0;
    left = (d - now_ns + GW_NS_PER_MS - 1) / GW_NS_PER_MS;
    return left < limit_ms ? left : limit_ms;
}

uint64_t
gw_timer_ms(uint64_t now_ns, uint64_t limit_ms, uint64_t deadline_a, uint64_t deadline_b)
{
    return gw_cut(now_ns, gw_cut(now_ns, limit_ms, deadline_a), deadline_b);
}

uint32_t
gw_head_wait_ms(const struct gw_timeouts *t, uint32_t upstream_ms, uint32_t idle_ms)
{
    return t == NULL || !t->has_timeouts ? upstream_ms : idle_ms;
}

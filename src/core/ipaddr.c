#include "core/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

unsigned
ip_family_bits(enum ip_family f)
{
    return f == IP_FAMILY_V4 ? 32 : 128;
}

static ip_u128
ip_mask(enum ip_family f, unsigned len)
{
    unsigned bits = ip_family_bits(f);
    ip_u128 all = bits == 32 ? (ip_u128)0xffffffffu : ~(ip_u128)0;

    if (len == 0)
        return 0;
    if (len >= bits)
        return all;
    return all & ~((((ip_u128)1) << (bits - len)) - 1);
}

int
ip_parse(const char *s, size_t len, struct ip_addr *out)
{
    char buf[64];
    unsigned char bytes[16];

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (memchr(buf, '%', len) != NULL) /* zones are not addresses we serve */
        return -1;
    if (inet_pton(AF_INET, buf, bytes) == 1) {
        out->family = IP_FAMILY_V4;
        out->v = ((ip_u128)bytes[0] << 24) | ((ip_u128)bytes[1] << 16) |
                 ((ip_u128)bytes[2] << 8) | bytes[3];
        return 0;
    }
    if (inet_pton(AF_INET6, buf, bytes) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        ip_u128 v = 0;

        for (int i = 0; i < 16; i++)
            v = (v << 8) | bytes[i];
        if (memcmp(bytes, mapped, sizeof(mapped)) == 0) {
            out->family = IP_FAMILY_V4;
            out->v = v & 0xffffffffu;
        } else {
            out->family = IP_FAMILY_V6;
            out->v = v;
        }
        return 0;
    }
    return -1;
}

int
ip_prefix_parse(const char *s, size_t len, struct ip_prefix *out, const char **err)
{
    const char *slash = memchr(s, '/', len);
    size_t plen_len;
    unsigned plen = 0;

    if (slash == NULL) {
        *err = "missing /prefix-length";
        return -1;
    }
    if (ip_parse(s, (size_t)(slash - s), &out->addr) != 0) {
        *err = "invalid address";
        return -1;
    }
    plen_len = len - (size_t)(slash - s) - 1;
    if (plen_len == 0 || plen_len > 3) {
        *err = "invalid prefix length";
        return -1;
    }
    for (size_t i = 0; i < plen_len; i++) {
        char c = slash[1 + i];
        if (c < '0' || c > '9' || (i == 0 && c == '0' && plen_len > 1)) {
            *err = "invalid prefix length";
            return -1;
        }
        plen = plen * 10 + (unsigned)(c - '0');
    }
    if (plen > ip_family_bits(out->addr.family)) {
        *err = "prefix length is too long for the address family";
        return -1;
    }
    out->len = plen;
    out->addr.v &= ip_mask(out->addr.family, plen);
    return 0;
}

char *
ip_format(const struct ip_addr *a, char *buf)
{
    unsigned char bytes[16];

    if (a->family == IP_FAMILY_V4) {
        uint32_t v = (uint32_t)a->v;
        snprintf(buf, IP_STRLEN, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
                 v & 0xff);
        return buf;
    }
    for (int i = 15; i >= 0; i--)
        bytes[i] = (unsigned char)(a->v >> (8 * (15 - i)));
    if (inet_ntop(AF_INET6, bytes, buf, IP_STRLEN) == NULL)
        snprintf(buf, IP_STRLEN, "?");
    return buf;
}

char *
ip_prefix_format(const struct ip_prefix *p, char *buf)
{
    size_t n;

    ip_format(&p->addr, buf);
    n = strlen(buf);
    snprintf(buf + n, IP_STRLEN - n, "/%u", p->len);
    return buf;
}

struct ip_prefix
ip_prefix_of(const struct ip_addr *a, unsigned len)
{
    struct ip_prefix p;

    p.addr.family = a->family;
    p.addr.v = a->v & ip_mask(a->family, len);
    p.len = len;
    return p;
}

struct ip_addr
ip_prefix_last(const struct ip_prefix *p)
{
    struct ip_addr last = p->addr;

    last.v |= ~ip_mask(p->addr.family, p->len) &
              (p->addr.family == IP_FAMILY_V4 ? (ip_u128)0xffffffffu : ~(ip_u128)0);
    return last;
}

bool
ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
    return a->family == b->family && a->v == b->v;
}

int
ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return 0;
}

bool
ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
    return a->family == p->addr.family && (a->v & ip_mask(a->family, p->len)) == p->addr.v;
}

bool
ip_prefixes_overlap(const struct ip_prefix *a, const struct ip_prefix *b)
{
    const struct ip_prefix *wide = a->len <= b->len ? a : b;
    const struct ip_prefix *narrow = wide == a ? b : a;

    return ip_prefix_contains(wide, &narrow->addr);
}

size_t
ip_range_to_prefixes(const struct ip_addr *first, const struct ip_addr *last,
                     struct ip_prefix *out, size_t max)
{
    unsigned bits = ip_family_bits(first->family);
    ip_u128 cur = first->v;
    size_t n = 0;

    for (;;) {
        unsigned host = 0;
        ip_u128 block_last;

        /* Grow the block while it stays aligned and inside the range. */
        while (host < bits) {
            ip_u128 span = host + 1 == 128 ? ~(ip_u128)0 : ((ip_u128)1 << (host + 1)) - 1;
            if ((cur & span) != 0 || span > last->v - cur)
                break;
            host++;
        }
        if (n < max) {
            out[n].addr.family = first->family;
            out[n].addr.v = cur;
            out[n].len = bits - host;
        }
        n++;
        block_last = cur + (host == 128 ? ~(ip_u128)0 : ((ip_u128)1 << host) - 1);
        if (block_last >= last->v)
            break;
        cur = block_last + 1;
    }
    return n;
}

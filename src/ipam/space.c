/*
 * Numbering of the usable addresses of one pool entry.
 *
 * Without avoidBuggyIPs an address's number is its offset from the entry's
 * first address. With it, IPv4 addresses are numbered over the whole IPv4
 * space skipping every .0 and .255 (254 numbers per /24), and the entry's
 * numbers are shifted to start at 0. Either way the usable addresses of an
 * entry are exactly 0..last_idx, so nothing ever iterates over addresses
 * and a /64 costs the same as a /32.
 */
#include <stdint.h>

#include "ipam/internal.h"

static bool
v4_buggy(ip_u128 a)
{
    unsigned o = (unsigned)(a & 255);

    return o == 0 || o == 255;
}

/* Global number of a non-buggy IPv4 address. */
static ip_u128
buggy_number(ip_u128 a)
{
    return (a >> 8) * 254 + ((a & 255) - 1);
}

static ip_u128
buggy_address(ip_u128 g)
{
    return ((g / 254) << 8) | (g % 254 + 1);
}

void
ipam_entry_init(struct ipam_entry *e, const struct ipam_range *r, bool avoid_buggy)
{
    ip_u128 lo = r->first.v, hi = r->last.v;

    e->first = r->first;
    e->last = r->last;
    e->buggy = avoid_buggy && r->first.family == IP_FAMILY_V4;
    e->empty = false;
    e->root = IPAM_NONE;
    e->used = 0;
    if (!e->buggy) {
        e->base = lo;
        e->last_idx = hi - lo;
        return;
    }
    if (v4_buggy(lo))
        lo += (lo & 255) == 0 ? 1 : 2;
    if ((hi & 255) == 255) {
        hi -= 1;
    } else if ((hi & 255) == 0) {
        if (hi < 256) {
            e->empty = true;
            return;
        }
        hi -= 2;
    }
    if (lo > hi) {
        e->empty = true;
        return;
    }
    e->base = buggy_number(lo);
    e->last_idx = buggy_number(hi) - e->base;
}

bool
ipam_entry_usable(const struct ipam_entry *e, const struct ip_addr *a)
{
    if (e->empty || a->family != e->first.family)
        return false;
    if (a->v < e->first.v || a->v > e->last.v)
        return false;
    return !(e->buggy && v4_buggy(a->v));
}

ip_u128
ipam_entry_index(const struct ipam_entry *e, const struct ip_addr *a)
{
    return e->buggy ? buggy_number(a->v) - e->base : a->v - e->base;
}

struct ip_addr
ipam_entry_addr(const struct ipam_entry *e, ip_u128 idx)
{
    struct ip_addr a;

    a.family = e->first.family;
    a.v = e->buggy ? buggy_address(e->base + idx) : e->base + idx;
    return a;
}

bool
ipam_entry_full(const struct ipam_entry *e)
{
    return e->empty || (ip_u128)e->used > e->last_idx;
}

static int64_t
add_sat(int64_t a, ip_u128 b)
{
    if (b >= (ip_u128)INT64_MAX || (int64_t)b > INT64_MAX - a)
        return INT64_MAX;
    return a + (int64_t)b;
}

/*
 * MetalLB counts per CIDR after range expansion, and an IPv6 CIDR of 2^62
 * addresses or more makes the IPv6 capacity infinite. The count of usable
 * addresses is exact here (MetalLB's per-CIDR arithmetic miscounts a
 * buggy /32: docs/internals/ipam.md).
 */
void
ipam_entry_count(const struct ipam_entry *e, struct ipam_pool_rt *p)
{
    unsigned fi = ipam_fi(e->first.family);
    struct ip_prefix pieces[256];
    size_t n;

    if (fi == 1) {
        n = ip_range_to_prefixes(&e->first, &e->last, pieces, 256);
        for (size_t i = 0; i < n && i < 256; i++)
            if (pieces[i].len <= 128 - 62)
                p->infinite_v6 = true;
    }
    if (e->empty)
        return;
    if (fi == 1 && p->infinite_v6)
        p->capacity[1] = INT64_MAX;
    else
        p->capacity[fi] = add_sat(p->capacity[fi], e->last_idx + 1 == 0 ? ~(ip_u128)0 : e->last_idx + 1);
}

/*
 * IPv4 and IPv6 addresses and prefixes as 128-bit integers, so that range
 * arithmetic (pools, aggregation, IPAM) is the same code for both families.
 * IPv4 values occupy the low 32 bits.
 */
#ifndef METALGATE_CORE_IPADDR_H
#define METALGATE_CORE_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 ip_u128;

enum ip_family {
    IP_FAMILY_NONE = 0,
    IP_FAMILY_V4 = 4,
    IP_FAMILY_V6 = 6,
};

struct ip_addr {
    enum ip_family family;
    ip_u128 v;
};

struct ip_prefix {
    struct ip_addr addr; /* network address: host bits are zero */
    unsigned len;        /* 0..32 or 0..128 */
};

/* Long enough for any formatted address or prefix, with NUL. */
#define IP_STRLEN 48

/* Bit width of a family: 32 or 128. */
unsigned ip_family_bits(enum ip_family f);

/*
 * Parses a textual IPv4 or IPv6 address of len bytes (no NUL needed). IPv4
 * octets with leading zeros are rejected, as Go's net.ParseIP does since 1.17.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is returned as IPv4, like Go.
 * Returns 0, or -1 when s is not an address.
 */
int ip_parse(const char *s, size_t len, struct ip_addr *out);

/*
 * Parses "ADDR/LEN". Host bits may be set (as Go's ParseCIDR allows); the
 * result is the masked network. Returns 0, or -1 with *err set to a short
 * static reason.
 */
int ip_prefix_parse(const char *s, size_t len, struct ip_prefix *out, const char **err);

/* Formats into buf (IP_STRLEN bytes); returns buf. IPv6 uses RFC 5952 form. */
char *ip_format(const struct ip_addr *a, char *buf);
char *ip_prefix_format(const struct ip_prefix *p, char *buf);

/* The prefix of length len that contains a. */
struct ip_prefix ip_prefix_of(const struct ip_addr *a, unsigned len);

/* First and last address of a prefix. */
struct ip_addr ip_prefix_last(const struct ip_prefix *p);

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Orders by family (v4 first), then value: <0, 0, >0. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
bool ip_prefixes_overlap(const struct ip_prefix *a, const struct ip_prefix *b);

/*
 * Splits the inclusive range [first, last] (same family, first <= last) into
 * the minimal list of prefixes in ascending order. Writes at most max of
 * them to out (out may be NULL when max is 0) and returns how many there are
 * in total (never more than 2 * bits).
 */
size_t ip_range_to_prefixes(const struct ip_addr *first, const struct ip_addr *last,
                            struct ip_prefix *out, size_t max);

#endif

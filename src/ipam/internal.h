/* Types and helpers shared by the files of ipam/ only. */
#ifndef METALGATE_IPAM_INTERNAL_H
#define METALGATE_IPAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ipaddr.h"
#include "ipam/ipam.h"

#define IPAM_NONE UINT32_MAX

/* Family slot of per-family arrays: 0 = IPv4, 1 = IPv6. */
static inline unsigned
ipam_fi(enum ip_family f)
{
    return f == IP_FAMILY_V6 ? 1 : 0;
}

/* ---- runs.c: a set of used indices, kept as maximal runs in a treap ---- */

struct ipam_run {
    ip_u128 lo, hi;       /* inclusive; the treap is ordered by lo */
    uint32_t left, right; /* IPAM_NONE when absent */
    uint32_t prio;
};

/* Node storage shared by every tree of one ipam_allocate() call. */
struct ipam_runs {
    struct ipam_run *node;
    uint32_t n, cap;
    uint32_t free_head; /* released nodes, chained through left */
    uint32_t seed;      /* deterministic priorities */
};

/* Marks x used in the tree at *root; x must be free. */
void ipam_runs_add(struct ipam_runs *r, uint32_t *root, ip_u128 x);
/* Marks x free in the tree at *root; x must be used. */
void ipam_runs_del(struct ipam_runs *r, uint32_t *root, ip_u128 x);
/* The lowest index not in the set (the set must not cover everything). */
ip_u128 ipam_runs_first_free(const struct ipam_runs *r, uint32_t root);

/* ---- space.c: pool entries and their usable-index spaces ---- */

/*
 * One address entry. Its usable addresses are numbered 0..last_idx without
 * holes: with avoidBuggyIPs, IPv4 addresses ending in .0 and .255 have no
 * number at all, so "the lowest free address" is always the first gap
 * after the first run of used numbers.
 */
struct ipam_entry {
    struct ip_addr first, last;
    ip_u128 base;     /* number of the first usable address in its numbering */
    ip_u128 last_idx; /* usable addresses - 1 */
    uint32_t pool;
    uint32_t fam_pos; /* position among its pool's entries of the same family */
    uint32_t root;    /* runs of used numbers */
    size_t used;
    bool buggy; /* .0/.255 excluded */
    bool empty; /* no usable address at all */
};

/* Per pool working state. */
struct ipam_pool_rt {
    const struct ipam_pool *in;
    uint32_t *fam_entries[2]; /* entry indices of each family, declared order */
    uint32_t n_fam[2];
    uint32_t cursor[2]; /* fam_entries before it are full */
    size_t assigned[2]; /* addresses in use, shared ones once */
    int64_t capacity[2];
    bool infinite_v6;
};

void ipam_entry_init(struct ipam_entry *e, const struct ipam_range *r, bool avoid_buggy);
bool ipam_entry_usable(const struct ipam_entry *e, const struct ip_addr *a);
ip_u128 ipam_entry_index(const struct ipam_entry *e, const struct ip_addr *a);
struct ip_addr ipam_entry_addr(const struct ipam_entry *e, ip_u128 idx);
bool ipam_entry_full(const struct ipam_entry *e);
/* Adds e's addresses to the pool counters (MetalLB's capacity rules). */
void ipam_entry_count(const struct ipam_entry *e, struct ipam_pool_rt *p);

/* ---- addrs.c and the state ---- */

/* An address in use by one object or more. */
struct ipam_rec {
    struct ip_addr addr;
    uint32_t entry;
    uint32_t uses; /* head of the users: use = request * 2 + slot */
    uint32_t n_users;
    const char *key; /* sharing key of the latest assignment, "" = none */
    const char *backend;
    uint32_t group, gprev, gnext; /* sharing group (pool, key, backend); gnext chains free recs */
};

/* Addresses of one pool with one non-empty (sharing key, backend key). */
struct ipam_group {
    uint32_t pool;
    uint32_t head;
    const char *key, *backend;
};

struct ipam_req_rt {
    uint32_t rec[2]; /* addresses held now, in result order */
    uint32_t use_next[2];
    uint32_t n;
    uint32_t pool;
    const char *key, *backend; /* never NULL */
    const char *invalid;       /* request_error or malformed requested_ips */
    enum ipam_fail fail;
    const char *reason, *note;
    bool released; /* held addresses before and lost them in re-validation */
    bool extended;
};

struct ipam_ns_ref {
    const char *ns;
    uint32_t pool;
};

struct ipam_state {
    const struct ipam_input *in;
    struct arena *out; /* the caller's: messages and results */
    struct arena mem;  /* ours: everything else, freed at the end */

    struct ipam_entry *entries;
    uint32_t n_entries;
    uint32_t *by_addr; /* entries by (family, first) */
    struct ipam_pool_rt *pools;
    uint32_t *by_name; /* pools by name */
    uint32_t *fallback; /* autoAssign pools without serviceAllocation, by name */
    uint32_t n_fallback;
    uint32_t *selpools; /* pools pinned by service selectors or match-all */
    uint32_t n_selpools;
    struct ipam_ns_ref *ns_refs; /* (namespace, pool), sorted */
    size_t n_ns_refs;
    uint32_t *scratch; /* n_pools, for pinned lists */
    uint32_t *stamp;   /* n_pools */
    uint32_t stamp_gen;

    struct ipam_runs runs;
    struct ipam_rec *recs;
    uint32_t n_recs, cap_recs, free_recs;
    uint32_t *rec_hash; /* open addressing, IPAM_NONE = empty */
    uint32_t rec_mask;
    struct ipam_group *groups;
    uint32_t n_groups, cap_groups;
    uint32_t *group_hash;
    uint32_t group_mask;

    struct ipam_req_rt *reqs;
    uint32_t *order; /* requests by (created, ns, name, kind) */
    bool name_ranked; /* every request has a name_rank */
    bool *held;       /* per request: it has prev_ips */
};

static inline const char *
ipam_str(const char *s)
{
    return s != NULL ? s : "";
}

/* setup.c */
/* Builds the state for st->in; 0, or -1 with *err (static or st->out) saying why. */
int ipam_setup(struct ipam_state *st, const char **err);
/* Pool index by name, or IPAM_NONE. */
uint32_t ipam_pool_by_name(const struct ipam_state *st, const char *name);
/* Entry whose usable addresses include a, or IPAM_NONE. */
uint32_t ipam_entry_of(const struct ipam_state *st, const struct ip_addr *a);
/* Whether ns is in the pool's resolved namespace set. */
bool ipam_pool_has_ns(const struct ipam_state *st, uint32_t pool, const char *ns);

/* addrs.c */
/* The record of an address in use, or IPAM_NONE when it is free. */
uint32_t ipam_rec_find(const struct ipam_state *st, const struct ip_addr *a);
/* Adds request r as a user of address a (in entry) in slot; creates the record. */
void ipam_rec_use(struct ipam_state *st, uint32_t r, uint32_t slot, const struct ip_addr *a,
                  uint32_t entry);
/* Removes every address of request r. */
void ipam_rec_unuse_all(struct ipam_state *st, uint32_t r);
/* The sharing group of (pool, key, backend), or IPAM_NONE. */
uint32_t ipam_group_find(const struct ipam_state *st, uint32_t pool, const char *key,
                         const char *backend);

/* assign.c */
/* MetalLB's isPoolCompatibleWithService (serviceAllocation namespaces and selectors). */
bool ipam_compatible(const struct ipam_state *st, uint32_t pool, uint32_t r);
/* MetalLB's Assign: 0, or a failure code with st->reqs[r].reason set. */
enum ipam_fail ipam_assign(struct ipam_state *st, uint32_t r, const struct ip_addr *ips, size_t n);
/* Whether r may take the in-use address rec (sharing and ports). */
bool ipam_can_share(const struct ipam_state *st, uint32_t r, uint32_t rec);
/* Go's %q of a list of IPs: ["10.0.0.1" "fc00::1"]. */
const char *ipam_fmt_ips(struct ipam_state *st, const struct ip_addr *ips, size_t n);
/* "ns/name" of request r, in st->out. */
const char *ipam_key(struct ipam_state *st, uint32_t r);

/*
 * choose.c: addresses for an object holding none (MetalLB's allocateIPs
 * branches), and the PreferDualStack extension. Each returns 0 or the
 * failure with st->reqs[r].reason set (the extension sets .note instead).
 */
enum ipam_fail ipam_alloc_requested(struct ipam_state *st, uint32_t r);
enum ipam_fail ipam_alloc_from_pool(struct ipam_state *st, uint32_t r, const char *pool);
enum ipam_fail ipam_alloc_auto(struct ipam_state *st, uint32_t r);
enum ipam_fail ipam_alloc_additional(struct ipam_state *st, uint32_t r);
/* request_error, or MetalLB's complaint about malformed requested_ips, or NULL. */
const char *ipam_requested_invalid(struct ipam_state *st, uint32_t r);

#endif

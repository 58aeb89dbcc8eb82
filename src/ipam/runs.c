/*
 * The used numbers of one pool entry, as maximal runs [lo, hi] of
 * consecutive used numbers in a treap keyed by lo. Because runs are
 * maximal, the lowest free number is 0 or the end of the first run plus
 * one: finding it never scans the entry. Adding or removing one number
 * touches at most two runs, O(log runs).
 *
 * Priorities come from a fixed-seed xorshift, so the tree shape (and any
 * timing) is the same on every run; results never depend on it.
 */
#include <assert.h>

#include "ipam/internal.h"

static uint32_t
runs_prio(struct ipam_runs *r)
{
    uint32_t x = r->seed;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->seed = x;
    return x;
}

static uint32_t
runs_new(struct ipam_runs *r, ip_u128 lo, ip_u128 hi)
{
    uint32_t i;

    if (r->free_head != IPAM_NONE) {
        i = r->free_head;
        r->free_head = r->node[i].left;
    } else {
        assert(r->n < r->cap);
        i = r->n++;
    }
    r->node[i].lo = lo;
    r->node[i].hi = hi;
    r->node[i].left = IPAM_NONE;
    r->node[i].right = IPAM_NONE;
    r->node[i].prio = runs_prio(r);
    return i;
}

/* Splits tree t into the runs with lo < k (*l) and the others (*g). */
static void
runs_split(struct ipam_run *n, uint32_t t, ip_u128 k, uint32_t *l, uint32_t *g)
{
    if (t == IPAM_NONE) {
        *l = IPAM_NONE;
        *g = IPAM_NONE;
    } else if (n[t].lo < k) {
        runs_split(n, n[t].right, k, &n[t].right, g);
        *l = t;
    } else {
        runs_split(n, n[t].left, k, l, &n[t].left);
        *g = t;
    }
}

/* Joins two trees; every lo in a is below every lo in b. */
static uint32_t
runs_merge(struct ipam_run *n, uint32_t a, uint32_t b)
{
    if (a == IPAM_NONE)
        return b;
    if (b == IPAM_NONE)
        return a;
    if (n[a].prio > n[b].prio) {
        n[a].right = runs_merge(n, n[a].right, b);
        return a;
    }
    n[b].left = runs_merge(n, a, n[b].left);
    return b;
}

static void
runs_insert(struct ipam_runs *r, uint32_t *root, uint32_t i)
{
    uint32_t a, b;

    runs_split(r->node, *root, r->node[i].lo, &a, &b);
    *root = runs_merge(r->node, runs_merge(r->node, a, i), b);
}

/* Removes the run whose lo is k and recycles its node. */
static void
runs_erase(struct ipam_runs *r, uint32_t *root, ip_u128 k)
{
    uint32_t a, b, m, c;

    runs_split(r->node, *root, k, &a, &b);
    runs_split(r->node, b, k + 1, &m, &c);
    assert(m != IPAM_NONE && r->node[m].left == IPAM_NONE && r->node[m].right == IPAM_NONE);
    r->node[m].left = r->free_head;
    r->free_head = m;
    *root = runs_merge(r->node, a, c);
}

/* The run with the greatest lo <= x, or IPAM_NONE. */
static uint32_t
runs_floor(const struct ipam_run *n, uint32_t t, ip_u128 x)
{
    uint32_t best = IPAM_NONE;

    while (t != IPAM_NONE) {
        if (n[t].lo <= x) {
            best = t;
            t = n[t].right;
        } else {
            t = n[t].left;
        }
    }
    return best;
}

/* The run with the smallest lo > x, or IPAM_NONE. */
static uint32_t
runs_above(const struct ipam_run *n, uint32_t t, ip_u128 x)
{
    uint32_t best = IPAM_NONE;

    while (t != IPAM_NONE) {
        if (n[t].lo > x) {
            best = t;
            t = n[t].left;
        } else {
            t = n[t].right;
        }
    }
    return best;
}

void
ipam_runs_add(struct ipam_runs *r, uint32_t *root, ip_u128 x)
{
    uint32_t p = runs_floor(r->node, *root, x);
    uint32_t s = runs_above(r->node, *root, x);
    bool join_p = p != IPAM_NONE && x > 0 && r->node[p].hi == x - 1;
    bool join_s = s != IPAM_NONE && r->node[s].lo - 1 == x;

    assert(p == IPAM_NONE || r->node[p].hi < x);
    if (join_p && join_s) {
        ip_u128 hi = r->node[s].hi;
        runs_erase(r, root, r->node[s].lo);
        r->node[p].hi = hi;
    } else if (join_p) {
        r->node[p].hi = x;
    } else if (join_s) {
        /* The key moves down by one but stays above p: the order holds. */
        r->node[s].lo = x;
    } else {
        runs_insert(r, root, runs_new(r, x, x));
    }
}

void
ipam_runs_del(struct ipam_runs *r, uint32_t *root, ip_u128 x)
{
    uint32_t t = runs_floor(r->node, *root, x);
    ip_u128 lo, hi;

    assert(t != IPAM_NONE && r->node[t].hi >= x);
    lo = r->node[t].lo;
    hi = r->node[t].hi;
    if (lo == hi) {
        runs_erase(r, root, lo);
    } else if (x == lo) {
        r->node[t].lo = x + 1;
    } else if (x == hi) {
        r->node[t].hi = x - 1;
    } else {
        r->node[t].hi = x - 1;
        runs_insert(r, root, runs_new(r, x + 1, hi));
    }
}

ip_u128
ipam_runs_first_free(const struct ipam_runs *r, uint32_t root)
{
    uint32_t t = root;

    if (t == IPAM_NONE)
        return 0;
    while (r->node[t].left != IPAM_NONE)
        t = r->node[t].left;
    return r->node[t].lo == 0 ? r->node[t].hi + 1 : 0;
}

/*
 * The Adj-RIB-Out, checked against a model peer: every UPDATE it produces
 * is parsed and applied to a table of what the peer holds, which must end
 * equal to the desired routes, with only the difference sent after a
 * change, in as few messages as the 4096-byte limit allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

/* -------------------------------------------------------- model peer */

#define PEER_SLOTS (1u << 16)

struct peer_entry {
    bool used;
    struct bgp_prefix p;
    uint32_t sig; /* what its attributes hash to */
};

struct peer {
    struct peer_entry *slots;
    size_t count;
    size_t updates, eor, announced, withdrawn;
    uint32_t eor_families;
};

static uint32_t
prefix_hash(const struct bgp_prefix *p)
{
    uint32_t h = 2166136261u ^ p->family ^ (uint32_t)p->len << 8;

    for (size_t i = 0; i < 16; i++)
        h = (h ^ p->addr[i]) * 16777619u;
    return h;
}

static struct peer_entry *
peer_slot(struct peer *pe, const struct bgp_prefix *p)
{
    uint32_t i = prefix_hash(p) & (PEER_SLOTS - 1);

    while (pe->slots[i].used && memcmp(&pe->slots[i].p, p, sizeof(*p)) != 0)
        i = (i + 1) & (PEER_SLOTS - 1);
    return &pe->slots[i];
}

/* Deleting from linear probing without tombstones: re-insert the run. */
static void
peer_remove(struct peer *pe, const struct bgp_prefix *p)
{
    struct peer_entry *e = peer_slot(pe, p);
    uint32_t i;

    if (!e->used)
        fail_msg("withdrawn prefix the peer does not hold");
    e->used = false;
    pe->count--;
    for (i = ((uint32_t)(e - pe->slots) + 1) & (PEER_SLOTS - 1); pe->slots[i].used;
         i = (i + 1) & (PEER_SLOTS - 1)) {
        struct peer_entry moved = pe->slots[i];

        pe->slots[i].used = false;
        *peer_slot(pe, &moved.p) = moved;
    }
}

static void
peer_add(struct peer *pe, const struct bgp_prefix *p, uint32_t sig)
{
    struct peer_entry *e = peer_slot(pe, p);

    if (!e->used)
        pe->count++;
    e->used = true;
    e->p = *p;
    e->sig = sig;
}

static uint32_t
sig_mix(uint32_t h, uint32_t v)
{
    return (h ^ v) * 16777619u;
}

/* The signature of a set, as the peer sees it over eBGP. */
static uint32_t
attrs_sig(const struct bgp_attrs *a)
{
    uint32_t h = 1;

    for (size_t i = 0; i < a->ncommunities; i++)
        h = sig_mix(h, a->communities[i]);
    for (size_t i = 0; i < a->nlarge; i++)
        h = sig_mix(sig_mix(sig_mix(h, a->large[i].global), a->large[i].local1),
                    a->large[i].local2);
    return h;
}

/* Reads prefixes of family f from b[0..len) into add or remove. */
static void
peer_prefixes(struct peer *pe, const uint8_t *b, size_t len, int f, bool add, uint32_t sig)
{
    size_t off = 0;

    while (off < len) {
        struct bgp_prefix p = {.family = (uint8_t)f, .len = b[off]};
        size_t n = (p.len + 7u) / 8u;

        assert_true(off + 1 + n <= len);
        memcpy(p.addr, b + off + 1, n);
        off += 1 + n;
        if (add) {
            peer_add(pe, &p, sig);
            pe->announced++;
        } else {
            peer_remove(pe, &p);
            pe->withdrawn++;
        }
    }
}

/* The attributes of one of our UPDATEs: signature, and the MP parts. */
struct upd_parts {
    uint32_t sig;
    const uint8_t *reach, *unreach; /* MP attribute values */
    size_t reach_len, unreach_len;
    size_t nattrs;
};

static void
peer_attrs(const uint8_t *b, size_t len, struct upd_parts *u)
{
    size_t off = 0;
    uint32_t comm = 1, large = 0;

    memset(u, 0, sizeof(*u));
    while (off < len) {
        uint8_t flags = b[off], type = b[off + 1];
        size_t hl = (flags & 0x10) ? 4 : 3;
        size_t al = (flags & 0x10) ? (size_t)(b[off + 2] << 8 | b[off + 3]) : b[off + 2];
        const uint8_t *v = b + off + hl;

        u->nattrs++;
        if (type == 8)
            for (size_t i = 0; i < al; i += 4)
                comm =
                    sig_mix(comm, (uint32_t)v[i] << 24 | v[i + 1] << 16 | v[i + 2] << 8 | v[i + 3]);
        if (type == 32)
            for (size_t i = 0; i < al; i += 4)
                comm =
                    sig_mix(comm, (uint32_t)v[i] << 24 | v[i + 1] << 16 | v[i + 2] << 8 | v[i + 3]);
        if (type == 14) {
            u->reach = v;
            u->reach_len = al;
        }
        if (type == 15) {
            u->unreach = v;
            u->unreach_len = al;
        }
        off += hl + al;
    }
    u->sig = comm ^ large;
}

/* Applies one UPDATE we produced to the model peer. */
static void
peer_apply(struct peer *pe, const uint8_t *m, size_t len)
{
    size_t wl = (size_t)(m[19] << 8 | m[20]), al, off;
    struct upd_parts u;

    assert_true(len >= 23 && len <= 4096);
    assert_int_equal(m[18], BGP_MSG_UPDATE);
    pe->updates++;
    peer_prefixes(pe, m + 21, wl, BGP_FAMILY_IPV4_UNICAST, false, 0);
    off = 21 + wl;
    al = (size_t)(m[off] << 8 | m[off + 1]);
    peer_attrs(m + off + 2, al, &u);
    off += 2 + al;
    if (wl == 0 && al == 0 && off == len) {
        pe->eor++;
        pe->eor_families |= BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST);
    }
    if (u.unreach != NULL) {
        if (u.unreach_len == 3 && u.nattrs == 1) {
            pe->eor++;
            pe->eor_families |= BGP_FAMILY_BIT(BGP_FAMILY_IPV6_UNICAST);
        }
        peer_prefixes(pe, u.unreach + 3, u.unreach_len - 3, BGP_FAMILY_IPV6_UNICAST, false, 0);
    }
    if (u.reach != NULL) {
        size_t nh = u.reach[3];

        peer_prefixes(pe, u.reach + 5 + nh, u.reach_len - 5 - nh, BGP_FAMILY_IPV6_UNICAST, true,
                      u.sig);
    }
    peer_prefixes(pe, m + off, len - off, BGP_FAMILY_IPV4_UNICAST, true, u.sig);
}

static void
peer_init(struct peer *pe)
{
    memset(pe, 0, sizeof(*pe));
    pe->slots = test_calloc(PEER_SLOTS, sizeof(*pe->slots));
}

static void
peer_reset_counts(struct peer *pe)
{
    pe->updates = pe->eor = pe->announced = pe->withdrawn = 0;
    pe->eor_families = 0;
}

/* ------------------------------------------------------------ fixture */

static const struct bgp_update_ctx ctx = {
    .local_as = 64512,
    .ebgp = true,
    .as4 = true,
    .has_nh4 = true,
    .nh4 = {192, 0, 2, 1},
    .has_nh6 = true,
    .nh6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
};

struct fx {
    struct bgp_attr_pool *pool;
    struct bgp_adj_out *rib;
    struct peer peer;
    uint32_t set[4]; /* ids of sets with communities 0, 1, 2 and 3 values */
};

static int
fx_setup(void **state)
{
    struct fx *fx = test_calloc(1, sizeof(*fx));
    static const uint32_t comm[] = {0xfde80001, 0xfde80002, 0xfde80003};

    fx->pool = bgp_attr_pool_new();
    fx->rib = bgp_adj_out_new(fx->pool);
    peer_init(&fx->peer);
    for (size_t i = 0; i < 4; i++) {
        struct bgp_attrs a = {.communities = comm, .ncommunities = i};

        assert_int_equal(bgp_attr_intern(fx->pool, &a, &fx->set[i]), 0);
    }
    *state = fx;
    return 0;
}

static int
fx_teardown(void **state)
{
    struct fx *fx = *state;

    bgp_adj_out_free(fx->rib);
    /* Only the fixture's references remain. */
    assert_int_equal(bgp_attr_pool_count(fx->pool), 4);
    for (size_t i = 0; i < 4; i++)
        bgp_attr_unref(fx->pool, fx->set[i]);
    assert_int_equal(bgp_attr_pool_count(fx->pool), 0);
    bgp_attr_pool_free(fx->pool);
    test_free(fx->peer.slots);
    test_free(fx);
    return 0;
}

/* Sends everything pending to the model peer; returns the message count. */
static size_t
drain(struct fx *fx, size_t max)
{
    uint8_t buf[4096];
    size_t n = 0, len;

    while (n < max && (len = bgp_adj_out_next(fx->rib, &ctx, buf, sizeof(buf))) > 0) {
        peer_apply(&fx->peer, buf, len);
        n++;
    }
    return n;
}

/* The peer holds exactly routes[0..n) (the first of repeated prefixes). */
static void
expect_peer(struct fx *fx, const struct bgp_route *routes, size_t n)
{
    size_t distinct = 0;

    for (size_t i = 0; i < n; i++) {
        struct peer_entry *e = peer_slot(&fx->peer, &routes[i].prefix);
        bool repeated = false;

        for (size_t j = 0; j < i && !repeated; j++)
            repeated = memcmp(&routes[j].prefix, &routes[i].prefix, sizeof(routes[i].prefix)) == 0;
        if (repeated)
            continue;
        distinct++;
        assert_true(e->used);
        assert_int_equal(e->sig, attrs_sig(bgp_attr_get(fx->pool, routes[i].attr)));
    }
    assert_int_equal(fx->peer.count, distinct);
}

static struct bgp_route
route(const char *prefix, uint32_t attr)
{
    return (struct bgp_route){test_prefix(prefix), attr};
}

/* --------------------------------------------------------------- tests */

static void
test_adj_out_initial(void **state)
{
    struct fx *fx = *state;
    struct bgp_route r[] = {
        route("10.0.0.2/32", fx->set[1]),
        route("10.0.0.1/32", fx->set[0]),
        route("10.0.0.3/32", fx->set[1]),
        route("2001:db8::1/128", fx->set[2]),
    };
    struct bgp_adj_out_stats st;

    assert_int_equal(bgp_adj_out_set(fx->rib, r, 4), 0);
    /* Down: nothing to send yet. */
    assert_false(bgp_adj_out_pending(fx->rib));
    assert_int_equal(drain(fx, 100), 0);
    assert_int_equal(bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL), 0);
    assert_true(bgp_adj_out_pending(fx->rib));
    /* IPv4: set 0 alone, set 1 with two prefixes, EoR; IPv6: one, EoR. */
    assert_int_equal(drain(fx, 100), 5);
    assert_int_equal(fx->peer.eor_families, BGP_FAMILIES_ALL);
    expect_peer(fx, r, 4);
    bgp_adj_out_stats(fx->rib, &st);
    assert_int_equal(st.desired[0], 3);
    assert_int_equal(st.advertised[0], 3);
    assert_int_equal(st.advertised[1], 1);
    assert_int_equal(st.pending_announce + st.pending_withdraw, 0);
    assert_int_equal(st.updates, 5);
    /* The same desired set again: nothing at all. */
    assert_int_equal(bgp_adj_out_set(fx->rib, r, 4), 0);
    assert_false(bgp_adj_out_pending(fx->rib));
    assert_int_equal(drain(fx, 100), 0);
}

/* A reload sends only the difference, and never an End-of-RIB again. */
static void
test_adj_out_diff(void **state)
{
    struct fx *fx = *state;
    struct bgp_route a[] = {
        route("10.0.0.1/32", fx->set[0]),
        route("10.0.0.2/32", fx->set[1]),
        route("10.0.0.3/32", fx->set[1]),
        route("10.0.1.0/24", fx->set[0]),
    };
    struct bgp_route b[] = {
        route("10.0.0.1/32", fx->set[0]), /* unchanged */
        route("10.0.0.2/32", fx->set[2]), /* attributes changed */
        route("10.0.0.4/32", fx->set[0]), /* new */
        route("10.0.1.0/24", fx->set[0]), /* unchanged; 10.0.0.3 is gone */
    };

    bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL);
    bgp_adj_out_set(fx->rib, a, 4);
    drain(fx, 100);
    peer_reset_counts(&fx->peer);
    assert_int_equal(bgp_adj_out_set(fx->rib, b, 4), 0);
    /* One withdrawal, then set 0 (10.0.0.4), then set 2 (10.0.0.2). */
    assert_int_equal(drain(fx, 100), 3);
    assert_int_equal(fx->peer.withdrawn, 1);
    assert_int_equal(fx->peer.announced, 2);
    assert_int_equal(fx->peer.eor, 0);
    expect_peer(fx, b, 4);
    /* Everything gone: one withdrawal UPDATE. */
    peer_reset_counts(&fx->peer);
    assert_int_equal(bgp_adj_out_set(fx->rib, NULL, 0), 0);
    assert_int_equal(drain(fx, 100), 1);
    assert_int_equal(fx->peer.withdrawn, 4);
    assert_int_equal(fx->peer.count, 0);
}

/* The initial table is sent whether it was set before or after session up;
 * after the session drops, everything is pending again. */
static void
test_adj_out_session_cycle(void **state)
{
    struct fx *fx = *state;
    struct bgp_route r[] = {route("10.1.0.0/16", fx->set[3]), route("2001:db8::/32", fx->set[3])};
    struct bgp_adj_out_stats st;

    bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL);
    assert_int_equal(drain(fx, 100), 2); /* two empty End-of-RIBs */
    bgp_adj_out_set(fx->rib, r, 2);
    assert_int_equal(drain(fx, 100), 2);
    bgp_adj_out_session_down(fx->rib);
    bgp_adj_out_stats(fx->rib, &st);
    assert_int_equal(st.advertised[0] + st.advertised[1], 0);
    assert_int_equal(st.desired[0] + st.desired[1], 2);
    assert_int_equal(drain(fx, 100), 0);
    memset(fx->peer.slots, 0, PEER_SLOTS * sizeof(*fx->peer.slots));
    fx->peer.count = 0;
    peer_reset_counts(&fx->peer);
    /* IPv6 not negotiated this time: only IPv4 goes out. */
    bgp_adj_out_session_up(fx->rib, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_int_equal(drain(fx, 100), 2);
    assert_int_equal(fx->peer.eor_families, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_int_equal(fx->peer.count, 1);
    /* A change to IPv6 routes sends nothing either. */
    bgp_adj_out_set(fx->rib, r, 1);
    assert_int_equal(drain(fx, 100), 0);
}

/* 10,000 /32 with one set: 13 UPDATEs of at most 810 prefixes and an
 * End-of-RIB; withdrawing them all takes 13 (814 per message). */
static void
test_adj_out_packing(void **state)
{
    struct fx *fx = *state;
    size_t n = 10000;
    struct bgp_route *r = test_calloc(n, sizeof(*r));
    struct bgp_adj_out_stats st;

    for (size_t i = 0; i < n; i++) {
        char text[32];

        snprintf(text, sizeof(text), "10.%zu.%zu.%zu/32", i >> 16, (i >> 8) & 255, i & 255);
        r[n - 1 - i] = route(text, fx->set[0]); /* any order */
    }
    bgp_adj_out_session_up(fx->rib, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_int_equal(bgp_adj_out_set(fx->rib, r, n), 0);
    assert_int_equal(drain(fx, 1000), 14);
    assert_int_equal(fx->peer.announced, n);
    expect_peer(fx, r, n);
    peer_reset_counts(&fx->peer);
    assert_int_equal(bgp_adj_out_set(fx->rib, NULL, 0), 0);
    assert_int_equal(drain(fx, 1000), 13);
    assert_int_equal(fx->peer.withdrawn, n);
    bgp_adj_out_stats(fx->rib, &st);
    assert_int_equal(st.announced, n);
    assert_int_equal(st.withdrawn, n);
    test_free(r);
}

/* Every prefix with its own set: one UPDATE each, since nothing is shared. */
static void
test_adj_out_many_sets(void **state)
{
    struct fx *fx = *state;
    size_t n = 300;
    struct bgp_route *r = test_calloc(n, sizeof(*r));

    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)i;
        struct bgp_attrs a = {.communities = &c, .ncommunities = 1};
        char text[32];

        snprintf(text, sizeof(text), "10.0.%zu.%zu/32", i >> 8, i & 255);
        r[i].prefix = test_prefix(text);
        assert_int_equal(bgp_attr_intern(fx->pool, &a, &r[i].attr), 0);
    }
    bgp_adj_out_session_up(fx->rib, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    bgp_adj_out_set(fx->rib, r, n);
    for (size_t i = 0; i < n; i++)
        bgp_attr_unref(fx->pool, r[i].attr); /* the rib holds its own */
    assert_int_equal(drain(fx, 1000), n + 1);
    expect_peer(fx, r, n);
    bgp_adj_out_set(fx->rib, NULL, 0);
    drain(fx, 1000);
    assert_int_equal(bgp_attr_pool_count(fx->pool), 4); /* theirs are gone */
    test_free(r);
}

static void
test_adj_out_refresh(void **state)
{
    struct fx *fx = *state;
    struct bgp_route r[] = {route("10.0.0.1/32", fx->set[1]), route("10.0.0.2/32", fx->set[1])};
    struct bgp_adj_out_stats st;

    bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL);
    bgp_adj_out_set(fx->rib, r, 2);
    drain(fx, 100);
    peer_reset_counts(&fx->peer);
    assert_int_equal(bgp_adj_out_refresh(fx->rib, BGP_FAMILY_IPV4_UNICAST), 0);
    assert_int_equal(drain(fx, 100), 1);
    assert_int_equal(fx->peer.announced, 2);
    assert_int_equal(fx->peer.eor, 0);
    bgp_adj_out_stats(fx->rib, &st);
    assert_int_equal(st.advertised[0], 2);
    /* IPv6 holds nothing: nothing to send. */
    assert_int_equal(bgp_adj_out_refresh(fx->rib, BGP_FAMILY_IPV6_UNICAST), 0);
    assert_int_equal(drain(fx, 100), 0);
}

static void
test_adj_out_bad_input(void **state)
{
    struct fx *fx = *state;
    struct bgp_route r[] = {route("10.0.0.1/32", fx->set[1]), route("10.0.0.2/32", 777)};
    struct bgp_route dup[] = {route("10.0.0.1/32", fx->set[1]), route("10.0.0.1/32", fx->set[2])};
    struct bgp_adj_out_stats st;

    bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL);
    assert_int_equal(bgp_adj_out_set(fx->rib, r, 2), -1);
    r[1].attr = 0;
    assert_int_equal(bgp_adj_out_set(fx->rib, r, 2), -1);
    r[1].attr = fx->set[0];
    r[1].prefix.len = 33;
    assert_int_equal(bgp_adj_out_set(fx->rib, r, 2), -1);
    bgp_adj_out_stats(fx->rib, &st);
    assert_int_equal(st.desired[0], 0);
    /* Of a repeated prefix, the first counts. */
    assert_int_equal(bgp_adj_out_set(fx->rib, dup, 2), 0);
    drain(fx, 100);
    expect_peer(fx, dup, 2);
    assert_int_equal(peer_slot(&fx->peer, &dup[0].prefix)->sig,
                     attrs_sig(bgp_attr_get(fx->pool, fx->set[1])));
}

/* Sets arriving while UPDATEs are still pending: whatever the interleaving,
 * once drained the peer holds the last desired set, and an identical set
 * sends nothing. */
static void
test_adj_out_interleaved(void **state)
{
    struct fx *fx = *state;
    size_t n = 3000;
    struct bgp_route *r = test_calloc(n, sizeof(*r));
    unsigned seed = 12345;

    bgp_adj_out_session_up(fx->rib, BGP_FAMILIES_ALL);
    for (int round = 0; round < 40; round++) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
            char text[48];

            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 3 == 0)
                continue;
            if (i % 2)
                snprintf(text, sizeof(text), "10.%zu.%zu.0/24", i >> 8, i & 255);
            else
                snprintf(text, sizeof(text), "2001:db8:%zx::/48", i);
            r[k++] = route(text, fx->set[(seed >> 20) % 4]);
        }
        assert_int_equal(bgp_adj_out_set(fx->rib, r, k), 0);
        drain(fx, (seed >> 8) % 7); /* a few messages, maybe none */
        if (round % 10 == 9) {
            drain(fx, 100000);
            expect_peer(fx, r, k);
            assert_int_equal(bgp_adj_out_set(fx->rib, r, k), 0);
            assert_int_equal(drain(fx, 100000), 0);
        }
    }
    test_free(r);
}

/* The attribute pool: interning finds equal sets, whatever their order. */
static void
test_attr_pool(void **state)
{
    struct bgp_attr_pool *pool = bgp_attr_pool_new();
    uint32_t c1[] = {3, 1, 2, 1}, c2[] = {1, 2, 3};
    struct bgp_large_community l1[] = {{2, 0, 0}, {1, 5, 5}}, l2[] = {{1, 5, 5}, {2, 0, 0}};
    struct bgp_attrs a = {.communities = c1, .ncommunities = 4, .large = l1, .nlarge = 2};
    struct bgp_attrs b = {.communities = c2, .ncommunities = 3, .large = l2, .nlarge = 2};
    uint32_t ida, idb, idc, ids[1000];
    const struct bgp_attrs *v;

    (void)state;
    assert_int_equal(bgp_attr_intern(pool, &a, &ida), 0);
    assert_int_equal(bgp_attr_intern(pool, &b, &idb), 0);
    assert_int_equal(ida, idb);
    assert_int_equal(bgp_attr_pool_count(pool), 1);
    v = bgp_attr_get(pool, ida);
    assert_int_equal(v->ncommunities, 3);
    assert_int_equal(v->communities[0], 1);
    assert_int_equal(v->large[0].global, 1);
    b.has_local_pref = true;
    assert_int_equal(bgp_attr_intern(pool, &b, &idc), 0);
    assert_int_not_equal(idc, ida);
    for (uint32_t i = 0; i < 1000; i++) {
        struct bgp_attrs x = {.has_local_pref = true, .local_pref = i};

        assert_int_equal(bgp_attr_intern(pool, &x, &ids[i]), 0);
    }
    assert_int_equal(bgp_attr_pool_count(pool), 1002);
    for (uint32_t i = 0; i < 1000; i++)
        bgp_attr_unref(pool, ids[i]);
    bgp_attr_unref(pool, ida);
    assert_non_null(bgp_attr_get(pool, ida)); /* one reference left */
    bgp_attr_unref(pool, idb);
    assert_null(bgp_attr_get(pool, ida));
    /* Freed ids are reused. */
    assert_int_equal(bgp_attr_intern(pool, &a, &idb), 0);
    assert_true(idb <= 1002);
    a.ncommunities = 513;
    assert_int_equal(bgp_attr_intern(pool, &a, &ida), -1);
    bgp_attr_pool_free(pool);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

const struct CMUnitTest test_adj_out[] = {
    FX(test_adj_out_initial),   FX(test_adj_out_diff),        FX(test_adj_out_session_cycle),
    FX(test_adj_out_packing),   FX(test_adj_out_many_sets),   FX(test_adj_out_refresh),
    FX(test_adj_out_bad_input), FX(test_adj_out_interleaved), cmocka_unit_test(test_attr_pool),
};
const size_t test_adj_out_count = sizeof(test_adj_out) / sizeof(test_adj_out[0]);

/*
 * Stickiness property: 1,000 seeded random sequences of adds and removes
 * over a fixed universe of objects and small pools (so that pools run out,
 * sharing and requested addresses collide). After every step:
 *  - no surviving object lost an address it held (PreferDualStack may add one);
 *  - no address is held by two objects that may not share it;
 *  - the same input in another order gives the very same results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipaddr.h"
#include "tests.h"

enum { U = 28, STEPS = 12, SEQUENCES = 1000 };

struct u_req {
    char ns[4], name[8], key[32];
    enum ipam_policy policy;
    enum ip_family primary;
    const char *sharing_key, *backend_key, *pool;
    struct ip_addr want[2];
    size_t n_want;
    struct ipam_port ports[2];
    size_t n_ports;
    int64_t created;
    bool selected;
    bool active;
    struct ip_addr last[2];
    size_t n_last;
};

static uint32_t
rnd(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static const char *const want_pool[] = {"p-a", "p-b", "p-man", "p-team", "nope"};
static const char *const want_ip[] = {"10.0.0.2", "10.0.1.1", "10.0.5.1", "fc00::3", "10.0.9.9",
                                      "10.0.2.255"};
static const struct ipam_port port_set[] = {
    {IPAM_PROTO_TCP, 80}, {IPAM_PROTO_TCP, 443}, {IPAM_PROTO_UDP, 53}, {IPAM_PROTO_TCP, 53}};

static void
u_init(struct u_req *u, int i, uint32_t *s)
{
    uint32_t x = rnd(s) % 100;

    memset(u, 0, sizeof(*u));
    snprintf(u->ns, sizeof(u->ns), "%c", "abc"[rnd(s) % 3]);
    snprintf(u->name, sizeof(u->name), "s%02d", i);
    snprintf(u->key, sizeof(u->key), "%.3s/%.7s", u->ns, u->name);
    u->policy = x < 60 ? IPAM_SINGLE_V4 : x < 70 ? IPAM_SINGLE_V6 : x < 85 ? IPAM_PREFER_DUAL
                                                                           : IPAM_REQUIRE_DUAL;
    u->primary = rnd(s) % 2 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    x = rnd(s) % 10;
    u->sharing_key = x < 6 ? NULL : x < 8 ? "k1" : "k2";
    u->backend_key = rnd(s) % 5 == 0 ? "app=x" : "";
    u->n_ports = 1 + rnd(s) % 2;
    for (size_t p = 0; p < u->n_ports; p++)
        u->ports[p] = port_set[rnd(s) % 4];
    u->created = rnd(s) % 6;
    u->selected = rnd(s) % 3 == 0;
    if (rnd(s) % 10 == 0)
        u->pool = want_pool[rnd(s) % 5];
    if (rnd(s) % 10 == 0) {
        u->want[0] = t_ip(want_ip[rnd(s) % 6]);
        u->n_want = 1;
        if (u->policy >= IPAM_PREFER_DUAL && rnd(s) % 2)
            u->want[u->n_want++] = t_ip(u->want[0].family == IP_FAMILY_V4 ? "fc00::4" : "10.0.0.3");
    }
}

static void
add_pools(struct t_env *e, uint32_t *s)
{
    int first = (int)(rnd(s) % 6);

    for (int k = 0; k < 6; k++) {
        switch ((first + k) % 6) {
        case 0:
            t_pool(e, "p-a", "10.0.0.0/29, fc00::/125")->avoid_buggy_ips = true;
            break;
        case 1:
            t_pool(e, "p-b", "10.0.1.0/30");
            break;
        case 2:
            t_pool(e, "p-c", "fc00:1::/126, 10.0.2.250-10.0.3.5")->avoid_buggy_ips = true;
            break;
        case 3:
            t_pool_alloc(e, t_pool(e, "p-team", "10.0.4.0/30, fc00:4::/127"), 1, "a");
            break;
        case 4:
            t_pool(e, "p-man", "10.0.5.0/30")->auto_assign = false;
            break;
        default:
            t_pool_alloc(e, t_pool(e, "p-sel", "10.0.6.0/31"), 2, NULL);
            t_pool_named(e, "p-sel")->has_service_selectors = true;
            break;
        }
    }
}

/* Builds the input from the active objects, in an order drawn from s. */
static void
build(struct t_env *e, struct u_req *u, uint32_t *s)
{
    int order[U], n = 0;

    e->n_pools = 0;
    e->n_reqs = 0;
    memset(e->sel, 0, sizeof(e->sel));
    add_pools(e, s);
    for (int i = 0; i < U; i++)
        if (u[i].active)
            order[n++] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rnd(s) % (uint32_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < n; k++) {
        const struct u_req *q = &u[order[k]];
        struct ipam_request *r = t_svc(e, q->key);
        r->created = q->created;
        r->policy = q->policy;
        r->primary = q->primary;
        r->sharing_key = q->sharing_key;
        r->backend_key = q->backend_key;
        r->requested_pool = q->pool;
        r->requested_ips = q->want;
        r->n_requested_ips = q->n_want;
        r->ports = q->ports;
        r->n_ports = q->n_ports;
        r->prev_ips = q->last;
        r->n_prev_ips = q->n_last;
        if (q->selected)
            e->sel[t_pool_named(e, "p-sel") - e->pools][k] = true;
    }
}

/* What the sequences exercised, so that the property cannot pass vacuously. */
struct p_stats {
    size_t kept, shared, pending, errors, extended, moved;
};

static bool
has_ip(const struct ipam_result *r, const struct ip_addr *a)
{
    for (size_t i = 0; i < r->n_ips; i++)
        if (ip_addr_equal(&r->ips[i], a))
            return true;
    return false;
}

static bool
ports_overlap(const struct ipam_request *a, const struct ipam_request *b)
{
    for (size_t i = 0; i < a->n_ports; i++)
        for (size_t j = 0; j < b->n_ports; j++)
            if (a->ports[i].proto == b->ports[j].proto && a->ports[i].port == b->ports[j].port)
                return true;
    return false;
}

static void
check_no_double_use(const struct t_env *e, struct p_stats *ps)
{
    for (size_t i = 0; i < e->n_reqs; i++) {
        const struct ipam_request *a = &e->reqs[i];
        for (size_t j = i + 1; j < e->n_reqs; j++) {
            const struct ipam_request *b = &e->reqs[j];
            bool shared = false;
            for (size_t k = 0; k < e->out.results[i].n_ips; k++)
                shared |= has_ip(&e->out.results[j], &e->out.results[i].ips[k]);
            if (!shared)
                continue;
            ps->shared++;
            assert_non_null(a->sharing_key);
            assert_non_null(b->sharing_key);
            assert_string_equal(a->sharing_key, b->sharing_key);
            assert_string_equal(a->backend_key, b->backend_key);
            assert_false(ports_overlap(a, b));
        }
    }
}

static bool
same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Gives every request of f its name rank (1 + how many distinct (ns, name)
 * pairs sort before it), as a caller that sorted by name would. */
static void
rank_names(struct t_env *f)
{
    for (size_t i = 0; i < f->n_reqs; i++) {
        uint32_t below = 0;
        for (size_t j = 0; j < f->n_reqs; j++) {
            int c = strcmp(f->reqs[j].ns, f->reqs[i].ns);
            if (c == 0)
                c = strcmp(f->reqs[j].name, f->reqs[i].name);
            below += c < 0;
        }
        f->reqs[i].name_rank = 1 + below;
    }
}

/* Runs the same objects in another order, every other time with name
 * ranks given: identical results, object by object. */
static void
check_order_free(struct t_env *e, struct t_env *f, struct u_req *u, uint32_t *s)
{
    build(f, u, s);
    if (rnd(s) % 2)
        rank_names(f);
    t_run(f);
    for (size_t i = 0; i < e->n_reqs; i++) {
        char key[32];
        const struct ipam_result *x = &e->out.results[i], *y;
        snprintf(key, sizeof(key), "%s/%s", e->reqs[i].ns, e->reqs[i].name);
        y = t_res(f, key);
        assert_int_equal(x->n_ips, y->n_ips);
        for (size_t k = 0; k < x->n_ips; k++)
            assert_true(ip_addr_equal(&x->ips[k], &y->ips[k]));
        assert_int_equal(x->status, y->status);
        assert_true(same_str(x->reason, y->reason) && same_str(x->note, y->note));
        assert_true(same_str(x->pool, y->pool));
    }
}

/* Survivors keep what they held; then the results become the next state. */
static void
check_and_carry(struct t_env *e, struct u_req *u, struct p_stats *ps)
{
    for (int i = 0; i < U; i++) {
        const struct ipam_result *r;
        if (!u[i].active)
            continue;
        r = t_res(e, u[i].key);
        for (size_t k = 0; k < u[i].n_last; k++)
            if (!has_ip(r, &u[i].last[k]))
                fail_msg("%s lost an address (change %d, note %s)", u[i].key, r->change,
                         r->note ? r->note : "-");
        ps->kept += u[i].n_last > 0;
        ps->pending += r->status == IPAM_PENDING;
        ps->errors += r->status == IPAM_ERROR;
        ps->extended += r->change == IPAM_CHANGE_EXTENDED;
        ps->moved += r->change == IPAM_CHANGE_MOVED;
        assert_true(r->n_ips <= 2);
        if (r->n_ips == 2)
            assert_int_not_equal(r->ips[0].family, r->ips[1].family);
        memcpy(u[i].last, r->ips, sizeof(u[i].last));
        u[i].n_last = r->n_ips;
    }
}

static void
one_sequence(struct t_env *e, struct t_env *f, uint32_t seed, struct p_stats *ps)
{
    struct u_req u[U];
    uint32_t s = seed * 2654435761u + 1;

    for (int i = 0; i < U; i++)
        u_init(&u[i], i, &s);
    for (int step = 0; step < STEPS; step++) {
        uint32_t toggles = 1 + rnd(&s) % (step == 0 ? 20 : 5);
        for (uint32_t t = 0; t < toggles; t++) {
            struct u_req *q = &u[rnd(&s) % U];
            q->active = !q->active;
            q->n_last = 0;
        }
        build(e, u, &s);
        t_run(e);
        check_no_double_use(e, ps);
        check_order_free(e, f, u, &s);
        check_and_carry(e, u, ps);
    }
}

static void
no_survivor_ever_moves(void **state)
{
    struct t_env *e = t_new(), *f = t_new();
    struct p_stats ps = {0};

    (void)state;
    for (uint32_t seed = 1; seed <= SEQUENCES; seed++) {
        one_sequence(e, f, seed, &ps);
        arena_free(&e->a);
        arena_init(&e->a, 0, 0);
        arena_free(&f->a);
        arena_init(&f->a, 0, 0);
    }
    print_message("kept %zu shared %zu pending %zu errors %zu extended %zu moved %zu\n", ps.kept,
                  ps.shared, ps.pending, ps.errors, ps.extended, ps.moved);
    assert_true(ps.kept > 0 && ps.shared > 0 && ps.pending > 0 && ps.errors > 0 &&
                ps.extended > 0);
    t_free(e);
    t_free(f);
}

/*
 * Lowest-free under churn, against a naive walk: one avoidBuggyIPs pool of
 * three entries, objects coming and going at random. Holders keep their
 * address; newcomers, by (created, name), each get the first address of
 * the declared walk that nobody holds, or stay pending when none is left.
 */
static const char *const walk[] = {"10.0.0.250", "10.0.0.251", "10.0.0.252", "10.0.0.253",
                                   "10.0.0.254", "10.0.1.1",   "10.0.1.2",   "10.0.1.3",
                                   "10.0.3.1",   "10.0.3.2",   "10.0.3.3",   "10.0.2.1"};
enum { W = sizeof(walk) / sizeof(walk[0]), NAIVE_U = 16 };

static bool
is_walk(const struct ip_addr *a, int w)
{
    struct ip_addr b = t_ip(walk[w]);

    return ip_addr_equal(a, &b);
}

static void
naive_step(struct t_env *e, bool *active, struct ip_addr *held, bool *holds, uint32_t *s)
{
    int order[NAIVE_U], n = 0;
    bool used[W] = {false};

    e->n_pools = 0;
    e->n_reqs = 0;
    t_pool(e, "p", "10.0.0.250-10.0.1.3, 10.0.3.0/30, 10.0.2.0/31")->avoid_buggy_ips = true;
    for (int i = 0; i < NAIVE_U; i++) {
        char key[16];
        struct ipam_request *r;
        if (!active[i])
            continue;
        snprintf(key, sizeof(key), "ns/n%02d", i);
        r = t_svc(e, key);
        r->created = (int64_t)(rnd(s) % 3);
        if (holds[i]) {
            r->prev_ips = &held[i];
            r->n_prev_ips = 1;
            for (int w = 0; w < W; w++)
                used[w] |= is_walk(&held[i], w);
        } else {
            order[n++] = (int)(e->n_reqs - 1);
        }
    }
    t_run(e);
    /* order[] holds input positions of newcomers; sort them as ipam does. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            const struct ipam_request *a = &e->reqs[order[j - 1]], *b = &e->reqs[order[j]];
            int t;
            if (a->created < b->created ||
                (a->created == b->created && strcmp(a->name, b->name) < 0))
                break;
            t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < n; k++) {
        const struct ipam_result *r = &e->out.results[order[k]];
        int w = 0;
        while (w < W && used[w])
            w++;
        if (w == W) {
            assert_int_equal(r->status, IPAM_PENDING);
            continue;
        }
        used[w] = true;
        assert_int_equal(r->n_ips, 1);
        assert_true(is_walk(&r->ips[0], w));
    }
}

static void
lowest_free_matches_a_naive_walk(void **state)
{
    struct t_env *e = t_new();

    (void)state;
    for (uint32_t seed = 1; seed <= SEQUENCES; seed++) {
        bool active[NAIVE_U] = {false}, holds[NAIVE_U] = {false};
        struct ip_addr held[NAIVE_U];
        uint32_t s = seed * 2246822519u + 3;

        for (int step = 0; step < 10; step++) {
            for (uint32_t t = 1 + rnd(&s) % 6; t > 0; t--) {
                int i = (int)(rnd(&s) % NAIVE_U);
                active[i] = !active[i];
                holds[i] = false;
            }
            naive_step(e, active, held, holds, &s);
            for (size_t j = 0; j < e->n_reqs; j++) {
                int i = atoi(e->reqs[j].name + 1);
                holds[i] = e->out.results[j].n_ips == 1;
                if (holds[i])
                    held[i] = e->out.results[j].ips[0];
            }
        }
        arena_free(&e->a);
        arena_init(&e->a, 0, 0);
    }
    t_free(e);
}

const struct CMUnitTest test_property[] = {
    cmocka_unit_test(no_survivor_ever_moves),
    cmocka_unit_test(lowest_free_matches_a_naive_walk),
};
const size_t test_property_count = sizeof(test_property) / sizeof(test_property[0]);

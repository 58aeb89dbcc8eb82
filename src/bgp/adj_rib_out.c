/*
 * DOC: the per-peer Adj-RIB-Out.
 *
 * Per family, one table sorted by prefix, stored as three parallel arrays
 * (structure of arrays, so an IPv4 entry costs 12 bytes and nothing else):
 *   keys  the address bytes in network order (4 or 16 per entry), so that
 *         memcmp orders them numerically;
 *   meta  prefix length << 24 | the desired attribute set id (0: withdraw);
 *   sent  the attribute set id the peer holds (0: nothing).
 * An entry exists while it is desired or held. Each non-zero id in meta or
 * sent holds one reference on the pool's set.
 *
 * bgp_adj_out_set() merges the new desired list (sorted once) with the
 * table in one linear pass; entries whose desired id equals their sent id
 * need nothing, so a reload costs messages only for what changed. While the
 * session is up, the pending work is two queues per family, rebuilt by
 * every set/up/refresh: indices to withdraw (in prefix order) and
 * (id << 32 | index) to announce, sorted so that prefixes sharing a set are
 * adjacent and fill as few UPDATEs as 4096 bytes allow. Emitting an UPDATE
 * moves its entries' sent to their desired id. The queues are freed once
 * drained, so a quiet table costs its three arrays only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/internal.h"

#define RIB_LEN(meta) ((meta) >> 24)
#define RIB_ID(meta) ((meta)&0xffffffu)
#define RIB_META(len, id) ((uint32_t)(len) << 24 | (id))

struct rib_fam {
    size_t n, cap;
    uint8_t *keys;
    uint32_t *meta;
    uint32_t *sent;
    size_t ndesired, nadvertised;
    uint32_t *wq; /* pending withdrawals: indices */
    size_t wq_n, wq_pos;
    uint64_t *aq; /* pending announcements: id << 32 | index */
    size_t aq_n, aq_pos;
    bool enabled;     /* sent on this session */
    bool eor_pending; /* End-of-RIB after the initial table */
    bool dirty;       /* entries with nothing desired nor held remain */
};

struct bgp_adj_out {
    struct bgp_attr_pool *pool;
    bool up;
    struct rib_fam fam[BGP_FAMILY_COUNT];
    uint64_t updates, announced, withdrawn;
};

static size_t
rib_klen(int f)
{
    return f == BGP_FAMILY_IPV6_UNICAST ? 16 : 4;
}

struct bgp_adj_out *
bgp_adj_out_new(struct bgp_attr_pool *pool)
{
    struct bgp_adj_out *rib = calloc(1, sizeof(*rib));

    if (rib != NULL)
        rib->pool = pool;
    return rib;
}

static void
rib_queues_free(struct rib_fam *t)
{
    free(t->wq);
    free(t->aq);
    t->wq = NULL;
    t->aq = NULL;
    t->wq_n = t->wq_pos = t->aq_n = t->aq_pos = 0;
}

void
bgp_adj_out_free(struct bgp_adj_out *rib)
{
    if (rib == NULL)
        return;
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        struct rib_fam *t = &rib->fam[f];

        for (size_t i = 0; i < t->n; i++) {
            bgp_attr_unref(rib->pool, RIB_ID(t->meta[i]));
            bgp_attr_unref(rib->pool, t->sent[i]);
        }
        rib_queues_free(t);
        free(t->keys);
        free(t->meta);
        free(t->sent);
    }
    free(rib);
}

/* ------------------------------------------------------------- queues */

static int
rib_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* Sorts the announcements by set unless they already are (one set). */
static void
rib_sort_aq(struct rib_fam *t)
{
    for (size_t i = 1; i < t->aq_n; i++) {
        if (t->aq[i - 1] > t->aq[i]) {
            qsort(t->aq, t->aq_n, sizeof(*t->aq), rib_u64_cmp);
            return;
        }
    }
}

/* Counts the pending withdrawals and announcements of a table. */
static void
rib_queues_count(const struct rib_fam *t, size_t *nw, size_t *na)
{
    *nw = *na = 0;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t want = RIB_ID(t->meta[i]);

        *nw += want == 0 && t->sent[i] != 0;
        *na += want != 0 && want != t->sent[i];
    }
}

/* Replaces the queues with wq and aq (owned from now on, large enough for
 * every pending entry) filled from the table. */
static void
rib_queues_fill(struct rib_fam *t, uint32_t *wq, uint64_t *aq)
{
    rib_queues_free(t);
    t->wq = wq;
    t->aq = aq;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t want = RIB_ID(t->meta[i]);

        if (want == 0 && t->sent[i] != 0)
            t->wq[t->wq_n++] = (uint32_t)i;
        else if (want != 0 && want != t->sent[i])
            t->aq[t->aq_n++] = (uint64_t)want << 32 | i;
    }
    rib_sort_aq(t);
}

/* Rebuilds the pending queues of a family from its table. Returns 0, or -1
 * (no memory; nothing changed). */
static int
rib_queues_build(struct rib_fam *t)
{
    size_t nw, na;
    uint32_t *wq;
    uint64_t *aq;

    if (!t->enabled) {
        rib_queues_free(t);
        return 0;
    }
    rib_queues_count(t, &nw, &na);
    wq = malloc(nw * sizeof(*wq) + 1);
    aq = malloc(na * sizeof(*aq) + 1);
    if (wq == NULL || aq == NULL) {
        free(wq);
        free(aq);
        return -1;
    }
    rib_queues_fill(t, wq, aq);
    return 0;
}

/* Drops entries that are neither desired nor held. */
static void
rib_compact(struct rib_fam *t, size_t klen)
{
    size_t out = 0;

    for (size_t i = 0; i < t->n; i++) {
        if (RIB_ID(t->meta[i]) == 0 && t->sent[i] == 0)
            continue;
        if (out != i) {
            memcpy(t->keys + out * klen, t->keys + i * klen, klen);
            t->meta[out] = t->meta[i];
            t->sent[out] = t->sent[i];
        }
        out++;
    }
    t->n = out;
    t->dirty = false;
}

/* -------------------------------------------------------------- input */

struct rib_input {
    const struct bgp_route **v[BGP_FAMILY_COUNT];
    size_t n[BGP_FAMILY_COUNT];
};

static int
rib_route_cmp(const void *a, const void *b)
{
    const struct bgp_route *x = *(const struct bgp_route *const *)a;
    const struct bgp_route *y = *(const struct bgp_route *const *)b;
    int c = memcmp(x->prefix.addr, y->prefix.addr, rib_klen(x->prefix.family));

    return c != 0 ? c : (int)x->prefix.len - (int)y->prefix.len;
}

static bool
rib_route_valid(const struct bgp_adj_out *rib, const struct bgp_route *r)
{
    return r->prefix.family < BGP_FAMILY_COUNT &&
           r->prefix.len <= bgp_family_bits(r->prefix.family) &&
           bgp_attr_get(rib->pool, r->attr) != NULL;
}

/* Splits the routes by family and sorts them. Returns 0 or -1 (errno). */
static int
rib_input_prepare(const struct bgp_adj_out *rib, const struct bgp_route *routes, size_t n,
                  struct rib_input *in)
{
    memset(in, 0, sizeof(*in));
    for (size_t i = 0; i < n; i++) {
        if (!rib_route_valid(rib, &routes[i])) {
            errno = EINVAL;
            return -1;
        }
        in->n[routes[i].prefix.family]++;
    }
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        in->v[f] = in->n[f] ? malloc(in->n[f] * sizeof(*in->v[f])) : NULL;
        if (in->n[f] && in->v[f] == NULL)
            return -1;
        in->n[f] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        int f = routes[i].prefix.family;

        in->v[f][in->n[f]++] = &routes[i];
    }
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        for (size_t i = 1; i < in->n[f]; i++) {
            if (rib_route_cmp(&in->v[f][i - 1], &in->v[f][i]) > 0) {
                qsort(in->v[f], in->n[f], sizeof(*in->v[f]), rib_route_cmp);
                break;
            }
        }
    }
    return 0;
}

static void
rib_input_free(struct rib_input *in)
{
    for (int f = 0; f < BGP_FAMILY_COUNT; f++)
        free(in->v[f]);
}

/* -------------------------------------------------------------- merge */

struct rib_arrays {
    uint8_t *keys;
    uint32_t *meta;
    uint32_t *sent;
    size_t cap;
};

static void
rib_arrays_free(struct rib_arrays *a)
{
    free(a->keys);
    free(a->meta);
    free(a->sent);
    a->keys = NULL;
    a->meta = NULL;
    a->sent = NULL;
}

static int
rib_arrays_alloc(struct rib_arrays *a, size_t cap, size_t klen)
{
    a->cap = cap;
    a->keys = malloc(cap * klen + 1);
    a->meta = malloc(cap * sizeof(*a->meta) + 1);
    a->sent = malloc(cap * sizeof(*a->sent) + 1);
    if (a->keys == NULL || a->meta == NULL || a->sent == NULL) {
        rib_arrays_free(a);
        return -1;
    }
    return 0;
}

/* Compares table entry i with a route: <0, 0, >0. */
static int
rib_cmp_entry(const struct rib_fam *t, size_t i, size_t klen, const struct bgp_route *r)
{
    int c = memcmp(t->keys + i * klen, r->prefix.addr, klen);

    return c != 0 ? c : (int)RIB_LEN(t->meta[i]) - (int)r->prefix.len;
}

struct rib_merge {
    struct bgp_adj_out *rib;
    struct rib_fam *t;
    struct rib_arrays *out;
    size_t klen, n, ndesired;
};

static void
rib_merge_put(struct rib_merge *m, const uint8_t *key, unsigned len, uint32_t want, uint32_t sent)
{
    if (want == 0 && sent == 0)
        return;
    memcpy(m->out->keys + m->n * m->klen, key, m->klen);
    m->out->meta[m->n] = RIB_META(len, want);
    m->out->sent[m->n] = sent;
    m->ndesired += want != 0;
    m->n++;
}

/* One table entry that the new list does not have: withdraw if held. */
static void
rib_merge_old(struct rib_merge *m, size_t i)
{
    bgp_attr_unref(m->rib->pool, RIB_ID(m->t->meta[i]));
    rib_merge_put(m, m->t->keys + i * m->klen, RIB_LEN(m->t->meta[i]), 0, m->t->sent[i]);
}

/* A route, with the table entry for the same prefix or none (i == SIZE_MAX). */
static void
rib_merge_new(struct rib_merge *m, const struct bgp_route *r, size_t i)
{
    bgp_attr_ref(m->rib->pool, r->attr);
    if (i == SIZE_MAX) {
        rib_merge_put(m, r->prefix.addr, r->prefix.len, r->attr, 0);
        return;
    }
    bgp_attr_unref(m->rib->pool, RIB_ID(m->t->meta[i]));
    rib_merge_put(m, r->prefix.addr, r->prefix.len, r->attr, m->t->sent[i]);
}

/* Merges the sorted routes into family table t, writing to out. */
static void
rib_merge(struct rib_merge *m, const struct bgp_route *const *v, size_t nv)
{
    size_t i = 0, j = 0;

    while (i < m->t->n || j < nv) {
        int c;

        if (j > 0 && j < nv && rib_route_cmp(&v[j - 1], &v[j]) == 0) {
            j++; /* a repeated prefix: the first one counts */
            continue;
        }
        c = i >= m->t->n ? 1 : j >= nv ? -1 : rib_cmp_entry(m->t, i, m->klen, v[j]);
        if (c < 0) {
            rib_merge_old(m, i++);
        } else {
            rib_merge_new(m, v[j++], c == 0 ? i : SIZE_MAX);
            i += c == 0;
        }
    }
}

/* Gives back what the merge reserved but did not use (a reload reserves
 * room for the old and the new table). A failed realloc keeps the bigger
 * block, which is still correct. */
static void
rib_arrays_fit(struct rib_arrays *a, size_t n, size_t klen)
{
    void *p;

    if (n >= a->cap / 4 * 3)
        return;
    if ((p = realloc(a->keys, n * klen + 1)) != NULL)
        a->keys = p;
    if ((p = realloc(a->meta, n * sizeof(*a->meta) + 1)) != NULL)
        a->meta = p;
    if ((p = realloc(a->sent, n * sizeof(*a->sent) + 1)) != NULL)
        a->sent = p;
    if (a->keys != NULL && a->meta != NULL && a->sent != NULL)
        a->cap = n;
}

static void
rib_install(struct rib_fam *t, struct rib_arrays *a, size_t n, size_t ndesired)
{
    free(t->keys);
    free(t->meta);
    free(t->sent);
    t->keys = a->keys;
    t->meta = a->meta;
    t->sent = a->sent;
    t->cap = a->cap;
    t->n = n;
    t->ndesired = ndesired;
    t->dirty = false;
}

/*
 * Everything bgp_adj_out_set needs before it changes anything: the sorted
 * input, the new tables and, while the session is up, queues large enough
 * for any outcome (withdrawals <= entries now, announcements <= routes).
 */
struct rib_prep {
    struct rib_input in;
    struct rib_arrays out[BGP_FAMILY_COUNT];
    uint32_t *wq[BGP_FAMILY_COUNT];
    uint64_t *aq[BGP_FAMILY_COUNT];
};

static void
rib_prep_free(struct rib_prep *p)
{
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        rib_arrays_free(&p->out[f]);
        free(p->wq[f]);
        free(p->aq[f]);
    }
    rib_input_free(&p->in);
}

static int
rib_prepare(struct bgp_adj_out *rib, const struct bgp_route *routes, size_t n, struct rib_prep *p)
{
    memset(p, 0, sizeof(*p));
    if (rib_input_prepare(rib, routes, n, &p->in) < 0)
        return -1;
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        struct rib_fam *t = &rib->fam[f];

        if (rib_arrays_alloc(&p->out[f], t->n + p->in.n[f], rib_klen(f)) < 0)
            return -1;
        if (!rib->up || !t->enabled)
            continue;
        p->wq[f] = malloc(t->n * sizeof(*p->wq[f]) + 1);
        p->aq[f] = malloc(p->in.n[f] * sizeof(*p->aq[f]) + 1);
        if (p->wq[f] == NULL || p->aq[f] == NULL)
            return -1;
    }
    return 0;
}

int
bgp_adj_out_set(struct bgp_adj_out *rib, const struct bgp_route *routes, size_t n)
{
    struct rib_prep p;

    if (rib_prepare(rib, routes, n, &p) < 0) {
        rib_prep_free(&p);
        return -1;
    }
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        struct rib_fam *t = &rib->fam[f];
        struct rib_merge m = {rib, t, &p.out[f], rib_klen(f), 0, 0};

        rib_merge(&m, p.in.v[f], p.in.n[f]);
        rib_arrays_fit(&p.out[f], m.n, rib_klen(f));
        rib_install(t, &p.out[f], m.n, m.ndesired);
        memset(&p.out[f], 0, sizeof(p.out[f]));
        if (p.wq[f] != NULL) {
            rib_queues_fill(t, p.wq[f], p.aq[f]);
            p.wq[f] = NULL;
            p.aq[f] = NULL;
        }
    }
    rib_prep_free(&p);
    return 0;
}

/* ------------------------------------------------------------ session */

int
bgp_adj_out_session_up(struct bgp_adj_out *rib, uint32_t families)
{
    bgp_adj_out_session_down(rib);
    rib->up = true;
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        struct rib_fam *t = &rib->fam[f];

        t->enabled = (families & BGP_FAMILY_BIT(f)) != 0;
        t->eor_pending = t->enabled;
        if (rib_queues_build(t) < 0) {
            bgp_adj_out_session_down(rib);
            return -1;
        }
    }
    return 0;
}

void
bgp_adj_out_session_down(struct bgp_adj_out *rib)
{
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        struct rib_fam *t = &rib->fam[f];

        for (size_t i = 0; i < t->n; i++) {
            bgp_attr_unref(rib->pool, t->sent[i]);
            t->sent[i] = 0;
        }
        rib_queues_free(t);
        rib_compact(t, rib_klen(f));
        t->nadvertised = 0;
        t->enabled = false;
        t->eor_pending = false;
    }
    rib->up = false;
}

int
bgp_adj_out_refresh(struct bgp_adj_out *rib, enum bgp_family f)
{
    struct rib_fam *t;
    uint32_t *saved;

    if ((unsigned)f >= BGP_FAMILY_COUNT || !rib->up || !rib->fam[f].enabled)
        return 0;
    t = &rib->fam[f];
    saved = malloc(t->n * sizeof(*saved) + 1);
    if (saved == NULL)
        return -1;
    /* What the peer holds and we still want goes again (RFC 2918 4):
     * forget it was sent, so the queues pick it up. */
    memcpy(saved, t->sent, t->n * sizeof(*saved));
    for (size_t i = 0; i < t->n; i++) {
        if (RIB_ID(t->meta[i]) != 0)
            t->sent[i] = 0;
    }
    if (rib_queues_build(t) < 0) {
        memcpy(t->sent, saved, t->n * sizeof(*saved));
        free(saved);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (saved[i] != t->sent[i]) {
            bgp_attr_unref(rib->pool, saved[i]);
            t->nadvertised--;
        }
    }
    free(saved);
    return 0;
}

bool
bgp_adj_out_pending(const struct bgp_adj_out *rib)
{
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        const struct rib_fam *t = &rib->fam[f];

        if (t->wq_pos < t->wq_n || t->aq_pos < t->aq_n || t->eor_pending)
            return true;
    }
    return false;
}

/* ----------------------------------------------------------- emitting */

/* Moves entry i's held id to want, keeping the references and counts. */
static void
rib_mark_sent(struct bgp_adj_out *rib, struct rib_fam *t, size_t i, uint32_t want)
{
    if (want != 0)
        bgp_attr_ref(rib->pool, want);
    if (t->sent[i] != 0)
        bgp_attr_unref(rib->pool, t->sent[i]);
    t->nadvertised += (t->sent[i] == 0) - (want == 0);
    if (want == 0)
        t->dirty = true;
    t->sent[i] = want;
}

static size_t
rib_emit_withdraw(struct bgp_adj_out *rib, int f, uint8_t *buf, size_t cap)
{
    struct rib_fam *t = &rib->fam[f];
    size_t klen = rib_klen(f);
    struct bgp_upd_builder b;

    if (!bgp_upd_begin_withdraw(&b, (enum bgp_family)f, buf, cap)) {
        t->wq_pos = t->wq_n;
        return 0;
    }
    for (; t->wq_pos < t->wq_n; t->wq_pos++) {
        uint32_t i = t->wq[t->wq_pos];

        if (RIB_ID(t->meta[i]) != 0 || t->sent[i] == 0)
            continue; /* not pending any more */
        if (!bgp_upd_add(&b, RIB_LEN(t->meta[i]), t->keys + (size_t)i * klen))
            break;
        rib_mark_sent(rib, t, i, 0);
        rib->withdrawn++;
    }
    return bgp_upd_finish(&b);
}

/* Starts an announcement for attribute set id; false if it cannot be. */
static bool
rib_begin_announce(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, int f, uint32_t id,
                   struct bgp_upd_builder *b, uint8_t *attrs, uint8_t *buf, size_t cap)
{
    const struct bgp_attrs *a = bgp_attr_get(rib->pool, id);
    size_t alen;

    if (a == NULL)
        return false;
    alen = bgp_attrs_encode(ctx, a, (enum bgp_family)f, attrs, BGP_ATTR_SCRATCH);
    return alen > 0 && bgp_upd_begin_announce(b, ctx, (enum bgp_family)f, attrs, alen, buf, cap);
}

static size_t
rib_emit_announce(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, int f, uint8_t *buf,
                  size_t cap)
{
    struct rib_fam *t = &rib->fam[f];
    size_t klen = rib_klen(f);
    uint8_t attrs[BGP_ATTR_SCRATCH];
    struct bgp_upd_builder b;
    uint32_t id = (uint32_t)(t->aq[t->aq_pos] >> 32);
    size_t start = t->aq_pos, len;

    if (!rib_begin_announce(rib, ctx, f, id, &b, attrs, buf, cap)) {
        /* No next hop for the family: nothing of it can be sent. */
        t->aq_pos = t->aq_n;
        return 0;
    }
    for (; t->aq_pos < t->aq_n && (uint32_t)(t->aq[t->aq_pos] >> 32) == id; t->aq_pos++) {
        uint32_t i = (uint32_t)t->aq[t->aq_pos];

        if (RIB_ID(t->meta[i]) != id || t->sent[i] == id)
            continue;
        if (!bgp_upd_add(&b, RIB_LEN(t->meta[i]), t->keys + (size_t)i * klen))
            break;
        rib_mark_sent(rib, t, i, id);
        rib->announced++;
    }
    len = bgp_upd_finish(&b);
    if (len == 0 && t->aq_pos == start)
        t->aq_pos++; /* cannot happen (sets fit with a prefix): never loop */
    return len;
}

/* The next message of family f, or 0 when it has nothing left. */
static size_t
rib_next_family(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, int f, uint8_t *buf,
                size_t cap)
{
    struct rib_fam *t = &rib->fam[f];
    size_t len;

    while (t->wq_pos < t->wq_n)
        if ((len = rib_emit_withdraw(rib, f, buf, cap)) > 0)
            return len;
    while (t->aq_pos < t->aq_n)
        if ((len = rib_emit_announce(rib, ctx, f, buf, cap)) > 0)
            return len;
    rib_queues_free(t);
    if (t->dirty)
        rib_compact(t, rib_klen(f));
    if (t->eor_pending) {
        t->eor_pending = false;
        return bgp_eor_encode((enum bgp_family)f, buf, cap);
    }
    return 0;
}

size_t
bgp_adj_out_next(struct bgp_adj_out *rib, const struct bgp_update_ctx *ctx, uint8_t *buf,
                 size_t cap)
{
    if (!rib->up || cap < BGP_MAX_MSG_LEN)
        return 0;
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        size_t len = rib->fam[f].enabled ? rib_next_family(rib, ctx, f, buf, cap) : 0;

        if (len > 0) {
            rib->updates++;
            return len;
        }
    }
    return 0;
}

void
bgp_adj_out_stats(const struct bgp_adj_out *rib, struct bgp_adj_out_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->bytes = sizeof(*rib);
    for (int f = 0; f < BGP_FAMILY_COUNT; f++) {
        const struct rib_fam *t = &rib->fam[f];

        out->desired[f] = t->ndesired;
        out->advertised[f] = t->nadvertised;
        out->pending_withdraw += t->wq_n - t->wq_pos;
        out->pending_announce += t->aq_n - t->aq_pos;
        out->bytes += t->cap * (rib_klen(f) + 2 * sizeof(uint32_t));
        if (t->wq != NULL)
            out->bytes += t->wq_n * sizeof(*t->wq) + t->aq_n * sizeof(*t->aq);
    }
    out->updates = rib->updates;
    out->announced = rib->announced;
    out->withdrawn = rib->withdrawn;
}

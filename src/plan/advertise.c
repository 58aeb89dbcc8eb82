/*
 * BGP advertisements (shared/reference/metallb.md 3.3): for every allocated
 * address and every BGPAdvertisement that selects its pool (and its
 * labels), the prefix at the advertisement's aggregation length, with its
 * localPref and communities, to its peers, from the nodes allowed to
 * announce it now. Entries with the same prefix, peers and localPref are
 * merged (services and communities unioned, as MetalLB collapses them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sort.h"
#include "plan/internal.h"

/* One (address, advertisement) pair before merging. */
struct plan_raw_ad {
    struct ip_prefix prefix;
    const struct mf_object *ad;
    uint32_t adi;          /* index of ad in plan_ad_ctx.ads */
    uint32_t subject;      /* index of the subject (request): the original order of ties */
    const char *peers_key; /* sorted peer names joined by ',' */
    bool has_lp;
    uint32_t lp;
    const char *service; /* "ns/name" */
    bool *nodes;         /* c->nnodes flags: may announce */
    const char *reason;  /* why no node may, or NULL */
};

/* A raw entry's sort key, inline: the prefix decides almost every comparison. */
struct plan_raw_key {
    uint64_t hi, lo;  /* the prefix's address */
    uint32_t fam_len; /* family << 8 | length */
    uint32_t at;      /* index into raw */
};

struct plan_ad_ctx {
    struct plan_ctx *c;
    const struct mf_object **ads;
    size_t nads;
    const char **all_peers; /* usable BGPPeer names, sorted */
    size_t npeers;
    const struct mf_object **peer_objs; /* same order as all_peers */
    const char **ad_peers_keys;         /* per ads[i] */
    const char ***ad_peers;             /* per ads[i]: its key split, in the plan's bulk arena */
    size_t *ad_npeers;
    bool *ad_sessions; /* nads x nnodes: the node has a session with one of the ad's peers */
    const char **ad_unselected; /* per ads[i]: the reason when no node matches its nodeSelectors */
    const struct mf_community_alias **aliases; /* of usable Community objects */
    size_t naliases;
    const struct mf_object **slices; /* usable EndpointSlices, in set order */
    size_t nslices;
    struct plan_subject_slot *subject_slots; /* Services by (ns, name) */
    size_t subject_mask;
    uint64_t *subject_hash; /* per request */
    uint32_t *slice_first;  /* per request: 1 + its first slice, 0 = none */
    uint32_t *slice_next;   /* per slice: 1 + the next of its Service, 0 = none */
    size_t *raw_at;         /* per request: where its raw entries go */
    struct plan_raw_ad *raw;
    struct plan_raw_key *keys;
    size_t nraw;
};

/*
 * One half of the per-Service work. The raw entries of a range of subjects
 * (in the services order), or the advertisements of a range of sorted raw
 * entries, with its own arenas: the two halves run on two threads at scale
 * and their results are joined in a fixed order, so the plan does not
 * depend on which finishes first.
 */
struct plan_ad_worker {
    struct plan_ad_ctx *a;
    struct arena scratch; /* joins the plan's scratch */
    struct arena bulk;    /* joins the plan's bulk arena */
    size_t from, to;
    struct plan_advertisement *out; /* merging: where the first advertisement goes */
    size_t nout;
};

/* Configuration-time allocations abort on OOM, as plan_alloc() does. */
static _Noreturn void
plan_ad_oom(void)
{
    fprintf(stderr, "metalgate: out of memory while planning\n");
    abort();
}

static void *
plan_worker_alloc(struct arena *arena, size_t size)
{
    void *p = arena_alloc(arena, size ? size : 1);

    if (p == NULL)
        plan_ad_oom();
    return p;
}

/* ---- lookups ------------------------------------------------------------ */

static uint64_t
plan_name_hash(const char *ns, const char *name)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over "ns\0name" */

    for (const char *p = ns;; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        if (*p == '\0')
            break;
    }
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* A Service subject's slot in the (ns, name) hash: 1 + request index, and the hash. */
struct plan_subject_slot {
    uint64_t hash;
    uint32_t at;
};

static void plan_workers_init(struct plan_ad_ctx *a, struct plan_ad_worker w[2]);
static void plan_workers_run(struct plan_ad_ctx *a, struct plan_ad_worker w[2],
                             void *(*fn)(void *));

/* Splits [0, n) in two halves for fn and runs them (plan_workers_run). */
static void
plan_halves(struct plan_ad_ctx *a, size_t n, void *(*fn)(void *))
{
    struct plan_ad_worker w[2];

    plan_workers_init(a, w);
    w[0].to = w[1].from = n / 2;
    w[1].to = n;
    plan_workers_run(a, w, fn);
}

/* The (ns, name) hash of every Service subject (reading the names is the
 * slow part: they are spread over the loaded objects). */
static void *
plan_hash_subjects(void *arg)
{
    struct plan_ad_worker *w = arg;
    const struct plan_ctx *c = w->a->c;

    for (size_t i = w->from; i < w->to; i++)
        if (!c->subjects[i].is_gateway)
            w->a->subject_hash[i] =
                plan_name_hash(c->subjects[i].obj->ns, c->subjects[i].obj->name);
    return NULL;
}

/* The request of each EndpointSlice's Service, or none (slice_next holds it for now). */
static void *
plan_find_slice_services(void *arg)
{
    struct plan_ad_worker *w = arg;
    const struct plan_ad_ctx *a = w->a;
    const struct plan_ctx *c = a->c;

    for (size_t k = w->from; k < w->to; k++) {
        const struct mf_object *o = a->slices[k];
        const char *service = ((const struct mf_endpointslice *)o->body)->service_name.v;
        uint64_t h = plan_name_hash(o->ns, service);
        a->slice_next[k] = 0;
        for (size_t at = (size_t)h & a->subject_mask; a->subject_slots[at].at != 0;
             at = (at + 1) & a->subject_mask) {
            const struct mf_object *svc = c->subjects[a->subject_slots[at].at - 1].obj;
            if (a->subject_slots[at].hash == h && strcmp(svc->name, service) == 0 &&
                strcmp(svc->ns, o->ns) == 0) {
                a->slice_next[k] = a->subject_slots[at].at;
                break;
            }
        }
    }
    return NULL;
}

/*
 * Links every EndpointSlice to its Service's request (label
 * kubernetes.io/service-name, same namespace) through a hash of the
 * Services: linear, where sorting the slices by name and searching them
 * missed the cache at every step. The hashing and the lookups run in two
 * halves; the links are made in one pass after them. Only whether a slice
 * exists and serves matters, not the order of a Service's slices.
 */
static void
plan_link_slices(struct plan_ad_ctx *a)
{
    struct plan_ctx *c = a->c;
    const struct mf_set *set = c->in->set;
    const struct mf_object *o;
    size_t nslots = 16, cur = 0;

    while (nslots < 2 * c->nreqs + 2)
        nslots *= 2;
    a->subject_slots = plan_scratch(c, nslots * sizeof(*a->subject_slots));
    a->subject_mask = nslots - 1;
    a->subject_hash = arena_alloc_uninit(&c->scratch, (c->nreqs + 1) * sizeof(*a->subject_hash));
    if (a->subject_hash == NULL)
        plan_ad_oom();
    plan_halves(a, c->nreqs, plan_hash_subjects);
    for (size_t i = 0; i < c->nreqs; i++) {
        size_t at = (size_t)a->subject_hash[i] & a->subject_mask;
        if (c->subjects[i].is_gateway)
            continue;
        while (a->subject_slots[at].at != 0)
            at = (at + 1) & a->subject_mask;
        a->subject_slots[at].hash = a->subject_hash[i];
        a->subject_slots[at].at = (uint32_t)i + 1;
    }
    a->slices =
        plan_scratch(c, (mf_set_count(set, MF_KIND_ENDPOINTSLICE) + 1) * sizeof(*a->slices));
    a->slice_next =
        plan_scratch(c, (mf_set_count(set, MF_KIND_ENDPOINTSLICE) + 1) * sizeof(*a->slice_next));
    a->slice_first = plan_scratch(c, (c->nreqs + 1) * sizeof(*a->slice_first));
    while ((o = mf_set_next(set, MF_KIND_ENDPOINTSLICE, &cur)) != NULL)
        if (o->errors == 0 && ((const struct mf_endpointslice *)o->body)->service_name.v != NULL)
            a->slices[a->nslices++] = o;
    plan_halves(a, a->nslices, plan_find_slice_services);
    for (size_t k = 0; k < a->nslices; k++) {
        uint32_t subject = a->slice_next[k];
        if (subject == 0)
            continue;
        a->slice_next[k] = a->slice_first[subject - 1];
        a->slice_first[subject - 1] = (uint32_t)k + 1;
    }
}

static const char *plan_peers_key(struct plan_ad_ctx *a, const struct mf_bgpadv_spec *s);
static void plan_ad_facts(struct plan_ad_ctx *a, size_t d);

static void
plan_index(struct plan_ad_ctx *a)
{
    const struct mf_set *set = a->c->in->set;
    const struct mf_object *o;
    size_t cur = 0;

    size_t npeers = mf_set_count(set, MF_KIND_BGPPEER) + 1;

    a->ads =
        plan_scratch(a->c, (mf_set_count(set, MF_KIND_BGPADVERTISEMENT) + 1) * sizeof(*a->ads));
    a->all_peers = plan_scratch(a->c, npeers * sizeof(*a->all_peers));
    a->peer_objs = plan_scratch(a->c, npeers * sizeof(*a->peer_objs));
    while ((o = mf_set_next(set, MF_KIND_BGPADVERTISEMENT, &cur)) != NULL)
        if (plan_metallb_usable(a->c, o))
            a->ads[a->nads++] = o;
    cur = 0;
    while ((o = mf_set_next(set, MF_KIND_BGPPEER, &cur)) != NULL)
        if (plan_metallb_usable(a->c, o) && ((const struct mf_bgppeer *)o->body)->spec)
            a->all_peers[a->npeers++] = o->name;
    a->npeers = plan_sort_unique(a->all_peers, a->npeers);
    cur = 0;
    while ((o = mf_set_next(set, MF_KIND_BGPPEER, &cur)) != NULL)
        for (size_t i = 0; plan_metallb_usable(a->c, o) && i < a->npeers; i++)
            if (strcmp(o->name, a->all_peers[i]) == 0)
                a->peer_objs[i] = o;
    cur = 0;
    a->aliases = plan_scratch(a->c, sizeof(*a->aliases));
    while ((o = mf_set_next(set, MF_KIND_COMMUNITY, &cur)) != NULL) {
        const struct mf_community_spec *cs = ((const struct mf_community_obj *)o->body)->spec;
        const struct mf_community_alias **grown;
        if (!plan_metallb_usable(a->c, o) || cs == NULL)
            continue;
        grown = plan_scratch(a->c, (a->naliases + cs->communities.n + 1) * sizeof(*grown));
        memcpy(grown, a->aliases, a->naliases * sizeof(*grown));
        a->aliases = grown;
        for (uint32_t k = 0; k < cs->communities.n; k++)
            a->aliases[a->naliases++] = MF_LIST_AT(cs->communities, struct mf_community_alias, k);
    }
    a->ad_peers_keys = plan_scratch(a->c, (a->nads + 1) * sizeof(*a->ad_peers_keys));
    a->ad_peers = plan_scratch(a->c, (a->nads + 1) * sizeof(*a->ad_peers));
    a->ad_npeers = plan_scratch(a->c, (a->nads + 1) * sizeof(*a->ad_npeers));
    a->ad_sessions = plan_scratch(a->c, (a->nads + 1) * (a->c->nnodes + 1));
    a->ad_unselected = plan_scratch(a->c, (a->nads + 1) * sizeof(*a->ad_unselected));
    for (size_t d = 0; d < a->nads; d++)
        plan_ad_facts(a, d);
    plan_link_slices(a);
}

static const struct mf_object *
plan_find_pool(const struct plan_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->npools; i++)
        if (strcmp(c->pools[i].name, name) == 0)
            return c->pool_objs[i];
    return NULL;
}

static bool
plan_any_selector(const struct mf_list *sels, const struct mf_strmap *labels)
{
    if (sels->n == 0)
        return true;
    for (uint32_t i = 0; i < sels->n; i++)
        if (mf_label_selector_matches(MF_LIST_AT(*sels, struct mf_label_selector, i), labels))
            return true;
    return false;
}

/* Does advertisement ad apply to pool (by name or selector) and to the object? */
static bool
plan_ad_selects(const struct mf_object *ad, const struct mf_object *pool,
                const struct mf_object *subject)
{
    const struct mf_bgpadv_spec *s = ((const struct mf_bgpadvertisement *)ad->body)->spec;
    bool pool_ok;

    if (s == NULL)
        return true;
    pool_ok = s->ip_address_pools.n == 0 && s->ip_address_pool_selectors.n == 0;
    for (uint32_t i = 0; !pool_ok && i < s->ip_address_pools.n; i++)
        pool_ok = mf_str_eq(MF_LIST_AT(s->ip_address_pools, struct mf_str, i), pool->name);
    for (uint32_t i = 0; !pool_ok && i < s->ip_address_pool_selectors.n; i++)
        pool_ok = mf_label_selector_matches(
            MF_LIST_AT(s->ip_address_pool_selectors, struct mf_label_selector, i),
            &pool->meta.labels);
    return pool_ok && plan_any_selector(&s->service_selectors, &subject->meta.labels);
}

/* ---- endpoints ---------------------------------------------------------- */

/* Whether request i's Service has a serving endpoint: anywhere (node == NULL) or on node. */
static bool
plan_serving(const struct plan_ad_ctx *a, size_t i, const char *node)
{
    for (uint32_t k = a->slice_first[i]; k != 0; k = a->slice_next[k - 1]) {
        const struct mf_endpointslice *es = a->slices[k - 1]->body;
        for (uint32_t e = 0; e < es->endpoints.n; e++) {
            const struct mf_endpoint *ep = MF_LIST_AT(es->endpoints, struct mf_endpoint, e);
            if (mf_endpoint_can_serve(ep) && (node == NULL || mf_str_eq(&ep->node_name, node)))
                return true;
        }
    }
    return false;
}

/* ---- per advertisement ---------------------------------------------------- */

static const char *
plan_peers_key(struct plan_ad_ctx *a, const struct mf_bgpadv_spec *s)
{
    const char **names;
    size_t n = 0, len = 1, at = 0;
    char *key;

    if (s == NULL || s->peers.n == 0) {
        names = a->all_peers;
        n = a->npeers;
    } else {
        names = plan_scratch(a->c, s->peers.n * sizeof(*names));
        for (uint32_t i = 0; i < s->peers.n; i++)
            names[n++] = MF_LIST_AT(s->peers, struct mf_str, i)->v;
        n = plan_sort_unique(names, n);
    }
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    key = plan_scratch(a->c, len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            key[at++] = ',';
        memcpy(key + at, names[i], strlen(names[i]));
        at += strlen(names[i]);
    }
    key[at] = '\0';
    return key;
}

/*
 * What does not depend on the Service: the advertisement's peers key, the
 * peer list its entries carry (the key split at ',', empty names dropped;
 * shared by all of them), on which nodes one of those peers has a session,
 * and the reason given when no node matches its nodeSelectors.
 */
static void
plan_ad_facts(struct plan_ad_ctx *a, size_t d)
{
    struct plan_ctx *c = a->c;
    const struct mf_object *ad = a->ads[d];
    const char *key = plan_peers_key(a, ((const struct mf_bgpadvertisement *)ad->body)->spec);
    char *copy = (char *)plan_bulk_strdup(c, key), *save = NULL;
    const char **peers;
    size_t n = key[0] ? 1 : 0, np = 0;
    bool *sessions = &a->ad_sessions[d * (c->nnodes + 1)];

    for (const char *p = key; *p; p++)
        n += *p == ',';
    peers = plan_bulk_alloc(c, (n + 1) * sizeof(*peers));
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        peers[np++] = t;
    a->ad_peers_keys[d] = key;
    a->ad_peers[d] = peers;
    a->ad_npeers[d] = np;
    for (size_t node = 0; node < c->nnodes; node++)
        for (size_t p = 0; !sessions[node] && p < np; p++)
            for (size_t q = 0; q < a->npeers; q++)
                if (strcmp(a->all_peers[q], peers[p]) == 0 &&
                    plan_peer_on_node(a->peer_objs[q], &c->nodes[node]))
                    sessions[node] = true;
    a->ad_unselected[d] = arena_printf(&c->p->bulk,
                                       "no node matches the nodeSelectors of "
                                       "BGPAdvertisement %s",
                                       ad->name);
    if (a->ad_unselected[d] == NULL)
        plan_ad_oom();
}

/* ---- raw entries -------------------------------------------------------- */

/* Which nodes may announce request i's address for ads[d]; sets *reason when none. */
static bool *
plan_ad_nodes(struct plan_ad_worker *w, size_t i, size_t d, const char **reason)
{
    const struct plan_ad_ctx *a = w->a;
    const struct plan_ctx *c = a->c;
    const struct plan_subject *subj = &c->subjects[i];
    const struct mf_bgpadv_spec *s = ((const struct mf_bgpadvertisement *)a->ads[d]->body)->spec;
    bool *ok = plan_worker_alloc(&w->scratch, c->nnodes + 1);
    bool any_selected = false, any_unexcluded = false, any = false;
    bool cluster_ok = subj->is_gateway || plan_serving(a, i, NULL);

    for (size_t n = 0; n < c->nnodes; n++) {
        const struct plan_node *node = &c->nodes[n];
        if (s != NULL && !plan_any_selector(&s->node_selectors, node->labels))
            continue;
        any_selected = true;
        if (node->excluded)
            continue;
        any_unexcluded = true;
        ok[n] = subj->is_gateway || (subj->etp_local ? plan_serving(a, i, node->name) : cluster_ok);
        any = any || ok[n];
    }
    *reason = NULL;
    if (c->nnodes == 0)
        *reason = "no node is known: give --node or Node manifests";
    else if (!any_selected)
        *reason = a->ad_unselected[d];
    else if (!any_unexcluded)
        *reason = "every eligible node is excluded from external load balancers";
    else if (!any && (*reason = arena_printf(&w->bulk, "no serving endpoint %sfor %s/%s",
                                             subj->etp_local ? "on an eligible node " : "",
                                             subj->obj->ns, subj->obj->name)) == NULL)
        plan_ad_oom();
    return ok;
}

/* The pool object of request i's addresses, or NULL when it gets no entry. */
static const struct mf_object *
plan_subject_pool(const struct plan_ctx *c, size_t i)
{
    const struct ipam_result *res = &c->out.results[i];

    if (res->n_ips == 0 || res->pool == NULL)
        return NULL;
    return plan_find_pool(c, res->pool);
}

/* How many raw entries request i makes: one per address and selecting advertisement. */
static size_t
plan_raw_count(const struct plan_ad_ctx *a, size_t i)
{
    const struct plan_ctx *c = a->c;
    const struct mf_object *pool = plan_subject_pool(c, i);
    size_t n = 0;

    for (size_t d = 0; pool != NULL && d < a->nads; d++)
        if (plan_ad_selects(a->ads[d], pool, c->subjects[i].obj))
            n += c->out.results[i].n_ips;
    return n;
}

static size_t
plan_raw_for_subject(struct plan_ad_worker *w, size_t i, size_t at)
{
    struct plan_ad_ctx *a = w->a;
    struct plan_ctx *c = a->c;
    const struct ipam_result *res = &c->out.results[i];
    const struct plan_subject *subj = &c->subjects[i];
    const struct mf_object *pool = plan_subject_pool(c, i);
    const char *who;

    if (pool == NULL)
        return at;
    who = c->who[i];
    for (size_t d = 0; d < a->nads; d++) {
        const struct mf_bgpadv_spec *s =
            ((const struct mf_bgpadvertisement *)a->ads[d]->body)->spec;
        struct plan_raw_ad r;

        if (!plan_ad_selects(a->ads[d], pool, subj->obj))
            continue;
        memset(&r, 0, sizeof(r));
        r.ad = a->ads[d];
        r.adi = (uint32_t)d;
        r.subject = (uint32_t)i;
        r.peers_key = a->ad_peers_keys[d];
        r.has_lp = s != NULL && s->local_pref.set;
        r.lp = r.has_lp ? (uint32_t)s->local_pref.v : 0;
        r.service = who;
        r.nodes = plan_ad_nodes(w, i, d, &r.reason);
        for (size_t k = 0; k < res->n_ips; k++) {
            const struct ip_addr *ip = &res->ips[k];
            int64_t len = ip->family == IP_FAMILY_V4 ? 32 : 128;
            if (s != NULL && ip->family == IP_FAMILY_V4 && s->aggregation_length.set)
                len = s->aggregation_length.v;
            if (s != NULL && ip->family == IP_FAMILY_V6 && s->aggregation_length_v6.set)
                len = s->aggregation_length_v6.v;
            r.prefix = ip_prefix_of(ip, (unsigned)len);
            a->raw[at] = r;
            a->keys[at].hi = (uint64_t)(r.prefix.addr.v >> 64);
            a->keys[at].lo = (uint64_t)r.prefix.addr.v;
            a->keys[at].fam_len = (uint32_t)r.prefix.addr.family << 8 | (r.prefix.len & 0xff);
            a->keys[at].at = (uint32_t)at;
            at++;
        }
    }
    return at;
}

static void *
plan_raw_worker(void *arg)
{
    struct plan_ad_worker *w = arg;

    for (size_t i = w->from; i < w->to; i++)
        plan_raw_for_subject(w, i, w->a->raw_at[i]);
    return NULL;
}

static int
plan_raw_cmp(const struct plan_raw_ad *a, const struct plan_raw_ad *b)
{
    int r = ip_addr_cmp(&a->prefix.addr, &b->prefix.addr);

    if (r == 0 && a->prefix.len != b->prefix.len)
        r = a->prefix.len < b->prefix.len ? -1 : 1;
    if (r == 0)
        r = strcmp(a->peers_key, b->peers_key);
    if (r == 0 && a->has_lp != b->has_lp)
        r = a->has_lp ? 1 : -1;
    if (r == 0 && a->lp != b->lp)
        r = a->lp < b->lp ? -1 : 1;
    if (r == 0)
        r = strcmp(a->service, b->service);
    return r;
}

/*
 * The order of raw entries: prefix, peers, localPref, service, then the
 * order in which the subjects were listed (set order) and, within one
 * subject, the order its entries were made in -- what a stable sort of
 * entries made in set order gives, however they were made here.
 */
static int
plan_raw_key_cmp(const void *x, const void *y, void *ctx)
{
    const struct plan_raw_key *p = x, *q = y;
    const struct plan_raw_ad *raw = ctx;
    int r;

    if ((p->fam_len >> 8) != (q->fam_len >> 8))
        return (p->fam_len >> 8) < (q->fam_len >> 8) ? -1 : 1;
    if (p->hi != q->hi)
        return p->hi < q->hi ? -1 : 1;
    if (p->lo != q->lo)
        return p->lo < q->lo ? -1 : 1;
    if ((p->fam_len & 0xff) != (q->fam_len & 0xff))
        return (p->fam_len & 0xff) < (q->fam_len & 0xff) ? -1 : 1;
    if ((r = plan_raw_cmp(&raw[p->at], &raw[q->at])) != 0)
        return r;
    if (raw[p->at].subject != raw[q->at].subject)
        return raw[p->at].subject < raw[q->at].subject ? -1 : 1;
    return (p->at > q->at) - (p->at < q->at);
}

static bool
plan_same_group(const struct plan_raw_ad *a, const struct plan_raw_ad *b)
{
    return a->prefix.len == b->prefix.len && ip_addr_equal(&a->prefix.addr, &b->prefix.addr) &&
           strcmp(a->peers_key, b->peers_key) == 0 && a->has_lp == b->has_lp && a->lp == b->lp;
}

/* Sorts the keys; entries made in the services order are often in order
 * already (addresses handed out in name order), which one pass tells. */
static void
plan_sort_raw(struct plan_ad_ctx *a)
{
    for (size_t i = 1; i < a->nraw; i++)
        if (plan_raw_key_cmp(&a->keys[i - 1], &a->keys[i], a->raw) > 0) {
            sort_big_r(a->keys, a->nraw, sizeof(*a->keys), plan_raw_key_cmp, a->raw);
            return;
        }
}

/* ---- merging ------------------------------------------------------------ */

/* Resolves an advertisement's communities (aliases first, then literals). */
static void
plan_ad_communities(const struct plan_ad_ctx *a, const struct mf_object *ad, uint32_t *legacy,
                    size_t *nlegacy, struct plan_large_community *large, size_t *nlarge, size_t cap)
{
    const struct mf_bgpadv_spec *s = ((const struct mf_bgpadvertisement *)ad->body)->spec;

    for (uint32_t i = 0; s != NULL && i < s->communities.n; i++) {
        const struct mf_str *name = MF_LIST_AT(s->communities, struct mf_str, i);
        struct mf_community v;
        bool found = false;

        for (size_t k = 0; !found && k < a->naliases; k++)
            if (mf_str_eq(&a->aliases[k]->name, name->v)) {
                v = a->aliases[k]->parsed;
                found = true;
            }
        if (!found && mf_community_parse(name->v, name->len, &v, NULL) != MF_COMMUNITY_OK)
            continue; /* model/ has reported it */
        if (v.type == MF_COMMUNITY_LEGACY && *nlegacy < cap)
            legacy[(*nlegacy)++] = v.v[0];
        else if (v.type == MF_COMMUNITY_LARGE && *nlarge < cap) {
            large[*nlarge].global = v.v[0];
            large[*nlarge].local1 = v.v[1];
            large[*nlarge].local2 = v.v[2];
            (*nlarge)++;
        }
    }
}

static int
plan_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int
plan_large_cmp(const void *a, const void *b)
{
    const struct plan_large_community *x = a, *y = b;
    if (x->global != y->global)
        return x->global < y->global ? -1 : 1;
    if (x->local1 != y->local1)
        return x->local1 < y->local1 ? -1 : 1;
    return x->local2 < y->local2 ? -1 : x->local2 > y->local2;
}

static size_t
plan_unique(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *b = v;
    size_t out = 0;

    if (n == 0)
        return 0;
    qsort(v, n, size, cmp);
    for (size_t i = 0; i < n; i++)
        if (out == 0 || cmp(b + (out - 1) * size, b + i * size) != 0)
            memmove(b + (out++) * size, b + i * size, size);
    return out;
}

/* Nodes of the group that may announce and have a session with one of its peers. */
static void
plan_group_nodes(struct plan_ad_worker *w, const bool *may, const bool *sessions,
                 struct plan_advertisement *ad)
{
    const struct plan_ctx *c = w->a->c;

    ad->nodes = plan_worker_alloc(&w->bulk, (c->nnodes + 1) * sizeof(*ad->nodes));
    for (size_t n = 0; n < c->nnodes; n++)
        if (may[n] && sessions[n])
            ad->nodes[ad->nnodes++] = c->nodes[n].name;
    ad->nnodes = plan_sort_unique(ad->nodes, ad->nnodes);
}

/* One advertisement from the sorted raw entries keys[from, to) (one group). */
static void
plan_emit_group(struct plan_ad_worker *w, size_t from, size_t to, struct plan_advertisement *ad)
{
    const struct plan_ad_ctx *a = w->a;
    const struct plan_ctx *c = a->c;
    const struct plan_raw_ad *first = &a->raw[a->keys[from].at];
    size_t cap = 0;
    bool *may = plan_worker_alloc(&w->scratch, c->nnodes + 1);

    for (size_t i = from; i < to; i++) {
        const struct mf_bgpadv_spec *s =
            ((const struct mf_bgpadvertisement *)a->raw[a->keys[i].at].ad->body)->spec;
        cap += s ? s->communities.n : 0;
    }

    memset(ad, 0, sizeof(*ad));
    ad->prefix = first->prefix;
    ad->has_local_pref = first->has_lp;
    ad->local_pref = first->lp;
    ad->services = plan_worker_alloc(&w->bulk, (to - from) * sizeof(*ad->services));
    ad->communities = plan_worker_alloc(&w->bulk, cap * sizeof(*ad->communities));
    ad->large = plan_worker_alloc(&w->bulk, cap * sizeof(*ad->large));
    for (size_t i = from; i < to; i++) {
        const struct plan_raw_ad *r = &a->raw[a->keys[i].at];
        ad->services[ad->nservices++] = r->service;
        plan_ad_communities(a, r->ad, ad->communities, &ad->ncommunities, ad->large, &ad->nlarge,
                            cap);
        for (size_t n = 0; n < c->nnodes; n++)
            may[n] = may[n] || r->nodes[n];
        if (ad->reason == NULL)
            ad->reason = r->reason;
    }
    ad->nservices = plan_sort_unique(ad->services, ad->nservices);
    ad->ncommunities =
        plan_unique(ad->communities, ad->ncommunities, sizeof(uint32_t), plan_u32_cmp);
    ad->nlarge = plan_unique(ad->large, ad->nlarge, sizeof(*ad->large), plan_large_cmp);
    /* Every entry of the group has the same peers key: the first's list is the group's. */
    ad->peers = a->ad_peers[first->adi];
    ad->npeers = a->ad_npeers[first->adi];
    plan_group_nodes(w, may, &a->ad_sessions[first->adi * (c->nnodes + 1)], ad);
    if (ad->nnodes > 0)
        ad->reason = NULL;
    else if (ad->reason == NULL)
        ad->reason = ad->npeers == 0 ? "no BGPPeer to announce to"
                                     : "no eligible node has a session with these peers";
}

static void *
plan_merge_worker(void *arg)
{
    struct plan_ad_worker *w = arg;
    const struct plan_ad_ctx *a = w->a;

    for (size_t i = w->from; i < w->to;) {
        size_t j = i + 1;
        while (j < w->to && plan_same_group(&a->raw[a->keys[i].at], &a->raw[a->keys[j].at]))
            j++;
        plan_emit_group(w, i, j, &w->out[w->nout++]);
        i = j;
    }
    return NULL;
}

/* ---- two halves ----------------------------------------------------------- */

static void
plan_workers_init(struct plan_ad_ctx *a, struct plan_ad_worker w[2])
{
    memset(w, 0, 2 * sizeof(*w));
    for (int k = 0; k < 2; k++) {
        w[k].a = a;
        arena_init(&w[k].scratch, 256 * 1024, 0);
        arena_init(&w[k].bulk, 256 * 1024, 0);
    }
}

/*
 * Runs fn on both halves: the second on a thread when there is enough work
 * and a second CPU, else one after the other. Then their memory joins the
 * plan's arenas, the first half's before the second's.
 */
static void
plan_workers_run(struct plan_ad_ctx *a, struct plan_ad_worker w[2], void *(*fn)(void *))
{
    pthread_t t;
    bool threaded = a->c->nreqs >= SORT_PARALLEL_MIN && sysconf(_SC_NPROCESSORS_ONLN) >= 2;

    if (threaded && pthread_create(&t, NULL, fn, &w[1]) == 0) {
        fn(&w[0]);
        pthread_join(t, NULL);
    } else {
        fn(&w[0]);
        fn(&w[1]);
    }
    for (int k = 0; k < 2; k++) {
        arena_adopt(&a->c->scratch, &w[k].scratch);
        arena_adopt(&a->c->p->bulk, &w[k].bulk);
    }
}

/*
 * The raw entries of every subject, placed in the services order: each
 * subject's entries start where the counts of the subjects before it in
 * that order end. The subjects are visited in request order (the order
 * their objects lie in memory), each half on its own.
 */
static void
plan_make_raw(struct plan_ad_ctx *a)
{
    struct plan_ctx *c = a->c;
    struct plan_ad_worker w[2];
    size_t total = 0;

    a->raw_at = plan_scratch(c, (c->nreqs + 1) * sizeof(*a->raw_at));
    for (size_t i = 0; i < c->nreqs; i++)
        a->raw_at[i] = plan_raw_count(a, i);
    for (size_t k = 0; k < c->nreqs; k++) {
        size_t n = a->raw_at[c->by_name[k]];
        a->raw_at[c->by_name[k]] = total;
        total += n;
    }
    a->raw = arena_alloc_uninit(&c->scratch, (total + 1) * sizeof(*a->raw));
    a->keys = arena_alloc_uninit(&c->scratch, (total + 1) * sizeof(*a->keys));
    if (a->raw == NULL || a->keys == NULL)
        plan_ad_oom();
    a->nraw = total;
    plan_workers_init(a, w);
    w[0].from = 0;
    w[0].to = c->nreqs / 2;
    w[1].from = c->nreqs / 2;
    w[1].to = c->nreqs;
    plan_workers_run(a, w, plan_raw_worker);
}

/* Merges the sorted entries into advertisements: two halves split between
 * groups, the second written after the first's. */
static void
plan_merge_groups(struct plan_ad_ctx *a)
{
    struct plan *p = a->c->p;
    struct plan_ad_worker w[2];
    size_t mid = a->nraw / 2;

    while (mid > 0 && mid < a->nraw &&
           plan_same_group(&a->raw[a->keys[mid - 1].at], &a->raw[a->keys[mid].at]))
        mid++;
    /* Not zeroed here: each half clears the entries it writes, so that the
     * pages are first touched (faulted in) on both threads. */
    p->advertisements = arena_alloc_uninit(&p->bulk, (a->nraw + 1) * sizeof(*p->advertisements));
    if (p->advertisements == NULL)
        plan_ad_oom();
    plan_workers_init(a, w);
    w[0].from = 0;
    w[0].to = mid;
    w[0].out = p->advertisements;
    w[1].from = mid;
    w[1].to = a->nraw;
    w[1].out = p->advertisements + mid; /* a half has at most as many groups as entries */
    plan_workers_run(a, w, plan_merge_worker);
    memmove(p->advertisements + w[0].nout, w[1].out, w[1].nout * sizeof(*p->advertisements));
    p->nadvertisements = w[0].nout + w[1].nout;
}

static bool
plan_lists_overlap(const char *const *x, size_t nx, const char *const *y, size_t ny)
{
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            if (strcmp(x[i], y[j]) == 0)
                return true;
    return false;
}

/*
 * The same prefix to the same peer from the same node with two different
 * localPrefs cannot be announced: MetalLB announces nothing then
 * (conflictingAdvertisements), and so do we, saying why.
 */
static void
plan_mark_conflicts(struct plan_ctx *c)
{
    struct plan *p = c->p;

    for (size_t i = 0; i < p->nadvertisements; i++)
        for (size_t j = i + 1; j < p->nadvertisements; j++) {
            struct plan_advertisement *x = &p->advertisements[i], *y = &p->advertisements[j];
            char buf[IP_STRLEN];
            if (x->prefix.len != y->prefix.len || !ip_addr_equal(&x->prefix.addr, &y->prefix.addr))
                break; /* sorted by prefix: no later entry shares it */
            if (x->has_local_pref == y->has_local_pref && x->local_pref == y->local_pref)
                continue;
            if (!plan_lists_overlap(x->peers, x->npeers, y->peers, y->npeers) ||
                !plan_lists_overlap(x->nodes, x->nnodes, y->nodes, y->nnodes))
                continue;
            x->reason = y->reason = arena_printf(&p->bulk, "conflicting localPref for %s",
                                                 ip_prefix_format(&x->prefix, buf));
            x->nnodes = y->nnodes = 0;
        }
}

void
plan_build_advertisements(struct plan_ctx *c)
{
    struct plan_ad_ctx a;

    memset(&a, 0, sizeof(a));
    a.c = c;
    plan_index(&a);
    plan_make_raw(&a);
    plan_sort_raw(&a);
    plan_merge_groups(&a);
    plan_mark_conflicts(c);
}

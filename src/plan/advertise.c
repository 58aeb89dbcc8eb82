/*
 * BGP advertisements (shared/reference/metallb.md 3.3): for every allocated
 * address and every BGPAdvertisement that selects its pool (and its
 * labels), the prefix at the advertisement's aggregation length, with its
 * localPref and communities, to its peers, from the nodes allowed to
 * announce it now. Entries with the same prefix, peers and localPref are
 * merged (services and communities unioned, as MetalLB collapses them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "plan/internal.h"

/* One (address, advertisement) pair before merging. */
struct plan_raw_ad {
    struct ip_prefix prefix;
    const struct mf_object *ad;
    const char *peers_key; /* sorted peer names joined by ',' */
    bool has_lp;
    uint32_t lp;
    const char *service; /* "ns/name" */
    bool *nodes;         /* c->nnodes flags: may announce */
    const char *reason;  /* why no node may, or NULL */
};

struct plan_ad_ctx {
    struct plan_ctx *c;
    const struct mf_object **ads;
    size_t nads;
    const char **all_peers; /* usable BGPPeer names, sorted */
    size_t npeers;
    const struct mf_object **peer_objs; /* same order as all_peers */
    const struct mf_object **slices;    /* EndpointSlices sorted by (ns, service) */
    size_t nslices;
    uint32_t *slice_heads; /* open addressing: 1 + index of a (ns, service)'s first slice */
    size_t nheads;         /* a power of two; 0 when there are no slices */
    const char **ad_peers_keys; /* per ads[i], computed once */
    const struct mf_community_alias **aliases; /* of usable Community objects */
    size_t naliases;
    struct plan_raw_ad *raw;
    size_t nraw, capraw;
};

/* ---- lookups ------------------------------------------------------------ */

static int
plan_slice_cmp(const void *a, const void *b)
{
    const struct mf_object *x = *(const struct mf_object *const *)a;
    const struct mf_object *y = *(const struct mf_object *const *)b;
    const struct mf_endpointslice *sx = x->body, *sy = y->body;
    int r = strcmp(x->ns, y->ns);

    return r ? r : strcmp(sx->service_name.v, sy->service_name.v);
}

static uint64_t
plan_slice_hash(const char *ns, const char *service)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over "ns\0service" */

    for (const char *p = ns;; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        if (*p == '\0')
            break;
    }
    for (const char *p = service; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static const char *
plan_slice_service(const struct mf_object *o)
{
    return ((const struct mf_endpointslice *)o->body)->service_name.v;
}

/* Where a (ns, service) key's slices start: a hash lookup instead of a
 * binary search, which at a million Services missed the cache on every
 * step. */
static void
plan_index_slices(struct plan_ad_ctx *a)
{
    size_t n = 1;

    while (n < 2 * a->nslices + 2)
        n *= 2;
    a->nheads = n;
    a->slice_heads = plan_scratch(a->c, n * sizeof(*a->slice_heads));
    for (size_t i = 0; i < a->nslices; i++) {
        const struct mf_object *o = a->slices[i];
        size_t at;
        if (i > 0 && plan_slice_cmp(&a->slices[i - 1], &a->slices[i]) == 0)
            continue; /* not the first of its key */
        at = plan_slice_hash(o->ns, plan_slice_service(o)) & (n - 1);
        while (a->slice_heads[at] != 0)
            at = (at + 1) & (n - 1);
        a->slice_heads[at] = (uint32_t)i + 1;
    }
}

/* Index of the first slice of svc's (ns, name), or nslices when none. */
static size_t
plan_first_slice(const struct plan_ad_ctx *a, const struct mf_object *svc)
{
    size_t at;

    if (a->nheads == 0)
        return a->nslices;
    at = plan_slice_hash(svc->ns, svc->name) & (a->nheads - 1);
    for (; a->slice_heads[at] != 0; at = (at + 1) & (a->nheads - 1)) {
        const struct mf_object *o = a->slices[a->slice_heads[at] - 1];
        if (strcmp(o->ns, svc->ns) == 0 && strcmp(plan_slice_service(o), svc->name) == 0)
            return a->slice_heads[at] - 1;
    }
    return a->nslices;
}

static void
plan_index(struct plan_ad_ctx *a)
{
    const struct mf_set *set = a->c->in->set;
    const struct mf_object *o;
    size_t cur = 0;

    size_t npeers = mf_set_count(set, MF_KIND_BGPPEER) + 1;

    a->ads = plan_scratch(a->c, (mf_set_count(set, MF_KIND_BGPADVERTISEMENT) + 1) * sizeof(*a->ads));
    a->all_peers = plan_scratch(a->c, npeers * sizeof(*a->all_peers));
    a->peer_objs = plan_scratch(a->c, npeers * sizeof(*a->peer_objs));
    a->slices = plan_scratch(a->c, (mf_set_count(set, MF_KIND_ENDPOINTSLICE) + 1) * sizeof(*a->slices));
    while ((o = mf_set_next(set, MF_KIND_BGPADVERTISEMENT, &cur)) != NULL)
        if (plan_metallb_usable(a->c, o))
            a->ads[a->nads++] = o;
    a->ad_peers_keys = plan_scratch(a->c, (a->nads + 1) * sizeof(*a->ad_peers_keys));
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
    cur = 0;
    while ((o = mf_set_next(set, MF_KIND_ENDPOINTSLICE, &cur)) != NULL)
        if (o->errors == 0 && ((const struct mf_endpointslice *)o->body)->service_name.v)
            a->slices[a->nslices++] = o;
    sort_big(a->slices, a->nslices, sizeof(*a->slices), plan_slice_cmp);
    plan_index_slices(a);
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

/* Whether the Service has a serving endpoint: anywhere (node == NULL) or on node. */
static bool
plan_serving(const struct plan_ad_ctx *a, const struct mf_object *svc, const char *node)
{
    for (size_t i = plan_first_slice(a, svc); i < a->nslices; i++) {
        const struct mf_object *o = a->slices[i];
        const struct mf_endpointslice *es = o->body;
        if (strcmp(o->ns, svc->ns) != 0 || strcmp(es->service_name.v, svc->name) != 0)
            break;
        for (uint32_t e = 0; e < es->endpoints.n; e++) {
            const struct mf_endpoint *ep = MF_LIST_AT(es->endpoints, struct mf_endpoint, e);
            if (mf_endpoint_can_serve(ep) && (node == NULL || mf_str_eq(&ep->node_name, node)))
                return true;
        }
    }
    return false;
}

/* ---- raw entries -------------------------------------------------------- */

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

/* Which nodes may announce subject's address for ad; sets *reason when none. */
static bool *
plan_ad_nodes(struct plan_ad_ctx *a, const struct plan_subject *subj, const struct mf_object *ad,
              const char **reason)
{
    struct plan_ctx *c = a->c;
    const struct mf_bgpadv_spec *s = ((const struct mf_bgpadvertisement *)ad->body)->spec;
    bool *ok = plan_scratch(c, c->nnodes + 1);
    bool any_selected = false, any_unexcluded = false, any = false;
    bool cluster_ok = subj->is_gateway || plan_serving(a, subj->obj, NULL);

    for (size_t n = 0; n < c->nnodes; n++) {
        const struct plan_node *node = &c->nodes[n];
        if (s != NULL && !plan_any_selector(&s->node_selectors, node->labels))
            continue;
        any_selected = true;
        if (node->excluded)
            continue;
        any_unexcluded = true;
        ok[n] = subj->is_gateway || (subj->etp_local ? plan_serving(a, subj->obj, node->name)
                                                     : cluster_ok);
        any = any || ok[n];
    }
    *reason = NULL;
    if (c->nnodes == 0)
        *reason = "no node is known: give --node or Node manifests";
    else if (!any_selected)
        *reason = arena_printf(&c->p->bulk, "no node matches the nodeSelectors of "
                               "BGPAdvertisement %s", ad->name);
    else if (!any_unexcluded)
        *reason = "every eligible node is excluded from external load balancers";
    else if (!any)
        *reason = arena_printf(&c->p->bulk, "no serving endpoint %sfor %s/%s",
                               subj->etp_local ? "on an eligible node " : "", subj->obj->ns,
                               subj->obj->name);
    return ok;
}

static void
plan_push_raw(struct plan_ad_ctx *a, const struct plan_raw_ad *r)
{
    if (a->nraw == a->capraw) {
        size_t cap = a->capraw ? a->capraw * 2 : 64;
        struct plan_raw_ad *v = plan_scratch(a->c, cap * sizeof(*v));
        if (a->nraw)
            memcpy(v, a->raw, a->nraw * sizeof(*v));
        a->raw = v;
        a->capraw = cap;
    }
    a->raw[a->nraw++] = *r;
}

static void
plan_raw_for_subject(struct plan_ad_ctx *a, size_t i)
{
    struct plan_ctx *c = a->c;
    const struct ipam_result *res = &c->out.results[i];
    const struct plan_subject *subj = &c->subjects[i];
    const struct mf_object *pool;
    const char *who;

    if (res->n_ips == 0 || res->pool == NULL || (pool = plan_find_pool(c, res->pool)) == NULL)
        return;
    who = arena_printf(&c->p->bulk, "%s/%s", subj->obj->ns, subj->obj->name);
    for (size_t d = 0; d < a->nads; d++) {
        const struct mf_bgpadv_spec *s = ((const struct mf_bgpadvertisement *)a->ads[d]->body)->spec;
        struct plan_raw_ad r;

        if (!plan_ad_selects(a->ads[d], pool, subj->obj))
            continue;
        memset(&r, 0, sizeof(r));
        r.ad = a->ads[d];
        if (a->ad_peers_keys[d] == NULL)
            a->ad_peers_keys[d] = plan_peers_key(a, s);
        r.peers_key = a->ad_peers_keys[d];
        r.has_lp = s != NULL && s->local_pref.set;
        r.lp = r.has_lp ? (uint32_t)s->local_pref.v : 0;
        r.service = who;
        r.nodes = plan_ad_nodes(a, subj, a->ads[d], &r.reason);
        for (size_t k = 0; k < res->n_ips; k++) {
            const struct ip_addr *ip = &res->ips[k];
            int64_t len = ip->family == IP_FAMILY_V4 ? 32 : 128;
            if (s != NULL && ip->family == IP_FAMILY_V4 && s->aggregation_length.set)
                len = s->aggregation_length.v;
            if (s != NULL && ip->family == IP_FAMILY_V6 && s->aggregation_length_v6.set)
                len = s->aggregation_length_v6.v;
            r.prefix = ip_prefix_of(ip, (unsigned)len);
            plan_push_raw(a, &r);
        }
    }
}

static int
plan_raw_cmp(const void *x, const void *y)
{
    const struct plan_raw_ad *a = x, *b = y;
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

static bool
plan_same_group(const struct plan_raw_ad *a, const struct plan_raw_ad *b)
{
    return a->prefix.len == b->prefix.len && ip_addr_equal(&a->prefix.addr, &b->prefix.addr) &&
           strcmp(a->peers_key, b->peers_key) == 0 && a->has_lp == b->has_lp && a->lp == b->lp;
}

/* ---- merging ------------------------------------------------------------ */

/* Resolves an advertisement's communities (aliases first, then literals). */
static void
plan_ad_communities(const struct plan_ad_ctx *a, const struct mf_object *ad, uint32_t *legacy,
                    size_t *nlegacy, struct plan_large_community *large, size_t *nlarge,
                    size_t cap)
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

static void
plan_group_peers(struct plan_ad_ctx *a, const char *key, struct plan_advertisement *ad)
{
    size_t n = key[0] ? 1 : 0;
    char *copy = (char *)plan_bulk_strdup(a->c, key), *save = NULL;

    for (const char *p = key; *p; p++)
        n += *p == ',';
    ad->peers = plan_bulk_alloc(a->c, (n + 1) * sizeof(*ad->peers));
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        ad->peers[ad->npeers++] = t;
}

/* Nodes of the group that have a session with one of its peers. */
static void
plan_group_nodes(struct plan_ad_ctx *a, const bool *may, struct plan_advertisement *ad)
{
    struct plan_ctx *c = a->c;

    ad->nodes = plan_bulk_alloc(c, (c->nnodes + 1) * sizeof(*ad->nodes));
    for (size_t n = 0; n < c->nnodes; n++) {
        bool session = false;
        for (size_t p = 0; may[n] && !session && p < ad->npeers; p++)
            for (size_t q = 0; q < a->npeers; q++)
                if (strcmp(a->all_peers[q], ad->peers[p]) == 0 &&
                    plan_peer_on_node(a->peer_objs[q], &c->nodes[n]))
                    session = true;
        if (session)
            ad->nodes[ad->nnodes++] = c->nodes[n].name;
    }
    ad->nnodes = plan_sort_unique(ad->nodes, ad->nnodes);
}

static void
plan_emit_group(struct plan_ad_ctx *a, size_t from, size_t to)
{
    struct plan_ctx *c = a->c;
    struct plan_advertisement *ad = &c->p->advertisements[c->p->nadvertisements++];
    size_t cap = 0;
    bool *may = plan_scratch(c, c->nnodes + 1);

    for (size_t i = from; i < to; i++) {
        const struct mf_bgpadv_spec *s =
            ((const struct mf_bgpadvertisement *)a->raw[i].ad->body)->spec;
        cap += s ? s->communities.n : 0;
    }

    memset(ad, 0, sizeof(*ad));
    ad->prefix = a->raw[from].prefix;
    ad->has_local_pref = a->raw[from].has_lp;
    ad->local_pref = a->raw[from].lp;
    ad->services = plan_bulk_alloc(c, (to - from) * sizeof(*ad->services));
    ad->communities = plan_bulk_alloc(c, cap * sizeof(*ad->communities));
    ad->large = plan_bulk_alloc(c, cap * sizeof(*ad->large));
    for (size_t i = from; i < to; i++) {
        ad->services[ad->nservices++] = a->raw[i].service;
        plan_ad_communities(a, a->raw[i].ad, ad->communities, &ad->ncommunities, ad->large,
                            &ad->nlarge, cap);
        for (size_t n = 0; n < c->nnodes; n++)
            may[n] = may[n] || a->raw[i].nodes[n];
        if (ad->reason == NULL)
            ad->reason = a->raw[i].reason;
    }
    ad->nservices = plan_sort_unique(ad->services, ad->nservices);
    ad->ncommunities = plan_unique(ad->communities, ad->ncommunities, sizeof(uint32_t), plan_u32_cmp);
    ad->nlarge = plan_unique(ad->large, ad->nlarge, sizeof(*ad->large), plan_large_cmp);
    plan_group_peers(a, a->raw[from].peers_key, ad);
    plan_group_nodes(a, may, ad);
    if (ad->nnodes > 0)
        ad->reason = NULL;
    else if (ad->reason == NULL)
        ad->reason = ad->npeers == 0 ? "no BGPPeer to announce to"
                                     : "no eligible node has a session with these peers";
}

static void
plan_merge_groups(struct plan_ad_ctx *a)
{
    struct plan *p = a->c->p;

    p->advertisements = plan_bulk_alloc(a->c, (a->nraw + 1) * sizeof(*p->advertisements));
    for (size_t i = 0; i < a->nraw;) {
        size_t j = i + 1;
        while (j < a->nraw && plan_same_group(&a->raw[i], &a->raw[j]))
            j++;
        plan_emit_group(a, i, j);
        i = j;
    }
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
    for (size_t i = 0; i < c->nreqs; i++)
        plan_raw_for_subject(&a, i);
    if (a.nraw > 1)
        sort_big(a.raw, a.nraw, sizeof(*a.raw), plan_raw_cmp);
    plan_merge_groups(&a);
    plan_mark_conflicts(c);
}

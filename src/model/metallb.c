/*
 * Cross-object rules for MetalLB kinds (MetalLB's webhook and config
 * parser, V-rules in shared/reference/metallb.md section 5).
 *
 * An object that already has errors (obj->errors > 0) is not used as the
 * source of further errors (its values may be half decoded), but a
 * reference to it is not "missing" either.
 *
 * Severity of dangling references follows what MetalLB does with them:
 * a BFD profile, a password Secret or a community alias that does not
 * exist stops MetalLB from loading the configuration ("transient" errors
 * that its webhook skips), so they are errors here, where the whole
 * configuration is known at once. Pool and peer names in advertisements
 * that match nothing are silently ignored by MetalLB: they are warnings.
 *
 * Differences from MetalLB: overlapping CIDRs, localPref conflicts and the
 * other rules report every offending object instead of the first one only,
 * and objects are compared by their specs (MetalLB compares whole objects,
 * names included, which makes its "duplicate peer" rule unreachable).
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/ipaddr.h"
#include "core/strutil.h"
#include "model/internal.h"

/* The objects of one kind: load order (ascending addresses in set->objects)
 * and the same pointers sorted by name, then load order. */
struct ml_kind {
    const struct mf_object **objs;
    const struct mf_object **by_name;
    size_t n;
    const char **names; /* for "did you mean" hints, filled on first use */
};

/* Hints compare with every name; beyond this many names they are skipped. */
#define ML_HINT_MAX_NAMES 1000

/* One address entry of a pool, expanded. */
struct ml_entry {
    const struct mf_str *text;
    uint32_t index;         /* in spec.addresses */
    enum ip_family family;  /* IP_FAMILY_NONE: invalid entry */
    unsigned widest;        /* smallest prefix length of its CIDRs */
};

struct ml_pool {
    struct ml_entry *entries;
    uint32_t n;
    bool usable; /* no errors: may be the source of errors */
    bool has_v4, has_v6;
};

/* A BGPAdvertisement applies to a pool (V14, V16, V20 work on these). */
struct ml_pair {
    uint32_t pool, ad;
};

struct ml_ctx {
    const struct mf_set *set;
    const struct model_options *opt;
    struct mf_diags *diags;
    struct arena arena; /* everything below */
    bool oom;
    struct ml_kind pools, peers, bfds, ads, l2ads, communities;
    struct ml_kind secrets; /* in MetalLB's namespace only */
    struct ml_kind nodes;
    struct ml_pool *pool_info;
    struct ml_pair *pairs;
    size_t npairs, cap_pairs;
};

static void *
ml_alloc(struct ml_ctx *ml, size_t n, size_t size)
{
    void *p = NULL;

    if (!ml->oom && (n == 0 || size <= SIZE_MAX / n))
        p = arena_alloc(&ml->arena, (n ? n : 1) * size);
    if (p == NULL && !ml->oom) {
        ml->oom = true;
        mf_diags_add(ml->diags, MF_SEV_ERROR, "-", 0, 0, NULL, NULL, NULL, NULL,
                     "out of memory while checking MetalLB objects");
    }
    return p;
}

/* ---- indices ------------------------------------------------------------ */

/* Advertisements without a spec apply to everything with default values. */
static const struct mf_bgpadv_spec ml_empty_adv;

static int
ml_ptr_cmp(const void *a, const void *b)
{
    const struct mf_object *x = *(const struct mf_object *const *)a;
    const struct mf_object *y = *(const struct mf_object *const *)b;

    return (x > y) - (x < y);
}

static int
ml_name_cmp(const void *a, const void *b)
{
    const struct mf_object *x = *(const struct mf_object *const *)a;
    const struct mf_object *y = *(const struct mf_object *const *)b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : ml_ptr_cmp(a, b);
}

static bool
ml_in_ns(const struct mf_object *o, const char *ns)
{
    return ns == NULL || (o->ns != NULL && strcmp(o->ns, ns) == 0);
}

/* The objects of kind id, of namespace ns only unless ns is NULL. */
static void
ml_kind_build(struct ml_ctx *ml, struct ml_kind *k, enum mf_kind_id id, const char *ns)
{
    size_t cursor = 0, n = 0;
    const struct mf_object *o;

    memset(k, 0, sizeof(*k));
    while ((o = mf_set_next(ml->set, id, &cursor)) != NULL)
        n += ml_in_ns(o, ns);
    k->objs = ml_alloc(ml, n, sizeof(*k->objs));
    k->by_name = ml_alloc(ml, n, sizeof(*k->by_name));
    if (k->objs == NULL || k->by_name == NULL)
        return;
    for (cursor = 0; (o = mf_set_next(ml->set, id, &cursor)) != NULL;)
        if (ml_in_ns(o, ns)) {
            k->objs[k->n] = k->by_name[k->n] = o;
            k->n++;
        }
    qsort(k->by_name, k->n, sizeof(*k->by_name), ml_name_cmp);
}

/* Index (load order) of the first object named name, or SIZE_MAX. */
static size_t
ml_find(const struct ml_kind *k, const char *name)
{
    size_t lo = 0, hi = k->n;
    const struct mf_object *const *hit;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(k->by_name[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == k->n || strcmp(k->by_name[lo]->name, name) != 0)
        return SIZE_MAX;
    hit = bsearch(&k->by_name[lo], k->objs, k->n, sizeof(*k->objs), ml_ptr_cmp);
    return hit != NULL ? (size_t)(hit - k->objs) : SIZE_MAX;
}

/* "; did you mean "x"?" when a name of the kind is close to name, else "". */
static const char *
ml_hint(struct ml_ctx *ml, struct ml_kind *k, const char *name)
{
    const char *close, *hint;

    if (k->n == 0 || k->n > ML_HINT_MAX_NAMES)
        return "";
    if (k->names == NULL && (k->names = ml_alloc(ml, k->n, sizeof(*k->names))) != NULL)
        for (size_t i = 0; i < k->n; i++)
            k->names[i] = k->objs[i]->name;
    close = k->names != NULL ? str_closest(name, strlen(name), k->names, k->n) : NULL;
    if (close == NULL)
        return "";
    hint = arena_printf(&ml->arena, "; did you mean \"%s\"?", close);
    return hint != NULL ? hint : "";
}

/* Whether an object may be the source of errors (see the comment on top). */
static bool
ml_usable(const struct mf_object *o)
{
    return o->errors == 0 && o->body != NULL;
}

/* ---- MetalLB's namespace rule ----------------------------------------------- */

/* MetalLB's webhook accepts its objects only in MetalLB's own namespace. */
static void
model_check_metallb_namespace(const struct mf_set *set, const struct model_options *opt,
                              struct mf_diags *diags)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct mf_object *o = &set->objects[i];
        if (strcmp(o->kind->group, "metallb.io") != 0 || o->ns == NULL)
            continue;
        if (strcmp(o->ns, opt->metallb_namespace) != 0)
            model_error(diags, o, o->meta.namespace.v ? &o->meta.namespace.pos : &o->pos,
                        "metadata.namespace",
                        "resource must be created in %s namespace (MetalLB objects live in "
                        "MetalLB's namespace; see --metallb-namespace)",
                        opt->metallb_namespace);
    }
}

/* ---- pools: expansion and V4 overlaps ------------------------------------------ */

static void
ml_expand_pool(struct ml_ctx *ml, size_t pi)
{
    const struct mf_object *o = ml->pools.objs[pi];
    const struct mf_ipaddresspool *pool = o->body;
    struct ml_pool *info = &ml->pool_info[pi];
    struct ip_prefix pfx[256];
    struct ip_addr first, last;
    const char *err;

    info->usable = ml_usable(o) && pool->spec != NULL;
    if (!info->usable)
        return;
    info->entries = ml_alloc(ml, pool->spec->addresses.n, sizeof(*info->entries));
    if (info->entries == NULL) {
        info->usable = false;
        return;
    }
    for (uint32_t i = 0; i < pool->spec->addresses.n; i++) {
        const struct mf_str *s = MF_LIST_AT(pool->spec->addresses, struct mf_str, i);
        struct ml_entry *e = &info->entries[info->n++];
        size_t np;

        e->text = s;
        e->index = i;
        if (s->v == NULL || mf_parse_pool_entry(s->v, s->len, &first, &last, &err) != 0)
            continue;
        np = ip_range_to_prefixes(&first, &last, pfx, sizeof(pfx) / sizeof(pfx[0]));
        e->family = first.family;
        e->widest = ip_family_bits(first.family);
        for (size_t k = 0; k < np && k < sizeof(pfx) / sizeof(pfx[0]); k++)
            if (pfx[k].len < e->widest)
                e->widest = pfx[k].len;
        info->has_v4 |= e->family == IP_FAMILY_V4;
        info->has_v6 |= e->family == IP_FAMILY_V6;
    }
}

/* One CIDR of one pool entry, for the overlap sweep. */
struct ml_cidr {
    struct ip_prefix p;
    ip_u128 last;
    uint32_t pool, entry;
};

static int
ml_cidr_cmp(const void *a, const void *b)
{
    const struct ml_cidr *x = a, *y = b;
    int c = ip_addr_cmp(&x->p.addr, &y->p.addr);

    if (c != 0)
        return c;
    if (x->p.len != y->p.len) /* the wider one first */
        return x->p.len < y->p.len ? -1 : 1;
    if (x->pool != y->pool)
        return x->pool < y->pool ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

static bool
ml_cidr_later(const struct ml_cidr *a, const struct ml_cidr *b)
{
    return a->pool != b->pool ? a->pool > b->pool : a->entry > b->entry;
}

static size_t
ml_collect_cidrs(struct ml_ctx *ml, struct ml_cidr *out)
{
    struct ip_prefix pfx[256];
    struct ip_addr first, last;
    const char *err;
    size_t n = 0;

    for (size_t pi = 0; pi < ml->pools.n; pi++) {
        const struct ml_pool *info = &ml->pool_info[pi];
        for (uint32_t i = 0; info->usable && i < info->n; i++) {
            const struct mf_str *s = info->entries[i].text;
            size_t np;

            if (info->entries[i].family == IP_FAMILY_NONE ||
                mf_parse_pool_entry(s->v, s->len, &first, &last, &err) != 0)
                continue;
            np = ip_range_to_prefixes(&first, &last, pfx, sizeof(pfx) / sizeof(pfx[0]));
            for (size_t k = 0; out != NULL && k < np; k++) {
                out[n + k].p = pfx[k];
                out[n + k].last = ip_prefix_last(&pfx[k]).v;
                out[n + k].pool = (uint32_t)pi;
                out[n + k].entry = i;
            }
            n += np;
        }
    }
    return n;
}

/* Names a CIDR for messages: "10.0.0.32/28", plus the range it came from. */
static const char *
ml_cidr_text(struct ml_ctx *ml, const struct ml_cidr *c)
{
    const struct ml_entry *e = &ml->pool_info[c->pool].entries[c->entry];
    char buf[IP_STRLEN];
    const char *t;

    ip_prefix_format(&c->p, buf);
    if (memchr(e->text->v, '-', e->text->len) != NULL)
        t = arena_printf(&ml->arena, "\"%s\" (from \"%s\")", buf, e->text->v);
    else
        t = arena_printf(&ml->arena, "\"%s\"", buf);
    return t != NULL ? t : "";
}

/* Reports the later entry of an overlapping pair, once per entry. */
static void
ml_report_overlap(struct ml_ctx *ml, const struct ml_cidr *later, const struct ml_cidr *earlier,
                  bool **reported)
{
    const struct ml_entry *e = &ml->pool_info[later->pool].entries[later->entry];
    char path[64];

    if (reported[later->pool] == NULL || reported[later->pool][later->entry])
        return;
    reported[later->pool][later->entry] = true;
    snprintf(path, sizeof(path), "spec.addresses[%u]", e->index);
    model_error(ml->diags, ml->pools.objs[later->pool], &e->text->pos, path,
                "CIDR %s in pool \"%s\" overlaps with already defined CIDR %s in pool \"%s\"",
                ml_cidr_text(ml, later), ml->pools.objs[later->pool]->name,
                ml_cidr_text(ml, earlier), ml->pools.objs[earlier->pool]->name);
}

/* cur lies inside every CIDR on the stack: report each pair on its later side. */
static void
ml_overlap_ancestors(struct ml_ctx *ml, const struct ml_cidr *cur, const struct ml_cidr *const *stack,
                     size_t depth, bool **reported)
{
    const struct ml_cidr *earliest = NULL;

    for (size_t i = 0; i < depth; i++) {
        if (ml_cidr_later(stack[i], cur))
            ml_report_overlap(ml, stack[i], cur, reported);
        else if (earliest == NULL || ml_cidr_later(earliest, stack[i]))
            earliest = stack[i];
    }
    if (earliest != NULL)
        ml_report_overlap(ml, cur, earliest, reported);
}

/*
 * V4: no CIDR may equal, contain or lie in another, in any pool. CIDRs are
 * nested or disjoint, so after sorting by start address (wider first, then
 * load order) the CIDRs containing the current one are exactly a stack of
 * nested CIDRs, at most one per prefix length (equal CIDRs are not pushed
 * twice): O(n log n) for the sort plus at most 129 steps per CIDR. Each
 * overlapping pair is reported on its later entry (load order), once per
 * entry, naming the earliest other CIDR known at that point.
 */
static void
ml_check_overlaps(struct ml_ctx *ml)
{
    size_t n = ml_collect_cidrs(ml, NULL), depth = 0;
    struct ml_cidr *v = n ? ml_alloc(ml, n, sizeof(*v)) : NULL;
    bool **reported = ml_alloc(ml, ml->pools.n, sizeof(*reported));
    const struct ml_cidr *stack[130];

    if (v == NULL || reported == NULL)
        return;
    ml_collect_cidrs(ml, v);
    qsort(v, n, sizeof(*v), ml_cidr_cmp);
    for (size_t pi = 0; pi < ml->pools.n; pi++)
        reported[pi] = ml_alloc(ml, ml->pool_info[pi].n, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        const struct ml_cidr *c = &v[i];
        while (depth > 0 && (stack[depth - 1]->p.addr.family != c->p.addr.family ||
                             stack[depth - 1]->last < c->p.addr.v))
            depth--;
        if (depth > 0 && stack[depth - 1]->p.len == c->p.len) {
            ml_report_overlap(ml, c, stack[depth - 1], reported); /* equal CIDRs */
            continue;
        }
        ml_overlap_ancestors(ml, c, stack, depth, reported);
        if (depth < sizeof(stack) / sizeof(stack[0]))
            stack[depth++] = c;
    }
}

/* ---- peers ------------------------------------------------------------------ */

static const struct mf_peer_spec *
ml_peer_spec(const struct mf_object *o)
{
    const struct mf_bgppeer *p = o->body;
    return p != NULL ? p->spec : NULL;
}

/* V11: the BFD profile must exist (a broken one still exists). */
static void
ml_check_peer_bfd(struct ml_ctx *ml, const struct mf_object *o, const struct mf_peer_spec *s)
{
    if (s->bfd_profile.v == NULL || s->bfd_profile.len == 0 ||
        ml_find(&ml->bfds, s->bfd_profile.v) != SIZE_MAX)
        return;
    model_error(ml->diags, o, &s->bfd_profile.pos, "spec.bfdProfile",
                "peer referencing non existing bfd profile \"%s\": no BFDProfile of that name%s",
                s->bfd_profile.v, ml_hint(ml, &ml->bfds, s->bfd_profile.v));
}

/* Where a Secret value is, for messages: "file:line". */
static const char *
ml_where(struct ml_ctx *ml, const struct mf_pos *pos)
{
    const char *t = arena_printf(&ml->arena, "%s:%u", pos->file ? pos->file : "-", pos->line);
    return t != NULL ? t : "-";
}

/* V10: a basic-auth Secret in MetalLB's namespace with a usable "password". */
static void
ml_check_secret_value(struct ml_ctx *ml, const struct mf_object *o, const struct mf_secret_ref *ref,
                      const struct mf_object *sec)
{
    const struct mf_secret *body = sec->body;
    const struct mf_secret_entry *pw = mf_secret_get(body, "password");
    const char *ns = ml->opt->metallb_namespace;

    if (!mf_str_eq(&body->type, "kubernetes.io/basic-auth"))
        model_error(ml->diags, o, &ref->name.pos, "spec.passwordSecret.name",
                    "secret type mismatch on \"%s/%s\", type \"kubernetes.io/basic-auth\" is "
                    "expected, not \"%s\" (%s)",
                    ns, sec->name, body->type.v ? body->type.v : "Opaque",
                    ml_where(ml, &sec->pos));
    else if (pw == NULL)
        model_error(ml->diags, o, &ref->name.pos, "spec.passwordSecret.name",
                    "password not specified in the secret \"%s/%s\" (%s): it needs the key "
                    "\"password\"",
                    ns, sec->name, ml_where(ml, &sec->pos));
    else if (memchr(pw->v, '\n', pw->len) != NULL || memchr(pw->v, '\r', pw->len) != NULL)
        model_error(ml->diags, o, &ref->name.pos, "spec.passwordSecret.name",
                    "password secret for peer contains invalid characters (line breaks) (%s)",
                    ml_where(ml, &pw->pos));
    else if (pw->len > 80)
        model_error(ml->diags, o, &ref->name.pos, "spec.passwordSecret.name",
                    "the password in secret \"%s/%s\" is %zu bytes; TCP-MD5 keys are at most 80 "
                    "bytes (%s)",
                    ns, sec->name, pw->len, ml_where(ml, &pw->pos));
}

/* V10: MetalLB reads password Secrets from its own namespace only. */
static void
ml_check_peer_secret(struct ml_ctx *ml, const struct mf_object *o, const struct mf_peer_spec *s)
{
    const struct mf_secret_ref *ref = s->password_secret;
    const char *ns = ml->opt->metallb_namespace;
    size_t si;

    if (ref == NULL || ref->name.v == NULL || ref->name.len == 0)
        return;
    if (ref->namespace.v != NULL && strcmp(ref->namespace.v, ns) != 0) {
        model_error(ml->diags, o, &ref->namespace.pos, "spec.passwordSecret.namespace",
                    "the password Secret must be in MetalLB's namespace %s, not %s", ns,
                    ref->namespace.v);
        return;
    }
    si = ml_find(&ml->secrets, ref->name.v);
    /* MetalLB treats a missing Secret as transient (it may be created later),
     * so its own samples reference Secrets they do not ship: warn. plan/
     * opens no session for such a peer until the Secret exists. */
    if (si == SIZE_MAX)
        model_warn(ml->diags, o, &ref->name.pos, "spec.passwordSecret.name",
                   "secret ref not found for peer config: no Secret \"%s\" in namespace %s%s; "
                   "the session is not opened until it exists",
                   ref->name.v, ns, ml_hint(ml, &ml->secrets, ref->name.v));
    else if (ml_usable(ml->secrets.objs[si]))
        ml_check_secret_value(ml, o, ref, ml->secrets.objs[si]);
}

static int
ml_cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static int
ml_cmp_str(const struct mf_str *a, const struct mf_str *b)
{
    if (a->v == NULL || b->v == NULL)
        return (a->v != NULL) - (b->v != NULL);
    return strcmp(a->v, b->v);
}

static int
ml_cmp_ip(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return a->family == IP_FAMILY_NONE ? 0 : ip_addr_cmp(a, b);
}

static int
ml_cmp_bool(const struct mf_bool *a, const struct mf_bool *b)
{
    return (a->set && a->v) - (b->set && b->v);
}

/* Orders peers by everything that shapes their session but node selectors. */
static int
ml_peer_cmp(const void *pa, const void *pb)
{
    const struct mf_peer_spec *a = ml_peer_spec(*(const struct mf_object *const *)pa);
    const struct mf_peer_spec *b = ml_peer_spec(*(const struct mf_object *const *)pb);
    const struct mf_str *none = &(struct mf_str){0};
    int64_t ha, ka, hb, kb;
    int c;

    mf_peer_timers(a, &ha, &ka);
    mf_peer_timers(b, &hb, &kb);
    if ((c = ml_cmp_ip(&a->peer_ip, &b->peer_ip)) || (c = ml_cmp_str(&a->interface, &b->interface)) ||
        (c = ml_cmp_i64(a->my_asn.v, b->my_asn.v)) ||
        (c = ml_cmp_i64(a->peer_asn.set ? a->peer_asn.v : 0, b->peer_asn.set ? b->peer_asn.v : 0)) ||
        (c = ml_cmp_str(&a->dynamic_asn, &b->dynamic_asn)) ||
        (c = ml_cmp_i64(a->peer_port.set ? a->peer_port.v : MF_BGP_PORT_DEFAULT,
                        b->peer_port.set ? b->peer_port.v : MF_BGP_PORT_DEFAULT)) ||
        (c = ml_cmp_ip(&a->source_ip, &b->source_ip)) || (c = ml_cmp_ip(&a->router_ip, &b->router_ip)) ||
        (c = ml_cmp_i64(ha, hb)) || (c = ml_cmp_i64(ka, kb)) ||
        (c = ml_cmp_i64(a->connect_time.set ? a->connect_time.ns : -1,
                        b->connect_time.set ? b->connect_time.ns : -1)) ||
        (c = ml_cmp_str(&a->password, &b->password)) ||
        (c = ml_cmp_str(a->password_secret ? &a->password_secret->name : none,
                        b->password_secret ? &b->password_secret->name : none)) ||
        (c = ml_cmp_str(&a->bfd_profile, &b->bfd_profile)) || (c = ml_cmp_str(&a->vrf, &b->vrf)) ||
        (c = ml_cmp_bool(&a->enable_graceful_restart, &b->enable_graceful_restart)) ||
        (c = ml_cmp_bool(&a->ebgp_multihop, &b->ebgp_multihop)) ||
        (c = ml_cmp_bool(&a->dual_stack_address_family, &b->dual_stack_address_family)) ||
        (c = ml_cmp_i64(a->local_asn.set ? a->local_asn.v : 0, b->local_asn.set ? b->local_asn.v : 0)))
        return c;
    return 0;
}

/* Same node selectors, in any order. */
static bool
ml_selectors_same(const struct mf_list *a, const struct mf_list *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        bool found = false;
        for (uint32_t j = 0; j < b->n && !found; j++)
            found = mf_metallb_selector_equal(MF_LIST_AT(*a, struct mf_label_selector, i),
                                              MF_LIST_AT(*b, struct mf_label_selector, j));
        if (!found)
            return false;
    }
    return true;
}

static int
ml_obj_order_cmp(const void *pa, const void *pb)
{
    const struct mf_object *a = *(const struct mf_object *const *)pa;
    const struct mf_object *b = *(const struct mf_object *const *)pb;
    int c = ml_peer_cmp(pa, pb);

    return c != 0 ? c : (a > b) - (a < b);
}

/* V11: two peers with the same configuration would open the same session twice. */
static void
ml_check_duplicate_peers(struct ml_ctx *ml)
{
    const struct mf_object **v = ml_alloc(ml, ml->peers.n, sizeof(*v));
    size_t n = 0;

    if (v == NULL)
        return;
    for (size_t i = 0; i < ml->peers.n; i++)
        if (ml_usable(ml->peers.objs[i]) && ml_peer_spec(ml->peers.objs[i]) != NULL)
            v[n++] = ml->peers.objs[i];
    qsort(v, n, sizeof(*v), ml_obj_order_cmp);
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1; end < n && ml_peer_cmp(&v[start], &v[end]) == 0; end++)
            ;
        for (size_t i = start + 1; i < end; i++)
            for (size_t j = start; j < i; j++)
                if (ml_selectors_same(&ml_peer_spec(v[i])->node_selectors,
                                      &ml_peer_spec(v[j])->node_selectors)) {
                    model_error(ml->diags, v[i], &ml_peer_spec(v[i])->pos, "spec",
                                "peer %s already exists: BGPPeer \"%s\" (%s:%u) has the same "
                                "configuration",
                                v[i]->name, v[j]->name, v[j]->pos.file, v[j]->pos.line);
                    break;
                }
    }
}

static void
ml_check_peers(struct ml_ctx *ml)
{
    for (size_t i = 0; i < ml->peers.n; i++) {
        const struct mf_peer_spec *s = ml_peer_spec(ml->peers.objs[i]);
        if (s == NULL)
            continue;
        ml_check_peer_bfd(ml, ml->peers.objs[i], s);
        ml_check_peer_secret(ml, ml->peers.objs[i], s);
    }
    ml_check_duplicate_peers(ml);
}

/* ---- communities -------------------------------------------------------------- */

struct ml_alias {
    const struct mf_object *obj;
    const struct mf_community_alias *a;
    uint32_t index;
};

static int
ml_alias_cmp(const void *pa, const void *pb)
{
    const struct ml_alias *a = pa, *b = pb;
    int c = strcmp(a->a->name.v, b->a->name.v);

    if (c == 0 && a->obj != b->obj)
        c = a->obj < b->obj ? -1 : 1;
    return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/* Every alias with a name, sorted by name then load order. */
static struct ml_alias *
ml_collect_aliases(struct ml_ctx *ml, size_t *count)
{
    struct ml_alias *v;
    size_t n = 0;

    for (int pass = 0; pass < 2; pass++) {
        v = pass == 0 ? NULL : ml_alloc(ml, n, sizeof(*v));
        if (pass == 1 && v == NULL)
            return NULL;
        n = 0;
        for (size_t i = 0; i < ml->communities.n; i++) {
            const struct mf_community_obj *c = ml->communities.objs[i]->body;
            for (uint32_t k = 0; c != NULL && c->spec != NULL && k < c->spec->communities.n; k++) {
                const struct mf_community_alias *a =
                    MF_LIST_AT(c->spec->communities, struct mf_community_alias, k);
                if (a->name.v == NULL)
                    continue;
                if (v != NULL)
                    v[n] = (struct ml_alias){ml->communities.objs[i], a, k};
                n++;
            }
        }
    }
    qsort(v, n, sizeof(*v), ml_alias_cmp);
    *count = n;
    return v;
}

/* V19: an alias name defined by two Community objects (the hook sees one). */
static void
ml_check_alias_duplicates(struct ml_ctx *ml, const struct ml_alias *v, size_t n)
{
    char path[64];

    for (size_t i = 1, first = 0; i < n; i++) {
        if (strcmp(v[i].a->name.v, v[first].a->name.v) != 0) {
            first = i;
            continue;
        }
        if (v[i].obj == v[first].obj || !ml_usable(v[i].obj) || !ml_usable(v[first].obj))
            continue;
        snprintf(path, sizeof(path), "spec.communities[%u].name", v[i].index);
        model_error(ml->diags, v[i].obj, &v[i].a->name.pos, path,
                    "duplicate definition of community \"%s\": Community \"%s\" (%s:%u) already "
                    "defines it",
                    v[i].a->name.v, v[first].obj->name, v[first].a->name.pos.file,
                    v[first].a->name.pos.line);
    }
}

static const struct ml_alias *
ml_find_alias(const struct ml_alias *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].a->name.v, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].a->name.v, name) == 0 ? &v[lo] : NULL;
}

static const char *
ml_alias_hint(struct ml_ctx *ml, const struct ml_alias *v, size_t n, const char *word)
{
    const char **names = n && n <= ML_HINT_MAX_NAMES ? ml_alloc(ml, n, sizeof(*names)) : NULL;
    const char *close, *hint;

    if (names == NULL)
        return "";
    for (size_t i = 0; i < n; i++)
        names[i] = v[i].a->name.v;
    close = str_closest(word, strlen(word), names, n);
    hint = close ? arena_printf(&ml->arena, "; did you mean \"%s\"?", close) : NULL;
    return hint != NULL ? hint : "";
}

/* V18: a word that is not a community value must name an alias. */
static void
ml_check_adv_communities(struct ml_ctx *ml, const struct mf_object *o,
                         const struct mf_bgpadv_spec *s, const struct ml_alias *v, size_t n)
{
    struct mf_community c;
    char path[64];

    for (uint32_t i = 0; i < s->communities.n; i++) {
        const struct mf_str *w = MF_LIST_AT(s->communities, struct mf_str, i);
        if (w->v == NULL || ml_find_alias(v, n, w->v) != NULL ||
            mf_community_parse(w->v, w->len, &c, NULL) != MF_COMMUNITY_NOT_LITERAL)
            continue;
        snprintf(path, sizeof(path), "spec.communities[%u]", i);
        model_error(ml->diags, o, &w->pos, path,
                    "invalid community format \"%s\": not A:B, large:A:B:C or a well-known name "
                    "(no-export, no-advertise, no-export-subconfed, no-peer), and no Community "
                    "defines an alias of that name%s",
                    w->v, ml_alias_hint(ml, v, n, w->v));
    }
}

static const struct mf_bgpadv_spec *
ml_adv_spec(const struct ml_ctx *ml, size_t ai)
{
    const struct mf_bgpadvertisement *ad = ml->ads.objs[ai]->body;

    return ad->spec != NULL ? ad->spec : &ml_empty_adv;
}

/* ---- advertisements: pool selection, V14 ----------------------------------------- */

static bool
ml_pool_selected(const struct ml_ctx *ml, size_t pi, const struct mf_list *names,
                 const struct mf_list *selectors)
{
    const struct mf_object *pool = ml->pools.objs[pi];

    if (names->n == 0 && selectors->n == 0)
        return true;
    for (uint32_t i = 0; i < names->n; i++) {
        const struct mf_str *s = MF_LIST_AT(*names, struct mf_str, i);
        if (s->v != NULL && strcmp(s->v, pool->name) == 0)
            return true;
    }
    for (uint32_t i = 0; i < selectors->n; i++)
        if (mf_label_selector_matches(MF_LIST_AT(*selectors, struct mf_label_selector, i),
                                      &pool->meta.labels))
            return true;
    return false;
}

/* Names of objects that do not exist: MetalLB ignores them, so warnings. */
static void
ml_warn_missing(struct ml_ctx *ml, const struct mf_object *o, const struct mf_list *names,
                struct ml_kind *k, const char *field, const char *what, const char *effect)
{
    char path[64];

    for (uint32_t i = 0; i < names->n; i++) {
        const struct mf_str *s = MF_LIST_AT(*names, struct mf_str, i);
        if (s->v == NULL || ml_find(k, s->v) != SIZE_MAX)
            continue;
        snprintf(path, sizeof(path), "spec.%s[%u]", field, i);
        model_warn(ml->diags, o, &s->pos, path, "no %s named \"%s\"; %s%s", what, s->v, effect,
                   ml_hint(ml, k, s->v));
    }
}

/* Pairs live outside the arena: they grow by doubling, and the arena would
 * keep every outgrown copy. */
static void
ml_add_pair(struct ml_ctx *ml, size_t pool, size_t ad)
{
    if (ml->oom)
        return;
    if (ml->npairs == ml->cap_pairs) {
        size_t cap = ml->cap_pairs ? ml->cap_pairs * 2 : 64;
        struct ml_pair *n = cap <= SIZE_MAX / sizeof(*n) ? realloc(ml->pairs, cap * sizeof(*n))
                                                          : NULL;
        if (n == NULL) {
            ml->oom = true;
            mf_diags_add(ml->diags, MF_SEV_ERROR, "-", 0, 0, NULL, NULL, NULL, NULL,
                         "out of memory while checking MetalLB objects");
            return;
        }
        ml->pairs = n;
        ml->cap_pairs = cap;
    }
    ml->pairs[ml->npairs++] = (struct ml_pair){(uint32_t)pool, (uint32_t)ad};
}

static int
ml_adv_length(const struct mf_bgpadv_spec *s, enum ip_family f)
{
    const struct mf_int *len = f == IP_FAMILY_V4 ? &s->aggregation_length : &s->aggregation_length_v6;

    if (len->set)
        return (int)len->v;
    return f == IP_FAMILY_V4 ? MF_AGGREGATION_V4_DEFAULT : MF_AGGREGATION_V6_DEFAULT;
}

/* V14: an aggregate may not be wider than a pool entry: it would announce
 * addresses outside the pool. Reported once per family and pool. */
static void
ml_check_aggregation(struct ml_ctx *ml, const struct mf_object *o, const struct mf_bgpadv_spec *s,
                     size_t pi)
{
    const struct ml_pool *info = &ml->pool_info[pi];
    bool done[2] = {false, false};

    for (uint32_t i = 0; i < info->n; i++) {
        const struct ml_entry *e = &info->entries[i];
        int len, v6 = e->family == IP_FAMILY_V6;
        const struct mf_int *field = v6 ? &s->aggregation_length_v6 : &s->aggregation_length;

        if (e->family == IP_FAMILY_NONE || done[v6])
            continue;
        len = ml_adv_length(s, e->family);
        if (len >= (int)e->widest)
            continue;
        done[v6] = true;
        model_error(ml->diags, o, &field->pos, v6 ? "spec.aggregationLengthV6" : "spec.aggregationLength",
                    "invalid aggregation length %d: prefix %u in pool \"%s\" is more specific "
                    "than the aggregation length for addresses \"%s\"",
                    len, e->widest, ml->pools.objs[pi]->name, e->text->v);
    }
}

/* References and communities of every advertisement (broken ones too:
 * these values decoded on their own). */
static void
ml_check_bgpad_refs(struct ml_ctx *ml)
{
    size_t nalias = 0;
    struct ml_alias *aliases = ml_collect_aliases(ml, &nalias);

    if (aliases != NULL)
        ml_check_alias_duplicates(ml, aliases, nalias);
    for (size_t ai = 0; ai < ml->ads.n; ai++) {
        const struct mf_object *o = ml->ads.objs[ai];
        const struct mf_bgpadv_spec *s = ml_adv_spec(ml, ai);

        ml_warn_missing(ml, o, &s->ip_address_pools, &ml->pools, "ipAddressPools",
                        "IPAddressPool", "nothing is advertised for it");
        ml_warn_missing(ml, o, &s->peers, &ml->peers, "peers", "BGPPeer",
                        "nothing is advertised to it");
        if (aliases != NULL)
            ml_check_adv_communities(ml, o, s, aliases, nalias);
    }
}

/* Which usable advertisement applies to which usable pool: V14 on each such
 * pair, and ml->pairs for V16 and V20, in (pool, advertisement) order. */
static void
ml_check_bgpad_pools(struct ml_ctx *ml)
{
    for (size_t pi = 0; pi < ml->pools.n; pi++) {
        if (!ml->pool_info[pi].usable)
            continue;
        for (size_t ai = 0; ai < ml->ads.n && !ml->oom; ai++) {
            const struct mf_bgpadv_spec *s = ml_adv_spec(ml, ai);
            if (!ml_usable(ml->ads.objs[ai]) ||
                !ml_pool_selected(ml, pi, &s->ip_address_pools, &s->ip_address_pool_selectors))
                continue;
            ml_check_aggregation(ml, ml->ads.objs[ai], s, pi);
            ml_add_pair(ml, pi, ai);
        }
    }
}

/* ---- V16: conflicting localPref ----------------------------------------------------- */

static bool
ml_names_disjoint(const struct mf_list *a, const struct mf_list *b)
{
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++)
            if (mf_str_eq(MF_LIST_AT(*b, struct mf_str, j), MF_LIST_AT(*a, struct mf_str, i)->v))
                return false;
    return true;
}

static bool
ml_node_selected(const struct mf_object *node, const struct mf_list *selectors)
{
    if (selectors->n == 0)
        return true;
    for (uint32_t i = 0; i < selectors->n; i++)
        if (mf_label_selector_matches(MF_LIST_AT(*selectors, struct mf_label_selector, i),
                                      &node->meta.labels))
            return true;
    return false;
}

/*
 * Whether two advertisements surely announce from a common node. MetalLB
 * intersects the nodes of the cluster; here Node objects are optional, so
 * without them only "both on all nodes" is known to overlap.
 */
static bool
ml_nodes_overlap(const struct ml_ctx *ml, const struct mf_bgpadv_spec *a,
                 const struct mf_bgpadv_spec *b)
{
    for (size_t i = 0; i < ml->nodes.n; i++)
        if (ml_node_selected(ml->nodes.objs[i], &a->node_selectors) &&
            ml_node_selected(ml->nodes.objs[i], &b->node_selectors))
            return true;
    return ml->nodes.n == 0 && a->node_selectors.n == 0 && b->node_selectors.n == 0;
}

/* MetalLB's rule: same localPref, or different aggregation for the pool's
 * families, or disjoint non-empty peer lists, or disjoint node sets. */
static bool
ml_localpref_compatible(const struct ml_ctx *ml, size_t pi, const struct mf_bgpadv_spec *a,
                        const struct mf_bgpadv_spec *b)
{
    const struct ml_pool *info = &ml->pool_info[pi];
    bool v4_differs = ml_adv_length(a, IP_FAMILY_V4) != ml_adv_length(b, IP_FAMILY_V4);
    bool v6_differs = ml_adv_length(a, IP_FAMILY_V6) != ml_adv_length(b, IP_FAMILY_V6);

    if (a->local_pref.v == b->local_pref.v || (!info->has_v4 && !info->has_v6))
        return true;
    if ((v4_differs && !info->has_v6) || (v6_differs && !info->has_v4) || (v4_differs && v6_differs))
        return true;
    if (a->peers.n > 0 && b->peers.n > 0 && ml_names_disjoint(&a->peers, &b->peers))
        return true;
    return !ml_nodes_overlap(ml, a, b);
}

static void
ml_report_localpref(struct ml_ctx *ml, size_t later, size_t earlier, size_t pi)
{
    const struct mf_bgpadv_spec *s = ml_adv_spec(ml, later);
    const struct mf_object *o = ml->ads.objs[later];

    const struct mf_pos *at = s->local_pref.set ? &s->local_pref.pos
                              : s != &ml_empty_adv ? &s->pos
                                                   : &o->pos;

    model_error(ml->diags, o, at, "spec.localPref",
                "invalid local preference %lld: local preference %lld was already set for the "
                "same type of BGP update by BGPAdvertisement \"%s\" for pool \"%s\"; advertisements "
                "of one pool with overlapping peers and nodes and the same aggregation lengths need "
                "the same localPref",
                (long long)s->local_pref.v, (long long)ml_adv_spec(ml, earlier)->local_pref.v,
                ml->ads.objs[earlier]->name, ml->pools.objs[pi]->name);
}

/* The advertisements of one pool (a run of sorted pairs), for V16. */
struct ml_group {
    const struct ml_pair *v;
    size_t n;
    unsigned families; /* 1 = has IPv4, 2 = has IPv6 */
    bool same_as_earlier;
};

/* Orders groups so that equal ones (same families, same advertisements)
 * are adjacent, the earliest pool first. */
static int
ml_group_cmp(const void *pa, const void *pb)
{
    const struct ml_group *a = pa, *b = pb;

    if (a->families != b->families)
        return a->families < b->families ? -1 : 1;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].ad != b->v[i].ad)
            return a->v[i].ad < b->v[i].ad ? -1 : 1;
    return (a->v > b->v) - (a->v < b->v);
}

static bool
ml_group_same(const struct ml_group *a, const struct ml_group *b)
{
    if (a->families != b->families || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].ad != b->v[i].ad)
            return false;
    return true;
}

static int
ml_group_order_cmp(const void *pa, const void *pb)
{
    const struct ml_group *a = pa, *b = pb;

    return (a->v > b->v) - (a->v < b->v);
}

/* Pools selected by the same advertisements, with the same families, give
 * the same V16 answers: only the first of them is examined. This keeps
 * "every ad on every pool" configurations linear in the number of pools. */
static struct ml_group *
ml_pool_groups(struct ml_ctx *ml, size_t *count)
{
    struct ml_group *g = ml_alloc(ml, ml->npairs, sizeof(*g));
    size_t n = 0;

    if (g == NULL)
        return NULL;
    for (size_t start = 0, end; start < ml->npairs; start = end, n++) {
        const struct ml_pool *info = &ml->pool_info[ml->pairs[start].pool];
        for (end = start; end < ml->npairs && ml->pairs[end].pool == ml->pairs[start].pool; end++)
            ;
        g[n] = (struct ml_group){&ml->pairs[start], end - start,
                                 (info->has_v4 ? 1u : 0u) | (info->has_v6 ? 2u : 0u), false};
    }
    qsort(g, n, sizeof(*g), ml_group_cmp);
    for (size_t i = 1; i < n; i++)
        g[i].same_as_earlier = ml_group_same(&g[i], &g[i - 1]);
    qsort(g, n, sizeof(*g), ml_group_order_cmp); /* back to pool order */
    *count = n;
    return g;
}

static void
ml_check_localpref_group(struct ml_ctx *ml, const struct ml_group *g, bool *reported)
{
    for (size_t i = 1; i < g->n; i++) {
        size_t ai = g->v[i].ad;
        if (reported[ai] || ml_adv_spec(ml, ai)->service_selectors.n > 0)
            continue;
        for (size_t j = 0; j < i && !reported[ai]; j++) {
            size_t aj = g->v[j].ad;
            if (ml_adv_spec(ml, aj)->service_selectors.n > 0 ||
                ml_localpref_compatible(ml, g->v[i].pool, ml_adv_spec(ml, ai),
                                        ml_adv_spec(ml, aj)))
                continue;
            reported[ai] = true;
            ml_report_localpref(ml, ai, aj, g->v[i].pool);
        }
    }
}

/* V16, for advertisements without serviceSelectors (those may never meet). */
static void
ml_check_localpref(struct ml_ctx *ml)
{
    bool *reported = ml_alloc(ml, ml->ads.n, sizeof(*reported));
    struct ml_group *groups;
    size_t ngroups = 0;

    if (reported == NULL || ml->npairs == 0)
        return;
    groups = ml_pool_groups(ml, &ngroups);
    for (size_t i = 0; groups != NULL && i < ngroups; i++)
        if (!groups[i].same_as_earlier)
            ml_check_localpref_group(ml, &groups[i], reported);
}

/* ---- V20: BFD echo mode with IPv6 pools -------------------------------------------- */

static bool
ml_peer_echo(const struct ml_ctx *ml, const struct mf_peer_spec *s)
{
    size_t bi;
    const struct mf_bfdprofile *p;

    if (s->bfd_profile.v == NULL || (bi = ml_find(&ml->bfds, s->bfd_profile.v)) == SIZE_MAX ||
        !ml_usable(ml->bfds.objs[bi]))
        return false;
    p = ml->bfds.objs[bi]->body;
    return p->spec != NULL && p->spec->echo_mode.v;
}

static void
ml_check_echo_peer(struct ml_ctx *ml, size_t peer, size_t pool, size_t ad, bool *reported)
{
    const struct mf_object *o = ml->peers.objs[peer];
    const struct mf_peer_spec *s = ml_peer_spec(o);

    if (reported[peer] || !ml_usable(o) || s == NULL || !ml_peer_echo(ml, s))
        return;
    reported[peer] = true;
    model_error(ml->diags, o, &s->bfd_profile.pos, "spec.bfdProfile",
                "pool %s has bgpadvertisement %s which references peer %s which has bfd echo "
                "enabled, which is not possible (BFDProfile \"%s\" sets echoMode, and echo is "
                "IPv4-only)",
                ml->pools.objs[pool]->name, ml->ads.objs[ad]->name, o->name, s->bfd_profile.v);
}

/* V20: peers that an advertisement of an IPv6 pool goes to may not use BFD echo. */
static void
ml_check_echo(struct ml_ctx *ml)
{
    bool *reported = ml_alloc(ml, ml->peers.n, sizeof(*reported));
    size_t *v6_pool = ml_alloc(ml, ml->ads.n, sizeof(*v6_pool)); /* first IPv6 pool of each ad */

    if (reported == NULL || v6_pool == NULL)
        return;
    for (size_t ai = 0; ai < ml->ads.n; ai++)
        v6_pool[ai] = SIZE_MAX;
    for (size_t i = 0; i < ml->npairs; i++)
        if (ml->pool_info[ml->pairs[i].pool].has_v6 && v6_pool[ml->pairs[i].ad] == SIZE_MAX)
            v6_pool[ml->pairs[i].ad] = ml->pairs[i].pool;
    for (size_t ai = 0; ai < ml->ads.n; ai++) {
        const struct mf_list *peers = &ml_adv_spec(ml, ai)->peers;

        if (v6_pool[ai] == SIZE_MAX)
            continue;
        for (size_t pi = 0; peers->n == 0 && pi < ml->peers.n; pi++)
            ml_check_echo_peer(ml, pi, v6_pool[ai], ai, reported);
        for (uint32_t k = 0; k < peers->n; k++) {
            const struct mf_str *name = MF_LIST_AT(*peers, struct mf_str, k);
            size_t pi = name->v != NULL ? ml_find(&ml->peers, name->v) : SIZE_MAX;
            if (pi != SIZE_MAX)
                ml_check_echo_peer(ml, pi, v6_pool[ai], ai, reported);
        }
    }
}

/* ---- L2Advertisement ----------------------------------------------------------------- */

static void
ml_check_l2ads(struct ml_ctx *ml)
{
    for (size_t i = 0; i < ml->l2ads.n; i++) {
        const struct mf_l2advertisement *ad = ml->l2ads.objs[i]->body;
        if (ad != NULL && ad->spec != NULL)
            ml_warn_missing(ml, ml->l2ads.objs[i], &ad->spec->ip_address_pools, &ml->pools,
                            "ipAddressPools", "IPAddressPool", "nothing is announced for it");
    }
}

void
model_check_metallb(const struct mf_set *set, const struct model_options *opt,
                    struct mf_diags *diags)
{
    struct ml_ctx ml = {.set = set, .opt = opt, .diags = diags};

    model_check_metallb_namespace(set, opt, diags);
    arena_init(&ml.arena, 64 * 1024, 0);
    ml_kind_build(&ml, &ml.pools, MF_KIND_IPADDRESSPOOL, NULL);
    ml_kind_build(&ml, &ml.peers, MF_KIND_BGPPEER, NULL);
    ml_kind_build(&ml, &ml.bfds, MF_KIND_BFDPROFILE, NULL);
    ml_kind_build(&ml, &ml.ads, MF_KIND_BGPADVERTISEMENT, NULL);
    ml_kind_build(&ml, &ml.l2ads, MF_KIND_L2ADVERTISEMENT, NULL);
    ml_kind_build(&ml, &ml.communities, MF_KIND_COMMUNITY, NULL);
    ml_kind_build(&ml, &ml.secrets, MF_KIND_SECRET, opt->metallb_namespace);
    ml_kind_build(&ml, &ml.nodes, MF_KIND_NODE, NULL);
    ml.pool_info = ml_alloc(&ml, ml.pools.n, sizeof(*ml.pool_info));
    if (!ml.oom) {
        for (size_t i = 0; i < ml.pools.n; i++)
            ml_expand_pool(&ml, i);
        ml_check_overlaps(&ml);
        ml_check_peers(&ml);
        ml_check_bgpad_refs(&ml);
        ml_check_bgpad_pools(&ml);
        ml_check_localpref(&ml);
        ml_check_echo(&ml);
        ml_check_l2ads(&ml);
    }
    free(ml.pairs);
    arena_free(&ml.arena);
}

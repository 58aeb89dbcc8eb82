/* BGP sessions: one entry per BGPPeer, with MetalLB's defaults applied and
 * the nodes whose labels its nodeSelectors match. */
#include <stdlib.h>
#include <string.h>

#include "plan/internal.h"

/* MetalLB's native defaults when neither timer is set (reference 3.4, 8). */
#define PLAN_HOLD_DEFAULT 90
#define PLAN_KEEPALIVE_DEFAULT 30

bool
plan_peer_on_node(const struct mf_object *peer, const struct plan_node *node)
{
    const struct mf_peer_spec *s = ((const struct mf_bgppeer *)peer->body)->spec;

    if (s == NULL || s->node_selectors.n == 0)
        return true;
    for (uint32_t i = 0; i < s->node_selectors.n; i++)
        if (mf_label_selector_matches(MF_LIST_AT(s->node_selectors, struct mf_label_selector, i),
                                      node->labels))
            return true;
    return false;
}

/* Whether passwordSecret names a Secret that exists (check warned if not). */
static bool
plan_peer_secret_present(const struct plan_ctx *c, const struct mf_peer_spec *s)
{
    const struct mf_object *o;
    size_t cur = 0;

    if (s->password_secret == NULL || s->password_secret->name.v == NULL ||
        s->password_secret->name.len == 0)
        return true;
    while ((o = mf_set_next(c->in->set, MF_KIND_SECRET, &cur)) != NULL)
        if (o->errors == 0 && strcmp(o->ns, c->mlns) == 0 &&
            strcmp(o->name, s->password_secret->name.v) == 0)
            return true;
    return false;
}

/* The TCP-MD5 key: spec.password, or the "password" key of passwordSecret. */
static const char *
plan_peer_password(struct plan_ctx *c, const struct mf_peer_spec *s)
{
    const struct mf_object *o;
    size_t cur = 0;

    if (s->password.v != NULL)
        return plan_strdup(c, s->password.v);
    if (s->password_secret == NULL || s->password_secret->name.v == NULL)
        return NULL;
    while ((o = mf_set_next(c->in->set, MF_KIND_SECRET, &cur)) != NULL) {
        const struct mf_secret_entry *e;
        if (o->errors || strcmp(o->ns, c->mlns) != 0 ||
            strcmp(o->name, s->password_secret->name.v) != 0)
            continue;
        e = mf_secret_get(o->body, "password");
        return e ? plan_strdup(c, (const char *)e->v) : NULL;
    }
    return NULL;
}

static void
plan_peer_from(struct plan_ctx *c, const struct mf_object *o, struct plan_peer *p)
{
    const struct mf_peer_spec *s = ((const struct mf_bgppeer *)o->body)->spec;
    int64_t hold_ns, keepalive_ns;

    p->name = plan_strdup(c, o->name);
    p->address = s->peer_ip;
    p->asn = s->peer_asn.set ? (uint32_t)s->peer_asn.v : 0;
    p->dynamic_asn = s->dynamic_asn.v ? plan_strdup(c, s->dynamic_asn.v) : NULL;
    p->my_asn = (uint32_t)s->my_asn.v;
    p->port = s->peer_port.set ? (uint16_t)s->peer_port.v : MF_BGP_PORT_DEFAULT;
    if (mf_peer_timers(s, &hold_ns, &keepalive_ns) == 0 && hold_ns >= 0) {
        p->hold_time = (uint32_t)(hold_ns / 1000000000);
        p->keepalive_time = (uint32_t)(keepalive_ns / 1000000000);
    } else {
        p->hold_time = PLAN_HOLD_DEFAULT;
        p->keepalive_time = PLAN_KEEPALIVE_DEFAULT;
    }
    p->connect_time = s->connect_time.set ? (uint32_t)(s->connect_time.ns / 1000000000) : 0;
    p->bfd_profile = s->bfd_profile.v ? plan_strdup(c, s->bfd_profile.v) : NULL;
    p->password = plan_peer_password(c, s);
    p->has_source_address = s->source_address.v != NULL;
    p->source_address = s->source_ip;
    p->has_router_id = s->router_id.v != NULL;
    p->router_id = s->router_ip;
    p->ebgp_multihop = s->ebgp_multihop.set && s->ebgp_multihop.v;
    p->graceful_restart = s->enable_graceful_restart.set && s->enable_graceful_restart.v;
    p->nodes = plan_alloc(c, (c->nnodes + 1) * sizeof(*p->nodes));
    for (size_t n = 0; n < c->nnodes; n++)
        if (plan_peer_on_node(o, &c->nodes[n]))
            p->nodes[p->nnodes++] = c->nodes[n].name;
    p->nnodes = plan_sort_unique(p->nodes, p->nnodes);
}

static int
plan_peer_cmp(const void *a, const void *b)
{
    return strcmp(((const struct plan_peer *)a)->name, ((const struct plan_peer *)b)->name);
}

void
plan_build_peers(struct plan_ctx *c)
{
    const struct mf_set *set = c->in->set;
    const struct mf_object *o;
    size_t cur = 0;

    c->p->peers = plan_alloc(c, (mf_set_count(set, MF_KIND_BGPPEER) + 1) * sizeof(*c->p->peers));
    while ((o = mf_set_next(set, MF_KIND_BGPPEER, &cur)) != NULL) {
        const struct mf_bgppeer *peer = o->body;
        if (!plan_metallb_usable(c, o) || peer->spec == NULL || peer->spec->peer_address.v == NULL)
            continue; /* unnumbered (interface) peers are not implemented */
        if (!plan_peer_secret_present(c, peer->spec))
            continue; /* as MetalLB: no session without its password Secret */
        plan_peer_from(c, o, &c->p->peers[c->p->npeers++]);
    }
    qsort(c->p->peers, c->p->npeers, sizeof(*c->p->peers), plan_peer_cmp);
}

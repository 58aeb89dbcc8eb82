/*
 * DOC: plan/ builds the plan from the checked model (docs/internals/plan.md).
 *
 * plan.c     orchestration, nodes, IPAM requests and the services section
 * advertise.c  BGP advertisements: pools x BGPAdvertisements x nodes
 * peers.c    BGP sessions per BGPPeer
 * gateways.c, routes.c, policies.c  Gateway API and Kuadrant status
 * render.c   JSON (the contract) and text
 * state.c    the persisted allocations that keep IPAM sticky
 *
 * Pure: no I/O, no clock. Objects are visited in a fixed order and every
 * output list is sorted, so the same inputs give the same plan everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/gateways.h"
#include "plan/internal.h"

void *
plan_alloc(struct plan_ctx *c, size_t size)
{
    void *p = arena_alloc(&c->p->arena, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    return p;
}

void *
plan_scratch(struct plan_ctx *c, size_t size)
{
    void *p = arena_alloc(&c->scratch, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    return p;
}

void *
plan_bulk_alloc(struct plan_ctx *c, size_t size)
{
    void *p = arena_alloc(&c->p->bulk, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    return p;
}

static const char *
plan_copy(void *d, const char *s, size_t len)
{
    memcpy(d, s, len);
    return d;
}

const char *
plan_strdup(struct plan_ctx *c, const char *s)
{
    return plan_copy(plan_alloc(c, strlen(s) + 1), s, strlen(s) + 1);
}

const char *
plan_bulk_strdup(struct plan_ctx *c, const char *s)
{
    return plan_copy(plan_bulk_alloc(c, strlen(s) + 1), s, strlen(s) + 1);
}

const char *
plan_scratch_strdup(struct plan_ctx *c, const char *s)
{
    return plan_copy(plan_scratch(c, strlen(s) + 1), s, strlen(s) + 1);
}

static int
plan_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
plan_sort_unique(const char **v, size_t n)
{
    size_t out = 0;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), plan_str_cmp);
    for (size_t i = 0; i < n; i++)
        if (out == 0 || strcmp(v[out - 1], v[i]) != 0)
            v[out++] = v[i];
    return out;
}

bool
plan_metallb_usable(const struct plan_ctx *c, const struct mf_object *o)
{
    return o->errors == 0 && o->ns != NULL && strcmp(o->ns, c->mlns) == 0;
}

/* ---- nodes --------------------------------------------------------------- */

static const struct mf_strmap plan_no_labels;

static bool
plan_node_excluded(const struct mf_object *o)
{
    const struct mf_node *n = o->body;
    const struct mf_node_condition *cond = mf_node_condition(n, "NetworkUnavailable");

    if (mf_strmap_get(&o->meta.labels, MF_LABEL_EXCLUDE_FROM_LB) != NULL)
        return true;
    return cond != NULL && mf_str_eq(&cond->status, "True");
}

/* The nodes the plan knows: every Node manifest, plus --node when it has none. */
void
plan_collect_nodes(struct plan_ctx *c)
{
    const struct mf_set *set = c->in->set;
    const struct mf_object *o;
    size_t cur = 0, n = 0;
    bool self_known = false;

    c->nodes = plan_alloc(c, (mf_set_count(set, MF_KIND_NODE) + 1) * sizeof(*c->nodes));
    while ((o = mf_set_next(set, MF_KIND_NODE, &cur)) != NULL) {
        if (o->errors || o->name[0] == '\0')
            continue;
        c->nodes[n].name = plan_strdup(c, o->name);
        c->nodes[n].labels = &o->meta.labels;
        c->nodes[n].excluded = plan_node_excluded(o);
        if (c->in->node && strcmp(c->in->node, o->name) == 0)
            self_known = true;
        n++;
    }
    if (c->in->node != NULL && !self_known) {
        c->nodes[n].name = plan_strdup(c, c->in->node);
        c->nodes[n].labels = &plan_no_labels;
        c->nodes[n].excluded = false;
        n++;
    }
    c->nnodes = n;
}

/* ---- the plan ------------------------------------------------------------ */

struct plan *
plan_build(const struct plan_input *in, const char **error)
{
    struct plan_ctx c;
    struct plan *p = calloc(1, sizeof(*p));

    *error = "out of memory";
    if (p == NULL)
        return NULL;
    arena_init(&p->arena, 256 * 1024, 0);
    arena_init(&p->bulk, 256 * 1024, 0);
    memset(&c, 0, sizeof(c));
    arena_init(&c.scratch, 256 * 1024, 0);
    c.in = in;
    c.p = p;
    c.mlns = in->metallb_namespace ? in->metallb_namespace : "metallb-system";
    p->node = in->node ? plan_strdup(&c, in->node) : NULL;
    plan_collect_nodes(&c);
    if (plan_allocate(&c) != 0) {
        /* The reason may live in scratch: keep a copy (this thread's last). */
        static _Thread_local char why[256];
        snprintf(why, sizeof(why), "%s", c.error ? c.error : "allocation failed");
        *error = why;
        arena_free(&c.scratch);
        plan_free(p);
        return NULL;
    }
    plan_build_advertisements(&c);
    plan_build_peers(&c);
    plan_build_gateways(&c);
    arena_free(&c.scratch);
    return p;
}

void
plan_free(struct plan *p)
{
    if (p == NULL)
        return;
    plan_pack_free(p->packed);
    arena_free(&p->bulk);
    arena_free(&p->arena);
    free(p);
}

int
plan_to_state(const struct plan *p, struct plan_state *st)
{
    struct plan_reader r;
    const struct plan_service *s;
    int rc = 0;

    plan_reader_init(&r, p);
    while (rc == 0 && (s = plan_next_service(&r)) != NULL)
        if (s->nips > 0 && plan_state_add(st, s->kind, s->ns, s->name, s->ips, s->nips, s->pool) != 0)
            rc = -1;
    plan_reader_free(&r);
    return rc;
}

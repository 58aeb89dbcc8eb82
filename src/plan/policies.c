/*
 * The policies section: every RateLimitPolicy, AuthPolicy, DNSPolicy and
 * TLSPolicy with Kuadrant's status conditions
 * (shared/reference/kuadrant-gateway.md 2.1, 2.2, 3.1, 4.1, 4.2):
 *
 *   Accepted  False/TargetNotFound when the target -- a Gateway of ours, an
 *             HTTPRoute, and the listener or rule its sectionName names --
 *             is not in the policy's namespace (kuadrant.io/v1 targets have
 *             no namespace); False/Conflicted for a DNSPolicy or TLSPolicy
 *             whose target (with the same sectionName) already has an older
 *             one: creationTimestamp, then name, decides, and only the first
 *             stays accepted;
 *   Enforced  only on accepted policies, False/Unknown: metalgate does not
 *             enforce any policy kind yet and says so, rather than claim it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/gateways.h"

#define PLAN_POL_MSG 512

struct plan_pol_work {
    struct plan_policy *out;
    const struct mf_object *obj;
    const struct mf_policy_target_ref *target;
    int64_t created;
    bool found;
    const struct mf_object *conflict; /* the older policy that wins */
    char msg[PLAN_POL_MSG];           /* why the target was not found */
};


static bool
plan_pol_has_rule(const struct mf_object *route, const char *name)
{
    const struct mf_httproute_spec *spec = ((const struct mf_httproute *)route->body)->spec;

    for (uint32_t i = 0; spec != NULL && i < spec->rules.n; i++)
        if (mf_str_eq(&MF_LIST_AT(spec->rules, struct mf_http_rule, i)->name, name))
            return true;
    return false;
}

static bool
plan_pol_find_gateway(const struct plan_gw_ctx *g, struct plan_pol_work *w, const char *name,
                      const char *section)
{
    long gi = plan_gw_find(g, w->obj->ns, name);
    const struct plan_gateway *gw;

    if (gi < 0) {
        if (plan_gw_lookup(g, MF_KIND_GATEWAY, w->obj->ns, name) != NULL)
            snprintf(w->msg, sizeof(w->msg),
                     "%s target Gateway/%s was not found: its "
                     "GatewayClass is not managed by metalgate",
                     w->obj->kind->name, name);
        else
            snprintf(w->msg, sizeof(w->msg),
                     "%s target Gateway/%s was not found in namespace "
                     "%s",
                     w->obj->kind->name, name, w->obj->ns);
        return false;
    }
    if (section == NULL)
        return true;
    gw = &g->c->p->gateways[gi];
    for (size_t i = 0; i < gw->nlisteners; i++)
        if (strcmp(gw->listeners[i].name, section) == 0)
            return true;
    snprintf(w->msg, sizeof(w->msg),
             "%s target Gateway/%s/%s was not found: the Gateway has "
             "no listener \"%s\"",
             w->obj->kind->name, name, section, section);
    return false;
}

static bool
plan_pol_find_route(const struct plan_gw_ctx *g, struct plan_pol_work *w, const char *name,
                    const char *section)
{
    const struct mf_object *route = plan_gw_lookup(g, MF_KIND_HTTPROUTE, w->obj->ns, name);

    if (route == NULL) {
        snprintf(w->msg, sizeof(w->msg), "%s target HTTPRoute/%s was not found in namespace %s",
                 w->obj->kind->name, name, w->obj->ns);
        return false;
    }
    if (section != NULL && !plan_pol_has_rule(route, section)) {
        snprintf(w->msg, sizeof(w->msg),
                 "%s target HTTPRoute/%s/%s was not found: the "
                 "HTTPRoute has no rule named \"%s\"",
                 w->obj->kind->name, name, section, section);
        return false;
    }
    return true;
}

static bool
plan_pol_find(const struct plan_gw_ctx *g, struct plan_pol_work *w)
{
    const struct mf_policy_target_ref *t = w->target;
    const char *name = plan_gw_or(&t->name, ""), *section = t->section_name.v;

    if (mf_str_eq(&t->kind, "Gateway"))
        return plan_pol_find_gateway(g, w, name, section);
    if (mf_str_eq(&t->kind, "HTTPRoute"))
        return plan_pol_find_route(g, w, name, section);
    snprintf(w->msg, sizeof(w->msg), "%s target %s/%s was not found: metalgate serves no %s",
             w->obj->kind->name, plan_gw_or(&t->kind, ""), name, plan_gw_or(&t->kind, ""));
    return false;
}

/* ---- conflicts of direct policies ---------------------------------------- */

static int
plan_pol_target_cmp(const void *a, const void *b)
{
    const struct plan_pol_work *x = *(const struct plan_pol_work *const *)a;
    const struct plan_pol_work *y = *(const struct plan_pol_work *const *)b;
    int r = strcmp(x->obj->ns, y->obj->ns);

    if (r == 0)
        r = strcmp(plan_gw_or(&x->target->name, ""), plan_gw_or(&y->target->name, ""));
    if (r == 0)
        r = strcmp(plan_gw_or(&x->target->section_name, ""),
                   plan_gw_or(&y->target->section_name, ""));
    if (r == 0 && x->created != y->created)
        r = x->created < y->created ? -1 : 1;
    return r != 0 ? r : strcmp(x->obj->name, y->obj->name);
}

/* DNSPolicy and TLSPolicy: one per Gateway (listener); the oldest wins. */
static void
plan_pol_conflicts(struct plan_ctx *c, struct plan_pol_work *w, size_t n, enum mf_kind_id kind)
{
    struct plan_pol_work **v = plan_alloc(c, (n + 1) * sizeof(*v));
    size_t m = 0;

    for (size_t i = 0; i < n; i++)
        if (w[i].found && w[i].obj->kind->id == kind)
            v[m++] = &w[i];
    qsort(v, m, sizeof(*v), plan_pol_target_cmp);
    for (size_t i = 1, first = 0; i < m; i++) {
        const struct mf_policy_target_ref *a = v[first]->target, *b = v[i]->target;
        if (strcmp(v[first]->obj->ns, v[i]->obj->ns) == 0 && mf_str_eq(&a->name, b->name.v) &&
            strcmp(plan_gw_or(&a->section_name, ""), plan_gw_or(&b->section_name, "")) == 0)
            v[i]->conflict = v[first]->obj;
        else
            first = i;
    }
}

/* ---- the section --------------------------------------------------------- */

static void
plan_pol_conditions(struct plan_ctx *c, struct plan_pol_work *w)
{
    struct plan_policy *p = w->out;
    const char *kind = w->obj->kind->name;

    p->accepted = w->found && w->conflict == NULL;
    p->nconditions = p->accepted ? 2 : 1;
    p->conditions = plan_alloc(c, 2 * sizeof(*p->conditions));
    if (!w->found)
        plan_gw_cond(c, &p->conditions[0], "Accepted", false, "TargetNotFound", "%s", w->msg);
    else if (w->conflict != NULL)
        plan_gw_cond(c, &p->conditions[0], "Accepted", false, "Conflicted",
                     "%s is conflicted by %s/%s: only one %s may target %s", kind, w->conflict->ns,
                     w->conflict->name, kind, p->target);
    else
        plan_gw_cond(c, &p->conditions[0], "Accepted", true, "Accepted", "%s has been accepted",
                     kind);
    if (p->accepted)
        plan_gw_cond(c, &p->conditions[1], "Enforced", false, "Unknown",
                     "metalgate does not enforce %s yet", kind);
}

static bool
plan_pol_is_policy(const struct mf_object *o)
{
    enum mf_kind_id k = o->kind->id;

    return o->errors == 0 && o->ns != NULL && o->name[0] != '\0' &&
           (k == MF_KIND_RATELIMITPOLICY || k == MF_KIND_AUTHPOLICY || k == MF_KIND_DNSPOLICY ||
            k == MF_KIND_TLSPOLICY) &&
           mf_policy_target(o) != NULL;
}

static void
plan_pol_fill(struct plan_gw_ctx *g, const struct mf_object *o, struct plan_pol_work *w,
              struct plan_policy *out)
{
    const struct mf_policy_target_ref *t = mf_policy_target(o);
    char target[600];

    snprintf(target, sizeof(target), "%s/%s%s%s", plan_gw_or(&t->kind, ""),
             plan_gw_or(&t->name, ""), t->section_name.v ? "/" : "",
             plan_gw_or(&t->section_name, ""));
    out->kind = o->kind->name;
    out->ns = plan_strdup(g->c, o->ns);
    out->name = plan_strdup(g->c, o->name);
    out->target = plan_strdup(g->c, target);
    w->out = out;
    w->obj = o;
    w->target = t;
    w->created = mf_object_created(o);
    w->found = plan_pol_find(g, w);
}

static int
plan_pol_cmp(const void *a, const void *b)
{
    const struct plan_policy *x = a, *y = b;
    int r = strcmp(x->kind, y->kind);

    if (r == 0)
        r = strcmp(x->ns, y->ns);
    return r != 0 ? r : strcmp(x->name, y->name);
}

void
plan_build_policies(struct plan_gw_ctx *g)
{
    const struct mf_set *set = g->c->in->set;
    struct plan *p = g->c->p;
    struct plan_pol_work *w;
    size_t n = 0;

    for (size_t i = 0; i < set->n; i++)
        n += plan_pol_is_policy(&set->objects[i]);
    p->policies = plan_alloc(g->c, (n + 1) * sizeof(*p->policies));
    w = calloc(n + 1, sizeof(*w));
    if (w == NULL) {
        fprintf(stderr, "metalgate: out of memory while planning\n");
        abort();
    }
    for (size_t i = 0; i < set->n; i++)
        if (plan_pol_is_policy(&set->objects[i])) {
            plan_pol_fill(g, &set->objects[i], &w[p->npolicies], &p->policies[p->npolicies]);
            p->npolicies++;
        }
    plan_pol_conflicts(g->c, w, p->npolicies, MF_KIND_DNSPOLICY);
    plan_pol_conflicts(g->c, w, p->npolicies, MF_KIND_TLSPOLICY);
    for (size_t i = 0; i < p->npolicies; i++)
        plan_pol_conditions(g->c, &w[i]);
    free(w);
    qsort(p->policies, p->npolicies, sizeof(*p->policies), plan_pol_cmp);
}

/*
 * Cross-object rules for the Kuadrant policies (kuadrant.io/v1).
 *
 * A v1 policy targets an object in its own namespace: targetRef has no
 * namespace field (v1beta1 had one). A `namespace` key there is an error
 * here, with the one fix that works: move the policy, not the reference.
 *
 * A target that is not in the input is not an error: Kuadrant reports it
 * as the status condition Accepted=False (TargetNotFound), which plan/
 * computes. When an object of that kind and name exists only in another
 * namespace, a warning says why it will not be found. Two DNSPolicies (or
 * TLSPolicies) on the same Gateway and listener cannot both be enforced;
 * that is a warning too, since which one wins depends on creation order.
 */
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"


static bool
model_kq_is_policy(const struct mf_object *o)
{
    return o->body != NULL &&
           (o->kind->id == MF_KIND_RATELIMITPOLICY || o->kind->id == MF_KIND_AUTHPOLICY ||
            o->kind->id == MF_KIND_DNSPOLICY || o->kind->id == MF_KIND_TLSPOLICY);
}

/* targetRef.namespace: not a v1 field; say what to do instead. */
static void
model_kq_check_target_namespace(struct mf_diags *diags, const struct mf_object *o,
                                const struct mf_policy_target_ref *t)
{
    const struct mf_str *ns = &t->stray_namespace;
    const char *own = o->ns ? o->ns : "default";

    if (ns->v == NULL)
        return;
    if (strcmp(ns->v, own) == 0)
        model_error(diags, o, &ns->pos, "spec.targetRef",
                    "unknown field \"namespace\": a kuadrant.io/v1 targetRef has no namespace; "
                    "policies target objects in their own namespace (\"%s\"), so remove it",
                    own);
    else
        model_error(diags, o, &ns->pos, "spec.targetRef",
                    "unknown field \"namespace\": a kuadrant.io/v1 targetRef has no namespace; "
                    "policies target objects in their own namespace only: create this policy "
                    "in namespace \"%.63s\" instead of \"%s\" and remove the field",
                    ns->v, own);
}

static enum mf_kind_id
model_kq_target_kind(const struct mf_policy_target_ref *t, bool *known)
{
    *known = true;
    if (mf_str_eq(&t->kind, "Gateway"))
        return MF_KIND_GATEWAY;
    if (mf_str_eq(&t->kind, "HTTPRoute"))
        return MF_KIND_HTTPROUTE;
    *known = false;
    return MF_KIND_COUNT;
}

/* Warns when the target exists, but only in other namespaces. */
static void
model_kq_check_target_elsewhere(const struct model_index *ix, struct mf_diags *diags,
                                const struct mf_object *o, const struct mf_policy_target_ref *t)
{
    const struct mf_object *const *same;
    const struct mf_object *other = NULL;
    const char *own = o->ns ? o->ns : "default";
    bool known;
    enum mf_kind_id kind = model_kq_target_kind(t, &known);
    size_t n;

    if (!known || t->name.v == NULL)
        return;
    n = model_lookup_all(ix, kind, t->name.v, &same);
    for (size_t i = 0; i < n; i++) {
        if (same[i]->ns != NULL && strcmp(same[i]->ns, own) == 0)
            return;
        other = same[i];
    }
    if (other != NULL)
        model_warn(diags, o, &t->name.pos, "spec.targetRef.name",
                   "there is no %s \"%s\" in the policy's namespace \"%s\" (only in \"%s\"): a "
                   "policy targets objects in its own namespace, so it will not be accepted "
                   "(TargetNotFound)",
                   t->kind.v, t->name.v, own, other->ns ? other->ns : "");
}

static bool
model_kq_same_target(const struct mf_object *a, const struct mf_policy_target_ref *ta,
                     const struct mf_object *b, const struct mf_policy_target_ref *tb)
{
    const char *sa = ta->section_name.v ? ta->section_name.v : "";
    const char *sb = tb->section_name.v ? tb->section_name.v : "";

    return ta->name.v != NULL && tb->name.v != NULL && strcmp(ta->name.v, tb->name.v) == 0 &&
           strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0 && strcmp(sa, sb) == 0;
}

static int
model_kq_target_cmp(const void *x, const void *y)
{
    const struct mf_object *a = *(const struct mf_object *const *)x;
    const struct mf_object *b = *(const struct mf_object *const *)y;
    const struct mf_policy_target_ref *ta = mf_policy_target(a), *tb = mf_policy_target(b);
    int c = strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "");

    if (c == 0)
        c = strcmp(ta->name.v, tb->name.v);
    if (c == 0)
        c = strcmp(ta->section_name.v ? ta->section_name.v : "",
                   tb->section_name.v ? tb->section_name.v : "");
    if (c == 0) { /* Kuadrant keeps the oldest, then the first by name (as plan/ does) */
        int64_t ca = mf_object_created(a), cb = mf_object_created(b);
        c = ca != cb ? (ca < cb ? -1 : 1) : strcmp(a->name, b->name);
    }
    if (c == 0)
        c = a < b ? -1 : (a > b);
    return c;
}

/* DNSPolicy and TLSPolicy are direct policies: one per Gateway (listener).
 * Sorted by target, so policies sharing one are neighbours. */
static void
model_kq_check_direct_conflicts(const struct mf_set *set, struct mf_diags *diags,
                                enum mf_kind_id kind)
{
    const struct mf_object **v = malloc((set->n ? set->n : 1) * sizeof(*v));
    const struct mf_object *o;
    size_t n = 0;

    if (v == NULL)
        return;
    for (size_t i = 0; (o = mf_set_next(set, kind, &i)) != NULL;) {
        const struct mf_policy_target_ref *t = mf_policy_target(o);
        if (t != NULL && t->name.v != NULL && o->name[0] != '\0')
            v[n++] = o;
    }
    qsort(v, n, sizeof(*v), model_kq_target_cmp);
    for (size_t i = 1, first = 0; i < n; i++) {
        const struct mf_policy_target_ref *ta = mf_policy_target(v[i]);
        if (!model_kq_same_target(v[i], ta, v[first], mf_policy_target(v[first]))) {
            first = i;
            continue;
        }
        if (strcmp(v[i]->name, v[first]->name) == 0)
            continue; /* the same policy twice: reported as a duplicate */
        model_warn(diags, v[i], &ta->pos, "spec.targetRef",
                   "%s %s/%s targets the same Gateway%s; only one %s per target is "
                   "enforced, the other is reported as Conflicted",
                   v[i]->kind->name, v[first]->ns ? v[first]->ns : "", v[first]->name,
                   ta->section_name.v ? " listener" : "", v[i]->kind->name);
    }
    free(v);
}

void
model_check_kuadrant(const struct mf_set *set, const struct model_index *ix,
                     struct mf_diags *diags)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct mf_object *o = &set->objects[i];
        const struct mf_policy_target_ref *t;

        if (!model_kq_is_policy(o) || (t = mf_policy_target(o)) == NULL)
            continue;
        model_kq_check_target_namespace(diags, o, t);
        model_kq_check_target_elsewhere(ix, diags, o, t);
    }
    model_kq_check_direct_conflicts(set, diags, MF_KIND_DNSPOLICY);
    model_kq_check_direct_conflicts(set, diags, MF_KIND_TLSPOLICY);
}

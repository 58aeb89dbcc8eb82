/* Schemas and helpers shared by every kind: label selectors. */
#include <string.h>

#include "manifest/schema.h"

static const char *const mf_selector_ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};

static void
mf_validate_requirement(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_label_requirement *r = obj;
    char vpath[MF_PATH_MAX];
    bool needs_values;

    if (r->op.v == NULL)
        return; /* already reported as missing */
    needs_values = mf_str_eq(&r->op, "In") || mf_str_eq(&r->op, "NotIn");
    mf_path_field(vpath, path, "values");
    if (needs_values && r->values.n == 0)
        mf_error(ctx, &r->pos, vpath, "operator %s needs at least one value", r->op.v);
    if (!needs_values && r->values.n != 0)
        mf_error(ctx, &r->values.pos, vpath, "operator %s takes no values", r->op.v);
}

static const struct mf_field mf_requirement_fields[] = {
    MF_F_STR(struct mf_label_requirement, key, "key", .flags = MF_REQUIRED,
             .check = mf_check_label_key),
    MF_F_STR(struct mf_label_requirement, op, "operator", .flags = MF_REQUIRED,
             .enums = mf_selector_ops),
    MF_F_STRLIST(struct mf_label_requirement, values, "values", .check = mf_check_label_value),
};

const struct mf_schema mf_schema_label_requirement =
    MF_SCHEMA("label selector requirement", mf_requirement_fields, mf_validate_requirement);

static const struct mf_field mf_selector_fields[] = {
    MF_F_STRMAP(struct mf_label_selector, match_labels, "matchLabels",
                .check = mf_check_label_map),
    MF_F_OBJLIST(struct mf_label_selector, match_expressions, "matchExpressions",
                 &mf_schema_label_requirement, struct mf_label_requirement),
};

const struct mf_schema mf_schema_label_selector =
    MF_SCHEMA("label selector", mf_selector_fields, NULL);

bool
mf_str_eq(const struct mf_str *s, const char *c)
{
    return s->v != NULL && strlen(c) == s->len && memcmp(s->v, c, s->len) == 0;
}

const struct mf_str *
mf_strmap_get(const struct mf_strmap *m, const char *key)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (mf_str_eq(&m->v[i].key, key))
            return &m->v[i].value;
    return NULL;
}

static bool
mf_requirement_matches(const struct mf_label_requirement *r, const struct mf_strmap *labels)
{
    const struct mf_str *have = mf_strmap_get(labels, r->key.v ? r->key.v : "");
    bool in = false;

    if (mf_str_eq(&r->op, "Exists"))
        return have != NULL;
    if (mf_str_eq(&r->op, "DoesNotExist"))
        return have == NULL;
    if (have != NULL)
        for (uint32_t i = 0; i < r->values.n; i++) {
            const struct mf_str *v = MF_LIST_AT(r->values, struct mf_str, i);
            if (v->v != NULL && mf_str_eq(have, v->v))
                in = true;
        }
    if (mf_str_eq(&r->op, "In"))
        return in;
    if (mf_str_eq(&r->op, "NotIn"))
        return !in; /* a missing label is "not in", as in Kubernetes */
    return false;
}

bool
mf_label_selector_matches(const struct mf_label_selector *sel, const struct mf_strmap *labels)
{
    for (uint32_t i = 0; i < sel->match_labels.n; i++) {
        const struct mf_kv *kv = &sel->match_labels.v[i];
        const struct mf_str *have = mf_strmap_get(labels, kv->key.v);
        if (have == NULL || !mf_str_eq(have, kv->value.v))
            return false;
    }
    for (uint32_t i = 0; i < sel->match_expressions.n; i++)
        if (!mf_requirement_matches(
                MF_LIST_AT(sel->match_expressions, struct mf_label_requirement, i), labels))
            return false;
    return true;
}

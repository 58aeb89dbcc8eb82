#include "model/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "model/internal.h"

static void
model_reportv(struct mf_diags *diags, enum mf_severity sev, const struct mf_object *obj,
              const struct mf_pos *pos, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void
model_reportv(struct mf_diags *diags, enum mf_severity sev, const struct mf_object *obj,
              const struct mf_pos *pos, const char *path, const char *fmt, va_list ap)
{
    const struct mf_pos *at = pos && pos->line ? pos : &obj->pos;

    mf_diags_addv(diags, sev, at->file, at->line, at->col, obj->kind->name, obj->ns,
                  obj->name[0] ? obj->name : NULL, path, fmt, ap);
}

void
model_error(struct mf_diags *diags, const struct mf_object *obj, const struct mf_pos *pos,
            const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    model_reportv(diags, MF_SEV_ERROR, obj, pos, path, fmt, ap);
    va_end(ap);
}

void
model_warn(struct mf_diags *diags, const struct mf_object *obj, const struct mf_pos *pos,
           const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    model_reportv(diags, MF_SEV_WARNING, obj, pos, path, fmt, ap);
    va_end(ap);
}

static int
model_key_cmp(enum mf_kind_id kind, const char *name, const char *ns, const struct mf_object *o)
{
    int c;

    if (kind != o->kind->id)
        return kind < o->kind->id ? -1 : 1;
    c = strcmp(name, o->name);
    if (c == 0 && ns != NULL)
        c = strcmp(ns, o->ns ? o->ns : "");
    return c;
}

static int
model_identity_cmp(const void *a, const void *b)
{
    const struct mf_object *x = *(const struct mf_object *const *)a;
    const struct mf_object *y = *(const struct mf_object *const *)b;
    int c = model_key_cmp(x->kind->id, x->name, x->ns ? x->ns : "", y);

    if (c == 0) /* keep load order so the later one is reported */
        c = x < y ? -1 : (x > y);
    return c;
}

/* First index whose object is not below (kind, name[, ns]). */
static size_t
model_lower_bound(const struct model_index *ix, enum mf_kind_id kind, const char *name,
                  const char *ns)
{
    size_t lo = 0, hi = ix->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (model_key_cmp(kind, name, ns, ix->v[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct mf_object *
model_lookup(const struct model_index *ix, enum mf_kind_id kind, const char *ns,
             const char *name)
{
    size_t i = model_lower_bound(ix, kind, name, ns);

    return i < ix->n && model_key_cmp(kind, name, ns, ix->v[i]) == 0 ? ix->v[i] : NULL;
}

size_t
model_lookup_all(const struct model_index *ix, enum mf_kind_id kind, const char *name,
                 const struct mf_object *const **first)
{
    size_t i = model_lower_bound(ix, kind, name, NULL), n = 0;

    while (i + n < ix->n && model_key_cmp(kind, name, NULL, ix->v[i + n]) == 0)
        n++;
    *first = ix->v + i;
    return n;
}

static int
model_index_build(const struct mf_set *set, struct model_index *ix)
{
    ix->v = malloc((set->n ? set->n : 1) * sizeof(*ix->v));
    ix->n = set->n;
    if (ix->v == NULL)
        return -1;
    for (size_t i = 0; i < set->n; i++)
        ix->v[i] = &set->objects[i];
    sort_big(ix->v, ix->n, sizeof(*ix->v), model_identity_cmp);
    return 0;
}

/* Two objects of one kind with the same namespace and name: the later one is
 * an error (kubectl apply would silently replace the first). */
static void
model_check_duplicates(const struct model_index *ix, struct mf_diags *diags)
{
    for (size_t i = 1; i < ix->n; i++) {
        const struct mf_object *a = ix->v[i - 1], *b = ix->v[i];
        if (a->kind == b->kind && a->name[0] && strcmp(a->name, b->name) == 0 &&
            strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0)
            model_error(diags, b, &b->meta.name.pos, "metadata.name",
                        "duplicate %s \"%s\"; first defined at %s:%u", b->kind->name, b->name,
                        a->meta.name.pos.file, a->meta.name.pos.line);
    }
}

size_t
model_check(const struct mf_set *set, const struct model_options *opt, struct mf_diags *diags)
{
    size_t before = diags->errors;
    struct model_options o = *opt;

    struct model_index ix;

    if (o.metallb_namespace == NULL)
        o.metallb_namespace = "metallb-system";
    if (model_index_build(set, &ix) != 0) {
        mf_diags_add(diags, MF_SEV_ERROR, NULL, 0, 0, NULL, NULL, NULL, NULL, "out of memory");
        return diags->errors - before;
    }
    model_check_duplicates(&ix, diags);
    model_check_metallb(set, &o, diags);
    model_check_gateway(set, &ix, diags);
    model_check_kuadrant(set, &ix, diags);
    free(ix.v);
    return diags->errors - before;
}

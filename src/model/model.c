#include "model/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
model_identity_cmp(const void *a, const void *b)
{
    const struct mf_object *x = *(const struct mf_object *const *)a;
    const struct mf_object *y = *(const struct mf_object *const *)b;
    int c;

    if (x->kind->id != y->kind->id)
        return x->kind->id < y->kind->id ? -1 : 1;
    c = strcmp(x->ns ? x->ns : "", y->ns ? y->ns : "");
    if (c == 0)
        c = strcmp(x->name, y->name);
    if (c == 0) /* keep load order so the later one is reported */
        c = x < y ? -1 : (x > y);
    return c;
}

/* Two objects of one kind with the same namespace and name: the later one is
 * an error (kubectl apply would silently replace the first). Sorting keeps
 * this O(n log n) for large directories. */
static void
model_check_duplicates(const struct mf_set *set, struct mf_diags *diags)
{
    const struct mf_object **v = malloc((set->n ? set->n : 1) * sizeof(*v));

    if (v == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        v[i] = &set->objects[i];
    qsort(v, set->n, sizeof(*v), model_identity_cmp);
    for (size_t i = 1; i < set->n; i++) {
        const struct mf_object *a = v[i - 1], *b = v[i];
        if (a->kind == b->kind && a->name[0] && strcmp(a->name, b->name) == 0 &&
            strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0)
            model_error(diags, b, &b->meta.name.pos, "metadata.name",
                        "duplicate %s \"%s\"; first defined at %s:%u", b->kind->name, b->name,
                        a->meta.name.pos.file, a->meta.name.pos.line);
    }
    free(v);
}

size_t
model_check(const struct mf_set *set, const struct model_options *opt, struct mf_diags *diags)
{
    size_t before = diags->errors;
    struct model_options o = *opt;

    if (o.metallb_namespace == NULL)
        o.metallb_namespace = "metallb-system";
    model_check_duplicates(set, diags);
    model_check_metallb(set, &o, diags);
    model_check_gateway(set, &o, diags);
    model_check_kuadrant(set, &o, diags);
    return diags->errors - before;
}

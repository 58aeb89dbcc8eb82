#include "manifest/diag.h"

#include <stdlib.h>
#include <string.h>

void
mf_diags_init(struct mf_diags *d)
{
    memset(d, 0, sizeof(*d));
    d->max = MF_DIAGS_MAX;
    arena_init(&d->arena, 64 * 1024, 0);
}

void
mf_diags_free(struct mf_diags *d)
{
    free(d->v);
    arena_free(&d->arena);
    memset(d, 0, sizeof(*d));
}

static const char *
mf_diag_dup(struct mf_diags *d, const char *s)
{
    return s ? arena_strndup(&d->arena, s, strlen(s)) : NULL;
}

void
mf_diags_addv(struct mf_diags *d, enum mf_severity sev, const char *file, uint32_t line,
              uint32_t col, const char *kind, const char *ns, const char *name, const char *path,
              const char *fmt, va_list ap)
{
    struct mf_diag *g;
    char msg[1024];

    if (sev == MF_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->n >= (d->max ? d->max : MF_DIAGS_MAX))
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        void *n = realloc(d->v, cap * sizeof(*d->v));
        if (n == NULL)
            return; /* counted above; the line itself is lost */
        d->v = n;
        d->cap = cap;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    g = &d->v[d->n];
    g->sev = sev;
    g->file = mf_diag_dup(d, file);
    g->line = line;
    g->col = col;
    g->kind = mf_diag_dup(d, kind);
    g->ns = mf_diag_dup(d, ns);
    g->name = mf_diag_dup(d, name);
    g->path = mf_diag_dup(d, path);
    g->msg = mf_diag_dup(d, msg);
    g->seq = d->n;
    d->n++;
}

void
mf_diags_append(struct mf_diags *dst, struct mf_diags *src)
{
    size_t room = dst->max - (dst->n < dst->max ? dst->n : dst->max);
    size_t take = src->n < room ? src->n : room;

    if (dst->n + take > dst->cap) {
        size_t cap = dst->cap ? dst->cap : 64;
        void *n;
        while (cap < dst->n + take)
            cap *= 2;
        n = realloc(dst->v, cap * sizeof(*dst->v));
        if (n == NULL)
            take = dst->cap - dst->n; /* counted below; the lines are lost */
        else {
            dst->v = n;
            dst->cap = cap;
        }
    }
    for (size_t i = 0; i < take; i++) {
        dst->v[dst->n] = src->v[i];
        dst->v[dst->n].seq = dst->n;
        dst->n++;
    }
    dst->errors += src->errors;
    dst->warnings += src->warnings;
    arena_adopt(&dst->arena, &src->arena);
    mf_diags_free(src);
    mf_diags_init(src);
}

void
mf_diags_add(struct mf_diags *d, enum mf_severity sev, const char *file, uint32_t line,
             uint32_t col, const char *kind, const char *ns, const char *name, const char *path,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mf_diags_addv(d, sev, file, line, col, kind, ns, name, path, fmt, ap);
    va_end(ap);
}

static int
mf_diag_cmp(const void *a, const void *b)
{
    const struct mf_diag *x = a, *y = b;
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");

    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void
mf_diags_sort(struct mf_diags *d)
{
    if (d->n > 1)
        qsort(d->v, d->n, sizeof(*d->v), mf_diag_cmp);
}

char *
mf_diag_format(const struct mf_diag *g, char *buf, size_t size)
{
    char object[600];

    if (g->ns != NULL)
        snprintf(object, sizeof(object), "%s/%s", g->ns, g->name ? g->name : "-");
    else
        snprintf(object, sizeof(object), "%s", g->name ? g->name : "-");
    snprintf(buf, size, "%s:%u:%u: %s %s: %s: %s%s", g->file ? g->file : "-", g->line, g->col,
             g->kind ? g->kind : "-", object, g->path && g->path[0] ? g->path : "-",
             g->sev == MF_SEV_WARNING ? "warning: " : "", g->msg);
    return buf;
}

void
mf_diags_print(const struct mf_diags *d, FILE *out, bool with_warnings)
{
    char line[2048];
    size_t kept_errors = 0;

    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].sev == MF_SEV_ERROR)
            kept_errors++;
        if (d->v[i].sev == MF_SEV_WARNING && !with_warnings)
            continue;
        fprintf(out, "%s\n", mf_diag_format(&d->v[i], line, sizeof(line)));
    }
    if (d->errors > kept_errors)
        fprintf(out, "... and %zu more errors\n", d->errors - kept_errors);
}

#include "core/arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

void
arena_init(struct arena *a, size_t chunk_size, size_t limit)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->total = 0;
    a->limit = limit;
}

void
arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;

    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

void
arena_reset(struct arena *a)
{
    struct arena_chunk *keep = NULL, *c = a->head;

    /* Keep one chunk of the default size: the next document (or request)
     * starts in memory that is already mapped, instead of a free and a
     * malloc of the same size. Oversized chunks go back to malloc. */
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        if (keep == NULL && c->size == a->chunk_size)
            keep = c;
        else
            free(c);
        c = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = keep != NULL ? keep->size : 0;
}

void
arena_adopt(struct arena *dst, struct arena *src)
{
    struct arena_chunk *last = src->head;

    if (last == NULL)
        return;
    while (last->next != NULL)
        last = last->next;
    if (dst->head == NULL) {
        dst->head = src->head;
    } else {
        last->next = dst->head->next;
        dst->head->next = src->head;
    }
    dst->total += src->total;
    src->head = NULL;
    src->total = 0;
}

static struct arena_chunk *
arena_grow(struct arena *a, size_t need)
{
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    struct arena_chunk *c;

    if (a->limit != 0 && (size > a->limit || a->total > a->limit - size))
        return NULL;
    c = malloc(sizeof(*c) + size);
    if (c == NULL)
        return NULL;
    c->size = size;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    a->total += size;
    return c;
}

static void *
arena_take_new_chunk(struct arena *a, size_t size)
{
    struct arena_chunk *c = arena_grow(a, size);

    if (c == NULL)
        return NULL;
    c->used = size;
    return c->data;
}

/* The bump itself, inlined into each allocator below: most calls end here
 * after a few instructions. */
static inline void *
arena_take(struct arena *a, size_t size, size_t align)
{
    struct arena_chunk *c = a->head;

    if (size > SIZE_MAX / 2)
        return NULL;
    if (c != NULL) {
        size_t start = (c->used + align - 1) & ~(align - 1);
        if (start <= c->size && c->size - start >= size) {
            c->used = start + size;
            return c->data + start;
        }
    }
    return arena_take_new_chunk(a, size);
}

void *
arena_alloc_uninit(struct arena *a, size_t size)
{
    return arena_take(a, size ? size : 1, alignof(max_align_t));
}

void *
arena_alloc(struct arena *a, size_t size)
{
    void *p = arena_take(a, size ? size : 1, alignof(max_align_t));

    if (p != NULL)
        memset(p, 0, size);
    return p;
}

void *
arena_copy(struct arena *a, const void *src, size_t size)
{
    void *p = arena_take(a, size ? size : 1, alignof(max_align_t));

    if (p != NULL && size > 0)
        memcpy(p, src, size);
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
    /* Text needs no alignment: strings are packed. */
    char *p = len < SIZE_MAX / 2 ? arena_take(a, len + 1, 1) : NULL;

    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

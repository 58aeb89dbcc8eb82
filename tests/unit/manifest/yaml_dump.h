/*
 * A canonical text form of everything a YAML read can show its caller: for
 * yaml_stream_read the documents, duplicate-key problems, failure and
 * problem; for yaml_stream_each every callback (document index and line,
 * tree, duplicates) and the failure. Two reads agree exactly when their
 * dumps are equal, so the differential tests (tests/unit/manifest and
 * tests/fuzz/yaml_fast) compare the fast reader with libyaml alone through
 * it. Header-only so that both can use it without a library of their own.
 */
#ifndef METALGATE_TEST_YAML_DUMP_H
#define METALGATE_TEST_YAML_DUMP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/yaml_build.h"

/* Node visits per dump: enough for any tree without aliases the tests and
 * the fuzzer read, small enough that an alias cycle stays quick. */
#ifndef YDUMP_BUDGET
#define YDUMP_BUDGET 20000
#endif

struct ydump {
    char *s;
    size_t len, cap;
    size_t budget; /* node visits left: aliases can make a tree exponential */
    bool oom;
};

static void ydump_printf(struct ydump *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ydump_printf(struct ydump *d, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (d->oom)
        return;
    for (;;) {
        size_t room = d->cap - d->len;
        va_start(ap, fmt);
        n = vsnprintf(d->s ? d->s + d->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            d->oom = true;
            return;
        }
        if ((size_t)n < room) {
            d->len += (size_t)n;
            return;
        }
        size_t cap = d->cap ? d->cap * 2 : 4096;
        while (cap - d->len <= (size_t)n)
            cap *= 2;
        char *s = realloc(d->s, cap);
        if (s == NULL) {
            d->oom = true;
            return;
        }
        d->s = s;
        d->cap = cap;
    }
}

static void
ydump_node(struct ydump *d, const struct ynode *n, int depth)
{
    if (n == NULL) {
        ydump_printf(d, "~null");
        return;
    }
    /* An alias to an enclosing anchor makes a cycle: cut deep walks. */
    if (d->budget == 0 || depth > 2 * YAML_MAX_DEPTH) {
        ydump_printf(d, "...");
        return;
    }
    d->budget--;
    ydump_printf(d, "%d@%u:%u ", depth, n->line, n->col);
    switch (n->kind) {
    case YNODE_SCALAR:
        ydump_printf(d, "scalar plain=%d shadowed=%d tag=%s len=%zu \"", n->plain, n->shadowed,
                     n->tag ? n->tag : "-", n->len);
        for (size_t i = 0; i <= n->len; i++) { /* the NUL after the text too */
            unsigned char c = (unsigned char)n->text[i];
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
                ydump_printf(d, "%c", c);
            else
                ydump_printf(d, "\\x%02x", c);
        }
        ydump_printf(d, "\"\n");
        break;
    case YNODE_MAPPING:
        ydump_printf(d, "mapping %zu\n", n->npairs);
        for (size_t i = 0; i < n->npairs; i++) {
            ydump_node(d, n->pairs[i].key, depth + 1);
            ydump_node(d, n->pairs[i].value, depth + 1);
        }
        break;
    case YNODE_SEQUENCE:
        ydump_printf(d, "sequence %zu\n", n->nitems);
        for (size_t i = 0; i < n->nitems; i++)
            ydump_node(d, n->items[i], depth + 1);
        break;
    }
}

static void
ydump_problem(struct ydump *d, const char *what, const struct yaml_problem *p)
{
    ydump_printf(d, "%s %u:%u doc %u: %s\n", what, p->line, p->col, p->doc_index, p->message);
}

static void
ydump_doc(struct ydump *d, const struct ydoc *doc, uint32_t doc_index)
{
    ydump_printf(d, "document %u line %u\n", doc_index, doc->line);
    if (doc->root == NULL)
        ydump_printf(d, "  (empty)\n");
    else
        ydump_node(d, doc->root, 1);
}

/* The dump of yaml_stream_read's result and return code. */
static void
ydump_stream(struct ydump *d, int rc, const struct yaml_stream *s)
{
    ydump_printf(d, "rc %d\n", rc);
    if (rc != 0)
        return;
    for (size_t i = 0; i < s->ndocs; i++)
        ydump_doc(d, &s->docs[i], (uint32_t)i);
    for (size_t i = 0; i < s->ndups; i++)
        ydump_problem(d, "dup", &s->dups[i]);
    if (s->failed)
        ydump_problem(d, "failed", &s->problem);
    else /* an unused problem must be left as it was found */
        ydump_printf(d, "ok %u:%u %u %d\n", s->problem.line, s->problem.col, s->problem.doc_index,
                     s->problem.message[0]);
}

/* A yaml_doc_fn that dumps each streamed document into the ydump at ctx. */
static void
ydump_each_doc(void *ctx, const struct ydoc *doc, uint32_t doc_index,
               const struct yaml_problem *dups, size_t ndups)
{
    struct ydump *d = ctx;

    ydump_doc(d, doc, doc_index);
    for (size_t i = 0; i < ndups; i++)
        ydump_problem(d, "dup", &dups[i]);
}

static void
ydump_each_end(struct ydump *d, int rc, bool failed, const struct yaml_problem *failure)
{
    ydump_printf(d, "rc %d\n", rc);
    if (rc == 0 && failed)
        ydump_problem(d, "failed", failure);
}

/* Reads buf both ways, with the fast reader (libyaml_only false) or
 * libyaml alone, and returns the dump of both modes (malloc'd, NUL
 * terminated; NULL when memory ran out). *stats gets the streaming read's
 * counts. */
static char *
ydump_read(const unsigned char *buf, size_t len, bool libyaml_only, struct yaml_read_stats *stats)
{
    struct ydump d = {.budget = YDUMP_BUDGET};
    struct arena a;
    struct yaml_stream s;
    struct yaml_problem failure;
    bool failed = false;
    int rc;

    arena_init(&a, 0, 0);
    rc = libyaml_only ? yaml_stream_read_libyaml(buf, len, &a, &s)
                      : yaml_stream_read(buf, len, &a, &s);
    ydump_printf(&d, "== read\n");
    ydump_stream(&d, rc, &s);
    if (rc == 0)
        yaml_stream_release(&s);
    arena_free(&a);
    ydump_printf(&d, "== each\n");
    d.budget = YDUMP_BUDGET;
    memset(&failure, 0, sizeof(failure));
    rc = libyaml_only
             ? yaml_stream_each_libyaml(buf, len, ydump_each_doc, &d, &failure, &failed, stats)
             : yaml_stream_each(buf, len, ydump_each_doc, &d, &failure, &failed, stats);
    ydump_each_end(&d, rc, failed, &failure);
    if (d.oom) {
        free(d.s);
        return NULL;
    }
    return d.s;
}

#endif

/*
 * Internal to yaml_tree.c and yaml_fast.c: the tree builder both readers
 * drive. It knows nodes, collections, positions (1-based line and column),
 * limits and duplicate keys, and nothing of libyaml: the libyaml event loop
 * (yaml_tree.c) and the fast block-subset reader (yaml_fast.c) call the same
 * functions in the same order for the same document, so the trees, the
 * duplicate-key problems and the limits cannot drift apart.
 */
#ifndef METALGATE_MANIFEST_YAML_BUILD_H
#define METALGATE_MANIFEST_YAML_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "manifest/yaml_tree.h"

/* A collection under construction. Its children are gathered on the
 * builder's child stack (ynode* for sequences; alternating key, value for
 * mappings), from index first up, and copied into the arena when the
 * collection ends: nested collections end first, so the children of the
 * innermost open collection are always the top of that stack. */
struct yframe {
    struct ynode *node;
    size_t first; /* where its children start on the child stack */
    size_t n;     /* how many it has so far */
};

struct yanchor {
    char *name;
    struct ynode *node;
};

struct ybuilder {
    struct arena *arena;
    struct yaml_stream *s;
    struct yframe stack[YAML_MAX_DEPTH];
    size_t depth;
    void **children; /* the child stack, shared by every open collection */
    size_t nchildren, cap_children;
    struct ynode *root;
    /* Nodes are carved from a block of the arena, one call to the
     * allocator per YB_SLAB nodes instead of one per node. */
    struct ynode *slab;
    size_t slab_left;
    /* Scalar texts are packed into blocks the same way. */
    char *text_slab;
    size_t text_left;
    struct yanchor *anchors;
    size_t nanchors, cap_anchors;
    size_t nodes;
    uint32_t doc_index;
    size_t cap_docs, cap_dups;
    bool oom;
    /* Streaming (yaml_stream_each): deliver each document, then drop it. */
    yaml_doc_fn fn;
    void *fnctx;
};

#define YB_SLAB 16
#define YB_TEXT_SLAB 1024

void yb_fail(struct ybuilder *b, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void yb_finish_collection(struct ybuilder *b, uint32_t line, uint32_t col);
void yb_attach_slow(struct ybuilder *b, struct ynode *node, uint32_t line, uint32_t col);
/* Ends the current document (line: where it started): delivers it
 * (streaming) or appends it to the stream, then readies the next one. */
void yb_end_doc(struct ybuilder *b, uint32_t line);

/* A NUL-terminated copy of text[0..len) in the document's arena. */
static inline char *
yb_text(struct ybuilder *b, const char *text, size_t len)
{
    char *t;

    if (len >= YB_TEXT_SLAB / 4) /* long texts do not waste a block's tail */
        return arena_strndup(b->arena, text, len);
    if (b->text_left < len + 1) {
        b->text_slab = arena_alloc_uninit(b->arena, YB_TEXT_SLAB);
        if (b->text_slab == NULL) {
            b->text_left = 0;
            return NULL;
        }
        b->text_left = YB_TEXT_SLAB;
    }
    t = b->text_slab;
    memcpy(t, text, len);
    t[len] = '\0';
    b->text_slab += len + 1;
    b->text_left -= len + 1;
    return t;
}

/* A new node at (line, col), or NULL when the node limit was hit (s->failed
 * is set) or memory ran out (b->oom). */
static inline struct ynode *
yb_node(struct ybuilder *b, enum ynode_kind kind, uint32_t line, uint32_t col)
{
    struct ynode *n;

    if (++b->nodes > YAML_MAX_NODES) {
        yb_fail(b, line, col, "document is too large (more than %u nodes)", YAML_MAX_NODES);
        return NULL;
    }
    if (b->slab_left == 0) {
        b->slab = arena_alloc_uninit(b->arena, YB_SLAB * sizeof(*b->slab));
        if (b->slab == NULL) {
            b->oom = true;
            return NULL;
        }
        b->slab_left = YB_SLAB;
    }
    n = b->slab++;
    b->slab_left--;
    *n = (struct ynode){.kind = kind, .line = line, .col = col};
    return n;
}

/* Adds a finished node to its parent collection, or makes it the root.
 * The common case (a scalar, room on the child stack) stays inline. */
static inline void
yb_attach(struct ybuilder *b, struct ynode *node, uint32_t line, uint32_t col)
{
    struct yframe *f;

    if (b->depth == 0) {
        b->root = node;
        return;
    }
    f = &b->stack[b->depth - 1];
    if (b->nchildren == b->cap_children ||
        (f->node->kind == YNODE_MAPPING && f->n % 2 == 0 &&
         (node->kind != YNODE_SCALAR || node->len > YAML_MAX_KEY_LEN))) {
        yb_attach_slow(b, node, line, col);
        return;
    }
    b->children[b->nchildren++] = node;
    f->n++;
}

/* Opens a collection at (line, col); the caller remembers its anchor. */
static inline struct ynode *
yb_start_collection(struct ybuilder *b, enum ynode_kind kind, uint32_t line, uint32_t col)
{
    struct ynode *node;

    if (b->depth == YAML_MAX_DEPTH) {
        yb_fail(b, line, col, "nesting is deeper than %d levels", YAML_MAX_DEPTH);
        return NULL;
    }
    node = yb_node(b, kind, line, col);
    if (node == NULL)
        return NULL;
    b->stack[b->depth].node = node;
    b->stack[b->depth].first = b->nchildren;
    b->stack[b->depth].n = 0;
    b->depth++;
    return node;
}

/* A scalar node holding a copy of text[0..len), not yet attached. */
static inline struct ynode *
yb_scalar_node(struct ybuilder *b, uint32_t line, uint32_t col, const char *text, size_t len,
               bool plain)
{
    struct ynode *node = yb_node(b, YNODE_SCALAR, line, col);

    if (node == NULL)
        return NULL;
    node->text = yb_text(b, text, len);
    node->len = len;
    node->plain = plain;
    if (node->text == NULL) {
        b->oom = true;
        return NULL;
    }
    return node;
}

/*
 * The fast reader (yaml_fast.c). Reads the documents of buf[0..len) that lie
 * in its subset, one after another, through b. Stops at the start of the
 * first document it is not sure about, undoing what it built of it, and
 * returns that document's byte offset in *resume, its 0-based line in
 * *resume_line (len and the line count when it read everything). libyaml
 * then reads buf from *resume on. Counts the documents in s->stats.
 */
void yfast_read(struct ybuilder *b, const unsigned char *buf, size_t len, size_t *resume,
                uint32_t *resume_line);

/* The libyaml-only readers, for the differential tests and the fuzzer. */
int yaml_stream_read_libyaml(const unsigned char *buf, size_t len, struct arena *arena,
                             struct yaml_stream *s);
int yaml_stream_each_libyaml(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
                             struct yaml_problem *failure, bool *failed,
                             struct yaml_read_stats *stats);

#endif

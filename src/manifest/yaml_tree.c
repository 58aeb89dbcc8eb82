#include "manifest/yaml_tree.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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

static void yb_fail(struct ybuilder *b, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
yb_fail(struct ybuilder *b, const yaml_mark_t *mark, const char *fmt, ...)
{
    struct yaml_problem *p = &b->s->problem;
    va_list ap;

    if (b->s->failed)
        return;
    b->s->failed = true;
    p->line = (uint32_t)mark->line + 1;
    p->col = (uint32_t)mark->column + 1;
    p->doc_index = b->doc_index;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof(p->message), fmt, ap);
    va_end(ap);
}

static void
yb_dup(struct ybuilder *b, const struct ynode *key)
{
    struct yaml_stream *s = b->s;
    struct yaml_problem *p;

    if (s->ndups == b->cap_dups) {
        size_t cap = b->cap_dups ? b->cap_dups * 2 : 8;
        void *n = realloc(s->dups, cap * sizeof(*s->dups));
        if (n == NULL) {
            b->oom = true;
            return;
        }
        s->dups = n;
        b->cap_dups = cap;
    }
    p = &s->dups[s->ndups++];
    p->line = key->line;
    p->col = key->col;
    p->doc_index = b->doc_index;
    snprintf(p->message, sizeof(p->message), "duplicate key \"%.200s\"", key->text);
}

#define YB_SLAB 16
#define YB_TEXT_SLAB 1024

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

static inline struct ynode *
yb_node(struct ybuilder *b, enum ynode_kind kind, const yaml_mark_t *mark)
{
    struct ynode *n;

    if (++b->nodes > YAML_MAX_NODES) {
        yb_fail(b, mark, "document is too large (more than %u nodes)", YAML_MAX_NODES);
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
    *n = (struct ynode){.kind = kind,
                        .line = (uint32_t)mark->line + 1,
                        .col = (uint32_t)mark->column + 1};
    return n;
}

static int
yb_remember_anchor(struct ybuilder *b, const yaml_char_t *anchor, struct ynode *node)
{
    if (anchor == NULL)
        return 0;
    if (b->nanchors == b->cap_anchors) {
        size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 8;
        void *n = realloc(b->anchors, cap * sizeof(*b->anchors));
        if (n == NULL)
            return -1;
        b->anchors = n;
        b->cap_anchors = cap;
    }
    b->anchors[b->nanchors].name = strdup((const char *)anchor);
    if (b->anchors[b->nanchors].name == NULL)
        return -1;
    b->anchors[b->nanchors++].node = node;
    return 0;
}

static struct ynode *
yb_find_anchor(const struct ybuilder *b, const yaml_char_t *name)
{
    /* The latest definition wins, as YAML says for redefined anchors. */
    for (size_t i = b->nanchors; i > 0; i--)
        if (strcmp(b->anchors[i - 1].name, (const char *)name) == 0)
            return b->anchors[i - 1].node;
    return NULL;
}

static void
yb_forget_anchors(struct ybuilder *b)
{
    for (size_t i = 0; i < b->nanchors; i++)
        free(b->anchors[i].name);
    b->nanchors = 0;
}

/* Adds a finished node to its parent collection, or makes it the root. */
static inline void
yb_attach(struct ybuilder *b, struct ynode *node, const yaml_mark_t *mark)
{
    struct yframe *f;

    if (b->depth == 0) {
        b->root = node;
        return;
    }
    f = &b->stack[b->depth - 1];
    if (f->node->kind == YNODE_MAPPING && f->n % 2 == 0) { /* node is a key */
        if (node->kind != YNODE_SCALAR) {
            yb_fail(b, mark, "mapping keys must be strings, not collections");
            return;
        }
        if (node->len > YAML_MAX_KEY_LEN) {
            yb_fail(b, mark, "mapping key is longer than %d bytes", YAML_MAX_KEY_LEN);
            return;
        }
    }
    if (b->nchildren == b->cap_children) {
        size_t cap = b->cap_children ? b->cap_children * 2 : 64;
        void **n = realloc(b->children, cap * sizeof(*n));
        if (n == NULL) {
            b->oom = true;
            return;
        }
        b->children = n;
        b->cap_children = cap;
    }
    b->children[b->nchildren++] = node;
    f->n++;
}

static int
ykey_cmp(const void *a, const void *b)
{
    const struct ypair *x = a, *y = b;
    size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
    int c = memcmp(x->key->text, y->key->text, n);

    if (c != 0)
        return c;
    if (x->key->len != y->key->len)
        return x->key->len < y->key->len ? -1 : 1;
    /* Equal keys: the later one in the document is the duplicate. */
    return x->key->line != y->key->line ? (x->key->line < y->key->line ? -1 : 1)
                                        : (x->key->col < y->key->col ? -1 : 1);
}

static void
yb_check_duplicates(struct ybuilder *b, const struct ynode *map)
{
    struct ypair *sorted;

    if (map->npairs < 2)
        return;
    /* Most mappings are small and have no repeated key: a quadratic look
     * that compares lengths first settles that without a sort or a malloc.
     * Only a mapping with a repetition goes on to the sort, which decides
     * the order the repetitions are reported in. */
    if (map->npairs <= 16) {
        bool repeated = false;
        for (size_t i = 1; i < map->npairs && !repeated; i++) {
            const struct ynode *k = map->pairs[i].key;
            for (size_t j = 0; j < i; j++) {
                const struct ynode *o = map->pairs[j].key;
                if (o->len == k->len && memcmp(o->text, k->text, k->len) == 0) {
                    repeated = true;
                    break;
                }
            }
        }
        if (!repeated)
            return;
    }
    /* Sorting a copy keeps this O(n log n) for hostile maps with many keys. */
    sorted = malloc(map->npairs * sizeof(*sorted));
    if (sorted == NULL) {
        b->oom = true;
        return;
    }
    memcpy(sorted, map->pairs, map->npairs * sizeof(*sorted));
    qsort(sorted, map->npairs, sizeof(*sorted), ykey_cmp);
    for (size_t i = 1; i < map->npairs; i++) {
        struct ynode *p = sorted[i - 1].key;
        const struct ynode *k = sorted[i].key;
        if (p->len == k->len && memcmp(p->text, k->text, k->len) == 0) {
            p->shadowed = true;
            yb_dup(b, k);
        }
    }
    free(sorted);
}

static void
yb_finish_collection(struct ybuilder *b, const yaml_mark_t *mark)
{
    struct yframe *f = &b->stack[--b->depth];
    struct ynode *node = f->node;
    void **children = b->children + f->first;

    if (node->kind == YNODE_MAPPING) {
        node->npairs = f->n / 2;
        /* The children alternate key, value: the layout of a ypair array. */
        static_assert(sizeof(struct ypair) == 2 * sizeof(void *), "ypair is two pointers");
        node->pairs = node->npairs ? arena_copy(b->arena, children, f->n * sizeof(void *))
                                   : arena_alloc(b->arena, sizeof(struct ypair));
        if (node->pairs == NULL)
            b->oom = true;
        if (!b->oom)
            yb_check_duplicates(b, node);
    } else {
        node->nitems = f->n;
        node->items = f->n ? arena_copy(b->arena, children, f->n * sizeof(struct ynode *))
                            : arena_alloc(b->arena, sizeof(struct ynode *));
        if (node->items == NULL)
            b->oom = true;
    }
    b->nchildren = f->first;
    if (!b->oom)
        yb_attach(b, node, mark);
}

static inline void
yb_start_collection(struct ybuilder *b, enum ynode_kind kind, const yaml_event_t *ev,
                    const yaml_char_t *anchor)
{
    struct ynode *node;

    if (b->depth == YAML_MAX_DEPTH) {
        yb_fail(b, &ev->start_mark, "nesting is deeper than %d levels", YAML_MAX_DEPTH);
        return;
    }
    node = yb_node(b, kind, &ev->start_mark);
    if (node == NULL)
        return;
    if (yb_remember_anchor(b, anchor, node) != 0) {
        b->oom = true;
        return;
    }
    b->stack[b->depth].node = node;
    b->stack[b->depth].first = b->nchildren;
    b->stack[b->depth].n = 0;
    b->depth++;
}

static void
yb_scalar(struct ybuilder *b, const yaml_event_t *ev)
{
    struct ynode *node = yb_node(b, YNODE_SCALAR, &ev->start_mark);

    if (node == NULL)
        return;
    node->text = yb_text(b, (const char *)ev->data.scalar.value, ev->data.scalar.length);
    node->len = ev->data.scalar.length;
    node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (ev->data.scalar.tag != NULL && !ev->data.scalar.plain_implicit &&
        !ev->data.scalar.quoted_implicit)
        node->tag = arena_strndup(b->arena, (const char *)ev->data.scalar.tag,
                                  strlen((const char *)ev->data.scalar.tag));
    if (node->text == NULL || yb_remember_anchor(b, ev->data.scalar.anchor, node) != 0) {
        b->oom = true;
        return;
    }
    yb_attach(b, node, &ev->start_mark);
}

static void
yb_alias(struct ybuilder *b, const yaml_event_t *ev)
{
    struct ynode *target = yb_find_anchor(b, ev->data.alias.anchor);

    if (target == NULL) {
        yb_fail(b, &ev->start_mark, "alias *%.100s refers to no anchor",
                (const char *)ev->data.alias.anchor);
        return;
    }
    /* Shared, not copied: the decoder bounds how often it walks a node. */
    yb_attach(b, target, &ev->start_mark);
}

static int
yb_push_doc(struct ybuilder *b, uint32_t line)
{
    struct yaml_stream *s = b->s;

    if (s->ndocs == b->cap_docs) {
        size_t cap = b->cap_docs ? b->cap_docs * 2 : 16;
        void *n = realloc(s->docs, cap * sizeof(*s->docs));
        if (n == NULL)
            return -1;
        s->docs = n;
        b->cap_docs = cap;
    }
    /* "---" followed by nothing parses as an empty plain scalar: no object. */
    if (b->root != NULL && b->root->kind == YNODE_SCALAR && b->root->plain && b->root->len == 0)
        b->root = NULL;
    s->docs[s->ndocs].root = b->root;
    s->docs[s->ndocs].line = line;
    s->ndocs++;
    return 0;
}

static void
yb_deliver_doc(struct ybuilder *b, uint32_t line)
{
    struct ydoc doc;

    if (b->root != NULL && b->root->kind == YNODE_SCALAR && b->root->plain && b->root->len == 0)
        b->root = NULL;
    doc.root = b->root;
    doc.line = line;
    b->fn(b->fnctx, &doc, b->doc_index, b->s->dups, b->s->ndups);
    b->s->ndups = 0;
    b->root = NULL;
    b->nodes = 0; /* the limit is per document when streaming */
    arena_reset(b->arena);
    b->slab_left = 0;
    b->text_left = 0;
}

static const char *
yb_problem_text(const yaml_parser_t *p)
{
    return p->problem ? p->problem : "unknown error";
}

/* Whether yaml_event_delete has anything to free: most events (ends, and
 * collections without anchor or tag) hold no pointer, and deleting them is
 * a measurable part of a large stream. */
static inline bool
yb_event_owns_memory(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
        return true;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor != NULL || ev->data.mapping_start.tag != NULL;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor != NULL || ev->data.sequence_start.tag != NULL;
    case YAML_DOCUMENT_START_EVENT:
        return ev->data.document_start.version_directive != NULL ||
               ev->data.document_start.tag_directives.start != NULL;
    default: /* stream start and the end events carry no pointers */
        return false;
    }
}

static void
yb_run(struct ybuilder *b, yaml_parser_t *parser)
{
    yaml_event_t ev;
    uint32_t doc_line = 1;
    bool done = false;

    while (!done && !b->s->failed && !b->oom) {
        if (!yaml_parser_parse(parser, &ev)) {
            char msg[200];
            snprintf(msg, sizeof(msg), "invalid YAML: %s%s%s", yb_problem_text(parser),
                     parser->context ? " " : "", parser->context ? parser->context : "");
            yb_fail(b, &parser->problem_mark, "%s", msg);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            b->root = NULL;
            doc_line = (uint32_t)ev.start_mark.line + 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (b->fn != NULL)
                yb_deliver_doc(b, doc_line);
            else if (yb_push_doc(b, doc_line) != 0)
                b->oom = true;
            yb_forget_anchors(b);
            b->doc_index++;
            break;
        case YAML_MAPPING_START_EVENT:
            yb_start_collection(b, YNODE_MAPPING, &ev, ev.data.mapping_start.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
            yb_start_collection(b, YNODE_SEQUENCE, &ev, ev.data.sequence_start.anchor);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            yb_finish_collection(b, &ev.start_mark);
            break;
        case YAML_SCALAR_EVENT:
            yb_scalar(b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            yb_alias(b, &ev);
            break;
        default:
            break;
        }
        if (yb_event_owns_memory(&ev))
            yaml_event_delete(&ev);
    }
}

/* Parses buf with builder b (whose arena, stream and callback are set).
 * Returns 0, or -1 when libyaml or memory failed. */
static int
yb_parse(struct ybuilder *b, const unsigned char *buf, size_t len)
{
    yaml_parser_t parser;

    if (!yaml_parser_initialize(&parser))
        return -1;
    yaml_parser_set_input_string(&parser, buf, len);
    yb_run(b, &parser);
    yaml_parser_delete(&parser);
    b->depth = 0;
    free(b->children);
    b->children = NULL;
    b->nchildren = b->cap_children = 0;
    yb_forget_anchors(b);
    free(b->anchors);
    return b->oom ? -1 : 0;
}

int
yaml_stream_read(const unsigned char *buf, size_t len, struct arena *arena,
                 struct yaml_stream *s)
{
    struct ybuilder b;

    memset(s, 0, sizeof(*s));
    memset(&b, 0, sizeof(b));
    b.arena = arena;
    b.s = s;
    if (yb_parse(&b, buf, len) == 0)
        return 0;
    yaml_stream_release(s);
    return -1;
}

int
yaml_stream_each(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
                 struct yaml_problem *failure, bool *failed)
{
    struct ybuilder b;
    struct yaml_stream s;
    struct arena doc_arena;
    int rc;

    memset(&s, 0, sizeof(s));
    memset(&b, 0, sizeof(b));
    arena_init(&doc_arena, 64 * 1024, 0);
    b.arena = &doc_arena;
    b.s = &s;
    b.fn = fn;
    b.fnctx = ctx;
    rc = yb_parse(&b, buf, len);
    arena_free(&doc_arena);
    *failed = s.failed;
    if (s.failed)
        *failure = s.problem;
    yaml_stream_release(&s);
    return rc;
}

void
yaml_stream_release(struct yaml_stream *s)
{
    free(s->docs);
    free(s->dups);
    s->docs = NULL;
    s->dups = NULL;
    s->ndocs = s->ndups = 0;
}

const struct ypair *
ynode_get(const struct ynode *map, const char *key)
{
    size_t klen = strlen(key);

    if (map == NULL || map->kind != YNODE_MAPPING)
        return NULL;
    for (size_t i = 0; i < map->npairs; i++) {
        const struct ynode *k = map->pairs[i].key;
        if (k->len == klen && memcmp(k->text, key, klen) == 0)
            return &map->pairs[i];
    }
    return NULL;
}

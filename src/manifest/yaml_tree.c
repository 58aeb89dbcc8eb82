#include "manifest/yaml_tree.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest/yaml_build.h"

void
yb_fail(struct ybuilder *b, uint32_t line, uint32_t col, const char *fmt, ...)
{
    struct yaml_problem *p = &b->s->problem;
    va_list ap;

    if (b->s->failed)
        return;
    b->s->failed = true;
    p->line = line;
    p->col = col;
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

/* yb_attach's rare cases: a key that is not a short scalar, a full child
 * stack. */
void
yb_attach_slow(struct ybuilder *b, struct ynode *node, uint32_t line, uint32_t col)
{
    struct yframe *f = &b->stack[b->depth - 1];

    if (f->node->kind == YNODE_MAPPING && f->n % 2 == 0) { /* node is a key */
        if (node->kind != YNODE_SCALAR) {
            yb_fail(b, line, col, "mapping keys must be strings, not collections");
            return;
        }
        if (node->len > YAML_MAX_KEY_LEN) {
            yb_fail(b, line, col, "mapping key is longer than %d bytes", YAML_MAX_KEY_LEN);
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

void
yb_finish_collection(struct ybuilder *b, uint32_t line, uint32_t col)
{
    struct yframe *f = &b->stack[--b->depth];
    struct ynode *node = f->node;
    /* No child yet means no child stack either: no offset into NULL. */
    void **children = f->n ? b->children + f->first : NULL;

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
        yb_attach(b, node, line, col);
}

/* libyaml's marks are 0-based and count from the start of the text it was
 * given; the fast reader may have read the lines before that text. */
struct ylibyaml {
    struct ybuilder *b;
    uint32_t line_offset;
};

static inline uint32_t
yl_line(const struct ylibyaml *y, const yaml_mark_t *m)
{
    return (uint32_t)m->line + 1 + y->line_offset;
}

static inline uint32_t
yl_col(const yaml_mark_t *m)
{
    return (uint32_t)m->column + 1;
}

static void
yl_start_collection(struct ylibyaml *y, enum ynode_kind kind, const yaml_event_t *ev,
                    const yaml_char_t *anchor)
{
    struct ybuilder *b = y->b;
    struct ynode *node =
        yb_start_collection(b, kind, yl_line(y, &ev->start_mark), yl_col(&ev->start_mark));

    if (node != NULL && yb_remember_anchor(b, anchor, node) != 0)
        b->oom = true;
}

static void
yl_scalar(struct ylibyaml *y, const yaml_event_t *ev)
{
    struct ybuilder *b = y->b;
    uint32_t line = yl_line(y, &ev->start_mark), col = yl_col(&ev->start_mark);
    struct ynode *node =
        yb_scalar_node(b, line, col, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                       ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);

    if (node == NULL)
        return;
    if (ev->data.scalar.tag != NULL && !ev->data.scalar.plain_implicit &&
        !ev->data.scalar.quoted_implicit) {
        node->tag = arena_strndup(b->arena, (const char *)ev->data.scalar.tag,
                                  strlen((const char *)ev->data.scalar.tag));
        if (node->tag == NULL) {
            b->oom = true;
            return;
        }
    }
    if (yb_remember_anchor(b, ev->data.scalar.anchor, node) != 0) {
        b->oom = true;
        return;
    }
    yb_attach(b, node, line, col);
}

static void
yl_alias(struct ylibyaml *y, const yaml_event_t *ev)
{
    struct ybuilder *b = y->b;
    struct ynode *target = yb_find_anchor(b, ev->data.alias.anchor);
    uint32_t line = yl_line(y, &ev->start_mark), col = yl_col(&ev->start_mark);

    if (target == NULL) {
        yb_fail(b, line, col, "alias *%.100s refers to no anchor",
                (const char *)ev->data.alias.anchor);
        return;
    }
    /* Shared, not copied: the decoder bounds how often it walks a node. */
    yb_attach(b, target, line, col);
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
    s->docs[s->ndocs].root = b->root;
    s->docs[s->ndocs].line = line;
    s->ndocs++;
    return 0;
}

static void
yb_deliver_doc(struct ybuilder *b, uint32_t line)
{
    struct ydoc doc;

    doc.root = b->root;
    doc.line = line;
    b->fn(b->fnctx, &doc, b->doc_index, b->s->dups, b->s->ndups);
    b->s->ndups = 0;
    b->nodes = 0; /* the limit is per document when streaming */
    arena_reset(b->arena);
    b->slab_left = 0;
    b->text_left = 0;
}

void
yb_end_doc(struct ybuilder *b, uint32_t line)
{
    /* "---" followed by nothing parses as an empty plain scalar: no object. */
    if (b->root != NULL && b->root->kind == YNODE_SCALAR && b->root->plain && b->root->len == 0)
        b->root = NULL;
    if (b->fn != NULL)
        yb_deliver_doc(b, line);
    else if (yb_push_doc(b, line) != 0)
        b->oom = true;
    b->root = NULL;
    yb_forget_anchors(b);
    b->doc_index++;
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
yl_run(struct ylibyaml *y, yaml_parser_t *parser)
{
    struct ybuilder *b = y->b;
    yaml_event_t ev;
    uint32_t doc_line = 1;
    bool done = false;

    while (!done && !b->s->failed && !b->oom) {
        if (!yaml_parser_parse(parser, &ev)) {
            char msg[200];
            snprintf(msg, sizeof(msg), "invalid YAML: %s%s%s", yb_problem_text(parser),
                     parser->context ? " " : "", parser->context ? parser->context : "");
            yb_fail(b, yl_line(y, &parser->problem_mark), yl_col(&parser->problem_mark), "%s", msg);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            b->root = NULL;
            doc_line = yl_line(y, &ev.start_mark);
            break;
        case YAML_DOCUMENT_END_EVENT:
            yb_end_doc(b, doc_line);
            b->s->stats.docs_libyaml++;
            break;
        case YAML_MAPPING_START_EVENT:
            yl_start_collection(y, YNODE_MAPPING, &ev, ev.data.mapping_start.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
            yl_start_collection(y, YNODE_SEQUENCE, &ev, ev.data.sequence_start.anchor);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            yb_finish_collection(b, yl_line(y, &ev.start_mark), yl_col(&ev.start_mark));
            break;
        case YAML_SCALAR_EVENT:
            yl_scalar(y, &ev);
            break;
        case YAML_ALIAS_EVENT:
            yl_alias(y, &ev);
            break;
        default:
            break;
        }
        if (yb_event_owns_memory(&ev))
            yaml_event_delete(&ev);
    }
}

/* Parses buf with builder b (whose arena, stream and callback are set):
 * the fast reader first unless libyaml_only, then libyaml from where it
 * stopped. Returns 0, or -1 when libyaml or memory failed. */
static int
yb_parse(struct ybuilder *b, const unsigned char *buf, size_t len, bool libyaml_only)
{
    struct ylibyaml y = {b, 0};
    size_t resume = 0;
    yaml_parser_t parser;
    int rc = 0;

    if (!libyaml_only)
        yfast_read(b, buf, len, &resume, &y.line_offset);
    if (resume < len && !b->oom) {
        if (!yaml_parser_initialize(&parser)) {
            rc = -1;
        } else {
            yaml_parser_set_input_string(&parser, buf + resume, len - resume);
            yl_run(&y, &parser);
            yaml_parser_delete(&parser);
        }
    }
    b->depth = 0;
    free(b->children);
    b->children = NULL;
    b->nchildren = b->cap_children = 0;
    yb_forget_anchors(b);
    free(b->anchors);
    return b->oom ? -1 : rc;
}

static int
yb_stream_read(const unsigned char *buf, size_t len, struct arena *arena, struct yaml_stream *s,
               bool libyaml_only)
{
    struct ybuilder b;

    memset(s, 0, sizeof(*s));
    memset(&b, 0, sizeof(b));
    b.arena = arena;
    b.s = s;
    if (yb_parse(&b, buf, len, libyaml_only) == 0)
        return 0;
    yaml_stream_release(s);
    return -1;
}

int
yaml_stream_read(const unsigned char *buf, size_t len, struct arena *arena, struct yaml_stream *s)
{
    return yb_stream_read(buf, len, arena, s, false);
}

int
yaml_stream_read_libyaml(const unsigned char *buf, size_t len, struct arena *arena,
                         struct yaml_stream *s)
{
    return yb_stream_read(buf, len, arena, s, true);
}

static int
yb_stream_each(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
               struct yaml_problem *failure, bool *failed, struct yaml_read_stats *stats,
               bool libyaml_only)
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
    rc = yb_parse(&b, buf, len, libyaml_only);
    arena_free(&doc_arena);
    *failed = s.failed;
    if (s.failed)
        *failure = s.problem;
    if (stats != NULL)
        *stats = s.stats;
    yaml_stream_release(&s);
    return rc;
}

int
yaml_stream_each(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
                 struct yaml_problem *failure, bool *failed, struct yaml_read_stats *stats)
{
    return yb_stream_each(buf, len, fn, ctx, failure, failed, stats, false);
}

int
yaml_stream_each_libyaml(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
                         struct yaml_problem *failure, bool *failed, struct yaml_read_stats *stats)
{
    return yb_stream_each(buf, len, fn, ctx, failure, failed, stats, true);
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

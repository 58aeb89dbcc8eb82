/*
 * A YAML document as a tree of nodes that remember where they came from.
 * Built with hard limits (depth, node count, alias expansion), so hostile
 * input costs bounded memory and time. A fast reader takes the documents in
 * the plain block subset that manifests use; every other document, and every
 * document after it, goes to libyaml's parser. Both give the same trees,
 * problems and positions (yaml_fast.c says how that is kept true). Scalars
 * are not resolved to types here: the schema decoder decides what a plain
 * scalar means for the field it fills.
 */
#ifndef METALGATE_MANIFEST_YAML_TREE_H
#define METALGATE_MANIFEST_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

enum ynode_kind {
    YNODE_SCALAR,
    YNODE_MAPPING,
    YNODE_SEQUENCE,
};

struct ynode;

struct ypair {
    struct ynode *key; /* always a scalar */
    struct ynode *value;
};

struct ynode {
    enum ynode_kind kind;
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based */
    /* YNODE_SCALAR */
    bool plain;       /* unquoted, so subject to type resolution */
    bool shadowed;    /* a mapping key repeated later in the same mapping: the
                         later one wins (and the repetition is reported) */
    uint8_t resolved; /* scratch for the schema decoder, which resolves a
                         scalar's type once and keeps it here; 0 = not yet */
    const char *text; /* NUL-terminated; may contain NUL bytes before len */
    size_t len;
    const char *tag; /* explicit tag such as "tag:yaml.org,2002:str", or NULL */
    /* YNODE_MAPPING */
    struct ypair *pairs;
    size_t npairs;
    /* YNODE_SEQUENCE */
    struct ynode **items;
    size_t nitems;
};

struct ydoc {
    struct ynode *root; /* NULL for an empty document (comments only) */
    uint32_t line;      /* where the document starts, 1-based */
};

/* Limits that keep hostile documents bounded. */
#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES (4u * 1024 * 1024) /* per stream */
#define YAML_MAX_KEY_LEN 1024

/* One problem found while reading the stream. */
struct yaml_problem {
    uint32_t line, col;
    uint32_t doc_index; /* 0-based document in which it happened */
    char message[256];
};

/* How many complete documents each reader produced: the fast reader, and
 * libyaml for what the fast reader handed over. */
struct yaml_read_stats {
    uint32_t docs_fast;
    uint32_t docs_libyaml;
};

struct yaml_stream {
    struct ydoc *docs;
    size_t ndocs;
    /* Set when reading stopped early: a syntax error or a limit. Documents
     * before it are complete and usable; the one it happened in is dropped. */
    bool failed;
    struct yaml_problem problem;
    /* Non-fatal problems (duplicate keys) found in complete documents. */
    struct yaml_problem *dups;
    size_t ndups;
    struct yaml_read_stats stats;
};

/*
 * Reads every document of a YAML stream held in buf[0..len). All nodes are
 * allocated from the arena. Returns 0 when the stream was read, even if
 * s->failed reports a syntax error; -1 only when memory ran out.
 */
int yaml_stream_read(const unsigned char *buf, size_t len, struct arena *arena,
                     struct yaml_stream *s);

/*
 * Streaming form: calls fn once per complete document, in order, with the
 * duplicate-key problems found in it. The document's nodes live only until
 * fn returns, so memory stays bounded by the largest document, not the
 * stream (a 100,000-object file would otherwise keep every tree alive).
 * The node limit applies per document here. Returns 0, or -1 when memory
 * ran out; *failure is filled and *failed set on a syntax error or limit
 * (documents before it were delivered). stats, when not NULL, is filled.
 */
typedef void (*yaml_doc_fn)(void *ctx, const struct ydoc *doc, uint32_t doc_index,
                            const struct yaml_problem *dups, size_t ndups);
int yaml_stream_each(const unsigned char *buf, size_t len, yaml_doc_fn fn, void *ctx,
                     struct yaml_problem *failure, bool *failed, struct yaml_read_stats *stats);

/* Releases the non-arena parts of a stream (the docs and dups arrays). */
void yaml_stream_release(struct yaml_stream *s);

/* Looks up a key in a mapping node; NULL when absent or node is not a mapping. */
const struct ypair *ynode_get(const struct ynode *map, const char *key);

#endif

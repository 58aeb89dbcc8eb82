/*
 * Typed values decoded from manifests. Every value remembers the position
 * of the YAML node it came from, so that checks running later (model/,
 * plan/) can still point the user at file:line:col.
 */
#ifndef METALGATE_MANIFEST_TYPES_H
#define METALGATE_MANIFEST_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ynode;

struct mf_pos {
    const char *file; /* as given on the command line, interned per load */
    uint32_t line;    /* 1-based; 0 = unknown */
    uint32_t col;
};

/* A string field. v == NULL means absent (or YAML null). */
struct mf_str {
    const char *v; /* NUL-terminated */
    uint32_t len;
    struct mf_pos pos;
};

struct mf_bool {
    bool v;
    bool set;
    struct mf_pos pos;
};

struct mf_int {
    int64_t v;
    bool set;
    struct mf_pos pos;
};

/* Go time.Duration syntax ("1h2m3.5s", "500ms", "0s"), kept in nanoseconds. */
struct mf_duration {
    int64_t ns;
    bool set;
    struct mf_pos pos;
};

/* Kubernetes IntOrString (Service targetPort and friends). */
struct mf_intstr {
    bool set;
    bool is_int;
    int64_t i;
    struct mf_str s;
    struct mf_pos pos;
};

/*
 * A YAML sequence: v points to n elements of the field's element type
 * (struct mf_str for string lists, the object's struct for object lists).
 */
struct mf_list {
    void *v;
    uint32_t n;
    bool set;
    struct mf_pos pos;
};

/* One entry of a string-to-string map (labels, annotations, Secret data). */
struct mf_kv {
    struct mf_str key;
    struct mf_str value;
};

/* A string-to-string map. Entries keep document order. */
struct mf_strmap {
    struct mf_kv *v;
    uint32_t n;
    bool set;
    struct mf_pos pos;
};

/*
 * A map from names to objects (RateLimitPolicy limits, AuthPolicy rules):
 * v points to n elements of the entry struct, which starts with
 * `struct mf_pos pos; struct mf_str key;`.
 */
struct mf_objmap {
    void *v;
    uint32_t n;
    bool set;
    struct mf_pos pos;
};

/* A subtree kept as YAML because its content is free-form. */
struct mf_raw {
    const struct ynode *node; /* NULL when absent */
    struct mf_pos pos;
};

/* Kubernetes LabelSelector: matchLabels AND every matchExpression. */
struct mf_label_requirement {
    struct mf_pos pos;
    struct mf_str key;
    struct mf_str op;    /* In, NotIn, Exists, DoesNotExist */
    struct mf_list values; /* of struct mf_str */
};

struct mf_label_selector {
    struct mf_pos pos;
    struct mf_strmap match_labels;
    struct mf_list match_expressions; /* of struct mf_label_requirement */
};

#define MF_LIST_AT(list, type, i) (&((type *)(list).v)[(i)])

/* True when the selector matches the labels. An empty selector matches all. */
bool mf_label_selector_matches(const struct mf_label_selector *sel,
                               const struct mf_strmap *labels);

/* Value of key in map, or NULL. */
const struct mf_str *mf_strmap_get(const struct mf_strmap *m, const char *key);

/* Compares a string field with a C string. Absent never equals. */
bool mf_str_eq(const struct mf_str *s, const char *c);

#endif

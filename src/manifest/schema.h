/*
 * Schema-driven decoding of YAML nodes into the typed structs of types.h.
 *
 * A kind is described by tables of struct mf_field, one per YAML mapping:
 * name, type, offset of the member, bounds, allowed values and an optional
 * check. The decoder walks a node against its table and reports, with the
 * position and the field path:
 *   - unknown fields (error, with a "did you mean" hint when one is close),
 *   - fields we know but do not implement yet (warning, value ignored),
 *   - wrong types, out-of-range values, values outside an enum,
 *   - missing required fields,
 * and then calls the field's check and the schema's validate hook for rules
 * that involve a single object. Rules across objects belong to model/.
 *
 * Layout rules for structs decoded by a schema:
 *   - the first member is `struct mf_pos pos`: where the mapping starts;
 *   - an MF_OBJMAP entry struct starts with `struct mf_pos pos; struct mf_str key;`;
 *   - an optional sub-object (MF_OBJECT) is a pointer member, NULL when absent;
 *   - lists of objects are arrays of the struct itself.
 *
 * This header is for the kind files of manifest/ only.
 */
#ifndef METALGATE_MANIFEST_SCHEMA_H
#define METALGATE_MANIFEST_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "manifest/diag.h"
#include "manifest/types.h"

struct ynode;
struct mf_ctx;
struct mf_meta;

enum mf_type {
    MF_STRING,   /* struct mf_str */
    MF_BOOL,     /* struct mf_bool */
    MF_INT,      /* struct mf_int; min/max bound it */
    MF_DURATION, /* struct mf_duration; min/max bound it in nanoseconds when max != 0 */
    MF_INTSTR,   /* struct mf_intstr */
    MF_OBJECT,   /* pointer to a struct of .elem_size bytes described by .object; NULL = absent */
    MF_LIST,     /* struct mf_list of .elem (MF_STRING, MF_INT or MF_OBJECT) */
    MF_STRMAP,   /* struct mf_strmap */
    MF_OBJMAP,   /* struct mf_objmap of .object entries of .elem_size bytes */
    MF_RAW,      /* struct mf_raw: any YAML, not checked */
};

enum mf_field_flags {
    MF_REQUIRED = 1u << 0,    /* absent or null is an error */
    MF_UNSUPPORTED = 1u << 1, /* known, not implemented: warn and skip */
    MF_IGNORED = 1u << 2,     /* known, meaningless to us: skip silently (e.g. status) */
    MF_NONEMPTY = 1u << 3,    /* strings, lists and maps must not be empty */
    MF_DEPRECATED = 1u << 4,  /* accepted with a warning carrying .note */
};

/*
 * Extra check on a decoded value: value points to the member (struct mf_str
 * etc.; for lists, to each element). path is the field's path such as
 * "spec.addresses[0]". Report problems with mf_error()/mf_warn().
 */
typedef void (*mf_check_fn)(struct mf_ctx *ctx, const void *value, const char *path);

struct mf_schema;

struct mf_field {
    const char *name;
    enum mf_type type;
    size_t offset;
    unsigned flags;
    const struct mf_schema *object; /* MF_OBJECT, MF_OBJMAP, MF_LIST of MF_OBJECT */
    enum mf_type elem;              /* MF_LIST element type */
    size_t elem_size;               /* MF_LIST / MF_OBJMAP element size */
    int64_t min, max;               /* MF_INT range; MF_STRING length; MF_LIST/MF_STRMAP/
                                       MF_OBJMAP entry count (max only); 0,0 = unbounded */
    int64_t elem_min, elem_max;     /* MF_LIST of MF_STRING: each string's length;
                                       MF_LIST of MF_INT: each value's range */
    const char *const *enums;       /* MF_STRING: NULL-terminated allowed values */
    mf_check_fn check;
    const char *note; /* warning text for MF_UNSUPPORTED / MF_DEPRECATED */
};

struct mf_schema {
    const char *name; /* for messages, e.g. "BGPPeer spec" */
    const struct mf_field *fields;
    size_t nfields;
    /* Called after the object's fields are decoded; obj is the struct. */
    void (*validate)(struct mf_ctx *ctx, void *obj, const char *path);
};

#define MF_SCHEMA(sname, ftable, vfn)                                                        \
    {                                                                                        \
        .name = (sname), .fields = (ftable), .nfields = sizeof(ftable) / sizeof((ftable)[0]), \
        .validate = (vfn)                                                                    \
    }

/* Field table helpers. T is the struct type, M the member. Extra designated
 * initialisers (.flags, .min, .check, ...) follow. */
#define MF_F_STR(T, M, N, ...) {.name = (N), .type = MF_STRING, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_BOOL(T, M, N, ...) {.name = (N), .type = MF_BOOL, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_INT(T, M, N, ...) {.name = (N), .type = MF_INT, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_DUR(T, M, N, ...) {.name = (N), .type = MF_DURATION, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_INTSTR(T, M, N, ...) {.name = (N), .type = MF_INTSTR, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_OBJ(T, M, N, S, E, ...)                                                         \
    {.name = (N), .type = MF_OBJECT, .offset = offsetof(T, M), .object = (S),                \
     .elem_size = sizeof(E), __VA_ARGS__}
#define MF_F_STRLIST(T, M, N, ...)                                                           \
    {.name = (N), .type = MF_LIST, .offset = offsetof(T, M), .elem = MF_STRING,              \
     .elem_size = sizeof(struct mf_str), __VA_ARGS__}
#define MF_F_INTLIST(T, M, N, ...)                                                           \
    {.name = (N), .type = MF_LIST, .offset = offsetof(T, M), .elem = MF_INT,                 \
     .elem_size = sizeof(struct mf_int), __VA_ARGS__}
#define MF_F_OBJLIST(T, M, N, S, E, ...)                                                     \
    {.name = (N), .type = MF_LIST, .offset = offsetof(T, M), .elem = MF_OBJECT, .object = (S), \
     .elem_size = sizeof(E), __VA_ARGS__}
#define MF_F_STRMAP(T, M, N, ...) {.name = (N), .type = MF_STRMAP, .offset = offsetof(T, M), __VA_ARGS__}
#define MF_F_OBJMAP(T, M, N, S, E, ...)                                                      \
    {.name = (N), .type = MF_OBJMAP, .offset = offsetof(T, M), .object = (S),                \
     .elem_size = sizeof(E), __VA_ARGS__}
#define MF_F_RAW(T, M, N, ...) {.name = (N), .type = MF_RAW, .offset = offsetof(T, M), __VA_ARGS__}
/* A field we accept and skip: unsupported (warning) or ignored (silent). */
#define MF_F_SKIP(N, FLAGS, NOTE) {.name = (N), .type = MF_RAW, .offset = SIZE_MAX, .flags = (FLAGS), .note = (NOTE)}

/* Decoding context for one object. */
struct mf_ctx {
    struct arena *arena;   /* where decoded values live */
    struct mf_diags *diags;
    const char *file;
    const char *kind;      /* for diagnostics */
    const char *ns;        /* may be NULL for cluster-scoped kinds */
    const char *name;      /* may be NULL while metadata is unknown */
    const struct mf_meta *meta; /* the object's metadata, once decoded (validate hooks) */
    uint64_t budget;       /* nodes the decoder may still visit (alias bombs) */
    unsigned errors;       /* errors reported for this object */
};

/*
 * Decodes node (a mapping) into obj according to schema, reporting at path
 * ("" for the document root). obj must be zeroed.
 */
void mf_decode_object(struct mf_ctx *ctx, const struct ynode *node, const struct mf_schema *schema,
                      void *obj, const char *path);

/* Report a problem at pos for field path. */
void mf_error(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mf_warn(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes "parent.field" or "parent[i]" into buf (MF_PATH_MAX bytes); returns buf. */
#define MF_PATH_MAX 512
char *mf_path_field(char *buf, const char *parent, const char *field);
char *mf_path_index(char *buf, const char *parent, size_t index);
char *mf_path_key(char *buf, const char *parent, const char *key);

/* Parses a Go duration ("1h30m", "2.5s", "300ms", "0"). Returns 0 or -1. */
int mf_parse_go_duration(const char *s, size_t len, int64_t *ns);

/* Reusable checks (check.c). Each takes the value type named in its name. */
void mf_check_ip(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_ipv4(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_cidr(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_dns1123_label(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_dns1123_subdomain(struct mf_ctx *ctx, const void *str, const char *path);
/* Gateway API Hostname: lower-case RFC 1123 with at most a leading "*." label, no IP. */
void mf_check_gw_hostname(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_label_key(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_label_value(struct mf_ctx *ctx, const void *str, const char *path);
void mf_check_label_map(struct mf_ctx *ctx, const void *strmap, const char *path);
void mf_check_annotation_map(struct mf_ctx *ctx, const void *strmap, const char *path);
void mf_check_no_duplicates(struct mf_ctx *ctx, const struct mf_list *strs, const char *path,
                            const char *what);

/* RFC 1123 predicates, as Kubernetes applies them to names. */
bool mf_is_dns_label(const char *s, size_t len);     /* lower-case label, at most 63 */
bool mf_is_dns_subdomain(const char *s, size_t len); /* dot-separated labels, at most 253 */

/* A hint for text that still holds a template placeholder (${VAR}, {{ }},
 * CMP_PLACEHOLDER_, ROOT_DOMAIN), or "". Appending it to an error makes the
 * error a warning: a template is not wrong, it is not filled in yet
 * (docs/internals/manifest.md). */
const char *mf_placeholder_hint(const char *s);
/* Whether a message carries one of the hints above. */
bool mf_is_template_problem(const char *msg);

/* Shared schemas (common.c). */
extern const struct mf_schema mf_schema_label_selector;   /* struct mf_label_selector */
extern const struct mf_schema mf_schema_label_requirement; /* struct mf_label_requirement */

#endif

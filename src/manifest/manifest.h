/*
 * manifest/: reads Kubernetes-style YAML manifests into typed objects.
 *
 * Pass one of the pipeline (manifests -> model -> plan -> runtime): every
 * document is parsed, its apiVersion and kind pick a schema, and every field
 * is type-checked and validated on its own (docs/internals/manifest.md).
 * Problems are collected, never fatal: all of them are reported. Objects
 * with errors are kept, flagged, so that model/ can tell "missing" from
 * "broken" and avoid follow-on errors.
 */
#ifndef METALGATE_MANIFEST_H
#define METALGATE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "manifest/diag.h"
#include "manifest/types.h"
#include "manifest/types_core.h"
#include "manifest/types_gateway.h"
#include "manifest/types_kuadrant.h"
#include "manifest/types_metallb.h"

enum mf_kind_id {
    MF_KIND_IPADDRESSPOOL,
    MF_KIND_BGPADVERTISEMENT,
    MF_KIND_L2ADVERTISEMENT,
    MF_KIND_BFDPROFILE,
    MF_KIND_COMMUNITY,
    MF_KIND_BGPPEER,
    MF_KIND_SERVICE,
    MF_KIND_SECRET,
    MF_KIND_NODE,
    MF_KIND_NAMESPACE,
    MF_KIND_ENDPOINTSLICE,
    MF_KIND_GATEWAYCLASS,
    MF_KIND_GATEWAY,
    MF_KIND_HTTPROUTE,
    MF_KIND_REFERENCEGRANT,
    MF_KIND_RATELIMITPOLICY,
    MF_KIND_AUTHPOLICY,
    MF_KIND_DNSPOLICY,
    MF_KIND_TLSPOLICY,
    MF_KIND_COUNT
};

struct mf_schema;

struct mf_kind {
    enum mf_kind_id id;
    const char *group;                  /* "" for the core group ("v1") */
    const char *const *versions;        /* served versions, NULL-terminated */
    const char *const *old_versions;    /* accepted with a deprecation warning, or NULL */
    const char *name;                   /* "IPAddressPool" */
    bool namespaced;
    size_t size;                        /* size of the body struct */
    const struct mf_schema *schema;     /* top-level fields, MF_ENVELOPE_FIELDS included */
};

struct mf_meta {
    struct mf_pos pos;
    struct mf_str name;
    struct mf_str generate_name;
    struct mf_str namespace;
    struct mf_str creation_timestamp; /* RFC 3339, or absent */
    struct mf_strmap labels;
    struct mf_strmap annotations;
};

struct mf_object {
    const struct mf_kind *kind;
    const char *api_version;
    const char *ns;   /* effective namespace; NULL for cluster-scoped kinds */
    const char *name; /* "" when missing */
    struct mf_meta meta;
    void *body;       /* struct <kind>, starting with struct mf_pos */
    struct mf_pos pos;
    unsigned errors;  /* errors reported on this object */
};

/* All objects of one load: one arena, freed together. */
struct mf_set {
    struct arena arena;
    struct mf_object *objects;
    size_t n, cap;
    size_t files;
    size_t ignored; /* documents of kinds we do not handle */
    /* YAML documents read by the fast reader and by libyaml (yaml_tree.h):
     * for a debug line, when start-up at scale is slower than expected. */
    size_t yaml_docs_fast, yaml_docs_libyaml;
    /* Where each kind's objects lie (objects[first, end)) and how many
     * there are, valid while indexed == n: rare kinds among a million
     * Services are then found without scanning them all. */
    size_t indexed;
    size_t kind_first[MF_KIND_COUNT], kind_end[MF_KIND_COUNT], kind_count[MF_KIND_COUNT];
};

/* Limits on input size (bytes per file). */
#define MF_MAX_FILE_SIZE (64u * 1024 * 1024)

void mf_set_init(struct mf_set *set);
void mf_set_free(struct mf_set *set);

/*
 * Loads files, or every *.yaml / *.yml file of a directory in name order.
 * Problems go to diags. Returns 0, or -1 when a path cannot be read (the
 * reason is in diags, path "-").
 */
int mf_load_path(struct mf_set *set, const char *path, struct mf_diags *diags);

/*
 * mf_load_path for several paths at once: files are read and decoded on up
 * to one thread per CPU and merged in the order named, so the result is the
 * same as loading them one after another.
 */
int mf_load_paths(struct mf_set *set, const char *const *paths, size_t npaths,
                  struct mf_diags *diags);

/* Loads a YAML buffer as if it were the file `name` (tests, fuzzing). */
void mf_load_buffer(struct mf_set *set, const char *name, const unsigned char *buf, size_t len,
                    struct mf_diags *diags);

/* The kind registry: lookup by apiVersion group and kind name. */
const struct mf_kind *mf_kind_lookup(const char *group, const char *kind);
const struct mf_kind *mf_kind_by_id(enum mf_kind_id id);

/* metadata.creationTimestamp as seconds since the epoch; 0 when absent (it
 * then sorts first, and name order decides, as in hand-written manifests). */
int64_t mf_object_created(const struct mf_object *o);

/* The targetRef of a Kuadrant policy (RateLimitPolicy, AuthPolicy, DNSPolicy,
 * TLSPolicy); NULL for other kinds or when the spec did not decode. */
const struct mf_policy_target_ref *mf_policy_target(const struct mf_object *o);

/* How many objects of one kind the set holds (a scan: call once, not per object). */
size_t mf_set_count(const struct mf_set *set, enum mf_kind_id id);

/* Iterates objects of one kind: for (i = 0; (o = mf_set_next(set, KIND, &i)); ) */
struct mf_object *mf_set_next(const struct mf_set *set, enum mf_kind_id id, size_t *cursor);

#endif

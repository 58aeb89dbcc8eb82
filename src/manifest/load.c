/* Files and documents -> typed objects: the envelope (apiVersion, kind,
 * metadata) and dispatch to each kind's schema. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/strutil.h"
#include "manifest/kinds.h"
#include "manifest/manifest.h"
#include "manifest/schema.h"
#include "manifest/yaml_tree.h"

/* Nodes one object may visit while decoding: bounds alias expansion. */
#define MF_OBJECT_BUDGET 1000000u

/* Groups whose kinds we own: an unknown kind there is probably a typo. */
static const char *const mf_our_groups[] = {"metallb.io", "gateway.networking.k8s.io",
                                            "kuadrant.io", NULL};

/* Kinds users put next to ours that metalgate does not handle (yet). */
static const struct {
    const char *group, *kind, *note;
} mf_known_foreign[] = {
    {"gateway.networking.k8s.io", "GRPCRoute", "gRPC routing is not implemented yet"},
    {"gateway.networking.k8s.io", "TLSRoute", "TLS passthrough routing is not implemented yet"},
    {"gateway.networking.k8s.io", "TCPRoute", "TCP routes are not implemented yet"},
    {"gateway.networking.k8s.io", "UDPRoute", "UDP routes are not implemented yet"},
    {"gateway.networking.k8s.io", "BackendTLSPolicy", "TLS to backends is not implemented yet"},
    {"gateway.networking.k8s.io", "ListenerSet", "ListenerSets are not implemented yet"},
    {"", "ConfigMap", NULL},
    {"metallb.io", "ServiceL2Status", "status objects are written by MetalLB, not read"},
    {"metallb.io", "ServiceBGPStatus", "status objects are written by MetalLB, not read"},
    {"metallb.io", "ConfigurationState", "status objects are written by MetalLB, not read"},
};

void
mf_set_init(struct mf_set *set)
{
    memset(set, 0, sizeof(*set));
    arena_init(&set->arena, 256 * 1024, 0);
}

void
mf_set_free(struct mf_set *set)
{
    free(set->objects);
    arena_free(&set->arena);
    memset(set, 0, sizeof(*set));
}

static const struct mf_kind *const *const mf_groups[] = {
    mf_kinds_metallb, mf_kinds_core, mf_kinds_gateway, mf_kinds_kuadrant};
static const size_t *const mf_group_counts[] = {&mf_kinds_metallb_count, &mf_kinds_core_count,
                                                &mf_kinds_gateway_count,
                                                &mf_kinds_kuadrant_count};

const struct mf_kind *
mf_kind_lookup(const char *group, const char *kind)
{
    for (size_t g = 0; g < sizeof(mf_groups) / sizeof(mf_groups[0]); g++)
        for (size_t i = 0; i < *mf_group_counts[g]; i++) {
            const struct mf_kind *k = mf_groups[g][i];
            /* Kind names differ sooner than groups; a first-byte test
             * skips most calls. */
            if (k->name[0] == kind[0] && strcmp(k->name, kind) == 0 &&
                strcmp(k->group, group) == 0)
                return k;
        }
    return NULL;
}

const struct mf_kind *
mf_kind_by_id(enum mf_kind_id id)
{
    for (size_t g = 0; g < sizeof(mf_groups) / sizeof(mf_groups[0]); g++)
        for (size_t i = 0; i < *mf_group_counts[g]; i++)
            if (mf_groups[g][i]->id == id)
                return mf_groups[g][i];
    return NULL;
}

int64_t
mf_object_created(const struct mf_object *o)
{
    struct tm tm;
    const struct mf_str *ts = &o->meta.creation_timestamp;

    memset(&tm, 0, sizeof(tm));
    if (ts->v == NULL || sscanf(ts->v, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                                &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* Called once the loading is done (objects are only ever appended). */
static void
mf_set_index(struct mf_set *set)
{
    for (int k = 0; k < MF_KIND_COUNT; k++) {
        set->kind_first[k] = set->n;
        set->kind_end[k] = 0;
        set->kind_count[k] = 0;
    }
    for (size_t i = 0; i < set->n; i++) {
        enum mf_kind_id k = set->objects[i].kind->id;
        if (set->kind_count[k]++ == 0)
            set->kind_first[k] = i;
        set->kind_end[k] = i + 1;
    }
    set->indexed = set->n;
}

size_t
mf_set_count(const struct mf_set *set, enum mf_kind_id id)
{
    size_t n = 0;

    if (set->indexed == set->n && set->n > 0)
        return set->kind_count[id];
    for (size_t i = 0; i < set->n; i++)
        n += set->objects[i].kind->id == id;
    return n;
}

struct mf_object *
mf_set_next(const struct mf_set *set, enum mf_kind_id id, size_t *cursor)
{
    size_t end = set->n;

    if (set->indexed == set->n && set->n > 0) {
        if (*cursor < set->kind_first[id])
            *cursor = set->kind_first[id];
        end = set->kind_end[id];
    }
    while (*cursor < end) {
        struct mf_object *o = &set->objects[(*cursor)++];
        if (o->kind->id == id)
            return o;
    }
    *cursor = set->n > *cursor ? set->n : *cursor; /* exhausted, as without the index */
    return NULL;
}

/* ---- metadata ---------------------------------------------------------- */

static void
mf_check_timestamp(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    bool ok = s->len >= 20;

    for (size_t i = 0; ok && i < sizeof(shape) - 1; i++)
        ok = shape[i] == 'd' ? (s->v[i] >= '0' && s->v[i] <= '9') : s->v[i] == shape[i];
    if (!ok)
        mf_error(ctx, &s->pos, path,
                 "\"%.60s\" is not an RFC 3339 time such as \"2026-01-02T15:04:05Z\"", s->v);
}

static const struct mf_field mf_meta_fields[] = {
    MF_F_STR(struct mf_meta, name, "name", .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_meta, generate_name, "generateName"),
    MF_F_STR(struct mf_meta, namespace, "namespace", .check = mf_check_dns1123_label),
    MF_F_STR(struct mf_meta, creation_timestamp, "creationTimestamp",
             .check = mf_check_timestamp),
    MF_F_STRMAP(struct mf_meta, labels, "labels", .check = mf_check_label_map),
    MF_F_STRMAP(struct mf_meta, annotations, "annotations", .check = mf_check_annotation_map),
    MF_F_SKIP("uid", MF_IGNORED, NULL),
    MF_F_SKIP("resourceVersion", MF_IGNORED, NULL),
    MF_F_SKIP("generation", MF_IGNORED, NULL),
    MF_F_SKIP("managedFields", MF_IGNORED, NULL),
    MF_F_SKIP("finalizers", MF_IGNORED, NULL),
    MF_F_SKIP("ownerReferences", MF_IGNORED, NULL),
    MF_F_SKIP("selfLink", MF_IGNORED, NULL),
    MF_F_SKIP("deletionTimestamp", MF_IGNORED, NULL),
    MF_F_SKIP("deletionGracePeriodSeconds", MF_IGNORED, NULL),
};

static const struct mf_schema mf_meta_schema = MF_SCHEMA("metadata", mf_meta_fields, NULL);

/* ---- documents --------------------------------------------------------- */

struct mf_doc_ctx {
    struct mf_set *set;
    struct mf_diags *diags;
    const char *file;
};

static struct mf_object *
mf_set_push(struct mf_set *set)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        void *n = realloc(set->objects, cap * sizeof(*set->objects));
        if (n == NULL)
            return NULL;
        set->objects = n;
        set->cap = cap;
    }
    memset(&set->objects[set->n], 0, sizeof(set->objects[0]));
    return &set->objects[set->n++];
}

/* Reads a required top-level string (apiVersion, kind). */
static const char *
mf_envelope_string(struct mf_ctx *ctx, const struct ynode *root, const char *key)
{
    const struct ypair *p = ynode_get(root, key);
    struct mf_pos pos = {ctx->file, root->line, root->col};

    if (p == NULL || (p->value->kind == YNODE_SCALAR && p->value->plain && p->value->len == 0)) {
        mf_error(ctx, &pos, key, "required field is missing");
        return NULL;
    }
    pos.line = p->value->line;
    pos.col = p->value->col;
    if (p->value->kind != YNODE_SCALAR || p->value->len == 0) {
        mf_error(ctx, &pos, key, "must be a non-empty string");
        return NULL;
    }
    return p->value->text;
}

static void
mf_unknown_kind(struct mf_ctx *ctx, const struct ynode *root, const char *group,
                const char *api_version, const char *kind)
{
    const struct ypair *p = ynode_get(root, "kind");
    struct mf_pos pos = {ctx->file, p->value->line, p->value->col};
    const char *names[MF_KIND_COUNT];
    size_t n = 0;
    const char *close;

    for (size_t i = 0; i < sizeof(mf_known_foreign) / sizeof(mf_known_foreign[0]); i++)
        if (strcmp(mf_known_foreign[i].group, group) == 0 &&
            strcmp(mf_known_foreign[i].kind, kind) == 0) {
            if (strcmp(kind, "ConfigMap") == 0 && ctx->ns && strcmp(ctx->ns, "metallb-system") == 0)
                mf_warn(ctx, &pos, "kind",
                        "kind ConfigMap is not handled; MetalLB's ConfigMap configuration was "
                        "replaced by IPAddressPool/BGPPeer/BGPAdvertisement objects in MetalLB "
                        "0.13: convert it with MetalLB's configmaptocrs tool");
            else
                mf_warn(ctx, &pos, "kind", "kind %s (%s) is not handled by metalgate%s%s; ignored",
                        kind, api_version, mf_known_foreign[i].note ? ": " : "",
                        mf_known_foreign[i].note ? mf_known_foreign[i].note : "");
            return;
        }
    for (const char *const *g = mf_our_groups; *g != NULL; g++) {
        if (strcmp(*g, group) != 0)
            continue;
        for (int id = 0; id < MF_KIND_COUNT; id++) {
            const struct mf_kind *k = mf_kind_by_id((enum mf_kind_id)id);
            if (k != NULL && strcmp(k->group, group) == 0)
                names[n++] = k->name;
        }
        close = str_closest(kind, strlen(kind), names, n);
        if (close != NULL) {
            mf_error(ctx, &pos, "kind", "unknown kind \"%s\" in %s; did you mean \"%s\"?", kind,
                     group, close);
            return;
        }
    }
    mf_warn(ctx, &pos, "kind", "kind %s (%s) is not handled by metalgate; ignored", kind,
            api_version);
}

static bool
mf_version_in(const char *version, const char *const *list)
{
    for (; list != NULL && *list != NULL; list++)
        if (strcmp(*list, version) == 0)
            return true;
    return false;
}

/* Checks the version half of apiVersion against what the kind serves. */
static bool
mf_check_version(struct mf_ctx *ctx, const struct ynode *root, const struct mf_kind *k,
                 const char *version)
{
    const struct ypair *p = ynode_get(root, "apiVersion");
    struct mf_pos pos = {ctx->file, p->value->line, p->value->col};

    if (mf_version_in(version, k->versions))
        return true;
    if (mf_version_in(version, k->old_versions)) {
        mf_warn(ctx, &pos, "apiVersion", "%s%s%s is deprecated; use %s%s%s", k->group,
                k->group[0] ? "/" : "", version, k->group, k->group[0] ? "/" : "", k->versions[0]);
        return true;
    }
    mf_error(ctx, &pos, "apiVersion", "%s is not served as %s%s%s; use %s%s%s", k->name, k->group,
             k->group[0] ? "/" : "", version, k->group, k->group[0] ? "/" : "", k->versions[0]);
    return false;
}

static void
mf_load_document(struct mf_doc_ctx *dc, const struct ynode *root, unsigned doc_index)
{
    struct mf_ctx ctx = {
        .arena = &dc->set->arena, .diags = dc->diags, .file = dc->file,
        .budget = MF_OBJECT_BUDGET,
    };
    struct mf_meta meta;
    const char *api_version, *kind_name, *slash;
    char group[256];
    const struct mf_kind *kind;
    const struct ypair *mp;
    struct mf_object *obj;
    struct mf_pos pos = {dc->file, root->line, root->col};

    (void)doc_index;
    if (root->kind != YNODE_MAPPING) {
        mf_error(&ctx, &pos, "-", "a manifest must be a mapping with apiVersion, kind and metadata");
        return;
    }
    api_version = mf_envelope_string(&ctx, root, "apiVersion");
    kind_name = mf_envelope_string(&ctx, root, "kind");
    if (kind_name != NULL)
        ctx.kind = kind_name;
    memset(&meta, 0, sizeof(meta));
    mp = ynode_get(root, "metadata");
    if (mp != NULL && mp->value->kind == YNODE_MAPPING)
        mf_decode_object(&ctx, mp->value, &mf_meta_schema, &meta, "metadata");
    ctx.name = meta.name.v;
    ctx.ns = meta.namespace.v;
    if (api_version == NULL || kind_name == NULL)
        return;
    slash = strrchr(api_version, '/');
    {
        size_t glen = slash ? (size_t)(slash - api_version) : 0;
        if (glen >= sizeof(group))
            glen = sizeof(group) - 1; /* no kind has so long a group: it stays unknown */
        memcpy(group, api_version, glen);
        group[glen] = '\0';
    }
    kind = mf_kind_lookup(group, kind_name);
    if (kind == NULL) {
        mf_unknown_kind(&ctx, root, group, api_version, kind_name);
        dc->set->ignored++;
        return;
    }
    if (!mf_check_version(&ctx, root, kind, slash ? slash + 1 : api_version))
        return;
    if (kind->namespaced && meta.namespace.v == NULL)
        ctx.ns = "default";
    if (!kind->namespaced && meta.namespace.v != NULL) {
        ctx.ns = NULL;
        mf_warn(&ctx, &meta.namespace.pos, "metadata.namespace",
                "%s is cluster-scoped; the namespace is ignored", kind->name);
    }
    if (mp == NULL || mp->value->kind != YNODE_MAPPING)
        mf_error(&ctx, &pos, "metadata", mp ? "must be a mapping" : "required field is missing");
    else if (meta.name.v == NULL)
        mf_error(&ctx, &meta.pos, "metadata.name",
                 meta.generate_name.v ? "required field is missing (generateName is not supported: "
                                        "metalgate needs a stable name)"
                                      : "required field is missing");
    obj = mf_set_push(dc->set);
    if (obj == NULL) {
        mf_error(&ctx, &pos, "-", "out of memory");
        return;
    }
    obj->kind = kind;
    obj->api_version = arena_strndup(&dc->set->arena, api_version, strlen(api_version));
    obj->meta = meta;
    obj->ns = ctx.ns;
    obj->name = meta.name.v ? meta.name.v : "";
    obj->pos = pos;
    obj->body = arena_alloc(&dc->set->arena, kind->size);
    if (obj->body == NULL) {
        dc->set->n--;
        mf_error(&ctx, &pos, "-", "out of memory");
        return;
    }
    ctx.meta = &obj->meta;
    mf_decode_object(&ctx, root, kind->schema, obj->body, "");
    obj->errors = ctx.errors;
}

static const char *
mf_intern(struct mf_set *set, const char *s)
{
    return arena_strndup(&set->arena, s, strlen(s));
}

/* One document of a stream: report its duplicate keys, then decode it
 * (its YAML tree is dropped when this returns). */
static void
mf_load_stream_doc(void *ctx, const struct ydoc *doc, uint32_t doc_index,
                   const struct yaml_problem *dups, size_t ndups)
{
    struct mf_doc_ctx *dc = ctx;

    for (size_t i = 0; i < ndups; i++)
        mf_diags_add(dc->diags, MF_SEV_ERROR, dc->file, dups[i].line, dups[i].col, NULL, NULL,
                     NULL, NULL,
                     "%s in document %u (YAML keeps only the last one; was a \"---\" separator "
                     "forgotten?)",
                     dups[i].message, doc_index + 1);
    if (doc->root != NULL)
        mf_load_document(dc, doc->root, doc_index);
}

void
mf_load_buffer(struct mf_set *set, const char *name, const unsigned char *buf, size_t len,
               struct mf_diags *diags)
{
    struct mf_doc_ctx dc = {set, diags, mf_intern(set, name)};
    struct yaml_problem failure;
    struct yaml_read_stats stats = {0};
    bool failed = false;
    int rc;

    set->files++;
    rc = yaml_stream_each(buf, len, mf_load_stream_doc, &dc, &failure, &failed, &stats);
    set->yaml_docs_fast += stats.docs_fast;
    set->yaml_docs_libyaml += stats.docs_libyaml;
    if (rc != 0) {
        mf_diags_add(diags, MF_SEV_ERROR, dc.file, 0, 0, NULL, NULL, NULL, NULL,
                     "out of memory while reading YAML");
        return;
    }
    if (failed)
        mf_diags_add(diags, MF_SEV_ERROR, dc.file, failure.line, failure.col, NULL, NULL, NULL,
                     NULL, "%s", failure.message);
    mf_set_index(set);
}

static int
mf_load_file(struct mf_set *set, const char *path, struct mf_diags *diags)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t len = 0, cap = 64 * 1024;

    if (f == NULL) {
        mf_diags_add(diags, MF_SEV_ERROR, path, 0, 0, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(errno));
        return -1;
    }
    buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > MF_MAX_FILE_SIZE)
            break;
        if (got == 0)
            break;
        if (len == cap) {
            unsigned char *n = realloc(buf, cap * 2);
            if (n == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = n;
            cap *= 2;
        }
    }
    if (buf == NULL || ferror(f)) {
        mf_diags_add(diags, MF_SEV_ERROR, path, 0, 0, NULL, NULL, NULL, NULL, "cannot read: %s",
                     buf == NULL ? "out of memory" : strerror(errno));
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    if (len > MF_MAX_FILE_SIZE) {
        mf_diags_add(diags, MF_SEV_ERROR, path, 0, 0, NULL, NULL, NULL, NULL,
                     "file is larger than %u bytes", MF_MAX_FILE_SIZE);
        free(buf);
        return 0;
    }
    mf_load_buffer(set, path, buf, len, diags);
    free(buf);
    return 0;
}

static bool
mf_is_yaml_name(const char *name)
{
    size_t n = strlen(name);

    if (name[0] == '.')
        return false;
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int
mf_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files to read, in the order they were named (a directory's YAML files
 * in name order). */
struct mf_file_job {
    char *path;
    bool from_dir; /* found in a directory: only regular files are read */
    struct mf_set set;
    struct mf_diags diags;
    int rc;
};

struct mf_file_list {
    struct mf_file_job *v;
    size_t n, cap;
    atomic_size_t next; /* the next job a loader thread takes */
};

static int
mf_file_list_add(struct mf_file_list *l, const char *dir, const char *name)
{
    size_t len = strlen(dir) + (name ? strlen(name) + 1 : 0) + 1;
    struct mf_file_job *j;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *v = realloc(l->v, cap * sizeof(*l->v));
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    j = &l->v[l->n];
    memset(j, 0, sizeof(*j));
    j->from_dir = name != NULL;
    j->path = malloc(len);
    if (j->path == NULL)
        return -1;
    if (name == NULL)
        snprintf(j->path, len, "%s", dir);
    else
        snprintf(j->path, len, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
                 name);
    l->n++;
    return 0;
}

/* Adds a directory's regular *.yaml / *.yml files in name order. */
static int
mf_list_dir(struct mf_file_list *l, const char *path, struct mf_diags *diags)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        mf_diags_add(diags, MF_SEV_ERROR, path, 0, 0, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (!mf_is_yaml_name(e->d_name))
            continue;
        if (n == cap) {
            void *p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (p == NULL)
                break;
            names = p;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            break;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), mf_name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && mf_file_list_add(l, path, names[i]) != 0) {
            mf_diags_add(diags, MF_SEV_ERROR, path, 0, 0, NULL, NULL, NULL, NULL,
                         "cannot read: out of memory");
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static void *
mf_loader_thread(void *arg)
{
    struct mf_file_list *l = arg;
    size_t i;

    while ((i = atomic_fetch_add(&l->next, 1)) < l->n) {
        struct mf_file_job *j = &l->v[i];
        struct stat st;

        /* A directory entry that is not a regular file (a FIFO, a dangling
         * link, a file removed since the listing: a ConfigMap volume swaps
         * its links) is skipped, as before the loader had threads. */
        if (j->from_dir && (stat(j->path, &st) != 0 || !S_ISREG(st.st_mode)))
            continue;
        j->rc = mf_load_file(&j->set, j->path, &j->diags);
    }
    return NULL;
}

/* Loader threads: one per CPU, at most MF_LOADERS_MAX, never more than files. */
#define MF_LOADERS_MAX 8

static void
mf_load_jobs(struct mf_file_list *l)
{
    pthread_t tids[MF_LOADERS_MAX];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want = cpus > 1 ? (size_t)cpus : 1, started = 0;

    if (want > MF_LOADERS_MAX)
        want = MF_LOADERS_MAX;
    if (want > l->n)
        want = l->n;
    /* This thread is one of the loaders; thread creation failing only
     * means fewer helpers. */
    for (size_t t = 1; t < want; t++) {
        if (pthread_create(&tids[started], NULL, mf_loader_thread, l) != 0)
            break;
        started++;
    }
    mf_loader_thread(l);
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
}

/* Moves one file's objects and arena into set. */
static int
mf_set_absorb(struct mf_set *set, struct mf_set *part)
{
    if (set->n + part->n > set->cap) {
        size_t cap = set->cap ? set->cap : 64;
        void *v;
        while (cap < set->n + part->n)
            cap *= 2;
        v = realloc(set->objects, cap * sizeof(*set->objects));
        if (v == NULL)
            return -1;
        set->objects = v;
        set->cap = cap;
    }
    if (part->n > 0)
        memcpy(set->objects + set->n, part->objects, part->n * sizeof(*part->objects));
    set->n += part->n;
    set->files += part->files;
    set->ignored += part->ignored;
    set->yaml_docs_fast += part->yaml_docs_fast;
    set->yaml_docs_libyaml += part->yaml_docs_libyaml;
    arena_adopt(&set->arena, &part->arena);
    mf_set_free(part);
    return 0;
}

int
mf_load_paths(struct mf_set *set, const char *const *paths, size_t npaths,
              struct mf_diags *diags)
{
    struct mf_file_list l;
    int rc = 0;

    memset(&l, 0, sizeof(l));
    atomic_init(&l.next, 0);
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;

        if (stat(paths[i], &st) != 0) {
            mf_diags_add(diags, MF_SEV_ERROR, paths[i], 0, 0, NULL, NULL, NULL, NULL,
                         "cannot read: %s", strerror(errno));
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            if (mf_list_dir(&l, paths[i], diags) != 0)
                rc = -1;
        } else if (mf_file_list_add(&l, paths[i], NULL) != 0) {
            mf_diags_add(diags, MF_SEV_ERROR, paths[i], 0, 0, NULL, NULL, NULL, NULL,
                         "cannot read: out of memory");
            rc = -1;
        }
    }
    for (size_t i = 0; i < l.n; i++) {
        mf_set_init(&l.v[i].set);
        mf_diags_init(&l.v[i].diags);
        /* The jobs' diagnostics all wait for the merge: share the cap out
         * (deterministically) so that they stay bounded in total. */
        l.v[i].diags.max = MF_DIAGS_MAX / l.n > 1000 ? MF_DIAGS_MAX / l.n : 1000;
    }
    mf_load_jobs(&l);
    /* Merged in the order the files were named, so that object order (and
     * with it every tie broken by order) does not depend on the threads. */
    for (size_t i = 0; i < l.n; i++) {
        struct mf_file_job *j = &l.v[i];

        if (j->rc != 0)
            rc = -1;
        mf_diags_append(diags, &j->diags);
        if (mf_set_absorb(set, &j->set) != 0) {
            mf_diags_add(diags, MF_SEV_ERROR, j->path, 0, 0, NULL, NULL, NULL, NULL,
                         "cannot read: out of memory");
            mf_set_free(&j->set);
            rc = -1;
        }
        mf_diags_free(&j->diags);
        free(j->path);
    }
    free(l.v);
    mf_set_index(set);
    return rc;
}

int
mf_load_path(struct mf_set *set, const char *path, struct mf_diags *diags)
{
    return mf_load_paths(set, &path, 1, diags);
}

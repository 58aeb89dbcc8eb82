/*
 * The allocation state that makes IPAM sticky across restarts: which
 * addresses each Service or Gateway held, and from which pool. Parsing and
 * rendering are pure (text in, text out); reading and writing the file
 * (atomically) is the caller's job (cli/, runtime/).
 *
 * File format (JSON, version 1), one allocation per line in plan order
 * (namespace, name, kind):
 *   {"version": 1, "allocations": [
 *   {"kind": "Service", "namespace": "ns", "name": "svc", "ips": ["192.0.2.1"], "pool": "pool-a"},
 *   ...
 *   ]}
 * Readers take any JSON of that shape (earlier versions wrote it indented).
 */
#ifndef METALGATE_PLAN_STATE_H
#define METALGATE_PLAN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ipaddr.h"

struct plan_alloc {
    const char *kind; /* "Service" or "Gateway" */
    const char *ns;
    const char *name;
    struct ip_addr ips[2];
    size_t nips; /* 1 or 2 */
    const char *pool;
};

struct plan_state {
    struct plan_alloc *v;
    size_t n, cap;
    struct arena arena; /* strings */
    uint32_t *slots;    /* hash index of v by kind, namespace, name (index + 1) */
    size_t nslots;
    bool quick;         /* the last parse read the writer's own layout, without jansson */
};

void plan_state_init(struct plan_state *st);
void plan_state_free(struct plan_state *st);

/*
 * Parses state text into st (empty, from plan_state_init). Returns 0, or -1 with a reason in err (the state is
 * then empty: a corrupt state file is reported and rebuilt, never fatal).
 * Entries that are individually malformed are skipped and counted in
 * *skipped.
 */
int plan_state_parse(struct plan_state *st, const char *text, size_t len, size_t *skipped,
                     char *err, size_t errlen);

/* Appends one allocation (strings copied). Returns 0 or -1 on OOM. The
 * caller keeps kind/ns/name unique (plan_state_find first). */
int plan_state_add(struct plan_state *st, const char *kind, const char *ns, const char *name,
                   const struct ip_addr *ips, size_t nips, const char *pool);

/* Finds the allocation of kind ns/name, or NULL; O(1) (hashed). */
const struct plan_alloc *plan_state_find(const struct plan_state *st, const char *kind,
                                         const char *ns, const char *name);

/* Renders the state as JSON text (sorted by namespace, name, kind). The
 * caller frees the result with free(). NULL on OOM. */
char *plan_state_render(const struct plan_state *st);

/*
 * Writes state text entry by entry, in the caller's order, without a copy
 * of the state: into a growing buffer, or (sink set) in pieces of about a
 * megabyte handed to sink, which returns 0 or -1. finish() ends the text
 * and returns 0, or -1 when memory or the sink failed; without a sink the
 * text (NUL-terminated, free() it) and its length are returned.
 */
struct plan_state_writer {
    char *buf;
    size_t len, cap;
    size_t n; /* allocations written */
    int (*sink)(void *ctx, const void *data, size_t len);
    void *sink_ctx;
    bool failed;
};
void plan_state_writer_init(struct plan_state_writer *w,
                            int (*sink)(void *ctx, const void *data, size_t len), void *ctx);
void plan_state_writer_add(struct plan_state_writer *w, const char *kind, const char *ns,
                           const char *name, const struct ip_addr *ips, size_t nips,
                           const char *pool);
int plan_state_writer_finish(struct plan_state_writer *w, char **text, size_t *len);

#endif

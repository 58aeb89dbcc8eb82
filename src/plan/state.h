/*
 * The allocation state that makes IPAM sticky across restarts: which
 * addresses each Service or Gateway held, and from which pool. Parsing and
 * rendering are pure (text in, text out); reading and writing the file
 * (atomically) is the caller's job (cli/, runtime/).
 *
 * File format (JSON, version 1):
 *   {"version": 1, "allocations": [
 *      {"kind": "Service", "namespace": "ns", "name": "svc",
 *       "ips": ["192.0.2.1"], "pool": "pool-a"}, ...]}
 */
#ifndef METALGATE_PLAN_STATE_H
#define METALGATE_PLAN_STATE_H

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

/* A slot of the (kind, ns, name) index: 1 + position in v (0 = empty),
 * and 32 bits of the key's hash so that most misses compare no string. */
struct plan_state_slot {
    uint32_t at;
    uint32_t tag;
};

struct plan_state {
    struct plan_alloc *v;
    size_t n, cap;
    struct plan_state_slot *index; /* open addressing, at most half full */
    size_t index_mask;             /* slots - 1 (a power of two), 0 before any entry */
    struct arena arena;            /* strings */
};

void plan_state_init(struct plan_state *st);
void plan_state_free(struct plan_state *st);

/*
 * Parses state text. Returns 0, or -1 with a reason in err (the state is
 * then empty: a corrupt state file is reported and rebuilt, never fatal).
 * Entries that are individually malformed are skipped and counted in
 * *skipped.
 */
int plan_state_parse(struct plan_state *st, const char *text, size_t len, size_t *skipped,
                     char *err, size_t errlen);

/* Appends one allocation (strings copied). Returns 0 or -1 on OOM. */
int plan_state_add(struct plan_state *st, const char *kind, const char *ns, const char *name,
                   const struct ip_addr *ips, size_t nips, const char *pool);

/* Finds the allocation of kind ns/name (the first added when there are
 * several), or NULL. Hashed: constant time, a state of a million entries
 * is read and queried in linear time. */
const struct plan_alloc *plan_state_find(const struct plan_state *st, const char *kind,
                                         const char *ns, const char *name);

/* Renders the state as JSON text (sorted by kind, namespace, name). The
 * caller frees the result with free(). NULL on OOM. */
char *plan_state_render(const struct plan_state *st);

#endif

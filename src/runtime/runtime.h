/*
 * runtime/: `metalgate run`. The control thread owns the configuration
 * generations, the plan, the persisted allocations, the admin endpoint and
 * (next) the BGP speaker; it reconciles the running plan towards each new
 * one. A reload whose manifests are invalid changes nothing: the old plan
 * keeps running and the errors are logged and counted.
 */
#ifndef METALGATE_RUNTIME_H
#define METALGATE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/proxy.h"
#include "plan/plan.h"

struct runtime_opts {
    const char *const *paths; /* manifest files or directories */
    size_t npaths;
    const char *node;              /* --node, required */
    const char *state_dir;         /* NULL = allocations are not persisted */
    const char *admin_addr;        /* default 127.0.0.1:9901 */
    const char *metallb_namespace; /* default metallb-system */
    /* Gateway workers, limits and timeouts: set with gw_proxy_opts_default()
     * first (access_log_fd is the runtime's). */
    struct gw_proxy_opts gateway;
    const char *access_log; /* "-" or NULL: standard output; else a file, reopened on SIGHUP */
};

/*
 * Runs until SIGTERM or SIGINT. Returns the process exit code: 0 after a
 * clean stop, 1 when the manifests are invalid at start, 3 on a runtime
 * failure (admin address in use, ...).
 */
int runtime_run(const struct runtime_opts *o);

/*
 * The state directory (DIR/allocations.json): what keeps addresses sticky
 * across restarts. load fills st (a missing file is an empty state; a
 * corrupt one too, with warn saying why); save writes the plan's
 * allocations atomically and returns 0, or -1 with err set.
 */
bool runtime_state_exists(const char *dir);
void runtime_state_load(const char *dir, struct plan_state *st, char *warn, size_t len);
int runtime_state_save(const char *dir, const struct plan *p, char *err, size_t len);

#endif

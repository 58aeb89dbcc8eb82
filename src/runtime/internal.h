/* The control thread's state, shared by the runtime's files. Internal. */
#ifndef METALGATE_RUNTIME_INTERNAL_H
#define METALGATE_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "core/evloop.h"
#include "gateway/proxy.h"
#include "manifest/manifest.h"
#include "plan/plan.h"
#include "runtime/runtime.h"
#include "runtime/speaker.h"

/* One loaded configuration: the objects and the plan made from them. */
struct rt_generation {
    struct mf_set set;
    struct plan *plan;
    uint64_t number; /* 1 for the first configuration */
    size_t nobjects; /* objects it was made from (freed once planned) */
    struct gw_snapshot *gw; /* the gateway data plane's view (one reference) */
};

struct rt_watch {
    int fd; /* inotify */
    struct ev_io io;
    struct ev_timer settle; /* reload once the files stop changing */
};

struct runtime {
    struct runtime_opts opts;
    struct ev_loop loop;
    struct ev_signal sig_term, sig_int, sig_hup;
    struct admin_server *admin;
    struct rt_watch watch;
    struct rt_generation *gen; /* the running configuration */
    struct rt_speaker speaker;
    struct gw_proxy *proxy; /* the gateway worker threads */
    int access_log_fd;      /* what the workers write their lines to; -1: none */
    uint64_t generations;
    /* Counters for /metrics and /status. */
    uint64_t reloads_ok, reloads_failed;
    uint64_t last_reload_ns; /* CLOCK_REALTIME of the last successful load */
    char last_error[512];    /* first error of the last failed reload */
    bool ready;
};

/* Loads and plans a new generation; NULL (and the reason in rt->last_error,
 * the diagnostics in the log) when the manifests are invalid. */
struct rt_generation *rt_load(struct runtime *rt);
void rt_generation_free(struct rt_generation *g);

/* Reloads: returns 0 when the new configuration runs, -1 when the old one stays. */
int rt_reload(struct runtime *rt, const char *why);

/* File change watching (inotify on the manifest paths). */
int rt_watch_start(struct runtime *rt);
void rt_watch_stop(struct runtime *rt);

/* The gateway data plane (gateway.c): a generation's snapshot, built before
 * its objects are freed (NULL when memory runs out), and the workers. */
struct gw_snapshot *rt_gateway_build(const struct mf_set *set, const struct plan *plan,
                                     uint64_t generation);
int rt_gateway_start(struct runtime *rt);
/* SIGHUP: reopens the access log file (after logrotate moved it). */
void rt_gateway_reopen_log(struct runtime *rt);
void rt_gateway_apply(struct runtime *rt, const struct rt_generation *g);
void rt_gateway_stop(struct runtime *rt);

/* The admin provider. */
void rt_admin_provider(struct runtime *rt, struct admin_provider *p);

#endif

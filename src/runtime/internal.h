/* The control thread's state, shared by the runtime's files. Internal. */
#ifndef METALGATE_RUNTIME_INTERNAL_H
#define METALGATE_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
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

/*
 * One load: what the loader thread reads (inputs, fixed before it starts)
 * and writes (outputs, read by the loop after the join). The loop and the
 * loader share nothing else.
 */
struct rt_load_job {
    struct runtime_opts opts;     /* a copy; the strings it points to never change */
    const struct plan *previous;  /* the running plan (read-only while the job runs);
                                     NULL: the state file's allocations */
    uint64_t number;              /* the generation number on success */
    atomic_bool stop;             /* set by the loop at shutdown: give up between stages */
    struct rt_generation *result; /* NULL when the load failed */
    char error[512];              /* first error of a failed load */
};

/*
 * Reloads run on a loader thread; the loop learns of the end through an
 * eventfd. Tickets number the loads: a request while one runs gets the
 * next ticket and is coalesced with any others into one load after it.
 */
struct rt_reloader {
    struct rt_load_job job;
    pthread_t thread;
    bool running;       /* a load is in progress (its eventfd write not yet handled) */
    bool threaded;      /* ... on thread (else it ran inline: no thread to join) */
    bool again;         /* requests came during the load: load once more after it */
    uint64_t ticket;    /* of the running (or last) load */
    uint64_t coalesced; /* requests folded into a load already pending */
    char why[128];      /* reason of the pending load, for the log */
    int done_fd;        /* eventfd, -1 until started */
    struct ev_io done_io;
};

struct runtime {
    struct runtime_opts opts;
    struct ev_loop loop;
    struct ev_signal sig_term, sig_int, sig_hup;
    struct admin_server *admin;
    struct rt_watch watch;
    struct rt_generation *gen; /* the running configuration */
    struct rt_reloader reloader;
    struct rt_speaker speaker;
    struct gw_proxy *proxy; /* the gateway worker threads */
    int access_log_fd;      /* what the workers write their lines to; -1: none */
    /* Of the running configuration; the loader gets the next number by value. */
    uint64_t generations;
    /* Counters for /metrics and /status. */
    uint64_t reloads_ok, reloads_failed;
    uint64_t last_reload_ns; /* CLOCK_REALTIME of the last successful load */
    char last_error[512];    /* first error of the last failed reload */
    bool ready;
};

/* Loads and plans a new generation from job's inputs; NULL (and the reason
 * in job->error, the diagnostics in the log) when the manifests are invalid.
 * Touches nothing but job: runs on the loader thread. */
struct rt_generation *rt_load(struct rt_load_job *job);
void rt_generation_free(struct rt_generation *g);

/*
 * Asks for a reload (SIGHUP, POST /reload, a file change): starts a load on
 * the loader thread, or, while one runs, one more after it. Returns the
 * ticket of the load that will serve the request; the admin connections
 * waiting for it are answered when it is applied or has failed.
 */
uint64_t rt_reload_request(struct runtime *rt, const char *why);
/* Whether a load is in progress (for /status). */
bool rt_reload_is_loading(const struct runtime *rt);

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

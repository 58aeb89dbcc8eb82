/*
 * DOC: runtime/ runs one control thread (docs/internals/runtime.md).
 *
 * control.c  start-up, generations, reload, signals, the persisted state
 * watch.c    inotify on the manifest paths, settled before a reload
 * status.c   the admin provider: /status JSON and /metrics
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "model/model.h"
#include "runtime/internal.h"


/* ---- the persisted allocations ----------------------------------------- */

static void
rt_read_state(const struct runtime_opts *o, struct plan_state *st)
{
    char warn[512];

    if (o->state_dir == NULL)
        return;
    runtime_state_load(o->state_dir, st, warn, sizeof(warn));
    if (warn[0] != '\0')
        log_warn("runtime", "%s", warn);
}

static void
rt_save_state(const struct runtime *rt, const struct plan *p)
{
    char err[512];

    if (rt->opts.state_dir != NULL && runtime_state_save(rt->opts.state_dir, p, err,
                                                         sizeof(err)) != 0)
        log_error("runtime", "%s", err);
}

/* A state file means this node ran before: we are restarting (RFC 4724). */
static bool
rt_state_exists(const struct runtime *rt)
{
    return rt->opts.state_dir != NULL && runtime_state_exists(rt->opts.state_dir);
}

/* ---- generations -------------------------------------------------------- */

void
rt_generation_free(struct rt_generation *g)
{
    if (g == NULL)
        return;
    gw_snapshot_unref(g->gw);
    plan_free(g->plan);
    mf_set_free(&g->set);
    free(g);
}

static void
rt_log_diags(struct rt_load_job *job, const struct mf_diags *d)
{
    char line[2048];
    bool first = true;

    for (size_t i = 0; i < d->n; i++) {
        mf_diag_format(&d->v[i], line, sizeof(line));
        if (d->v[i].sev == MF_SEV_ERROR) {
            log_error("config", "%s", line);
            if (first)
                snprintf(job->error, sizeof(job->error), "%.500s", line);
            first = false;
        } else {
            log_warn("config", "%s", line);
        }
    }
}

/* The allocations the next plan starts from: the running plan's, else the
 * file's. The running plan is only read: the loop replaces it after the join. */
static void
rt_previous_state(const struct rt_load_job *job, struct plan_state *st)
{
    if (job->previous != NULL)
        plan_to_state(job->previous, st);
    else
        rt_read_state(&job->opts, st);
}

/* At shutdown the loader gives up between stages (a stage itself runs to
 * its end: manifest/ and plan/ know nothing of threads). */
static bool
rt_load_stopped(struct rt_load_job *job, struct rt_generation *g)
{
    if (!atomic_load(&job->stop))
        return false;
    snprintf(job->error, sizeof(job->error), "stopping");
    rt_generation_free(g);
    return true;
}

struct rt_generation *
rt_load(struct rt_load_job *job)
{
    struct rt_generation *g = calloc(1, sizeof(*g));
    struct model_options mo = {job->opts.metallb_namespace};
    struct mf_diags diags;
    struct plan_state st;
    const char *why;

    job->error[0] = '\0';
    if (g == NULL) {
        snprintf(job->error, sizeof(job->error), "out of memory");
        return NULL;
    }
    mf_set_init(&g->set);
    mf_diags_init(&diags);
    log_debug("runtime", "loading the manifests");
    mf_load_paths(&g->set, job->opts.paths, job->opts.npaths, &diags);
    log_debug("runtime", "loaded %zu objects from %zu files (YAML documents: %zu read fast, %zu by "
              "libyaml)", g->set.n, g->set.files, g->set.yaml_docs_fast, g->set.yaml_docs_libyaml);
    if (rt_load_stopped(job, g)) {
        mf_diags_free(&diags);
        return NULL;
    }
    model_check(&g->set, &mo, &diags);
    log_debug("runtime", "checked");
    mf_diags_sort(&diags);
    rt_log_diags(job, &diags);
    if (diags.errors > 0) {
        if (diags.errors > diags.n)
            log_error("config", "... and %zu more errors", diags.errors - diags.n);
        mf_diags_free(&diags);
        rt_generation_free(g);
        return NULL;
    }
    mf_diags_free(&diags);
    if (rt_load_stopped(job, g))
        return NULL;
    plan_state_init(&st);
    rt_previous_state(job, &st);
    {
        struct plan_input in = {&g->set, job->opts.node, job->opts.metallb_namespace, &st};
        g->plan = plan_build(&in, &why);
    }
    plan_state_free(&st);
    if (g->plan == NULL) {
        snprintf(job->error, sizeof(job->error), "cannot plan: %s", why);
        log_error("runtime", "%s", job->error);
        rt_generation_free(g);
        return NULL;
    }
    log_debug("runtime", "planned");
    if (rt_load_stopped(job, g))
        return NULL;
    g->gw = rt_gateway_build(&g->set, g->plan, job->number);
    if (g->gw == NULL) {
        snprintf(job->error, sizeof(job->error), "cannot build the gateway: out of memory");
        log_error("runtime", "%s", job->error);
        rt_generation_free(g);
        return NULL;
    }
    g->number = job->number;
    g->nobjects = g->set.n;
    /* The plan owns its strings: the objects are not needed any more, and at
     * 100,000 Services they are most of the memory. */
    mf_set_free(&g->set);
    mf_set_init(&g->set);
    return g;
}

/* Makes g the running generation. The speaker and the gateway reconcile here. */
static void
rt_apply(struct runtime *rt, struct rt_generation *g)
{
    struct rt_generation *old = rt->gen;
    struct timespec now;

    rt_save_state(rt, g->plan);
    rt->gen = g;
    rt_speaker_apply(&rt->speaker, g->plan);
    rt_gateway_apply(rt, g);
    /* From here the plan is only shown (/status, /metrics) and read back as
     * the previous allocations: packed, it costs a tenth. */
    if (plan_pack(g->plan) != 0)
        log_warn("runtime", "cannot pack the plan (out of memory); keeping it unpacked");
    else
        log_debug("runtime", "plan packed: %zu services and %zu advertisements in %zu bytes",
                  g->plan->nservices, g->plan->nadvertisements, plan_packed_bytes(g->plan));
    rt->speaker.restarted = false; /* the Restart State bit is for the first sessions only */
    clock_gettime(CLOCK_REALTIME, &now);
    rt->last_reload_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    log_info("runtime", "configuration %llu running: %zu objects, %zu services, %zu "
             "advertisements, %zu peers",
             (unsigned long long)g->number, g->nobjects, g->plan->nservices,
             g->plan->nadvertisements, g->plan->npeers);
    rt_generation_free(old);
    /* glibc keeps freed heap for reuse; a reload's temporaries (a whole
     * object set, the Adj-RIB-Out rebuild) would stay resident otherwise. */
    malloc_trim(0);
}

/* ---- reloads on the loader thread ----------------------------------------- */

static void
rt_load_job_init(const struct runtime *rt, struct rt_load_job *job)
{
    memset(job, 0, sizeof(*job));
    job->opts = rt->opts;
    job->previous = rt->gen != NULL ? rt->gen->plan : NULL;
    job->number = rt->generations + 1;
    atomic_init(&job->stop, false);
}

/* The loader thread: reads, checks and plans, then wakes the loop. */
static void *
rt_loader_main(void *arg)
{
    struct runtime *rt = arg;
    struct rt_reloader *r = &rt->reloader;
    uint64_t one = 1;

    /* Only the job and the eventfd: both fixed until the loop joins us. */
    r->job.result = rt_load(&r->job);
    while (write(r->done_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void
rt_reload_start(struct runtime *rt, const char *why)
{
    struct rt_reloader *r = &rt->reloader;
    uint64_t one = 1;
    int err;

    r->ticket++;
    r->running = true;
    log_info("runtime", "reloading (%s)", why);
    rt_load_job_init(rt, &r->job);
    err = pthread_create(&r->thread, NULL, rt_loader_main, rt);
    r->threaded = err == 0;
    if (r->threaded)
        return;
    /* No thread: load here, and finish through the eventfd all the same, so
     * that a waiting POST /reload is registered before it is answered. */
    log_warn("runtime", "cannot start the loader thread (%s): loading on the control thread",
             strerror(err));
    r->job.result = rt_load(&r->job);
    if (write(r->done_fd, &one, sizeof(one)) < 0)
        log_error("runtime", "cannot signal the end of the load: %s", strerror(errno));
}

uint64_t
rt_reload_request(struct runtime *rt, const char *why)
{
    struct rt_reloader *r = &rt->reloader;

    if (!r->running) {
        rt_reload_start(rt, why);
        return r->ticket;
    }
    /* The load running may have read the files before this change: one
     * more load after it, however many requests come meanwhile. */
    if (r->again) {
        r->coalesced++;
        log_info("runtime", "reload requested (%s) during a load: already pending", why);
    } else {
        log_info("runtime", "reload requested (%s) during a load: pending", why);
    }
    r->again = true;
    snprintf(r->why, sizeof(r->why), "%s", why);
    return r->ticket + 1;
}

bool
rt_reload_is_loading(const struct runtime *rt)
{
    return rt->reloader.running;
}

/* Applies the finished load (or keeps the old configuration) and answers
 * the admin connections waiting for it. */
static void
rt_reload_finish(struct runtime *rt, struct rt_generation *g, const char *error)
{
    char msg[600];
    int rc = 0;

    if (g == NULL) {
        rt->reloads_failed++;
        snprintf(rt->last_error, sizeof(rt->last_error), "%s", error);
        log_error("runtime", "reload failed; configuration %" PRIu64 " keeps running",
                  rt->gen->number);
        snprintf(msg, sizeof(msg), "reload failed, configuration %" PRIu64 " keeps running: %s",
                 rt->gen->number, rt->last_error);
        rc = -1;
    } else {
        rt->reloads_ok++;
        rt->last_error[0] = '\0';
        rt->generations = g->number;
        rt_apply(rt, g);
        snprintf(msg, sizeof(msg), "configuration %" PRIu64 " running", g->number);
    }
    admin_reload_done(rt->admin, rt->reloader.ticket, rc, msg);
}

static void
rt_reload_done(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct runtime *rt = io->data;
    struct rt_reloader *r = &rt->reloader;
    uint64_t count;
    char why[sizeof(r->why)];

    (void)loop;
    (void)revents;
    if (read(io->fd, &count, sizeof(count)) != (ssize_t)sizeof(count) || !r->running)
        return;
    if (r->threaded)
        pthread_join(r->thread, NULL);
    r->running = false;
    r->threaded = false;
    rt_reload_finish(rt, r->job.result, r->job.error);
    r->job.result = NULL;
    if (r->again) {
        r->again = false;
        snprintf(why, sizeof(why), "%s", r->why);
        rt_reload_start(rt, why);
    }
}

static int
rt_reloader_init(struct runtime *rt)
{
    struct rt_reloader *r = &rt->reloader;

    r->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->done_fd < 0)
        return -1;
    ev_io_init(&r->done_io, r->done_fd, rt_reload_done, rt);
    return ev_io_start(&rt->loop, &r->done_io, EV_READ);
}

/* At shutdown: the loader is told to give up and joined (it reads the
 * running plan, freed right after), its result dropped. */
static void
rt_reloader_stop(struct runtime *rt)
{
    struct rt_reloader *r = &rt->reloader;

    if (r->running && r->threaded) {
        log_info("runtime", "waiting for the configuration load to stop");
        atomic_store(&r->job.stop, true);
        pthread_join(r->thread, NULL);
    }
    r->running = r->threaded = false;
    rt_generation_free(r->job.result);
    r->job.result = NULL;
    if (r->done_fd >= 0) {
        ev_io_stop(&rt->loop, &r->done_io);
        close(r->done_fd);
        r->done_fd = -1;
    }
}

/* ---- signals and the loop ------------------------------------------------ */

static void
rt_on_stop(struct ev_loop *loop, struct ev_signal *s, int signo)
{
    (void)s;
    log_info("runtime", "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    ev_loop_break(loop);
}

static void
rt_on_hup(struct ev_loop *loop, struct ev_signal *s, int signo)
{
    (void)loop;
    (void)signo;
    rt_gateway_reopen_log(s->data); /* logrotate sends SIGHUP after moving the file */
    rt_reload_request(s->data, "SIGHUP");
}

static int
rt_start(struct runtime *rt)
{
    struct admin_provider provider;
    char err[256];

    if (ev_loop_init(&rt->loop) != 0 ||
        ev_signal_start(&rt->loop, &rt->sig_term, SIGTERM, rt_on_stop, rt) != 0 ||
        ev_signal_start(&rt->loop, &rt->sig_int, SIGINT, rt_on_stop, rt) != 0 ||
        ev_signal_start(&rt->loop, &rt->sig_hup, SIGHUP, rt_on_hup, rt) != 0) {
        log_error("runtime", "cannot set up the event loop: %s", strerror(errno));
        return 3;
    }
    signal(SIGPIPE, SIG_IGN);
    if (rt_reloader_init(rt) != 0) {
        log_error("runtime", "cannot set up the reload notification: %s", strerror(errno));
        return 3;
    }
    if (rt_speaker_init(&rt->speaker, &rt->loop, rt->opts.node) != 0) {
        log_error("runtime", "out of memory");
        return 3;
    }
    rt->speaker.restarted = rt_state_exists(rt);
    /* After the signal watchers: the workers inherit the blocked mask. */
    if (rt_gateway_start(rt) != 0)
        return 3;
    {
        /* The first load runs here: there is nothing to keep alive yet, and
         * invalid manifests must stop the start. */
        struct rt_load_job *job = &rt->reloader.job;
        struct rt_generation *first;

        rt_load_job_init(rt, job);
        first = rt_load(job);
        if (first == NULL) {
            log_error("runtime", "the manifests are invalid; not starting");
            return 1;
        }
        rt->reloads_ok = 1;
        rt->generations = first->number;
        rt_apply(rt, first);
    }
    rt_admin_provider(rt, &provider);
    rt->admin = admin_start(&rt->loop, rt->opts.admin_addr, &provider, err, sizeof(err));
    if (rt->admin == NULL) {
        log_error("admin", "%s", err);
        return 3;
    }
    log_info("admin", "listening on %s", rt->opts.admin_addr);
    if (rt_watch_start(rt) != 0)
        log_warn("runtime", "cannot watch the manifest files (%s): reload with SIGHUP or "
                 "POST /reload", strerror(errno));
    rt->ready = true;
    return 0;
}

int
runtime_run(const struct runtime_opts *o)
{
    struct runtime *rt = calloc(1, sizeof(*rt));
    int rc;

    if (rt == NULL)
        return 3;
    /* A fixed mmap threshold (glibc raises it as big blocks are freed):
     * loading a configuration allocates hundreds of MB in 256 KB arena
     * chunks, partly on the loader threads, whose malloc arenas
     * malloc_trim() cannot shrink. Chunks from mmap go back to the system
     * when the objects are freed after planning. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    rt->opts = *o;
    rt->access_log_fd = -1;
    rt->reloader.done_fd = -1;
    if (rt->opts.admin_addr == NULL)
        rt->opts.admin_addr = ADMIN_DEFAULT_ADDR;
    if (rt->opts.metallb_namespace == NULL)
        rt->opts.metallb_namespace = "metallb-system";
    rc = rt_start(rt);
    if (rc == 0) {
        log_info("runtime", "node %s running (pid %ld)", rt->opts.node, (long)getpid());
        if (ev_loop_run(&rt->loop) != 0) {
            log_error("runtime", "event loop failed: %s", strerror(errno));
            rc = 3;
        }
    }
    rt_watch_stop(rt);
    /* Peers hear Cease first; a load in progress may take a while to stop. */
    rt_speaker_shutdown(&rt->speaker);
    rt_reloader_stop(rt);
    rt_speaker_free(&rt->speaker);
    rt_gateway_stop(rt);
    admin_stop(rt->admin);
    rt_generation_free(rt->gen);
    ev_loop_close(&rt->loop);
    free(rt);
    if (rc == 0)
        log_info("runtime", "stopped");
    return rc;
}

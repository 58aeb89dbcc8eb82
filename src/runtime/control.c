/*
 * DOC: runtime/ runs one control thread (docs/internals/runtime.md).
 *
 * control.c  start-up, generations, reload, signals, the persisted state
 * watch.c    inotify on the manifest paths, settled before a reload
 * status.c   the admin provider: /status JSON and /metrics
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "model/model.h"
#include "runtime/internal.h"


/* ---- the persisted allocations ----------------------------------------- */

static void
rt_read_state(const struct runtime *rt, struct plan_state *st)
{
    char warn[512];

    if (rt->opts.state_dir == NULL)
        return;
    runtime_state_load(rt->opts.state_dir, st, warn, sizeof(warn));
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
rt_log_diags(struct runtime *rt, const struct mf_diags *d)
{
    char line[2048];
    bool first = true;

    for (size_t i = 0; i < d->n; i++) {
        mf_diag_format(&d->v[i], line, sizeof(line));
        if (d->v[i].sev == MF_SEV_ERROR) {
            log_error("config", "%s", line);
            if (first)
                snprintf(rt->last_error, sizeof(rt->last_error), "%.500s", line);
            first = false;
        } else {
            log_warn("config", "%s", line);
        }
    }
}

/* The allocations the next plan starts from: the running plan's, else the file's. */
static void
rt_previous_state(const struct runtime *rt, struct plan_state *st)
{
    if (rt->gen != NULL)
        plan_to_state(rt->gen->plan, st);
    else
        rt_read_state(rt, st);
}

struct rt_generation *
rt_load(struct runtime *rt)
{
    struct rt_generation *g = calloc(1, sizeof(*g));
    struct model_options mo = {rt->opts.metallb_namespace};
    struct mf_diags diags;
    struct plan_state st;
    const char *why;

    if (g == NULL)
        return NULL;
    mf_set_init(&g->set);
    mf_diags_init(&diags);
    log_debug("runtime", "loading the manifests");
    mf_load_paths(&g->set, rt->opts.paths, rt->opts.npaths, &diags);
    log_debug("runtime", "loaded %zu objects from %zu files (YAML documents: %zu read fast, %zu by "
              "libyaml)", g->set.n, g->set.files, g->set.yaml_docs_fast, g->set.yaml_docs_libyaml);
    model_check(&g->set, &mo, &diags);
    log_debug("runtime", "checked");
    mf_diags_sort(&diags);
    rt_log_diags(rt, &diags);
    if (diags.errors > 0) {
        if (diags.errors > diags.n)
            log_error("config", "... and %zu more errors", diags.errors - diags.n);
        mf_diags_free(&diags);
        rt_generation_free(g);
        return NULL;
    }
    mf_diags_free(&diags);
    plan_state_init(&st);
    rt_previous_state(rt, &st);
    {
        struct plan_input in = {&g->set, rt->opts.node, rt->opts.metallb_namespace, &st};
        g->plan = plan_build(&in, &why);
    }
    plan_state_free(&st);
    if (g->plan == NULL) {
        snprintf(rt->last_error, sizeof(rt->last_error), "cannot plan: %s", why);
        log_error("runtime", "%s", rt->last_error);
        rt_generation_free(g);
        return NULL;
    }
    log_debug("runtime", "planned");
    g->gw = rt_gateway_build(&g->set, g->plan, rt->generations + 1);
    if (g->gw == NULL) {
        snprintf(rt->last_error, sizeof(rt->last_error), "cannot build the gateway: out of memory");
        log_error("runtime", "%s", rt->last_error);
        rt_generation_free(g);
        return NULL;
    }
    g->number = ++rt->generations;
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

int
rt_reload(struct runtime *rt, const char *why)
{
    struct rt_generation *g;

    log_info("runtime", "reloading (%s)", why);
    rt->last_error[0] = '\0';
    g = rt_load(rt);
    if (g == NULL) {
        rt->reloads_failed++;
        log_error("runtime", "reload failed; configuration %llu keeps running",
                  (unsigned long long)(rt->gen ? rt->gen->number : 0));
        return -1;
    }
    rt->reloads_ok++;
    rt_apply(rt, g);
    return 0;
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
    rt_reload(s->data, "SIGHUP");
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
    if (rt_speaker_init(&rt->speaker, &rt->loop, rt->opts.node) != 0) {
        log_error("runtime", "out of memory");
        return 3;
    }
    rt->speaker.restarted = rt_state_exists(rt);
    /* After the signal watchers: the workers inherit the blocked mask. */
    if (rt_gateway_start(rt) != 0)
        return 3;
    {
        struct rt_generation *first = rt_load(rt);
        if (first == NULL) {
            log_error("runtime", "the manifests are invalid; not starting");
            return 1;
        }
        rt->reloads_ok = 1;
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
    rt_speaker_shutdown(&rt->speaker);
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

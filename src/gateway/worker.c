/*
 * Worker threads: each runs its own event loop with its own SO_REUSEPORT
 * listening socket per (address, port) of the current snapshot, so the
 * kernel spreads connections over the workers and no lock is taken on the
 * request path. The control thread hands a snapshot over through an atomic
 * pointer per worker and wakes it with an eventfd.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "gateway/proxy_int.h"

void
gw_proxy_opts_default(struct gw_proxy_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->header_timeout_ms = 10000;
    o->idle_timeout_ms = 60000;
    o->connect_timeout_ms = 5000;
    o->upstream_timeout_ms = 30000;
    o->max_header_bytes = 32768;
    o->max_headers = GW_HEADERS_MAX;
    o->max_body_bytes = 0;
    o->access_log_fd = -1;
}

/* ---- listening sockets ---------------------------------------------------- */

/* IP_FREEBIND: a Gateway address need not be configured on an interface yet
 * (the address is announced by BGP; a dummy interface is later work). */
static int
gw_listen_fd(const struct ip_addr *a, uint16_t port)
{
    struct gw_endpoint ep;
    int one = 1, fd;

    gw_endpoint_set(&ep, a, port);
    fd = socket(ep.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        setsockopt(fd, a->family == IP_FAMILY_V4 ? SOL_IP : SOL_IPV6,
                   a->family == IP_FAMILY_V4 ? IP_FREEBIND : IPV6_FREEBIND, &one,
                   sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ep.sa, ep.len) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void
gw_on_accept(struct ev_loop *loop, struct ev_io *io, unsigned ev)
{
    struct gw_lsock *ls = io->data;

    (void)loop;
    (void)ev;
    /* Bounded: other connections of this worker must not starve. */
    for (int i = 0; i < 64; i++) {
        int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Level-triggered: retrying now would spin. Pause this socket. */
                log_warn("gateway", "accept: %s; pausing for 100 ms", strerror(errno));
                ev_io_stop(&ls->w->loop, &ls->io);
                ev_timer_start(&ls->w->loop, &ls->pause, 100);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                       errno != ECONNABORTED) {
                log_warn("gateway", "accept: %s", strerror(errno));
            }
            return;
        }
        gw_conn_accept(ls->w, fd, ls);
    }
}

static void
gw_on_accept_resume(struct ev_loop *loop, struct ev_timer *t)
{
    struct gw_lsock *ls = t->data;

    ev_io_start(loop, &ls->io, EV_READ);
}

static void
gw_lsock_open(struct gw_worker *w, const struct gw_port *p)
{
    struct gw_lsock *ls = calloc(1, sizeof(*ls));
    char a[IP_STRLEN];

    if (ls == NULL)
        return;
    ls->fd = gw_listen_fd(&p->addr, p->port);
    if (ls->fd < 0) {
        if (w->index == 0)
            log_error("gateway", "cannot listen on %s port %u: %s", ip_format(&p->addr, a), p->port,
                      strerror(errno));
        free(ls);
        return;
    }
    ls->addr = p->addr;
    ls->port = p->port;
    ls->w = w;
    ev_io_init(&ls->io, ls->fd, gw_on_accept, ls);
    ev_timer_init(&ls->pause, gw_on_accept_resume, ls);
    ev_io_start(&w->loop, &ls->io, EV_READ);
    ls->next = w->lsocks;
    w->lsocks = ls;
    if (w->index == 0)
        log_info("gateway", "listening on %s port %u", ip_format(&p->addr, a), p->port);
}

static void
gw_lsock_close(struct gw_worker *w, struct gw_lsock *ls)
{
    ev_io_stop(&w->loop, &ls->io);
    ev_timer_stop(&w->loop, &ls->pause);
    close(ls->fd);
    free(ls);
}

/* Opens the ports of s this worker does not listen on; closes the others. */
static void
gw_worker_reconcile(struct gw_worker *w, const struct gw_snapshot *s)
{
    struct gw_lsock **pp = &w->lsocks;

    while (*pp != NULL) {
        struct gw_lsock *ls = *pp;

        if (gw_snapshot_port(s, &ls->addr, ls->port) == NULL) {
            *pp = ls->next;
            gw_lsock_close(w, ls);
        } else {
            pp = &ls->next;
        }
    }
    for (size_t i = 0; i < s->n_ports; i++) {
        struct gw_lsock *ls = w->lsocks;

        while (ls != NULL &&
               !(ls->port == s->ports[i].port && ip_addr_equal(&ls->addr, &s->ports[i].addr)))
            ls = ls->next;
        if (ls == NULL)
            gw_lsock_open(w, &s->ports[i]);
    }
}

/* ---- the worker thread ------------------------------------------------------ */

static void
gw_worker_on_wake(struct ev_loop *loop, struct ev_io *io, unsigned ev)
{
    struct gw_worker *w = io->data;
    struct gw_snapshot *s;
    uint64_t v;

    (void)ev;
    if (read(w->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_warn("gateway", "eventfd: %s", strerror(errno));
    if (atomic_load(&w->stop))
        return ev_loop_break(loop);
    s = atomic_exchange(&w->pending, NULL);
    if (s == NULL)
        return;
    gw_worker_reconcile(w, s);
    gw_snapshot_unref(w->snap);
    w->snap = s;
}

static void
gw_worker_cleanup(struct gw_worker *w)
{
    while (w->conns != NULL)
        gw_conn_close(w->conns);
    while (w->lsocks != NULL) {
        struct gw_lsock *ls = w->lsocks;
        w->lsocks = ls->next;
        gw_lsock_close(w, ls);
    }
    gw_pool_close_all(w);
    gw_buf_free_all(w);
    gw_snapshot_unref(w->snap);
    w->snap = NULL;
    gw_snapshot_unref(atomic_exchange(&w->pending, NULL));
}

static void *
gw_worker_main(void *arg)
{
    struct gw_worker *w = arg;

    if (ev_loop_run(&w->loop) != 0)
        log_error("gateway", "worker %u: event loop failed: %s", w->index, strerror(errno));
    gw_worker_cleanup(w);
    return NULL;
}

static int
gw_worker_init(struct gw_proxy *p, struct gw_worker *w, unsigned index)
{
    w->proxy = p;
    w->index = index;
    w->evfd = -1;
    atomic_init(&w->pending, NULL);
    atomic_init(&w->stop, false);
    http_limits_default(&w->ulim);
    http_limits_default(&w->lim);
    w->lim.head_max = p->o.max_header_bytes;
    if (w->lim.line_max > w->lim.head_max)
        w->lim.line_max = w->lim.head_max;
    w->lim.fields_max = (uint16_t)p->o.max_headers;
    w->lim.body_max = p->o.max_body_bytes;
    w->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)index + 1) * 0xBF58476D1CE4E5B9ull ^
             (uint64_t)time(NULL);
    w->scratch = gw_scratch_new();
    if (w->scratch == NULL || ev_loop_init(&w->loop) != 0)
        return -1;
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->evfd < 0)
        return -1;
    ev_io_init(&w->evio, w->evfd, gw_worker_on_wake, w);
    if (ev_io_start(&w->loop, &w->evio, EV_READ) != 0)
        return -1;
    return pthread_create(&w->thread, NULL, gw_worker_main, w) == 0 ? 0 : -1;
}

static void
gw_worker_wake(struct gw_worker *w)
{
    uint64_t one = 1;

    if (write(w->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_warn("gateway", "eventfd: %s", strerror(errno));
}

static unsigned
gw_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 && n <= GW_WORKERS_MAX ? (unsigned)n : 1;
}

struct gw_proxy *
gw_proxy_start(const struct gw_proxy_opts *o)
{
    struct gw_proxy *p = calloc(1, sizeof(*p));
    unsigned n;

    if (p == NULL)
        return NULL;
    p->o = *o;
    n = o->workers ? o->workers : gw_default_workers();
    p->w = calloc(n, sizeof(*p->w));
    p->stats = gw_stats_new(n);
    if (p->w == NULL || p->stats == NULL) {
        gw_stats_free(p->stats);
        free(p->w);
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (gw_worker_init(p, &p->w[i], i) != 0) {
            int e = errno;
            gw_scratch_free(p->w[i].scratch);
            if (p->w[i].evfd >= 0) {
                close(p->w[i].evfd);
                ev_loop_close(&p->w[i].loop);
            }
            gw_proxy_stop(p);
            errno = e;
            return NULL;
        }
        p->n = i + 1;
    }
    return p;
}

/* The slot of (the Gateway of listener name "ns/gateway/listener", that
 * listener's name or "" when !own, route). */
static uint32_t
gw_listener_slot(struct gw_stats *st, const char *name, bool own, const char *route)
{
    const char *slash = strrchr(name, '/');
    char gateway[640];

    snprintf(gateway, sizeof(gateway), "%.*s", slash ? (int)(slash - name) : 0, name);
    return gw_stats_slot(st, gateway, own ? (slash ? slash + 1 : name) : "", route);
}

/* Binds s's routes, listeners and ports to their statistics slots and sets
 * the access log flags of the ports and the snapshot. A port's own slot
 * (requests no listener takes) is its first listener's Gateway's. */
static void
gw_proxy_bind(struct gw_proxy *p, struct gw_snapshot *s)
{
    s->access_log = false;
    for (size_t i = 0; i < s->n_ports; i++) {
        struct gw_port *port = &s->ports[i];

        port->access_log = false;
        port->stats_slot = port->n_listeners > 0
                               ? gw_listener_slot(p->stats, port->listeners[0].name, false, "")
                               : GW_STATS_NONE;
        for (uint32_t j = 0; j < port->n_listeners; j++) {
            struct gw_listener *l = &port->listeners[j];

            port->access_log |= l->access_log;
            l->stats_slot = gw_listener_slot(p->stats, l->name, true, "");
            for (uint32_t k = 0; k < l->n_routes; k++)
                l->routes[k].stats_slot = gw_listener_slot(
                    p->stats, l->name, true, l->routes[k].name ? l->routes[k].name : "");
        }
        s->access_log |= port->access_log;
    }
}

void
gw_proxy_publish(struct gw_proxy *p, struct gw_snapshot *s)
{
    gw_proxy_bind(p, s);
    for (unsigned i = 0; i < p->n; i++) {
        struct gw_worker *w = &p->w[i];

        gw_snapshot_unref(atomic_exchange(&w->pending, gw_snapshot_ref(s)));
        gw_worker_wake(w);
    }
}

void
gw_proxy_stop(struct gw_proxy *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        atomic_store(&p->w[i].stop, true);
        gw_worker_wake(&p->w[i]);
    }
    for (unsigned i = 0; i < p->n; i++) {
        struct gw_worker *w = &p->w[i];

        pthread_join(w->thread, NULL);
        ev_io_stop(&w->loop, &w->evio);
        close(w->evfd);
        gw_scratch_free(w->scratch);
        ev_loop_close(&w->loop);
    }
    free(p->w);
    gw_stats_free(p->stats);
    free(p);
}

unsigned
gw_proxy_workers(const struct gw_proxy *p)
{
    return p ? p->n : 0;
}

void
gw_proxy_metrics(const struct gw_proxy *p, FILE *out)
{
    if (p != NULL)
        gw_stats_render(p->stats, out);
}

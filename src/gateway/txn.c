/*
 * What a transaction leaves behind: one count in its worker's statistics
 * and, when its listener logs, one access log line written with a single
 * write() from the worker's own buffer (docs/internals/gateway.md,
 * "Statistics and the access log"). Nothing here allocates.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/proxy_int.h"

static uint64_t
gw_txn_queued(const struct gw_obuf *b)
{
    return b->sent + gw_obuf_pending(b);
}

void
gw_txn_begin(struct gw_conn *c)
{
    struct gw_txn *t = &c->txn;

    if (t->start_ns != 0)
        return;
    t->start_ns = ev_clock_ns();
    t->head_ns = 0;
    t->out_mark = gw_txn_queued(&c->cout);
    t->listener = NULL;
    t->route = NULL;
    t->rule = -1;
    t->status = 0;
    t->minor = -1;
    t->method_len = t->target_len = t->host_len = 0;
    c->b.total = 0; /* the body decoder is set up only for forwarded requests */
    c->ep.len = 0;  /* no upstream yet */
}

static uint16_t
gw_txn_copy(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap ? len : cap;

    memcpy(dst, src, n);
    return (uint16_t)n;
}

void
gw_txn_head(struct gw_conn *c)
{
    const struct http_msg *m = &c->p.msg;
    struct gw_txn *t = &c->txn;
    struct gw_inbuf_tail *tail;

    t->minor = (int8_t)m->minor;
    if (c->snap == NULL || !c->snap->access_log)
        return;
    tail = GW_INBUF_TAIL(c->cin);
    t->method_len = gw_txn_copy(tail->method, sizeof(tail->method), c->cin + m->method_text.off,
                                m->method_text.len);
    t->target_len =
        gw_txn_copy(tail->target, sizeof(tail->target), c->cin + m->target.off, m->target.len);
    t->host_len = gw_txn_copy(tail->host, sizeof(tail->host), c->cin + m->host.off, m->host.len);
}

/* "addr:port" or "[addr]:port" of an upstream endpoint. */
static const char *
gw_txn_endpoint(const struct gw_endpoint *ep, char *out, size_t cap)
{
    char a[INET6_ADDRSTRLEN];

    if (ep->sa.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ep->sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
        snprintf(out, cap, "%s:%u", a, ntohs(s4->sin_port));
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ep->sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
        snprintf(out, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
    }
    return out;
}

static void
gw_txn_log(struct gw_conn *c, uint64_t now, bool aborted)
{
    const struct gw_txn *t = &c->txn;
    struct gw_worker *w = c->w;
    struct gw_log_rec r = {0};
    struct timespec rt;
    char up[INET6_ADDRSTRLEN + 16];
    ssize_t wr;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &rt);
    r.time_ms =
        ((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - (int64_t)(now - t->start_ns)) / 1000000;
    r.listener = t->listener ? t->listener->name : NULL;
    r.route = t->route ? t->route->name : NULL;
    r.rule = t->route ? t->rule : -1;
    r.client = c->peer;
    r.client_port = c->peer_port;
    if (t->minor >= 0 && c->cin != NULL) { /* the copies live in cin's tail */
        const struct gw_inbuf_tail *tail = GW_INBUF_TAIL(c->cin);
        r.method = tail->method;
        r.target = tail->target;
        r.host = tail->host;
        r.method_len = t->method_len;
        r.target_len = t->target_len;
        r.host_len = t->host_len;
    }
    r.minor = t->minor;
    r.status = t->status;
    r.request_bytes = c->b.total;
    r.response_bytes = gw_txn_queued(&c->cout) - t->out_mark;
    r.duration_us = (now - t->start_ns) / 1000;
    r.upstream = c->ep.len ? gw_txn_endpoint(&c->ep, up, sizeof(up)) : NULL;
    r.upstream_latency_us = t->head_ns ? (int64_t)(t->head_ns - t->start_ns) / 1000 : -1;
    r.aborted = aborted;
    n = gw_log_format(&r, w->logline, sizeof(w->logline));
    /* One write of a whole line: lines of workers never mix. A failed
     * write loses the line; there is nobody to tell on the data path. */
    wr = write(w->proxy->o.access_log_fd, w->logline, n);
    (void)wr;
}

void
gw_txn_end(struct gw_conn *c, bool aborted)
{
    struct gw_txn *t = &c->txn;
    const struct gw_snapshot *snap = c->snap ? c->snap : c->w->snap;
    const struct gw_port *port = NULL;
    uint64_t now;
    uint32_t slot = GW_STATS_NONE;
    bool log;

    if (t->start_ns == 0)
        return;
    now = ev_clock_ns();
    if (t->route != NULL) {
        slot = t->route->stats_slot;
        log = t->listener->access_log;
    } else if (t->listener != NULL) {
        slot = t->listener->stats_slot;
        log = t->listener->access_log;
    } else {
        port = snap ? gw_snapshot_port(snap, &c->laddr, c->lport) : NULL;
        slot = port ? port->stats_slot : GW_STATS_NONE;
        log = port && port->access_log;
    }
    gw_stats_record(c->w->proxy->stats, c->w->index, slot, t->status, (now - t->start_ns) / 1000);
    if (log && c->w->proxy->o.access_log_fd >= 0)
        gw_txn_log(c, now, aborted);
    t->start_ns = 0;
}

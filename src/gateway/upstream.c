/*
 * Upstream side helpers: the per-worker keep-alive pool (no locks: one pool
 * per worker thread), non-blocking connects, weighted backend choice, and
 * output buffers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/proxy_int.h"

static bool
gw_ep_equal(const struct gw_endpoint *a, const struct gw_endpoint *b)
{
    return a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

void
gw_upconn_close(struct gw_upconn *u)
{
    ev_io_stop(&u->w->loop, &u->io);
    close(u->fd);
    free(u);
}

static void
gw_pool_remove(struct gw_worker *w, size_t i)
{
    memmove(&w->pool[i], &w->pool[i + 1], (w->npool - i - 1) * sizeof(w->pool[0]));
    w->npool--;
}

/* Readable while idle: the upstream closed it (or sent garbage): drop it. */
static void
gw_upconn_on_io(struct ev_loop *loop, struct ev_io *io, unsigned ev)
{
    struct gw_upconn *u = io->data;
    struct gw_worker *w = u->w;

    (void)loop;
    if (u->conn != NULL)
        return gw_conn_upstream_event(u->conn, ev);
    for (size_t i = 0; i < w->npool; i++)
        if (w->pool[i] == u) {
            gw_pool_remove(w, i);
            break;
        }
    gw_upconn_close(u);
}

static int
gw_upstream_connect(const struct gw_endpoint *ep)
{
    int one = 1;
    int fd = socket(ep->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&ep->sa, ep->len) != 0 && errno != EINPROGRESS) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

struct gw_upconn *
gw_upconn_open(struct gw_worker *w, const struct gw_endpoint *ep, struct gw_conn *c)
{
    struct gw_upconn *u = calloc(1, sizeof(*u));

    if (u == NULL)
        return NULL;
    u->fd = gw_upstream_connect(ep);
    if (u->fd < 0) {
        free(u);
        return NULL;
    }
    u->ep = *ep;
    u->conn = c;
    u->w = w;
    /* Registered by the owner's first gw_conn_arm, with what it needs. */
    ev_io_init(&u->io, u->fd, gw_upconn_on_io, u);
    return u;
}

struct gw_upconn *
gw_pool_take(struct gw_worker *w, const struct gw_endpoint *ep, struct gw_conn *c)
{
    /* Newest first: the most recently used connection is the least likely to
     * be closed by the upstream's idle timeout. */
    for (size_t i = w->npool; i-- > 0;) {
        struct gw_upconn *u = w->pool[i];

        if (!gw_ep_equal(&u->ep, ep))
            continue;
        gw_pool_remove(w, i);
        u->conn = c;
        return u;
    }
    return NULL;
}

void
gw_pool_put(struct gw_worker *w, struct gw_upconn *u)
{
    if (w->npool == GW_POOL_MAX) {
        gw_upconn_close(w->pool[0]);
        gw_pool_remove(w, 0);
    }
    u->conn = NULL;
    u->since = ev_now(&w->loop);
    /* Read interest while idle (usually already so: no syscall). */
    if (ev_io_modify(&w->loop, &u->io, EV_READ) != 0) {
        gw_upconn_close(u);
        return;
    }
    w->pool[w->npool++] = u;
}

void
gw_pool_close_all(struct gw_worker *w)
{
    for (size_t i = 0; i < w->npool; i++)
        gw_upconn_close(w->pool[i]);
    w->npool = 0;
}

/* ---- passive health ------------------------------------------------------- */

static bool
gw_is_ejected(struct gw_worker *w, const struct gw_endpoint *ep)
{
    uint64_t now = ev_now(&w->loop);

    for (size_t i = 0; i < w->nejected; i++)
        if (w->ejected[i].until > now && gw_ep_equal(&w->ejected[i].ep, ep))
            return true;
    return false;
}

void
gw_eject(struct gw_worker *w, const struct gw_endpoint *ep)
{
    uint64_t now = ev_now(&w->loop);
    size_t slot = w->nejected, oldest = 0;

    for (size_t i = 0; i < w->nejected; i++) {
        if (gw_ep_equal(&w->ejected[i].ep, ep) || w->ejected[i].until <= now) {
            slot = i;
            break;
        }
        if (w->ejected[i].until < w->ejected[oldest].until)
            oldest = i;
    }
    if (slot == GW_EJECT_MAX)
        slot = oldest;
    if (slot == w->nejected)
        w->nejected++;
    w->ejected[slot].ep = *ep;
    w->ejected[slot].until = now + GW_EJECT_NS;
}

const struct gw_endpoint *
gw_pick_endpoint(struct gw_worker *w, const struct gw_backend *be)
{
    const struct gw_endpoint *ep = &be->eps[w->rr++ % be->n_eps];

    for (uint32_t k = 1; w->nejected > 0 && k < be->n_eps && gw_is_ejected(w, ep); k++)
        ep = &be->eps[w->rr++ % be->n_eps];
    return ep;
}

/* xorshift64: weights need a cheap, per-thread, unbiased-enough draw. */
static uint64_t
gw_rand(struct gw_worker *w)
{
    uint64_t x = w->rng;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

const struct gw_backend *
gw_pick_backend(struct gw_worker *w, const struct gw_rule *r)
{
    uint64_t n;

    if (r->total_weight == 0)
        return NULL;
    if (r->n_backends == 1)
        return &r->backends[0];
    n = gw_rand(w) % r->total_weight;
    for (uint32_t i = 0; i < r->n_backends; i++) {
        if (n < r->backends[i].weight)
            return &r->backends[i];
        n -= r->backends[i].weight;
    }
    return &r->backends[r->n_backends - 1];
}

/* ---- input buffers ------------------------------------------------------ */

char *
gw_buf_get(struct gw_worker *w)
{
    return w->nbufs > 0 ? w->bufs[--w->nbufs] : malloc(GW_INBUF_SIZE);
}

void
gw_buf_put(struct gw_worker *w, char *p)
{
    if (p == NULL)
        return;
    if (w->nbufs < GW_BUF_CACHE)
        w->bufs[w->nbufs++] = p;
    else
        free(p);
}

void
gw_buf_free_all(struct gw_worker *w)
{
    while (w->nbufs > 0)
        free(w->bufs[--w->nbufs]);
    while (w->nsmall > 0)
        free(w->small[--w->nsmall]);
}

/* ---- output buffers ----------------------------------------------------- */

int
gw_obuf_reserve(struct gw_obuf *b, size_t n)
{
    size_t cap;
    char *p;

    if (b->off == b->len)
        b->off = b->len = 0;
    if (b->cap - b->len >= n)
        return 0;
    if (b->off > 0) {
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= n)
            return 0;
    }
    if (b->cap == 0 && n <= GW_OBUF_SMALL && b->w != NULL && b->w->nsmall > 0) {
        b->p = b->w->small[--b->w->nsmall];
        b->cap = GW_OBUF_SMALL;
        return 0;
    }
    cap = b->cap ? b->cap : GW_OBUF_SMALL;
    while (cap - b->len < n)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

int
gw_obuf_append(struct gw_obuf *b, const void *p, size_t n)
{
    if (gw_obuf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

size_t
gw_obuf_pending(const struct gw_obuf *b)
{
    return b->len - b->off;
}

int
gw_obuf_flush(struct gw_obuf *b, int fd)
{
    while (b->off < b->len) {
        ssize_t n = send(fd, b->p + b->off, b->len - b->off, MSG_NOSIGNAL);

        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        b->off += (size_t)n;
        b->sent += (size_t)n;
    }
    b->off = b->len = 0;
    return 0;
}

void
gw_obuf_free(struct gw_obuf *b)
{
    free(b->p);
    b->p = NULL;
    b->off = b->len = b->cap = 0;
}

void
gw_obuf_shed(struct gw_obuf *b)
{
    if (b->p == NULL || gw_obuf_pending(b) > 0)
        return;
    if (b->cap == GW_OBUF_SMALL && b->w != NULL && b->w->nsmall < GW_BUF_CACHE) {
        b->w->small[b->w->nsmall++] = b->p;
        b->p = NULL;
        b->off = b->len = b->cap = 0;
    } else {
        gw_obuf_free(b);
    }
}

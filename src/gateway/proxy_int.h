/* The proxy's worker and connection state, shared by worker.c, conn.c and
 * upstream.c. Internal. */
#ifndef METALGATE_GATEWAY_PROXY_INT_H
#define METALGATE_GATEWAY_PROXY_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/evloop.h"
#include "gateway/accesslog.h"
#include "gateway/proxy.h"
#include "gateway/stats.h"
#include "http/http.h"

#define GW_IN_CAP (64u * 1024)    /* client and upstream read buffers */
#define GW_OUT_HIGH (256u * 1024) /* stop reading a side once this much waits to be written */
#define GW_FIELDS 100
#define GW_OBUF_SMALL 4096u /* an output buffer's first block */
#define GW_POOL_MAX 256 /* idle upstream connections per worker */

/* A listening socket of one worker. */
struct gw_lsock {
    int fd;
    struct ev_io io;
    struct ev_timer pause; /* out of descriptors: accept again later */
    struct ip_addr addr;
    uint16_t port;
    struct gw_worker *w;
    struct gw_lsock *next;
};

struct gw_conn;

/*
 * An upstream connection. Its fd stays registered in the worker's epoll for
 * its whole life, with read interest while it waits in the pool: taking it
 * from the pool and putting it back costs no syscall, and an upstream that
 * closes an idle connection is noticed (and the connection dropped) at once.
 */
struct gw_upconn {
    int fd;
    struct ev_io io;
    struct gw_endpoint ep;
    uint64_t since;       /* ev_now when it went idle */
    struct gw_conn *conn; /* the owner; NULL while idle in the pool */
    struct gw_worker *w;
};

#define GW_BUF_CACHE 64 /* free GW_IN_CAP buffers kept per worker */
#define GW_EJECT_MAX 32 /* endpoints a worker remembers as refusing */
#define GW_EJECT_NS (10ull * 1000000000u)

/* Passive health: an endpoint that refused a connection, skipped until then. */
struct gw_eject {
    struct gw_endpoint ep;
    uint64_t until;
};

struct gw_conn;

struct gw_worker {
    struct gw_proxy *proxy;
    unsigned index;
    pthread_t thread;
    struct ev_loop loop;
    int evfd; /* eventfd: a snapshot is pending, or stop */
    struct ev_io evio;
    _Atomic(struct gw_snapshot *) pending;
    atomic_bool stop;
    struct gw_snapshot *snap; /* the one new requests use */
    struct gw_lsock *lsocks;
    struct gw_upconn *pool[GW_POOL_MAX]; /* idle, oldest first */
    size_t npool;
    struct gw_conn *conns; /* every open client connection */
    struct gw_eject ejected[GW_EJECT_MAX];
    size_t nejected;
    char *bufs[GW_BUF_CACHE]; /* idle connections hold no input buffer */
    size_t nbufs;
    char *small[GW_BUF_CACHE]; /* ... nor output buffer (GW_OBUF_SMALL blocks) */
    size_t nsmall;
    struct gw_scratch *scratch;
    struct http_limits lim;  /* client requests: the operator's limits */
    struct http_limits ulim; /* upstream responses: the codec's defaults */
    uint64_t rng;
    uint32_t rr;
    char logline[GW_LOG_LINE_MAX]; /* the access log line being written */
};

struct gw_proxy {
    struct gw_proxy_opts o;
    unsigned n;
    struct gw_worker *w;
    struct gw_stats *stats;
};

/* An output buffer: bytes [off, len) wait to be written. */
struct gw_obuf {
    char *p;
    size_t off, len, cap;
    struct gw_worker *w; /* whose cache of GW_OBUF_SMALL blocks it uses */
    uint64_t sent; /* bytes written over the buffer's life (the access log's count) */
};

/* What the access log and the statistics need of the transaction in
 * progress (txn.c). start_ns == 0: none in progress. */
struct gw_txn {
    uint64_t start_ns; /* monotonic: the first byte of the head was processed */
    uint64_t head_ns;  /* the upstream's response head; 0: none */
    uint64_t out_mark; /* cout bytes queued before the transaction */
    const struct gw_listener *listener; /* in the connection's snapshot; NULL: none */
    const struct gw_route *route;       /* NULL: none */
    int32_t rule;
    uint16_t status; /* sent or being sent; 0: none */
    int8_t minor;    /* -1: no head parsed */
    uint16_t method_len, target_len, host_len; /* of the copies in cin's tail */
};

/*
 * What lives with an input buffer for one exchange, behind its GW_IN_CAP
 * bytes: the parsed head's fields and, for a request, the access log's
 * copies of its head (the head leaves the buffer while the body streams).
 * Idle connections hold no input buffer, so they hold none of this either.
 */
struct gw_inbuf_tail {
    struct http_field fields[GW_FIELDS];
    char method[GW_LOG_RAW_METHOD];
    char target[GW_LOG_RAW_TARGET];
    char host[GW_LOG_RAW_HOST];
};
#define GW_INBUF_SIZE (GW_IN_CAP + sizeof(struct gw_inbuf_tail))
#define GW_INBUF_TAIL(buf) ((struct gw_inbuf_tail *)(void *)((buf) + GW_IN_CAP))

enum gw_state {
    GW_C_HEAD = 0,  /* reading a request head */
    GW_C_CONNECT,   /* upstream connecting; uout holds the head */
    GW_C_REQ_BODY,  /* streaming the request body upstream */
    GW_C_RESP_HEAD, /* waiting for the response head */
    GW_C_RESP_BODY, /* streaming the response to the client */
    GW_C_CLOSING,   /* writing what is left, then closing */
    GW_C_TUNNEL,    /* after 101 Switching Protocols: bytes both ways */
};

struct gw_conn {
    struct gw_worker *w;
    struct gw_conn *prev, *next;
    int cfd;
    struct ev_io cio;
    struct gw_upconn *up; /* the upstream connection, or NULL */
    struct ev_timer timer;
    enum gw_state st;
    struct ip_addr laddr;
    uint16_t lport;
    char peer[IP_STRLEN];
    uint16_t peer_port;
    struct gw_txn txn;
    /* client side */
    char *cin;
    size_t cin_len, body_off;
    struct http_parser p;
    struct http_body b;
    enum http_method method;
    uint8_t minor;
    bool keep_alive, has_body, sent_100, close_after;
    bool client_eof; /* the client shut its side down after a complete request */
    /* upstream side */
    char *uin;
    size_t uin_len, ubody_off;
    struct http_parser rp;
    struct http_body rb;
    enum http_framing out_framing;
    struct gw_snapshot *snap;   /* the request's reference */
    const struct gw_rule *rule; /* in snap; valid while the request runs */
    uint32_t match;             /* index of the match that selected it */
    const struct gw_backend *be;
    struct gw_endpoint ep;
    bool reused, retried;
    /* The rule's timeouts (monotonic ns; 0: none): the request's first
     * byte, the whole exchange's deadline, the current attempt's. */
    uint64_t req_start, req_deadline, try_deadline;
    struct gw_obuf cout, uout;
};

/* conn.c */
void gw_conn_accept(struct gw_worker *w, int fd, const struct gw_lsock *ls);
void gw_conn_close(struct gw_conn *c);

/* conn.c: an event on c's upstream connection. */
void gw_conn_upstream_event(struct gw_conn *c, unsigned ev);

/* txn.c: the access log line and the counters of a transaction. */
/* A head's first bytes are being processed: a transaction starts (no-op when one runs). */
void gw_txn_begin(struct gw_conn *c);
/* The head was parsed and c->snap taken: copies what the log shows of it
 * (the head leaves cin while the body streams). */
void gw_txn_head(struct gw_conn *c);
/* The transaction ended (aborted: before its response was complete):
 * counts it and writes its log line. Call while c->snap is held. */
void gw_txn_end(struct gw_conn *c, bool aborted);

/* upstream.c: upstream connections and the per-worker keep-alive pool */
/* A non-blocking connect to ep owned by c; NULL with errno set. */
struct gw_upconn *gw_upconn_open(struct gw_worker *w, const struct gw_endpoint *ep,
                                 struct gw_conn *c);
/* Unregisters, closes and frees u (not in the pool). */
void gw_upconn_close(struct gw_upconn *u);
/* An idle connection to ep (newest first), now owned by c; or NULL. */
struct gw_upconn *gw_pool_take(struct gw_worker *w, const struct gw_endpoint *ep,
                               struct gw_conn *c);
/* u's exchange is complete: keep it for the next request to its endpoint. */
void gw_pool_put(struct gw_worker *w, struct gw_upconn *u);
void gw_pool_close_all(struct gw_worker *w);
/* The next endpoint of be round robin, skipping ejected ones (unless all are). */
const struct gw_endpoint *gw_pick_endpoint(struct gw_worker *w, const struct gw_backend *be);
/* ep refused a connection: skip it for GW_EJECT_NS. */
void gw_eject(struct gw_worker *w, const struct gw_endpoint *ep);
/* Chooses a backendRef by weight, NULL when the rule has none (500). */
const struct gw_backend *gw_pick_backend(struct gw_worker *w, const struct gw_rule *r);

/* GW_IN_CAP input buffers, recycled per worker; NULL when memory runs out. */
char *gw_buf_get(struct gw_worker *w);
void gw_buf_put(struct gw_worker *w, char *p);
void gw_buf_free_all(struct gw_worker *w);

/* obuf helpers. An empty buffer gives its block back to the worker with
 * gw_obuf_shed() (idle connections keep none); the next reserve takes one. */
int gw_obuf_reserve(struct gw_obuf *b, size_t n);
int gw_obuf_append(struct gw_obuf *b, const void *p, size_t n);
size_t gw_obuf_pending(const struct gw_obuf *b);
/* Writes what it can; returns 0, or -1 on a write error other than EAGAIN. */
int gw_obuf_flush(struct gw_obuf *b, int fd);
void gw_obuf_free(struct gw_obuf *b);
void gw_obuf_shed(struct gw_obuf *b);

#endif

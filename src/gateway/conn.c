/*
 * One client connection and the upstream request it is serving
 * (docs/internals/gateway.md, "A request"). Level-triggered: after every
 * event the connection does what the buffered bytes allow (gw_conn_run),
 * then says which readiness it waits for (gw_conn_arm). A side is read only
 * while less than GW_OUT_HIGH bytes wait to be written to the other: bodies
 * stream through, they are never buffered whole.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "gateway/proxy_int.h"

static void gw_conn_on_client(struct ev_loop *loop, struct ev_io *io, unsigned ev);
static void gw_conn_on_timer(struct ev_loop *loop, struct ev_timer *t);
static void gw_conn_run(struct gw_conn *c);
static void gw_conn_upstream_failed(struct gw_conn *c, bool connecting);
static void gw_conn_start_tunnel(struct gw_conn *c);

/* ---- lifecycle ------------------------------------------------------------ */

static void
gw_conn_set_timer(struct gw_conn *c, uint64_t ms)
{
    ev_timer_start(&c->w->loop, &c->timer, ms);
}

/* Arms the state's timer, cut short by the rule's deadlines. A request's
 * first byte starts its timeouts.request clock (for a pipelined request: the
 * moment the previous exchange ended and this one's bytes were taken up). */
static void
gw_conn_set_state(struct gw_conn *c, enum gw_state st)
{
    const struct gw_proxy_opts *o = &c->w->proxy->o;
    uint64_t now = ev_now(&c->w->loop), ms;

    c->st = st;
    if (st == GW_C_HEAD && c->cin_len > 0)
        c->req_start = now;
    if (st == GW_C_HEAD)
        ms = c->cin_len > 0 ? o->header_timeout_ms : o->idle_timeout_ms;
    else if (st == GW_C_CONNECT)
        ms = o->connect_timeout_ms;
    else if (st == GW_C_RESP_HEAD)
        ms = gw_head_wait_ms(c->rule != NULL ? &c->rule->timeouts : NULL, o->upstream_timeout_ms,
                             o->idle_timeout_ms);
    else
        ms = o->idle_timeout_ms;
    gw_conn_set_timer(c, gw_timer_ms(now, ms, c->req_deadline, c->try_deadline));
}

/* The exchange is over (or became a tunnel): its deadlines no longer apply. */
static void
gw_conn_clear_deadlines(struct gw_conn *c)
{
    c->req_deadline = c->try_deadline = 0;
}

static void
gw_peer_text(struct gw_conn *c, const struct sockaddr_storage *ss)
{
    struct ip_addr a = {0};

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a.family = IP_FAMILY_V4;
        a.v = ntohl(s4->sin_addr.s_addr);
        c->peer_port = ntohs(s4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a.family = IP_FAMILY_V6;
        for (int i = 0; i < 16; i++)
            a.v = (a.v << 8) | s6->sin6_addr.s6_addr[i];
        c->peer_port = ntohs(s6->sin6_port);
    }
    if (a.family == IP_FAMILY_NONE)
        snprintf(c->peer, sizeof(c->peer), "unknown");
    else
        ip_format(&a, c->peer);
}

/* The request parser starts over. Its fields live in cin's tail, so a
 * connection without an input buffer has none (it gets them with one). */
static void
gw_conn_parser_reset(struct gw_conn *c)
{
    http_parser_init(&c->p, HTTP_REQUEST, &c->w->lim,
                     c->cin ? GW_INBUF_TAIL(c->cin)->fields : NULL, c->cin ? GW_FIELDS : 0);
}

void
gw_conn_accept(struct gw_worker *w, int fd, const struct gw_lsock *ls)
{
    struct gw_conn *c = calloc(1, sizeof(*c));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int one = 1;

    if (c == NULL) {
        close(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->w = w;
    c->cfd = fd;
    c->laddr = ls->addr;
    c->lport = ls->port;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
        gw_peer_text(c, &ss);
    ev_io_init(&c->cio, fd, gw_conn_on_client, c);
    ev_timer_init(&c->timer, gw_conn_on_timer, c);
    c->cout.w = c->uout.w = w;
    gw_conn_parser_reset(c);
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    gw_conn_set_state(c, GW_C_HEAD);
    if (ev_io_start(&w->loop, &c->cio, EV_READ) != 0)
        gw_conn_close(c);
}

static void
gw_upstream_drop(struct gw_conn *c)
{
    if (c->up == NULL)
        return;
    gw_upconn_close(c->up);
    c->up = NULL;
}

void
gw_conn_close(struct gw_conn *c)
{
    struct gw_worker *w = c->w;

    gw_txn_end(c, c->txn.status != 101); /* a tunnel ends by closing */
    ev_io_stop(&w->loop, &c->cio);
    ev_timer_stop(&w->loop, &c->timer);
    gw_upstream_drop(c);
    close(c->cfd);
    gw_snapshot_unref(c->snap);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    gw_buf_put(w, c->cin);
    gw_buf_put(w, c->uin);
    gw_obuf_free(&c->cout);
    gw_obuf_free(&c->uout);
    free(c);
}

/* ---- the proxy's own answers ------------------------------------------------ */

/* Between requests an idle connection keeps no buffer that is empty: they
 * go back to the worker's caches (idle keep-alive connections stay small). */
static void
gw_conn_release_buffers(struct gw_conn *c)
{
    gw_buf_put(c->w, c->uin);
    c->uin = NULL;
    c->uin_len = 0;
    if (c->cin_len == 0) {
        gw_buf_put(c->w, c->cin);
        c->cin = NULL;
    }
    gw_obuf_shed(&c->uout);
    gw_obuf_shed(&c->cout);
}

/* After a response of the proxy's own: the next request, or close. */
static void
gw_conn_local_done(struct gw_conn *c, bool cl)
{
    gw_txn_end(c, false);
    cl = cl || c->close_after;
    c->uout.off = c->uout.len = 0;
    gw_snapshot_unref(c->snap);
    c->snap = NULL;
    c->rule = NULL;
    gw_conn_clear_deadlines(c);
    if (cl) {
        c->close_after = true;
        gw_conn_set_state(c, GW_C_CLOSING);
        return;
    }
    /* No body (or all of it read): the next request starts at body_off. */
    memmove(c->cin, c->cin + c->body_off, c->cin_len - c->body_off);
    c->cin_len -= c->body_off;
    c->body_off = 0;
    gw_conn_release_buffers(c);
    gw_conn_parser_reset(c);
    gw_conn_set_state(c, GW_C_HEAD);
}

/* Answers status itself. A request body that was not read forces a close. */
static void
gw_conn_respond(struct gw_conn *c, uint16_t status, bool close_conn)
{
    char body[64];
    int blen = snprintf(body, sizeof(body), "%u %s\n", status, http_status_reason(status));
    bool cl = close_conn || !c->keep_alive || c->has_body;

    c->txn.status = status;
    gw_upstream_drop(c);
    if (gw_obuf_reserve(&c->cout, 512) == 0)
        c->cout.len += http_simple_response(status, cl, body, (size_t)blen, c->cout.p + c->cout.len,
                                            c->cout.cap - c->cout.len);
    gw_conn_local_done(c, cl);
}

/* A failure after the response started: nothing sensible can be sent. */
static void
gw_conn_abort(struct gw_conn *c)
{
    gw_conn_close(c);
}

/* ---- request head -> upstream ------------------------------------------------- */

static bool
gw_method_idempotent(enum http_method m)
{
    return m == HTTP_METHOD_GET || m == HTTP_METHOD_HEAD || m == HTTP_METHOD_OPTIONS ||
           m == HTTP_METHOD_PUT || m == HTTP_METHOD_DELETE || m == HTTP_METHOD_TRACE;
}

/* Connects c to the next endpoint of its backend (pooled when possible). */
static int
gw_conn_connect(struct gw_conn *c, bool pooled)
{
    struct gw_worker *w = c->w;

    c->ep = *gw_pick_endpoint(w, c->be);
    /* Each attempt, a retry included, has its own timeouts.backendRequest. */
    c->try_deadline = gw_deadline(ev_now(&w->loop), c->rule->timeouts.backend_ms);
    c->up = pooled ? gw_pool_take(w, &c->ep, c) : NULL;
    c->reused = c->up != NULL;
    if (c->up == NULL && (c->up = gw_upconn_open(w, &c->ep, c)) == NULL) {
        gw_eject(w, &c->ep);
        return -1;
    }
    gw_conn_set_state(c, c->reused ? GW_C_REQ_BODY : GW_C_CONNECT);
    return 0;
}

/* Rewrites the head at the end of b (from *start) with header modifier m;
 * *start is where it is afterwards. The new head is written behind the old
 * one, then moved over it: no allocation per request. */
static int
gw_obuf_headers(struct gw_obuf *b, size_t *start, const struct gw_header_mod *m)
{
    size_t n = b->len - *start, extra = 2, out, off;

    for (uint32_t i = 0; i < m->n_set; i++)
        extra += m->set[i].name_len + m->set[i].value_len + 4;
    for (uint32_t i = 0; i < m->n_add; i++)
        extra += m->add[i].name_len + m->add[i].value_len + 4;
    /* reserve may move the pending bytes (and the head with them) */
    off = b->len - *start;
    if (gw_obuf_reserve(b, n + extra) != 0)
        return -1;
    *start = b->len - off;
    out = gw_headers_apply(m, b->p + *start, n, b->p + b->len, b->cap - b->len);
    if (out == 0)
        return -1;
    memmove(b->p + *start, b->p + b->len, out);
    b->len = *start + out;
    return 0;
}

/* The rule's header modifier, then the backendRef's (Envoy's order: a ref's
 * filter sees, and may override, what the rule's did). */
static int
gw_obuf_filter_head(struct gw_obuf *b, size_t start, const struct gw_header_mod *rule_mod,
                    const struct gw_header_mod *backend_mod)
{
    if (rule_mod != NULL && gw_obuf_headers(b, &start, rule_mod) != 0)
        return -1;
    if (backend_mod != NULL && gw_obuf_headers(b, &start, backend_mod) != 0)
        return -1;
    return 0;
}

/* The request-target after URLRewrite rw's path modifier, with the query. */
static int
gw_conn_rewrite_target(struct gw_conn *c, const struct gw_rewrite *rw, char *out, size_t cap,
                       size_t *len)
{
    const struct http_msg *m = &c->p.msg;
    const char *prefix = c->match < c->rule->n_matches ? c->rule->match_prefix[c->match] : NULL;
    const char *path = m->path.len ? c->cin + m->path.off : "/";
    size_t n = gw_path_modify(rw->path_type, rw->path, prefix, path, m->path.len ? m->path.len : 1,
                              out, cap);

    if (n == 0 || (m->query.len > 0 && cap - n < m->query.len + 2))
        return -1;
    if (m->query.len > 0) {
        out[n++] = '?';
        memcpy(out + n, c->cin + m->query.off, m->query.len);
        n += m->query.len;
    }
    *len = n;
    return 0;
}

/* The URLRewrite that decides the hostname (path: the path modifier): the
 * backendRef's when it sets one, else the rule's; NULL when neither does.
 * Both apply to the request as received. */
static const struct gw_rewrite *
gw_conn_rewrite(const struct gw_conn *c, bool path)
{
    const struct gw_rewrite *v[2] = {c->be->filters.rewrite, c->rule->filters.rewrite};

    for (int i = 0; i < 2; i++)
        if (v[i] != NULL && (path ? v[i]->path_type != GW_PATHMOD_NONE : v[i]->hostname != NULL))
            return v[i];
    return NULL;
}

/* Host and target of the upstream request (URLRewrite, HTTP/1.0 without Host). */
static int
gw_conn_forward_fields(struct gw_conn *c, struct http_forward *f, char *host, size_t hcap,
                       char *target, size_t tcap)
{
    const struct gw_rewrite *hrw = gw_conn_rewrite(c, false), *prw = gw_conn_rewrite(c, true);

    f->client_addr = c->peer;
    f->client_addr_len = strlen(c->peer);
    f->keep_upgrade = c->p.msg.upgrade; /* WebSocket and other upgrades pass through */
    if (!c->p.msg.has_host) {
        char a[IP_STRLEN];
        f->host = host;
        f->host_len = (size_t)snprintf(host, hcap, "%s:%u", ip_format(&c->laddr, a), c->lport);
    }
    if (hrw != NULL) {
        f->host = hrw->hostname;
        f->host_len = strlen(hrw->hostname);
    }
    if (prw != NULL) {
        if (gw_conn_rewrite_target(c, prw, target, tcap, &f->target_len) != 0)
            return -1;
        f->target = target;
    }
    return 0;
}

static int
gw_conn_serialize(struct gw_conn *c)
{
    struct http_forward f = {0};
    char host[IP_STRLEN + 8], target[8192];
    size_t n = 0, start;

    if (gw_conn_forward_fields(c, &f, host, sizeof(host), target, sizeof(target)) != 0)
        return -1;
    for (size_t cap = c->p.msg.head_len + 1024; n == 0 && cap < 4 * GW_IN_CAP; cap *= 2) {
        if (gw_obuf_reserve(&c->uout, cap) != 0)
            return -1;
        n = http_serialize_request(&c->p.msg, c->cin, &f, c->uout.p + c->uout.len,
                                   c->uout.cap - c->uout.len);
    }
    start = c->uout.len;
    c->uout.len += n;
    if (n == 0)
        return -1;
    return gw_obuf_filter_head(&c->uout, start, c->rule->filters.req_headers,
                               c->be->filters.req_headers);
}

/* The redirect's port: given, else the scheme's, else the listener's. */
static unsigned
gw_redirect_port(const struct gw_conn *c, const struct gw_redirect *r)
{
    if (r->port)
        return r->port;
    if (r->scheme == NULL)
        return c->lport;
    if (strcmp(r->scheme, "https") == 0)
        return 443;
    return strcmp(r->scheme, "http") == 0 ? 80 : c->lport;
}

/* RequestRedirect: Location from the filter and the request. */
static void
gw_conn_redirect(struct gw_conn *c, const struct gw_redirect *r)
{
    const struct http_msg *m = &c->p.msg;
    const char *host = c->cin + m->host.off, *scheme = r->scheme ? r->scheme : "http";
    const char *prefix = c->match < c->rule->n_matches ? c->rule->match_prefix[c->match] : NULL;
    size_t hlen = m->host.len;
    char path[8192], head[9000], port[8] = "";
    unsigned pn = gw_redirect_port(c, r);
    bool cl = !c->keep_alive || c->has_body;
    int n;

    for (size_t i = 0; i < hlen && host[0] != '['; i++)
        if (host[i] == ':')
            hlen = i;
    if (r->hostname != NULL) {
        host = r->hostname;
        hlen = strlen(host);
    }
    path[0] = '\0';
    if (r->path_type != GW_PATHMOD_NONE) {
        if (gw_path_modify(r->path_type, r->path, prefix, c->cin + m->path.off, m->path.len, path,
                           sizeof(path)) == 0)
            return gw_conn_respond(c, 500, false); /* no room for the new path */
    } else
        snprintf(path, sizeof(path), "%.*s", (int)m->path.len, c->cin + m->path.off);
    if (!((pn == 80 && strcmp(scheme, "http") == 0) || (pn == 443 && strcmp(scheme, "https") == 0)))
        snprintf(port, sizeof(port), ":%u", pn);
    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 %u %s\r\nLocation: %s://%.*s%s%s%s%.*s\r\nContent-Length: 0\r\n%s\r\n",
                 r->status, http_status_reason(r->status), scheme, (int)hlen, host, port,
                 path[0] ? path : "/", m->query.len ? "?" : "", (int)m->query.len,
                 c->cin + m->query.off, cl ? "Connection: close\r\n" : "");
    if (n <= 0 || (size_t)n >= sizeof(head))
        return gw_conn_respond(c, 500, false); /* a Location too long to send */
    gw_obuf_append(&c->cout, head, (size_t)n);
    c->txn.status = r->status;
    gw_conn_local_done(c, cl);
}

/* The rule is known: choose the backend, write the upstream head, connect.
 * A rule whose filters fail closed answers 500 before anything else (its
 * redirect included). A backendRef's RequestRedirect answers for it, unless
 * the ref does not resolve or fails closed (500, as for any request given
 * to it). */
static void
gw_conn_forward(struct gw_conn *c, const struct gw_rule *rule)
{
    if (rule->filters.fail_closed)
        return gw_conn_respond(c, 500, false);
    if (rule->filters.redirect != NULL)
        return gw_conn_redirect(c, rule->filters.redirect);
    c->be = gw_pick_backend(c->w, rule);
    if (c->be == NULL)
        return gw_conn_respond(c, 500, false);
    if (c->be->filters.redirect != NULL && (c->be->n_eps > 0 || c->be->empty_status != 500))
        return gw_conn_redirect(c, c->be->filters.redirect);
    if (c->be->n_eps == 0)
        return gw_conn_respond(c, c->be->empty_status, false);
    if (gw_conn_serialize(c) != 0)
        return gw_conn_respond(c, 500, true);
    http_body_init(&c->b, &c->p.msg, &c->w->lim);
    c->body_off = c->p.msg.head_len;
    c->retried = false;
    if (gw_conn_connect(c, true) != 0 &&
        (!gw_method_idempotent(c->method) || gw_conn_connect(c, false) != 0))
        return gw_conn_respond(c, 502, false);
}

/* A complete head: listener, route, then forward (or 404). */
static void
gw_conn_route(struct gw_conn *c)
{
    const struct http_msg *m = &c->p.msg;
    const struct gw_port *port;
    const struct gw_listener *l;
    struct gw_request rq;
    struct gw_result res;
    int li;

    c->method = m->method;
    c->minor = m->minor;
    c->keep_alive = m->keep_alive;
    c->has_body = m->framing != HTTP_BODY_NONE;
    c->sent_100 = false;
    c->body_off = m->head_len;
    c->snap = c->w->snap ? gw_snapshot_ref(c->w->snap) : NULL;
    gw_txn_head(c);
    port = c->snap ? gw_snapshot_port(c->snap, &c->laddr, c->lport) : NULL;
    li = port ? gw_listeners_select(port->select, c->cin + m->host.off, m->host.len) : -1;
    if (li < 0)
        return gw_conn_respond(c, 404, false);
    l = &port->listeners[li];
    c->txn.listener = l;
    gw_request_from_http(&rq, m, c->cin);
    if (!gw_table_lookup(l->table, c->w->scratch, &rq, &res) || res.route >= l->n_routes ||
        res.rule >= l->routes[res.route].n_rules)
        return gw_conn_respond(c, 404, false);
    c->rule = &l->routes[res.route].rules[res.rule];
    c->match = res.match;
    c->req_deadline = gw_deadline(c->req_start, c->rule->timeouts.request_ms);
    c->txn.route = &l->routes[res.route];
    c->txn.rule = (int32_t)res.rule;
    /* A head that took longer than timeouts.request is not forwarded at all. */
    if (gw_deadline_passed(ev_now(&c->w->loop), c->req_deadline))
        return gw_conn_respond(c, 504, false);
    gw_conn_forward(c, c->rule);
}

static void
gw_conn_head(struct gw_conn *c)
{
    enum http_result r;

    gw_txn_begin(c);
    r = http_parse(&c->p, c->cin, c->cin_len);
    if (r == HTTP_AGAIN) {
        if (c->cin_len == GW_IN_CAP)
            gw_conn_respond(c, 431, true);
        return;
    }
    if (r == HTTP_ERROR) {
        log_debug("gateway", "client %s: %s", c->peer, http_error_name(c->p.error));
        c->keep_alive = false;
        return gw_conn_respond(c, http_error_status(c->p.error), true);
    }
    gw_conn_route(c);
}

/* ---- bodies ------------------------------------------------------------------ */

/* Appends one decoded run, re-chunked when the outgoing framing is chunked. */
static int
gw_emit(struct gw_obuf *o, bool chunked, const char *p, size_t n)
{
    char hdr[HTTP_CHUNK_HEADER_MAX];

    if (!chunked)
        return gw_obuf_append(o, p, n);
    if (gw_obuf_append(o, hdr, http_chunk_header(n, hdr)) != 0 || gw_obuf_append(o, p, n) != 0)
        return -1;
    return gw_obuf_append(o, HTTP_CHUNK_END, sizeof(HTTP_CHUNK_END) - 1);
}

/* Request body from cin to uout. Returns false when c was closed. */
static bool
gw_conn_req_body(struct gw_conn *c)
{
    bool chunked = c->p.msg.framing == HTTP_BODY_CHUNKED;

    if (c->p.msg.expect_continue && !c->sent_100 && c->body_off == c->cin_len) {
        gw_obuf_append(&c->cout, HTTP_100_CONTINUE, sizeof(HTTP_100_CONTINUE) - 1);
        c->sent_100 = true;
    }
    while (gw_obuf_pending(&c->uout) < GW_OUT_HIGH) {
        struct http_slice d;
        size_t used;
        const char *base = c->cin + c->body_off;
        enum http_result r = http_body_step(&c->b, base, c->cin_len - c->body_off, &used, &d);

        c->body_off += used;
        if (r == HTTP_ERROR) {
            /* No response yet: say why (413 beyond --max-body-bytes, else 400). */
            gw_conn_respond(c, http_error_status(c->b.error), true);
            return true;
        }
        if (r == HTTP_DATA && gw_emit(&c->uout, chunked, base + d.off, d.len) != 0) {
            gw_conn_abort(c);
            return false;
        }
        if (r == HTTP_DONE) {
            if (chunked)
                gw_obuf_append(&c->uout, HTTP_CHUNK_LAST, sizeof(HTTP_CHUNK_LAST) - 1);
            if (c->uin == NULL && (c->uin = gw_buf_get(c->w)) == NULL) {
                gw_conn_abort(c);
                return false;
            }
            c->uin_len = 0;
            http_parser_init(&c->rp, HTTP_RESPONSE, &c->w->ulim, GW_INBUF_TAIL(c->uin)->fields,
                             GW_FIELDS);
            http_parser_set_request_method(&c->rp, c->method);
            gw_conn_set_state(c, GW_C_RESP_HEAD);
            return true;
        }
        if (r == HTTP_AGAIN)
            break;
    }
    /* Keep only unread bytes: the head was serialized already. */
    memmove(c->cin, c->cin + c->body_off, c->cin_len - c->body_off);
    c->cin_len -= c->body_off;
    c->body_off = 0;
    return true;
}

/* The exchange is over: pool the upstream, then the next request or close. */
static void
gw_conn_finish(struct gw_conn *c, bool upstream_reusable)
{
    gw_txn_end(c, false);
    /* Reusable only when the whole exchange went through: nothing of the
     * request left unsent, nothing after the response. */
    if (upstream_reusable && c->up != NULL && c->ubody_off == c->uin_len &&
        gw_obuf_pending(&c->uout) == 0) {
        gw_pool_put(c->w, c->up);
        c->up = NULL;
    }
    gw_upstream_drop(c);
    c->uout.off = c->uout.len = 0; /* what was not sent belonged to that upstream */
    gw_snapshot_unref(c->snap);
    c->snap = NULL;
    c->rule = NULL;
    gw_conn_clear_deadlines(c);
    if (c->close_after || !c->keep_alive) {
        c->close_after = true;
        gw_conn_set_state(c, GW_C_CLOSING);
        return;
    }
    /* Pipelined bytes start where the request body ended. */
    memmove(c->cin, c->cin + c->body_off, c->cin_len - c->body_off);
    c->cin_len -= c->body_off;
    c->body_off = 0;
    gw_conn_release_buffers(c);
    gw_conn_parser_reset(c);
    gw_conn_set_state(c, GW_C_HEAD);
}

/* ---- response ------------------------------------------------------------------ */

static void gw_conn_deadline_expired(struct gw_conn *c);

static void
gw_conn_resp_head(struct gw_conn *c)
{
    struct http_response_forward f = {c->minor, c->keep_alive};
    enum http_result r;
    size_t n = 0;
    uint64_t now = ev_now(&c->w->loop);

    /* A busy loop may see the answer and the expired timer together: the
     * deadline wins, as it would have on an idle machine. */
    if (gw_deadline_passed(now, c->req_deadline) || gw_deadline_passed(now, c->try_deadline))
        return gw_conn_deadline_expired(c);
    r = http_parse(&c->rp, c->uin, c->uin_len);

    if (r == HTTP_AGAIN) {
        if (c->uin_len == GW_IN_CAP)
            gw_conn_respond(c, 502, true);
        return;
    }
    if (r == HTTP_ERROR ||
        (c->rp.msg.framing == HTTP_BODY_TUNNEL && !(c->p.msg.upgrade && c->rp.msg.status == 101)))
        return gw_conn_respond(c, 502, true);
    if (c->rp.msg.status < 200 && c->rp.msg.framing != HTTP_BODY_TUNNEL) {
        /* Interim answers are dropped: Expect was answered by the proxy. */
        memmove(c->uin, c->uin + c->rp.msg.head_len, c->uin_len - c->rp.msg.head_len);
        c->uin_len -= c->rp.msg.head_len;
        http_parser_init(&c->rp, HTTP_RESPONSE, &c->w->ulim, GW_INBUF_TAIL(c->uin)->fields,
                             GW_FIELDS);
        http_parser_set_request_method(&c->rp, c->method);
        return;
    }
    c->txn.head_ns = ev_clock_ns();
    c->txn.status = c->rp.msg.status;
    for (size_t cap = c->rp.msg.head_len + 512; n == 0 && cap < 4 * GW_IN_CAP; cap *= 2) {
        if (gw_obuf_reserve(&c->cout, cap) != 0)
            break;
        n = http_serialize_response(&c->rp.msg, c->uin, &f, c->cout.p + c->cout.len,
                                    c->cout.cap - c->cout.len, &c->out_framing);
    }
    if (n == 0)
        return gw_conn_respond(c, 502, true);
    c->cout.len += n;
    if (gw_obuf_filter_head(&c->cout, c->cout.len - n, c->rule->filters.resp_headers,
                            c->be->filters.resp_headers) != 0)
        return gw_conn_respond(c, 502, true);
    if (c->out_framing == HTTP_BODY_TUNNEL)
        return gw_conn_start_tunnel(c);
    if (c->out_framing == HTTP_BODY_CLOSE)
        c->close_after = true;
    http_body_init(&c->rb, &c->rp.msg, &c->w->ulim);
    c->ubody_off = c->rp.msg.head_len;
    gw_conn_set_state(c, GW_C_RESP_BODY);
}

/* Moves the bytes each side sent into the other side's output. */
static void
gw_conn_tunnel(struct gw_conn *c)
{
    if (c->cin_len > c->body_off && gw_obuf_pending(&c->uout) < GW_OUT_HIGH &&
        gw_obuf_append(&c->uout, c->cin + c->body_off, c->cin_len - c->body_off) == 0)
        c->cin_len = c->body_off = 0;
    if (c->uin_len > c->ubody_off && gw_obuf_pending(&c->cout) < GW_OUT_HIGH &&
        gw_obuf_append(&c->cout, c->uin + c->ubody_off, c->uin_len - c->ubody_off) == 0)
        c->uin_len = c->ubody_off = 0;
}

/* 101 to an upgrade: from now on the connection is a byte pipe; what either
 * side sent after its head goes through first. */
static void
gw_conn_start_tunnel(struct gw_conn *c)
{
    gw_conn_clear_deadlines(c); /* the HTTP exchange is complete */
    c->ubody_off = c->rp.msg.head_len;
    gw_conn_set_state(c, GW_C_TUNNEL);
    gw_conn_tunnel(c);
}

/* Response body from uin to cout. Returns false when c was closed. */
static bool
gw_conn_resp_body(struct gw_conn *c)
{
    bool chunked = c->out_framing == HTTP_BODY_CHUNKED;

    while (gw_obuf_pending(&c->cout) < GW_OUT_HIGH) {
        struct http_slice d;
        size_t used;
        const char *base = c->uin + c->ubody_off;
        enum http_result r = http_body_step(&c->rb, base, c->uin_len - c->ubody_off, &used, &d);

        c->ubody_off += used;
        if (r == HTTP_ERROR ||
            (r == HTTP_DATA && gw_emit(&c->cout, chunked, base + d.off, d.len) != 0)) {
            gw_conn_abort(c);
            return false;
        }
        if (r == HTTP_DONE) {
            if (chunked)
                gw_obuf_append(&c->cout, HTTP_CHUNK_LAST, sizeof(HTTP_CHUNK_LAST) - 1);
            gw_conn_finish(c, c->rp.msg.keep_alive);
            return true;
        }
        if (r == HTTP_AGAIN)
            break;
    }
    memmove(c->uin, c->uin + c->ubody_off, c->uin_len - c->ubody_off);
    c->uin_len -= c->ubody_off;
    c->ubody_off = 0;
    return true;
}

/* ---- driving ------------------------------------------------------------------- */

/* Does whatever the buffered bytes allow. Returns false when c was closed. */
static bool
gw_conn_step(struct gw_conn *c)
{
    for (int i = 0; i < 64; i++) {
        enum gw_state st = c->st;
        size_t cin = c->cin_len, uin = c->uin_len, cout = gw_obuf_pending(&c->cout);

        if (st == GW_C_HEAD && c->cin_len > 0)
            gw_conn_head(c);
        else if (st == GW_C_REQ_BODY && !gw_conn_req_body(c))
            return false;
        else if (st == GW_C_RESP_HEAD && c->uin_len > 0)
            gw_conn_resp_head(c);
        else if (st == GW_C_RESP_BODY && !gw_conn_resp_body(c))
            return false;
        else if (st == GW_C_TUNNEL)
            gw_conn_tunnel(c);
        if (c->st == st && c->cin_len == cin && c->uin_len == uin &&
            gw_obuf_pending(&c->cout) == cout)
            break;
    }
    return true;
}

/* Input a body or tunnel step left in the buffer because the other side's
 * output had reached GW_OUT_HIGH (the decoders consume everything else). */
static bool
gw_conn_left_for_upstream(const struct gw_conn *c)
{
    return (c->st == GW_C_REQ_BODY || c->st == GW_C_TUNNEL) && c->cin_len > c->body_off;
}

static bool
gw_conn_left_for_client(const struct gw_conn *c)
{
    return (c->st == GW_C_RESP_BODY || c->st == GW_C_TUNNEL) && c->uin_len > c->ubody_off;
}

/* Flushes, then waits for exactly the readiness the state needs. */
static void
gw_conn_arm(struct gw_conn *c)
{
    struct ev_loop *loop = &c->w->loop;
    unsigned ce = 0, ue = 0;

    if (gw_obuf_flush(&c->cout, c->cfd) != 0)
        return gw_conn_close(c);
    if (c->up != NULL && c->st != GW_C_CONNECT && gw_obuf_flush(&c->uout, c->up->fd) != 0) {
        if (c->st == GW_C_RESP_BODY || c->st == GW_C_TUNNEL)
            return gw_conn_abort(c);
        return gw_conn_upstream_failed(c, false);
    }
    if (c->st == GW_C_CLOSING && gw_obuf_pending(&c->cout) == 0)
        return gw_conn_close(c);
    /* Input left by a step that stopped at GW_OUT_HIGH needs a wakeup even
     * when the flush above emptied the output: its peer may have sent it all
     * already, so no read event would come. Writability fires at once. */
    if (gw_obuf_pending(&c->cout) > 0 || gw_conn_left_for_client(c))
        ce |= EV_WRITE;
    else if (c->st == GW_C_HEAD && c->cin == NULL)
        gw_obuf_shed(&c->cout); /* the last response is out: idle, keep nothing */
    /* Reading on while the upstream answers: pipelined requests are buffered
     * (parsed later), a client that leaves is seen at once, and the
     * interest does not flip twice per request. */
    if (c->st != GW_C_CLOSING && !c->client_eof && c->cin_len < GW_IN_CAP &&
        ((c->st != GW_C_REQ_BODY && c->st != GW_C_TUNNEL) ||
         gw_obuf_pending(&c->uout) < GW_OUT_HIGH) &&
        gw_obuf_pending(&c->cout) < GW_OUT_HIGH)
        ce |= EV_READ;
    if (c->up != NULL) {
        if (c->st == GW_C_CONNECT || gw_obuf_pending(&c->uout) > 0 || gw_conn_left_for_upstream(c))
            ue |= EV_WRITE;
        if ((c->st == GW_C_RESP_HEAD || c->st == GW_C_RESP_BODY || c->st == GW_C_TUNNEL) &&
            gw_obuf_pending(&c->cout) < GW_OUT_HIGH && c->uin_len < GW_IN_CAP)
            ue |= EV_READ;
        if (c->up->io.events != ue || !c->up->io.active)
            ev_io_modify(loop, &c->up->io, ue);
    }
    if (c->cio.events != ce)
        ev_io_modify(loop, &c->cio, ce);
}

static void
gw_conn_run(struct gw_conn *c)
{
    if (gw_conn_step(c))
        gw_conn_arm(c);
}

/* ---- events ---------------------------------------------------------------------- */

static void
gw_conn_on_client(struct ev_loop *loop, struct ev_io *io, unsigned ev)
{
    struct gw_conn *c = io->data;
    ssize_t n;

    (void)loop;
    if ((ev & EV_READ) && !(c->cio.events & EV_READ))
        return gw_conn_close(c); /* hang-up or error while not reading */
    if ((ev & EV_READ) && c->cin == NULL) {
        if ((c->cin = gw_buf_get(c->w)) == NULL)
            return gw_conn_close(c);
        gw_conn_parser_reset(c); /* idle until now: nothing parsed yet */
    }
    if (ev & EV_READ) {
        n = recv(c->cfd, c->cin + c->cin_len, GW_IN_CAP - c->cin_len, 0);
        if (n == 0 && c->st == GW_C_TUNNEL) {
            gw_upstream_drop(c); /* the client is done: so is the tunnel */
            c->st = GW_C_CLOSING;
            return gw_conn_arm(c);
        }
        if (n == 0 && c->st != GW_C_HEAD && !c->has_body) {
            c->client_eof = true; /* a half-close after the request: answer, then close */
            c->close_after = true;
        } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return gw_conn_close(c); /* mid-request EOF: nothing to answer */
        }
        if (n > 0) {
            bool first = c->cin_len == 0;

            c->cin_len += (size_t)n;
            if ((c->st == GW_C_HEAD && first) || c->st == GW_C_REQ_BODY || c->st == GW_C_TUNNEL)
                gw_conn_set_state(c, c->st); /* header-read timeout from the first byte */
        }
    }
    gw_conn_run(c);
}

/* The upstream closed or failed before any byte of the response. */
static void
gw_conn_upstream_failed(struct gw_conn *c, bool connecting)
{
    bool again = !c->retried && (gw_method_idempotent(c->method) || c->reused) &&
                 (connecting || (c->reused && !c->has_body));

    gw_upstream_drop(c);
    if (!again)
        return gw_conn_respond(c, 502, false), gw_conn_run(c);
    c->retried = true;
    if (!connecting) {
        /* The pooled connection was stale; the request has no body, and its
         * head is still at the start of cin: send it again. */
        c->uout.off = c->uout.len = 0;
        http_body_init(&c->b, &c->p.msg, &c->w->lim);
        if (gw_conn_serialize(c) != 0)
            return gw_conn_respond(c, 502, true), gw_conn_arm(c);
    }
    if (gw_conn_connect(c, false) != 0)
        return gw_conn_respond(c, 502, false), gw_conn_run(c);
    gw_conn_run(c);
}

static void
gw_conn_on_connected(struct gw_conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(c->up->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        gw_eject(c->w, &c->ep);
        return gw_conn_upstream_failed(c, true);
    }
    gw_conn_set_state(c, GW_C_REQ_BODY);
    gw_conn_run(c);
}

void
gw_conn_upstream_event(struct gw_conn *c, unsigned ev)
{
    ssize_t n;

    if (c->st == GW_C_CONNECT)
        return gw_conn_on_connected(c);
    if ((ev & EV_READ) && c->uin != NULL && c->uin_len < GW_IN_CAP) {
        n = recv(c->up->fd, c->uin + c->uin_len, GW_IN_CAP - c->uin_len, 0);
        if (n > 0) {
            c->uin_len += (size_t)n;
            if (c->st == GW_C_RESP_BODY || c->st == GW_C_TUNNEL)
                gw_conn_set_state(c, c->st);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            if (c->st == GW_C_TUNNEL) {
                gw_conn_tunnel(c);
                gw_upstream_drop(c); /* write what it sent, then close */
                c->st = GW_C_CLOSING;
                return gw_conn_arm(c);
            }
            if (c->st == GW_C_RESP_HEAD && c->uin_len == 0)
                return gw_conn_upstream_failed(c, false);
            if (c->st == GW_C_RESP_BODY && http_body_eof(&c->rb) == HTTP_DONE) {
                if (!gw_conn_step(c)) /* what is buffered first */
                    return;
                if (c->st == GW_C_RESP_BODY) {
                    if (c->out_framing == HTTP_BODY_CHUNKED)
                        gw_obuf_append(&c->cout, HTTP_CHUNK_LAST, sizeof(HTTP_CHUNK_LAST) - 1);
                    c->close_after |= c->out_framing == HTTP_BODY_CLOSE;
                    gw_conn_finish(c, false);
                }
                return gw_conn_arm(c);
            }
            return c->st == GW_C_RESP_HEAD ? (gw_conn_respond(c, 502, true), gw_conn_arm(c))
                                           : gw_conn_abort(c);
        }
    } else if ((ev & EV_READ) && !(c->up->io.events & EV_READ)) {
        return gw_conn_abort(c);
    }
    gw_conn_run(c);
}

/* A timeouts.request or backendRequest deadline passed. Before the response
 * head went out: 504, and the upstream connection is closed (it may still
 * answer: it cannot be reused). After: the response cannot be completed, so
 * both connections are closed. */
static void
gw_conn_deadline_expired(struct gw_conn *c)
{
    log_debug("gateway", "client %s: %s timeout", c->peer,
              gw_deadline_passed(ev_now(&c->w->loop), c->req_deadline) ? "request"
                                                                       : "backendRequest");
    if (c->st == GW_C_RESP_BODY)
        return gw_conn_abort(c);
    gw_conn_respond(c, 504, false);
    gw_conn_run(c); /* a pipelined request may be waiting */
}

static void
gw_conn_on_timer(struct ev_loop *loop, struct ev_timer *t)
{
    struct gw_conn *c = t->data;
    uint64_t now = ev_now(loop);

    if (gw_deadline_passed(now, c->req_deadline) || gw_deadline_passed(now, c->try_deadline))
        return gw_conn_deadline_expired(c);
    switch (c->st) {
    case GW_C_CONNECT:
        gw_eject(c->w, &c->ep);
        gw_conn_respond(c, 504, false);
        return gw_conn_run(c);
    case GW_C_RESP_HEAD:
        gw_conn_respond(c, 504, false);
        return gw_conn_run(c);
    case GW_C_HEAD:
        if (c->cin_len > 0) {
            c->keep_alive = false;
            gw_conn_respond(c, 408, true);
            return gw_conn_arm(c);
        }
        return gw_conn_close(c);
    default:
        return gw_conn_close(c);
    }
}

/* The admin endpoint: accept, parse one request, answer, close. */
#include "admin/admin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http.h"

#define ADMIN_REQ_MAX 16384
#define ADMIN_FIELDS 32

struct admin_conn {
    struct admin_server *srv;
    struct ev_io io;
    struct ev_timer timer;
    char req[ADMIN_REQ_MAX];
    size_t req_len;
    struct http_parser parser;
    struct http_field fields[ADMIN_FIELDS];
    char *resp; /* whole response, malloc'ed by open_memstream */
    size_t resp_len, resp_sent;
    bool waiting;    /* a POST /reload waiting for admin_reload_done() */
    uint64_t ticket; /* the load it waits for */
    struct admin_conn *next;
};

struct admin_server {
    struct ev_loop *loop;
    struct ev_io listen_io;
    struct admin_provider provider;
    struct http_limits limits;
    struct admin_conn *conns;
    size_t nconns;
    size_t nwaiting; /* conns with waiting set */
};

int
admin_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *sslen)
{
    char host[64];
    const char *colon;
    char *end;
    long port;

    memset(ss, 0, sizeof(*ss));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
            return -1;
        snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
            return -1;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
    }
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 1 || port > 65535)
        return -1;
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
        *sslen = sizeof(struct sockaddr_in);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
        *sslen = sizeof(struct sockaddr_in6);
        return 0;
    }
    return -1;
}

/* ---- connections -------------------------------------------------------- */

static void
admin_conn_close(struct admin_conn *c)
{
    struct admin_server *srv = c->srv;
    struct admin_conn **pp = &srv->conns;

    ev_io_stop(srv->loop, &c->io);
    ev_timer_stop(srv->loop, &c->timer);
    close(c->io.fd);
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    srv->nconns--;
    if (c->waiting)
        srv->nwaiting--;
    free(c->resp);
    free(c);
}

/* Builds the whole response in memory: admin answers are small or rare. */
static void
admin_respond(struct admin_conn *c, unsigned status, const char *type,
              void (*body)(struct admin_conn *c, FILE *out, void *arg), void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *b = open_memstream(&text, &len);
    FILE *r;

    if (b == NULL) {
        admin_conn_close(c);
        return;
    }
    if (body != NULL)
        body(c, b, arg);
    fclose(b);
    r = open_memstream(&c->resp, &c->resp_len);
    if (r == NULL) {
        free(text);
        admin_conn_close(c);
        return;
    }
    fprintf(r,
            "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            status, http_status_reason((uint16_t)status), type, len);
    if (c->parser.msg.method != HTTP_METHOD_HEAD) /* HEAD: the same head, no body */
        fwrite(text, 1, len, r);
    fclose(r);
    free(text);
    c->resp_sent = 0;
    ev_io_modify(c->srv->loop, &c->io, EV_WRITE);
}

static void
admin_body_text(struct admin_conn *c, FILE *out, void *arg)
{
    (void)c;
    fputs(arg, out);
}

static void
admin_body_status(struct admin_conn *c, FILE *out, void *arg)
{
    (void)arg;
    c->srv->provider.status_json(c->srv->provider.ctx, out);
}

static void
admin_body_metrics(struct admin_conn *c, FILE *out, void *arg)
{
    (void)arg;
    c->srv->provider.metrics(c->srv->provider.ctx, out);
}

static bool
admin_path_is(const struct admin_conn *c, const char *path)
{
    const struct http_msg *m = &c->parser.msg;
    size_t len = strlen(path);

    return m->path.len == len && memcmp(c->req + m->path.off, path, len) == 0;
}

static void
admin_respond_reload(struct admin_conn *c, int rc, const char *msg)
{
    char text[600];

    snprintf(text, sizeof(text), "%s\n", msg);
    admin_respond(c, rc == 0 ? 200 : 422, "text/plain", admin_body_text, text);
}

/* The answer comes now, or later from admin_reload_done() when the load
 * runs on another thread; the wait is bounded in count and in time. */
static void
admin_reload(struct admin_conn *c)
{
    struct admin_server *srv = c->srv;
    char msg[512] = "";
    uint64_t ticket = 0;
    int rc;

    if (srv->nwaiting >= ADMIN_RELOAD_WAITERS_MAX) {
        admin_respond(c, 503, "text/plain", admin_body_text,
                      "too many reload requests waiting; try again later\n");
        return;
    }
    rc = srv->provider.reload(srv->provider.ctx, &ticket, msg, sizeof(msg));
    if (rc != ADMIN_RELOAD_PENDING) {
        admin_respond_reload(c, rc, msg);
        return;
    }
    c->waiting = true;
    c->ticket = ticket;
    srv->nwaiting++;
    ev_timer_stop(srv->loop, &c->timer);
    if (ev_timer_start(srv->loop, &c->timer, ADMIN_RELOAD_WAIT_MS) != 0)
        admin_conn_close(c);
}

void
admin_reload_done(struct admin_server *srv, uint64_t ticket, int rc, const char *msg)
{
    struct admin_conn *c, *next;

    if (srv == NULL)
        return;
    for (c = srv->conns; c != NULL; c = next) {
        next = c->next; /* answering may close c */
        if (!c->waiting || c->ticket != ticket)
            continue;
        c->waiting = false;
        srv->nwaiting--;
        ev_timer_stop(srv->loop, &c->timer);
        if (ev_timer_start(srv->loop, &c->timer, ADMIN_TIMEOUT_MS) != 0) {
            admin_conn_close(c);
            continue;
        }
        admin_respond_reload(c, rc, msg);
    }
}

static void
admin_route(struct admin_conn *c)
{
    const struct admin_provider *p = &c->srv->provider;
    enum http_method method = c->parser.msg.method;
    bool get = method == HTTP_METHOD_GET || method == HTTP_METHOD_HEAD;

    if (admin_path_is(c, "/status") && get)
        admin_respond(c, 200, "application/json", admin_body_status, NULL);
    else if (admin_path_is(c, "/metrics") && get)
        admin_respond(c, 200, "text/plain; version=0.0.4", admin_body_metrics, NULL);
    else if (admin_path_is(c, "/ready") && get)
        admin_respond(c, p->ready(p->ctx) ? 200 : 503, "text/plain", admin_body_text,
                      p->ready(p->ctx) ? "ready\n" : "not ready\n");
    else if (admin_path_is(c, "/reload") && method == HTTP_METHOD_POST)
        admin_reload(c);
    else if (admin_path_is(c, "/status") || admin_path_is(c, "/metrics") ||
               admin_path_is(c, "/ready") || admin_path_is(c, "/reload"))
        admin_respond(c, 405, "text/plain", admin_body_text, "method not allowed\n");
    else
        admin_respond(c, 404, "text/plain", admin_body_text,
                      "not found: try /status, /metrics, /ready or POST /reload\n");
}

static void
admin_read(struct admin_conn *c)
{
    ssize_t n = read(c->io.fd, c->req + c->req_len, sizeof(c->req) - c->req_len);
    enum http_result r;

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        admin_conn_close(c);
        return;
    }
    if (n < 0)
        return;
    c->req_len += (size_t)n;
    r = http_parse(&c->parser, c->req, c->req_len);
    if (r == HTTP_AGAIN && c->req_len == sizeof(c->req))
        admin_respond(c, 431, "text/plain", admin_body_text, "request too large\n");
    else if (r == HTTP_ERROR) {
        char text[96];
        snprintf(text, sizeof(text), "bad request: %s\n", http_error_name(c->parser.error));
        admin_respond(c, http_error_status(c->parser.error), "text/plain", admin_body_text,
                      text);
    } else if (r == HTTP_DONE)
        admin_route(c); /* a request body, if any, is ignored: we close after answering */
}

static void
admin_write(struct admin_conn *c)
{
    while (c->resp_sent < c->resp_len) {
        ssize_t n = write(c->io.fd, c->resp + c->resp_sent, c->resp_len - c->resp_sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0)
            break;
        c->resp_sent += (size_t)n;
    }
    shutdown(c->io.fd, SHUT_WR);
    admin_conn_close(c);
}

/* A client waiting for its reload sends nothing more that we use; reading
 * tells when it goes away. End of input may be a half-close by a client that
 * still reads the answer: reading stops then, and only a hang-up (both
 * directions gone, reported whatever we watch) or an error closes. */
static void
admin_drain(struct admin_conn *c)
{
    char scratch[512];
    ssize_t n = read(c->io.fd, scratch, sizeof(scratch));

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0 || (n == 0 && c->io.events == 0) ||
        (n == 0 && ev_io_modify(c->srv->loop, &c->io, 0) != 0))
        admin_conn_close(c);
}

static void
admin_conn_event(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct admin_conn *c = io->data;

    (void)loop;
    if (c->resp != NULL) {
        if (revents & EV_WRITE)
            admin_write(c);
    } else if (c->waiting) {
        if (revents & EV_READ)
            admin_drain(c);
    } else if (revents & EV_READ) {
        admin_read(c);
    }
}

static void
admin_conn_timeout(struct ev_loop *loop, struct ev_timer *t)
{
    struct admin_conn *c = t->data;

    if (!c->waiting) {
        admin_conn_close(c);
        return;
    }
    /* The load goes on; this client is told so rather than cut off. */
    c->waiting = false;
    c->srv->nwaiting--;
    if (ev_timer_start(loop, &c->timer, ADMIN_TIMEOUT_MS) != 0) {
        admin_conn_close(c);
        return;
    }
    admin_respond(c, 503, "text/plain", admin_body_text,
                  "the reload is still running; see /status\n");
}

static void
admin_accept(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct admin_server *srv = io->data;

    (void)revents;
    for (;;) {
        int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct admin_conn *c;

        if (fd < 0)
            return;
        if (srv->nconns >= ADMIN_MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
            close(fd);
            continue;
        }
        c->srv = srv;
        http_parser_init(&c->parser, HTTP_REQUEST, &srv->limits, c->fields, ADMIN_FIELDS);
        ev_io_init(&c->io, fd, admin_conn_event, c);
        ev_timer_init(&c->timer, admin_conn_timeout, c);
        if (ev_io_start(loop, &c->io, EV_READ) != 0 ||
            ev_timer_start(loop, &c->timer, ADMIN_TIMEOUT_MS) != 0) {
            close(fd);
            free(c);
            continue;
        }
        c->next = srv->conns;
        srv->conns = c;
        srv->nconns++;
    }
}

/* ---- server ------------------------------------------------------------- */

struct admin_server *
admin_start(struct ev_loop *loop, const char *addr, const struct admin_provider *provider,
            char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    unsigned sslen;
    struct admin_server *srv;
    int fd, one = 1;

    if (admin_parse_addr(addr, &ss, &sslen) != 0) {
        snprintf(err, errlen, "invalid admin address \"%s\" (want IP:PORT)", addr);
        return NULL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 64) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->loop = loop;
    srv->provider = *provider;
    http_limits_default(&srv->limits);
    srv->limits.head_max = ADMIN_REQ_MAX;
    ev_io_init(&srv->listen_io, fd, admin_accept, srv);
    if (ev_io_start(loop, &srv->listen_io, EV_READ) != 0) {
        snprintf(err, errlen, "cannot watch the admin socket: %s", strerror(errno));
        close(fd);
        free(srv);
        return NULL;
    }
    return srv;
}

void
admin_stop(struct admin_server *srv)
{
    if (srv == NULL)
        return;
    while (srv->conns != NULL)
        admin_conn_close(srv->conns);
    ev_io_stop(srv->loop, &srv->listen_io);
    close(srv->listen_io.fd);
    free(srv);
}

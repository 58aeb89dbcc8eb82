/*
 * admin/: the admin endpoint (docs/cli.md): GET /status (JSON), GET
 * /metrics (Prometheus text), GET /ready, POST /reload, on loopback unless
 * told otherwise. It runs on the control thread's event loop and renders
 * nothing itself: the runtime provides the content through admin_provider,
 * so admin/ knows neither plans nor sessions.
 *
 * One request per connection (the response says Connection: close), at
 * most ADMIN_MAX_CONNS at once, each closed after ADMIN_TIMEOUT_MS.
 */
#ifndef METALGATE_ADMIN_H
#define METALGATE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/evloop.h"

#define ADMIN_DEFAULT_ADDR "127.0.0.1:9901"
#define ADMIN_MAX_CONNS 64
#define ADMIN_TIMEOUT_MS 10000
/* POST /reload connections waiting for their load, at most; more get 503. */
#define ADMIN_RELOAD_WAITERS_MAX 16
/* How long one waits for its load before it gets 503 (a load of 1,000,000
 * Services takes about 15 s). */
#define ADMIN_RELOAD_WAIT_MS (5 * 60 * 1000)

/* What provider.reload returns when the answer comes later (admin_reload_done). */
#define ADMIN_RELOAD_PENDING 1

struct admin_provider {
    void *ctx;
    void (*status_json)(void *ctx, FILE *out); /* GET /status */
    void (*metrics)(void *ctx, FILE *out);     /* GET /metrics */
    bool (*ready)(void *ctx);                  /* GET /ready: 200 or 503 */
    /*
     * POST /reload: 0 when the new configuration is running, -1 when the old
     * one stays (msg says why), or ADMIN_RELOAD_PENDING with *ticket set: the
     * connection then waits until admin_reload_done() is called with that
     * ticket.
     */
    int (*reload)(void *ctx, uint64_t *ticket, char *msg, size_t len);
};

struct admin_server;

/*
 * Listens on addr ("IP:PORT" or "[IPv6]:PORT") and serves on loop. Returns
 * NULL with a reason in err when the address is invalid or cannot be bound.
 */
struct admin_server *admin_start(struct ev_loop *loop, const char *addr,
                                 const struct admin_provider *provider, char *err, size_t errlen);
void admin_stop(struct admin_server *srv);

/*
 * Answers every POST /reload waiting for ticket: 200 when rc is 0, else 422,
 * with msg (a line, without its newline) as the body. Connections whose
 * client went away meanwhile are already closed. Call on the loop's thread.
 */
void admin_reload_done(struct admin_server *srv, uint64_t ticket, int rc, const char *msg);

/* Parses "IP:PORT" / "[IPv6]:PORT" into a socket address. Returns 0 or -1. */
struct sockaddr_storage;
int admin_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *sslen);

#endif

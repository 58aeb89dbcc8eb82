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
#include <stdio.h>

#include "core/evloop.h"

#define ADMIN_DEFAULT_ADDR "127.0.0.1:9901"
#define ADMIN_MAX_CONNS 64
#define ADMIN_TIMEOUT_MS 10000

struct admin_provider {
    void *ctx;
    void (*status_json)(void *ctx, FILE *out); /* GET /status */
    void (*metrics)(void *ctx, FILE *out);     /* GET /metrics */
    bool (*ready)(void *ctx);                  /* GET /ready: 200 or 503 */
    /* POST /reload: 0 when the new configuration is running; msg says why not. */
    int (*reload)(void *ctx, char *msg, size_t len);
};

struct admin_server;

/*
 * Listens on addr ("IP:PORT" or "[IPv6]:PORT") and serves on loop. Returns
 * NULL with a reason in err when the address is invalid or cannot be bound.
 */
struct admin_server *admin_start(struct ev_loop *loop, const char *addr,
                                 const struct admin_provider *provider, char *err, size_t errlen);
void admin_stop(struct admin_server *srv);

/* Parses "IP:PORT" / "[IPv6]:PORT" into a socket address. Returns 0 or -1. */
struct sockaddr_storage;
int admin_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *sslen);

#endif

/*
 * Gateway snapshots: immutable configuration shared by the worker threads,
 * freed by whoever drops the last reference (a worker finishing the last
 * request of an old configuration, or the control thread).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/proxy.h"

struct gw_snapshot *
gw_snapshot_new(uint64_t generation)
{
    struct gw_snapshot *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    atomic_init(&s->refs, 1);
    s->generation = generation;
    arena_init(&s->arena, 64 * 1024, 0);
    return s;
}

struct gw_snapshot *
gw_snapshot_ref(struct gw_snapshot *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

static void
gw_snapshot_destroy(struct gw_snapshot *s)
{
    for (size_t i = 0; i < s->n_ports; i++) {
        struct gw_port *p = &s->ports[i];

        gw_listeners_free(p->select);
        for (uint32_t j = 0; j < p->n_listeners; j++)
            gw_table_free(p->listeners[j].table);
    }
    arena_free(&s->arena);
    free(s);
}

void
gw_snapshot_unref(struct gw_snapshot *s)
{
    if (s == NULL)
        return;
    /* acq_rel: the freeing thread must see every write made under the other references. */
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        gw_snapshot_destroy(s);
}

const struct gw_port *
gw_snapshot_port(const struct gw_snapshot *s, const struct ip_addr *addr, uint16_t port)
{
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i].port == port && ip_addr_equal(&s->ports[i].addr, addr))
            return &s->ports[i];
    return NULL;
}

void
gw_endpoint_set(struct gw_endpoint *e, const struct ip_addr *a, uint16_t port)
{
    memset(e, 0, sizeof(*e));
    if (a->family == IP_FAMILY_V4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&e->sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        s4->sin_addr.s_addr = htonl((uint32_t)a->v);
        e->len = sizeof(*s4);
        return;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&e->sa;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    for (int i = 0; i < 16; i++)
        s6->sin6_addr.s6_addr[i] = (uint8_t)(a->v >> (8 * (15 - i)));
    e->len = sizeof(*s6);
}

/*
 * One BGP peer's connection: executes the actions bgp_fsm_step() returns
 * (connect, send, timers, session up/down) and turns what the socket does
 * into FSM events. Everything runs on the control loop; events never nest:
 * a step that must follow an action (a connect that failed at once) is
 * deferred to a 0 ms timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "runtime/speaker.h"

/* Output queued beyond this waits for the socket before more UPDATEs are made. */
#define RT_PEER_WBUF_HIGH (256 * 1024)

static void rt_peer_step(struct rt_peer *peer, const struct bgp_event *ev);

static void
rt_peer_log(const struct rt_peer *peer, enum log_level lvl, const char *what)
{
    char a[IP_STRLEN];

    log_msg(lvl, "bgp", "peer %s (%s): %s", peer->conf.name, ip_format(&peer->conf.address, a),
            what);
}

static void
rt_peer_event(struct rt_peer *peer, enum bgp_event_type type)
{
    struct bgp_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    rt_peer_step(peer, &ev);
}

/* ---- socket addresses ---------------------------------------------------- */

static socklen_t
rt_sockaddr(const struct ip_addr *ip, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (ip->family == IP_FAMILY_V4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl((uint32_t)ip->v);
        return sizeof(*sin);
    }
    {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        for (int i = 0; i < 16; i++)
            sin6->sin6_addr.s6_addr[i] = (uint8_t)(ip->v >> (8 * (15 - i)));
        return sizeof(*sin6);
    }
}

/* ---- output ------------------------------------------------------------- */

static int
rt_peer_queue(struct rt_peer *peer, const uint8_t *msg, size_t len)
{
    /* Keep the queue at the front of the buffer so it never outgrows what
     * is queued (a long table would otherwise grow it by all it ever sent). */
    if (peer->woff > 0 && (peer->woff == peer->wlen || peer->wlen + len > peer->wcap)) {
        memmove(peer->wbuf, peer->wbuf + peer->woff, peer->wlen - peer->woff);
        peer->wlen -= peer->woff;
        peer->woff = 0;
    }
    if (peer->wlen + len > peer->wcap) {
        size_t cap = peer->wcap ? peer->wcap : 16384;
        uint8_t *p;
        while (cap < peer->wlen + len)
            cap *= 2;
        p = realloc(peer->wbuf, cap);
        if (p == NULL)
            return -1;
        peer->wbuf = p;
        peer->wcap = cap;
    }
    memcpy(peer->wbuf + peer->wlen, msg, len);
    peer->wlen += len;
    return 0;
}

/* Writes what the socket takes; returns -1 when the connection broke. */
static int
rt_peer_flush(struct rt_peer *peer)
{
    while (peer->fd >= 0 && peer->woff < peer->wlen) {
        ssize_t n = send(peer->fd, peer->wbuf + peer->woff, peer->wlen - peer->woff,
                         MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return -1;
        peer->woff += (size_t)n;
    }
    if (peer->fd >= 0 && !peer->connecting)
        ev_io_modify(peer->sp->loop, &peer->io,
                     EV_READ | (peer->woff < peer->wlen ? EV_WRITE : 0));
    return 0;
}

static void
rt_peer_close_fd(struct rt_peer *peer)
{
    if (peer->fd < 0)
        return;
    ev_io_stop(peer->sp->loop, &peer->io);
    close(peer->fd);
    peer->fd = -1;
    peer->conn_gen++;
    peer->connecting = false;
    peer->rlen = 0;
    peer->wlen = peer->woff = 0;
}

void
rt_peer_pump(struct rt_peer *peer)
{
    uint8_t msg[BGP_MAX_MSG_LEN];
    size_t n;

    /* Fill the queue, give it to the socket, and go on while the socket
     * takes everything: with nothing left queued no EV_WRITE is armed, so
     * stopping then would stall the rest of the table until some timer. */
    for (;;) {
        size_t batch = 0;
        bool room;

        if (peer->fd < 0 || peer->fsm.state != BGP_STATE_ESTABLISHED)
            return;
        /* Called on EV_WRITE the queue may still be full: nothing is added
         * before the flush, and that is no reason to stop after it. */
        room = peer->wlen - peer->woff < RT_PEER_WBUF_HIGH;
        while (peer->wlen - peer->woff < RT_PEER_WBUF_HIGH && bgp_adj_out_pending(peer->rib) &&
               (n = bgp_adj_out_next(peer->rib, &peer->uctx, msg, sizeof(msg))) > 0) {
            if (rt_peer_queue(peer, msg, n) != 0)
                break;
            batch++;
        }
        if (batch > 0) {
            /* The FSM restarts its KEEPALIVE timer, and its step flushes.
             * That flush may empty the queue (the peer read meanwhile) and
             * disarm EV_WRITE: so the checks below come after it, never
             * before (they once did, and a 1,000,000-route table waited
             * for the next KEEPALIVE, 30 s, one start in four). */
            peer->updates_sent += batch;
            rt_peer_event(peer, BGP_EV_UPDATE_SENT);
        } else if (rt_peer_flush(peer) != 0) {
            rt_peer_close_fd(peer);
            rt_peer_event(peer, BGP_EV_TCP_FAILS);
            return;
        }
        if (peer->fd < 0 || peer->fsm.state != BGP_STATE_ESTABLISHED)
            return; /* the step closed the connection */
        if (peer->woff < peer->wlen || !bgp_adj_out_pending(peer->rib))
            return; /* done, or the socket is full and EV_WRITE will call us again */
        if (batch == 0 && room)
            return; /* routes pending but none could be queued: do not spin */
    }
}

/* ---- actions ------------------------------------------------------------ */

static void rt_peer_io(struct ev_loop *loop, struct ev_io *io, unsigned revents);

static int
rt_peer_socket_options(struct rt_peer *peer, int fd)
{
    const struct rt_peer_conf *c = &peer->conf;
    int v6 = c->address.family == IP_FAMILY_V6, one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (c->password[0] != '\0') {
        struct tcp_md5sig md5;
        memset(&md5, 0, sizeof(md5));
        rt_sockaddr(&c->address, 0, &md5.tcpm_addr);
        md5.tcpm_keylen = (uint16_t)strlen(c->password);
        memcpy(md5.tcpm_key, c->password, md5.tcpm_keylen);
        if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)) != 0)
            return -1;
    }
    /* Single-hop eBGP: TTL 1 unless ebgpMultiHop, as FRR and BIRD default. */
    if (c->asn != c->my_asn && c->dynamic_asn != BGP_DYNAMIC_ASN_INTERNAL && !c->ebgp_multihop) {
        int ttl = 1;
        if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl,
                       sizeof(ttl)) != 0)
            return -1;
    }
    if (c->has_source) {
        struct sockaddr_storage src;
        socklen_t len = rt_sockaddr(&c->source, 0, &src);
        if (bind(fd, (struct sockaddr *)&src, len) != 0)
            return -1;
    }
    return 0;
}

static void
rt_peer_connect(struct rt_peer *peer)
{
    struct sockaddr_storage ss;
    socklen_t len = rt_sockaddr(&peer->conf.address, peer->conf.port, &ss);
    int fd;
    char why[160];

    rt_peer_close_fd(peer);
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || rt_peer_socket_options(peer, fd) != 0 ||
        (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS)) {
        snprintf(why, sizeof(why), "cannot connect: %s", strerror(errno));
        snprintf(peer->last_error, sizeof(peer->last_error), "%s", why);
        rt_peer_log(peer, LOG_WARN, why);
        if (fd >= 0)
            close(fd);
        ev_timer_start(peer->sp->loop, &peer->failed, 0);
        return;
    }
    peer->fd = fd;
    peer->connecting = true;
    ev_io_init(&peer->io, fd, rt_peer_io, peer);
    ev_io_start(peer->sp->loop, &peer->io, EV_WRITE);
}

static void
rt_peer_session_up(struct rt_peer *peer)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    uint32_t families = 0;
    char msg[200];

    memset(&peer->uctx, 0, sizeof(peer->uctx));
    peer->uctx.local_as = peer->conf.my_asn;
    peer->uctx.ebgp = peer->fsm.session.ebgp;
    peer->uctx.as4 = peer->fsm.session.as4;
    peer->dctx.as4 = peer->fsm.session.as4;
    peer->dctx.ebgp = peer->fsm.session.ebgp;
    if (getsockname(peer->fd, (struct sockaddr *)&local, &len) == 0) {
        if (local.ss_family == AF_INET) {
            memcpy(peer->uctx.nh4, &((struct sockaddr_in *)&local)->sin_addr, 4);
            peer->uctx.has_nh4 = true;
        } else {
            const uint8_t *a = ((struct sockaddr_in6 *)&local)->sin6_addr.s6_addr;
            memcpy(peer->uctx.nh6, a, 16);
            peer->uctx.has_nh6 = true;
            if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) { /* link-local session */
                memcpy(peer->uctx.nh6_ll, a, 16);
                peer->uctx.has_nh6_ll = true;
            }
        }
    }
    /* A family goes out only with a next hop of its own family: an IPv4
     * session carries IPv4 routes, an IPv6 session IPv6 routes. */
    if (peer->uctx.has_nh4)
        families |= BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST);
    if (peer->uctx.has_nh6)
        families |= BGP_FAMILY_BIT(BGP_FAMILY_IPV6_UNICAST);
    families &= peer->fsm.session.families;
    peer->established_at_ns = (uint64_t)time(NULL) * 1000000000u;
    peer->last_error[0] = '\0';
    snprintf(msg, sizeof(msg), "established (peer AS %u, hold %us, %s)",
             peer->fsm.session.peer_as, peer->fsm.session.hold_time,
             peer->fsm.session.ebgp ? "eBGP" : "iBGP");
    rt_peer_log(peer, LOG_INFO, msg);
    if (bgp_adj_out_session_up(peer->rib, families) != 0) {
        struct bgp_event ev = {.type = BGP_EV_MANUAL_STOP, .cease_subcode = BGP_CEASE_OUT_OF_RESOURCES};
        rt_peer_step(peer, &ev);
    }
}

static void
rt_peer_send(struct rt_peer *peer, size_t len, const uint8_t *msg)
{
    if (len == 0 || rt_peer_queue(peer, msg, len) != 0)
        rt_peer_log(peer, LOG_ERROR, "cannot queue a message");
}

static void
rt_peer_run(struct rt_peer *peer, const struct bgp_actions *acts)
{
    uint8_t msg[BGP_MAX_MSG_LEN];
    struct bgp_open open;
    char text[300];

    for (size_t i = 0; i < acts->n; i++) {
        const struct bgp_action *a = &acts->v[i];
        switch (a->type) {
        case BGP_ACT_CONNECT:
            rt_peer_connect(peer);
            break;
        case BGP_ACT_CLOSE:
            rt_peer_flush(peer);
            rt_peer_close_fd(peer);
            break;
        case BGP_ACT_SEND_OPEN:
            bgp_fsm_local_open(&peer->fsm, &open);
            rt_peer_send(peer, bgp_open_encode(&open, msg, sizeof(msg)), msg);
            break;
        case BGP_ACT_SEND_KEEPALIVE:
            rt_peer_send(peer, bgp_keepalive_encode(msg, sizeof(msg)), msg);
            break;
        case BGP_ACT_SEND_NOTIFICATION:
            rt_peer_send(peer, bgp_notification_encode(&acts->notify, msg, sizeof(msg)), msg);
            peer->notifications_sent++;
            snprintf(peer->last_error, sizeof(peer->last_error), "sent NOTIFICATION %s",
                     bgp_notify_format(&acts->notify, text, sizeof(text)));
            rt_peer_log(peer, LOG_WARN, peer->last_error);
            break;
        case BGP_ACT_TIMER_START:
            ev_timer_start(peer->sp->loop, &peer->timers[a->timer], a->ms);
            break;
        case BGP_ACT_TIMER_STOP:
            ev_timer_stop(peer->sp->loop, &peer->timers[a->timer]);
            break;
        case BGP_ACT_SESSION_UP:
            rt_peer_session_up(peer);
            break;
        case BGP_ACT_SESSION_DOWN:
            bgp_adj_out_session_down(peer->rib);
            peer->established_at_ns = 0;
            rt_peer_log(peer, LOG_INFO, "session down");
            break;
        case BGP_ACT_COUNT:
            break;
        }
    }
}

static void
rt_peer_step(struct rt_peer *peer, const struct bgp_event *ev)
{
    struct bgp_actions acts;

    bgp_fsm_step(&peer->fsm, ev, &acts);
    if (acts.from != acts.to) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s -> %s (%s)", bgp_state_name(acts.from),
                 bgp_state_name(acts.to), bgp_event_name(ev->type));
        rt_peer_log(peer, acts.to == BGP_STATE_ESTABLISHED ? LOG_INFO : LOG_DEBUG, msg);
    }
    rt_peer_run(peer, &acts);
    if (rt_peer_flush(peer) != 0) {
        rt_peer_close_fd(peer);
        rt_peer_event(peer, BGP_EV_TCP_FAILS);
        return;
    }
    if (peer->fsm.state == BGP_STATE_ESTABLISHED && ev->type != BGP_EV_UPDATE_SENT)
        rt_peer_pump(peer);
}

/* ---- input -------------------------------------------------------------- */

static void
rt_peer_message(struct rt_peer *peer, const uint8_t *buf, size_t len)
{
    struct bgp_msg m;
    struct bgp_error err;
    struct bgp_event ev;
    char text[300];

    memset(&ev, 0, sizeof(ev));
    if (bgp_msg_decode(&peer->dctx, buf, len, &m, &err) != 0) {
        ev.type = bgp_fault_event(buf[18]);
        ev.notify = &err.notify;
        rt_peer_step(peer, &ev);
        return;
    }
    switch (m.type) {
    case BGP_MSG_OPEN:
        ev.type = BGP_EV_OPEN;
        ev.open = &m.u.open;
        break;
    case BGP_MSG_KEEPALIVE:
        peer->keepalives_received++;
        ev.type = BGP_EV_KEEPALIVE;
        break;
    case BGP_MSG_UPDATE:
        /* We originate only: the peer's routes are counted and dropped. */
        peer->updates_received++;
        for (int f = 0; f < BGP_FAMILY_COUNT; f++)
            peer->prefixes_received += m.u.update.announced[f];
        ev.type = BGP_EV_UPDATE;
        break;
    case BGP_MSG_NOTIFICATION:
        peer->notifications_received++;
        snprintf(peer->last_error, sizeof(peer->last_error), "received NOTIFICATION %s",
                 bgp_notify_format(&m.u.notify, text, sizeof(text)));
        rt_peer_log(peer, LOG_WARN, peer->last_error);
        ev.type = BGP_EV_NOTIF;
        ev.notify = &m.u.notify;
        break;
    case BGP_MSG_ROUTE_REFRESH: {
        /* RFC 2918: a request for a family that was not negotiated is ignored. */
        const struct bgp_route_refresh *rr = &m.u.refresh;
        int f = rr->safi != 1 ? -1 : rr->afi == 1 ? BGP_FAMILY_IPV4_UNICAST
                                   : rr->afi == 2 ? BGP_FAMILY_IPV6_UNICAST : -1;
        ev.type = BGP_EV_ROUTE_REFRESH;
        if (f >= 0 && peer->fsm.state == BGP_STATE_ESTABLISHED && rr->subtype == 0 &&
            (peer->fsm.session.families & BGP_FAMILY_BIT(f)))
            bgp_adj_out_refresh(peer->rib, (enum bgp_family)f);
        break;
    }
    default:
        return;
    }
    rt_peer_step(peer, &ev);
}

/* Reads what is there and hands every whole message to the FSM. */
static void
rt_peer_read(struct rt_peer *peer)
{
    uint32_t gen = peer->conn_gen;

    for (;;) {
        ssize_t n = read(peer->fd, peer->rbuf + peer->rlen, sizeof(peer->rbuf) - peer->rlen);
        size_t off = 0;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            snprintf(peer->last_error, sizeof(peer->last_error), "connection %s",
                     n == 0 ? "closed by the peer" : strerror(errno));
            rt_peer_log(peer, LOG_WARN, peer->last_error);
            rt_peer_close_fd(peer);
            rt_peer_event(peer, BGP_EV_TCP_FAILS);
            return;
        }
        peer->rlen += (size_t)n;
        while (peer->conn_gen == gen) {
            struct bgp_header hdr;
            struct bgp_error err;
            int r = bgp_frame(peer->rbuf + off, peer->rlen - off, &hdr, &err);
            if (r == BGP_FRAME_NEED_MORE)
                break;
            if (r == BGP_FRAME_ERROR) {
                struct bgp_event ev = {.type = BGP_EV_HEADER_ERR, .notify = &err.notify};
                rt_peer_step(peer, &ev);
                return;
            }
            rt_peer_message(peer, peer->rbuf + off, hdr.length);
            off += hdr.length;
        }
        if (peer->conn_gen != gen)
            return; /* the connection closed (and maybe reopened) meanwhile */
        memmove(peer->rbuf, peer->rbuf + off, peer->rlen - off);
        peer->rlen -= off;
    }
}

static void
rt_peer_io(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct rt_peer *peer = io->data;

    (void)loop;
    if (peer->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(peer->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            snprintf(peer->last_error, sizeof(peer->last_error), "cannot connect: %s",
                     strerror(err));
            rt_peer_log(peer, LOG_DEBUG, peer->last_error);
            rt_peer_close_fd(peer);
            rt_peer_event(peer, BGP_EV_TCP_FAILS);
            return;
        }
        peer->connecting = false;
        ev_io_modify(peer->sp->loop, &peer->io, EV_READ);
        rt_peer_event(peer, BGP_EV_TCP_CONFIRMED);
        return;
    }
    if (revents & EV_READ)
        rt_peer_read(peer);
    if (peer->fd < 0 || !(revents & EV_WRITE))
        return;
    if (peer->fsm.state == BGP_STATE_ESTABLISHED) {
        rt_peer_pump(peer);
    } else if (rt_peer_flush(peer) != 0) { /* an OPEN or NOTIFICATION left over */
        rt_peer_close_fd(peer);
        rt_peer_event(peer, BGP_EV_TCP_FAILS);
    }
}

/* ---- timers and lifecycle ----------------------------------------------- */

static void
rt_peer_timer(struct ev_loop *loop, struct ev_timer *t)
{
    static const enum bgp_event_type events[BGP_TIMER_COUNT] = {
        [BGP_TIMER_CONNECT_RETRY] = BGP_EV_CONNECT_RETRY_EXPIRES,
        [BGP_TIMER_HOLD] = BGP_EV_HOLD_EXPIRES,
        [BGP_TIMER_KEEPALIVE] = BGP_EV_KEEPALIVE_EXPIRES,
        [BGP_TIMER_IDLE_HOLD] = BGP_EV_IDLE_HOLD_EXPIRES,
    };
    struct rt_peer *peer = t->data;

    (void)loop;
    if (t == &peer->timers[BGP_TIMER_HOLD])
        snprintf(peer->last_error, sizeof(peer->last_error), "hold timer expired");
    if (t == &peer->timers[BGP_TIMER_CONNECT_RETRY] && peer->connecting) {
        /* Silence is what a TCP-MD5 mismatch looks like: say so. */
        snprintf(peer->last_error, sizeof(peer->last_error),
                 "no TCP connection within %us (peer down, port filtered, or a TCP-MD5 "
                 "password mismatch)", peer->fsm.cfg.connect_retry);
        rt_peer_log(peer, LOG_WARN, peer->last_error);
    }
    rt_peer_event(peer, events[t - peer->timers]);
}

static void
rt_peer_connect_failed(struct ev_loop *loop, struct ev_timer *t)
{
    (void)loop;
    rt_peer_event(t->data, BGP_EV_TCP_FAILS);
}

/* The BGP identifier: routerID, else the IPv4 source towards the peer, else
 * a hash of the node name (MetalLB's fallback order, made deterministic). */
static uint32_t
rt_router_id(const struct rt_speaker *sp, const struct rt_peer_conf *c)
{
    uint32_t h = 2166136261u;

    if (c->has_router_id && c->router_id.family == IP_FAMILY_V4)
        return (uint32_t)c->router_id.v;
    if (c->has_source && c->source.family == IP_FAMILY_V4)
        return (uint32_t)c->source.v;
    if (c->address.family == IP_FAMILY_V4) {
        struct sockaddr_storage ss, local;
        socklen_t len = rt_sockaddr(&c->address, c->port, &ss), llen = sizeof(local);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        uint32_t id = 0;
        if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) == 0 &&
            getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
            id = ntohl(((struct sockaddr_in *)&local)->sin_addr.s_addr);
        if (fd >= 0)
            close(fd);
        if (id != 0)
            return id;
    }
    for (const char *p = sp->node; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h ? h : 1;
}

struct rt_peer *
rt_peer_new(struct rt_speaker *sp, const struct rt_peer_conf *conf)
{
    struct rt_peer *peer = calloc(1, sizeof(*peer));
    struct bgp_fsm_config cfg;
    const char *bad;

    if (peer == NULL)
        return NULL;
    peer->sp = sp;
    peer->conf = *conf;
    peer->fd = -1;
    bgp_fsm_config_default(&cfg);
    cfg.local_as = conf->my_asn;
    cfg.peer_as = conf->asn;
    cfg.dynamic_asn = conf->dynamic_asn;
    cfg.router_id = rt_router_id(sp, conf);
    cfg.hold_time = (uint16_t)conf->hold_time;
    cfg.keepalive = (uint16_t)conf->keepalive_time;
    if (conf->connect_time > 0)
        cfg.connect_retry = (uint16_t)conf->connect_time;
    cfg.graceful_restart = conf->graceful_restart;
    cfg.gr_time = sp->gr_time;
    cfg.gr_flags = sp->restarted ? BGP_GR_RESTART_STATE : 0;
    cfg.gr_forwarding = conf->graceful_restart;
    bad = bgp_fsm_config_check(&cfg);
    peer->rib = bgp_adj_out_new(sp->pool);
    if (bad != NULL || peer->rib == NULL) {
        snprintf(peer->last_error, sizeof(peer->last_error), "cannot run: %s",
                 bad ? bad : "out of memory");
        rt_peer_log(peer, LOG_ERROR, peer->last_error);
        bgp_adj_out_free(peer->rib);
        free(peer);
        return NULL;
    }
    bgp_fsm_init(&peer->fsm, &cfg);
    for (int t = 0; t < BGP_TIMER_COUNT; t++)
        ev_timer_init(&peer->timers[t], rt_peer_timer, peer);
    ev_timer_init(&peer->failed, rt_peer_connect_failed, peer);
    return peer;
}

void
rt_peer_start(struct rt_peer *peer)
{
    rt_peer_event(peer, BGP_EV_MANUAL_START);
}

void
rt_peer_stop(struct rt_peer *peer, uint8_t cease_subcode, const char *text)
{
    struct bgp_event ev = {.type = BGP_EV_MANUAL_STOP, .cease_subcode = cease_subcode,
                           .text = text};

    rt_peer_step(peer, &ev);
}

void
rt_peer_free(struct rt_peer *peer)
{
    if (peer == NULL)
        return;
    for (int t = 0; t < BGP_TIMER_COUNT; t++)
        ev_timer_stop(peer->sp->loop, &peer->timers[t]);
    ev_timer_stop(peer->sp->loop, &peer->failed);
    rt_peer_close_fd(peer);
    bgp_adj_out_free(peer->rib);
    free(peer->wbuf);
    free(peer);
}

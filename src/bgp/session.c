/*
 * What the FSM needs around it: configuration defaults and checks, the OPEN
 * we send, the checks of the OPEN we receive (RFC 4271 6.2, RFC 6286,
 * RFC 7607) and the negotiation of what the session uses.
 */
#include <string.h>

#include "bgp/internal.h"

void
bgp_fsm_config_default(struct bgp_fsm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->hold_time = BGP_DEFAULT_HOLD_TIME;
    cfg->connect_retry = BGP_DEFAULT_CONNECT_RETRY;
    cfg->open_hold = BGP_DEFAULT_OPEN_HOLD;
    cfg->backoff_initial_ms = BGP_DEFAULT_BACKOFF_INITIAL_MS;
    cfg->backoff_max_ms = BGP_DEFAULT_BACKOFF_MAX_MS;
    cfg->families = BGP_FAMILIES_ALL;
    cfg->gr_time = 120;
}

const char *
bgp_fsm_config_check(const struct bgp_fsm_config *cfg)
{
    if (cfg->local_as == 0)
        return "local AS must not be 0";
    if (cfg->dynamic_asn == BGP_DYNAMIC_ASN_NONE && cfg->peer_as == 0)
        return "peer AS must not be 0 without dynamic ASN";
    if (cfg->dynamic_asn != BGP_DYNAMIC_ASN_NONE && cfg->peer_as != 0)
        return "peer AS and dynamic ASN are exclusive";
    if (cfg->router_id == 0)
        return "router ID must not be 0";
    if (cfg->hold_time == 1 || cfg->hold_time == 2)
        return "hold time must be 0 or >= 3";
    if (cfg->hold_time > 0 && cfg->keepalive > cfg->hold_time)
        return "keepalive must not exceed the hold time";
    if (cfg->connect_retry == 0 || cfg->open_hold < 3)
        return "connect retry must be >= 1 s and the OPEN hold time >= 3 s";
    if (cfg->backoff_initial_ms == 0 || cfg->backoff_initial_ms > cfg->backoff_max_ms)
        return "backoff must start above 0 and not above its maximum";
    if (cfg->families == 0 || (cfg->families & ~BGP_FAMILIES_ALL) != 0)
        return "families must be IPv4 and/or IPv6 unicast";
    if (cfg->gr_time > BGP_GR_MAX_TIME || cfg->gr_flags > 0xf)
        return "graceful restart time must be <= 4095 s";
    return NULL;
}

void
bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_config *cfg)
{
    memset(fsm, 0, sizeof(*fsm));
    fsm->cfg = *cfg;
    fsm->state = BGP_STATE_IDLE;
    fsm->backoff_ms = cfg->backoff_initial_ms;
}

void
bgp_fsm_local_open(const struct bgp_fsm *fsm, struct bgp_open *out)
{
    const struct bgp_fsm_config *cfg = &fsm->cfg;

    memset(out, 0, sizeof(*out));
    out->version = BGP_VERSION;
    out->as = cfg->local_as;
    out->as16 = cfg->local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)cfg->local_as;
    out->hold_time = cfg->hold_time;
    out->bgp_id = cfg->router_id;
    out->has_mp = true;
    out->families = cfg->families;
    out->as4 = true;
    out->route_refresh = true;
    out->graceful_restart = cfg->graceful_restart;
    if (cfg->graceful_restart) {
        out->gr_flags = cfg->gr_flags;
        out->gr_time = cfg->gr_time;
        out->gr_families = cfg->families;
        out->gr_forwarding = cfg->gr_forwarding ? cfg->families : 0;
    }
}

/* Returns true when the peer's AS is the one configured (RFC 4271 6.2). */
static bool
bgp_peer_as_ok(const struct bgp_fsm_config *cfg, uint32_t as)
{
    if (as == 0) /* RFC 7607 */
        return false;
    switch (cfg->dynamic_asn) {
    case BGP_DYNAMIC_ASN_INTERNAL:
        return as == cfg->local_as;
    case BGP_DYNAMIC_ASN_EXTERNAL:
        return as != cfg->local_as;
    default:
        return as == cfg->peer_as;
    }
}

enum bgp_fault
bgp_open_check(const struct bgp_fsm_config *cfg, const struct bgp_open *peer, struct bgp_error *err)
{
    bool ibgp = peer->as == cfg->local_as;

    bgp_error_clear(err);
    /* In RFC 4271 6.2 order; no data for any of them. */
    if (!bgp_peer_as_ok(cfg, peer->as))
        bgp_fault_raise(err, BGP_FAULT_OPEN_PEER_AS, NULL, 0);
    else if (peer->hold_time == 1 || peer->hold_time == 2)
        bgp_fault_raise(err, BGP_FAULT_OPEN_HOLD_TIME, NULL, 0);
    else if (peer->bgp_id == 0 || (ibgp && peer->bgp_id == cfg->router_id))
        bgp_fault_raise(err, BGP_FAULT_OPEN_BGP_ID, NULL, 0); /* RFC 6286 2.2 */
    return err->fault;
}

void
bgp_negotiate(const struct bgp_fsm_config *cfg, const struct bgp_open *peer, struct bgp_session *s)
{
    uint16_t hold = cfg->hold_time < peer->hold_time ? cfg->hold_time : peer->hold_time;
    uint16_t ka = (uint16_t)(hold / 3);

    memset(s, 0, sizeof(*s));
    s->peer_as = peer->as;
    s->peer_id = peer->bgp_id;
    s->ebgp = peer->as != cfg->local_as;
    s->hold_time = hold;
    if (cfg->keepalive != 0 && cfg->keepalive < ka)
        ka = cfg->keepalive;
    s->keepalive = hold > 0 ? ka : 0;
    s->as4 = peer->as4; /* we always offer it */
    s->route_refresh = peer->route_refresh;
    /* RFC 4760 8: a peer without any multiprotocol capability speaks IPv4
     * unicast only. */
    s->families =
        cfg->families & (peer->has_mp ? peer->families : BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    s->peer_gr = peer->graceful_restart;
    s->peer_gr_time = peer->gr_time;
    s->peer_gr_flags = peer->gr_flags;
}

/* -------------------------------------------------------------- names */

/* As RFC 4271 8 spells them. */
static const char *const bgp_state_names[BGP_STATE_COUNT] = {
    "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
};

static const char *const bgp_event_names[BGP_EV_COUNT] = {
    "ManualStart",
    "ManualStop",
    "ConnectRetryTimer_Expires",
    "HoldTimer_Expires",
    "KeepaliveTimer_Expires",
    "IdleHoldTimer_Expires",
    "TcpConnectionConfirmed",
    "TcpConnectionFails",
    "BGPOpen",
    "BGPHeaderErr",
    "BGPOpenMsgErr",
    "NotifMsg",
    "KeepAliveMsg",
    "UpdateMsg",
    "UpdateMsgErr",
    "RouteRefreshMsg",
    "UpdateSent",
};

static const char *const bgp_timer_names[BGP_TIMER_COUNT] = {
    "ConnectRetryTimer",
    "HoldTimer",
    "KeepaliveTimer",
    "IdleHoldTimer",
};

const char *
bgp_state_name(enum bgp_state s)
{
    return (unsigned)s < BGP_STATE_COUNT ? bgp_state_names[s] : "Unknown";
}

const char *
bgp_event_name(enum bgp_event_type e)
{
    return (unsigned)e < BGP_EV_COUNT ? bgp_event_names[e] : "Unknown";
}

const char *
bgp_timer_name(enum bgp_timer t)
{
    return (unsigned)t < BGP_TIMER_COUNT ? bgp_timer_names[t] : "Unknown";
}

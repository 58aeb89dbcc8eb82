/*
 * DOC: the session FSM (RFC 4271 8), pure.
 *
 * bgp_fsm_step() takes one event and appends the actions the runtime must
 * execute, in order; it never touches a socket or a clock. The state only
 * changes in bgp_change_state(), which also emits SESSION_UP on entering
 * Established and SESSION_DOWN on leaving it. One handler per state, each a
 * switch over the events in the order of RFC 4271 8.2.2.
 *
 * Deliberate differences from RFC 4271 8.2.2, each for a reason:
 *  - A session either dials (Connect) or waits (Active, cfg.passive), never
 *    both, so connection collisions (6.8) cannot happen and DelayOpen is
 *    not needed.
 *  - Every failure goes to Idle, and the automatic restart comes from the
 *    IdleHoldTimer of 8.1.1 (DampPeerOscillations) with exponential
 *    backoff: 1 s doubling to 2 min by default, as MetalLB's native speaker
 *    does, reset when the session reaches Established. RFC 4271 would go to
 *    Active and redial on the ConnectRetryTimer, without backoff.
 *  - A NOTIFICATION received in OpenSent is not answered with an FSM error.
 *  - Unexpected messages get RFC 6608's subcodes.
 *  - The keepalive interval is a third of the negotiated hold time, or the
 *    configured keepalive when that is shorter (FRR does the same), so a
 *    peer that offers a shorter hold time is never starved.
 */
#include <string.h>

#include "bgp/internal.h"

/* ------------------------------------------------------------ actions */

static void
bgp_act(struct bgp_actions *out, enum bgp_action_type type, enum bgp_timer timer, uint32_t ms)
{
    /* BGP_MAX_ACTIONS is above the longest path (8 actions). */
    if (out->n < BGP_MAX_ACTIONS)
        out->v[out->n++] = (struct bgp_action){type, timer, ms};
}

static void
bgp_timer_start(struct bgp_actions *out, enum bgp_timer t, uint32_t seconds)
{
    bgp_act(out, BGP_ACT_TIMER_START, t, seconds * 1000u);
}

static void
bgp_timer_stop(struct bgp_actions *out, enum bgp_timer t)
{
    bgp_act(out, BGP_ACT_TIMER_STOP, t, 0);
}

/* The one place where the state changes. */
static void
bgp_change_state(struct bgp_fsm *fsm, enum bgp_state to, struct bgp_actions *out)
{
    enum bgp_state from = fsm->state;

    if (from == to)
        return;
    fsm->state = to;
    out->to = to;
    if (to == BGP_STATE_ESTABLISHED) {
        fsm->backoff_ms = fsm->cfg.backoff_initial_ms;
        fsm->established_count++;
        bgp_act(out, BGP_ACT_SESSION_UP, 0, 0);
    } else if (from == BGP_STATE_ESTABLISHED) {
        bgp_act(out, BGP_ACT_SESSION_DOWN, 0, 0);
    }
}

/* Leaves for Idle: close, stop the timers and, after a failure while
 * started, arm the automatic restart with the current backoff. */
static void
bgp_drop(struct bgp_fsm *fsm, struct bgp_actions *out, bool failure)
{
    bgp_act(out, BGP_ACT_CLOSE, 0, 0);
    bgp_timer_stop(out, BGP_TIMER_CONNECT_RETRY);
    bgp_timer_stop(out, BGP_TIMER_HOLD);
    bgp_timer_stop(out, BGP_TIMER_KEEPALIVE);
    bgp_change_state(fsm, BGP_STATE_IDLE, out);
    if (!failure) {
        fsm->auto_restart = false;
        fsm->connect_retry_counter = 0;
        return;
    }
    fsm->connect_retry_counter++;
    if (fsm->auto_restart) {
        bgp_act(out, BGP_ACT_TIMER_START, BGP_TIMER_IDLE_HOLD, fsm->backoff_ms);
        fsm->backoff_ms = fsm->backoff_ms > fsm->cfg.backoff_max_ms / 2 ? fsm->cfg.backoff_max_ms
                                                                        : fsm->backoff_ms * 2;
    }
}

/* Sends a NOTIFICATION, then drops the connection as a failure. */
static void
bgp_notify_drop(struct bgp_fsm *fsm, struct bgp_actions *out, uint8_t code, uint8_t subcode,
                const struct bgp_notify *given)
{
    if (given != NULL) {
        out->notify = *given;
    } else {
        out->notify.code = code;
        out->notify.subcode = subcode;
        out->notify.len = 0;
    }
    bgp_act(out, BGP_ACT_SEND_NOTIFICATION, 0, 0);
    bgp_drop(fsm, out, true);
}

/* ManualStop with a connection: Cease, then Idle without restart. */
static void
bgp_manual_stop(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    bgp_notify_cease(&out->notify, ev->cease_subcode ? ev->cease_subcode : BGP_CEASE_ADMIN_SHUTDOWN,
                     ev->text);
    bgp_act(out, BGP_ACT_SEND_NOTIFICATION, 0, 0);
    bgp_drop(fsm, out, false);
}

/* Connect or wait, with the ConnectRetryTimer running. */
static void
bgp_start(struct bgp_fsm *fsm, struct bgp_actions *out)
{
    bgp_timer_start(out, BGP_TIMER_CONNECT_RETRY, fsm->cfg.connect_retry);
    if (fsm->cfg.passive) {
        bgp_change_state(fsm, BGP_STATE_ACTIVE, out);
    } else {
        bgp_act(out, BGP_ACT_CONNECT, 0, 0);
        bgp_change_state(fsm, BGP_STATE_CONNECT, out);
    }
}

/* The transport is up: send OPEN and wait for the peer's. */
static void
bgp_connected(struct bgp_fsm *fsm, struct bgp_actions *out)
{
    bgp_timer_stop(out, BGP_TIMER_CONNECT_RETRY);
    bgp_act(out, BGP_ACT_SEND_OPEN, 0, 0);
    bgp_timer_start(out, BGP_TIMER_HOLD, fsm->cfg.open_hold);
    bgp_change_state(fsm, BGP_STATE_OPENSENT, out);
}

/* ------------------------------------------------------------- states */

static void
bgp_in_idle(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    switch (ev->type) {
    case BGP_EV_MANUAL_START:
        if (fsm->auto_restart) /* an automatic restart may be pending */
            bgp_timer_stop(out, BGP_TIMER_IDLE_HOLD);
        fsm->auto_restart = true;
        fsm->connect_retry_counter = 0;
        fsm->backoff_ms = fsm->cfg.backoff_initial_ms;
        bgp_start(fsm, out);
        break;
    case BGP_EV_MANUAL_STOP:
        /* Ignored by RFC 4271 in Idle; here it also cancels the
         * automatic restart. */
        if (fsm->auto_restart)
            bgp_timer_stop(out, BGP_TIMER_IDLE_HOLD);
        fsm->auto_restart = false;
        fsm->connect_retry_counter = 0;
        break;
    case BGP_EV_IDLE_HOLD_EXPIRES:
        if (fsm->auto_restart)
            bgp_start(fsm, out);
        break;
    default: /* RFC 4271 8.2.2: everything else is ignored in Idle */
        break;
    }
}

/* Connect (we dial) and Active (we wait) differ in one event only. */
static void
bgp_in_connect_active(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    switch (ev->type) {
    case BGP_EV_MANUAL_START:
    case BGP_EV_UPDATE_SENT:
        break;
    case BGP_EV_MANUAL_STOP:
        bgp_drop(fsm, out, false);
        break;
    case BGP_EV_CONNECT_RETRY_EXPIRES:
        if (fsm->state == BGP_STATE_CONNECT) {
            bgp_act(out, BGP_ACT_CLOSE, 0, 0);
            bgp_act(out, BGP_ACT_CONNECT, 0, 0);
        }
        bgp_timer_start(out, BGP_TIMER_CONNECT_RETRY, fsm->cfg.connect_retry);
        break;
    case BGP_EV_TCP_CONFIRMED:
        bgp_connected(fsm, out);
        break;
    default: /* TcpConnectionFails and everything unexpected */
        bgp_drop(fsm, out, true);
        break;
    }
}

/* BGPOpen in OpenSent: check, negotiate, confirm with a KEEPALIVE. */
static void
bgp_open_received(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    struct bgp_error err;

    if (ev->open == NULL) {
        bgp_notify_drop(fsm, out, BGP_ERR_FSM, BGP_FSM_UNSPECIFIED, NULL);
        return;
    }
    if (bgp_open_check(&fsm->cfg, ev->open, &err) != BGP_FAULT_NONE) {
        bgp_notify_drop(fsm, out, 0, 0, &err.notify);
        return;
    }
    bgp_negotiate(&fsm->cfg, ev->open, &fsm->session);
    bgp_act(out, BGP_ACT_SEND_KEEPALIVE, 0, 0);
    if (fsm->session.hold_time > 0) {
        bgp_timer_start(out, BGP_TIMER_KEEPALIVE, fsm->session.keepalive);
        bgp_timer_start(out, BGP_TIMER_HOLD, fsm->session.hold_time);
    } else {
        bgp_timer_stop(out, BGP_TIMER_HOLD);
    }
    bgp_change_state(fsm, BGP_STATE_OPENCONFIRM, out);
}

/* Events every state with a connection handles alike. Returns false when
 * the event is not one of them. */
static bool
bgp_in_connected(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    switch (ev->type) {
    case BGP_EV_MANUAL_START:
        return true; /* ignored outside Idle */
    case BGP_EV_MANUAL_STOP:
        bgp_manual_stop(fsm, ev, out);
        return true;
    case BGP_EV_HOLD_EXPIRES:
        bgp_notify_drop(fsm, out, BGP_ERR_HOLD_TIMER, 0, NULL);
        return true;
    case BGP_EV_TCP_FAILS:
    case BGP_EV_NOTIF:
        bgp_drop(fsm, out, true);
        return true;
    case BGP_EV_HEADER_ERR:
    case BGP_EV_OPEN_ERR:
    case BGP_EV_UPDATE_ERR:
        if (ev->type == BGP_EV_UPDATE_ERR && fsm->state != BGP_STATE_ESTABLISHED)
            return false; /* an UPDATE before Established is unexpected */
        if (ev->type == BGP_EV_OPEN_ERR && fsm->state == BGP_STATE_ESTABLISHED)
            return false; /* so is an OPEN after */
        bgp_notify_drop(fsm, out, BGP_ERR_FSM, 0, ev->notify);
        return true;
    default:
        return false;
    }
}

static void
bgp_in_opensent(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    if (bgp_in_connected(fsm, ev, out))
        return;
    if (ev->type == BGP_EV_OPEN)
        bgp_open_received(fsm, ev, out);
    else if (ev->type != BGP_EV_UPDATE_SENT)
        bgp_notify_drop(fsm, out, BGP_ERR_FSM, BGP_FSM_IN_OPENSENT, NULL);
}

static void
bgp_in_openconfirm(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    if (bgp_in_connected(fsm, ev, out))
        return;
    switch (ev->type) {
    case BGP_EV_KEEPALIVE_EXPIRES:
        bgp_act(out, BGP_ACT_SEND_KEEPALIVE, 0, 0);
        bgp_timer_start(out, BGP_TIMER_KEEPALIVE, fsm->session.keepalive);
        break;
    case BGP_EV_KEEPALIVE:
        if (fsm->session.hold_time > 0)
            bgp_timer_start(out, BGP_TIMER_HOLD, fsm->session.hold_time);
        bgp_change_state(fsm, BGP_STATE_ESTABLISHED, out);
        break;
    case BGP_EV_UPDATE_SENT:
        break;
    default:
        bgp_notify_drop(fsm, out, BGP_ERR_FSM, BGP_FSM_IN_OPENCONFIRM, NULL);
        break;
    }
}

static void
bgp_in_established(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    if (bgp_in_connected(fsm, ev, out))
        return;
    switch (ev->type) {
    case BGP_EV_KEEPALIVE_EXPIRES:
        bgp_act(out, BGP_ACT_SEND_KEEPALIVE, 0, 0);
        bgp_timer_start(out, BGP_TIMER_KEEPALIVE, fsm->session.keepalive);
        break;
    case BGP_EV_UPDATE_SENT:
        /* RFC 4271 4.4: an UPDATE sent counts as a KEEPALIVE. */
        if (fsm->session.keepalive > 0)
            bgp_timer_start(out, BGP_TIMER_KEEPALIVE, fsm->session.keepalive);
        break;
    case BGP_EV_KEEPALIVE:
    case BGP_EV_UPDATE:
    case BGP_EV_ROUTE_REFRESH:
        if (fsm->session.hold_time > 0)
            bgp_timer_start(out, BGP_TIMER_HOLD, fsm->session.hold_time);
        break;
    default:
        bgp_notify_drop(fsm, out, BGP_ERR_FSM, BGP_FSM_IN_ESTABLISHED, NULL);
        break;
    }
}

typedef void bgp_state_fn(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out);

static bgp_state_fn *const bgp_state_handlers[BGP_STATE_COUNT] = {
    [BGP_STATE_IDLE] = bgp_in_idle,
    [BGP_STATE_CONNECT] = bgp_in_connect_active,
    [BGP_STATE_ACTIVE] = bgp_in_connect_active,
    [BGP_STATE_OPENSENT] = bgp_in_opensent,
    [BGP_STATE_OPENCONFIRM] = bgp_in_openconfirm,
    [BGP_STATE_ESTABLISHED] = bgp_in_established,
};

void
bgp_fsm_step(struct bgp_fsm *fsm, const struct bgp_event *ev, struct bgp_actions *out)
{
    out->n = 0;
    out->notify.code = 0;
    out->notify.subcode = 0;
    out->notify.len = 0;
    out->from = out->to = fsm->state;
    if ((unsigned)ev->type >= BGP_EV_COUNT || (unsigned)fsm->state >= BGP_STATE_COUNT)
        return;
    bgp_state_handlers[fsm->state](fsm, ev, out);
}

/*
 * libFuzzer target for the BGP message decoder: framing, every message
 * type, and the FSM fed with what decoded, the path a received byte stream
 * takes in `metalgate run`. Any crash, sanitizer report, leak, hang or
 * broken invariant (abort) is a bug in src/bgp: a hostile peer must end in
 * a NOTIFICATION, never in anything else (issue 4, "Bad input").
 *
 * Input: one byte of session flags (bit 0: 4-octet AS negotiated, bit 1:
 * eBGP, bit 2: passive), then the bytes the peer sends.
 *
 * Run (docs/internals/bgp.md, "Fuzzing"):
 *   build-fuzz/tests/fuzz/bgp/fuzz_bgp -dict=tests/fuzz/bgp/bgp.dict \
 *       NEW_DIR tests/fuzz/bgp/corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bgp/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The invariants every decode must keep; abort() makes a finding. */
static void
fuzz_check(int rc, const struct bgp_error *err)
{
    char line[512];

    if ((rc < 0) != (err->outcome == BGP_OUTCOME_SESSION_RESET))
        abort();
    if (err->outcome != BGP_OUTCOME_NONE && bgp_fault_rule(err->fault) == NULL)
        abort();
    if (err->notify.len > BGP_MAX_NOTIFY_DATA)
        abort();
    (void)bgp_notify_format(&err->notify, line, sizeof(line));
}

/* Feeds a decoded message to an FSM that has sent its OPEN. */
static void
fuzz_fsm(struct bgp_fsm *fsm, const struct bgp_msg *m, int rc, const struct bgp_error *err)
{
    static const enum bgp_event_type by_type[] = {
        [BGP_MSG_OPEN] = BGP_EV_OPEN,
        [BGP_MSG_UPDATE] = BGP_EV_UPDATE,
        [BGP_MSG_NOTIFICATION] = BGP_EV_NOTIF,
        [BGP_MSG_KEEPALIVE] = BGP_EV_KEEPALIVE,
        [BGP_MSG_ROUTE_REFRESH] = BGP_EV_ROUTE_REFRESH,
    };
    struct bgp_event ev = {.type = by_type[m->type], .open = &m->u.open, .notify = &m->u.notify};
    struct bgp_actions out;
    char line[512];

    if (rc < 0) {
        ev.type = bgp_fault_event(m->type);
        ev.notify = &err->notify;
    }
    bgp_fsm_step(fsm, &ev, &out);
    if (out.n > BGP_MAX_ACTIONS || fsm->state >= BGP_STATE_COUNT)
        abort();
    if (m->type == BGP_MSG_NOTIFICATION && rc == 0)
        (void)bgp_notify_format(&m->u.notify, line, sizeof(line));
}

static void
fuzz_fsm_start(struct bgp_fsm *fsm, bool passive)
{
    struct bgp_fsm_config cfg;
    struct bgp_event start = {.type = BGP_EV_MANUAL_START};
    struct bgp_event up = {.type = BGP_EV_TCP_CONFIRMED};
    struct bgp_actions out;

    bgp_fsm_config_default(&cfg);
    cfg.local_as = 64512;
    cfg.peer_as = 65001;
    cfg.router_id = 0x0a000001;
    cfg.passive = passive;
    bgp_fsm_init(fsm, &cfg);
    bgp_fsm_step(fsm, &start, &out);
    bgp_fsm_step(fsm, &up, &out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bgp_decode_ctx ctx;
    struct bgp_fsm fsm;
    struct bgp_header hdr;
    struct bgp_error err;
    struct bgp_msg m;
    size_t off = 1;

    if (size < 1)
        return 0;
    ctx.as4 = data[0] & 1;
    ctx.ebgp = (data[0] >> 1) & 1;
    fuzz_fsm_start(&fsm, (data[0] >> 2) & 1);
    while (off < size) {
        int fr = bgp_frame(data + off, size - off, &hdr, &err);
        int rc;

        if (fr == BGP_FRAME_NEED_MORE)
            break;
        if (fr == BGP_FRAME_ERROR) {
            fuzz_check(-1, &err);
            break;
        }
        if (hdr.length < BGP_HEADER_LEN || hdr.length > size - off)
            abort();
        rc = bgp_msg_decode(&ctx, data + off, hdr.length, &m, &err);
        fuzz_check(rc, &err);
        fuzz_fsm(&fsm, &m, rc, &err);
        if (rc < 0)
            break;
        off += hdr.length;
    }
    return 0;
}

/*
 * The FSM, table-driven: each row puts a fresh FSM in a state by the
 * ordinary path, feeds one event, and compares the actions (written as a
 * compact string) and the state it ends in. Then the things a table does
 * not show well: backoff, hold time negotiation, every state x event pair.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

struct fsm_row {
    enum bgp_state from;
    bool passive;
    enum bgp_event_type ev;
    const char *arg; /* "bad-as" OPEN, "n/m" NOTIFICATION for *_ERR events */
    enum bgp_state to;
    const char *actions;
};

#define ST(s) BGP_STATE_##s
#define EV(e) BGP_EV_##e
#define STOPS "CLOSE, STOP CR, STOP HOLD, STOP KA"
#define RESTART STOPS ", START IDLE 1000"

static const struct fsm_row rows[] = {
    {ST(IDLE), false, EV(MANUAL_START), NULL, ST(CONNECT), "START CR 10000, CONNECT"},
    {ST(IDLE), true, EV(MANUAL_START), NULL, ST(ACTIVE), "START CR 10000"},
    {ST(IDLE), false, EV(KEEPALIVE), NULL, ST(IDLE), ""},
    {ST(IDLE), false, EV(IDLE_HOLD_EXPIRES), NULL, ST(IDLE), ""},
    {ST(IDLE), false, EV(TCP_CONFIRMED), NULL, ST(IDLE), ""},
    {ST(CONNECT), false, EV(MANUAL_START), NULL, ST(CONNECT), ""},
    {ST(CONNECT), false, EV(CONNECT_RETRY_EXPIRES), NULL, ST(CONNECT),
     "CLOSE, CONNECT, START CR 10000"},
    {ST(CONNECT), false, EV(TCP_CONFIRMED), NULL, ST(OPENSENT), "STOP CR, OPEN, START HOLD 240000"},
    {ST(CONNECT), false, EV(TCP_FAILS), NULL, ST(IDLE), RESTART},
    {ST(CONNECT), false, EV(MANUAL_STOP), NULL, ST(IDLE), STOPS},
    {ST(CONNECT), false, EV(KEEPALIVE), NULL, ST(IDLE), RESTART},
    {ST(ACTIVE), true, EV(CONNECT_RETRY_EXPIRES), NULL, ST(ACTIVE), "START CR 10000"},
    {ST(ACTIVE), true, EV(TCP_CONFIRMED), NULL, ST(OPENSENT), "STOP CR, OPEN, START HOLD 240000"},
    {ST(ACTIVE), true, EV(TCP_FAILS), NULL, ST(IDLE), RESTART},
    {ST(ACTIVE), true, EV(MANUAL_STOP), NULL, ST(IDLE), STOPS},
    {ST(OPENSENT), false, EV(OPEN), NULL, ST(OPENCONFIRM),
     "KEEPALIVE, START KA 10000, START HOLD 30000"},
    {ST(OPENSENT), false, EV(OPEN), "bad-as", ST(IDLE), "NOTIFY 2/2, " RESTART},
    {ST(OPENSENT), false, EV(OPEN), "hold-1", ST(IDLE), "NOTIFY 2/6, " RESTART},
    {ST(OPENSENT), false, EV(HOLD_EXPIRES), NULL, ST(IDLE), "NOTIFY 4/0, " RESTART},
    {ST(OPENSENT), false, EV(TCP_FAILS), NULL, ST(IDLE), RESTART},
    {ST(OPENSENT), false, EV(KEEPALIVE), NULL, ST(IDLE), "NOTIFY 5/1, " RESTART},
    {ST(OPENSENT), false, EV(UPDATE), NULL, ST(IDLE), "NOTIFY 5/1, " RESTART},
    {ST(OPENSENT), false, EV(UPDATE_ERR), "3/1", ST(IDLE), "NOTIFY 5/1, " RESTART},
    {ST(OPENSENT), false, EV(HEADER_ERR), "1/2", ST(IDLE), "NOTIFY 1/2, " RESTART},
    {ST(OPENSENT), false, EV(OPEN_ERR), "2/1", ST(IDLE), "NOTIFY 2/1, " RESTART},
    {ST(OPENSENT), false, EV(NOTIF), "6/2", ST(IDLE), RESTART},
    {ST(OPENSENT), false, EV(MANUAL_STOP), NULL, ST(IDLE), "NOTIFY 6/2, " STOPS},
    {ST(OPENSENT), false, EV(MANUAL_START), NULL, ST(OPENSENT), ""},
    {ST(OPENCONFIRM), false, EV(KEEPALIVE), NULL, ST(ESTABLISHED), "START HOLD 30000, UP"},
    {ST(OPENCONFIRM), false, EV(KEEPALIVE_EXPIRES), NULL, ST(OPENCONFIRM),
     "KEEPALIVE, START KA 10000"},
    {ST(OPENCONFIRM), false, EV(HOLD_EXPIRES), NULL, ST(IDLE), "NOTIFY 4/0, " RESTART},
    {ST(OPENCONFIRM), false, EV(OPEN), NULL, ST(IDLE), "NOTIFY 5/2, " RESTART},
    {ST(OPENCONFIRM), false, EV(UPDATE), NULL, ST(IDLE), "NOTIFY 5/2, " RESTART},
    {ST(OPENCONFIRM), false, EV(NOTIF), "6/4", ST(IDLE), RESTART},
    {ST(OPENCONFIRM), false, EV(MANUAL_STOP), NULL, ST(IDLE), "NOTIFY 6/2, " STOPS},
    {ST(ESTABLISHED), false, EV(KEEPALIVE), NULL, ST(ESTABLISHED), "START HOLD 30000"},
    {ST(ESTABLISHED), false, EV(UPDATE), NULL, ST(ESTABLISHED), "START HOLD 30000"},
    {ST(ESTABLISHED), false, EV(ROUTE_REFRESH), NULL, ST(ESTABLISHED), "START HOLD 30000"},
    {ST(ESTABLISHED), false, EV(KEEPALIVE_EXPIRES), NULL, ST(ESTABLISHED),
     "KEEPALIVE, START KA 10000"},
    {ST(ESTABLISHED), false, EV(UPDATE_SENT), NULL, ST(ESTABLISHED), "START KA 10000"},
    {ST(ESTABLISHED), false, EV(HOLD_EXPIRES), NULL, ST(IDLE),
     "NOTIFY 4/0, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(UPDATE_ERR), "3/11", ST(IDLE),
     "NOTIFY 3/11, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(HEADER_ERR), "1/1", ST(IDLE),
     "NOTIFY 1/1, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(OPEN), NULL, ST(IDLE),
     "NOTIFY 5/3, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(OPEN_ERR), "2/2", ST(IDLE),
     "NOTIFY 5/3, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(CONNECT_RETRY_EXPIRES), NULL, ST(IDLE),
     "NOTIFY 5/3, " STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(TCP_FAILS), NULL, ST(IDLE), STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(NOTIF), "6/2", ST(IDLE), STOPS ", DOWN, START IDLE 1000"},
    {ST(ESTABLISHED), false, EV(MANUAL_STOP), NULL, ST(IDLE), "NOTIFY 6/2, " STOPS ", DOWN"},
};

static void
fsm_cfg(struct bgp_fsm_config *cfg, bool passive)
{
    bgp_fsm_config_default(cfg);
    cfg->local_as = 64512;
    cfg->peer_as = 65001;
    cfg->router_id = 0x0a000001;
    cfg->passive = passive;
}

/* The peer's OPEN: AS 65001, hold 30, both families, 4-octet AS. */
static struct bgp_open
peer_open(void)
{
    return (struct bgp_open){.version = 4,
                             .as = 65001,
                             .as16 = 65001,
                             .hold_time = 30,
                             .bgp_id = 0x0a000002,
                             .has_mp = true,
                             .families = BGP_FAMILIES_ALL,
                             .as4 = true,
                             .route_refresh = true};
}

static void
step(struct bgp_fsm *fsm, enum bgp_event_type type, struct bgp_actions *out)
{
    struct bgp_open o = peer_open();
    struct bgp_event ev = {.type = type, .open = &o};

    bgp_fsm_step(fsm, &ev, out);
}

/* Drives a fresh FSM to state s the ordinary way. */
static void
fsm_to(struct bgp_fsm *fsm, enum bgp_state s, bool passive)
{
    static const enum bgp_event_type path[] = {EV(MANUAL_START), EV(TCP_CONFIRMED), EV(OPEN),
                                               EV(KEEPALIVE)};
    struct bgp_fsm_config cfg;
    struct bgp_actions out;

    fsm_cfg(&cfg, passive);
    assert_null(bgp_fsm_config_check(&cfg));
    bgp_fsm_init(fsm, &cfg);
    for (size_t i = 0; i < 4 && fsm->state != s; i++)
        step(fsm, path[i], &out);
    assert_int_equal(fsm->state, s);
}

static const char *
timer_abbrev(enum bgp_timer t)
{
    static const char *const names[] = {"CR", "HOLD", "KA", "IDLE"};

    return names[t];
}

/* The actions as "NOTIFY 4/0, CLOSE, START IDLE 1000". */
static void
format_actions(const struct bgp_actions *out, char *buf, size_t cap)
{
    static const char *const names[] = {"CONNECT", "CLOSE", "OPEN", "KEEPALIVE", "NOTIFY",
                                        "START",   "STOP",  "UP",   "DOWN"};
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < out->n; i++) {
        const struct bgp_action *a = &out->v[i];

        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", names[a->type]);
        if (a->type == BGP_ACT_SEND_NOTIFICATION)
            n +=
                (size_t)snprintf(buf + n, cap - n, " %u/%u", out->notify.code, out->notify.subcode);
        else if (a->type == BGP_ACT_TIMER_START)
            n += (size_t)snprintf(buf + n, cap - n, " %s %u", timer_abbrev(a->timer), a->ms);
        else if (a->type == BGP_ACT_TIMER_STOP)
            n += (size_t)snprintf(buf + n, cap - n, " %s", timer_abbrev(a->timer));
    }
}

static void
test_fsm_row(void **state)
{
    const struct fsm_row *r = *state;
    struct bgp_fsm fsm;
    struct bgp_open o = peer_open();
    struct bgp_notify n = {0};
    struct bgp_event ev = {.type = r->ev, .open = &o, .notify = &n};
    struct bgp_actions out;
    char got[512];
    unsigned code, sub;

    fsm_to(&fsm, r->from, r->passive);
    if (r->arg != NULL && strcmp(r->arg, "bad-as") == 0)
        o.as = 65002;
    else if (r->arg != NULL && strcmp(r->arg, "hold-1") == 0)
        o.hold_time = 1;
    else if (r->arg != NULL && sscanf(r->arg, "%u/%u", &code, &sub) == 2) {
        n.code = (uint8_t)code;
        n.subcode = (uint8_t)sub;
    }
    bgp_fsm_step(&fsm, &ev, &out);
    format_actions(&out, got, sizeof(got));
    if (strcmp(got, r->actions) != 0)
        fail_msg("%s + %s: got \"%s\", want \"%s\"", bgp_state_name(r->from), bgp_event_name(r->ev),
                 got, r->actions);
    assert_int_equal(fsm.state, r->to);
    assert_int_equal(out.to, r->to);
    assert_int_equal(out.from, r->from);
}

/* Connect refused again and again: 1 s doubling to the 2 min cap; reaching
 * Established starts over. */
static void
test_fsm_backoff(void **state)
{
    static const uint32_t want[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000};
    struct bgp_fsm fsm;
    struct bgp_actions out;

    (void)state;
    fsm_to(&fsm, ST(CONNECT), false);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        step(&fsm, EV(TCP_FAILS), &out);
        assert_int_equal(out.v[out.n - 1].timer, BGP_TIMER_IDLE_HOLD);
        assert_int_equal(out.v[out.n - 1].ms, want[i]);
        assert_int_equal(fsm.connect_retry_counter, i + 1);
        step(&fsm, EV(IDLE_HOLD_EXPIRES), &out);
        assert_int_equal(fsm.state, ST(CONNECT));
        assert_int_equal(out.v[1].type, BGP_ACT_CONNECT);
    }
    step(&fsm, EV(TCP_CONFIRMED), &out);
    step(&fsm, EV(OPEN), &out);
    step(&fsm, EV(KEEPALIVE), &out);
    assert_int_equal(fsm.established_count, 1);
    step(&fsm, EV(HOLD_EXPIRES), &out);
    assert_int_equal(out.v[out.n - 1].ms, 1000);
    /* A ManualStop while a restart is pending cancels it. */
    step(&fsm, EV(MANUAL_STOP), &out);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].type, BGP_ACT_TIMER_STOP);
    assert_int_equal(out.v[0].timer, BGP_TIMER_IDLE_HOLD);
    step(&fsm, EV(IDLE_HOLD_EXPIRES), &out);
    assert_int_equal(fsm.state, ST(IDLE));
    assert_int_equal(out.n, 0);
}

static void
test_fsm_backoff_configured(void **state)
{
    static const uint32_t want[] = {500, 1000, 2000, 3000, 3000};
    struct bgp_fsm_config cfg;
    struct bgp_fsm fsm;
    struct bgp_actions out;

    (void)state;
    fsm_cfg(&cfg, false);
    cfg.backoff_initial_ms = 500;
    cfg.backoff_max_ms = 3000;
    bgp_fsm_init(&fsm, &cfg);
    step(&fsm, EV(MANUAL_START), &out);
    for (size_t i = 0; i < 5; i++) {
        step(&fsm, EV(TCP_FAILS), &out);
        assert_int_equal(out.v[out.n - 1].ms, want[i]);
        step(&fsm, EV(IDLE_HOLD_EXPIRES), &out);
    }
}

/* Hold time: the smaller of both; 0 means no timers at all. */
static void
test_fsm_hold_negotiation(void **state)
{
    struct bgp_fsm_config cfg;
    struct bgp_open o = peer_open();
    struct bgp_session s;

    (void)state;
    fsm_cfg(&cfg, false);
    o.hold_time = 180;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.hold_time, 90);
    assert_int_equal(s.keepalive, 30);
    o.hold_time = 3;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.hold_time, 3);
    assert_int_equal(s.keepalive, 1);
    o.hold_time = 0;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.hold_time, 0);
    assert_int_equal(s.keepalive, 0);
    /* A configured keepalive is used when shorter than a third. */
    o.hold_time = 90;
    cfg.keepalive = 10;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.keepalive, 10);
    cfg.keepalive = 60;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.keepalive, 30);
}

static void
test_fsm_hold_zero(void **state)
{
    struct bgp_fsm fsm;
    struct bgp_open o = peer_open();
    struct bgp_event ev = {.type = EV(OPEN), .open = &o};
    struct bgp_actions out;
    char got[256];

    (void)state;
    fsm_to(&fsm, ST(OPENSENT), false);
    o.hold_time = 0;
    bgp_fsm_step(&fsm, &ev, &out);
    format_actions(&out, got, sizeof(got));
    assert_string_equal(got, "KEEPALIVE, STOP HOLD");
    step(&fsm, EV(KEEPALIVE), &out);
    format_actions(&out, got, sizeof(got));
    assert_string_equal(got, "UP");
    step(&fsm, EV(UPDATE), &out);
    assert_int_equal(out.n, 0);
    step(&fsm, EV(UPDATE_SENT), &out);
    assert_int_equal(out.n, 0);
}

static void
test_fsm_families(void **state)
{
    struct bgp_fsm_config cfg;
    struct bgp_open o = peer_open();
    struct bgp_session s;

    (void)state;
    fsm_cfg(&cfg, false);
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.families, BGP_FAMILIES_ALL);
    assert_true(s.as4 && s.route_refresh && s.ebgp);
    o.has_mp = false;
    o.families = 0;
    o.as4 = false;
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.families, BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST));
    assert_false(s.as4);
    o.has_mp = true;
    o.families = BGP_FAMILY_BIT(BGP_FAMILY_IPV6_UNICAST);
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.families, BGP_FAMILY_BIT(BGP_FAMILY_IPV6_UNICAST));
    cfg.families = BGP_FAMILY_BIT(BGP_FAMILY_IPV4_UNICAST);
    bgp_negotiate(&cfg, &o, &s);
    assert_int_equal(s.families, 0);
}

static void
test_fsm_manual_stop_text(void **state)
{
    struct bgp_fsm fsm;
    struct bgp_event ev = {.type = EV(MANUAL_STOP), .cease_subcode = BGP_CEASE_PEER_DECONFIGURED};
    struct bgp_actions out;

    (void)state;
    fsm_to(&fsm, ST(ESTABLISHED), false);
    bgp_fsm_step(&fsm, &ev, &out);
    assert_int_equal(out.notify.code, 6);
    assert_int_equal(out.notify.subcode, 3);
    fsm_to(&fsm, ST(ESTABLISHED), false);
    ev.cease_subcode = 0;
    ev.text = "metalgate stopping";
    bgp_fsm_step(&fsm, &ev, &out);
    assert_int_equal(out.notify.subcode, 2);
    assert_int_equal(out.notify.data[0], 18);
    assert_memory_equal(out.notify.data + 1, "metalgate stopping", 18);
}

static void
test_fsm_local_open(void **state)
{
    struct bgp_fsm_config cfg;
    struct bgp_fsm fsm;
    struct bgp_open o;
    uint8_t buf[128];

    (void)state;
    fsm_cfg(&cfg, false);
    cfg.local_as = 4200000000u;
    cfg.graceful_restart = true;
    cfg.gr_time = 30;
    cfg.gr_forwarding = true;
    bgp_fsm_init(&fsm, &cfg);
    bgp_fsm_local_open(&fsm, &o);
    assert_int_equal(o.as16, BGP_AS_TRANS);
    assert_true(o.as4 && o.route_refresh && o.graceful_restart);
    assert_int_equal(o.gr_time, 30);
    assert_int_equal(o.gr_forwarding, BGP_FAMILIES_ALL);
    /* 29 + 2 + MP 12 + RR 2 + AS4 6 + GR 12 */
    assert_int_equal(bgp_open_encode(&o, buf, sizeof(buf)), 63);
}

static void
test_fsm_config_check(void **state)
{
    struct bgp_fsm_config cfg;

    (void)state;
    fsm_cfg(&cfg, false);
    assert_null(bgp_fsm_config_check(&cfg));
    cfg.hold_time = 2;
    assert_string_equal(bgp_fsm_config_check(&cfg), "hold time must be 0 or >= 3");
    cfg.hold_time = 9;
    cfg.keepalive = 10;
    assert_non_null(bgp_fsm_config_check(&cfg));
    cfg.keepalive = 3;
    cfg.dynamic_asn = BGP_DYNAMIC_ASN_INTERNAL;
    assert_non_null(bgp_fsm_config_check(&cfg));
    cfg.peer_as = 0;
    assert_null(bgp_fsm_config_check(&cfg));
    cfg.router_id = 0;
    assert_non_null(bgp_fsm_config_check(&cfg));
    cfg.router_id = 1;
    cfg.backoff_initial_ms = 200000;
    assert_non_null(bgp_fsm_config_check(&cfg));
}

/* Every state x event: the state stays valid, the action list is bounded,
 * SESSION_UP only on entering Established, SESSION_DOWN only on leaving. */
static void
test_fsm_all_pairs(void **state)
{
    (void)state;
    for (int s = 0; s < BGP_STATE_COUNT; s++) {
        for (int e = 0; e < BGP_EV_COUNT; e++) {
            struct bgp_fsm fsm;
            struct bgp_actions out;
            struct bgp_event ev = {.type = (enum bgp_event_type)e};

            fsm_to(&fsm, (enum bgp_state)s, s == BGP_STATE_ACTIVE);
            bgp_fsm_step(&fsm, &ev, &out);
            assert_true(fsm.state < BGP_STATE_COUNT);
            assert_true(out.n <= BGP_MAX_ACTIONS);
            for (size_t i = 0; i < out.n; i++) {
                if (out.v[i].type == BGP_ACT_SESSION_UP)
                    assert_int_equal(fsm.state, BGP_STATE_ESTABLISHED);
                if (out.v[i].type == BGP_ACT_SESSION_DOWN)
                    assert_int_equal(s, BGP_STATE_ESTABLISHED);
            }
            if (s == BGP_STATE_IDLE && e != BGP_EV_MANUAL_START)
                assert_int_equal(fsm.state, BGP_STATE_IDLE);
        }
    }
}

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Filled by test_fsm_run: one named test per row, then the others. */
static struct CMUnitTest fsm_tests[NROWS + 10];
static char fsm_names[NROWS][96];

const struct CMUnitTest test_fsm[] = {
    cmocka_unit_test(test_fsm_backoff),          cmocka_unit_test(test_fsm_backoff_configured),
    cmocka_unit_test(test_fsm_hold_negotiation), cmocka_unit_test(test_fsm_hold_zero),
    cmocka_unit_test(test_fsm_families),         cmocka_unit_test(test_fsm_manual_stop_text),
    cmocka_unit_test(test_fsm_local_open),       cmocka_unit_test(test_fsm_config_check),
    cmocka_unit_test(test_fsm_all_pairs),
};
const size_t test_fsm_count = sizeof(test_fsm) / sizeof(test_fsm[0]);

int
test_fsm_run(void)
{
    size_t n = 0;

    for (size_t i = 0; i < NROWS; i++) {
        snprintf(fsm_names[i], sizeof(fsm_names[i]), "%s + %s -> %s", bgp_state_name(rows[i].from),
                 bgp_event_name(rows[i].ev), bgp_state_name(rows[i].to));
        fsm_tests[n++] =
            (struct CMUnitTest){fsm_names[i], test_fsm_row, NULL, NULL, (void *)&rows[i]};
    }
    for (size_t i = 0; i < test_fsm_count; i++)
        fsm_tests[n++] = test_fsm[i];
    return _cmocka_run_group_tests("bgp-fsm", fsm_tests, n, NULL, NULL);
}

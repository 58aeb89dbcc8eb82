#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/evloop.h"
#include "tests.h"

struct order {
    int seen[8];
    int n;
};

static void
record(struct ev_loop *loop, struct ev_timer *t)
{
    struct order *o = t->data;

    (void)loop;
    o->seen[o->n] = o->n;
    o->n++;
}

static void
timers_fire_in_deadline_order(void **state)
{
    struct ev_loop loop;
    struct ev_timer t[4];
    struct order o = {0};
    uint64_t start;

    (void)state;
    assert_int_equal(ev_loop_init(&loop), 0);
    for (int i = 0; i < 4; i++)
        ev_timer_init(&t[i], record, &o);
    ev_timer_start(&loop, &t[0], 30);
    ev_timer_start(&loop, &t[1], 10);
    ev_timer_start(&loop, &t[2], 20);
    ev_timer_start(&loop, &t[3], 40);
    ev_timer_stop(&loop, &t[3]);
    assert_false(ev_timer_active(&t[3]));
    start = ev_clock_ns();
    while (o.n < 3 && ev_clock_ns() - start < 2000000000u)
        ev_loop_once(&loop, 100);
    assert_int_equal(o.n, 3);
    assert_false(ev_timer_active(&t[0]));
    assert_true(t[1].deadline <= t[2].deadline && t[2].deadline <= t[0].deadline);
    assert_true(ev_clock_ns() - start >= 30000000u);
    ev_loop_close(&loop);
}

static int fired_order[4], nfired;

static void
note(struct ev_loop *loop, struct ev_timer *t)
{
    (void)loop;
    fired_order[nfired++] = (int)(intptr_t)t->data;
}

static void
many_timers_keep_heap_order(void **state)
{
    struct ev_loop loop;
    struct ev_timer t[4];
    const int after[4] = {25, 5, 15, 35};

    (void)state;
    nfired = 0;
    ev_loop_init(&loop);
    for (int i = 0; i < 4; i++) {
        ev_timer_init(&t[i], note, (void *)(intptr_t)i);
        ev_timer_start(&loop, &t[i], (uint64_t)after[i]);
    }
    ev_timer_start(&loop, &t[3], 1); /* restart moves it first */
    while (nfired < 4)
        ev_loop_once(&loop, 100);
    assert_int_equal(fired_order[0], 3);
    assert_int_equal(fired_order[1], 1);
    assert_int_equal(fired_order[2], 2);
    assert_int_equal(fired_order[3], 0);
    ev_loop_close(&loop);
}

struct pair {
    struct ev_io a, b;
    int calls;
};

static void
stop_other(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct pair *p = io->data;
    char buf[8];

    (void)revents;
    p->calls++;
    assert_int_equal(read(io->fd, buf, 1), 1);
    ev_io_stop(loop, io == &p->a ? &p->b : &p->a);
    ev_io_stop(loop, io);
}

static void
stopping_a_pending_watcher_drops_its_event(void **state)
{
    struct ev_loop loop;
    struct pair p = {.calls = 0};
    int fa[2], fb[2];

    (void)state;
    assert_int_equal(pipe(fa), 0);
    assert_int_equal(pipe(fb), 0);
    ev_loop_init(&loop);
    ev_io_init(&p.a, fa[0], stop_other, &p);
    ev_io_init(&p.b, fb[0], stop_other, &p);
    ev_io_start(&loop, &p.a, EV_READ);
    ev_io_start(&loop, &p.b, EV_READ);
    assert_int_equal(write(fa[1], "x", 1), 1);
    assert_int_equal(write(fb[1], "y", 1), 1);
    ev_loop_once(&loop, 100);
    assert_int_equal(p.calls, 1); /* both were ready; the first stopped the second */
    ev_loop_close(&loop);
    close(fa[0]), close(fa[1]), close(fb[0]), close(fb[1]);
}

static int got_signal;

static void
on_signal(struct ev_loop *loop, struct ev_signal *s, int signo)
{
    (void)s;
    got_signal = signo;
    ev_loop_break(loop);
}

static void
signals_arrive_as_events(void **state)
{
    struct ev_loop loop;
    struct ev_signal s;

    (void)state;
    ev_loop_init(&loop);
    assert_int_equal(ev_signal_start(&loop, &s, SIGUSR1, on_signal, NULL), 0);
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 10 && got_signal == 0; i++)
        ev_loop_once(&loop, 100);
    assert_int_equal(got_signal, SIGUSR1);
    ev_loop_close(&loop);
}

const struct CMUnitTest test_evloop[] = {
    cmocka_unit_test(timers_fire_in_deadline_order),
    cmocka_unit_test(many_timers_keep_heap_order),
    cmocka_unit_test(stopping_a_pending_watcher_drops_its_event),
    cmocka_unit_test(signals_arrive_as_events),
};
const size_t test_evloop_count = sizeof(test_evloop) / sizeof(test_evloop[0]);

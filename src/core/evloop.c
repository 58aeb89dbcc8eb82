#include "core/evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define EV_MAX_EVENTS 64

uint64_t
ev_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
ev_now(const struct ev_loop *loop)
{
    return loop->now;
}

int
ev_loop_init(struct ev_loop *loop)
{
    memset(loop, 0, sizeof(*loop));
    loop->sigfd = -1;
    sigemptyset(&loop->sigmask);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->now = ev_clock_ns();
    return loop->epfd < 0 ? -1 : 0;
}

void
ev_loop_close(struct ev_loop *loop)
{
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    if (loop->epfd >= 0)
        close(loop->epfd);
    free(loop->heap);
    loop->heap = NULL;
    loop->epfd = loop->sigfd = -1;
}

void
ev_loop_break(struct ev_loop *loop)
{
    loop->stop = true;
}

/* ---- fd watchers -------------------------------------------------------- */

static uint32_t
ev_epoll_events(unsigned events)
{
    return (events & EV_READ ? EPOLLIN | EPOLLRDHUP : 0) | (events & EV_WRITE ? EPOLLOUT : 0);
}

void
ev_io_init(struct ev_io *io, int fd, ev_io_cb cb, void *data)
{
    io->fd = fd;
    io->events = 0;
    io->active = false;
    io->cb = cb;
    io->data = data;
}

int
ev_io_start(struct ev_loop *loop, struct ev_io *io, unsigned events)
{
    struct epoll_event ev = {.events = ev_epoll_events(events), .data.ptr = io};

    if (io->active)
        return ev_io_modify(loop, io, events);
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0)
        return -1;
    io->events = events;
    io->active = true;
    return 0;
}

int
ev_io_modify(struct ev_loop *loop, struct ev_io *io, unsigned events)
{
    struct epoll_event ev = {.events = ev_epoll_events(events), .data.ptr = io};

    if (!io->active)
        return ev_io_start(loop, io, events);
    if (io->events == events)
        return 0;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) != 0)
        return -1;
    io->events = events;
    return 0;
}

void
ev_io_stop(struct ev_loop *loop, struct ev_io *io)
{
    if (!io->active)
        return;
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    io->active = false;
    for (size_t i = 0; i < loop->npending; i++)
        if (loop->pending[i] == io)
            loop->pending[i] = NULL;
}

/* ---- timers: a binary min-heap on deadline ------------------------------ */

static void
ev_heap_set(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
    loop->heap[i] = t;
    t->slot = i + 1;
}

static void
ev_heap_up(struct ev_loop *loop, size_t i)
{
    struct ev_timer *t = loop->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (loop->heap[parent]->deadline <= t->deadline)
            break;
        ev_heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    ev_heap_set(loop, i, t);
}

static void
ev_heap_down(struct ev_loop *loop, size_t i)
{
    struct ev_timer *t = loop->heap[i];

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->nheap)
            break;
        if (child + 1 < loop->nheap && loop->heap[child + 1]->deadline < loop->heap[child]->deadline)
            child++;
        if (loop->heap[child]->deadline >= t->deadline)
            break;
        ev_heap_set(loop, i, loop->heap[child]);
        i = child;
    }
    ev_heap_set(loop, i, t);
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *data)
{
    t->deadline = 0;
    t->slot = 0;
    t->cb = cb;
    t->data = data;
}

bool
ev_timer_active(const struct ev_timer *t)
{
    return t->slot != 0;
}

void
ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
    size_t i;

    if (t->slot == 0)
        return;
    i = t->slot - 1;
    t->slot = 0;
    if (--loop->nheap == i)
        return;
    ev_heap_set(loop, i, loop->heap[loop->nheap]);
    ev_heap_up(loop, i);
    ev_heap_down(loop, loop->heap[i] == NULL ? i : loop->heap[i]->slot - 1);
}

int
ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms)
{
    ev_timer_stop(loop, t);
    if (loop->nheap == loop->capheap) {
        size_t cap = loop->capheap ? loop->capheap * 2 : 64;
        void *p = realloc(loop->heap, cap * sizeof(*loop->heap));
        if (p == NULL)
            return -1;
        loop->heap = p;
        loop->capheap = cap;
    }
    t->deadline = ev_clock_ns() + after_ms * 1000000u;
    ev_heap_set(loop, loop->nheap++, t);
    ev_heap_up(loop, loop->nheap - 1);
    return 0;
}

static void
ev_run_timers(struct ev_loop *loop)
{
    /* Bounded: timers started by callbacks for "now" wait for the next turn. */
    size_t budget = loop->nheap;

    while (loop->nheap > 0 && budget-- > 0 && loop->heap[0]->deadline <= loop->now) {
        struct ev_timer *t = loop->heap[0];
        ev_timer_stop(loop, t);
        t->cb(loop, t);
    }
}

static int
ev_next_timeout(const struct ev_loop *loop, int cap_ms)
{
    uint64_t ms;

    if (loop->nheap == 0)
        return cap_ms;
    if (loop->heap[0]->deadline <= loop->now)
        return 0;
    ms = (loop->heap[0]->deadline - loop->now + 999999) / 1000000;
    if (cap_ms >= 0 && ms > (uint64_t)cap_ms)
        return cap_ms;
    return ms > 60000 ? 60000 : (int)ms;
}

/* ---- signals ------------------------------------------------------------ */

static void
ev_signal_read(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct signalfd_siginfo si;

    (void)revents;
    while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        for (struct ev_signal *s = loop->signals; s != NULL; s = s->next)
            if (s->signo == (int)si.ssi_signo)
                s->cb(loop, s, s->signo);
}

int
ev_signal_start(struct ev_loop *loop, struct ev_signal *s, int signo, ev_signal_cb cb,
                void *data)
{
    int fd;

    sigaddset(&loop->sigmask, signo);
    if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) != 0)
        return -1;
    fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (loop->sigfd < 0) {
        loop->sigfd = fd;
        ev_io_init(&loop->sigio, fd, ev_signal_read, NULL);
        if (ev_io_start(loop, &loop->sigio, EV_READ) != 0)
            return -1;
    }
    s->signo = signo;
    s->cb = cb;
    s->data = data;
    s->next = loop->signals;
    loop->signals = s;
    return 0;
}

/* ---- running ------------------------------------------------------------ */

int
ev_loop_once(struct ev_loop *loop, int timeout_ms)
{
    struct epoll_event evs[EV_MAX_EVENTS];
    struct ev_io *batch[EV_MAX_EVENTS];
    int n;

    loop->now = ev_clock_ns();
    n = epoll_wait(loop->epfd, evs, EV_MAX_EVENTS, ev_next_timeout(loop, timeout_ms));
    if (n < 0 && errno != EINTR)
        return -1;
    loop->now = ev_clock_ns();
    for (int i = 0; i < n; i++)
        batch[i] = evs[i].data.ptr;
    loop->pending = batch;
    loop->npending = n > 0 ? (size_t)n : 0;
    for (int i = 0; i < n; i++) {
        struct ev_io *io = batch[i];
        unsigned revents = 0;

        if (io == NULL)
            continue; /* stopped by an earlier callback of this batch */
        if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            revents |= EV_READ;
        if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            revents |= EV_WRITE;
        revents &= io->events | (evs[i].events & (EPOLLHUP | EPOLLERR) ? EV_READ | EV_WRITE : 0);
        if (io->active && revents != 0)
            io->cb(loop, io, revents);
    }
    loop->pending = NULL;
    loop->npending = 0;
    ev_run_timers(loop);
    return 0;
}

int
ev_loop_run(struct ev_loop *loop)
{
    loop->stop = false;
    while (!loop->stop)
        if (ev_loop_once(loop, -1) != 0)
            return -1;
    return 0;
}

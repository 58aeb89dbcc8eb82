/*
 * One event loop per thread: epoll for file descriptors, a binary heap of
 * timers on the monotonic clock, and signals delivered as events through
 * signalfd. Callbacks run on the loop's thread, one at a time; a callback
 * may start and stop any watcher, including the one it runs for.
 *
 * Watchers are embedded in their owner's struct (no allocation per event),
 * as the BGP sessions, admin connections and gateway connections do.
 */
#ifndef METALGATE_CORE_EVLOOP_H
#define METALGATE_CORE_EVLOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;

enum ev_flags {
    EV_READ = 1u << 0,
    EV_WRITE = 1u << 1,
};

struct ev_io;
typedef void (*ev_io_cb)(struct ev_loop *loop, struct ev_io *io, unsigned revents);

struct ev_io {
    int fd;
    unsigned events; /* EV_READ | EV_WRITE wanted */
    bool active;
    ev_io_cb cb;
    void *data;
};

struct ev_timer;
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t);

struct ev_timer {
    uint64_t deadline; /* monotonic ns */
    size_t slot;       /* index in the heap + 1; 0 = not running */
    ev_timer_cb cb;
    void *data;
};

struct ev_signal;
typedef void (*ev_signal_cb)(struct ev_loop *loop, struct ev_signal *s, int signo);

struct ev_signal {
    int signo;
    ev_signal_cb cb;
    void *data;
    struct ev_signal *next;
};

struct ev_loop {
    int epfd;
    int sigfd; /* -1 until the first signal watcher */
    sigset_t sigmask;
    struct ev_io sigio;
    struct ev_signal *signals;
    struct ev_timer **heap;
    size_t nheap, capheap;
    uint64_t now; /* cached at each iteration */
    bool stop;
    /* The batch being dispatched, so that stopping a watcher drops its
     * pending event: a callback may stop and free another watcher. */
    struct ev_io **pending;
    size_t npending;
};

/* Returns 0, or -1 with errno set. */
int ev_loop_init(struct ev_loop *loop);
/* Closes the loop's own descriptors; watchers' fds stay the caller's. */
void ev_loop_close(struct ev_loop *loop);

/* Runs until ev_loop_break(); returns 0, or -1 when epoll fails. */
int ev_loop_run(struct ev_loop *loop);
/* Runs one iteration, waiting at most timeout_ms (-1 = until an event). */
int ev_loop_once(struct ev_loop *loop, int timeout_ms);
void ev_loop_break(struct ev_loop *loop);

/* The loop's cached monotonic time in nanoseconds, and a fresh reading. */
uint64_t ev_now(const struct ev_loop *loop);
uint64_t ev_clock_ns(void);

/* fd watchers. start/modify return 0 or -1 (errno). */
void ev_io_init(struct ev_io *io, int fd, ev_io_cb cb, void *data);
int ev_io_start(struct ev_loop *loop, struct ev_io *io, unsigned events);
int ev_io_modify(struct ev_loop *loop, struct ev_io *io, unsigned events);
void ev_io_stop(struct ev_loop *loop, struct ev_io *io);

/* Timers fire once, after_ms from now; restart them in the callback to repeat. */
void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *data);
int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms);
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
bool ev_timer_active(const struct ev_timer *t);

/*
 * Delivers signo to cb on the loop thread. The signal is blocked for the
 * calling thread (start it before creating other threads so they inherit
 * the mask). Returns 0 or -1.
 */
int ev_signal_start(struct ev_loop *loop, struct ev_signal *s, int signo, ev_signal_cb cb,
                    void *data);

#endif

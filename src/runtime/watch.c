/*
 * Reload when the manifests change. inotify watches each given directory,
 * or the directory holding each given file (editors replace files by
 * rename, which a watch on the file itself would miss). Changes settle for
 * RT_SETTLE_MS before the reload, so a burst of writes is one reload.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "runtime/internal.h"

#define RT_SETTLE_MS 300
#define RT_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE)

static bool
rt_is_manifest_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                              (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

/* Whether an event in a watched directory concerns one of our inputs. */
static bool
rt_event_matters(const struct runtime *rt, const struct inotify_event *ev)
{
    if (ev->len == 0)
        return false;
    for (size_t i = 0; i < rt->opts.npaths; i++) {
        const char *p = rt->opts.paths[i];
        const char *base = strrchr(p, '/');
        struct stat st;
        bool dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

        if (dir && rt_is_manifest_name(ev->name))
            return true;
        if (!dir && strcmp(base ? base + 1 : p, ev->name) == 0)
            return true;
    }
    return false;
}

static void
rt_settled(struct ev_loop *loop, struct ev_timer *t)
{
    (void)loop;
    rt_reload_request(t->data, "manifest files changed");
}

static void
rt_watch_event(struct ev_loop *loop, struct ev_io *io, unsigned revents)
{
    struct runtime *rt = io->data;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    ssize_t n;

    (void)revents;
    while ((n = read(io->fd, buf, sizeof(buf))) > 0)
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            changed = changed || rt_event_matters(rt, ev);
            p += sizeof(*ev) + ev->len;
        }
    if (changed)
        ev_timer_start(loop, &rt->watch.settle, RT_SETTLE_MS);
}

int
rt_watch_start(struct runtime *rt)
{
    struct rt_watch *w = &rt->watch;

    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        return -1;
    for (size_t i = 0; i < rt->opts.npaths; i++) {
        char *copy = strdup(rt->opts.paths[i]);
        struct stat st;
        const char *dir;

        if (copy == NULL)
            return -1;
        dir = stat(copy, &st) == 0 && S_ISDIR(st.st_mode) ? copy : dirname(copy);
        if (inotify_add_watch(w->fd, dir, RT_WATCH_MASK) < 0)
            log_warn("runtime", "cannot watch %s: %s", dir, strerror(errno));
        free(copy);
    }
    ev_timer_init(&w->settle, rt_settled, rt);
    ev_io_init(&w->io, w->fd, rt_watch_event, rt);
    return ev_io_start(&rt->loop, &w->io, EV_READ);
}

void
rt_watch_stop(struct runtime *rt)
{
    struct rt_watch *w = &rt->watch;

    if (w->io.cb == NULL)
        return;
    ev_timer_stop(&rt->loop, &w->settle);
    ev_io_stop(&rt->loop, &w->io);
    close(w->fd);
    w->io.cb = NULL;
}

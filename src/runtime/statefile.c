/* The allocation state directory (DIR/allocations.json), shared by
 * `metalgate run` and `metalgate plan --state`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fileio.h"
#include "runtime/runtime.h"

#define RT_STATE_FILE "allocations.json"
#define RT_STATE_MAX (256u * 1024 * 1024)

bool
runtime_state_exists(const char *dir)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, RT_STATE_FILE);
    return stat(path, &st) == 0;
}

void
runtime_state_load(const char *dir, struct plan_state *st, char *warn, size_t len)
{
    char path[4096], err[256];
    char *text;
    size_t n, skipped;

    warn[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, RT_STATE_FILE);
    if (file_read_all(path, RT_STATE_MAX, &text, &n) != 0) {
        if (errno != ENOENT)
            snprintf(warn, len, "cannot read state %s: %s; starting empty", path,
                     strerror(errno));
        return;
    }
    if (plan_state_parse(st, text, n, &skipped, err, sizeof(err)) != 0)
        snprintf(warn, len, "state %s is corrupt (%s); starting empty", path, err);
    else if (skipped > 0)
        snprintf(warn, len, "state %s: %zu malformed entries ignored", path, skipped);
    free(text);
}

static int
rt_state_sink(void *ctx, const void *data, size_t len)
{
    return file_atomic_write(ctx, data, len);
}

/* Streams the plan's allocations to the file: a million Services are
 * written in about a megabyte of memory, without a copy of the state. */
int
runtime_state_save(const char *dir, const struct plan *p, char *err, size_t len)
{
    struct plan_state_writer w;
    struct plan_reader r;
    const struct plan_service *s;
    struct file_atomic f;
    char path[4096];

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, len, "cannot create state directory %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, RT_STATE_FILE);
    if (file_atomic_open(&f, path) != 0) {
        snprintf(err, len, "cannot write state %s: %s", path, strerror(errno));
        return -1;
    }
    plan_state_writer_init(&w, rt_state_sink, &f);
    plan_reader_init(&r, p);
    while ((s = plan_next_service(&r)) != NULL)
        if (s->nips > 0)
            plan_state_writer_add(&w, s->kind, s->ns, s->name, s->ips, s->nips, s->pool);
    plan_reader_free(&r);
    if (plan_state_writer_finish(&w, NULL, NULL) != 0) {
        snprintf(err, len, "cannot write state %s: %s", path, strerror(errno));
        file_atomic_abort(&f);
        return -1;
    }
    if (file_atomic_commit(&f) != 0) {
        snprintf(err, len, "cannot write state %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

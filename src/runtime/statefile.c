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

int
runtime_state_save(const char *dir, const struct plan *p, char *err, size_t len)
{
    struct plan_state st;
    char path[4096];
    char *text = NULL;
    int rc = -1;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, len, "cannot create state directory %s: %s", dir, strerror(errno));
        return -1;
    }
    plan_state_init(&st);
    snprintf(path, sizeof(path), "%s/%s", dir, RT_STATE_FILE);
    if (plan_to_state(p, &st) != 0 || (text = plan_state_render(&st)) == NULL)
        snprintf(err, len, "out of memory while saving state");
    else if (file_write_atomic(path, text, strlen(text)) != 0)
        snprintf(err, len, "cannot write state %s: %s", path, strerror(errno));
    else
        rc = 0;
    free(text);
    plan_state_free(&st);
    return rc;
}

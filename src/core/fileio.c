#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
file_read_all(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf;
    size_t got = 0;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        int e = errno ? errno : EFBIG;
        if (S_ISREG(st.st_mode) && (size_t)st.st_size > max)
            e = EFBIG;
        else if (!S_ISREG(st.st_mode))
            e = EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

int
file_atomic_open(struct file_atomic *f, const char *path)
{
    size_t plen = strlen(path);

    f->fd = -1;
    f->path = strdup(path);
    f->tmp = malloc(plen + 5);
    if (f->path == NULL || f->tmp == NULL) {
        file_atomic_abort(f);
        errno = ENOMEM;
        return -1;
    }
    snprintf(f->tmp, plen + 5, "%s.tmp", path);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        int saved = errno;
        file_atomic_abort(f);
        errno = saved;
        return -1;
    }
    return 0;
}

int
file_atomic_write(struct file_atomic *f, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
file_atomic_commit(struct file_atomic *f)
{
    int fd, saved;

    if (fsync(f->fd) != 0 || close(f->fd) != 0) {
        saved = errno;
        f->fd = -1;
        file_atomic_abort(f);
        errno = saved;
        return -1;
    }
    f->fd = -1;
    if (rename(f->tmp, f->path) != 0) {
        saved = errno;
        file_atomic_abort(f);
        errno = saved;
        return -1;
    }
    fd = open(dirname(f->path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse directory fsync */
        close(fd);
    }
    free(f->tmp);
    free(f->path);
    f->tmp = f->path = NULL;
    return 0;
}

void
file_atomic_abort(struct file_atomic *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp != NULL)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    f->fd = -1;
    f->tmp = f->path = NULL;
}

int
file_write_atomic(const char *path, const void *data, size_t len)
{
    struct file_atomic f;

    if (file_atomic_open(&f, path) != 0)
        return -1;
    if (file_atomic_write(&f, data, len) != 0) {
        int saved = errno;
        file_atomic_abort(&f);
        errno = saved;
        return -1;
    }
    return file_atomic_commit(&f);
}

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

static int
file_write_fd(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return fsync(fd);
}

int
file_write_atomic(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5), *dircopy = strdup(path);
    int fd = -1, rc = -1, saved;

    if (tmp == NULL || dircopy == NULL) {
        errno = ENOMEM;
        goto out;
    }
    snprintf(tmp, plen + 5, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto out;
    if (file_write_fd(fd, data, len) != 0 || close(fd) != 0) {
        fd = -1;
        unlink(tmp);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        goto out;
    }
    fd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        fsync(fd); /* best effort: some file systems refuse directory fsync */
    rc = 0;
out:
    saved = errno;
    if (fd >= 0)
        close(fd);
    free(tmp);
    free(dircopy);
    errno = saved;
    return rc;
}

/* Whole-file reads with a size cap, and crash-safe replacement of a file. */
#ifndef METALGATE_CORE_FILEIO_H
#define METALGATE_CORE_FILEIO_H

#include <stddef.h>

/*
 * Reads the file at path into a malloc'ed, NUL-terminated buffer. Fails with
 * errno EFBIG when it is larger than max bytes. Returns 0 or -1 (errno set).
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

/*
 * Replaces path with data so that a crash leaves either the old or the new
 * content: writes path.tmp, fsyncs it, renames it over path and fsyncs the
 * directory. Returns 0 or -1 (errno set; the old file is untouched).
 */
int file_write_atomic(const char *path, const void *data, size_t len);

/* The same, written in pieces: open, write as often as needed, then commit
 * (or abort, which removes path.tmp and leaves path alone). Each returns 0
 * or -1 with errno set; a failed commit has aborted. */
struct file_atomic {
    int fd;
    char *tmp;  /* path.tmp */
    char *path;
};
int file_atomic_open(struct file_atomic *f, const char *path);
int file_atomic_write(struct file_atomic *f, const void *data, size_t len);
int file_atomic_commit(struct file_atomic *f);
void file_atomic_abort(struct file_atomic *f);

#endif

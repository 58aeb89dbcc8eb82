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

#endif

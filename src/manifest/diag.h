/*
 * Diagnostics in the contract format of docs/cli.md:
 *   FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: message
 *   FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: warning: message
 * Unknown parts print as "-"; cluster-scoped objects print NAME alone.
 */
#ifndef METALGATE_MANIFEST_DIAG_H
#define METALGATE_MANIFEST_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"

enum mf_severity {
    MF_SEV_ERROR,
    MF_SEV_WARNING,
};

struct mf_diag {
    enum mf_severity sev;
    const char *file;
    uint32_t line, col;
    const char *kind; /* NULL = unknown */
    const char *ns;   /* NULL = cluster-scoped or unknown */
    const char *name; /* NULL = unknown */
    const char *path; /* NULL = whole document */
    const char *msg;
    size_t seq; /* order of discovery, for a stable sort */
};

/* At most this many diagnostics are kept; the rest are only counted. */
#define MF_DIAGS_MAX 100000

struct mf_diags {
    struct mf_diag *v;
    size_t n, cap;
    size_t errors, warnings; /* including the ones not kept */
    size_t max;              /* kept at most (MF_DIAGS_MAX unless lowered) */
    struct arena arena;      /* the diagnostics' strings */
};

void mf_diags_init(struct mf_diags *d);
void mf_diags_free(struct mf_diags *d);

/* Records a diagnostic; strings are copied. */
void mf_diags_addv(struct mf_diags *d, enum mf_severity sev, const char *file, uint32_t line,
                   uint32_t col, const char *kind, const char *ns, const char *name,
                   const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 10, 0)));
void mf_diags_add(struct mf_diags *d, enum mf_severity sev, const char *file, uint32_t line,
                  uint32_t col, const char *kind, const char *ns, const char *name,
                  const char *path, const char *fmt, ...)
    __attribute__((format(printf, 10, 11)));

/* Moves every diagnostic of src to the end of dst (src is left empty but
 * initialised); the counts are added, including what src did not keep. */
void mf_diags_append(struct mf_diags *dst, struct mf_diags *src);

/* Orders by file, line, column, then discovery order. */
void mf_diags_sort(struct mf_diags *d);

/* Writes one line per diagnostic; warnings only when with_warnings. */
void mf_diags_print(const struct mf_diags *d, FILE *out, bool with_warnings);

/* Formats one diagnostic line (no newline) into buf; returns buf. */
char *mf_diag_format(const struct mf_diag *g, char *buf, size_t size);

#endif

/*
 * Sorting large arrays on two threads: each half with qsort_r, then one
 * merge. Ties keep their order (the left half first, and glibc's qsort is a
 * merge sort), so the result is the same as a stable sort's, on any number
 * of CPUs. Small arrays, and machines with one CPU, use qsort_r directly.
 */
#ifndef METALGATE_CORE_SORT_H
#define METALGATE_CORE_SORT_H

#include <stddef.h>

/* Below this many elements a second thread costs more than it saves. */
#define SORT_PARALLEL_MIN 50000

typedef int (*sort_cmp_r)(const void *a, const void *b, void *ctx);
typedef int (*sort_cmp)(const void *a, const void *b);

void sort_big_r(void *base, size_t n, size_t size, sort_cmp_r cmp, void *ctx);
void sort_big(void *base, size_t n, size_t size, sort_cmp cmp);

#endif

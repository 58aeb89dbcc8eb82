#include "core/sort.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sort_half {
    char *base;
    size_t n, size;
    sort_cmp_r cmp;
    void *ctx;
};

static void *
sort_half_run(void *arg)
{
    struct sort_half *h = arg;

    qsort_r(h->base, h->n, h->size, h->cmp, h->ctx);
    return NULL;
}

void
sort_big_r(void *base, size_t n, size_t size, sort_cmp_r cmp, void *ctx)
{
    char *b = base, *tmp, *out;
    size_t left = n / 2, i = 0, j;
    struct sort_half h;
    pthread_t t;

    if (n < SORT_PARALLEL_MIN || size == 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        n > (size_t)-1 / size || (tmp = malloc(n * size)) == NULL) {
        qsort_r(base, n, size, cmp, ctx);
        return;
    }
    h = (struct sort_half){b + left * size, n - left, size, cmp, ctx};
    if (pthread_create(&t, NULL, sort_half_run, &h) != 0) {
        free(tmp);
        qsort_r(base, n, size, cmp, ctx);
        return;
    }
    qsort_r(b, left, size, cmp, ctx);
    pthread_join(t, NULL);
    out = tmp;
    for (j = left; i < left && j < n; out += size) {
        if (cmp(b + j * size, b + i * size, ctx) < 0) /* ties: the left half first */
            memcpy(out, b + j++ * size, size);
        else
            memcpy(out, b + i++ * size, size);
    }
    memcpy(out, b + i * size, (left - i) * size);
    out += (left - i) * size;
    memcpy(out, b + j * size, (n - j) * size);
    memcpy(b, tmp, n * size);
    free(tmp);
}

static int
sort_plain(const void *a, const void *b, void *ctx)
{
    const sort_cmp *cmp = ctx;

    return (*cmp)(a, b);
}

void
sort_big(void *base, size_t n, size_t size, sort_cmp cmp)
{
    sort_big_r(base, n, size, sort_plain, &cmp);
}

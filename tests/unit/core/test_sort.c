#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "tests.h"

struct item {
    uint32_t key;
    uint32_t seq; /* input position: ties must keep it increasing */
};

static int
item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;

    return x->key < y->key ? -1 : x->key > y->key;
}

static void
check_sorted_and_stable(const struct item *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        assert_true(v[i - 1].key <= v[i].key);
        if (v[i - 1].key == v[i].key)
            assert_true(v[i - 1].seq < v[i].seq);
    }
}

/* Above and below the two-thread threshold, with many ties. */
static void
sort_big_is_sorted_and_stable(void **state)
{
    static const size_t sizes[] = {0, 1, 7, SORT_PARALLEL_MIN - 1, SORT_PARALLEL_MIN,
                                   3 * SORT_PARALLEL_MIN + 1};
    uint64_t rng = 12345;

    (void)state;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        struct item *v = malloc((n + 1) * sizeof(*v));
        uint64_t sum = 0, after = 0;

        assert_non_null(v);
        for (size_t i = 0; i < n; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i].key = (uint32_t)(rng >> 33) % 1000; /* about n/1000 of each */
            v[i].seq = (uint32_t)i;
            sum += v[i].key * 31u + v[i].seq;
        }
        sort_big(v, n, sizeof(*v), item_cmp);
        check_sorted_and_stable(v, n);
        for (size_t i = 0; i < n; i++)
            after += v[i].key * 31u + v[i].seq;
        assert_true(sum == after); /* a permutation of the input */
        free(v);
    }
}

const struct CMUnitTest test_sort[] = {
    cmocka_unit_test(sort_big_is_sorted_and_stable),
};
const size_t test_sort_count = sizeof(test_sort) / sizeof(test_sort[0]);

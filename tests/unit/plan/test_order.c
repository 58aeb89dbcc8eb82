/*
 * plan_rank_names() against a plain strcmp sort: random pairs built to hit
 * the key's edges (names equal in their first 16 bytes, prefixes of one
 * another, bytes above 0x7f, empty strings, duplicates, many namespaces so
 * that the namespace set grows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/internal.h"

enum { N = 3000 };

static uint32_t
rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static const char *const stems[] = {"",
                                    "a",
                                    "svc-",
                                    "abcdefghijklmnop",
                                    "abcdefghijklmnopq",
                                    "abcdefghijklmno",
                                    "\xc3\xa9t\xc3\xa9",
                                    "z"};

static void
random_string(char *out, size_t cap, uint32_t *s, unsigned spread)
{
    int n = snprintf(out, cap, "%s", stems[rnd(s) % 8]);

    if (rnd(s) % 3 != 0 && n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "%u", rnd(s) % spread);
}

static int
pair_cmp(const char *ns_a, const char *name_a, const char *ns_b, const char *name_b)
{
    int c = strcmp(ns_a, ns_b);

    return c != 0 ? c : strcmp(name_a, name_b);
}

static const char *sort_ns[N], *sort_names[N];

static int
index_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return pair_cmp(sort_ns[x], sort_names[x], sort_ns[y], sort_names[y]);
}

static void
ranks_match_a_strcmp_sort(void **state)
{
    static char ns_buf[N][40], name_buf[N][40];
    const char **ns = sort_ns, **names = sort_names;
    static uint32_t rank[N];
    static size_t order[N];
    struct arena scratch;
    uint32_t s = 12345, distinct = 0;

    (void)state;
    for (size_t i = 0; i < N; i++) {
        random_string(ns_buf[i], sizeof(ns_buf[i]), &s, 300);
        random_string(name_buf[i], sizeof(name_buf[i]), &s, 2000);
        ns[i] = ns_buf[i];
        names[i] = name_buf[i];
    }
    arena_init(&scratch, 0, 0);
    assert_int_equal(plan_rank_names(&scratch, ns, names, N, rank), 0);
    for (size_t i = 0; i < N; i++)
        order[i] = i;
    qsort(order, N, sizeof(order[0]), index_cmp);
    for (size_t k = 0; k < N; k++) {
        size_t i = order[k];
        /* The dense rank: how many distinct pairs sort before this one. */
        if (k > 0 && pair_cmp(ns[order[k - 1]], names[order[k - 1]], ns[i], names[i]) != 0)
            distinct++;
        if (rank[i] != distinct)
            fail_msg("%s/%s: rank %u, want %u", ns[i], names[i], rank[i], distinct);
    }
    assert_true(distinct > N / 2); /* mostly distinct, some equal */
    assert_true(distinct < N - 1);
    arena_free(&scratch);
}

static void
no_pairs_and_one_pair(void **state)
{
    const char *ns[1] = {"x"}, *names[1] = {"y"};
    uint32_t rank[1] = {7};
    struct arena scratch;

    (void)state;
    arena_init(&scratch, 0, 0);
    assert_int_equal(plan_rank_names(&scratch, ns, names, 0, rank), 0);
    assert_int_equal(rank[0], 7);
    assert_int_equal(plan_rank_names(&scratch, ns, names, 1, rank), 0);
    assert_int_equal(rank[0], 0);
    arena_free(&scratch);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks_match_a_strcmp_sort),
        cmocka_unit_test(no_pairs_and_one_pair),
    };

    return cmocka_run_group_tests_name("plan_order", tests, NULL, NULL);
}

#include <string.h>

#include "core/arena.h"
#include "tests.h"

static void
arena_zeroes_and_aligns(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a, 128, 0);
    for (int i = 1; i < 200; i++) {
        unsigned char *p = arena_alloc(&a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (int j = 0; j < i; j++)
            assert_int_equal(p[j], 0);
        memset(p, 0xab, (size_t)i);
    }
    arena_free(&a);
}

static void
arena_respects_limit(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a, 1024, 4096);
    assert_non_null(arena_alloc(&a, 1000));
    assert_null(arena_alloc(&a, 8192));
    assert_non_null(arena_alloc(&a, 1000));
    arena_free(&a);
}

static void
arena_printf_formats(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a, 0, 0);
    assert_string_equal(arena_printf(&a, "%s-%d", "pool", 7), "pool-7");
    assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
    arena_free(&a);
}

static void
arena_adopt_keeps_both(void **state)
{
    struct arena a, b, empty;
    char *from_a, *from_b, *big;

    (void)state;
    arena_init(&a, 64, 0);
    arena_init(&b, 64, 0);
    arena_init(&empty, 64, 0);
    from_a = arena_strndup(&a, "kept by a", 9);
    from_b = arena_strndup(&b, "moved from b", 12);
    big = arena_alloc(&b, 1000); /* b gets a second chunk */
    memset(big, 'x', 1000);
    arena_adopt(&a, &b);
    assert_null(b.head);
    assert_int_equal(b.total, 0);
    assert_int_equal(a.total, 64 + 64 + 1000);
    /* a still allocates from its own newest chunk */
    assert_non_null(arena_alloc(&a, 8));
    arena_adopt(&empty, &a); /* into an empty arena */
    assert_null(a.head);
    assert_string_equal(from_a, "kept by a");
    assert_string_equal(from_b, "moved from b");
    assert_int_equal(big[999], 'x');
    arena_adopt(&empty, &b); /* nothing to move */
    arena_free(&empty); /* frees all four chunks: ASan reports a leak otherwise */
    arena_free(&a);
    arena_free(&b);
}

const struct CMUnitTest test_arena[] = {
    cmocka_unit_test(arena_adopt_keeps_both),
    cmocka_unit_test(arena_zeroes_and_aligns),
    cmocka_unit_test(arena_respects_limit),
    cmocka_unit_test(arena_printf_formats),
};
const size_t test_arena_count = sizeof(test_arena) / sizeof(test_arena[0]);

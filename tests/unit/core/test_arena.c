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

const struct CMUnitTest test_arena[] = {
    cmocka_unit_test(arena_zeroes_and_aligns),
    cmocka_unit_test(arena_respects_limit),
    cmocka_unit_test(arena_printf_formats),
};
const size_t test_arena_count = sizeof(test_arena) / sizeof(test_arena[0]);

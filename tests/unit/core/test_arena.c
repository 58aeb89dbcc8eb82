#include <stdalign.h>
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

static void
arena_reset_keeps_one_default_chunk(void **state)
{
    struct arena a;
    char *s;

    (void)state;
    arena_init(&a, 256, 0);
    arena_reset(&a); /* nothing taken yet */
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    assert_non_null(arena_alloc(&a, 100));
    assert_non_null(arena_alloc(&a, 1000)); /* an oversized chunk of its own */
    assert_non_null(arena_alloc(&a, 200));  /* a second default chunk */
    assert_int_equal(a.total, 256 + 1000 + 256);
    arena_reset(&a);
    assert_non_null(a.head);
    assert_int_equal(a.total, 256);
    /* The kept chunk is empty again: 256 bytes fit without a new chunk. */
    s = arena_alloc(&a, 256);
    assert_non_null(s);
    assert_int_equal(a.total, 256);
    for (int i = 0; i < 256; i++)
        assert_int_equal(s[i], 0);
    arena_free(&a); /* ASan reports a leak if reset lost a chunk */
    assert_null(a.head);
}

static void
arena_reset_respects_limit(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a, 1024, 2048);
    assert_non_null(arena_alloc(&a, 1000));
    assert_non_null(arena_alloc(&a, 1000));
    assert_null(arena_alloc(&a, 1000)); /* a third chunk would pass the limit */
    arena_reset(&a);
    assert_int_equal(a.total, 1024);
    assert_non_null(arena_alloc(&a, 1000));
    assert_non_null(arena_alloc(&a, 1000)); /* room again after the reset */
    arena_free(&a);
}

static void
arena_copy_and_packed_strings(void **state)
{
    static const unsigned char bytes[5] = {1, 2, 3, 4, 5};
    struct arena a;
    unsigned char *copy;
    char *s1, *s2;
    void *raw;

    (void)state;
    arena_init(&a, 128, 0);
    s1 = arena_strndup(&a, "ab", 2);
    s2 = arena_strndup(&a, "cde", 3);
    assert_ptr_equal(s2, s1 + 3); /* strings are packed, one NUL apart */
    copy = arena_copy(&a, bytes, sizeof(bytes));
    assert_memory_equal(copy, bytes, sizeof(bytes));
    assert_int_equal((uintptr_t)copy % alignof(max_align_t), 0);
    raw = arena_alloc_uninit(&a, 16);
    assert_non_null(raw);
    assert_int_equal((uintptr_t)raw % alignof(max_align_t), 0);
    assert_non_null(arena_copy(&a, bytes, 0));
    assert_string_equal(s1, "ab");
    assert_string_equal(s2, "cde");
    arena_free(&a);
}

const struct CMUnitTest test_arena[] = {
    cmocka_unit_test(arena_reset_keeps_one_default_chunk),
    cmocka_unit_test(arena_reset_respects_limit),
    cmocka_unit_test(arena_copy_and_packed_strings),
    cmocka_unit_test(arena_adopt_keeps_both),
    cmocka_unit_test(arena_zeroes_and_aligns),
    cmocka_unit_test(arena_respects_limit),
    cmocka_unit_test(arena_printf_formats),
};
const size_t test_arena_count = sizeof(test_arena) / sizeof(test_arena[0]);

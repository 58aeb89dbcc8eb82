#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/yaml_tree.h"
#include "tests.h"

static int
read_str(const char *text, struct arena *a, struct yaml_stream *s)
{
    return yaml_stream_read((const unsigned char *)text, strlen(text), a, s);
}

static void
documents_and_positions(void **state)
{
    struct arena a;
    struct yaml_stream s;
    const struct ypair *p;

    (void)state;
    arena_init(&a, 0, 0);
    assert_int_equal(read_str("# comment only\n---\nkind: A\nspec:\n  x: [1, 2]\n---\n---\nkind: B\n",
                              &a, &s),
                     0);
    assert_false(s.failed);
    assert_int_equal(s.ndocs, 3);
    assert_non_null(s.docs[0].root);
    assert_null(s.docs[1].root); /* empty document */
    p = ynode_get(s.docs[0].root, "spec");
    assert_non_null(p);
    assert_int_equal(p->value->line, 5);
    assert_int_equal(p->value->col, 3);
    p = ynode_get(p->value, "x");
    assert_int_equal(p->value->kind, YNODE_SEQUENCE);
    assert_int_equal(p->value->nitems, 2);
    assert_int_equal(p->value->items[1]->col, 10);
    yaml_stream_release(&s);
    arena_free(&a);
}

static void
duplicate_keys_are_reported(void **state)
{
    struct arena a;
    struct yaml_stream s;

    (void)state;
    arena_init(&a, 0, 0);
    assert_int_equal(read_str("a: 1\nb: 2\na: 3\n", &a, &s), 0);
    assert_false(s.failed);
    assert_int_equal(s.ndups, 1);
    assert_int_equal(s.dups[0].line, 3);
    assert_int_equal(s.dups[0].col, 1);
    assert_non_null(strstr(s.dups[0].message, "\"a\""));
    yaml_stream_release(&s);
    arena_free(&a);
}

static void
syntax_error_keeps_earlier_documents(void **state)
{
    struct arena a;
    struct yaml_stream s;

    (void)state;
    arena_init(&a, 0, 0);
    assert_int_equal(read_str("kind: A\n---\nkind: B\n  bad: [\n", &a, &s), 0);
    assert_true(s.failed);
    assert_int_equal(s.ndocs, 1);
    assert_int_equal(s.problem.line, 4);
    assert_non_null(strstr(s.problem.message, "invalid YAML"));
    yaml_stream_release(&s);
    arena_free(&a);
}

static void
deep_nesting_is_bounded(void **state)
{
    struct arena a;
    struct yaml_stream s;
    char *text = malloc(20000);
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 5000; i++)
        text[n++] = '[';
    text[n] = '\0';
    arena_init(&a, 0, 0);
    assert_int_equal(read_str(text, &a, &s), 0);
    assert_true(s.failed);
    assert_non_null(strstr(s.problem.message, "nesting is deeper"));
    yaml_stream_release(&s);
    arena_free(&a);
    free(text);
}

static void
aliases_are_shared_not_copied(void **state)
{
    struct arena a;
    struct yaml_stream s;
    /* A "billion laughs" shape: each level refers to the previous one ten times. */
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

    (void)state;
    arena_init(&a, 0, 0);
    assert_int_equal(read_str(bomb, &a, &s), 0);
    assert_false(s.failed);
    assert_true(a.total < 1024 * 1024);
    yaml_stream_release(&s);
    arena_free(&a);
}

static void
binary_garbage_is_an_error(void **state)
{
    struct arena a;
    struct yaml_stream s;
    unsigned char junk[4096];

    (void)state;
    srand(7);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)rand();
    junk[0] = 0xff;
    arena_init(&a, 0, 0);
    assert_int_equal(yaml_stream_read(junk, sizeof(junk), &a, &s), 0);
    assert_true(s.failed);
    yaml_stream_release(&s);
    arena_free(&a);
}

const struct CMUnitTest test_yaml_tree[] = {
    cmocka_unit_test(documents_and_positions),
    cmocka_unit_test(duplicate_keys_are_reported),
    cmocka_unit_test(syntax_error_keeps_earlier_documents),
    cmocka_unit_test(deep_nesting_is_bounded),
    cmocka_unit_test(aliases_are_shared_not_copied),
    cmocka_unit_test(binary_garbage_is_an_error),
};
const size_t test_yaml_tree_count = sizeof(test_yaml_tree) / sizeof(test_yaml_tree[0]);

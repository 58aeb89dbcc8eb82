/* mf_load_paths: files decoded on several threads give what loading them one
 * after another gives (object order, diagnostics, counts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest/manifest.h"
#include "tests.h"

#define NFILES 12
#define PER_FILE 50

static void
write_file(const char *dir, const char *name, int file)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < PER_FILE; i++)
        fprintf(f, "apiVersion: v1\nkind: Node\nmetadata:\n  name: n-%02d-%03d\n---\n", file, i);
    /* one error per file, at a known line */
    fprintf(f, "apiVersion: v1\nkind: Node\nmetadata:\n  name: bad-%02d\n  labels: 7\n", file);
    fclose(f);
}

static void
remove_dir(const char *dir)
{
    char path[512];

    for (int k = 0; k < NFILES; k++) {
        snprintf(path, sizeof(path), "%s/f%02d.yaml", dir, k);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/skipped.txt", dir);
    unlink(path);
    rmdir(dir);
}

static void
parallel_load_keeps_named_order(void **state)
{
    char dir[] = "/tmp/mg-load-XXXXXX";
    char single[600], other[600];
    const char *paths[3];
    struct mf_set set;
    struct mf_diags diags;
    size_t i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* written in reverse so that creation order is not name order */
    for (int k = NFILES - 1; k >= 0; k--) {
        char name[32];
        snprintf(name, sizeof(name), "f%02d.yaml", k);
        write_file(dir, name, k);
    }
    snprintf(other, sizeof(other), "%s/skipped.txt", dir);
    fclose(fopen(other, "w"));
    /* a file named before the directory, and a path that does not exist */
    snprintf(single, sizeof(single), "%s/f07.yaml", dir);
    paths[0] = single;
    paths[1] = dir;
    paths[2] = "/nonexistent/metalgate-test.yaml";

    mf_set_init(&set);
    mf_diags_init(&diags);
    assert_int_equal(mf_load_paths(&set, paths, 3, &diags), -1); /* the missing path */
    assert_int_equal(set.files, NFILES + 1);
    assert_int_equal(set.n, (NFILES + 1) * (PER_FILE + 1));
    /* every document in the fast reader's subset, counted across threads */
    assert_int_equal(set.yaml_docs_fast, (NFILES + 1) * (PER_FILE + 1));
    assert_int_equal(set.yaml_docs_libyaml, 0);
    /* f07 first (named first), then f00..f11 in name order */
    for (i = 0; i < set.n; i++) {
        int file = i < PER_FILE + 1 ? 7 : (int)(i / (PER_FILE + 1)) - 1;
        int idx = (int)(i % (PER_FILE + 1));
        char want[32];
        if (idx == PER_FILE)
            snprintf(want, sizeof(want), "bad-%02d", file);
        else
            snprintf(want, sizeof(want), "n-%02d-%03d", file, idx);
        assert_string_equal(set.objects[i].name, want);
    }
    assert_int_equal(diags.errors, NFILES + 1 + 1);
    mf_diags_sort(&diags);
    for (i = 0; i < diags.n; i++) {
        if (strcmp(diags.v[i].file, paths[2]) == 0)
            continue;
        assert_int_equal(diags.v[i].line, PER_FILE * 5 + 5);
        assert_string_equal(diags.v[i].path, "metadata.labels");
    }
    mf_diags_free(&diags);
    mf_set_free(&set);
    remove_dir(dir);
}

/* A dangling link or a file gone since the listing (a ConfigMap volume
 * swapping its links) is skipped, not an error. */
static void
directory_skips_dangling_links(void **state)
{
    char dir[] = "/tmp/mg-load-XXXXXX", link[600];
    struct mf_set set;
    struct mf_diags diags;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "f00.yaml", 0);
    snprintf(link, sizeof(link), "%s/f01.yaml", dir);
    assert_int_equal(symlink("/nonexistent/metalgate-test.yaml", link), 0);
    mf_set_init(&set);
    mf_diags_init(&diags);
    assert_int_equal(mf_load_path(&set, dir, &diags), 0);
    assert_int_equal(set.files, 1);
    assert_int_equal(set.n, PER_FILE + 1);
    assert_int_equal(diags.errors, 1); /* f00's own labels error, nothing for f01 */
    mf_diags_free(&diags);
    mf_set_free(&set);
    unlink(link);
    remove_dir(dir);
}

/* Diagnostics beyond the cap are counted, not kept, also when merged. */
static void
diagnostics_cap_counts_the_rest(void **state)
{
    struct mf_diags a, b;

    (void)state;
    mf_diags_init(&a);
    mf_diags_init(&b);
    a.max = 10;
    for (int i = 0; i < 15; i++)
        mf_diags_add(&a, MF_SEV_ERROR, "a.yaml", (uint32_t)i + 1, 1, NULL, NULL, NULL, NULL, "e%d", i);
    assert_int_equal(a.n, 10);
    assert_int_equal(a.errors, 15);
    b.max = 12;
    mf_diags_add(&b, MF_SEV_WARNING, "b.yaml", 1, 1, NULL, NULL, NULL, NULL, "w");
    mf_diags_append(&b, &a);
    assert_int_equal(b.n, 11);
    assert_int_equal(b.errors, 15);
    assert_int_equal(b.warnings, 1);
    assert_int_equal(a.n, 0);
    assert_string_equal(b.v[10].msg, "e9");
    mf_diags_free(&a);
    mf_diags_free(&b);
}

/* The set counts the documents each YAML reader took. */
static void
yaml_reader_counts(void **state)
{
    const char *text = "apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n---\n"
                       "apiVersion: v1\nkind: Node\nmetadata:\n  name: &n b\n---\n"
                       "apiVersion: v1\nkind: Node\nmetadata:\n  name: c\n";
    struct mf_set set;
    struct mf_diags diags;

    (void)state;
    mf_set_init(&set);
    mf_diags_init(&diags);
    mf_load_buffer(&set, "t.yaml", (const unsigned char *)text, strlen(text), &diags);
    assert_int_equal(set.n, 3);
    assert_int_equal(set.yaml_docs_fast, 1);
    assert_int_equal(set.yaml_docs_libyaml, 2); /* the anchor's and the next */
    mf_diags_free(&diags);
    mf_set_free(&set);
}

const struct CMUnitTest test_load[] = {
    cmocka_unit_test(yaml_reader_counts),
    cmocka_unit_test(parallel_load_keeps_named_order),
    cmocka_unit_test(directory_skips_dangling_links),
    cmocka_unit_test(diagnostics_cap_counts_the_rest),
};
const size_t test_load_count = sizeof(test_load) / sizeof(test_load[0]);

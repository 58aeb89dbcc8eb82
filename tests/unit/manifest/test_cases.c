/*
 * Runs every cases/NAME.yaml through manifest/ and model/ and compares the
 * diagnostics with the file's own expectations, written as comments:
 *
 *   # expect-error: LINE[:COL] FIELD.PATH: text the message must contain
 *   # expect-warning: LINE[:COL] FIELD.PATH: text
 *
 * Every expectation must be met by a diagnostic of that severity at that
 * line (and column), with exactly that path. Every error must be expected;
 * warnings that are not listed are allowed. A case without expect-error
 * lines must load with no error at all.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest/manifest.h"
#include "model/model.h"

struct expectation {
    enum mf_severity sev;
    unsigned line, col; /* col 0 = any */
    char path[256];
    char text[512];
    bool met;
};

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static size_t
parse_expectations(const char *text, struct expectation *out, size_t max)
{
    size_t n = 0;
    const char *line = text;

    while (line != NULL && *line != '\0') {
        const char *next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        char buf[1024];
        const char *rest = NULL;
        enum mf_severity sev = MF_SEV_ERROR;

        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        if (strncmp(buf, "# expect-error: ", 16) == 0) {
            rest = buf + 16;
        } else if (strncmp(buf, "# expect-warning: ", 18) == 0) {
            rest = buf + 18;
            sev = MF_SEV_WARNING;
        }
        if (rest != NULL && n < max) {
            struct expectation *e = &out[n];
            const char *sp = strchr(rest, ' ');
            const char *colon = sp ? strstr(sp + 1, ": ") : NULL;

            memset(e, 0, sizeof(*e));
            e->sev = sev;
            if (sscanf(rest, "%u:%u", &e->line, &e->col) < 1 || sp == NULL || colon == NULL)
                fail_msg("malformed expectation: %s", buf);
            snprintf(e->path, sizeof(e->path), "%.*s", (int)(colon - sp - 1), sp + 1);
            snprintf(e->text, sizeof(e->text), "%s", colon + 2);
            n++;
        }
        line = next ? next + 1 : NULL;
    }
    return n;
}

static bool
matches(const struct expectation *e, const struct mf_diag *g)
{
    const char *path = g->path && g->path[0] ? g->path : "-";

    return e->sev == g->sev && e->line == g->line && (e->col == 0 || e->col == g->col) &&
           strcmp(e->path, path) == 0 && strstr(g->msg, e->text) != NULL;
}

static void
run_case(void **state)
{
    const char *path = *state;
    struct expectation exp[64];
    size_t nexp, len = 0, unexpected = 0;
    char *text = read_file(path, &len);
    struct mf_set set;
    struct mf_diags diags;
    struct model_options opt = {0};
    char line[2048];

    assert_non_null(text);
    nexp = parse_expectations(text, exp, 64);
    mf_set_init(&set);
    mf_diags_init(&diags);
    mf_load_buffer(&set, path, (const unsigned char *)text, len, &diags);
    model_check(&set, &opt, &diags);
    mf_diags_sort(&diags);
    for (size_t i = 0; i < diags.n; i++) {
        bool expected = false;
        for (size_t j = 0; j < nexp; j++)
            if (matches(&exp[j], &diags.v[i])) {
                exp[j].met = true;
                expected = true;
            }
        if (!expected && diags.v[i].sev == MF_SEV_ERROR) {
            print_error("unexpected: %s\n", mf_diag_format(&diags.v[i], line, sizeof(line)));
            unexpected++;
        }
    }
    for (size_t j = 0; j < nexp; j++)
        if (!exp[j].met) {
            print_error("missing %s at %u:%u %s: %s\n",
                        exp[j].sev == MF_SEV_ERROR ? "error" : "warning", exp[j].line, exp[j].col,
                        exp[j].path, exp[j].text);
            for (size_t i = 0; i < diags.n; i++)
                print_error("  got: %s\n", mf_diag_format(&diags.v[i], line, sizeof(line)));
            unexpected++;
        }
    mf_diags_free(&diags);
    mf_set_free(&set);
    free(text);
    assert_int_equal(unexpected, 0);
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    DIR *d;
    struct dirent *e;
    char **paths = NULL;
    struct CMUnitTest *tests;
    size_t n = 0;
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CASES_DIR\n", argv[0]);
        return 2;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        perror(argv[1]);
        return 2;
    }
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
            continue;
        paths = realloc(paths, (n + 1) * sizeof(*paths));
        paths[n] = malloc(strlen(argv[1]) + l + 2);
        sprintf(paths[n], "%s/%s", argv[1], e->d_name);
        n++;
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "no cases in %s\n", argv[1]);
        return 1;
    }
    qsort(paths, n, sizeof(*paths), name_cmp);
    tests = calloc(n, sizeof(*tests));
    for (size_t i = 0; i < n; i++) {
        tests[i].name = strrchr(paths[i], '/') + 1;
        tests[i].test_func = run_case;
        tests[i].initial_state = paths[i];
    }
    failed = _cmocka_run_group_tests("manifest-cases", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(tests);
    return failed ? 1 : 0;
}

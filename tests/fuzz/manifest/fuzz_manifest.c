/*
 * libFuzzer target for the manifest loader and the model checks: the whole
 * path `metalgate check` takes for one file, minus the file system. Any crash,
 * sanitizer report, leak, hang (-timeout) or runaway allocation (-rss_limit_mb)
 * on an input is a bug in src/manifest or src/model: hostile YAML must end in
 * diagnostics, never in anything else (issue 2, "Bad input").
 *
 * Run (docs/internals/manifest.md, "Fuzzing"):
 *   build-ci-fuzz/tests/fuzz/fuzz_manifest -dict=tests/fuzz/manifest/manifest.dict \
 *       NEW_DIR tests/fuzz/manifest/corpus
 */
#include <stddef.h>
#include <stdint.h>

#include "manifest/manifest.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formats every diagnostic, so the printer sees whatever strings the decoder
 * stored (positions, names and paths taken from the input). */
static void
fuzz_format_all(const struct mf_diags *diags)
{
    char line[1024];

    for (size_t i = 0; i < diags->n; i++)
        (void)mf_diag_format(&diags->v[i], line, sizeof(line));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct model_options opt = {0};
    struct mf_set set;
    struct mf_diags diags;

    mf_set_init(&set);
    mf_diags_init(&diags);
    mf_load_buffer(&set, "fuzz.yaml", data, size, &diags);
    model_check(&set, &opt, &diags);
    mf_diags_sort(&diags);
    fuzz_format_all(&diags);
    mf_diags_free(&diags);
    mf_set_free(&set);
    return 0;
}

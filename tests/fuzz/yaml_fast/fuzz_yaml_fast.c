/*
 * Differential libFuzzer target for the fast YAML reader
 * (src/manifest/yaml_fast.c): reads each input with the fast reader in front
 * of libyaml and with libyaml alone, in both yaml_stream_read and
 * yaml_stream_each form, and abort()s when anything the caller can see
 * differs: documents, their lines and indexes, trees (kind, position, text
 * bytes, plain, shadowed, tag, order), duplicate-key problems, the failure
 * and its problem. The fast reader's promise is "exactly libyaml's result";
 * this is where that promise is tested.
 *
 * Run (docs/internals/manifest.md, "The fast reader"):
 *   build-fuzz/tests/fuzz/fuzz_yaml_fast -dict=tests/fuzz/yaml_fast/yaml_fast.dict \
 *       -max_len=4096 NEW_DIR tests/fuzz/yaml_fast/corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yaml_read_stats fast_stats, slow_stats;
    char *fast = ydump_read(data, size, false, &fast_stats);
    char *slow = ydump_read(data, size, true, &slow_stats);

    if (fast != NULL && slow != NULL && strcmp(fast, slow) != 0) {
        fprintf(stderr,
                "fast reader and libyaml differ\n--- fast (%u fast, %u libyaml)\n%s"
                "--- libyaml\n%s",
                fast_stats.docs_fast, fast_stats.docs_libyaml, fast, slow);
        abort();
    }
    free(fast);
    free(slow);
    return 0;
}

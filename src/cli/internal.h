/* Subcommands and their shared helpers. Internal to cli/. */
#ifndef METALGATE_CLI_INTERNAL_H
#define METALGATE_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest/manifest.h"
#include "model/model.h"

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int cli_check(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_status(int argc, char **argv);

/* Prints "metalgate: <message>" and "Try 'metalgate CMD --help'" to stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Manifest inputs gathered from repeated -f options. */
struct cli_inputs {
    const char **paths;
    size_t n, cap;
};

int cli_inputs_add(struct cli_inputs *in, const char *path);
void cli_inputs_free(struct cli_inputs *in);

/*
 * Loads every input and runs the model checks. Returns CLI_EXIT_OK when no
 * error was found, CLI_EXIT_INVALID when some were (diags holds them), or
 * CLI_EXIT_USAGE when a path cannot be read.
 */
int cli_load(const struct cli_inputs *in, const struct model_options *opt, struct mf_set *set,
             struct mf_diags *diags);

#endif

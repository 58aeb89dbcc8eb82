#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "metalgate_version.h"

static int cli_version(int argc, char **argv);

static const struct cli_command cli_commands[] = {
    {"check", "validate manifests (MetalLB, Gateway API, Kuadrant)", cli_check},
    {"plan", "print the allocations and announcements the manifests ask for", cli_plan},
    {"run", "run the daemon (allocate, announce, serve the admin endpoint)", cli_run},
    {"status", "show a running daemon's state", cli_status},
    {"version", "print the version", cli_version},
};

static void
cli_print_help(FILE *out)
{
    fprintf(out,
            "Usage: metalgate COMMAND [OPTIONS]\n"
            "\n"
            "Load-balancer IPs over BGP and a Gateway API gateway, configured by MetalLB,\n"
            "Gateway API and Kuadrant manifests.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
        fprintf(out, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(out, "\nRun 'metalgate COMMAND --help' for a command's options.\n"
                 "Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 runtime failure.\n");
}

static int
cli_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: metalgate version\n\nPrints the version of metalgate.\n");
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
    printf("metalgate %s\n", METALGATE_VERSION);
    return CLI_EXIT_OK;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "metalgate: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'metalgate %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return CLI_EXIT_USAGE;
}

int
cli_inputs_add(struct cli_inputs *in, const char *path)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 8;
        void *p = realloc(in->paths, cap * sizeof(*in->paths));
        if (p == NULL)
            return -1;
        in->paths = p;
        in->cap = cap;
    }
    in->paths[in->n++] = path;
    return 0;
}

void
cli_inputs_free(struct cli_inputs *in)
{
    free(in->paths);
    in->paths = NULL;
    in->n = in->cap = 0;
}

int
cli_load(const struct cli_inputs *in, const struct model_options *opt, struct mf_set *set,
         struct mf_diags *diags)
{
    if (mf_load_paths(set, (const char *const *)in->paths, in->n, diags) != 0)
        return CLI_EXIT_USAGE;
    model_check(set, opt, diags);
    mf_diags_sort(diags);
    return diags->errors ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

int
cli_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        cli_print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cli_version(1, argv + 1);
    for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
        if (strcmp(argv[1], cli_commands[i].name) == 0)
            return cli_commands[i].run(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}

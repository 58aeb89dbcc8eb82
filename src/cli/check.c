/* metalgate check: stop after model/, report every problem. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/internal.h"

static void
cli_check_help(void)
{
    printf("Usage: metalgate check -f PATH [-f PATH...] [OPTIONS]\n"
           "\n"
           "Validates manifests. PATH is a file or a directory (its *.yaml and *.yml files,\n"
           "in name order). Prints one line per problem on stderr:\n"
           "  FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: message\n"
           "Warnings (kinds or fields not implemented yet) carry \"warning:\" and do not fail.\n"
           "\n"
           "Options:\n"
           "  -f, --file PATH             manifest file or directory (repeatable)\n"
           "  -q, --quiet                 do not print warnings\n"
           "      --metallb-namespace NS  namespace MetalLB objects must be in\n"
           "                              (default metallb-system)\n"
           "  -h, --help                  show this help\n"
           "\n"
           "Exit codes: 0 valid, 1 invalid, 2 usage error.\n");
}

int
cli_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"metallb-namespace", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_inputs in = {0};
    struct model_options opt = {0};
    struct mf_set set;
    struct mf_diags diags;
    bool quiet = false;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_inputs_add(&in, optarg) != 0)
                return CLI_EXIT_RUNTIME;
            break;
        case 'q':
            quiet = true;
            break;
        case 'N':
            opt.metallb_namespace = optarg;
            break;
        case 'h':
            cli_check_help();
            cli_inputs_free(&in);
            return CLI_EXIT_OK;
        default:
            cli_inputs_free(&in);
            return cli_usage_error("check", "invalid option");
        }
    }
    if (optind < argc) {
        cli_inputs_free(&in);
        return cli_usage_error("check", "unexpected argument '%s' (use -f PATH)", argv[optind]);
    }
    if (in.n == 0)
        return cli_usage_error("check", "no manifests given (use -f PATH)");
    mf_set_init(&set);
    mf_diags_init(&diags);
    rc = cli_load(&in, &opt, &set, &diags);
    mf_diags_print(&diags, stderr, !quiet);
    if (rc == CLI_EXIT_OK)
        printf("ok: %zu objects in %zu files, %zu warnings\n", set.n, set.files, diags.warnings);
    mf_diags_free(&diags);
    mf_set_free(&set);
    cli_inputs_free(&in);
    return rc;
}

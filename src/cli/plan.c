/* metalgate plan: print what the manifests ask for. Filled in with IPAM. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/internal.h"

int
cli_plan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "metalgate: plan is not implemented yet\n");
    return CLI_EXIT_RUNTIME;
}

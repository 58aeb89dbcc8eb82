/* cli/: the metalgate command line (docs/cli.md). */
#ifndef METALGATE_CLI_H
#define METALGATE_CLI_H

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INVALID = 1, /* invalid input (manifests) */
    CLI_EXIT_USAGE = 2,   /* bad arguments */
    CLI_EXIT_RUNTIME = 3, /* failure at run time */
};

/* Runs the command line; returns the process exit code. */
int cli_main(int argc, char **argv);

#endif

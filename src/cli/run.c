/* metalgate run: the daemon (runtime/). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/internal.h"
#include "core/log.h"
#include "runtime/runtime.h"

static void
cli_run_help(void)
{
    printf("Usage: metalgate run -f PATH [-f PATH...] --node NAME [OPTIONS]\n"
           "\n"
           "Runs the daemon: loads the manifests, allocates addresses, announces them and\n"
           "serves the admin endpoint. Reloads on SIGHUP, on POST /reload and when a\n"
           "manifest file changes; a reload with invalid manifests keeps the running\n"
           "configuration. SIGTERM or SIGINT stops it.\n"
           "\n"
           "Options:\n"
           "  -f, --file PATH             manifest file or directory (repeatable)\n"
           "      --node NAME             this node (its Node manifest gives labels)\n"
           "      --state DIR             allocation state directory (sticky addresses)\n"
           "      --admin ADDR:PORT       admin endpoint (default 127.0.0.1:9901)\n"
           "      --metallb-namespace NS  namespace of MetalLB objects (default metallb-system)\n"
           "      --log-level LEVEL       debug, info, warn or error (default info)\n"
           "  -h, --help                  show this help\n"
           "\n"
           "Exit codes: 0 stopped cleanly, 1 invalid manifests at start, 2 usage error,\n"
           "3 runtime failure.\n");
}

int
cli_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},  {"node", required_argument, NULL, 'n'},
        {"state", required_argument, NULL, 's'}, {"admin", required_argument, NULL, 'a'},
        {"metallb-namespace", required_argument, NULL, 'N'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct cli_inputs in = {0};
    struct runtime_opts o;
    enum log_level level;
    int c, rc;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_inputs_add(&in, optarg) != 0)
                return CLI_EXIT_RUNTIME;
            break;
        case 'n':
            o.node = optarg;
            break;
        case 's':
            o.state_dir = optarg;
            break;
        case 'a':
            o.admin_addr = optarg;
            break;
        case 'N':
            o.metallb_namespace = optarg;
            break;
        case 'l':
            if (log_level_parse(optarg, &level) != 0) {
                cli_inputs_free(&in);
                return cli_usage_error("run", "--log-level takes debug, info, warn or error");
            }
            log_set_level(level);
            break;
        case 'h':
            cli_run_help();
            cli_inputs_free(&in);
            return CLI_EXIT_OK;
        default:
            cli_inputs_free(&in);
            return cli_usage_error("run", "invalid option");
        }
    }
    if (optind < argc || in.n == 0 || o.node == NULL) {
        cli_inputs_free(&in);
        return cli_usage_error("run", optind < argc ? "unexpected argument" :
                                      in.n == 0 ? "no manifests given (use -f PATH)"
                                                : "--node NAME is required");
    }
    o.paths = in.paths;
    o.npaths = in.n;
    rc = runtime_run(&o);
    cli_inputs_free(&in);
    return rc;
}

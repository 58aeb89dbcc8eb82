/* metalgate run: the daemon (runtime/). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/internal.h"
#include "core/log.h"
#include "gateway/proxy.h"
#include "runtime/runtime.h"

#define CLI_TIMEOUT_MAX_MS 3600000u /* one hour */

static void
cli_run_help(void)
{
    struct gw_proxy_opts d;

    gw_proxy_opts_default(&d);
    printf(
        "Usage: metalgate run -f PATH [-f PATH...] --node NAME [OPTIONS]\n"
        "\n"
        "Runs the daemon: loads the manifests, allocates addresses, announces them and\n"
        "serves the admin endpoint and the Gateways. Reloads on SIGHUP, on POST /reload\n"
        "and when a manifest file changes; a reload with invalid manifests keeps the\n"
        "running configuration. SIGTERM or SIGINT stops it.\n"
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
        "Gateway options:\n"
        "      --workers N             worker threads, 1-%u (default: online CPUs)\n"
        "      --header-timeout MS     a request head must arrive within this (default %u)\n"
        "      --idle-timeout MS       idle keep-alive client connections close (default %u)\n"
        "      --connect-timeout MS    upstream connect timeout (default %u)\n"
        "      --upstream-timeout MS   wait for the response head, else 504 (default %u)\n"
        "      --max-header-bytes N    request head size, %u-%u, else 431 (default %u)\n"
        "      --max-headers N         header fields per request, 1-%u, else 431 (default %u)\n"
        "      --max-body-bytes N      request body size, else 413; 0 = unlimited (default %llu)\n"
        "      --access-log PATH       access log file, reopened on SIGHUP; - = standard\n"
        "                              output (default -). Listeners log when their Gateway's\n"
        "                              metalgate.io/access-log annotation names them.\n"
        "Timeouts are in milliseconds, 1-%u.\n"
        "\n"
        "Exit codes: 0 stopped cleanly, 1 invalid manifests at start, 2 usage error,\n"
        "3 runtime failure.\n",
        GW_WORKERS_MAX, d.header_timeout_ms, d.idle_timeout_ms, d.connect_timeout_ms,
        d.upstream_timeout_ms, GW_HEADER_BYTES_MIN, GW_HEADER_BYTES_MAX, d.max_header_bytes,
        GW_HEADERS_MAX, d.max_headers, (unsigned long long)d.max_body_bytes, CLI_TIMEOUT_MAX_MS);
}

/* A decimal number in [min, max], digits only. Returns 0 or -1. */
static int
cli_run_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The numeric gateway options: long option value -> member, bounds. */
enum cli_run_num {
    CLI_RUN_WORKERS = 0,
    CLI_RUN_HEADER_TIMEOUT,
    CLI_RUN_IDLE_TIMEOUT,
    CLI_RUN_CONNECT_TIMEOUT,
    CLI_RUN_UPSTREAM_TIMEOUT,
    CLI_RUN_MAX_HEADER_BYTES,
    CLI_RUN_MAX_HEADERS,
    CLI_RUN_MAX_BODY_BYTES,
    CLI_RUN_NUM_COUNT
};

static const struct {
    const char *name;
    uint64_t min, max;
} cli_run_nums[CLI_RUN_NUM_COUNT] = {
    [CLI_RUN_WORKERS] = {"workers", 1, GW_WORKERS_MAX},
    [CLI_RUN_HEADER_TIMEOUT] = {"header-timeout", 1, CLI_TIMEOUT_MAX_MS},
    [CLI_RUN_IDLE_TIMEOUT] = {"idle-timeout", 1, CLI_TIMEOUT_MAX_MS},
    [CLI_RUN_CONNECT_TIMEOUT] = {"connect-timeout", 1, CLI_TIMEOUT_MAX_MS},
    [CLI_RUN_UPSTREAM_TIMEOUT] = {"upstream-timeout", 1, CLI_TIMEOUT_MAX_MS},
    [CLI_RUN_MAX_HEADER_BYTES] = {"max-header-bytes", GW_HEADER_BYTES_MIN, GW_HEADER_BYTES_MAX},
    [CLI_RUN_MAX_HEADERS] = {"max-headers", 1, GW_HEADERS_MAX},
    [CLI_RUN_MAX_BODY_BYTES] = {"max-body-bytes", 0, INT64_MAX},
};

/* getopt values of the numeric options start here (above any character). */
#define CLI_RUN_NUM_BASE 1000

static int
cli_run_set_number(struct gw_proxy_opts *g, enum cli_run_num k, const char *arg)
{
    uint64_t v;

    if (cli_run_number(arg, cli_run_nums[k].min, cli_run_nums[k].max, &v) != 0)
        return cli_usage_error("run",
                               "--%s takes a number from %" PRIu64 " to %" PRIu64 " (got '%.40s')",
                               cli_run_nums[k].name, cli_run_nums[k].min, cli_run_nums[k].max, arg);
    switch (k) {
    case CLI_RUN_WORKERS:
        g->workers = (unsigned)v;
        break;
    case CLI_RUN_HEADER_TIMEOUT:
        g->header_timeout_ms = (uint32_t)v;
        break;
    case CLI_RUN_IDLE_TIMEOUT:
        g->idle_timeout_ms = (uint32_t)v;
        break;
    case CLI_RUN_CONNECT_TIMEOUT:
        g->connect_timeout_ms = (uint32_t)v;
        break;
    case CLI_RUN_UPSTREAM_TIMEOUT:
        g->upstream_timeout_ms = (uint32_t)v;
        break;
    case CLI_RUN_MAX_HEADER_BYTES:
        g->max_header_bytes = (uint32_t)v;
        break;
    case CLI_RUN_MAX_HEADERS:
        g->max_headers = (uint32_t)v;
        break;
    case CLI_RUN_MAX_BODY_BYTES:
    case CLI_RUN_NUM_COUNT:
        g->max_body_bytes = v;
        break;
    }
    return 0;
}

#define CLI_RUN_NUM_OPT(name, k)                                                                   \
    {                                                                                              \
        name, required_argument, NULL, CLI_RUN_NUM_BASE + (k)                                      \
    }

int
cli_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},
        {"node", required_argument, NULL, 'n'},
        {"state", required_argument, NULL, 's'},
        {"admin", required_argument, NULL, 'a'},
        {"metallb-namespace", required_argument, NULL, 'N'},
        {"log-level", required_argument, NULL, 'l'},
        {"access-log", required_argument, NULL, 'L'},
        CLI_RUN_NUM_OPT("workers", CLI_RUN_WORKERS),
        CLI_RUN_NUM_OPT("header-timeout", CLI_RUN_HEADER_TIMEOUT),
        CLI_RUN_NUM_OPT("idle-timeout", CLI_RUN_IDLE_TIMEOUT),
        CLI_RUN_NUM_OPT("connect-timeout", CLI_RUN_CONNECT_TIMEOUT),
        CLI_RUN_NUM_OPT("upstream-timeout", CLI_RUN_UPSTREAM_TIMEOUT),
        CLI_RUN_NUM_OPT("max-header-bytes", CLI_RUN_MAX_HEADER_BYTES),
        CLI_RUN_NUM_OPT("max-headers", CLI_RUN_MAX_HEADERS),
        CLI_RUN_NUM_OPT("max-body-bytes", CLI_RUN_MAX_BODY_BYTES),
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_inputs in = {0};
    struct runtime_opts o;
    enum log_level level;
    int c, rc;

    memset(&o, 0, sizeof(o));
    gw_proxy_opts_default(&o.gateway);
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
        case 'L':
            if (optarg[0] == '\0') {
                cli_inputs_free(&in);
                return cli_usage_error("run", "--access-log takes a file name or -");
            }
            o.access_log = optarg;
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
            if (c >= CLI_RUN_NUM_BASE && c < CLI_RUN_NUM_BASE + CLI_RUN_NUM_COUNT) {
                if (cli_run_set_number(&o.gateway, (enum cli_run_num)(c - CLI_RUN_NUM_BASE),
                                       optarg) == 0)
                    break;
                cli_inputs_free(&in);
                return CLI_EXIT_USAGE;
            }
            cli_inputs_free(&in);
            return cli_usage_error("run", "invalid option");
        }
    }
    if (optind < argc || in.n == 0 || o.node == NULL) {
        cli_inputs_free(&in);
        return cli_usage_error("run", optind < argc ? "unexpected argument"
                                      : in.n == 0   ? "no manifests given (use -f PATH)"
                                                    : "--node NAME is required");
    }
    o.paths = in.paths;
    o.npaths = in.n;
    rc = runtime_run(&o);
    cli_inputs_free(&in);
    return rc;
}

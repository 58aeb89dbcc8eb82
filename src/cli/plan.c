/* metalgate plan: what the manifests ask for, on this node, now. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/internal.h"
#include "plan/plan.h"
#include "runtime/runtime.h"


struct cli_plan_opts {
    struct cli_inputs in;
    struct model_options model;
    const char *node;
    const char *state_dir;
    bool json;
    bool save;
    bool timings;
};

/* --timings: wall time and peak RSS after each stage, on stderr (benches). */
static void
cli_stage(const struct cli_plan_opts *o, const char *stage, struct timespec *since)
{
    struct timespec now;
    struct rusage ru;

    if (!o->timings)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "timing: %-14s %8.3f s  peak RSS %7.1f MB\n", stage,
            (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9,
            (double)ru.ru_maxrss / 1024.0);
    *since = now;
}

static void
cli_plan_help(void)
{
    printf("Usage: metalgate plan -f PATH [-f PATH...] [OPTIONS]\n"
           "\n"
           "Prints the plan: the addresses each LoadBalancer Service and Gateway gets, the\n"
           "prefixes announced to each BGP peer (and from which nodes), and the peers.\n"
           "\n"
           "Options:\n"
           "  -f, --file PATH             manifest file or directory (repeatable)\n"
           "      --node NAME             this node (its Node manifest gives labels)\n"
           "      --state DIR             allocation state directory (sticky addresses)\n"
           "      --save                  write the new allocations to --state DIR\n"
           "  -o, --output text|json      output format (default text)\n"
           "      --metallb-namespace NS  namespace of MetalLB objects (default metallb-system)\n"
           "      --timings               print each stage's time and peak memory on stderr\n"
           "  -h, --help                  show this help\n"
           "\n"
           "Exit codes: 0 ok, 1 invalid manifests, 2 usage error, 3 runtime failure.\n");
}

static void
cli_read_state(const char *dir, struct plan_state *st)
{
    char warn[512];

    runtime_state_load(dir, st, warn, sizeof(warn));
    if (warn[0] != '\0')
        fprintf(stderr, "metalgate: warning: %s\n", warn);
}

static int
cli_save_state(const char *dir, const struct plan *p)
{
    char err[512];

    if (runtime_state_save(dir, p, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "metalgate: %s\n", err);
    return -1;
}

static int
cli_plan_parse(int argc, char **argv, struct cli_plan_opts *o)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},   {"node", required_argument, NULL, 'n'},
        {"state", required_argument, NULL, 's'},  {"save", no_argument, NULL, 'S'},
        {"output", required_argument, NULL, 'o'}, {"metallb-namespace", required_argument, NULL, 'N'},
        {"timings", no_argument, NULL, 'T'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_inputs_add(&o->in, optarg) != 0)
                return CLI_EXIT_RUNTIME;
            break;
        case 'n':
            o->node = optarg;
            break;
        case 's':
            o->state_dir = optarg;
            break;
        case 'S':
            o->save = true;
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return cli_usage_error("plan", "-o takes text or json, not '%s'", optarg);
            o->json = strcmp(optarg, "json") == 0;
            break;
        case 'N':
            o->model.metallb_namespace = optarg;
            break;
        case 'T':
            o->timings = true;
            break;
        case 'h':
            cli_plan_help();
            return -1;
        default:
            return cli_usage_error("plan", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("plan", "unexpected argument '%s' (use -f PATH)", argv[optind]);
    if (o->in.n == 0)
        return cli_usage_error("plan", "no manifests given (use -f PATH)");
    if (o->save && o->state_dir == NULL)
        return cli_usage_error("plan", "--save needs --state DIR");
    return 0;
}

static int
cli_plan_print(const struct plan *p, bool json)
{
    if (json) {
        if (plan_render_json(p, stdout) != 0)
            return CLI_EXIT_RUNTIME;
    } else {
        plan_render_text(p, stdout);
    }
    return CLI_EXIT_OK;
}

int
cli_plan(int argc, char **argv)
{
    struct cli_plan_opts o;
    struct mf_set set;
    struct mf_diags diags;
    struct plan_state st;
    struct plan *p = NULL;
    const char *why;
    struct timespec t;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t);
    memset(&o, 0, sizeof(o));
    rc = cli_plan_parse(argc, argv, &o);
    if (rc != 0) {
        cli_inputs_free(&o.in);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    mf_set_init(&set);
    mf_diags_init(&diags);
    plan_state_init(&st);
    rc = cli_load(&o.in, &o.model, &set, &diags);
    cli_stage(&o, "load+check", &t);
    mf_diags_print(&diags, stderr, false);
    if (rc == CLI_EXIT_OK) {
        struct plan_input in = {&set, o.node, o.model.metallb_namespace, &st};
        if (o.state_dir != NULL)
            cli_read_state(o.state_dir, &st);
        p = plan_build(&in, &why);
        cli_stage(&o, "plan", &t);
        if (p == NULL) {
            fprintf(stderr, "metalgate: cannot plan: %s\n", why);
            rc = CLI_EXIT_RUNTIME;
        } else {
            rc = cli_plan_print(p, o.json);
            fflush(stdout);
            cli_stage(&o, "render", &t);
            if (rc == CLI_EXIT_OK && o.save && cli_save_state(o.state_dir, p) != 0)
                rc = CLI_EXIT_RUNTIME;
        }
    }
    plan_free(p);
    plan_state_free(&st);
    mf_diags_free(&diags);
    mf_set_free(&set);
    cli_inputs_free(&o.in);
    return rc;
}

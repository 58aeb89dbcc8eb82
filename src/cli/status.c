/* metalgate status: reads /status from a running daemon's admin endpoint. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "admin/admin.h"
#include "cli/cli.h"
#include "cli/internal.h"
#include "http/http.h"

#define CLI_STATUS_MAX (512u * 1024 * 1024)

static void
cli_status_help(void)
{
    printf("Usage: metalgate status [--admin ADDR:PORT] [-o text|json]\n"
           "\n"
           "Shows a running daemon's state: configuration, allocations, announced\n"
           "prefixes and peers, read from its admin endpoint.\n"
           "\n"
           "Options:\n"
           "      --admin ADDR:PORT   admin endpoint (default 127.0.0.1:9901)\n"
           "  -o, --output text|json  output format (default text)\n"
           "  -h, --help              show this help\n"
           "\n"
           "Exit codes: 0 ok, 2 usage error, 3 the daemon cannot be reached.\n");
}

/* GET path over one connection; returns the body (malloc'ed) or NULL. */
static char *
cli_admin_get(const char *addr, const char *path, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    unsigned sslen;
    struct timeval tv = {5, 0};
    char req[256], *buf = NULL;
    size_t len = 0, cap = 0;
    int fd;

    if (admin_parse_addr(addr, &ss, &sslen) != 0) {
        snprintf(err, errlen, "invalid admin address \"%s\"", addr);
        return NULL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
        snprintf(err, errlen, "cannot reach the admin endpoint %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: metalgate\r\nConnection: close\r\n\r\n",
             path);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
        snprintf(err, errlen, "cannot send to %s: %s", addr, strerror(errno));
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t n;
        if (len + 65536 > cap) {
            char *p = cap + 65536 > CLI_STATUS_MAX ? NULL : realloc(buf, cap + 65536);
            if (p == NULL)
                break;
            buf = p;
            cap += 65536;
        }
        n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (buf == NULL || len == 0) {
        snprintf(err, errlen, "no answer from %s", addr);
        free(buf);
        return NULL;
    }
    {
        struct http_limits lim;
        struct http_field fields[32];
        struct http_parser p;
        http_limits_default(&lim);
        http_parser_init(&p, HTTP_RESPONSE, &lim, fields, 32);
        if (http_parse(&p, buf, len) != HTTP_DONE || p.msg.status != 200) {
            snprintf(err, errlen, "unexpected answer from %s (status %u)", addr, p.msg.status);
            free(buf);
            return NULL;
        }
        memmove(buf, buf + p.msg.head_len, len - p.msg.head_len);
        len -= p.msg.head_len;
    }
    buf[len < cap ? len : cap - 1] = '\0';
    return buf;
}

static const char *
cli_js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void
cli_js_list(json_t *a, char *out, size_t cap)
{
    size_t at = 0;

    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(a) && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? "," : "",
                               json_string_value(json_array_get(a, i)));
    if (at == 0)
        snprintf(out, cap, "-");
}

/* Like `birdc show protocols`: one line per thing, the important columns first. */
static void
cli_status_text(json_t *root)
{
    json_t *rt = json_object_get(root, "runtime"), *v;
    size_t i;
    char a[512], b[512];

    printf("node %s, configuration %lld, %s, reloads %lld ok / %lld failed\n",
           cli_js(root, "node"), json_integer_value(json_object_get(rt, "generation")),
           json_is_true(json_object_get(rt, "ready")) ? "ready" : "not ready",
           json_integer_value(json_object_get(json_object_get(rt, "reloads"), "succeeded")),
           json_integer_value(json_object_get(json_object_get(rt, "reloads"), "failed")));
    if (json_is_string(json_object_get(rt, "lastError")))
        printf("last reload error: %s\n", cli_js(rt, "lastError"));
    printf("\n%-24s %-40s %-8s %s\n", "PEER", "ADDRESS", "ASN", "STATE");
    json_array_foreach(json_object_get(root, "peers"), i, v)
        printf("%-24s %-40s %-8lld %s\n", cli_js(v, "name"), cli_js(v, "address"),
               json_integer_value(json_object_get(v, "asn")),
               json_is_string(json_object_get(v, "state")) ? cli_js(v, "state") : "-");
    printf("\n%-40s %-10s %-32s %s\n", "SERVICE", "STATUS", "IPS", "POOL / REASON");
    json_array_foreach(json_object_get(root, "services"), i, v) {
        snprintf(b, sizeof(b), "%s/%s", cli_js(v, "namespace"), cli_js(v, "name"));
        cli_js_list(json_object_get(v, "ips"), a, sizeof(a));
        printf("%-40s %-10s %-32s %s%s%s\n", b, cli_js(v, "status"), a, cli_js(v, "pool"),
               json_is_string(json_object_get(v, "reason")) ? " / " : "",
               json_is_string(json_object_get(v, "reason")) ? cli_js(v, "reason") : "");
    }
    printf("\n%-24s %-24s %s\n", "PREFIX", "PEERS", "NODES / REASON");
    json_array_foreach(json_object_get(root, "advertisements"), i, v) {
        cli_js_list(json_object_get(v, "peers"), a, sizeof(a));
        cli_js_list(json_object_get(v, "nodes"), b, sizeof(b));
        printf("%-24s %-24s %s%s%s\n", cli_js(v, "prefix"), a, b,
               json_is_string(json_object_get(v, "reason")) ? " / " : "",
               json_is_string(json_object_get(v, "reason")) ? cli_js(v, "reason") : "");
    }
}

int
cli_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"admin", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *addr = ADMIN_DEFAULT_ADDR;
    bool json = false;
    char err[512], *body;
    json_t *root;
    json_error_t jerr;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            addr = optarg;
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return cli_usage_error("status", "-o takes text or json, not '%s'", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            cli_status_help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("status", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
    body = cli_admin_get(addr, "/status", err, sizeof(err));
    if (body == NULL) {
        fprintf(stderr, "metalgate: %s\n", err);
        return CLI_EXIT_RUNTIME;
    }
    if (json) {
        fputs(body, stdout);
        free(body);
        return CLI_EXIT_OK;
    }
    root = json_loads(body, 0, &jerr);
    free(body);
    if (root == NULL) {
        fprintf(stderr, "metalgate: the daemon's status is not JSON: %s\n", jerr.text);
        return CLI_EXIT_RUNTIME;
    }
    cli_status_text(root);
    json_decref(root);
    return CLI_EXIT_OK;
}

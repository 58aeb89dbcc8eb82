/*
 * HTTP/1.1 codec benchmark (not a test), one thread:
 *   small   - the request wrk sends (GET, Host), parsed in one call;
 *   browser - a ~600-byte browser request with 12 fields, in one call;
 *   split   - the browser request given one more byte per call (worst case
 *             for an incremental parser: a call per byte);
 *   forward - parse + serialize the browser request for upstream;
 *   chunked - decoding a 64 KiB body sent as 8 KiB chunks: framing only, the
 *             data is handed out in place, never read (hence the MB/s).
 *
 *   build-http/tests/unit/http/bench_http_parse [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http.h"

static const char small[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

static const char browser[] =
    "GET /api/v1/items/42?expand=owner&fields=id,name,price HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://shop.example.com/catalog?page=3\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=6f1c2e0a9b8d4c3e; prefs=dark; cart=3f9a\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "Priority: u=0, i\r\n"
    "\r\n";

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report(const char *name, long n, size_t bytes, double secs)
{
    printf("%-8s %10.0f msgs/s  %6.0f ns/msg  %7.0f MB/s\n", name, (double)n / secs,
           secs * 1e9 / (double)n, (double)n * (double)bytes / secs / 1e6);
}

static void
bench_parse(const char *name, const char *raw, size_t len, long n, bool bytewise)
{
    static struct http_field fields[100];
    struct http_limits lim;
    struct http_parser p;
    double t0;
    long ok = 0;

    http_limits_default(&lim);
    t0 = now();
    for (long i = 0; i < n; i++) {
        http_parser_init(&p, HTTP_REQUEST, &lim, fields, 100);
        if (bytewise) {
            for (size_t k = 1; k <= len; k++)
                if (http_parse(&p, raw, k) != HTTP_AGAIN)
                    break;
        }
        ok += http_parse(&p, raw, len) == HTTP_DONE;
    }
    report(name, n, len, now() - t0);
    if (ok != n)
        fprintf(stderr, "bench: %s refused\n", name);
}

static void
bench_forward(long n)
{
    static struct http_field fields[100];
    const struct http_forward f = {.client_addr = "192.0.2.10", .client_addr_len = 10};
    struct http_limits lim;
    struct http_parser p;
    char out[2048];
    size_t total = 0;
    double t0;

    http_limits_default(&lim);
    t0 = now();
    for (long i = 0; i < n; i++) {
        http_parser_init(&p, HTTP_REQUEST, &lim, fields, 100);
        http_parse(&p, browser, sizeof(browser) - 1);
        total += http_serialize_request(&p.msg, browser, &f, out, sizeof(out));
    }
    report("forward", n, sizeof(browser) - 1, now() - t0);
    if (total == 0)
        fprintf(stderr, "bench: serialize failed\n");
}

static void
bench_chunked(long n)
{
    enum { CHUNK = 8192, CHUNKS = 8 };
    static char body[CHUNKS * (CHUNK + 8) + 8];
    struct http_msg m = {.framing = HTTP_BODY_CHUNKED};
    struct http_limits lim;
    size_t len = 0, data = 0;
    double t0;

    for (int c = 0; c < CHUNKS; c++) {
        len += (size_t)snprintf(body + len, sizeof(body) - len, "2000\r\n");
        memset(body + len, 'x', CHUNK);
        len += CHUNK;
        memcpy(body + len, "\r\n", 2);
        len += 2;
    }
    memcpy(body + len, "0\r\n\r\n", 5);
    len += 5;
    http_limits_default(&lim);
    t0 = now();
    for (long i = 0; i < n; i++) {
        struct http_body b;
        size_t pos = 0, used;
        struct http_slice d;
        enum http_result r;

        http_body_init(&b, &m, &lim);
        while ((r = http_body_step(&b, body + pos, len - pos, &used, &d)) == HTTP_DATA) {
            pos += used;
            data += d.len;
        }
    }
    report("chunked", n, len, now() - t0);
    if (data != (size_t)n * CHUNK * CHUNKS)
        fprintf(stderr, "bench: chunked decode lost bytes\n");
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;

    bench_parse("small", small, sizeof(small) - 1, n, false);
    bench_parse("browser", browser, sizeof(browser) - 1, n, false);
    bench_parse("split", browser, sizeof(browser) - 1, n / 20, true);
    bench_forward(n);
    bench_chunked(n / 100);
    return 0;
}

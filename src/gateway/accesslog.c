/*
 * The access log line (accesslog.h). Everything that came from the network
 * (method, target, Host) is escaped and bounded here, so a hostile request
 * can neither break the JSON nor make a line longer than GW_LOG_LINE_MAX.
 */
#include "gateway/accesslog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Budgets of the configuration's own strings (names are escaped anyway). */
#define GW_LOG_NAME_MAX 384
#define GW_LOG_ROUTE_MAX 320
#define GW_LOG_ADDR_MAX 64

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (RFC 3629 table:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
gw_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* The escaped form of the character at s[0..n) into esc (12 bytes); sets
 * *used to the input bytes it stands for. Returns its length. */
static size_t
gw_json_char(const unsigned char *s, size_t n, char esc[12], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[0];
    size_t len;

    *used = 1;
    switch (c) {
    case '"':
        return memcpy(esc, "\\\"", 2), 2;
    case '\\':
        return memcpy(esc, "\\\\", 2), 2;
    case '\n':
        return memcpy(esc, "\\n", 2), 2;
    case '\r':
        return memcpy(esc, "\\r", 2), 2;
    case '\t':
        return memcpy(esc, "\\t", 2), 2;
    default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return 6;
    }
    len = gw_utf8_len(s, n);
    if (len == 0)
        return memcpy(esc, "\\ufffd", 6), 6;
    memcpy(esc, s, len);
    *used = len;
    return len;
}

bool
gw_json_string(char *out, size_t *pos, size_t cap, const char *s, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = *pos, limit, w, cut, i = 0;

    if (*pos >= cap || cap - *pos < 8 || max < 8)
        return false;
    limit = start + (cap - start < max ? cap - start : max);
    w = start;
    out[w++] = '"';
    cut = w;
    while (i < len) {
        char esc[12];
        size_t used, e = gw_json_char(u + i, len - i, esc, &used);

        if (w + e > limit - 1) {
            /* Room for `..."` is kept at cut. */
            memcpy(out + cut, "...\"", 4);
            *pos = cut + 4;
            return false;
        }
        memcpy(out + w, esc, e);
        w += e;
        i += used;
        if (w + 4 <= limit)
            cut = w;
    }
    out[w++] = '"';
    *pos = w;
    return true;
}

/* ---- the line ----------------------------------------------------------------- */

struct gw_line {
    char *p;
    size_t pos, cap;
};

static void gw_line_printf(struct gw_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
gw_line_printf(struct gw_line *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->pos >= l->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->p + l->pos, l->cap - l->pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->pos = (size_t)n < l->cap - l->pos ? l->pos + (size_t)n : l->cap - 1;
}

/* `,"key":` then the string or null. */
static void
gw_line_str(struct gw_line *l, const char *key, const char *s, size_t len, size_t max)
{
    gw_line_printf(l, ",\"%s\":", key);
    if (s == NULL)
        gw_line_printf(l, "null");
    else
        gw_json_string(l->p, &l->pos, l->cap, s, len, max);
}

static void
gw_line_ms(struct gw_line *l, const char *key, int64_t us)
{
    if (us < 0)
        gw_line_printf(l, ",\"%s\":null", key);
    else
        gw_line_printf(l, ",\"%s\":%" PRId64 ".%03d", key, us / 1000, (int)(us % 1000));
}

static void
gw_line_time(struct gw_line *l, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    gw_line_printf(l, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

size_t
gw_log_format(const struct gw_log_rec *r, char *out, size_t cap)
{
    /* The last byte is kept for the newline. */
    struct gw_line l = {out, 0, (cap < GW_LOG_LINE_MAX ? cap : GW_LOG_LINE_MAX) - 1};

    gw_line_time(&l, r->time_ms);
    gw_line_str(&l, "listener", r->listener, r->listener ? strlen(r->listener) : 0,
                GW_LOG_NAME_MAX);
    gw_line_str(&l, "route", r->route, r->route ? strlen(r->route) : 0, GW_LOG_ROUTE_MAX);
    if (r->rule < 0)
        gw_line_printf(&l, ",\"rule\":null");
    else
        gw_line_printf(&l, ",\"rule\":%" PRId64, r->rule);
    gw_line_str(&l, "client", r->client, r->client ? strlen(r->client) : 0, GW_LOG_ADDR_MAX);
    gw_line_printf(&l, ",\"client_port\":%u", r->client_port);
    gw_line_str(&l, "method", r->method, r->method_len, GW_LOG_METHOD_MAX);
    gw_line_str(&l, "target", r->target, r->target_len, GW_LOG_TARGET_MAX);
    gw_line_str(&l, "host", r->host, r->host_len, GW_LOG_HOST_MAX);
    if (r->minor < 0)
        gw_line_printf(&l, ",\"protocol\":null");
    else
        gw_line_printf(&l, ",\"protocol\":\"HTTP/1.%d\"", r->minor);
    if (r->status == 0)
        gw_line_printf(&l, ",\"status\":null");
    else
        gw_line_printf(&l, ",\"status\":%u", r->status);
    gw_line_printf(&l, ",\"request_bytes\":%" PRIu64 ",\"response_bytes\":%" PRIu64,
                   r->request_bytes, r->response_bytes);
    gw_line_ms(&l, "duration_ms", (int64_t)r->duration_us);
    gw_line_str(&l, "upstream", r->upstream, r->upstream ? strlen(r->upstream) : 0,
                GW_LOG_ADDR_MAX);
    gw_line_ms(&l, "upstream_latency_ms", r->upstream_latency_us);
    gw_line_printf(&l, ",\"aborted\":%s}", r->aborted ? "true" : "false");
    out[l.pos++] = '\n';
    return l.pos;
}

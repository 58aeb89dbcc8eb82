/*
 * Heads the proxy writes: forwarded requests and responses, its own simple
 * responses, chunk headers. Everything goes through a bounded writer that
 * refuses to pass the end of the caller's buffer; bodies are never copied
 * (the caller sends them from where they were read, with writev).
 */
#include <string.h>

#include "http/internal.h"

struct wbuf {
    char *p;
    size_t len;
    size_t cap;
    bool full; /* something did not fit: the result is unusable */
};

static void
wb_put(struct wbuf *w, const void *s, size_t n)
{
    if (n == 0)
        return;
    if (w->full || n > w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

#define WB_LIT(w, s) wb_put((w), (s), sizeof(s) - 1)

static void
wb_str(struct wbuf *w, const char *s)
{
    wb_put(w, s, strlen(s));
}

static void
wb_slice(struct wbuf *w, const char *buf, struct http_slice s)
{
    wb_put(w, buf + s.off, s.len);
}

static void
wb_u64(struct wbuf *w, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    wb_put(w, tmp + sizeof(tmp) - n, n);
}

size_t
http_chunk_header(uint64_t n, char out[HTTP_CHUNK_HEADER_MAX])
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    size_t k = 0;

    do {
        tmp[sizeof(tmp) - 1 - k++] = hex[n & 15];
        n >>= 4;
    } while (n != 0);
    memcpy(out, tmp + sizeof(tmp) - k, k);
    out[k] = '\r';
    out[k + 1] = '\n';
    return k + 2;
}

/* Is field f named by a Connection option of m (and so hop-by-hop)? */
static bool
named_by_connection(const struct http_msg *m, const char *buf, const struct http_field *f)
{
    const char *name = buf + f->name_off;

    for (uint16_t i = 0; i < m->n_fields; i++) {
        const struct http_field *c = &m->fields[i];
        const char *v = buf + c->value_off;
        uint32_t k = 0;

        if (c->id != HTTP_HDR_CONNECTION)
            continue;
        while (k < c->value_len) {
            uint32_t a, e;
            while (k < c->value_len && (v[k] == ',' || http_is(v[k], HTTP_CC_WS)))
                k++;
            a = k;
            while (k < c->value_len && http_is(v[k], HTTP_CC_TOKEN))
                k++;
            e = k;
            if (e - a == f->name_len && e > a) {
                uint32_t j = 0;
                while (j < f->name_len &&
                       http_lower[(uint8_t)v[a + j]] == http_lower[(uint8_t)name[j]])
                    j++;
                if (j == f->name_len)
                    return true;
            }
            while (k < c->value_len && v[k] != ',')
                k++;
        }
    }
    return false;
}

/*
 * "X_Forwarded_For", "Transfer_Encoding"...: a name that becomes one of the
 * fields the proxy controls once '_' reads as '-', as CGI, WSGI, Rack and PHP
 * do when they map fields to variables. Forwarding it would let a client
 * spoof X-Forwarded-Proto and the like past the proxy; it is dropped.
 */
static bool
spelt_with_underscores(const char *name, size_t len)
{
    char tmp[17];

    if (len < 2 || len > sizeof(tmp) || memchr(name, '_', len) == NULL)
        return false;
    for (size_t i = 0; i < len; i++)
        tmp[i] = name[i] == '_' ? '-' : name[i];
    return http_hdr_id(tmp, len) != HTTP_HDR_OTHER;
}

/*
 * Whether a field is left out of the copied fields: hop-by-hop fields, and
 * the fields the serializer writes itself (Host, framing, forwarding).
 * keep_upgrade keeps Upgrade.
 */
static bool
skip_field(const struct http_msg *m, const char *buf, const struct http_field *f, bool request,
           bool keep_upgrade)
{
    switch (f->id) {
    case HTTP_HDR_OTHER:
        return spelt_with_underscores(buf + f->name_off, f->name_len) ||
               (m->conn_other && named_by_connection(m, buf, f));
    case HTTP_HDR_UPGRADE:
        return !keep_upgrade;
    case HTTP_HDR_HOST:
    case HTTP_HDR_EXPECT:
    case HTTP_HDR_X_FORWARDED_FOR:
    case HTTP_HDR_X_FORWARDED_PROTO:
    case HTTP_HDR_FORWARDED:
        return request;
    default:
        return true;
    }
}

static void
copy_fields(struct wbuf *w, const struct http_msg *m, const char *buf, bool request,
            bool keep_upgrade)
{
    for (uint16_t i = 0; i < m->n_fields; i++) {
        const struct http_field *f = &m->fields[i];

        if (skip_field(m, buf, f, request, keep_upgrade))
            continue;
        wb_put(w, buf + f->name_off, f->name_len);
        WB_LIT(w, ": ");
        wb_put(w, buf + f->value_off, f->value_len);
        WB_LIT(w, "\r\n");
    }
}

/* Writes the values of every field with id, joined by ", ". Returns how many. */
static unsigned
join_values(struct wbuf *w, const struct http_msg *m, const char *buf, uint8_t id)
{
    unsigned n = 0;

    for (uint16_t i = 0; i < m->n_fields; i++) {
        const struct http_field *f = &m->fields[i];

        if (f->id != id || f->value_len == 0)
            continue;
        if (n++ > 0)
            WB_LIT(w, ", ");
        wb_put(w, buf + f->value_off, f->value_len);
    }
    return n;
}

/* An RFC 7239 node or host value: a token as is, anything else quoted. */
static void
forwarded_value(struct wbuf *w, const char *s, size_t n, bool brackets)
{
    bool token = !brackets && n > 0;

    for (size_t i = 0; token && i < n; i++)
        token = http_is(s[i], HTTP_CC_TOKEN);
    if (token) {
        wb_put(w, s, n);
        return;
    }
    WB_LIT(w, "\"");
    if (brackets)
        WB_LIT(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            WB_LIT(w, "\\");
        wb_put(w, s + i, 1);
    }
    if (brackets)
        WB_LIT(w, "]");
    WB_LIT(w, "\"");
}

/* X-Forwarded-For (appended), X-Forwarded-Proto (set), Forwarded (appended). */
static void
forwarding_fields(struct wbuf *w, const struct http_msg *m, const char *buf,
                  const struct http_forward *f, const char *host, size_t host_len)
{
    const char *addr = f->client_addr_len > 0 ? f->client_addr : "unknown";
    size_t alen = f->client_addr_len > 0 ? f->client_addr_len : 7;
    const char *proto = f->tls ? "https" : "http";

    WB_LIT(w, "X-Forwarded-For: ");
    if (join_values(w, m, buf, HTTP_HDR_X_FORWARDED_FOR) > 0)
        WB_LIT(w, ", ");
    wb_put(w, addr, alen);
    WB_LIT(w, "\r\nX-Forwarded-Proto: ");
    wb_str(w, proto);
    WB_LIT(w, "\r\nForwarded: ");
    if (join_values(w, m, buf, HTTP_HDR_FORWARDED) > 0)
        WB_LIT(w, ", ");
    WB_LIT(w, "for=");
    forwarded_value(w, addr, alen, memchr(addr, ':', alen) != NULL);
    WB_LIT(w, ";proto=");
    wb_str(w, proto);
    if (host_len > 0) {
        WB_LIT(w, ";host=");
        forwarded_value(w, host, host_len, false);
    }
    WB_LIT(w, "\r\n");
}

/* The request-target in origin form (absolute form loses scheme and authority). */
static void
origin_target(struct wbuf *w, const struct http_msg *m, const char *buf)
{
    uint32_t end = m->target.off + m->target.len;

    if (m->form != HTTP_FORM_ABSOLUTE) {
        wb_slice(w, buf, m->target);
        return;
    }
    if (m->path.len == 0)
        WB_LIT(w, "/");
    wb_put(w, buf + m->path.off, end - m->path.off);
}

size_t
http_serialize_request(const struct http_msg *m, const char *buf, const struct http_forward *f,
                       char *out, size_t cap)
{
    struct wbuf w = {.p = out, .cap = cap};
    const char *host = f->host != NULL ? f->host : buf + m->host.off;
    size_t host_len = f->host != NULL ? f->host_len : m->host.len;
    bool upgrade = f->keep_upgrade && m->upgrade;

    wb_slice(&w, buf, m->method_text);
    WB_LIT(&w, " ");
    if (f->target != NULL)
        wb_put(&w, f->target, f->target_len);
    else
        origin_target(&w, m, buf);
    WB_LIT(&w, " HTTP/1.1\r\nHost: ");
    wb_put(&w, host, host_len);
    WB_LIT(&w, "\r\n");
    copy_fields(&w, m, buf, true, upgrade);
    if (m->framing == HTTP_BODY_CHUNKED) {
        WB_LIT(&w, "Transfer-Encoding: chunked\r\n");
    } else if (m->has_content_length) {
        WB_LIT(&w, "Content-Length: ");
        wb_u64(&w, m->content_length);
        WB_LIT(&w, "\r\n");
    }
    if (upgrade)
        WB_LIT(&w, "Connection: upgrade\r\n");
    forwarding_fields(&w, m, buf, f, buf + m->host.off, m->host.len);
    WB_LIT(&w, "\r\n");
    return w.full ? 0 : w.len;
}

/* Body framing towards the client, and the framing fields that say so. */
static enum http_framing
response_framing(struct wbuf *w, const struct http_msg *m, const struct http_response_forward *f)
{
    switch (m->framing) {
    case HTTP_BODY_LENGTH:
    case HTTP_BODY_NONE:
        /* NONE keeps Content-Length: it describes the GET body (HEAD, 304). */
        if (m->has_content_length && m->status >= 200 && m->status != 204) {
            WB_LIT(w, "Content-Length: ");
            wb_u64(w, m->content_length);
            WB_LIT(w, "\r\n");
        }
        return m->framing;
    case HTTP_BODY_CHUNKED:
    case HTTP_BODY_CLOSE:
        if (f->client_minor == 0)
            return HTTP_BODY_CLOSE;
        WB_LIT(w, "Transfer-Encoding: chunked\r\n");
        return HTTP_BODY_CHUNKED;
    default:
        if (m->status == 101)
            WB_LIT(w, "Connection: upgrade\r\n");
        return HTTP_BODY_TUNNEL;
    }
}

size_t
http_serialize_response(const struct http_msg *m, const char *buf,
                        const struct http_response_forward *f, char *out, size_t cap,
                        enum http_framing *framing)
{
    struct wbuf w = {.p = out, .cap = cap};
    bool tunnel = m->framing == HTTP_BODY_TUNNEL;

    WB_LIT(&w, "HTTP/1.1 ");
    wb_u64(&w, m->status);
    WB_LIT(&w, " ");
    wb_slice(&w, buf, m->reason);
    WB_LIT(&w, "\r\n");
    copy_fields(&w, m, buf, false, tunnel && m->status == 101);
    *framing = response_framing(&w, m, f);
    if (*framing != HTTP_BODY_TUNNEL) {
        if (!f->keep_alive || *framing == HTTP_BODY_CLOSE)
            WB_LIT(&w, "Connection: close\r\n");
        else if (f->client_minor == 0)
            WB_LIT(&w, "Connection: keep-alive\r\n");
    }
    WB_LIT(&w, "\r\n");
    return w.full ? 0 : w.len;
}

size_t
http_simple_response(uint16_t status, bool close, const char *body, size_t body_len, char *out,
                     size_t cap)
{
    struct wbuf w = {.p = out, .cap = cap};

    WB_LIT(&w, "HTTP/1.1 ");
    wb_u64(&w, status);
    WB_LIT(&w, " ");
    wb_str(&w, http_status_reason(status));
    WB_LIT(&w, "\r\n");
    if (body_len > 0)
        WB_LIT(&w, "Content-Type: text/plain; charset=utf-8\r\n");
    WB_LIT(&w, "Content-Length: ");
    wb_u64(&w, body_len);
    WB_LIT(&w, "\r\n");
    if (close)
        WB_LIT(&w, "Connection: close\r\n");
    WB_LIT(&w, "\r\n");
    wb_put(&w, body, body_len);
    return w.full ? 0 : w.len;
}

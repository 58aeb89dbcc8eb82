/*
 * Semantics of the fields that decide how a message is framed and routed:
 * Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Expect; and
 * the syntax checks of hosts and paths shared with the request-line parser.
 * Each function here sees one field line; verdicts that need the whole head
 * (Content-Length with Transfer-Encoding, a final chunked) are taken in
 * parse.c once the head is complete.
 */
#include <string.h>

#include "http/internal.h"

static bool
port_valid(const char *s, size_t len)
{
    unsigned v = 0;

    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!http_is(s[i], HTTP_CC_DIGIT))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v <= 65535;
}

bool
http_host_valid(const char *s, size_t len, bool allow_empty, bool need_port)
{
    size_t i = 0;

    if (len == 0)
        return allow_empty && !need_port;
    if (s[0] == '[') {
        i = 1;
        while (i < len && (http_is(s[i], HTTP_CC_HEX) || s[i] == ':' || s[i] == '.'))
            i++;
        if (i == 1 || i == len || s[i] != ']')
            return false;
        i++;
    } else {
        while (i < len && http_is(s[i], HTTP_CC_HOST))
            i++;
        if (i == 0)
            return false;
    }
    if (i == len)
        return !need_port;
    return s[i] == ':' && port_valid(s + i + 1, len - i - 1);
}

/* "." or "..", each dot possibly written %2e or %2E. */
static bool
is_dot_segment(const char *s, size_t n)
{
    size_t dots = 0, i = 0;

    while (i < n) {
        if (s[i] == '.')
            i++;
        else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' && (s[i + 2] | 0x20) == 'e')
            i += 3;
        else
            return false;
        dots++;
    }
    return dots == 1 || dots == 2;
}

enum http_error
http_path_check(const char *s, size_t len)
{
    size_t seg = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' &&
            (len - i < 3 || !http_is(s[i + 1], HTTP_CC_HEX) || !http_is(s[i + 2], HTTP_CC_HEX)))
            return HTTP_ERR_TARGET;
        if (s[i] == '/') {
            if (is_dot_segment(s + seg, i - seg))
                return HTTP_ERR_TARGET_DOT;
            seg = i + 1;
        }
    }
    return is_dot_segment(s + seg, len - seg) ? HTTP_ERR_TARGET_DOT : HTTP_ERR_NONE;
}

/*
 * Next element of the comma-separated list v[*i..n), OWS trimmed, as
 * [*a, *z). Returns false when the list is exhausted. Empty elements are
 * returned as such (*a == *z); callers decide whether they are allowed.
 */
static bool
next_element(const char *v, uint32_t n, uint32_t *i, uint32_t *a, uint32_t *z)
{
    uint32_t k = *i, e;

    if (k > n)
        return false;
    while (k < n && http_is(v[k], HTTP_CC_WS))
        k++;
    e = k;
    while (e < n && v[e] != ',')
        e++;
    *i = e + 1;
    *a = k;
    while (e > k && http_is(v[e - 1], HTTP_CC_WS))
        e--;
    *z = e;
    return true;
}

static uint32_t
token_end(const char *v, uint32_t a, uint32_t z)
{
    while (a < z && http_is(v[a], HTTP_CC_TOKEN))
        a++;
    return a;
}

static enum http_error
apply_content_length(struct http_parser *p, const char *v, uint32_t n)
{
    uint64_t acc = 0;

    if (p->msg.has_content_length)
        return HTTP_ERR_CL_DUP;
    p->msg.has_content_length = true;
    if (memchr(v, ',', n) != NULL)
        return HTTP_ERR_CL_LIST;
    /* 18 digits stay below 2^63: no overflow check needed inside the loop. */
    if (n == 0 || n > 18)
        return HTTP_ERR_CL_INVALID;
    for (uint32_t i = 0; i < n; i++) {
        if (!http_is(v[i], HTTP_CC_DIGIT))
            return HTTP_ERR_CL_INVALID;
        acc = acc * 10 + (uint64_t)(v[i] - '0');
    }
    p->msg.content_length = acc;
    return HTTP_ERR_NONE;
}

/*
 * Records the codings of one Transfer-Encoding line in p->te_flags. Codings
 * from several lines accumulate in order, as if the lines were one list. A
 * coding with parameters is "other" (chunked takes none).
 */
static enum http_error
apply_transfer_encoding(struct http_parser *p, const char *v, uint32_t n)
{
    uint32_t i = 0, a, z;

    p->flags |= HTTP_PF_TE;
    while (next_element(v, n, &i, &a, &z)) {
        uint32_t t = token_end(v, a, z);
        bool params = false;

        if (t == a) {
            p->te_flags |= HTTP_TE_BAD;
            continue;
        }
        if (t < z) {
            uint32_t k = t;
            while (k < z && http_is(v[k], HTTP_CC_WS))
                k++;
            if (v[k] != ';')
                p->te_flags |= HTTP_TE_BAD;
            params = true;
        }
        if (!params && t - a == 7 && http_ieq(v + a, "chunked", 7)) {
            if (p->te_flags & HTTP_TE_CHUNKED)
                p->te_flags |= HTTP_TE_TWICE;
            p->te_flags |= HTTP_TE_CHUNKED | HTTP_TE_LAST;
        } else {
            p->te_flags = (uint8_t)((p->te_flags | HTTP_TE_OTHER) & ~HTTP_TE_LAST);
        }
    }
    return HTTP_ERR_NONE;
}

/* Connection: a list of tokens; empty elements are ignored (RFC 9110 5.6.1). */
static enum http_error
apply_connection(struct http_parser *p, const char *v, uint32_t n)
{
    uint32_t i = 0, a, z;

    while (next_element(v, n, &i, &a, &z)) {
        uint32_t len = z - a;

        if (len == 0)
            continue;
        if (token_end(v, a, z) != z)
            return HTTP_ERR_CONNECTION;
        if (len == 5 && http_ieq(v + a, "close", 5))
            p->msg.conn_close = true;
        else if (len == 10 && http_ieq(v + a, "keep-alive", 10))
            p->flags |= HTTP_PF_CONN_KEEPALIVE;
        else if (len == 7 && http_ieq(v + a, "upgrade", 7))
            p->flags |= HTTP_PF_CONN_UPGRADE;
        else
            p->msg.conn_other = true;
    }
    return HTTP_ERR_NONE;
}

static enum http_error
apply_host(struct http_parser *p, const struct http_field *f, const char *v, uint32_t n)
{
    if (p->msg.has_host)
        return HTTP_ERR_HOST_DUP;
    p->msg.has_host = true;
    p->msg.host_field = (int32_t)(f - p->msg.fields);
    return http_host_valid(v, n, false, false) ? HTTP_ERR_NONE : HTTP_ERR_HOST_INVALID;
}

enum http_error
http_field_apply(struct http_parser *p, const char *buf, const struct http_field *f)
{
    const char *v = buf + f->value_off;
    uint32_t n = f->value_len;
    bool request = p->kind == HTTP_REQUEST;

    switch (f->id) {
    case HTTP_HDR_CONTENT_LENGTH:
        return apply_content_length(p, v, n);
    case HTTP_HDR_TRANSFER_ENCODING:
        return apply_transfer_encoding(p, v, n);
    case HTTP_HDR_CONNECTION:
        return apply_connection(p, v, n);
    case HTTP_HDR_HOST:
        return request ? apply_host(p, f, v, n) : HTTP_ERR_NONE;
    case HTTP_HDR_UPGRADE:
        p->flags |= HTTP_PF_UPGRADE;
        return HTTP_ERR_NONE;
    case HTTP_HDR_EXPECT:
        if (request)
            p->flags |= n == 12 && http_ieq(v, "100-continue", 12) ? HTTP_PF_EXPECT_CONTINUE
                                                                   : HTTP_PF_EXPECT_OTHER;
        return HTTP_ERR_NONE;
    default:
        return HTTP_ERR_NONE;
    }
}

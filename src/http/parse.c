/*
 * DOC: the HTTP/1.1 head parser.
 *
 * A head is read line by line. The parser keeps two offsets: pos, where the
 * current line starts, and scan, up to which that line is known to hold no
 * LF. Each call searches for LF from scan only (memchr), so bytes arriving one
 * at a time cost no re-scan; a completed line is then validated once, in a
 * single pass per part (method, target, version; or name, value). Every byte
 * of the head goes through a class check, so a NUL, a bare CR or any control
 * character makes some check fail; the failure path then looks at the whole
 * line and reports NUL first, then bare CR, then the specific error, so the
 * error code does not depend on where in the line the bad byte sits.
 *
 * Field semantics (Host, Content-Length, Transfer-Encoding, Connection,
 * Upgrade, Expect) live in fields.c; framing and keep-alive are decided once
 * the empty line is seen (finish_request / finish_response).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "http/internal.h"

enum {
    HTTP_ST_START = 0, /* expecting the request or status line */
    HTTP_ST_FIELDS,    /* expecting a field line or the empty line */
    HTTP_ST_DONE,
    HTTP_ST_FAILED,
};

/* Leading empty lines tolerated before a request line (RFC 9112 2.2). */
#define HTTP_MAX_EMPTY_LINES 4

void
http_parser_init(struct http_parser *p, enum http_kind kind, const struct http_limits *lim,
                 struct http_field *fields, uint16_t cap)
{
    memset(p, 0, sizeof(*p));
    p->lim = lim;
    p->kind = (uint8_t)kind;
    p->cap = cap < lim->fields_max ? cap : lim->fields_max;
    p->msg.fields = fields;
    p->msg.host_field = -1;
}

void
http_parser_set_request_method(struct http_parser *p, enum http_method m)
{
    p->req_method = m;
}

/* The error for a line [s, e) that failed with err: NUL and bare CR first. */
static enum http_error
line_error(const char *b, uint32_t s, uint32_t e, enum http_error err)
{
    if (memchr(b + s, '\0', e - s) != NULL)
        return HTTP_ERR_NUL;
    if (memchr(b + s, '\r', e - s) != NULL)
        return HTTP_ERR_BARE_CR;
    return err;
}

/*
 * First index in [i, e) of a byte not allowed in a field value (anything
 * below 0x20 but HTAB, and DEL), or e. Field values are the bulk of a head,
 * so this is the loop that matters; SSE2 checks 16 bytes per step.
 */
static uint32_t
value_end(const char *b, uint32_t i, uint32_t e)
{
#ifdef __SSE2__
    const __m128i lo = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f), ht = _mm_set1_epi8('\t');

    while (e - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, lo), v);
        int mask;

        ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, ht), ctl);
        ctl = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, del));
        mask = _mm_movemask_epi8(ctl);
        if (mask != 0)
            return i + (uint32_t)__builtin_ctz((unsigned)mask);
        i += 16;
    }
#endif
    while (i < e && http_is(b[i], HTTP_CC_VALUE))
        i++;
    return i;
}

/* "HTTP/1.x" at b[i..i+8): sets *minor. Other major versions are 505. */
static enum http_error
parse_version(const char *b, uint32_t i, uint32_t e, uint8_t *minor)
{
    if (e - i != 8 || memcmp(b + i, "HTTP/", 5) != 0 || !http_is(b[i + 5], HTTP_CC_DIGIT) ||
        b[i + 6] != '.' || !http_is(b[i + 7], HTTP_CC_DIGIT))
        return HTTP_ERR_VERSION;
    if (b[i + 5] != '1')
        return HTTP_ERR_VERSION_UNSUPPORTED;
    *minor = b[i + 7] == '0' ? 0 : 1;
    return HTTP_ERR_NONE;
}

/* Splits a path-and-query starting at off into path and query slices. */
static void
split_query(struct http_msg *m, const char *b, uint32_t off, uint32_t end)
{
    const char *q = memchr(b + off, '?', end - off);
    uint32_t qi = q != NULL ? (uint32_t)(q - b) : end;

    m->path.off = off;
    m->path.len = qi - off;
    m->query.off = q != NULL ? qi + 1 : end;
    m->query.len = q != NULL ? end - qi - 1 : 0;
}

/* absolute-form: "http://" or "https://", authority, path-abempty, query. */
static enum http_error
parse_absolute(struct http_msg *m, const char *b, uint32_t s, uint32_t e)
{
    uint32_t a;

    if (e - s >= 7 && http_ieq(b + s, "http://", 7))
        a = s + 7;
    else if (e - s >= 8 && http_ieq(b + s, "https://", 8))
        a = s + 8;
    else
        return HTTP_ERR_TARGET;
    m->host.off = a;
    while (a < e && b[a] != '/' && b[a] != '?')
        a++;
    m->host.len = a - m->host.off;
    if (m->host.len == 0 || !http_host_valid(b + m->host.off, m->host.len, false, false))
        return HTTP_ERR_TARGET;
    split_query(m, b, a, e);
    return http_path_check(b + m->path.off, m->path.len);
}

/* Classifies and checks the request-target [s, e) against the method. */
static enum http_error
parse_target(struct http_msg *m, const char *b, uint32_t s, uint32_t e)
{
    bool connect = m->method == HTTP_METHOD_CONNECT;

    if (b[s] == '/' && !connect) {
        m->form = HTTP_FORM_ORIGIN;
        split_query(m, b, s, e);
        return http_path_check(b + m->path.off, m->path.len);
    }
    if (e - s == 1 && b[s] == '*')
        return m->method == HTTP_METHOD_OPTIONS ? (m->form = HTTP_FORM_ASTERISK, HTTP_ERR_NONE)
                                                : HTTP_ERR_TARGET;
    if (connect) {
        m->form = HTTP_FORM_AUTHORITY;
        m->host.off = s;
        m->host.len = e - s;
        return http_host_valid(b + s, e - s, false, true) ? HTTP_ERR_NONE : HTTP_ERR_TARGET;
    }
    m->form = HTTP_FORM_ABSOLUTE;
    return parse_absolute(m, b, s, e);
}

/* method SP request-target SP HTTP-version, exactly one SP each (RFC 9112 3). */
static enum http_error
parse_request_line(struct http_parser *p, const char *b, uint32_t s, uint32_t e)
{
    struct http_msg *m = &p->msg;
    uint32_t i = s, t;
    enum http_error err;

    while (i < e && http_is(b[i], HTTP_CC_TOKEN))
        i++;
    if (i == s || i == e || b[i] != ' ')
        return HTTP_ERR_METHOD;
    m->method_text.off = s;
    m->method_text.len = i - s;
    m->method = http_method_known(b + s, i - s);
    t = ++i;
    while (i < e && http_is(b[i], HTTP_CC_TARGET))
        i++;
    if (i < e && b[i] != ' ')
        return (uint8_t)b[i] < 0x20 || b[i] == 0x7f ? HTTP_ERR_TARGET_CTL : HTTP_ERR_TARGET;
    if (i == t)
        return HTTP_ERR_TARGET;
    if (i == e)
        return HTTP_ERR_VERSION;
    m->target.off = t;
    m->target.len = i - t;
    err = parse_version(b, i + 1, e, &m->minor);
    if (err != HTTP_ERR_NONE)
        return err;
    return parse_target(m, b, t, i);
}

/* HTTP-version SP 3DIGIT [SP reason-phrase] (the SP is optional when no reason follows). */
static enum http_error
parse_status_line(struct http_parser *p, const char *b, uint32_t s, uint32_t e)
{
    struct http_msg *m = &p->msg;
    enum http_error err;
    uint32_t i = s + 9;

    if (e - s < 12 || b[s + 8] != ' ')
        return HTTP_ERR_STATUS;
    err = parse_version(b, s, s + 8, &m->minor);
    if (err != HTTP_ERR_NONE)
        return err == HTTP_ERR_VERSION ? HTTP_ERR_STATUS : err;
    for (int k = 0; k < 3; k++)
        if (!http_is(b[i + k], HTTP_CC_DIGIT))
            return HTTP_ERR_STATUS;
    m->status = (uint16_t)((b[i] - '0') * 100 + (b[i + 1] - '0') * 10 + (b[i + 2] - '0'));
    if (m->status < 100 || m->status > 599)
        return HTTP_ERR_STATUS;
    i += 3;
    if (i < e && b[i++] != ' ')
        return HTTP_ERR_STATUS;
    m->reason.off = i;
    m->reason.len = e - i;
    return value_end(b, i, e) == e ? HTTP_ERR_NONE : HTTP_ERR_STATUS;
}

/* field-name ":" OWS field-value OWS (RFC 9112 5). */
static enum http_error
parse_field_line(struct http_parser *p, const char *b, uint32_t s, uint32_t e)
{
    struct http_msg *m = &p->msg;
    struct http_field *f;
    uint32_t i = s, v;

    if (b[s] == ' ' || b[s] == '\t')
        return HTTP_ERR_OBS_FOLD;
    while (i < e && http_is(b[i], HTTP_CC_TOKEN))
        i++;
    if (i == e)
        return HTTP_ERR_NO_COLON;
    if (b[i] != ':')
        return b[i] == ' ' || b[i] == '\t' ? HTTP_ERR_SPACE_BEFORE_COLON : HTTP_ERR_FIELD_NAME;
    if (i == s)
        return HTTP_ERR_FIELD_NAME;
    if (m->n_fields >= p->cap)
        return HTTP_ERR_TOO_MANY_FIELDS;
    v = i + 1;
    while (v < e && http_is(b[v], HTTP_CC_WS))
        v++;
    if (value_end(b, v, e) != e)
        return HTTP_ERR_FIELD_VALUE;
    while (e > v && http_is(b[e - 1], HTTP_CC_WS))
        e--;
    f = &m->fields[m->n_fields++];
    f->name_off = s;
    f->name_len = (uint16_t)(i - s);
    f->value_off = v;
    f->value_len = e - v;
    f->id = http_hdr_id(b + s, i - s);
    f->pad = 0;
    return f->id == HTTP_HDR_OTHER ? HTTP_ERR_NONE : http_field_apply(p, b, f);
}

/* Transfer-Encoding verdict: the order of the checks decides which error wins. */
static enum http_error
te_verdict(const struct http_parser *p)
{
    if (!(p->flags & HTTP_PF_TE))
        return HTTP_ERR_NONE;
    if (p->msg.minor == 0)
        return HTTP_ERR_TE_HTTP10;
    if (p->msg.has_content_length)
        return HTTP_ERR_CL_AND_TE;
    if (p->te_flags & HTTP_TE_BAD)
        return HTTP_ERR_TE_INVALID;
    if (p->te_flags & HTTP_TE_TWICE)
        return HTTP_ERR_TE_CHUNKED_TWICE;
    if (!(p->te_flags & HTTP_TE_LAST))
        return HTTP_ERR_TE_NOT_FINAL;
    if (p->te_flags & HTTP_TE_OTHER)
        return HTTP_ERR_TE_UNSUPPORTED;
    return HTTP_ERR_NONE;
}

/* Framing from Transfer-Encoding / Content-Length, when the status allows a body. */
static enum http_error
framing_from_fields(struct http_parser *p, enum http_framing none)
{
    struct http_msg *m = &p->msg;
    uint64_t max = p->lim->body_max;

    if (p->flags & HTTP_PF_TE)
        m->framing = HTTP_BODY_CHUNKED;
    else if (m->has_content_length && m->content_length > 0)
        m->framing = HTTP_BODY_LENGTH;
    else if (m->has_content_length)
        m->framing = HTTP_BODY_NONE;
    else
        m->framing = none;
    if (m->framing == HTTP_BODY_LENGTH && max != 0 && m->content_length > max)
        return HTTP_ERR_BODY_TOO_LARGE;
    return HTTP_ERR_NONE;
}

static void
set_keep_alive(struct http_parser *p)
{
    struct http_msg *m = &p->msg;

    if (m->minor >= 1)
        m->keep_alive = !m->conn_close;
    else
        m->keep_alive = !m->conn_close && (p->flags & HTTP_PF_CONN_KEEPALIVE);
}

static enum http_error
finish_request(struct http_parser *p)
{
    struct http_msg *m = &p->msg;
    enum http_error err;

    if (m->minor >= 1 && !m->has_host)
        return HTTP_ERR_HOST_MISSING;
    err = te_verdict(p);
    if (err != HTTP_ERR_NONE)
        return err;
    if (m->minor >= 1 && (p->flags & HTTP_PF_EXPECT_OTHER))
        return HTTP_ERR_EXPECT;
    m->expect_continue = m->minor >= 1 && (p->flags & HTTP_PF_EXPECT_CONTINUE);
    m->upgrade = m->minor >= 1 && (p->flags & HTTP_PF_UPGRADE) && (p->flags & HTTP_PF_CONN_UPGRADE);
    if ((m->form == HTTP_FORM_ORIGIN || m->form == HTTP_FORM_ASTERISK) && m->has_host) {
        const struct http_field *h = &m->fields[m->host_field];
        m->host.off = h->value_off;
        m->host.len = h->value_len;
    }
    set_keep_alive(p);
    return framing_from_fields(p, HTTP_BODY_NONE);
}

/* RFC 9112 6.3: which responses have no body, which are tunnels. */
static enum http_error
finish_response(struct http_parser *p)
{
    struct http_msg *m = &p->msg;
    enum http_error err = te_verdict(p);
    uint16_t s = m->status;

    if (err != HTTP_ERR_NONE)
        return err;
    set_keep_alive(p);
    if (s == 101 || (p->req_method == HTTP_METHOD_CONNECT && s / 100 == 2)) {
        m->framing = HTTP_BODY_TUNNEL;
        return HTTP_ERR_NONE;
    }
    if (s < 200 || s == 204 || s == 304 || p->req_method == HTTP_METHOD_HEAD) {
        m->framing = HTTP_BODY_NONE;
        return HTTP_ERR_NONE;
    }
    err = framing_from_fields(p, HTTP_BODY_CLOSE);
    if (m->framing == HTTP_BODY_CLOSE)
        m->keep_alive = false;
    return err;
}

/* The start line [s, e) (CRLF removed); leading empty request lines are skipped. */
static enum http_error
start_line(struct http_parser *p, const char *b, uint32_t s, uint32_t e)
{
    if (e == s) {
        if (p->kind == HTTP_REQUEST && ++p->empty_lines <= HTTP_MAX_EMPTY_LINES)
            return HTTP_ERR_NONE;
        return p->kind == HTTP_REQUEST ? HTTP_ERR_METHOD : HTTP_ERR_STATUS;
    }
    p->state = HTTP_ST_FIELDS;
    if (p->kind == HTTP_REQUEST)
        return parse_request_line(p, b, s, e);
    return parse_status_line(p, b, s, e);
}

/*
 * The size limit that applies to the line starting at s: the start line is
 * bounded by line_max and the head by head_max, whichever ends first. The
 * same rule decides on complete lines and on incomplete ones, so the error
 * does not depend on how the bytes were split.
 */
static uint64_t
size_limit(const struct http_parser *p, uint32_t s, enum http_error *err)
{
    uint64_t line_end = (uint64_t)s + p->lim->line_max;

    if (p->state == HTTP_ST_START && line_end <= p->lim->head_max) {
        *err = HTTP_ERR_LINE_TOO_LONG;
        return line_end;
    }
    *err = HTTP_ERR_HEAD_TOO_LARGE;
    return p->lim->head_max;
}

/* One complete line [p->pos, lf) where b[lf] is the LF. */
static enum http_error
line_done(struct http_parser *p, const char *b, uint32_t lf)
{
    uint32_t s = p->pos, e;
    enum http_error err;

    if ((uint64_t)lf + 1 > size_limit(p, s, &err))
        return err;
    if (lf == s || b[lf - 1] != '\r')
        return HTTP_ERR_BARE_LF;
    e = lf - 1;
    if (p->state == HTTP_ST_START) {
        err = start_line(p, b, s, e);
    } else if (e == s) {
        err = p->kind == HTTP_REQUEST ? finish_request(p) : finish_response(p);
        p->msg.head_len = lf + 1;
        p->state = HTTP_ST_DONE;
    } else {
        err = parse_field_line(p, b, s, e);
    }
    if (err != HTTP_ERR_NONE)
        err = line_error(b, s, e, err);
    p->pos = lf + 1;
    return err;
}

/* Limits on an incomplete line. */
static enum http_error
partial_check(const struct http_parser *p, size_t len)
{
    enum http_error err;

    return len > size_limit(p, p->pos, &err) ? err : HTTP_ERR_NONE;
}

static enum http_result
fail(struct http_parser *p, enum http_error err)
{
    p->error = err;
    p->state = HTTP_ST_FAILED;
    return HTTP_ERROR;
}

enum http_result
http_parse(struct http_parser *p, const char *buf, size_t len)
{
    enum http_error err;

    if (p->state == HTTP_ST_DONE)
        return HTTP_DONE;
    if (p->state == HTTP_ST_FAILED)
        return HTTP_ERROR;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    if (len < p->scan)
        return HTTP_AGAIN; /* the caller broke the contract: bytes never shrink */
    while (p->scan < len) {
        const char *lf = memchr(buf + p->scan, '\n', len - p->scan);
        if (lf == NULL) {
            p->scan = (uint32_t)len;
            break;
        }
        p->scan = (uint32_t)(lf - buf) + 1;
        err = line_done(p, buf, p->scan - 1);
        if (err != HTTP_ERR_NONE)
            return fail(p, err);
        if (p->state == HTTP_ST_DONE)
            return HTTP_DONE;
    }
    err = partial_check(p, len);
    return err != HTTP_ERR_NONE ? fail(p, err) : HTTP_AGAIN;
}

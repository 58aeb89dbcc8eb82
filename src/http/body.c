/*
 * DOC: the body decoder.
 *
 * Content-Length, read-until-close and tunnel bodies are counted runs of
 * bytes. The chunked decoder (RFC 9112 section 7.1) is a byte-level state
 * machine for the framing (chunk-size line, the CRLF after the data, the
 * trailer section) and hands chunk data out in whole runs, pointing into the
 * caller's buffer, so no byte of data is copied or examined. Because framing
 * state is kept per byte, input may be split anywhere, even inside a chunk
 * size, and every byte given is consumed.
 *
 * Strictness (docs/internals/http.md): size is 1 to 15 hex digits; only SP and
 * HTAB before ';' (RFC 9112 BWS); extensions may hold any visible byte but no
 * control character; the whole size line is bounded by chunk_ext_max; data
 * must be followed by exactly CRLF; trailer lines obey the header-field rules
 * and limits and are discarded.
 */
#include "http/internal.h"

enum {
    B_DONE = 0,
    B_FAILED,
    B_LENGTH,
    B_CLOSE,
    B_TUNNEL,
    C_SIZE0,   /* first hex digit of a chunk size */
    C_SIZE,    /* more hex digits, ';', BWS or CR */
    C_SIZE_WS, /* BWS after the size: more BWS or ';' */
    C_EXT,     /* chunk extensions up to CR */
    C_SIZE_LF, /* LF ending the size line */
    C_DATA,
    C_DATA_CR, /* CR after the data */
    C_DATA_LF,
    C_TR_START, /* start of a trailer line, or CR of the final empty line */
    C_TR_NAME,
    C_TR_VALUE,
    C_TR_LF,
    C_END_LF, /* LF of the final empty line */
};

/* Chunk sizes of more hex digits are refused: 15 digits allow 2^60 - 1. */
#define HTTP_CHUNK_DIGITS_MAX 15

void
http_body_init(struct http_body *b, const struct http_msg *m, const struct http_limits *lim)
{
    *b = (struct http_body){.framing = (uint8_t)m->framing, .lim = lim};
    switch (m->framing) {
    case HTTP_BODY_LENGTH:
        b->remaining = m->content_length;
        b->state = b->remaining > 0 ? B_LENGTH : B_DONE;
        break;
    case HTTP_BODY_CHUNKED:
        b->state = C_SIZE0;
        break;
    case HTTP_BODY_CLOSE:
        b->state = B_CLOSE;
        break;
    case HTTP_BODY_TUNNEL:
        b->state = B_TUNNEL;
        break;
    default:
        b->state = B_DONE;
        break;
    }
}

static int
fail(struct http_body *b, enum http_error err)
{
    b->error = err;
    b->state = B_FAILED;
    return -1;
}

/* The size line ended: either data follows or the trailer section. */
static int
size_line_done(struct http_body *b)
{
    uint64_t max = b->lim->body_max;

    b->line_len = 0;
    if (b->size == 0) {
        b->state = C_TR_START;
        return 0;
    }
    if (max != 0 && (b->size > max || b->total > max - b->size))
        return fail(b, HTTP_ERR_BODY_TOO_LARGE);
    b->total += b->size;
    b->remaining = b->size;
    b->state = C_DATA;
    return 0;
}

/* After the size digits: BWS, ';' or the CR ending the line. */
static int
size_end_byte(struct http_body *b, char c)
{
    if (c == ';')
        b->state = C_EXT;
    else if (c == ' ' || c == '\t')
        b->state = C_SIZE_WS;
    else if (c == '\r' && b->state == C_SIZE)
        b->state = C_SIZE_LF;
    else
        return fail(b, HTTP_ERR_CHUNK_SIZE);
    return 0;
}

/* One byte of a chunk-size line. */
static int
size_byte(struct http_body *b, char c)
{
    if (++b->line_len > b->lim->chunk_ext_max)
        return fail(b, HTTP_ERR_CHUNK_EXT_TOO_LONG);
    if (c == '\0')
        return fail(b, HTTP_ERR_NUL);
    if (c == '\n')
        return b->state == C_SIZE_LF ? size_line_done(b) : fail(b, HTTP_ERR_BARE_LF);
    switch (b->state) {
    case C_SIZE0:
    case C_SIZE:
        if (!http_is(c, HTTP_CC_HEX))
            return b->state == C_SIZE ? size_end_byte(b, c) : fail(b, HTTP_ERR_CHUNK_SIZE);
        if (b->line_len > HTTP_CHUNK_DIGITS_MAX)
            return fail(b, HTTP_ERR_CHUNK_SIZE_OVERFLOW);
        b->size = b->size * 16 + http_hexval(c);
        b->state = C_SIZE;
        return 0;
    case C_SIZE_WS:
        return size_end_byte(b, c);
    case C_EXT:
        if (c == '\r')
            b->state = C_SIZE_LF;
        else if (!http_is(c, HTTP_CC_VALUE))
            return fail(b, HTTP_ERR_CHUNK_EXT);
        return 0;
    default: /* C_SIZE_LF: anything but LF */
        return fail(b, HTTP_ERR_BARE_CR);
    }
}

/* First byte of a trailer line: a name, or the CR of the final empty line. */
static int
trailer_line_start(struct http_body *b, char c)
{
    if (c == '\r') {
        b->state = C_END_LF;
        return 0;
    }
    if (c == ' ' || c == '\t')
        return fail(b, HTTP_ERR_OBS_FOLD);
    if (c == '\n')
        return fail(b, HTTP_ERR_BARE_LF);
    if (!http_is(c, HTTP_CC_TOKEN))
        return fail(b, HTTP_ERR_FIELD_NAME);
    if (++b->trailers > b->lim->fields_max)
        return fail(b, HTTP_ERR_TOO_MANY_FIELDS);
    b->state = C_TR_NAME;
    return 0;
}

/* One byte of the trailer section. */
static int
trailer_byte(struct http_body *b, char c)
{
    if (++b->trailer_bytes > b->lim->head_max)
        return fail(b, HTTP_ERR_HEAD_TOO_LARGE);
    if (c == '\0')
        return fail(b, HTTP_ERR_NUL);
    switch (b->state) {
    case C_TR_START:
        return trailer_line_start(b, c);
    case C_TR_NAME:
        if (c == ':')
            b->state = C_TR_VALUE;
        else if (c == ' ' || c == '\t')
            return fail(b, HTTP_ERR_SPACE_BEFORE_COLON);
        else if (c == '\r' || c == '\n')
            return fail(b, HTTP_ERR_NO_COLON);
        else if (!http_is(c, HTTP_CC_TOKEN))
            return fail(b, HTTP_ERR_FIELD_NAME);
        return 0;
    case C_TR_VALUE:
        if (c == '\r')
            b->state = C_TR_LF;
        else if (c == '\n')
            return fail(b, HTTP_ERR_BARE_LF);
        else if (!http_is(c, HTTP_CC_VALUE))
            return fail(b, HTTP_ERR_FIELD_VALUE);
        return 0;
    case C_TR_LF:
        if (c != '\n')
            return fail(b, HTTP_ERR_BARE_CR);
        b->state = C_TR_START;
        return 0;
    default: /* C_END_LF */
        if (c != '\n')
            return fail(b, HTTP_ERR_BARE_CR);
        b->state = B_DONE;
        return 1;
    }
}

/* One framing byte of a chunked body: 0 to go on, 1 when the body ended, -1 on error. */
static int
chunk_byte(struct http_body *b, char c)
{
    switch (b->state) {
    case C_DATA_CR:
        if (c != '\r')
            return fail(b, c == '\0' ? HTTP_ERR_NUL : HTTP_ERR_CHUNK_CRLF);
        b->state = C_DATA_LF;
        return 0;
    case C_DATA_LF:
        if (c != '\n')
            return fail(b, HTTP_ERR_CHUNK_CRLF);
        b->state = C_SIZE0;
        b->size = 0;
        return 0;
    case C_SIZE0:
    case C_SIZE:
    case C_SIZE_WS:
    case C_EXT:
    case C_SIZE_LF:
        return size_byte(b, c);
    default:
        return trailer_byte(b, c);
    }
}

static enum http_result
chunked_step(struct http_body *b, const char *buf, uint32_t len, size_t *consumed,
             struct http_slice *data)
{
    uint32_t i = 0;

    while (i < len) {
        int r;

        if (b->state == C_DATA) {
            uint32_t n = b->remaining < len - i ? (uint32_t)b->remaining : len - i;
            data->off = i;
            data->len = n;
            b->remaining -= n;
            if (b->remaining == 0)
                b->state = C_DATA_CR;
            *consumed = i + n;
            return HTTP_DATA;
        }
        r = chunk_byte(b, buf[i++]);
        if (r != 0) {
            *consumed = i;
            return r > 0 ? HTTP_DONE : HTTP_ERROR;
        }
    }
    *consumed = i;
    return HTTP_AGAIN;
}

/* A counted run: LENGTH, CLOSE or TUNNEL. */
static enum http_result
run_step(struct http_body *b, uint32_t len, size_t *consumed, struct http_slice *data)
{
    uint64_t max = b->lim->body_max;
    uint32_t n = len;

    if (len == 0)
        return HTTP_AGAIN;
    if (b->state == B_LENGTH) {
        n = b->remaining < len ? (uint32_t)b->remaining : len;
        b->remaining -= n;
        if (b->remaining == 0)
            b->state = B_DONE;
    } else if (b->state == B_CLOSE && max != 0 && b->total + n > max) {
        fail(b, HTTP_ERR_BODY_TOO_LARGE);
        return HTTP_ERROR;
    }
    b->total += n;
    data->off = 0;
    data->len = n;
    *consumed = n;
    return HTTP_DATA;
}

enum http_result
http_body_step(struct http_body *b, const char *buf, size_t len, size_t *consumed,
               struct http_slice *data)
{
    uint32_t n = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;

    *consumed = 0;
    data->off = 0;
    data->len = 0;
    switch (b->state) {
    case B_DONE:
        return HTTP_DONE;
    case B_FAILED:
        return HTTP_ERROR;
    case B_LENGTH:
    case B_CLOSE:
    case B_TUNNEL:
        return run_step(b, n, consumed, data);
    default:
        return chunked_step(b, buf, n, consumed, data);
    }
}

enum http_result
http_body_eof(struct http_body *b)
{
    if (b->state == B_DONE || b->state == B_CLOSE || b->state == B_TUNNEL) {
        b->state = B_DONE;
        return HTTP_DONE;
    }
    if (b->state != B_FAILED)
        fail(b, HTTP_ERR_TRUNCATED);
    return HTTP_ERROR;
}

bool
http_body_is_done(const struct http_body *b)
{
    return b->state == B_DONE;
}

/* Shared by the files of src/http only: character classes and small helpers. */
#ifndef METALGATE_HTTP_INTERNAL_H
#define METALGATE_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Character classes (http_cc bits), from RFC 9110 section 5.6 and RFC 3986. */
#define HTTP_CC_TOKEN 0x01  /* tchar */
#define HTTP_CC_VALUE 0x02  /* field-value byte: VCHAR, obs-text, SP, HTAB */
#define HTTP_CC_TARGET 0x04 /* request-target byte: VCHAR and obs-text */
#define HTTP_CC_HOST 0x08   /* reg-name byte we accept: ALPHA DIGIT - . _ ~ */
#define HTTP_CC_HEX 0x10
#define HTTP_CC_DIGIT 0x20
#define HTTP_CC_WS 0x40 /* SP, HTAB */

extern const uint8_t http_cc[256];
extern const uint8_t http_lower[256];

static inline bool
http_is(char c, uint8_t cls)
{
    return (http_cc[(uint8_t)c] & cls) != 0;
}

/* Case-insensitive comparison of s with lower, a lower-case ASCII string of n bytes. */
static inline bool
http_ieq(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (http_lower[(uint8_t)s[i]] != (uint8_t)lower[i])
            return false;
    return true;
}

static inline unsigned
http_hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((http_lower[(uint8_t)c] - 'a') + 10);
}

/* The method of token s (already validated as a token), or HTTP_METHOD_OTHER. */
enum http_method http_method_known(const char *s, size_t len);

/* Which recognised field a name is (enum http_hdr). */
uint8_t http_hdr_id(const char *name, size_t len);

/*
 * Validates "host[:port]" as RFC 3986 authority without userinfo: a reg-name
 * of ALPHA DIGIT - . _ ~ (no percent-encoding, no sub-delims) or an IP-literal
 * in brackets, then an optional port of 1 to 5 digits up to 65535. An empty
 * string is accepted only when allow_empty is set; need_port requires a port.
 */
bool http_host_valid(const char *s, size_t len, bool allow_empty, bool need_port);

/* Validates an absolute path (origin or absolute form) per docs/internals/http.md:
 * well-formed percent-encoding, no dot segments. Returns HTTP_ERR_NONE or the error. */
enum http_error http_path_check(const char *s, size_t len);

/* Applies the semantics of recognised field f (Host, Content-Length,
 * Transfer-Encoding, Connection, Upgrade, Expect) to the parser state.
 * Returns HTTP_ERR_NONE or the error to fail with. */
enum http_error http_field_apply(struct http_parser *p, const char *buf,
                                 const struct http_field *f);

/* Parser flags (struct http_parser.flags). */
#define HTTP_PF_CONN_KEEPALIVE 0x01
#define HTTP_PF_CONN_UPGRADE 0x02
#define HTTP_PF_UPGRADE 0x04
#define HTTP_PF_EXPECT_CONTINUE 0x08
#define HTTP_PF_EXPECT_OTHER 0x10
#define HTTP_PF_TE 0x20

/* Transfer-Encoding flags (struct http_parser.te_flags). */
#define HTTP_TE_CHUNKED 0x01 /* chunked seen */
#define HTTP_TE_LAST 0x02    /* the last coding seen so far is chunked */
#define HTTP_TE_OTHER 0x04   /* a coding other than chunked */
#define HTTP_TE_TWICE 0x08   /* chunked seen twice */
#define HTTP_TE_BAD 0x10     /* not a list of codings */

#endif

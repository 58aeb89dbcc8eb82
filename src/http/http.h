/*
 * HTTP/1.1 message codec (RFC 9110, RFC 9112): an incremental, zero-copy
 * parser for request and response heads, a body decoder (Content-Length,
 * chunked with extensions and trailers, read-until-close, tunnels), and the
 * serializers a reverse proxy needs to forward a message without copying its
 * body. No sockets, no clocks, no allocation: the caller owns every buffer.
 *
 * Buffer contract. A message is parsed from a byte buffer that starts at the
 * message's first byte. The caller appends bytes as they arrive and calls
 * http_parse() again with the longer buffer; the bytes already given must not
 * change, but the buffer may move (everything is kept as offsets). The parser
 * resumes where it stopped and never re-reads a completed line. Header fields
 * are offsets into that buffer, so it must be kept until the head has been
 * used (routed, forwarded).
 *
 * Strictness. Anything RFC 9112 lets a recipient reject, and a few things it
 * only discourages, is rejected with its own error code (enum http_error);
 * http_error_status() maps each to the status to answer (400, or 413, 414,
 * 417, 431, 501, 505) and the connection must then be closed. See
 * docs/internals/http.md for the full list and the reasons.
 */
#ifndef METALGATE_HTTP_HTTP_H
#define METALGATE_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of the incremental functions. */
enum http_result {
    HTTP_ERROR = -1, /* see the parser's or decoder's error field; close */
    HTTP_AGAIN = 0,  /* every byte given was used; call again with more */
    HTTP_DONE = 1,   /* the head (or the body) is complete */
    HTTP_DATA = 2,   /* body bytes are available (http_body_step only) */
};

/* Every way a message can be refused. Each maps to one status code. */
enum http_error {
    HTTP_ERR_NONE = 0,
    HTTP_ERR_BARE_LF,             /* a line ends in LF without CR */
    HTTP_ERR_BARE_CR,             /* CR not followed by LF */
    HTTP_ERR_NUL,                 /* NUL byte in the head or chunk framing */
    HTTP_ERR_OBS_FOLD,            /* line folding (a field line starting with SP/HTAB) */
    HTTP_ERR_FIELD_NAME,          /* empty field name or a non-token character in it */
    HTTP_ERR_SPACE_BEFORE_COLON,  /* whitespace between field name and colon */
    HTTP_ERR_NO_COLON,            /* a field line without a colon */
    HTTP_ERR_FIELD_VALUE,         /* control character in a field value */
    HTTP_ERR_CL_INVALID,          /* Content-Length not a decimal number, or too big */
    HTTP_ERR_CL_DUP,              /* two Content-Length fields, even equal */
    HTTP_ERR_CL_LIST,             /* "Content-Length: 5, 5": a list, even of equal values */
    HTTP_ERR_CL_AND_TE,           /* Content-Length together with Transfer-Encoding */
    HTTP_ERR_TE_INVALID,          /* Transfer-Encoding not a list of codings */
    HTTP_ERR_TE_CHUNKED_TWICE,    /* chunked applied twice */
    HTTP_ERR_TE_NOT_FINAL,        /* the final coding is not chunked */
    HTTP_ERR_TE_HTTP10,           /* Transfer-Encoding in an HTTP/1.0 message */
    HTTP_ERR_TE_UNSUPPORTED,      /* a coding other than chunked (501) */
    HTTP_ERR_HOST_MISSING,        /* HTTP/1.1 request without Host */
    HTTP_ERR_HOST_DUP,            /* several Host fields */
    HTTP_ERR_HOST_INVALID,        /* Host (or target authority) is not host[:port] */
    HTTP_ERR_CONNECTION,          /* Connection is not a list of tokens */
    HTTP_ERR_METHOD,              /* missing or invalid method */
    HTTP_ERR_TARGET,              /* malformed request-target */
    HTTP_ERR_TARGET_CTL,          /* control character in the request-target */
    HTTP_ERR_TARGET_DOT,          /* "." or ".." path segment (also %2e forms) */
    HTTP_ERR_VERSION,             /* malformed HTTP-version */
    HTTP_ERR_VERSION_UNSUPPORTED, /* HTTP/2.0 and others (505) */
    HTTP_ERR_STATUS,              /* malformed status line */
    HTTP_ERR_EXPECT,              /* an expectation other than 100-continue (417) */
    HTTP_ERR_CHUNK_SIZE,          /* chunk size missing or not hexadecimal */
    HTTP_ERR_CHUNK_SIZE_OVERFLOW, /* chunk size beyond 16 hex digits / 2^62 */
    HTTP_ERR_CHUNK_EXT,           /* control character in a chunk extension */
    HTTP_ERR_CHUNK_EXT_TOO_LONG,  /* chunk line longer than limits.chunk_ext_max */
    HTTP_ERR_CHUNK_CRLF,          /* chunk data not followed by CRLF */
    HTTP_ERR_LINE_TOO_LONG,       /* start line longer than limits.line_max (414) */
    HTTP_ERR_HEAD_TOO_LARGE,      /* head or trailers beyond limits.head_max (431) */
    HTTP_ERR_TOO_MANY_FIELDS,     /* more fields than limits.fields_max (431) */
    HTTP_ERR_BODY_TOO_LARGE,      /* body beyond limits.body_max (413) */
    HTTP_ERR_TRUNCATED,           /* the connection closed inside the message */
    HTTP_ERR_COUNT
};

enum http_method {
    HTTP_METHOD_NONE = 0, /* not parsed yet; in route matches: any method */
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD,
    HTTP_METHOD_POST,
    HTTP_METHOD_PUT,
    HTTP_METHOD_DELETE,
    HTTP_METHOD_CONNECT,
    HTTP_METHOD_OPTIONS,
    HTTP_METHOD_TRACE,
    HTTP_METHOD_PATCH,
    HTTP_METHOD_OTHER, /* any other token; its text is msg.method_text */
    HTTP_METHOD_COUNT
};

enum http_kind {
    HTTP_REQUEST = 0,
    HTTP_RESPONSE,
};

/* RFC 9112 section 3.2 request-target forms. */
enum http_target_form {
    HTTP_FORM_ORIGIN = 0, /* /path?query */
    HTTP_FORM_ABSOLUTE,   /* http://authority/path?query */
    HTTP_FORM_AUTHORITY,  /* host:port, CONNECT only */
    HTTP_FORM_ASTERISK,   /* *, OPTIONS only */
};

/* How the body that follows a head is delimited. */
enum http_framing {
    HTTP_BODY_NONE = 0, /* no body */
    HTTP_BODY_LENGTH,   /* exactly msg.content_length bytes */
    HTTP_BODY_CHUNKED,  /* chunked coding */
    HTTP_BODY_CLOSE,    /* until the connection closes (responses only) */
    HTTP_BODY_TUNNEL,   /* opaque bytes both ways (101, 2xx to CONNECT) */
};

/* Field names the parser recognises; every other name is HTTP_HDR_OTHER. */
enum http_hdr {
    HTTP_HDR_OTHER = 0,
    HTTP_HDR_HOST,
    HTTP_HDR_CONTENT_LENGTH,
    HTTP_HDR_TRANSFER_ENCODING,
    HTTP_HDR_CONNECTION,
    HTTP_HDR_UPGRADE,
    HTTP_HDR_EXPECT,
    HTTP_HDR_KEEP_ALIVE,
    HTTP_HDR_PROXY_CONNECTION,
    HTTP_HDR_TE,
    HTTP_HDR_TRAILER,
    HTTP_HDR_X_FORWARDED_FOR,
    HTTP_HDR_X_FORWARDED_PROTO,
    HTTP_HDR_FORWARDED,
    HTTP_HDR_COUNT
};

/* A byte range of the message buffer. */
struct http_slice {
    uint32_t off;
    uint32_t len;
};

/* One header (or trailer) field line; name and value are buffer offsets. The
 * value has its leading and trailing whitespace removed. */
struct http_field {
    uint32_t name_off;
    uint32_t value_off;
    uint32_t value_len;
    uint16_t name_len;
    uint8_t id; /* enum http_hdr */
    uint8_t pad;
};

/*
 * Operator-settable limits. Defaults (http_limits_default): start line 8 KiB,
 * head 32 KiB, 100 fields, chunk line 1 KiB, body unlimited.
 */
struct http_limits {
    uint32_t line_max;      /* request/status line bytes, CRLF included */
    uint32_t head_max;      /* whole head, CRLFs included; also the trailer section */
    uint16_t fields_max;    /* header fields (and trailer fields) per message */
    uint16_t chunk_ext_max; /* bytes of one chunk-size line (size, extensions) */
    uint64_t body_max;      /* decoded body bytes; 0 = unlimited */
};

/* A parsed head. Slices point into the buffer given to http_parse(). */
struct http_msg {
    enum http_method method;
    enum http_target_form form;
    enum http_framing framing;
    uint8_t minor;           /* HTTP/1.<minor>: 0 or 1 (1.2+ is read as 1.1) */
    bool keep_alive;         /* the connection may carry another message */
    bool expect_continue;    /* HTTP/1.1 request with Expect: 100-continue */
    bool upgrade;            /* request: Upgrade + "Connection: upgrade" (1.1 only) */
    bool has_content_length; /* a Content-Length field was present */
    bool has_host;           /* request: a Host field was present */
    bool conn_close;         /* "close" listed in Connection */
    bool conn_other;         /* Connection lists other names (hop-by-hop fields) */
    uint16_t status;         /* response status code */
    uint16_t n_fields;
    int32_t host_field; /* index of the Host field, or -1 */
    uint64_t content_length;
    uint32_t head_len; /* bytes of the head, final CRLF included */
    struct http_slice method_text;
    struct http_slice target; /* whole request-target */
    struct http_slice path;   /* origin/absolute form: path without query (may be empty
                                 in absolute form, meaning "/") */
    struct http_slice query;  /* after '?', without it; len 0 when absent */
    struct http_slice host;   /* effective host[:port]: target authority for absolute
                                 and authority forms, else the Host value */
    struct http_slice reason; /* response reason phrase */
    struct http_field *fields;
};

/* Parser state for one message head. Initialise with http_parser_init(). */
struct http_parser {
    const struct http_limits *lim;
    uint16_t cap;                /* usable entries of msg.fields */
    uint8_t kind;                /* enum http_kind */
    uint8_t state;               /* internal */
    uint8_t empty_lines;         /* CRLFs skipped before a request line */
    uint8_t te_flags;            /* internal: Transfer-Encoding codings seen */
    uint8_t flags;               /* internal: Connection tokens, Upgrade, Expect seen */
    enum http_method req_method; /* response parsing: method of the request */
    uint32_t pos;                /* start of the line being read */
    uint32_t scan;               /* LF search resumes here */
    enum http_error error;
    struct http_msg msg;
};

/* Body decoder state. Initialise with http_body_init(). */
struct http_body {
    uint8_t framing; /* enum http_framing */
    uint8_t state;   /* internal */
    uint16_t trailers;
    uint32_t line_len;
    uint32_t trailer_bytes;
    uint64_t remaining; /* LENGTH: bytes left; CHUNKED: bytes left in this chunk */
    uint64_t size;      /* chunk size being read */
    uint64_t total;     /* decoded body bytes so far */
    const struct http_limits *lim;
    enum http_error error;
};

/* Fills l with the defaults listed above. */
void http_limits_default(struct http_limits *l);

/*
 * Prepares p to parse one message head of the given kind. fields (cap
 * entries) receives the header fields; fewer than lim->fields_max entries
 * lowers the field limit accordingly. lim must outlive the parse.
 */
void http_parser_init(struct http_parser *p, enum http_kind kind, const struct http_limits *lim,
                      struct http_field *fields, uint16_t cap);

/*
 * For a response parser: the method of the request it answers. HEAD makes the
 * body empty whatever the fields say; CONNECT makes a 2xx a tunnel.
 */
void http_parser_set_request_method(struct http_parser *p, enum http_method m);

/*
 * Parses the head in buf[0..len). Returns HTTP_DONE when the head is complete
 * (p->msg is filled; the body starts at p->msg.head_len), HTTP_AGAIN when more
 * bytes are needed, HTTP_ERROR with p->error set. Once DONE or ERROR, further
 * calls return the same result.
 */
enum http_result http_parse(struct http_parser *p, const char *buf, size_t len);

/*
 * Prepares b to decode the body of m (whose framing decides everything).
 * lim supplies body_max, chunk_ext_max and the trailer limits.
 */
void http_body_init(struct http_body *b, const struct http_msg *m, const struct http_limits *lim);

/*
 * Decodes body bytes from buf[0..len), the bytes that follow what earlier
 * calls consumed. Sets *consumed to the bytes used; the caller drops them (or
 * skips them) before the next call. Returns:
 *   HTTP_DATA  - *data is a run of body bytes inside buf (consumed includes it);
 *                call again with the rest;
 *   HTTP_AGAIN - all bytes consumed (framing only), need more;
 *   HTTP_DONE  - the body is complete; bytes after *consumed belong to the
 *                next message;
 *   HTTP_ERROR - b->error is set.
 * Trailer fields are validated (same rules and limits as header fields) and
 * consumed; they are not returned.
 */
enum http_result http_body_step(struct http_body *b, const char *buf, size_t len, size_t *consumed,
                                struct http_slice *data);

/*
 * The connection reached EOF. Returns HTTP_DONE when that ends the body
 * (read-until-close framing, or a body already complete), else HTTP_ERROR
 * with HTTP_ERR_TRUNCATED.
 */
enum http_result http_body_eof(struct http_body *b);

/* True once http_body_step returned HTTP_DONE. */
bool http_body_is_done(const struct http_body *b);

/* Status code to answer for an error (400, 413, 414, 417, 431, 501 or 505). */
uint16_t http_error_status(enum http_error e);

/* Short stable name of an error, e.g. "cl-and-te", for logs and metrics. */
const char *http_error_name(enum http_error e);

/* Reason phrase for a status code ("Not Found"), "" for unknown codes. */
const char *http_status_reason(uint16_t status);

/* Method from its exact (case-sensitive) token; HTTP_METHOD_OTHER if unknown,
 * HTTP_METHOD_NONE if not a token at all. */
enum http_method http_method_parse(const char *s, size_t len);

/* Method token ("GET"), or NULL for NONE and OTHER. */
const char *http_method_name(enum http_method m);

/*
 * Index of the first field named name (case-insensitive) at or after index
 * from, or -1.
 */
int http_msg_find(const struct http_msg *m, const char *buf, const char *name, size_t len,
                  size_t from);

/*
 * What the proxy adds or changes when forwarding a request upstream.
 * client_addr is the peer's address as text (IPv4 or IPv6, no brackets).
 */
struct http_forward {
    const char *client_addr;
    size_t client_addr_len;
    bool tls;          /* the client connection is TLS: proto "https" */
    bool keep_upgrade; /* pass Upgrade and "Connection: upgrade" through */
    const char *host;  /* replaces the Host value (URLRewrite), or NULL */
    size_t host_len;
    const char *target; /* replaces path and query (URLRewrite), or NULL */
    size_t target_len;
};

/*
 * Writes the head to send upstream for request m (parsed from buf) into
 * out[0..cap): request line in origin form and HTTP/1.1, Host (the effective
 * host), every end-to-end field in order, the body framing (Content-Length,
 * or Transfer-Encoding: chunked when the body is chunked: the proxy
 * re-chunks it, see http_chunk_header), X-Forwarded-For and Forwarded with
 * the client appended, X-Forwarded-Proto set. Removed: Connection and the
 * fields it names, Keep-Alive, Proxy-Connection, TE, Trailer,
 * Transfer-Encoding, Upgrade (unless keep_upgrade), Expect (the proxy answers
 * 100-continue itself). The body is not copied: send it from the client
 * buffer after this head. Returns the head length, or 0 if cap is too small.
 */
size_t http_serialize_request(const struct http_msg *m, const char *buf,
                              const struct http_forward *f, char *out, size_t cap);

/* How the proxy answers the client with an upstream response. */
struct http_response_forward {
    uint8_t client_minor; /* HTTP/1.<minor> of the client's request */
    bool keep_alive;      /* the proxy keeps the client connection open */
};

/*
 * Writes the head to send to the client for upstream response m (parsed from
 * buf) into out[0..cap). *framing tells how to write the body: LENGTH (copy
 * the bytes), CHUNKED (re-chunk each decoded run), CLOSE (copy, then close),
 * NONE or TUNNEL. Hop-by-hop fields are removed as for requests; Connection
 * is set from f->keep_alive. Returns the head length, or 0 if cap is too small.
 */
size_t http_serialize_response(const struct http_msg *m, const char *buf,
                               const struct http_response_forward *f, char *out, size_t cap,
                               enum http_framing *framing);

/*
 * Writes a complete response generated by the proxy itself (404, 400, ...):
 * status line, Content-Type text/plain when body_len > 0, Content-Length,
 * "Connection: close" when close is set. Returns the length, or 0 if cap is
 * too small.
 */
size_t http_simple_response(uint16_t status, bool close, const char *body, size_t body_len,
                            char *out, size_t cap);

/* "HTTP/1.1 100 Continue\r\n\r\n", to send before reading an expected body. */
#define HTTP_100_CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
/* What closes a chunk's data, and the last chunk with no trailers. */
#define HTTP_CHUNK_END "\r\n"
#define HTTP_CHUNK_LAST "0\r\n\r\n"
/* Room http_chunk_header needs. */
#define HTTP_CHUNK_HEADER_MAX 20

/* Writes "<size in hex>\r\n" into out; returns its length. n must be > 0. */
size_t http_chunk_header(uint64_t n, char out[HTTP_CHUNK_HEADER_MAX]);

#endif

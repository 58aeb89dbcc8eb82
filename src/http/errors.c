/* Error names and statuses, reason phrases and default limits: the one place
 * where a protocol violation becomes a status code (style.md pattern 12). */
#include "http/internal.h"

struct http_error_info {
    const char *name;
    uint16_t status;
};

static const struct http_error_info http_errors[HTTP_ERR_COUNT] = {
    [HTTP_ERR_NONE] = {"none", 0},
    [HTTP_ERR_BARE_LF] = {"bare-lf", 400},
    [HTTP_ERR_BARE_CR] = {"bare-cr", 400},
    [HTTP_ERR_NUL] = {"nul", 400},
    [HTTP_ERR_OBS_FOLD] = {"obs-fold", 400},
    [HTTP_ERR_FIELD_NAME] = {"field-name", 400},
    [HTTP_ERR_SPACE_BEFORE_COLON] = {"space-before-colon", 400},
    [HTTP_ERR_NO_COLON] = {"no-colon", 400},
    [HTTP_ERR_FIELD_VALUE] = {"field-value", 400},
    [HTTP_ERR_CL_INVALID] = {"cl-invalid", 400},
    [HTTP_ERR_CL_DUP] = {"cl-duplicate", 400},
    [HTTP_ERR_CL_LIST] = {"cl-list", 400},
    [HTTP_ERR_CL_AND_TE] = {"cl-and-te", 400},
    [HTTP_ERR_TE_INVALID] = {"te-invalid", 400},
    [HTTP_ERR_TE_CHUNKED_TWICE] = {"te-chunked-twice", 400},
    [HTTP_ERR_TE_NOT_FINAL] = {"te-not-final-chunked", 400},
    [HTTP_ERR_TE_HTTP10] = {"te-in-http10", 400},
    [HTTP_ERR_TE_UNSUPPORTED] = {"te-unsupported", 501},
    [HTTP_ERR_HOST_MISSING] = {"host-missing", 400},
    [HTTP_ERR_HOST_DUP] = {"host-duplicate", 400},
    [HTTP_ERR_HOST_INVALID] = {"host-invalid", 400},
    [HTTP_ERR_CONNECTION] = {"connection-invalid", 400},
    [HTTP_ERR_METHOD] = {"method", 400},
    [HTTP_ERR_TARGET] = {"target", 400},
    [HTTP_ERR_TARGET_CTL] = {"target-ctl", 400},
    [HTTP_ERR_TARGET_DOT] = {"target-dot-segment", 400},
    [HTTP_ERR_VERSION] = {"version", 400},
    [HTTP_ERR_VERSION_UNSUPPORTED] = {"version-unsupported", 505},
    [HTTP_ERR_STATUS] = {"status-line", 400},
    [HTTP_ERR_EXPECT] = {"expectation", 417},
    [HTTP_ERR_CHUNK_SIZE] = {"chunk-size", 400},
    [HTTP_ERR_CHUNK_SIZE_OVERFLOW] = {"chunk-size-overflow", 400},
    [HTTP_ERR_CHUNK_EXT] = {"chunk-ext", 400},
    [HTTP_ERR_CHUNK_EXT_TOO_LONG] = {"chunk-ext-too-long", 400},
    [HTTP_ERR_CHUNK_CRLF] = {"chunk-crlf", 400},
    [HTTP_ERR_LINE_TOO_LONG] = {"line-too-long", 414},
    [HTTP_ERR_HEAD_TOO_LARGE] = {"head-too-large", 431},
    [HTTP_ERR_TOO_MANY_FIELDS] = {"too-many-fields", 431},
    [HTTP_ERR_BODY_TOO_LARGE] = {"body-too-large", 413},
    [HTTP_ERR_TRUNCATED] = {"truncated", 400},
};

uint16_t
http_error_status(enum http_error e)
{
    if ((unsigned)e >= HTTP_ERR_COUNT)
        return 400;
    return http_errors[e].status;
}

const char *
http_error_name(enum http_error e)
{
    if ((unsigned)e >= HTTP_ERR_COUNT)
        return "unknown";
    return http_errors[e].name;
}

struct http_reason {
    uint16_t status;
    const char *text;
};

static const struct http_reason http_reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *
http_status_reason(uint16_t status)
{
    for (size_t i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
        if (http_reasons[i].status == status)
            return http_reasons[i].text;
    return "";
}

void
http_limits_default(struct http_limits *l)
{
    l->line_max = 8192;
    l->head_max = 32768;
    l->fields_max = 100;
    l->chunk_ext_max = 1024;
    l->body_max = 0;
}

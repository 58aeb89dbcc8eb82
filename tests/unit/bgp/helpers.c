#include <stdio.h>
#include <string.h>

#include "tests.h"

static void
hex_line(const char *label, const uint8_t *b, size_t n)
{
    fprintf(stderr, "%s (%zu):", label, n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%02x", i % 16 == 0 ? "\n  " : " ", b[i]);
    fprintf(stderr, "\n");
}

void
expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
    if (got_len == want_len && memcmp(got, want, want_len) == 0)
        return;
    hex_line("got", got, got_len);
    hex_line("want", want, want_len);
    for (size_t i = 0; i < got_len && i < want_len; i++) {
        if (got[i] != want[i]) {
            fail_msg("first difference at byte %zu: got %02x, want %02x", i, got[i], want[i]);
            return;
        }
    }
    fail_msg("lengths differ: got %zu, want %zu", got_len, want_len);
}

size_t
test_msg(uint8_t *buf, uint8_t type, const uint8_t *body, size_t body_len)
{
    size_t len = 19 + body_len;

    memset(buf, 0xff, 16);
    buf[16] = (uint8_t)(len >> 8);
    buf[17] = (uint8_t)len;
    buf[18] = type;
    if (body_len > 0)
        memcpy(buf + 19, body, body_len);
    return len;
}

size_t
test_update_msg(uint8_t *buf, const uint8_t *wd, size_t wd_len, const uint8_t *attrs,
                size_t attrs_len, const uint8_t *nlri, size_t nlri_len)
{
    uint8_t body[8192];
    size_t n = 0;

    body[n++] = (uint8_t)(wd_len >> 8);
    body[n++] = (uint8_t)wd_len;
    if (wd_len)
        memcpy(body + n, wd, wd_len);
    n += wd_len;
    body[n++] = (uint8_t)(attrs_len >> 8);
    body[n++] = (uint8_t)attrs_len;
    if (attrs_len)
        memcpy(body + n, attrs, attrs_len);
    n += attrs_len;
    if (nlri_len)
        memcpy(body + n, nlri, nlri_len);
    n += nlri_len;
    return test_msg(buf, BGP_MSG_UPDATE, body, n);
}

struct bgp_prefix
test_prefix(const char *text)
{
    struct ip_prefix ip;
    struct bgp_prefix p;
    const char *err;

    assert_int_equal(ip_prefix_parse(text, strlen(text), &ip, &err), 0);
    assert_int_equal(bgp_prefix_from_ip(&ip, &p), 0);
    return p;
}

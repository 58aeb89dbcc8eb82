#include <stdio.h>
#include <string.h>

#include "tests.h"

enum http_result
test_parse_once(struct http_parser *p, enum http_kind kind, const struct http_limits *lim,
                struct http_field *fields, const char *raw, size_t len)
{
    http_parser_init(p, kind, lim, fields, TEST_FIELDS);
    return http_parse(p, raw, len);
}

const char *
test_field(const struct http_msg *m, const char *buf, const char *name, char *out, size_t cap)
{
    int i = http_msg_find(m, buf, name, strlen(name), 0);
    size_t n;

    if (i < 0)
        return NULL;
    n = m->fields[i].value_len < cap - 1 ? m->fields[i].value_len : cap - 1;
    memcpy(out, buf + m->fields[i].value_off, n);
    out[n] = '\0';
    return out;
}

int
main(void)
{
    int failed = 0;

    failed += _cmocka_run_group_tests("parse", test_parse, test_parse_count, NULL, NULL);
    failed += _cmocka_run_group_tests("split", test_split, test_split_count, NULL, NULL);
    failed += _cmocka_run_group_tests("body", test_body, test_body_count, NULL, NULL);
    failed +=
        _cmocka_run_group_tests("serialize", test_serialize, test_serialize_count, NULL, NULL);
    return failed ? 1 : 0;
}

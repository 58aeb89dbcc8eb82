/*
 * The fast YAML reader (src/manifest/yaml_fast.c) against libyaml alone:
 * every input is read both ways, in yaml_stream_read and yaml_stream_each
 * form, and everything a caller can see must be identical (yaml_dump.h).
 * Each input also states how many of its documents the fast reader must
 * have taken itself, so that a reader that silently handed everything to
 * libyaml would fail here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/yaml_build.h"
#include "tests.h"
#include "yaml_dump.h"

struct yfast_case {
    const char *name;
    const char *text;
    size_t len;         /* 0: strlen(text) */
    uint32_t fast_docs; /* documents the fast reader must take */
    int libyaml_docs;   /* complete documents libyaml must read; -1: any */
};

/* What the manifests of this project look like: read fast, every one. */
static const struct yfast_case subset_cases[] = {
    {"bench service and slice",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-0\n  namespace: ns-0\nspec:\n"
     "  type: LoadBalancer\n  ports:\n  - port: 80\n---\napiVersion: discovery.k8s.io/v1\n"
     "kind: EndpointSlice\nmetadata:\n  name: svc-0-1\n  labels:\n"
     "    kubernetes.io/service-name: svc-0\naddressType: IPv4\nendpoints:\n"
     "- addresses: [10.0.0.1]\n  conditions: {ready: true}\n  nodeName: node-a\nports:\n"
     "- port: 8080\n",
     0, 2, 0},
    {"comments everywhere",
     "# head\n\n# more\n---   # after the marker\na: 1 # after a value\n# between\n  # indented\n"
     "b:   # before a nested block\n  c: x#not-a-comment\n\n---\n# tail\n",
     0, 2, 0},
    {"implicit first document", "a: 1\n---\nb: 2\n", 0, 2, 0},
    {"no final newline", "a: 1\nb: [x]", 0, 1, 0},
    {"no final newline after marker", "a: 1\n---", 0, 2, 0},
    {"empty documents", "---\n---\n# c\n---\na: 1\n---\n", 0, 4, 0},
    {"root sequence", "- a\n- b: c\n  d: e\n- [x]\n- {k: v}\n- 'q'\n", 0, 1, 0},
    {"indentless and nested sequences",
     "a:\n- x\n- y\nb:\n  - p\n  -   q\nc:\n- k: 1\n  l:\n  - m\n  n: 2\n- k: 3\nd: e\n", 0, 1, 0},
    {"compact mappings with nested blocks",
     "items:\n- metadata:\n    name: a\n  spec:\n    ports:\n    - port: 1\n      name: x\n"
     "- metadata:\n    name: b\n",
     0, 1, 0},
    {"quoted keys and values",
     "'k 1': 'it''s'\n\"k2\": \"a # b: c\"\nk3: '  spaced  '\nk4: ''\nk5: \"\"\n", 0, 1, 0},
    {"plain scalar shapes",
     "a: fc00:f853::/124\nb: http://x.example/p?q=1#frag\nc: -1\nd: ~\ne: a  b   \n"
     "f: x-y.z_w/v\ng: ${VAR}\nh: a[0]{1}\ni: -.5\nj: (x)=y;z<w\n",
     0, 1, 0},
    {"flow collections",
     "a: []\nb: {}\nc: [ 1 , 'two', \"three\" ]\nd: {k: v, 'q': \"w\"}\n"
     "e: [[1, 2], {x: [y]}, {}]\nf: {a: [b, c], d: {e: f}}\ng: [a b, c]\n",
     0, 1, 0},
    {"literal block scalars",
     "a: |\n  line 1\n\n    indented: 'x' # not a comment\n  ---\n\n\nb: |-\n  x\n  y\n"
     "c:\n- |\n  in a sequence\n- k: |  # a comment\n    in a compact mapping\n  l: 1\n"
     "d:\n  e: |\n   three spaces\n  f: 2\n# end\n---\ng: |\n  at the end\n\n",
     0, 2, 0},
    {"literal block scalar without final newline", "a: |\n  x\n  y", 0, 1, 0},
    {"stripped block scalar without final newline", "a: |-\n  x", 0, 1, 0},
    {"empty values", "a:\nb:   # c\nc:\n  d:\n  e: 1\nf:\n- g:\n  h:\n- i:\nj:\n", 0, 1, 0},
    {"duplicate keys", "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n---\nx: [1, 2]\nx: {y: z}\nx: 3\n", 0, 2,
     0},
    {"kubectl managedFields keys",
     "metadata:\n  managedFields:\n  - fieldsV1:\n      f:metadata:\n        .: {}\n"
     "        k:{\"port\":80,\"protocol\":\"TCP\"}:\n          f:port: {}\n",
     0, 1, 0},
};

/* Each input has one document outside the subset: the documents before it
 * are read fast, that one and the rest by libyaml. */
static const struct yfast_case fallback_cases[] = {
    {"anchor and alias", "a: 1\n---\nb: &x [1]\nc: *x\n---\nd: 1\n", 0, 1, 2},
    {"tag", "a: 1\n---\nb: !!str 1\n", 0, 1, 1},
    {"literal block scalar, keep chomping", "a: 1\n---\nb: |+\n  x\n\n", 0, 1, 1},
    {"literal block scalar, explicit indentation", "a: 1\n---\nb: |2\n   x\n", 0, 1, 1},
    {"literal block scalar, line of spaces", "a: 1\n---\nb: |\n  x\n   \n  y\n", 0, 1, 1},
    {"literal block scalar, empty first line", "a: 1\n---\nb: |\n\n  x\n", 0, 1, 1},
    {"literal block scalar, not indented", "a: 1\n---\nb: |\nc: 1\n", 0, 1, 1},
    {"folded block scalar", "b: >\n  x\n---\na: 1\n", 0, 0, 2},
    {"multi-line plain", "a: 1\n---\nb: x\n  y\n", 0, 1, 1},
    {"multi-line quoted", "a: 1\n---\nb: 'x\n  y'\n", 0, 1, 1},
    {"backslash escape", "a: 1\n---\nb: \"x\\ty\"\n", 0, 1, 1},
    {"complex key", "a: 1\n---\n? b\n: c\n", 0, 1, 1},
    {"document end marker", "a: 1\n---\nb: 1\n...\n---\nc: 1\n", 0, 1, 2},
    {"directive", "a: 1\n...\n%YAML 1.1\n---\nb: 1\n", 0, 0, 2},
    {"byte order mark",
     "\xef\xbb\xbf"
     "a: 1\n",
     0, 0, 1},
    {"tab", "a: 1\n---\nb:\t1\n", 0, 1, 1},
    {"CRLF", "a: 1\n---\nb: 1\r\nc: 2\r\n", 0, 1, 1},
    {"UTF-8 text", "a: 1\n---\nb: caf\xc3\xa9\n---\nc: 1\n", 0, 1, 2},
    {"content after the marker", "a: 1\n--- b\n", 0, 1, 1},
    {"root scalar", "a: 1\n---\nhello\n", 0, 1, 1},
    {"indented root", "a: 1\n---\n  b: 1\n", 0, 1, 1},
    {"empty sequence entry", "a: 1\n---\n- \n- b\n", 0, 1, 1},
    {"entry below its dash", "a: 1\n---\n-\n  b: 1\n", 0, 1, 1},
    {"nested inline sequence", "a: 1\n---\n- - b\n", 0, 1, 1},
    {"value on the next line", "a: 1\n---\nb:\n  text\n", 0, 1, 1},
    {"space before colon", "a: 1\n---\nb : 1\n", 0, 1, 1},
    {"comment glued to a quote", "a: 1\n---\nb: 'x'#c\n", 0, 1, 1},
    {"colon in flow", "a: 1\n---\nb: [x:y]\n", 0, 1, 1},
    {"flow over two lines", "a: 1\n---\nb: [x,\n  y]\n", 0, 1, 1},
    /* The same inputs where libyaml fails: its error, at its position. */
    {"syntax error: sequence in a value", "a: 1\n---\nb: - c\n", 0, 1, 0},
    {"syntax error: trailing comma", "a: 1\n---\nb: [c, ]\nd: [\n", 0, 1, 0},
    {"syntax error: text after a quote", "a: 1\n---\nb: 'c' d\n", 0, 1, 0},
    {"syntax error: entry after a value", "a: 1\n---\nb: 1\n- c\n", 0, 1, 0},
    {"syntax error: bad indentation", "a: 1\n---\nb:\n    c: 1\n  d: 2\n", 0, 1, 0},
    {"syntax error: unclosed flow", "a: 1\n---\nb: [c\n", 0, 1, 0},
    {"syntax error: mapping value in a value", "a: 1\n---\nb: c: d\n", 0, 1, 0},
    /* libyaml's decoder would reject a byte of a later document before it
     * delivered the first one: the whole buffer goes to libyaml. */
    {"control character later", "a: 1\n---\nb: \x01\n", 0, 0, -1},
    {"invalid UTF-8 later", "a: 1\n---\nb: \xc3(\n", 0, 0, -1},
    {"DEL later", "a: 1\n---\nb: x\x7fy\n", 0, 0, -1},
    {"tab late in a long line", "a: 1\n---\nb: xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\tx\n", 0, 1, 1},
    {"NUL later", "a: 1\n---\nb: x\0y\n", 16, 0, -1},
};

static void
check_case(const struct yfast_case *c)
{
    size_t len = c->len ? c->len : strlen(c->text);
    struct yaml_read_stats fast_stats, slow_stats;
    char *fast = ydump_read((const unsigned char *)c->text, len, false, &fast_stats);
    char *slow = ydump_read((const unsigned char *)c->text, len, true, &slow_stats);

    assert_non_null(fast);
    assert_non_null(slow);
    if (strcmp(fast, slow) != 0 || fast_stats.docs_fast != c->fast_docs ||
        (c->libyaml_docs >= 0 && fast_stats.docs_libyaml != (uint32_t)c->libyaml_docs)) {
        print_error("case \"%s\": %u documents fast, %u by libyaml\n--- fast\n%s--- libyaml\n%s",
                    c->name, fast_stats.docs_fast, fast_stats.docs_libyaml, fast, slow);
        fail();
    }
    assert_int_equal(slow_stats.docs_fast, 0);
    free(fast);
    free(slow);
}

static void
subset_inputs_are_read_fast(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(subset_cases) / sizeof(subset_cases[0]); i++)
        check_case(&subset_cases[i]);
}

static void
other_inputs_go_to_libyaml(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fallback_cases) / sizeof(fallback_cases[0]); i++)
        check_case(&fallback_cases[i]);
}

/* Builds "k0:\n k1:\n  k2: ..." nested depth levels deep. */
static char *
nested_mappings(int depth)
{
    size_t cap = (size_t)depth * (size_t)(depth + 8) + 16, n = 0;
    char *text = malloc(cap);

    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(text + n, cap - n, "%*sk%d:%s\n", i, "", i,
                              i == depth - 1 ? " v" : "");
    return text;
}

static void
limits_are_libyamls(void **state)
{
    char *deep = nested_mappings(YAML_MAX_DEPTH);
    char *deeper = nested_mappings(YAML_MAX_DEPTH + 1);
    char *long_key = malloc(2 * YAML_MAX_KEY_LEN);
    struct yfast_case c;

    (void)state;
    c = (struct yfast_case){"deepest nesting allowed", deep, 0, 1, 0};
    check_case(&c);
    c = (struct yfast_case){"nesting too deep", deeper, 0, 0, 0};
    check_case(&c);
    memset(long_key, 'k', 2 * YAML_MAX_KEY_LEN);
    memcpy(long_key + YAML_MAX_KEY_LEN + 1, ": v\n", 5);
    c = (struct yfast_case){"key too long", long_key, 0, 0, -1};
    check_case(&c);
    free(deep);
    free(deeper);
    free(long_key);
}

/* libyaml decodes 16 KiB at a time and fails at a bad byte as soon as it
 * decodes it, before it delivers the documents in front of it in that
 * chunk. Were the fast reader to read those documents itself, the caller
 * would see more of them than with libyaml alone. */
static void
reader_error_beyond_a_chunk(void **state)
{
    const char doc[] = "a: 1\n---\n";
    size_t ndocs = 5000, len = ndocs * (sizeof(doc) - 1);
    char *text = malloc(len + 8);
    struct yfast_case c;
    struct yaml_read_stats stats;
    char *dump;

    (void)state;
    for (size_t i = 0; i < ndocs; i++)
        memcpy(text + i * (sizeof(doc) - 1), doc, sizeof(doc) - 1);
    memcpy(text + len, "b: \x01\n", 6);
    c = (struct yfast_case){"bad byte 45,000 bytes in", text, len + 5, 0, -1};
    check_case(&c);
    dump = ydump_read((const unsigned char *)text, len + 5, true, &stats);
    assert_true(stats.docs_libyaml > 0 && stats.docs_libyaml < ndocs);
    free(dump);
    free(text);
}

/* The positions after a fallback count the lines the fast reader read. */
static void
positions_after_fallback(void **state)
{
    const char *text = "a: 1\n---\nb: 2\n---\nc: &x 3\nd: [\n";
    struct arena a;
    struct yaml_stream s;

    (void)state;
    arena_init(&a, 0, 0);
    assert_int_equal(yaml_stream_read((const unsigned char *)text, strlen(text), &a, &s), 0);
    assert_int_equal(s.stats.docs_fast, 2);
    assert_int_equal(s.ndocs, 2);
    assert_int_equal(s.docs[1].line, 2);
    assert_true(s.failed);
    assert_int_equal(s.problem.doc_index, 2);
    assert_int_equal(s.problem.line, 7);
    yaml_stream_release(&s);
    arena_free(&a);
}

const struct CMUnitTest test_yaml_fast[] = {
    cmocka_unit_test(subset_inputs_are_read_fast), cmocka_unit_test(other_inputs_go_to_libyaml),
    cmocka_unit_test(limits_are_libyamls),         cmocka_unit_test(reader_error_beyond_a_chunk),
    cmocka_unit_test(positions_after_fallback),
};
const size_t test_yaml_fast_count = sizeof(test_yaml_fast) / sizeof(test_yaml_fast[0]);

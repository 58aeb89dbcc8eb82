/*
 * The fast YAML reader: block-style documents of the plain subset that
 * manifests are written in (kubectl output, hand-written docs, generated
 * bulk files), read straight into the tree builder at several times
 * libyaml's speed. It is a shortcut, never a second opinion: for every input
 * the trees, positions, duplicate-key problems and failures must be byte for
 * byte those of libyaml alone, so it accepts only what it is sure about.
 *
 * The subset, per document: ASCII without control characters other than
 * '\n' (no tab, no '\r'); comments; "---" lines (optionally followed by a
 * comment) between documents; block mappings whose keys are plain or
 * single-line quoted scalars; block sequences, including the indentless
 * form (key:\n- a at the key's column) and "- key: v" compact mappings;
 * single-line plain scalars; single-line quoted scalars ('' escapes; no
 * backslash in double quotes); single-line flow collections ([a, b],
 * {k: v}, [], {}, nested); literal block scalars ("|", "|-"); empty mapping
 * values. The root is a block mapping or sequence at column 1.
 *
 * Anything else, or any doubt (anchors, aliases, tags, folded or kept block
 * scalars, multi-line plain or quoted scalars, "? " keys, "...", directives, a BOM, a limit about
 * to be hit, anything libyaml might reject), makes it give up on the whole document: what was built
 * for it is undone and libyaml reads the buffer from the start of that document on. The fast reader
 * does not resume after that: one rule, and no second guess about where libyaml's documents end.
 *
 * Why libyaml reading only the rest still gives libyaml's whole-buffer
 * results: every document read fast was a complete, valid block document
 * ending just before a "---" line (or at the end), so libyaml would have been
 * at a document start there with nothing carried over but the line count,
 * which is added back. One exception is the reader: libyaml decodes its
 * input in 16 KiB chunks and fails on a bad byte as soon as it decodes it,
 * possibly before delivering earlier documents. So a buffer that libyaml's
 * decoder would reject anywhere goes to libyaml whole (yf_decodable()).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/yaml_build.h"

#define YF_BAIL (-1)

struct yfast {
    struct ybuilder *b;
    const char *buf;
    const char *cur;        /* the next byte to read */
    const char *line_start; /* the start of cur's line */
    const char *end;        /* the reader never looks at end or beyond */
    uint32_t line;          /* cur's line, 1-based */
    int ind;                /* the current content line's indentation; -1 at a document's end */
    bool real_eof;          /* end is the buffer's end, not the line of an unclean byte */
    char *scratch;          /* a block scalar's text while it is gathered */
    size_t scratch_len, scratch_cap;
};

/* Whether the 8 bytes at p are all printable ASCII or '\n': the common case
 * of yf_decodable(), tested a word at a time. Each step works byte by byte
 * without carries or borrows between bytes, because every byte is below
 * 0x80 once the first test passed and is lifted to 0x80 or more before a
 * subtraction. */
static inline bool
yf_word_is_clean(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t w, at_least_space, is_del, not_newline;

    memcpy(&w, p, sizeof(w));
    if (w & high)
        return false;
    at_least_space = ((w | high) - 0x20 * ones) & high;
    is_del = ((w | high) - 0x7f * ones) & high;
    not_newline = (((w ^ (0x0a * ones)) | high) - ones) & high;
    return (at_least_space | (~not_newline & high)) == high && is_del == 0;
}

/*
 * Whether libyaml's decoder accepts all of p[0..n) (no reader error can
 * happen), without a BOM (left to libyaml). *clean is set to the offset of
 * the first byte outside the fast subset's alphabet: printable ASCII and
 * '\n'. The rules are libyaml's UTF-8 reader's: shortest-form sequences,
 * no surrogates, and only the printable code points YAML allows.
 */
static bool
yf_decodable(const unsigned char *p, size_t n, size_t *clean)
{
    size_t i = 0;

    *clean = n;
    if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
        return false;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        return false;
    while (i < n) {
        unsigned c;
        uint32_t v;
        size_t w;

        if (n - i >= 8 && yf_word_is_clean(p + i)) {
            i += 8;
            continue;
        }
        c = p[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\n') {
            i++;
            continue;
        }
        if (*clean == n)
            *clean = i;
        if (c == '\t' || c == '\r') {
            i++;
            continue;
        }
        if (c < 0x80)
            return false; /* control characters, DEL */
        w = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (w == 0 || n - i < w)
            return false;
        v = c & (w == 2 ? 0x1f : w == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < w; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            v = (v << 6) | (p[i + k] & 0x3f);
        }
        if ((w == 2 && v < 0x80) || (w == 3 && v < 0x800) || (w == 4 && v < 0x10000))
            return false;
        if (!(v == 0x85 || (v >= 0xa0 && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) ||
              (v >= 0x10000 && v <= 0x10ffff)))
            return false;
        i += w;
    }
    return true;
}

/* The byte at p, with the end of the input read as a line end. */
static inline char
yf_ch(const struct yfast *f, const char *p)
{
    return p < f->end ? *p : '\n';
}

static inline uint32_t
yf_col(const struct yfast *f, const char *p)
{
    return (uint32_t)(p - f->line_start) + 1;
}

/* Past the end of the line that p is on. */
static void
yf_next_line(struct yfast *f, const char *p)
{
    const char *nl = memchr(p, '\n', (size_t)(f->end - p));

    if (nl == NULL) {
        f->cur = f->end;
    } else {
        f->cur = nl + 1;
        f->line++;
    }
    f->line_start = f->cur;
}

/* After a value: only spaces and a comment may follow on its line. */
static int
yf_finish_line(struct yfast *f, const char *p)
{
    const char *s = p;

    while (yf_ch(f, p) == ' ')
        p++;
    /* A comment needs a space before it here; libyaml's rule is looser. */
    if (yf_ch(f, p) != '\n' && !(yf_ch(f, p) == '#' && p > s))
        return YF_BAIL;
    yf_next_line(f, p);
    return 0;
}

/*
 * From a line start, skips blank and comment lines. Sets f->cur to the
 * first byte of the next content line and f->ind to its column (0-based),
 * or f->ind to -1 at the document's end: the input's end or a "---" line,
 * where f->cur stays at the line's start.
 */
static int
yf_next_content(struct yfast *f)
{
    for (;;) {
        const char *p = f->cur;

        if (p >= f->end) {
            if (!f->real_eof)
                return YF_BAIL;
            f->ind = -1;
            return 0;
        }
        if ((*p == '-' || *p == '.') && f->end - p >= 3 && p[1] == *p && p[2] == *p) {
            if (*p == '-' && (f->end - p == 3 || p[3] == ' ' || p[3] == '\n')) {
                f->ind = -1;
                return 0;
            }
            return YF_BAIL; /* "...", or "---" glued to text */
        }
        if (*p == '%')
            return YF_BAIL;
        while (p < f->end && *p == ' ')
            p++;
        if (p < f->end && *p != '\n' && *p != '#') {
            f->ind = (int)(p - f->cur);
            f->cur = p;
            return 0;
        }
        yf_next_line(f, p);
    }
}

/* Whether a plain scalar may start at p: not an indicator, or "-" glued to
 * a digit, letter or dot. Narrower than YAML on purpose. */
static inline bool
yf_plain_start(const struct yfast *f, const char *p)
{
    char c = yf_ch(f, p);

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (c == '-') {
        char d = yf_ch(f, p + 1);
        return (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') ||
               d == '.';
    }
    return c != '\n' && strchr("_./$()=+^;<~\\", c) != NULL;
}

enum yf_stop {
    YF_STOP_EOL,   /* the line (or a comment) ended the scalar */
    YF_STOP_COLON, /* ": " or ":" at the line's end: the scalar is a key */
};

/*
 * Scans a block-context plain scalar from p (a valid start). Sets *text_end
 * past its last non-space byte and *after to where scanning stopped (the
 * ':' for a key, else the spaces or line end after the text).
 */
static enum yf_stop
yf_scan_plain(const struct yfast *f, const char *p, const char **text_end, const char **after)
{
    const char *last = p; /* past the last non-space byte */

    for (;;) {
        char c = yf_ch(f, p);

        if (c == '\n')
            break;
        if (c == ':') {
            char d = yf_ch(f, p + 1);
            if (d == ' ' || d == '\n') {
                *text_end = last;
                *after = p;
                return YF_STOP_COLON;
            }
        } else if (c == '#' && p[-1] == ' ') {
            break;
        }
        p++;
        if (c != ' ')
            last = p;
    }
    *text_end = last;
    *after = last;
    return YF_STOP_EOL;
}

/*
 * Scans a single-line quoted scalar starting at the quote at p. Returns the
 * byte after the closing quote, or NULL when it is not on this line or
 * needs an escape this reader does not do. *escapes tells whether a
 * single-quoted scalar has '' pairs to fold.
 */
static const char *
yf_scan_quoted(const struct yfast *f, const char *p, bool *escapes)
{
    char q = *p++;

    *escapes = false;
    for (;;) {
        char c = yf_ch(f, p);

        if (c == '\n')
            return NULL;
        if (q == '"' && c == '\\')
            return NULL;
        if (c == q) {
            if (q == '\'' && yf_ch(f, p + 1) == '\'') {
                *escapes = true;
                p += 2;
                continue;
            }
            return p + 1;
        }
        p++;
    }
}

/* A quoted scalar node for the quote at p (closing quote at close - 1). */
static struct ynode *
yf_quoted_node(struct yfast *f, const char *p, const char *close, bool escapes)
{
    struct ynode *n =
        yb_scalar_node(f->b, f->line, yf_col(f, p), p + 1, (size_t)(close - p - 2), false);
    char *t;
    size_t k = 0;

    if (n == NULL || !escapes)
        return n;
    /* The text is this document's own copy: fold '' to ' in place. */
    t = (char *)n->text;
    for (size_t i = 0; i < n->len; i++) {
        t[k++] = t[i];
        if (t[i] == '\'')
            i++;
    }
    t[k] = '\0';
    n->len = k;
    return n;
}

/* Whether building failed or gave up (a limit): the document is abandoned. */
static inline bool
yf_broken(const struct yfast *f)
{
    return f->b->s->failed || f->b->oom;
}

/*
 * Scans a flow-context plain scalar at p: no indicators inside at all, so
 * that libyaml's flow rules (": ", ",", "#", "?" and brackets) never have a
 * say. Returns where it stopped (',', ']' or '}' after optional spaces, or
 * ':' when stop_at_colon), or NULL.
 */
static const char *
yf_scan_flow_plain(const struct yfast *f, const char *p, const char **text_end, bool stop_at_colon)
{
    const char *last = p;

    if (!yf_plain_start(f, p))
        return NULL;
    for (;;) {
        char c = yf_ch(f, p);

        if (c == ',' || c == ']' || c == '}')
            break;
        if (c == ':' && stop_at_colon && yf_ch(f, p + 1) == ' ')
            break;
        if (c == '\n' || strchr(":#?[{'\"", c) != NULL)
            return NULL;
        p++;
        if (c != ' ')
            last = p;
    }
    *text_end = last;
    return p;
}

static const char *yf_flow(struct yfast *f, const char *p);

/* A scalar inside a flow collection, or a nested flow collection when
 * is_key is false, attached to it. Returns the byte after it, or NULL to
 * give up. */
static const char *
yf_flow_node(struct yfast *f, const char *p, bool is_key)
{
    struct ynode *n;
    const char *after;

    if (!is_key && (yf_ch(f, p) == '[' || yf_ch(f, p) == '{'))
        return yf_flow(f, p);
    if (yf_ch(f, p) == '\'' || yf_ch(f, p) == '"') {
        bool escapes;
        after = yf_scan_quoted(f, p, &escapes);
        if (after == NULL)
            return NULL;
        n = yf_quoted_node(f, p, after, escapes);
    } else {
        const char *text_end;
        after = yf_scan_flow_plain(f, p, &text_end, is_key);
        if (after == NULL)
            return NULL;
        n = yb_scalar_node(f->b, f->line, yf_col(f, p), p, (size_t)(text_end - p), true);
    }
    if (n == NULL)
        return NULL;
    yb_attach(f->b, n, n->line, n->col);
    return yf_broken(f) ? NULL : after;
}

/*
 * A single-line flow sequence or mapping at p ('[' or '{').
 * Returns the byte after its closing bracket, or NULL to give up.
 */
static const char *
yf_flow(struct yfast *f, const char *p)
{
    bool map = *p == '{';
    char close = map ? '}' : ']';
    uint32_t line = f->line, col = yf_col(f, p);

    if (yb_start_collection(f->b, map ? YNODE_MAPPING : YNODE_SEQUENCE, line, col) == NULL)
        return NULL;
    p++;
    while (yf_ch(f, p) == ' ')
        p++;
    if (yf_ch(f, p) != close) {
        for (;;) {
            p = yf_flow_node(f, p, map);
            if (p == NULL)
                return NULL;
            if (map) {
                if (yf_ch(f, p) != ':' || yf_ch(f, p + 1) != ' ')
                    return NULL;
                p += 2;
                while (yf_ch(f, p) == ' ')
                    p++;
                p = yf_flow_node(f, p, false);
                if (p == NULL)
                    return NULL;
            }
            while (yf_ch(f, p) == ' ')
                p++;
            if (yf_ch(f, p) == close)
                break;
            if (yf_ch(f, p) != ',')
                return NULL;
            p++;
            while (yf_ch(f, p) == ' ')
                p++;
        }
    }
    yb_finish_collection(f->b, f->line, yf_col(f, p));
    return yf_broken(f) ? NULL : p + 1;
}

static int yf_block_scalar(struct yfast *f, const char *p, int parent_col);

/*
 * A value that starts on the current line at p: a plain or quoted scalar or
 * a flow collection that ends on it, or a literal block scalar, in a block
 * collection at column parent_col. Attaches it and moves to the next
 * content line.
 */
static int
yf_inline_value(struct yfast *f, const char *p, int parent_col)
{
    const char *after;

    if (*p == '|')
        return yf_block_scalar(f, p, parent_col);
    if (*p == '[' || *p == '{') {
        after = yf_flow(f, p);
        if (after == NULL)
            return YF_BAIL;
    } else if (*p == '\'' || *p == '"') {
        bool escapes;
        struct ynode *n;
        after = yf_scan_quoted(f, p, &escapes);
        if (after == NULL)
            return YF_BAIL;
        n = yf_quoted_node(f, p, after, escapes);
        if (n == NULL)
            return YF_BAIL;
        yb_attach(f->b, n, n->line, n->col);
    } else {
        const char *text_end;
        struct ynode *n;
        if (!yf_plain_start(f, p) || yf_scan_plain(f, p, &text_end, &after) != YF_STOP_EOL)
            return YF_BAIL;
        n = yb_scalar_node(f->b, f->line, yf_col(f, p), p, (size_t)(text_end - p), true);
        if (n == NULL)
            return YF_BAIL;
        yb_attach(f->b, n, n->line, n->col);
    }
    if (yf_broken(f) || yf_finish_line(f, after) != 0)
        return YF_BAIL;
    return yf_next_content(f);
}

static int yf_block_mapping(struct yfast *f);
static int yf_block_sequence(struct yfast *f, bool indentless);

static int
yf_scratch_add(struct yfast *f, const char *text, size_t len)
{
    if (f->scratch_cap - f->scratch_len < len) {
        size_t cap = f->scratch_cap ? f->scratch_cap : 256;
        char *n;
        while (cap - f->scratch_len < len)
            cap *= 2;
        n = realloc(f->scratch, cap);
        if (n == NULL) {
            f->b->oom = true;
            return YF_BAIL;
        }
        f->scratch = n;
        f->scratch_cap = cap;
    }
    memcpy(f->scratch + f->scratch_len, text, len);
    f->scratch_len += len;
    return 0;
}

/* The number of spaces at the start of the line at p, and in *blank
 * whether nothing but spaces follows them on that line. */
static size_t
yf_line_indent(const struct yfast *f, const char *p, bool *blank)
{
    const char *s = p;

    while (yf_ch(f, p) == ' ')
        p++;
    *blank = yf_ch(f, p) == '\n';
    return (size_t)(p - s);
}

/*
 * The lines of a literal block scalar ("|" or "|-" at p) under a collection
 * at column parent_col. Its indentation is its first line's, which must be
 * deeper than parent_col; it ends at the first non-empty line indented
 * less. Lines of spaces only, which libyaml reads as content or as breaks
 * depending on their length, make the reader give up; so do explicit
 * indentation and "keep" chomping. Clip keeps one final line break, strip
 * none; empty lines inside are kept.
 */
static int
yf_block_scalar(struct yfast *f, const char *p, int parent_col)
{
    uint32_t line = f->line, col = yf_col(f, p);
    bool strip = yf_ch(f, p + 1) == '-', blank, first = true, last_break = false;
    size_t indent, breaks = 0;
    struct ynode *n;

    if (yf_finish_line(f, p + 1 + strip) != 0)
        return YF_BAIL;
    indent = yf_line_indent(f, f->cur, &blank);
    if (f->cur >= f->end || blank || indent <= (size_t)parent_col)
        return YF_BAIL;
    f->scratch_len = 0;
    while (f->cur < f->end) {
        const char *ls = f->cur, *eol;
        size_t m = yf_line_indent(f, ls, &blank);

        if (blank && m > 0)
            return YF_BAIL;
        if (blank) {
            breaks++;
            yf_next_line(f, ls);
            continue;
        }
        if (m < indent)
            break;
        /* The break after the previous line, then the empty lines. */
        if (!first && yf_scratch_add(f, "\n", 1) != 0)
            return YF_BAIL;
        first = false;
        for (; breaks > 0; breaks--)
            if (yf_scratch_add(f, "\n", 1) != 0)
                return YF_BAIL;
        eol = memchr(ls, '\n', (size_t)(f->end - ls));
        last_break = eol != NULL;
        if (eol == NULL)
            eol = f->end;
        if (yf_scratch_add(f, ls + indent, (size_t)(eol - ls) - indent) != 0)
            return YF_BAIL;
        yf_next_line(f, ls);
    }
    if (f->cur >= f->end && !f->real_eof)
        return YF_BAIL;
    if (!strip && last_break && yf_scratch_add(f, "\n", 1) != 0)
        return YF_BAIL;
    n = yb_scalar_node(f->b, line, col, f->scratch ? f->scratch : "", f->scratch_len, false);
    if (n == NULL)
        return YF_BAIL;
    yb_attach(f->b, n, line, col);
    if (yf_broken(f))
        return YF_BAIL;
    return yf_next_content(f);
}

/* Whether the content line at f->cur is a block sequence entry. */
static inline bool
yf_is_entry(const struct yfast *f)
{
    return *f->cur == '-' && yf_ch(f, f->cur + 1) == ' ';
}

/*
 * The key at f->cur: attaches it and returns the byte after its ':', or
 * NULL when this is not a key this reader takes.
 */
static const char *
yf_key(struct yfast *f)
{
    const char *p = f->cur, *text_end, *colon;
    struct ynode *n;

    if (*p == '\'' || *p == '"') {
        bool escapes;
        colon = yf_scan_quoted(f, p, &escapes);
        if (colon == NULL || yf_ch(f, colon) != ':')
            return NULL;
        n = yf_quoted_node(f, p, colon, escapes);
    } else {
        if (!yf_plain_start(f, p) || yf_scan_plain(f, p, &text_end, &colon) != YF_STOP_COLON ||
            text_end != colon)
            return NULL;
        n = yb_scalar_node(f->b, f->line, yf_col(f, p), p, (size_t)(text_end - p), true);
    }
    /* libyaml looks for a simple key's ':' within 1024 characters. */
    if (n == NULL || colon - p > 1000)
        return NULL;
    if (yf_ch(f, colon + 1) != ' ' && yf_ch(f, colon + 1) != '\n')
        return NULL;
    yb_attach(f->b, n, n->line, n->col);
    return yf_broken(f) ? NULL : colon + 1;
}

/* A mapping value that is not on its key's line (p: after the ':'). */
static int
yf_value_below(struct yfast *f, const char *p, int map_col)
{
    uint32_t line = f->line, col = yf_col(f, p);
    struct ynode *n;

    if (yf_finish_line(f, p) != 0 || yf_next_content(f) != 0)
        return YF_BAIL;
    if (f->ind > map_col)
        return yf_is_entry(f) ? yf_block_sequence(f, false) : yf_block_mapping(f);
    if (f->ind == map_col && yf_is_entry(f))
        return yf_block_sequence(f, true);
    /* Nothing: libyaml puts the empty scalar just after the ':'. */
    n = yb_scalar_node(f->b, line, col, "", 0, true);
    if (n == NULL)
        return YF_BAIL;
    yb_attach(f->b, n, line, col);
    return yf_broken(f) ? YF_BAIL : 0;
}

/* A block mapping whose first key is at f->cur. Returns at the next
 * content line less indented than it (or the document's end). */
static int
yf_block_mapping(struct yfast *f)
{
    int col = f->ind;

    if (yb_start_collection(f->b, YNODE_MAPPING, f->line, yf_col(f, f->cur)) == NULL)
        return YF_BAIL;
    for (;;) {
        const char *after_colon = yf_key(f), *p;
        int rc;

        if (after_colon == NULL)
            return YF_BAIL;
        p = after_colon;
        while (yf_ch(f, p) == ' ')
            p++;
        if (yf_ch(f, p) == '\n' || *p == '#')
            rc = yf_value_below(f, after_colon, col);
        else
            rc = yf_inline_value(f, p, col);
        if (rc != 0)
            return YF_BAIL;
        if (f->ind < col)
            break;
        if (f->ind > col || yf_is_entry(f))
            return YF_BAIL;
    }
    yb_finish_collection(f->b, f->line, yf_col(f, f->cur));
    return yf_broken(f) ? YF_BAIL : 0;
}

/* One "- " entry's content at p, on the entry's line, in a sequence at
 * column col. */
static int
yf_entry(struct yfast *f, const char *p, int col)
{
    const char *text_end, *after;
    bool escapes;

    if (*p == '\'' || *p == '"') {
        after = yf_scan_quoted(f, p, &escapes);
        if (after != NULL && yf_ch(f, after) == ':')
            goto compact;
        return yf_inline_value(f, p, col);
    }
    if (*p == '[' || *p == '{' || *p == '|')
        return yf_inline_value(f, p, col);
    if (!yf_plain_start(f, p))
        return YF_BAIL;
    if (yf_scan_plain(f, p, &text_end, &after) == YF_STOP_EOL)
        return yf_inline_value(f, p, col);
compact:
    /* "- key: v": a mapping at the key's column. */
    f->ind = (int)(p - f->line_start);
    f->cur = p;
    return yf_block_mapping(f);
}

/* A block sequence whose first "- " is at f->cur. An indentless one (a
 * mapping value at its key's column) ends at a line of that column that is
 * not an entry; a nested one may not meet such a line. */
static int
yf_block_sequence(struct yfast *f, bool indentless)
{
    int col = f->ind;

    if (yb_start_collection(f->b, YNODE_SEQUENCE, f->line, yf_col(f, f->cur)) == NULL)
        return YF_BAIL;
    for (;;) {
        const char *p = f->cur + 1;

        while (yf_ch(f, p) == ' ')
            p++;
        if (yf_ch(f, p) == '\n' || *p == '#' || (*p == '-' && yf_ch(f, p + 1) == ' '))
            return YF_BAIL; /* an entry below its "-", or "- - x" */
        if (yf_entry(f, p, col) != 0)
            return YF_BAIL;
        if (f->ind < col)
            break;
        if (f->ind > col)
            return YF_BAIL;
        if (!yf_is_entry(f)) {
            if (indentless)
                break;
            return YF_BAIL;
        }
    }
    yb_finish_collection(f->b, f->line, yf_col(f, f->cur));
    return yf_broken(f) ? YF_BAIL : 0;
}

/*
 * One document from f->cur (a line start): the first one may be implicit,
 * the others start at their "---" line. Returns 1 when it was read, 0 when
 * the input held no further document, YF_BAIL to give up on it.
 */
static int
yf_document(struct yfast *f, bool first)
{
    uint32_t doc_line;
    int rc;

    if (f->cur >= f->end && f->real_eof)
        return 0;
    if (first) {
        if (yf_next_content(f) != 0)
            return YF_BAIL;
        if (f->ind == -1 && f->cur >= f->end)
            return 0; /* comments only */
    }
    if (!first || f->ind == -1) {
        /* At a "---" line: only a comment may follow the marker. */
        doc_line = f->line;
        if (yf_finish_line(f, f->cur + 3) != 0 || yf_next_content(f) != 0)
            return YF_BAIL;
        if (f->ind == -1) {
            /* An empty document: libyaml gives it an empty plain scalar,
             * which counts against the node limit and then reads as none. */
            struct ynode *n = yb_scalar_node(f->b, doc_line, 1, "", 0, true);
            if (n == NULL)
                return YF_BAIL;
            yb_attach(f->b, n, doc_line, 1);
            yb_end_doc(f->b, doc_line);
            return yf_broken(f) ? YF_BAIL : 1;
        }
    } else {
        doc_line = f->line;
    }
    if (f->ind != 0)
        return YF_BAIL;
    rc = yf_is_entry(f) ? yf_block_sequence(f, false) : yf_block_mapping(f);
    if (rc != 0 || f->ind != -1)
        return YF_BAIL;
    yb_end_doc(f->b, doc_line);
    return yf_broken(f) ? YF_BAIL : 1;
}

/* Undoes what a document given up on left in the builder. */
static void
yf_abandon(struct ybuilder *b, size_t ndups, size_t nodes)
{
    b->s->ndups = ndups;
    b->nodes = nodes;
    b->depth = 0;
    b->nchildren = 0;
    b->root = NULL;
    b->s->failed = false;
    memset(&b->s->problem, 0, sizeof(b->s->problem));
    if (b->fn != NULL) { /* streaming: the document's arena is ours to empty */
        arena_reset(b->arena);
        b->slab_left = 0;
        b->text_left = 0;
    }
    /* Reading the whole stream, its nodes stay in the arena as waste. */
}

void
yfast_read(struct ybuilder *b, const unsigned char *buf, size_t len, size_t *resume,
           uint32_t *resume_line)
{
    struct yfast f;
    size_t clean;
    bool first = true;

    *resume = 0;
    *resume_line = 0;
    if (!yf_decodable(buf, len, &clean))
        return;
    memset(&f, 0, sizeof(f));
    f.b = b;
    f.buf = (const char *)buf;
    f.cur = f.line_start = f.buf;
    f.line = 1;
    f.real_eof = clean == len;
    /* Stop at the start of the line with the first unclean byte: every
     * line before it then ends in '\n' and the scanners need no bound. */
    while (!f.real_eof && clean > 0 && buf[clean - 1] != '\n')
        clean--;
    f.end = f.buf + clean;
    for (;;) {
        size_t ndups = b->s->ndups, nodes = b->nodes;
        const char *doc_start = f.cur;
        uint32_t doc_start_line = f.line;
        int rc = yf_document(&f, first);

        if (b->oom)
            break;
        if (rc == 0)
            break;
        if (rc == YF_BAIL) {
            yf_abandon(b, ndups, nodes);
            /* libyaml reads the first document from the buffer's start. */
            *resume = first ? 0 : (size_t)(doc_start - f.buf);
            *resume_line = first ? 0 : doc_start_line - 1;
            free(f.scratch);
            return;
        }
        b->s->stats.docs_fast++;
        first = false;
    }
    *resume = len;
    *resume_line = f.line - 1;
    free(f.scratch);
}

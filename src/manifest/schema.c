#include "manifest/schema.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strutil.h"
#include "manifest/yaml_tree.h"

/* Fields one schema table may hold (tracked per decoded mapping). */
#define MF_MAX_FIELDS 128

/* What a scalar means under YAML 1.2's core schema (plus the YAML 1.1
 * booleans that kubectl's YAML reader still honours). */
enum mf_scalar_class {
    MF_SC_NULL,
    MF_SC_BOOL,
    MF_SC_INT,
    MF_SC_FLOAT,
    MF_SC_STR,
};

/* s[0..len) is one of words. s must be NUL-terminated at len, so that its
 * first byte can be compared before the word's length is measured. */
static bool
mf_word_in(const char *s, size_t len, const char *const *words)
{
    for (; *words != NULL; words++)
        if ((*words)[0] == s[0] && strlen(*words) == len && memcmp(*words, s, len) == 0)
            return true;
    return false;
}

static const char *const mf_true_words[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                            "on",   "On",   "ON",   NULL};
static const char *const mf_false_words[] = {"false", "False", "FALSE", "no", "No", "NO",
                                             "off",   "Off",   "OFF",   NULL};

static bool
mf_is_int_text(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        i = 1;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
mf_is_float_text(const char *s, size_t len)
{
    size_t i = 0;
    bool digits = false, dot = false;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        i = 1;
    if (len - i == 4 && (strncasecmp(s + i, ".inf", 4) == 0 || strncasecmp(s + i, ".nan", 4) == 0))
        return true;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits = true;
        else if (s[i] == '.' && !dot)
            dot = true;
        else
            break;
    }
    if (!digits)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        if (i == len)
            return false;
        for (; i < len; i++)
            if (s[i] < '0' || s[i] > '9')
                return false;
    }
    return i == len;
}

static bool
mf_may_be_word(char c)
{
    switch (c) {
    case 'n': case 'N': /* null, no */
    case 't': case 'T': /* true */
    case 'f': case 'F': /* false */
    case 'y': case 'Y': /* yes */
    case 'o': case 'O': /* on, off */
        return true;
    default:
        return false;
    }
}

static enum mf_scalar_class
mf_classify_text(const struct ynode *n)
{
    if (n->tag != NULL) {
        if (strcmp(n->tag, "tag:yaml.org,2002:str") == 0)
            return MF_SC_STR;
        if (strcmp(n->tag, "tag:yaml.org,2002:null") == 0)
            return MF_SC_NULL;
    }
    if (!n->plain)
        return MF_SC_STR;
    if (n->len == 0 || (n->len == 1 && n->text[0] == '~'))
        return MF_SC_NULL;
    /* Every null and boolean spelling has 2 to 5 characters and starts with
     * one of these letters: most scalars (names, addresses, ports) skip the
     * word lists. */
    if (n->len <= 5 && mf_may_be_word(n->text[0])) {
        if (mf_word_in(n->text, n->len, (const char *const[]){"null", "Null", "NULL", NULL}))
            return MF_SC_NULL;
        if (mf_word_in(n->text, n->len, mf_true_words) ||
            mf_word_in(n->text, n->len, mf_false_words))
            return MF_SC_BOOL;
    }
    /* A number starts with a digit, a sign or a dot (".5", ".inf"). */
    if (!((n->text[0] >= '0' && n->text[0] <= '9') || n->text[0] == '-' || n->text[0] == '+' ||
          n->text[0] == '.'))
        return MF_SC_STR;
    if (mf_is_int_text(n->text, n->len))
        return MF_SC_INT;
    if (mf_is_float_text(n->text, n->len))
        return MF_SC_FLOAT;
    return MF_SC_STR;
}

/* A value is asked for its class several times on its way (null? then the
 * type its field wants), so the answer is kept in the node. The tree is
 * private to the thread decoding it and the class depends on the node
 * alone, so an alias shares the right answer. */
static enum mf_scalar_class
mf_classify(const struct ynode *n)
{
    enum mf_scalar_class c;

    if (n->resolved != 0)
        return (enum mf_scalar_class)(n->resolved - 1);
    c = mf_classify_text(n);
    ((struct ynode *)n)->resolved = (uint8_t)(c + 1);
    return c;
}

static bool
mf_is_null(const struct ynode *n)
{
    return n == NULL || (n->kind == YNODE_SCALAR && mf_classify(n) == MF_SC_NULL);
}

/* Describes a node for "expected X, found Y" messages. */
static const char *
mf_describe(const struct ynode *n, char *buf, size_t size)
{
    switch (n->kind) {
    case YNODE_MAPPING:
        return "a mapping";
    case YNODE_SEQUENCE:
        return "a list";
    case YNODE_SCALAR:
        break;
    }
    switch (mf_classify(n)) {
    case MF_SC_NULL:
        return "null";
    case MF_SC_BOOL:
        snprintf(buf, size, "the boolean %.40s", n->text);
        return buf;
    case MF_SC_INT:
    case MF_SC_FLOAT:
        snprintf(buf, size, "the number %.40s", n->text);
        return buf;
    case MF_SC_STR:
        break;
    }
    snprintf(buf, size, "the string \"%.60s\"", n->text);
    return buf;
}

static struct mf_pos
mf_pos_of(const struct mf_ctx *ctx, const struct ynode *n)
{
    struct mf_pos p = {ctx->file, n ? n->line : 0, n ? n->col : 0};
    return p;
}

static void
mf_report(struct mf_ctx *ctx, enum mf_severity sev, const struct mf_pos *pos, const char *path,
          const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void
mf_report(struct mf_ctx *ctx, enum mf_severity sev, const struct mf_pos *pos, const char *path,
          const char *fmt, va_list ap)
{
    char msg[1024];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* A value that is a template placeholder is not a mistake in the
     * manifest but a step the user has not taken yet: warn, and keep the
     * object usable for the other checks. */
    if (sev == MF_SEV_ERROR && mf_is_template_problem(msg))
        sev = MF_SEV_WARNING;
    if (sev == MF_SEV_ERROR)
        ctx->errors++;
    mf_diags_add(ctx->diags, sev, pos && pos->file ? pos->file : ctx->file, pos ? pos->line : 0,
                 pos ? pos->col : 0, ctx->kind, ctx->ns, ctx->name, path, "%s", msg);
}

void
mf_error(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mf_report(ctx, MF_SEV_ERROR, pos, path, fmt, ap);
    va_end(ap);
}

void
mf_warn(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mf_report(ctx, MF_SEV_WARNING, pos, path, fmt, ap);
    va_end(ap);
}


/* Paths are built for many fields, so no printf here. */
static inline char *
mf_path_join(char *buf, const char *parent, char sep, const char *tail, size_t tlen, char close)
{
    size_t plen = parent ? strlen(parent) : 0;

    if (plen + tlen + 3 > MF_PATH_MAX) { /* pathological nesting: truncate the tail */
        tlen = plen + 3 < MF_PATH_MAX ? MF_PATH_MAX - plen - 3 : 0;
        plen = plen < MF_PATH_MAX - 3 ? plen : MF_PATH_MAX - 3;
    }
    memcpy(buf, parent, plen);
    if (plen > 0 || sep == '[')
        buf[plen++] = sep;
    memcpy(buf + plen, tail, tlen);
    plen += tlen;
    if (close)
        buf[plen++] = close;
    buf[plen] = '\0';
    return buf;
}

char *
mf_path_field(char *buf, const char *parent, const char *field)
{
    return mf_path_join(buf, parent, '.', field, strlen(field), '\0');
}

char *
mf_path_index(char *buf, const char *parent, size_t index)
{
    char digits[24];
    size_t n = sizeof(digits);

    do {
        digits[--n] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    return mf_path_join(buf, parent, '[', digits + n, sizeof(digits) - n, ']');
}

/* What a byte of a key asks of its path: brackets, or brackets and %-encoding. */
enum { MF_KEY_BRACKET = 1, MF_KEY_ESCAPE = 2 };

#define MF_KEY_BLANK (MF_KEY_BRACKET | MF_KEY_ESCAPE)
static const unsigned char mf_key_bytes[256] = {
    /* 0 ends the key and is never looked up; 1 to 32 are control bytes and the space */
    0,
    MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK,
    MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK,
    MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK,
    MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK,
    MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK, MF_KEY_BLANK,
    MF_KEY_BLANK, MF_KEY_BLANK,
    ['%'] = MF_KEY_ESCAPE,
    ['.'] = MF_KEY_BRACKET,
    ['/'] = MF_KEY_BRACKET,
    ['['] = MF_KEY_BRACKET,
    [']'] = MF_KEY_BRACKET,
    [0x7f] = MF_KEY_BLANK,
};
#undef MF_KEY_BLANK

char *
mf_path_key(char *buf, const char *parent, const char *key)
{
    char safe[MF_PATH_MAX / 2];
    size_t n = 0, klen = 0;
    unsigned need = 0;

    /* Keys with dots, brackets or blanks (labels, annotations) are bracketed;
     * blanks and control bytes are %-encoded so that a diagnostic line keeps
     * its field path as one word. One pass finds the length and what the key
     * needs: paths are built for many fields. */
    for (const unsigned char *k = (const unsigned char *)key; *k; k++, klen++)
        need |= mf_key_bytes[*k];
    if (!(need & MF_KEY_BRACKET))
        return mf_path_join(buf, parent, '.', key, klen, '\0');
    /* Nothing to encode: the key as it is, cut where the encoding loop below
     * would stop. */
    if (!(need & MF_KEY_ESCAPE))
        return mf_path_join(buf, parent, '[', key, klen < sizeof(safe) - 4 ? klen : sizeof(safe) - 4,
                            ']');
    for (const unsigned char *k = (const unsigned char *)key; *k && n + 4 < sizeof(safe); k++) {
        if (*k <= ' ' || *k == 0x7f || *k == '%') {
            static const char hex[] = "0123456789ABCDEF";
            safe[n++] = '%';
            safe[n++] = hex[*k >> 4];
            safe[n++] = hex[*k & 15];
        } else {
            safe[n++] = (char)*k;
        }
    }
    return mf_path_join(buf, parent, '[', safe, n, ']');
}

/*
 * The path of a field being decoded, written out only when something reads
 * it: a diagnostic, a check or a nested object. Most leaves (a port, a
 * boolean) pass without either, and building "spec.ports[0].port" for each
 * of them was a good part of the decoder's time.
 */
struct mf_lpath {
    const char *parent;
    struct mf_lpath *up; /* when set, the parent is written from it first */
    const char *key; /* the field's key, or NULL for the list entry at index */
    size_t index;
    const char *text; /* once written */
    char buf[MF_PATH_MAX];
};

static void
mf_lp_key(struct mf_lpath *lp, const char *parent, const char *key)
{
    lp->parent = parent;
    lp->up = NULL;
    lp->key = key;
    lp->text = NULL;
}

/* The list entry at index of the list whose (lazy) path is up. */
static void
mf_lp_index(struct mf_lpath *lp, struct mf_lpath *up, size_t index)
{
    lp->parent = NULL;
    lp->up = up;
    lp->key = NULL;
    lp->index = index;
    lp->text = NULL;
}

static const char *
mf_lp(struct mf_lpath *lp)
{
    if (lp->text == NULL && lp->up != NULL)
        lp->parent = mf_lp(lp->up);
    if (lp->text == NULL)
        lp->text = lp->key != NULL ? mf_path_key(lp->buf, lp->parent, lp->key)
                                   : mf_path_index(lp->buf, lp->parent, lp->index);
    return lp->text;
}

/* Counts a node against the per-object budget; false once it is spent. */
static bool
mf_spend(struct mf_ctx *ctx, const struct ynode *n, struct mf_lpath *path)
{
    if (ctx->budget == 0)
        return false;
    if (--ctx->budget == 0) {
        struct mf_pos pos = mf_pos_of(ctx, n);
        mf_error(ctx, &pos, mf_lp(path), "object expands to too many YAML nodes (aliases?); giving up");
        return false;
    }
    return true;
}

static void mf_decode_value(struct mf_ctx *ctx, const struct mf_field *f, enum mf_type type,
                            const struct ynode *n, void *dst, struct mf_lpath *path);
static bool mf_field_present(const struct mf_field *f, const void *member);

static void
mf_type_error(struct mf_ctx *ctx, const struct ynode *n, struct mf_lpath *path, const char *expected)
{
    char buf[128];
    struct mf_pos pos = mf_pos_of(ctx, n);
    const char *found = mf_describe(n, buf, sizeof(buf));
    const char *hint = "";

    if (n->kind == YNODE_SCALAR && n->plain && strcmp(expected, "a string") == 0)
        hint = "; quote it to make it a string";
    else if (n->kind == YNODE_SCALAR && !n->plain && mf_classify(n) == MF_SC_STR &&
             strcmp(expected, "a string") != 0)
        hint = "; remove the quotes";
    mf_error(ctx, &pos, mf_lp(path), "expected %s, found %s%s", expected, found, hint);
}

static void
mf_decode_string(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
                 struct mf_str *dst, struct mf_lpath *path)
{
    if (n->kind != YNODE_SCALAR || mf_classify(n) != MF_SC_STR) {
        mf_type_error(ctx, n, path, "a string");
        return;
    }
    if (memchr(n->text, '\0', n->len) != NULL) {
        struct mf_pos pos = mf_pos_of(ctx, n);
        mf_error(ctx, &pos, mf_lp(path), "string contains a NUL character");
        return;
    }
    /* Copied: the YAML tree is dropped once its document is decoded. */
    dst->v = arena_strndup(ctx->arena, n->text, n->len);
    dst->len = (uint32_t)n->len;
    dst->pos = mf_pos_of(ctx, n);
    if (dst->v == NULL) {
        mf_error(ctx, &dst->pos, mf_lp(path), "out of memory");
        return;
    }
    if (f->max > 0 && (int64_t)n->len > f->max)
        mf_error(ctx, &dst->pos, mf_lp(path), "must be at most %" PRId64 " characters, is %zu", f->max,
                 n->len);
    if (f->min > 0 && (int64_t)n->len < f->min)
        mf_error(ctx, &dst->pos, mf_lp(path), "must be at least %" PRId64 " characters", f->min);
    if (f->enums != NULL && !mf_word_in(n->text, n->len, f->enums)) {
        char list[256] = "";
        size_t used = 0;
        const char *close = NULL;
        size_t count = 0;

        for (const char *const *e = f->enums; *e != NULL; e++, count++)
            used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
                                     "%s%s", used ? ", " : "", *e);
        close = str_closest(n->text, n->len, f->enums, count);
        if (close != NULL)
            mf_error(ctx, &dst->pos, mf_lp(path), "\"%.60s\" is not one of %s; did you mean \"%s\"?",
                     n->text, list, close);
        else
            mf_error(ctx, &dst->pos, mf_lp(path), "\"%.60s\" is not one of %s", n->text, list);
    }
}

static void
mf_decode_int(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
              struct mf_int *dst, struct mf_lpath *path)
{
    char *end;
    long long v;

    if (n->kind != YNODE_SCALAR || mf_classify(n) != MF_SC_INT) {
        mf_type_error(ctx, n, path, "an integer");
        return;
    }
    dst->pos = mf_pos_of(ctx, n);
    errno = 0;
    v = strtoll(n->text, &end, 10);
    if (errno != 0 || *end != '\0') {
        mf_error(ctx, &dst->pos, mf_lp(path), "integer %.40s is out of range", n->text);
        return;
    }
    if ((f->min != 0 || f->max != 0) && (v < f->min || v > f->max)) {
        mf_error(ctx, &dst->pos, mf_lp(path), "%lld is out of range %" PRId64 "-%" PRId64, v, f->min,
                 f->max);
        return;
    }
    dst->v = v;
    dst->set = true;
}

static void
mf_decode_bool(struct mf_ctx *ctx, const struct ynode *n, struct mf_bool *dst, struct mf_lpath *path)
{
    if (n->kind != YNODE_SCALAR || mf_classify(n) != MF_SC_BOOL) {
        mf_type_error(ctx, n, path, "a boolean (true or false)");
        return;
    }
    dst->v = mf_word_in(n->text, n->len, mf_true_words);
    dst->set = true;
    dst->pos = mf_pos_of(ctx, n);
}

static void
mf_decode_duration(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
                   struct mf_duration *dst, struct mf_lpath *path)
{
    int64_t ns;

    if (n->kind != YNODE_SCALAR || mf_classify(n) != MF_SC_STR) {
        mf_type_error(ctx, n, path, "a duration such as \"10s\" or \"1m30s\"");
        return;
    }
    dst->pos = mf_pos_of(ctx, n);
    if (mf_parse_go_duration(n->text, n->len, &ns) != 0) {
        mf_error(ctx, &dst->pos, mf_lp(path),
                 "\"%.60s\" is not a valid duration (use a number and a unit: h, m, s, ms; e.g. "
                 "\"90s\" or \"1m30s\")",
                 n->text);
        return;
    }
    if (f->max != 0 && (ns < f->min || ns > f->max)) {
        mf_error(ctx, &dst->pos, mf_lp(path), "%.60s is out of range %" PRId64 "s-%" PRId64 "s", n->text,
                 f->min / 1000000000, f->max / 1000000000);
        return;
    }
    dst->ns = ns;
    dst->set = true;
}

static void
mf_decode_intstr(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
                 struct mf_intstr *dst, struct mf_lpath *path)
{
    if (n->kind == YNODE_SCALAR && mf_classify(n) == MF_SC_INT) {
        struct mf_int i = {0};
        mf_decode_int(ctx, f, n, &i, path);
        dst->set = i.set;
        dst->is_int = true;
        dst->i = i.v;
    } else if (n->kind == YNODE_SCALAR && mf_classify(n) == MF_SC_STR) {
        struct mf_field plain = {.name = f->name, .type = MF_STRING};
        mf_decode_string(ctx, &plain, n, &dst->s, path);
        dst->set = dst->s.v != NULL;
    } else {
        mf_type_error(ctx, n, path, "an integer or a string");
    }
    dst->pos = mf_pos_of(ctx, n);
}

static void
mf_check_count(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n, size_t count,
               const char *path)
{
    if (f->max > 0 && (int64_t)count > f->max) {
        struct mf_pos pos = mf_pos_of(ctx, n);
        mf_error(ctx, &pos, path, "has %zu entries; at most %" PRId64 " are allowed", count,
                 f->max);
    }
}

static void
mf_decode_list(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
               struct mf_list *dst, struct mf_lpath *lp)
{
    struct mf_lpath ilp;
    unsigned char *items;
    struct mf_field elem_field = *f; /* element bounds, not the list's count */

    elem_field.type = f->elem;
    elem_field.min = f->elem_min;
    elem_field.max = f->elem_max;
    if (n->kind != YNODE_SEQUENCE) {
        mf_type_error(ctx, n, lp, "a list");
        return;
    }
    if (f->max > 0 && (int64_t)n->nitems > f->max) /* the list's path only for the message */
        mf_check_count(ctx, f, n, n->nitems, mf_lp(lp));
    items = arena_alloc(ctx->arena, (n->nitems ? n->nitems : 1) * f->elem_size);
    if (items == NULL) {
        struct mf_pos pos = mf_pos_of(ctx, n);
        mf_error(ctx, &pos, mf_lp(lp), "out of memory");
        return;
    }
    dst->v = items;
    dst->n = (uint32_t)n->nitems;
    dst->set = true;
    dst->pos = mf_pos_of(ctx, n);
    for (size_t i = 0; i < n->nitems; i++) {
        void *elem = items + i * f->elem_size;
        const struct ynode *item = n->items[i];

        mf_lp_index(&ilp, lp, i);
        if (!mf_spend(ctx, item, &ilp))
            return;
        if (mf_is_null(item) && f->elem != MF_OBJECT) {
            struct mf_pos pos = mf_pos_of(ctx, item);
            mf_error(ctx, &pos, mf_lp(&ilp), "list entry is empty");
            continue;
        }
        if (f->elem == MF_OBJECT) {
            if (item->kind != YNODE_MAPPING && !mf_is_null(item)) {
                mf_type_error(ctx, item, &ilp, "a mapping");
                continue;
            }
            mf_decode_object(ctx, item, f->object, elem, mf_lp(&ilp));
            continue;
        }
        mf_decode_value(ctx, &elem_field, f->elem, item, elem, &ilp);
        if (f->check != NULL && ctx->budget > 0 && mf_field_present(&elem_field, elem))
            f->check(ctx, elem, mf_lp(&ilp));
    }
}

static void
mf_decode_strmap(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
                 struct mf_strmap *dst, struct mf_lpath *lp)
{
    const char *path = mf_lp(lp);
    struct mf_lpath klp;
    struct mf_field plain = {.name = f->name, .type = MF_STRING};

    if (n->kind != YNODE_MAPPING) {
        mf_type_error(ctx, n, lp, "a mapping of strings");
        return;
    }
    mf_check_count(ctx, f, n, n->npairs, path);
    dst->v = arena_alloc(ctx->arena, (n->npairs ? n->npairs : 1) * sizeof(struct mf_kv));
    dst->n = 0;
    if (dst->v == NULL)
        return;
    dst->set = true;
    dst->pos = mf_pos_of(ctx, n);
    for (size_t i = 0; i < n->npairs; i++) {
        const struct ypair *p = &n->pairs[i];
        struct mf_kv *kv = &dst->v[dst->n];

        if (p->key->shadowed)
            continue;
        mf_lp_key(&klp, path, p->key->text);
        if (!mf_spend(ctx, p->value, &klp))
            return;
        kv->key.v = arena_strndup(ctx->arena, p->key->text, p->key->len);
        kv->key.len = (uint32_t)p->key->len;
        kv->key.pos = mf_pos_of(ctx, p->key);
        if (mf_is_null(p->value)) {
            /* A null value reads as "" in Kubernetes. */
            kv->value.v = "";
            kv->value.pos = mf_pos_of(ctx, p->value ? p->value : p->key);
        } else {
            mf_decode_string(ctx, &plain, p->value, &kv->value, &klp);
            if (kv->value.v == NULL)
                continue;
        }
        dst->n++;
    }
}

static void
mf_decode_objmap(struct mf_ctx *ctx, const struct mf_field *f, const struct ynode *n,
                 struct mf_objmap *dst, struct mf_lpath *lp)
{
    const char *path = mf_lp(lp);
    struct mf_lpath klp;
    unsigned char *items;

    if (n->kind != YNODE_MAPPING) {
        mf_type_error(ctx, n, lp, "a mapping");
        return;
    }
    mf_check_count(ctx, f, n, n->npairs, path);
    items = arena_alloc(ctx->arena, (n->npairs ? n->npairs : 1) * f->elem_size);
    if (items == NULL)
        return;
    dst->v = items;
    dst->n = 0;
    dst->set = true;
    dst->pos = mf_pos_of(ctx, n);
    for (size_t i = 0; i < n->npairs; i++) {
        const struct ypair *p = &n->pairs[i];
        unsigned char *entry = items + dst->n * f->elem_size;
        struct mf_str *key = (struct mf_str *)(entry + sizeof(struct mf_pos));

        if (p->key->shadowed)
            continue;
        dst->n++;
        mf_lp_key(&klp, path, p->key->text);
        if (!mf_spend(ctx, p->value, &klp))
            return;
        if (!mf_is_null(p->value) && p->value->kind != YNODE_MAPPING) {
            mf_type_error(ctx, p->value, &klp, "a mapping");
            continue;
        }
        mf_decode_object(ctx, p->value, f->object, entry, mf_lp(&klp));
        key->v = arena_strndup(ctx->arena, p->key->text, p->key->len);
        key->len = (uint32_t)p->key->len;
        key->pos = mf_pos_of(ctx, p->key);
        if (mf_is_null(p->value))
            ((struct mf_pos *)entry)->line = p->key->line; /* point at the key */
    }
}

static void
mf_decode_value(struct mf_ctx *ctx, const struct mf_field *f, enum mf_type type,
                const struct ynode *n, void *dst, struct mf_lpath *path)
{
    switch (type) {
    case MF_STRING:
        mf_decode_string(ctx, f, n, dst, path);
        break;
    case MF_BOOL:
        mf_decode_bool(ctx, n, dst, path);
        break;
    case MF_INT:
        mf_decode_int(ctx, f, n, dst, path);
        break;
    case MF_DURATION:
        mf_decode_duration(ctx, f, n, dst, path);
        break;
    case MF_INTSTR:
        mf_decode_intstr(ctx, f, n, dst, path);
        break;
    case MF_OBJECT: {
        void **slot = dst;
        if (n->kind != YNODE_MAPPING) {
            mf_type_error(ctx, n, path, "a mapping");
            break;
        }
        *slot = arena_alloc(ctx->arena, f->elem_size);
        if (*slot != NULL)
            mf_decode_object(ctx, n, f->object, *slot, mf_lp(path));
        break;
    }
    case MF_LIST:
        mf_decode_list(ctx, f, n, dst, path);
        break;
    case MF_STRMAP:
        mf_decode_strmap(ctx, f, n, dst, path);
        break;
    case MF_OBJMAP:
        mf_decode_objmap(ctx, f, n, dst, path);
        break;
    case MF_RAW: {
        struct mf_raw *raw = dst;
        raw->node = n;
        raw->pos = mf_pos_of(ctx, n);
        break;
    }
    }
}

static bool
mf_field_present(const struct mf_field *f, const void *member)
{
    switch (f->type) {
    case MF_STRING:
        return ((const struct mf_str *)member)->v != NULL;
    case MF_BOOL:
        return ((const struct mf_bool *)member)->set;
    case MF_INT:
        return ((const struct mf_int *)member)->set;
    case MF_DURATION:
        return ((const struct mf_duration *)member)->set;
    case MF_INTSTR:
        return ((const struct mf_intstr *)member)->set;
    case MF_OBJECT:
        return *(void *const *)member != NULL;
    case MF_LIST:
        return ((const struct mf_list *)member)->set;
    case MF_STRMAP:
        return ((const struct mf_strmap *)member)->set;
    case MF_OBJMAP:
        return ((const struct mf_objmap *)member)->set;
    case MF_RAW:
        return ((const struct mf_raw *)member)->node != NULL;
    }
    return false;
}

static bool
mf_field_empty(const struct mf_field *f, const void *member)
{
    switch (f->type) {
    case MF_STRING:
        return ((const struct mf_str *)member)->len == 0;
    case MF_LIST:
        return ((const struct mf_list *)member)->n == 0;
    case MF_STRMAP:
        return ((const struct mf_strmap *)member)->n == 0;
    case MF_OBJMAP:
        return ((const struct mf_objmap *)member)->n == 0;
    default:
        return false;
    }
}

static const struct mf_field *
mf_find_field(const struct mf_schema *schema, const char *name, size_t len)
{
    for (size_t i = 0; i < schema->nfields; i++) {
        const struct mf_field *f = &schema->fields[i];
        /* name is NUL-terminated at len, so name[1] can be read; two bytes
         * settle most mismatches before strncmp. */
        /* strlen last: a key may hold a NUL (YAML's "\0"), so f->name[len]
         * could lie past the end of a shorter field name. */
        if (f->name[0] == name[0] && f->name[1] == name[1] && strncmp(f->name, name, len) == 0 &&
            strlen(f->name) == len)
            return f;
    }
    return NULL;
}

static void
mf_unknown_field(struct mf_ctx *ctx, const struct mf_schema *schema, const struct ynode *key,
                 const char *path)
{
    const char *names[128];
    size_t n = schema->nfields < 128 ? schema->nfields : 128;
    const char *close;
    struct mf_pos pos = mf_pos_of(ctx, key);

    for (size_t i = 0; i < n; i++)
        names[i] = schema->fields[i].name;
    if (memchr(key->text, '\0', key->len) != NULL) { /* printing would stop at it */
        mf_error(ctx, &pos, path, "unknown field \"%.80s...\": a field name cannot contain a NUL "
                 "byte", key->text);
        return;
    }
    close = str_closest(key->text, key->len, names, n);
    if (close != NULL)
        mf_error(ctx, &pos, path, "unknown field \"%.80s\"; did you mean \"%s\"?", key->text,
                 close);
    else
        mf_error(ctx, &pos, path, "unknown field \"%.80s\"", key->text);
}

static void
mf_decode_field(struct mf_ctx *ctx, const struct mf_field *f, const struct ypair *p, bool null,
                void *obj, struct mf_lpath *fpath)
{
    struct mf_pos pos;
    void *member;

    if (f->flags & MF_IGNORED)
        return;
    if (f->flags & MF_UNSUPPORTED) {
        pos = mf_pos_of(ctx, p->key);
        if (!null)
            mf_warn(ctx, &pos, mf_lp(fpath), "not implemented yet; ignored%s%s", f->note ? ": " : "",
                    f->note ? f->note : "");
        return;
    }
    if (f->flags & MF_DEPRECATED) {
        pos = mf_pos_of(ctx, p->key);
        mf_warn(ctx, &pos, mf_lp(fpath), "deprecated%s%s", f->note ? ": " : "", f->note ? f->note : "");
    }
    if (null)
        return; /* null means absent, as in Kubernetes */
    member = (unsigned char *)obj + f->offset;
    mf_decode_value(ctx, f, f->type, p->value, member, fpath);
    if (f->check != NULL && f->type != MF_LIST && mf_field_present(f, member))
        f->check(ctx, member, mf_lp(fpath));
}

void
mf_decode_object(struct mf_ctx *ctx, const struct ynode *node, const struct mf_schema *schema,
                 void *obj, const char *path)
{
    struct mf_lpath flp;
    char *fpath = flp.buf; /* for the required-field messages, once flp is done */
    struct mf_pos *objpos = obj;
    uint64_t seen[MF_MAX_FIELDS / 64] = {0}; /* bit i: a value was written for field i */

    *objpos = mf_pos_of(ctx, node);
    if (node != NULL && node->kind == YNODE_MAPPING) {
        for (size_t i = 0; i < node->npairs; i++) {
            const struct ypair *p = &node->pairs[i];
            const struct mf_field *f = mf_find_field(schema, p->key->text, p->key->len);
            bool null;

            if (p->key->shadowed)
                continue;
            mf_lp_key(&flp, path, p->key->text);
            if (!mf_spend(ctx, p->value, &flp))
                return;
            if (f == NULL) {
                mf_unknown_field(ctx, schema, p->key, path && path[0] ? path : "-");
                continue;
            }
            null = mf_is_null(p->value);
            if (!null && (size_t)(f - schema->fields) < MF_MAX_FIELDS)
                seen[(size_t)(f - schema->fields) / 64] |= 1ull << ((size_t)(f - schema->fields) % 64);
            mf_decode_field(ctx, f, p, null, obj, &flp);
        }
    }
    for (size_t i = 0; i < schema->nfields; i++) {
        const struct mf_field *f = &schema->fields[i];
        const void *member;

        /* Most fields are optional: test that first. */
        if (!(f->flags & (MF_REQUIRED | MF_NONEMPTY)))
            continue;
        if (f->offset == SIZE_MAX || (f->flags & (MF_UNSUPPORTED | MF_IGNORED)))
            continue;
        member = (const unsigned char *)obj + f->offset;
        /* A value that was written but rejected has been reported already. */
        if ((f->flags & MF_REQUIRED) && !mf_field_present(f, member) &&
            !(i < MF_MAX_FIELDS && (seen[i / 64] >> (i % 64) & 1)))
            mf_error(ctx, objpos, mf_path_field(fpath, path, f->name),
                     "required field is missing");
        else if ((f->flags & MF_NONEMPTY) && mf_field_present(f, member) &&
                 mf_field_empty(f, member))
            mf_error(ctx, objpos, mf_path_field(fpath, path, f->name), "must not be empty");
    }
    if (schema->validate != NULL && ctx->budget > 0)
        schema->validate(ctx, obj, path);
}

int
mf_parse_go_duration(const char *s, size_t len, int64_t *out)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {
        {"ns", 1},        {"us", 1000},           {"\xc2\xb5s", 1000}, {"ms", 1000000},
        {"s", 1000000000}, {"m", 60000000000LL}, {"h", 3600000000000LL},
    };
    size_t i = 0;
    double total = 0;
    bool neg = false;

    if (len == 0)
        return -1;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (len - i == 1 && s[i] == '0') {
        *out = 0;
        return 0;
    }
    if (i == len)
        return -1;
    while (i < len) {
        double value = 0, scale = 1;
        bool digits = false;
        size_t u;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            value = value * 10 + (s[i++] - '0');
            digits = true;
        }
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                scale /= 10;
                value += (s[i++] - '0') * scale;
                digits = true;
            }
        }
        if (!digits)
            return -1;
        for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
            size_t ulen = strlen(units[u].unit);
            /* "m" must not swallow the "m" of "ms". */
            if (len - i >= ulen && memcmp(s + i, units[u].unit, ulen) == 0 &&
                !(ulen == 1 && units[u].unit[0] == 'm' && i + 1 < len && s[i + 1] == 's'))
                break;
        }
        if (u == sizeof(units) / sizeof(units[0]))
            return -1;
        i += strlen(units[u].unit);
        total += value * (double)units[u].ns;
        if (total > 9.2e18)
            return -1;
    }
    *out = (int64_t)(neg ? -total : total);
    return 0;
}

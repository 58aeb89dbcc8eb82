/*
 * DOC: Kuadrant policies (kuadrant.io/v1)
 *
 * Schemas and single-object rules for RateLimitPolicy, AuthPolicy,
 * DNSPolicy and TLSPolicy, following the upstream v1 CRDs (and, inside
 * AuthPolicy rules, Authorino's AuthConfig v1beta3 types): every upstream
 * field is known. Messages reuse the CRDs' own CEL validation texts where
 * they exist ("Implicit and explicit defaults are mutually exclusive").
 *
 * Deliberate deviations from what the API server accepts, because the
 * upstream controllers would silently misbehave on such input:
 *   - a top-level `when` next to `defaults`/`overrides` is an error (the
 *     controller ignores it);
 *   - rate-limit windows under one second are errors (Kuadrant truncates
 *     them to 0 s); a negative limit is an error (Kuadrant reads it as 0);
 *   - healthCheck.interval must be a Go duration (the CRD types it as a
 *     plain string, the DNS operator then fails to parse "5min");
 *   - a response body that is declared application/json must be JSON.
 *
 * The spec of each policy is kept as raw YAML first and decoded from the
 * kind's validate hook, so that documentation skeletons ("{ … }", "[…]")
 * are reported once as placeholders instead of as dozens of field errors.
 *
 * CEL: until policy/cel/ has a parser, predicates and expressions only get
 * mf_kq_cel_interim_syntax_check() (non-blank, balanced quotes/brackets).
 *
 * Rules across objects (targetRef.namespace, targets in other namespaces)
 * live in model/kuadrant.c.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifdef MF_HAVE_JANSSON
#include <jansson.h>
#endif
#ifdef MF_HAVE_PCRE2
#include <pcre2.h>
#endif

#include "core/ipaddr.h"
#include "manifest/kinds.h"
#include "manifest/yaml_tree.h"

#define MF_KQ_GATEWAY_GROUP "gateway.networking.k8s.io"

/* ---- small shared helpers ------------------------------------------------ */

static bool
mf_kq_raw_set(const struct mf_raw *r)
{
    return r->node != NULL;
}

static bool
mf_kq_str_set(const struct mf_str *s)
{
    return s->v != NULL;
}

/* The parent of a field path: "unknown field" errors name the mapping that
 * holds the key, as the decoder's own ones do. Returns buf. */
static const char *
mf_kq_parent(char *buf, const char *path)
{
    const char *dot = strrchr(path, '.');

    snprintf(buf, MF_PATH_MAX, "%.*s", dot ? (int)(dot - path) : 0, path);
    return buf[0] ? buf : "-";
}

/*
 * Reports the second of several mutually exclusive members that are set.
 * names/set are parallel arrays of n entries; what names the choice ("an
 * authentication method"). Returns how many are set.
 */
static unsigned
mf_kq_one_of(struct mf_ctx *ctx, const struct mf_pos *pos, const char *path, const char *what,
             const char *const *names, const bool *set, size_t n)
{
    unsigned count = 0;
    const char *first = NULL;

    for (size_t i = 0; i < n; i++) {
        if (!set[i])
            continue;
        if (++count == 2)
            mf_error(ctx, pos, path, "\"%s\" and \"%s\" are both set; use exactly one %s", first,
                     names[i], what);
        if (first == NULL)
            first = names[i];
    }
    return count;
}

/* RFC 9110 token: the characters of an HTTP header name. */
static bool
mf_kq_is_http_token(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && (c == '\0' || strchr("!#$%&'*+-.^_`|~", c) == NULL))
            return false;
    }
    return true;
}

static void
mf_kq_check_header_name(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;

    if (s->len == 0)
        mf_error(ctx, &s->pos, path, "must not be empty");
    else if (!mf_kq_is_http_token(s->v, s->len))
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid HTTP header name", s->v);
}

/* Warnings for known fields metalgate does not implement; each says what
 * the gateway does instead, so that nobody mistakes "ignored" for "allowed". */
static void
mf_kq_unsupported_authn(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: this identity source never authenticates a request");
}

static void
mf_kq_unsupported_authz(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: requests this rule applies to are denied");
}

static void
mf_kq_unsupported_metadata(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: the metadata stays empty");
}

static void
mf_kq_unsupported_item(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: the item is not added to the request");
}

static void
mf_kq_unsupported_callbacks(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: no callback is sent");
}

static void
mf_kq_unsupported_key_selector(struct mf_ctx *ctx, const void *value, const char *path)
{
    mf_warn(ctx, &((const struct mf_raw *)value)->pos, path,
            "not implemented yet; ignored: only the api_key entry of each Secret is read");
}

/* ---- CEL: interim syntax check ------------------------------------------- */

/*
 * Index just after the CEL string literal whose quote is at s[i] (single,
 * double or triple quotes; raw strings take no escapes), or SIZE_MAX when
 * the literal is not closed.
 */
static size_t
mf_kq_cel_skip_string(const char *s, size_t len, size_t i, bool raw)
{
    char q = s[i];
    bool triple = i + 2 < len && s[i + 1] == q && s[i + 2] == q;
    size_t j = i + (triple ? 3 : 1);

    while (j < len) {
        if (s[j] == '\\' && !raw) {
            j += 2;
            continue;
        }
        if (s[j] == q && (!triple || (j + 2 < len && s[j + 1] == q && s[j + 2] == q)))
            return j + (triple ? 3 : 1);
        j++;
    }
    return SIZE_MAX;
}

/* True when the quote at s[i] opens a raw string (r"..", R'..', br"..", rb".."). */
static bool
mf_kq_cel_is_raw(const char *s, size_t i)
{
    size_t k = i;

    if (k > 0 && (s[k - 1] == 'b' || s[k - 1] == 'B'))
        k--;
    if (k == 0 || (s[k - 1] != 'r' && s[k - 1] != 'R'))
        return false;
    if (k >= 2 && (s[k - 2] == 'b' || s[k - 2] == 'B'))
        k--;
    return k < 2 || !(isalnum((unsigned char)s[k - 2]) || s[k - 2] == '_');
}

#define MF_KQ_CEL_MAX_DEPTH 64

struct mf_kq_brackets {
    char open[MF_KQ_CEL_MAX_DEPTH];
    size_t at[MF_KQ_CEL_MAX_DEPTH];
    size_t depth;
};

/* Tracks one bracket at offset i; returns an error message or NULL. */
static const char *
mf_kq_cel_bracket(struct mf_kq_brackets *b, char c, size_t i, char *buf, size_t size)
{
    static const char pairs[] = "()[]{}";
    const char *p = strchr(pairs, c);
    size_t k = (size_t)(p - pairs);

    if (k % 2 == 0) {
        if (b->depth == MF_KQ_CEL_MAX_DEPTH)
            return "brackets are nested too deeply";
        b->open[b->depth] = c;
        b->at[b->depth++] = i;
        return NULL;
    }
    if (b->depth == 0) {
        snprintf(buf, size, "\"%c\" at character %zu has no opening bracket", c, i + 1);
        return buf;
    }
    if (b->open[b->depth - 1] != pairs[k - 1]) {
        snprintf(buf, size, "\"%c\" at character %zu does not close \"%c\" opened at character %zu",
                 c, i + 1, b->open[b->depth - 1], b->at[b->depth - 1] + 1);
        return buf;
    }
    b->depth--;
    return NULL;
}

/* Returns an error message for expression s, or NULL when it passes. */
static const char *
mf_kq_cel_scan(const char *s, size_t len, char *buf, size_t size)
{
    struct mf_kq_brackets b = {.depth = 0};
    bool blank = true;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        const char *why;

        if (!isspace((unsigned char)c))
            blank = false;
        if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (c == '\'' || c == '"') {
            size_t end = mf_kq_cel_skip_string(s, len, i, mf_kq_cel_is_raw(s, i));
            if (end == SIZE_MAX) {
                snprintf(buf, size, "string literal opened at character %zu is not closed", i + 1);
                return buf;
            }
            i = end - 1;
        } else if (strchr("()[]{}", c) != NULL && c != '\0') {
            if ((why = mf_kq_cel_bracket(&b, c, i, buf, size)) != NULL)
                return why;
        }
    }
    if (blank)
        return "expression is empty";
    if (b.depth > 0) {
        snprintf(buf, size, "\"%c\" opened at character %zu is never closed", b.open[b.depth - 1],
                 b.at[b.depth - 1] + 1);
        return buf;
    }
    return NULL;
}

/* Length of the first "$NAME" (upper case, 2+ characters) in s, or 0. */
static size_t
mf_kq_shell_var(const char *s, size_t len)
{
    const char *d = memchr(s, '$', len);
    size_t n = 1;

    if (d == NULL)
        return 0;
    while ((size_t)(d - s) + n < len &&
           (isupper((unsigned char)d[n]) || d[n] == '_' || (n > 1 && isdigit((unsigned char)d[n]))))
        n++;
    return n > 2 ? n : 0;
}

/*
 * INTERIM CEL syntax check, used until policy/cel/ provides a parser: a
 * predicate or expression must be non-blank and have balanced string
 * quotes, brackets and parentheses. Takes a struct mf_str.
 */
static void
mf_kq_cel_interim_syntax_check(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *e = value;
    char buf[160];
    const char *why = mf_kq_cel_scan(e->v, e->len, buf, sizeof(buf));
    size_t var;

    if (why != NULL) {
        mf_error(ctx, &e->pos, path, "invalid CEL expression: %s", why);
        return;
    }
    /* "$CLIENT_IP" in a tutorial's predicate is meant for envsubst. */
    if ((var = mf_kq_shell_var(e->v, e->len)) != 0)
        mf_warn(ctx, &e->pos, path,
                "\"%.*s\" looks like an unexpanded shell variable: CEL compares it literally",
                (int)(var < 64 ? var : 64), strchr(e->v, '$'));
}

/* ---- targetRef ------------------------------------------------------------ */

static const struct mf_field mf_kq_target_fields[] = {
    MF_F_STR(struct mf_policy_target_ref, group, "group", .max = 253),
    MF_F_STR(struct mf_policy_target_ref, kind, "kind", .flags = MF_REQUIRED, .max = 63),
    MF_F_STR(struct mf_policy_target_ref, name, "name", .flags = MF_REQUIRED | MF_NONEMPTY,
             .max = 253, .check = mf_check_dns1123_subdomain),
    /* Gateway API SectionName: a lower-case RFC 1123 subdomain. */
    MF_F_STR(struct mf_policy_target_ref, section_name, "sectionName", .max = 253,
             .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_policy_target_ref, stray_namespace, "namespace"),
};

/* Group is checked here rather than flagged required: the hint matters,
 * several upstream examples leave it out. */
static void
mf_kq_check_target_group(struct mf_ctx *ctx, const struct mf_policy_target_ref *t, const char *path)
{
    char p[MF_PATH_MAX];

    mf_path_field(p, path, "group");
    if (!mf_kq_str_set(&t->group))
        mf_error(ctx, &t->pos, p, "required field is missing; set it to " MF_KQ_GATEWAY_GROUP);
    else if (!mf_str_eq(&t->group, MF_KQ_GATEWAY_GROUP))
        mf_error(ctx, &t->group.pos, p,
                 "Invalid targetRef.group. The only supported value is '" MF_KQ_GATEWAY_GROUP
                 "' (found \"%.80s\")",
                 t->group.v);
}

/* RateLimitPolicy and AuthPolicy attach to Gateways and routes. */
static void
mf_kq_validate_route_target(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_policy_target_ref *t = obj;
    char p[MF_PATH_MAX];

    mf_kq_check_target_group(ctx, t, path);
    if (!mf_kq_str_set(&t->kind))
        return;
    mf_path_field(p, path, "kind");
    if (mf_str_eq(&t->kind, "GRPCRoute"))
        mf_warn(ctx, &t->kind.pos, p,
                "gRPC routes are not implemented yet: this policy applies to no traffic");
    else if (!mf_str_eq(&t->kind, "Gateway") && !mf_str_eq(&t->kind, "HTTPRoute"))
        mf_error(ctx, &t->kind.pos, p,
                 "Invalid targetRef.kind. The only supported values are 'HTTPRoute', "
                 "'GRPCRoute', and 'Gateway' (found \"%.80s\")",
                 t->kind.v);
}

/* DNSPolicy and TLSPolicy attach to Gateways (optionally one listener). */
static void
mf_kq_validate_gateway_target(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_policy_target_ref *t = obj;
    char p[MF_PATH_MAX];

    mf_kq_check_target_group(ctx, t, path);
    if (mf_kq_str_set(&t->kind) && !mf_str_eq(&t->kind, "Gateway"))
        mf_error(ctx, &t->kind.pos, mf_path_field(p, path, "kind"),
                 "Invalid targetRef.kind. The only supported values are 'Gateway' (found "
                 "\"%.80s\")",
                 t->kind.v);
}

static const struct mf_schema mf_kq_route_target_schema =
    MF_SCHEMA("targetRef", mf_kq_target_fields, mf_kq_validate_route_target);
static const struct mf_schema mf_kq_gateway_target_schema =
    MF_SCHEMA("targetRef", mf_kq_target_fields, mf_kq_validate_gateway_target);

/* ---- predicates ----------------------------------------------------------- */

/* The required predicate is checked here: a v1beta2 condition gets one
 * precise error instead of "unknown field" three times plus "missing". */
static void
mf_kq_validate_predicate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_policy_predicate *w = obj;
    char p[MF_PATH_MAX];

    if (mf_kq_raw_set(&w->legacy_selector) || mf_kq_raw_set(&w->legacy_operator) ||
        mf_kq_raw_set(&w->legacy_value))
        mf_error(ctx, &w->pos, path,
                 "selector/operator/value conditions are the removed v1beta2 form; kuadrant.io/v1 "
                 "takes a CEL predicate instead, e.g. predicate: \"request.path == '/api'\"");
    else if (!mf_kq_str_set(&w->predicate))
        mf_error(ctx, &w->pos, mf_path_field(p, path, "predicate"), "required field is missing");
}

static const struct mf_field mf_kq_predicate_fields[] = {
    MF_F_STR(struct mf_policy_predicate, predicate, "predicate",
             .check = mf_kq_cel_interim_syntax_check),
    MF_F_RAW(struct mf_policy_predicate, legacy_selector, "selector"),
    MF_F_RAW(struct mf_policy_predicate, legacy_operator, "operator"),
    MF_F_RAW(struct mf_policy_predicate, legacy_value, "value"),
};
static const struct mf_schema mf_kq_predicate_schema =
    MF_SCHEMA("predicate", mf_kq_predicate_fields, mf_kq_validate_predicate);

static const char *const mf_kq_strategies[] = {"atomic", "merge", NULL};

/* ---- documentation placeholders and the spec -------------------------------- */

static bool
mf_kq_is_placeholder(const struct ynode *n)
{
    return n != NULL && n->kind == YNODE_SCALAR &&
           ((n->len == 3 && memcmp(n->text, "\xe2\x80\xa6", 3) == 0) ||
            (n->len == 3 && memcmp(n->text, "...", 3) == 0));
}

struct mf_kq_scan {
    struct mf_ctx *ctx;
    unsigned found;
    unsigned visited;
};

static void
mf_kq_placeholder_error(struct mf_kq_scan *sc, const struct ynode *n, const char *path)
{
    struct mf_pos pos = {sc->ctx->file, n->line, n->col};

    if (++sc->found <= 20)
        mf_error(sc->ctx, &pos, path,
                 "placeholder \"%s\" from the documentation: replace it with real values "
                 "(this looks like a reference skeleton, not a manifest to apply)",
                 n->text);
}

/* Reports every "…" / "..." scalar or key under n (a bounded walk). */
static void
mf_kq_scan_placeholders(struct mf_kq_scan *sc, const struct ynode *n, const char *path)
{
    char p[MF_PATH_MAX];

    if (n == NULL || ++sc->visited > 100000)
        return;
    if (mf_kq_is_placeholder(n)) {
        mf_kq_placeholder_error(sc, n, path);
    } else if (n->kind == YNODE_SEQUENCE) {
        for (size_t i = 0; i < n->nitems; i++)
            mf_kq_scan_placeholders(sc, n->items[i], mf_path_index(p, path, i));
    } else if (n->kind == YNODE_MAPPING) {
        for (size_t i = 0; i < n->npairs; i++) {
            mf_path_key(p, path, n->pairs[i].key->text);
            if (mf_kq_is_placeholder(n->pairs[i].key))
                mf_kq_placeholder_error(sc, n->pairs[i].key, p);
            else
                mf_kq_scan_placeholders(sc, n->pairs[i].value, p);
        }
    }
}

/*
 * Decodes the raw spec of a policy into a new struct of size bytes with
 * schema; returns it, or NULL when the spec is missing, not a mapping, or a
 * documentation skeleton (then the placeholders are reported instead).
 */
static void *
mf_kq_decode_spec(struct mf_ctx *ctx, const struct mf_raw *raw, const struct mf_schema *schema,
                  size_t size)
{
    struct mf_kq_scan sc = {ctx, 0, 0};
    void *spec;

    if (raw->node == NULL)
        return NULL; /* reported as missing by the decoder */
    if (raw->node->kind != YNODE_MAPPING) {
        mf_error(ctx, &raw->pos, "spec", "expected a mapping, found %s%.60s%s",
                 raw->node->kind == YNODE_SEQUENCE ? "a list" : "the string \"",
                 raw->node->kind == YNODE_SEQUENCE ? "" : raw->node->text,
                 raw->node->kind == YNODE_SEQUENCE ? "" : "\"");
        return NULL;
    }
    mf_kq_scan_placeholders(&sc, raw->node, "spec");
    if (sc.found > 0)
        return NULL;
    spec = arena_alloc(ctx->arena, size);
    if (spec == NULL) {
        mf_error(ctx, &raw->pos, "spec", "out of memory");
        return NULL;
    }
    mf_decode_object(ctx, raw->node, schema, spec, "spec");
    return spec;
}

/* ---- RateLimitPolicy -------------------------------------------------------- */

/*
 * Parses a Gateway API duration (GEP-2257: ^([0-9]{1,5}(h|m|s|ms)){1,4}$)
 * into milliseconds. Returns -1 when s does not match.
 */
static int64_t
mf_kq_gep2257_ms(const char *s, size_t len)
{
    size_t i = 0;
    int groups = 0;
    int64_t total = 0;

    if (len == 0)
        return -1;
    while (i < len) {
        int64_t n = 0;
        size_t digits = 0;

        while (i < len && isdigit((unsigned char)s[i]) && digits < 6)
            n = n * 10 + (s[i++] - '0'), digits++;
        if (digits == 0 || digits > 5 || i == len || ++groups > 4)
            return -1;
        if (s[i] == 'm' && i + 1 < len && s[i + 1] == 's')
            total += n, i += 2;
        else if (s[i] == 'h')
            total += n * 3600000, i++;
        else if (s[i] == 'm')
            total += n * 60000, i++;
        else if (s[i] == 's')
            total += n * 1000, i++;
        else
            return -1;
    }
    return total;
}

static void
mf_rlp_check_window(struct mf_ctx *ctx, struct mf_rlp_rate *r, const char *path)
{
    int64_t ms = mf_kq_gep2257_ms(r->window.v, r->window.len);

    if (ms < 0)
        mf_error(ctx, &r->window.pos, path,
                 "\"%.60s\" is not a valid window: use 1 to 4 groups of up to 5 digits, each "
                 "followed by h, m, s or ms (Gateway API duration), e.g. \"30s\" or \"1m30s\"",
                 r->window.v);
    else if (ms < 1000)
        mf_error(ctx, &r->window.pos, path,
                 "window %.60s is shorter than one second: Kuadrant counts windows in whole "
                 "seconds and would make it 0s",
                 r->window.v);
    else if (ms % 1000 != 0)
        mf_warn(ctx, &r->window.pos, path,
                "window %.60s is not a whole number of seconds; it counts as %" PRId64
                "s, as in Kuadrant",
                r->window.v, ms / 1000);
    r->window_ms = ms >= 1000 ? ms / 1000 * 1000 : 0;
}

static void
mf_rlp_validate_rate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_rlp_rate *r = obj;
    char p[MF_PATH_MAX];

    if (r->limit.set && r->limit.v < 0)
        mf_error(ctx, &r->limit.pos, mf_path_field(p, path, "limit"),
                 "limit %" PRId64 " is negative (Kuadrant reads it as 0; write 0 to reject "
                 "every request)",
                 r->limit.v);
    if (mf_kq_str_set(&r->window))
        mf_rlp_check_window(ctx, r, mf_path_field(p, path, "window"));
}

static const struct mf_field mf_rlp_rate_fields[] = {
    MF_F_INT(struct mf_rlp_rate, limit, "limit", .flags = MF_REQUIRED),
    MF_F_STR(struct mf_rlp_rate, window, "window", .flags = MF_REQUIRED),
};
static const struct mf_schema mf_rlp_rate_schema =
    MF_SCHEMA("rate", mf_rlp_rate_fields, mf_rlp_validate_rate);

static const struct mf_field mf_rlp_counter_fields[] = {
    MF_F_STR(struct mf_rlp_counter, expression, "expression", .flags = MF_REQUIRED,
             .check = mf_kq_cel_interim_syntax_check),
};
static const struct mf_schema mf_rlp_counter_schema =
    MF_SCHEMA("counter", mf_rlp_counter_fields, NULL);

static void
mf_rlp_legacy_conditions(struct mf_ctx *ctx, const void *value, const char *path)
{
    char p[MF_PATH_MAX];

    mf_error(ctx, &((const struct mf_raw *)value)->pos, mf_kq_parent(p, path),
             "unknown field \"conditions\": kuadrant.io/v1 replaced conditions (selector, "
             "operator, value) with \"when\" predicates written in CEL, e.g. when: "
             "[{predicate: \"request.path == '/api'\"}]");
}

static void
mf_rlp_legacy_route_selectors(struct mf_ctx *ctx, const void *value, const char *path)
{
    char p[MF_PATH_MAX];

    mf_error(ctx, &((const struct mf_raw *)value)->pos, mf_kq_parent(p, path),
             "unknown field \"routeSelectors\": kuadrant.io/v1 removed route selectors; target "
             "an HTTPRoute rule with targetRef.sectionName or add \"when\" predicates");
}

static void
mf_rlp_validate_limit(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_rlp_limit *l = obj;

    if (l->rates.n == 0 && !mf_kq_raw_set(&l->legacy_conditions))
        mf_warn(ctx, &l->pos, path, "the limit has no rates: it never rejects a request");
}

static const struct mf_field mf_rlp_limit_fields[] = {
    MF_F_OBJLIST(struct mf_rlp_limit, when, "when", &mf_kq_predicate_schema,
                 struct mf_policy_predicate),
    MF_F_OBJLIST(struct mf_rlp_limit, counters, "counters", &mf_rlp_counter_schema,
                 struct mf_rlp_counter),
    MF_F_OBJLIST(struct mf_rlp_limit, rates, "rates", &mf_rlp_rate_schema, struct mf_rlp_rate),
    MF_F_RAW(struct mf_rlp_limit, legacy_conditions, "conditions",
             .check = mf_rlp_legacy_conditions),
    MF_F_RAW(struct mf_rlp_limit, legacy_route_selectors, "routeSelectors",
             .check = mf_rlp_legacy_route_selectors),
};
static const struct mf_schema mf_rlp_limit_schema =
    MF_SCHEMA("limit", mf_rlp_limit_fields, mf_rlp_validate_limit);

static const struct mf_field mf_rlp_rules_fields[] = {
    MF_F_STR(struct mf_rlp_rules, strategy, "strategy", .enums = mf_kq_strategies),
    MF_F_OBJMAP(struct mf_rlp_rules, limits, "limits", &mf_rlp_limit_schema, struct mf_rlp_limit),
    MF_F_OBJLIST(struct mf_rlp_rules, when, "when", &mf_kq_predicate_schema,
                 struct mf_policy_predicate),
};
static const struct mf_schema mf_rlp_rules_schema =
    MF_SCHEMA("RateLimitPolicy rules", mf_rlp_rules_fields, NULL);

/* Position of the first bare field (limits or when) for exclusivity errors. */
static const struct mf_pos *
mf_rlp_bare_pos(const struct mf_rlp_spec *s, const char **field)
{
    *field = s->bare.limits.set ? "limits" : "when";
    return s->bare.limits.set ? &s->bare.limits.pos : &s->bare.when.pos;
}

static void
mf_rlp_check_exclusive(struct mf_ctx *ctx, const struct mf_rlp_spec *s, const char *path)
{
    bool bare = s->bare.limits.set || s->bare.when.set;
    const char *field;
    const struct mf_pos *bpos = mf_rlp_bare_pos(s, &field);
    char p[MF_PATH_MAX];

    if (s->defaults != NULL && s->overrides != NULL)
        mf_error(ctx, &s->overrides->pos, mf_path_field(p, path, "overrides"),
                 "Overrides and explicit defaults are mutually exclusive");
    if (s->defaults != NULL && bare)
        mf_error(ctx, bpos, mf_path_field(p, path, field),
                 "Implicit and explicit defaults are mutually exclusive: move %s into "
                 "spec.defaults",
                 field);
    if (s->overrides != NULL && bare)
        mf_error(ctx, bpos, mf_path_field(p, path, field),
                 "Overrides and implicit defaults are mutually exclusive: move %s into "
                 "spec.overrides",
                 field);
}

static void
mf_rlp_check_has_limits(struct mf_ctx *ctx, const struct mf_rlp_spec *s, const char *path)
{
    char p[MF_PATH_MAX];

    if (s->defaults != NULL) {
        if (s->defaults->limits.n == 0)
            mf_error(ctx, &s->defaults->pos, mf_path_field(p, path, "defaults.limits"),
                     "At least one spec.defaults.limits must be defined");
    } else if (s->overrides != NULL) {
        if (s->overrides->limits.n == 0)
            mf_error(ctx, &s->overrides->pos, mf_path_field(p, path, "overrides.limits"),
                     "At least one spec.overrides.limits must be defined");
    } else if (s->bare.limits.n == 0)
        mf_error(ctx, s->bare.limits.set ? &s->bare.limits.pos : &s->pos,
                 mf_path_field(p, path, "limits"), "At least one spec.limits must be defined");
}

static void
mf_rlp_validate_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_rlp_spec *s = obj;

    s->bare.pos = s->pos;
    mf_rlp_check_exclusive(ctx, s, path);
    mf_rlp_check_has_limits(ctx, s, path);
}

static const struct mf_field mf_rlp_spec_fields[] = {
    MF_F_OBJ(struct mf_rlp_spec, target_ref, "targetRef", &mf_kq_route_target_schema,
             struct mf_policy_target_ref, .flags = MF_REQUIRED),
    MF_F_OBJ(struct mf_rlp_spec, defaults, "defaults", &mf_rlp_rules_schema, struct mf_rlp_rules),
    MF_F_OBJ(struct mf_rlp_spec, overrides, "overrides", &mf_rlp_rules_schema, struct mf_rlp_rules),
    MF_F_OBJMAP(struct mf_rlp_spec, bare.limits, "limits", &mf_rlp_limit_schema,
                struct mf_rlp_limit),
    MF_F_OBJLIST(struct mf_rlp_spec, bare.when, "when", &mf_kq_predicate_schema,
                 struct mf_policy_predicate),
};
static const struct mf_schema mf_rlp_spec_schema =
    MF_SCHEMA("RateLimitPolicy spec", mf_rlp_spec_fields, mf_rlp_validate_spec);

static void
mf_rlp_validate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_ratelimitpolicy *r = obj;

    (void)path;
    r->spec = mf_kq_decode_spec(ctx, &r->spec_node, &mf_rlp_spec_schema, sizeof(*r->spec));
}

static const struct mf_field mf_rlp_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_RAW(struct mf_ratelimitpolicy, spec_node, "spec", .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_rlp_schema =
    MF_SCHEMA("RateLimitPolicy", mf_rlp_fields, mf_rlp_validate);

static const char *const mf_kq_v1[] = {"v1", NULL};

static const struct mf_kind mf_kind_ratelimitpolicy = {
    .id = MF_KIND_RATELIMITPOLICY,
    .group = "kuadrant.io",
    .versions = mf_kq_v1,
    .name = "RateLimitPolicy",
    .namespaced = true,
    .size = sizeof(struct mf_ratelimitpolicy),
    .schema = &mf_rlp_schema,
};

/* ---- AuthPolicy: values, conditions, common evaluator fields ---------------- */

static void
mf_kq_check_url(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    size_t skip = strncmp(s->v, "https://", 8) == 0 ? 8 : strncmp(s->v, "http://", 7) == 0 ? 7 : 0;
    const char *host = s->v + skip;
    size_t hlen = strcspn(host, "/?#");
    size_t bad =
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]");

    if (skip == 0)
        mf_error(ctx, &s->pos, path, "\"%.100s\" is not an http:// or https:// URL%s", s->v,
                 mf_placeholder_hint(s->v));
    else if (hlen == 0)
        mf_error(ctx, &s->pos, path, "\"%.100s\" is not a valid URL: the host is missing", s->v);
    else if (bad < hlen)
        mf_error(ctx, &s->pos, path,
                 "\"%.100s\" is not a valid URL: the host \"%.*s\" has invalid characters%s", s->v,
                 (int)(hlen < 100 ? hlen : 100), host, mf_placeholder_hint(s->v));
    else if (strpbrk(s->v, " \t\r\n") != NULL)
        mf_error(ctx, &s->pos, path, "\"%.100s\" is not a valid URL: it contains white space",
                 s->v);
}

/* Authorino ValueOrSelector: exactly one of value, selector, expression. */
static void
mf_auth_check_value(struct mf_ctx *ctx, const struct mf_auth_value *v, const char *path)
{
    static const char *const names[] = {"value", "selector", "expression"};
    bool set[] = {mf_kq_raw_set(&v->value), mf_kq_str_set(&v->selector),
                  mf_kq_str_set(&v->expression)};

    if (mf_kq_one_of(ctx, &v->pos, path, "of value, selector and expression", names, set, 3) == 0)
        mf_error(ctx, &v->pos, path, "set one of value, selector or expression");
}

static void
mf_auth_validate_value(struct mf_ctx *ctx, void *obj, const char *path)
{
    mf_auth_check_value(ctx, obj, path);
}

static void
mf_auth_validate_named_value(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_named_value *n = obj;

    n->v.pos = n->pos;
    mf_auth_check_value(ctx, &n->v, path);
}

static const struct mf_field mf_auth_value_fields[] = {
    MF_F_RAW(struct mf_auth_value, value, "value"),
    MF_F_STR(struct mf_auth_value, selector, "selector", .flags = MF_NONEMPTY),
    MF_F_STR(struct mf_auth_value, expression, "expression",
             .check = mf_kq_cel_interim_syntax_check),
};
static const struct mf_schema mf_auth_value_schema =
    MF_SCHEMA("value", mf_auth_value_fields, mf_auth_validate_value);

static const struct mf_field mf_auth_named_value_fields[] = {
    MF_F_RAW(struct mf_auth_named_value, v.value, "value"),
    MF_F_STR(struct mf_auth_named_value, v.selector, "selector", .flags = MF_NONEMPTY),
    MF_F_STR(struct mf_auth_named_value, v.expression, "expression",
             .check = mf_kq_cel_interim_syntax_check),
};
static const struct mf_schema mf_auth_named_value_schema =
    MF_SCHEMA("value", mf_auth_named_value_fields, mf_auth_validate_named_value);

static const char *const mf_auth_operators[] = {"eq", "neq", "incl", "excl", "matches", NULL};

/* The "matches" operator takes a regular expression (Go RE2 upstream; PCRE2
 * here accepts a superset, so only hard syntax errors are caught). */
static void
mf_auth_check_regex(struct mf_ctx *ctx, const struct mf_str *re, const char *path)
{
#ifdef MF_HAVE_PCRE2
    int code;
    PCRE2_SIZE off;
    PCRE2_UCHAR msg[128];
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re->v, re->len, PCRE2_UTF, &code, &off, NULL);

    if (c != NULL) {
        pcre2_code_free(c);
        return;
    }
    pcre2_get_error_message(code, msg, sizeof(msg));
    mf_error(ctx, &re->pos, path,
             "\"%.80s\" is not a valid regular expression: %s at character %zu", re->v,
             (const char *)msg, (size_t)off + 1);
#else
    (void)ctx, (void)re, (void)path;
#endif
}

/* A selector/operator/value pattern expression. */
static void
mf_auth_check_expression(struct mf_ctx *ctx, const struct mf_auth_pattern *e, const char *path)
{
    char p[MF_PATH_MAX];

    if (!mf_kq_str_set(&e->selector))
        mf_error(ctx, &e->pos, mf_path_field(p, path, "selector"), "required field is missing");
    if (!mf_kq_str_set(&e->op))
        mf_error(ctx, &e->pos, mf_path_field(p, path, "operator"), "required field is missing");
    else if (mf_str_eq(&e->op, "matches") && mf_kq_str_set(&e->value))
        mf_auth_check_regex(ctx, &e->value, mf_path_field(p, path, "value"));
}

/* Named patterns (allOf) hold expressions only; a predicate there is the
 * usual slip, reported once by mf_auth_predicate_in_allof(). */
static void
mf_auth_validate_expression(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_pattern *e = obj;

    if (!mf_kq_str_set(&e->predicate))
        mf_auth_check_expression(ctx, e, path);
}

static void
mf_auth_predicate_in_allof(struct mf_ctx *ctx, const void *value, const char *path)
{
    char p[MF_PATH_MAX];

    mf_error(ctx, &((const struct mf_str *)value)->pos, mf_kq_parent(p, path),
             "unknown field \"predicate\": named patterns (allOf) take selector/operator/value "
             "expressions only; write CEL predicates in \"when\" or patternMatching instead");
}

/* PatternExpressionOrRef: exactly one form of condition. */
static void
mf_auth_validate_pattern(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"selector/operator/value", "patternRef", "predicate", "all",
                                        "any"};
    struct mf_auth_pattern *e = obj;
    bool expr = mf_kq_str_set(&e->selector) || mf_kq_str_set(&e->op) || mf_kq_str_set(&e->value);
    bool set[] = {expr, mf_kq_str_set(&e->pattern_ref), mf_kq_str_set(&e->predicate), e->all.set,
                  e->any.set};
    unsigned n = mf_kq_one_of(ctx, &e->pos, path, "kind of condition", names, set, 5);

    if (n == 0)
        mf_error(ctx, &e->pos, path,
                 "empty condition: set a predicate, a patternRef, selector+operator+value, all "
                 "or any");
    else if (n == 1 && expr)
        mf_auth_check_expression(ctx, e, path);
}

static const struct mf_schema mf_auth_pattern_schema;

static const struct mf_field mf_auth_pattern_fields[] = {
    MF_F_STR(struct mf_auth_pattern, selector, "selector"),
    MF_F_STR(struct mf_auth_pattern, op, "operator", .enums = mf_auth_operators),
    MF_F_STR(struct mf_auth_pattern, value, "value"),
    MF_F_STR(struct mf_auth_pattern, pattern_ref, "patternRef", .flags = MF_NONEMPTY),
    MF_F_STR(struct mf_auth_pattern, predicate, "predicate",
             .check = mf_kq_cel_interim_syntax_check),
    MF_F_OBJLIST(struct mf_auth_pattern, all, "all", &mf_auth_pattern_schema,
                 struct mf_auth_pattern, .flags = MF_NONEMPTY),
    MF_F_OBJLIST(struct mf_auth_pattern, any, "any", &mf_auth_pattern_schema,
                 struct mf_auth_pattern, .flags = MF_NONEMPTY),
};
static const struct mf_schema mf_auth_pattern_schema =
    MF_SCHEMA("condition", mf_auth_pattern_fields, mf_auth_validate_pattern);

static const struct mf_field mf_auth_expression_fields[] = {
    MF_F_STR(struct mf_auth_pattern, selector, "selector"),
    MF_F_STR(struct mf_auth_pattern, op, "operator", .enums = mf_auth_operators),
    MF_F_STR(struct mf_auth_pattern, value, "value"),
    MF_F_STR(struct mf_auth_pattern, predicate, "predicate", .check = mf_auth_predicate_in_allof),
};
static const struct mf_schema mf_auth_expression_schema =
    MF_SCHEMA("pattern expression", mf_auth_expression_fields, mf_auth_validate_expression);

static const struct mf_field mf_auth_named_pattern_fields[] = {
    MF_F_OBJLIST(struct mf_auth_named_pattern, all_of, "allOf", &mf_auth_expression_schema,
                 struct mf_auth_pattern, .flags = MF_REQUIRED),
};
static const struct mf_schema mf_auth_named_pattern_schema =
    MF_SCHEMA("named pattern", mf_auth_named_pattern_fields, NULL);

static const struct mf_field mf_auth_cache_fields[] = {
    MF_F_OBJ(struct mf_auth_cache, key, "key", &mf_auth_value_schema, struct mf_auth_value,
             .flags = MF_REQUIRED),
    MF_F_INT(struct mf_auth_cache, ttl, "ttl", .min = 0, .max = 2147483647),
};
static const struct mf_schema mf_auth_cache_schema = MF_SCHEMA("cache", mf_auth_cache_fields, NULL);

/* Authorino's CommonEvaluatorSpec, in every rule's field table. */
#define MF_AUTH_COMMON_FIELDS(T)                                                                   \
    MF_F_INT(T, common.priority, "priority"), MF_F_BOOL(T, common.metrics, "metrics"),             \
        MF_F_OBJLIST(T, common.when, "when", &mf_auth_pattern_schema, struct mf_auth_pattern),     \
        MF_F_OBJ(T, common.cache, "cache", &mf_auth_cache_schema, struct mf_auth_cache)

/* ---- AuthPolicy: authentication ---------------------------------------------- */

static const struct mf_field mf_auth_prefix_fields[] = {
    MF_F_STR(struct mf_auth_prefix, prefix, "prefix"),
};
static const struct mf_schema mf_auth_prefix_schema =
    MF_SCHEMA("authorizationHeader", mf_auth_prefix_fields, NULL);

static const struct mf_field mf_auth_header_name_fields[] = {
    MF_F_STR(struct mf_auth_name, name, "name", .flags = MF_REQUIRED,
             .check = mf_kq_check_header_name),
};
static const struct mf_schema mf_auth_header_name_schema =
    MF_SCHEMA("customHeader", mf_auth_header_name_fields, NULL);

static const struct mf_field mf_auth_name_fields[] = {
    MF_F_STR(struct mf_auth_name, name, "name", .flags = MF_REQUIRED | MF_NONEMPTY),
};
static const struct mf_schema mf_auth_name_schema = MF_SCHEMA("name", mf_auth_name_fields, NULL);

static void
mf_auth_validate_credentials(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"authorizationHeader", "customHeader", "queryString",
                                        "cookie"};
    struct mf_auth_credentials *c = obj;
    bool set[] = {c->authorization_header != NULL, c->custom_header != NULL,
                  c->query_string != NULL, c->cookie != NULL};

    if (mf_kq_one_of(ctx, &c->pos, path, "place for credentials", names, set, 4) == 0)
        mf_error(ctx, &c->pos, path,
                 "set one of authorizationHeader, customHeader, queryString or cookie (or leave "
                 "credentials out for \"Authorization: Bearer\")");
}

static const struct mf_field mf_auth_credentials_fields[] = {
    MF_F_OBJ(struct mf_auth_credentials, authorization_header, "authorizationHeader",
             &mf_auth_prefix_schema, struct mf_auth_prefix),
    MF_F_OBJ(struct mf_auth_credentials, custom_header, "customHeader", &mf_auth_header_name_schema,
             struct mf_auth_name),
    MF_F_OBJ(struct mf_auth_credentials, query_string, "queryString", &mf_auth_name_schema,
             struct mf_auth_name),
    MF_F_OBJ(struct mf_auth_credentials, cookie, "cookie", &mf_auth_name_schema,
             struct mf_auth_name),
};
static const struct mf_schema mf_auth_credentials_schema =
    MF_SCHEMA("credentials", mf_auth_credentials_fields, mf_auth_validate_credentials);

static const struct mf_field mf_auth_apikey_fields[] = {
    MF_F_OBJ(struct mf_auth_apikey, selector, "selector", &mf_schema_label_selector,
             struct mf_label_selector, .flags = MF_REQUIRED),
    MF_F_BOOL(struct mf_auth_apikey, all_namespaces, "allNamespaces"),
    MF_F_RAW(struct mf_auth_apikey, key_selector, "keySelector",
             .check = mf_kq_unsupported_key_selector),
    MF_F_RAW(struct mf_auth_apikey, key_selectors, "keySelectors",
             .check = mf_kq_unsupported_key_selector),
};
static const struct mf_schema mf_auth_apikey_schema =
    MF_SCHEMA("apiKey", mf_auth_apikey_fields, NULL);

static void
mf_auth_validate_jwt(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"issuerUrl", "jwksUrl"};
    struct mf_auth_jwt *j = obj;
    bool set[] = {mf_kq_str_set(&j->issuer_url), mf_kq_str_set(&j->jwks_url)};

    if (mf_kq_one_of(ctx, &j->pos, path, "source of signing keys", names, set, 2) == 0)
        mf_error(ctx, &j->pos, path,
                 "set issuerUrl (OpenID Connect discovery) or jwksUrl (the key set itself)");
}

static const struct mf_field mf_auth_jwt_fields[] = {
    MF_F_STR(struct mf_auth_jwt, issuer_url, "issuerUrl", .check = mf_kq_check_url),
    MF_F_STR(struct mf_auth_jwt, jwks_url, "jwksUrl", .check = mf_kq_check_url),
    MF_F_INT(struct mf_auth_jwt, ttl, "ttl", .min = 0, .max = 2147483647),
    MF_F_INT(struct mf_auth_jwt, timeout, "timeout", .min = 0, .max = 2147483647),
};
static const struct mf_schema mf_auth_jwt_schema =
    MF_SCHEMA("jwt", mf_auth_jwt_fields, mf_auth_validate_jwt);

static void
mf_auth_validate_x509_source(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"xfccHeader", "clientCertHeader", "expression"};
    struct mf_auth_x509_source *s = obj;
    bool set[] = {mf_kq_str_set(&s->xfcc_header), mf_kq_str_set(&s->client_cert_header),
                  mf_kq_str_set(&s->expression)};

    if (mf_kq_one_of(ctx, &s->pos, path, "certificate source", names, set, 3) == 0)
        mf_error(ctx, &s->pos, path, "set one of xfccHeader, clientCertHeader or expression");
}

static const struct mf_field mf_auth_x509_source_fields[] = {
    MF_F_STR(struct mf_auth_x509_source, xfcc_header, "xfccHeader",
             .check = mf_kq_check_header_name),
    MF_F_STR(struct mf_auth_x509_source, client_cert_header, "clientCertHeader",
             .check = mf_kq_check_header_name),
    MF_F_STR(struct mf_auth_x509_source, expression, "expression",
             .check = mf_kq_cel_interim_syntax_check),
};
static const struct mf_schema mf_auth_x509_source_schema =
    MF_SCHEMA("source", mf_auth_x509_source_fields, mf_auth_validate_x509_source);

static const struct mf_field mf_auth_x509_fields[] = {
    MF_F_OBJ(struct mf_auth_x509, selector, "selector", &mf_schema_label_selector,
             struct mf_label_selector, .flags = MF_REQUIRED),
    MF_F_BOOL(struct mf_auth_x509, all_namespaces, "allNamespaces"),
    MF_F_OBJ(struct mf_auth_x509, source, "source", &mf_auth_x509_source_schema,
             struct mf_auth_x509_source),
};
static const struct mf_schema mf_auth_x509_schema = MF_SCHEMA("x509", mf_auth_x509_fields, NULL);

static void
mf_auth_validate_plain(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"selector", "expression"};
    struct mf_auth_plain *p = obj;
    bool set[] = {mf_kq_str_set(&p->selector), mf_kq_str_set(&p->expression)};

    if (mf_kq_one_of(ctx, &p->pos, path, "source of the identity", names, set, 2) == 0)
        mf_error(ctx, &p->pos, path, "set selector or expression");
}

static const struct mf_field mf_auth_plain_fields[] = {
    MF_F_STR(struct mf_auth_plain, selector, "selector", .flags = MF_NONEMPTY),
    MF_F_STR(struct mf_auth_plain, expression, "expression",
             .check = mf_kq_cel_interim_syntax_check),
};
static const struct mf_schema mf_auth_plain_schema =
    MF_SCHEMA("plain", mf_auth_plain_fields, mf_auth_validate_plain);

/* anonymous: {} takes no fields. */
static const struct mf_schema mf_auth_anonymous_schema = {.name = "anonymous", .nfields = 0};

static const char *const mf_auth_authn_names[] = {
    "apiKey", "jwt", "x509", "plain", "anonymous", "oauth2Introspection", "kubernetesTokenReview"};
#define MF_AUTH_AUTHN_METHODS 7

/* Fills set[MF_AUTH_AUTHN_METHODS]; returns how many methods are set. */
static unsigned
mf_auth_authn_methods(const struct mf_auth_authentication *a, bool *set)
{
    unsigned n = 0;

    set[0] = a->api_key != NULL;
    set[1] = a->jwt != NULL;
    set[2] = a->x509 != NULL;
    set[3] = a->plain != NULL;
    set[4] = a->anonymous != NULL;
    set[5] = mf_kq_raw_set(&a->oauth2_introspection);
    set[6] = mf_kq_raw_set(&a->kubernetes_token_review);
    for (int i = 0; i < MF_AUTH_AUTHN_METHODS; i++)
        n += set[i];
    return n;
}

static const struct mf_raw *
mf_auth_misplaced_credential(const struct mf_auth_authentication *a, const char **name)
{
    const struct mf_raw *r[] = {&a->misplaced_authorization_header, &a->misplaced_custom_header,
                                &a->misplaced_query_string, &a->misplaced_cookie};
    static const char *const names[] = {"authorizationHeader", "customHeader", "queryString",
                                        "cookie"};

    for (int i = 0; i < 4; i++)
        if (mf_kq_raw_set(r[i])) {
            *name = names[i];
            return r[i];
        }
    return NULL;
}

/* A rule without any method is reported by the rules' validate hook, which
 * knows the rule's name and its neighbours. */
static void
mf_auth_validate_authentication(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_authentication *a = obj;
    bool set[MF_AUTH_AUTHN_METHODS];
    const char *name;
    const struct mf_raw *stray = mf_auth_misplaced_credential(a, &name);

    if (mf_auth_authn_methods(a, set) == 0)
        return;
    mf_kq_one_of(ctx, &a->pos, path, "authentication method per rule", mf_auth_authn_names, set,
                 MF_AUTH_AUTHN_METHODS);
    if (stray != NULL)
        mf_error(ctx, &stray->pos, path,
                 "unknown field \"%s\": it belongs under \"credentials\" (credentials: {%s: ...})",
                 name, name);
}

static const struct mf_field mf_auth_authentication_fields[] = {
    MF_AUTH_COMMON_FIELDS(struct mf_auth_authentication),
    MF_F_OBJ(struct mf_auth_authentication, credentials, "credentials", &mf_auth_credentials_schema,
             struct mf_auth_credentials),
    MF_F_OBJMAP(struct mf_auth_authentication, defaults, "defaults", &mf_auth_named_value_schema,
                struct mf_auth_named_value),
    MF_F_OBJMAP(struct mf_auth_authentication, overrides, "overrides", &mf_auth_named_value_schema,
                struct mf_auth_named_value),
    MF_F_OBJ(struct mf_auth_authentication, api_key, "apiKey", &mf_auth_apikey_schema,
             struct mf_auth_apikey),
    MF_F_OBJ(struct mf_auth_authentication, jwt, "jwt", &mf_auth_jwt_schema, struct mf_auth_jwt),
    MF_F_OBJ(struct mf_auth_authentication, x509, "x509", &mf_auth_x509_schema,
             struct mf_auth_x509),
    MF_F_OBJ(struct mf_auth_authentication, plain, "plain", &mf_auth_plain_schema,
             struct mf_auth_plain),
    MF_F_OBJ(struct mf_auth_authentication, anonymous, "anonymous", &mf_auth_anonymous_schema,
             struct mf_auth_anonymous),
    MF_F_RAW(struct mf_auth_authentication, oauth2_introspection, "oauth2Introspection",
             .check = mf_kq_unsupported_authn),
    MF_F_RAW(struct mf_auth_authentication, kubernetes_token_review, "kubernetesTokenReview",
             .check = mf_kq_unsupported_authn),
    MF_F_RAW(struct mf_auth_authentication, misplaced_authorization_header, "authorizationHeader"),
    MF_F_RAW(struct mf_auth_authentication, misplaced_custom_header, "customHeader"),
    MF_F_RAW(struct mf_auth_authentication, misplaced_query_string, "queryString"),
    MF_F_RAW(struct mf_auth_authentication, misplaced_cookie, "cookie"),
};
static const struct mf_schema mf_auth_authentication_schema = MF_SCHEMA(
    "authentication rule", mf_auth_authentication_fields, mf_auth_validate_authentication);

/* ---- AuthPolicy: metadata and authorization ------------------------------------ */

static void
mf_auth_validate_metadata(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"http", "userInfo", "uma"};
    struct mf_auth_metadata *m = obj;
    bool set[] = {mf_kq_raw_set(&m->http), mf_kq_raw_set(&m->user_info), mf_kq_raw_set(&m->uma)};

    mf_kq_one_of(ctx, &m->pos, path, "metadata method per rule", names, set, 3);
}

static const struct mf_field mf_auth_metadata_fields[] = {
    MF_AUTH_COMMON_FIELDS(struct mf_auth_metadata),
    MF_F_RAW(struct mf_auth_metadata, http, "http", .check = mf_kq_unsupported_metadata),
    MF_F_RAW(struct mf_auth_metadata, user_info, "userInfo", .check = mf_kq_unsupported_metadata),
    MF_F_RAW(struct mf_auth_metadata, uma, "uma", .check = mf_kq_unsupported_metadata),
};
static const struct mf_schema mf_auth_metadata_schema =
    MF_SCHEMA("metadata rule", mf_auth_metadata_fields, mf_auth_validate_metadata);

static const struct mf_field mf_auth_pattern_matching_fields[] = {
    MF_F_OBJLIST(struct mf_auth_pattern_matching, patterns, "patterns", &mf_auth_pattern_schema,
                 struct mf_auth_pattern, .flags = MF_REQUIRED | MF_NONEMPTY),
};
static const struct mf_schema mf_auth_pattern_matching_schema =
    MF_SCHEMA("patternMatching", mf_auth_pattern_matching_fields, NULL);

/* Authorino wraps the document in its own package: the Rego must not have one. */
static void
mf_auth_check_rego(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *r = value;
    const char *s = r->v;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (strncmp(s, "package", 7) == 0 && (s[7] == ' ' || s[7] == '\t'))
        mf_error(ctx, &r->pos, path,
                 "the Rego document must not declare a package: remove the \"package\" line "
                 "(the policy gets its own package)");
    else if (*s == '\0')
        mf_error(ctx, &r->pos, path, "the Rego document is empty");
}

static void
mf_auth_validate_opa(struct mf_ctx *ctx, void *obj, const char *path)
{
    static const char *const names[] = {"rego", "externalPolicy"};
    struct mf_auth_opa *o = obj;
    bool set[] = {mf_kq_str_set(&o->rego), mf_kq_raw_set(&o->external_policy)};

    if (mf_kq_one_of(ctx, &o->pos, path, "source of the policy", names, set, 2) == 0)
        mf_error(ctx, &o->pos, path, "set rego (the policy inline) or externalPolicy");
}

static const struct mf_field mf_auth_opa_fields[] = {
    MF_F_STR(struct mf_auth_opa, rego, "rego", .check = mf_auth_check_rego),
    MF_F_RAW(struct mf_auth_opa, external_policy, "externalPolicy",
             .check = mf_kq_unsupported_authz),
    MF_F_BOOL(struct mf_auth_opa, all_values, "allValues"),
};
static const struct mf_schema mf_auth_opa_schema =
    MF_SCHEMA("opa", mf_auth_opa_fields, mf_auth_validate_opa);

static const char *const mf_auth_authz_names[] = {"patternMatching", "opa",
                                                  "kubernetesSubjectAccessReview", "spicedb"};

static unsigned
mf_auth_authz_methods(const struct mf_auth_authorization *a, bool *set)
{
    set[0] = a->pattern_matching != NULL;
    set[1] = a->opa != NULL;
    set[2] = mf_kq_raw_set(&a->kubernetes_sar);
    set[3] = mf_kq_raw_set(&a->spicedb);
    return (unsigned)set[0] + set[1] + set[2] + set[3];
}

static void
mf_auth_validate_authorization(struct mf_ctx *ctx, void *obj, const char *path)
{
    bool set[4];

    if (mf_auth_authz_methods(obj, set) > 1)
        mf_kq_one_of(ctx, &((struct mf_auth_authorization *)obj)->pos, path,
                     "authorization method per rule", mf_auth_authz_names, set, 4);
}

static const struct mf_field mf_auth_authorization_fields[] = {
    MF_AUTH_COMMON_FIELDS(struct mf_auth_authorization),
    MF_F_OBJ(struct mf_auth_authorization, pattern_matching, "patternMatching",
             &mf_auth_pattern_matching_schema, struct mf_auth_pattern_matching),
    MF_F_OBJ(struct mf_auth_authorization, opa, "opa", &mf_auth_opa_schema, struct mf_auth_opa),
    MF_F_RAW(struct mf_auth_authorization, kubernetes_sar, "kubernetesSubjectAccessReview",
             .check = mf_kq_unsupported_authz),
    MF_F_RAW(struct mf_auth_authorization, spicedb, "spicedb", .check = mf_kq_unsupported_authz),
};
static const struct mf_schema mf_auth_authorization_schema =
    MF_SCHEMA("authorization rule", mf_auth_authorization_fields, mf_auth_validate_authorization);

/* ---- AuthPolicy: responses ------------------------------------------------------ */

/* True when the scalar n names a JSON media type (application/json, x+json). */
static bool
mf_auth_is_json_media(const struct ynode *n)
{
    size_t len;

    if (n == NULL || n->kind != YNODE_SCALAR)
        return false;
    len = strcspn(n->text, "; \t");
    return (len == 16 && strncasecmp(n->text, "application/json", 16) == 0) ||
           (len > 5 && strncasecmp(n->text + len - 5, "+json", 5) == 0);
}

static const struct mf_auth_named_value *
mf_auth_find_header(const struct mf_objmap *headers, const char *name)
{
    for (uint32_t i = 0; i < headers->n; i++) {
        const struct mf_auth_named_value *h = MF_LIST_AT(*headers, struct mf_auth_named_value, i);
        if (h->key.v != NULL && strcasecmp(h->key.v, name) == 0)
            return h;
    }
    return NULL;
}

/*
 * A literal body sent with "content-type: application/json" must parse as
 * JSON; a broken one reaches every client as a malformed API response.
 */
static void
mf_auth_check_json_body(struct mf_ctx *ctx, const struct mf_auth_deny *d, const char *path)
{
#ifdef MF_HAVE_JANSSON
    const struct mf_auth_named_value *ct = mf_auth_find_header(&d->headers, "content-type");
    const struct ynode *n = d->body ? d->body->value.node : NULL;
    char p[MF_PATH_MAX];
    json_error_t err;
    json_t *j;

    if (ct == NULL || n == NULL || n->kind != YNODE_SCALAR ||
        !mf_auth_is_json_media(ct->v.value.node))
        return;
    j = json_loadb(n->text, n->len, JSON_DECODE_ANY, &err);
    if (j != NULL) {
        json_decref(j);
        return;
    }
    mf_error(ctx, &d->body->value.pos, mf_path_field(p, path, "body.value"),
             "body is not valid JSON although the response sets content-type %.60s: %s (line %d, "
             "column %d of the body)",
             ct->v.value.node->text, err.text, err.line, err.column);
#else
    (void)ctx, (void)d, (void)path;
#endif
}

static void
mf_auth_check_header_keys(struct mf_ctx *ctx, const struct mf_objmap *m, const char *path)
{
    char p[MF_PATH_MAX];

    for (uint32_t i = 0; i < m->n; i++) {
        const struct mf_str *k = &MF_LIST_AT(*m, struct mf_auth_named_value, i)->key;

        if (k->v != NULL && !mf_kq_is_http_token(k->v, k->len))
            mf_error(ctx, &k->pos, mf_path_key(p, path, k->v),
                     "\"%.80s\" is not a valid HTTP header name", k->v);
    }
}

static void
mf_auth_validate_deny(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_deny *d = obj;
    char p[MF_PATH_MAX];

    mf_auth_check_header_keys(ctx, &d->headers, mf_path_field(p, path, "headers"));
    mf_auth_check_json_body(ctx, d, path);
}

static const struct mf_field mf_auth_deny_fields[] = {
    MF_F_INT(struct mf_auth_deny, code, "code", .min = 300, .max = 599),
    MF_F_OBJ(struct mf_auth_deny, message, "message", &mf_auth_value_schema, struct mf_auth_value),
    MF_F_OBJMAP(struct mf_auth_deny, headers, "headers", &mf_auth_named_value_schema,
                struct mf_auth_named_value),
    MF_F_OBJ(struct mf_auth_deny, body, "body", &mf_auth_value_schema, struct mf_auth_value),
};
static const struct mf_schema mf_auth_deny_schema =
    MF_SCHEMA("denial response", mf_auth_deny_fields, mf_auth_validate_deny);

static const struct mf_field mf_auth_json_fields[] = {
    MF_F_OBJMAP(struct mf_auth_json, properties, "properties", &mf_auth_named_value_schema,
                struct mf_auth_named_value, .flags = MF_REQUIRED),
};
static const struct mf_schema mf_auth_json_schema = MF_SCHEMA("json", mf_auth_json_fields, NULL);

static const char *const mf_auth_item_names[] = {"plain", "json", "wristband"};

static unsigned
mf_auth_item_methods(const struct mf_auth_success_item *it, bool *set)
{
    set[0] = it->plain != NULL;
    set[1] = it->json != NULL;
    set[2] = mf_kq_raw_set(&it->wristband);
    return (unsigned)set[0] + set[1] + set[2];
}

static void
mf_auth_validate_item(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_success_item *it = obj;
    bool set[3];

    if (mf_auth_item_methods(it, set) > 1)
        mf_kq_one_of(ctx, &it->pos, path, "of plain, json and wristband", mf_auth_item_names, set,
                     3);
}

static const struct mf_field mf_auth_item_fields[] = {
    MF_AUTH_COMMON_FIELDS(struct mf_auth_success_item),
    MF_F_OBJ(struct mf_auth_success_item, plain, "plain", &mf_auth_value_schema,
             struct mf_auth_value),
    MF_F_OBJ(struct mf_auth_success_item, json, "json", &mf_auth_json_schema, struct mf_auth_json),
    MF_F_RAW(struct mf_auth_success_item, wristband, "wristband", .check = mf_kq_unsupported_item),
    MF_F_STR(struct mf_auth_success_item, item_key, "key", .flags = MF_NONEMPTY),
};
static const struct mf_schema mf_auth_item_schema =
    MF_SCHEMA("success item", mf_auth_item_fields, mf_auth_validate_item);

static void
mf_auth_misnamed_dynamic_metadata(struct mf_ctx *ctx, const void *value, const char *path)
{
    char p[MF_PATH_MAX];

    mf_error(ctx, &((const struct mf_raw *)value)->pos, mf_kq_parent(p, path),
             "unknown field \"dynamicMetadata\": AuthPolicy calls it \"filters\" "
             "(dynamicMetadata is the name in Authorino's AuthConfig)");
}

/* Every success item needs a method; header names must be HTTP tokens. */
static void
mf_auth_check_items(struct mf_ctx *ctx, const struct mf_objmap *m, bool headers, const char *path)
{
    char p[MF_PATH_MAX], kp[MF_PATH_MAX];
    bool set[3];

    for (uint32_t i = 0; i < m->n; i++) {
        const struct mf_auth_success_item *it = MF_LIST_AT(*m, struct mf_auth_success_item, i);
        const struct mf_str *name = it->item_key.v ? &it->item_key : &it->key;

        if (it->key.v == NULL)
            continue;
        mf_path_key(p, path, it->key.v);
        if (mf_auth_item_methods(it, set) == 0)
            mf_error(ctx, &it->key.pos, p, "no value is set: use one of plain, json, wristband");
        if (headers && name->len > 0 && !mf_kq_is_http_token(name->v, name->len))
            mf_error(ctx, &name->pos, it->item_key.v ? mf_path_field(kp, p, "key") : p,
                     "\"%.80s\" is not a valid HTTP header name", name->v);
    }
}

static void
mf_auth_validate_success(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_success *s = obj;
    char p[MF_PATH_MAX];

    mf_auth_check_items(ctx, &s->headers, true, mf_path_field(p, path, "headers"));
    mf_auth_check_items(ctx, &s->filters, false, mf_path_field(p, path, "filters"));
}

static const struct mf_field mf_auth_success_fields[] = {
    MF_F_OBJMAP(struct mf_auth_success, headers, "headers", &mf_auth_item_schema,
                struct mf_auth_success_item),
    MF_F_OBJMAP(struct mf_auth_success, filters, "filters", &mf_auth_item_schema,
                struct mf_auth_success_item),
    MF_F_RAW(struct mf_auth_success, misnamed_dynamic_metadata, "dynamicMetadata",
             .check = mf_auth_misnamed_dynamic_metadata),
};
static const struct mf_schema mf_auth_success_schema =
    MF_SCHEMA("success", mf_auth_success_fields, mf_auth_validate_success);

static const struct mf_field mf_auth_response_fields[] = {
    MF_F_OBJ(struct mf_auth_response, unauthenticated, "unauthenticated", &mf_auth_deny_schema,
             struct mf_auth_deny),
    MF_F_OBJ(struct mf_auth_response, unauthorized, "unauthorized", &mf_auth_deny_schema,
             struct mf_auth_deny),
    MF_F_OBJ(struct mf_auth_response, success, "success", &mf_auth_success_schema,
             struct mf_auth_success),
};
static const struct mf_schema mf_auth_response_schema =
    MF_SCHEMA("response", mf_auth_response_fields, NULL);

/* ---- AuthPolicy: rules, blocks, spec ---------------------------------------------- */

static void
mf_auth_misplaced_block(struct mf_ctx *ctx, const void *value, const char *path)
{
    const char *field = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
    char p[MF_PATH_MAX];

    mf_error(ctx, &((const struct mf_raw *)value)->pos, mf_kq_parent(p, path),
             "unknown field \"%s\": defaults and overrides belong directly under spec (next to "
             "targetRef), not under spec.rules; is it indented too far?",
             field);
}

/* An authentication rule with no method; the most common cause upstream is a
 * "credentials" block indented one level too little, so it became a rule. */
static void
mf_auth_no_authn_method(struct mf_ctx *ctx, const struct mf_objmap *m, uint32_t i, const char *path)
{
    const struct mf_auth_authentication *a = MF_LIST_AT(*m, struct mf_auth_authentication, i);
    const char *above = i > 0 ? MF_LIST_AT(*m, struct mf_auth_authentication, i - 1)->key.v : NULL;
    const char *stray_name = NULL;
    bool misplaced = mf_auth_misplaced_credential(a, &stray_name) != NULL;

    if (mf_str_eq(&a->key, "credentials") || misplaced)
        mf_error(ctx, &a->key.pos, path,
                 "no authentication method is set: \"%s\" holds credentials settings, not a rule; "
                 "credentials may be mis-indented: it belongs inside a rule%s%s%s, next to its "
                 "method",
                 a->key.v, above ? " (the rule above is \"" : "", above ? above : "",
                 above ? "\")" : "");
    else
        mf_error(ctx, &a->key.pos, path,
                 "no authentication method is set: use one of apiKey, jwt, x509, plain, "
                 "anonymous (written \"anonymous: {}\")");
}

static void
mf_auth_check_methods(struct mf_ctx *ctx, const struct mf_auth_rules *r, const char *path)
{
    char p[MF_PATH_MAX], base[MF_PATH_MAX];
    bool set[MF_AUTH_AUTHN_METHODS];

    mf_path_field(base, path, "authentication");
    for (uint32_t i = 0; i < r->authentication.n; i++) {
        const struct mf_auth_authentication *a =
            MF_LIST_AT(r->authentication, struct mf_auth_authentication, i);
        if (a->key.v != NULL && mf_auth_authn_methods(a, set) == 0)
            mf_auth_no_authn_method(ctx, &r->authentication, i, mf_path_key(p, base, a->key.v));
    }
    mf_path_field(base, path, "authorization");
    for (uint32_t i = 0; i < r->authorization.n; i++) {
        const struct mf_auth_authorization *a =
            MF_LIST_AT(r->authorization, struct mf_auth_authorization, i);
        if (a->key.v != NULL && mf_auth_authz_methods(a, set) == 0)
            mf_error(ctx, &a->key.pos, mf_path_key(p, base, a->key.v),
                     "no authorization method is set: use one of patternMatching, opa");
    }
    mf_path_field(base, path, "metadata");
    for (uint32_t i = 0; i < r->metadata.n; i++) {
        const struct mf_auth_metadata *m = MF_LIST_AT(r->metadata, struct mf_auth_metadata, i);
        if (m->key.v != NULL && !mf_kq_raw_set(&m->http) && !mf_kq_raw_set(&m->user_info) &&
            !mf_kq_raw_set(&m->uma))
            mf_error(ctx, &m->key.pos, mf_path_key(p, base, m->key.v),
                     "no metadata method is set: use one of http, userInfo, uma");
    }
}

static void
mf_auth_validate_rules(struct mf_ctx *ctx, void *obj, const char *path)
{
    mf_auth_check_methods(ctx, obj, path);
}

static const struct mf_field mf_auth_rules_fields[] = {
    MF_F_OBJMAP(struct mf_auth_rules, authentication, "authentication",
                &mf_auth_authentication_schema, struct mf_auth_authentication),
    MF_F_OBJMAP(struct mf_auth_rules, metadata, "metadata", &mf_auth_metadata_schema,
                struct mf_auth_metadata),
    MF_F_OBJMAP(struct mf_auth_rules, authorization, "authorization", &mf_auth_authorization_schema,
                struct mf_auth_authorization),
    MF_F_OBJ(struct mf_auth_rules, response, "response", &mf_auth_response_schema,
             struct mf_auth_response),
    MF_F_RAW(struct mf_auth_rules, callbacks, "callbacks", .check = mf_kq_unsupported_callbacks),
    MF_F_RAW(struct mf_auth_rules, misplaced_defaults, "defaults",
             .check = mf_auth_misplaced_block),
    MF_F_RAW(struct mf_auth_rules, misplaced_overrides, "overrides",
             .check = mf_auth_misplaced_block),
};
static const struct mf_schema mf_auth_rules_schema =
    MF_SCHEMA("rules", mf_auth_rules_fields, mf_auth_validate_rules);

static const struct mf_field mf_auth_block_fields[] = {
    MF_F_STR(struct mf_auth_block, strategy, "strategy", .enums = mf_kq_strategies),
    MF_F_OBJMAP(struct mf_auth_block, patterns, "patterns", &mf_auth_named_pattern_schema,
                struct mf_auth_named_pattern),
    MF_F_OBJLIST(struct mf_auth_block, when, "when", &mf_kq_predicate_schema,
                 struct mf_policy_predicate),
    MF_F_OBJ(struct mf_auth_block, rules, "rules", &mf_auth_rules_schema, struct mf_auth_rules),
};
static const struct mf_schema mf_auth_block_schema =
    MF_SCHEMA("AuthPolicy rules", mf_auth_block_fields, NULL);

/* The CRD's "at least one rule" test: any rule, denial or success item. */
static bool
mf_auth_has_rules(const struct mf_auth_rules *r)
{
    const struct mf_auth_response *resp;

    if (r == NULL)
        return false;
    resp = r->response;
    return r->authentication.n > 0 || r->metadata.n > 0 || r->authorization.n > 0 ||
           mf_kq_raw_set(&r->callbacks) ||
           (resp != NULL && (resp->unauthenticated != NULL || resp->unauthorized != NULL ||
                             (resp->success != NULL &&
                              (resp->success->headers.n > 0 || resp->success->filters.n > 0))));
}

static void
mf_auth_check_exclusive(struct mf_ctx *ctx, const struct mf_auth_spec *s, const char *path)
{
    const struct mf_auth_block *b = &s->bare;
    const char *field = b->rules ? "rules" : b->when.set ? "when" : "patterns";
    const struct mf_pos *bpos = b->rules      ? &b->rules->pos
                                : b->when.set ? &b->when.pos
                                              : &b->patterns.pos;
    bool bare = b->rules != NULL || b->when.set || b->patterns.set;
    char p[MF_PATH_MAX];

    if (s->defaults != NULL && s->overrides != NULL)
        mf_error(ctx, &s->overrides->pos, mf_path_field(p, path, "overrides"),
                 "Explicit overrides and explicit defaults are mutually exclusive");
    if (s->defaults != NULL && bare)
        mf_error(ctx, bpos, mf_path_field(p, path, field),
                 "Implicit and explicit defaults are mutually exclusive: move %s into "
                 "spec.defaults",
                 field);
    if (s->overrides != NULL && bare)
        mf_error(ctx, bpos, mf_path_field(p, path, field),
                 "Implicit defaults and explicit overrides are mutually exclusive: move %s into "
                 "spec.overrides",
                 field);
}

static void
mf_auth_validate_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_auth_spec *s = obj;
    char p[MF_PATH_MAX];

    s->bare.pos = s->pos;
    mf_auth_check_exclusive(ctx, s, path);
    if (s->defaults != NULL) {
        if (!mf_auth_has_rules(s->defaults->rules))
            mf_error(ctx, &s->defaults->pos, mf_path_field(p, path, "defaults.rules"),
                     "At least one spec.defaults.rules must be defined");
    } else if (s->overrides != NULL) {
        if (!mf_auth_has_rules(s->overrides->rules))
            mf_error(ctx, &s->overrides->pos, mf_path_field(p, path, "overrides.rules"),
                     "At least one spec.overrides.rules must be defined");
    } else if (!mf_auth_has_rules(s->bare.rules)) {
        mf_error(ctx, s->bare.rules ? &s->bare.rules->pos : &s->pos,
                 mf_path_field(p, path, "rules"), "At least one spec.rules must be defined");
    }
}

static const struct mf_field mf_auth_spec_fields[] = {
    MF_F_OBJ(struct mf_auth_spec, target_ref, "targetRef", &mf_kq_route_target_schema,
             struct mf_policy_target_ref, .flags = MF_REQUIRED),
    MF_F_OBJ(struct mf_auth_spec, defaults, "defaults", &mf_auth_block_schema,
             struct mf_auth_block),
    MF_F_OBJ(struct mf_auth_spec, overrides, "overrides", &mf_auth_block_schema,
             struct mf_auth_block),
    MF_F_OBJMAP(struct mf_auth_spec, bare.patterns, "patterns", &mf_auth_named_pattern_schema,
                struct mf_auth_named_pattern),
    MF_F_OBJLIST(struct mf_auth_spec, bare.when, "when", &mf_kq_predicate_schema,
                 struct mf_policy_predicate),
    MF_F_OBJ(struct mf_auth_spec, bare.rules, "rules", &mf_auth_rules_schema, struct mf_auth_rules),
};
static const struct mf_schema mf_auth_spec_schema =
    MF_SCHEMA("AuthPolicy spec", mf_auth_spec_fields, mf_auth_validate_spec);

static void
mf_auth_validate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_authpolicy *a = obj;

    (void)path;
    a->spec = mf_kq_decode_spec(ctx, &a->spec_node, &mf_auth_spec_schema, sizeof(*a->spec));
}

static const struct mf_field mf_auth_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_RAW(struct mf_authpolicy, spec_node, "spec", .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_auth_schema =
    MF_SCHEMA("AuthPolicy", mf_auth_fields, mf_auth_validate);

static const struct mf_kind mf_kind_authpolicy = {
    .id = MF_KIND_AUTHPOLICY,
    .group = "kuadrant.io",
    .versions = mf_kq_v1,
    .name = "AuthPolicy",
    .namespaced = true,
    .size = sizeof(struct mf_authpolicy),
    .schema = &mf_auth_schema,
};

/* ---- DNSPolicy ---------------------------------------------------------------- */

static const struct mf_field mf_dns_ref_fields[] = {
    MF_F_STR(struct mf_dns_provider_ref, name, "name", .flags = MF_REQUIRED | MF_NONEMPTY,
             .max = 253, .check = mf_check_dns1123_subdomain),
};
static const struct mf_schema mf_dns_ref_schema = MF_SCHEMA("reference", mf_dns_ref_fields, NULL);

static const struct mf_field mf_dns_lb_fields[] = {
    MF_F_INT(struct mf_dns_load_balancing, weight, "weight", .min = 0, .max = 2147483647),
    MF_F_STR(struct mf_dns_load_balancing, geo, "geo", .flags = MF_REQUIRED, .min = 2),
    MF_F_BOOL(struct mf_dns_load_balancing, default_geo, "defaultGeo", .flags = MF_REQUIRED),
};
static const struct mf_schema mf_dns_lb_schema = MF_SCHEMA("loadBalancing", mf_dns_lb_fields, NULL);

/* The CRD pattern ^(?:\?|\/)[\w\-.~:\/?#\[\]@!$&'()*+,;=]+(?:[a-zA-Z0-9]|\/){1}$ */
static void
mf_dns_check_path(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    bool ok = s->len >= 3 && (s->v[0] == '/' || s->v[0] == '?') &&
              (isalnum((unsigned char)s->v[s->len - 1]) || s->v[s->len - 1] == '/');

    for (size_t i = 1; ok && i + 1 < s->len; i++)
        ok = isalnum((unsigned char)s->v[i]) ||
             (s->v[i] != '\0' && strchr("_-.~:/?#[]@!$&'()*+,;=", s->v[i]) != NULL);
    if (s->len < 3 && s->len > 0 && (s->v[0] == '/' || s->v[0] == '?'))
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is too short: the CRD's path pattern needs at least 3 characters, "
                 "e.g. \"/healthz\"",
                 s->v);
    else if (!ok)
        mf_error(ctx, &s->pos, path,
                 "\"%.80s\" is not a valid health check path: start with \"/\" or \"?\", use URL "
                 "characters only and end with a letter, a digit or \"/\" (e.g. \"/healthz\")",
                 s->v);
}

/* Suggests a Go duration for "5min", "30sec", "1hour", "2days"; "" when none. */
static const char *
mf_dns_duration_hint(const struct mf_str *s, char *buf, size_t size)
{
    static const struct {
        const char *word, *unit;
        int mult;
    } words[] = {{"min", "m", 1}, {"mins", "m", 1}, {"minute", "m", 1}, {"minutes", "m", 1},
                 {"sec", "s", 1}, {"secs", "s", 1}, {"second", "s", 1}, {"seconds", "s", 1},
                 {"hr", "h", 1},  {"hrs", "h", 1},  {"hour", "h", 1},   {"hours", "h", 1},
                 {"d", "h", 24},  {"day", "h", 24}, {"days", "h", 24}};
    size_t digits = strspn(s->v, "0123456789");
    long n = strtol(s->v, NULL, 10);

    if (digits == 0 || digits > 6)
        return "";
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s->v + digits, words[i].word) == 0) {
            snprintf(buf, size, "; did you mean \"%ld%s\"?", n * words[i].mult, words[i].unit);
            return buf;
        }
    return "";
}

static void
mf_dns_check_interval(struct mf_ctx *ctx, struct mf_dns_health_check *h, const char *path)
{
    char hint[64];
    int64_t ns;

    if (mf_parse_go_duration(h->interval.v, h->interval.len, &ns) != 0)
        mf_error(ctx, &h->interval.pos, path,
                 "\"%.60s\" is not a Go duration: use numbers with the units h, m, s or ms, e.g. "
                 "\"5m\" or \"1m30s\"%s",
                 h->interval.v, mf_dns_duration_hint(&h->interval, hint, sizeof(hint)));
    else if (ns <= 0)
        mf_error(ctx, &h->interval.pos, path, "the interval must be longer than 0s");
    else
        h->interval_ns = ns;
}

static void
mf_dns_validate_health(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_dns_health_check *h = obj;
    char p[MF_PATH_MAX];
    int64_t port = h->port.v;

    if (h->port.set && port != 80 && port != 443 && (port < 1024 || port > 49151))
        mf_error(ctx, &h->port.pos, mf_path_field(p, path, "port"),
                 "Only ports 80, 443, 1024-49151 are allowed (found %" PRId64 ")", port);
    if (h->failure_threshold.set && h->failure_threshold.v <= 0)
        mf_error(ctx, &h->failure_threshold.pos, mf_path_field(p, path, "failureThreshold"),
                 "Failure threshold must be greater than 0");
    if (mf_kq_str_set(&h->interval))
        mf_dns_check_interval(ctx, h, mf_path_field(p, path, "interval"));
}

static const char *const mf_dns_protocols[] = {"HTTP", "HTTPS", NULL};

static const struct mf_field mf_dns_health_fields[] = {
    MF_F_STR(struct mf_dns_health_check, path, "path", .check = mf_dns_check_path),
    MF_F_INT(struct mf_dns_health_check, port, "port"),
    MF_F_STR(struct mf_dns_health_check, protocol, "protocol", .enums = mf_dns_protocols),
    MF_F_INT(struct mf_dns_health_check, failure_threshold, "failureThreshold"),
    MF_F_STR(struct mf_dns_health_check, interval, "interval"),
    MF_F_OBJ(struct mf_dns_health_check, additional_headers_ref, "additionalHeadersRef",
             &mf_dns_ref_schema, struct mf_dns_provider_ref),
    MF_F_BOOL(struct mf_dns_health_check, allow_insecure_certificate, "allowInsecureCertificate"),
};
static const struct mf_schema mf_dns_health_schema =
    MF_SCHEMA("healthCheck", mf_dns_health_fields, mf_dns_validate_health);

/* RFC 1123 hostname, any case (excluded record values come from providers). */
static bool
mf_dns_is_hostname(const char *s, size_t len)
{
    size_t label = 0;

    /* All digits and dots: a mistyped IPv4 address, not a host name. */
    if (len == 0 || len > 253 || strspn(s, "0123456789.") >= len)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static void
mf_dns_check_exclude(struct mf_ctx *ctx, const void *value, const char *path)
{
    const struct mf_str *s = value;
    struct ip_addr ip;
    struct ip_prefix pfx;
    const char *why;

    if (memchr(s->v, '/', s->len) != NULL) {
        if (ip_prefix_parse(s->v, s->len, &pfx, &why) != 0)
            mf_error(ctx, &s->pos, path, "\"%.80s\" is not a valid CIDR: %s", s->v, why);
    } else if (ip_parse(s->v, s->len, &ip) != 0 && !mf_dns_is_hostname(s->v, s->len)) {
        mf_error(ctx, &s->pos, path, "\"%.80s\" is not a hostname, an IP address or a CIDR%s", s->v,
                 mf_placeholder_hint(s->v));
    }
}

static void
mf_dns_validate_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_dns_spec *s = obj;
    char p[MF_PATH_MAX];

    if (s->delegate.set && s->delegate.v && s->provider_refs.set)
        mf_error(ctx, &s->provider_refs.pos, mf_path_field(p, path, "providerRefs"),
                 "delegate=true and providerRefs are mutually exclusive");
}

static const struct mf_field mf_dns_spec_fields[] = {
    MF_F_OBJ(struct mf_dns_spec, target_ref, "targetRef", &mf_kq_gateway_target_schema,
             struct mf_policy_target_ref, .flags = MF_REQUIRED),
    MF_F_OBJLIST(struct mf_dns_spec, provider_refs, "providerRefs", &mf_dns_ref_schema,
                 struct mf_dns_provider_ref, .max = 1),
    MF_F_OBJ(struct mf_dns_spec, load_balancing, "loadBalancing", &mf_dns_lb_schema,
             struct mf_dns_load_balancing),
    MF_F_OBJ(struct mf_dns_spec, health_check, "healthCheck", &mf_dns_health_schema,
             struct mf_dns_health_check),
    MF_F_STRLIST(struct mf_dns_spec, exclude_addresses, "excludeAddresses", .max = 20,
                 .check = mf_dns_check_exclude),
    MF_F_BOOL(struct mf_dns_spec, delegate, "delegate"),
};
static const struct mf_schema mf_dns_spec_schema =
    MF_SCHEMA("DNSPolicy spec", mf_dns_spec_fields, mf_dns_validate_spec);

static void
mf_dns_validate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_dnspolicy *d = obj;

    (void)path;
    d->spec = mf_kq_decode_spec(ctx, &d->spec_node, &mf_dns_spec_schema, sizeof(*d->spec));
}

static const struct mf_field mf_dns_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_RAW(struct mf_dnspolicy, spec_node, "spec", .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_dns_schema =
    MF_SCHEMA("DNSPolicy", mf_dns_fields, mf_dns_validate);

static const struct mf_kind mf_kind_dnspolicy = {
    .id = MF_KIND_DNSPOLICY,
    .group = "kuadrant.io",
    .versions = mf_kq_v1,
    .name = "DNSPolicy",
    .namespaced = true,
    .size = sizeof(struct mf_dnspolicy),
    .schema = &mf_dns_schema,
};

/* ---- TLSPolicy ---------------------------------------------------------------- */

static const char *const mf_tls_issuer_kinds[] = {"Issuer", "ClusterIssuer", NULL};
static const char *const mf_tls_issuer_groups[] = {"cert-manager.io", NULL};

static const struct mf_field mf_tls_issuer_fields[] = {
    MF_F_STR(struct mf_tls_issuer_ref, name, "name", .flags = MF_REQUIRED | MF_NONEMPTY,
             .check = mf_check_dns1123_subdomain),
    MF_F_STR(struct mf_tls_issuer_ref, kind, "kind", .enums = mf_tls_issuer_kinds),
    MF_F_STR(struct mf_tls_issuer_ref, group, "group", .enums = mf_tls_issuer_groups),
};
static const struct mf_schema mf_tls_issuer_schema =
    MF_SCHEMA("issuerRef", mf_tls_issuer_fields, NULL);

static const char *const mf_tls_algorithms[] = {"RSA", "ECDSA", "Ed25519", NULL};
static const char *const mf_tls_encodings[] = {"PKCS1", "PKCS8", NULL};
static const char *const mf_tls_rotations[] = {"Never", "Always", NULL};

/* cert-manager's key size rules per algorithm. */
static void
mf_tls_validate_key(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_tls_private_key *k = obj;
    char p[MF_PATH_MAX];
    int64_t size = k->size.v;

    if (!k->size.set)
        return;
    mf_path_field(p, path, "size");
    if (mf_str_eq(&k->algorithm, "ECDSA")) {
        if (size != 256 && size != 384 && size != 521)
            mf_error(ctx, &k->size.pos, p,
                     "ECDSA keys are 256, 384 or 521 bits (found %" PRId64 ")", size);
    } else if (!mf_str_eq(&k->algorithm, "Ed25519") && (size < 2048 || size > 8192)) {
        mf_error(ctx, &k->size.pos, p, "RSA keys are 2048 to 8192 bits (found %" PRId64 ")", size);
    }
}

static const struct mf_field mf_tls_key_fields[] = {
    MF_F_STR(struct mf_tls_private_key, algorithm, "algorithm", .enums = mf_tls_algorithms),
    MF_F_STR(struct mf_tls_private_key, encoding, "encoding", .enums = mf_tls_encodings),
    MF_F_INT(struct mf_tls_private_key, size, "size"),
    MF_F_STR(struct mf_tls_private_key, rotation_policy, "rotationPolicy",
             .enums = mf_tls_rotations),
};
static const struct mf_schema mf_tls_key_schema =
    MF_SCHEMA("privateKey", mf_tls_key_fields, mf_tls_validate_key);

/* cert-manager KeyUsage values. */
static const char *const mf_tls_usages[] = {"signing",
                                            "digital signature",
                                            "content commitment",
                                            "key encipherment",
                                            "key agreement",
                                            "data encipherment",
                                            "cert sign",
                                            "crl sign",
                                            "encipher only",
                                            "decipher only",
                                            "any",
                                            "server auth",
                                            "client auth",
                                            "code signing",
                                            "email protection",
                                            "s/mime",
                                            "ipsec end system",
                                            "ipsec tunnel",
                                            "ipsec user",
                                            "timestamping",
                                            "ocsp signing",
                                            "microsoft sgc",
                                            "netscape sgc",
                                            NULL};

#define MF_TLS_NS_PER_MIN 60000000000LL

static void
mf_tls_validate_spec(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_tls_spec *s = obj;
    char p[MF_PATH_MAX];

    if (s->duration.set && s->duration.ns < 60 * MF_TLS_NS_PER_MIN)
        mf_error(ctx, &s->duration.pos, mf_path_field(p, path, "duration"),
                 "the certificate duration must be at least 1h");
    if (s->renew_before.set && s->renew_before.ns < 5 * MF_TLS_NS_PER_MIN)
        mf_error(ctx, &s->renew_before.pos, mf_path_field(p, path, "renewBefore"),
                 "renewBefore must be at least 5m");
    else if (s->renew_before.set &&
             s->renew_before.ns >=
                 (s->duration.set ? s->duration.ns : 90 * 24 * 60 * MF_TLS_NS_PER_MIN))
        mf_error(ctx, &s->renew_before.pos, mf_path_field(p, path, "renewBefore"),
                 "renewBefore must be shorter than the certificate duration (%s)",
                 s->duration.set ? "spec.duration" : "90 days by default");
    mf_check_no_duplicates(ctx, &s->usages, mf_path_field(p, path, "usages"), "usage");
}

static const struct mf_field mf_tls_spec_fields[] = {
    MF_F_OBJ(struct mf_tls_spec, target_ref, "targetRef", &mf_kq_gateway_target_schema,
             struct mf_policy_target_ref, .flags = MF_REQUIRED),
    MF_F_OBJ(struct mf_tls_spec, issuer_ref, "issuerRef", &mf_tls_issuer_schema,
             struct mf_tls_issuer_ref, .flags = MF_REQUIRED),
    MF_F_STR(struct mf_tls_spec, common_name, "commonName", .max = 64),
    MF_F_DUR(struct mf_tls_spec, duration, "duration"),
    MF_F_DUR(struct mf_tls_spec, renew_before, "renewBefore"),
    MF_F_STRLIST(struct mf_tls_spec, usages, "usages", .enums = mf_tls_usages),
    MF_F_OBJ(struct mf_tls_spec, private_key, "privateKey", &mf_tls_key_schema,
             struct mf_tls_private_key),
    MF_F_INT(struct mf_tls_spec, revision_history_limit, "revisionHistoryLimit", .min = 1,
             .max = 2147483647),
};
static const struct mf_schema mf_tls_spec_schema =
    MF_SCHEMA("TLSPolicy spec", mf_tls_spec_fields, mf_tls_validate_spec);

static void
mf_tls_validate(struct mf_ctx *ctx, void *obj, const char *path)
{
    struct mf_tlspolicy *t = obj;

    (void)path;
    t->spec = mf_kq_decode_spec(ctx, &t->spec_node, &mf_tls_spec_schema, sizeof(*t->spec));
}

static const struct mf_field mf_tls_fields[] = {
    MF_ENVELOPE_FIELDS,
    MF_F_RAW(struct mf_tlspolicy, spec_node, "spec", .flags = MF_REQUIRED),
    MF_F_SKIP("status", MF_IGNORED, NULL),
};
static const struct mf_schema mf_tls_schema =
    MF_SCHEMA("TLSPolicy", mf_tls_fields, mf_tls_validate);

static const struct mf_kind mf_kind_tlspolicy = {
    .id = MF_KIND_TLSPOLICY,
    .group = "kuadrant.io",
    .versions = mf_kq_v1,
    .name = "TLSPolicy",
    .namespaced = true,
    .size = sizeof(struct mf_tlspolicy),
    .schema = &mf_tls_schema,
};

const struct mf_kind *const mf_kinds_kuadrant[] = {
    &mf_kind_ratelimitpolicy,
    &mf_kind_authpolicy,
    &mf_kind_dnspolicy,
    &mf_kind_tlspolicy,
};
const size_t mf_kinds_kuadrant_count = sizeof(mf_kinds_kuadrant) / sizeof(mf_kinds_kuadrant[0]);

const struct mf_policy_target_ref *
mf_policy_target(const struct mf_object *o)
{
    switch (o->kind->id) {
    case MF_KIND_RATELIMITPOLICY: {
        const struct mf_ratelimitpolicy *p = o->body;
        return p->spec ? p->spec->target_ref : NULL;
    }
    case MF_KIND_AUTHPOLICY: {
        const struct mf_authpolicy *p = o->body;
        return p->spec ? p->spec->target_ref : NULL;
    }
    case MF_KIND_DNSPOLICY: {
        const struct mf_dnspolicy *p = o->body;
        return p->spec ? p->spec->target_ref : NULL;
    }
    case MF_KIND_TLSPOLICY: {
        const struct mf_tlspolicy *p = o->body;
        return p->spec ? p->spec->target_ref : NULL;
    }
    default:
        return NULL;
    }
}

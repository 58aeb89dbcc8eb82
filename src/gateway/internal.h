/* Shared by the route-matching files of src/gateway only. */
#ifndef METALGATE_GATEWAY_INTERNAL_H
#define METALGATE_GATEWAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/arena.h"
#include "gateway/match.h"

/* Longest hostname kept for matching (RFC 1035: 253 characters). */
#define GW_HOST_MAX 253

/* FNV-1a: cheap for short keys, and prefix-incremental, which the prefix
 * lookup relies on (hash of path[0..j] for every j in one pass). */
#define GW_FNV_BASIS 2166136261u

static inline uint32_t
gw_fnv_step(uint32_t h, char c)
{
    return (h ^ (uint8_t)c) * 16777619u;
}

static inline uint32_t
gw_fnv(const char *s, size_t n)
{
    uint32_t h = GW_FNV_BASIS;

    for (size_t i = 0; i < n; i++)
        h = gw_fnv_step(h, s[i]);
    return h;
}

/*
 * Hostname index: exact names and wildcard suffixes ("*.example.com" is kept
 * as "example.com" with wildcard set), each mapped to an id; plus the id of
 * "no hostname" (any). Open addressing over a power-of-two slot array.
 */
struct gw_hostent {
    char *key;
    uint32_t len;
    uint32_t hash;
    uint32_t id;
    bool wildcard;
};

struct gw_hostidx {
    struct gw_hostent *ents;
    uint32_t n;
    uint32_t cap;
    uint32_t *slots; /* entry index + 1, 0 = empty */
    uint32_t mask;
    int64_t any_id; /* -1: none */
};

void gw_hostidx_init(struct gw_hostidx *x);
void gw_hostidx_free(struct gw_hostidx *x);

/*
 * Id of (key, wildcard); when absent it is added with id new_id. *added tells
 * which happened. Returns -1 when memory runs out.
 */
int64_t gw_hostidx_put(struct gw_hostidx *x, const char *key, size_t len, bool wildcard,
                       uint32_t new_id, bool *added);

/* Id of (key, wildcard), or -1. */
int64_t gw_hostidx_get(const struct gw_hostidx *x, const char *key, size_t len, bool wildcard);

/*
 * Normalises a request Host for matching: port removed, one trailing dot
 * removed, lower case, into out (GW_HOST_MAX + 1 bytes). Returns the length,
 * or -1 when it cannot match any hostname (too long, empty).
 */
int gw_host_normalize(const char *in, size_t len, char *out);

/*
 * Visits the ids a normalised host maps to, most specific first: exact, then
 * wildcards by decreasing suffix length, then "any". visit returns true to
 * stop. Returns whether a visit stopped the walk.
 */
bool gw_hostidx_walk(const struct gw_hostidx *x, const char *host, int len,
                     bool (*visit)(uint32_t id, void *arg), void *arg);

/* A parsed configured hostname: lower case, "*." removed when wildcard. */
struct gw_hostname {
    char name[GW_HOST_MAX + 1];
    size_t len;
    bool wildcard;
    bool any; /* absent */
};

/* Parses a configured hostname (NULL or "" = any). False when malformed. */
bool gw_hostname_parse(const char *s, struct gw_hostname *out);

/* Intersection of two parsed hostnames into out; false when empty. */
bool gw_hostname_meet(const struct gw_hostname *l, const struct gw_hostname *r,
                      struct gw_hostname *out);

/* A header or query condition, compiled. Names of header conditions are lower case. */
struct gw_ckv {
    const char *name;
    uint32_t name_len;
    uint32_t value_len; /* regex: length of the pattern's literal prefix */
    const char *value;  /* regex: the pattern, whose literal prefix prefilters */
    pcre2_code *re;     /* GW_VALUE_REGEX */
};

struct gw_croute {
    int64_t created;
    const char *key; /* "namespace/name": the tie-breaker */
};

/* One match, compiled; candidates point at these. */
struct gw_cmatch {
    uint8_t path_type;
    uint8_t method;
    uint16_t n_headers;
    uint16_t n_queries;
    uint32_t path_len; /* prefix: without the trailing '/' */
    const char *path;
    pcre2_code *re;
    uint32_t re_lit; /* regex: bytes of path every match starts with */
    const struct gw_ckv *headers;
    const struct gw_ckv *queries;
    const struct gw_croute *route;
    struct gw_result id;
};

/* Candidates of one vhost sharing a path key (Exact value or normalised prefix). */
struct gw_group {
    const char *key;
    uint32_t len;
    uint32_t hash;
    uint32_t first; /* in the vhost's candidate array */
    uint32_t count;
};

struct gw_pathidx {
    struct gw_group *groups;
    uint32_t n;
    uint32_t *slots; /* group index + 1 */
    uint32_t mask;
    uint32_t max_len; /* longest key */
};

/*
 * One hostname's candidates, in precedence order within three blocks:
 * [exact, grouped by path][regex][prefix, grouped by prefix].
 */
struct gw_vhost {
    const struct gw_cmatch **cands;
    uint32_t n_cands;
    uint32_t regex_first;
    uint32_t regex_count;
    struct gw_pathidx exact;
    struct gw_pathidx prefix;
};

struct gw_table {
    struct arena arena;
    struct gw_hostidx hosts; /* hostname -> vhost */
    struct gw_vhost *vhosts;
    uint32_t n_vhosts;
    bool fallback;
    pcre2_code **regexes; /* every compiled pattern, freed with the table */
    size_t n_regexes;
    pcre2_match_context *mctx;
};

struct gw_scratch {
    pcre2_match_data *md;
};

/*
 * Length of the literal text every match of an anchored pattern starts with
 * (0 when unsure: any alternation, escape, class or group ends it, and a
 * quantifier takes back the character before it). Lets a lookup skip the
 * regex engine with one memcmp.
 */
uint32_t gw_regex_literal(const char *pattern);

/* Precedence order of two compiled matches (negative: a first). */
int gw_cmatch_cmp(const struct gw_cmatch *a, const struct gw_cmatch *b);

/* Builds the candidate blocks and path indexes of v from its precedence-sorted
 * candidates. Returns -1 when memory runs out. */
int gw_vhost_index(struct gw_table *t, struct gw_vhost *v);

#endif

/*
 * Per-route statistics (stats.h): an identity registry owned by the control
 * thread, and per-worker counter storage in fixed-size chunks that never
 * move, so a worker writes without a lock while the registry grows.
 */
#include "gateway/stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Histogram bounds in microseconds: Prometheus' default buckets. */
static const uint64_t gw_bucket_us[GW_STATS_BUCKETS] = {
    5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
static const char *const gw_bucket_le[GW_STATS_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
};
static const char *const gw_code_names[GW_CODE_COUNT] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

struct gw_stats_key {
    char *gateway, *listener, *route;
    uint32_t hash;
};

struct gw_stats {
    unsigned nworkers;
    struct gw_stats_key *keys;
    uint32_t n, cap;
    uint32_t *index; /* open addressing: key index + 1, 0 = empty */
    uint32_t mask;
    struct gw_stat_slot **chunks; /* [worker * GW_STATS_CHUNKS + chunk] */
};

struct gw_stats *
gw_stats_new(unsigned nworkers)
{
    struct gw_stats *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->nworkers = nworkers;
    s->chunks = calloc((size_t)nworkers * GW_STATS_CHUNKS, sizeof(*s->chunks));
    if (s->chunks == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void
gw_stats_free(struct gw_stats *s)
{
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < s->n; i++) {
        free(s->keys[i].gateway);
        free(s->keys[i].listener);
        free(s->keys[i].route);
    }
    for (size_t i = 0; i < (size_t)s->nworkers * GW_STATS_CHUNKS; i++)
        free(s->chunks[i]);
    free(s->chunks);
    free(s->keys);
    free(s->index);
    free(s);
}

static uint32_t
gw_stats_hash(const char *g, const char *l, const char *r)
{
    const char *parts[3] = {g, l, r};
    uint32_t h = 2166136261u;

    for (int i = 0; i < 3; i++) {
        for (const char *p = parts[i]; *p; p++)
            h = (h ^ (uint8_t)*p) * 16777619u;
        h = (h ^ 0xFF) * 16777619u; /* separator: ("a","bc") != ("ab","c") */
    }
    return h;
}

static int
gw_stats_rehash(struct gw_stats *s, uint32_t nslots)
{
    uint32_t *ix = calloc(nslots, sizeof(*ix));

    if (ix == NULL)
        return -1;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t j = s->keys[i].hash & (nslots - 1);
        while (ix[j] != 0)
            j = (j + 1) & (nslots - 1);
        ix[j] = i + 1;
    }
    free(s->index);
    s->index = ix;
    s->mask = nslots - 1;
    return 0;
}

/* Every worker's storage for slot: allocated before any worker can see it. */
static int
gw_stats_storage(struct gw_stats *s, uint32_t slot)
{
    uint32_t c = slot / GW_STATS_CHUNK;

    for (unsigned w = 0; w < s->nworkers; w++) {
        struct gw_stat_slot **p = &s->chunks[(size_t)w * GW_STATS_CHUNKS + c];

        if (*p != NULL)
            continue;
        /* A cache line of its own: workers never write the same line. */
        *p = aligned_alloc(64, GW_STATS_CHUNK * sizeof(**p));
        if (*p == NULL)
            return -1;
        memset(*p, 0, GW_STATS_CHUNK * sizeof(**p));
    }
    return 0;
}

static int
gw_stats_add(struct gw_stats *s, const char *g, const char *l, const char *r, uint32_t h)
{
    struct gw_stats_key k = {strdup(g), strdup(l), strdup(r), h};

    if (k.gateway == NULL || k.listener == NULL || k.route == NULL ||
        gw_stats_storage(s, s->n) != 0)
        goto fail;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        struct gw_stats_key *v = realloc(s->keys, cap * sizeof(*v));

        if (v == NULL)
            goto fail;
        s->keys = v;
        s->cap = cap;
    }
    s->keys[s->n++] = k;
    if ((s->n * 2 > s->mask + 1 || s->index == NULL) &&
        gw_stats_rehash(s, s->index ? (s->mask + 1) * 2 : 128) != 0) {
        s->n--;
        goto fail;
    }
    return 0;
fail:
    free(k.gateway);
    free(k.listener);
    free(k.route);
    return -1;
}

uint32_t
gw_stats_slot(struct gw_stats *s, const char *gateway, const char *listener, const char *route)
{
    uint32_t h = gw_stats_hash(gateway, listener, route), j;

    for (j = h & s->mask; s->index != NULL && s->index[j] != 0; j = (j + 1) & s->mask) {
        const struct gw_stats_key *k = &s->keys[s->index[j] - 1];

        if (k->hash == h && strcmp(k->gateway, gateway) == 0 &&
            strcmp(k->listener, listener) == 0 && strcmp(k->route, route) == 0)
            return s->index[j] - 1;
    }
    if (s->n >= GW_STATS_CHUNK * GW_STATS_CHUNKS ||
        gw_stats_add(s, gateway, listener, route, h) != 0)
        return GW_STATS_NONE;
    if (s->index != NULL && s->n * 2 <= s->mask + 1) {
        /* Not rehashed: insert the new key into the existing index. */
        for (j = h & s->mask; s->index[j] != 0 && s->index[j] != s->n; j = (j + 1) & s->mask)
            ;
        s->index[j] = s->n;
    }
    return s->n - 1;
}

static void
gw_counter_inc(_Atomic uint64_t *c, uint64_t by)
{
    /* Single writer: a plain load and store, no locked instruction. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

void
gw_stats_record(struct gw_stats *s, unsigned w, uint32_t slot, uint16_t status,
                uint64_t duration_us)
{
    struct gw_stat_slot *st;
    unsigned b = 0;

    if (slot == GW_STATS_NONE || w >= s->nworkers)
        return;
    st = &s->chunks[(size_t)w * GW_STATS_CHUNKS + slot / GW_STATS_CHUNK][slot % GW_STATS_CHUNK];
    gw_counter_inc(&st->codes[status >= 100 && status <= 599 ? status / 100 : GW_CODE_NONE], 1);
    while (b < GW_STATS_BUCKETS && duration_us > gw_bucket_us[b])
        b++;
    gw_counter_inc(&st->buckets[b], 1);
    gw_counter_inc(&st->sum_us, duration_us);
}

/* ---- rendering ------------------------------------------------------------------ */

struct gw_stat_sum {
    uint64_t codes[GW_CODE_COUNT];
    uint64_t buckets[GW_STATS_BUCKETS + 1];
    uint64_t sum_us, count;
};

static void
gw_stats_sum(const struct gw_stats *s, uint32_t slot, struct gw_stat_sum *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned w = 0; w < s->nworkers; w++) {
        const struct gw_stat_slot *st =
            &s->chunks[(size_t)w * GW_STATS_CHUNKS + slot / GW_STATS_CHUNK][slot % GW_STATS_CHUNK];

        for (unsigned i = 0; i < GW_CODE_COUNT; i++)
            out->codes[i] += atomic_load_explicit(&st->codes[i], memory_order_relaxed);
        for (unsigned i = 0; i <= GW_STATS_BUCKETS; i++)
            out->buckets[i] += atomic_load_explicit(&st->buckets[i], memory_order_relaxed);
        out->sum_us += atomic_load_explicit(&st->sum_us, memory_order_relaxed);
    }
    for (unsigned i = 0; i <= GW_STATS_BUCKETS; i++)
        out->count += out->buckets[i];
}

/* A label value: backslash, double quote and newline escaped (text format 0.0.4). */
static void
gw_prom_value(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            fputs("\\\\", out);
        else if (*v == '"')
            fputs("\\\"", out);
        else if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}

static void
gw_prom_labels(FILE *out, const struct gw_stats_key *k)
{
    fputs("gateway=\"", out);
    gw_prom_value(out, k->gateway);
    fputs("\",listener=\"", out);
    gw_prom_value(out, k->listener);
    fputs("\",route=\"", out);
    gw_prom_value(out, k->route);
    fputc('"', out);
}

static void
gw_stats_render_histogram(FILE *out, const struct gw_stats_key *k, const struct gw_stat_sum *t)
{
    const char *name = "metalgate_http_request_duration_seconds";
    uint64_t cum = 0;

    for (unsigned b = 0; b <= GW_STATS_BUCKETS; b++) {
        cum += t->buckets[b];
        fprintf(out, "%s_bucket{", name);
        gw_prom_labels(out, k);
        fprintf(out, ",le=\"%s\"} %" PRIu64 "\n", b < GW_STATS_BUCKETS ? gw_bucket_le[b] : "+Inf",
                cum);
    }
    fprintf(out, "%s_sum{", name);
    gw_prom_labels(out, k);
    fprintf(out, "} %" PRIu64 ".%06" PRIu64 "\n", t->sum_us / 1000000, t->sum_us % 1000000);
    fprintf(out, "%s_count{", name);
    gw_prom_labels(out, k);
    fprintf(out, "} %" PRIu64 "\n", t->count);
}

void
gw_stats_render(const struct gw_stats *s, FILE *out)
{
    struct gw_stat_sum t;

    fputs("# HELP metalgate_http_requests_total HTTP transactions of the gateway, by route and "
          "status class (route=\"\": no route matched).\n"
          "# TYPE metalgate_http_requests_total counter\n",
          out);
    for (uint32_t i = 0; i < s->n; i++) {
        gw_stats_sum(s, i, &t);
        for (unsigned c = 0; t.count > 0 && c < GW_CODE_COUNT; c++) {
            if (t.codes[c] == 0)
                continue;
            fputs("metalgate_http_requests_total{", out);
            gw_prom_labels(out, &s->keys[i]);
            fprintf(out, ",code=\"%s\"} %" PRIu64 "\n", gw_code_names[c], t.codes[c]);
        }
    }
    fputs("# HELP metalgate_http_request_duration_seconds Time from the first byte of a request "
          "to the end of its response.\n"
          "# TYPE metalgate_http_request_duration_seconds histogram\n",
          out);
    for (uint32_t i = 0; i < s->n; i++) {
        gw_stats_sum(s, i, &t);
        if (t.count > 0)
            gw_stats_render_histogram(out, &s->keys[i], &t);
    }
}

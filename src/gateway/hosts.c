/*
 * Hostnames: parsing configured names, the Gateway API intersection of a
 * listener hostname with a route hostname, normalising request Hosts, the
 * hostname index (exact and wildcard suffixes), and listener selection.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
gw_hostname_parse(const char *s, struct gw_hostname *out)
{
    size_t n = s != NULL ? strlen(s) : 0;

    memset(out, 0, sizeof(*out));
    if (n == 0) {
        out->any = true;
        return true;
    }
    if (n >= 2 && s[0] == '*' && s[1] == '.') {
        out->wildcard = true;
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > GW_HOST_MAX || memchr(s, '*', n) != NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        out->name[i] = lower(s[i]);
    out->name[n] = '\0';
    out->len = n;
    return true;
}

/* Does the precise name host[0..n) fall under the wildcard suffix s[0..sn)? */
static bool
under_wildcard(const char *host, size_t n, const char *s, size_t sn)
{
    return n > sn + 1 && host[n - sn - 1] == '.' && memcmp(host + n - sn, s, sn) == 0;
}

bool
gw_hostname_meet(const struct gw_hostname *l, const struct gw_hostname *r, struct gw_hostname *out)
{
    if (l->any || r->any) {
        *out = l->any ? *r : *l;
        return true;
    }
    if (!l->wildcard && !r->wildcard) {
        *out = *r;
        return l->len == r->len && memcmp(l->name, r->name, l->len) == 0;
    }
    if (l->wildcard && !r->wildcard) {
        *out = *r;
        return under_wildcard(r->name, r->len, l->name, l->len);
    }
    if (!l->wildcard) {
        *out = *l;
        return under_wildcard(l->name, l->len, r->name, r->len);
    }
    /* Both wildcards: the one whose suffix lies under the other's is the intersection. */
    if ((r->len == l->len && memcmp(r->name, l->name, l->len) == 0) ||
        under_wildcard(r->name, r->len, l->name, l->len)) {
        *out = *r;
        return true;
    }
    *out = *l;
    return under_wildcard(l->name, l->len, r->name, r->len);
}

bool
gw_hostname_intersect(const char *listener, const char *route, char *out, size_t cap)
{
    struct gw_hostname l, r, m;
    size_t off;

    if (!gw_hostname_parse(listener, &l) || !gw_hostname_parse(route, &r) ||
        !gw_hostname_meet(&l, &r, &m))
        return false;
    off = m.wildcard ? 2 : 0;
    if (cap < off + m.len + 1)
        return false;
    memcpy(out, "*.", off);
    memcpy(out + off, m.name, m.len);
    out[off + m.len] = '\0';
    return true;
}

int
gw_host_normalize(const char *in, size_t len, char *out)
{
    const char *end;
    size_t n;

    if (in == NULL || len == 0)
        return -1;
    if (in[0] == '[') {
        end = memchr(in, ']', len);
        end = end != NULL ? end + 1 : in + len;
    } else {
        end = memchr(in, ':', len);
        if (end == NULL)
            end = in + len;
    }
    n = (size_t)(end - in);
    if (n > 0 && in[n - 1] == '.')
        n--;
    if (n == 0 || n > GW_HOST_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = lower(in[i]);
    out[n] = '\0';
    return (int)n;
}

void
gw_hostidx_init(struct gw_hostidx *x)
{
    memset(x, 0, sizeof(*x));
    x->any_id = -1;
}

void
gw_hostidx_free(struct gw_hostidx *x)
{
    for (uint32_t i = 0; i < x->n; i++)
        free(x->ents[i].key);
    free(x->ents);
    free(x->slots);
    gw_hostidx_init(x);
}

static uint32_t
host_hash(const char *key, size_t len, bool wildcard)
{
    return gw_fnv_step(gw_fnv(key, len), wildcard ? '*' : '=');
}

static int64_t
find(const struct gw_hostidx *x, const char *key, size_t len, bool wildcard, uint32_t h)
{
    if (x->slots == NULL)
        return -1;
    for (uint32_t i = h & x->mask;; i = (i + 1) & x->mask) {
        const struct gw_hostent *e;
        if (x->slots[i] == 0)
            return -1;
        e = &x->ents[x->slots[i] - 1];
        if (e->hash == h && e->len == len && e->wildcard == wildcard &&
            memcmp(e->key, key, len) == 0)
            return e->id;
    }
}

int64_t
gw_hostidx_get(const struct gw_hostidx *x, const char *key, size_t len, bool wildcard)
{
    return find(x, key, len, wildcard, host_hash(key, len, wildcard));
}

/* Rebuilds the slot array at twice the entry capacity (load <= 1/2). */
static int
rehash(struct gw_hostidx *x, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));

    if (slots == NULL)
        return -1;
    free(x->slots);
    x->slots = slots;
    x->mask = nslots - 1;
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t i = x->ents[k].hash & x->mask;
        while (slots[i] != 0)
            i = (i + 1) & x->mask;
        slots[i] = k + 1;
    }
    return 0;
}

static int
grow(struct gw_hostidx *x)
{
    uint32_t cap = x->cap != 0 ? x->cap * 2 : 8;
    struct gw_hostent *e;

    if (x->n < x->cap)
        return 0;
    e = realloc(x->ents, cap * sizeof(*e));
    if (e == NULL)
        return -1;
    x->ents = e;
    x->cap = cap;
    return rehash(x, cap * 2);
}

int64_t
gw_hostidx_put(struct gw_hostidx *x, const char *key, size_t len, bool wildcard, uint32_t new_id,
               bool *added)
{
    uint32_t h = host_hash(key, len, wildcard);
    int64_t id = find(x, key, len, wildcard, h);
    struct gw_hostent *e;
    uint32_t i;

    *added = false;
    if (id >= 0)
        return id;
    if (grow(x) < 0)
        return -1;
    e = &x->ents[x->n];
    e->key = malloc(len + 1);
    if (e->key == NULL)
        return -1;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->len = (uint32_t)len;
    e->hash = h;
    e->id = new_id;
    e->wildcard = wildcard;
    for (i = h & x->mask; x->slots[i] != 0; i = (i + 1) & x->mask)
        ;
    x->slots[i] = ++x->n;
    *added = true;
    return new_id;
}

bool
gw_hostidx_walk(const struct gw_hostidx *x, const char *host, int len,
                bool (*visit)(uint32_t id, void *arg), void *arg)
{
    int64_t id;

    if (len > 0) {
        id = gw_hostidx_get(x, host, (size_t)len, false);
        if (id >= 0 && visit((uint32_t)id, arg))
            return true;
        /* Wildcard suffixes, longest first: the label before each dot is non-empty. */
        for (int i = 1; i < len - 1; i++) {
            if (host[i] != '.')
                continue;
            id = gw_hostidx_get(x, host + i + 1, (size_t)(len - i - 1), true);
            if (id >= 0 && visit((uint32_t)id, arg))
                return true;
        }
    }
    return x->any_id >= 0 && visit((uint32_t)x->any_id, arg);
}

/* Listener choice: the same index, ids are listener indices. */
struct gw_listeners {
    struct gw_hostidx idx;
};

struct gw_listeners *
gw_listeners_build(const char *const *hostnames, size_t n)
{
    struct gw_listeners *ls = calloc(1, sizeof(*ls));

    if (ls == NULL)
        return NULL;
    gw_hostidx_init(&ls->idx);
    for (size_t i = 0; i < n; i++) {
        struct gw_hostname h;
        bool added;

        /* A malformed hostname cannot match a request: the listener stays unreachable. */
        if (!gw_hostname_parse(hostnames[i], &h))
            continue;
        if (h.any) {
            if (ls->idx.any_id < 0)
                ls->idx.any_id = (int64_t)i;
            continue;
        }
        if (gw_hostidx_put(&ls->idx, h.name, h.len, h.wildcard, (uint32_t)i, &added) < 0) {
            gw_listeners_free(ls);
            return NULL;
        }
    }
    return ls;
}

void
gw_listeners_free(struct gw_listeners *ls)
{
    if (ls == NULL)
        return;
    gw_hostidx_free(&ls->idx);
    free(ls);
}

static bool
first_id(uint32_t id, void *arg)
{
    *(int *)arg = (int)id;
    return true;
}

int
gw_listeners_select(const struct gw_listeners *ls, const char *host, size_t len)
{
    char norm[GW_HOST_MAX + 1];
    int n = gw_host_normalize(host, len, norm);
    int found = -1;

    gw_hostidx_walk(&ls->idx, norm, n, first_id, &found);
    return found;
}

/*
 * The packed services and advertisements of a plan the runtime keeps only to
 * show it (/status, /metrics, the previous allocations on reload). At a
 * million addresses the arrays cost about 400 bytes per address, mostly
 * pointers and copies of the same strings; packed, every string is stored
 * once in a string table and each entry is a short record of varints
 * (docs/internals/plan.md, "Packed plans").
 *
 * Records, in the order of the arrays (names are string-table offsets as
 * varints):
 *   service:       flags ns name {ip}... [pool] [sharingKey] [reason]
 *                  flags: status (2 bits), Gateway, number of IPs (2 bits),
 *                  and which of the optional strings follow
 *   advertisement: flags len address class [reason] nservices {ns+1 name}...
 *                  flags: IPv6, reason follows, address is the difference
 *                  from the previous advertisement's (they are sorted)
 * where ip is a length byte (4 or 16) and the address, ns+1 is 0 for a
 * name without namespace, and class indexes the few distinct (peers,
 * nodes, localPref, communities) sets.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/internal.h"

struct plan_ad_class {
    bool has_local_pref;
    uint32_t local_pref;
    uint32_t *communities;
    size_t ncommunities;
    struct plan_large_community *large;
    size_t nlarge;
    const char **peers; /* into the string table */
    size_t npeers;
    const char **nodes;
    size_t nnodes;
};

struct plan_bytes {
    unsigned char *v;
    size_t n, cap;
    bool failed;
};

struct plan_pack {
    char *strings; /* NUL-terminated strings back to back */
    size_t strings_len;
    struct plan_bytes services, ads;
    struct plan_ad_class *classes;
    size_t nclasses;
    struct arena arena; /* the classes' arrays */
};

/* ---- writing ------------------------------------------------------------- */

struct plan_packer {
    struct plan_pack *pk;
    struct plan_bytes strings;
    uint32_t *slots; /* open addressing: string offset + 1, 0 = empty */
    size_t nslots, nstrings;
    const struct plan_advertisement **class_of; /* a representative per class */
    uint64_t *class_hash;                        /* and its hash */
    size_t class_cap;
    uint32_t *class_slots; /* open addressing: class index + 1, 0 = empty */
    size_t nclass_slots;
};

static void
plan_bytes_put(struct plan_bytes *b, const void *src, size_t len)
{
    if (b->failed)
        return;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        void *v;
        while (cap < b->n + len)
            cap *= 2;
        v = realloc(b->v, cap);
        if (v == NULL) {
            b->failed = true;
            return;
        }
        b->v = v;
        b->cap = cap;
    }
    memcpy(b->v + b->n, src, len);
    b->n += len;
}

/* Unsigned LEB128: 7 bits a byte, the high bit says more follow. */
static void
plan_put_u128(struct plan_bytes *b, ip_u128 x)
{
    unsigned char buf[19];
    size_t n = 0;

    do {
        buf[n] = (unsigned char)(x & 0x7f);
        x >>= 7;
        if (x)
            buf[n] |= 0x80;
        n++;
    } while (x);
    plan_bytes_put(b, buf, n);
}

static void
plan_put_varint(struct plan_bytes *b, uint64_t x)
{
    plan_put_u128(b, x);
}

static uint64_t
plan_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int
plan_slots_grow(struct plan_packer *w)
{
    size_t n = w->nslots ? w->nslots * 2 : 1024;
    uint32_t *slots = calloc(n, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < w->nslots; i++) {
        uint32_t v = w->slots[i];
        const char *s;
        size_t at;
        if (v == 0)
            continue;
        s = (const char *)w->strings.v + v - 1;
        at = plan_hash(s, strlen(s)) & (n - 1);
        while (slots[at] != 0)
            at = (at + 1) & (n - 1);
        slots[at] = v;
    }
    free(w->slots);
    w->slots = slots;
    w->nslots = n;
    return 0;
}

/* The string-table offset of s (added when new); UINT64_MAX when out of memory. */
static uint64_t
plan_intern_len(struct plan_packer *w, const char *s, size_t len)
{
    size_t at;

    if ((w->nstrings + 1) * 2 > w->nslots && plan_slots_grow(w) != 0)
        return UINT64_MAX;
    at = plan_hash(s, len) & (w->nslots - 1);
    while (w->slots[at] != 0) {
        const char *t = (const char *)w->strings.v + w->slots[at] - 1;
        if (strncmp(t, s, len) == 0 && t[len] == '\0')
            return w->slots[at] - 1;
        at = (at + 1) & (w->nslots - 1);
    }
    if (w->strings.n >= UINT32_MAX - len - 2)
        return UINT64_MAX;
    w->slots[at] = (uint32_t)w->strings.n + 1;
    plan_bytes_put(&w->strings, s, len);
    plan_bytes_put(&w->strings, "", 1);
    if (w->strings.failed)
        return UINT64_MAX;
    w->nstrings++;
    return w->slots[at] - 1;
}

static void
plan_put_string(struct plan_packer *w, struct plan_bytes *b, const char *s)
{
    uint64_t off = plan_intern_len(w, s, strlen(s));

    if (off == UINT64_MAX)
        b->failed = true;
    else
        plan_put_varint(b, off);
}

static void
plan_put_ip(struct plan_bytes *b, const struct ip_addr *ip)
{
    unsigned char bytes[17];
    unsigned n = ip->family == IP_FAMILY_V6 ? 16 : 4;

    bytes[0] = (unsigned char)n;
    for (unsigned i = 0; i < n; i++) /* big-endian: IPv4 is the low 32 bits */
        bytes[1 + i] = (unsigned char)(ip->v >> (8 * (n - 1 - i)));
    plan_bytes_put(b, bytes, 1 + n);
}

static bool
plan_same_strings(const char *const *x, size_t nx, const char *const *y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (strcmp(x[i], y[i]) != 0)
            return false;
    return true;
}

static bool
plan_same_class(const struct plan_advertisement *x, const struct plan_advertisement *y)
{
    return x->has_local_pref == y->has_local_pref &&
           (!x->has_local_pref || x->local_pref == y->local_pref) &&
           x->ncommunities == y->ncommunities && x->nlarge == y->nlarge &&
           (x->ncommunities == 0 ||
            memcmp(x->communities, y->communities, x->ncommunities * sizeof(uint32_t)) == 0) &&
           (x->nlarge == 0 || memcmp(x->large, y->large, x->nlarge * sizeof(*x->large)) == 0) &&
           plan_same_strings(x->peers, x->npeers, y->peers, y->npeers) &&
           plan_same_strings(x->nodes, x->nnodes, y->nodes, y->nnodes);
}

static uint64_t
plan_hash_more(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t
plan_class_hash(const struct plan_advertisement *ad)
{
    uint64_t h = 1469598103934665603ULL;
    uint32_t lp[2] = {ad->has_local_pref, ad->has_local_pref ? ad->local_pref : 0};

    h = plan_hash_more(h, lp, sizeof(lp));
    h = plan_hash_more(h, ad->communities, ad->ncommunities * sizeof(*ad->communities));
    h = plan_hash_more(h, ad->large, ad->nlarge * sizeof(*ad->large));
    for (size_t i = 0; i < ad->npeers; i++)
        h = plan_hash_more(h, ad->peers[i], strlen(ad->peers[i]) + 1);
    h = plan_hash_more(h, "|", 1);
    for (size_t i = 0; i < ad->nnodes; i++)
        h = plan_hash_more(h, ad->nodes[i], strlen(ad->nodes[i]) + 1);
    return h;
}

static int
plan_class_slots_grow(struct plan_packer *w)
{
    size_t n = w->nclass_slots ? w->nclass_slots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t c = 0; c < w->pk->nclasses; c++) {
        size_t at = w->class_hash[c] & (n - 1);
        while (slots[at] != 0)
            at = (at + 1) & (n - 1);
        slots[at] = (uint32_t)c + 1;
    }
    free(w->class_slots);
    w->class_slots = slots;
    w->nclass_slots = n;
    return 0;
}

/* The class of ad. Usually there are few (one per BGPAdvertisement and node
 * set), but Services with local endpoints on many different node sets make
 * many: found by hash. */
static uint64_t
plan_class_of(struct plan_packer *w, const struct plan_advertisement *ad)
{
    size_t n = w->pk->nclasses, at;
    uint64_t h = plan_class_hash(ad);

    if ((n + 1) * 2 > w->nclass_slots && plan_class_slots_grow(w) != 0)
        return UINT64_MAX;
    for (at = h & (w->nclass_slots - 1); w->class_slots[at] != 0;
         at = (at + 1) & (w->nclass_slots - 1)) {
        size_t c = w->class_slots[at] - 1;
        if (w->class_hash[c] == h && plan_same_class(w->class_of[c], ad))
            return c;
    }
    if (n >= UINT32_MAX - 1)
        return UINT64_MAX;
    if (n == w->class_cap) {
        size_t cap = n ? n * 2 : 16;
        void *v = realloc(w->class_of, cap * sizeof(*w->class_of));
        void *hv = v ? realloc(w->class_hash, cap * sizeof(*w->class_hash)) : NULL;
        if (v != NULL)
            w->class_of = v;
        if (hv == NULL)
            return UINT64_MAX;
        w->class_hash = hv;
        w->class_cap = cap;
    }
    w->class_of[n] = ad;
    w->class_hash[n] = h;
    w->class_slots[at] = (uint32_t)n + 1;
    w->pk->nclasses++;
    return n;
}

enum {
    PLAN_SVC_STATUS = 0x03,
    PLAN_SVC_GATEWAY = 0x04,
    PLAN_SVC_NIPS_SHIFT = 3, /* 2 bits */
    PLAN_SVC_POOL = 0x20,
    PLAN_SVC_SHARING = 0x40,
    PLAN_SVC_REASON = 0x80,
    PLAN_AD_V6 = 0x01,
    PLAN_AD_REASON = 0x02,
    PLAN_AD_DELTA = 0x04,
};

static void
plan_pack_service(struct plan_packer *w, const struct plan_service *s)
{
    struct plan_bytes *b = &w->pk->services;
    size_t nips = s->nips < 2 ? s->nips : 2;
    unsigned char flags = (unsigned char)((s->status & PLAN_SVC_STATUS) |
                                          (nips << PLAN_SVC_NIPS_SHIFT));

    if (strcmp(s->kind, "Gateway") == 0)
        flags |= PLAN_SVC_GATEWAY;
    else if (strcmp(s->kind, "Service") != 0)
        b->failed = true; /* IPAM serves no other kind */
    flags |= (s->pool ? PLAN_SVC_POOL : 0) | (s->sharing_key ? PLAN_SVC_SHARING : 0) |
             (s->reason ? PLAN_SVC_REASON : 0);
    plan_bytes_put(b, &flags, 1);
    plan_put_string(w, b, s->ns);
    plan_put_string(w, b, s->name);
    for (size_t i = 0; i < nips; i++)
        plan_put_ip(b, &s->ips[i]);
    if (s->pool)
        plan_put_string(w, b, s->pool);
    if (s->sharing_key)
        plan_put_string(w, b, s->sharing_key);
    if (s->reason)
        plan_put_string(w, b, s->reason);
}

static void
plan_pack_ad(struct plan_packer *w, const struct plan_advertisement *ad,
             const struct plan_advertisement *prev)
{
    struct plan_bytes *b = &w->pk->ads;
    const struct ip_addr *ip = &ad->prefix.addr;
    unsigned char flags = 0, len = (unsigned char)ad->prefix.len;
    uint64_t cls = plan_class_of(w, ad);
    bool delta = prev != NULL && prev->prefix.addr.family == ip->family &&
                 prev->prefix.addr.v <= ip->v;

    if (cls == UINT64_MAX) {
        b->failed = true;
        return;
    }
    flags = (unsigned char)((ip->family == IP_FAMILY_V6 ? PLAN_AD_V6 : 0) |
                            (ad->reason ? PLAN_AD_REASON : 0) | (delta ? PLAN_AD_DELTA : 0));
    plan_bytes_put(b, &flags, 1);
    plan_bytes_put(b, &len, 1);
    if (delta)
        plan_put_u128(b, ip->v - prev->prefix.addr.v);
    else
        plan_put_u128(b, ip->v);
    plan_put_varint(b, cls);
    if (ad->reason)
        plan_put_string(w, b, ad->reason);
    plan_put_varint(b, ad->nservices);
    for (size_t i = 0; i < ad->nservices; i++) {
        /* "ns/name": namespaces cannot contain '/', so the first one splits */
        const char *who = ad->services[i], *slash = strchr(who, '/');
        uint64_t ns = slash ? plan_intern_len(w, who, (size_t)(slash - who)) : 0;
        uint64_t name = plan_intern_len(w, slash ? slash + 1 : who, strlen(slash ? slash + 1 : who));
        if (ns == UINT64_MAX || name == UINT64_MAX) {
            b->failed = true;
            return;
        }
        plan_put_varint(b, slash ? ns + 1 : 0);
        plan_put_varint(b, name);
    }
}

/* The classes, copied out of the arrays that are about to be freed; their
 * strings point into the final string table. */
static int
plan_pack_classes(struct plan_packer *w)
{
    struct plan_pack *pk = w->pk;

    pk->classes = arena_alloc(&pk->arena, (pk->nclasses + 1) * sizeof(*pk->classes));
    if (pk->classes == NULL)
        return -1;
    for (size_t i = 0; i < pk->nclasses; i++) {
        const struct plan_advertisement *ad = w->class_of[i];
        struct plan_ad_class *c = &pk->classes[i];

        c->has_local_pref = ad->has_local_pref;
        c->local_pref = ad->local_pref;
        c->communities = arena_alloc(&pk->arena, (ad->ncommunities + 1) * sizeof(uint32_t));
        c->large = arena_alloc(&pk->arena, (ad->nlarge + 1) * sizeof(*c->large));
        c->peers = arena_alloc(&pk->arena, (ad->npeers + 1) * sizeof(*c->peers));
        c->nodes = arena_alloc(&pk->arena, (ad->nnodes + 1) * sizeof(*c->nodes));
        if (!c->communities || !c->large || !c->peers || !c->nodes)
            return -1;
        if (ad->ncommunities)
            memcpy(c->communities, ad->communities, ad->ncommunities * sizeof(uint32_t));
        if (ad->nlarge)
            memcpy(c->large, ad->large, ad->nlarge * sizeof(*c->large));
        c->ncommunities = ad->ncommunities;
        c->nlarge = ad->nlarge;
        for (size_t k = 0; k < ad->npeers; k++) {
            uint64_t off = plan_intern_len(w, ad->peers[k], strlen(ad->peers[k]));
            if (off == UINT64_MAX)
                return -1;
            c->peers[k] = (const char *)(uintptr_t)off; /* fixed up below */
        }
        for (size_t k = 0; k < ad->nnodes; k++) {
            uint64_t off = plan_intern_len(w, ad->nodes[k], strlen(ad->nodes[k]));
            if (off == UINT64_MAX)
                return -1;
            c->nodes[k] = (const char *)(uintptr_t)off;
        }
        c->npeers = ad->npeers;
        c->nnodes = ad->nnodes;
    }
    return 0;
}

static void
plan_pack_fixup(struct plan_pack *pk)
{
    for (size_t i = 0; i < pk->nclasses; i++) {
        struct plan_ad_class *c = &pk->classes[i];
        for (size_t k = 0; k < c->npeers; k++)
            c->peers[k] = pk->strings + (uintptr_t)c->peers[k];
        for (size_t k = 0; k < c->nnodes; k++)
            c->nodes[k] = pk->strings + (uintptr_t)c->nodes[k];
    }
}

void
plan_pack_free(struct plan_pack *pk)
{
    if (pk == NULL)
        return;
    free(pk->strings);
    free(pk->services.v);
    free(pk->ads.v);
    arena_free(&pk->arena);
    free(pk);
}

/* Gives back the unused tail of a buffer. */
static void *
plan_shrink(void *v, size_t n)
{
    void *s = realloc(v, n ? n : 1);

    return s ? s : v;
}

int
plan_pack(struct plan *p)
{
    struct plan_packer w;
    struct plan_pack *pk;
    int rc = -1;

    if (p->packed != NULL)
        return 0;
    pk = calloc(1, sizeof(*pk));
    if (pk == NULL)
        return -1;
    arena_init(&pk->arena, 4096, 0);
    memset(&w, 0, sizeof(w));
    w.pk = pk;
    for (size_t i = 0; i < p->nservices; i++)
        plan_pack_service(&w, &p->services[i]);
    for (size_t i = 0; i < p->nadvertisements; i++)
        plan_pack_ad(&w, &p->advertisements[i], i ? &p->advertisements[i - 1] : NULL);
    if (pk->services.failed || pk->ads.failed || w.strings.failed || plan_pack_classes(&w) != 0)
        goto out;
    pk->strings = plan_shrink(w.strings.v, w.strings.n);
    pk->strings_len = w.strings.n;
    w.strings.v = NULL;
    pk->services.v = plan_shrink(pk->services.v, pk->services.n);
    pk->ads.v = plan_shrink(pk->ads.v, pk->ads.n);
    plan_pack_fixup(pk);
    p->packed = pk;
    pk = NULL;
    p->services = NULL;
    p->advertisements = NULL;
    arena_free(&p->bulk);
    rc = 0;
out:
    free(w.slots);
    free(w.class_of);
    free(w.class_hash);
    free(w.class_slots);
    free(w.strings.v);
    plan_pack_free(pk);
    return rc;
}

size_t
plan_packed_bytes(const struct plan *p)
{
    const struct plan_pack *pk = p->packed;

    return pk ? sizeof(*pk) + pk->strings_len + pk->services.n + pk->ads.n + pk->arena.total : 0;
}

/* ---- reading ------------------------------------------------------------- */

void
plan_reader_init(struct plan_reader *r, const struct plan *p)
{
    memset(r, 0, sizeof(*r));
    r->plan = p;
}

void
plan_reader_free(struct plan_reader *r)
{
    free(r->names);
    free(r->name_buf);
    memset(r, 0, sizeof(*r));
}

/* The packed sections are written by plan_pack() alone; the bounds checks
 * below guard against our own bugs, not against hostile input. */
static ip_u128
plan_get_u128(const struct plan_bytes *b, size_t *off)
{
    ip_u128 x = 0;

    for (unsigned shift = 0; *off < b->n && shift < 128; shift += 7) {
        unsigned char c = b->v[(*off)++];
        x |= (ip_u128)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
    }
    return x;
}

static uint64_t
plan_get_varint(const struct plan_bytes *b, size_t *off)
{
    ip_u128 x = plan_get_u128(b, off);

    return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

static unsigned char
plan_get_u8(const struct plan_bytes *b, size_t *off)
{
    return *off < b->n ? b->v[(*off)++] : 0;
}

static const char *
plan_get_string(const struct plan_pack *pk, const struct plan_bytes *b, size_t *off)
{
    uint64_t x = plan_get_varint(b, off);

    return x < pk->strings_len ? pk->strings + x : "";
}

static const char *
plan_get_opt_string(const struct plan_pack *pk, const struct plan_bytes *b, size_t *off)
{
    uint64_t x = plan_get_varint(b, off);

    return x == 0 || x > pk->strings_len ? NULL : pk->strings + x - 1;
}

static void
plan_get_ip(const struct plan_bytes *b, size_t *off, struct ip_addr *ip)
{
    unsigned n = plan_get_u8(b, off) == 16 ? 16 : 4;

    ip->family = n == 16 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    ip->v = 0;
    for (unsigned i = 0; i < n && *off < b->n; i++)
        ip->v = (ip->v << 8) | b->v[(*off)++];
}


const struct plan_service *
plan_next_service(struct plan_reader *r)
{
    const struct plan *p = r->plan;
    const struct plan_pack *pk = p->packed;
    const struct plan_bytes *b;
    struct plan_service *s = &r->service;
    unsigned char flags;

    if (r->next_service >= p->nservices)
        return NULL;
    if (pk == NULL)
        return &p->services[r->next_service++];
    b = &pk->services;
    memset(s, 0, sizeof(*s));
    flags = plan_get_u8(b, &r->service_off);
    s->status = (enum plan_status)(flags & PLAN_SVC_STATUS);
    s->kind = flags & PLAN_SVC_GATEWAY ? "Gateway" : "Service";
    s->ns = plan_get_string(pk, b, &r->service_off);
    s->name = plan_get_string(pk, b, &r->service_off);
    s->nips = (flags >> PLAN_SVC_NIPS_SHIFT) & 3;
    if (s->nips > 2)
        s->nips = 2;
    for (size_t i = 0; i < s->nips; i++)
        plan_get_ip(b, &r->service_off, &s->ips[i]);
    if (flags & PLAN_SVC_POOL)
        s->pool = plan_get_string(pk, b, &r->service_off);
    if (flags & PLAN_SVC_SHARING)
        s->sharing_key = plan_get_string(pk, b, &r->service_off);
    if (flags & PLAN_SVC_REASON)
        s->reason = plan_get_string(pk, b, &r->service_off);
    r->next_service++;
    return s;
}

/* Room for n "ns/name" strings of up to bytes characters in all. */
static int
plan_reader_room(struct plan_reader *r, size_t n, size_t bytes)
{
    if (n > r->names_cap) {
        void *v = realloc(r->names, n * sizeof(*r->names));
        if (v == NULL)
            return -1;
        r->names = v;
        r->names_cap = n;
    }
    if (bytes > r->name_buf_cap) {
        void *v = realloc(r->name_buf, bytes);
        if (v == NULL)
            return -1;
        r->name_buf = v;
        r->name_buf_cap = bytes;
    }
    return 0;
}

/* Decodes the services of an advertisement into "ns/name" strings. */
static int
plan_get_ad_services(struct plan_reader *r, const struct plan_pack *pk, size_t n)
{
    const struct plan_bytes *b = &pk->ads;
    size_t start = r->ad_off, bytes = 0, at = 0;

    for (size_t i = 0; i < n; i++) { /* first pass: sizes */
        const char *ns = plan_get_opt_string(pk, b, &r->ad_off);
        const char *name = plan_get_string(pk, b, &r->ad_off);
        bytes += (ns ? strlen(ns) + 1 : 0) + strlen(name) + 1;
    }
    if (plan_reader_room(r, n, bytes) != 0)
        return -1;
    r->ad_off = start;
    for (size_t i = 0; i < n; i++) {
        const char *ns = plan_get_opt_string(pk, b, &r->ad_off);
        const char *name = plan_get_string(pk, b, &r->ad_off);
        size_t nl = ns ? strlen(ns) : 0, l = strlen(name);
        char *out = r->name_buf + at;
        if (ns != NULL) {
            memcpy(out, ns, nl);
            out[nl++] = '/';
        }
        memcpy(out + nl, name, l + 1);
        r->names[i] = out;
        at += nl + l + 1;
    }
    return 0;
}

const struct plan_advertisement *
plan_next_advertisement(struct plan_reader *r)
{
    const struct plan *p = r->plan;
    const struct plan_pack *pk = p->packed;
    const struct plan_bytes *b;
    struct plan_advertisement *ad = &r->ad;
    const struct plan_ad_class *c;
    uint64_t cls, n;
    unsigned char flags, len;
    ip_u128 addr;

    if (r->next_ad >= p->nadvertisements)
        return NULL;
    if (pk == NULL)
        return &p->advertisements[r->next_ad++];
    b = &pk->ads;
    flags = plan_get_u8(b, &r->ad_off);
    len = plan_get_u8(b, &r->ad_off);
    addr = plan_get_u128(b, &r->ad_off);
    if (flags & PLAN_AD_DELTA)
        addr += ad->prefix.addr.v; /* ad still holds the previous one */
    memset(ad, 0, sizeof(*ad));
    ad->prefix.addr.family = flags & PLAN_AD_V6 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    ad->prefix.addr.v = addr;
    ad->prefix.len = len;
    cls = plan_get_varint(b, &r->ad_off);
    if (flags & PLAN_AD_REASON)
        ad->reason = plan_get_string(pk, b, &r->ad_off);
    n = plan_get_varint(b, &r->ad_off);
    if (cls >= pk->nclasses || n > b->n || plan_get_ad_services(r, pk, (size_t)n) != 0)
        return NULL;
    c = &pk->classes[cls];
    ad->services = r->names;
    ad->nservices = (size_t)n;
    ad->peers = c->peers;
    ad->npeers = c->npeers;
    ad->nodes = c->nodes;
    ad->nnodes = c->nnodes;
    ad->has_local_pref = c->has_local_pref;
    ad->local_pref = c->local_pref;
    ad->communities = c->communities;
    ad->ncommunities = c->ncommunities;
    ad->large = c->large;
    ad->nlarge = c->nlarge;
    r->next_ad++;
    return ad;
}

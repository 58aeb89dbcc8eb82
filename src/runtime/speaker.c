/*
 * The speaker: which sessions this node runs and what each peer is told.
 *
 * A plan names, per advertisement, the nodes that announce it and the peers
 * that receive it; this node runs a session with every BGPPeer whose nodes
 * include it and gives each exactly the prefixes meant for it. A new plan
 * changes sessions only where the BGPPeer changed (Cease, then a new
 * session) and routes only by difference (the Adj-RIB-Out diff).
 *
 * Shutdown: peers get Cease / Administrative Shutdown, except those with
 * which graceful restart was negotiated: their connection is closed without
 * a NOTIFICATION, so that the router keeps our routes as stale for the
 * restart time (RFC 4724; a Cease would make it withdraw them at once).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/sort.h"
#include "runtime/speaker.h"

/* Restart time advertised with graceful restart: short, so that a node that
 * died for good is not kept as a next hop long (BFD is the cure for that). */
#define RT_GR_TIME_DEFAULT 30

int
rt_speaker_init(struct rt_speaker *sp, struct ev_loop *loop, const char *node)
{
    memset(sp, 0, sizeof(*sp));
    sp->loop = loop;
    sp->node = node;
    sp->gr_time = RT_GR_TIME_DEFAULT;
    sp->pool = bgp_attr_pool_new();
    return sp->pool ? 0 : -1;
}

static bool
rt_has(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void
rt_conf_from(const struct plan_peer *p, struct rt_peer_conf *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", p->name);
    c->address = p->address;
    c->port = p->port;
    c->asn = p->asn;
    c->my_asn = p->my_asn;
    c->dynamic_asn = p->dynamic_asn == NULL ? BGP_DYNAMIC_ASN_NONE
                     : strcmp(p->dynamic_asn, "internal") == 0 ? BGP_DYNAMIC_ASN_INTERNAL
                                                                : BGP_DYNAMIC_ASN_EXTERNAL;
    c->hold_time = p->hold_time;
    c->keepalive_time = p->keepalive_time;
    c->connect_time = p->connect_time;
    if (p->password != NULL)
        snprintf(c->password, sizeof(c->password), "%s", p->password);
    c->has_source = p->has_source_address;
    c->source = p->source_address;
    c->has_router_id = p->has_router_id;
    c->router_id = p->router_id;
    c->ebgp_multihop = p->ebgp_multihop;
    c->graceful_restart = p->graceful_restart;
}

/* ---- routes ------------------------------------------------------------- */

struct rt_entry {
    struct bgp_prefix prefix;
    const struct plan_advertisement *ad;
};

static int
rt_entry_cmp(const void *a, const void *b)
{
    const struct rt_entry *x = a, *y = b;
    int c = memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));

    return c ? c : (x->ad < y->ad ? -1 : x->ad > y->ad);
}

/* One prefix from several advertisements: the first localPref, the union
 * of the communities (MetalLB collapses identical prefixes the same way). */
static int
rt_intern_merged(struct rt_speaker *sp, const struct rt_entry *e, size_t n, uint32_t *id)
{
    size_t nc = 0, nl = 0, cc = 0, cl = 0;
    uint32_t *comm;
    struct bgp_large_community *large;
    struct bgp_attrs a;
    int rc;

    for (size_t i = 0; i < n; i++) {
        cc += e[i].ad->ncommunities;
        cl += e[i].ad->nlarge;
    }
    comm = malloc((cc + 1) * sizeof(*comm));
    large = malloc((cl + 1) * sizeof(*large));
    if (comm == NULL || large == NULL) {
        free(comm);
        free(large);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < e[i].ad->ncommunities; k++)
            comm[nc++] = e[i].ad->communities[k];
        for (size_t k = 0; k < e[i].ad->nlarge; k++) {
            large[nl].global = e[i].ad->large[k].global;
            large[nl].local1 = e[i].ad->large[k].local1;
            large[nl++].local2 = e[i].ad->large[k].local2;
        }
    }
    a.has_local_pref = e[0].ad->has_local_pref;
    a.local_pref = e[0].ad->local_pref;
    a.communities = comm;
    a.ncommunities = nc;
    a.large = large;
    a.nlarge = nl;
    rc = bgp_attr_intern(sp->pool, &a, id);
    free(comm);
    free(large);
    return rc;
}

/* Whether two advertisements give a prefix the same path attributes. */
static bool
rt_same_attrs(const struct plan_advertisement *x, const struct plan_advertisement *y)
{
    return x->has_local_pref == y->has_local_pref && x->local_pref == y->local_pref &&
           x->ncommunities == y->ncommunities && x->nlarge == y->nlarge &&
           (x->ncommunities == 0 ||
            memcmp(x->communities, y->communities, x->ncommunities * sizeof(*x->communities)) == 0) &&
           (x->nlarge == 0 || memcmp(x->large, y->large, x->nlarge * sizeof(*x->large)) == 0);
}

/* The routes the plan has this node give peer. */
static void
rt_peer_routes(struct rt_speaker *sp, struct rt_peer *peer, const struct plan *p)
{
    struct rt_entry *e = malloc((p->nadvertisements + 1) * sizeof(*e));
    struct bgp_route *routes = malloc((p->nadvertisements + 1) * sizeof(*routes));
    const struct plan_advertisement *last = NULL;
    uint32_t last_id = 0;
    size_t n = 0, nr = 0;

    if (e == NULL || routes == NULL)
        goto out;
    for (size_t i = 0; i < p->nadvertisements; i++) {
        const struct plan_advertisement *ad = &p->advertisements[i];
        if (!rt_has(ad->nodes, ad->nnodes, sp->node) ||
            !rt_has(ad->peers, ad->npeers, peer->conf.name))
            continue;
        memset(&e[n].prefix, 0, sizeof(e[n].prefix));
        if (bgp_prefix_from_ip(&ad->prefix, &e[n].prefix) == 0)
            e[n++].ad = ad;
    }
    sort_big(e, n, sizeof(*e), rt_entry_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && memcmp(&e[j].prefix, &e[i].prefix, sizeof(e[i].prefix)) == 0)
            j++;
        /* Most prefixes come from one advertisement with the attributes of
         * the one before: take another reference instead of interning. */
        if (j - i == 1 && last != NULL && rt_same_attrs(last, e[i].ad)) {
            bgp_attr_ref(sp->pool, last_id);
            routes[nr].attr = last_id;
            routes[nr++].prefix = e[i].prefix;
        } else if (rt_intern_merged(sp, e + i, j - i, &routes[nr].attr) == 0) {
            last = j - i == 1 ? e[i].ad : NULL;
            last_id = routes[nr].attr;
            routes[nr++].prefix = e[i].prefix;
        }
        i = j;
    }
    if (bgp_adj_out_set(peer->rib, routes, nr) != 0)
        log_error("bgp", "peer %s: cannot update its routes (out of memory)", peer->conf.name);
    for (size_t i = 0; i < nr; i++) /* the Adj-RIB-Out holds its own references */
        bgp_attr_unref(sp->pool, routes[i].attr);
    rt_peer_pump(peer);
out:
    free(e);
    free(routes);
}

/* ---- sessions ----------------------------------------------------------- */

static const struct plan_peer *
rt_plan_peer(const struct rt_speaker *sp, const struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->npeers; i++)
        if (strcmp(p->peers[i].name, name) == 0 &&
            rt_has(p->peers[i].nodes, p->peers[i].nnodes, sp->node))
            return &p->peers[i];
    return NULL;
}

static void
rt_peer_remove(struct rt_speaker *sp, struct rt_peer *peer, uint8_t subcode, const char *why)
{
    struct rt_peer **pp = &sp->peers;

    while (*pp != peer)
        pp = &(*pp)->next;
    *pp = peer->next;
    log_info("bgp", "peer %s: %s", peer->conf.name, why);
    rt_peer_stop(peer, subcode, NULL);
    rt_peer_free(peer);
}

void
rt_speaker_apply(struct rt_speaker *sp, const struct plan *p)
{
    struct rt_peer *peer, *next;

    for (peer = sp->peers; peer != NULL; peer = next) {
        const struct plan_peer *want = rt_plan_peer(sp, p, peer->conf.name);
        struct rt_peer_conf conf;
        next = peer->next;
        if (want == NULL) {
            rt_peer_remove(sp, peer, BGP_CEASE_PEER_DECONFIGURED, "removed from the configuration");
            continue;
        }
        rt_conf_from(want, &conf);
        if (memcmp(&conf, &peer->conf, sizeof(conf)) != 0)
            rt_peer_remove(sp, peer, BGP_CEASE_OTHER_CONFIG_CHANGE,
                           "configuration changed: restarting the session");
    }
    for (size_t i = 0; i < p->npeers; i++) {
        struct rt_peer_conf conf;
        bool found = false;
        if (!rt_has(p->peers[i].nodes, p->peers[i].nnodes, sp->node))
            continue;
        for (peer = sp->peers; peer != NULL && !found; peer = peer->next)
            found = strcmp(peer->conf.name, p->peers[i].name) == 0;
        if (found)
            continue;
        rt_conf_from(&p->peers[i], &conf);
        peer = rt_peer_new(sp, &conf);
        if (peer == NULL)
            continue;
        peer->next = sp->peers;
        sp->peers = peer;
        rt_peer_start(peer);
    }
    for (peer = sp->peers; peer != NULL; peer = peer->next)
        rt_peer_routes(sp, peer, p);
}

void
rt_speaker_shutdown(struct rt_speaker *sp)
{
    while (sp->peers != NULL) {
        struct rt_peer *peer = sp->peers;
        sp->peers = peer->next;
        if (peer->fsm.state == BGP_STATE_ESTABLISHED && peer->fsm.session.peer_gr &&
            peer->conf.graceful_restart)
            log_info("bgp", "peer %s: closing without NOTIFICATION (graceful restart: the "
                     "router keeps our routes for %us)", peer->conf.name, sp->gr_time);
        else
            rt_peer_stop(peer, BGP_CEASE_ADMIN_SHUTDOWN, "metalgate is stopping");
        rt_peer_free(peer);
    }
}

void
rt_speaker_free(struct rt_speaker *sp)
{
    while (sp->peers != NULL) {
        struct rt_peer *peer = sp->peers;
        sp->peers = peer->next;
        rt_peer_free(peer);
    }
    bgp_attr_pool_free(sp->pool);
    sp->pool = NULL;
}

/* ---- status and metrics ------------------------------------------------- */

void
rt_speaker_status_json(const struct rt_speaker *sp, FILE *out)
{
    char a[IP_STRLEN];
    bool first = true;

    fputs(",\n  \"sessions\": [", out);
    for (const struct rt_peer *peer = sp->peers; peer != NULL; peer = peer->next) {
        struct bgp_adj_out_stats st;
        bgp_adj_out_stats(peer->rib, &st);
        fprintf(out,
                "%s\n    {\"name\": \"%s\", \"address\": \"%s\", \"state\": \"%s\", "
                "\"established\": %s, \"establishedCount\": %u,\n     \"prefixesAdvertised\": %zu, \"prefixesPending\": "
                "%zu, \"updatesSent\": %" PRIu64 ", \"updatesReceived\": %" PRIu64
                ", \"prefixesReceived\": %" PRIu64 ",\n     \"lastError\": ",
                first ? "" : ",", peer->conf.name, ip_format(&peer->conf.address, a),
                bgp_state_name(peer->fsm.state),
                peer->fsm.state == BGP_STATE_ESTABLISHED ? "true" : "false",
                peer->fsm.established_count, st.advertised[0] + st.advertised[1], st.pending_announce + st.pending_withdraw,
                peer->updates_sent, peer->updates_received, peer->prefixes_received);
        if (peer->last_error[0] == '\0')
            fputs("null}", out);
        else {
            fputc('"', out);
            for (const char *p = peer->last_error; *p; p++)
                fputs(*p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : (char[2]){*p, 0}, out);
            fputs("\"}", out);
        }
        first = false;
    }
    fputs(first ? "]" : "\n  ]", out);
}

void
rt_speaker_metrics(const struct rt_speaker *sp, FILE *out)
{
    static const char *const names[][2] = {
        {"metallb_bgp_session_up", "BGP session state (1 is up, 0 is down)."},
        {"metallb_bgp_announced_prefixes_total", "Number of prefixes currently advertised."},
        {"metallb_bgp_pending_prefixes_total", "Number of prefixes waiting to be advertised."},
        {"metallb_bgp_updates_total", "Number of BGP UPDATE messages sent."},
        {"metalgate_bgp_updates_received_total", "Number of BGP UPDATE messages received."},
        {"metalgate_bgp_notifications_sent_total", "Number of NOTIFICATION messages sent."},
        {"metalgate_bgp_notifications_received_total", "Number of NOTIFICATION messages received."},
    };
    char a[IP_STRLEN];

    for (size_t m = 0; m < sizeof(names) / sizeof(names[0]); m++) {
        bool counter = strstr(names[m][0], "_total") != NULL && m >= 3;
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", names[m][0], names[m][1], names[m][0],
                counter ? "counter" : "gauge");
        for (const struct rt_peer *peer = sp->peers; peer != NULL; peer = peer->next) {
            struct bgp_adj_out_stats st;
            uint64_t v[] = {peer->fsm.state == BGP_STATE_ESTABLISHED, 0, 0, peer->updates_sent,
                            peer->updates_received, peer->notifications_sent,
                            peer->notifications_received};
            bgp_adj_out_stats(peer->rib, &st);
            v[1] = st.advertised[0] + st.advertised[1];
            v[2] = st.pending_announce + st.pending_withdraw;
            fprintf(out, "%s{peer=\"%s:%u\",name=\"%s\"} %" PRIu64 "\n", names[m][0],
                    ip_format(&peer->conf.address, a), peer->conf.port, peer->conf.name, v[m]);
        }
    }
}

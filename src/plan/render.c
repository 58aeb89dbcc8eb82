/* The plan as JSON (the contract of docs/cli.md) and as a compact table. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

const char *
plan_status_name(enum plan_status s)
{
    switch (s) {
    case PLAN_ALLOCATED:
        return "allocated";
    case PLAN_PENDING:
        return "pending";
    case PLAN_ERROR:
        return "error";
    }
    return "error";
}

static json_t *
plan_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
plan_json_strings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *
plan_json_service(const struct plan_service *s)
{
    json_t *o = json_object(), *ips = json_array();
    char buf[IP_STRLEN];

    for (size_t i = 0; i < s->nips; i++)
        json_array_append_new(ips, json_string(ip_format(&s->ips[i], buf)));
    json_object_set_new(o, "namespace", json_string(s->ns));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "kind", json_string(s->kind));
    json_object_set_new(o, "ips", ips);
    json_object_set_new(o, "pool", plan_json_str(s->pool));
    json_object_set_new(o, "sharingKey", plan_json_str(s->sharing_key));
    json_object_set_new(o, "status", json_string(plan_status_name(s->status)));
    json_object_set_new(o, "reason", plan_json_str(s->reason));
    return o;
}

static json_t *
plan_json_advertisement(const struct plan_advertisement *a)
{
    json_t *o = json_object(), *comm = json_array(), *large = json_array();
    char buf[IP_STRLEN];

    for (size_t i = 0; i < a->ncommunities; i++) {
        char c[24];
        snprintf(c, sizeof(c), "%u:%u", a->communities[i] >> 16, a->communities[i] & 0xffff);
        json_array_append_new(comm, json_string(c));
    }
    for (size_t i = 0; i < a->nlarge; i++) {
        char c[40];
        snprintf(c, sizeof(c), "%u:%u:%u", a->large[i].global, a->large[i].local1,
                 a->large[i].local2);
        json_array_append_new(large, json_string(c));
    }
    json_object_set_new(o, "prefix", json_string(ip_prefix_format(&a->prefix, buf)));
    json_object_set_new(o, "services", plan_json_strings(a->services, a->nservices));
    json_object_set_new(o, "peers", plan_json_strings(a->peers, a->npeers));
    json_object_set_new(o, "localPref",
                        a->has_local_pref ? json_integer(a->local_pref) : json_null());
    json_object_set_new(o, "communities", comm);
    json_object_set_new(o, "largeCommunities", large);
    json_object_set_new(o, "nodes", plan_json_strings(a->nodes, a->nnodes));
    json_object_set_new(o, "reason", plan_json_str(a->reason));
    return o;
}

static json_t *
plan_json_peer(const struct plan_peer *p)
{
    json_t *o = json_object();
    char buf[IP_STRLEN];

    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "address", json_string(ip_format(&p->address, buf)));
    json_object_set_new(o, "asn", p->dynamic_asn ? json_null() : json_integer(p->asn));
    if (p->dynamic_asn)
        json_object_set_new(o, "dynamicASN", json_string(p->dynamic_asn));
    json_object_set_new(o, "myAsn", json_integer(p->my_asn));
    json_object_set_new(o, "port", json_integer(p->port));
    json_object_set_new(o, "holdTime", json_integer(p->hold_time));
    json_object_set_new(o, "keepaliveTime", json_integer(p->keepalive_time));
    json_object_set_new(o, "bfdProfile", plan_json_str(p->bfd_profile));
    json_object_set_new(o, "nodes", plan_json_strings(p->nodes, p->nnodes));
    return o;
}

char *
plan_render_json(const struct plan *p)
{
    json_t *root = json_object(), *svcs = json_array(), *ads = json_array(), *peers = json_array();
    char *text;

    json_object_set_new(root, "node", plan_json_str(p->node));
    for (size_t i = 0; i < p->nservices; i++)
        json_array_append_new(svcs, plan_json_service(&p->services[i]));
    for (size_t i = 0; i < p->nadvertisements; i++)
        json_array_append_new(ads, plan_json_advertisement(&p->advertisements[i]));
    for (size_t i = 0; i < p->npeers; i++)
        json_array_append_new(peers, plan_json_peer(&p->peers[i]));
    json_object_set_new(root, "services", svcs);
    json_object_set_new(root, "advertisements", ads);
    json_object_set_new(root, "peers", peers);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return text;
}

static void
plan_text_list(FILE *out, const char *const *v, size_t n)
{
    if (n == 0)
        fputs("-", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? "," : "", v[i]);
}

void
plan_render_text(const struct plan *p, FILE *out)
{
    char buf[IP_STRLEN], buf2[IP_STRLEN];

    fprintf(out, "node: %s\n\nSERVICES\n", p->node ? p->node : "-");
    fprintf(out, "%-8s %-40s %-10s %-32s %s\n", "KIND", "NAMESPACE/NAME", "STATUS", "IPS", "POOL / REASON");
    for (size_t i = 0; i < p->nservices; i++) {
        const struct plan_service *s = &p->services[i];
        char ips[2 * IP_STRLEN + 2] = "-", who[300];
        if (s->nips)
            snprintf(ips, sizeof(ips), "%s%s%s", ip_format(&s->ips[0], buf), s->nips > 1 ? "," : "",
                     s->nips > 1 ? ip_format(&s->ips[1], buf2) : "");
        snprintf(who, sizeof(who), "%s/%s", s->ns, s->name);
        fprintf(out, "%-8s %-40s %-10s %-32s %s%s%s\n", s->kind, who, plan_status_name(s->status),
                ips, s->pool ? s->pool : "-", s->reason ? " / " : "", s->reason ? s->reason : "");
    }
    fprintf(out, "\nADVERTISEMENTS\n%-24s %-24s %-24s %s\n", "PREFIX", "PEERS", "NODES", "SERVICES / REASON");
    for (size_t i = 0; i < p->nadvertisements; i++) {
        const struct plan_advertisement *a = &p->advertisements[i];
        fprintf(out, "%-24s ", ip_prefix_format(&a->prefix, buf));
        plan_text_list(out, a->peers, a->npeers);
        fputs("  ", out);
        plan_text_list(out, a->nodes, a->nnodes);
        fputs("  ", out);
        plan_text_list(out, a->services, a->nservices);
        fprintf(out, "%s%s\n", a->reason ? " / " : "", a->reason ? a->reason : "");
    }
    fprintf(out, "\nPEERS\n%-24s %-40s %-12s %-8s %s\n", "NAME", "ADDRESS", "ASN", "MY ASN", "NODES");
    for (size_t i = 0; i < p->npeers; i++) {
        const struct plan_peer *q = &p->peers[i];
        char asn[16];
        snprintf(asn, sizeof(asn), "%u", q->asn);
        fprintf(out, "%-24s %-40s %-12s %-8u ", q->name, ip_format(&q->address, buf),
                q->dynamic_asn ? q->dynamic_asn : asn, q->my_asn);
        plan_text_list(out, q->nodes, q->nnodes);
        fputc('\n', out);
    }
}

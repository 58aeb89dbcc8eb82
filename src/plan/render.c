/* The plan as JSON (the contract of docs/cli.md) and as a compact table. */
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

/*
 * The JSON is written as a stream: at 100,000 Services a document tree
 * (jansson) cost seconds and hundreds of megabytes for nothing. The layout
 * is fixed (2-space indent, one field per line), the content is the contract.
 */
static void
plan_json_string(FILE *out, const char *s)
{
    if (s == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void
plan_json_key(FILE *out, int indent, const char *key, bool first)
{
    fprintf(out, "%s\n%*s\"%s\": ", first ? "" : ",", indent, "", key);
}

static void
plan_json_strings(FILE *out, const char *const *v, size_t n)
{
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        plan_json_string(out, v[i]);
    }
    fputc(']', out);
}

static void
plan_json_service(FILE *out, const struct plan_service *s)
{
    char buf[IP_STRLEN];

    fputs("    {", out);
    plan_json_key(out, 6, "namespace", true);
    plan_json_string(out, s->ns);
    plan_json_key(out, 6, "name", false);
    plan_json_string(out, s->name);
    plan_json_key(out, 6, "kind", false);
    plan_json_string(out, s->kind);
    plan_json_key(out, 6, "ips", false);
    fputc('[', out);
    for (size_t i = 0; i < s->nips; i++)
        fprintf(out, "%s\"%s\"", i ? ", " : "", ip_format(&s->ips[i], buf));
    fputc(']', out);
    plan_json_key(out, 6, "pool", false);
    plan_json_string(out, s->pool);
    plan_json_key(out, 6, "sharingKey", false);
    plan_json_string(out, s->sharing_key);
    plan_json_key(out, 6, "status", false);
    plan_json_string(out, plan_status_name(s->status));
    plan_json_key(out, 6, "reason", false);
    plan_json_string(out, s->reason);
    fputs("\n    }", out);
}

static void
plan_json_advertisement(FILE *out, const struct plan_advertisement *a)
{
    char buf[IP_STRLEN];

    fputs("    {", out);
    plan_json_key(out, 6, "prefix", true);
    plan_json_string(out, ip_prefix_format(&a->prefix, buf));
    plan_json_key(out, 6, "services", false);
    plan_json_strings(out, a->services, a->nservices);
    plan_json_key(out, 6, "peers", false);
    plan_json_strings(out, a->peers, a->npeers);
    plan_json_key(out, 6, "localPref", false);
    if (a->has_local_pref)
        fprintf(out, "%u", a->local_pref);
    else
        fputs("null", out);
    plan_json_key(out, 6, "communities", false);
    fputc('[', out);
    for (size_t i = 0; i < a->ncommunities; i++)
        fprintf(out, "%s\"%u:%u\"", i ? ", " : "", a->communities[i] >> 16,
                a->communities[i] & 0xffff);
    fputc(']', out);
    plan_json_key(out, 6, "largeCommunities", false);
    fputc('[', out);
    for (size_t i = 0; i < a->nlarge; i++)
        fprintf(out, "%s\"%u:%u:%u\"", i ? ", " : "", a->large[i].global, a->large[i].local1,
                a->large[i].local2);
    fputc(']', out);
    plan_json_key(out, 6, "nodes", false);
    plan_json_strings(out, a->nodes, a->nnodes);
    plan_json_key(out, 6, "reason", false);
    plan_json_string(out, a->reason);
    fputs("\n    }", out);
}

static void
plan_json_peer(FILE *out, const struct plan_peer *p)
{
    char buf[IP_STRLEN];

    fputs("    {", out);
    plan_json_key(out, 6, "name", true);
    plan_json_string(out, p->name);
    plan_json_key(out, 6, "address", false);
    plan_json_string(out, ip_format(&p->address, buf));
    plan_json_key(out, 6, "asn", false);
    if (p->dynamic_asn)
        fputs("null", out);
    else
        fprintf(out, "%u", p->asn);
    if (p->dynamic_asn) {
        plan_json_key(out, 6, "dynamicASN", false);
        plan_json_string(out, p->dynamic_asn);
    }
    plan_json_key(out, 6, "myAsn", false);
    fprintf(out, "%u", p->my_asn);
    plan_json_key(out, 6, "port", false);
    fprintf(out, "%u", p->port);
    plan_json_key(out, 6, "holdTime", false);
    fprintf(out, "%u", p->hold_time);
    plan_json_key(out, 6, "keepaliveTime", false);
    fprintf(out, "%u", p->keepalive_time);
    plan_json_key(out, 6, "bfdProfile", false);
    plan_json_string(out, p->bfd_profile);
    plan_json_key(out, 6, "nodes", false);
    plan_json_strings(out, p->nodes, p->nnodes);
    fputs("\n    }", out);
}

/* ---- gateways, routes, policies ---- */

/* How an empty set of effective hostnames (every host) is shown. */
static const char *const plan_any_host[] = {"*"};

static void
plan_json_conditions(FILE *out, int indent, const struct plan_condition *v, size_t n)
{
    fputs(n ? "[\n" : "[", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%*s{\"type\": ", indent + 2, "");
        plan_json_string(out, v[i].type);
        fprintf(out, ", \"status\": \"%s\", \"reason\": ", v[i].status ? "True" : "False");
        plan_json_string(out, v[i].reason);
        fputs(", \"message\": ", out);
        plan_json_string(out, v[i].message);
        fprintf(out, "}%s", i + 1 < n ? ",\n" : "");
    }
    if (n)
        fprintf(out, "\n%*s", indent, "");
    fputc(']', out);
}

static void
plan_json_listener(FILE *out, const struct plan_listener *l)
{
    fputs("        {", out);
    plan_json_key(out, 10, "name", true);
    plan_json_string(out, l->name);
    plan_json_key(out, 10, "port", false);
    fprintf(out, "%u", l->port);
    plan_json_key(out, 10, "protocol", false);
    plan_json_string(out, l->protocol);
    plan_json_key(out, 10, "hostname", false);
    plan_json_string(out, l->hostname);
    plan_json_key(out, 10, "attachedRoutes", false);
    fprintf(out, "%u", l->attached_routes);
    plan_json_key(out, 10, "conditions", false);
    plan_json_conditions(out, 10, l->conditions, l->nconditions);
    fputs("\n        }", out);
}

static void
plan_json_gateway(FILE *out, const struct plan_gateway *g)
{
    char buf[IP_STRLEN];

    fputs("    {", out);
    plan_json_key(out, 6, "namespace", true);
    plan_json_string(out, g->ns);
    plan_json_key(out, 6, "name", false);
    plan_json_string(out, g->name);
    plan_json_key(out, 6, "addresses", false);
    fputc('[', out);
    for (size_t i = 0; i < g->nips; i++)
        fprintf(out, "%s\"%s\"", i ? ", " : "", ip_format(&g->ips[i], buf));
    fputc(']', out);
    plan_json_key(out, 6, "conditions", false);
    plan_json_conditions(out, 6, g->conditions, g->nconditions);
    plan_json_key(out, 6, "listeners", false);
    fputs(g->nlisteners ? "[\n" : "[", out);
    for (size_t i = 0; i < g->nlisteners; i++) {
        plan_json_listener(out, &g->listeners[i]);
        fputs(i + 1 < g->nlisteners ? ",\n" : "\n      ", out);
    }
    fputs("]\n    }", out);
}

/* The effective hostnames per listener name; an empty set is every host. */
static void
plan_json_bindings(FILE *out, const struct plan *p, const struct plan_route_parent *r)
{
    const struct plan_gateway *g = &p->gateways[r->gateway];

    fputc('{', out);
    for (size_t i = 0; i < r->nbindings; i++) {
        const struct plan_route_binding *b = &r->bindings[i];
        fputs(i ? ", " : "", out);
        plan_json_string(out, g->listeners[b->listener].name);
        fputs(": ", out);
        if (b->nhostnames == 0)
            plan_json_strings(out, plan_any_host, 1);
        else
            plan_json_strings(out, b->hostnames, b->nhostnames);
    }
    fputc('}', out);
}

static void
plan_json_parent(FILE *out, const struct plan *p, const struct plan_route_parent *r)
{
    fputs("        {", out);
    plan_json_key(out, 10, "gateway", true);
    plan_json_string(out, r->gateway_ref);
    plan_json_key(out, 10, "sectionName", false);
    plan_json_string(out, r->section_name);
    plan_json_key(out, 10, "port", false);
    if (r->port)
        fprintf(out, "%u", r->port);
    else
        fputs("null", out);
    plan_json_key(out, 10, "conditions", false);
    plan_json_conditions(out, 10, r->conditions, r->nconditions);
    plan_json_key(out, 10, "hostnames", false);
    plan_json_bindings(out, p, r);
    fputs("\n        }", out);
}

static void
plan_json_route(FILE *out, const struct plan *p, const struct plan_route *r)
{
    fputs("    {", out);
    plan_json_key(out, 6, "namespace", true);
    plan_json_string(out, r->ns);
    plan_json_key(out, 6, "name", false);
    plan_json_string(out, r->name);
    plan_json_key(out, 6, "kind", false);
    plan_json_string(out, r->kind);
    plan_json_key(out, 6, "parents", false);
    fputs(r->nparents ? "[\n" : "[", out);
    for (size_t i = 0; i < r->nparents; i++) {
        plan_json_parent(out, p, &r->parents[i]);
        fputs(i + 1 < r->nparents ? ",\n" : "\n      ", out);
    }
    fputs("]\n    }", out);
}

static void
plan_json_policy(FILE *out, const struct plan_policy *q)
{
    fputs("    {", out);
    plan_json_key(out, 6, "kind", true);
    plan_json_string(out, q->kind);
    plan_json_key(out, 6, "namespace", false);
    plan_json_string(out, q->ns);
    plan_json_key(out, 6, "name", false);
    plan_json_string(out, q->name);
    plan_json_key(out, 6, "targetRef", false);
    plan_json_string(out, q->target);
    plan_json_key(out, 6, "conditions", false);
    plan_json_conditions(out, 6, q->conditions, q->nconditions);
    fputs("\n    }", out);
}

static void
plan_json_gateway_sections(const struct plan *p, FILE *out)
{
    plan_json_key(out, 2, "gateways", false);
    fputs(p->ngateways ? "[\n" : "[", out);
    for (size_t i = 0; i < p->ngateways; i++) {
        plan_json_gateway(out, &p->gateways[i]);
        fputs(i + 1 < p->ngateways ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
    plan_json_key(out, 2, "routes", false);
    fputs(p->nroutes ? "[\n" : "[", out);
    for (size_t i = 0; i < p->nroutes; i++) {
        plan_json_route(out, p, &p->routes[i]);
        fputs(i + 1 < p->nroutes ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
    plan_json_key(out, 2, "policies", false);
    fputs(p->npolicies ? "[\n" : "[", out);
    for (size_t i = 0; i < p->npolicies; i++) {
        plan_json_policy(out, &p->policies[i]);
        fputs(i + 1 < p->npolicies ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
}

int
plan_render_json(const struct plan *p, FILE *out)
{
    return plan_render_json_with(p, out, NULL, NULL);
}

int
plan_render_json_with(const struct plan *p, FILE *out, void (*extra)(void *ctx, FILE *out),
                      void *ctx)
{
    struct plan_reader r;
    const struct plan_service *s;
    const struct plan_advertisement *a;

    fputc('{', out);
    plan_json_key(out, 2, "node", true);
    plan_json_string(out, p->node);
    plan_reader_init(&r, p);
    plan_json_key(out, 2, "services", false);
    fputs(p->nservices ? "[\n" : "[", out);
    for (size_t i = 0; (s = plan_next_service(&r)) != NULL; i++) {
        plan_json_service(out, s);
        fputs(i + 1 < p->nservices ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
    plan_json_key(out, 2, "advertisements", false);
    fputs(p->nadvertisements ? "[\n" : "[", out);
    for (size_t i = 0; (a = plan_next_advertisement(&r)) != NULL; i++) {
        plan_json_advertisement(out, a);
        fputs(i + 1 < p->nadvertisements ? ",\n" : "\n  ", out);
    }
    plan_reader_free(&r);
    fputc(']', out);
    plan_json_key(out, 2, "peers", false);
    fputs(p->npeers ? "[\n" : "[", out);
    for (size_t i = 0; i < p->npeers; i++) {
        plan_json_peer(out, &p->peers[i]);
        fputs(i + 1 < p->npeers ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
    plan_json_key(out, 2, "pools", false);
    fputs(p->npools ? "[\n" : "[", out);
    for (size_t i = 0; i < p->npools; i++) {
        const struct plan_pool *q = &p->pools[i];
        fputs("    {", out);
        plan_json_key(out, 6, "name", true);
        plan_json_string(out, q->name);
        fprintf(out, ",\n      \"assignedIPv4\": %lld,\n      \"assignedIPv6\": %lld,"
                     "\n      \"availableIPv4\": %lld,\n      \"availableIPv6\": %lld\n    }",
                (long long)q->assigned_v4, (long long)q->assigned_v6, (long long)q->available_v4,
                (long long)q->available_v6);
        fputs(i + 1 < p->npools ? ",\n" : "\n  ", out);
    }
    fputc(']', out);
    plan_json_gateway_sections(p, out);
    if (extra != NULL)
        extra(ctx, out);
    fputs("\n}\n", out);
    return ferror(out) ? -1 : 0;
}

static void
plan_text_append_ip(char *buf, size_t cap, const struct ip_addr *ip)
{
    char one[IP_STRLEN];
    size_t len = strlen(buf);

    snprintf(buf + len, cap - len, ",%s", ip_format(ip, one));
}

static void
plan_text_list(FILE *out, const char *const *v, size_t n)
{
    if (n == 0)
        fputs("-", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? "," : "", v[i]);
}

/* "True", or "False/Reason" (the reason says more than "False"). */
static const char *
plan_text_cond(const struct plan_condition *v, size_t n, const char *type, char *buf, size_t cap)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].type, type) == 0) {
            snprintf(buf, cap, "%s%s%s", v[i].status ? "True" : "False", v[i].status ? "" : "/",
                     v[i].status ? "" : v[i].reason);
            return buf;
        }
    return "-";
}

static void
plan_text_gateways(const struct plan *p, FILE *out)
{
    char buf[IP_STRLEN], who[300], ips[2 * IP_STRLEN + 2], a[64], g[64];

    fprintf(out, "\nGATEWAYS\n%-40s %-32s %-24s %-24s %s\n", "NAMESPACE/NAME", "ADDRESSES",
            "ACCEPTED", "PROGRAMMED", "LISTENERS");
    for (size_t i = 0; i < p->ngateways; i++) {
        const struct plan_gateway *gw = &p->gateways[i];
        snprintf(who, sizeof(who), "%s/%s", gw->ns, gw->name);
        snprintf(ips, sizeof(ips), "%s", gw->nips ? ip_format(&gw->ips[0], buf) : "-");
        if (gw->nips > 1)
            plan_text_append_ip(ips, sizeof(ips), &gw->ips[1]);
        fprintf(out, "%-40s %-32s %-24s %-24s ", who, ips,
                plan_text_cond(gw->conditions, gw->nconditions, "Accepted", a, sizeof(a)),
                plan_text_cond(gw->conditions, gw->nconditions, "Programmed", g, sizeof(g)));
        for (size_t j = 0; j < gw->nlisteners; j++) {
            const struct plan_listener *l = &gw->listeners[j];
            fprintf(out, "%s%s:%u/%s", j ? "," : "", l->name, l->port, l->protocol);
            if (l->programmed)
                fprintf(out, "=%u", l->attached_routes);
            else
                fprintf(out, "!%s",
                        plan_text_cond(l->conditions, l->nconditions, "Programmed", a, sizeof(a)));
        }
        fputc('\n', out);
    }
}

static void
plan_text_bindings(const struct plan *p, const struct plan_route_parent *r, FILE *out)
{
    const struct plan_gateway *gw = &p->gateways[r->gateway];

    if (r->nbindings == 0)
        fputs("-", out);
    for (size_t i = 0; i < r->nbindings; i++) {
        const struct plan_route_binding *b = &r->bindings[i];
        fprintf(out, "%s%s=", i ? " " : "", gw->listeners[b->listener].name);
        if (b->nhostnames == 0)
            fputs("*", out);
        else
            plan_text_list(out, b->hostnames, b->nhostnames);
    }
}

static void
plan_text_routes(const struct plan *p, FILE *out)
{
    char who[300], parent[400], a[64], r[64];

    fprintf(out, "\nROUTES\n%-40s %-40s %-32s %-24s %s\n", "NAMESPACE/NAME", "PARENT", "ACCEPTED",
            "RESOLVEDREFS", "HOSTNAMES");
    for (size_t i = 0; i < p->nroutes; i++) {
        const struct plan_route *rt = &p->routes[i];
        snprintf(who, sizeof(who), "%s/%s", rt->ns, rt->name);
        if (rt->nparents == 0)
            fprintf(out, "%-40s %-40s %-32s %-24s -\n", who, "-", "-", "-");
        for (size_t j = 0; j < rt->nparents; j++) {
            const struct plan_route_parent *pr = &rt->parents[j];
            snprintf(parent, sizeof(parent), "%s%s%s", pr->gateway_ref, pr->section_name ? "/" : "",
                     pr->section_name ? pr->section_name : "");
            fprintf(out, "%-40s %-40s %-32s %-24s ", who, parent,
                    plan_text_cond(pr->conditions, pr->nconditions, "Accepted", a, sizeof(a)),
                    plan_text_cond(pr->conditions, pr->nconditions, "ResolvedRefs", r, sizeof(r)));
            plan_text_bindings(p, pr, out);
            fputc('\n', out);
        }
    }
}

static void
plan_text_policies(const struct plan *p, FILE *out)
{
    char who[300], a[64], e[64];

    fprintf(out, "\nPOLICIES\n%-16s %-40s %-32s %-24s %s\n", "KIND", "NAMESPACE/NAME", "TARGET",
            "ACCEPTED", "ENFORCED");
    for (size_t i = 0; i < p->npolicies; i++) {
        const struct plan_policy *q = &p->policies[i];
        snprintf(who, sizeof(who), "%s/%s", q->ns, q->name);
        fprintf(out, "%-16s %-40s %-32s %-24s %s\n", q->kind, who, q->target,
                plan_text_cond(q->conditions, q->nconditions, "Accepted", a, sizeof(a)),
                plan_text_cond(q->conditions, q->nconditions, "Enforced", e, sizeof(e)));
    }
}

void
plan_render_text(const struct plan *p, FILE *out)
{
    char buf[IP_STRLEN], buf2[IP_STRLEN];
    struct plan_reader r;
    const struct plan_service *s;
    const struct plan_advertisement *a;

    fprintf(out, "node: %s\n\nSERVICES\n", p->node ? p->node : "-");
    fprintf(out, "%-8s %-40s %-10s %-32s %s\n", "KIND", "NAMESPACE/NAME", "STATUS", "IPS", "POOL / REASON");
    plan_reader_init(&r, p);
    while ((s = plan_next_service(&r)) != NULL) {
        char ips[2 * IP_STRLEN + 2] = "-", who[300];
        if (s->nips)
            snprintf(ips, sizeof(ips), "%s%s%s", ip_format(&s->ips[0], buf), s->nips > 1 ? "," : "",
                     s->nips > 1 ? ip_format(&s->ips[1], buf2) : "");
        snprintf(who, sizeof(who), "%s/%s", s->ns, s->name);
        fprintf(out, "%-8s %-40s %-10s %-32s %s%s%s\n", s->kind, who, plan_status_name(s->status),
                ips, s->pool ? s->pool : "-", s->reason ? " / " : "", s->reason ? s->reason : "");
    }
    fprintf(out, "\nADVERTISEMENTS\n%-24s %-24s %-24s %s\n", "PREFIX", "PEERS", "NODES", "SERVICES / REASON");
    while ((a = plan_next_advertisement(&r)) != NULL) {
        fprintf(out, "%-24s ", ip_prefix_format(&a->prefix, buf));
        plan_text_list(out, a->peers, a->npeers);
        fputs("  ", out);
        plan_text_list(out, a->nodes, a->nnodes);
        fputs("  ", out);
        plan_text_list(out, a->services, a->nservices);
        fprintf(out, "%s%s\n", a->reason ? " / " : "", a->reason ? a->reason : "");
    }
    plan_reader_free(&r);
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
    /* Shown only when there is something: MetalLB-only plans stay as they were. */
    if (p->ngateways > 0)
        plan_text_gateways(p, out);
    if (p->nroutes > 0)
        plan_text_routes(p, out);
    if (p->npolicies > 0)
        plan_text_policies(p, out);
}

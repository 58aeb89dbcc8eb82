/* What the admin endpoint serves: the running plan plus live state as JSON,
 * and Prometheus metrics (MetalLB's names where MetalLB has one). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/internal.h"

static void
rt_status_extra(void *ctx, FILE *out)
{
    const struct runtime *rt = ctx;

    fprintf(out,
            ",\n  \"runtime\": {\n    \"generation\": %" PRIu64 ",\n    \"ready\": %s,\n"
            "    \"reloads\": {\"succeeded\": %" PRIu64 ", \"failed\": %" PRIu64
            ", \"coalesced\": %" PRIu64 "},\n"
            "    \"loading\": %s,\n"
            "    \"lastReloadTime\": %.3f,\n    \"gatewayWorkers\": %u,\n"
            "    \"lastError\": ",
            rt->gen ? rt->gen->number : 0, rt->ready ? "true" : "false", rt->reloads_ok,
            rt->reloads_failed, rt->reloader.coalesced, rt_reload_is_loading(rt) ? "true" : "false",
            (double)rt->last_reload_ns / 1e9, gw_proxy_workers(rt->proxy));
    if (rt->last_error[0] == '\0') {
        fputs("null", out);
    } else {
        fputc('"', out);
        for (const char *p = rt->last_error; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', out);
            fputc((unsigned char)*p < 0x20 ? ' ' : *p, out);
        }
        fputc('"', out);
    }
    fputs("\n  }", out);
    rt_speaker_status_json(&rt->speaker, out);
}

static void
rt_status_json(void *ctx, FILE *out)
{
    struct runtime *rt = ctx;

    plan_render_json_with(rt->gen->plan, out, rt_status_extra, rt);
}

static void
rt_metric_help(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
rt_metrics_pools(const struct plan *p, FILE *out)
{
    rt_metric_help(out, "metallb_allocator_addresses_in_use_total", "gauge",
                   "Number of IP addresses in use, per pool.");
    for (size_t i = 0; i < p->npools; i++)
        fprintf(out, "metallb_allocator_addresses_in_use_total{pool=\"%s\"} %lld\n",
                p->pools[i].name,
                (long long)(p->pools[i].assigned_v4 + p->pools[i].assigned_v6));
    rt_metric_help(out, "metallb_allocator_addresses_total", "gauge",
                   "Number of usable IP addresses, per pool.");
    for (size_t i = 0; i < p->npools; i++) {
        const struct plan_pool *q = &p->pools[i];
        double total = (double)q->assigned_v4 + (double)q->available_v4 + (double)q->assigned_v6 +
                       (q->available_v6 == INT64_MAX ? 1.8e19 : (double)q->available_v6);
        fprintf(out, "metallb_allocator_addresses_total{pool=\"%s\"} %.0f\n", q->name, total);
    }
}

static void
rt_metrics(void *ctx, FILE *out)
{
    const struct runtime *rt = ctx;
    const struct plan *p = rt->gen->plan;
    size_t status[3] = {0, 0, 0};
    struct plan_reader r;
    const struct plan_service *svc;

    rt_metrics_pools(p, out);
    rt_speaker_metrics(&rt->speaker, out);
    plan_reader_init(&r, p);
    while ((svc = plan_next_service(&r)) != NULL)
        if (svc->status <= PLAN_ERROR)
            status[svc->status]++;
    plan_reader_free(&r);
    rt_metric_help(out, "metalgate_services", "gauge",
                   "LoadBalancer Services and Gateways by allocation status.");
    for (int s = PLAN_ALLOCATED; s <= PLAN_ERROR; s++)
        fprintf(out, "metalgate_services{status=\"%s\"} %zu\n",
                plan_status_name((enum plan_status)s), status[s]);
    rt_metric_help(out, "metalgate_config_reloads_total", "counter",
                   "Configuration loads, by result (the first load counts).");
    fprintf(out, "metalgate_config_reloads_total{result=\"success\"} %" PRIu64 "\n",
            rt->reloads_ok);
    fprintf(out, "metalgate_config_reloads_total{result=\"failure\"} %" PRIu64 "\n",
            rt->reloads_failed);
    rt_metric_help(out, "metalgate_config_generation", "gauge",
                   "Number of the running configuration generation.");
    fprintf(out, "metalgate_config_generation %" PRIu64 "\n", rt->gen->number);
    rt_metric_help(out, "metalgate_config_last_reload_success_timestamp_seconds", "gauge",
                   "When the running configuration was loaded.");
    fprintf(out, "metalgate_config_last_reload_success_timestamp_seconds %.3f\n",
            (double)rt->last_reload_ns / 1e9);
    gw_proxy_metrics(rt->proxy, out);
}

static bool
rt_ready(void *ctx)
{
    return ((const struct runtime *)ctx)->ready;
}

/* Answered by rt_reload_finish() once the load serving it is applied or failed. */
static int
rt_admin_reload(void *ctx, uint64_t *ticket, char *msg, size_t len)
{
    (void)msg;
    (void)len;
    *ticket = rt_reload_request(ctx, "POST /reload");
    return ADMIN_RELOAD_PENDING;
}

void
rt_admin_provider(struct runtime *rt, struct admin_provider *p)
{
    p->ctx = rt;
    p->status_json = rt_status_json;
    p->metrics = rt_metrics;
    p->ready = rt_ready;
    p->reload = rt_admin_reload;
}

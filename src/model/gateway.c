/*
 * Cross-object rules for the Gateway API kinds.
 *
 * None of them is an error. Whether a route attaches to a Gateway, or a
 * Gateway is served by a GatewayClass, is status that plan/ computes
 * (Accepted=False with NoMatchingParent and friends), and references may
 * name objects that are managed elsewhere and absent from this input.
 * What this pass adds are warnings for references that find their object in
 * the input but miss the part they name, which is almost always a typo:
 *   - a parentRef sectionName (or port) for which the Gateway has no listener;
 *   - a gatewayClassName that matches none of the GatewayClasses the input
 *     defines.
 */
#include <stdio.h>
#include <string.h>

#include "core/strutil.h"
#include "model/internal.h"

/* Listener names offered in a "did you mean": Gateways have at most 64. */
#define MODEL_GW_MAX_NAMES 64

static const struct mf_gateway *
model_gw_find_gateway(const struct model_index *ix, const char *ns, const char *name)
{
    const struct mf_object *o = model_lookup(ix, MF_KIND_GATEWAY, ns, name);

    return o != NULL ? o->body : NULL;
}

static const struct mf_gw_listener *
model_gw_find_listener(const struct mf_gateway_spec *spec, const struct mf_str *name)
{
    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        if (l->name.v != NULL && mf_str_eq(&l->name, name->v))
            return l;
    }
    return NULL;
}

static bool
model_gw_has_port(const struct mf_gateway_spec *spec, int64_t port)
{
    for (uint32_t i = 0; i < spec->listeners.n; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        if (l->port.set && l->port.v == port)
            return true;
    }
    return false;
}

static void
model_gw_missing_section(struct mf_diags *diags, const struct mf_object *route,
                         const struct mf_gw_parent_ref *r, const struct mf_gateway_spec *spec,
                         const char *gw, const char *path)
{
    const char *names[MODEL_GW_MAX_NAMES];
    size_t n = 0;
    const char *close;

    for (uint32_t i = 0; i < spec->listeners.n && n < MODEL_GW_MAX_NAMES; i++) {
        const struct mf_gw_listener *l = MF_LIST_AT(spec->listeners, struct mf_gw_listener, i);
        if (l->name.v != NULL)
            names[n++] = l->name.v;
    }
    close = str_closest(r->section_name.v, r->section_name.len, names, n);
    model_warn(diags, route, &r->section_name.pos, path,
               "Gateway %s has no listener named \"%.60s\"%s%s%s; the route will not attach to "
               "it (NoMatchingParent)",
               gw, r->section_name.v, close ? " (did you mean \"" : "", close ? close : "",
               close ? "\"?)" : "");
}

/* One parentRef to a Gateway of the input: does it select a listener? */
static void
model_gw_check_parent(struct mf_diags *diags, const struct mf_object *route,
                      const struct mf_gw_parent_ref *r, const struct mf_gateway_spec *spec,
                      uint32_t index)
{
    char path[128], gw[300];
    const struct mf_gw_listener *l;

    snprintf(gw, sizeof(gw), "%s/%s", r->namespace.v ? r->namespace.v : route->ns, r->name.v);
    if (r->section_name.len > 0) {
        l = model_gw_find_listener(spec, &r->section_name);
        if (l == NULL) {
            snprintf(path, sizeof(path), "spec.parentRefs[%u].sectionName", index);
            model_gw_missing_section(diags, route, r, spec, gw, path);
        } else if (r->port.set && l->port.set && l->port.v != r->port.v) {
            snprintf(path, sizeof(path), "spec.parentRefs[%u].port", index);
            model_warn(diags, route, &r->port.pos, path,
                       "listener \"%.60s\" of Gateway %s listens on port %lld, not %lld; the "
                       "route will not attach to it (NoMatchingParent)",
                       r->section_name.v, gw, (long long)l->port.v, (long long)r->port.v);
        }
        return;
    }
    if (r->port.set && !model_gw_has_port(spec, r->port.v)) {
        snprintf(path, sizeof(path), "spec.parentRefs[%u].port", index);
        model_warn(diags, route, &r->port.pos, path,
                   "Gateway %s has no listener on port %lld; the route will not attach to it "
                   "(NoMatchingParent)",
                   gw, (long long)r->port.v);
    }
}

static void
model_gw_check_routes(const struct mf_set *set, const struct model_index *ix,
                      struct mf_diags *diags)
{
    const struct mf_object *o;
    size_t cursor = 0;

    while ((o = mf_set_next(set, MF_KIND_HTTPROUTE, &cursor)) != NULL) {
        const struct mf_httproute *route = o->body;
        if (route->spec == NULL || o->ns == NULL)
            continue;
        for (uint32_t i = 0; i < route->spec->parent_refs.n; i++) {
            const struct mf_gw_parent_ref *r =
                MF_LIST_AT(route->spec->parent_refs, struct mf_gw_parent_ref, i);
            const struct mf_gateway *gw;
            if (r->name.v == NULL || (r->group.v && !mf_str_eq(&r->group, MF_GW_GROUP)) ||
                (r->kind.v && !mf_str_eq(&r->kind, "Gateway")))
                continue;
            gw = model_gw_find_gateway(ix, r->namespace.v ? r->namespace.v : o->ns, r->name.v);
            if (gw != NULL && gw->spec != NULL)
                model_gw_check_parent(diags, o, r, gw->spec, i);
        }
    }
}

/* Only when the input defines GatewayClasses: otherwise they live elsewhere. */
static void
model_gw_check_classes(const struct mf_set *set, struct mf_diags *diags)
{
    const char *names[MODEL_GW_MAX_NAMES];
    const struct mf_object *o;
    size_t n = 0, cursor = 0;

    while ((o = mf_set_next(set, MF_KIND_GATEWAYCLASS, &cursor)) != NULL)
        if (o->name[0] != '\0' && n < MODEL_GW_MAX_NAMES)
            names[n++] = o->name;
    if (n == 0)
        return;
    cursor = 0;
    while ((o = mf_set_next(set, MF_KIND_GATEWAY, &cursor)) != NULL) {
        const struct mf_gateway *gw = o->body;
        const struct mf_str *cls;
        bool found = false;
        const char *close;
        if (gw->spec == NULL || gw->spec->gateway_class_name.v == NULL)
            continue;
        cls = &gw->spec->gateway_class_name;
        for (size_t i = 0; i < n && !found; i++)
            found = mf_str_eq(cls, names[i]);
        if (found)
            continue;
        close = str_closest(cls->v, cls->len, names, n);
        model_warn(diags, o, &cls->pos, "spec.gatewayClassName",
                   "no GatewayClass \"%.60s\" is defined in the input%s%s%s", cls->v,
                   close ? "; did you mean \"" : "", close ? close : "", close ? "\"?" : "");
    }
}

void
model_check_gateway(const struct mf_set *set, const struct model_index *ix,
                    struct mf_diags *diags)
{
    model_gw_check_routes(set, ix, diags);
    model_gw_check_classes(set, diags);
}

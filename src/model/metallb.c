/* Cross-object rules for MetalLB kinds (MetalLB's webhook, V-rules in
 * shared/reference/metallb.md section 5). */
#include <string.h>

#include "model/internal.h"

/* MetalLB's webhook accepts its objects only in MetalLB's own namespace. */
static void
model_check_metallb_namespace(const struct mf_set *set, const struct model_options *opt,
                              struct mf_diags *diags)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct mf_object *o = &set->objects[i];
        if (strcmp(o->kind->group, "metallb.io") != 0 || o->ns == NULL)
            continue;
        if (strcmp(o->ns, opt->metallb_namespace) != 0)
            model_error(diags, o, o->meta.namespace.v ? &o->meta.namespace.pos : &o->pos,
                        "metadata.namespace",
                        "resource must be created in %s namespace (MetalLB objects live in "
                        "MetalLB's namespace; see --metallb-namespace)",
                        opt->metallb_namespace);
    }
}

void
model_check_metallb(const struct mf_set *set, const struct model_options *opt,
                    struct mf_diags *diags)
{
    model_check_metallb_namespace(set, opt, diags);
}

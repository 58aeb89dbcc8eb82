/* Checks model.c runs, one file per group of kinds. Internal to model/. */
#ifndef METALGATE_MODEL_INTERNAL_H
#define METALGATE_MODEL_INTERNAL_H

#include "model/model.h"

/*
 * Every object of a load sorted by (kind, name, namespace), built once per
 * model_check: duplicates are neighbours, and lookups by kind and name
 * (in one namespace or any) are binary searches, never scans of the set.
 */
struct model_index {
    const struct mf_object **v;
    size_t n;
};

/* The object of kind ns/name, or NULL. */
const struct mf_object *model_lookup(const struct model_index *ix, enum mf_kind_id kind,
                                     const char *ns, const char *name);
/* The objects of kind named name, in any namespace: *first and the count. */
size_t model_lookup_all(const struct model_index *ix, enum mf_kind_id kind, const char *name,
                        const struct mf_object *const **first);

void model_check_metallb(const struct mf_set *set, const struct model_options *opt,
                         struct mf_diags *diags);
void model_check_gateway(const struct mf_set *set, const struct model_index *ix,
                         struct mf_diags *diags);
void model_check_kuadrant(const struct mf_set *set, const struct model_index *ix,
                          struct mf_diags *diags);

#endif

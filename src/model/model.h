/*
 * model/: pass two of the pipeline. Takes the objects manifest/ decoded and
 * checks what needs more than one object: duplicate names, references
 * (advertisement -> pool, peer -> BFD profile, route -> gateway, policy ->
 * target), overlapping pools, MetalLB's namespace rule. Pure: no I/O.
 */
#ifndef METALGATE_MODEL_H
#define METALGATE_MODEL_H

#include "manifest/manifest.h"

struct model_options {
    const char *metallb_namespace; /* default "metallb-system" */
};

/* Reports cross-object problems into diags. Returns the number of errors found. */
size_t model_check(const struct mf_set *set, const struct model_options *opt,
                   struct mf_diags *diags);

/* Reports a problem about obj (at pos, field path) in the contract format. */
void model_error(struct mf_diags *diags, const struct mf_object *obj, const struct mf_pos *pos,
                 const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void model_warn(struct mf_diags *diags, const struct mf_object *obj, const struct mf_pos *pos,
                const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

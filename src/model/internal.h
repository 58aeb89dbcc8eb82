/* Checks model.c runs, one file per group of kinds. Internal to model/. */
#ifndef METALGATE_MODEL_INTERNAL_H
#define METALGATE_MODEL_INTERNAL_H

#include "model/model.h"

void model_check_metallb(const struct mf_set *set, const struct model_options *opt,
                         struct mf_diags *diags);
void model_check_gateway(const struct mf_set *set, const struct model_options *opt,
                         struct mf_diags *diags);
void model_check_kuadrant(const struct mf_set *set, const struct model_options *opt,
                          struct mf_diags *diags);

#endif

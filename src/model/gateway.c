/* Cross-object rules for the gateway kinds. */
#include "model/internal.h"

void
model_check_gateway(const struct mf_set *set, const struct model_options *opt, struct mf_diags *diags)
{
    (void)set;
    (void)opt;
    (void)diags;
}

/* The gateway kinds: schemas and single-object rules. */
#include "manifest/kinds.h"

const struct mf_kind *const mf_kinds_gateway[] = {NULL};
const size_t mf_kinds_gateway_count = 0;

/* The core kinds: schemas and single-object rules. */
#include "manifest/kinds.h"

const struct mf_kind *const mf_kinds_core[] = {NULL};
const size_t mf_kinds_core_count = 0;

/* The kuadrant kinds: schemas and single-object rules. */
#include "manifest/kinds.h"

const struct mf_kind *const mf_kinds_kuadrant[] = {NULL};
const size_t mf_kinds_kuadrant_count = 0;

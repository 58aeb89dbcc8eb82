/* The kind tables each group file exports; load.c merges them. Internal. */
#ifndef METALGATE_MANIFEST_KINDS_H
#define METALGATE_MANIFEST_KINDS_H

#include <stddef.h>

#include "manifest/manifest.h"
#include "manifest/schema.h"

/* Put first in every kind's top-level field table. */
#define MF_ENVELOPE_FIELDS                                                                   \
    MF_F_SKIP("apiVersion", MF_IGNORED, NULL), MF_F_SKIP("kind", MF_IGNORED, NULL),            \
        MF_F_SKIP("metadata", MF_IGNORED, NULL)

extern const struct mf_kind *const mf_kinds_metallb[];
extern const size_t mf_kinds_metallb_count;
extern const struct mf_kind *const mf_kinds_core[];
extern const size_t mf_kinds_core_count;
extern const struct mf_kind *const mf_kinds_gateway[];
extern const size_t mf_kinds_gateway_count;
extern const struct mf_kind *const mf_kinds_kuadrant[];
extern const size_t mf_kinds_kuadrant_count;

#endif

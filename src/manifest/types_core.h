/* Typed objects of the core kinds. */
#ifndef METALGATE_MANIFEST_TYPES_CORE_H
#define METALGATE_MANIFEST_TYPES_CORE_H

#include "manifest/types.h"

#endif

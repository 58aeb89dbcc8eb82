/* Typed objects of the kuadrant kinds. */
#ifndef METALGATE_MANIFEST_TYPES_KUADRANT_H
#define METALGATE_MANIFEST_TYPES_KUADRANT_H

#include "manifest/types.h"

#endif

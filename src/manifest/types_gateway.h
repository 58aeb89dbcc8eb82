/* Typed objects of the gateway kinds. */
#ifndef METALGATE_MANIFEST_TYPES_GATEWAY_H
#define METALGATE_MANIFEST_TYPES_GATEWAY_H

#include "manifest/types.h"

#endif

/* Plan tests: manifests written as YAML text in, a plan out. */
#ifndef METALGATE_TEST_PLAN_FIXTURE_H
#define METALGATE_TEST_PLAN_FIXTURE_H

#include <stdbool.h>
#include <stdarg.h>

#include "manifest/manifest.h"
#include "plan/plan.h"

struct fixture {
    struct mf_set set;
    struct mf_diags diags;
    struct plan *plan;
};

/*
 * Loads the concatenated YAML parts (a NULL-terminated va_list of strings),
 * fails the test on any manifest error, and plans them for node with the
 * previous allocations st (may be NULL). Release with fixture_release().
 */
struct plan *fixture_buildv(struct fixture *f, const char *node, const struct plan_state *st,
                            va_list parts);
void fixture_release(struct fixture *f);

/* The plan as JSON or as text, in a malloc'd string (free it). */
char *fixture_render(const struct plan *p, bool json);

#endif

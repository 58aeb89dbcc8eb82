/* Small string helpers shared by parsers and diagnostics. */
#ifndef METALGATE_CORE_STRUTIL_H
#define METALGATE_CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Case-sensitive edit distance between a and b, capped: returns cap + 1 as
 * soon as the distance is known to exceed cap. Strings longer than 64 bytes
 * are never close.
 */
size_t str_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t cap);

/*
 * Picks the candidate closest to word for a "did you mean" hint: distance at
 * most 1/3 of the word's length (at least 1), or a case-insensitive match.
 * Returns NULL when none is close.
 */
const char *str_closest(const char *word, size_t len, const char *const *candidates, size_t n);

bool str_has_prefix(const char *s, size_t len, const char *prefix);

#endif

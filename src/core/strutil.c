#include "core/strutil.h"

#include <string.h>
#include <strings.h>

size_t
str_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t cap)
{
    size_t row[65];

    if (alen > 64 || blen > 64)
        return cap + 1;
    if ((alen > blen ? alen - blen : blen - alen) > cap)
        return cap + 1;
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0], best;
        row[0] = i;
        best = row[0];
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = diag + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[blen];
}

const char *
str_closest(const char *word, size_t len, const char *const *candidates, size_t n)
{
    size_t cap = len / 3 > 0 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_d = cap + 1;

    for (size_t i = 0; i < n; i++) {
        size_t clen = strlen(candidates[i]);
        size_t d;
        if (clen == len && strncasecmp(word, candidates[i], len) == 0)
            return candidates[i];
        d = str_edit_distance(word, len, candidates[i], clen, cap);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}

bool
str_has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t plen = strlen(prefix);

    return len >= plen && memcmp(s, prefix, plen) == 0;
}

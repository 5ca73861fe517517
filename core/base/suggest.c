#include "base/suggest.h"

#include <stdlib.h>
#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t *d = malloc((na + 1) * (nb + 1) * sizeof *d);
    if (!d)
        return (size_t)-1;
#define D(i, j) d[(i) * (nb + 1) + (j)]
    for (size_t i = 0; i <= na; i++)
        D(i, 0) = i;
    for (size_t j = 0; j <= nb; j++)
        D(0, j) = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < best)
                best = D(i, j - 1) + 1;
            if (D(i - 1, j - 1) + cost < best)
                best = D(i - 1, j - 1) + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                D(i - 2, j - 2) + 1 < best)
                best = D(i - 2, j - 2) + 1;
            D(i, j) = best;
        }
    }
    size_t result = D(na, nb);
#undef D
    free(d);
    return result;
}

/* Nonzero when one string ends the other ("hopfield" for "energies/hopfield"). */
static int is_affix(const char *word, const char *candidate)
{
    size_t nw = strlen(word), nc = strlen(candidate);
    if (nw < 3 || nw >= nc)
        return 0;
    return strncmp(word, candidate, nw) == 0 || strcmp(candidate + nc - nw, word) == 0;
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
    size_t limit = strlen(word) / 3;
    if (limit < 2)
        limit = 2;
    const char *best = NULL;
    size_t best_distance = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t dist = suggest_distance(word, candidates[i]);
        if (dist < best_distance) {
            best_distance = dist;
            best = candidates[i];
        }
    }
    if (best)
        return best;
    for (size_t i = 0; i < n; i++)
        if (candidates[i] && is_affix(word, candidates[i]))
            return candidates[i];
    return NULL;
}

/*
 * suggest — "did you mean …?" for unknown keys and plugin ids.
 */
#ifndef BASIN_SUGGEST_H
#define BASIN_SUGGEST_H

#include <stddef.h>

/* Optimal-string-alignment (Damerau–Levenshtein) distance between a and b. */
size_t suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to word, or NULL when none is close enough to be a likely
 * typo (distance at most max(2, strlen(word)/3), or word is a prefix/suffix of it).
 * Candidates may contain NULLs, which are skipped.
 */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif

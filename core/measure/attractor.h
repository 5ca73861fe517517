/*
 * attractor — grouping final states of the dynamics into distinct attractors
 * (docs/science.md, Attractors; Pham et al.
 * 2025 count spurious states as attractors that several generations fall into).
 *
 * Two states are one attractor when their normalized distance
 *
 *     d(x, y) = ‖x − y‖ / √dim  ≤  tol.
 *
 * Grouping is leader clustering in index order: state i joins the nearest
 * representative created by the states before it if that one lies within tol;
 * otherwise state i becomes the representative (first member) of a new attractor.
 * A member is within tol of its representative, never chained through other
 * members, so an attractor's diameter is at most 2·tol. When the true clusters
 * have diameter ≤ tol and lie more than 2·tol apart, the grouping is exact and
 * independent of the order of the states.
 *
 * Cost O(n · A · dim) for A attractors: blocks of states are compared with the
 * representatives by chunked SGEMM (nearest_two), never all pairs of states.
 * Fast path: when tol = 0, or when every grouped state is ±1 and tol < 2/√dim
 * (two distinct ±1 states are at least 2/√dim apart), states are grouped by exact
 * equality through a hash table in O(n · dim), with the same result.
 *
 * Binary states x and −x are different attractors here: whether a mirror image is
 * the same memory is the caller's decision.
 *
 * The GEMM ranking is in float; the two best candidates are re-measured in double.
 * Use tol well above 1e-3 times the states' scale for real states, or tol = 0 for
 * bitwise-identical ones.
 */
#ifndef BASIN_ATTRACTOR_H
#define BASIN_ATTRACTOR_H

#include <stddef.h>
#include <stdint.h>

/* The attractors found among n states, in order of first appearance. */
typedef struct attractor_set {
    uint64_t n_attractors; /* A */
    uint32_t dim;
    uint64_t *first;       /* A: index of the representative (first member) */
    uint64_t *count;       /* A: members; basin occupancy = count / n grouped */
    float *representative; /* A × dim: copies of the representatives' states */
    uint64_t n_grouped;    /* states the mask let in */
} attractor_set;

/*
 * Group the states (n × dim, row-major) selected by mask (n bytes, nonzero =
 * group it, usually "converged"; NULL selects all). Writes id[i] ∈ [0, A) for each
 * selected state, ids numbered in order of first appearance, and −1 for the
 * others; fills *out, whose arrays the caller frees with attractor_set_free (also
 * after a failure, when *out is empty).
 *
 * max_attractors > 0 bounds A: finding more stops with BASIN_EINVAL (the states are
 * not clustered at this tol, and the cost grows as n · A). 0 means no bound.
 *
 * Returns 0; BASIN_EINVAL for tol < 0 or not finite, dim = 0 with n > 0, or too
 * many attractors; BASIN_ENUMERIC when a selected state has a non-finite
 * coordinate; BASIN_ENOMEM. A one-line message goes to err (n_err bytes; err may
 * be NULL). [thread-safe] [deterministic]
 */
int attractor_group(const float *states, uint64_t n, uint32_t dim, const uint8_t *mask,
                    double tol, uint64_t max_attractors, int64_t *id, attractor_set *out,
                    char *err, size_t n_err);

/* Free the arrays of *s and zero it; safe on a zeroed or already freed set. */
void attractor_set_free(attractor_set *s);

#endif

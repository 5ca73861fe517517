/*
 * nearest — the two nearest reference rows of each query row, by chunked GEMM
 * (‖q − s·r‖² = ‖q‖² + s²‖r‖² − 2s q·r), never an all-pairs matrix: the distance
 * kernel of the measures (d_m, d₂, d_s, d_h) and of collapse tracking.
 */
#ifndef BASIN_NEAREST_H
#define BASIN_NEAREST_H

#include <stddef.h>
#include <stdint.h>

typedef struct nearest2 {
    int64_t index[2]; /* nearest and second nearest reference; -1 if none */
    double dist2[2];  /* their squared distances ‖q − s·r‖²; INFINITY if none */
} nearest2;

/*
 * For n queries q (n × dim) against k references r (k × dim) scaled by `scale`.
 * skip_offset ≥ 0 means query i is reference i + skip_offset and is not its own
 * neighbour (nearest *other* sample, d_s); -1 compares against every reference.
 * The GEMM pass ranks candidates; the two kept are then recomputed directly in
 * double, so a distance near 0 (a memorized sample) carries no cancellation
 * error. Returns 0 or BASIN_ENOMEM. [thread-safe]
 */
int nearest_two(const float *q, uint64_t n, const float *r, uint64_t k, uint32_t dim,
                double scale, int64_t skip_offset, nearest2 *out);

/*
 * nearest_two with the references' squared norms given: r_norm2[j] =
 * linalg_dot(r_j, r_j, dim), k of them (softmax_memory's norm2 holds exactly
 * these), so a caller that asks about one reference set many times (collapse
 * tracking, every step) computes them once. r_norm2 NULL: computed here. The
 * output is bit-identical to nearest_two's. [thread-safe]
 */
int nearest_two_normed(const float *q, uint64_t n, const float *r, const double *r_norm2,
                       uint64_t k, uint32_t dim, double scale, int64_t skip_offset,
                       nearest2 *out);

/*
 * The last stage of nearest_two for n queries whose candidates out[i] were ranked
 * (by nearest_keep, from nearest_two's GEMM keys): the two kept distances
 * recomputed in double against r scaled by scale, and a near tie reordered.
 * [thread-safe]
 */
void nearest_finish(const float *q, uint64_t n, const float *r, uint32_t dim,
                    double scale, nearest2 *out);

/* Offer reference j at squared distance d to o, which keeps the nearest two
   (merging partial results, e.g. over chunks of the references). */
void nearest_keep(nearest2 *o, double d, int64_t j);

#endif

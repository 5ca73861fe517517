/*
 * basin_radius — how far an attractor's basin reaches, by re-noising it and
 * letting the dynamics run (Pham et al. 2025, `run_critical_times.py` /
 * `find_opt_time`; docs/science.md, Basin radius):
 *
 *   for corruption levels c_0 < c_1 < … in turn:
 *       corrupt x* `trials` times at level c_l, run the dynamics on the copies;
 *       a run returns if ‖x_final − x*‖ / √dim ≤ δ;
 *       the level passes if at least a fraction p of the runs return.
 *   radius = the last level passed before the first level that fails.
 *
 * The scan stops at the first failing level (levels above it are not tried): the
 * radius is the edge of the contiguous stretch of recoverable levels starting at
 * c_0, as Pham et al. keep "the last t still recovered". Levels are in units of
 * the corruption, not a distance:
 *   binary (±1) states: c ∈ [0, 0.5] is the fraction of spins flipped, exactly
 *       round(c · dim) of them, chosen at random; normalized distance
 *       2 √(round(c·dim)/dim);
 *   real states: x* + c ε, ε standard normal per coordinate; normalized distance
 *       ≈ c (to ±c/√(2 dim)), the SNR-style noise level of a forward process.
 * A run whose final state has a non-finite entry did not return.
 *
 * Randomness: host->random_bits (binary) or host->random_normal (real), role
 * BASIN_ROLE_MEASURE, index = attractor · trials + trial, step = level index, so a
 * result never depends on batching or threads. [deterministic given rng]
 */
#ifndef BASIN_BASIN_RADIUS_H
#define BASIN_BASIN_RADIUS_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"

/*
 * Run the dynamics on n corrupted copies (n × dim, in place) of one attractor at
 * level index `level`; row r is trial r, whose run index is first_run + r
 * (= attractor · trials + r), for the caller to key the dynamics' own random
 * numbers. Returns 0 or a negative BASIN_E* code, after putting its message in
 * host->error.
 */
typedef int (*basin_radius_dynamics_fn)(void *ctx, float *states, uint64_t n,
                                        uint32_t level, uint64_t first_run);

typedef struct basin_radius_options {
    const double *levels; /* n_levels corruption levels, strictly increasing,
                                 ≥ 0 (binary: ≤ 0.5) */
    uint32_t n_levels;
    uint32_t trials; /* corrupted copies per level, ≥ 1 (Pham: 10) */
    double p;        /* fraction of returns a level needs, (0, 1] (0.9) */
    double delta;    /* return tolerance δ, normalized distance, ≥ 0 */
    int binary;      /* 1: ±1 states, spins flipped; 0: Gaussian noise */
} basin_radius_options;

typedef struct basin_radius_result {
    double radius;        /* levels[last_passed]; 0 when no level passed */
    int32_t last_passed;  /* index of that level; −1: the first level failed */
    int32_t first_failed; /* index of the level that stopped the scan; −1: all
                                 passed (the radius is then only a lower bound) */
} basin_radius_result;

/*
 * The basin radius of attractor x* (dim floats), numbered `attractor` for the
 * random streams. returned (n_levels doubles, may be NULL) receives the fraction
 * of runs that returned at each level tried, NaN at the levels not tried.
 * Returns 0; BASIN_EINVAL for bad options (message through host->error); the
 * dynamics' own code when it fails; BASIN_ECANCELED when host->cancelled() turns
 * nonzero between levels; BASIN_ENOMEM. [thread-safe if dynamics is]
 */
int basin_radius(const basin_host *host, const float *attractor_state, uint32_t dim,
                 uint64_t attractor, const basin_radius_options *options,
                 basin_radius_dynamics_fn dynamics, void *ctx, basin_radius_result *out,
                 double *returned);

#endif

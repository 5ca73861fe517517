/*
 * rng — the counter-based random numbers behind basin_host.random_*.
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011, "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11). A stream is keyed by (job seed, role, index, step) and its
 * n-th block of four words is Philox(counter = (n, step, index), key = (job seed,
 * role)): any number can be computed without the ones before it, so a sample's
 * numbers never depend on batch size, thread count or call order.
 * Every function here is [thread-safe] and [deterministic].
 */
#ifndef BASIN_RNG_H
#define BASIN_RNG_H

#include <stddef.h>
#include <stdint.h>

/* One Philox4x32-10 block: out = Philox(ctr, key). */
void rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The seed of job `job` of a run with seed `run_seed` (a Philox hash of both). */
uint64_t rng_job_seed(uint64_t run_seed, uint64_t job);

/* The first n words / doubles in [0, 1) / standard normals of a stream. */
void rng_bits(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, uint32_t *out,
              size_t n);
void rng_uniform(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, double *out,
                 size_t n);
void rng_normal(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, float *out,
                size_t n);

#endif

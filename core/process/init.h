/*
 * init — the initial states of the dynamics ([init] in a recipe).
 *
 *   pattern:  probe r starts at training point r mod K, with a fraction `flip` of
 *             its coordinates corrupted (sign-flipped for ±1 data, replaced by a
 *             standard normal draw for real data): exactly round(flip·N) of them.
 *   mixture:  probe r starts at sign(ξ_a + ξ_b + …) over `order` consecutive
 *             training points a = r·order mod K, … (ties broken at random), then
 *             corrupted like a pattern. The symmetric mixture states of Amit,
 *             Gutfreund & Sompolinsky 1985.
 *   random:   uniform ±1 states for binary data, standard normal otherwise.
 *   noise:    standard normal whatever the data; the pipeline scales it to the
 *             forward process's marginal at the schedule's start (score models).
 * For score models the pipeline then noises pattern and mixture starts to the
 * schedule's start, x = α ξ + σ ε (Pham et al.'s re-noised training points).
 * Randomness comes from role INIT keyed by the probe index, so a probe's start
 * never depends on the batch it runs in.
 */
#ifndef BASIN_INIT_H
#define BASIN_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"


/*
 * Fill states (count × dim) for probes first .. first+count-1, and start[r] with
 * the training index a pattern probe started from (-1 for random and mixture).
 * Returns BASIN_EINVAL with a message in err when the data cannot serve the kind
 * (mixture of more points than K). [thread-safe] [deterministic given rng]
 */
int init_states(const basin_value *values, const float *train, uint64_t n_train,
                uint32_t dim, int binary, const basin_host *host, uint64_t first,
                uint64_t count, float *states, int64_t *start, char *err, size_t n_err);

/*
 * Corrupt exactly n of x's dim coordinates, chosen by a partial Fisher–Yates
 * shuffle driven by words[0..n): sign-flipped when noise is NULL, else coordinate
 * i-th chosen replaced by noise[i]. order is dim scratch words. [thread-safe]
 */
void init_corrupt(float *x, uint32_t dim, uint32_t n, const uint32_t *words,
                  const float *noise, uint32_t *order);

#endif

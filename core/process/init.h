/*
 * init — the initial states of the dynamics ([init] in a recipe).
 *
 *   pattern:  probe r starts at training point r mod K, with a fraction `flip` of
 *             its coordinates corrupted: exactly n = round(flip·N) of them, chosen
 *             uniformly (the corruption model below).
 *   mixture:  probe r starts at sign(ξ_a + ξ_b + …) over `order` consecutive
 *             training points a = r·order mod K, … (ties broken at random), then
 *             corrupted like a pattern. The symmetric mixture states of Amit,
 *             Gutfreund & Sompolinsky 1985.
 *   random:   uniform ±1 states for binary data, standard normal otherwise.
 *   noise:    standard normal whatever the data; the pipeline scales it to the
 *             forward process's marginal at the schedule's start (score models).
 * For score models the pipeline then noises pattern and mixture starts to the
 * schedule's start, x = α ξ + σ ε (Pham et al.'s re-noised training points).
 *
 * The corruption model (init.corruption), in the data's units:
 *   sign-flip  x_i ← −x_i: the norm is kept, and for a unit-norm x the cosine with
 *              the original is 1 − 2 Σ_{i corrupted} x_i² (≈ 1 − 2·flip for
 *              isotropic x): the modern-Hopfield retrieval test of Ramsauer et
 *              al. 2020 (arXiv:2008.02217).
 *   resample   x_i ← ξ_{ρ,i}, ρ a training point drawn uniformly per coordinate
 *              (the data's empirical marginal of coordinate i), other than the
 *              pattern a pattern probe started from (its own value is no draw
 *              independent of x); mixture starts draw from all K.
 *   gaussian   x_i ← rms_i g, g ~ N(0, 1), rms_i = (Σ_μ ξ_μi² / K)^½ the
 *              training set's root mean square of coordinate i: a draw of the
 *              coordinate's scale, independent of x, so for isotropic data the
 *              cosine with the original is ≈ 1 − flip (the kept part's share
 *              of the norm²; the replaced part is orthogonal on average).
 *   auto       (the default) sign-flip for ±1 data, gaussian otherwise. ±1 data
 *              keep their sign flips exactly as before; real-valued data were
 *              corrupted by N(0, 1) draws before init.corruption existed.
 * With init.renormalize the corrupted start is rescaled to the norm it had
 * before the corruption (nothing when that norm or the new one is 0).
 * gaussian on ±1 data is refused (it makes real-valued starts); resample from a
 * pattern start needs K ≥ 2.
 * Randomness comes from role INIT keyed by the probe index, so a probe's start
 * never depends on the batch it runs in: step 0 the random start or the
 * mixture's ties, step 1 the corrupted coordinates (bits), step 2 the gaussian
 * draws (normals) or resample's training points (bits).
 */
#ifndef BASIN_INIT_H
#define BASIN_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"

/*
 * Fill states (count × dim) for probes first .. first+count-1, and start[r] with
 * the training index a pattern probe started from (-1 for random and mixture).
 * values: the [init] values (init_params order). Returns BASIN_EINVAL with a
 * message in err when the data cannot serve the kind or the corruption (mixture
 * of more points than K; gaussian on ±1 data; resample from a pattern with
 * K = 1), BASIN_ENOMEM. [thread-safe] [deterministic given rng]
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

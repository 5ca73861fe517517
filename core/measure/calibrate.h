/*
 * calibrate — the distance rules' thresholds and support test, calibrated from
 * the data instead of set by hand (docs/science.md, "The referee").
 *
 * A held-out point is a fresh draw from the data law, so the distances the rules
 * read are calibrated against what fresh draws give, at a low quantile q
 * (measure.quantile, default 0.01):
 *   δ_m  the q-quantile of the held-out points' d_m (distance to the nearest
 *        training point): a fresh draw is called a copy at rate ≈ q;
 *   δ_s  the q-quantile of nearest-neighbour distances within disjoint held-out
 *        subsets of the job's sample count n, pooled: n i.i.d. draws from the
 *        law are called spurious at rate ≈ q whatever n is (d_s shrinks as n
 *        grows, and so does δ_s);
 *   δ_h  the (1 − q)-quantile of the held-out points' leave-one-out
 *        nearest-neighbour distance within the held-out set: a fresh draw's d_h
 *        (its distance to the nearest of the H held-out points) is distributed
 *        like that, so a fresh draw is called off the support at rate ≈ q.
 * δ_h is compared with d_h, measured against the held-out set: the held-out
 * points' distances to the *training* set (which shrink as K grows) would not be
 * comparable with it.
 *
 * Quantiles are the inverse of the empirical distribution function (Hyndman &
 * Fan 1996, definition 1): Q(p) = x_(⌈p·m⌉) of m sorted values (the lower order
 * statistic, x_(1) for p·m ≤ 1). Deterministic, and an actual distance.
 *
 * Distances are ‖x − y‖/√N, by the chunked GEMM kernels (kernels/nearest.h),
 * never as an all-pairs matrix. Every function is [thread-safe] and returns
 * BASIN_OK or BASIN_ENOMEM (BASIN_EINVAL where stated).
 */
#ifndef BASIN_CALIBRATE_H
#define BASIN_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"

/* How the support of the data law is judged. */
typedef enum calibrate_support {
    CALIBRATE_SUPPORT_NONE,    /* no law, no held-out split: not judged */
    CALIBRATE_SUPPORT_LAW,     /* the data set's law_distance: d_law ≤ δ_m */
    CALIBRATE_SUPPORT_HELDOUT, /* the held-out split: d_h ≤ δ_h */
    CALIBRATE_N_SUPPORTS
} calibrate_support;

/* "none", "law", "heldout". */
const char *calibrate_support_name(calibrate_support s);

/* The thresholds one job's states are judged with. */
typedef struct calibration {
    double delta_m, delta_s, delta_h; /* NaN where not used or not known */
    double quantile;                  /* q; NaN when nothing was calibrated */
    calibrate_support support;
    /* delta_m / delta_s was "auto" (calibrated, or a fallback); fallback: "auto"
       without a held-out split, so the old absolute default stands in. */
    int auto_m, auto_s, fallback_m, fallback_s;
} calibration;

/* The fallback of an "auto" threshold without a held-out split (the absolute
   default before calibration existed). */
#define CALIBRATE_FALLBACK 0.1

/* Q(p) of v[0..n) (sorted in place), as above; NaN for n = 0. */
double calibrate_quantile(double *v, size_t n, double p);

/* δ_m: Q(q) of the n_heldout held-out points' distance to the nearest of the
   n_train training points. */
int calibrate_delta_m(const float *heldout, uint64_t n_heldout, const float *train,
                      uint64_t n_train, uint32_t dim, double q, double *out);

/* δ_s: Q(q) of the pooled nearest-neighbour distances within the ⌊n_heldout/n⌋
   disjoint consecutive subsets of n held-out points. BASIN_EINVAL when
   n_heldout < n or n < 2 (no subset to calibrate from). */
int calibrate_delta_s(const float *heldout, uint64_t n_heldout, uint64_t n, uint32_t dim,
                      double q, double *out);

/* δ_h: Q(1 − q) of the held-out points' leave-one-out nearest-neighbour
   distance within the held-out set. BASIN_EINVAL when n_heldout < 2. */
int calibrate_delta_h(const float *heldout, uint64_t n_heldout, uint32_t dim, double q,
                      double *out);

/* What a job or `basin measure` calibrates. delta_m and delta_s: the recipe's
   values (NaN: "auto"); n: the sample count; law: the data set's law_distance
   answered for these states; pham: the rule reads δ_s (and δ_m; the ratio rule
   reads δ_m only for the support test with a law: without one an "auto" δ_m
   stays NaN). δ_h is calibrated for the support test from a held-out split. Returns BASIN_EINVAL
   with a message in err when δ_s is "auto" and n_heldout < n (heldout_key
   names where the held-out split is set: "dataset.heldout", "--heldout"). */
int calibrate_job(calibration *c, double delta_m, double delta_s, double q, int pham,
                  int law, const float *train, uint64_t n_train, const float *heldout,
                  uint64_t n_heldout, uint64_t n, uint32_t dim, const char *heldout_key,
                  char *err, size_t n_err);

/* A state's support verdict (measure_classify_distance's on_support): 1 on, 0
   off, -1 not judged. d_law may be NaN (the law did not answer). */
int calibrate_on_support(const calibration *c, double d_h, double d_law);

#endif

/*
 * measure — the rules that classify final states as memorized, spurious or
 * generalized, the same way for every model, and the measures they read
 * (referee.h applies them to a job's states and counts the classes).
 *
 * Distances (real-valued data) are normalized, d(x, y) = ‖x − y‖/√N:
 *   d_m  to the nearest training point, d_2 to the second nearest;
 *   d_s  to the nearest *other* final state of the same job;
 *   d_h  to the nearest held-out point (NaN without held-out data).
 * Rule `pham` (Pham et al. 2025): memorized if d_m ≤ δ_m;
 *   spurious if not memorized and d_s ≤ δ_s (several generations fell into the
 *   same non-training attractor); off_support if neither and the state is not on
 *   the data's support; generalized otherwise.
 * Rule `ratio` (Yoon et al. 2023; Gu et al. 2023; Bonnaire et al. 2025):
 *   memorized if d_m / d_2 < ratio (1/3); off_support if not on the support;
 *   generalized otherwise.
 * Either way a state that is not memorized and whose dynamics did not converge
 * is `unconverged`. The support test (measure/calibrate.h) is the caller's:
 *   with a known law, d_law ≤ δ_m; with held-out data, d_h ≤ δ_h; else not
 *   judged (every such state stays generalized).
 *
 * Rule `overlap` (binary memories). Overlaps m_μ = ξ_μ·x / N. A state is
 *   memorized    if max_μ |m_μ| ≥ threshold over the training patterns
 *                (a mirror image −ξ_μ counts: it is the same memory);
 *   generalized  if not memorized but max |m| ≥ threshold over held-out patterns;
 *   spurious     if neither and the dynamics reached a fixed point
 *                (mixture and spin-glass states: Amit, Gutfreund & Sompolinsky 1985);
 *   unconverged  otherwise (the sweep limit or a 2-cycle stopped it).
 */
#ifndef BASIN_MEASURE_H
#define BASIN_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"

typedef enum measure_rule {
    MEASURE_OVERLAP,
    MEASURE_PHAM,
    MEASURE_RATIO_RULE
} measure_rule;

/* The rule a recipe's measure.rule names; "auto" is overlap for binary data and
   pham otherwise. */
measure_rule measure_rule_of(const char *name, int binary);

typedef enum measure_class {
    MEASURE_MEMORIZED,
    MEASURE_SPURIOUS,
    MEASURE_GENERALIZED,
    MEASURE_OFF_SUPPORT, /* not memorized, not spurious, not on the data's support */
    MEASURE_UNCONVERGED,
    MEASURE_N_CLASSES
} measure_class;

/* "memorized", "spurious", "generalized", "off_support", "unconverged". */
const char *measure_class_name(measure_class c);

/* What the overlap rule knows about one final state. */
typedef struct measure_overlap {
    int64_t pattern; /* training index of the largest |m_μ| */
    double top[3];   /* the three largest overlaps by magnitude, signed,
                                 largest first; NaN where K < 3 */
    double heldout;  /* max |m| over held-out patterns; NaN if none */
} measure_overlap;

/* Offer overlap m with pattern mu to o's top three by magnitude (merging partial
   results, e.g. over chunks of the patterns); o->pattern follows the largest. */
void measure_overlap_keep(measure_overlap *o, double m, int64_t mu);

/*
 * Overlaps of n states (n × dim) with K patterns (K × dim), reduced to the top
 * three per state. Computed by SGEMM in blocks, never as an n × K matrix at once.
 * Returns BASIN_OK or BASIN_ENOMEM. [thread-safe]
 */
int measure_overlaps(const float *states, uint64_t n, const float *patterns,
                     uint64_t n_patterns, uint32_t dim, measure_overlap *out);

/* Max |m| of each state over held-out patterns, into out[i].heldout. Returns
   BASIN_OK or BASIN_ENOMEM. [thread-safe] */
int measure_heldout_overlaps(const float *states, uint64_t n, const float *heldout,
                             uint64_t n_heldout, uint32_t dim, measure_overlap *out);

/* The class of one state under the overlap rule. */
measure_class measure_classify_overlap(const measure_overlap *m, int converged,
                                       double threshold);

/* What the distance rules know about one final state. */
typedef struct measure_distance {
    int64_t nearest;           /* training index of the nearest point */
    double d_m, d_2, d_s, d_h; /* normalized distances; NaN where undefined */
} measure_distance;

/*
 * d_m, d_2, d_s and d_h of n states against K training and n_heldout held-out
 * points, by chunked GEMM (nearest.h). Returns BASIN_OK or BASIN_ENOMEM.
 * [thread-safe]
 */
int measure_distances(const float *states, uint64_t n, const float *train,
                      uint64_t n_train, const float *heldout, uint64_t n_heldout,
                      uint32_t dim, measure_distance *out);

/* The class of one state under rule pham or ratio. on_support: 1 on the data's
   support, 0 off it (MEASURE_OFF_SUPPORT unless memorized, unconverged or
   spurious), -1 not judged (treated as on it). */
measure_class measure_classify_distance(const measure_distance *d, int converged,
                                        measure_rule rule, double delta_m, double delta_s,
                                        double ratio, int on_support);

/*
 * Wilson score interval of a proportion hits/n at the given confidence (Wilson
 * 1927, "Probable inference, the law of succession, and statistical inference",
 * JASA 22:209): with p̂ = hits/n and z the standard normal's 1 − (1 − c)/2
 * quantile,
 *   (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n).
 * Unlike the Wald or binomial-bootstrap interval it has nonzero width at 0 and
 * at n hits (at 0: [0, z²/(n + z²)]). NaN for n = 0. [thread-safe]
 */
void measure_rate_interval(uint64_t hits, uint64_t n, double confidence, double *lo,
                           double *hi);

/* The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Newton on erfc, to 1e-12). */
double measure_normal_quantile(double p);

#endif

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
 *
 * Rule `cosine` (retrieval, Ramsauer et al. 2020, "Hopfield Networks is All You
 *   Need", arXiv:2008.02217, Sec. 2 and Theorem 3: a stored pattern is retrieved
 *   when the fixed point the update reaches from a corrupted copy of it agrees
 *   with it). cos(x, y) = x·y / (‖x‖‖y‖), signed (−ξ is no attractor of the
 *   modern energy). The target of a state is the training pattern it started
 *   from (init.kind = "pattern": the start column); a state that did not start
 *   from one (random, mixture or noise starts, `basin measure`) is judged
 *   against the training pattern of largest cosine. A state is
 *   memorized    if cos(x, target) ≥ threshold (the start's pattern retrieved);
 *   generalized  if not memorized but max cos ≥ threshold over held-out points;
 *   spurious     if neither and the dynamics reached a fixed point (a fixed
 *                point that is not the pattern: another pattern, a metastable
 *                state averaging several, the global average);
 *   unconverged  otherwise.
 *   A state or pattern of zero norm has cosine NaN: never memorized by it.
 *
 * Mixture labels (binary memories, the overlap layout): from the signed top
 * overlaps, `pattern` (memorized), `3-mixture`, `5-mixture` or `other`
 * (measure_mixture_of).
 */
#ifndef BASIN_MEASURE_H
#define BASIN_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"

typedef enum measure_rule {
    MEASURE_OVERLAP,
    MEASURE_PHAM,
    MEASURE_RATIO_RULE,
    MEASURE_COSINE
} measure_rule;

/* The rule a recipe's measure.rule names; "auto" is overlap for binary data and
   pham otherwise. The cosine rule keeps the distance layout (d_m, d_2, ... are
   computed as for pham) and adds the cosines (measure_cosine). */
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

/* The overlaps a state keeps: records.csv's m1..m5. */
#define MEASURE_TOP 5

/* What the overlap rule knows about one final state. */
typedef struct measure_overlap {
    int64_t pattern;         /* training index of the largest |m_μ| */
    double top[MEASURE_TOP]; /* the five largest overlaps by magnitude, signed,
                                 largest first; NaN where K < 5 */
    double heldout;          /* max |m| over held-out patterns; NaN if none */
    double next;             /* the sixth largest overlap by magnitude, signed
                                 (what "the rest ≈ 0" of a 5-mixture reads); NaN
                                 where K < 6 */
    uint32_t dim;            /* N the overlaps were taken in (measure_overlaps) */
} measure_overlap;

/* Empty: no overlap kept (NaN), pattern −1, dim 0. */
void measure_overlap_clear(measure_overlap *o);

/* Offer overlap m with pattern mu to o's top six by magnitude (top and next;
   merging partial results, e.g. over chunks of the patterns, offers a part's six);
   o->pattern follows the largest. Ties keep the first offered. */
void measure_overlap_keep(measure_overlap *o, double m, int64_t mu);

/*
 * Overlaps of n states (n × dim) with K patterns (K × dim), reduced to the top
 * six per state (top, next; dim recorded). Computed by SGEMM in blocks, never as
 * an n × K matrix at once. Returns BASIN_OK or BASIN_ENOMEM. [thread-safe]
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

/* The label of a binary memory's state, from its signed overlaps. */
typedef enum measure_mixture {
    MEASURE_MIX_PATTERN, /* memorized: a stored pattern (or its mirror) */
    MEASURE_MIX_3,       /* a symmetric 3-mixture ±sgn(±ξ_a ± ξ_b ± ξ_c) */
    MEASURE_MIX_5,       /* a symmetric 5-mixture */
    MEASURE_MIX_OTHER,   /* anything else: asymmetric mixtures, spin-glass
                            states, held-out patterns, unconverged states */
    MEASURE_N_MIXTURES
} measure_mixture;

/* "pattern", "3-mixture", "5-mixture", "other". */
const char *measure_mixture_name(measure_mixture m);

/*
 * The tolerance of the mixture labels in N dimensions: min(4/√N, 1/8).
 * The overlap of sgn(ξ_1 + … + ξ_n) with a component is a mean of N independent
 * terms ξ_1i sgn(…) of mean c_n and variance 1 − c_n² < 1, and its overlap with
 * another random pattern a mean of N terms ±1 of mean 0 and variance 1: both
 * fluctuate by at most 1/√N (standard deviation), so 4/√N keeps a true mixture's
 * overlaps inside the windows except with probability about 6·10⁻⁵ per pattern
 * (the normal two-sided 4σ tail). The cap 1/8 keeps the labels disjoint where
 * 4/√N would be wider (N < 1024): a 3-mixture needs |m_4| ≤ tol, a 5-mixture
 * |m_4| ≥ 3/8 − tol, disjoint while tol < 3/16; and a 3-mixture's window
 * [1/2 − tol, 1/2 + tol] stays away from 0.
 */
double measure_mixture_tolerance(uint32_t dim);

/*
 * The label of a state of class cls with overlaps o (measure_overlaps):
 *   pattern    cls is memorized;
 *   3-mixture  | |m_k| − 1/2 | ≤ tol for k = 1, 2, 3 and |m_4| ≤ tol (or K = 3):
 *              the symmetric 3-mixture has overlaps 1/2 with its three patterns
 *              and ≈ 0 with the rest (Amit, Gutfreund & Sompolinsky 1985,
 *              Phys. Rev. A 32:1007, the n = 3 symmetric solution);
 *   5-mixture  | |m_k| − 3/8 | ≤ tol for k = 1..5 and |m_6| ≤ tol (or K = 5):
 *              c_5 = 2⁻⁴·C(4, 2) = 3/8 with each of its five patterns;
 *   other      otherwise (and for o->dim = 0),
 * tol = measure_mixture_tolerance(o->dim). The signs of the overlaps are free: the
 * mixture of −ξ_a and of the mirror state is the same kind. [thread-safe]
 */
measure_mixture measure_mixture_of(const measure_overlap *o, measure_class cls);

/* What the cosine rule knows about one final state. */
typedef struct measure_cosine {
    int64_t target; /* the training pattern judged against: the start's, else the
                       one of largest cosine (−1 if none) */
    double cos;     /* cos(x, ξ_target); NaN for a zero norm or no target */
    double best;    /* max_μ cos(x, ξ_μ) over the training patterns */
    double heldout; /* max cos over held-out points; NaN if none */
} measure_cosine;

/*
 * The cosines of n states (n × dim) with K training patterns and n_heldout
 * held-out points. start[i] ≥ 0 (start may be NULL: none) makes training point
 * start[i] state i's target, else the training point of largest cosine is. By
 * SGEMM in blocks like measure_overlaps. Returns BASIN_OK or BASIN_ENOMEM.
 * [thread-safe]
 */
int measure_cosines(const float *states, uint64_t n, const int64_t *start,
                    const float *train, uint64_t n_train, const float *heldout,
                    uint64_t n_heldout, uint32_t dim, measure_cosine *out);

/* The class of one state under the cosine rule (the header's contract). */
measure_class measure_classify_cosine(const measure_cosine *c, int converged,
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

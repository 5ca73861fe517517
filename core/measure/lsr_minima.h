/*
 * lsr_minima — every local minimum of the log-sum-ReLU (Epanechnikov) energy
 * E(x) = −β⁻¹ log(ε + Σ_μ ReLU(1 − (β/2)‖x − ξ_μ‖²)) of Hoover et al. 2025
 * ("Dense Associative Memory with Epanechnikov energy", arXiv:2506.10801), found
 * exactly rather than by sampling dynamics.
 *
 * With r² = 2/β, the stationary points of E inside the supports are the centroids
 * c_S = |S|⁻¹ Σ_{μ∈S} ξ_μ of the non-empty subsets S whose support set is exactly
 * S: ‖c_S − ξ_μ‖² < r² iff μ ∈ S. Near such a c_S the support set stays S, so
 * E = −β⁻¹ log(ε + |S| − (β/2) Σ_S ‖x − ξ_μ‖²) with Hessian (|S|/Z) I there: each
 * is a strict local minimum, and there are no others (outside every support E is
 * flat; plugins/energies/lsr.c). S = {μ} is the stored pattern ξ_μ still being a
 * minimum (retrievable); |S| ≥ 2 is a novel (emergent) minimum.
 *
 * The search visits subsets in index order, deciding each pattern in or out, and
 * prunes by two necessary conditions, so it never walks all 2^k subsets:
 *   clique     every two members lie within 2r (both are within r of c_S);
 *   exclusion  c_S lies in the convex hull of c_I and λ c_I + (1 − λ) ξ_u for the
 *              undecided candidates u (I the members so far, λ = |I|/(|I| + #u));
 *              a pattern left out must be at least r from c_S, which fails for
 *              every completion when all those hull vertices lie within r of it.
 * Each complete subset is then checked exactly (in double).
 */
#ifndef BASIN_LSR_MINIMA_H
#define BASIN_LSR_MINIMA_H

#include <stddef.h>
#include <stdint.h>

/* The most patterns a search takes (a subset is one 64-bit mask). */
#define LSR_MINIMA_MAX_PATTERNS 64u

typedef struct lsr_minimum {
    uint64_t members; /* bit μ set: ξ_μ ∈ S */
    uint32_t size;    /* |S| */
    double energy; /* E(c_S) = −β⁻¹ log(ε + Σ_S (1 − (β/2)‖c_S − ξ_μ‖²)) */
    double margin; /* min over μ of |‖c_S − ξ_μ‖² − r²| / r²: how far from a tie */
    double d_nearest; /* min over μ of ‖c_S − ξ_μ‖ (0 for |S| = 1), in double */
    uint32_t nearest; /* the μ attaining it (the lowest on a tie) */
} lsr_minimum;

typedef struct lsr_minima {
    lsr_minimum *minima; /* n_minima, in the order found (increasing masks' DFS order) */
    float *centroids;    /* n_minima × dim: c_S rounded to float */
    uint64_t n_minima;
    uint64_t n_stored; /* |S| = 1: stored patterns that are minima */
    uint64_t n_novel;  /* |S| ≥ 2 */
    uint64_t examined; /* complete subsets checked exactly */
    uint64_t nodes;    /* search nodes visited (partial subsets) */
} lsr_minima;

/*
 * Enumerate every minimum of the LSR energy of k patterns (k × dim, row-major) at
 * inverse temperature β and offset ε. 1 ≤ k ≤ LSR_MINIMA_MAX_PATTERNS. The
 * result owns its arrays (lsr_minima_free). Returns 0; BASIN_EINVAL (k = 0 or too
 * many, β or ε not positive and finite, a non-finite pattern entry), BASIN_ENOMEM,
 * each with a one-line message in err. [deterministic] [thread-safe]
 */
int lsr_minima_enumerate(const float *patterns, uint64_t k, uint32_t dim, double beta,
                         double epsilon, lsr_minima *out, char *err, size_t n_err);
void lsr_minima_free(lsr_minima *m);

/* The stream of the coverage's random points: (seed, BASIN_ROLE_MEASURE,
   LSR_COVERAGE_INDEX, step t) holds point t's dim uniforms. */
#define LSR_COVERAGE_INDEX 0x4c5352u /* "LSR" */

/*
 * The fraction of the cube [low, high]^dim inside some support, the union of the
 * balls ‖x − ξ_μ‖² < r² = 2/β (Hoover et al. 2025, arXiv:2506.10801, App. D:
 * the share of [0, 1]^d the memories' supports cover), by Monte Carlo over n
 * points uniform in the cube: *fraction = hits / n and *se = √(f(1 − f)/n), its
 * binomial standard error. Point t is x_i = low + (high − low) u_i with u the
 * dim uniforms of step t of stream (seed, BASIN_ROLE_MEASURE,
 * LSR_COVERAGE_INDEX) of base/rng.h: the estimate depends on the seed alone,
 * never on threads or on n's other points. Returns 0; BASIN_EINVAL (k or dim or
 * n of 0, β not positive and finite, high ≤ low) with a one-line message;
 * BASIN_ENOMEM. [deterministic given seed] [thread-safe]
 */
int lsr_coverage(const float *patterns, uint64_t k, uint32_t dim, double beta, double low,
                 double high, uint64_t n, uint64_t seed, double *fraction, double *se,
                 char *err, size_t n_err);

#endif

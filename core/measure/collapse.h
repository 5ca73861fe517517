/*
 * collapse — when generation becomes retrieval: the closed-form times of the
 * dynamical regimes of diffusion (Biroli, Bonnaire, de Bortoli & Mézard 2024,
 * arXiv:2402.18491; docs/science.md, Speciation time and Collapse time), all in
 * Ornstein–Uhlenbeck time (x_t = e^{−t} x0 + √Δ_t z, Δ_t = 1 − e^{−2t}).
 *
 *   speciation  t_S = ½ log Λ, Λ the largest eigenvalue of the data covariance
 *               (Λ e^{−2 t_S} = 1).
 *   collapse    the Gaussian entropy criterion (docs/science.md, Collapse time)
 *               for P points whose law has covariance eigenvalues λ_i in N
 *               dimensions: t_C solves
 *                 (1/2N) Σ_i log(1 + λ_i e^{−2t}/Δ_t) = (log P)/N,
 *               which for λ_i = σ² is t_C = ½ log(1 + σ²/(P^{2/N} − 1)) (the
 *               closed form of Biroli et al., Plots_paper.py `tcond`), and for
 *               a hidden manifold gives the equal-eigenvalue estimate of
 *               Achilli et al. 2025 (docs/science.md, Hidden manifold model: basin's own
 *               estimate, not the paper's formula).
 *   mixture     Biroli et al.'s result for a mixture of isotropic Gaussians of
 *               within-class variance σ² (docs/science.md, Two-class Gaussian
 *               mixture): the same closed form with σ² the within-class variance,
 *                 t_C = ½ log(1 + σ²/(P^{2/N} − 1)),
 *               not the full covariance: the C − 1 between-class directions add
 *               O(1/N) to the entropy and drop out as N → ∞ (their
 *               Gaussian_Mixutres_entropy.py `crit_theo`, Plots_paper.py `tcond`).
 *
 * Where the numbers come from is a collapse_basis: the law's spectrum, the mixture
 * formula, or the empirical covariance spectrum of a data set without a known law
 * (the Gaussian approximation).
 *
 * The measured counterparts live in the pipeline: the collapse time of a
 * trajectory (the start of the final stretch in which its nearest training point,
 * x_t against α_t ξ_μ, no longer changes) and φ_C(t), the fraction of trajectories
 * cloned at t that end on the same training point.
 */
#ifndef BASIN_COLLAPSE_H
#define BASIN_COLLAPSE_H

#include <stdint.h>

/* ½ log of the largest of dim eigenvalues; NaN if it is not positive. */
double collapse_speciation_time(const double *eigenvalues, uint32_t dim);

/* t_C of the criterion above for n_points points (bisection to 1e-12 relative);
   +INFINITY for one point (no collapse), NaN if every eigenvalue is 0. */
double collapse_time_gaussian(const double *eigenvalues, uint32_t dim, uint64_t n_points);

/* Biroli et al.'s mixture collapse time for n_points points of within-class
   variance `variance` in dim dimensions: ½ log(1 + σ²/(P^{2/N} − 1)), with
   P^{2/N} − 1 = expm1(2 log P / N) (exact for large N). +INFINITY for one point,
   NaN unless variance > 0 and dim ≥ 1. */
double collapse_time_mixture(double variance, uint32_t dim, uint64_t n_points);

/* What the closed-form times of a job rest on (summary.csv's `theory` column). */
typedef enum collapse_basis {
    COLLAPSE_BASIS_NONE,     /* no theory: the times are NaN */
    COLLAPSE_BASIS_LAW,      /* the data law's covariance spectrum, Gaussian criterion */
    COLLAPSE_BASIS_MIXTURE,  /* t_C from the mixture formula; t_S from the law */
    COLLAPSE_BASIS_EMPIRICAL /* the empirical covariance of the full training split,
                                Gaussian criterion: the Gaussian approximation */
} collapse_basis;

/* Its name in results: "", "law", "mixture", "gaussian-approx". */
const char *collapse_basis_name(collapse_basis basis);

/* The OU time with the same σ/α: ½ log((α² + σ²)/α²); 0 at σ = 0. */
double collapse_ou_time(double alpha, double sigma);

#endif

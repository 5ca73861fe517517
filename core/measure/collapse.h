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

/* The OU time with the same σ/α: ½ log((α² + σ²)/α²); 0 at σ = 0. */
double collapse_ou_time(double alpha, double sigma);

#endif

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
 *   mixture     an equal-weight mixture of C isotropic Gaussians of within-class
 *               variance σ² (docs/science.md, Two-class Gaussian mixture): Biroli
 *               et al.'s excess-entropy criterion with the mixture's own entropy.
 *               Once the classes have separated (t_C < t_S) the noised mixture's
 *               entropy is one component's plus log C, so P points collapse like
 *               P/C points of one Gaussian:
 *                 t_C = ½ log(1 + σ²/((P/C)^{2/N} − 1)).
 *               As N → ∞ at fixed (log P)/N the log C/N drops out and this is
 *               their closed form ½ log(1 + σ²/(P^{2/N} − 1)) (their
 *               Gaussian_Mixutres_entropy.py `crit_theo`, Plots_paper.py `tcond`);
 *               at N = 16 and 100, P = 100, C = 2, the condensation-aware collapse
 *               time of simulated trajectories is 1.06 and 1.00 times this, 1.22
 *               and 1.07 times theirs (docs/science.md). The paper's printed
 *               equation, with P, is this one at C = 1; the two differ by the
 *               class entropy log C/N the paper's N → ∞ limit drops
 *               (docs/science.md, Two-class Gaussian mixture: Which form is
 *               printed). Not the Gaussian criterion on the full covariance
 *               either: the between-class eigenvalue is not a Gaussian direction.
 *
 * Where the numbers come from is a collapse_basis: the law's spectrum, the mixture
 * formula, or the empirical covariance spectrum of a data set without a known law
 * (the Gaussian approximation).
 *
 * The measured counterparts live in the pipeline (run/trajectory.h): the collapse
 * times of a trajectory, φ_C(t), the fraction of trajectories cloned at t that end
 * on the same training point, and with class labels φ_S(t), the fraction that end
 * in the same class, whose fall from 1 to chance brackets t_S.
 */
#ifndef BASIN_COLLAPSE_H
#define BASIN_COLLAPSE_H

#include <stdint.h>

/* ½ log of the largest of dim eigenvalues; NaN if it is not positive. */
double collapse_speciation_time(const double *eigenvalues, uint32_t dim);

/* t_C of the criterion above for n_points points (bisection to 1e-12 relative);
   +INFINITY for one point (no collapse), NaN if every eigenvalue is 0. */
double collapse_time_gaussian(const double *eigenvalues, uint32_t dim, uint64_t n_points);

/* The collapse time of n_points points drawn from an equal-weight mixture of
   `components` isotropic Gaussians of within-class variance `variance` in dim
   dimensions: ½ log(1 + σ²/((P/C)^{2/N} − 1)), with (P/C)^{2/N} − 1 computed as
   expm1(2 log(P/C)/N). components = 1 is Biroli et al.'s isotropic closed form.
   NaN unless variance > 0, dim ≥ 1 and P > C (fewer than two points a class
   have no within-class collapse); it assumes the classes have separated, t_C
   below the speciation time. */
double collapse_time_mixture(double variance, uint32_t dim, uint64_t n_points,
                             uint32_t components);

/* What the closed-form times of a job rest on (summary.csv's `theory` column). */
typedef enum collapse_basis {
    COLLAPSE_BASIS_NONE,     /* no theory: the times are NaN */
    COLLAPSE_BASIS_LAW,      /* the data law's covariance spectrum, Gaussian criterion */
    COLLAPSE_BASIS_MIXTURE,  /* t_C by the mixture formula; t_S from the law */
    COLLAPSE_BASIS_EMPIRICAL /* the empirical covariance of the full training split,
                                Gaussian criterion: the Gaussian approximation */
} collapse_basis;

/* Its name in results: "", "law", "mixture", "gaussian-approx". */
const char *collapse_basis_name(collapse_basis basis);

/* The OU time with the same σ/α: ½ log((α² + σ²)/α²); 0 at σ = 0. */
double collapse_ou_time(double alpha, double sigma);

#endif

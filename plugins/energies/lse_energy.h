/*
 * lse_energy — the log-sum-exp energy shared by energies/modern and
 * energies/diffusion (compiled into each of the two modules):
 *
 *   ℓ_μ(x) = a x·ξ_μ + b ‖ξ_μ‖²,   w = softmax(ℓ),   lse(x) = log Σ_μ exp ℓ_μ(x)
 *   E(x)   = ½‖x‖² − τ lse(x) + constant
 *   ∇E(x)  = x − τa Σ_μ w_μ ξ_μ
 *   T(x)   = τa Σ_μ w_μ ξ_μ            (the fixed-point / CCCP update, ∇E(x) = x − T(x))
 *   H(x) v = v − τa² Cov_w(ξ) v,  Cov_w(ξ) = Σ_μ w_μ ξ_μ ξ_μᵀ − (Σ w ξ)(Σ w ξ)ᵀ
 *
 * Modern Hopfield (Ramsauer et al. 2020): a = β, b = 0, τ = 1/β.
 * Diffusion energy at noise σ (docs/science.md, Empirical score): a = α/σ², b =
 * −α²/(2σ²), τ = σ².
 *
 * lse and Σ w ξ come from the shared kernel softmax_average (core/kernels/softmax.h); the
 * Hessian needs the weights themselves and computes them here (max-subtracted).
 * Every function after lse_energy_encode is [thread-safe] and [deterministic].
 * Errors go through host->error with the calling function named (`what`).
 */
#ifndef BASIN_LSE_ENERGY_H
#define BASIN_LSE_ENERGY_H

#include <basin/plugin.h>

#include "softmax.h"

typedef struct lse_energy {
    softmax_memory memory; /* the stored patterns; memory.k == 0 before encode */
    double a, b;           /* the logits ℓ_μ = a x·ξ_μ + b ‖ξ_μ‖² */
    double tau;            /* E = ½‖x‖² − τ lse + constant */
    double constant;
    /* The diffusion energy's α and σ (a = α/σ², b = −α²/2σ²), for the stream
       calls (softmax_stream_average, softmax_stream_lse); 0 otherwise. */
    double alpha, sigma;
} lse_energy;

/* Store n patterns (n × dim, copied), replacing earlier ones. BASIN_EINVAL (n = 0,
   a non-finite entry), BASIN_ENOMEM. */
int lse_energy_encode(lse_energy *e, const basin_host *host, const float *patterns,
                      uint64_t n, uint32_t dim);
void lse_energy_free(lse_energy *e);

/* E(x) for n states into energy[n]. BASIN_EINVAL before encode, BASIN_ENOMEM,
   BASIN_ENUMERIC (non-finite logits). With a stream s (of n rows, on e->memory;
   the diffusion energy only) lse and Σ w ξ come from its certified candidate sets
   (softmax.h): lse within ε/2, Σ w ξ within ε·max|ξ|; NULL: softmax_average. */
int lse_energy_energy(const lse_energy *e, const basin_host *host, softmax_stream *s,
                      const float *x, uint64_t n, double *energy);
/* ∇E(x) (n × dim, not overlapping x). */
int lse_energy_gradient(const lse_energy *e, const basin_host *host, softmax_stream *s,
                        const float *x, uint64_t n, float *gradient);
/* T(x) (n × dim; out may equal x). */
int lse_energy_update(const lse_energy *e, const basin_host *host, softmax_stream *s,
                      const float *x, uint64_t n, float *out);
/* H(x_r) v_r for n pairs of rows (n × dim; out overlapping neither x nor v). */
int lse_energy_hessian_vector(const lse_energy *e, const basin_host *host, const float *x,
                              const float *v, uint64_t n, float *out);

#endif

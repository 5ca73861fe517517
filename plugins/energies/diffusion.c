/*
 * energies/diffusion — the energy of the empirical (optimal) diffusion model of a
 * training set at one noise level σ (docs/science.md, Empirical score; Ambrogioni 2024,
 * Hoover et al. 2023, Pham et al. 2025), for x_σ = α ξ + σ ε:
 *
 *   E_σ(x) = −σ² log Σ_μ exp(−‖x − α ξ_μ‖² / 2σ²)
 *          = ½‖x‖² − σ² log Σ_μ exp((α/σ²) x·ξ_μ − (α²/2σ²) ‖ξ_μ‖²)
 *   ∇E_σ(x) = x − α x̂0(x),  x̂0 = Σ_μ w_μ ξ_μ,  w = softmax_μ(−‖x − αξ_μ‖²/2σ²)
 *           = −σ² ∇ log p_σ(x)   (the empirical score times −σ²)
 *   update    x ← α x̂0(x)       (the fixed point of E_σ is α × a denoised state)
 *   H(x) v  = v − (α²/σ²) Cov_w(ξ) v
 *
 * No constant is added: E_σ = −σ² log p_σ(x) − σ² log K − σ² (N/2) log(2πσ²) for
 * p_σ = (1/K) Σ_μ N(α ξ_μ, σ² I). The kernel (softmax_average with a = α/σ²,
 * b = −α²/(2σ²)) is the one scores/empirical uses for its denoiser, so E_σ, this
 * gradient and that score agree to rounding.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "lse_energy.h"

#define PLUGIN_ID "energies/diffusion"

enum { P_SIGMA, P_ALPHA, N_PARAMS };

static const basin_param_def diffusion_params[N_PARAMS + 1] = {
    [P_SIGMA] = {"sigma", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL,
                 BASIN_PARAM_MIN_EXCLUSIVE,
                 "noise level sigma of x = alpha xi + sigma eps (units of the data)"},
    [P_ALPHA] =
        {"alpha", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "signal scale alpha of x = alpha xi + sigma eps (1: variance exploding)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct diffusion {
    uint32_t dim;
    lse_energy lse;
} diffusion;

/* Release an energy; NULL is ignored. */
static void diffusion_destroy(void *self)
{
    diffusion *e = self;
    if (e == NULL)
        return;
    lse_energy_free(&e->lse);
    free(e);
}

/* A diffusion energy on dim coordinates, empty until encode(). BASIN_EINVAL for
   σ ≤ 0, α ≤ 0, α/σ² or α²/σ² not finite, or a dim of 0; BASIN_ENOMEM. */
static int diffusion_create(const basin_host *host, const basin_value *params,
                            uint32_t dim, void **self)
{
    *self = NULL;
    const double sigma = params[P_SIGMA].number, alpha = params[P_ALPHA].number;
    if (!(sigma > 0 && sigma <= 1e300) || !(alpha > 0 && alpha <= 1e300)) {
        host->error(host, "sigma = %g and alpha = %g must both be > 0 (and finite)",
                    sigma, alpha);
        return BASIN_EINVAL;
    }
    const double variance = sigma * sigma, a = alpha / variance;
    const double b = -0.5 * alpha * alpha / variance;
    if (!isfinite(a) || !isfinite(b) || !isfinite(alpha * a) || variance == 0) {
        host->error(host,
                    "sigma = %g with alpha = %g: alpha/sigma^2 or "
                    "alpha^2/sigma^2 is not a finite double",
                    sigma, alpha);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    diffusion *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->lse.a = a;
    e->lse.b = b;
    e->lse.tau = variance;
    e->lse.constant = 0;
    *self = e;
    return BASIN_OK;
}

/* Store n training points (n × dim, copied). BASIN_EINVAL, BASIN_ENOMEM. */
static int diffusion_encode(void *self, const basin_host *host, const float *memories,
                            uint64_t n)
{
    diffusion *e = self;
    return lse_energy_encode(&e->lse, host, memories, n, e->dim);
}

/* E_σ(x) for n states. [thread-safe] */
static int diffusion_energy(void *self, const basin_host *host, const float *x,
                            uint64_t n, double *energy)
{
    const diffusion *e = self;
    return lse_energy_energy(&e->lse, host, x, n, energy);
}

/* ∇E_σ(x) = x − α x̂0(x) for n states. [thread-safe] */
static int diffusion_gradient(void *self, const basin_host *host, const float *x,
                              uint64_t n, float *gradient)
{
    const diffusion *e = self;
    return lse_energy_gradient(&e->lse, host, x, n, gradient);
}

/* x ← α x̂0(x) for n states (out may equal x). [thread-safe] */
static int diffusion_update(void *self, const basin_host *host, const float *x,
                            uint64_t n, float *out)
{
    const diffusion *e = self;
    return lse_energy_update(&e->lse, host, x, n, out);
}

/* H(x_r) v_r = v_r − (α²/σ²) Cov_w(ξ) v_r for n pairs. [thread-safe] */
static int diffusion_hessian_vector(void *self, const basin_host *host, const float *x,
                                    const float *v, uint64_t n, float *out)
{
    const diffusion *e = self;
    return lse_energy_hessian_vector(&e->lse, host, x, v, n, out);
}

static const basin_energy_iface diffusion_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = 0,
    .create = diffusion_create,
    .destroy = diffusion_destroy,
    .encode = diffusion_encode,
    .energy = diffusion_energy,
    .gradient = diffusion_gradient,
    .update = diffusion_update,
    .hessian_vector = diffusion_hessian_vector,
};

static const basin_descriptor diffusion_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "empirical diffusion energy at noise sigma: "
               "E = -sigma^2 log sum_mu exp(-|x - alpha xi_mu|^2 / 2 sigma^2)",
    .params = diffusion_params,
    .iface = &diffusion_iface,
};

static const basin_descriptor *const diffusion_plugins[] = {
    &diffusion_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "diffusion-energy",
    diffusion_plugins,
};

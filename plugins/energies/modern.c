/*
 * energies/modern — the continuous modern Hopfield network of Ramsauer et al. 2020
 * ("Hopfield Networks is All You Need", arXiv:2008.02217, Eq. 2 and Theorem 1;
 * docs/science.md, Modern Hopfield network), for K stored patterns x_μ (the rows of X)
 * and a state ξ:
 *
 *   E(ξ)   = −β⁻¹ log Σ_μ exp(β x_μ·ξ) + ½‖ξ‖² + β⁻¹ log K + ½ M²,  M = max_μ ‖x_μ‖
 *   ∇E(ξ)  = ξ − X softmax(β Xᵀ ξ)
 *   update   ξ ← X softmax(β Xᵀ ξ)       (their CCCP step: E never increases)
 *   H(ξ)   = I − β X (diag(p) − p pᵀ) Xᵀ,  p = softmax(β Xᵀ ξ)
 *
 * Both constants of the paper are included (β⁻¹ log K and ½M²), so E ≥ 0 as in
 * their Lemma A1. Computed by the shared log-sum-exp energy (lse_energy.h) with
 * a = β, b = 0, τ = 1/β, on the shared kernel softmax_average (core/kernels/softmax.h).
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "lse_energy.h"

#define PLUGIN_ID "energies/modern"

enum { P_BETA, N_PARAMS };

static const basin_param_def modern_params[N_PARAMS + 1] = {
    [P_BETA] = {"beta", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL,
                BASIN_PARAM_MIN_EXCLUSIVE,
                "inverse temperature beta of the softmax (large: one basin per pattern)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct modern {
    uint32_t dim;
    double beta;
    lse_energy lse;
} modern;

/* Release an energy; NULL is ignored. */
static void modern_destroy(void *self)
{
    modern *e = self;
    if (e == NULL)
        return;
    lse_energy_free(&e->lse);
    free(e);
}

/* A modern Hopfield energy on dim coordinates, empty until encode(). BASIN_EINVAL
   for β ≤ 0 or a dim of 0, BASIN_ENOMEM. */
static int modern_create(const basin_host *host, const basin_value *params, uint32_t dim,
                         void **self)
{
    *self = NULL;
    const double beta = params[P_BETA].number;
    if (!(beta > 0 && beta <= 1e300)) {
        host->error(host, "beta = %g must be > 0 (and finite)", beta);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    modern *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->beta = beta;
    e->lse.a = beta;
    e->lse.b = 0;
    e->lse.tau = 1 / beta;
    *self = e;
    return BASIN_OK;
}

/* Store n patterns (n × dim, copied) and set the constant β⁻¹ log K + ½M².
   BASIN_EINVAL (n = 0, a non-finite entry), BASIN_ENOMEM. */
static int modern_encode(void *self, const basin_host *host, const float *memories,
                         uint64_t n)
{
    modern *e = self;
    const int rc = lse_energy_encode(&e->lse, host, memories, n, e->dim);
    if (rc != BASIN_OK)
        return rc;
    double max_norm2 = 0;
    for (uint64_t mu = 0; mu < n; mu++)
        max_norm2 = fmax(max_norm2, e->lse.memory.norm2[mu]);
    e->lse.constant = log((double)n) / e->beta + 0.5 * max_norm2;
    return BASIN_OK;
}

/* E(ξ) for n states. [thread-safe] */
static int modern_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                         double *energy)
{
    const modern *e = self;
    return lse_energy_energy(&e->lse, host, NULL, x, n, energy);
}

/* ∇E(ξ) = ξ − X softmax(β Xᵀ ξ) for n states. [thread-safe] */
static int modern_gradient(void *self, const basin_host *host, const float *x, uint64_t n,
                           float *gradient)
{
    const modern *e = self;
    return lse_energy_gradient(&e->lse, host, NULL, x, n, gradient);
}

/* ξ ← X softmax(β Xᵀ ξ) for n states (out may equal x). [thread-safe] */
static int modern_update(void *self, const basin_host *host, const float *x, uint64_t n,
                         float *out)
{
    const modern *e = self;
    return lse_energy_update(&e->lse, host, NULL, x, n, out);
}

/* H(ξ_r) v_r = v_r − β X (diag(p) − p pᵀ) Xᵀ v_r for n pairs. [thread-safe] */
static int modern_hessian_vector(void *self, const basin_host *host, const float *x,
                                 const float *v, uint64_t n, float *out)
{
    const modern *e = self;
    return lse_energy_hessian_vector(&e->lse, host, x, v, n, out);
}

static const basin_energy_iface modern_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = 0,
    .create = modern_create,
    .destroy = modern_destroy,
    .encode = modern_encode,
    .energy = modern_energy,
    .gradient = modern_gradient,
    .update = modern_update,
    .hessian_vector = modern_hessian_vector,
};

static const basin_descriptor modern_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "modern Hopfield network (Ramsauer et al. 2020): "
               "E = -lse(beta, X^T xi) + 1/2 |xi|^2 + const",
    .params = modern_params,
    .iface = &modern_iface,
};

static const basin_descriptor *const modern_plugins[] = {
    &modern_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "modern-energy",
    modern_plugins,
};

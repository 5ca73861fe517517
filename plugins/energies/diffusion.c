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
#include <stdatomic.h>
#include <stdlib.h>

#include "lse_energy.h"

#define PLUGIN_ID "energies/diffusion"

enum { P_SIGMA, P_ALPHA, P_EXACT, P_CANDIDATE_EPS, N_PARAMS };

static const basin_param_def diffusion_params[N_PARAMS + 1] = {
    [P_SIGMA] = {"sigma", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL,
                 BASIN_PARAM_MIN_EXCLUSIVE,
                 "noise level sigma of x = alpha xi + sigma eps (units of the data)"},
    [P_ALPHA] =
        {"alpha", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "signal scale alpha of x = alpha xi + sigma eps (1: variance exploding)"},
    [P_EXACT] = {"exact", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
                 "every training point at every evaluation (no certified candidate "
                 "sets along the samplers' trajectories)"},
    [P_CANDIDATE_EPS] = {"candidate_eps", BASIN_PARAM_REAL, 1e-7, NULL, 1e-300, 0.5, NULL,
                         0,
                         "certified candidate sets: the omitted posterior mass is "
                         "proved below candidate_eps/2, so update and gradient are "
                         "within candidate_eps * alpha * max|training entry| and E "
                         "within sigma^2 candidate_eps/2 of the exact ones"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct diffusion {
    uint32_t dim;
    lse_energy lse;
    int exact;  /* no streams */
    double eps; /* candidate_eps */
    /* The closed streams' counts (diffusion_stream_close) */
    atomic_uint_fast64_t closed, calls, certified, candidates;
} diffusion;

/* A sampler's stream (ABI 1.5): the kernel's, and the host to log to at close. */
typedef struct diffusion_stream {
    softmax_stream *kernel;
    const basin_host *host;
} diffusion_stream;

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
    e->exact = params[P_EXACT].number != 0;
    e->eps = params[P_CANDIDATE_EPS].number;
    if (!(e->eps > 0 && e->eps <= 0.5)) {
        host->error(host, "candidate_eps = %g is not in (0, 0.5]", e->eps);
        free(e);
        return BASIN_EINVAL;
    }
    e->lse.alpha = alpha;
    e->lse.sigma = sigma;
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
    return lse_energy_energy(&e->lse, host, NULL, x, n, energy);
}

/* ∇E_σ(x) = x − α x̂0(x) for n states. [thread-safe] */
static int diffusion_gradient(void *self, const basin_host *host, const float *x,
                              uint64_t n, float *gradient)
{
    const diffusion *e = self;
    return lse_energy_gradient(&e->lse, host, NULL, x, n, gradient);
}

/* x ← α x̂0(x) for n states (out may equal x). [thread-safe] */
static int diffusion_update(void *self, const basin_host *host, const float *x,
                            uint64_t n, float *out)
{
    const diffusion *e = self;
    return lse_energy_update(&e->lse, host, NULL, x, n, out);
}

/* H(x_r) v_r = v_r − (α²/σ²) Cov_w(ξ) v_r for n pairs. [thread-safe] */
static int diffusion_hessian_vector(void *self, const basin_host *host, const float *x,
                                    const float *v, uint64_t n, float *out)
{
    const diffusion *e = self;
    return lse_energy_hessian_vector(&e->lse, host, x, v, n, out);
}

/*
 * Streams (ABI 1.5; core/kernels/softmax.h): the certified candidate-set path of
 * scores/empirical, here along an energy sampler's trajectory of one state (or a
 * batch). Unless exact = true, a state keeps the distance bounds of its last exact
 * evaluation; an evaluation whose omitted posterior mass is proved below
 * candidate_eps/2 sums its candidates alone. The update α x̂0 is then within
 * candidate_eps · α · max|ξ| of update's, the gradient x − α x̂0 likewise, and
 * E = ½‖x‖² − σ² lse within σ² candidate_eps/2; otherwise the exact computation.
 * Too many rows for the bounds or no memory for them: no stream.
 */
static int diffusion_stream_open(void *self, const basin_host *host, uint64_t n,
                                 void **stream)
{
    diffusion *e = self;
    *stream = NULL;
    if (e->exact || e->lse.memory.k == 0 || n == 0)
        return BASIN_OK;
    diffusion_stream *ds = calloc(1, sizeof *ds);
    if (ds == NULL)
        return BASIN_OK;
    if (softmax_stream_open(&e->lse.memory, n, e->eps, &ds->kernel) != BASIN_OK) {
        free(ds);
        return BASIN_OK;
    }
    ds->host = host;
    *stream = ds;
    return BASIN_OK;
}

/* Adds the stream's counts to the energy's; logs the totals (debug) when the number
   of closed streams reaches a power of two (the samplers open one per state). */
static void diffusion_stream_close(void *self, void *stream)
{
    diffusion *e = self;
    diffusion_stream *ds = stream;
    if (ds == NULL)
        return;
    softmax_stream_stats st;
    softmax_stream_get_stats(ds->kernel, &st);
    const uint64_t calls = atomic_fetch_add(&e->calls, st.calls) + st.calls;
    const uint64_t cert = atomic_fetch_add(&e->certified, st.certified) + st.certified;
    const uint64_t cand = atomic_fetch_add(&e->candidates, st.candidates) + st.candidates;
    const uint64_t closed = atomic_fetch_add(&e->closed, 1) + 1;
    if ((closed & (closed - 1)) == 0 && ds->host->log != NULL)
        ds->host->log(ds->host, BASIN_LOG_DEBUG,
                      "candidate sets (%llu streams so far): %llu of %llu evaluations "
                      "certified, mean %.1f candidates",
                      (unsigned long long)closed, (unsigned long long)cert,
                      (unsigned long long)calls,
                      cert ? (double)cand / (double)cert : 0.0);
    softmax_stream_close(ds->kernel);
    free(ds);
}

static softmax_stream *kernel_of(void *stream)
{
    return stream != NULL ? ((diffusion_stream *)stream)->kernel : NULL;
}

/* energy, gradient and update through a stream. [one thread per stream] */
static int diffusion_energy_stream(void *self, void *stream, const basin_host *host,
                                   const float *x, uint64_t n, double *energy)
{
    const diffusion *e = self;
    return lse_energy_energy(&e->lse, host, kernel_of(stream), x, n, energy);
}

static int diffusion_gradient_stream(void *self, void *stream, const basin_host *host,
                                     const float *x, uint64_t n, float *gradient)
{
    const diffusion *e = self;
    return lse_energy_gradient(&e->lse, host, kernel_of(stream), x, n, gradient);
}

static int diffusion_update_stream(void *self, void *stream, const basin_host *host,
                                   const float *x, uint64_t n, float *out)
{
    const diffusion *e = self;
    return lse_energy_update(&e->lse, host, kernel_of(stream), x, n, out);
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
    .stream_open = diffusion_stream_open,
    .energy_stream = diffusion_energy_stream,
    .gradient_stream = diffusion_gradient_stream,
    .update_stream = diffusion_update_stream,
    .stream_close = diffusion_stream_close,
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

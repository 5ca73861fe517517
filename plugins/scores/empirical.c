/*
 * scores/empirical — the exact optimal denoiser of the training set itself
 * (docs/science.md, Empirical score). Under x_t = α x_0 + σ ε with x_0 drawn uniformly
 * from the K training points ξ_μ, p_t(x) = (1/K) Σ_μ N(x; α ξ_μ, σ² I) and
 *
 *   x̂0(x) = E[x_0 | x_t = x] = Σ_μ w_μ ξ_μ,   w_μ = softmax_μ(−‖x − α ξ_μ‖² / 2σ²).
 *
 * Dropping ‖x‖²/2σ² (the same for every μ) the logits are a x·ξ_μ + b ‖ξ_μ‖² with
 * a = α/σ², b = −α²/2σ², so one call of softmax_average (core/kernels/softmax.h) computes
 * it: two SGEMMs per chunk of patterns with an online max-subtracted softmax. This
 * is the modern Hopfield update ξ ← X softmax(β Xᵀ ξ) (Ramsauer et al. 2020,
 * "Hopfield Networks is All You Need", arXiv:2008.02217, eq. 3) at β = α/σ² with
 * the norm bias b ‖ξ_μ‖², the correspondence of Hoover et al. 2023 ("Memory in
 * Plain Sight", arXiv:2309.16750). A sampler run on it reproduces training points
 * (memorization): the reference model against which generalization is measured.
 *
 * σ = 0 is the limit: the training point nearest x/α (nearest_two, distances
 * recomputed in double). σ so small that a = α/σ² overflows a double takes the
 * same limit. σ = +Inf gives the mean of the training points.
 *
 * Precision (softmax.c): the logits carry the float SGEMM's error
 * |δℓ| ≲ (α/σ²) · N · 2⁻²⁴ · Σ_i |x_i ξ_i|, so once σ² is below about
 * N · 2⁻²⁴ · α |x|·|ξ| the weights are right only in the hard-max sense (which
 * point wins, except within that margin of a tie).
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_args.h"
#include "nearest.h"
#include "softmax.h"

enum { P_EXACT, P_CANDIDATE_EPS };

static const basin_param_def empirical_params[] = {
    [P_EXACT] = {"exact", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
                 "true: every evaluation sums over all K training points (the "
                 "certified candidate-set path off)"},
    [P_CANDIDATE_EPS] = {"candidate_eps", BASIN_PARAM_REAL, 1e-7, NULL, 1e-300, 0.5, NULL,
                         0,
                         "the candidate-set path's bound: each output entry within "
                         "candidate_eps * max|training entry| of the exact denoiser"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct empirical {
    uint32_t dim;          /* N */
    int encoded;           /* memory holds the training set */
    int exact;             /* no streams */
    double eps;            /* candidate_eps */
    softmax_memory memory; /* the K training points ξ_μ and ‖ξ_μ‖² */
} empirical;

/* A sampler's stream (ABI 1.4): the kernel's, and the host to log to at close. */
typedef struct empirical_stream {
    softmax_stream *kernel;
    const basin_host *host;
} empirical_stream;

static void empirical_destroy(void *self)
{
    empirical *e = self;
    if (e == NULL)
        return;
    if (e->encoded)
        softmax_memory_free(&e->memory);
    free(e);
}

/* An empty empirical score on dim coordinates. BASIN_EINVAL, BASIN_ENOMEM. */
static int empirical_create(const basin_host *host, const basin_value *params,
                            uint32_t dim, void **self)
{
    *self = NULL;
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    empirical *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->exact = params[P_EXACT].number != 0;
    e->eps = params[P_CANDIDATE_EPS].number;
    *self = e;
    return BASIN_OK;
}

/* Index of the first non-finite entry of count floats, or -1. */
static int64_t first_nonfinite(const float *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return (int64_t)i;
    return -1;
}

/*
 * Store the n training points (n × dim, copied). Replaces an earlier training set.
 * Returns BASIN_EINVAL (n = 0, NULL, too large), BASIN_ENUMERIC (a non-finite
 * entry, named), BASIN_ENOMEM. Called from one thread.
 */
static int empirical_encode(void *self, const basin_host *host, const float *train,
                            uint64_t n)
{
    empirical *e = self;
    if (n == 0 || train == NULL) {
        host->error(host, "encode: the training set is empty");
        return BASIN_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(float) / e->dim) {
        host->error(host, "encode: %llu training points of dim %u overflow memory",
                    (unsigned long long)n, e->dim);
        return BASIN_EINVAL;
    }
    const int64_t bad = first_nonfinite(train, (size_t)n * e->dim);
    if (bad >= 0) {
        host->error(host, "encode: training point %lld entry %lld is %g",
                    (long long)(bad / e->dim), (long long)(bad % e->dim),
                    (double)train[bad]);
        return BASIN_ENUMERIC;
    }
    softmax_memory memory;
    int rc = softmax_memory_init(&memory, train, n, e->dim);
    if (rc != BASIN_OK) {
        host->error(host, "encode: cannot store %llu training points of dim %u",
                    (unsigned long long)n, e->dim);
        return rc;
    }
    if (e->encoded)
        softmax_memory_free(&e->memory);
    e->memory = memory;
    e->encoded = 1;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

/* σ = 0: row i of x0_hat = the training point nearest x_i/α. [thread-safe] */
static int nearest_point(const empirical *e, const basin_host *host, const float *x,
                         uint64_t n, double alpha, float *x0_hat)
{
    const size_t dim = e->dim;
    nearest2 *near = malloc((size_t)n * sizeof *near);
    if (near == NULL) {
        host->error(host, "denoise: out of memory for %llu states",
                    (unsigned long long)n);
        return BASIN_ENOMEM;
    }
    /* ‖x − α ξ‖² = α² ‖x/α − ξ‖²: the same ranking. */
    int rc = nearest_two(x, n, e->memory.patterns, e->memory.k, e->dim, alpha, -1, near);
    if (rc != BASIN_OK) {
        host->error(host, "denoise: out of memory for the distances");
        free(near);
        return rc;
    }
    for (uint64_t i = 0; i < n; i++) {
        const int64_t mu = near[i].index[0];
        if (mu < 0) {
            host->error(host, "denoise: no nearest training point for state %llu",
                        (unsigned long long)i);
            free(near);
            return BASIN_ENUMERIC;
        }
        memcpy(x0_hat + (size_t)i * dim, e->memory.patterns + (size_t)mu * dim,
               dim * sizeof *x0_hat);
    }
    free(near);
    return BASIN_OK;
}

/*
 * x̂0 = Σ_μ softmax_μ(−‖x − α ξ_μ‖²/2σ²) ξ_μ for n states (n × dim) into x0_hat
 * (n × dim, not overlapping x). α > 0 finite, σ ≥ 0 (+Inf allowed), else
 * BASIN_EINVAL; a non-finite state entry or overflowing logits give
 * BASIN_ENUMERIC; BASIN_ENOMEM. [thread-safe] [deterministic]
 */
static int empirical_denoise(void *self, const basin_host *host, const float *x,
                             uint64_t n, double alpha, double sigma, float *x0_hat)
{
    const empirical *e = self;
    const int go =
        denoise_args(host, e->encoded, x, n, alpha, sigma, x0_hat, e->dim, e->dim);
    if (go <= 0)
        return go;
    const double a = alpha / (sigma * sigma);
    const double b = -alpha * alpha / (2 * sigma * sigma);
    if (sigma == 0 || !isfinite(a) || !isfinite(b))
        return nearest_point(e, host, x, n, alpha, x0_hat);
    /* σ = +Inf: a = 0 and b = −0, uniform weights, the mean. */
    const int rc = softmax_average(&e->memory, x, n, a, b, x0_hat, NULL);
    if (rc == BASIN_ENOMEM)
        host->error(host, "denoise: out of memory for the logits");
    else if (rc == BASIN_ENUMERIC)
        host->error(host, "denoise: the logits overflow at alpha = %g, sigma = %g", alpha,
                    sigma);
    else if (rc != BASIN_OK)
        host->error(host, "denoise: softmax_average failed (%d)", rc);
    return rc;
}

/*
 * Streams (ABI 1.4; core/kernels/softmax.h, softmax_stream_average): the certified
 * candidate-set path. Unless exact = true, a sampler's batch of n trajectories gets
 * per-row anchors and distance bounds, and a row whose omitted posterior mass is
 * proved below candidate_eps/2 is computed from its candidates alone: its output
 * within candidate_eps · max|ξ| of denoise's (entrywise), else it is denoise's
 * exact computation. A stream is tied to the training set encoded when it opened
 * (the host never encodes while a sampler runs). Too many rows for the bounds
 * (softmax.h, SOFTMAX_STREAM_MAX_BYTES) or no memory for them: no stream, the
 * sampler calls denoise.
 */
static int empirical_stream_open(void *self, const basin_host *host, uint64_t n,
                                 void **stream)
{
    empirical *e = self;
    *stream = NULL;
    if (e->exact || !e->encoded || n == 0)
        return BASIN_OK;
    empirical_stream *es = calloc(1, sizeof *es);
    if (es == NULL)
        return BASIN_OK;
    if (softmax_stream_open(&e->memory, n, e->eps, &es->kernel) != BASIN_OK) {
        free(es);
        return BASIN_OK;
    }
    es->host = host;
    *stream = es;
    return BASIN_OK;
}

static void empirical_stream_close(void *self, void *stream)
{
    (void)self;
    empirical_stream *es = stream;
    if (es == NULL)
        return;
    softmax_stream_stats st;
    softmax_stream_get_stats(es->kernel, &st);
    if (es->host->log != NULL)
        es->host->log(es->host, BASIN_LOG_DEBUG,
                      "candidate sets: %llu of %llu evaluations certified, mean %.1f "
                      "candidates",
                      (unsigned long long)st.certified, (unsigned long long)st.calls,
                      st.certified ? (double)st.candidates / (double)st.certified : 0.0);
    softmax_stream_close(es->kernel);
    free(es);
}

/* denoise through a stream: the same arguments and errors. [one thread per stream] */
static int empirical_denoise_stream(void *self, void *stream, const basin_host *host,
                                    const float *x, uint64_t n, double alpha,
                                    double sigma, float *x0_hat)
{
    const empirical *e = self;
    empirical_stream *es = stream;
    const int go =
        denoise_args(host, e->encoded, x, n, alpha, sigma, x0_hat, e->dim, e->dim);
    if (go <= 0)
        return go;
    const double a = alpha / (sigma * sigma);
    const double b = -alpha * alpha / (2 * sigma * sigma);
    if (es == NULL || sigma == 0 || !isfinite(a) || !isfinite(b))
        return empirical_denoise(self, host, x, n, alpha, sigma, x0_hat);
    const int rc = softmax_stream_average(es->kernel, x, n, alpha, sigma, x0_hat);
    if (rc == BASIN_ENOMEM)
        host->error(host, "denoise: out of memory for the logits");
    else if (rc == BASIN_ENUMERIC)
        host->error(host, "denoise: the logits overflow at alpha = %g, sigma = %g", alpha,
                    sigma);
    else if (rc != BASIN_OK)
        host->error(host, "denoise: %llu states for a stream of other size (%d)",
                    (unsigned long long)n, rc);
    return rc;
}

static const basin_score_iface empirical_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = empirical_create,
    .destroy = empirical_destroy,
    .encode = empirical_encode,
    .denoise = empirical_denoise,
    .stream_open = empirical_stream_open,
    .denoise_stream = empirical_denoise_stream,
    .stream_close = empirical_stream_close,
};

static const basin_descriptor empirical_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/empirical",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.1.0",
    .summary = "exact optimal denoiser of the training set (modern Hopfield update)",
    .params = empirical_params,
    .iface = &empirical_iface,
};

static const basin_descriptor *const empirical_plugins[] = {
    &empirical_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "empirical-score",
    empirical_plugins,
};

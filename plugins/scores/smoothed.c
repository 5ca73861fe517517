/*
 * scores/smoothed — the smoothed closed-form denoiser of Scarvelis, Sáez de Ocáriz
 * Borde & Solomon 2023 ("Closed-Form Diffusion Models", arXiv:2310.12395, Sec. 4,
 * the σ-smoothed closed-form score and its M-draw Monte Carlo estimate;
 * docs/analytic-denoisers.md). The closed-form (empirical) denoiser of the training
 * set, D(x) = Σ_μ softmax_μ(−‖x − α ξ_μ‖²/2σ²) ξ_μ (scores/empirical), is averaged
 * over Gaussian perturbations of the query with a fixed smoothing scale s:
 *
 *   x̂0(x) = E_ε[D(x + s ε)] ≈ (1/M) Σ_{m<M} D(x + s ε_m),   ε_m ~ N(0, I),
 *
 * so the score (α x̂0 − x)/σ² is the paper's smoothed score
 * (1/σ²) · (1/M) Σ_m (α D(x + s ε_m) − x): their interpolant z_t = t x1 + (1 − t) x0
 * is α = t, σ = 1 − t here, and s (their σ) is a distance in state space, the same
 * at every noise level. s = 0 is scores/empirical exactly (bit for bit: one
 * draw, the same kernel call on the same rows). Large s pulls samples towards barycentres of nearby
 * training points (the paper's Sec. 4 analysis): they stop being copies.
 *
 * The M draws ε_m are drawn once, at encode, from the host's counter-based stream
 * (role BASIN_ROLE_ENCODE, index m, step 0) and shared by every state and every
 * call (common random numbers): x̂0 is then one fixed, smooth function of x, so a
 * state's output never depends on the batch it came in, the thread that ran it or
 * the order of calls, and an ODE sampler integrates a fixed vector field. The
 * paper's reference estimator draws fresh ε each call; both are unbiased M-draw
 * estimates of the same expectation.
 *
 * Cost: M times scores/empirical — one softmax_average (core/kernels/softmax.h)
 * over n·M perturbed states, in blocks that keep the buffer at about 2¹⁶ rows.
 * σ = 0 (and a = α/σ² overflowing) takes, draw by draw, the training point nearest
 * (x + s ε_m)/α, as scores/empirical does.
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

enum { P_SMOOTHING, P_DRAWS };

#define SMOOTHED_MAX_DRAWS  65536
#define SMOOTHED_BLOCK_ROWS 65536u /* perturbed rows per softmax_average call */

static const basin_param_def smoothed_params[] = {
    [P_SMOOTHING] = {"smoothing", BASIN_PARAM_REAL, 0.1, NULL, 0, 1e6, NULL, 0,
                     "smoothing scale s: the standard deviation of the Gaussian "
                     "perturbation of the state (state units; 0 = scores/empirical)"},
    [P_DRAWS] = {"draws", BASIN_PARAM_INT, 16, NULL, 1, SMOOTHED_MAX_DRAWS, NULL, 0,
                 "number M of perturbations averaged (drawn once at encode)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct smoothed {
    uint32_t dim;          /* N */
    double scale;          /* s */
    uint32_t draws;        /* M */
    int encoded;           /* memory and eps hold the training set and the draws */
    softmax_memory memory; /* the K training points ξ_μ and ‖ξ_μ‖² */
    float *eps;            /* M × N standard normal draws ε_m */
} smoothed;

static void smoothed_destroy(void *self)
{
    smoothed *s = self;
    if (s == NULL)
        return;
    if (s->encoded)
        softmax_memory_free(&s->memory);
    free(s->eps);
    free(s);
}

/* An empty smoothed score on dim coordinates. BASIN_EINVAL, BASIN_ENOMEM. */
static int smoothed_create(const basin_host *host, const basin_value *params,
                           uint32_t dim, void **self)
{
    *self = NULL;
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    const double scale = params[P_SMOOTHING].number;
    const double draws = params[P_DRAWS].number;
    if (!(scale >= 0) || !isfinite(scale)) {
        host->error(host, "smoothing = %g: need a finite scale >= 0", scale);
        return BASIN_EINVAL;
    }
    if (!(draws >= 1 && draws <= SMOOTHED_MAX_DRAWS) || draws != floor(draws)) {
        host->error(host, "draws = %g is not an integer in [1, %d]", draws,
                    SMOOTHED_MAX_DRAWS);
        return BASIN_EINVAL;
    }
    smoothed *s = calloc(1, sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->dim = dim;
    s->scale = scale;
    s->draws = (uint32_t)draws;
    *self = s;
    return BASIN_OK;
}

/*
 * Store the n training points (n × dim, copied) and draw the M perturbations
 * (role ENCODE, index m). Replaces an earlier training set. Returns BASIN_EINVAL
 * (n = 0, NULL, too large), BASIN_ENUMERIC (a non-finite entry, named),
 * BASIN_ENOMEM. Called from one thread. [deterministic given rng: role ENCODE]
 */
static int smoothed_encode(void *self, const basin_host *host, const float *train,
                           uint64_t n)
{
    smoothed *s = self;
    int rc = encode_args(host, train, n, s->dim);
    if (rc)
        return rc;
    float *eps = malloc((size_t)s->draws * s->dim * sizeof *eps);
    softmax_memory memory;
    rc = eps == NULL ? BASIN_ENOMEM : softmax_memory_init(&memory, train, n, s->dim);
    if (rc != BASIN_OK) {
        free(eps);
        host->error(host, "encode: cannot store %llu training points of dim %u",
                    (unsigned long long)n, s->dim);
        return rc;
    }
    for (uint32_t m = 0; m < s->draws; m++)
        host->random_normal(host, BASIN_ROLE_ENCODE, m, 0, eps + (size_t)m * s->dim,
                            s->dim);
    if (s->encoded)
        softmax_memory_free(&s->memory);
    free(s->eps);
    s->memory = memory;
    s->eps = eps;
    s->encoded = 1;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

/* rows perturbed states (rows × dim) → the training point nearest each /α into
   out (rows × dim). [thread-safe] */
static int nearest_rows(const smoothed *s, const basin_host *host, const float *y,
                        uint64_t rows, double alpha, float *out)
{
    const size_t dim = s->dim;
    nearest2 *near = malloc((size_t)rows * sizeof *near);
    if (near == NULL) {
        host->error(host, "denoise: out of memory for %llu states",
                    (unsigned long long)rows);
        return BASIN_ENOMEM;
    }
    /* ‖y − α ξ‖² = α² ‖y/α − ξ‖²: the same ranking. */
    int rc =
        nearest_two(y, rows, s->memory.patterns, s->memory.k, s->dim, alpha, -1, near);
    if (rc != BASIN_OK) {
        host->error(host, "denoise: out of memory for the distances");
        free(near);
        return rc;
    }
    for (uint64_t i = 0; i < rows; i++) {
        const int64_t mu = near[i].index[0];
        if (mu < 0) {
            host->error(host,
                        "denoise: no nearest training point for a perturbed "
                        "state (row %llu of a block)",
                        (unsigned long long)i);
            free(near);
            return BASIN_ENUMERIC;
        }
        memcpy(out + (size_t)i * dim, s->memory.patterns + (size_t)mu * dim,
               dim * sizeof *out);
    }
    free(near);
    return BASIN_OK;
}

/*
 * x̂0 = (1/M) Σ_m D(x + s ε_m) for n states (n × dim) into x0_hat (n × dim, not
 * overlapping x), D the closed-form denoiser at (α, σ). α > 0 finite, σ ≥ 0 (+Inf
 * allowed), else BASIN_EINVAL; a non-finite state entry or overflowing logits give
 * BASIN_ENUMERIC; BASIN_ENOMEM. Each state's output depends on that state alone.
 * [thread-safe] [deterministic]
 */
static int smoothed_denoise(void *self, const basin_host *host, const float *x,
                            uint64_t n, double alpha, double sigma, float *x0_hat)
{
    const smoothed *s = self;
    const int go =
        denoise_args(host, s->encoded, x, n, alpha, sigma, x0_hat, s->dim, s->dim);
    if (go <= 0)
        return go;
    /* s = 0: every draw is x itself, so one draw gives the same average; with
       n ≤ 2¹⁶ it is then scores/empirical's very call on the same rows. */
    const size_t dim = s->dim, draws = s->scale == 0 ? 1 : s->draws;
    const double a = alpha / (sigma * sigma);
    const double b = -alpha * alpha / (2 * sigma * sigma);
    const int hard = sigma == 0 || !isfinite(a) || !isfinite(b);
    size_t block = SMOOTHED_BLOCK_ROWS / draws; /* states per block */
    if (block == 0)
        block = 1;
    if (block > n)
        block = (size_t)n;
    float *y = malloc(block * draws * dim * sizeof *y);
    float *d = malloc(block * draws * dim * sizeof *d);
    double *acc = malloc(dim * sizeof *acc);
    int rc = BASIN_OK;
    if (y == NULL || d == NULL || acc == NULL) {
        host->error(host, "denoise: out of memory for %zu perturbed states",
                    block * draws);
        rc = BASIN_ENOMEM;
    }
    const float scale = (float)s->scale;
    for (size_t first = 0; rc == BASIN_OK && first < n; first += block) {
        const size_t count = (size_t)n - first < block ? (size_t)n - first : block;
        for (size_t i = 0; i < count; i++)
            for (size_t m = 0; m < draws; m++) {
                const float *xi = x + (first + i) * dim, *em = s->eps + m * dim;
                float *row = y + (i * draws + m) * dim;
                for (size_t j = 0; j < dim; j++)
                    row[j] = xi[j] + scale * em[j];
            }
        const uint64_t rows = (uint64_t)(count * draws);
        if (hard)
            rc = nearest_rows(s, host, y, rows, alpha, d);
        else {
            /* σ = +Inf: a = 0 and b = −0, uniform weights, the mean. */
            rc = softmax_average(&s->memory, y, rows, a, b, d, NULL);
            if (rc == BASIN_ENOMEM)
                host->error(host, "denoise: out of memory for the logits");
            else if (rc == BASIN_ENUMERIC)
                host->error(host,
                            "denoise: the logits overflow at alpha = %g, sigma = %g",
                            alpha, sigma);
            else if (rc != BASIN_OK)
                host->error(host, "denoise: softmax_average failed (%d)", rc);
        }
        if (rc != BASIN_OK)
            break;
        /* Average the M draws in double: M equal rows give that row exactly. */
        for (size_t i = 0; i < count; i++) {
            memset(acc, 0, dim * sizeof *acc);
            for (size_t m = 0; m < draws; m++) {
                const float *row = d + (i * draws + m) * dim;
                for (size_t j = 0; j < dim; j++)
                    acc[j] += row[j];
            }
            float *out = x0_hat + (first + i) * dim;
            for (size_t j = 0; j < dim; j++)
                out[j] = (float)(acc[j] / (double)draws);
        }
    }
    free(y);
    free(d);
    free(acc);
    return rc;
}

static const basin_score_iface smoothed_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = smoothed_create,
    .destroy = smoothed_destroy,
    .encode = smoothed_encode,
    .denoise = smoothed_denoise,
};

static const basin_descriptor smoothed_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/smoothed",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary =
        "empirical denoiser averaged over perturbed states (Scarvelis et al. 2023)",
    .params = smoothed_params,
    .iface = &smoothed_iface,
};

static const basin_descriptor *const smoothed_plugins[] = {
    &smoothed_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "smoothed-score",
    smoothed_plugins,
};

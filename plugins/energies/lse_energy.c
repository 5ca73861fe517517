/* lse_energy — see lse_energy.h. */
#include "lse_energy.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

/* Hessian scratch: rows × K ≤ 2^22 floats (16 MiB) per matrix, at least one row. */
#define CHUNK_FLOATS ((size_t)1 << 22)

int lse_energy_encode(lse_energy *e, const basin_host *host, const float *patterns,
                      uint64_t n, uint32_t dim)
{
    if (n == 0 || patterns == NULL) {
        host->error(host, "encode: no memories (K = 0)");
        return BASIN_EINVAL;
    }
    if (n > INT32_MAX) {
        host->error(host, "encode: %llu memories are too many (at most %d)",
                    (unsigned long long)n, INT32_MAX);
        return BASIN_EINVAL;
    }
    for (size_t t = 0; t < (size_t)n * dim; t++) {
        if (!isfinite(patterns[t])) {
            host->error(host, "encode: memory %zu entry %zu is %g", t / dim, t % dim,
                        (double)patterns[t]);
            return BASIN_EINVAL;
        }
    }
    softmax_memory memory;
    const int rc = softmax_memory_init(&memory, patterns, n, dim);
    if (rc != BASIN_OK) {
        host->error(host,
                    rc == BASIN_ENOMEM ? "encode: cannot allocate %llu × %u floats"
                                       : "encode: cannot store %llu × %u patterns",
                    (unsigned long long)n, dim);
        return rc;
    }
    softmax_memory_free(&e->memory);
    e->memory = memory;
    return BASIN_OK;
}

void lse_energy_free(lse_energy *e)
{
    if (e->memory.k > 0)
        softmax_memory_free(&e->memory);
}

/* BASIN_EINVAL unless encoded and x given. */
static int check_ready(const lse_energy *e, const basin_host *host, const char *what,
                       const void *x, uint64_t n)
{
    if (e->memory.k == 0) {
        host->error(host, "%s called before encode", what);
        return BASIN_EINVAL;
    }
    if (n > 0 && x == NULL) {
        host->error(host, "%s: states are NULL", what);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* The kernel's status as an error message. */
static int kernel_error(const basin_host *host, const char *what, int rc)
{
    if (rc == BASIN_ENOMEM)
        host->error(host, "%s: out of memory", what);
    else
        host->error(host,
                    "%s: a logit a x·ξ + b ‖ξ‖² is not finite (a NaN state, "
                    "or parameters so extreme that the logits overflow)",
                    what);
    return rc;
}

/* The kernel's lse (lse != NULL) or weighted average (avg != NULL) for n states:
   through the stream s when given (the diffusion energy's candidate sets), else
   softmax_average. */
static int kernel(const lse_energy *e, softmax_stream *s, const float *x, uint64_t n,
                  float *avg, double *lse)
{
    if (s == NULL)
        return softmax_average(&e->memory, x, n, e->a, e->b, avg, lse);
    if (avg != NULL)
        return softmax_stream_average(s, x, n, e->alpha, e->sigma, avg);
    return softmax_stream_lse(s, x, n, e->alpha, e->sigma, lse);
}

int lse_energy_energy(const lse_energy *e, const basin_host *host, softmax_stream *s,
                      const float *x, uint64_t n, double *energy)
{
    int rc = check_ready(e, host, "energy", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    rc = kernel(e, s, x, n, NULL, energy);
    if (rc != BASIN_OK)
        return kernel_error(host, "energy", rc);
    const size_t dim = e->memory.dim;
    for (uint64_t r = 0; r < n; r++) {
        const float *xr = x + r * dim;
        energy[r] = 0.5 * linalg_dot(xr, xr, dim) - e->tau * energy[r] + e->constant;
        if (!isfinite(energy[r])) {
            host->error(host, "energy: state %llu: E is %g", (unsigned long long)r,
                        energy[r]);
            return BASIN_ENUMERIC;
        }
    }
    return BASIN_OK;
}

int lse_energy_gradient(const lse_energy *e, const basin_host *host, softmax_stream *s,
                        const float *x, uint64_t n, float *gradient)
{
    int rc = check_ready(e, host, "gradient", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    rc = kernel(e, s, x, n, gradient, NULL);
    if (rc != BASIN_OK)
        return kernel_error(host, "gradient", rc);
    const double scale = e->tau * e->a;
    for (size_t t = 0; t < (size_t)n * e->memory.dim; t++)
        gradient[t] = (float)((double)x[t] - scale * gradient[t]);
    return BASIN_OK;
}

int lse_energy_update(const lse_energy *e, const basin_host *host, softmax_stream *s,
                      const float *x, uint64_t n, float *out)
{
    int rc = check_ready(e, host, "update", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t entries = (size_t)n * e->memory.dim;
    float *target = out;
    if (out == x) {
        target = malloc(entries * sizeof *target);
        if (target == NULL) {
            host->error(host, "update: out of memory");
            return BASIN_ENOMEM;
        }
    }
    rc = kernel(e, s, x, n, target, NULL);
    if (rc == BASIN_OK) {
        const double scale = e->tau * e->a;
        if (scale != 1.0)
            for (size_t t = 0; t < entries; t++)
                target[t] = (float)(scale * target[t]);
        if (target != out)
            memcpy(out, target, entries * sizeof *out);
    }
    if (target != out)
        free(target);
    return rc == BASIN_OK ? BASIN_OK : kernel_error(host, "update", rc);
}

/*
 * For `rows` state/direction pairs: logits L = a X Ξᵀ + b ‖ξ‖² (SGEMM), weights
 * w = softmax(L) per row (max-subtracted, sums in double), u = V Ξᵀ (SGEMM), then
 * q_μ = w_μ (u_μ − Σ_ν w_ν u_ν) and out = v − τa² q Ξ (SGEMM): q Ξ = Cov_w(ξ) v.
 */
static int hessian_chunk(const lse_energy *e, const float *x, const float *v, size_t rows,
                         float *out, float *logits, float *u, size_t *bad_row)
{
    const size_t k = e->memory.k, dim = e->memory.dim;
    const float *patterns = e->memory.patterns;
    linalg_gemm_nt(x, patterns, logits, rows, k, dim, 1.0f, 0.0f);
    linalg_gemm_nt(v, patterns, u, rows, k, dim, 1.0f, 0.0f);
    for (size_t r = 0; r < rows; r++) {
        float *w = logits + r * k, *ur = u + r * k;
        double max = -INFINITY;
        for (size_t mu = 0; mu < k; mu++) {
            const double l = e->a * w[mu] + e->b * e->memory.norm2[mu];
            if (!isfinite(l)) {
                *bad_row = r;
                return BASIN_ENUMERIC;
            }
            max = fmax(max, l);
        }
        double sum = 0;
        for (size_t mu = 0; mu < k; mu++)
            sum += exp(e->a * w[mu] + e->b * e->memory.norm2[mu] - max);
        double mean = 0;
        for (size_t mu = 0; mu < k; mu++) {
            const double p = exp(e->a * w[mu] + e->b * e->memory.norm2[mu] - max) / sum;
            w[mu] = (float)p;
            mean += p * ur[mu];
        }
        for (size_t mu = 0; mu < k; mu++)
            ur[mu] = (float)((double)w[mu] * ((double)ur[mu] - mean));
    }
    memcpy(out, v, rows * dim * sizeof *out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)dim, (int)k,
                (float)(-e->tau * e->a * e->a), u, (int)k, patterns, (int)dim, 1.0f, out,
                (int)dim);
    return BASIN_OK;
}

int lse_energy_hessian_vector(const lse_energy *e, const basin_host *host, const float *x,
                              const float *v, uint64_t n, float *out)
{
    int rc = check_ready(e, host, "hessian_vector", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    if (v == NULL) {
        host->error(host, "hessian_vector: directions are NULL");
        return BASIN_EINVAL;
    }
    const size_t k = e->memory.k, dim = e->memory.dim;
    size_t chunk = CHUNK_FLOATS / k;
    if (chunk == 0)
        chunk = 1;
    if (chunk > n)
        chunk = (size_t)n;
    float *logits = malloc(chunk * k * sizeof *logits);
    float *u = malloc(chunk * k * sizeof *u);
    if (logits == NULL || u == NULL) {
        free(logits);
        free(u);
        host->error(host, "hessian_vector: out of memory for %zu × %zu weights", chunk,
                    k);
        return BASIN_ENOMEM;
    }
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        size_t bad = 0;
        rc = hessian_chunk(e, x + first * dim, v + first * dim, rows, out + first * dim,
                           logits, u, &bad);
        if (rc != BASIN_OK) {
            host->error(host, "hessian_vector: state %llu: a logit is not finite",
                        (unsigned long long)(first + bad));
            break;
        }
    }
    free(logits);
    free(u);
    return rc;
}

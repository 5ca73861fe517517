/*
 * denoise_args — the argument checks every first-party score's denoise starts with
 * (scores/empirical, scores/gaussian, scores/mlp), so they refuse the same inputs
 * with the same messages; encode_args, those of encode (scores/mlp, smoothed,
 * patch). Internal to plugins/scores; header-only.
 */
#ifndef BASIN_SCORES_DENOISE_ARGS_H
#define BASIN_SCORES_DENOISE_ARGS_H

#include <basin/plugin.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Check a denoise call on n states of dim floats: the model is encoded, α > 0
 * finite, σ ≥ 0 (+Inf allowed), x and x0_hat given and n rows of row_floats
 * floats (row_floats ≥ dim: the widest per-state buffer the caller allocates)
 * addressable, every state entry finite. Returns 1 to go on, 0 when n = 0
 * (nothing to do), or BASIN_EINVAL / BASIN_ENUMERIC with a message.
 */
static inline int denoise_args(const basin_host *host, int encoded, const float *x,
                               uint64_t n, double alpha, double sigma,
                               const float *x0_hat, size_t dim, size_t row_floats)
{
    if (!encoded) {
        host->error(host, "denoise called before encode");
        return BASIN_EINVAL;
    }
    if (!(alpha > 0) || !isfinite(alpha) || !(sigma >= 0)) {
        host->error(host,
                    "denoise: alpha = %g, sigma = %g: need 0 < alpha < inf and "
                    "sigma >= 0",
                    alpha, sigma);
        return BASIN_EINVAL;
    }
    if (n == 0)
        return 0;
    if (x == NULL || x0_hat == NULL || n > SIZE_MAX / sizeof(float) / row_floats) {
        host->error(host, "denoise: states or output missing, or too many (%llu)",
                    (unsigned long long)n);
        return BASIN_EINVAL;
    }
    for (size_t i = 0; i < (size_t)n * dim; i++)
        if (!isfinite(x[i])) {
            host->error(host, "denoise: state %zu entry %zu is %g", i / dim, i % dim,
                        (double)x[i]);
            return BASIN_ENUMERIC;
        }
    return 1;
}

/*
 * Check an encode call's training set of n points of dim floats: not empty, n × dim
 * floats addressable, every entry finite. Returns BASIN_OK, or BASIN_EINVAL /
 * BASIN_ENUMERIC with a message naming the point and entry.
 */
static inline int encode_args(const basin_host *host, const float *train, uint64_t n,
                              size_t dim)
{
    if (n == 0 || train == NULL) {
        host->error(host, "encode: the training set is empty");
        return BASIN_EINVAL;
    }
    if (dim == 0 || n > SIZE_MAX / sizeof(float) / dim) {
        host->error(host, "encode: %llu training points of dim %zu overflow memory",
                    (unsigned long long)n, dim);
        return BASIN_EINVAL;
    }
    for (size_t i = 0; i < (size_t)n * dim; i++)
        if (!isfinite(train[i])) {
            host->error(host, "encode: training point %zu entry %zu is %g", i / dim,
                        i % dim, (double)train[i]);
            return BASIN_ENUMERIC;
        }
    return BASIN_OK;
}

#endif

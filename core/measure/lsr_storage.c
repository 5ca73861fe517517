/* lsr_storage — see lsr_storage.h. */
#include "measure/lsr_storage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "base/errmsg.h"
#include "kernels/linalg.h"

#define ROWS 256u
#define COLS 4096u

/* How many of the n thresholds r2[0] ≥ r2[1] ≥ … a squared distance lies below:
   d2 < r2[b] exactly for b < the result. */
static size_t below(const double *r2, size_t n, double d2)
{
    size_t lo = 0, hi = n; /* r2[b] > d2 for b < lo; r2[b] ≤ d2 for b ≥ hi */
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (d2 < r2[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int by_beta(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int lsr_storage(const float *patterns, uint64_t k, uint32_t dim, const double *beta,
                size_t n_beta, lsr_storage_row *out, char *err, size_t n_err)
{
    if (k == 0 || k > UINT32_MAX || dim == 0 || n_beta == 0 || patterns == NULL) {
        errmsg(err, n_err, "LSR storage: %llu patterns of dimension %u, %zu betas",
               (unsigned long long)k, dim, n_beta);
        return BASIN_EINVAL;
    }
    for (size_t b = 0; b < n_beta; b++)
        if (!(beta[b] > 0 && isfinite(beta[b]))) {
            errmsg(err, n_err, "LSR storage: beta %zu = %g must be > 0 and finite", b,
                   beta[b]);
            return BASIN_EINVAL;
        }
    /* (β, its index) sorted by β: thresholds r² = 2/β in decreasing order. */
    double *order = malloc(2 * n_beta * sizeof *order), *r2 = malloc(n_beta * sizeof *r2);
    double *norm = malloc(k * sizeof *norm);
    /* hist[μ (n_beta + 1) + j]: patterns ν with exactly j thresholds above d²;
       zero[μ]: patterns at distance exactly 0 (itself, duplicates) */
    uint32_t *hist = calloc(k * (n_beta + 1), sizeof *hist),
             *zero = calloc(k, sizeof *zero);
    float *block = malloc((size_t)ROWS * COLS * sizeof *block);
    if (!order || !r2 || !norm || !hist || !zero || !block) {
        free(order), free(r2), free(norm), free(hist), free(zero), free(block);
        errmsg(err, n_err, "LSR storage: out of memory for %llu patterns",
               (unsigned long long)k);
        return BASIN_ENOMEM;
    }
    for (size_t b = 0; b < n_beta; b++) {
        order[2 * b] = beta[b];
        order[2 * b + 1] = (double)b;
    }
    qsort(order, n_beta, 2 * sizeof *order, by_beta);
    for (size_t b = 0; b < n_beta; b++)
        r2[b] = 2 / order[2 * b];
    for (uint64_t mu = 0; mu < k; mu++)
        norm[mu] = linalg_dot(patterns + mu * dim, patterns + mu * dim, dim);
    for (uint64_t i0 = 0; i0 < k; i0 += ROWS) {
        const size_t m = (size_t)(k - i0 < ROWS ? k - i0 : ROWS);
        for (uint64_t j0 = 0; j0 < k; j0 += COLS) {
            const size_t n = (size_t)(k - j0 < COLS ? k - j0 : COLS);
            linalg_gemm_nt(patterns + i0 * dim, patterns + j0 * dim, block, m, n, dim,
                           1.0f, 0.0f);
            for (size_t a = 0; a < m; a++) {
                const uint64_t mu = i0 + a;
                uint32_t *h = hist + mu * (n_beta + 1);
                for (size_t c = 0; c < n; c++) {
                    const uint64_t nu = j0 + c;
                    double d2 = norm[mu] + norm[nu] - 2.0 * block[a * n + c];
                    const double band = 1e-4 * (norm[mu] + norm[nu]) + 1e-12;
                    size_t j = below(r2, n_beta, d2);
                    /* Near 0 or a threshold: decide exactly. */
                    if (d2 < band || (j > 0 && r2[j - 1] - d2 < band) ||
                        (j < n_beta && d2 - r2[j] < band)) {
                        d2 = linalg_dist2(patterns + mu * dim, patterns + nu * dim, dim);
                        j = below(r2, n_beta, d2);
                        zero[mu] += d2 == 0;
                    }
                    h[j]++;
                }
            }
        }
    }
    /* count_b(μ) = #{ν : d² < r_b²} = Σ_{j > b} hist[μ][j] (sorted order). */
    for (size_t b = 0; b < n_beta; b++) {
        lsr_storage_row *o = &out[(size_t)order[2 * b + 1]];
        *o = (lsr_storage_row){.beta = order[2 * b]};
    }
    double *sum = calloc(n_beta, sizeof *sum);
    for (uint64_t mu = 0; mu < k && sum; mu++) {
        const uint32_t *h = hist + mu * (n_beta + 1);
        uint64_t inside = 0;
        for (size_t b = n_beta; b-- > 0;) {
            inside += h[b + 1];
            lsr_storage_row *o = &out[(size_t)order[2 * b + 1]];
            o->fixed += inside == zero[mu];
            sum[b] += (double)inside;
            if (inside > o->max_support)
                o->max_support = inside;
        }
    }
    int rc = BASIN_OK;
    if (sum == NULL) {
        errmsg(err, n_err, "LSR storage: out of memory");
        rc = BASIN_ENOMEM;
    }
    for (size_t b = 0; b < n_beta && sum; b++) {
        lsr_storage_row *o = &out[(size_t)order[2 * b + 1]];
        o->fixed_fraction = (double)o->fixed / (double)k;
        o->mean_support = sum[b] / (double)k;
    }
    free(sum);
    free(order), free(r2), free(norm), free(hist), free(zero), free(block);
    return rc;
}

#include "nearest.h"

#include <math.h>
#include <stdlib.h>

#include "basin/plugin.h"
#include "linalg.h"

/* Queries × references per SGEMM block: 256 × 1024 floats = 1 MiB. */
#define QUERY_BLOCK 256
#define REF_BLOCK   1024

void nearest_keep(nearest2 *o, double d, int64_t j)
{
    if (d < o->dist2[0]) {
        o->dist2[1] = o->dist2[0];
        o->index[1] = o->index[0];
        o->dist2[0] = d;
        o->index[0] = j;
    } else if (d < o->dist2[1]) {
        o->dist2[1] = d;
        o->index[1] = j;
    }
}

static double exact_dist2(const float *q, const float *r, uint32_t dim, double s)
{
    double d = 0;
    for (uint32_t i = 0; i < dim; i++) {
        double e = (double)q[i] - s * (double)r[i];
        d += e * e;
    }
    return d;
}

int nearest_two(const float *q, uint64_t n, const float *r, uint64_t k, uint32_t dim,
                double scale, int64_t skip_offset, nearest2 *out)
{
    return nearest_two_normed(q, n, r, NULL, k, dim, scale, skip_offset, out);
}

int nearest_two_normed(const float *q, uint64_t n, const float *r, const double *r_norm2,
                       uint64_t k, uint32_t dim, double scale, int64_t skip_offset,
                       nearest2 *out)
{
    size_t rb = k < REF_BLOCK ? (size_t)k : REF_BLOCK;
    size_t qb = n < QUERY_BLOCK ? (size_t)n : QUERY_BLOCK;
    float *dot = malloc((qb ? qb : 1) * (rb ? rb : 1) * sizeof *dot);
    double *rn = malloc((size_t)(rb ? rb : 1) * sizeof *rn);
    if (!dot || !rn) {
        free(dot);
        free(rn);
        return BASIN_ENOMEM;
    }
    for (uint64_t i = 0; i < n; i++) {
        out[i].index[0] = out[i].index[1] = -1;
        out[i].dist2[0] = out[i].dist2[1] = INFINITY;
    }
    for (uint64_t j0 = 0; j0 < k; j0 += rb) {
        size_t nr = (size_t)(k - j0 < rb ? k - j0 : rb);
        for (size_t j = 0; j < nr; j++)
            rn[j] = scale * scale *
                    (r_norm2 != NULL
                         ? r_norm2[j0 + j]
                         : linalg_dot(r + (j0 + j) * dim, r + (j0 + j) * dim, dim));
        for (uint64_t i0 = 0; i0 < n; i0 += QUERY_BLOCK) {
            size_t nq = (size_t)(n - i0 < QUERY_BLOCK ? n - i0 : QUERY_BLOCK);
            linalg_gemm_nt(q + i0 * dim, r + j0 * dim, dot, nq, nr, dim,
                           (float)(2 * scale), 0.0f);
            for (size_t i = 0; i < nq; i++) {
                /* ‖q‖² is the same for every reference: rank by ‖s r‖² − 2 s q·r. */
                int64_t self = skip_offset >= 0 ? (int64_t)(i0 + i) + skip_offset : -1;
                for (size_t j = 0; j < nr; j++) {
                    if ((int64_t)(j0 + j) == self)
                        continue;
                    nearest_keep(&out[i0 + i], rn[j] - (double)dot[i * nr + j],
                                 (int64_t)(j0 + j));
                }
            }
        }
    }
    nearest_finish(q, n, r, dim, scale, out);
    free(dot);
    free(rn);
    return 0;
}

void nearest_finish(const float *q, uint64_t n, const float *r, uint32_t dim,
                    double scale, nearest2 *out)
{
    for (uint64_t i = 0; i < n; i++)
        for (int t = 0; t < 2; t++)
            if (out[i].index[t] >= 0)
                out[i].dist2[t] =
                    exact_dist2(q + i * dim, r + out[i].index[t] * dim, dim, scale);
    /* The exact distances may reorder a near tie. */
    for (uint64_t i = 0; i < n; i++)
        if (out[i].index[1] >= 0 && out[i].dist2[1] < out[i].dist2[0]) {
            double d = out[i].dist2[0];
            int64_t j = out[i].index[0];
            out[i].dist2[0] = out[i].dist2[1];
            out[i].index[0] = out[i].index[1];
            out[i].dist2[1] = d;
            out[i].index[1] = j;
        }
}

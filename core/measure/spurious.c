#include "measure/spurious.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/linalg.h"

/* Spurious states per SGEMM block: 256 × 256 floats = 256 KiB. */
#define BLOCK 256

/* The root of i, halving the path on the way. */
static uint64_t find(uint64_t *parent, uint64_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Join the sets of a and b under the lower root (deterministic). */
static void join(uint64_t *parent, uint64_t a, uint64_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* Union every pair of the m gathered states x (m × dim, squared norms sq) at
   most limit2 = δ_s²·dim apart. */
static int link_pairs(const float *x, const double *sq, uint64_t m, uint32_t dim,
                      double limit2, uint64_t *parent)
{
    float *g = malloc((size_t)BLOCK * BLOCK * sizeof *g);
    if (!g)
        return BASIN_ENOMEM;
    /* The GEMM form loses about 1e-6 relative of the norms to rounding: a pair
       within that margin is decided by its distance in double. */
    for (uint64_t a0 = 0; a0 < m; a0 += BLOCK) {
        size_t na = (size_t)(m - a0 < BLOCK ? m - a0 : BLOCK);
        for (uint64_t b0 = a0; b0 < m; b0 += BLOCK) {
            size_t nb = (size_t)(m - b0 < BLOCK ? m - b0 : BLOCK);
            linalg_gemm_nt(x + a0 * dim, x + b0 * dim, g, na, nb, dim, 1.0f, 0.0f);
            for (size_t i = 0; i < na; i++)
                for (size_t j = b0 == a0 ? i + 1 : 0; j < nb; j++) {
                    uint64_t a = a0 + i, b = b0 + j;
                    double d2 = sq[a] + sq[b] - 2.0 * g[i * nb + j];
                    double slack = 1e-5 * (sq[a] + sq[b]) + 1e-12;
                    if (d2 > limit2 + slack)
                        continue;
                    if (d2 < limit2 - slack ||
                        linalg_dist2(x + a * dim, x + b * dim, dim) <= limit2)
                        join(parent, a, b);
                }
        }
    }
    free(g);
    return BASIN_OK;
}

int spurious_group(const float *states, uint64_t n, uint32_t dim,
                   const measure_class *cls, double delta_s, spurious_result *out)
{
    memset(out, 0, sizeof *out);
    out->cluster = malloc((size_t)(n ? n : 1) * sizeof *out->cluster);
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        m += cls[i] == MEASURE_SPURIOUS;
    uint64_t *index = malloc((size_t)(m ? m : 1) * sizeof *index);
    uint64_t *parent = malloc((size_t)(m ? m : 1) * sizeof *parent);
    int64_t *root_cluster = malloc((size_t)(m ? m : 1) * sizeof *root_cluster);
    float *x = malloc((size_t)(m ? m : 1) * dim * sizeof *x);
    double *sq = malloc((size_t)(m ? m : 1) * sizeof *sq);
    out->clusters = malloc((size_t)(m ? m : 1) * sizeof *out->clusters);
    int rc = out->cluster && index && parent && root_cluster && x && sq && out->clusters
                 ? BASIN_OK
                 : BASIN_ENOMEM;
    for (uint64_t i = 0, k = 0; !rc && i < n; i++) {
        out->cluster[i] = -1;
        if (cls[i] != MEASURE_SPURIOUS)
            continue;
        index[k] = i;
        parent[k] = k;
        root_cluster[k] = -1;
        memcpy(x + k * dim, states + i * dim, (size_t)dim * sizeof *x);
        sq[k] = linalg_dot(x + k * dim, x + k * dim, dim);
        k++;
    }
    if (!rc)
        rc = link_pairs(x, sq, m, dim, delta_s * delta_s * dim, parent);
    /* Number the clusters in the order of their lowest member (the root: joins
       keep the lower index as root). */
    for (uint64_t k = 0; !rc && k < m; k++) {
        uint64_t root = find(parent, k);
        if (root_cluster[root] < 0) {
            root_cluster[root] = (int64_t)out->n_clusters;
            out->clusters[out->n_clusters++] =
                (spurious_cluster){.size = 0, .representative = index[k]};
        }
        out->cluster[index[k]] = root_cluster[root];
        out->clusters[root_cluster[root]].size++;
    }
    free(index);
    free(parent);
    free(root_cluster);
    free(x);
    free(sq);
    if (rc)
        spurious_free(out);
    return rc;
}

void spurious_free(spurious_result *out)
{
    free(out->cluster);
    free(out->clusters);
    memset(out, 0, sizeof *out);
}

#include "linalg.h"

#include <cblas.h>

void linalg_gemm_nt(const float *a, const float *b, float *c, size_t m, size_t n,
                    size_t k, float scale, float beta)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, scale, a,
                (int)k, b, (int)k, beta, c, (int)n);
}

double linalg_dot(const float *x, const float *y, size_t dim)
{
    double s = 0.0;
    for (size_t i = 0; i < dim; i++)
        s += (double)x[i] * (double)y[i];
    return s;
}

double linalg_dist2(const float *x, const float *y, size_t dim)
{
    double s = 0;
    for (size_t i = 0; i < dim; i++) {
        double e = (double)x[i] - (double)y[i];
        s += e * e;
    }
    return s;
}

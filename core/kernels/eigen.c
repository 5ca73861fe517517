#include "eigen.h"

#include <lapacke.h>
#include <limits.h>

#include "basin/plugin.h"

/* A LAPACKE return value as a status: LAPACKE reports its own allocation failure
   as LAPACK_WORK_MEMORY_ERROR, a NaN in the input as a negative argument index
   (after its NaN check), and non-convergence as a positive info. */
static int status_of(lapack_int info)
{
    if (info == 0)
        return BASIN_OK;
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return BASIN_ENOMEM;
    return BASIN_ENUMERIC;
}

int eigen_symmetric(double *a, uint32_t n, double *w, eigen_want want)
{
    if (n == 0)
        return BASIN_OK;
    if (n > 46340u)
        return BASIN_EINVAL;
    const lapack_int order = (lapack_int)n;
    /* Column-major and the upper triangle: for a symmetric a the same call either
       storage order makes, and the one LAPACK runs without a transposed copy. */
    int rc = status_of(LAPACKE_dsyev(LAPACK_COL_MAJOR, want == EIGEN_VECTORS ? 'V' : 'N',
                                     'U', order, a, order, w));
    if (rc == BASIN_OK && want == EIGEN_DESCENDING)
        for (uint32_t i = 0, j = n - 1; i < j; i++, j--) {
            double t = w[i];
            w[i] = w[j];
            w[j] = t;
        }
    return rc;
}

int eigen_tridiagonal(double *d, double *e, uint32_t n)
{
    if (n == 0)
        return BASIN_OK;
    if (n > (uint32_t)INT_MAX)
        return BASIN_EINVAL;
    double z = 0; /* the eigenvectors, not referenced for jobz 'N' */
    return status_of(LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', (lapack_int)n, d, e, &z, 1));
}

#include "qr.h"

#include <lapacke.h>
#include <limits.h>
#include <stdlib.h>

#include "basin/plugin.h"

int qr_orthonormal_columns(double *a, uint32_t m, uint32_t n)
{
    if (n == 0)
        return BASIN_OK;
    if (m < n || m > (uint32_t)INT_MAX)
        return BASIN_EINVAL;
    double *tau = malloc(n * sizeof *tau); /* the Householder scalars */
    if (tau == NULL)
        return BASIN_ENOMEM;
    const lapack_int rows = (lapack_int)m, cols = (lapack_int)n;
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, rows, cols, a, rows, tau);
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, rows, cols, cols, a, rows, tau);
    free(tau);
    if (info == 0)
        return BASIN_OK;
    return info == LAPACK_WORK_MEMORY_ERROR ? BASIN_ENOMEM : BASIN_ENUMERIC;
}

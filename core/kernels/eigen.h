/*
 * eigen — symmetric eigenproblems through LAPACKE, LAPACK's C interface (Anderson
 * et al., LAPACK Users' Guide, 3rd ed., 1999): the dense symmetric solver (dsyev)
 * and the symmetric tridiagonal one (dstev). The one place basin calls them, so
 * no caller declares a Fortran prototype or sizes a workspace.
 */
#ifndef BASIN_EIGEN_H
#define BASIN_EIGEN_H

#include <stdint.h>

/* What eigen_symmetric computes. */
typedef enum eigen_want {
    EIGEN_ASCENDING,  /* eigenvalues only, ascending (LAPACK's order) */
    EIGEN_DESCENDING, /* eigenvalues only, largest first (a spectrum) */
    EIGEN_VECTORS     /* ascending eigenvalues and their eigenvectors, in a */
} eigen_want;

/*
 * The n eigenvalues of the real symmetric n × n matrix a, into w (n doubles), by
 * LAPACK's dsyev (Householder tridiagonalization, then implicit QL/QR). dsyev
 * reads only the upper triangle of a in column-major order (the lower triangle of
 * a row-major reading); with both filled the storage order does not matter.
 * a is destroyed; with EIGEN_VECTORS it holds the
 * orthonormal eigenvectors instead: eigenvector j is column j of the column-major
 * result (a + j·n), i.e. row j of a row-major reading, for eigenvalue w[j].
 * n = 0 does nothing. Returns 0; BASIN_EINVAL if n > 46340 (n² must fit LAPACK's
 * int); BASIN_ENOMEM (LAPACKE's workspace); BASIN_ENUMERIC if a holds a NaN or
 * dsyev does not converge. [thread-safe]
 */
int eigen_symmetric(double *a, uint32_t n, double *w, eigen_want want);

/*
 * The n eigenvalues of the symmetric tridiagonal matrix T with diagonal d (n
 * entries) and off-diagonal e (n − 1 entries), by LAPACK's dstev: on return d holds
 * them ascending and e is destroyed. n = 0 does nothing. Returns 0; BASIN_EINVAL
 * if n > INT32_MAX; BASIN_ENOMEM; BASIN_ENUMERIC if d or e holds a NaN or dstev
 * does not converge. [thread-safe]
 */
int eigen_tridiagonal(double *d, double *e, uint32_t n);

#endif

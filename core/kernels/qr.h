/*
 * qr — an orthonormal basis of a column span by Householder QR, through LAPACKE
 * (LAPACK's dgeqrf, then dorgqr to form Q; Golub & Van Loan, Matrix
 * Computations, 4th ed., 2013, sec. 5.2).
 */
#ifndef BASIN_QR_H
#define BASIN_QR_H

#include <stdint.h>

/*
 * Overwrite a, an m × n COLUMN-major matrix (m ≥ n, column j at a + j·m), with an
 * orthonormal basis of its column span: the Q of a = Q R. The columns must be
 * linearly independent for the span to be n-dimensional. n = 0 does nothing.
 * Returns 0; BASIN_EINVAL if m < n or m > INT32_MAX; BASIN_ENOMEM (LAPACKE's
 * workspace); BASIN_ENUMERIC if a holds a NaN or LAPACK fails. [thread-safe]
 */
int qr_orthonormal_columns(double *a, uint32_t m, uint32_t n);

#endif

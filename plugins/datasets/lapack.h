/*
 * lapack — the two LAPACK routines the drawn data sets need for their exact laws:
 * symmetric eigenvalues (dsyev) and an orthonormal basis of a column span
 * (dgeqrf + dorgqr). OpenBLAS exports LAPACK; the prototypes are declared in
 * lapack.c. Internal to plugins/datasets.
 */
#ifndef BASIN_DATASETS_LAPACK_H
#define BASIN_DATASETS_LAPACK_H

#include <basin/plugin.h>

#include <stdint.h>

/*
 * The n eigenvalues of the symmetric n × n matrix a (row-major, both triangles
 * filled; destroyed), written to w in DESCENDING order. Returns 0, BASIN_EINVAL
 * (n too large for LAPACK's int), BASIN_ENOMEM, or BASIN_ENUMERIC if dsyev does not
 * converge; a message is recorded on failure. [thread-safe]
 */
int lapack_eigenvalues_descending(const basin_host *host, double *a, uint32_t n,
                                  double *w);

/*
 * Overwrite a, an m × n COLUMN-major matrix (m ≥ n, column j at a + j·m), with an
 * orthonormal basis of its column span: the Q of a = Q R (Householder QR). The
 * columns must be linearly independent for the span to be n-dimensional.
 * Returns 0, BASIN_EINVAL (sizes too large), BASIN_ENOMEM or BASIN_ENUMERIC.
 * [thread-safe]
 */
int lapack_orthonormal_columns(const basin_host *host, double *a, uint32_t m, uint32_t n);

#endif

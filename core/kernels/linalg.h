/*
 * linalg — the dense kernels the host and first-party plugins share (docs/design.md,
 * Kernels). Thin, documented wrappers over CBLAS so that
 * every caller gets the same layout conventions: row-major, float32 states,
 * reductions in double.
 */
#ifndef BASIN_LINALG_H
#define BASIN_LINALG_H

#include <stddef.h>
#include <stdint.h>

/*
 * C (m × n) = scale · A (m × k) · Bᵀ, where B is n × k; all row-major, contiguous.
 * With beta = 0 C is overwritten, otherwise C = scale·A·Bᵀ + beta·C. One SGEMM.
 * [thread-safe]
 */
void linalg_gemm_nt(const float *a, const float *b, float *c, size_t m, size_t n,
                    size_t k, float scale, float beta);

/* x·y over dim entries, accumulated in double. */
double linalg_dot(const float *x, const float *y, size_t dim);

/* ‖x − y‖² over dim entries, accumulated in double (exact for a distance near 0,
   unlike the GEMM form ‖x‖² + ‖y‖² − 2 x·y). [thread-safe] */
double linalg_dist2(const float *x, const float *y, size_t dim);

#endif

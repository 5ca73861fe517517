/*
 * covariance — the empirical covariance spectrum of rows streamed through it: the
 * spectrum() of data sets without a known law (datasets/fashion-mnist,
 * datasets/npy), computed from every row of their training file, so the host can
 * give t_S and the Gaussian-criterion t_C of real data (the Gaussian approximation;
 * docs/science.md, Collapse time). Internal to plugins/datasets (compiled into each
 * module that uses it; hidden symbols).
 *
 * The covariance is that of the rows' empirical distribution,
 *   C = (1/n) Σ_r (x_r − m)(x_r − m)ᵀ,   m = (1/n) Σ_r x_r,
 * accumulated in double: rows are shifted by the first row (so the sums stay near
 * the spread, not the mean), buffered COVARIANCE_BLOCK at a time and added with
 * dsyrk; the eigenvalues come from the kernels' dsyev (eigen.h).
 */
#ifndef BASIN_DATASETS_COVARIANCE_H
#define BASIN_DATASETS_COVARIANCE_H

#include <basin/plugin.h>

#include <stdint.h>

/* Rows buffered between two dsyrk calls. */
#define COVARIANCE_BLOCK 256u

/* Dimensions above this are refused (BASIN_EUNSUPPORTED): the dim × dim matrix and
   dsyev's O(dim³) would dwarf the run. */
#define COVARIANCE_MAX_DIM 4096u

typedef struct covariance {
    uint32_t dim;
    uint64_t n;    /* rows added */
    double *shift; /* dim: the first row */
    double *sum;   /* dim: Σ (x − shift) */
    double *cross; /* dim × dim: Σ (x − shift)(x − shift)ᵀ (upper triangle) */
    double *block; /* COVARIANCE_BLOCK × dim: shifted rows not yet added */
    uint32_t held; /* rows in block */
} covariance;

/* Start an empty accumulator for rows of dim floats. Returns 0, BASIN_EUNSUPPORTED
   for dim > COVARIANCE_MAX_DIM or BASIN_ENOMEM (a message in host->error). */
int covariance_init(covariance *c, uint32_t dim, const basin_host *host);

/* Add one row (dim floats). */
void covariance_add(covariance *c, const float *row);

/*
 * The dim eigenvalues of the covariance of the rows added, descending, round-off
 * below 0 set to 0. Returns 0; BASIN_EUNSUPPORTED for fewer than 2 rows (no
 * spectrum, not an error: the host then prints no theory); BASIN_ENOMEM or
 * BASIN_ENUMERIC from dsyev (a message in host->error).
 */
int covariance_spectrum(covariance *c, const basin_host *host, double *eigenvalues);

/* Free what c holds (a zeroed c is fine). */
void covariance_free(covariance *c);

/*
 * A one-entry, process-wide memory of the last spectrum computed, keyed by a
 * string that names everything it depends on (file, size, time, options): a run
 * sweeps count or t_min over the same training file, and every job asks for the
 * same spectrum. covariance_recall copies it into eigenvalues and returns 1 when
 * key and dim match, else returns 0. [thread-safe]
 */
int covariance_recall(const char *key, uint32_t dim, double *eigenvalues);
void covariance_remember(const char *key, uint32_t dim, const double *eigenvalues);

/* The end of a spectrum() over rows added to c: when rc is BASIN_OK, the
   eigenvalues (covariance_spectrum), remembered under key; c is freed whatever
   rc. Returns rc or covariance_spectrum's status. */
int covariance_finish(covariance *c, int rc, const basin_host *host, const char *key,
                      double *eigenvalues);

#endif

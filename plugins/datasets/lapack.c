/* lapack — see lapack.h. */
#include "lapack.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

/* LAPACK, LP64 (Debian's OpenBLAS), gfortran ABI: the trailing size_t of dsyev are
   the hidden lengths of its two character arguments. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t jobz_len,
            size_t uplo_len);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
             const double *tau, double *work, const int *lwork, int *info);

/* The workspace size a LAPACK query returned, at least `least`; -1 if too big. */
static int work_size(double query, int least)
{
    if (!(query < (double)INT_MAX))
        return -1;
    int n = (int)query;
    return n > least ? n : least;
}

int lapack_eigenvalues_descending(const basin_host *host, double *a, uint32_t n,
                                  double *w)
{
    if (n == 0)
        return BASIN_OK;
    if (n > 46340u) { /* n² must fit in a LAPACK int */
        host->error(host, "eigenvalues of a %u × %u matrix: too large for LAPACK", n, n);
        return BASIN_EINVAL;
    }
    const int ni = (int)n;
    int lwork = -1, info = 0;
    double query = 0;
    dsyev_("N", "U", &ni, a, &ni, w, &query, &lwork, &info, 1, 1);
    lwork = work_size(info == 0 ? query : 0, 3 * ni);
    double *work = lwork > 0 ? malloc((size_t)lwork * sizeof *work) : NULL;
    if (work == NULL) {
        host->error(host,
                    "cannot allocate the eigenvalue workspace of a %u × %u "
                    "matrix",
                    n, n);
        return BASIN_ENOMEM;
    }
    dsyev_("N", "U", &ni, a, &ni, w, work, &lwork, &info, 1, 1);
    free(work);
    if (info != 0) {
        host->error(host, "dsyev failed on a %u × %u matrix (info %d)", n, n, info);
        return BASIN_ENUMERIC;
    }
    for (uint32_t i = 0, j = n - 1; i < j; i++, j--) { /* ascending → descending */
        double t = w[i];
        w[i] = w[j];
        w[j] = t;
    }
    return BASIN_OK;
}

int lapack_orthonormal_columns(const basin_host *host, double *a, uint32_t m, uint32_t n)
{
    if (n == 0)
        return BASIN_OK;
    if (m < n || m > (uint32_t)INT_MAX) {
        host->error(host, "orthonormal basis of a %u × %u matrix: bad shape", m, n);
        return BASIN_EINVAL;
    }
    const int mi = (int)m, ni = (int)n;
    int lwork = -1, info = 0;
    double query_qr = 0, query_q = 0;
    double *tau = malloc(n * sizeof *tau);
    if (tau == NULL) {
        host->error(host, "out of memory for a QR factorization");
        return BASIN_ENOMEM;
    }
    dgeqrf_(&mi, &ni, a, &mi, tau, &query_qr, &lwork, &info);
    if (info == 0)
        dorgqr_(&mi, &ni, &ni, a, &mi, tau, &query_q, &lwork, &info);
    lwork = work_size(info == 0 ? (query_qr > query_q ? query_qr : query_q) : 0, ni);
    double *work = lwork > 0 ? malloc((size_t)lwork * sizeof *work) : NULL;
    if (work == NULL) {
        free(tau);
        host->error(host, "cannot allocate the QR workspace of a %u × %u matrix", m, n);
        return BASIN_ENOMEM;
    }
    dgeqrf_(&mi, &ni, a, &mi, tau, work, &lwork, &info);
    if (info == 0)
        dorgqr_(&mi, &ni, &ni, a, &mi, tau, work, &lwork, &info);
    free(work);
    free(tau);
    if (info != 0) {
        host->error(host, "QR factorization of a %u × %u matrix failed (info %d)", m, n,
                    info);
        return BASIN_ENUMERIC;
    }
    return BASIN_OK;
}

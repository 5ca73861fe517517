#include "covariance.h"

#include "eigen.h"

#include <cblas.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int covariance_init(covariance *c, uint32_t dim, const basin_host *host)
{
    memset(c, 0, sizeof *c);
    if (dim > COVARIANCE_MAX_DIM) {
        host->error(host,
                    "the empirical spectrum of rows of %u entries (over %u) is "
                    "not computed",
                    dim, COVARIANCE_MAX_DIM);
        return BASIN_EUNSUPPORTED;
    }
    c->dim = dim;
    c->shift = calloc(dim, sizeof *c->shift);
    c->sum = calloc(dim, sizeof *c->sum);
    c->cross = calloc((size_t)dim * dim, sizeof *c->cross);
    c->block = malloc((size_t)COVARIANCE_BLOCK * dim * sizeof *c->block);
    if (!c->shift || !c->sum || !c->cross || !c->block) {
        covariance_free(c);
        host->error(host, "out of memory for a %u × %u covariance", dim, dim);
        return BASIN_ENOMEM;
    }
    return BASIN_OK;
}

/* cross += blockᵀ block over the rows held (upper triangle, row-major). */
static void flush(covariance *c)
{
    if (c->held == 0)
        return;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)c->dim, (int)c->held, 1.0,
                c->block, (int)c->dim, 1.0, c->cross, (int)c->dim);
    c->held = 0;
}

void covariance_add(covariance *c, const float *row)
{
    const uint32_t dim = c->dim;
    if (c->n == 0)
        for (uint32_t i = 0; i < dim; i++)
            c->shift[i] = row[i];
    double *y = c->block + (size_t)c->held * dim;
    for (uint32_t i = 0; i < dim; i++) {
        y[i] = row[i] - c->shift[i];
        c->sum[i] += y[i];
    }
    c->n++;
    if (++c->held == COVARIANCE_BLOCK)
        flush(c);
}

int covariance_spectrum(covariance *c, const basin_host *host, double *eigenvalues)
{
    const uint32_t dim = c->dim;
    if (c->n < 2) {
        host->error(host, "the empirical spectrum needs 2 rows or more, got %llu",
                    (unsigned long long)c->n);
        return BASIN_EUNSUPPORTED;
    }
    flush(c);
    /* C = cross/n − (sum/n)(sum/n)ᵀ, both triangles filled (dsyev reads one). */
    const double n = (double)c->n;
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = i; j < dim; j++) {
            const double v =
                c->cross[(size_t)i * dim + j] / n - (c->sum[i] / n) * (c->sum[j] / n);
            c->cross[(size_t)i * dim + j] = c->cross[(size_t)j * dim + i] = v;
        }
    int rc = eigen_symmetric(c->cross, dim, eigenvalues, EIGEN_DESCENDING);
    /* cross is destroyed: start over if more rows come */
    memset(c->cross, 0, (size_t)dim * dim * sizeof *c->cross);
    memset(c->sum, 0, dim * sizeof *c->sum);
    c->n = 0;
    if (rc != BASIN_OK) {
        host->error(host, "the eigenvalues of the %u × %u covariance: %s", dim, dim,
                    rc == BASIN_ENOMEM ? "out of memory" : "dsyev failed");
        return rc;
    }
    for (uint32_t i = 0; i < dim; i++)
        if (!(eigenvalues[i] > 0))
            eigenvalues[i] = 0;
    return BASIN_OK;
}

void covariance_free(covariance *c)
{
    free(c->shift);
    free(c->sum);
    free(c->cross);
    free(c->block);
    memset(c, 0, sizeof *c);
}

/* The memory of covariance_recall / covariance_remember. */
static struct {
    pthread_mutex_t lock;
    char *key;
    uint32_t dim;
    double *eigenvalues;
} memory = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, NULL};

int covariance_recall(const char *key, uint32_t dim, double *eigenvalues)
{
    pthread_mutex_lock(&memory.lock);
    const int hit =
        memory.key != NULL && memory.dim == dim && strcmp(memory.key, key) == 0;
    if (hit)
        memcpy(eigenvalues, memory.eigenvalues, dim * sizeof *eigenvalues);
    pthread_mutex_unlock(&memory.lock);
    return hit;
}

void covariance_remember(const char *key, uint32_t dim, const double *eigenvalues)
{
    char *k = malloc(strlen(key) + 1);
    double *ev = malloc((dim ? dim : 1) * sizeof *ev);
    if (k == NULL || ev == NULL) { /* nothing remembered: computed again next time */
        free(k);
        free(ev);
        return;
    }
    strcpy(k, key);
    memcpy(ev, eigenvalues, dim * sizeof *ev);
    pthread_mutex_lock(&memory.lock);
    free(memory.key);
    free(memory.eigenvalues);
    memory.key = k;
    memory.dim = dim;
    memory.eigenvalues = ev;
    pthread_mutex_unlock(&memory.lock);
}

int covariance_finish(covariance *c, int rc, const basin_host *host, const char *key,
                      double *eigenvalues)
{
    if (rc == BASIN_OK)
        rc = covariance_spectrum(c, host, eigenvalues);
    const uint32_t dim = c->dim;
    covariance_free(c);
    if (rc == BASIN_OK)
        covariance_remember(key, dim, eigenvalues);
    return rc;
}

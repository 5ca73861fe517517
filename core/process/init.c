#include "process/init.h"
#include "recipe/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Uniform integer in [0, bound) from a 32-bit word (Lemire's multiply; the bias is
   below bound / 2^32, negligible for the dimensions used here). */
static uint32_t bounded(uint32_t word, uint32_t bound)
{
    return (uint32_t)(((uint64_t)word * bound) >> 32);
}

void init_corrupt(float *x, uint32_t dim, uint32_t n, const uint32_t *words,
                  const float *noise, uint32_t *order)
{
    for (uint32_t i = 0; i < dim; i++)
        order[i] = i;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i + bounded(words[i], dim - i);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
        x[order[i]] = noise ? noise[i] : -x[order[i]];
    }
}

/* Corrupt exactly round(flip·dim) coordinates of x (role INIT, keyed by probe). */
static int corrupt(float *x, uint32_t dim, double flip, int binary,
                   const basin_host *host, uint64_t probe)
{
    uint32_t n_flip = (uint32_t)llround(flip * dim);
    if (n_flip == 0)
        return BASIN_OK;
    uint32_t *order = malloc(dim * sizeof *order);
    uint32_t *words = malloc(n_flip * sizeof *words);
    float *noise = binary ? NULL : malloc(n_flip * sizeof *noise);
    if (!order || !words || (!binary && !noise)) {
        free(order);
        free(words);
        free(noise);
        return BASIN_ENOMEM;
    }
    host->random_bits(host, BASIN_ROLE_INIT, probe, 1, words, n_flip);
    if (!binary)
        host->random_normal(host, BASIN_ROLE_INIT, probe, 2, noise, n_flip);
    init_corrupt(x, dim, n_flip, words, noise, order);
    free(order);
    free(words);
    free(noise);
    return BASIN_OK;
}

int init_states(const basin_value *values, const float *train, uint64_t n_train,
                uint32_t dim, int binary, const basin_host *host, uint64_t first,
                uint64_t count, float *states, int64_t *start, char *err, size_t n_err)
{
    const char *kind = values[INIT_KIND].string;
    double flip = values[INIT_FLIP].number;
    uint64_t order = (uint64_t)values[INIT_ORDER].number;
    int noise = strcmp(kind, "noise") == 0;
    if (strcmp(kind, "random") != 0 && !noise && n_train == 0) {
        snprintf(err, n_err,
                 "init.kind = \"%s\" needs training points, but the "
                 "dataset has none",
                 kind);
        return BASIN_EINVAL;
    }
    if (strcmp(kind, "mixture") == 0 && order > n_train) {
        snprintf(err, n_err,
                 "init.order = %llu mixes more patterns than the %llu "
                 "stored",
                 (unsigned long long)order, (unsigned long long)n_train);
        return BASIN_EINVAL;
    }
    uint32_t *bits = binary ? malloc(dim * sizeof *bits) : NULL;
    if (binary && !bits)
        return BASIN_ENOMEM;
    for (uint64_t r = 0; r < count; r++) {
        uint64_t probe = first + r;
        float *x = states + r * dim;
        start[r] = -1;
        if (strcmp(kind, "random") == 0 || noise) {
            if (binary && !noise) {
                host->random_bits(host, BASIN_ROLE_INIT, probe, 0, bits, dim);
                for (uint32_t i = 0; i < dim; i++)
                    x[i] = (bits[i] & 1u) ? 1.0f : -1.0f;
            } else {
                host->random_normal(host, BASIN_ROLE_INIT, probe, 0, x, dim);
            }
            continue;
        }
        if (strcmp(kind, "pattern") == 0) {
            uint64_t mu = probe % n_train;
            memcpy(x, train + mu * dim, dim * sizeof *x);
            start[r] = (int64_t)mu;
        } else { /* mixture */
            memset(x, 0, dim * sizeof *x);
            for (uint64_t c = 0; c < order; c++) {
                const float *xi = train + ((probe * order + c) % n_train) * dim;
                for (uint32_t i = 0; i < dim; i++)
                    x[i] += xi[i];
            }
            if (binary) {
                host->random_bits(host, BASIN_ROLE_INIT, probe, 0, bits, dim);
                for (uint32_t i = 0; i < dim; i++)
                    x[i] = x[i] > 0   ? 1.0f
                           : x[i] < 0 ? -1.0f
                                      : ((bits[i] & 1u) ? 1.0f : -1.0f);
            } else {
                for (uint32_t i = 0; i < dim; i++)
                    x[i] /= (float)order;
            }
        }
        int rc = corrupt(x, dim, flip, binary, host, probe);
        if (rc) {
            free(bits);
            return rc;
        }
    }
    free(bits);
    return BASIN_OK;
}

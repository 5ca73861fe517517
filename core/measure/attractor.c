#include "measure/attractor.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "base/errmsg.h"
#include "kernels/linalg.h"
#include "kernels/nearest.h"

/* States compared with the representatives per nearest_two call. */
#define BLOCK 1024

void attractor_set_free(attractor_set *s)
{
    if (!s)
        return;
    free(s->first);
    free(s->count);
    free(s->representative);
    memset(s, 0, sizeof *s);
}

/* Room for `need` attractors; *cap is the current capacity. */
static int reserve(attractor_set *s, uint64_t need, uint64_t *cap)
{
    if (need <= *cap)
        return 0;
    uint64_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    if (c > SIZE_MAX / sizeof(float) / s->dim)
        return BASIN_ENOMEM;
    uint64_t *first = realloc(s->first, c * sizeof *first);
    if (!first)
        return BASIN_ENOMEM;
    s->first = first;
    uint64_t *count = realloc(s->count, c * sizeof *count);
    if (!count)
        return BASIN_ENOMEM;
    s->count = count;
    float *rep = realloc(s->representative, c * s->dim * sizeof *rep);
    if (!rep)
        return BASIN_ENOMEM;
    s->representative = rep;
    *cap = c;
    return 0;
}

/* Make state i (x) the representative of a new attractor; its id in *a. */
static int found(attractor_set *s, uint64_t *cap, const float *x, uint64_t i,
                 uint64_t max_attractors, double tol, int64_t *a, char *err, size_t n_err)
{
    if (max_attractors && s->n_attractors >= max_attractors) {
        errmsg(err, n_err,
               "more than %llu distinct attractors at tol = %g: the states "
               "do not cluster at this tolerance",
               (unsigned long long)max_attractors, tol);
        return BASIN_EINVAL;
    }
    if (reserve(s, s->n_attractors + 1, cap)) {
        errmsg(err, n_err, "out of memory for %llu attractors",
               (unsigned long long)(s->n_attractors + 1));
        return BASIN_ENOMEM;
    }
    uint64_t k = s->n_attractors++;
    s->first[k] = i;
    s->count[k] = 1;
    memcpy(s->representative + k * s->dim, x, s->dim * sizeof *x);
    *a = (int64_t)k;
    return 0;
}

/* ------------------------------------------------------ exact path: hashing */

static uint64_t float_bits(float v)
{
    v = v == 0.0f ? 0.0f : v; /* −0 and +0 are one value */
    uint32_t w;
    memcpy(&w, &v, sizeof w);
    return w;
}

/* Two coordinates per multiply-xorshift round (a short dependency chain). */
static uint64_t hash_state(const float *x, uint32_t dim)
{
    uint64_t h = 0x243F6A8885A308D3ull;
    uint32_t j = 0;
    for (; j + 1 < dim; j += 2) {
        h = (h ^ (float_bits(x[j]) | float_bits(x[j + 1]) << 32)) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    if (j < dim)
        h = (h ^ float_bits(x[j])) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    return h * 0xBF58476D1CE4E5B9ull ^ (h >> 29);
}

static int same_state(const float *x, const float *y, uint32_t dim)
{
    for (uint32_t j = 0; j < dim; j++)
        if (x[j] != y[j])
            return 0;
    return 1;
}

static int group_exact(const float *states, uint64_t n, uint32_t dim, const uint8_t *mask,
                       double tol, uint64_t max_attractors, int64_t *id, attractor_set *s,
                       uint64_t *cap, char *err, size_t n_err)
{
    /* Open addressing, load ≤ 1/2: slots hold attractor ids, −1 when empty. */
    uint64_t size = 16;
    while (size < 2 * s->n_grouped)
        size *= 2;
    int64_t *slot = malloc(size * sizeof *slot);
    if (!slot) {
        errmsg(err, n_err, "out of memory for the attractor hash table");
        return BASIN_ENOMEM;
    }
    for (uint64_t t = 0; t < size; t++)
        slot[t] = -1;
    int rc = 0;
    for (uint64_t i = 0; i < n && !rc; i++) {
        if (mask && !mask[i])
            continue;
        const float *x = states + i * dim;
        uint64_t t = hash_state(x, dim) & (size - 1);
        while (slot[t] >= 0 &&
               !same_state(x, s->representative + (uint64_t)slot[t] * dim, dim))
            t = (t + 1) & (size - 1);
        if (slot[t] >= 0) {
            id[i] = slot[t];
            s->count[slot[t]]++;
        } else {
            rc = found(s, cap, x, i, max_attractors, tol, &id[i], err, n_err);
            if (!rc)
                slot[t] = id[i];
        }
    }
    free(slot);
    return rc;
}

/* ------------------------------------------ general path: leader clustering */

static int group_leader(const float *states, uint64_t n, uint32_t dim,
                        const uint8_t *mask, double tol, uint64_t max_attractors,
                        int64_t *id, attractor_set *s, uint64_t *cap, char *err,
                        size_t n_err)
{
    double threshold2 = tol * tol * (double)dim; /* d ≤ tol ⇔ ‖x − y‖² ≤ tol² dim */
    float *query = malloc((size_t)BLOCK * dim * sizeof *query);
    uint64_t *row = malloc(BLOCK * sizeof *row);
    nearest2 *near = malloc(BLOCK * sizeof *near);
    int rc = 0;
    if (!query || !row || !near) {
        errmsg(err, n_err, "out of memory for attractor grouping");
        rc = BASIN_ENOMEM;
    }
    for (uint64_t b0 = 0; b0 < n && !rc; b0 += BLOCK) {
        uint64_t b1 = n - b0 < BLOCK ? n : b0 + BLOCK;
        uint64_t m = 0;
        for (uint64_t i = b0; i < b1; i++)
            if (!mask || mask[i]) {
                memcpy(query + m * dim, states + i * dim, dim * sizeof *query);
                row[m++] = i;
            }
        if (m == 0)
            continue;
        /* Nearest representative from earlier blocks, by SGEMM. */
        uint64_t n_old = s->n_attractors;
        if (nearest_two(query, m, s->representative, n_old, dim, 1.0, -1, near)) {
            errmsg(err, n_err, "out of memory for attractor grouping");
            rc = BASIN_ENOMEM;
            break;
        }
        /* In order: also the representatives this block founded before state k
           (block-sized quadratic), so the result is the sequential one. */
        for (uint64_t k = 0; k < m && !rc; k++) {
            const float *x = query + k * dim;
            double best = near[k].dist2[0];
            int64_t a = near[k].index[0];
            for (uint64_t b = n_old; b < s->n_attractors; b++) {
                double d = linalg_dist2(x, s->representative + b * dim, dim);
                if (d < best) {
                    best = d;
                    a = (int64_t)b;
                }
            }
            if (a >= 0 && best <= threshold2) {
                id[row[k]] = a;
                s->count[a]++;
            } else {
                rc = found(s, cap, x, row[k], max_attractors, tol, &id[row[k]], err,
                           n_err);
            }
        }
    }
    free(query);
    free(row);
    free(near);
    return rc;
}

int attractor_group(const float *states, uint64_t n, uint32_t dim, const uint8_t *mask,
                    double tol, uint64_t max_attractors, int64_t *id, attractor_set *out,
                    char *err, size_t n_err)
{
    memset(out, 0, sizeof *out);
    out->dim = dim;
    if (!(tol >= 0) || !isfinite(tol)) {
        errmsg(err, n_err, "attractor tolerance %g must be finite and >= 0", tol);
        return BASIN_EINVAL;
    }
    if (n > 0 && dim == 0) {
        errmsg(err, n_err, "states of dimension 0 cannot be grouped");
        return BASIN_EINVAL;
    }
    /* One pass: every state gets −1 until grouped; selected states are checked
       for finiteness and for being ±1. */
    int binary = 1;
    for (uint64_t i = 0; i < n; i++) {
        id[i] = -1;
        if (mask && !mask[i])
            continue;
        out->n_grouped++;
        const float *x = states + i * dim;
        /* Branch-free (vectorizable): |x| ≤ FLT_MAX is false for NaN and ±inf. */
        int finite = 1, unit = 1;
        for (uint32_t j = 0; j < dim; j++) {
            float a = fabsf(x[j]);
            finite &= a <= FLT_MAX;
            unit &= a == 1.0f;
        }
        if (!finite) {
            uint32_t j = 0;
            while (isfinite(x[j]))
                j++;
            errmsg(err, n_err, "state %llu has a non-finite coordinate %u",
                   (unsigned long long)i, j);
            return BASIN_ENUMERIC;
        }
        binary &= unit;
    }
    if (out->n_grouped == 0)
        return 0;
    uint64_t cap = 0;
    int exact = tol == 0 || (binary && tol < 2.0 / sqrt((double)dim));
    int rc = exact ? group_exact(states, n, dim, mask, tol, max_attractors, id, out, &cap,
                                 err, n_err)
                   : group_leader(states, n, dim, mask, tol, max_attractors, id, out,
                                  &cap, err, n_err);
    if (rc) {
        attractor_set_free(out);
        for (uint64_t i = 0; i < n; i++)
            id[i] = -1;
    }
    return rc;
}

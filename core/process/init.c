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

/* The partial Fisher–Yates shuffle of init_corrupt: the n coordinates chosen by
   words[0..n) end up in order[0..n). */
static void choose(uint32_t dim, uint32_t n, const uint32_t *words, uint32_t *order)
{
    for (uint32_t i = 0; i < dim; i++)
        order[i] = i;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i + bounded(words[i], dim - i);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

void init_corrupt(float *x, uint32_t dim, uint32_t n, const uint32_t *words,
                  const float *noise, uint32_t *order)
{
    choose(dim, n, words, order);
    for (uint32_t i = 0; i < n; i++)
        x[order[i]] = noise ? noise[i] : -x[order[i]];
}

/* The corruption model of a job's starts (init.h). */
typedef enum corruption_kind { SIGN_FLIP, RESAMPLE, GAUSSIAN } corruption_kind;

typedef struct corruption {
    corruption_kind kind;
    uint32_t n; /* coordinates corrupted per start: round(flip·dim) */
    int renormalize;
    const float *train;
    uint64_t n_train;
    uint32_t dim;
    double *rms; /* gaussian: per-coordinate RMS over the training set */
    /* scratch of one start */
    uint32_t *order, *words, *rows;
    float *noise;
} corruption;

static void corruption_free(corruption *c)
{
    free(c->rms);
    free(c->order);
    free(c->words);
    free(c->rows);
    free(c->noise);
}

/* c for the [init] values; BASIN_EINVAL (message in err) or BASIN_ENOMEM. */
static int corruption_init(corruption *c, const basin_value *values, const float *train,
                           uint64_t n_train, uint32_t dim, int binary, char *err,
                           size_t n_err)
{
    const char *name = values[INIT_CORRUPTION].string;
    memset(c, 0, sizeof *c);
    c->kind = strcmp(name, "sign-flip") == 0  ? SIGN_FLIP
              : strcmp(name, "resample") == 0 ? RESAMPLE
              : strcmp(name, "gaussian") == 0 ? GAUSSIAN
              : binary                        ? SIGN_FLIP
                                              : GAUSSIAN;
    c->n = (uint32_t)llround(values[INIT_FLIP].number * dim);
    c->renormalize = values[INIT_RENORMALIZE].number != 0;
    c->train = train;
    c->n_train = n_train;
    c->dim = dim;
    if (c->n == 0)
        return BASIN_OK;
    if (c->kind == GAUSSIAN && binary && strcmp(name, "gaussian") == 0) {
        snprintf(err, n_err,
                 "init.corruption = \"gaussian\" draws real values, but the data are "
                 "+-1: use sign-flip or resample");
        return BASIN_EINVAL;
    }
    if (c->kind == RESAMPLE && n_train < 2 &&
        strcmp(values[INIT_KIND].string, "pattern") == 0) {
        snprintf(err, n_err,
                 "init.corruption = \"resample\" draws from the other training points, "
                 "but there is only one");
        return BASIN_EINVAL;
    }
    c->order = malloc(dim * sizeof *c->order);
    c->words = malloc(c->n * sizeof *c->words);
    c->rows = c->kind == RESAMPLE ? malloc(c->n * sizeof *c->rows) : NULL;
    c->noise = c->kind == GAUSSIAN ? malloc(c->n * sizeof *c->noise) : NULL;
    c->rms = c->kind == GAUSSIAN ? calloc(dim, sizeof *c->rms) : NULL;
    if (!c->order || !c->words || (c->kind == RESAMPLE && !c->rows) ||
        (c->kind == GAUSSIAN && (!c->noise || !c->rms)))
        return BASIN_ENOMEM;
    if (c->kind == GAUSSIAN) {
        for (uint64_t mu = 0; mu < n_train; mu++)
            for (uint32_t i = 0; i < dim; i++)
                c->rms[i] += (double)train[mu * dim + i] * train[mu * dim + i];
        for (uint32_t i = 0; i < dim; i++)
            c->rms[i] = n_train ? sqrt(c->rms[i] / (double)n_train) : 1;
    }
    return BASIN_OK;
}

static double norm_of(const float *x, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += (double)x[i] * x[i];
    return sqrt(s);
}

/* Corrupt x, the start of probe `probe` (own: the training point it is, or -1),
   by c (role INIT, keyed by the probe). */
static void corrupt(const corruption *c, float *x, const basin_host *host, uint64_t probe,
                    int64_t own)
{
    if (c->n == 0)
        return;
    uint32_t dim = c->dim;
    double before = c->renormalize ? norm_of(x, dim) : 0;
    host->random_bits(host, BASIN_ROLE_INIT, probe, 1, c->words, c->n);
    choose(dim, c->n, c->words, c->order);
    switch (c->kind) {
    case SIGN_FLIP:
        for (uint32_t k = 0; k < c->n; k++)
            x[c->order[k]] = -x[c->order[k]];
        break;
    case GAUSSIAN:
        host->random_normal(host, BASIN_ROLE_INIT, probe, 2, c->noise, c->n);
        for (uint32_t k = 0; k < c->n; k++)
            x[c->order[k]] = (float)(c->rms[c->order[k]] * c->noise[k]);
        break;
    case RESAMPLE: {
        /* Rows other than own: draw from K − 1 and skip own. */
        uint64_t others = own >= 0 ? c->n_train - 1 : c->n_train;
        host->random_bits(host, BASIN_ROLE_INIT, probe, 2, c->rows, c->n);
        for (uint32_t k = 0; k < c->n; k++) {
            uint64_t rho = bounded(c->rows[k], (uint32_t)others);
            if (own >= 0 && rho >= (uint64_t)own)
                rho++;
            x[c->order[k]] = c->train[rho * dim + c->order[k]];
        }
        break;
    }
    }
    double after = c->renormalize ? norm_of(x, dim) : 0;
    if (before > 0 && after > 0)
        for (uint32_t i = 0; i < dim; i++)
            x[i] = (float)(x[i] * (before / after));
}

int init_states(const basin_value *values, const float *train, uint64_t n_train,
                uint32_t dim, int binary, const basin_host *host, uint64_t first,
                uint64_t count, float *states, int64_t *start, char *err, size_t n_err)
{
    const char *kind = values[INIT_KIND].string;
    uint64_t order = (uint64_t)values[INIT_ORDER].number;
    int noise = strcmp(kind, "noise") == 0;
    int random = strcmp(kind, "random") == 0 || noise;
    if (!random && n_train == 0) {
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
    corruption c;
    memset(&c, 0, sizeof c);
    int rc = random
                 ? BASIN_OK
                 : corruption_init(&c, values, train, n_train, dim, binary, err, n_err);
    uint32_t *bits = binary ? malloc(dim * sizeof *bits) : NULL;
    if (!rc && binary && !bits)
        rc = BASIN_ENOMEM;
    if (rc) {
        corruption_free(&c);
        free(bits);
        return rc;
    }
    for (uint64_t r = 0; r < count; r++) {
        uint64_t probe = first + r;
        float *x = states + r * dim;
        start[r] = -1;
        if (random) {
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
            for (uint64_t k = 0; k < order; k++) {
                const float *xi = train + ((probe * order + k) % n_train) * dim;
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
        corrupt(&c, x, host, probe, start[r]);
    }
    corruption_free(&c);
    free(bits);
    return BASIN_OK;
}

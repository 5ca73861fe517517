/*
 * datasets/binary-patterns — K random ±1 patterns of dimension N, the memories of
 * the classical Hopfield model (Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985).
 *
 * The law. Entry i of every pattern (train or held-out) is drawn independently:
 *   with probability c (`correlation`) it copies entry i of one shared parent
 *   pattern p, otherwise it is a fresh biased draw, P(+1) = (1 + b)/2 (`bias`);
 *   the parent's entries are biased draws too. Hence, over the whole draw,
 *     E[ξ^μ_i] = b,   Var[ξ^μ_i] = 1 − b²,
 *     Cov(ξ^μ_i, ξ^ν_i) = c² (1 − b²)  for μ ≠ ν  (pairwise correlation c²),
 *     entries i ≠ j are independent.
 *   Given the parent (the law the train and held-out sets share), entry i has mean
 *   m_i = c p_i + (1 − c) b.  With c = 0 the patterns are i.i.d. and the covariance
 *   of the law is (1 − b²) I.
 *
 * Random numbers (host, role DATASET), one uniform per entry, P(+1) = (1 + b)/2 as
 * u < (1 + b)/2:
 *   train pattern μ: index μ, step 0      held-out pattern ν: index ν, step 1
 *   parent pattern:  index 0, step 2
 *   copy decisions:  index μ, step 3 (train), index ν, step 4 (held-out): copy if
 *   u < c.
 * So a pattern never depends on K, on the held-out count or on call order: growing
 * `count` in a sweep keeps the first patterns.
 *
 * Patterns are stored as int8 (N bytes each) and converted to float32 by read().
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include "rows.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "datasets/binary-patterns"

/* Parameter table order; values[] arrives in this order. */
enum { P_DIM, P_COUNT, P_LOAD, P_HELDOUT, P_BIAS, P_CORRELATION, N_PARAMS };

static const basin_param_def binary_patterns_params[N_PARAMS + 1] = {
    [P_DIM] = {"dim", BASIN_PARAM_INT, 100, NULL, 1, 1000000, NULL, 0,
               "N, the number of ±1 entries of each pattern"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 10, NULL, 1, 10000000, NULL, 0,
                 "K, the number of stored (training) patterns; ignored when load > 0"},
    [P_LOAD] =
        {"load", BASIN_PARAM_REAL, 0, NULL, 0, 100, NULL, 0,
         "if > 0, the load alpha = K/N: K = max(1, round(load * dim)) and count is ignored"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 0, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out patterns drawn from the same law"},
    [P_BIAS] = {"bias", BASIN_PARAM_REAL, 0, NULL, -1, 1, NULL, 0,
                "b, the mean of each entry: P(+1) = (1 + b)/2"},
    [P_CORRELATION] =
        {"correlation", BASIN_PARAM_REAL, 0, NULL, 0, 1, NULL, BASIN_PARAM_MAX_EXCLUSIVE,
         "c, the probability that an entry copies a shared parent pattern; distinct "
         "patterns then have pairwise entry correlation c^2"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct binary_patterns {
    uint32_t dim;
    uint64_t n_train;
    uint64_t n_heldout;
    double bias;
    double correlation;
    int8_t *entries; /* (n_train + n_heldout) × dim: train rows, then held-out */
} binary_patterns;

/* The threshold below which a uniform u gives +1: P(+1) = (1 + bias)/2. */
static double plus_threshold(double bias)
{
    return 0.5 * (1.0 + bias);
}

/* What draw_pattern needs: the data set, the parent (NULL for correlation 0) and
   two scratch arrays of dim doubles. */
typedef struct draw {
    binary_patterns *d;
    const int8_t *parent;
    double *uniform, *copy;
} draw;

/*
 * Draw pattern `row` (point `index` of its split; rows_point_fn): fresh biased
 * draws from stream (index, 0 train / 1 held-out), each replaced by the parent's
 * entry when the uniform of stream (index, 3 train / 4 held-out) is below the
 * correlation. [deterministic given rng: role DATASET]
 */
static void draw_pattern(void *ctx, const basin_host *host, uint64_t row, uint64_t index,
                         int heldout)
{
    const draw *w = ctx;
    const binary_patterns *d = w->d;
    const int8_t *parent = w->parent;
    double *uniform = w->uniform, *copy = w->copy;
    int8_t *out = d->entries + (size_t)row * d->dim;
    const uint64_t draw_step = heldout ? 1 : 0, copy_step = heldout ? 4 : 3;
    const double threshold = plus_threshold(d->bias);
    host->random_uniform(host, BASIN_ROLE_DATASET, index, draw_step, uniform, d->dim);
    for (uint32_t i = 0; i < d->dim; i++)
        out[i] = uniform[i] < threshold ? 1 : -1;
    if (parent == NULL)
        return;
    host->random_uniform(host, BASIN_ROLE_DATASET, index, copy_step, copy, d->dim);
    for (uint32_t i = 0; i < d->dim; i++)
        if (copy[i] < d->correlation)
            out[i] = parent[i];
}

/* Release a data set; NULL is ignored. */
static void binary_patterns_destroy(void *self)
{
    binary_patterns *d = self;
    if (d == NULL)
        return;
    free(d->entries);
    free(d);
}

/*
 * Check the resolved parameters (the host has validated them against the table;
 * this guards a host that did not) and derive K. Returns 0 or BASIN_EINVAL.
 */
static int check_params(const basin_host *host, const basin_value *values,
                        binary_patterns *d)
{
    const double dim = values[P_DIM].number, count = values[P_COUNT].number;
    const double load = values[P_LOAD].number, heldout = values[P_HELDOUT].number;
    const double bias = values[P_BIAS].number, corr = values[P_CORRELATION].number;

    int rc = rows_check_int(host, "dim", dim, 1, 1000000);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "count", count, 1, 10000000);
    if (rc != BASIN_OK)
        return rc;
    if (!(load >= 0 && load <= 100)) {
        host->error(host, "load = %g is not in [0, 100]", load);
        return BASIN_EINVAL;
    }
    rc = rows_check_int(host, "heldout", heldout, 0, 10000000);
    if (rc != BASIN_OK)
        return rc;
    if (!(bias >= -1 && bias <= 1)) {
        host->error(host, "bias = %g is not in [-1, 1]", bias);
        return BASIN_EINVAL;
    }
    if (!(corr >= 0 && corr < 1)) {
        host->error(host, "correlation = %g is not in [0, 1)", corr);
        return BASIN_EINVAL;
    }
    d->dim = (uint32_t)dim;
    d->n_heldout = (uint64_t)heldout;
    d->bias = bias;
    d->correlation = corr;
    if (load > 0) {
        /* K = max(1, round(alpha N)): at most 100 · 10^6, exact in a double. */
        double k = floor(load * dim + 0.5);
        d->n_train = k < 1 ? 1 : (uint64_t)k;
    } else {
        d->n_train = (uint64_t)count;
    }
    return BASIN_OK;
}

/*
 * Draw the data set: n_train + n_heldout patterns of dim entries (see the law at the
 * top). *self receives the instance, to free with destroy. Returns BASIN_EINVAL for
 * bad parameters or a size that overflows, BASIN_ENOMEM when the patterns do not fit
 * in memory, BASIN_ECANCELED if the host asks to stop.
 * [deterministic given rng: role DATASET]
 */
static int binary_patterns_create(const basin_host *host, const basin_value *params,
                                  void **self)
{
    *self = NULL;
    binary_patterns *d = calloc(1, sizeof *d);
    if (d == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = check_params(host, params, d);
    if (rc != BASIN_OK) {
        binary_patterns_destroy(d);
        return rc;
    }

    const uint64_t n_rows = d->n_train + d->n_heldout; /* ≤ 2·10^8, no overflow */
    if (n_rows > SIZE_MAX / d->dim) {
        host->error(host,
                    "%llu patterns (count %llu + heldout %llu) of dim %u overflow "
                    "the address space",
                    (unsigned long long)n_rows, (unsigned long long)d->n_train,
                    (unsigned long long)d->n_heldout, d->dim);
        binary_patterns_destroy(d);
        return BASIN_EINVAL;
    }
    const size_t n_bytes = (size_t)n_rows * d->dim;
    d->entries = malloc(n_bytes);
    double *uniform = malloc(2 * (size_t)d->dim * sizeof *uniform);
    int8_t *parent = d->correlation > 0 ? malloc(d->dim) : NULL;
    if (d->entries == NULL || uniform == NULL || (d->correlation > 0 && parent == NULL)) {
        host->error(host,
                    "cannot allocate %zu bytes for %llu patterns (count %llu + "
                    "heldout %llu) of dim %u",
                    n_bytes, (unsigned long long)n_rows, (unsigned long long)d->n_train,
                    (unsigned long long)d->n_heldout, d->dim);
        free(uniform);
        free(parent);
        binary_patterns_destroy(d);
        return BASIN_ENOMEM;
    }
    double *copy = uniform + d->dim;

    if (parent != NULL) {
        /* The parent: plain biased draws (no copy stream). */
        const double threshold = plus_threshold(d->bias);
        host->random_uniform(host, BASIN_ROLE_DATASET, 0, 2, uniform, d->dim);
        for (uint32_t i = 0; i < d->dim; i++)
            parent[i] = uniform[i] < threshold ? 1 : -1;
    }

    draw w = {d, parent, uniform, copy};
    rc = rows_draw_points(host, d->n_train, d->n_heldout, "patterns", draw_pattern, &w);
    free(uniform);
    free(parent);
    if (rc != BASIN_OK) {
        binary_patterns_destroy(d);
        return rc;
    }
    *self = d;
    return BASIN_OK;
}

/* K, the held-out count, N and BASIN_DATA_BINARY. [thread-safe] */
static int binary_patterns_info(void *self, basin_dataset_info *out)
{
    const binary_patterns *d = self;
    out->n_train = d->n_train;
    out->n_heldout = d->n_heldout;
    out->dim = d->dim;
    out->flags = BASIN_DATA_BINARY;
    return BASIN_OK;
}

/*
 * Copy patterns [first, first + count) of a split (BASIN_SPLIT_TRAIN or
 * BASIN_SPLIT_HELDOUT) into out (count × dim float32, caller-owned) as ±1.0f.
 * Returns BASIN_EINVAL for an unknown split or a range past the split's end.
 * [thread-safe]
 */
static int binary_patterns_read(void *self, const basin_host *host, int split,
                                uint64_t first, uint64_t count, float *out)
{
    const binary_patterns *d = self;
    uint64_t at;
    const int rc = rows_locate(host, d->n_train, d->n_heldout, split, first, count, out,
                               "patterns", &at);
    if (rc != BASIN_OK)
        return rc;
    const int8_t *src = d->entries + (size_t)at * d->dim;
    const size_t n_entries = (size_t)count * d->dim;
    for (size_t k = 0; k < n_entries; k++)
        out[k] = (float)src[k];
    return BASIN_OK;
}

/*
 * The covariance eigenvalues of the law, descending. With correlation 0 the entries
 * are i.i.d. with variance 1 − b², so all dim eigenvalues equal 1 − b². With
 * correlation > 0 the law given the shared parent has a pattern-dependent diagonal
 * covariance, which this plugin does not report: BASIN_EUNSUPPORTED. [thread-safe]
 */
static int binary_patterns_spectrum(void *self, const basin_host *host,
                                    double *eigenvalues)
{
    const binary_patterns *d = self;
    if (d->correlation != 0) {
        host->error(host,
                    "the covariance spectrum is known only for correlation 0 "
                    "(this data set has correlation %g)",
                    d->correlation);
        return BASIN_EUNSUPPORTED;
    }
    const double variance = 1.0 - d->bias * d->bias;
    for (uint32_t i = 0; i < d->dim; i++)
        eigenvalues[i] = variance;
    return BASIN_OK;
}

static const basin_dataset_iface binary_patterns_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = binary_patterns_create,
    .destroy = binary_patterns_destroy,
    .info = binary_patterns_info,
    .read = binary_patterns_read,
    .spectrum = binary_patterns_spectrum,
    .law_distance = NULL,
};

static const basin_descriptor binary_patterns_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "random ±1 patterns (optionally biased and correlated), the Hopfield "
               "model's memories",
    .params = binary_patterns_params,
    .iface = &binary_patterns_iface,
};

static const basin_descriptor *const binary_patterns_plugins[] = {
    &binary_patterns_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "binary-patterns",
    binary_patterns_plugins,
};

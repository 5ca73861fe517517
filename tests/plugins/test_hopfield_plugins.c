/*
 * test_hopfield_plugins — unit tests of datasets/binary-patterns, energies/hopfield
 * and samplers/hopfield, loaded as a host loads them (dlopen RTLD_NOW|RTLD_LOCAL)
 * and driven through the fake basin_host of tests/fake_host.h, whose random numbers
 * are its counter-based splitmix64 hash of (seed, role, index, step, element)
 * (FAKE_SPLITMIX), with an observe() hook of this file that watches the sweeps.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ------------------------------------------------------------ observe hook */

/* What observe() watches, behind fake_user(host). */
typedef struct watch {
    uint64_t stop_after; /* observe() returns 1 at this call (0: never) */
    /* energy tracking for observe(): last energy of each sample index */
    const basin_energy_iface *energy;
    void *energy_self;
    double *last_energy; /* indexed by sample index; NULL: no tracking */
    int64_t *last_step;
    uint64_t n_tracked;
    int strict_decrease; /* async: every observed sweep lowers E */
    uint64_t n_observed;
    uint64_t n_violations; /* energy rose, or steps out of order */
} watch;

static int watch_observe(const basin_host *host, const basin_step *step)
{
    watch *m = fake_user(host);
    m->n_observed++;
    if (step->struct_size != sizeof(basin_step) || step->n != 1 || step->alpha != 1 ||
        step->sigma != 0)
        m->n_violations++;
    if (m->last_energy != NULL && step->first_index < m->n_tracked) {
        double e;
        m->energy->energy(m->energy_self, host, step->states, 1, &e);
        const uint64_t k = step->first_index;
        if (m->strict_decrease && !(e < m->last_energy[k] - 1e-9))
            m->n_violations++;
        if ((int64_t)step->step != m->last_step[k] + 1)
            m->n_violations++;
        m->last_energy[k] = e;
        m->last_step[k] = (int64_t)step->step;
    }
    return m->stop_after != 0 && m->n_observed >= m->stop_after;
}

/* ------------------------------------------------------------------ set-up */

static const basin_dataset_iface *dataset_iface;
static const basin_energy_iface *energy_iface;
static const basin_sampler_iface *sampler_iface;
static const basin_descriptor *dataset_desc, *energy_desc, *sampler_desc;

/* A case's host: the fake host (splitmix stream, seed 20250521) whose observe()
   is watch_observe, watching w. */
typedef struct fixture {
    fake_host f;
    watch w;
} fixture;

/* The three plugins, from $BASIN_TEST_PLUGIN_DIR (load_built_plugin checks the
   library header, the parameter defaults in their ranges and choices, the
   interface and its size), and a fresh fixture; 0 when a plugin is missing. */
static int setup(fixture *fx)
{
    dataset_desc =
        load_built_plugin(NULL, "datasets/binary-patterns", BASIN_IFACE_DATASET);
    energy_desc = load_built_plugin(NULL, "energies/hopfield", BASIN_IFACE_ENERGY);
    sampler_desc = load_built_plugin(NULL, "samplers/hopfield", BASIN_IFACE_SAMPLER);
    if (dataset_desc == NULL || energy_desc == NULL || sampler_desc == NULL)
        return 0;
    dataset_iface = dataset_desc->iface;
    energy_iface = energy_desc->iface;
    sampler_iface = sampler_desc->iface;
    fx->w = (watch){0};
    fake_host_init(&fx->f, 20250521, FAKE_SPLITMIX);
    fx->f.user = &fx->w;
    fx->f.host.observe = watch_observe;
    return 1;
}

/* The start of a case: fixture fx, host its host, or return with a failed check. */
#define SETUP(fx, host)                                                                  \
    fixture fx;                                                                          \
    ASSERT_MSG(setup(&fx), "datasets/binary-patterns, energies/hopfield and "            \
                           "samplers/hopfield load from $BASIN_TEST_PLUGIN_DIR");        \
    const basin_host *host = &fx.f.host

/* ------------------------------------------------------------------ helpers */

/* A binary-patterns data set with dim, count (and optional bias/heldout/...), or
   NULL with a '#' line. */
static void *make_dataset(const basin_host *host, params p)
{
    void *d = NULL;
    int rc = dataset_iface->create(host, p.values, &d);
    if (rc != BASIN_OK) {
        printf("# dataset create failed: %d %s\n", rc, fake_last_error);
        return NULL;
    }
    return d;
}

/* The rows of a split (malloc'd), or NULL with a '#' line. */
static float *read_split(void *d, const basin_host *host, int split, uint64_t *n_out,
                         uint32_t *dim_out)
{
    basin_dataset_info info;
    dataset_iface->info(d, &info);
    uint64_t n = split == BASIN_SPLIT_TRAIN ? info.n_train : info.n_heldout;
    float *rows = malloc((n ? n : 1) * info.dim * sizeof *rows);
    int rc = dataset_iface->read(d, host, split, 0, n, rows);
    if (rc != BASIN_OK) {
        printf("# read failed: %s\n", fake_last_error);
        free(rows);
        return NULL;
    }
    *n_out = n;
    *dim_out = info.dim;
    return rows;
}

/* count binary patterns of dim entries (malloc'd), or NULL with a '#' line. */
static float *patterns(const basin_host *host, uint32_t dim, uint64_t count)
{
    params p = param_defaults(dataset_desc);
    set_number(&p, "dim", dim);
    set_number(&p, "count", (double)count);
    void *d = make_dataset(host, p);
    if (d == NULL)
        return NULL;
    uint64_t n;
    uint32_t got_dim;
    float *rows = read_split(d, host, BASIN_SPLIT_TRAIN, &n, &got_dim);
    dataset_iface->destroy(d);
    return rows;
}

/* An encoded Hopfield energy (diagonal "zero" or "keep"), or NULL with a '#' line. */
static void *make_energy(const basin_host *host, const char *diagonal, uint32_t dim,
                         const float *memories, uint64_t k)
{
    params p = param_defaults(energy_desc);
    set_string(&p, "diagonal", diagonal);
    void *e = NULL;
    if (energy_iface->create(host, p.values, dim, &e) != BASIN_OK ||
        energy_iface->encode(e, host, memories, k) != BASIN_OK) {
        printf("# energy create/encode failed: %s\n", fake_last_error);
        return NULL;
    }
    return e;
}

/* A samplers/hopfield instance, or NULL with a '#' line. */
static void *make_sampler(const basin_host *host, const char *mode, double max_sweeps)
{
    params p = param_defaults(sampler_desc);
    set_string(&p, "mode", mode);
    set_number(&p, "max_sweeps", max_sweeps);
    void *s = NULL;
    if (sampler_iface->create(host, p.values, &s) != BASIN_OK) {
        printf("# sampler create failed: %s\n", fake_last_error);
        return NULL;
    }
    return s;
}

/* n random ±1 states of the INIT role, sample indices first, first + 1, ... */
static float *random_states(const basin_host *host, uint64_t first, uint64_t n,
                            uint32_t dim)
{
    float *x = malloc(n * dim * sizeof *x);
    double *u = malloc(dim * sizeof *u);
    for (uint64_t r = 0; r < n; r++) {
        host->random_uniform(host, BASIN_ROLE_INIT, first + r, 0, u, dim);
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] = u[i] < 0.5 ? 1.0f : -1.0f;
    }
    free(u);
    return x;
}

/* Reference Hebbian couplings in double: W = (1/N) Σ ξξᵀ, diagonal zeroed or kept. */
static double *reference_couplings(const float *xi, uint64_t k, uint32_t n, int keep)
{
    double *w = calloc((size_t)n * n, sizeof *w);
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                w[(size_t)i * n + j] += (double)xi[mu * n + i] * xi[mu * n + j] / n;
    if (!keep)
        for (uint32_t i = 0; i < n; i++)
            w[(size_t)i * n + i] = 0;
    return w;
}

static double reference_field(const double *w, const float *x, uint32_t n, uint32_t i)
{
    double h = 0;
    for (uint32_t j = 0; j < n; j++)
        h += w[(size_t)i * n + j] * x[j];
    return h;
}

static double overlap(const float *a, const float *b, uint32_t n)
{
    double s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s / n;
}

/* ------------------------------------------------------------ dataset tests */

/* The interface tables have their struct sizes; the energy is binary. */
TEST_IMPL(hopfield_interfaces)
{
    SETUP(fx, host);
    (void)host;
    EXPECT_EQ(dataset_iface->struct_size, sizeof(basin_dataset_iface));
    EXPECT_EQ(energy_iface->struct_size, sizeof(basin_energy_iface));
    EXPECT(energy_iface->flags & BASIN_ENERGY_BINARY);
    EXPECT_EQ(sampler_iface->struct_size, sizeof(basin_sampler_iface));
}

/* info, ±1 entries, determinism, read() range checks, a refused dim. */
TEST_IMPL(hopfield_dataset)
{
    SETUP(fx, host);
    params p = param_defaults(dataset_desc);
    set_number(&p, "dim", 64);
    set_number(&p, "count", 20);
    set_number(&p, "heldout", 5);
    void *d = make_dataset(host, p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    dataset_iface->info(d, &info);
    EXPECT_EQ(info.n_train, 20);
    EXPECT_EQ(info.n_heldout, 5);
    EXPECT_EQ(info.dim, 64);
    EXPECT_EQ(info.flags, BASIN_DATA_BINARY);

    uint64_t n, nh;
    uint32_t dim;
    float *train = read_split(d, host, BASIN_SPLIT_TRAIN, &n, &dim);
    ASSERT_NOT_NULL(train);
    float *held = read_split(d, host, BASIN_SPLIT_HELDOUT, &nh, &dim);
    ASSERT_NOT_NULL(held);
    int pm1 = 1, n_plus = 0;
    for (uint64_t k = 0; k < n * dim; k++) {
        pm1 &= train[k] == 1.0f || train[k] == -1.0f;
        n_plus += train[k] == 1.0f;
    }
    for (uint64_t k = 0; k < nh * dim; k++)
        pm1 &= held[k] == 1.0f || held[k] == -1.0f;
    EXPECT_MSG(pm1, "dataset: every entry is ±1");
    /* some entries +1, some -1 */
    EXPECT_GT(n_plus, 0);
    EXPECT_LT(n_plus, (int)(n * dim));
    EXPECT_MSG(memcmp(train, held, dim * sizeof *train) != 0,
               "dataset: held-out pattern 0 differs from train pattern 0");

    /* Same params → identical rows; a larger count keeps the first rows. */
    void *d2 = make_dataset(host, p);
    ASSERT_NOT_NULL(d2);
    uint64_t n2;
    float *train2 = read_split(d2, host, BASIN_SPLIT_TRAIN, &n2, &dim);
    ASSERT_NOT_NULL(train2);
    EXPECT_EQ(n2, n);
    EXPECT_MSG(memcmp(train, train2, n * dim * sizeof *train) == 0,
               "dataset: same parameters give identical rows");
    set_number(&p, "count", 30);
    void *d3 = make_dataset(host, p);
    ASSERT_NOT_NULL(d3);
    float *train3 = read_split(d3, host, BASIN_SPLIT_TRAIN, &n2, &dim);
    ASSERT_NOT_NULL(train3);
    EXPECT_EQ(n2, 30);
    EXPECT_MSG(memcmp(train, train3, n * dim * sizeof *train) == 0,
               "dataset: count 30 keeps the 20 patterns of count 20 as its first rows");
    float *held3 = read_split(d3, host, BASIN_SPLIT_HELDOUT, &n2, &dim);
    ASSERT_NOT_NULL(held3);
    EXPECT_MSG(memcmp(held, held3, nh * dim * sizeof *held) == 0,
               "dataset: held-out rows do not depend on count");

    /* read(): range checks. Rows [19, 21) of 20; first = 2^64 - 1 (no
       wrap-around); split 7: BASIN_EINVAL, with a message. */
    float row[64];
    fake_last_error[0] = 0;
    EXPECT_EQ(dataset_iface->read(d, host, BASIN_SPLIT_TRAIN, 19, 2, row), BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    fake_last_error[0] = 0;
    EXPECT_EQ(dataset_iface->read(d, host, BASIN_SPLIT_HELDOUT, UINT64_MAX, 2, row),
              BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    fake_last_error[0] = 0;
    EXPECT_EQ(dataset_iface->read(d, host, 7, 0, 1, row), BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    /* the last row alone equals row 19 of the full read */
    EXPECT_EQ(dataset_iface->read(d, host, BASIN_SPLIT_TRAIN, 19, 1, row), BASIN_OK);
    EXPECT_MSG(memcmp(row, train + 19 * dim, sizeof row) == 0,
               "dataset: read of the last row alone equals row 19 of the full read");
    /* 0 rows at the end is fine */
    EXPECT_EQ(dataset_iface->read(d, host, BASIN_SPLIT_HELDOUT, 5, 0, row), BASIN_OK);
    free(train);
    free(train2);
    free(train3);
    free(held);
    free(held3);
    dataset_iface->destroy(d);
    dataset_iface->destroy(d2);
    dataset_iface->destroy(d3);

    /* Parameters out of range (a host that skipped validation): dim 0. */
    p = param_defaults(dataset_desc);
    set_number(&p, "dim", 0);
    void *none = NULL;
    fake_last_error[0] = 0;
    EXPECT_EQ(dataset_iface->create(host, p.values, &none), BASIN_EINVAL);
    EXPECT_NULL(none);
    EXPECT_NE(fake_last_error[0], 0);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* bias 0.5: the entry mean is 0.5 within 5 standard errors; the spectrum. */
TEST_IMPL(hopfield_dataset_bias)
{
    SETUP(fx, host);
    params p = param_defaults(dataset_desc);
    set_number(&p, "dim", 1000);
    set_number(&p, "count", 200);
    set_number(&p, "bias", 0.5);
    void *d = make_dataset(host, p);
    ASSERT_NOT_NULL(d);
    uint64_t n;
    uint32_t dim;
    float *train = read_split(d, host, BASIN_SPLIT_TRAIN, &n, &dim);
    ASSERT_NOT_NULL(train);
    double mean = 0;
    for (uint64_t k = 0; k < n * dim; k++)
        mean += train[k];
    mean /= (double)(n * dim);
    double se = sqrt((1 - 0.25) / (double)(n * dim));
    EXPECT_MSG(fabs(mean - 0.5) < 5 * se,
               "dataset: bias 0.5 gives entry mean %.4f (5 s.e. = %.4f)", mean, 5 * se);
    /* the spectrum at bias 0.5 is 1 - b^2 = 0.75, dim times */
    double spectrum[1000];
    EXPECT_EQ(dataset_iface->spectrum(d, host, spectrum), BASIN_OK);
    for (uint32_t i = 0; i < dim; i++)
        EXPECT_NEAR(spectrum[i], 0.75, 0);
    free(train);
    dataset_iface->destroy(d);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* load: K = max(1, round(load * dim)), count ignored. */
TEST_IMPL(hopfield_dataset_load)
{
    SETUP(fx, host);
    const double loads[3] = {0.138, 0.001, 0.5};
    const uint64_t expect[3] = {14, 1, 50};
    for (int t = 0; t < 3; t++) {
        params p = param_defaults(dataset_desc);
        set_number(&p, "dim", 100);
        set_number(&p, "count", 3);
        set_number(&p, "load", loads[t]);
        void *d = make_dataset(host, p);
        ASSERT_NOT_NULL(d);
        basin_dataset_info info;
        dataset_iface->info(d, &info);
        EXPECT_EQ(info.n_train, expect[t]);
        dataset_iface->destroy(d);
    }
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* correlation c: distinct patterns have mean entry product c^2 (bias 0). */
TEST_IMPL(hopfield_dataset_correlation)
{
    SETUP(fx, host);
    const double corrs[2] = {0.0, 0.5};
    for (int t = 0; t < 2; t++) {
        params p = param_defaults(dataset_desc);
        set_number(&p, "dim", 2000);
        set_number(&p, "count", 20);
        set_number(&p, "heldout", 4);
        set_number(&p, "correlation", corrs[t]);
        void *d = make_dataset(host, p);
        ASSERT_NOT_NULL(d);
        uint64_t n, nh;
        uint32_t dim;
        float *train = read_split(d, host, BASIN_SPLIT_TRAIN, &n, &dim);
        ASSERT_NOT_NULL(train);
        float *held = read_split(d, host, BASIN_SPLIT_HELDOUT, &nh, &dim);
        ASSERT_NOT_NULL(held);
        double q = 0, qh = 0;
        int pairs = 0;
        for (uint64_t a = 0; a < n; a++)
            for (uint64_t b = a + 1; b < n; b++, pairs++)
                q += overlap(train + a * dim, train + b * dim, dim);
        q /= pairs;
        for (uint64_t a = 0; a < nh; a++)
            qh += overlap(held + a * dim, train, dim);
        qh /= (double)nh;
        const double c2 = corrs[t] * corrs[t];
        /* train-train overlap and held-out-train overlap: c^2 */
        EXPECT_MSG(fabs(q - c2) < 0.03,
                   "dataset: correlation %.1f gives train-train overlap %.4f (expected "
                   "c^2 = %.2f within 0.03)",
                   corrs[t], q, c2);
        EXPECT_MSG(fabs(qh - c2) < 0.06,
                   "dataset: correlation %.1f gives held-out-train overlap %.4f "
                   "(expected c^2 = %.2f within 0.06)",
                   corrs[t], qh, c2);
        if (corrs[t] > 0) {
            /* spectrum with correlation > 0 is BASIN_EUNSUPPORTED */
            double spectrum[2000];
            fake_last_error[0] = 0;
            EXPECT_EQ(dataset_iface->spectrum(d, host, spectrum), BASIN_EUNSUPPORTED);
            EXPECT_NE(fake_last_error[0], 0);
        }
        free(train);
        free(held);
        dataset_iface->destroy(d);
    }
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* ------------------------------------------------------------- energy tests */

/* energy(), spin_delta, gradient, update and spin_flip of one energy against the
   reference couplings, at n_states random states. */
static void check_energy_on(const basin_host *host, const char *diagonal, uint32_t dim,
                            uint64_t k, uint64_t n_states)
{
    printf("# energy(%s, N=%u, K=%llu)\n", diagonal, dim, (unsigned long long)k);
    const int keep = strcmp(diagonal, "keep") == 0;
    float *xi = patterns(host, dim, k);
    ASSERT_NOT_NULL(xi);
    void *e = make_energy(host, diagonal, dim, xi, k);
    ASSERT_NOT_NULL(e);
    double *w = reference_couplings(xi, k, dim, keep);
    float *x = random_states(host, 1000, n_states, dim);

    /* energy() against −½ xᵀWx in double. */
    double *energy = malloc(n_states * sizeof *energy);
    energy_iface->energy(e, host, x, n_states, energy);
    double max_err = 0;
    for (uint64_t r = 0; r < n_states; r++) {
        double ref = 0;
        for (uint32_t i = 0; i < dim; i++)
            ref += -0.5 * x[r * dim + i] * reference_field(w, x + r * dim, dim, i);
        max_err = fmax(max_err, fabs(ref - energy[r]));
    }
    EXPECT_MSG(max_err < 1e-9 * dim,
               "energy(%s, N=%u, K=%llu): E = -1/2 x^T W x (max error %.2e)", diagonal,
               dim, (unsigned long long)k, max_err);

    /* spin_delta against E(flipped) − E(x). */
    const uint64_t cache_size = energy_iface->spin_cache_size(e);
    float *cache = malloc(n_states * cache_size * sizeof *cache);
    energy_iface->spin_init(e, host, x, n_states, cache);
    float *flipped = malloc(dim * sizeof *flipped);
    max_err = 0;
    int n_zero = 0;
    for (uint64_t r = 0; r < n_states; r++) {
        for (uint32_t i = 0; i < dim; i++) {
            memcpy(flipped, x + r * dim, dim * sizeof *flipped);
            flipped[i] = -flipped[i];
            double e_flip;
            energy_iface->energy(e, host, flipped, 1, &e_flip);
            double delta =
                energy_iface->spin_delta(e, x + r * dim, cache + r * cache_size, i);
            max_err = fmax(max_err, fabs(delta - (e_flip - energy[r])));
            n_zero += delta == 0;
        }
    }
    EXPECT_EQ(cache_size, dim);
    EXPECT_MSG(max_err < 1e-4 * dim,
               "energy(%s): spin_delta = E(flipped) - E(x) for %llu x %u flips "
               "(max error %.2e, %d exact ties)",
               diagonal, (unsigned long long)n_states, dim, max_err, n_zero);

    /* gradient = −Wx, update = sign(Wx) with sign(0) keeping x_i. */
    float *out = malloc(n_states * dim * sizeof *out);
    energy_iface->gradient(e, host, x, n_states, out);
    max_err = 0;
    for (uint64_t r = 0; r < n_states; r++)
        for (uint32_t i = 0; i < dim; i++)
            max_err = fmax(max_err, fabs(out[r * dim + i] +
                                         reference_field(w, x + r * dim, dim, i)));
    EXPECT_MSG(max_err < 1e-5, "energy(%s): gradient = -W x (max error %.2e)", diagonal,
               max_err);
    energy_iface->update(e, host, x, n_states, out);
    int mismatches = 0, ties = 0;
    for (uint64_t r = 0; r < n_states; r++) {
        for (uint32_t i = 0; i < dim; i++) {
            double h = reference_field(w, x + r * dim, dim, i);
            /* N h is an integer: round away the double noise before the sign. */
            double hn = round(h * dim);
            float want = hn > 0 ? 1.0f : hn < 0 ? -1.0f : x[r * dim + i];
            ties += hn == 0;
            mismatches += out[r * dim + i] != want;
        }
    }
    /* update = sign(W x), sign(0) keeps x_i */
    printf("# energy(%s): %d ties\n", diagonal, ties);
    EXPECT_EQ(mismatches, 0);
    /* update in place (out == x) gives the same. */
    float *inplace = malloc(n_states * dim * sizeof *inplace);
    memcpy(inplace, x, n_states * dim * sizeof *inplace);
    energy_iface->update(e, host, inplace, n_states, inplace);
    EXPECT_MSG(memcmp(inplace, out, n_states * dim * sizeof *out) == 0,
               "energy(%s): update in place equals update out of place", diagonal);

    /* spin_flip keeps the cache equal to a fresh spin_init after many flips. */
    float *state = malloc(dim * sizeof *state);
    float *fresh = malloc(dim * sizeof *fresh);
    memcpy(state, x, dim * sizeof *state);
    const size_t n_flips = 20000;
    uint32_t *which = malloc(n_flips * sizeof *which);
    host->random_bits(host, BASIN_ROLE_USER, 0, 0, which, n_flips);
    double max_delta_err = 0;
    for (size_t f = 0; f < n_flips; f++) {
        const uint32_t i = which[f] % dim;
        double before, after;
        energy_iface->energy(e, host, state, 1, &before);
        double delta = f % 97 == 0 ? energy_iface->spin_delta(e, state, cache, i) : 0;
        energy_iface->spin_flip(e, state, cache, i);
        if (f % 97 == 0) {
            energy_iface->energy(e, host, state, 1, &after);
            max_delta_err = fmax(max_delta_err, fabs(delta - (after - before)));
        }
    }
    energy_iface->spin_init(e, host, state, 1, fresh);
    max_err = 0;
    for (uint32_t i = 0; i < dim; i++)
        max_err = fmax(max_err, fabs((double)fresh[i] - cache[i]));
    EXPECT_MSG(max_err <= 1e-4,
               "energy(%s): after %zu spin_flips the cache equals a fresh spin_init "
               "(max diff %.2e)",
               diagonal, n_flips, max_err);
    EXPECT_MSG(max_delta_err < 1e-4 * dim,
               "energy(%s): after %zu spin_flips spin_delta still matches energy() "
               "(%.2e)",
               diagonal, n_flips, max_delta_err);

    free(which);
    free(state);
    free(fresh);
    free(inplace);
    free(out);
    free(flipped);
    free(cache);
    free(energy);
    free(x);
    free(w);
    free(xi);
    energy_iface->destroy(e);
}

/* Before encode: BASIN_EINVAL; a NaN memory: BASIN_ENUMERIC. */
TEST_IMPL(hopfield_energy_errors)
{
    SETUP(fx, host);
    params p = param_defaults(energy_desc);
    void *e = NULL;
    ASSERT_EQ(energy_iface->create(host, p.values, 16, &e), BASIN_OK);
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = 1;
    double energy;
    fake_last_error[0] = 0;
    EXPECT_EQ(energy_iface->energy(e, host, x, 1, &energy), BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    x[3] = NAN;
    fake_last_error[0] = 0;
    EXPECT_EQ(energy_iface->encode(e, host, x, 1), BASIN_ENUMERIC);
    EXPECT_NE(fake_last_error[0], 0);
    energy_iface->destroy(e);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* N = 65, K = 6: N h is even, so exact ties h = 0 occur. */
TEST_IMPL(hopfield_energy)
{
    SETUP(fx, host);
    check_energy_on(host, "zero", 65, 6, 40);
    check_energy_on(host, "keep", 65, 6, 40);
    check_energy_on(host, "zero", 64, 5, 20);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* K = 1: E(ξ) = −½ ξᵀWξ = −½ (N − 1), or −½ N with the diagonal kept. */
TEST_IMPL(hopfield_energy_one_memory)
{
    SETUP(fx, host);
    const uint32_t dim = 101;
    float *xi = patterns(host, dim, 1);
    ASSERT_NOT_NULL(xi);
    void *e0 = make_energy(host, "zero", dim, xi, 1);
    void *e1 = make_energy(host, "keep", dim, xi, 1);
    ASSERT_NOT_NULL(e0);
    ASSERT_NOT_NULL(e1);
    double e_zero, e_keep;
    energy_iface->energy(e0, host, xi, 1, &e_zero);
    energy_iface->energy(e1, host, xi, 1, &e_keep);
    EXPECT_NEAR(e_zero, -0.5 * dim * (dim - 1.0) / dim, 1e-12 * dim);
    EXPECT_NEAR(e_keep, -0.5 * dim, 1e-12 * dim);
    energy_iface->destroy(e0);
    energy_iface->destroy(e1);
    free(xi);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Integer memories of size 1000: the fields pass 2^24, so encode warns once. */
TEST_IMPL(hopfield_energy_warning)
{
    SETUP(fx, host);
    fake_host *mk = fake_of(host);
    const uint64_t warnings = mk->n_warnings;
    float big[20 * 50];
    for (int t = 0; t < 20 * 50; t++)
        big[t] = (t * 7919) % 3 == 0 ? -1000.0f : 1000.0f;
    void *eb = make_energy(host, "zero", 50, big, 20);
    ASSERT_NOT_NULL(eb);
    EXPECT_EQ(mk->n_warnings, warnings + 1);
    energy_iface->destroy(eb);
}

/* Real-valued memories: float accumulation drift stays small. */
TEST_IMPL(hopfield_energy_drift)
{
    SETUP(fx, host);
    const uint32_t n = 200;
    const uint64_t k = 20;
    float *real = malloc(k * n * sizeof *real);
    host->random_normal(host, BASIN_ROLE_USER, 1, 0, real, k * n);
    void *e = make_energy(host, "zero", n, real, k);
    ASSERT_NOT_NULL(e);
    float *state = random_states(host, 5000, 1, n);
    float *cache = malloc(n * sizeof *cache), *fresh = malloc(n * sizeof *fresh);
    energy_iface->spin_init(e, host, state, 1, cache);
    uint32_t *which = malloc(50000 * sizeof *which);
    host->random_bits(host, BASIN_ROLE_USER, 2, 0, which, 50000);
    for (int f = 0; f < 50000; f++)
        energy_iface->spin_flip(e, state, cache, which[f] % n);
    energy_iface->spin_init(e, host, state, 1, fresh);
    double max_err = 0, scale = 0;
    for (uint32_t i = 0; i < n; i++) {
        max_err = fmax(max_err, fabs((double)fresh[i] - cache[i]));
        scale = fmax(scale, fabs(fresh[i]));
    }
    EXPECT_MSG(max_err <= 1e-4 * scale,
               "energy: real-valued memories, 50000 flips: cache drift %.2e relative to "
               "max field %.2e",
               max_err, scale);
    free(which);
    free(cache);
    free(fresh);
    free(state);
    free(real);
    energy_iface->destroy(e);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* ------------------------------------------------------------ sampler tests */

/* ------------------------------------------------------------ sampler tests */

typedef struct thread_job {
    const basin_host *host;
    void *sampler;
    const basin_model *model;
    float *states;
    uint64_t n, first_index;
    basin_outcome *outcome;
    int rc;
} thread_job;

static void *thread_run(void *arg)
{
    thread_job *j = arg;
    j->rc = sampler_iface->run(j->sampler, j->host, j->model, j->states, j->n,
                               j->first_index, j->outcome);
    return NULL;
}

/* A binary energy that only records the order in which spin_delta is asked for. */
typedef struct order_log {
    uint32_t visited[8];
    uint32_t n;
} order_log;

static uint64_t log_cache_size(void *self)
{
    (void)self;
    return 1;
}

static int log_init(void *self, const basin_host *host, const float *x, uint64_t n,
                    float *cache)
{
    (void)self;
    (void)host;
    (void)x;
    memset(cache, 0, n * sizeof *cache);
    return BASIN_OK;
}

static double log_delta(void *self, const float *x, const float *cache, uint32_t i)
{
    (void)x;
    (void)cache;
    order_log *o = self;
    if (o->n < 8)
        o->visited[o->n] = i;
    o->n++;
    return 1.0; /* never flip */
}

static void log_flip(void *self, float *x, float *cache, uint32_t i)
{
    (void)self;
    (void)x;
    (void)cache;
    (void)i;
}

/* The async sweep order is a uniform permutation: the 120 orders of 5 spins over
   6000 samples pass a chi-square test; and any binary energy is accepted. */
TEST_IMPL(hopfield_sweep_order)
{
    SETUP(fx, host);
    void *async = make_sampler(host, "async", 100);
    ASSERT_NOT_NULL(async);
    order_log o;
    basin_energy_iface recorder = {.struct_size = sizeof(basin_energy_iface),
                                   .flags = BASIN_ENERGY_BINARY,
                                   .spin_cache_size = log_cache_size,
                                   .spin_init = log_init,
                                   .spin_delta = log_delta,
                                   .spin_flip = log_flip};
    basin_model model = {.struct_size = sizeof(basin_model),
                         .dim = 5,
                         .energy = &recorder,
                         .energy_self = &o};
    int count[5 * 5 * 5 * 5 * 5] = {0};
    const int n_samples = 6000;
    int ok = 1;
    for (int sample = 0; sample < n_samples; sample++) {
        float x[5] = {1, -1, 1, 1, -1};
        basin_outcome out;
        o.n = 0;
        int rc = sampler_iface->run(async, host, &model, x, 1, (uint64_t)sample, &out);
        ok &= rc == BASIN_OK && o.n == 5 && out.converged == 1 && out.steps == 0;
        int code = 0, seen = 0;
        for (int k = 0; k < 5; k++) {
            code = code * 5 + (int)o.visited[k];
            seen |= 1 << o.visited[k];
        }
        ok &= seen == 31;
        count[code]++;
    }
    double chi2 = 0;
    const double expected = n_samples / 120.0;
    for (int c = 0; c < 5 * 5 * 5 * 5 * 5; c++) {
        int digits[5], seen = 0;
        for (int k = 4, v = c; k >= 0; k--, v /= 5)
            digits[k] = v % 5;
        for (int k = 0; k < 5; k++)
            seen |= 1 << digits[k];
        if (seen == 31)
            chi2 += (count[c] - expected) * (count[c] - expected) / expected;
    }
    /* 119 degrees of freedom: mean 119, s.d. 15.4; 200 is p ~ 1e-6. */
    EXPECT_MSG(ok, "sampler(async): every run visits the 5 spins once each (a "
                   "permutation) and converges in 0 steps");
    EXPECT_MSG(chi2 < 200,
               "sampler(async): sweep orders are uniform over the 120 orders of 5 spins "
               "(chi2 = %.1f, 119 dof, limit 200)",
               chi2);
    sampler_iface->destroy(async);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* The sampler cases' set-up: N = 500, K = 10 patterns in an encoded energy, its
   model, and samplers/hopfield async and sync (max_sweeps 100). */
typedef struct sampler_fixture {
    uint32_t dim;
    uint64_t k;
    float *xi;
    void *e;
    basin_model model;
    void *async, *sync;
} sampler_fixture;

/* s made on host; 0 (with a '#' line) when a part cannot be made. */
static int sampler_make(const basin_host *host, sampler_fixture *s)
{
    *s = (sampler_fixture){.dim = 500, .k = 10};
    s->xi = patterns(host, s->dim, s->k);
    s->e = s->xi ? make_energy(host, "zero", s->dim, s->xi, s->k) : NULL;
    s->model = (basin_model){.struct_size = sizeof(basin_model),
                             .dim = s->dim,
                             .energy = energy_iface,
                             .energy_self = s->e};
    s->async = make_sampler(host, "async", 100);
    s->sync = make_sampler(host, "sync", 100);
    return s->xi && s->e && s->async && s->sync;
}

static void sampler_free(sampler_fixture *s)
{
    if (s->async)
        sampler_iface->destroy(s->async);
    if (s->sync)
        sampler_iface->destroy(s->sync);
    if (s->e)
        energy_iface->destroy(s->e);
    free(s->xi);
}

/* SETUP, then sampler fixture sf (and dim, its N), or return with a failed check. */
#define SAMPLER_SETUP(fx, host, sf)                                                      \
    SETUP(fx, host);                                                                     \
    sampler_fixture sf;                                                                  \
    ASSERT_MSG(sampler_make(host, &sf), "patterns, energy and samplers are made");       \
    const uint32_t dim = sf.dim

/* Stored patterns are fixed points: converged, 0 steps, overlap 1. */
TEST_IMPL(hopfield_sampler_stored)
{
    SAMPLER_SETUP(fx, host, sf);
    const uint64_t k = sf.k;
    basin_outcome outcome[64];
    float *x = malloc(k * dim * sizeof *x);
    memcpy(x, sf.xi, k * dim * sizeof *x);
    EXPECT_EQ(sampler_iface->run(sf.async, host, &sf.model, x, k, 0, outcome), BASIN_OK);
    for (uint64_t r = 0; r < k; r++) {
        EXPECT_EQ(outcome[r].converged, 1);
        EXPECT_EQ(outcome[r].steps, 0);
        EXPECT_NEAR(overlap(x + r * dim, sf.xi + r * dim, dim), 1.0, 0);
    }
    free(x);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Random starts, async: converge to fixed points; energy falls at every sweep. */
TEST_IMPL(hopfield_sampler_async)
{
    SAMPLER_SETUP(fx, host, sf);
    watch *m = &fx.w;
    basin_outcome outcome[64];
    const uint64_t n = 16;
    float *x = random_states(host, 0, n, dim);
    double last_energy[16];
    int64_t last_step[16];
    energy_iface->energy(sf.e, host, x, n, last_energy);
    for (uint64_t r = 0; r < n; r++)
        last_step[r] = 0; /* the first sweep reports step 1 */
    m->energy = energy_iface;
    m->energy_self = sf.e;
    m->last_energy = last_energy;
    m->last_step = last_step;
    m->n_tracked = n;
    m->strict_decrease = 1;
    m->n_observed = 0;
    m->n_violations = 0;
    int rc = sampler_iface->run(sf.async, host, &sf.model, x, n, 0, outcome);
    m->last_energy = NULL;
    uint64_t total_steps = 0;
    int n_converged = 0;
    uint32_t max_steps = 0;
    for (uint64_t r = 0; r < n; r++) {
        total_steps += outcome[r].steps;
        n_converged += (int)outcome[r].converged;
        if (outcome[r].steps > max_steps)
            max_steps = outcome[r].steps;
    }
    /* every random start converged */
    printf("# sampler(async): at most %u sweeps\n", max_steps);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(n_converged, (int)n);
    /* the observed sweeps are the sum of steps, the energy fell at every one, the
       steps are numbered 1, 2, ... */
    EXPECT_EQ(m->n_observed, total_steps);
    EXPECT_EQ(m->n_violations, 0);
    EXPECT_GT(total_steps, 0);
    /* final states are fixed points: every spin_delta >= 0 */
    float *cache = malloc(n * dim * sizeof *cache);
    energy_iface->spin_init(sf.e, host, x, n, cache);
    int n_unstable = 0;
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++)
            n_unstable +=
                energy_iface->spin_delta(sf.e, x + r * dim, cache + r * dim, i) < 0;
    EXPECT_EQ(n_unstable, 0);
    free(cache);
    free(x);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Sync: fixed points of sign(Wx), or an honest 2-cycle. */
TEST_IMPL(hopfield_sampler_sync)
{
    SAMPLER_SETUP(fx, host, sf);
    watch *m = &fx.w;
    basin_outcome outcome[64];
    const uint64_t n = 16;
    float *y = random_states(host, 0, n, dim);
    m->n_observed = 0;
    m->n_violations = 0;
    int rc = sampler_iface->run(sf.sync, host, &sf.model, y, n, 0, outcome);
    float *t1 = malloc(n * dim * sizeof *t1), *t2 = malloc(n * dim * sizeof *t2);
    energy_iface->update(sf.e, host, y, n, t1);
    energy_iface->update(sf.e, host, t1, n, t2);
    int n_fixed = 0, n_cycles = 0, wrong = 0;
    uint64_t total_steps = 0;
    for (uint64_t r = 0; r < n; r++) {
        const size_t bytes = dim * sizeof *y;
        const int fixed = memcmp(t1 + r * dim, y + r * dim, bytes) == 0;
        const int cycle = !fixed && memcmp(t2 + r * dim, y + r * dim, bytes) == 0;
        total_steps += outcome[r].steps;
        if (outcome[r].converged) {
            n_fixed++;
            wrong += !fixed;
        } else if (outcome[r].steps < 100) {
            n_cycles++;
            wrong += !cycle;
        }
    }
    /* the claims of fixed points and 2-cycles are right */
    printf("# sampler(sync): %d states at fixed points of sign(Wx), %d in 2-cycles\n",
           n_fixed, n_cycles);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(m->n_observed, total_steps);
    free(t1);
    free(t2);
    free(y);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* A 2-cycle by hand: N = 2, memory (1, 1), W_01 = 1/2; from (1, -1) both spins flip
   at every sync step, while async settles in one sweep. */
TEST_IMPL(hopfield_sampler_two_cycle)
{
    SAMPLER_SETUP(fx, host, sf);
    (void)dim;
    watch *m = &fx.w;
    basin_outcome outcome[64];
    const float memory[2] = {1, 1};
    void *e2 = make_energy(host, "zero", 2, memory, 1);
    ASSERT_NOT_NULL(e2);
    basin_model m2 = {.struct_size = sizeof(basin_model),
                      .dim = 2,
                      .energy = energy_iface,
                      .energy_self = e2};
    /* sync: (1,-1) -> (-1,1) -> (1,-1) is detected after 2 steps, unconverged */
    float start[2] = {1, -1};
    m->n_observed = 0;
    EXPECT_EQ(sampler_iface->run(sf.sync, host, &m2, start, 1, 0, outcome), BASIN_OK);
    EXPECT_EQ(outcome[0].converged, 0);
    EXPECT_EQ(outcome[0].steps, 2);
    EXPECT_NEAR(start[0], 1, 0);
    EXPECT_NEAR(start[1], -1, 0);
    EXPECT_EQ(m->n_observed, 2);
    /* async: the same start settles in 1 sweep */
    float start2[2] = {1, -1};
    EXPECT_EQ(sampler_iface->run(sf.async, host, &m2, start2, 1, 0, outcome), BASIN_OK);
    EXPECT_EQ(outcome[0].converged, 1);
    EXPECT_EQ(outcome[0].steps, 1);
    EXPECT_NEAR(start2[0], start2[1], 0);
    energy_iface->destroy(e2);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Sync at high load (N = 200, K = 60): 2-cycles appear and are reported. */
TEST_IMPL(hopfield_sampler_sync_high_load)
{
    SAMPLER_SETUP(fx, host, sf);
    (void)dim;
    basin_outcome outcome[64];
    const uint32_t n2 = 200;
    const uint64_t k2 = 60, starts = 32;
    float *xi2 = patterns(host, n2, k2);
    ASSERT_NOT_NULL(xi2);
    void *e2 = make_energy(host, "zero", n2, xi2, k2);
    ASSERT_NOT_NULL(e2);
    basin_model m2 = {.struct_size = sizeof(basin_model),
                      .dim = n2,
                      .energy = energy_iface,
                      .energy_self = e2};
    float *s0 = random_states(host, 50, starts, n2);
    float *u1 = malloc(starts * n2 * sizeof *u1), *u2 = malloc(starts * n2 * sizeof *u2);
    int rc = sampler_iface->run(sf.sync, host, &m2, s0, starts, 50, outcome);
    energy_iface->update(e2, host, s0, starts, u1);
    energy_iface->update(e2, host, u1, starts, u2);
    int fixed2 = 0, cycles2 = 0, wrong2 = 0;
    for (uint64_t r = 0; r < starts; r++) {
        const size_t bytes = n2 * sizeof *s0;
        const int fixed = memcmp(u1 + r * n2, s0 + r * n2, bytes) == 0;
        const int cycle = !fixed && memcmp(u2 + r * n2, s0 + r * n2, bytes) == 0;
        fixed2 += (int)outcome[r].converged;
        cycles2 += !outcome[r].converged;
        wrong2 += outcome[r].converged ? !fixed : !cycle;
    }
    printf("# sampler(sync, N=200, K=60): %d fixed points, %d 2-cycles\n", fixed2,
           cycles2);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_GT(cycles2, 0);
    EXPECT_EQ(wrong2, 0);
    free(u1);
    free(u2);
    free(s0);
    free(xi2);
    energy_iface->destroy(e2);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Ties: at N = 41, K = 8 the fields N h are even integers and ΔE = 0 is common. A
   tie must not flip (it would not lower E): async still converges, with the energy
   falling at every observed sweep. */
TEST_IMPL(hopfield_sampler_ties)
{
    SAMPLER_SETUP(fx, host, sf);
    (void)dim;
    watch *m = &fx.w;
    basin_outcome outcome[64];
    const uint32_t n2 = 41;
    const uint64_t k2 = 8, starts = 64;
    float *xi2 = patterns(host, n2, k2);
    ASSERT_NOT_NULL(xi2);
    void *e2 = make_energy(host, "zero", n2, xi2, k2);
    ASSERT_NOT_NULL(e2);
    basin_model m2 = {.struct_size = sizeof(basin_model),
                      .dim = n2,
                      .energy = energy_iface,
                      .energy_self = e2};
    float *s0 = random_states(host, 70, starts, n2);
    double last2[64];
    int64_t step2[64];
    energy_iface->energy(e2, host, s0, starts, last2);
    for (uint64_t r = 0; r < starts; r++)
        step2[r] = 0;
    m->energy = energy_iface;
    m->energy_self = e2;
    m->last_energy = last2;
    m->last_step = step2;
    m->n_tracked = starts;
    m->strict_decrease = 1;
    m->n_violations = 0;
    int rc = sampler_iface->run(sf.async, host, &m2, s0, starts, 0, outcome);
    m->last_energy = NULL;
    float *c2 = malloc(starts * n2 * sizeof *c2);
    energy_iface->spin_init(e2, host, s0, starts, c2);
    int conv2 = 0, ties2 = 0, unstable2 = 0;
    for (uint64_t r = 0; r < starts; r++) {
        conv2 += (int)outcome[r].converged;
        for (uint32_t i = 0; i < n2; i++) {
            double dE = energy_iface->spin_delta(e2, s0 + r * n2, c2 + r * n2, i);
            ties2 += dE == 0;
            unstable2 += dE < 0;
        }
    }
    /* every start converged to a fixed point holding exact ties; the energy fell at
       every sweep */
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(conv2, (int)starts);
    EXPECT_EQ(unstable2, 0);
    EXPECT_GT(ties2, 0);
    EXPECT_EQ(m->n_violations, 0);
    free(c2);
    free(s0);
    free(xi2);
    energy_iface->destroy(e2);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Same sample → same outcome, in one batch of 8 or 8 batches of 1; another sample
   index, another path. */
TEST_IMPL(hopfield_sampler_batches)
{
    SAMPLER_SETUP(fx, host, sf);
    basin_outcome outcome[64];
    for (int mode = 0; mode < 2; mode++) {
        void *s = mode == 0 ? sf.async : sf.sync;
        float *batch = random_states(host, 100, 8, dim);
        float *single = random_states(host, 100, 8, dim);
        basin_outcome single_outcome[8];
        int rc = sampler_iface->run(s, host, &sf.model, batch, 8, 100, outcome);
        for (uint32_t r = 0; r < 8 && rc == BASIN_OK; r++)
            rc = sampler_iface->run(s, host, &sf.model, single + r * dim, 1, 100 + r,
                                    single_outcome + r);
        EXPECT_EQ(rc, BASIN_OK);
        EXPECT_MSG(memcmp(batch, single, 8 * dim * sizeof *batch) == 0 &&
                       memcmp(outcome, single_outcome, sizeof single_outcome) == 0,
                   "sampler(%s): one batch of 8 = 8 batches of 1 (states and outcomes)",
                   mode == 0 ? "async" : "sync");
        /* A different sample index gives a different path (the keys matter). */
        if (mode == 0) {
            float *other = random_states(host, 100, 1, dim);
            basin_outcome o;
            sampler_iface->run(s, host, &sf.model, other, 1, 999, &o);
            EXPECT_MSG(memcmp(other, batch, dim * sizeof *other) != 0 ||
                           o.steps != outcome[0].steps,
                       "sampler(async): the same start under another sample index takes "
                       "another path");
            free(other);
        }
        free(batch);
        free(single);
    }
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Concurrent runs on disjoint batches give the serial result. */
TEST_IMPL(hopfield_sampler_threads)
{
    SAMPLER_SETUP(fx, host, sf);
    const uint64_t n_threads = 4, per = 4;
    float *serial = random_states(host, 300, n_threads * per, dim);
    float *parallel = random_states(host, 300, n_threads * per, dim);
    basin_outcome so[16], po[16];
    fake_host quiet; /* no observer */
    fake_host_init(&quiet, fake_of(host)->seed, FAKE_SPLITMIX);
    const basin_host qh = quiet.host;
    int rc =
        sampler_iface->run(sf.async, &qh, &sf.model, serial, n_threads * per, 300, so);
    pthread_t threads[4];
    thread_job jobs[4];
    for (uint64_t t = 0; t < n_threads; t++) {
        jobs[t] = (thread_job){&qh, sf.async,      &sf.model,    parallel + t * per * dim,
                               per, 300 + t * per, po + t * per, -1};
        pthread_create(&threads[t], NULL, thread_run, &jobs[t]);
    }
    int trc = 0;
    for (uint64_t t = 0; t < n_threads; t++) {
        pthread_join(threads[t], NULL);
        trc |= jobs[t].rc;
    }
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(trc, BASIN_OK);
    EXPECT_MSG(memcmp(serial, parallel, n_threads * per * dim * sizeof *serial) == 0 &&
                   memcmp(so, po, sizeof so) == 0,
               "sampler(async): 4 threads on disjoint batches reproduce the serial run");
    free(serial);
    free(parallel);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings + quiet.n_warnings, 0);
}

/* Unsupported models: an energy without BASIN_ENERGY_BINARY, a binary energy
   without spin_flip, a model without an energy: BASIN_EUNSUPPORTED, with a
   message. */
TEST_IMPL(hopfield_sampler_unsupported)
{
    SAMPLER_SETUP(fx, host, sf);
    basin_outcome outcome[64];
    float *x = random_states(host, 0, 1, dim);
    basin_energy_iface continuous = *energy_iface;
    continuous.flags = 0;
    basin_model bad = sf.model;
    bad.energy = &continuous;
    fake_last_error[0] = 0;
    EXPECT_EQ(sampler_iface->run(sf.async, host, &bad, x, 1, 0, outcome),
              BASIN_EUNSUPPORTED);
    EXPECT_NE(fake_last_error[0], 0);
    continuous.flags = BASIN_ENERGY_BINARY;
    continuous.spin_flip = NULL;
    fake_last_error[0] = 0;
    EXPECT_EQ(sampler_iface->run(sf.async, host, &bad, x, 1, 0, outcome),
              BASIN_EUNSUPPORTED);
    EXPECT_NE(fake_last_error[0], 0);
    basin_model score_model = {.struct_size = sizeof(basin_model), .dim = dim};
    int dummy;
    score_model.score_self = &dummy;
    fake_last_error[0] = 0;
    EXPECT_EQ(sampler_iface->run(sf.async, host, &score_model, x, 1, 0, outcome),
              BASIN_EUNSUPPORTED);
    EXPECT_NE(fake_last_error[0], 0);
    free(x);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Bad states, cancellation, observers that stop, max_sweeps. */
TEST_IMPL(hopfield_sampler_stops)
{
    SAMPLER_SETUP(fx, host, sf);
    watch *m = &fx.w;
    basin_outcome outcome[64];
    /* a state entry 0.5 is BASIN_EINVAL */
    float *bad_state = random_states(host, 0, 1, dim);
    bad_state[7] = 0.5f;
    fake_last_error[0] = 0;
    EXPECT_EQ(sampler_iface->run(sf.async, host, &sf.model, bad_state, 1, 0, outcome),
              BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    free(bad_state);
    /* cancelled() makes run return BASIN_ECANCELED */
    float *z = random_states(host, 0, 2, dim);
    fake_of(host)->cancel = 1;
    fake_last_error[0] = 0;
    EXPECT_EQ(sampler_iface->run(sf.async, host, &sf.model, z, 2, 0, outcome),
              BASIN_ECANCELED);
    EXPECT_NE(fake_last_error[0], 0);
    fake_of(host)->cancel = 0;
    /* an observer returning nonzero stops the run with BASIN_ECANCELED */
    m->n_observed = 0;
    m->stop_after = 1;
    EXPECT_EQ(sampler_iface->run(sf.sync, host, &sf.model, z, 2, 0, outcome),
              BASIN_ECANCELED);
    EXPECT_EQ(m->n_observed, 1);
    m->stop_after = 0;
    free(z);

    /* max_sweeps = 1 from a random start: 1 step, not converged. */
    void *one = make_sampler(host, "async", 1);
    ASSERT_NOT_NULL(one);
    z = random_states(host, 7, 1, dim);
    EXPECT_EQ(sampler_iface->run(one, host, &sf.model, z, 1, 7, outcome), BASIN_OK);
    EXPECT_EQ(outcome[0].steps, 1);
    EXPECT_EQ(outcome[0].converged, 0);
    free(z);
    sampler_iface->destroy(one);
    sampler_free(&sf);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

/* Retrieval at N = 1000, K = 100 (alpha = 0.1): from the stored patterns and from
   random starts; the timing is reported, not checked. */
TEST_IMPL(hopfield_retrieval)
{
    SETUP(fx, host);
    const uint32_t dim = 1000;
    const uint64_t k = 100, n = 100;
    const double n_real = (double)n;
    float *xi = patterns(host, dim, k);
    ASSERT_NOT_NULL(xi);
    double t0 = now_seconds();
    void *e = make_energy(host, "zero", dim, xi, k);
    ASSERT_NOT_NULL(e);
    double t_encode = now_seconds() - t0;
    basin_model model = {.struct_size = sizeof(basin_model),
                         .dim = dim,
                         .energy = energy_iface,
                         .energy_self = e};
    void *async = make_sampler(host, "async", 100);
    ASSERT_NOT_NULL(async);
    basin_outcome *outcome = malloc(n * sizeof *outcome);
    basin_host quiet = *host;
    quiet.observe = NULL;

    for (int random_start = 0; random_start < 2; random_start++) {
        float *x =
            random_start ? random_states(host, 0, n, dim) : malloc(n * dim * sizeof *x);
        if (!random_start)
            memcpy(x, xi, n * dim * sizeof *x);
        t0 = now_seconds();
        int rc = sampler_iface->run(async, &quiet, &model, x, n, 0, outcome);
        double t = now_seconds() - t0;
        double steps = 0, m = 0, converged = 0;
        for (uint64_t r = 0; r < n; r++) {
            steps += outcome[r].steps;
            converged += outcome[r].converged;
            double best = 0;
            for (uint64_t mu = 0; mu < k; mu++)
                best = fmax(best, fabs(overlap(x + r * dim, xi + mu * dim, dim)));
            m += random_start ? best : overlap(x + r * dim, xi + r * dim, dim);
        }
        printf("# async N=1000 K=100, 100 %s starts: %.1f ms (encode %.1f ms), "
               "%.0f converged, mean %.2f sweeps, mean %s overlap %.4f\n",
               random_start ? "random" : "stored-pattern", 1e3 * t, 1e3 * t_encode,
               converged, steps / n_real, random_start ? "best" : "start", m / n_real);
        /* every start reaches a fixed point; from the stored patterns, retrieval with
           mean overlap > 0.95 */
        EXPECT_EQ(rc, BASIN_OK);
        EXPECT_NEAR(converged, n_real, 0);
        if (!random_start)
            EXPECT_MSG(m / n_real > 0.95,
                       "sampler(async, alpha = 0.1): from the stored patterns, retrieval "
                       "with mean overlap %.4f > 0.95",
                       m / n_real);
        free(x);
    }
    free(outcome);
    free(xi);
    sampler_iface->destroy(async);
    energy_iface->destroy(e);
    EXPECT_EQ(fx.f.n_warnings, 0);
}

TEST_LIST_BEGIN
TEST_ENTRY(hopfield_interfaces)
TEST_ENTRY(hopfield_dataset)
TEST_ENTRY(hopfield_dataset_bias)
TEST_ENTRY(hopfield_dataset_load)
TEST_ENTRY(hopfield_dataset_correlation)
TEST_ENTRY(hopfield_energy_errors)
TEST_ENTRY(hopfield_energy)
TEST_ENTRY(hopfield_energy_one_memory)
TEST_ENTRY(hopfield_energy_warning)
TEST_ENTRY(hopfield_energy_drift)
TEST_ENTRY(hopfield_sweep_order)
TEST_ENTRY(hopfield_sampler_stored)
TEST_ENTRY(hopfield_sampler_async)
TEST_ENTRY(hopfield_sampler_sync)
TEST_ENTRY(hopfield_sampler_two_cycle)
TEST_ENTRY(hopfield_sampler_sync_high_load)
TEST_ENTRY(hopfield_sampler_ties)
TEST_ENTRY(hopfield_sampler_batches)
TEST_ENTRY(hopfield_sampler_threads)
TEST_ENTRY(hopfield_sampler_unsupported)
TEST_ENTRY(hopfield_sampler_stops)
TEST_ENTRY(hopfield_retrieval)
TEST_LIST_END

/*
 * test_datasets — unit tests of the dataset plugins datasets/gaussian,
 * datasets/gaussian-mixture, datasets/hidden-manifold, datasets/fashion-mnist and
 * datasets/npy, loaded as the host loads them (dlopen RTLD_NOW|RTLD_LOCAL) and
 * driven through the fake basin_host of tests/fake_host.h, whose random numbers are
 * its counter-based splitmix64 hash of (seed, role, index, step, element).
 *
 * Environment (meson sets it; tests/README.md): BASIN_TEST_PLUGIN_DIR, the build's
 * plugin folder; BASIN_TEST_FASHION_MNIST_DIR (optional; default
 * /usr/share/datasets/fashion-mnist), the real Fashion-MNIST files: without them
 * datasets_fashion_real is skipped (the fake-file cases still run).
 *
 * Statistical checks: every tolerance is at least 4 standard errors, the standard
 * error estimated from the same sample (the empirical variance of the quantity
 * averaged) unless a closed form is given. The mock generator is seeded, so each
 * check is deterministic; the 4 SE margin says it would pass for almost any seed.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <zlib.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ------------------------------------------------------------------ set-up */

/* The fake host of a case: the splitmix stream of seed 20250611. */
static const basin_host *start(fake_host *m)
{
    fake_host_init(m, 20250611, FAKE_SPLITMIX);
    return &m->host;
}

/* Dataset plugin `id` ("datasets/gaussian") of $BASIN_TEST_PLUGIN_DIR/id.so, checked
   by load_built_plugin (library header, parameter table, interface and its size);
   NULL (with a line on stderr) when it is not there. */
static const basin_descriptor *dataset(const char *id)
{
    return load_built_plugin(NULL, id, BASIN_IFACE_DATASET);
}

/* The start of a case: a fake host m (host, its basin_host) and the descriptor desc
   of dataset plugin `id`, or return with a failed check. */
#define SETUP(id)                                                                        \
    fake_host m;                                                                         \
    const basin_host *host = start(&m);                                                  \
    const basin_descriptor *desc = dataset(id);                                          \
    ASSERT_MSG(desc, id " loads from $BASIN_TEST_PLUGIN_DIR")

static const basin_dataset_iface *iface_of(const params *p)
{
    return p->desc->iface;
}

/* Create, or NULL with a '#' line saying why: for set-ups that must work. */
static void *make(const basin_host *host, const params *p)
{
    void *d = NULL;
    fake_last_error[0] = 0;
    int rc = iface_of(p)->create(host, p->values, &d);
    if (rc != BASIN_OK || d == NULL) {
        printf("# %s create failed: %d %s\n", p->desc->id, rc, fake_last_error);
        return NULL;
    }
    return d;
}

/* Create expected to fail: returns the status, *self must stay NULL. */
static int make_fails(const basin_host *host, const params *p)
{
    void *d = (void *)1;
    fake_last_error[0] = 0;
    int rc = iface_of(p)->create(host, p->values, &d);
    if (rc == BASIN_OK) {
        iface_of(p)->destroy(d);
        return BASIN_OK;
    }
    return d == NULL ? rc : BASIN_EINTERNAL;
}

/* All rows of a split (malloc'd), or NULL with a '#' line when read() fails. */
static float *read_all(const params *p, void *d, const basin_host *host, int split,
                       uint64_t *n_out, basin_dataset_info *info)
{
    memset(info, 0, sizeof *info); /* as the host does (basin/plugin.h) */
    iface_of(p)->info(d, info);
    const uint64_t n = split == BASIN_SPLIT_TRAIN ? info->n_train : info->n_heldout;
    float *rows = malloc((n ? n : 1) * info->dim * sizeof *rows);
    if (iface_of(p)->read(d, host, split, 0, n, rows) != BASIN_OK) {
        printf("# %s read failed: %s\n", p->desc->id, fake_last_error);
        free(rows);
        return NULL;
    }
    *n_out = n;
    return rows;
}

/* The program's scratch folder under /tmp, made on first use and removed at exit;
   NULL when it cannot be made. */
static char tmp_root[] = "/tmp/basin-datasets-XXXXXX";
static int tmp_made;

static void remove_tmp_root(void)
{
    char cmd[sizeof tmp_root + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_root);
}

/* A folder of the case's own, tmp_root/name (made if new), in dir; 0 on failure. */
static int case_dir(char *dir, size_t n, const char *name)
{
    if (!tmp_made) {
        if (mkdtemp(tmp_root) == NULL) {
            perror("mkdtemp");
            return 0;
        }
        tmp_made = 1;
        atexit(remove_tmp_root);
    }
    snprintf(dir, n, "%s/%s", tmp_root, name);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        perror(dir);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------ statistics helpers */

/* Sample mean (dim) and covariance (dim × dim, divided by n − 1) in double. */
static void sample_covariance(const float *x, uint64_t n, uint32_t dim, double *mean,
                              double *cov)
{
    memset(mean, 0, dim * sizeof *mean);
    memset(cov, 0, (size_t)dim * dim * sizeof *cov);
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += x[r * dim + i];
    for (uint32_t i = 0; i < dim; i++)
        mean[i] /= (double)n;
    double *c = malloc(dim * sizeof *c);
    for (uint64_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < dim; i++)
            c[i] = x[r * dim + i] - mean[i];
        for (uint32_t i = 0; i < dim; i++)
            for (uint32_t j = i; j < dim; j++)
                cov[(size_t)i * dim + j] += c[i] * c[j];
    }
    free(c);
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = i; j < dim; j++) {
            cov[(size_t)i * dim + j] /= (double)(n - 1);
            cov[(size_t)j * dim + i] = cov[(size_t)i * dim + j];
        }
}

/*
 * Cyclic Jacobi eigen-decomposition of the symmetric n × n matrix a (destroyed):
 * eigenvalues descending in w, unit eigenvectors as rows of v (n × n). Independent
 * of LAPACK, which the plugins use.
 */
static void jacobi_eigen(double *a, uint32_t n, double *w, double *v)
{
    double *vt = calloc((size_t)n * n, sizeof *vt); /* columns are eigenvectors */
    for (uint32_t i = 0; i < n; i++)
        vt[(size_t)i * n + i] = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++) {
                const double sq = a[(size_t)i * n + j] * a[(size_t)i * n + j];
                if (i == j)
                    diag += sq;
                else
                    off += sq;
            }
        if (off <= 1e-28 * diag)
            break;
        for (uint32_t p = 0; p < n; p++)
            for (uint32_t q = p + 1; q < n; q++) {
                const double apq = a[(size_t)p * n + q];
                if (apq == 0)
                    continue;
                const double theta =
                    (a[(size_t)q * n + q] - a[(size_t)p * n + p]) / (2 * apq);
                const double t =
                    (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                const double c = 1 / sqrt(t * t + 1), s = t * c;
                for (uint32_t k = 0; k < n; k++) { /* columns p, q */
                    const double akp = a[(size_t)k * n + p], akq = a[(size_t)k * n + q];
                    a[(size_t)k * n + p] = c * akp - s * akq;
                    a[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (uint32_t k = 0; k < n; k++) { /* rows p, q */
                    const double apk = a[(size_t)p * n + k], aqk = a[(size_t)q * n + k];
                    a[(size_t)p * n + k] = c * apk - s * aqk;
                    a[(size_t)q * n + k] = s * apk + c * aqk;
                }
                for (uint32_t k = 0; k < n; k++) {
                    const double vkp = vt[(size_t)k * n + p], vkq = vt[(size_t)k * n + q];
                    vt[(size_t)k * n + p] = c * vkp - s * vkq;
                    vt[(size_t)k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    /* Sort descending (selection sort; n is small). */
    uint32_t *order = malloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++)
            if (a[(size_t)order[j] * n + order[j]] > a[(size_t)order[i] * n + order[i]]) {
                uint32_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    for (uint32_t i = 0; i < n; i++) {
        w[i] = a[(size_t)order[i] * n + order[i]];
        for (uint32_t k = 0; k < n; k++)
            v[(size_t)i * n + k] = vt[(size_t)k * n + order[i]];
    }
    free(order);
    free(vt);
}

/*
 * The variance of the centred projections y = u·(x − mean) and the standard error
 * of that estimate, sqrt(Var(y²)/n), Var(y²) taken from the sample (valid for any
 * law with a fourth moment).
 */
static void projected_variance(const float *x, uint64_t n, uint32_t dim,
                               const double *mean, const double *u, double *var,
                               double *se)
{
    double s2 = 0, s4 = 0;
    for (uint64_t r = 0; r < n; r++) {
        double y = 0;
        for (uint32_t i = 0; i < dim; i++)
            y += u[i] * (x[r * dim + i] - mean[i]);
        s2 += y * y;
        s4 += y * y * y * y;
    }
    const double m2 = s2 / (double)n, m4 = s4 / (double)n;
    *var = m2;
    *se = sqrt((m4 - m2 * m2) / (double)n);
}

/* The total variance Σ_i Var(x_i) = mean ‖x − x̄‖² · n/(n − 1) (unbiased) and its
   standard error. */
static void total_variance(const float *x, uint64_t n, uint32_t dim, const double *mean,
                           double *trace, double *se)
{
    double s1 = 0, s2 = 0;
    for (uint64_t r = 0; r < n; r++) {
        double q = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double c = x[r * dim + i] - mean[i];
            q += c * c;
        }
        s1 += q;
        s2 += q * q;
    }
    const double m1 = s1 / (double)n, unbias = (double)n / (double)(n - 1);
    *trace = m1 * unbias;
    *se = unbias * sqrt((s2 / (double)n - m1 * m1) / (double)n);
}

/* out = dir/name (truncated to n bytes). */
static void join(char *out, size_t n, const char *dir, const char *name)
{
    size_t len = strlen(dir);
    if (len >= n)
        len = n - 1;
    memcpy(out, dir, len);
    out[len] = 0;
    strncat(out, "/", n - len - 1);
    strncat(out, name, n - strlen(out) - 1);
}

/* ------------------------------------------------------------ gaussian tests */

/* Power-law spectrum λ_i = σ² i^(−decay), N = 16, K = 20000: the spectrum, the
   sample covariance, determinism. */
TEST_IMPL(datasets_gaussian)
{
    SETUP("datasets/gaussian");
    const uint32_t n = 16;
    const uint64_t k = 20000;
    params p = param_defaults(desc);
    set_number(&p, "dim", n);
    set_number(&p, "count", (double)k);
    set_number(&p, "heldout", 50);
    set_number(&p, "variance", 2);
    set_string(&p, "spectrum", "power");
    set_number(&p, "decay", 1);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    uint64_t got;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x);
    EXPECT_EQ(info.n_train, k);
    EXPECT_EQ(info.n_heldout, 50);
    EXPECT_EQ(info.dim, n);
    EXPECT_EQ(info.flags, 0);
    EXPECT_EQ(info.height, 0);
    /* spectrum() = 2 i^-1, descending */
    double lambda[16];
    ASSERT_EQ(iface_of(&p)->spectrum(d, host, lambda), BASIN_OK);
    for (uint32_t i = 0; i < n; i++)
        EXPECT_NEAR(lambda[i], 2.0 / (i + 1), 1e-15);

    /* Axis variances: the mean is known (0), so v_i = Σ x_i²/K is unbiased with
       SE = λ_i sqrt(2/K) (Gaussian fourth moment 3λ²). Covariances: c_ij has SE
       sqrt(λ_i λ_j / K); 5 SE for the 120 pairs (Bonferroni: 120 · 6e-7). */
    int var_ok = 1, cov_ok = 1;
    double worst_var = 0, worst_cov = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i; j < n; j++) {
            double s = 0;
            for (uint64_t r = 0; r < k; r++)
                s += (double)x[r * n + i] * x[r * n + j];
            s /= (double)k;
            if (i == j) {
                const double z =
                    fabs(s - lambda[i]) / (lambda[i] * sqrt(2.0 / (double)k));
                worst_var = fmax(worst_var, z);
                var_ok &= z <= 4;
            } else {
                const double z = fabs(s) / sqrt(lambda[i] * lambda[j] / (double)k);
                worst_cov = fmax(worst_cov, z);
                cov_ok &= z <= 5;
            }
        }
    EXPECT_MSG(var_ok,
               "gaussian(power): the 16 axis variances match λ_i (worst %.2f SE, "
               "limit 4)",
               worst_var);
    EXPECT_MSG(cov_ok,
               "gaussian(power): off-diagonal covariances vanish (worst %.2f SE, "
               "limit 5)",
               worst_cov);

    /* Held-out rows are other draws of the law; same seed → same bytes; a larger
       count keeps the first rows; another seed gives other rows. */
    uint64_t nh;
    float *h = read_all(&p, d, host, BASIN_SPLIT_HELDOUT, &nh, &info);
    ASSERT_NOT_NULL(h);
    EXPECT_EQ(nh, 50);
    EXPECT_MSG(memcmp(h, x, n * sizeof *x) != 0,
               "gaussian: held-out row 0 differs from train row 0");
    void *d2 = make(host, &p);
    ASSERT_NOT_NULL(d2);
    float *x2 = read_all(&p, d2, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x2);
    EXPECT_MSG(memcmp(x, x2, k * n * sizeof *x) == 0,
               "gaussian: same seed and parameters give byte-identical rows");
    iface_of(&p)->destroy(d2);
    free(x2);
    set_number(&p, "count", 100);
    d2 = make(host, &p);
    ASSERT_NOT_NULL(d2);
    x2 = read_all(&p, d2, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x2);
    EXPECT_MSG(memcmp(x, x2, 100 * n * sizeof *x) == 0,
               "gaussian: count 100 gives the first 100 rows of count 20000");
    iface_of(&p)->destroy(d2);
    free(x2);
    m.seed++;
    d2 = make(host, &p);
    ASSERT_NOT_NULL(d2);
    x2 = read_all(&p, d2, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x2);
    EXPECT_MSG(memcmp(x, x2, n * sizeof *x) != 0, "gaussian: another seed, other rows");
    m.seed--;
    iface_of(&p)->destroy(d2);
    free(x2);
    free(h);
    free(x);
    iface_of(&p)->destroy(d);
    EXPECT_EQ(m.n_warnings, 0);
}

/* Isotropic spectrum, read() errors, refused parameters. */
TEST_IMPL(datasets_gaussian_errors)
{
    SETUP("datasets/gaussian");
    params p = param_defaults(desc);
    set_number(&p, "dim", 5);
    set_number(&p, "count", 3);
    set_number(&p, "variance", 0.25);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    /* isotropic: spectrum() = 0.25 */
    double iso[5];
    iface_of(&p)->spectrum(d, host, iso);
    EXPECT_NEAR(iso[0], 0.25, 0);
    EXPECT_NEAR(iso[4], 0.25, 0);
    /* a read past the split's end, and of an unknown split: BASIN_EINVAL */
    float row[5 * 4];
    fake_last_error[0] = 0;
    EXPECT_EQ(iface_of(&p)->read(d, host, BASIN_SPLIT_TRAIN, 1, 3, row), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "outside");
    fake_last_error[0] = 0;
    EXPECT_EQ(iface_of(&p)->read(d, host, 7, 0, 1, row), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "split");
    EXPECT(iface_of(&p)->law_distance == NULL); /* no law_distance */
    iface_of(&p)->destroy(d);
    /* count 0 (a host that skipped the table) is refused */
    set_number(&p, "count", 0);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "count");
    /* an unknown spectrum is refused */
    set_number(&p, "count", 3);
    set_string(&p, "spectrum", "cubic");
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "spectrum");
    EXPECT_EQ(m.n_warnings, 0);
}

/* ---------------------------------------------------- gaussian mixture tests */

/* Two classes ±m, N = 50, m~ = σ = 1 (Biroli et al. 2024; docs/science.md,
   Two-class Gaussian mixture): Λ = σ² + N m~² = 51 and t_S = ½ log 51. */
TEST_IMPL(datasets_mixture_two)
{
    SETUP("datasets/gaussian-mixture");
    const uint32_t n = 50;
    const uint64_t k = 20000;
    params p = param_defaults(desc);
    set_number(&p, "components", 2);
    set_number(&p, "dim", n);
    set_number(&p, "count", (double)k);
    set_number(&p, "heldout", 10);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    uint64_t got;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x);
    /* spectrum() = {σ² + N m~², σ², ...} */
    double lambda[50];
    ASSERT_EQ(iface_of(&p)->spectrum(d, host, lambda), BASIN_OK);
    EXPECT_NEAR(lambda[0], 51, 1e-9);
    for (uint32_t i = 1; i < n; i++)
        EXPECT_NEAR(lambda[i], 1, 1e-12);

    double *mean = malloc(n * sizeof *mean), *cov = malloc((size_t)n * n * sizeof *cov);
    double *w = malloc(n * sizeof *w), *v = malloc((size_t)n * n * sizeof *v);
    sample_covariance(x, k, n, mean, cov);
    jacobi_eigen(cov, n, w, v);
    /* The top sample eigenvalue: the variance along its eigenvector, SE from the
       sample's Var(y²) (≈ sqrt((4·50 + 2)/K) ≈ 0.10); the max-over-directions
       bias Σ_j λ₁λ_j/(K(λ₁ − λ_j)) ≈ 0.0025 is far inside it. */
    double var, se;
    projected_variance(x, k, n, mean, v, &var, &se);
    EXPECT_NEAR(var, lambda[0], 4 * se);
    /* The other 49: their sum, the trace minus the top, has SE ≈ sqrt(2·49/K). */
    double rest = 0;
    for (uint32_t i = 1; i < n; i++)
        rest += w[i];
    const double rest_se = sqrt(2.0 * (n - 1) / (double)k);
    EXPECT_NEAR(rest, n - 1, 4 * rest_se + 4 * se);
    /* Equal weights: the fraction of points on the +m side, SE sqrt(¼/K). */
    uint64_t plus = 0;
    for (uint64_t r = 0; r < k; r++) {
        double y = 0;
        for (uint32_t i = 0; i < n; i++)
            y += v[i] * x[r * n + i];
        plus += y > 0;
    }
    const double frac = (double)plus / (double)k;
    EXPECT_NEAR(frac, 0.5, 4 * sqrt(0.25 / (double)k));
    /* labels(): each point's component. With ‖m‖ = √50 ≈ 7.1 against unit noise
       the side of the top direction tells the component, wrong with probability
       Φ(−7.1) ≈ 6e-13 a point: every label is one of {0, 1}, and the labels agree
       with the sides (up to which component is called 0). */
    const basin_dataset_iface *f = iface_of(&p);
    ASSERT_MSG(f->struct_size >=
                       offsetof(basin_dataset_iface, labels) + sizeof f->labels &&
                   f->labels,
               "gaussian-mixture has labels() (ABI 1.2)");
    int32_t *label = malloc((size_t)k * sizeof *label);
    ASSERT_EQ(f->labels(d, host, BASIN_SPLIT_TRAIN, 0, k, label), BASIN_OK);
    uint64_t agree = 0, valid = 0;
    for (uint64_t r = 0; r < k; r++) {
        double y = 0;
        for (uint32_t i = 0; i < n; i++)
            y += v[i] * x[r * n + i];
        valid += label[r] == 0 || label[r] == 1;
        agree += (y > 0) == (label[r] == 1);
    }
    EXPECT_EQ(valid, k);
    EXPECT_MSG(agree == k || agree == 0,
               "mixture labels follow the component: %llu of %llu",
               (unsigned long long)agree, (unsigned long long)k);
    /* A sub-range gives the same labels; past the end is an error. */
    int32_t part[3];
    ASSERT_EQ(f->labels(d, host, BASIN_SPLIT_TRAIN, 100, 3, part), BASIN_OK);
    EXPECT_MSG(memcmp(part, label + 100, sizeof part) == 0, "labels of rows 100..102");
    EXPECT_EQ(f->labels(d, host, BASIN_SPLIT_TRAIN, k, 1, part), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "labels: rows [20000, 20000 + 1) are outside");
    EXPECT_EQ(f->labels(d, host, BASIN_SPLIT_HELDOUT, 0, 3, part), BASIN_OK);
    free(label);
    /* The two means are exactly opposite: every |x_i| averages to about m~ = 1
       plus noise; check E x = 0 (SE sqrt(Λ/K) along the top direction). */
    double mean_top = 0;
    for (uint32_t i = 0; i < n; i++)
        mean_top += v[i] * mean[i];
    EXPECT_NEAR(mean_top, 0, 4 * sqrt(lambda[0] / (double)k));
    free(x);
    free(mean);
    free(cov);
    free(w);
    free(v);
    iface_of(&p)->destroy(d);
    EXPECT_EQ(m.n_warnings, 0);
}

/* C = 5, N = 30, m~ = 0.7, σ² = 0.5: σ² + the 4 nonzero Gram eigenvalues, then σ²
   (rank of the centred means is C − 1 = 4). */
TEST_IMPL(datasets_mixture_five)
{
    SETUP("datasets/gaussian-mixture");
    const uint32_t n5 = 30;
    const uint64_t k = 20000;
    params p = param_defaults(desc);
    set_number(&p, "components", 5);
    set_number(&p, "dim", n5);
    set_number(&p, "count", (double)k);
    set_number(&p, "heldout", 0);
    set_number(&p, "variance", 0.5);
    set_number(&p, "mean_scale", 0.7);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    uint64_t got;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x);
    /* spectrum() descending, 4 eigenvalues above σ², then σ² = 0.5 */
    double lambda[30];
    ASSERT_EQ(iface_of(&p)->spectrum(d, host, lambda), BASIN_OK);
    for (uint32_t i = 1; i < n5; i++)
        EXPECT_MSG(lambda[i] <= lambda[i - 1], "spectrum()[%u] = %.17g > [%u] = %.17g", i,
                   lambda[i], i - 1, lambda[i - 1]);
    for (uint32_t i = 4; i < n5; i++)
        EXPECT_NEAR(lambda[i], 0.5, 1e-12);
    EXPECT_MSG(lambda[3] > 0.5 + 1,
               "mixture(C=5): 4 eigenvalues above σ² + 1 (%.3f %.3f %.3f %.3f)",
               lambda[0], lambda[1], lambda[2], lambda[3]);
    double *mean = malloc(n5 * sizeof *mean),
           *cov = malloc((size_t)n5 * n5 * sizeof *cov);
    double *w = malloc(n5 * sizeof *w), *v = malloc((size_t)n5 * n5 * sizeof *v);
    sample_covariance(x, k, n5, mean, cov);
    jacobi_eigen(cov, n5, w, v);
    /* the 4 top sample eigenvalues match spectrum() within 4 SE */
    for (uint32_t i = 0; i < 4; i++) {
        double var, se;
        projected_variance(x, k, n5, mean, v + (size_t)i * n5, &var, &se);
        EXPECT_NEAR(var, lambda[i], 4 * se);
    }
    /* the total variance is the trace of spectrum() within 4 SE */
    double trace, trace_se, trace_law = 0;
    total_variance(x, k, n5, mean, &trace, &trace_se);
    for (uint32_t i = 0; i < n5; i++)
        trace_law += lambda[i];
    EXPECT_NEAR(trace, trace_law, 4 * trace_se);
    free(x);
    free(mean);
    free(cov);
    free(w);
    free(v);
    iface_of(&p)->destroy(d);
    EXPECT_EQ(m.n_warnings, 0);
}

/* ---------------------------------------------------- hidden manifold tests */

/* E[φ(√q g)] for g ~ N(0, 1) by composite Simpson on [−10, 10], 4000 intervals
   (independent of the plugin's trapezoid rule). */
static double gauss_mean(double (*phi)(double, int), int power, double q)
{
    const int m = 4000;
    const double a = -10, h = 20.0 / m;
    double s = 0;
    for (int k = 0; k <= m; k++) {
        const double g = a + k * h;
        const double wk = (k == 0 || k == m) ? 1 : (k % 2 ? 4 : 2);
        s += wk * phi(sqrt(q) * g, power) * exp(-0.5 * g * g);
    }
    return s * h / 3 / sqrt(2 * 3.14159265358979323846);
}

static int current_f; /* 1 tanh, 2 relu, 3 sign */

static double f_power(double u, int power)
{
    /* sign(0) counts as 0 here: Simpson then integrates the jump at the panel
       boundary g = 0 exactly (the average of the two sides). */
    double f = current_f == 1   ? tanh(u)
               : current_f == 2 ? (u > 0 ? u : 0)
               : u > 0          ? 1
               : u < 0          ? -1
                                : 0;
    if (current_f == 3 && power == 2)
        return 1;
    return power == 1 ? f : f * f;
}

static double g_times_f(double u, int power)
{
    (void)power;
    return u * f_power(u, 1);
}

/* Linear: N = 60, α_D = 0.25 → D = 15; the data are Gaussian with covariance
   F Fᵀ/D of rank 15 (Goldt et al. 2020; docs/science.md, Hidden manifold model). */
TEST_IMPL(datasets_manifold_linear)
{
    SETUP("datasets/hidden-manifold");
    const uint32_t n = 60, dl = 15;
    const uint64_t k = 5000;
    params p = param_defaults(desc);
    set_number(&p, "dim", n);
    set_number(&p, "alpha_d", 0.25);
    set_string(&p, "nonlinearity", "linear");
    set_number(&p, "count", (double)k);
    set_number(&p, "heldout", 20);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    uint64_t got;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x);
    EXPECT_EQ(info.dim, n);
    EXPECT_EQ(info.n_train, k);
    EXPECT_EQ(info.flags, 0);
    /* spectrum() has D = 15 positive eigenvalues and 45 zeros */
    double lambda[60];
    ASSERT_EQ(iface_of(&p)->spectrum(d, host, lambda), BASIN_OK);
    EXPECT_MSG(lambda[dl - 1] > 0.05,
               "eigenvalue 15 is %.3f, above 0.05 (the first %.3f)", lambda[dl - 1],
               lambda[0]);
    for (uint32_t i = dl; i < n; i++)
        EXPECT_NEAR(lambda[i], 0, 0);
    double *mean = malloc(n * sizeof *mean), *cov = malloc((size_t)n * n * sizeof *cov);
    double *w = malloc(n * sizeof *w), *v = malloc((size_t)n * n * sizeof *v);
    sample_covariance(x, k, n, mean, cov);
    jacobi_eigen(cov, n, w, v);
    /* the 15 top sample eigenvalues match spectrum() within 4 SE */
    for (uint32_t i = 0; i < dl; i++) {
        double var, se;
        projected_variance(x, k, n, mean, v + (size_t)i * n, &var, &se);
        EXPECT_NEAR(var, lambda[i], 4 * se);
    }
    /* Float32 rows lie in the 15-dim span up to round-off ~1e-7 relative: sample
       eigenvalue 16 is zero to round-off (the data span D dimensions). */
    EXPECT_NEAR(w[dl], 0, 1e-8 * w[0]);

    /* law_distance: training points are on the manifold (float round-off); points
       of N(0, I_N) are at distance² ≈ (N − D)/N: N·dist² ~ χ²(45), mean 45, SD √90. */
    double *dist = malloc(k * sizeof *dist);
    EXPECT_EQ(iface_of(&p)->law_distance(d, host, x, 200, dist), BASIN_OK);
    double worst_on = 0;
    for (int r = 0; r < 200; r++)
        worst_on = fmax(worst_on, dist[r]);
    EXPECT_NEAR(worst_on, 0, 1e-5); /* 200 training points at distance ≈ 0 */
    float *g = malloc(64 * n * sizeof *g);
    host->random_normal(host, BASIN_ROLE_USER, 0, 0, g, 64 * n);
    EXPECT_EQ(iface_of(&p)->law_distance(d, host, g, 64, dist), BASIN_OK);
    double chi_mean = 0;
    for (int r = 0; r < 64; r++)
        chi_mean += n * dist[r] * dist[r] / 64;
    /* random N(0, I) points: mean N·dist² = N − D = 45 within 4 SE */
    EXPECT_NEAR(chi_mean, n - dl, 4 * sqrt(2.0 * (n - dl) / 64));
    /* The distance to a subspace is a seminorm that vanishes on it: for x on the
       manifold, dist(x + t g) = |t| dist(g). */
    {
        float *y = malloc(n * sizeof *y);
        double dg;
        iface_of(&p)->law_distance(d, host, g, 1, &dg);
        for (uint32_t i = 0; i < n; i++)
            y[i] = x[i] + 0.5f * g[i];
        double dy;
        iface_of(&p)->law_distance(d, host, y, 1, &dy);
        EXPECT_NEAR(dy, 0.5 * dg, 1e-5); /* dist(x + 0.5 g) = 0.5 dist(g) */
        free(y);
    }
    free(g);
    free(x);
    free(dist);
    free(mean);
    free(cov);
    free(w);
    free(v);
    iface_of(&p)->destroy(d);
    EXPECT_EQ(m.n_warnings, 0);
}

/* Nonlinear f: N = 200, α_D = 0.5 (D = 100), K = 4000. The test recomputes F from
   the documented stream (DATASET, index i, step 2), the exact covariance trace
   Σ_i Var f(√q_i g), q_i = ‖F_i‖²/D, and the Gaussian-equivalent one
   Σ_i (μ₁² q_i + μ*²) = trace of spectrum(), by its own quadrature. */
TEST_IMPL(datasets_manifold_nonlinear)
{
    SETUP("datasets/hidden-manifold");
    static const char *const names[] = {"", "tanh", "relu", "sign"};
    const uint32_t nn = 200, dd = 100;
    const uint64_t kk = 4000;
    double lambda[200];
    double *mean = malloc(200 * sizeof *mean), *cov = malloc(200 * 200 * sizeof *cov);
    float *frow = malloc(dd * sizeof *frow);
    for (current_f = 1; current_f <= 3; current_f++) {
        printf("# nonlinearity %s\n", names[current_f]);
        params p = param_defaults(desc);
        set_number(&p, "dim", nn);
        set_number(&p, "alpha_d", 0.5);
        set_string(&p, "nonlinearity", names[current_f]);
        set_number(&p, "count", (double)kk);
        set_number(&p, "heldout", 0);
        void *d = make(host, &p);
        ASSERT_NOT_NULL(d);
        basin_dataset_info info;
        uint64_t got;
        float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &got, &info);
        ASSERT_NOT_NULL(x);
        EXPECT_EQ(iface_of(&p)->spectrum(d, host, lambda), BASIN_OK);
        double get_trace = 0;
        for (uint32_t i = 0; i < nn; i++)
            get_trace += lambda[i];
        const double mu0 = gauss_mean(f_power, 1, 1);
        const double mu1 = gauss_mean(g_times_f, 1, 1);
        const double mu_star2 = gauss_mean(f_power, 2, 1) - mu0 * mu0 - mu1 * mu1;
        double exact = 0, get_test = 0;
        for (uint32_t i = 0; i < nn; i++) {
            host->random_normal(host, BASIN_ROLE_DATASET, i, 2, frow, dd);
            double q = 0;
            for (uint32_t a = 0; a < dd; a++)
                q += (double)frow[a] * frow[a];
            q /= dd;
            const double m1 = gauss_mean(f_power, 1, q);
            exact += gauss_mean(f_power, 2, q) - m1 * m1;
            get_test += mu1 * mu1 * q + mu_star2;
        }
        /* spectrum() tail = μ*², and its trace = Σ(μ₁² q_i + μ*²) */
        EXPECT_NEAR(lambda[nn - 1], mu_star2, 1e-9);
        EXPECT_NEAR(get_trace, get_test, 1e-6 * get_test);
        sample_covariance(x, kk, nn, mean, cov);
        double trace, trace_se;
        total_variance(x, kk, nn, mean, &trace, &trace_se);
        /* the sample total variance = the exact Σ Var f within 4 SE */
        EXPECT_NEAR(trace, exact, 4 * trace_se);
        /* The Gaussian-equivalent trace differs from the exact one by the
           O(N/D) curvature of Var f(√q g) in q (q_i − 1 = O(1/√D)): 1% at D = 100;
           so it matches the sample variance within 4 SE + 1% model error. */
        EXPECT_NEAR(get_trace, trace, 4 * trace_se + 0.01 * exact);
        if (current_f == 3) {
            /* sign: every entry is ±1 and info sets BASIN_DATA_BINARY */
            uint64_t not_pm1 = 0;
            for (uint64_t e = 0; e < kk * nn; e++)
                not_pm1 += !(x[e] == 1.0f || x[e] == -1.0f);
            EXPECT_EQ(not_pm1, 0);
            EXPECT_EQ(info.flags, BASIN_DATA_BINARY);
        }
        /* law_distance is BASIN_EUNSUPPORTED off the linear model */
        double dist1;
        fake_last_error[0] = 0;
        EXPECT_EQ(iface_of(&p)->law_distance(d, host, x, 1, &dist1), BASIN_EUNSUPPORTED);
        EXPECT_STR_CONTAINS(fake_last_error, "linear");
        free(x);
        iface_of(&p)->destroy(d);
    }
    free(frow);
    free(mean);
    free(cov);
    EXPECT_EQ(m.n_warnings, 0);
}

/* D = round(α_D N) clamps to ≥ 1; an unknown nonlinearity is refused. */
TEST_IMPL(datasets_manifold_params)
{
    SETUP("datasets/hidden-manifold");
    params p = param_defaults(desc);
    set_number(&p, "dim", 10);
    set_number(&p, "alpha_d", 0.01);
    set_number(&p, "count", 50);
    set_number(&p, "heldout", 0);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    /* alpha_d 0.01 at N = 10 gives D = 1: one nonzero eigenvalue */
    double lambda[10];
    iface_of(&p)->spectrum(d, host, lambda);
    EXPECT_MSG(lambda[0] > 0, "eigenvalue 1 is %.17g", lambda[0]);
    EXPECT_NEAR(lambda[1], 0, 0);
    iface_of(&p)->destroy(d);
    set_string(&p, "nonlinearity", "cubic");
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "nonlinearity");
    EXPECT_EQ(m.n_warnings, 0);
}

/* -------------------------------------------------------- fashion-mnist tests */

/* FNV-1a of a byte row: identifies an image. */
static uint64_t fnv1a(const uint8_t *b, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 0x100000001b3ull;
    return h;
}

static int compare_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The rows read back as bytes: p = (v + 1)·127.5 exactly (v = p/127.5 − 1). */
static uint64_t row_hash(const float *row, uint32_t dim, uint8_t *scratch)
{
    for (uint32_t i = 0; i < dim; i++)
        scratch[i] = (uint8_t)lrint(((double)row[i] + 1.0) * 127.5);
    return fnv1a(scratch, dim);
}

/* The images of a raw IDX gz file read by the test itself: sorted hashes, the
   pixel sum and, when labels_path is set, the hash → label pairs. */
typedef struct raw_idx {
    uint32_t n, dim;
    uint64_t *hashes;   /* sorted */
    uint64_t *by_label; /* hash·16 + label, sorted (labels < 16) */
    double pixel_sum;
} raw_idx;

static int read_raw(const char *images, const char *labels, raw_idx *out)
{
    gzFile gz = gzopen(images, "rb");
    if (gz == NULL)
        return 0;
    uint8_t head[16];
    if (gzread(gz, head, 16) != 16) {
        gzclose(gz);
        return 0;
    }
    out->n = (uint32_t)head[4] << 24 | (uint32_t)head[5] << 16 | (uint32_t)head[6] << 8 |
             head[7];
    out->dim =
        ((uint32_t)head[10] << 8 | head[11]) * ((uint32_t)head[14] << 8 | head[15]);
    uint8_t *img = malloc(out->dim);
    out->hashes = malloc(out->n * sizeof *out->hashes);
    out->by_label = malloc(out->n * sizeof *out->by_label);
    uint8_t *lab = malloc(out->n);
    gzFile gl = gzopen(labels, "rb");
    uint8_t lhead[8];
    int ok =
        gl != NULL && gzread(gl, lhead, 8) == 8 && gzread(gl, lab, out->n) == (int)out->n;
    if (gl != NULL)
        gzclose(gl);
    out->pixel_sum = 0;
    for (uint32_t r = 0; r < out->n && ok; r++) {
        ok = gzread(gz, img, out->dim) == (int)out->dim;
        for (uint32_t i = 0; i < out->dim; i++)
            out->pixel_sum += img[i];
        out->hashes[r] = fnv1a(img, out->dim);
        out->by_label[r] = out->hashes[r] * 16 + lab[r];
    }
    gzclose(gz);
    free(img);
    free(lab);
    qsort(out->hashes, out->n, sizeof *out->hashes, compare_u64);
    qsort(out->by_label, out->n, sizeof *out->by_label, compare_u64);
    return ok;
}

/* Is the multiset of row hashes of rows (n × dim) contained in the sorted raw
   hashes (each raw image used at most as often as it occurs)? */
static int subset_of(const float *rows, uint64_t n, uint32_t dim, const uint64_t *raw,
                     uint32_t n_raw, int label, const uint64_t *by_label)
{
    uint8_t *scratch = malloc(dim);
    uint64_t *h = malloc((n ? n : 1) * sizeof *h);
    for (uint64_t r = 0; r < n; r++)
        h[r] = row_hash(rows + r * dim, dim, scratch);
    qsort(h, n, sizeof *h, compare_u64);
    int ok = 1;
    uint32_t j = 0;
    for (uint64_t r = 0; r < n && ok; r++) {
        while (j < n_raw && raw[j] < h[r])
            j++;
        ok = j < n_raw && raw[j] == h[r];
        j++;
        if (ok && label >= 0) {
            const uint64_t key = h[r] * 16 + (uint64_t)label;
            ok = bsearch(&key, by_label, n_raw, sizeof key, compare_u64) != NULL;
        }
    }
    free(h);
    free(scratch);
    return ok;
}

/* The real Fashion-MNIST files of $BASIN_TEST_FASHION_MNIST_DIR (default
   /usr/share/datasets/fashion-mnist), against the test's own reading of the raw
   IDX files; skipped without them. */
TEST_IMPL(datasets_fashion_real)
{
    SETUP("datasets/fashion-mnist");
    const char *dir = getenv("BASIN_TEST_FASHION_MNIST_DIR");
    if (dir == NULL || dir[0] == 0)
        dir = "/usr/share/datasets/fashion-mnist";
    char images[4096], labels[4096], t_images[4096], t_labels[4096];
    join(images, sizeof images, dir, "train-images-idx3-ubyte.gz");
    join(labels, sizeof labels, dir, "train-labels-idx1-ubyte.gz");
    join(t_images, sizeof t_images, dir, "t10k-images-idx3-ubyte.gz");
    join(t_labels, sizeof t_labels, dir, "t10k-labels-idx1-ubyte.gz");
    if (access(images, R_OK) != 0 || access(t_images, R_OK) != 0)
        TEST_SKIP(
            "fashion-mnist: %.512s not found (install dataset-fashion-mnist, or set "
            "BASIN_TEST_FASHION_MNIST_DIR)",
            images);
    raw_idx train = {0}, test = {0};
    ASSERT_MSG(read_raw(images, labels, &train) && read_raw(t_images, t_labels, &test),
               "fashion-mnist: the test reads the raw IDX files itself");
    /* the raw files hold 60000 + 10000 images of 784 pixels */
    EXPECT_EQ(train.n, 60000);
    EXPECT_EQ(train.dim, 784);
    EXPECT_EQ(test.n, 10000);

    /* K = 2000 training images and the whole t10k file as the held-out split: a
       permutation of the file (the same multiset of images, each once), so its mean
       pixel equals the file's, mean(p)/127.5 − 1, computed here from the raw gz
       (float32 rows summed in double: error < 1e-6). */
    params p = param_defaults(desc);
    set_string(&p, "path", dir);
    set_number(&p, "count", 2000);
    set_number(&p, "heldout", 10000);
    double t0 = now_seconds();
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    printf("# fashion-mnist: create %.2f s\n", now_seconds() - t0);
    basin_dataset_info info;
    uint64_t n;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    ASSERT_NOT_NULL(x);
    /* info 2000 + 10000 rows, 28 × 28 × 1 */
    EXPECT_EQ(info.n_train, 2000);
    EXPECT_EQ(info.n_heldout, 10000);
    EXPECT_EQ(info.dim, 784);
    EXPECT_EQ(info.height, 28);
    EXPECT_EQ(info.width, 28);
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.flags, 0);
    EXPECT_MSG(subset_of(x, n, 784, train.hashes, train.n, -1, NULL),
               "fashion-mnist: the 2000 training rows are distinct train-file images");
    /* labels(): each drawn image's own label in the train labels file (its
       hash·16 + label is among the file's pairs), and so for the held-out. */
    {
        int32_t *lab = malloc(10000 * sizeof *lab);
        float *row = malloc(784 * sizeof *row);
        uint8_t scratch[784];
        ASSERT_EQ(iface_of(&p)->labels(d, host, BASIN_SPLIT_TRAIN, 0, n, lab), BASIN_OK);
        uint64_t found = 0;
        for (uint64_t r = 0; r < n; r++) {
            const uint64_t key =
                row_hash(x + r * 784, 784, scratch) * 16 + (uint64_t)lab[r];
            found += lab[r] >= 0 && lab[r] < 10 &&
                     bsearch(&key, train.by_label, train.n, sizeof key, compare_u64);
        }
        EXPECT_EQ(found, n);
        ASSERT_EQ(iface_of(&p)->labels(d, host, BASIN_SPLIT_HELDOUT, 0, 10000, lab),
                  BASIN_OK);
        found = 0;
        for (uint64_t r = 0; r < 10000; r++) {
            iface_of(&p)->read(d, host, BASIN_SPLIT_HELDOUT, r, 1, row);
            const uint64_t key = row_hash(row, 784, scratch) * 16 + (uint64_t)lab[r];
            found += lab[r] >= 0 && lab[r] < 10 &&
                     bsearch(&key, test.by_label, test.n, sizeof key, compare_u64);
        }
        EXPECT_EQ(found, 10000);
        free(lab);
        free(row);
    }
    /* The 2000 drawn images are a uniform sample of the train file: the mean of
       their per-image mean pixels estimates the file's mean pixel, SE = sd/√2000
       (the finite-population factor √(1 − 2000/60000) would only shrink it). */
    double m1 = 0, m2 = 0;
    for (uint64_t r = 0; r < n; r++) {
        double s = 0;
        for (uint32_t i = 0; i < 784; i++)
            s += x[r * 784 + i];
        s /= 784;
        m1 += s;
        m2 += s * s;
    }
    m1 /= (double)n;
    const double sd = sqrt(m2 / (double)n - m1 * m1);
    const double train_mean = train.pixel_sum / (60000.0 * 784) / 127.5 - 1;
    EXPECT_NEAR(m1, train_mean, 4 * sd / sqrt((double)n));
    uint64_t nh;
    float *h = read_all(&p, d, host, BASIN_SPLIT_HELDOUT, &nh, &info);
    ASSERT_NOT_NULL(h);
    double sum = 0, lo = 1, hi = -1;
    for (size_t e = 0; e < (size_t)nh * 784; e++) {
        sum += h[e];
        lo = fmin(lo, h[e]);
        hi = fmax(hi, h[e]);
    }
    for (size_t e = 0; e < (size_t)n * 784; e++) {
        lo = fmin(lo, x[e]);
        hi = fmax(hi, x[e]);
    }
    /* held-out mean pixel = raw t10k mean/127.5 − 1; the range is [-1, 1] */
    const double expect = test.pixel_sum / (10000.0 * 784) / 127.5 - 1;
    EXPECT_NEAR(sum / ((double)nh * 784), expect, 1e-6);
    EXPECT_NEAR(lo, -1, 0);
    EXPECT_NEAR(hi, 1, 0);
    EXPECT_MSG(subset_of(h, nh, 784, test.hashes, test.n, -1, NULL),
               "fashion-mnist: heldout = 10000 rows are exactly the t10k images, each "
               "once");
    free(h);
    iface_of(&p)->destroy(d);

    /* K = 500 under the same seed: the first 500 rows of the K = 60000 draw, byte
       for byte (same seed → same subset; a larger K keeps the first K). */
    set_number(&p, "count", 500);
    set_number(&p, "heldout", 0);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    float *a = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    iface_of(&p)->destroy(d);
    ASSERT_NOT_NULL(a);
    EXPECT_MSG(memcmp(a, x, 500 * 784 * sizeof *a) == 0,
               "fashion-mnist: the same seed with count 500 draws the first 500 images "
               "of count 2000, byte for byte");
    EXPECT_MSG(subset_of(a, 500, 784, train.hashes, train.n, -1, NULL),
               "fashion-mnist: the 500 rows are distinct train images");
    free(x);
    m.seed += 7;
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    float *c = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    iface_of(&p)->destroy(d);
    m.seed -= 7;
    ASSERT_NOT_NULL(c);
    /* another seed draws other images: 500/60000 of the rows expected to coincide */
    int same_rows = 0;
    for (int r = 0; r < 500; r++)
        same_rows += memcmp(a + r * 784, c + r * 784, 784 * sizeof *a) == 0;
    EXPECT_LT(same_rows, 5);
    free(a);
    free(c);
    set_number(&p, "count", 1000);
    set_number(&p, "class", 3);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    float *b = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    iface_of(&p)->destroy(d);
    ASSERT_NOT_NULL(b);
    EXPECT_MSG(subset_of(b, 1000, 784, train.hashes, train.n, 3, train.by_label),
               "fashion-mnist: class 3 gives 1000 distinct train images labelled 3");

    /* downsample = 2 draws the same images (the draw does not depend on it) as
       14 × 14 means of 2 × 2 blocks: each pixel is the mean of the four full-size
       pixels, exactly up to float32 rounding (|v| ≤ 1: 1e-6). 4 and 7 divide 28
       and 3 does not. */
    set_number(&p, "downsample", 2);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    float *q = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    iface_of(&p)->destroy(d);
    ASSERT_NOT_NULL(q);
    double worst = 0;
    for (uint64_t r = 0; r < n; r++)
        for (int y = 0; y < 14; y++)
            for (int xx = 0; xx < 14; xx++) {
                const float *img = b + r * 784;
                double mean =
                    ((double)img[2 * y * 28 + 2 * xx] + img[2 * y * 28 + 2 * xx + 1] +
                     img[(2 * y + 1) * 28 + 2 * xx] +
                     img[(2 * y + 1) * 28 + 2 * xx + 1]) /
                    4;
                worst = fmax(worst, fabs(mean - q[r * 196 + (uint64_t)(y * 14 + xx)]));
            }
    /* downsample 2 gives 14 × 14 block means of the same images */
    EXPECT_EQ(n, 1000);
    EXPECT_EQ(info.dim, 196);
    EXPECT_EQ(info.height, 14);
    EXPECT_EQ(info.width, 14);
    EXPECT_NEAR(worst, 0, 1e-6);
    free(q);
    set_number(&p, "downsample", 7);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    q = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    iface_of(&p)->destroy(d);
    ASSERT_NOT_NULL(q);
    /* downsample 7 gives 4 × 4 */
    EXPECT_EQ(info.dim, 16);
    EXPECT_EQ(info.height, 4);
    free(q);
    set_number(&p, "downsample", 3);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "does not divide");
    set_number(&p, "downsample", 1);
    free(b);
    /* count beyond a class's 6000 images is refused */
    set_number(&p, "count", 6001);
    set_number(&p, "class", 2);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "6001");
    EXPECT_STR_CONTAINS(fake_last_error, "class 2");
    /* spectrum(): the empirical covariance of all 60000 train images (K = 10 held),
       against numpy on the raw file (np.cov(X, bias=True) of p/127.5 − 1 in
       float64, eigvalsh): top 79.237902, trace 272.865044, so t_S = ½ log 79.2379 =
       2.186227. The plugin's rows are float32: relative error ~1e-7. */
    set_number(&p, "count", 10);
    set_number(&p, "class", -1);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    double *ev = malloc(784 * sizeof *ev);
    t0 = now_seconds();
    ASSERT_EQ(iface_of(&p)->spectrum(d, host, ev), BASIN_OK);
    printf("# fashion-mnist: spectrum %.2f s\n", now_seconds() - t0);
    double trace = 0;
    for (int i = 0; i < 784; i++)
        trace += ev[i];
    EXPECT_NEAR(ev[0], 79.237902, 1e-4);
    EXPECT_NEAR(trace, 272.865044, 1e-3);
    EXPECT_NEAR(0.5 * log(ev[0]), 2.186227, 2e-6);
    free(ev);
    iface_of(&p)->destroy(d);
    free(train.hashes);
    free(train.by_label);
    free(test.hashes);
    free(test.by_label);
    EXPECT_EQ(m.n_warnings, 0);
}

/* Cap the address space at 1 GiB above its current size (was: the old limit, to
   restore). 0 where that is not done: sanitizer builds reserve terabytes. */
static int cap_address_space(struct rlimit *was)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)was;
    return 0;
#else
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%llu", &pages) != 1 || getrlimit(RLIMIT_AS, was) != 0) {
        if (f != NULL)
            fclose(f);
        return 0;
    }
    fclose(f);
    struct rlimit cap = *was;
    const unsigned long long want =
        pages * (unsigned long long)sysconf(_SC_PAGESIZE) + (1ull << 30);
    if (cap.rlim_max != RLIM_INFINITY && want > cap.rlim_max)
        return 0;
    cap.rlim_cur = (rlim_t)want;
    return setrlimit(RLIMIT_AS, &cap) == 0;
#endif
}

/* Write an IDX file (gzip unless plain) with the given header words and bytes. */
static void write_idx(const char *path, int plain, const uint32_t *words, int n_words,
                      const uint8_t *data, size_t n)
{
    uint8_t head[16];
    for (int k = 0; k < n_words; k++) {
        head[4 * k] = (uint8_t)(words[k] >> 24);
        head[4 * k + 1] = (uint8_t)(words[k] >> 16);
        head[4 * k + 2] = (uint8_t)(words[k] >> 8);
        head[4 * k + 3] = (uint8_t)words[k];
    }
    if (plain) {
        FILE *f = fopen(path, "wb");
        fwrite(head, 1, 4 * (size_t)n_words, f);
        fwrite(data, 1, n, f);
        fclose(f);
        return;
    }
    gzFile gz = gzopen(path, "wb");
    gzwrite(gz, head, 4 * (unsigned)n_words);
    if (n > 0)
        gzwrite(gz, data, (unsigned)n);
    gzclose(gz);
}

/* A fake IDX folder: train n images of h × w with pixel (r, i) = (7r + i) % 256,
   labels r % 3; t10k the same with tn images of th × tw. */
static void fake_idx(const char *dir, uint32_t n, uint32_t h, uint32_t w, uint32_t tn,
                     uint32_t th, uint32_t tw)
{
    char path[4096];
    uint8_t *px = malloc((size_t)(n > tn ? n : tn) * 64 + 1);
    uint8_t lab[256];
    for (uint32_t r = 0; r < (n > tn ? n : tn); r++)
        for (uint32_t i = 0; i < 64; i++)
            px[(size_t)r * 64 + i] = (uint8_t)((7 * r + i) % 256);
    /* rows packed at h·w pixels */
    uint8_t *packed = malloc((size_t)(n > tn ? n : tn) * 64 + 1);
    for (int split = 0; split < 2; split++) {
        const uint32_t nn = split ? tn : n, hh = split ? th : h, ww = split ? tw : w;
        for (uint32_t r = 0; r < nn; r++)
            for (uint32_t i = 0; i < hh * ww; i++)
                packed[(size_t)r * hh * ww + i] = px[(size_t)r * 64 + i];
        for (uint32_t r = 0; r < nn && r < 256; r++)
            lab[r] = (uint8_t)(r % 3);
        uint32_t iw[4] = {0x803, nn, hh, ww}, lw[2] = {0x801, nn};
        join(path, sizeof path, dir,
             split ? "t10k-images-idx3-ubyte.gz" : "train-images-idx3-ubyte.gz");
        write_idx(path, 0, iw, 4, packed, (size_t)nn * hh * ww);
        join(path, sizeof path, dir,
             split ? "t10k-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte.gz");
        write_idx(path, 0, lw, 2, lab, nn);
    }
    free(px);
    free(packed);
}

/* Fake IDX files in a folder of the case's own: values, the class filter, and every
   refusal (counts, sizes, bad magic, truncation, overflow, labels, missing files). */
TEST_IMPL(datasets_fashion_fake)
{
    SETUP("datasets/fashion-mnist");
    char tmp[4096], dir[4096], path[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "fashion"), "a scratch folder under /tmp");
    join(dir, sizeof dir, tmp, "idx");
    mkdir(dir, 0700);
    params p = param_defaults(desc);
    set_string(&p, "path", dir);

    /* A valid 4 × 4 set: 10 train, 5 t10k images. */
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    set_number(&p, "count", 10);
    set_number(&p, "heldout", 5);
    void *d = make(host, &p);
    ASSERT_NOT_NULL(d);
    basin_dataset_info info;
    uint64_t n;
    float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    ASSERT_NOT_NULL(x);
    /* Each row is image r for some r: pixel i = ((7r + i) % 256)/127.5 − 1; all ten
       r appear once. */
    int seen[10] = {0}, values_ok = 1;
    for (uint64_t row = 0; row < n; row++) {
        int r = -1;
        for (int c = 0; c < 10; c++)
            if (x[row * 16] == (float)((7 * c % 256) / 127.5 - 1.0))
                r = c;
        values_ok &= r >= 0;
        if (r < 0)
            continue;
        seen[r]++;
        for (int i = 0; i < 16; i++)
            values_ok &=
                x[row * 16 + (uint64_t)i] == (float)(((7 * r + i) % 256) / 127.5 - 1.0);
    }
    EXPECT_EQ(info.height, 4);
    EXPECT_EQ(info.width, 4);
    EXPECT_EQ(info.dim, 16);
    EXPECT_MSG(values_ok, "fashion-mnist(fake 4 × 4): every row is one of the 10 "
                          "images as p/127.5 − 1");
    for (int c = 0; c < 10; c++)
        EXPECT_EQ(seen[c], 1); /* the 10 rows are the 10 images, each once */
    free(x);
    iface_of(&p)->destroy(d);

    /* Class filter with labels r % 3: class 1 is images 1, 4, 7. */
    set_number(&p, "count", 3);
    set_number(&p, "heldout", 0);
    set_number(&p, "class", 1);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    ASSERT_NOT_NULL(x);
    for (int row = 0; row < 3; row++) {
        const int r = (int)lrint(((double)x[row * 16] + 1) * 127.5) / 7;
        EXPECT_EQ(r % 3, 1); /* class 1 keeps only images labelled 1 */
    }
    free(x);
    /* labels(): the class kept, 1 for all three */
    int32_t lab[10];
    EXPECT_EQ(iface_of(&p)->labels(d, host, BASIN_SPLIT_TRAIN, 0, 3, lab), BASIN_OK);
    EXPECT_MSG(lab[0] == 1 && lab[1] == 1 && lab[2] == 1,
               "fashion-mnist: class 1 labels");
    iface_of(&p)->destroy(d);
    /* class -1: every image's own label r % 3, held-out too (r from the pixels) */
    set_number(&p, "class", -1);
    set_number(&p, "count", 10);
    set_number(&p, "heldout", 5);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
    ASSERT_NOT_NULL(x);
    EXPECT_EQ(iface_of(&p)->labels(d, host, BASIN_SPLIT_TRAIN, 0, 10, lab), BASIN_OK);
    int right = 0;
    for (int row = 0; row < 10; row++)
        right += (int)lrint(((double)x[row * 16] + 1) * 127.5) / 7 % 3 == lab[row];
    EXPECT_EQ(right, 10);
    free(x);
    iface_of(&p)->destroy(d);
    /* no train labels file and class -1: the images alone, without labels */
    char labels_path[4200];
    join(labels_path, sizeof labels_path, dir, "train-labels-idx1-ubyte.gz");
    ASSERT_EQ(unlink(labels_path), 0);
    d = make(host, &p);
    ASSERT_NOT_NULL(d);
    EXPECT_EQ(iface_of(&p)->labels(d, host, BASIN_SPLIT_TRAIN, 0, 1, lab),
              BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "no labels for the train split");
    iface_of(&p)->destroy(d);
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    set_number(&p, "class", 1);
    set_number(&p, "heldout", 0);
    /* count 4 > 3 images of the class */
    set_number(&p, "count", 4);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "exceeds the 3 images of class 1");
    /* count larger than the file */
    set_number(&p, "class", -1);
    set_number(&p, "count", 11);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "count = 11 exceeds the 10 images");
    EXPECT_STR_CONTAINS(fake_last_error, "train-images-idx3-ubyte.gz");
    /* heldout larger than the t10k file */
    set_number(&p, "count", 2);
    set_number(&p, "heldout", 6);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "heldout = 6 exceeds the 5");
    EXPECT_STR_CONTAINS(fake_last_error, "t10k");
    set_number(&p, "heldout", 1);

    /* t10k images of another size. */
    fake_idx(dir, 10, 4, 4, 5, 3, 5);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "3 × 5");
    EXPECT_STR_CONTAINS(fake_last_error, "4 × 4");
    fake_idx(dir, 10, 4, 4, 5, 4, 4);

    /* Bad magic. */
    join(path, sizeof path, dir, "train-images-idx3-ubyte.gz");
    uint8_t px[160];
    memset(px, 9, sizeof px);
    uint32_t bad[4] = {0x801, 10, 4, 4};
    write_idx(path, 0, bad, 4, px, 160);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "bad magic");
    EXPECT_STR_CONTAINS(fake_last_error, "0x00000803");
    EXPECT_STR_CONTAINS(fake_last_error, path);
    /* Truncated pixel data. */
    uint32_t ok_head[4] = {0x803, 10, 4, 4};
    write_idx(path, 0, ok_head, 4, px, 100);
    EXPECT_EQ(make_fails(host, &p), BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "truncated: 100 of 160 pixel bytes");
    /* Truncated header. */
    write_idx(path, 0, ok_head, 2, px, 0);
    EXPECT_EQ(make_fails(host, &p), BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "truncated: 8 of 16 header bytes");
    /* Dimensions whose product overflows: 2^32 images of 65536 × 65536. */
    uint32_t huge[4] = {0x803, 0xffffffffu, 0x10000u, 0x10000u};
    write_idx(path, 0, huge, 4, px, 16);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "overflow");
    /* 0 × 4 images. */
    uint32_t empty[4] = {0x803, 10, 0, 4};
    write_idx(path, 0, empty, 4, px, 0);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "empty");
    /* A gzip stream cut short: zlib's message joins ours. */
    {
        fake_idx(dir, 10, 4, 4, 5, 4, 4);
        FILE *f = fopen(path, "rb");
        ASSERT_NOT_NULL(f);
        uint8_t buf[4096];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        f = fopen(path, "wb");
        ASSERT_NOT_NULL(f);
        fwrite(buf, 1, len / 2, f);
        fclose(f);
        EXPECT_EQ(make_fails(host, &p), BASIN_EIO);
        EXPECT_STR_CONTAINS(fake_last_error, "truncated");
    }
    /* Labels that do not match the images. */
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    join(path, sizeof path, dir, "train-labels-idx1-ubyte.gz");
    uint32_t lw[2] = {0x801, 9};
    write_idx(path, 0, lw, 2, px, 9);
    set_number(&p, "class", 0);
    EXPECT_EQ(make_fails(host, &p), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "9 labels for 10 images");
    set_number(&p, "class", -1);
    /* Uncompressed files are read too. */
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    join(path, sizeof path, dir, "train-images-idx3-ubyte.gz");
    unlink(path);
    join(path, sizeof path, dir, "train-images-idx3-ubyte");
    uint8_t raw[160];
    for (uint32_t r = 0; r < 10; r++)
        for (uint32_t i = 0; i < 16; i++)
            raw[r * 16 + i] = (uint8_t)((7 * r + i) % 256);
    write_idx(path, 1, ok_head, 4, raw, 160);
    set_number(&p, "count", 10);
    const int rc = make_fails(host, &p);
    EXPECT_MSG(rc == BASIN_OK,
               "an uncompressed train-images-idx3-ubyte is read: status %d, \"%s\"", rc,
               fake_last_error);
    unlink(path);
    /* Issue 16, item 4: a 32-byte file whose header claims 2^32 − 1 images of
       28 × 28 made the plugin allocate 2 × 16 GiB of indices before reading a
       pixel. The data a header promises is read through first: "truncated", and
       nothing sized by the claim is allocated (the address space is capped at
       1 GiB above the current one while it runs, outside sanitizer builds). */
    for (int gz = 0; gz < 2; gz++) {
        fake_idx(dir, 10, 4, 4, 5, 4, 4);
        join(path, sizeof path, dir, "train-images-idx3-ubyte.gz");
        unlink(path);
        join(path, sizeof path, dir,
             gz ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte");
        uint32_t claim[4] = {0x803, 0xffffffffu, 28, 28};
        write_idx(path, !gz, claim, 4, px, 16);
        struct stat st;
        stat(path, &st);
        set_number(&p, "count", 10);
        set_number(&p, "heldout", 0);
        struct rlimit was;
        const int capped = cap_address_space(&was);
        const int rc_claim = make_fails(host, &p);
        if (capped)
            setrlimit(RLIMIT_AS, &was);
        char want[4400];
        snprintf(want, sizeof want, "%s: truncated: 16 of 3367254359280 pixel bytes",
                 path);
        EXPECT_MSG(rc_claim == BASIN_EIO && strcmp(fake_last_error, want) == 0,
                   "fashion-mnist(fake): a %lld-byte %s file claiming 2^32 - 1 images: "
                   "\"%s\"",
                   (long long)st.st_size, gz ? "gzip" : "plain", fake_last_error);
        unlink(path);
    }
    /* The labels of a class are read only after the images were: a labels file
       agreeing with a false count is never reached. */
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    join(path, sizeof path, dir, "train-images-idx3-ubyte.gz");
    uint32_t claim[4] = {0x803, 0x7fffffffu, 4, 4};
    write_idx(path, 0, claim, 4, px, 160);
    join(path, sizeof path, dir, "train-labels-idx1-ubyte.gz");
    uint32_t label_claim[2] = {0x801, 0x7fffffffu};
    write_idx(path, 0, label_claim, 2, px, 16);
    set_number(&p, "class", 1);
    const int rc_labels = make_fails(host, &p);
    EXPECT_MSG(rc_labels == BASIN_EIO &&
                   strstr(fake_last_error, "truncated: 160 of 34359738352 pixel bytes"),
               "fashion-mnist(fake): 2^31 - 1 claimed images and labels: \"%s\"",
               fake_last_error);
    set_number(&p, "class", -1);
    /* A .gz file cut inside its 8-byte trailer (CRC-32, length) holds every pixel
       but is not whole: zlib's check of the trailer refuses it. */
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    join(path, sizeof path, dir, "train-images-idx3-ubyte.gz");
    struct stat whole;
    EXPECT_EQ(stat(path, &whole), 0);
    EXPECT_EQ(truncate(path, whole.st_size - 3), 0);
    const int rc_trailer = make_fails(host, &p);
    EXPECT_EQ(rc_trailer, BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "corrupt after its 160 pixel bytes");
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    /* Missing files: a folder without them. */
    set_string(&p, "path", tmp);
    EXPECT_EQ(make_fails(host, &p), BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "not found");
    EXPECT_STR_CONTAINS(fake_last_error, "dataset-fashion-mnist");
    EXPECT_EQ(m.n_warnings, 0);
}

/* ---------------------------------------------------------------- npy tests */

/*
 * Write a .npy file: version major.0, the given dict text padded to 64 bytes (as
 * numpy does), then n data bytes. Returns the path (static buffer rotation).
 */
static const char *write_npy(const char *tmp, const char *name, int major,
                             const char *dict, const void *data, size_t n)
{
    static char paths[64][4096]; /* distinct for the 64 most recent files */
    static int next;
    char *path = paths[next++ % 64];
    join(path, 4096, tmp, name);
    const size_t prefix = major == 1 ? 10 : 12;
    size_t len = strlen(dict) + 1;
    while ((prefix + len) % 64 != 0)
        len++;
    char *header = malloc(len);
    memset(header, ' ', len);
    memcpy(header, dict, strlen(dict));
    header[len - 1] = '\n';
    FILE *f = fopen(path, "wb");
    uint8_t pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (uint8_t)major, 0};
    if (major == 1) {
        pre[8] = (uint8_t)len;
        pre[9] = (uint8_t)(len >> 8);
    } else {
        pre[8] = (uint8_t)len;
        pre[9] = (uint8_t)(len >> 8);
        pre[10] = (uint8_t)(len >> 16);
        pre[11] = (uint8_t)(len >> 24);
    }
    fwrite(pre, 1, prefix, f);
    fwrite(header, 1, len, f);
    if (n > 0)
        fwrite(data, 1, n, f);
    fclose(f);
    free(header);
    return path;
}

/* create on path (and held-out path) with count / heldout; returns the status. */
static int npy_try(const basin_descriptor *desc, const basin_host *host, const char *path,
                   const char *held, double count, double heldout, void **self)
{
    params p = param_defaults(desc);
    set_string(&p, "path", path);
    set_string(&p, "heldout_path", held);
    set_number(&p, "count", count);
    set_number(&p, "heldout", heldout);
    *self = NULL;
    fake_last_error[0] = 0;
    return iface_of(&p)->create(host, p.values, self);
}

/* A check that create succeeded on `what`; returns whether it did. */
static int npy_loads(int rc, const char *what)
{
    EXPECT_MSG(rc == BASIN_OK, "npy: %s loads: status %d, \"%s\"", what, rc,
               fake_last_error);
    return rc == BASIN_OK;
}

/* The float32 (5, 3) rows k·0.37 − 2.1 of f4.npy, written to tmp; its path. */
static const char *write_f4(const char *tmp, float f4[15])
{
    for (int k = 0; k < 15; k++)
        f4[k] = (float)(k * 0.37 - 2.1);
    return write_npy(tmp, "f4.npy", 1,
                     "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (5, 3), }",
                     f4, 15 * sizeof *f4);
}

/* create on path with a labels file (and held-out files), count / heldout;
   returns the status. */
static int npy_try_labels(const basin_descriptor *desc, const basin_host *host,
                          const char *path, const char *labels, const char *held,
                          const char *held_labels, double count, void **self)
{
    params p = param_defaults(desc);
    set_string(&p, "path", path);
    set_string(&p, "labels", labels);
    set_string(&p, "heldout_path", held);
    set_string(&p, "heldout_labels", held_labels);
    set_number(&p, "count", count);
    *self = NULL;
    fake_last_error[0] = 0;
    return iface_of(&p)->create(host, p.values, self);
}

/* datasets/npy's labels files: int64 and int32 vectors, (K, 1), the first count
   of them; every refusal names the file and what is wrong. */
TEST_IMPL(datasets_npy_labels)
{
    SETUP("datasets/npy");
    char tmp[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "npy-labels"), "a scratch folder under /tmp");
    const basin_dataset_iface *np = desc->iface;
    float f4[15];
    const char *a = write_f4(tmp, f4); /* 5 rows */
    const int64_t y8[5] = {3, 0, 7, 3, 1};
    const int32_t y4[5] = {3, 0, 7, 3, 1};
    const char *l8 = write_npy(
        tmp, "y8.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", y8,
        sizeof y8);
    const char *l4 = write_npy(
        tmp, "y4.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (5, 1)}", y4,
        sizeof y4);
    int32_t out[6];
    void *d;
    const char *files[] = {l8, l4};
    for (int i = 0; i < 2; i++)
        if (npy_loads(npy_try_labels(desc, host, a, files[i], "", "", 4, &d), files[i])) {
            memset(out, 0x7f, sizeof out);
            EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_TRAIN, 0, 4, out), BASIN_OK);
            EXPECT_MSG(memcmp(out, y4, 4 * sizeof *out) == 0 && out[4] == 0x7f7f7f7f,
                       "npy: the first count = 4 labels of %s, nothing past them",
                       files[i]);
            EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_TRAIN, 4, 1, out), BASIN_EINVAL);
            np->destroy(d);
        }
    /* Without a labels file: none (BASIN_EUNSUPPORTED), not an error at create. */
    if (npy_loads(npy_try_labels(desc, host, a, "", "", "", 0, &d), "no labels")) {
        EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_TRAIN, 0, 1, out), BASIN_EUNSUPPORTED);
        EXPECT_STR_CONTAINS(fake_last_error, "set labels");
        np->destroy(d);
    }
    /* Refusals, each naming the file. */
    const int64_t neg[5] = {0, 1, -2, 0, 0};
    const float yf[5] = {0};
    const struct {
        const char *name, *dict;
        const void *data;
        size_t n;
        int status;
        const char *message;
    } BAD[] = {
        {"short.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", y8,
         4 * sizeof *y8, BASIN_EINVAL, "short.npy: 4 labels for the 5 rows of"},
        {"neg.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", neg,
         sizeof neg, BASIN_EINVAL, "neg.npy: row 2: label -2 is not in [0, 2147483647]"},
        {"float.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", yf,
         sizeof yf, BASIN_EINVAL, "float.npy: labels must be integers"},
        {"wide.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (5, 2), }", y8,
         sizeof y8, BASIN_EINVAL, "wide.npy: labels has 2 values a row"},
        {"cut.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", y8,
         sizeof y8 - 3, BASIN_EIO, "cut.npy: truncated for shape (5)"},
        {"big.npy", "{'descr': '>i8', 'fortran_order': False, 'shape': (5,), }", y8,
         sizeof y8, BASIN_EINVAL, "big.npy: big-endian dtype '>i8'"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const char *path =
            write_npy(tmp, BAD[i].name, 1, BAD[i].dict, BAD[i].data, BAD[i].n);
        EXPECT_EQ(npy_try_labels(desc, host, a, path, "", "", 0, &d), BAD[i].status);
        EXPECT_STR_CONTAINS(fake_last_error, BAD[i].message);
        EXPECT_NULL(d);
    }
    char missing[4200];
    join(missing, sizeof missing, tmp, "nowhere.npy");
    EXPECT_EQ(npy_try_labels(desc, host, a, missing, "", "", 0, &d), BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "nowhere.npy: cannot open");
    EXPECT_EQ(npy_try_labels(desc, host, a, "", "", l8, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "needs labels for the training file");
    EXPECT_EQ(npy_try_labels(desc, host, a, l8, "", l8, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "needs a heldout_path");
    /* Held-out labels: the held-out file's own; without them the held-out split
       has none. */
    if (npy_loads(npy_try_labels(desc, host, a, l8, a, l4, 0, &d), "held-out labels")) {
        EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_HELDOUT, 1, 3, out), BASIN_OK);
        EXPECT_MSG(memcmp(out, y4 + 1, 3 * sizeof *out) == 0,
                   "npy: held-out labels 1..3");
        np->destroy(d);
    }
    if (npy_loads(npy_try_labels(desc, host, a, l8, a, "", 0, &d),
                  "held-out unlabeled")) {
        EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_HELDOUT, 0, 1, out),
                  BASIN_EUNSUPPORTED);
        EXPECT_EQ(np->labels(d, host, BASIN_SPLIT_TRAIN, 0, 5, out), BASIN_OK);
        np->destroy(d);
    }
}

/* Files datasets/npy reads: each dtype, version and shape, count and heldout. */
TEST_IMPL(datasets_npy)
{
    SETUP("datasets/npy");
    char tmp[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "npy"), "a scratch folder under /tmp");
    const basin_dataset_iface *np = desc->iface;
    basin_dataset_info info;
    void *d;
    float out[64];
    /* float32 (5, 3) round trip, version 1.0. */
    float f4[15];
    const char *a = write_f4(tmp, f4);
    if (npy_loads(npy_try(desc, host, a, "", 0, 0, &d), "'<f4' (5, 3) v1.0")) {
        np->info(d, &info);
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 5, out);
        EXPECT_EQ(info.n_train, 5);
        EXPECT_EQ(info.dim, 3);
        EXPECT_EQ(info.n_heldout, 0);
        EXPECT_EQ(info.height, 0);
        EXPECT_EQ(info.flags, 0);
        EXPECT_MSG(memcmp(out, f4, sizeof f4) == 0, "npy: '<f4' (5, 3) round trip");
    }
    np->destroy(d);
    /* Issue 16, item 3: a shape text of 255 characters and its ')' (the old
       core/npy.c wrote one byte past its 256-byte buffer on it) reads as (5, 3). */
    {
        char dict[512];
        snprintf(dict, sizeof dict,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3%*s), }", 250,
                 "");
        const char *padded = write_npy(tmp, "padded.npy", 1, dict, f4, sizeof f4);
        const int rc = npy_try(desc, host, padded, "", 0, 0, &d);
        if (rc == BASIN_OK)
            np->info(d, &info);
        EXPECT_MSG(rc == BASIN_OK && info.n_train == 5 && info.dim == 3,
                   "npy: a 256-character shape text reads as (5, 3) (%s)",
                   fake_last_error);
        if (rc == BASIN_OK)
            np->destroy(d);
    }
    /* count 2: the first two rows; a held-out file; heldout 1: its first row. */
    const char *b = write_npy(tmp, "f4b.npy", 1,
                              "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3)}",
                              f4 + 6, 9 * sizeof(float));
    if (npy_loads(npy_try(desc, host, a, b, 2, 1, &d), "count 2, heldout 1")) {
        np->info(d, &info);
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 2, out);
        np->read(d, host, BASIN_SPLIT_HELDOUT, 0, 1, out + 6);
        EXPECT_EQ(info.n_train, 2);
        EXPECT_EQ(info.n_heldout, 1);
        EXPECT_MSG(memcmp(out, f4, 6 * sizeof(float)) == 0,
                   "npy: count 2 takes the first 2 rows");
        EXPECT_MSG(memcmp(out + 6, f4 + 6, 3 * sizeof(float)) == 0,
                   "npy: heldout 1 takes the first held-out row");
    }
    np->destroy(d);
    /* float64 (2, 4), version 2.0, double quotes, no trailing comma: a round trip
       to float32. */
    double f8[8] = {0.5, -1.25, 3e-3, 1e10, -7, 0, 2.5, 1.0 / 3};
    const char *c = write_npy(tmp, "f8.npy", 2,
                              "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": "
                              "(2, 4)}",
                              f8, sizeof f8);
    if (npy_loads(npy_try(desc, host, c, "", 0, 0, &d), "'<f8' (2, 4) v2.0")) {
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 2, out);
        for (int k = 0; k < 8; k++)
            EXPECT_NEAR(out[k], (float)f8[k], 0);
    }
    np->destroy(d);
    /* uint8 images (4, 2, 3), version 3.0: p/127.5 − 1, image shape in info. */
    uint8_t u1[24];
    for (int k = 0; k < 24; k++)
        u1[k] = (uint8_t)(k * 11);
    const char *e = write_npy(tmp, "u1.npy", 3,
                              "{'descr': '|u1', 'fortran_order': False, "
                              "'shape': (4, 2, 3), }",
                              u1, sizeof u1);
    if (npy_loads(npy_try(desc, host, e, "", 0, 0, &d), "'|u1' (4, 2, 3) v3.0")) {
        np->info(d, &info);
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 4, out);
        for (int k = 0; k < 24; k++)
            EXPECT_NEAR(out[k], (float)(u1[k] / 127.5 - 1.0), 0);
        /* 2 × 3 × 1 images */
        EXPECT_EQ(info.dim, 6);
        EXPECT_EQ(info.height, 2);
        EXPECT_EQ(info.width, 3);
        EXPECT_EQ(info.channels, 1);
    }
    np->destroy(d);
    /* uint8 (2, 2, 2, 3) images with uint8_scale zero-one: p/255, 2 × 2 × 3
       images. */
    const char *g = write_npy(tmp, "u1c.npy", 1,
                              "{'descr': '|u1', 'fortran_order': False, "
                              "'shape': (2, 2, 2, 3), }",
                              u1, sizeof u1);
    {
        params p = param_defaults(desc);
        set_string(&p, "path", g);
        set_string(&p, "uint8_scale", "zero-one");
        fake_last_error[0] = 0;
        if (npy_loads(np->create(host, p.values, &d),
                      "'|u1' (2, 2, 2, 3) with uint8_scale zero-one")) {
            np->info(d, &info);
            np->read(d, host, BASIN_SPLIT_TRAIN, 0, 2, out);
            for (int k = 0; k < 24; k++)
                EXPECT_NEAR(out[k], (float)(u1[k] / 255.0), 0);
            EXPECT_EQ(info.dim, 12);
            EXPECT_EQ(info.height, 2);
            EXPECT_EQ(info.width, 2);
            EXPECT_EQ(info.channels, 3);
            np->destroy(d);
        }
    }
    /* int8 ±1 and int64: ±1 data is binary. */
    int8_t i1[6] = {1, -1, -1, 1, 1, 1};
    const char *h = write_npy(tmp, "i1.npy", 1,
                              "{'descr': '|i1', 'fortran_order': False, "
                              "'shape': (2, 3), }",
                              i1, sizeof i1);
    if (npy_loads(npy_try(desc, host, h, "", 0, 0, &d), "'|i1' ±1")) {
        np->info(d, &info);
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 2, out);
        EXPECT_EQ(info.flags, BASIN_DATA_BINARY);
        EXPECT_NEAR(out[1], -1, 0);
        EXPECT_NEAR(out[5], 1, 0);
    }
    np->destroy(d);
    int64_t i8[4] = {3, -4, 1 << 20, -1};
    const char *i = write_npy(tmp, "i8.npy", 1,
                              "{'descr': '<i8', 'fortran_order': False, "
                              "'shape': (2, 2), }",
                              i8, sizeof i8);
    if (npy_loads(npy_try(desc, host, i, "", 0, 0, &d), "'<i8'")) {
        np->info(d, &info);
        np->read(d, host, BASIN_SPLIT_TRAIN, 0, 2, out);
        /* a round trip, not binary */
        EXPECT_EQ(info.flags, 0);
        EXPECT_NEAR(out[0], 3, 0);
        EXPECT_NEAR(out[1], -4, 0);
        EXPECT_NEAR(out[2], 1048576, 0);
        EXPECT_NEAR(out[3], -1, 0);
    }
    np->destroy(d);
    EXPECT_EQ(m.n_warnings, 0);
}

/* Files and parameters datasets/npy refuses, each with a message naming why. */
TEST_IMPL(datasets_npy_refusals)
{
    SETUP("datasets/npy");
    char tmp[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "npy-refusals"), "a scratch folder under /tmp");
    const basin_dataset_iface *np = desc->iface;
    void *d;
    int rc;
    float f4[15];
    const char *a = write_f4(tmp, f4);

    /* Malformed files: each a nonzero status and a message with the given words. */
    struct bad_case {
        const char *what, *name;
        int major;
        const char *dict;
        size_t data_bytes;
        const char *words1, *words2;
    } cases[] = {
        {"fortran order", "fortran.npy", 1,
         "{'descr': '<f4', 'fortran_order': True, 'shape': (5, 3), }", 60,
         "fortran_order True", "not supported"},
        {"complex dtype", "c8.npy", 1,
         "{'descr': '<c8', 'fortran_order': False, 'shape': (5, 3), }", 120,
         "unsupported dtype", "<c8"},
        {"big-endian", "be.npy", 1,
         "{'descr': '>f4', 'fortran_order': False, 'shape': (5, 3), }", 60, "big-endian",
         ">f4"},
        {"structured dtype", "rec.npy", 1,
         "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (5, 3), }", 60,
         "malformed header dict", "structured"},
        {"missing shape", "noshape.npy", 1, "{'descr': '<f4', 'fortran_order': False, }",
         60, "malformed header dict", "no 'shape'"},
        {"garbage dict", "garbage.npy", 1, "descr = f4", 60, "malformed header dict",
         "not a dict"},
        {"unterminated", "unterm.npy", 1, "{'descr': '<f4', 'fortran_order': False", 60,
         "malformed header dict", "expected"},
        {"unknown key", "key.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), 'x': 1}", 60,
         "malformed header dict", "unknown or repeated key"},
        {"shape not ints", "shapestr.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 'a'), }", 60,
         "malformed header dict", "not a non-negative integer"},
        {"1-D shape", "oned.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (15,), }", 60, "1 dimensions",
         "(K, N)"},
        {"5-D shape", "fived.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 15), }", 60,
         "5 dimensions", "(K, h, w, c)"},
        {"no rows", "empty.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 0, "no rows",
         "shape[0] = 0"},
        {"truncated data", "trunc.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", 59,
         "trunc.npy: truncated for shape (5, 3)", "59 of 60 data bytes"},
        {"shape overflow", "huge.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, "
         "'shape': (1099511627776, 1099511627776)}",
         60, "overflow", "huge.npy"},
        {"size overflow", "long.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}",
         60, "overflow", "4611686018427387904 rows"},
        {"row overflow", "wide.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 65536, 65536)}", 60,
         "overflow", "entries a row"},
        {"shape entry > 64 bits", "big.npy", 1,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 3)}",
         60, "malformed header dict", "overflows 64 bits"},
    };
    uint8_t zeros[256] = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *path = write_npy(tmp, cases[k].name, cases[k].major, cases[k].dict,
                                     zeros, cases[k].data_bytes);
        rc = npy_try(desc, host, path, "", 0, 0, &d);
        EXPECT_MSG(rc != BASIN_OK && d == NULL, "npy: %s is refused (status %d)",
                   cases[k].what, rc);
        EXPECT_STR_CONTAINS(fake_last_error, cases[k].words1);
        EXPECT_STR_CONTAINS(fake_last_error, cases[k].words2);
        if (rc == BASIN_OK)
            np->destroy(d);
    }
    /* Bad magic, unknown version, truncated header, missing file. */
    char path[4096];
    join(path, sizeof path, tmp, "magic.npy");
    FILE *f = fopen(path, "wb");
    ASSERT_NOT_NULL(f);
    fputs("PK\003\004 this is a zip file, not an npy file", f);
    fclose(f);
    EXPECT_EQ(npy_try(desc, host, path, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "bad magic");
    EXPECT_STR_CONTAINS(fake_last_error, "magic.npy");
    const char *v4 = write_npy(tmp, "v4.npy", 4,
                               "{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (5, 3)}",
                               f4, sizeof f4);
    EXPECT_EQ(npy_try(desc, host, v4, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "version 4.0");
    join(path, sizeof path, tmp, "shorthead.npy");
    f = fopen(path, "wb");
    ASSERT_NOT_NULL(f);
    fwrite("\x93NUMPY\x01\x00\x76\x00{'descr'", 1, 18, f);
    fclose(f);
    EXPECT_EQ(npy_try(desc, host, path, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "truncated header");
    join(path, sizeof path, tmp, "absent.npy");
    EXPECT_EQ(npy_try(desc, host, path, "", 0, 0, &d), BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "absent.npy");
    EXPECT_STR_CONTAINS(fake_last_error, "cannot open");

    /* NaN, Inf and float64 overflow, named by row and column. */
    float nan_data[15];
    memcpy(nan_data, f4, sizeof f4);
    nan_data[1 * 3 + 2] = NAN;
    const char *pn = write_npy(tmp, "nan.npy", 1,
                               "{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (5, 3), }",
                               nan_data, sizeof nan_data);
    EXPECT_EQ(npy_try(desc, host, pn, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "row 1, column 2 is NaN");
    EXPECT_STR_CONTAINS(fake_last_error, "nan.npy");
    nan_data[1 * 3 + 2] = 0;
    nan_data[4 * 3 + 0] = -INFINITY;
    pn = write_npy(tmp, "inf.npy", 1,
                   "{'descr': '<f4', 'fortran_order': False, "
                   "'shape': (5, 3), }",
                   nan_data, sizeof nan_data);
    EXPECT_EQ(npy_try(desc, host, pn, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "row 4, column 0 is -Inf");
    double big[4] = {1, 2, 3, 1e300};
    pn = write_npy(tmp, "big8.npy", 1,
                   "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", big,
                   sizeof big);
    /* a float64 beyond float32 */
    EXPECT_EQ(npy_try(desc, host, pn, "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "row 1, column 1");
    EXPECT_STR_CONTAINS(fake_last_error, "overflow");

    /* Held-out mismatches, counts. */
    const char *w4 = write_npy(tmp, "w4.npy", 1,
                               "{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (3, 4), }",
                               f4, 12 * sizeof(float));
    /* a held-out file with rows of 4 against 3 */
    EXPECT_EQ(npy_try(desc, host, a, w4, 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "do not match");
    EXPECT_STR_CONTAINS(fake_last_error, "w4.npy");
    const char *img = write_npy(tmp, "img.npy", 1,
                                "{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (1, 3, 2), }",
                                f4, 6 * sizeof(float));
    const char *img2 = write_npy(tmp, "img2.npy", 1,
                                 "{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (1, 2, 3), }",
                                 f4, 6 * sizeof(float));
    /* held-out images 2 × 3 against 3 × 2 */
    EXPECT_EQ(npy_try(desc, host, img, img2, 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "2 × 3 × 1");
    EXPECT_STR_CONTAINS(fake_last_error, "3 × 2 × 1");
    /* count beyond the file */
    EXPECT_EQ(npy_try(desc, host, a, "", 6, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "count = 6 exceeds the 5 rows");
    /* heldout without heldout_path */
    EXPECT_EQ(npy_try(desc, host, a, "", 0, 2, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "heldout_path");
    /* an empty path */
    EXPECT_EQ(npy_try(desc, host, "", "", 0, 0, &d), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "path");
    EXPECT_EQ(m.n_warnings, 0);
}

/* ------------------------------------------------------ empirical spectra */

/* The eigenvalues of the empirical covariance of n rows (divided by n, as the
   plugins' spectrum() is), descending, by the test's own Jacobi. */
static void empirical_eigen(const float *x, uint64_t n, uint32_t dim, double *w)
{
    double *mean = malloc(dim * sizeof *mean), *cov = malloc((size_t)dim * dim * 8);
    double *v = malloc((size_t)dim * dim * sizeof *v);
    sample_covariance(x, n, dim, mean, cov);
    for (size_t k = 0; k < (size_t)dim * dim; k++)
        cov[k] *= (double)(n - 1) / (double)n;
    jacobi_eigen(cov, dim, w, v);
    free(mean);
    free(cov);
    free(v);
}

/* A '<f4' (n, dim) .npy of rows x + shift in tmp; its path. */
static const char *write_rows(const char *tmp, const char *name, const float *x,
                              uint64_t n, uint32_t dim, float shift)
{
    float *y = malloc((size_t)n * dim * sizeof *y);
    for (size_t k = 0; k < (size_t)n * dim; k++)
        y[k] = x[k] + shift;
    char dict[128];
    snprintf(dict, sizeof dict,
             "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %u), }",
             (unsigned long long)n, dim);
    const char *path = write_npy(tmp, name, 1, dict, y, (size_t)n * dim * sizeof *y);
    free(y);
    return path;
}

/*
 * datasets/npy's spectrum(): the covariance of the empirical law of every row of the
 * file (divided by n, mean removed), whatever count.
 *  1. By hand: rows (1,1), (−1,−1), (1,1), (−1,−1), (1,−1), (−1,1) plus 10: mean
 *     (10, 10), E a² = E b² = 1, E ab = 2/6 → eigenvalues 4/3 and 2/3 (1e-12).
 *  2. Against the known law: K = 40000 points of datasets/gaussian, N = 8,
 *     λ_i = 4/i, shifted by 3 (the mean must go). Each sample eigenvalue of a
 *     Gaussian sample has standard error λ_i √(2/K) (Anderson 1963; 0.7% here) and
 *     bias (λ_i/K) Σ_{j≠i} λ_j/(λ_i − λ_j), at most 5e-4 of λ_i here: 4 SE. So t_S =
 *     ½ log λ̂_1 lies within 4 · ½ √(2/K) = 0.014 of the law's ½ log 4 = 0.6931.
 *     The test's own Jacobi eigenvalues of the same float rows agree to 1e-9.
 *  3. count = 100 on a copy of the file: the same spectrum (all rows re-read).
 *  4. One row, or rows of 4097 entries: BASIN_EUNSUPPORTED (no theory), not an
 *     error.
 */
TEST_IMPL(datasets_npy_spectrum)
{
    SETUP("datasets/npy");
    char tmp[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "npy-spectrum"), "a scratch folder under /tmp");
    const basin_dataset_iface *np = desc->iface;
    void *d = NULL;
    double w[8];

    static const double hand[12] = {11, 11, 9, 9, 11, 11, 9, 9, 11, 9, 9, 11};
    const char *small = write_npy(tmp, "hand.npy", 1,
                                  "{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (6, 2), }",
                                  hand, sizeof hand);
    if (npy_loads(npy_try(desc, host, small, "", 0, 0, &d), "hand.npy")) {
        ASSERT_EQ(np->spectrum(d, host, w), BASIN_OK);
        EXPECT_NEAR(w[0], 4.0 / 3, 1e-12);
        EXPECT_NEAR(w[1], 2.0 / 3, 1e-12);
        np->destroy(d);
    }

    const basin_descriptor *gdesc = dataset("datasets/gaussian");
    ASSERT_NOT_NULL(gdesc);
    const uint32_t dim = 8;
    const uint64_t k = 40000;
    params g = param_defaults(gdesc);
    set_number(&g, "dim", dim);
    set_number(&g, "count", (double)k);
    set_number(&g, "heldout", 0);
    set_number(&g, "variance", 4);
    set_string(&g, "spectrum", "power");
    set_number(&g, "decay", 1);
    void *gd = make(host, &g);
    ASSERT_NOT_NULL(gd);
    basin_dataset_info info;
    uint64_t got;
    float *x = read_all(&g, gd, host, BASIN_SPLIT_TRAIN, &got, &info);
    ASSERT_NOT_NULL(x);
    double law[8];
    ASSERT_EQ(iface_of(&g)->spectrum(gd, host, law), BASIN_OK);
    const char *file = write_rows(tmp, "gauss.npy", x, k, dim, 3.0f);
    const char *copy = write_rows(tmp, "gauss-copy.npy", x, k, dim, 3.0f);
    float *shifted = malloc((size_t)k * dim * sizeof *shifted);
    for (size_t e = 0; e < (size_t)k * dim; e++)
        shifted[e] = x[e] + 3.0f;
    double own[8];
    empirical_eigen(shifted, k, dim, own);
    ASSERT_MSG(npy_loads(npy_try(desc, host, file, "", 0, 0, &d), "gauss.npy"),
               "the Gaussian sample loads");
    ASSERT_EQ(np->spectrum(d, host, w), BASIN_OK);
    np->destroy(d);
    const double t_s = 0.5 * log(w[0]), t_s_law = 0.5 * log(law[0]);
    EXPECT_MSG(fabs(t_s - t_s_law) <= 4 * 0.5 * sqrt(2.0 / (double)k),
               "npy: empirical t_S = %.5f vs the law's %.5f (4 SE = %.4f)", t_s, t_s_law,
               4 * 0.5 * sqrt(2.0 / (double)k));
    for (uint32_t i = 0; i < dim; i++) {
        EXPECT_MSG(fabs(w[i] / law[i] - 1) <= 4 * sqrt(2.0 / (double)k),
                   "npy: empirical λ_%u = %.5f vs the law's %.5f", i + 1, w[i], law[i]);
        EXPECT_MSG(fabs(w[i] / own[i] - 1) <= 1e-9,
                   "npy: λ_%u = %.12f vs the test's Jacobi %.12f", i + 1, w[i], own[i]);
    }
    double w100[8];
    if (npy_loads(npy_try(desc, host, copy, "", 100, 0, &d), "count = 100")) {
        basin_dataset_info ci;
        memset(&ci, 0, sizeof ci);
        np->info(d, &ci);
        EXPECT_EQ(ci.n_train, 100);
        ASSERT_EQ(np->spectrum(d, host, w100), BASIN_OK);
        for (uint32_t i = 0; i < dim; i++)
            EXPECT_NEAR(w100[i], w[i], 1e-12 * w[i]);
        np->destroy(d);
    }
    free(x);
    free(shifted);
    iface_of(&g)->destroy(gd);

    /* one row: no covariance, no theory (not an error) */
    static const float one[3] = {1, 2, 3};
    const char *single = write_rows(tmp, "one.npy", one, 1, 3, 0);
    if (npy_loads(npy_try(desc, host, single, "", 0, 0, &d), "one.npy")) {
        EXPECT_EQ(np->spectrum(d, host, w), BASIN_EUNSUPPORTED);
        np->destroy(d);
    }
    const uint32_t wide = 4097;
    float *row = calloc(3 * (size_t)wide, sizeof *row);
    row[0] = 1;
    const char *big = write_rows(tmp, "wide.npy", row, 3, wide, 0);
    if (npy_loads(npy_try(desc, host, big, "", 0, 0, &d), "wide.npy")) {
        double *ev = malloc(wide * sizeof *ev);
        EXPECT_EQ(np->spectrum(d, host, ev), BASIN_EUNSUPPORTED);
        free(ev);
        np->destroy(d);
    }
    free(row);
    EXPECT_EQ(m.n_warnings, 0);
}

/* datasets/fashion-mnist's spectrum() on fake IDX files: every image of the train
   file (10 here), or every image of `class`, computed by an instance that holds only
   2 of them, against the test's own covariance of all those rows (read back by an
   instance that holds them all), to 1e-9. */
TEST_IMPL(datasets_fashion_spectrum)
{
    SETUP("datasets/fashion-mnist");
    char tmp[4096], dir[4096];
    ASSERT_MSG(case_dir(tmp, sizeof tmp, "fashion-spectrum"), "a scratch folder");
    join(dir, sizeof dir, tmp, "idx");
    mkdir(dir, 0700);
    fake_idx(dir, 10, 4, 4, 5, 4, 4);
    const int classes[] = {-1, 1};
    const double all[] = {10, 3}; /* every image of the file, of class 1 */
    for (int c = 0; c < 2; c++) {
        params p = param_defaults(desc);
        set_string(&p, "path", dir);
        set_number(&p, "class", classes[c]);
        set_number(&p, "count", 2);
        set_number(&p, "heldout", 0);
        void *d = make(host, &p);
        ASSERT_NOT_NULL(d);
        double w[16], own[16];
        ASSERT_EQ(iface_of(&p)->spectrum(d, host, w), BASIN_OK);
        iface_of(&p)->destroy(d);
        set_number(&p, "count", all[c]);
        d = make(host, &p);
        ASSERT_NOT_NULL(d);
        basin_dataset_info info;
        uint64_t n;
        float *x = read_all(&p, d, host, BASIN_SPLIT_TRAIN, &n, &info);
        ASSERT_NOT_NULL(x);
        empirical_eigen(x, n, 16, own);
        iface_of(&p)->destroy(d);
        for (int i = 0; i < 16; i++)
            EXPECT_MSG(fabs(w[i] - own[i]) <= 1e-9 * (own[0] + 1),
                       "fashion-mnist class %d: λ_%d = %.12g vs the test's %.12g",
                       classes[c], i + 1, w[i], own[i]);
        free(x);
    }
    EXPECT_EQ(m.n_warnings, 0);
}

TEST_LIST_BEGIN
TEST_ENTRY(datasets_gaussian)
TEST_ENTRY(datasets_gaussian_errors)
TEST_ENTRY(datasets_mixture_two)
TEST_ENTRY(datasets_mixture_five)
TEST_ENTRY(datasets_manifold_linear)
TEST_ENTRY(datasets_manifold_nonlinear)
TEST_ENTRY(datasets_manifold_params)
TEST_ENTRY(datasets_fashion_real)
TEST_ENTRY(datasets_fashion_fake)
TEST_ENTRY(datasets_npy)
TEST_ENTRY(datasets_npy_refusals)
TEST_ENTRY(datasets_npy_labels)
TEST_ENTRY(datasets_npy_spectrum)
TEST_ENTRY(datasets_fashion_spectrum)
TEST_LIST_END

/*
 * test_mlp — scores/mlp loaded as the host loads it (dlopen) and driven through
 * tests/fake_host.h: training on a Gaussian reaches the optimal denoiser's loss,
 * checkpoints round-trip bit for bit and refuse corrupt or mismatched files,
 * encoding is deterministic for a seed, the loss curve reaches host->metric.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder
 * (scores/mlp.so is read from it). One case by name (--list names them):
 *   BASIN_TEST_PLUGIN_DIR=build/plugins build/tests/plugins/mlp/test-mlp mlp_bad_input
 * Checkpoints go to a temporary folder, a subfolder per case, removed at exit.
 */
#include <basin/plugin.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_host.h"
#include "harness.h"

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *desc;
static const basin_score_iface *iface;
static char dir[] = "/tmp/basin-test-mlp-XXXXXX";
static int have_dir;

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* What every case needs: a fresh fake host (seed 1, no cancel, no metrics yet),
   scores/mlp loaded (once) from $BASIN_TEST_PLUGIN_DIR, the temporary folder (made
   once, removed at exit). 0 (with a failed check) if one is missing. */
static int setup(void)
{
    fake_host_init(&fake, 1, FAKE_SPLITMIX);
    fake.quiet = 1;
    if (!desc) {
        const char *plugins = test_env("BASIN_TEST_PLUGIN_DIR");
        if (!plugins)
            return 0;
        char path[1024];
        snprintf(path, sizeof path, "%s/scores/mlp.so", plugins);
        desc = load_plugin(path, "scores/mlp");
        EXPECT_MSG(desc != NULL, "scores/mlp loads from %s", path);
        if (!desc)
            return 0;
        EXPECT_STR_EQ(desc->interface, BASIN_IFACE_SCORE);
        iface = desc->iface;
    }
    if (!have_dir) {
        have_dir = mkdtemp(dir) != NULL;
        EXPECT_MSG(have_dir, "mkdtemp %s: %s", dir, strerror(errno));
        if (!have_dir)
            return 0;
        atexit(remove_dir);
    }
    return strcmp(desc->interface, BASIN_IFACE_SCORE) == 0;
}

/* A fresh instance of dim coordinates with p's values; NULL (and a failed
   check) if create fails. */
static void *make(const params *p, uint32_t dim)
{
    void *self = NULL;
    int rc = iface->create(host, p->values, dim, &self);
    EXPECT_MSG(rc == BASIN_OK && self != NULL, "create: %d %s", rc, fake_last_error);
    return self;
}

/* n points of N(mean, s² I) in dim coordinates from USER stream `stream`. */
static float *gaussian_rows(uint64_t n, uint32_t dim, const double *mean, double s,
                            uint64_t stream)
{
    float *x = malloc((size_t)n * dim * sizeof *x);
    host->random_normal(host, BASIN_ROLE_USER, stream, 0, x, (size_t)n * dim);
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] = (float)(mean[i] + s * x[r * dim + i]);
    return x;
}

/* A small network that trains in milliseconds, for the file and determinism tests. */
static params small_params(const char *checkpoint)
{
    params p = param_defaults(desc);
    set_number(&p, "width", 8);
    set_number(&p, "depth", 2);
    set_number(&p, "embedding", 4);
    set_number(&p, "batch", 16);
    set_number(&p, "steps", 30);
    set_string(&p, "checkpoint", checkpoint);
    return p;
}

/* ----------------------------------------------------------------- the science */

/*
 * Training on N(m, s² I) drives the DSM loss to the optimal denoiser's.
 *
 * The Bayes-optimal denoiser of x = x0 + σ ε, x0 ~ N(m, s² I) is linear,
 * D*(x; σ) = m + s²/(s² + σ²) (x − m), with posterior variance s²σ²/(s² + σ²) per
 * coordinate, so its expected EDM-weighted loss per coordinate (Karras et al.
 * 2022, arXiv:2206.00364, eq. 2 with λ = (σ² + σd²)/(σ σd)², their eq. 8 / Table 1)
 * is E_σ[λ(σ) s²σ²/(s² + σ²)], ln σ ~ N(−1.2, 1.2²). Any denoiser's loss is that
 * plus E λ ‖D − D*‖²/N ≥ 0.
 *
 * The test evaluates the trained network and D* on the same M fresh draws
 * (x0, σ, ε) (paired: the difference has a small standard error), checks the
 * Monte Carlo mean of D*'s loss against the quadrature of the formula (4 SE), and
 * asserts the network's excess over D* is below 3% of D*'s loss. The 3% is the
 * training accuracy expected of 1500 Adam steps on a 2-d problem with a width-64
 * network (observed 0.2%, 4 SE from 0; a network that ignores the noise level or a wrong
 * preconditioning gives tens of percent: the F = 0 denoiser D = c_skip x is
 * checked to be far above it, so the assertion separates trained from untrained).
 */
TEST_IMPL(mlp_gaussian_optimum)
{
    ASSERT(setup());
    enum { DIM = 2, K = 4096, M = 20000 };
    const double mean[DIM] = {1.0, -0.5}, s = 0.5, sd = 0.6;
    params p = param_defaults(desc);
    set_number(&p, "width", 64);
    set_number(&p, "depth", 2);
    set_number(&p, "embedding", 16);
    set_number(&p, "batch", 128);
    set_number(&p, "steps", 1500);
    set_number(&p, "lr", 3e-3);
    set_number(&p, "sigma_data", sd);
    void *self = make(&p, DIM);
    ASSERT_NOT_NULL(self);
    float *train = gaussian_rows(K, DIM, mean, s, 1);
    int rc = iface->encode(self, host, train, K);
    EXPECT_MSG(rc == BASIN_OK, "encode: %d %s", rc, fake_last_error);
    /* The loss curve: at least 200 points, the last at step 1500. */
    EXPECT_GE(fake.n_metrics, 200);
    EXPECT_STR_EQ(fake.metric_name, "loss");
    EXPECT_EQ(fake.metric_step, 1500);

    /* Fresh draws from a stream the plugin never uses (role USER). */
    float *x0 = gaussian_rows(M, DIM, mean, s, 2);
    float *eps = malloc((size_t)M * DIM * sizeof *eps);
    float *z = malloc(M * sizeof *z);
    host->random_normal(host, BASIN_ROLE_USER, 3, 0, eps, (size_t)M * DIM);
    host->random_normal(host, BASIN_ROLE_USER, 4, 0, z, M);
    double sum_net = 0, sum_opt = 0, sum_diff = 0, sum_diff2 = 0, sum_opt2 = 0;
    double sum_zero = 0;
    for (int r = 0; r < M && rc == BASIN_OK; r++) {
        const double sigma = exp(-1.2 + 1.2 * z[r]);
        const double lambda = (sigma * sigma + sd * sd) / (sigma * sd * sigma * sd);
        float x[DIM], d[DIM];
        for (int i = 0; i < DIM; i++)
            x[i] = x0[r * DIM + i] + (float)sigma * eps[r * DIM + i];
        rc = iface->denoise(self, host, x, 1, 1.0, sigma, d);
        double net = 0, opt = 0, zero = 0;
        const double shrink = s * s / (s * s + sigma * sigma);
        const double c_skip = sd * sd / (sigma * sigma + sd * sd);
        for (int i = 0; i < DIM; i++) {
            const double t = x0[r * DIM + i];
            const double dopt = mean[i] + shrink * (x[i] - mean[i]);
            net += (d[i] - t) * (d[i] - t);
            opt += (dopt - t) * (dopt - t);
            zero += (c_skip * x[i] - t) * (c_skip * x[i] - t);
        }
        net *= lambda / DIM;
        opt *= lambda / DIM;
        zero *= lambda / DIM;
        sum_net += net;
        sum_opt += opt;
        sum_opt2 += opt * opt;
        sum_diff += net - opt;
        sum_diff2 += (net - opt) * (net - opt);
        sum_zero += zero;
    }
    EXPECT_MSG(rc == BASIN_OK, "denoise: %d %s", rc, fake_last_error);
    const double l_net = sum_net / M, l_opt = sum_opt / M, l_zero = sum_zero / M;
    const double excess = sum_diff / M;
    const double se_opt = sqrt((sum_opt2 / M - l_opt * l_opt) / M);
    const double se_diff = sqrt((sum_diff2 / M - excess * excess) / M);

    /* The formula by quadrature over z (trapezoid on [−8, 8], 4001 nodes: the
       integrand is smooth and bounded, the error far below the MC SE). */
    double quad = 0;
    const int Q = 4000;
    for (int q = 0; q <= Q; q++) {
        const double zz = -8 + 16.0 * q / Q, sigma = exp(-1.2 + 1.2 * zz);
        const double lambda = (sigma * sigma + sd * sd) / (sigma * sd * sigma * sd);
        const double v = lambda * s * s * sigma * sigma / (s * s + sigma * sigma);
        const double w =
            exp(-0.5 * zz * zz) / sqrt(2 * M_PI) * (q == 0 || q == Q ? 0.5 : 1);
        quad += w * v * 16.0 / Q;
    }
    printf("# gaussian: DSM loss of the network %.5f, of the optimum %.5f (formula "
           "%.5f), excess %.5f ± %.5f, F = 0 denoiser %.4f\n",
           l_net, l_opt, quad, excess, se_diff, l_zero);
    /* The optimum's loss by Monte Carlo against the formula, within 4 SE. */
    EXPECT_MSG(fabs(l_opt - quad) < 4 * se_opt, "MC %.5f vs formula %.5f (SE %.5f)",
               l_opt, quad, se_opt);
    /* The network does not beat the Bayes optimum (beyond 4 SE). */
    EXPECT_MSG(excess > -4 * se_diff, "excess %.5f (SE %.5f)", excess, se_diff);
    /* Its excess loss is below 3% of the optimum's. */
    EXPECT_MSG(excess < 0.03 * l_opt, "excess %.5f, optimum's loss %.5f", excess, l_opt);
    /* The untrained baseline is far above the tolerance. */
    EXPECT_MSG(l_zero - l_opt > 10 * 0.03 * l_opt, "F = 0 denoiser %.4f vs optimum %.4f",
               l_zero, l_opt);
    iface->destroy(self);
    free(train);
    free(x0);
    free(eps);
    free(z);
}

/* ------------------------------------------------------- determinism, files */

/* Denoise a fixed probe set at a few noise levels into out (3 × 16 × dim). */
static int probe(void *self, uint32_t dim, float *out)
{
    enum { N = 16 };
    float *x = malloc(N * dim * sizeof *x);
    host->random_normal(host, BASIN_ROLE_USER, 99, 0, x, (size_t)N * dim);
    const double alpha[3] = {1.0, 0.8, 0.3}, sigma[3] = {0.05, 0.6, 5.0};
    int rc = BASIN_OK;
    for (int k = 0; k < 3 && rc == BASIN_OK; k++)
        rc = iface->denoise(self, host, x, N, alpha[k], sigma[k],
                            out + (size_t)k * N * dim);
    free(x);
    return rc;
}

/* The little-endian unsigned number in the n bytes at p. */
static uint64_t le_bytes(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The small network's training set: K points of N((0, 1, 2), I), the same in
   every case (the USER streams are counter-based). */
enum { SMALL_DIM = 3, SMALL_K = 50, PROBES = 3 * 16 * SMALL_DIM };
static float *small_train(void)
{
    static const double mean[SMALL_DIM] = {0, 1, 2};
    return gaussian_rows(SMALL_K, SMALL_DIM, mean, 1.0, 10);
}

/* A small network trained on train (checkpoint parameter as given) and its probe
   outputs in out; NULL (with a failed check) on a failure. */
static void *trained(const char *checkpoint, const float *train, float *out)
{
    params p = small_params(checkpoint);
    void *self = make(&p, SMALL_DIM);
    if (!self)
        return NULL;
    int rc = iface->encode(self, host, train, SMALL_K);
    EXPECT_MSG(rc == BASIN_OK, "encode: %d %s", rc, fake_last_error);
    if (rc == BASIN_OK) {
        rc = probe(self, SMALL_DIM, out);
        EXPECT_MSG(rc == BASIN_OK, "probe: %d %s", rc, fake_last_error);
    }
    if (rc != BASIN_OK) {
        iface->destroy(self);
        return NULL;
    }
    return self;
}

/* Two encodes, same seed: the same outputs, bit for bit; another seed: another
   network. */
TEST_IMPL(mlp_determinism)
{
    ASSERT(setup());
    float *train = small_train();
    float a[PROBES], b[PROBES];
    void *m1 = trained("", train, a), *m2 = trained("", train, b);
    if (m1 && m2) {
        EXPECT_MSG(memcmp(a, b, sizeof a) == 0, "two encodes with one seed differ");
        iface->destroy(m2);
        fake.seed = 2;
        m2 = trained("", train, b);
        EXPECT_MSG(m2 && memcmp(a, b, sizeof a) != 0,
                   "another seed gives the same network");
        fake.seed = 1;
    }
    if (m1)
        iface->destroy(m1);
    if (m2)
        iface->destroy(m2);
    free(train);
}

/* The bytes of file path into a new buffer (*n of them); NULL if unreadable. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        const long len = ftell(f);
        if (len > 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)len)) != NULL &&
            fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
        *n = len > 0 ? (size_t)len : 0;
    }
    fclose(f);
    return buf;
}

/*
 * Training on 1, 2 and 3 threads (the host's parallel()) writes the same
 * checkpoint, byte for byte: weights, EMA and final loss. Batch 200 makes four
 * shards of 50 rows (a shard's gradient is summed in shard order whatever thread
 * computed it) and width 192 gives 2 parameter chunks of the update; an EMA runs.
 * Any dependence of a reduction on the thread count would change a weight's last
 * bits, so the comparison is exact.
 */
static void threads_bit_identical(const char *architecture)
{
    ASSERT(setup());
    float *train = small_train();
    unsigned char *first = NULL;
    size_t n_first = 0;
    const unsigned threads[] = {1, 2, 3};
    for (size_t c = 0; c < sizeof threads / sizeof *threads; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/threads-%s-%u.ckpt", dir, architecture,
                 threads[c]);
        params p = small_params(path);
        set_string(&p, "architecture", architecture);
        set_number(&p, "width", 192);
        set_number(&p, "batch", 200);
        set_number(&p, "steps", 12);
        set_number(&p, "ema", 0.9);
        fake.threads = threads[c];
        void *self = make(&p, SMALL_DIM);
        if (self == NULL)
            break;
        const int rc = iface->encode(self, host, train, SMALL_K);
        EXPECT_MSG(rc == BASIN_OK, "encode on %u threads: %d %s", threads[c], rc,
                   fake_last_error);
        iface->destroy(self);
        size_t n = 0;
        unsigned char *bytes = slurp(path, &n);
        EXPECT_MSG(bytes != NULL && n > 216, "checkpoint %s", path);
        if (bytes != NULL && first == NULL) {
            first = bytes;
            n_first = n;
        } else if (bytes != NULL) {
            EXPECT_MSG(n == n_first && memcmp(bytes, first, n) == 0,
                       "the checkpoint trained on %u threads differs from 1 thread's",
                       threads[c]);
            free(bytes);
        }
    }
    fake.threads = 1;
    free(first);
    free(train);
}

TEST_IMPL(mlp_threads_bit_identical)
{
    threads_bit_identical("mlp");
}

/* The same for the residual network (LayerNorm, GELU): its LayerNorm parameter
   gradients are per-shard sums too, added in shard order. */
TEST_IMPL(mlp_threads_bit_identical_resnet)
{
    threads_bit_identical("resnet");
}

/* The names of the files in folder sub of dir, sorted, into names (n at most);
   the count. */
static size_t list_files(const char *sub, char names[][256], size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    size_t k = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && k < n)
            snprintf(names[k++], 256, "%s", e->d_name);
    if (d != NULL)
        closedir(d);
    qsort(names, k, 256, (int (*)(const void *, const void *))strcmp);
    return k;
}

/*
 * Snapshots: one run with snapshots = "5,12,30" (and steps = 5, as a recipe's
 * first train_step sets it) writes three checkpoints, each byte for byte the file
 * a separate run of 5, 12 or 30 steps writes (same name: the same header hash),
 * because no step depends on the total (constant step size, minibatches keyed by
 * the step, the saved loss a mean over a window set by the step). Four shards and
 * two parameter chunks (batch 200, width 192) and an EMA run, so the comparison
 * covers every reduction; any dependence on the total changes the last bits. The
 * snapshot instance denoises with the weights at its own steps (5), the same
 * outputs as the separate 5-step run; an instance at train_step 12 loads its
 * snapshot without training (no training curve reported).
 */
TEST_IMPL(mlp_snapshots_equal_separate_runs)
{
    ASSERT(setup());
    float *train = small_train();
    char pattern[512];
    float snap_out[PROBES], sep_out[PROBES];
    const uint64_t steps[] = {5, 12, 30};
    void *self = NULL;
    for (int c = 0; c < 4; c++) {
        /* c = 0: the snapshot run; 1..3: separate runs of steps[c - 1] */
        snprintf(pattern, sizeof pattern, "%s/%s/m-{hash}.ckpt", dir,
                 c == 0 ? "snap" : "sep");
        params p = small_params(pattern);
        set_number(&p, "width", 192);
        set_number(&p, "batch", 200);
        set_number(&p, "ema", 0.9);
        set_number(&p, "steps", (double)(c == 0 ? 5 : steps[c - 1]));
        if (c == 0)
            set_string(&p, "snapshots", "5,12,30");
        self = make(&p, SMALL_DIM);
        ASSERT_NOT_NULL(self);
        const int rc = iface->encode(self, host, train, SMALL_K);
        EXPECT_MSG(rc == BASIN_OK, "encode %d: %d %s", c, rc, fake_last_error);
        if (c <= 1)
            EXPECT_EQ(probe(self, SMALL_DIM, c == 0 ? snap_out : sep_out), BASIN_OK);
        iface->destroy(self);
    }
    EXPECT_MSG(memcmp(snap_out, sep_out, sizeof snap_out) == 0,
               "the snapshot instance denoises otherwise than a 5-step run");
    char a[8][256], b[8][256];
    const size_t na = list_files("snap", a, 8), nb = list_files("sep", b, 8);
    EXPECT_EQ(na, 3);
    EXPECT_EQ(nb, 3);
    for (size_t i = 0; i < na && i < nb; i++) {
        EXPECT_STR_EQ(a[i], b[i]);
        char pa[768], pb[768];
        snprintf(pa, sizeof pa, "%s/snap/%s", dir, a[i]);
        snprintf(pb, sizeof pb, "%s/sep/%s", dir, b[i]);
        size_t la = 0, lb = 0;
        unsigned char *x = slurp(pa, &la), *y = slurp(pb, &lb);
        EXPECT_MSG(x && y && la == lb && memcmp(x, y, la) == 0,
                   "snapshot %s differs from the separate run's", a[i]);
        free(x);
        free(y);
    }
    /* train_step 12 of the same run: loaded (one metric point, the saved loss). */
    snprintf(pattern, sizeof pattern, "%s/snap/m-{hash}.ckpt", dir);
    params p = small_params(pattern);
    set_number(&p, "width", 192);
    set_number(&p, "batch", 200);
    set_number(&p, "ema", 0.9);
    set_number(&p, "steps", 12);
    set_string(&p, "snapshots", "5,12,30");
    fake.n_metrics = 0;
    self = make(&p, SMALL_DIM);
    ASSERT_NOT_NULL(self);
    EXPECT_EQ(iface->encode(self, host, train, SMALL_K), BASIN_OK);
    EXPECT_EQ(fake.n_metrics, 1);
    iface->destroy(self);
    /* Bad lists and snapshots without a checkpoint are refused at create. */
    const char *bad[] = {"5,5", "12,5", "0", "5,,6", "-3", "5x", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        set_string(&p, "snapshots", bad[i]);
        void *q = NULL;
        EXPECT_MSG(iface->create(host, p.values, SMALL_DIM, &q) == BASIN_EINVAL,
                   "snapshots = \"%s\" accepted", bad[i]);
        if (q)
            iface->destroy(q);
    }
    p = small_params("");
    set_string(&p, "snapshots", "5,12");
    void *q = NULL;
    EXPECT_EQ(iface->create(host, p.values, SMALL_DIM, &q), BASIN_EINVAL);
    if (q)
        iface->destroy(q);
    free(train);
}

/* σ = 0 is the identity on x/α; σ = ∞ gives a finite x0_hat; α = 0 and a NaN
   state are refused. */
TEST_IMPL(mlp_denoise_limits)
{
    ASSERT(setup());
    float *train = small_train();
    float a[PROBES];
    void *m1 = trained("", train, a);
    free(train);
    ASSERT_NOT_NULL(m1);
    float x[SMALL_DIM] = {0.5f, -1, 2}, d[SMALL_DIM];
    EXPECT_EQ(iface->denoise(m1, host, x, 1, 0.5, 0, d), BASIN_OK);
    EXPECT_NEAR(d[0], 1.0f, 0);
    EXPECT_NEAR(d[1], -2.0f, 0);
    EXPECT_NEAR(d[2], 4.0f, 0);
    EXPECT_EQ(iface->denoise(m1, host, x, 1, 1, INFINITY, d), BASIN_OK);
    EXPECT_MSG(isfinite(d[0]), "sigma = inf: d[0] = %g", d[0]);
    EXPECT_EQ(iface->denoise(m1, host, x, 1, 0, 1, d), BASIN_EINVAL);
    x[1] = NAN;
    EXPECT_EQ(iface->denoise(m1, host, x, 1, 1, 1, d), BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "entry 1");
    iface->destroy(m1);
}

/* Train the small network with checkpoint = DIR/case/m-{hash}-K{K}.ckpt, check the
   file's name, and set path to it (the file) and name to its name; 0 (with a
   failed check) on a failure. out: the checkpointed network's probe outputs. */
static int checkpointed(const char *sub, const float *train, float *out, char *path,
                        size_t n_path, char *name, size_t n_name)
{
    char pattern[256];
    snprintf(pattern, sizeof pattern, "%s/%s/m-{hash}-K{K}.ckpt", dir, sub);
    void *w = trained(pattern, train, out);
    if (!w)
        return 0;
    iface->destroy(w);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/%s", dir, sub);
    FILE *ls = popen(cmd, "r");
    name[0] = '\0';
    if (ls != NULL) {
        if (fgets(name, (int)n_name, ls) == NULL)
            name[0] = '\0';
        pclose(ls);
    }
    name[strcspn(name, "\n")] = '\0';
    /* {hash} is 16 hex digits, {K} the training set's size. */
    int ok = strlen(name) == strlen("m-0123456789abcdef-K50.ckpt") &&
             strncmp(name, "m-", 2) == 0 && strstr(name, "-K50.ckpt") != NULL;
    EXPECT_MSG(ok, "checkpoint name '%s'", name);
    snprintf(path, n_path, "%s/%s/%s", dir, sub, name);
    return ok;
}

/* Checkpoint round trip through {hash} and {K}: a checkpoint path does not change
   the training; loading does not train again, reports the stored final loss once,
   and denoises as the saved network did. */
TEST_IMPL(mlp_checkpoint_round_trip)
{
    ASSERT(setup());
    float *train = small_train();
    float a[PROBES], b[PROBES], c[PROBES];
    char path[512], name[256];
    void *m1 = trained("", train, a);
    int ok =
        m1 && checkpointed("round-trip", train, b, path, sizeof path, name, sizeof name);
    if (m1)
        iface->destroy(m1);
    if (!ok)
        free(train);
    ASSERT(ok);
    EXPECT_MSG(memcmp(a, b, sizeof a) == 0, "a checkpoint path changes the training");

    const uint64_t metrics_before = fake.n_metrics;
    char pattern[256];
    snprintf(pattern, sizeof pattern, "%s/round-trip/m-{hash}-K{K}.ckpt", dir);
    void *r = trained(pattern, train, c);
    free(train);
    ASSERT_NOT_NULL(r);
    /* Loading reports the stored final loss once, at the trained step count. */
    EXPECT_EQ(fake.n_metrics, metrics_before + 1);
    EXPECT_EQ(fake.metric_step, 30);
    EXPECT_MSG(memcmp(a, c, sizeof a) == 0, "the loaded network denoises differently");
    iface->destroy(r);
}

/* The refusal to load a checkpoint made for another problem: status want, and a
   message with `has` (and without `hasnt`, if not NULL). */
static void refused(const params *q, const float *train, uint64_t k, int want,
                    const char *has, const char *hasnt)
{
    void *r = make(q, SMALL_DIM);
    ASSERT_NOT_NULL(r);
    EXPECT_EQ(iface->encode(r, host, train, k), want);
    EXPECT_STR_CONTAINS(fake_last_error, has);
    if (hasnt)
        EXPECT_MSG(strstr(fake_last_error, hasnt) == NULL, "'%s' in: %s", hasnt,
                   fake_last_error);
    iface->destroy(r);
}

/* A checkpoint made for another width, data set, K, seed or lr is refused with
   BASIN_EINVAL, naming the field. */
TEST_IMPL(mlp_checkpoint_mismatch)
{
    ASSERT(setup());
    float *train = small_train();
    float b[PROBES];
    char path[512], name[256];
    int ok = checkpointed("mismatch", train, b, path, sizeof path, name, sizeof name);
    if (!ok)
        free(train);
    ASSERT(ok);

    /* The same explicit path, another width: architecture mismatch (EINVAL). */
    params q = small_params(path);
    set_number(&q, "width", 9);
    refused(&q, train, SMALL_K, BASIN_EINVAL, "width = 8, expected 9",
            "width = 9, expected");
    EXPECT_STR_CONTAINS(fake_last_error, name);
    /* Other data, same K: the training-set hash. */
    q = small_params(path);
    static const double mean[SMALL_DIM] = {0, 1, 2};
    float *other = gaussian_rows(SMALL_K, SMALL_DIM, mean, 1.0, 11);
    refused(&q, other, SMALL_K, BASIN_EINVAL, "train_hash", NULL);
    free(other);
    /* Fewer points: n_train. */
    refused(&q, train, SMALL_K - 1, BASIN_EINVAL, "n_train = 50, expected 49", NULL);
    /* Another seed: the stream fingerprint. */
    fake.seed = 3;
    refused(&q, train, SMALL_K, BASIN_EINVAL, "stream", NULL);
    fake.seed = 1;
    /* Another training hyperparameter: lr. */
    set_number(&q, "lr", 2e-3);
    refused(&q, train, SMALL_K, BASIN_EINVAL, "lr = 0.001", NULL);
    free(train);
}

/* Corrupt files: (offset, byte) edits and truncations of a copy of a checkpoint,
   each refused with its status and a one-line message naming the field and the
   file. */
TEST_IMPL(mlp_checkpoint_corrupt)
{
    ASSERT(setup());
    float *train = small_train();
    float b[PROBES];
    char path[512], name[256];
    int ok = checkpointed("corrupt", train, b, path, sizeof path, name, sizeof name);
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (!f)
        free(train);
    ASSERT_NOT_NULL(f);
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    rewind(f);
    unsigned char *bytes = malloc((size_t)size);
    EXPECT_EQ(fread(bytes, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    /* The documented layout (docs/checkpoints.md): magic, version 3, header 216,
       dim at 16, n_train at 32, P at 160, then 4P weight bytes and the CRC. */
    const uint64_t n_params = le_bytes(bytes + 160, 8);
    EXPECT_MSG(memcmp(bytes, "BASINMLP", 8) == 0, "magic");
    EXPECT_EQ(le_bytes(bytes + 8, 4), 3);
    EXPECT_EQ(le_bytes(bytes + 12, 4), 216);
    EXPECT_EQ(le_bytes(bytes + 208, 8), 0); /* architecture: mlp */
    EXPECT_EQ(le_bytes(bytes + 16, 4), SMALL_DIM);
    EXPECT_EQ(le_bytes(bytes + 32, 8), SMALL_K);
    EXPECT_EQ((uint64_t)size, 216 + 4 * n_params + 4);
    struct {
        long offset; /* byte to change, or -1 for a truncation to `keep` */
        long keep;
        int code;
        const char *field;
    } cases[] = {
        {0, 0, BASIN_EIO, "magic"},        {8, 0, BASIN_EIO, "version"},
        {12, 0, BASIN_EIO, "header size"}, {218, 0, BASIN_EIO, "crc"}, /* a weight byte */
        {size - 1, 0, BASIN_EIO, "crc"},   /* the CRC itself */
        {20, 0, BASIN_EINVAL, "n_params"}, /* width: P no longer matches */
        {-1, 100, BASIN_EIO, "truncated"}, {-1, size - 2, BASIN_EIO, "truncated"},
        {-1, 10, BASIN_EIO, "magic"},      {-1, size + 1, BASIN_EIO, "length"},
    };
    char bad[600];
    snprintf(bad, sizeof bad, "%s/corrupt/bad.ckpt", dir);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        f = fopen(bad, "wb");
        EXPECT_NOT_NULL(f);
        if (!f)
            break;
        if (cases[k].offset >= 0) {
            bytes[cases[k].offset] ^= 0x40;
            fwrite(bytes, 1, (size_t)size, f);
            bytes[cases[k].offset] ^= 0x40;
        } else if (cases[k].keep <= size) {
            fwrite(bytes, 1, (size_t)cases[k].keep, f);
        } else {
            fwrite(bytes, 1, (size_t)size, f);
            fputc(0, f);
        }
        fclose(f);
        params q = small_params(bad);
        void *r = make(&q, SMALL_DIM);
        if (!r)
            continue;
        const int rc = iface->encode(r, host, train, SMALL_K);
        EXPECT_MSG(rc == cases[k].code &&
                       strstr(fake_last_error, cases[k].field) != NULL &&
                       strstr(fake_last_error, "bad.ckpt") != NULL &&
                       strchr(fake_last_error, '\n') == NULL,
                   "case %zu (%s): status %d, want %d: %s", k, cases[k].field, rc,
                   cases[k].code, fake_last_error);
        iface->destroy(r);
    }
    free(bytes);
    free(train);
}

/* Issue 16, item 9: the temporary file was NAME.tmp.PID, opened without O_EXCL:
   a link planted under that name in a shared checkpoint folder had its target
   overwritten. Now the temporary name is new and random, created with O_EXCL |
   O_NOFOLLOW: the planted link's target is untouched, and so is a dangling link's
   (never created); a link at the checkpoint's own name is replaced, not followed. */
TEST_IMPL(mlp_checkpoint_planted_links)
{
    ASSERT(setup());
    char sub[512], path[600], victim[600], link_path[700], ghost[600];
    snprintf(sub, sizeof sub, "%s/planted", dir);
    ASSERT_EQ(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/m.ckpt", sub);
    snprintf(victim, sizeof victim, "%s/victim.txt", sub);
    snprintf(ghost, sizeof ghost, "%s/ghost.txt", sub);
    FILE *f = fopen(victim, "w");
    ASSERT_NOT_NULL(f);
    fputs("precious\n", f);
    fclose(f);
    /* The old predictable name, for this process, points at the victim. */
    snprintf(link_path, sizeof link_path, "%s.tmp.%ld", path, (long)getpid());
    ASSERT_EQ(symlink(victim, link_path), 0);
    float *train = small_train();
    float out[PROBES];
    void *w = trained(path, train, out);
    ASSERT_NOT_NULL(w);
    iface->destroy(w);
    char text[64] = "";
    f = fopen(victim, "r");
    ASSERT_NOT_NULL(f);
    EXPECT_NOT_NULL(fgets(text, sizeof text, f));
    fclose(f);
    EXPECT_STR_EQ(text, "precious\n");
    struct stat st;
    EXPECT_EQ(lstat(path, &st), 0);
    EXPECT_MSG(S_ISREG(st.st_mode), "%s is a regular file", path);
    EXPECT_EQ(lstat(link_path, &st), 0);
    EXPECT_MSG(S_ISLNK(st.st_mode), "the planted link is left as it was");
    /* Nothing else is left in the folder: victim, link, checkpoint. */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", sub);
    FILE *ls = popen(cmd, "r");
    int entries = -1;
    if (ls) {
        if (fscanf(ls, "%d", &entries) != 1)
            entries = -1;
        pclose(ls);
    }
    EXPECT_EQ(entries, 3);

    /* A dangling link at the checkpoint's name: replaced by the file, its target
       never created. */
    unlink(path);
    ASSERT_EQ(symlink(ghost, path), 0);
    w = trained(path, train, out);
    ASSERT_NOT_NULL(w);
    iface->destroy(w);
    EXPECT_EQ(lstat(path, &st), 0);
    EXPECT_MSG(S_ISREG(st.st_mode), "%s is a regular file", path);
    EXPECT_MSG(access(ghost, F_OK) != 0, "%s was not created", ghost);
    free(train);
}

/* Issue 16, item 9: the reader allocated the weights the header's network needs
   before it knew the file held them (a 212-byte file could ask for a petabyte).
   The file's length is checked first; a FIFO at the path is refused unread. */
TEST_IMPL(mlp_checkpoint_length_first)
{
    ASSERT(setup());
    float *train = small_train();
    float b[PROBES];
    char path[512], name[256];
    int ok = checkpointed("length", train, b, path, sizeof path, name, sizeof name);
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (!f)
        free(train);
    ASSERT_NOT_NULL(f);
    unsigned char bytes[4096];
    const size_t size = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    ASSERT_LT(size, sizeof bytes);
    /* width 16384: P = w² + 12 w + 3 for dim 3, embedding 4, depth 2. */
    const uint64_t width = 16384, n_params = width * width + 12 * width + 3;
    for (int i = 0; i < 4; i++)
        bytes[20 + i] = (unsigned char)(width >> (8 * i));
    for (int i = 0; i < 8; i++)
        bytes[160 + i] = (unsigned char)(n_params >> (8 * i));
    char bad[600];
    snprintf(bad, sizeof bad, "%s/length/wide.ckpt", dir);
    const size_t kept[2] = {size, 220};
    for (int k = 0; k < 2; k++) {
        f = fopen(bad, "wb");
        ASSERT_NOT_NULL(f);
        fwrite(bytes, 1, kept[k], f);
        fclose(f);
        params q = small_params(bad);
        set_number(&q, "width", (double)width);
        void *r = make(&q, SMALL_DIM);
        ASSERT_NOT_NULL(r);
        EXPECT_EQ(iface->encode(r, host, train, SMALL_K), BASIN_EIO);
        char want[1024];
        snprintf(want, sizeof want,
                 "encode: checkpoint %s: truncated: %zu bytes, but the header's network "
                 "of %llu weights takes %llu",
                 bad, kept[k], (unsigned long long)n_params,
                 (unsigned long long)(216 + 4 * n_params + 4));
        EXPECT_STR_EQ(fake_last_error, want);
        iface->destroy(r);
    }
    unlink(bad);
    ASSERT_EQ(mkfifo(bad, 0600), 0);
    params q = small_params(bad);
    void *r = make(&q, SMALL_DIM);
    ASSERT_NOT_NULL(r);
    EXPECT_EQ(iface->encode(r, host, train, SMALL_K), BASIN_EIO);
    char want[1024];
    snprintf(want, sizeof want, "encode: checkpoint %s: cannot open: not a regular file",
             bad);
    EXPECT_STR_EQ(fake_last_error, want);
    iface->destroy(r);
    unlink(bad);
    free(train);
}

/* An unwritable checkpoint folder (a file where a folder should be): BASIN_EIO
   naming the file. */
TEST_IMPL(mlp_checkpoint_unwritable)
{
    ASSERT(setup());
    char blocker[512], pattern[600];
    snprintf(blocker, sizeof blocker, "%s/unwritable.ckpt", dir);
    FILE *f = fopen(blocker, "wb");
    ASSERT_NOT_NULL(f);
    fclose(f);
    snprintf(pattern, sizeof pattern, "%s/inside.ckpt", blocker);
    float *train = small_train();
    params q = small_params(pattern);
    refused(&q, train, SMALL_K, BASIN_EIO, "inside.ckpt", NULL);
    free(train);
}

/* create refuses an odd embedding; denoise before encode, identical points,
   an infinite coordinate and a cancel are refused; a huge point is trained on or
   refused, never crashes. */
TEST_IMPL(mlp_bad_input)
{
    ASSERT(setup());
    params p = small_params("");
    set_number(&p, "embedding", 5);
    void *self = NULL;
    /* An odd embedding. */
    EXPECT_EQ(iface->create(host, p.values, 3, &self), BASIN_EINVAL);
    EXPECT_NULL(self);
    EXPECT_STR_CONTAINS(fake_last_error, "even");
    p = small_params("");
    self = make(&p, 2);
    ASSERT_NOT_NULL(self);
    float x[2] = {0, 0}, d[2];
    EXPECT_EQ(iface->denoise(self, host, x, 1, 1, 1, d),
              BASIN_EINVAL); /* before encode */
    float rows[4] = {1, 1, 1, 1};
    /* Identical points. */
    EXPECT_EQ(iface->encode(self, host, rows, 2), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "sigma_data");
    rows[3] = INFINITY;
    EXPECT_EQ(iface->encode(self, host, rows, 2), BASIN_ENUMERIC); /* inf in training */
    rows[3] = 0;
    fake.cancel = 1;
    EXPECT_EQ(iface->encode(self, host, rows, 2), BASIN_ECANCELED);
    fake.cancel = 0;
    p = small_params("");
    set_number(&p, "lr", 1);
    set_number(&p, "steps", 200);
    iface->destroy(self);
    self = make(&p, 2);
    ASSERT_NOT_NULL(self);
    rows[0] = 1e30f;
    const int rc = iface->encode(self, host, rows, 2);
    EXPECT_MSG(rc == BASIN_OK || rc == BASIN_ENUMERIC, "a huge point: %d %s", rc,
               fake_last_error);
    iface->destroy(self);
}

TEST_LIST_BEGIN
TEST_ENTRY(mlp_determinism)
TEST_ENTRY(mlp_threads_bit_identical)
TEST_ENTRY(mlp_threads_bit_identical_resnet)
TEST_ENTRY(mlp_snapshots_equal_separate_runs)
TEST_ENTRY(mlp_denoise_limits)
TEST_ENTRY(mlp_checkpoint_round_trip)
TEST_ENTRY(mlp_checkpoint_mismatch)
TEST_ENTRY(mlp_checkpoint_corrupt)
TEST_ENTRY(mlp_checkpoint_unwritable)
TEST_ENTRY(mlp_checkpoint_planted_links)
TEST_ENTRY(mlp_checkpoint_length_first)
TEST_ENTRY(mlp_bad_input)
TEST_ENTRY(mlp_gaussian_optimum)
TEST_LIST_END

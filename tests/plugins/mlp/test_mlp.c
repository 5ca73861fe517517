/*
 * test_mlp — scores/mlp loaded as the host loads it (dlopen) and driven through
 * tests/fake_host.h: training on a Gaussian reaches the optimal denoiser's loss,
 * checkpoints round-trip bit for bit and refuse corrupt or mismatched files,
 * encoding is deterministic for a seed, the loss curve reaches host->metric.
 *
 * Usage: test_mlp MLP.so
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fake_host.h"

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *desc;
static const basin_score_iface *iface;
static char dir[] = "/tmp/basin-test-mlp-XXXXXX";

/* A fresh instance of dim coordinates with p's values; NULL (and a failed
   CHECK) if create fails. */
static void *make(const params *p, uint32_t dim)
{
    void *self = NULL;
    int rc = iface->create(host, p->values, dim, &self);
    CHECK(rc == BASIN_OK && self != NULL, "create: %d %s", rc, fake_last_error);
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
static void gaussian_optimum(void)
{
    enum { DIM = 2, K = 4096, M = 20000 };
    const double mean[DIM] = {1.0, -0.5}, s = 0.5, sd = 0.6;
    float *train = gaussian_rows(K, DIM, mean, s, 1);
    params p = param_defaults(desc);
    set_number(&p, "width", 64);
    set_number(&p, "depth", 2);
    set_number(&p, "embedding", 16);
    set_number(&p, "batch", 128);
    set_number(&p, "steps", 1500);
    set_number(&p, "lr", 3e-3);
    set_number(&p, "sigma_data", sd);
    void *self = make(&p, DIM);
    int rc = iface->encode(self, host, train, K);
    CHECK(rc == BASIN_OK, "encode: %d %s", rc, fake_last_error);
    CHECK(fake.n_metrics >= 200 && strcmp(fake.metric_name, "loss") == 0 &&
              fake.metric_step == 1500,
          "metric: %llu points, last %s at step %llu", (unsigned long long)fake.n_metrics,
          fake.metric_name, (unsigned long long)fake.metric_step);

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
    CHECK(rc == BASIN_OK, "denoise: %d %s", rc, fake_last_error);
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
    printf("gaussian: DSM loss of the network %.5f, of the optimum %.5f (formula "
           "%.5f), excess %.5f ± %.5f, F = 0 denoiser %.4f\n",
           l_net, l_opt, quad, excess, se_diff, l_zero);
    CHECK(fabs(l_opt - quad) < 4 * se_opt,
          "optimum's loss by MC %.5f vs formula %.5f "
          "(SE %.5f)",
          l_opt, quad, se_opt);
    CHECK(excess > -4 * se_diff,
          "the network beats the Bayes optimum: excess %.5f "
          "(SE %.5f)",
          excess, se_diff);
    CHECK(excess < 0.03 * l_opt, "excess loss %.5f above 3%% of the optimum's %.5f",
          excess, l_opt);
    CHECK(l_zero - l_opt > 10 * 0.03 * l_opt,
          "the untrained baseline is not far "
          "above the tolerance: %.4f vs %.4f",
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

static void determinism_and_checkpoints(void)
{
    enum { DIM = 3, K = 50, PROBES = 3 * 16 * DIM };
    const double mean[DIM] = {0, 1, 2};
    float *train = gaussian_rows(K, DIM, mean, 1.0, 10);
    float a[PROBES], b[PROBES], c[PROBES];

    /* Two encodes, same seed: the same outputs, bit for bit. */
    params p = small_params("");
    void *m1 = make(&p, DIM), *m2 = make(&p, DIM);
    CHECK(iface->encode(m1, host, train, K) == BASIN_OK, "encode 1: %s", fake_last_error);
    CHECK(iface->encode(m2, host, train, K) == BASIN_OK, "encode 2: %s", fake_last_error);
    CHECK(probe(m1, DIM, a) == BASIN_OK && probe(m2, DIM, b) == BASIN_OK, "probe");
    CHECK(memcmp(a, b, sizeof a) == 0, "two encodes with one seed differ");
    iface->destroy(m2);
    /* Another seed: another network. */
    fake.seed = 2;
    m2 = make(&p, DIM);
    CHECK(iface->encode(m2, host, train, K) == BASIN_OK, "encode seed 2");
    CHECK(probe(m2, DIM, b) == BASIN_OK && memcmp(a, b, sizeof a) != 0,
          "another seed gives the same network");
    iface->destroy(m2);
    fake.seed = 1;

    /* σ = 0 is the identity on x/α. */
    float x[DIM] = {0.5f, -1, 2}, d[DIM];
    CHECK(iface->denoise(m1, host, x, 1, 0.5, 0, d) == BASIN_OK && d[0] == 1.0f &&
              d[1] == -2.0f && d[2] == 4.0f,
          "sigma = 0: x/alpha");
    CHECK(iface->denoise(m1, host, x, 1, 1, INFINITY, d) == BASIN_OK && isfinite(d[0]),
          "sigma = inf: finite");
    CHECK(iface->denoise(m1, host, x, 1, 0, 1, d) == BASIN_EINVAL, "alpha = 0 refused");
    x[1] = NAN;
    CHECK(iface->denoise(m1, host, x, 1, 1, 1, d) == BASIN_ENUMERIC &&
              strstr(fake_last_error, "entry 1") != NULL,
          "NaN state: %s", fake_last_error);

    /* Checkpoint round trip through {hash} and {K}. */
    char pattern[256], path[512];
    snprintf(pattern, sizeof pattern, "%s/sub/m-{hash}-K{K}.ckpt", dir);
    p = small_params(pattern);
    void *w = make(&p, DIM);
    CHECK(iface->encode(w, host, train, K) == BASIN_OK, "encode with checkpoint: %s",
          fake_last_error);
    CHECK(probe(w, DIM, b) == BASIN_OK && memcmp(a, b, sizeof a) == 0,
          "a checkpoint path changes the training");
    iface->destroy(w);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/sub", dir);
    FILE *ls = popen(cmd, "r");
    char name[256] = "";
    if (ls != NULL) {
        if (fgets(name, sizeof name, ls) == NULL)
            name[0] = '\0';
        pclose(ls);
    }
    name[strcspn(name, "\n")] = '\0';
    CHECK(strlen(name) == strlen("m-0123456789abcdef-K50.ckpt") &&
              strncmp(name, "m-", 2) == 0 && strstr(name, "-K50.ckpt") != NULL,
          "checkpoint name %s", name);
    snprintf(path, sizeof path, "%s/sub/%s", dir, name);

    const uint64_t metrics_before = fake.n_metrics;
    void *r = make(&p, DIM);
    CHECK(iface->encode(r, host, train, K) == BASIN_OK, "load: %s", fake_last_error);
    /* Loading reports the stored final loss once, at the trained step count. */
    CHECK(fake.n_metrics == metrics_before + 1 && fake.metric_step == 30,
          "loading a checkpoint trained again, or did not report its loss");
    CHECK(probe(r, DIM, c) == BASIN_OK && memcmp(a, c, sizeof a) == 0,
          "the loaded network denoises differently");
    iface->destroy(r);

    /* The same explicit path, another width: architecture mismatch (EINVAL). */
    params q = small_params(path);
    set_number(&q, "width", 9);
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, train, K) == BASIN_EINVAL &&
              strstr(fake_last_error, "width = 9, expected") == NULL &&
              strstr(fake_last_error, "width = 8, expected 9") != NULL &&
              strstr(fake_last_error, name) != NULL,
          "width mismatch: %s", fake_last_error);
    iface->destroy(r);
    /* Other data, same K: the training-set hash. */
    q = small_params(path);
    float *other = gaussian_rows(K, DIM, mean, 1.0, 11);
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, other, K) == BASIN_EINVAL &&
              strstr(fake_last_error, "train_hash") != NULL,
          "other data: %s", fake_last_error);
    iface->destroy(r);
    /* Fewer points: n_train. */
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, train, K - 1) == BASIN_EINVAL &&
              strstr(fake_last_error, "n_train = 50, expected 49") != NULL,
          "other K: %s", fake_last_error);
    iface->destroy(r);
    /* Another seed: the stream fingerprint. */
    fake.seed = 3;
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, train, K) == BASIN_EINVAL &&
              strstr(fake_last_error, "stream") != NULL,
          "other seed: %s", fake_last_error);
    iface->destroy(r);
    fake.seed = 1;
    /* Another training hyperparameter: lr. */
    set_number(&q, "lr", 2e-3);
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, train, K) == BASIN_EINVAL &&
              strstr(fake_last_error, "lr = 0.001") != NULL,
          "other lr: %s", fake_last_error);
    iface->destroy(r);
    free(other);

    /* Corrupt files: (offset, byte) edits and truncations of a copy. */
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    rewind(f);
    unsigned char *bytes = malloc((size_t)size);
    CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size, "read back");
    fclose(f);
    /* The documented layout (docs/checkpoints.md): magic, version 2, header 208,
       dim at 16, n_train at 32, P at 160, then 4P weight bytes and the CRC. */
    const uint64_t n_params = le_bytes(bytes + 160, 8);
    CHECK(memcmp(bytes, "BASINMLP", 8) == 0 && le_bytes(bytes + 8, 4) == 2 &&
              le_bytes(bytes + 12, 4) == 208 && le_bytes(bytes + 16, 4) == DIM &&
              le_bytes(bytes + 32, 8) == K && (uint64_t)size == 208 + 4 * n_params + 4,
          "checkpoint layout: %ld bytes, P = %llu", size, (unsigned long long)n_params);
    struct {
        long offset; /* byte to change, or -1 for a truncation to `keep` */
        long keep;
        int code;
        const char *field;
    } cases[] = {
        {0, 0, BASIN_EIO, "magic"},        {8, 0, BASIN_EIO, "version"},
        {12, 0, BASIN_EIO, "header size"}, {210, 0, BASIN_EIO, "crc"}, /* a weight byte */
        {size - 1, 0, BASIN_EIO, "crc"},   /* the CRC itself */
        {20, 0, BASIN_EINVAL, "n_params"}, /* width: P no longer matches */
        {-1, 100, BASIN_EIO, "truncated"}, {-1, size - 2, BASIN_EIO, "truncated"},
        {-1, 10, BASIN_EIO, "magic"},      {-1, size + 1, BASIN_EIO, "length"},
    };
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        f = fopen(bad, "wb");
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
        q = small_params(bad);
        r = make(&q, DIM);
        const int rc = iface->encode(r, host, train, K);
        CHECK(rc == cases[k].code && strstr(fake_last_error, cases[k].field) != NULL &&
                  strstr(fake_last_error, "bad.ckpt") != NULL &&
                  strchr(fake_last_error, '\n') == NULL,
              "case %zu (%s): %d %s", k, cases[k].field, rc, fake_last_error);
        iface->destroy(r);
    }
    free(bytes);

    /* An unwritable checkpoint folder: BASIN_EIO naming the file. */
    snprintf(pattern, sizeof pattern, "%s/bad.ckpt/inside.ckpt", dir);
    q = small_params(pattern);
    r = make(&q, DIM);
    CHECK(iface->encode(r, host, train, K) == BASIN_EIO &&
              strstr(fake_last_error, "inside.ckpt") != NULL,
          "unwritable: %s", fake_last_error);
    iface->destroy(r);
    iface->destroy(m1);
    free(train);
}

static void bad_input(void)
{
    params p = small_params("");
    set_number(&p, "embedding", 5);
    void *self = NULL;
    CHECK(iface->create(host, p.values, 3, &self) == BASIN_EINVAL && self == NULL &&
              strstr(fake_last_error, "even") != NULL,
          "odd embedding: %s", fake_last_error);
    p = small_params("");
    self = make(&p, 2);
    float x[2] = {0, 0}, d[2];
    CHECK(iface->denoise(self, host, x, 1, 1, 1, d) == BASIN_EINVAL,
          "denoise before encode");
    float rows[4] = {1, 1, 1, 1};
    CHECK(iface->encode(self, host, rows, 2) == BASIN_EINVAL &&
              strstr(fake_last_error, "sigma_data") != NULL,
          "identical points: %s", fake_last_error);
    rows[3] = INFINITY;
    CHECK(iface->encode(self, host, rows, 2) == BASIN_ENUMERIC, "inf in training");
    rows[3] = 0;
    fake.cancel = 1;
    CHECK(iface->encode(self, host, rows, 2) == BASIN_ECANCELED, "cancel");
    fake.cancel = 0;
    p = small_params("");
    set_number(&p, "lr", 1);
    set_number(&p, "steps", 200);
    iface->destroy(self);
    self = make(&p, 2);
    rows[0] = 1e30f;
    const int rc = iface->encode(self, host, rows, 2);
    CHECK(rc == BASIN_OK || rc == BASIN_ENUMERIC, "a huge point: %d %s", rc,
          fake_last_error);
    iface->destroy(self);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_mlp MLP.so\n");
        return 2;
    }
    fake_host_init(&fake, 1, FAKE_SPLITMIX);
    fake.quiet = 1;
    desc = load_plugin(argv[1], "scores/mlp");
    CHECK(desc != NULL && strcmp(desc->interface, BASIN_IFACE_SCORE) == 0,
          "scores/mlp loads");
    if (desc == NULL)
        return check_done("mlp");
    iface = desc->iface;
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    determinism_and_checkpoints();
    bad_input();
    gaussian_optimum();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done("mlp");
}

/*
 * bench-dense — speed of the associative-memory energies (a benchmark, not a test:
 * it asserts nothing and prints its numbers).
 *
 *   1. energies/dense async zero-temperature dynamics at N = 1000, K = 100,
 *      n = 2 and 3 (and exp, β = 1), from 64 starts at a pattern with 20% of its
 *      spins flipped: the sweep loop of samplers/hopfield (random order, flip iff
 *      ΔE < 0) driven here through spin_delta / spin_flip so that flips are counted;
 *      time per sweep, per spin_delta and per flip.
 *   2. energies/modern update ξ ← X softmax(β Xᵀ ξ) at K = 10 000, N = 784,
 *      batch 256: GFLOP/s at 4·K·N·B, beside cblas_sgemm (B × N by N × K, 2·K·N·B
 *      flops) measured in the same run.
 *
 * Usage: bench-dense [PLUGIN_DIR]   (default build/plugins)
 * Threads: OpenBLAS's own (OPENBLAS_NUM_THREADS); the dynamics run on one thread.
 */
#include <basin/plugin.h>

#include "fake_host.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/clock.h"

/* tests/fake_host.h's host (set up in main); a plugin's error is reported by die. */
static fake_host fake;
static const basin_host *const host = &fake.host;

static void die(void)
{
    fprintf(stderr, "error: %s\n", fake_last_error);
    exit(1);
}

/* energies/<name> from DIR/energies/<name>.so. */
static const basin_energy_iface *load(const char *dir, const char *name)
{
    char path[4096], id[64];
    snprintf(path, sizeof path, "%s/energies/%s.so", dir, name);
    snprintf(id, sizeof id, "energies/%s", name);
    const basin_descriptor *d = load_plugin(path, id);
    if (d == NULL)
        exit(1);
    return d->iface;
}

/* Uniform in [0, 1) from a counter. */
static double uniform(uint64_t key)
{
    return (double)(fake_splitmix64(key) >> 11) * 0x1p-53;
}

static void bench_dense(const basin_energy_iface *dense, const char *function, int n,
                        double beta)
{
    const uint32_t dim = 1000;
    const uint64_t k = 100, starts = 64;
    float *xi = malloc(k * dim * sizeof *xi);
    for (uint64_t t = 0; t < k * dim; t++)
        xi[t] = uniform(t) < 0.5 ? -1.0f : 1.0f;
    const basin_value v[3] = {{0, function}, {n, ""}, {beta, ""}};
    void *e = NULL;
    if (dense->create(host, v, dim, &e) || dense->encode(e, host, xi, k))
        die();
    float *x = malloc(starts * dim * sizeof *x);
    for (uint64_t r = 0; r < starts; r++)
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] = (uniform(1u << 30 | (r * dim + i)) < 0.2 ? -1 : 1) *
                             xi[(r % k) * dim + i];
    float *cache = malloc(starts * k * sizeof *cache);
    uint32_t *order = malloc(dim * sizeof *order);
    double t0 = clock_seconds();
    dense->spin_init(e, host, x, starts, cache);
    const double t_init = clock_seconds() - t0;
    uint64_t sweeps = 0, flips = 0, evaluations = 0, retrieved = 0;
    t0 = clock_seconds();
    for (uint64_t r = 0; r < starts; r++) {
        float *xr = x + r * dim, *cr = cache + r * k;
        for (uint32_t sweep = 0; sweep < 100; sweep++) {
            for (uint32_t i = 0; i < dim; i++)
                order[i] = i;
            for (uint32_t i = dim - 1; i > 0; i--) {
                const uint32_t j =
                    (uint32_t)(uniform(r << 40 | sweep << 20 | i) * (i + 1));
                const uint32_t tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            uint32_t changed = 0;
            for (uint32_t s = 0; s < dim; s++) {
                if (dense->spin_delta(e, xr, cr, order[s]) < 0) {
                    dense->spin_flip(e, xr, cr, order[s]);
                    changed++;
                }
            }
            sweeps++;
            evaluations += dim;
            flips += changed;
            if (changed == 0)
                break;
        }
        double m = 0;
        for (uint32_t i = 0; i < dim; i++)
            m += xr[i] * xi[(r % k) * dim + i];
        retrieved += m == dim;
    }
    const double t = clock_seconds() - t0;
    printf("dense %-9s n=%d%s N=%u K=%llu: %llu starts, %llu sweeps, %llu flips, "
           "%llu retrieved exactly; %.1f us/sweep, %.1f ns/spin_delta, "
           "%.2f us/flip (all time / flips), spin_init %.2f ms\n",
           function, n, strcmp(function, "exp") == 0 ? " (beta 1)" : "", dim,
           (unsigned long long)k, (unsigned long long)starts, (unsigned long long)sweeps,
           (unsigned long long)flips, (unsigned long long)retrieved,
           1e6 * t / (double)sweeps, 1e9 * t / (double)evaluations,
           1e6 * t / (double)flips, 1e3 * t_init);
    dense->destroy(e);
    free(xi);
    free(x);
    free(cache);
    free(order);
}

static void bench_modern(const basin_energy_iface *modern)
{
    const uint32_t dim = 784;
    const uint64_t k = 10000, batch = 256;
    float *xi = malloc(k * dim * sizeof *xi);
    float *x = malloc(batch * dim * sizeof *x), *out = malloc(batch * dim * sizeof *out);
    float *gemm = malloc(batch * k * sizeof *gemm);
    const double scale = 1 / sqrt((double)dim);
    for (uint64_t t = 0; t < k * dim; t++)
        xi[t] = (float)((uniform(t) < 0.5 ? -1 : 1) * scale);
    for (uint64_t t = 0; t < batch * dim; t++)
        x[t] = xi[t] + (float)(0.1 * scale * (uniform(7ull << 40 | t) - 0.5));
    const basin_value v[1] = {{32, ""}};
    void *e = NULL;
    if (modern->create(host, v, dim, &e) || modern->encode(e, host, xi, k))
        die();
    const double flops = 4.0 * (double)k * dim * (double)batch;
    double best = INFINITY, total = 0;
    for (int rep = 0; rep < 10 && (rep < 2 || total < 2); rep++) {
        const double t0 = clock_seconds();
        if (modern->update(e, host, x, batch, out) != BASIN_OK)
            die();
        const double t = clock_seconds() - t0;
        best = fmin(best, t);
        total += t;
    }
    double best_gemm = INFINITY;
    for (int rep = 0; rep < 5; rep++) {
        const double t0 = clock_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)k, (int)dim,
                    1.0f, x, (int)dim, xi, (int)dim, 0.0f, gemm, (int)k);
        best_gemm = fmin(best_gemm, clock_seconds() - t0);
    }
    double err = 0;
    for (uint64_t t = 0; t < batch * dim; t++)
        err = fmax(err, fabs(out[t] - xi[t]));
    printf("modern update K=%llu N=%u B=%llu (beta 32): %.1f ms best, %.2f GFLOP/s at "
           "4KNB (max |update - pattern| %.1e); cblas_sgemm B x N x K: %.2f ms, "
           "%.2f GFLOP/s\n",
           (unsigned long long)k, dim, (unsigned long long)batch, 1e3 * best,
           1e-9 * flops / best, err, 1e3 * best_gemm,
           1e-9 * 2.0 * (double)k * dim * (double)batch / best_gemm);
    modern->destroy(e);
    free(xi);
    free(x);
    free(out);
    free(gemm);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "build/plugins";
    setvbuf(stdout, NULL, _IOLBF, 0);
    fake_host_init(&fake, 1, FAKE_SPLITMIX);
    const basin_energy_iface *dense = load(dir, "dense");
    const basin_energy_iface *modern = load(dir, "modern");
    bench_dense(dense, "poly", 2, 1);
    bench_dense(dense, "poly", 3, 1);
    bench_dense(dense, "exp", 2, 1);
    bench_modern(modern);
    return 0;
}

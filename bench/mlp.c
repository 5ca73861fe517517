/*
 * bench-mlp — speed of scores/mlp (a benchmark, not a test: it asserts nothing and
 * prints `key value` lines for bench/mlp.sh).
 *
 * For each configuration (N, width, depth, batch): training throughput, samples
 * per second = batch / seconds per step (minibatch drawing through the host's
 * Philox streams, forward, backward, Adam: everything a training step does), timed
 * between the progress() calls that close step 1 and the last step, so in the
 * steady state, as PyTorch's peer times its loop (bench/peer_mlp.py); beside it,
 * encode_s, the whole create + encode (also the one-time work: checks, mean and
 * σ_data of the data, its hash, the initial weights, the first step's page faults).
 * Sampling throughput: denoiser evaluations per second = rows / seconds of denoise
 * over 20 calls on `batch` states (the forward pass of a sampler step). The data
 * are N(0, I) rows (K = 4096): the speed does not depend on them. Each time is the
 * best of 3 (the machine may be shared).
 *
 * Usage: bench-mlp MLP.so [THREADS]
 * Threads: training runs its shards on THREADS threads (default 1) through the
 * host's parallel() (basin_host, ABI 1.3), as `basin run --threads` gives it;
 * bench/mlp.sh pins OpenBLAS to one thread (OPENBLAS_NUM_THREADS=1), as the basin
 * command does. Denoising runs on one thread (the host spreads samples instead).
 */
#include <basin/plugin.h>

#include "fake_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/clock.h"

static fake_host fake;
static const basin_host *const host = &fake.host;

/* When progress() reported step 1 and the last step of the current encode. */
static double step1_at, last_at;

static void timed_progress(const basin_host *h, uint64_t done, uint64_t total)
{
    (void)h;
    if (done == 1)
        step1_at = clock_seconds();
    if (done == total)
        last_at = clock_seconds();
}

typedef struct config {
    const char *name;
    uint32_t dim, width, depth, batch, steps;
} config;

static const config CONFIGS[] = {
    {"small", 32, 256, 3, 256, 200},
    {"image", 784, 512, 3, 128, 40},
};

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: bench-mlp MLP.so [THREADS]\n");
        return 2;
    }
    fake_host_init(&fake, 1, FAKE_PHILOX);
    fake.quiet = 1;
    fake.host.progress = timed_progress;
    fake.threads = argc == 3 ? (unsigned)atoi(argv[2]) : 1;
    if (fake.threads < 1 || fake.threads > 64) {
        fprintf(stderr, "bench-mlp: THREADS must be in [1, 64]\n");
        return 2;
    }
    const basin_descriptor *desc = load_plugin(argv[1], "scores/mlp");
    if (desc == NULL)
        return 1;
    const basin_score_iface *sc = desc->iface;
    for (size_t c = 0; c < sizeof CONFIGS / sizeof *CONFIGS; c++) {
        const config *cf = &CONFIGS[c];
        enum { K = 4096, CALLS = 20 };
        float *train = malloc((size_t)K * cf->dim * sizeof *train);
        float *x = malloc((size_t)cf->batch * cf->dim * sizeof *x);
        float *out = malloc((size_t)cf->batch * cf->dim * sizeof *out);
        host->random_normal(host, BASIN_ROLE_USER, 0, 0, train, (size_t)K * cf->dim);
        host->random_normal(host, BASIN_ROLE_USER, 1, 0, x, (size_t)cf->batch * cf->dim);
        params p = param_defaults(desc);
        set_number(&p, "width", cf->width);
        set_number(&p, "depth", cf->depth);
        set_number(&p, "batch", cf->batch);
        set_number(&p, "steps", cf->steps);
        void *self = NULL;
        double step_s = 1e300, encode_s = 1e300, sample_s = 1e300;
        int rc = BASIN_OK;
        for (int rep = 0; rep < 3 && rc == BASIN_OK; rep++) {
            if (self != NULL)
                sc->destroy(self);
            self = NULL;
            double t0 = clock_seconds();
            rc = sc->create(host, p.values, cf->dim, &self);
            if (rc == BASIN_OK)
                rc = sc->encode(self, host, train, K);
            const double t1 = clock_seconds();
            encode_s = t1 - t0 < encode_s ? t1 - t0 : encode_s;
            const double per_step = (last_at - step1_at) / (cf->steps - 1);
            step_s = per_step < step_s ? per_step : step_s;
            for (int k = 0; k < CALLS && rc == BASIN_OK; k++)
                rc = sc->denoise(self, host, x, cf->batch, 1.0, 0.5 + 0.1 * k, out);
            sample_s = clock_seconds() - t1 < sample_s ? clock_seconds() - t1 : sample_s;
        }
        if (rc != BASIN_OK) {
            fprintf(stderr, "scores/mlp: %s\n", fake_last_error);
            return 1;
        }
        printf("basin %s N=%u width=%u depth=%u batch=%u threads=%u train_samples_per_s "
               "%.0f denoise_rows_per_s %.0f encode_s %.3f steps %u\n",
               cf->name, cf->dim, cf->width, cf->depth, cf->batch, fake.threads,
               cf->batch / step_s, (double)CALLS * cf->batch / sample_s, encode_s,
               cf->steps);
        sc->destroy(self);
        free(train);
        free(x);
        free(out);
    }
    return 0;
}

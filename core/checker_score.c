/*
 * checker_score.c — the battery of a basin.score/1 plugin.
 *
 * The model encodes K = 6 standard normal training points ξ_μ of dimension N = 8
 * and denoises x_t = α x₀ + σ ε, the denoiser being x̂₀ = E[x₀ | x_t = x]:
 *   finite         x̂₀ finite, n × dim written, at (α, σ) = (1, 1), (0.8, 0.5),
 *                  (0.5, 2)
 *   deterministic  a second instance (fresh host, same seed) and a repeated call
 *                  give the same bytes
 *   small-sigma    at σ = 1e-4, α = 0.8 and x = α ξ_μ: x̂₀ ≈ x/α (= ξ_μ). The
 *                  posterior of x₀ given x_t concentrates on x_t/α as σ → 0 for any
 *                  law whose support holds x/α, and a training point is in the
 *                  support of every model of the training set (exactly so for the
 *                  empirical score, whose weights then put all mass on ξ_μ, and for
 *                  a fitted Gaussian, whose span holds ξ_μ − mean).
 *   large-sigma    at σ = 1e3, α = 1 and x = σ z: x̂₀ ≈ the training mean, the
 *                  prior mean, since x_t then carries almost no information on x₀.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

#define DIM 8u
#define N_TRAIN 6u

typedef struct instance {
    host_job job;
    void *self;
} instance;

static const basin_score_iface *iface_of(const check_ctx *c)
{
    return c->d->iface;
}

static int make(check_ctx *c, instance *in, const float *train, const char *name)
{
    const basin_score_iface *f = iface_of(c);
    check_host(c, &in->job);
    in->self = NULL;
    int rc = f->create(&in->job.table, c->values, DIM, &in->self);
    if (!rc && !in->self)
        check_report(c, 0, name, "expected create to set *self, saw NULL");
    else if (rc)
        check_call_failed(c, name, &in->job, rc);
    else if ((rc = f->encode(in->self, &in->job.table, train, N_TRAIN)))
        check_call_failed(c, name, &in->job, rc);
    if (rc || !in->self) {
        if (in->self)
            f->destroy(in->self);
        check_host_done(&in->job);
        return 0;
    }
    return 1;
}

static void unmake(check_ctx *c, instance *in)
{
    iface_of(c)->destroy(in->self);
    check_host_done(&in->job);
}

/* x̂₀ of n states into out (n × dim + guard); reports FAIL name on a failed call,
   writes past the end or a non-finite entry. */
static int denoise(check_ctx *c, instance *in, const float *x, uint64_t n,
                   double alpha, double sigma, float *out, const char *name)
{
    host_job_clear_error(&in->job);
    int rc = iface_of(c)->denoise(in->self, &in->job.table, x, n, alpha, sigma, out);
    uint64_t bad = 0;
    if (rc)
        return check_call_failed(c, name, &in->job, rc);
    if (!check_guard_intact(out, n * DIM))
        return check_report(c, 0, name, "expected n x dim = %llu floats at alpha = "
                            "%g, sigma = %g, saw writes past them",
                            (unsigned long long)(n * DIM), alpha, sigma);
    if (!check_finite(out, n * DIM, &bad))
        return check_report(c, 0, name, "expected finite x0_hat at alpha = %g, "
                            "sigma = %g, saw %g at state %llu entry %llu", alpha,
                            sigma, out[bad], (unsigned long long)(bad / DIM),
                            (unsigned long long)(bad % DIM));
    return 1;
}

/* Root-mean-square over the n entries of a − b; the largest |a − b| in *worst. */
static double rms_diff(const float *a, const float *b, uint64_t n, double *worst)
{
    double sum = 0;
    *worst = 0;
    for (uint64_t k = 0; k < n; k++) {
        double d = (double)a[k] - b[k];
        sum += d * d;
        *worst = fmax(*worst, fabs(d));
    }
    return sqrt(sum / (double)n);
}

void check_score(check_ctx *c)
{
    enum { N_STATES = 3 * N_TRAIN };
    float train[N_TRAIN * DIM], x[N_STATES * DIM], z[DIM];
    host_job job;
    check_host(c, &job);
    const basin_host *h = &job.table;
    for (uint32_t m = 0; m < N_TRAIN; m++)
        h->random_normal(h, BASIN_ROLE_DATASET, m, 0, train + m * DIM, DIM);
    check_host_done(&job);

    instance a, b;
    if (!make(c, &a, train, "create"))
        return;
    check_report(c, 1, "create", NULL);
    float *out = check_alloc(N_STATES * DIM), *again = check_alloc(N_STATES * DIM);
    float *other = check_alloc(N_STATES * DIM);
    if (!out || !again || !other)
        goto out;

    /* Finite at moderate noise levels, states x = α ξ + σ z. */
    static const double LEVELS[][2] = {{1, 1}, {0.8, 0.5}, {0.5, 2}};
    int ok = 1;
    for (size_t l = 0; l < 3 && ok; l++) {
        for (uint32_t s = 0; s < N_STATES; s++) {
            h = &a.job.table;
            h->random_normal(h, BASIN_ROLE_INIT, s, l, z, DIM);
            for (uint32_t i = 0; i < DIM; i++)
                x[s * DIM + i] = (float)(LEVELS[l][0] * train[(s % N_TRAIN) * DIM + i]
                                         + LEVELS[l][1] * z[i]);
        }
        ok = denoise(c, &a, x, N_STATES, LEVELS[l][0], LEVELS[l][1], out, "finite");
    }
    if (ok)
        check_report(c, 1, "finite", NULL);

    /* Deterministic: the last level again, on this instance and on a fresh one. */
    const double alpha = LEVELS[2][0], sigma = LEVELS[2][1];
    if (ok && make(c, &b, train, "deterministic")) {
        if (denoise(c, &a, x, N_STATES, alpha, sigma, again, "deterministic") &&
            denoise(c, &b, x, N_STATES, alpha, sigma, other, "deterministic")) {
            int same_call = !memcmp(out, again, N_STATES * DIM * sizeof *out);
            int same = same_call && !memcmp(out, other, N_STATES * DIM * sizeof *out);
            check_report(c, same, "deterministic", "expected identical x0_hat %s, "
                         "saw %.9g then %.9g", same_call ? "from a second instance "
                         "with the same seed" : "from a repeated call", out[0],
                         same_call ? other[0] : again[0]);
        }
        unmake(c, &b);
    }

    /*
     * σ → 0: x = α ξ_μ, expected x/α. Tolerance 1e-3 rms (the data are unit
     * scale): the bias of the exact posterior mean is O(σ²/(α² λ)) ~ 1e-7 for
     * the smallest data scale λ ~ 0.1 here, and float rounding ~1e-7; a denoiser
     * that returns x (not x/α) is off by 0.25 rms.
     */
    {
        const double alpha0 = 0.8, sigma0 = 1e-4;
        float expect[N_TRAIN * DIM];
        for (uint32_t k = 0; k < N_TRAIN * DIM; k++) {
            x[k] = (float)(alpha0 * train[k]);
            expect[k] = (float)(x[k] / alpha0);
        }
        float *small = check_alloc(N_TRAIN * DIM);
        if (small && denoise(c, &a, x, N_TRAIN, alpha0, sigma0, small,
                             "small-sigma")) {
            double worst, rms = rms_diff(small, expect, N_TRAIN * DIM, &worst);
            check_report(c, rms <= 1e-3, "small-sigma", "expected x0_hat = x/alpha "
                         "(a training point) within 1e-3 rms at alpha = 0.8, sigma "
                         "= 1e-4, saw rms error %.3g (largest %.3g)", rms, worst);
        }
        free(small);
    }

    /*
     * σ → ∞: x = σ z at α = 1, expected the training mean m. To first order in
     * 1/σ², x̂₀ − m = Cov(x₀) x / σ², of rms λ_max / σ ≈ 3e-3 for this unit-scale
     * data (λ_max ≲ 3); tolerance 5e-2 rms (the spread of the data is 1).
     */
    {
        const double sigma1 = 1e3;
        float mean[N_STATES * DIM];
        for (uint32_t i = 0; i < DIM; i++) {
            double sum = 0;
            for (uint32_t m = 0; m < N_TRAIN; m++)
                sum += train[m * DIM + i];
            for (uint32_t s = 0; s < N_STATES; s++)
                mean[s * DIM + i] = (float)(sum / N_TRAIN);
        }
        h = &a.job.table;
        for (uint32_t s = 0; s < N_STATES; s++) {
            h->random_normal(h, BASIN_ROLE_INIT, s, 99, z, DIM);
            for (uint32_t i = 0; i < DIM; i++)
                x[s * DIM + i] = (float)(sigma1 * z[i]);
        }
        if (denoise(c, &a, x, N_STATES, 1.0, sigma1, out, "large-sigma")) {
            double worst, rms = rms_diff(out, mean, N_STATES * DIM, &worst);
            check_report(c, rms <= 5e-2, "large-sigma", "expected x0_hat = the "
                         "training mean within 5e-2 rms at alpha = 1, sigma = 1e3, "
                         "saw rms error %.3g (largest %.3g)", rms, worst);
        }
    }
out:
    free(out);
    free(again);
    free(other);
    unmake(c, &a);
}

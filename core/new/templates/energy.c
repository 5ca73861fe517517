/*
 * energies/TEMPLATE_NAME — a Gaussian-well associative memory, written by
 * `basin new energy TEMPLATE_NAME`: a small but complete basin energy plugin.
 *
 * Memories ξ_1..ξ_K are stored as they are. The energy is a soft minimum of
 * quadratic wells centred on them,
 *
 *     E(x) = −(1/β) log Σ_μ exp(−β ‖x − ξ_μ‖² / 2),
 *     ∇E(x) = Σ_μ w_μ (x − ξ_μ),   w = softmax(−β ‖x − ξ_μ‖² / 2),
 *
 * and the native update is the concave-convex step x ← Σ_μ w_μ ξ_μ, the modern
 * Hopfield update (Ramsauer et al. 2020). For large β every memory is a minimum;
 * for small β the wells merge. The log-sum-exp subtracts its maximum, and sums
 * are in double.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            $(pkg-config --cflags basin) TEMPLATE_NAME.c -o TEMPLATE_NAME.so
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_BETA };

/* name, type, default, string default, min, max, choices, flags, doc */
static const basin_param_def TEMPLATE_NAME_params[] = {
    {"beta", BASIN_PARAM_REAL, 10.0, NULL, 0, 1e308, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
     "inverse width of each memory's well (per unit squared distance)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct wells {
    double beta;
    uint32_t dim;
    uint64_t n;      /* memories stored */
    float *memories; /* n × dim, owned */
} wells;

static int wells_create(const basin_host *host, const basin_value *values, uint32_t dim,
                        void **self)
{
    wells *w = calloc(1, sizeof *w);
    if (!w) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    w->beta = values[P_BETA].number;
    w->dim = dim;
    *self = w;
    return BASIN_OK;
}

static void wells_destroy(void *self)
{
    wells *w = self;
    free(w->memories);
    free(w);
}

/* Keeps a copy: the caller's array may be freed after the call. */
static int wells_encode(void *self, const basin_host *host, const float *memories,
                        uint64_t n)
{
    wells *w = self;
    if (n == 0) {
        host->error(host, "needs at least one memory");
        return BASIN_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(float) / w->dim) {
        host->error(host, "%llu memories of dimension %u overflow memory",
                    (unsigned long long)n, w->dim);
        return BASIN_ENOMEM;
    }
    float *copy = malloc((size_t)n * w->dim * sizeof *copy);
    if (!copy) {
        host->error(host, "out of memory for %llu memories", (unsigned long long)n);
        return BASIN_ENOMEM;
    }
    memcpy(copy, memories, (size_t)n * w->dim * sizeof *copy);
    free(w->memories);
    w->memories = copy;
    w->n = n;
    return BASIN_OK;
}

/* −β‖x − ξ_μ‖²/2 for every memory into a (n of them); returns their maximum. */
static double wells_logits(const wells *w, const float *x, double *a)
{
    double top = -INFINITY;
    for (uint64_t mu = 0; mu < w->n; mu++) {
        const float *xi = w->memories + mu * w->dim;
        double d2 = 0;
        for (uint32_t i = 0; i < w->dim; i++) {
            double e = (double)x[i] - xi[i];
            d2 += e * e;
        }
        a[mu] = -0.5 * w->beta * d2;
        top = a[mu] > top ? a[mu] : top;
    }
    return top;
}

/* Softmax weights of one state into a, in place; returns log Σ exp(logits): the
   largest logit contributes exp(0) = 1, so the sum is at least 1 (−∞ without
   memories). */
static double wells_weights(const wells *w, const float *x, double *a)
{
    double top = wells_logits(w, x, a), sum = 0;
    for (uint64_t mu = 0; mu < w->n; mu++)
        sum += a[mu] = exp(a[mu] - top);
    for (uint64_t mu = 0; mu < w->n; mu++)
        a[mu] /= sum;
    return sum > 0 ? top + log(sum) : -INFINITY;
}

/* The three evaluations share one loop: what = 0 energy, 1 gradient, 2 update.
   [thread-safe]: the weights live in this call's allocation. */
static int wells_eval(const wells *w, const basin_host *host, const float *x, uint64_t n,
                      int what, double *energy, float *out)
{
    if (w->n == 0) { /* no memories: the softmax below would take log(0) */
        host->error(host, "no memories: encode comes before any evaluation");
        return BASIN_EINVAL;
    }
    double *a = malloc((size_t)w->n * sizeof *a);
    double *acc = calloc(w->dim, sizeof *acc);
    if (!a || !acc) {
        free(a);
        free(acc);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = BASIN_OK;
    for (uint64_t r = 0; r < n && rc == BASIN_OK; r++) {
        const float *xr = x + r * w->dim;
        double lse = wells_weights(w, xr, a);
        if (!isfinite(lse)) {
            host->error(host, "non-finite energy at state %llu", (unsigned long long)r);
            rc = BASIN_ENUMERIC;
            break;
        }
        if (what == 0) {
            energy[r] = -lse / w->beta;
            continue;
        }
        memset(acc, 0, w->dim * sizeof *acc);
        for (uint64_t mu = 0; mu < w->n; mu++) {
            const float *xi = w->memories + mu * w->dim;
            for (uint32_t i = 0; i < w->dim; i++)
                acc[i] += a[mu] * xi[i];
        }
        /* ∇E = x − Σ w ξ (the weights sum to 1); the update is Σ w ξ. */
        for (uint32_t i = 0; i < w->dim; i++)
            out[r * w->dim + i] = (float)(what == 1 ? xr[i] - acc[i] : acc[i]);
    }
    free(a);
    free(acc);
    return rc;
}

static int wells_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                        double *energy)
{
    return wells_eval(self, host, x, n, 0, energy, NULL);
}

static int wells_gradient(void *self, const basin_host *host, const float *x, uint64_t n,
                          float *gradient)
{
    return wells_eval(self, host, x, n, 1, NULL, gradient);
}

static int wells_update(void *self, const basin_host *host, const float *x, uint64_t n,
                        float *out)
{
    return wells_eval(self, host, x, n, 2, NULL, out);
}

static const basin_energy_iface TEMPLATE_NAME_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = 0,
    .create = wells_create,
    .destroy = wells_destroy,
    .encode = wells_encode,
    .energy = wells_energy,
    .gradient = wells_gradient,
    .update = wells_update,
};

static const basin_descriptor TEMPLATE_NAME_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "energies/TEMPLATE_NAME",
    .interface = BASIN_IFACE_ENERGY,
    .version = "0.1.0",
    .summary = "Gaussian wells on the memories: "
               "E = -(1/beta) log sum exp(-beta |x - xi|^2 / 2)",
    .params = TEMPLATE_NAME_params,
    .iface = &TEMPLATE_NAME_iface,
};

static const basin_descriptor *const TEMPLATE_NAME_plugins[] = {&TEMPLATE_NAME_descriptor,
                                                                NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER, "TEMPLATE_NAME", TEMPLATE_NAME_plugins};

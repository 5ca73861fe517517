/*
 * Deliberately broken energies for tests/check, one per build (-DBROKEN_...):
 *
 *   E(x) = ½ Σ_μ ‖x − ξ_μ‖² / K,   ∇E = x − mean(ξ)
 *
 *   BROKEN_GRADIENT  energies/wrong-gradient returns half the gradient:
 *                    "FAIL energies/wrong-gradient gradient"
 *   BROKEN_COUNTER   energies/counter adds 1e-6 × (a static call counter) to E,
 *                    so two equal calls differ: "FAIL energies/counter
 *                    deterministic" (the gradient check still passes: the
 *                    counter moves a difference by 1e-6/0.02, below its 1e-4
 *                    rounding allowance)
 */
#include <basin/plugin.h>

#include <stdlib.h>
#include <string.h>

#if defined(BROKEN_GRADIENT)
#define PLUGIN_ID      "energies/wrong-gradient"
#define GRADIENT_SCALE 0.5
#define COUNTER        0
#elif defined(BROKEN_COUNTER)
#define PLUGIN_ID      "energies/counter"
#define GRADIENT_SCALE 1.0
#define COUNTER        1
#else
#error "build with -DBROKEN_GRADIENT or -DBROKEN_COUNTER"
#endif

typedef struct fixture {
    uint32_t dim;
    uint64_t n;
    float *memories;
    double *mean;
} fixture;

static const basin_param_def params[] = {{NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL}};

static int create(const basin_host *h, const basin_value *v, uint32_t dim, void **self)
{
    (void)h, (void)v;
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return BASIN_ENOMEM;
    f->dim = dim;
    *self = f;
    return BASIN_OK;
}

static void destroy(void *self)
{
    fixture *f = self;
    free(f->memories);
    free(f->mean);
    free(f);
}

static int encode(void *self, const basin_host *h, const float *m, uint64_t n)
{
    fixture *f = self;
    f->memories = malloc(n * f->dim * sizeof *f->memories);
    f->mean = calloc(f->dim, sizeof *f->mean);
    if (!f->memories || !f->mean) {
        h->error(h, "out of memory");
        return BASIN_ENOMEM;
    }
    memcpy(f->memories, m, n * f->dim * sizeof *m);
    f->n = n;
    for (uint64_t k = 0; k < n * f->dim; k++)
        f->mean[k % f->dim] += m[k] / (double)n;
    return BASIN_OK;
}

static int energy(void *self, const basin_host *h, const float *x, uint64_t n, double *e)
{
    (void)h;
    static unsigned calls; /* the bug of BROKEN_COUNTER (and a data race) */
    const fixture *f = self;
    calls++;
    for (uint64_t s = 0; s < n; s++) {
        double sum = 0;
        for (uint64_t m = 0; m < f->n; m++)
            for (uint32_t i = 0; i < f->dim; i++) {
                double d = (double)x[s * f->dim + i] - f->memories[m * f->dim + i];
                sum += d * d;
            }
        e[s] = 0.5 * sum / (double)f->n + (COUNTER ? 1e-6 * calls : 0);
    }
    return BASIN_OK;
}

static int gradient(void *self, const basin_host *h, const float *x, uint64_t n, float *g)
{
    (void)h;
    const fixture *f = self;
    for (uint64_t k = 0; k < n * f->dim; k++)
        g[k] = (float)(GRADIENT_SCALE * (x[k] - f->mean[k % f->dim]));
    return BASIN_OK;
}

static const basin_energy_iface iface = {
    .struct_size = sizeof(basin_energy_iface),
    .create = create,
    .destroy = destroy,
    .encode = encode,
    .energy = energy,
    .gradient = gradient,
};

static const basin_descriptor descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "0.0.1",
    .summary = "a deliberately broken quadratic energy (checker test)",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};
BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "energy-fixture", plugins};

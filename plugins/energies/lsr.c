/*
 * energies/lsr — the log-sum-ReLU (Epanechnikov) Dense Associative Memory of
 * Hoover, Shi, Balasubramanian, Krotov & Ram 2025 ("Dense Associative Memory with
 * Epanechnikov energy", arXiv:2506.10801), for K stored patterns ξ_μ and a state x:
 *
 *   k_μ(x) = 1 − (β/2)‖x − ξ_μ‖²,  S(x) = {μ : k_μ(x) > 0}  (support radius √(2/β))
 *   Z(x)   = ε + Σ_{μ∈S(x)} k_μ(x)
 *   E(x)   = −β⁻¹ log Z(x)
 *   ∇E(x)  = u(x) / Z(x),  u = Σ_{μ∈S} (x − ξ_μ) = |S| x − Σ_{μ∈S} ξ_μ
 *   H(x) v = (|S|/Z) v + (β/Z²) u (u·v)
 *   update   x ← c_{S(x)} = |S|⁻¹ Σ_{μ∈S(x)} ξ_μ   (x unchanged when S(x) = ∅)
 *
 * The update is one step of the paper's exact fixed-point iteration (their
 * Algorithm 1; a mean shift with the Epanechnikov kernel's flat shadow):
 * samplers/fixed-point repeats it until x no longer moves, which is when S(x)
 * no longer changes. Its fixed points with S ≠ ∅ are exactly the stationary
 * points of E inside some support, and each is a strict local minimum where the
 * Hessian is (|S|/Z) I, a positive multiple of the identity. Outside every
 * support E = −β⁻¹ log ε is flat (∇E = 0, H = 0). ε > 0 keeps E finite there;
 * the minima do not depend on it. On a support boundary (k_μ = 0) E is not
 * differentiable; the formulas above take the one-sided value with μ ∉ S.
 *
 * Sums are in double; ‖x − ξ_μ‖² is formed directly (not by the expansion
 * ‖x‖² − 2x·ξ + ‖ξ‖²), so membership of S is decided to double rounding.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "energies/lsr"

enum { P_BETA, P_EPSILON, N_PARAMS };

static const basin_param_def lsr_params[N_PARAMS + 1] = {
    [P_BETA] = {"beta", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL,
                BASIN_PARAM_MIN_EXCLUSIVE,
                "inverse temperature beta: each pattern's support is the ball of radius "
                "sqrt(2/beta) around it"},
    [P_EPSILON] = {"epsilon", BASIN_PARAM_REAL, 1e-6, NULL, 0, 1e300, NULL,
                   BASIN_PARAM_MIN_EXCLUSIVE,
                   "epsilon inside the log: E = -log(epsilon + sum ReLU(...))/beta stays "
                   "finite (= -log(epsilon)/beta) outside every support"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct lsr {
    uint32_t dim;
    double beta, epsilon;
    float *patterns; /* k × dim, NULL before encode */
    uint64_t k;
} lsr;

/* Release an energy; NULL is ignored. */
static void lsr_destroy(void *self)
{
    lsr *e = self;
    if (e == NULL)
        return;
    free(e->patterns);
    free(e);
}

/* An LSR energy on dim coordinates, empty until encode(). BASIN_EINVAL for β ≤ 0,
   ε ≤ 0 (or either not finite) or a dim of 0; BASIN_ENOMEM. */
static int lsr_create(const basin_host *host, const basin_value *params, uint32_t dim,
                      void **self)
{
    *self = NULL;
    const double beta = params[P_BETA].number, epsilon = params[P_EPSILON].number;
    if (!(beta > 0 && beta <= 1e300) || !(epsilon > 0 && epsilon <= 1e300)) {
        host->error(host, "beta = %g and epsilon = %g must both be > 0 (and finite)",
                    beta, epsilon);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    lsr *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->beta = beta;
    e->epsilon = epsilon;
    *self = e;
    return BASIN_OK;
}

/* Store n patterns (n × dim, copied), replacing earlier ones. BASIN_EINVAL (n = 0,
   a non-finite entry), BASIN_ENOMEM. */
static int lsr_encode(void *self, const basin_host *host, const float *memories,
                      uint64_t n)
{
    lsr *e = self;
    if (n == 0 || memories == NULL) {
        host->error(host, "encode: no memories (K = 0)");
        return BASIN_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(float) / e->dim) {
        host->error(host, "encode: %llu memories are too many", (unsigned long long)n);
        return BASIN_EINVAL;
    }
    const size_t entries = (size_t)n * e->dim;
    for (size_t t = 0; t < entries; t++) {
        if (!isfinite(memories[t])) {
            host->error(host, "encode: memory %zu entry %zu is %g", t / e->dim,
                        t % e->dim, (double)memories[t]);
            return BASIN_EINVAL;
        }
    }
    float *copy = malloc(entries * sizeof *copy);
    if (copy == NULL) {
        host->error(host, "encode: cannot allocate %llu × %u floats",
                    (unsigned long long)n, e->dim);
        return BASIN_ENOMEM;
    }
    memcpy(copy, memories, entries * sizeof *copy);
    free(e->patterns);
    e->patterns = copy;
    e->k = n;
    return BASIN_OK;
}

/* BASIN_EINVAL unless encoded and x given. */
static int check_ready(const lsr *e, const basin_host *host, const char *what,
                       const void *x, uint64_t n)
{
    if (e->k == 0) {
        host->error(host, "%s called before encode", what);
        return BASIN_EINVAL;
    }
    if (n > 0 && x == NULL) {
        host->error(host, "%s: states are NULL", what);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* The support sums of one state x: Z = ε + Σ_S k_μ, |S|, and (when sum is not
   NULL) sum = Σ_{μ∈S} ξ_μ (dim doubles). 0, or BASIN_ENUMERIC for a non-finite
   distance (a NaN or infinite state). */
static int support(const lsr *e, const float *x, double *z, uint64_t *count, double *sum)
{
    const size_t dim = e->dim;
    double total = e->epsilon;
    uint64_t members = 0;
    if (sum != NULL)
        memset(sum, 0, dim * sizeof *sum);
    for (uint64_t mu = 0; mu < e->k; mu++) {
        const float *xi = e->patterns + mu * dim;
        double d2 = 0;
        for (size_t i = 0; i < dim; i++) {
            const double diff = (double)x[i] - xi[i];
            d2 += diff * diff;
        }
        if (!isfinite(d2))
            return BASIN_ENUMERIC;
        const double kernel = 1 - 0.5 * e->beta * d2;
        if (kernel > 0) {
            total += kernel;
            members++;
            if (sum != NULL)
                for (size_t i = 0; i < dim; i++)
                    sum[i] += xi[i];
        }
    }
    *z = total;
    *count = members;
    return BASIN_OK;
}

/* The scratch of dim doubles for the sum over the support; NULL after a message. */
static double *scratch(const lsr *e, const basin_host *host, const char *what)
{
    double *sum = malloc(e->dim * sizeof *sum);
    if (sum == NULL)
        host->error(host, "%s: out of memory", what);
    return sum;
}

/* E(x) = −β⁻¹ log(ε + Σ_μ ReLU(1 − (β/2)‖x − ξ_μ‖²)) for n states. [thread-safe] */
static int lsr_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                      double *energy)
{
    const lsr *e = self;
    int rc = check_ready(e, host, "energy", x, n);
    for (uint64_t r = 0; rc == BASIN_OK && r < n; r++) {
        double z;
        uint64_t members;
        rc = support(e, x + r * e->dim, &z, &members, NULL);
        if (rc != BASIN_OK) {
            host->error(host, "energy: state %llu is not finite", (unsigned long long)r);
            break;
        }
        energy[r] = -log(z) / e->beta;
    }
    return rc;
}

/* ∇E(x) = (|S| x − Σ_S ξ_μ) / Z for n states. [thread-safe] */
static int lsr_gradient(void *self, const basin_host *host, const float *x, uint64_t n,
                        float *gradient)
{
    const lsr *e = self;
    int rc = check_ready(e, host, "gradient", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    double *sum = scratch(e, host, "gradient");
    if (sum == NULL)
        return BASIN_ENOMEM;
    const size_t dim = e->dim;
    for (uint64_t r = 0; r < n; r++) {
        const float *xr = x + r * dim;
        double z;
        uint64_t members;
        rc = support(e, xr, &z, &members, sum);
        if (rc != BASIN_OK) {
            host->error(host, "gradient: state %llu is not finite",
                        (unsigned long long)r);
            break;
        }
        for (size_t i = 0; i < dim; i++)
            gradient[r * dim + i] = (float)(((double)members * xr[i] - sum[i]) / z);
    }
    free(sum);
    return rc;
}

/* x ← centroid of the patterns whose supports contain x (x kept when none does),
   for n states; out may equal x. [thread-safe] */
static int lsr_update(void *self, const basin_host *host, const float *x, uint64_t n,
                      float *out)
{
    const lsr *e = self;
    int rc = check_ready(e, host, "update", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    double *sum = scratch(e, host, "update");
    if (sum == NULL)
        return BASIN_ENOMEM;
    const size_t dim = e->dim;
    for (uint64_t r = 0; r < n; r++) {
        double z;
        uint64_t members;
        rc = support(e, x + r * dim, &z, &members, sum);
        if (rc != BASIN_OK) {
            host->error(host, "update: state %llu is not finite", (unsigned long long)r);
            break;
        }
        if (members == 0) {
            if (out != x)
                memcpy(out + r * dim, x + r * dim, dim * sizeof *out);
            continue;
        }
        for (size_t i = 0; i < dim; i++)
            out[r * dim + i] = (float)(sum[i] / (double)members);
    }
    free(sum);
    return rc;
}

/* H(x_r) v_r = (|S|/Z) v_r + (β/Z²) u (u·v_r), u = |S| x_r − Σ_S ξ_μ, for n pairs.
   [thread-safe] */
static int lsr_hessian_vector(void *self, const basin_host *host, const float *x,
                              const float *v, uint64_t n, float *out)
{
    const lsr *e = self;
    int rc = check_ready(e, host, "hessian_vector", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    if (v == NULL) {
        host->error(host, "hessian_vector: directions are NULL");
        return BASIN_EINVAL;
    }
    double *sum = scratch(e, host, "hessian_vector");
    if (sum == NULL)
        return BASIN_ENOMEM;
    const size_t dim = e->dim;
    for (uint64_t r = 0; r < n; r++) {
        const float *xr = x + r * dim, *vr = v + r * dim;
        double z;
        uint64_t members;
        rc = support(e, xr, &z, &members, sum);
        if (rc != BASIN_OK) {
            host->error(host, "hessian_vector: state %llu is not finite",
                        (unsigned long long)r);
            break;
        }
        double uv = 0;
        for (size_t i = 0; i < dim; i++) {
            sum[i] = (double)members * xr[i] - sum[i]; /* u */
            uv += sum[i] * vr[i];
        }
        const double diagonal = (double)members / z, rank_one = e->beta * uv / (z * z);
        for (size_t i = 0; i < dim; i++)
            out[r * dim + i] = (float)(diagonal * vr[i] + rank_one * sum[i]);
    }
    free(sum);
    return rc;
}

static const basin_energy_iface lsr_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = 0,
    .create = lsr_create,
    .destroy = lsr_destroy,
    .encode = lsr_encode,
    .energy = lsr_energy,
    .gradient = lsr_gradient,
    .update = lsr_update,
    .hessian_vector = lsr_hessian_vector,
};

static const basin_descriptor lsr_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "log-sum-ReLU (Epanechnikov) dense associative memory (Hoover et al. "
               "2025): E = -log(eps + sum_mu ReLU(1 - beta/2 |x - xi_mu|^2)) / beta",
    .params = lsr_params,
    .iface = &lsr_iface,
};

static const basin_descriptor *const lsr_plugins[] = {
    &lsr_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "lsr-energy",
    lsr_plugins,
};

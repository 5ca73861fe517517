/*
 * energies/hopfield — the classical Hopfield network with Hebbian storage
 * (Hopfield 1982, PNAS 79:2554; Amit, Gutfreund & Sompolinsky 1985, PRA 32:1007):
 *
 *   W = (1/N) Σ_μ ξ_μ ξ_μᵀ, with W_ii = 0          (Hebb rule; `diagonal = keep`
 *                                                    keeps W_ii = Σ_μ (ξ^μ_i)²/N)
 *   E(x) = −½ xᵀ W x,   h = W x (local fields),   ∇E = −W x,
 *   update x_i ← sign(h_i), sign(0) keeping x_i.
 *
 * Flipping spin i changes the energy by ΔE_i = 2 x_i (h_i − W_ii x_i).
 *
 * Scaled, exact storage. The instance keeps J = N W = Σ_μ ξ_μ ξ_μᵀ and the spin cache
 * holds the scaled fields N h = J x; every evaluation divides by N once, in double.
 * For ±1 (more generally integer) memories J and N h are integers, and a float32
 * holds them exactly while they stay below 2^24 in magnitude. Every partial sum of
 * the SYRK that builds J is bounded by max_i Σ_μ (ξ^μ_i)² (= K), and every partial
 * sum of the GEMM that builds J x, and every field after any sequence of spin flips,
 * by max_i Σ_j |J_ij| (≤ K N). When both bounds are below 2^24 (always for
 * N = 1000 with K up to 16 000) the dynamics run in exact integer arithmetic: no
 * rounding drift however many flips, and ties (ΔE = 0 exactly, common with Hebbian
 * couplings) are seen as ties. encode() checks the bounds and logs a warning when
 * they do not hold (see spin_flip for the error then).
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

#define PLUGIN_ID "energies/hopfield"

/* Rows per GEMM: keeps scratch to ≤ 2^22 floats (16 MiB) and cblas ints in range. */
#define FIELD_CHUNK_FLOATS ((size_t)1 << 22)

/* Integers up to 2^24 are exact in float32. */
#define FLOAT_EXACT_INTEGER 16777216.0

enum { P_DIAGONAL, N_PARAMS };

static const basin_param_def hopfield_params[N_PARAMS + 1] = {
    [P_DIAGONAL] =
        {"diagonal", BASIN_PARAM_CHOICE, 0, "zero", 0, 0, "zero|keep", 0,
         "zero: W_ii = 0 (Hopfield 1982); keep: keep the Hebbian self-couplings W_ii = K/N"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct hopfield {
    uint32_t dim;         /* N */
    int keep_diagonal;    /* 0: W_ii = 0 */
    double inv_dim;       /* 1/N */
    uint64_t n_memories;  /* K */
    float *couplings;     /* J = N W, N × N, symmetric; NULL before encode */
    float *self_coupling; /* J_ii, N entries (zeros unless keep_diagonal) */
} hopfield;

/* Release an energy; NULL is ignored. */
static void hopfield_destroy(void *self)
{
    hopfield *e = self;
    if (e == NULL)
        return;
    free(e->couplings);
    free(e->self_coupling);
    free(e);
}

/*
 * A Hopfield energy on dim spins, empty until encode(). params: `diagonal`.
 * Returns BASIN_EINVAL for a bad choice or a dim whose N × N couplings cannot be
 * addressed, BASIN_ENOMEM.
 */
static int hopfield_create(const basin_host *host, const basin_value *params,
                           uint32_t dim, void **self)
{
    *self = NULL;
    const char *diagonal = params[P_DIAGONAL].string;
    int keep;
    if (strcmp(diagonal, "zero") == 0) {
        keep = 0;
    } else if (strcmp(diagonal, "keep") == 0) {
        keep = 1;
    } else {
        host->error(host, "diagonal = \"%s\" is not one of zero|keep", diagonal);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX || (size_t)dim > SIZE_MAX / sizeof(float) / dim) {
        host->error(host, "dim = %u: the %u × %u couplings cannot be addressed", dim, dim,
                    dim);
        return BASIN_EINVAL;
    }
    hopfield *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->keep_diagonal = keep;
    e->inv_dim = 1.0 / dim;
    *self = e;
    return BASIN_OK;
}

/*
 * Scan the memories: BASIN_ENUMERIC (with the entry) on NaN/Inf; *integral = 1 when
 * every entry is an integer; *max_square = max_i Σ_μ (ξ^μ_i)² (the largest J_ii,
 * which bounds every |J_ij| and every partial sum of the SYRK).
 */
static int scan_memories(const basin_host *host, const float *memories, uint64_t n,
                         uint32_t dim, double *column_squares, int *integral,
                         double *max_square)
{
    *integral = 1;
    memset(column_squares, 0, dim * sizeof *column_squares);
    for (uint64_t mu = 0; mu < n; mu++) {
        const float *row = memories + (size_t)mu * dim;
        for (uint32_t i = 0; i < dim; i++) {
            const double v = row[i];
            if (!isfinite(v)) {
                host->error(host, "encode: memory %llu entry %u is %g",
                            (unsigned long long)mu, i, v);
                return BASIN_ENUMERIC;
            }
            if (v != floor(v))
                *integral = 0;
            column_squares[i] += v * v;
        }
    }
    *max_square = 0;
    for (uint32_t i = 0; i < dim; i++)
        if (column_squares[i] > *max_square)
            *max_square = column_squares[i];
    return BASIN_OK;
}

/*
 * Store n memories (n × dim, borrowed): J = Σ_μ ξ_μ ξ_μᵀ by SSYRK (upper triangle,
 * in chunks of memories so cblas ints stay in range), mirrored to the lower
 * triangle, diagonal zeroed unless `diagonal = keep`. Replaces what an earlier
 * encode stored. Returns BASIN_EINVAL, BASIN_ENOMEM (naming the N × N size) or
 * BASIN_ENUMERIC (non-finite memory). Called from one thread.
 */
static int hopfield_encode(void *self, const basin_host *host, const float *memories,
                           uint64_t n)
{
    hopfield *e = self;
    const size_t dim = e->dim;
    if (n > 0 && memories == NULL) {
        host->error(host, "encode: memories is NULL");
        return BASIN_EINVAL;
    }
    if (n > SIZE_MAX / dim) {
        host->error(host, "encode: %llu memories of dim %zu overflow",
                    (unsigned long long)n, dim);
        return BASIN_EINVAL;
    }
    float *couplings = malloc(dim * dim * sizeof *couplings);
    float *self_coupling = calloc(dim, sizeof *self_coupling);
    double *column_squares = malloc(dim * sizeof *column_squares);
    if (couplings == NULL || self_coupling == NULL || column_squares == NULL) {
        host->error(host, "encode: cannot allocate the %zu × %zu couplings (%zu bytes)",
                    dim, dim, dim * dim * sizeof *couplings);
        free(couplings);
        free(self_coupling);
        free(column_squares);
        return BASIN_ENOMEM;
    }
    int integral;
    double max_square;
    int rc =
        scan_memories(host, memories, n, e->dim, column_squares, &integral, &max_square);
    free(column_squares);
    if (rc != BASIN_OK) {
        free(couplings);
        free(self_coupling);
        return rc;
    }

    /* J (upper triangle) = Σ over chunks of ξᵀξ: one SSYRK per chunk of memories. */
    if (n == 0) {
        memset(couplings, 0, dim * dim * sizeof *couplings);
    } else {
        const uint64_t chunk = (uint64_t)INT_MAX / dim;
        for (uint64_t first = 0; first < n; first += chunk) {
            const uint64_t rows = n - first < chunk ? n - first : chunk;
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)dim, (int)rows, 1.0f,
                        memories + (size_t)first * dim, (int)dim,
                        first == 0 ? 0.0f : 1.0f, couplings, (int)dim);
        }
    }
    for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < i; j++)
            couplings[i * dim + j] = couplings[j * dim + i];
    for (size_t i = 0; i < dim; i++) {
        if (e->keep_diagonal)
            self_coupling[i] = couplings[i * dim + i];
        else
            couplings[i * dim + i] = 0.0f;
    }

    /* The exactness bound of the header comment: max_i Σ_j |J_ij| and max J_ii. */
    double max_row = 0;
    for (size_t i = 0; i < dim; i++) {
        double row = 0;
        for (size_t j = 0; j < dim; j++)
            row += fabs(couplings[i * dim + j]);
        if (row > max_row)
            max_row = row;
    }
    if (integral &&
        (max_row >= FLOAT_EXACT_INTEGER || max_square >= FLOAT_EXACT_INTEGER) &&
        host->log != NULL)
        host->log(host, BASIN_LOG_WARN,
                  PLUGIN_ID ": local fields may reach %.0f ≥ 2^24: float32 fields are "
                            "no longer exact integers and exact ties may be broken by "
                            "rounding",
                  max_row);

    free(e->couplings);
    free(e->self_coupling);
    e->couplings = couplings;
    e->self_coupling = self_coupling;
    e->n_memories = n;
    return BASIN_OK;
}

/* BASIN_EINVAL unless encode() has run and x is given. */
static int check_ready(const hopfield *e, const basin_host *host, const char *what,
                       const void *x, uint64_t n)
{
    if (e->couplings == NULL) {
        host->error(host, "%s called before encode", what);
        return BASIN_EINVAL;
    }
    if (n > 0 && x == NULL) {
        host->error(host, "%s: states are NULL", what);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* Rows per GEMM so that rows × N ≤ FIELD_CHUNK_FLOATS (at least one row). */
static size_t rows_per_chunk(const hopfield *e)
{
    size_t rows = FIELD_CHUNK_FLOATS / e->dim;
    return rows == 0 ? 1 : rows;
}

/*
 * out (rows × N) = scale · X Jᵀ = scale · (N h) for rows ≤ rows_per_chunk states:
 * one SGEMM (J is symmetric). [thread-safe]
 */
static void scaled_fields(const hopfield *e, const float *x, size_t rows, float *out,
                          float scale)
{
    linalg_gemm_nt(x, e->couplings, out, rows, e->dim, e->dim, scale, 0.0f);
}

/*
 * E(x) = −½ xᵀ W x = −(1/2N) Σ_i x_i (J x)_i for n states (n × N), fields by GEMM in
 * chunks, sums in double, into energy[n]. Returns BASIN_EINVAL before encode,
 * BASIN_ENOMEM. [thread-safe]
 */
static int hopfield_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                           double *energy)
{
    const hopfield *e = self;
    int rc = check_ready(e, host, "energy", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t chunk = rows_per_chunk(e);
    const size_t dim = e->dim;
    float *fields = malloc((n < chunk ? n : chunk) * dim * sizeof *fields);
    if (fields == NULL) {
        host->error(host, "energy: out of memory for the local fields");
        return BASIN_ENOMEM;
    }
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        scaled_fields(e, x + first * dim, rows, fields, 1.0f);
        for (size_t r = 0; r < rows; r++)
            energy[first + r] = -0.5 * e->inv_dim *
                                linalg_dot(x + (first + r) * dim, fields + r * dim, dim);
    }
    free(fields);
    return BASIN_OK;
}

/* ∇E(x) = −W x = −(1/N) J x for n states into gradient (n × N, not overlapping x).
   [thread-safe] */
static int hopfield_gradient(void *self, const basin_host *host, const float *x,
                             uint64_t n, float *gradient)
{
    const hopfield *e = self;
    int rc = check_ready(e, host, "gradient", x, n);
    if (rc != BASIN_OK)
        return rc;
    const size_t chunk = rows_per_chunk(e);
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        scaled_fields(e, x + first * e->dim, rows, gradient + first * e->dim,
                      (float)-e->inv_dim);
    }
    return BASIN_OK;
}

/*
 * The synchronous update x_i ← sign(h_i), h = W x, with sign(0) keeping x_i
 * (Hopfield 1982), for n states into out (n × N; out may equal x). [thread-safe]
 */
static int hopfield_update(void *self, const basin_host *host, const float *x, uint64_t n,
                           float *out)
{
    const hopfield *e = self;
    int rc = check_ready(e, host, "update", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t chunk = rows_per_chunk(e);
    const size_t dim = e->dim;
    float *fields = malloc((n < chunk ? n : chunk) * dim * sizeof *fields);
    if (fields == NULL) {
        host->error(host, "update: out of memory for the local fields");
        return BASIN_ENOMEM;
    }
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        scaled_fields(e, x + first * dim, rows, fields, 1.0f);
        for (size_t k = 0; k < rows * dim; k++) {
            const float h = fields[k];
            const size_t at = first * dim + k;
            out[at] = h > 0 ? 1.0f : h < 0 ? -1.0f : x[at];
        }
    }
    free(fields);
    return BASIN_OK;
}

/* N floats per state: the scaled local fields N h = J x. [thread-safe] */
static uint64_t hopfield_spin_cache_size(void *self)
{
    const hopfield *e = self;
    return e->dim;
}

/* cache (n × N) = J x for n ±1 states, by GEMM in chunks. [thread-safe] */
static int hopfield_spin_init(void *self, const basin_host *host, const float *x,
                              uint64_t n, float *cache)
{
    const hopfield *e = self;
    int rc = check_ready(e, host, "spin_init", x, n);
    if (rc != BASIN_OK)
        return rc;
    const size_t chunk = rows_per_chunk(e);
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        scaled_fields(e, x + first * e->dim, rows, cache + first * e->dim, 1.0f);
    }
    return BASIN_OK;
}

/*
 * ΔE_i = E(x with x_i → −x_i) − E(x) = 2 x_i (h_i − W_ii x_i)
 *      = (2/N) x_i ((J x)_i − J_ii x_i), from the cache. O(1). [thread-safe]
 */
static double hopfield_spin_delta(void *self, const float *x, const float *cache,
                                  uint32_t i)
{
    const hopfield *e = self;
    const double field = (double)cache[i] - (double)e->self_coupling[i] * x[i];
    return 2.0 * e->inv_dim * (double)x[i] * field;
}

/*
 * Flip spin i of one state and update its cache: x_i ← −x_i, then
 * (J x)_j += J_ji · 2 x_i(new) for every j (J is symmetric: row i is column i). O(N).
 *
 * Accuracy: for integer memories under the 2^24 bound of the header comment every
 * term and every sum is an exact float32 integer, so the cache equals a fresh
 * spin_init bit for bit after any number of flips. Otherwise (real-valued memories)
 * each flip adds one rounding of at most 2^-24 max_j |(J x)_j| per field, a random
 * walk: after F flips the drift is typically √F · 6e-8 · max|J x| (≤ F times that),
 * i.e. ~2e-6 relative after the ~N/2 + O(N) flips of a retrieval at N = 1000 —
 * the same order as the rounding of the float32 GEMM in a fresh spin_init. With
 * continuous memories exact ties have probability zero, so a decision can change
 * only for a spin whose |ΔE| is within that rounding, where either choice is a
 * valid descent to float precision. [thread-safe on distinct states]
 */
static void hopfield_spin_flip(void *self, float *x, float *cache, uint32_t i)
{
    const hopfield *e = self;
    const size_t dim = e->dim;
    x[i] = -x[i];
    const float twice_new = x[i] > 0 ? 2.0f : -2.0f;
    const float *restrict row = e->couplings + (size_t)i * dim;
    float *restrict fields = cache;
    /* Straight-line blocks of 8 (all loads before the stores), which the compiler
       turns into vector instructions (SLP) at -O2. */
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        float h[8], w[8];
        memcpy(h, fields + j, sizeof h);
        memcpy(w, row + j, sizeof w);
        for (int t = 0; t < 8; t++)
            h[t] += twice_new * w[t];
        memcpy(fields + j, h, sizeof h);
    }
    for (; j < dim; j++)
        fields[j] += twice_new * row[j];
}

static const basin_energy_iface hopfield_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = BASIN_ENERGY_BINARY,
    .create = hopfield_create,
    .destroy = hopfield_destroy,
    .encode = hopfield_encode,
    .energy = hopfield_energy,
    .gradient = hopfield_gradient,
    .update = hopfield_update,
    .spin_cache_size = hopfield_spin_cache_size,
    .spin_init = hopfield_spin_init,
    .spin_delta = hopfield_spin_delta,
    .spin_flip = hopfield_spin_flip,
};

static const basin_descriptor hopfield_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "classical Hopfield network: Hebbian couplings, E = -1/2 x^T W x",
    .params = hopfield_params,
    .iface = &hopfield_iface,
};

static const basin_descriptor *const hopfield_plugins[] = {
    &hopfield_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "hopfield-energy",
    hopfield_plugins,
};

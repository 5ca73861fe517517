/*
 * energies/dense — Dense Associative Memory on ±1 states (Krotov & Hopfield 2016,
 * "Dense Associative Memory for Pattern Recognition", arXiv:1606.01164, Eq. 2;
 * docs/science.md, Dense associative memory), with the exponential interaction of
 * Demircigil, Heusel, Löwe, Upgang & Vermet 2017 (J. Stat. Phys. 168:288,
 * arXiv:1702.01929):
 *
 *   E(x) = −Σ_μ F(h_μ),   h_μ = ξ_μ·x  (the overlaps),
 *   F(h) = hⁿ (poly), max(h, 0)ⁿ (rectified), e^{βh} (exp).
 *
 * Flipping spin i changes every overlap by −2 ξ_μi x_i, so (KH 2016's update rule)
 *
 *   ΔE_i = −Σ_μ [F(h_μ − 2 ξ_μi x_i) − F(h_μ)],
 *
 * O(K) from a spin cache holding the K overlaps. energy() and gradient() evaluate
 * the same formula at any real x (the continuous extension, ∇E = −Σ_μ F'(h_μ) ξ_μ).
 *
 * Scaling of the exp energy. e^{βh} overflows a double once βh > 709 (h = N = 1000
 * at β = 1). Every exp energy, gradient and difference is therefore reported times
 * the constant e^{−c}, c = β max_μ ‖ξ_μ‖₁ (= βN for ±1 memories), so that
 * F(h) e^{−c} ≤ 1 on ±1 states: E ∈ [−K, 0]. A constant positive factor changes no
 * dynamics (every ΔE keeps its sign and ordering). Far from every memory the scaled
 * values underflow (e^{β(h − c)} < 1e-308); spin_delta still returns the right
 * sign, because it sums in a per-state shifted log domain and only scales at the
 * end: a difference too small for a double comes back as ±DBL_TRUE_MIN.
 *
 * Overflow of poly / rectified. F(h) ≤ (max‖ξ‖₁)ⁿ must fit a double: create()
 * refuses n with Nⁿ > 1e308, encode() K·(max‖ξ‖₁)ⁿ > 1e308.
 *
 * Exactness. The cache holds h_μ in float32. For integer memories (±1) and ±1
 * states the overlaps are integers and exact while max‖ξ‖₁ < 2^24, and flips keep
 * them exact forever. poly / rectified differences are then sums of integers, exact
 * in double while 2K(max‖ξ‖₁ + 2 max|ξ|)ⁿ < 2^53: ties (ΔE = 0) are seen as ties,
 * and n = 2 reproduces the Hopfield dynamics flip for flip. Outside that range (and
 * always for exp) spin_delta returns 0 when |ΔE| is within its own rounding bound,
 * about (K + 4β max‖ξ‖₁) 2^-52 of the largest term F(h): a flip is taken only when
 * it truly lowers E, so rounding never makes the dynamics cycle. Such near ties are
 * ones where the largest terms cancel exactly (pattern μ moving from overlap a to b
 * and ν from b to a) and the sign is set by terms below double precision.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

#define PLUGIN_ID "energies/dense"

/* Scratch per GEMM: rows × K ≤ 2^22 floats (16 MiB). */
#define CHUNK_FLOATS ((size_t)1 << 22)

/* Integers up to 2^24 are exact in float32, up to 2^53 in double. */
#define FLOAT_EXACT_INTEGER  16777216.0
#define DOUBLE_EXACT_INTEGER 9007199254740992.0

/* log(1e308): the largest F a double holds, with a margin below DBL_MAX. */
#define LOG_DOUBLE_LIMIT 709.196208642166

enum { F_POLY, F_RECTIFIED, F_EXP };
enum { P_FUNCTION, P_N, P_BETA, N_PARAMS };

static const basin_param_def dense_params[N_PARAMS + 1] = {
    [P_FUNCTION] =
        {"function", BASIN_PARAM_CHOICE, 0, "poly", 0, 0, "poly|rectified|exp", 0,
         "interaction F: poly h^n, rectified max(h,0)^n (Krotov & Hopfield 2016), "
         "exp e^(beta h) (Demircigil et al. 2017)"},
    [P_N] =
        {"n", BASIN_PARAM_INT, 3, NULL, 2, 1000, NULL, 0,
         "the degree n of poly and rectified interactions (2 is the Hopfield energy)"},
    [P_BETA] = {"beta", BASIN_PARAM_REAL, 1, NULL, 0, 1e300, NULL,
                BASIN_PARAM_MIN_EXCLUSIVE,
                "inverse temperature beta of the exp interaction (exp only)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct dense {
    uint32_t dim;        /* N */
    int function;        /* F_* */
    int degree;          /* n (poly, rectified) */
    double beta;         /* β (exp) */
    uint64_t n_memories; /* K; 0 before encode */
    float *patterns;     /* K × N, row-major */
    float *transposed;   /* N × K: column i of the patterns is row i here */
    double shift;        /* exp: c, every value is scaled by e^{−c}; else 0 */
    double tolerance;    /* spin_delta: |ΔE| ≤ tolerance · Σ|F| counts as 0 */
    int unit_memories;   /* every entry ±1 (exp: one exp per term, see exp_delta) */
    double flip_up, flip_down; /* exp: e^{2β}, e^{−2β} */
} dense;

/* Release an energy; NULL is ignored. */
static void dense_destroy(void *self)
{
    dense *e = self;
    if (e == NULL)
        return;
    free(e->patterns);
    free(e->transposed);
    free(e);
}

/*
 * A dense energy on dim spins, empty until encode(). params: function, n, beta.
 * BASIN_EINVAL for a bad choice, n < 2, β ≤ 0 or a poly / rectified Nⁿ > 1e308;
 * BASIN_ENOMEM.
 */
static int dense_create(const basin_host *host, const basin_value *params, uint32_t dim,
                        void **self)
{
    *self = NULL;
    const char *name = params[P_FUNCTION].string;
    const double n = params[P_N].number, beta = params[P_BETA].number;
    int function;
    if (strcmp(name, "poly") == 0) {
        function = F_POLY;
    } else if (strcmp(name, "rectified") == 0) {
        function = F_RECTIFIED;
    } else if (strcmp(name, "exp") == 0) {
        function = F_EXP;
    } else {
        host->error(host, "function = \"%s\" is not one of poly|rectified|exp", name);
        return BASIN_EINVAL;
    }
    if (!(n >= 2 && n <= 1000 && n == floor(n))) {
        host->error(host, "n = %g must be an integer in [2, 1000]", n);
        return BASIN_EINVAL;
    }
    if (!(beta > 0 && beta <= 1e300)) {
        host->error(host, "beta = %g must be > 0 (and finite)", beta);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    if (function != F_EXP && n * log((double)dim) > LOG_DOUBLE_LIMIT) {
        host->error(host, "n = %g with dim %u overflows: N^n > 1e308", n, dim);
        return BASIN_EINVAL;
    }
    dense *e = calloc(1, sizeof *e);
    if (e == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->function = function;
    e->degree = (int)n;
    e->beta = beta;
    *self = e;
    return BASIN_OK;
}

/* hⁿ for n ≥ 2, by multiplications only (exact for integers while < 2^53). */
static inline double power(double h, int n)
{
    switch (n) {
    case 2:
        return h * h;
    case 3:
        return h * h * h;
    case 4: {
        const double s = h * h;
        return s * s;
    }
    default: {
        double result = 1, base = h;
        for (int k = n; k > 0; k >>= 1) {
            if (k & 1)
                result *= base;
            base *= base;
        }
        return result;
    }
    }
}

/* F(h) for poly and rectified (unscaled). */
static inline double interaction(const dense *e, double h)
{
    if (e->function == F_RECTIFIED && h <= 0)
        return 0;
    return power(h, e->degree);
}

/* F(h) e^{−c}, any function. */
static inline double scaled_interaction(const dense *e, double h)
{
    if (e->function == F_EXP)
        return exp(e->beta * h - e->shift);
    return interaction(e, h);
}

/* F'(h) e^{−c}, any function. */
static inline double scaled_derivative(const dense *e, double h)
{
    switch (e->function) {
    case F_EXP:
        return e->beta * exp(e->beta * h - e->shift);
    case F_RECTIFIED:
        if (h <= 0)
            return 0;
        /* fall through */
    default:
        return e->degree * power(h, e->degree - 1);
    }
}

/*
 * Store n memories (n × dim, borrowed; any finite reals, ±1 for the exactness of the
 * header comment). Replaces an earlier encode. Returns BASIN_EINVAL (no memories,
 * K too large for BLAS, or poly / rectified K·(max‖ξ‖₁)ⁿ > 1e308), BASIN_ENUMERIC
 * (a non-finite entry) or BASIN_ENOMEM. Called from one thread.
 */
static int dense_encode(void *self, const basin_host *host, const float *memories,
                        uint64_t n)
{
    dense *e = self;
    const size_t dim = e->dim;
    if (n == 0) {
        host->error(host, "encode: no memories (K = 0)");
        return BASIN_EINVAL;
    }
    if (memories == NULL) {
        host->error(host, "encode: memories is NULL");
        return BASIN_EINVAL;
    }
    if (n > INT_MAX || n > SIZE_MAX / sizeof(float) / dim) {
        host->error(host, "encode: %llu memories of dim %zu are too many",
                    (unsigned long long)n, dim);
        return BASIN_EINVAL;
    }
    const size_t k = (size_t)n;
    int integral = 1, unit = 1;
    double max_l1 = 0, max_abs = 0;
    for (size_t mu = 0; mu < k; mu++) {
        double l1 = 0;
        for (size_t i = 0; i < dim; i++) {
            const double v = memories[mu * dim + i];
            if (!isfinite(v)) {
                host->error(host, "encode: memory %zu entry %zu is %g", mu, i, v);
                return BASIN_ENUMERIC;
            }
            if (v != floor(v))
                integral = 0;
            if (v != 1 && v != -1)
                unit = 0;
            l1 += fabs(v);
            max_abs = fmax(max_abs, fabs(v));
        }
        max_l1 = fmax(max_l1, l1);
    }
    /* The largest overlap of a ±1 state, and after one flip. */
    const double reach = max_l1 + 2 * max_abs;
    double tolerance;
    if (e->function == F_EXP) {
        if (!isfinite(e->beta * reach)) {
            host->error(host, "encode: beta = %g times max ‖ξ‖₁ = %g overflows", e->beta,
                        max_l1);
            return BASIN_EINVAL;
        }
        /* exp(βh − m) has relative error ≤ 2^-53 (1 + |βh| + |m|) from its argument,
           and the K-term sums add K + 2 roundings. */
        tolerance = ((double)k + 8 + 4 * e->beta * reach) * 0x1p-52;
    } else {
        if (max_l1 > 0 && log((double)k) + e->degree * log(max_l1) > LOG_DOUBLE_LIMIT) {
            host->error(host,
                        "encode: K·(max ‖ξ‖₁)^n = %llu·%g^%d overflows: "
                        "it exceeds 1e308",
                        (unsigned long long)n, max_l1, e->degree);
            return BASIN_EINVAL;
        }
        const int exact = integral && reach < FLOAT_EXACT_INTEGER &&
                          log(2.0 * (double)k) + e->degree * log(fmax(reach, 1)) <
                              log(DOUBLE_EXACT_INTEGER);
        /* hⁿ by ≤ 2 log2 n multiplications, then K + 2 roundings in the sums. */
        tolerance = exact ? 0 : ((double)k + 8 + 2 * e->degree) * 0x1p-52;
    }
    if (integral && reach >= FLOAT_EXACT_INTEGER && host->log != NULL)
        host->log(host, BASIN_LOG_WARN,
                  PLUGIN_ID ": overlaps may reach %.0f ≥ 2^24: float32 overlaps are no "
                            "longer exact integers",
                  reach);

    float *patterns = malloc(k * dim * sizeof *patterns);
    float *transposed = malloc(k * dim * sizeof *transposed);
    if (patterns == NULL || transposed == NULL) {
        host->error(host, "encode: cannot allocate 2 × %zu × %zu floats", k, dim);
        free(patterns);
        free(transposed);
        return BASIN_ENOMEM;
    }
    memcpy(patterns, memories, k * dim * sizeof *patterns);
    for (size_t mu = 0; mu < k; mu++)
        for (size_t i = 0; i < dim; i++)
            transposed[i * k + mu] = patterns[mu * dim + i];

    free(e->patterns);
    free(e->transposed);
    e->patterns = patterns;
    e->transposed = transposed;
    e->n_memories = n;
    e->shift = e->function == F_EXP ? e->beta * max_l1 : 0;
    e->tolerance = tolerance;
    e->unit_memories = unit && 2 * e->beta < 700;
    e->flip_up = exp(2 * e->beta);
    e->flip_down = exp(-2 * e->beta);
    return BASIN_OK;
}

/* BASIN_EINVAL unless encode() has run and x is given. */
static int check_ready(const dense *e, const basin_host *host, const char *what,
                       const void *x, uint64_t n)
{
    if (e->patterns == NULL) {
        host->error(host, "%s called before encode", what);
        return BASIN_EINVAL;
    }
    if (n > 0 && x == NULL) {
        host->error(host, "%s: states are NULL", what);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* Rows per GEMM so that rows × K ≤ CHUNK_FLOATS (at least one row). */
static size_t rows_per_chunk(const dense *e, uint64_t n)
{
    size_t rows = CHUNK_FLOATS / e->n_memories;
    if (rows == 0)
        rows = 1;
    return n < rows ? (size_t)n : rows;
}

/* overlaps (rows × K) = x Ξᵀ for rows states: one SGEMM. [thread-safe] */
static void overlaps(const dense *e, const float *x, size_t rows, float *out)
{
    linalg_gemm_nt(x, e->patterns, out, rows, e->n_memories, e->dim, 1.0f, 0.0f);
}

/*
 * E(x) e^{−c} = −Σ_μ F(ξ_μ·x) e^{−c} for n states (any reals) into energy[n].
 * BASIN_EINVAL before encode, BASIN_ENOMEM, BASIN_ENUMERIC if a state's energy is
 * not finite (a NaN entry, or |x_i| > 1 pushing F past a double). [thread-safe]
 */
static int dense_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                        double *energy)
{
    const dense *e = self;
    int rc = check_ready(e, host, "energy", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t k = e->n_memories, dim = e->dim, chunk = rows_per_chunk(e, n);
    float *h = malloc(chunk * k * sizeof *h);
    if (h == NULL) {
        host->error(host, "energy: out of memory for the overlaps");
        return BASIN_ENOMEM;
    }
    for (uint64_t first = 0; first < n && rc == BASIN_OK; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        overlaps(e, x + first * dim, rows, h);
        for (size_t r = 0; r < rows; r++) {
            double sum = 0;
            for (size_t mu = 0; mu < k; mu++)
                sum += scaled_interaction(e, h[r * k + mu]);
            energy[first + r] = -sum;
            if (!isfinite(sum)) {
                host->error(host, "energy: state %llu: E is %g (overflow or NaN)",
                            (unsigned long long)(first + r), -sum);
                rc = BASIN_ENUMERIC;
                break;
            }
        }
    }
    free(h);
    return rc;
}

/*
 * ∇E(x) e^{−c} = −Σ_μ F'(ξ_μ·x) e^{−c} ξ_μ for n states into gradient (n × N, not
 * overlapping x): overlaps by SGEMM, weights in double rounded to float, then one
 * SGEMM with the transposed patterns. BASIN_ENUMERIC if an entry does not fit a
 * float. [thread-safe]
 */
static int dense_gradient(void *self, const basin_host *host, const float *x, uint64_t n,
                          float *gradient)
{
    const dense *e = self;
    int rc = check_ready(e, host, "gradient", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t k = e->n_memories, dim = e->dim, chunk = rows_per_chunk(e, n);
    float *w = malloc(chunk * k * sizeof *w);
    if (w == NULL) {
        host->error(host, "gradient: out of memory for the overlaps");
        return BASIN_ENOMEM;
    }
    for (uint64_t first = 0; first < n && rc == BASIN_OK; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        overlaps(e, x + first * dim, rows, w);
        for (size_t t = 0; t < rows * k; t++) {
            const double d = -scaled_derivative(e, w[t]);
            if (!(fabs(d) <= FLT_MAX)) {
                host->error(host,
                            "gradient: state %llu: F'(h) = %g does not fit a "
                            "float",
                            (unsigned long long)(first + t / k), -d);
                rc = BASIN_ENUMERIC;
                break;
            }
            w[t] = (float)d;
        }
        if (rc != BASIN_OK)
            break;
        /* (rows × K) · (K × N) = w · (Ξᵀ)ᵀ with Ξᵀ stored N × K. */
        float *g = gradient + first * dim;
        linalg_gemm_nt(w, e->transposed, g, rows, dim, k, 1.0f, 0.0f);
        for (size_t t = 0; t < rows * dim; t++) {
            if (!isfinite(g[t])) {
                host->error(host, "gradient: state %llu: an entry overflows a float",
                            (unsigned long long)(first + t / dim));
                rc = BASIN_ENUMERIC;
                break;
            }
        }
    }
    free(w);
    return rc;
}

/* K floats per state: the overlaps h_μ = ξ_μ·x. [thread-safe] */
static uint64_t dense_spin_cache_size(void *self)
{
    const dense *e = self;
    return e->n_memories;
}

/* cache (n × K) = overlaps of n ±1 states, by SGEMM. [thread-safe] */
static int dense_spin_init(void *self, const basin_host *host, const float *x, uint64_t n,
                           float *cache)
{
    const dense *e = self;
    int rc = check_ready(e, host, "spin_init", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t chunk = rows_per_chunk(e, n);
    for (uint64_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        overlaps(e, x + first * e->dim, rows, cache + first * e->n_memories);
    }
    return BASIN_OK;
}

/*
 * exp: ΔE_i e^{−c} = −e^{−c} Σ_μ [e^{β(h_μ − 2s_μ)} − e^{βh_μ}], s_μ = ξ_μi x_i,
 * summed with a shift m ≥ every exponent (no overflow, the largest term ≥ e^{−4β|ξ|}),
 * scaled by e^{m − c} at the end; a result below the double range keeps its sign
 * as ±DBL_TRUE_MIN. For ±1 memories s_μ = ±1 and e^{β(h − 2s)} = e^{βh} e^{∓2β}:
 * one exp per term, with m = β (max h + 2).
 */
static double exp_delta(const dense *e, double xi, const float *column,
                        const float *cache)
{
    const size_t k = e->n_memories;
    const double beta = e->beta;
    double m = -INFINITY, delta = 0, size = 0;
    if (e->unit_memories) {
        float top = cache[0];
        for (size_t mu = 1; mu < k; mu++)
            top = cache[mu] > top ? cache[mu] : top;
        m = beta * ((double)top + 2);
        /* s_μ = +1 lowers the overlap: factor e^{−2β}; s_μ = −1 raises it. */
        const double lower = e->flip_down, raise = e->flip_up;
        for (size_t mu = 0; mu < k; mu++) {
            const double before = exp(beta * cache[mu] - m);
            const double after = before * (column[mu] * xi > 0 ? lower : raise);
            delta += after - before;
            size += after + before;
        }
    } else {
        for (size_t mu = 0; mu < k; mu++) {
            const double h = cache[mu], s = column[mu] * xi;
            m = fmax(m, beta * fmax(h, h - 2 * s));
        }
        for (size_t mu = 0; mu < k; mu++) {
            const double h = cache[mu], s = column[mu] * xi;
            const double after = exp(beta * (h - 2 * s) - m);
            const double before = exp(beta * h - m);
            delta += after - before;
            size += after + before;
        }
    }
    if (fabs(delta) <= e->tolerance * size)
        return 0;
    const double scaled = exp(log(fabs(delta)) + m - e->shift);
    return delta > 0 ? -fmax(scaled, DBL_TRUE_MIN) : fmax(scaled, DBL_TRUE_MIN);
}

/*
 * ΔE_i = E(x with x_i → −x_i) − E(x) = −Σ_μ [F(h_μ − 2 ξ_μi x_i) − F(h_μ)] (times
 * e^{−c} for exp), from the cached overlaps: O(K). 0 for a tie, exact or within
 * the rounding bound (header comment). [thread-safe]
 */
static double dense_spin_delta(void *self, const float *x, const float *cache, uint32_t i)
{
    const dense *e = self;
    const size_t k = e->n_memories;
    const float *column = e->transposed + (size_t)i * k;
    const double xi = x[i];
    if (e->function == F_EXP)
        return exp_delta(e, xi, column, cache);
    double delta = 0, size = 0;
    if (e->function == F_POLY && e->degree == 2) {
        /* the common Hopfield-like case, written out so that it vectorizes */
        for (size_t mu = 0; mu < k; mu++) {
            const double h = cache[mu], after = h - 2 * column[mu] * xi;
            delta += after * after - h * h;
            size += after * after + h * h;
        }
    } else {
        for (size_t mu = 0; mu < k; mu++) {
            const double h = cache[mu];
            const double after = interaction(e, h - 2 * column[mu] * xi);
            const double before = interaction(e, h);
            delta += after - before;
            size += fabs(after) + fabs(before);
        }
    }
    if (fabs(delta) <= e->tolerance * size)
        return 0;
    return -delta;
}

/*
 * Flip spin i of one state and update its overlaps: h_μ += 2 x_i(new) ξ_μi, O(K).
 * Exact for integer memories under the 2^24 bound (header comment); otherwise one
 * float rounding per overlap per flip, as in energies/hopfield. [thread-safe on
 * distinct states]
 */
static void dense_spin_flip(void *self, float *x, float *cache, uint32_t i)
{
    const dense *e = self;
    const size_t k = e->n_memories;
    x[i] = -x[i];
    const float twice_new = x[i] > 0 ? 2.0f : -2.0f;
    const float *restrict column = e->transposed + (size_t)i * k;
    float *restrict h = cache;
    for (size_t mu = 0; mu < k; mu++)
        h[mu] += twice_new * column[mu];
}

/*
 * The synchronous update of Krotov & Hopfield 2016 (their Eq. 3 applied to every
 * spin at once): x_i ← −x_i where ΔE_i < 0, else x_i, every ΔE_i on the state before
 * the update. States must be ±1 (BASIN_EINVAL otherwise); out may equal x.
 * [thread-safe]
 */
static int dense_update(void *self, const basin_host *host, const float *x, uint64_t n,
                        float *out)
{
    const dense *e = self;
    int rc = check_ready(e, host, "update", x, n);
    if (rc != BASIN_OK || n == 0)
        return rc;
    const size_t dim = e->dim, k = e->n_memories;
    for (size_t t = 0; t < (size_t)n * dim; t++) {
        if (x[t] != 1.0f && x[t] != -1.0f) {
            host->error(host, "update: state %zu entry %zu is %g, not ±1", t / dim,
                        t % dim, (double)x[t]);
            return BASIN_EINVAL;
        }
    }
    float *cache = malloc(k * sizeof *cache);
    uint8_t *flip = malloc(dim);
    if (cache == NULL || flip == NULL) {
        free(cache);
        free(flip);
        host->error(host, "update: out of memory");
        return BASIN_ENOMEM;
    }
    for (uint64_t r = 0; r < n; r++) {
        const float *xr = x + r * dim;
        overlaps(e, xr, 1, cache);
        for (uint32_t i = 0; i < dim; i++)
            flip[i] = dense_spin_delta(self, xr, cache, i) < 0;
        for (size_t i = 0; i < dim; i++)
            out[r * dim + i] = flip[i] ? -xr[i] : xr[i];
    }
    free(cache);
    free(flip);
    return BASIN_OK;
}

static const basin_energy_iface dense_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = BASIN_ENERGY_BINARY,
    .create = dense_create,
    .destroy = dense_destroy,
    .encode = dense_encode,
    .energy = dense_energy,
    .gradient = dense_gradient,
    .update = dense_update,
    .spin_cache_size = dense_spin_cache_size,
    .spin_init = dense_spin_init,
    .spin_delta = dense_spin_delta,
    .spin_flip = dense_spin_flip,
};

static const basin_descriptor dense_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "dense associative memory: E = -sum_mu F(xi_mu . x), F = h^n, "
               "max(h,0)^n or e^(beta h)",
    .params = dense_params,
    .iface = &dense_iface,
};

static const basin_descriptor *const dense_plugins[] = {
    &dense_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "dense-energy",
    dense_plugins,
};

/*
 * scores/patch — the local score (LS) and equivariant local score (ELS) machines
 * of Kamb & Ganguli 2025 ("An analytic theory of creativity in convolutional
 * diffusion models", ICML 2025, arXiv:2412.20292; docs/analytic-denoisers.md).
 *
 * States are images of height × width × channels (row-major, channels last; the
 * dataset's shape, which the host hands over through the height, width and
 * channels parameters). For a pixel p, Ω_p is the square patch of side P = 2r + 1
 * centred on p, and x_Ω the query's values there, read with zero padding: a patch
 * position outside the image holds 0 (the paper's treatment of the border, the
 * zero padding of a convolution, as in the authors' boundary-aware machine).
 *
 *   LS  (the paper's local score machine: locality alone): the posterior over the K training
 *       patches at the *same* location,
 *         x̂0(x)_p = Σ_μ W_μ ξ_μ(p),  W_μ = softmax_μ(−‖x_Ωp − α ξ_μ,Ωp‖² / 2σ²),
 *       so every pixel runs its own empirical denoiser on its neighbourhood.
 *   ELS (its equivariant local score machine: locality and equivariance): the posterior
 *       over the training patches at *every* location q,
 *         x̂0(x)_p = Σ_{μ,q} W_{μ,q} ξ_μ(q),
 *         W_{μ,q} = softmax_{μ,q}(−‖x_Ωp − α ξ_μ,Ωq‖² / 2σ²),
 *       a softmax over K·h·w patches per pixel. At the border the zero padding
 *       makes a patch's location partly visible (its zero rows and columns), so,
 *       as in the paper's boundary-aware ELS, a pixel compares only with the
 *       training patches whose padding pattern is its own: q ranges over the
 *       locations at the same clipped distances (min(i, r), min(h−1−i, r),
 *       min(j, r), min(w−1−j, r)) to the four edges. Interior pixels share one
 *       pool of K·(h−2r)·(w−2r) patches: there the machine is exactly
 *       translation equivariant.
 *
 * A patch that covers the whole image from every pixel (r ≥ max(h, w) − 1) makes
 * LS (and ELS, whose classes are then single locations) the empirical denoiser
 * scores/empirical exactly: the padded zeros add nothing to the distance.
 *
 * The patch side is `patch`, or a schedule over the noise-to-signal ratio σ/α
 * (`patch_schedule`; the paper calibrates one locality scale per time step).
 *
 * Cost: each class of locations (one location for LS) is one softmax_average
 * call of the shared kernel (core/kernels/softmax.h): two SGEMMs per chunk with an
 * online max-subtracted softmax, 4·rows·pool·D flops for D = P²·channels. LS:
 * 4·n·K·h·w·D per call. ELS: 4·n·K·(h·w)²·D at most (interior: 4·n·K·m²·D,
 * m = (h−2r)(w−2r)), (h·w) times LS — for Fashion-MNIST at P = 3, K = 100, about
 * 1.6 GFLOP per image per call. The kernel averages whole patches where only the
 * centre pixel is needed, so half its flops (the second GEMM) buy c of D outputs.
 * The pool of patches is gathered per call (K·m·D copies per class, 1/(4n) of the
 * GEMM work), so the plugin holds only the training images.
 *
 * σ = 0 (or logits that overflow) takes, per pixel, the centre of the nearest
 * pool patch to x_Ω/α, as scores/empirical does. Error messages leave out the
 * plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_args.h"
#include "nearest.h"
#include "softmax.h"

enum { P_MODE, P_PATCH, P_PATCH_SCHEDULE, P_HEIGHT, P_WIDTH, P_CHANNELS };

#define PATCH_MAX_SIDE  4097
#define PATCH_MAX_STEPS 64
#define PATCH_BLOCK     65536u /* query patches per softmax_average call */

static const basin_param_def patch_params[] = {
    [P_MODE] = {"mode", BASIN_PARAM_CHOICE, 0, "ls", 0, 0, "ls|els", 0,
                "ls: training patches at the same location (Kamb & Ganguli 2025 LS); "
                "els: at every location with the same border padding (ELS)"},
    [P_PATCH] = {"patch", BASIN_PARAM_INT, 3, NULL, 1, PATCH_MAX_SIDE, NULL, 0,
                 "side P of the square patch, odd (pixels)"},
    [P_PATCH_SCHEDULE] = {"patch_schedule", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
                          "\"P1:R1, P2:R2, ...\": side Pi where sigma/alpha <= Ri "
                          "(R ascending, the last side above the last R; \"\" = patch)"},
    [P_HEIGHT] = {"height", BASIN_PARAM_INT, 0, NULL, 0, 1 << 20, NULL, 0,
                  "image height (0 = the dataset's)"},
    [P_WIDTH] = {"width", BASIN_PARAM_INT, 0, NULL, 0, 1 << 20, NULL, 0,
                 "image width (0 = the dataset's)"},
    [P_CHANNELS] = {"channels", BASIN_PARAM_INT, 0, NULL, 0, 4096, NULL, 0,
                    "image channels (0 = the dataset's)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct patch_score {
    uint32_t dim, height, width, channels;
    int equivariant;
    uint32_t n_steps;               /* ≥ 1 */
    uint32_t side[PATCH_MAX_STEPS]; /* odd patch sides */
    double ratio[PATCH_MAX_STEPS];  /* side[i] where σ/α ≤ ratio[i] */
    int encoded;
    float *train; /* k × dim, owned */
    uint64_t k;
} patch_score;

static void patch_destroy(void *self)
{
    patch_score *s = self;
    if (s == NULL)
        return;
    free(s->train);
    free(s);
}

/* Parse "P1:R1, P2:R2, ..." into s; 0, or BASIN_EINVAL with a message. */
static int parse_schedule(const basin_host *host, const char *text, patch_score *s)
{
    const char *p = text;
    s->n_steps = 0;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        char *end;
        const long side = strtol(p, &end, 10);
        if (end == p || *end != ':' || side < 1 || side > PATCH_MAX_SIDE ||
            side % 2 == 0) {
            host->error(host,
                        "patch_schedule '%s': expected SIDE:RATIO pairs with an odd "
                        "SIDE in [1, %d] at '%s'",
                        text, PATCH_MAX_SIDE, p);
            return BASIN_EINVAL;
        }
        p = end + 1;
        const double ratio = strtod(p, &end);
        if (end == p || !(ratio >= 0) ||
            (s->n_steps && !(ratio > s->ratio[s->n_steps - 1]))) {
            host->error(host,
                        "patch_schedule '%s': RATIO at '%s' must be a number >= 0 "
                        "above the one before",
                        text, p);
            return BASIN_EINVAL;
        }
        if (s->n_steps == PATCH_MAX_STEPS) {
            host->error(host, "patch_schedule '%s': more than %d steps", text,
                        PATCH_MAX_STEPS);
            return BASIN_EINVAL;
        }
        s->side[s->n_steps] = (uint32_t)side;
        s->ratio[s->n_steps++] = ratio;
        p = end;
        while (*p == ' ')
            p++;
        if (*p && *p != ',') {
            host->error(host, "patch_schedule '%s': expected ',' at '%s'", text, p);
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

/*
 * A patch machine on dim coordinates. The image shape is the parameters' or, all
 * three 0, one channel on a square when dim is a square, else a 1 × dim row.
 * BASIN_EINVAL (an even side, a shape whose product is not dim, a bad schedule),
 * BASIN_ENOMEM.
 */
static int patch_create(const basin_host *host, const basin_value *params, uint32_t dim,
                        void **self)
{
    *self = NULL;
    if (dim == 0 || dim > INT_MAX) {
        host->error(host, "dim = %u is not in [1, %d]", dim, INT_MAX);
        return BASIN_EINVAL;
    }
    patch_score *s = calloc(1, sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->dim = dim;
    s->equivariant = strcmp(params[P_MODE].string, "els") == 0;
    double h = params[P_HEIGHT].number, w = params[P_WIDTH].number,
           c = params[P_CHANNELS].number;
    if (h == 0 && w == 0 && c == 0) {
        const uint32_t side = (uint32_t)llround(sqrt((double)dim));
        c = 1;
        h = side * side == dim ? side : 1;
        w = side * side == dim ? side : dim;
    } else if (c == 0)
        c = 1;
    if (!(h >= 1 && w >= 1 && c >= 1) || h * w * c != (double)dim) {
        host->error(host,
                    "height %g x width %g x channels %g is not dim = %u (set all "
                    "three, or none)",
                    h, w, c, dim);
        free(s);
        return BASIN_EINVAL;
    }
    s->height = (uint32_t)h;
    s->width = (uint32_t)w;
    s->channels = (uint32_t)c;
    const double side = params[P_PATCH].number;
    if (side != floor(side) || side < 1 || side > PATCH_MAX_SIDE || fmod(side, 2) == 0) {
        host->error(host, "patch = %g: need an odd side in [1, %d]", side,
                    PATCH_MAX_SIDE);
        free(s);
        return BASIN_EINVAL;
    }
    int rc = parse_schedule(host, params[P_PATCH_SCHEDULE].string, s);
    if (rc != BASIN_OK) {
        free(s);
        return rc;
    }
    if (s->n_steps == 0) {
        s->n_steps = 1;
        s->side[0] = (uint32_t)side;
        s->ratio[0] = INFINITY;
    }
    *self = s;
    return BASIN_OK;
}

/* Store the n training images (n × dim, copied). BASIN_EINVAL, BASIN_ENUMERIC,
   BASIN_ENOMEM. */
static int patch_encode(void *self, const basin_host *host, const float *train,
                        uint64_t n)
{
    patch_score *s = self;
    int rc = encode_args(host, train, n, s->dim);
    if (rc)
        return rc;
    float *copy = malloc((size_t)n * s->dim * sizeof *copy);
    if (copy == NULL) {
        host->error(host, "encode: cannot store %llu training points of dim %u",
                    (unsigned long long)n, s->dim);
        return BASIN_ENOMEM;
    }
    memcpy(copy, train, (size_t)n * s->dim * sizeof *copy);
    free(s->train);
    s->train = copy;
    s->k = n;
    s->encoded = 1;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

/* The patch side at noise-to-signal ratio σ/α. */
static uint32_t side_at(const patch_score *s, double ratio)
{
    for (uint32_t i = 0; i < s->n_steps; i++)
        if (ratio <= s->ratio[i])
            return s->side[i];
    return s->side[s->n_steps - 1];
}

/* The patch of side 2r + 1 centred on location loc of image img, zero-padded, into
   out (D = (2r + 1)²·c floats: rows, then columns, then channels). */
static void gather(const patch_score *s, const float *img, uint32_t loc, uint32_t r,
                   float *out)
{
    const long h = s->height, w = s->width, c = s->channels, i0 = loc / s->width,
               j0 = loc % s->width, side = 2 * (long)r + 1;
    for (long di = 0; di < side; di++) {
        const long i = i0 + di - (long)r;
        for (long dj = 0; dj < side; dj++) {
            const long j = j0 + dj - (long)r;
            float *o = out + (di * side + dj) * c;
            if (i < 0 || i >= h || j < 0 || j >= w)
                memset(o, 0, (size_t)c * sizeof *o);
            else
                memcpy(o, img + (i * w + j) * c, (size_t)c * sizeof *o);
        }
    }
}

typedef struct location {
    uint32_t key[4]; /* clipped distances to the top, bottom, left, right edges */
    uint32_t loc;
} location;

static int by_key(const void *a, const void *b)
{
    const location *x = a, *y = b;
    int d = memcmp(x->key, y->key, sizeof x->key);
    if (d)
        return d;
    return (x->loc > y->loc) - (x->loc < y->loc);
}

static uint32_t clip(uint32_t v, uint32_t r)
{
    return v < r ? v : r;
}

/* One class: pool the K·m training patches of its m locations (order[0..m)), then
   answer n states' query patches there. */
static int run_class(const patch_score *s, const basin_host *host, const float *x,
                     uint64_t n, double alpha, double sigma, uint32_t r,
                     const location *order, uint32_t m, float *x0_hat)
{
    const size_t c = s->channels, side = 2 * (size_t)r + 1, D = side * side * c,
                 centre = (r * side + r) * c, dim = s->dim;
    const uint64_t pool = s->k * m;
    if (pool > SIZE_MAX / sizeof(float) / D) {
        host->error(host, "denoise: %llu patches of %zu values overflow memory",
                    (unsigned long long)pool, D);
        return BASIN_ENOMEM;
    }
    float *patches = malloc((size_t)pool * D * sizeof *patches);
    if (patches == NULL) {
        host->error(host, "denoise: out of memory for %llu patches of %zu values",
                    (unsigned long long)pool, D);
        return BASIN_ENOMEM;
    }
    for (uint64_t mu = 0; mu < s->k; mu++)
        for (uint32_t l = 0; l < m; l++)
            gather(s, s->train + mu * dim, order[l].loc, r,
                   patches + ((size_t)mu * m + l) * D);
    softmax_memory mem;
    int rc = softmax_memory_init(&mem, patches, pool, (uint32_t)D);
    free(patches);
    if (rc != BASIN_OK) {
        host->error(host, "denoise: out of memory for the patch pool");
        return rc;
    }
    const double a = alpha / (sigma * sigma), b = -alpha * alpha / (2 * sigma * sigma);
    const int hard = sigma == 0 || !isfinite(a) || !isfinite(b);
    size_t block = PATCH_BLOCK / m; /* states per call */
    if (block == 0)
        block = 1;
    if (block > n)
        block = (size_t)n;
    float *q = malloc(block * m * D * sizeof *q);
    float *out = hard ? NULL : malloc(block * m * D * sizeof *out);
    nearest2 *near = hard ? malloc(block * m * sizeof *near) : NULL;
    if (q == NULL || (hard ? near == NULL : out == NULL)) {
        host->error(host, "denoise: out of memory for %zu query patches", block * m);
        rc = BASIN_ENOMEM;
    }
    for (size_t first = 0; rc == BASIN_OK && first < n; first += block) {
        const size_t count = (size_t)n - first < block ? (size_t)n - first : block;
        for (size_t i = 0; i < count; i++)
            for (uint32_t l = 0; l < m; l++)
                gather(s, x + (first + i) * dim, order[l].loc, r, q + (i * m + l) * D);
        const uint64_t rows = (uint64_t)count * m;
        if (hard) {
            /* ‖q − α p‖² = α² ‖q/α − p‖²: the same ranking. */
            rc = nearest_two(q, rows, mem.patterns, mem.k, (uint32_t)D, alpha, -1, near);
            if (rc != BASIN_OK) {
                host->error(host, "denoise: out of memory for the distances");
                break;
            }
            for (size_t i = 0; i < count; i++)
                for (uint32_t l = 0; l < m; l++) {
                    const int64_t mu = near[i * m + l].index[0];
                    if (mu < 0) {
                        host->error(host, "denoise: no nearest patch");
                        rc = BASIN_ENUMERIC;
                        break;
                    }
                    memcpy(x0_hat + (first + i) * dim + (size_t)order[l].loc * c,
                           mem.patterns + (size_t)mu * D + centre, c * sizeof(float));
                }
            continue;
        }
        /* σ = +Inf: a = 0 and b = −0, uniform weights, the pool's mean. */
        rc = softmax_average(&mem, q, rows, a, b, out, NULL);
        if (rc == BASIN_ENOMEM)
            host->error(host, "denoise: out of memory for the logits");
        else if (rc == BASIN_ENUMERIC)
            host->error(host, "denoise: the logits overflow at alpha = %g, sigma = %g",
                        alpha, sigma);
        else if (rc != BASIN_OK)
            host->error(host, "denoise: softmax_average failed (%d)", rc);
        if (rc != BASIN_OK)
            break;
        for (size_t i = 0; i < count; i++)
            for (uint32_t l = 0; l < m; l++)
                memcpy(x0_hat + (first + i) * dim + (size_t)order[l].loc * c,
                       out + (i * m + l) * D + centre, c * sizeof(float));
    }
    free(q);
    free(out);
    free(near);
    softmax_memory_free(&mem);
    return rc;
}

/*
 * x̂0 for n states (n × dim) into x0_hat (n × dim, not overlapping x) at (α, σ):
 * LS or ELS with the patch side of σ/α. α > 0 finite, σ ≥ 0 (+Inf allowed), else
 * BASIN_EINVAL; a non-finite state entry or overflowing logits give
 * BASIN_ENUMERIC; BASIN_ENOMEM. Each state's output depends on that state alone.
 * [thread-safe] [deterministic]
 */
static int patch_denoise(void *self, const basin_host *host, const float *x, uint64_t n,
                         double alpha, double sigma, float *x0_hat)
{
    const patch_score *s = self;
    const int go =
        denoise_args(host, s->encoded, x, n, alpha, sigma, x0_hat, s->dim, s->dim);
    if (go <= 0)
        return go;
    const uint32_t h = s->height, w = s->width, r = side_at(s, sigma / alpha) / 2;
    location *order = malloc((size_t)h * w * sizeof *order);
    if (order == NULL) {
        host->error(host, "denoise: out of memory");
        return BASIN_ENOMEM;
    }
    for (uint32_t i = 0; i < h; i++)
        for (uint32_t j = 0; j < w; j++) {
            location *o = order + (size_t)i * w + j;
            o->key[0] = clip(i, r);
            o->key[1] = clip(h - 1 - i, r);
            o->key[2] = clip(j, r);
            o->key[3] = clip(w - 1 - j, r);
            o->loc = i * w + j;
        }
    if (s->equivariant)
        qsort(order, (size_t)h * w, sizeof *order, by_key);
    int rc = BASIN_OK;
    for (size_t lo = 0; rc == BASIN_OK && lo < (size_t)h * w;) {
        size_t hi = lo + 1;
        if (s->equivariant)
            while (hi < (size_t)h * w &&
                   memcmp(order[hi].key, order[lo].key, sizeof order[lo].key) == 0)
                hi++;
        rc = run_class(s, host, x, n, alpha, sigma, r, order + lo, (uint32_t)(hi - lo),
                       x0_hat);
        lo = hi;
    }
    free(order);
    return rc;
}

static const basin_score_iface patch_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = patch_create,
    .destroy = patch_destroy,
    .encode = patch_encode,
    .denoise = patch_denoise,
};

static const basin_descriptor patch_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/patch",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary = "local (LS) and equivariant local (ELS) score machines (Kamb & "
               "Ganguli 2025)",
    .params = patch_params,
    .iface = &patch_iface,
};

static const basin_descriptor *const patch_plugins[] = {
    &patch_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "patch-score",
    patch_plugins,
};

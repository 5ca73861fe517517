/*
 * scores/mlp — a trained denoiser: a multilayer perceptron (mlp_net.h) with the
 * EDM preconditioning of Karras et al. 2022 ("Elucidating the Design Space of
 * Diffusion-Based Generative Models", arXiv:2206.00364, Table 1 and eq. 7):
 *
 *   D(x; σ) = μ + c_skip(σ) (x − μ) + c_out(σ) F(c_in(σ) (x − μ), c_noise(σ)),
 *   c_skip = σd²/(σ² + σd²),  c_out = σ σd/√(σ² + σd²),  c_in = 1/√(σ² + σd²),
 *   c_noise = ¼ ln σ,
 *
 * for the variance-exploding process x = x0 + σ ε, with σd = sigma_data. F is the
 * network: c_in (x − μ) and an embedding of c_noise (mlp_embed) concatenated at its
 * input. μ is the training set's mean, computed at every encode (so checkpoints
 * need not store it): EDM's preconditioning for data centred at μ. It makes the
 * large-σ limit, where the posterior mean tends to μ, F = 0 — the value the
 * network starts near — instead of F = μ/σd, which a finite network learns
 * poorly from the few noise levels it sees up there. The host's processes are x_t = α x0 + σ ε; denoise evaluates
 * D_VE(x/α; σ/α), the same posterior mean in the VE variable.
 *
 * Encoding is training by denoising score matching (Vincent 2011; EDM eq. 2 and
 * 8): minimize E_{σ, x0, ε} λ(σ) ‖D(x0 + σε; σ) − x0‖² with λ = (σ² + σd²)/(σ σd)²
 * and ln σ ~ N(p_mean, p_std²) (or, with probability p_uniform, uniform on
 * [ln sigma_min, ln sigma_max]: see EMBED_Z), x0 uniform over the training points,
 * ε ~ N(0, I).
 * Since λ c_out² = 1 the loss is ‖F − (x0 − c_skip x)/c_out‖², the network's own
 * regression target (EDM eq. 8). The reported loss is the minibatch mean of
 * λ ‖D − x0‖² / N (per coordinate). Minibatches of `batch` rows drawn with
 * replacement, Adam (mlp_net.h), a fixed number of steps, an optional
 * exponential moving average (EMA) of the weights that denoise then uses.
 *
 * Randomness: all of it through host->random_* with role BASIN_ROLE_ENCODE, so a
 * model is a function of (training rows, parameters, run seed, job):
 *   weights of layer l:            random_normal(index = l, step = 0)
 *   minibatch slot b of step s:    random_normal(index = b, step = s + 1), dim + 1
 *                                  numbers: z for ln σ = p_mean + p_std z, then ε
 *                                  random_uniform(index = 2³² + b, step = s + 1),
 *                                  3 numbers: the training row ⌊u₀ K⌋, the
 *                                  log-uniform branch u₁ < p_uniform, its level u₂
 *   stream fingerprint:            random_bits(index = 2⁶², step = 0), 2 words
 *
 * Checkpoints (mlp_checkpoint.h, docs/checkpoints.md): with `checkpoint` set, an
 * existing file is loaded instead of training, after every header check; a missing
 * one is written after training. "{hash}" in the path becomes 16 hex digits of
 * config_hash (the training rows, dim, every training parameter, the training
 * algorithm, the resolved σd
 * and the stream fingerprint), "{K}" the training-set size.
 *
 * Training runs on the host's threads (basin_host.parallel, ABI 1.3: the run's
 * --threads) in fixed shards of each minibatch, its weights bit-identical for any
 * thread count (see SHARD_ROWS; bench/mlp.sh measures the speed-up). After encode
 * the instance is const: denoise allocates its own scratch per call and may run
 * on several threads at once.
 */
#include <basin/plugin.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "denoise_args.h"
#include "mlp_checkpoint.h"
#include "mlp_net.h"

enum {
    P_WIDTH,
    P_DEPTH,
    P_EMBEDDING,
    P_LR,
    P_BATCH,
    P_STEPS,
    P_BETA1,
    P_BETA2,
    P_EMA,
    P_SIGMA_DATA,
    P_P_MEAN,
    P_P_STD,
    P_P_UNIFORM,
    P_SIGMA_MIN,
    P_SIGMA_MAX,
    P_CHECKPOINT,
    P_SNAPSHOTS,
    P_ARCHITECTURE,
    N_PARAMS
};

static const basin_param_def mlp_params[N_PARAMS + 1] = {
    [P_WIDTH] = {"width", BASIN_PARAM_INT, 128, NULL, 1, 4096, NULL, 0,
                 "hidden units per layer"},
    [P_DEPTH] = {"depth", BASIN_PARAM_INT, 3, NULL, 1, MLP_MAX_DEPTH, NULL, 0,
                 "hidden layers (SiLU), followed by a linear output layer"},
    [P_EMBEDDING] =
        {"embedding", BASIN_PARAM_INT, 16, NULL, 2, 256, NULL, 0,
         "noise-level features (cos, sin pairs of c_noise; even) joined to the input"},
    [P_LR] = {"lr", BASIN_PARAM_REAL, 1e-3, NULL, 0, 1, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
              "Adam step size"},
    [P_BATCH] = {"batch", BASIN_PARAM_INT, 256, NULL, 0, 65536, NULL, 0,
                 "minibatch size (training rows drawn with replacement per step); 0: "
                 "min(512, K), Bonnaire et al. 2025's choice"},
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 2000, NULL, 1, 1e9, NULL, 0,
                 "training steps (Adam updates)"},
    [P_BETA1] = {"beta1", BASIN_PARAM_REAL, 0.9, NULL, 0, 1, NULL,
                 BASIN_PARAM_MAX_EXCLUSIVE, "Adam first-moment decay"},
    [P_BETA2] = {"beta2", BASIN_PARAM_REAL, 0.999, NULL, 0, 1, NULL,
                 BASIN_PARAM_MAX_EXCLUSIVE, "Adam second-moment decay"},
    [P_EMA] = {"ema", BASIN_PARAM_REAL, 0, NULL, 0, 1, NULL, BASIN_PARAM_MAX_EXCLUSIVE,
               "decay of an exponential moving average of the weights used for denoising "
               "(0: the last weights)"},
    [P_SIGMA_DATA] =
        {"sigma_data", BASIN_PARAM_REAL, 0, NULL, 0, 1e6, NULL, 0,
         "data scale of the EDM preconditioning (0: the RMS deviation of the training "
         "coordinates from their mean)"},
    [P_P_MEAN] = {"p_mean", BASIN_PARAM_REAL, -1.2, NULL, -20, 20, NULL, 0,
                  "mean of ln sigma for the training noise levels (EDM P_mean)"},
    [P_P_STD] =
        {"p_std", BASIN_PARAM_REAL, 1.2, NULL, 0, 20, NULL, 0,
         "standard deviation of ln sigma for the training noise levels (EDM P_std)"},
    [P_P_UNIFORM] =
        {"p_uniform", BASIN_PARAM_REAL, 0.2, NULL, 0, 1, NULL, 0,
         "fraction of training noise levels drawn log-uniformly in [sigma_min, "
         "sigma_max] instead of log-normally: covers the high noise levels samplers "
         "start from (VE sigma up to ~160 for ddpm-linear, 80 for edm)"},
    [P_SIGMA_MIN] = {"sigma_min", BASIN_PARAM_REAL, 0.002, NULL, 0, 1e6, NULL,
                     BASIN_PARAM_MIN_EXCLUSIVE,
                     "lowest log-uniform training noise level (VE sigma)"},
    [P_SIGMA_MAX] = {"sigma_max", BASIN_PARAM_REAL, 500, NULL, 0, 1e6, NULL,
                     BASIN_PARAM_MIN_EXCLUSIVE,
                     "highest log-uniform training noise level (VE sigma)"},
    [P_CHECKPOINT] =
        {"checkpoint", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, BASIN_PARAM_PATH,
         "weights file: loaded if it exists, else written after training; {hash} and "
         "{K} are replaced (empty: no file)"},
    [P_SNAPSHOTS] =
        {"snapshots", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "training steps (\"100,200,400\") at which the run also writes the checkpoint "
         "a run of that many steps would (needs checkpoint); training goes on to the "
         "last. In a recipe, a list or {from, to, times} makes them the train_step axis"},
    [P_ARCHITECTURE] =
        {"architecture", BASIN_PARAM_CHOICE, 0, "mlp", 0, 0, "mlp|resnet", 0,
         "mlp: depth hidden layers with SiLU; resnet: an input layer, depth pre-norm "
         "residual blocks (LayerNorm, width -> width GELU -> width) and a final "
         "LayerNorm before the output layer (Bonnaire et al. 2025, arXiv:2505.17638)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

#define ADAM_EPS 1e-8
/* The training scheme, in the checkpoint header and its hash: see SHARD_ROWS. */
#define TRAIN_ALGORITHM 1u
/* Metric points per training run: the mean loss over each stretch of
   max(1, steps / METRIC_POINTS) steps is reported. */
#define METRIC_POINTS 200
/* Bytes of each scratch buffer of a denoise call (the input and two activation
   buffers), which sets the rows per forward pass: below glibc's mmap threshold
   (128 KiB), so a call reuses heap memory instead of mapping and faulting in fresh
   pages, which cost more than the GEMMs at small widths (4x at width 256) ... */
#define DENOISE_SCRATCH (120 * 1024)
/* ... but at least this many rows, for wide networks where the GEMMs dominate. */
#define DENOISE_MIN_ROWS 64
/* Training noise levels: with probability 1 − p_uniform ln σ = p_mean + p_std z
   (EDM's log-normal, z clamped to |z| ≤ EMBED_Z; P(|z| > 3.5) = 5e-4), with
   probability p_uniform ln σ uniform on [ln sigma_min, ln sigma_max]. EDM's
   log-normal alone puts 2e-6 of its mass above σ = 80, where samplers start; there
   a finite network extrapolates (x̂₀ missed the data mean by several data scales
   at σ = 1e3 before the uniform part was added). Outside the trained range the
   Fourier embedding of c_noise would be phases never seen, so denoise embeds the
   nearest trained level; beyond it the preconditioning carries the limits
   (c_skip → 0, c_out → σd as σ → ∞; c_skip → 1, c_out → 0 as σ → 0). */
#define EMBED_Z 3.5

typedef struct mlp {
    uint32_t dim;
    mlp_layout layout;
    double lr, beta1, beta2, ema, sigma_data_param, p_mean, p_std;
    double p_uniform, sigma_min, sigma_max;
    double ln_lo, ln_hi;   /* ln σ range of training: the embedding's clamp */
    uint64_t batch, steps; /* batch: resolved at encode when batch_param is 0 */
    uint64_t batch_param;
    char *checkpoint; /* the path as given, "" for none */
    uint64_t *saves;  /* the snapshots and steps, ascending, distinct */
    size_t n_saves;
    int encoded;
    double sigma_data; /* resolved at encode */
    float *mean;       /* dim: μ, the training mean, set at encode */
    float *params;     /* n_params: the weights denoise uses */
} mlp;

static void noise_range(mlp *m);

static void mlp_destroy(void *self)
{
    mlp *m = self;
    if (m == NULL)
        return;
    free(m->checkpoint);
    free(m->saves);
    free(m->params);
    free(m->mean);
    free(m);
}

/* The snapshot list "S1,S2,..." (ascending positive integers) and steps into
   m->saves: the steps at which training keeps weights. BASIN_EINVAL for a bad
   list or snapshots without a checkpoint path, BASIN_ENOMEM. */
static int parse_snapshots(mlp *m, const basin_host *host, const char *text)
{
    size_t n = 1;
    for (const char *c = text; *c; c++)
        n += *c == ',';
    m->saves = malloc((n + 1) * sizeof *m->saves);
    if (m->saves == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    m->n_saves = 0;
    const char *c = text;
    while (*c) {
        char *end;
        errno = 0;
        const unsigned long long v = strtoull(c, &end, 10);
        if (end == c || errno || v == 0 || v > 1000000000ull || (*end && *end != ',') ||
            (m->n_saves && v <= m->saves[m->n_saves - 1]) || *c == '-' || *c == '+') {
            host->error(host,
                        "snapshots = \"%s\": expected ascending training steps in "
                        "[1, 1e9], separated by commas",
                        text);
            return BASIN_EINVAL;
        }
        m->saves[m->n_saves++] = v;
        c = *end ? end + 1 : end;
    }
    if (m->n_saves > 0 && m->checkpoint[0] == '\0') {
        host->error(host, "snapshots need checkpoint: the snapshots of one training run "
                          "are shared as checkpoint files");
        return BASIN_EINVAL;
    }
    /* steps joins the list in order. */
    size_t k = 0;
    while (k < m->n_saves && m->saves[k] < m->steps)
        k++;
    if (k == m->n_saves || m->saves[k] != m->steps) {
        memmove(m->saves + k + 1, m->saves + k, (m->n_saves - k) * sizeof *m->saves);
        m->saves[k] = m->steps;
        m->n_saves++;
    }
    return BASIN_OK;
}

static int mlp_create(const basin_host *host, const basin_value *params, uint32_t dim,
                      void **self)
{
    *self = NULL;
    const uint32_t embed = (uint32_t)params[P_EMBEDDING].number;
    if (embed % 2 != 0) {
        host->error(host, "embedding = %u must be even (cos, sin pairs)", embed);
        return BASIN_EINVAL;
    }
    mlp_shape shape = {dim, (uint32_t)params[P_WIDTH].number,
                       (uint32_t)params[P_DEPTH].number, embed,
                       strcmp(params[P_ARCHITECTURE].string, "resnet") == 0};
    mlp *m = calloc(1, sizeof *m);
    if (m == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    if (mlp_layout_init(&m->layout, shape) != 0) {
        host->error(host, "dim = %u, width = %u, depth = %u: the network is too large",
                    dim, shape.width, shape.depth);
        free(m);
        return BASIN_EINVAL;
    }
    m->dim = dim;
    m->lr = params[P_LR].number;
    m->beta1 = params[P_BETA1].number;
    m->beta2 = params[P_BETA2].number;
    m->ema = params[P_EMA].number;
    m->sigma_data_param = params[P_SIGMA_DATA].number;
    m->p_mean = params[P_P_MEAN].number;
    m->p_std = params[P_P_STD].number;
    m->p_uniform = params[P_P_UNIFORM].number;
    m->sigma_min = params[P_SIGMA_MIN].number;
    m->sigma_max = params[P_SIGMA_MAX].number;
    if (!(m->sigma_min < m->sigma_max)) {
        host->error(host, "sigma_min = %g must be below sigma_max = %g", m->sigma_min,
                    m->sigma_max);
        mlp_destroy(m);
        return BASIN_EINVAL;
    }
    noise_range(m);
    m->batch_param = (uint64_t)params[P_BATCH].number;
    m->batch = m->batch_param;
    m->steps = (uint64_t)params[P_STEPS].number;
    m->checkpoint = strdup(params[P_CHECKPOINT].string);
    if (m->checkpoint == NULL) {
        host->error(host, "out of memory");
        free(m);
        return BASIN_ENOMEM;
    }
    int rc = parse_snapshots(m, host, params[P_SNAPSHOTS].string);
    if (rc) {
        mlp_destroy(m);
        return rc;
    }
    *self = m;
    return BASIN_OK;
}

/* ------------------------------------------------------------ preconditioning */

typedef struct precond {
    float c_skip, c_out, c_in;
    double c_noise;
} precond;

/* The ln σ range training covers (see EMBED_Z). */
static void noise_range(mlp *m)
{
    m->ln_lo = m->p_mean - EMBED_Z * m->p_std;
    m->ln_hi = m->p_mean + EMBED_Z * m->p_std;
    if (m->p_uniform > 0) {
        m->ln_lo = fmin(m->ln_lo, log(m->sigma_min));
        m->ln_hi = fmax(m->ln_hi, log(m->sigma_max));
    }
}

/* EDM Table 1 at VE noise level σ > 0 (finite) for data scale sd; c_noise of
   ln σ clamped to the trained range. */
static precond precondition(const mlp *m, double sigma, double sd)
{
    const double s2 = sigma * sigma + sd * sd;
    double ls = log(sigma);
    ls = ls < m->ln_lo ? m->ln_lo : ls > m->ln_hi ? m->ln_hi : ls;
    return (precond){(float)(sd * sd / s2), (float)(sigma * sd / sqrt(s2)),
                     (float)(1 / sqrt(s2)), 0.25 * ls};
}

/* --------------------------------------------------------------------- encode */

/* Parameters a checkpoint describes: the header this instance would write. */
static mlp_checkpoint want_header(const mlp *m, uint64_t n, uint64_t train_hash,
                                  uint64_t stream, uint64_t steps)
{
    const mlp_shape s = m->layout.shape;
    mlp_checkpoint h = {
        .dim = s.dim,
        .width = s.width,
        .depth = s.depth,
        .embed = s.embed,
        .n_train = n,
        .train_hash = train_hash,
        .stream = stream,
        .sigma_data = m->sigma_data,
        .lr = m->lr,
        .beta1 = m->beta1,
        .beta2 = m->beta2,
        .adam_eps = ADAM_EPS,
        .ema = m->ema,
        .p_mean = m->p_mean,
        .p_std = m->p_std,
        .sigma_data_param = m->sigma_data_param,
        .p_uniform = m->p_uniform,
        .sigma_min = m->sigma_min,
        .sigma_max = m->sigma_max,
        .batch = m->batch,
        .steps = steps,
        .steps_trained = steps,
        .n_params = m->layout.n_params,
        .algorithm = TRAIN_ALGORITHM,
        .architecture = s.resnet,
    };
    /* config_hash: every field above, in its little-endian serialization. */
    uint64_t hash = MLP_FNV_OFFSET;
    const uint64_t words[] = {h.dim,     h.width,      h.depth,       h.embed,
                              h.n_train, h.train_hash, h.stream,      h.batch,
                              h.steps,   h.algorithm,  h.architecture};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        for (int b = 0; b < 8; b++) {
            const unsigned char c = (unsigned char)(words[i] >> (8 * b));
            hash = mlp_fnv1a(hash, &c, 1);
        }
    const double reals[] = {h.sigma_data,       h.lr,        h.beta1,     h.beta2,
                            h.adam_eps,         h.ema,       h.p_mean,    h.p_std,
                            h.sigma_data_param, h.p_uniform, h.sigma_min, h.sigma_max};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        uint64_t u;
        memcpy(&u, &reals[i], sizeof u);
        for (int b = 0; b < 8; b++) {
            const unsigned char c = (unsigned char)(u >> (8 * b));
            hash = mlp_fnv1a(hash, &c, 1);
        }
    }
    h.config_hash = hash;
    return h;
}

/* FNV-1a of dim, n and the rows' float32 bits, all little-endian. */
static uint64_t hash_rows(const float *train, uint64_t n, uint32_t dim)
{
    uint64_t h = MLP_FNV_OFFSET;
    const uint64_t head[2] = {dim, n};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 8; b++) {
            const unsigned char c = (unsigned char)(head[i] >> (8 * b));
            h = mlp_fnv1a(h, &c, 1);
        }
    const size_t total = (size_t)n * dim;
    for (size_t i = 0; i < total; i++) {
        uint32_t u;
        memcpy(&u, &train[i], sizeof u);
        const unsigned char c[4] = {(unsigned char)u, (unsigned char)(u >> 8),
                                    (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
        h = mlp_fnv1a(h, c, 4);
    }
    return h;
}

/* mean[i] = Σ_r x_ri / n, each column summed in row order (as one column at a
   time would, the same bits) but read row by row: one pass over the data. */
static void column_means(const float *train, uint64_t n, uint32_t dim, double *mean)
{
    for (uint32_t i = 0; i < dim; i++)
        mean[i] = 0;
    for (uint64_t r = 0; r < n; r++) {
        const float *x = train + r * dim;
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += x[i];
    }
    for (uint32_t i = 0; i < dim; i++)
        mean[i] /= (double)n;
}

/* σd = √(Σ ‖x − x̄‖² / (K N)), the RMS deviation of the coordinates, with x̄ from
   column_means; the squares are added column after column. */
static double estimate_sigma_data(const float *train, uint64_t n, uint32_t dim,
                                  const double *mean)
{
    double total = 0;
    for (uint32_t i = 0; i < dim; i++)
        for (uint64_t r = 0; r < n; r++) {
            const double d = train[r * dim + i] - mean[i];
            total += d * d;
        }
    return sqrt(total / ((double)n * dim));
}

/* The checkpoint path with {hash} and {K} replaced; NULL when out of memory. */
static char *expand_path(const char *pattern, uint64_t hash, uint64_t n)
{
    size_t cap = strlen(pattern) + 1;
    for (const char *p = pattern; (p = strchr(p, '{')) != NULL; p++)
        cap += 24;
    char *out = malloc(cap), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{hash}", 6) == 0) {
            o += sprintf(o, "%016" PRIx64, hash);
            p += 6;
        } else if (strncmp(p, "{K}", 3) == 0) {
            o += sprintf(o, "%" PRIu64, n);
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* Create the folders above path (like mkdir -p of its dirname). 0 or -1. */
static int make_parents(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    free(copy);
    return 0;
}

static size_t expect_params(const mlp_checkpoint *h)
{
    mlp_layout L;
    mlp_shape s = {h->dim, h->width, h->depth, h->embed, (uint32_t)h->architecture};
    return h->architecture <= 1 && mlp_layout_init(&L, s) == 0 ? L.n_params : 0;
}

/* Optional host service of ABI 1.1: report a training-curve point. */
static void report_metric(const basin_host *host, const char *name, uint64_t step,
                          double value)
{
    if (host->struct_size >= offsetof(basin_host, metric) + sizeof host->metric &&
        host->metric != NULL)
        host->metric(host, name, step, value);
}

/* Run n tasks through the host's parallel() (ABI 1.3), or in order on this
   thread when the host is older. */
static int run_tasks(const basin_host *host, uint64_t n, int (*task)(void *, uint64_t),
                     void *ctx)
{
    if (host->struct_size >= offsetof(basin_host, parallel) + sizeof host->parallel &&
        host->parallel != NULL)
        return host->parallel(host, n, task, ctx);
    for (uint64_t i = 0; i < n; i++) {
        const int rc = task(ctx, i);
        if (rc)
            return rc;
    }
    return BASIN_OK;
}

/* Initial weights: LeCun normal N(0, 1/fan_in) per weight matrix, biases 0; the
   output layer scaled by 0.1 so that D starts near c_skip x. Matrix l is host
   stream (ENCODE, l, 0), so the matrices are drawn as tasks on any thread. */
typedef struct init_block {
    size_t at, count; /* where in the parameters, how many */
    double fan;       /* its fan-in */
} init_block;

typedef struct initializer {
    const basin_host *host;
    float *params;
    size_t n_blocks;
    init_block block[2 * MLP_MAX_DEPTH + 2];
} initializer;

static int init_task(void *ctx, uint64_t l)
{
    const initializer *z = ctx;
    const init_block *b = &z->block[l];
    float *w = z->params + b->at;
    z->host->random_normal(z->host, BASIN_ROLE_ENCODE, l, 0, w, b->count);
    const float scale = (float)((l + 1 == z->n_blocks ? 0.1 : 1.0) / sqrt(b->fan));
    for (size_t i = 0; i < b->count; i++)
        w[i] *= scale;
    return BASIN_OK;
}

static void init_weights(const mlp *m, const basin_host *host, float *params)
{
    const mlp_layout *L = &m->layout;
    memset(params, 0, L->n_params * sizeof *params);
    initializer z = {.host = host, .params = params};
    if (L->shape.resnet) {
        /* Residual: W_in (stream 0), block k's W1 and W2 (streams 1 + 2k, 2 + 2k),
           W_out (1 + 2 depth); the LayerNorm gains 1, shifts and biases 0
           (PyTorch's defaults). */
        const size_t W = L->shape.width, depth = L->shape.depth;
        z.block[0] = (init_block){L->w_offset[0], W * L->fan_in[0], L->fan_in[0]};
        for (size_t k = 0; k < depth; k++) {
            z.block[1 + 2 * k] = (init_block){L->w1[k], W * W, (double)W};
            z.block[2 + 2 * k] = (init_block){L->w2[k], W * W, (double)W};
        }
        z.block[1 + 2 * depth] =
            (init_block){L->w_offset[1], W * L->shape.dim, (double)W};
        z.n_blocks = 2 + 2 * depth;
        for (size_t k = 0; k <= depth; k++)
            for (size_t i = 0; i < W; i++)
                params[L->ln_g[k] + i] = 1;
    } else {
        for (uint32_t l = 0; l < L->n_layers; l++)
            z.block[l] =
                (init_block){L->w_offset[l], (size_t)L->fan_in[l] * L->fan_out[l],
                             (double)L->fan_in[l]};
        z.n_blocks = L->n_layers;
    }
    (void)run_tasks(host, z.n_blocks, init_task, &z); /* init_task cannot fail */
}

/*
 * Training on every thread, bit-identical for any thread count. Each minibatch
 * of B rows is cut into n_shards = min(MAX_SHARDS, ⌈B/SHARD_ROWS⌉) fixed shards
 * (shard s: rows [s B/n_shards, (s+1) B/n_shards)), a function of B alone. A
 * shard draws its rows, runs the forward and backward passes on them (one
 * single-threaded SGEMM per layer and pass: the basin command pins OpenBLAS to
 * one thread) and writes its own gradient and loss sum; basin_host.parallel runs
 * the shards on any threads. Then the parameters, cut into fixed chunks of
 * PARAM_CHUNK, are updated chunk by chunk (again on any thread): the gradient of
 * each weight is the sum of the shards' in shard order, then the Adam step and
 * the EMA, elementwise. The loss is the shards' sums added in shard order. So
 * every number is the same whatever thread ran which shard or chunk.
 * TRAIN_ALGORITHM names this scheme in the checkpoint header and its hash
 * (0: the whole minibatch in one pass, basin before it).
 */
#define SHARD_ROWS  64
#define MAX_SHARDS  16
#define PARAM_CHUNK (1u << 15)

/* One shard's buffers. */
typedef struct shard {
    size_t first, rows; /* its rows of the minibatch */
    mlp_work work;
    float *input, *target, *d_out, *grad, *noise;
    double loss; /* Σ of squared residuals over its rows */
} shard;

/* Training state shared by the tasks of one step. */
typedef struct trainer {
    mlp *m;
    const basin_host *host;
    const float *train;
    uint64_t n, step; /* training rows; the step being taken (from 0) */
    size_t n_shards, n_chunks;
    shard *shards;
    float *adam_m, *adam_v, *avg;
} trainer;

static void trainer_free(trainer *t)
{
    for (size_t s = 0; t->shards != NULL && s < t->n_shards; s++) {
        shard *h = &t->shards[s];
        mlp_work_free(&h->work);
        free(h->input);
        free(h->target);
        free(h->d_out);
        free(h->grad);
        free(h->noise);
    }
    free(t->shards);
    free(t->adam_m);
    free(t->adam_v);
    free(t->avg);
}

/* Task: shard i of step t->step. The minibatch, centred (y = x − μ): y = y0 +
   σ ε; input [c_in y, embed(c_noise)]; target (y0 − c_skip y)/c_out; per-row loss
   weight 1 (λ c_out² = 1); then its gradient. */
static int shard_task(void *ctx, uint64_t i)
{
    trainer *t = ctx;
    const mlp *m = t->m;
    const basin_host *host = t->host;
    shard *h = &t->shards[i];
    const mlp_layout *L = &m->layout;
    const size_t dim = m->dim, embed = L->shape.embed, n_in = dim + embed;
    const uint64_t s = t->step, n = t->n;
    for (size_t r = 0; r < h->rows; r++) {
        const size_t b = h->first + r; /* the slot in the minibatch */
        double u[3];
        host->random_uniform(host, BASIN_ROLE_ENCODE, (1ull << 32) + b, s + 1, u, 3);
        uint64_t row = (uint64_t)(u[0] * (double)n);
        row = row < n ? row : n - 1;
        host->random_normal(host, BASIN_ROLE_ENCODE, b, s + 1, h->noise, dim + 1);
        double z = h->noise[0];
        z = z < -EMBED_Z ? -EMBED_Z : z > EMBED_Z ? EMBED_Z : z;
        const double ln_sigma =
            u[1] < m->p_uniform
                ? log(m->sigma_min) + u[2] * (log(m->sigma_max) - log(m->sigma_min))
                : m->p_mean + m->p_std * z;
        const double sigma = exp(ln_sigma);
        const precond c = precondition(m, sigma, m->sigma_data);
        const float *x0 = t->train + row * dim;
        float *in = h->input + r * n_in, *tg = h->target + r * dim;
        for (size_t k = 0; k < dim; k++) {
            const float y0 = x0[k] - m->mean[k]; /* centred */
            const float y = y0 + (float)sigma * h->noise[1 + k];
            in[k] = c.c_in * y;
            tg[k] = (y0 - c.c_skip * y) / c.c_out;
        }
        mlp_embed((uint32_t)embed, c.c_noise, in + dim);
    }
    const float *out = mlp_forward(L, m->params, h->input, h->rows, &h->work);
    double loss = 0;
    const float scale = (float)(2.0 / ((double)m->batch * (double)dim));
    for (size_t k = 0; k < h->rows * dim; k++) {
        const float r = out[k] - h->target[k];
        loss += (double)r * r;
        h->d_out[k] = scale * r;
    }
    h->loss = loss;
    if (!isfinite(loss))
        return BASIN_OK; /* the step is refused after the sum */
    mlp_backward(L, m->params, h->input, h->rows, &h->work, h->d_out, h->grad);
    return BASIN_OK;
}

/* Task: parameter chunk i: the gradient summed over the shards in shard order,
   the Adam step, the EMA (mlp_train_update: one pass over the chunk). */
static int update_task(void *ctx, uint64_t i)
{
    trainer *t = ctx;
    const mlp *m = t->m;
    const size_t P = m->layout.n_params, first = (size_t)i * PARAM_CHUNK;
    const size_t len = P - first < PARAM_CHUNK ? P - first : PARAM_CHUNK;
    const float *g[MAX_SHARDS];
    for (size_t s = 0; s < t->n_shards; s++)
        g[s] = t->shards[s].grad + first;
    mlp_train_update(m->params + first, g, t->n_shards, t->adam_m + first,
                     t->adam_v + first, t->avg != NULL ? t->avg + first : NULL,
                     (float)m->ema, len, m->lr, m->beta1, m->beta2, ADAM_EPS,
                     t->step + 1);
    return BASIN_OK;
}

/* The shards of a minibatch of B rows (see SHARD_ROWS): a function of B alone. */
static size_t shard_count(size_t B)
{
    const size_t k = (B + SHARD_ROWS - 1) / SHARD_ROWS;
    return k < MAX_SHARDS ? k : MAX_SHARDS;
}

/* Allocate t's buffers for m. 0 or -1 (out of memory; trainer_free frees). */
static int trainer_init(trainer *t, mlp *m)
{
    const mlp_layout *L = &m->layout;
    const size_t B = (size_t)m->batch, dim = m->dim, n_in = dim + L->shape.embed;
    const size_t P = L->n_params;
    t->m = m;
    t->n_shards = shard_count(B);
    t->n_chunks = (P + PARAM_CHUNK - 1) / PARAM_CHUNK;
    t->shards = calloc(t->n_shards, sizeof *t->shards);
    if (t->shards == NULL)
        return -1;
    for (size_t s = 0; s < t->n_shards; s++) {
        shard *h = &t->shards[s];
        h->first = s * B / t->n_shards;
        h->rows = (s + 1) * B / t->n_shards - h->first;
        if (mlp_work_init(&h->work, L, h->rows) != 0)
            return -1;
        h->input = malloc(h->rows * n_in * sizeof(float));
        h->target = malloc(h->rows * dim * sizeof(float));
        h->d_out = malloc(h->rows * dim * sizeof(float));
        h->grad = malloc(P * sizeof(float));
        h->noise = malloc((dim + 1) * sizeof(float));
        if (!h->input || !h->target || !h->d_out || !h->grad || !h->noise)
            return -1;
    }
    t->adam_m = calloc(P, sizeof(float));
    t->adam_v = calloc(P, sizeof(float));
    if (t->adam_m == NULL || t->adam_v == NULL)
        return -1;
    if (m->ema != 0 && (t->avg = malloc(P * sizeof(float))) == NULL)
        return -1;
    return 0;
}

/* Where training keeps weights: called at each step of m->saves with the weights
   denoise would use after that many steps (the EMA when there is one) and the
   mean loss of the last max(1, step / METRIC_POINTS) steps. */
typedef int (*save_fn)(void *ctx, uint64_t step, const float *weights, double loss);

/*
 * Train m->params from initial weights for the last of m->saves steps on train
 * (n × dim), calling save at every one of m->saves. Nothing in a step depends on
 * the total: the step size is constant (no schedule), the minibatches and noise
 * are keyed by the step, so the weights after s steps are the same whatever the
 * total (a snapshot equals a separate run trained to s), and the loss a save
 * reports, the mean of the last max(1, s / METRIC_POINTS) steps, is a function of
 * s too. The training curve (report_metric) is the mean over stretches of
 * max(1, total / METRIC_POINTS) steps. m->params ends as the weights at m->steps.
 * BASIN_ENOMEM, BASIN_ECANCELED, BASIN_ENUMERIC (a non-finite loss: the step
 * named), or save's status.
 * [deterministic given rng: ENCODE, whatever the host's threads]
 */
static int train_network(mlp *m, const basin_host *host, const float *train, uint64_t n,
                         save_fn save, void *save_ctx)
{
    const mlp_layout *L = &m->layout;
    const size_t B = (size_t)m->batch, dim = m->dim, P = L->n_params;
    const uint64_t total = m->saves[m->n_saves - 1];
    const uint64_t window = total / METRIC_POINTS > 0 ? total / METRIC_POINTS : 1;
    trainer t;
    memset(&t, 0, sizeof t);
    double *recent = malloc(window * sizeof *recent); /* loss of step s at s % window */
    float *kept = malloc(P * sizeof *kept);           /* the weights at m->steps */
    if (recent == NULL || kept == NULL || trainer_init(&t, m) != 0) {
        trainer_free(&t);
        free(recent);
        free(kept);
        host->error(host, "encode: out of memory for training (%zu weights, batch %zu)",
                    P, B);
        return BASIN_ENOMEM;
    }
    t.host = host;
    t.train = train;
    t.n = n;
    init_weights(m, host, m->params);
    if (t.avg != NULL)
        memcpy(t.avg, m->params, P * sizeof(float));
    double stretch_sum = 0;
    uint64_t stretch_n = 0;
    size_t next_save = 0;
    int rc = BASIN_OK;
    for (uint64_t s = 0; s < total && rc == BASIN_OK; s++) {
        if (host->cancelled(host)) {
            rc = BASIN_ECANCELED;
            host->error(host, "encode: cancelled at training step %" PRIu64, s);
            break;
        }
        t.step = s;
        rc = run_tasks(host, t.n_shards, shard_task, &t);
        if (rc)
            break;
        double loss = 0;
        for (size_t h = 0; h < t.n_shards; h++)
            loss += t.shards[h].loss;
        loss /= (double)B * (double)dim;
        if (!isfinite(loss)) {
            host->error(host,
                        "encode: the training loss is %g at step %" PRIu64 ": lower lr",
                        loss, s + 1);
            rc = BASIN_ENUMERIC;
            break;
        }
        rc = run_tasks(host, t.n_chunks, update_task, &t);
        if (rc)
            break;
        recent[s % window] = loss;
        stretch_sum += loss;
        stretch_n++;
        if (stretch_n == window || s + 1 == total) {
            report_metric(host, "loss", s + 1, stretch_sum / (double)stretch_n);
            stretch_sum = 0;
            stretch_n = 0;
        }
        if (next_save < m->n_saves && m->saves[next_save] == s + 1) {
            const uint64_t k = s + 1, w = k / METRIC_POINTS > 0 ? k / METRIC_POINTS : 1;
            double sum = 0; /* oldest first: the same order for any total */
            for (uint64_t q = k - w; q < k; q++)
                sum += recent[q % window];
            const float *weights = t.avg != NULL ? t.avg : m->params;
            if (k == m->steps)
                memcpy(kept, weights, P * sizeof *kept);
            rc = save(save_ctx, k, weights, sum / (double)w);
            next_save++;
        }
        if (host->progress != NULL)
            host->progress(host, s + 1, total);
    }
    if (rc == BASIN_OK)
        memcpy(m->params, kept, P * sizeof(float));
    trainer_free(&t);
    free(recent);
    free(kept);
    return rc;
}

/* Load path into m->params after checking it against want. */
static int load_checkpoint(mlp *m, const basin_host *host, const char *path,
                           const mlp_checkpoint *want)
{
    char err[512];
    mlp_checkpoint have;
    float *w = NULL;
    int rc = mlp_checkpoint_read(path, &have, &w, expect_params, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "encode: %s", err);
        return rc;
    }
    const char *diff = mlp_checkpoint_mismatch(&have, want, err, sizeof err);
    if (diff != NULL) {
        host->error(host, "encode: checkpoint %s: %s", path, diff);
        free(w);
        return BASIN_EINVAL;
    }
    for (size_t i = 0; i < m->layout.n_params; i++)
        if (!isfinite(w[i])) {
            host->error(host, "encode: checkpoint %s: weights: weight %zu is %g", path, i,
                        (double)w[i]);
            free(w);
            return BASIN_EINVAL;
        }
    free(m->params);
    m->params = w;
    /* The curve's last point, so a run from checkpoints still records it. */
    if (isfinite(have.final_loss))
        report_metric(host, "loss", have.steps_trained, have.final_loss);
    return BASIN_OK;
}

/* What a save needs to write the checkpoint of a run trained to its step. */
typedef struct saver {
    const mlp *m;
    const basin_host *host;
    uint64_t n, train_hash, stream;
} saver;

/* save_fn: the checkpoint a run of `step` steps writes, at its own path (its
   header's hash), unless there is no path; an existing file stays. */
static int save_checkpoint(void *ctx, uint64_t step, const float *weights, double loss)
{
    const saver *sv = ctx;
    const mlp *m = sv->m;
    const basin_host *host = sv->host;
    if (m->checkpoint[0] == '\0')
        return BASIN_OK;
    mlp_checkpoint h = want_header(m, sv->n, sv->train_hash, sv->stream, step);
    h.final_loss = loss;
    char *path = expand_path(m->checkpoint, h.config_hash, sv->n);
    if (path == NULL) {
        host->error(host, "encode: out of memory");
        return BASIN_ENOMEM;
    }
    char err[512];
    int rc;
    if (make_parents(path) != 0) {
        host->error(host, "encode: checkpoint %s: cannot create its folder: %s", path,
                    strerror(errno));
        rc = BASIN_EIO;
    } else {
        rc = mlp_checkpoint_write(path, &h, weights, err, sizeof err);
        if (rc != BASIN_OK)
            host->error(host, "encode: %s", err);
    }
    free(path);
    return rc;
}

/*
 * Train (or load) the denoiser for the n training points (n × dim). Returns
 * BASIN_EINVAL (empty, a checkpoint that does not match), BASIN_ENUMERIC (a
 * non-finite entry or loss), BASIN_EIO (an unreadable, corrupt or unwritable
 * checkpoint), BASIN_ECANCELED, BASIN_ENOMEM. [deterministic given rng: ENCODE]
 */
static int mlp_encode(void *self, const basin_host *host, const float *train, uint64_t n)
{
    mlp *m = self;
    int rc = encode_args(host, train, n, m->dim);
    if (rc)
        return rc;
    m->encoded = 0;
    float *mean = calloc(m->dim, sizeof *mean);
    double *mean_d = calloc(m->dim, sizeof *mean_d);
    if (mean == NULL || mean_d == NULL) {
        free(mean);
        free(mean_d);
        host->error(host, "encode: out of memory");
        return BASIN_ENOMEM;
    }
    column_means(train, n, m->dim, mean_d);
    for (uint32_t i = 0; i < m->dim; i++)
        mean[i] = (float)mean_d[i];
    free(m->mean);
    m->mean = mean;
    m->sigma_data = m->sigma_data_param > 0
                        ? m->sigma_data_param
                        : estimate_sigma_data(train, n, m->dim, mean_d);
    free(mean_d);
    if (!(m->sigma_data > 0)) {
        host->error(host,
                    "encode: sigma_data estimated as %g: the training points "
                    "are all equal; set sigma_data",
                    m->sigma_data);
        return BASIN_EINVAL;
    }
    m->batch = m->batch_param > 0 ? m->batch_param : n < 512 ? n : 512;
    uint32_t fp[2];
    host->random_bits(host, BASIN_ROLE_ENCODE, 1ull << 62, 0, fp, 2);
    const uint64_t stream = (uint64_t)fp[0] << 32 | fp[1];
    const uint64_t train_hash = hash_rows(train, n, m->dim);
    const mlp_checkpoint want = want_header(m, n, train_hash, stream, m->steps);

    if (m->checkpoint[0] != '\0') {
        char *path = expand_path(m->checkpoint, want.config_hash, n);
        if (path == NULL) {
            host->error(host, "encode: out of memory");
            return BASIN_ENOMEM;
        }
        struct stat st;
        if (stat(path, &st) == 0) {
            rc = load_checkpoint(m, host, path, &want);
            free(path);
            if (rc == BASIN_OK) {
                m->encoded = 1;
                if (host->progress != NULL)
                    host->progress(host, 1, 1);
            }
            return rc;
        }
        free(path);
    }
    float *params = malloc(m->layout.n_params * sizeof *params);
    if (params == NULL) {
        host->error(host, "encode: out of memory for %zu weights", m->layout.n_params);
        return BASIN_ENOMEM;
    }
    free(m->params);
    m->params = params;
    saver sv = {m, host, n, train_hash, stream};
    rc = train_network(m, host, train, n, save_checkpoint, &sv);
    if (rc == BASIN_OK)
        m->encoded = 1;
    return rc;
}

/* -------------------------------------------------------------------- denoise */

/*
 * x̂0 = D_VE(x/α; σ/α) for n states (n × dim) into x0_hat. σ = 0 gives x/α
 * (c_skip = 1, c_out = 0); σ = ∞ takes the limits c_skip = 0, c_in (x − μ) = 0,
 * c_out = σd with the embedding of the highest trained level.
 * α > 0 finite, σ ≥ 0, else BASIN_EINVAL; a non-finite state BASIN_ENUMERIC;
 * BASIN_ENOMEM. [thread-safe] [deterministic]
 */
static int mlp_denoise(void *self, const basin_host *host, const float *x, uint64_t n,
                       double alpha, double sigma, float *x0_hat)
{
    const mlp *m = self;
    const size_t dim = m->dim, embed = m->layout.shape.embed, n_in = dim + embed;
    const int go = denoise_args(host, m->encoded, x, n, alpha, sigma, x0_hat, dim, n_in);
    if (go <= 0)
        return go;
    const double s = sigma / alpha; /* the VE noise level of x/α */
    const float inv_alpha = (float)(1 / alpha);
    if (s == 0) {
        for (size_t i = 0; i < (size_t)n * dim; i++)
            x0_hat[i] = x[i] * inv_alpha;
        return BASIN_OK;
    }
    precond c;
    if (isfinite(s)) {
        c = precondition(m, s, m->sigma_data);
    } else {
        c = precondition(m, 1e300, m->sigma_data);
        c.c_skip = 0;
        c.c_in = 0;
        c.c_out = (float)m->sigma_data;
    }
    /* Scratch per call: the input and two activation buffers, each at most
       DENOISE_SCRATCH bytes where that leaves DENOISE_MIN_ROWS rows. */
    const size_t widest = m->layout.widest;
    const size_t row_bytes = (n_in > widest ? n_in : widest) * sizeof(float);
    size_t chunk = DENOISE_SCRATCH / row_bytes;
    chunk = chunk < DENOISE_MIN_ROWS ? DENOISE_MIN_ROWS : chunk;
    chunk = n < chunk ? (size_t)n : chunk;
    float *input = malloc(chunk * n_in * sizeof *input);
    float *buf0 = malloc(chunk * widest * sizeof *buf0);
    float *buf1 = malloc(chunk * widest * sizeof *buf1);
    if (input == NULL || buf0 == NULL || buf1 == NULL) {
        free(input);
        free(buf0);
        free(buf1);
        host->error(host, "denoise: out of memory for %zu states", chunk);
        return BASIN_ENOMEM;
    }
    float emb[256];
    mlp_embed((uint32_t)embed, c.c_noise, emb);
    for (size_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        const float *xs = x + first * dim;
        for (size_t r = 0; r < rows; r++) {
            float *in = input + r * n_in;
            for (size_t i = 0; i < dim; i++)
                in[i] = c.c_in * (xs[r * dim + i] * inv_alpha - m->mean[i]);
            memcpy(in + dim, emb, embed * sizeof *emb);
        }
        const float *F =
            mlp_forward_light(&m->layout, m->params, input, rows, buf0, buf1);
        float *out = x0_hat + first * dim;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < dim; i++) {
                const size_t k = r * dim + i;
                out[k] = m->mean[i] + c.c_skip * (xs[k] * inv_alpha - m->mean[i]) +
                         c.c_out * F[k];
            }
    }
    free(input);
    free(buf0);
    free(buf1);
    for (size_t i = 0; i < (size_t)n * dim; i++)
        if (!isfinite(x0_hat[i])) {
            host->error(host, "denoise: output %zu entry %zu is %g at sigma = %g",
                        i / dim, i % dim, (double)x0_hat[i], sigma);
            return BASIN_ENUMERIC;
        }
    return BASIN_OK;
}

static const basin_score_iface mlp_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = mlp_create,
    .destroy = mlp_destroy,
    .encode = mlp_encode,
    .denoise = mlp_denoise,
};

static const basin_descriptor mlp_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/mlp",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary = "MLP denoiser with EDM preconditioning, trained by denoising score "
               "matching",
    .params = mlp_params,
    .iface = &mlp_iface,
};

static const basin_descriptor *const mlp_plugins[] = {
    &mlp_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "mlp-score",
    mlp_plugins,
};

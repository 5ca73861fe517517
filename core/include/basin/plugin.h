/*
 * basin/plugin.h — the basin plugin ABI. The one header a plugin author needs.
 *
 * A plugin library is a shared object that exports one object,
 *
 *     BASIN_EXPORT const basin_library basin_library_entry = { ... };
 *
 * listing the plugins it holds. Each plugin is described by a basin_descriptor:
 * a string id ("energies/hopfield"), the interface it implements as a versioned
 * string ("basin.energy/1"), a static parameter table and the interface's function
 * table. The host validates every recipe against the parameter tables before any
 * plugin code runs, then calls the function tables.
 *
 * Rules (see docs/plugin-guide.md):
 *  - The host loads a library only if its abi_major equals BASIN_ABI_MAJOR and its
 *    abi_minor is not newer than the host's (basin_abi_compatible); it never
 *    reads past struct_size.
 *    New fields are only ever appended (minor bump); a published interface id
 *    ("basin.energy/1") never changes: a new capability is a new interface id.
 *  - Plugins link nothing from the host. Everything the host lends (errors, logs,
 *    random numbers, progress, cancellation, step observers) comes through the
 *    basin_host table passed to each call that needs it.
 *  - Functions return 0 (BASIN_OK) or a negative BASIN_E* code and put a one-line
 *    message in host->error(). The host prefixes the recipe, job and plugin id, so
 *    the message says only what is wrong ("count = 0 must be >= 1"). Plugins never
 *    exit, abort or print.
 *  - States are float32, row-major, n × dim. Memory passed in is owned by the caller
 *    and only borrowed for the duration of the call unless a comment says otherwise.
 *  - create() sets *self to a new instance, freed by the host with destroy(); on
 *    failure it frees what it allocated and leaves *self NULL.
 *  - Threading: create/destroy/encode are called from one thread. After encode,
 *    every const evaluation (energy, gradient, update, denoise, spin_*, features)
 *    and a sampler's run may be called from several threads at once on disjoint
 *    outputs: they must not mutate the instance.
 *
 * Only <stdint.h>, <stddef.h> and <stdbool.h>; compiles as C99, C11 and C++.
 */
#ifndef BASIN_PLUGIN_H
#define BASIN_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BASIN_ABI_MAJOR 1
#define BASIN_ABI_MINOR 5

/*
 * The compatibility rule, as code: a library built for ABI major.minor loads in
 * this host when its major is the host's and its minor is not newer (an older
 * minor's tables are shorter, and the host never reads past struct_size).
 * [thread-safe]
 */
static inline bool basin_abi_compatible(uint32_t major, uint32_t minor)
{
    return major == (uint32_t)BASIN_ABI_MAJOR && minor <= (uint32_t)BASIN_ABI_MINOR;
}

#if defined(_WIN32)
#define BASIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define BASIN_EXPORT __attribute__((visibility("default")))
#else
#define BASIN_EXPORT
#endif

/* The exported symbol's name, for dlsym(). */
#define BASIN_LIBRARY_SYMBOL "basin_library_entry"

/* ---------------------------------------------------------------- status codes */

#define BASIN_OK           0
#define BASIN_EINVAL       (-1) /* a parameter or input is invalid */
#define BASIN_ENOMEM       (-2) /* out of memory */
#define BASIN_EIO          (-3) /* a file could not be read or written */
#define BASIN_ENUMERIC     (-4) /* NaN, overflow or a failed factorization */
#define BASIN_ECANCELED    (-5) /* the host asked to stop (host->cancelled()) */
#define BASIN_EUNSUPPORTED (-6) /* the model lacks what the caller needs */
#define BASIN_EINTERNAL    (-7) /* a bug: should never be seen */

/* ------------------------------------------------------------ parameter tables */

/* The type of a parameter. The values are fixed forever. */
typedef enum basin_param_type {
    BASIN_PARAM_INT = 1,    /* a signed integer, range [min, max] */
    BASIN_PARAM_REAL = 2,   /* a double, range [min, max] */
    BASIN_PARAM_BOOL = 3,   /* true or false */
    BASIN_PARAM_STRING = 4, /* free text (a path, a name) */
    BASIN_PARAM_CHOICE = 5  /* one of the '|'-separated words in `choices` */
} basin_param_type;

/* Flags of a parameter definition. */
#define BASIN_PARAM_MIN_EXCLUSIVE 0x1u /* the range is (min, ...] */
#define BASIN_PARAM_MAX_EXCLUSIVE 0x2u /* the range is [..., max) */
#define BASIN_PARAM_REQUIRED                                                             \
    0x4u /* a recipe must set it (a data file's path);
                                          the default only documents the form */
/* A file path (STRING). A relative value written in a recipe file is taken
   relative to the recipe's folder: the host makes it absolute before create()
   sees it (and writes it so into run.toml); a --set value is taken as given,
   relative to the working directory. A host that predates the flag passes the
   value unchanged (relative to the working directory). */
#define BASIN_PARAM_PATH 0x8u
/* With BASIN_PARAM_PATH, a shared library: a value with no '/' is a name the
   dynamic loader searches for (dlopen) and is passed as it is. */
#define BASIN_PARAM_LIBRARY 0x10u

/*
 * One row of a plugin's static parameter table; a table ends with a row whose name
 * is NULL. Numbers (INT, REAL, BOOL as 0/1) take their default from
 * default_number, STRING and CHOICE from default_string. min and max bound INT and
 * REAL values (use -1e308 / 1e308 for "unbounded").
 */
typedef struct basin_param_def {
    const char *name; /* lower-case, words joined by '-' or '_' */
    basin_param_type type;
    double default_number;
    const char *default_string;
    double min, max;
    const char *choices; /* CHOICE only: "async|sync" */
    uint32_t flags;      /* BASIN_PARAM_* */
    const char *doc;     /* one sentence: meaning and unit */
} basin_param_def;

/*
 * A resolved parameter value, handed to create() as an array in the order of the
 * plugin's own table: values[i] belongs to params[i]. INT, REAL and BOOL are in
 * `number` (integers are exact), STRING and CHOICE in `string` (never NULL).
 * The array is valid for the duration of create() only: copy what you keep.
 */
typedef struct basin_value {
    double number;
    const char *string;
} basin_value;

/* --------------------------------------------------------------- host services */

/* Random-number roles: which part of a job a stream belongs to. Fixed forever. */
#define BASIN_ROLE_DATASET 1u   /* drawing the data set */
#define BASIN_ROLE_ENCODE  2u   /* storing / training the model */
#define BASIN_ROLE_INIT    3u   /* initial states of the dynamics */
#define BASIN_ROLE_SAMPLER 4u   /* noise and update order of the dynamics */
#define BASIN_ROLE_MEASURE 5u   /* randomness inside measures */
#define BASIN_ROLE_USER    256u /* first role free for a plugin's own use */

/* Log levels. */
#define BASIN_LOG_ERROR 0
#define BASIN_LOG_WARN  1
#define BASIN_LOG_INFO  2
#define BASIN_LOG_DEBUG 3

/* What a sampler reports to the host after each step; see basin_host.observe. */
typedef struct basin_step {
    uint32_t struct_size;
    uint64_t step;       /* steps completed: 1 after the first */
    double time;         /* schedule time after the step; for energy dynamics
                                 the number of sweeps completed */
    double alpha, sigma; /* x_t = alpha x0 + sigma eps; 1 and 0 for energies */
    const float *states; /* n × dim, the batch after this step */
    uint64_t n;
    uint64_t first_index; /* global sample index of states' first row */
} basin_step;

/*
 * The services the host lends. One table per job; it may be shared by the threads
 * of the job: every function here is [thread-safe].
 */
typedef struct basin_host {
    uint32_t struct_size;
    uint32_t abi_minor;
    void *host_data; /* the host's own; plugins never touch it */

    /* Record an error message (printf format) for the status about to be returned. */
    void (*error)(const struct basin_host *host, const char *fmt, ...);
    /* Log a line at a BASIN_LOG_* level; the host decides what is shown. */
    void (*log)(const struct basin_host *host, int level, const char *fmt, ...);

    /*
     * Counter-based random numbers. The stream is keyed by (run seed, job, role,
     * index, step): the run seed and job come from the host, the caller names the
     * rest, so a sample's numbers never depend on batch size, thread or call order.
     * Each call returns the first n numbers of its stream. [deterministic]
     *   random_bits:    uniform 32-bit words
     *   random_uniform: doubles uniform in [0, 1), 53 random bits each
     *   random_normal:  standard normal floats
     */
    void (*random_bits)(const struct basin_host *host, uint32_t role, uint64_t index,
                        uint64_t step, uint32_t *out, size_t n);
    void (*random_uniform)(const struct basin_host *host, uint32_t role, uint64_t index,
                           uint64_t step, double *out, size_t n);
    void (*random_normal)(const struct basin_host *host, uint32_t role, uint64_t index,
                          uint64_t step, float *out, size_t n);

    /* Report `done` of `total` units of a long computation (an encode, say). */
    void (*progress)(const struct basin_host *host, uint64_t done, uint64_t total);
    /* Nonzero once the user asked to stop: return BASIN_ECANCELED soon after. */
    int (*cancelled)(const struct basin_host *host);
    /*
     * Report a step of the dynamics to the host's observers (trajectory measures,
     * collapse times). Nonzero return: stop and return BASIN_ECANCELED.
     */
    int (*observe)(const struct basin_host *host, const basin_step *step);

    /* ---- ABI 1.1: read only when struct_size reaches past them (older hosts
       lack them): if (host->struct_size >= offsetof(basin_host, metric)
       + sizeof host->metric && host->metric) ... */

    /*
     * Report one point of a training curve: metric `name` (a short word such as
     * "loss", at most 31 bytes) has `value` after `step` steps. The host keeps the
     * points of each job and writes them to the results folder's training.csv;
     * the progress bar shows the latest ("loss 0.0123"). [thread-safe]
     */
    void (*metric)(const struct basin_host *host, const char *name, uint64_t step,
                   double value);

    /* ---- ABI 1.3: read only when struct_size reaches past it (older hosts lack
       it; then run the tasks in a loop): if (host->struct_size >=
       offsetof(basin_host, parallel) + sizeof host->parallel && host->parallel) */

    /*
     * Run task(ctx, i) for every i in [0, n) on up to the job's threads
     * (--threads; the calling thread is one of them) and return once all have
     * returned: BASIN_OK, or the status of the lowest i whose task returned
     * nonzero (tasks above a failed one may be skipped, tasks below it all run).
     * Tasks run concurrently, in any order, on any thread: each must write only
     * outputs of its own, so that what it computes is a function of i alone and a
     * result never depends on the thread count (a reduction adds the tasks'
     * partial results afterwards, in the order of i). Meant for encode, which the
     * host calls on one thread; from a sampler's run, which already runs on every
     * thread, it runs the tasks on the calling thread. [thread-safe]
     */
    int (*parallel)(const struct basin_host *host, uint64_t n,
                    int (*task)(void *ctx, uint64_t i), void *ctx);
} basin_host;

/* -------------------------------------------------------------------- dataset */

#define BASIN_IFACE_DATASET "basin.dataset/1"

#define BASIN_SPLIT_TRAIN   0
#define BASIN_SPLIT_HELDOUT 1

#define BASIN_DATA_BINARY 0x1u /* every entry is -1 or +1 */

/* Filled by a dataset's info(); the host zeroes it first. */
typedef struct basin_dataset_info {
    uint64_t n_train;   /* K, the points the model stores */
    uint64_t n_heldout; /* held-out points from the same law (may be 0) */
    uint32_t dim;       /* N */
    uint32_t flags;     /* BASIN_DATA_* */
    /* Images: rows are height × width × channels, row-major, channels last;
       all 0 when the points are not images. */
    uint32_t height, width, channels;
} basin_dataset_info;

typedef struct basin_dataset_iface {
    uint32_t struct_size;
    /* Build the data set (draw it, or read it from disk). *self owned by caller,
       freed with destroy. [deterministic given rng: role DATASET] */
    int (*create)(const basin_host *host, const basin_value *params, void **self);
    void (*destroy)(void *self);
    int (*info)(void *self, basin_dataset_info *out);
    /* Copy rows [first, first + count) of a split into rows (count × dim). */
    int (*read)(void *self, const basin_host *host, int split, uint64_t first,
                uint64_t count, float *rows);
    /* Optional (NULL if unknown): the generating law's covariance eigenvalues,
       descending, dim of them. */
    int (*spectrum)(void *self, const basin_host *host, double *eigenvalues);
    /* Optional: the distance of each of n points to the law's support (manifold),
       normalized by sqrt(dim). */
    int (*law_distance)(void *self, const basin_host *host, const float *x, uint64_t n,
                        double *distance);

    /* ---- ABI 1.2: read only when struct_size reaches past it (a 1.0 or 1.1
       table is shorter): if (f->struct_size >= offsetof(basin_dataset_iface,
       labels) + sizeof f->labels && f->labels) ... */

    /*
     * Optional (NULL if the data have no classes): the class label of rows
     * [first, first + count) of a split into labels (count of them), the same
     * rows read() gives: labels[i] belongs to row first + i. Labels are small
     * non-negative integers (Fashion-MNIST's 0..9, a mixture's component); only
     * their equality means anything. BASIN_EUNSUPPORTED when this instance has no
     * labels for that split (a labels file not given); BASIN_EINVAL for an unknown
     * split or a range past its end. The host reads the training split's labels
     * for the class-agreement speciation measure φ_S (docs/science.md,
     * Speciation time). [thread-safe] [deterministic]
     */
    int (*labels)(void *self, const basin_host *host, int split, uint64_t first,
                  uint64_t count, int32_t *labels);
} basin_dataset_iface;

/* --------------------------------------------------------------------- energy */

#define BASIN_IFACE_ENERGY "basin.energy/1"

#define BASIN_ENERGY_BINARY 0x1u /* states are +-1; spin_* functions are given */

/*
 * An associative memory defined by an energy E(x). encode stores memories; the
 * rest evaluate. Everything after encode is [thread-safe] and [deterministic].
 */
typedef struct basin_energy_iface {
    uint32_t struct_size;
    uint32_t flags; /* BASIN_ENERGY_* */
    int (*create)(const basin_host *host, const basin_value *params, uint32_t dim,
                  void **self);
    void (*destroy)(void *self);
    /* Store n memories (n × dim). The energy keeps what it needs: the caller's
       array may be freed after the call. */
    int (*encode)(void *self, const basin_host *host, const float *memories, uint64_t n);
    /* E(x) for n states. */
    int (*energy)(void *self, const basin_host *host, const float *x, uint64_t n,
                  double *energy);
    /* Optional: dE/dx (n × dim). */
    int (*gradient)(void *self, const basin_host *host, const float *x, uint64_t n,
                    float *gradient);
    /* Optional: the model's native synchronous update map, x -> T(x)
       (sign(W x) for Hopfield, X softmax(beta X^T x) for modern Hopfield). */
    int (*update)(void *self, const basin_host *host, const float *x, uint64_t n,
                  float *out);
    /* Optional: Hessian-vector products H(x_r) v_r for n pairs of rows (curvature
       at attractors by Lanczos). Without it the host differences the gradient. */
    int (*hessian_vector)(void *self, const basin_host *host, const float *x,
                          const float *v, uint64_t n, float *out);

    /*
     * Binary energies (BASIN_ENERGY_BINARY): single-spin dynamics through a cache,
     * spin_cache_size() floats per state, that makes an energy change O(1) or O(K)
     * instead of a full evaluation (local fields for Hopfield, overlaps for dense
     * memories). The cache's contents are private to the energy: callers only
     * allocate it and pass it back.
     *   spin_init:  fill cache (n × size) for n states x.
     *   spin_delta: E(x with spin i flipped) - E(x), for one state and its cache.
     *   spin_flip:  flip spin i of one state in place and update its cache.
     */
    uint64_t (*spin_cache_size)(void *self);
    int (*spin_init)(void *self, const basin_host *host, const float *x, uint64_t n,
                     float *cache);
    double (*spin_delta)(void *self, const float *x, const float *cache, uint32_t i);
    void (*spin_flip)(void *self, float *x, float *cache, uint32_t i);

    /* ---- ABI 1.5: read only when struct_size reaches past them (older plugins
       lack them; then call energy, gradient, update): if (energy->struct_size >=
       offsetof(basin_energy_iface, stream_close) + sizeof energy->stream_close &&
       energy->stream_open) ... */

    /*
     * Streams: successive calls on the same n states along their dynamics, so that
     * the energy may keep per-state data between calls (energies/diffusion's
     * certified candidate sets), with the contract of the score streams below:
     * row r of every call through one stream is the same state's trajectory (the
     * energy samplers open one of n = 1 per state); one stream is used by one
     * thread at a time, different streams concurrently; energy_stream,
     * gradient_stream and update_stream compute what energy, gradient and update
     * do, within the tolerance the plugin documents, and may depend on the
     * stream's earlier calls but on nothing else. A NULL function among the three
     * (or *stream set to NULL by stream_open) means: call the plain one.
     * [thread-safe across streams]
     */
    int (*stream_open)(void *self, const basin_host *host, uint64_t n, void **stream);
    int (*energy_stream)(void *self, void *stream, const basin_host *host, const float *x,
                         uint64_t n, double *energy);
    int (*gradient_stream)(void *self, void *stream, const basin_host *host,
                           const float *x, uint64_t n, float *gradient);
    int (*update_stream)(void *self, void *stream, const basin_host *host, const float *x,
                         uint64_t n, float *out);
    void (*stream_close)(void *self, void *stream);
} basin_energy_iface;

/* ---------------------------------------------------------------------- score */

#define BASIN_IFACE_SCORE "basin.score/1"

/*
 * A diffusion model, evaluated as its denoiser x0_hat = E[x0 | x_t = x] under
 * x_t = alpha x0 + sigma eps. Score and noise follow:
 *   s = (alpha x0_hat - x) / sigma^2,    eps_hat = (x - alpha x0_hat) / sigma.
 */
typedef struct basin_score_iface {
    uint32_t struct_size;
    uint32_t flags; /* none defined yet */
    int (*create)(const basin_host *host, const basin_value *params, uint32_t dim,
                  void **self);
    void (*destroy)(void *self);
    /* Fit or store the training set (n × dim); may be long: report progress and
       honour cancellation. [deterministic given rng: role ENCODE] */
    int (*encode)(void *self, const basin_host *host, const float *train, uint64_t n);
    /* x0_hat for n states at one noise level. [thread-safe] */
    int (*denoise)(void *self, const basin_host *host, const float *x, uint64_t n,
                   double alpha, double sigma, float *x0_hat);

    /* ---- ABI 1.4: read only when struct_size reaches past them (older plugins
       lack them; then call denoise): if (score->struct_size >=
       offsetof(basin_score_iface, stream_close) + sizeof score->stream_close &&
       score->stream_open) ... */

    /*
     * Streams: successive denoise calls on the same n trajectories, so that the
     * model may keep per-trajectory state between calls (scores/empirical's
     * certified candidate sets). The contract: row r of every call through one
     * stream is the same trajectory (a sampler opens one per run call, for its
     * batch, and passes every row of the batch in order at every call, predictor
     * evaluations included); one stream is used by one thread at a time;
     * different streams run concurrently. denoise_stream computes what denoise
     * does, within the tolerance the plugin documents, and its result may depend
     * on the stream's earlier calls but on nothing else (not on other streams,
     * threads or timing). stream_open may set *stream to NULL (nothing to keep
     * for these n rows): then call denoise. [thread-safe across streams]
     */
    int (*stream_open)(void *self, const basin_host *host, uint64_t n, void **stream);
    int (*denoise_stream)(void *self, void *stream, const basin_host *host,
                          const float *x, uint64_t n, double alpha, double sigma,
                          float *x0_hat);
    void (*stream_close)(void *self, void *stream);
} basin_score_iface;

/* -------------------------------------------------------------------- sampler */

#define BASIN_IFACE_SAMPLER "basin.sampler/1"

/*
 * A noise schedule x_t = alpha(t) x0 + sigma(t) eps, t in [t_min, t_max]; lent by
 * the host (the schedules are core code, named in the recipe). Generation runs
 * from t_start (normally t_max; later for a trajectory cloned mid-way) down to
 * t_min, on the schedule's own grid. Every function is [thread-safe].
 */
typedef struct basin_schedule {
    uint32_t struct_size;
    const char *name; /* "ddpm-linear", "cosine", "ou", "edm" */
    double t_min, t_max;
    double t_start;  /* where this run begins, t_min < t_start <= t_max */
    const void *ctx; /* the host's */
    /* alpha(t), sigma(t) and, where the pointers are not NULL, their derivatives
       in t (for the probability-flow ODE and the reverse SDE). */
    void (*at)(const struct basin_schedule *s, double t, double *alpha, double *sigma,
               double *dalpha_dt, double *dsigma_dt);
    /* The schedule's discretization in n_steps steps: n_steps + 1 decreasing times
       from t_max to t_min, spaced as the recipe's [schedule] grid says (by default
       Karras et al.'s rho = 7 grid in sigma/alpha). A run that starts at
       t_start < t_max begins at the first grid time <= t_start. */
    void (*grid)(const struct basin_schedule *s, uint32_t n_steps, double *times);
    /* The Ornstein-Uhlenbeck time with the same signal-to-noise ratio:
       t_OU = 1/2 log((alpha^2 + sigma^2) / alpha^2). */
    double (*ou_time)(const struct basin_schedule *s, double t);
} basin_schedule;

/*
 * The model a sampler runs, as the host lends it: exactly one of energy and score
 * is set, with the instance to pass to its functions. schedule is set when the
 * recipe names one.
 */
typedef struct basin_model {
    uint32_t struct_size;
    uint32_t dim;
    const basin_energy_iface *energy;
    void *energy_self;
    const basin_score_iface *score;
    void *score_self;
    const basin_schedule *schedule;
} basin_model;

/* Per-state outcome of a sampler run. */
typedef struct basin_outcome {
    uint32_t steps;     /* steps (sweeps, iterations) taken */
    uint32_t converged; /* 1 if it reached a fixed point / its tolerance */
} basin_outcome;

typedef struct basin_sampler_iface {
    uint32_t struct_size;
    uint32_t flags; /* none defined yet */
    int (*create)(const basin_host *host, const basin_value *params, void **self);
    void (*destroy)(void *self);
    /* Evolve n states (n × dim, in place) under the model; row r is global sample
       first_index + r, which keys its random numbers. Fills outcome[0..n).
       [thread-safe: runs on disjoint batches concurrently]
       [deterministic given rng: role SAMPLER, index = sample] */
    int (*run)(void *self, const basin_host *host, const basin_model *model,
               float *states, uint64_t n, uint64_t first_index, basin_outcome *outcome);
} basin_sampler_iface;

/* ------------------------------------------------------------------ embedding */

/* ABI 1.2. */
#define BASIN_IFACE_EMBEDDING "basin.embedding/1"

/*
 * A feature map f: R^dim -> R^m in which the referee measures its distances
 * instead of in raw coordinates (a recipe's [measure] space; docs/plugin-guide.md,
 * "Embeddings"): whitened principal components, or the features of a network (an
 * LPIPS-, SSCD- or DINO-style space). The host calls create, then encode once
 * with the job's training set, then dimension, then features on the training,
 * held-out and final states. Distances between features are normalized by
 * sqrt(m), as raw ones are by sqrt(dim).
 */
typedef struct basin_embedding_iface {
    uint32_t struct_size;
    uint32_t flags; /* none defined yet */
    /* A new instance with the plugin's parameters. */
    int (*create)(const basin_host *host, const basin_value *params, void **self);
    void (*destroy)(void *self);
    /* Fit the map to n training points (n x dim), or check that a pretrained map
       takes rows of dimension dim (BASIN_EINVAL, with the two dimensions, if it
       does not). Keeps what it needs: the caller's array may be freed after.
       [one thread] [deterministic given rng: role ENCODE] */
    int (*encode)(void *self, const basin_host *host, const float *train, uint64_t n,
                  uint32_t dim);
    /* m, the number of features per point, after a successful encode (>= 1).
       [thread-safe] */
    uint32_t (*dimension)(void *self);
    /* The features of n points x (n x dim, the dim of encode; another dim is
       BASIN_EINVAL) into out (n x m, finite). A row's features depend on that
       row alone, not on the other rows of the call or on the call's size, up to
       float rounding. [thread-safe] [deterministic: the same rows give the same
       bytes] */
    int (*features)(void *self, const basin_host *host, const float *x, uint64_t n,
                    uint32_t dim, float *out);
} basin_embedding_iface;

/* ------------------------------------------------------- descriptors, library */

typedef struct basin_descriptor {
    uint32_t struct_size;
    const char *id;                /* "energies/hopfield": kind/name, unique */
    const char *interface;         /* BASIN_IFACE_*: which table `iface` points to */
    const char *version;           /* the plugin's own version, "1.0.0" */
    const char *summary;           /* one line */
    const basin_param_def *params; /* ends with a row whose name is NULL */
    const void *iface;             /* basin_dataset_iface, basin_energy_iface, ... */
} basin_descriptor;

typedef struct basin_library {
    uint32_t abi_major;   /* BASIN_ABI_MAJOR the library was built with */
    uint32_t abi_minor;   /* BASIN_ABI_MINOR the library was built with */
    uint32_t struct_size; /* sizeof(basin_library) the library was built with */
    const char *name;     /* a short name for messages */
    const basin_descriptor *const *plugins; /* NULL-terminated */
} basin_library;

/* Fill the three version fields of a basin_library initializer. */
#define BASIN_LIBRARY_HEADER BASIN_ABI_MAJOR, BASIN_ABI_MINOR, sizeof(basin_library)

#ifdef __cplusplus
}
#endif

#endif /* BASIN_PLUGIN_H */

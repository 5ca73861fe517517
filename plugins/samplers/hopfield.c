/*
 * samplers/hopfield — zero-temperature single-spin dynamics for any binary energy
 * (BASIN_ENERGY_BINARY): the Hopfield (1982) retrieval dynamics, generalized to any
 * energy that gives spin_delta / spin_flip (dense associative memories included).
 *
 *   async: a sweep visits the N spins in a fresh uniformly random order and flips
 *          spin i iff ΔE_i < 0 (the flip strictly lowers E). E strictly decreases
 *          at every flip and takes finitely many values, so the dynamics reach a
 *          fixed point (every ΔE_i ≥ 0) in finitely many sweeps.
 *   sync:  a step computes every ΔE_i first, then flips all spins with ΔE_i < 0 at
 *          once. For the Hopfield energy with zero diagonal this is x ← sign(W x)
 *          (sign(0) keeping x_i); it converges to a fixed point or to a 2-cycle
 *          (Goles-Chacc, Fogelman-Soulié & Pellegrin 1985), which is detected.
 *
 * A sweep (or sync step) that flips no spin ends the run with converged = 1;
 * outcome.steps counts the sweeps that flipped at least one spin, so a state that
 * starts at a fixed point reports 0 steps. max_sweeps sweeps without a fixed point
 * (or a sync 2-cycle) end with converged = 0.
 *
 * Random numbers (host, role SAMPLER): the order of sweep s of sample k comes from
 * random_bits(index = k, step = s), 2 words per Fisher–Yates draw, so it does not
 * depend on the batch, the thread or the other samples.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <stddef.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "samplers/hopfield"

/* Cache floats per spin_init call: bounds the sampler's memory to 256 MiB of cache
   whatever the batch (a typical batch takes one call; a state whose cache alone is
   larger gets a call of its own). */
#define CACHE_CHUNK_FLOATS ((size_t)1 << 26)

enum { P_MODE, P_MAX_SWEEPS, N_PARAMS };

static const basin_param_def hopfield_sampler_params[N_PARAMS + 1] = {
    [P_MODE] =
        {"mode", BASIN_PARAM_CHOICE, 0, "async", 0, 0, "async|sync", 0,
         "async: one spin at a time in a random order per sweep; sync: all spins at once"},
    [P_MAX_SWEEPS] =
        {"max_sweeps", BASIN_PARAM_INT, 100, NULL, 1, 1000000, NULL, 0,
         "the most sweeps (sync steps) per state before it is reported unconverged"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct hopfield_sampler {
    int sync; /* 0: async */
    uint32_t max_sweeps;
} hopfield_sampler;

/* What one state's run needs: the energy, the host and per-call scratch. */
typedef struct dynamics {
    const basin_host *host;
    const basin_energy_iface *energy;
    void *energy_self;
    uint32_t dim;
    uint32_t max_sweeps;
    uint32_t *order;    /* async: the sweep's permutation; sync: flips this step */
    uint32_t *previous; /* sync: flips of the previous step */
    uint32_t *bits;     /* async: 2 (N − 1) random words */
} dynamics;

/* Release a sampler; NULL is ignored. */
static void hopfield_sampler_destroy(void *self)
{
    free(self);
}

/* A sampler with params `mode` and `max_sweeps`. BASIN_EINVAL, BASIN_ENOMEM. */
static int hopfield_sampler_create(const basin_host *host, const basin_value *params,
                                   void **self)
{
    *self = NULL;
    const char *mode = params[P_MODE].string;
    const double max_sweeps = params[P_MAX_SWEEPS].number;
    int sync;
    if (strcmp(mode, "async") == 0) {
        sync = 0;
    } else if (strcmp(mode, "sync") == 0) {
        sync = 1;
    } else {
        host->error(host, "mode = \"%s\" is not one of async|sync", mode);
        return BASIN_EINVAL;
    }
    if (!(max_sweeps >= 1 && max_sweeps <= 1000000)) {
        host->error(host, "max_sweeps = %g is not in [1, 1000000]", max_sweeps);
        return BASIN_EINVAL;
    }
    hopfield_sampler *s = malloc(sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->sync = sync;
    s->max_sweeps = (uint32_t)max_sweeps;
    *self = s;
    return BASIN_OK;
}

/*
 * floor(w · bound / 2^64) for a 64-bit uniform word w: a draw from {0, …, bound − 1}
 * whose probabilities differ from 1/bound by less than bound / 2^64 < 2^-32
 * relative (Lemire 2019, "Fast random integer generation in an interval", the
 * multiply-shift step without rejection, on 64 bits). Written with 64-bit products
 * only: w = a 2^32 + b, w·bound / 2^64 = (a·bound + (b·bound) / 2^32) / 2^32.
 */
static inline uint32_t bounded(uint32_t a, uint32_t b, uint32_t bound)
{
    const uint64_t high = (uint64_t)a * bound;
    const uint64_t low = (uint64_t)b * bound;
    return (uint32_t)((high + (low >> 32)) >> 32);
}

/* The spins of sample `index` in the order of sweep `sweep`: Fisher–Yates. */
static void sweep_order(const dynamics *d, uint64_t index, uint64_t sweep)
{
    const uint32_t dim = d->dim;
    for (uint32_t i = 0; i < dim; i++)
        d->order[i] = i;
    if (dim < 2)
        return;
    d->host->random_bits(d->host, BASIN_ROLE_SAMPLER, index, sweep, d->bits,
                         2 * (size_t)(dim - 1));
    const uint32_t *w = d->bits;
    for (uint32_t k = dim - 1; k > 0; k--, w += 2) {
        const uint32_t j = bounded(w[0], w[1], k + 1);
        const uint32_t t = d->order[k];
        d->order[k] = d->order[j];
        d->order[j] = t;
    }
}

/*
 * After a sweep that changed the state: the host's observers, then stop with
 * BASIN_ECANCELED if they ask to.
 */
static int observe(const dynamics *d, const float *x, uint64_t index, uint32_t sweep)
{
    if (d->host->observe == NULL)
        return BASIN_OK;
    const basin_step step = {
        .struct_size = sizeof(basin_step),
        .step = (uint64_t)sweep + 1, /* sweeps completed */
        .time = (double)sweep + 1,
        .alpha = 1.0,
        .sigma = 0.0,
        .states = x,
        .n = 1,
        .first_index = index,
    };
    if (d->host->observe(d->host, &step) != 0) {
        d->host->error(d->host, "stopped by an observer at sweep %u of sample %llu",
                       sweep + 1, (unsigned long long)index);
        return BASIN_ECANCELED;
    }
    return BASIN_OK;
}

/* BASIN_ECANCELED (with a message) once the host asks to stop. */
static int check_cancelled(const dynamics *d, uint64_t index, uint32_t sweep)
{
    if (d->host->cancelled != NULL && d->host->cancelled(d->host)) {
        d->host->error(d->host, "cancelled at sweep %u of sample %llu", sweep,
                       (unsigned long long)index);
        return BASIN_ECANCELED;
    }
    return BASIN_OK;
}

/*
 * Asynchronous zero-temperature dynamics of one state x (dim) with its cache, until
 * a sweep flips nothing or max_sweeps. Fills *outcome. [deterministic given rng]
 */
static int run_async(const dynamics *d, float *x, float *cache, uint64_t index,
                     basin_outcome *outcome)
{
    double (*const spin_delta)(void *, const float *, const float *, uint32_t) =
        d->energy->spin_delta;
    void (*const spin_flip)(void *, float *, float *, uint32_t) = d->energy->spin_flip;
    void *const self = d->energy_self;

    for (uint32_t sweep = 0; sweep < d->max_sweeps; sweep++) {
        int rc = check_cancelled(d, index, sweep);
        if (rc != BASIN_OK)
            return rc;
        sweep_order(d, index, sweep);
        uint32_t n_flips = 0;
        for (uint32_t k = 0; k < d->dim; k++) {
            const uint32_t i = d->order[k];
            if (spin_delta(self, x, cache, i) < 0) {
                spin_flip(self, x, cache, i);
                n_flips++;
            }
        }
        if (n_flips == 0) {
            outcome->converged = 1;
            return BASIN_OK;
        }
        outcome->steps++;
        rc = observe(d, x, index, sweep);
        if (rc != BASIN_OK)
            return rc;
    }
    return BASIN_OK;
}

/*
 * Synchronous dynamics of one state: each step flips at once every spin whose
 * ΔE_i < 0 (all ΔE computed on the state before the step). A step that undoes the
 * previous one exactly (same set of flipped spins) closes a 2-cycle: stop,
 * unconverged. Fills *outcome. [deterministic]
 */
static int run_sync(const dynamics *d, float *x, float *cache, uint64_t index,
                    basin_outcome *outcome)
{
    double (*const spin_delta)(void *, const float *, const float *, uint32_t) =
        d->energy->spin_delta;
    void *const self = d->energy_self;
    uint32_t *flips = d->order, *previous = d->previous;
    uint32_t n_previous = 0;

    for (uint32_t sweep = 0; sweep < d->max_sweeps; sweep++) {
        int rc = check_cancelled(d, index, sweep);
        if (rc != BASIN_OK)
            return rc;
        uint32_t n_flips = 0;
        for (uint32_t i = 0; i < d->dim; i++)
            if (spin_delta(self, x, cache, i) < 0)
                flips[n_flips++] = i;
        if (n_flips == 0) {
            outcome->converged = 1;
            return BASIN_OK;
        }
        for (uint32_t k = 0; k < n_flips; k++)
            d->energy->spin_flip(self, x, cache, flips[k]);
        outcome->steps++;
        rc = observe(d, x, index, sweep);
        if (rc != BASIN_OK)
            return rc;
        /* x(t+1) = x(t−1) iff this step flipped exactly the spins the last one did
           (both lists ascending). */
        if (n_flips == n_previous &&
            memcmp(flips, previous, n_flips * sizeof *flips) == 0)
            return BASIN_OK;
        uint32_t *t = previous;
        previous = flips;
        flips = t;
        n_previous = n_flips;
    }
    return BASIN_OK;
}

/* BASIN_EUNSUPPORTED unless the model is a binary energy with the spin_* functions. */
static int check_model(const basin_host *host, const basin_model *model)
{
    const basin_energy_iface *energy = model->energy;
    if (energy == NULL) {
        host->error(host, "needs an energy model with binary (±1) states; this model "
                          "is a score model");
        return BASIN_EUNSUPPORTED;
    }
    if (!(energy->flags & BASIN_ENERGY_BINARY)) {
        host->error(host, "needs a binary energy (BASIN_ENERGY_BINARY); "
                          "this energy has continuous states");
        return BASIN_EUNSUPPORTED;
    }
    if (energy->struct_size <
            offsetof(basin_energy_iface, spin_flip) + sizeof energy->spin_flip ||
        energy->spin_cache_size == NULL || energy->spin_init == NULL ||
        energy->spin_delta == NULL || energy->spin_flip == NULL) {
        host->error(host, "the binary energy lacks spin_cache_size, spin_init, "
                          "spin_delta or spin_flip");
        return BASIN_EUNSUPPORTED;
    }
    if (model->dim == 0) {
        host->error(host, "the model has dimension 0");
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* BASIN_EINVAL naming the first entry of states (n × dim) that is not ±1. */
static int check_states(const basin_host *host, const float *states, uint64_t n,
                        uint32_t dim, uint64_t first_index)
{
    const size_t n_entries = (size_t)n * dim;
    for (size_t k = 0; k < n_entries; k++) {
        if (states[k] != 1.0f && states[k] != -1.0f) {
            host->error(host, "sample %llu entry %u is %g, not ±1",
                        (unsigned long long)(first_index + k / dim), (unsigned)(k % dim),
                        (double)states[k]);
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

/*
 * Evolve n ±1 states (n × dim, in place; row r is sample first_index + r) to fixed
 * points of the model's binary energy; outcome[r] gets the steps and convergence
 * (see the top of the file). The caches of the batch are filled by one spin_init
 * (one GEMM) per CACHE_CHUNK_FLOATS. Returns BASIN_EUNSUPPORTED for a model
 * without binary spin dynamics, BASIN_EINVAL for a state entry that is not ±1,
 * BASIN_ENOMEM, BASIN_ECANCELED (states then hold where each run stopped), or the
 * energy's error.
 * [thread-safe: all state is per call] [deterministic given rng: role SAMPLER]
 */
static int hopfield_sampler_run(void *self, const basin_host *host,
                                const basin_model *model, float *states, uint64_t n,
                                uint64_t first_index, basin_outcome *outcome)
{
    const hopfield_sampler *s = self;
    int rc = check_model(host, model);
    if (rc != BASIN_OK)
        return rc;
    if (n == 0)
        return BASIN_OK;
    if (states == NULL || outcome == NULL) {
        host->error(host, "states or outcome is NULL");
        return BASIN_EINVAL;
    }
    memset(outcome, 0, n * sizeof *outcome);
    const uint32_t dim = model->dim;
    rc = check_states(host, states, n, dim, first_index);
    if (rc != BASIN_OK)
        return rc;

    const basin_energy_iface *energy = model->energy;
    const uint64_t cache_size = energy->spin_cache_size(model->energy_self);
    if (cache_size == 0 || cache_size > SIZE_MAX / sizeof(float)) {
        host->error(host,
                    "the energy's spin cache size (%llu floats per state) is "
                    "invalid",
                    (unsigned long long)cache_size);
        return BASIN_EINTERNAL;
    }
    uint64_t rows_per_chunk = CACHE_CHUNK_FLOATS / cache_size;
    if (rows_per_chunk == 0)
        rows_per_chunk = 1;
    const size_t chunk = (size_t)(n < rows_per_chunk ? n : rows_per_chunk);

    float *cache = malloc(chunk * (size_t)cache_size * sizeof *cache);
    uint32_t *work = malloc((s->sync ? 2 * (size_t)dim : 3 * (size_t)dim) * sizeof *work);
    if (cache == NULL || work == NULL) {
        host->error(host, "cannot allocate the spin caches of %zu states × %llu floats",
                    chunk, (unsigned long long)cache_size);
        free(cache);
        free(work);
        return BASIN_ENOMEM;
    }
    const dynamics d = {
        .host = host,
        .energy = energy,
        .energy_self = model->energy_self,
        .dim = dim,
        .max_sweeps = s->max_sweeps,
        .order = work,
        .previous = s->sync ? work + dim : NULL,
        .bits = s->sync ? NULL : work + dim,
    };

    for (uint64_t first = 0; first < n && rc == BASIN_OK; first += chunk) {
        const size_t rows = n - first < chunk ? (size_t)(n - first) : chunk;
        float *x = states + first * dim;
        rc = energy->spin_init(model->energy_self, host, x, rows, cache);
        for (size_t r = 0; r < rows && rc == BASIN_OK; r++) {
            const uint64_t index = first_index + first + r;
            float *row_cache = cache + r * cache_size;
            rc = s->sync
                     ? run_sync(&d, x + r * dim, row_cache, index, &outcome[first + r])
                     : run_async(&d, x + r * dim, row_cache, index, &outcome[first + r]);
        }
    }
    free(cache);
    free(work);
    return rc;
}

static const basin_sampler_iface hopfield_sampler_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .flags = 0,
    .create = hopfield_sampler_create,
    .destroy = hopfield_sampler_destroy,
    .run = hopfield_sampler_run,
};

static const basin_descriptor hopfield_sampler_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "zero-temperature spin-flip dynamics (async or sync) for binary energies",
    .params = hopfield_sampler_params,
    .iface = &hopfield_sampler_iface,
};

static const basin_descriptor *const hopfield_sampler_plugins[] = {
    &hopfield_sampler_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "hopfield-sampler",
    hopfield_sampler_plugins,
};

/*
 * scores/ffi — a denoiser in a shared library that was not written for basin,
 * called through libffi (foreign.h). The recipe names the library, the symbol, its
 * C prototype and what each argument binds:
 *
 *   [model]
 *   plugin = "scores/ffi"
 *   library = "/opt/models/libmydenoiser.so"
 *   prototype = "int my_denoise(const float *x, uint64_t n, uint32_t dim, "
 *               "double alpha, double sigma, const float *train, uint64_t k, "
 *               "float *out)"
 *   bindings = "x, n, dim, alpha, sigma, train, k, out"
 *
 * The function computes x̂0 = E[x0 | x_t = x] under x_t = α x0 + σ ε for n states
 * (n × dim floats) into out (n × dim floats), like basin.score/1's denoise. The
 * library, the symbol, the prototype and the bindings are all checked at create
 * (the training set's size at encode), before any sampling. encode keeps a copy of
 * the training set for a `train` binding. Unless thread_safe is true, calls are
 * serialized by a mutex (a foreign function may keep global state).
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include "foreign.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

enum { P_LIBRARY, P_SYMBOL, P_PROTOTYPE, P_BINDINGS, P_THREAD_SAFE, N_PARAMS };

static const basin_param_def ffi_score_params[N_PARAMS + 1] = {
    [P_LIBRARY] =
        {"library", BASIN_PARAM_STRING, 0, "/path/to/libmodel.so", 0, 0, NULL,
         BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH | BASIN_PARAM_LIBRARY,
         "the shared library to dlopen (a path, relative to the recipe, or a bare name "
         "with no '/' searched like dlopen does)"},
    [P_SYMBOL] =
        {"symbol", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "the function's symbol in the library (empty: the name in the prototype)"},
    [P_PROTOTYPE] =
        {"prototype", BASIN_PARAM_STRING, 0,
         "int denoise(const float *x, uint64_t n, uint32_t dim, double alpha, "
         "double sigma, const float *train, uint64_t k, float *out)",
         0, 0, NULL, BASIN_PARAM_REQUIRED,
         "the function's C prototype (integer widths, float, double, pointers to them)"},
    [P_BINDINGS] =
        {"bindings", BASIN_PARAM_STRING, 0, "x, n, dim, alpha, sigma, train, k, out", 0,
         0, NULL, 0,
         "what each argument receives, in order: x, n, dim, alpha, sigma, train, k, out "
         "or const:NUMBER"},
    [P_THREAD_SAFE] =
        {"thread_safe", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "whether the function may run on several threads at once (else serialized)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const binding_rules denoiser_rules = {
    .role = "denoiser",
    .allowed = BIND_BIT(BIND_X) | BIND_BIT(BIND_N) | BIND_BIT(BIND_DIM) |
               BIND_BIT(BIND_ALPHA) | BIND_BIT(BIND_SIGMA) | BIND_BIT(BIND_TRAIN) |
               BIND_BIT(BIND_K) | BIND_BIT(BIND_OUT) | BIND_BIT(BIND_CONST),
    .out = SCALAR_FLOAT,
    .out_per_state = 0,
    .value_return = 0,
};

typedef struct ffi_score {
    uint32_t dim;
    void *library; /* dlopen handle */
    foreign_fn denoise;
    int thread_safe;
    pthread_mutex_t lock; /* serializes calls unless thread_safe */
    float *train;         /* k × dim, from encode; NULL before */
    uint64_t k;
} ffi_score;

static void ffi_score_destroy(void *self)
{
    ffi_score *s = self;
    if (s == NULL)
        return;
    free(s->train);
    if (s->library != NULL)
        dlclose(s->library);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Load the library, resolve and check the function. BASIN_EINVAL, BASIN_ENOMEM. */
static int ffi_score_create(const basin_host *host, const basin_value *params,
                            uint32_t dim, void **self)
{
    *self = NULL;
    char err[512];
    if (dim == 0) {
        host->error(host, "dim = 0 must be >= 1");
        return BASIN_EINVAL;
    }
    ffi_score *s = calloc(1, sizeof *s);
    if (s == NULL || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->dim = dim;
    s->thread_safe = params[P_THREAD_SAFE].number != 0;
    int rc = foreign_library_open(params[P_LIBRARY].string, &s->library, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_bind(&s->denoise, s->library, "", params[P_SYMBOL].string,
                          params[P_PROTOTYPE].string, params[P_BINDINGS].string,
                          &denoiser_rules, dim, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        ffi_score_destroy(s);
        return rc;
    }
    *self = s;
    return BASIN_OK;
}

/* Keep a copy of the training set (n × dim). BASIN_EINVAL, BASIN_ENUMERIC,
   BASIN_ENOMEM. Called from one thread. */
static int ffi_score_encode(void *self, const basin_host *host, const float *train,
                            uint64_t n)
{
    ffi_score *s = self;
    char err[512];
    float *copy = NULL;
    int rc = foreign_check_k(&s->denoise, n, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_keep_train(&copy, train, n, s->dim, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        return rc;
    }
    free(s->train);
    s->train = copy;
    s->k = n;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

/* The foreign denoiser on n states into x0_hat (n × dim). BASIN_EINVAL before
   encode; BASIN_EIO (nonzero status) and BASIN_ENUMERIC (an output not finite)
   from the call. [thread-safe: serialized unless thread_safe] */
static int ffi_score_denoise(void *self, const basin_host *host, const float *x,
                             uint64_t n, double alpha, double sigma, float *x0_hat)
{
    ffi_score *s = self;
    if (s->train == NULL) {
        host->error(host, "denoise called before encode");
        return BASIN_EINVAL;
    }
    const foreign_args args = {
        .x = x,
        .n = n,
        .dim = s->dim,
        .alpha = alpha,
        .sigma = sigma,
        .train = s->train,
        .k = s->k,
        .out = x0_hat,
    };
    return foreign_call_reported(&s->denoise, &args, s->thread_safe, &s->lock, host,
                                 "denoise");
}

static const basin_score_iface ffi_score_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = ffi_score_create,
    .destroy = ffi_score_destroy,
    .encode = ffi_score_encode,
    .denoise = ffi_score_denoise,
};

const basin_descriptor ffi_score_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/ffi",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary = "a denoiser in a foreign shared library, called through libffi",
    .params = ffi_score_params,
    .iface = &ffi_score_iface,
};

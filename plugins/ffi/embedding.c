/*
 * embeddings/ffi — a feature map in a shared library that was not written for
 * basin, called through libffi (foreign.h), for a recipe's [measure] space:
 *
 *   [measure]
 *   space = "embeddings/ffi"
 *   [space]
 *   library = "/opt/features/libfeatures.so"
 *   prototype = "int features(const float *x, uint64_t n, uint32_t dim, "
 *               "uint32_t m, float *out)"
 *   bindings = "x, n, dim, m, out"
 *   features = 16
 *
 * The function writes the m features of each of n states (n × dim floats) into
 * out (n × m floats), like basin.embedding/1's features; m is `features` (0: m =
 * dim). It may also bind `train` and `k`, the training rows encode kept: a map
 * fitted to the training set can fit itself on the first call, if it does so the
 * same way on every call. The library, the symbol, the prototype and the bindings
 * are checked at create, the dimensions at encode. Unless thread_safe is true,
 * calls are serialized by a mutex (a foreign function may keep global state).
 * A row's features must depend on that row alone (basin.embedding/1).
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include "foreign.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

enum {
    P_LIBRARY,
    P_SYMBOL,
    P_PROTOTYPE,
    P_BINDINGS,
    P_FEATURES,
    P_THREAD_SAFE,
    N_PARAMS
};

static const basin_param_def ffi_embedding_params[N_PARAMS + 1] = {
    [P_LIBRARY] =
        {"library", BASIN_PARAM_STRING, 0, "/path/to/libfeatures.so", 0, 0, NULL,
         BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH | BASIN_PARAM_LIBRARY,
         "the shared library to dlopen (a path, relative to the recipe, or a bare name "
         "with no '/' searched like dlopen does)"},
    [P_SYMBOL] =
        {"symbol", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "the function's symbol in the library (empty: the name in the prototype)"},
    [P_PROTOTYPE] =
        {"prototype", BASIN_PARAM_STRING, 0,
         "int features(const float *x, uint64_t n, uint32_t dim, uint32_t m, float *out)",
         0, 0, NULL, BASIN_PARAM_REQUIRED,
         "the function's C prototype (integer widths, float, double, pointers to them)"},
    [P_BINDINGS] = {"bindings", BASIN_PARAM_STRING, 0, "x, n, dim, m, out", 0, 0, NULL, 0,
                    "what each argument receives, in order: x, n, dim, m, train, k, out "
                    "or const:NUMBER"},
    [P_FEATURES] = {"features", BASIN_PARAM_INT, 0, NULL, 0, 1 << 24, NULL, 0,
                    "m, the features the function writes per state (0: m = dim)"},
    [P_THREAD_SAFE] =
        {"thread_safe", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "whether the function may run on several threads at once (else serialized)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const binding_rules features_rules = {
    .role = "feature map",
    .allowed = BIND_BIT(BIND_X) | BIND_BIT(BIND_N) | BIND_BIT(BIND_DIM) |
               BIND_BIT(BIND_M) | BIND_BIT(BIND_TRAIN) | BIND_BIT(BIND_K) |
               BIND_BIT(BIND_OUT) | BIND_BIT(BIND_CONST),
    .out = SCALAR_FLOAT,
    .out_per_state = 0, /* m, set at encode */
    .value_return = 0,
};

typedef struct ffi_embedding {
    uint32_t features; /* as given; 0: dim */
    uint32_t dim, m;   /* after encode; 0 before */
    void *library;     /* dlopen handle */
    foreign_fn fn;
    int thread_safe;
    pthread_mutex_t lock; /* serializes calls unless thread_safe */
    float *train;         /* k × dim, from encode */
    uint64_t k;
} ffi_embedding;

static void ffi_embedding_destroy(void *self)
{
    ffi_embedding *s = self;
    if (s == NULL)
        return;
    free(s->train);
    if (s->library != NULL)
        dlclose(s->library);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Load the library, resolve and check the function. BASIN_EINVAL, BASIN_ENOMEM. */
static int ffi_embedding_create(const basin_host *host, const basin_value *params,
                                void **self)
{
    *self = NULL;
    char err[512];
    ffi_embedding *s = calloc(1, sizeof *s);
    if (s == NULL || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->features = (uint32_t)params[P_FEATURES].number;
    s->thread_safe = params[P_THREAD_SAFE].number != 0;
    int rc = foreign_library_open(params[P_LIBRARY].string, &s->library, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_bind(&s->fn, s->library, "", params[P_SYMBOL].string,
                          params[P_PROTOTYPE].string, params[P_BINDINGS].string,
                          &features_rules, 0, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        ffi_embedding_destroy(s);
        return rc;
    }
    *self = s;
    return BASIN_OK;
}

/* Whether value fits the integer argument bound to kind (or nothing binds it). */
static int fits(const foreign_fn *f, binding_kind kind, uint64_t value)
{
    const int at = f->bind.position[kind];
    return at < 0 || value <= scalar_max(f->proto.args[at].scalar);
}

/* Check dim and m against the types they are bound to, keep a copy of the
   training set (n × dim). BASIN_EINVAL, BASIN_ENUMERIC, BASIN_ENOMEM. */
static int ffi_embedding_encode(void *self, const basin_host *host, const float *train,
                                uint64_t n, uint32_t dim)
{
    ffi_embedding *s = self;
    char err[512];
    const uint32_t m = s->features ? s->features : dim;
    if (!fits(&s->fn, BIND_DIM, dim) || !fits(&s->fn, BIND_M, m)) {
        host->error(host, "bindings: dim = %u or m = %u does not fit its argument's type",
                    dim, m);
        return BASIN_EINVAL;
    }
    float *copy = NULL;
    int rc = foreign_check_k(&s->fn, n, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_keep_train(&copy, train, n, dim, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        return rc;
    }
    free(s->train);
    s->train = copy;
    s->k = n;
    s->dim = dim;
    s->m = m;
    s->fn.rules.out_per_state = m;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

static uint32_t ffi_embedding_dimension(void *self)
{
    return ((const ffi_embedding *)self)->m;
}

/* The foreign function on n states into out (n × m). BASIN_EINVAL before encode
   or for another dim; BASIN_EIO (nonzero status) and BASIN_ENUMERIC (a feature
   not finite) from the call. [thread-safe: serialized unless thread_safe] */
static int ffi_embedding_features(void *self, const basin_host *host, const float *x,
                                  uint64_t n, uint32_t dim, float *out)
{
    ffi_embedding *s = self;
    if (s->train == NULL) {
        host->error(host, "features called before encode");
        return BASIN_EINVAL;
    }
    if (dim != s->dim) {
        host->error(host, "rows of dim %u, but encode saw dim %u", dim, s->dim);
        return BASIN_EINVAL;
    }
    const foreign_args args = {
        .x = x,
        .n = n,
        .dim = dim,
        .train = s->train,
        .k = s->k,
        .m = s->m,
        .out = out,
    };
    return foreign_call_reported(&s->fn, &args, s->thread_safe, &s->lock, host,
                                 "features");
}

static const basin_embedding_iface ffi_embedding_iface = {
    .struct_size = sizeof(basin_embedding_iface),
    .flags = 0,
    .create = ffi_embedding_create,
    .destroy = ffi_embedding_destroy,
    .encode = ffi_embedding_encode,
    .dimension = ffi_embedding_dimension,
    .features = ffi_embedding_features,
};

const basin_descriptor ffi_embedding_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "embeddings/ffi",
    .interface = BASIN_IFACE_EMBEDDING,
    .version = "1.0.0",
    .summary = "a feature map in a foreign shared library, called through libffi",
    .params = ffi_embedding_params,
    .iface = &ffi_embedding_iface,
};

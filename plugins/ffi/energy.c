/*
 * energies/ffi — an energy E(x) (and optionally its gradient) in a shared library
 * that was not written for basin, called through libffi (foreign.h):
 *
 *   [model]
 *   plugin = "energies/ffi"
 *   library = "/opt/models/libmyenergy.so"
 *   energy_prototype = "void my_energy(const float *x, size_t n, int dim, "
 *                      "const float *train, size_t k, double *out)"
 *   gradient_prototype = "int my_gradient(const float *x, size_t n, int dim, "
 *                        "const float *train, size_t k, float *out)"
 *
 * The energy writes n doubles (one per state), or returns one state's energy as
 * double or float and is called once per state (then out is not bound); the
 * gradient writes n × dim floats. Bindings as in bindings.h, without alpha and
 * sigma. With no gradient_prototype, gradient() returns BASIN_EUNSUPPORTED.
 * Everything is checked at create (the training set's size at encode). Unless
 * thread_safe is true, calls of both functions are serialized by one mutex.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include "foreign.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#define ENERGY_BINDINGS "x, n, dim, train, k, out"

enum {
    P_LIBRARY,
    P_ENERGY_SYMBOL,
    P_ENERGY_PROTOTYPE,
    P_ENERGY_BINDINGS,
    P_GRADIENT_SYMBOL,
    P_GRADIENT_PROTOTYPE,
    P_GRADIENT_BINDINGS,
    P_THREAD_SAFE,
    N_PARAMS
};

static const basin_param_def ffi_energy_params[N_PARAMS + 1] = {
    [P_LIBRARY] =
        {"library", BASIN_PARAM_STRING, 0, "/path/to/libmodel.so", 0, 0, NULL,
         BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH | BASIN_PARAM_LIBRARY,
         "the shared library to dlopen (a path, relative to the recipe, or a bare name "
         "with no '/' searched like dlopen does)"},
    [P_ENERGY_SYMBOL] =
        {"energy_symbol", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "the energy's symbol in the library (empty: the name in energy_prototype)"},
    [P_ENERGY_PROTOTYPE] =
        {"energy_prototype", BASIN_PARAM_STRING, 0,
         "void energy(const float *x, uint64_t n, uint32_t dim, const float *train, "
         "uint64_t k, double *out)",
         0, 0, NULL, BASIN_PARAM_REQUIRED,
         "the energy's C prototype (integer widths, float, double, pointers to them)"},
    [P_ENERGY_BINDINGS] =
        {"energy_bindings", BASIN_PARAM_STRING, 0, ENERGY_BINDINGS, 0, 0, NULL, 0,
         "what each energy argument receives: x, n, dim, train, k, out or const:NUMBER"},
    [P_GRADIENT_SYMBOL] =
        {"gradient_symbol", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "the gradient's symbol (empty: the name in gradient_prototype)"},
    [P_GRADIENT_PROTOTYPE] =
        {"gradient_prototype", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "the gradient's C prototype, writing n x dim floats (empty: no gradient)"},
    [P_GRADIENT_BINDINGS] =
        {"gradient_bindings", BASIN_PARAM_STRING, 0, ENERGY_BINDINGS, 0, 0, NULL, 0,
         "what each gradient argument receives: x, n, dim, train, k, out or const:NUMBER"},
    [P_THREAD_SAFE] =
        {"thread_safe", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "whether the functions may run on several threads at once (else serialized)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

#define ENERGY_ALLOWED                                                                   \
    (BIND_BIT(BIND_X) | BIND_BIT(BIND_N) | BIND_BIT(BIND_DIM) | BIND_BIT(BIND_TRAIN) |   \
     BIND_BIT(BIND_K) | BIND_BIT(BIND_OUT) | BIND_BIT(BIND_CONST))

static const binding_rules energy_rules = {
    .role = "energy",
    .allowed = ENERGY_ALLOWED,
    .out = SCALAR_DOUBLE,
    .out_per_state = 1,
    .value_return = 1,
};

static const binding_rules gradient_rules = {
    .role = "gradient",
    .allowed = ENERGY_ALLOWED,
    .out = SCALAR_FLOAT,
    .out_per_state = 0,
    .value_return = 0,
};

typedef struct ffi_energy {
    uint32_t dim;
    void *library; /* dlopen handle */
    foreign_fn energy;
    foreign_fn gradient;
    int has_gradient;
    int thread_safe;
    pthread_mutex_t lock; /* serializes calls unless thread_safe */
    float *train;         /* k × dim, from encode; NULL before */
    uint64_t k;
} ffi_energy;

static void ffi_energy_destroy(void *self)
{
    ffi_energy *e = self;
    if (e == NULL)
        return;
    free(e->train);
    if (e->library != NULL)
        dlclose(e->library);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

/* Load the library, resolve and check both functions. BASIN_EINVAL, ENOMEM. */
static int ffi_energy_create(const basin_host *host, const basin_value *params,
                             uint32_t dim, void **self)
{
    *self = NULL;
    char err[512];
    if (dim == 0) {
        host->error(host, "dim = 0 must be >= 1");
        return BASIN_EINVAL;
    }
    ffi_energy *e = calloc(1, sizeof *e);
    if (e == NULL || pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    e->dim = dim;
    e->thread_safe = params[P_THREAD_SAFE].number != 0;
    e->has_gradient = params[P_GRADIENT_PROTOTYPE].string[0] != '\0';
    int rc = foreign_library_open(params[P_LIBRARY].string, &e->library, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_bind(
            &e->energy, e->library, "energy_", params[P_ENERGY_SYMBOL].string,
            params[P_ENERGY_PROTOTYPE].string, params[P_ENERGY_BINDINGS].string,
            &energy_rules, dim, err, sizeof err);
    if (rc == BASIN_OK && e->has_gradient)
        rc = foreign_bind(
            &e->gradient, e->library, "gradient_", params[P_GRADIENT_SYMBOL].string,
            params[P_GRADIENT_PROTOTYPE].string, params[P_GRADIENT_BINDINGS].string,
            &gradient_rules, dim, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        ffi_energy_destroy(e);
        return rc;
    }
    *self = e;
    return BASIN_OK;
}

/* Keep a copy of the memories (n × dim). BASIN_EINVAL, ENUMERIC, ENOMEM. */
static int ffi_energy_encode(void *self, const basin_host *host, const float *memories,
                             uint64_t n)
{
    ffi_energy *e = self;
    char err[512];
    float *copy = NULL;
    int rc = foreign_check_k(&e->energy, n, err, sizeof err);
    if (rc == BASIN_OK && e->has_gradient)
        rc = foreign_check_k(&e->gradient, n, err, sizeof err);
    if (rc == BASIN_OK)
        rc = foreign_keep_train(&copy, memories, n, e->dim, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        return rc;
    }
    free(e->train);
    e->train = copy;
    e->k = n;
    if (host->progress != NULL)
        host->progress(host, n, n);
    return BASIN_OK;
}

/* Call f on n states into out, serialized unless thread_safe. */
static int call(ffi_energy *e, const foreign_fn *f, const basin_host *host,
                const char *what, const float *x, uint64_t n, void *out)
{
    if (e->train == NULL) {
        host->error(host, "%s called before encode", what);
        return BASIN_EINVAL;
    }
    const foreign_args args = {
        .x = x,
        .n = n,
        .dim = e->dim,
        .train = e->train,
        .k = e->k,
        .out = out,
    };
    return foreign_call_reported(f, &args, e->thread_safe, &e->lock, host, what);
}

/* E(x) for n states. [thread-safe: serialized unless thread_safe] */
static int ffi_energy_energy(void *self, const basin_host *host, const float *x,
                             uint64_t n, double *energy)
{
    ffi_energy *e = self;
    return call(e, &e->energy, host, "energy", x, n, energy);
}

/* dE/dx (n × dim); BASIN_EUNSUPPORTED without a gradient_prototype. */
static int ffi_energy_gradient(void *self, const basin_host *host, const float *x,
                               uint64_t n, float *gradient)
{
    ffi_energy *e = self;
    if (!e->has_gradient) {
        host->error(host, "gradient: no gradient_prototype was given");
        return BASIN_EUNSUPPORTED;
    }
    return call(e, &e->gradient, host, "gradient", x, n, gradient);
}

static const basin_energy_iface ffi_energy_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = 0,
    .create = ffi_energy_create,
    .destroy = ffi_energy_destroy,
    .encode = ffi_energy_encode,
    .energy = ffi_energy_energy,
    .gradient = ffi_energy_gradient,
};

const basin_descriptor ffi_energy_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "energies/ffi",
    .interface = BASIN_IFACE_ENERGY,
    .version = "1.0.0",
    .summary = "an energy (and gradient) in a foreign shared library, via libffi",
    .params = ffi_energy_params,
    .iface = &ffi_energy_iface,
};

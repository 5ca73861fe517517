/* foreign — see foreign.h. */
#include "foreign.h"

#include <basin/plugin.h>

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int foreign_library_open(const char *path, void **handle, char *err, size_t n_err)
{
    *handle = NULL;
    if (path[0] == '\0') {
        snprintf(err, n_err, "library: no library given");
        return BASIN_EINVAL;
    }
    dlerror();
    *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (*handle == NULL) {
        const char *why = dlerror();
        snprintf(err, n_err, "cannot load library: %s", why ? why : path);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* Whether value fits the integer type of argument `position` of f. */
static int fits(const foreign_fn *f, int position, uint64_t value)
{
    return value <= scalar_max(f->proto.args[position].scalar);
}

int foreign_bind(foreign_fn *f, void *handle, const char *prefix, const char *symbol,
                 const char *prototype_text, const char *bindings_text,
                 const binding_rules *rules, uint32_t dim, char *err, size_t n_err)
{
    char why[400];
    memset(f, 0, sizeof *f);
    f->rules = *rules;
    if (prototype_text[0] == '\0') {
        snprintf(err, n_err, "%sprototype: no prototype given", prefix);
        return BASIN_EINVAL;
    }
    if (prototype_parse(prototype_text, &f->proto, why, sizeof why) != BASIN_OK) {
        snprintf(err, n_err, "%sprototype: %s", prefix, why);
        return BASIN_EINVAL;
    }
    if (bindings_parse(bindings_text, &f->proto, rules, &f->bind, why, sizeof why) !=
        BASIN_OK) {
        snprintf(err, n_err, "%sbindings: %s", prefix, why);
        return BASIN_EINVAL;
    }
    const char *name = symbol[0] != '\0' ? symbol : f->proto.name;
    snprintf(f->symbol, sizeof f->symbol, "%s", name);
    dlerror();
    void *address = dlsym(handle, name);
    if (address == NULL) {
        const char *e = dlerror();
        snprintf(err, n_err, "%ssymbol: '%s' not found (%s)", prefix, name,
                 e ? e : "null address");
        return BASIN_EINVAL;
    }
    /* POSIX: a dlsym result may be converted to a function pointer. */
    memcpy(&f->fn, &address, sizeof f->fn);
    const int at = f->bind.position[BIND_DIM];
    if (at >= 0 && !fits(f, at, dim)) {
        snprintf(err, n_err, "%sbindings: dim = %u does not fit argument %d (%s)", prefix,
                 dim, at + 1, f->proto.args[at].spelling);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int foreign_check_k(const foreign_fn *f, uint64_t k, char *err, size_t n_err)
{
    const int at = f->bind.position[BIND_K];
    if (at >= 0 && !fits(f, at, k)) {
        snprintf(err, n_err,
                 "%s: k = %llu training points do not fit argument %d "
                 "(%s)",
                 f->symbol, (unsigned long long)k, at + 1, f->proto.args[at].spelling);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* One argument's storage, large enough for any whitelisted type. */
typedef union argument {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    const void *p;
} argument;

/* Store a number (an integer exactly, when the type is one) as type s. */
static void store_integer(argument *a, prototype_scalar s, uint64_t v)
{
    switch (s) {
    case SCALAR_I8:
        a->i8 = (int8_t)v;
        break;
    case SCALAR_U8:
        a->u8 = (uint8_t)v;
        break;
    case SCALAR_I16:
        a->i16 = (int16_t)v;
        break;
    case SCALAR_U16:
        a->u16 = (uint16_t)v;
        break;
    case SCALAR_I32:
        a->i32 = (int32_t)v;
        break;
    case SCALAR_U32:
        a->u32 = (uint32_t)v;
        break;
    case SCALAR_I64:
        a->i64 = (int64_t)v;
        break;
    case SCALAR_U64:
        a->u64 = v;
        break;
    case SCALAR_FLOAT:
        a->f = (float)v;
        break;
    case SCALAR_DOUBLE:
        a->d = (double)v;
        break;
    case SCALAR_VOID:
        break;
    }
}

static void store_real(argument *a, prototype_scalar s, double v)
{
    if (s == SCALAR_FLOAT)
        a->f = (float)v;
    else if (s == SCALAR_DOUBLE)
        a->d = v;
    else if (v < 0) /* a negative integer constant, checked to fit */
        store_integer(a, s, (uint64_t)(int64_t)v);
    else
        store_integer(a, s, (uint64_t)v);
}

/* The value slot libffi writes a return into (at least ffi_arg wide). */
typedef union returned {
    ffi_arg a;
    ffi_sarg s;
    float f;
    double d;
    uint64_t u64;
} returned;

/* Call on rows [first, first + rows) into out. */
static int call_rows(const foreign_fn *f, const foreign_args *a, uint64_t first,
                     uint64_t rows, char *err, size_t n_err)
{
    const prototype *p = &f->proto;
    argument values[PROTOTYPE_MAX_ARGS];
    void *pointers[PROTOTYPE_MAX_ARGS];
    const size_t dim = a->dim;
    const size_t out_width = f->rules.out_per_state ? f->rules.out_per_state : dim;
    const size_t out_size = f->rules.out == SCALAR_FLOAT ? sizeof(float) : sizeof(double);
    for (int i = 0; i < p->n_args; i++) {
        const binding *b = &f->bind.b[i];
        const prototype_scalar s = p->args[i].scalar;
        argument *v = &values[i];
        memset(v, 0, sizeof *v);
        switch (b->kind) {
        case BIND_X:
            v->p = a->x + first * dim;
            break;
        case BIND_N:
            store_integer(v, s, rows);
            break;
        case BIND_DIM:
            store_integer(v, s, a->dim);
            break;
        case BIND_ALPHA:
            store_real(v, s, a->alpha);
            break;
        case BIND_SIGMA:
            store_real(v, s, a->sigma);
            break;
        case BIND_TRAIN:
            v->p = a->train;
            break;
        case BIND_K:
            store_integer(v, s, a->k);
            break;
        case BIND_M:
            store_integer(v, s, a->m);
            break;
        case BIND_OUT:
            v->p = (char *)a->out + first * out_width * out_size;
            break;
        case BIND_CONST:
            store_real(v, s, b->constant);
            break;
        case BIND_COUNT:
            break;
        }
        pointers[i] = v;
    }
    returned r;
    memset(&r, 0, sizeof r);
    ffi_call((ffi_cif *)&p->cif, f->fn, &r, p->n_args ? pointers : NULL);
    const prototype_scalar rs = p->ret.scalar;
    if (f->bind.value_return) {
        ((double *)a->out)[first] = rs == SCALAR_FLOAT ? (double)r.f : r.d;
    } else if (scalar_is_integer(rs)) {
        const int is_signed =
            rs == SCALAR_I8 || rs == SCALAR_I16 || rs == SCALAR_I32 || rs == SCALAR_I64;
        int64_t status = is_signed ? (int64_t)r.s : (int64_t)r.a;
        if (rs == SCALAR_I64 || rs == SCALAR_U64)
            status = (int64_t)r.u64;
        if (status != 0) {
            snprintf(err, n_err, "%s returned %lld (nonzero: failure)", f->symbol,
                     (long long)status);
            return BASIN_EIO;
        }
    }
    return BASIN_OK;
}

int foreign_call(const foreign_fn *f, const foreign_args *a, char *err, size_t n_err)
{
    if (a->n == 0)
        return BASIN_OK;
    const size_t width = f->rules.out_per_state ? f->rules.out_per_state : a->dim;
    const size_t total = (size_t)a->n * width;
    if (f->rules.out == SCALAR_FLOAT)
        for (size_t i = 0; i < total; i++)
            ((float *)a->out)[i] = NAN;
    else
        for (size_t i = 0; i < total; i++)
            ((double *)a->out)[i] = NAN;
    uint64_t chunk = 1;
    if (!f->bind.per_state) {
        const uint64_t most = scalar_max(f->proto.args[f->bind.position[BIND_N]].scalar);
        chunk = a->n < most ? a->n : most;
    }
    for (uint64_t first = 0; first < a->n; first += chunk) {
        const uint64_t rows = a->n - first < chunk ? a->n - first : chunk;
        const int rc = call_rows(f, a, first, rows, err, n_err);
        if (rc != BASIN_OK)
            return rc;
    }
    for (size_t i = 0; i < total; i++) {
        const double v = f->rules.out == SCALAR_FLOAT ? (double)((float *)a->out)[i]
                                                      : ((double *)a->out)[i];
        if (!isfinite(v)) {
            snprintf(err, n_err,
                     "%s gave %g at state %zu entry %zu (not finite, "
                     "or not written)",
                     f->symbol, v, i / width, i % width);
            return BASIN_ENUMERIC;
        }
    }
    return BASIN_OK;
}

int foreign_keep_train(float **train, const float *rows, uint64_t k, uint32_t dim,
                       char *err, size_t n_err)
{
    *train = NULL;
    if (k == 0 || rows == NULL) {
        snprintf(err, n_err, "encode: the training set is empty");
        return BASIN_EINVAL;
    }
    if (dim == 0 || k > SIZE_MAX / sizeof(float) / dim) {
        snprintf(err, n_err, "encode: %llu training points of dim %u overflow memory",
                 (unsigned long long)k, dim);
        return BASIN_EINVAL;
    }
    const size_t count = (size_t)k * dim;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(rows[i])) {
            snprintf(err, n_err, "encode: training point %zu entry %zu is %g", i / dim,
                     i % dim, (double)rows[i]);
            return BASIN_ENUMERIC;
        }
    *train = malloc(count * sizeof **train);
    if (*train == NULL) {
        snprintf(err, n_err, "encode: out of memory for %llu training points",
                 (unsigned long long)k);
        return BASIN_ENOMEM;
    }
    memcpy(*train, rows, count * sizeof **train);
    return BASIN_OK;
}

int foreign_call_reported(const foreign_fn *f, const foreign_args *a, int thread_safe,
                          pthread_mutex_t *lock, const basin_host *host, const char *what)
{
    char err[512];
    if (!thread_safe)
        pthread_mutex_lock(lock);
    const int rc = foreign_call(f, a, err, sizeof err);
    if (!thread_safe)
        pthread_mutex_unlock(lock);
    if (rc != BASIN_OK)
        host->error(host, "%s: %s", what, err);
    return rc;
}

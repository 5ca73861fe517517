/* fake_host — see fake_host.h. */
#include "fake_host.h"

#include "base/rng.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[2048];

char *fake_last_error_buffer(void)
{
    return last_error;
}

fake_host *fake_of(const basin_host *host)
{
    return host->host_data;
}

void *fake_user(const basin_host *host)
{
    return fake_of(host)->user;
}

static void fake_error(const basin_host *host, const char *fmt, ...)
{
    (void)host;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

static void fake_log(const basin_host *host, int level, const char *fmt, ...)
{
    fake_host *f = fake_of(host);
    if (level <= BASIN_LOG_WARN)
        f->n_warnings++;
    if (f->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "log %d: ", level);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

uint64_t fake_splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Element `element` of the splitmix stream (seed, role, index, step). */
static uint64_t hash_key(uint64_t seed, uint32_t role, uint64_t index, uint64_t step,
                         uint64_t element)
{
    uint64_t h = fake_splitmix64(seed + role);
    h = fake_splitmix64(h ^ index);
    h = fake_splitmix64(h ^ (step * 0x632be59bd9b4e019ull));
    return fake_splitmix64(h ^ (element * 0xd6e8feb86659fd93ull));
}

static void fake_bits(const basin_host *host, uint32_t role, uint64_t index,
                      uint64_t step, uint32_t *out, size_t n)
{
    const fake_host *f = fake_of(host);
    if (f->rng == FAKE_PHILOX) {
        rng_bits(f->seed, role, index, step, out, n);
        return;
    }
    for (size_t e = 0; e < n; e++)
        out[e] = (uint32_t)(hash_key(f->seed, role, index, step, e) >> 32);
}

static void fake_uniform(const basin_host *host, uint32_t role, uint64_t index,
                         uint64_t step, double *out, size_t n)
{
    const fake_host *f = fake_of(host);
    if (f->rng == FAKE_PHILOX) {
        rng_uniform(f->seed, role, index, step, out, n);
        return;
    }
    for (size_t e = 0; e < n; e++)
        out[e] = (double)(hash_key(f->seed, role, index, step, e) >> 11) * 0x1p-53;
}

static void fake_normal(const basin_host *host, uint32_t role, uint64_t index,
                        uint64_t step, float *out, size_t n)
{
    const fake_host *f = fake_of(host);
    if (f->rng == FAKE_PHILOX) {
        rng_normal(f->seed, role, index, step, out, n);
        return;
    }
    for (size_t e = 0; e < n; e++) {
        double u1 =
            ((double)(hash_key(f->seed, role, index, step, 2 * e) >> 11) + 1) * 0x1p-53;
        double u2 =
            (double)(hash_key(f->seed, role, index, step, 2 * e + 1) >> 11) * 0x1p-53;
        out[e] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
    }
}

static void fake_progress(const basin_host *host, uint64_t done, uint64_t total)
{
    (void)host;
    (void)done;
    (void)total;
}

static int fake_cancelled(const basin_host *host)
{
    return fake_of(host)->cancel;
}

static void fake_metric(const basin_host *host, const char *name, uint64_t step,
                        double value)
{
    fake_host *f = fake_of(host);
    snprintf(f->metric_name, sizeof f->metric_name, "%s", name);
    f->metric_step = step;
    f->metric_value = value;
    f->n_metrics++;
}

/* parallel(): tasks taken in order of i by up to f->threads threads. */
typedef struct fake_par {
    int (*task)(void *ctx, uint64_t i);
    void *ctx;
    uint64_t n;
    atomic_uint_fast64_t next, failed; /* failed: the lowest failing task */
    atomic_int rc;
    pthread_mutex_t lock;
} fake_par;

static void *fake_par_worker(void *arg)
{
    fake_par *w = arg;
    for (;;) {
        const uint64_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n || i > atomic_load(&w->failed))
            break;
        const int rc = w->task(w->ctx, i);
        if (rc) {
            pthread_mutex_lock(&w->lock);
            if (i < atomic_load(&w->failed)) {
                atomic_store(&w->rc, rc);
                atomic_store(&w->failed, i);
            }
            pthread_mutex_unlock(&w->lock);
            break;
        }
    }
    return NULL;
}

static int fake_parallel(const basin_host *host, uint64_t n,
                         int (*task)(void *, uint64_t), void *ctx)
{
    const fake_host *f = fake_of(host);
    fake_par w = {.task = task, .ctx = ctx, .n = n};
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, UINT64_MAX);
    atomic_init(&w.rc, 0);
    pthread_mutex_init(&w.lock, NULL);
    pthread_t tids[64];
    unsigned started = 0;
    for (unsigned t = 1; t < f->threads && t <= 64 && t < n; t++)
        if (pthread_create(&tids[started], NULL, fake_par_worker, &w) == 0)
            started++;
    fake_par_worker(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&w.lock);
    return atomic_load(&w.rc);
}

void fake_host_init(fake_host *f, uint64_t seed, fake_rng rng)
{
    *f = (fake_host){
        .host =
            {
                .struct_size = sizeof(basin_host),
                .abi_minor = BASIN_ABI_MINOR,
                .host_data = f,
                .error = fake_error,
                .log = fake_log,
                .random_bits = fake_bits,
                .random_uniform = fake_uniform,
                .random_normal = fake_normal,
                .progress = fake_progress,
                .cancelled = fake_cancelled,
                .observe = NULL,
                .metric = fake_metric,
                .parallel = fake_parallel,
            },
        .seed = seed,
        .rng = rng,
        .threads = 1,
    };
}

const basin_library *load_library(const char *path)
{
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
        return NULL;
    }
    const basin_library *entry = dlsym(lib, BASIN_LIBRARY_SYMBOL);
    if (entry == NULL) {
        fprintf(stderr, "%s: no %s\n", path, BASIN_LIBRARY_SYMBOL);
        return NULL;
    }
    if (entry->abi_major != BASIN_ABI_MAJOR || entry->abi_minor > BASIN_ABI_MINOR ||
        entry->struct_size != sizeof(basin_library) || entry->plugins == NULL) {
        fprintf(stderr, "%s: bad library header (abi %u.%u, size %u)\n", path,
                entry->abi_major, entry->abi_minor, entry->struct_size);
        return NULL;
    }
    return entry;
}

/* A default inside [min, max], its ends excluded where the flags say so. */
static int default_in_range(const basin_param_def *d)
{
    const double v = d->default_number;
    return v >= d->min && v <= d->max &&
           !((d->flags & BASIN_PARAM_MIN_EXCLUSIVE) && v == d->min) &&
           !((d->flags & BASIN_PARAM_MAX_EXCLUSIVE) && v == d->max);
}

const basin_descriptor *load_plugin(const char *path, const char *id)
{
    const basin_library *entry = load_library(path);
    if (entry == NULL)
        return NULL;
    const basin_descriptor *found = NULL;
    for (const basin_descriptor *const *p = entry->plugins; *p != NULL; p++)
        if (strcmp((*p)->id, id) == 0)
            found = *p;
    if (found == NULL || found->struct_size != sizeof(basin_descriptor)) {
        fprintf(stderr, "%s does not hold %s\n", path, id);
        return NULL;
    }
    for (const basin_param_def *d = found->params; d->name != NULL; d++) {
        int ok = d->doc != NULL && d->doc[0] != '\0';
        if (d->type == BASIN_PARAM_INT || d->type == BASIN_PARAM_REAL)
            ok &= default_in_range(d);
        if (d->type == BASIN_PARAM_CHOICE)
            ok &= d->default_string != NULL && d->choices != NULL &&
                  strstr(d->choices, d->default_string) != NULL;
        if (!ok) {
            fprintf(stderr,
                    "%s: parameter %s: default outside its range or choices, "
                    "or no doc\n",
                    id, d->name);
            return NULL;
        }
    }
    return found;
}

/* sizeof the interface table named iface, or 0 for a name this build does not know. */
static size_t iface_size(const char *iface)
{
    return strcmp(iface, BASIN_IFACE_DATASET) == 0     ? sizeof(basin_dataset_iface)
           : strcmp(iface, BASIN_IFACE_ENERGY) == 0    ? sizeof(basin_energy_iface)
           : strcmp(iface, BASIN_IFACE_SCORE) == 0     ? sizeof(basin_score_iface)
           : strcmp(iface, BASIN_IFACE_SAMPLER) == 0   ? sizeof(basin_sampler_iface)
           : strcmp(iface, BASIN_IFACE_EMBEDDING) == 0 ? sizeof(basin_embedding_iface)
                                                       : 0;
}

const basin_descriptor *load_built_plugin(const char *file, const char *id,
                                          const char *iface)
{
    const char *dir = getenv("BASIN_TEST_PLUGIN_DIR");
    if (dir == NULL || dir[0] == '\0') {
        fprintf(stderr, "BASIN_TEST_PLUGIN_DIR is not set (meson test sets it; see "
                        "tests/README.md)\n");
        return NULL;
    }
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s%s", dir, file ? file : id,
                         file ? "" : ".so") >= sizeof path) {
        fprintf(stderr, "%s/%s: path too long\n", dir, file ? file : id);
        return NULL;
    }
    const basin_descriptor *d = load_plugin(path, id);
    if (d == NULL)
        return NULL;
    /* Every interface table starts with its struct_size. */
    const uint32_t *size = d->iface;
    if (d->interface == NULL || strcmp(d->interface, iface) != 0 || size == NULL ||
        *size != iface_size(iface)) {
        fprintf(stderr, "%s: %s does not implement %s (interface %s)\n", path, id, iface,
                d->interface ? d->interface : "(null)");
        return NULL;
    }
    return d;
}

params param_defaults(const basin_descriptor *desc)
{
    params p = {.desc = desc};
    for (int i = 0; desc->params[i].name != NULL; i++) {
        if (i == FAKE_MAX_PARAMS) {
            fprintf(stderr, "%s has more than %d parameters\n", desc->id,
                    FAKE_MAX_PARAMS);
            exit(2);
        }
        p.values[i].number = desc->params[i].default_number;
        p.values[i].string =
            desc->params[i].default_string != NULL ? desc->params[i].default_string : "";
    }
    return p;
}

static int param_index(const params *p, const char *name)
{
    for (int i = 0; p->desc->params[i].name != NULL; i++)
        if (strcmp(p->desc->params[i].name, name) == 0)
            return i;
    fprintf(stderr, "no parameter %s in %s\n", name, p->desc->id);
    exit(2);
}

void set_number(params *p, const char *name, double v)
{
    p->values[param_index(p, name)].number = v;
}

void set_string(params *p, const char *name, const char *v)
{
    p->values[param_index(p, name)].string = v;
}

#include "pipeline.h"

#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "init.h"
#include "measure.h"
#include "npy.h"
#include "param.h"
#include "results.h"
#include "rng.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

/* Probes per sampler call: fixed, so results never depend on the thread count. */
#define PROBE_BLOCK 16

/* What a run accumulates per sweep point. */
typedef struct point_stats {
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    double seconds;
} point_stats;

/* Everything one job owns. */
typedef struct job {
    const recipe *r;
    size_t point;
    uint32_t repeat;
    uint64_t index;                   /* point · repeats + repeat */
    host_job host;
    const basin_dataset_iface *ds;
    const basin_energy_iface *en;
    const basin_sampler_iface *sa;
    void *ds_self, *en_self, *sa_self;
    basin_dataset_info info;
    float *train, *heldout, *states;
    int64_t *start;
    basin_outcome *outcome;
    double *energy;
    measure_overlap *overlap;
    uint64_t count;                   /* probes */
    basin_value *values;              /* scratch: one section's resolved values */
} job;

/* Shared state of the sampler workers of one job. */
typedef struct work {
    job *j;
    basin_model model;
    uint64_t n_blocks;
    atomic_uint_fast64_t next;
    atomic_int failed;
    int rc;                           /* status of the lowest failing block */
    uint64_t failed_block;
    pthread_mutex_t lock;
} work;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *sampler_worker(void *arg)
{
    work *w = arg;
    job *j = w->j;
    uint32_t dim = j->info.dim;
    for (;;) {
        uint64_t b = atomic_fetch_add(&w->next, 1);
        if (b >= w->n_blocks || atomic_load(&w->failed))
            break;
        uint64_t first = b * PROBE_BLOCK;
        uint64_t n = j->count - first < PROBE_BLOCK ? j->count - first : PROBE_BLOCK;
        int rc = host_cancel_requested()
                     ? BASIN_ECANCELED
                     : j->sa->run(j->sa_self, &j->host.table, &w->model,
                                  j->states + first * dim, n, first, j->outcome + first);
        if (rc) {
            pthread_mutex_lock(&w->lock);
            if (!atomic_load(&w->failed) || b < w->failed_block) {
                w->rc = rc;
                w->failed_block = b;
            }
            atomic_store(&w->failed, 1);
            pthread_mutex_unlock(&w->lock);
            break;
        }
        progress_add(j->host.progress, n);
    }
    return NULL;
}

/* Run the sampler over all probes of a job on `threads` threads. */
static int run_sampler(job *j, unsigned threads)
{
    work w;
    memset(&w, 0, sizeof w);
    w.j = j;
    w.model.struct_size = sizeof w.model;
    w.model.dim = j->info.dim;
    w.model.energy = j->en;
    w.model.energy_self = j->en_self;
    w.n_blocks = (j->count + PROBE_BLOCK - 1) / PROBE_BLOCK;
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    pthread_mutex_init(&w.lock, NULL);
    if (threads > w.n_blocks)
        threads = (unsigned)w.n_blocks;
    pthread_t *tids = threads > 1 ? calloc(threads - 1, sizeof *tids) : NULL;
    unsigned started = 0;
    for (unsigned t = 1; tids && t < threads; t++)
        if (pthread_create(&tids[started], NULL, sampler_worker, &w) == 0)
            started++;
    sampler_worker(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&w.lock);
    return atomic_load(&w.failed) ? w.rc : BASIN_OK;
}

/* ------------------------------------------------------------- one job */

/* Error context: "job 3 (dataset.load=0.3, repeat 1): plugin-id: message". */
static void job_error(const job *j, const char *who, const char *msg, char *err,
                      size_t n_err)
{
    char where[512];
    int n = snprintf(where, sizeof where, "%s: job %llu", j->r->path,
                     (unsigned long long)j->index);
    size_t *coords = calloc(j->r->n_axes + 1, sizeof *coords);
    if (coords && j->r->n_axes) {
        recipe_coords(j->r, j->point, coords);
        n += snprintf(where + n, sizeof where - (size_t)n, " (");
        for (size_t a = 0; a < j->r->n_axes && n < (int)sizeof where; a++) {
            const recipe_axis *ax = &j->r->axes[a];
            const basin_param_def *def = &j->r->sections[ax->section].params[ax->param];
            basin_value v = ax->values[coords[a]];
            char num[32];
            if (def->type == BASIN_PARAM_STRING || def->type == BASIN_PARAM_CHOICE)
                n += snprintf(where + n, sizeof where - (size_t)n, "%s%s=%s",
                              a ? ", " : "", ax->dotted, v.string);
            else
                n += snprintf(where + n, sizeof where - (size_t)n, "%s%s=%s",
                              a ? ", " : "", ax->dotted, param_format_real(v.number, num));
        }
        if (n < (int)sizeof where)
            snprintf(where + n, sizeof where - (size_t)n, ")");
    }
    free(coords);
    snprintf(err, n_err, "%s: %s: %s", where, who, msg);
}

/* Exit status for a plugin's status code: its complaint about input is a 2. */
static int exit_for(int rc)
{
    return rc == BASIN_EINVAL || rc == BASIN_EUNSUPPORTED ? 2 : 1;
}

static void *alloc_array(uint64_t n, size_t elem)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / elem)
        return NULL;
    return malloc((size_t)n * elem);
}

static void job_free(job *j)
{
    if (j->sa_self)
        j->sa->destroy(j->sa_self);
    if (j->en_self)
        j->en->destroy(j->en_self);
    if (j->ds_self)
        j->ds->destroy(j->ds_self);
    free(j->train);
    free(j->heldout);
    free(j->states);
    free(j->start);
    free(j->outcome);
    free(j->energy);
    free(j->overlap);
    free(j->values);
}

/* Call a plugin function; on failure format the error and return the exit code. */
#define CALL(who, expr)                                                         \
    do {                                                                        \
        host_job_clear_error(&j->host);                                         \
        int rc_ = (expr);                                                       \
        if (rc_) {                                                              \
            job_error(j, (who), host_job_error(&j->host, rc_), err, n_err);     \
            return rc_ == BASIN_ECANCELED ? 1 : exit_for(rc_);                  \
        }                                                                       \
    } while (0)

/* A plugin's create() succeeded but gave no instance: the plugin's bug. */
#define CHECK_INSTANCE(who, self)                                               \
    do {                                                                        \
        if (!(self)) {                                                          \
            job_error(j, (who), "create() returned no instance", err, n_err);   \
            return 1;                                                           \
        }                                                                       \
    } while (0)

static int job_run(job *j, const pipeline_options *o, char *err, size_t n_err)
{
    const recipe *r = j->r;
    const recipe_section *S = r->sections;
    basin_value *values = j->values;
    const char *ds_id = S[RECIPE_DATASET].plugin->descriptor->id;
    const char *en_id = S[RECIPE_MODEL].plugin->descriptor->id;
    const char *sa_id = S[RECIPE_SAMPLER].plugin->descriptor->id;
    const basin_host *host = &j->host.table;

    /* Dataset. */
    host_job_phase(&j->host, "dataset");
    j->ds = S[RECIPE_DATASET].plugin->descriptor->iface;
    recipe_values(r, RECIPE_DATASET, j->point, values);
    CALL(ds_id, j->ds->create(host, values, &j->ds_self));
    CHECK_INSTANCE(ds_id, j->ds_self);
    CALL(ds_id, j->ds->info(j->ds_self, &j->info));
    uint32_t dim = j->info.dim;
    if (dim == 0 || j->info.n_train == 0) {
        job_error(j, ds_id, "the dataset is empty (dim or n_train is 0)", err, n_err);
        return 2;
    }
    j->train = alloc_array(j->info.n_train * dim, sizeof(float));
    j->heldout = alloc_array(j->info.n_heldout * dim, sizeof(float));
    if (j->info.n_train > UINT64_MAX / dim || j->info.n_heldout > UINT64_MAX / dim ||
        !j->train || !j->heldout) {
        job_error(j, ds_id, "the dataset is too large for memory", err, n_err);
        return 1;
    }
    CALL(ds_id, j->ds->read(j->ds_self, host, BASIN_SPLIT_TRAIN, 0, j->info.n_train,
                            j->train));
    if (j->info.n_heldout)
        CALL(ds_id, j->ds->read(j->ds_self, host, BASIN_SPLIT_HELDOUT, 0,
                                j->info.n_heldout, j->heldout));
    int binary = (j->info.flags & BASIN_DATA_BINARY) != 0;

    /* Model: store the training set. */
    if (strcmp(S[RECIPE_MODEL].plugin->descriptor->interface, BASIN_IFACE_ENERGY) != 0) {
        job_error(j, en_id, "score models need the diffusion pipeline, which this "
                  "host does not have yet; use an energy", err, n_err);
        return 2;
    }
    j->en = S[RECIPE_MODEL].plugin->descriptor->iface;
    if ((j->en->flags & BASIN_ENERGY_BINARY) && !binary) {
        job_error(j, en_id, "this energy stores ±1 states, but the dataset is "
                  "real-valued", err, n_err);
        return 2;
    }
    recipe_values(r, RECIPE_MODEL, j->point, values);
    host_job_phase(&j->host, "encode");
    CALL(en_id, j->en->create(host, values, dim, &j->en_self));
    CHECK_INSTANCE(en_id, j->en_self);
    CALL(en_id, j->en->encode(j->en_self, host, j->train, j->info.n_train));

    /* Initial states. */
    recipe_values(r, RECIPE_INIT, j->point, values);
    j->count = (uint64_t)values[INIT_COUNT].number;
    j->states = alloc_array(j->count * dim, sizeof(float));
    j->start = alloc_array(j->count, sizeof(int64_t));
    j->outcome = alloc_array(j->count, sizeof(basin_outcome));
    j->energy = alloc_array(j->count, sizeof(double));
    j->overlap = alloc_array(j->count, sizeof(measure_overlap));
    if (!j->states || !j->start || !j->outcome || !j->energy || !j->overlap) {
        job_error(j, "init", "init.count probes do not fit in memory", err, n_err);
        return 1;
    }
    char why[512];
    int rc = init_states(values, j->train, j->info.n_train, dim, binary, host, 0,
                         j->count, j->states, j->start, why, sizeof why);
    if (rc) {
        job_error(j, "init", rc == BASIN_ENOMEM ? "out of memory" : why, err, n_err);
        return exit_for(rc);
    }

    /* Dynamics. */
    j->sa = S[RECIPE_SAMPLER].plugin->descriptor->iface;
    recipe_values(r, RECIPE_SAMPLER, j->point, values);
    host_job_phase(&j->host, "dynamics");
    CALL(sa_id, j->sa->create(host, values, &j->sa_self));
    CHECK_INSTANCE(sa_id, j->sa_self);
    CALL(sa_id, run_sampler(j, o->threads));

    /* Measures. */
    host_job_phase(&j->host, "measures");
    CALL(en_id, j->en->energy(j->en_self, host, j->states, j->count, j->energy));
    if (measure_overlaps(j->states, j->count, j->train, j->info.n_train, dim,
                         j->overlap) ||
        (j->info.n_heldout &&
         measure_heldout_overlaps(j->states, j->count, j->heldout, j->info.n_heldout,
                                  dim, j->overlap))) {
        job_error(j, "measure", "out of memory", err, n_err);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------- output */

static void csv_real(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else
        fprintf(f, "%.9g", x);
}

/* The swept values of a point as CSV fields (each followed by a comma). */
static void write_axes(FILE *f, const recipe *r, size_t point, size_t *coords)
{
    recipe_coords(r, point, coords);
    for (size_t a = 0; a < r->n_axes; a++) {
        const recipe_axis *ax = &r->axes[a];
        param_write_csv(f, &r->sections[ax->section].params[ax->param],
                        ax->values[coords[a]]);
        fputc(',', f);
    }
}

static void write_records(FILE *f, const job *j, double threshold, size_t *coords,
                          point_stats *stats)
{
    for (uint64_t s = 0; s < j->count; s++) {
        const measure_overlap *m = &j->overlap[s];
        measure_class c = measure_classify_overlap(m, (int)j->outcome[s].converged,
                                                   threshold);
        stats->counts[c]++;
        stats->samples++;
        fprintf(f, "%llu,%zu,%u,", (unsigned long long)j->index, j->point, j->repeat);
        write_axes(f, j->r, j->point, coords);
        fprintf(f, "%llu,%lld,%s,%u,%u,", (unsigned long long)s,
                (long long)j->start[s], measure_class_name(c),
                j->outcome[s].converged, j->outcome[s].steps);
        csv_real(f, j->energy[s]);
        fprintf(f, ",%lld,", (long long)m->pattern);
        for (int k = 0; k < 3; k++) {
            csv_real(f, m->top[k]);
            fputc(',', f);
        }
        csv_real(f, m->heldout);
        fputc('\n', f);
    }
}

static void write_summary(FILE *f, const recipe *r, const point_stats *stats,
                          double confidence, size_t *coords)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "unconverged_rate"};
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        fprintf(f, "%s,%s_lo,%s_hi,", RATES[c], RATES[c], RATES[c]);
    fprintf(f, "samples,seconds\n");
    for (size_t p = 0; p < r->n_points; p++) {
        write_axes(f, r, p, coords);
        for (int c = 0; c < MEASURE_N_CLASSES; c++) {
            double lo, hi, n = (double)stats[p].samples;
            measure_rate_interval(stats[p].counts[c], stats[p].samples, confidence,
                                  &lo, &hi);
            csv_real(f, n > 0 ? (double)stats[p].counts[c] / n : NAN);
            fputc(',', f);
            csv_real(f, lo);
            fputc(',', f);
            csv_real(f, hi);
            fputc(',', f);
        }
        fprintf(f, "%llu,%.3f\n", (unsigned long long)stats[p].samples,
                stats[p].seconds);
    }
}

static void print_summary(const recipe *r, const point_stats *stats, double confidence,
                          const char *out_dir, double seconds, uint64_t total)
{
    printf("%s: %zu point%s x %u repeat%s, %llu final states in %.2f s -> %s\n",
           r->name, r->n_points, r->n_points == 1 ? "" : "s", r->repeats,
           r->repeats == 1 ? "" : "s", (unsigned long long)total, seconds, out_dir);
    for (size_t a = 0; a < r->n_axes; a++)
        printf("%-16s", r->axes[a].dotted);
    printf("%-22s%-22s%-22s%s\n", "memorized", "spurious", "generalized", "samples");
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    for (size_t p = 0; coords && p < r->n_points; p++) {
        recipe_coords(r, p, coords);
        for (size_t a = 0; a < r->n_axes; a++) {
            const recipe_axis *ax = &r->axes[a];
            const basin_param_def *def = &r->sections[ax->section].params[ax->param];
            char buf[64];
            basin_value v = ax->values[coords[a]];
            if (def->type == BASIN_PARAM_STRING || def->type == BASIN_PARAM_CHOICE)
                snprintf(buf, sizeof buf, "%s", v.string);
            else
                param_format_real(v.number, buf);
            printf("%-16s", buf);
        }
        for (int c = 0; c < 3; c++) {
            double lo, hi, n = (double)stats[p].samples;
            measure_rate_interval(stats[p].counts[c], stats[p].samples, confidence,
                                  &lo, &hi);
            char cell[64];
            snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]",
                     (double)stats[p].counts[c] / n, lo, hi);
            printf("%-22s", cell);
        }
        printf("%llu\n", (unsigned long long)stats[p].samples);
    }
    free(coords);
}

static void write_run_toml(FILE *f, const recipe *r, const pipeline_options *o)
{
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(f, "# The resolved recipe of this run: `basin run` on this file repeats it.\n");
    fprintf(f, "# basin %s, plugin ABI %d.%d, %u thread%s\n", BASIN_VERSION,
            BASIN_ABI_MAJOR, BASIN_ABI_MINOR, o->threads, o->threads == 1 ? "" : "s");
    fprintf(f, "# BLAS: %s (core %s, OPENBLAS_CORETYPE=%s)\n", openblas_get_config(),
            openblas_get_corename(), coretype ? coretype : "unset");
    fprintf(f, "# source recipe: %s\n", r->path);
    recipe_write_toml(r, f);
    fprintf(f, "\n# Jobs: one per sweep point and repeat, its random streams keyed by "
               "its seed\n# (rng_job_seed(seed, job)).\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t k = 0; k < r->repeats; k++) {
            uint64_t index = (uint64_t)p * r->repeats + k;
            fprintf(f, "# job %llu: point %zu, repeat %u, seed %llu\n",
                    (unsigned long long)index, p, k,
                    (unsigned long long)rng_job_seed(r->seed, index));
        }
}

/* ------------------------------------------------------------- the run */

enum { FILE_RECORDS, FILE_SUMMARY, FILE_RUN, N_FILES };
static const char *const FILE_NAMES[N_FILES] = {"records.csv", "summary.csv",
                                                "run.toml"};

/*
 * samples.npy: the final states, one row per record. Each dimension the run meets
 * gets its own file (a sweep over the dimension writes samples-dim<N>.npy, one per
 * N, rows in record order); with one dimension it is samples.npy. Each is written
 * with a placeholder header that is rewritten with the row count at the end.
 */
#define MAX_SAMPLE_FILES 64

typedef struct sample_files {
    results_file file[MAX_SAMPLE_FILES];
    uint32_t dim[MAX_SAMPLE_FILES];
    uint64_t rows[MAX_SAMPLE_FILES];
    size_t n;
} sample_files;

static int samples_append(sample_files *sf, const char *dir, const job *j, char *err,
                          size_t n_err)
{
    size_t k = 0;
    while (k < sf->n && sf->dim[k] != j->info.dim)
        k++;
    if (k == sf->n) {
        char name[64];
        if (sf->n == MAX_SAMPLE_FILES) {
            job_error(j, "output", "more than 64 dimensions in one run; set "
                      "output.samples = false", err, n_err);
            return 2;
        }
        snprintf(name, sizeof name, "samples-dim%u.npy", j->info.dim);
        if (results_open(&sf->file[k], dir, name, err, n_err))
            return 1;
        sf->dim[k] = j->info.dim;
        sf->rows[k] = 0;
        sf->n++;
        npy_write_header_f32(sf->file[k].f, 0, j->info.dim);
    }
    size_t n = (size_t)(j->count * j->info.dim);
    if (fwrite(j->states, sizeof(float), n, sf->file[k].f) != n) {
        snprintf(err, n_err, "%s: write error", sf->file[k].tmp_path);
        return 1;
    }
    sf->rows[k] += j->count;
    return 0;
}

/* Remove samples files of an earlier run in the same folder that this run did
   not replace, so the folder never mixes two runs. */
static void samples_remove_stale(const sample_files *sf, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned dim;
        char tail[8];
        int is_samples = strcmp(e->d_name, "samples.npy") == 0 ||
                         sscanf(e->d_name, "samples-dim%u.np%1s", &dim, tail) == 2;
        if (!is_samples)
            continue;
        int ours = 0;
        for (size_t k = 0; k < sf->n; k++) {
            const char *slash = strrchr(sf->file[k].final_path, '/');
            ours |= strcmp(slash ? slash + 1 : sf->file[k].final_path, e->d_name) == 0;
        }
        if (!ours) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* Final headers; a single file is named samples.npy. */
static int samples_commit(sample_files *sf, const char *dir, char *err, size_t n_err)
{
    for (size_t k = 0; k < sf->n; k++) {
        FILE *f = sf->file[k].f;
        if (fseek(f, 0, SEEK_SET) != 0 ||
            npy_write_header_f32(f, sf->rows[k], sf->dim[k]) != 0) {
            snprintf(err, n_err, "%s: write error", sf->file[k].tmp_path);
            return 1;
        }
        if (sf->n == 1) {
            size_t n = strlen(dir) + 16;
            char *name = realloc(sf->file[k].final_path, n);
            if (!name) {
                snprintf(err, n_err, "out of memory");
                return 1;
            }
            snprintf(name, n, "%s/samples.npy", dir);
            sf->file[k].final_path = name;
        }
    }
    samples_remove_stale(sf, dir);
    for (size_t k = 0; k < sf->n; k++)
        if (results_commit(&sf->file[k], err, n_err))
            return 1;
    return 0;
}

int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    char dir[4096];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", r->name);
    /* A folder this run creates is removed again if the run fails while it is
       still empty. */
    struct stat st;
    int dir_existed = stat(dir, &st) == 0;
    if (results_make_dir(dir, err, n_err))
        return 2;

    int write_samples = recipe_core_value(r, RECIPE_OUTPUT, 0, "samples").number != 0;
    results_file files[N_FILES];
    memset(files, 0, sizeof files);
    sample_files *samples = calloc(1, sizeof *samples);
    int status = 0;
    if (!samples) {
        snprintf(err, n_err, "out of memory");
        status = 1;
    }
    for (int i = 0; i < N_FILES && !status; i++)
        if (results_open(&files[i], dir, FILE_NAMES[i], err, n_err))
            status = 2;

    uint64_t n_jobs = (uint64_t)r->n_points * r->repeats;
    point_stats *stats = calloc(r->n_points, sizeof *stats);
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    if (!status && (!stats || !coords)) {
        snprintf(err, n_err, "out of memory");
        status = 1;
    }
    uint64_t total_probes = 0;
    for (size_t p = 0; p < r->n_points; p++)
        total_probes += (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number *
                        r->repeats;

    FILE *rec = files[FILE_RECORDS].f;
    if (!status) {
        fprintf(rec, "job,point,repeat,");
        for (size_t a = 0; a < r->n_axes; a++)
            fprintf(rec, "%s,", r->axes[a].dotted);
        fprintf(rec, "sample,start,class,converged,steps,energy,pattern,m1,m2,m3,"
                     "m_heldout\n");
    }
    progress *bar = status ? NULL : progress_new(total_probes, o->progress);
    double run_started = now();
    size_t most = 1; /* the longest parameter table: one job's scratch values */
    for (int s = 0; s < RECIPE_N_SECTIONS; s++)
        if (r->sections[s].n_params > most)
            most = r->sections[s].n_params;

    for (uint64_t index = 0; index < n_jobs && !status; index++) {
        job j;
        memset(&j, 0, sizeof j);
        j.r = r;
        j.point = (size_t)(index / r->repeats);
        j.repeat = (uint32_t)(index % r->repeats);
        j.index = index;
        char label[48];
        snprintf(label, sizeof label, "job %llu/%llu", (unsigned long long)index + 1,
                 (unsigned long long)n_jobs);
        host_job_init(&j.host, rng_job_seed(r->seed, index), bar, label, o->verbose);
        double started = now();
        j.values = calloc(most, sizeof *j.values);
        if (!j.values) {
            snprintf(err, n_err, "out of memory");
            status = 1;
        } else {
            status = job_run(&j, o, err, n_err);
        }
        if (status && host_cancel_requested()) {
            snprintf(err, n_err, "interrupted during job %llu of %llu; %s was left as "
                     "it was", (unsigned long long)index + 1,
                     (unsigned long long)n_jobs, dir);
            status = 1;
        }
        if (!status) {
            double threshold =
                recipe_core_value(r, RECIPE_MEASURE, j.point, "threshold").number;
            write_records(rec, &j, threshold, coords, &stats[j.point]);
            stats[j.point].seconds += now() - started;
            if (write_samples)
                status = samples_append(samples, dir, &j, err, n_err);
            if (!status && ferror(rec)) {
                snprintf(err, n_err, "%s: write error", files[FILE_RECORDS].tmp_path);
                status = 1;
            }
        }
        job_free(&j);
        host_job_destroy(&j.host);
    }
    progress_free(bar);

    if (!status) {
        double confidence = recipe_core_value(r, RECIPE_MEASURE, 0, "confidence").number;
        write_summary(files[FILE_SUMMARY].f, r, stats, confidence, coords);
        write_run_toml(files[FILE_RUN].f, r, o);
        for (int i = 0; i < N_FILES && !status; i++)
            if (results_commit(&files[i], err, n_err))
                status = 1;
        if (!status)
            status = samples_commit(samples, dir, err, n_err);
        if (!status && !o->quiet)
            print_summary(r, stats, confidence, dir, now() - run_started, total_probes);
    }
    for (int i = 0; i < N_FILES; i++)
        results_abandon(&files[i]);
    for (size_t k = 0; samples && k < samples->n; k++)
        results_abandon(&samples->file[k]);
    free(samples);
    if (status && !dir_existed)
        rmdir(dir); /* only succeeds while it is empty */
    free(stats);
    free(coords);
    return status;
}

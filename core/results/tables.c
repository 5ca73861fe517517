#include "results/tables.h"

#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/npy.h"
#include "registry/param.h"
#include "base/rng.h"
#include "recipe/sections.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

void report_csv_real(FILE *f, double x)
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

/* The header fields of the per-job files: "job,point,repeat," and the axes. */
static void write_job_header(FILE *f, const recipe *r)
{
    fprintf(f, "job,point,repeat,");
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
}

/* The first fields of a job's rows: "job,point,repeat," and its swept values. */
static void write_job_fields(FILE *f, const job *j, size_t *coords)
{
    fprintf(f, "%llu,%zu,%u,", (unsigned long long)j->index, j->point, j->repeat);
    write_axes(f, j->r, j->point, coords);
}

/* The same fields as a string to free, formatted once per job (the shortest
   round-trip form of a real is costly, and a job writes a row per sample); NULL
   when out of memory. */
static char *job_fields(const job *j, size_t *coords)
{
    char *text = NULL;
    size_t size;
    FILE *m = open_memstream(&text, &size);
    if (!m)
        return NULL;
    write_job_fields(m, j, coords);
    if (fclose(m) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Write the fields from job_fields' text, or directly when it is NULL. */
static void put_job_fields(FILE *f, const char *text, const job *j, size_t *coords)
{
    if (text)
        fputs(text, f);
    else
        write_job_fields(f, j, coords);
}

/* The records.csv header: the overlap layout for ±1 memories, the distance
   layout for real-valued states. */
void report_records_header(FILE *f, const recipe *r, int overlap)
{
    write_job_header(f, r);
    if (overlap)
        fprintf(f, "sample,start,class,converged,steps,energy,pattern,m1,m2,m3,"
                   "m_heldout\n");
    else
        fprintf(f, "sample,start,class,converged,steps,energy,nearest,d_m,d_2,d_s,"
                   "d_h,d_law,t_collapse,t_collapse_ou,d_pair,cos_pair\n");
}

void report_records(FILE *f, const job *j, const basin_value *measure, size_t *coords,
                    point_stats *stats)
{
    double threshold = measure[MEASURE_THRESHOLD].number;
    char *fields = job_fields(j, coords);
    for (uint64_t s = 0; s < j->count; s++) {
        measure_class c;
        if (j->overlap) {
            c = measure_classify_overlap(&j->overlap[s], (int)j->outcome[s].converged,
                                         threshold);
        } else {
            const measure_distance *d = &j->dist[s];
            c = measure_classify_distance(
                d, (int)j->outcome[s].converged, j->rule, measure[MEASURE_DELTA_M].number,
                measure[MEASURE_DELTA_S].number, measure[MEASURE_RATIO].number);
            stats->ratio_memorized +=
                measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                          measure[MEASURE_RATIO].number) ==
                MEASURE_MEMORIZED;
            stats->d_m_sum += d->d_m;
            if (j->d_pair && !isnan(j->cos_pair[s])) {
                stats->pair_d_sum += j->d_pair[s];
                stats->pair_cos_sum += j->cos_pair[s];
                stats->pair_n++;
            }
            if (j->t_col_ou && !isnan(j->t_col_ou[s])) {
                stats->t_col_sum += j->t_col_ou[s];
                stats->t_col_sum2 += j->t_col_ou[s] * j->t_col_ou[s];
                stats->t_col_n++;
            }
        }
        stats->counts[c]++;
        stats->samples++;
        put_job_fields(f, fields, j, coords);
        fprintf(f, "%llu,%lld,%s,%u,%u,", (unsigned long long)s, (long long)j->start[s],
                measure_class_name(c), j->outcome[s].converged, j->outcome[s].steps);
        report_csv_real(f, j->energy[s]);
        if (j->overlap) {
            const measure_overlap *m = &j->overlap[s];
            fprintf(f, ",%lld,", (long long)m->pattern);
            for (int k = 0; k < 3; k++) {
                report_csv_real(f, m->top[k]);
                fputc(',', f);
            }
            report_csv_real(f, m->heldout);
        } else {
            const measure_distance *d = &j->dist[s];
            double fields[] = {d->d_m,
                               d->d_2,
                               d->d_s,
                               d->d_h,
                               j->d_law[s],
                               j->t_col ? j->t_col[s] : NAN,
                               j->t_col_ou ? j->t_col_ou[s] : NAN,
                               j->d_pair ? j->d_pair[s] : NAN,
                               j->cos_pair ? j->cos_pair[s] : NAN};
            fprintf(f, ",%lld", (long long)d->nearest);
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                fputc(',', f);
                report_csv_real(f, fields[k]);
            }
        }
        fputc('\n', f);
    }
    free(fields);
    if (!isnan(j->t_theory) || !isnan(j->t_speciation)) {
        stats->t_theory_sum += j->t_theory;
        stats->t_speciation_sum += j->t_speciation;
        stats->theory_n++;
    }
    for (uint32_t c = 0; c < j->n_clones; c++) {
        stats->clone_same[c] += j->clone_same[c];
        stats->clone_n[c] += j->clone_n[c];
        stats->clone_time[c] = j->clone_time[c];
        stats->clone_time_ou[c] =
            isnan(j->clone_time[c]) ? NAN
                                    : schedule_ou_time(&j->sched.table, j->clone_time[c]);
    }
}

/* training.csv: the training-curve points plugins reported (basin_host.metric);
   model is "model", or "disjoint" for the disjoint-sets test's second model. */
void report_training_header(FILE *f, const recipe *r)
{
    write_job_header(f, r);
    fprintf(f, "model,name,step,value\n");
}

void report_training(FILE *f, const job *j, size_t *coords)
{
    char *fields = job_fields(j, coords);
    for (size_t k = 0; k < j->host.n_metrics; k++) {
        const host_metric *m = &j->host.metrics[k];
        put_job_fields(f, fields, j, coords);
        fprintf(f, "%s,%s,%llu,", m->disjoint ? "disjoint" : "model", m->name,
                (unsigned long long)m->step);
        report_csv_real(f, m->value);
        fputc('\n', f);
    }
    free(fields);
}

/* attractors.csv: the analyzed attractors of every job (landscape.h). */
void report_attractors_header(FILE *f, const recipe *r)
{
    write_job_header(f, r);
    fprintf(f, "attractor,first,members,occupancy,class,nearest,match,energy,radius,"
               "radius_bound,lambda_min,lambda_max,negative\n");
}

void report_attractors(FILE *f, const job *j, size_t *coords, point_stats *st)
{
    const landscape_result *L = &j->land;
    if (!L->n_grouped && !L->n_attractors)
        return;
    st->attractors += L->n_attractors;
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        st->attractors_by_class[c] += L->by_class[c];
    st->landscape_jobs++;
    char *fields = job_fields(j, coords);
    for (uint64_t k = 0; k < L->n_analyzed; k++) {
        const landscape_attractor *a = &L->analyzed[k];
        put_job_fields(f, fields, j, coords);
        fprintf(f, "%llu,%llu,%llu,", (unsigned long long)a->id,
                (unsigned long long)a->first, (unsigned long long)a->members);
        report_csv_real(f, a->occupancy);
        fprintf(f, ",%s,%lld,", measure_class_name(a->cls), (long long)a->nearest);
        double fields[] = {a->match, a->energy, a->radius};
        for (size_t i = 0; i < 3; i++) {
            report_csv_real(f, fields[i]);
            fputc(',', f);
        }
        fprintf(f, "%d,", a->radius_bound);
        report_csv_real(f, a->lambda_min);
        fputc(',', f);
        report_csv_real(f, a->lambda_max);
        fprintf(f, ",%lld\n", (long long)a->n_negative);
    }
    free(fields);
}

static void write_rate(FILE *f, uint64_t hits, uint64_t n, double confidence)
{
    double lo, hi;
    measure_rate_interval(hits, n, confidence, &lo, &hi);
    report_csv_real(f, n > 0 ? (double)hits / (double)n : NAN);
    fputc(',', f);
    report_csv_real(f, lo);
    fputc(',', f);
    report_csv_real(f, hi);
    fputc(',', f);
}

/* summary.csv: a row per sweep point. The distance layout adds the ratio rule's
   memorized rate (whatever the rule), the mean d_m, the measured collapse time
   (mean and standard error over trajectories, OU time), the closed forms and the
   disjoint-sets test's mean d_pair and cos_pair. */
void report_summary(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                    size_t *coords, int distance, int landscape)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "unconverged_rate"};
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        fprintf(f, "%s,%s_lo,%s_hi,", RATES[c], RATES[c], RATES[c]);
    if (distance)
        fprintf(f, "ratio_memorized_rate,ratio_memorized_rate_lo,"
                   "ratio_memorized_rate_hi,d_m_mean,t_collapse,t_collapse_se,"
                   "t_collapse_theory,t_speciation,pair_distance,pair_cosine,");
    if (landscape)
        fprintf(f, "attractors,attractors_memorized,attractors_spurious,"
                   "attractors_generalized,");
    fprintf(f, "samples,seconds\n");
    for (size_t p = 0; p < r->n_points; p++) {
        const point_stats *st = &stats[p];
        write_axes(f, r, p, coords);
        for (int c = 0; c < MEASURE_N_CLASSES; c++)
            write_rate(f, st->counts[c], st->samples, confidence);
        if (distance) {
            write_rate(f, st->ratio_memorized, st->samples, confidence);
            double n = (double)st->t_col_n, mean = st->t_col_sum / n;
            double var = n > 1 ? (st->t_col_sum2 - n * mean * mean) / (n - 1) : NAN;
            double theory_n = (double)st->theory_n;
            double fields[] = {st->samples ? st->d_m_sum / (double)st->samples : NAN,
                               n > 0 ? mean : NAN,
                               n > 1 ? sqrt(fmax(var, 0) / n) : NAN,
                               theory_n > 0 ? st->t_theory_sum / theory_n : NAN,
                               theory_n > 0 ? st->t_speciation_sum / theory_n : NAN,
                               st->pair_n ? st->pair_d_sum / (double)st->pair_n : NAN,
                               st->pair_n ? st->pair_cos_sum / (double)st->pair_n : NAN};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                report_csv_real(f, fields[k]);
                fputc(',', f);
            }
        }
        if (landscape) {
            /* Means over the point's jobs. */
            double n = (double)st->landscape_jobs;
            report_csv_real(f, n > 0 ? (double)st->attractors / n : NAN);
            for (int c = 0; c < 3; c++) {
                fputc(',', f);
                report_csv_real(f, n > 0 ? (double)st->attractors_by_class[c] / n : NAN);
            }
            fputc(',', f);
        }
        fprintf(f, "%llu,%.3f\n", (unsigned long long)st->samples, st->seconds);
    }
}

/* collapse.csv: φ_C(t), the fraction of trajectories cloned at t whose copy ends
   on the same training point (Biroli et al. 2024), a row per point and clone. */
void report_clones(FILE *f, const recipe *r, const point_stats *stats, uint32_t n_clones,
                   double confidence, size_t *coords)
{
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    fprintf(f, "clone,t,t_ou,phi,phi_lo,phi_hi,pairs\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t c = 0; c < n_clones; c++) {
            const point_stats *st = &stats[p];
            if (!st->clone_n[c])
                continue;
            write_axes(f, r, p, coords);
            fprintf(f, "%u,", c);
            report_csv_real(f, st->clone_time[c]);
            fputc(',', f);
            report_csv_real(f, st->clone_time_ou[c]);
            fputc(',', f);
            write_rate(f, st->clone_same[c], st->clone_n[c], confidence);
            fprintf(f, "%llu\n", (unsigned long long)st->clone_n[c]);
        }
}

void report_print(const recipe *r, const point_stats *stats, double confidence,
                  const char *out_dir, double seconds)
{
    uint64_t total = 0; /* final states measured (clones are not among them) */
    for (size_t p = 0; p < r->n_points; p++)
        total += stats[p].samples;
    printf("%s: %zu point%s x %u repeat%s, %llu final states in %.2f s -> %s\n", r->name,
           r->n_points, r->n_points == 1 ? "" : "s", r->repeats,
           r->repeats == 1 ? "" : "s", (unsigned long long)total, seconds, out_dir);
    for (size_t a = 0; a < r->n_axes; a++)
        printf("%-16s", r->axes[a].dotted);
    int collapse = 0;
    for (size_t p = 0; p < r->n_points; p++)
        collapse |= stats[p].t_col_n > 0;
    printf("%-22s%-22s%-22s%s\n", "memorized", "spurious", "generalized",
           collapse ? "samples  t_collapse (theory), OU time" : "samples");
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    for (size_t p = 0; coords && p < r->n_points; p++) {
        recipe_coords(r, p, coords);
        for (size_t a = 0; a < r->n_axes; a++) {
            char buf[32];
            printf("%-16s", recipe_axis_text(r, a, coords[a], buf));
        }
        for (int c = 0; c < 3; c++) {
            double lo, hi, n = (double)stats[p].samples;
            measure_rate_interval(stats[p].counts[c], stats[p].samples, confidence, &lo,
                                  &hi);
            char cell[64];
            snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]",
                     (double)stats[p].counts[c] / n, lo, hi);
            printf("%-22s", cell);
        }
        printf(collapse ? "%-9llu" : "%llu", (unsigned long long)stats[p].samples);
        const point_stats *st = &stats[p];
        if (st->t_col_n) {
            double n = (double)st->t_col_n, mean = st->t_col_sum / n;
            printf("%.3f", mean);
            if (st->theory_n)
                printf(" (%.3f)", st->t_theory_sum / (double)st->theory_n);
        }
        putchar('\n');
    }
    free(coords);
}

void report_run_toml(FILE *f, const recipe *r, const pipeline_options *o)
{
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(f,
            "# The resolved recipe of this run: `basin run` on this file repeats it.\n");
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

/* ------------------------------------------------------------- samples.npy */

int report_samples_append(sample_files *sf, const char *dir, const job *j, char *err,
                          size_t n_err)
{
    size_t k = 0;
    while (k < sf->n && sf->dim[k] != j->info.dim)
        k++;
    if (k == sf->n) {
        char name[64];
        if (sf->n == MAX_SAMPLE_FILES) {
            job_error(j, "output",
                      "more than 64 dimensions in one run; set "
                      "output.samples = false",
                      err, n_err);
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
int report_samples_commit(sample_files *sf, const char *dir, char *err, size_t n_err)
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

#include "results/summary.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "results/csv.h"

/* A rate with its Wilson interval (measure_rate_interval). */
static void write_rate(FILE *f, uint64_t hits, uint64_t n, double confidence)
{
    double lo, hi;
    measure_rate_interval(hits, n, confidence, &lo, &hi);
    csv_real(f, n > 0 ? (double)hits / (double)n : NAN);
    fputc(',', f);
    csv_real(f, lo);
    fputc(',', f);
    csv_real(f, hi);
    fputc(',', f);
}

/* The rate and interval fields given the interval. */
static void write_rate_interval(FILE *f, double rate, double lo, double hi)
{
    const double v[] = {rate, lo, hi};
    for (int k = 0; k < 3; k++) {
        csv_real(f, v[k]);
        fputc(',', f);
    }
}

/* Whether off_support is judged at a point: a distance rule's calibration with
   a support test. */
static int support_judged(const point_stats *st)
{
    return st->calibrated && st->support != CALIBRATE_SUPPORT_NONE;
}

static void write_header(FILE *f, const recipe *r, int columns, int landscape, int minima,
                         int compare)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "off_support_rate",
                                        "unconverged_rate"};
    csv_axes_header(f, r);
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        fprintf(f, "%s,%s_lo,%s_hi,", RATES[c], RATES[c], RATES[c]);
    if (columns & SUMMARY_DISTANCE)
        fprintf(f, "ratio_memorized_rate,ratio_memorized_rate_lo,"
                   "ratio_memorized_rate_hi,d_m_mean,t_collapse,t_collapse_se,"
                   "t_collapse_theory,t_speciation,theory,pair_distance,pair_cosine,"
                   "support,quantile,delta_m,delta_s,delta_h,spurious_clusters,"
                   "spurious_cluster_size,");
    if ((columns & SUMMARY_DISTANCE) && (columns & SUMMARY_DIFFUSION))
        fprintf(f, "t_collapse_median,t_collapse_nearest,t_collapse_nearest_se,"
                   "t_collapse_nearest_median,t_first_passage,t_first_passage_se,"
                   "t_first_passage_median,memorized_rate_before_denoise,"
                   "memorized_rate_before_denoise_lo,memorized_rate_before_denoise_hi,"
                   "ratio_memorized_rate_before_denoise,"
                   "ratio_memorized_rate_before_denoise_lo,"
                   "ratio_memorized_rate_before_denoise_hi,");
    if (!(columns & SUMMARY_DISTANCE))
        fprintf(f, "mixture3_rate,mixture3_rate_lo,mixture3_rate_hi,mixture5_rate,"
                   "mixture5_rate_lo,mixture5_rate_hi,");
    if (landscape)
        fprintf(f, "attractors,attractors_memorized,attractors_spurious,"
                   "attractors_generalized,");
    if (minima)
        fprintf(f, "minima,minima_stored,minima_novel,stored_fraction,subsets_examined,"
                   "subsets_total,covered,covered_se,");
    if (compare)
        fprintf(f, "compare_r2,");
    fprintf(f, "samples,seconds\n");
}

/* Write each of n values followed by a comma. */
static void write_reals(FILE *f, const double *values, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        csv_real(f, values[k]);
        fputc(',', f);
    }
}

/* The distance layout's fields of a point: the ratio rule's memorized rate
   (whatever the rule), the mean d_m, the condensation-aware collapse time (mean
   and standard error over trajectories, OU time: referee_time_stats), the closed
   forms and what they rest on (measure/collapse.h: law, mixture or
   gaussian-approx; empty without), and the disjoint-sets test's mean d_pair and
   cos_pair. */
static void write_distance(FILE *f, const point_stats *st, double confidence)
{
    write_rate(f, st->ratio_memorized, st->samples, confidence);
    referee_time_stats col;
    referee_time_stats_of(st, REFEREE_COLLAPSE, &col);
    double theory_n = (double)st->theory_n;
    const double times[] = {st->samples ? st->d_m_sum / (double)st->samples : NAN,
                            col.mean, col.se,
                            theory_n > 0 ? st->t_theory_sum / theory_n : NAN,
                            theory_n > 0 ? st->t_speciation_sum / theory_n : NAN};
    write_reals(f, times, sizeof times / sizeof times[0]);
    fprintf(f, "%s,",
            collapse_basis_name(theory_n > 0 ? st->theory_basis : COLLAPSE_BASIS_NONE));
    const double pairs[] = {st->pair_n ? st->pair_d_sum / (double)st->pair_n : NAN,
                            st->pair_n ? st->pair_cos_sum / (double)st->pair_n : NAN};
    write_reals(f, pairs, sizeof pairs / sizeof pairs[0]);
    /* The thresholds (means over the point's jobs: each job calibrates on its
       own data), the spurious clusters per job and their mean size. */
    fprintf(
        f, "%s,",
        calibrate_support_name(st->calibrated ? st->support : CALIBRATE_SUPPORT_NONE));
    uint64_t clusters = 0, members = 0;
    for (uint64_t k = 0; k < st->jobs_n; k++) {
        clusters += st->jobs[k].spurious_clusters;
        members += st->jobs[k].spurious_clustered;
    }
    const double cal[] = {
        st->calibrated ? st->quantile : NAN,
        referee_jobs_mean(st, offsetof(referee_job, delta_m), 0),
        referee_jobs_mean(st, offsetof(referee_job, delta_s), 0),
        referee_jobs_mean(st, offsetof(referee_job, delta_h), 0),
        referee_jobs_mean(st, offsetof(referee_job, spurious_clusters), 1),
        clusters ? (double)members / (double)clusters : NAN};
    write_reals(f, cal, sizeof cal / sizeof cal[0]);
}

/* A score model's fields of a point: the collapse time's median, the
   nearest-point time and the first passage (mean, standard error, median), the
   memorized rates of the states before the final denoise (the recipe's rule,
   the ratio rule). */
static void write_diffusion(FILE *f, const point_stats *st, double confidence)
{
    referee_time_stats t[REFEREE_N_TIMES];
    for (int k = 0; k < REFEREE_N_TIMES; k++)
        referee_time_stats_of(st, (referee_time)k, &t[k]);
    double fields[] = {t[REFEREE_COLLAPSE].median,     t[REFEREE_NEAREST].mean,
                       t[REFEREE_NEAREST].se,          t[REFEREE_NEAREST].median,
                       t[REFEREE_FIRST_PASSAGE].mean,  t[REFEREE_FIRST_PASSAGE].se,
                       t[REFEREE_FIRST_PASSAGE].median};
    write_reals(f, fields, sizeof fields / sizeof fields[0]);
    write_rate(f, st->before_memorized, st->before_n, confidence);
    write_rate(f, st->before_ratio_memorized, st->before_n, confidence);
}

/* The attractor counts of a point: means over its jobs. */
static void write_landscape(FILE *f, const point_stats *st)
{
    double n = (double)st->landscape_jobs;
    csv_real(f, n > 0 ? (double)st->attractors / n : NAN);
    for (int c = 0; c < 3; c++) {
        fputc(',', f);
        csv_real(f, n > 0 ? (double)st->attractors_by_class[c] / n : NAN);
    }
    fputc(',', f);
}

/* The exact minima of a point: means over its jobs (nan: none enumerated). */
static void write_minima(FILE *f, const summary_minima *m)
{
    double n = (double)m->jobs;
    const double v[] = {(double)m->minima / n,   (double)m->stored / n,
                        (double)m->novel / n,    m->stored_fraction / n,
                        (double)m->examined / n, m->subsets / n};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        csv_real(f, m->jobs ? v[k] : NAN);
        fputc(',', f);
    }
    const double c = (double)m->covered_jobs;
    csv_real(f, c > 0 ? m->covered / c : NAN);
    fputc(',', f);
    csv_real(f, c > 0 ? sqrt(m->covered_var) / c : NAN);
    fputc(',', f);
}

void summary_write(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                   size_t *coords, int columns, int landscape,
                   const summary_minima *minima, const double *compare_r2)
{
    write_header(f, r, columns, landscape, minima != NULL, compare_r2 != NULL);
    for (size_t p = 0; p < r->n_points; p++) {
        const point_stats *st = &stats[p];
        csv_axes(f, r, p, coords);
        double lo[MEASURE_N_CLASSES], hi[MEASURE_N_CLASSES];
        referee_class_intervals(st, confidence, r->seed, p, lo, hi);
        for (int c = 0; c < MEASURE_N_CLASSES; c++) {
            double n = (double)st->samples;
            if (c == MEASURE_OFF_SUPPORT && !support_judged(st))
                write_rate_interval(f, NAN, NAN, NAN);
            else
                write_rate_interval(f, n > 0 ? (double)st->counts[c] / n : NAN, lo[c],
                                    hi[c]);
        }
        if (columns & SUMMARY_DISTANCE)
            write_distance(f, st, confidence);
        if ((columns & SUMMARY_DISTANCE) && (columns & SUMMARY_DIFFUSION))
            write_diffusion(f, st, confidence);
        if (!(columns & SUMMARY_DISTANCE)) { /* the overlap layout's mixtures */
            write_rate(f, st->mixtures[MEASURE_MIX_3], st->samples, confidence);
            write_rate(f, st->mixtures[MEASURE_MIX_5], st->samples, confidence);
        }
        if (landscape)
            write_landscape(f, st);
        if (minima)
            write_minima(f, &minima[p]);
        if (compare_r2) {
            csv_real(f, compare_r2[p]);
            fputc(',', f);
        }
        fprintf(f, "%llu,%.3f\n", (unsigned long long)st->samples, st->seconds);
    }
}

/* The printed width of axis a's column: 16, or more for a longer name or value
   (a model's label) and two spaces. */
static int axis_width(const recipe *r, size_t a)
{
    size_t width = strlen(r->axes[a].dotted) + 2;
    if (r->axes[a].n_values > 1000) /* a long numeric sweep: its values are short */
        return width < 16 ? 16 : (int)width;
    for (size_t c = 0; c < r->axes[a].n_values; c++) {
        char buf[32];
        size_t n = strlen(recipe_axis_text(r, a, c, buf)) + 2;
        width = n > width ? n : width;
    }
    return width < 16 ? 16 : width > 200 ? 200 : (int)width;
}

/* A printed row: the swept values, the three rates with their intervals, the
   samples and the collapse time when the run measured one. */
static void print_point(const recipe *r, const point_stats *st, double confidence,
                        size_t point, const size_t *coords, const int *width,
                        int collapse, int support)
{
    for (size_t a = 0; a < r->n_axes; a++) {
        char buf[32];
        printf("%-*s", width[a], recipe_axis_text(r, a, coords[a], buf));
    }
    double lo[MEASURE_N_CLASSES], hi[MEASURE_N_CLASSES];
    referee_class_intervals(st, confidence, r->seed, point, lo, hi);
    for (int c = 0; c <= (support ? MEASURE_OFF_SUPPORT : MEASURE_GENERALIZED); c++) {
        double n = (double)st->samples;
        char cell[64];
        if (c == MEASURE_OFF_SUPPORT && !support_judged(st))
            snprintf(cell, sizeof cell, "-");
        else
            snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]", (double)st->counts[c] / n,
                     lo[c], hi[c]);
        printf("%-22s", cell);
    }
    printf(collapse ? "%-9llu" : "%llu", (unsigned long long)st->samples);
    if (st->traj_n) {
        referee_time_stats t;
        referee_time_stats_of(st, REFEREE_COLLAPSE, &t);
        printf("%.3f [%.3f]", t.mean, t.median);
        if (st->theory_n)
            printf(" (%.3f)", st->t_theory_sum / (double)st->theory_n);
    }
    putchar('\n');
}

void summary_print(const recipe *r, const point_stats *stats, double confidence,
                   const char *out_dir, double seconds)
{
    uint64_t total = 0; /* final states measured (clones are not among them) */
    for (size_t p = 0; p < r->n_points; p++)
        total += stats[p].samples;
    printf("%s: %zu point%s x %u repeat%s, %llu final states in %.2f s -> %s\n", r->name,
           r->n_points, r->n_points == 1 ? "" : "s", r->repeats,
           r->repeats == 1 ? "" : "s", (unsigned long long)total, seconds, out_dir);
    int *width = calloc(r->n_axes + 1, sizeof *width);
    if (!width)
        return;
    for (size_t a = 0; a < r->n_axes; a++) {
        width[a] = axis_width(r, a);
        printf("%-*s", width[a], r->axes[a].dotted);
    }
    int collapse = 0, support = 0;
    for (size_t p = 0; p < r->n_points; p++) {
        collapse |= stats[p].traj_n > 0;
        support |= stats[p].calibrated;
    }
    printf("%-22s%-22s%-22s", "memorized", "spurious", "generalized");
    if (support)
        printf("%-22s", "off_support");
    printf("%s\n",
           collapse ? "samples  t_collapse [median] (theory), OU time" : "samples");
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    for (size_t p = 0; coords && p < r->n_points; p++) {
        recipe_coords(r, p, coords);
        print_point(r, &stats[p], confidence, p, coords, width, collapse, support);
    }
    free(coords);
    free(width);
}

/* One point of summary_print_json. */
static void json_point(json_writer *w, const recipe *r, const point_stats *st,
                       double confidence, size_t point, const size_t *coords)
{
    json_object_begin(w);
    json_key(w, "point");
    json_number(w, (double)point);
    json_key(w, "values");
    json_object_begin(w);
    for (size_t a = 0; a < r->n_axes; a++) {
        const recipe_axis *axis = &r->axes[a];
        const basin_param_def *def = recipe_axis_def(r, a);
        const basin_value v = axis->values[coords[a]];
        json_key(w, axis->dotted);
        if (def->type == BASIN_PARAM_BOOL)
            json_bool(w, v.number != 0);
        else if (def->type == BASIN_PARAM_INT || def->type == BASIN_PARAM_REAL)
            json_number(w, v.number);
        else
            json_string(w, v.string);
    }
    json_object_end(w);
    double lo[MEASURE_N_CLASSES], hi[MEASURE_N_CLASSES];
    referee_class_intervals(st, confidence, r->seed, point, lo, hi);
    for (int c = 0; c < MEASURE_N_CLASSES; c++) {
        json_key(w, measure_class_name((measure_class)c));
        if (c == MEASURE_OFF_SUPPORT && !support_judged(st)) {
            json_null(w);
            continue;
        }
        json_object_begin(w);
        json_key(w, "rate");
        json_number(w, st->samples ? (double)st->counts[c] / (double)st->samples : NAN);
        json_key(w, "lo");
        json_number(w, lo[c]);
        json_key(w, "hi");
        json_number(w, hi[c]);
        json_key(w, "count");
        json_number(w, (double)st->counts[c]);
        json_object_end(w);
    }
    json_key(w, "samples");
    json_number(w, (double)st->samples);
    if (st->traj_n) {
        referee_time_stats t;
        referee_time_stats_of(st, REFEREE_COLLAPSE, &t);
        json_key(w, "t_collapse");
        json_object_begin(w);
        json_key(w, "mean");
        json_number(w, t.mean);
        json_key(w, "median");
        json_number(w, t.median);
        json_key(w, "theory");
        json_number(w, st->theory_n ? st->t_theory_sum / (double)st->theory_n : NAN);
        json_object_end(w);
    }
    json_object_end(w);
}

void summary_print_json(const recipe *r, const point_stats *stats, double confidence,
                        const char *out_dir, double seconds)
{
    uint64_t total = 0;
    for (size_t p = 0; p < r->n_points; p++)
        total += stats[p].samples;
    json_writer w;
    json_init(&w, stdout);
    json_object_begin(&w);
    json_key(&w, "name");
    json_string(&w, r->name);
    json_key(&w, "out");
    json_string(&w, out_dir);
    json_key(&w, "points");
    json_number(&w, (double)r->n_points);
    json_key(&w, "repeats");
    json_number(&w, r->repeats);
    json_key(&w, "samples");
    json_number(&w, (double)total);
    json_key(&w, "seconds");
    json_number(&w, seconds);
    json_key(&w, "confidence");
    json_number(&w, confidence);
    json_key(&w, "axes");
    json_array_begin(&w);
    for (size_t a = 0; a < r->n_axes; a++)
        json_string(&w, r->axes[a].dotted);
    json_array_end(&w);
    json_key(&w, "rows");
    json_array_begin(&w);
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    for (size_t p = 0; coords && p < r->n_points; p++) {
        recipe_coords(r, p, coords);
        json_point(&w, r, &stats[p], confidence, p, coords);
    }
    free(coords);
    json_array_end(&w);
    json_object_end(&w);
    json_finish(&w);
}

/* What a censored or missing time means, per collapse time. */
static const struct {
    const char *column, *censored, *never;
} TIME_WORDS[REFEREE_N_TIMES] = {
    [REFEREE_COLLAPSE] = {"t_collapse",
                          "were condensed (one training point holding more than half "
                          "of the posterior weight) from the first step to the end, "
                          "the start (schedule.t_max) not noisy enough for the "
                          "training points to share the weight",
                          "never condensed (the sampler ended "
                          "without a final denoise)"},
    [REFEREE_NEAREST] = {"t_collapse_nearest",
                         "kept their first nearest training point to the end (the "
                         "trajectories of a deterministic sampler, a probability-flow "
                         "ODE, mostly do; else schedule.t_max is too close to the "
                         "collapse)",
                         NULL},
    [REFEREE_FIRST_PASSAGE] = {"t_first_passage",
                               "already had one training point holding more than "
                               "half of the posterior weight at the first step, the "
                               "start (schedule.t_max) not noisy enough for the "
                               "training points to share the weight",
                               "never condensed (the sampler ended "
                               "without a final denoise)"},
};

/* The referee's warnings: "auto" thresholds without a held-out split, the
   support not judged. */
static void warn_referee(const recipe *r, const point_stats *stats)
{
    const char *id = r->sections[RECIPE_DATASET].plugin_id;
    char data[160];
    if (id)
        snprintf(data, sizeof data,
                 "the data set %s has no held-out split "
                 "(dataset.heldout = 0)",
                 id);
    else
        snprintf(data, sizeof data, "no held-out points were given (--heldout)");
    size_t fallback_m = 0, fallback_s = 0, unjudged = 0, n = r->n_points;
    for (size_t p = 0; p < n; p++) {
        fallback_m += stats[p].fallback_m_jobs > 0;
        fallback_s += stats[p].fallback_s_jobs > 0;
        unjudged += stats[p].unjudged_jobs > 0;
    }
    const char *keys = fallback_m && fallback_s ? "measure.delta_m and delta_s are"
                       : fallback_m             ? "measure.delta_m is"
                                                : "measure.delta_s is";
    if (fallback_m || fallback_s)
        fprintf(stderr,
                "basin: warning: %s \"auto\", but %s to calibrate from, so %g stands "
                "in (at %zu of %zu points); give a held-out split or the thresholds as "
                "numbers\n",
                keys, data, CALIBRATE_FALLBACK,
                fallback_m > fallback_s ? fallback_m : fallback_s, n);
    if (unjudged)
        fprintf(stderr,
                "basin: warning: off_support: %s and no law_distance, so whether a "
                "sample lies on the data's support is not judged (at %zu of %zu points: "
                "summary.csv support = none, off_support_rate nan; such samples count "
                "as generalized)\n",
                data, unjudged, n);
}

void summary_warn(const recipe *r, const point_stats *stats)
{
    warn_referee(r, stats);
    uint64_t det_jobs = 0, jobs = 0, lost = 0, det_traj = 0, skipped = 0;
    size_t single = 0;
    for (size_t p = 0; p < r->n_points; p++) {
        skipped += stats[p].clones_skipped;
        single += stats[p].tracked_jobs == 1;
        jobs += stats[p].tracked_jobs;
        det_jobs += stats[p].deterministic_jobs;
        lost += stats[p].lost;
        if (stats[p].deterministic_jobs)
            det_traj += stats[p].traj_n;
    }
    if (det_jobs)
        fprintf(stderr,
                "basin: warning: measure.collapse: the sampler drew no noise in %llu of "
                "%llu jobs (a probability-flow ODE): there a trajectory, once "
                "condensed, stays condensed, so t_collapse is the first passage; "
                "t_collapse_nearest is no collapse time (an ODE keeps its nearest "
                "training point from early on)\n",
                (unsigned long long)det_jobs, (unsigned long long)jobs);
    if (lost)
        fprintf(stderr,
                "basin: warning: measure.collapse: %llu of %llu trajectories of the "
                "deterministic sampler lost their condensation after the first passage, "
                "which the ODE does not: its steps are too coarse (raise "
                "sampler.steps)\n",
                (unsigned long long)lost, (unsigned long long)det_traj);
    if (skipped)
        fprintf(stderr,
                "basin: warning: measure.clones: the sampler drew no noise in %llu "
                "job%s: a copy continued from the same state retraces its original "
                "(phi_C would be 1), so none ran; collapse.csv has no rows for them\n",
                (unsigned long long)skipped, skipped == 1 ? "" : "s");
    if (single)
        fprintf(stderr,
                "basin: warning: measure.collapse: %zu point%s ran one job: there "
                "t_collapse_se is the standard error given that job's training set, "
                "and a new draw of the training set moves the mean as well (most at "
                "small dataset.count); repeats >= 2 include it\n",
                single, single == 1 ? "" : "s");
    for (int k = 0; k < REFEREE_N_TIMES; k++) {
        uint64_t n = 0, censored = 0, never = 0;
        size_t tracked = 0, censored_points = 0, never_points = 0;
        for (size_t p = 0; p < r->n_points; p++) {
            if (!stats[p].traj_n)
                continue;
            referee_time_stats t;
            referee_time_stats_of(&stats[p], (referee_time)k, &t);
            tracked++;
            n += t.n;
            censored += t.censored;
            never += t.never;
            censored_points += t.censored > 0;
            never_points += t.never > 0;
        }
        if (censored)
            fprintf(stderr,
                    "basin: warning: measure.collapse: %llu of %llu trajectories (at "
                    "%zu of %zu points) %s: %s is censored at the schedule's start, "
                    "so its mean is nan there, and its median where they are half\n",
                    (unsigned long long)censored, (unsigned long long)n, censored_points,
                    tracked, TIME_WORDS[k].censored, TIME_WORDS[k].column);
        if (never && TIME_WORDS[k].never)
            fprintf(stderr,
                    "basin: warning: measure.collapse: %llu of %llu trajectories (at "
                    "%zu of %zu points) %s: their %s is below the schedule's end, so "
                    "its mean is nan there, and its median where they are half\n",
                    (unsigned long long)never, (unsigned long long)n, never_points,
                    tracked, TIME_WORDS[k].never, TIME_WORDS[k].column);
    }
}

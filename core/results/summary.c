#include "results/summary.h"

#include <math.h>
#include <stdlib.h>

#include "results/csv.h"

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

static void write_header(FILE *f, const recipe *r, int distance, int landscape)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "unconverged_rate"};
    csv_axes_header(f, r);
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        fprintf(f, "%s,%s_lo,%s_hi,", RATES[c], RATES[c], RATES[c]);
    if (distance)
        fprintf(f, "ratio_memorized_rate,ratio_memorized_rate_lo,"
                   "ratio_memorized_rate_hi,d_m_mean,t_collapse,t_collapse_se,"
                   "t_collapse_theory,t_speciation,theory,pair_distance,pair_cosine,");
    if (landscape)
        fprintf(f, "attractors,attractors_memorized,attractors_spurious,"
                   "attractors_generalized,");
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
   (whatever the rule), the mean d_m, the measured collapse time (mean and
   standard error over trajectories, OU time), the closed forms and what they rest
   on (measure/collapse.h: law, mixture or gaussian-approx; empty without), and
   the disjoint-sets test's mean d_pair and cos_pair. */
static void write_distance(FILE *f, const point_stats *st, double confidence)
{
    write_rate(f, st->ratio_memorized, st->samples, confidence);
    double n = (double)st->t_col_n, mean = st->t_col_sum / n;
    double var = n > 1 ? (st->t_col_sum2 - n * mean * mean) / (n - 1) : NAN;
    double theory_n = (double)st->theory_n;
    const double times[] = {st->samples ? st->d_m_sum / (double)st->samples : NAN,
                            n > 0 ? mean : NAN, n > 1 ? sqrt(fmax(var, 0) / n) : NAN,
                            theory_n > 0 ? st->t_theory_sum / theory_n : NAN,
                            theory_n > 0 ? st->t_speciation_sum / theory_n : NAN};
    write_reals(f, times, sizeof times / sizeof times[0]);
    fprintf(f, "%s,",
            collapse_basis_name(theory_n > 0 ? st->theory_basis : COLLAPSE_BASIS_NONE));
    const double pairs[] = {st->pair_n ? st->pair_d_sum / (double)st->pair_n : NAN,
                            st->pair_n ? st->pair_cos_sum / (double)st->pair_n : NAN};
    write_reals(f, pairs, sizeof pairs / sizeof pairs[0]);
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

void summary_write(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                   size_t *coords, int distance, int landscape)
{
    write_header(f, r, distance, landscape);
    for (size_t p = 0; p < r->n_points; p++) {
        const point_stats *st = &stats[p];
        csv_axes(f, r, p, coords);
        for (int c = 0; c < MEASURE_N_CLASSES; c++)
            write_rate(f, st->counts[c], st->samples, confidence);
        if (distance)
            write_distance(f, st, confidence);
        if (landscape)
            write_landscape(f, st);
        fprintf(f, "%llu,%.3f\n", (unsigned long long)st->samples, st->seconds);
    }
}

/* A printed row: the swept values, the three rates with their intervals, the
   samples and the collapse time when the run measured one. */
static void print_point(const recipe *r, const point_stats *st, double confidence,
                        const size_t *coords, int collapse)
{
    for (size_t a = 0; a < r->n_axes; a++) {
        char buf[32];
        printf("%-16s", recipe_axis_text(r, a, coords[a], buf));
    }
    for (int c = 0; c < 3; c++) {
        double lo, hi, n = (double)st->samples;
        measure_rate_interval(st->counts[c], st->samples, confidence, &lo, &hi);
        char cell[64];
        snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]", (double)st->counts[c] / n, lo,
                 hi);
        printf("%-22s", cell);
    }
    printf(collapse ? "%-9llu" : "%llu", (unsigned long long)st->samples);
    if (st->t_col_n) {
        double n = (double)st->t_col_n, mean = st->t_col_sum / n;
        printf("%.3f", mean);
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
        print_point(r, &stats[p], confidence, coords, collapse);
    }
    free(coords);
}

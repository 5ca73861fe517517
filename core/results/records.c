#include "results/records.h"

#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------- the columns */

static double opt(const double *a, uint64_t i)
{
    return a ? a[i] : NAN;
}

static void col_sample(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%llu", (unsigned long long)(b->first_sample + i));
}
static void col_start(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%lld", b->start ? (long long)b->start[i] : -1ll);
}
static void col_class(FILE *f, const records_batch *b, uint64_t i)
{
    fputs(measure_class_name(b->cls[i]), f);
}
static void col_converged(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%u", b->outcome ? b->outcome[i].converged : 1u);
}
static void col_steps(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%u", b->outcome ? b->outcome[i].steps : 0u);
}
static void col_energy(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->energy, i));
}

static void col_pattern(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%lld", (long long)b->overlap[i].pattern);
}
static void col_m1(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].top[0]);
}
static void col_m2(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].top[1]);
}
static void col_m3(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].top[2]);
}
static void col_m4(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].top[3]);
}
static void col_m5(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].top[4]);
}
static void col_mixture(FILE *f, const records_batch *b, uint64_t i)
{
    fputs(measure_mixture_name(measure_mixture_of(&b->overlap[i], b->cls[i])), f);
}
static void col_m_heldout(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->overlap[i].heldout);
}

static void col_nearest(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%lld", (long long)b->dist[i].nearest);
}
static void col_d_m(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->dist[i].d_m);
}
static void col_d_2(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->dist[i].d_2);
}
static void col_d_s(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->dist[i].d_s);
}
static void col_d_h(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->dist[i].d_h);
}
static void col_d_law(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->d_law, i));
}
static void col_t_collapse(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_col, i));
}
static void col_t_collapse_ou(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_col_ou, i));
}
static void col_d_m_before(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->before ? b->before[i].d_m : NAN);
}
static void col_d_2_before(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->before ? b->before[i].d_2 : NAN);
}
static void col_t_near(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_near, i));
}
static void col_t_near_ou(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_near_ou, i));
}
static void col_t_first(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_first, i));
}
static void col_t_first_ou(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->t_first_ou, i));
}
static void col_d_pair(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->d_pair, i));
}
static void col_cos_pair(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, opt(b->cos_pair, i));
}
static void col_target(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%lld", (long long)b->cosine[i].target);
}
static void col_cos_target(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->cosine[i].cos);
}
static void col_cos_max(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->cosine[i].best);
}
static void col_cos_heldout(FILE *f, const records_batch *b, uint64_t i)
{
    csv_real(f, b->cosine[i].heldout);
}
static void col_cluster(FILE *f, const records_batch *b, uint64_t i)
{
    fprintf(f, "%lld", b->cluster ? (long long)b->cluster[i] : -1ll);
}

/* The layouts a column belongs to: DIFFUSION is the distance layout of a
   score model, COSINE the distance layout of the cosine rule. */
enum { OVERLAP = 1, DISTANCE = 2, DIFFUSION = 4, COSINE = 8, BOTH = OVERLAP | DISTANCE };

/* The columns after the job's fields, in order: name, layouts, how to write a
   row's field. */
static const struct column {
    const char *name;
    int layouts;
    void (*write)(FILE *f, const records_batch *b, uint64_t i);
} COLUMNS[] = {
    {"sample", BOTH, col_sample},
    {"start", BOTH, col_start},
    {"class", BOTH, col_class},
    {"converged", BOTH, col_converged},
    {"steps", BOTH, col_steps},
    {"energy", BOTH, col_energy},
    {"pattern", OVERLAP, col_pattern},
    {"m1", OVERLAP, col_m1},
    {"m2", OVERLAP, col_m2},
    {"m3", OVERLAP, col_m3},
    {"m4", OVERLAP, col_m4},
    {"m5", OVERLAP, col_m5},
    {"m_heldout", OVERLAP, col_m_heldout},
    {"mixture", OVERLAP, col_mixture},
    {"nearest", DISTANCE, col_nearest},
    {"d_m", DISTANCE, col_d_m},
    {"d_2", DISTANCE, col_d_2},
    {"d_s", DISTANCE, col_d_s},
    {"d_h", DISTANCE, col_d_h},
    {"d_law", DISTANCE, col_d_law},
    {"d_m_before_denoise", DIFFUSION, col_d_m_before},
    {"d_2_before_denoise", DIFFUSION, col_d_2_before},
    {"t_collapse", DISTANCE, col_t_collapse},
    {"t_collapse_ou", DISTANCE, col_t_collapse_ou},
    {"t_collapse_nearest", DIFFUSION, col_t_near},
    {"t_collapse_nearest_ou", DIFFUSION, col_t_near_ou},
    {"t_first_passage", DIFFUSION, col_t_first},
    {"t_first_passage_ou", DIFFUSION, col_t_first_ou},
    {"d_pair", DISTANCE, col_d_pair},
    {"cos_pair", DISTANCE, col_cos_pair},
    {"cluster", DISTANCE, col_cluster},
    {"target", COSINE, col_target},
    {"cos_target", COSINE, col_cos_target},
    {"cos_max", COSINE, col_cos_max},
    {"cos_heldout", COSINE, col_cos_heldout},
};
#define N_COLUMNS (sizeof COLUMNS / sizeof COLUMNS[0])

/* ------------------------------------------------------------- the file */

/* The column layouts shown: the overlap layout, or the distance layout with a
   score model's columns or without, and with the cosine rule's or without. */
static int shown(int overlap, int diffusion, int cosine)
{
    return overlap     ? OVERLAP
           : diffusion ? DISTANCE | DIFFUSION | (cosine ? COSINE : 0)
                       : DISTANCE | (cosine ? COSINE : 0);
}

void records_header(FILE *f, const recipe *r, int layout_flags)
{
    int layout = shown(layout_flags & RECORDS_OVERLAP, layout_flags & RECORDS_DIFFUSION,
                       layout_flags & RECORDS_COSINE);
    const char *sep = "";
    csv_job_header(f, r);
    for (size_t c = 0; c < N_COLUMNS; c++)
        if (COLUMNS[c].layouts & layout) {
            fprintf(f, "%s%s", sep, COLUMNS[c].name);
            sep = ",";
        }
    fputc('\n', f);
}

void records_write(FILE *f, const records_batch *b, size_t *coords)
{
    int layout = shown(b->overlap != NULL, b->diffusion, b->cosine != NULL);
    char *fields = csv_job_fields(&b->job, coords);
    for (uint64_t i = 0; i < b->n; i++) {
        csv_put_job_fields(f, fields, &b->job, coords);
        int first = 1;
        for (size_t c = 0; c < N_COLUMNS; c++)
            if (COLUMNS[c].layouts & layout) {
                if (!first)
                    fputc(',', f);
                COLUMNS[c].write(f, b, i);
                first = 0;
            }
        fputc('\n', f);
    }
    free(fields);
}

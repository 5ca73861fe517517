/* results/records: the header of each layout, and rows with and without the
   optional columns (basin measure's rows show the defaults). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "results/records.h"

/* What write(f) writes, as a string to free. */
static char *capture(void (*write)(FILE *f, const void *arg), const void *arg)
{
    char *text = NULL;
    size_t size;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    write(f, arg);
    fclose(f);
    return text;
}

static const recipe NO_SWEEP = {.n_points = 1, .repeats = 1};

static void header_overlap(FILE *f, const void *arg)
{
    (void)arg;
    records_header(f, &NO_SWEEP, 1);
}
static void header_distance(FILE *f, const void *arg)
{
    (void)arg;
    records_header(f, &NO_SWEEP, 0);
}
static void rows(FILE *f, const void *arg)
{
    size_t coords[1];
    records_write(f, arg, coords);
}

static void headers(void)
{
    char *h = capture(header_overlap, NULL);
    CHECK(h && strcmp(h, "job,point,repeat,sample,start,class,converged,steps,energy,"
                         "pattern,m1,m2,m3,m_heldout\n") == 0,
          "overlap header: %s", h);
    free(h);
    h = capture(header_distance, NULL);
    CHECK(h && strcmp(h, "job,point,repeat,sample,start,class,converged,steps,energy,"
                         "nearest,d_m,d_2,d_s,d_h,d_law,t_collapse,t_collapse_ou,"
                         "d_pair,cos_pair\n") == 0,
          "distance header: %s", h);
    free(h);
}

static void distance_rows(void)
{
    measure_distance d[2] = {{4, 0.5, 0.75, NAN, 1.5}, {7, 0.125, 0.25, 2, NAN}};
    measure_class cls[2] = {MEASURE_GENERALIZED, MEASURE_MEMORIZED};
    records_batch b = {
        .job = {.r = &NO_SWEEP}, .n = 2, .first_sample = 10, .cls = cls, .dist = d};
    char *text = capture(rows, &b);
    CHECK(text && strcmp(text, "0,0,0,10,-1,generalized,1,0,nan,4,0.5,0.75,nan,1.5,"
                               "nan,nan,nan,nan,nan\n"
                               "0,0,0,11,-1,memorized,1,0,nan,7,0.125,0.25,2,nan,"
                               "nan,nan,nan,nan,nan\n") == 0,
          "rows without a model show the defaults: %s", text);
    free(text);

    int64_t start[2] = {3, -1};
    basin_outcome out[2] = {{12, 1}, {40, 0}};
    double energy[2] = {-1.25, 2}, t_col[2] = {0.5, NAN}, pair[2] = {0.25, 0.5};
    b = (records_batch){.job = {.r = &NO_SWEEP, .index = 5, .point = 0, .repeat = 2},
                        .n = 2,
                        .cls = cls,
                        .start = start,
                        .outcome = out,
                        .energy = energy,
                        .dist = d,
                        .t_col = t_col,
                        .d_pair = pair};
    text = capture(rows, &b);
    CHECK(text && strcmp(text, "5,0,2,0,3,generalized,1,12,-1.25,4,0.5,0.75,nan,1.5,"
                               "nan,0.5,nan,0.25,nan\n"
                               "5,0,2,1,-1,memorized,0,40,2,7,0.125,0.25,2,nan,"
                               "nan,nan,nan,0.5,nan\n") == 0,
          "a run's rows: %s", text);
    free(text);
}

static void overlap_rows(void)
{
    measure_overlap m[1] = {{2, {0.96, -0.5, NAN}, NAN}};
    measure_class cls[1] = {MEASURE_MEMORIZED};
    records_batch b = {.job = {.r = &NO_SWEEP}, .n = 1, .cls = cls, .overlap = m};
    char *text = capture(rows, &b);
    CHECK(text && strcmp(text, "0,0,0,0,-1,memorized,1,0,nan,2,0.96,-0.5,nan,nan\n") == 0,
          "an overlap row (reals as %%.9g): %s", text);
    free(text);
}

int main(void)
{
    headers();
    distance_rows();
    overlap_rows();
    return check_done("records");
}

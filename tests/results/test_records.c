/* results/records: the header of each layout, and rows with and without the
   optional columns (basin measure's rows show the defaults).
   One case by name: build/tests/results/test-records records_overlap_rows (--list
   names them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
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
static void header_diffusion(FILE *f, const void *arg)
{
    (void)arg;
    records_header(f, &NO_SWEEP, RECORDS_DIFFUSION);
}
static void rows(FILE *f, const void *arg)
{
    size_t coords[1];
    records_write(f, arg, coords);
}

TEST_IMPL(records_headers)
{
    char *h = capture(header_overlap, NULL);
    EXPECT_STR_EQ(h, "job,point,repeat,sample,start,class,converged,steps,energy,"
                     "pattern,m1,m2,m3,m4,m5,m_heldout,mixture\n");
    free(h);
    h = capture(header_distance, NULL);
    EXPECT_STR_EQ(h, "job,point,repeat,sample,start,class,converged,steps,energy,"
                     "nearest,d_m,d_2,d_s,d_h,d_law,t_collapse,t_collapse_ou,"
                     "d_pair,cos_pair,cluster\n");
    free(h);
    /* A score model's distance layout: the state before the final denoise, the
       nearest-point collapse time and the first passage. */
    h = capture(header_diffusion, NULL);
    EXPECT_STR_EQ(h, "job,point,repeat,sample,start,class,converged,steps,energy,"
                     "nearest,d_m,d_2,d_s,d_h,d_law,d_m_before_denoise,"
                     "d_2_before_denoise,t_collapse,t_collapse_ou,t_collapse_nearest,"
                     "t_collapse_nearest_ou,t_first_passage,t_first_passage_ou,"
                     "d_pair,cos_pair,cluster\n");
    free(h);
}

TEST_IMPL(records_diffusion_rows)
{
    measure_distance d[1] = {{4, 0.0, 0.75, NAN, NAN}};
    measure_distance before[1] = {{4, 0.25, 0.5, NAN, NAN}};
    measure_class cls[1] = {MEASURE_MEMORIZED};
    double t_col[1] = {0.5}, t_col_ou[1] = {0.25}, t_near[1] = {1.5},
           t_near_ou[1] = {0.75}, t_first[1] = {2}, t_first_ou[1] = {1};
    records_batch b = {.job = {.r = &NO_SWEEP},
                       .n = 1,
                       .cls = cls,
                       .dist = d,
                       .diffusion = 1,
                       .before = before,
                       .t_col = t_col,
                       .t_col_ou = t_col_ou,
                       .t_near = t_near,
                       .t_near_ou = t_near_ou,
                       .t_first = t_first,
                       .t_first_ou = t_first_ou};
    char *text = capture(rows, &b);
    /* Each value in its own column, in the header's order. */
    EXPECT_STR_EQ(text, "0,0,0,0,-1,memorized,1,0,nan,4,0,0.75,nan,nan,nan,0.25,0.5,"
                        "0.5,0.25,1.5,0.75,2,1,nan,nan,-1\n");
    free(text);
}

TEST_IMPL(records_distance_rows)
{
    measure_distance d[2] = {{4, 0.5, 0.75, NAN, 1.5}, {7, 0.125, 0.25, 2, NAN}};
    measure_class cls[2] = {MEASURE_GENERALIZED, MEASURE_MEMORIZED};
    records_batch b = {
        .job = {.r = &NO_SWEEP}, .n = 2, .first_sample = 10, .cls = cls, .dist = d};
    char *text = capture(rows, &b);
    /* Rows without a model show the defaults. */
    EXPECT_STR_EQ(text, "0,0,0,10,-1,generalized,1,0,nan,4,0.5,0.75,nan,1.5,"
                        "nan,nan,nan,nan,nan,-1\n"
                        "0,0,0,11,-1,memorized,1,0,nan,7,0.125,0.25,2,nan,"
                        "nan,nan,nan,nan,nan,-1\n");
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
    /* A run's rows. */
    EXPECT_STR_EQ(text, "5,0,2,0,3,generalized,1,12,-1.25,4,0.5,0.75,nan,1.5,"
                        "nan,0.5,nan,0.25,nan,-1\n"
                        "5,0,2,1,-1,memorized,0,40,2,7,0.125,0.25,2,nan,"
                        "nan,nan,nan,0.5,nan,-1\n");
    free(text);
}

TEST_IMPL(records_overlap_rows)
{
    measure_overlap m[1] = {{2, {0.96, -0.5, NAN, NAN, NAN}, NAN, NAN, 1000}};
    measure_class cls[1] = {MEASURE_MEMORIZED};
    records_batch b = {.job = {.r = &NO_SWEEP}, .n = 1, .cls = cls, .overlap = m};
    char *text = capture(rows, &b);
    /* An overlap row (reals as %.9g). */
    EXPECT_STR_EQ(text, "0,0,0,0,-1,memorized,1,0,nan,2,0.96,-0.5,nan,nan,nan,nan,"
                        "pattern\n");
    free(text);
}

TEST_LIST_BEGIN
TEST_ENTRY(records_headers)
TEST_ENTRY(records_distance_rows)
TEST_ENTRY(records_diffusion_rows)
TEST_ENTRY(records_overlap_rows)
TEST_LIST_END

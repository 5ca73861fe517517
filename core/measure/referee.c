#include "measure/referee.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "recipe/sections.h"

static int converged(const referee_batch *b, uint64_t i)
{
    return b->outcome ? (int)b->outcome[i].converged : 1;
}

/* The thresholds of b: its calibration's, or the [measure] values as numbers. */
static calibration thresholds(const referee_batch *b, const basin_value *measure)
{
    if (b->cal)
        return *b->cal;
    calibration c = {.delta_m = measure[MEASURE_DELTA_M].number,
                     .delta_s = measure[MEASURE_DELTA_S].number,
                     .delta_h = NAN,
                     .quantile = NAN,
                     .support = CALIBRATE_SUPPORT_NONE};
    return c;
}

void referee_classify(const referee_batch *b, const basin_value *measure,
                      measure_class *cls)
{
    calibration c = thresholds(b, measure);
    for (uint64_t i = 0; i < b->n; i++) {
        if (b->cosine) {
            cls[i] = measure_classify_cosine(&b->cosine[i], converged(b, i),
                                             measure[MEASURE_THRESHOLD].number);
            continue;
        }
        if (b->overlap) {
            cls[i] = measure_classify_overlap(&b->overlap[i], converged(b, i),
                                              measure[MEASURE_THRESHOLD].number);
            continue;
        }
        int on = calibrate_on_support(&c, b->dist[i].d_h, b->d_law ? b->d_law[i] : NAN);
        cls[i] =
            measure_classify_distance(&b->dist[i], converged(b, i), b->rule, c.delta_m,
                                      c.delta_s, measure[MEASURE_RATIO].number, on);
    }
}

void referee_classify_attractors(const referee_batch *b, const double *d_law,
                                 const basin_value *measure, measure_class *cls)
{
    calibration c = thresholds(b, measure);
    for (uint64_t i = 0; i < b->n; i++) {
        if (b->overlap) {
            cls[i] = measure_classify_overlap(&b->overlap[i], 1,
                                              measure[MEASURE_THRESHOLD].number);
            continue;
        }
        measure_distance d = b->dist[i];
        d.d_s = INFINITY;
        cls[i] = b->cosine ? measure_classify_cosine(&b->cosine[i], 1,
                                                     measure[MEASURE_THRESHOLD].number)
                           : measure_classify_distance(&d, 1, b->rule, c.delta_m, 0,
                                                       measure[MEASURE_RATIO].number, -1);
        /* Not the target (memorized), nor a held-out pattern (the cosine rule's
           generalized): generalized if on the data's support, else spurious. */
        if (cls[i] == MEASURE_MEMORIZED || (b->cosine && cls[i] == MEASURE_GENERALIZED))
            continue;
        int on = calibrate_on_support(&c, d.d_h, d_law ? d_law[i] : NAN);
        if (on < 0)
            on = d.d_h <= c.delta_m || (d_law && d_law[i] <= c.delta_m);
        cls[i] = on ? MEASURE_GENERALIZED : MEASURE_SPURIOUS;
    }
}

/* The distance rules' extras of state i. */
static void count_distance(const referee_batch *b, uint64_t i, const basin_value *measure,
                           point_stats *st)
{
    const measure_distance *d = &b->dist[i];
    double ratio = measure[MEASURE_RATIO].number;
    st->ratio_memorized += measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                                     ratio, -1) == MEASURE_MEMORIZED;
    st->d_m_sum += d->d_m;
    if (b->d_pair && !isnan(b->cos_pair[i])) {
        st->pair_d_sum += b->d_pair[i];
        st->pair_cos_sum += b->cos_pair[i];
        st->pair_n++;
    }
    const measure_distance *before = b->before ? &b->before[i] : NULL;
    if (before && !isnan(before->d_m)) {
        st->before_n++;
        calibration c = thresholds(b, measure);
        st->before_memorized +=
            measure_classify_distance(before, 1, b->rule, c.delta_m, c.delta_s, ratio,
                                      -1) == MEASURE_MEMORIZED;
        st->before_ratio_memorized +=
            measure_classify_distance(before, 1, MEASURE_RATIO_RULE, 0, 0, ratio, -1) ==
            MEASURE_MEMORIZED;
    }
}

/* Keep trajectory i of b in st (b->t_col_ou set). */
static int keep_trajectory(const referee_batch *b, uint64_t i, point_stats *st)
{
    if (st->traj_n == st->traj_cap) {
        uint64_t cap = st->traj_cap ? 2 * st->traj_cap : 256;
        referee_trajectory *grown = cap <= SIZE_MAX / sizeof *grown
                                        ? realloc(st->traj, cap * sizeof *grown)
                                        : NULL;
        if (!grown)
            return BASIN_ENOMEM;
        st->traj = grown;
        st->traj_cap = cap;
    }
    referee_trajectory *t = &st->traj[st->traj_n++];
    const double *times[REFEREE_N_TIMES] = {b->t_col_ou, b->t_near_ou, b->t_first_ou};
    t->censored = 0;
    for (int k = 0; k < REFEREE_N_TIMES; k++) {
        t->t_ou[k] = times[k] ? times[k][i] : NAN;
        if (b->t_start_ou && t->t_ou[k] == b->t_start_ou[i])
            t->censored |= (uint8_t)(1u << k);
    }
    t->job = b->job;
    t->winner = b->winner ? b->winner[i] : -1;
    return BASIN_OK;
}

/* The record of job b->job in st: the last one when it is that job's (its
   batches come one after another), else a new one; NULL when out of memory. */
static referee_job *job_record(const referee_batch *b, point_stats *st)
{
    if (st->jobs_n && st->jobs[st->jobs_n - 1].job == b->job)
        return &st->jobs[st->jobs_n - 1];
    if (st->jobs_n == st->jobs_cap) {
        uint64_t cap = st->jobs_cap ? 2 * st->jobs_cap : 4;
        referee_job *grown = cap <= SIZE_MAX / sizeof *grown
                                 ? realloc(st->jobs, cap * sizeof *grown)
                                 : NULL;
        if (!grown)
            return NULL;
        st->jobs = grown;
        st->jobs_cap = cap;
    }
    referee_job *r = &st->jobs[st->jobs_n++];
    memset(r, 0, sizeof *r);
    r->job = b->job;
    r->delta_m = r->delta_s = r->delta_h = NAN;
    return r;
}

/* The calibration and spurious clusters of b into its job's record and st. */
static void count_calibration(const referee_batch *b, referee_job *r, point_stats *st)
{
    const calibration *c = b->cal;
    if (!c || r->samples != b->n) /* a job's first batch only */
        return;
    r->delta_m = c->delta_m;
    r->delta_s = c->delta_s;
    r->delta_h = c->delta_h;
    if (!st->calibrated) {
        st->calibrated = 1;
        st->quantile = c->quantile;
        st->support = c->support;
    }
    st->fallback_m_jobs += c->fallback_m != 0;
    st->fallback_s_jobs += c->fallback_s != 0;
    st->unjudged_jobs += c->support == CALIBRATE_SUPPORT_NONE;
}

int referee_count(const referee_batch *b, const measure_class *cls,
                  const basin_value *measure, point_stats *st)
{
    int rc = BASIN_OK;
    referee_job *r = job_record(b, st);
    if (!r)
        rc = BASIN_ENOMEM;
    if (b->t_col_ou) {
        st->tracked_jobs++;
        st->deterministic_jobs += b->deterministic != 0;
        st->lost += b->lost;
    }
    st->clones_skipped += b->clones_skipped != 0;
    for (uint64_t i = 0; i < b->n; i++) {
        if (!b->overlap)
            count_distance(b, i, measure, st);
        else
            st->mixtures[measure_mixture_of(&b->overlap[i], cls[i])]++;
        if (b->t_col_ou && !rc)
            rc = keep_trajectory(b, i, st);
        st->counts[cls[i]]++;
        st->samples++;
        if (r) {
            r->counts[cls[i]]++;
            r->samples++;
        }
    }
    if (r)
        count_calibration(b, r, st);
    if (r && b->spurious) {
        r->spurious_clusters += b->spurious->n_clusters;
        for (uint64_t k = 0; k < b->spurious->n_clusters; k++)
            r->spurious_clustered += b->spurious->clusters[k].size;
    }
    return rc;
}

void referee_class_intervals(const point_stats *st, double confidence, uint64_t seed,
                             size_t point, double *lo, double *hi)
{
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        measure_rate_interval(st->counts[c], st->samples, confidence, &lo[c], &hi[c]);
    uint64_t J = st->jobs_n;
    if (J < 2 || st->samples == 0)
        return;
    uint32_t *pick = malloc((size_t)J * sizeof *pick);
    double *rates = malloc((size_t)REFEREE_BOOTSTRAP * MEASURE_N_CLASSES * sizeof *rates);
    if (!pick || !rates) {
        free(pick);
        free(rates);
        return;
    }
    for (uint64_t b = 0; b < REFEREE_BOOTSTRAP; b++) {
        rng_bits(seed, BASIN_ROLE_MEASURE, point, b, pick, (size_t)J);
        uint64_t counts[MEASURE_N_CLASSES] = {0}, n = 0;
        for (uint64_t k = 0; k < J; k++) {
            /* A 32-bit word modulo J: its bias, below J/2^32, is negligible. */
            const referee_job *r = &st->jobs[pick[k] % J];
            for (int c = 0; c < MEASURE_N_CLASSES; c++)
                counts[c] += r->counts[c];
            n += r->samples;
        }
        for (int c = 0; c < MEASURE_N_CLASSES; c++)
            rates[(size_t)c * REFEREE_BOOTSTRAP + b] =
                n ? (double)counts[c] / (double)n : NAN;
    }
    double tail = (1 - confidence) / 2;
    for (int c = 0; c < MEASURE_N_CLASSES; c++) {
        double *v = rates + (size_t)c * REFEREE_BOOTSTRAP;
        double b_lo = calibrate_quantile(v, REFEREE_BOOTSTRAP, tail);
        double b_hi = calibrate_quantile(v, REFEREE_BOOTSTRAP, 1 - tail);
        lo[c] = b_lo < lo[c] ? b_lo : lo[c];
        hi[c] = b_hi > hi[c] ? b_hi : hi[c];
    }
    free(pick);
    free(rates);
}

double referee_jobs_mean(const point_stats *st, size_t offset, int integer)
{
    double sum = 0;
    uint64_t n = 0;
    for (uint64_t k = 0; k < st->jobs_n; k++) {
        const char *field = (const char *)&st->jobs[k] + offset;
        double v = integer ? (double)*(const uint64_t *)(const void *)field
                           : *(const double *)(const void *)field;
        if (isnan(v))
            continue;
        sum += v;
        n++;
    }
    return n ? sum / (double)n : NAN;
}

/* Order of trajectories by cluster: job, then winner. */
static int by_cluster(const void *pa, const void *pb)
{
    const referee_trajectory *a = pa, *b = pb;
    if (a->job != b->job)
        return a->job < b->job ? -1 : 1;
    return (a->winner > b->winner) - (a->winner < b->winner);
}

static int by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The cluster-robust variance sum of time k over one job's n trajectories
   (sorted by cluster) about their mean m: Σ_g (Σ_{i∈g} (t_i − m))² · G/(G − 1),
   n² times the variance of m; NaN with fewer than two clusters. */
static double within_job(const referee_trajectory *job, uint64_t n, int k, double m)
{
    double sum2 = 0, g = 0;
    for (uint64_t i = 0; i < n;) {
        double s = 0;
        uint64_t j = i;
        for (; j < n && by_cluster(&job[i], &job[j]) == 0; j++)
            s += job[j].t_ou[k] - m;
        sum2 += s * s;
        g++;
        i = j;
    }
    return g < 2 ? NAN : sum2 * g / (g - 1);
}

/* The standard error of the mean m of time k over the n trajectories of sorted
   (by cluster): referee_time_stats. */
static double standard_error(const referee_trajectory *sorted, uint64_t n, int k,
                             double m)
{
    double within = 0, between = 0, jobs = 0;
    for (uint64_t i = 0; i < n;) {
        uint64_t j = i;
        double sum = 0;
        for (; j < n && sorted[j].job == sorted[i].job; j++)
            sum += sorted[j].t_ou[k];
        double n_job = (double)(j - i), m_job = sum / n_job;
        within += within_job(sorted + i, j - i, k, m_job);
        between += (n_job * (m_job - m)) * (n_job * (m_job - m));
        jobs++;
        i = j;
    }
    double var = within;
    if (jobs >= 2) {
        between *= jobs / (jobs - 1);
        var = isnan(within) || between > within ? between : within;
    }
    return sqrt(var) / (double)n;
}

void referee_time_stats_of(const point_stats *st, referee_time which,
                           referee_time_stats *out)
{
    int k = (int)which;
    uint64_t n = st->traj_n;
    memset(out, 0, sizeof *out);
    out->n = n;
    out->mean = out->se = out->median = NAN;
    referee_trajectory *sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (n == 0 || !sorted || !v) {
        free(sorted);
        free(v);
        return;
    }
    /* The median with the censored above every time (they are at least the
       start, where every trajectory of the point began) and the never-reached
       below. */
    double sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        const referee_trajectory *t = &st->traj[i];
        if (t->censored & (1u << k)) {
            out->censored++;
            v[i] = INFINITY;
        } else if (isnan(t->t_ou[k])) {
            out->never++;
            v[i] = -INFINITY;
        } else {
            v[i] = t->t_ou[k];
        }
        sum += t->t_ou[k];
    }
    qsort(v, (size_t)n, sizeof *v, by_value);
    double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    out->median = isfinite(median) ? median : NAN;
    if (!out->censored && !out->never) {
        out->mean = sum / (double)n;
        memcpy(sorted, st->traj, (size_t)n * sizeof *sorted);
        qsort(sorted, (size_t)n, sizeof *sorted, by_cluster);
        out->se = standard_error(sorted, n, k, out->mean);
    }
    free(sorted);
    free(v);
}

void referee_stats_free(point_stats *st)
{
    free(st->traj);
    st->traj = NULL;
    st->traj_n = st->traj_cap = 0;
    free(st->jobs);
    st->jobs = NULL;
    st->jobs_n = st->jobs_cap = 0;
}

void referee_count_theory(point_stats *st, double t_theory, double t_speciation,
                          collapse_basis basis)
{
    if (isnan(t_theory) && isnan(t_speciation))
        return;
    if (st->theory_n == 0)
        st->theory_basis = basis;
    st->t_theory_sum += t_theory;
    st->t_speciation_sum += t_speciation;
    st->theory_n++;
}

void referee_count_clones(point_stats *st, uint32_t n_clones, const uint64_t *same,
                          const uint64_t *n, const double *time, const double *time_ou)
{
    for (uint32_t c = 0; c < n_clones && c < REFEREE_MAX_CLONES; c++) {
        st->clone_same[c] += same[c];
        st->clone_n[c] += n[c];
        st->clone_time[c] = time[c];
        st->clone_time_ou[c] = time_ou[c];
    }
}

void referee_count_clone_classes(point_stats *st, uint32_t n_clones,
                                 const uint64_t *same_class, const uint64_t *labeled)
{
    for (uint32_t c = 0; c < n_clones && c < REFEREE_MAX_CLONES; c++) {
        st->clone_same_class[c] += same_class[c];
        st->clone_labeled[c] += labeled[c];
    }
}

void referee_count_landscape(point_stats *st, const landscape_result *land)
{
    if (!land->n_grouped && !land->n_attractors)
        return;
    st->attractors += land->n_attractors;
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        st->attractors_by_class[c] += land->by_class[c];
    st->landscape_jobs++;
}

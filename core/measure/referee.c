#include "measure/referee.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recipe/sections.h"

static int converged(const referee_batch *b, uint64_t i)
{
    return b->outcome ? (int)b->outcome[i].converged : 1;
}

void referee_classify(const referee_batch *b, const basin_value *measure,
                      measure_class *cls)
{
    for (uint64_t i = 0; i < b->n; i++)
        cls[i] = b->cosine ? measure_classify_cosine(&b->cosine[i], converged(b, i),
                                                     measure[MEASURE_THRESHOLD].number)
                 : b->overlap
                     ? measure_classify_overlap(&b->overlap[i], converged(b, i),
                                                measure[MEASURE_THRESHOLD].number)
                     : measure_classify_distance(&b->dist[i], converged(b, i), b->rule,
                                                 measure[MEASURE_DELTA_M].number,
                                                 measure[MEASURE_DELTA_S].number,
                                                 measure[MEASURE_RATIO].number);
}

void referee_classify_attractors(const referee_batch *b, const double *d_law,
                                 const basin_value *measure, measure_class *cls)
{
    double delta = measure[MEASURE_DELTA_M].number;
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
                           : measure_classify_distance(&d, 1, b->rule, delta, 0,
                                                       measure[MEASURE_RATIO].number);
        if (cls[i] == MEASURE_SPURIOUS || (!b->cosine && cls[i] != MEASURE_MEMORIZED))
            cls[i] = d.d_h <= delta || (d_law && d_law[i] <= delta) ? MEASURE_GENERALIZED
                                                                    : MEASURE_SPURIOUS;
    }
}

/* The distance rules' extras of state i. */
static void count_distance(const referee_batch *b, uint64_t i, const basin_value *measure,
                           point_stats *st)
{
    const measure_distance *d = &b->dist[i];
    double ratio = measure[MEASURE_RATIO].number;
    st->ratio_memorized += measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                                     ratio) == MEASURE_MEMORIZED;
    st->d_m_sum += d->d_m;
    if (b->d_pair && !isnan(b->cos_pair[i])) {
        st->pair_d_sum += b->d_pair[i];
        st->pair_cos_sum += b->cos_pair[i];
        st->pair_n++;
    }
    const measure_distance *before = b->before ? &b->before[i] : NULL;
    if (before && !isnan(before->d_m)) {
        st->before_n++;
        st->before_memorized +=
            measure_classify_distance(before, 1, b->rule, measure[MEASURE_DELTA_M].number,
                                      measure[MEASURE_DELTA_S].number,
                                      ratio) == MEASURE_MEMORIZED;
        st->before_ratio_memorized +=
            measure_classify_distance(before, 1, MEASURE_RATIO_RULE, 0, 0, ratio) ==
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

int referee_count(const referee_batch *b, const measure_class *cls,
                  const basin_value *measure, point_stats *st)
{
    int rc = BASIN_OK;
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
    }
    return rc;
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

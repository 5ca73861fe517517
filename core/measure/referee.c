#include "measure/referee.h"

#include <math.h>

#include "recipe/sections.h"

static int converged(const referee_batch *b, uint64_t i)
{
    return b->outcome ? (int)b->outcome[i].converged : 1;
}

void referee_classify(const referee_batch *b, const basin_value *measure,
                      measure_class *cls)
{
    for (uint64_t i = 0; i < b->n; i++)
        cls[i] = b->overlap
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
        cls[i] = measure_classify_distance(&d, 1, b->rule, delta, 0,
                                           measure[MEASURE_RATIO].number);
        if (cls[i] != MEASURE_MEMORIZED)
            cls[i] = d.d_h <= delta || (d_law && d_law[i] <= delta) ? MEASURE_GENERALIZED
                                                                    : MEASURE_SPURIOUS;
    }
}

/* The distance rules' extras of state i. */
static void count_distance(const referee_batch *b, uint64_t i, double ratio,
                           point_stats *st)
{
    const measure_distance *d = &b->dist[i];
    st->ratio_memorized += measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                                     ratio) == MEASURE_MEMORIZED;
    st->d_m_sum += d->d_m;
    if (b->d_pair && !isnan(b->cos_pair[i])) {
        st->pair_d_sum += b->d_pair[i];
        st->pair_cos_sum += b->cos_pair[i];
        st->pair_n++;
    }
    if (b->t_col_ou && !isnan(b->t_col_ou[i])) {
        st->t_col_sum += b->t_col_ou[i];
        st->t_col_sum2 += b->t_col_ou[i] * b->t_col_ou[i];
        st->t_col_n++;
    }
}

void referee_count(const referee_batch *b, const measure_class *cls,
                   const basin_value *measure, point_stats *st)
{
    for (uint64_t i = 0; i < b->n; i++) {
        if (!b->overlap)
            count_distance(b, i, measure[MEASURE_RATIO].number, st);
        st->counts[cls[i]]++;
        st->samples++;
    }
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

void referee_count_landscape(point_stats *st, const landscape_result *land)
{
    if (!land->n_grouped && !land->n_attractors)
        return;
    st->attractors += land->n_attractors;
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        st->attractors_by_class[c] += land->by_class[c];
    st->landscape_jobs++;
}

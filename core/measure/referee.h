/*
 * referee — the one place final states are judged and counted: each state gets its
 * class under the recipe's rule (measure.h), and a sweep point's tally collects
 * the classes, the distance summaries, the trajectory measures and the landscape
 * of every job run at that point. `basin run` (run/job.c, run/pipeline.c) and
 * `basin measure` (run/measure_samples.c) both call it; the result files only
 * write what it decided.
 */
#ifndef BASIN_REFEREE_H
#define BASIN_REFEREE_H

#include <stdint.h>

#include "basin/plugin.h"
#include "measure/collapse.h"
#include "measure/landscape.h"
#include "measure/measure.h"

/* Clone times per sweep point at most (measure.clones ≤ 100). */
#define REFEREE_MAX_CLONES 100

/* What a run accumulates per sweep point. */
typedef struct point_stats {
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    uint64_t ratio_memorized; /* distance rules: memorized by d_m/d_2 */
    double d_m_sum;
    double pair_d_sum, pair_cos_sum; /* disjoint-sets test (run/disjoint.h) */
    uint64_t pair_n;
    double t_col_sum, t_col_sum2; /* collapse times (OU), over tracked samples */
    uint64_t t_col_n;
    double t_theory_sum, t_speciation_sum; /* closed forms, summed over jobs */
    uint64_t theory_n;
    collapse_basis theory_basis; /* what they rest on (the first job's) */
    uint64_t clone_same[REFEREE_MAX_CLONES], clone_n[REFEREE_MAX_CLONES];
    double clone_time[REFEREE_MAX_CLONES], clone_time_ou[REFEREE_MAX_CLONES];
    uint64_t attractors, attractors_by_class[MEASURE_N_CLASSES], landscape_jobs;
    double seconds;
} point_stats;

/* A batch of final states as the referee sees them. Optional arrays are NULL. */
typedef struct referee_batch {
    uint64_t n;
    measure_rule rule;
    const measure_overlap *overlap;  /* the overlap rule: n of them, else NULL */
    const measure_distance *dist;    /* the pham and ratio rules, else NULL */
    const basin_outcome *outcome;    /* NULL: every state converged */
    const double *d_pair, *cos_pair; /* the disjoint-sets test */
    const double *t_col_ou;          /* collapse times (OU time), NaN if none */
} referee_batch;

/* The class of each state of b (cls: b->n) under the recipe's rule; measure: the
   [measure] values (measure_params order). [thread-safe] */
void referee_classify(const referee_batch *b, const basin_value *measure,
                      measure_class *cls);

/* The class of each attractor representative of b (cls: b->n): memorized as for
   final states; otherwise generalized when it sits on a held-out point or on the
   data law's support (overlap ≥ threshold; or d_h ≤ delta_m, or d_law[i] ≤
   delta_m where d_law is not NULL), spurious otherwise. Attractors are distinct
   by construction: d_s is not read. */
void referee_classify_attractors(const referee_batch *b, const double *d_law,
                                 const basin_value *measure, measure_class *cls);

/* Count b's states, of classes cls, into a point's tally: the classes, and for the
   distance rules the ratio rule's memorized count (whatever the rule), d_m, the
   disjoint-sets pairs and the collapse times. Sums run in sample order. */
void referee_count(const referee_batch *b, const measure_class *cls,
                   const basin_value *measure, point_stats *st);

/* A job's closed-form times t_C and t_S and what they rest on (NaN without a
   known law: not counted). */
void referee_count_theory(point_stats *st, double t_theory, double t_speciation,
                          collapse_basis basis);

/* A job's clones: per clone time c, same[c] of n[c] copies ended on the
   original's training point; time[c] is the schedule time, time_ou[c] the OU
   time (NaN where the run never got that far back). */
void referee_count_clones(point_stats *st, uint32_t n_clones, const uint64_t *same,
                          const uint64_t *n, const double *time, const double *time_ou);

/* A job's landscape (a job that grouped no attractor counts for nothing). */
void referee_count_landscape(point_stats *st, const landscape_result *land);

#endif

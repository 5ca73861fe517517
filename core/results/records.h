/*
 * records — records.csv: a row per final state, written by `basin run` and
 * `basin measure` from one table of columns (records.c). The rows start with the
 * job's fields (csv.h), then
 *   sample,start,class,converged,steps,energy
 * and, in the overlap layout (±1 memories, the overlap rule)
 *   pattern,m1,m2,m3,m4,m5,m_heldout,mixture
 * (the five largest overlaps by magnitude, signed; mixture: pattern, 3-mixture,
 * 5-mixture or other, measure_mixture_of)
 * or, in the distance layout (the pham and ratio rules)
 *   nearest,d_m,d_2,d_s,d_h,d_law,t_collapse,t_collapse_ou,d_pair,cos_pair,cluster
 * (measure/measure.h defines each; t_collapse in the schedule's time, then in OU
 * time; d_pair and cos_pair are the disjoint-sets test's; cluster the spurious
 * cluster of the state, spurious.csv's `cluster`, -1 if none), where a score model
 * (RECORDS_DIFFUSION) adds d_m_before_denoise,d_2_before_denoise after d_law and
 *   t_collapse_nearest,t_collapse_nearest_ou,t_first_passage,t_first_passage_ou
 * after t_collapse_ou: the distances of the state before the final denoising
 * step, the nearest-point collapse time and the first passage (run/trajectory.h;
 * t_collapse is the condensation-aware time). The cosine rule
 * (RECORDS_COSINE) appends target,cos_target,cos_max,cos_heldout to the distance
 * layout (measure_cosine).
 */
#ifndef BASIN_RECORDS_H
#define BASIN_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "basin/plugin.h"
#include "measure/measure.h"
#include "recipe/recipe.h"
#include "results/csv.h"

/* A batch of final states as records.csv shows them. A NULL array shows its
   default in every row: start -1, converged 1, steps 0, a real nan. */
typedef struct records_batch {
    csv_job job;
    uint64_t n;
    uint64_t first_sample;    /* the sample number of the first row */
    const measure_class *cls; /* the referee's verdict (measure/referee.h) */
    const int64_t *start;     /* the training pattern a probe started from */
    const basin_outcome *outcome;
    const double *energy;
    const measure_overlap *overlap; /* set: the overlap layout */
    const measure_distance *dist;   /* otherwise: the distance layout */
    const double *d_law, *t_col, *t_col_ou, *d_pair, *cos_pair;
    const int64_t *cluster; /* the spurious cluster (measure/spurious.h), or NULL */
    /* RECORDS_DIFFUSION's: the state before the final denoise (d_m, d_2), the
       nearest-point times and the first passage. */
    int diffusion;
    const measure_distance *before;
    const double *t_near, *t_near_ou, *t_first, *t_first_ou;
    const measure_cosine *cosine; /* the cosine rule's columns, or NULL */
} records_batch;

/* records_header's layout flags: RECORDS_OVERLAP the overlap layout (else the
   distance layout), RECORDS_DIFFUSION a score model's columns with the latter,
   RECORDS_COSINE the cosine rule's. */
enum { RECORDS_OVERLAP = 1, RECORDS_DIFFUSION = 2, RECORDS_COSINE = 4 };

/* The header row of a layout (RECORDS_* flags; 1 is the overlap layout). */
void records_header(FILE *f, const recipe *r, int layout);

/* A row per state of b; coords: scratch of b->job.r->n_axes + 1 entries. */
void records_write(FILE *f, const records_batch *b, size_t *coords);

#endif

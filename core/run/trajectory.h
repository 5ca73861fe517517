/*
 * trajectory — the measures that follow score-model trajectories (DESIGN.md,
 * "Time-resolved measures"): each trajectory's collapse time, φ_C(t) from cloned
 * trajectories, and the closed-form speciation and collapse times of the data law
 * (collapse.h).
 */
#ifndef BASIN_TRAJECTORY_H
#define BASIN_TRAJECTORY_H

#include <stddef.h>

#include "run/job.h"

/* Set up a score model's schedule, initial states (noised to the schedule's start)
   and the step observer the recipe's measures need. Returns 0 or an exit status. */
int trajectory_setup(job *j, char *err, size_t n_err);

/* Continue every clone snapshot with fresh noise and count the copies that end
   on the original's training point (φ_C). Returns 0 or an exit status. */
int trajectory_clones(job *j, char *err, size_t n_err);

/* The closed-form t_S and t_C where the dataset knows its law (NaN otherwise).
   Returns 0 or an exit status. */
int trajectory_theory(job *j, char *err, size_t n_err);

#endif

/*
 * dynamics — running a sampler over a batch of states: the probes are cut into
 * fixed blocks of `block` states, each block one sampler call, and worker threads
 * take blocks in turn. A block's random numbers are keyed by the host's seed and
 * the global sample indices of its states, so the results never depend on the
 * thread count. The job's probes, the trajectory clones, the disjoint-sets twin
 * and the landscape's re-noised attractors all run through here, each with its
 * own model instance, schedule and sample indices.
 */
#ifndef BASIN_DYNAMICS_H
#define BASIN_DYNAMICS_H

#include <stdint.h>

#include "basin/plugin.h"
#include "base/progress.h"

/* Everything one run of the dynamics needs; callers copy it and change a field
   (the model instance, the schedule) for a run of their own. */
typedef struct dynamics {
    const basin_sampler_iface *sampler;
    void *sampler_self;
    /* The model the sampler runs: its dim, its energy or score interface and
       instance, and the schedule (score models; NULL for an energy). */
    basin_model model;
    const basin_host *host; /* the job's services: its seed keys the noise */
    progress *progress;     /* advanced by each finished block; may be NULL */
    uint64_t block;         /* states per sampler call, >= 1 */
    unsigned threads;       /* worker threads, >= 1 */
    /* What a fatal message names while the sampler runs (base/fatal.h): the
       sampler's id and the call, e.g. "run (model energies/hopfield)"; static or
       the job's strings, NULL for none. */
    const char *sampler_id;
    const char *call;
} dynamics;

/* The model table of an energy (score NULL) or a score model (energy NULL). */
basin_model dynamics_model(uint32_t dim, const basin_energy_iface *energy,
                           void *energy_self, const basin_score_iface *score,
                           void *score_self, const basin_schedule *schedule);

/*
 * Run d's sampler in place on count states (count × dim), whose global sample
 * indices are first_index, first_index + 1, ...; outcome gets one entry per
 * state. Returns BASIN_OK, BASIN_ECANCELED once a stop was requested, or the
 * status of the lowest failing block (the plugin's message is in the host's
 * error sink), whatever the thread count. Blocks above a failed one may not run;
 * every block below it does.
 */
int dynamics_run(const dynamics *d, float *states, uint64_t count, uint64_t first_index,
                 basin_outcome *outcome);

#endif

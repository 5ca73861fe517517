/*
 * sections — the core sections of a recipe, each once: its name, what it is for
 * and its parameter table, with the index of every parameter ([dataset], [model]
 * and [sampler] take their tables from the plugins they name). The recipe
 * validates against these tables; every subsystem reads its values by index
 * (values[MEASURE_RULE]). `basin describe SECTION` prints them.
 */
#ifndef BASIN_SECTIONS_H
#define BASIN_SECTIONS_H

#include <stddef.h>

#include "basin/plugin.h"

/* The sections of a recipe, in the order they are validated and written. */
typedef enum recipe_section_id {
    RECIPE_DATASET,
    RECIPE_MODEL,
    RECIPE_SAMPLER,
    RECIPE_SCHEDULE,
    RECIPE_INIT,
    RECIPE_MEASURE,
    RECIPE_SPACE, /* the parameters of the embedding measure.space names */
    RECIPE_LANDSCAPE,
    RECIPE_OUTPUT,
    RECIPE_COMPARE, /* a second score model evaluated on the model's states
                       (run/compare.h); optional, no plugin when absent */
    RECIPE_N_SECTIONS
} recipe_section_id;

/* [schedule]: the noise schedule of a diffusion sampler (process/schedule.h). A
   negative t_min or t_max (the default) means the schedule's own default end;
   grid and rho space the sampler's steps (schedule.h, Grids). */
enum {
    SCHEDULE_NAME,
    SCHEDULE_T_MIN,
    SCHEDULE_T_MAX,
    SCHEDULE_GRID,
    SCHEDULE_RHO,
    SCHEDULE_BETA_START, /* real: the ddpm kinds' β0 (−1: 1e-4) */
    SCHEDULE_BETA_END,   /* real: their β1 (−1: 0.02) */
    SCHEDULE_FROM,       /* path: a diffusers scheduler_config.json ("": none) */
    SCHEDULE_N_PARAMS
};

/* The schedule names, '|'-separated, for messages and the parameter table. */
#define SCHEDULE_NAMES "ddpm-linear|cosine|ou|edm|ddpm-scaled-linear"
/* The grids, likewise. */
#define SCHEDULE_GRIDS "uniform|log|karras"

/* [init]: where the dynamics start (process/init.h). */
enum {
    INIT_KIND,
    INIT_COUNT,
    INIT_FLIP,
    INIT_ORDER,
    INIT_CORRUPTION,
    INIT_RENORMALIZE,
    INIT_N_PARAMS
};

/* [measure]: the referee (measure/measure.h). */
enum {
    MEASURE_RULE,
    MEASURE_THRESHOLD,
    MEASURE_DELTA_M,
    MEASURE_DELTA_S,
    MEASURE_QUANTILE,
    MEASURE_RATIO,
    MEASURE_CONFIDENCE,
    MEASURE_COLLAPSE,
    MEASURE_COLLAPSE_EPS,
    MEASURE_CLONES,
    MEASURE_CLONE_T_MAX,
    MEASURE_DISJOINT,
    MEASURE_SPACE, /* string: "raw", or the embedding plugin of run/space.h */
    MEASURE_N_PARAMS
};

/* measure.space when distances are measured in raw coordinates. */
#define MEASURE_SPACE_RAW "raw"

/* [landscape]: attractors, basin radii and curvature (measure/landscape.h). */
enum {
    LANDSCAPE_ATTRACTORS,      /* bool: group final states into attractors (false) */
    LANDSCAPE_TOL,             /* real: normalized distance within which two final
                                 states are one attractor (1e-3) */
    LANDSCAPE_MAX_ANALYZED,    /* int: radius and curvature for at most this many
                                 attractors, the most occupied first (20) */
    LANDSCAPE_RADIUS,          /* bool: measure basin radii (false) */
    LANDSCAPE_RADIUS_LEVELS,   /* int: corruption levels, evenly spaced in
                                 (0, radius_max] (10) */
    LANDSCAPE_RADIUS_MAX,      /* real: the largest level (binary: fraction of spins
                                 flipped, ≤ 0.5; real: noise std) (0.5) */
    LANDSCAPE_RADIUS_TRIALS,   /* int: re-noised runs per level (10, Pham et al.) */
    LANDSCAPE_RADIUS_FRACTION, /* real: fraction that must return (0.9) */
    LANDSCAPE_RADIUS_DELTA,    /* real: return tolerance, normalized distance (0.05) */
    LANDSCAPE_CURVATURE,       /* bool: Hessian extremes at each attractor (false) */
    LANDSCAPE_ENUMERATE,       /* bool: every minimum of energies/lsr, exactly
                                 (measure/lsr_minima.h) (false) */
    LANDSCAPE_COVERAGE,        /* int: with enumerate, Monte Carlo points for the
                                 fraction of the domain inside some support (10000;
                                 0: none) */
    LANDSCAPE_DOMAIN_LOW,      /* real: the domain cube [low, high]^N's corner (0) */
    LANDSCAPE_DOMAIN_HIGH,     /* real: its other corner (1) */
    LANDSCAPE_NOVEL_DISTANCE,  /* real: a minimum at least this Euclidean distance
                                 from every stored pattern is novel (1e-3) */
    LANDSCAPE_N_PARAMS
};

/* [output]: what the results folder holds. */
enum { OUTPUT_SAMPLES, OUTPUT_REPORT, OUTPUT_N_PARAMS };

extern const basin_param_def schedule_params[SCHEDULE_N_PARAMS + 1];
extern const basin_param_def init_params[INIT_N_PARAMS + 1];
extern const basin_param_def measure_params[MEASURE_N_PARAMS + 1];
extern const basin_param_def landscape_params[LANDSCAPE_N_PARAMS + 1];
extern const basin_param_def output_params[OUTPUT_N_PARAMS + 1];

/* A section: a plugin's (its table comes from the plugin) or the core's. */
typedef struct section_def {
    const char *name;             /* "measure" */
    const char *kinds;            /* plugin interfaces allowed ("energy|score"), or
                                     NULL for a core section ([space]: its plugin
                                     is named by measure.space, not by a key) */
    const char *summary;          /* one line, for `basin describe` */
    const basin_param_def *table; /* core sections: NULL-terminated; else NULL */
    int required;                 /* the recipe must have it */
} section_def;
extern const section_def recipe_sections[RECIPE_N_SECTIONS];

/* The core section called name, or NULL (plugin sections have no table here). */
const section_def *section_find_core(const char *name);

#endif

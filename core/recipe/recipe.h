/*
 * recipe — a TOML experiment description, validated against the parameter tables
 * of the plugins it names (and the core tables of [init], [measure], [output])
 * before any plugin code runs.
 *
 *   name = "hopfield-capacity"     seed = 1      repeats = 2
 *   plugin_path = ["my-plugins"]   # extra libraries or folders, relative to the file
 *   [dataset]  plugin = "datasets/binary-patterns"   dim = 1000
 *              load = { from = 0.02, to = 0.30, step = 0.02 }   # a sweep
 *   [model]    plugin = "energies/hopfield"
 *   [sampler]  plugin = "samplers/hopfield"   mode = ["async", "sync"]  # a sweep
 *   [init] ...  [measure] ...  [output] ...
 *
 * Any parameter may be swept: a list of values, a range {from, to, step} or a
 * geometric range {from, to, times}. Several sweeps form their Cartesian product;
 * axes are ordered by section ([dataset], [model], [sampler], [schedule], [init],
 * [measure], [landscape], [output]) and by position in the section, and the first
 * varies slowest. A --set that replaces a key keeps its position; a new key goes
 * last in its section. Each sweep point runs `repeats` jobs; job j =
 * point·repeats + repeat has seed recipe_job_seed(r, j).
 *
 * Models compared side by side: [model] may instead be an array of tables
 *   [[model]]  plugin = "scores/empirical"
 *   [[model]]  plugin = "scores/gaussian"   label = "gaussian fit"
 * Each entry is a whole model (its plugin and its parameters, one value each), and
 * together they make a sweep axis named `model` (at [model]'s place among the
 * axes) whose values are the entries' labels: `label`, else the plugin id, made
 * unique with "-2", "-3", ... (an explicit label must be unique). The models are
 * all energies or all score models (one sampler drives them). Jobs that differ
 * only in their model share their seed, so every model sees the same data, starts
 * and noise (common random numbers), and a model's numbers are those of a
 * recipe with that model alone.
 * Errors name the file, line and dotted key, and suggest the closest valid name.
 */
#ifndef BASIN_RECIPE_H
#define BASIN_RECIPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "basin/plugin.h"
#include "registry/registry.h"
#include "base/toml.h"
#include "recipe/sections.h"

typedef struct recipe_section {
    const char *name;              /* "dataset", ... */
    const registry_plugin *plugin; /* NULL for core sections (and see read_params) */
    const char *plugin_id;         /* the plugin id the section names (NULL: core) */
    /* The absolute path of the plugin's library when it was found through the
       recipe's plugin_path (run.toml lists it there), else NULL. Owned. */
    char *library;
    /* recipe_load_results only: a plugin id the registry lacks leaves plugin NULL,
       and this table holds the section's keys typed by their TOML values. Owned. */
    basin_param_def *read_params;
    const basin_param_def *params; /* the plugin's table or the core table */
    size_t n_params;
    basin_value *fixed; /* resolved values (swept ones: first value) */
    int line;           /* where the section starts (0: not written) */
    char *label;        /* a [[model]] entry: its unique label (owned); else NULL */
} recipe_section;

/* recipe_axis.param of the model axis ([[model]]): values[k] = {k, label k}. */
#define RECIPE_MODEL_AXIS ((size_t)-1)

typedef struct recipe_axis {
    char *dotted; /* "dataset.load"; "model" for the model axis */
    recipe_section_id section;
    size_t param; /* row in the section's table (RECIPE_MODEL_AXIS: the models) */
    basin_value *values;
    size_t n_values;
    int line;
    /* [model] snapshots: the train_step axis (dotted "train_step") over the score
       model's `steps`, ascending integers without repeats. Its points share one
       seed (recipe_job_seed): the same training run, data and noise. */
    int snapshot;
} recipe_axis;

typedef struct recipe {
    char *path;
    char *name;
    char *description;
    uint64_t seed;
    uint32_t repeats;
    recipe_section sections[RECIPE_N_SECTIONS];
    /* [[model]]: its n_models entries, in order, and the model axis (an index of
       axes). With a [model] table n_models is 0 and sections[RECIPE_MODEL] is the
       model; with [[model]] sections[RECIPE_MODEL] is a view of models[0] (it owns
       nothing): use recipe_model for a point's model. */
    recipe_section *models;
    size_t n_models;
    size_t model_axis;
    recipe_axis *axes;
    size_t n_axes;
    size_t n_points;     /* product of the axes' lengths */
    toml_node *root;     /* owns every string the values point to */
    char *snapshot_text; /* model.snapshots as "S1,S2,...", the plugin's string */
} recipe;

/*
 * Load and validate. `sets` are "dotted.key=value" overrides (value in TOML syntax,
 * or a bare word taken as a string), valid UTF-8. Recipe plugin_path entries are
 * added to reg, then the default search path. On error returns BASIN_EINVAL or BASIN_EIO, with
 * a one-line message in err ("FILE:LINE: dataset.laod: unknown key (did you mean
 * 'load'?)"), and *out is NULL.
 */
int recipe_load(const char *path, const char *const *sets, size_t n_sets, registry *reg,
                recipe **out, char *err, size_t n_err);
/*
 * Load a results folder's run.toml as data, not as code: its plugin_path is not
 * honoured (no library the file names is loaded; reg holds what the user named,
 * and the default search path is added), and a plugin id reg does not know
 * leaves its section's plugin NULL and its keys read by their TOML types (run.toml
 * writes every swept value as a list, so the sweep is the same). Errors as
 * recipe_load.
 */
int recipe_load_results(const char *path, registry *reg, recipe **out, char *err,
                        size_t n_err);
void recipe_free(recipe *r);

/* The model of sweep point `point`: sections[RECIPE_MODEL], or with [[model]]
   the entry the point's model coordinate names. */
const recipe_section *recipe_model(const recipe *r, size_t point);

/* The most parameters a section or model of r has (a job's scratch). */
size_t recipe_most_params(const recipe *r);

/* The parameter definition axis a's values have (the model axis: a string
   "model"). */
const basin_param_def *recipe_axis_def(const recipe *r, size_t a);

/* Job j's seed, rng_job_seed(seed, j'), j' = p'·repeats + repeat where p' is
   the job's point in the sweep without the model axis and with the train_step
   axis at its first value: jobs that differ only in their model share it, and
   every snapshot of one training run sees the same data, training stream and
   sampling noise (docs/recipes.md, "Snapshots"). Without [[model]] and
   snapshots, j' = j. */
uint64_t recipe_job_seed(const recipe *r, uint64_t j);

/* The resolved values of one section at sweep point `point` (fills
   sections[s].n_params values; RECIPE_MODEL: recipe_model(r, point)'s). */
void recipe_values(const recipe *r, recipe_section_id s, size_t point, basin_value *out);

/* The value index of each axis at a point (coords has n_axes entries). */
void recipe_coords(const recipe *r, size_t point, size_t *coords);

/* Axis a's value at coordinate c as text: a string or choice as it is, a number
   in its shortest round-trip form written into buf (32 bytes). */
const char *recipe_axis_text(const recipe *r, size_t a, size_t c, char *buf);

/* A core section's value by name at a point (for the host's own sections). */
basin_value recipe_core_value(const recipe *r, recipe_section_id s, size_t point,
                              const char *name);

/* Write the resolved recipe as TOML (the body of run.toml). */
void recipe_write_toml(const recipe *r, FILE *f);

/* The recipe's [labels] entry for a parameter ("dataset.count" = "training set
   size K": the axis label figures use for it), or NULL when it gives none. The
   string belongs to r. */
const char *recipe_label(const recipe *r, const char *dotted);

#endif

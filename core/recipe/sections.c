#include "recipe/sections.h"

#include <string.h>

#include "registry/param.h"

const basin_param_def schedule_params[SCHEDULE_N_PARAMS + 1] = {
    [SCHEDULE_NAME] =
        {"name", BASIN_PARAM_CHOICE, 0, "ou", 0, 0, SCHEDULE_NAMES, 0,
         "the noise schedule: ddpm-linear, cosine, ou (Ornstein-Uhlenbeck), edm "
         "(Karras) or ddpm-scaled-linear (diffusers' scaled_linear: linear in "
         "sqrt(beta))"},
    [SCHEDULE_T_MIN] =
        {"t_min", BASIN_PARAM_REAL, -1, NULL, -1, 1e6, NULL, 0,
         "where generation stops, in the schedule's time (-1: its default end)"},
    [SCHEDULE_T_MAX] =
        {"t_max", BASIN_PARAM_REAL, -1, NULL, -1, 1e6, NULL, 0,
         "where generation starts, in the schedule's time (-1: its default end)"},
    [SCHEDULE_GRID] =
        {"grid", BASIN_PARAM_CHOICE, 0, "karras", 0, 0, SCHEDULE_GRIDS, 0,
         "how the sampler's steps are spaced: uniform in the schedule's time, uniform "
         "in log(sigma/alpha), or karras (Karras et al. 2022, Eq. 5, in sigma/alpha): "
         "the last steps small against sigma"},
    [SCHEDULE_RHO] = {"rho", BASIN_PARAM_REAL, 7, NULL, 1, 1000, NULL, 0,
                      "grid = karras: the exponent rho (7: Karras et al.; 1: uniform in "
                      "sigma/alpha; large: close to the log grid)"},
    [SCHEDULE_BETA_START] =
        {"beta_start", BASIN_PARAM_REAL, -1, NULL, -1, 1, NULL, 0,
         "ddpm-linear and ddpm-scaled-linear: beta of the first of T = 1000 steps "
         "(diffusers' name; -1: 1e-4, Ho et al. 2020; Stable Diffusion: 0.00085)"},
    [SCHEDULE_BETA_END] =
        {"beta_end", BASIN_PARAM_REAL, -1, NULL, -1, 1, NULL, 0,
         "ddpm-linear and ddpm-scaled-linear: beta of the last step (-1: 0.02; "
         "Stable Diffusion: 0.012)"},
    [SCHEDULE_FROM] =
        {"from", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, BASIN_PARAM_PATH,
         "a diffusers scheduler config (scheduler_config.json) whose beta_schedule, "
         "beta_start and beta_end set name, beta_start and beta_end; keys written "
         "beside it win (docs/recipes.md, Schedules from diffusers)"},
    [SCHEDULE_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

const basin_param_def init_params[INIT_N_PARAMS + 1] = {
    [INIT_KIND] =
        {"kind", BASIN_PARAM_CHOICE, 0, "pattern", 0, 0, "pattern|mixture|random|noise",
         0,
         "where probes start: at stored patterns, at mixtures of them, at random, or "
         "(score models) at pure noise of the forward process at the schedule's start"},
    [INIT_COUNT] = {"count", BASIN_PARAM_INT, 100, NULL, 1, 1e8, NULL, 0,
                    "probes (final states) per job"},
    [INIT_FLIP] = {"flip", BASIN_PARAM_REAL, 0, NULL, 0, 1, NULL, 0,
                   "fraction of coordinates corrupted in pattern and mixture starts "
                   "(exactly round(flip * N) of them)"},
    [INIT_ORDER] = {"order", BASIN_PARAM_INT, 3, NULL, 1, 1001, NULL, 0,
                    "mixture: how many stored patterns are summed (odd avoids ties)"},
    [INIT_CORRUPTION] =
        {"corruption", BASIN_PARAM_CHOICE, 0, "auto", 0, 0,
         "auto|sign-flip|resample|gaussian", 0,
         "how a corrupted coordinate changes: sign-flip negates it; resample takes the "
         "same coordinate of another training point at random; gaussian draws it from "
         "N(0, rms^2), rms the coordinate's root mean square over the training set; "
         "auto: sign-flip for +-1 data, gaussian otherwise"},
    [INIT_RENORMALIZE] =
        {"renormalize", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "rescale a corrupted start to the norm it had before the corruption"},
    [INIT_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

const basin_param_def measure_params[MEASURE_N_PARAMS + 1] = {
    [MEASURE_RULE] =
        {"rule", BASIN_PARAM_CHOICE, 0, "auto", 0, 0, "auto|overlap|pham|ratio|cosine", 0,
         "classification rule: overlap (binary memories, max |m| >= threshold), pham "
         "(memorized if d_m <= delta_m, else spurious if d_s <= delta_s, else "
         "off_support if not on the data's support, else generalized), ratio "
         "(memorized if d_m/d_2 < ratio, else the same support test), cosine "
         "(retrieval: cos(x, the pattern the probe started from) >= threshold, else "
         "spurious at a fixed point); auto: overlap for binary data, pham otherwise"},
    [MEASURE_THRESHOLD] =
        {"threshold", BASIN_PARAM_REAL, 0.95, NULL, 0, 1, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "overlap rule: memorized when the largest |overlap| reaches this; cosine "
         "rule: when the cosine with the target pattern does"},
    [MEASURE_DELTA_M] =
        {"delta_m", BASIN_PARAM_REAL, 0, "auto", 0, 1e6, NULL, PARAM_AUTO,
         "memorized when the distance to the nearest training point, |x - y|/sqrt(N), "
         "is at most this; also the support test with a known law (d_law <= delta_m); "
         "auto: the quantile-th quantile of the held-out points' own distance to the "
         "nearest training point (0.1 without a held-out split, with a warning)"},
    [MEASURE_DELTA_S] =
        {"delta_s", BASIN_PARAM_REAL, 0, "auto", 0, 1e6, NULL, PARAM_AUTO,
         "pham rule: spurious when not memorized and another final state of the job "
         "is this close; auto: the quantile-th quantile of nearest-neighbour "
         "distances within held-out subsets of the job's sample count (0.1 without "
         "a held-out split, with a warning)"},
    [MEASURE_QUANTILE] =
        {"quantile", BASIN_PARAM_REAL, 0.01, NULL, 0, 0.5, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE | BASIN_PARAM_MAX_EXCLUSIVE,
         "q of the calibrated thresholds: fresh draws from the data law are called "
         "memorized, spurious and off_support each at about this rate"},
    [MEASURE_RATIO] =
        {"ratio", BASIN_PARAM_REAL, 1.0 / 3.0, NULL, 0, 1, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE,
         "ratio rule: memorized when d_m / d_2 is below this (1/3: Yoon et al. 2023)"},
    [MEASURE_CONFIDENCE] =
        {"confidence", BASIN_PARAM_REAL, 0.95, NULL, 0, 1, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE | BASIN_PARAM_MAX_EXCLUSIVE,
         "level of the intervals reported with every rate (Wilson; with repeats, "
         "also a bootstrap over the point's jobs)"},
    [MEASURE_COLLAPSE] =
        {"collapse", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "score models: follow the empirical posterior over the training set along "
         "every trajectory and report its collapse time: the start of the final "
         "stretch in which one training point holds more than half of the weight "
         "(Biroli et al. 2024), beside the nearest-point time and the first passage"},
    [MEASURE_COLLAPSE_EPS] =
        {"collapse_eps", BASIN_PARAM_REAL, 1e-7, NULL, 0, 0.5, NULL, 0,
         "collapse tracking leaves out the training points whose share of the "
         "posterior is proved below this at run time (certified candidate sets: the "
         "nearest two stay exact, log-normalizer within collapse_eps/2); 0: every "
         "training point at every step"},
    [MEASURE_CLONES] =
        {"clones", BASIN_PARAM_INT, 0, NULL, 0, 100, NULL, 0,
         "score models: clone every trajectory at this many times and continue the "
         "copies with fresh noise, for phi_C(t) (and phi_S(t) where the data set "
         "has class labels) in collapse.csv"},
    [MEASURE_CLONE_T_MAX] =
        {"clone_t_max", BASIN_PARAM_REAL, -1, NULL, -1, 1e6, NULL, 0,
         "latest clone time, in OU time (-1: the schedule's start); clone times are "
         "evenly spaced in OU time below it"},
    [MEASURE_DISJOINT] =
        {"disjoint", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "train a second model on K held-out points and run it from the same initial "
         "noise: d_pair and cos_pair between paired outputs (Kadkhodaie et al. 2024)"},
    [MEASURE_SPACE] =
        {"space", BASIN_PARAM_STRING, 0, MEASURE_SPACE_RAW, 0, 0, NULL, 0,
         "where d_m, d_2, d_s and d_h are measured: raw (the data's coordinates) or "
         "an embedding plugin (embeddings/pca, embeddings/torchscript, ...) whose "
         "parameters go in a [space] section; distances there are normalized by "
         "sqrt(m), m features"},
    [MEASURE_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

const basin_param_def landscape_params[LANDSCAPE_N_PARAMS + 1] = {
    [LANDSCAPE_ATTRACTORS] =
        {"attractors", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "group the converged final states into distinct attractors and report their "
         "basin occupancies and classes"},
    [LANDSCAPE_TOL] =
        {"tol", BASIN_PARAM_REAL, 1e-3, NULL, 0, 1e6, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "normalized distance |x - y|/sqrt(N) within which two final states are one "
         "attractor"},
    [LANDSCAPE_MAX_ANALYZED] =
        {"max_analyzed", BASIN_PARAM_INT, 20, NULL, 0, 100000, NULL, 0,
         "energy, basin radius and curvature for at most this many attractors, the "
         "most occupied first"},
    [LANDSCAPE_RADIUS] =
        {"radius", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "measure each analyzed attractor's basin radius by re-noising it and running "
         "the dynamics (Pham et al. 2025)"},
    [LANDSCAPE_RADIUS_LEVELS] = {"radius_levels", BASIN_PARAM_INT, 10, NULL, 1, 1000,
                                 NULL, 0,
                                 "corruption levels, evenly spaced in (0, radius_max]"},
    [LANDSCAPE_RADIUS_MAX] =
        {"radius_max", BASIN_PARAM_REAL, 0.5, NULL, 0, 1e6, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE,
         "the largest corruption level: fraction of spins flipped (binary, at most "
         "0.5) or noise standard deviation (real states)"},
    [LANDSCAPE_RADIUS_TRIALS] = {"radius_trials", BASIN_PARAM_INT, 10, NULL, 1, 10000,
                                 NULL, 0,
                                 "re-noised runs per level (10 in Pham et al. 2025)"},
    [LANDSCAPE_RADIUS_FRACTION] =
        {"radius_fraction", BASIN_PARAM_REAL, 0.9, NULL, 0, 1, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE,
         "fraction of the runs that must return for a level to pass"},
    [LANDSCAPE_RADIUS_DELTA] =
        {"radius_delta", BASIN_PARAM_REAL, 0.05, NULL, 0, 1e6, NULL, 0,
         "a run returns when it ends within this normalized distance of the attractor"},
    [LANDSCAPE_CURVATURE] =
        {"curvature", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "extreme Hessian eigenvalues of the energy at each analyzed attractor "
         "(continuous energies only)"},
    [LANDSCAPE_ENUMERATE] =
        {"enumerate", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
         "energies/lsr with at most 64 training points: find every local minimum of "
         "the energy exactly (the centroids of the pattern sets that are their own "
         "support, Hoover et al. 2025) and count the stored patterns still minima "
         "and the novel ones (summary.csv minima columns, minima.csv)"},
    [LANDSCAPE_COVERAGE] =
        {"coverage", BASIN_PARAM_INT, 10000, NULL, 0, 1000000000, NULL, 0,
         "with enumerate: Monte Carlo points for the fraction of the domain cube "
         "inside some support (summary.csv covered, covered_se; 0: not estimated)"},
    [LANDSCAPE_DOMAIN_LOW] =
        {"domain_low", BASIN_PARAM_REAL, 0, NULL, -1e6, 1e6, NULL, 0,
         "with enumerate: the domain cube [domain_low, domain_high]^N of coverage"},
    [LANDSCAPE_DOMAIN_HIGH] =
        {"domain_high", BASIN_PARAM_REAL, 1, NULL, -1e6, 1e6, NULL, 0,
         "with enumerate: the domain cube's upper corner (above domain_low)"},
    [LANDSCAPE_NOVEL_DISTANCE] =
        {"novel_distance", BASIN_PARAM_REAL, 1e-3, NULL, 0, 1e6, NULL,
         BASIN_PARAM_MIN_EXCLUSIVE,
         "with enumerate: a minimum at least this Euclidean distance from every stored "
         "pattern is novel (Hoover et al. 2025's epsilon)"},
    [LANDSCAPE_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

const basin_param_def output_params[OUTPUT_N_PARAMS + 1] = {
    [OUTPUT_SAMPLES] =
        {"samples", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
         "write every final state to samples.npy (float32, jobs in order)"},
    [OUTPUT_REPORT] =
        {"report", BASIN_PARAM_CHOICE, 0, "auto", 0, 0, "auto|true|false", 0,
         "write figures and report.html (`basin report`) after the run; auto: only "
         "when the run took over 5 s"},
    [OUTPUT_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

const section_def recipe_sections[RECIPE_N_SECTIONS] = {
    [RECIPE_DATASET] = {"dataset", "dataset", "the training and held-out data", NULL, 1},
    [RECIPE_MODEL] = {"model", "energy|score", "what stores the data", NULL, 1},
    [RECIPE_SAMPLER] = {"sampler", "sampler", "the dynamics", NULL, 1},
    [RECIPE_SCHEDULE] = {"schedule", NULL,
                         "[schedule]: the noise schedule of a diffusion sampler (core)",
                         schedule_params, 0},
    [RECIPE_INIT] = {"init", NULL, "[init]: where the dynamics start (core)", init_params,
                     0},
    [RECIPE_MEASURE] = {"measure", NULL,
                        "[measure]: how final states are classified (core)",
                        measure_params, 0},
    [RECIPE_SPACE] = {"space", "embedding",
                      "[space]: the parameters of the embedding measure.space names",
                      NULL, 0},
    [RECIPE_LANDSCAPE] =
        {"landscape", NULL,
         "[landscape]: attractors, basin radii and curvature at the final "
         "states (core)",
         landscape_params, 0},
    [RECIPE_OUTPUT] = {"output", NULL, "[output]: what the results folder holds (core)",
                       output_params, 0},
    [RECIPE_COMPARE] = {"compare", "score",
                        "a second score model, compared with [model] on its states", NULL,
                        0},
};

const section_def *section_find_core(const char *name)
{
    for (int s = 0; s < RECIPE_N_SECTIONS; s++)
        if (recipe_sections[s].table && strcmp(recipe_sections[s].name, name) == 0)
            return &recipe_sections[s];
    return NULL;
}

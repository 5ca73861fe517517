/*
 * scheduler_config — `[schedule] from = "scheduler_config.json"`: a diffusers
 * scheduler config (the JSON object diffusers' SchedulerMixin.save_config writes)
 * read as the values of basin's [schedule] (docs/recipes.md, "Schedules from
 * diffusers").
 *
 * Read (diffusers' defaults where a key is absent):
 *   beta_schedule        linear → ddpm-linear, scaled_linear → ddpm-scaled-linear,
 *                        squaredcos_cap_v2 → cosine (Nichol & Dhariwal 2021, s =
 *                        0.008, as basin's; diffusers ignores beta_start/beta_end
 *                        there and so does basin); anything else is refused
 *   beta_start, beta_end the ddpm kinds' β range (default 0.0001, 0.02), with
 *                        0 < beta_start < beta_end < 1
 *   num_train_timesteps  must be 1000 (basin's ddpm kinds are T = 1000 steps)
 *   prediction_type      epsilon | v_prediction | sample → scores/torchscript's
 *                        output epsilon | v | denoiser (default epsilon)
 *   trained_betas        must be null or absent (basin takes no table of β)
 * Every other key (_class_name, _diffusers_version, timestep_spacing, steps_offset,
 * clip_sample, use_karras_sigmas, ...) is ignored: the sampler is [sampler] and the
 * grid is [schedule] grid.
 *
 * The file is data: at most SCHEDULER_CONFIG_MAX_BYTES, strict JSON (RFC 8259) with
 * one object at the top, nesting at most 16 deep, strings at most 4096 bytes; any
 * other input is a one-line error naming the file (and the key).
 */
#ifndef BASIN_SCHEDULER_CONFIG_H
#define BASIN_SCHEDULER_CONFIG_H

#include <stddef.h>

#define SCHEDULER_CONFIG_MAX_BYTES (64 * 1024)

typedef struct scheduler_config {
    const char *name;       /* basin's schedule: "ddpm-linear", "ddpm-scaled-linear",
                               "cosine" (static strings) */
    double beta_start;      /* the file's (or diffusers' default 1e-4, 0.02); −1 for */
    double beta_end;        /* cosine, whose β the file does not give */
    const char *output;     /* scores/torchscript's output word for prediction_type */
    const char *prediction; /* the file's prediction_type word (static) */
} scheduler_config;

/* Read path into *out. BASIN_OK; BASIN_EIO (cannot read) or BASIN_EINVAL (not a
   config basin can use) with a one-line message "PATH: ..." in err. */
int scheduler_config_read(const char *path, scheduler_config *out, char *err,
                          size_t n_err);

/* The same on the bytes text[0..n) (path names them in messages). */
int scheduler_config_parse(const char *path, const char *text, size_t n,
                           scheduler_config *out, char *err, size_t n_err);

#endif

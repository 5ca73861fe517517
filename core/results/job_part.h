/*
 * job_part — what one finished job leaves, as a file of its own:
 * results/<name>/jobs/<index>.part (docs/reliability.md, "Job parts").
 *
 * A run writes each job's part atomically (atomic_file.h) as the job finishes,
 * and builds every run-level file (records.csv, summary.csv, collapse.csv,
 * attractors.csv, training.csv, samples) from the parts, in job order, read back
 * through job_part_decode: the same code path for an uninterrupted run, a resumed
 * one and `basin merge`, so they give the same bytes by construction.
 *
 * A part holds
 *   - the job's rows of records.csv, attractors.csv and training.csv, as text
 *     (written by results/records.c, attractors.c, training.c);
 *   - the referee's per-job input (measure/referee.h): the referee_batch of the
 *     job's final states with their classes, the closed-form times, the clones
 *     and the landscape's counts, which referee_count, referee_count_theory,
 *     referee_count_clones and referee_count_landscape add into the point's
 *     tally exactly as when the job ran;
 *   - the counts of landscape.enumerate's exact minima and the share of the
 *     domain their supports cover (summary.csv's minima columns), and the
 *     minima themselves (minima.csv's rows, as text);
 *   - its final states (float32) when output.samples is on;
 *   - its wall-clock seconds;
 *   - [compare]'s rows of compare.csv and the median r² over the trajectories
 *     (run/compare.h; NaN without a [compare] section).
 *
 * The file: the 8 bytes "BASINPRT", a u32 format (JOB_PART_VERSION), then the
 * fields in the order part_fields() of job_part.c lists them, every number
 * little-endian (u8, u32, u64, i64, IEEE-754 f64 and f32 bit patterns), every
 * array a presence byte (0/1) then its elements, every text a u64 length then
 * its bytes. Nothing follows the last field. A reader trusts no size: each count
 * is checked against the bytes left before anything is allocated, each enum
 * against its range.
 *
 * Adding a field: add it to job_part, one line in part_fields() (the same line
 * writes and reads it), bump JOB_PART_VERSION, and fill it in
 * job_part_from_job-like code of run/pipeline.c (part_of_job) and where the
 * part is counted (keep_part). A part of another format is refused (a run
 * started by another basin is not resumed: jobs/recipe.toml names the format).
 */
#ifndef BASIN_JOB_PART_H
#define BASIN_JOB_PART_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "measure/landscape.h"
#include "measure/measure.h"
#include "measure/calibrate.h"
#include "measure/referee.h"
#include "measure/spurious.h"

#define JOB_PART_MAGIC   "BASINPRT"
#define JOB_PART_VERSION 5
/* The largest part file read back (a part's states and rows). */
#define JOB_PART_MAX_BYTES ((uint64_t)1 << 36)

typedef struct job_part_text {
    char *text; /* n bytes, not NUL-terminated by contract (a NUL follows when
                   decoded) */
    uint64_t n;
} job_part_text;

typedef struct job_part {
    /* which job */
    uint64_t index, point;
    uint32_t repeat;
    uint32_t layout; /* records.csv's RECORDS_* flags (results/records.h) */
    double seconds;  /* the job's wall-clock time (summary.csv's seconds) */

    /* the referee's input (measure/referee.h): a referee_batch of n states
       (arrays of n, NULL when absent), their classes, ... */
    uint64_t n;
    uint32_t rule; /* measure_rule */
    measure_class *cls;
    measure_overlap *overlap;
    measure_distance *dist;
    basin_outcome *outcome;
    double *d_pair, *cos_pair;
    double *t_col_ou, *t_near_ou, *t_first_ou, *t_start_ou;
    int64_t *winner;
    uint32_t deterministic;
    uint64_t lost;
    uint32_t clones_skipped;
    measure_distance *before;
    measure_cosine *cosine; /* the cosine rule's (referee_batch.cosine) */
    /* the distance rules' thresholds and support test (referee_batch.cal, when
       has_cal), the distance to the law's support (n, or NULL), and the
       spurious clusters (referee_batch.spurious, when has_spurious: cluster of
       n, clusters of n_clusters) */
    uint32_t has_cal;
    calibration cal;
    double *d_law;
    uint32_t has_spurious;
    spurious_result spurious;
    /* ... the closed forms (referee_count_theory) ... */
    double t_theory, t_speciation;
    uint32_t theory_basis; /* collapse_basis */
    /* ... the clones (referee_count_clones: n_clones ≤ REFEREE_MAX_CLONES) ... */
    uint32_t n_clones;
    uint64_t *clone_same, *clone_n;
    double *clone_time, *clone_time_ou;
    uint64_t *clone_same_class, *clone_labeled; /* φ_S (referee_count_clone_classes) */
    /* ... and the landscape's counts (referee_count_landscape). */
    uint64_t land_attractors, land_grouped, land_by_class[MEASURE_N_CLASSES];
    /* landscape.enumerate's exact minima of energies/lsr (run/job.h):
       minima_patterns = M (0: not enumerated), then the minima, the stored
       patterns among them (|S| = 1), the novel ones (at least
       landscape.novel_distance from every stored pattern; stored + novel ≤
       minima) and the subsets examined; the fraction of the domain covered by
       some support and its Monte Carlo standard error (NaN: not estimated). */
    uint64_t minima_patterns, minima, minima_stored, minima_novel, minima_examined;
    double covered, covered_se;

    /* rows of the run-level files */
    job_part_text records, attractors, training, spurious_rows;
    job_part_text minima_rows; /* minima.csv's rows (results/minima.h) */

    /* the final states, n × dim float32, or NULL (dim 0) */
    uint32_t dim;
    float *states;

    /* [compare] (run/compare.h): the job's median r² along its trajectories
       (NaN: no second model) and its rows of compare.csv */
    double compare_r2;
    job_part_text compare;
} job_part;

/* The part's states as the referee sees them (arrays borrowed from p). */
referee_batch job_part_batch(const job_part *p);

/* The part's landscape counts as referee_count_landscape reads them (no
   analyzed attractors). */
landscape_result job_part_landscape(const job_part *p);

/*
 * Encode p into a new buffer *out of *n_out bytes (malloc'd; the caller frees).
 * BASIN_OK, or BASIN_ENOMEM (or BASIN_EINVAL for an n_clones over
 * REFEREE_MAX_CLONES) with a message. [thread-safe]
 */
int job_part_encode(const job_part *p, uint8_t **out, size_t *n_out, char *err,
                    size_t n_err);

/*
 * Decode size bytes into *p, which then owns its arrays (job_part_free). On error
 * *p is empty and the message ("format 2, written by a newer basin", "cut short
 * in FIELD", "FIELD: class 9 out of range", "N bytes after the last field")
 * names the field, without the file: BASIN_EINVAL, or BASIN_ENOMEM. [thread-safe]
 */
int job_part_decode(const uint8_t *data, size_t size, job_part *p, char *err,
                    size_t n_err);

/* Free what a decoded part owns; p is then empty. */
void job_part_free(job_part *p);

/* The path of job index's part in a jobs folder: DIR/INDEX.part. */
void job_part_path(const char *jobs_dir, uint64_t index, char *path, size_t n);

/* Write encoded bytes as DIR/INDEX.part atomically (atomic_file.h). BASIN_OK or
   BASIN_EWRITE with a message. */
int job_part_write(const char *jobs_dir, uint64_t index, const uint8_t *data, size_t n,
                   char *err, size_t n_err);

/*
 * Read and decode the part at path (a plain file, not a link, at most
 * JOB_PART_MAX_BYTES) and check it is job `index`'s. BASIN_OK; BASIN_EINVAL
 * ("PATH: ...") for a part that does not read; BASIN_EIO when it cannot be read
 * (ENOENT: errno left for the caller, the message says "missing"); BASIN_ENOMEM.
 */
int job_part_read(const char *path, uint64_t index, job_part *p, char *err, size_t n_err);

#endif

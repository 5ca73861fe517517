/*
 * run_dir — the durable side of a results folder: its jobs/ folder of job parts
 * (job_part.h), the identity of the run they belong to, and a shard's manifest.
 *
 *   results/<name>/.basin-results   the marker (folder.h; it lists the run-level
 *                                   files once the run has finished)
 *   results/<name>/jobs/recipe.toml the run's identity: a first line naming the
 *                                   basin version and the part format, then the
 *                                   resolved recipe (recipe_write_toml, plugin
 *                                   ids and versions included, libraries' paths
 *                                   left out)
 *   results/<name>/jobs/N.part      job N's part, written as the job finished
 *   results/<name>/shard.toml       a shard's manifest (shards only)
 *   results/<name>/run.toml         a shard's run.toml, which `basin merge` copies
 *
 * A run resumes a folder whose identity is its own; a folder of another identity
 * is refused (naming the first line that differs) unless the run is fresh, which
 * moves the folder (of any run) aside under a dated name first; a fresh run that
 * fails before its first job ends puts it back. A folder with no part and no
 * finished set (a run that failed before its first job ended) takes any run.
 */
#ifndef BASIN_RUN_DIR_H
#define BASIN_RUN_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "recipe/recipe.h"

#define RUN_DIR_JOBS            "jobs"
#define RUN_DIR_IDENTITY        "recipe.toml"
#define RUN_DIR_MANIFEST        "shard.toml"
#define RUN_DIR_MANIFEST_FORMAT 1

/* A run's identity text (malloc'd, NUL-terminated; NULL when out of memory). */
char *run_dir_identity(const recipe *r);

/* FNV-1a 64 of a text: the recipe hash a manifest records. [thread-safe] */
uint64_t run_dir_hash(const char *text);

/*
 * Make dir ready to take job parts of the run with this identity, and write its
 * jobs folder's path into jobs (n bytes). dir is checked as results_folder_begin
 * does (no link, a basin results folder or empty); one that holds another
 * identity is refused with BASIN_EINVAL ("DIR holds the jobs of another run:
 * jobs/recipe.toml line L is 'X' there, 'Y' in this one; ...") unless fresh,
 * which renames it (whatever run it holds) to DIR.YYYYMMDD-HHMMSS[-K], named in
 * aside (PATH_MAX bytes; "" when nothing moved; the line on stderr says so).
 * Creates dir, its marker, jobs/ and jobs/recipe.toml as needed. BASIN_OK, or BASIN_EINVAL / BASIN_EIO with
 * a message.
 */
int run_dir_open(const char *dir, const char *identity, int fresh, char *jobs, size_t n,
                 int *created, char *aside, char *err, size_t n_err);

/* After a run that failed: when dir holds no part and no finished set, take
   back what run_dir_open made (jobs/recipe.toml, jobs/, and with created the
   marker and dir itself), so a failed run leaves no folder behind; a folder a
   fresh run moved aside (aside, or NULL) comes back. */
void run_dir_abandon(const char *dir, int created, const char *aside);

/* The files of the jobs folder `jobs` into the folder `into` (created): hard
   links, or copies where the file system has none. A results folder's new set
   takes them so that it is whole, parts included, at every moment of its swap
   (folder.h); the old set's jobs/ goes with the old set. BASIN_OK or
   BASIN_EWRITE with a message. */
int run_dir_link_jobs(const char *jobs, const char *into, char *err, size_t n_err);

/* Read a folder's identity text (jobs/recipe.toml, at most 16 MiB) into *text
   (malloc'd). BASIN_OK, or BASIN_EINVAL / BASIN_EIO with a message. */
int run_dir_read_identity(const char *dir, char **text, char *err, size_t n_err);

/* "jobs/recipe.toml line L in [SECTION] is 'X' WHERE_A, 'Y' WHERE_B" for the
   first line where a and b differ (msg, n bytes). */
void run_dir_difference(const char *a, const char *b, const char *where_a,
                        const char *where_b, char *msg, size_t n);

/* A shard's manifest. */
typedef struct run_manifest {
    uint64_t hash;      /* run_dir_hash of the identity */
    uint32_t shard, of; /* shard `shard` of `of`, 0-based */
    uint64_t n_total;   /* jobs of the whole run */
    unsigned threads;
    uint64_t *jobs; /* the shard's jobs, ascending */
    uint64_t n_jobs;
} run_manifest;

/* Write dir/shard.toml atomically. BASIN_OK or BASIN_EWRITE with a message. */
int run_manifest_write(const char *dir, const run_manifest *m, char *err, size_t n_err);

/* Read dir/shard.toml (a plain file, at most 64 MiB, every line checked). BASIN_OK,
   or BASIN_EINVAL ("DIR/shard.toml:LINE: ...", or "DIR is no shard folder (it has
   no shard.toml)") / BASIN_EIO / BASIN_ENOMEM with a message; m->jobs malloc'd. */
int run_manifest_read(const char *dir, run_manifest *m, char *err, size_t n_err);

void run_manifest_free(run_manifest *m);

/* Read a whole file (a plain file, not a link, at most max bytes) into *text,
   NUL-terminated (malloc'd), its size in *n. BASIN_OK, BASIN_EINVAL (not a plain
   file, too large), BASIN_EIO (errno kept: ENOENT for a missing file), or
   BASIN_ENOMEM, with a message naming path. */
int run_dir_slurp(const char *path, size_t max, char **text, size_t *n, char *err,
                  size_t n_err);

#endif

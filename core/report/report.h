/*
* report — `basin report RESULTS_DIR`: figures, a sample grid and report.html
 * written inside a results folder from its files (run.toml, summary.csv,
 * records.csv, and collapse.csv, attractors.csv, samples.npy where the run wrote
 * them). docs/report.md describes each figure.
 *
 * Every input is checked before anything is written; the report is built in a
 * temporary folder inside RESULTS_DIR and its files renamed into place only when
 * all of them are complete, so a failed report leaves the folder as it was.
 * Without gnuplot (BASIN_GNUPLOT, PATH, the one found at build time) the page, the
 * data and the scripts are still written and the page says what was skipped.
 */
#ifndef BASIN_REPORT_CMD_H
#define BASIN_REPORT_CMD_H

#include <stddef.h>

extern const char report_usage[];

/* The command (argv[0] "report"): `basin report RESULTS_DIR [--path DIR_OR_LIBRARY]...
   [--quiet]`. BASIN_OK,
   or report_write's status (or BASIN_EINVAL for a usage error) with a one-line
   message in err. */
int cmd_report(int argc, char **argv, char *err, size_t n_err);

/* Write the report of results folder dir. BASIN_OK, or a status with a one-line
   message in err: BASIN_EIO or BASIN_EINVAL (a results file missing, unreadable
   or malformed; nothing written), BASIN_EWRITE (a file could not be written;
   nothing left behind), BASIN_ENOMEM. quiet: print nothing on success (otherwise
   one line naming the page, and one per skipped figure on stderr). */
int report_write(const char *dir, int quiet, char *err, size_t n_err);

/* What `basin report` was asked for. */
typedef struct report_options {
    const char *const *paths; /* plugin libraries or folders searched first */
    size_t n_paths;
    /* --job: NULL (the report picks the job of samples.png and scatter), a job
       number ("7"), or swept values "dataset.count=100[,KEY=VALUE]..." naming the
       first job of the first sweep point that has them. A job records.csv lacks,
       a key that is not swept or a value no point has: BASIN_EINVAL. */
    const char *job;
    int quiet;
} report_options;

/* report_write with options o (report_write_plugins' contract). */
int report_write_options(const char *dir, const report_options *o, char *err,
                         size_t n_err);

/* report_write, with plugins searched first in paths[0..n_paths) (libraries or
   folders the user named, like `basin plugins --path`), then the default search
   path. The folder is data: it must be a whole basin result set (results/folder.h:
   its marker, every file it lists), and no library it names (run.toml's
   plugin_path) is loaded; a figure that needs a plugin that is not loaded
   (samples.png: the dataset) is skipped with the reason. */
int report_write_plugins(const char *dir, const char *const *paths, size_t n_paths,
                         int quiet, char *err, size_t n_err);

#endif

/*
 * folder — a results folder, committed as one unit (docs/reliability.md).
 *
 * A run builds its whole result set in a new folder beside the old one (the same
 * parent, a temporary name) and swaps it in at the end: renameat2 with
 * RENAME_EXCHANGE where the old folder exists (two renames where the file system
 * cannot exchange, e.g. NFS), rename where it does not. The old set is removed
 * only after the swap succeeded, so a kill at any moment leaves, under the
 * folder's name, the complete old set or the complete new one.
 *
 * Every results folder holds the marker .basin-results: the line
 * "basin-results 1" (the format), then the name of each file of the set, one a
 * line, sorted. A folder that exists without it (and is not empty) is never
 * replaced or cleaned, and a symbolic link in the folder's place is refused.
 * Removing an old set removes only the files basin writes into a results folder
 * (results_basin_file); anything else in it moves into the new folder.
 *
 * Temporary folders are named PARENT/.NAME.basin-new-HOST-PID-XXXXXX (and
 * .basin-old- for the old set during a two-rename swap). Those of dead basin
 * processes on this host are cleaned up by the next results_folder_begin into
 * the same parent: an old set whose folder is missing (a two-rename swap cut
 * short) is put back, anything else is removed as above.
 *
 * Test hook: BASIN_TEST_COMMIT, a comma-separated list of words: "pause" prints
 * "basin: test: commit step N: WHAT" on stderr once each step of the commit is
 * done (WHAT: the state reached) and stops itself (SIGSTOP: a test kills the
 * process there or continues it with SIGCONT, whatever the machine's load),
 * "rename" swaps with two renames as if the file system could not exchange.
 */
#ifndef BASIN_RESULTS_FOLDER_H
#define BASIN_RESULTS_FOLDER_H

#include <limits.h>
#include <stddef.h>

#include "basin/plugin.h"

#define RESULTS_MARKER ".basin-results"
#define RESULTS_FORMAT 1

typedef struct results_folder {
    char final[PATH_MAX];  /* the results folder (its name as given, no trailing /) */
    char parent[PATH_MAX]; /* the folder that holds it */
    char name[NAME_MAX + 1];
    char tmp[PATH_MAX]; /* the new set while it is built ("" when there is none) */
} results_folder;

/*
 * Check that dir may take a new result set, and create the folder the set is
 * built in (rf->tmp) beside it, its parents first (like mkdir -p). Temporary
 * folders that dead basin processes of this host left in the parent are cleaned
 * up first. BASIN_OK, or with a one-line message: BASIN_EINVAL when dir is a
 * symbolic link ("DIR is a symbolic link; ..."), exists and is not a basin results
 * folder ("DIR exists and is not a basin results folder ..."; an empty folder
 * may be replaced), or is no folder name (".", "/", over 180 bytes); BASIN_EIO
 * when a folder cannot be created.
 */
int results_folder_begin(results_folder *rf, const char *dir, char *err, size_t n_err);

/* Clean up what dead basin processes of this host left beside dir (as
   results_folder_begin does first): an old set aside returns to dir's place. */
void results_folder_clean(const char *dir);

/* Whether dir may take results, as results_folder_begin checks it (*exists: it
   is there, a basin results folder or empty), creating nothing. */
int results_folder_check(const char *dir, int *exists, char *err, size_t n_err);

/*
 * Write the marker listing the plain files in rf->tmp, then swap rf->tmp in for
 * the old folder, checking it again as results_folder_begin did, and remove the
 * old set. BASIN_OK, or with a one-line message: BASIN_EINVAL when the folder's
 * place no longer takes results (as above), BASIN_EWRITE when the marker or the
 * swap fails. On failure the old folder is as it was; the new set is kept as
 * DIR.new-N when it could not be put in place (the message says where).
 */
int results_folder_commit(results_folder *rf, char *err, size_t n_err);

/* Remove rf->tmp and the files basin wrote in it (a run that failed). Safe to
   call twice and after a commit. */
void results_folder_abandon(results_folder *rf);

/* 1 when a file of this name in a results folder is one basin writes: the
   marker, a run's files (records.csv, summary.csv, run.toml, collapse.csv,
   attractors.csv, training.csv, samples.npy, samples-dimN.npy, spurious.csv,
   compare.csv, minima.csv), a report's (report.html, samples.png,
   samples-grid.csv, memorization.csv, memorization_fit.csv, and each figure's
   .svg/.png/.pdf/.gp/.dat: rates, memorization, distances, pairs, collapse, phi,
   landscape, training, compare, scatter) or the temporary name of one of them
   (".NAME.XXXXXX"). [thread-safe] */
int results_basin_file(const char *name);

/* The files of a results folder, as its marker lists them. */
typedef struct results_set {
    char **names;
    size_t n;
} results_set;

/*
 * Read dir's marker into *set and check the set is whole: each file it lists is
 * there, a plain file, and it lists run.toml, summary.csv and records.csv.
 * BASIN_OK, or with a one-line message (*set empty): BASIN_EINVAL when dir has no
 * marker ("DIR is not a basin results folder ..."), the marker is malformed or of
 * a newer format, or a file is missing ("DIR: incomplete results folder: F is
 * missing ..."); BASIN_EIO when it cannot be read; BASIN_ENOMEM. Loads nothing
 * the folder names and follows no link.
 */
int results_set_read(const char *dir, results_set *set, char *err, size_t n_err);

/* 1 when the set lists name. */
int results_set_has(const results_set *set, const char *name);

void results_set_free(results_set *set);

#endif

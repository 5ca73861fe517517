/*
 * progress — progress on stderr, in one of two forms. [thread-safe]
 *
 *   PROGRESS_BAR  (stderr is a terminal) a bar with ETA redrawn in place at most
 *                 ten times a second, cut to the terminal's width (TIOCGWINSZ,
 *                 else $COLUMNS, else 80) so that it never wraps;
 *   PROGRESS_LOG  (a scheduler's log, nohup) whole lines: one per finished job
 *                 (progress_job_done) and one at least every interval seconds
 *                 (30, or $BASIN_PROGRESS_INTERVAL) while work goes on:
 *                 "basin: job 3/12 done, 25%, elapsed 0:12, ETA 0:36".
 */
#ifndef BASIN_PROGRESS_H
#define BASIN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

enum { PROGRESS_OFF, PROGRESS_BAR, PROGRESS_LOG };

typedef struct progress progress;

/* total units of work; mode PROGRESS_* (PROGRESS_OFF makes every call a no-op). */
progress *progress_new(uint64_t total, int mode);
/* n more units done. */
void progress_add(progress *p, uint64_t n);
/* A short label for the current phase ("job 3/15 encode 40%"). */
void progress_label(progress *p, const char *label);
/* Job `done` of n_jobs has finished: PROGRESS_LOG prints its line. */
void progress_job_done(progress *p, uint64_t done, uint64_t n_jobs);
/* Clear the bar's line and free. */
void progress_free(progress *p);

/* The bar's line for a fraction done (0..1), a label and the elapsed seconds, in
   at most width - 1 columns (width ≥ 2; the label is cut first). buf: n bytes. */
void progress_format_bar(char *buf, size_t n, double fraction, const char *label,
                         double elapsed, int width);

/* A log line (no newline): "basin: job D/N done, P%, elapsed E, ETA T" when
   n_jobs > 0, else "basin: P%, elapsed E, ETA T". */
void progress_format_log(char *buf, size_t n, double fraction, uint64_t done,
                         uint64_t n_jobs, double elapsed);

#endif

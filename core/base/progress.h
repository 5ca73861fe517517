/*
 * progress — a progress bar with ETA on stderr, drawn only when stderr is a
 * terminal, at most ten times a second. [thread-safe]
 */
#ifndef BASIN_PROGRESS_H
#define BASIN_PROGRESS_H

#include <stdint.h>

typedef struct progress progress;

/* total units of work; enabled = 0 makes every call a no-op. */
progress *progress_new(uint64_t total, int enabled);
/* n more units done. */
void progress_add(progress *p, uint64_t n);
/* A short label for the current phase ("job 3/15 encode 40%"). */
void progress_label(progress *p, const char *label);
/* Clear the bar's line and free. */
void progress_free(progress *p);

#endif

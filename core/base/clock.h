/*
 * clock — the one wall clock of the host: monotonic seconds, for elapsed times
 * (progress, the `seconds` columns, benchmarks). Never for results.
 */
#ifndef BASIN_CLOCK_H
#define BASIN_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC since an arbitrary origin. [thread-safe] */
static inline double clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif

/*
 * measure_samples — `basin measure`: classify samples made anywhere (exported
 * from a PyTorch model, say) against a training set with the core's measures
 * (measure/measure.h, measure/referee.h), and write the files a run writes:
 * records.csv (a row per sample, the run's columns: results/records.h),
 * summary.csv (the rates with their intervals) and run.toml (the inputs and the
 * resolved [measure] section). The inputs are streamed in blocks of rows, so
 * memory stays bounded by two blocks whatever the file sizes; each output is
 * committed atomically when everything succeeded.
 */
#ifndef BASIN_MEASURE_SAMPLES_H
#define BASIN_MEASURE_SAMPLES_H

#include <stddef.h>

extern const char measure_usage[];

/* argv[0] is "measure", the options follow. Returns BASIN_OK, or a status with
   "measure: ..." in err: BASIN_EINVAL for bad usage or input (a file that cannot
   be read, a dimension mismatch, a NaN; the message names the file), BASIN_EIO
   when the output folder cannot be created or written, BASIN_EWRITE when a
   result cannot be written or committed, BASIN_ENOMEM. */
int cmd_measure(int argc, char **argv, char *err, size_t n_err);

#endif

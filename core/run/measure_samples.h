/*
 * measure_cmd — `basin measure`: classify samples made anywhere (exported from a
 * PyTorch model, say) against a training set with the core's measures
 * (measure.h, nearest.h), and write the files a run writes: records.csv (a row
 * per sample, the run's layout), summary.csv (the rates with their intervals)
 * and run.toml (the inputs and the resolved [measure] section). The inputs are
 * streamed in blocks of rows, so memory stays bounded by two blocks whatever the
 * file sizes; each output is committed atomically when everything succeeded.
 */
#ifndef BASIN_MEASURE_CMD_H
#define BASIN_MEASURE_CMD_H

extern const char USAGE_MEASURE[];

/* argv: the arguments after `measure`. Returns the exit status: 0, 2 for bad
   input (one line on stderr naming the file), 1 when writing fails. */
int cmd_measure(int argc, char **argv);

#endif

/*
 * fuzz-run-toml — a results folder read back by `basin report` (report/report.h:
 * report_write): run.toml read as a recipe (against the build's plugins; its
 * plugin_path is refused, fuzz_registry.h), summary.csv and records.csv checked
 * against it, and the optional tables. The input's parts (fuzz.h's FUZZ_SEPARATOR)
 * are, in order, run.toml, summary.csv, records.csv, training.csv, collapse.csv
 * and attractors.csv; a file past the last part, or whose part is empty, is
 * absent (run.toml is always written). No samples.npy (the
 * samples figure recreates the run's dataset through its plugin) and no gnuplot
 * (BASIN_GNUPLOT names no program): the report writes its page and figure data.
 */
#include "fuzz.h"
#include "fuzz_registry.h"

#include <stdlib.h>

#include "report/report.h"

static const char *const NAMES[] = {"results/run.toml",     "results/summary.csv",
                                    "results/records.csv",  "results/training.csv",
                                    "results/collapse.csv", "results/attractors.csv"};
#define N_NAMES (sizeof NAMES / sizeof NAMES[0])

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_registry_init();
    setenv("BASIN_GNUPLOT", "/nonexistent/gnuplot", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_part parts[N_NAMES];
    const size_t n = fuzz_split(data, size, parts, N_NAMES);
    char path[4200], dir[4200], err[2048] = "";
    for (size_t i = 0; i < n; i++)
        if (i == 0 || parts[i].size > 0)
            fuzz_write(NAMES[i], parts[i].data, parts[i].size, path, sizeof path);
    if (report_write(fuzz_path("results", dir, sizeof dir), 1, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort(); /* a refusal without a message */
        fuzz_note("%s", err);
    } else {
        fuzz_note("ok");
    }
    fuzz_clean();
    return 0;
}

/*
 * fuzz_dataset — a dataset plugin compiled into a harness (its source linked in,
 * not dlopen'd, so the fuzzer's coverage reaches it), driven as a run drives it.
 */
#ifndef BASIN_FUZZ_DATASET_H
#define BASIN_FUZZ_DATASET_H

#include <basin/plugin.h>

/* The plugin library linked into the harness (the plugin's source defines it). */
extern const basin_library basin_library_entry;

/*
 * The values of the library's first plugin: its defaults, with the named string
 * and number parameters set (names[i] = strings[i] or numbers[i]; a NULL string
 * sets the number). Aborts on a name the table does not have.
 */
typedef struct fuzz_setting {
    const char *name;
    const char *string;
    double number;
} fuzz_setting;

/*
 * Create it with those values on a fake host (tests/fake_host.h), read back every
 * row of both splits in blocks as a run does and check what info() said, then
 * destroy it. Returns create's status. An info() that disagrees with the reads,
 * or a failed create without a message, aborts (a defect).
 */
int fuzz_dataset(const fuzz_setting *settings, int n_settings);

#endif

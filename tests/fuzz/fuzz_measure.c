/*
 * fuzz-measure — `basin measure` (run/measure_samples.h: cmd_measure) on fuzzed
 * inputs: the input's parts (fuzz.h's FUZZ_SEPARATOR) are train.npy, samples.npy,
 * heldout.npy (absent when there are two parts) and options, one a line, of which
 * --rule=R, --set=measure.KEY=V and --chunk=ROWS (at least MIN_CHUNK, so that a
 * small input stays fast) are passed on. Its outputs go to a folder in the
 * harness's temporary folder (--out, --quiet).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/measure_samples.h"

#define MAX_OPTIONS 8
#define MIN_CHUNK   16

static int accepted(const char *option)
{
    if (strncmp(option, "--rule=", 7) == 0 || strncmp(option, "--set=", 6) == 0)
        return 1;
    return strncmp(option, "--chunk=", 8) == 0 && atol(option + 8) >= MIN_CHUNK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_part parts[4];
    const size_t n = fuzz_split(data, size, parts, 4);
    if (n < 2)
        return 0;
    char train[4200], samples[4200], heldout[4200], out[4200], err[2048] = "";
    char *argv[10 + MAX_OPTIONS + 1];
    int argc = 0;
    argv[argc++] = "measure";
    argv[argc++] = "--quiet";
    argv[argc++] = "--train";
    argv[argc++] = (char *)fuzz_write("train.npy", parts[0].data, parts[0].size, train,
                                      sizeof train);
    argv[argc++] = "--samples";
    argv[argc++] = (char *)fuzz_write("samples.npy", parts[1].data, parts[1].size,
                                      samples, sizeof samples);
    if (n > 2 && parts[2].size > 0) {
        argv[argc++] = "--heldout";
        argv[argc++] = (char *)fuzz_write("heldout.npy", parts[2].data, parts[2].size,
                                          heldout, sizeof heldout);
    }
    char *options = n > 3 ? fuzz_strndup(parts[3].data, parts[3].size) : NULL;
    int n_options = 0;
    for (char *line = options, *save = NULL; options && n_options < MAX_OPTIONS &&
                                             (line = strtok_r(line, "\n", &save)) != NULL;
         line = NULL)
        if (accepted(line)) {
            argv[argc++] = line;
            n_options++;
        }
    argv[argc++] = "--out";
    argv[argc++] = (char *)fuzz_path("out", out, sizeof out);
    argv[argc] = NULL;
    if (cmd_measure(argc, argv, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort(); /* a refusal without a message */
        fuzz_note("%s", err);
    } else {
        fuzz_note("ok");
    }
    free(options);
    fuzz_clean();
    return 0;
}

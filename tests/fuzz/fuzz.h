/*
 * fuzz — what the harnesses of tests/fuzz share. Each harness is one function,
 *
 *   int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
 *
 * (libFuzzer's entry point, https://llvm.org/docs/LibFuzzer.html), built two ways:
 * linked with -fsanitize=fuzzer (the fuzz-NAME programs of a -Dfuzz=true build),
 * and linked with replay.c (the replay-NAME programs of every build), which runs it
 * on the files of the seed corpus and the saved reproducers under whatever
 * sanitizers the build has. A harness returns 0 whatever the input did; a defect
 * shows as a sanitizer report or a crash.
 *
 * Files go only into one temporary folder per process ($TMPDIR or /tmp, named
 * basin-fuzz-XXXXXX), emptied by fuzz_clean() after each input and removed at exit.
 */
#ifndef BASIN_FUZZ_H
#define BASIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The process's temporary folder, created on first use (a failure aborts: the
   harness cannot run, which is not a finding). */
const char *fuzz_dir(void);

/* path = fuzz_dir()/name into buf (n bytes); returns buf. */
const char *fuzz_path(const char *name, char *buf, size_t n);

/* Write size bytes to fuzz_dir()/name (creating the folders of a name with '/');
   returns its path in buf (n bytes). A write error aborts. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size, char *buf,
                       size_t n);

/* Remove everything inside fuzz_dir() (the folder itself stays). */
void fuzz_clean(void);

/*
 * The parts of a multi-file input, separated by FUZZ_SEPARATOR (a line of its own,
 * so seeds stay readable: "run.toml text\n--basin-fuzz-part--\nsummary.csv text").
 * Fills at most max parts (the last takes the rest, separators included) and
 * returns their count, at least 1 (size 0 is one empty part).
 */
#define FUZZ_SEPARATOR "\n--basin-fuzz-part--\n"
typedef struct fuzz_part {
    const uint8_t *data;
    size_t size;
} fuzz_part;
size_t fuzz_split(const uint8_t *data, size_t size, fuzz_part *parts, size_t max);

/* With FUZZ_VERBOSE set in the environment, print what an input came to (a
   refusal's message, "ok") on stderr, a line prefixed "# "; otherwise nothing. */
void fuzz_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NUL-terminated copy of size bytes (malloc'd; the caller frees). Aborts when out
   of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif

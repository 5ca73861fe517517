/*
 * replay — the main() of the replay-NAME programs: runs a harness's entry point
 * (fuzz.h) once on each file named on the command line, or on each file of each
 * folder named (sorted by name; a folder that does not exist is empty), the way
 * libFuzzer runs a corpus without fuzzing. `meson test` replays the seed corpus
 * and the saved reproducers of every harness so (tests/fuzz/meson.build).
 *
 *   build/tests/fuzz/replay-csv tests/fuzz/corpus/csv tests/fuzz/regressions/csv
 *
 * Prints "# FILE" before each input (so a sanitizer report follows the name of the
 * input that caused it) and a count at the end; exits 0, or 2 when a file cannot
 * be read. A defect shows as a sanitizer report or a crash.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libFuzzer calls it once before the first input when a harness defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    size_t cap = 4096, n = 0;
    uint8_t *data = malloc(cap);
    for (size_t got; data && (got = fread(data + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(data, cap *= 2);
            if (!more)
                free(data);
            data = more;
        }
    }
    int failed = ferror(f) || !data;
    fclose(f);
    if (failed) {
        free(data);
        fprintf(stderr, "replay: %s: cannot read\n", path);
        return 2;
    }
    printf("# %s\n", path);
    fflush(stdout);
    /* A copy of exactly n bytes, so a read past the input is caught. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(data);
        fprintf(stderr, "replay: %s: out of memory\n", path);
        return 2;
    }
    if (n)
        memcpy(exact, data, n);
    free(data);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    (*count)++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_folder(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char **more = realloc(names, (n + 1) * sizeof *names);
        if (!more || !(more[n] = strdup(e->d_name))) {
            names = more ? more : names;
            rc = 2;
            break;
        }
        names = more;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        char file[8192];
        struct stat st;
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        if (rc == 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode))
            rc = run_file(file, count);
        free(names[i]);
    }
    free(names);
    if (rc)
        fprintf(stderr, "replay: %s: cannot list the folder\n", path);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            printf("# %s: none\n", argv[i]);
        else if (S_ISDIR(st.st_mode))
            rc = run_folder(argv[i], &count);
        else
            rc = run_file(argv[i], &count);
    }
    printf("# %zu input%s replayed\n", count, count == 1 ? "" : "s");
    return rc;
}

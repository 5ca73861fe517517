/*
 * fuzz-npz — the .npz reader (kernels/npz.h) as `basin measure` opens an input:
 * npz_read_member for the archive's only member and for member "a", then
 * npy_open_input on A.npz and A.npz:a, every row read. The input is the archive.
 *
 * Beyond not crashing: a refusal has a message and allocates nothing for the
 * caller; an accepted member is a buffer of at least one byte; an accepted array
 * reads every row and refuses a read past its end.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "npz.h"

static void member(const char *path, const char *name)
{
    void *data = (void *)path;
    size_t n = 7;
    char err[512] = "";
    if (npz_read_member(path, name, &data, &n, err, sizeof err) != 0) {
        if (err[0] == '\0' || data != NULL || n != 0)
            abort();
        fuzz_note("member %s: %s", name ? name : "(only)", err);
        return;
    }
    if (data == NULL || n == 0)
        abort();
    fuzz_note("member %s: %zu bytes", name ? name : "(only)", n);
    free(data);
}

static void array(const char *input)
{
    npy_reader r;
    char err[512] = "";
    if (npy_open_input(&r, input, NPY_INTEGERS, err, sizeof err) != 0) {
        if (err[0] == '\0' || r.f != NULL || r.buffer != NULL)
            abort();
        fuzz_note("%s: %s", input, err);
        return;
    }
    float *out = malloc((size_t)r.dim * sizeof *out);
    if (!out)
        abort();
    for (uint64_t row = 0; row < r.rows && row < 64; row++)
        if (npy_read_rows(&r, row, 1, out, err, sizeof err) != 0) {
            if (err[0] == '\0')
                abort();
            break;
        }
    if (npy_read_rows(&r, r.rows, 1, out, err, sizeof err) == 0)
        abort();
    free(out);
    npy_close(&r);
    npy_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], named[4300];
    fuzz_write("data.npz", data, size, path, sizeof path);
    member(path, NULL);
    member(path, "a");
    array(path);
    snprintf(named, sizeof named, "%s:a", path);
    array(named);
    fuzz_clean();
    return 0;
}

/*
 * fuzz-npy — the .npy reader (kernels/npy.h) as each of its users opens it: the
 * host (npy_open: float32 and float64, no trailing bytes; `basin measure`, a
 * run's samples.npy), datasets/npy (the integer dtypes, the uint8 scales,
 * trailing bytes allowed; its source is linked in and driven through a fake
 * host). The input is the file.
 *
 * Beyond not crashing, a file the reader accepts must hold its data: header,
 * rows × row values and the trailing bytes add up to the file's size, every row
 * reads, and a read past the end is refused.
 */
#include "fuzz.h"
#include "fuzz_dataset.h"

#include <stdio.h>
#include <stdlib.h>

#include "npy.h"

/* Open path as flags say and read every row in blocks. */
static void read_all(const char *path, unsigned flags, size_t size)
{
    npy_reader r;
    char err[512] = "";
    if (npy_open_as(&r, path, flags, err, sizeof err) != 0) {
        if (err[0] == '\0' || r.f != NULL)
            abort(); /* a refusal without a message, or an open file left */
        fuzz_note("flags %u: %s", flags, err);
        return;
    }
    if (r.rows == 0 || r.dim == 0 || r.rank < 2 || r.rank > NPY_MAX_RANK) {
        fprintf(stderr, "accepted a shape of %llu rows of %u values, rank %d\n",
                (unsigned long long)r.rows, r.dim, r.rank);
        abort();
    }
    const uint64_t data = r.rows * r.dim * r.item;
    if (data / r.item / r.dim != r.rows || r.data_offset + data + r.trailing != size) {
        fprintf(stderr,
                "accepted %llu rows of %u values of %u bytes at %llu, trailing %llu, "
                "in a file of %zu bytes\n",
                (unsigned long long)r.rows, r.dim, r.item,
                (unsigned long long)r.data_offset, (unsigned long long)r.trailing, size);
        abort();
    }
    const uint64_t block = r.rows < 5 ? r.rows : 5;
    float *out = malloc(block * r.dim * sizeof *out);
    if (!out)
        abort();
    for (uint64_t first = 0; first < r.rows; first += block) {
        uint64_t n = r.rows - first < block ? r.rows - first : block;
        /* A non-finite value is a refusal with a message; then stop. */
        err[0] = '\0';
        if (npy_read_rows(&r, first, n, out, err, sizeof err) != 0) {
            if (err[0] == '\0')
                abort();
            fuzz_note("flags %u: %s", flags, err);
            break;
        }
    }
    if (npy_read_rows(&r, r.rows, 1, out, err, sizeof err) == 0) {
        fprintf(stderr, "a read past the %llu rows succeeds\n",
                (unsigned long long)r.rows);
        abort();
    }
    fuzz_note("flags %u: ok: %llu rows of %u", flags, (unsigned long long)r.rows, r.dim);
    free(out);
    npy_close(&r);
    npy_close(&r); /* twice is safe */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    fuzz_write("data.npy", data, size, path, sizeof path);
    read_all(path, 0, size);
    read_all(path, NPY_INTEGERS | NPY_TRAILING | NPY_U8_SYMMETRIC, size);
    read_all(path, NPY_INTEGERS | NPY_U8_UNIT, size);
    /* datasets/npy, the file as training and held-out set. */
    const fuzz_setting train[] = {{"path", path, 0}, {"uint8_scale", "zero-one", 0}};
    const fuzz_setting both[] = {{"path", path, 0},
                                 {"heldout_path", path, 0},
                                 {"count", NULL, 1},
                                 {"uint8_scale", "none", 0}};
    if (fuzz_dataset(train, 2) == BASIN_OK)
        fuzz_dataset(both, 4);
    fuzz_clean();
    return 0;
}

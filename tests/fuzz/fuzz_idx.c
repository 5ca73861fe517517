/*
 * fuzz-idx — the IDX reader of datasets/fashion-mnist (its source linked in,
 * driven through a fake host): up to four files, the parts of the input (fuzz.h's
 * FUZZ_SEPARATOR) in the order train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. Each is written under its plain
 * name, and zlib reads plain and gzip content alike, so a part may be either. One
 * training image is drawn; one held-out image when there is a t10k file; from
 * class 0 when there is a labels file.
 */
#include "fuzz.h"
#include "fuzz_dataset.h"

static const char *const NAMES[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_part parts[4];
    const size_t n = fuzz_split(data, size, parts, 4);
    char path[4200];
    for (size_t i = 0; i < n; i++)
        fuzz_write(NAMES[i], parts[i].data, parts[i].size, path, sizeof path);
    const fuzz_setting settings[] = {{"path", fuzz_dir(), 0},
                                     {"count", NULL, 1},
                                     {"heldout", NULL, n > 2 ? 1 : 0},
                                     {"class", NULL, n > 1 ? 0 : -1}};
    fuzz_dataset(settings, 4);
    fuzz_clean();
    return 0;
}

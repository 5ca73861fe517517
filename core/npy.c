#include "npy.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "basin writes .npy data as native floats and declares them little-endian"
#endif

int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %llu), }",
                     (unsigned long long)rows, (unsigned long long)cols);
    /* magic(6) + version(2) + length(2) + dict + padding + '\n' = 128 bytes, a
       multiple of 64 as the format asks; the dict is at most 104 characters. */
    size_t pad = NPY_HEADER_BYTES - 10 - (size_t)n - 1;
    uint16_t header_len = (uint16_t)(n + pad + 1);
    unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                (unsigned char)(header_len & 0xff),
                                (unsigned char)(header_len >> 8)};
    if (fwrite(prefix, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)n, f) != (size_t)n)
        return -1;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

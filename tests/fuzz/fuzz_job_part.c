/*
 * fuzz-job-part — the job part reader (results/job_part.h). The input is a part
 * file. A part that decodes is encoded again and decoded: the second encoding
 * must equal the first (a field the codec loses or shifts shows here).
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "results/job_part.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    job_part p, q;
    if (job_part_decode(data, size, &p, err, sizeof err) != 0) {
        if (err[0] == '\0' || p.cls != NULL)
            abort(); /* a refusal without a message, or arrays handed out */
        fuzz_note("%s", err);
        return 0;
    }
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    if (job_part_encode(&p, &a, &na, err, sizeof err) != 0 ||
        job_part_decode(a, na, &q, err, sizeof err) != 0 ||
        job_part_encode(&q, &b, &nb, err, sizeof err) != 0 || na != nb ||
        memcmp(a, b, na) != 0)
        abort();
    fuzz_note("ok: job %llu, %llu states", (unsigned long long)p.index,
              (unsigned long long)p.n);
    job_part_free(&p);
    job_part_free(&q);
    free(a);
    free(b);
    return 0;
}

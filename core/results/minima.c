/* minima — see minima.h. */
#include "results/minima.h"

#include <stdlib.h>

void minima_header(FILE *f, const recipe *r)
{
    csv_job_header(f, r);
    fprintf(f, "minimum,size,members,energy,d_nearest,nearest,novel,class\n");
}

void minima_write(FILE *f, const csv_job *j, const lsr_minima *m,
                  const measure_class *cls, double novel_distance, size_t *coords)
{
    char *fields = csv_job_fields(j, coords);
    for (uint64_t k = 0; k < m->n_minima; k++) {
        const lsr_minimum *a = &m->minima[k];
        csv_put_job_fields(f, fields, j, coords);
        fprintf(f, "%llu,%u,", (unsigned long long)k, a->size);
        const char *sep = "";
        for (uint64_t s = a->members; s; s &= s - 1) {
            fprintf(f, "%s%d", sep, __builtin_ctzll(s));
            sep = " ";
        }
        fputc(',', f);
        csv_real(f, a->energy);
        fputc(',', f);
        csv_real(f, a->d_nearest);
        fprintf(f, ",%u,%d,%s\n", a->nearest, a->d_nearest >= novel_distance,
                measure_class_name(cls[k]));
    }
    free(fields);
}

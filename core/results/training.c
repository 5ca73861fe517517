#include "results/training.h"

#include <stdlib.h>

void training_header(FILE *f, const recipe *r)
{
    csv_job_header(f, r);
    fprintf(f, "role,name,step,value\n");
}

void training_write(FILE *f, const csv_job *j, const host_metric *m, size_t n,
                    size_t *coords)
{
    char *fields = csv_job_fields(j, coords);
    for (size_t k = 0; k < n; k++) {
        csv_put_job_fields(f, fields, j, coords);
        fprintf(f, "%s,%s,%llu,", m[k].disjoint ? "disjoint" : "model", m[k].name,
                (unsigned long long)m[k].step);
        csv_real(f, m[k].value);
        fputc('\n', f);
    }
    free(fields);
}

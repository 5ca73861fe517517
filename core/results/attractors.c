#include "results/attractors.h"

#include <stdlib.h>

void attractors_header(FILE *f, const recipe *r)
{
    csv_job_header(f, r);
    fprintf(f, "attractor,first,members,occupancy,class,nearest,match,energy,radius,"
               "radius_bound,lambda_min,lambda_max,negative\n");
}

void attractors_write(FILE *f, const csv_job *j, const landscape_result *land,
                      size_t *coords)
{
    if (!land->n_grouped && !land->n_attractors)
        return;
    char *fields = csv_job_fields(j, coords);
    for (uint64_t k = 0; k < land->n_analyzed; k++) {
        const landscape_attractor *a = &land->analyzed[k];
        csv_put_job_fields(f, fields, j, coords);
        fprintf(f, "%llu,%llu,%llu,", (unsigned long long)a->id,
                (unsigned long long)a->first, (unsigned long long)a->members);
        csv_real(f, a->occupancy);
        fprintf(f, ",%s,%lld,", measure_class_name(a->cls), (long long)a->nearest);
        double reals[] = {a->match, a->energy, a->radius};
        for (size_t i = 0; i < 3; i++) {
            csv_real(f, reals[i]);
            fputc(',', f);
        }
        fprintf(f, "%d,", a->radius_bound);
        csv_real(f, a->lambda_min);
        fputc(',', f);
        csv_real(f, a->lambda_max);
        fprintf(f, ",%lld\n", (long long)a->n_negative);
    }
    free(fields);
}

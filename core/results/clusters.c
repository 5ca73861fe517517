#include "results/clusters.h"

#include <stdlib.h>

void clusters_header(FILE *f, const recipe *r)
{
    csv_job_header(f, r);
    fprintf(f, "cluster,size,representative,d_m,d_h\n");
}

void clusters_write(FILE *f, const csv_job *j, const spurious_result *s,
                    const measure_distance *dist, size_t *coords)
{
    if (!s->n_clusters)
        return;
    char *fields = csv_job_fields(j, coords);
    for (uint64_t k = 0; k < s->n_clusters; k++) {
        const spurious_cluster *c = &s->clusters[k];
        csv_put_job_fields(f, fields, j, coords);
        fprintf(f, "%llu,%llu,%llu,", (unsigned long long)k, (unsigned long long)c->size,
                (unsigned long long)c->representative);
        csv_real(f, dist[c->representative].d_m);
        fputc(',', f);
        csv_real(f, dist[c->representative].d_h);
        fputc('\n', f);
    }
    free(fields);
}

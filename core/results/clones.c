#include "results/clones.h"

#include "results/csv.h"

void clones_write(FILE *f, const recipe *r, const point_stats *stats, uint32_t n_clones,
                  double confidence, size_t *coords)
{
    csv_axes_header(f, r);
    fprintf(f, "clone,t,t_ou,phi,phi_lo,phi_hi,pairs\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t c = 0; c < n_clones; c++) {
            const point_stats *st = &stats[p];
            if (!st->clone_n[c])
                continue;
            double lo, hi, n = (double)st->clone_n[c];
            measure_rate_interval(st->clone_same[c], st->clone_n[c], confidence, &lo,
                                  &hi);
            csv_axes(f, r, p, coords);
            fprintf(f, "%u,", c);
            double fields[] = {st->clone_time[c], st->clone_time_ou[c],
                               (double)st->clone_same[c] / n, lo, hi};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                csv_real(f, fields[k]);
                fputc(',', f);
            }
            fprintf(f, "%llu\n", (unsigned long long)st->clone_n[c]);
        }
}

#include "results/clones.h"

#include <math.h>

#include "results/csv.h"

void clones_write(FILE *f, const recipe *r, const point_stats *stats, uint32_t n_clones,
                  double confidence, size_t *coords)
{
    csv_axes_header(f, r);
    fprintf(f, "clone,t,t_ou,phi,phi_lo,phi_hi,phi_s,phi_s_lo,phi_s_hi,pairs\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t c = 0; c < n_clones; c++) {
            const point_stats *st = &stats[p];
            if (!st->clone_n[c])
                continue;
            double lo, hi, n = (double)st->clone_n[c];
            measure_rate_interval(st->clone_same[c], st->clone_n[c], confidence, &lo,
                                  &hi);
            /* φ_S only with labels: NaN (no claim) without. */
            double s = NAN, s_lo = NAN, s_hi = NAN;
            if (st->clone_labeled[c]) {
                s = (double)st->clone_same_class[c] / (double)st->clone_labeled[c];
                measure_rate_interval(st->clone_same_class[c], st->clone_labeled[c],
                                      confidence, &s_lo, &s_hi);
            }
            csv_axes(f, r, p, coords);
            fprintf(f, "%u,", c);
            double fields[] = {st->clone_time[c],
                               st->clone_time_ou[c],
                               (double)st->clone_same[c] / n,
                               lo,
                               hi,
                               s,
                               s_lo,
                               s_hi};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                csv_real(f, fields[k]);
                fputc(',', f);
            }
            fprintf(f, "%llu\n", (unsigned long long)st->clone_n[c]);
        }
}

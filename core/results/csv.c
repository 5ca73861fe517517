#include "results/csv.h"

#include <math.h>
#include <stdlib.h>

#include "registry/param.h"

void csv_real(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else
        fprintf(f, "%.9g", x);
}

void csv_axes_header(FILE *f, const recipe *r)
{
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
}

void csv_axes(FILE *f, const recipe *r, size_t point, size_t *coords)
{
    recipe_coords(r, point, coords);
    for (size_t a = 0; a < r->n_axes; a++) {
        param_write_csv(f, recipe_axis_def(r, a), r->axes[a].values[coords[a]]);
        fputc(',', f);
    }
}

void csv_job_header(FILE *f, const recipe *r)
{
    fprintf(f, "job,point,repeat,");
    csv_axes_header(f, r);
}

static void write_job_fields(FILE *f, const csv_job *j, size_t *coords)
{
    fprintf(f, "%llu,%zu,%u,", (unsigned long long)j->index, j->point, j->repeat);
    csv_axes(f, j->r, j->point, coords);
}

char *csv_job_fields(const csv_job *j, size_t *coords)
{
    char *text = NULL;
    size_t size;
    FILE *m = open_memstream(&text, &size);
    if (!m)
        return NULL;
    write_job_fields(m, j, coords);
    if (fclose(m) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void csv_put_job_fields(FILE *f, const char *text, const csv_job *j, size_t *coords)
{
    if (text)
        fputs(text, f);
    else
        write_job_fields(f, j, coords);
}

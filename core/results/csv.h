/*
 * csv — the fields every CSV file of a results folder shares: reals, the swept
 * values of a sweep point, and the "job,point,repeat" fields of per-job rows.
 */
#ifndef BASIN_CSV_H
#define BASIN_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "recipe/recipe.h"

/* Which job rows belong to. */
typedef struct csv_job {
    const recipe *r;
    uint64_t index; /* point · repeats + repeat */
    size_t point;
    uint32_t repeat;
} csv_job;

/* A real as a CSV field: "%.9g" (enough for a float), "nan" for NaN. */
void csv_real(FILE *f, double x);

/* The names of r's sweep axes ("dataset.load,"), each followed by a comma. */
void csv_axes_header(FILE *f, const recipe *r);

/* The swept values of a point, each followed by a comma; coords: scratch of
   r->n_axes + 1 entries. */
void csv_axes(FILE *f, const recipe *r, size_t point, size_t *coords);

/* The header fields of per-job files: "job,point,repeat," and the axes. */
void csv_job_header(FILE *f, const recipe *r);

/* A job's first fields, "JOB,POINT,REPEAT," and its swept values, as a string to
   free: formatted once per job (the shortest round-trip form of a real is costly,
   and a job writes a row per sample). NULL when out of memory. */
char *csv_job_fields(const csv_job *j, size_t *coords);

/* Write a job's first fields: text from csv_job_fields, or anew when it is NULL. */
void csv_put_job_fields(FILE *f, const char *text, const csv_job *j, size_t *coords);

#endif

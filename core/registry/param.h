/*
 * param — parameter tables: checking a recipe value against a basin_param_def,
 * writing values back out (run.toml, CSV) and describing a table (basin describe).
 * Core sections ([init], [measure], [output]) use the same tables as plugins, so
 * every key of a recipe is validated, swept and described the same way.
 */
#ifndef BASIN_PARAM_H
#define BASIN_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "basin/plugin.h"
#include "base/json.h"
#include "base/toml.h"

/* A flag of core tables only (never a plugin's: basin/plugin.h's flags are the
   ABI's): a REAL row that also takes the string "auto", resolved later from the
   data (measure.delta_m, measure.delta_s). An "auto" value is number NaN,
   string "auto"; such a row's default may be "auto" (default_string). */
#define PARAM_AUTO 0x100u

/* Whether v is the word "auto" of a PARAM_AUTO row. */
bool param_is_auto(const basin_param_def *def, basin_value v);

/* Rows in a table (up to the NULL-named row). */
size_t param_count(const basin_param_def *table);

/* The row named `name`, or -1. */
long param_find(const basin_param_def *table, const char *name);

/* The default value of a row. */
basin_value param_default(const basin_param_def *def);

/*
 * Check one scalar TOML value against def and convert it. Strings in *out point
 * into node (valid while the node lives). On error returns BASIN_EINVAL and
 * writes a message without location ("0.5 is above the maximum 0.3") to err.
 */
int param_from_toml(const basin_param_def *def, const toml_node *node, basin_value *out,
                    char *err, size_t n_err);

/* Check a number (a sweep point) against def's type and range, as above. */
int param_check_number(const basin_param_def *def, double value, char *err, size_t n_err);

/* Check the row itself (plugin tables are checked when a library is loaded):
   a known type, a default inside its own range or choices. */
int param_check_def(const basin_param_def *def, char *err, size_t n_err);

/* Write a value: as TOML (quoted strings) or as a CSV field (bare, quoted only
   when it holds a comma or quote). Reals use the shortest exact form. */
void param_write_toml(FILE *f, const basin_param_def *def, basin_value v);
void param_write_csv(FILE *f, const basin_param_def *def, basin_value v);

/* Shortest "%.Ng" that reads back to exactly x. buf holds at least 32 bytes. */
const char *param_format_real(double x, char *buf);

/* The type as a word ("int", "real", "bool", "string", "choice"). */
const char *param_type_name(basin_param_type type);

/* Nonzero if word is one of the '|'-separated choices ("async|sync"). */
int param_choice_contains(const char *choices, const char *word);

/* The parameter table as a JSON array of objects: name, type, required, default
   (or example, when required), min, max, min_exclusive, max_exclusive and auto
   (numbers), choices (a choice), doc. ±inf bounds print as null. */
void param_describe_json(json_writer *w, const basin_param_def *table);

/* Print the table for `basin describe`: one block per row. */
void param_describe(FILE *f, const basin_param_def *table);

#endif

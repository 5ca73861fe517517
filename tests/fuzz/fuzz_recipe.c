/*
 * fuzz-recipe — recipe text and --set values (recipe/recipe.h), against the
 * build's plugins (fuzz_registry.h; a recipe's plugin_path is refused). The input
 * is the recipe, then optionally FUZZ_SEPARATOR and --set values, one a line:
 *
 *   name = "x"
 *   [dataset]
 *   plugin = "datasets/binary-patterns"
 *   ...
 *   --basin-fuzz-part--
 *   dataset.dim=40
 *   sampler.mode=["sync", "async"]
 *
 * A recipe that loads is written as run.toml's body (recipe_write_toml) and read
 * back, the way `basin run` on a run.toml repeats the run: it must load again to
 * the same sweep, and writing it again must give the same text (a --set value
 * that is not UTF-8 is refused before: regressions/recipe/set-invalid-utf8-run-toml).
 *
 * toml++ (Debian's 3.3.0) overflows its stack on a dotted key or a table header
 * of about 16 000 parts; the guard in base/toml.cpp refuses nesting beyond 64
 * levels before toml++ parses (the two regressions/recipe/ files of 16000 parts).
 */
#include "fuzz.h"
#include "fuzz_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe/recipe.h"

#define MAX_SETS 8
/* Round-trip only recipes whose sweeps have at most this many values in all. */
#define MAX_ROUND_TRIP_VALUES 2000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_registry_init();
    return 0;
}

/* The recipe as run.toml's body, into path; the text in *text (malloc'd). */
static void write_body(const recipe *r, const char *path, char **text)
{
    FILE *f = fopen(path, "w+b");
    if (!f)
        abort();
    recipe_write_toml(r, f);
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        abort();
    *text = malloc((size_t)n + 1);
    if (!*text || fread(*text, 1, (size_t)n, f) != (size_t)n)
        abort();
    (*text)[n] = '\0';
    fclose(f);
}

/* What a run reads of a loaded recipe: each section (and model) at the first and
   last point, their jobs' seeds,
   each axis's first and last value as text. */
static void walk(const recipe *r)
{
    basin_value values[64];
    size_t coords[64];
    if (recipe_most_params(r) > 64)
        abort();
    for (size_t p = 0; p < r->n_points; p += r->n_points - 1) {
        for (int s = 0; s < RECIPE_N_SECTIONS; s++)
            recipe_values(r, (recipe_section_id)s, p, values);
        (void)recipe_job_seed(r, (uint64_t)p * r->repeats + r->repeats - 1);
        if (r->n_axes <= 64)
            recipe_coords(r, p, coords);
        if (r->n_points == 1)
            break;
    }
    for (size_t a = 0; a < r->n_axes; a++) {
        char buf[32];
        if (r->axes[a].n_values == 0)
            abort(); /* an empty sweep */
        recipe_axis_text(r, a, 0, buf);
        recipe_axis_text(r, a, r->axes[a].n_values - 1, buf);
    }
}

static void round_trip(const recipe *r)
{
    size_t n_values = 0;
    for (size_t a = 0; a < r->n_axes; a++)
        n_values += r->axes[a].n_values;
    if (n_values > MAX_ROUND_TRIP_VALUES)
        return;
    char path[4200], err[1024] = "";
    char *first = NULL, *second = NULL;
    write_body(r, fuzz_path("run.toml", path, sizeof path), &first);
    registry *reg = registry_new();
    recipe *again = NULL;
    if (!reg)
        abort();
    if (recipe_load(path, NULL, 0, reg, &again, err, sizeof err) != 0) {
        fprintf(stderr, "a loaded recipe, written as run.toml, does not load again: %s\n",
                err);
        abort();
    }
    if (again->n_points != r->n_points || again->n_axes != r->n_axes ||
        again->repeats != r->repeats || again->seed != r->seed) {
        fprintf(stderr, "run.toml reads back another sweep\n");
        abort();
    }
    write_body(again, path, &second);
    if (strcmp(first, second) != 0) {
        fprintf(stderr, "run.toml written twice differs:\n%s\n----\n%s\n", first, second);
        abort();
    }
    free(first);
    free(second);
    recipe_free(again);
    registry_free(reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_part parts[2];
    const size_t n_parts = fuzz_split(data, size, parts, 2);
    char path[4200], err[1024] = "";
    fuzz_write("recipe.toml", parts[0].data, parts[0].size, path, sizeof path);
    char *sets_text = n_parts > 1 ? fuzz_strndup(parts[1].data, parts[1].size) : NULL;
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    for (char *line = sets_text, *save = NULL;
         sets_text && n_sets < MAX_SETS && (line = strtok_r(line, "\n", &save)) != NULL;
         line = NULL)
        sets[n_sets++] = line;
    registry *reg = registry_new();
    if (!reg)
        abort();
    recipe *r = NULL;
    if (recipe_load(path, sets, n_sets, reg, &r, err, sizeof err) == 0) {
        fuzz_note("ok: %zu points", r->n_points);
        walk(r);
        round_trip(r);
        recipe_free(r);
    } else if (err[0] == '\0' || r != NULL) {
        abort(); /* a refusal without a message, or a recipe handed out */
    } else {
        fuzz_note("%s", err);
    }
    registry_free(reg);
    free(sets_text);
    fuzz_clean();
    return 0;
}

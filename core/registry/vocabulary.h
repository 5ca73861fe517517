/*
 * vocabulary — the names users bring from k-diffusion (Crowson's sampling.py, and
 * the sampler names of the tools built on it) and diffusers (its scheduler classes
 * and scheduler_config.json values), each with the basin setting that does the same
 * thing, so an error can say it ("unknown plugin 'euler_ancestral' (k-diffusion's
 * name; in basin: plugin = \"samplers/euler-ancestral\")"). basin accepts only its own
 * names (a resolved recipe names one plugin and one schedule in one way); these are
 * hints, never aliases that resolve silently. docs/recipes.md lists them.
 */
#ifndef BASIN_VOCABULARY_H
#define BASIN_VOCABULARY_H

#include <stddef.h>

/* What a foreign name stands for: a sampler (a plugin id) or a schedule or grid
   (a [schedule] value). */
typedef enum vocabulary_kind {
    VOCABULARY_SAMPLER = 1,
    VOCABULARY_SCHEDULE = 2
} vocabulary_kind;

/* One foreign name: where it comes from and what to write in basin instead. */
typedef struct vocabulary_word {
    const char *word; /* as the other tool spells it */
    vocabulary_kind kind;
    const char *source; /* "k-diffusion's", "diffusers'" */
    const char *basin;  /* the recipe setting, e.g. plugin = "samplers/dpmpp-2m" */
} vocabulary_word;

/* The entry of kind `kind` for word (exact, ASCII case-insensitive), or NULL.
   [thread-safe] */
const vocabulary_word *vocabulary_find(const char *word, vocabulary_kind kind);

/*
 * Write " (SOURCE name; in basin: SETTING)" for word into buf (n bytes, always
 * terminated) and return 1, or write "" and return 0 when word is not a known
 * foreign name of that kind. [thread-safe]
 */
int vocabulary_hint(const char *word, vocabulary_kind kind, char *buf, size_t n);

/* The table, for docs and tests: *n gets its length. */
const vocabulary_word *vocabulary_table(size_t *n);

#endif

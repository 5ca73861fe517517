/*
 * fuzz-prototype — the C prototype parser of scores/ffi and energies/ffi
 * (plugins/ffi/prototype.h) and the bindings parser checked against it
 * (plugins/ffi/bindings.h): a recipe's `prototype = "..."` and `bindings = "..."`.
 * The input is the prototype, then optionally FUZZ_SEPARATOR and the bindings
 * (the plugins' default when absent); each is read up to its first NUL byte. The
 * bindings are checked under the rules of each role: denoiser, energy, gradient.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "prototype.h"

#define DEFAULT_BINDINGS "x, n, dim, alpha, sigma, train, k, out"

/* The roles' rules, as plugins/ffi/score.c and energy.c state them. */
#define ENERGY_ALLOWED                                                                   \
    (BIND_BIT(BIND_X) | BIND_BIT(BIND_N) | BIND_BIT(BIND_DIM) | BIND_BIT(BIND_TRAIN) |   \
     BIND_BIT(BIND_K) | BIND_BIT(BIND_OUT) | BIND_BIT(BIND_CONST))
static const binding_rules RULES[] = {
    {"denoiser", ENERGY_ALLOWED | BIND_BIT(BIND_ALPHA) | BIND_BIT(BIND_SIGMA),
     SCALAR_FLOAT, 0, 0},
    {"energy", ENERGY_ALLOWED, SCALAR_DOUBLE, 1, 1},
    {"gradient", ENERGY_ALLOWED, SCALAR_FLOAT, 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_part parts[2];
    const size_t n = fuzz_split(data, size, parts, 2);
    char *text = fuzz_strndup(parts[0].data, parts[0].size);
    char *words = n > 1 ? fuzz_strndup(parts[1].data, parts[1].size) : NULL;
    char err[512] = "";
    prototype *p = malloc(sizeof *p);
    bindings *b = malloc(sizeof *b);
    if (!p || !b)
        abort();
    if (prototype_parse(text, p, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort(); /* a refusal without a message */
        fuzz_note("prototype: %s", err);
    } else {
        fuzz_note("prototype: ok: %d arguments", p->n_args);
        if (p->n_args < 0 || p->n_args > PROTOTYPE_MAX_ARGS)
            abort();
        for (int i = 0; i < p->n_args; i++) {
            double lo, hi;
            if (scalar_is_integer(p->args[i].scalar))
                scalar_range(p->args[i].scalar, &lo, &hi);
            if (strlen(p->args[i].spelling) >= sizeof p->args[i].spelling)
                abort();
        }
        for (size_t r = 0; r < sizeof RULES / sizeof RULES[0]; r++) {
            err[0] = '\0';
            if (bindings_parse(words ? words : DEFAULT_BINDINGS, p, &RULES[r], b, err,
                               sizeof err) != 0) {
                if (err[0] == '\0')
                    abort();
                fuzz_note("%s bindings: %s", RULES[r].role, err);
            } else {
                if (b->n != p->n_args)
                    abort(); /* accepted bindings of another arity */
                fuzz_note("%s bindings: ok", RULES[r].role);
            }
        }
    }
    free(b);
    free(p);
    free(words);
    free(text);
    return 0;
}

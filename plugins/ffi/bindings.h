/*
 * bindings — what each argument of a foreign function receives, from a recipe
 * string such as "x, n, dim, alpha, sigma, train, k, out", checked against the
 * function's parsed prototype.
 *
 * Words (one per argument, in order, separated by commas):
 *   x        the batch of states, n × dim floats, row-major: const float *
 *   n        the number of states in this call: an integer type
 *   dim      the dimension N: an integer type
 *   alpha    α of x_t = α x0 + σ ε (scores only): float or double
 *   sigma    σ (scores only): float or double
 *   train    the training set from encode, k × dim floats: const float *
 *   k        its number of rows: an integer type
 *   m        the number of features per state (embeddings only): an integer
 *            type
 *   out      the output: float * (n × dim: a denoiser, a gradient; n × m: an
 *            embedding's features) or double * (n: an energy)
 *   const:V  the number V: an integer type (V an integer in its range) or
 *            float/double (V finite, and within float range for float)
 * x is required; out is required unless the function returns the value itself
 * (an energy returning float or double, called once per state). When n is not
 * bound, or the function returns its value, it is called once per state (x points
 * at that state). x and train must be declared const (basin's arrays are
 * read-only; const does not change the calling convention), out must not be.
 */
#ifndef BASIN_FFI_BINDINGS_H
#define BASIN_FFI_BINDINGS_H

#include "prototype.h"

typedef enum binding_kind {
    BIND_X,
    BIND_N,
    BIND_DIM,
    BIND_ALPHA,
    BIND_SIGMA,
    BIND_TRAIN,
    BIND_K,
    BIND_OUT,
    BIND_M,
    BIND_CONST,
    BIND_COUNT
} binding_kind;

#define BIND_BIT(kind) (1u << (kind))

/* What one role (a denoiser, an energy, a gradient) lets its function see. */
typedef struct binding_rules {
    const char *role;       /* "denoiser", "energy", "gradient": for messages */
    unsigned allowed;       /* BIND_BIT of each kind allowed */
    prototype_scalar out;   /* SCALAR_FLOAT or SCALAR_DOUBLE */
    uint32_t out_per_state; /* out entries per state: 0 for dim, else that many
                               (1: an energy; m: an embedding) */
    int value_return;       /* a float/double return may be the state's value */
} binding_rules;

typedef struct binding {
    binding_kind kind;
    double constant; /* BIND_CONST */
} binding;

typedef struct bindings {
    int n;
    binding b[PROTOTYPE_MAX_ARGS];
    int position[BIND_COUNT]; /* the argument bound to each kind, or -1 */
    int per_state;            /* called once per state (n unbound, or a value
                                 return) */
    int value_return;         /* the return value is the state's output */
} bindings;

/*
 * Parse text and check it against p under rules: the count equals p's arity, each
 * kind is allowed and bound at most once (constants aside), each argument's type
 * suits its kind, the return type suits the role. On error BASIN_EINVAL with one
 * line in err naming the binding or argument and its position.
 */
int bindings_parse(const char *text, const prototype *p, const binding_rules *rules,
                   bindings *out, char *err, size_t n_err);

/* The word of a kind ("x", "n", ..., "const"). */
const char *binding_word(binding_kind kind);

#endif

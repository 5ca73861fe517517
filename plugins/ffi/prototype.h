/*
 * prototype — a C function prototype given as a string, parsed once against a
 * whitelist of types, with its libffi call interface (ffi_cif) prepared once.
 *
 *   "int my_denoise(const float *x, uint64_t n, uint32_t dim, double alpha,
 *                   double sigma, const float *train, uint64_t k, float *out)"
 *
 * Accepted types (parameter names and a trailing ';' are optional):
 *   scalars   int, signed, unsigned (each with an optional int), long, unsigned long,
 *             long long, unsigned long long, size_t, int8_t .. int64_t,
 *             uint8_t .. uint64_t, float, double;
 *   pointers  one '*' to any of those scalars, const before or after the scalar
 *             (a const after the '*' is allowed and changes nothing);
 *   void      as the return type, or alone as "(void)" for no parameters.
 * Anything else — struct, union, enum, char, short, bool, long double, void *,
 * pointers to pointers, arrays, function pointers, "...", unknown words — is refused
 * with one line naming the token and its column (1-based).
 */
#ifndef BASIN_FFI_PROTOTYPE_H
#define BASIN_FFI_PROTOTYPE_H

#include <ffi.h>

#include <stddef.h>
#include <stdint.h>

#define PROTOTYPE_MAX_ARGS 32

/* The scalar at the bottom of a type. */
typedef enum prototype_scalar {
    SCALAR_VOID,
    SCALAR_I8,
    SCALAR_U8,
    SCALAR_I16,
    SCALAR_U16,
    SCALAR_I32,
    SCALAR_U32,
    SCALAR_I64,
    SCALAR_U64,
    SCALAR_FLOAT,
    SCALAR_DOUBLE
} prototype_scalar;

/* One parameter's (or the return value's) type. */
typedef struct prototype_type {
    prototype_scalar scalar;
    int pointer;       /* 1: a pointer to scalar */
    int is_const;      /* pointer: the pointee is const */
    char spelling[48]; /* as C would print it: "const float *", "uint64_t" */
} prototype_type;

typedef struct prototype {
    char name[64]; /* the function's name as written (informational) */
    prototype_type ret;
    int n_args;
    prototype_type args[PROTOTYPE_MAX_ARGS];
    char arg_names[PROTOTYPE_MAX_ARGS][32]; /* "" where the prototype names none */
    ffi_type *ffi_args[PROTOTYPE_MAX_ARGS];
    ffi_cif cif; /* prepared by prototype_parse; read-only after */
} prototype;

/*
 * Parse text into *p and prepare p->cif for the default ABI. On error returns
 * BASIN_EINVAL with one line in err, e.g. "unsupported type 'struct' at column 5".
 * p must stay at its address after the call (the cif points into it).
 */
int prototype_parse(const char *text, prototype *p, char *err, size_t n_err);

/* 1 for the integer scalars, 0 for void, float and double. */
int scalar_is_integer(prototype_scalar s);
/* The integer scalar's range, as doubles (exact for widths up to 53 bits; the
   64-bit ends round outward to ±2^63, 2^64, and callers compare with <). */
void scalar_range(prototype_scalar s, double *lo, double *hi);
/* Its range as integers: the largest value (for unsigned and signed types). */
uint64_t scalar_max(prototype_scalar s);

#endif

/*
 * descent.h — what the continuous-state energy samplers share (samplers/fixed-point,
 * samplers/gradient-descent, samplers/langevin): model checks, per-state
 * observation and cancellation, finiteness checks, normalized norms, and the
 * gradient descent with backtracking that gradient-descent runs and langevin's
 * quench reuses. Compiled into each of the three plugins; nothing here is exported
 * (the modules are built with hidden visibility).
 *
 * Every sampler evolves one state at a time, with one energy call of n = 1 per
 * evaluation, so a state's trajectory never depends on the batch it came in.
 * Error messages leave out the plugin id: the host puts it in front.
 */
#ifndef BASIN_SAMPLERS_DESCENT_H
#define BASIN_SAMPLERS_DESCENT_H

#include <basin/plugin.h>

/* The energy functions a sampler needs; descent_check_model refuses the rest. */
#define DESCENT_NEEDS_ENERGY   0x1u
#define DESCENT_NEEDS_GRADIENT 0x2u
#define DESCENT_NEEDS_UPDATE   0x4u
#define DESCENT_CONTINUOUS     0x8u /* refuse binary (±1) energies */

/* One state's run: the energy, the host and the state's global sample index. */
typedef struct descent_ctx {
    const basin_host *host;
    const basin_energy_iface *energy;
    void *energy_self;
    uint32_t dim;
    uint64_t index; /* global sample index of the state */
    void *stream;   /* the energy's stream for this state (ABI 1.5), or NULL */
} descent_ctx;

/*
 * E(x), ∇E(x) and T(x) of the state (n = 1) through the state's stream when the
 * energy gave one (descent_run opens one per state and closes it after the state's
 * run), else through energy, gradient and update.
 */
int descent_energy(const descent_ctx *c, const float *x, double *e);
int descent_gradient(const descent_ctx *c, const float *x, float *gradient);
int descent_update(const descent_ctx *c, const float *x, float *out);

/* The gradient descent of one state (see descent_minimize). */
typedef struct descent_params {
    double step;       /* η > 0, the initial step */
    double tol;        /* converged once ‖∇E‖/√dim <= tol */
    uint32_t max_iter; /* the most accepted steps */
    int backtracking;  /* halve η (for this state) when E would rise */
} descent_params;

/*
 * 0 if the model is an energy with every function `needs` names (DESCENT_NEEDS_*),
 * continuous when DESCENT_CONTINUOUS, and dim >= 1. Otherwise BASIN_EUNSUPPORTED
 * (BASIN_EINVAL for dim 0) with a message naming what is missing; `what` names
 * the dynamics in it ("gradient descent").
 */
int descent_check_model(const basin_host *host, const basin_model *model, unsigned needs,
                        const char *what);

/* BASIN_EINVAL naming the first non-finite entry of n initial states (n × dim). */
int descent_check_states(const basin_host *host, const float *states, uint64_t n,
                         uint32_t dim, uint64_t first_index);

/*
 * BASIN_ENUMERIC if an entry of v (dim) is not finite, with a message naming the
 * sample, the step and `what` ("state", "gradient", "update").
 */
int descent_check_finite(const descent_ctx *c, const float *v, const char *what,
                         uint64_t step);

/* ‖v‖ / √dim, summed in double. */
double descent_rms(const float *v, uint32_t dim);

/* ‖a − b‖ / √dim, summed in double. */
double descent_rms_distance(const float *a, const float *b, uint32_t dim);

/* BASIN_ECANCELED (with a message) once host->cancelled() says stop. */
int descent_cancelled(const descent_ctx *c, uint64_t step);

/*
 * Report the state x (dim) after step `step` (1 after the first) to the host's
 * observers: one row, time = step, α = 1, σ = 0. BASIN_ECANCELED (with a message)
 * if an observer asks to stop.
 */
int descent_observe(const descent_ctx *c, const float *x, uint64_t step);

/*
 * Per-call scratch of one state's run (dim each), from descent_scratch_new.
 * position keeps the state in double between steps: a step η ∇E smaller than
 * half a float ulp of x (near a minimum with a small η) still accumulates there
 * instead of rounding away, and the float state the energy and the observers see
 * is its rounding.
 */
typedef struct descent_scratch {
    float *gradient;
    float *trial; /* gradient descent: the trial state; langevin: z */
    double *position;
    double *trial_position;
} descent_scratch;

/* Scratch for states of dim; NULL if out of memory. Free with descent_scratch_free. */
descent_scratch *descent_scratch_new(uint32_t dim);
void descent_scratch_free(descent_scratch *scratch);

/*
 * Gradient descent of one state x (dim, in place) toward a local minimum of E:
 *     x ← x − η ∇E(x)
 * until ‖∇E(x)‖/√dim <= tol (outcome->converged = 1) or max_iter accepted steps.
 * The step is taken in double (scratch->position) and x is its float rounding.
 * With backtracking, a step that would raise E (E(x − η∇E) > E(x), or a
 * non-finite E) is not taken: η is halved for the rest of this state's run and the
 * step retried. So any η reaches a local minimum of an energy whose gradient is
 * Lipschitz: once η < 2/L every step lowers E (Nocedal & Wright 2006, Numerical
 * Optimization, §3.1, the descent lemma). A step too small to change the double
 * position ends the run, unconverged. The float state limits what tol can be met:
 * about L · ulp(x) (1e-6 for L = 8 at |x| = 1).
 * Each accepted step adds 1 to outcome->steps and is observed as step
 * outcome->steps (so a run that follows others, like langevin's quench, goes on
 * counting from theirs). Returns 0, BASIN_ENUMERIC (non-finite state or
 * gradient), BASIN_ECANCELED or the energy's error. [thread-safe] [deterministic]
 */
int descent_minimize(const descent_ctx *c, const descent_params *p, float *x,
                     const descent_scratch *scratch, basin_outcome *outcome);

/*
 * The create-time checks (guarding a host that did not check the table): 0, or
 * BASIN_EINVAL with "<name> = <v> must be >= 0" for a tolerance not in [0, 1e308],
 * "<name> = <v> is not in [1, 1000000000]" for an iteration count.
 */
int descent_check_tol(const basin_host *host, const char *name, double tol);
int descent_check_max_iter(const basin_host *host, const char *name, double max_iter);

/* One state's run of a sampler (self its instance): x (dim) in place. */
typedef int (*descent_state_fn)(const void *self, const descent_ctx *c, float *x,
                                const descent_scratch *scratch, basin_outcome *outcome);

/*
 * basin_sampler_iface.run of the three samplers: check the model (see
 * descent_check_model: needs, what), that states and outcome are given and the
 * initial states finite, zero outcome, then run each of the n states (row r is
 * sample first_index + r) through `state` with one scratch and, when the energy
 * has streams (ABI 1.5), a stream of its own, stopping at the first error. Returns 0, the checks' errors, BASIN_ENOMEM or the first run's error.
 * [thread-safe: all state is per call]
 */
int descent_run(const basin_host *host, const basin_model *model, unsigned needs,
                const char *what, float *states, uint64_t n, uint64_t first_index,
                basin_outcome *outcome, descent_state_fn state, const void *self);

#endif

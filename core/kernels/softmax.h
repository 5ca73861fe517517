/*
 * softmax — softmax-weighted averages of stored patterns: one kernel for the
 * empirical (optimal) denoiser of a training set, the modern Hopfield update and
 * the diffusion energy (docs/design.md, Kernels).
 *
 * For a state x and K stored patterns ξ_μ (rows of a K × N matrix),
 *
 *   ℓ_μ(x) = a · x·ξ_μ + b · ‖ξ_μ‖²
 *   w_μ    = softmax_μ(ℓ) = exp(ℓ_μ − max ℓ) / Σ_ν exp(ℓ_ν − max ℓ)
 *   out    = Σ_μ w_μ ξ_μ,      lse = log Σ_μ exp ℓ_μ
 *
 * With a = α/σ², b = −α²/(2σ²) this is the empirical denoiser
 * x̂0 = Σ_μ softmax_μ(−‖x − α ξ_μ‖²/2σ²) ξ_μ (the ‖x‖² term is the same for every μ
 * and cancels), the exact optimal denoiser of the training set (docs/science.md,
 * Empirical score); with a = β, b = 0 it is the modern Hopfield update ξ ← X softmax(β
 * Xᵀ ξ) (Ramsauer et al. 2020). That the two are one computation is the point of
 * Hoover et al. 2023 and Pham et al. 2025.
 *
 * Computed by two SGEMMs per chunk of patterns (logits X_c Ξ_cᵀ, then W_c Ξ_c)
 * with an online, max-subtracted softmax across chunks, so memory stays
 * O(n · chunk) whatever K is: 4·K·N·n flops per call.
 */
#ifndef BASIN_SOFTMAX_H
#define BASIN_SOFTMAX_H

#include <stddef.h>
#include <stdint.h>

#include "nearest.h"

/* Stored patterns and their squared norms. */
typedef struct softmax_memory {
    float *patterns; /* k × dim, owned */
    double *norm2;   /* ‖ξ_μ‖², k, owned */
    double *norm;    /* ‖ξ_μ‖, k, owned (the streams' bounds) */
    uint64_t k;
    uint32_t dim;
} softmax_memory;

/* Copy k patterns (k × dim) into m. Returns 0, or BASIN_ENOMEM / BASIN_EINVAL
   (k == 0, dim == 0, k·dim overflowing, or a non-finite entry). */
int softmax_memory_init(softmax_memory *m, const float *patterns, uint64_t k,
                        uint32_t dim);
void softmax_memory_free(softmax_memory *m);

/*
 * For n states x (n × dim): out (n × dim, may be NULL) = Σ_μ w_μ ξ_μ, and
 * lse[i] (may be NULL) = log Σ_μ exp ℓ_μ(x_i) in double. a and b as above.
 * out may not alias x. Returns 0, BASIN_ENOMEM, or BASIN_ENUMERIC if a logit is
 * not finite (a NaN state, or a, b so large that ℓ overflows).
 * [thread-safe: m is only read] [deterministic]
 */
int softmax_average(const softmax_memory *m, const float *x, uint64_t n, double a,
                    double b, float *out, double *lse);

/*
 * softmax_average(m, x, n, a, b, NULL, lse) and nearest_two_normed(x, n,
 * m->patterns, m->norm2, m->k, m->dim, scale, -1, nn) in one pass over the
 * patterns: one SGEMM per block of states and chunk of patterns instead of two
 * (collapse tracking asks both of every state at every step, with a = α/σ²,
 * b = −α²/2σ², scale = α). The same numbers as the two calls, bit for bit: both
 * kernels block states by 256 and patterns by 1024, the logits' SGEMM (α = 1)
 * gives the float dot products acc, and nearest_two's ranking key is formed from
 * (float)(2 scale)·acc rounded to float — what its SGEMM with that α returns, since
 * a GEMM scales its accumulated product by α with one rounding (tests/kernels
 * check the equality on blocks and chunks with remainders). Returns 0,
 * BASIN_EINVAL, BASIN_ENOMEM, or BASIN_ENUMERIC as softmax_average (nn then
 * undefined). [thread-safe: m is only read] [deterministic]
 */
int softmax_lse_nearest(const softmax_memory *m, const float *x, uint64_t n, double a,
                        double b, double scale, double *lse, nearest2 *nn);

/*
 * Streams: the certified candidate-set path (issue 17). A stream follows n
 * trajectories through successive calls: row r of every call is the same
 * trajectory (a sampler's batch). Per row it keeps the anchor y_a = x/α of the
 * row's last exact call and lower bounds D²_μ ≤ ‖y_a − ξ_μ‖² on the squared
 * distances to every pattern (float; the SGEMM's rounding taken off, softmax.c). At a later
 * call, with y = x/α and δ = ‖y − y_a‖, the triangle inequality gives
 * ‖y − ξ_μ‖ ≥ D_μ − δ, so with c = α²/2σ² the logit of an omitted pattern is at
 * most −c (D_μ − δ)². The candidates C are the patterns whose bound comes within
 * log(2K/ε)/c of the nearest anchor point's distance (computed exactly); their
 * logits are computed directly in double, and the row is *certified* when
 *
 *   Σ_{μ∉C} e^{ℓ_μ} / Σ_{μ∈C} e^{ℓ_μ} ≤ (K − |C|) e^{−c (lb² − d²_min)} / Z_C ≤ ε/2,
 *
 * lb the smallest omitted bound, evaluated at run time (never assumed). Then
 * every output entry is within ε · max_μ,i |ξ_μi| of the exact denoiser's
 * (the omitted mass ω ≤ ε/2 moves the average by ω · (mean_C − mean_O)). A row
 * that is not certified (no anchor yet, |C| > K/32, or the bound too large)
 * falls back to the exact path, which refreshes its anchor. A row whose try
 * failed from a fresh anchor (the posterior itself too wide, not the bounds
 * stale) pauses: its next 3 calls take the exact path without trying, the last of
 * them recording fresh bounds, so a posterior that does not narrow (before
 * collapse) costs little beyond the exact path (softmax.c, PAUSE_CALLS).
 * Decisions are per row and depend only on that row's own history: results are
 * the same whatever thread runs the stream, and the same however the caller's
 * batches are spread over threads as long as the batches themselves are fixed.
 */
typedef struct softmax_stream softmax_stream;

/* Rows × K floats of bounds at most this many bytes: a larger stream is refused
   (BASIN_EINVAL) and the caller stays on the exact path. */
#define SOFTMAX_STREAM_MAX_BYTES ((size_t)1 << 30)

typedef struct softmax_stream_stats {
    uint64_t calls;      /* row evaluations */
    uint64_t tried;      /* of which tried a candidate set (the rest: no anchor yet,
                            or paused) */
    uint64_t certified;  /* of which by a certified candidate set */
    uint64_t exact;      /* of which by the exact path */
    uint64_t candidates; /* Σ |C| over the certified ones */
} softmax_stream_stats;

/* A stream of n rows on m (which must outlive it) with tolerance eps ∈ (0, 1).
   Returns 0, BASIN_EINVAL (n = 0, eps outside, more than SOFTMAX_STREAM_MAX_BYTES
   of bounds), BASIN_ENOMEM. */
int softmax_stream_open(const softmax_memory *m, uint64_t n, double eps,
                        softmax_stream **s);
void softmax_stream_close(softmax_stream *s);

/*
 * The empirical denoiser out = Σ_μ softmax_μ(−‖x − α ξ_μ‖²/2σ²) ξ_μ for the
 * stream's n rows (n must be the stream's), 0 < α < ∞, 0 < σ ≤ ∞: softmax_average
 * with a = α/σ², b = −α²/2σ², each row either certified within ε·max|ξ| of it
 * (above) or computed by it. When no row is certified (the first call, say) the
 * bytes are softmax_average's. Returns 0, BASIN_EINVAL, BASIN_ENOMEM,
 * BASIN_ENUMERIC. [one thread at a time per stream] [deterministic]
 */
int softmax_stream_average(softmax_stream *s, const float *x, uint64_t n, double alpha,
                           double sigma, float *out);

/*
 * softmax_lse_nearest(m, x, n, α/σ², −α²/2σ², α, lse, nn) for the stream's n rows
 * (collapse tracking's posterior), 0 < α, σ < ∞, by the same candidate sets: a
 * row is certified when the omitted share of the posterior mass is proved below
 * ε/2 (as above), so lse[r] is within ε/2 of the exact value, and when every
 * omitted point is proved farther from y than the second nearest candidate, so
 * nn[r] holds the true nearest two (ranked by their distances in double; the
 * exact path ranks by its float SGEMM key, so the two agree up to a tie within
 * float rounding) with nearest_finish's distances. The set reaches at least as
 * far as the row's second nearest at its previous call. Rows that fall back are
 * softmax_lse_nearest's numbers. Returns 0, BASIN_EINVAL, BASIN_ENOMEM,
 * BASIN_ENUMERIC. A stream serves either this or softmax_stream_average, not both.
 * [one thread at a time per stream] [deterministic]
 */
int softmax_stream_lse_nearest(softmax_stream *s, const float *x, uint64_t n,
                               double alpha, double sigma, double *lse, nearest2 *nn);

/*
 * softmax_average(m, x, n, α/σ², −α²/2σ², NULL, lse) for the stream's n rows, by
 * the same candidate sets (0 < α, σ < ∞): a row is certified when the omitted
 * share of the posterior mass is proved below ε/2, so lse[r] is within ε/2 of the
 * exact value; rows that fall back are softmax_average's numbers. May be mixed
 * with softmax_stream_average on one stream (the diffusion energy asks both of
 * the same state). Returns 0, BASIN_EINVAL, BASIN_ENOMEM, BASIN_ENUMERIC.
 * [one thread at a time per stream] [deterministic]
 */
int softmax_stream_lse(softmax_stream *s, const float *x, uint64_t n, double alpha,
                       double sigma, double *lse);

/* The stream's number of rows. */
uint64_t softmax_stream_rows(const softmax_stream *s);

/* The counts so far. */
void softmax_stream_get_stats(const softmax_stream *s, softmax_stream_stats *out);

/* 1 if row r of the last call was certified (0: computed exactly, or no call yet). */
int softmax_stream_row_certified(const softmax_stream *s, uint64_t r);

#endif

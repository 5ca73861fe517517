/*
 * mlp_net — the network of scores/mlp: a multilayer perceptron with SiLU
 * activations, its forward and backward passes through BLAS SGEMM, a Fourier
 * embedding of the noise level, and the Adam optimizer.
 *
 * Layout. depth hidden layers of `width` units and a linear output layer of `dim`
 * units; the input is the preconditioned state c_in·x (dim entries) followed by
 * the noise embedding (embed entries), n_in = dim + embed. Layer l maps
 * fan_in(l) → fan_out(l) by z = W_l a + b_l with W_l row-major fan_out × fan_in;
 * hidden layers apply silu(z) = z·sigmoid(z). All weights and biases live in one
 * float array, layer by layer (W_0, b_0, W_1, b_1, ...): the checkpoint stores it
 * as is.
 *
 * Batches are row-major B × features; a layer is one SGEMM Z = A Wᵀ (plus the
 * bias), the backward pass two more (dW = dZᵀ A, dA = dZ W).
 *
 * Residual layout (shape.resnet = 1, the network of Bonnaire, Urfin, Biroli &
 * Mézard 2025, arXiv:2505.17638, for their Gaussian mixtures): an input layer
 * h₀ = W_in a + b_in (n_in → width), depth pre-norm residual blocks
 *   h_{k+1} = h_k + W2_k gelu(W1_k LN_k(h_k) + b1_k) + b2_k   (width → width → width),
 * a final LayerNorm and a linear output layer, out = W_out LN_f(h_depth) + b_out.
 * LN(h) = g ⊙ (h − mean h)/√(var h + LN_EPS) + β over a row's width features
 * (Ba, Kiros & Hinton 2016, arXiv:1607.06450), gelu(z) = z Φ(z) with Φ the
 * standard normal CDF (Hendrycks & Gimpel 2016, arXiv:1606.08415; PyTorch's
 * exact nn.GELU). Parameters in order: W_in, b_in, then per block g_k, β_k, W1_k,
 * b1_k, W2_k, b2_k, then g_f, β_f, W_out, b_out.
 */
#ifndef BASIN_MLP_NET_H
#define BASIN_MLP_NET_H

#include <stddef.h>
#include <stdint.h>

#define MLP_MAX_DEPTH 8

typedef struct mlp_shape {
    uint32_t dim;    /* N: input state and output size */
    uint32_t width;  /* hidden units per layer */
    uint32_t depth;  /* hidden layers, 1..MLP_MAX_DEPTH */
    uint32_t embed;  /* noise-embedding features, even, >= 2 */
    uint32_t resnet; /* 0: depth SiLU layers; 1: depth residual blocks (above) */
} mlp_shape;

#define MLP_LN_EPS 1e-5f

typedef struct mlp_layout {
    mlp_shape shape;
    uint32_t n_layers; /* depth + 1 */
    uint32_t fan_in[MLP_MAX_DEPTH + 1], fan_out[MLP_MAX_DEPTH + 1];
    size_t w_offset[MLP_MAX_DEPTH + 1], b_offset[MLP_MAX_DEPTH + 1];
    size_t n_params; /* floats in the parameter array */
    uint32_t widest; /* the largest fan_out (resnet: 2 max(width, dim), the
                        scratch rows of mlp_forward_light) */
    /* resnet: offsets of the input layer (w_offset[0], b_offset[0]), the blocks'
       LayerNorm gain and shift, their two layers, the final LayerNorm, and the
       output layer (w_offset[1], b_offset[1]). */
    size_t ln_g[MLP_MAX_DEPTH + 1], ln_b[MLP_MAX_DEPTH + 1]; /* [depth]: final */
    size_t w1[MLP_MAX_DEPTH], b1[MLP_MAX_DEPTH], w2[MLP_MAX_DEPTH], b2[MLP_MAX_DEPTH];
} mlp_layout;

/* The layout of a shape. Returns 0, or -1 if a size is out of range or the
   parameter count overflows. */
int mlp_layout_init(mlp_layout *L, mlp_shape shape);

/*
 * The noise embedding of c_noise (Karras et al. 2022, arXiv:2206.00364, Table 1:
 * c_noise = ¼ ln σ) into out[0..embed): pairs (cos ω_k c, sin ω_k c) with
 * frequencies ω_k = 32^(k/(h−1)) for k < h = embed/2 (ω_0 = 1 when h = 1), the
 * geometric ladder of positional embeddings spanning c_noise ∈ [−2, 2] (σ from
 * 3·10⁻⁴ to 3000) at resolutions from the whole range down to ~0.2 in c_noise.
 * [thread-safe]
 */
void mlp_embed(uint32_t embed, double c_noise, float *out);

/* Activations of one batch of at most `rows` rows: what backward needs. */
typedef struct mlp_work {
    size_t rows;
    float *z[MLP_MAX_DEPTH + 1]; /* pre-activations, rows × fan_out */
    float *a[MLP_MAX_DEPTH];     /* silu(z) of the hidden layers */
    float *da[MLP_MAX_DEPTH];    /* silu'(z) of the hidden layers (for backward) */
    float *d0, *d1;              /* backward scratch, rows × widest */
    /* resnet: the residual stream h_k (k ≤ depth), the normalized x̂_k and
       1/√(var + eps) of each LayerNorm ([depth]: the final one), the blocks'
       LN outputs u_k, pre-activations z1_k and gelu(z1_k), the final LN output. */
    float *h[MLP_MAX_DEPTH + 1], *xhat[MLP_MAX_DEPTH + 1], *rstd[MLP_MAX_DEPTH + 1];
    float *u[MLP_MAX_DEPTH], *z1[MLP_MAX_DEPTH], *a1[MLP_MAX_DEPTH], *f;
    float *d2; /* backward scratch, rows × widest */
} mlp_work;

/* Allocate for up to rows rows. Returns 0 or -1 (out of memory; nothing held). */
int mlp_work_init(mlp_work *w, const mlp_layout *L, size_t rows);
void mlp_work_free(mlp_work *w);

/*
 * Forward pass of n ≤ w->rows rows of input (n × n_in) under params. Returns the
 * output, n × dim, inside w (valid until the next call on w). [thread-safe on
 * distinct w]
 */
const float *mlp_forward(const mlp_layout *L, const float *params, const float *input,
                         size_t n, mlp_work *w);

/*
 * Forward pass without keeping activations (denoising): n rows of input (n × n_in)
 * through two scratch buffers of n × widest floats each. Returns the output
 * (n × dim), which lies in one of the buffers. [thread-safe on distinct buffers]
 */
const float *mlp_forward_light(const mlp_layout *L, const float *params,
                               const float *input, size_t n, float *buf0, float *buf1);

/*
 * Backward pass after mlp_forward(L, params, input, n, w): given dOut = ∂loss/∂out
 * (n × dim), writes ∂loss/∂params into grad (n_params floats, overwritten).
 */
void mlp_backward(const mlp_layout *L, const float *params, const float *input, size_t n,
                  mlp_work *w, const float *d_out, float *grad);

/*
 * The training update of n parameters in one pass over memory: g = the sum of
 * n_grads ≥ 1 gradients added left to right ((grads[0] + grads[1]) + …); one Adam
 * step (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1) with it:
 * m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², θ ← θ − lr m̂ /(√v̂ + ε) with the bias
 * corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), t counting from 1; then, when avg
 * is not NULL, the EMA avg ← d avg + (1 − d) θ of the new θ (d = ema). The same
 * bits as the sum, the Adam step and the EMA done one after another, element by
 * element in float.
 */
void mlp_train_update(float *params, const float *const *grads, size_t n_grads, float *m,
                      float *v, float *avg, float ema, size_t n, double lr, double beta1,
                      double beta2, double eps, uint64_t t);

#endif

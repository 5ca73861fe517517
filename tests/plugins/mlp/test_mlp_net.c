/*
 * test_mlp_net — the network of scores/mlp (plugins/scores/mlp_net.h): the
 * backward pass against central finite differences, the Adam step against its
 * formula, and the embedding.
 *
 * Gradient check. Loss L(θ) = Σ_{r,i} c_ri F_ri(θ) with fixed random c, so
 * ∂L/∂F = c and backward's output is ∂L/∂θ. The finite difference
 * (L(θ + h e_j) − L(θ − h e_j)) / 2h is computed with the float forward pass and
 * the sum in double, at h = 1e-2 on weights of size ~1/√fan_in:
 *   truncation  h² |L'''| / 6  ~ 1e-4 · |∂L/∂θ| scale (SiLU is smooth, |silu'''|
 *               ≤ 0.5 and the weights are O(1)),
 *   rounding    the float forward's error on L, ~ u · Σ|c F| ≈ 6e-8 · 20 = 1.2e-6,
 *               divided by 2h: ~6e-5.
 * So |fd − bp| ≤ 2e-3 · max(|bp|, 0.05) (1e-2 for the residual network: see
 * gradient_check) holds with a wide margin, and a wrong
 * transpose, a missing activation derivative or a bias error (all O(|bp|))
 * breaks it. Every parameter of a small network (dim 3, width 5, depth 3,
 * embed 4: 118 parameters) is checked in float, then a network in a
 * second configuration (depth 1: 44 parameters).
 *
 * Cases (--list): mlp_net_gradient_depth3, mlp_net_gradient_depth1, mlp_net_adam,
 * mlp_net_train_update, mlp_net_embedding; one alone: build/tests/plugins/mlp/test-mlp-net mlp_net_adam.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mlp_net.h"

/* A reproducible uniform in [-1, 1). */
static double uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*state >> 11) * 0x1p-52 - 1.0;
}

static double loss_of(const mlp_layout *L, const float *params, const float *input,
                      size_t n, mlp_work *w, const float *c)
{
    const float *out = mlp_forward(L, params, input, n, w);
    double sum = 0;
    for (size_t i = 0; i < n * L->shape.dim; i++)
        sum += (double)c[i] * out[i];
    return sum;
}

static void gradient_check(mlp_shape shape, size_t n, uint64_t seed)
{
    mlp_layout L;
    ASSERT_EQ(mlp_layout_init(&L, shape), 0);
    const size_t n_in = shape.dim + shape.embed, P = L.n_params;
    float *params = malloc(P * sizeof *params), *grad = malloc(P * sizeof *grad);
    float *input = malloc(n * n_in * sizeof *input);
    float *c = malloc(n * shape.dim * sizeof *c);
    uint64_t st = seed;
    if (shape.resnet) {
        /* every weight ~1/√width, LayerNorm gains near 1 */
        for (size_t j = 0; j < P; j++)
            params[j] = (float)(1.5 * uniform(&st) / sqrt(shape.width));
        for (uint32_t k = 0; k <= shape.depth; k++)
            for (size_t i = 0; i < shape.width; i++)
                params[L.ln_g[k] + i] = (float)(1 + 0.3 * uniform(&st));
    }
    for (uint32_t l = 0; l < L.n_layers; l++) {
        for (size_t i = 0; i < (size_t)L.fan_in[l] * L.fan_out[l]; i++)
            params[L.w_offset[l] + i] = (float)(1.5 * uniform(&st) / sqrt(L.fan_in[l]));
        for (size_t i = 0; i < L.fan_out[l]; i++)
            params[L.b_offset[l] + i] = (float)(0.5 * uniform(&st));
    }
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < shape.dim; i++)
            input[r * n_in + i] = (float)(2 * uniform(&st));
        mlp_embed(shape.embed, 0.5 * uniform(&st), input + r * n_in + shape.dim);
    }
    for (size_t i = 0; i < n * shape.dim; i++)
        c[i] = (float)uniform(&st);
    mlp_work w;
    ASSERT_EQ(mlp_work_init(&w, &L, n), 0);
    mlp_forward(&L, params, input, n, &w);
    mlp_backward(&L, params, input, n, &w, c, grad);
    const float h = 1e-2f;
    /* The residual network's LayerNorms over few features (width 5, 6) have larger
       third derivatives: its worst error is 5.5e-3 at h = 1e-2 and 2.9e-3 at
       h = 3e-3 (where rounding, ~4e-3 of 0.05, takes over), so 1e-2 there; a wrong
       or missing term of a derivative is off by O(|bp|), tens of percent. */
    const double tol = shape.resnet ? 1e-2 : 2e-3;
    int bad = 0;
    double worst = 0;
    for (size_t j = 0; j < P; j++) {
        const float keep = params[j];
        params[j] = keep + h;
        const double up = loss_of(&L, params, input, n, &w, c);
        params[j] = keep - h;
        const double down = loss_of(&L, params, input, n, &w, c);
        params[j] = keep;
        /* The step actually taken in float: (keep + h) − (keep − h). */
        const double step = (double)(keep + h) - (double)(keep - h);
        const double fd = (up - down) / step, bp = grad[j];
        const double err = fabs(fd - bp) / fmax(fabs(bp), 0.05);
        worst = fmax(worst, err);
        if (err > tol && bad++ < 5)
            EXPECT_MSG(err <= tol, "parameter %zu: backward %.7g, finite difference %.7g",
                       j, bp, fd);
    }
    EXPECT_MSG(bad == 0, "%d of %zu gradients off (depth %u%s), worst relative %.2g", bad,
               P, shape.depth, shape.resnet ? ", resnet" : "", worst);
    printf("# gradient check depth %u%s: %zu parameters, worst relative error %.2g\n",
           shape.depth, shape.resnet ? " resnet" : "", P, worst);
    mlp_work_free(&w);
    free(params);
    free(grad);
    free(input);
    free(c);
}

TEST_IMPL(mlp_net_gradient_depth3)
{
    gradient_check((mlp_shape){3, 5, 3, 4, 0}, 7, 1);
}

TEST_IMPL(mlp_net_gradient_depth1)
{
    gradient_check((mlp_shape){2, 6, 1, 2, 0}, 4, 2);
}

/* The residual network (LayerNorm, GELU, skip connections), two and one blocks:
   every parameter, including the LayerNorm gains and shifts. */
TEST_IMPL(mlp_net_gradient_resnet)
{
    gradient_check((mlp_shape){3, 5, 2, 4, 1}, 7, 3);
    gradient_check((mlp_shape){2, 6, 1, 2, 1}, 4, 4);
}

/* The light forward pass (denoising) gives the training forward's outputs. */
TEST_IMPL(mlp_net_resnet_light)
{
    mlp_layout L;
    ASSERT_EQ(mlp_layout_init(&L, (mlp_shape){3, 5, 2, 4, 1}), 0);
    EXPECT_EQ(L.n_params,
              (7 * 5 + 5) + 2 * (2 * 5 + 2 * (5 * 5 + 5)) + 2 * 5 + (5 * 3 + 3));
    enum { ROWS = 6 };
    float *params = malloc(L.n_params * sizeof *params), input[ROWS * 7];
    float buf0[ROWS * 10], buf1[ROWS * 10];
    uint64_t st = 9;
    for (size_t j = 0; j < L.n_params; j++)
        params[j] = (float)uniform(&st);
    for (size_t i = 0; i < ROWS * 7; i++)
        input[i] = (float)uniform(&st);
    mlp_work w;
    ASSERT_EQ(mlp_work_init(&w, &L, ROWS), 0);
    const float *a = mlp_forward(&L, params, input, ROWS, &w);
    const float *b = mlp_forward_light(&L, params, input, ROWS, buf0, buf1);
    EXPECT_MSG(memcmp(a, b, ROWS * 3 * sizeof *a) == 0, "light and full forward differ");
    mlp_work_free(&w);
    free(params);
}

/* Adam's first step moves every parameter by lr · sign(g) (m̂ = g, v̂ = g²). */
TEST_IMPL(mlp_net_adam)
{
    float p[3] = {1, 2, 3}, g[3] = {0.5f, -2, 1e-3f}, m[3] = {0}, v[3] = {0};
    const float *grads[1] = {g};
    mlp_train_update(p, grads, 1, m, v, NULL, 0, 3, 0.1, 0.9, 0.999, 1e-8, 1);
    /* |g| ≫ ε: the step is lr·g/(|g| + ε) = lr·sign(g) to 1e-5 relative. */
    EXPECT_NEAR(p[0], 0.9f, 1e-6f);
    EXPECT_NEAR(p[1], 2.1f, 1e-6f);
    EXPECT_NEAR(p[2], 2.9f, 2e-6f);
    /* A second step with the same gradient: m̂ = g, v̂ = g² again. */
    mlp_train_update(p, grads, 1, m, v, NULL, 0, 3, 0.1, 0.9, 0.999, 1e-8, 2);
    EXPECT_NEAR(p[0], 0.8f, 2e-6f);
}

/* mlp_train_update against the three passes it fuses, element by element in
   plain float (the shards' sum left to right, the Adam step, the EMA): the same
   bits, for 3 gradients and 19 parameters (two packed blocks and a tail), over
   three steps. */
TEST_IMPL(mlp_net_train_update)
{
    enum { N = 19, S = 3 };
    float p[N], m[N] = {0}, v[N] = {0}, avg[N], gbuf[S][N];
    float rp[N], rm[N] = {0}, rv[N] = {0}, ravg[N];
    uint64_t st = 7;
    for (size_t i = 0; i < N; i++)
        p[i] = rp[i] = avg[i] = ravg[i] = (float)uniform(&st);
    const float d = 0.99f;
    for (uint64_t t = 1; t <= 3; t++) {
        const float *g[S];
        for (size_t s = 0; s < S; s++) {
            for (size_t i = 0; i < N; i++)
                gbuf[s][i] = (float)(1e-2 * uniform(&st));
            g[s] = gbuf[s];
        }
        mlp_train_update(p, g, S, m, v, avg, d, N, 1e-3, 0.9, 0.999, 1e-8, t);
        const double c1 = 1 - pow(0.9, (double)t), c2 = 1 - pow(0.999, (double)t);
        const float step = (float)(1e-3 / c1), inv_c2 = (float)(1 / c2);
        for (size_t i = 0; i < N; i++) {
            float gi = gbuf[0][i];
            for (size_t s = 1; s < S; s++)
                gi += gbuf[s][i];
            rm[i] = 0.9f * rm[i] + (1 - 0.9f) * gi;
            rv[i] = 0.999f * rv[i] + (1 - 0.999f) * gi * gi;
            rp[i] -= step * rm[i] / (sqrtf(rv[i] * inv_c2) + 1e-8f);
            ravg[i] = d * ravg[i] + (1 - d) * rp[i];
        }
        EXPECT_MSG(memcmp(p, rp, sizeof p) == 0 && memcmp(m, rm, sizeof m) == 0 &&
                       memcmp(v, rv, sizeof v) == 0 && memcmp(avg, ravg, sizeof avg) == 0,
                   "the fused update differs from the separate passes at step %d",
                   (int)t);
    }
}

TEST_IMPL(mlp_net_embedding)
{
    float e[8];
    mlp_embed(8, 0.0, e);
    /* embed(0): cos 1, sin 0. */
    EXPECT_NEAR(e[0], 1, 0);
    EXPECT_NEAR(e[1], 0, 0);
    EXPECT_NEAR(e[6], 1, 0);
    EXPECT_NEAR(e[7], 0, 0);
    mlp_embed(8, 0.3, e);
    /* ω_0 = 1, ω_3 = 32 for h = 4. */
    EXPECT_NEAR(e[0], cosf(0.3f), 1e-6f);
    EXPECT_NEAR(e[7], (float)sin(32 * 0.3), 1e-6f);
    mlp_layout L;
    EXPECT_NE(mlp_layout_init(&L, (mlp_shape){3, 5, 2, 3, 0}), 0); /* odd embedding */
    EXPECT_NE(mlp_layout_init(&L, (mlp_shape){3, 5, 0, 4, 0}), 0); /* depth 0 */
    EXPECT_NE(mlp_layout_init(&L, (mlp_shape){3, 5, MLP_MAX_DEPTH + 1, 4, 0}), 0);
    ASSERT_EQ(mlp_layout_init(&L, (mlp_shape){3, 5, 2, 4, 0}), 0);
    EXPECT_EQ(L.n_params, (7 * 5 + 5) + (5 * 5 + 5) + (5 * 3 + 3));
}

TEST_LIST_BEGIN
TEST_ENTRY(mlp_net_gradient_depth3)
TEST_ENTRY(mlp_net_gradient_depth1)
TEST_ENTRY(mlp_net_gradient_resnet)
TEST_ENTRY(mlp_net_resnet_light)
TEST_ENTRY(mlp_net_adam)
TEST_ENTRY(mlp_net_train_update)
TEST_ENTRY(mlp_net_embedding)
TEST_LIST_END

/* mlp_net — see mlp_net.h. */
#include "mlp_net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reserve n floats at *total: their offset, or SIZE_MAX on overflow. */
static size_t reserve(size_t *total, size_t n)
{
    if (*total == SIZE_MAX || n > SIZE_MAX / 8 - *total) {
        *total = SIZE_MAX;
        return SIZE_MAX;
    }
    const size_t at = *total;
    *total += n;
    return at;
}

/* The residual layout (mlp_net.h). */
static int resnet_layout(mlp_layout *L, mlp_shape s)
{
    const size_t W = s.width, n_in = (size_t)s.dim + s.embed;
    size_t total = 0;
    L->n_layers = 2;
    L->fan_in[0] = s.dim + s.embed;
    L->fan_out[0] = s.width;
    L->fan_in[1] = s.width;
    L->fan_out[1] = s.dim;
    L->w_offset[0] = reserve(&total, W * n_in);
    L->b_offset[0] = reserve(&total, W);
    for (uint32_t k = 0; k < s.depth; k++) {
        L->ln_g[k] = reserve(&total, W);
        L->ln_b[k] = reserve(&total, W);
        L->w1[k] = reserve(&total, W * W);
        L->b1[k] = reserve(&total, W);
        L->w2[k] = reserve(&total, W * W);
        L->b2[k] = reserve(&total, W);
    }
    L->ln_g[s.depth] = reserve(&total, W);
    L->ln_b[s.depth] = reserve(&total, W);
    L->w_offset[1] = reserve(&total, (size_t)s.dim * W);
    L->b_offset[1] = reserve(&total, s.dim);
    if (total == SIZE_MAX)
        return -1;
    L->n_params = total;
    L->widest = 2 * (s.width > s.dim ? s.width : s.dim);
    return 0;
}

int mlp_layout_init(mlp_layout *L, mlp_shape s)
{
    memset(L, 0, sizeof *L);
    if (s.dim == 0 || s.width == 0 || s.depth == 0 || s.depth > MLP_MAX_DEPTH ||
        s.embed < 2 || s.embed % 2 != 0 || s.dim > (1u << 24) || s.width > (1u << 24) ||
        s.embed > (1u << 16) || s.resnet > 1)
        return -1;
    L->shape = s;
    if (s.resnet)
        return resnet_layout(L, s);
    L->n_layers = s.depth + 1;
    size_t total = 0;
    for (uint32_t l = 0; l < L->n_layers; l++) {
        L->fan_in[l] = l == 0 ? s.dim + s.embed : s.width;
        L->fan_out[l] = l == s.depth ? s.dim : s.width;
        const size_t nw = (size_t)L->fan_in[l] * L->fan_out[l];
        if (nw / L->fan_in[l] != L->fan_out[l] || total > SIZE_MAX / 8 - nw)
            return -1;
        L->w_offset[l] = total;
        total += nw;
        L->b_offset[l] = total;
        total += L->fan_out[l];
        if (L->fan_out[l] > L->widest)
            L->widest = L->fan_out[l];
    }
    L->n_params = total;
    return 0;
}

void mlp_embed(uint32_t embed, double c_noise, float *out)
{
    const uint32_t h = embed / 2;
    for (uint32_t k = 0; k < h; k++) {
        const double omega = h > 1 ? pow(32.0, (double)k / (double)(h - 1)) : 1.0;
        out[2 * k] = (float)cos(omega * c_noise);
        out[2 * k + 1] = (float)sin(omega * c_noise);
    }
}

int mlp_work_init(mlp_work *w, const mlp_layout *L, size_t rows)
{
    memset(w, 0, sizeof *w);
    w->rows = rows;
    int ok = rows > 0 && rows <= SIZE_MAX / sizeof(float) / L->widest;
    for (uint32_t l = 0; ok && l < L->n_layers; l++) {
        w->z[l] = malloc(rows * L->fan_out[l] * sizeof(float));
        ok = w->z[l] != NULL;
        if (ok && l + 1 < L->n_layers) {
            w->a[l] = malloc(rows * L->fan_out[l] * sizeof(float));
            w->da[l] = malloc(rows * L->fan_out[l] * sizeof(float));
            ok = w->a[l] != NULL && w->da[l] != NULL;
        }
    }
    if (ok) {
        w->d0 = malloc(rows * L->widest * sizeof(float));
        w->d1 = malloc(rows * L->widest * sizeof(float));
        ok = w->d0 != NULL && w->d1 != NULL;
    }
    const size_t width = L->shape.width, depth = L->shape.depth;
    for (size_t k = 0; ok && L->shape.resnet && k <= depth; k++) {
        w->h[k] = malloc(rows * width * sizeof(float));
        w->xhat[k] = malloc(rows * width * sizeof(float));
        w->rstd[k] = malloc(rows * sizeof(float));
        ok = w->h[k] && w->xhat[k] && w->rstd[k];
        if (ok && k < depth) {
            w->u[k] = malloc(rows * width * sizeof(float));
            w->z1[k] = malloc(rows * width * sizeof(float));
            w->a1[k] = malloc(rows * width * sizeof(float));
            ok = w->u[k] && w->z1[k] && w->a1[k];
        }
    }
    if (ok && L->shape.resnet) {
        w->f = malloc(rows * width * sizeof(float));
        w->d2 = malloc(rows * L->widest * sizeof(float));
        ok = w->f && w->d2;
    }
    if (!ok) {
        mlp_work_free(w);
        return -1;
    }
    return 0;
}

void mlp_work_free(mlp_work *w)
{
    for (int l = 0; l <= MLP_MAX_DEPTH; l++) {
        free(w->z[l]);
        if (l < MLP_MAX_DEPTH) {
            free(w->a[l]);
            free(w->da[l]);
        }
    }
    free(w->d0);
    free(w->d1);
    for (int k = 0; k <= MLP_MAX_DEPTH; k++) {
        free(w->h[k]);
        free(w->xhat[k]);
        free(w->rstd[k]);
        if (k < MLP_MAX_DEPTH) {
            free(w->u[k]);
            free(w->z1[k]);
            free(w->a1[k]);
        }
    }
    free(w->f);
    free(w->d2);
    memset(w, 0, sizeof *w);
}

/* silu(z) = z σ(z), σ the logistic function. */
static inline float silu(float z)
{
    return z / (1.0f + expf(-z));
}

#define SILU_LANES 8

/* act = silu(z) and da = silu'(z) = σ(z) (1 + z (1 − σ(z))) of n entries from one
   expf each: the expf calls first (libm's, as silu's), then the divisions in blocks
   of SILU_LANES that GCC's SLP vectorizer packs at -O2 — the same IEEE operations
   per entry as silu(z) and the derivative computed on their own, so the same bits. */
static void silu_and_grad(const float *z, size_t n, float *act, float *da)
{
    for (size_t i = 0; i < n; i++)
        da[i] = 1.0f + expf(-z[i]); /* e, kept in da until its block is done */
    size_t i = 0;
    for (; i + SILU_LANES <= n; i += SILU_LANES) {
        float zz[SILU_LANES], e[SILU_LANES], a[SILU_LANES], g[SILU_LANES];
        for (size_t l = 0; l < SILU_LANES; l++) {
            zz[l] = z[i + l];
            e[l] = da[i + l];
        }
        for (size_t l = 0; l < SILU_LANES; l++) {
            const float sg = 1.0f / e[l];
            a[l] = zz[l] / e[l];
            g[l] = sg * (1.0f + zz[l] * (1.0f - sg));
        }
        for (size_t l = 0; l < SILU_LANES; l++) {
            act[i + l] = a[l];
            da[i + l] = g[l];
        }
    }
    for (; i < n; i++) {
        const float e = da[i], sg = 1.0f / e;
        act[i] = z[i] / e;
        da[i] = sg * (1.0f + z[i] * (1.0f - sg));
    }
}

/* ------------------------------------------------------------ residual network */

/* gelu(z) = z Φ(z) = ½ z (1 + erf(z/√2)). */
static inline float gelu(float z)
{
    return 0.5f * z * (1.0f + erff(z * 0.70710678f));
}

/* gelu'(z) = Φ(z) + z φ(z). */
static inline float gelu_grad(float z)
{
    return 0.5f * (1.0f + erff(z * 0.70710678f)) + z * 0.39894228f * expf(-0.5f * z * z);
}

/* Z = A Wᵀ + 1 bᵀ: n rows of `in` features to `out` (Z may not alias A). */
static void linear(const float *A, size_t n, int in, int out, const float *W,
                   const float *b, float *Z)
{
    for (size_t r = 0; r < n; r++)
        memcpy(Z + r * (size_t)out, b, (size_t)out * sizeof *Z);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, out, in, 1.0f, A, in, W,
                in, 1.0f, Z, out);
}

/* y = g ⊙ x̂ + β, x̂ = (h − mean)/√(var + eps) per row of W features (mean and
   variance in double); x̂ and rstd kept when non-NULL. y may not alias h. */
static void layer_norm(const float *h, size_t n, size_t W, const float *g,
                       const float *beta, float *xhat, float *rstd, float *y)
{
    for (size_t r = 0; r < n; r++) {
        const float *x = h + r * W;
        double mean = 0, var = 0;
        for (size_t i = 0; i < W; i++)
            mean += x[i];
        mean /= (double)W;
        for (size_t i = 0; i < W; i++)
            var += ((double)x[i] - mean) * ((double)x[i] - mean);
        var /= (double)W;
        const float rs = (float)(1 / sqrt(var + MLP_LN_EPS)), m = (float)mean;
        if (rstd)
            rstd[r] = rs;
        for (size_t i = 0; i < W; i++) {
            const float xh = (x[i] - m) * rs;
            if (xhat)
                xhat[r * W + i] = xh;
            y[r * W + i] = g[i] * xh + beta[i];
        }
    }
}

/* Backward of layer_norm for dy (n × W): dg and dβ (W each, overwritten) and dx
   added into dx (n × W): dx = rstd (dx̂ − mean dx̂ − x̂ mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ g. */
static void layer_norm_backward(const float *dy, size_t n, size_t W, const float *g,
                                const float *xhat, const float *rstd, float *dg,
                                float *dbeta, float *dx)
{
    memset(dg, 0, W * sizeof *dg);
    memset(dbeta, 0, W * sizeof *dbeta);
    for (size_t r = 0; r < n; r++) {
        const float *d = dy + r * W, *xh = xhat + r * W;
        double m1 = 0, m2 = 0;
        for (size_t i = 0; i < W; i++) {
            dg[i] += d[i] * xh[i];
            dbeta[i] += d[i];
            const double dxh = (double)d[i] * g[i];
            m1 += dxh;
            m2 += dxh * xh[i];
        }
        m1 /= (double)W;
        m2 /= (double)W;
        for (size_t i = 0; i < W; i++)
            dx[r * W + i] += (float)(rstd[r] * ((double)d[i] * g[i] - m1 - xh[i] * m2));
    }
}

/* db = column sums of dZ (n × out), row by row in float (see mlp_backward). */
static void column_sums(const float *dz, size_t n, size_t out, float *db)
{
    memcpy(db, dz, out * sizeof *db);
    for (size_t r = 1; r < n; r++)
        for (size_t j = 0; j < out; j++)
            db[j] += dz[r * out + j];
}

static const float *resnet_forward(const mlp_layout *L, const float *P,
                                   const float *input, size_t n, mlp_work *w)
{
    const size_t W = L->shape.width, depth = L->shape.depth;
    const int iw = (int)W;
    linear(input, n, (int)L->fan_in[0], iw, P + L->w_offset[0], P + L->b_offset[0],
           w->h[0]);
    for (size_t k = 0; k < depth; k++) {
        layer_norm(w->h[k], n, W, P + L->ln_g[k], P + L->ln_b[k], w->xhat[k], w->rstd[k],
                   w->u[k]);
        linear(w->u[k], n, iw, iw, P + L->w1[k], P + L->b1[k], w->z1[k]);
        for (size_t i = 0; i < n * W; i++)
            w->a1[k][i] = gelu(w->z1[k][i]);
        /* h_{k+1} = h_k + b2 + a W2ᵀ */
        const float *b2 = P + L->b2[k];
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < W; i++)
                w->h[k + 1][r * W + i] = w->h[k][r * W + i] + b2[i];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, iw, iw, 1.0f,
                    w->a1[k], iw, P + L->w2[k], iw, 1.0f, w->h[k + 1], iw);
    }
    layer_norm(w->h[depth], n, W, P + L->ln_g[depth], P + L->ln_b[depth], w->xhat[depth],
               w->rstd[depth], w->f);
    linear(w->f, n, iw, (int)L->shape.dim, P + L->w_offset[1], P + L->b_offset[1],
           w->z[1]);
    return w->z[1];
}

static const float *resnet_forward_light(const mlp_layout *L, const float *P,
                                         const float *input, size_t n, float *buf0,
                                         float *buf1)
{
    const size_t W = L->shape.width, depth = L->shape.depth, half = n * (L->widest / 2);
    const int iw = (int)W;
    float *h = buf0, *u = buf1, *z = buf1 + half;
    linear(input, n, (int)L->fan_in[0], iw, P + L->w_offset[0], P + L->b_offset[0], h);
    for (size_t k = 0; k < depth; k++) {
        layer_norm(h, n, W, P + L->ln_g[k], P + L->ln_b[k], NULL, NULL, u);
        linear(u, n, iw, iw, P + L->w1[k], P + L->b1[k], z);
        for (size_t i = 0; i < n * W; i++)
            z[i] = gelu(z[i]);
        const float *b2 = P + L->b2[k];
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < W; i++)
                h[r * W + i] += b2[i];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, iw, iw, 1.0f, z, iw,
                    P + L->w2[k], iw, 1.0f, h, iw);
    }
    layer_norm(h, n, W, P + L->ln_g[depth], P + L->ln_b[depth], NULL, NULL, u);
    linear(u, n, iw, (int)L->shape.dim, P + L->w_offset[1], P + L->b_offset[1], z);
    return z;
}

static void resnet_backward(const mlp_layout *L, const float *P, const float *input,
                            size_t n, mlp_work *w, const float *d_out, float *grad)
{
    const size_t W = L->shape.width, depth = L->shape.depth, dim = L->shape.dim;
    const int iw = (int)W;
    float *dh = w->d1, *da = w->d0, *du = w->d2;
    /* output layer: dW_out = dOutᵀ f, db_out, df = dOut W_out */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)dim, iw, (int)n, 1.0f,
                d_out, (int)dim, w->f, iw, 0.0f, grad + L->w_offset[1], iw);
    column_sums(d_out, n, dim, grad + L->b_offset[1]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, iw, (int)dim, 1.0f,
                d_out, (int)dim, P + L->w_offset[1], iw, 0.0f, du, iw);
    memset(dh, 0, n * W * sizeof *dh);
    layer_norm_backward(du, n, W, P + L->ln_g[depth], w->xhat[depth], w->rstd[depth],
                        grad + L->ln_g[depth], grad + L->ln_b[depth], dh);
    for (size_t k = depth; k-- > 0;) {
        /* dz2 = dh (the residual branch's output gradient) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iw, iw, (int)n, 1.0f, dh, iw,
                    w->a1[k], iw, 0.0f, grad + L->w2[k], iw);
        column_sums(dh, n, W, grad + L->b2[k]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, iw, iw, 1.0f, dh,
                    iw, P + L->w2[k], iw, 0.0f, da, iw);
        for (size_t i = 0; i < n * W; i++)
            da[i] *= gelu_grad(w->z1[k][i]);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iw, iw, (int)n, 1.0f, da, iw,
                    w->u[k], iw, 0.0f, grad + L->w1[k], iw);
        column_sums(da, n, W, grad + L->b1[k]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, iw, iw, 1.0f, da,
                    iw, P + L->w1[k], iw, 0.0f, du, iw);
        /* dh_k = dh_{k+1} + LN_k backward of du */
        layer_norm_backward(du, n, W, P + L->ln_g[k], w->xhat[k], w->rstd[k],
                            grad + L->ln_g[k], grad + L->ln_b[k], dh);
    }
    const int in = (int)L->fan_in[0];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iw, in, (int)n, 1.0f, dh, iw,
                input, in, 0.0f, grad + L->w_offset[0], in);
    column_sums(dh, n, W, grad + L->b_offset[0]);
}

const float *mlp_forward(const mlp_layout *L, const float *params, const float *input,
                         size_t n, mlp_work *w)
{
    if (L->shape.resnet)
        return resnet_forward(L, params, input, n, w);
    const float *a = input;
    for (uint32_t l = 0; l < L->n_layers; l++) {
        const int in = (int)L->fan_in[l], out = (int)L->fan_out[l];
        const float *W = params + L->w_offset[l], *b = params + L->b_offset[l];
        float *z = w->z[l];
        for (size_t r = 0; r < n; r++)
            memcpy(z + r * (size_t)out, b, (size_t)out * sizeof *z);
        /* Z = A Wᵀ + 1 bᵀ */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, out, in, 1.0f, a, in,
                    W, in, 1.0f, z, out);
        if (l + 1 < L->n_layers) {
            float *act = w->a[l];
            silu_and_grad(z, n * (size_t)out, act, w->da[l]);
            a = act;
        }
    }
    return w->z[L->n_layers - 1];
}

const float *mlp_forward_light(const mlp_layout *L, const float *params,
                               const float *input, size_t n, float *buf0, float *buf1)
{
    if (L->shape.resnet)
        return resnet_forward_light(L, params, input, n, buf0, buf1);
    const float *a = input;
    float *z = buf0, *spare = buf1;
    for (uint32_t l = 0; l < L->n_layers; l++) {
        const int in = (int)L->fan_in[l], out = (int)L->fan_out[l];
        const float *W = params + L->w_offset[l], *b = params + L->b_offset[l];
        for (size_t r = 0; r < n; r++)
            memcpy(z + r * (size_t)out, b, (size_t)out * sizeof *z);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, out, in, 1.0f, a, in,
                    W, in, 1.0f, z, out);
        if (l + 1 < L->n_layers)
            for (size_t i = 0; i < n * (size_t)out; i++)
                z[i] = silu(z[i]);
        a = z;
        float *t = z;
        z = spare;
        spare = t;
    }
    return a;
}

void mlp_backward(const mlp_layout *L, const float *params, const float *input, size_t n,
                  mlp_work *w, const float *d_out, float *grad)
{
    if (L->shape.resnet) {
        resnet_backward(L, params, input, n, w, d_out, grad);
        return;
    }
    /* dz holds ∂loss/∂z_l of the current layer, n × fan_out(l). */
    float *dz = w->d0, *spare = w->d1;
    memcpy(dz, d_out, n * L->fan_out[L->n_layers - 1] * sizeof *dz);
    for (uint32_t l = L->n_layers; l-- > 0;) {
        const int in = (int)L->fan_in[l], out = (int)L->fan_out[l];
        const float *a = l == 0 ? input : w->a[l - 1];
        /* dW = dZᵀ A (out × in); db = column sums of dZ (in double). */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, (int)n, 1.0f, dz,
                    out, a, in, 0.0f, grad + L->w_offset[l], in);
        /* Row by row (contiguous), in float: n ≤ a few thousand terms of one
           minibatch, an error ~n·u relative, far below Adam's step noise. */
        float *db = grad + L->b_offset[l];
        memcpy(db, dz, (size_t)out * sizeof *db);
        for (size_t r = 1; r < n; r++) {
            const float *row = dz + r * (size_t)out;
            for (int j = 0; j < out; j++)
                db[j] += row[j];
        }
        if (l == 0)
            break;
        /* dA_{l−1} = dZ W (n × in), then dZ_{l−1} = dA ⊙ silu'(Z_{l−1}) (kept by
           the forward pass). */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, in, out, 1.0f, dz,
                    out, params + L->w_offset[l], in, 0.0f, spare, in);
        const float *da = w->da[l - 1];
        for (size_t i = 0; i < n * (size_t)in; i++)
            spare[i] *= da[i];
        float *t = dz;
        dz = spare;
        spare = t;
    }
}

#define ADAM_LANES 8

void mlp_train_update(float *params, const float *const *grads, size_t n_grads, float *m,
                      float *v, float *avg, float ema, size_t n, double lr, double beta1,
                      double beta2, double eps, uint64_t t)
{
    const double c1 = 1 - pow(beta1, (double)t), c2 = 1 - pow(beta2, (double)t);
    const float step = (float)(lr / c1), b1 = (float)beta1, b2 = (float)beta2;
    const float inv_c2 = (float)(1 / c2), e = (float)eps, d = ema;
    /* Blocks of ADAM_LANES written out so that GCC's SLP vectorizer turns them
       into packed adds, sqrt and divide at -O2 (its -O2 cost model vectorizes no
       loop of unknown length): the same IEEE operations per element in the same
       order, so the same bytes as the plain loop below, several times faster. */
    size_t i = 0;
    for (; i + ADAM_LANES <= n; i += ADAM_LANES) {
        float g[ADAM_LANES], mm[ADAM_LANES], vv[ADAM_LANES], p[ADAM_LANES];
        for (size_t l = 0; l < ADAM_LANES; l++)
            g[l] = grads[0][i + l];
        for (size_t s = 1; s < n_grads; s++) {
            float h[ADAM_LANES];
            for (size_t l = 0; l < ADAM_LANES; l++)
                h[l] = grads[s][i + l];
            for (size_t l = 0; l < ADAM_LANES; l++)
                g[l] = g[l] + h[l];
        }
        for (size_t l = 0; l < ADAM_LANES; l++) {
            mm[l] = b1 * m[i + l] + (1 - b1) * g[l];
            vv[l] = b2 * v[i + l] + (1 - b2) * g[l] * g[l];
            p[l] = params[i + l] - step * mm[l] / (sqrtf(vv[l] * inv_c2) + e);
        }
        for (size_t l = 0; l < ADAM_LANES; l++) {
            m[i + l] = mm[l];
            v[i + l] = vv[l];
            params[i + l] = p[l];
        }
        if (avg != NULL) {
            float a[ADAM_LANES];
            for (size_t l = 0; l < ADAM_LANES; l++)
                a[l] = avg[i + l];
            for (size_t l = 0; l < ADAM_LANES; l++)
                avg[i + l] = d * a[l] + (1 - d) * p[l];
        }
    }
    for (; i < n; i++) {
        float g = grads[0][i];
        for (size_t s = 1; s < n_grads; s++)
            g += grads[s][i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        params[i] -= step * m[i] / (sqrtf(v[i] * inv_c2) + e);
        if (avg != NULL)
            avg[i] = d * avg[i] + (1 - d) * params[i];
    }
}

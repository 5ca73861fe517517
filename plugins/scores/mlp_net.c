/* mlp_net — see mlp_net.h. */
#include "mlp_net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mlp_layout_init(mlp_layout *L, mlp_shape s)
{
    memset(L, 0, sizeof *L);
    if (s.dim == 0 || s.width == 0 || s.depth == 0 || s.depth > MLP_MAX_DEPTH ||
        s.embed < 2 || s.embed % 2 != 0 || s.dim > (1u << 24) || s.width > (1u << 24) ||
        s.embed > (1u << 16))
        return -1;
    L->shape = s;
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
            ok = w->a[l] != NULL;
        }
    }
    if (ok) {
        w->d0 = malloc(rows * L->widest * sizeof(float));
        w->d1 = malloc(rows * L->widest * sizeof(float));
        ok = w->d0 != NULL && w->d1 != NULL;
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
        if (l < MLP_MAX_DEPTH)
            free(w->a[l]);
    }
    free(w->d0);
    free(w->d1);
    memset(w, 0, sizeof *w);
}

/* silu(z) = z σ(z), σ the logistic function. */
static inline float silu(float z)
{
    return z / (1.0f + expf(-z));
}

/* silu'(z) = σ(z) (1 + z (1 − σ(z))). */
static inline float silu_grad(float z)
{
    const float s = 1.0f / (1.0f + expf(-z));
    return s * (1.0f + z * (1.0f - s));
}

const float *mlp_forward(const mlp_layout *L, const float *params, const float *input,
                         size_t n, mlp_work *w)
{
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
            for (size_t i = 0; i < n * (size_t)out; i++)
                act[i] = silu(z[i]);
            a = act;
        }
    }
    return w->z[L->n_layers - 1];
}

const float *mlp_forward_light(const mlp_layout *L, const float *params,
                               const float *input, size_t n, float *buf0, float *buf1)
{
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
        /* dA_{l−1} = dZ W (n × in), then dZ_{l−1} = dA ⊙ silu'(Z_{l−1}). */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, in, out, 1.0f, dz,
                    out, params + L->w_offset[l], in, 0.0f, spare, in);
        const float *zp = w->z[l - 1];
        for (size_t i = 0; i < n * (size_t)in; i++)
            spare[i] *= silu_grad(zp[i]);
        float *t = dz;
        dz = spare;
        spare = t;
    }
}

void mlp_adam_step(float *params, const float *grad, float *m, float *v, size_t n,
                   double lr, double beta1, double beta2, double eps, uint64_t t)
{
    const double c1 = 1 - pow(beta1, (double)t), c2 = 1 - pow(beta2, (double)t);
    const float step = (float)(lr / c1), b1 = (float)beta1, b2 = (float)beta2;
    const float inv_c2 = (float)(1 / c2), e = (float)eps;
    for (size_t i = 0; i < n; i++) {
        const float g = grad[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        params[i] -= step * m[i] / (sqrtf(v[i] * inv_c2) + e);
    }
}

#include "measure/basin_radius.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "process/init.h"
#include "kernels/linalg.h"

static int check_options(const basin_host *host, uint32_t dim, uint64_t attractor,
                         const basin_radius_options *o)
{
    if (dim == 0) {
        host->error(host, "basin radius of a 0-dimensional state");
        return BASIN_EINVAL;
    }
    if (o->n_levels == 0 || !o->levels || o->trials == 0) {
        host->error(host, "basin radius needs at least one level and one trial");
        return BASIN_EINVAL;
    }
    if (!(o->p > 0 && o->p <= 1)) {
        host->error(host, "basin radius: p = %g must be in (0, 1]", o->p);
        return BASIN_EINVAL;
    }
    if (!(o->delta >= 0) || !isfinite(o->delta)) {
        host->error(host, "basin radius: delta = %g must be finite and >= 0", o->delta);
        return BASIN_EINVAL;
    }
    if (attractor > (UINT64_MAX - o->trials) / o->trials) {
        host->error(host, "basin radius: attractor index %llu is too large",
                    (unsigned long long)attractor);
        return BASIN_EINVAL;
    }
    for (uint32_t l = 0; l < o->n_levels; l++) {
        double c = o->levels[l];
        if (!(c >= 0) || !isfinite(c) || (o->binary && c > 0.5)) {
            host->error(host, "basin radius: level %u = %g must be in [0, %s]", l, c,
                        o->binary ? "0.5" : "inf)");
            return BASIN_EINVAL;
        }
        if (l && !(c > o->levels[l - 1])) {
            host->error(host,
                        "basin radius: levels must increase (level %u = %g "
                        "after %g)",
                        l, c, o->levels[l - 1]);
            return BASIN_EINVAL;
        }
    }
    return 0;
}

/* Does the run end within δ of x*? Non-finite states do not. */
static int returned_to(const float *x, const float *target, uint32_t dim, double delta)
{
    return linalg_dist2(x, target, dim) <= delta * delta * (double)dim;
}

int basin_radius(const basin_host *host, const float *attractor_state, uint32_t dim,
                 uint64_t attractor, const basin_radius_options *o,
                 basin_radius_dynamics_fn dynamics, void *ctx, basin_radius_result *out,
                 double *returned)
{
    out->radius = 0;
    out->last_passed = -1;
    out->first_failed = -1;
    int rc = check_options(host, dim, attractor, o);
    if (rc)
        return rc;
    if (returned)
        for (uint32_t l = 0; l < o->n_levels; l++)
            returned[l] = NAN;
    if (o->n_levels > INT32_MAX) {
        host->error(host, "basin radius: too many levels");
        return BASIN_EINVAL;
    }
    uint64_t trials = o->trials;
    if (trials > SIZE_MAX / sizeof(float) / dim) {
        host->error(host, "basin radius: %llu trials do not fit in memory",
                    (unsigned long long)trials);
        return BASIN_ENOMEM;
    }
    float *states = malloc((size_t)trials * dim * sizeof *states);
    uint32_t *order = o->binary ? malloc(dim * sizeof *order) : NULL;
    uint32_t *words = o->binary ? malloc(dim * sizeof *words) : NULL;
    float *noise = o->binary ? NULL : malloc(dim * sizeof *noise);
    if (!states || (o->binary && (!order || !words)) || (!o->binary && !noise)) {
        host->error(host, "basin radius: out of memory");
        rc = BASIN_ENOMEM;
        goto done;
    }
    /* Runs needed to pass: at least p · trials (the 1e-9 absorbs p's rounding,
       so 0.9 · 10 asks for 9). */
    double need = ceil(o->p * (double)trials - 1e-9);
    uint64_t first_run = attractor * trials;
    for (uint32_t l = 0; l < o->n_levels; l++) {
        if (host->cancelled && host->cancelled(host)) {
            rc = BASIN_ECANCELED;
            goto done;
        }
        double c = o->levels[l];
        uint32_t n_flip = o->binary ? (uint32_t)llround(c * dim) : 0;
        for (uint64_t r = 0; r < trials; r++) {
            float *x = states + r * dim;
            memcpy(x, attractor_state, dim * sizeof *x);
            if (o->binary) {
                if (n_flip == 0)
                    continue;
                host->random_bits(host, BASIN_ROLE_MEASURE, first_run + r, l, words,
                                  n_flip);
                init_corrupt(x, dim, n_flip, words, NULL, order);
            } else {
                host->random_normal(host, BASIN_ROLE_MEASURE, first_run + r, l, noise,
                                    dim);
                for (uint32_t i = 0; i < dim; i++)
                    x[i] = (float)((double)x[i] + c * (double)noise[i]);
            }
        }
        rc = dynamics(ctx, states, trials, l, first_run);
        if (rc)
            goto done;
        uint64_t back = 0;
        for (uint64_t r = 0; r < trials; r++)
            back +=
                (uint64_t)returned_to(states + r * dim, attractor_state, dim, o->delta);
        if (returned)
            returned[l] = (double)back / (double)trials;
        if ((double)back < need) {
            out->first_failed = (int32_t)l;
            break;
        }
        out->last_passed = (int32_t)l;
        out->radius = c;
    }
done:
    free(states);
    free(order);
    free(words);
    free(noise);
    return rc;
}

/*
 * test_torchscript — scores/torchscript against PyTorch itself: the tiny models and
 * reference outputs of make_models.py (run by run.sh), loaded as the host loads the
 * plugin (dlopen RTLD_NOW|RTLD_LOCAL) and driven through tests/fake_host.h.
 *
 *  1. Every case of cases.txt (a model, an output kind, an input convention, an
 *     image shape): x̂0 at four ddpm-linear times equals PyTorch's, with the state
 *     batch in one forward call and in chunks of 2; a model returning v gives the
 *     x̂0 of the denoiser it was derived from.
 *  2. The noise level the model receives (echo.pt returns c): σ, σ/α, the time t of
 *     each schedule from core/process/schedule.c's own α(t), σ(t), and the DDPM step
 *     index.
 *  3. Several threads at once give the single-threaded numbers, bit for bit, with
 *     and without concurrent model calls.
 *  4. Bad files and parameters: one-line errors with the right codes.
 *
 * Environment (run.sh sets it): BASIN_TEST_TORCHSCRIPT, the built plugin
 * (build/plugins/scores/torchscript.so); BASIN_TEST_TORCH_MODELS, the folder
 * make_models.py wrote. One case by name (--list names them), through meson (run.sh
 * passes its arguments on, and then runs nothing else):
 *   meson test -C build torchscript --test-args torchscript_threads -v
 * or by hand:
 *   /usr/bin/python3 tests/plugins/torchscript/make_models.py /tmp/models
 *   BASIN_TEST_TORCHSCRIPT=build/plugins/scores/torchscript.so \
 *   BASIN_TEST_TORCH_MODELS=/tmp/models \
 *       build/tests/plugins/torchscript/test-torchscript torchscript_threads
 */
#include <basin/plugin.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "harness.h"
#include "process/schedule.h"

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *desc;
static const basin_score_iface *score;
static const char *dir;

/* What every case needs: the plugin loaded (once) from $BASIN_TEST_TORCHSCRIPT,
   the models' folder from $BASIN_TEST_TORCH_MODELS, a fresh fake host (seed 2026,
   logs printed). 0 (with a failed check, or a note for an unset variable) if one
   is missing. */
static int setup(void)
{
    fake_host_init(&fake, 2026, FAKE_SPLITMIX);
    if (desc)
        return 1;
    const char *plugin = test_env("BASIN_TEST_TORCHSCRIPT");
    dir = test_env("BASIN_TEST_TORCH_MODELS");
    if (!plugin || !dir)
        return 0;
    desc = load_plugin(plugin, "scores/torchscript");
    const int ok = desc != NULL && strcmp(desc->interface, BASIN_IFACE_SCORE) == 0;
    EXPECT_MSG(ok, "%s holds scores/torchscript", plugin);
    if (!ok) {
        desc = NULL;
        return 0;
    }
    score = desc->iface;
    return 1;
}

/* ----------------------------------------------------------------- .npy */

/* A little-endian '<f4' or '<f8' C-order array of up to 3 dimensions, as doubles.
   Missing dimensions are 1. NULL (and a line on stderr) on any problem. */
static double *npy_read(const char *name, size_t shape[3])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    unsigned char pre[10];
    if (f == NULL || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 ||
        pre[6] != 1) {
        fprintf(stderr, "%s: not a version 1 .npy file\n", path);
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    const size_t header_len = pre[8] | (size_t)pre[9] << 8;
    char header[4096] = {0};
    if (header_len >= sizeof header || fread(header, 1, header_len, f) != header_len) {
        fclose(f);
        return NULL;
    }
    const int f8 = strstr(header, "'<f8'") != NULL;
    const char *s = strstr(header, "'shape': (");
    if ((!f8 && strstr(header, "'<f4'") == NULL) || s == NULL ||
        strstr(header, "'fortran_order': False") == NULL) {
        fprintf(stderr, "%s: unsupported header %s\n", path, header);
        fclose(f);
        return NULL;
    }
    s += strlen("'shape': (");
    size_t count = 1;
    for (int i = 0; i < 3; i++) {
        char *end;
        shape[i] = 1;
        const unsigned long v = strtoul(s, &end, 10);
        if (end != s) {
            shape[i] = v;
            s = end + (*end == ',' ? 1 : 0);
            while (*s == ' ')
                s++;
        }
        count *= shape[i];
    }
    double *v = malloc(count * sizeof *v);
    for (size_t i = 0; v != NULL && i < count; i++) {
        float x4;
        double x8;
        if (f8 ? fread(&x8, 8, 1, f) != 1 : fread(&x4, 4, 1, f) != 1) {
            free(v);
            v = NULL;
            break;
        }
        v[i] = f8 ? x8 : x4;
    }
    fclose(f);
    return v;
}

/* ------------------------------------------------------------ instances */

/* A model from DIR/file with the given output, input, schedule, image shape
   ("-" or NULL: none) and batch, or NULL with the error in fake_last_error and
   the status in *rc. */
static void *make(const char *file, const char *output, const char *input,
                  const char *schedule_name, const char *image, double batch,
                  double concurrent, uint32_t dim, int *rc)
{
    char path[4096];
    snprintf(path, sizeof path, file[0] == '/' ? "%s" : "%s/%s",
             file[0] == '/' ? file : dir, file);
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    params p = param_defaults(desc);
    set_string(&p, "file", path);
    set_string(&p, "output", output);
    set_string(&p, "input", input);
    set_string(&p, "schedule", schedule_name);
    set_string(&p, "image_shape", image == NULL || strcmp(image, "-") == 0 ? "" : image);
    set_number(&p, "batch", batch);
    set_number(&p, "concurrent", concurrent);
    void *self = NULL;
    fake_last_error[0] = '\0';
    *rc = score->create(host, p.values, dim, &self);
    if (*rc != BASIN_OK)
        return NULL;
    return self;
}

/* ------------------------------------------------- 1. PyTorch's outputs */

/*
 * Tolerance. basin and PyTorch run the same libtorch 1.13 kernels in float32 on
 * the same inputs; only the batch split may change a GEMM's blocking, so the raw
 * output r differs by a few float32 roundings of dot products of length ≤ 16
 * (γ_16 ≈ 1e-6 relative to Σ|terms|, which is within 10× |r| for these nets).
 * x̂0 = (x − σ r)/α carries that error times σ/α, and the final cast to float adds
 * 2⁻²⁴ |x̂0|: |Δ| ≤ 1e-5 (1 + |x̂0| + (σ/α)|r|) has ten times that margin, and a
 * wrong convention (σ for σ/α, a step off by one, NHWC for NCHW) moves x̂0 by
 * 1e-3 or more. The v cases (output = v, Salimans & Ho 2022) are the exact v of a
 * Gaussian denoiser computed in float64 and rounded to float32 once; their reference
 * is that denoiser's own x̂0 (gaussx.pt, gaussy.pt), so x̂0 = (α x − σ v̂)/(α² + σ²)
 * must equal the denoiser's to within σ/(α² + σ²) · 2⁻²⁴ |v̂| ≤ (σ/α)|v̂| 6e-8 plus
 * the float casts, inside the same bound; on y (ve-sigma) α² + σ² = 1 + ρ² ≠ 1
 * checks the general form.
 */
static void check_cases(const double *times)
{
    char line[1024];
    snprintf(line, sizeof line, "%s/cases.txt", dir);
    FILE *f = fopen(line, "r");
    ASSERT_MSG(f != NULL, "cannot open %s", line);
    int n_cases = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char model[256], output[64], input[64], image[64], xname[256], refname[256],
            rawname[256];
        if (sscanf(line, "%255s %63s %63s %63s %255s %255s %255s", model, output, input,
                   image, xname, refname, rawname) != 7)
            continue;
        size_t xs[3], rs[3], ws[3];
        double *x = npy_read(xname, xs), *ref = npy_read(refname, rs),
               *raw = npy_read(rawname, ws);
        EXPECT_MSG(x != NULL && ref != NULL && raw != NULL,
                   "%s: reference files not readable", line);
        if (x == NULL || ref == NULL || raw == NULL) {
            free(x), free(ref), free(raw);
            continue;
        }
        EXPECT_MSG(rs[0] == 4 && rs[1] == xs[0] && rs[2] == xs[1],
                   "%s: references shaped %zu x %zu x %zu, want 4 x %zu x %zu", line,
                   rs[0], rs[1], rs[2], xs[0], xs[1]);
        const size_t n = xs[0], dim = xs[1];
        float *xf = malloc(n * dim * sizeof *xf), *out = malloc(n * dim * sizeof *out);
        for (size_t i = 0; i < n * dim; i++)
            xf[i] = (float)x[i];
        for (int b = 0; b < 2; b++) {
            const double batch = b == 0 ? 256 : 2;
            int rc;
            void *m = make(model, output, input, "ddpm-linear", image, batch, 1,
                           (uint32_t)dim, &rc);
            EXPECT_MSG(m != NULL, "%s %s %s: create: status %d, %s", model, output, input,
                       rc, fake_last_error);
            if (m == NULL)
                continue;
            for (size_t k = 0; k < 4; k++) {
                const double alpha = times[3 * k + 1], sigma = times[3 * k + 2];
                rc = score->denoise(m, host, xf, n, alpha, sigma, out);
                EXPECT_MSG(rc == BASIN_OK, "%s: denoise: status %d, %s", model, rc,
                           fake_last_error);
                double worst = 0;
                for (size_t i = 0; i < n * dim; i++) {
                    const double r = ref[k * n * dim + i], w = raw[k * n * dim + i];
                    const double tol = 1e-5 * (1 + fabs(r) + sigma / alpha * fabs(w));
                    const double e = fabs(out[i] - r) / tol;
                    worst = e > worst || isnan(e) ? e : worst;
                }
                EXPECT_MSG(worst <= 1,
                           "%s output=%s input=%s image=%s batch=%g t=%g: "
                           "worst |basin − PyTorch| / tolerance = %g",
                           model, output, input, image, batch, times[3 * k], worst);
            }
            score->destroy(m);
        }
        n_cases++;
        free(xf), free(out), free(x), free(ref), free(raw);
    }
    fclose(f);
    EXPECT_EQ(n_cases, 13); /* the cases of cases.txt */
}

/* ----------------------------------------- 2. the noise level c received */

/* c as echo.pt returns it, for one state of dim 3 at (α, σ). */
static double echo(void *m, double alpha, double sigma)
{
    const float x[3] = {0.5f, -1, 2};
    float out[3] = {0, 0, 0};
    const int rc = score->denoise(m, host, x, 1, alpha, sigma, out);
    EXPECT_MSG(rc == BASIN_OK && out[0] == out[1] && out[1] == out[2],
               "echo: status %d (%s), outputs %.9g %.9g %.9g", rc, fake_last_error,
               out[0], out[1], out[2]);
    return out[0];
}

/*
 * The time t is recovered from σ/α; α, σ come from core/process/schedule.c at t. c is a
 * float32, so |c − t| ≤ 2⁻²⁴ t from the cast; the inverse adds a few double
 * roundings amplified by the condition number of ρ ↦ t (at most ~1e3 for cosine's
 * acos at t = 1e-3): relative 1e-6 covers both; a wrong constant (β1, s) is off
 * by 1e-3 or more.
 */
TEST_IMPL(torchscript_noise_inputs)
{
    ASSERT(setup());
    static const char *const names[] = {"ddpm-linear", "cosine", "ou", "edm"};
    static const double at[4][3] = {
        {1e-3, 0.37, 1}, {1e-3, 0.5, 0.99}, {1e-3, 0.8, 5}, {0.002, 1.3, 80}};
    int rc;
    for (int s = 0; s < 4; s++) {
        schedule sch;
        char err[256];
        const int sch_rc = schedule_init(&sch, names[s], -1, -1, err, sizeof err);
        EXPECT_MSG(sch_rc == 0, "schedule %s: status %d, %s", names[s], sch_rc, err);
        void *m = make("echo.pt", "denoiser", "t", names[s], NULL, 256, 1, 3, &rc);
        EXPECT_MSG(m != NULL, "echo t %s: status %d, %s", names[s], rc, fake_last_error);
        if (sch_rc != 0 || m == NULL) {
            if (m != NULL)
                score->destroy(m);
            continue;
        }
        for (int i = 0; i < 3; i++) {
            double alpha, sigma;
            sch.table.at(&sch.table, at[s][i], &alpha, &sigma, NULL, NULL);
            const double c = echo(m, alpha, sigma);
            EXPECT_MSG(fabs(c - at[s][i]) <= 1e-6 * at[s][i],
                       "input = t, schedule %s, t = %g: the model got c = %.9g", names[s],
                       at[s][i], c);
        }
        score->destroy(m);
    }

    schedule ddpm;
    char err[256];
    schedule_init(&ddpm, "ddpm-linear", -1, -1, err, sizeof err);
    void *m =
        make("echo.pt", "denoiser", "ddpm-step", "ddpm-linear", NULL, 256, 1, 3, &rc);
    EXPECT_MSG(m != NULL, "echo ddpm-step: status %d, %s", rc, fake_last_error);
    if (m != NULL) {
        static const int steps[] = {1, 2, 37, 500, 999, 1000};
        for (int i = 0; i < 6; i++) {
            double alpha, sigma;
            ddpm.table.at(&ddpm.table, steps[i] / 1000.0, &alpha, &sigma, NULL, NULL);
            const double c = echo(m, alpha, sigma);
            /* DDPM step steps[i] gets index steps[i] - 1. */
            EXPECT_NEAR(c, steps[i] - 1, 0);
        }
        /* σ/α = 1000 is beyond step 1000 (σ/α ≈ 157): clamped to 999, one warning
           for this and the next two. */
        fake.quiet = 1;
        const uint64_t before = fake.n_warnings;
        const double c1 = echo(m, 1, 1000), c2 = echo(m, 1, 1e-5);
        echo(m, 1, 2000);
        EXPECT_NEAR(c1, 999, 0);
        EXPECT_NEAR(c2, 0, 0);
        EXPECT_EQ(fake.n_warnings - before, 1);
        fake.quiet = 0;
        score->destroy(m);
    }

    m = make("echo.pt", "denoiser", "sigma", "ddpm-linear", NULL, 256, 1, 3, &rc);
    void *ve =
        make("echo.pt", "denoiser", "ve-sigma", "ddpm-linear", NULL, 256, 1, 3, &rc);
    EXPECT_NOT_NULL(m);
    EXPECT_NOT_NULL(ve);
    if (m != NULL && ve != NULL) {
        const double alpha = 0.6, sigma = 0.8;
        EXPECT_NEAR(echo(m, alpha, sigma), (float)sigma, 0);            /* σ */
        EXPECT_NEAR(echo(ve, alpha, sigma), (float)(sigma / alpha), 0); /* σ/α */
    }
    if (m != NULL)
        score->destroy(m);
    if (ve != NULL)
        score->destroy(ve);
}

/* ------------------------------------------------------------ 3. threads */

#define T_THREADS 4
#define T_ROWS    96
#define T_DIM     6

typedef struct job {
    void *model;
    const float *x;
    float out[4][T_ROWS * T_DIM];
    int rc;
} job;

static const double t_alpha[4] = {0.999, 0.8, 0.5, 0.05};

static void *run_job(void *arg)
{
    job *j = arg;
    j->rc = 0;
    for (int rep = 0; rep < 5; rep++)
        for (int k = 0; k < 4; k++) {
            const double a = t_alpha[k], s = sqrt(1 - a * a);
            j->rc |= score->denoise(j->model, host, j->x, T_ROWS, a, s, j->out[k]);
        }
    return NULL;
}

TEST_IMPL(torchscript_threads)
{
    ASSERT(setup());
    static float x[T_ROWS * T_DIM];
    static job serial, jobs[T_THREADS];
    for (int i = 0; i < T_ROWS * T_DIM; i++)
        x[i] = (float)sin(1.7 * i + 0.3);
    for (int concurrent = 0; concurrent < 2; concurrent++) {
        int rc;
        void *m = make("mlp.pt", "denoiser", "sigma", "ddpm-linear", NULL, 32, concurrent,
                       T_DIM, &rc);
        EXPECT_MSG(m != NULL, "mlp.pt: status %d, %s", rc, fake_last_error);
        if (m == NULL)
            continue;
        serial.model = m;
        serial.x = x;
        run_job(&serial);
        pthread_t th[T_THREADS];
        for (int t = 0; t < T_THREADS; t++) {
            jobs[t].model = m;
            jobs[t].x = x;
            pthread_create(&th[t], NULL, run_job, &jobs[t]);
        }
        int same = 1, rcs = serial.rc;
        for (int t = 0; t < T_THREADS; t++) {
            pthread_join(th[t], NULL);
            rcs |= jobs[t].rc;
            same &= memcmp(jobs[t].out, serial.out, sizeof serial.out) == 0;
        }
        EXPECT_MSG(rcs == 0, "concurrent = %d: status %d", concurrent, rcs);
        EXPECT_MSG(same,
                   "%d threads at once (concurrent = %d) do not give the serial "
                   "result bit for bit",
                   T_THREADS, concurrent);
        score->destroy(m);
    }
}

/* ---------------------------------------------------------- 4. bad input */

static void expect_error(const char *file, const char *image, uint32_t dim, int code,
                         const char *pattern, const char *what)
{
    int rc;
    void *m = make(file, "denoiser", "sigma", "ddpm-linear", image, 256, 1, dim, &rc);
    EXPECT_MSG(m == NULL && rc == code && strstr(fake_last_error, pattern) != NULL &&
                   strchr(fake_last_error, '\n') == NULL,
               "%s: rc %d (want %d), message '%s' (want '%s', one line)", what, rc, code,
               fake_last_error, pattern);
    printf("# %s: %s\n", what, fake_last_error);
    if (m != NULL)
        score->destroy(m);
}

TEST_IMPL(torchscript_bad_input)
{
    ASSERT(setup());
    expect_error("/nonexistent/model.pt", NULL, 6, BASIN_EIO, "No such file",
                 "missing file");
    expect_error("garbage.pt", NULL, 6, BASIN_EINVAL, "is not a TorchScript module",
                 "a text file");
    expect_error("state.pt", NULL, 6, BASIN_EINVAL, "is not a TorchScript module",
                 "torch.save of a state_dict");
    expect_error("shape.pt", NULL, 6, BASIN_EINVAL,
                 "returned shape [2, 5] for input shape [2, 6]", "wrong output shape");
    expect_error("tuple.pt", NULL, 6, BASIN_EINVAL, "not a tensor", "a tuple output");
    expect_error("onearg.pt", NULL, 6, BASIN_EINVAL, "forward(x, c) fails",
                 "forward(x) without c");
    expect_error("mlp.pt", NULL, 7, BASIN_EINVAL, "shapes cannot be multiplied",
                 "a model for another dimension");
    expect_error("conv.pt", "2,3,5", 24, BASIN_EINVAL, "holds 30 values",
                 "image_shape of the wrong size");
    expect_error("conv.pt", "2x3x4", 24, BASIN_EINVAL, "is not \"C,H,W\"",
                 "malformed image_shape");

    int rc;
    void *m = make("nan.pt", "denoiser", "sigma", "ddpm-linear", NULL, 256, 1, 6, &rc);
    EXPECT_MSG(m != NULL, "nan.pt loads (its probe at σ = √½ is finite): status %d, %s",
               rc, fake_last_error);
    if (m != NULL) {
        float x[12] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, out[12];
        rc = score->denoise(m, host, x, 2, 0.5, 0.9, out);
        EXPECT_EQ(rc, BASIN_ENUMERIC); /* a NaN output */
        EXPECT_STR_CONTAINS(fake_last_error, "not finite");
        rc = score->denoise(m, host, x, 2, 0, 0.5, out);
        EXPECT_EQ(rc, BASIN_EINVAL); /* α = 0 */
        EXPECT_STR_CONTAINS(fake_last_error, "alpha = 0");
        score->destroy(m);
    }
}

/* make_models.py's ddpm-linear times (times.npy, 4 x 3: t, α, σ), or NULL with a
   failed check. */
static double *read_times(void)
{
    size_t ts[3];
    double *times = npy_read("times.npy", ts);
    EXPECT_MSG(times != NULL && ts[0] == 4 && ts[1] == 3, "times.npy is not 4 x 3");
    if (times != NULL && (ts[0] != 4 || ts[1] != 3)) {
        free(times);
        return NULL;
    }
    return times;
}

/* make_models.py's ddpm-linear times agree with core/process/schedule.c (1e-12: two
 * double
   evaluations of the same closed form). */
TEST_IMPL(torchscript_times)
{
    ASSERT(setup());
    double *times = read_times();
    ASSERT_NOT_NULL(times);
    schedule ddpm;
    char err[256];
    schedule_init(&ddpm, "ddpm-linear", -1, -1, err, sizeof err);
    for (int k = 0; k < 4; k++) {
        double a, s;
        ddpm.table.at(&ddpm.table, times[3 * k], &a, &s, NULL, NULL);
        EXPECT_MSG(fabs(a - times[3 * k + 1]) <= 1e-12 &&
                       fabs(s - times[3 * k + 2]) <= 1e-12,
                   "t = %g: α, σ of core (%.15g, %.15g) and of the script (%.15g, %.15g)",
                   times[3 * k], a, s, times[3 * k + 1], times[3 * k + 2]);
    }
    free(times);
}

/* Every case of cases.txt against PyTorch's outputs, in one batch and in chunks
   of 2. */
TEST_IMPL(torchscript_cases)
{
    ASSERT(setup());
    double *times = read_times();
    ASSERT_NOT_NULL(times);
    check_cases(times);
    free(times);
}

TEST_LIST_BEGIN
TEST_ENTRY(torchscript_times)
TEST_ENTRY(torchscript_cases)
TEST_ENTRY(torchscript_noise_inputs)
TEST_ENTRY(torchscript_threads)
TEST_ENTRY(torchscript_bad_input)
TEST_LIST_END

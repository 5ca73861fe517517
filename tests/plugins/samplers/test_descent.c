/*
 * test_descent — unit tests of the continuous-state energy samplers
 * samplers/fixed-point, samplers/gradient-descent and samplers/langevin, loaded as
 * a host loads them (dlopen RTLD_NOW|RTLD_LOCAL) and run on test-local energies
 * with known minima, written here as basin_energy_iface tables:
 *
 *   quadratic    E = ½ (x − c)ᵀ A (x − c), ∇E = A (x − c), minimum c; its update
 *                map T(x) = x − ω A (x − c) contracts by max |1 − ω λ(A)|.
 *   double well  E = Σ_i (x_i² − 1)², ∇E_i = 4 x_i (x_i² − 1), minima x_i = ±1
 *                (curvature E'' = 8 there); no update map.
 *
 * The host is tests/fake_host.h's, with its splitmix64 counter-based stream (seed,
 * role, index, step, element; normals by Box–Muller).
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder
 * (samplers/fixed-point.so, gradient-descent.so and langevin.so are read from it).
 * One case by name (--list names them):
 *   BASIN_TEST_PLUGIN_DIR=build/plugins build/tests/plugins/samplers/test_descent \
 *       descent_langevin
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- mock host */

#define MAX_INDEX 16384 /* sample indices the observer tracks */

typedef struct mock {
    fake_host fake;       /* the host; fake.user points here */
    uint64_t stop_after;  /* observe() returns 1 at this call (0: never) */
    pthread_mutex_t lock; /* observe() may be called from several threads */
    uint64_t n_observed;
    uint64_t n_violations;         /* a malformed step, or steps out of order */
    uint32_t observed[MAX_INDEX];  /* observe() calls per sample index */
    uint64_t last_step[MAX_INDEX]; /* the last step observed per sample index */
} mock;

/* Counts steps per sample and checks each is the next one, well formed. */
static int mock_observe(const basin_host *host, const basin_step *step)
{
    mock *m = fake_user(host);
    pthread_mutex_lock(&m->lock);
    m->n_observed++;
    const uint64_t k = step->first_index;
    if (step->struct_size != sizeof(basin_step) || step->n != 1 || step->alpha != 1 ||
        step->sigma != 0 || step->states == NULL || step->time != (double)step->step ||
        k >= MAX_INDEX || step->step != m->last_step[k] + 1) {
        m->n_violations++;
    } else {
        m->observed[k]++;
        m->last_step[k] = step->step;
    }
    const int stop = m->stop_after != 0 && m->n_observed >= m->stop_after;
    pthread_mutex_unlock(&m->lock);
    return stop;
}

/* Forget what was observed (before a run whose observations a test checks). */
static void mock_reset(mock *m)
{
    m->fake.cancel = 0;
    m->stop_after = 0;
    m->n_observed = 0;
    m->n_violations = 0;
    memset(m->observed, 0, sizeof m->observed);
    memset(m->last_step, 0, sizeof m->last_step);
}

/* m's fake host: the splitmix stream of seed, silent logs, mock_observe. */
static const basin_host *make_host(mock *m, uint64_t seed)
{
    fake_host_init(&m->fake, seed, FAKE_SPLITMIX);
    m->fake.quiet = 1;
    m->fake.user = m;
    m->fake.host.observe = mock_observe;
    return &m->fake.host;
}

/* ------------------------------------------------------ test-local energies */

/* E = ½ (x − c)ᵀ A (x − c); update x − ω A (x − c). */
typedef struct quadratic {
    uint32_t dim;
    const double *a; /* dim × dim, symmetric positive definite */
    const float *c;  /* the minimum */
    double omega;
} quadratic;

/* A (x − c) of one state, in double. */
static void quadratic_force(const quadratic *q, const float *x, double *out)
{
    for (uint32_t i = 0; i < q->dim; i++) {
        double s = 0;
        for (uint32_t j = 0; j < q->dim; j++)
            s += q->a[i * q->dim + j] * ((double)x[j] - q->c[j]);
        out[i] = s;
    }
}

static int quadratic_energy(void *self, const basin_host *host, const float *x,
                            uint64_t n, double *energy)
{
    (void)host;
    const quadratic *q = self;
    double f[16];
    for (uint64_t r = 0; r < n; r++) {
        const float *xr = x + r * q->dim;
        quadratic_force(q, xr, f);
        double e = 0;
        for (uint32_t i = 0; i < q->dim; i++)
            e += 0.5 * ((double)xr[i] - q->c[i]) * f[i];
        energy[r] = e;
    }
    return BASIN_OK;
}

static int quadratic_gradient(void *self, const basin_host *host, const float *x,
                              uint64_t n, float *gradient)
{
    (void)host;
    const quadratic *q = self;
    double f[16];
    for (uint64_t r = 0; r < n; r++) {
        quadratic_force(q, x + r * q->dim, f);
        for (uint32_t i = 0; i < q->dim; i++)
            gradient[r * q->dim + i] = (float)f[i];
    }
    return BASIN_OK;
}

static int quadratic_update(void *self, const basin_host *host, const float *x,
                            uint64_t n, float *out)
{
    (void)host;
    const quadratic *q = self;
    double f[16];
    for (uint64_t r = 0; r < n; r++) {
        quadratic_force(q, x + r * q->dim, f);
        for (uint32_t i = 0; i < q->dim; i++)
            out[r * q->dim + i] = (float)((double)x[r * q->dim + i] - q->omega * f[i]);
    }
    return BASIN_OK;
}

static const basin_energy_iface quadratic_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .energy = quadratic_energy,
    .gradient = quadratic_gradient,
    .update = quadratic_update,
};

/* The same energy, marked binary: the gradient samplers must refuse it. */
static const basin_energy_iface quadratic_binary_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = BASIN_ENERGY_BINARY,
    .energy = quadratic_energy,
    .gradient = quadratic_gradient,
    .update = quadratic_update,
};

/* The same energy without a gradient. */
static const basin_energy_iface quadratic_no_gradient_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .energy = quadratic_energy,
    .update = quadratic_update,
};

/* E = Σ (x_i² − 1)²; self points at nothing (no parameters). */
static int double_well_energy(void *self, const basin_host *host, const float *x,
                              uint64_t n, double *energy)
{
    (void)host;
    const uint32_t dim = *(const uint32_t *)self;
    for (uint64_t r = 0; r < n; r++) {
        double e = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double v = x[r * dim + i];
            e += (v * v - 1) * (v * v - 1);
        }
        energy[r] = e;
    }
    return BASIN_OK;
}

static int double_well_gradient(void *self, const basin_host *host, const float *x,
                                uint64_t n, float *gradient)
{
    (void)host;
    const uint32_t dim = *(const uint32_t *)self;
    for (uint64_t k = 0; k < n * dim; k++) {
        const double v = x[k];
        gradient[k] = (float)(4 * v * (v * v - 1));
    }
    return BASIN_OK;
}

static const basin_energy_iface double_well_iface = {
    .struct_size = sizeof(basin_energy_iface),
    .energy = double_well_energy,
    .gradient = double_well_gradient,
};

static basin_model energy_model(const basin_energy_iface *iface, void *self, uint32_t dim)
{
    basin_model m = {
        .struct_size = sizeof(basin_model),
        .dim = dim,
        .energy = iface,
        .energy_self = self,
    };
    return m;
}

/* ----------------------------------------------------------- plugin loading */

/* Sampler id from DIR/samplers/FILE, the library's one plugin; NULL (with a failed
   check) if not. */
static const basin_descriptor *load_sampler(const char *dir, const char *file,
                                            const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/samplers/%s", dir, file);
    const basin_library *lib = load_library(path);
    const basin_descriptor *d = load_plugin(path, id);
    const int ok =
        lib != NULL && d != NULL && strcmp(d->interface, BASIN_IFACE_SAMPLER) == 0;
    EXPECT_MSG(ok, "%s does not hold the sampler %s", path, id);
    if (!ok)
        return NULL;
    EXPECT_MSG(lib->plugins[0] == d && lib->plugins[1] == NULL, "%s holds one plugin",
               path);
    return d;
}

static const basin_descriptor *fixed_point_desc, *gradient_descent_desc, *langevin_desc;
static mock the_mock;

/* What every case needs: the three samplers loaded (once) from
   $BASIN_TEST_PLUGIN_DIR, and the mock host, fresh (seed 20240607, nothing
   observed). The host, or NULL (with a failed check, or a note when the
   variable is unset). */
static const basin_host *setup(void)
{
    static int loaded, lock_made;
    if (!loaded) {
        const char *plugins = test_env("BASIN_TEST_PLUGIN_DIR");
        if (!plugins)
            return NULL;
        fixed_point_desc =
            load_sampler(plugins, "fixed-point.so", "samplers/fixed-point");
        gradient_descent_desc =
            load_sampler(plugins, "gradient-descent.so", "samplers/gradient-descent");
        langevin_desc = load_sampler(plugins, "langevin.so", "samplers/langevin");
        loaded = fixed_point_desc && gradient_descent_desc && langevin_desc;
        if (!loaded)
            return NULL;
    }
    if (!lock_made) {
        pthread_mutex_init(&the_mock.lock, NULL);
        lock_made = 1;
    }
    const basin_host *host = make_host(&the_mock, 20240607);
    mock_reset(&the_mock);
    return host;
}

/* A sampler instance from a descriptor: defaults, then "name", value pairs
   ending with NULL. */
static void *make_sampler(const basin_host *host, const basin_descriptor *d, ...)
{
    basin_value values[16];
    int n_params = 0;
    for (; d->params[n_params].name != NULL; n_params++) {
        values[n_params].number = d->params[n_params].default_number;
        values[n_params].string =
            d->params[n_params].default_string ? d->params[n_params].default_string : "";
    }
    va_list ap;
    va_start(ap, d);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
        const double v = va_arg(ap, double);
        int k = 0;
        while (k < n_params && strcmp(d->params[k].name, name) != 0)
            k++;
        if (k == n_params) {
            fprintf(stderr, "%s has no parameter %s\n", d->id, name);
            exit(2);
        }
        values[k].number = v;
    }
    va_end(ap);
    const basin_sampler_iface *iface = d->iface;
    void *s = NULL;
    if (iface->create(host, values, &s) != BASIN_OK) {
        fprintf(stderr, "%s create failed: %s\n", d->id, fake_last_error);
        exit(2);
    }
    return s;
}

static int run(const basin_descriptor *d, void *s, const basin_host *host,
               const basin_model *model, float *x, uint64_t n, uint64_t first,
               basin_outcome *out)
{
    const basin_sampler_iface *iface = d->iface;
    fake_last_error[0] = '\0';
    return iface->run(s, host, model, x, n, first, out);
}

static void destroy(const basin_descriptor *d, void *s)
{
    ((const basin_sampler_iface *)d->iface)->destroy(s);
}

/* ‖a − b‖/√dim in double. */
static double rms_distance(const float *a, const float *b, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s / dim);
}

/* Every sample first..first+n-1 was observed exactly outcome.steps times, in
   order, with well-formed steps. */
static int observed_as_reported(const mock *m, const basin_outcome *out, uint64_t n,
                                uint64_t first)
{
    if (m->n_violations != 0)
        return 0;
    uint64_t total = 0;
    for (uint64_t r = 0; r < n; r++) {
        if (m->observed[first + r] != out[r].steps)
            return 0;
        total += out[r].steps;
    }
    return total == m->n_observed;
}

/* ------------------------------------------------------- the test energies */

/* A with eigenvalues 1 and 3 in two 2 × 2 blocks ((2, 1), (1, 2)): for ω = ½ the
   update map contracts by exactly q = max |1 − λ/2| = ½. */
static const double a_blocks[16] = {2, 1, 0, 0, 1, 2, 0, 0, 0, 0, 2, 1, 0, 0, 1, 2};
static const double a_identity[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
static const float c4[4] = {0.3f, -0.7f, 1.25f, 0.5f};

/* n states of dim, uniform in [-3, 3], role INIT, sample indices first... */
static float *random_states(const basin_host *host, uint64_t first, uint64_t n,
                            uint32_t dim)
{
    float *x = malloc(n * dim * sizeof *x);
    double u[64];
    for (uint64_t r = 0; r < n; r++) {
        host->random_uniform(host, BASIN_ROLE_INIT, first + r, 0, u, dim);
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] = (float)(6 * u[i] - 3);
    }
    return x;
}

/*
 * States c + 0.75 · 2^j (1, −1, 1, −1), j = 0..3: distance r0 = 0.75 · 2^j to c
 * (normalized). On E = ½‖x − c‖² with ω = η = ½ both the update step and the
 * gradient norm after k iterations are 2^-k r0 exactly (halving is exact in
 * float), so with tol = 1e-4 the run takes k = ⌈log2(r0 / tol)⌉ = 13 + j
 * iterations (log2(7500) = 12.87: 9 % from an integer, far above rounding).
 */
static void halving_states(float *x)
{
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++)
            x[j * 4 + i] = c4[i] + (float)(0.75 * ldexp(1, j) * (i % 2 ? -1 : 1));
}

/* --------------------------------------------------------------- fixed-point */

TEST_IMPL(descent_fixed_point)
{
    const basin_host *host = setup();
    ASSERT_NOT_NULL(host);
    mock *m = &the_mock;
    const basin_descriptor *d = fixed_point_desc;
    quadratic q = {.dim = 4, .a = a_identity, .c = c4, .omega = 0.5};
    basin_model model = energy_model(&quadratic_iface, &q, 4);
    basin_outcome out[16];

    /* Exact step counts on the halving map. */
    void *s = make_sampler(host, d, "tol", 1e-4, NULL);
    float x[16];
    halving_states(x);
    mock_reset(m);
    int rc = run(d, s, host, &model, x, 4, 20, out);
    EXPECT_MSG(rc == BASIN_OK, "fixed-point: run: status %d, %s", rc, fake_last_error);
    for (int j = 0; j < 4; j++) {
        /* The last step was 2^-k r0 <= tol, and so is the distance left. */
        const double dist = rms_distance(x + 4 * j, c4, 4);
        EXPECT_MSG(out[j].converged == 1 && out[j].steps == 13u + (unsigned)j &&
                       dist <= 1e-4,
                   "fixed-point: state %d: converged %u in %u iterations (expected 1 in "
                   "%d), distance %g (tol 1e-4)",
                   j, out[j].converged, out[j].steps, 13 + j, dist);
        /* 2^-k r0 = 0.75 · 2^-13, up to the float rounding of states with
           |x| < 2 (ulp 2.4e-7; the halving shrinks earlier roundings). */
        EXPECT_NEAR(dist, 0.75 * ldexp(1, -13), 2.4e-7);
    }
    EXPECT_MSG(observed_as_reported(m, out, 4, 20),
               "fixed-point: observe called once per iteration, in order (%llu calls, "
               "%llu violations)",
               (unsigned long long)m->n_observed, (unsigned long long)m->n_violations);
    destroy(d, s);

    /* max_iter too small: unconverged, max_iter iterations, halfway there. */
    s = make_sampler(host, d, "tol", 1e-4, "max_iter", 5.0, NULL);
    halving_states(x);
    rc = run(d, s, host, &model, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(out[0].converged, 0);
    EXPECT_EQ(out[0].steps, 5);
    EXPECT_NEAR(rms_distance(x, c4, 4), 0.75 / 32, 1e-6); /* 2^-5 r0 */
    destroy(d, s);

    /* A general contraction (q = ½, A with eigenvalues 1 and 3): the fixed point
       lies within q/(1 − q) · tol = tol of the last iterate (Banach), plus the
       float resolution of the states (|x| < 2: 2.4e-7). */
    q.a = a_blocks;
    s = make_sampler(host, d, "tol", 1e-6, NULL);
    float *y = random_states(host, 0, 12, 4);
    rc = run(d, s, host, &model, y, 12, 0, out);
    int ok = rc == BASIN_OK;
    double worst = 0;
    for (int r = 0; r < 12; r++) {
        ok &= out[r].converged == 1 && out[r].steps > 1 && out[r].steps < 40;
        const double dist = rms_distance(y + 4 * r, c4, 4);
        worst = dist > worst ? dist : worst;
    }
    EXPECT_MSG(ok, "fixed-point: 12 random states converge in 2..39 iterations: %s",
               fake_last_error);
    EXPECT_MSG(worst <= 1e-6 + 2.4e-7,
               "fixed-point: 12 random states reach the minimum c within tol (worst %g)",
               worst);
    free(y);
    destroy(d, s);

    /* A map that expands (factor 1 − 3 = −2): the iterates overflow. */
    q.a = a_identity;
    q.omega = 3;
    s = make_sampler(host, d, NULL);
    halving_states(x);
    rc = run(d, s, host, &model, x, 4, 70, out);
    /* BASIN_ENUMERIC, naming the sample. */
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "sample 70");
    q.omega = 0.5;

    /* An energy without an update map; a score model; bad initial states. */
    uint32_t dim = 4;
    basin_model wells = energy_model(&double_well_iface, &dim, 4);
    halving_states(x);
    rc = run(d, s, host, &wells, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "update");
    basin_model score = {.struct_size = sizeof(basin_model), .dim = 4};
    rc = run(d, s, host, &score, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "score");
    x[9] = NAN;
    rc = run(d, s, host, &model, x, 4, 40, out);
    /* A NaN initial state is BASIN_EINVAL naming sample 42. */
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "sample 42");
    destroy(d, s);
}

/* ---------------------------------------------------------- gradient descent */

TEST_IMPL(descent_gradient_descent)
{
    const basin_host *host = setup();
    ASSERT_NOT_NULL(host);
    mock *m = &the_mock;
    const basin_descriptor *d = gradient_descent_desc;
    quadratic q = {.dim = 4, .a = a_identity, .c = c4, .omega = 0.5};
    basin_model model = energy_model(&quadratic_iface, &q, 4);
    basin_outcome out[16];

    /* Exact step counts: ‖∇E‖ halves per step (η = ½, A = I); every step lowers E,
       so backtracking never halves η. */
    void *s = make_sampler(host, d, "step", 0.5, "tol", 1e-4, NULL);
    float x[16];
    halving_states(x);
    mock_reset(m);
    int rc = run(d, s, host, &model, x, 4, 30, out);
    EXPECT_MSG(rc == BASIN_OK, "gradient-descent: run: status %d, %s", rc,
               fake_last_error);
    for (int j = 0; j < 4; j++) {
        const double dist = rms_distance(x + 4 * j, c4, 4);
        EXPECT_MSG(out[j].converged == 1 && out[j].steps == 13u + (unsigned)j &&
                       fabs(dist - 0.75 * ldexp(1, -13)) <= 2.4e-7,
                   "gradient-descent: state %d: converged %u in %u steps (expected 1 in "
                   "%d) at distance %.9g (expected 2^-k r0 = %.9g)",
                   j, out[j].converged, out[j].steps, 13 + j, dist, 0.75 * ldexp(1, -13));
    }
    EXPECT_MSG(observed_as_reported(m, out, 4, 30),
               "gradient-descent: observe called once per step, in order (%llu calls, "
               "%llu violations)",
               (unsigned long long)m->n_observed, (unsigned long long)m->n_violations);
    destroy(d, s);

    /* max_iter too small. */
    s = make_sampler(host, d, "step", 0.5, "tol", 1e-4, "max_iter", 3.0, NULL);
    halving_states(x);
    rc = run(d, s, host, &model, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(out[3].converged, 0);
    EXPECT_EQ(out[3].steps, 3);
    EXPECT_NEAR(rms_distance(x + 12, c4, 4), 6.0 / 8, 1e-6);
    destroy(d, s);

    /* A state at the minimum takes no step. */
    s = make_sampler(host, d, NULL);
    memcpy(x, c4, sizeof c4);
    mock_reset(m);
    rc = run(d, s, host, &model, x, 1, 0, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(out[0].converged, 1);
    EXPECT_EQ(out[0].steps, 0);
    EXPECT_EQ(m->n_observed, 0);
    EXPECT_MSG(memcmp(x, c4, sizeof c4) == 0, "a state at the minimum moved");
    destroy(d, s);

    /* Non-diagonal A (eigenvalues 1, 3): ‖x − c‖ <= ‖∇E‖/λ_min = tol, plus float
       resolution. A step η = 1.5 (|1 − 3η| = 3.5) diverges without backtracking;
       with it η is halved until E falls, and the state converges. */
    q.a = a_blocks;
    const double steps[2] = {0.5, 1.5};
    for (int k = 0; k < 2; k++) {
        s = make_sampler(host, d, "step", steps[k], "tol", 1e-6, NULL);
        float *y = random_states(host, 100, 12, 4);
        mock_reset(m);
        rc = run(d, s, host, &model, y, 12, 100, out);
        int ok = rc == BASIN_OK;
        double worst = 0;
        for (int r = 0; r < 12; r++) {
            ok &= out[r].converged == 1;
            const double dist = rms_distance(y + 4 * r, c4, 4);
            worst = dist > worst ? dist : worst;
        }
        EXPECT_MSG(ok, "gradient-descent: step %g, backtracking: 12 states converge: %s",
                   steps[k], fake_last_error);
        EXPECT_MSG(worst <= 1e-6 + 2.4e-7,
                   "gradient-descent: step %g, backtracking: 12 states reach c within "
                   "tol (worst %g)",
                   steps[k], worst);
        EXPECT_MSG(observed_as_reported(m, out, 12, 100),
                   "gradient-descent: step %g: observe called once per step, in order "
                   "(%llu calls, %llu violations)",
                   steps[k], (unsigned long long)m->n_observed,
                   (unsigned long long)m->n_violations);
        free(y);
        destroy(d, s);
    }
    s = make_sampler(host, d, "step", 1.5, "backtracking", 0.0, NULL);
    float *y = random_states(host, 100, 12, 4);
    rc = run(d, s, host, &model, y, 12, 100, out);
    /* Step 1.5 without backtracking diverges: BASIN_ENUMERIC naming the sample. */
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "sample 100");
    free(y);
    destroy(d, s);

    /* Double well: each coordinate descends to the minimum ±1 on its side (every
       start is in (0.2, 1.6) in magnitude, where η = 0.05 never crosses 0).
       Within tol/E''(±1) = tol/8 < tol of it. */
    uint32_t dim = 6;
    basin_model wells = energy_model(&double_well_iface, &dim, 6);
    s = make_sampler(host, d, "step", 0.05, "tol", 1e-6, NULL);
    float w[60], target[60];
    double u[60];
    host->random_uniform(host, BASIN_ROLE_INIT, 7, 0, u, 60);
    for (int k = 0; k < 60; k++) {
        w[k] = (float)((0.2 + 1.4 * u[k]) * (k % 3 ? 1 : -1));
        target[k] = w[k] > 0 ? 1.0f : -1.0f;
    }
    rc = run(d, s, host, &wells, w, 10, 0, out);
    int ok = rc == BASIN_OK;
    double worst = 0;
    for (int r = 0; r < 10; r++) {
        ok &= out[r].converged == 1;
        const double dist = rms_distance(w + 6 * r, target + 6 * r, 6);
        worst = dist > worst ? dist : worst;
    }
    EXPECT_MSG(ok, "gradient-descent: double well: 10 states converge: %s",
               fake_last_error);
    EXPECT_MSG(worst <= 1e-6,
               "gradient-descent: double well: 10 states reach the minima ±1 of their "
               "starts within tol (worst %g)",
               worst);
    destroy(d, s);

    /* Refusals. */
    s = make_sampler(host, d, NULL);
    halving_states(x);
    basin_model binary = energy_model(&quadratic_binary_iface, &q, 4);
    rc = run(d, s, host, &binary, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "binary");
    basin_model no_gradient = energy_model(&quadratic_no_gradient_iface, &q, 4);
    rc = run(d, s, host, &no_gradient, x, 4, 0, out);
    EXPECT_EQ(rc, BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "gradient");
    x[0] = INFINITY;
    rc = run(d, s, host, &model, x, 4, 5, out);
    /* An infinite initial state. */
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "sample 5");
    destroy(d, s);
}

/* ------------------------------------------------------------------ Langevin */

TEST_IMPL(descent_langevin)
{
    const basin_host *host = setup();
    ASSERT_NOT_NULL(host);
    mock *m = &the_mock;
    const basin_descriptor *d = langevin_desc;
    basin_outcome *out = malloc(4000 * sizeof *out);

    /*
     * Boltzmann law of E = ½ Σ a_i (x_i − c_i)² at T = ½: the chain
     * x ← (1 − ηa) x + √(2ηT) z is Gaussian with stationary variance
     * V = T / (a (1 − ηa/2)) (the Euler–Maruyama bias; the continuous law has
     * T/a), reached from x = c up to a factor 1 − (1 − ηa)^(2·steps) =
     * 1 − 0.95^800 ≈ 1 − 1e-18. n = 4000 independent chains (one sample index
     * each). The sample variance about the known mean c has standard error
     * V √(2/n) (Var (x − c)² = 2V² for a Gaussian): 2.2 % of V; we allow 4 SE.
     * The mean has SE √(V/n). At a = 4 the bias factor 1/(1 − 0.2) = 1.25 is
     * 11 SE away: the test tells the discrete law from T/a.
     */
    const double a[4] = {0.5, 1, 2, 4};
    double a_diag[16] = {0};
    for (int i = 0; i < 4; i++)
        a_diag[i * 5] = a[i];
    const float c[4] = {1, -1, 0.5f, 0};
    quadratic q = {.dim = 4, .a = a_diag, .c = c, .omega = 0.1};
    basin_model model = energy_model(&quadratic_iface, &q, 4);
    const double eta = 0.1, temperature = 0.5;
    const int n = 4000;
    void *s = make_sampler(host, d, "step", eta, "temperature", temperature, "steps",
                           400.0, NULL);
    float *x = malloc((size_t)n * 4 * sizeof *x);
    for (int r = 0; r < n; r++)
        memcpy(x + 4 * r, c, sizeof c);
    mock_reset(m);
    int rc = run(d, s, host, &model, x, n, 0, out);
    EXPECT_MSG(rc == BASIN_OK, "langevin: run: status %d, %s", rc, fake_last_error);
    int unconverged = 1;
    for (int r = 0; r < n; r++)
        unconverged &= out[r].converged == 0 && out[r].steps == 400;
    EXPECT_MSG(unconverged, "langevin: without quench, 400 steps and converged = 0");
    EXPECT_MSG(observed_as_reported(m, out, (uint64_t)n, 0),
               "langevin: each step observed once, in order (%llu calls, %llu "
               "violations)",
               (unsigned long long)m->n_observed, (unsigned long long)m->n_violations);
    for (int i = 0; i < 4; i++) {
        double sum = 0, sum2 = 0;
        for (int r = 0; r < n; r++) {
            const double dx = (double)x[4 * r + i] - c[i];
            sum += dx;
            sum2 += dx * dx;
        }
        const double variance = sum2 / n, mean = sum / n;
        const double v = temperature / (a[i] * (1 - eta * a[i] / 2));
        const double se = v * sqrt(2.0 / n);
        EXPECT_MSG(fabs(variance - v) <= 4 * se,
                   "langevin: coordinate %d (a = %g): variance %.4f vs T/(a(1 − ηa/2)) "
                   "= %.4f ± %.4f (4 SE)",
                   i, a[i], variance, v, 4 * se);
        EXPECT_MSG(fabs(mean) <= 4 * sqrt(v / n),
                   "langevin: coordinate %d (a = %g): mean %.4f vs 0 ± %.4f (4 SE)", i,
                   a[i], mean, 4 * sqrt(v / n));
        if (i == 3)
            EXPECT_MSG(fabs(variance - temperature / a[i]) > 4 * se,
                       "langevin: a = 4: variance %.4f is not told from the continuous "
                       "T/a = %.4f (4 SE %.4f)",
                       variance, temperature / a[i], 4 * se);
    }
    destroy(d, s);

    /* T = 0: plain gradient descent with a fixed step, here x − c ← ½ (x − c). */
    q.a = a_identity;
    q.c = c4;
    s = make_sampler(host, d, "step", 0.5, "temperature", 0.0, "steps", 10.0, NULL);
    float h[16];
    halving_states(h);
    rc = run(d, s, host, &model, h, 4, 0, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_NEAR(rms_distance(h, c4, 4), 0.75 / 1024, 2.4e-7);
    EXPECT_EQ(out[0].steps, 10);
    EXPECT_EQ(out[0].converged, 0);
    destroy(d, s);

    /* Divergence: |1 − ηa| = 3. */
    s = make_sampler(host, d, "step", 4.0, "temperature", 0.01, NULL);
    halving_states(h);
    rc = run(d, s, host, &model, h, 4, 11, out);
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "sample 11");
    destroy(d, s);

    /*
     * Quench on the double well: after 300 noisy steps at T = 0.05 the gradient
     * descent ends at a minimum x_i = ±1 (the one on each coordinate's side),
     * within quench_tol / E''(±1) = tol/8 < tol, reporting converged = 1; the
     * steps count Langevin and quench steps, each observed once.
     */
    uint32_t dim = 8;
    basin_model wells = energy_model(&double_well_iface, &dim, 8);
    s = make_sampler(host, d, "step", 0.01, "temperature", 0.05, "steps", 300.0, "quench",
                     1.0, "quench_tol", 1e-6, NULL);
    float *w = random_states(host, 500, 16, 8);
    mock_reset(m);
    rc = run(d, s, host, &wells, w, 16, 500, out);
    int ok = rc == BASIN_OK, n_plus = 0;
    double worst = 0;
    for (int r = 0; r < 16; r++) {
        ok &= out[r].converged == 1 && out[r].steps > 300;
        float target[8];
        for (int i = 0; i < 8; i++) {
            target[i] = w[8 * r + i] > 0 ? 1.0f : -1.0f;
            n_plus += w[8 * r + i] > 0;
        }
        const double dist = rms_distance(w + 8 * r, target, 8);
        worst = dist > worst ? dist : worst;
    }
    EXPECT_MSG(ok, "langevin: quench: 16 states converge after more than 300 steps: %s",
               fake_last_error);
    EXPECT_MSG(worst <= 1e-6,
               "langevin: quench ends within tol of a double-well minimum "
               "(worst %g)",
               worst);
    EXPECT_MSG(n_plus > 16 && n_plus < 112, "langevin: quench: %d of 128 at +1", n_plus);
    EXPECT_MSG(observed_as_reported(m, out, 16, 500),
               "langevin: quench: each step observed once, in order (%llu calls, %llu "
               "violations)",
               (unsigned long long)m->n_observed, (unsigned long long)m->n_violations);
    free(w);

    /* Cancellation, and an observer that asks to stop. */
    w = random_states(host, 0, 4, 8);
    m->fake.cancel = 1;
    rc = run(d, s, host, &wells, w, 4, 0, out);
    EXPECT_EQ(rc, BASIN_ECANCELED); /* cancelled() stops the run */
    mock_reset(m);
    m->stop_after = 50;
    rc = run(d, s, host, &wells, w, 4, 0, out);
    /* An observer's stop ends the run at once. */
    EXPECT_EQ(rc, BASIN_ECANCELED);
    EXPECT_EQ(m->n_observed, 50);
    mock_reset(m);
    free(w);
    destroy(d, s);
    free(x);
    free(out);
}

/* ------------------------------------------------------ batches and threads */

typedef struct job {
    const basin_descriptor *d;
    void *s;
    const basin_host *host;
    const basin_model *model;
    float *x;
    uint64_t n, first;
    basin_outcome *out;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->rc = run(j->d, j->s, j->host, j->model, j->x, j->n, j->first, j->out);
    return NULL;
}

/*
 * Each sampler: one batch of 12 vs batches of 5 + 7, and 2 threads on 6 + 6 with
 * the same instance: byte-identical states and outcomes. Langevin draws noise,
 * so this checks it is keyed by (sample, step) alone.
 */
TEST_IMPL(descent_batches)
{
    const basin_host *host = setup();
    ASSERT_NOT_NULL(host);
    uint32_t dim = 8;
    basin_model wells = energy_model(&double_well_iface, &dim, 8);
    quadratic q = {.dim = 4, .a = a_blocks, .c = c4, .omega = 0.5};
    basin_model quad = energy_model(&quadratic_iface, &q, 4);
    const basin_descriptor *descs[3] = {fixed_point_desc, gradient_descent_desc,
                                        langevin_desc};
    for (int k = 0; k < 3; k++) {
        const basin_descriptor *d = descs[k];
        void *s = k == 2 ? make_sampler(host, d, "temperature", 0.2, "steps", 200.0,
                                        "quench", 1.0, NULL)
                         : make_sampler(host, d, NULL);
        const basin_model *model = k == 0 ? &quad : &wells;
        const uint32_t n_dim = model->dim;
        float *one = random_states(host, 1000, 12, n_dim);
        float *split = malloc(12 * n_dim * sizeof *split);
        float *threaded = malloc(12 * n_dim * sizeof *threaded);
        memcpy(split, one, 12 * n_dim * sizeof *split);
        memcpy(threaded, one, 12 * n_dim * sizeof *threaded);
        basin_outcome o1[12], o2[12], o3[12];
        int rc = run(d, s, host, model, one, 12, 1000, o1);
        rc |= run(d, s, host, model, split, 5, 1000, o2);
        rc |= run(d, s, host, model, split + 5 * n_dim, 7, 1005, o2 + 5);
        job jobs[2];
        pthread_t threads[2];
        for (int t = 0; t < 2; t++) {
            jobs[t] = (job){d,
                            s,
                            host,
                            model,
                            threaded + 6 * (uint32_t)t * n_dim,
                            6,
                            1000 + 6 * (uint64_t)t,
                            o3 + 6 * t,
                            0};
            pthread_create(&threads[t], NULL, run_job, &jobs[t]);
        }
        int threads_rc = 0;
        for (int t = 0; t < 2; t++) {
            pthread_join(threads[t], NULL);
            threads_rc |= jobs[t].rc;
        }
        EXPECT_MSG(rc == BASIN_OK, "%s: serial runs: status %d, %s", d->id, rc,
                   fake_last_error);
        EXPECT_MSG(threads_rc == BASIN_OK, "%s: threads: status %d", d->id, threads_rc);
        EXPECT_MSG(memcmp(one, split, 12 * n_dim * sizeof *one) == 0 &&
                       memcmp(o1, o2, sizeof o1) == 0,
                   "%s: one batch of 12 and batches of 5 + 7 differ", d->id);
        EXPECT_MSG(memcmp(one, threaded, 12 * n_dim * sizeof *one) == 0 &&
                       memcmp(o1, o3, sizeof o1) == 0,
                   "%s: 2 threads on one instance do not give the serial result", d->id);
        for (int r = 0; r < 12; r++)
            EXPECT_MSG(o1[r].converged == 1, "%s: state %d did not converge", d->id, r);
        free(one);
        free(split);
        free(threaded);
        destroy(d, s);
    }
}

TEST_LIST_BEGIN
TEST_ENTRY(descent_fixed_point)
TEST_ENTRY(descent_gradient_descent)
TEST_ENTRY(descent_langevin)
TEST_ENTRY(descent_batches)
TEST_LIST_END

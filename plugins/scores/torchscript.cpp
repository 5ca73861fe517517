/*
 * scores/torchscript, the C++ half over libtorch (torchscript.h; the plugin the
 * registry sees is torchscript.c) — a denoiser, noise predictor or score network
 * trained in PyTorch, saved with torch.jit.trace/script + torch.jit.save.
 *
 * The call. For n states x (basin rows, float32) at one noise level (α, σ) of
 * x_t = α x0 + σ ε, the plugin calls, on the CPU in float32,
 *
 *     out = model(z, c)      z: (n, dim), or (n, C, H, W) with image_shape "C,H,W"
 *                            c: (n,), every entry the same noise level
 *
 * z is x itself, except for input = "ve-sigma" where z = x/α (the variance-exploding
 * variable y = x0 + (σ/α) ε that EDM networks see). c by `input`:
 *
 *   sigma      c = σ                      (the schedule's σ, not divided by α)
 *   ve-sigma   c = σ/α, z = x/α           (Karras et al. 2022, EDM, sec. 2)
 *   t          c = the time t of `schedule` whose σ(t)/α(t) is σ/α
 *   ddpm-step  c = k − 1 ∈ {0, …, 999}, k = round(1000 t) of ddpm-linear: the 0-based
 *              index of Ho et al. 2020's code (and diffusers), alphas_cumprod[k − 1]
 *
 * The time is recovered from the noise-to-signal ratio ρ = σ/α, which every schedule
 * maps one to one to t (the inverses below of core/process/schedule.h's formulas):
 *   ddpm-linear  T(β0 t + ½(β1 − β0) t²) = log(1 + ρ²),  T = 1000, β0 = 1e-4, β1 = 0.02
 *   cosine       t = (1 + s) θ/(π/2) − s, θ = acos(cos θ0 / √(1 + ρ²)), s = 0.008
 *   ou           t = ½ log(1 + ρ²)
 *   edm          t = ρ
 * A ddpm-step outside [0, 999] (a sampler on another schedule) is clamped, with one
 * warning per instance.
 *
 * The output `out` (the same shape as z) is read by `output`:
 *   denoiser   x̂0 = out
 *   epsilon    x̂0 = (x − σ ε̂)/α,            ε̂ = out (DDPM's noise predictor)
 *   score      x̂0 = (x + σ² s)/α,           s = out = ∇_x log p_t(x)
 *              (ve-sigma: s = ∇_y log p(y), x̂0 = y + ρ² s)
 *   v          x̂0 = (α x − σ v̂)/(α² + σ²),  v̂ = out (v-prediction)
 *              (ve-sigma: v of y = x0 + ρ ε, x̂0 = (y − ρ v̂)/(1 + ρ²))
 * v = α ε − σ x0 is Salimans & Ho 2022 (arXiv:2202.00512, sec. 4 and app. D), who
 * write it for α² + σ² = 1, where x̂0 = α x − σ v̂. For any (α, σ),
 * α x − σ v = α² x0 + ασ ε − ασ ε + σ² x0 = (α² + σ²) x0, so the general form is
 * exact for every schedule (for ou and the ddpm kinds α² + σ² = 1 and it is theirs;
 * for edm, α = 1 and σ = t, it is the v of the variance-exploding variable).
 * (basin/plugin.h, basin_score_iface: ε̂ = (x − α x̂0)/σ, s = (α x̂0 − x)/σ², solved for
 * x̂0), in double.
 *
 * Images: basin's rows are height × width × channels, channels last; with
 * image_shape = "C,H,W" (C·H·W = dim) each row is permuted to PyTorch's NCHW
 * before the call and the output back after it.
 *
 * Threading: denoise is [thread-safe]. Every call runs under c10::InferenceMode (no
 * autograd) on its own input copy. With concurrent = true several basin threads
 * run the one module at once (safe for every model whose forward writes no module
 * state, which is what the PyTorch maintainers promise for inference,
 * pytorch/pytorch#51452); concurrent = false serializes calls with a mutex. `threads`
 * is libtorch's intra-op thread count, a process-wide setting (the last
 * instance created wins).
 *
 * Errors: no C++ exception crosses the C ABI. A missing file, a file that is not a
 * TorchScript archive, a model whose forward fails on a probe batch at create time,
 * the wrong output shape, or a non-finite output each give a one-line message.
 *
 * The library is linked -z nodelete: libtorch is never unloaded (its static
 * registrations do not survive a dlclose and a reload).
 */
#include <basin/plugin.h>

#include "torchscript.h"

#include <torch/script.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace
{

enum output_kind { OUTPUT_DENOISER, OUTPUT_EPSILON, OUTPUT_SCORE, OUTPUT_V };
enum input_kind { INPUT_SIGMA, INPUT_VE_SIGMA, INPUT_T, INPUT_DDPM_STEP };
enum schedule_kind { SCHED_DDPM_LINEAR, SCHED_COSINE, SCHED_OU, SCHED_EDM };

/* The ddpm-linear and cosine constants of core/process/schedule.c (Ho et al. 2020;
 * Nichol &
   Dhariwal 2021). */
constexpr double DDPM_T = 1000.0;
constexpr double DDPM_BETA0 = 1e-4;
constexpr double DDPM_BETA1 = 0.02;
constexpr double COSINE_S = 0.008;
constexpr double PI = 3.14159265358979323846;

struct torchscript {
    uint32_t dim = 0;
    int output = OUTPUT_DENOISER;
    int input = INPUT_SIGMA;
    int schedule = SCHED_DDPM_LINEAR;
    bool image = false;
    int64_t channels = 0, height = 0, width = 0;
    int threads = 1;
    int64_t batch = 256;
    bool concurrent = true;
    torch::jit::Module module;
    std::mutex lock; /* held around forward when !concurrent */
    std::atomic<bool> warned_clamp{false};
};

/* One line of an exception's message, without libtorch's backtrace: the first, or,
   for an error inside the TorchScript interpreter (a TorchScript traceback, then
   the Python exception), the last non-empty one ("RuntimeError: mat1 and mat2
   shapes cannot be multiplied (2x7 and 6x16)"). */
std::string first_line(const std::exception &e)
{
    const c10::Error *ce = dynamic_cast<const c10::Error *>(&e);
    std::string s = ce != nullptr ? ce->what_without_backtrace() : e.what();
    if (s.find("TorchScript interpreter") != std::string::npos) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
            s.pop_back();
        const size_t bol = s.rfind('\n');
        if (bol != std::string::npos)
            s.erase(0, bol + 1);
    }
    const size_t eol = s.find('\n');
    if (eol != std::string::npos)
        s.resize(eol);
    return s.empty() ? std::string("unknown libtorch error") : s;
}

int choice_index(const char *value, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (std::strcmp(value, names[i]) == 0)
            return i;
    return -1;
}

/* "C,H,W" → three positive integers; false if malformed. */
bool parse_shape(const char *z, int64_t shape[3])
{
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        const long long v = std::strtoll(z, &end, 10);
        if (end == z || errno != 0 || v <= 0 || v > (1LL << 31))
            return false;
        shape[i] = v;
        while (*end == ' ')
            end++;
        if (i < 2 && *end != ',')
            return false;
        z = end + (i < 2 ? 1 : 0);
    }
    while (*z == ' ')
        z++;
    return *z == '\0';
}

/* The time t of schedule s with noise-to-signal ratio rho = σ/α (the inverses in
   the file comment). */
double schedule_time(int s, double rho)
{
    const double neg_log_abar = std::log1p(rho * rho); /* −log ᾱ of a VP schedule */
    switch (s) {
    case SCHED_DDPM_LINEAR: {
        /* a t² + b t = L, the root t ≥ 0 in the form without cancellation */
        const double a = 0.5 * DDPM_T * (DDPM_BETA1 - DDPM_BETA0);
        const double b = DDPM_T * DDPM_BETA0;
        return 2 * neg_log_abar / (b + std::sqrt(b * b + 4 * a * neg_log_abar));
    }
    case SCHED_COSINE: {
        const double theta0 = 0.5 * PI * COSINE_S / (1 + COSINE_S);
        const double theta = std::acos(std::cos(theta0) / std::sqrt(1 + rho * rho));
        return theta / (0.5 * PI) * (1 + COSINE_S) - COSINE_S;
    }
    case SCHED_OU:
        return 0.5 * neg_log_abar;
    default:
        return rho;
    }
}

/* The noise level c the model gets at (α, σ) (file comment), and whether a DDPM
   step had to be clamped into [0, 999]. */
double noise_input(const torchscript *m, double alpha, double sigma, bool *clamped)
{
    *clamped = false;
    switch (m->input) {
    case INPUT_SIGMA:
        return sigma;
    case INPUT_VE_SIGMA:
        return sigma / alpha;
    case INPUT_T:
        return schedule_time(m->schedule, sigma / alpha);
    default: {
        double k =
            std::nearbyint(DDPM_T * schedule_time(SCHED_DDPM_LINEAR, sigma / alpha)) - 1;
        if (k < 0 || k > DDPM_T - 1) {
            *clamped = true;
            k = k < 0 ? 0 : DDPM_T - 1;
        }
        return k;
    }
    }
}

/* Run the model on rows x[0..n) at (α, σ) into x0_hat; the caller handles errors
   by catching. Returns 0, or a BASIN_E* code after host->error(). */
int run_chunk(torchscript *m, const basin_host *host, const float *x, int64_t n,
              double alpha, double sigma, float *x0_hat)
{
    const int64_t dim = m->dim;
    bool clamped;
    const double c = noise_input(m, alpha, sigma, &clamped);
    if (clamped && !m->warned_clamp.exchange(true) && host->log != nullptr)
        host->log(host, BASIN_LOG_WARN,
                  "sigma/alpha = %g is outside the DDPM steps 1..1000: clamped to "
                  "step index %g",
                  sigma / alpha, c);

    /* Our own copy of x (the model may write its input in place). */
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    torch::Tensor z = torch::from_blob(const_cast<float *>(x), {n, dim}, opts).clone();
    if (m->input == INPUT_VE_SIGMA)
        z.div_(alpha);
    if (m->image)
        z = z.view({n, m->height, m->width, m->channels})
                .permute({0, 3, 1, 2})
                .contiguous();
    torch::Tensor level = torch::full({n}, c, opts);

    torch::jit::IValue result;
    {
        std::unique_lock<std::mutex> guard(m->lock, std::defer_lock);
        if (!m->concurrent)
            guard.lock();
        result = m->module.forward({z, level});
    }
    if (!result.isTensor()) {
        host->error(host, "the model returned a %s, not a tensor",
                    result.tagKind().c_str());
        return BASIN_EINVAL;
    }
    torch::Tensor out = result.toTensor();
    if (out.sizes() != z.sizes()) {
        std::string want = c10::str(z.sizes()), got = c10::str(out.sizes());
        host->error(host, "the model returned shape %s for input shape %s", got.c_str(),
                    want.c_str());
        return BASIN_EINVAL;
    }
    if (m->image)
        out = out.permute({0, 2, 3, 1});
    out = out.to(torch::kFloat32).contiguous().view({n * dim});
    const float *r = out.data_ptr<float>();

    const double rho = sigma / alpha;
    for (int64_t i = 0; i < n * dim; i++) {
        double v;
        switch (m->output) {
        case OUTPUT_DENOISER:
            v = r[i];
            break;
        case OUTPUT_EPSILON:
            v = ((double)x[i] - sigma * r[i]) / alpha;
            break;
        case OUTPUT_V:
            /* (α x − σ v̂)/(α² + σ²); with ve-sigma, α = 1, σ = ρ on y = x/α */
            v = m->input == INPUT_VE_SIGMA
                    ? ((double)x[i] / alpha - rho * r[i]) / (1 + rho * rho)
                    : (alpha * (double)x[i] - sigma * r[i]) /
                          (alpha * alpha + sigma * sigma);
            break;
        default:
            v = m->input == INPUT_VE_SIGMA
                    ? (double)x[i] / alpha + rho * rho * r[i]
                    : ((double)x[i] + sigma * sigma * r[i]) / alpha;
            break;
        }
        if (!std::isfinite(v) || std::fabs(v) > 3.4e38) {
            host->error(host,
                        "the model's output is not finite at sigma = %g, "
                        "alpha = %g (state %lld, coordinate %lld)",
                        sigma, alpha, (long long)(i / dim), (long long)(i % dim));
            return BASIN_ENUMERIC;
        }
        x0_hat[i] = (float)v;
    }
    return BASIN_OK;
}

int denoise_impl(torchscript *m, const basin_host *host, const float *x, uint64_t n,
                 double alpha, double sigma, float *x0_hat)
{
    if (!(alpha > 0) || !std::isfinite(alpha) || !(sigma >= 0) || !std::isfinite(sigma)) {
        host->error(host,
                    "alpha = %g, sigma = %g: want alpha > 0 and sigma >= 0, "
                    "finite",
                    alpha, sigma);
        return BASIN_EINVAL;
    }
    c10::InferenceMode no_autograd;
    if (at::get_num_threads() != m->threads)
        at::set_num_threads(m->threads);
    for (uint64_t first = 0; first < n; first += (uint64_t)m->batch) {
        const uint64_t rows =
            n - first < (uint64_t)m->batch ? n - first : (uint64_t)m->batch;
        const int rc = run_chunk(m, host, x + first * m->dim, (int64_t)rows, alpha, sigma,
                                 x0_hat + first * m->dim);
        if (rc != BASIN_OK)
            return rc;
    }
    return BASIN_OK;
}

int create_impl(const basin_host *host, const basin_value *params, uint32_t dim,
                torchscript **out)
{
    static const char *const outputs[] = {"denoiser", "epsilon", "score", "v"};
    static const char *const inputs[] = {"sigma", "ve-sigma", "t", "ddpm-step"};
    static const char *const schedules[] = {"ddpm-linear", "cosine", "ou", "edm"};
    const char *file = params[TORCHSCRIPT_FILE].string;
    const int output = choice_index(params[TORCHSCRIPT_OUTPUT].string, outputs, 4);
    const int input = choice_index(params[TORCHSCRIPT_INPUT].string, inputs, 4);
    const int schedule = choice_index(params[TORCHSCRIPT_SCHEDULE].string, schedules, 4);
    if (output < 0 || input < 0 || schedule < 0) {
        host->error(host, "output, input or schedule is not one of its choices");
        return BASIN_EINVAL;
    }
    if (dim == 0) {
        host->error(host, "dim = 0: want at least one coordinate");
        return BASIN_EINVAL;
    }
    std::unique_ptr<torchscript> m(new torchscript);
    m->dim = dim;
    m->output = output;
    m->input = input;
    m->schedule = schedule;
    m->threads = (int)params[TORCHSCRIPT_THREADS].number;
    m->batch = (int64_t)params[TORCHSCRIPT_BATCH].number;
    m->concurrent = params[TORCHSCRIPT_CONCURRENT].number != 0;
    const char *shape = params[TORCHSCRIPT_IMAGE_SHAPE].string;
    if (shape[0] != '\0') {
        int64_t s[3];
        if (!parse_shape(shape, s)) {
            host->error(host,
                        "image_shape = \"%s\" is not \"C,H,W\" (three positive "
                        "integers)",
                        shape);
            return BASIN_EINVAL;
        }
        if (s[0] * s[1] * s[2] != (int64_t)dim) {
            host->error(host,
                        "image_shape = \"%s\" holds %lld values, the data has "
                        "dim = %u",
                        shape, (long long)(s[0] * s[1] * s[2]), dim);
            return BASIN_EINVAL;
        }
        m->image = true;
        m->channels = s[0];
        m->height = s[1];
        m->width = s[2];
    }

    std::FILE *f = std::fopen(file, "rb");
    if (f == nullptr) {
        host->error(host, "file '%s': %s", file, std::strerror(errno));
        return BASIN_EIO;
    }
    std::fclose(f);
    at::set_num_threads(m->threads);
    try {
        m->module = torch::jit::load(file, torch::kCPU);
    } catch (const std::exception &e) {
        host->error(host, "file '%s' is not a TorchScript module (torch.jit.save): %s",
                    file, first_line(e).c_str());
        return BASIN_EINVAL;
    }
    m->module.eval();
    if (m->module.find_method("forward") == c10::nullopt) {
        host->error(host, "file '%s' has no forward method", file);
        return BASIN_EINVAL;
    }

    /* Probe: two states at α = σ = √½, so a wrong signature or shape is a clear
       error now and not in the middle of a run. */
    std::vector<float> probe(2 * (size_t)dim, 0.0f), probe_out(2 * (size_t)dim);
    try {
        const int rc = denoise_impl(m.get(), host, probe.data(), 2, std::sqrt(0.5),
                                    std::sqrt(0.5), probe_out.data());
        if (rc != BASIN_OK)
            return rc;
    } catch (const std::exception &e) {
        host->error(host, "file '%s': forward(x, c) fails on x of shape %s: %s", file,
                    m->image ? "(2, C, H, W)" : "(2, dim)", first_line(e).c_str());
        return BASIN_EINVAL;
    }
    *out = m.release();
    return BASIN_OK;
}

} /* namespace */

/* ------------------------------------------------------------ the C ABI */

extern "C" {

static void torchscript_destroy(void *self)
{
    try {
        delete static_cast<torchscript *>(self);
    } catch (...) {
        /* nothing to report from a destructor */
    }
}

/* A model loaded from `file`, run as the file comment says. BASIN_EIO (the file
   cannot be opened), BASIN_EINVAL (not TorchScript, a bad image_shape, the probe
   call fails or returns the wrong shape), BASIN_ENOMEM. */
static int torchscript_create(const basin_host *host, const basin_value *params,
                              uint32_t dim, void **self)
{
    *self = nullptr;
    try {
        torchscript *m = nullptr;
        const int rc = create_impl(host, params, dim, &m);
        *self = m;
        return rc;
    } catch (const std::bad_alloc &) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    } catch (const std::exception &e) {
        host->error(host, "%s", first_line(e).c_str());
        return BASIN_EINTERNAL;
    } catch (...) {
        host->error(host, "an unknown C++ exception while loading the model");
        return BASIN_EINTERNAL;
    }
}

/* The model is already trained: the training set is not needed. */
static int torchscript_encode(void *self, const basin_host *host, const float *train,
                              uint64_t n)
{
    (void)self;
    (void)host;
    (void)train;
    (void)n;
    return BASIN_OK;
}

/* x̂0 for n states (file comment), in chunks of `batch`. [thread-safe]
   [deterministic for a deterministic model: chunks do not depend on threads]
   BASIN_EINVAL (α ≤ 0, σ < 0, a forward error or wrong shape), BASIN_ENUMERIC
   (non-finite output), BASIN_ENOMEM. */
static int torchscript_denoise(void *self, const basin_host *host, const float *x,
                               uint64_t n, double alpha, double sigma, float *x0_hat)
{
    try {
        return denoise_impl(static_cast<torchscript *>(self), host, x, n, alpha, sigma,
                            x0_hat);
    } catch (const std::bad_alloc &) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    } catch (const std::exception &e) {
        host->error(host, "forward failed at sigma = %g: %s", sigma,
                    first_line(e).c_str());
        return BASIN_EINVAL;
    } catch (...) {
        host->error(host, "an unknown C++ exception in forward");
        return BASIN_EINTERNAL;
    }
}

/* The C++ half's function table, found by torchscript.c with dlsym. */
BASIN_EXPORT extern const basin_score_iface basin_torchscript_impl;
const basin_score_iface basin_torchscript_impl = {
    sizeof(basin_score_iface),
    0,
    torchscript_create,
    torchscript_destroy,
    torchscript_encode,
    torchscript_denoise,
    nullptr,
    nullptr,
    nullptr,
};

} /* extern "C" */

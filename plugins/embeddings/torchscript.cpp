/*
 * embeddings/torchscript, the C++ half over libtorch (torchscript.h; the plugin
 * the registry sees is torchscript.c) — a feature network saved with
 * torch.jit.trace/script + torch.jit.save.
 *
 * The call. For n rows x (basin rows, float32) the plugin calls, on the CPU in
 * float32 under c10::InferenceMode,
 *
 *     out = model(z)      z: (n, dim), or (n, C, H, W) with image_shape "C,H,W"
 *
 * in chunks of at most `batch` rows, and reads out (any shape whose first size is
 * n) as n rows of m = out.numel()/n features, row-major. Basin's rows are height ×
 * width × channels, channels last; with image_shape each row is permuted to
 * PyTorch's NCHW first. Any scaling the network expects (LPIPS wants images in
 * [−1, 1], DINO ImageNet-normalized ones) belongs inside the traced module, so
 * that the file alone defines the space.
 *
 * encode does not train anything: it checks image_shape against dim, runs the
 * model on the first (at most two) training rows and fixes m from the output.
 * features then refuses another dim or an output of another shape, and a
 * non-finite feature.
 *
 * Threading: features is [thread-safe]. With concurrent = true several basin
 * threads run the one module at once (safe for models whose forward writes no
 * module state, pytorch/pytorch#51452); concurrent = false serializes calls with
 * a mutex. `threads` is libtorch's intra-op thread count, a process-wide setting.
 * A model in eval mode whose layers act row by row (no batch statistics) gives a
 * row the same features whatever its batch, up to float rounding, as
 * basin.embedding/1 asks; the host calls in fixed blocks, so results do not
 * depend on basin's thread count.
 *
 * Errors: no C++ exception crosses the C ABI; each becomes one line.
 * The library is linked -z nodelete: libtorch is never unloaded.
 */
#include <basin/plugin.h>

#include "torchscript.h"

#include <torch/script.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace
{

struct embedding {
    bool image = false;
    int64_t channels = 0, height = 0, width = 0;
    int threads = 1;
    int64_t batch = 64;
    bool concurrent = true;
    uint32_t dim = 0; /* after encode; 0 before */
    int64_t m = 0;    /* features per row, after encode */
    torch::jit::Module module;
    std::mutex lock; /* held around forward when !concurrent */
};

/* One line of an exception's message, without libtorch's backtrace (as
   plugins/scores/torchscript.cpp). */
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

/* The model on rows x[0..n) (n × dim): its output as a contiguous float tensor of
   n rows, or an undefined tensor after host->error(). */
torch::Tensor forward_rows(embedding *e, const basin_host *host, const float *x,
                           int64_t n, uint32_t dim)
{
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    /* Our own copy of x (the model may write its input in place). */
    torch::Tensor z =
        torch::from_blob(const_cast<float *>(x), {n, (int64_t)dim}, opts).clone();
    if (e->image)
        z = z.view({n, e->height, e->width, e->channels})
                .permute({0, 3, 1, 2})
                .contiguous();
    torch::jit::IValue result;
    {
        std::unique_lock<std::mutex> guard(e->lock, std::defer_lock);
        if (!e->concurrent)
            guard.lock();
        result = e->module.forward({z});
    }
    if (!result.isTensor()) {
        host->error(host, "the model returned a %s, not a tensor",
                    result.tagKind().c_str());
        return torch::Tensor();
    }
    torch::Tensor out = result.toTensor();
    if (out.dim() < 1 || out.size(0) != n) {
        std::string got = c10::str(out.sizes());
        host->error(host, "the model returned shape %s for a batch of %lld rows",
                    got.c_str(), (long long)n);
        return torch::Tensor();
    }
    return out.to(torch::kFloat32).contiguous().view({n, -1});
}

int encode_impl(embedding *e, const basin_host *host, const float *train, uint64_t n,
                uint32_t dim)
{
    if (n == 0 || dim == 0) {
        host->error(host, "encode needs a training row of one coordinate at least");
        return BASIN_EINVAL;
    }
    if (e->image && e->channels * e->height * e->width != (int64_t)dim) {
        host->error(host, "image_shape holds %lld values, the data has dim = %u",
                    (long long)(e->channels * e->height * e->width), dim);
        return BASIN_EINVAL;
    }
    c10::InferenceMode no_autograd;
    if (at::get_num_threads() != e->threads)
        at::set_num_threads(e->threads);
    const int64_t rows = n < 2 ? (int64_t)n : 2;
    torch::Tensor out = forward_rows(e, host, train, rows, dim);
    if (!out.defined())
        return BASIN_EINVAL;
    if (out.size(1) < 1 || out.size(1) > (int64_t)UINT32_MAX) {
        host->error(host, "the model returned %lld features per row",
                    (long long)out.size(1));
        return BASIN_EINVAL;
    }
    e->dim = dim;
    e->m = out.size(1);
    return BASIN_OK;
}

int features_impl(embedding *e, const basin_host *host, const float *x, uint64_t n,
                  uint32_t dim, float *features)
{
    if (e->dim == 0) {
        host->error(host, "features called before encode");
        return BASIN_EINVAL;
    }
    if (dim != e->dim) {
        host->error(host, "rows of dim %u, but encode saw dim %u", dim, e->dim);
        return BASIN_EINVAL;
    }
    c10::InferenceMode no_autograd;
    if (at::get_num_threads() != e->threads)
        at::set_num_threads(e->threads);
    for (uint64_t first = 0; first < n; first += (uint64_t)e->batch) {
        const int64_t rows =
            (int64_t)(n - first < (uint64_t)e->batch ? n - first : (uint64_t)e->batch);
        torch::Tensor out = forward_rows(e, host, x + first * dim, rows, dim);
        if (!out.defined())
            return BASIN_EINVAL;
        if (out.size(1) != e->m) {
            host->error(host, "the model returned %lld features per row, %lld at encode",
                        (long long)out.size(1), (long long)e->m);
            return BASIN_EINVAL;
        }
        const float *r = out.data_ptr<float>();
        float *dst = features + first * (uint64_t)e->m;
        for (int64_t i = 0; i < rows * e->m; i++) {
            if (!std::isfinite(r[i])) {
                host->error(host, "feature %lld of row %llu is not finite",
                            (long long)(i % e->m),
                            (unsigned long long)(first + (uint64_t)(i / e->m)));
                return BASIN_ENUMERIC;
            }
            dst[i] = r[i];
        }
    }
    return BASIN_OK;
}

int create_impl(const basin_host *host, const basin_value *params, embedding **out)
{
    const char *file = params[TORCHSCRIPT_EMBEDDING_FILE].string;
    std::unique_ptr<embedding> e(new embedding);
    e->threads = (int)params[TORCHSCRIPT_EMBEDDING_THREADS].number;
    e->batch = (int64_t)params[TORCHSCRIPT_EMBEDDING_BATCH].number;
    e->concurrent = params[TORCHSCRIPT_EMBEDDING_CONCURRENT].number != 0;
    const char *shape = params[TORCHSCRIPT_EMBEDDING_IMAGE_SHAPE].string;
    if (shape[0] != '\0') {
        int64_t s[3];
        if (!parse_shape(shape, s)) {
            host->error(host,
                        "image_shape = \"%s\" is not \"C,H,W\" (three positive "
                        "integers)",
                        shape);
            return BASIN_EINVAL;
        }
        e->image = true;
        e->channels = s[0];
        e->height = s[1];
        e->width = s[2];
    }
    std::FILE *f = std::fopen(file, "rb");
    if (f == nullptr) {
        host->error(host, "file '%s': %s", file, std::strerror(errno));
        return BASIN_EIO;
    }
    std::fclose(f);
    at::set_num_threads(e->threads);
    try {
        e->module = torch::jit::load(file, torch::kCPU);
    } catch (const std::exception &ex) {
        host->error(host, "file '%s' is not a TorchScript module (torch.jit.save): %s",
                    file, first_line(ex).c_str());
        return BASIN_EINVAL;
    }
    e->module.eval();
    if (e->module.find_method("forward") == c10::nullopt) {
        host->error(host, "file '%s' has no forward method", file);
        return BASIN_EINVAL;
    }
    *out = e.release();
    return BASIN_OK;
}

} /* namespace */

/* ------------------------------------------------------------ the C ABI */

extern "C" {

static void torchscript_destroy(void *self)
{
    try {
        delete static_cast<embedding *>(self);
    } catch (...) {
        /* nothing to report from a destructor */
    }
}

/* A model loaded from `file`. BASIN_EIO (the file cannot be opened), BASIN_EINVAL
   (not TorchScript, a bad image_shape), BASIN_ENOMEM. */
static int torchscript_create(const basin_host *host, const basin_value *params,
                              void **self)
{
    *self = nullptr;
    try {
        embedding *e = nullptr;
        const int rc = create_impl(host, params, &e);
        *self = e;
        return rc;
    } catch (const std::bad_alloc &) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    } catch (const std::exception &ex) {
        host->error(host, "%s", first_line(ex).c_str());
        return BASIN_EINTERNAL;
    } catch (...) {
        host->error(host, "an unknown C++ exception while loading the model");
        return BASIN_EINTERNAL;
    }
}

/* The network is pretrained: encode probes it on the training rows for m. */
static int torchscript_encode(void *self, const basin_host *host, const float *train,
                              uint64_t n, uint32_t dim)
{
    try {
        return encode_impl(static_cast<embedding *>(self), host, train, n, dim);
    } catch (const std::bad_alloc &) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    } catch (const std::exception &ex) {
        host->error(host, "forward(x) fails on the training rows: %s",
                    first_line(ex).c_str());
        return BASIN_EINVAL;
    } catch (...) {
        host->error(host, "an unknown C++ exception in forward");
        return BASIN_EINTERNAL;
    }
}

static uint32_t torchscript_dimension(void *self)
{
    return (uint32_t) static_cast<const embedding *>(self)->m;
}

/* The features of n rows, in chunks of `batch`. [thread-safe] */
static int torchscript_features(void *self, const basin_host *host, const float *x,
                                uint64_t n, uint32_t dim, float *out)
{
    try {
        return features_impl(static_cast<embedding *>(self), host, x, n, dim, out);
    } catch (const std::bad_alloc &) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    } catch (const std::exception &ex) {
        host->error(host, "forward failed: %s", first_line(ex).c_str());
        return BASIN_EINVAL;
    } catch (...) {
        host->error(host, "an unknown C++ exception in forward");
        return BASIN_EINTERNAL;
    }
}

/* The C++ half's function table, found by torchscript.c with dlsym. */
BASIN_EXPORT extern const basin_embedding_iface basin_torchscript_embedding_impl;
const basin_embedding_iface basin_torchscript_embedding_impl = {
    sizeof(basin_embedding_iface),
    0,
    torchscript_create,
    torchscript_destroy,
    torchscript_encode,
    torchscript_dimension,
    torchscript_features,
};

} /* extern "C" */

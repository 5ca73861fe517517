/*
 * scores/torchscript — a denoiser, noise predictor or score network trained in
 * PyTorch and saved as TorchScript (torch.jit.trace or torch.jit.script, then
 * torch.jit.save), evaluated through libtorch. The model is called as
 * model(z, c) on the CPU in float32; torchscript.cpp's file comment gives the
 * conventions (what z and c are for each `input`, how x̂0 follows from each
 * `output`, image layout, threading), docs/plugin-guide.md a worked export.
 *
 * This file is the plugin the registry loads: it holds the descriptor and the
 * parameter table and links nothing of libtorch, so `basin plugins` and every run
 * that does not use the model stay fast (loading libtorch takes about a second).
 * The first create() dlopens the C++ half, TORCHSCRIPT_IMPL_FILE in this library's
 * own directory (torchscript.h), and forwards every call to it. [thread-safe after
 * create, as the C++ half is]
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#define _GNU_SOURCE /* dladdr */
#include <basin/plugin.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "torchscript.h"

static const basin_param_def torchscript_params[TORCHSCRIPT_N_PARAMS + 1] = {
    [TORCHSCRIPT_FILE] =
        {"file", BASIN_PARAM_STRING, 0, "model.pt", 0, 0, NULL,
         BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH,
         "the TorchScript file (torch.jit.save of a traced or scripted module) whose "
         "forward(x, c) is called"},
    [TORCHSCRIPT_OUTPUT] =
        {"output", BASIN_PARAM_CHOICE, 0, "denoiser", 0, 0, "denoiser|epsilon|score|v", 0,
         "what the model returns: the denoiser x0_hat, the noise eps_hat "
         "(x0_hat = (x - sigma eps_hat)/alpha), the score (x0_hat = (x + sigma^2 "
         "s)/alpha) or v = alpha eps - sigma x0 (Salimans & Ho 2022; x0_hat = "
         "(alpha x - sigma v)/(alpha^2 + sigma^2))"},
    [TORCHSCRIPT_INPUT] =
        {"input", BASIN_PARAM_CHOICE, 0, "sigma", 0, 0, "sigma|ve-sigma|t|ddpm-step", 0,
         "the noise level c the model gets: sigma; sigma/alpha with x/alpha for x (EDM); "
         "the schedule time t; or the 0-based DDPM step index round(1000 t) - 1"},
    [TORCHSCRIPT_SCHEDULE] =
        {"schedule", BASIN_PARAM_CHOICE, 0, "ddpm-linear", 0, 0,
         "ddpm-linear|cosine|ou|edm", 0,
         "the schedule whose time t the model was trained on (input = t only)"},
    [TORCHSCRIPT_IMAGE_SHAPE] =
        {"image_shape", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "\"C,H,W\" to call the model on (n, C, H, W) images made from the channels-last "
         "rows; empty: on (n, dim)"},
    [TORCHSCRIPT_THREADS] =
        {"threads", BASIN_PARAM_INT, 1, NULL, 1, 256, NULL, 0,
         "libtorch intra-op threads per call (a process-wide setting)"},
    [TORCHSCRIPT_BATCH] = {"batch", BASIN_PARAM_INT, 256, NULL, 1, 1 << 20, NULL, 0,
                           "the most states passed to the model in one forward call"},
    [TORCHSCRIPT_CONCURRENT] =
        {"concurrent", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
         "let several basin threads run the model at once (false: one call at a time, "
         "for models whose forward writes module state)"},
    [TORCHSCRIPT_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* The C++ half, loaded once (RTLD_NODELETE: libtorch is never unloaded). */
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;
static const basin_score_iface *impl;
static char impl_error[4096 + 1024];

static void impl_load(void)
{
    Dl_info info;
    char path[4096];
    if (dladdr((const void *)&torchscript_params, &info) == 0 || info.dli_fname == NULL) {
        snprintf(impl_error, sizeof impl_error, "cannot find this plugin's own path");
        return;
    }
    const char *slash = strrchr(info.dli_fname, '/');
    const int n_dir = slash == NULL ? 0 : (int)(slash - info.dli_fname + 1);
    snprintf(path, sizeof path, "%.*s%s", n_dir, info.dli_fname, TORCHSCRIPT_IMPL_FILE);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(impl_error, sizeof impl_error, "cannot load libtorch through %s: %s",
                 path, why != NULL ? why : "unknown error");
        return;
    }
    impl = dlsym(lib, TORCHSCRIPT_IMPL_SYMBOL);
    if (impl == NULL || impl->struct_size < sizeof(basin_score_iface))
        snprintf(impl_error, sizeof impl_error, "%s lacks %s", path,
                 TORCHSCRIPT_IMPL_SYMBOL);
}

/* Load the C++ half on first use, then create the model there. BASIN_EIO when the
   C++ half or libtorch cannot be loaded; otherwise the C++ half's status. */
static int torchscript_create(const basin_host *host, const basin_value *params,
                              uint32_t dim, void **self)
{
    *self = NULL;
    pthread_once(&impl_once, impl_load);
    if (impl == NULL) {
        host->error(host, "%s", impl_error);
        return BASIN_EIO;
    }
    return impl->create(host, params, dim, self);
}

static void torchscript_destroy(void *self)
{
    if (self != NULL && impl != NULL)
        impl->destroy(self);
}

static int torchscript_encode(void *self, const basin_host *host, const float *train,
                              uint64_t n)
{
    return impl->encode(self, host, train, n);
}

static int torchscript_denoise(void *self, const basin_host *host, const float *x,
                               uint64_t n, double alpha, double sigma, float *x0_hat)
{
    return impl->denoise(self, host, x, n, alpha, sigma, x0_hat);
}

static const basin_score_iface torchscript_iface = {
    .struct_size = sizeof(basin_score_iface),
    .create = torchscript_create,
    .destroy = torchscript_destroy,
    .encode = torchscript_encode,
    .denoise = torchscript_denoise,
};

static const basin_descriptor torchscript_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/torchscript",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary = "a PyTorch denoiser, noise predictor or score network saved as "
               "TorchScript, run through libtorch",
    .params = torchscript_params,
    .iface = &torchscript_iface,
};

static const basin_descriptor *const torchscript_plugins[] = {&torchscript_descriptor,
                                                              NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "torchscript",
    torchscript_plugins,
};

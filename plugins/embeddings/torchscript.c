/*
 * embeddings/torchscript — a feature network trained in PyTorch and saved as
 * TorchScript (torch.jit.trace or torch.jit.script, then torch.jit.save), evaluated
 * through libtorch: how an LPIPS-, SSCD- or DINO-style space becomes a recipe's
 * [measure] space (docs/plugin-guide.md, "Embeddings"). The model is called as
 * model(z) on the CPU in float32 and its output, any shape (n, ...), is read as n
 * rows of m features; torchscript.cpp's file comment gives the conventions.
 *
 * This file is the plugin the registry loads: it holds the descriptor and the
 * parameter table and links nothing of libtorch, so `basin plugins` and every run
 * that does not use the model stay fast. The first create() dlopens the C++ half,
 * TORCHSCRIPT_EMBEDDING_IMPL_FILE in this library's own directory (torchscript.h),
 * and forwards every call to it. [thread-safe after encode, as the C++ half is]
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

static const basin_param_def torchscript_params[TORCHSCRIPT_EMBEDDING_N_PARAMS + 1] = {
    [TORCHSCRIPT_EMBEDDING_FILE] =
        {"file", BASIN_PARAM_STRING, 0, "features.pt", 0, 0, NULL,
         BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH,
         "the TorchScript file (torch.jit.save of a traced or scripted module) whose "
         "forward(x) returns the features of a batch"},
    [TORCHSCRIPT_EMBEDDING_IMAGE_SHAPE] =
        {"image_shape", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
         "\"C,H,W\" to call the model on (n, C, H, W) images made from the channels-last "
         "rows; empty: on (n, dim)"},
    [TORCHSCRIPT_EMBEDDING_THREADS] =
        {"threads", BASIN_PARAM_INT, 1, NULL, 1, 256, NULL, 0,
         "libtorch intra-op threads per call (a process-wide setting)"},
    [TORCHSCRIPT_EMBEDDING_BATCH] =
        {"batch", BASIN_PARAM_INT, 64, NULL, 1, 1 << 20, NULL, 0,
         "the most states passed to the model in one forward call"},
    [TORCHSCRIPT_EMBEDDING_CONCURRENT] =
        {"concurrent", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
         "let several basin threads run the model at once (false: one call at a time, "
         "for models whose forward writes module state)"},
    [TORCHSCRIPT_EMBEDDING_N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* The C++ half, loaded once (RTLD_NODELETE: libtorch is never unloaded). */
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;
static const basin_embedding_iface *impl;
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
    snprintf(path, sizeof path, "%.*s%s", n_dir, info.dli_fname,
             TORCHSCRIPT_EMBEDDING_IMPL_FILE);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(impl_error, sizeof impl_error, "cannot load libtorch through %s: %s",
                 path, why != NULL ? why : "unknown error");
        return;
    }
    impl = dlsym(lib, TORCHSCRIPT_EMBEDDING_IMPL_SYMBOL);
    if (impl == NULL || impl->struct_size < sizeof(basin_embedding_iface)) {
        impl = NULL;
        snprintf(impl_error, sizeof impl_error, "%s lacks %s", path,
                 TORCHSCRIPT_EMBEDDING_IMPL_SYMBOL);
    }
}

/* Load the C++ half on first use, then create the model there. BASIN_EIO when the
   C++ half or libtorch cannot be loaded; otherwise the C++ half's status. */
static int torchscript_create(const basin_host *host, const basin_value *params,
                              void **self)
{
    *self = NULL;
    pthread_once(&impl_once, impl_load);
    if (impl == NULL) {
        host->error(host, "%s", impl_error);
        return BASIN_EIO;
    }
    return impl->create(host, params, self);
}

static void torchscript_destroy(void *self)
{
    if (self != NULL && impl != NULL)
        impl->destroy(self);
}

static int torchscript_encode(void *self, const basin_host *host, const float *train,
                              uint64_t n, uint32_t dim)
{
    return impl->encode(self, host, train, n, dim);
}

static uint32_t torchscript_dimension(void *self)
{
    return impl->dimension(self);
}

static int torchscript_features(void *self, const basin_host *host, const float *x,
                                uint64_t n, uint32_t dim, float *out)
{
    return impl->features(self, host, x, n, dim, out);
}

static const basin_embedding_iface torchscript_iface = {
    .struct_size = sizeof(basin_embedding_iface),
    .create = torchscript_create,
    .destroy = torchscript_destroy,
    .encode = torchscript_encode,
    .dimension = torchscript_dimension,
    .features = torchscript_features,
};

static const basin_descriptor torchscript_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "embeddings/torchscript",
    .interface = BASIN_IFACE_EMBEDDING,
    .version = "1.0.0",
    .summary = "a PyTorch feature network saved as TorchScript (an LPIPS-, SSCD- or "
               "DINO-style space), run through libtorch",
    .params = torchscript_params,
    .iface = &torchscript_iface,
};

static const basin_descriptor *const torchscript_plugins[] = {&torchscript_descriptor,
                                                              NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "torchscript-embedding",
    torchscript_plugins,
};

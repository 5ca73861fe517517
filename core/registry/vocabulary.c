#include "registry/vocabulary.h"

#include <stdio.h>
#include <strings.h>

#define SAMPLER(id) "plugin = \"samplers/" id "\""

static const vocabulary_word words[] = {
    /* k-diffusion's sample_* functions (the names ComfyUI and others show) */
    {"euler", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("euler")},
    {"euler_ancestral", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("euler-ancestral")},
    {"euler_a", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("euler-ancestral")},
    {"heun", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("heun")},
    {"dpm_2", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("dpm-2")},
    {"dpm2", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("dpm-2")},
    {"dpmpp_2m", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("dpmpp-2m")},
    {"dpmpp_2m_sde", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("dpmpp-2m-sde")},
    {"ddim", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("ddim")},
    {"ddpm", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("ddpm")},
    {"euler_maruyama", VOCABULARY_SAMPLER, "k-diffusion's", SAMPLER("euler-maruyama")},
    {"dpm_2_ancestral", VOCABULARY_SAMPLER, "k-diffusion's",
     "not in basin; nearest: samplers/dpm-2 or samplers/euler-ancestral"},
    {"dpmpp_2s_ancestral", VOCABULARY_SAMPLER, "k-diffusion's",
     "not in basin; nearest: samplers/dpmpp-2m-sde"},
    {"dpmpp_sde", VOCABULARY_SAMPLER, "k-diffusion's",
     "not in basin; nearest: samplers/dpmpp-2m-sde"},
    {"lms", VOCABULARY_SAMPLER, "k-diffusion's",
     "not in basin; nearest: samplers/dpmpp-2m"},
    /* k-diffusion's get_sigmas_* grids */
    {"karras", VOCABULARY_SCHEDULE, "k-diffusion's",
     "[schedule] name = \"edm\", grid = \"karras\" (the default), rho = 7"},
    {"exponential", VOCABULARY_SCHEDULE, "k-diffusion's", "[schedule] grid = \"log\""},
    {"polyexponential", VOCABULARY_SCHEDULE, "k-diffusion's",
     "not in basin; nearest: [schedule] grid = \"log\""},
    {"vp", VOCABULARY_SCHEDULE, "k-diffusion's",
     "[schedule] name = \"ddpm-linear\" (beta_d = 19.9, beta_min = 0.1: "
     "beta_start = 1e-4, beta_end = 0.02 over 1000 steps)"},
    {"ve", VOCABULARY_SCHEDULE, "k-diffusion's", "[schedule] name = \"edm\""},
    /* diffusers' scheduler classes and beta_schedule values */
    {"EulerDiscreteScheduler", VOCABULARY_SAMPLER, "diffusers'", SAMPLER("euler")},
    {"EulerAncestralDiscreteScheduler", VOCABULARY_SAMPLER, "diffusers'",
     SAMPLER("euler-ancestral")},
    {"HeunDiscreteScheduler", VOCABULARY_SAMPLER, "diffusers'", SAMPLER("heun")},
    {"KDPM2DiscreteScheduler", VOCABULARY_SAMPLER, "diffusers'", SAMPLER("dpm-2")},
    {"DPMSolverMultistepScheduler", VOCABULARY_SAMPLER, "diffusers'",
     SAMPLER("dpmpp-2m") " (algorithm_type dpmsolver++, solver_order 2) or "
                         "samplers/dpmpp-2m-sde (sde-dpmsolver++)"},
    {"DDIMScheduler", VOCABULARY_SAMPLER, "diffusers'", SAMPLER("ddim")},
    {"DDPMScheduler", VOCABULARY_SAMPLER, "diffusers'", SAMPLER("ddpm")},
    {"linear", VOCABULARY_SCHEDULE, "diffusers'", "[schedule] name = \"ddpm-linear\""},
    {"scaled_linear", VOCABULARY_SCHEDULE, "diffusers'",
     "[schedule] name = \"ddpm-scaled-linear\""},
    {"squaredcos_cap_v2", VOCABULARY_SCHEDULE, "diffusers'",
     "[schedule] name = \"cosine\""},
    {"use_karras_sigmas", VOCABULARY_SCHEDULE, "diffusers'",
     "[schedule] grid = \"karras\" (the default)"},
};
#define N_WORDS (sizeof words / sizeof words[0])

const vocabulary_word *vocabulary_find(const char *word, vocabulary_kind kind)
{
    if (word == NULL)
        return NULL;
    for (size_t k = 0; k < N_WORDS; k++)
        if (words[k].kind == kind && strcasecmp(word, words[k].word) == 0)
            return &words[k];
    return NULL;
}

int vocabulary_hint(const char *word, vocabulary_kind kind, char *buf, size_t n)
{
    const vocabulary_word *w = vocabulary_find(word, kind);
    if (n > 0)
        buf[0] = '\0';
    if (w == NULL)
        return 0;
    if (n > 0)
        snprintf(buf, n, " (%s name; in basin: %s)", w->source, w->basin);
    return 1;
}

const vocabulary_word *vocabulary_table(size_t *n)
{
    *n = N_WORDS;
    return words;
}

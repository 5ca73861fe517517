/* Placeholder: implemented on the samplers branch. */
#include "schedule.h"

const basin_param_def schedule_params[] = {
    {"name", BASIN_PARAM_CHOICE, 0, "ou", 0, 0, SCHEDULE_NAMES, 0,
     "the noise schedule: ddpm-linear, cosine, ou (Ornstein-Uhlenbeck) or edm (Karras)"},
    {"t_min", BASIN_PARAM_REAL, -1, NULL, -1, 1e6, NULL, 0,
     "where generation stops, in the schedule's time (-1: its default end)"},
    {"t_max", BASIN_PARAM_REAL, -1, NULL, -1, 1e6, NULL, 0,
     "where generation starts, in the schedule's time (-1: its default end)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

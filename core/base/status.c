#include "base/status.h"

const char *status_name(int status)
{
    switch (status) {
    case BASIN_OK:
        return "ok";
    case BASIN_EINVAL:
        return "invalid input";
    case BASIN_ENOMEM:
        return "out of memory";
    case BASIN_EIO:
        return "input/output error";
    case BASIN_ENUMERIC:
        return "numerical failure";
    case BASIN_ECANCELED:
        return "canceled";
    case BASIN_EUNSUPPORTED:
        return "not supported by this model";
    case BASIN_EINTERNAL:
        return "internal error";
    case BASIN_EWRITE:
        return "write error";
    case BASIN_EFAILED:
        return "failed";
    }
    return "unknown status";
}

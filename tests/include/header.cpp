// Compile test of basin/plugin.h as C++ (-Wall -Wextra -pedantic -Werror): a
// plugin written in C++ declares its entry object the same way.
#include "basin/plugin.h"

#include <cstdio>

static const basin_param_def kParams[] = {
    {"beta", BASIN_PARAM_REAL, 1.0, nullptr, 0, 1e308, nullptr, BASIN_PARAM_MIN_EXCLUSIVE,
     "inverse temperature"},
    {nullptr, BASIN_PARAM_INT, 0, nullptr, 0, 0, nullptr, 0, nullptr},
};

int main()
{
    basin_library lib = {BASIN_LIBRARY_HEADER, "cpp", nullptr};
    bool ok = lib.abi_major == BASIN_ABI_MAJOR && lib.struct_size == sizeof lib &&
              kParams[1].name == nullptr &&
              basin_abi_compatible(lib.abi_major, lib.abi_minor) &&
              !basin_abi_compatible(lib.abi_major, lib.abi_minor + 1);
    std::printf("%s: plugin.h as C++\n", ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}

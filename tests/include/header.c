/* Compile test of basin/plugin.h as C99 and C11 (-Wall -Wextra -pedantic -Werror),
 * and a check that the layout promises of the ABI hold: every versioned struct
 * starts with its size field, so a host can read it before anything else; and
 * that basin_abi_compatible states the rule: same major, minor not newer. */
#include "basin/plugin.h"

#include <stdio.h>

#define FIRST_IS_SIZE(T) (offsetof(T, struct_size) == 0)

int main(void)
{
    int ok = FIRST_IS_SIZE(basin_host) && FIRST_IS_SIZE(basin_dataset_iface) &&
             FIRST_IS_SIZE(basin_energy_iface) && FIRST_IS_SIZE(basin_score_iface) &&
             FIRST_IS_SIZE(basin_sampler_iface) && FIRST_IS_SIZE(basin_descriptor) &&
             FIRST_IS_SIZE(basin_step) && FIRST_IS_SIZE(basin_model) &&
             FIRST_IS_SIZE(basin_schedule) && offsetof(basin_library, abi_major) == 0 &&
             offsetof(basin_library, abi_minor) == 4 &&
             offsetof(basin_library, struct_size) == 8;
    printf("%s: plugin.h as C (%ld): %s\n", ok ? "ok" : "FAIL", (long)__STDC_VERSION__,
           ok ? "size fields first" : "a size field is not first");
    const uint32_t major = BASIN_ABI_MAJOR, minor = BASIN_ABI_MINOR;
    int rule = basin_abi_compatible(major, minor) &&
               (minor == 0 || basin_abi_compatible(major, minor - 1)) &&
               !basin_abi_compatible(major, minor + 1) &&
               !basin_abi_compatible(major + 1, 0) &&
               (major == 0 || !basin_abi_compatible(major - 1, minor));
    printf("%s: basin_abi_compatible: %s\n", rule ? "ok" : "FAIL",
           rule ? "same major, minor not newer" : "does not state the rule");
    return ok && rule ? 0 : 1;
}

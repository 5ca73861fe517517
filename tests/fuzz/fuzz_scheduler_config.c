/*
 * fuzz-scheduler-config — the diffusers scheduler-config reader
 * (recipe/scheduler_config.h) that `[schedule] from` reads: the input is the file.
 * A refusal has a one-line message; an accepted file maps to one of basin's three
 * schedules with a β range the schedule accepts (ddpm kinds) or none (cosine).
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "recipe/scheduler_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], err[1024] = "";
    fuzz_write("scheduler_config.json", data, size, path, sizeof path);
    scheduler_config c;
    if (scheduler_config_read(path, &c, err, sizeof err) != 0) {
        if (err[0] == '\0' || strchr(err, '\n'))
            abort(); /* a refusal without a message, or of more than one line */
        fuzz_note("%s", err);
    } else {
        const int ddpm =
            !strcmp(c.name, "ddpm-linear") || !strcmp(c.name, "ddpm-scaled-linear");
        if (!(ddpm || !strcmp(c.name, "cosine")))
            abort();
        if (ddpm && !(c.beta_start > 0 && c.beta_start < c.beta_end && c.beta_end < 1))
            abort();
        if (!ddpm && (c.beta_start != -1 || c.beta_end != -1))
            abort();
        fuzz_note("ok: %s %g %g %s", c.name, c.beta_start, c.beta_end, c.output);
    }
    fuzz_clean();
    return 0;
}

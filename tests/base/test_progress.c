/* The progress lines (base/progress.h): the bar fits any width and never wraps;
   the log lines say done/total, the percentage and the ETA (elapsed · (1 − f)/f). */
#include <string.h>

#include "base/progress.h"
#include "harness.h"

TEST_IMPL(progress_bar_fits)
{
    char line[512];
    const char *label = "job 12/480 run (samplers/langevin) 40% - a long label indeed";
    for (int width = 2; width <= 200; width++) {
        progress_format_bar(line, sizeof line, 0.5, label, 65, width);
        EXPECT_LE((long)strlen(line), width - 1);
    }
    /* Wide enough: the whole line, the label whole. */
    progress_format_bar(line, sizeof line, 0.25, "job 1/4", 30, 120);
    EXPECT_MSG(strcmp(line,
                      "[#######.......................]  25%  job 1/4  elapsed 0:30  "
                      "ETA 1:30") == 0,
               "%s", line);
    /* 80 columns: the label is cut, the times stay. */
    progress_format_bar(line, sizeof line, 0.5, label, 65, 80);
    EXPECT_EQ((long)strlen(line), 79);
    EXPECT(strstr(line, "ETA 1:05") != NULL);
}

TEST_IMPL(progress_log_lines)
{
    char line[256];
    progress_format_log(line, sizeof line, 0.25, 3, 12, 12);
    EXPECT_MSG(strcmp(line, "basin: job 3/12 done, 25%, elapsed 0:12, ETA 0:36") == 0,
               "%s", line);
    progress_format_log(line, sizeof line, 0.5, 0, 0, 3725);
    EXPECT_MSG(strcmp(line, "basin: 50%, elapsed 1:02:05, ETA 1:02:05") == 0, "%s", line);
    progress_format_log(line, sizeof line, 0, 0, 0, 5);
    EXPECT_MSG(strcmp(line, "basin: 0%, elapsed 0:05, ETA --:--") == 0, "%s", line);
}

TEST_LIST_BEGIN
TEST_ENTRY(progress_bar_fits)
TEST_ENTRY(progress_log_lines)
TEST_LIST_END

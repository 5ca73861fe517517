/*
 * fuzz-csv — the results-CSV reader (report/csv_table.h) that `basin report` reads
 * summary.csv, records.csv and the optional tables with: the input is the file;
 * a table read is looked up by each header name and read as numbers cell by cell.
 */
#include "fuzz.h"

#include <stdlib.h>

#include "report/csv_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], err[512];
    fuzz_write("table.csv", data, size, path, sizeof path);
    csv_table t;
    if (csv_table_read(path, &t, err, sizeof err) != 0) {
        fuzz_note("%s", err);
    } else {
        fuzz_note("ok: %zu columns, %zu rows", t.n_cols, t.n_rows);
        for (size_t c = 0; c < t.n_cols; c++)
            if (csv_table_column(&t, t.header[c]) < 0)
                abort(); /* a header name that is not found */
        for (size_t r = 0; r < t.n_rows; r++)
            for (size_t c = 0; c < t.n_cols; c++) {
                double v;
                csv_table_number(&t, r, c, &v);
            }
    }
    csv_table_free(&t);
    fuzz_clean();
    return 0;
}

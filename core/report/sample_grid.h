/*
 * sample_grid — the picture of a report's samples.png: generated samples, each
 * beside its nearest training image, framed in its class colour (memorized green,
 * spurious orange, generalized blue, unconverged grey) and labelled beneath with
 * the class letter, the spurious group (S3: the third attractor that several
 * samples fell into) and d_m:  "S3 d=0.215".
 *
 * Every image of a grid shares one linear map of values to 0..255,
 * v ↦ round(255 (v − lo)/(hi − lo)) clamped, lo and hi the extremes of the shown
 * images, and is enlarged `scale` times (nearest neighbour), so a tile's pixels can
 * be compared with its row of samples.npy (the report's samples-grid.csv gives
 * each tile's position).
 */
#ifndef BASIN_SAMPLE_GRID_H
#define BASIN_SAMPLE_GRID_H

#include <stddef.h>
#include <stdint.h>

typedef struct grid_tile {
    const float *sample;  /* height·width·channels values, channels last */
    const float *nearest; /* its nearest training image, or NULL */
    int cls;              /* measure_class */
    uint32_t group;       /* spurious attractor group (1-based), 0 none */
    double d_m;           /* distance to the nearest training point */
    int new_row;          /* begin a new row of the grid here */
    /* Set by sample_grid_draw: top-left corners of the two images. */
    uint32_t x_sample, y_sample, x_nearest, y_nearest;
} grid_tile;

typedef struct sample_grid {
    uint32_t height, width, channels; /* of one image */
    uint32_t scale;                   /* each pixel drawn scale × scale */
    double lo, hi;                    /* the value map */
    uint32_t image_width, image_height;
    uint8_t *rgb; /* image_height rows of image_width·3 bytes */
} sample_grid;

/* Lay out and draw n tiles (n ≥ 1), columns pairs to a row. Channels 1 (grey) or
   3 and more (the first three are RGB). 0, or BASIN_EINVAL / BASIN_ENOMEM with a
   message. Free with sample_grid_free. */
int sample_grid_draw(grid_tile *tiles, size_t n, uint32_t columns, uint32_t height,
                     uint32_t width, uint32_t channels, sample_grid *g, char *err,
                     size_t n_err);
void sample_grid_free(sample_grid *g);

/* The byte a value maps to under the grid's map. */
uint8_t sample_grid_level(const sample_grid *g, float v);

#endif

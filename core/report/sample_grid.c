#include "report/sample_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "measure/measure.h"

/* Geometry, in pixels. */
enum {
    MARGIN = 4, /* around each cell */
    BORDER = 2, /* the class-coloured frame */
    GAP = 2,    /* between a sample and its neighbour */
    GLYPH_W = 5,
    GLYPH_H = 7,
    LABEL_H = GLYPH_H + 4,
    MIN_TILE = 48 /* images are enlarged to at least this many pixels */
};

/* The classic 5×7 LCD font, one byte per column, bit 0 the top row: only the
   characters a label uses. */
static const struct {
    char c;
    uint8_t col[5];
} GLYPHS[] = {
    {'0', {0x3E, 0x51, 0x49, 0x45, 0x3E}}, {'1', {0x00, 0x42, 0x7F, 0x40, 0x00}},
    {'2', {0x42, 0x61, 0x51, 0x49, 0x46}}, {'3', {0x21, 0x41, 0x45, 0x4B, 0x31}},
    {'4', {0x18, 0x14, 0x12, 0x7F, 0x10}}, {'5', {0x27, 0x45, 0x45, 0x45, 0x39}},
    {'6', {0x3C, 0x4A, 0x49, 0x49, 0x30}}, {'7', {0x01, 0x71, 0x09, 0x05, 0x03}},
    {'8', {0x36, 0x49, 0x49, 0x49, 0x36}}, {'9', {0x06, 0x49, 0x49, 0x29, 0x1E}},
    {'.', {0x00, 0x60, 0x60, 0x00, 0x00}}, {'=', {0x14, 0x14, 0x14, 0x14, 0x14}},
    {'-', {0x08, 0x08, 0x08, 0x08, 0x08}}, {'d', {0x38, 0x44, 0x44, 0x48, 0x7F}},
    {'M', {0x7F, 0x02, 0x0C, 0x02, 0x7F}}, {'S', {0x46, 0x49, 0x49, 0x49, 0x31}},
    {'G', {0x3E, 0x41, 0x49, 0x49, 0x7A}}, {'U', {0x3F, 0x40, 0x40, 0x40, 0x3F}},
    {'O', {0x3E, 0x41, 0x41, 0x41, 0x3E}},
};

/* Frame colours by class (ColorBrewer Dark2, as in the report's figures). */
static const uint8_t CLASS_RGB[MEASURE_N_CLASSES][3] = {{0x1b, 0x9e, 0x77},
                                                        {0xd9, 0x5f, 0x02},
                                                        {0x75, 0x70, 0xb3},
                                                        {0xe7, 0x29, 0x8a},
                                                        {0x99, 0x99, 0x99}};
static const char CLASS_LETTER[MEASURE_N_CLASSES] = {'M', 'S', 'G', 'O', 'U'};

void sample_grid_free(sample_grid *g)
{
    free(g->rgb);
    g->rgb = NULL;
}

uint8_t sample_grid_level(const sample_grid *g, float v)
{
    if (!(g->hi > g->lo))
        return 128;
    double x = 255.0 * ((double)v - g->lo) / (g->hi - g->lo);
    if (!(x > 0)) /* NaN too */
        return 0;
    return x >= 255 ? 255 : (uint8_t)lround(x);
}

static void fill(sample_grid *g, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
                 const uint8_t rgb[3])
{
    for (uint32_t y = y0; y < y0 + h && y < g->image_height; y++)
        for (uint32_t x = x0; x < x0 + w && x < g->image_width; x++)
            memcpy(g->rgb + ((size_t)y * g->image_width + x) * 3, rgb, 3);
}

static void draw_image(sample_grid *g, const float *v, uint32_t x0, uint32_t y0)
{
    uint32_t c = g->channels;
    for (uint32_t y = 0; y < g->height * g->scale; y++)
        for (uint32_t x = 0; x < g->width * g->scale; x++) {
            const float *px = v + ((size_t)(y / g->scale) * g->width + x / g->scale) * c;
            uint8_t rgb[3];
            for (int k = 0; k < 3; k++)
                rgb[k] = sample_grid_level(g, px[c >= 3 ? k : 0]);
            fill(g, x0 + x, y0 + y, 1, 1, rgb);
        }
}

static void draw_text(sample_grid *g, const char *s, uint32_t x0, uint32_t y0)
{
    static const uint8_t INK[3] = {0, 0, 0};
    for (; *s; s++, x0 += GLYPH_W + 1) {
        for (size_t k = 0; k < sizeof GLYPHS / sizeof GLYPHS[0]; k++) {
            if (GLYPHS[k].c != *s)
                continue;
            for (uint32_t x = 0; x < GLYPH_W; x++)
                for (uint32_t y = 0; y < GLYPH_H; y++)
                    if (GLYPHS[k].col[x] >> y & 1)
                        fill(g, x0 + x, y0 + y, 1, 1, INK);
        }
    }
}

int sample_grid_draw(grid_tile *tiles, size_t n, uint32_t columns, uint32_t height,
                     uint32_t width, uint32_t channels, sample_grid *g, char *err,
                     size_t n_err)
{
    memset(g, 0, sizeof *g);
    if (n == 0 || columns == 0 || height == 0 || width == 0 || channels == 0 ||
        height > 4096 || width > 4096 || n > 4096) {
        snprintf(err, n_err, "sample grid: nothing to draw, or images too large");
        return BASIN_EINVAL;
    }
    g->height = height;
    g->width = width;
    g->channels = channels;
    uint32_t side = height > width ? height : width;
    g->scale = side >= MIN_TILE ? 1 : (MIN_TILE + side - 1) / side;
    size_t values = (size_t)height * width * channels;
    g->lo = INFINITY;
    g->hi = -INFINITY;
    for (size_t t = 0; t < n; t++)
        for (int k = 0; k < 2; k++) {
            const float *v = k ? tiles[t].nearest : tiles[t].sample;
            for (size_t i = 0; v && i < values; i++)
                if (isfinite(v[i])) {
                    g->lo = fmin(g->lo, v[i]);
                    g->hi = fmax(g->hi, v[i]);
                }
        }
    if (!(g->lo <= g->hi))
        g->lo = g->hi = 0;

    /* Cells: [frame: sample | gap | neighbour], the label beneath. */
    uint32_t tw = width * g->scale, th = height * g->scale;
    uint32_t cell_w = 2 * MARGIN + 2 * BORDER + 2 * tw + GAP;
    uint32_t cell_h = 2 * MARGIN + 2 * BORDER + th + LABEL_H;
    size_t row = 0, col = 0, rows = 1, most = 0;
    for (size_t t = 0; t < n; t++) {
        if (t > 0 && (col == columns || tiles[t].new_row)) {
            row++;
            col = 0;
        }
        tiles[t].x_sample = (uint32_t)col * cell_w + MARGIN + BORDER;
        tiles[t].y_sample = (uint32_t)row * cell_h + MARGIN + BORDER;
        tiles[t].x_nearest = tiles[t].x_sample + tw + GAP;
        tiles[t].y_nearest = tiles[t].y_sample;
        col++;
        most = col > most ? col : most;
        rows = row + 1;
    }
    g->image_width = (uint32_t)most * cell_w;
    g->image_height = (uint32_t)rows * cell_h;
    g->rgb = malloc((size_t)g->image_width * g->image_height * 3);
    if (!g->rgb) {
        snprintf(err, n_err, "sample grid: out of memory");
        return BASIN_ENOMEM;
    }
    memset(g->rgb, 0xff, (size_t)g->image_width * g->image_height * 3);
    static const uint8_t NONE[3] = {0xee, 0xee, 0xee};
    for (size_t t = 0; t < n; t++) {
        grid_tile *T = &tiles[t];
        int cls =
            T->cls >= 0 && T->cls < MEASURE_N_CLASSES ? T->cls : MEASURE_UNCONVERGED;
        fill(g, T->x_sample - BORDER, T->y_sample - BORDER, 2 * tw + GAP + 2 * BORDER,
             th + 2 * BORDER, CLASS_RGB[cls]);
        draw_image(g, T->sample, T->x_sample, T->y_sample);
        if (T->nearest)
            draw_image(g, T->nearest, T->x_nearest, T->y_nearest);
        else
            fill(g, T->x_nearest, T->y_nearest, tw, th, NONE);
        char label[48], group[16] = "";
        if (T->group)
            snprintf(group, sizeof group, "%u", T->group);
        if (isfinite(T->d_m))
            snprintf(label, sizeof label, "%c%s d=%.3f", CLASS_LETTER[cls], group,
                     T->d_m);
        else
            snprintf(label, sizeof label, "%c%s d=-", CLASS_LETTER[cls], group);
        draw_text(g, label, T->x_sample, T->y_sample + th + BORDER + 2);
    }
    return BASIN_OK;
}

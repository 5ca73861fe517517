#include "report/png_image.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "basin/plugin.h"

typedef struct png_failure {
    char message[256];
} png_failure;

/* libpng reports an error here, then we longjmp back to png_write_rgb. */
static void on_error(png_structp png, png_const_charp message)
{
    png_failure *f = png_get_error_ptr(png);
    snprintf(f->message, sizeof f->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

int png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                  char *err, size_t n_err)
{
    if (width == 0 || height == 0 || width > 1u << 16 || height > 1u << 16) {
        snprintf(err, n_err, "%s: image size %u x %u is out of range", path, width,
                 height);
        return BASIN_EINVAL;
    }
    FILE *volatile f = fopen(path, "wb");
    if (!f) {
        snprintf(err, n_err, "%s: cannot write: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    png_failure failure = {{0}};
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(f);
        snprintf(err, n_err, "%s: out of memory", path);
        return BASIN_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        snprintf(err, n_err, "%s: %s", path, failure.message);
        return BASIN_EIO;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        snprintf(err, n_err, "%s: write error", path);
        return BASIN_EIO;
    }
    if (fclose(f) != 0) {
        snprintf(err, n_err, "%s: write error", path);
        return BASIN_EIO;
    }
    return BASIN_OK;
}

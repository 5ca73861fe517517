/*
 * png_image — 8-bit RGB images written with libpng (the sample grid of a report).
 */
#ifndef BASIN_PNG_IMAGE_H
#define BASIN_PNG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Write a width × height RGB image (rgb: height rows of width·3 bytes, top row
   first) to path. 0, or BASIN_EIO / BASIN_EINVAL with a one-line message. */
int png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                  char *err, size_t n_err);

#endif

/* Test helpers: JPEG decoding with Debian's libjpeg (a reference decoder,
 * used only by tests) and image comparison. */
#ifndef VEIL_TEST_IMAGE_H
#define VEIL_TEST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes a JPEG into packed RGB24 (malloc'd); returns 0 on success, -1 on
 * failure, -2 when libjpeg warned about corrupt data. */
int test_decode_jpeg(const uint8_t *data, size_t len, uint8_t **rgb, int *width, int *height);
int test_decode_jpeg_file(const char *path, uint8_t **rgb, int *width, int *height);
/* PSNR in dB between two RGB24 images of the same size. */
double test_psnr(const uint8_t *a, const uint8_t *b, size_t bytes);

#endif

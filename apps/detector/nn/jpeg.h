/*
 * Baseline JPEG encoder for the detector's annotated frames.
 *
 * JFIF, 8-bit baseline (SOF0), YCbCr with 4:2:0 chroma subsampling, the
 * example quantisation tables of ITU-T T.81 Annex K scaled by quality as
 * the IJG library does, and the Annex K Huffman tables.  Edge blocks
 * repeat the last row/column.  Small and allocation-light: the output goes
 * to a veil_buf.
 */
#ifndef VEIL_JPEG_H
#define VEIL_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"
#include "veil/str.h"

/* Encodes packed RGB24 (`stride` bytes per row) at quality 1..100 and
 * appends the JPEG file to out. */
VEIL_NODISCARD veil_error *veil_jpeg_encode_rgb(const uint8_t *rgb, int width, int height,
                                                size_t stride, int quality, veil_buf *out);

#endif

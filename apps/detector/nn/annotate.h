/*
 * Drawing detections onto RGB24 frames: box outlines and a filled label
 * ("person 87%") in a built-in 5x7 pixel font, one colour per class.
 * Everything is clipped to the frame, so boxes partly or wholly outside it
 * are safe.  Pixels are packed RGB24 with `stride` bytes per row.
 */
#ifndef VEIL_ANNOTATE_H
#define VEIL_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>

#include "nanodet.h"
#include "veil/error.h"

typedef struct veil_rgb {
    uint8_t r, g, b;
} veil_rgb;

/* Outline of [x0, x1) x [y0, y1), `thickness` pixels inwards. */
void veil_draw_box(uint8_t *rgb, int width, int height, size_t stride, int x0, int y0, int x1,
                   int y1, int thickness, veil_rgb color);
/* Filled rectangle [x0, x1) x [y0, y1). */
void veil_draw_fill(uint8_t *rgb, int width, int height, size_t stride, int x0, int y0, int x1,
                    int y1, veil_rgb color);
/* Text with its top-left corner at (x, y), each font pixel scale x scale.
 * Letters are drawn in lower case; characters without a glyph as '?'. */
void veil_draw_text(uint8_t *rgb, int width, int height, size_t stride, int x, int y,
                    const char *text, int scale, veil_rgb color);
/* Size of drawn text in pixels. */
int veil_draw_text_width(const char *text, int scale);
int veil_draw_text_height(int scale);

/* The colour used for a class. */
veil_rgb veil_annotate_class_color(int class_id);

/* Draws every detection (box, label with score) onto the frame. */
VEIL_NODISCARD veil_error *veil_annotate_detections(uint8_t *rgb, int width, int height,
                                                    size_t stride,
                                                    const veil_nanodet_detection *detections,
                                                    size_t count);

#endif

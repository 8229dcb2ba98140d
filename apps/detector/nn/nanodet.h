/*
 * NanoDet COCO detector: pre-processing, inference and post-processing as
 * the reference implementation (src/object/nanodet.ts in the npm package
 * @vladmandic/human, which ships the model) does them.
 *
 * Pre-processing: RGB pixels (0..255) are resized to 416x416 with
 * TensorFlow's bilinear resize (align_corners = false, half_pixel_centers =
 * false, i.e. tf.image.resizeBilinear(image, [416, 416], false)), divided
 * by 255 and fed in NHWC (the graph's NCHW transpose is cancelled by the
 * engine).  Colour order RGB, no mean/std normalisation, no letterboxing:
 * the frame is stretched.
 *
 * Post-processing, per output stride (13x13, 26x26, 52x52 cells; strideSize
 * 1, 2, 4 in the reference): every (cell, class) whose score is above
 * min_score becomes a candidate with a box from the 4 x 11 distance bins
 * (reference: the arg-max bin of each side, scaled by 2.5/strideSize *
 * 13/416 around the cell centre, clamped to [0, 1]); candidates are ranked
 * by their score rounded to 0.01 (as the reference does) and reduced with
 * TensorFlow's hard NMS (IoU >= iou_threshold suppresses; ties go to the
 * earlier candidate), then sorted by score.  Deliberate differences from
 * the reference, each an option:
 *  - NMS per class by default (the reference suppresses across classes);
 *    VEIL_NANODET_NMS_AGNOSTIC restores the reference behaviour;
 *  - NMS is given the boxes' real corners (the reference passes
 *    [y, x, h, w] where tf.image.nonMaxSuppression expects
 *    [y1, x1, y2, x2], which compares the wrong rectangles);
 *  - VEIL_NANODET_DECODE_DFL decodes boxes as NanoDet itself does
 *    (softmax expectation of the bins times the stride in pixels) instead
 *    of the reference's arg-max.
 * Boxes are reported in source pixels as x, y, width, height (floats; the
 * reference truncates them to integers).
 */
#ifndef VEIL_NANODET_H
#define VEIL_NANODET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "veil/error.h"

#define VEIL_NANODET_INPUT_SIZE 416
#define VEIL_NANODET_CLASSES 80
#define VEIL_NANODET_BINS 11 /* reg_max + 1 distance bins per side */

typedef enum veil_nanodet_nms {
    VEIL_NANODET_NMS_PER_CLASS,
    VEIL_NANODET_NMS_AGNOSTIC,
} veil_nanodet_nms;

typedef enum veil_nanodet_decode {
    VEIL_NANODET_DECODE_ARGMAX,
    VEIL_NANODET_DECODE_DFL,
} veil_nanodet_decode;

typedef struct veil_nanodet_options {
    double min_score;     /* reference minConfidence: 0.2 */
    double iou_threshold; /* reference iouThreshold: 0.4 */
    int max_detections;   /* reference maxDetected: 10 */
    veil_nanodet_nms nms;
    veil_nanodet_decode decode;
    /* Classes never reported; the reference skips class 61 ("toilet"). */
    uint64_t excluded_classes[2];
} veil_nanodet_options;

/* Reference defaults, with per-class NMS. */
void veil_nanodet_default_options(veil_nanodet_options *options);

typedef struct veil_nanodet_detection {
    int class_id;              /* 0-based COCO index (reference "class" is this + 1) */
    const char *label;         /* from coco.names; NULL when no labels were loaded */
    float score;               /* the model's score (not rounded) */
    float x, y, width, height; /* source pixels */
} veil_nanodet_detection;

/* The model's six outputs, located by shape: scores [1, n, 80] and box
 * bins [1, n, 44] for n = 169, 676, 2704. */
typedef struct veil_nanodet_heads {
    const float *scores[3];
    const float *boxes[3];
    int grid[3]; /* 13, 26, 52 */
} veil_nanodet_heads;

VEIL_NODISCARD veil_error *veil_nanodet_find_heads(const veil_nn_plan *plan,
                                                   veil_nanodet_heads *heads);

/* Pre-processing into an NHWC [416, 416, 3] float buffer.  rgb has `stride`
 * bytes per row. */
void veil_nanodet_preprocess(const uint8_t *rgb, int width, int height, size_t stride,
                             float *input);

/* Post-processing; writes up to `max_out` detections sorted by score
 * (at most options->max_detections). */
VEIL_NODISCARD veil_error *veil_nanodet_postprocess(const veil_nanodet_heads *heads, int width,
                                                    int height, const veil_nanodet_options *options,
                                                    veil_nanodet_detection *out, size_t max_out,
                                                    size_t *count);

/* BT.601 limited-range YUV 4:2:0 planar to packed RGB24, as FFmpeg's
 * swscale converts by default (SWS_CS_DEFAULT coefficients 1.164, 1.596,
 * 0.392, 0.813, 2.017 in 16-bit fixed point; each chroma sample serves its
 * 2x2 block of pixels, no chroma interpolation, which is swscale's unscaled
 * yuv420p->rgb24 path).  Results are within one level of the exact
 * formula; swscale's own table-driven C path can differ by up to 2 levels
 * through its table rounding. */
void veil_yuv420p_to_rgb(const uint8_t *y, size_t y_stride, const uint8_t *u, size_t u_stride,
                         const uint8_t *v, size_t v_stride, int width, int height, uint8_t *rgb,
                         size_t rgb_stride);

/* Loads the 80 class names (one a line, as in coco.names). */
VEIL_NODISCARD veil_error *veil_nanodet_load_labels(const char *path, char ***labels);
void veil_nanodet_free_labels(char **labels);

/* The whole detector: model + plan + labels. */
typedef struct veil_nanodet veil_nanodet;

typedef struct veil_nanodet_timing {
    double preprocess_ms;
    double inference_ms;
    double postprocess_ms;
} veil_nanodet_timing;

/* Loads model_dir/nanodet.json (+ shards) and model_dir/coco.names. */
VEIL_NODISCARD veil_error *veil_nanodet_open(const char *model_dir, bool optimise,
                                             veil_nanodet **out);
void veil_nanodet_close(veil_nanodet *detector);
veil_nn_plan *veil_nanodet_plan(veil_nanodet *detector);
const char *const *veil_nanodet_labels(const veil_nanodet *detector);

/* Detects objects in an RGB frame; timing may be NULL. */
VEIL_NODISCARD veil_error *veil_nanodet_detect(veil_nanodet *detector, const uint8_t *rgb,
                                               int width, int height, size_t stride,
                                               const veil_nanodet_options *options,
                                               veil_nanodet_detection *out, size_t max_out,
                                               size_t *count, veil_nanodet_timing *timing);

#endif

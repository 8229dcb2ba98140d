/*
 * NanoDet pre/post-processing (see nanodet.h for what follows the
 * reference and where Veil deliberately differs).
 *
 * Numerics follow TensorFlow.js where the reference relies on it: the
 * resize is computed in double precision and stored as float32, the /255 is
 * a float32 division, scores are compared as the float32 values the model
 * produced, and NMS sees float32 boxes with the IoU in double precision.
 */
#include "nanodet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veil/str.h"

#define N_STRIDES 3
#define SCORE_ROUNDING 100.0 /* the reference reports Math.round(100 * score) / 100 */
#define REFERENCE_SCALE_BOX 2.5
#define REFERENCE_EXCLUDED_CLASS 61 /* "toilet": skipped by the reference */

static const int grid_sizes[N_STRIDES] = {13, 26, 52};
static const int stride_sizes[N_STRIDES] = {1, 2, 4}; /* reference naming */

void veil_nanodet_default_options(veil_nanodet_options *options) {
    memset(options, 0, sizeof(*options));
    options->min_score = 0.2;
    options->iou_threshold = 0.4;
    options->max_detections = 10;
    options->nms = VEIL_NANODET_NMS_PER_CLASS;
    options->decode = VEIL_NANODET_DECODE_ARGMAX;
    options->excluded_classes[REFERENCE_EXCLUDED_CLASS / 64] |= (uint64_t)1
                                                                << (REFERENCE_EXCLUDED_CLASS % 64);
}

veil_error *veil_nanodet_find_heads(const veil_nn_plan *plan, veil_nanodet_heads *heads) {
    memset(heads, 0, sizeof(*heads));
    for (size_t i = 0; i < veil_nn_plan_output_count(plan); i++) {
        veil_nn_shape s;
        const char *name;
        const float *data = veil_nn_plan_output(plan, i, &s, &name);
        if (s.rank != 3 || s.dims[0] != 1)
            continue;
        for (int k = 0; k < N_STRIDES; k++) {
            if (s.dims[1] != (int64_t)grid_sizes[k] * grid_sizes[k])
                continue;
            if (s.dims[2] == VEIL_NANODET_CLASSES)
                heads->scores[k] = data;
            else if (s.dims[2] == 4 * VEIL_NANODET_BINS)
                heads->boxes[k] = data;
        }
    }
    for (int k = 0; k < N_STRIDES; k++) {
        heads->grid[k] = grid_sizes[k];
        if (heads->scores[k] == NULL || heads->boxes[k] == NULL)
            return veil_error_new(VEIL_EUNSUPPORTED,
                                  "the model has no NanoDet outputs [1,%d,%d] and [1,%d,%d]",
                                  grid_sizes[k] * grid_sizes[k], VEIL_NANODET_CLASSES,
                                  grid_sizes[k] * grid_sizes[k], 4 * VEIL_NANODET_BINS);
    }
    return NULL;
}

/* ---- pre-processing ---- */

typedef struct tap {
    int lo, hi;
    double frac;
} tap;

/* tf.image.resizeBilinear(alignCorners = false, halfPixelCenters = false)
 * source coordinate for output index i. */
static tap resize_tap(int i, double ratio, int in_size) {
    double src = ratio * i;
    int lo = (int)floor(src);
    if (lo < 0)
        lo = 0;
    int hi = (int)ceil(src);
    if (hi > in_size - 1)
        hi = in_size - 1;
    return (tap){.lo = lo, .hi = hi, .frac = src - lo};
}

void veil_nanodet_preprocess(const uint8_t *rgb, int width, int height, size_t stride,
                             float *input) {
    enum { S = VEIL_NANODET_INPUT_SIZE };
    tap cols[S];
    double rw = (double)width / S, rh = (double)height / S;
    for (int x = 0; x < S; x++)
        cols[x] = resize_tap(x, rw, width);
    for (int y = 0; y < S; y++) {
        tap row = resize_tap(y, rh, height);
        const uint8_t *top = rgb + (size_t)row.lo * stride;
        const uint8_t *bot = rgb + (size_t)row.hi * stride;
        float *dst = input + (size_t)y * S * 3;
        for (int x = 0; x < S; x++) {
            const tap c = cols[x];
            for (int ch = 0; ch < 3; ch++) {
                double tl = top[c.lo * 3 + ch], tr = top[c.hi * 3 + ch];
                double bl = bot[c.lo * 3 + ch], br = bot[c.hi * 3 + ch];
                double t = tl + (tr - tl) * c.frac;
                double b = bl + (br - bl) * c.frac;
                float v = (float)(t + (b - t) * row.frac);
                dst[x * 3 + ch] = v / 255.0f;
            }
        }
    }
}

/* ---- colour conversion ---- */

/* swscale's ff_yuv2rgb_coeffs[SWS_CS_DEFAULT] (ITU-R BT.601), 16.16 fixed
 * point, and the limited-range luma gain 255/219 computed as swscale does. */
enum {
    YUV_CRV = 104597,
    YUV_CBU = 132201,
    YUV_CGU = 25675,
    YUV_CGV = 53279,
    YUV_CY = (65536 * 255) / 219,
};

static uint8_t clamp_fixed(int32_t v) {
    /* v is 16.16 with the rounding term added; negative means below 0. */
    if (v < 0)
        return 0;
    v >>= 16;
    return v > 255 ? 255 : (uint8_t)v;
}

void veil_yuv420p_to_rgb(const uint8_t *y, size_t y_stride, const uint8_t *u, size_t u_stride,
                         const uint8_t *v, size_t v_stride, int width, int height, uint8_t *rgb,
                         size_t rgb_stride) {
    for (int row = 0; row < height; row++) {
        const uint8_t *yr = y + (size_t)row * y_stride;
        const uint8_t *ur = u + (size_t)(row / 2) * u_stride;
        const uint8_t *vr = v + (size_t)(row / 2) * v_stride;
        uint8_t *dst = rgb + (size_t)row * rgb_stride;
        for (int col = 0; col < width; col++) {
            int32_t luma = YUV_CY * (yr[col] - 16) + 32768;
            int32_t cb = ur[col / 2] - 128, cr = vr[col / 2] - 128;
            dst[3 * col + 0] = clamp_fixed(luma + YUV_CRV * cr);
            dst[3 * col + 1] = clamp_fixed(luma - YUV_CGU * cb - YUV_CGV * cr);
            dst[3 * col + 2] = clamp_fixed(luma + YUV_CBU * cb);
        }
    }
}

/* ---- post-processing ---- */

typedef struct candidate {
    int class_id;
    float score;      /* model output */
    float ranked;     /* score rounded to 0.01, as float32 (the NMS input) */
    double box[4];    /* normalised x, y, w, h */
    float corners[4]; /* normalised y1, x1, y2, x2 for NMS */
} candidate;

static bool excluded(const veil_nanodet_options *o, int class_id) {
    return (o->excluded_classes[class_id / 64] >> (class_id % 64)) & 1;
}

static double clamp01(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Box of one cell, normalised to the input: x, y, w, h. */
static void decode_box(const float *bins, int k, int cell, const veil_nanodet_options *o,
                       double box[4]) {
    int grid = grid_sizes[k];
    double cx = (0.5 + cell % grid) / grid;
    double cy = (0.5 + cell / grid) / grid;
    double side[4];
    for (int s = 0; s < 4; s++) {
        const float *b = bins + s * VEIL_NANODET_BINS;
        if (o->decode == VEIL_NANODET_DECODE_ARGMAX) {
            int best = 0;
            for (int i = 1; i < VEIL_NANODET_BINS; i++)
                if (b[i] > b[best])
                    best = i;
            /* reference: idx * (baseSize / strideSize / inputSize), then
             * scaled by scaleBox / strideSize */
            double offset = best * ((double)grid / stride_sizes[k] / VEIL_NANODET_INPUT_SIZE);
            side[s] = REFERENCE_SCALE_BOX / stride_sizes[k] * offset;
        } else {
            double maxv = b[0], sum = 0, expect = 0;
            for (int i = 1; i < VEIL_NANODET_BINS; i++)
                maxv = b[i] > maxv ? b[i] : maxv;
            for (int i = 0; i < VEIL_NANODET_BINS; i++) {
                double e = exp(b[i] - maxv);
                sum += e;
                expect += e * i;
            }
            /* bins are in units of the stride in input pixels */
            side[s] = expect / sum / grid;
        }
    }
    if (o->decode == VEIL_NANODET_DECODE_ARGMAX) {
        double x = cx - side[0], y = cy - side[1];
        box[0] = clamp01(x);
        box[1] = clamp01(y);
        box[2] = clamp01(cx + side[2] - x);
        box[3] = clamp01(cy + side[3] - y);
    } else {
        double x1 = clamp01(cx - side[0]), y1 = clamp01(cy - side[1]);
        double x2 = clamp01(cx + side[2]), y2 = clamp01(cy + side[3]);
        box[0] = x1;
        box[1] = y1;
        box[2] = x2 - x1;
        box[3] = y2 - y1;
    }
}

/* tf.image.nonMaxSuppression's IoU (tfjs-core non_max_suppression_impl). */
static double iou(const float *a, const float *b) {
    double ay1 = fmin(a[0], a[2]), ax1 = fmin(a[1], a[3]);
    double ay2 = fmax(a[0], a[2]), ax2 = fmax(a[1], a[3]);
    double by1 = fmin(b[0], b[2]), bx1 = fmin(b[1], b[3]);
    double by2 = fmax(b[0], b[2]), bx2 = fmax(b[1], b[3]);
    double area_a = (ay2 - ay1) * (ax2 - ax1), area_b = (by2 - by1) * (bx2 - bx1);
    if (area_a <= 0 || area_b <= 0)
        return 0.0;
    double ih = fmax(fmin(ay2, by2) - fmax(ay1, by1), 0.0);
    double iw = fmax(fmin(ax2, bx2) - fmax(ax1, bx1), 0.0);
    double inter = ih * iw;
    return inter / (area_a + area_b - inter);
}

typedef struct rank_key {
    float ranked;
    int index;
} rank_key;

/* Score descending, then earlier candidate first (tfjs's comparator). */
static int by_rank(const void *a, const void *b) {
    const rank_key *x = a, *y = b;
    if (x->ranked != y->ranked)
        return x->ranked > y->ranked ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Hard NMS over the n candidates in keys (any order); marks keep[]. */
static void nms(const candidate *c, rank_key *keys, size_t n, const veil_nanodet_options *o,
                bool *keep, int *selected) {
    qsort(keys, n, sizeof(rank_key), by_rank);
    size_t n_sel = 0;
    for (size_t i = 0; i < n && n_sel < (size_t)o->max_detections; i++) {
        const candidate *cand = &c[keys[i].index];
        if (!((double)cand->ranked > o->min_score))
            continue;
        bool suppressed = false;
        for (size_t j = n_sel; j-- > 0 && !suppressed;)
            suppressed = iou(cand->corners, c[selected[j]].corners) >= o->iou_threshold;
        if (!suppressed) {
            selected[n_sel++] = keys[i].index;
            keep[keys[i].index] = true;
        }
    }
}

veil_error *veil_nanodet_postprocess(const veil_nanodet_heads *heads, int width, int height,
                                     const veil_nanodet_options *o, veil_nanodet_detection *out,
                                     size_t max_out, size_t *count) {
    *count = 0;
    if (o->max_detections < 0 || !(o->min_score >= 0) || !(o->iou_threshold >= 0))
        return veil_error_new(VEIL_EINVAL, "invalid NanoDet post-processing options");
    size_t n = 0, cap = 64;
    candidate *c = malloc(cap * sizeof(*c));
    if (c == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory in post-processing");
    for (int k = 0; k < N_STRIDES; k++) {
        int cells = grid_sizes[k] * grid_sizes[k];
        for (int cell = 0; cell < cells; cell++) {
            const float *scores = heads->scores[k] + (size_t)cell * VEIL_NANODET_CLASSES;
            double box[4];
            bool decoded = false;
            for (int j = 0; j < VEIL_NANODET_CLASSES; j++) {
                if (!((double)scores[j] > o->min_score) || excluded(o, j))
                    continue;
                if (!decoded) {
                    decode_box(heads->boxes[k] + (size_t)cell * 4 * VEIL_NANODET_BINS, k, cell, o,
                               box);
                    decoded = true;
                }
                if (n == cap) {
                    candidate *bigger = realloc(c, 2 * cap * sizeof(*c));
                    if (bigger == NULL) {
                        free(c);
                        return veil_error_new(VEIL_ENOMEM, "out of memory in post-processing");
                    }
                    c = bigger;
                    cap *= 2;
                }
                candidate *d = &c[n++];
                d->class_id = j;
                d->score = scores[j];
                d->ranked = (float)(floor(SCORE_ROUNDING * scores[j] + 0.5) / SCORE_ROUNDING);
                memcpy(d->box, box, sizeof(box));
                d->corners[0] = (float)box[1];
                d->corners[1] = (float)box[0];
                d->corners[2] = (float)(box[1] + box[3]);
                d->corners[3] = (float)(box[0] + box[2]);
            }
        }
    }
    rank_key *keys = malloc((n + 1) * sizeof(rank_key));
    int *selected = malloc((n + 1) * sizeof(int));
    bool *keep = calloc(n + 1, sizeof(bool));
    if (keys == NULL || selected == NULL || keep == NULL) {
        free(c);
        free(keys);
        free(selected);
        free(keep);
        return veil_error_new(VEIL_ENOMEM, "out of memory in post-processing");
    }
    if (o->nms == VEIL_NANODET_NMS_AGNOSTIC) {
        for (size_t i = 0; i < n; i++)
            keys[i] = (rank_key){c[i].ranked, (int)i};
        nms(c, keys, n, o, keep, selected);
    } else {
        for (int j = 0; j < VEIL_NANODET_CLASSES; j++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (c[i].class_id == j)
                    keys[m++] = (rank_key){c[i].ranked, (int)i};
            if (m > 0)
                nms(c, keys, m, o, keep, selected);
        }
    }
    /* Kept candidates in candidate order, then a stable sort by the rounded
     * score (the reference's Array.prototype.sort). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            keys[m++] = (rank_key){c[i].ranked, (int)i};
    qsort(keys, m, sizeof(rank_key), by_rank);
    size_t limit = (size_t)o->max_detections < max_out ? (size_t)o->max_detections : max_out;
    for (size_t i = 0; i < m && i < limit; i++) {
        const candidate *d = &c[keys[i].index];
        out[i] = (veil_nanodet_detection){
            .class_id = d->class_id,
            .label = NULL,
            .score = d->score,
            .x = (float)(d->box[0] * width),
            .y = (float)(d->box[1] * height),
            .width = (float)(d->box[2] * width),
            .height = (float)(d->box[3] * height),
        };
        (*count)++;
    }
    free(c);
    free(keys);
    free(selected);
    free(keep);
    return NULL;
}

/* ---- labels ---- */

veil_error *veil_nanodet_load_labels(const char *path, char ***labels) {
    uint8_t *text;
    size_t len;
    VEIL_TRY(veil_read_file(path, 1 << 20, &text, &len));
    char **names = calloc(VEIL_NANODET_CLASSES + 1, sizeof(char *));
    if (names == NULL) {
        free(text);
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory", path);
    }
    veil_error *err = NULL;
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len && err == NULL; i++) {
        if (i < len && text[i] != '\n')
            continue;
        size_t end = i;
        if (end > start && text[end - 1] == '\r')
            end--;
        if (i == len && end == start)
            break; /* final newline */
        bool printable = end > start;
        for (size_t k = start; k < end && printable; k++)
            printable = text[k] >= 0x20 && text[k] < 0x7F && text[k] != '"' && text[k] != '\\';
        if (!printable)
            err = veil_error_new(VEIL_EMALFORMED,
                                 "%s: line %zu is empty or not printable ASCII without quotes",
                                 path, count + 1);
        else if (count == VEIL_NANODET_CLASSES)
            err = veil_error_new(VEIL_EMALFORMED, "%s: more than %d class names", path,
                                 VEIL_NANODET_CLASSES);
        else if ((names[count] = strndup((const char *)text + start, end - start)) == NULL)
            err = veil_error_new(VEIL_ENOMEM, "%s: out of memory", path);
        else
            count++;
        start = i + 1;
    }
    free(text);
    if (err == NULL && count != VEIL_NANODET_CLASSES)
        err = veil_error_new(VEIL_EMALFORMED, "%s: %zu class names, expected %d", path, count,
                             VEIL_NANODET_CLASSES);
    if (err != NULL) {
        veil_nanodet_free_labels(names);
        return err;
    }
    *labels = names;
    return NULL;
}

void veil_nanodet_free_labels(char **labels) {
    if (labels == NULL)
        return;
    for (size_t i = 0; labels[i] != NULL; i++)
        free(labels[i]);
    free(labels);
}

/* ---- the detector ---- */

struct veil_nanodet {
    veil_nn_model *model;
    veil_nn_plan *plan;
    char **labels;
    veil_nanodet_heads heads;
};

veil_error *veil_nanodet_open(const char *model_dir, bool optimise, veil_nanodet **out) {
    *out = NULL;
    veil_nanodet *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory opening the detector");
    veil_error *err = veil_nn_model_load(model_dir, "nanodet.json", &d->model);
    veil_nn_plan_options po = {.input_nhwc = true, .optimise = optimise};
    if (err == NULL)
        err = veil_nn_plan_create(d->model, &po, &d->plan);
    veil_nn_shape shape;
    if (err == NULL) {
        veil_nn_plan_input(d->plan, &shape);
        if (shape.rank != 4 || shape.dims[0] != 1 || shape.dims[1] != VEIL_NANODET_INPUT_SIZE ||
            shape.dims[2] != VEIL_NANODET_INPUT_SIZE || shape.dims[3] != 3)
            err = veil_error_new(VEIL_EUNSUPPORTED, "%s/nanodet.json: input is not [1,3,%d,%d]",
                                 model_dir, VEIL_NANODET_INPUT_SIZE, VEIL_NANODET_INPUT_SIZE);
    }
    if (err == NULL)
        err = veil_nanodet_find_heads(d->plan, &d->heads);
    if (err == NULL) {
        char *path;
        err = veil_asprintf(&path, "%s/coco.names", model_dir);
        if (err == NULL) {
            err = veil_nanodet_load_labels(path, &d->labels);
            free(path);
        }
    }
    if (err != NULL) {
        veil_nanodet_close(d);
        return err;
    }
    *out = d;
    return NULL;
}

void veil_nanodet_close(veil_nanodet *detector) {
    if (detector == NULL)
        return;
    veil_nn_plan_free(detector->plan);
    veil_nn_model_free(detector->model);
    veil_nanodet_free_labels(detector->labels);
    free(detector);
}

veil_nn_plan *veil_nanodet_plan(veil_nanodet *detector) {
    return detector->plan;
}

const char *const *veil_nanodet_labels(const veil_nanodet *detector) {
    return (const char *const *)detector->labels;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

veil_error *veil_nanodet_detect(veil_nanodet *d, const uint8_t *rgb, int width, int height,
                                size_t stride, const veil_nanodet_options *options,
                                veil_nanodet_detection *out, size_t max_out, size_t *count,
                                veil_nanodet_timing *timing) {
    *count = 0;
    if (width < 1 || height < 1 || width > 16384 || height > 16384 || stride < (size_t)width * 3)
        return veil_error_new(VEIL_EINVAL, "invalid frame geometry %dx%d (stride %zu)", width,
                              height, stride);
    double t0 = now_ms();
    veil_nanodet_preprocess(rgb, width, height, stride, veil_nn_plan_input(d->plan, NULL));
    double t1 = now_ms();
    VEIL_TRY(veil_nn_plan_run(d->plan));
    double t2 = now_ms();
    VEIL_TRY(veil_nanodet_postprocess(&d->heads, width, height, options, out, max_out, count));
    for (size_t i = 0; i < *count; i++)
        out[i].label = d->labels[out[i].class_id];
    double t3 = now_ms();
    if (timing != NULL) {
        timing->preprocess_ms = t1 - t0;
        timing->inference_ms = t2 - t1;
        timing->postprocess_ms = t3 - t2;
    }
    return NULL;
}

/*
 * Tests of NanoDet pre/post-processing and colour conversion on synthetic
 * inputs whose results can be worked out by hand.
 */
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nanodet.h"
#include "veil/str.h"

/* ---- colour conversion ---- */

static int clamp255(double v) {
    long r = lround(v);
    return r < 0 ? 0 : r > 255 ? 255 : (int)r;
}

static void test_yuv_formula(void **state) {
    (void)state;
    /* Every (Y, U, V) on a grid, as 2x2 blocks of one chroma sample. */
    for (int y = 0; y < 256; y += 5) {
        for (int u = 0; u < 256; u += 15) {
            for (int v = 0; v < 256; v += 15) {
                uint8_t yp[4] = {(uint8_t)y, (uint8_t)y, (uint8_t)y, (uint8_t)y};
                uint8_t up = (uint8_t)u, vp = (uint8_t)v, rgb[12];
                veil_yuv420p_to_rgb(yp, 2, &up, 1, &vp, 1, 2, 2, rgb, 6);
                int r = clamp255(1.164383 * (y - 16) + 1.596027 * (v - 128));
                int g = clamp255(1.164383 * (y - 16) - 0.391762 * (u - 128) - 0.812968 * (v - 128));
                int b = clamp255(1.164383 * (y - 16) + 2.017232 * (u - 128));
                for (int p = 0; p < 4; p++) {
                    if (abs(rgb[3 * p] - r) > 1 || abs(rgb[3 * p + 1] - g) > 1 ||
                        abs(rgb[3 * p + 2] - b) > 1) {
                        print_error("YUV %d %d %d -> %d %d %d, expected %d %d %d\n", y, u, v,
                                    rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], r, g, b);
                        fail();
                    }
                }
            }
        }
    }
    /* Limited range end points are exact. */
    uint8_t black = 16, white = 235, mid = 128, rgb[3];
    veil_yuv420p_to_rgb(&black, 1, &mid, 1, &mid, 1, 1, 1, rgb, 3);
    assert_int_equal(rgb[0] + rgb[1] + rgb[2], 0);
    veil_yuv420p_to_rgb(&white, 1, &mid, 1, &mid, 1, 1, 1, rgb, 3);
    assert_true(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
}

static void test_yuv_layout(void **state) {
    (void)state;
    /* 5x3 frame: chroma planes are 3x2; each chroma sample covers 2x2. */
    enum { W = 5, H = 3, CW = 3, CH = 2 };
    uint8_t y[H][W + 1], u[CH][CW + 2], v[CH][CW + 2];
    memset(y, 128, sizeof(y));
    memset(u, 128, sizeof(u));
    memset(v, 128, sizeof(v));
    v[1][2] = 255; /* red-ish: covers pixel (4, 2) only */
    uint8_t rgb[H][W * 3 + 3];
    memset(rgb, 0xAA, sizeof(rgb));
    veil_yuv420p_to_rgb(&y[0][0], W + 1, &u[0][0], CW + 2, &v[0][0], CW + 2, W, H, &rgb[0][0],
                        W * 3 + 3);
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            bool hot = r == 2 && c == 4;
            assert_int_equal(rgb[r][3 * c] > 200, hot);
            if (!hot)
                assert_int_equal(rgb[r][3 * c + 1], rgb[0][1]);
        }
    for (int r = 0; r < H; r++) /* row padding untouched */
        assert_int_equal(rgb[r][W * 3], 0xAA);
}

/* ---- pre-processing ---- */

static void test_preprocess(void **state) {
    (void)state;
    enum { S = VEIL_NANODET_INPUT_SIZE };
    float *in = malloc((size_t)S * S * 3 * sizeof(float));
    assert_non_null(in);
    /* A uniform image gives exactly value/255 everywhere. */
    uint8_t flat[7 * 5 * 3];
    for (int i = 0; i < 7 * 5; i++) {
        flat[3 * i] = 10;
        flat[3 * i + 1] = 128;
        flat[3 * i + 2] = 255;
    }
    veil_nanodet_preprocess(flat, 7, 5, 21, in);
    for (int i = 0; i < S * S; i++) {
        assert_true(in[3 * i] == 10.0f / 255.0f);
        assert_true(in[3 * i + 1] == 128.0f / 255.0f);
        assert_true(in[3 * i + 2] == 1.0f);
    }
    /* Twice the input size: output pixel x samples input pixel 2x (no
     * half-pixel offset, as tf.image.resizeBilinear(..., false)). */
    int w = 2 * S, h = 2 * S;
    uint8_t *img = malloc((size_t)w * h * 3);
    assert_non_null(img);
    for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < w; xx++) {
            img[(yy * w + xx) * 3] = (uint8_t)(xx & 0xFF);
            img[(yy * w + xx) * 3 + 1] = (uint8_t)(yy & 0xFF);
            img[(yy * w + xx) * 3 + 2] = (uint8_t)((xx + yy) & 0xFF);
        }
    veil_nanodet_preprocess(img, w, h, (size_t)w * 3, in);
    for (int yy = 0; yy < S; yy += 7)
        for (int xx = 0; xx < S; xx += 5) {
            const float *p = in + ((size_t)yy * S + xx) * 3;
            assert_true(p[0] == (float)((2 * xx) & 0xFF) / 255.0f);
            assert_true(p[1] == (float)((2 * yy) & 0xFF) / 255.0f);
        }
    /* Upscaling a 2x1 image: column x samples 2x/416 between the two. */
    uint8_t two[6] = {0, 0, 0, 208, 104, 52};
    veil_nanodet_preprocess(two, 2, 1, 6, in);
    assert_true(in[0] == 0.0f);
    assert_float_equal(in[3 * 104], (float)(208.0 * (2.0 * 104 / 416)) / 255.0f, 1e-7);
    assert_true(in[3 * 208] == 208.0f / 255.0f); /* src 1.0: the second pixel */
    assert_true(in[3 * 415] == 208.0f / 255.0f); /* clamped at the last pixel */
    free(img);
    free(in);
}

/* ---- post-processing ---- */

typedef struct heads_buf {
    float *scores[3];
    float *boxes[3];
    veil_nanodet_heads heads;
} heads_buf;

static void heads_init(heads_buf *h) {
    static const int grids[3] = {13, 26, 52};
    for (int k = 0; k < 3; k++) {
        size_t cells = (size_t)grids[k] * grids[k];
        h->scores[k] = calloc(cells * VEIL_NANODET_CLASSES, sizeof(float));
        h->boxes[k] = calloc(cells * 4 * VEIL_NANODET_BINS, sizeof(float));
        assert_true(h->scores[k] && h->boxes[k]);
        h->heads.scores[k] = h->scores[k];
        h->heads.boxes[k] = h->boxes[k];
        h->heads.grid[k] = grids[k];
    }
}

static void heads_free(heads_buf *h) {
    for (int k = 0; k < 3; k++) {
        free(h->scores[k]);
        free(h->boxes[k]);
    }
}

/* Sets the arg-max bin of each side of a cell. */
static void set_bins(heads_buf *h, int k, int cell, const int bins[4]) {
    float *b = h->boxes[k] + (size_t)cell * 4 * VEIL_NANODET_BINS;
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < VEIL_NANODET_BINS; i++)
            b[s * VEIL_NANODET_BINS + i] = i == bins[s] ? 5.0f : 0.0f;
}

static void test_decode_argmax(void **state) {
    (void)state;
    heads_buf h;
    heads_init(&h);
    /* stride 8 grid (52x52): cell (x=10, y=20), class 0, bins l,t,r,b */
    int cell = 20 * 52 + 10;
    h.scores[2][(size_t)cell * VEIL_NANODET_CLASSES + 0] = 0.9f;
    const int bins[4] = {2, 3, 4, 5};
    set_bins(&h, 2, cell, bins);
    veil_nanodet_options o;
    veil_nanodet_default_options(&o);
    veil_nanodet_detection d[4];
    size_t n;
    assert_ok(veil_nanodet_postprocess(&h.heads, 1000, 500, &o, d, 4, &n));
    assert_int_equal(n, 1);
    /* reference: offset = bin * 52/4/416, scaled by 2.5/4 */
    double cx = 10.5 / 52, cy = 20.5 / 52, unit = 2.5 / 4 * (52.0 / 4 / 416);
    double x = cx - 2 * unit, y = cy - 3 * unit;
    double w = cx + 4 * unit - x, hh = cy + 5 * unit - y;
    assert_int_equal(d[0].class_id, 0);
    assert_null(d[0].label);
    assert_float_equal(d[0].score, 0.9f, 0);
    assert_float_equal(d[0].x, x * 1000, 1e-3);
    assert_float_equal(d[0].y, y * 500, 1e-3);
    assert_float_equal(d[0].width, w * 1000, 1e-3);
    assert_float_equal(d[0].height, hh * 500, 1e-3);

    /* DFL: equal logits give the expectation 5 bins = 5 * 8 pixels of 416 */
    memset(h.boxes[2] + (size_t)cell * 44, 0, 44 * sizeof(float));
    o.decode = VEIL_NANODET_DECODE_DFL;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 4, &n));
    assert_int_equal(n, 1);
    assert_float_equal(d[0].x, 10.5 * 8 - 40, 1e-3);
    assert_float_equal(d[0].y, 20.5 * 8 - 40, 1e-3);
    assert_float_equal(d[0].width, 80, 1e-3);
    assert_float_equal(d[0].height, 80, 1e-3);
    heads_free(&h);
}

static void test_nms_and_threshold(void **state) {
    (void)state;
    heads_buf h;
    heads_init(&h);
    const int big[4] = {3, 3, 3, 3};
    /* Two neighbouring 13x13 cells with the same big box shape: IoU high. */
    int c1 = 6 * 13 + 6, c2 = 6 * 13 + 7;
    set_bins(&h, 0, c1, big);
    set_bins(&h, 0, c2, big);
    h.scores[0][(size_t)c1 * 80 + 0] = 0.80f;  /* person */
    h.scores[0][(size_t)c2 * 80 + 0] = 0.70f;  /* person, suppressed */
    h.scores[0][(size_t)c2 * 80 + 1] = 0.60f;  /* bicycle: another class */
    h.scores[0][(size_t)c1 * 80 + 61] = 0.99f; /* "toilet": the reference skips it */
    /* A far away cell; score rounds to 0.20 and float32(0.2) > 0.2 passes. */
    int c3 = 0;
    set_bins(&h, 0, c3, big);
    h.scores[0][(size_t)c3 * 80 + 2] = 0.2004f;
    h.scores[0][(size_t)c3 * 80 + 3] = 0.1999f; /* not above the threshold */

    veil_nanodet_options o;
    veil_nanodet_default_options(&o);
    veil_nanodet_detection d[10];
    size_t n;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 10, &n));
    assert_int_equal(n, 3);
    assert_int_equal(d[0].class_id, 0);
    assert_float_equal(d[0].score, 0.80f, 0);
    assert_int_equal(d[1].class_id, 1);
    assert_int_equal(d[2].class_id, 2);

    o.nms = VEIL_NANODET_NMS_AGNOSTIC;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 10, &n));
    assert_int_equal(n, 2);
    assert_int_equal(d[0].class_id, 0);
    assert_int_equal(d[1].class_id, 2);

    o.nms = VEIL_NANODET_NMS_PER_CLASS;
    o.excluded_classes[0] = o.excluded_classes[1] = 0;
    o.max_detections = 2;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 10, &n));
    assert_int_equal(n, 2);
    assert_int_equal(d[0].class_id, 61);
    assert_int_equal(d[1].class_id, 0);
    /* the caller's capacity also bounds the count */
    o.max_detections = 10;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 1, &n));
    assert_int_equal(n, 1);

    o.iou_threshold = 1.0; /* nothing is suppressed */
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 10, &n));
    assert_int_equal(n, 5);
    o.min_score = -1;
    assert_err(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 10, &n), VEIL_EINVAL, "invalid");
    heads_free(&h);
}

static void test_equal_scores_keep_first(void **state) {
    (void)state;
    heads_buf h;
    heads_init(&h);
    const int big[4] = {3, 3, 3, 3};
    int c1 = 6 * 13 + 6, c2 = 6 * 13 + 7;
    set_bins(&h, 0, c1, big);
    set_bins(&h, 0, c2, big);
    /* 0.501 and 0.504 both rank as 0.50: the earlier candidate wins */
    h.scores[0][(size_t)c1 * 80 + 5] = 0.501f;
    h.scores[0][(size_t)c2 * 80 + 5] = 0.504f;
    veil_nanodet_options o;
    veil_nanodet_default_options(&o);
    veil_nanodet_detection d[4];
    size_t n;
    assert_ok(veil_nanodet_postprocess(&h.heads, 416, 416, &o, d, 4, &n));
    assert_int_equal(n, 1);
    assert_float_equal(d[0].score, 0.501f, 0);
    heads_free(&h);
}

/* ---- labels ---- */

static char *write_temp(const char *text) {
    char *path = strdup("/tmp/veil-labels-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_labels(void **state) {
    (void)state;
    char **labels;
    assert_ok(veil_nanodet_load_labels(VEIL_SOURCE_DIR "/apps/detector/nn/coco.names", &labels));
    assert_string_equal(labels[0], "person");
    assert_string_equal(labels[61], "toilet");
    assert_string_equal(labels[79], "toothbrush");
    assert_null(labels[80]);
    veil_nanodet_free_labels(labels);

    veil_buf text;
    veil_buf_init(&text, 0);
    for (int i = 0; i < 80; i++)
        assert_ok(veil_buf_printf(&text, "c%d\r\n", i));
    char *path = write_temp((const char *)text.data);
    assert_ok(veil_nanodet_load_labels(path, &labels));
    assert_string_equal(labels[79], "c79");
    veil_nanodet_free_labels(labels);
    unlink(path);
    free(path);

    assert_ok(veil_buf_append_str(&text, "extra\n"));
    path = write_temp((const char *)text.data);
    assert_err(veil_nanodet_load_labels(path, &labels), VEIL_EMALFORMED, "more than 80");
    unlink(path);
    free(path);
    veil_buf_free(&text);

    path = write_temp("a\nb\n");
    assert_err(veil_nanodet_load_labels(path, &labels), VEIL_EMALFORMED, "2 class names");
    unlink(path);
    free(path);
    path = write_temp("a\n\"quoted\"\n");
    assert_err(veil_nanodet_load_labels(path, &labels), VEIL_EMALFORMED, "line 2");
    unlink(path);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yuv_formula),
        cmocka_unit_test(test_yuv_layout),
        cmocka_unit_test(test_preprocess),
        cmocka_unit_test(test_decode_argmax),
        cmocka_unit_test(test_nms_and_threshold),
        cmocka_unit_test(test_equal_scores_keep_first),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

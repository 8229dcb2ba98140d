/* Tests of box and label drawing. */
#include "test.h"

#include <math.h>
#include <stdlib.h>

#include "annotate.h"

enum { W = 64, H = 48 };

static bool is_color(const uint8_t *img, int x, int y, veil_rgb c) {
    const uint8_t *p = img + ((size_t)y * W + x) * 3;
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

static bool is_black(const uint8_t *img, int x, int y) {
    return is_color(img, x, y, (veil_rgb){0, 0, 0});
}

static void test_box(void **state) {
    (void)state;
    uint8_t img[W * H * 3] = {0};
    veil_rgb red = {255, 0, 0};
    veil_draw_box(img, W, H, W * 3, 10, 5, 30, 25, 2, red);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            bool inside_outer = x >= 10 && x < 30 && y >= 5 && y < 25;
            bool inside_inner = x >= 12 && x < 28 && y >= 7 && y < 23;
            assert_int_equal(is_color(img, x, y, red), inside_outer && !inside_inner);
        }
    /* partly and wholly outside the frame: clipped, nothing else touched */
    uint8_t big[(W * 3 + 6) * H];
    memset(big, 7, sizeof(big));
    veil_draw_box(big, W, H, W * 3 + 6, -20, -20, 1000, 1000, 3, red);
    veil_draw_box(big, W, H, W * 3 + 6, 2000, 2000, 3000, 3000, 3, red);
    veil_draw_box(big, W, H, W * 3 + 6, 30, 30, 10, 10, 3, red); /* empty */
    for (int y = 0; y < H; y++)
        for (int b = 0; b < 6; b++)
            assert_int_equal(big[(size_t)y * (W * 3 + 6) + W * 3 + b], 7);
}

static void test_text(void **state) {
    (void)state;
    uint8_t img[W * H * 3] = {0};
    veil_rgb white = {255, 255, 255};
    const char *text = "dog 87%";
    int tw = veil_draw_text_width(text, 1), th = veil_draw_text_height(1);
    assert_int_equal(tw, 6 * 6 + 5);
    assert_int_equal(th, 7);
    veil_draw_text(img, W, H, W * 3, 3, 4, text, 1, white);
    int set = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            bool inside = x >= 3 && x < 3 + tw && y >= 4 && y < 4 + th;
            if (!is_black(img, x, y)) {
                assert_true(inside);
                set++;
            }
        }
    assert_true(set > 40);
    /* scale 2 doubles every pixel */
    uint8_t img2[W * H * 3] = {0};
    veil_draw_text(img2, W, H, W * 3, 0, 0, "7", 2, white);
    for (int y = 0; y < 14; y++)
        for (int x = 0; x < 10; x++)
            assert_int_equal(is_black(img2, x, y), is_black(img2, x & ~1, y & ~1));
    assert_false(is_black(img2, 0, 0)); /* top bar of the 7 */
}

/* Every character of the COCO labels and scores has its own glyph. */
static void test_font_covers_labels(void **state) {
    (void)state;
    char **labels;
    assert_ok(veil_nanodet_load_labels(VEIL_SOURCE_DIR "/apps/detector/nn/coco.names", &labels));
    uint8_t q[8 * 8 * 3], g[8 * 8 * 3];
    veil_rgb white = {255, 255, 255};
    memset(q, 0, sizeof(q));
    /* draw into an 8x8 frame: W/H differ from the file-level ones */
    veil_draw_text(q, 8, 8, 24, 0, 0, "?", 1, white);
    char chars[256] = {0};
    for (int i = 0; labels[i] != NULL; i++)
        for (const char *c = labels[i]; *c; c++)
            chars[(uint8_t)*c] = 1;
    for (const char *c = "0123456789%"; *c; c++)
        chars[(uint8_t)*c] = 1;
    for (int c = 1; c < 256; c++) {
        if (!chars[c])
            continue;
        char s[2] = {(char)c, 0};
        memset(g, 0, sizeof(g));
        veil_draw_text(g, 8, 8, 24, 0, 0, s, 1, white);
        if (memcmp(g, q, sizeof(g)) == 0) {
            print_error("no glyph for '%c'\n", c);
            fail();
        }
    }
    veil_nanodet_free_labels(labels);
}

static void test_detections(void **state) {
    (void)state;
    uint8_t img[W * H * 3] = {0};
    veil_nanodet_detection d[3] = {
        {.class_id = 0,
         .label = "person",
         .score = 0.87f,
         .x = 20,
         .y = 20,
         .width = 30,
         .height = 20},
        {.class_id = 2, .label = NULL, .score = 0.5f, .x = NAN, .y = 0, .width = 5, .height = 5},
        {.class_id = 3,
         .label = "car",
         .score = 0.4f,
         .x = -1e30f,
         .y = 1e30f,
         .width = 1e30f,
         .height = 5},
    };
    assert_ok(veil_annotate_detections(img, W, H, W * 3, d, 3));
    veil_rgb c0 = veil_annotate_class_color(0);
    assert_true(is_color(img, 20, 25, c0));                           /* left edge of the box */
    assert_true(is_color(img, 49, 25, c0));                           /* right edge */
    assert_true(is_black(img, 35, 30));                               /* inside stays */
    assert_true(is_color(img, 20, 19, c0) || !is_black(img, 20, 19)); /* label above */
    assert_err(veil_annotate_detections(img, 0, H, W * 3, d, 1), VEIL_EINVAL, "geometry");
    assert_true(veil_annotate_class_color(1).r != c0.r || veil_annotate_class_color(1).g != c0.g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_box),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_font_covers_labels),
        cmocka_unit_test(test_detections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

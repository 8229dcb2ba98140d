/*
 * Tests with the real NanoDet model (program_data/ of the build tree) and
 * the photos of the shared test material; exits 77 when that is absent.
 * The comparison with TensorFlow.js lives in tests/integration/nn; these
 * check the engine against itself across plans and input paths.
 */
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "nanodet.h"
#include "testimage.h"

#define IMAGES VEIL_TESTDATA_DIR "/images"

static void test_labels_match_testdata(void **state) {
    (void)state;
    char **ours, **theirs;
    assert_ok(veil_nanodet_load_labels(VEIL_PROGRAM_DATA_DIR "/coco.names", &ours));
    assert_ok(veil_nanodet_load_labels(IMAGES "/coco.names", &theirs));
    /* Darknet's file uses older names for seven classes. */
    static const char *const aliases[][2] = {
        {"motorcycle", "motorbike"},     {"airplane", "aeroplane"},       {"couch", "sofa"},
        {"potted plant", "pottedplant"}, {"dining table", "diningtable"}, {"tv", "tvmonitor"},
    };
    int aliased = 0;
    for (int i = 0; i < VEIL_NANODET_CLASSES; i++) {
        if (strcmp(ours[i], theirs[i]) == 0)
            continue;
        bool ok = false;
        for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++)
            ok = ok ||
                 (strcmp(ours[i], aliases[a][0]) == 0 && strcmp(theirs[i], aliases[a][1]) == 0);
        if (!ok) {
            print_error("class %d: \"%s\" vs \"%s\"\n", i, ours[i], theirs[i]);
            fail();
        }
        aliased++;
    }
    assert_int_equal(aliased, 6);
    veil_nanodet_free_labels(ours);
    veil_nanodet_free_labels(theirs);
}

static int find_class(const veil_nanodet_detection *d, size_t n, const char *label) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].label, label) == 0)
            return (int)i;
    return -1;
}

static double box_iou(const veil_nanodet_detection *a, const veil_nanodet_detection *b) {
    double x1 = fmax(a->x, b->x), y1 = fmax(a->y, b->y);
    double x2 = fmin(a->x + a->width, b->x + b->width),
           y2 = fmin(a->y + a->height, b->y + b->height);
    double inter = fmax(0, x2 - x1) * fmax(0, y2 - y1);
    return inter / (a->width * a->height + b->width * b->height - inter);
}

static void test_plans_agree(void **state) {
    (void)state;
    uint8_t *rgb;
    int w, h;
    assert_int_equal(test_decode_jpeg_file(IMAGES "/person.jpg", &rgb, &w, &h), 0);
    veil_nanodet *opt, *plain;
    assert_ok(veil_nanodet_open(VEIL_PROGRAM_DATA_DIR, true, &opt));
    assert_ok(veil_nanodet_open(VEIL_PROGRAM_DATA_DIR, false, &plain));
    veil_nn_plan_stats so, sp;
    veil_nn_plan_get_stats(veil_nanodet_plan(opt), &so);
    veil_nn_plan_get_stats(veil_nanodet_plan(plain), &sp);
    print_message("optimised: %zu nodes, %zu transposes; plain: %zu nodes, %zu transposes\n",
                  so.nodes, so.transposes, sp.nodes, sp.transposes);
    assert_int_equal(so.convolutions, 34);
    assert_int_equal(sp.convolutions, 34);
    assert_true(so.conv_macs == sp.conv_macs);
    assert_true(sp.transposes > 80);
    assert_true(so.transposes <= 9); /* only the small head tails remain */
    assert_true(so.arena_bytes < sp.arena_bytes);

    veil_nanodet_options o;
    veil_nanodet_default_options(&o);
    veil_nanodet_detection da[16], db[16];
    size_t na, nb;
    assert_ok(veil_nanodet_detect(opt, rgb, w, h, (size_t)w * 3, &o, da, 16, &na, NULL));
    assert_ok(veil_nanodet_detect(plain, rgb, w, h, (size_t)w * 3, &o, db, 16, &nb, NULL));
    for (size_t i = 0; i < veil_nn_plan_output_count(veil_nanodet_plan(opt)); i++) {
        veil_nn_shape sa, sb;
        const float *ya = veil_nn_plan_output(veil_nanodet_plan(opt), i, &sa, NULL);
        const float *yb = veil_nn_plan_output(veil_nanodet_plan(plain), i, &sb, NULL);
        assert_int_equal(veil_nn_shape_elements(&sa), veil_nn_shape_elements(&sb));
        for (int64_t k = 0; k < veil_nn_shape_elements(&sa); k++)
            assert_float_equal(ya[k], yb[k], 1e-4);
    }
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(da[i].class_id, db[i].class_id);
        assert_true(box_iou(&da[i], &db[i]) > 0.99);
    }
    /* the photo shows a person, a horse and a dog */
    assert_true(find_class(da, na, "person") >= 0);
    assert_true(find_class(da, na, "horse") >= 0);
    assert_true(find_class(da, na, "dog") >= 0);
    veil_nanodet_close(opt);
    veil_nanodet_close(plain);
    free(rgb);
}

/* The decoder's path: the frame as BT.601 limited-range YUV 4:2:0. */
static void test_yuv_path(void **state) {
    (void)state;
    uint8_t *rgb;
    int w, h;
    assert_int_equal(test_decode_jpeg_file(IMAGES "/dog.jpg", &rgb, &w, &h), 0);
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    uint8_t *yp = malloc((size_t)w * h), *up = malloc((size_t)cw * ch),
            *vp = malloc((size_t)cw * ch);
    uint8_t *back = malloc((size_t)w * h * 3);
    assert_true(yp && up && vp && back);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            yp[y * w + x] =
                (uint8_t)lround(16 + 0.256788 * p[0] + 0.504129 * p[1] + 0.097906 * p[2]);
        }
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            double r = 0, g = 0, b = 0;
            int n = 0;
            for (int dy = 0; dy < 2 && 2 * y + dy < h; dy++)
                for (int dx = 0; dx < 2 && 2 * x + dx < w; dx++, n++) {
                    const uint8_t *p = rgb + ((size_t)(2 * y + dy) * w + 2 * x + dx) * 3;
                    r += p[0], g += p[1], b += p[2];
                }
            r /= n, g /= n, b /= n;
            up[y * cw + x] = (uint8_t)lround(128 - 0.148223 * r - 0.290993 * g + 0.439216 * b);
            vp[y * cw + x] = (uint8_t)lround(128 + 0.439216 * r - 0.367788 * g - 0.071427 * b);
        }
    veil_yuv420p_to_rgb(yp, (size_t)w, up, (size_t)cw, vp, (size_t)cw, w, h, back, (size_t)w * 3);
    double psnr = test_psnr(rgb, back, (size_t)w * h * 3);
    print_message("RGB -> YUV420P -> RGB: %.2f dB\n", psnr);
    assert_true(psnr > 30.0);

    veil_nanodet *det;
    assert_ok(veil_nanodet_open(VEIL_PROGRAM_DATA_DIR, true, &det));
    veil_nanodet_options o;
    veil_nanodet_default_options(&o);
    veil_nanodet_detection da[16], db[16];
    size_t na, nb;
    veil_nanodet_timing t;
    assert_ok(veil_nanodet_detect(det, rgb, w, h, (size_t)w * 3, &o, da, 16, &na, &t));
    assert_true(t.inference_ms > 0);
    assert_ok(veil_nanodet_detect(det, back, w, h, (size_t)w * 3, &o, db, 16, &nb, NULL));
    assert_true(na > 0);
    int dog_a = find_class(da, na, "dog"), dog_b = find_class(db, nb, "dog");
    assert_true(dog_a >= 0 && dog_b >= 0);
    assert_true(box_iou(&da[dog_a], &db[dog_b]) > 0.8);
    assert_true(fabsf(da[dog_a].score - db[dog_b].score) < 0.1f);
    veil_nanodet_close(det);
    free(yp);
    free(up);
    free(vp);
    free(back);
    free(rgb);
}

static void test_open_errors(void **state) {
    (void)state;
    veil_nanodet *det = NULL;
    assert_err(veil_nanodet_open("/nonexistent-veil-dir", true, &det), VEIL_ENOENT,
               "/nonexistent-veil-dir/nanodet.json");
    assert_null(det);
}

int main(void) {
    struct stat st;
    if (stat(IMAGES "/person.jpg", &st) != 0) {
        fprintf(stderr, "test material %s is absent: skipping\n", IMAGES);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_match_testdata),
        cmocka_unit_test(test_plans_agree),
        cmocka_unit_test(test_yuv_path),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of the baseline JPEG encoder: its output is decoded with libjpeg
 * (the reference decoder), must produce no corrupt-data warnings, and must
 * be close to the source (PSNR) and about as good as libjpeg's own encoder
 * at the same quality.
 */
#include "test.h"

#include <math.h>
#include <stdlib.h>

#include <stdio.h>

#include <jpeglib.h>

#include "jpeg.h"
#include "testimage.h"

/* A smooth scene with edges and a little noise, like a camera frame. */
static uint8_t *make_image(int w, int h, uint32_t seed) {
    uint8_t *img = malloc((size_t)w * h * 3);
    assert_non_null(img);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            int noise = (int)(seed >> 28) - 8;
            double r = 128 + 100 * sin(x * 0.05) * cos(y * 0.03);
            double g = (x * 255.0) / w;
            double b = ((x / 16 + y / 16) % 2) ? 200 : 40; /* hard edges */
            if ((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < h * h / 16)
                r = 250, g = 20; /* a disc */
            uint8_t *p = img + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)fmin(255, fmax(0, r + noise));
            p[1] = (uint8_t)fmin(255, fmax(0, g + noise));
            p[2] = (uint8_t)fmin(255, fmax(0, b + noise));
        }
    return img;
}

static double roundtrip_psnr(const uint8_t *img, int w, int h, int quality, size_t *size) {
    veil_buf out;
    veil_buf_init(&out, 0);
    assert_ok(veil_jpeg_encode_rgb(img, w, h, (size_t)w * 3, quality, &out));
    assert_true(out.len > 4);
    assert_int_equal(out.data[0], 0xFF);
    assert_int_equal(out.data[1], 0xD8);
    assert_int_equal(out.data[out.len - 2], 0xFF);
    assert_int_equal(out.data[out.len - 1], 0xD9);
    uint8_t *dec;
    int dw, dh;
    assert_int_equal(test_decode_jpeg(out.data, out.len, &dec, &dw, &dh), 0);
    assert_int_equal(dw, w);
    assert_int_equal(dh, h);
    double psnr = test_psnr(img, dec, (size_t)w * h * 3);
    free(dec);
    if (size != NULL)
        *size = out.len;
    veil_buf_free(&out);
    return psnr;
}

/* libjpeg's encoder at the same quality and subsampling, for comparison. */
static double libjpeg_psnr(const uint8_t *img, int w, int h, int quality, size_t *size) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long mem_len = 0;
    jpeg_mem_dest(&c, &mem, &mem_len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(img + (size_t)c.next_scanline * w * 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    uint8_t *dec;
    int dw, dh;
    assert_int_equal(test_decode_jpeg(mem, mem_len, &dec, &dw, &dh), 0);
    double psnr = test_psnr(img, dec, (size_t)w * h * 3);
    *size = mem_len;
    free(dec);
    free(mem);
    return psnr;
}

static void test_quality_against_libjpeg(void **state) {
    (void)state;
    static const int sizes[][2] = {{320, 240}, {123, 77}, {17, 9}, {1, 1}, {768, 576}};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        int w = sizes[s][0], h = sizes[s][1];
        uint8_t *img = make_image(w, h, (uint32_t)s + 1);
        static const int qualities[] = {50, 75, 90};
        for (size_t qi = 0; qi < sizeof(qualities) / sizeof(qualities[0]); qi++) {
            size_t ours_size, ref_size;
            double ours = roundtrip_psnr(img, w, h, qualities[qi], &ours_size);
            double ref = libjpeg_psnr(img, w, h, qualities[qi], &ref_size);
            print_message("%dx%d q%d: ours %.2f dB %zu bytes, libjpeg %.2f dB %zu bytes\n", w, h,
                          qualities[qi], ours, ours_size, ref, ref_size);
            if (w * h >= 64) {
                assert_true(ours > 20.0);
                assert_true(ours > ref - 0.5);
            } else {
                assert_true(ours > 40.0); /* a pixel or two off by a level */
            }
            /* same tables and standard Huffman codes: similar size */
            assert_true(ours_size < ref_size * 1.25 + 700);
        }
        free(img);
    }
}

static void test_extremes(void **state) {
    (void)state;
    int w = 64, h = 48;
    uint8_t *img = make_image(w, h, 9);
    double q100 = roundtrip_psnr(img, w, h, 100, NULL), q1 = roundtrip_psnr(img, w, h, 1, NULL);
    print_message("q100 %.2f dB, q1 %.2f dB\n", q100, q1);
    assert_true(q100 > 25.0);
    assert_true(q1 > 12.0 && q1 < q100);
    /* noise at quality 100 exercises long AC codes and zero runs of 16 */
    for (int i = 0; i < w * h * 3; i++)
        img[i] = (uint8_t)((i * 2654435761u) >> 24);
    size_t ours_size, ref_size;
    double noise = roundtrip_psnr(img, w, h, 100, &ours_size);
    double ref = libjpeg_psnr(img, w, h, 100, &ref_size);
    print_message("noise q100: ours %.2f dB %zu bytes, libjpeg %.2f dB %zu bytes\n", noise,
                  ours_size, ref, ref_size);
    assert_true(noise > ref - 0.5);
    memset(img, 0, (size_t)w * h * 3);
    assert_true(isinf(roundtrip_psnr(img, w, h, 90, NULL)) ||
                roundtrip_psnr(img, w, h, 90, NULL) > 50.0);
    free(img);
}

static void test_invalid(void **state) {
    (void)state;
    uint8_t px[3] = {0};
    veil_buf out;
    veil_buf_init(&out, 0);
    assert_err(veil_jpeg_encode_rgb(px, 0, 1, 3, 90, &out), VEIL_EINVAL, "geometry");
    assert_err(veil_jpeg_encode_rgb(px, 1, 1, 2, 90, &out), VEIL_EINVAL, "geometry");
    assert_err(veil_jpeg_encode_rgb(px, 1, 1, 3, 0, &out), VEIL_EINVAL, "quality 0");
    assert_err(veil_jpeg_encode_rgb(px, 1, 1, 3, 101, &out), VEIL_EINVAL, "quality 101");
    veil_buf out_small;
    veil_buf_init(&out_small, 16); /* a buffer limit surfaces as an error */
    assert_err(veil_jpeg_encode_rgb(px, 1, 1, 3, 90, &out_small), VEIL_ELIMIT, "");
    veil_buf_free(&out_small);
    veil_buf_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quality_against_libjpeg),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

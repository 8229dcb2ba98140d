#include "testimage.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

typedef struct err_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} err_mgr;

static void on_error(j_common_ptr cinfo) {
    err_mgr *e = (err_mgr *)cinfo->err;
    longjmp(e->jump, 1);
}

int test_decode_jpeg(const uint8_t *data, size_t len, uint8_t **rgb, int *width, int *height) {
    struct jpeg_decompress_struct cinfo;
    err_mgr jerr;
    uint8_t *volatile out = NULL;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = on_error;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(out);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    out = malloc(stride * cinfo.output_height);
    if (out == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_finish_decompress(&cinfo);
    long warnings = jerr.pub.num_warnings; /* corrupt-data warnings */
    jpeg_destroy_decompress(&cinfo);
    if (warnings != 0) {
        free(out);
        return -2;
    }
    *rgb = out;
    return 0;
}

int test_decode_jpeg_file(const char *path, uint8_t **rgb, int *width, int *height) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = n > 0 ? malloc((size_t)n) : NULL;
    int rc = -1;
    if (data != NULL && fread(data, 1, (size_t)n, f) == (size_t)n)
        rc = test_decode_jpeg(data, (size_t)n, rgb, width, height);
    free(data);
    fclose(f);
    return rc;
}

double test_psnr(const uint8_t *a, const uint8_t *b, size_t bytes) {
    double se = 0;
    for (size_t i = 0; i < bytes; i++) {
        double d = (double)a[i] - b[i];
        se += d * d;
    }
    double mse = se / (double)bytes;
    return mse == 0 ? INFINITY : 10.0 * log10(255.0 * 255.0 / mse);
}

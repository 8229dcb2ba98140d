/*
 * apps/detector/decode.c: pictures are the same whatever the size of the
 * pieces the stream arrives in (down to one byte), match FFmpeg's framemd5
 * reference, carry index and time stamp, and errors from the caller or the
 * API contract come back as errors.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "decode.h"
#include "veil/str.h"

#define CLIP VEIL_TESTDATA_DIR "/video/vtest_cbp_384x288_50f"
#define PICTURES 50

typedef struct collect {
    char md5[PICTURES][33];
    double time_s[PICTURES];
    uint32_t count;
    uint32_t fail_at; /* return an error at this picture (0 = never) */
} collect;

static veil_error *on_frame(void *user_data, const veil_h264_frame *f) {
    collect *c = user_data;
    if (c->fail_at != 0 && f->index == c->fail_at)
        return veil_error_new(VEIL_ELIMIT, "stop at picture %u", f->index);
    assert_int_equal(f->index, c->count);
    assert_true(c->count < PICTURES);
    assert_int_equal(f->width, 384);
    assert_int_equal(f->height, 288);
    struct AVMD5 *md5 = av_md5_alloc();
    av_md5_init(md5);
    for (int p = 0; p < 3; p++) {
        int w = p == 0 ? f->width : f->width / 2, h = p == 0 ? f->height : f->height / 2;
        for (int y = 0; y < h; y++)
            av_md5_update(md5, f->planes[p] + (size_t)y * (size_t)f->strides[p], (size_t)w);
    }
    uint8_t digest[16];
    av_md5_final(md5, digest);
    av_free(md5);
    for (int i = 0; i < 16; i++)
        snprintf(c->md5[c->count] + 2 * i, 3, "%02x", digest[i]);
    c->time_s[c->count] = f->time_s;
    c->count++;
    return NULL;
}

static uint8_t *stream;
static size_t stream_len;
static char reference[PICTURES][33];

static veil_error *decode_in_pieces(size_t piece, uint32_t fps_num, uint32_t fps_den, collect *c) {
    veil_h264_decoder *dec = NULL;
    VEIL_TRY(veil_h264_decoder_new(fps_num, fps_den, on_frame, c, &dec));
    veil_error *err = NULL;
    for (size_t off = 0; err == NULL && off < stream_len; off += piece)
        err = veil_h264_decoder_push(dec, stream + off,
                                     stream_len - off < piece ? stream_len - off : piece);
    if (err == NULL)
        err = veil_h264_decoder_finish(dec);
    veil_h264_decoder_free(dec);
    return err;
}

static void test_any_piece_size_matches_reference(void **state) {
    (void)state;
    static const size_t pieces[] = {1, 188, 4093, 65536, 1u << 24};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        collect c = {0};
        assert_ok(decode_in_pieces(pieces[i], 0, 0, &c));
        assert_int_equal(c.count, PICTURES);
        for (int p = 0; p < PICTURES; p++)
            assert_string_equal(c.md5[p], reference[p]);
        /* The stream's own timing: 10 pictures/s. */
        assert_true(c.time_s[0] == 0.0);
        assert_true(c.time_s[49] > 4.899 && c.time_s[49] < 4.901);
    }
}

static void test_given_frame_rate(void **state) {
    (void)state;
    collect c = {0};
    assert_ok(decode_in_pieces(65536, 5, 2, &c)); /* 2.5 pictures/s */
    assert_true(c.time_s[5] > 1.999 && c.time_s[5] < 2.001);
}

static void test_errors(void **state) {
    (void)state;
    collect c = {.fail_at = 3};
    assert_err(decode_in_pieces(65536, 0, 0, &c), VEIL_ELIMIT, "stop at picture 3");
    assert_int_equal(c.count, 3);
    veil_h264_decoder *dec = NULL;
    assert_err(veil_h264_decoder_new(10, 0, on_frame, &c, &dec), VEIL_EINVAL, "frame rate 10/0");
    collect none = {0};
    assert_ok(veil_h264_decoder_new(0, 0, on_frame, &none, &dec));
    /* Not H.264: an error naming the access unit and offset, no pictures. */
    static const uint8_t noise[] = "this is not an H.264 elementary stream";
    assert_ok(veil_h264_decoder_push(dec, noise, sizeof(noise)));
    assert_err(veil_h264_decoder_finish(dec), VEIL_EMALFORMED,
               "decoding failed at access unit 1 (stream offset 39)");
    assert_int_equal(veil_h264_decoder_frames(dec), 0);
    assert_err(veil_h264_decoder_finish(dec), VEIL_EINVAL, "finished twice");
    assert_err(veil_h264_decoder_push(dec, noise, 4), VEIL_EINVAL, "after finish");
    veil_h264_decoder_free(dec);
    assert_non_null(strstr(veil_h264_decoder_version(), "Lavc"));
}

int main(void) {
    FILE *ref = fopen(CLIP ".framemd5", "r");
    if (ref == NULL) {
        fprintf(stderr, "skipped: no test material at %s\n", CLIP);
        return 77;
    }
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), ref) != NULL && n < PICTURES) {
        const char *hash = strrchr(line, ' ');
        if (line[0] == '#' || hash == NULL)
            continue;
        snprintf(reference[n++], 33, "%.32s", hash + 1);
    }
    fclose(ref);
    if (n != PICTURES) {
        fprintf(stderr, "%s.framemd5 has %d pictures, expected %d\n", CLIP, n, PICTURES);
        return 1;
    }
    veil_error *err = veil_read_file(CLIP ".h264", 16u << 20, &stream, &stream_len);
    if (err != NULL) {
        fprintf(stderr, "%s\n", veil_error_message(err));
        veil_error_free(err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_piece_size_matches_reference),
        cmocka_unit_test(test_given_frame_rate),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(stream);
    return rc;
}

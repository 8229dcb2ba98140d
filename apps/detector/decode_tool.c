/*
 * detector-decode: the detector's decoding path on its own, for tests and
 * the bench; the same source runs natively and as wasm32-wasi (under Node's
 * WASI or `veil run`).
 *
 *   detector-decode framemd5 [--clip-key FILE] INPUT
 *       per-picture MD5 of the decoded yuv420p pictures in FFmpeg's
 *       framemd5 format (compare with `ffmpeg -i INPUT -f framemd5 -`)
 *   detector-decode bench [--clip-key FILE] INPUT
 *       decodes everything and prints pictures, seconds and pictures/s
 *
 * INPUT is an H.264 Annex-B stream, or with --clip-key a Veil clip that is
 * decrypted (and verified) chunk by chunk on its way to the decoder.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "decode.h"
#include "veil/clip.h"
#include "veil/str.h"

#define READ_STEP 65536
#define KEY_FILE_MAX 4096

typedef struct tool {
    bool md5;
    bool header_done;
    struct AVMD5 *md5_ctx;
    veil_h264_decoder *dec;
    veil_clip_decryptor *clip;
} tool;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t gcd(uint32_t a, uint32_t b) {
    while (b != 0) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void print_header(const tool *t, const veil_h264_frame *f) {
    /* The time base is one frame, 1/fps; FFmpeg assumes 25 fps for raw
     * H.264 without timing information. */
    uint32_t num = 25, den = 1;
    veil_h264_decoder_frame_rate(t->dec, &num, &den);
    uint32_t g = gcd(num, den);
    printf("#format: frame checksums\n#version: 2\n#hash: MD5\n#software: %s\n",
           veil_h264_decoder_version());
    printf("#tb 0: %u/%u\n#media_type 0: video\n#codec_id 0: rawvideo\n", den / g, num / g);
    printf("#dimensions 0: %dx%d\n#sar 0: 0/1\n", f->width, f->height);
    printf("#stream#, dts,        pts, duration,     size, hash\n");
}

static veil_error *on_frame(void *user_data, const veil_h264_frame *f) {
    tool *t = user_data;
    if (!t->md5)
        return NULL;
    if (!t->header_done) {
        print_header(t, f);
        t->header_done = true;
    }
    av_md5_init(t->md5_ctx);
    int size = 0;
    for (int p = 0; p < 3; p++) {
        int w = p == 0 ? f->width : (f->width + 1) / 2;
        int h = p == 0 ? f->height : (f->height + 1) / 2;
        for (int y = 0; y < h; y++)
            av_md5_update(t->md5_ctx, f->planes[p] + (size_t)y * (size_t)f->strides[p], (size_t)w);
        size += w * h;
    }
    uint8_t digest[16];
    av_md5_final(t->md5_ctx, digest);
    printf("0, %10u, %10u, %8d, %8d, ", f->index, f->index, 1, size);
    for (int i = 0; i < 16; i++)
        printf("%02x", digest[i]);
    printf("\n");
    return NULL;
}

/* Verified plaintext from the clip decryptor goes to the decoder. */
static veil_error *plaintext_sink(void *user_data, const uint8_t *data, size_t len) {
    tool *t = user_data;
    return veil_h264_decoder_push(t->dec, data, len);
}

static veil_error *read_key(const char *path, uint8_t key[VEIL_CLIP_KEY_LEN]) {
    uint8_t *data = NULL;
    size_t len = 0;
    VEIL_TRY(veil_read_file(path, KEY_FILE_MAX, &data, &len));
    veil_error *err = veil_clip_key_parse(data, len, VEIL_CLIP_KEY_LEN, path, key);
    memset(data, 0, len);
    free(data);
    return err;
}

static veil_error *run(tool *t, const char *input, const char *key_path) {
    uint8_t key[VEIL_CLIP_KEY_LEN];
    if (key_path != NULL) {
        VEIL_TRY(read_key(key_path, key));
        VEIL_TRY(veil_clip_decryptor_new(key, plaintext_sink, t, &t->clip));
        memset(key, 0, sizeof(key));
    }
    FILE *in = fopen(input, "rb");
    if (in == NULL)
        return veil_error_errno(errno, "%s", input);
    uint8_t *buf = malloc(READ_STEP);
    veil_error *err = buf == NULL ? veil_error_new(VEIL_ENOMEM, "out of memory") : NULL;
    while (err == NULL) {
        size_t n = fread(buf, 1, READ_STEP, in);
        if (n == 0) {
            if (ferror(in))
                err = veil_error_new(VEIL_EIO, "%s: read error", input);
            break;
        }
        if (t->clip != NULL)
            err = veil_clip_decrypt_update(t->clip, buf, n);
        else
            err = veil_h264_decoder_push(t->dec, buf, n);
    }
    free(buf);
    fclose(in);
    if (err == NULL && t->clip != NULL)
        err = veil_clip_decrypt_finish(t->clip);
    if (err == NULL)
        err = veil_h264_decoder_finish(t->dec);
    return veil_error_wrap(err, "%s", input);
}

static int usage(FILE *out, int status) {
    fprintf(out, "usage: detector-decode framemd5|bench [--clip-key FILE] INPUT\n\n"
                 "Decodes an H.264 Annex-B stream (or, with --clip-key, a Veil clip) and prints\n"
                 "per-picture MD5s in FFmpeg's framemd5 format, or decoding speed.\n");
    return status;
}

int main(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout, 0);
    if (argc != 3 && !(argc == 5 && strcmp(argv[2], "--clip-key") == 0))
        return usage(stderr, 2);
    tool t = {0};
    if (strcmp(argv[1], "framemd5") == 0)
        t.md5 = true;
    else if (strcmp(argv[1], "bench") != 0)
        return usage(stderr, 2);
    const char *key_path = argc == 5 ? argv[3] : NULL;
    const char *input = argv[argc - 1];
    veil_error *err = NULL;
    if (t.md5 && (t.md5_ctx = av_md5_alloc()) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL)
        err = veil_h264_decoder_new(0, 0, on_frame, &t, &t.dec);
    double start = now_s();
    if (err == NULL)
        err = run(&t, input, key_path);
    double elapsed = now_s() - start;
    int status = 0;
    if (err != NULL) {
        fprintf(stderr, "detector-decode: error (%s): %s\n", veil_code_name(veil_error_code(err)),
                veil_error_message(err));
        veil_error_free(err);
        status = 1;
    } else if (!t.md5) {
        uint32_t frames = veil_h264_decoder_frames(t.dec);
        printf("pictures %u seconds %.3f pictures_per_second %.1f\n", frames, elapsed,
               elapsed > 0 ? frames / elapsed : 0.0);
    }
    veil_h264_decoder_free(t.dec);
    veil_clip_decryptor_free(t.clip);
    av_free(t.md5_ctx);
    return status;
}

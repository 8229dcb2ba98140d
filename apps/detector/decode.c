/*
 * libavcodec H.264 decoding (see decode.h).  The decoder runs with one
 * thread and no assembly in both builds, so native and wasm32-wasi produce
 * identical pictures from identical code.  Decoder errors are errors: the
 * detector only decodes authenticated clips, so a stream the decoder cannot
 * parse is reported, not concealed.
 */
#include "decode.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/log.h>

#include "veil/log.h"

struct veil_h264_decoder {
    const AVCodec *codec;
    AVCodecParserContext *parser;
    AVCodecContext *ctx;
    AVPacket *pkt;
    AVFrame *frame;
    veil_h264_frame_fn on_frame;
    void *user_data;
    uint32_t fps_num, fps_den;
    uint32_t frames;
    uint64_t packets;
    uint64_t offset; /* stream bytes consumed by the parser */
    bool flushed;
};

/* FFmpeg hands over its own printf formats. */
VEIL_PRINTF(3, 0) static void log_callback(void *avcl, int level, const char *fmt, va_list ap) {
    (void)avcl;
    if (level > AV_LOG_WARNING)
        return;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    veil_log(level <= AV_LOG_ERROR ? VEIL_LOG_ERROR : VEIL_LOG_WARN, "h264", "%s", line);
}

static veil_error *av_error(int rc, const char *what, const veil_h264_decoder *dec) {
    char msg[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(rc, msg, sizeof(msg));
    return veil_error_new(rc == AVERROR(ENOMEM) ? VEIL_ENOMEM : VEIL_EMALFORMED,
                          "H.264 %s failed at access unit %llu (stream offset %llu): %s", what,
                          (unsigned long long)dec->packets, (unsigned long long)dec->offset, msg);
}

const char *veil_h264_decoder_version(void) {
    return LIBAVCODEC_IDENT;
}

veil_error *veil_h264_decoder_new(uint32_t fps_num, uint32_t fps_den, veil_h264_frame_fn on_frame,
                                  void *user_data, veil_h264_decoder **out) {
    *out = NULL;
    VEIL_ENSURE((fps_num == 0) == (fps_den == 0), VEIL_EINVAL,
                "frame rate %u/%u: give both parts or neither", fps_num, fps_den);
    av_log_set_callback(log_callback);
    veil_h264_decoder *dec = calloc(1, sizeof(*dec));
    VEIL_ENSURE(dec != NULL, VEIL_ENOMEM, "out of memory for an H.264 decoder");
    dec->on_frame = on_frame;
    dec->user_data = user_data;
    dec->fps_num = fps_num;
    dec->fps_den = fps_den;
    veil_error *err = NULL;
    dec->codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    if (dec->codec == NULL)
        err = veil_error_new(VEIL_EINTERNAL, "libavcodec was built without the H.264 decoder");
    if (err == NULL && (dec->parser = av_parser_init(AV_CODEC_ID_H264)) == NULL)
        err = veil_error_new(VEIL_EINTERNAL, "libavcodec was built without the H.264 parser");
    if (err == NULL &&
        ((dec->ctx = avcodec_alloc_context3(dec->codec)) == NULL ||
         (dec->pkt = av_packet_alloc()) == NULL || (dec->frame = av_frame_alloc()) == NULL))
        err = veil_error_new(VEIL_ENOMEM, "out of memory for an H.264 decoder");
    if (err == NULL) {
        dec->ctx->thread_count = 1;
        int rc = avcodec_open2(dec->ctx, dec->codec, NULL);
        if (rc < 0)
            err = av_error(rc, "decoder setup", dec);
    }
    if (err != NULL) {
        veil_h264_decoder_free(dec);
        return err;
    }
    *out = dec;
    return NULL;
}

bool veil_h264_decoder_frame_rate(const veil_h264_decoder *dec, uint32_t *num, uint32_t *den) {
    if (dec->fps_num != 0) {
        *num = dec->fps_num;
        *den = dec->fps_den;
        return true;
    }
    AVRational rate = dec->ctx->framerate;
    if (rate.num <= 0 || rate.den <= 0)
        return false;
    *num = (uint32_t)rate.num;
    *den = (uint32_t)rate.den;
    return true;
}

static double frame_time(const veil_h264_decoder *dec, uint32_t index) {
    uint32_t num = 0, den = 0;
    if (!veil_h264_decoder_frame_rate(dec, &num, &den))
        return -1.0;
    return (double)index * den / num;
}

static veil_error *emit(veil_h264_decoder *dec) {
    AVFrame *f = dec->frame;
    VEIL_ENSURE(f->format == AV_PIX_FMT_YUV420P || f->format == AV_PIX_FMT_YUVJ420P,
                VEIL_EUNSUPPORTED,
                "H.264 picture %u has pixel format %d; only 8-bit 4:2:0 is supported", dec->frames,
                f->format);
    veil_h264_frame out = {
        .index = dec->frames,
        .time_s = frame_time(dec, dec->frames),
        .width = f->width,
        .height = f->height,
    };
    for (int i = 0; i < 3; i++) {
        out.planes[i] = f->data[i];
        out.strides[i] = f->linesize[i];
    }
    dec->frames++;
    veil_error *err = dec->on_frame(dec->user_data, &out);
    av_frame_unref(f);
    return err;
}

/* Sends one access unit (or NULL to drain) and emits every picture ready. */
static veil_error *decode(veil_h264_decoder *dec, const AVPacket *pkt) {
    int rc = avcodec_send_packet(dec->ctx, pkt);
    if (rc < 0 && rc != AVERROR_EOF)
        return av_error(rc, "decoding", dec);
    for (;;) {
        rc = avcodec_receive_frame(dec->ctx, dec->frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return NULL;
        if (rc < 0)
            return av_error(rc, "decoding", dec);
        VEIL_TRY(emit(dec));
    }
}

/* Runs the parser over data (len 0 = end of stream) and decodes each access
 * unit it completes. */
static veil_error *parse(veil_h264_decoder *dec, const uint8_t *data, size_t len) {
    bool at_end = len == 0;
    do {
        int chunk = len > INT32_MAX / 2 ? INT32_MAX / 2 : (int)len;
        int used = av_parser_parse2(dec->parser, dec->ctx, &dec->pkt->data, &dec->pkt->size, data,
                                    chunk, AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
        if (used < 0)
            return av_error(used, "parsing", dec);
        if (used > 0) {
            data += used;
            len -= (size_t)used;
        }
        dec->offset += (uint64_t)used;
        if (dec->pkt->size > 0) {
            dec->packets++;
            VEIL_TRY(decode(dec, dec->pkt));
        }
    } while (len > 0 || (at_end && dec->pkt->size > 0));
    return NULL;
}

veil_error *veil_h264_decoder_push(veil_h264_decoder *dec, const uint8_t *data, size_t len) {
    VEIL_ENSURE(!dec->flushed, VEIL_EINVAL, "H.264 decoder used after finish");
    if (len == 0)
        return NULL;
    return parse(dec, data, len);
}

veil_error *veil_h264_decoder_finish(veil_h264_decoder *dec) {
    VEIL_ENSURE(!dec->flushed, VEIL_EINVAL, "H.264 decoder finished twice");
    dec->flushed = true;
    VEIL_TRY(parse(dec, NULL, 0));
    return decode(dec, NULL);
}

uint32_t veil_h264_decoder_frames(const veil_h264_decoder *dec) {
    return dec->frames;
}

void veil_h264_decoder_free(veil_h264_decoder *dec) {
    if (dec == NULL)
        return;
    av_parser_close(dec->parser);
    avcodec_free_context(&dec->ctx);
    av_packet_free(&dec->pkt);
    av_frame_free(&dec->frame);
    free(dec);
}

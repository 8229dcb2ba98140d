/*
 * H.264 decoding for the detector, over FFmpeg's libavcodec (H.264 decoder
 * and parser only; built from Debian's source for wasm32-wasi and natively,
 * scripts/third_party/build-ffmpeg.sh).
 *
 * The input is an Annex-B elementary stream (what the camera produces and
 * the clip decryptor releases) pushed in pieces of any size; the parser
 * splits it into access units, the decoder turns them into pictures, and
 * each picture is handed to a callback in output (display) order as planar
 * YUV 4:2:0 with its index and time stamp.  Nothing is buffered beyond what
 * the decoder itself needs for reordering.  FFmpeg's own log goes to
 * veil_log (component "h264"), never straight to stderr.
 */
#ifndef VEIL_DETECTOR_DECODE_H
#define VEIL_DETECTOR_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

/* One decoded picture; the planes are valid only during the callback. */
typedef struct veil_h264_frame {
    uint32_t index; /* 0, 1, 2, ... in output order */
    double time_s;  /* index / frame rate; -1 when the rate is unknown */
    int width, height;
    const uint8_t *planes[3]; /* Y, U, V */
    int strides[3];           /* bytes per row of each plane */
} veil_h264_frame;

typedef veil_error *(*veil_h264_frame_fn)(void *user_data, const veil_h264_frame *frame);

typedef struct veil_h264_decoder veil_h264_decoder;

/* fps_num/fps_den: the frame rate for time stamps (from the clip header);
 * 0/0 uses the stream's own timing information, if it has any. */
VEIL_NODISCARD veil_error *veil_h264_decoder_new(uint32_t fps_num, uint32_t fps_den,
                                                 veil_h264_frame_fn on_frame, void *user_data,
                                                 veil_h264_decoder **out);
/* Feeds Annex-B bytes; pictures that are complete come out through on_frame. */
VEIL_NODISCARD veil_error *veil_h264_decoder_push(veil_h264_decoder *dec, const uint8_t *data,
                                                  size_t len);
/* Ends the stream: the last access unit and every delayed picture come out. */
VEIL_NODISCARD veil_error *veil_h264_decoder_finish(veil_h264_decoder *dec);
uint32_t veil_h264_decoder_frames(const veil_h264_decoder *dec);
/* The frame rate in use (given, or from the stream once a picture has been
 * decoded); leaves num/den unchanged and returns false when unknown. */
bool veil_h264_decoder_frame_rate(const veil_h264_decoder *dec, uint32_t *num, uint32_t *den);
void veil_h264_decoder_free(veil_h264_decoder *dec);

/* The libavcodec version string, for reports. */
const char *veil_h264_decoder_version(void);

#endif

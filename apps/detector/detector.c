/*
 * detector: the program Veil exists to run.  It decrypts the owner's clips,
 * decodes their H.264 and finds COCO objects with NanoDet, from one source
 * built for wasm32-wasi (detector.wasm) and natively (detector).
 *
 * File tree (what the policy grants; each root can be moved with an option
 * for native runs):
 *   /program_data/   nanodet.json, nanodet.bin, coco.names, settings.json (optional)
 *   /user_input/     NAME.key for the clip NAME (or NAME without its last
 *                    extension), else clip.key for every clip
 *   /s3_app_input/   the encrypted clips (every regular file not starting with '.')
 *   /output/         detections.json, NAME-frameNNNNNN.jpg annotated frames
 * A short summary goes to stdout, errors and warnings to stderr.
 *
 * Invariant: nothing reaches /output unless every clip was verified to its
 * last chunk.  Decryption streams (a chunk is authenticated before its
 * plaintext goes to the decoder), so frames of a clip are analysed before
 * the clip's end is known to be authentic; their results and annotated
 * JPEGs are therefore held in memory and written only after every clip's
 * final chunk has verified.  A wrong key, a flipped bit, a truncated or
 * reordered clip thus ends the run with an error and an untouched /output.
 *
 * detections.json lists, per clip, every analysed frame (index, time stamp,
 * objects with class, class id, score and box [x, y, width, height] in
 * source pixels) and a per-class summary; timings are printed on stdout
 * only, so the JSON of the native and the wasm builds can be compared.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#ifndef __wasm__
#include <sys/resource.h>
#endif

#include "annotate.h"
#include "decode.h"
#include "jpeg.h"
#include "nanodet.h"
#include "nn_json.h"
#include "veil/clip.h"
#include "veil/log.h"
#include "veil/str.h"

#define READ_STEP 65536
#define KEY_FILE_MAX 4096
#define SETTINGS_MAX_BYTES (64 * 1024)
#define MAX_CLIPS 1024
#define MAX_FRAME_DETECTIONS 100
/* The Ucam key file holds the AES-128 key and the initial counter block. */
#define UCAM_KEY_FILE_LEN (VEIL_CLIP_UCAM_KEY_LEN + VEIL_CLIP_UCAM_COUNTER_LEN)

typedef enum annotate_mode {
    ANNOTATE_NEW_CLASS, /* frames where a class appears for the first time in the clip */
    ANNOTATE_DETECTIONS,
    ANNOTATE_ALL,
    ANNOTATE_NONE,
} annotate_mode;

typedef enum input_format {
    INPUT_VEIL_CLIP,
    INPUT_UCAM_AES128CTR, /* i-PoC / Ucam compatibility: unauthenticated */
} input_format;

typedef struct settings {
    veil_nanodet_options nn;
    uint32_t frame_step; /* analyse every Nth decoded frame */
    annotate_mode annotate;
    uint32_t max_annotated_frames;
    int jpeg_quality;
    input_format input;
} settings;

typedef struct paths {
    const char *program_data, *user_input, *input, *output;
} paths;

typedef struct frame_rec {
    uint32_t index;
    double time_s;
    size_t first, count; /* into clip_run.dets */
} frame_rec;

typedef struct jpeg_rec {
    char *name;
    uint8_t *data;
    size_t len;
} jpeg_rec;

typedef struct class_summary {
    uint32_t frames, max_count;
    uint32_t first_index, last_index;
    double first_s, last_s;
    float max_score;
} class_summary;

typedef struct timing {
    double total_ms, sink_ms, frame_ms; /* nested: total > sink > frame */
    double convert_ms, annotate_ms;
    veil_nanodet_timing nn;
} timing;

typedef struct clip_run {
    char *name;
    bool has_info;
    veil_clip_info info;
    int width, height;
    uint32_t decoded, analysed;
    frame_rec *frames;
    size_t frames_len, frames_cap;
    veil_nanodet_detection *dets;
    size_t dets_len, dets_cap;
    jpeg_rec *jpegs;
    size_t jpegs_len;
    uint32_t jpegs_dropped;
    class_summary classes[VEIL_NANODET_CLASSES];
    timing t;
} clip_run;

typedef struct detector {
    settings s;
    paths p;
    veil_nanodet *nn;
    uint8_t *rgb;
    size_t rgb_cap;
    uint8_t *annotated;
    uint32_t jpegs_total;
    clip_run *run; /* the clip being processed */
    veil_h264_decoder *dec;
    veil_clip_decryptor *clip;
    veil_clip_ucam_ctr *ucam;
    bool writing; /* output files are being written (all clips verified) */
} detector;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static veil_error *grow(void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return NULL;
    size_t n = *cap == 0 ? 64 : *cap * 2;
    while (n < need)
        n *= 2;
    void *p = realloc(*items, n * size);
    if (p == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    *items = p;
    *cap = n;
    return NULL;
}

/* ---- settings ------------------------------------------------------------- */

static veil_error *setting_number(const veil_nnj_value *v, const char *path, double min, double max,
                                  double *out) {
    VEIL_TRY(veil_nnj_expect(v, VEIL_NNJ_NUMBER, path));
    if (!(v->u.number.value >= min && v->u.number.value <= max))
        return veil_error_new(VEIL_EINVAL, "%s: %g is outside [%g, %g]", path, v->u.number.value,
                              min, max);
    *out = v->u.number.value;
    return NULL;
}

static veil_error *setting_choice(const veil_nnj_value *v, const char *path,
                                  const char *const names[], int *out) {
    VEIL_TRY(veil_nnj_expect(v, VEIL_NNJ_STRING, path));
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(v->u.string.data, names[i]) == 0) {
            *out = i;
            return NULL;
        }
    }
    return veil_error_new(VEIL_EINVAL, "%s: unknown value \"%s\"", path, v->u.string.data);
}

static void default_settings(settings *s) {
    veil_nanodet_default_options(&s->nn);
    s->frame_step = 1;
    s->annotate = ANNOTATE_NEW_CLASS;
    s->max_annotated_frames = 50;
    s->jpeg_quality = 85;
    s->input = INPUT_VEIL_CLIP;
}

static veil_error *apply_settings(const veil_nnj_value *root, const char *src, settings *s) {
    static const char *const keys[] = {
        "min_score", "iou_threshold",        "max_detections", "nms",          "frame_step",
        "annotate",  "max_annotated_frames", "jpeg_quality",   "input_format", NULL};
    static const char *const nms_names[] = {"per-class", "agnostic", NULL};
    static const char *const annotate_names[] = {"new-class", "detections", "all", "none", NULL};
    static const char *const input_names[] = {"veil-clip", "ucam-aes128ctr", NULL};
    VEIL_TRY(veil_nnj_expect(root, VEIL_NNJ_OBJECT, src));
    VEIL_TRY(veil_nnj_only_keys(root, src, keys));
    const veil_nnj_value *v;
    char path[256];
    int64_t i;
    int choice;
#define PATH(key) (snprintf(path, sizeof(path), "%s: $.%s", src, key), path)
    if ((v = veil_nnj_get(root, "min_score")) != NULL)
        VEIL_TRY(setting_number(v, PATH("min_score"), 0.0, 1.0, &s->nn.min_score));
    if ((v = veil_nnj_get(root, "iou_threshold")) != NULL)
        VEIL_TRY(setting_number(v, PATH("iou_threshold"), 0.0, 1.0, &s->nn.iou_threshold));
    if ((v = veil_nnj_get(root, "max_detections")) != NULL) {
        VEIL_TRY(veil_nnj_int(v, PATH("max_detections"), 1, MAX_FRAME_DETECTIONS, &i));
        s->nn.max_detections = (int)i;
    }
    if ((v = veil_nnj_get(root, "nms")) != NULL) {
        VEIL_TRY(setting_choice(v, PATH("nms"), nms_names, &choice));
        s->nn.nms = choice == 0 ? VEIL_NANODET_NMS_PER_CLASS : VEIL_NANODET_NMS_AGNOSTIC;
    }
    if ((v = veil_nnj_get(root, "frame_step")) != NULL) {
        VEIL_TRY(veil_nnj_int(v, PATH("frame_step"), 1, 100000, &i));
        s->frame_step = (uint32_t)i;
    }
    if ((v = veil_nnj_get(root, "annotate")) != NULL) {
        VEIL_TRY(setting_choice(v, PATH("annotate"), annotate_names, &choice));
        s->annotate = (annotate_mode)choice;
    }
    if ((v = veil_nnj_get(root, "max_annotated_frames")) != NULL) {
        VEIL_TRY(veil_nnj_int(v, PATH("max_annotated_frames"), 0, 100000, &i));
        s->max_annotated_frames = (uint32_t)i;
    }
    if ((v = veil_nnj_get(root, "jpeg_quality")) != NULL) {
        VEIL_TRY(veil_nnj_int(v, PATH("jpeg_quality"), 1, 100, &i));
        s->jpeg_quality = (int)i;
    }
    if ((v = veil_nnj_get(root, "input_format")) != NULL) {
        VEIL_TRY(setting_choice(v, PATH("input_format"), input_names, &choice));
        s->input = (input_format)choice;
    }
#undef PATH
    return NULL;
}

static veil_error *load_settings(const char *program_data, settings *s) {
    default_settings(s);
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/settings.json", program_data));
    uint8_t *data = NULL;
    size_t len = 0;
    veil_error *err = veil_read_file(path, SETTINGS_MAX_BYTES, &data, &len);
    if (err != NULL && veil_error_code(err) == VEIL_ENOENT) {
        veil_error_free(err);
        free(path);
        return NULL;
    }
    veil_nnj_doc *doc = NULL;
    if (err == NULL)
        err = veil_nnj_parse(data, len, path, &doc);
    if (err == NULL)
        err = apply_settings(veil_nnj_root(doc), path, s);
    veil_nnj_free(doc);
    free(data);
    free(path);
    return err;
}

/* ---- per frame ------------------------------------------------------------- */

static bool wants_annotation(const detector *d, const veil_nanodet_detection *dets, size_t n) {
    const clip_run *r = d->run;
    switch (d->s.annotate) {
    case ANNOTATE_ALL:
        return true;
    case ANNOTATE_DETECTIONS:
        return n > 0;
    case ANNOTATE_NEW_CLASS:
        for (size_t i = 0; i < n; i++) {
            if (r->classes[dets[i].class_id].frames == 0)
                return true;
        }
        return false;
    case ANNOTATE_NONE:
        return false;
    }
    return false;
}

static veil_error *annotate_frame(detector *d, uint32_t index, const veil_nanodet_detection *dets,
                                  size_t n) {
    clip_run *r = d->run;
    if (d->jpegs_total >= d->s.max_annotated_frames) {
        r->jpegs_dropped++;
        return NULL;
    }
    size_t stride = (size_t)r->width * 3;
    size_t bytes = stride * (size_t)r->height;
    memcpy(d->annotated, d->rgb, bytes);
    VEIL_TRY(veil_annotate_detections(d->annotated, r->width, r->height, stride, dets, n));
    veil_buf jpeg;
    veil_buf_init(&jpeg, 64u << 20);
    veil_error *err =
        veil_jpeg_encode_rgb(d->annotated, r->width, r->height, stride, d->s.jpeg_quality, &jpeg);
    char *name = NULL;
    if (err == NULL)
        err = veil_asprintf(&name, "%s-frame%06" PRIu32 ".jpg", r->name, index);
    jpeg_rec *grown = NULL;
    if (err == NULL) {
        grown = realloc(r->jpegs, (r->jpegs_len + 1) * sizeof(*r->jpegs));
        if (grown == NULL)
            err = veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    if (err != NULL) {
        free(name);
        veil_buf_free(&jpeg);
        return err;
    }
    r->jpegs = grown;
    jpeg_rec *j = &r->jpegs[r->jpegs_len++];
    j->name = name;
    j->data = (uint8_t *)veil_buf_steal(&jpeg, &j->len);
    d->jpegs_total++;
    return NULL;
}

static veil_error *record(detector *d, const veil_h264_frame *f, const veil_nanodet_detection *dets,
                          size_t n) {
    clip_run *r = d->run;
    VEIL_TRY(grow((void **)&r->frames, &r->frames_cap, r->frames_len + 1, sizeof(*r->frames)));
    VEIL_TRY(grow((void **)&r->dets, &r->dets_cap, r->dets_len + n + 1, sizeof(*r->dets)));
    r->frames[r->frames_len++] =
        (frame_rec){.index = f->index, .time_s = f->time_s, .first = r->dets_len, .count = n};
    /* The reference clamps x, y, width and height to [0, 1] one by one, so
     * a box can reach past the right or bottom edge: the report clips it to
     * the frame. */
    for (size_t i = 0; i < n; i++) {
        veil_nanodet_detection o = dets[i];
        float x1 = o.x < 0 ? 0 : o.x, y1 = o.y < 0 ? 0 : o.y;
        float x2 = o.x + o.width, y2 = o.y + o.height;
        x2 = x2 > (float)f->width ? (float)f->width : x2;
        y2 = y2 > (float)f->height ? (float)f->height : y2;
        o.x = x1;
        o.y = y1;
        o.width = x2 > x1 ? x2 - x1 : 0;
        o.height = y2 > y1 ? y2 - y1 : 0;
        r->dets[r->dets_len++] = o;
    }
    uint32_t counts[VEIL_NANODET_CLASSES] = {0};
    for (size_t i = 0; i < n; i++) {
        class_summary *c = &r->classes[dets[i].class_id];
        if (counts[dets[i].class_id]++ == 0) {
            if (c->frames++ == 0) {
                c->first_index = f->index;
                c->first_s = f->time_s;
            }
            c->last_index = f->index;
            c->last_s = f->time_s;
        }
        if (counts[dets[i].class_id] > c->max_count)
            c->max_count = counts[dets[i].class_id];
        if (dets[i].score > c->max_score)
            c->max_score = dets[i].score;
    }
    return NULL;
}

static veil_error *on_frame(void *user_data, const veil_h264_frame *f) {
    detector *d = user_data;
    clip_run *r = d->run;
    double t0 = now_ms();
    r->decoded++;
    if (f->index % d->s.frame_step != 0)
        return NULL;
    if (r->width == 0) {
        r->width = f->width;
        r->height = f->height;
    } else if (f->width != r->width || f->height != r->height) {
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "frame %" PRIu32 ": size changes from %dx%d to %dx%d", f->index,
                              r->width, r->height, f->width, f->height);
    }
    size_t bytes = (size_t)f->width * 3 * (size_t)f->height;
    if (bytes > d->rgb_cap) {
        free(d->rgb);
        free(d->annotated);
        d->rgb = malloc(bytes);
        d->annotated = malloc(bytes);
        d->rgb_cap = d->rgb != NULL && d->annotated != NULL ? bytes : 0;
        if (d->rgb_cap == 0)
            return veil_error_new(VEIL_ENOMEM, "out of memory for a %dx%d frame", f->width,
                                  f->height);
    }
    veil_yuv420p_to_rgb(f->planes[0], (size_t)f->strides[0], f->planes[1], (size_t)f->strides[1],
                        f->planes[2], (size_t)f->strides[2], f->width, f->height, d->rgb,
                        (size_t)f->width * 3);
    double t1 = now_ms();
    veil_nanodet_detection dets[MAX_FRAME_DETECTIONS];
    size_t n = 0;
    veil_nanodet_timing nt = {0};
    VEIL_TRY(veil_nanodet_detect(d->nn, d->rgb, f->width, f->height, (size_t)f->width * 3, &d->s.nn,
                                 dets, MAX_FRAME_DETECTIONS, &n, &nt));
    double t2 = now_ms();
    if (wants_annotation(d, dets, n))
        VEIL_TRY(annotate_frame(d, f->index, dets, n));
    VEIL_TRY(record(d, f, dets, n));
    r->analysed++;
    double t3 = now_ms();
    r->t.convert_ms += t1 - t0;
    r->t.nn.preprocess_ms += nt.preprocess_ms;
    r->t.nn.inference_ms += nt.inference_ms;
    r->t.nn.postprocess_ms += nt.postprocess_ms;
    r->t.annotate_ms += t3 - t2;
    r->t.frame_ms += t3 - t0;
    return NULL;
}

/* ---- per clip --------------------------------------------------------------- */

/* Verified plaintext (or, for Ucam input, unauthenticated plaintext) goes
 * to the decoder. */
static veil_error *plaintext_sink(void *user_data, const uint8_t *data, size_t len) {
    detector *d = user_data;
    double t0 = now_ms();
    veil_error *err = veil_h264_decoder_push(d->dec, data, len);
    d->run->t.sink_ms += now_ms() - t0;
    return err;
}

static veil_error *read_key(const detector *d, const char *clip_name, size_t key_len,
                            uint8_t *key) {
    /* NAME.key, then NAME without its last extension + .key, then clip.key. */
    char *candidates[3] = {NULL, NULL, NULL};
    VEIL_TRY(veil_asprintf(&candidates[0], "%s/%s.key", d->p.user_input, clip_name));
    const char *dot = strrchr(clip_name, '.');
    veil_error *err = NULL;
    if (dot != NULL && dot != clip_name)
        err = veil_asprintf(&candidates[1], "%s/%.*s.key", d->p.user_input, (int)(dot - clip_name),
                            clip_name);
    if (err == NULL)
        err = veil_asprintf(&candidates[2], "%s/clip.key", d->p.user_input);
    bool found = false;
    for (int i = 0; i < 3 && err == NULL && !found; i++) {
        if (candidates[i] == NULL)
            continue;
        uint8_t *data = NULL;
        size_t len = 0;
        err = veil_read_file(candidates[i], KEY_FILE_MAX, &data, &len);
        if (err != NULL && veil_error_code(err) == VEIL_ENOENT) {
            veil_error_free(err);
            err = NULL;
            continue;
        }
        if (err == NULL) {
            err = veil_clip_key_parse(data, len, key_len, candidates[i], key);
            found = err == NULL;
            memset(data, 0, len);
        }
        free(data);
    }
    if (err == NULL && !found)
        err = veil_error_new(VEIL_ENOENT, "no key for clip %s: neither %s, %s%s nor %s exists",
                             clip_name, candidates[0], candidates[1] ? candidates[1] : "",
                             candidates[1] ? "," : "", candidates[2]);
    for (int i = 0; i < 3; i++)
        free(candidates[i]);
    return err;
}

static veil_error *feed(detector *d, const uint8_t *buf, size_t n) {
    if (d->clip != NULL) {
        VEIL_TRY(veil_clip_decrypt_update(d->clip, buf, n));
        if (!d->run->has_info && veil_clip_decryptor_info(d->clip) != NULL) {
            d->run->info = *veil_clip_decryptor_info(d->clip);
            d->run->has_info = true;
        }
        return NULL;
    }
    return veil_clip_ucam_ctr_update(d->ucam, buf, n);
}

/* The decoder is created once the header is known (its frame rate gives
 * the time stamps); for Veil clips the header arrives with the first
 * update, before any plaintext. */
static veil_error *process_stream(detector *d, FILE *in, const char *path) {
    uint8_t *buf = malloc(READ_STEP);
    if (buf == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    veil_error *err = NULL;
    while (err == NULL) {
        size_t n = fread(buf, 1, READ_STEP, in);
        if (n == 0) {
            if (ferror(in))
                err = veil_error_new(VEIL_EIO, "%s: read error", path);
            break;
        }
        err = feed(d, buf, n);
    }
    free(buf);
    if (err == NULL && d->clip != NULL)
        err = veil_clip_decrypt_finish(d->clip);
    if (err == NULL) {
        double t0 = now_ms();
        err = veil_h264_decoder_finish(d->dec);
        d->run->t.sink_ms += now_ms() - t0;
    }
    return err;
}

/* Called from the decryptor's first release of plaintext: too late for the
 * frame rate, so the decoder is made lazily in a wrapper sink instead. */
static veil_error *first_sink(void *user_data, const uint8_t *data, size_t len) {
    detector *d = user_data;
    if (d->dec == NULL) {
        uint32_t num = 0, den = 0;
        const veil_clip_info *info = d->clip != NULL ? veil_clip_decryptor_info(d->clip) : NULL;
        if (info != NULL && info->codec != VEIL_CLIP_CODEC_H264_ANNEXB &&
            info->codec != VEIL_CLIP_CODEC_OPAQUE)
            return veil_error_new(VEIL_EUNSUPPORTED, "codec %s is not H.264",
                                  veil_clip_codec_name(info->codec));
        if (info != NULL && info->fps_num != 0 && info->fps_den != 0) {
            num = info->fps_num;
            den = info->fps_den;
        }
        VEIL_TRY(veil_h264_decoder_new(num, den, on_frame, d, &d->dec));
    }
    return plaintext_sink(user_data, data, len);
}

static veil_error *process_clip(detector *d, clip_run *r) {
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/%s", d->p.input, r->name));
    d->run = r;
    veil_error *err = NULL;
    uint8_t key[UCAM_KEY_FILE_LEN];
    if (d->s.input == INPUT_VEIL_CLIP) {
        err = read_key(d, r->name, VEIL_CLIP_KEY_LEN, key);
        if (err == NULL)
            err = veil_clip_decryptor_new(key, first_sink, d, &d->clip);
    } else {
        err = read_key(d, r->name, UCAM_KEY_FILE_LEN, key);
        if (err == NULL)
            err =
                veil_clip_ucam_ctr_new(key, key + VEIL_CLIP_UCAM_KEY_LEN, first_sink, d, &d->ucam);
    }
    memset(key, 0, sizeof(key));
    FILE *in = NULL;
    if (err == NULL) {
        in = fopen(path, "rb");
        if (in == NULL)
            err = veil_error_errno(errno, "%s", path);
    }
    if (err == NULL) {
        double t0 = now_ms();
        err = process_stream(d, in, path);
        r->t.total_ms = now_ms() - t0;
    }
    if (in != NULL)
        fclose(in);
    if (err == NULL && d->dec == NULL)
        err = veil_error_new(VEIL_EMALFORMED, "%s: the clip holds no video", path);
    veil_h264_decoder_free(d->dec);
    veil_clip_decryptor_free(d->clip);
    veil_clip_ucam_ctr_free(d->ucam);
    d->dec = NULL;
    d->clip = NULL;
    d->ucam = NULL;
    err = veil_error_wrap(err, "%s", path);
    free(path);
    return err;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(((const clip_run *)a)->name, ((const clip_run *)b)->name);
}

static veil_error *list_clips(const char *dir, clip_run **out, size_t *count) {
    *out = NULL;
    *count = 0;
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return veil_error_errno(errno, "%s", dir);
    clip_run *runs = NULL;
    size_t n = 0, cap = 0;
    veil_error *err = NULL;
    struct dirent *e;
    while (err == NULL && (errno = 0, e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = NULL;
        struct stat st;
        err = veil_asprintf(&path, "%s/%s", dir, e->d_name);
        if (err == NULL && stat(path, &st) != 0)
            err = veil_error_errno(errno, "%s", path);
        free(path);
        if (err != NULL || !S_ISREG(st.st_mode))
            continue;
        if (n == MAX_CLIPS)
            err = veil_error_new(VEIL_ELIMIT, "%s: more than %d clips", dir, MAX_CLIPS);
        if (err == NULL)
            err = grow((void **)&runs, &cap, n + 1, sizeof(*runs));
        if (err == NULL) {
            memset(&runs[n], 0, sizeof(runs[n]));
            err = veil_strdup(e->d_name, &runs[n].name);
            if (err == NULL)
                n++;
        }
    }
    if (err == NULL && errno != 0)
        err = veil_error_errno(errno, "%s", dir);
    closedir(dp);
    if (err == NULL && n == 0)
        err = veil_error_new(VEIL_ENOENT, "%s: no clips to process", dir);
    if (err != NULL) {
        for (size_t i = 0; i < n; i++)
            free(runs[i].name);
        free(runs);
        return err;
    }
    qsort(runs, n, sizeof(*runs), compare_names);
    *out = runs;
    *count = n;
    return NULL;
}

static void free_run(clip_run *r) {
    free(r->name);
    free(r->frames);
    free(r->dets);
    for (size_t i = 0; i < r->jpegs_len; i++) {
        free(r->jpegs[i].name);
        free(r->jpegs[i].data);
    }
    free(r->jpegs);
}

/* ---- output ------------------------------------------------------------------ */

/* Names come from coco.names and the input directory: escape for JSON. */
static veil_error *json_string(veil_buf *b, const char *s) {
    VEIL_TRY(veil_buf_append_str(b, "\""));
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            VEIL_TRY(veil_buf_printf(b, "\\%c", *p));
        else if (*p < 0x20)
            VEIL_TRY(veil_buf_printf(b, "\\u%04x", *p));
        else
            VEIL_TRY(veil_buf_append(b, p, 1));
    }
    return veil_buf_append_str(b, "\"");
}

static veil_error *json_time(veil_buf *b, double t) {
    if (t < 0)
        return veil_buf_append_str(b, "null");
    return veil_buf_printf(b, "%.3f", t);
}

static const char *class_name(const detector *d, int class_id) {
    const char *const *labels = veil_nanodet_labels(d->nn);
    return labels != NULL && labels[class_id] != NULL ? labels[class_id] : "?";
}

static veil_error *clip_json(const detector *d, const clip_run *r, veil_buf *b) {
    VEIL_TRY(veil_buf_append_str(b, "    {\n      \"name\": "));
    VEIL_TRY(json_string(b, r->name));
    if (r->has_info) {
        VEIL_TRY(veil_buf_append_str(b, ",\n      \"clip_id\": "));
        VEIL_TRY(json_string(b, r->info.clip_id));
        VEIL_TRY(veil_buf_append_str(b, ",\n      \"camera_id\": "));
        VEIL_TRY(json_string(b, r->info.camera_id));
        VEIL_TRY(veil_buf_printf(b, ",\n      \"created_ms\": %" PRIu64, r->info.created_ms));
    }
    VEIL_TRY(veil_buf_printf(b,
                             ",\n      \"authenticated\": %s,\n      \"width\": %d,\n"
                             "      \"height\": %d,\n      \"frames_decoded\": %" PRIu32
                             ",\n      \"frames_analysed\": %" PRIu32
                             ",\n      \"frame_step\": %" PRIu32 ",\n      \"summary\": {",
                             d->s.input == INPUT_VEIL_CLIP ? "true" : "false", r->width, r->height,
                             r->decoded, r->analysed, d->s.frame_step));
    bool first = true;
    for (int c = 0; c < VEIL_NANODET_CLASSES; c++) {
        const class_summary *s = &r->classes[c];
        if (s->frames == 0)
            continue;
        VEIL_TRY(veil_buf_append_str(b, first ? "\n        " : ",\n        "));
        first = false;
        VEIL_TRY(json_string(b, class_name(d, c)));
        VEIL_TRY(veil_buf_printf(
            b,
            ": {\"class_id\": %d, \"frames\": %" PRIu32 ", \"max_in_frame\": %" PRIu32
            ", \"max_score\": %.4f"
            ", \"first_frame\": %" PRIu32 ", \"last_frame\": %" PRIu32 ", \"first_seen_s\": ",
            c, s->frames, s->max_count, (double)s->max_score, s->first_index, s->last_index));
        VEIL_TRY(json_time(b, s->first_s));
        VEIL_TRY(veil_buf_append_str(b, ", \"last_seen_s\": "));
        VEIL_TRY(json_time(b, s->last_s));
        VEIL_TRY(veil_buf_append_str(b, "}"));
    }
    VEIL_TRY(veil_buf_append_str(b, first ? "},\n      \"annotated_frames\": ["
                                          : "\n      },\n      \"annotated_frames\": ["));
    for (size_t i = 0; i < r->jpegs_len; i++) {
        VEIL_TRY(veil_buf_append_str(b, i == 0 ? "" : ", "));
        VEIL_TRY(json_string(b, r->jpegs[i].name));
    }
    VEIL_TRY(veil_buf_printf(
        b, "],\n      \"annotated_frames_dropped\": %" PRIu32 ",\n      \"frames\": [",
        r->jpegs_dropped));
    for (size_t i = 0; i < r->frames_len; i++) {
        const frame_rec *f = &r->frames[i];
        VEIL_TRY(veil_buf_printf(
            b, "%s\n        {\"index\": %" PRIu32 ", \"time_s\": ", i == 0 ? "" : ",", f->index));
        VEIL_TRY(json_time(b, f->time_s));
        VEIL_TRY(veil_buf_append_str(b, ", \"objects\": ["));
        for (size_t k = 0; k < f->count; k++) {
            const veil_nanodet_detection *o = &r->dets[f->first + k];
            VEIL_TRY(veil_buf_append_str(b, k == 0 ? "{\"class\": " : ", {\"class\": "));
            VEIL_TRY(json_string(b, class_name(d, o->class_id)));
            VEIL_TRY(veil_buf_printf(b,
                                     ", \"class_id\": %d, \"score\": %.4f, "
                                     "\"box\": [%.1f, %.1f, %.1f, %.1f]}",
                                     o->class_id, (double)o->score, (double)o->x, (double)o->y,
                                     (double)o->width, (double)o->height));
        }
        VEIL_TRY(veil_buf_append_str(b, "]}"));
    }
    return veil_buf_append_str(b, r->frames_len == 0 ? "]\n    }" : "\n      ]\n    }");
}

static veil_error *write_outputs(const detector *d, const clip_run *runs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < runs[i].jpegs_len; k++) {
            char *path;
            VEIL_TRY(veil_asprintf(&path, "%s/%s", d->p.output, runs[i].jpegs[k].name));
            veil_error *err =
                veil_write_file(path, runs[i].jpegs[k].data, runs[i].jpegs[k].len, 0644);
            free(path);
            VEIL_TRY(err);
        }
    }
    veil_buf b;
    veil_buf_init(&b, 1u << 30);
    const veil_nanodet_options *o = &d->s.nn;
    veil_error *err = veil_buf_printf(
        &b,
        "{\n  \"detector\": {\"model\": \"nanodet\", \"min_score\": %g, \"iou_threshold\": %g, "
        "\"max_detections\": %d, \"nms\": \"%s\"},\n  \"clips\": [\n",
        o->min_score, o->iou_threshold, o->max_detections,
        o->nms == VEIL_NANODET_NMS_PER_CLASS ? "per-class" : "agnostic");
    for (size_t i = 0; i < n && err == NULL; i++) {
        err = clip_json(d, &runs[i], &b);
        if (err == NULL)
            err = veil_buf_append_str(&b, i + 1 < n ? ",\n" : "\n");
    }
    if (err == NULL)
        err = veil_buf_append_str(&b, "  ]\n}\n");
    char *path = NULL;
    if (err == NULL)
        err = veil_asprintf(&path, "%s/detections.json", d->p.output);
    if (err == NULL)
        err = veil_write_file(path, b.data, b.len, 0644);
    free(path);
    veil_buf_free(&b);
    return err;
}

static double peak_memory_mib(void) {
#ifdef __wasm__
    /* Linear memory only grows: its size now is the peak. */
    return (double)__builtin_wasm_memory_size(0) * 65536.0 / (1024.0 * 1024.0);
#else
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
#endif
}

static void print_summary(const detector *d, const clip_run *runs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const clip_run *r = &runs[i];
        printf("%s: %" PRIu32 " frames decoded, %" PRIu32 " analysed (%dx%d)%s\n", r->name,
               r->decoded, r->analysed, r->width, r->height,
               d->s.input == INPUT_VEIL_CLIP ? "" : " [unauthenticated input]");
        bool any = false;
        for (int c = 0; c < VEIL_NANODET_CLASSES; c++) {
            const class_summary *s = &r->classes[c];
            if (s->frames == 0)
                continue;
            any = true;
            printf("  %-14s in %4" PRIu32 " frames (up to %" PRIu32 " at once), frames %" PRIu32
                   "..%" PRIu32,
                   class_name(d, c), s->frames, s->max_count, s->first_index, s->last_index);
            if (s->first_s >= 0)
                printf(", %.2f s..%.2f s", s->first_s, s->last_s);
            printf(", best score %.2f\n", (double)s->max_score);
        }
        if (!any)
            printf("  no objects found\n");
        const timing *t = &r->t;
        double decrypt = t->total_ms - t->sink_ms;
        double decode = t->sink_ms - t->frame_ms;
        double per = r->analysed > 0 ? 1.0 / r->analysed : 0;
        printf("  annotated frames: %zu%s\n", r->jpegs_len,
               r->jpegs_dropped > 0 ? " (limit reached, some not written)" : "");
        printf("  time: %.0f ms total, %.1f frames/s; per analysed frame: decrypt+read %.2f ms, "
               "decode %.2f ms, yuv->rgb %.2f ms, pre-process %.2f ms, inference %.2f ms, "
               "post-process %.2f ms, annotate %.2f ms\n",
               t->total_ms, t->total_ms > 0 ? r->decoded * 1e3 / t->total_ms : 0, decrypt * per,
               decode * per, t->convert_ms * per, t->nn.preprocess_ms * per,
               t->nn.inference_ms * per, t->nn.postprocess_ms * per, t->annotate_ms * per);
    }
    printf("peak memory: %.1f MiB\n", peak_memory_mib());
}

/* ---- main ------------------------------------------------------------------------ */

static veil_error *run(detector *d) {
    VEIL_TRY(load_settings(d->p.program_data, &d->s));
    if (d->s.input == INPUT_UCAM_AES128CTR)
        veil_log(VEIL_LOG_WARN, "detector",
                 "input_format ucam-aes128ctr: the clips are not authenticated");
    clip_run *runs = NULL;
    size_t n = 0;
    VEIL_TRY(list_clips(d->p.input, &runs, &n));
    veil_error *err = veil_nanodet_open(d->p.program_data, true, &d->nn);
    for (size_t i = 0; i < n && err == NULL; i++)
        err = process_clip(d, &runs[i]);
    /* Every clip verified: only now does anything reach the output. */
    if (err == NULL) {
        d->writing = true;
        err = write_outputs(d, runs, n);
    }
    if (err == NULL)
        print_summary(d, runs, n);
    for (size_t i = 0; i < n; i++)
        free_run(&runs[i]);
    free(runs);
    return err;
}

static int usage(FILE *out, int status) {
    fprintf(out,
            "usage: detector [--program-data DIR] [--user-input DIR] [--input DIR] [--output DIR]\n"
            "\n"
            "Decrypts the clips in the input directory (default /s3_app_input) with the keys in\n"
            "the user input directory (default /user_input: NAME.key or clip.key), decodes\n"
            "them and detects COCO objects with the NanoDet model in the program data\n"
            "directory (default /program_data: nanodet.json, nanodet.bin, coco.names,\n"
            "optional settings.json).  Writes detections.json and annotated JPEG frames to\n"
            "the output directory (default /output) once every clip has verified, and a\n"
            "summary to stdout.  Exit status: 0 success, 1 failure, 2 usage error.\n");
    return status;
}

int main(int argc, char **argv) {
    detector d = {0};
    d.p = (paths){"/program_data", "/user_input", "/s3_app_input", "/output"};
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout, 0);
        else if (strcmp(argv[i], "--program-data") == 0)
            slot = &d.p.program_data;
        else if (strcmp(argv[i], "--user-input") == 0)
            slot = &d.p.user_input;
        else if (strcmp(argv[i], "--input") == 0)
            slot = &d.p.input;
        else if (strcmp(argv[i], "--output") == 0)
            slot = &d.p.output;
        if (slot == NULL || i + 1 == argc) {
            fprintf(stderr, "detector: %s %s\n", argv[i],
                    slot == NULL ? "is not an option" : "needs a directory");
            return usage(stderr, 2);
        }
        *slot = argv[++i];
    }
    veil_log_init_from_env();
    veil_error *err = run(&d);
    veil_nanodet_close(d.nn);
    free(d.rgb);
    free(d.annotated);
    if (err != NULL) {
        fprintf(stderr, "detector: %s\n", veil_error_message(err));
        if (!d.writing)
            fprintf(stderr, "detector: nothing was written to %s\n", d.p.output);
        veil_error_free(err);
        return 1;
    }
    return 0;
}

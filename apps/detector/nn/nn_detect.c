/*
 * nn-detect: runs the NanoDet detector on one raw frame and prints the
 * detections as JSON.  Built natively and for wasm32-wasi (SIMD128) from
 * this one source; the TensorFlow.js comparison test and the benchmark
 * drive both builds through it.
 *
 *   nn-detect --model DIR (--rgb FILE | --yuv420p FILE) --width W --height H
 *             [--nms per-class|agnostic] [--decode argmax|dfl]
 *             [--min-score S] [--iou T] [--max N] [--no-optimise]
 *             [--dump-outputs PREFIX] [--annotate OUT.jpg] [--quality Q]
 *             [--repeat N]
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "annotate.h"
#include "jpeg.h"
#include "nanodet.h"
#include "veil/str.h"

#define MAX_DETECTIONS 1000

typedef struct args {
    const char *model;
    const char *rgb;
    const char *yuv;
    int width, height;
    veil_nanodet_options options;
    bool optimise;
    const char *dump_prefix;
    const char *annotate;
    int quality;
    int repeat;
} args;

static int usage(const char *message) {
    if (message != NULL)
        fprintf(stderr, "nn-detect: %s\n", message);
    fprintf(stderr,
            "usage: nn-detect --model DIR (--rgb FILE | --yuv420p FILE) --width W --height H\n"
            "                 [--nms per-class|agnostic] [--decode argmax|dfl] [--min-score S]\n"
            "                 [--iou T] [--max N] [--no-optimise] [--dump-outputs PREFIX]\n"
            "                 [--annotate OUT.jpg] [--quality Q] [--repeat N]\n");
    return 2;
}

static bool parse_int(const char *s, int min, int max, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_double(const char *s, double min, double max, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, args *a) {
    memset(a, 0, sizeof(*a));
    veil_nanodet_default_options(&a->options);
    a->optimise = true;
    a->quality = 85;
    a->repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            usage(NULL);
            exit(0);
        }
        if (strcmp(opt, "--no-optimise") == 0) {
            a->optimise = false;
            continue;
        }
        if (i + 1 >= argc)
            return usage("missing value after an option");
        const char *val = argv[++i];
        if (strcmp(opt, "--model") == 0) {
            a->model = val;
        } else if (strcmp(opt, "--rgb") == 0) {
            a->rgb = val;
        } else if (strcmp(opt, "--yuv420p") == 0) {
            a->yuv = val;
        } else if (strcmp(opt, "--width") == 0) {
            if (!parse_int(val, 1, 16384, &a->width))
                return usage("--width must be 1..16384");
        } else if (strcmp(opt, "--height") == 0) {
            if (!parse_int(val, 1, 16384, &a->height))
                return usage("--height must be 1..16384");
        } else if (strcmp(opt, "--nms") == 0) {
            if (strcmp(val, "per-class") == 0)
                a->options.nms = VEIL_NANODET_NMS_PER_CLASS;
            else if (strcmp(val, "agnostic") == 0)
                a->options.nms = VEIL_NANODET_NMS_AGNOSTIC;
            else
                return usage("--nms must be per-class or agnostic");
        } else if (strcmp(opt, "--decode") == 0) {
            if (strcmp(val, "argmax") == 0)
                a->options.decode = VEIL_NANODET_DECODE_ARGMAX;
            else if (strcmp(val, "dfl") == 0)
                a->options.decode = VEIL_NANODET_DECODE_DFL;
            else
                return usage("--decode must be argmax or dfl");
        } else if (strcmp(opt, "--min-score") == 0) {
            if (!parse_double(val, 0, 1, &a->options.min_score))
                return usage("--min-score must be in [0, 1]");
        } else if (strcmp(opt, "--iou") == 0) {
            if (!parse_double(val, 0, 1, &a->options.iou_threshold))
                return usage("--iou must be in [0, 1]");
        } else if (strcmp(opt, "--max") == 0) {
            if (!parse_int(val, 0, MAX_DETECTIONS, &a->options.max_detections))
                return usage("--max must be 0..1000");
        } else if (strcmp(opt, "--dump-outputs") == 0) {
            a->dump_prefix = val;
        } else if (strcmp(opt, "--annotate") == 0) {
            a->annotate = val;
        } else if (strcmp(opt, "--quality") == 0) {
            if (!parse_int(val, 1, 100, &a->quality))
                return usage("--quality must be 1..100");
        } else if (strcmp(opt, "--repeat") == 0) {
            if (!parse_int(val, 1, 100000, &a->repeat))
                return usage("--repeat must be 1..100000");
        } else {
            return usage("unknown option");
        }
    }
    if (a->model == NULL || (a->rgb == NULL) == (a->yuv == NULL) || a->width == 0 || a->height == 0)
        return usage("--model, one of --rgb/--yuv420p, --width and --height are required");
    return 0;
}

/* Reads the frame and converts it to RGB24. */
static veil_error *load_frame(const args *a, uint8_t **rgb) {
    size_t w = (size_t)a->width, h = (size_t)a->height;
    size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    size_t want = a->rgb != NULL ? w * h * 3 : w * h + 2 * cw * ch;
    const char *path = a->rgb != NULL ? a->rgb : a->yuv;
    uint8_t *data;
    size_t len;
    veil_error *err = veil_read_file(path, want, &data, &len);
    if (err != NULL && veil_error_code(err) == VEIL_ELIMIT) {
        veil_error_free(err);
        return veil_error_new(VEIL_EINVAL, "%s: larger than a %dx%d %s frame (%zu bytes)", path,
                              a->width, a->height, a->rgb != NULL ? "RGB24" : "YUV420P", want);
    }
    VEIL_TRY(err);
    if (len != want) {
        free(data);
        return veil_error_new(VEIL_EINVAL, "%s: %zu bytes, a %dx%d %s frame has %zu", path, len,
                              a->width, a->height, a->rgb != NULL ? "RGB24" : "YUV420P", want);
    }
    if (a->rgb != NULL) {
        *rgb = data;
        return NULL;
    }
    uint8_t *out = malloc(w * h * 3);
    if (out == NULL) {
        free(data);
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    veil_yuv420p_to_rgb(data, w, data + w * h, cw, data + w * h + cw * ch, cw, a->width, a->height,
                        out, w * 3);
    free(data);
    *rgb = out;
    return NULL;
}

static veil_error *dump_outputs(veil_nn_plan *plan, const char *prefix) {
    printf("\"outputs\":[");
    for (size_t i = 0; i < veil_nn_plan_output_count(plan); i++) {
        veil_nn_shape s;
        const char *name;
        const float *data = veil_nn_plan_output(plan, i, &s, &name);
        char *path;
        VEIL_TRY(veil_asprintf(&path, "%s%zu.f32", prefix, i));
        veil_error *err =
            veil_write_file(path, data, (size_t)veil_nn_shape_elements(&s) * sizeof(float), 0644);
        if (err == NULL) {
            printf("%s{\"name\":\"%s\",\"file\":\"%s\",\"shape\":[", i ? "," : "", name, path);
            for (int d = 0; d < s.rank; d++)
                printf("%s%lld", d ? "," : "", (long long)s.dims[d]);
            printf("]}");
        }
        free(path);
        VEIL_TRY(err);
    }
    printf("],");
    return NULL;
}

static int run(const args *a) {
    uint8_t *rgb = NULL;
    veil_nanodet *det = NULL;
    veil_nanodet_detection *dets = calloc(MAX_DETECTIONS, sizeof(*dets));
    veil_error *err = dets == NULL ? veil_error_new(VEIL_ENOMEM, "out of memory") : NULL;
    if (err == NULL)
        err = load_frame(a, &rgb);
    if (err == NULL)
        err = veil_nanodet_open(a->model, a->optimise, &det);
    size_t count = 0;
    veil_nanodet_timing best = {0}, t;
    for (int r = 0; r < a->repeat && err == NULL; r++) {
        err = veil_nanodet_detect(det, rgb, a->width, a->height, (size_t)a->width * 3, &a->options,
                                  dets, MAX_DETECTIONS, &count, &t);
        if (r == 0 || t.inference_ms < best.inference_ms)
            best.inference_ms = t.inference_ms;
        if (r == 0 || t.preprocess_ms < best.preprocess_ms)
            best.preprocess_ms = t.preprocess_ms;
        if (r == 0 || t.postprocess_ms < best.postprocess_ms)
            best.postprocess_ms = t.postprocess_ms;
    }
    if (err == NULL && a->annotate != NULL) {
        err = veil_annotate_detections(rgb, a->width, a->height, (size_t)a->width * 3, dets, count);
        veil_buf jpeg;
        veil_buf_init(&jpeg, 0);
        if (err == NULL)
            err = veil_jpeg_encode_rgb(rgb, a->width, a->height, (size_t)a->width * 3, a->quality,
                                       &jpeg);
        if (err == NULL)
            err = veil_write_file(a->annotate, jpeg.data, jpeg.len, 0644);
        veil_buf_free(&jpeg);
    }
    if (err == NULL) {
        veil_nn_plan_stats st;
        veil_nn_plan_get_stats(veil_nanodet_plan(det), &st);
        printf("{\"width\":%d,\"height\":%d,", a->width, a->height);
        printf("\"timing_ms\":{\"preprocess\":%.3f,\"inference\":%.3f,\"postprocess\":%.3f},",
               best.preprocess_ms, best.inference_ms, best.postprocess_ms);
        printf("\"plan\":{\"nodes\":%zu,\"transposes\":%zu,\"convolutions\":%zu,\"conv_macs\":%llu,"
               "\"arena_bytes\":%zu,\"weight_bytes\":%zu},",
               st.nodes, st.transposes, st.convolutions, (unsigned long long)st.conv_macs,
               st.arena_bytes, st.weight_bytes);
        if (a->dump_prefix != NULL)
            err = dump_outputs(veil_nanodet_plan(det), a->dump_prefix);
    }
    if (err == NULL) {
        printf("\"detections\":[");
        for (size_t i = 0; i < count; i++) {
            const veil_nanodet_detection *d = &dets[i];
            printf("%s{\"class_id\":%d,\"label\":\"%s\",\"score\":%.6f,\"box\":[%.3f,%.3f,%.3f,"
                   "%.3f]}",
                   i ? "," : "", d->class_id, d->label, d->score, d->x, d->y, d->width, d->height);
        }
        printf("]}\n");
    }
    veil_nanodet_close(det);
    free(rgb);
    free(dets);
    if (err != NULL) {
        fflush(stdout);
        fprintf(stderr, "nn-detect: %s\n", veil_error_message(err));
        veil_error_free(err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    return run(&a);
}

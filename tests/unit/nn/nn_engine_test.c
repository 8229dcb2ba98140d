/*
 * Tests of the inference engine on small synthetic TF.js graph models:
 * the loader (weights, quantisation, errors), every op against a naive
 * reference written here, and the optimiser (outputs with and without
 * rewrites must agree, and the transposes must go).
 */
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn.h"
#include "veil/str.h"

float veil_nn_half_to_float(uint16_t h);

/* ---- a small model builder ---- */

typedef struct mb {
    veil_buf nodes;
    veil_buf weights;
    veil_buf bin;
    const char *outputs; /* signature outputs, or NULL for sinks */
} mb;

static void mb_init(mb *m) {
    veil_buf_init(&m->nodes, 0);
    veil_buf_init(&m->weights, 0);
    veil_buf_init(&m->bin, 0);
    m->outputs = NULL;
}

static void mb_free(mb *m) {
    veil_buf_free(&m->nodes);
    veil_buf_free(&m->weights);
    veil_buf_free(&m->bin);
}

static void mb_node(mb *m, const char *name, const char *op, const char *inputs, const char *attr) {
    assert_ok(veil_buf_printf(&m->nodes, "%s{\"name\":\"%s\",\"op\":\"%s\"",
                              m->nodes.len ? "," : "", name, op));
    if (inputs != NULL)
        assert_ok(veil_buf_printf(&m->nodes, ",\"input\":[%s]", inputs));
    if (attr != NULL)
        assert_ok(veil_buf_printf(&m->nodes, ",\"attr\":{%s}", attr));
    assert_ok(veil_buf_append_str(&m->nodes, "}"));
}

static void mb_weight(mb *m, const char *name, const char *shape, const char *dtype,
                      const char *quant, const void *data, size_t bytes) {
    assert_ok(
        veil_buf_printf(&m->weights, "%s{\"name\":\"%s\",\"shape\":[%s],\"dtype\":\"%s\"%s%s}",
                        m->weights.len ? "," : "", name, shape, dtype,
                        quant != NULL ? ",\"quantization\":" : "", quant != NULL ? quant : ""));
    assert_ok(veil_buf_append(&m->bin, data, bytes));
}

static void mb_const_f32(mb *m, const char *name, const char *shape, const float *data, size_t n) {
    mb_node(m, name, "Const", NULL, NULL);
    mb_weight(m, name, shape, "float32", NULL, data, n * 4);
}

static void mb_const_i32(mb *m, const char *name, const char *shape, const int32_t *data,
                         size_t n) {
    mb_node(m, name, "Const", NULL, NULL);
    mb_weight(m, name, shape, "int32", NULL, data, n * 4);
}

static void mb_input(mb *m, const char *name, int d0, int d1, int d2, int d3) {
    char attr[256];
    snprintf(attr, sizeof(attr),
             "\"dtype\":{\"type\":\"DT_FLOAT\"},\"shape\":{\"shape\":{\"dim\":[{\"size\":\"%d\"},"
             "{\"size\":\"%d\"},{\"size\":\"%d\"},{\"size\":\"%d\"}]}}",
             d0, d1, d2, d3);
    mb_node(m, name, "Placeholder", NULL, attr);
}

typedef struct shard_ctx {
    const veil_buf *bin;
} shard_ctx;

static veil_error *read_shard(void *ctx, const char *name, uint8_t **data, size_t *len) {
    const shard_ctx *c = ctx;
    if (strcmp(name, "w.bin") != 0)
        return veil_error_new(VEIL_ENOENT, "no shard %s", name);
    *data = malloc(c->bin->len + 1);
    if (*data == NULL)
        return veil_error_new(VEIL_ENOMEM, "oom");
    if (c->bin->len > 0)
        memcpy(*data, c->bin->data, c->bin->len);
    *len = c->bin->len;
    return NULL;
}

static veil_error *mb_load(mb *m, veil_nn_model **model) {
    veil_buf json;
    veil_buf_init(&json, 0);
    assert_ok(veil_buf_printf(&json,
                              "{\"format\":\"graph-model\",\"modelTopology\":{\"node\":[%s]},"
                              "\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":[%s]}]",
                              (const char *)m->nodes.data,
                              m->weights.len ? (const char *)m->weights.data : ""));
    if (m->outputs != NULL)
        assert_ok(veil_buf_printf(&json, ",\"signature\":{\"outputs\":{%s}}", m->outputs));
    assert_ok(veil_buf_append_str(&json, "}"));
    shard_ctx ctx = {.bin = &m->bin};
    veil_error *err =
        veil_nn_model_parse(json.data, json.len, "test-model", read_shard, &ctx, model);
    veil_buf_free(&json);
    return err;
}

/* Deterministic pseudo-random values in [-1, 1). */
static float rnd(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}

static veil_nn_plan *make_plan(veil_nn_model *model, bool optimise, bool nhwc) {
    veil_nn_plan_options o = {.optimise = optimise, .input_nhwc = nhwc};
    veil_nn_plan *plan;
    assert_ok(veil_nn_plan_create(model, &o, &plan));
    return plan;
}

/* ---- half floats ---- */

static void test_half_to_float(void **state) {
    (void)state;
    assert_true(veil_nn_half_to_float(0x3C00) == 1.0f);
    assert_true(veil_nn_half_to_float(0xC000) == -2.0f);
    assert_true(veil_nn_half_to_float(0x7BFF) == 65504.0f);
    assert_true(veil_nn_half_to_float(0x0001) == ldexpf(1.0f, -24));
    assert_true(veil_nn_half_to_float(0x03FF) == ldexpf(1023.0f, -24));
    assert_true(veil_nn_half_to_float(0x3555) == 0.333251953125f);
    assert_true(isinf(veil_nn_half_to_float(0xFC00)) && veil_nn_half_to_float(0xFC00) < 0);
    assert_true(isnan(veil_nn_half_to_float(0x7E00)));
    assert_true(signbit(veil_nn_half_to_float(0x8000)));
}

/* ---- convolution against a naive reference ---- */

typedef struct conv_case {
    int h, w, cin, cout, k, stride, dilation;
    const char *padding; /* VALID, SAME or EXPLICIT */
    int explicit_pad[4]; /* top, bottom, left, right */
    bool bias, leaky;
} conv_case;

static void naive_conv(const conv_case *c, const float *x, const float *f, const float *b, float *y,
                       int oh, int ow, int pt, int pl) {
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int co = 0; co < c->cout; co++) {
                double s = 0;
                for (int ky = 0; ky < c->k; ky++)
                    for (int kx = 0; kx < c->k; kx++) {
                        int iy = oy * c->stride - pt + ky * c->dilation;
                        int ix = ox * c->stride - pl + kx * c->dilation;
                        if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                            continue;
                        for (int ci = 0; ci < c->cin; ci++)
                            s += (double)x[(iy * c->w + ix) * c->cin + ci] *
                                 f[((ky * c->k + kx) * c->cin + ci) * c->cout + co];
                    }
                if (b != NULL)
                    s += b[co];
                if (c->leaky && s < 0)
                    s *= 0.1;
                y[(oy * ow + ox) * c->cout + co] = (float)s;
            }
}

static void run_conv_case(const conv_case *c) {
    uint32_t seed = (uint32_t)(c->h * 131 + c->cin * 17 + c->cout);
    size_t nf = (size_t)c->k * c->k * c->cin * c->cout;
    float *f = malloc(nf * sizeof(float));
    float *b = malloc((size_t)c->cout * sizeof(float));
    float *x = malloc((size_t)c->h * c->w * c->cin * sizeof(float));
    assert_true(f && b && x);
    for (size_t i = 0; i < nf; i++)
        f[i] = rnd(&seed);
    for (int i = 0; i < c->cout; i++)
        b[i] = rnd(&seed);
    for (int i = 0; i < c->h * c->w * c->cin; i++)
        x[i] = rnd(&seed);

    mb m;
    mb_init(&m);
    mb_input(&m, "x", 1, c->h, c->w, c->cin);
    char shape[64], attr[512];
    snprintf(shape, sizeof(shape), "%d,%d,%d,%d", c->k, c->k, c->cin, c->cout);
    mb_const_f32(&m, "f", shape, f, nf);
    snprintf(shape, sizeof(shape), "%d", c->cout);
    mb_const_f32(&m, "b", shape, b, (size_t)c->cout);
    /* padding as base64: VALID, SAME, EXPLICIT */
    const char *pad64 = strcmp(c->padding, "VALID") == 0  ? "VkFMSUQ="
                        : strcmp(c->padding, "SAME") == 0 ? "U0FNRQ=="
                                                          : "RVhQTElDSVQ=";
    snprintf(
        attr, sizeof(attr),
        "\"padding\":{\"s\":\"%s\"},\"strides\":{\"list\":{\"i\":[\"1\",\"%d\",\"%d\",\"1\"]}},"
        "\"dilations\":{\"list\":{\"i\":[\"1\",\"%d\",\"%d\",\"1\"]}},"
        "\"explicit_paddings\":{\"list\":{\"i\":[\"0\",\"0\",\"%d\",\"%d\",\"%d\",\"%d\",\"0\","
        "\"0\"]}},\"data_format\":{\"s\":\"TkhXQw==\"}",
        pad64, c->stride, c->stride, c->dilation, c->dilation, c->explicit_pad[0],
        c->explicit_pad[1], c->explicit_pad[2], c->explicit_pad[3]);
    mb_node(&m, "conv", "Conv2D", "\"x\",\"f\"", attr);
    const char *last = "\"conv\"";
    if (c->bias) {
        mb_node(&m, "add", "Add", "\"conv\",\"b\"", NULL);
        last = "\"add\"";
    }
    if (c->leaky) {
        mb_node(&m, "act", "LeakyRelu", last, "\"alpha\":{\"f\":0.1}");
        last = "\"act\"";
    }
    mb_node(&m, "out", "Identity", last, NULL);
    veil_nn_model *model;
    assert_ok(mb_load(&m, &model));

    /* expected output geometry */
    int eff = (c->k - 1) * c->dilation + 1, pt = 0, pb = 0, pl = 0, pr = 0, oh, ow;
    if (strcmp(c->padding, "SAME") == 0) {
        oh = (c->h + c->stride - 1) / c->stride;
        ow = (c->w + c->stride - 1) / c->stride;
        int th = (oh - 1) * c->stride + eff - c->h, tw = (ow - 1) * c->stride + eff - c->w;
        th = th < 0 ? 0 : th;
        tw = tw < 0 ? 0 : tw;
        pt = th / 2;
        pl = tw / 2;
        pb = th - pt;
        pr = tw - pl;
    } else {
        if (strcmp(c->padding, "EXPLICIT") == 0) {
            pt = c->explicit_pad[0];
            pb = c->explicit_pad[1];
            pl = c->explicit_pad[2];
            pr = c->explicit_pad[3];
        }
        oh = (c->h + pt + pb - eff) / c->stride + 1;
        ow = (c->w + pl + pr - eff) / c->stride + 1;
    }
    float *want = malloc((size_t)oh * ow * c->cout * sizeof(float));
    assert_non_null(want);
    naive_conv(c, x, f, c->bias ? b : NULL, want, oh, ow, pt, pl);

    for (int opt = 0; opt < 2; opt++) {
        veil_nn_plan *plan = make_plan(model, opt == 1, false);
        veil_nn_shape s;
        float *in = veil_nn_plan_input(plan, &s);
        memcpy(in, x, (size_t)c->h * c->w * c->cin * sizeof(float));
        assert_ok(veil_nn_plan_run(plan));
        const float *y = veil_nn_plan_output(plan, 0, &s, NULL);
        assert_int_equal(s.rank, 4);
        assert_int_equal(s.dims[1], oh);
        assert_int_equal(s.dims[2], ow);
        assert_int_equal(s.dims[3], c->cout);
        for (int i = 0; i < oh * ow * c->cout; i++) {
            if (fabsf(y[i] - want[i]) > 1e-4f * (1.0f + fabsf(want[i]))) {
                print_error("case %dx%dx%d->%d k%d s%d d%d %s: [%d] %g != %g (opt %d)\n", c->h,
                            c->w, c->cin, c->cout, c->k, c->stride, c->dilation, c->padding, i,
                            y[i], want[i], opt);
                fail();
            }
        }
        veil_nn_plan_stats st;
        veil_nn_plan_get_stats(plan, &st);
        assert_int_equal(st.convolutions, 1);
        assert_true(st.conv_macs == (uint64_t)oh * ow * c->cout * c->k * c->k * c->cin);
        if (opt == 1)
            assert_int_equal(st.nodes, 2); /* conv with bias/act fused + Identity */
        veil_nn_plan_free(plan);
    }
    veil_nn_model_free(model);
    mb_free(&m);
    free(f);
    free(b);
    free(x);
    free(want);
}

static void test_conv(void **state) {
    (void)state;
    static const conv_case cases[] = {
        {9, 7, 3, 5, 3, 1, 1, "SAME", {0}, true, true},
        {13, 11, 16, 24, 3, 2, 1, "SAME", {0}, true, false},
        {8, 8, 4, 17, 1, 1, 1, "VALID", {0}, false, true},
        {10, 9, 5, 8, 3, 1, 2, "VALID", {0}, true, true},
        {6, 6, 2, 3, 3, 2, 1, "EXPLICIT", {1, 2, 0, 1}, true, false},
        {1, 1, 7, 9, 1, 1, 1, "VALID", {0}, true, true},
        {5, 31, 3, 16, 5, 1, 1, "SAME", {0}, false, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_conv_case(&cases[i]);
}

/* ---- weights: quantisation ---- */

static void test_quantised_weights(void **state) {
    (void)state;
    mb m;
    mb_init(&m);
    mb_node(&m, "x", "Placeholder", NULL,
            "\"dtype\":{\"type\":\"DT_FLOAT\"},\"shape\":{\"shape\":{\"dim\":[{\"size\":\"-1\"},"
            "{\"size\":\"4\"}]}}");
    const uint16_t half[4] = {0x3C00, 0xC000, 0x3555, 0x0000};
    mb_node(&m, "h", "Const", NULL, NULL);
    mb_weight(&m, "h", "4", "float32", "{\"dtype\":\"float16\",\"original_dtype\":\"float32\"}",
              half, sizeof(half));
    const uint8_t q8[4] = {0, 1, 2, 255};
    mb_node(&m, "u", "Const", NULL, NULL);
    mb_weight(&m, "u", "4", "float32", "{\"dtype\":\"uint8\",\"scale\":0.5,\"min\":-1}", q8,
              sizeof(q8));
    const uint16_t q16[4] = {0, 1, 1000, 65535};
    mb_node(&m, "v", "Const", NULL, NULL);
    mb_weight(&m, "v", "4", "float32", "{\"dtype\":\"uint16\",\"scale\":0.25,\"min\":2}", q16,
              sizeof(q16));
    mb_node(&m, "a1", "AddV2", "\"x\",\"h\"", NULL);
    mb_node(&m, "a2", "Add", "\"a1\",\"u\"", NULL);
    mb_node(&m, "a3", "Add", "\"a2\",\"v\"", NULL);
    veil_nn_model *model;
    assert_ok(mb_load(&m, &model));
    veil_nn_plan *plan = make_plan(model, true, false);
    veil_nn_shape s;
    float *in = veil_nn_plan_input(plan, &s);
    assert_int_equal(s.rank, 2);
    assert_int_equal(s.dims[0], 1); /* unknown batch becomes 1 */
    for (int i = 0; i < 4; i++)
        in[i] = 10.0f * (float)i;
    assert_ok(veil_nn_plan_run(plan));
    const char *name;
    const float *y = veil_nn_plan_output(plan, 0, &s, &name);
    assert_string_equal(name, "a3:0");
    const float want[4] = {0 + 1 - 1 + 2, 10 - 2 - 0.5f + 2.25f, 20 + 0.333251953125f + 0 + 252,
                           30 + 0 + 126.5f + 16385.75f};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], want[i], 1e-3);
    veil_nn_plan_free(plan);
    veil_nn_model_free(model);
    mb_free(&m);
}

/* ---- the optimiser on an NCHW graph shaped like NanoDet's ---- */

/* x(NCHW) -> Pad -> T(NHWC) -> Conv -> Add(bias) -> T(NCHW) -> LeakyRelu
 *   -> [PadV2(-inf) -> T -> MaxPool -> T] and [Concat with itself]
 *   -> Add -> T(NHWC) -> ResizeBilinear -> T(NCHW) -> SplitV -> Sigmoid
 *   -> Reshape -> Transpose -> outputs */
static void build_nchw_graph(mb *m) {
    uint32_t seed = 7;
    mb_input(m, "x", 1, 3, 12, 10);
    const int32_t pads[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    mb_const_i32(m, "pads", "4,2", pads, 8);
    const int32_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
    mb_const_i32(m, "to_nhwc", "4", to_nhwc, 4);
    mb_const_i32(m, "to_nchw", "4", to_nchw, 4);
    float f[3 * 3 * 3 * 8], b[8];
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        f[i] = rnd(&seed);
    for (int i = 0; i < 8; i++)
        b[i] = rnd(&seed);
    mb_const_f32(m, "f", "3,3,3,8", f, sizeof(f) / sizeof(f[0]));
    mb_const_f32(m, "b", "8", b, 8);
    const float neg_inf = -INFINITY;
    mb_const_f32(m, "ninf", "", &neg_inf, 1);
    const int32_t axis1 = 1, size[2] = {24, 20}, splits[2] = {5, -1};
    mb_const_i32(m, "axis1", "", &axis1, 1);
    mb_const_i32(m, "size", "2", size, 2);
    mb_const_i32(m, "splits", "2", splits, 2);
    /* reshape target computed by constant folding: SparseToDense + AddV2 */
    const int32_t base_shape[3] = {1, 5, -1}, zero = 0, three = 3;
    mb_const_i32(m, "base_shape", "3", base_shape, 3);
    mb_node(m, "where", "Const", NULL, NULL);
    mb_weight(m, "where", "0,1", "int32", NULL, "", 0);
    mb_const_i32(m, "dense_shape", "1", &three, 1);
    mb_node(m, "gather", "Const", NULL, NULL);
    mb_weight(m, "gather", "0", "int32", NULL, "", 0);
    mb_const_i32(m, "zero", "", &zero, 1);
    const int32_t perm021[3] = {0, 2, 1};
    mb_const_i32(m, "perm021", "3", perm021, 3);

    const char *conv_attr =
        "\"padding\":{\"s\":\"VkFMSUQ=\"},\"strides\":{\"list\":{\"i\":[\"1\",\"1\",\"1\",\"1\"]}},"
        "\"data_format\":{\"s\":\"TkhXQw==\"}";
    mb_node(m, "pad", "Pad", "\"x\",\"pads\"", NULL);
    mb_node(m, "t1", "Transpose", "\"pad\",\"to_nhwc\"", NULL);
    mb_node(m, "conv", "Conv2D", "\"t1\",\"f\"", conv_attr);
    mb_node(m, "bias", "Add", "\"conv\",\"b\"", NULL);
    mb_node(m, "t2", "Transpose", "\"bias\",\"to_nchw\"", NULL);
    mb_node(m, "act", "LeakyRelu", "\"t2\"", "\"alpha\":{\"f\":0.1}");
    mb_node(m, "padv2", "PadV2", "\"act\",\"pads\",\"ninf\"", NULL);
    mb_node(m, "t3", "Transpose", "\"padv2\",\"to_nhwc\"", NULL);
    mb_node(m, "pool", "MaxPool", "\"t3\"",
            "\"ksize\":{\"list\":{\"i\":[\"1\",\"3\",\"3\",\"1\"]}},\"strides\":{\"list\":{\"i\":"
            "[\"1\",\"1\",\"1\",\"1\"]}},\"padding\":{\"s\":\"VkFMSUQ=\"}");
    mb_node(m, "t4", "Transpose", "\"pool\",\"to_nchw\"", NULL);
    mb_node(m, "sum", "AddV2", "\"t4\",\"act\"", NULL);
    mb_node(m, "t5", "Transpose", "\"sum\",\"to_nhwc\"", NULL);
    mb_node(m, "resize", "ResizeBilinear", "\"t5\",\"size\"",
            "\"half_pixel_centers\":{\"b\":true},\"align_corners\":{\"b\":false}");
    mb_node(m, "t6", "Transpose", "\"resize\",\"to_nchw\"", NULL);
    mb_node(m, "cat", "ConcatV2", "\"t6\",\"t6\",\"axis1\"", "\"N\":{\"i\":\"2\"}");
    mb_node(m, "split", "SplitV", "\"cat\",\"splits\",\"axis1\"", "\"num_split\":{\"i\":\"2\"}");
    mb_node(m, "sig", "Sigmoid", "\"split\"", NULL);
    mb_node(m, "s2d", "SparseToDense", "\"where\",\"dense_shape\",\"gather\",\"zero\"", NULL);
    mb_node(m, "target", "AddV2", "\"base_shape\",\"s2d\"", NULL);
    mb_node(m, "reshape", "Reshape", "\"sig\",\"target\"", NULL);
    mb_node(m, "tout", "Transpose", "\"reshape\",\"perm021\"", NULL);
    mb_node(m, "out0", "Identity", "\"tout\"", NULL);
    mb_node(m, "relu", "Relu", "\"split:1\"", NULL);
    mb_node(m, "out1", "Identity", "\"relu\"", NULL);
    m->outputs = "\"out0:0\":{},\"out1:0\":{}";
}

static void test_optimiser_agrees(void **state) {
    (void)state;
    mb m;
    mb_init(&m);
    build_nchw_graph(&m);
    veil_nn_model *model;
    assert_ok(mb_load(&m, &model));
    veil_nn_plan *plain = make_plan(model, false, false);
    veil_nn_plan *opt = make_plan(model, true, true);
    veil_nn_shape s_plain, s_opt;
    float *in_plain = veil_nn_plan_input(plain, &s_plain);
    float *in_opt = veil_nn_plan_input(opt, &s_opt);
    assert_int_equal(s_plain.dims[1], 3);
    assert_int_equal(s_opt.dims[3], 3); /* NHWC */
    uint32_t seed = 99;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 10; x++) {
                float v = rnd(&seed);
                in_plain[(c * 12 + y) * 10 + x] = v;
                in_opt[(y * 10 + x) * 3 + c] = v;
            }
    assert_ok(veil_nn_plan_run(plain));
    assert_ok(veil_nn_plan_run(opt));
    assert_int_equal(veil_nn_plan_output_count(plain), 2);
    for (size_t o = 0; o < 2; o++) {
        veil_nn_shape a, b;
        const char *na, *nb;
        const float *ya = veil_nn_plan_output(plain, o, &a, &na);
        const float *yb = veil_nn_plan_output(opt, o, &b, &nb);
        assert_string_equal(na, nb);
        assert_true(a.rank == b.rank);
        for (int d = 0; d < a.rank; d++)
            assert_int_equal(a.dims[d], b.dims[d]);
        for (int64_t i = 0; i < veil_nn_shape_elements(&a); i++)
            assert_float_equal(ya[i], yb[i], 1e-5);
    }
    veil_nn_shape s;
    veil_nn_plan_output(plain, 0, &s, NULL);
    assert_int_equal(s.rank, 3); /* [1, 24*20, 5] */
    assert_int_equal(s.dims[1], 480);
    assert_int_equal(s.dims[2], 5);
    veil_nn_plan_stats ps, os;
    veil_nn_plan_get_stats(plain, &ps);
    veil_nn_plan_get_stats(opt, &os);
    /* Plain: all 7 transposes run.  Optimised: the input/NHWC pairs cancel;
     * what is left is the NCHW view the split/reshape tail needs and the
     * final [0,2,1]. */
    assert_int_equal(ps.transposes, 7);
    assert_int_equal(os.transposes, 2);
    assert_true(os.nodes < ps.nodes);
    veil_nn_plan_free(plain);
    veil_nn_plan_free(opt);
    veil_nn_model_free(model);
    mb_free(&m);
}

/* Resize with half-pixel centres against hand-computed values. */
static void test_resize_values(void **state) {
    (void)state;
    mb m;
    mb_init(&m);
    mb_input(&m, "x", 1, 2, 2, 1);
    const int32_t size[2] = {4, 4};
    mb_const_i32(&m, "size", "2", size, 2);
    mb_node(&m, "r", "ResizeBilinear", "\"x\",\"size\"", "\"half_pixel_centers\":{\"b\":true}");
    veil_nn_model *model;
    assert_ok(mb_load(&m, &model));
    veil_nn_plan *plan = make_plan(model, true, false);
    float *in = veil_nn_plan_input(plan, NULL);
    in[0] = 0;
    in[1] = 4;
    in[2] = 8;
    in[3] = 12;
    assert_ok(veil_nn_plan_run(plan));
    const float *y = veil_nn_plan_output(plan, 0, NULL, NULL);
    /* source x for outputs 0..3: -0.25 (clamped: 0), 0.25, 0.75, 1.25 (-> 1) */
    const float row0[4] = {0, 1, 3, 4};
    for (int r = 0; r < 4; r++) {
        float fy = r == 0 ? 0 : r == 1 ? 0.25f : r == 2 ? 0.75f : 1.0f;
        for (int c = 0; c < 4; c++)
            assert_float_equal(y[r * 4 + c], row0[c] + 8 * fy, 1e-6);
    }
    veil_nn_plan_free(plan);
    veil_nn_model_free(model);
    mb_free(&m);
}

/* ---- loader errors ---- */

static void expect_load_error(mb *m, veil_code code, const char *text) {
    veil_nn_model *model = NULL;
    assert_err(mb_load(m, &model), code, text);
    assert_null(model);
}

static void test_loader_errors(void **state) {
    (void)state;
    const float one = 1.0f;
    mb m;

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "y", "FancyOp", "\"x\"", NULL);
    expect_load_error(&m, VEIL_EUNSUPPORTED, "node \"y\": unsupported op \"FancyOp\"");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "c", "Const", NULL, NULL);
    mb_weight(&m, "c", "1", "string", NULL, "abcd", 4);
    expect_load_error(&m, VEIL_EUNSUPPORTED, "weight dtype \"string\"");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "c", "Const", NULL, NULL);
    mb_weight(&m, "c", "1", "float32", "{\"dtype\":\"int8\",\"scale\":1,\"min\":0}", "a", 1);
    expect_load_error(&m, VEIL_EUNSUPPORTED, "quantisation dtype \"int8\"");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "c", "Const", NULL, NULL);
    expect_load_error(&m, VEIL_EMALFORMED, "Const node \"c\" has no weight");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "c", "Const", NULL, NULL);
    mb_weight(&m, "c", "2", "float32", NULL, &one, 4); /* 8 bytes declared, 4 present */
    expect_load_error(&m, VEIL_EMALFORMED, "weight \"c\" (8 bytes) runs past the shards");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_const_f32(&m, "c", "1", &one, 1);
    assert_ok(veil_buf_append(&m.bin, "xx", 2));
    expect_load_error(&m, VEIL_EMALFORMED, "2 bytes of shard data beyond its weights");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "x", "Identity", "\"x\"", NULL);
    expect_load_error(&m, VEIL_EMALFORMED, "node name \"x\" used twice");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "y", "Identity", "\"nope:0\"", NULL);
    expect_load_error(&m, VEIL_EMALFORMED, "reads unknown node \"nope\"");
    mb_free(&m);

    mb_init(&m);
    mb_node(&m, "y", "Identity", NULL, NULL);
    expect_load_error(&m, VEIL_EMALFORMED, "no Placeholder");
    mb_free(&m);

    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    m.outputs = "\"missing:0\":{}";
    expect_load_error(&m, VEIL_EMALFORMED, "names unknown tensor \"missing:0\"");
    mb_free(&m);

    /* whole-file checks */
    static const struct {
        const char *json;
        veil_code code;
        const char *text;
    } files[] = {
        {"{\"format\":\"layers-model\",\"modelTopology\":{},\"weightsManifest\":[]}",
         VEIL_EUNSUPPORTED, "only TF.js graph models"},
        {"{\"modelInitializer\":{},\"modelTopology\":{\"node\":[]},\"weightsManifest\":[]}",
         VEIL_EUNSUPPORTED, "initializer graph"},
        {"{\"modelTopology\":{\"node\":[]},\"weightsManifest\":[],\"extra\":1}", VEIL_EMALFORMED,
         "unknown key \"extra\""},
        {"{\"modelTopology\":{\"node\":[]},\"weightsManifest\":[]}", VEIL_EMALFORMED, "0 nodes"},
        {"{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"}]},"
         "\"weightsManifest\":[{\"paths\":[\"../w.bin\"],\"weights\":[]}]}",
         VEIL_EMALFORMED, "not a plain file name"},
        {"{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"}]},"
         "\"weightsManifest\":[{\"paths\":[\"other.bin\"],\"weights\":[]}]}",
         VEIL_ENOENT, "no shard other.bin"},
        {"{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\",\"bogus\":1}]},"
         "\"weightsManifest\":[]}",
         VEIL_EMALFORMED, "node[0]: unknown key \"bogus\""},
        {"{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\",\"attr\":{"
         "\"dtype\":{\"type\":\"DT_INT32\"}}}]},\"weightsManifest\":[]}",
         VEIL_EUNSUPPORTED, "input dtype DT_INT32"},
    };
    veil_buf empty;
    veil_buf_init(&empty, 0);
    shard_ctx ctx = {.bin = &empty};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        veil_nn_model *model = NULL;
        assert_err(veil_nn_model_parse((const uint8_t *)files[i].json, strlen(files[i].json),
                                       "f.json", read_shard, &ctx, &model),
                   files[i].code, files[i].text);
    }
}

static void test_plan_errors(void **state) {
    (void)state;
    const float one = 1.0f;
    mb m;

    /* a filter whose input channels do not match (grouped/depthwise) */
    mb_init(&m);
    mb_input(&m, "x", 1, 4, 4, 2);
    float f[3 * 3 * 1 * 2] = {0};
    mb_const_f32(&m, "f", "3,3,1,2", f, 18);
    mb_node(&m, "c", "Conv2D", "\"x\",\"f\"",
            "\"padding\":{\"s\":\"U0FNRQ==\"},\"strides\":{\"list\":{\"i\":[\"1\",\"1\",\"1\","
            "\"1\"]}}");
    veil_nn_model *model;
    assert_ok(mb_load(&m, &model));
    veil_nn_plan *plan = NULL;
    veil_nn_plan_options o = {.optimise = true};
    assert_err(veil_nn_plan_create(model, &o, &plan), VEIL_EUNSUPPORTED,
               "node \"c\" (Conv2D): input [1,4,4,2] has 2 channels, filter [3,3,1,2] expects 1");
    veil_nn_model_free(model);
    mb_free(&m);

    /* NCHW convolution */
    mb_init(&m);
    mb_input(&m, "x", 1, 1, 4, 4);
    mb_const_f32(&m, "f", "1,1,1,1", &one, 1);
    mb_node(&m, "c", "Conv2D", "\"x\",\"f\"",
            "\"padding\":{\"s\":\"VkFMSUQ=\"},\"data_format\":{\"s\":\"TkNIVw==\"},\"strides\":{"
            "\"list\":{\"i\":[\"1\",\"1\",\"1\",\"1\"]}}");
    assert_ok(mb_load(&m, &model));
    assert_err(veil_nn_plan_create(model, &o, &plan), VEIL_EUNSUPPORTED, "data_format NCHW");
    veil_nn_model_free(model);
    mb_free(&m);

    /* a Transpose whose perm is computed at run time */
    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 4);
    mb_node(&m, "t", "Transpose", "\"x\",\"x\"", NULL);
    assert_ok(mb_load(&m, &model));
    assert_err(veil_nn_plan_create(model, &o, &plan), VEIL_EUNSUPPORTED,
               "perm (input 1) must be a constant");
    veil_nn_model_free(model);
    mb_free(&m);

    /* a cycle */
    mb_init(&m);
    mb_input(&m, "x", 1, 1, 1, 1);
    mb_node(&m, "a", "Add", "\"x\",\"b\"", NULL);
    mb_node(&m, "b", "Relu", "\"a\"", NULL);
    mb_node(&m, "out", "Identity", "\"b\"", NULL);
    assert_ok(mb_load(&m, &model));
    assert_err(veil_nn_plan_create(model, &o, &plan), VEIL_EMALFORMED, "cycle");
    veil_nn_model_free(model);
    mb_free(&m);

    /* shapes that do not broadcast */
    mb_init(&m);
    mb_input(&m, "x", 1, 2, 2, 3);
    const float two[2] = {1, 2};
    mb_const_f32(&m, "c", "2", two, 2);
    mb_node(&m, "a", "Add", "\"x\",\"c\"", NULL);
    assert_ok(mb_load(&m, &model));
    assert_err(veil_nn_plan_create(model, &o, &plan), VEIL_EMALFORMED,
               "shapes [1,2,2,3] and [2] do not broadcast");
    veil_nn_model_free(model);
    mb_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_to_float),     cmocka_unit_test(test_conv),
        cmocka_unit_test(test_quantised_weights), cmocka_unit_test(test_optimiser_agrees),
        cmocka_unit_test(test_resize_values),     cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_plan_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

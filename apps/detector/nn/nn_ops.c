/*
 * Op semantics: lowering (TF attributes and constant parameter inputs into
 * typed attributes), shape inference and execution.  The same execute
 * function serves constant folding at plan time and the run.  Every check
 * on shapes, attributes and parameters happens here, before a run, so a
 * run never meets an unexpected shape; errors name the node and op.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_graph.h"
#include "nn_kernels.h"
#include "veil/encoding.h"

#define NODE_ERR(g, n, code, ...) node_error((g), (n), (code), __VA_ARGS__)

static veil_error *node_error(const nn_graph *g, const nn_node *n, veil_code code, const char *fmt,
                              ...) VEIL_PRINTF(4, 5);
static veil_error *node_error(const nn_graph *g, const nn_node *n, veil_code code, const char *fmt,
                              ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return veil_error_new(code, "%s: node \"%s\" (%s): %s", g->source, n->name, nn_op_name(n->op),
                          msg);
}

static nn_value *in_val(nn_graph *g, const nn_node *n, int k) {
    return &g->values[n->inputs[k]];
}

static nn_value *out_val(nn_graph *g, const nn_node *n, int k) {
    return &g->values[n->outputs[k]];
}

/* ---- raw TF attributes ---- */

static const veil_nnj_value *attr_get(const nn_node *n, const char *name, const char *kind) {
    return veil_nnj_get(veil_nnj_get(n->attr, name), kind);
}

/* A string attribute ("s": base64) compared with `want`; absent gives
 * `fallback`. */
static veil_error *attr_string(const nn_graph *g, const nn_node *n, const char *name,
                               const char *fallback, char *out, size_t size) {
    const veil_nnj_value *s = attr_get(n, name, "s");
    if (s == NULL) {
        snprintf(out, size, "%s", fallback);
        return NULL;
    }
    if (s->kind != VEIL_NNJ_STRING)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s.s is not a string", name);
    uint8_t buf[64];
    size_t len;
    if (s->u.string.len > 80)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s.s is too long", name);
    veil_error *err = veil_base64_decode(s->u.string.data, s->u.string.len, buf, sizeof(buf), &len);
    if (err != NULL) {
        veil_error_free(err); /* the message below names the attribute */
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s.s is not valid base64", name);
    }
    if (len >= size || memchr(buf, 0, len) != NULL)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s has an invalid value", name);
    memcpy(out, buf, len);
    out[len] = '\0';
    return NULL;
}

static veil_error *attr_bool(const nn_graph *g, const nn_node *n, const char *name, bool fallback,
                             bool *out) {
    const veil_nnj_value *b = attr_get(n, name, "b");
    if (b == NULL) {
        *out = fallback;
        return NULL;
    }
    if (b->kind != VEIL_NNJ_BOOL)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s.b is not a boolean", name);
    *out = b->u.boolean;
    return NULL;
}

static veil_error *attr_float(const nn_graph *g, const nn_node *n, const char *name, float fallback,
                              float *out) {
    const veil_nnj_value *f = attr_get(n, name, "f");
    if (f == NULL) {
        *out = fallback;
        return NULL;
    }
    if (f->kind != VEIL_NNJ_NUMBER)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s.f is not a number", name);
    *out = (float)f->u.number.value;
    return NULL;
}

/* An int list attribute ("list": {"i": [...]}) of exactly `count`
 * entries; absent gives `fallback` (or an error when fallback is NULL). */
static veil_error *attr_ints(const nn_graph *g, const nn_node *n, const char *name, int count,
                             const int *fallback, int *out) {
    const veil_nnj_value *list = attr_get(n, name, "list");
    const veil_nnj_value *items = veil_nnj_get(list, "i");
    if (list == NULL || (items == NULL && fallback != NULL)) {
        if (fallback == NULL)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s is missing", name);
        memcpy(out, fallback, (size_t)count * sizeof(int));
        return NULL;
    }
    if (items == NULL || items->kind != VEIL_NNJ_ARRAY || (int)items->u.array.count != count)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s must list %d integers", name, count);
    for (int i = 0; i < count; i++) {
        int64_t v;
        veil_error *err = veil_nnj_int(items->u.array.items[i], name, -1000000, 1000000, &v);
        if (err != NULL) {
            veil_error_free(err);
            return NODE_ERR(g, n, VEIL_EMALFORMED, "attr %s[%d] is not a small integer", name, i);
        }
        out[i] = (int)v;
    }
    return NULL;
}

static veil_error *check_nhwc(const nn_graph *g, const nn_node *n) {
    char fmt[16];
    VEIL_TRY(attr_string(g, n, "data_format", "NHWC", fmt, sizeof(fmt)));
    if (strcmp(fmt, "NHWC") != 0)
        return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "data_format %s is not supported (NHWC is)", fmt);
    return NULL;
}

/* ---- parameter inputs ---- */

static veil_error *need_inputs(const nn_graph *g, const nn_node *n, int min, int max) {
    if (n->n_inputs < min || n->n_inputs > max)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "has %d inputs (expected %d..%d)", n->n_inputs, min,
                        max);
    return NULL;
}

static veil_error *const_param(nn_graph *g, const nn_node *n, int k, nn_dtype dtype, int rank,
                               const char *what, nn_value **out) {
    nn_value *v = in_val(g, n, k);
    if (!v->is_const)
        return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "%s (input %d) must be a constant", what, k);
    if (v->dtype != dtype)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "%s (input %d) has the wrong dtype", what, k);
    if (rank >= 0 && v->shape.rank != rank)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "%s (input %d) must have rank %d", what, k, rank);
    *out = v;
    return NULL;
}

/* Drops parameter inputs [keep, n_inputs). */
static void keep_inputs(nn_node *n, int keep) {
    if (n->n_inputs > keep)
        n->n_inputs = keep;
}

static veil_error *lower_padding(nn_graph *g, nn_node *n, bool *same) {
    char pad[16];
    VEIL_TRY(attr_string(g, n, "padding", "", pad, sizeof(pad)));
    if (strcmp(pad, "VALID") == 0)
        *same = false;
    else if (strcmp(pad, "SAME") == 0)
        *same = true;
    else
        return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "padding \"%s\" is not supported (VALID, SAME)",
                        pad);
    return NULL;
}

veil_error *nn_node_lower(nn_graph *g, nn_node *n) {
    if (n->lowered)
        return NULL;
    nn_value *p;
    switch (n->op) {
    case NN_OP_CONST:
    case NN_OP_INPUT:
        VEIL_TRY(need_inputs(g, n, 0, 0));
        break;
    case NN_OP_IDENTITY:
    case NN_OP_RELU:
    case NN_OP_SIGMOID:
        VEIL_TRY(need_inputs(g, n, 1, 1));
        break;
    case NN_OP_LEAKY_RELU:
        VEIL_TRY(need_inputs(g, n, 1, 1));
        VEIL_TRY(attr_float(g, n, "alpha", 0.2f, &n->a.leaky.alpha));
        break;
    case NN_OP_ADD:
        VEIL_TRY(need_inputs(g, n, 2, 2));
        break;
    case NN_OP_CONV2D: {
        VEIL_TRY(need_inputs(g, n, 2, 2));
        VEIL_TRY(check_nhwc(g, n));
        VEIL_TRY(const_param(g, n, 1, NN_F32, 4, "the filter", &p));
        int strides[4], dil[4];
        static const int ones[4] = {1, 1, 1, 1};
        VEIL_TRY(attr_ints(g, n, "strides", 4, NULL, strides));
        VEIL_TRY(attr_ints(g, n, "dilations", 4, ones, dil));
        if (strides[0] != 1 || strides[3] != 1 || strides[1] < 1 || strides[2] < 1 || dil[0] != 1 ||
            dil[3] != 1 || dil[1] < 1 || dil[2] < 1)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "strides/dilations must be [1,h,w,1] >= 1");
        nn_conv_attrs *c = &n->a.conv;
        c->stride_h = strides[1];
        c->stride_w = strides[2];
        c->dilation_h = dil[1];
        c->dilation_w = dil[2];
        char pad[16];
        VEIL_TRY(attr_string(g, n, "padding", "", pad, sizeof(pad)));
        if (strcmp(pad, "EXPLICIT") == 0) {
            int e[8];
            VEIL_TRY(attr_ints(g, n, "explicit_paddings", 8, NULL, e));
            if (e[0] || e[1] || e[6] || e[7] || e[2] < 0 || e[3] < 0 || e[4] < 0 || e[5] < 0)
                return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "explicit padding only on H and W");
            c->pad_top = e[2];
            c->pad_bottom = e[3];
            c->pad_left = e[4];
            c->pad_right = e[5];
        } else {
            VEIL_TRY(lower_padding(g, n, &c->same));
        }
        c->filter = n->inputs[1];
        c->bias = -1;
        c->act = NN_ACT_NONE;
        keep_inputs(n, 1);
        break;
    }
    case NN_OP_PAD: {
        VEIL_TRY(need_inputs(g, n, 2, 3));
        VEIL_TRY(const_param(g, n, 1, NN_I32, 2, "paddings", &p));
        int rank = in_val(g, n, 0)->shape.rank;
        if (p->shape.dims[0] != rank || p->shape.dims[1] != 2)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "paddings must be [%d,2]", rank);
        const int32_t *pd = p->data;
        for (int i = 0; i < rank; i++) {
            if (pd[2 * i] < 0 || pd[2 * i + 1] < 0 || pd[2 * i] > 65536 || pd[2 * i + 1] > 65536)
                return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "padding must be in [0, 65536]");
            n->a.pad.before[i] = pd[2 * i];
            n->a.pad.after[i] = pd[2 * i + 1];
        }
        n->a.pad.value = 0.0f;
        if (n->n_inputs == 3) {
            VEIL_TRY(const_param(g, n, 2, NN_F32, 0, "constant_values", &p));
            n->a.pad.value = *(const float *)p->data;
        }
        keep_inputs(n, 1);
        break;
    }
    case NN_OP_TRANSPOSE: {
        VEIL_TRY(need_inputs(g, n, 2, 2));
        VEIL_TRY(const_param(g, n, 1, NN_I32, 1, "perm", &p));
        int rank = in_val(g, n, 0)->shape.rank;
        if (p->shape.dims[0] != rank)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "perm has %lld entries for rank %d",
                            (long long)p->shape.dims[0], rank);
        bool seen[VEIL_NN_MAX_RANK] = {false};
        const int32_t *perm = p->data;
        for (int i = 0; i < rank; i++) {
            if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
                return NODE_ERR(g, n, VEIL_EMALFORMED, "perm is not a permutation");
            seen[perm[i]] = true;
            n->a.transpose.perm[i] = perm[i];
        }
        keep_inputs(n, 1);
        break;
    }
    case NN_OP_MAXPOOL: {
        VEIL_TRY(need_inputs(g, n, 1, 1));
        VEIL_TRY(check_nhwc(g, n));
        int k[4], s[4];
        VEIL_TRY(attr_ints(g, n, "ksize", 4, NULL, k));
        VEIL_TRY(attr_ints(g, n, "strides", 4, NULL, s));
        if (k[0] != 1 || k[3] != 1 || s[0] != 1 || s[3] != 1 || k[1] < 1 || k[2] < 1 || s[1] < 1 ||
            s[2] < 1)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "ksize/strides must be [1,h,w,1] >= 1");
        n->a.pool.kh = k[1];
        n->a.pool.kw = k[2];
        n->a.pool.sh = s[1];
        n->a.pool.sw = s[2];
        VEIL_TRY(lower_padding(g, n, &n->a.pool.same));
        break;
    }
    case NN_OP_CONCAT: {
        VEIL_TRY(need_inputs(g, n, 2, 1024));
        VEIL_TRY(const_param(g, n, n->n_inputs - 1, NN_I32, 0, "axis", &p));
        int rank = in_val(g, n, 0)->shape.rank;
        int axis = *(const int32_t *)p->data;
        if (axis < 0)
            axis += rank;
        if (axis < 0 || axis >= rank)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "axis out of range");
        n->a.concat.axis = axis;
        keep_inputs(n, n->n_inputs - 1);
        break;
    }
    case NN_OP_RESIZE_BILINEAR: {
        VEIL_TRY(need_inputs(g, n, 2, 2));
        VEIL_TRY(const_param(g, n, 1, NN_I32, 1, "size", &p));
        if (p->shape.dims[0] != 2)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "size must have 2 entries");
        const int32_t *sz = p->data;
        if (sz[0] < 1 || sz[1] < 1 || sz[0] > 65536 || sz[1] > 65536)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "size out of range");
        n->a.resize.out_h = sz[0];
        n->a.resize.out_w = sz[1];
        VEIL_TRY(attr_bool(g, n, "align_corners", false, &n->a.resize.align_corners));
        VEIL_TRY(attr_bool(g, n, "half_pixel_centers", false, &n->a.resize.half_pixel_centers));
        if (n->a.resize.align_corners && n->a.resize.half_pixel_centers)
            return NODE_ERR(g, n, VEIL_EMALFORMED,
                            "align_corners and half_pixel_centers are exclusive");
        keep_inputs(n, 1);
        break;
    }
    case NN_OP_SPLIT: {
        VEIL_TRY(need_inputs(g, n, 3, 3));
        nn_value *ax;
        VEIL_TRY(const_param(g, n, 1, NN_I32, 1, "size_splits", &p));
        VEIL_TRY(const_param(g, n, 2, NN_I32, 0, "split_dim", &ax));
        if (p->shape.dims[0] != n->n_outputs)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "size_splits has %lld entries for %d outputs",
                            (long long)p->shape.dims[0], n->n_outputs);
        const veil_nn_shape *s = &in_val(g, n, 0)->shape;
        int axis = *(const int32_t *)ax->data;
        if (axis < 0)
            axis += s->rank;
        if (axis < 0 || axis >= s->rank)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "split_dim out of range");
        n->a.split.axis = axis;
        const int32_t *sizes = p->data;
        int64_t sum = 0;
        int unknown = -1;
        for (int i = 0; i < n->n_outputs; i++) {
            if (sizes[i] == -1 && unknown < 0) {
                unknown = i;
                continue;
            }
            if (sizes[i] < 0)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "invalid size_splits");
            n->a.split.sizes[i] = sizes[i];
            sum += sizes[i];
        }
        if (unknown >= 0)
            n->a.split.sizes[unknown] = s->dims[axis] - sum;
        if (sum > s->dims[axis] || (unknown < 0 && sum != s->dims[axis]))
            return NODE_ERR(g, n, VEIL_EMALFORMED, "size_splits do not add up to %lld",
                            (long long)s->dims[axis]);
        keep_inputs(n, 1);
        break;
    }
    case NN_OP_RESHAPE:
        VEIL_TRY(need_inputs(g, n, 2, 2));
        VEIL_TRY(const_param(g, n, 1, NN_I32, 1, "shape", &p));
        break; /* resolved in infer, kept as an input for the shape */
    case NN_OP_SPARSE_TO_DENSE:
        VEIL_TRY(need_inputs(g, n, 4, 4));
        VEIL_TRY(const_param(g, n, 1, NN_I32, 1, "output_shape", &p));
        VEIL_TRY(attr_bool(g, n, "validate_indices", true, &n->a.sparse.validate_indices));
        break;
    }
    n->lowered = true;
    return NULL;
}

/* ---- shape inference ---- */

static veil_error *set_out(nn_graph *g, nn_node *n, int k, nn_dtype dtype,
                           const veil_nn_shape *shape) {
    int64_t e = 1;
    for (int i = 0; i < shape->rank; i++) {
        if (shape->dims[i] < 0)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "negative dimension");
        e *= shape->dims[i];
        if (e > VEIL_NN_MAX_ELEMENTS)
            return NODE_ERR(g, n, VEIL_ELIMIT, "output larger than %lld elements",
                            (long long)VEIL_NN_MAX_ELEMENTS);
    }
    nn_value *v = out_val(g, n, k);
    v->dtype = dtype;
    v->shape = *shape;
    return NULL;
}

static veil_error *need_f32(const nn_graph *g, const nn_node *n, const nn_value *v) {
    if (v->dtype != NN_F32)
        return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "only float32 input is supported");
    return NULL;
}

static veil_error *need_rank(const nn_graph *g, const nn_node *n, const nn_value *v, int rank) {
    char buf[96];
    if (v->shape.rank != rank)
        return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "input shape %s must have rank %d",
                        nn_shape_str(&v->shape, buf, sizeof(buf)), rank);
    return NULL;
}

/* TF "SAME" / "VALID" output size and leading padding. */
static veil_error *window(const nn_graph *g, const nn_node *n, int64_t in, int k, int stride,
                          int dilation, bool same, int *pad_before, int *pad_after, int64_t *out) {
    int64_t eff = (int64_t)(k - 1) * dilation + 1;
    if (same) {
        *out = (in + stride - 1) / stride;
        int64_t total = (*out - 1) * stride + eff - in;
        if (total < 0)
            total = 0;
        *pad_before = (int)(total / 2);
        *pad_after = (int)(total - total / 2);
    } else {
        int64_t padded = in + *pad_before + *pad_after;
        if (padded < eff)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "window %lld larger than input %lld",
                            (long long)eff, (long long)padded);
        *out = (padded - eff) / stride + 1;
    }
    return NULL;
}

veil_error *nn_node_infer(nn_graph *g, nn_node *n) {
    veil_nn_shape s;
    char b1[96], b2[96];
    switch (n->op) {
    case NN_OP_CONST:
    case NN_OP_INPUT:
        return NULL;
    case NN_OP_IDENTITY: {
        nn_value *x = in_val(g, n, 0);
        return set_out(g, n, 0, x->dtype, &x->shape);
    }
    case NN_OP_RELU:
    case NN_OP_SIGMOID:
    case NN_OP_LEAKY_RELU: {
        nn_value *x = in_val(g, n, 0);
        VEIL_TRY(need_f32(g, n, x));
        return set_out(g, n, 0, NN_F32, &x->shape);
    }
    case NN_OP_ADD: {
        nn_value *a = in_val(g, n, 0), *b = in_val(g, n, 1);
        if (a->dtype != b->dtype)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "inputs have different dtypes");
        s.rank = a->shape.rank > b->shape.rank ? a->shape.rank : b->shape.rank;
        for (int i = 0; i < s.rank; i++) {
            int ia = i - (s.rank - a->shape.rank), ib = i - (s.rank - b->shape.rank);
            int64_t da = ia >= 0 ? a->shape.dims[ia] : 1, db = ib >= 0 ? b->shape.dims[ib] : 1;
            if (da != db && da != 1 && db != 1)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "shapes %s and %s do not broadcast",
                                nn_shape_str(&a->shape, b1, sizeof(b1)),
                                nn_shape_str(&b->shape, b2, sizeof(b2)));
            s.dims[i] = da == 1 ? db : da;
        }
        return set_out(g, n, 0, a->dtype, &s);
    }
    case NN_OP_CONV2D: {
        nn_value *x = in_val(g, n, 0);
        const nn_value *f = &g->values[n->a.conv.filter];
        VEIL_TRY(need_f32(g, n, x));
        VEIL_TRY(need_rank(g, n, x, 4));
        nn_conv_attrs *c = &n->a.conv;
        if (x->shape.dims[3] != f->shape.dims[2])
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED,
                            "input %s has %lld channels, filter %s expects %lld (grouped and "
                            "depthwise convolutions are not supported)",
                            nn_shape_str(&x->shape, b1, sizeof(b1)), (long long)x->shape.dims[3],
                            nn_shape_str(&f->shape, b2, sizeof(b2)), (long long)f->shape.dims[2]);
        if (f->shape.dims[0] > 64 || f->shape.dims[1] > 64 || f->shape.dims[3] < 1)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "filter %s is not supported",
                            nn_shape_str(&f->shape, b2, sizeof(b2)));
        s.rank = 4;
        s.dims[0] = x->shape.dims[0];
        s.dims[3] = f->shape.dims[3];
        if (s.dims[0] != 1)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "batch %lld (only 1 is supported)",
                            (long long)s.dims[0]);
        VEIL_TRY(window(g, n, x->shape.dims[1], (int)f->shape.dims[0], c->stride_h, c->dilation_h,
                        c->same, &c->pad_top, &c->pad_bottom, &s.dims[1]));
        VEIL_TRY(window(g, n, x->shape.dims[2], (int)f->shape.dims[1], c->stride_w, c->dilation_w,
                        c->same, &c->pad_left, &c->pad_right, &s.dims[2]));
        c->same = false; /* resolved into explicit pads */
        if (c->bias >= 0) {
            const nn_value *bias = &g->values[c->bias];
            if (bias->shape.rank != 1 || bias->shape.dims[0] != s.dims[3])
                return NODE_ERR(g, n, VEIL_EINTERNAL, "fused bias has the wrong shape");
        }
        return set_out(g, n, 0, NN_F32, &s);
    }
    case NN_OP_PAD: {
        nn_value *x = in_val(g, n, 0);
        VEIL_TRY(need_f32(g, n, x));
        s = x->shape;
        for (int i = 0; i < s.rank; i++)
            s.dims[i] += n->a.pad.before[i] + n->a.pad.after[i];
        return set_out(g, n, 0, NN_F32, &s);
    }
    case NN_OP_TRANSPOSE: {
        nn_value *x = in_val(g, n, 0);
        s.rank = x->shape.rank;
        for (int i = 0; i < s.rank; i++)
            s.dims[i] = x->shape.dims[n->a.transpose.perm[i]];
        return set_out(g, n, 0, x->dtype, &s);
    }
    case NN_OP_MAXPOOL: {
        nn_value *x = in_val(g, n, 0);
        VEIL_TRY(need_f32(g, n, x));
        VEIL_TRY(need_rank(g, n, x, 4));
        s = x->shape;
        if (s.dims[0] != 1)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "batch must be 1");
        VEIL_TRY(window(g, n, x->shape.dims[1], n->a.pool.kh, n->a.pool.sh, 1, n->a.pool.same,
                        &n->a.pool.pad_top, &n->a.pool.pad_bottom, &s.dims[1]));
        VEIL_TRY(window(g, n, x->shape.dims[2], n->a.pool.kw, n->a.pool.sw, 1, n->a.pool.same,
                        &n->a.pool.pad_left, &n->a.pool.pad_right, &s.dims[2]));
        n->a.pool.same = false;
        return set_out(g, n, 0, NN_F32, &s);
    }
    case NN_OP_CONCAT: {
        nn_value *x = in_val(g, n, 0);
        s = x->shape;
        int axis = n->a.concat.axis;
        for (int k = 1; k < n->n_inputs; k++) {
            nn_value *y = in_val(g, n, k);
            if (y->dtype != x->dtype || y->shape.rank != s.rank)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "inputs differ in dtype or rank");
            for (int i = 0; i < s.rank; i++)
                if (i != axis && y->shape.dims[i] != s.dims[i])
                    return NODE_ERR(g, n, VEIL_EMALFORMED, "inputs %s and %s do not concatenate",
                                    nn_shape_str(&x->shape, b1, sizeof(b1)),
                                    nn_shape_str(&y->shape, b2, sizeof(b2)));
            s.dims[axis] += y->shape.dims[axis];
        }
        return set_out(g, n, 0, x->dtype, &s);
    }
    case NN_OP_RESIZE_BILINEAR: {
        nn_value *x = in_val(g, n, 0);
        VEIL_TRY(need_f32(g, n, x));
        VEIL_TRY(need_rank(g, n, x, 4));
        s = x->shape;
        s.dims[1] = n->a.resize.out_h;
        s.dims[2] = n->a.resize.out_w;
        return set_out(g, n, 0, NN_F32, &s);
    }
    case NN_OP_SPLIT: {
        nn_value *x = in_val(g, n, 0);
        for (int k = 0; k < n->n_outputs; k++) {
            s = x->shape;
            s.dims[n->a.split.axis] = n->a.split.sizes[k];
            VEIL_TRY(set_out(g, n, k, x->dtype, &s));
        }
        return NULL;
    }
    case NN_OP_RESHAPE: {
        nn_value *x = in_val(g, n, 0), *shape = in_val(g, n, 1);
        const int32_t *d = shape->data;
        if (shape->shape.dims[0] > VEIL_NN_MAX_RANK)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "target rank above %d", VEIL_NN_MAX_RANK);
        s.rank = (int)shape->shape.dims[0];
        int unknown = -1;
        int64_t known = 1;
        for (int i = 0; i < s.rank; i++) {
            if (d[i] == -1 && unknown < 0) {
                unknown = i;
                continue;
            }
            if (d[i] < 0)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "invalid target shape");
            s.dims[i] = d[i];
            known *= d[i];
        }
        int64_t total = nn_shape_elements(&x->shape);
        if (unknown >= 0) {
            if (known == 0 || total % known != 0)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "cannot infer -1 in the target shape");
            s.dims[unknown] = total / known;
            known = total;
        }
        if (known != total)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "cannot reshape %s (%lld elements)",
                            nn_shape_str(&x->shape, b1, sizeof(b1)), (long long)total);
        return set_out(g, n, 0, x->dtype, &s);
    }
    case NN_OP_SPARSE_TO_DENSE: {
        nn_value *shape = in_val(g, n, 1), *values = in_val(g, n, 2), *def = in_val(g, n, 3);
        if (values->dtype != def->dtype || def->shape.rank != 0 || in_val(g, n, 0)->dtype != NN_I32)
            return NODE_ERR(g, n, VEIL_EMALFORMED, "invalid input dtypes or shapes");
        if (shape->shape.dims[0] > VEIL_NN_MAX_RANK)
            return NODE_ERR(g, n, VEIL_EUNSUPPORTED, "output rank above %d", VEIL_NN_MAX_RANK);
        s.rank = (int)shape->shape.dims[0];
        const int32_t *d = shape->data;
        for (int i = 0; i < s.rank; i++)
            s.dims[i] = d[i];
        return set_out(g, n, 0, values->dtype, &s);
    }
    }
    return NODE_ERR(g, n, VEIL_EINTERNAL, "no shape rule");
}

/* ---- execution ---- */

size_t nn_node_scratch(const nn_graph *g, const nn_node *n) {
    if (n->op != NN_OP_CONV2D)
        return 0;
    const nn_value *f = &g->values[n->a.conv.filter];
    nn_conv_params p = {
        .kh = (int)f->shape.dims[0], .kw = (int)f->shape.dims[1], .cin = (int)f->shape.dims[2]};
    return nn_conv_scratch_floats(&p);
}

uint64_t nn_conv_macs(const nn_graph *g, const nn_node *n) {
    const nn_value *f = &g->values[n->a.conv.filter];
    const nn_value *y = &g->values[n->outputs[0]];
    return (uint64_t)nn_shape_elements(&f->shape) * (uint64_t)(y->shape.dims[1] * y->shape.dims[2]);
}

veil_error *nn_conv_pack(nn_graph *g, nn_node *n) {
    const nn_value *f = &g->values[n->a.conv.filter];
    int k = (int)(f->shape.dims[0] * f->shape.dims[1] * f->shape.dims[2]);
    int cout = (int)f->shape.dims[3];
    free(n->a.conv.packed);
    n->a.conv.packed = malloc(nn_conv_packed_floats(k, cout) * sizeof(float));
    if (n->a.conv.packed == NULL)
        return NODE_ERR(g, n, VEIL_ENOMEM, "out of memory packing weights");
    nn_conv_pack_weights(f->data, k, cout, n->a.conv.packed);
    return NULL;
}

static void right_align(const veil_nn_shape *s, int rank, int64_t *dims) {
    for (int i = 0; i < rank; i++) {
        int j = i - (rank - s->rank);
        dims[i] = j >= 0 ? s->dims[j] : 1;
    }
}

/* Concatenation and split as copies of contiguous blocks: outer = product
 * of dims before the axis, each input contributes dims[axis] * inner. */
static void concat_exec(nn_graph *g, nn_node *n) {
    nn_value *y = out_val(g, n, 0);
    int axis = n->a.concat.axis;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= y->shape.dims[i];
    for (int i = axis + 1; i < y->shape.rank; i++)
        inner *= y->shape.dims[i];
    uint32_t *dst = y->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int k = 0; k < n->n_inputs; k++) {
            nn_value *x = in_val(g, n, k);
            int64_t block = x->shape.dims[axis] * inner;
            memcpy(dst, (const uint32_t *)x->data + o * block, (size_t)block * 4);
            dst += block;
        }
    }
}

static void split_exec(nn_graph *g, nn_node *n) {
    nn_value *x = in_val(g, n, 0);
    int axis = n->a.split.axis;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= x->shape.dims[i];
    for (int i = axis + 1; i < x->shape.rank; i++)
        inner *= x->shape.dims[i];
    const uint32_t *src = x->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int k = 0; k < n->n_outputs; k++) {
            int64_t block = n->a.split.sizes[k] * inner;
            memcpy((uint32_t *)out_val(g, n, k)->data + o * block, src, (size_t)block * 4);
            src += block;
        }
    }
}

static veil_error *sparse_to_dense_exec(nn_graph *g, nn_node *n) {
    nn_value *idx = in_val(g, n, 0), *values = in_val(g, n, 2), *def = in_val(g, n, 3);
    nn_value *y = out_val(g, n, 0);
    int64_t total = nn_shape_elements(&y->shape);
    uint32_t *dst = y->data;
    uint32_t fill_value = *(const uint32_t *)def->data;
    for (int64_t i = 0; i < total; i++)
        dst[i] = fill_value;
    int rank = y->shape.rank;
    int64_t count, per;
    if (idx->shape.rank == 0) {
        count = 1;
        per = 1;
    } else if (idx->shape.rank == 1) {
        count = idx->shape.dims[0];
        per = 1;
    } else if (idx->shape.rank == 2) {
        count = idx->shape.dims[0];
        per = idx->shape.dims[1];
    } else {
        return NODE_ERR(g, n, VEIL_EMALFORMED, "sparse_indices must have rank 0..2");
    }
    if (per != rank)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "sparse_indices do not match the output rank");
    int64_t n_values = nn_shape_elements(&values->shape);
    if (values->shape.rank != 0 && n_values != count)
        return NODE_ERR(g, n, VEIL_EMALFORMED, "%lld values for %lld indices", (long long)n_values,
                        (long long)count);
    const int32_t *ix = idx->data;
    const uint32_t *vals = values->data;
    for (int64_t i = 0; i < count; i++) {
        int64_t offset = 0;
        for (int64_t d = 0; d < per; d++) {
            int64_t dim = y->shape.dims[d];
            int32_t v = ix[i * per + d];
            if (v < 0 || v >= dim)
                return NODE_ERR(g, n, VEIL_EMALFORMED, "index %d out of bounds", v);
            offset = offset * dim + v;
        }
        dst[offset] = values->shape.rank == 0 ? vals[0] : vals[i];
    }
    return NULL;
}

veil_error *nn_node_exec(nn_graph *g, nn_node *n, float *scratch, size_t scratch_floats) {
    nn_value *y = n->n_outputs > 0 ? out_val(g, n, 0) : NULL;
    switch (n->op) {
    case NN_OP_CONST:
    case NN_OP_INPUT:
        return NULL;
    case NN_OP_IDENTITY:
    case NN_OP_RESHAPE: {
        nn_value *x = in_val(g, n, 0);
        if (x->data != y->data)
            memcpy(y->data, x->data, (size_t)nn_shape_elements(&x->shape) * 4);
        return NULL;
    }
    case NN_OP_RELU: {
        nn_value *x = in_val(g, n, 0);
        nn_relu(x->data, y->data, (size_t)nn_shape_elements(&x->shape));
        return NULL;
    }
    case NN_OP_SIGMOID: {
        nn_value *x = in_val(g, n, 0);
        nn_sigmoid(x->data, y->data, (size_t)nn_shape_elements(&x->shape));
        return NULL;
    }
    case NN_OP_LEAKY_RELU: {
        nn_value *x = in_val(g, n, 0);
        nn_leaky_relu(x->data, y->data, (size_t)nn_shape_elements(&x->shape), n->a.leaky.alpha);
        return NULL;
    }
    case NN_OP_ADD: {
        nn_value *a = in_val(g, n, 0), *b = in_val(g, n, 1);
        int64_t ad[VEIL_NN_MAX_RANK], bd[VEIL_NN_MAX_RANK];
        right_align(&a->shape, y->shape.rank, ad);
        right_align(&b->shape, y->shape.rank, bd);
        if (y->dtype == NN_F32)
            nn_add_f32(a->data, ad, b->data, bd, y->data, y->shape.dims, y->shape.rank);
        else
            nn_add_i32(a->data, ad, b->data, bd, y->data, y->shape.dims, y->shape.rank);
        return NULL;
    }
    case NN_OP_CONV2D: {
        nn_value *x = in_val(g, n, 0);
        const nn_value *f = &g->values[n->a.conv.filter];
        const nn_conv_attrs *c = &n->a.conv;
        nn_kernel_act act = c->act == NN_ACT_RELU    ? NN_KACT_RELU
                            : c->act == NN_ACT_LEAKY ? NN_KACT_LEAKY
                                                     : NN_KACT_NONE;
        nn_conv_params p = {
            .in_h = (int)x->shape.dims[1],
            .in_w = (int)x->shape.dims[2],
            .cin = (int)x->shape.dims[3],
            .out_h = (int)y->shape.dims[1],
            .out_w = (int)y->shape.dims[2],
            .cout = (int)y->shape.dims[3],
            .kh = (int)f->shape.dims[0],
            .kw = (int)f->shape.dims[1],
            .stride_h = c->stride_h,
            .stride_w = c->stride_w,
            .dilation_h = c->dilation_h,
            .dilation_w = c->dilation_w,
            .pad_top = c->pad_top,
            .pad_left = c->pad_left,
            .bias = c->bias >= 0 ? g->values[c->bias].data : NULL,
            .act = act,
            .alpha = c->alpha,
            .packed = c->packed,
        };
        if (c->packed == NULL || scratch_floats < nn_conv_scratch_floats(&p))
            return NODE_ERR(g, n, VEIL_EINTERNAL, "convolution not prepared");
        nn_conv2d(&p, x->data, y->data, scratch);
        return NULL;
    }
    case NN_OP_PAD: {
        nn_value *x = in_val(g, n, 0);
        nn_pad(x->data, x->shape.dims, x->shape.rank, n->a.pad.before, n->a.pad.after,
               n->a.pad.value, y->data);
        return NULL;
    }
    case NN_OP_TRANSPOSE: {
        nn_value *x = in_val(g, n, 0);
        nn_transpose(x->data, x->shape.dims, x->shape.rank, n->a.transpose.perm, y->data);
        return NULL;
    }
    case NN_OP_MAXPOOL: {
        nn_value *x = in_val(g, n, 0);
        nn_maxpool(x->data, (int)x->shape.dims[1], (int)x->shape.dims[2], (int)x->shape.dims[3],
                   y->data, (int)y->shape.dims[1], (int)y->shape.dims[2], n->a.pool.kh,
                   n->a.pool.kw, n->a.pool.sh, n->a.pool.sw, n->a.pool.pad_top, n->a.pool.pad_left);
        return NULL;
    }
    case NN_OP_CONCAT:
        concat_exec(g, n);
        return NULL;
    case NN_OP_RESIZE_BILINEAR: {
        nn_value *x = in_val(g, n, 0);
        nn_resize_bilinear(x->data, (int)x->shape.dims[0], (int)x->shape.dims[1],
                           (int)x->shape.dims[2], (int)x->shape.dims[3], y->data,
                           (int)y->shape.dims[1], (int)y->shape.dims[2], n->a.resize.align_corners,
                           n->a.resize.half_pixel_centers);
        return NULL;
    }
    case NN_OP_SPLIT:
        split_exec(g, n);
        return NULL;
    case NN_OP_SPARSE_TO_DENSE:
        return sparse_to_dense_exec(g, n);
    }
    return NODE_ERR(g, n, VEIL_EINTERNAL, "no executor");
}

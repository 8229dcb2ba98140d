/*
 * Loader for TF.js graph models (model.json + weight shards).
 *
 * model.json has a GraphDef-like topology ("modelTopology.node": name, op,
 * input, attr) and a weights manifest: groups of shard files whose
 * concatenation holds the listed weights back to back.  Every Const node
 * takes its data from the weight of the same name.  Weights are float32 or
 * int32, optionally quantised: float16 (IEEE half) or affine uint8/uint16
 * (value = q * scale + min); everything is converted to float32/int32 at
 * load time.  Anything else (string/bool/complex weights, initializer
 * graphs, function libraries, unknown ops) is rejected with an error naming
 * the node or weight.  Ops are only recognised here; their attributes are
 * checked when a plan lowers them (nn_ops.c).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_graph.h"
#include "veil/reader.h"
#include "veil/str.h"

#define MAX_NODES 100000
#define MAX_JSON_BYTES ((size_t)64 << 20)
#define MAX_SHARD_BYTES ((size_t)1 << 30)

/* ---- graph building ---- */

const char *nn_op_name(nn_op op) {
    static const char *const names[] = {
        [NN_OP_CONST] = "Const",
        [NN_OP_INPUT] = "Placeholder",
        [NN_OP_IDENTITY] = "Identity",
        [NN_OP_CONV2D] = "Conv2D",
        [NN_OP_ADD] = "Add",
        [NN_OP_PAD] = "Pad",
        [NN_OP_TRANSPOSE] = "Transpose",
        [NN_OP_LEAKY_RELU] = "LeakyRelu",
        [NN_OP_RELU] = "Relu",
        [NN_OP_SIGMOID] = "Sigmoid",
        [NN_OP_MAXPOOL] = "MaxPool",
        [NN_OP_CONCAT] = "ConcatV2",
        [NN_OP_RESIZE_BILINEAR] = "ResizeBilinear",
        [NN_OP_SPLIT] = "SplitV",
        [NN_OP_RESHAPE] = "Reshape",
        [NN_OP_SPARSE_TO_DENSE] = "SparseToDense",
    };
    return (size_t)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

size_t nn_dtype_size(nn_dtype dtype) {
    (void)dtype;
    return 4;
}

int64_t nn_shape_elements(const veil_nn_shape *s) {
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= s->dims[i];
    return n;
}

int64_t veil_nn_shape_elements(const veil_nn_shape *shape) {
    return nn_shape_elements(shape);
}

bool nn_shape_equal(const veil_nn_shape *a, const veil_nn_shape *b) {
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

const char *nn_shape_str(const veil_nn_shape *s, char *buf, size_t size) {
    size_t n = 0;
    n += (size_t)snprintf(buf + n, size - n, "[");
    for (int i = 0; i < s->rank && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "," : "", (long long)s->dims[i]);
    if (n < size)
        snprintf(buf + n, size - n, "]");
    return buf;
}

veil_error *nn_graph_add_value(nn_graph *g, nn_dtype dtype, int *out) {
    if (g->n_values == g->cap_values) {
        size_t cap = g->cap_values ? g->cap_values * 2 : 256;
        nn_value *v = realloc(g->values, cap * sizeof(*v));
        if (v == NULL)
            return veil_error_new(VEIL_ENOMEM, "%s: out of memory", g->source);
        g->values = v;
        g->cap_values = cap;
    }
    nn_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof(*v));
    v->dtype = dtype;
    v->producer = -1;
    *out = (int)g->n_values++;
    return NULL;
}

veil_error *nn_graph_add_node(nn_graph *g, nn_op op, const char *name, const int *inputs,
                              int n_inputs, int n_outputs, int *out) {
    if (g->n_nodes == g->cap_nodes) {
        size_t cap = g->cap_nodes ? g->cap_nodes * 2 : 256;
        nn_node *n = realloc(g->nodes, cap * sizeof(*n));
        if (n == NULL)
            return veil_error_new(VEIL_ENOMEM, "%s: out of memory", g->source);
        g->nodes = n;
        g->cap_nodes = cap;
    }
    nn_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof(*n));
    n->op = op;
    n->name = strdup(name);
    n->inputs = calloc((size_t)n_inputs + 1, sizeof(int));
    n->outputs = calloc((size_t)n_outputs + 1, sizeof(int));
    if (n->name == NULL || n->inputs == NULL || n->outputs == NULL) {
        free(n->name);
        free(n->inputs);
        free(n->outputs);
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory", g->source);
    }
    if (n_inputs > 0)
        memcpy(n->inputs, inputs, (size_t)n_inputs * sizeof(int));
    n->n_inputs = n_inputs;
    int index = (int)g->n_nodes++;
    for (int i = 0; i < n_outputs; i++) {
        int v;
        VEIL_TRY(nn_graph_add_value(g, NN_F32, &v));
        g->values[v].producer = index;
        g->values[v].output_index = i;
        g->nodes[index].outputs[i] = v;
        g->nodes[index].n_outputs = i + 1;
    }
    *out = index;
    return NULL;
}

void nn_graph_free(nn_graph *g) {
    for (size_t i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].inputs);
        free(g->nodes[i].outputs);
        if (g->nodes[i].op == NN_OP_CONV2D)
            free(g->nodes[i].a.conv.packed);
    }
    for (size_t i = 0; i < g->n_values; i++)
        if (g->values[i].owns_data)
            free(g->values[i].data);
    for (size_t i = 0; i < g->n_outputs; i++)
        free(g->output_names[i]);
    free(g->nodes);
    free(g->values);
    free(g->outputs);
    free(g->output_names);
    memset(g, 0, sizeof(*g));
}

/* Deep copy of nodes and values; constant data is shared (not owned) by
 * the copy, since a model outlives its plans. */
veil_error *nn_graph_copy(const nn_graph *src, nn_graph *dst) {
    memset(dst, 0, sizeof(*dst));
    dst->source = src->source;
    dst->input = src->input;
    veil_error *err = NULL;
    dst->values = malloc((src->n_values + 1) * sizeof(nn_value));
    dst->nodes = calloc(src->n_nodes + 1, sizeof(nn_node));
    dst->outputs = calloc(src->n_outputs + 1, sizeof(int));
    dst->output_names = calloc(src->n_outputs + 1, sizeof(char *));
    if (dst->values == NULL || dst->nodes == NULL || dst->outputs == NULL ||
        dst->output_names == NULL)
        goto oom;
    memcpy(dst->values, src->values, src->n_values * sizeof(nn_value));
    dst->n_values = dst->cap_values = src->n_values;
    for (size_t i = 0; i < src->n_values; i++)
        dst->values[i].owns_data = false;
    dst->cap_nodes = src->n_nodes;
    for (size_t i = 0; i < src->n_nodes; i++) {
        const nn_node *s = &src->nodes[i];
        nn_node *d = &dst->nodes[i];
        *d = *s;
        d->name = strdup(s->name);
        d->inputs = malloc(((size_t)s->n_inputs + 1) * sizeof(int));
        d->outputs = malloc(((size_t)s->n_outputs + 1) * sizeof(int));
        dst->n_nodes = i + 1;
        if (d->name == NULL || d->inputs == NULL || d->outputs == NULL)
            goto oom;
        memcpy(d->inputs, s->inputs, (size_t)s->n_inputs * sizeof(int));
        memcpy(d->outputs, s->outputs, (size_t)s->n_outputs * sizeof(int));
        if (d->op == NN_OP_CONV2D)
            d->a.conv.packed = NULL;
    }
    dst->n_outputs = src->n_outputs;
    for (size_t i = 0; i < src->n_outputs; i++) {
        dst->outputs[i] = src->outputs[i];
        if ((dst->output_names[i] = strdup(src->output_names[i])) == NULL)
            goto oom;
    }
    return NULL;
oom:
    err = veil_error_new(VEIL_ENOMEM, "%s: out of memory copying the graph", src->source);
    nn_graph_free(dst);
    return err;
}

/* ---- name map (open addressing) ---- */

typedef struct name_map {
    const char **keys;
    int *vals;
    size_t cap;
} name_map;

static uint32_t hash_name(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static bool map_init(name_map *m, size_t n) {
    m->cap = 16;
    while (m->cap < n * 2)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof(*m->keys));
    m->vals = calloc(m->cap, sizeof(*m->vals));
    return m->keys != NULL && m->vals != NULL;
}

static void map_free(name_map *m) {
    free(m->keys);
    free(m->vals);
}

/* Returns false when the key is present already. */
static bool map_put(name_map *m, const char *key, int val) {
    size_t i = hash_name(key) & (m->cap - 1);
    while (m->keys[i] != NULL) {
        if (strcmp(m->keys[i], key) == 0)
            return false;
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    return true;
}

static int map_get(const name_map *m, const char *key) {
    size_t i = hash_name(key) & (m->cap - 1);
    while (m->keys[i] != NULL) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* ---- weights ---- */

typedef struct weight {
    const char *name;
    nn_dtype dtype;
    veil_nn_shape shape;
    void *data; /* converted; ownership moves to the Const value */
} weight;

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    int exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            exp = 1;
            while ((mant & 0x400) == 0) {
                mant <<= 1;
                exp--;
            }
            mant &= 0x3FF;
            bits = sign | (uint32_t)(exp + 127 - 15) << 23 | mant << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | mant << 13;
    } else {
        bits = sign | (uint32_t)(exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

/* Exposed for the unit test of the conversion. */
float veil_nn_half_to_float(uint16_t h);
float veil_nn_half_to_float(uint16_t h) {
    return half_to_float(h);
}

static veil_error *parse_shape_list(const veil_nnj_value *arr, const char *path,
                                    veil_nn_shape *shape) {
    VEIL_TRY(veil_nnj_expect(arr, VEIL_NNJ_ARRAY, path));
    if (arr->u.array.count > VEIL_NN_MAX_RANK)
        return veil_error_new(VEIL_EUNSUPPORTED, "%s: rank %zu is above the supported %d", path,
                              arr->u.array.count, VEIL_NN_MAX_RANK);
    shape->rank = (int)arr->u.array.count;
    int64_t total = 1;
    for (size_t i = 0; i < arr->u.array.count; i++) {
        char p[256];
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        VEIL_TRY(veil_nnj_int(arr->u.array.items[i], p, 0, VEIL_NN_MAX_ELEMENTS, &shape->dims[i]));
        total *= shape->dims[i];
        if (total > VEIL_NN_MAX_ELEMENTS)
            return veil_error_new(VEIL_ELIMIT, "%s: more than %lld elements", path,
                                  (long long)VEIL_NN_MAX_ELEMENTS);
    }
    return NULL;
}

typedef struct quant {
    enum { Q_NONE, Q_F16, Q_U8, Q_U16 } kind;
    double scale, min;
} quant;

static veil_error *parse_quant(const veil_nnj_value *q, const char *path, quant *out) {
    static const char *const keys[] = {"dtype", "scale", "min", "original_dtype", NULL};
    VEIL_TRY(veil_nnj_only_keys(q, path, keys));
    const veil_nnj_value *dt = veil_nnj_get(q, "dtype");
    char p[300];
    snprintf(p, sizeof(p), "%s.dtype", path);
    VEIL_TRY(veil_nnj_expect(dt, VEIL_NNJ_STRING, p));
    const char *name = dt->u.string.data;
    if (strcmp(name, "float16") == 0) {
        out->kind = Q_F16;
        return NULL;
    }
    if (strcmp(name, "uint8") == 0)
        out->kind = Q_U8;
    else if (strcmp(name, "uint16") == 0)
        out->kind = Q_U16;
    else
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "%s: quantisation dtype \"%s\" is not supported (float16, uint8, "
                              "uint16 are)",
                              p, name);
    const veil_nnj_value *scale = veil_nnj_get(q, "scale"), *min = veil_nnj_get(q, "min");
    snprintf(p, sizeof(p), "%s.scale", path);
    VEIL_TRY(veil_nnj_expect(scale, VEIL_NNJ_NUMBER, p));
    snprintf(p, sizeof(p), "%s.min", path);
    VEIL_TRY(veil_nnj_expect(min, VEIL_NNJ_NUMBER, p));
    out->scale = scale->u.number.value;
    out->min = min->u.number.value;
    return NULL;
}

/* Converts one weight's bytes into float32/int32 data. */
static veil_error *decode_weight(weight *w, const quant *q, const uint8_t *bytes, size_t count,
                                 const char *path) {
    w->data = malloc(count * 4 + 4);
    if (w->data == NULL)
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory", path);
    float *f = w->data;
    int32_t *i32 = w->data;
    for (size_t i = 0; i < count; i++) {
        double v;
        switch (q->kind) {
        case Q_NONE:
            memcpy((uint8_t *)w->data + i * 4, bytes + i * 4, 4); /* little-endian host */
            continue;
        case Q_F16:
            v = half_to_float((uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8));
            break;
        case Q_U8:
            v = bytes[i] * q->scale + q->min;
            break;
        case Q_U16:
            v = (bytes[2 * i] | bytes[2 * i + 1] << 8) * q->scale + q->min;
            break;
        }
        if (w->dtype == NN_F32) {
            f[i] = (float)v;
        } else {
            double r = round(v);
            if (!(r >= INT32_MIN && r <= INT32_MAX))
                return veil_error_new(VEIL_EMALFORMED, "%s: dequantised int32 out of range", path);
            i32[i] = (int32_t)r;
        }
    }
    return NULL;
}

static veil_error *parse_weights(const veil_nnj_value *manifest, const char *source,
                                 veil_nn_read_fn read_fn, void *read_ctx, weight **out,
                                 size_t *n_out) {
    VEIL_TRY(veil_nnj_expect(manifest, VEIL_NNJ_ARRAY, "$.weightsManifest"));
    size_t total = 0;
    for (size_t gi = 0; gi < manifest->u.array.count; gi++) {
        const veil_nnj_value *w = veil_nnj_get(manifest->u.array.items[gi], "weights");
        if (w != NULL && w->kind == VEIL_NNJ_ARRAY)
            total += w->u.array.count;
    }
    weight *ws = calloc(total + 1, sizeof(*ws));
    if (ws == NULL)
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory", source);
    size_t n = 0;
    veil_error *err = NULL;
    veil_buf group;
    veil_buf_init(&group, MAX_SHARD_BYTES);
    for (size_t gi = 0; gi < manifest->u.array.count && err == NULL; gi++) {
        const veil_nnj_value *grp = manifest->u.array.items[gi];
        char path[256];
        static const char *const gkeys[] = {"paths", "weights", NULL};
        snprintf(path, sizeof(path), "$.weightsManifest[%zu]", gi);
        if ((err = veil_nnj_only_keys(grp, path, gkeys)) != NULL)
            break;
        const veil_nnj_value *paths = veil_nnj_get(grp, "paths");
        const veil_nnj_value *weights = veil_nnj_get(grp, "weights");
        snprintf(path, sizeof(path), "$.weightsManifest[%zu].paths", gi);
        if ((err = veil_nnj_expect(paths, VEIL_NNJ_ARRAY, path)) != NULL)
            break;
        snprintf(path, sizeof(path), "$.weightsManifest[%zu].weights", gi);
        if ((err = veil_nnj_expect(weights, VEIL_NNJ_ARRAY, path)) != NULL)
            break;
        veil_buf_clear(&group);
        for (size_t pi = 0; pi < paths->u.array.count && err == NULL; pi++) {
            const veil_nnj_value *p = paths->u.array.items[pi];
            snprintf(path, sizeof(path), "$.weightsManifest[%zu].paths[%zu]", gi, pi);
            if ((err = veil_nnj_expect(p, VEIL_NNJ_STRING, path)) != NULL)
                break;
            const char *name = p->u.string.data;
            if (p->u.string.len == 0 || strlen(name) != p->u.string.len || strchr(name, '/') ||
                strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                err = veil_error_new(VEIL_EMALFORMED,
                                     "%s: shard name \"%s\" is not a plain file name", path, name);
                break;
            }
            uint8_t *data = NULL;
            size_t len = 0;
            if ((err = read_fn(read_ctx, name, &data, &len)) != NULL) {
                err = veil_error_wrap(err, "%s: weight shard", source);
                break;
            }
            err = veil_buf_append(&group, data, len);
            free(data);
        }
        if (err != NULL)
            break;
        veil_reader r;
        veil_reader_init(&r, group.data, group.len, "weight data");
        for (size_t wi = 0; wi < weights->u.array.count; wi++) {
            const veil_nnj_value *e = weights->u.array.items[wi];
            static const char *const wkeys[] = {"name", "shape", "dtype", "quantization", NULL};
            char p[300];
            snprintf(path, sizeof(path), "$.weightsManifest[%zu].weights[%zu]", gi, wi);
            if ((err = veil_nnj_only_keys(e, path, wkeys)) != NULL)
                break;
            const veil_nnj_value *name = veil_nnj_get(e, "name");
            const veil_nnj_value *dtype = veil_nnj_get(e, "dtype");
            snprintf(p, sizeof(p), "%s.name", path);
            if ((err = veil_nnj_expect(name, VEIL_NNJ_STRING, p)) != NULL)
                break;
            snprintf(p, sizeof(p), "%s.dtype", path);
            if ((err = veil_nnj_expect(dtype, VEIL_NNJ_STRING, p)) != NULL)
                break;
            weight *w = &ws[n];
            w->name = name->u.string.data;
            snprintf(p, sizeof(p), "%s(%s).shape", path, w->name);
            if ((err = parse_shape_list(veil_nnj_get(e, "shape"), p, &w->shape)) != NULL)
                break;
            if (strcmp(dtype->u.string.data, "float32") == 0) {
                w->dtype = NN_F32;
            } else if (strcmp(dtype->u.string.data, "int32") == 0) {
                w->dtype = NN_I32;
            } else {
                err = veil_error_new(VEIL_EUNSUPPORTED,
                                     "%s (%s): weight dtype \"%s\" is not supported (float32 and "
                                     "int32 are)",
                                     path, w->name, dtype->u.string.data);
                break;
            }
            quant q = {.kind = Q_NONE};
            const veil_nnj_value *qv = veil_nnj_get(e, "quantization");
            if (qv != NULL) {
                snprintf(p, sizeof(p), "%s(%s).quantization", path, w->name);
                if ((err = parse_quant(qv, p, &q)) != NULL)
                    break;
            }
            size_t count = (size_t)nn_shape_elements(&w->shape);
            size_t elem = q.kind == Q_NONE ? 4 : q.kind == Q_U8 ? 1 : 2;
            const uint8_t *bytes;
            if ((err = veil_reader_bytes(&r, count * elem, &bytes)) != NULL) {
                err = veil_error_wrap(err, "%s: weight \"%s\" (%zu bytes) runs past the shards",
                                      source, w->name, count * elem);
                break;
            }
            snprintf(p, sizeof(p), "%s: weight \"%s\"", source, w->name);
            n++;
            if ((err = decode_weight(w, &q, bytes, count, p)) != NULL)
                break;
        }
        if (err == NULL && !veil_reader_at_end(&r))
            err = veil_error_new(VEIL_EMALFORMED,
                                 "%s: weight group %zu has %zu bytes of shard data beyond its "
                                 "weights",
                                 source, gi, veil_reader_remaining(&r));
    }
    veil_buf_free(&group);
    if (err != NULL) {
        for (size_t i = 0; i < n; i++)
            free(ws[i].data);
        free(ws);
        return err;
    }
    *out = ws;
    *n_out = n;
    return NULL;
}

/* ---- topology ---- */

static veil_error *op_from_name(const char *name, nn_op *op) {
    static const struct {
        const char *name;
        nn_op op;
    } table[] = {
        {"Const", NN_OP_CONST},
        {"Placeholder", NN_OP_INPUT},
        {"Identity", NN_OP_IDENTITY},
        {"Conv2D", NN_OP_CONV2D},
        {"Add", NN_OP_ADD},
        {"AddV2", NN_OP_ADD},
        {"Pad", NN_OP_PAD},
        {"PadV2", NN_OP_PAD},
        {"Transpose", NN_OP_TRANSPOSE},
        {"LeakyRelu", NN_OP_LEAKY_RELU},
        {"Relu", NN_OP_RELU},
        {"Sigmoid", NN_OP_SIGMOID},
        {"MaxPool", NN_OP_MAXPOOL},
        {"ConcatV2", NN_OP_CONCAT},
        {"ResizeBilinear", NN_OP_RESIZE_BILINEAR},
        {"SplitV", NN_OP_SPLIT},
        {"Reshape", NN_OP_RESHAPE},
        {"SparseToDense", NN_OP_SPARSE_TO_DENSE},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].name, name) == 0) {
            *op = table[i].op;
            return NULL;
        }
    }
    return veil_error_new(VEIL_EUNSUPPORTED, "unsupported op \"%s\"", name);
}

/* Number of outputs a node has (SplitV: num_split). */
static veil_error *output_count(const veil_nnj_value *node, nn_op op, const char *path, int *out) {
    *out = 1;
    if (op != NN_OP_SPLIT)
        return NULL;
    const veil_nnj_value *ns =
        veil_nnj_get(veil_nnj_get(veil_nnj_get(node, "attr"), "num_split"), "i");
    char p[300];
    snprintf(p, sizeof(p), "%s.attr.num_split.i", path);
    int64_t v;
    VEIL_TRY(veil_nnj_int(ns, p, 1, 64, &v));
    *out = (int)v;
    return NULL;
}

static veil_error *placeholder_shape(const veil_nnj_value *node, const char *path,
                                     veil_nn_shape *shape) {
    const veil_nnj_value *attr = veil_nnj_get(node, "attr");
    const veil_nnj_value *dtype = veil_nnj_get(veil_nnj_get(attr, "dtype"), "type");
    char p[300];
    snprintf(p, sizeof(p), "%s.attr.dtype.type", path);
    VEIL_TRY(veil_nnj_expect(dtype, VEIL_NNJ_STRING, p));
    if (strcmp(dtype->u.string.data, "DT_FLOAT") != 0)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "%s: input dtype %s is not supported (DT_FLOAT is)", p,
                              dtype->u.string.data);
    const veil_nnj_value *dims =
        veil_nnj_get(veil_nnj_get(veil_nnj_get(attr, "shape"), "shape"), "dim");
    snprintf(p, sizeof(p), "%s.attr.shape.shape.dim", path);
    VEIL_TRY(veil_nnj_expect(dims, VEIL_NNJ_ARRAY, p));
    if (dims->u.array.count > VEIL_NN_MAX_RANK)
        return veil_error_new(VEIL_EUNSUPPORTED, "%s: rank above %d", p, VEIL_NN_MAX_RANK);
    shape->rank = (int)dims->u.array.count;
    for (size_t i = 0; i < dims->u.array.count; i++) {
        char q[320];
        snprintf(q, sizeof(q), "%s[%zu].size", p, i);
        int64_t d;
        VEIL_TRY(veil_nnj_int(veil_nnj_get(dims->u.array.items[i], "size"), q, -1,
                              VEIL_NN_MAX_ELEMENTS, &d));
        if (d == -1 && i == 0)
            d = 1; /* unknown batch: one image */
        if (d <= 0)
            return veil_error_new(VEIL_EUNSUPPORTED,
                                  "%s: the input needs a fixed size (dimension %zu is %lld)", q, i,
                                  (long long)d);
        shape->dims[i] = d;
    }
    if (nn_shape_elements(shape) > VEIL_NN_MAX_ELEMENTS)
        return veil_error_new(VEIL_ELIMIT, "%s: input too large", p);
    return NULL;
}

/* Splits "name:k" / "^name" into the node name and output index. */
static veil_error *parse_input_ref(const char *ref, char *name, size_t size, int *index,
                                   bool *control) {
    *control = ref[0] == '^';
    if (*control)
        ref++;
    *index = 0;
    const char *colon = strrchr(ref, ':');
    size_t len = strlen(ref);
    if (colon != NULL && colon[1] != '\0' && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
        strlen(colon + 1) <= 3) {
        *index = atoi(colon + 1);
        len = (size_t)(colon - ref);
    }
    if (len == 0 || len >= size)
        return veil_error_new(VEIL_EMALFORMED, "invalid input reference \"%s\"", ref);
    memcpy(name, ref, len);
    name[len] = '\0';
    return NULL;
}

static veil_error *build_graph(veil_nn_model *m, const veil_nnj_value *root, weight *ws,
                               size_t n_ws) {
    nn_graph *g = &m->graph;
    const veil_nnj_value *topo = veil_nnj_get(root, "modelTopology");
    static const char *const tkeys[] = {"node", "library", "versions", NULL};
    VEIL_TRY(veil_nnj_only_keys(topo, "$.modelTopology", tkeys));
    const veil_nnj_value *lib = veil_nnj_get(topo, "library");
    if (lib != NULL && lib->kind == VEIL_NNJ_OBJECT && lib->u.object.count > 0) {
        const veil_nnj_value *fns = veil_nnj_get(lib, "function");
        if (fns != NULL && fns->kind == VEIL_NNJ_ARRAY && fns->u.array.count > 0)
            return veil_error_new(VEIL_EUNSUPPORTED,
                                  "%s: $.modelTopology.library has functions (control flow); not "
                                  "supported",
                                  m->source);
    }
    const veil_nnj_value *nodes = veil_nnj_get(topo, "node");
    VEIL_TRY(veil_nnj_expect(nodes, VEIL_NNJ_ARRAY, "$.modelTopology.node"));
    size_t count = nodes->u.array.count;
    if (count == 0 || count > MAX_NODES)
        return veil_error_new(VEIL_EMALFORMED, "%s: %zu nodes (1..%d allowed)", m->source, count,
                              MAX_NODES);

    name_map names, wmap;
    if (!map_init(&names, count) || !map_init(&wmap, n_ws + 1)) {
        map_free(&names);
        map_free(&wmap);
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory", m->source);
    }
    veil_error *err = NULL;
    for (size_t i = 0; i < n_ws; i++) {
        if (!map_put(&wmap, ws[i].name, (int)i)) {
            err = veil_error_new(VEIL_EMALFORMED, "%s: weight \"%s\" listed twice", m->source,
                                 ws[i].name);
            goto done;
        }
    }
    g->input = -1;
    /* Pass 1: nodes and their output values. */
    for (size_t i = 0; i < count; i++) {
        const veil_nnj_value *nv = nodes->u.array.items[i];
        char path[64];
        snprintf(path, sizeof(path), "$.modelTopology.node[%zu]", i);
        static const char *const nkeys[] = {"name", "op", "input", "attr", "device", NULL};
        if ((err = veil_nnj_only_keys(nv, path, nkeys)) != NULL)
            goto done;
        const veil_nnj_value *name = veil_nnj_get(nv, "name"), *opv = veil_nnj_get(nv, "op");
        char p[96];
        snprintf(p, sizeof(p), "%s.name", path);
        if ((err = veil_nnj_expect(name, VEIL_NNJ_STRING, p)) != NULL)
            goto done;
        snprintf(p, sizeof(p), "%s.op", path);
        if ((err = veil_nnj_expect(opv, VEIL_NNJ_STRING, p)) != NULL)
            goto done;
        nn_op op;
        if ((err = op_from_name(opv->u.string.data, &op)) != NULL) {
            err = veil_error_wrap(err, "%s: node \"%s\"", m->source, name->u.string.data);
            goto done;
        }
        int n_out;
        if ((err = output_count(nv, op, path, &n_out)) != NULL)
            goto done;
        int index;
        if ((err = nn_graph_add_node(g, op, name->u.string.data, NULL, 0, n_out, &index)) != NULL)
            goto done;
        g->nodes[index].attr = veil_nnj_get(nv, "attr");
        if (!map_put(&names, g->nodes[index].name, index)) {
            err = veil_error_new(VEIL_EMALFORMED, "%s: node name \"%s\" used twice", m->source,
                                 g->nodes[index].name);
            goto done;
        }
        nn_value *out = &g->values[g->nodes[index].outputs[0]];
        if (op == NN_OP_CONST) {
            int wi = map_get(&wmap, g->nodes[index].name);
            if (wi < 0) {
                err = veil_error_new(VEIL_EMALFORMED,
                                     "%s: Const node \"%s\" has no weight in the manifest",
                                     m->source, g->nodes[index].name);
                goto done;
            }
            if (ws[wi].data == NULL) {
                err = veil_error_new(VEIL_EMALFORMED, "%s: weight \"%s\" used by two Const nodes",
                                     m->source, ws[wi].name);
                goto done;
            }
            out->dtype = ws[wi].dtype;
            out->shape = ws[wi].shape;
            out->is_const = true;
            out->owns_data = true;
            out->data = ws[wi].data;
            ws[wi].data = NULL;
        } else if (op == NN_OP_INPUT) {
            if (g->input >= 0) {
                err = veil_error_new(VEIL_EUNSUPPORTED,
                                     "%s: more than one Placeholder (\"%s\"); one input is "
                                     "supported",
                                     m->source, g->nodes[index].name);
                goto done;
            }
            if ((err = placeholder_shape(nv, path, &out->shape)) != NULL) {
                err = veil_error_wrap(err, "%s", m->source);
                goto done;
            }
            g->input = g->nodes[index].outputs[0];
        }
    }
    if (g->input < 0) {
        err = veil_error_new(VEIL_EMALFORMED, "%s: the graph has no Placeholder input", m->source);
        goto done;
    }
    /* Pass 2: resolve inputs. */
    for (size_t i = 0; i < count; i++) {
        const veil_nnj_value *inputs = veil_nnj_get(nodes->u.array.items[i], "input");
        nn_node *n = &g->nodes[i];
        if (inputs == NULL)
            continue;
        char path[96];
        snprintf(path, sizeof(path), "$.modelTopology.node[%zu].input", i);
        if ((err = veil_nnj_expect(inputs, VEIL_NNJ_ARRAY, path)) != NULL)
            goto done;
        free(n->inputs);
        n->inputs = calloc(inputs->u.array.count + 1, sizeof(int));
        if (n->inputs == NULL) {
            err = veil_error_new(VEIL_ENOMEM, "%s: out of memory", m->source);
            goto done;
        }
        for (size_t k = 0; k < inputs->u.array.count; k++) {
            const veil_nnj_value *ref = inputs->u.array.items[k];
            char p[128], target[1024];
            snprintf(p, sizeof(p), "%s[%zu]", path, k);
            if ((err = veil_nnj_expect(ref, VEIL_NNJ_STRING, p)) != NULL)
                goto done;
            int out_index;
            bool control;
            if ((err = parse_input_ref(ref->u.string.data, target, sizeof(target), &out_index,
                                       &control)) != NULL) {
                err = veil_error_wrap(err, "%s: node \"%s\"", m->source, n->name);
                goto done;
            }
            int src = map_get(&names, target);
            if (src < 0) {
                err = veil_error_new(VEIL_EMALFORMED, "%s: node \"%s\" reads unknown node \"%s\"",
                                     m->source, n->name, target);
                goto done;
            }
            if (control)
                continue; /* control edges only order execution; data edges suffice here */
            if (out_index >= g->nodes[src].n_outputs) {
                err = veil_error_new(VEIL_EMALFORMED, "%s: node \"%s\" reads output %d of \"%s\"",
                                     m->source, n->name, out_index, target);
                goto done;
            }
            n->inputs[n->n_inputs++] = g->nodes[src].outputs[out_index];
        }
    }
    /* Outputs: the signature's, in document order, else every sink. */
    const veil_nnj_value *sig_out = veil_nnj_get(veil_nnj_get(root, "signature"), "outputs");
    size_t n_out = 0;
    if (sig_out != NULL) {
        if ((err = veil_nnj_expect(sig_out, VEIL_NNJ_OBJECT, "$.signature.outputs")) != NULL)
            goto done;
        n_out = sig_out->u.object.count;
    } else {
        for (size_t i = 0; i < g->n_values; i++)
            g->values[i].uses = 0;
        for (size_t i = 0; i < g->n_nodes; i++)
            for (int k = 0; k < g->nodes[i].n_inputs; k++)
                g->values[g->nodes[i].inputs[k]].uses++;
        for (size_t i = 0; i < g->n_values; i++)
            if (g->values[i].uses == 0 && !g->values[i].is_const && (int)i != g->input)
                n_out++;
    }
    g->outputs = calloc(n_out + 1, sizeof(int));
    g->output_names = calloc(n_out + 1, sizeof(char *));
    if (g->outputs == NULL || g->output_names == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "%s: out of memory", m->source);
        goto done;
    }
    if (sig_out != NULL) {
        for (size_t i = 0; i < n_out; i++) {
            const char *ref = sig_out->u.object.members[i].key;
            char target[1024];
            int out_index;
            bool control;
            if ((err = parse_input_ref(ref, target, sizeof(target), &out_index, &control)) !=
                NULL) {
                err = veil_error_wrap(err, "%s: $.signature.outputs", m->source);
                goto done;
            }
            int src = map_get(&names, target);
            if (src < 0 || control || out_index >= g->nodes[src].n_outputs) {
                err = veil_error_new(VEIL_EMALFORMED,
                                     "%s: $.signature.outputs names unknown tensor \"%s\"",
                                     m->source, ref);
                goto done;
            }
            g->outputs[i] = g->nodes[src].outputs[out_index];
            if ((g->output_names[i] = strdup(ref)) == NULL) {
                err = veil_error_new(VEIL_ENOMEM, "%s: out of memory", m->source);
                goto done;
            }
            g->n_outputs = i + 1;
        }
    } else {
        for (size_t i = 0; i < g->n_values; i++) {
            nn_value *v = &g->values[i];
            if (v->uses != 0 || v->is_const || (int)i == g->input)
                continue;
            const nn_node *p = &g->nodes[v->producer];
            char name[1100];
            snprintf(name, sizeof(name), "%s:%d", p->name, v->output_index);
            g->outputs[g->n_outputs] = (int)i;
            if ((g->output_names[g->n_outputs] = strdup(name)) == NULL) {
                err = veil_error_new(VEIL_ENOMEM, "%s: out of memory", m->source);
                goto done;
            }
            g->n_outputs++;
        }
    }
    if (g->n_outputs == 0)
        err = veil_error_new(VEIL_EMALFORMED, "%s: the graph has no outputs", m->source);
done:
    map_free(&names);
    map_free(&wmap);
    return err;
}

veil_error *veil_nn_model_parse(const uint8_t *json, size_t json_len, const char *source,
                                veil_nn_read_fn read_fn, void *read_ctx, veil_nn_model **out) {
    *out = NULL;
    veil_nn_model *m = calloc(1, sizeof(*m));
    if (m == NULL || (m->source = strdup(source != NULL ? source : "model.json")) == NULL) {
        free(m);
        return veil_error_new(VEIL_ENOMEM, "out of memory loading a model");
    }
    m->graph.source = m->source;
    weight *ws = NULL;
    size_t n_ws = 0;
    veil_error *err = veil_nnj_parse(json, json_len, m->source, &m->doc);
    if (err != NULL)
        goto fail;
    const veil_nnj_value *root = veil_nnj_root(m->doc);
    static const char *const rkeys[] = {"format",
                                        "generatedBy",
                                        "convertedBy",
                                        "signature",
                                        "modelTopology",
                                        "weightsManifest",
                                        "userDefinedMetadata",
                                        "modelInitializer",
                                        "initializerSignature",
                                        NULL};
    if ((err = veil_nnj_only_keys(root, "$", rkeys)) != NULL) {
        err = veil_error_wrap(err, "%s", m->source);
        goto fail;
    }
    if (veil_nnj_get(root, "modelInitializer") != NULL) {
        err = veil_error_new(VEIL_EUNSUPPORTED,
                             "%s: models with an initializer graph (hash tables) are not supported",
                             m->source);
        goto fail;
    }
    const veil_nnj_value *format = veil_nnj_get(root, "format");
    if (format != NULL &&
        (format->kind != VEIL_NNJ_STRING || strcmp(format->u.string.data, "graph-model") != 0)) {
        err = veil_error_new(
            VEIL_EUNSUPPORTED, "%s: $.format is \"%s\"; only TF.js graph models are supported",
            m->source, format->kind == VEIL_NNJ_STRING ? format->u.string.data : "?");
        goto fail;
    }
    if ((err = parse_weights(veil_nnj_get(root, "weightsManifest"), m->source, read_fn, read_ctx,
                             &ws, &n_ws)) != NULL) {
        err = veil_error_wrap(err, "%s", m->source);
        goto fail;
    }
    if ((err = build_graph(m, root, ws, n_ws)) != NULL)
        goto fail;
    for (size_t i = 0; i < n_ws; i++)
        free(ws[i].data);
    free(ws);
    *out = m;
    return NULL;
fail:
    for (size_t i = 0; i < n_ws; i++)
        free(ws[i].data);
    free(ws);
    veil_nn_model_free(m);
    return err;
}

void veil_nn_model_free(veil_nn_model *model) {
    if (model == NULL)
        return;
    nn_graph_free(&model->graph);
    veil_nnj_free(model->doc);
    free(model->source);
    free(model);
}

size_t veil_nn_model_node_count(const veil_nn_model *model) {
    return model->graph.n_nodes;
}

typedef struct dir_ctx {
    const char *dir;
} dir_ctx;

static veil_error *read_from_dir(void *ctx, const char *name, uint8_t **data, size_t *len) {
    const dir_ctx *d = ctx;
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/%s", d->dir, name));
    veil_error *err = veil_read_file(path, MAX_SHARD_BYTES, data, len);
    free(path);
    return err;
}

veil_error *veil_nn_model_load(const char *dir, const char *json_name, veil_nn_model **out) {
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/%s", dir, json_name));
    uint8_t *json;
    size_t len;
    veil_error *err = veil_read_file(path, MAX_JSON_BYTES, &json, &len);
    if (err == NULL) {
        dir_ctx ctx = {.dir = dir};
        err = veil_nn_model_parse(json, len, path, read_from_dir, &ctx, out);
        free(json);
    }
    free(path);
    return err;
}

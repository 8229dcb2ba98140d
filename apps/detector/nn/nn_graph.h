/*
 * The engine's internal graph representation, shared by the loader
 * (nn_model.c), the planner/optimiser (nn_plan.c) and the op executor
 * (nn_ops.c).
 *
 * A graph is a list of nodes and a list of values.  Every node output is a
 * value; a value knows its producer, dtype and shape.  Constant values own
 * their data.  Node inputs are value indices; before "lowering" they include
 * parameter tensors (a Transpose's perm, a Pad's paddings, ...), lowering
 * turns those into attributes so that at run time `inputs` holds only data
 * tensors.  Only float32 and int32 exist at run time (TF.js stores int64
 * constants as int32); both are 4 bytes, so data movement ops are
 * dtype-agnostic.
 */
#ifndef VEIL_NN_GRAPH_H
#define VEIL_NN_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "nn_json.h"

typedef enum nn_dtype {
    NN_F32 = 1,
    NN_I32 = 2,
} nn_dtype;

typedef enum nn_op {
    NN_OP_CONST,
    NN_OP_INPUT,
    NN_OP_IDENTITY,
    NN_OP_CONV2D,
    NN_OP_ADD,
    NN_OP_PAD,
    NN_OP_TRANSPOSE,
    NN_OP_LEAKY_RELU,
    NN_OP_RELU,
    NN_OP_SIGMOID,
    NN_OP_MAXPOOL,
    NN_OP_CONCAT,
    NN_OP_RESIZE_BILINEAR,
    NN_OP_SPLIT,
    NN_OP_RESHAPE,
    NN_OP_SPARSE_TO_DENSE,
} nn_op;

typedef enum nn_act {
    NN_ACT_NONE,
    NN_ACT_RELU,
    NN_ACT_LEAKY,
} nn_act;

typedef struct nn_value {
    nn_dtype dtype;
    veil_nn_shape shape;
    int producer;     /* node index, -1 for none */
    int output_index; /* which output of the producer */
    bool is_const;
    bool owns_data;
    void *data;     /* constants: the data; run time: points into the arena */
    int uses;       /* live consumer references */
    bool is_output; /* a graph output (kept to the end of the run) */
    int last_step;  /* planning: last step that reads it */
    size_t offset;  /* planning: arena offset */
} nn_value;

typedef struct nn_conv_attrs {
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    bool same; /* TF "SAME" padding, resolved to pads when shapes are known */
    int pad_top, pad_bottom, pad_left, pad_right;
    int filter; /* value index of the HWIO filter (a constant) */
    int bias;   /* value index of a fused bias [Cout], -1 for none */
    nn_act act;
    float alpha;   /* LeakyRelu slope */
    float *packed; /* weights packed in panels, see nn_kernels.h */
    int cout_padded;
} nn_conv_attrs;

typedef struct nn_node {
    nn_op op;
    char *name;
    int *inputs;
    int n_inputs;
    int *outputs;
    int n_outputs;
    bool lowered; /* parameter inputs turned into attributes */
    bool dead;
    union {
        nn_conv_attrs conv;
        struct {
            float alpha;
        } leaky;
        struct {
            int kh, kw, sh, sw;
            bool same;
            int pad_top, pad_bottom, pad_left, pad_right;
        } pool;
        struct {
            bool align_corners;
            bool half_pixel_centers;
            int out_h, out_w;
        } resize;
        struct {
            int perm[VEIL_NN_MAX_RANK];
        } transpose;
        struct {
            int64_t before[VEIL_NN_MAX_RANK];
            int64_t after[VEIL_NN_MAX_RANK];
            float value;
        } pad;
        struct {
            int axis;
        } concat;
        struct {
            int axis;
            int64_t sizes[64];
        } split;
        struct {
            bool validate_indices;
        } sparse;
    } a;
    /* Raw TF attributes from model.json (NULL for nodes the planner made). */
    const veil_nnj_value *attr;
} nn_node;

typedef struct nn_graph {
    nn_node *nodes;
    size_t n_nodes, cap_nodes;
    nn_value *values;
    size_t n_values, cap_values;
    int input;    /* the placeholder's value */
    int *outputs; /* graph output values */
    char **output_names;
    size_t n_outputs;
    const char *source; /* model name for messages */
} nn_graph;

struct veil_nn_model {
    nn_graph graph;
    veil_nnj_doc *doc; /* keeps node attrs alive */
    char *source;
};

/* Graph building (nn_model.c). */
VEIL_NODISCARD veil_error *nn_graph_add_value(nn_graph *g, nn_dtype dtype, int *out);
VEIL_NODISCARD veil_error *nn_graph_add_node(nn_graph *g, nn_op op, const char *name,
                                             const int *inputs, int n_inputs, int n_outputs,
                                             int *out);
void nn_graph_free(nn_graph *g);
VEIL_NODISCARD veil_error *nn_graph_copy(const nn_graph *src, nn_graph *dst);
const char *nn_op_name(nn_op op);
size_t nn_dtype_size(nn_dtype dtype);

/* Shapes. */
int64_t nn_shape_elements(const veil_nn_shape *s);
bool nn_shape_equal(const veil_nn_shape *a, const veil_nn_shape *b);
/* "[1,3,416,416]" into buf. */
const char *nn_shape_str(const veil_nn_shape *s, char *buf, size_t size);

/* Op semantics (nn_ops.c): lower parameter inputs into attributes, infer
 * output shapes, and execute (used both for constant folding at plan time
 * and at run time). */
VEIL_NODISCARD veil_error *nn_node_lower(nn_graph *g, nn_node *n);
VEIL_NODISCARD veil_error *nn_node_infer(nn_graph *g, nn_node *n);
VEIL_NODISCARD veil_error *nn_node_exec(nn_graph *g, nn_node *n, float *scratch,
                                        size_t scratch_floats);
/* Scratch memory the node needs at run time, in floats. */
size_t nn_node_scratch(const nn_graph *g, const nn_node *n);
/* Packs a Conv2D node's weights for the kernels (plan time). */
VEIL_NODISCARD veil_error *nn_conv_pack(nn_graph *g, nn_node *n);
uint64_t nn_conv_macs(const nn_graph *g, const nn_node *n);

#endif

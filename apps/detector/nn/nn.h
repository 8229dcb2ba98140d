/*
 * Veil's inference engine for TF.js graph models (public API).
 *
 * A model (veil_nn_model) is the parsed model.json topology plus its
 * weights, immutable once loaded.  A plan (veil_nn_plan) is that graph made
 * executable for its fixed input shape: constant sub-graphs are folded,
 * shapes inferred, layout transposes cancelled and padding, bias and
 * activation fused into convolutions, buffers assigned to one arena, and
 * convolution weights packed for the GEMM kernels.  Running a plan
 * allocates nothing.  A plan is used by one thread at a time.
 */
#ifndef VEIL_NN_H
#define VEIL_NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

#define VEIL_NN_MAX_RANK 6
/* Largest tensor the engine accepts, in elements (1 GiB of float32). */
#define VEIL_NN_MAX_ELEMENTS ((int64_t)1 << 28)

typedef struct veil_nn_model veil_nn_model;
typedef struct veil_nn_plan veil_nn_plan;

typedef struct veil_nn_shape {
    int rank;
    int64_t dims[VEIL_NN_MAX_RANK];
} veil_nn_shape;

/* Reads a weight shard named in the manifest; the loader frees *data. */
typedef veil_error *(*veil_nn_read_fn)(void *ctx, const char *name, uint8_t **data, size_t *len);

/* Parses model.json text; shards are fetched through read_fn.  `source`
 * names the model in messages. */
VEIL_NODISCARD veil_error *veil_nn_model_parse(const uint8_t *json, size_t json_len,
                                               const char *source, veil_nn_read_fn read_fn,
                                               void *read_ctx, veil_nn_model **out);
/* Loads dir/json_name and its shards from dir (shard names must be plain
 * file names). */
VEIL_NODISCARD veil_error *veil_nn_model_load(const char *dir, const char *json_name,
                                              veil_nn_model **out);
void veil_nn_model_free(veil_nn_model *model);
size_t veil_nn_model_node_count(const veil_nn_model *model);

typedef struct veil_nn_plan_options {
    /* The caller fills the (4-D) input in NHWC order although the graph's
     * placeholder is NCHW; the engine inserts the transpose and the
     * optimiser cancels it against the graph's own layout transposes. */
    bool input_nhwc;
    /* Graph rewrites (transpose sinking/cancelling, fusions).  Off only to
     * check the rewrites against the plain graph. */
    bool optimise;
} veil_nn_plan_options;

VEIL_NODISCARD veil_error *veil_nn_plan_create(const veil_nn_model *model,
                                               const veil_nn_plan_options *options,
                                               veil_nn_plan **out);
void veil_nn_plan_free(veil_nn_plan *plan);

/* The input buffer to fill before each run (float32, shape as given). */
float *veil_nn_plan_input(veil_nn_plan *plan, veil_nn_shape *shape);
VEIL_NODISCARD veil_error *veil_nn_plan_run(veil_nn_plan *plan);

size_t veil_nn_plan_output_count(const veil_nn_plan *plan);
/* Output i (in the order of the model's signature, or of its sink nodes);
 * valid until the next run.  *name is the graph's output name. */
const float *veil_nn_plan_output(const veil_nn_plan *plan, size_t i, veil_nn_shape *shape,
                                 const char **name);

typedef struct veil_nn_plan_stats {
    size_t nodes;        /* executed per run */
    size_t transposes;   /* Transpose nodes executed per run */
    size_t convolutions; /* Conv2D nodes executed per run */
    uint64_t conv_macs;  /* multiply-adds per run in convolutions */
    size_t arena_bytes;  /* activation memory */
    size_t weight_bytes; /* packed convolution weights */
} veil_nn_plan_stats;
void veil_nn_plan_get_stats(const veil_nn_plan *plan, veil_nn_plan_stats *stats);

/* Element count of a shape. */
int64_t veil_nn_shape_elements(const veil_nn_shape *shape);

#endif

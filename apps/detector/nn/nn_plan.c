/*
 * Plans: from a loaded graph to something that runs with no allocation.
 *
 *  1. copy the model's graph (constants shared, not copied);
 *  2. optionally present the input as NHWC (an explicit Transpose to the
 *     graph's NCHW, which the optimiser then cancels);
 *  3. in topological order: lower each node, infer its shapes, and fold it
 *     when all its inputs are constant (shape arithmetic, SparseToDense);
 *  4. optimise (optional): sink Transposes below element-wise ops, Pad and
 *     Concat, cancel inverse pairs, then fuse Pad into Conv2D/MaxPool and
 *     bias Add + LeakyRelu/Relu into Conv2D; drop dead nodes;
 *  5. assign every run-time value an offset in one arena (greedy, largest
 *     first, values whose lifetimes overlap never share bytes);
 *  6. pack convolution weights.
 *
 * Invariants after planning: `order` lists the live non-constant nodes in
 * a topological order; every value they read or write has `data` set; the
 * graph outputs live until the end of the run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_graph.h"
#include "nn_kernels.h"

#define ARENA_ALIGN 64
#define MAX_REWRITE_ROUNDS 1000

struct veil_nn_plan {
    nn_graph g;
    int *order;
    size_t n_order;
    uint8_t *arena;
    float *scratch;
    size_t scratch_floats;
    int input_value;
    veil_nn_plan_stats stats;
};

static veil_error *oom(const nn_graph *g) {
    return veil_error_new(VEIL_ENOMEM, "%s: out of memory planning the graph", g->source);
}

/* ---- topology ---- */

static void count_uses(nn_graph *g) {
    for (size_t i = 0; i < g->n_values; i++) {
        g->values[i].uses = 0;
        g->values[i].is_output = false;
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->n_inputs; k++)
            g->values[n->inputs[k]].uses++;
    }
    for (size_t i = 0; i < g->n_outputs; i++) {
        g->values[g->outputs[i]].uses++;
        g->values[g->outputs[i]].is_output = true;
    }
}

/* Marks nodes that no graph output depends on as dead. */
static veil_error *remove_dead(nn_graph *g) {
    bool *live = calloc(g->n_nodes + 1, sizeof(bool));
    int *stack = malloc((g->n_nodes + 1) * sizeof(int));
    if (live == NULL || stack == NULL) {
        free(live);
        free(stack);
        return oom(g);
    }
    size_t top = 0;
    for (size_t i = 0; i < g->n_outputs; i++) {
        int p = g->values[g->outputs[i]].producer;
        if (p >= 0 && !live[p]) {
            live[p] = true;
            stack[top++] = p;
        }
    }
    while (top > 0) {
        const nn_node *n = &g->nodes[stack[--top]];
        for (int k = 0; k < n->n_inputs; k++) {
            int p = g->values[n->inputs[k]].producer;
            if (p >= 0 && !live[p]) {
                live[p] = true;
                stack[top++] = p;
            }
        }
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        if (!live[i])
            g->nodes[i].dead = true;
    free(live);
    free(stack);
    return NULL;
}

/* Kahn's algorithm over live nodes, taking the smallest ready index first
 * (a binary heap) so the order stays close to the model's own. */
static veil_error *topo_order(nn_graph *g, int **out, size_t *n_out) {
    size_t n = g->n_nodes;
    int *indeg = calloc(n + 1, sizeof(int));
    int *heap = malloc((n + 1) * sizeof(int));
    int *order = malloc((n + 1) * sizeof(int));
    /* consumers as a CSR list */
    int *cstart = calloc(n + 2, sizeof(int));
    size_t edges = 0;
    for (size_t i = 0; i < n; i++)
        if (!g->nodes[i].dead)
            edges += (size_t)g->nodes[i].n_inputs;
    int *clist = malloc((edges + 1) * sizeof(int));
    if (indeg == NULL || heap == NULL || order == NULL || cstart == NULL || clist == NULL) {
        free(indeg);
        free(heap);
        free(order);
        free(cstart);
        free(clist);
        return oom(g);
    }
    for (size_t i = 0; i < n; i++) {
        const nn_node *nd = &g->nodes[i];
        if (nd->dead)
            continue;
        for (int k = 0; k < nd->n_inputs; k++) {
            int p = g->values[nd->inputs[k]].producer;
            if (p >= 0 && !g->nodes[p].dead) {
                indeg[i]++;
                cstart[p + 1]++;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        cstart[i + 1] += cstart[i];
    int *fill = calloc(n + 1, sizeof(int));
    if (fill == NULL) {
        free(indeg);
        free(heap);
        free(order);
        free(cstart);
        free(clist);
        return oom(g);
    }
    for (size_t i = 0; i < n; i++) {
        const nn_node *nd = &g->nodes[i];
        if (nd->dead)
            continue;
        for (int k = 0; k < nd->n_inputs; k++) {
            int p = g->values[nd->inputs[k]].producer;
            if (p >= 0 && !g->nodes[p].dead)
                clist[cstart[p] + fill[p]++] = (int)i;
        }
    }
    size_t hn = 0, count = 0, live = 0;
#define HEAP_PUSH(x)                                                                               \
    do {                                                                                           \
        size_t c_ = hn++;                                                                          \
        heap[c_] = (x);                                                                            \
        while (c_ > 0 && heap[(c_ - 1) / 2] > heap[c_]) {                                          \
            int t_ = heap[c_];                                                                     \
            heap[c_] = heap[(c_ - 1) / 2];                                                         \
            heap[(c_ - 1) / 2] = t_;                                                               \
            c_ = (c_ - 1) / 2;                                                                     \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        if (g->nodes[i].dead)
            continue;
        live++;
        if (indeg[i] == 0)
            HEAP_PUSH((int)i);
    }
    while (hn > 0) {
        int top = heap[0];
        heap[0] = heap[--hn];
        size_t c = 0;
        for (;;) {
            size_t l = 2 * c + 1, r = l + 1, m = c;
            if (l < hn && heap[l] < heap[m])
                m = l;
            if (r < hn && heap[r] < heap[m])
                m = r;
            if (m == c)
                break;
            int t = heap[c];
            heap[c] = heap[m];
            heap[m] = t;
            c = m;
        }
        order[count++] = top;
        for (int e = cstart[top]; e < cstart[top + 1]; e++)
            if (--indeg[clist[e]] == 0)
                HEAP_PUSH(clist[e]);
    }
#undef HEAP_PUSH
    free(indeg);
    free(heap);
    free(cstart);
    free(clist);
    free(fill);
    if (count != live) {
        free(order);
        return veil_error_new(VEIL_EMALFORMED, "%s: the graph has a cycle", g->source);
    }
    *out = order;
    *n_out = count;
    return NULL;
}

/* ---- lowering, inference, folding ---- */

static veil_error *alloc_outputs(nn_graph *g, nn_node *n) {
    for (int k = 0; k < n->n_outputs; k++) {
        nn_value *v = &g->values[n->outputs[k]];
        size_t bytes = (size_t)nn_shape_elements(&v->shape) * nn_dtype_size(v->dtype);
        v->data = malloc(bytes + 4);
        if (v->data == NULL)
            return oom(g);
        v->owns_data = true;
    }
    return NULL;
}

static veil_error *fold_and_infer(nn_graph *g) {
    int *order;
    size_t count;
    VEIL_TRY(topo_order(g, &order, &count));
    veil_error *err = NULL;
    for (size_t i = 0; i < count && err == NULL; i++) {
        nn_node *n = &g->nodes[order[i]];
        if ((err = nn_node_lower(g, n)) != NULL || (err = nn_node_infer(g, n)) != NULL)
            break;
        if (n->op == NN_OP_CONST || n->op == NN_OP_INPUT)
            continue;
        bool all_const = true;
        for (int k = 0; k < n->n_inputs && all_const; k++)
            all_const = g->values[n->inputs[k]].is_const;
        if (!all_const)
            continue;
        if (n->op == NN_OP_CONV2D && (err = nn_conv_pack(g, n)) != NULL)
            break;
        if ((err = alloc_outputs(g, n)) != NULL)
            break;
        float *scratch = NULL;
        size_t sf = nn_node_scratch(g, n);
        if (sf > 0 && (scratch = malloc(sf * sizeof(float))) == NULL) {
            err = oom(g);
            break;
        }
        err = nn_node_exec(g, n, scratch, sf);
        free(scratch);
        for (int k = 0; k < n->n_outputs; k++)
            g->values[n->outputs[k]].is_const = true;
        n->dead = true; /* its outputs are constants now */
    }
    free(order);
    return err;
}

/* ---- rewrites ---- */

static nn_node *producer(nn_graph *g, int value) {
    int p = g->values[value].producer;
    return p >= 0 && !g->nodes[p].dead ? &g->nodes[p] : NULL;
}

static void replace_uses(nn_graph *g, int old_value, int new_value) {
    for (size_t i = 0; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == old_value)
                n->inputs[k] = new_value;
    }
    for (size_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == old_value)
            g->outputs[i] = new_value;
}

/* Adds a lowered node copying `like`'s attributes (or a fresh one for
 * like == NULL) and infers its shapes.  Returns the node index. */
static veil_error *add_lowered(nn_graph *g, nn_op op, const nn_node *like, const char *suffix,
                               const int *inputs, int n_inputs, int *out) {
    char name[512];
    snprintf(name, sizeof(name), "%s/%s", like != NULL ? like->name : "veil", suffix);
    nn_node copy;
    if (like != NULL)
        copy = *like; /* copied before add_node may move the node array */
    int index;
    VEIL_TRY(nn_graph_add_node(g, op, name, inputs, n_inputs, 1, &index));
    nn_node *n = &g->nodes[index];
    if (like != NULL)
        n->a = copy.a;
    n->lowered = true;
    VEIL_TRY(nn_node_infer(g, n));
    *out = index;
    return NULL;
}

static veil_error *add_transpose(nn_graph *g, int input, const int *perm, const nn_node *like,
                                 int *out_value) {
    int index;
    char name[32];
    snprintf(name, sizeof(name), "transpose_%zu", g->n_nodes);
    int inputs[1] = {input};
    nn_node tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.name = like != NULL ? like->name : (char *)"veil";
    memcpy(tmpl.a.transpose.perm, perm, sizeof(tmpl.a.transpose.perm));
    VEIL_TRY(add_lowered(g, NN_OP_TRANSPOSE, &tmpl, name, inputs, 1, &index));
    *out_value = g->nodes[index].outputs[0];
    return NULL;
}

static bool is_sinkable(nn_op op) {
    return op == NN_OP_LEAKY_RELU || op == NN_OP_RELU || op == NN_OP_SIGMOID || op == NN_OP_PAD ||
           op == NN_OP_ADD || op == NN_OP_CONCAT;
}

/* R1: Transpose of a Transpose becomes one Transpose, or nothing. */
static veil_error *merge_transposes(nn_graph *g, int ni, bool *changed) {
    nn_node *n = &g->nodes[ni];
    nn_node *t0 = producer(g, n->inputs[0]);
    if (t0 == NULL || t0->op != NN_OP_TRANSPOSE)
        return NULL;
    int rank = g->values[n->inputs[0]].shape.rank;
    int composed[VEIL_NN_MAX_RANK];
    bool identity = true;
    for (int i = 0; i < rank; i++) {
        composed[i] = t0->a.transpose.perm[n->a.transpose.perm[i]];
        identity = identity && composed[i] == i;
    }
    int x = t0->inputs[0];
    if (identity) {
        replace_uses(g, n->outputs[0], x);
        n->dead = true;
    } else {
        n->inputs[0] = x;
        memcpy(n->a.transpose.perm, composed, sizeof(composed));
    }
    *changed = true;
    return NULL;
}

/* R2: op(Transpose(x1,p), ..., Transpose(xn,p)) = Transpose(op'(x1..xn), p). */
static veil_error *sink_transpose(nn_graph *g, int ni, bool *changed) {
    nn_node *n = &g->nodes[ni];
    if (!is_sinkable(n->op) || n->n_inputs < 1 || n->n_inputs > 64)
        return NULL;
    int xs[64];
    const int *perm = NULL;
    int rank = 0;
    for (int k = 0; k < n->n_inputs; k++) {
        nn_node *t = producer(g, n->inputs[k]);
        if (t == NULL || t->op != NN_OP_TRANSPOSE)
            return NULL;
        rank = g->values[n->inputs[k]].shape.rank;
        if (perm != NULL && memcmp(perm, t->a.transpose.perm, (size_t)rank * sizeof(int)) != 0)
            return NULL;
        perm = t->a.transpose.perm;
        xs[k] = t->inputs[0];
    }
    if (n->op == NN_OP_ADD &&
        g->values[n->inputs[0]].shape.rank != g->values[n->inputs[1]].shape.rank)
        return NULL;
    int p[VEIL_NN_MAX_RANK];
    memcpy(p, perm, sizeof(p));
    nn_node like = *n;
    if (n->op == NN_OP_PAD) {
        for (int i = 0; i < rank; i++) {
            like.a.pad.before[p[i]] = n->a.pad.before[i];
            like.a.pad.after[p[i]] = n->a.pad.after[i];
        }
    } else if (n->op == NN_OP_CONCAT) {
        like.a.concat.axis = p[n->a.concat.axis];
    }
    int old_out = n->outputs[0];
    int index, t_out;
    VEIL_TRY(add_lowered(g, like.op, &like, "sunk", xs, like.n_inputs, &index));
    VEIL_TRY(add_transpose(g, g->nodes[index].outputs[0], p, &g->nodes[index], &t_out));
    replace_uses(g, old_out, t_out);
    g->nodes[ni].dead = true;
    *changed = true;
    return NULL;
}

static bool only_spatial_padding(const nn_node *pad, int rank) {
    if (rank != 4)
        return false;
    return pad->a.pad.before[0] == 0 && pad->a.pad.after[0] == 0 && pad->a.pad.before[3] == 0 &&
           pad->a.pad.after[3] == 0 && pad->a.pad.before[1] <= 1024 &&
           pad->a.pad.after[1] <= 1024 && pad->a.pad.before[2] <= 1024 &&
           pad->a.pad.after[2] <= 1024;
}

/* R3: Pad(0) -> Conv2D and Pad(-inf) -> MaxPool become implicit padding. */
static veil_error *fuse_pad(nn_graph *g, int ni, bool *changed) {
    nn_node *n = &g->nodes[ni];
    if (n->op != NN_OP_CONV2D && n->op != NN_OP_MAXPOOL)
        return NULL;
    nn_node *pad = producer(g, n->inputs[0]);
    if (pad == NULL || pad->op != NN_OP_PAD ||
        !only_spatial_padding(pad, g->values[pad->inputs[0]].shape.rank))
        return NULL;
    if (n->op == NN_OP_CONV2D) {
        if (pad->a.pad.value != 0.0f)
            return NULL;
        n->a.conv.pad_top += (int)pad->a.pad.before[1];
        n->a.conv.pad_bottom += (int)pad->a.pad.after[1];
        n->a.conv.pad_left += (int)pad->a.pad.before[2];
        n->a.conv.pad_right += (int)pad->a.pad.after[2];
    } else {
        /* MaxPool ignores out-of-bounds taps, the same as padding with
         * -inf (or anything no input can be below). */
        if (!(pad->a.pad.value <= -3.4e38f))
            return NULL;
        n->a.pool.pad_top += (int)pad->a.pad.before[1];
        n->a.pool.pad_bottom += (int)pad->a.pad.after[1];
        n->a.pool.pad_left += (int)pad->a.pad.before[2];
        n->a.pool.pad_right += (int)pad->a.pad.after[2];
    }
    n->inputs[0] = pad->inputs[0];
    VEIL_TRY(nn_node_infer(g, n));
    *changed = true;
    return NULL;
}

/* R4: Conv2D -> Add(const [Cout]) -> LeakyRelu/Relu fold into the conv
 * when nothing else reads the intermediate values. */
static veil_error *fuse_epilogue(nn_graph *g, int ni, bool *changed) {
    nn_node *n = &g->nodes[ni];
    if (n->op == NN_OP_ADD) {
        for (int k = 0; k < 2; k++) {
            nn_node *conv = producer(g, n->inputs[k]);
            nn_value *c = &g->values[n->inputs[1 - k]];
            nn_value *conv_out = &g->values[n->inputs[k]];
            if (conv == NULL || conv->op != NN_OP_CONV2D || conv->a.conv.bias >= 0 ||
                conv->a.conv.act != NN_ACT_NONE || conv_out->uses != 1 || conv_out->is_output ||
                !c->is_const || c->dtype != NN_F32)
                continue;
            int64_t cout = conv_out->shape.dims[3];
            if (nn_shape_elements(&c->shape) != cout ||
                c->shape.dims[c->shape.rank > 0 ? c->shape.rank - 1 : 0] != cout ||
                !nn_shape_equal(&g->values[n->outputs[0]].shape, &conv_out->shape))
                continue;
            conv->a.conv.bias = n->inputs[1 - k];
            replace_uses(g, n->outputs[0], conv->outputs[0]);
            n->dead = true;
            *changed = true;
            return NULL;
        }
        return NULL;
    }
    if (n->op != NN_OP_LEAKY_RELU && n->op != NN_OP_RELU)
        return NULL;
    nn_node *conv = producer(g, n->inputs[0]);
    nn_value *conv_out = &g->values[n->inputs[0]];
    if (conv == NULL || conv->op != NN_OP_CONV2D || conv->a.conv.act != NN_ACT_NONE ||
        conv_out->uses != 1 || conv_out->is_output)
        return NULL;
    if (n->op == NN_OP_LEAKY_RELU) {
        conv->a.conv.act = NN_ACT_LEAKY;
        conv->a.conv.alpha = n->a.leaky.alpha;
    } else {
        conv->a.conv.act = NN_ACT_RELU;
    }
    replace_uses(g, n->outputs[0], conv->outputs[0]);
    n->dead = true;
    *changed = true;
    return NULL;
}

typedef veil_error *(*rewrite_fn)(nn_graph *g, int ni, bool *changed);

static veil_error *rewrite_until_fixpoint(nn_graph *g, const rewrite_fn *rules, size_t n_rules) {
    for (int round = 0; round < MAX_REWRITE_ROUNDS; round++) {
        bool changed = false;
        count_uses(g);
        size_t n_nodes = g->n_nodes; /* nodes added this round wait for the next */
        for (size_t i = 0; i < n_nodes; i++) {
            for (size_t r = 0; r < n_rules; r++) {
                if (g->nodes[i].dead)
                    break;
                if (g->nodes[i].op == NN_OP_TRANSPOSE && rules[r] == sink_transpose)
                    continue;
                if (g->nodes[i].op != NN_OP_TRANSPOSE && rules[r] == merge_transposes)
                    continue;
                bool c = false;
                VEIL_TRY(rules[r](g, (int)i, &c));
                if (c) {
                    changed = true;
                    count_uses(g);
                }
            }
        }
        VEIL_TRY(remove_dead(g));
        if (!changed)
            return NULL;
    }
    return veil_error_new(VEIL_EINTERNAL, "%s: graph rewriting did not converge", g->source);
}

static veil_error *optimise(nn_graph *g) {
    static const rewrite_fn layout[] = {merge_transposes, sink_transpose};
    static const rewrite_fn fusion[] = {fuse_pad, fuse_epilogue};
    VEIL_TRY(rewrite_until_fixpoint(g, layout, 2));
    VEIL_TRY(rewrite_until_fixpoint(g, fusion, 2));
    return NULL;
}

/* ---- memory ---- */

typedef struct block {
    int value;
    size_t size;
    int first, last;
    size_t offset;
} block;

static int block_by_size(const void *a, const void *b) {
    const block *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return x->value - y->value;
}

static int block_by_offset(const void *a, const void *b) {
    const block *const *x = a, *const *y = b;
    return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

static veil_error *plan_memory(veil_nn_plan *plan) {
    nn_graph *g = &plan->g;
    int *first = malloc((g->n_values + 1) * sizeof(int));
    int *last = malloc((g->n_values + 1) * sizeof(int));
    block *blocks = malloc((g->n_values + 1) * sizeof(block));
    block **placed = malloc((g->n_values + 1) * sizeof(block *));
    if (first == NULL || last == NULL || blocks == NULL || placed == NULL) {
        free(first);
        free(last);
        free(blocks);
        free(placed);
        return oom(g);
    }
    for (size_t i = 0; i < g->n_values; i++)
        first[i] = last[i] = -2;
    first[plan->input_value] = last[plan->input_value] = -1;
    for (size_t s = 0; s < plan->n_order; s++) {
        const nn_node *n = &g->nodes[plan->order[s]];
        for (int k = 0; k < n->n_outputs; k++)
            first[n->outputs[k]] = last[n->outputs[k]] = (int)s;
        for (int k = 0; k < n->n_inputs; k++)
            if (!g->values[n->inputs[k]].is_const)
                last[n->inputs[k]] = (int)s;
    }
    for (size_t i = 0; i < g->n_outputs; i++)
        if (!g->values[g->outputs[i]].is_const)
            last[g->outputs[i]] = (int)plan->n_order;
    size_t nb = 0;
    for (size_t i = 0; i < g->n_values; i++) {
        if (first[i] == -2 || g->values[i].is_const)
            continue;
        size_t bytes = (size_t)nn_shape_elements(&g->values[i].shape) * 4;
        blocks[nb++] = (block){.value = (int)i,
                               .size = (bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN,
                               .first = first[i],
                               .last = last[i]};
    }
    qsort(blocks, nb, sizeof(block), block_by_size);
    size_t total = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t np = 0;
        for (size_t j = 0; j < i; j++)
            if (blocks[j].first <= blocks[i].last && blocks[i].first <= blocks[j].last)
                placed[np++] = &blocks[j];
        qsort(placed, np, sizeof(block *), block_by_offset);
        size_t offset = 0;
        for (size_t j = 0; j < np; j++) {
            if (placed[j]->offset >= offset + blocks[i].size)
                break;
            if (placed[j]->offset + placed[j]->size > offset)
                offset = placed[j]->offset + placed[j]->size;
        }
        blocks[i].offset = offset;
        if (offset + blocks[i].size > total)
            total = offset + blocks[i].size;
    }
    free(first);
    free(last);
    free(placed);
    plan->arena = aligned_alloc(ARENA_ALIGN, total > 0 ? total : ARENA_ALIGN);
    if (plan->arena == NULL) {
        free(blocks);
        return oom(g);
    }
    for (size_t i = 0; i < nb; i++)
        g->values[blocks[i].value].data = plan->arena + blocks[i].offset;
    plan->stats.arena_bytes = total;
    free(blocks);
    return NULL;
}

/* ---- public API ---- */

static veil_error *present_input_nhwc(nn_graph *g) {
    nn_value *in = &g->values[g->input];
    if (in->shape.rank != 4)
        return veil_error_new(VEIL_EINVAL,
                              "%s: NHWC input needs a 4-D input, the model's has rank %d",
                              g->source, in->shape.rank);
    veil_nn_shape nchw = in->shape;
    in->shape.dims[1] = nchw.dims[2];
    in->shape.dims[2] = nchw.dims[3];
    in->shape.dims[3] = nchw.dims[1];
    static const int to_nchw[VEIL_NN_MAX_RANK] = {0, 3, 1, 2};
    int t_out;
    VEIL_TRY(add_transpose(g, g->input, to_nchw, NULL, &t_out));
    int t_node = g->values[t_out].producer;
    for (size_t i = 0; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        if ((int)i == t_node)
            continue;
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == g->input)
                n->inputs[k] = t_out;
    }
    for (size_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == g->input)
            g->outputs[i] = t_out;
    return NULL;
}

veil_error *veil_nn_plan_create(const veil_nn_model *model, const veil_nn_plan_options *options,
                                veil_nn_plan **out) {
    *out = NULL;
    veil_nn_plan *plan = calloc(1, sizeof(*plan));
    if (plan == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a plan");
    veil_error *err = nn_graph_copy(&model->graph, &plan->g);
    if (err != NULL) {
        free(plan);
        return err;
    }
    nn_graph *g = &plan->g;
    plan->input_value = g->input;
    if (options != NULL && options->input_nhwc && (err = present_input_nhwc(g)) != NULL)
        goto fail;
    if ((err = remove_dead(g)) != NULL || (err = fold_and_infer(g)) != NULL)
        goto fail;
    if (options != NULL && options->optimise && (err = optimise(g)) != NULL)
        goto fail;
    if ((err = remove_dead(g)) != NULL)
        goto fail;
    count_uses(g);
    int *order;
    size_t count;
    if ((err = topo_order(g, &order, &count)) != NULL)
        goto fail;
    plan->order = order;
    plan->n_order = 0;
    for (size_t i = 0; i < count; i++) /* constants and the input need no step */
        if (g->nodes[order[i]].op != NN_OP_CONST && g->nodes[order[i]].op != NN_OP_INPUT)
            order[plan->n_order++] = order[i];
    if ((err = plan_memory(plan)) != NULL)
        goto fail;
    size_t weight_floats = 0;
    for (size_t s = 0; s < plan->n_order; s++) {
        nn_node *n = &g->nodes[plan->order[s]];
        plan->stats.nodes++;
        if (n->op == NN_OP_TRANSPOSE)
            plan->stats.transposes++;
        if (n->op != NN_OP_CONV2D)
            continue;
        if ((err = nn_conv_pack(g, n)) != NULL)
            goto fail;
        const nn_value *f = &g->values[n->a.conv.filter];
        weight_floats += nn_conv_packed_floats(
            (int)(f->shape.dims[0] * f->shape.dims[1] * f->shape.dims[2]), (int)f->shape.dims[3]);
        plan->stats.convolutions++;
        plan->stats.conv_macs += nn_conv_macs(g, n);
        size_t sf = nn_node_scratch(g, n);
        if (sf > plan->scratch_floats)
            plan->scratch_floats = sf;
    }
    plan->stats.weight_bytes = weight_floats * sizeof(float);
    if (plan->scratch_floats > 0 &&
        (plan->scratch = malloc(plan->scratch_floats * sizeof(float))) == NULL) {
        err = oom(g);
        goto fail;
    }
    *out = plan;
    return NULL;
fail:
    veil_nn_plan_free(plan);
    return err;
}

void veil_nn_plan_free(veil_nn_plan *plan) {
    if (plan == NULL)
        return;
    nn_graph_free(&plan->g);
    free(plan->order);
    free(plan->arena);
    free(plan->scratch);
    free(plan);
}

float *veil_nn_plan_input(veil_nn_plan *plan, veil_nn_shape *shape) {
    const nn_value *v = &plan->g.values[plan->input_value];
    if (shape != NULL)
        *shape = v->shape;
    return v->data;
}

veil_error *veil_nn_plan_run(veil_nn_plan *plan) {
    for (size_t s = 0; s < plan->n_order; s++)
        VEIL_TRY(nn_node_exec(&plan->g, &plan->g.nodes[plan->order[s]], plan->scratch,
                              plan->scratch_floats));
    return NULL;
}

size_t veil_nn_plan_output_count(const veil_nn_plan *plan) {
    return plan->g.n_outputs;
}

const float *veil_nn_plan_output(const veil_nn_plan *plan, size_t i, veil_nn_shape *shape,
                                 const char **name) {
    if (i >= plan->g.n_outputs)
        return NULL;
    const nn_value *v = &plan->g.values[plan->g.outputs[i]];
    if (shape != NULL)
        *shape = v->shape;
    if (name != NULL)
        *name = plan->g.output_names[i];
    return v->data;
}

void veil_nn_plan_get_stats(const veil_nn_plan *plan, veil_nn_plan_stats *stats) {
    *stats = plan->stats;
}

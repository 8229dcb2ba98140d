/*
 * The validator: the typing rules of the WebAssembly 2.0 specification over
 * a decoded module.  It only checks; it computes nothing the execution
 * strategies depend on, so it can be read (and audited) against the spec on
 * its own.
 *
 * Function bodies are checked with the algorithm of the spec's validation
 * appendix: an operand stack of value types with an "unknown" type for the
 * polymorphic stack after unreachable/br/return, and a control stack of
 * frames recording each block's start and end types, the operand-stack
 * height at entry and whether the rest of the block is unreachable.  The
 * ordinary numeric/memory instructions are typed from the table in
 * opcodes.h; everything else is typed by hand below, in opcode order.
 *
 * Messages use the spec test suite's wording ("type mismatch", "unknown
 * local", ...) followed by details, and name the function and offset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instr.h"
#include "module.h"

#define UNKNOWN ((veil_wasm_valtype)0) /* the polymorphic stack's type */

typedef struct ctrl_frame {
    uint16_t op; /* block, loop, if, else, or end for the function frame */
    const veil_wasm_valtype *start_types;
    uint32_t start_count;
    const veil_wasm_valtype *end_types;
    uint32_t end_count;
    uint32_t height;
    bool unreachable;
} ctrl_frame;

typedef struct validator {
    const veil_wasm_module *m;
    uint32_t func_index;
    size_t offset; /* of the instruction being checked */
    veil_wasm_valtype *locals;
    uint32_t local_count;
    veil_wasm_valtype *vals;
    uint32_t val_count, val_cap;
    ctrl_frame *ctrls;
    uint32_t ctrl_count, ctrl_cap;
} validator;

const char *veil_wasm_valtype_name(veil_wasm_valtype t) {
    switch (t) {
    case VEIL_WASM_I32:
        return "i32";
    case VEIL_WASM_I64:
        return "i64";
    case VEIL_WASM_F32:
        return "f32";
    case VEIL_WASM_F64:
        return "f64";
    case VEIL_WASM_V128:
        return "v128";
    case VEIL_WASM_FUNCREF:
        return "funcref";
    case VEIL_WASM_EXTERNREF:
        return "externref";
    }
    return "unknown";
}

static veil_error *fail(validator *v, const char *fmt, ...) VEIL_PRINTF(2, 3);
static veil_error *fail(validator *v, const char *fmt, ...) {
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return veil_error_new(VEIL_EMALFORMED, "invalid module: function %u at offset %zu: %s",
                          v->func_index, v->offset, message);
}

static veil_error *push_val(validator *v, veil_wasm_valtype t) {
    if (v->val_count == v->val_cap) {
        uint32_t cap = v->val_cap ? v->val_cap * 2 : 64;
        veil_wasm_valtype *vals = realloc(v->vals, cap * sizeof(*vals));
        if (vals == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory validating function %u",
                                  v->func_index);
        v->vals = vals;
        v->val_cap = cap;
    }
    v->vals[v->val_count++] = t;
    return NULL;
}

static veil_error *pop_any(validator *v, veil_wasm_valtype *out) {
    ctrl_frame *c = &v->ctrls[v->ctrl_count - 1];
    if (v->val_count == c->height) {
        if (c->unreachable) {
            *out = UNKNOWN;
            return NULL;
        }
        return fail(v, "type mismatch: operand stack underflow");
    }
    *out = v->vals[--v->val_count];
    return NULL;
}

static veil_error *pop_expect(validator *v, veil_wasm_valtype expect, veil_wasm_valtype *out) {
    veil_wasm_valtype actual;
    VEIL_TRY(pop_any(v, &actual));
    if (actual != expect && actual != UNKNOWN && expect != UNKNOWN)
        return fail(v, "type mismatch: expected %s, got %s", veil_wasm_valtype_name(expect),
                    veil_wasm_valtype_name(actual));
    if (out != NULL)
        *out = actual;
    return NULL;
}

static veil_error *pop(validator *v, veil_wasm_valtype expect) {
    return pop_expect(v, expect, NULL);
}

static veil_error *pop_vals(validator *v, const veil_wasm_valtype *types, uint32_t n) {
    for (uint32_t i = n; i-- > 0;)
        VEIL_TRY(pop(v, types[i]));
    return NULL;
}

static veil_error *push_vals(validator *v, const veil_wasm_valtype *types, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        VEIL_TRY(push_val(v, types[i]));
    return NULL;
}

static veil_error *push_ctrl(validator *v, uint16_t op, const veil_wasm_valtype *start,
                             uint32_t start_count, const veil_wasm_valtype *end,
                             uint32_t end_count) {
    if (v->ctrl_count == v->ctrl_cap) {
        uint32_t cap = v->ctrl_cap ? v->ctrl_cap * 2 : 16;
        ctrl_frame *ctrls = realloc(v->ctrls, cap * sizeof(*ctrls));
        if (ctrls == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory validating function %u",
                                  v->func_index);
        v->ctrls = ctrls;
        v->ctrl_cap = cap;
    }
    v->ctrls[v->ctrl_count++] =
        (ctrl_frame){op, start, start_count, end, end_count, v->val_count, false};
    return push_vals(v, start, start_count);
}

static veil_error *pop_ctrl(validator *v, ctrl_frame *out) {
    ctrl_frame *c = &v->ctrls[v->ctrl_count - 1];
    VEIL_TRY(pop_vals(v, c->end_types, c->end_count));
    if (v->val_count != c->height)
        return fail(v, "type mismatch: %u values left on the stack at the end of a block",
                    v->val_count - c->height);
    *out = *c;
    v->ctrl_count--;
    return NULL;
}

static void label_types(const ctrl_frame *c, const veil_wasm_valtype **types, uint32_t *count) {
    if (c->op == VEIL_OP_loop) {
        *types = c->start_types;
        *count = c->start_count;
    } else {
        *types = c->end_types;
        *count = c->end_count;
    }
}

static void set_unreachable(validator *v) {
    ctrl_frame *c = &v->ctrls[v->ctrl_count - 1];
    v->val_count = c->height;
    c->unreachable = true;
}

static veil_error *block_type(validator *v, const veil_wasm_instr *in,
                              const veil_wasm_valtype **start, uint32_t *start_count,
                              const veil_wasm_valtype **end, uint32_t *end_count) {
    switch (in->bt_kind) {
    case VEIL_BLOCKTYPE_EMPTY:
        *start = *end = NULL;
        *start_count = *end_count = 0;
        return NULL;
    case VEIL_BLOCKTYPE_VALUE:
        /* Point into the module's type storage is not possible for a bare
         * value type; use the static single-type tables instead. */
        {
            static const veil_wasm_valtype singles[] = {
                VEIL_WASM_I32,  VEIL_WASM_I64,     VEIL_WASM_F32,       VEIL_WASM_F64,
                VEIL_WASM_V128, VEIL_WASM_FUNCREF, VEIL_WASM_EXTERNREF,
            };
            for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
                if (singles[i] == in->bt_value) {
                    *end = &singles[i];
                    *end_count = 1;
                }
            *start = NULL;
            *start_count = 0;
            return NULL;
        }
    case VEIL_BLOCKTYPE_INDEX:
        if (in->bt_index >= v->m->type_count)
            return fail(v, "unknown type %u", in->bt_index);
        *start = v->m->types[in->bt_index].params;
        *start_count = v->m->types[in->bt_index].param_count;
        *end = v->m->types[in->bt_index].results;
        *end_count = v->m->types[in->bt_index].result_count;
        return NULL;
    }
    return fail(v, "bad block type");
}

static veil_error *check_memory(validator *v, uint32_t index) {
    if (index >= v->m->memory_count)
        return fail(v, "unknown memory %u", index);
    return NULL;
}

static veil_error *check_table(validator *v, uint32_t index) {
    if (index >= v->m->table_count)
        return fail(v, "unknown table %u", index);
    return NULL;
}

static veil_error *check_memarg(validator *v, const veil_wasm_instr *in, uint32_t size) {
    VEIL_TRY(check_memory(v, 0));
    uint32_t natural = 0;
    while ((1u << natural) < size)
        natural++;
    if (in->align_log2 > natural)
        return fail(v, "alignment must not be larger than natural (2^%u > %u bytes)",
                    in->align_log2 > 31 ? 31 : in->align_log2, size);
    return NULL;
}

static veil_error *check_data_index(validator *v, uint32_t index) {
    if (!v->m->has_data_count)
        return fail(v, "data count section required");
    if (index >= v->m->data_count)
        return fail(v, "unknown data segment %u", index);
    return NULL;
}

/* Ordinary instructions typed from opcodes.h. */
static veil_error *check_table_driven(validator *v, const veil_wasm_instr *in,
                                      const veil_wasm_opinfo *info) {
    switch ((veil_wasm_class)info->cls) {
    case VEIL_CLASS_LOAD:
    case VEIL_CLASS_STORE:
        VEIL_TRY(check_memarg(v, in, info->size));
        break;
    case VEIL_CLASS_LANE:
        if (in->a >= info->size)
            return fail(v, "invalid lane index %u (%u lanes)", in->a, info->size);
        break;
    default:
        break;
    }
    for (int i = 2; i >= 0; i--)
        if (info->params[i] != 0)
            VEIL_TRY(pop(v, (veil_wasm_valtype)info->params[i]));
    if (info->result != 0)
        VEIL_TRY(push_val(v, (veil_wasm_valtype)info->result));
    return NULL;
}

static veil_error *check_instr(validator *v, veil_wasm_instr *in) {
    const veil_wasm_module *m = v->m;
    const veil_wasm_opinfo *info = veil_wasm_opinfo_of(in->op);
    if (info->cls != VEIL_CLASS_SPECIAL)
        return check_table_driven(v, in, info);
    veil_wasm_valtype t;
    switch ((veil_wasm_opcode)in->op) {
    case VEIL_OP_unreachable:
        set_unreachable(v);
        return NULL;
    case VEIL_OP_nop:
        return NULL;
    case VEIL_OP_block:
    case VEIL_OP_loop:
    case VEIL_OP_if: {
        const veil_wasm_valtype *start, *end;
        uint32_t start_count, end_count;
        VEIL_TRY(block_type(v, in, &start, &start_count, &end, &end_count));
        if (in->op == VEIL_OP_if)
            VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop_vals(v, start, start_count));
        return push_ctrl(v, in->op, start, start_count, end, end_count);
    }
    case VEIL_OP_else: {
        if (v->ctrls[v->ctrl_count - 1].op != VEIL_OP_if)
            return fail(v, "else without matching if");
        ctrl_frame c;
        VEIL_TRY(pop_ctrl(v, &c));
        return push_ctrl(v, VEIL_OP_else, c.start_types, c.start_count, c.end_types, c.end_count);
    }
    case VEIL_OP_end: {
        ctrl_frame c;
        VEIL_TRY(pop_ctrl(v, &c));
        if (c.op == VEIL_OP_if) {
            /* An if without else: the missing else passes its inputs through. */
            bool same = c.start_count == c.end_count;
            for (uint32_t i = 0; same && i < c.start_count; i++)
                same = c.start_types[i] == c.end_types[i];
            if (!same)
                return fail(v, "type mismatch: if without else must leave its inputs unchanged");
        }
        return push_vals(v, c.end_types, c.end_count);
    }
    case VEIL_OP_br:
    case VEIL_OP_br_if: {
        if (in->a >= v->ctrl_count)
            return fail(v, "unknown label %u", in->a);
        const veil_wasm_valtype *types;
        uint32_t n;
        label_types(&v->ctrls[v->ctrl_count - 1 - in->a], &types, &n);
        if (in->op == VEIL_OP_br_if)
            VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop_vals(v, types, n));
        if (in->op == VEIL_OP_br) {
            set_unreachable(v);
            return NULL;
        }
        return push_vals(v, types, n);
    }
    case VEIL_OP_br_table: {
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        if (in->a >= v->ctrl_count)
            return fail(v, "unknown label %u", in->a);
        const veil_wasm_valtype *dtypes;
        uint32_t arity;
        label_types(&v->ctrls[v->ctrl_count - 1 - in->a], &dtypes, &arity);
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t label = veil_wasm_next_target(in);
            if (label >= v->ctrl_count)
                return fail(v, "unknown label %u", label);
            const veil_wasm_valtype *types;
            uint32_t n;
            label_types(&v->ctrls[v->ctrl_count - 1 - label], &types, &n);
            if (n != arity)
                return fail(v, "type mismatch: br_table targets have different arities");
            /* Pop against this label's types, then push back what was
             * there (keeping known types) so the next target sees it. */
            veil_wasm_valtype popped[VEIL_WASM_MAX_FUNC_PARAMS];
            for (uint32_t k = n; k-- > 0;)
                VEIL_TRY(pop_expect(v, types[k], &popped[k]));
            for (uint32_t k = 0; k < n; k++)
                VEIL_TRY(push_val(v, popped[k]));
        }
        VEIL_TRY(pop_vals(v, dtypes, arity));
        set_unreachable(v);
        return NULL;
    }
    case VEIL_OP_return: {
        const veil_wasm_functype *ft = veil_wasm_module_func_type(m, v->func_index);
        VEIL_TRY(pop_vals(v, ft->results, ft->result_count));
        set_unreachable(v);
        return NULL;
    }
    case VEIL_OP_call: {
        if (in->a >= m->func_count)
            return fail(v, "unknown function %u", in->a);
        const veil_wasm_functype *ft = veil_wasm_module_func_type(m, in->a);
        VEIL_TRY(pop_vals(v, ft->params, ft->param_count));
        return push_vals(v, ft->results, ft->result_count);
    }
    case VEIL_OP_call_indirect: {
        VEIL_TRY(check_table(v, in->b));
        if (m->tables[in->b].elem_type != VEIL_WASM_FUNCREF)
            return fail(v, "type mismatch: call_indirect through a table of %s",
                        veil_wasm_valtype_name(m->tables[in->b].elem_type));
        if (in->a >= m->type_count)
            return fail(v, "unknown type %u", in->a);
        const veil_wasm_functype *ft = &m->types[in->a];
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop_vals(v, ft->params, ft->param_count));
        return push_vals(v, ft->results, ft->result_count);
    }
    case VEIL_OP_drop:
        return pop_any(v, &t);
    case VEIL_OP_select: {
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        veil_wasm_valtype t1, t2;
        VEIL_TRY(pop_any(v, &t1));
        VEIL_TRY(pop_any(v, &t2));
        if (veil_wasm_is_reftype(t1) || veil_wasm_is_reftype(t2))
            return fail(v, "type mismatch: select without a type on references");
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return fail(v, "type mismatch: select operands %s and %s", veil_wasm_valtype_name(t1),
                        veil_wasm_valtype_name(t2));
        return push_val(v, t1 == UNKNOWN ? t2 : t1);
    }
    case VEIL_OP_select_t:
        if (in->count != 1)
            return fail(v, "invalid result arity %u for select", in->count);
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, in->type));
        VEIL_TRY(pop(v, in->type));
        return push_val(v, in->type);
    case VEIL_OP_local_get:
        if (in->a >= v->local_count)
            return fail(v, "unknown local %u", in->a);
        return push_val(v, v->locals[in->a]);
    case VEIL_OP_local_set:
        if (in->a >= v->local_count)
            return fail(v, "unknown local %u", in->a);
        return pop(v, v->locals[in->a]);
    case VEIL_OP_local_tee:
        if (in->a >= v->local_count)
            return fail(v, "unknown local %u", in->a);
        VEIL_TRY(pop(v, v->locals[in->a]));
        return push_val(v, v->locals[in->a]);
    case VEIL_OP_global_get:
        if (in->a >= m->global_count)
            return fail(v, "unknown global %u", in->a);
        return push_val(v, m->globals[in->a].type);
    case VEIL_OP_global_set:
        if (in->a >= m->global_count)
            return fail(v, "unknown global %u", in->a);
        if (!m->globals[in->a].mutable_)
            return fail(v, "global is immutable (global %u)", in->a);
        return pop(v, m->globals[in->a].type);
    case VEIL_OP_table_get:
        VEIL_TRY(check_table(v, in->a));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return push_val(v, m->tables[in->a].elem_type);
    case VEIL_OP_table_set:
        VEIL_TRY(check_table(v, in->a));
        VEIL_TRY(pop(v, m->tables[in->a].elem_type));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_memory_size:
        VEIL_TRY(check_memory(v, in->a));
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_memory_grow:
        VEIL_TRY(check_memory(v, in->a));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_i32_const:
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_i64_const:
        return push_val(v, VEIL_WASM_I64);
    case VEIL_OP_f32_const:
        return push_val(v, VEIL_WASM_F32);
    case VEIL_OP_f64_const:
        return push_val(v, VEIL_WASM_F64);
    case VEIL_OP_v128_const:
        return push_val(v, VEIL_WASM_V128);
    case VEIL_OP_ref_null:
        return push_val(v, in->type);
    case VEIL_OP_ref_is_null:
        VEIL_TRY(pop_any(v, &t));
        if (t != UNKNOWN && !veil_wasm_is_reftype(t))
            return fail(v, "type mismatch: ref.is_null on %s", veil_wasm_valtype_name(t));
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_ref_func:
        if (in->a >= m->func_count)
            return fail(v, "unknown function %u", in->a);
        if (!m->func_declared[in->a])
            return fail(v, "undeclared function reference %u", in->a);
        return push_val(v, VEIL_WASM_FUNCREF);
    case VEIL_OP_memory_init:
        VEIL_TRY(check_memory(v, in->b));
        VEIL_TRY(check_data_index(v, in->a));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_data_drop:
        return check_data_index(v, in->a);
    case VEIL_OP_memory_copy:
    case VEIL_OP_memory_fill:
        VEIL_TRY(check_memory(v, 0));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_table_init:
        VEIL_TRY(check_table(v, in->b));
        if (in->a >= m->elem_count)
            return fail(v, "unknown elem segment %u", in->a);
        if (m->elems[in->a].elem_type != m->tables[in->b].elem_type)
            return fail(v, "type mismatch: table.init of %s into a table of %s",
                        veil_wasm_valtype_name(m->elems[in->a].elem_type),
                        veil_wasm_valtype_name(m->tables[in->b].elem_type));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_elem_drop:
        if (in->a >= m->elem_count)
            return fail(v, "unknown elem segment %u", in->a);
        return NULL;
    case VEIL_OP_table_copy:
        VEIL_TRY(check_table(v, in->a));
        VEIL_TRY(check_table(v, in->b));
        if (m->tables[in->a].elem_type != m->tables[in->b].elem_type)
            return fail(v, "type mismatch: table.copy between tables of %s and %s",
                        veil_wasm_valtype_name(m->tables[in->b].elem_type),
                        veil_wasm_valtype_name(m->tables[in->a].elem_type));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_table_grow:
        VEIL_TRY(check_table(v, in->a));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, m->tables[in->a].elem_type));
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_table_size:
        VEIL_TRY(check_table(v, in->a));
        return push_val(v, VEIL_WASM_I32);
    case VEIL_OP_table_fill:
        VEIL_TRY(check_table(v, in->a));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        VEIL_TRY(pop(v, m->tables[in->a].elem_type));
        return pop(v, VEIL_WASM_I32);
    case VEIL_OP_i8x16_shuffle:
        for (int i = 0; i < 16; i++)
            if (in->v128[i] >= 32)
                return fail(v, "invalid lane index %u in i8x16.shuffle", in->v128[i]);
        VEIL_TRY(pop(v, VEIL_WASM_V128));
        VEIL_TRY(pop(v, VEIL_WASM_V128));
        return push_val(v, VEIL_WASM_V128);
    case VEIL_OP_v128_load8_lane:
    case VEIL_OP_v128_load16_lane:
    case VEIL_OP_v128_load32_lane:
    case VEIL_OP_v128_load64_lane:
    case VEIL_OP_v128_store8_lane:
    case VEIL_OP_v128_store16_lane:
    case VEIL_OP_v128_store32_lane:
    case VEIL_OP_v128_store64_lane:
        VEIL_TRY(check_memarg(v, in, info->size));
        if (in->b >= 16u / info->size)
            return fail(v, "invalid lane index %u", in->b);
        VEIL_TRY(pop(v, VEIL_WASM_V128));
        VEIL_TRY(pop(v, VEIL_WASM_I32));
        if (info->result != 0)
            return push_val(v, VEIL_WASM_V128);
        return NULL;
    default:
        break;
    }
    return fail(v, "unhandled instruction %s", info->name);
}

static veil_error *validate_function(validator *v, uint32_t def_index) {
    const veil_wasm_module *m = v->m;
    const veil_wasm_func_def *f = &m->funcs[def_index];
    v->func_index = m->imported_func_count + def_index;
    v->offset = f->body_offset;
    if (f->type_index >= m->type_count)
        return fail(v, "unknown type %u", f->type_index);
    const veil_wasm_functype *ft = &m->types[f->type_index];
    v->local_count = ft->param_count + f->local_count;
    if (v->local_count > VEIL_WASM_MAX_LOCALS)
        return fail(v, "too many locals (%u, limit %u)", v->local_count, VEIL_WASM_MAX_LOCALS);
    v->locals = malloc((v->local_count ? v->local_count : 1) * sizeof(*v->locals));
    if (v->locals == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory validating function %u", v->func_index);
    if (ft->param_count > 0)
        memcpy(v->locals, ft->params, ft->param_count * sizeof(*v->locals));
    if (f->local_count > 0)
        memcpy(v->locals + ft->param_count, f->local_types, f->local_count * sizeof(*v->locals));

    v->val_count = v->ctrl_count = 0;
    veil_error *err = push_ctrl(v, VEIL_OP_end, NULL, 0, ft->results, ft->result_count);
    veil_reader r;
    veil_reader_init(&r, f->body, f->body_len, "code section");
    r.base = f->body_offset;
    while (err == NULL && v->ctrl_count > 0) {
        if (veil_reader_at_end(&r)) {
            err = veil_reader_error(&r, VEIL_EMALFORMED,
                                    "unexpected end of section or function (function %u)",
                                    v->func_index);
            break;
        }
        veil_wasm_instr in;
        err = veil_wasm_read_instr(&r, &in);
        if (err != NULL)
            break;
        v->offset = in.offset;
        err = check_instr(v, &in);
    }
    if (err == NULL && !veil_reader_at_end(&r))
        err = veil_reader_error(&r, VEIL_EMALFORMED,
                                "section size mismatch: bytes after the end of function %u",
                                v->func_index);
    free(v->locals);
    v->locals = NULL;
    return err;
}

/* Constant expressions (2.0: a single constant instruction; global.get may
 * only name an immutable imported global). */
static veil_error *validate_const(const veil_wasm_module *m, const veil_wasm_const_expr *e,
                                  veil_wasm_valtype expect, const char *what) {
#define CONST_FAIL(...)                                                                            \
    do {                                                                                           \
        char detail_[200];                                                                         \
        snprintf(detail_, sizeof(detail_), __VA_ARGS__);                                           \
        return veil_error_new(VEIL_EMALFORMED, "invalid module: %s at offset %zu: %s", what,       \
                              e->offset, detail_);                                                 \
    } while (0)
    if (e->kind == VEIL_CONST_NOT_CONST)
        CONST_FAIL("constant expression required (%s)", veil_wasm_opinfo_of(e->bad_opcode)->name);
    if (e->instr_count != 1)
        CONST_FAIL("type mismatch: constant expression has %u instructions", e->instr_count);
    veil_wasm_valtype t = e->value.type;
    switch (e->kind) {
    case VEIL_CONST_VALUE:
    case VEIL_CONST_REF_NULL:
        break;
    case VEIL_CONST_REF_FUNC:
        if (e->index >= m->func_count)
            CONST_FAIL("unknown function %u", e->index);
        t = VEIL_WASM_FUNCREF;
        break;
    case VEIL_CONST_GLOBAL_GET:
        if (e->index >= m->imported_global_count)
            CONST_FAIL("unknown global %u (constant expressions may only read imported globals)",
                       e->index);
        if (m->globals[e->index].mutable_)
            CONST_FAIL("constant expression required (global %u is mutable)", e->index);
        t = m->globals[e->index].type;
        break;
    case VEIL_CONST_NOT_CONST:
        break;
    }
    if (t != expect)
        CONST_FAIL("type mismatch: expected %s, got %s", veil_wasm_valtype_name(expect),
                   veil_wasm_valtype_name(t));
    return NULL;
#undef CONST_FAIL
}

static veil_error *validate_limits(const veil_wasm_limits_range *l, uint64_t bound,
                                   const char *what, uint32_t index, const char *bound_msg) {
    if (l->min > bound)
        return veil_error_new(VEIL_EMALFORMED, "invalid module: %s %u: %s", what, index, bound_msg);
    if (l->has_max && l->max > bound)
        return veil_error_new(VEIL_EMALFORMED, "invalid module: %s %u: %s", what, index, bound_msg);
    if (l->has_max && l->min > l->max)
        return veil_error_new(VEIL_EMALFORMED,
                              "invalid module: %s %u: size minimum must not be greater than "
                              "maximum (%llu > %llu)",
                              what, index, (unsigned long long)l->min, (unsigned long long)l->max);
    return NULL;
}

static veil_error *validate_module(const veil_wasm_module *m) {
    for (uint32_t i = 0; i < m->import_count; i++) {
        const veil_wasm_import_def *imp = &m->imports[i];
        if (imp->kind == VEIL_WASM_EXTERN_FUNC && imp->type_index >= m->type_count)
            return veil_error_new(VEIL_EMALFORMED, "invalid module: import %u: unknown type %u", i,
                                  imp->type_index);
    }
    for (uint32_t i = 0; i < m->func_count; i++)
        if (m->func_type_index[i] >= m->type_count)
            return veil_error_new(VEIL_EMALFORMED, "invalid module: function %u: unknown type %u",
                                  i, m->func_type_index[i]);
    for (uint32_t i = 0; i < m->table_count; i++)
        VEIL_TRY(validate_limits(&m->tables[i].limits, UINT32_MAX, "table", i,
                                 "table size must be at most 2^32-1"));
    if (m->memory_count > 1)
        return veil_error_new(VEIL_EMALFORMED, "invalid module: multiple memories (%u)",
                              m->memory_count);
    for (uint32_t i = 0; i < m->memory_count; i++)
        VEIL_TRY(validate_limits(&m->memories[i], VEIL_WASM_MAX_PAGES, "memory", i,
                                 "memory size must be at most 65536 pages (4GiB)"));
    for (uint32_t i = m->imported_global_count; i < m->global_count; i++) {
        char what[48];
        snprintf(what, sizeof(what), "global %u initialiser", i);
        VEIL_TRY(validate_const(m, &m->global_inits[i - m->imported_global_count],
                                m->globals[i].type, what));
    }
    for (uint32_t i = 0; i < m->export_count; i++) {
        const veil_wasm_export_def *e = &m->exports[i];
        uint32_t limit = e->kind == VEIL_WASM_EXTERN_FUNC     ? m->func_count
                         : e->kind == VEIL_WASM_EXTERN_TABLE  ? m->table_count
                         : e->kind == VEIL_WASM_EXTERN_MEMORY ? m->memory_count
                                                              : m->global_count;
        static const char *const kinds[] = {"function", "table", "memory", "global"};
        if (e->index >= limit)
            return veil_error_new(VEIL_EMALFORMED, "invalid module: export \"%s\": unknown %s %u",
                                  e->name, kinds[e->kind], e->index);
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name_len == e->name_len &&
                memcmp(m->exports[k].name, e->name, e->name_len) == 0)
                return veil_error_new(VEIL_EMALFORMED,
                                      "invalid module: duplicate export name \"%s\"", e->name);
    }
    if (m->has_start) {
        if (m->start >= m->func_count)
            return veil_error_new(VEIL_EMALFORMED, "invalid module: unknown function %u (start)",
                                  m->start);
        const veil_wasm_functype *ft = veil_wasm_module_func_type(m, m->start);
        if (ft->param_count != 0 || ft->result_count != 0)
            return veil_error_new(VEIL_EMALFORMED,
                                  "invalid module: start function %u must have type [] -> []",
                                  m->start);
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const veil_wasm_elem_def *e = &m->elems[i];
        char what[64];
        if (e->mode == VEIL_SEGMENT_ACTIVE) {
            if (e->table_index >= m->table_count)
                return veil_error_new(VEIL_EMALFORMED,
                                      "invalid module: element segment %u: unknown table %u", i,
                                      e->table_index);
            if (m->tables[e->table_index].elem_type != e->elem_type)
                return veil_error_new(VEIL_EMALFORMED,
                                      "invalid module: element segment %u: type mismatch (%s "
                                      "into a table of %s)",
                                      i, veil_wasm_valtype_name(e->elem_type),
                                      veil_wasm_valtype_name(m->tables[e->table_index].elem_type));
            snprintf(what, sizeof(what), "element segment %u offset", i);
            VEIL_TRY(validate_const(m, &e->offset, VEIL_WASM_I32, what));
        }
        for (uint32_t k = 0; k < e->item_count; k++) {
            snprintf(what, sizeof(what), "element segment %u item %u", i, k);
            VEIL_TRY(validate_const(m, &e->items[k], e->elem_type, what));
        }
    }
    for (uint32_t i = 0; i < m->data_segment_count; i++) {
        const veil_wasm_data_def *d = &m->datas[i];
        if (d->mode != VEIL_SEGMENT_ACTIVE)
            continue;
        if (d->memory_index >= m->memory_count)
            return veil_error_new(VEIL_EMALFORMED,
                                  "invalid module: data segment %u: unknown memory %u", i,
                                  d->memory_index);
        char what[48];
        snprintf(what, sizeof(what), "data segment %u offset", i);
        VEIL_TRY(validate_const(m, &d->offset, VEIL_WASM_I32, what));
    }
    return NULL;
}

veil_error *veil_wasm_validate(const veil_wasm_module *m) {
    VEIL_TRY(validate_module(m));
    validator v = {.m = m};
    veil_error *err = NULL;
    for (uint32_t i = 0; err == NULL && i < m->func_def_count; i++)
        err = validate_function(&v, i);
    free(v.vals);
    free(v.ctrls);
    return err;
}

/*
 * The interpreter: runs the code built by compile.c (see interp.h).
 *
 * One C function, `run`, executes every wasm call of an entry from the host:
 * a wasm call pushes a veil_interp_frame (return ip, caller's fp, code and
 * instance) on the store's frame array and continues in the same C frame, so
 * the native stack does not grow with wasm recursion.  Dispatch is direct
 * threading: each handler ends by jumping to the next instruction's handler
 * (computed goto on a 32-bit offset from a base label).
 *
 * The hot state lives in locals: ip, fp, the current code and instance, the
 * linear memory's base and size (reloaded after calls, host calls and
 * memory.grow; the base never moves, see runtime.h), and the fuel counter
 * (written back to the store on exit and around host calls).
 *
 * Limits: the `fuel` instruction (function entries and loop headers)
 * charges fuel and polls the deadline flag that the watchdog sets; a call
 * checks the frame count against the store's call-depth limit and the new
 * frame against the end of the value stack.  All three trap cleanly: the
 * frames of this entry are discarded and the store stays usable.  Entries
 * from the host (re-entry through host functions) are the only thing that
 * uses native stack; veil_interp_call bounds their nesting and checks that
 * VEIL_WASM_NATIVE_STACK_RESERVE bytes of the thread's stack are still free.
 *
 * Every handler reads all of its operands before writing its result, so the
 * compiler may give a result the slot of an operand (or of a local).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "ops_scalar.h"
#include "ops_simd.h"
#include "runtime.h"

static const veil_wasm_memory empty_memory;

/* Slot <-> C value conversions by wasm type. */
#define ARG_I32(p) ((uint32_t) * (p))
#define ARG_I64(p) (*(p))
#define ARG_F32(p) veil_op_f32_reinterpret_i32((uint32_t) * (p))
#define ARG_F64(p) veil_op_f64_reinterpret_i64(*(p))
#define RES_I32(p, v) (*(p) = (uint64_t)(uint32_t)(v))
#define RES_I64(p, v) (*(p) = (uint64_t)(v))
#define RES_F32(p, v) (*(p) = (uint64_t)veil_op_i32_reinterpret_f32(v))
#define RES_F64(p, v) (*(p) = veil_op_i64_reinterpret_f64(v))
/* Bit-pattern forms (BITS class, loads, stores). */
#define BITS_I32(p) ((uint32_t) * (p))
#define BITS_I64(p) (*(p))
#define BITS_F32(p) ((uint32_t) * (p))
#define BITS_F64(p) (*(p))
#define CTYPE_I32 uint32_t
#define CTYPE_I64 uint64_t
/* v128 values occupy two slots; memcpy keeps this free of alignment and
 * aliasing assumptions (it compiles to one unaligned vector move). */
static inline veil_v128 v128_get(const uint64_t *p) {
    veil_v128 v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline void v128_put(uint64_t *p, veil_v128 v) {
    memcpy(p, &v, sizeof(v));
}
#define ARG_V128(p) v128_get(p)
#define RES_V128(p, v) v128_put((p), (v))
#define BITS_V128(p) v128_get(p)
/* Load results: scalar loads return bit patterns for one slot. */
#define LOADRES_I32(p, v) (*(p) = (uint64_t)(v))
#define LOADRES_I64(p, v) (*(p) = (uint64_t)(v))
#define LOADRES_F32(p, v) (*(p) = (uint64_t)(v))
#define LOADRES_F64(p, v) (*(p) = (uint64_t)(v))
#define LOADRES_V128(p, v) v128_put((p), (v))

#define SLOT(i) (&fp[ip[i]])

/* Handler generators for the table-driven scalar operators (opcodes.h). */
#define ARITY____ 1
#define ARITY_I32__ 2
#define ARITY_I64__ 2
#define ARITY_F32__ 2
#define ARITY_F64__ 2
#define ARITY_V128__ 2
#define ARITY_V128_V128 3
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#define GEN_PURE(id, p0, p1, p2, r, size) CAT(GEN_PURE_, ARITY_##p1##_##p2)(id, p0, p1, r)
#define GEN_PURE_1(id, p0, p1, r)                                                                  \
    op_w_##id : RES_##r(SLOT(1), veil_op_##id(ARG_##p0(SLOT(2))));                                 \
    DISPATCH(3);
#define GEN_PURE_2(id, p0, p1, r)                                                                  \
    op_w_##id : RES_##r(SLOT(1), veil_op_##id(ARG_##p0(SLOT(2)), ARG_##p1(SLOT(3))));              \
    DISPATCH(4);
#define GEN_PURE_3(id, p0, p1, r)                                                                  \
    op_w_##id                                                                                      \
        : RES_##r(SLOT(1), veil_op_##id(ARG_##p0(SLOT(2)), ARG_##p1(SLOT(3)), ARG_V128(SLOT(4)))); \
    DISPATCH(5);
#define GEN_BITS(id, p0, p1, p2, r, size) CAT(GEN_BITS_, ARITY_##p1##_##p2)(id, p0, p1, r)
#define GEN_BITS_1(id, p0, p1, r)                                                                  \
    op_w_##id : *SLOT(1) = veil_op_##id(BITS_##p0(SLOT(2)));                                       \
    DISPATCH(3);
#define GEN_BITS_2(id, p0, p1, r)                                                                  \
    op_w_##id : *SLOT(1) = veil_op_##id(BITS_##p0(SLOT(2)), BITS_##p1(SLOT(3)));                   \
    DISPATCH(4);
#define GEN_TRAP(id, p0, p1, p2, r, size) CAT(GEN_TRAP_, ARITY_##p1##_##p2)(id, p0, p1, r)
#define GEN_TRAP_1(id, p0, p1, r)                                                                  \
    op_w_##id : {                                                                                  \
        CTYPE_##r out_;                                                                            \
        int t_ = veil_op_##id(ARG_##p0(SLOT(2)), &out_);                                           \
        if (t_ != VEIL_OP_OK)                                                                      \
            OP_TRAP(t_);                                                                           \
        RES_##r(SLOT(1), out_);                                                                    \
        DISPATCH(3);                                                                               \
    }
#define GEN_TRAP_2(id, p0, p1, r)                                                                  \
    op_w_##id : {                                                                                  \
        CTYPE_##r out_;                                                                            \
        int t_ = veil_op_##id(ARG_##p0(SLOT(2)), ARG_##p1(SLOT(3)), &out_);                        \
        if (t_ != VEIL_OP_OK)                                                                      \
            OP_TRAP(t_);                                                                           \
        RES_##r(SLOT(1), out_);                                                                    \
        DISPATCH(4);                                                                               \
    }
/* Loads: d addr offset.  Stores: addr value offset.  The effective address
 * is computed in 64 bits, so addr + offset cannot wrap. */
#define GEN_LOAD(id, p0, p1, p2, r, size)                                                          \
    op_w_##id : {                                                                                  \
        uint64_t ea_ = (uint64_t)(uint32_t)fp[ip[2]] + ip[3];                                      \
        if (ea_ + (size) > mem_size)                                                               \
            TRAP(VEIL_TRAP_MEMORY_OOB);                                                            \
        LOADRES_##r(SLOT(1), veil_op_##id(mem + ea_));                                             \
        DISPATCH(4);                                                                               \
    }
#define GEN_STORE(id, p0, p1, p2, r, size)                                                         \
    op_w_##id : {                                                                                  \
        uint64_t ea_ = (uint64_t)(uint32_t)fp[ip[1]] + ip[3];                                      \
        if (ea_ + (size) > mem_size)                                                               \
            TRAP(VEIL_TRAP_MEMORY_OOB);                                                            \
        veil_op_##id(mem + ea_, BITS_##p1(SLOT(2)));                                               \
        DISPATCH(4);                                                                               \
    }
#define GEN_SPECIAL(id, p0, p1, p2, r, size)
/* Lane access: extract d v lane; replace d v x lane. */
#define GEN_LANE(id, p0, p1, p2, r, size) CAT(GEN_LANE_, ARITY_##p1##_##p2)(id, p0, p1, r)
#define GEN_LANE_1(id, p0, p1, r)                                                                  \
    op_w_##id : RES_##r(SLOT(1), veil_op_##id(v128_get(SLOT(2)), ip[3]));                          \
    DISPATCH(4);
#define GEN_LANE_2(id, p0, p1, r)                                                                  \
    op_w_##id : RES_V128(SLOT(1), veil_op_##id(v128_get(SLOT(2)), ip[4], ARG_##p1(SLOT(3))));      \
    DISPATCH(5);
/* v128.loadN_lane: d addr v offset lane; v128.storeN_lane: addr v offset lane. */
#define GEN_LOAD_LANE(id, size)                                                                    \
    op_w_##id : {                                                                                  \
        uint64_t ea_ = (uint64_t)(uint32_t)fp[ip[2]] + ip[4];                                      \
        if (ea_ + (size) > mem_size)                                                               \
            TRAP(VEIL_TRAP_MEMORY_OOB);                                                            \
        RES_V128(SLOT(1), veil_op_##id(mem + ea_, v128_get(SLOT(3)), ip[5]));                      \
        DISPATCH(6);                                                                               \
    }
#define GEN_STORE_LANE(id, size)                                                                   \
    op_w_##id : {                                                                                  \
        uint64_t ea_ = (uint64_t)(uint32_t)fp[ip[1]] + ip[3];                                      \
        if (ea_ + (size) > mem_size)                                                               \
            TRAP(VEIL_TRAP_MEMORY_OOB);                                                            \
        veil_op_##id(mem + ea_, v128_get(SLOT(2)), ip[4]);                                         \
        DISPATCH(5);                                                                               \
    }
#define GEN_HANDLER(id, code, text, imm, cls, p0, p1, p2, r, size)                                 \
    GEN_##cls(id, p0, p1, p2, r, size)

/* ri forms and fused compare-branches. */
#define IMM_32 ((uint32_t)ip[3])
#define IMM_64 ((uint64_t)ip[3] | (uint64_t)ip[4] << 32)
#define ARGB_32(p) ((uint32_t) * (p))
#define ARGB_64(p) (*(p))
#define RI_CELLS_32 4
#define RI_CELLS_64 5
#define GEN_RI(id, bits)                                                                           \
    op_ri_##id : *SLOT(1) = (uint64_t)veil_op_##id(ARGB_##bits(SLOT(2)), IMM_##bits);              \
    DISPATCH(RI_CELLS_##bits);
#define BR_OFF_RR 3
#define BR_OFF_RI_32 3
#define BR_OFF_RI_64 4
#define GEN_BRCMP(id, bits, neg)                                                                   \
    op_brif_##id : if (veil_op_##id(ARGB_##bits(SLOT(1)), ARGB_##bits(SLOT(2)))) {                 \
        ip += (int32_t)ip[BR_OFF_RR];                                                              \
        NEXT();                                                                                    \
    }                                                                                              \
    DISPATCH(BR_OFF_RR + 1);                                                                       \
    op_brif_ri_##id : {                                                                            \
        uint64_t k_ = (uint64_t)ip[2] | (bits == 64 ? (uint64_t)ip[3] << 32 : 0);                  \
        if (veil_op_##id(ARGB_##bits(SLOT(1)), (CTYPE_I##bits)k_)) {                               \
            ip += (int32_t)ip[BR_OFF_RI_##bits];                                                   \
            NEXT();                                                                                \
        }                                                                                          \
        DISPATCH(BR_OFF_RI_##bits + 1);                                                            \
    }

/* Label table entries of the table-driven operators (the others are listed
 * by hand). */
#define LABEL_PURE(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_BITS(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_TRAP(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_LOAD(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_STORE(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_LANE(id) [VEIL_IOP_w_##id] = &&op_w_##id,
#define LABEL_SPECIAL(id)

static veil_wasm_trap_kind op_trap_kind(int t) {
    switch (t) {
    case VEIL_OP_TRAP_DIV_BY_ZERO:
        return VEIL_TRAP_DIV_BY_ZERO;
    case VEIL_OP_TRAP_INT_OVERFLOW:
        return VEIL_TRAP_INT_OVERFLOW;
    default:
        return VEIL_TRAP_INVALID_CONVERSION;
    }
}

/* Runs `code` of `inst` with its frame at fp until it returns to this
 * entry.  With `init`, only fills the handler table. */
static veil_wasm_trap_kind run(veil_wasm_store *st, const veil_interp_code *code,
                               veil_wasm_instance *inst, uint64_t *fp, int32_t *init) {
    if (init != NULL) {
        static const void *const labels[VEIL_IOP_COUNT] = {
#define CORE_LABEL(name) [VEIL_IOP_##name] = &&op_##name,
#define WASM_LABEL(id, code_, text, imm, cls, p0, p1, p2, r, size) LABEL_##cls(id)
#define RI_LABEL(id, bits) [VEIL_IOP_ri_##id] = &&op_ri_##id,
#define BRCMP_LABEL(id, bits, neg)                                                                 \
    [VEIL_IOP_brif_##id] = &&op_brif_##id, [VEIL_IOP_brif_ri_##id] = &&op_brif_ri_##id,
/* SIMD instructions with hand-written handlers (class SPECIAL). */
#define HAND_LABELS                                                                                \
    [VEIL_IOP_w_i8x16_shuffle] = &&op_w_i8x16_shuffle,                                             \
    [VEIL_IOP_w_v128_load8_lane] = &&op_w_v128_load8_lane,                                         \
    [VEIL_IOP_w_v128_load16_lane] = &&op_w_v128_load16_lane,                                       \
    [VEIL_IOP_w_v128_load32_lane] = &&op_w_v128_load32_lane,                                       \
    [VEIL_IOP_w_v128_load64_lane] = &&op_w_v128_load64_lane,                                       \
    [VEIL_IOP_w_v128_store8_lane] = &&op_w_v128_store8_lane,                                       \
    [VEIL_IOP_w_v128_store16_lane] = &&op_w_v128_store16_lane,                                     \
    [VEIL_IOP_w_v128_store32_lane] = &&op_w_v128_store32_lane,                                     \
    [VEIL_IOP_w_v128_store64_lane] = &&op_w_v128_store64_lane,
            VEIL_IOPS_CORE(CORE_LABEL) VEIL_WASM_OPCODES(WASM_LABEL) VEIL_IOPS_RI(RI_LABEL)
                VEIL_IOPS_BRCMP(BRCMP_LABEL) HAND_LABELS
#undef CORE_LABEL
#undef WASM_LABEL
#undef RI_LABEL
#undef BRCMP_LABEL
#undef HAND_LABELS
        };
        for (int i = 0; i < VEIL_IOP_COUNT; i++) {
            const void *label = labels[i] != NULL ? labels[i] : &&op_invalid;
            init[i] = (int32_t)((const char *)label - (const char *)&&op_trap_unreachable);
        }
        return VEIL_TRAP_NONE;
    }

    const char *const base = (const char *)&&op_trap_unreachable;
    const uint32_t *ip = code->cells;
    const veil_wasm_memory *memobj = inst->memory != NULL ? inst->memory : &empty_memory;
    uint8_t *mem = memobj->data;
    uint64_t mem_size = memobj->size;
    const bool fuel_limited = st->fuel != UINT64_MAX;
    int64_t fuel =
        fuel_limited ? (st->fuel > INT64_MAX ? INT64_MAX : (int64_t)st->fuel) : INT64_MAX;
    veil_interp_frame *const frames = st->frames;
    const uint32_t frame_base = st->frame_count;
    uint32_t fcount = frame_base;
    const uint32_t max_frames = st->limits.max_call_depth;
    uint64_t *const stack_end = st->stack_end;
    veil_wasm_trap_kind trap_kind = VEIL_TRAP_NONE;
    /* do_call operands */
    veil_wasm_func *callee;
    uint64_t *callee_fp;
    const uint32_t *return_ip;

#define NEXT() goto *(const void *)(base + (int32_t)ip[0])
#define DISPATCH(n)                                                                                \
    do {                                                                                           \
        ip += (n);                                                                                 \
        NEXT();                                                                                    \
    } while (0)
#define TRAP(kind)                                                                                 \
    do {                                                                                           \
        trap_kind = (kind);                                                                        \
        goto trap;                                                                                 \
    } while (0)
#define OP_TRAP(t) TRAP(op_trap_kind(t))
#define LOAD_MEM()                                                                                 \
    do {                                                                                           \
        memobj = inst->memory != NULL ? inst->memory : &empty_memory;                              \
        mem = memobj->data;                                                                        \
        mem_size = memobj->size;                                                                   \
    } while (0)

    NEXT();

op_trap_unreachable:
    TRAP(VEIL_TRAP_UNREACHABLE);
op_invalid:
    TRAP(VEIL_TRAP_UNREACHABLE);
op_copy:
    fp[ip[1]] = fp[ip[2]];
    DISPATCH(3);
op_copy128 : {
    uint64_t lo = fp[ip[2]], hi = fp[ip[2] + 1];
    fp[ip[1]] = lo;
    fp[ip[1] + 1] = hi;
    DISPATCH(3);
}
op_const32:
    fp[ip[1]] = ip[2];
    DISPATCH(3);
op_const64:
    fp[ip[1]] = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
    DISPATCH(4);
op_const128:
    fp[ip[1]] = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
    fp[ip[1] + 1] = (uint64_t)ip[4] | (uint64_t)ip[5] << 32;
    DISPATCH(6);
op_br:
    ip += (int32_t)ip[1];
    NEXT();
op_br_if:
    if ((uint32_t)fp[ip[1]] != 0) {
        ip += (int32_t)ip[2];
        NEXT();
    }
    DISPATCH(3);
op_br_unless:
    if ((uint32_t)fp[ip[1]] == 0) {
        ip += (int32_t)ip[2];
        NEXT();
    }
    DISPATCH(3);
op_br_table : {
    uint32_t i = (uint32_t)fp[ip[1]];
    uint32_t n = ip[2];
    if (i > n)
        i = n;
    ip += (int32_t)ip[3 + i];
    NEXT();
}
op_fuel:
    fuel -= ip[1];
    if (__builtin_expect(fuel < 0, 0))
        TRAP(VEIL_TRAP_OUT_OF_FUEL);
    if (__builtin_expect(atomic_load_explicit(&st->interrupt, memory_order_relaxed) != 0, 0))
        TRAP(VEIL_TRAP_DEADLINE);
    DISPATCH(2);

op_call:
    callee = inst->funcs[ip[1]];
    callee_fp = fp + ip[2];
    return_ip = ip + 3;
    goto do_call;
op_call_indirect : {
    const veil_wasm_table *table = inst->tables[ip[1]];
    uint32_t i = (uint32_t)fp[ip[4]];
    if (i >= table->size)
        TRAP(VEIL_TRAP_UNDEFINED_ELEMENT);
    callee = (veil_wasm_func *)(uintptr_t)table->elems[i];
    if (callee == NULL)
        TRAP(VEIL_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type_id != inst->type_ids[ip[2]])
        TRAP(VEIL_TRAP_INDIRECT_MISMATCH);
    callee_fp = fp + ip[3];
    return_ip = ip + 5;
    goto do_call;
}
do_call:
    if (callee->host_fn != NULL) {
        uint64_t *results = callee_fp + callee->param_slots;
        if (results + callee->result_slots > stack_end)
            TRAP(VEIL_TRAP_STACK_EXHAUSTED);
        veil_wasm_caller caller = {st, inst};
        uint64_t *saved_sp = st->sp;
        st->sp = results + callee->result_slots;
        st->frame_count = fcount;
        if (fuel_limited)
            st->fuel = (uint64_t)fuel;
        veil_error *err = callee->host_fn(&caller, callee->host_env, callee_fp, results);
        st->sp = saved_sp;
        if (fuel_limited)
            fuel = st->fuel > INT64_MAX ? INT64_MAX : (int64_t)st->fuel;
        if (err != NULL) {
            veil_error_free(st->host_error);
            st->host_error = err;
            TRAP(st->trap.kind == VEIL_TRAP_EXIT ? VEIL_TRAP_EXIT : VEIL_TRAP_HOST);
        }
        memmove(callee_fp, results, callee->result_slots * sizeof(uint64_t));
        ip = return_ip;
        LOAD_MEM();
        NEXT();
    }
    {
        const veil_interp_code *cc = callee->code;
        if (fcount >= max_frames || callee_fp + cc->frame_slots > stack_end)
            TRAP(VEIL_TRAP_STACK_EXHAUSTED);
        frames[fcount++] = (veil_interp_frame){return_ip, fp, code, inst};
        memset(callee_fp + cc->param_slots, 0, cc->local_slots * sizeof(uint64_t));
        fp = callee_fp;
        code = cc;
        ip = cc->cells;
        if (callee->instance != inst) {
            inst = callee->instance;
            LOAD_MEM();
        }
        NEXT();
    }

op_ret1:
    fp[0] = fp[ip[1]];
    goto do_return;
op_ret2 : {
    uint64_t lo = fp[ip[1]], hi = fp[ip[1] + 1];
    fp[0] = lo;
    fp[1] = hi;
    goto do_return;
}
op_retn:
    memmove(fp, fp + ip[1], ip[2] * sizeof(uint64_t));
    goto do_return;
op_ret:
do_return:
    if (fcount == frame_base)
        goto done;
    fcount--;
    ip = frames[fcount].ip;
    fp = frames[fcount].fp;
    code = frames[fcount].code;
    inst = frames[fcount].instance;
    LOAD_MEM();
    NEXT();

op_select:
    fp[ip[1]] = (uint32_t)fp[ip[4]] != 0 ? fp[ip[2]] : fp[ip[3]];
    DISPATCH(5);
op_select128 : {
    const uint64_t *s = (uint32_t)fp[ip[4]] != 0 ? &fp[ip[2]] : &fp[ip[3]];
    uint64_t lo = s[0], hi = s[1];
    fp[ip[1]] = lo;
    fp[ip[1] + 1] = hi;
    DISPATCH(5);
}
op_global_get:
    fp[ip[1]] = inst->globals[ip[2]]->value[0];
    DISPATCH(3);
op_global_get128 : {
    const veil_wasm_global *g = inst->globals[ip[2]];
    fp[ip[1]] = g->value[0];
    fp[ip[1] + 1] = g->value[1];
    DISPATCH(3);
}
op_global_set:
    inst->globals[ip[2]]->value[0] = fp[ip[1]];
    DISPATCH(3);
op_global_set128 : {
    veil_wasm_global *g = inst->globals[ip[2]];
    g->value[0] = fp[ip[1]];
    g->value[1] = fp[ip[1] + 1];
    DISPATCH(3);
}

op_memory_size:
    fp[ip[1]] = mem_size / VEIL_WASM_PAGE_SIZE;
    DISPATCH(2);
op_memory_grow : {
    int64_t old = inst->memory != NULL ? veil_memory_grow(inst->memory, (uint32_t)fp[ip[2]]) : -1;
    fp[ip[1]] = (uint32_t)(int32_t)old;
    LOAD_MEM();
    DISPATCH(3);
}
op_memory_fill : {
    uint64_t d = (uint32_t)fp[ip[1]], n = (uint32_t)fp[ip[3]];
    uint8_t v = (uint8_t)fp[ip[2]];
    if (d + n > mem_size)
        TRAP(VEIL_TRAP_MEMORY_OOB);
    if (n > 0)
        memset(mem + d, v, n);
    DISPATCH(4);
}
op_memory_copy : {
    uint64_t d = (uint32_t)fp[ip[1]], s = (uint32_t)fp[ip[2]], n = (uint32_t)fp[ip[3]];
    if (d + n > mem_size || s + n > mem_size)
        TRAP(VEIL_TRAP_MEMORY_OOB);
    if (n > 0)
        memmove(mem + d, mem + s, n);
    DISPATCH(4);
}
op_memory_init : {
    uint32_t seg = ip[1];
    uint64_t d = (uint32_t)fp[ip[2]], s = (uint32_t)fp[ip[3]], n = (uint32_t)fp[ip[4]];
    if (s + n > inst->data_lengths[seg] || d + n > mem_size)
        TRAP(VEIL_TRAP_MEMORY_OOB);
    if (n > 0)
        memcpy(mem + d, inst->module->datas[seg].bytes + s, n);
    DISPATCH(5);
}
op_data_drop:
    inst->data_lengths[ip[1]] = 0;
    DISPATCH(2);

op_table_get : {
    const veil_wasm_table *t = inst->tables[ip[3]];
    uint32_t i = (uint32_t)fp[ip[2]];
    if (i >= t->size)
        TRAP(VEIL_TRAP_TABLE_OOB);
    fp[ip[1]] = t->elems[i];
    DISPATCH(4);
}
op_table_set : {
    veil_wasm_table *t = inst->tables[ip[3]];
    uint32_t i = (uint32_t)fp[ip[1]];
    if (i >= t->size)
        TRAP(VEIL_TRAP_TABLE_OOB);
    t->elems[i] = fp[ip[2]];
    DISPATCH(4);
}
op_table_size:
    fp[ip[1]] = inst->tables[ip[2]]->size;
    DISPATCH(3);
op_table_grow : {
    uint64_t fill = fp[ip[2]];
    uint32_t n = (uint32_t)fp[ip[3]];
    fp[ip[1]] = (uint32_t)(int32_t)veil_table_grow(inst->tables[ip[4]], n, fill);
    DISPATCH(5);
}
op_table_fill : {
    veil_wasm_table *t = inst->tables[ip[1]];
    uint64_t i = (uint32_t)fp[ip[2]], n = (uint32_t)fp[ip[4]];
    uint64_t v = fp[ip[3]];
    if (i + n > t->size)
        TRAP(VEIL_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    DISPATCH(5);
}
op_table_copy : {
    veil_wasm_table *dt = inst->tables[ip[1]];
    const veil_wasm_table *stbl = inst->tables[ip[2]];
    uint64_t d = (uint32_t)fp[ip[3]], s = (uint32_t)fp[ip[4]], n = (uint32_t)fp[ip[5]];
    if (d + n > dt->size || s + n > stbl->size)
        TRAP(VEIL_TRAP_TABLE_OOB);
    if (n > 0)
        memmove(dt->elems + d, stbl->elems + s, n * sizeof(uint64_t));
    DISPATCH(6);
}
op_table_init : {
    uint32_t seg = ip[1];
    veil_wasm_table *t = inst->tables[ip[2]];
    uint64_t d = (uint32_t)fp[ip[3]], s = (uint32_t)fp[ip[4]], n = (uint32_t)fp[ip[5]];
    if (s + n > inst->elem_lengths[seg] || d + n > t->size)
        TRAP(VEIL_TRAP_TABLE_OOB);
    if (n > 0)
        memcpy(t->elems + d, inst->elem_values[seg] + s, n * sizeof(uint64_t));
    DISPATCH(6);
}
op_elem_drop:
    inst->elem_lengths[ip[1]] = 0;
    DISPATCH(2);
op_ref_is_null:
    fp[ip[1]] = fp[ip[2]] == 0;
    DISPATCH(3);
op_ref_func:
    fp[ip[1]] = (uint64_t)(uintptr_t)inst->funcs[ip[2]];
    DISPATCH(3);

op_w_i8x16_shuffle : {
    uint8_t lanes[16];
    memcpy(lanes, &ip[4], sizeof(lanes));
    RES_V128(SLOT(1), veil_op_i8x16_shuffle(v128_get(SLOT(2)), v128_get(SLOT(3)), lanes));
    DISPATCH(8);
}
    GEN_LOAD_LANE(v128_load8_lane, 1)
    GEN_LOAD_LANE(v128_load16_lane, 2)
    GEN_LOAD_LANE(v128_load32_lane, 4)
    GEN_LOAD_LANE(v128_load64_lane, 8)
    GEN_STORE_LANE(v128_store8_lane, 1)
    GEN_STORE_LANE(v128_store16_lane, 2)
    GEN_STORE_LANE(v128_store32_lane, 4)
    GEN_STORE_LANE(v128_store64_lane, 8)

    VEIL_WASM_OPCODES(GEN_HANDLER)
    VEIL_IOPS_RI(GEN_RI)
    VEIL_IOPS_BRCMP(GEN_BRCMP)

trap:
    st->trap.kind = trap_kind;
    st->trap.func_index = code->func_index;
    st->frame_count = frame_base;
    if (fuel_limited)
        st->fuel = fuel < 0 ? 0 : (uint64_t)fuel;
    /* The module of the trapping code names the function. */
    st->trap_module = inst->module;
    return trap_kind;
done:
    st->frame_count = frame_base;
    if (fuel_limited)
        st->fuel = (uint64_t)fuel;
    return VEIL_TRAP_NONE;
}

static int32_t handler_table[VEIL_IOP_COUNT];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void init_handlers(void) {
    run(NULL, NULL, NULL, NULL, handler_table);
}

const int32_t *veil_interp_handlers(void) {
    pthread_once(&handler_once, init_handlers);
    return handler_table;
}

/* Lowest native stack address an entry may start at on this thread (its
 * stack's low end plus the reserve); 1 when the bounds are unknown (then the
 * nesting bound alone applies).  Looked up once per thread: for the main
 * thread glibc reads /proc/self/maps. */
static _Thread_local uintptr_t native_stack_floor;

static bool native_stack_low(void) {
    if (native_stack_floor == 0) {
        uintptr_t floor = 1;
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            void *addr;
            size_t size;
            if (pthread_attr_getstack(&attr, &addr, &size) == 0 &&
                size > VEIL_WASM_NATIVE_STACK_RESERVE)
                floor = (uintptr_t)addr + VEIL_WASM_NATIVE_STACK_RESERVE;
            pthread_attr_destroy(&attr);
        }
        native_stack_floor = floor;
    }
    /* The frame address, not a local's: sanitizers may move locals to a
     * heap-allocated fake stack. */
    return (uintptr_t)__builtin_frame_address(0) < native_stack_floor;
}

veil_wasm_trap_kind veil_interp_call(veil_wasm_store *st, veil_wasm_func *func,
                                     const uint64_t *args, uint64_t *results) {
    st->trap.kind = VEIL_TRAP_NONE;
    st->trap_module = NULL;
    if (func->host_fn != NULL) {
        /* A host function called directly by the embedder. */
        veil_wasm_caller caller = {st, NULL};
        uint64_t argv[VEIL_WASM_MAX_FUNC_PARAMS + 1];
        memcpy(argv, args, func->param_slots * sizeof(uint64_t));
        veil_error *err = func->host_fn(&caller, func->host_env, argv, results);
        if (err != NULL) {
            veil_error_free(st->host_error);
            st->host_error = err;
            st->trap.func_index = UINT32_MAX;
            return st->trap.kind == VEIL_TRAP_EXIT ? VEIL_TRAP_EXIT : VEIL_TRAP_HOST;
        }
        return VEIL_TRAP_NONE;
    }
    const veil_interp_code *code = func->code;
    uint64_t *fp = st->sp;
    if (st->nesting >= VEIL_WASM_MAX_NESTING || st->frame_count >= st->limits.max_call_depth ||
        fp + code->frame_slots > st->stack_end || native_stack_low()) {
        st->trap.kind = VEIL_TRAP_STACK_EXHAUSTED;
        st->trap.func_index = func->func_index;
        st->trap_module = func->instance->module;
        return VEIL_TRAP_STACK_EXHAUSTED;
    }
    memcpy(fp, args, code->param_slots * sizeof(uint64_t));
    memset(fp + code->param_slots, 0, code->local_slots * sizeof(uint64_t));
    st->nesting++;
    veil_wasm_trap_kind kind = run(st, code, func->instance, fp, NULL);
    st->nesting--;
    if (kind == VEIL_TRAP_NONE)
        memcpy(results, fp, code->result_slots * sizeof(uint64_t));
    return kind;
}

/*
 * The compiler: one validated function body -> interpreter code (interp.h).
 *
 * One pass over the body with a virtual operand stack.  Every stack entry
 * has a canonical frame slot fixed by its depth; an entry is either TEMP
 * (its value is in its canonical slot), LOCAL (it is still the value of a
 * local: the slot of that local is read directly) or CONST (an immediate not
 * yet written anywhere).  So local.get and constants cost nothing until an
 * instruction consumes them, and binary operators with a constant right
 * operand use "ri" handlers with the constant inline.
 *
 * Invariants that keep the lazy entries correct:
 *  - Before a local is written, stack entries still reading it are copied
 *    to their canonical slots ("preserve").
 *  - At every block/loop/if entry the whole virtual stack is materialised,
 *    so control-flow joins only ever see TEMP entries in canonical slots,
 *    and branch values are moved to the target label's canonical slots.
 *  - Code emitted on only one path (moves before a taken branch) never
 *    changes the virtual stack's state.
 *
 * Peephole fusion uses `last`, the instruction just emitted: a comparison
 * followed by br_if/if becomes one compare-and-branch; an operator followed
 * by local.set/local.tee writes the local directly.  `last` is cleared by
 * any other emission and whenever a label is bound.
 *
 * Fuel: the function starts with a `fuel` instruction and every loop header
 * is one; each charges the number of wasm instructions compiled in its
 * region (nested loops excluded), so an iteration of a loop costs about its
 * instruction count and straight-line code is charged once on entry.
 *
 * Unreachable code (after br, br_table, return, unreachable) is skipped up
 * to the matching else/end without emitting anything.
 */
#include <stdlib.h>
#include <string.h>

#include "instr.h"
#include "interp.h"
#include "module.h"

enum { E_TEMP, E_LOCAL, E_CONST };

typedef struct ventry {
    veil_wasm_valtype type;
    uint8_t kind;
    uint32_t slot; /* canonical slot */
    uint32_t src;  /* E_LOCAL: the local's slot */
    uint64_t c[2]; /* E_CONST */
} ventry;

typedef struct patch {
    uint32_t cell;  /* offset cell to fill */
    uint32_t instr; /* first cell of the branching instruction */
    int32_t next;   /* next patch of the same label, -1 at the end */
} patch;

typedef struct cframe {
    uint16_t op; /* block, loop, if, else; end for the function */
    uint32_t height;
    uint32_t base_slot;
    const veil_wasm_valtype *params;
    uint32_t nparams;
    const veil_wasm_valtype *results;
    uint32_t nresults;
    uint32_t loop_pc;
    int32_t patches; /* forward branches to this frame's end */
    bool has_else_patch;
    patch else_patch;
    bool unreachable;
    uint32_t fuel_cell;  /* loop/function: the cost cell of its `fuel` */
    uint32_t fuel_count; /* instructions charged to it so far */
    uint32_t outer_fuel; /* frame whose count resumes after this loop */
} cframe;

typedef struct compiler {
    const veil_wasm_module *m;
    const veil_wasm_functype *ft;
    const int32_t *h;
    uint32_t *code;
    uint32_t len, cap;
    ventry *vs;
    uint32_t vcount, vcap;
    cframe *cs;
    uint32_t ccount, ccap;
    patch *patches;
    uint32_t patch_count, patch_cap;
    uint32_t *local_slot;
    veil_wasm_valtype *local_type;
    uint32_t nlocals;
    uint32_t locals_end;
    uint32_t max_slot;
    uint32_t fuel_frame; /* index in cs of the frame being charged */
    veil_error *err;
    struct {
        bool valid;
        uint32_t start;
        uint32_t dst_cell; /* 0: none */
        uint32_t vcount;   /* stack depth right after it */
        uint16_t wasm_op;
        bool ri;
        uint32_t a, b; /* operand slots (b unused for ri) */
        uint64_t imm;
    } last;
} compiler;

/* ---- growable arrays ---- */

static bool grow(compiler *c, void **array, uint32_t *cap, uint32_t need, size_t size) {
    if (need <= *cap)
        return true;
    uint32_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > UINT32_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    void *p = realloc(*array, (size_t)ncap * size);
    if (p == NULL) {
        if (c->err == NULL)
            c->err = veil_error_new(VEIL_ENOMEM, "out of memory compiling");
        return false;
    }
    *array = p;
    *cap = ncap;
    return true;
}

static void emit(compiler *c, uint32_t cell) {
    if (!grow(c, (void **)&c->code, &c->cap, c->len + 1, sizeof(uint32_t)))
        return;
    c->code[c->len++] = cell;
}

static uint32_t emit_op(compiler *c, veil_iop op) {
    c->last.valid = false;
    uint32_t at = c->len;
    emit(c, (uint32_t)c->h[op]);
    return at;
}

static void emit64(compiler *c, uint64_t v) {
    emit(c, (uint32_t)v);
    emit(c, (uint32_t)(v >> 32));
}

/* ---- virtual stack ---- */

static uint32_t next_slot(const compiler *c) {
    if (c->vcount == 0)
        return c->locals_end;
    const ventry *top = &c->vs[c->vcount - 1];
    return top->slot + veil_wasm_valtype_slots(top->type);
}

static ventry *push(compiler *c, veil_wasm_valtype type, uint8_t kind) {
    static ventry dummy;
    if (!grow(c, (void **)&c->vs, &c->vcap, c->vcount + 1, sizeof(ventry)))
        return &dummy;
    uint32_t slot = next_slot(c);
    ventry *e = &c->vs[c->vcount++];
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->kind = kind;
    e->slot = slot;
    uint32_t end = slot + veil_wasm_valtype_slots(type);
    if (end > c->max_slot)
        c->max_slot = end;
    return e;
}

static ventry pop(compiler *c) {
    /* Validation guarantees the stack is deep enough in reachable code. */
    if (c->vcount == 0) {
        if (c->err == NULL)
            c->err = veil_error_new(VEIL_EINTERNAL, "compiler operand stack underflow");
        ventry none = {.type = VEIL_WASM_I32, .slot = c->locals_end};
        return none;
    }
    return c->vs[--c->vcount];
}

static void emit_const_to(compiler *c, const ventry *e, uint32_t slot) {
    if (e->type == VEIL_WASM_V128) {
        emit_op(c, VEIL_IOP_const128);
        emit(c, slot);
        emit64(c, e->c[0]);
        emit64(c, e->c[1]);
    } else if (e->c[0] <= UINT32_MAX) {
        emit_op(c, VEIL_IOP_const32);
        emit(c, slot);
        emit(c, (uint32_t)e->c[0]);
    } else {
        emit_op(c, VEIL_IOP_const64);
        emit(c, slot);
        emit64(c, e->c[0]);
    }
}

static void emit_copy(compiler *c, veil_wasm_valtype type, uint32_t dst, uint32_t src) {
    if (dst == src)
        return;
    emit_op(c, type == VEIL_WASM_V128 ? VEIL_IOP_copy128 : VEIL_IOP_copy);
    emit(c, dst);
    emit(c, src);
}

/* Writes an entry's value into `slot` without changing the entry. */
static void emit_move_to(compiler *c, const ventry *e, uint32_t slot) {
    if (e->kind == E_CONST)
        emit_const_to(c, e, slot);
    else
        emit_copy(c, e->type, slot, e->kind == E_LOCAL ? e->src : e->slot);
}

static void materialize(compiler *c, ventry *e) {
    if (e->kind == E_TEMP)
        return;
    emit_move_to(c, e, e->slot);
    e->kind = E_TEMP;
}

static void materialize_all(compiler *c) {
    for (uint32_t i = 0; i < c->vcount; i++)
        materialize(c, &c->vs[i]);
}

/* The slot an instruction reads an operand from (constants are written to
 * their canonical slot first). */
static uint32_t src_of(compiler *c, ventry *e) {
    if (e->kind == E_LOCAL)
        return e->src;
    materialize(c, e);
    return e->slot;
}

/* Before local `slot` is written: copy out entries still reading it. */
static bool reads_local(const compiler *c, uint32_t below, uint32_t slot) {
    for (uint32_t i = 0; i < below; i++)
        if (c->vs[i].kind == E_LOCAL && c->vs[i].src == slot)
            return true;
    return false;
}

static void preserve_local(compiler *c, uint32_t below, uint32_t slot) {
    for (uint32_t i = 0; i < below; i++)
        if (c->vs[i].kind == E_LOCAL && c->vs[i].src == slot)
            materialize(c, &c->vs[i]);
}

/* Records that the instruction at `start` wrote its single result to the
 * slot in cell dst_cell (the entry now on top of the stack). */
static void set_last(compiler *c, uint32_t start, uint32_t dst_cell, uint16_t wasm_op) {
    c->last.valid = true;
    c->last.start = start;
    c->last.dst_cell = dst_cell;
    c->last.vcount = c->vcount;
    c->last.wasm_op = wasm_op;
    c->last.ri = false;
}

/* True when the top entry is the result the last instruction just wrote. */
static bool top_is_last_result(const compiler *c) {
    if (!c->last.valid || c->last.dst_cell == 0 || c->vcount != c->last.vcount)
        return false;
    const ventry *top = &c->vs[c->vcount - 1];
    return top->kind == E_TEMP && c->code[c->last.dst_cell] == top->slot;
}

/* ---- labels and branches ---- */

static void add_patch(compiler *c, cframe *f, uint32_t cell, uint32_t instr) {
    if (!grow(c, (void **)&c->patches, &c->patch_cap, c->patch_count + 1, sizeof(patch)))
        return;
    c->patches[c->patch_count] = (patch){cell, instr, f->patches};
    f->patches = (int32_t)c->patch_count++;
}

static void bind_patches(compiler *c, cframe *f) {
    for (int32_t p = f->patches; p >= 0; p = c->patches[p].next)
        c->code[c->patches[p].cell] = c->len - c->patches[p].instr;
    f->patches = -1;
    c->last.valid = false;
}

/* Points a branch's offset cell at label `f` (backwards for loops). */
static void target_label(compiler *c, cframe *f, uint32_t instr, uint32_t cell) {
    if (f->op == VEIL_OP_loop)
        c->code[cell] = (uint32_t)((int64_t)f->loop_pc - (int64_t)instr);
    else
        add_patch(c, f, cell, instr);
}

static void label_types(const cframe *f, const veil_wasm_valtype **types, uint32_t *n) {
    if (f->op == VEIL_OP_loop) {
        *types = f->params;
        *n = f->nparams;
    } else {
        *types = f->results;
        *n = f->nresults;
    }
}

/* Whether branching to f needs value moves, and emitting them. */
static bool needs_moves(const compiler *c, const cframe *f, uint32_t n) {
    uint32_t slot = f->base_slot;
    for (uint32_t i = c->vcount - n; i < c->vcount; i++) {
        const ventry *e = &c->vs[i];
        if (e->kind != E_TEMP || e->slot != slot)
            return true;
        slot += veil_wasm_valtype_slots(e->type);
    }
    return false;
}

static void emit_moves(compiler *c, const cframe *f, uint32_t n) {
    uint32_t slot = f->base_slot;
    for (uint32_t i = c->vcount - n; i < c->vcount; i++) {
        const ventry *e = &c->vs[i];
        emit_move_to(c, e, slot);
        slot += veil_wasm_valtype_slots(e->type);
    }
}

static void emit_return(compiler *c) {
    uint32_t n = c->ft->result_count;
    if (n == 0) {
        emit_op(c, VEIL_IOP_ret);
        return;
    }
    if (n == 1) {
        ventry *e = &c->vs[c->vcount - 1];
        uint32_t s = src_of(c, e);
        emit_op(c, e->type == VEIL_WASM_V128 ? VEIL_IOP_ret2 : VEIL_IOP_ret1);
        emit(c, s);
        return;
    }
    for (uint32_t i = c->vcount - n; i < c->vcount; i++)
        materialize(c, &c->vs[i]);
    uint32_t first = c->vs[c->vcount - n].slot;
    uint32_t slots = next_slot(c) - first;
    emit_op(c, VEIL_IOP_retn);
    emit(c, first);
    emit(c, slots);
}

/* Unconditional branch to label depth `l` (the values are on top). */
static void emit_br(compiler *c, uint32_t l) {
    cframe *f = &c->cs[c->ccount - 1 - l];
    if (f == &c->cs[0]) {
        emit_return(c);
        return;
    }
    const veil_wasm_valtype *types;
    uint32_t n;
    label_types(f, &types, &n);
    emit_moves(c, f, n);
    uint32_t at = emit_op(c, VEIL_IOP_br);
    emit(c, 0);
    target_label(c, f, at, at + 1);
}

typedef struct cond_branch {
    uint32_t instr;
    uint32_t cell;
} cond_branch;

/* Fused compare-and-branch tables (interp.h). */
typedef struct brcmp_info {
    uint16_t wasm_op;
    veil_iop rr, ri;
    uint16_t negated;
    uint8_t bits;
} brcmp_info;

static const brcmp_info brcmps[] = {
#define BRCMP_ROW(id, bits_, neg)                                                                  \
    {VEIL_OP_##id, VEIL_IOP_brif_##id, VEIL_IOP_brif_ri_##id, VEIL_OP_##neg, bits_},
    VEIL_IOPS_BRCMP(BRCMP_ROW)
#undef BRCMP_ROW
};

static const brcmp_info *find_brcmp(uint16_t wasm_op) {
    for (size_t i = 0; i < sizeof(brcmps) / sizeof(brcmps[0]); i++)
        if (brcmps[i].wasm_op == wasm_op)
            return &brcmps[i];
    return NULL;
}

/* Emits a branch taken when `cond` is true (or false when `negate`), fusing
 * it with the comparison that produced cond when that was the last
 * instruction.  The offset cell is left for the caller to fill. */
static cond_branch emit_cond_branch(compiler *c, ventry *cond, bool negate) {
    cond_branch b;
    bool fuse = c->last.valid && c->last.dst_cell != 0 && c->last.vcount == c->vcount + 1 &&
                cond->kind == E_TEMP && c->code[c->last.dst_cell] == cond->slot;
    if (fuse && c->last.wasm_op == VEIL_OP_i32_eqz) {
        uint32_t a = c->last.a;
        c->len = c->last.start;
        b.instr = emit_op(c, negate ? VEIL_IOP_br_if : VEIL_IOP_br_unless);
        emit(c, a);
        b.cell = c->len;
        emit(c, 0);
        return b;
    }
    const brcmp_info *info = fuse ? find_brcmp(c->last.wasm_op) : NULL;
    if (info != NULL) {
        if (negate)
            info = find_brcmp(info->negated);
        bool ri = c->last.ri;
        uint32_t a = c->last.a, bslot = c->last.b;
        uint64_t imm = c->last.imm;
        c->len = c->last.start;
        b.instr = emit_op(c, ri ? info->ri : info->rr);
        emit(c, a);
        if (!ri)
            emit(c, bslot);
        else if (info->bits == 32)
            emit(c, (uint32_t)imm);
        else
            emit64(c, imm);
        b.cell = c->len;
        emit(c, 0);
        return b;
    }
    uint32_t s = src_of(c, cond);
    b.instr = emit_op(c, negate ? VEIL_IOP_br_unless : VEIL_IOP_br_if);
    emit(c, s);
    b.cell = c->len;
    emit(c, 0);
    return b;
}

static void compile_br_if(compiler *c, uint32_t l) {
    ventry cond = pop(c);
    cframe *f = &c->cs[c->ccount - 1 - l];
    const veil_wasm_valtype *types;
    uint32_t n;
    if (f == &c->cs[0]) {
        types = c->ft->results;
        n = c->ft->result_count;
    } else {
        label_types(f, &types, &n);
    }
    bool is_return = f == &c->cs[0];
    if (!is_return && !needs_moves(c, f, n)) {
        cond_branch b = emit_cond_branch(c, &cond, false);
        target_label(c, f, b.instr, b.cell);
        return;
    }
    /* Skip over the moves and the branch when the condition is false.  A
     * constant condition is materialised first so the moves below see the
     * same stack state on both paths. */
    cond_branch skip = emit_cond_branch(c, &cond, true);
    if (is_return) {
        /* emit_return may materialise entries: do it on a copy. */
        uint32_t saved = c->vcount;
        ventry *copy = malloc((size_t)(n ? n : 1) * sizeof(ventry));
        if (copy == NULL) {
            if (c->err == NULL)
                c->err = veil_error_new(VEIL_ENOMEM, "out of memory compiling");
            return;
        }
        memcpy(copy, &c->vs[c->vcount - n], n * sizeof(ventry));
        emit_return(c);
        memcpy(&c->vs[saved - n], copy, n * sizeof(ventry));
        free(copy);
    } else {
        emit_moves(c, f, n);
        uint32_t at = emit_op(c, VEIL_IOP_br);
        emit(c, 0);
        target_label(c, f, at, at + 1);
    }
    c->code[skip.cell] = c->len - skip.instr;
    c->last.valid = false;
}

static void compile_br_table(compiler *c, veil_wasm_instr *in) {
    ventry idx = pop(c);
    uint32_t s = src_of(c, &idx);
    uint32_t count = in->count;
    uint32_t at = emit_op(c, VEIL_IOP_br_table);
    emit(c, s);
    emit(c, count);
    uint32_t first_cell = c->len;
    for (uint32_t i = 0; i <= count; i++)
        emit(c, 0);
    for (uint32_t i = 0; i <= count && c->err == NULL; i++) {
        uint32_t l = i < count ? veil_wasm_next_target(in) : in->a;
        cframe *f = &c->cs[c->ccount - 1 - l];
        uint32_t cell = first_cell + i;
        const veil_wasm_valtype *types;
        uint32_t n;
        if (f == &c->cs[0]) {
            /* A br_table target that leaves the function: a small return sequence
             * (emit_return may materialise values, so save the stack state). */
            n = c->ft->result_count;
            c->code[cell] = c->len - at;
            ventry *copy = malloc((size_t)(n ? n : 1) * sizeof(ventry));
            if (copy == NULL) {
                c->err = veil_error_new(VEIL_ENOMEM, "out of memory compiling");
                return;
            }
            memcpy(copy, &c->vs[c->vcount - n], n * sizeof(ventry));
            emit_return(c);
            memcpy(&c->vs[c->vcount - n], copy, n * sizeof(ventry));
            free(copy);
            continue;
        }
        label_types(f, &types, &n);
        if (!needs_moves(c, f, n)) {
            target_label(c, f, at, cell);
            continue;
        }
        c->code[cell] = c->len - at;
        emit_moves(c, f, n);
        uint32_t br = emit_op(c, VEIL_IOP_br);
        emit(c, 0);
        target_label(c, f, br, br + 1);
    }
}

/* ---- blocks ---- */

static void block_types(compiler *c, const veil_wasm_instr *in, const veil_wasm_valtype **params,
                        uint32_t *nparams, const veil_wasm_valtype **results, uint32_t *nresults) {
    static const veil_wasm_valtype singles[] = {
        VEIL_WASM_I32,  VEIL_WASM_I64,     VEIL_WASM_F32,       VEIL_WASM_F64,
        VEIL_WASM_V128, VEIL_WASM_FUNCREF, VEIL_WASM_EXTERNREF,
    };
    *params = *results = NULL;
    *nparams = *nresults = 0;
    if (in->bt_kind == VEIL_BLOCKTYPE_VALUE) {
        for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
            if (singles[i] == in->bt_value)
                *results = &singles[i];
        *nresults = 1;
    } else if (in->bt_kind == VEIL_BLOCKTYPE_INDEX) {
        const veil_wasm_functype *t = &c->m->types[in->bt_index];
        *params = t->params;
        *nparams = t->param_count;
        *results = t->results;
        *nresults = t->result_count;
    }
}

static cframe *push_frame(compiler *c, uint16_t op, const veil_wasm_valtype *params,
                          uint32_t nparams, const veil_wasm_valtype *results, uint32_t nresults) {
    static cframe dummy;
    if (!grow(c, (void **)&c->cs, &c->ccap, c->ccount + 1, sizeof(cframe)))
        return &dummy;
    cframe *f = &c->cs[c->ccount++];
    memset(f, 0, sizeof(*f));
    f->op = op;
    f->height = c->vcount - nparams;
    f->base_slot = nparams ? c->vs[c->vcount - nparams].slot : next_slot(c);
    f->params = params;
    f->nparams = nparams;
    f->results = results;
    f->nresults = nresults;
    f->patches = -1;
    return f;
}

/* Replaces the stack above the frame's base with `n` TEMP entries. */
static void reset_stack(compiler *c, cframe *f, const veil_wasm_valtype *types, uint32_t n) {
    c->vcount = f->height;
    for (uint32_t i = 0; i < n; i++)
        push(c, types[i], E_TEMP);
}

static void compile_block(compiler *c, const veil_wasm_instr *in) {
    const veil_wasm_valtype *params, *results;
    uint32_t np, nr;
    block_types(c, in, &params, &np, &results, &nr);
    if (in->op == VEIL_OP_if) {
        ventry cond = pop(c);
        bool lazy = false;
        for (uint32_t i = 0; i < c->vcount; i++)
            lazy |= c->vs[i].kind != E_TEMP;
        /* Materialise before branching (this loses compare fusion, which
         * is rare: compilers leave the stack empty at block boundaries).
         * cond was popped, so its slot is not overwritten. */
        if (lazy)
            materialize_all(c);
        cond_branch b = emit_cond_branch(c, &cond, true);
        cframe *f = push_frame(c, VEIL_OP_if, params, np, results, nr);
        f->has_else_patch = true;
        f->else_patch = (patch){b.cell, b.instr, -1};
        return;
    }
    materialize_all(c);
    cframe *f = push_frame(c, in->op, params, np, results, nr);
    if (in->op == VEIL_OP_loop) {
        f->loop_pc = emit_op(c, VEIL_IOP_fuel);
        f->fuel_cell = c->len;
        emit(c, 0);
        f->outer_fuel = c->fuel_frame;
        c->fuel_frame = c->ccount - 1;
    }
}

/* Moves the block's results into its canonical result slots. */
static void settle_results(compiler *c, cframe *f) {
    if (needs_moves(c, f, f->nresults))
        emit_moves(c, f, f->nresults);
}

static void compile_else(compiler *c) {
    cframe *f = &c->cs[c->ccount - 1];
    if (!f->unreachable) {
        settle_results(c, f);
        uint32_t at = emit_op(c, VEIL_IOP_br);
        emit(c, 0);
        add_patch(c, f, at + 1, at);
    }
    c->code[f->else_patch.cell] = c->len - f->else_patch.instr;
    f->has_else_patch = false;
    c->last.valid = false;
    reset_stack(c, f, f->params, f->nparams);
    f->op = VEIL_OP_else;
    f->unreachable = false;
}

static void compile_end(compiler *c) {
    cframe *f = &c->cs[c->ccount - 1];
    if (f == &c->cs[0]) {
        if (!f->unreachable)
            emit_return(c);
        c->code[f->fuel_cell] = f->fuel_count;
        c->ccount--;
        return;
    }
    if (!f->unreachable)
        settle_results(c, f);
    if (f->has_else_patch) {
        /* if without else: the false path leaves the params, which have the
         * result types, in the result slots already. */
        c->code[f->else_patch.cell] = c->len - f->else_patch.instr;
    }
    bind_patches(c, f);
    if (f->op == VEIL_OP_loop) {
        c->code[f->fuel_cell] = f->fuel_count;
        c->fuel_frame = f->outer_fuel;
    }
    c->last.valid = false;
    reset_stack(c, f, f->results, f->nresults);
    c->ccount--;
}

static void set_unreachable(compiler *c) {
    cframe *f = &c->cs[c->ccount - 1];
    c->vcount = f->height;
    f->unreachable = true;
}

/* ---- operators ---- */

typedef struct ri_info {
    uint16_t wasm_op;
    veil_iop op;
    uint8_t bits;
    bool commutative;
} ri_info;

static const ri_info ris[] = {
#define RI_ROW(id, bits_) {VEIL_OP_##id, VEIL_IOP_ri_##id, bits_, false},
    VEIL_IOPS_RI(RI_ROW)
#undef RI_ROW
};

static const ri_info *find_ri(uint16_t wasm_op) {
    for (size_t i = 0; i < sizeof(ris) / sizeof(ris[0]); i++)
        if (ris[i].wasm_op == wasm_op)
            return &ris[i];
    return NULL;
}

static bool commutative(uint16_t op) {
    switch (op) {
    case VEIL_OP_i32_add:
    case VEIL_OP_i32_mul:
    case VEIL_OP_i32_and:
    case VEIL_OP_i32_or:
    case VEIL_OP_i32_xor:
    case VEIL_OP_i32_eq:
    case VEIL_OP_i32_ne:
    case VEIL_OP_i64_add:
    case VEIL_OP_i64_mul:
    case VEIL_OP_i64_and:
    case VEIL_OP_i64_or:
    case VEIL_OP_i64_xor:
    case VEIL_OP_i64_eq:
    case VEIL_OP_i64_ne:
        return true;
    default:
        return false;
    }
}

static veil_iop wasm_iop(uint16_t wasm_op) {
    static const veil_iop map[VEIL_WASM_OPCODE_LIMIT] = {
#define MAP_ROW(id, code, text, imm, cls, p0, p1, p2, r, size) [code] = VEIL_IOP_w_##id,
        VEIL_WASM_OPCODES(MAP_ROW)
#undef MAP_ROW
    };
    return map[wasm_op];
}

static uint32_t param_count(const veil_wasm_opinfo *info) {
    uint32_t n = 0;
    while (n < 3 && info->params[n] != 0)
        n++;
    return n;
}

/* PURE, TRAP, BITS, LOAD, STORE, LANE operators and the SIMD lane
 * loads/stores: operands popped, result pushed, immediates appended. */
static void compile_operator(compiler *c, const veil_wasm_instr *in, const veil_wasm_opinfo *info) {
    uint32_t n = param_count(info);
    ventry ops[3];
    for (uint32_t i = n; i-- > 0;)
        ops[i] = pop(c);
    if (n == 2 && info->cls == VEIL_CLASS_PURE) {
        const ri_info *ri = find_ri(in->op);
        /* x op k with k constant: the "ri" form (k op x too when op commutes). */
        int operand = -1;
        if (ri != NULL && ops[1].kind == E_CONST)
            operand = 0;
        else if (ri != NULL && ops[0].kind == E_CONST && commutative(in->op))
            operand = 1;
        if (operand >= 0) {
            ventry *x = &ops[operand];
            const ventry *k = &ops[1 - operand];
            uint32_t a = src_of(c, x);
            uint32_t start = emit_op(c, ri->op);
            emit(c, ops[0].slot);
            emit(c, a);
            if (ri->bits == 32)
                emit(c, (uint32_t)k->c[0]);
            else
                emit64(c, k->c[0]);
            push(c, (veil_wasm_valtype)info->result, E_TEMP);
            set_last(c, start, start + 1, in->op);
            c->last.ri = true;
            c->last.a = a;
            c->last.imm = k->c[0];
            return;
        }
    }
    uint32_t srcs[3];
    for (uint32_t i = 0; i < n; i++)
        srcs[i] = src_of(c, &ops[i]);
    uint32_t start = emit_op(c, wasm_iop(in->op));
    bool has_result = info->result != 0;
    uint32_t dst_cell = 0;
    if (has_result) {
        dst_cell = c->len;
        emit(c, n > 0 ? ops[0].slot : next_slot(c));
    }
    for (uint32_t i = 0; i < n; i++)
        emit(c, srcs[i]);
    switch ((veil_wasm_class)info->cls) {
    case VEIL_CLASS_LOAD:
    case VEIL_CLASS_STORE:
        emit(c, in->mem_offset);
        break;
    case VEIL_CLASS_LANE:
        emit(c, in->a);
        break;
    case VEIL_CLASS_SPECIAL: /* v128.load/store*_lane */
        emit(c, in->mem_offset);
        emit(c, in->b);
        break;
    default:
        break;
    }
    if (has_result) {
        push(c, (veil_wasm_valtype)info->result, E_TEMP);
        set_last(c, start, dst_cell, in->op);
        if (n == 2) {
            c->last.a = srcs[0];
            c->last.b = srcs[1];
        } else if (n == 1) {
            c->last.a = srcs[0];
        }
    }
}

static void compile_local_set(compiler *c, uint32_t index, bool tee) {
    uint32_t slot = c->local_slot[index];
    veil_wasm_valtype type = c->local_type[index];
    bool others = reads_local(c, c->vcount - 1, slot);
    if (!others && top_is_last_result(c)) {
        /* Retarget the producing instruction to write the local. */
        c->code[c->last.dst_cell] = slot;
        c->last.valid = false;
        pop(c);
    } else {
        preserve_local(c, c->vcount - 1, slot);
        ventry v = pop(c);
        if (!(v.kind == E_LOCAL && v.src == slot))
            emit_move_to(c, &v, slot);
    }
    if (tee) {
        ventry *e = push(c, type, E_LOCAL);
        e->src = slot;
    }
}

static void compile_call(compiler *c, uint32_t func_index, const veil_wasm_functype *ft,
                         bool indirect, uint32_t table, uint32_t type_index) {
    /* The table index sits above the arguments; the handler reads it before
     * the callee's frame (which starts at the first argument) is built. */
    uint32_t idx_src = 0;
    if (indirect) {
        ventry idx = pop(c);
        idx_src = src_of(c, &idx);
    }
    for (uint32_t i = c->vcount - ft->param_count; i < c->vcount; i++)
        materialize(c, &c->vs[i]);
    uint32_t frame = ft->param_count ? c->vs[c->vcount - ft->param_count].slot : next_slot(c);
    c->vcount -= ft->param_count;
    if (indirect) {
        emit_op(c, VEIL_IOP_call_indirect);
        emit(c, table);
        emit(c, type_index);
        emit(c, frame);
        emit(c, idx_src);
    } else {
        emit_op(c, VEIL_IOP_call);
        emit(c, func_index);
        emit(c, frame);
    }
    for (uint32_t i = 0; i < ft->result_count; i++)
        push(c, ft->results[i], E_TEMP);
}

static void compile_instr(compiler *c, veil_wasm_instr *in) {
    const veil_wasm_module *m = c->m;
    const veil_wasm_opinfo *info = veil_wasm_opinfo_of(in->op);
    c->cs[c->fuel_frame].fuel_count++;
    if (info->cls != VEIL_CLASS_SPECIAL) {
        compile_operator(c, in, info);
        return;
    }
    switch ((veil_wasm_opcode)in->op) {
    case VEIL_OP_unreachable:
        emit_op(c, VEIL_IOP_trap_unreachable);
        set_unreachable(c);
        return;
    case VEIL_OP_nop:
        return;
    case VEIL_OP_block:
    case VEIL_OP_loop:
    case VEIL_OP_if:
        compile_block(c, in);
        return;
    case VEIL_OP_else:
        compile_else(c);
        return;
    case VEIL_OP_end:
        compile_end(c);
        return;
    case VEIL_OP_br:
        emit_br(c, in->a);
        set_unreachable(c);
        return;
    case VEIL_OP_br_if:
        compile_br_if(c, in->a);
        return;
    case VEIL_OP_br_table:
        compile_br_table(c, in);
        set_unreachable(c);
        return;
    case VEIL_OP_return:
        emit_return(c);
        set_unreachable(c);
        return;
    case VEIL_OP_call:
        compile_call(c, in->a, veil_wasm_module_func_type(m, in->a), false, 0, 0);
        return;
    case VEIL_OP_call_indirect:
        compile_call(c, 0, &m->types[in->a], true, in->b, in->a);
        return;
    case VEIL_OP_drop:
        pop(c);
        return;
    case VEIL_OP_select:
    case VEIL_OP_select_t: {
        ventry cond = pop(c);
        ventry b = pop(c);
        ventry a = pop(c);
        uint32_t sc = src_of(c, &cond), sb = src_of(c, &b), sa = src_of(c, &a);
        uint32_t start =
            emit_op(c, a.type == VEIL_WASM_V128 ? VEIL_IOP_select128 : VEIL_IOP_select);
        emit(c, a.slot);
        emit(c, sa);
        emit(c, sb);
        emit(c, sc);
        push(c, a.type, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_local_get: {
        ventry *e = push(c, c->local_type[in->a], E_LOCAL);
        e->src = c->local_slot[in->a];
        return;
    }
    case VEIL_OP_local_set:
        compile_local_set(c, in->a, false);
        return;
    case VEIL_OP_local_tee:
        compile_local_set(c, in->a, true);
        return;
    case VEIL_OP_global_get: {
        veil_wasm_valtype t = m->globals[in->a].type;
        uint32_t start =
            emit_op(c, t == VEIL_WASM_V128 ? VEIL_IOP_global_get128 : VEIL_IOP_global_get);
        emit(c, next_slot(c));
        emit(c, in->a);
        push(c, t, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_global_set: {
        ventry v = pop(c);
        uint32_t s = src_of(c, &v);
        emit_op(c, v.type == VEIL_WASM_V128 ? VEIL_IOP_global_set128 : VEIL_IOP_global_set);
        emit(c, s);
        emit(c, in->a);
        return;
    }
    case VEIL_OP_table_get: {
        ventry i = pop(c);
        uint32_t si = src_of(c, &i);
        uint32_t start = emit_op(c, VEIL_IOP_table_get);
        emit(c, i.slot);
        emit(c, si);
        emit(c, in->a);
        push(c, m->tables[in->a].elem_type, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_table_set: {
        ventry v = pop(c);
        ventry i = pop(c);
        uint32_t sv = src_of(c, &v), si = src_of(c, &i);
        emit_op(c, VEIL_IOP_table_set);
        emit(c, si);
        emit(c, sv);
        emit(c, in->a);
        return;
    }
    case VEIL_OP_memory_size: {
        uint32_t start = emit_op(c, VEIL_IOP_memory_size);
        emit(c, next_slot(c));
        push(c, VEIL_WASM_I32, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_memory_grow: {
        ventry n = pop(c);
        uint32_t sn = src_of(c, &n);
        uint32_t start = emit_op(c, VEIL_IOP_memory_grow);
        emit(c, n.slot);
        emit(c, sn);
        push(c, VEIL_WASM_I32, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_i32_const:
    case VEIL_OP_i64_const:
    case VEIL_OP_f32_const:
    case VEIL_OP_f64_const: {
        static const veil_wasm_valtype types[] = {VEIL_WASM_I32, VEIL_WASM_I64, VEIL_WASM_F32,
                                                  VEIL_WASM_F64};
        ventry *e = push(c, types[in->op - VEIL_OP_i32_const], E_CONST);
        e->c[0] = in->bits;
        return;
    }
    case VEIL_OP_v128_const: {
        ventry *e = push(c, VEIL_WASM_V128, E_CONST);
        memcpy(e->c, in->v128, 16);
        return;
    }
    case VEIL_OP_ref_null: {
        ventry *e = push(c, in->type, E_CONST);
        e->c[0] = 0;
        return;
    }
    case VEIL_OP_ref_is_null: {
        ventry v = pop(c);
        uint32_t s = src_of(c, &v);
        uint32_t start = emit_op(c, VEIL_IOP_ref_is_null);
        emit(c, v.slot);
        emit(c, s);
        push(c, VEIL_WASM_I32, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_ref_func: {
        uint32_t start = emit_op(c, VEIL_IOP_ref_func);
        emit(c, next_slot(c));
        emit(c, in->a);
        push(c, VEIL_WASM_FUNCREF, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_memory_init:
    case VEIL_OP_memory_copy:
    case VEIL_OP_memory_fill:
    case VEIL_OP_table_init:
    case VEIL_OP_table_copy:
    case VEIL_OP_table_fill: {
        ventry n = pop(c);
        ventry b = pop(c);
        ventry a = pop(c);
        uint32_t sa = src_of(c, &a), sb = src_of(c, &b), sn = src_of(c, &n);
        switch ((veil_wasm_opcode)in->op) {
        case VEIL_OP_memory_init:
            emit_op(c, VEIL_IOP_memory_init);
            emit(c, in->a);
            break;
        case VEIL_OP_memory_copy:
            emit_op(c, VEIL_IOP_memory_copy);
            break;
        case VEIL_OP_memory_fill:
            emit_op(c, VEIL_IOP_memory_fill);
            break;
        case VEIL_OP_table_init:
            emit_op(c, VEIL_IOP_table_init);
            emit(c, in->a);
            emit(c, in->b);
            break;
        case VEIL_OP_table_copy:
            emit_op(c, VEIL_IOP_table_copy);
            emit(c, in->a);
            emit(c, in->b);
            break;
        default:
            emit_op(c, VEIL_IOP_table_fill);
            emit(c, in->a);
            break;
        }
        emit(c, sa);
        emit(c, sb);
        emit(c, sn);
        return;
    }
    case VEIL_OP_data_drop:
        emit_op(c, VEIL_IOP_data_drop);
        emit(c, in->a);
        return;
    case VEIL_OP_elem_drop:
        emit_op(c, VEIL_IOP_elem_drop);
        emit(c, in->a);
        return;
    case VEIL_OP_table_grow: {
        ventry n = pop(c);
        ventry init = pop(c);
        uint32_t si = src_of(c, &init), sn = src_of(c, &n);
        uint32_t start = emit_op(c, VEIL_IOP_table_grow);
        emit(c, init.slot);
        emit(c, si);
        emit(c, sn);
        emit(c, in->a);
        push(c, VEIL_WASM_I32, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_table_size: {
        uint32_t start = emit_op(c, VEIL_IOP_table_size);
        emit(c, next_slot(c));
        emit(c, in->a);
        push(c, VEIL_WASM_I32, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_i8x16_shuffle: {
        ventry b = pop(c);
        ventry a = pop(c);
        uint32_t sa = src_of(c, &a), sb = src_of(c, &b);
        uint32_t start = emit_op(c, VEIL_IOP_w_i8x16_shuffle);
        emit(c, a.slot);
        emit(c, sa);
        emit(c, sb);
        for (int i = 0; i < 16; i += 4)
            emit(c, (uint32_t)in->v128[i] | (uint32_t)in->v128[i + 1] << 8 |
                        (uint32_t)in->v128[i + 2] << 16 | (uint32_t)in->v128[i + 3] << 24);
        push(c, VEIL_WASM_V128, E_TEMP);
        set_last(c, start, start + 1, in->op);
        return;
    }
    case VEIL_OP_v128_load8_lane:
    case VEIL_OP_v128_load16_lane:
    case VEIL_OP_v128_load32_lane:
    case VEIL_OP_v128_load64_lane:
    case VEIL_OP_v128_store8_lane:
    case VEIL_OP_v128_store16_lane:
    case VEIL_OP_v128_store32_lane:
    case VEIL_OP_v128_store64_lane:
        compile_operator(c, in, info);
        return;
    default:
        break;
    }
    if (c->err == NULL)
        c->err = veil_error_new(VEIL_EINTERNAL, "compiler: unhandled instruction %s", info->name);
}

/* Skips unreachable code up to the else/end that closes the current frame. */
static veil_error *skip_unreachable(veil_reader *r, veil_wasm_instr *in) {
    uint32_t depth = 0;
    for (;;) {
        VEIL_TRY(veil_wasm_read_instr(r, in));
        switch (in->op) {
        case VEIL_OP_block:
        case VEIL_OP_loop:
        case VEIL_OP_if:
            depth++;
            break;
        case VEIL_OP_else:
            if (depth == 0)
                return NULL;
            break;
        case VEIL_OP_end:
            if (depth == 0)
                return NULL;
            depth--;
            break;
        default:
            break;
        }
    }
}

static veil_error *compile_function(const veil_wasm_module *m, uint32_t def_index,
                                    veil_interp_code **out) {
    const veil_wasm_func_def *fd = &m->funcs[def_index];
    compiler c;
    memset(&c, 0, sizeof(c));
    c.m = m;
    c.ft = &m->types[fd->type_index];
    c.h = veil_interp_handlers();
    c.nlocals = c.ft->param_count + fd->local_count;
    c.local_slot = malloc((c.nlocals + 1) * sizeof(uint32_t));
    c.local_type = malloc((c.nlocals + 1) * sizeof(veil_wasm_valtype));
    veil_interp_code *code = calloc(1, sizeof(*code));
    if (c.local_slot == NULL || c.local_type == NULL || code == NULL) {
        free(c.local_slot);
        free(c.local_type);
        free(code);
        return veil_error_new(VEIL_ENOMEM, "out of memory compiling function %u",
                              m->imported_func_count + def_index);
    }
    uint32_t slot = 0;
    for (uint32_t i = 0; i < c.nlocals; i++) {
        veil_wasm_valtype t =
            i < c.ft->param_count ? c.ft->params[i] : fd->local_types[i - c.ft->param_count];
        c.local_type[i] = t;
        c.local_slot[i] = slot;
        slot += veil_wasm_valtype_slots(t);
        if (i + 1 == c.ft->param_count)
            code->param_slots = slot;
    }
    c.locals_end = slot;
    c.max_slot = slot;
    code->local_slots = slot - code->param_slots;
    for (uint32_t i = 0; i < c.ft->result_count; i++)
        code->result_slots += veil_wasm_valtype_slots(c.ft->results[i]);
    code->func_index = m->imported_func_count + def_index;

    cframe *f = push_frame(&c, VEIL_OP_end, NULL, 0, c.ft->results, c.ft->result_count);
    emit_op(&c, VEIL_IOP_fuel);
    f->fuel_cell = c.len;
    emit(&c, 0);
    c.fuel_frame = 0;

    veil_reader r;
    veil_reader_init(&r, fd->body, fd->body_len, "code section");
    r.base = fd->body_offset;
    veil_error *err = NULL;
    while (err == NULL && c.err == NULL && c.ccount > 0) {
        veil_wasm_instr in;
        if (c.cs[c.ccount - 1].unreachable)
            err = skip_unreachable(&r, &in);
        else
            err = veil_wasm_read_instr(&r, &in);
        if (err == NULL)
            compile_instr(&c, &in);
    }
    if (err == NULL)
        err = c.err;
    free(c.vs);
    free(c.cs);
    free(c.patches);
    free(c.local_slot);
    free(c.local_type);
    if (err != NULL) {
        free(c.code);
        free(code);
        return veil_error_wrap(err, "compiling function %u", m->imported_func_count + def_index);
    }
    code->cells = c.code;
    code->cell_count = c.len;
    code->frame_slots = c.max_slot;
    *out = code;
    return NULL;
}

veil_error *veil_interp_compile_module(veil_wasm_module *m) {
    for (uint32_t i = 0; i < m->func_def_count; i++)
        VEIL_TRY(compile_function(m, i, &m->funcs[i].code));
    return NULL;
}

void veil_interp_code_free(veil_interp_code *code) {
    if (code == NULL)
        return;
    free(code->cells);
    free(code);
}

/*
 * The instruction reader (see instr.h) and the opcode information table
 * generated from opcodes.h.
 */
#include "instr.h"

#include <string.h>

enum {
    VEIL_WASM_T__ = 0,
    VEIL_WASM_T_I32 = VEIL_WASM_I32,
    VEIL_WASM_T_I64 = VEIL_WASM_I64,
    VEIL_WASM_T_F32 = VEIL_WASM_F32,
    VEIL_WASM_T_F64 = VEIL_WASM_F64,
    VEIL_WASM_T_V128 = VEIL_WASM_V128,
};

const veil_wasm_opinfo veil_wasm_opinfo_table[VEIL_WASM_OPCODE_LIMIT] = {
#define VEIL_WASM_OPINFO_ROW(id, code, text, imm, cls, p0, p1, p2, r, sz)                          \
    [code] = {text,                                                                                \
              VEIL_IMM_##imm,                                                                      \
              VEIL_CLASS_##cls,                                                                    \
              {VEIL_WASM_T_##p0, VEIL_WASM_T_##p1, VEIL_WASM_T_##p2},                              \
              VEIL_WASM_T_##r,                                                                     \
              sz},
    VEIL_WASM_OPCODES(VEIL_WASM_OPINFO_ROW)
#undef VEIL_WASM_OPINFO_ROW
};

veil_error *veil_wasm_read_valtype(veil_reader *r, veil_wasm_valtype *out) {
    uint8_t byte;
    VEIL_TRY(veil_reader_u8(r, &byte));
    switch (byte) {
    case VEIL_WASM_I32:
    case VEIL_WASM_I64:
    case VEIL_WASM_F32:
    case VEIL_WASM_F64:
    case VEIL_WASM_V128:
    case VEIL_WASM_FUNCREF:
    case VEIL_WASM_EXTERNREF:
        *out = (veil_wasm_valtype)byte;
        return NULL;
    default:
        r->pos--;
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed value type 0x%02x", byte);
    }
}

veil_error *veil_wasm_read_reftype(veil_reader *r, veil_wasm_valtype *out) {
    uint8_t byte;
    VEIL_TRY(veil_reader_u8(r, &byte));
    if (byte != VEIL_WASM_FUNCREF && byte != VEIL_WASM_EXTERNREF) {
        r->pos--;
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed reference type 0x%02x", byte);
    }
    *out = (veil_wasm_valtype)byte;
    return NULL;
}

/* The reserved memory index of 2.0 instructions: exactly one zero byte. */
static veil_error *read_zero_byte(veil_reader *r) {
    uint8_t byte;
    VEIL_TRY(veil_reader_u8(r, &byte));
    if (byte != 0) {
        r->pos--;
        return veil_reader_error(r, VEIL_EMALFORMED, "zero byte expected (memory index)");
    }
    return NULL;
}

static veil_error *read_blocktype(veil_reader *r, veil_wasm_instr *in) {
    uint8_t byte;
    VEIL_TRY(veil_reader_peek_u8(r, &byte));
    if (byte == 0x40) {
        r->pos++;
        in->bt_kind = VEIL_BLOCKTYPE_EMPTY;
        return NULL;
    }
    if (byte >= 0x40 && byte < 0x80) {
        /* One byte holding a negative s33: a value type (or malformed). */
        in->bt_kind = VEIL_BLOCKTYPE_VALUE;
        return veil_wasm_read_valtype(r, &in->bt_value);
    }
    int64_t index;
    VEIL_TRY(veil_reader_sleb33(r, &index));
    if (index < 0)
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed block type %lld", (long long)index);
    in->bt_kind = VEIL_BLOCKTYPE_INDEX;
    in->bt_index = (uint32_t)index;
    return NULL;
}

static veil_error *read_memarg(veil_reader *r, veil_wasm_instr *in) {
    VEIL_TRY(veil_reader_uleb32(r, &in->align_log2));
    return veil_reader_uleb32(r, &in->mem_offset);
}

static veil_error *read_immediates(veil_reader *r, veil_wasm_instr *in, veil_wasm_imm imm) {
    switch (imm) {
    case VEIL_IMM_NONE:
        return NULL;
    case VEIL_IMM_BLOCK:
        return read_blocktype(r, in);
    case VEIL_IMM_LABEL:
    case VEIL_IMM_FUNC:
    case VEIL_IMM_LOCAL:
    case VEIL_IMM_GLOBAL:
    case VEIL_IMM_TABLE:
    case VEIL_IMM_DATA:
    case VEIL_IMM_ELEM:
        return veil_reader_uleb32(r, &in->a);
    case VEIL_IMM_BR_TABLE: {
        VEIL_TRY(veil_reader_uleb32(r, &in->count));
        in->targets = *r;
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t label;
            VEIL_TRY(veil_reader_uleb32(r, &label));
        }
        return veil_reader_uleb32(r, &in->a);
    }
    case VEIL_IMM_CALL_INDIRECT:
        VEIL_TRY(veil_reader_uleb32(r, &in->a));
        return veil_reader_uleb32(r, &in->b);
    case VEIL_IMM_MEMARG:
        return read_memarg(r, in);
    case VEIL_IMM_MEMORY:
        in->a = 0;
        return read_zero_byte(r);
    case VEIL_IMM_I32: {
        int32_t v;
        VEIL_TRY(veil_reader_sleb32(r, &v));
        in->bits = (uint32_t)v;
        return NULL;
    }
    case VEIL_IMM_I64: {
        int64_t v;
        VEIL_TRY(veil_reader_sleb64(r, &v));
        in->bits = (uint64_t)v;
        return NULL;
    }
    case VEIL_IMM_F32: {
        uint32_t v;
        VEIL_TRY(veil_reader_u32le(r, &v));
        in->bits = v;
        return NULL;
    }
    case VEIL_IMM_F64:
        return veil_reader_u64le(r, &in->bits);
    case VEIL_IMM_SELECT_T:
        VEIL_TRY(veil_reader_uleb32(r, &in->count));
        for (uint32_t i = 0; i < in->count; i++) {
            veil_wasm_valtype t;
            VEIL_TRY(veil_wasm_read_valtype(r, &t));
            if (i == 0)
                in->type = t;
        }
        return NULL;
    case VEIL_IMM_REFTYPE:
        return veil_wasm_read_reftype(r, &in->type);
    case VEIL_IMM_MEMORY_INIT:
        VEIL_TRY(veil_reader_uleb32(r, &in->a));
        in->b = 0;
        return read_zero_byte(r);
    case VEIL_IMM_MEMORY_COPY:
        in->a = in->b = 0;
        VEIL_TRY(read_zero_byte(r));
        return read_zero_byte(r);
    case VEIL_IMM_TABLE_INIT:
    case VEIL_IMM_TABLE_COPY:
        VEIL_TRY(veil_reader_uleb32(r, &in->a));
        return veil_reader_uleb32(r, &in->b);
    case VEIL_IMM_V128:
    case VEIL_IMM_SHUFFLE:
        return veil_reader_copy(r, in->v128, 16);
    case VEIL_IMM_LANE: {
        uint8_t lane;
        VEIL_TRY(veil_reader_u8(r, &lane));
        in->a = lane;
        return NULL;
    }
    case VEIL_IMM_MEMARG_LANE: {
        VEIL_TRY(read_memarg(r, in));
        uint8_t lane;
        VEIL_TRY(veil_reader_u8(r, &lane));
        in->b = lane;
        return NULL;
    }
    }
    return veil_reader_error(r, VEIL_EINTERNAL, "unknown immediate kind %d", (int)imm);
}

veil_error *veil_wasm_read_instr(veil_reader *r, veil_wasm_instr *in) {
    size_t start = r->pos;
    in->offset = veil_reader_offset(r);
    uint8_t byte;
    VEIL_TRY(veil_reader_u8(r, &byte));
    uint32_t code = byte;
    if (byte == 0xfc || byte == 0xfd) {
        uint32_t sub;
        veil_error *err = veil_reader_uleb32(r, &sub);
        if (err != NULL) {
            r->pos = start;
            return err;
        }
        if (sub > 0xff) {
            r->pos = start;
            return veil_reader_error(r, VEIL_EMALFORMED, "illegal opcode 0x%02x 0x%x", byte, sub);
        }
        code = (byte == 0xfc ? 0x100u : 0x200u) + sub;
    }
    const veil_wasm_opinfo *info = veil_wasm_opinfo_of((uint16_t)code);
    if (info->name == NULL) {
        r->pos = start;
        if (code >= 0x100)
            return veil_reader_error(r, VEIL_EMALFORMED, "illegal opcode 0x%02x 0x%x",
                                     code >= 0x200 ? 0xfd : 0xfc, code & 0xff);
        return veil_reader_error(r, VEIL_EMALFORMED, "illegal opcode 0x%02x", byte);
    }
    in->op = (uint16_t)code;
    in->a = in->b = 0;
    in->count = 0;
    return read_immediates(r, in, (veil_wasm_imm)info->imm);
}

uint32_t veil_wasm_next_target(veil_wasm_instr *instr) {
    uint32_t label = 0;
    veil_error *err = veil_reader_uleb32(&instr->targets, &label);
    /* The targets were checked when the instruction was read. */
    veil_error_free(err);
    return label;
}

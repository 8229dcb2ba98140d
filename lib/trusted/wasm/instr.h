/*
 * Reading one instruction (opcode and immediates) from a function body or
 * constant expression.  Shared by the decoder, the validator and the
 * compiler so that all three agree on the binary encoding; it checks only
 * the encoding (known opcode, well-formed LEB128, valid value types, zero
 * bytes where the spec wants them), never types or index ranges.
 */
#ifndef VEIL_WASM_INSTR_H
#define VEIL_WASM_INSTR_H

#include <stdint.h>

#include "opcodes.h"
#include "veil/reader.h"
#include "veil/wasm.h"

typedef enum veil_wasm_blocktype_kind {
    VEIL_BLOCKTYPE_EMPTY, /* [] -> [] */
    VEIL_BLOCKTYPE_VALUE, /* [] -> [value] */
    VEIL_BLOCKTYPE_INDEX, /* a function type */
} veil_wasm_blocktype_kind;

typedef struct veil_wasm_instr {
    uint16_t op;   /* veil_wasm_opcode */
    size_t offset; /* absolute offset of the opcode */
    /* Index immediates: label, function, local, global, table, type, data,
     * element, lane, memory (always 0).  `b` is the second index where there
     * is one (call_indirect: table; table.init/memory.init: table/memory;
     * table.copy: source table), and the lane of load/store_lane. */
    uint32_t a, b;
    /* MEMARG / MEMARG_LANE */
    uint32_t align_log2;
    uint32_t mem_offset;
    /* BLOCK */
    veil_wasm_blocktype_kind bt_kind;
    veil_wasm_valtype bt_value; /* VALUE */
    uint32_t bt_index;          /* INDEX */
    /* I32, I64, F32, F64 (bit patterns, zero-extended) and REFTYPE (`type`) */
    uint64_t bits;
    veil_wasm_valtype type; /* REFTYPE; SELECT_T: the first type */
    uint32_t count;         /* SELECT_T: number of types; BR_TABLE: number of targets */
    /* V128, SHUFFLE */
    uint8_t v128[16];
    /* BR_TABLE: `targets` is positioned on the first target label (`count`
     * LEB128 values, already checked); `a` is the default label. */
    veil_reader targets;
} veil_wasm_instr;

/* Per-code static information from opcodes.h. */
typedef struct veil_wasm_opinfo {
    const char *name; /* NULL: not an instruction */
    uint8_t imm;      /* veil_wasm_imm */
    uint8_t cls;      /* veil_wasm_class */
    uint8_t params[3];
    uint8_t result;
    uint8_t size;
} veil_wasm_opinfo;

extern const veil_wasm_opinfo veil_wasm_opinfo_table[VEIL_WASM_OPCODE_LIMIT];

static inline const veil_wasm_opinfo *veil_wasm_opinfo_of(uint16_t op) {
    return &veil_wasm_opinfo_table[op];
}

/* Reads a value type byte; unknown bytes are malformed. */
VEIL_NODISCARD veil_error *veil_wasm_read_valtype(veil_reader *r, veil_wasm_valtype *out);
/* Reads a reference type byte (funcref/externref). */
VEIL_NODISCARD veil_error *veil_wasm_read_reftype(veil_reader *r, veil_wasm_valtype *out);

/* Reads the next instruction.  Malformed encodings fail with
 * VEIL_EMALFORMED naming the offset. */
VEIL_NODISCARD veil_error *veil_wasm_read_instr(veil_reader *r, veil_wasm_instr *out);

/* Reads the next br_table target from instr->targets. */
uint32_t veil_wasm_next_target(veil_wasm_instr *instr);

#endif

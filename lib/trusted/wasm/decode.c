/*
 * The binary-format decoder: bytes -> veil_wasm_module (module.h).
 *
 * Every byte is read through a veil_reader: the module reader is split into
 * one sub-reader per section (named after the section, so every message
 * says "<section> section at offset N: <reason>") and each section parser
 * must consume its sub-reader exactly.  Vector lengths are checked against
 * the bytes that are left before anything is allocated, so a short input
 * can never make the decoder allocate more than a small multiple of its own
 * size (locals, which are run-length encoded, are capped separately).
 *
 * Function bodies are split off here but their instructions are decoded by
 * the validator (through instr.c), which reports malformed instructions the
 * same way.  The decoder does not check index ranges or types; that is the
 * validator's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instr.h"
#include "module.h"
#include "veil/reader.h"

enum {
    SEC_CUSTOM = 0,
    SEC_TYPE = 1,
    SEC_IMPORT = 2,
    SEC_FUNCTION = 3,
    SEC_TABLE = 4,
    SEC_MEMORY = 5,
    SEC_GLOBAL = 6,
    SEC_EXPORT = 7,
    SEC_START = 8,
    SEC_ELEMENT = 9,
    SEC_CODE = 10,
    SEC_DATA = 11,
    SEC_DATA_COUNT = 12,
};

static const char *const section_names[] = {
    "custom", "type",  "import",  "function", "table", "memory",     "global",
    "export", "start", "element", "code",     "data",  "data count",
};

/* Position of each section id in the required order (custom sections may
 * appear anywhere). */
static int section_rank(uint8_t id) {
    static const int ranks[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return ranks[id];
}

typedef struct decoder {
    veil_wasm_module *m;
    /* Definitions, before they are joined with imports into index spaces. */
    uint32_t defined_func_count;
    uint32_t *defined_func_types;
    uint32_t defined_table_count;
    veil_wasm_tabletype *defined_tables;
    uint32_t defined_memory_count;
    veil_wasm_limits_range *defined_memories;
    uint32_t defined_global_count;
    veil_wasm_globaltype *defined_globals;
    bool seen_function_section;
    bool seen_code_section;
    uint32_t code_count;
} decoder;

static veil_error *alloc_array(void **out, size_t count, size_t size, const char *what) {
    *out = NULL;
    if (count == 0)
        return NULL;
    *out = calloc(count, size);
    if (*out == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory allocating %zu %s", count, what);
    return NULL;
}

/* Reads a vector length, failing unless `count * min_item_bytes` bytes are
 * left (so it cannot make us allocate more than the input justifies). */
static veil_error *read_count(veil_reader *r, uint32_t *count, size_t min_item_bytes) {
    size_t at = r->pos;
    uint32_t n;
    VEIL_TRY(veil_reader_uleb32(r, &n));
    if ((uint64_t)n * min_item_bytes > veil_reader_remaining(r)) {
        r->pos = at;
        return veil_reader_error(r, VEIL_EMALFORMED,
                                 "length out of bounds (vector of %u items, %zu bytes left)", n,
                                 veil_reader_remaining(r));
    }
    *count = n;
    return NULL;
}

/* A name: UTF-8 bytes with a LEB128 length. */
static veil_error *read_name(veil_reader *r, char **out, uint32_t *out_len) {
    uint32_t len;
    VEIL_TRY(read_count(r, &len, 1));
    const uint8_t *bytes;
    size_t at = r->pos;
    VEIL_TRY(veil_reader_bytes(r, len, &bytes));
    if (!veil_utf8_valid(bytes, len)) {
        r->pos = at;
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed UTF-8 encoding in name");
    }
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory reading a %u-byte name", len);
    if (len > 0)
        memcpy(s, bytes, len);
    s[len] = '\0';
    *out = s;
    if (out_len != NULL)
        *out_len = len;
    return NULL;
}

static veil_error *read_limits(veil_reader *r, veil_wasm_limits_range *out) {
    uint8_t flags;
    VEIL_TRY(veil_reader_u8(r, &flags));
    if (flags > 1) {
        r->pos--;
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed limits flags 0x%02x", flags);
    }
    uint32_t v;
    VEIL_TRY(veil_reader_uleb32(r, &v));
    out->min = v;
    out->has_max = flags == 1;
    out->max = 0;
    if (out->has_max) {
        VEIL_TRY(veil_reader_uleb32(r, &v));
        out->max = v;
    }
    return NULL;
}

static veil_error *read_table_type(veil_reader *r, veil_wasm_tabletype *out) {
    VEIL_TRY(veil_wasm_read_reftype(r, &out->elem_type));
    return read_limits(r, &out->limits);
}

static veil_error *read_global_type(veil_reader *r, veil_wasm_globaltype *out) {
    VEIL_TRY(veil_wasm_read_valtype(r, &out->type));
    uint8_t mut;
    VEIL_TRY(veil_reader_u8(r, &mut));
    if (mut > 1) {
        r->pos--;
        return veil_reader_error(r, VEIL_EMALFORMED, "malformed mutability 0x%02x", mut);
    }
    out->mutable_ = mut == 1;
    return NULL;
}

/* A constant expression: instructions up to the matching `end`.  Records
 * the first instruction; the validator decides whether it is constant. */
static veil_error *read_const_expr(veil_reader *r, veil_wasm_const_expr *out) {
    memset(out, 0, sizeof(*out));
    out->offset = veil_reader_offset(r);
    uint32_t depth = 0;
    for (;;) {
        veil_wasm_instr in;
        VEIL_TRY(veil_wasm_read_instr(r, &in));
        if (in.op == VEIL_OP_end) {
            if (depth == 0)
                return NULL;
            depth--;
            continue;
        }
        if (in.op == VEIL_OP_block || in.op == VEIL_OP_loop || in.op == VEIL_OP_if)
            depth++;
        out->instr_count++;
        if (out->instr_count > 1)
            continue;
        switch (in.op) {
        case VEIL_OP_i32_const:
            out->kind = VEIL_CONST_VALUE;
            out->value.type = VEIL_WASM_I32;
            out->value.of.i32 = (uint32_t)in.bits;
            break;
        case VEIL_OP_i64_const:
            out->kind = VEIL_CONST_VALUE;
            out->value.type = VEIL_WASM_I64;
            out->value.of.i64 = in.bits;
            break;
        case VEIL_OP_f32_const:
            out->kind = VEIL_CONST_VALUE;
            out->value.type = VEIL_WASM_F32;
            out->value.of.f32_bits = (uint32_t)in.bits;
            break;
        case VEIL_OP_f64_const:
            out->kind = VEIL_CONST_VALUE;
            out->value.type = VEIL_WASM_F64;
            out->value.of.f64_bits = in.bits;
            break;
        case VEIL_OP_v128_const:
            out->kind = VEIL_CONST_VALUE;
            out->value.type = VEIL_WASM_V128;
            memcpy(out->value.of.v128, in.v128, 16);
            break;
        case VEIL_OP_ref_null:
            out->kind = VEIL_CONST_REF_NULL;
            out->value.type = in.type;
            break;
        case VEIL_OP_ref_func:
            out->kind = VEIL_CONST_REF_FUNC;
            out->index = in.a;
            break;
        case VEIL_OP_global_get:
            out->kind = VEIL_CONST_GLOBAL_GET;
            out->index = in.a;
            break;
        default:
            out->kind = VEIL_CONST_NOT_CONST;
            out->bad_opcode = in.op;
            break;
        }
    }
}

static veil_error *parse_type_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &m->type_count, 3));
    VEIL_TRY(alloc_array((void **)&m->types, m->type_count, sizeof(*m->types), "types"));
    for (uint32_t i = 0; i < m->type_count; i++) {
        uint8_t form;
        VEIL_TRY(veil_reader_u8(r, &form));
        if (form != 0x60) {
            r->pos--;
            return veil_reader_error(r, VEIL_EMALFORMED,
                                     "malformed function type form 0x%02x (want 0x60)", form);
        }
        uint32_t np, nr;
        VEIL_TRY(read_count(r, &np, 1));
        size_t params_at = r->pos;
        VEIL_TRY(veil_reader_skip(r, np));
        VEIL_TRY(read_count(r, &nr, 1));
        size_t results_at = r->pos;
        VEIL_TRY(veil_reader_skip(r, nr));
        if (np > VEIL_WASM_MAX_FUNC_PARAMS || nr > VEIL_WASM_MAX_FUNC_PARAMS)
            return veil_reader_error(r, VEIL_EUNSUPPORTED,
                                     "function type %u has %u params and %u results (limit %u)", i,
                                     np, nr, VEIL_WASM_MAX_FUNC_PARAMS);
        veil_wasm_valtype *types;
        VEIL_TRY(alloc_array((void **)&types, (size_t)np + nr + 1, sizeof(*types), "value types"));
        m->types[i].params = types;
        m->types[i].results = types + np;
        m->types[i].param_count = np;
        m->types[i].result_count = nr;
        veil_reader sub = *r;
        sub.pos = params_at;
        for (uint32_t k = 0; k < np; k++)
            VEIL_TRY(veil_wasm_read_valtype(&sub, &types[k]));
        sub.pos = results_at;
        for (uint32_t k = 0; k < nr; k++)
            VEIL_TRY(veil_wasm_read_valtype(&sub, &types[np + k]));
    }
    return NULL;
}

static veil_error *parse_import_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &m->import_count, 4));
    VEIL_TRY(alloc_array((void **)&m->imports, m->import_count, sizeof(*m->imports), "imports"));
    for (uint32_t i = 0; i < m->import_count; i++) {
        veil_wasm_import_def *imp = &m->imports[i];
        VEIL_TRY(read_name(r, &imp->module, &imp->module_len));
        VEIL_TRY(read_name(r, &imp->name, &imp->name_len));
        uint8_t kind;
        VEIL_TRY(veil_reader_u8(r, &kind));
        switch (kind) {
        case VEIL_WASM_EXTERN_FUNC:
            imp->index = m->imported_func_count++;
            VEIL_TRY(veil_reader_uleb32(r, &imp->type_index));
            break;
        case VEIL_WASM_EXTERN_TABLE:
            imp->index = m->imported_table_count++;
            VEIL_TRY(read_table_type(r, &imp->table));
            break;
        case VEIL_WASM_EXTERN_MEMORY:
            imp->index = m->imported_memory_count++;
            VEIL_TRY(read_limits(r, &imp->memory));
            break;
        case VEIL_WASM_EXTERN_GLOBAL:
            imp->index = m->imported_global_count++;
            VEIL_TRY(read_global_type(r, &imp->global));
            break;
        default:
            r->pos--;
            return veil_reader_error(r, VEIL_EMALFORMED, "malformed import kind 0x%02x", kind);
        }
        imp->kind = (veil_wasm_extern_kind)kind;
    }
    return NULL;
}

static veil_error *parse_function_section(decoder *d, veil_reader *r) {
    VEIL_TRY(read_count(r, &d->defined_func_count, 1));
    VEIL_TRY(alloc_array((void **)&d->defined_func_types, d->defined_func_count, sizeof(uint32_t),
                         "functions"));
    for (uint32_t i = 0; i < d->defined_func_count; i++)
        VEIL_TRY(veil_reader_uleb32(r, &d->defined_func_types[i]));
    d->seen_function_section = true;
    return NULL;
}

static veil_error *parse_table_section(decoder *d, veil_reader *r) {
    VEIL_TRY(read_count(r, &d->defined_table_count, 3));
    VEIL_TRY(alloc_array((void **)&d->defined_tables, d->defined_table_count,
                         sizeof(*d->defined_tables), "tables"));
    for (uint32_t i = 0; i < d->defined_table_count; i++)
        VEIL_TRY(read_table_type(r, &d->defined_tables[i]));
    return NULL;
}

static veil_error *parse_memory_section(decoder *d, veil_reader *r) {
    VEIL_TRY(read_count(r, &d->defined_memory_count, 2));
    VEIL_TRY(alloc_array((void **)&d->defined_memories, d->defined_memory_count,
                         sizeof(*d->defined_memories), "memories"));
    for (uint32_t i = 0; i < d->defined_memory_count; i++)
        VEIL_TRY(read_limits(r, &d->defined_memories[i]));
    return NULL;
}

static veil_error *parse_global_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &d->defined_global_count, 3));
    VEIL_TRY(alloc_array((void **)&d->defined_globals, d->defined_global_count,
                         sizeof(*d->defined_globals), "globals"));
    VEIL_TRY(alloc_array((void **)&m->global_inits, d->defined_global_count,
                         sizeof(*m->global_inits), "global initialisers"));
    for (uint32_t i = 0; i < d->defined_global_count; i++) {
        VEIL_TRY(read_global_type(r, &d->defined_globals[i]));
        VEIL_TRY(read_const_expr(r, &m->global_inits[i]));
    }
    return NULL;
}

static veil_error *parse_export_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &m->export_count, 3));
    VEIL_TRY(alloc_array((void **)&m->exports, m->export_count, sizeof(*m->exports), "exports"));
    for (uint32_t i = 0; i < m->export_count; i++) {
        veil_wasm_export_def *exp = &m->exports[i];
        VEIL_TRY(read_name(r, &exp->name, &exp->name_len));
        uint8_t kind;
        VEIL_TRY(veil_reader_u8(r, &kind));
        if (kind > VEIL_WASM_EXTERN_GLOBAL) {
            r->pos--;
            return veil_reader_error(r, VEIL_EMALFORMED, "malformed export kind 0x%02x", kind);
        }
        exp->kind = (veil_wasm_extern_kind)kind;
        VEIL_TRY(veil_reader_uleb32(r, &exp->index));
    }
    return NULL;
}

static veil_error *parse_start_section(decoder *d, veil_reader *r) {
    d->m->has_start = true;
    return veil_reader_uleb32(r, &d->m->start);
}

static veil_error *parse_element_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &m->elem_count, 2));
    VEIL_TRY(alloc_array((void **)&m->elems, m->elem_count, sizeof(*m->elems), "element segments"));
    for (uint32_t i = 0; i < m->elem_count; i++) {
        veil_wasm_elem_def *e = &m->elems[i];
        uint32_t flags;
        VEIL_TRY(veil_reader_uleb32(r, &flags));
        if (flags > 7)
            return veil_reader_error(r, VEIL_EMALFORMED, "malformed element segment flags %u",
                                     flags);
        /* Bit 0: passive/declarative (else active); bit 1: explicit table
         * index (active) or declarative (otherwise); bit 2: items are
         * expressions rather than function indices. */
        bool not_active = flags & 1;
        bool bit1 = flags & 2;
        bool exprs = flags & 4;
        e->mode = not_active ? (bit1 ? VEIL_SEGMENT_DECLARATIVE : VEIL_SEGMENT_PASSIVE)
                             : VEIL_SEGMENT_ACTIVE;
        e->table_index = 0;
        if (!not_active && bit1)
            VEIL_TRY(veil_reader_uleb32(r, &e->table_index));
        if (!not_active)
            VEIL_TRY(read_const_expr(r, &e->offset));
        e->elem_type = VEIL_WASM_FUNCREF;
        if (not_active || bit1) {
            if (exprs) {
                VEIL_TRY(veil_wasm_read_reftype(r, &e->elem_type));
            } else {
                uint8_t kind;
                VEIL_TRY(veil_reader_u8(r, &kind));
                if (kind != 0x00) {
                    r->pos--;
                    return veil_reader_error(r, VEIL_EMALFORMED, "malformed element kind 0x%02x",
                                             kind);
                }
            }
        }
        VEIL_TRY(read_count(r, &e->item_count, 1));
        VEIL_TRY(
            alloc_array((void **)&e->items, e->item_count, sizeof(*e->items), "element items"));
        for (uint32_t k = 0; k < e->item_count; k++) {
            if (exprs) {
                VEIL_TRY(read_const_expr(r, &e->items[k]));
            } else {
                veil_wasm_const_expr *item = &e->items[k];
                item->offset = veil_reader_offset(r);
                item->kind = VEIL_CONST_REF_FUNC;
                item->instr_count = 1;
                VEIL_TRY(veil_reader_uleb32(r, &item->index));
            }
        }
    }
    return NULL;
}

static veil_error *parse_data_count_section(decoder *d, veil_reader *r) {
    d->m->has_data_count = true;
    return veil_reader_uleb32(r, &d->m->data_count);
}

static veil_error *parse_code_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &d->code_count, 2));
    d->seen_code_section = true;
    if (d->code_count != d->defined_func_count)
        return veil_reader_error(r, VEIL_EMALFORMED,
                                 "function and code section have inconsistent lengths (%u "
                                 "functions, %u bodies)",
                                 d->defined_func_count, d->code_count);
    VEIL_TRY(alloc_array((void **)&m->funcs, d->code_count, sizeof(*m->funcs), "functions"));
    m->func_def_count = d->code_count;
    for (uint32_t i = 0; i < d->code_count; i++) {
        veil_wasm_func_def *f = &m->funcs[i];
        f->type_index = d->defined_func_types[i];
        uint32_t size;
        VEIL_TRY(veil_reader_uleb32(r, &size));
        veil_reader body;
        VEIL_TRY(veil_reader_sub(r, size, "code section", &body));
        uint32_t groups;
        VEIL_TRY(read_count(&body, &groups, 2));
        /* First pass: count the locals (run-length encoded) before allocating. */
        veil_reader scan = body;
        uint64_t total = 0;
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t n;
            veil_wasm_valtype t;
            VEIL_TRY(veil_reader_uleb32(&scan, &n));
            VEIL_TRY(veil_wasm_read_valtype(&scan, &t));
            total += n;
            if (total > VEIL_WASM_MAX_LOCALS)
                return veil_reader_error(&scan, VEIL_EMALFORMED,
                                         "too many locals in function %u (limit %u)",
                                         m->imported_func_count + i, VEIL_WASM_MAX_LOCALS);
        }
        f->local_count = (uint32_t)total;
        VEIL_TRY(alloc_array((void **)&f->local_types, total, sizeof(*f->local_types), "locals"));
        uint32_t at = 0;
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t n;
            veil_wasm_valtype t;
            VEIL_TRY(veil_reader_uleb32(&body, &n));
            VEIL_TRY(veil_wasm_read_valtype(&body, &t));
            for (uint32_t k = 0; k < n; k++)
                f->local_types[at++] = t;
        }
        f->body = veil_reader_cursor(&body);
        f->body_len = veil_reader_remaining(&body);
        f->body_offset = veil_reader_offset(&body);
        if (f->body_len == 0)
            return veil_reader_error(&body, VEIL_EMALFORMED,
                                     "unexpected end of section or function (empty body of "
                                     "function %u)",
                                     m->imported_func_count + i);
    }
    return NULL;
}

static veil_error *parse_data_section(decoder *d, veil_reader *r) {
    veil_wasm_module *m = d->m;
    VEIL_TRY(read_count(r, &m->data_segment_count, 2));
    VEIL_TRY(
        alloc_array((void **)&m->datas, m->data_segment_count, sizeof(*m->datas), "data segments"));
    for (uint32_t i = 0; i < m->data_segment_count; i++) {
        veil_wasm_data_def *seg = &m->datas[i];
        uint32_t flags;
        VEIL_TRY(veil_reader_uleb32(r, &flags));
        if (flags > 2)
            return veil_reader_error(r, VEIL_EMALFORMED, "malformed data segment flags %u", flags);
        seg->mode = flags == 1 ? VEIL_SEGMENT_PASSIVE : VEIL_SEGMENT_ACTIVE;
        seg->memory_index = 0;
        if (flags == 2)
            VEIL_TRY(veil_reader_uleb32(r, &seg->memory_index));
        if (flags != 1)
            VEIL_TRY(read_const_expr(r, &seg->offset));
        VEIL_TRY(read_count(r, &seg->len, 1));
        VEIL_TRY(veil_reader_bytes(r, seg->len, &seg->bytes));
    }
    return NULL;
}

/* True when err is NULL; frees it otherwise. */
static bool succeeded(veil_error *err) {
    veil_error_free(err);
    return err == NULL;
}

/* The "name" custom section: only function names (subsection 1) are kept.
 * A malformed name section is ignored, as the spec's appendix allows. */
static void parse_name_section(decoder *d, veil_reader r) {
    veil_wasm_module *m = d->m;
    uint32_t func_count = m->imported_func_count + d->defined_func_count;
    while (!veil_reader_at_end(&r)) {
        uint8_t id;
        uint32_t size;
        veil_reader sub;
        if (!succeeded(veil_reader_u8(&r, &id)) || !succeeded(veil_reader_uleb32(&r, &size)) ||
            !succeeded(veil_reader_sub(&r, size, "name section", &sub)))
            return;
        if (id != 1)
            continue;
        uint32_t count;
        if (!succeeded(read_count(&sub, &count, 2)) || func_count == 0)
            return;
        char **names = calloc(func_count, sizeof(*names));
        if (names == NULL)
            return;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t index;
            char *name = NULL;
            bool ok = succeeded(veil_reader_uleb32(&sub, &index)) &&
                      succeeded(read_name(&sub, &name, NULL));
            if (!ok || index >= func_count) {
                free(name);
                for (uint32_t k = 0; k < func_count; k++)
                    free(names[k]);
                free(names);
                return;
            }
            free(names[index]);
            names[index] = name;
        }
        if (m->func_names != NULL) {
            for (uint32_t k = 0; k < m->func_names_count; k++)
                free(m->func_names[k]);
            free(m->func_names);
        }
        m->func_names = names;
        m->func_names_count = func_count;
    }
}

static veil_error *parse_custom_section(decoder *d, veil_reader *r) {
    char *name;
    uint32_t name_len;
    VEIL_TRY(read_name(r, &name, &name_len));
    bool is_name = name_len == 4 && memcmp(name, "name", 4) == 0;
    free(name);
    if (is_name)
        parse_name_section(d, *r);
    r->pos = r->len;
    return NULL;
}

/* Joins imports and definitions into the spec's index spaces. */
static veil_error *build_index_spaces(decoder *d) {
    veil_wasm_module *m = d->m;
    m->func_count = m->imported_func_count + d->defined_func_count;
    m->table_count = m->imported_table_count + d->defined_table_count;
    m->memory_count = m->imported_memory_count + d->defined_memory_count;
    m->global_count = m->imported_global_count + d->defined_global_count;
    if (m->func_count < d->defined_func_count || m->global_count < d->defined_global_count)
        return veil_error_new(VEIL_EMALFORMED, "too many functions or globals");
    VEIL_TRY(
        alloc_array((void **)&m->func_type_index, m->func_count, sizeof(uint32_t), "functions"));
    VEIL_TRY(alloc_array((void **)&m->tables, m->table_count, sizeof(*m->tables), "tables"));
    VEIL_TRY(alloc_array((void **)&m->memories, m->memory_count, sizeof(*m->memories), "memories"));
    VEIL_TRY(alloc_array((void **)&m->globals, m->global_count, sizeof(*m->globals), "globals"));
    VEIL_TRY(alloc_array((void **)&m->func_declared, m->func_count, sizeof(bool), "functions"));
    for (uint32_t i = 0; i < m->import_count; i++) {
        const veil_wasm_import_def *imp = &m->imports[i];
        switch (imp->kind) {
        case VEIL_WASM_EXTERN_FUNC:
            m->func_type_index[imp->index] = imp->type_index;
            break;
        case VEIL_WASM_EXTERN_TABLE:
            m->tables[imp->index] = imp->table;
            break;
        case VEIL_WASM_EXTERN_MEMORY:
            m->memories[imp->index] = imp->memory;
            break;
        case VEIL_WASM_EXTERN_GLOBAL:
            m->globals[imp->index] = imp->global;
            break;
        }
    }
    for (uint32_t i = 0; i < d->defined_func_count; i++)
        m->func_type_index[m->imported_func_count + i] = d->defined_func_types[i];
    for (uint32_t i = 0; i < d->defined_table_count; i++)
        m->tables[m->imported_table_count + i] = d->defined_tables[i];
    for (uint32_t i = 0; i < d->defined_memory_count; i++)
        m->memories[m->imported_memory_count + i] = d->defined_memories[i];
    for (uint32_t i = 0; i < d->defined_global_count; i++)
        m->globals[m->imported_global_count + i] = d->defined_globals[i];

    /* C.refs: functions named in exports, element segments and global
     * initialisers (indices out of range are left to the validator). */
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].kind == VEIL_WASM_EXTERN_FUNC && m->exports[i].index < m->func_count)
            m->func_declared[m->exports[i].index] = true;
    for (uint32_t i = 0; i < m->elem_count; i++)
        for (uint32_t k = 0; k < m->elems[i].item_count; k++) {
            const veil_wasm_const_expr *e = &m->elems[i].items[k];
            if (e->kind == VEIL_CONST_REF_FUNC && e->index < m->func_count)
                m->func_declared[e->index] = true;
        }
    for (uint32_t i = 0; i < d->defined_global_count; i++) {
        const veil_wasm_const_expr *e = &m->global_inits[i];
        if (e->kind == VEIL_CONST_REF_FUNC && e->index < m->func_count)
            m->func_declared[e->index] = true;
    }
    return NULL;
}

static veil_error *parse_sections(decoder *d, veil_reader *r) {
    int last_rank = 0;
    while (!veil_reader_at_end(r)) {
        uint8_t id;
        size_t section_start = r->pos;
        VEIL_TRY(veil_reader_u8(r, &id));
        if (id > SEC_DATA_COUNT) {
            r->pos = section_start;
            return veil_reader_error(r, VEIL_EMALFORMED, "malformed section id %u", id);
        }
        uint32_t size;
        VEIL_TRY(veil_reader_uleb32(r, &size));
        if (size > veil_reader_remaining(r))
            return veil_reader_error(r, VEIL_EMALFORMED,
                                     "%s section: length out of bounds (size %u, %zu bytes left)",
                                     section_names[id], size, veil_reader_remaining(r));
        if (id != SEC_CUSTOM) {
            int rank = section_rank(id);
            if (rank <= last_rank) {
                r->pos = section_start;
                return veil_reader_error(r, VEIL_EMALFORMED,
                                         "unexpected %s section: sections out of order or "
                                         "duplicated",
                                         section_names[id]);
            }
            last_rank = rank;
        }
        char what[32];
        snprintf(what, sizeof(what), "%s section", section_names[id]);
        veil_reader sub;
        VEIL_TRY(veil_reader_sub(r, size, what, &sub));
        veil_error *err = NULL;
        switch (id) {
        case SEC_CUSTOM:
            err = parse_custom_section(d, &sub);
            break;
        case SEC_TYPE:
            err = parse_type_section(d, &sub);
            break;
        case SEC_IMPORT:
            err = parse_import_section(d, &sub);
            break;
        case SEC_FUNCTION:
            err = parse_function_section(d, &sub);
            break;
        case SEC_TABLE:
            err = parse_table_section(d, &sub);
            break;
        case SEC_MEMORY:
            err = parse_memory_section(d, &sub);
            break;
        case SEC_GLOBAL:
            err = parse_global_section(d, &sub);
            break;
        case SEC_EXPORT:
            err = parse_export_section(d, &sub);
            break;
        case SEC_START:
            err = parse_start_section(d, &sub);
            break;
        case SEC_ELEMENT:
            err = parse_element_section(d, &sub);
            break;
        case SEC_CODE:
            err = parse_code_section(d, &sub);
            break;
        case SEC_DATA:
            err = parse_data_section(d, &sub);
            break;
        case SEC_DATA_COUNT:
            err = parse_data_count_section(d, &sub);
            break;
        }
        if (err != NULL)
            return err;
        if (!veil_reader_at_end(&sub))
            return veil_reader_error(&sub, VEIL_EMALFORMED,
                                     "section size mismatch (%zu bytes left over)",
                                     veil_reader_remaining(&sub));
    }
    if (d->defined_func_count > 0 && !d->seen_code_section)
        return veil_reader_error(r, VEIL_EMALFORMED,
                                 "function and code section have inconsistent lengths (%u "
                                 "functions, no code section)",
                                 d->defined_func_count);
    if (d->m->has_data_count && d->m->data_count != d->m->data_segment_count)
        return veil_reader_error(r, VEIL_EMALFORMED,
                                 "data count and data section have inconsistent lengths (%u "
                                 "declared, %u segments)",
                                 d->m->data_count, d->m->data_segment_count);
    return NULL;
}

static veil_error *decode(decoder *d, veil_reader *r) {
    uint32_t magic, version;
    VEIL_TRY(veil_reader_u32le(r, &magic));
    if (magic != 0x6d736100) {
        r->pos = 0;
        return veil_reader_error(r, VEIL_EMALFORMED, "magic header not detected");
    }
    VEIL_TRY(veil_reader_u32le(r, &version));
    if (version != 1) {
        r->pos = 4;
        return veil_reader_error(r, VEIL_EMALFORMED, "unknown binary version %u", version);
    }
    VEIL_TRY(parse_sections(d, r));
    return build_index_spaces(d);
}

veil_error *veil_wasm_decode(const uint8_t *bytes, size_t len, const char *name,
                             veil_wasm_module **out) {
    *out = NULL;
    veil_wasm_module *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory loading module");
    m->name = strdup(name != NULL ? name : "module");
    m->bytes = malloc(len > 0 ? len : 1);
    if (m->name == NULL || m->bytes == NULL) {
        veil_wasm_module_free(m);
        return veil_error_new(VEIL_ENOMEM, "out of memory copying a %zu-byte module", len);
    }
    if (len > 0)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    decoder d = {.m = m};
    veil_reader r;
    veil_reader_init(&r, m->bytes, len, "module");
    veil_error *err = decode(&d, &r);
    free(d.defined_func_types);
    free(d.defined_tables);
    free(d.defined_memories);
    free(d.defined_globals);
    if (err != NULL) {
        veil_wasm_module_free(m);
        return err;
    }
    *out = m;
    return NULL;
}

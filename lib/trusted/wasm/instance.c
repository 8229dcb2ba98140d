/*
 * Instantiation and linking, in the order of the WebAssembly 2.0 spec:
 *
 *  1. resolve every import through the embedder's callback and check its
 *     type (function types exactly; limits of tables and memories by
 *     subtyping: at least the minimum, at most the maximum; globals by type
 *     and mutability).  Imported mutable globals are shared objects.
 *  2. allocate the module's functions, tables, memories (refused beyond the
 *     store's memory cap) and globals (initialisers evaluated), and evaluate
 *     element segments into reference arrays;
 *  3. initialise: active element segments in order (table.init then
 *     elem.drop), declarative ones dropped, then active data segments in
 *     order (memory.init then data.drop).  An out-of-bounds segment traps
 *     and stops instantiation, leaving the effects of earlier segments
 *     (visible through imported tables and memories), as the spec says;
 *  4. run the start function.
 *
 * The instance is owned by the store from step 2 on, even when a later
 * step fails: functions it created may already sit in imported tables.
 */
#include <stdlib.h>
#include <string.h>

#include "aot/bind.h"
#include "interp.h"
#include "runtime.h"

static const char *const kind_names[] = {"function", "table", "memory", "global"};

static veil_error *link_error(const veil_wasm_import_def *imp, veil_code code, const char *what) {
    return veil_error_new(code, "import \"%s\" \"%s\" (%s): %s", imp->module, imp->name,
                          kind_names[imp->kind], what);
}

static bool limits_match(uint64_t actual_min, bool actual_has_max, uint64_t actual_max,
                         const veil_wasm_limits_range *want) {
    if (actual_min < want->min)
        return false;
    if (want->has_max && (!actual_has_max || actual_max > want->max))
        return false;
    return true;
}

static veil_error *resolve_imports(veil_wasm_store *s, veil_wasm_instance *inst,
                                   veil_wasm_resolve_fn resolve, void *user_data) {
    const veil_wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->import_count; i++) {
        const veil_wasm_import_def *imp = &m->imports[i];
        veil_wasm_extern_desc desc;
        veil_wasm_module_import(m, i, &desc);
        veil_wasm_extern ext;
        memset(&ext, 0, sizeof(ext));
        if (resolve == NULL)
            return link_error(imp, VEIL_ENOENT, "unknown import (no resolver)");
        veil_error *err = resolve(user_data, &desc, &ext);
        if (err != NULL)
            return veil_error_wrap(err, "import \"%s\" \"%s\"", imp->module, imp->name);
        if (ext.kind != imp->kind)
            return link_error(imp, VEIL_EINVAL, "incompatible import type (wrong kind)");
        switch (imp->kind) {
        case VEIL_WASM_EXTERN_FUNC: {
            veil_wasm_func *f = ext.of.func;
            if (f == NULL || f->store != s)
                return link_error(imp, VEIL_EINVAL, "function of another store");
            if (f->type_id != inst->type_ids[imp->type_index])
                return link_error(imp, VEIL_EINVAL, "incompatible import type (function type)");
            inst->funcs[imp->index] = f;
            break;
        }
        case VEIL_WASM_EXTERN_TABLE: {
            veil_wasm_table *t = ext.of.table;
            if (t == NULL || t->store != s)
                return link_error(imp, VEIL_EINVAL, "table of another store");
            if (t->elem_type != imp->table.elem_type ||
                !limits_match(t->size, t->has_max, t->max, &imp->table.limits))
                return link_error(imp, VEIL_EINVAL, "incompatible import type (table limits)");
            inst->tables[imp->index] = t;
            break;
        }
        case VEIL_WASM_EXTERN_MEMORY: {
            veil_wasm_memory *mem = ext.of.memory;
            if (mem == NULL || mem->store != s)
                return link_error(imp, VEIL_EINVAL, "memory of another store");
            if (!limits_match(mem->pages, mem->has_max, mem->declared_max, &imp->memory))
                return link_error(imp, VEIL_EINVAL, "incompatible import type (memory limits)");
            inst->memory = mem;
            break;
        }
        case VEIL_WASM_EXTERN_GLOBAL: {
            veil_wasm_global *g = ext.of.global;
            if (g == NULL || g->store != s)
                return link_error(imp, VEIL_EINVAL, "global of another store");
            if (g->type != imp->global.type || g->mutable_ != imp->global.mutable_)
                return link_error(imp, VEIL_EINVAL, "incompatible import type (global type)");
            inst->globals[imp->index] = g;
            break;
        }
        }
    }
    return NULL;
}

/* Evaluates a validated constant expression into slots. */
static void eval_const(const veil_wasm_instance *inst, const veil_wasm_const_expr *e,
                       uint64_t out[2]) {
    out[0] = out[1] = 0;
    switch (e->kind) {
    case VEIL_CONST_VALUE:
        switch (e->value.type) {
        case VEIL_WASM_I32:
            out[0] = e->value.of.i32;
            break;
        case VEIL_WASM_F32:
            out[0] = e->value.of.f32_bits;
            break;
        case VEIL_WASM_V128:
            memcpy(out, e->value.of.v128, 16);
            break;
        default:
            out[0] = e->value.of.i64;
            break;
        }
        break;
    case VEIL_CONST_REF_NULL:
        break;
    case VEIL_CONST_REF_FUNC:
        out[0] = (uint64_t)(uintptr_t)inst->funcs[e->index];
        break;
    case VEIL_CONST_GLOBAL_GET:
        out[0] = inst->globals[e->index]->value[0];
        out[1] = inst->globals[e->index]->value[1];
        break;
    case VEIL_CONST_NOT_CONST:
        break;
    }
}

static veil_error *alloc_instance(veil_wasm_store *s, const veil_wasm_module *m,
                                  veil_wasm_instance **out) {
    veil_wasm_instance *inst = calloc(1, sizeof(*inst));
    if (inst == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory instantiating %s", m->name);
    inst->store = s;
    inst->module = m;
    inst->funcs = calloc(m->func_count + 1, sizeof(*inst->funcs));
    inst->tables = calloc(m->table_count + 1, sizeof(*inst->tables));
    inst->globals = calloc(m->global_count + 1, sizeof(*inst->globals));
    inst->type_ids = calloc(m->type_count + 1, sizeof(*inst->type_ids));
    inst->elem_values = calloc(m->elem_count + 1, sizeof(*inst->elem_values));
    inst->elem_lengths = calloc(m->elem_count + 1, sizeof(*inst->elem_lengths));
    inst->data_lengths = calloc(m->data_segment_count + 1, sizeof(*inst->data_lengths));
    veil_error *err = NULL;
    if (inst->funcs == NULL || inst->tables == NULL || inst->globals == NULL ||
        inst->type_ids == NULL || inst->elem_values == NULL || inst->elem_lengths == NULL ||
        inst->data_lengths == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory instantiating %s", m->name);
    if (err == NULL)
        err = veil_store_add_instance(s, inst);
    if (err != NULL) {
        free(inst->funcs);
        free(inst->tables);
        free(inst->globals);
        free(inst->type_ids);
        free(inst->elem_values);
        free(inst->elem_lengths);
        free(inst->data_lengths);
        free(inst);
        return err;
    }
    *out = inst;
    return NULL;
}

static veil_error *allocate(veil_wasm_store *s, veil_wasm_instance *inst, veil_wasm_trap *trap) {
    const veil_wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->func_def_count; i++) {
        const veil_wasm_func_def *def = &m->funcs[i];
        veil_wasm_func *f = calloc(1, sizeof(*f));
        if (f == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory instantiating %s", m->name);
        veil_error *err = veil_store_add_func(s, f);
        if (err != NULL) {
            free(f);
            return err;
        }
        f->store = s;
        f->type = m->types[def->type_index];
        f->type_id = inst->type_ids[def->type_index];
        f->instance = inst;
        f->code = def->code;
        f->func_index = m->imported_func_count + i;
        f->param_slots = def->code->param_slots;
        f->result_slots = def->code->result_slots;
        inst->funcs[f->func_index] = f;
    }
    for (uint32_t i = m->imported_table_count; i < m->table_count; i++) {
        const veil_wasm_tabletype *t = &m->tables[i];
        VEIL_TRY(veil_store_table_create(s, t->elem_type, (uint32_t)t->limits.min,
                                         t->limits.has_max, (uint32_t)t->limits.max,
                                         &inst->tables[i]));
    }
    for (uint32_t i = m->imported_memory_count; i < m->memory_count; i++) {
        const veil_wasm_limits_range *l = &m->memories[i];
        veil_error *err = veil_store_memory_create(s, l->min, l->has_max, l->max, &inst->memory);
        if (err != NULL && veil_error_code(err) == VEIL_ELIMIT) {
            veil_error *trap_err =
                veil_store_trap_error(s, VEIL_TRAP_MEMORY_LIMIT, NULL, UINT32_MAX, trap);
            trap_err =
                veil_error_wrap(trap_err, "instantiating %s: %s", m->name, veil_error_message(err));
            veil_error_free(err);
            return trap_err;
        }
        VEIL_TRY(err);
    }
    for (uint32_t i = m->imported_global_count; i < m->global_count; i++) {
        uint64_t value[2];
        eval_const(inst, &m->global_inits[i - m->imported_global_count], value);
        VEIL_TRY(veil_store_global_create(s, m->globals[i].type, m->globals[i].mutable_, value,
                                          &inst->globals[i]));
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const veil_wasm_elem_def *e = &m->elems[i];
        inst->elem_values[i] = calloc(e->item_count + 1, sizeof(uint64_t));
        if (inst->elem_values[i] == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory instantiating %s", m->name);
        for (uint32_t k = 0; k < e->item_count; k++) {
            uint64_t value[2];
            eval_const(inst, &e->items[k], value);
            inst->elem_values[i][k] = value[0];
        }
        inst->elem_lengths[i] = e->item_count;
    }
    for (uint32_t i = 0; i < m->data_segment_count; i++)
        inst->data_lengths[i] = m->datas[i].len;
    return NULL;
}

static veil_error *initialise(veil_wasm_store *s, veil_wasm_instance *inst, veil_wasm_trap *trap) {
    const veil_wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const veil_wasm_elem_def *e = &m->elems[i];
        if (e->mode == VEIL_SEGMENT_ACTIVE) {
            uint64_t offset[2];
            eval_const(inst, &e->offset, offset);
            veil_wasm_table *t = inst->tables[e->table_index];
            uint64_t d = (uint32_t)offset[0], n = inst->elem_lengths[i];
            if (d + n > t->size)
                return veil_error_wrap(
                    veil_store_trap_error(s, VEIL_TRAP_TABLE_OOB, NULL, UINT32_MAX, trap),
                    "instantiating %s: element segment %u", m->name, i);
            if (n > 0)
                memcpy(t->elems + d, inst->elem_values[i], n * sizeof(uint64_t));
        }
        if (e->mode != VEIL_SEGMENT_PASSIVE)
            inst->elem_lengths[i] = 0;
    }
    for (uint32_t i = 0; i < m->data_segment_count; i++) {
        const veil_wasm_data_def *d = &m->datas[i];
        if (d->mode != VEIL_SEGMENT_ACTIVE)
            continue;
        uint64_t offset[2];
        eval_const(inst, &d->offset, offset);
        uint64_t at = (uint32_t)offset[0];
        veil_wasm_memory *mem = inst->memory;
        if (at + d->len > mem->size)
            return veil_error_wrap(
                veil_store_trap_error(s, VEIL_TRAP_MEMORY_OOB, NULL, UINT32_MAX, trap),
                "instantiating %s: data segment %u", m->name, i);
        if (d->len > 0)
            memcpy(mem->data + at, d->bytes, d->len);
        inst->data_lengths[i] = 0;
    }
    if (m->has_start) {
        uint64_t none[1] = {0};
        veil_error *err = veil_store_invoke(s, inst->funcs[m->start], none, none, trap);
        if (err != NULL)
            return veil_error_wrap(err, "instantiating %s: start function", m->name);
    }
    return NULL;
}

veil_error *veil_wasm_instantiate(veil_wasm_store *s, const veil_wasm_module *m,
                                  veil_wasm_resolve_fn resolve, void *user_data,
                                  veil_wasm_instance **out, veil_wasm_trap *trap) {
    *out = NULL;
    if (trap != NULL) {
        memset(trap, 0, sizeof(*trap));
        trap->func_index = UINT32_MAX;
    }
    veil_wasm_instance *inst;
    VEIL_TRY(alloc_instance(s, m, &inst));
    for (uint32_t i = 0; i < m->type_count; i++)
        VEIL_TRY(veil_store_intern_type(s, &m->types[i], &inst->type_ids[i]));
    VEIL_TRY(veil_error_wrap(resolve_imports(s, inst, resolve, user_data), "linking %s", m->name));
    VEIL_TRY(allocate(s, inst, trap));
    if (s->strategy == VEIL_WASM_AOT)
        VEIL_TRY(veil_aot_bind_instance(s, inst));
    VEIL_TRY(initialise(s, inst, trap));
    *out = inst;
    return NULL;
}

bool veil_wasm_instance_export_n(const veil_wasm_instance *inst, const char *name, size_t name_len,
                                 veil_wasm_extern *out) {
    const veil_wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const veil_wasm_export_def *e = &m->exports[i];
        if (e->name_len != name_len || memcmp(e->name, name, name_len) != 0)
            continue;
        out->kind = e->kind;
        switch (e->kind) {
        case VEIL_WASM_EXTERN_FUNC:
            out->of.func = inst->funcs[e->index];
            break;
        case VEIL_WASM_EXTERN_TABLE:
            out->of.table = inst->tables[e->index];
            break;
        case VEIL_WASM_EXTERN_MEMORY:
            out->of.memory = inst->memory;
            break;
        case VEIL_WASM_EXTERN_GLOBAL:
            out->of.global = inst->globals[e->index];
            break;
        }
        return true;
    }
    return false;
}

bool veil_wasm_instance_export(const veil_wasm_instance *inst, const char *name,
                               veil_wasm_extern *out) {
    return veil_wasm_instance_export_n(inst, name, strlen(name), out);
}

veil_wasm_memory *veil_wasm_instance_memory(const veil_wasm_instance *inst) {
    return inst->memory;
}

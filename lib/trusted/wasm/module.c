/*
 * Module loading (decode -> validate -> canonicalise types -> compile for
 * the interpreter), freeing, and the public accessors for imports and
 * exports.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"

bool veil_wasm_functype_equal(const veil_wasm_functype *a, const veil_wasm_functype *b) {
    if (a->param_count != b->param_count || a->result_count != b->result_count)
        return false;
    for (uint32_t i = 0; i < a->param_count; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->result_count; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

uint64_t veil_wasm_functype_hash(const veil_wasm_functype *t) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    h = (h ^ t->param_count) * 1099511628211ull;
    for (uint32_t i = 0; i < t->param_count; i++)
        h = (h ^ (uint64_t)t->params[i]) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (uint32_t i = 0; i < t->result_count; i++)
        h = (h ^ (uint64_t)t->results[i]) * 1099511628211ull;
    return h;
}

/* type_canon[i] = first index with an equal type, through a hash table so a
 * module with many types cannot make this quadratic. */
static veil_error *canonicalise_types(veil_wasm_module *m) {
    m->type_canon = calloc(m->type_count ? m->type_count : 1, sizeof(uint32_t));
    if (m->type_canon == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory canonicalising types");
    size_t buckets = 16;
    while (buckets < (size_t)m->type_count * 2)
        buckets *= 2;
    uint32_t *table = malloc(buckets * sizeof(uint32_t));
    if (table == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory canonicalising types");
    memset(table, 0xff, buckets * sizeof(uint32_t));
    for (uint32_t i = 0; i < m->type_count; i++) {
        size_t slot = (size_t)veil_wasm_functype_hash(&m->types[i]) & (buckets - 1);
        for (;;) {
            uint32_t k = table[slot];
            if (k == UINT32_MAX) {
                table[slot] = i;
                m->type_canon[i] = i;
                break;
            }
            if (veil_wasm_functype_equal(&m->types[k], &m->types[i])) {
                m->type_canon[i] = k;
                break;
            }
            slot = (slot + 1) & (buckets - 1);
        }
    }
    free(table);
    return NULL;
}

veil_error *veil_wasm_module_load(const uint8_t *bytes, size_t len, const char *name,
                                  veil_wasm_module **out) {
    *out = NULL;
    const char *label = name != NULL ? name : "module";
    veil_wasm_module *m;
    VEIL_TRY(veil_error_wrap(veil_wasm_decode(bytes, len, label, &m), "%s", label));
    veil_error *err = veil_wasm_validate(m);
    if (err == NULL)
        err = canonicalise_types(m);
    if (err == NULL)
        err = veil_interp_compile_module(m);
    if (err != NULL) {
        veil_wasm_module_free(m);
        return veil_error_wrap(err, "%s", label);
    }
    *out = m;
    return NULL;
}

void veil_wasm_module_free(veil_wasm_module *m) {
    if (m == NULL)
        return;
    for (uint32_t i = 0; i < m->type_count; i++)
        free((void *)m->types[i].params);
    free(m->types);
    free(m->type_canon);
    for (uint32_t i = 0; i < m->import_count; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    for (uint32_t i = 0; i < m->func_def_count; i++) {
        free(m->funcs[i].local_types);
        veil_interp_code_free(m->funcs[i].code);
    }
    free(m->funcs);
    free(m->func_type_index);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    free(m->global_inits);
    for (uint32_t i = 0; i < m->export_count; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++)
        free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->func_declared);
    if (m->func_names != NULL) {
        for (uint32_t i = 0; i < m->func_names_count; i++)
            free(m->func_names[i]);
        free(m->func_names);
    }
    free(m->bytes);
    free(m->name);
    free(m);
}

const char *veil_wasm_module_func_name(const veil_wasm_module *m, uint32_t func_index) {
    if (func_index >= m->func_count)
        return "";
    if (func_index < m->func_names_count && m->func_names[func_index] != NULL)
        return m->func_names[func_index];
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].kind == VEIL_WASM_EXTERN_FUNC && m->exports[i].index == func_index)
            return m->exports[i].name;
    return "";
}

uint32_t veil_wasm_module_import_count(const veil_wasm_module *m) {
    return m->import_count;
}

static void describe(const veil_wasm_module *m, veil_wasm_extern_kind kind, uint32_t index,
                     veil_wasm_extern_desc *out) {
    out->kind = kind;
    switch (kind) {
    case VEIL_WASM_EXTERN_FUNC:
        out->func = *veil_wasm_module_func_type(m, index);
        break;
    case VEIL_WASM_EXTERN_TABLE:
        out->elem_type = m->tables[index].elem_type;
        out->limits = m->tables[index].limits;
        break;
    case VEIL_WASM_EXTERN_MEMORY:
        out->limits = m->memories[index];
        break;
    case VEIL_WASM_EXTERN_GLOBAL:
        out->global_type = m->globals[index].type;
        out->global_mutable = m->globals[index].mutable_;
        break;
    }
}

void veil_wasm_module_import(const veil_wasm_module *m, uint32_t index,
                             veil_wasm_extern_desc *out) {
    memset(out, 0, sizeof(*out));
    if (index >= m->import_count)
        return;
    const veil_wasm_import_def *imp = &m->imports[index];
    out->module = imp->module;
    out->module_len = imp->module_len;
    out->name = imp->name;
    out->name_len = imp->name_len;
    describe(m, imp->kind, imp->index, out);
}

uint32_t veil_wasm_module_export_count(const veil_wasm_module *m) {
    return m->export_count;
}

void veil_wasm_module_export(const veil_wasm_module *m, uint32_t index,
                             veil_wasm_extern_desc *out) {
    memset(out, 0, sizeof(*out));
    if (index >= m->export_count)
        return;
    const veil_wasm_export_def *exp = &m->exports[index];
    out->name = exp->name;
    out->name_len = exp->name_len;
    describe(m, exp->kind, exp->index, out);
}

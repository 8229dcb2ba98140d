/*
 * Stores: limits, ownership of every runtime object, interned function
 * types, host objects (functions, memories, tables, globals), linear-memory
 * and table growth, and veil_wasm_call().
 *
 * Linear memory: the address space for the whole growable range (declared
 * maximum, capped by the store's max_memory_pages) is reserved PROT_NONE at
 * creation and pages are made accessible as the memory grows, so the base
 * pointer never moves and the interpreter can keep it in a register.
 * memory.grow beyond the cap returns -1 like any other failed growth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aot/bind.h"
#include "runtime.h"
#include "veil/str.h"

const char *veil_wasm_trap_message(veil_wasm_trap_kind kind) {
    switch (kind) {
    case VEIL_TRAP_NONE:
        return "no trap";
    case VEIL_TRAP_UNREACHABLE:
        return "unreachable";
    case VEIL_TRAP_MEMORY_OOB:
        return "out of bounds memory access";
    case VEIL_TRAP_TABLE_OOB:
        return "out of bounds table access";
    case VEIL_TRAP_INT_OVERFLOW:
        return "integer overflow";
    case VEIL_TRAP_DIV_BY_ZERO:
        return "integer divide by zero";
    case VEIL_TRAP_INVALID_CONVERSION:
        return "invalid conversion to integer";
    case VEIL_TRAP_INDIRECT_MISMATCH:
        return "indirect call type mismatch";
    case VEIL_TRAP_UNDEFINED_ELEMENT:
        return "undefined element";
    case VEIL_TRAP_UNINITIALIZED_ELEMENT:
        return "uninitialized element";
    case VEIL_TRAP_STACK_EXHAUSTED:
        return "call stack exhausted";
    case VEIL_TRAP_OUT_OF_FUEL:
        return "out of fuel";
    case VEIL_TRAP_DEADLINE:
        return "deadline exceeded";
    case VEIL_TRAP_MEMORY_LIMIT:
        return "memory limit exceeded";
    case VEIL_TRAP_HOST:
        return "host function failed";
    case VEIL_TRAP_EXIT:
        return "exit";
    }
    return "unknown trap";
}

/* ---- object lists ---- */

static veil_error *append(void ***list, size_t *count, size_t *cap, void *item) {
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void **p = realloc(*list, ncap * sizeof(void *));
        if (p == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory adding to a store");
        *list = p;
        *cap = ncap;
    }
    (*list)[(*count)++] = item;
    return NULL;
}

veil_error *veil_store_add_func(veil_wasm_store *s, veil_wasm_func *f) {
    return append((void ***)&s->funcs, &s->func_count, &s->func_cap, f);
}

veil_error *veil_store_add_instance(veil_wasm_store *s, veil_wasm_instance *inst) {
    return append((void ***)&s->instances, &s->instance_count, &s->instance_cap, inst);
}

/* ---- stores ---- */

veil_error *veil_wasm_store_new(const veil_wasm_limits *limits, veil_wasm_strategy strategy,
                                veil_wasm_store **out) {
    *out = NULL;
    if (strategy != VEIL_WASM_INTERP && strategy != VEIL_WASM_AOT)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "execution strategy %d is not available in this engine",
                              (int)strategy);
    veil_wasm_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a store");
    if (limits != NULL)
        s->limits = *limits;
    if (s->limits.max_memory_pages == 0 || s->limits.max_memory_pages > VEIL_WASM_MAX_PAGES)
        s->limits.max_memory_pages = VEIL_WASM_MAX_PAGES;
    if (s->limits.max_call_depth == 0)
        s->limits.max_call_depth = VEIL_WASM_DEFAULT_CALL_DEPTH;
    s->strategy = strategy;
    s->fuel = s->limits.fuel == 0 ? UINT64_MAX : s->limits.fuel;
    atomic_init(&s->interrupt, 0);
    s->trap.func_index = UINT32_MAX;
    if (strategy == VEIL_WASM_AOT) {
        veil_error *err = veil_aot_binding_new(s);
        if (err != NULL) {
            free(s);
            return err;
        }
    }
    *out = s;
    return NULL;
}

static void memory_free(veil_wasm_memory *m) {
    if (m->data != NULL)
        munmap(m->data, m->reserved);
    free(m);
}

static void instance_free(veil_wasm_instance *inst) {
    if (inst->elem_values != NULL)
        for (uint32_t i = 0; i < inst->module->elem_count; i++)
            free(inst->elem_values[i]);
    free(inst->elem_values);
    free(inst->elem_lengths);
    free(inst->data_lengths);
    free(inst->funcs);
    free(inst->tables);
    free(inst->globals);
    free(inst->type_ids);
    veil_aot_instance_free(inst->aot);
    free(inst);
}

void veil_wasm_store_free(veil_wasm_store *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->func_count; i++) {
        free(s->funcs[i]->name);
        free(s->funcs[i]);
    }
    free(s->funcs);
    for (size_t i = 0; i < s->memory_count; i++)
        memory_free(s->memories[i]);
    free(s->memories);
    for (size_t i = 0; i < s->table_count; i++) {
        free(s->tables[i]->elems);
        free(s->tables[i]);
    }
    free(s->tables);
    for (size_t i = 0; i < s->global_count; i++)
        free(s->globals[i]);
    free(s->globals);
    for (size_t i = 0; i < s->instance_count; i++)
        instance_free(s->instances[i]);
    free(s->instances);
    for (uint32_t i = 0; i < s->type_count; i++)
        free((void *)s->types[i].type.params);
    free(s->types);
    free(s->type_index);
    if (s->stack != NULL)
        munmap(s->stack, VEIL_WASM_STACK_SLOTS * sizeof(uint64_t));
    free(s->frames);
    veil_error_free(s->host_error);
    veil_aot_binding_free(s->aot);
    free(s);
}

uint64_t veil_wasm_store_fuel(const veil_wasm_store *s) {
    return s->fuel;
}

void veil_wasm_store_set_fuel(veil_wasm_store *s, uint64_t fuel) {
    s->fuel = fuel;
}

/* ---- function types ---- */

static veil_error *rehash_types(veil_wasm_store *s, uint32_t cap) {
    uint32_t *index = calloc(cap, sizeof(uint32_t));
    if (index == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory interning function types");
    for (uint32_t id = 0; id < s->type_count; id++) {
        uint32_t slot = (uint32_t)s->types[id].hash & (cap - 1);
        while (index[slot] != 0)
            slot = (slot + 1) & (cap - 1);
        index[slot] = id + 1;
    }
    free(s->type_index);
    s->type_index = index;
    s->type_index_cap = cap;
    return NULL;
}

veil_error *veil_store_intern_type(veil_wasm_store *s, const veil_wasm_functype *type,
                                   uint32_t *id) {
    uint64_t hash = veil_wasm_functype_hash(type);
    if (s->type_index_cap != 0) {
        uint32_t slot = (uint32_t)hash & (s->type_index_cap - 1);
        while (s->type_index[slot] != 0) {
            const veil_type_entry *e = &s->types[s->type_index[slot] - 1];
            if (e->hash == hash && veil_wasm_functype_equal(&e->type, type)) {
                *id = s->type_index[slot] - 1;
                return NULL;
            }
            slot = (slot + 1) & (s->type_index_cap - 1);
        }
    }
    if (s->type_count == s->type_cap) {
        uint32_t ncap = s->type_cap ? s->type_cap * 2 : 16;
        veil_type_entry *t = realloc(s->types, ncap * sizeof(*t));
        if (t == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory interning function types");
        s->types = t;
        s->type_cap = ncap;
    }
    size_t n = (size_t)type->param_count + type->result_count;
    veil_wasm_valtype *arr = malloc((n ? n : 1) * sizeof(*arr));
    if (arr == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory interning function types");
    if (type->param_count)
        memcpy(arr, type->params, type->param_count * sizeof(*arr));
    if (type->result_count)
        memcpy(arr + type->param_count, type->results, type->result_count * sizeof(*arr));
    veil_type_entry *e = &s->types[s->type_count];
    e->type.params = arr;
    e->type.results = arr + type->param_count;
    e->type.param_count = type->param_count;
    e->type.result_count = type->result_count;
    e->hash = hash;
    *id = s->type_count++;
    if ((uint64_t)s->type_count * 2 > s->type_index_cap)
        return rehash_types(s, s->type_index_cap ? s->type_index_cap * 2 : 64);
    uint32_t slot = (uint32_t)hash & (s->type_index_cap - 1);
    while (s->type_index[slot] != 0)
        slot = (slot + 1) & (s->type_index_cap - 1);
    s->type_index[slot] = *id + 1;
    return NULL;
}

static uint32_t type_slots(const veil_wasm_valtype *types, uint32_t n) {
    uint32_t slots = 0;
    for (uint32_t i = 0; i < n; i++)
        slots += veil_wasm_valtype_slots(types[i]);
    return slots;
}

static bool valid_valtype(veil_wasm_valtype t) {
    switch (t) {
    case VEIL_WASM_I32:
    case VEIL_WASM_I64:
    case VEIL_WASM_F32:
    case VEIL_WASM_F64:
    case VEIL_WASM_V128:
    case VEIL_WASM_FUNCREF:
    case VEIL_WASM_EXTERNREF:
        return true;
    }
    return false;
}

/* ---- host functions ---- */

veil_error *veil_wasm_func_new_host(veil_wasm_store *s, const veil_wasm_functype *type,
                                    veil_wasm_host_fn fn, void *env, const char *name,
                                    veil_wasm_func **out) {
    *out = NULL;
    VEIL_ENSURE(fn != NULL, VEIL_EINVAL, "host function %s: no callback", name ? name : "");
    VEIL_ENSURE(type->param_count <= VEIL_WASM_MAX_FUNC_PARAMS &&
                    type->result_count <= VEIL_WASM_MAX_FUNC_PARAMS,
                VEIL_EINVAL, "host function %s: too many params or results", name ? name : "");
    for (uint32_t i = 0; i < type->param_count + type->result_count; i++) {
        veil_wasm_valtype t =
            i < type->param_count ? type->params[i] : type->results[i - type->param_count];
        VEIL_ENSURE(valid_valtype(t), VEIL_EINVAL, "host function %s: invalid value type %d",
                    name ? name : "", (int)t);
        VEIL_ENSURE(t != VEIL_WASM_V128, VEIL_EINVAL,
                    "host function %s: v128 parameters and results are not supported",
                    name ? name : "");
    }
    veil_wasm_func *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating host function");
    veil_error *err = veil_strdup(name != NULL ? name : "", &f->name);
    if (err == NULL)
        err = veil_store_intern_type(s, type, &f->type_id);
    if (err == NULL)
        err = veil_store_add_func(s, f);
    if (err != NULL) {
        free(f->name);
        free(f);
        return err;
    }
    f->store = s;
    f->type = s->types[f->type_id].type;
    f->param_slots = type->param_count;
    f->result_slots = type->result_count;
    f->host_fn = fn;
    f->host_env = env;
    f->func_index = UINT32_MAX;
    *out = f;
    return NULL;
}

void veil_wasm_func_type(const veil_wasm_func *f, veil_wasm_functype *out) {
    *out = f->type;
}

/* ---- memories ---- */

veil_error *veil_store_memory_create(veil_wasm_store *s, uint64_t min_pages, bool has_max,
                                     uint64_t max_pages, veil_wasm_memory **out) {
    *out = NULL;
    uint64_t limit = has_max ? max_pages : VEIL_WASM_MAX_PAGES;
    if (limit > s->limits.max_memory_pages)
        limit = s->limits.max_memory_pages;
    if (min_pages > limit)
        return veil_error_new(VEIL_ELIMIT,
                              "memory of %llu pages exceeds the limit of %llu pages (%llu MiB)",
                              (unsigned long long)min_pages, (unsigned long long)limit,
                              (unsigned long long)(limit / 16));
    veil_wasm_memory *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a memory");
    m->store = s;
    m->has_max = has_max;
    m->declared_max = max_pages;
    m->max_pages = limit;
    m->reserved = (size_t)limit * VEIL_WASM_PAGE_SIZE;
    if (s->aot != NULL)
        m->reserved = veil_aot_memory_reservation(s->aot, m->reserved);
    if (m->reserved > 0) {
        void *p =
            mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            free(m);
            return veil_error_new(VEIL_ENOMEM, "cannot reserve %zu bytes for a linear memory",
                                  m->reserved);
        }
        m->data = p;
    }
    if (min_pages > 0 &&
        mprotect(m->data, (size_t)min_pages * VEIL_WASM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        memory_free(m);
        return veil_error_new(VEIL_ENOMEM, "cannot commit %llu pages of linear memory",
                              (unsigned long long)min_pages);
    }
    m->pages = min_pages;
    m->size = min_pages * VEIL_WASM_PAGE_SIZE;
    veil_error *err = append((void ***)&s->memories, &s->memory_count, &s->memory_cap, m);
    if (err != NULL) {
        memory_free(m);
        return err;
    }
    *out = m;
    return NULL;
}

int64_t veil_memory_grow(veil_wasm_memory *m, uint64_t delta) {
    uint64_t old = m->pages;
    if (delta == 0)
        return (int64_t)old;
    if (delta > m->max_pages - old)
        return -1;
    uint64_t pages = old + delta;
    if (mprotect(m->data + m->size, (size_t)delta * VEIL_WASM_PAGE_SIZE, PROT_READ | PROT_WRITE) !=
        0)
        return -1;
    m->pages = pages;
    m->size = pages * VEIL_WASM_PAGE_SIZE;
    return (int64_t)old;
}

veil_error *veil_wasm_memory_new(veil_wasm_store *s, veil_wasm_limits_range pages,
                                 veil_wasm_memory **out) {
    VEIL_ENSURE(
        pages.min <= VEIL_WASM_MAX_PAGES &&
            (!pages.has_max || (pages.max <= VEIL_WASM_MAX_PAGES && pages.min <= pages.max)),
        VEIL_EINVAL, "invalid memory limits (min %llu, max %llu)", (unsigned long long)pages.min,
        (unsigned long long)pages.max);
    return veil_store_memory_create(s, pages.min, pages.has_max, pages.max, out);
}

uint8_t *veil_wasm_memory_data(veil_wasm_memory *m, uint64_t *size_bytes) {
    *size_bytes = m->size;
    return m->data;
}

void veil_wasm_memory_limits(const veil_wasm_memory *m, veil_wasm_limits_range *out) {
    out->min = m->pages;
    out->has_max = m->has_max;
    out->max = m->has_max ? m->declared_max : 0;
}

/* ---- tables ---- */

veil_error *veil_store_table_create(veil_wasm_store *s, veil_wasm_valtype elem_type, uint32_t min,
                                    bool has_max, uint32_t max, veil_wasm_table **out) {
    *out = NULL;
    if (min > VEIL_WASM_MAX_TABLE_SIZE)
        return veil_error_new(VEIL_ELIMIT, "table of %u elements exceeds the limit of %u", min,
                              VEIL_WASM_MAX_TABLE_SIZE);
    veil_wasm_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a table");
    t->store = s;
    t->elem_type = elem_type;
    t->size = min;
    t->capacity = min;
    t->has_max = has_max;
    t->max = max;
    t->elems = calloc(min ? min : 1, sizeof(uint64_t));
    veil_error *err = t->elems == NULL
                          ? veil_error_new(VEIL_ENOMEM, "out of memory creating a table")
                          : append((void ***)&s->tables, &s->table_count, &s->table_cap, t);
    if (err != NULL) {
        free(t->elems);
        free(t);
        return err;
    }
    *out = t;
    return NULL;
}

int64_t veil_table_grow(veil_wasm_table *t, uint32_t delta, uint64_t init) {
    uint32_t old = t->size;
    uint64_t limit = t->has_max ? t->max : UINT32_MAX;
    if (limit > VEIL_WASM_MAX_TABLE_SIZE)
        limit = VEIL_WASM_MAX_TABLE_SIZE;
    if ((uint64_t)old + delta > limit)
        return -1;
    uint32_t size = old + delta;
    if (size > t->capacity) {
        uint64_t cap = (uint64_t)t->capacity * 2;
        if (cap < size)
            cap = size;
        if (cap > limit)
            cap = limit;
        uint64_t *elems = realloc(t->elems, cap * sizeof(uint64_t));
        if (elems == NULL)
            return -1;
        t->elems = elems;
        t->capacity = (uint32_t)cap;
    }
    for (uint32_t i = old; i < size; i++)
        t->elems[i] = init;
    t->size = size;
    return old;
}

veil_error *veil_wasm_table_new(veil_wasm_store *s, veil_wasm_valtype elem_type,
                                veil_wasm_limits_range limits, veil_wasm_table **out) {
    VEIL_ENSURE(elem_type == VEIL_WASM_FUNCREF || elem_type == VEIL_WASM_EXTERNREF, VEIL_EINVAL,
                "table element type must be funcref or externref");
    VEIL_ENSURE(limits.min <= UINT32_MAX &&
                    (!limits.has_max || (limits.max <= UINT32_MAX && limits.min <= limits.max)),
                VEIL_EINVAL, "invalid table limits");
    return veil_store_table_create(s, elem_type, (uint32_t)limits.min, limits.has_max,
                                   (uint32_t)limits.max, out);
}

void veil_wasm_table_limits(const veil_wasm_table *t, veil_wasm_valtype *elem_type,
                            veil_wasm_limits_range *out) {
    if (elem_type != NULL)
        *elem_type = t->elem_type;
    out->min = t->size;
    out->has_max = t->has_max;
    out->max = t->has_max ? t->max : 0;
}

/* ---- globals ---- */

veil_error *veil_store_global_create(veil_wasm_store *s, veil_wasm_valtype type, bool mutable_,
                                     const uint64_t value[2], veil_wasm_global **out) {
    *out = NULL;
    veil_wasm_global *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a global");
    g->store = s;
    g->type = type;
    g->mutable_ = mutable_;
    g->value[0] = value[0];
    g->value[1] = value[1];
    veil_error *err = append((void ***)&s->globals, &s->global_count, &s->global_cap, g);
    if (err != NULL) {
        free(g);
        return err;
    }
    *out = g;
    return NULL;
}

/* Value <-> slots. */
static void value_to_slots(const veil_wasm_value *v, uint64_t *slots) {
    switch (v->type) {
    case VEIL_WASM_I32:
        slots[0] = v->of.i32;
        break;
    case VEIL_WASM_F32:
        slots[0] = v->of.f32_bits;
        break;
    case VEIL_WASM_I64:
        slots[0] = v->of.i64;
        break;
    case VEIL_WASM_F64:
        slots[0] = v->of.f64_bits;
        break;
    case VEIL_WASM_V128:
        memcpy(slots, v->of.v128, 16);
        break;
    case VEIL_WASM_FUNCREF:
        slots[0] = (uint64_t)(uintptr_t)v->of.funcref;
        break;
    case VEIL_WASM_EXTERNREF:
        slots[0] = v->of.externref;
        break;
    }
}

static void slots_to_value(veil_wasm_valtype type, const uint64_t *slots, veil_wasm_value *v) {
    memset(v, 0, sizeof(*v));
    v->type = type;
    switch (type) {
    case VEIL_WASM_I32:
        v->of.i32 = (uint32_t)slots[0];
        break;
    case VEIL_WASM_F32:
        v->of.f32_bits = (uint32_t)slots[0];
        break;
    case VEIL_WASM_I64:
        v->of.i64 = slots[0];
        break;
    case VEIL_WASM_F64:
        v->of.f64_bits = slots[0];
        break;
    case VEIL_WASM_V128:
        memcpy(v->of.v128, slots, 16);
        break;
    case VEIL_WASM_FUNCREF:
        v->of.funcref = (veil_wasm_func *)(uintptr_t)slots[0];
        break;
    case VEIL_WASM_EXTERNREF:
        v->of.externref = (uintptr_t)slots[0];
        break;
    }
}

veil_error *veil_wasm_global_new(veil_wasm_store *s, veil_wasm_value value, bool mutable_,
                                 veil_wasm_global **out) {
    VEIL_ENSURE(valid_valtype(value.type), VEIL_EINVAL, "global of invalid type %d",
                (int)value.type);
    VEIL_ENSURE(value.type != VEIL_WASM_FUNCREF || value.of.funcref == NULL ||
                    value.of.funcref->store == s,
                VEIL_EINVAL, "global refers to a function of another store");
    uint64_t slots[2] = {0, 0};
    value_to_slots(&value, slots);
    return veil_store_global_create(s, value.type, mutable_, slots, out);
}

veil_wasm_value veil_wasm_global_get(const veil_wasm_global *g) {
    veil_wasm_value v;
    slots_to_value(g->type, g->value, &v);
    return v;
}

void veil_wasm_global_type(const veil_wasm_global *g, veil_wasm_valtype *type, bool *mutable_) {
    if (type != NULL)
        *type = g->type;
    if (mutable_ != NULL)
        *mutable_ = g->mutable_;
}

/* ---- callers (host functions) ---- */

uint8_t *veil_wasm_caller_memory(veil_wasm_caller *caller, uint64_t *size_bytes) {
    if (caller->instance == NULL || caller->instance->memory == NULL) {
        *size_bytes = 0;
        return NULL;
    }
    *size_bytes = caller->instance->memory->size;
    return caller->instance->memory->data;
}

veil_wasm_store *veil_wasm_caller_store(veil_wasm_caller *caller) {
    return caller->store;
}

veil_error *veil_wasm_caller_exit(veil_wasm_caller *caller, uint32_t exit_code) {
    caller->store->trap.kind = VEIL_TRAP_EXIT;
    caller->store->trap.exit_code = exit_code;
    return veil_error_new(VEIL_ETRAP, "program exited with code %u", exit_code);
}

/* ---- calls ---- */

veil_error *veil_store_trap_error(veil_wasm_store *s, veil_wasm_trap_kind kind,
                                  const veil_wasm_module *module, uint32_t func_index,
                                  veil_wasm_trap *out) {
    veil_wasm_trap trap;
    memset(&trap, 0, sizeof(trap));
    trap.kind = kind;
    trap.func_index = func_index;
    trap.exit_code = kind == VEIL_TRAP_EXIT ? s->trap.exit_code : 0;
    const char *name = "";
    if (module != NULL && func_index != UINT32_MAX)
        name = veil_wasm_module_func_name(module, func_index);
    veil_strlcpy(trap.func_name, name, sizeof(trap.func_name));
    if (out != NULL)
        *out = trap;
    veil_error *err;
    char where[128] = "";
    if (func_index != UINT32_MAX)
        snprintf(where, sizeof(where), " in function %u%s%s%s", func_index, name[0] ? " (" : "",
                 name, name[0] ? ")" : "");
    if ((kind == VEIL_TRAP_HOST || kind == VEIL_TRAP_EXIT) && s->host_error != NULL) {
        err = veil_error_new(VEIL_ETRAP, "%s%s: %s", veil_wasm_trap_message(kind), where,
                             veil_error_message(s->host_error));
        veil_error_free(s->host_error);
        s->host_error = NULL;
    } else {
        err = veil_error_new(VEIL_ETRAP, "%s%s", veil_wasm_trap_message(kind), where);
    }
    return err;
}

static veil_error *ensure_exec_state(veil_wasm_store *s) {
    if (s->stack == NULL) {
        void *p = mmap(NULL, VEIL_WASM_STACK_SLOTS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return veil_error_new(VEIL_ENOMEM, "cannot allocate the wasm value stack");
        s->stack = p;
        s->stack_end = s->stack + VEIL_WASM_STACK_SLOTS;
        s->sp = s->stack;
    }
    if (s->frames == NULL) {
        s->frames = calloc(s->limits.max_call_depth, sizeof(veil_interp_frame));
        if (s->frames == NULL)
            return veil_error_new(VEIL_ENOMEM, "cannot allocate %u call frames",
                                  s->limits.max_call_depth);
    }
    return NULL;
}

/* Runs func with argument slots; on a trap returns the VEIL_ETRAP error. */
veil_error *veil_store_invoke(veil_wasm_store *s, veil_wasm_func *func, const uint64_t *args,
                              uint64_t *results, veil_wasm_trap *trap) {
    VEIL_TRY(ensure_exec_state(s));
    bool outermost = s->nesting == 0;
    veil_watch *watch = NULL;
    if (outermost) {
        atomic_store(&s->interrupt, 0);
        if (s->limits.timeout_ms > 0)
            VEIL_TRY(veil_watchdog_arm(&s->interrupt, s->limits.timeout_ms, &watch));
    }
    veil_wasm_trap_kind kind = func->instance != NULL && func->instance->aot != NULL
                                   ? veil_aot_invoke(s, func, args, results)
                                   : veil_interp_call(s, func, args, results);
    if (watch != NULL)
        veil_watchdog_disarm(watch);
    if (kind == VEIL_TRAP_NONE)
        return NULL;
    return veil_store_trap_error(s, kind, s->trap_module, s->trap.func_index, trap);
}

veil_error *veil_wasm_call(veil_wasm_store *s, veil_wasm_func *func, const veil_wasm_value *args,
                           size_t arg_count, veil_wasm_value *results, size_t result_count,
                           veil_wasm_trap *trap) {
    if (trap != NULL) {
        memset(trap, 0, sizeof(*trap));
        trap->func_index = UINT32_MAX;
    }
    VEIL_ENSURE(func != NULL && func->store == s, VEIL_EINVAL,
                "function does not belong to this store");
    const veil_wasm_functype *t = &func->type;
    VEIL_ENSURE(arg_count == t->param_count, VEIL_EINVAL, "function takes %u arguments, %zu given",
                t->param_count, arg_count);
    VEIL_ENSURE(result_count == t->result_count, VEIL_EINVAL,
                "function returns %u results, room for %zu given", t->result_count, result_count);
    uint32_t pslots = type_slots(t->params, t->param_count);
    uint32_t rslots = type_slots(t->results, t->result_count);
    uint64_t *argv = calloc((size_t)pslots + 1, sizeof(uint64_t));
    uint64_t *resv = calloc((size_t)rslots + 1, sizeof(uint64_t));
    veil_error *err = NULL;
    if (argv == NULL || resv == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory calling a function");
    uint32_t at = 0;
    for (size_t i = 0; err == NULL && i < arg_count; i++) {
        if (args[i].type != t->params[i]) {
            err = veil_error_new(VEIL_EINVAL, "argument %zu is %s, the function wants %s", i,
                                 veil_wasm_valtype_name(args[i].type),
                                 veil_wasm_valtype_name(t->params[i]));
            break;
        }
        if (args[i].type == VEIL_WASM_FUNCREF && args[i].of.funcref != NULL &&
            args[i].of.funcref->store != s) {
            err = veil_error_new(VEIL_EINVAL, "argument %zu is a function of another store", i);
            break;
        }
        value_to_slots(&args[i], argv + at);
        at += veil_wasm_valtype_slots(t->params[i]);
    }
    if (err == NULL)
        err = veil_store_invoke(s, func, argv, resv, trap);
    if (err == NULL) {
        at = 0;
        for (size_t i = 0; i < result_count; i++) {
            slots_to_value(t->results[i], resv + at, &results[i]);
            at += veil_wasm_valtype_slots(t->results[i]);
        }
    }
    free(argv);
    free(resv);
    return err;
}

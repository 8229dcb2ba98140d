/*
 * The AOT strategy behind the engine's API: what connects compiled code to
 * the engine's stores, instances, memories, tables and globals.
 *
 * A store created with VEIL_WASM_AOT gets a veil_aot_binding (store->aot):
 * the execution state shared by compiled code (veil_aot_store), and the
 * compiled libraries of the modules instantiated in it (one per module,
 * obtained from the cache or built on first use, freed with the store).
 * Each instance gets a veil_aot_instance (instance->aot) holding its
 * veil_aot_ctx: generated code reaches the engine's objects directly —
 * memory 0 through a view of the engine memory's {data, size} pair (the
 * engine reserves a memory's whole range up front, so `data` never moves
 * and growth is seen at once), globals through pointers to their value
 * slots, functions as veil_wasm_func pointers (the engine's funcref
 * representation, so tables are shared unchanged with the engine).
 *
 * Everything else (table operations, memory.grow/init, calls to host
 * functions) goes through the veil_aot_rt callbacks below, which apply the
 * same checks and trap kinds as the interpreter.  Fuel is the store's: it
 * moves into the compiled code's budget at the outermost entry and what is
 * left moves back on return.  Values cross between the engine (64-bit
 * slots, v128 in two) and compiled code (16-byte veil_aot_slot cells) only
 * here.
 *
 * Options: by default every memory of the store reserves 8 GiB + 64 KiB of
 * address space (veil_aot_memory_reservation) and compiled code relies on
 * the fault handler instead of checking accesses, when the process can
 * reserve that much (veil_aot_guard_pages_available: not under a tight
 * RLIMIT_AS, for instance); otherwise, or with VEIL_AOT_GUARD_PAGES=0,
 * every access is explicitly bounds-checked.  Fuel/deadline metering is
 * compiled in when the store has a fuel or time limit, and left out
 * otherwise.  docs/aot.md gives the cost of both.
 */
#include "bind.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "runtime.h"
#include "worker.h"
#include "veil/hash.h"
#include "veil/log.h"

_Static_assert(offsetof(veil_wasm_memory, size) == offsetof(veil_wasm_memory, data) + 8,
               "compiled code views a memory's {data, size} pair as a veil_aot_memory");

typedef struct bound_module {
    const veil_wasm_module *module;
    veil_aot_library *lib;
} bound_module;

struct veil_aot_binding {
    veil_aot_store exec; /* first: publish_stack_limit finds the binding from it */
    veil_wasm_store *owner;
    veil_aot_options options;
    bound_module *modules;
    size_t module_count, module_cap;
};

struct veil_aot_instance {
    veil_aot_ctx ctx;
    const veil_aot_library *lib;
    void **globals;
    void **funcs;
};

static veil_wasm_instance *instance_of(veil_aot_ctx *ctx) {
    return ctx->host;
}

static veil_aot_store *exec_of(veil_aot_ctx *ctx) {
    return &instance_of(ctx)->store->aot->exec;
}

/* ---- runtime callbacks ---- */

__attribute__((noreturn)) static void rt_trap(veil_aot_ctx *ctx, uint32_t kind, uint32_t func) {
    veil_aot_raise(ctx, kind, func, NULL);
}

static void rt_budget(veil_aot_ctx *ctx, uint32_t func) {
    veil_aot_budget_refill(exec_of(ctx), ctx, func);
}

static uint32_t rt_memory_grow(veil_aot_ctx *ctx, uint32_t delta_pages) {
    return (uint32_t)(int32_t)veil_memory_grow(instance_of(ctx)->memory, delta_pages);
}

static void rt_memory_init(veil_aot_ctx *ctx, uint32_t segment, uint32_t dst, uint32_t src,
                           uint32_t len, uint32_t func) {
    veil_wasm_instance *inst = instance_of(ctx);
    const veil_wasm_memory *mem = inst->memory;
    if ((uint64_t)src + len > inst->data_lengths[segment] || (uint64_t)dst + len > mem->size)
        veil_aot_raise(ctx, VEIL_TRAP_MEMORY_OOB, func, NULL);
    if (len > 0)
        memcpy(mem->data + dst, inst->module->datas[segment].bytes + src, len);
}

static void rt_data_drop(veil_aot_ctx *ctx, uint32_t segment) {
    instance_of(ctx)->data_lengths[segment] = 0;
}

static void *rt_table_get(veil_aot_ctx *ctx, uint32_t table, uint32_t index, uint32_t func) {
    const veil_wasm_table *t = instance_of(ctx)->tables[table];
    if (index >= t->size)
        veil_aot_raise(ctx, VEIL_TRAP_TABLE_OOB, func, NULL);
    return (void *)(uintptr_t)t->elems[index];
}

static void rt_table_set(veil_aot_ctx *ctx, uint32_t table, uint32_t index, void *value,
                         uint32_t func) {
    veil_wasm_table *t = instance_of(ctx)->tables[table];
    if (index >= t->size)
        veil_aot_raise(ctx, VEIL_TRAP_TABLE_OOB, func, NULL);
    t->elems[index] = (uint64_t)(uintptr_t)value;
}

static uint32_t rt_table_size(veil_aot_ctx *ctx, uint32_t table) {
    return instance_of(ctx)->tables[table]->size;
}

static uint32_t rt_table_grow(veil_aot_ctx *ctx, uint32_t table, void *init, uint32_t delta) {
    return (uint32_t)(int32_t)veil_table_grow(instance_of(ctx)->tables[table], delta,
                                              (uint64_t)(uintptr_t)init);
}

static void rt_table_fill(veil_aot_ctx *ctx, uint32_t table, uint32_t index, void *value,
                          uint32_t len, uint32_t func) {
    veil_wasm_table *t = instance_of(ctx)->tables[table];
    if ((uint64_t)index + len > t->size)
        veil_aot_raise(ctx, VEIL_TRAP_TABLE_OOB, func, NULL);
    for (uint32_t k = 0; k < len; k++)
        t->elems[index + k] = (uint64_t)(uintptr_t)value;
}

static void rt_table_copy(veil_aot_ctx *ctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                          uint32_t src, uint32_t len, uint32_t func) {
    veil_wasm_instance *inst = instance_of(ctx);
    veil_wasm_table *dt = inst->tables[dst_table];
    const veil_wasm_table *st = inst->tables[src_table];
    if ((uint64_t)dst + len > dt->size || (uint64_t)src + len > st->size)
        veil_aot_raise(ctx, VEIL_TRAP_TABLE_OOB, func, NULL);
    if (len > 0)
        memmove(dt->elems + dst, st->elems + src, (size_t)len * sizeof(uint64_t));
}

static void rt_table_init(veil_aot_ctx *ctx, uint32_t table, uint32_t segment, uint32_t dst,
                          uint32_t src, uint32_t len, uint32_t func) {
    veil_wasm_instance *inst = instance_of(ctx);
    veil_wasm_table *t = inst->tables[table];
    if ((uint64_t)src + len > inst->elem_lengths[segment] || (uint64_t)dst + len > t->size)
        veil_aot_raise(ctx, VEIL_TRAP_TABLE_OOB, func, NULL);
    if (len > 0)
        memcpy(t->elems + dst, inst->elem_values[segment] + src, (size_t)len * sizeof(uint64_t));
}

static void rt_elem_drop(veil_aot_ctx *ctx, uint32_t segment) {
    instance_of(ctx)->elem_lengths[segment] = 0;
}

/* Compiled code of a function, or NULL for host functions. */
static veil_aot_target target_of(veil_wasm_func *f) {
    veil_aot_target target = {NULL, f};
    if (f->host_fn == NULL && f->instance != NULL && f->instance->aot != NULL) {
        const veil_aot_module_info *info = f->instance->aot->lib->info;
        target.code = info->code[f->func_index - info->import_func_count];
        target.ctx = &f->instance->aot->ctx;
    }
    return target;
}

static veil_aot_target rt_indirect(veil_aot_ctx *ctx, uint32_t table, uint32_t index,
                                   uint32_t type_index, uint32_t func) {
    veil_wasm_instance *inst = instance_of(ctx);
    const veil_wasm_table *t = inst->tables[table];
    if (index >= t->size)
        veil_aot_raise(ctx, VEIL_TRAP_UNDEFINED_ELEMENT, func, NULL);
    veil_wasm_func *f = (veil_wasm_func *)(uintptr_t)t->elems[index];
    if (f == NULL)
        veil_aot_raise(ctx, VEIL_TRAP_UNINITIALIZED_ELEMENT, func, NULL);
    if (f->type_id != inst->type_ids[type_index])
        veil_aot_raise(ctx, VEIL_TRAP_INDIRECT_MISMATCH, func, NULL);
    return target_of(f);
}

/* Engine slots <-> compiled-code cells. */
static uint32_t to_engine(const veil_wasm_valtype *types, uint32_t n, const veil_aot_slot *cells,
                          uint64_t *slots) {
    uint32_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (types[i] == VEIL_WASM_V128) {
            memcpy(slots + at, cells[i].v128, 16);
            at += 2;
        } else if (types[i] == VEIL_WASM_I32 || types[i] == VEIL_WASM_F32) {
            slots[at++] = cells[i].i32;
        } else {
            slots[at++] = cells[i].i64;
        }
    }
    return at;
}

static void from_engine(const veil_wasm_valtype *types, uint32_t n, const uint64_t *slots,
                        veil_aot_slot *cells) {
    uint32_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        memset(&cells[i], 0, sizeof cells[i]);
        if (types[i] == VEIL_WASM_V128) {
            memcpy(cells[i].v128, slots + at, 16);
            at += 2;
        } else if (types[i] == VEIL_WASM_I32 || types[i] == VEIL_WASM_F32) {
            cells[i].i32 = (uint32_t)slots[at++];
        } else {
            cells[i].i64 = slots[at++];
        }
    }
}

/* Calls a host function from compiled code; its error becomes a host (or
 * exit) trap carrying the error. */
static void call_host(veil_aot_ctx *caller_ctx, veil_wasm_func *f, veil_aot_slot *cells,
                      uint32_t func) {
    veil_wasm_instance *caller_inst = instance_of(caller_ctx);
    veil_wasm_store *s = caller_inst->store;
    uint64_t args[2 * VEIL_WASM_MAX_FUNC_PARAMS + 1];
    uint64_t results[2 * VEIL_WASM_MAX_FUNC_PARAMS + 1];
    to_engine(f->type.params, f->type.param_count, cells, args);
    veil_wasm_caller caller = {s, caller_inst};
    veil_aot_store *ex = &s->aot->exec;
    /* Host functions may charge or read the store's fuel. */
    uint64_t fuel_before = veil_aot_fuel_settle(ex);
    s->fuel = fuel_before;
    s->trap.kind = VEIL_TRAP_NONE;
    veil_error *err = f->host_fn(&caller, f->host_env, args, results);
    veil_aot_fuel_resume(ex, s->fuel);
    if (err != NULL)
        veil_aot_raise(caller_ctx, s->trap.kind == VEIL_TRAP_EXIT ? VEIL_TRAP_EXIT : VEIL_TRAP_HOST,
                       func, err);
    from_engine(f->type.results, f->type.result_count, results, cells);
}

static void rt_call(veil_aot_ctx *ctx, void *func_ref, veil_aot_slot *cells, uint32_t func) {
    veil_wasm_func *f = func_ref;
    veil_aot_target target = target_of(f);
    if (target.code != NULL) {
        const veil_aot_module_info *info = f->instance->aot->lib->info;
        info->trampolines[f->func_index - info->import_func_count](target.ctx, cells);
        return;
    }
    call_host(ctx, f, cells, func);
}

static const veil_aot_rt runtime_callbacks = {
    .trap = rt_trap,
    .budget = rt_budget,
    .memory_grow = rt_memory_grow,
    .memory_init = rt_memory_init,
    .data_drop = rt_data_drop,
    .table_get = rt_table_get,
    .table_set = rt_table_set,
    .table_size = rt_table_size,
    .table_grow = rt_table_grow,
    .table_fill = rt_table_fill,
    .table_copy = rt_table_copy,
    .table_init = rt_table_init,
    .elem_drop = rt_elem_drop,
    .indirect = rt_indirect,
    .call = rt_call,
};

/* ---- stores ---- */

static void publish_stack_limit(veil_aot_store *store) {
    veil_aot_binding *b = (veil_aot_binding *)(void *)store;
    veil_wasm_store *s = b->owner;
    for (size_t i = 0; i < s->instance_count; i++)
        if (s->instances[i] != NULL && s->instances[i]->aot != NULL)
            s->instances[i]->aot->ctx.stack_limit = store->exec.stack_limit;
}

veil_error *veil_aot_binding_new(veil_wasm_store *s) {
    veil_aot_binding *b = calloc(1, sizeof *b);
    if (b == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory creating a store");
    veil_aot_store_init(&b->exec, 0, s->limits.timeout_ms, s->limits.max_call_depth);
    b->exec.publish_stack_limit = publish_stack_limit;
    b->owner = s;
    /* Guard pages unless VEIL_AOT_GUARD_PAGES=0 or the address space does
     * not allow them (=1 insists: memories then fail to reserve instead);
     * docs/aot.md has the measurements behind the default. */
    const char *guard = getenv("VEIL_AOT_GUARD_PAGES");
    if (guard != NULL && strcmp(guard, "0") == 0)
        b->options.guard_pages = false;
    else if (guard != NULL && strcmp(guard, "1") == 0)
        b->options.guard_pages = true;
    else
        b->options.guard_pages = veil_aot_guard_pages_available();
    b->options.metering = s->limits.fuel != 0 || s->limits.timeout_ms != 0;
    s->aot = b;
    return NULL;
}

size_t veil_aot_memory_reservation(const veil_aot_binding *b, size_t needed) {
    return b->options.guard_pages && needed < VEIL_AOT_GUARD_RESERVATION
               ? (size_t)VEIL_AOT_GUARD_RESERVATION
               : needed;
}

void veil_aot_binding_free(veil_aot_binding *b) {
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->module_count; i++)
        veil_aot_library_free(b->modules[i].lib);
    free(b->modules);
    free(b);
}

void veil_aot_instance_free(veil_aot_instance *ai) {
    if (ai == NULL)
        return;
    free(ai->globals);
    free(ai->funcs);
    free(ai);
}

/* ---- modules ---- */

static veil_error *build_input(const veil_wasm_module *m, veil_aot_input *in) {
    memset(in, 0, sizeof *in);
    in->name = m->name;
    in->type_count = m->type_count;
    in->types = m->types;
    in->import_func_count = m->imported_func_count;
    in->import_func_types = m->func_type_index;
    in->func_count = m->func_def_count;
    in->memory_count = m->memory_count;
    in->table_count = m->table_count;
    in->global_count = m->global_count;
    in->data_count = m->data_segment_count;
    in->elem_count = m->elem_count;
    veil_aot_func_input *funcs = calloc((size_t)m->func_def_count + 1, sizeof *funcs);
    veil_wasm_valtype *globals = calloc((size_t)m->global_count + 1, sizeof *globals);
    if (funcs == NULL || globals == NULL) {
        free(funcs);
        free(globals);
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory translating %s", m->name);
    }
    for (uint32_t i = 0; i < m->func_def_count; i++) {
        const veil_wasm_func_def *d = &m->funcs[i];
        funcs[i] = (veil_aot_func_input){d->type_index, d->local_count, d->local_types,
                                         d->body,       d->body_len,    d->body_offset};
    }
    for (uint32_t i = 0; i < m->global_count; i++)
        globals[i] = m->globals[i].type;
    in->funcs = funcs;
    in->global_types = globals;
    return NULL;
}

/* The process's compile worker, when it has one (veil_wasm_aot_use_worker).
 * Set while no AOT store is obtaining modules (at start-up); the client
 * serialises its own requests. */
static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static veil_aot_worker_client *worker_client;

veil_error *veil_wasm_aot_use_worker(int fd) {
    veil_aot_worker_client *client = NULL;
    if (fd >= 0)
        VEIL_TRY(veil_aot_worker_client_new(fd, &client));
    pthread_mutex_lock(&worker_lock);
    veil_aot_worker_client *old = worker_client;
    worker_client = client;
    pthread_mutex_unlock(&worker_lock);
    veil_aot_worker_client_free(old);
    return NULL;
}

static char *no_compiler_reason;

veil_error *veil_wasm_aot_no_compiler(const char *reason) {
    char *copy = NULL;
    if (reason != NULL)
        VEIL_TRY(veil_strdup(reason, &copy));
    pthread_mutex_lock(&worker_lock);
    char *old = no_compiler_reason;
    no_compiler_reason = copy;
    pthread_mutex_unlock(&worker_lock);
    free(old);
    return NULL;
}

veil_error *veil_wasm_aot_worker_serve(int fd) {
    return veil_aot_worker_serve(fd, NULL);
}

veil_error *veil_wasm_aot_worker_confine(char *what, size_t what_size) {
    return veil_aot_worker_confine(NULL, what, what_size);
}

static veil_error *library_for(veil_wasm_store *s, const veil_wasm_module *m,
                               veil_aot_library **out) {
    veil_aot_binding *b = s->aot;
    for (size_t i = 0; i < b->module_count; i++) {
        if (b->modules[i].module == m) {
            *out = b->modules[i].lib;
            return NULL;
        }
    }
    if (b->module_count == b->module_cap) {
        size_t cap = b->module_cap ? 2 * b->module_cap : 8;
        bound_module *grown = realloc(b->modules, cap * sizeof *grown);
        if (grown == NULL)
            return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
        b->modules = grown;
        b->module_cap = cap;
    }
    pthread_mutex_lock(&worker_lock);
    veil_error *unavailable = worker_client == NULL && no_compiler_reason != NULL
                                  ? veil_error_new(VEIL_EUNSUPPORTED, "AOT: %s: no C compiler: %s",
                                                   m->name, no_compiler_reason)
                                  : NULL;
    veil_aot_config config = {
        .remote = worker_client != NULL ? veil_aot_worker_client_remote(worker_client) : NULL};
    pthread_mutex_unlock(&worker_lock);
    VEIL_TRY(unavailable);
    veil_aot_input in;
    VEIL_TRY(build_input(m, &in));
    uint8_t digest[VEIL_SHA256_LEN];
    veil_sha256(m->bytes, m->len, digest);
    veil_aot_build_stats stats;
    veil_aot_library *lib = NULL;
    veil_error *err = veil_aot_obtain(&in, digest, &b->options, &config, &lib, &stats);
    free((void *)in.funcs);
    free((void *)in.global_types);
    if (err != NULL)
        return veil_error_wrap(err, "AOT: %s", m->name);
    veil_log(VEIL_LOG_INFO, "aot",
             "%s: %s %.16s%s (translate %llu us, compile %llu us, total %llu us, %zu bytes of C)",
             m->name, stats.cache_hit ? "cache hit" : "compiled", stats.key,
             config.remote != NULL ? " by the compile worker" : "",
             (unsigned long long)stats.translate_us, (unsigned long long)stats.compile_us,
             (unsigned long long)stats.total_us, stats.c_bytes);
    b->modules[b->module_count++] = (bound_module){m, lib};
    *out = lib;
    return NULL;
}

veil_error *veil_aot_bind_instance(veil_wasm_store *s, veil_wasm_instance *inst) {
    const veil_wasm_module *m = inst->module;
    veil_aot_library *lib;
    VEIL_TRY(library_for(s, m, &lib));
    veil_aot_instance *ai = calloc(1, sizeof *ai);
    if (ai == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory instantiating %s", m->name);
    ai->globals = calloc((size_t)m->global_count + 1, sizeof *ai->globals);
    ai->funcs = calloc((size_t)m->func_count + 1, sizeof *ai->funcs);
    if (ai->globals == NULL || ai->funcs == NULL) {
        veil_aot_instance_free(ai);
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory instantiating %s", m->name);
    }
    for (uint32_t i = 0; i < m->global_count; i++)
        ai->globals[i] = inst->globals[i]->value;
    for (uint32_t i = 0; i < m->func_count; i++)
        ai->funcs[i] = inst->funcs[i];
    ai->lib = lib;
    /* Instantiated while code of the store runs (from a host function):
     * the limit in effect; otherwise the next outermost entry sets it. */
    ai->ctx.stack_limit = s->aot->exec.exec.stack_limit;
    ai->ctx.rt = &runtime_callbacks;
    ai->ctx.exec = &s->aot->exec.exec;
    ai->ctx.memory = inst->memory ? (veil_aot_memory *)(void *)&inst->memory->data : NULL;
    ai->ctx.globals = ai->globals;
    ai->ctx.funcs = ai->funcs;
    ai->ctx.host = inst;
    inst->aot = ai;
    return NULL;
}

/* ---- calls from the engine ---- */

static const veil_wasm_module *module_of_code(const veil_aot_binding *b,
                                              const veil_aot_module_info *code) {
    for (size_t i = 0; i < b->module_count; i++)
        if (b->modules[i].lib->info == code)
            return b->modules[i].module;
    return NULL;
}

veil_wasm_trap_kind veil_aot_invoke(veil_wasm_store *s, veil_wasm_func *func, const uint64_t *args,
                                    uint64_t *results) {
    s->trap.kind = VEIL_TRAP_NONE;
    s->trap_module = NULL;
    veil_aot_instance *ai = func->instance->aot;
    const veil_aot_module_info *info = ai->lib->info;
    uint32_t n = func->type.param_count > func->type.result_count ? func->type.param_count
                                                                  : func->type.result_count;
    /* Host -> wasm re-entry is bounded like the interpreter's. */
    veil_aot_slot *cells =
        s->nesting >= VEIL_WASM_MAX_NESTING ? NULL : calloc((size_t)n + 1, sizeof *cells);
    if (cells == NULL) {
        s->trap.func_index = func->func_index;
        s->trap_module = func->instance->module;
        return VEIL_TRAP_STACK_EXHAUSTED;
    }
    from_engine(func->type.params, func->type.param_count, args, cells);
    veil_aot_store *ex = &s->aot->exec;
    bool outermost = ex->entry_depth == 0;
    if (outermost)
        ex->fuel_left = s->fuel;
    else
        veil_aot_fuel_resume(ex, s->fuel);
    veil_aot_trap_info trap;
    memset(&trap, 0, sizeof trap);
    s->nesting++;
    veil_error *err = veil_aot_enter(
        ex, &ai->ctx, info->trampolines[func->func_index - info->import_func_count], cells, &trap);
    s->nesting--;
    s->fuel = outermost ? ex->fuel_left : veil_aot_fuel_settle(ex);
    veil_wasm_trap_kind kind = VEIL_TRAP_NONE;
    if (err == NULL) {
        to_engine(func->type.results, func->type.result_count, cells, results);
    } else {
        if (trap.kind == VEIL_TRAP_NONE) {
            /* The entry itself failed (no signal stack): report it as the
             * host's error. */
            trap.kind = VEIL_TRAP_HOST;
            trap.func = UINT32_MAX;
            trap.error = err;
        } else {
            veil_error_free(err);
        }
        kind = (veil_wasm_trap_kind)trap.kind;
        if (trap.error != NULL) {
            veil_error_free(s->host_error);
            s->host_error = trap.error;
        }
        s->trap.func_index = trap.func;
        s->trap_module = trap.func == UINT32_MAX ? NULL : func->instance->module;
        /* The trap may have happened in another instance's code; its function
         * index then names a function of that module, which only the
         * innermost ctx knows.  Report it without a module name then. */
        if (trap.ctx != NULL && trap.ctx != &ai->ctx)
            s->trap_module =
                trap.func == UINT32_MAX ? NULL : instance_of((veil_aot_ctx *)trap.ctx)->module;
        /* A fault names the library it happened in: its module. */
        if (trap.code != NULL && trap.func != UINT32_MAX)
            s->trap_module = module_of_code(s->aot, trap.code);
    }
    free(cells);
    return kind;
}

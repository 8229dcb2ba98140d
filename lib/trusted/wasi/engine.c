/*
 * WASI on the engine: each preview 1 import becomes a host function whose
 * environment names the table entry; the host function finds the caller's
 * linear memory and dispatches (wasi.c).  proc_exit turns into the engine's
 * exit trap, which veil_wasi_run turns back into an exit code.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veil/log.h"
#include "veil/wasi.h"
#include "wasi_internal.h"

struct wasi_host {
    veil_wasi *wasi;
    size_t index;
};

static veil_error *host_call(veil_wasm_caller *caller, void *env, const uint64_t *args,
                             uint64_t *results) {
    struct wasi_host *h = env;
    static uint8_t no_memory[1];
    uint64_t size = 0;
    uint8_t *memory = veil_wasm_caller_memory(caller, &size);
    if (memory == NULL) {
        memory = no_memory; /* every pointer is then out of bounds */
        size = 0;
    }
    bool exited = false;
    uint32_t exit_code = 0;
    veil_wasi_errno err = wasi_dispatch(h->wasi, h->index, memory, size, args, &exited, &exit_code);
    if (exited)
        return veil_wasm_caller_exit(caller, exit_code);
    results[0] = err;
    return NULL;
}

void veil_wasi_bind(veil_wasi *wasi, veil_wasm_store *store) {
    wasi->store = store;
}

veil_error *veil_wasi_resolve(void *user_data, const veil_wasm_extern_desc *import,
                              veil_wasm_extern *out) {
    veil_wasi *w = user_data;
    VEIL_ENSURE(strcmp(import->module, VEIL_WASI_MODULE) == 0, VEIL_ENOENT,
                "import '%s.%s': Veil provides only %s to programs", import->module, import->name,
                VEIL_WASI_MODULE);
    size_t index;
    VEIL_ENSURE(wasi_func_index(import->name, &index), VEIL_ENOENT,
                "import '%s.%s': %s has no such function", import->module, import->name,
                VEIL_WASI_MODULE);
    VEIL_ENSURE(import->kind == VEIL_WASM_EXTERN_FUNC, VEIL_EINVAL,
                "import '%s.%s' must be a function", import->module, import->name);
    VEIL_ENSURE(w->store != NULL, VEIL_EINVAL, "wasi: no store bound for host functions");
    if (w->hosts == NULL) {
        size_t count = wasi_func_total();
        w->hosts = calloc(count, sizeof(*w->hosts));
        if (w->hosts == NULL)
            return veil_error_new(VEIL_ENOMEM, "wasi: out of memory");
        for (size_t i = 0; i < count; i++)
            w->hosts[i] = (struct wasi_host){w, i};
    }
    veil_wasm_functype type;
    veil_wasi_signature(import->name, &type);
    out->kind = VEIL_WASM_EXTERN_FUNC;
    return veil_wasm_func_new_host(w->store, &type, host_call, &w->hosts[index], import->name,
                                   &out->of.func);
}

/* An exit requested through proc_exit, as opposed to any other failure. */
static bool take_exit(veil_error **err, const veil_wasm_trap *trap, uint32_t *exit_code) {
    if (*err == NULL || veil_error_code(*err) != VEIL_ETRAP || trap->kind != VEIL_TRAP_EXIT)
        return false;
    *exit_code = trap->exit_code;
    veil_error_free(*err);
    *err = NULL;
    return true;
}

veil_error *veil_wasi_run(veil_wasi *wasi, const veil_wasm_module *module,
                          const veil_wasm_limits *limits, veil_wasm_strategy strategy,
                          uint32_t *exit_code, veil_wasm_trap *trap) {
    *exit_code = 0;
    memset(trap, 0, sizeof(*trap));
    veil_wasm_store *store;
    VEIL_TRY(veil_wasm_store_new(limits, strategy, &store));
    veil_wasi_bind(wasi, store);
    wasi->deadline_ns = 0;
    if (limits != NULL && limits->timeout_ms != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        wasi->deadline_ns = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec +
                            limits->timeout_ms * UINT64_C(1000000);
    }
    veil_wasm_instance *instance = NULL;
    veil_error *err =
        veil_wasm_instantiate(store, module, veil_wasi_resolve, wasi, &instance, trap);
    if (err != NULL) {
        if (!take_exit(&err, trap, exit_code))
            err = veil_error_wrap(err, "starting the program");
        goto out;
    }
    veil_wasm_extern start;
    veil_wasm_functype type;
    if (!veil_wasm_instance_export(instance, "_start", &start) ||
        start.kind != VEIL_WASM_EXTERN_FUNC) {
        err = veil_error_new(VEIL_EUNSUPPORTED,
                             "the program exports no '_start' function (it is not a WASI command)");
        goto out;
    }
    veil_wasm_func_type(start.of.func, &type);
    if (type.param_count != 0 || type.result_count != 0) {
        err = veil_error_new(VEIL_EUNSUPPORTED,
                             "the program's '_start' must take and return nothing");
        goto out;
    }
    err = veil_wasm_call(store, start.of.func, NULL, 0, NULL, 0, trap);
    if (err != NULL && !take_exit(&err, trap, exit_code))
        err = veil_error_wrap(err, "running the program");
out:
    veil_wasi_bind(wasi, NULL);
    veil_wasm_store_free(store);
    return err;
}

veil_error *veil_wasi_run_jit(veil_wasi *wasi, const veil_wasm_module *module,
                              const veil_wasm_limits *limits, const char *label,
                              uint32_t *exit_code, veil_wasm_trap *trap) {
    veil_error *err = veil_wasi_run(wasi, module, limits, VEIL_WASM_AOT, exit_code, trap);
    if (err == NULL || veil_error_code(err) != VEIL_EUNSUPPORTED)
        return err;
    VEIL_WARN("wasi", "%s%sexecution_strategy JIT unavailable (%s); interpreting",
              label ? label : "", label ? ": " : "", veil_error_message(err));
    veil_error_free(err);
    return veil_wasi_run(wasi, module, limits, VEIL_WASM_INTERP, exit_code, trap);
}

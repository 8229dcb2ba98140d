/* libFuzzer target: decode, validate and compile an arbitrary module
 * (veil_wasm_module_load runs all three).  Any input must either load or
 * fail with an error; crashes, leaks, sanitizer reports and hangs are bugs.
 * A module that loads is also instantiated in a small store (no imports
 * resolve, so only import-free modules get further) and each exported
 * function is called with zero arguments and a little fuel, which
 * exercises the interpreter on code that passed validation. */
#include <string.h>

#include "fuzz.h"
#include "veil/wasm.h"

static veil_error *no_imports(void *user_data, const veil_wasm_extern_desc *import,
                              veil_wasm_extern *out) {
    (void)user_data;
    (void)out;
    return veil_error_new(VEIL_ENOENT, "no import %s", import->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    veil_wasm_module *module = NULL;
    veil_error *err = veil_wasm_module_load(data, size, "fuzz.wasm", &module);
    if (err != NULL) {
        veil_error_free(err);
        return 0;
    }
    veil_wasm_limits limits = {.max_memory_pages = 16, .fuel = 100000, .max_call_depth = 200};
    veil_wasm_store *store = NULL;
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    err = veil_wasm_store_new(&limits, VEIL_WASM_INTERP, &store);
    if (err == NULL)
        err = veil_wasm_instantiate(store, module, no_imports, NULL, &inst, &trap);
    for (uint32_t i = 0; err == NULL && i < veil_wasm_module_export_count(module); i++) {
        veil_wasm_extern_desc desc;
        veil_wasm_module_export(module, i, &desc);
        veil_wasm_extern ext;
        if (desc.kind != VEIL_WASM_EXTERN_FUNC || desc.func.param_count > 16 ||
            desc.func.result_count > 16 ||
            !veil_wasm_instance_export_n(inst, desc.name, desc.name_len, &ext))
            continue;
        /* Zero (or null) arguments of the right types. */
        veil_wasm_value args[16], results[16];
        memset(args, 0, sizeof(args));
        for (uint32_t p = 0; p < desc.func.param_count; p++)
            args[p].type = desc.func.params[p];
        veil_wasm_store_set_fuel(store, 100000);
        veil_error_free(veil_wasm_call(store, ext.of.func, args, desc.func.param_count, results,
                                       desc.func.result_count, &trap));
    }
    veil_error_free(err);
    veil_wasm_store_free(store);
    veil_wasm_module_free(module);
    return 0;
}

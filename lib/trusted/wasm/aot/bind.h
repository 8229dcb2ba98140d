/*
 * The AOT strategy's hooks into the engine (bind.c): store and instance
 * state, and calls from the engine into compiled code.
 */
#ifndef VEIL_WASM_AOT_BIND_H
#define VEIL_WASM_AOT_BIND_H

#include "../runtime.h"

/* Creates store->aot for a store made with VEIL_WASM_AOT. */
VEIL_NODISCARD veil_error *veil_aot_binding_new(veil_wasm_store *store);
void veil_aot_binding_free(veil_aot_binding *binding);

/* Bytes of address space to reserve for a memory of the store whose
 * maximum needs `needed` bytes: more in guard-page mode. */
size_t veil_aot_memory_reservation(const veil_aot_binding *binding, size_t needed);

/* Obtains the module's compiled code (cache or compiler) and sets
 * instance->aot; called once the instance's functions, tables, memory and
 * globals exist and before segments are applied or the start function runs. */
VEIL_NODISCARD veil_error *veil_aot_bind_instance(veil_wasm_store *store,
                                                  veil_wasm_instance *instance);
void veil_aot_instance_free(veil_aot_instance *instance);

/* Runs a compiled function (func->instance->aot != NULL) with argument
 * slots, leaving result slots; the same contract as veil_interp_call. */
veil_wasm_trap_kind veil_aot_invoke(veil_wasm_store *store, veil_wasm_func *func,
                                    const uint64_t *args, uint64_t *results);

#endif

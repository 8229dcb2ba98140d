/*
 * Running a program for a client.
 *
 * Order of checks: the client holds execute on the path (its own view);
 * the path is a program of the policy; the file is there and (when the
 * policy hashes it) has its hash now; it decodes and validates.  The
 * program then runs under its own rights (a view built from its grants),
 * with stdin empty and stdout/stderr captured up to max_output_bytes each
 * (beyond that the program's writes fail with ENOSPC), and with the
 * policy's limits: its max_memory_mib, max_execution_fuel and
 * max_execution_time_ms.  A program that exceeds a limit is stopped by the
 * engine and reported as LIMIT_EXCEEDED; any other trap as TRAP with its
 * reason; the instance goes on serving either way.
 *
 * The policy's "JIT" strategy is the engine's AOT strategy; when no C
 * compiler can build the program the run falls back to the interpreter
 * with a warning (docs/aot.md, "Errors and fallback").  Under the local
 * backend the compiler runs in the compile worker beside the runtime
 * (veil_wasm_aot_use_worker, set up by veil-runtime's main).
 *
 * One execution at a time: a second one is answered BUSY naming what runs,
 * so a long run never blocks the file system for other sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"
#include "veil/log.h"
#include "veil/wasi.h"
#include "veil/wasm.h"

/* Largest program file accepted. */
#define MAX_PROGRAM_BYTES (512u << 20)

typedef struct capture {
    veil_buf stream[2];
} capture;

static veil_wasi_errno capture_write(void *user, int stream, const uint8_t *data, size_t len) {
    capture *c = user;
    if (stream != 1 && stream != 2)
        return VEIL_WASI_EBADF;
    veil_error *err = veil_buf_append(&c->stream[stream - 1], data, len);
    if (err != NULL) {
        veil_error_free(err);
        return VEIL_WASI_ENOSPC;
    }
    return VEIL_WASI_ESUCCESS;
}

void veil_run_output_free(veil_run_output *out) {
    for (int i = 0; i < 2; i++) {
        free(out->data[i]);
        out->data[i] = NULL;
        out->len[i] = 0;
    }
}

static veil_error *trap_error(const char *program, const veil_wasm_trap *trap, veil_error *err,
                              const veil_policy_settings *settings, uint32_t memory_mib) {
    const char *where = trap->func_name[0] != '\0' ? trap->func_name : NULL;
    veil_error *out;
    switch (trap->kind) {
    case VEIL_TRAP_DEADLINE:
        out = veil_error_new(VEIL_ELIMIT,
                             "program %s was stopped: it ran past the time limit of %llu ms "
                             "(max_execution_time_ms)",
                             program, (unsigned long long)settings->max_execution_time_ms);
        break;
    case VEIL_TRAP_OUT_OF_FUEL:
        out = veil_error_new(VEIL_ELIMIT,
                             "program %s was stopped: it used up its fuel of %llu "
                             "(max_execution_fuel)",
                             program, (unsigned long long)settings->max_execution_fuel);
        break;
    case VEIL_TRAP_MEMORY_LIMIT:
        out = veil_error_new(VEIL_ELIMIT, "program %s needs more memory than its %u MiB limit",
                             program, memory_mib);
        break;
    default:
        out = veil_error_new(VEIL_ETRAP, "program %s trapped%s%s: %s", program,
                             where != NULL ? " in " : "", where != NULL ? where : "",
                             veil_error_message(err));
        break;
    }
    veil_error_free(err);
    return out;
}

static veil_error *run_program(veil_runtime *rt, const veil_policy_principal *program,
                               const char *path, const uint8_t *bytes, size_t len,
                               veil_exec_result *out) {
    veil_wasm_module *module;
    veil_error *err = veil_wasm_module_load(bytes, len, path, &module);
    if (err != NULL)
        return veil_error_wrap(err, "program %s does not load", path);
    capture cap;
    veil_buf_init(&cap.stream[0], rt->options.max_output_bytes);
    veil_buf_init(&cap.stream[1], rt->options.max_output_bytes);
    veil_vfs_stdio stdio = {.write = capture_write, .user = &cap};
    veil_vfs_grant *grants = calloc(program->grant_count + 1, sizeof(*grants));
    veil_vfs_view *view = NULL;
    veil_wasi *wasi = NULL;
    if (grants == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    for (size_t g = 0; err == NULL && g < program->grant_count; g++)
        grants[g] = (veil_vfs_grant){program->grants[g].path, program->grants[g].base_rights,
                                     program->grants[g].inheriting_rights};
    if (err == NULL)
        err =
            veil_vfs_view_new(rt->vfs, program->name, grants, program->grant_count, &stdio, &view);
    const char *args[] = {path};
    if (err == NULL) {
        veil_wasi_config wc = {
            .view = view, .args = args, .arg_count = 1, .enable_clock = rt->settings->enable_clock};
        err = veil_wasi_new(&wc, &wasi);
    }
    uint32_t memory_mib =
        program->max_memory_mib != 0 ? program->max_memory_mib : rt->settings->max_memory_mib;
    if (err == NULL) {
        veil_wasm_limits limits = {
            .max_memory_pages = memory_mib != 0 ? memory_mib * 16u : 0,
            .fuel = rt->settings->max_execution_fuel,
            .timeout_ms = rt->settings->max_execution_time_ms,
        };
        veil_wasm_trap trap = {0};
        /* JIT falls back to the interpreter when no C compiler can build
         * the program (no compile worker, or one without a compiler). */
        if (rt->settings->execution_strategy == VEIL_POLICY_JIT)
            err = veil_wasi_run_jit(wasi, module, &limits, path, &out->exit_code, &trap);
        else
            err = veil_wasi_run(wasi, module, &limits, VEIL_WASM_INTERP, &out->exit_code, &trap);
        if (err != NULL && veil_error_code(err) == VEIL_ETRAP)
            err = trap_error(path, &trap, err, rt->settings, memory_mib);
        else if (err != NULL)
            err = veil_error_wrap(err, "program %s", path);
    }
    veil_wasi_free(wasi);
    veil_vfs_view_free(view);
    free(grants);
    veil_wasm_module_free(module);
    for (int i = 0; i < 2; i++) {
        size_t n;
        out->output.data[i] = (uint8_t *)veil_buf_steal(&cap.stream[i], &n);
        out->output.len[i] = n;
    }
    return err;
}

/* Keeps a copy of a run's output as the latest "stdout"/"stderr". */
static void keep_output(veil_runtime *rt, const veil_run_output *output) {
    veil_run_output copy = {0};
    for (int i = 0; i < 2; i++) {
        if (output->len[i] == 0)
            continue;
        copy.data[i] = malloc(output->len[i]);
        if (copy.data[i] == NULL)
            continue;
        memcpy(copy.data[i], output->data[i], output->len[i]);
        copy.len[i] = output->len[i];
    }
    pthread_mutex_lock(&rt->lock);
    veil_run_output old = rt->last_output;
    rt->last_output = copy;
    pthread_mutex_unlock(&rt->lock);
    veil_run_output_free(&old);
}

veil_error *veil_runtime_execute(veil_runtime *rt, const veil_policy_principal *who,
                                 const char *path, veil_exec_result *out) {
    memset(out, 0, sizeof(*out));
    VEIL_TRY(veil_vfs_check_execute(veil_runtime_client_view(rt, who), path));
    const veil_policy_principal *program;
    veil_error *err = veil_policy_find_program(rt->policy, path, &program);
    if (err != NULL) {
        veil_error_free(err);
        return veil_error_new(VEIL_ENOENT, "%s is not a program of the policy", path);
    }
    if (pthread_mutex_trylock(&rt->exec_lock) != 0) {
        pthread_mutex_lock(&rt->lock);
        veil_error *busy = veil_error_new(VEIL_EBUSY,
                                          "another execution is running (%s); try again when it "
                                          "ends",
                                          rt->running);
        pthread_mutex_unlock(&rt->lock);
        return busy;
    }
    pthread_mutex_lock(&rt->lock);
    snprintf(rt->running, sizeof(rt->running), "%s for %s", path, who->name);
    pthread_mutex_unlock(&rt->lock);

    uint8_t *bytes = NULL;
    size_t len = 0;
    if (veil_policy_expected_hash(rt->policy, path) != NULL)
        err = veil_vfs_verify_hash(rt->vfs, path);
    if (err == NULL)
        err = veil_vfs_get_file(rt->vfs, path, MAX_PROGRAM_BYTES, &bytes, &len);
    if (err == NULL) {
        VEIL_INFO(RUNTIME_COMPONENT, "%s runs %s (%zu bytes)", who->name, path, len);
        err = run_program(rt, program, path, bytes, len, out);
        keep_output(rt, &out->output);
    }
    free(bytes);
    pthread_mutex_lock(&rt->lock);
    rt->running[0] = '\0';
    pthread_mutex_unlock(&rt->lock);
    pthread_mutex_unlock(&rt->exec_lock);
    if (err == NULL)
        VEIL_INFO(RUNTIME_COMPONENT, "%s exited with code %u", path, out->exit_code);
    else
        veil_run_output_free(&out->output);
    return err;
}

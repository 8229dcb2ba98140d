/*
 * Runs the WASI preview 1 conformance suite (WebAssembly/wasi-testsuite,
 * its specification.md) with Veil's engine, WASI and in-memory file system.
 *
 *   wasi_testsuite [--verbose] [--trace NAME] DIR...
 *
 * For each DIR/NAME.wasm the expectations come from DIR/NAME.json (legacy
 * keys args/env/root/exit_code/stdout/stderr, or the operation list
 * run/wait/read; defaults when absent).  "root" is copied into the
 * in-memory tree and pre-opened as "/" with every right; nothing is written
 * to the host, so the suite's *.cleanup files never appear.  Tests that
 * need the sockets or http proposals (or connect/send/recv operations) are
 * skipped: Veil gives programs no network.  The last line is
 *   wasi: N passed, M failed, K skipped
 * and the exit status is 0 only when nothing failed (77 when a DIR is
 * missing, for CTest's skip).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "veil/json.h"
#include "veil/log.h"
#include "veil/str.h"
#include "veil/vfs.h"
#include "veil/wasi.h"
#include "veil/wasm.h"

/* Per-test limits: generous, only there so a broken test cannot hang. */
#define TEST_TIMEOUT_MS 120000
#define TEST_FS_BYTES (256u << 20)

typedef struct expectations {
    json_t *args; /* array or NULL */
    json_t *env;  /* object or NULL */
    const char *root;
    int64_t exit_code;
    const char *stdout_text; /* NULL: not checked */
    const char *stderr_text;
    const char *skip_reason;
} expectations;

typedef struct capture {
    veil_buf out, err;
} capture;

static veil_wasi_errno capture_write(void *user, int stream, const uint8_t *data, size_t len) {
    capture *c = user;
    veil_error *err = veil_buf_append(stream == 2 ? &c->err : &c->out, data, len);
    if (err != NULL) {
        veil_error_free(err);
        return VEIL_WASI_ENOSPC;
    }
    return VEIL_WASI_ESUCCESS;
}

static bool has_socket_proposal(json_t *spec) {
    json_t *proposals = json_object_get(spec, "proposals");
    size_t i;
    json_t *p;
    json_array_foreach(proposals, i, p) {
        const char *name = json_string_value(p);
        if (name != NULL && (strcmp(name, "sockets") == 0 || strcmp(name, "http") == 0))
            return true;
    }
    return false;
}

/* Reads the expectations; spec may be NULL (defaults). */
static veil_error *read_spec(json_t *spec, const char *source, expectations *e) {
    memset(e, 0, sizeof(*e));
    if (spec == NULL)
        return NULL;
    VEIL_ENSURE(json_is_object(spec), VEIL_EMALFORMED, "%s: not a JSON object", source);
    if (has_socket_proposal(spec))
        e->skip_reason = "needs the sockets/http proposals (Veil programs have no network)";
    json_t *ops = json_object_get(spec, "operations");
    if (ops == NULL) {
        json_t *v;
        if ((v = json_object_get(spec, "args")) != NULL)
            e->args = v;
        if ((v = json_object_get(spec, "env")) != NULL)
            e->env = v;
        VEIL_TRY(veil_json_get_string(spec, "$", "root", false, &e->root, NULL));
        VEIL_TRY(veil_json_get_int(spec, "$", "exit_code", false, 0, 255, &e->exit_code, NULL));
        VEIL_TRY(veil_json_get_string(spec, "$", "stdout", false, &e->stdout_text, NULL));
        VEIL_TRY(veil_json_get_string(spec, "$", "stderr", false, &e->stderr_text, NULL));
        return NULL;
    }
    VEIL_ENSURE(json_is_array(ops), VEIL_EMALFORMED, "%s: operations is not an array", source);
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) {
        const char *type = json_string_value(json_object_get(op, "type"));
        VEIL_ENSURE(type != NULL, VEIL_EMALFORMED, "%s: operation %zu has no type", source, i);
        if (strcmp(type, "run") == 0) {
            e->args = json_object_get(op, "args");
            e->env = json_object_get(op, "env");
            VEIL_TRY(veil_json_get_string(op, "$.operations[]", "root", false, &e->root, NULL));
        } else if (strcmp(type, "wait") == 0) {
            VEIL_TRY(veil_json_get_int(op, "$.operations[]", "exit_code", false, 0, 255,
                                       &e->exit_code, NULL));
        } else if (strcmp(type, "read") == 0) {
            const char *id = "stdout", *payload = "";
            VEIL_TRY(veil_json_get_string(op, "$.operations[]", "id", false, &id, NULL));
            VEIL_TRY(veil_json_get_string(op, "$.operations[]", "payload", false, &payload, NULL));
            if (strcmp(id, "stderr") == 0)
                e->stderr_text = payload;
            else
                e->stdout_text = payload;
        } else if (strcmp(type, "connect") == 0 || strcmp(type, "send") == 0 ||
                   strcmp(type, "recv") == 0) {
            e->skip_reason = "needs network connections (Veil programs have no network)";
        } else {
            return veil_error_new(VEIL_EMALFORMED, "%s: unknown operation type '%s'", source, type);
        }
    }
    return NULL;
}

/* Runs one test; *passed tells the verdict, *why what differed. */
static veil_error *run_test(const char *dir, const char *name, const expectations *e,
                            const char *trace_name, bool *passed, veil_buf *why) {
    *passed = false;
    char *wasm_path = NULL;
    VEIL_TRY(veil_asprintf(&wasm_path, "%s/%s.wasm", dir, name));
    uint8_t *bytes = NULL;
    size_t len = 0;
    veil_error *err = veil_read_file(wasm_path, 64u << 20, &bytes, &len);
    veil_vfs *vfs = NULL;
    veil_vfs_view *view = NULL;
    veil_wasi *wasi = NULL;
    veil_wasm_module *module = NULL;
    const char **argv = NULL, **envv = NULL;
    capture cap;
    veil_buf_init(&cap.out, 16u << 20);
    veil_buf_init(&cap.err, 16u << 20);
    if (err == NULL)
        err = veil_vfs_new(&(veil_vfs_config){.max_bytes = TEST_FS_BYTES, .clock_timestamps = true},
                           &vfs);
    veil_vfs_grant grants[4] = {{"stdin", VEIL_RIGHTS_ALL, 0},
                                {"stdout", VEIL_RIGHTS_ALL, 0},
                                {"stderr", VEIL_RIGHTS_ALL, 0},
                                {"/", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL}};
    size_t grant_count = 3;
    if (err == NULL && e->root != NULL) {
        char *root = NULL;
        err = veil_asprintf(&root, "%s/%s", dir, e->root);
        if (err == NULL)
            err = veil_vfs_load_host_dir(vfs, root, "/");
        free(root);
        grant_count = 4;
    }
    veil_vfs_stdio io = {capture_write, NULL, &cap};
    if (err == NULL)
        err = veil_vfs_view_new(vfs, name, grants, grant_count, &io, &view);
    size_t argc = 1 + json_array_size(e->args), envc = json_object_size(e->env);
    argv = calloc(argc, sizeof(*argv));
    envv = calloc(envc + 1, sizeof(*envv));
    char **env_strings = calloc(envc + 1, sizeof(*env_strings));
    if (err == NULL && (argv == NULL || envv == NULL || env_strings == NULL))
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL) {
        argv[0] = name;
        for (size_t i = 1; err == NULL && i < argc; i++) {
            argv[i] = json_string_value(json_array_get(e->args, i - 1));
            if (argv[i] == NULL)
                err = veil_error_new(VEIL_EMALFORMED, "%s: args[%zu] is not a string", name, i - 1);
        }
        const char *key;
        json_t *value;
        size_t k = 0;
        json_object_foreach(e->env, key, value) {
            if (err == NULL && !json_is_string(value))
                err = veil_error_new(VEIL_EMALFORMED, "%s: env.%s is not a string", name, key);
            if (err == NULL)
                err = veil_asprintf(&env_strings[k], "%s=%s", key, json_string_value(value));
            envv[k] = env_strings[k];
            k++;
        }
    }
    bool trace = trace_name != NULL && strcmp(trace_name, name) == 0;
    if (err == NULL) {
        veil_wasi_config config = {.view = view,
                                   .args = argv,
                                   .arg_count = argc,
                                   .env = envv,
                                   .env_count = envc,
                                   .enable_clock = true,
                                   .trace = trace ? stderr : NULL};
        err = veil_wasi_new(&config, &wasi);
    }
    if (err == NULL)
        err = veil_wasm_module_load(bytes, len, wasm_path, &module);
    uint32_t exit_code = 0;
    if (err == NULL) {
        veil_wasm_limits limits = {.timeout_ms = TEST_TIMEOUT_MS};
        veil_wasm_trap trap;
        veil_error *run_err =
            veil_wasi_run(wasi, module, &limits, VEIL_WASM_INTERP, &exit_code, &trap);
        if (run_err != NULL) {
            veil_error *berr =
                veil_buf_printf(why, "did not finish: %s", veil_error_message(run_err));
            veil_error_free(run_err);
            veil_error_free(berr);
        } else {
            bool ok = true;
            veil_error *berr = NULL;
            if ((int64_t)exit_code != e->exit_code) {
                berr = veil_buf_printf(why, "exit code %u, expected %lld; ", exit_code,
                                       (long long)e->exit_code);
                ok = false;
            }
            if (berr == NULL && e->stdout_text != NULL &&
                (cap.out.len != strlen(e->stdout_text) ||
                 memcmp(cap.out.data, e->stdout_text, cap.out.len) != 0)) {
                berr = veil_buf_printf(why, "stdout \"%.*s\", expected \"%s\"; ",
                                       (int)(cap.out.len < 200 ? cap.out.len : 200),
                                       (const char *)cap.out.data, e->stdout_text);
                ok = false;
            }
            if (berr == NULL && e->stderr_text != NULL &&
                (cap.err.len != strlen(e->stderr_text) ||
                 memcmp(cap.err.data, e->stderr_text, cap.err.len) != 0)) {
                berr = veil_buf_printf(why, "stderr differs; ");
                ok = false;
            }
            if (berr == NULL && !ok && cap.err.len > 0)
                berr = veil_buf_printf(why, "program stderr: %.*s",
                                       (int)(cap.err.len < 2000 ? cap.err.len : 2000),
                                       (const char *)cap.err.data);
            veil_error_free(berr);
            *passed = ok;
        }
    }
    veil_wasm_module_free(module);
    veil_wasi_free(wasi);
    veil_vfs_view_free(view);
    veil_vfs_free(vfs);
    for (size_t i = 0; env_strings != NULL && i < envc; i++)
        free(env_strings[i]);
    free(env_strings);
    free(argv);
    free(envv);
    veil_buf_free(&cap.out);
    veil_buf_free(&cap.err);
    free(bytes);
    free(wasm_path);
    return err;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    bool verbose = false;
    const char *trace_name = NULL;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--verbose") == 0)
            verbose = true;
        else if (strcmp(argv[first], "--trace") == 0 && first + 1 < argc)
            trace_name = argv[++first];
        else {
            fprintf(stderr, "usage: wasi_testsuite [--verbose] [--trace NAME] DIR...\n");
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: wasi_testsuite [--verbose] [--trace NAME] DIR...\n");
        return 2;
    }
    veil_log_set_level(VEIL_LOG_ERROR);
    unsigned passed = 0, failed = 0, skipped = 0;
    for (int d = first; d < argc; d++) {
        const char *dir = argv[d];
        DIR *dh = opendir(dir);
        if (dh == NULL) {
            printf("wasi: test directory %s is missing; skipping the suite\n", dir);
            return 77;
        }
        char *names[512];
        size_t count = 0;
        struct dirent *ent;
        while ((ent = readdir(dh)) != NULL && count < 512) {
            size_t n = strlen(ent->d_name);
            if (n > 5 && strcmp(ent->d_name + n - 5, ".wasm") == 0)
                names[count++] = strndup(ent->d_name, n - 5);
        }
        closedir(dh);
        qsort(names, count, sizeof(names[0]), cmp_str);
        const char *group = strrchr(dir, '/') != NULL ? strrchr(dir, '/') + 1 : dir;
        for (size_t i = 0; i < count; i++) {
            char *spec_path = NULL;
            json_t *spec = NULL;
            veil_error *err = veil_asprintf(&spec_path, "%s/%s.json", dir, names[i]);
            struct stat st;
            if (err == NULL && stat(spec_path, &st) == 0)
                err = veil_json_load_file(spec_path, 1u << 20, &spec);
            expectations e;
            if (err == NULL)
                err = read_spec(spec, spec_path, &e);
            veil_buf why;
            veil_buf_init(&why, 8192);
            bool ok = false;
            if (err == NULL && e.skip_reason != NULL) {
                printf("SKIP %s/%s: %s\n", group, names[i], e.skip_reason);
                skipped++;
            } else {
                if (err == NULL)
                    err = run_test(dir, names[i], &e, trace_name, &ok, &why);
                if (err != NULL) {
                    printf("FAIL %s/%s: %s\n", group, names[i], veil_error_message(err));
                    failed++;
                } else if (ok) {
                    if (verbose)
                        printf("PASS %s/%s\n", group, names[i]);
                    passed++;
                } else {
                    printf("FAIL %s/%s: %.*s\n", group, names[i], (int)why.len,
                           why.data != NULL ? (const char *)why.data : "");
                    failed++;
                }
            }
            veil_error_free(err);
            veil_buf_free(&why);
            json_decref(spec);
            free(spec_path);
            free(names[i]);
        }
    }
    printf("wasi: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
    return failed == 0 ? 0 : 1;
}

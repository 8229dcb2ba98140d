/*
 * Runs the wasm32-wasi test programs (programs/) through the engine, WASI
 * and the in-memory file system:
 *  - the rights matrix: for each rights bit, rights_probe performs the
 *    operation that needs it, once with every right on /box and once
 *    without that bit, and must get success and ENOTCAPABLE;
 *  - path_escape: every attempt to leave /box fails as expected and the
 *    file outside is untouched;
 *  - file_io: libc file I/O in an in-memory directory.
 * The programs' paths come from the build (WASI_PROGRAM_DIR).
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "veil/str.h"
#include "veil/vfs.h"
#include "veil/wasi.h"
#include "veil/wasm.h"

typedef struct run_result {
    uint32_t exit_code;
    char out[4096];
    size_t out_len;
} run_result;

static veil_wasi_errno capture(void *user, int stream, const uint8_t *data, size_t len) {
    run_result *r = user;
    if (stream == 2) {
        fwrite(data, 1, len, stderr);
        return VEIL_WASI_ESUCCESS;
    }
    size_t n = len < sizeof(r->out) - r->out_len ? len : sizeof(r->out) - r->out_len;
    memcpy(r->out + r->out_len, data, n);
    r->out_len += n;
    return VEIL_WASI_ESUCCESS;
}

static veil_wasm_module *load_program(const char *name) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/wasi_%s.wasm", WASI_PROGRAM_DIR, name);
    uint8_t *bytes;
    size_t len;
    assert_ok(veil_read_file(path, 64u << 20, &bytes, &len));
    veil_wasm_module *module;
    assert_ok(veil_wasm_module_load(bytes, len, path, &module));
    free(bytes);
    return module;
}

/* Runs module with the given grants; args[0] is the program name. */
static void run_program(veil_vfs *vfs, const veil_wasm_module *module, const veil_vfs_grant *grants,
                        size_t grant_count, const char *const *args, size_t arg_count,
                        const char *const *env, size_t env_count, run_result *r) {
    memset(r, 0, sizeof(*r));
    veil_vfs_stdio io = {capture, NULL, r};
    veil_vfs_view *view;
    assert_ok(veil_vfs_view_new(vfs, "program", grants, grant_count, &io, &view));
    veil_wasi_config config = {.view = view,
                               .args = args,
                               .arg_count = arg_count,
                               .env = env,
                               .env_count = env_count,
                               .enable_clock = true};
    veil_wasi *wasi;
    assert_ok(veil_wasi_new(&config, &wasi));
    veil_wasm_limits limits = {.timeout_ms = 60000};
    veil_wasm_trap trap;
    assert_ok(veil_wasi_run(wasi, module, &limits, VEIL_WASM_INTERP, &r->exit_code, &trap));
    veil_wasi_free(wasi);
    veil_vfs_view_free(view);
}

/* The probe's operation for every rights bit WASI programs can exercise. */
static const struct {
    uint64_t right;
    const char *name;
} probes[] = {
    {VEIL_RIGHT_FD_DATASYNC, "fd_datasync"},
    {VEIL_RIGHT_FD_READ, "fd_read"},
    {VEIL_RIGHT_FD_SEEK, "fd_seek"},
    {VEIL_RIGHT_FD_FDSTAT_SET_FLAGS, "fd_fdstat_set_flags"},
    {VEIL_RIGHT_FD_SYNC, "fd_sync"},
    {VEIL_RIGHT_FD_TELL, "fd_tell"},
    {VEIL_RIGHT_FD_WRITE, "fd_write"},
    {VEIL_RIGHT_FD_ADVISE, "fd_advise"},
    {VEIL_RIGHT_FD_ALLOCATE, "fd_allocate"},
    {VEIL_RIGHT_PATH_CREATE_DIRECTORY, "path_create_directory"},
    {VEIL_RIGHT_PATH_CREATE_FILE, "path_create_file"},
    {VEIL_RIGHT_PATH_LINK_SOURCE, "path_link_source"},
    {VEIL_RIGHT_PATH_LINK_TARGET, "path_link_target"},
    {VEIL_RIGHT_PATH_OPEN, "path_open"},
    {VEIL_RIGHT_FD_READDIR, "fd_readdir"},
    {VEIL_RIGHT_PATH_READLINK, "path_readlink"},
    {VEIL_RIGHT_PATH_RENAME_SOURCE, "path_rename_source"},
    {VEIL_RIGHT_PATH_RENAME_TARGET, "path_rename_target"},
    {VEIL_RIGHT_PATH_FILESTAT_GET, "path_filestat_get"},
    {VEIL_RIGHT_PATH_FILESTAT_SET_SIZE, "path_filestat_set_size"},
    {VEIL_RIGHT_PATH_FILESTAT_SET_TIMES, "path_filestat_set_times"},
    {VEIL_RIGHT_FD_FILESTAT_GET, "fd_filestat_get"},
    {VEIL_RIGHT_FD_FILESTAT_SET_SIZE, "fd_filestat_set_size"},
    {VEIL_RIGHT_FD_FILESTAT_SET_TIMES, "fd_filestat_set_times"},
    {VEIL_RIGHT_PATH_SYMLINK, "path_symlink"},
    {VEIL_RIGHT_PATH_REMOVE_DIRECTORY, "path_remove_directory"},
    {VEIL_RIGHT_PATH_UNLINK_FILE, "path_unlink_file"},
    {VEIL_RIGHT_POLL_FD_READWRITE, "poll_fd_readwrite"},
};

static veil_vfs *probe_tree(void) {
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    assert_ok(veil_vfs_mkdir_p(vfs, "/box/rmme"));
    assert_ok(veil_vfs_put_file(vfs, "/box/f", "content", 7));
    assert_ok(veil_vfs_put_file(vfs, "/box/t", "truncate me", 11));
    assert_ok(veil_vfs_put_file(vfs, "/box/mv", "move me", 7));
    assert_ok(veil_vfs_put_file(vfs, "/box/victim", "unlink me", 9));
    assert_ok(veil_vfs_put_symlink(vfs, "/box/l", "f"));
    return vfs;
}

static void test_rights_matrix(void **state) {
    (void)state;
    veil_wasm_module *module = load_program("rights_probe");
    size_t n = sizeof(probes) / sizeof(probes[0]);
    for (size_t i = 0; i < n; i++) {
        for (int with = 1; with >= 0; with--) {
            uint64_t rights = with ? VEIL_RIGHTS_ALL : VEIL_RIGHTS_ALL & ~probes[i].right;
            veil_vfs_grant grants[] = {{"/box", rights, rights},
                                       {"stdout", VEIL_RIGHTS_ALL, 0},
                                       {"stderr", VEIL_RIGHTS_ALL, 0}};
            veil_vfs *vfs = probe_tree();
            const char *args[] = {"rights_probe", probes[i].name};
            run_result r;
            run_program(vfs, module, grants, 3, args, 2, NULL, 0, &r);
            uint32_t want = with ? VEIL_WASI_ESUCCESS : VEIL_WASI_ENOTCAPABLE;
            if (r.exit_code != want)
                print_error("%s %s the right: errno %u, expected %u\n", probes[i].name,
                            with ? "with" : "without", r.exit_code, want);
            assert_int_equal(r.exit_code, want);
            veil_vfs_free(vfs);
        }
    }
    /* sock_shutdown: no descriptor is a socket, with or without the bit. */
    for (int with = 1; with >= 0; with--) {
        uint64_t rights = with ? VEIL_RIGHTS_ALL : VEIL_RIGHTS_ALL & ~VEIL_RIGHT_SOCK_SHUTDOWN;
        veil_vfs_grant grants[] = {{"/box", rights, rights}};
        veil_vfs *vfs = probe_tree();
        const char *args[] = {"rights_probe", "sock_shutdown"};
        run_result r;
        run_program(vfs, module, grants, 1, args, 2, NULL, 0, &r);
        assert_int_equal(r.exit_code, VEIL_WASI_ENOTSOCK);
        veil_vfs_free(vfs);
    }
    /* execute (bit 29) is not a WASI operation: the runtime checks it
     * before running a program file. */
    veil_vfs *vfs = probe_tree();
    veil_vfs_grant with_x = {"/box", VEIL_RIGHTS_X, VEIL_RIGHTS_X};
    veil_vfs_grant without_x = {"/box", VEIL_RIGHTS_ALL & ~VEIL_RIGHT_EXECUTE,
                                VEIL_RIGHTS_ALL & ~VEIL_RIGHT_EXECUTE};
    veil_vfs_view *v;
    assert_ok(veil_vfs_client_view_new(vfs, "client", &with_x, 1, &v));
    assert_ok(veil_vfs_check_execute(v, "/box/f"));
    veil_vfs_view_free(v);
    assert_ok(veil_vfs_client_view_new(vfs, "client", &without_x, 1, &v));
    assert_err(veil_vfs_check_execute(v, "/box/f"), VEIL_EPERM, "missing right execute");
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
    veil_wasm_module_free(module);
}

static void test_path_escape(void **state) {
    (void)state;
    veil_wasm_module *module = load_program("path_escape");
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    assert_ok(veil_vfs_mkdir_p(vfs, "/secret"));
    assert_ok(veil_vfs_put_file(vfs, "/secret/key", "KEY", 3));
    assert_ok(veil_vfs_mkdir_p(vfs, "/box"));
    veil_vfs_grant grants[] = {{"/box", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL},
                               {"stdout", VEIL_RIGHTS_ALL, 0},
                               {"stderr", VEIL_RIGHTS_ALL, 0}};
    const char *args[] = {"path_escape"};
    run_result r;
    run_program(vfs, module, grants, 3, args, 1, NULL, 0, &r);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "path_escape: ok"));
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_get_file(vfs, "/secret/key", 16, &data, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(data, "KEY", 3);
    free(data);
    veil_vfs_free(vfs);
    veil_wasm_module_free(module);
}

static void test_file_io(void **state) {
    (void)state;
    veil_wasm_module *module = load_program("file_io");
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    veil_vfs_grant grants[] = {{"/work", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL},
                               {"stdout", VEIL_RIGHTS_ALL, 0},
                               {"stderr", VEIL_RIGHTS_ALL, 0}};
    const char *args[] = {"file_io", "/work", "one", "two words"};
    const char *env[] = {"GREETING=hello"};
    run_result r;
    run_program(vfs, module, grants, 3, args, 4, env, 1, &r);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "file_io: 4 arguments, greeting 'hello'"));
    assert_non_null(strstr(r.out, "file_io: ok"));
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_get_file(vfs, "/work/result.txt", 1024, &data, &len));
    assert_string_equal((char *)data, "failures=0\narg=one\narg=two words\n");
    free(data);
    veil_vfs_free(vfs);
    veil_wasm_module_free(module);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rights_matrix),
        cmocka_unit_test(test_path_escape),
        cmocka_unit_test(test_file_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

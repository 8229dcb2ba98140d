/*
 * The AOT compile worker (lib/trusted/wasm/aot/worker.c) through the
 * engine's API: a real worker in a thread compiles and serves the cache;
 * fake workers send malformed replies, which must be clear errors
 * (VEIL_EPROTO naming what was wrong), never crashes or hangs; a worker
 * that is gone is VEIL_EUNSUPPORTED (the fallback rule's case); the
 * worker refuses malformed requests the same way.
 */
#include "../test.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "veil/wasm.h"

/* (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add) */
static const uint8_t add_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                   /* header */
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,             /* type */
    0x03, 0x02, 0x01, 0x00,                                           /* func */
    0x07, 0x07, 0x01, 0x03, 'a',  'd',  'd',  0x00, 0x00,             /* export */
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, /* code */
};

static veil_error *no_imports(void *user, const veil_wasm_extern_desc *import,
                              veil_wasm_extern *out) {
    (void)user;
    (void)import;
    (void)out;
    return veil_error_new(VEIL_ENOENT, "no imports here");
}

/* Instantiates the module in a new AOT store and, when that works, calls
 * add(40, 2). */
static veil_error *run_add(uint32_t *result) {
    veil_wasm_module *module;
    veil_wasm_store *store;
    assert_ok(veil_wasm_module_load(add_wasm, sizeof add_wasm, "add.wasm", &module));
    veil_wasm_limits limits = {0};
    assert_ok(veil_wasm_store_new(&limits, VEIL_WASM_AOT, &store));
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    veil_error *err = veil_wasm_instantiate(store, module, no_imports, NULL, &inst, &trap);
    if (err == NULL) {
        veil_wasm_extern ext;
        assert_true(veil_wasm_instance_export(inst, "add", &ext));
        veil_wasm_value args[2] = {{.type = VEIL_WASM_I32, .of.i32 = 40},
                                   {.type = VEIL_WASM_I32, .of.i32 = 2}};
        veil_wasm_value res;
        err = veil_wasm_call(store, ext.of.func, args, 2, &res, 1, &trap);
        if (err == NULL)
            *result = res.of.i32;
    }
    veil_wasm_store_free(store);
    veil_wasm_module_free(module);
    return err;
}

static int setup(void **state) {
    (void)state;
    setenv("VEIL_AOT_CACHE_DIR", VEIL_AOT_WORKER_TEST_CACHE, 1);
    unsetenv("VEIL_AOT_CC");
    unsetenv("VEIL_AOT_CFLAGS");
    unsetenv("VEIL_AOT_GUARD_PAGES");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    assert_ok(veil_wasm_aot_use_worker(-1));
    assert_ok(veil_wasm_aot_no_compiler(NULL));
    return 0;
}

/* ---- a real worker ---- */

static void *serve_thread(void *arg) {
    int fd = *(int *)arg;
    veil_error *err = veil_wasm_aot_worker_serve(fd);
    close(fd);
    return err;
}

static void test_real_worker_compiles_and_serves_the_cache(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", VEIL_AOT_WORKER_TEST_CACHE);
    assert_int_equal(system(cmd), 0);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve_thread, &sv[1]), 0);
    assert_ok(veil_wasm_aot_use_worker(sv[0]));
    uint32_t result = 0;
    assert_ok(run_add(&result)); /* compiled by the worker */
    assert_int_equal(result, 42);
    result = 0;
    assert_ok(run_add(&result)); /* a new store: the worker's cache */
    assert_int_equal(result, 42);
    snprintf(cmd, sizeof cmd, "ls '%s'/*.so >/dev/null", VEIL_AOT_WORKER_TEST_CACHE);
    assert_int_equal(system(cmd), 0);
    /* Closing the runtime's end ends the worker cleanly. */
    assert_ok(veil_wasm_aot_use_worker(-1));
    void *ret;
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_null(ret);
}

/* ---- fake workers ---- */

typedef struct fake {
    int fd;
    int reply_on; /* requests before this one get proper answers (toolchain, then "not cached") */
    const uint8_t *reply; /* the bytes sent for request number reply_on */
    size_t reply_len;
    int pass_fd;  /* a descriptor sent with the reply, or -1 */
    bool hang_up; /* close after sending the reply */
} fake;

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool read_full(int fd, void *buf, size_t len) {
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void send_with_fd(int sock, const uint8_t *data, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    (void)n;
}

static void *fake_thread(void *arg) {
    fake *f = arg;
    for (int number = 1;; number++) {
        uint8_t h[84];
        if (!read_full(f->fd, h, sizeof h))
            break;
        uint32_t name_len = (uint32_t)h[72] | (uint32_t)h[73] << 8;
        uint64_t text_len = 0;
        for (int i = 0; i < 8; i++)
            text_len |= (uint64_t)h[76 + i] << (8 * i);
        for (uint64_t left = name_len + text_len; left > 0;) {
            uint8_t sink[4096];
            size_t n = left < sizeof sink ? (size_t)left : sizeof sink;
            if (!read_full(f->fd, sink, n))
                goto out;
            left -= n;
        }
        if (number == 2 && number < f->reply_on) {
            /* the lookup: not cached */
            uint8_t r[16] = {'V', 'A', 'W', 'R', 1};
            send_with_fd(f->fd, r, sizeof r, -1);
            continue;
        }
        if (number < f->reply_on) {
            /* a valid toolchain answer */
            static const char text[] = "fake-cc identity\0-O1";
            uint8_t r[16 + sizeof text - 1];
            memcpy(r, "VAWR", 4);
            put32(r + 4, 0);
            put32(r + 8, 0);
            put32(r + 12, sizeof text - 1);
            memcpy(r + 16, text, sizeof text - 1);
            send_with_fd(f->fd, r, sizeof r, -1);
            continue;
        }
        send_with_fd(f->fd, f->reply, f->reply_len, f->pass_fd);
        if (f->hang_up)
            break;
    }
out:
    close(f->fd);
    return NULL;
}

/* Runs the module against a fake worker answering request number
 * `reply_on` (1 toolchain, 2 lookup, 3 compile) with `reply`; returns the
 * error the engine reports. */
static veil_error *against_fake(int reply_on, const uint8_t *reply, size_t len, int pass_fd,
                                bool hang_up) {
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    fake f = {sv[1], reply_on, reply, len, pass_fd, hang_up};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fake_thread, &f), 0);
    assert_ok(veil_wasm_aot_use_worker(sv[0]));
    uint32_t result = 0;
    veil_error *err = run_add(&result);
    assert_ok(veil_wasm_aot_use_worker(-1)); /* closes sv[0]: the fake ends */
    assert_int_equal(pthread_join(t, NULL), 0);
    return err;
}

static size_t header(uint8_t *r, const char *magic, uint32_t status, uint32_t code, uint32_t len) {
    memcpy(r, magic, 4);
    put32(r + 4, status);
    put32(r + 8, code);
    put32(r + 12, len);
    return 16;
}

static void test_malformed_replies_are_clear_errors(void **state) {
    (void)state;
    uint8_t r[64];
    size_t n;

    n = header(r, "HTTP", 0, 0, 0);
    assert_err(against_fake(1, r, n, -1, false), VEIL_EPROTO,
               "AOT compile worker: malformed reply: it does not start with VAWR");

    n = header(r, "VAWR", 7, 0, 0);
    assert_err(against_fake(1, r, n, -1, false), VEIL_EPROTO, "unknown status 7");

    n = header(r, "VAWR", 2, 0, 0x7fffffff);
    assert_err(against_fake(1, r, n, -1, false), VEIL_EPROTO,
               "2147483647 bytes of text (at most 65536)");

    n = header(r, "VAWR", 2, 999, 0);
    assert_err(against_fake(1, r, n, -1, false), VEIL_EPROTO, "an error with the unknown code 999");

    /* A toolchain without the flags part. */
    n = header(r, "VAWR", 0, 0, 3);
    memcpy(r + n, "abc", 3);
    assert_err(against_fake(1, r, n + 3, -1, false), VEIL_EPROTO,
               "a toolchain must be identity NUL flags");

    /* A header cut short, then the connection ends. */
    assert_err(against_fake(1, (const uint8_t *)"VAW", 3, -1, true), VEIL_EPROTO,
               "the connection ended after 3 of 16 header bytes");

    /* Text announced but not sent. */
    n = header(r, "VAWR", 2, VEIL_EINTERNAL, 10);
    memcpy(r + n, "abc", 3);
    assert_err(against_fake(1, r, n + 3, -1, true), VEIL_EPROTO,
               "the connection ended after 3 of 10 bytes of text");

    /* A lookup hit without its descriptor. */
    n = header(r, "VAWR", 0, 0, 0);
    assert_err(against_fake(2, r, n, -1, false), VEIL_EPROTO,
               "0 descriptors where one was expected");

    /* A descriptor that is not a regular file. */
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    assert_err(against_fake(2, r, n, pipefd[0], false), VEIL_EPROTO,
               "the descriptor passed is not a regular file");

    /* A descriptor where none belongs (a miss). */
    n = header(r, "VAWR", 1, 0, 0);
    assert_err(against_fake(2, r, n, pipefd[0], false), VEIL_EPROTO,
               "1 descriptors where none were expected");
    close(pipefd[0]);
    close(pipefd[1]);

    /* "Not cached" to a compile request. */
    n = header(r, "VAWR", 1, 0, 0);
    assert_err(against_fake(3, r, n, -1, false), VEIL_EPROTO, "'not cached' answers only a lookup");
}

static void test_worker_errors_pass_through(void **state) {
    (void)state;
    uint8_t r[64];
    /* The worker's own error keeps its code; control bytes are masked. */
    size_t n = header(r, "VAWR", 2, VEIL_EINTERNAL, 13);
    memcpy(r + n, "boom\x1b[2J\nline", 13);
    assert_err(against_fake(3, r, n + 13, -1, false), VEIL_EINTERNAL,
               "AOT compile worker: boom?[2J\nline");

    /* A cached object that is not the module's (here: not an object at
     * all) is rebuilt: the compile request's error is what comes back. */
    char path[] = "/tmp/veil-aot-worker-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "junk", 4), 4);
    unlink(path);
    uint8_t hit[16];
    size_t n_hit = header(hit, "VAWR", 0, 0, 0);
    /* The fake answers the lookup and the compile request that follows the
     * failed load with the same hit and junk descriptor: both loads fail,
     * the second one's error is reported. */
    assert_err(against_fake(2, hit, n_hit, fd, false), VEIL_EIO, "AOT: cannot load /proc/self/fd/");
    close(fd);
}

static void test_gone_worker_is_unsupported(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    close(sv[1]);
    assert_ok(veil_wasm_aot_use_worker(sv[0]));
    uint32_t result;
    assert_err(run_add(&result), VEIL_EUNSUPPORTED, "AOT compile worker: not running");
}

static void test_no_compiler_is_unsupported(void **state) {
    (void)state;
    assert_ok(veil_wasm_aot_no_compiler("this test says so"));
    uint32_t result;
    assert_err(run_add(&result), VEIL_EUNSUPPORTED, "no C compiler: this test says so");
}

/* ---- the worker refuses malformed requests ---- */

static veil_error *serve_request(const uint8_t *req, size_t len, uint8_t reply[16]) {
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(write(sv[0], req, len), (ssize_t)len);
    shutdown(sv[0], SHUT_WR);
    veil_error *err = veil_wasm_aot_worker_serve(sv[1]);
    memset(reply, 0, 16);
    assert_true(read_full(sv[0], reply, 16));
    close(sv[0]);
    close(sv[1]);
    return err;
}

static void test_worker_refuses_malformed_requests(void **state) {
    (void)state;
    uint8_t q[84], reply[16];
    memset(q, 0, sizeof q);
    memcpy(q, "VAWX", 4);
    assert_err(serve_request(q, sizeof q, reply), VEIL_EPROTO, "does not start with VAWQ");
    assert_memory_equal(reply, "VAWR\x02\0\0\0", 8); /* told why */

    memcpy(q, "VAWQ", 4);
    put32(q + 4, 9);
    assert_err(serve_request(q, sizeof q, reply), VEIL_EPROTO, "unknown request kind 9");

    /* A lookup whose key would leave the cache directory. */
    put32(q + 4, 2);
    memset(q + 8, '.', 64);
    memcpy(q + 8, "../../../../etc/passwd", 22);
    assert_err(serve_request(q, sizeof q, reply), VEIL_EPROTO, "not 64 lowercase hex digits");

    /* A compile request announcing more C than allowed: refused before
     * anything is allocated. */
    put32(q + 4, 3);
    memset(q + 8, 'a', 64);
    for (int i = 0; i < 8; i++)
        q[76 + i] = 0xff;
    assert_err(serve_request(q, sizeof q, reply), VEIL_EPROTO, "bytes of C (at most 1073741824)");

    /* Text on a lookup. */
    put32(q + 4, 2);
    memset(q + 76, 0, 8);
    q[76] = 5;
    assert_err(serve_request(q, sizeof q, reply), VEIL_EPROTO,
               "only a compile request carries a name and text");

    /* A header cut short. */
    assert_err(serve_request(q, 40, reply), VEIL_EPROTO, "request header cut short");
}

/* ---- the worker's own confinement (Landlock) ---- */

static void test_confinement_allows_writes_only_in_the_cache(void **state) {
    (void)state;
    const char *cache = VEIL_AOT_WORKER_TEST_CACHE;
    char inside[512], outside[512];
    snprintf(inside, sizeof inside, "%s/confined-ok", cache);
    snprintf(outside, sizeof outside, "%s-outside-confinement", cache);
    unlink(outside);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* 10 + step: which step failed; 77: no Landlock here */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            _exit(10);
        /* The worker may also write $TMPDIR (else /tmp): point it at the
         * cache, so "outside" is outside even when the build tree itself
         * is under /tmp (a CI clone there). */
        if (setenv("TMPDIR", cache, 1) != 0)
            _exit(16);
        char what[512];
        veil_error *err = veil_wasm_aot_worker_confine(what, sizeof what);
        if (err != NULL)
            _exit(veil_error_code(err) == VEIL_EUNSUPPORTED ? 77 : 11);
        if (strstr(what, cache) == NULL)
            _exit(12);
        int fd = open(inside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            _exit(13);
        close(fd);
        fd = open(outside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EACCES)
            _exit(14);
        if (mkdir(outside, 0700) == 0 || errno != EACCES)
            _exit(15);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        print_message("no Landlock on this kernel: the refusal was not checked\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(access(outside, F_OK), -1); /* nothing was created there */
    assert_int_equal(access(inside, F_OK), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_worker_compiles_and_serves_the_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_replies_are_clear_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_errors_pass_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gone_worker_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_compiler_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_refuses_malformed_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confinement_allows_writes_only_in_the_cache, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

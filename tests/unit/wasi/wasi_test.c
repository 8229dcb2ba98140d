/* Unit tests of the WASI preview 1 host functions, called directly on a
 * linear memory buffer (no engine): marshalling, bounds checks, clocks,
 * random, poll_oneoff, sockets, proc_exit and tracing. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "veil/vfs.h"
#include "veil/wasi.h"

#define MEM_SIZE 65536

typedef struct env {
    veil_vfs *vfs;
    veil_vfs_view *view;
    veil_wasi *wasi;
    uint8_t *mem;
    char out[256];
    size_t out_len;
} env;

static veil_wasi_errno capture(void *user, int stream, const uint8_t *data, size_t len) {
    env *e = user;
    (void)stream;
    if (e->out_len + len > sizeof(e->out))
        return VEIL_WASI_EIO;
    memcpy(e->out + e->out_len, data, len);
    e->out_len += len;
    return VEIL_WASI_ESUCCESS;
}

static env *env_new(bool clock, FILE *trace) {
    env *e = calloc(1, sizeof(*e));
    assert_ok(veil_vfs_new(NULL, &e->vfs));
    assert_ok(veil_vfs_put_file(e->vfs, "/file", "0123456789", 10));
    veil_vfs_stdio io = {capture, NULL, e};
    veil_vfs_grant grants[] = {{"/", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL},
                               {"stdout", VEIL_RIGHTS_ALL, 0},
                               {"stdin", VEIL_RIGHTS_ALL, 0}};
    assert_ok(veil_vfs_view_new(e->vfs, "test", grants, 3, &io, &e->view));
    const char *args[] = {"prog", "a b", ""};
    const char *vars[] = {"K=V", "EMPTY="};
    veil_wasi_config config = {.view = e->view,
                               .args = args,
                               .arg_count = 3,
                               .env = vars,
                               .env_count = 2,
                               .enable_clock = clock,
                               .trace = trace};
    assert_ok(veil_wasi_new(&config, &e->wasi));
    e->mem = calloc(1, MEM_SIZE);
    return e;
}

static void env_free(env *e) {
    veil_wasi_free(e->wasi);
    veil_vfs_view_free(e->view);
    veil_vfs_free(e->vfs);
    free(e->mem);
    free(e);
}

/* Calls name with up to 9 arguments; returns the errno. */
static uint64_t call(env *e, const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                     uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
    uint64_t args[9] = {a0, a1, a2, a3, a4, a5, a6, a7, a8};
    uint64_t result = 0xdead;
    bool exited = false;
    uint32_t code = 0;
    assert_ok(veil_wasi_invoke(e->wasi, name, e->mem, MEM_SIZE, args, &result, &exited, &code));
    assert_false(exited);
    return result;
}
#define CALL0(e, n) call(e, n, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#define CALL1(e, n, a) call(e, n, a, 0, 0, 0, 0, 0, 0, 0, 0)
#define CALL2(e, n, a, b) call(e, n, a, b, 0, 0, 0, 0, 0, 0, 0)
#define CALL3(e, n, a, b, c) call(e, n, a, b, c, 0, 0, 0, 0, 0, 0)
#define CALL4(e, n, a, b, c, d) call(e, n, a, b, c, d, 0, 0, 0, 0, 0)
#define CALL5(e, n, a, b, c, d, f) call(e, n, a, b, c, d, f, 0, 0, 0, 0)

static uint32_t rd32(env *e, uint32_t p) {
    return (uint32_t)e->mem[p] | (uint32_t)e->mem[p + 1] << 8 | (uint32_t)e->mem[p + 2] << 16 |
           (uint32_t)e->mem[p + 3] << 24;
}

static uint64_t rd64(env *e, uint32_t p) {
    return rd32(e, p) | (uint64_t)rd32(e, p + 4) << 32;
}

static void wr32(env *e, uint32_t p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        e->mem[p + i] = (uint8_t)(v >> (8 * i));
}

static void wr64(env *e, uint32_t p, uint64_t v) {
    wr32(e, p, (uint32_t)v);
    wr32(e, p + 4, (uint32_t)(v >> 32));
}

static uint32_t put_str(env *e, uint32_t p, const char *s) {
    memcpy(e->mem + p, s, strlen(s));
    return (uint32_t)strlen(s);
}

static void test_args_environ(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    assert_int_equal(CALL2(e, "args_sizes_get", 100, 104), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 100), 3);
    assert_int_equal(rd32(e, 104), 5 + 4 + 1);
    assert_int_equal(CALL2(e, "args_get", 200, 300), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 200), 300);
    assert_int_equal(rd32(e, 204), 305);
    assert_int_equal(rd32(e, 208), 309);
    assert_memory_equal(e->mem + 300, "prog\0a b\0\0", 10);
    assert_int_equal(CALL2(e, "environ_sizes_get", 101, 107), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 101), 2);
    assert_int_equal(rd32(e, 107), 4 + 7);
    assert_int_equal(CALL2(e, "environ_get", 401, 503), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 405), 507);
    assert_memory_equal(e->mem + 503, "K=V\0EMPTY=\0", 11);
    /* Buffers that do not fit in memory. */
    assert_int_equal(CALL2(e, "args_get", MEM_SIZE - 8, 0), VEIL_WASI_EFAULT);
    assert_int_equal(CALL2(e, "args_get", 0, MEM_SIZE - 9), VEIL_WASI_EFAULT);
    assert_int_equal(CALL2(e, "args_sizes_get", 0xfffffffc, 0), VEIL_WASI_EFAULT);
    env_free(e);
}

static void test_clocks(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_REALTIME, 0, 8), VEIL_WASI_EACCES);
    assert_int_equal(CALL2(e, "clock_res_get", VEIL_WASI_CLOCK_MONOTONIC, 8), VEIL_WASI_EACCES);
    assert_int_equal(rd64(e, 8), 0);
    env_free(e);
    e = env_new(true, NULL);
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_MONOTONIC, 1, 8),
                     VEIL_WASI_ESUCCESS);
    uint64_t t1 = rd64(e, 8);
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_MONOTONIC, 1, 13),
                     VEIL_WASI_ESUCCESS);
    assert_true(rd64(e, 13) >= t1);
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_REALTIME, 1, 8),
                     VEIL_WASI_ESUCCESS);
    assert_true(rd64(e, 8) > UINT64_C(1600000000) * 1000000000u);
    assert_int_equal(CALL2(e, "clock_res_get", VEIL_WASI_CLOCK_PROCESS_CPUTIME_ID, 8),
                     VEIL_WASI_ESUCCESS);
    assert_true(rd64(e, 8) > 0);
    assert_int_equal(CALL3(e, "clock_time_get", 9, 1, 8), VEIL_WASI_EINVAL);
    assert_int_equal(CALL3(e, "clock_time_get", 0, 1, MEM_SIZE - 7), VEIL_WASI_EFAULT);
    env_free(e);
}

static void test_random(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    assert_int_equal(CALL2(e, "random_get", 1000, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL2(e, "random_get", 1000, 64), VEIL_WASI_ESUCCESS);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += e->mem[1000 + i] != 0;
    assert_true(nonzero > 32);
    assert_int_equal(CALL2(e, "random_get", MEM_SIZE - 10, 11), VEIL_WASI_EFAULT);
    assert_int_equal(CALL2(e, "random_get", 0xffffffff, 0xffffffff), VEIL_WASI_EFAULT);
    /* The whole memory at once. */
    assert_int_equal(CALL2(e, "random_get", 0, MEM_SIZE), VEIL_WASI_ESUCCESS);
    env_free(e);
}

static void test_fd_io(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    /* fd_write to stdout with two iovecs at an unaligned address. */
    uint32_t s1 = put_str(e, 1001, "hello ");
    uint32_t s2 = put_str(e, 1011, "world");
    wr32(e, 2001, 1001);
    wr32(e, 2005, s1);
    wr32(e, 2009, 1011);
    wr32(e, 2013, s2);
    assert_int_equal(CALL4(e, "fd_write", 1, 2001, 2, 3001), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 3001), 11);
    assert_int_equal(e->out_len, 11);
    assert_memory_equal(e->out, "hello world", 11);
    /* An iovec pointing past memory, an iovec array past memory, too many. */
    wr32(e, 2013, MEM_SIZE);
    assert_int_equal(CALL4(e, "fd_write", 1, 2001, 2, 3001), VEIL_WASI_EFAULT);
    assert_int_equal(CALL4(e, "fd_write", 1, MEM_SIZE - 12, 2, 3001), VEIL_WASI_EFAULT);
    assert_int_equal(CALL4(e, "fd_write", 1, 2001, VEIL_WASI_IOV_MAX + 1, 3001), VEIL_WASI_EINVAL);
    assert_int_equal(CALL4(e, "fd_write", 1, 2001, 1, MEM_SIZE - 3), VEIL_WASI_EFAULT);
    assert_int_equal(e->out_len, 11);
    /* Open /file, read it through fd_read and fd_pread. */
    uint32_t n = put_str(e, 100, "file");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, 0, VEIL_RIGHTS_ALL, 0, 0, 4001),
                     VEIL_WASI_ESUCCESS);
    uint32_t fd = rd32(e, 4001);
    assert_int_equal(fd, 4);
    wr32(e, 2000, 5000);
    wr32(e, 2004, 4);
    assert_int_equal(CALL4(e, "fd_read", fd, 2000, 1, 3000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 3000), 4);
    assert_memory_equal(e->mem + 5000, "0123", 4);
    assert_int_equal(CALL5(e, "fd_pread", fd, 2000, 1, 8, 3000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 3000), 2);
    assert_memory_equal(e->mem + 5000, "89", 2);
    /* fd_seek with a negative offset, fd_tell. */
    assert_int_equal(CALL4(e, "fd_seek", fd, (uint64_t)-1, VEIL_WASI_WHENCE_END, 3003),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(rd64(e, 3003), 9);
    assert_int_equal(CALL2(e, "fd_tell", fd, 3011), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd64(e, 3011), 9);
    /* fdstat and filestat layouts. */
    assert_int_equal(CALL2(e, "fd_fdstat_get", fd, 6001), VEIL_WASI_ESUCCESS);
    assert_int_equal(e->mem[6001], VEIL_WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(rd64(e, 6009), VEIL_VFS_FILE_RIGHTS);
    assert_int_equal(rd64(e, 6017), 0);
    assert_int_equal(CALL2(e, "fd_filestat_get", fd, 7001), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd64(e, 7001), VEIL_VFS_DEV);
    assert_int_equal(e->mem[7017], VEIL_WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(rd64(e, 7025), 1);
    assert_int_equal(rd64(e, 7033), 10);
    assert_int_equal(CALL2(e, "fd_filestat_get", fd, MEM_SIZE - 63), VEIL_WASI_EFAULT);
    /* Writes through pwrite, then truncate. */
    wr32(e, 2000, 1001);
    wr32(e, 2004, 2);
    assert_int_equal(CALL5(e, "fd_pwrite", fd, 2000, 1, 0, 3000), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL2(e, "fd_filestat_set_size", fd, 3), VEIL_WASI_ESUCCESS);
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_get_file(e->vfs, "/file", 100, &data, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(data, "he2", 3);
    free(data);
    /* Out-of-range flag values are EINVAL, not truncated. */
    assert_int_equal(CALL2(e, "fd_fdstat_set_flags", fd, 0x10000), VEIL_WASI_EINVAL);
    assert_int_equal(CALL4(e, "fd_seek", fd, 0, 0x100, 3003), VEIL_WASI_EINVAL);
    assert_int_equal(CALL1(e, "fd_close", fd), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL1(e, "fd_close", fd), VEIL_WASI_EBADF);
    env_free(e);
}

static void test_paths(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    assert_int_equal(CALL2(e, "fd_prestat_get", 3, 11), VEIL_WASI_ESUCCESS);
    assert_int_equal(e->mem[11], VEIL_WASI_PREOPENTYPE_DIR);
    assert_int_equal(rd32(e, 15), 1);
    assert_int_equal(CALL3(e, "fd_prestat_dir_name", 3, 20, 0), VEIL_WASI_ENAMETOOLONG);
    assert_int_equal(CALL3(e, "fd_prestat_dir_name", 3, 20, 8), VEIL_WASI_ESUCCESS);
    assert_int_equal(e->mem[20], '/');
    assert_int_equal(e->mem[21], 0);
    assert_int_equal(CALL2(e, "fd_prestat_get", 4, 11), VEIL_WASI_EBADF);
    assert_int_equal(CALL2(e, "fd_prestat_get", 1, 11), VEIL_WASI_EBADF);

    uint32_t n = put_str(e, 100, "dir");
    assert_int_equal(CALL3(e, "path_create_directory", 3, 100, n), VEIL_WASI_ESUCCESS);
    n = put_str(e, 100, "dir/a-long-file-name");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, VEIL_WASI_OFLAGS_CREAT, 0, 0, 0, 200),
                     VEIL_WASI_ESUCCESS);
    n = put_str(e, 100, "dir/b");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, VEIL_WASI_OFLAGS_CREAT, 0, 0, 0, 200),
                     VEIL_WASI_ESUCCESS);
    n = put_str(e, 100, "dir");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, VEIL_WASI_OFLAGS_DIRECTORY,
                          VEIL_VFS_DIR_RIGHTS, 0, 0, 200),
                     VEIL_WASI_ESUCCESS);
    uint32_t dir = rd32(e, 200);
    /* Whole listing: . .. a-long-file-name b = 4 entries of 24 bytes + 1+2+16+1. */
    assert_int_equal(CALL5(e, "fd_readdir", dir, 1000, 500, 0, 300), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 300), 4 * 24 + 20);
    assert_int_equal(rd64(e, 1000), 1); /* d_next of "." */
    assert_int_equal(rd32(e, 1016), 1); /* d_namlen */
    assert_int_equal(e->mem[1020], VEIL_WASI_FILETYPE_DIRECTORY);
    assert_int_equal(e->mem[1024], '.');
    uint32_t third = 1000 + 24 + 1 + 24 + 2;
    assert_int_equal(rd32(e, third + 16), 16);
    assert_memory_equal(e->mem + third + 24, "a-long-file-name", 16);
    /* A small buffer: filled completely, the last entry cut short. */
    memset(e->mem + 1000, 0xaa, 100);
    assert_int_equal(CALL5(e, "fd_readdir", dir, 1000, 60, 2, 300), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 300), 60);
    assert_int_equal(rd64(e, 1000), 3);
    assert_int_equal(e->mem[1060], 0xaa);
    /* Resume at the last cookie. */
    assert_int_equal(CALL5(e, "fd_readdir", dir, 1000, 500, 3, 300), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 300), 25);
    assert_int_equal(e->mem[1024], 'b');
    assert_int_equal(CALL5(e, "fd_readdir", dir, 1000, 500, 4, 300), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 300), 0);
    assert_int_equal(CALL5(e, "fd_readdir", dir, MEM_SIZE - 10, 500, 0, 300), VEIL_WASI_EFAULT);

    /* path_filestat_get, symlink, readlink, rename, unlink, remove_directory. */
    n = put_str(e, 100, "dir/b");
    assert_int_equal(CALL5(e, "path_filestat_get", 3, 0, 100, n, 7000), VEIL_WASI_ESUCCESS);
    assert_int_equal(e->mem[7016], VEIL_WASI_FILETYPE_REGULAR_FILE);
    uint32_t t = put_str(e, 150, "b");
    n = put_str(e, 100, "dir/link");
    assert_int_equal(CALL5(e, "path_symlink", 150, t, 3, 100, n), VEIL_WASI_ESUCCESS);
    assert_int_equal(call(e, "path_readlink", 3, 100, n, 400, 10, 410, 0, 0, 0),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 410), 1);
    assert_int_equal(e->mem[400], 'b');
    uint32_t n2 = put_str(e, 120, "dir/link2");
    assert_int_equal(call(e, "path_rename", 3, 100, n, 3, 120, n2, 0, 0, 0), VEIL_WASI_ESUCCESS);
    uint32_t n3 = put_str(e, 160, "dir/b");
    assert_int_equal(call(e, "path_link", 3, 0, 160, n3, dir, 150, t, 0, 0), VEIL_WASI_EEXIST);
    assert_int_equal(CALL3(e, "path_unlink_file", 3, 120, n2), VEIL_WASI_ESUCCESS);
    n = put_str(e, 100, "dir");
    assert_int_equal(CALL3(e, "path_remove_directory", 3, 100, n), VEIL_WASI_ENOTEMPTY);
    assert_int_equal(call(e, "path_filestat_set_times", 3, 0, 100, n, 1, 2,
                          VEIL_WASI_FSTFLAGS_ATIM | VEIL_WASI_FSTFLAGS_MTIM, 0, 0),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL5(e, "path_filestat_get", 3, 0, 100, n, 7000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd64(e, 7040), 1);
    assert_int_equal(rd64(e, 7048), 2);
    /* Paths outside memory, escapes, NUL bytes. */
    assert_int_equal(CALL3(e, "path_create_directory", 3, MEM_SIZE - 2, 3), VEIL_WASI_EFAULT);
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, 0, 0, 0, 0, MEM_SIZE - 2),
                     VEIL_WASI_EFAULT);
    n = put_str(e, 100, "../x");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, 0, 0, 0, 0, 200), VEIL_WASI_ENOTCAPABLE);
    memcpy(e->mem + 100, "dir\0", 4);
    assert_int_equal(call(e, "path_open", 3, 0, 100, 4, 0, 0, 0, 0, 200), VEIL_WASI_EINVAL);
    assert_int_equal(call(e, "path_open", 3, 0, 100, 3, 0x10000, 0, 0, 0, 200), VEIL_WASI_EINVAL);
    /* fd_renumber and rights. */
    assert_int_equal(CALL3(e, "fd_fdstat_set_rights", dir, VEIL_RIGHT_FD_READDIR, 0),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL3(e, "fd_fdstat_set_rights", dir, VEIL_RIGHTS_ALL, 0),
                     VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(CALL2(e, "fd_renumber", dir, 3), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL2(e, "fd_prestat_get", 3, 11), VEIL_WASI_EBADF);
    env_free(e);
}

static void test_poll(void **state) {
    (void)state;
    env *e = env_new(true, NULL);
    /* One clock (1 ms) and one fd write subscription: the fd is ready, so
     * the call returns without sleeping and reports only it. */
    memset(e->mem, 0, 4096);
    wr64(e, 0, 111);
    e->mem[8] = VEIL_WASI_EVENTTYPE_CLOCK;
    wr32(e, 16, VEIL_WASI_CLOCK_MONOTONIC);
    wr64(e, 24, 1000000);
    wr64(e, 48, 222);
    e->mem[56] = VEIL_WASI_EVENTTYPE_FD_WRITE;
    wr32(e, 64, 1);
    assert_int_equal(CALL4(e, "poll_oneoff", 0, 1000, 2, 2000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 2000), 1);
    assert_int_equal(rd64(e, 1000), 222);
    assert_int_equal(e->mem[1008], 0);
    assert_int_equal(e->mem[1010], VEIL_WASI_EVENTTYPE_FD_WRITE);
    /* The clock alone: sleeps, then fires. */
    uint64_t before, after;
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_MONOTONIC, 1, 3000),
                     VEIL_WASI_ESUCCESS);
    before = rd64(e, 3000);
    assert_int_equal(CALL4(e, "poll_oneoff", 0, 1000, 1, 2000), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL3(e, "clock_time_get", VEIL_WASI_CLOCK_MONOTONIC, 1, 3000),
                     VEIL_WASI_ESUCCESS);
    after = rd64(e, 3000);
    assert_int_equal(rd32(e, 2000), 1);
    assert_int_equal(rd64(e, 1000), 111);
    assert_int_equal(e->mem[1010], VEIL_WASI_EVENTTYPE_CLOCK);
    assert_true(after - before >= 1000000);
    /* An absolute deadline in the past fires at once. */
    e->mem[40] = VEIL_WASI_SUBCLOCKFLAGS_ABSTIME;
    wr64(e, 24, 1);
    assert_int_equal(CALL4(e, "poll_oneoff", 0, 1000, 1, 2000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 2000), 1);
    /* Read subscription on a bad fd: its event carries EBADF. */
    e->mem[56] = VEIL_WASI_EVENTTYPE_FD_READ;
    wr32(e, 64, 77);
    assert_int_equal(CALL4(e, "poll_oneoff", 48, 1000, 1, 2000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 2000), 1);
    assert_int_equal(e->mem[1008], VEIL_WASI_EBADF);
    /* Bad arguments. */
    assert_int_equal(CALL4(e, "poll_oneoff", 0, 1000, 0, 2000), VEIL_WASI_EINVAL);
    e->mem[56] = 7;
    assert_int_equal(CALL4(e, "poll_oneoff", 48, 1000, 1, 2000), VEIL_WASI_EINVAL);
    assert_int_equal(CALL4(e, "poll_oneoff", MEM_SIZE - 40, 1000, 1, 2000), VEIL_WASI_EFAULT);
    assert_int_equal(CALL4(e, "poll_oneoff", 0, MEM_SIZE - 40, 2, 2000), VEIL_WASI_EFAULT);
    env_free(e);

    /* Without the clock, clock subscriptions fail with EACCES at once. */
    e = env_new(false, NULL);
    e->mem[8] = VEIL_WASI_EVENTTYPE_CLOCK;
    wr64(e, 24, UINT64_C(3600) * 1000000000u);
    assert_int_equal(CALL4(e, "poll_oneoff", 0, 1000, 1, 2000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 2000), 1);
    assert_int_equal(e->mem[1008], VEIL_WASI_EACCES);
    env_free(e);
}

static void test_exit_sockets_misc(void **state) {
    (void)state;
    env *e = env_new(false, NULL);
    uint64_t args[1] = {42};
    uint64_t result = 7;
    bool exited = false;
    uint32_t code = 0;
    assert_ok(
        veil_wasi_invoke(e->wasi, "proc_exit", e->mem, MEM_SIZE, args, &result, &exited, &code));
    assert_true(exited);
    assert_int_equal(code, 42);
    assert_int_equal(result, 7);
    assert_err(
        veil_wasi_invoke(e->wasi, "no_such", e->mem, MEM_SIZE, args, &result, &exited, &code),
        VEIL_ENOENT, "no_such");
    assert_int_equal(CALL2(e, "sock_shutdown", 1, VEIL_WASI_SDFLAGS_RD), VEIL_WASI_ENOTSOCK);
    assert_int_equal(CALL2(e, "sock_shutdown", 9, VEIL_WASI_SDFLAGS_RD), VEIL_WASI_EBADF);
    assert_int_equal(CALL3(e, "sock_accept", 3, 0, 100), VEIL_WASI_ENOTSOCK);
    assert_int_equal(call(e, "sock_recv", 0, 0, 0, 0, 0, 0, 0, 0, 0), VEIL_WASI_ENOTSOCK);
    assert_int_equal(call(e, "sock_send", 99, 0, 0, 0, 0, 0, 0, 0, 0), VEIL_WASI_EBADF);
    assert_int_equal(CALL1(e, "proc_raise", 6), VEIL_WASI_ENOSYS);
    assert_int_equal(CALL0(e, "sched_yield"), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL4(e, "fd_advise", 1, 0, 0, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(CALL3(e, "fd_allocate", 3, 0, 1), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(CALL1(e, "fd_sync", 3), VEIL_WASI_ESUCCESS);
    assert_int_equal(CALL1(e, "fd_datasync", 3), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(CALL4(e, "fd_filestat_set_times", 3, 5, 5, 0x30), VEIL_WASI_EINVAL);
    /* Reading stdin without a stdio reader: end of file. */
    wr32(e, 2000, 5000);
    wr32(e, 2004, 4);
    assert_int_equal(CALL4(e, "fd_read", 0, 2000, 1, 3000), VEIL_WASI_ESUCCESS);
    assert_int_equal(rd32(e, 3000), 0);
    env_free(e);
}

/* Every function survives hostile arguments (all ones, pointers past
 * memory) and answers with an errno. */
static void test_hostile_arguments(void **state) {
    (void)state;
    env *e = env_new(false, NULL); /* no clock: poll_oneoff never sleeps on junk */
    const char *names[] = {"args_get",
                           "args_sizes_get",
                           "environ_get",
                           "environ_sizes_get",
                           "clock_res_get",
                           "clock_time_get",
                           "fd_advise",
                           "fd_allocate",
                           "fd_close",
                           "fd_datasync",
                           "fd_fdstat_get",
                           "fd_fdstat_set_flags",
                           "fd_fdstat_set_rights",
                           "fd_filestat_get",
                           "fd_filestat_set_size",
                           "fd_filestat_set_times",
                           "fd_pread",
                           "fd_prestat_get",
                           "fd_prestat_dir_name",
                           "fd_pwrite",
                           "fd_read",
                           "fd_readdir",
                           "fd_renumber",
                           "fd_seek",
                           "fd_sync",
                           "fd_tell",
                           "fd_write",
                           "path_create_directory",
                           "path_filestat_get",
                           "path_filestat_set_times",
                           "path_link",
                           "path_open",
                           "path_readlink",
                           "path_remove_directory",
                           "path_rename",
                           "path_symlink",
                           "path_unlink_file",
                           "poll_oneoff",
                           "proc_raise",
                           "sched_yield",
                           "random_get",
                           "sock_accept",
                           "sock_recv",
                           "sock_send",
                           "sock_shutdown"};
    uint64_t patterns[] = {UINT64_MAX, 0xffffffffu, MEM_SIZE, MEM_SIZE - 1, 3};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        veil_wasm_functype type;
        assert_true(veil_wasi_signature(names[i], &type));
        assert_int_equal(type.result_count, 1);
        for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
            uint64_t v = patterns[p];
            if (strcmp(names[i], "fd_renumber") == 0 || strcmp(names[i], "fd_close") == 0)
                continue; /* would close the pre-open used by the others */
            uint64_t r = call(e, names[i], v, v, v, v, v, v, v, v, v);
            assert_true(r <= VEIL_WASI_ENOTCAPABLE);
        }
    }
    veil_wasm_functype type;
    assert_true(veil_wasi_signature("path_open", &type));
    assert_int_equal(type.param_count, 9);
    assert_int_equal(type.params[4], VEIL_WASM_I32);
    assert_int_equal(type.params[5], VEIL_WASM_I64);
    assert_int_equal(type.params[6], VEIL_WASM_I64);
    assert_int_equal(type.params[8], VEIL_WASM_I32);
    assert_true(veil_wasi_signature("proc_exit", &type));
    assert_int_equal(type.param_count, 1);
    assert_int_equal(type.result_count, 0);
    assert_false(veil_wasi_signature("fd_nope", &type));
    env_free(e);
}

static void test_trace(void **state) {
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *trace = open_memstream(&text, &size);
    env *e = env_new(false, trace);
    uint32_t n = put_str(e, 100, "file");
    assert_int_equal(call(e, "path_open", 3, 1, 100, n, 0, 6, 0, 0, 200), VEIL_WASI_ESUCCESS);
    n = put_str(e, 100, "no\"pe\n");
    assert_int_equal(call(e, "path_open", 3, 0, 100, n, 0, 0, 0, 0, 200), VEIL_WASI_ENOENT);
    assert_int_equal(CALL3(e, "clock_time_get", 0, 1000, 8), VEIL_WASI_EACCES);
    uint64_t args[1] = {3};
    uint64_t result;
    bool exited;
    uint32_t code;
    assert_ok(
        veil_wasi_invoke(e->wasi, "proc_exit", e->mem, MEM_SIZE, args, &result, &exited, &code));
    fclose(trace);
    assert_string_equal(text, "path_open(3, 0x1, \"file\", 0x0, 0x6, 0x0, 0x0, 0xc8) = success "
                              "-> 4\n"
                              "path_open(3, 0x0, \"no\\\"pe\\x0a\", 0x0, 0x0, 0x0, 0x0, 0xc8) = "
                              "noent\n"
                              "clock_time_get(0, 1000, 0x8) = acces\n"
                              "proc_exit(3) = exit\n");
    free(text);
    env_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_environ),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_fd_io),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_poll),
        cmocka_unit_test(test_exit_sockets_misc),
        cmocka_unit_test(test_hostile_arguments),
        cmocka_unit_test(test_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

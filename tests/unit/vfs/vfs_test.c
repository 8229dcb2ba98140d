/* Unit tests of the in-memory file system: views and rights, path
 * resolution (escapes, limits, symbolic links), descriptor operations,
 * budget, hashed paths, streamed host writes, concurrency. */
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veil/hash.h"
#include "veil/str.h"
#include "veil/vfs.h"

#define P(s) (s), strlen(s)
#define ALL VEIL_RIGHTS_ALL

typedef struct fixture {
    veil_vfs *vfs;
    veil_vfs_view *view;
} fixture;

/* A file system with one principal that has every right on "/". */
static fixture make_root(uint64_t max_bytes) {
    fixture f;
    veil_vfs_config config = {.max_bytes = max_bytes, .clock_timestamps = true};
    assert_ok(veil_vfs_new(&config, &f.vfs));
    veil_vfs_grant grants[] = {{"/", ALL, ALL}, {"stdout", ALL, 0}};
    assert_ok(veil_vfs_view_new(f.vfs, "root", grants, 2, NULL, &f.view));
    return f;
}

static void fixture_free(fixture *f) {
    veil_vfs_view_free(f->view);
    veil_vfs_free(f->vfs);
}

static uint32_t open_file(veil_vfs_view *view, uint32_t dir, const char *path, uint16_t oflags,
                          uint64_t rights) {
    uint32_t fd = 0;
    uint64_t base = rights;
    if (oflags & VEIL_WASI_OFLAGS_DIRECTORY)
        base &= ~VEIL_RIGHT_FD_WRITE; /* directories cannot be opened for writing */
    veil_wasi_errno err = veil_vfs_path_open(view, dir, 0, P(path), oflags, base, rights, 0, &fd);
    if (err != VEIL_WASI_ESUCCESS)
        print_error("open %s: %s\n", path, veil_wasi_errno_name(err));
    assert_int_equal(err, VEIL_WASI_ESUCCESS);
    return fd;
}

static void write_all(veil_vfs_view *view, uint32_t fd, const char *text) {
    veil_vfs_ciovec iov = {(const uint8_t *)text, strlen(text)};
    size_t n = 0;
    assert_int_equal(veil_vfs_fd_write(view, fd, &iov, 1, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, strlen(text));
}

static void create_with(veil_vfs_view *view, uint32_t dir, const char *path, const char *text) {
    uint32_t fd = open_file(view, dir, path, VEIL_WASI_OFLAGS_CREAT | VEIL_WASI_OFLAGS_TRUNC, ALL);
    write_all(view, fd, text);
    assert_int_equal(veil_vfs_fd_close(view, fd), VEIL_WASI_ESUCCESS);
}

static veil_wasi_errno open_err(veil_vfs_view *view, uint32_t dir, const char *path,
                                uint32_t lookup, uint16_t oflags) {
    uint32_t fd;
    veil_wasi_errno err = veil_vfs_path_open(view, dir, lookup, P(path), oflags,
                                             ALL & ~VEIL_RIGHT_FD_WRITE, ALL, 0, &fd);
    if (err == VEIL_WASI_ESUCCESS)
        veil_vfs_fd_close(view, fd);
    return err;
}

static void assert_content(veil_vfs *vfs, const char *path, const char *text) {
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_get_file(vfs, path, 1 << 20, &data, &len));
    assert_int_equal(len, strlen(text));
    assert_memory_equal(data, text, len);
    free(data);
}

/* ---- views ---- */

static void test_preopens_sorted(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    veil_vfs_grant grants[] = {{"/output/", VEIL_RIGHTS_RW, VEIL_RIGHTS_RW},
                               {"stderr", VEIL_RIGHTS_W, 0},
                               {"/program_data", VEIL_RIGHTS_R, VEIL_RIGHTS_R},
                               {"//s3_app_input//", VEIL_RIGHTS_R, VEIL_RIGHTS_R},
                               {"stdout", VEIL_RIGHTS_W, 0}};
    veil_vfs_view *view;
    assert_ok(veil_vfs_view_new(vfs, "prog", grants, 5, NULL, &view));
    const char *want[] = {"/output", "/program_data", "/s3_app_input"};
    for (uint32_t i = 0; i < 3; i++) {
        const char *name;
        size_t len;
        assert_int_equal(veil_vfs_fd_prestat(view, 3 + i, &name, &len), VEIL_WASI_ESUCCESS);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(name, want[i], len);
    }
    const char *name;
    size_t len;
    assert_int_equal(veil_vfs_fd_prestat(view, 6, &name, &len), VEIL_WASI_EBADF);
    assert_int_equal(veil_vfs_fd_prestat(view, 1, &name, &len), VEIL_WASI_EBADF);

    /* Directory descriptors keep only directory rights; stdio only stream
     * rights; inheriting rights stay as granted. */
    veil_vfs_fdstat st;
    assert_int_equal(veil_vfs_fd_fdstat(view, 3, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.filetype, VEIL_WASI_FILETYPE_DIRECTORY);
    assert_int_equal(st.rights_base, VEIL_RIGHTS_RW & VEIL_VFS_DIR_RIGHTS);
    assert_int_equal(st.rights_inheriting, VEIL_RIGHTS_RW);
    assert_int_equal(veil_vfs_fd_fdstat(view, 1, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.filetype, VEIL_WASI_FILETYPE_CHARACTER_DEVICE);
    assert_int_equal(st.rights_base, VEIL_RIGHT_FD_WRITE);
    assert_int_equal(veil_vfs_fd_fdstat(view, 0, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.rights_base, 0);

    /* stdin without rights: reading is ENOTCAPABLE, not EBADF. */
    uint8_t buf[4];
    veil_vfs_iovec iov = {buf, sizeof(buf)};
    size_t n;
    assert_int_equal(veil_vfs_fd_read(view, 0, &iov, 1, &n), VEIL_WASI_ENOTCAPABLE);
    veil_vfs_view_free(view);

    /* Bad grants. */
    veil_vfs_grant rel[] = {{"output", 1, 1}};
    assert_err(veil_vfs_view_new(vfs, "p", rel, 1, NULL, &view), VEIL_EINVAL, "'output'");
    veil_vfs_grant dotdot[] = {{"/a/../b", 1, 1}};
    assert_err(veil_vfs_view_new(vfs, "p", dotdot, 1, NULL, &view), VEIL_EINVAL, "'/a/../b'");
    veil_vfs_grant dup[] = {{"/a/", 1, 1}, {"/a", 1, 1}};
    assert_err(veil_vfs_view_new(vfs, "p", dup, 2, NULL, &view), VEIL_EINVAL, "two grants");
    veil_vfs_grant dup_std[] = {{"stdout", 1, 1}, {"stdout", 1, 1}};
    assert_err(veil_vfs_view_new(vfs, "p", dup_std, 2, NULL, &view), VEIL_EINVAL, "two grants");
    assert_ok(veil_vfs_put_file(vfs, "/output/file", "x", 1));
    /* A grant on an existing file is not pre-opened, but gives rights on it. */
    veil_vfs_grant on_file[] = {{"/output/file", VEIL_RIGHTS_R, VEIL_RIGHTS_R}};
    assert_ok(veil_vfs_view_new(vfs, "p", on_file, 1, NULL, &view));
    assert_int_equal(veil_vfs_fd_prestat(view, 3, &name, &len), VEIL_WASI_EBADF);
    uint8_t *data;
    assert_ok(veil_vfs_read(view, "/output/file", 10, &data, &len));
    assert_int_equal(len, 1);
    free(data);
    assert_err(veil_vfs_read(view, "/output/other", 10, &data, &len), VEIL_EPERM,
               "no rights on this path");
    veil_vfs_view_free(view);
    veil_vfs_free(vfs);
}

/* Client views create nothing; grants are looked up by path when used. */
static void test_client_views(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    veil_vfs_grant grants[] = {{"/output/result.json", VEIL_RIGHTS_RW, VEIL_RIGHTS_RW},
                               {"/input", VEIL_RIGHTS_W, VEIL_RIGHTS_W}};
    veil_vfs_view *c;
    assert_ok(veil_vfs_client_view_new(vfs, "client", grants, 2, &c));
    veil_vfs_filestat st;
    veil_vfs_grant root = {"/", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    veil_vfs_view *admin;
    assert_ok(veil_vfs_client_view_new(vfs, "admin", &root, 1, &admin));
    assert_err(veil_vfs_stat(admin, "/output", &st), VEIL_ENOENT, "no such file");
    assert_err(veil_vfs_stat(admin, "/input", &st), VEIL_ENOENT, "no such file");
    assert_int_equal(veil_vfs_fd_prestat(c, 3, &(const char *){0}, &(size_t){0}), VEIL_WASI_EBADF);
    /* The grant's directories appear later; then the grant applies. */
    assert_err(veil_vfs_write(c, "/input/clip", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_ENOENT,
               "no such file");
    assert_err(veil_vfs_write(c, "/output/result.json", VEIL_VFS_WRITE_TRUNCATE, "x", 1),
               VEIL_ENOENT, "no such file");
    assert_ok(veil_vfs_mkdir_p(vfs, "/input"));
    assert_ok(veil_vfs_mkdir_p(vfs, "/output"));
    assert_ok(veil_vfs_write(c, "/input/clip", VEIL_VFS_WRITE_TRUNCATE, "x", 1));
    /* A file grant: that file, nothing beside it. */
    assert_ok(veil_vfs_write(c, "/output/result.json", VEIL_VFS_WRITE_TRUNCATE, "{}", 2));
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_read(c, "/output/result.json", 10, &data, &len));
    assert_int_equal(len, 2);
    free(data);
    assert_err(veil_vfs_write(c, "/output/other.json", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EPERM,
               "no rights on this path");
    assert_err(veil_vfs_list(c, "/output", &(veil_vfs_list_entry *){0}, &(size_t){0}), VEIL_EPERM,
               "no rights on this path");
    /* A directory grant replaced by a symbolic link is not followed. */
    assert_ok(veil_vfs_mkdir_p(vfs, "/elsewhere"));
    veil_vfs_view *p;
    veil_vfs_grant pg = {"/", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    assert_ok(veil_vfs_view_new(vfs, "program", &pg, 1, NULL, &p));
    assert_int_equal(veil_vfs_path_rename(p, 3, "input", 5, 3, "old", 3), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_symlink(p, "elsewhere", 9, 3, "input", 5), VEIL_WASI_ESUCCESS);
    assert_err(veil_vfs_write(c, "/input/clip", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EPERM,
               "leaves the granted directory");
    veil_vfs_view_free(p);
    veil_vfs_view_free(admin);
    veil_vfs_view_free(c);
    veil_vfs_free(vfs);
}

/* ---- path resolution ---- */

static void test_path_escapes(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    assert_ok(veil_vfs_mkdir_p(vfs, "/secret"));
    assert_ok(veil_vfs_put_file(vfs, "/secret/key", "k", 1));
    assert_ok(veil_vfs_mkdir_p(vfs, "/box/sub"));
    assert_ok(veil_vfs_put_file(vfs, "/box/sub/file", "f", 1));
    veil_vfs_grant grants[] = {{"/box", ALL, ALL}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "boxed", grants, 1, NULL, &v));

    /* "..": inside is fine, above the pre-open is not. */
    assert_int_equal(open_err(v, 3, "sub/../sub/file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "..", 0, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(open_err(v, 3, "../secret/key", 0, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(open_err(v, 3, "sub/../../secret/key", 0, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(open_err(v, 3, "sub/../..", 0, 0), VEIL_WASI_ENOTCAPABLE);
    /* Absolute paths. */
    assert_int_equal(open_err(v, 3, "/secret/key", 0, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(open_err(v, 3, "/", 0, 0), VEIL_WASI_ENOTCAPABLE);
    /* Repeated slashes, "." and empty components. */
    assert_int_equal(open_err(v, 3, "sub//./file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, ".//sub///file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "sub/", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "sub/file/", 0, 0), VEIL_WASI_ENOTDIR);
    assert_int_equal(open_err(v, 3, "sub/file/x", 0, 0), VEIL_WASI_ENOTDIR);
    assert_int_equal(open_err(v, 3, "", 0, 0), VEIL_WASI_ENOENT);
    assert_int_equal(open_err(v, 3, ".", 0, 0), VEIL_WASI_ESUCCESS);
    /* NUL bytes and invalid UTF-8. */
    uint32_t fd;
    assert_int_equal(veil_vfs_path_open(v, 3, 0, "sub\0file", 8, 0, 0, 0, 0, &fd),
                     VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_path_open(v, 3, 0, "sub/\xff", 5, 0, 0, 0, 0, &fd), VEIL_WASI_EILSEQ);
    /* Over-long names and paths. */
    char name[VEIL_VFS_NAME_MAX + 2];
    memset(name, 'n', sizeof(name));
    name[VEIL_VFS_NAME_MAX] = '\0';
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P(name), VEIL_WASI_OFLAGS_CREAT, ALL, ALL, 0, &fd),
                     VEIL_WASI_ESUCCESS);
    veil_vfs_fd_close(v, fd);
    name[VEIL_VFS_NAME_MAX] = 'n';
    name[VEIL_VFS_NAME_MAX + 1] = '\0';
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P(name), VEIL_WASI_OFLAGS_CREAT, ALL, ALL, 0, &fd),
                     VEIL_WASI_ENAMETOOLONG);
    char *long_path = malloc(VEIL_VFS_PATH_MAX + 2);
    for (size_t i = 0; i < VEIL_VFS_PATH_MAX + 1; i += 2)
        memcpy(long_path + i, "./", 2);
    long_path[VEIL_VFS_PATH_MAX + 1] = '\0';
    assert_int_equal(open_err(v, 3, long_path, 0, 0), VEIL_WASI_ENAMETOOLONG);
    long_path[VEIL_VFS_PATH_MAX] = '\0';
    assert_int_equal(open_err(v, 3, long_path, 0, 0), VEIL_WASI_ESUCCESS);
    free(long_path);
    /* A directory descriptor opened below the pre-open is its own root. */
    uint32_t sub = open_file(v, 3, "sub", VEIL_WASI_OFLAGS_DIRECTORY, ALL);
    assert_int_equal(open_err(v, sub, "file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, sub, "../sub/file", 0, 0), VEIL_WASI_ENOTCAPABLE);
    /* A file descriptor is not a directory. */
    uint32_t file = open_file(v, 3, "sub/file", 0, ALL);
    assert_int_equal(open_err(v, file, "x", 0, 0), VEIL_WASI_ENOTCAPABLE);
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

static void test_symlinks(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    assert_ok(veil_vfs_put_file(vfs, "/outside", "o", 1));
    assert_ok(veil_vfs_mkdir_p(vfs, "/box/dir"));
    assert_ok(veil_vfs_put_file(vfs, "/box/dir/file", "f", 1));
    veil_vfs_grant grants[] = {{"/box", ALL, ALL}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "boxed", grants, 1, NULL, &v));
    const uint32_t FOLLOW = VEIL_WASI_LOOKUP_SYMLINK_FOLLOW;

    /* Creation: relative targets only. */
    assert_int_equal(veil_vfs_path_symlink(v, P("/outside"), 3, P("abs")), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_path_symlink(v, P(""), 3, P("empty")), VEIL_WASI_ENOENT);
    assert_int_equal(veil_vfs_path_symlink(v, P("dir/file"), 3, P("link")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_symlink(v, P("dir/file"), 3, P("link")), VEIL_WASI_EEXIST);
    assert_int_equal(veil_vfs_path_symlink(v, P("dir"), 3, P("dirlink")), VEIL_WASI_ESUCCESS);
    /* Following inside the pre-open works; not following a final link is
     * ELOOP for open. */
    assert_int_equal(open_err(v, 3, "link", FOLLOW, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "link", 0, 0), VEIL_WASI_ELOOP);
    assert_int_equal(open_err(v, 3, "dirlink/file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "dirlink/", 0, VEIL_WASI_OFLAGS_DIRECTORY), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "link/", FOLLOW, 0), VEIL_WASI_ENOTDIR);
    /* Escapes through links. */
    assert_int_equal(veil_vfs_path_symlink(v, P("../outside"), 3, P("up")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "up", FOLLOW, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_path_symlink(v, P("dir/../../outside"), 3, P("up2")),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "up2", FOLLOW, 0), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_path_symlink(v, P(".."), 3, P("dir/parent")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "dir/parent/dir/file", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "dir/parent/../outside", 0, 0), VEIL_WASI_ENOTCAPABLE);
    uint32_t dir = open_file(v, 3, "dir", VEIL_WASI_OFLAGS_DIRECTORY, ALL);
    assert_int_equal(open_err(v, dir, "parent/dir/file", 0, 0), VEIL_WASI_ENOTCAPABLE);
    /* A link planted by the embedder cannot escape either. */
    assert_ok(veil_vfs_put_symlink(vfs, "/box/planted", "../outside"));
    assert_err(veil_vfs_put_symlink(vfs, "/box/abs", "/outside"), VEIL_EINVAL, "relative");
    assert_int_equal(open_err(v, 3, "planted", FOLLOW, 0), VEIL_WASI_ENOTCAPABLE);
    /* Loops and chains. */
    assert_int_equal(veil_vfs_path_symlink(v, P("self"), 3, P("self")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "self", FOLLOW, 0), VEIL_WASI_ELOOP);
    assert_int_equal(veil_vfs_path_symlink(v, P("b"), 3, P("a")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_symlink(v, P("a"), 3, P("b")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "a/x", 0, 0), VEIL_WASI_ELOOP);
    char name[16], target[16];
    assert_int_equal(veil_vfs_path_symlink(v, P("dir/file"), 3, P("c0")), VEIL_WASI_ESUCCESS);
    for (int i = 1; i <= VEIL_VFS_SYMLINK_MAX; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        snprintf(target, sizeof(target), "c%d", i - 1);
        assert_int_equal(veil_vfs_path_symlink(v, P(target), 3, P(name)), VEIL_WASI_ESUCCESS);
    }
    snprintf(name, sizeof(name), "c%d", VEIL_VFS_SYMLINK_MAX - 1);
    assert_int_equal(open_err(v, 3, name, FOLLOW, 0), VEIL_WASI_ESUCCESS);
    snprintf(name, sizeof(name), "c%d", VEIL_VFS_SYMLINK_MAX);
    assert_int_equal(open_err(v, 3, name, FOLLOW, 0), VEIL_WASI_ELOOP);
    /* readlink and stat of the link itself. */
    uint8_t buf[8];
    size_t used;
    assert_int_equal(veil_vfs_path_readlink(v, 3, P("link"), buf, sizeof(buf), &used),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(used, 8);
    assert_memory_equal(buf, "dir/file", 8);
    assert_int_equal(veil_vfs_path_readlink(v, 3, P("link"), buf, 3, &used), VEIL_WASI_ESUCCESS);
    assert_int_equal(used, 3);
    assert_int_equal(veil_vfs_path_readlink(v, 3, P("dir"), buf, 3, &used), VEIL_WASI_EINVAL);
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("link"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.filetype, VEIL_WASI_FILETYPE_SYMBOLIC_LINK);
    assert_int_equal(veil_vfs_path_filestat(v, 3, FOLLOW, P("link"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.filetype, VEIL_WASI_FILETYPE_REGULAR_FILE);
    /* Host operations follow links inside the grant only. */
    veil_vfs_filestat hst;
    assert_ok(veil_vfs_stat(v, "/box/link", &hst));
    assert_int_equal(hst.filetype, VEIL_WASI_FILETYPE_REGULAR_FILE);
    assert_err(veil_vfs_stat(v, "/box/up", &hst), VEIL_EPERM, "leaves the granted directory");
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

/* ---- descriptor operations ---- */

static void test_read_write_seek(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    uint32_t fd = open_file(v, 3, "file", VEIL_WASI_OFLAGS_CREAT, ALL);
    write_all(v, fd, "hello world");
    uint64_t off;
    assert_int_equal(veil_vfs_fd_tell(v, fd, &off), VEIL_WASI_ESUCCESS);
    assert_int_equal(off, 11);
    assert_int_equal(veil_vfs_fd_seek(v, fd, -5, VEIL_WASI_WHENCE_CUR, &off), VEIL_WASI_ESUCCESS);
    assert_int_equal(off, 6);
    uint8_t buf[16] = {0};
    veil_vfs_iovec iov[2] = {{buf, 2}, {buf + 2, 10}};
    size_t n;
    assert_int_equal(veil_vfs_fd_read(v, fd, iov, 2, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(veil_vfs_fd_read(v, fd, iov, 2, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 0);
    assert_int_equal(veil_vfs_fd_seek(v, fd, -1, VEIL_WASI_WHENCE_SET, &off), VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_fd_seek(v, fd, 0, 9, &off), VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_fd_seek(v, fd, INT64_MAX, VEIL_WASI_WHENCE_END, &off),
                     VEIL_WASI_EINVAL);
    /* pread/pwrite leave the offset alone; writing past the end fills zeros. */
    assert_int_equal(veil_vfs_fd_seek(v, fd, 0, VEIL_WASI_WHENCE_SET, &off), VEIL_WASI_ESUCCESS);
    veil_vfs_ciovec civ = {(const uint8_t *)"XY", 2};
    assert_int_equal(veil_vfs_fd_pwrite(v, fd, &civ, 1, 13, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_tell(v, fd, &off), VEIL_WASI_ESUCCESS);
    assert_int_equal(off, 0);
    assert_int_equal(veil_vfs_fd_pread(v, fd, iov, 2, 10, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "d\0\0XY", 5);
    /* Append mode writes at the end whatever the offset. */
    assert_int_equal(veil_vfs_fd_set_flags(v, fd, VEIL_WASI_FDFLAGS_APPEND), VEIL_WASI_ESUCCESS);
    write_all(v, fd, "!");
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_fd_filestat(v, fd, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.size, 16);
    assert_int_equal(veil_vfs_fd_set_flags(v, fd, 0x100), VEIL_WASI_EINVAL);
    /* Sizes. */
    assert_int_equal(veil_vfs_fd_set_size(v, fd, 3), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_allocate(v, fd, 0, 2), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_filestat(v, fd, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.size, 3);
    assert_int_equal(veil_vfs_fd_allocate(v, fd, 2, 8), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_filestat(v, fd, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.size, 10);
    assert_int_equal(veil_vfs_fd_advise(v, fd, 0, 10, VEIL_WASI_ADVICE_WILLNEED),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_advise(v, fd, 0, 10, 6), VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_fd_sync(v, fd, true), VEIL_WASI_ESUCCESS);
    /* Directory descriptors refuse file operations. */
    assert_int_equal(veil_vfs_fd_read(v, 3, iov, 1, &n), VEIL_WASI_ENOTCAPABLE);
    uint32_t dfd;
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("."), VEIL_WASI_OFLAGS_DIRECTORY,
                                        VEIL_RIGHT_FD_READ, 0, 0, &dfd),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("."), VEIL_WASI_OFLAGS_DIRECTORY,
                                        VEIL_RIGHT_FD_READ | VEIL_RIGHT_FD_WRITE, 0, 0, &dfd),
                     VEIL_WASI_EISDIR);
    /* Close, renumber. */
    uint32_t fd2 = open_file(v, 3, "file", 0, VEIL_RIGHT_FD_READ);
    assert_int_equal(veil_vfs_fd_renumber(v, fd2, fd), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_close(v, fd2), VEIL_WASI_EBADF);
    assert_int_equal(veil_vfs_fd_fdstat(v, fd, &(veil_vfs_fdstat){0}), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_renumber(v, fd, 999), VEIL_WASI_EBADF);
    assert_int_equal(veil_vfs_fd_close(v, fd), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_close(v, fd), VEIL_WASI_EBADF);
    /* Closing a pre-open is allowed. */
    assert_int_equal(veil_vfs_fd_close(v, 3), VEIL_WASI_ESUCCESS);
    assert_false(veil_vfs_fd_valid(v, 3));
    fixture_free(&f);
}

static void test_open_flags(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    uint32_t fd;
    create_with(v, 3, "file", "content");
    assert_int_equal(open_err(v, 3, "file", 0, VEIL_WASI_OFLAGS_CREAT | VEIL_WASI_OFLAGS_EXCL),
                     VEIL_WASI_EEXIST);
    assert_int_equal(open_err(v, 3, "file", 0, VEIL_WASI_OFLAGS_DIRECTORY), VEIL_WASI_ENOTDIR);
    assert_int_equal(open_err(v, 3, "missing", 0, 0), VEIL_WASI_ENOENT);
    assert_int_equal(open_err(v, 3, "new/", 0, VEIL_WASI_OFLAGS_CREAT), VEIL_WASI_EISDIR);
    assert_int_equal(open_err(v, 3, "x", 0, VEIL_WASI_OFLAGS_CREAT | VEIL_WASI_OFLAGS_DIRECTORY),
                     VEIL_WASI_EINVAL);
    assert_int_equal(open_err(v, 3, "x", 0, 0x10), VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("file"), 0, ALL, ALL, 0x20, &fd),
                     VEIL_WASI_EINVAL);
    /* O_TRUNC empties; a directory cannot be truncated. */
    assert_int_equal(open_err(v, 3, "file", 0, VEIL_WASI_OFLAGS_TRUNC), VEIL_WASI_ESUCCESS);
    assert_content(f.vfs, "/file", "");
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("d")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, 3, "d", 0, VEIL_WASI_OFLAGS_TRUNC), VEIL_WASI_EISDIR);
    /* New descriptors get base & inheriting of the directory, masked by type. */
    assert_int_equal(veil_vfs_fd_set_rights(v, 3, VEIL_VFS_DIR_RIGHTS,
                                            VEIL_RIGHT_FD_READ | VEIL_RIGHT_PATH_OPEN),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("file"), 0, ALL, ALL, 0, &fd),
                     VEIL_WASI_ESUCCESS);
    veil_vfs_fdstat st;
    assert_int_equal(veil_vfs_fd_fdstat(v, fd, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.rights_base, VEIL_RIGHT_FD_READ);
    assert_int_equal(st.rights_inheriting, VEIL_RIGHT_FD_READ | VEIL_RIGHT_PATH_OPEN);
    /* Rights only shrink. */
    assert_int_equal(veil_vfs_fd_set_rights(v, fd, VEIL_RIGHT_FD_READ | VEIL_RIGHT_FD_WRITE, 0),
                     VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_fd_set_rights(v, fd, 0, 0), VEIL_WASI_ESUCCESS);
    uint8_t b;
    veil_vfs_iovec iov = {&b, 1};
    size_t n;
    assert_int_equal(veil_vfs_fd_read(v, fd, &iov, 1, &n), VEIL_WASI_ENOTCAPABLE);
    /* SYNC flags need the sync right in the directory's inheriting set. */
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("file"), 0, 0, 0, VEIL_WASI_FDFLAGS_SYNC, &fd),
                     VEIL_WASI_ENOTCAPABLE);
    fixture_free(&f);
}

static void test_readdir(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("d")), VEIL_WASI_ESUCCESS);
    create_with(v, 3, "d/b", "");
    create_with(v, 3, "d/a", "");
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("d/c")), VEIL_WASI_ESUCCESS);
    uint32_t d = open_file(v, 3, "d", VEIL_WASI_OFLAGS_DIRECTORY, VEIL_VFS_DIR_RIGHTS);
    const char *want[] = {".", "..", "a", "b", "c"};
    uint8_t types[] = {VEIL_WASI_FILETYPE_DIRECTORY, VEIL_WASI_FILETYPE_DIRECTORY,
                       VEIL_WASI_FILETYPE_REGULAR_FILE, VEIL_WASI_FILETYPE_REGULAR_FILE,
                       VEIL_WASI_FILETYPE_DIRECTORY};
    veil_vfs_dirent e;
    bool end;
    uint64_t cookie = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(veil_vfs_fd_readdir(v, d, cookie, &e, &end), VEIL_WASI_ESUCCESS);
        assert_false(end);
        assert_string_equal(e.name, want[i]);
        assert_int_equal(e.filetype, types[i]);
        cookie = e.next;
    }
    assert_int_equal(veil_vfs_fd_readdir(v, d, cookie, &e, &end), VEIL_WASI_ESUCCESS);
    assert_true(end);
    /* Resuming from a cookie. */
    assert_int_equal(veil_vfs_fd_readdir(v, d, 3, &e, &end), VEIL_WASI_ESUCCESS);
    assert_string_equal(e.name, "b");
    /* "." has the directory's inode. */
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_fd_filestat(v, d, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_readdir(v, d, 0, &e, &end), VEIL_WASI_ESUCCESS);
    assert_int_equal(e.ino, st.ino);
    /* Files are not directories; readdir needs its right. */
    uint32_t file = open_file(v, 3, "d/a", 0, ALL);
    assert_int_equal(veil_vfs_fd_readdir(v, file, 0, &e, &end), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_fd_set_rights(v, d, 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_readdir(v, d, 0, &e, &end), VEIL_WASI_ENOTCAPABLE);
    fixture_free(&f);
}

static void test_unlink_rename_link(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    create_with(v, 3, "a", "A");
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("dir")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("dir")), VEIL_WASI_EEXIST);
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P(".")), VEIL_WASI_EEXIST);
    create_with(v, 3, "dir/inner", "I");
    /* unlink */
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("dir")), VEIL_WASI_EISDIR);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("a/")), VEIL_WASI_ENOTDIR);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("nope")), VEIL_WASI_ENOENT);
    /* remove_directory */
    assert_int_equal(veil_vfs_path_remove_directory(v, 3, P("dir")), VEIL_WASI_ENOTEMPTY);
    assert_int_equal(veil_vfs_path_remove_directory(v, 3, P("a")), VEIL_WASI_ENOTDIR);
    assert_int_equal(veil_vfs_path_remove_directory(v, 3, P(".")), VEIL_WASI_EINVAL);
    /* hard links share content and nlink */
    assert_int_equal(veil_vfs_path_link(v, 3, 0, P("a"), 3, P("dir/hard")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_link(v, 3, 0, P("a"), 3, P("dir/hard")), VEIL_WASI_EEXIST);
    assert_int_equal(veil_vfs_path_link(v, 3, 0, P("dir"), 3, P("dl")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_link(v, 3, 0, P("a"), 3, P("x/")), VEIL_WASI_ENOENT);
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("dir/hard"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.nlink, 2);
    /* rename: files over files, directories over empty directories */
    assert_int_equal(veil_vfs_path_rename(v, 3, P("dir/hard"), 3, P("b")), VEIL_WASI_ESUCCESS);
    assert_content(f.vfs, "/b", "A");
    assert_int_equal(veil_vfs_path_rename(v, 3, P("b"), 3, P("dir")), VEIL_WASI_EISDIR);
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("empty")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("empty"), 3, P("dir")), VEIL_WASI_ENOTEMPTY);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("empty"), 3, P("a")), VEIL_WASI_ENOTDIR);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("dir"), 3, P("dir/inner2")), VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("empty/"), 3, P("dir/")), VEIL_WASI_ENOTEMPTY);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("a/"), 3, P("c")), VEIL_WASI_ENOTDIR);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("a"), 3, P("a")), VEIL_WASI_ESUCCESS);
    /* "a" and "b" are the same file: POSIX rename does nothing. */
    assert_int_equal(veil_vfs_path_rename(v, 3, P("a"), 3, P("b")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("a"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("a")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("a"), &st), VEIL_WASI_ENOENT);
    /* moving a directory keeps its contents and its open descriptors */
    uint32_t dfd = open_file(v, 3, "dir", VEIL_WASI_OFLAGS_DIRECTORY, ALL);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("dir"), 3, P("empty/moved")), VEIL_WASI_ESUCCESS);
    assert_content(f.vfs, "/empty/moved/inner", "I");
    assert_int_equal(open_err(v, dfd, "inner", 0, 0), VEIL_WASI_ESUCCESS);
    /* an unlinked file stays readable through an open descriptor */
    uint32_t fd = open_file(v, 3, "b", 0, ALL);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("b")), VEIL_WASI_ESUCCESS);
    uint8_t buf[2];
    veil_vfs_iovec iov = {buf, 2};
    size_t n;
    assert_int_equal(veil_vfs_fd_read(v, fd, &iov, 1, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 'A');
    assert_int_equal(veil_vfs_fd_filestat(v, fd, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.nlink, 0);
    /* a removed directory accepts no new entries */
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("gone")), VEIL_WASI_ESUCCESS);
    uint32_t gone = open_file(v, 3, "gone", VEIL_WASI_OFLAGS_DIRECTORY, ALL);
    assert_int_equal(veil_vfs_path_remove_directory(v, 3, P("gone")), VEIL_WASI_ESUCCESS);
    assert_int_equal(open_err(v, gone, "f", 0, VEIL_WASI_OFLAGS_CREAT), VEIL_WASI_ENOENT);
    assert_int_equal(open_err(v, gone, "..", 0, 0), VEIL_WASI_ENOTCAPABLE);
    fixture_free(&f);
}

static void test_times(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    create_with(v, 3, "f", "x");
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("f"), &st), VEIL_WASI_ESUCCESS);
    assert_true(st.mtim > 0);
    assert_int_equal(st.dev, VEIL_VFS_DEV);
    assert_int_equal(veil_vfs_path_set_times(v, 3, 0, P("f"), 5, 7,
                                             VEIL_WASI_FSTFLAGS_ATIM | VEIL_WASI_FSTFLAGS_MTIM),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("f"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.atim, 5);
    assert_int_equal(st.mtim, 7);
    assert_int_equal(veil_vfs_path_set_times(v, 3, 0, P("f"), 0, 0,
                                             VEIL_WASI_FSTFLAGS_MTIM | VEIL_WASI_FSTFLAGS_MTIM_NOW),
                     VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_path_set_times(v, 3, 0, P("f"), 0, 0,
                                             VEIL_WASI_FSTFLAGS_ATIM | VEIL_WASI_FSTFLAGS_ATIM_NOW),
                     VEIL_WASI_EINVAL);
    assert_int_equal(veil_vfs_path_filestat(v, 3, 0, P("f"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.mtim, 7);
    fixture_free(&f);

    /* Without clock timestamps every time is zero. */
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(&(veil_vfs_config){.clock_timestamps = false}, &vfs));
    assert_ok(veil_vfs_put_file(vfs, "/f", "x", 1));
    veil_vfs_grant g = {"/", ALL, ALL};
    veil_vfs_view *view;
    assert_ok(veil_vfs_view_new(vfs, "p", &g, 1, NULL, &view));
    assert_int_equal(veil_vfs_path_set_times(view, 3, 0, P("f"), 0, 0, VEIL_WASI_FSTFLAGS_MTIM_NOW),
                     VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_filestat(view, 3, 0, P("f"), &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.mtim, 0);
    assert_int_equal(st.ctim, 0);
    veil_vfs_view_free(view);
    veil_vfs_free(vfs);
}

/* Each right bit gates its operation: without it ENOTCAPABLE. */
static void test_rights_gate(void **state) {
    (void)state;
    fixture f = make_root(0);
    veil_vfs_view *v = f.view;
    create_with(v, 3, "f", "data");
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("d")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_symlink(v, P("f"), 3, P("l")), VEIL_WASI_ESUCCESS);
    uint32_t fd = open_file(v, 3, "f", 0, ALL);
    uint8_t buf[4] = {'d', 'a', 't', 'a'};
    veil_vfs_iovec iov = {buf, 4};
    veil_vfs_ciovec civ = {buf, 1};
    size_t n;
    uint64_t off;
    veil_vfs_filestat st;
    veil_vfs_dirent de;
    bool end;
    uint32_t nfd;
    /* For each file right: drop it from a fresh descriptor, see the call fail. */
    struct {
        uint64_t right;
        int op;
    } file_cases[] = {
        {VEIL_RIGHT_FD_READ, 0},
        {VEIL_RIGHT_FD_WRITE, 1},
        {VEIL_RIGHT_FD_SEEK, 2},
        {VEIL_RIGHT_FD_TELL, 3},
        {VEIL_RIGHT_FD_ADVISE, 4},
        {VEIL_RIGHT_FD_ALLOCATE, 5},
        {VEIL_RIGHT_FD_DATASYNC, 6},
        {VEIL_RIGHT_FD_SYNC, 7},
        {VEIL_RIGHT_FD_FILESTAT_GET, 8},
        {VEIL_RIGHT_FD_FILESTAT_SET_SIZE, 9},
        {VEIL_RIGHT_FD_FILESTAT_SET_TIMES, 10},
        {VEIL_RIGHT_FD_FDSTAT_SET_FLAGS, 11},
    };
    for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
        for (int with = 1; with >= 0; with--) {
            uint32_t g = open_file(v, 3, "f", 0, ALL);
            if (!with)
                assert_int_equal(
                    veil_vfs_fd_set_rights(v, g, VEIL_VFS_FILE_RIGHTS & ~file_cases[i].right, 0),
                    VEIL_WASI_ESUCCESS);
            veil_wasi_errno err;
            switch (file_cases[i].op) {
            case 0:
                err = veil_vfs_fd_read(v, g, &iov, 1, &n);
                break;
            case 1:
                err = veil_vfs_fd_write(v, g, &civ, 1, &n);
                break;
            case 2:
                err = veil_vfs_fd_seek(v, g, 1, VEIL_WASI_WHENCE_SET, &off);
                break;
            case 3:
                err = veil_vfs_fd_tell(v, g, &off);
                break;
            case 4:
                err = veil_vfs_fd_advise(v, g, 0, 1, 0);
                break;
            case 5:
                err = veil_vfs_fd_allocate(v, g, 0, 1);
                break;
            case 6:
                err = veil_vfs_fd_sync(v, g, true);
                break;
            case 7:
                err = veil_vfs_fd_sync(v, g, false);
                break;
            case 8:
                err = veil_vfs_fd_filestat(v, g, &st);
                break;
            case 9:
                err = veil_vfs_fd_set_size(v, g, 4);
                break;
            case 10:
                err = veil_vfs_fd_set_times(v, g, 1, 1, VEIL_WASI_FSTFLAGS_ATIM);
                break;
            default:
                err = veil_vfs_fd_set_flags(v, g, 0);
                break;
            }
            assert_int_equal(err, with ? VEIL_WASI_ESUCCESS : VEIL_WASI_ENOTCAPABLE);
            veil_vfs_fd_close(v, g);
        }
    }
    /* For each directory right: a directory descriptor without it. */
    uint64_t dir_rights[] = {
        VEIL_RIGHT_PATH_OPEN,
        VEIL_RIGHT_PATH_CREATE_FILE,
        VEIL_RIGHT_PATH_CREATE_DIRECTORY,
        VEIL_RIGHT_PATH_FILESTAT_GET,
        VEIL_RIGHT_PATH_FILESTAT_SET_TIMES,
        VEIL_RIGHT_PATH_FILESTAT_SET_SIZE,
        VEIL_RIGHT_PATH_READLINK,
        VEIL_RIGHT_PATH_SYMLINK,
        VEIL_RIGHT_PATH_UNLINK_FILE,
        VEIL_RIGHT_PATH_REMOVE_DIRECTORY,
        VEIL_RIGHT_PATH_RENAME_SOURCE,
        VEIL_RIGHT_PATH_RENAME_TARGET,
        VEIL_RIGHT_PATH_LINK_SOURCE,
        VEIL_RIGHT_PATH_LINK_TARGET,
        VEIL_RIGHT_FD_READDIR,
    };
    for (size_t i = 0; i < sizeof(dir_rights) / sizeof(dir_rights[0]); i++) {
        for (int with = 1; with >= 0; with--) {
            uint32_t d = open_file(v, 3, "d", VEIL_WASI_OFLAGS_DIRECTORY, ALL);
            if (!with)
                assert_int_equal(
                    veil_vfs_fd_set_rights(v, d, VEIL_VFS_DIR_RIGHTS & ~dir_rights[i], ALL),
                    VEIL_WASI_ESUCCESS);
            uint64_t r = dir_rights[i];
            veil_wasi_errno err;
            if (r == VEIL_RIGHT_PATH_OPEN) {
                err = veil_vfs_path_open(v, d, 0, P("."), 0, 0, 0, 0, &nfd);
                if (err == VEIL_WASI_ESUCCESS)
                    veil_vfs_fd_close(v, nfd);
            } else if (r == VEIL_RIGHT_PATH_CREATE_FILE) {
                err = veil_vfs_path_open(v, d, 0, P("new"), VEIL_WASI_OFLAGS_CREAT, 0, 0, 0, &nfd);
                if (err == VEIL_WASI_ESUCCESS) {
                    veil_vfs_fd_close(v, nfd);
                    veil_vfs_path_unlink_file(v, d, P("new"));
                }
            } else if (r == VEIL_RIGHT_PATH_CREATE_DIRECTORY) {
                err = veil_vfs_path_create_directory(v, d, P("sub"));
                if (err == VEIL_WASI_ESUCCESS)
                    veil_vfs_path_remove_directory(v, d, P("sub"));
            } else if (r == VEIL_RIGHT_PATH_FILESTAT_GET) {
                err = veil_vfs_path_filestat(v, d, 0, P("."), &st);
            } else if (r == VEIL_RIGHT_PATH_FILESTAT_SET_TIMES) {
                err = veil_vfs_path_set_times(v, d, 0, P("."), 1, 1, VEIL_WASI_FSTFLAGS_ATIM);
            } else if (r == VEIL_RIGHT_PATH_FILESTAT_SET_SIZE) {
                create_with(v, 3, "d/t", "x");
                err = veil_vfs_path_open(v, d, 0, P("t"), VEIL_WASI_OFLAGS_TRUNC, 0, 0, 0, &nfd);
                if (err == VEIL_WASI_ESUCCESS)
                    veil_vfs_fd_close(v, nfd);
            } else if (r == VEIL_RIGHT_PATH_READLINK) {
                veil_vfs_path_symlink(v, P("x"), 3, P("d/rl"));
                err = veil_vfs_path_readlink(v, d, P("rl"), buf, 4, &n);
                veil_vfs_path_unlink_file(v, 3, P("d/rl"));
            } else if (r == VEIL_RIGHT_PATH_SYMLINK) {
                err = veil_vfs_path_symlink(v, P("x"), d, P("sl"));
                veil_vfs_path_unlink_file(v, 3, P("d/sl"));
            } else if (r == VEIL_RIGHT_PATH_UNLINK_FILE) {
                create_with(v, 3, "d/u", "");
                err = veil_vfs_path_unlink_file(v, d, P("u"));
                veil_vfs_path_unlink_file(v, 3, P("d/u"));
            } else if (r == VEIL_RIGHT_PATH_REMOVE_DIRECTORY) {
                veil_vfs_path_create_directory(v, 3, P("d/r"));
                err = veil_vfs_path_remove_directory(v, d, P("r"));
                veil_vfs_path_remove_directory(v, 3, P("d/r"));
            } else if (r == VEIL_RIGHT_PATH_RENAME_SOURCE) {
                create_with(v, 3, "d/m", "");
                err = veil_vfs_path_rename(v, d, P("m"), 3, P("d/m2"));
                veil_vfs_path_unlink_file(v, 3, P("d/m"));
                veil_vfs_path_unlink_file(v, 3, P("d/m2"));
            } else if (r == VEIL_RIGHT_PATH_RENAME_TARGET) {
                create_with(v, 3, "d/m", "");
                err = veil_vfs_path_rename(v, 3, P("d/m"), d, P("m2"));
                veil_vfs_path_unlink_file(v, 3, P("d/m"));
                veil_vfs_path_unlink_file(v, 3, P("d/m2"));
            } else if (r == VEIL_RIGHT_PATH_LINK_SOURCE) {
                create_with(v, 3, "d/k", "");
                err = veil_vfs_path_link(v, d, 0, P("k"), 3, P("d/k2"));
                veil_vfs_path_unlink_file(v, 3, P("d/k2"));
            } else if (r == VEIL_RIGHT_PATH_LINK_TARGET) {
                err = veil_vfs_path_link(v, 3, 0, P("f"), d, P("k3"));
                veil_vfs_path_unlink_file(v, 3, P("d/k3"));
            } else {
                err = veil_vfs_fd_readdir(v, d, 0, &de, &end);
            }
            if (err != (with ? VEIL_WASI_ESUCCESS : VEIL_WASI_ENOTCAPABLE))
                print_error("right %s with=%d: %s\n", veil_wasi_right_name(r), with,
                            veil_wasi_errno_name(err));
            assert_int_equal(err, with ? VEIL_WASI_ESUCCESS : VEIL_WASI_ENOTCAPABLE);
            veil_vfs_fd_close(v, d);
        }
    }
    /* poll needs poll_fd_readwrite. */
    assert_int_equal(veil_vfs_fd_poll(v, fd, false, &off), VEIL_WASI_ESUCCESS);
    assert_int_equal(off, 4);
    assert_int_equal(
        veil_vfs_fd_set_rights(v, fd, VEIL_VFS_FILE_RIGHTS & ~VEIL_RIGHT_POLL_FD_READWRITE, 0),
        VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_poll(v, fd, false, &off), VEIL_WASI_ENOTCAPABLE);
    fixture_free(&f);
}

/* ---- budget ---- */

static void test_budget(void **state) {
    (void)state;
    fixture f = make_root(16 * 1024);
    veil_vfs_view *v = f.view;
    uint64_t base = veil_vfs_used_bytes(f.vfs);
    assert_true(base < 2048);
    create_with(v, 3, "keep", "precious");
    uint32_t fd = open_file(v, 3, "keep", 0, ALL);
    static uint8_t big[20 * 1024];
    memset(big, 'z', sizeof(big));
    veil_vfs_ciovec civ = {big, sizeof(big)};
    size_t n = 99;
    assert_int_equal(veil_vfs_fd_write(v, fd, &civ, 1, &n), VEIL_WASI_ENOSPC);
    assert_int_equal(n, 0);
    assert_content(f.vfs, "/keep", "precious");
    assert_int_equal(veil_vfs_fd_set_size(v, fd, 1 << 20), VEIL_WASI_ENOSPC);
    assert_content(f.vfs, "/keep", "precious");
    /* Host writes past the budget fail and keep the old file. */
    assert_err(veil_vfs_write(v, "/keep", VEIL_VFS_WRITE_TRUNCATE, big, sizeof(big)), VEIL_ELIMIT,
               "memory budget");
    assert_content(f.vfs, "/keep", "precious");
    veil_vfs_writer *w;
    assert_ok(veil_vfs_write_begin(v, "/keep", VEIL_VFS_WRITE_APPEND, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "ok", 2));
    assert_err(veil_vfs_write_chunk(w, big, sizeof(big)), VEIL_ELIMIT, "memory budget");
    assert_err(veil_vfs_write_commit(w), VEIL_EINVAL, "earlier chunk failed");
    assert_content(f.vfs, "/keep", "precious");
    /* Many empty files run into the per-node charge too. */
    veil_wasi_errno err = VEIL_WASI_ESUCCESS;
    int created = 0;
    char name[32];
    while (err == VEIL_WASI_ESUCCESS && created < 1000) {
        snprintf(name, sizeof(name), "e%d", created);
        uint32_t nfd;
        err = veil_vfs_path_open(v, 3, 0, P(name), VEIL_WASI_OFLAGS_CREAT, 0, 0, 0, &nfd);
        if (err == VEIL_WASI_ESUCCESS) {
            veil_vfs_fd_close(v, nfd);
            created++;
        }
    }
    assert_int_equal(err, VEIL_WASI_ENOSPC);
    assert_true(created > 10);
    assert_true(veil_vfs_used_bytes(f.vfs) <= veil_vfs_max_bytes(f.vfs));
    /* Removing everything gives the budget back. */
    for (int i = 0; i < created; i++) {
        snprintf(name, sizeof(name), "e%d", i);
        assert_int_equal(veil_vfs_path_unlink_file(v, 3, P(name)), VEIL_WASI_ESUCCESS);
    }
    veil_vfs_fd_close(v, fd);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("keep")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_used_bytes(f.vfs), base);
    fixture_free(&f);
}

/* ---- hashed paths ---- */

static void test_hashes(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    uint8_t h[32];
    veil_sha256("model", 5, h);
    assert_ok(veil_vfs_set_file_hash(vfs, "/data/model", h));
    assert_ok(veil_vfs_set_file_hash(vfs, "/data/model", h));
    uint8_t other[32];
    veil_sha256("x", 1, other);
    assert_err(veil_vfs_set_file_hash(vfs, "/data/model", other), VEIL_EINVAL, "two different");
    assert_err(veil_vfs_set_file_hash(vfs, "data", h), VEIL_EINVAL, "normalized");
    veil_vfs_grant grants[] = {{"/data", ALL, ALL}, {"/", ALL, ALL}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "loader", grants, 2, NULL, &v));
    /* fd 3 is "/", fd 4 is "/data". */

    /* A mismatching write leaves nothing behind. */
    assert_err(veil_vfs_write(v, "/data/model", VEIL_VFS_WRITE_TRUNCATE, "evil", 4), VEIL_EHASH,
               "requires");
    veil_vfs_filestat st;
    assert_err(veil_vfs_stat(v, "/data/model", &st), VEIL_ENOENT, "no such file");
    /* Streamed in pieces, it matches. */
    veil_vfs_writer *w;
    assert_ok(veil_vfs_write_begin(v, "/data/model", VEIL_VFS_WRITE_TRUNCATE, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "mo", 2));
    assert_ok(veil_vfs_write_chunk(w, "del", 3));
    assert_ok(veil_vfs_write_commit(w));
    assert_content(vfs, "/data/model", "model");
    assert_ok(veil_vfs_verify_hash(vfs, "/data/model"));
    /* A later mismatching write keeps the verified content. */
    assert_err(veil_vfs_write(v, "/data/model", VEIL_VFS_WRITE_TRUNCATE, "evil", 4), VEIL_EHASH,
               "/data/model");
    assert_content(vfs, "/data/model", "model");
    assert_err(veil_vfs_write(v, "/data/model", VEIL_VFS_WRITE_APPEND, "x", 1), VEIL_EHASH,
               "/data/model");
    assert_content(vfs, "/data/model", "model");
    assert_err(veil_vfs_put_file(vfs, "/data/model", "evil", 4), VEIL_EHASH, "/data/model");

    /* Programs can read it but not change, replace, move or shadow it. */
    uint32_t fd;
    assert_int_equal(veil_vfs_path_open(v, 4, 0, P("model"), 0, ALL, 0, 0, &fd),
                     VEIL_WASI_ESUCCESS);
    veil_vfs_ciovec civ = {(const uint8_t *)"E", 1};
    size_t n;
    assert_int_equal(veil_vfs_fd_write(v, fd, &civ, 1, &n), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_fd_set_size(v, fd, 0), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_fd_allocate(v, fd, 0, 10), VEIL_WASI_EPERM);
    veil_vfs_fd_close(v, fd);
    assert_int_equal(open_err(v, 4, "model", 0, VEIL_WASI_OFLAGS_TRUNC), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_unlink_file(v, 4, P("model")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_rename(v, 4, P("model"), 4, P("m2")), VEIL_WASI_EPERM);
    create_with(v, 4, "fake", "fake");
    assert_int_equal(veil_vfs_path_rename(v, 4, P("fake"), 4, P("model")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("data"), 3, P("old")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("shadow")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_rename(v, 3, P("shadow"), 3, P("data")), VEIL_WASI_ENOTEMPTY);
    /* A hard link elsewhere is still immutable. */
    assert_int_equal(veil_vfs_path_link(v, 4, 0, P("model"), 3, P("copy")), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_path_open(v, 3, 0, P("copy"), 0, ALL, 0, 0, &fd), VEIL_WASI_ESUCCESS);
    assert_int_equal(veil_vfs_fd_write(v, fd, &civ, 1, &n), VEIL_WASI_EPERM);
    veil_vfs_fd_close(v, fd);
    assert_int_equal(veil_vfs_path_unlink_file(v, 3, P("copy")), VEIL_WASI_ESUCCESS);
    assert_content(vfs, "/data/model", "model");

    /* Before the hashed file exists, programs cannot create one there. */
    uint8_t h2[32];
    veil_sha256("cfg", 3, h2);
    assert_ok(veil_vfs_set_file_hash(vfs, "/conf/app/cfg", h2));
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("conf")), VEIL_WASI_EPERM);
    assert_ok(veil_vfs_mkdir_p(vfs, "/conf/app"));
    assert_int_equal(open_err(v, 3, "conf/app/cfg", 0, VEIL_WASI_OFLAGS_CREAT), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_symlink(v, P("x"), 3, P("conf/app/cfg")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_link(v, 4, 0, P("fake"), 3, P("conf/app/cfg")), VEIL_WASI_EPERM);
    assert_int_equal(veil_vfs_path_remove_directory(v, 3, P("conf/app")), VEIL_WASI_EPERM);
    assert_ok(veil_vfs_put_file(vfs, "/conf/app/cfg", "cfg", 3));
    assert_ok(veil_vfs_verify_hash(vfs, "/conf/app/cfg"));
    assert_err(veil_vfs_verify_hash(vfs, "/nothing"), VEIL_ENOENT, "no hash");
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

/* ---- host operations ---- */

static void test_host_rights(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    veil_vfs_grant client[] = {{"/input", VEIL_RIGHTS_W, VEIL_RIGHTS_W},
                               {"/output", VEIL_RIGHTS_R, VEIL_RIGHTS_R},
                               {"/program", VEIL_RIGHTS_X, VEIL_RIGHTS_X}};
    veil_vfs_view *c;
    assert_ok(veil_vfs_view_new(vfs, "client", client, 3, NULL, &c));
    assert_ok(veil_vfs_write(c, "/input/clip", VEIL_VFS_WRITE_TRUNCATE, "abc", 3));
    assert_ok(veil_vfs_write(c, "/input/clip", VEIL_VFS_WRITE_APPEND, "def", 3));
    assert_content(vfs, "/input/clip", "abcdef");
    uint8_t *data;
    size_t len;
    assert_err(veil_vfs_read(c, "/input/clip", 100, &data, &len), VEIL_EPERM,
               "principal 'client': read '/input/clip': missing right fd_read (inheriting) on "
               "'/input'");
    assert_err(veil_vfs_write(c, "/output/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EPERM,
               "missing right fd_write (inheriting) on '/output'");
    assert_err(veil_vfs_write(c, "/elsewhere/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EPERM,
               "no rights on this path");
    assert_err(veil_vfs_write(c, "/inputs/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EPERM,
               "no rights on this path");
    assert_err(veil_vfs_write(c, "/input/../output/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1),
               VEIL_EINVAL, "not a normalized absolute path");
    assert_err(veil_vfs_write(c, "input/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EINVAL,
               "not a normalized");
    assert_err(veil_vfs_write(c, "/input//x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EINVAL,
               "not a normalized");
    assert_err(veil_vfs_write(c, "/input", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_EINVAL,
               "is a directory");
    assert_err(veil_vfs_write(c, "/input/no/x", VEIL_VFS_WRITE_TRUNCATE, "x", 1), VEIL_ENOENT,
               "no such file");
    veil_vfs_filestat st;
    assert_err(veil_vfs_stat(c, "/input/clip", &st), VEIL_EPERM, "path_filestat_get");
    veil_vfs_list_entry *entries;
    size_t count;
    assert_err(veil_vfs_list(c, "/input", &entries, &count), VEIL_EPERM, "fd_readdir");
    assert_ok(veil_vfs_list(c, "/output", &entries, &count));
    assert_int_equal(count, 0);
    assert_ok(veil_vfs_put_file(vfs, "/program/p.wasm", "\0asm", 4));
    assert_ok(veil_vfs_check_execute(c, "/program/p.wasm"));
    assert_err(veil_vfs_check_execute(c, "/output/p.wasm"), VEIL_EPERM, "missing right execute");
    assert_err(veil_vfs_check_execute(c, "/program/none.wasm"), VEIL_ENOENT, "no such file");

    /* A program view with rights to write results; the client reads them. */
    veil_vfs_grant prog[] = {{"/output", VEIL_RIGHTS_RW, VEIL_RIGHTS_RW},
                             {"/input", VEIL_RIGHTS_R, VEIL_RIGHTS_R}};
    veil_vfs_view *p;
    assert_ok(veil_vfs_view_new(vfs, "program", prog, 2, NULL, &p));
    /* fds: 3 = /input, 4 = /output */
    assert_int_equal(veil_vfs_path_create_directory(p, 4, P("frames")), VEIL_WASI_ESUCCESS);
    create_with(p, 4, "frames/1.txt", "frame one");
    create_with(p, 4, "result.json", "{}");
    assert_int_equal(open_err(p, 3, "clip", 0, 0), VEIL_WASI_ESUCCESS);
    assert_int_equal(
        veil_vfs_path_open(p, 3, 0, P("new"), VEIL_WASI_OFLAGS_CREAT, 0, 0, 0, &(uint32_t){0}),
        VEIL_WASI_ENOTCAPABLE);
    assert_ok(veil_vfs_read(c, "/output/result.json", 100, &data, &len));
    assert_int_equal(len, 2);
    free(data);
    assert_err(veil_vfs_read(c, "/output/result.json", 1, &data, &len), VEIL_ELIMIT, "more than");
    assert_ok(veil_vfs_list(c, "/output", &entries, &count));
    assert_int_equal(count, 2);
    assert_string_equal(entries[0].name, "frames");
    assert_int_equal(entries[0].filetype, VEIL_WASI_FILETYPE_DIRECTORY);
    assert_string_equal(entries[1].name, "result.json");
    assert_int_equal(entries[1].size, 2);
    veil_vfs_list_free(entries, count);
    assert_ok(veil_vfs_list(c, "/output/frames", &entries, &count));
    assert_int_equal(count, 1);
    veil_vfs_list_free(entries, count);
    assert_err(veil_vfs_list(c, "/output/result.json", &entries, &count), VEIL_EINVAL,
               "not a directory");
    assert_err(veil_vfs_read(c, "/output/frames", 100, &data, &len), VEIL_EINVAL, "is a directory");
    veil_vfs_view_free(p);
    veil_vfs_view_free(c);

    /* The longest grant decides. */
    veil_vfs_grant nested[] = {{"/", VEIL_RIGHTS_R, VEIL_RIGHTS_R}, {"/input/private", 0, 0}};
    veil_vfs_view *n;
    assert_ok(veil_vfs_view_new(vfs, "nested", nested, 2, NULL, &n));
    assert_ok(veil_vfs_read(n, "/input/clip", 100, &data, &len));
    free(data);
    assert_err(veil_vfs_write(n, "/input/private/.keep", VEIL_VFS_WRITE_TRUNCATE, "", 0),
               VEIL_EPERM, "missing right path_open on '/input/private'");
    assert_err(veil_vfs_read(n, "/input/private/x", 100, &data, &len), VEIL_EPERM,
               "on '/input/private'");
    veil_vfs_view_free(n);
    veil_vfs_free(vfs);
}

static void test_streaming(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(&(veil_vfs_config){.max_bytes = 64u << 20}, &vfs));
    veil_vfs_grant g[] = {{"/in", ALL, ALL}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "proxy", g, 1, NULL, &v));
    assert_ok(veil_vfs_write(v, "/in/clip", VEIL_VFS_WRITE_TRUNCATE, "old", 3));
    uint64_t before = veil_vfs_used_bytes(vfs);

    /* 32 MiB in 1 MiB chunks with an exact size hint: memory used is the
     * data once, and readers see the old file until commit. */
    const size_t chunk = 1u << 20, total = 32u << 20;
    uint8_t *buf = malloc(chunk);
    veil_vfs_writer *w;
    assert_ok(veil_vfs_write_begin(v, "/in/clip", VEIL_VFS_WRITE_TRUNCATE, total, &w));
    veil_vfs_reader *old_reader;
    uint64_t size;
    assert_ok(veil_vfs_read_open(v, "/in/clip", &old_reader, &size));
    assert_int_equal(size, 3);
    for (size_t off = 0; off < total; off += chunk) {
        memset(buf, (int)(off / chunk), chunk);
        assert_ok(veil_vfs_write_chunk(w, buf, chunk));
    }
    assert_content(vfs, "/in/clip", "old");
    assert_int_equal(veil_vfs_used_bytes(vfs), before + VEIL_VFS_NODE_CHARGE + total);
    assert_ok(veil_vfs_write_commit(w));
    /* The old file lives on for its reader only. */
    char small[4] = {0};
    size_t got;
    assert_ok(veil_vfs_read_at(old_reader, 0, small, sizeof(small), &got));
    assert_int_equal(got, 3);
    assert_memory_equal(small, "old", 3);
    veil_vfs_read_close(old_reader);
    veil_vfs_reader *reader;
    assert_ok(veil_vfs_read_open(v, "/in/clip", &reader, &size));
    assert_int_equal(size, total);
    for (size_t off = 0; off < total; off += chunk) {
        assert_ok(veil_vfs_read_at(reader, off + chunk - 1, small, 1, &got));
        assert_int_equal(got, 1);
        assert_int_equal((uint8_t)small[0], (uint8_t)(off / chunk));
    }
    assert_ok(veil_vfs_read_at(reader, total, small, 1, &got));
    assert_int_equal(got, 0);
    veil_vfs_read_close(reader);
    assert_int_equal(veil_vfs_used_bytes(vfs), before - 64 + total); /* old 64-byte block freed */

    /* Appends are invisible until commit and exclusive while they run. */
    assert_ok(veil_vfs_write(v, "/in/log", VEIL_VFS_WRITE_TRUNCATE, "a", 1));
    assert_ok(veil_vfs_write_begin(v, "/in/log", VEIL_VFS_WRITE_APPEND, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "bc", 2));
    assert_content(vfs, "/in/log", "a");
    veil_vfs_writer *w2;
    assert_err(veil_vfs_write_begin(v, "/in/log", VEIL_VFS_WRITE_APPEND, 0, &w2), VEIL_EBUSY,
               "in progress");
    uint32_t fd = open_file(v, 3, "log", 0, ALL);
    veil_vfs_ciovec civ = {(const uint8_t *)"X", 1};
    size_t n;
    assert_int_equal(veil_vfs_fd_write(v, fd, &civ, 1, &n), VEIL_WASI_EBUSY);
    assert_ok(veil_vfs_write_commit(w));
    assert_content(vfs, "/in/log", "abc");
    assert_int_equal(veil_vfs_fd_write(v, fd, &civ, 1, &n), VEIL_WASI_ESUCCESS);
    veil_vfs_fd_close(v, fd);
    /* Abort leaves nothing: not the new file, not the appended bytes. */
    assert_ok(veil_vfs_write_begin(v, "/in/new", VEIL_VFS_WRITE_APPEND, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "zz", 2));
    veil_vfs_filestat st;
    assert_err(veil_vfs_stat(v, "/in/new", &st), VEIL_ENOENT, "no such file");
    veil_vfs_write_abort(w);
    assert_err(veil_vfs_stat(v, "/in/new", &st), VEIL_ENOENT, "no such file");
    assert_ok(veil_vfs_write_begin(v, "/in/new", VEIL_VFS_WRITE_APPEND, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "yy", 2));
    assert_ok(veil_vfs_write_commit(w));
    assert_content(vfs, "/in/new", "yy");
    assert_ok(veil_vfs_write_begin(v, "/in/fresh", VEIL_VFS_WRITE_TRUNCATE, 0, &w));
    assert_ok(veil_vfs_write_chunk(w, "zz", 2));
    veil_vfs_write_abort(w);
    assert_err(veil_vfs_stat(v, "/in/fresh", &st), VEIL_ENOENT, "no such file");
    free(buf);
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

/* ---- embedder operations ---- */

typedef struct walk_log {
    char text[512];
    uint64_t since;
} walk_log;

static veil_error *log_visit(void *user, const veil_vfs_walk_entry *e) {
    walk_log *log = user;
    if (e->change_seq <= log->since)
        return NULL;
    size_t used = strlen(log->text);
    snprintf(log->text + used, sizeof(log->text) - used, "%s:%d:%llu ", e->path, e->filetype,
             (unsigned long long)e->size);
    return NULL;
}

static void test_walk_and_changes(void **state) {
    (void)state;
    fixture f = make_root(0);
    assert_ok(veil_vfs_mkdir_p(f.vfs, "/a/b"));
    assert_ok(veil_vfs_put_file(f.vfs, "/a/b/f", "123", 3));
    assert_ok(veil_vfs_put_symlink(f.vfs, "/a/l", "b/f"));
    walk_log log = {.since = 0};
    assert_ok(veil_vfs_walk(f.vfs, "/", log_visit, &log));
    assert_string_equal(log.text, "/:3:0 /a:3:0 /a/b:3:0 /a/b/f:4:3 /a/l:7:3 ");
    memset(&log, 0, sizeof(log));
    log.since = veil_vfs_change_seq(f.vfs);
    create_with(f.view, 3, "a/new", "n");
    assert_ok(veil_vfs_walk(f.vfs, "/a", log_visit, &log));
    /* The new file and its directory changed; nothing else. */
    assert_string_equal(log.text, "/a:3:0 /a/new:4:1 ");
    assert_err(veil_vfs_walk(f.vfs, "/zz", log_visit, &log), VEIL_ENOENT, "/zz");
    assert_err(veil_vfs_put_file(f.vfs, "/a", "x", 1), VEIL_EINVAL, "isdir");
    assert_err(veil_vfs_put_file(f.vfs, "/zz/f", "x", 1), VEIL_ENOENT, "noent");
    uint8_t *data;
    size_t len;
    assert_err(veil_vfs_get_file(f.vfs, "/a/b/f", 2, &data, &len), VEIL_ELIMIT, "more than");
    fixture_free(&f);
}

/* ---- host directories ---- */

static void test_host_dirs(void **state) {
    (void)state;
    char root[] = "/tmp/veil-vfs-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    char path[256];
    snprintf(path, sizeof(path), "%s/in", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/in/sub", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/in/sub/a.txt", root);
    assert_ok(veil_write_file(path, "alpha", 5, 0644));
    snprintf(path, sizeof(path), "%s/in/empty", root);
    assert_ok(veil_write_file(path, "", 0, 0644));
    snprintf(path, sizeof(path), "%s/in/rel", root);
    assert_int_equal(symlink("sub/a.txt", path), 0);
    snprintf(path, sizeof(path), "%s/in/abs", root);
    assert_int_equal(symlink("/etc/passwd", path), 0);

    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    snprintf(path, sizeof(path), "%s/in", root);
    assert_ok(veil_vfs_load_host_dir(vfs, path, "/data/in"));
    assert_content(vfs, "/data/in/sub/a.txt", "alpha");
    assert_content(vfs, "/data/in/empty", "");
    uint8_t *data;
    size_t len;
    assert_err(veil_vfs_get_file(vfs, "/data/in/abs", 10, &data, &len), VEIL_ENOENT, "noent");
    veil_vfs_grant g = {"/data/in", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "p", &g, 1, NULL, &v));
    assert_int_equal(open_err(v, 3, "rel", VEIL_WASI_LOOKUP_SYMLINK_FOLLOW, 0), VEIL_WASI_ESUCCESS);

    /* Change some things; only those are written back. */
    uint64_t since = veil_vfs_change_seq(vfs);
    create_with(v, 3, "new.txt", "new");
    assert_int_equal(veil_vfs_path_create_directory(v, 3, P("made")), VEIL_WASI_ESUCCESS);
    create_with(v, 3, "made/deep.txt", "deep");
    snprintf(path, sizeof(path), "%s/out", root);
    assert_int_equal(mkdir(path, 0755), 0);
    size_t written = 0;
    assert_ok(veil_vfs_save_host_dir(vfs, "/data/in", path, since, &written));
    assert_int_equal(written, 2);
    snprintf(path, sizeof(path), "%s/out/made/deep.txt", root);
    assert_ok(veil_read_file(path, 100, &data, &len));
    assert_int_equal(len, 4);
    free(data);
    snprintf(path, sizeof(path), "%s/out/sub", root);
    assert_int_equal(access(path, F_OK), -1);

    snprintf(path, sizeof(path), "%s/nope", root);
    assert_err(veil_vfs_load_host_dir(vfs, path, "/x"), VEIL_ENOENT, "nope");
    snprintf(path, sizeof(path), "%s/in/empty", root);
    assert_err(veil_vfs_load_host_dir(vfs, path, "/x"), VEIL_EINVAL, "not a directory");
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

/* ---- concurrency: writers and readers on separate threads ---- */

typedef struct thread_arg {
    veil_vfs_view *view;
    int id;
} thread_arg;

static void *writer_thread(void *p) {
    thread_arg *a = p;
    char path[64], data[256];
    for (int i = 0; i < 50; i++) {
        snprintf(path, sizeof(path), "/t/w%d", a->id);
        memset(data, 'a' + a->id, sizeof(data));
        veil_error *err =
            veil_vfs_write(a->view, path, VEIL_VFS_WRITE_TRUNCATE, data, (size_t)(1 + i));
        if (err != NULL) {
            veil_error_free(err);
            return (void *)1;
        }
        uint8_t *back;
        size_t len;
        err = veil_vfs_read(a->view, path, 1024, &back, &len);
        if (err != NULL) {
            veil_error_free(err);
            return (void *)1;
        }
        bool ok = len == (size_t)(1 + i) && back[0] == 'a' + a->id;
        free(back);
        if (!ok)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    veil_vfs_grant g[] = {{"/t", ALL, ALL}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "t", g, 1, NULL, &v));
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){v, i};
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    veil_vfs_list_entry *entries;
    size_t count;
    assert_ok(veil_vfs_list(v, "/t", &entries, &count));
    assert_int_equal(count, 4);
    veil_vfs_list_free(entries, count);
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

/* ---- stdio ---- */

typedef struct stdio_capture {
    char out[64];
    size_t out_len;
    const char *in;
} stdio_capture;

static veil_wasi_errno cap_write(void *user, int stream, const uint8_t *data, size_t len) {
    stdio_capture *c = user;
    if (stream != 1)
        return VEIL_WASI_EIO;
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return VEIL_WASI_ESUCCESS;
}

static veil_wasi_errno cap_read(void *user, uint8_t *buf, size_t len, size_t *nread) {
    stdio_capture *c = user;
    size_t n = strlen(c->in) < len ? strlen(c->in) : len;
    memcpy(buf, c->in, n);
    c->in += n;
    *nread = n;
    return VEIL_WASI_ESUCCESS;
}

static void test_stdio(void **state) {
    (void)state;
    veil_vfs *vfs;
    assert_ok(veil_vfs_new(NULL, &vfs));
    stdio_capture cap = {.in = "input"};
    veil_vfs_stdio io = {cap_write, cap_read, &cap};
    veil_vfs_grant g[] = {{"stdin", ALL, 0}, {"stdout", ALL, 0}, {"stderr", ALL, 0}};
    veil_vfs_view *v;
    assert_ok(veil_vfs_view_new(vfs, "io", g, 3, &io, &v));
    write_all(v, 1, "hello");
    assert_int_equal(cap.out_len, 5);
    assert_memory_equal(cap.out, "hello", 5);
    veil_vfs_ciovec civ = {(const uint8_t *)"e", 1};
    size_t n;
    assert_int_equal(veil_vfs_fd_write(v, 2, &civ, 1, &n), VEIL_WASI_EIO);
    assert_int_equal(veil_vfs_fd_write(v, 0, &civ, 1, &n), VEIL_WASI_EBADF);
    uint8_t buf[8];
    veil_vfs_iovec iov = {buf, sizeof(buf)};
    assert_int_equal(veil_vfs_fd_read(v, 0, &iov, 1, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 5);
    assert_int_equal(veil_vfs_fd_read(v, 0, &iov, 1, &n), VEIL_WASI_ESUCCESS);
    assert_int_equal(n, 0);
    uint64_t off;
    assert_int_equal(veil_vfs_fd_seek(v, 1, 0, VEIL_WASI_WHENCE_CUR, &off), VEIL_WASI_ENOTCAPABLE);
    assert_int_equal(veil_vfs_fd_pwrite(v, 1, &civ, 1, 0, &n), VEIL_WASI_ENOTCAPABLE);
    veil_vfs_filestat st;
    assert_int_equal(veil_vfs_fd_filestat(v, 1, &st), VEIL_WASI_ESUCCESS);
    assert_int_equal(st.filetype, VEIL_WASI_FILETYPE_CHARACTER_DEVICE);
    assert_int_equal(veil_vfs_fd_poll(v, 1, true, &off), VEIL_WASI_ESUCCESS);
    veil_vfs_view_free(v);
    veil_vfs_free(vfs);
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(veil_wasi_errno_name(VEIL_WASI_ENOTCAPABLE), "notcapable");
    assert_string_equal(veil_wasi_errno_name(VEIL_WASI_ESUCCESS), "success");
    assert_string_equal(veil_wasi_errno_name(VEIL_WASI_EXDEV), "xdev");
    assert_string_equal(veil_wasi_errno_name(77), "unknown");
    assert_string_equal(veil_wasi_right_name(VEIL_RIGHT_FD_READ), "fd_read");
    assert_string_equal(veil_wasi_right_name(VEIL_RIGHT_EXECUTE), "execute");
    assert_string_equal(veil_wasi_right_name(3), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preopens_sorted),
        cmocka_unit_test(test_client_views),
        cmocka_unit_test(test_path_escapes),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_read_write_seek),
        cmocka_unit_test(test_open_flags),
        cmocka_unit_test(test_readdir),
        cmocka_unit_test(test_unlink_rename_link),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_rights_gate),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_host_rights),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_walk_and_changes),
        cmocka_unit_test(test_host_dirs),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_stdio),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

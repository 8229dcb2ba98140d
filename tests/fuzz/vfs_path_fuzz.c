/*
 * Fuzzes path resolution of the in-memory file system: a program confined
 * to /box runs a sequence of path operations chosen by the input (open,
 * stat, symlink, mkdir, rename, unlink, rmdir, link, readlink) with
 * attacker-chosen paths and link targets.  Invariants checked after every
 * step: nothing it opens or stats is outside /box (the root, /secret or
 * /secret/key), and at the end /secret/key still holds its content.
 *
 * Input: segments separated by NUL bytes; a segment's first byte picks the
 * operation and its flags, the rest is the path (or link target).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veil/vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "vfs_path_fuzz: invariant broken: %s\n", what);
        abort();
    }
}

static void must(veil_error *err) {
    if (err != NULL) {
        fprintf(stderr, "vfs_path_fuzz: setup failed: %s\n", veil_error_message(err));
        abort();
    }
}

typedef struct forbidden {
    uint64_t ino[3];
} forbidden;

static void check_ino(const forbidden *f, uint64_t ino) {
    for (int i = 0; i < 3; i++)
        check(ino != f->ino[i], "reached a node outside the pre-opened directory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    veil_vfs *vfs;
    must(veil_vfs_new(&(veil_vfs_config){.max_bytes = 1 << 20}, &vfs));
    must(veil_vfs_mkdir_p(vfs, "/secret"));
    must(veil_vfs_put_file(vfs, "/secret/key", "KEY", 3));
    must(veil_vfs_mkdir_p(vfs, "/box/dir/sub"));
    must(veil_vfs_put_file(vfs, "/box/dir/file", "f", 1));
    must(veil_vfs_put_symlink(vfs, "/box/up", "../secret/key"));
    must(veil_vfs_put_symlink(vfs, "/box/dir/parent", ".."));
    must(veil_vfs_put_symlink(vfs, "/box/loop", "loop"));

    /* Inode numbers of what must stay unreachable, seen from a view of "/". */
    veil_vfs_view *admin;
    veil_vfs_grant all = {"/", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    must(veil_vfs_view_new(vfs, "admin", &all, 1, NULL, &admin));
    forbidden f;
    veil_vfs_filestat st;
    check(veil_vfs_path_filestat(admin, 3, 0, ".", 1, &st) == 0, "stat root");
    f.ino[0] = st.ino;
    check(veil_vfs_path_filestat(admin, 3, 0, "secret", 6, &st) == 0, "stat secret");
    f.ino[1] = st.ino;
    check(veil_vfs_path_filestat(admin, 3, 0, "secret/key", 10, &st) == 0, "stat key");
    f.ino[2] = st.ino;

    veil_vfs_view *v;
    veil_vfs_grant box = {"/box", VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    must(veil_vfs_view_new(vfs, "boxed", &box, 1, NULL, &v));

    size_t pos = 0;
    unsigned step = 0;
    while (pos < size && step < 64) {
        size_t end = pos;
        while (end < size && data[end] != 0)
            end++;
        if (end > pos) {
            uint8_t op = data[pos];
            const char *path = (const char *)data + pos + 1;
            size_t len = end - pos - 1;
            char name[16];
            int name_len = snprintf(name, sizeof(name), "n%u", step);
            uint32_t follow = (op & 0x80) ? VEIL_WASI_LOOKUP_SYMLINK_FOLLOW : 0;
            uint32_t fd;
            switch (op & 0x0f) {
            case 0:
            case 1: {
                uint16_t oflags = (uint16_t)((op >> 4) & 0x7);
                if (veil_vfs_path_open(v, 3, follow, path, len, oflags, VEIL_RIGHTS_ALL,
                                       VEIL_RIGHTS_ALL, 0, &fd) == 0) {
                    check(veil_vfs_fd_filestat(v, fd, &st) == 0, "stat opened fd");
                    check_ino(&f, st.ino);
                    /* Resolve again from the new descriptor when it is a directory. */
                    if (st.filetype == VEIL_WASI_FILETYPE_DIRECTORY &&
                        veil_vfs_path_filestat(v, fd, follow, path, len, &st) == 0)
                        check_ino(&f, st.ino);
                    veil_vfs_fd_close(v, fd);
                }
                break;
            }
            case 2:
                if (veil_vfs_path_filestat(v, 3, follow, path, len, &st) == 0)
                    check_ino(&f, st.ino);
                break;
            case 3:
                veil_vfs_path_symlink(v, path, len, 3, name, (size_t)name_len);
                break;
            case 4:
                veil_vfs_path_create_directory(v, 3, path, len);
                break;
            case 5:
                veil_vfs_path_rename(v, 3, path, len, 3, name, (size_t)name_len);
                break;
            case 6:
                veil_vfs_path_rename(v, 3, name, (size_t)name_len, 3, path, len);
                break;
            case 7:
                veil_vfs_path_unlink_file(v, 3, path, len);
                break;
            case 8:
                veil_vfs_path_remove_directory(v, 3, path, len);
                break;
            case 9:
                veil_vfs_path_link(v, 3, follow, path, len, 3, name, (size_t)name_len);
                break;
            case 10: {
                uint8_t buf[64];
                size_t used;
                if (veil_vfs_path_readlink(v, 3, path, len, buf, sizeof(buf), &used) == 0)
                    check(used <= sizeof(buf), "readlink length");
                break;
            }
            case 11:
                if (veil_vfs_path_open(v, 3, follow, path, len, VEIL_WASI_OFLAGS_CREAT,
                                       VEIL_RIGHTS_ALL, 0, 0, &fd) == 0) {
                    veil_vfs_ciovec iov = {(const uint8_t *)"w", 1};
                    size_t n;
                    veil_vfs_fd_write(v, fd, &iov, 1, &n);
                    check(veil_vfs_fd_filestat(v, fd, &st) == 0, "stat written fd");
                    check_ino(&f, st.ino);
                    veil_vfs_fd_close(v, fd);
                }
                break;
            default:
                break;
            }
            step++;
        }
        pos = end + 1;
    }

    uint8_t *content;
    size_t content_len;
    must(veil_vfs_get_file(vfs, "/secret/key", 16, &content, &content_len));
    check(content_len == 3 && memcmp(content, "KEY", 3) == 0, "secret unchanged");
    free(content);
    check(veil_vfs_used_bytes(vfs) <= veil_vfs_max_bytes(vfs), "budget respected");
    veil_vfs_view_free(v);
    veil_vfs_view_free(admin);
    veil_vfs_free(vfs);
    return 0;
}

/*
 * Copying between host directories and the in-memory tree, for embedders
 * that run programs outside the runtime (`veil run`, test runners).  The
 * runtime itself never touches the host file system.
 *
 * Loading copies directories, regular files (through a read-only mapping,
 * so each file is copied once) and relative symbolic links; anything else
 * is skipped with a warning.  Saving writes back only what changed after a
 * point of the change counter; names in the tree are single path
 * components (never "." or ".."), so every host path stays below the host
 * directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veil/log.h"
#include "veil/str.h"
#include "vfs_internal.h"

static veil_error *load_file(veil_vfs *vfs, const char *host, const char *guest) {
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return veil_error_errno(errno, "vfs: cannot open '%s'", host);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        veil_error *err = veil_error_errno(errno, "vfs: cannot stat '%s'", host);
        close(fd);
        return err;
    }
    if ((uint64_t)st.st_size > veil_vfs_max_bytes(vfs)) {
        close(fd);
        return veil_error_new(VEIL_ELIMIT,
                              "vfs: '%s' (%lld bytes) is larger than the file system's budget "
                              "of %llu bytes",
                              host, (long long)st.st_size,
                              (unsigned long long)veil_vfs_max_bytes(vfs));
    }
    const void *data = "";
    void *map = NULL;
    if (st.st_size > 0) {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            veil_error *err = veil_error_errno(errno, "vfs: cannot map '%s'", host);
            close(fd);
            return err;
        }
        data = map;
    }
    close(fd);
    veil_error *err = veil_vfs_put_file(vfs, guest, data, (size_t)st.st_size);
    if (map != NULL)
        munmap(map, (size_t)st.st_size);
    return veil_error_wrap(err, "loading '%s'", host);
}

static veil_error *load_tree(veil_vfs *vfs, const char *host, const char *guest, int depth) {
    if (depth > 256)
        return veil_error_new(VEIL_ELIMIT, "vfs: '%s' is nested too deeply", host);
    DIR *dir = opendir(host);
    if (dir == NULL)
        return veil_error_errno(errno, "vfs: cannot open directory '%s'", host);
    veil_error *err = veil_vfs_mkdir_p(vfs, guest);
    struct dirent *ent;
    while (err == NULL && (errno = 0, ent = readdir(dir)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char *h = NULL, *g = NULL;
        err = veil_asprintf(&h, "%s/%s", host, ent->d_name);
        if (err == NULL)
            err = veil_asprintf(&g, "%s/%s", strcmp(guest, "/") == 0 ? "" : guest, ent->d_name);
        struct stat st;
        if (err == NULL && lstat(h, &st) != 0)
            err = veil_error_errno(errno, "vfs: cannot stat '%s'", h);
        if (err == NULL) {
            if (S_ISDIR(st.st_mode)) {
                err = load_tree(vfs, h, g, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                err = load_file(vfs, h, g);
            } else if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(h, target, sizeof(target) - 1);
                if (n < 0) {
                    err = veil_error_errno(errno, "vfs: cannot read link '%s'", h);
                } else {
                    target[n] = '\0';
                    if (target[0] == '/') {
                        VEIL_WARN("vfs", "skipping '%s': absolute symbolic link to '%s'", h,
                                  target);
                    } else {
                        err = veil_error_wrap(veil_vfs_put_symlink(vfs, g, target), "loading '%s'",
                                              h);
                    }
                }
            } else {
                VEIL_WARN("vfs", "skipping '%s': not a file, directory or symbolic link", h);
            }
        }
        free(h);
        free(g);
    }
    if (err == NULL && errno != 0)
        err = veil_error_errno(errno, "vfs: cannot read directory '%s'", host);
    closedir(dir);
    return err;
}

veil_error *veil_vfs_load_host_dir(veil_vfs *vfs, const char *host_dir, const char *guest_path) {
    VEIL_ENSURE(vfs_abs_path_valid(guest_path), VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute path", guest_path);
    struct stat st;
    if (stat(host_dir, &st) != 0)
        return veil_error_errno(errno, "vfs: cannot use '%s'", host_dir);
    VEIL_ENSURE(S_ISDIR(st.st_mode), VEIL_EINVAL, "vfs: '%s' is not a directory", host_dir);
    return load_tree(vfs, host_dir, guest_path, 0);
}

typedef struct save_state {
    const char *guest_root;
    size_t guest_root_len;
    const char *host_dir;
    uint64_t since;
    size_t written;
} save_state;

static veil_error *save_visit(void *user, const veil_vfs_walk_entry *e) {
    save_state *st = user;
    if (e->change_seq <= st->since)
        return NULL;
    /* The path below the guest root ("" for the root itself). */
    const char *rel = e->path + (st->guest_root_len == 1 ? 0 : st->guest_root_len);
    char *host;
    VEIL_TRY(veil_asprintf(&host, "%s%s", st->host_dir, rel));
    veil_error *err = NULL;
    if (e->filetype == VEIL_WASI_FILETYPE_DIRECTORY) {
        if (mkdir(host, 0755) != 0 && errno != EEXIST)
            err = veil_error_errno(errno, "vfs: cannot create directory '%s'", host);
    } else if (e->filetype == VEIL_WASI_FILETYPE_REGULAR_FILE) {
        err = veil_write_file(host, e->data, (size_t)e->size, 0644);
        if (err == NULL)
            st->written++;
    } else if (e->filetype == VEIL_WASI_FILETYPE_SYMBOLIC_LINK) {
        char *target = strndup((const char *)e->data, (size_t)e->size);
        if (target == NULL) {
            err = veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
        } else {
            unlink(host);
            if (symlink(target, host) != 0)
                err = veil_error_errno(errno, "vfs: cannot create symbolic link '%s'", host);
            else
                st->written++;
            free(target);
        }
    }
    free(host);
    return err;
}

veil_error *veil_vfs_save_host_dir(veil_vfs *vfs, const char *guest_path, const char *host_dir,
                                   uint64_t since, size_t *written) {
    save_state st = {.guest_root = guest_path,
                     .guest_root_len = strlen(guest_path),
                     .host_dir = host_dir,
                     .since = since};
    veil_error *err = veil_vfs_walk(vfs, guest_path, save_visit, &st);
    if (written != NULL)
        *written = st.written;
    return err;
}

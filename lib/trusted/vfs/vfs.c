/*
 * The file system object, views (a principal's grants and descriptor
 * table) and the descriptor operations that do not take a path.
 *
 * Descriptor table: fds 0-2 are stdio (always present, possibly without
 * rights), fds 3.. start as the pre-opened grant directories in sorted path
 * order; new descriptors take the lowest free number from 3.  A descriptor
 * holds a reference on its node, so an unlinked file stays readable
 * through it.  Stdio descriptors call the view's stdio callbacks without
 * taking the tree lock.
 */
#include <stdlib.h>
#include <string.h>

#include "veil/str.h"
#include "vfs_internal.h"

enum { FD_FREE = 0, FD_NODE, FD_STDIO };

typedef struct vfs_fd {
    uint8_t kind;
    uint8_t stream; /* FD_STDIO: 0, 1 or 2 */
    uint16_t flags;
    vfs_node *node;
    uint64_t base;
    uint64_t inheriting;
    uint64_t offset;
    char *preopen; /* pre-opened directory name, or NULL */
} vfs_fd;

typedef struct vfs_grant {
    char *path;
    uint64_t base;
    uint64_t inheriting;
    vfs_node *dir;
} vfs_grant;

struct veil_vfs_view {
    veil_vfs *vfs;
    char *principal;
    vfs_grant *grants;
    size_t grant_count;
    veil_vfs_stdio stdio;
    vfs_fd *fds;
    size_t fd_count; /* slots in use or freed, i.e. the table length */
    size_t fd_cap;
};

/* ---- the file system ---- */

veil_error *veil_vfs_new(const veil_vfs_config *config, veil_vfs **out) {
    *out = NULL;
    veil_vfs *vfs = calloc(1, sizeof(*vfs));
    if (vfs == NULL)
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    pthread_mutex_init(&vfs->lock, NULL);
    vfs->max_bytes =
        config != NULL && config->max_bytes != 0 ? config->max_bytes : VEIL_VFS_DEFAULT_MAX_BYTES;
    vfs->clock_timestamps = config != NULL && config->clock_timestamps;
    vfs->next_ino = 1;
    veil_wasi_errno err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_DIRECTORY, &vfs->root);
    if (err != VEIL_WASI_ESUCCESS) {
        pthread_mutex_destroy(&vfs->lock);
        free(vfs);
        return veil_error_new(VEIL_ELIMIT, "vfs: memory budget of %llu bytes cannot hold the root",
                              (unsigned long long)(config != NULL ? config->max_bytes : 0));
    }
    vfs->root->nlink = 1; /* the file system itself names the root */
    *out = vfs;
    return NULL;
}

void veil_vfs_free(veil_vfs *vfs) {
    if (vfs == NULL)
        return;
    vfs_tree_free(vfs, vfs->root);
    for (size_t i = 0; i < vfs->hash_count; i++)
        free(vfs->hashes[i].path);
    free(vfs->hashes);
    pthread_mutex_destroy(&vfs->lock);
    free(vfs);
}

uint64_t veil_vfs_used_bytes(veil_vfs *vfs) {
    vfs_lock(vfs);
    uint64_t used = vfs->used_bytes;
    vfs_unlock(vfs);
    return used;
}

uint64_t veil_vfs_max_bytes(const veil_vfs *vfs) {
    return vfs->max_bytes;
}

uint64_t veil_vfs_change_seq(veil_vfs *vfs) {
    vfs_lock(vfs);
    uint64_t seq = vfs->change_seq;
    vfs_unlock(vfs);
    return seq;
}

veil_error *veil_vfs_set_file_hash(veil_vfs *vfs, const char *path,
                                   const uint8_t sha256[VEIL_SHA256_LEN]) {
    VEIL_ENSURE(vfs_abs_path_valid(path) && strcmp(path, "/") != 0, VEIL_EINVAL,
                "vfs: file hash path '%s' is not a normalized absolute file path", path);
    vfs_lock(vfs);
    vfs_hash *existing = (vfs_hash *)vfs_hash_find(vfs, path);
    if (existing != NULL) {
        bool same = memcmp(existing->sha256, sha256, VEIL_SHA256_LEN) == 0;
        vfs_unlock(vfs);
        VEIL_ENSURE(same, VEIL_EINVAL, "vfs: two different hashes for '%s'", path);
        return NULL;
    }
    vfs_hash *hashes = realloc(vfs->hashes, (vfs->hash_count + 1) * sizeof(*hashes));
    char *copy = hashes != NULL ? strdup(path) : NULL;
    if (copy == NULL) {
        if (hashes != NULL)
            vfs->hashes = hashes;
        vfs_unlock(vfs);
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    }
    vfs->hashes = hashes;
    hashes[vfs->hash_count].path = copy;
    memcpy(hashes[vfs->hash_count].sha256, sha256, VEIL_SHA256_LEN);
    vfs->hash_count++;
    vfs_unlock(vfs);
    return NULL;
}

/* ---- views ---- */

char *veil_vfs_normalize_path(const char *path) {
    if (path[0] != '/')
        return NULL;
    size_t len = strlen(path);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            free(out);
            return NULL;
        }
        out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    if (!vfs_abs_path_valid(out)) {
        free(out);
        return NULL;
    }
    return out;
}

static int grant_cmp(const void *a, const void *b) {
    return strcmp(((const vfs_grant *)a)->path, ((const vfs_grant *)b)->path);
}

/* Finds or creates the directory at a normalized absolute path (locked). */
static veil_wasi_errno mkdir_p_locked(veil_vfs *vfs, const char *path, vfs_node **out) {
    vfs_node *cur = vfs->root;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        vfs_entry *e = vfs_dir_find(cur, s, n, NULL);
        if (e != NULL) {
            if (e->node->type != VEIL_WASI_FILETYPE_DIRECTORY)
                return VEIL_WASI_ENOTDIR;
            cur = e->node;
            continue;
        }
        vfs_node *dir;
        veil_wasi_errno err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_DIRECTORY, &dir);
        if (err != VEIL_WASI_ESUCCESS)
            return err;
        err = vfs_dir_insert(vfs, cur, s, n, dir);
        if (err != VEIL_WASI_ESUCCESS) {
            vfs_node_maybe_free(vfs, dir);
            return err;
        }
        cur = dir;
    }
    *out = cur;
    return VEIL_WASI_ESUCCESS;
}

veil_error *veil_vfs_mkdir_p(veil_vfs *vfs, const char *path) {
    VEIL_ENSURE(vfs_abs_path_valid(path), VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute path", path);
    vfs_lock(vfs);
    vfs_node *dir;
    veil_wasi_errno err = mkdir_p_locked(vfs, path, &dir);
    vfs_unlock(vfs);
    if (err != VEIL_WASI_ESUCCESS)
        return veil_error_new(vfs_errno_code(err), "vfs: cannot create directory '%s': %s", path,
                              veil_wasi_errno_name(err));
    return NULL;
}

static veil_error *view_add_fd(veil_vfs_view *view, vfs_fd fd) {
    if (view->fd_count == view->fd_cap) {
        size_t cap = view->fd_cap == 0 ? 16 : view->fd_cap * 2;
        vfs_fd *fds = realloc(view->fds, cap * sizeof(*fds));
        if (fds == NULL)
            return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
        memset(fds + view->fd_cap, 0, (cap - view->fd_cap) * sizeof(*fds));
        view->fds = fds;
        view->fd_cap = cap;
    }
    view->fds[view->fd_count++] = fd;
    return NULL;
}

/* Looks a normalized absolute path up from the root without following
 * symbolic links (locked); NULL when it does not exist. */
static vfs_node *lookup_abs(veil_vfs *vfs, const char *path) {
    vfs_node *cur = vfs->root;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        if (cur->type != VEIL_WASI_FILETYPE_DIRECTORY)
            return NULL;
        vfs_entry *e = vfs_dir_find(cur, s, (size_t)(p - s), NULL);
        if (e == NULL)
            return NULL;
        cur = e->node;
    }
    return cur;
}

static veil_error *view_create(veil_vfs *vfs, const char *principal, const veil_vfs_grant *grants,
                               size_t grant_count, const veil_vfs_stdio *stdio, bool preopen,
                               veil_vfs_view **out) {
    *out = NULL;
    veil_vfs_view *view = calloc(1, sizeof(*view));
    if (view == NULL)
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    view->vfs = vfs;
    veil_error *err = veil_strdup(principal != NULL ? principal : "(unnamed)", &view->principal);
    if (err != NULL) {
        free(view);
        return err;
    }
    if (stdio != NULL)
        view->stdio = *stdio;
    uint64_t stdio_rights[3] = {0, 0, 0};
    bool stdio_seen[3] = {false, false, false};
    static const char *const stdio_names[3] = {"stdin", "stdout", "stderr"};
    view->grants = calloc(grant_count + 1, sizeof(*view->grants));
    if (view->grants == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < grant_count; i++) {
        const char *path = grants[i].path;
        int s = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(path, stdio_names[k]) == 0)
                s = k;
        if (s >= 0) {
            if (stdio_seen[s]) {
                err = veil_error_new(VEIL_EINVAL, "vfs: principal '%s' has two grants for %s",
                                     view->principal, path);
                goto fail;
            }
            stdio_seen[s] = true;
            stdio_rights[s] = grants[i].base_rights & VEIL_VFS_STDIO_RIGHTS;
            continue;
        }
        char *norm = veil_vfs_normalize_path(path);
        if (norm == NULL) {
            err = veil_error_new(VEIL_EINVAL,
                                 "vfs: principal '%s': grant path '%s' is not an absolute "
                                 "directory path (nor stdin, stdout or stderr)",
                                 view->principal, path);
            goto fail;
        }
        for (size_t k = 0; k < view->grant_count; k++) {
            if (strcmp(view->grants[k].path, norm) == 0) {
                err = veil_error_new(VEIL_EINVAL, "vfs: principal '%s' has two grants for '%s'",
                                     view->principal, norm);
                free(norm);
                goto fail;
            }
        }
        view->grants[view->grant_count++] = (vfs_grant){
            .path = norm, .base = grants[i].base_rights, .inheriting = grants[i].inheriting_rights};
    }
    qsort(view->grants, view->grant_count, sizeof(*view->grants), grant_cmp);

    vfs_lock(vfs);
    for (size_t i = 0; preopen && i < view->grant_count; i++) {
        vfs_node *dir = lookup_abs(vfs, view->grants[i].path);
        if (dir != NULL && dir->type != VEIL_WASI_FILETYPE_DIRECTORY)
            continue; /* a grant on a file: rights for host operations only */
        veil_wasi_errno werr = mkdir_p_locked(vfs, view->grants[i].path, &dir);
        if (werr != VEIL_WASI_ESUCCESS) {
            vfs_unlock(vfs);
            err = veil_error_new(vfs_errno_code(werr),
                                 "vfs: principal '%s': cannot use '%s' as a directory: %s",
                                 view->principal, view->grants[i].path, veil_wasi_errno_name(werr));
            goto fail;
        }
        vfs_node_ref(dir);
        view->grants[i].dir = dir;
    }
    vfs_unlock(vfs);

    for (int s = 0; s < 3; s++) {
        err = view_add_fd(
            view, (vfs_fd){.kind = FD_STDIO, .stream = (uint8_t)s, .base = stdio_rights[s]});
        if (err != NULL)
            goto fail;
    }
    for (size_t i = 0; i < view->grant_count; i++) {
        vfs_grant *g = &view->grants[i];
        if (g->dir == NULL)
            continue;
        char *name;
        err = veil_strdup(g->path, &name);
        if (err != NULL)
            goto fail;
        vfs_lock(vfs);
        vfs_node_ref(g->dir);
        vfs_unlock(vfs);
        err = view_add_fd(view, (vfs_fd){.kind = FD_NODE,
                                         .node = g->dir,
                                         .base = g->base & VEIL_VFS_DIR_RIGHTS,
                                         .inheriting = g->inheriting,
                                         .preopen = name});
        if (err != NULL) {
            vfs_lock(vfs);
            vfs_node_unref(vfs, g->dir);
            vfs_unlock(vfs);
            free(name);
            goto fail;
        }
    }
    *out = view;
    return NULL;

fail:
    veil_vfs_view_free(view);
    return err;
}

veil_error *veil_vfs_view_new(veil_vfs *vfs, const char *principal, const veil_vfs_grant *grants,
                              size_t grant_count, const veil_vfs_stdio *stdio,
                              veil_vfs_view **out) {
    return view_create(vfs, principal, grants, grant_count, stdio, true, out);
}

veil_error *veil_vfs_client_view_new(veil_vfs *vfs, const char *principal,
                                     const veil_vfs_grant *grants, size_t grant_count,
                                     veil_vfs_view **out) {
    return view_create(vfs, principal, grants, grant_count, NULL, false, out);
}

void veil_vfs_view_free(veil_vfs_view *view) {
    if (view == NULL)
        return;
    veil_vfs *vfs = view->vfs;
    vfs_lock(vfs);
    for (size_t i = 0; i < view->fd_count; i++) {
        vfs_fd *fd = &view->fds[i];
        if (fd->kind == FD_NODE)
            vfs_node_unref(vfs, fd->node);
        free(fd->preopen);
    }
    for (size_t i = 0; i < view->grant_count; i++) {
        if (view->grants[i].dir != NULL)
            vfs_node_unref(vfs, view->grants[i].dir);
        free(view->grants[i].path);
    }
    vfs_unlock(vfs);
    free(view->fds);
    free(view->grants);
    free(view->principal);
    free(view);
}

const char *veil_vfs_view_principal(const veil_vfs_view *view) {
    return view->principal;
}

/* ---- internal accessors used by the other files ---- */

veil_vfs *vfs_view_fs(veil_vfs_view *view) {
    return view->vfs;
}

size_t vfs_view_grant_count(const veil_vfs_view *view) {
    return view->grant_count;
}

void vfs_view_grant(const veil_vfs_view *view, size_t i, const char **path, uint64_t *base,
                    uint64_t *inheriting) {
    *path = view->grants[i].path;
    *base = view->grants[i].base;
    *inheriting = view->grants[i].inheriting;
}

/* ---- descriptor table ---- */

static vfs_fd *fd_get(veil_vfs_view *view, uint32_t fd) {
    if (fd >= view->fd_count || view->fds[fd].kind == FD_FREE)
        return NULL;
    return &view->fds[fd];
}

/* Looks a descriptor up and checks it has every right in `need`. */
static veil_wasi_errno fd_lookup(veil_vfs_view *view, uint32_t fd, uint64_t need, vfs_fd **out) {
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL)
        return VEIL_WASI_EBADF;
    if ((e->base & need) != need)
        return VEIL_WASI_ENOTCAPABLE;
    *out = e;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno vfs_view_dirfd(veil_vfs_view *view, uint32_t fd, uint64_t need, vfs_node **dir,
                               uint64_t *inheriting) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, need, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind != FD_NODE || e->node->type != VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_ENOTDIR;
    *dir = e->node;
    if (inheriting != NULL)
        *inheriting = e->inheriting;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno vfs_view_add_node_fd(veil_vfs_view *view, vfs_node *node, uint64_t base,
                                     uint64_t inheriting, uint16_t flags, uint32_t *out) {
    size_t slot = 3;
    while (slot < view->fd_count && view->fds[slot].kind != FD_FREE)
        slot++;
    if (slot >= VEIL_VFS_MAX_FDS)
        return VEIL_WASI_EMFILE;
    vfs_fd fd = {
        .kind = FD_NODE, .node = node, .base = base, .inheriting = inheriting, .flags = flags};
    if (slot == view->fd_count) {
        veil_error *err = view_add_fd(view, fd);
        if (err != NULL) {
            veil_error_free(err);
            return VEIL_WASI_ENOMEM;
        }
    } else {
        view->fds[slot] = fd;
    }
    vfs_node_ref(node);
    *out = (uint32_t)slot;
    return VEIL_WASI_ESUCCESS;
}

bool veil_vfs_fd_valid(veil_vfs_view *view, uint32_t fd) {
    return fd_get(view, fd) != NULL;
}

veil_wasi_errno veil_vfs_fd_prestat(veil_vfs_view *view, uint32_t fd, const char **name,
                                    size_t *name_len) {
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL || e->preopen == NULL)
        return VEIL_WASI_EBADF;
    *name = e->preopen;
    *name_len = strlen(e->preopen);
    return VEIL_WASI_ESUCCESS;
}

static void fd_release(veil_vfs_view *view, vfs_fd *e) {
    if (e->kind == FD_NODE) {
        vfs_lock(view->vfs);
        vfs_node_unref(view->vfs, e->node);
        vfs_unlock(view->vfs);
    }
    free(e->preopen);
    memset(e, 0, sizeof(*e));
}

veil_wasi_errno veil_vfs_fd_close(veil_vfs_view *view, uint32_t fd) {
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL)
        return VEIL_WASI_EBADF;
    fd_release(view, e);
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_renumber(veil_vfs_view *view, uint32_t from, uint32_t to) {
    vfs_fd *src = fd_get(view, from);
    vfs_fd *dst = fd_get(view, to);
    if (src == NULL || dst == NULL)
        return VEIL_WASI_EBADF;
    if (from == to)
        return VEIL_WASI_ESUCCESS;
    fd_release(view, dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
    return VEIL_WASI_ESUCCESS;
}

static uint8_t fd_filetype(const vfs_fd *e) {
    return e->kind == FD_STDIO ? VEIL_WASI_FILETYPE_CHARACTER_DEVICE : e->node->type;
}

veil_wasi_errno veil_vfs_fd_fdstat(veil_vfs_view *view, uint32_t fd, veil_vfs_fdstat *out) {
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL)
        return VEIL_WASI_EBADF;
    out->filetype = fd_filetype(e);
    out->flags = e->flags;
    out->rights_base = e->base;
    out->rights_inheriting = e->inheriting;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_set_flags(veil_vfs_view *view, uint32_t fd, uint16_t flags) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_FDSTAT_SET_FLAGS, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if ((flags & ~VEIL_WASI_FDFLAGS_ALL) != 0)
        return VEIL_WASI_EINVAL;
    e->flags = flags;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_set_rights(veil_vfs_view *view, uint32_t fd, uint64_t base,
                                       uint64_t inheriting) {
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL)
        return VEIL_WASI_EBADF;
    if ((base & ~e->base) != 0 || (inheriting & ~e->inheriting) != 0)
        return VEIL_WASI_ENOTCAPABLE;
    e->base = base;
    e->inheriting = inheriting;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_filestat(veil_vfs_view *view, uint32_t fd, veil_vfs_filestat *out) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_FILESTAT_GET, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO) {
        memset(out, 0, sizeof(*out));
        out->dev = VEIL_VFS_DEV;
        out->filetype = VEIL_WASI_FILETYPE_CHARACTER_DEVICE;
        return VEIL_WASI_ESUCCESS;
    }
    vfs_lock(view->vfs);
    vfs_filestat(e->node, out);
    vfs_unlock(view->vfs);
    return VEIL_WASI_ESUCCESS;
}

/* A regular file that programs may change now: not sealed, no host
 * append in progress. */
static veil_wasi_errno file_writable(const vfs_node *node) {
    if (node->sealed)
        return VEIL_WASI_EPERM;
    if (node->u.file.appender != NULL)
        return VEIL_WASI_EBUSY;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_set_size(veil_vfs_view *view, uint32_t fd, uint64_t size) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_FILESTAT_SET_SIZE, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_EINVAL;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    vfs_lock(view->vfs);
    err = file_writable(e->node);
    if (err == VEIL_WASI_ESUCCESS)
        err = vfs_file_set_size(view->vfs, e->node, size);
    if (err == VEIL_WASI_ESUCCESS)
        vfs_touch(view->vfs, e->node, true, true);
    vfs_unlock(view->vfs);
    return err;
}

veil_wasi_errno veil_vfs_fd_set_times(veil_vfs_view *view, uint32_t fd, uint64_t atim,
                                      uint64_t mtim, uint16_t fstflags) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_FILESTAT_SET_TIMES, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO) {
        vfs_node dummy = {0};
        vfs_lock(view->vfs);
        err = vfs_set_times(view->vfs, &dummy, atim, mtim, fstflags);
        vfs_unlock(view->vfs);
        return err;
    }
    vfs_lock(view->vfs);
    err = vfs_set_times(view->vfs, e->node, atim, mtim, fstflags);
    vfs_unlock(view->vfs);
    return err;
}

/* Copies file bytes from offset into the iovecs (locked). */
static size_t file_read_locked(const vfs_node *node, uint64_t offset, const veil_vfs_iovec *iov,
                               size_t iov_count) {
    uint64_t size = node->u.file.size;
    size_t done = 0;
    for (size_t i = 0; i < iov_count && offset < size; i++) {
        uint64_t avail = size - offset;
        size_t n = iov[i].len < avail ? iov[i].len : (size_t)avail;
        if (n > 0)
            memcpy(iov[i].buf, node->u.file.data + offset, n);
        offset += n;
        done += n;
    }
    return done;
}

static veil_wasi_errno stdio_read(veil_vfs_view *view, const vfs_fd *e, const veil_vfs_iovec *iov,
                                  size_t iov_count, size_t *nread) {
    *nread = 0;
    if (e->stream != 0)
        return VEIL_WASI_EBADF;
    if (view->stdio.read == NULL)
        return VEIL_WASI_ESUCCESS;
    for (size_t i = 0; i < iov_count; i++) {
        if (iov[i].len == 0)
            continue;
        size_t got = 0;
        veil_wasi_errno err = view->stdio.read(view->stdio.user, iov[i].buf, iov[i].len, &got);
        if (err != VEIL_WASI_ESUCCESS)
            return *nread > 0 ? VEIL_WASI_ESUCCESS : err;
        *nread += got;
        if (got < iov[i].len)
            break;
    }
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_read(veil_vfs_view *view, uint32_t fd, const veil_vfs_iovec *iov,
                                 size_t iov_count, size_t *nread) {
    vfs_fd *e;
    *nread = 0;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_READ, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return stdio_read(view, e, iov, iov_count, nread);
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    vfs_lock(view->vfs);
    *nread = file_read_locked(e->node, e->offset, iov, iov_count);
    vfs_unlock(view->vfs);
    e->offset += *nread;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_pread(veil_vfs_view *view, uint32_t fd, const veil_vfs_iovec *iov,
                                  size_t iov_count, uint64_t offset, size_t *nread) {
    vfs_fd *e;
    *nread = 0;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_READ | VEIL_RIGHT_FD_SEEK, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    vfs_lock(view->vfs);
    *nread = file_read_locked(e->node, offset, iov, iov_count);
    vfs_unlock(view->vfs);
    return VEIL_WASI_ESUCCESS;
}

static veil_wasi_errno stdio_write(veil_vfs_view *view, const vfs_fd *e, const veil_vfs_ciovec *iov,
                                   size_t iov_count, size_t *nwritten) {
    *nwritten = 0;
    if (e->stream == 0)
        return VEIL_WASI_EBADF;
    for (size_t i = 0; i < iov_count; i++) {
        if (iov[i].len == 0)
            continue;
        if (view->stdio.write != NULL) {
            veil_wasi_errno err =
                view->stdio.write(view->stdio.user, e->stream, iov[i].buf, iov[i].len);
            if (err != VEIL_WASI_ESUCCESS)
                return *nwritten > 0 ? VEIL_WASI_ESUCCESS : err;
        }
        *nwritten += iov[i].len;
    }
    return VEIL_WASI_ESUCCESS;
}

/* Writes all iovecs at offset or fails without changing the file (locked). */
static veil_wasi_errno file_write_locked(veil_vfs *vfs, vfs_node *node, uint64_t offset,
                                         const veil_vfs_ciovec *iov, size_t iov_count,
                                         size_t *nwritten) {
    veil_wasi_errno err = file_writable(node);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    uint64_t total = 0;
    for (size_t i = 0; i < iov_count; i++) {
        if (iov[i].len > UINT64_MAX - total)
            return VEIL_WASI_EFBIG;
        total += iov[i].len;
    }
    if (total > UINT64_MAX - offset)
        return VEIL_WASI_EFBIG;
    uint64_t end = offset + total;
    if (total == 0) {
        *nwritten = 0;
        return VEIL_WASI_ESUCCESS;
    }
    err = vfs_file_reserve(vfs, node, end);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    uint64_t size = node->u.file.size;
    if (offset > size)
        memset(node->u.file.data + size, 0, (size_t)(offset - size));
    uint64_t pos = offset;
    for (size_t i = 0; i < iov_count; i++) {
        if (iov[i].len > 0)
            memcpy(node->u.file.data + pos, iov[i].buf, iov[i].len);
        pos += iov[i].len;
    }
    if (end > size)
        node->u.file.size = end;
    vfs_touch(vfs, node, true, true);
    *nwritten = (size_t)total;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_write(veil_vfs_view *view, uint32_t fd, const veil_vfs_ciovec *iov,
                                  size_t iov_count, size_t *nwritten) {
    vfs_fd *e;
    *nwritten = 0;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_WRITE, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return stdio_write(view, e, iov, iov_count, nwritten);
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    vfs_lock(view->vfs);
    uint64_t offset = (e->flags & VEIL_WASI_FDFLAGS_APPEND) ? e->node->u.file.size : e->offset;
    err = file_write_locked(view->vfs, e->node, offset, iov, iov_count, nwritten);
    vfs_unlock(view->vfs);
    if (err == VEIL_WASI_ESUCCESS)
        e->offset = offset + *nwritten;
    return err;
}

veil_wasi_errno veil_vfs_fd_pwrite(veil_vfs_view *view, uint32_t fd, const veil_vfs_ciovec *iov,
                                   size_t iov_count, uint64_t offset, size_t *nwritten) {
    vfs_fd *e;
    *nwritten = 0;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_WRITE | VEIL_RIGHT_FD_SEEK, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    vfs_lock(view->vfs);
    err = file_write_locked(view->vfs, e->node, offset, iov, iov_count, nwritten);
    vfs_unlock(view->vfs);
    return err;
}

veil_wasi_errno veil_vfs_fd_seek(veil_vfs_view *view, uint32_t fd, int64_t delta, uint8_t whence,
                                 uint64_t *new_offset) {
    /* A zero move from the current position is a tell: fd_tell suffices. */
    vfs_fd *e = fd_get(view, fd);
    if (e == NULL)
        return VEIL_WASI_EBADF;
    bool is_tell = delta == 0 && whence == VEIL_WASI_WHENCE_CUR;
    if ((e->base & VEIL_RIGHT_FD_SEEK) == 0 && !(is_tell && (e->base & VEIL_RIGHT_FD_TELL) != 0))
        return VEIL_WASI_ENOTCAPABLE;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    int64_t base_pos;
    switch (whence) {
    case VEIL_WASI_WHENCE_SET:
        base_pos = 0;
        break;
    case VEIL_WASI_WHENCE_CUR:
        base_pos = (int64_t)e->offset;
        break;
    case VEIL_WASI_WHENCE_END:
        vfs_lock(view->vfs);
        base_pos = (int64_t)e->node->u.file.size;
        vfs_unlock(view->vfs);
        break;
    default:
        return VEIL_WASI_EINVAL;
    }
    int64_t pos;
    if (__builtin_add_overflow(base_pos, delta, &pos) || pos < 0)
        return VEIL_WASI_EINVAL;
    e->offset = (uint64_t)pos;
    *new_offset = e->offset;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_tell(veil_vfs_view *view, uint32_t fd, uint64_t *offset) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_TELL, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    *offset = e->offset;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_advise(veil_vfs_view *view, uint32_t fd, uint64_t offset, uint64_t len,
                                   uint8_t advice) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_ADVISE, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (advice > VEIL_WASI_ADVICE_NOREUSE || len > UINT64_MAX - offset)
        return VEIL_WASI_EINVAL;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    /* Everything is in memory already: advice changes nothing. */
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_allocate(veil_vfs_view *view, uint32_t fd, uint64_t offset,
                                     uint64_t len) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_ALLOCATE, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESPIPE;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    if (len > UINT64_MAX - offset)
        return VEIL_WASI_EFBIG;
    vfs_lock(view->vfs);
    err = file_writable(e->node);
    if (err == VEIL_WASI_ESUCCESS && offset + len > e->node->u.file.size) {
        err = vfs_file_set_size(view->vfs, e->node, offset + len);
        if (err == VEIL_WASI_ESUCCESS)
            vfs_touch(view->vfs, e->node, true, true);
    }
    vfs_unlock(view->vfs);
    return err;
}

veil_wasi_errno veil_vfs_fd_sync(veil_vfs_view *view, uint32_t fd, bool data_only) {
    vfs_fd *e;
    veil_wasi_errno err =
        fd_lookup(view, fd, data_only ? VEIL_RIGHT_FD_DATASYNC : VEIL_RIGHT_FD_SYNC, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_EINVAL;
    /* Memory is the storage: there is nothing to flush. */
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_readdir(veil_vfs_view *view, uint32_t fd, uint64_t cookie,
                                    veil_vfs_dirent *out, bool *end) {
    vfs_fd *e;
    veil_wasi_errno err = fd_lookup(view, fd, VEIL_RIGHT_FD_READDIR, &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind != FD_NODE || e->node->type != VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_ENOTDIR;
    vfs_node *dir = e->node;
    *end = false;
    vfs_lock(view->vfs);
    if (cookie == 0 || cookie == 1) {
        vfs_node *target = dir;
        if (cookie == 1 && dir->u.dir.parent != NULL)
            target = dir->u.dir.parent;
        out->ino = target->ino;
        out->filetype = VEIL_WASI_FILETYPE_DIRECTORY;
        out->name_len = (size_t)cookie + 1;
        memcpy(out->name, "..", out->name_len);
        out->name[out->name_len] = '\0';
    } else if (cookie - 2 < dir->u.dir.count) {
        const vfs_entry *entry = &dir->u.dir.entries[cookie - 2];
        out->ino = entry->node->ino;
        out->filetype = entry->node->type;
        out->name_len = entry->name_len;
        memcpy(out->name, entry->name, entry->name_len);
        out->name[entry->name_len] = '\0';
    } else {
        *end = true;
    }
    vfs_unlock(view->vfs);
    out->next = cookie + 1;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_fd_poll(veil_vfs_view *view, uint32_t fd, bool for_write,
                                 uint64_t *nbytes) {
    vfs_fd *e;
    *nbytes = 0;
    veil_wasi_errno err = fd_lookup(
        view, fd,
        VEIL_RIGHT_POLL_FD_READWRITE | (for_write ? VEIL_RIGHT_FD_WRITE : VEIL_RIGHT_FD_READ), &e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (e->kind == FD_STDIO)
        return VEIL_WASI_ESUCCESS;
    if (e->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_EISDIR;
    if (!for_write) {
        vfs_lock(view->vfs);
        uint64_t size = e->node->u.file.size;
        vfs_unlock(view->vfs);
        *nbytes = size > e->offset ? size - e->offset : 0;
    }
    return VEIL_WASI_ESUCCESS;
}

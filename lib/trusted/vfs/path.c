/*
 * Path operations with WASI preview 1 semantics.  Each one checks the
 * rights of the directory descriptor(s) first, then resolves the path
 * inside that directory (resolve.c) and applies POSIX rules for the errno
 * (EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ...).  Entries at hashed paths, or on
 * the way to one, cannot be created, removed or replaced (EPERM).
 */
#include <stdlib.h>
#include <string.h>

#include "vfs_internal.h"

static bool is_dir(const vfs_node *node) {
    return node != NULL && node->type == VEIL_WASI_FILETYPE_DIRECTORY;
}

veil_wasi_errno veil_vfs_path_open(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                   const char *path, size_t path_len, uint16_t oflags,
                                   uint64_t rights_base, uint64_t rights_inheriting,
                                   uint16_t fdflags, uint32_t *fd_out) {
    uint64_t need = VEIL_RIGHT_PATH_OPEN;
    if (oflags & VEIL_WASI_OFLAGS_CREAT)
        need |= VEIL_RIGHT_PATH_CREATE_FILE;
    if (oflags & VEIL_WASI_OFLAGS_TRUNC)
        need |= VEIL_RIGHT_PATH_FILESTAT_SET_SIZE;
    vfs_node *start;
    uint64_t dir_inheriting;
    veil_wasi_errno err = vfs_view_dirfd(view, dirfd, need, &start, &dir_inheriting);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    uint64_t need_inheriting = 0;
    if (fdflags & VEIL_WASI_FDFLAGS_DSYNC)
        need_inheriting |= VEIL_RIGHT_FD_DATASYNC;
    if (fdflags & (VEIL_WASI_FDFLAGS_RSYNC | VEIL_WASI_FDFLAGS_SYNC))
        need_inheriting |= VEIL_RIGHT_FD_SYNC;
    if ((dir_inheriting & need_inheriting) != need_inheriting)
        return VEIL_WASI_ENOTCAPABLE;
    if ((oflags & ~VEIL_WASI_OFLAGS_ALL) != 0 || (fdflags & ~VEIL_WASI_FDFLAGS_ALL) != 0 ||
        ((oflags & VEIL_WASI_OFLAGS_DIRECTORY) &&
         (oflags & (VEIL_WASI_OFLAGS_CREAT | VEIL_WASI_OFLAGS_TRUNC))))
        return VEIL_WASI_EINVAL;
    bool exclusive = (oflags & VEIL_WASI_OFLAGS_CREAT) && (oflags & VEIL_WASI_OFLAGS_EXCL);
    bool follow = (lookupflags & VEIL_WASI_LOOKUP_SYMLINK_FOLLOW) && !exclusive;

    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    err = vfs_resolve(start, path, path_len, follow, &r);
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    vfs_node *node = r.node;
    if (node != NULL) {
        if (exclusive) {
            err = VEIL_WASI_EEXIST;
        } else if (node->type == VEIL_WASI_FILETYPE_SYMBOLIC_LINK) {
            err = VEIL_WASI_ELOOP; /* a final link that is not followed cannot be opened */
        } else if (!is_dir(node) && ((oflags & VEIL_WASI_OFLAGS_DIRECTORY) || r.trailing_slash)) {
            err = VEIL_WASI_ENOTDIR;
        } else if (is_dir(node) &&
                   ((rights_base & VEIL_RIGHT_FD_WRITE) || (oflags & VEIL_WASI_OFLAGS_TRUNC))) {
            err = VEIL_WASI_EISDIR;
        } else if (oflags & VEIL_WASI_OFLAGS_TRUNC) {
            if (node->sealed)
                err = VEIL_WASI_EPERM;
            else if (node->u.file.appender != NULL)
                err = VEIL_WASI_EBUSY;
            else if (node->u.file.size != 0) {
                err = vfs_file_set_size(vfs, node, 0);
                if (err == VEIL_WASI_ESUCCESS)
                    vfs_touch(vfs, node, true, true);
            }
        }
    } else if (!(oflags & VEIL_WASI_OFLAGS_CREAT)) {
        err = VEIL_WASI_ENOENT;
    } else if (r.trailing_slash) {
        err = VEIL_WASI_EISDIR;
    } else if (vfs_entry_locked(vfs, r.dir, r.name, r.name_len)) {
        err = VEIL_WASI_EPERM;
    } else {
        err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_REGULAR_FILE, &node);
        if (err == VEIL_WASI_ESUCCESS) {
            err = vfs_dir_insert(vfs, r.dir, r.name, r.name_len, node);
            if (err != VEIL_WASI_ESUCCESS) {
                vfs_node_maybe_free(vfs, node);
                node = NULL;
            }
        }
    }
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    uint64_t mask = is_dir(node) ? VEIL_VFS_DIR_RIGHTS : VEIL_VFS_FILE_RIGHTS;
    err = vfs_view_add_node_fd(view, node, rights_base & dir_inheriting & mask,
                               rights_inheriting & dir_inheriting, fdflags, fd_out);
out:
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_create_directory(veil_vfs_view *view, uint32_t dirfd,
                                               const char *path, size_t path_len) {
    vfs_node *start;
    veil_wasi_errno err =
        vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_CREATE_DIRECTORY, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    err = vfs_resolve(start, path, path_len, false, &r);
    if (err == VEIL_WASI_ESUCCESS) {
        if (r.node != NULL || r.dir == NULL) {
            err = VEIL_WASI_EEXIST;
        } else if (vfs_entry_locked(vfs, r.dir, r.name, r.name_len)) {
            err = VEIL_WASI_EPERM;
        } else {
            vfs_node *dir;
            err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_DIRECTORY, &dir);
            if (err == VEIL_WASI_ESUCCESS) {
                err = vfs_dir_insert(vfs, r.dir, r.name, r.name_len, dir);
                if (err != VEIL_WASI_ESUCCESS)
                    vfs_node_maybe_free(vfs, dir);
            }
        }
    }
    vfs_unlock(vfs);
    return err;
}

/* Resolves an existing node for stat-like calls (locked). */
static veil_wasi_errno resolve_existing(vfs_node *start, uint32_t lookupflags, const char *path,
                                        size_t path_len, vfs_node **out) {
    vfs_resolved r;
    veil_wasi_errno err = vfs_resolve(start, path, path_len,
                                      (lookupflags & VEIL_WASI_LOOKUP_SYMLINK_FOLLOW) != 0, &r);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (r.node == NULL)
        return VEIL_WASI_ENOENT;
    if (r.trailing_slash && !is_dir(r.node))
        return VEIL_WASI_ENOTDIR;
    *out = r.node;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno veil_vfs_path_filestat(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                       const char *path, size_t path_len, veil_vfs_filestat *out) {
    vfs_node *start;
    veil_wasi_errno err = vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_FILESTAT_GET, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_node *node;
    vfs_lock(vfs);
    err = resolve_existing(start, lookupflags, path, path_len, &node);
    if (err == VEIL_WASI_ESUCCESS)
        vfs_filestat(node, out);
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_set_times(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                        const char *path, size_t path_len, uint64_t atim,
                                        uint64_t mtim, uint16_t fstflags) {
    vfs_node *start;
    veil_wasi_errno err =
        vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_FILESTAT_SET_TIMES, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_node *node;
    vfs_lock(vfs);
    err = resolve_existing(start, lookupflags, path, path_len, &node);
    if (err == VEIL_WASI_ESUCCESS)
        err = vfs_set_times(vfs, node, atim, mtim, fstflags);
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_link(veil_vfs_view *view, uint32_t old_dirfd, uint32_t lookupflags,
                                   const char *old_path, size_t old_len, uint32_t new_dirfd,
                                   const char *new_path, size_t new_len) {
    vfs_node *old_start, *new_start;
    veil_wasi_errno err =
        vfs_view_dirfd(view, old_dirfd, VEIL_RIGHT_PATH_LINK_SOURCE, &old_start, NULL);
    if (err == VEIL_WASI_ESUCCESS)
        err = vfs_view_dirfd(view, new_dirfd, VEIL_RIGHT_PATH_LINK_TARGET, &new_start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved src, dst;
    vfs_lock(vfs);
    err = vfs_resolve(old_start, old_path, old_len,
                      (lookupflags & VEIL_WASI_LOOKUP_SYMLINK_FOLLOW) != 0, &src);
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    if (src.node == NULL) {
        err = VEIL_WASI_ENOENT;
    } else if (is_dir(src.node)) {
        err = VEIL_WASI_EPERM; /* no hard links to directories */
    } else if (src.trailing_slash) {
        err = VEIL_WASI_ENOTDIR;
    }
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    err = vfs_resolve(new_start, new_path, new_len, false, &dst);
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    if (dst.node != NULL || dst.dir == NULL)
        err = VEIL_WASI_EEXIST;
    else if (dst.trailing_slash)
        err = VEIL_WASI_ENOENT;
    else if (vfs_entry_locked(vfs, dst.dir, dst.name, dst.name_len))
        err = VEIL_WASI_EPERM;
    else
        err = vfs_dir_insert(vfs, dst.dir, dst.name, dst.name_len, src.node);
out:
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_readlink(veil_vfs_view *view, uint32_t dirfd, const char *path,
                                       size_t path_len, uint8_t *buf, size_t buf_len,
                                       size_t *used) {
    *used = 0;
    vfs_node *start;
    veil_wasi_errno err = vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_READLINK, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_node *node;
    vfs_lock(vfs);
    err = resolve_existing(start, 0, path, path_len, &node);
    if (err == VEIL_WASI_ESUCCESS) {
        if (node->type != VEIL_WASI_FILETYPE_SYMBOLIC_LINK) {
            err = VEIL_WASI_EINVAL;
        } else {
            size_t n = node->u.link.len < buf_len ? node->u.link.len : buf_len;
            memcpy(buf, node->u.link.target, n);
            *used = n;
        }
    }
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_remove_directory(veil_vfs_view *view, uint32_t dirfd,
                                               const char *path, size_t path_len) {
    vfs_node *start;
    veil_wasi_errno err =
        vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_REMOVE_DIRECTORY, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    err = vfs_resolve(start, path, path_len, false, &r);
    if (err == VEIL_WASI_ESUCCESS) {
        size_t pos;
        if (r.dir == NULL)
            err = VEIL_WASI_EINVAL; /* "." or ".." */
        else if (r.node == NULL)
            err = VEIL_WASI_ENOENT;
        else if (!is_dir(r.node))
            err = VEIL_WASI_ENOTDIR;
        else if (r.node->u.dir.count != 0)
            err = VEIL_WASI_ENOTEMPTY;
        else if (vfs_entry_locked(vfs, r.dir, r.name, r.name_len))
            err = VEIL_WASI_EPERM;
        else if (vfs_dir_find(r.dir, r.name, r.name_len, &pos) != NULL)
            vfs_dir_remove_at(vfs, r.dir, pos);
    }
    vfs_unlock(vfs);
    return err;
}

/* True when `dir` is `ancestor` or lies below it. */
static bool is_within(const vfs_node *dir, const vfs_node *ancestor) {
    for (const vfs_node *cur = dir; cur != NULL; cur = cur->u.dir.parent)
        if (cur == ancestor)
            return true;
    return false;
}

veil_wasi_errno veil_vfs_path_rename(veil_vfs_view *view, uint32_t old_dirfd, const char *old_path,
                                     size_t old_len, uint32_t new_dirfd, const char *new_path,
                                     size_t new_len) {
    vfs_node *old_start, *new_start;
    veil_wasi_errno err =
        vfs_view_dirfd(view, old_dirfd, VEIL_RIGHT_PATH_RENAME_SOURCE, &old_start, NULL);
    if (err == VEIL_WASI_ESUCCESS)
        err = vfs_view_dirfd(view, new_dirfd, VEIL_RIGHT_PATH_RENAME_TARGET, &new_start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved src, dst;
    vfs_lock(vfs);
    err = vfs_resolve(old_start, old_path, old_len, false, &src);
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    err = vfs_resolve(new_start, new_path, new_len, false, &dst);
    if (err != VEIL_WASI_ESUCCESS)
        goto out;
    vfs_node *node = src.node;
    if (src.dir == NULL || dst.dir == NULL) {
        err = VEIL_WASI_EINVAL; /* "." or ".." on either side */
        goto out;
    }
    if (node == NULL) {
        err = VEIL_WASI_ENOENT;
        goto out;
    }
    bool moving_dir = is_dir(node);
    if (!moving_dir && (src.trailing_slash || dst.trailing_slash)) {
        err = VEIL_WASI_ENOTDIR;
        goto out;
    }
    if (dst.node == node)
        goto out; /* same file: nothing to do */
    if (dst.node != NULL) {
        if (moving_dir && !is_dir(dst.node))
            err = VEIL_WASI_ENOTDIR;
        else if (!moving_dir && is_dir(dst.node))
            err = VEIL_WASI_EISDIR;
        else if (moving_dir && dst.node->u.dir.count != 0)
            err = VEIL_WASI_ENOTEMPTY;
        if (err != VEIL_WASI_ESUCCESS)
            goto out;
    }
    if (moving_dir && is_within(dst.dir, node)) {
        err = VEIL_WASI_EINVAL; /* into itself */
        goto out;
    }
    if (vfs_entry_locked(vfs, src.dir, src.name, src.name_len) ||
        vfs_entry_locked(vfs, dst.dir, dst.name, dst.name_len)) {
        err = VEIL_WASI_EPERM;
        goto out;
    }
    if (dst.dir->u.dir.removed) {
        err = VEIL_WASI_ENOENT;
        goto out;
    }
    /* Keep the node alive while it has no entry, link the new name (the
     * only step that can fail), then drop the old one. */
    vfs_node_ref(node);
    vfs_entry *existing = vfs_dir_find(dst.dir, dst.name, dst.name_len, NULL);
    if (existing != NULL)
        vfs_dir_replace(vfs, dst.dir, existing, node);
    else
        err = vfs_dir_insert(vfs, dst.dir, dst.name, dst.name_len, node);
    if (err == VEIL_WASI_ESUCCESS) {
        size_t pos;
        vfs_entry *old = vfs_dir_find(src.dir, src.name, src.name_len, &pos);
        if (old != NULL && old->node == node)
            vfs_dir_remove_at(vfs, src.dir, pos);
        if (moving_dir) {
            node->u.dir.parent = dst.dir;
            node->u.dir.removed = false;
        }
    }
    vfs_node_unref(vfs, node);
out:
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_symlink(veil_vfs_view *view, const char *target, size_t target_len,
                                      uint32_t dirfd, const char *path, size_t path_len) {
    vfs_node *start;
    veil_wasi_errno err = vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_SYMLINK, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    err = vfs_path_check(target, target_len);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (target_len == 0)
        return VEIL_WASI_ENOENT;
    if (target[0] == '/')
        return VEIL_WASI_ENOTCAPABLE;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    err = vfs_resolve(start, path, path_len, false, &r);
    if (err == VEIL_WASI_ESUCCESS) {
        if (r.node != NULL || r.dir == NULL) {
            err = VEIL_WASI_EEXIST;
        } else if (r.trailing_slash) {
            err = VEIL_WASI_ENOENT;
        } else if (vfs_entry_locked(vfs, r.dir, r.name, r.name_len)) {
            err = VEIL_WASI_EPERM;
        } else if (!vfs_charge(vfs, target_len)) {
            err = VEIL_WASI_ENOSPC;
        } else {
            vfs_node *link;
            char *copy = malloc(target_len + 1);
            err = copy == NULL ? VEIL_WASI_ENOMEM
                               : vfs_node_new(vfs, VEIL_WASI_FILETYPE_SYMBOLIC_LINK, &link);
            if (err != VEIL_WASI_ESUCCESS) {
                free(copy);
                vfs_uncharge(vfs, target_len);
            } else {
                memcpy(copy, target, target_len);
                copy[target_len] = '\0';
                link->u.link.target = copy;
                link->u.link.len = target_len;
                err = vfs_dir_insert(vfs, r.dir, r.name, r.name_len, link);
                if (err != VEIL_WASI_ESUCCESS)
                    vfs_node_maybe_free(vfs, link);
            }
        }
    }
    vfs_unlock(vfs);
    return err;
}

veil_wasi_errno veil_vfs_path_unlink_file(veil_vfs_view *view, uint32_t dirfd, const char *path,
                                          size_t path_len) {
    vfs_node *start;
    veil_wasi_errno err = vfs_view_dirfd(view, dirfd, VEIL_RIGHT_PATH_UNLINK_FILE, &start, NULL);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    err = vfs_resolve(start, path, path_len, false, &r);
    if (err == VEIL_WASI_ESUCCESS) {
        size_t pos;
        if (r.dir == NULL || is_dir(r.node))
            err = VEIL_WASI_EISDIR;
        else if (r.node == NULL)
            err = VEIL_WASI_ENOENT;
        else if (r.trailing_slash)
            err = VEIL_WASI_ENOTDIR;
        else if (vfs_entry_locked(vfs, r.dir, r.name, r.name_len))
            err = VEIL_WASI_EPERM;
        else if (vfs_dir_find(r.dir, r.name, r.name_len, &pos) != NULL)
            vfs_dir_remove_at(vfs, r.dir, pos);
    }
    vfs_unlock(vfs);
    return err;
}

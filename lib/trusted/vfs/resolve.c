/*
 * Path resolution that cannot leave the directory it starts from.
 *
 * The walk keeps one current directory, which starts at `start` and only
 * ever moves to a child entry or, for "..", back to the parent of a
 * directory it previously descended into: ".." at `start` itself is
 * ENOTCAPABLE.  Because the tree is locked for the whole walk, the current
 * directory is always inside the subtree of `start`, so neither "..",
 * absolute paths nor symbolic links (expanded in place, relative targets
 * only, at most VEIL_VFS_SYMLINK_MAX times) can reach anything outside it.
 */
#include <string.h>

#include "veil/reader.h"
#include "vfs_internal.h"

veil_wasi_errno vfs_path_check(const char *path, size_t len) {
    if (len > VEIL_VFS_PATH_MAX)
        return VEIL_WASI_ENAMETOOLONG;
    if (memchr(path, '\0', len) != NULL)
        return VEIL_WASI_EINVAL;
    if (!veil_utf8_valid((const uint8_t *)path, len))
        return VEIL_WASI_EILSEQ;
    return VEIL_WASI_ESUCCESS;
}

bool vfs_abs_path_valid(const char *path) {
    size_t len = strlen(path);
    if (len == 0 || path[0] != '/' || len > VEIL_VFS_PATH_MAX)
        return false;
    if (len == 1)
        return true;
    if (path[len - 1] == '/')
        return false;
    if (vfs_path_check(path, len) != VEIL_WASI_ESUCCESS)
        return false;
    const char *p = path + 1;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n > VEIL_VFS_NAME_MAX || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n;
        if (*p == '/')
            p++;
    }
    return true;
}

static void set_final_dir(vfs_resolved *out, vfs_node *node, bool trailing) {
    out->dir = NULL;
    out->node = node;
    out->name_len = 0;
    out->name[0] = '\0';
    out->trailing_slash = trailing;
}

veil_wasi_errno vfs_resolve(vfs_node *start, const char *path, size_t len, bool follow_final,
                            vfs_resolved *out) {
    /* Two buffers: the remaining path lives in one; a symlink expansion
     * writes "target/rest" into the other. */
    char bufs[2][VEIL_VFS_PATH_MAX + 1];
    int which = 0;
    unsigned expansions = 0;

    veil_wasi_errno err = vfs_path_check(path, len);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (len == 0)
        return VEIL_WASI_ENOENT;
    if (path[0] == '/')
        return VEIL_WASI_ENOTCAPABLE;
    if (start->type != VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_ENOTDIR;
    memcpy(bufs[0], path, len);
    const char *p = bufs[0];
    const char *end = bufs[0] + len;
    vfs_node *cur = start;

    for (;;) {
        while (p < end && *p == '/')
            p++;
        if (p == end) {
            /* Only reachable for paths that end right after a directory
             * we entered through "." / ".." handling or a symlink. */
            set_final_dir(out, cur, true);
            return VEIL_WASI_ESUCCESS;
        }
        const char *comp = p;
        while (p < end && *p != '/')
            p++;
        size_t comp_len = (size_t)(p - comp);
        const char *after = p;
        while (after < end && *after == '/')
            after++;
        bool is_last = after == end;
        bool trailing = is_last && p < end;
        if (comp_len > VEIL_VFS_NAME_MAX)
            return VEIL_WASI_ENAMETOOLONG;

        if (comp_len == 1 && comp[0] == '.') {
            if (is_last) {
                set_final_dir(out, cur, trailing);
                return VEIL_WASI_ESUCCESS;
            }
            continue;
        }
        if (comp_len == 2 && comp[0] == '.' && comp[1] == '.') {
            if (cur == start || cur->u.dir.parent == NULL)
                return VEIL_WASI_ENOTCAPABLE;
            cur = cur->u.dir.parent;
            if (is_last) {
                set_final_dir(out, cur, trailing);
                return VEIL_WASI_ESUCCESS;
            }
            continue;
        }

        vfs_entry *entry = vfs_dir_find(cur, comp, comp_len, NULL);
        vfs_node *child = entry != NULL ? entry->node : NULL;
        bool follow = !is_last || trailing || follow_final;
        if (child != NULL && child->type == VEIL_WASI_FILETYPE_SYMBOLIC_LINK && follow) {
            if (++expansions > VEIL_VFS_SYMLINK_MAX)
                return VEIL_WASI_ELOOP;
            const char *target = child->u.link.target;
            size_t target_len = child->u.link.len;
            if (target_len == 0)
                return VEIL_WASI_ENOENT;
            if (target[0] == '/')
                return VEIL_WASI_ENOTCAPABLE;
            /* Keep the slash before the rest (or the trailing slash). */
            size_t rest_len = (size_t)(end - p);
            if (target_len + rest_len > VEIL_VFS_PATH_MAX)
                return VEIL_WASI_ENAMETOOLONG;
            char *dst = bufs[which ^ 1];
            memcpy(dst, target, target_len);
            memcpy(dst + target_len, p, rest_len);
            which ^= 1;
            p = dst;
            end = dst + target_len + rest_len;
            continue;
        }
        if (is_last) {
            out->dir = cur;
            out->node = child;
            out->trailing_slash = trailing;
            out->name_len = comp_len;
            memcpy(out->name, comp, comp_len);
            out->name[comp_len] = '\0';
            return VEIL_WASI_ESUCCESS;
        }
        if (child == NULL)
            return VEIL_WASI_ENOENT;
        if (child->type != VEIL_WASI_FILETYPE_DIRECTORY)
            return VEIL_WASI_ENOTDIR;
        cur = child;
    }
}

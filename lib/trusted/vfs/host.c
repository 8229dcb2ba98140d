/*
 * Host operations: what the runtime service (and embedders such as
 * `veil run`) do to the tree on behalf of a principal or with no principal
 * at all.  Host paths are absolute and normalized; the longest grant that
 * contains the path decides the rights, and the rest of the path is
 * resolved inside the grant's directory exactly like a program's path.
 *
 * Streamed writes: a truncating write (or an append to a missing file)
 * builds a detached file node and swaps it into the directory at commit, so
 * readers see the old content or the new, never a mix, and a failed or
 * mismatching write leaves the old file as it was.  An append to an
 * existing file writes past its visible end (no second copy of the data)
 * and moves the end at commit; while it runs the file rejects other changes
 * with EBUSY.  The hash of a hashed
 * path is computed as chunks arrive (outside the lock) and compared at
 * commit.
 */
#include <stdlib.h>
#include <string.h>

#include "veil/encoding.h"
#include "veil/str.h"
#include "vfs_internal.h"

veil_code vfs_errno_code(veil_wasi_errno err) {
    switch (err) {
    case VEIL_WASI_ESUCCESS:
        return VEIL_OK;
    case VEIL_WASI_ENOENT:
        return VEIL_ENOENT;
    case VEIL_WASI_EEXIST:
        return VEIL_EEXIST;
    case VEIL_WASI_EPERM:
    case VEIL_WASI_EACCES:
    case VEIL_WASI_ENOTCAPABLE:
        return VEIL_EPERM;
    case VEIL_WASI_ENOSPC:
    case VEIL_WASI_EFBIG:
    case VEIL_WASI_EMFILE:
        return VEIL_ELIMIT;
    case VEIL_WASI_ENOMEM:
        return VEIL_ENOMEM;
    case VEIL_WASI_EBUSY:
        return VEIL_EBUSY;
    default:
        return VEIL_EINVAL;
    }
}

/* ---- locating a host path inside a principal's grants ---- */

typedef struct host_target {
    const char *grant_path;
    uint64_t base;
    uint64_t inheriting;
    const char *rel; /* path inside the grant ("" for the grant itself) */
} host_target;

static veil_error *host_locate(veil_vfs_view *view, const char *op, const char *path,
                               host_target *out) {
    const char *principal = veil_vfs_view_principal(view);
    VEIL_ENSURE(path != NULL && vfs_abs_path_valid(path), VEIL_EINVAL,
                "principal '%s': %s '%s': not a normalized absolute path", principal, op,
                path != NULL ? path : "(null)");
    size_t best_len = 0;
    bool found = false;
    for (size_t i = 0; i < vfs_view_grant_count(view); i++) {
        const char *gpath;
        uint64_t base, inheriting;
        vfs_view_grant(view, i, &gpath, &base, &inheriting);
        size_t glen = strlen(gpath);
        bool match;
        if (glen == 1)
            match = true; /* "/" holds everything */
        else
            match = strncmp(path, gpath, glen) == 0 && (path[glen] == '\0' || path[glen] == '/');
        if (match && (!found || glen > best_len)) {
            found = true;
            best_len = glen;
            out->grant_path = gpath;
            out->base = base;
            out->inheriting = inheriting;
            const char *rel = path + (glen == 1 ? 1 : glen);
            if (*rel == '/')
                rel++;
            out->rel = rel;
        }
    }
    VEIL_ENSURE(found, VEIL_EPERM, "principal '%s': %s '%s': no rights on this path", principal, op,
                path);
    return NULL;
}

static veil_error *missing_right(veil_vfs_view *view, const char *op, const char *path,
                                 const host_target *t, uint64_t rights, bool inheriting) {
    uint64_t have = inheriting ? t->inheriting : t->base;
    uint64_t missing = rights & ~have;
    uint64_t bit = missing & (~missing + 1);
    return veil_error_new(VEIL_EPERM, "principal '%s': %s '%s': missing right %s%s on '%s'",
                          veil_vfs_view_principal(view), op, path, veil_wasi_right_name(bit),
                          inheriting ? " (inheriting)" : "", t->grant_path);
}

static veil_error *need_rights(veil_vfs_view *view, const char *op, const char *path,
                               const host_target *t, uint64_t base, uint64_t inheriting) {
    if ((t->base & base) != base)
        return missing_right(view, op, path, t, base, false);
    if ((t->inheriting & inheriting) != inheriting)
        return missing_right(view, op, path, t, inheriting, true);
    return NULL;
}

static veil_error *errno_error(veil_vfs_view *view, const char *op, const char *path,
                               veil_wasi_errno err) {
    const char *why;
    switch (err) {
    case VEIL_WASI_ENOENT:
        why = "no such file or directory";
        break;
    case VEIL_WASI_ENOTDIR:
        why = "a path component is not a directory";
        break;
    case VEIL_WASI_EISDIR:
        why = "is a directory";
        break;
    case VEIL_WASI_ENOTCAPABLE:
        why = "the path leaves the granted directory";
        break;
    case VEIL_WASI_ELOOP:
        why = "too many symbolic links";
        break;
    case VEIL_WASI_ENOSPC:
        why = "the file system's memory budget is exhausted";
        break;
    case VEIL_WASI_EBUSY:
        why = "another write to this file is in progress";
        break;
    case VEIL_WASI_EPERM:
        why = "the path holds a hashed file that programs cannot change";
        break;
    default:
        why = veil_wasi_errno_name(err);
        break;
    }
    return veil_error_new(vfs_errno_code(err), "principal '%s': %s '%s': %s",
                          veil_vfs_view_principal(view), op, path, why);
}

/* Resolves a located target (locked).  The grant path is walked from the
 * root through directories only; the rest is resolved inside the grant.
 * For the grant path itself (empty rel), dir/name are its parent and last
 * component, so a grant may name a file that does not exist yet. */
static veil_wasi_errno host_resolve(veil_vfs *vfs, const host_target *t, bool follow,
                                    vfs_resolved *r) {
    vfs_node *cur = vfs->root;
    const char *p = t->grant_path;
    memset(r, 0, sizeof(*r));
    r->node = cur;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        bool last = *p == '\0';
        if (cur->type != VEIL_WASI_FILETYPE_DIRECTORY)
            return VEIL_WASI_ENOTDIR;
        vfs_entry *e = vfs_dir_find(cur, s, n, NULL);
        vfs_node *child = e != NULL ? e->node : NULL;
        if (child != NULL && child->type == VEIL_WASI_FILETYPE_SYMBOLIC_LINK)
            return VEIL_WASI_ENOTCAPABLE;
        if (last && t->rel[0] == '\0') {
            r->dir = cur;
            r->node = child;
            r->name_len = n;
            memcpy(r->name, s, n);
            r->name[n] = '\0';
            return VEIL_WASI_ESUCCESS;
        }
        if (child == NULL)
            return VEIL_WASI_ENOENT;
        cur = child;
    }
    if (t->rel[0] == '\0') {
        r->node = cur; /* the root */
        return VEIL_WASI_ESUCCESS;
    }
    if (cur->type != VEIL_WASI_FILETYPE_DIRECTORY)
        return VEIL_WASI_ENOTDIR;
    return vfs_resolve(cur, t->rel, strlen(t->rel), follow, r);
}

/* ---- streamed writes ---- */

struct veil_vfs_writer {
    veil_vfs *vfs;
    veil_vfs_view *view;
    char *path;
    veil_vfs_write_mode mode;
    vfs_node *dir; /* referenced */
    size_t name_len;
    char name[VEIL_VFS_NAME_MAX + 1];
    /* staged: the content goes into a detached file swapped in at commit
     * (truncating writes, and appends to a file that does not exist yet);
     * otherwise it goes past the visible end of `node`. */
    bool staged;
    vfs_node *node; /* referenced: the staged file or the file appended to */
    uint64_t base_size;
    uint64_t pending;
    bool failed;
    bool hashed;
    uint8_t expected[VEIL_SHA256_LEN];
    veil_sha256_ctx *sha;
};

static void writer_release(veil_vfs_writer *w) {
    /* Locked by the caller. */
    if (w->node != NULL) {
        if (!w->staged && w->node->u.file.appender == w)
            w->node->u.file.appender = NULL;
        vfs_node_unref(w->vfs, w->node);
    }
    if (w->dir != NULL)
        vfs_node_unref(w->vfs, w->dir);
}

static void writer_free(veil_vfs_writer *w) {
    veil_sha256_free(w->sha);
    free(w->path);
    free(w);
}

veil_error *veil_vfs_write_begin(veil_vfs_view *view, const char *path, veil_vfs_write_mode mode,
                                 uint64_t size_hint, veil_vfs_writer **out) {
    *out = NULL;
    const char *op = mode == VEIL_VFS_WRITE_APPEND ? "append" : "write";
    host_target t;
    VEIL_TRY(host_locate(view, op, path, &t));
    VEIL_TRY(need_rights(view, op, path, &t, VEIL_RIGHT_PATH_OPEN, VEIL_RIGHT_FD_WRITE));
    veil_vfs *vfs = vfs_view_fs(view);
    veil_vfs_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    w->vfs = vfs;
    w->view = view;
    w->mode = mode;
    veil_error *err = veil_strdup(path, &w->path);
    if (err == NULL)
        err = veil_sha256_new(&w->sha);
    if (err != NULL) {
        writer_free(w);
        return err;
    }

    vfs_lock(vfs);
    const vfs_hash *hash = vfs_hash_find(vfs, path);
    if (hash != NULL) {
        w->hashed = true;
        memcpy(w->expected, hash->sha256, VEIL_SHA256_LEN);
    }
    vfs_resolved r;
    veil_wasi_errno werr = host_resolve(vfs, &t, true, &r);
    if (werr == VEIL_WASI_ESUCCESS && (r.dir == NULL || r.trailing_slash))
        werr = VEIL_WASI_EISDIR;
    if (werr == VEIL_WASI_ESUCCESS && r.node != NULL &&
        r.node->type != VEIL_WASI_FILETYPE_REGULAR_FILE)
        werr = r.node->type == VEIL_WASI_FILETYPE_DIRECTORY ? VEIL_WASI_EISDIR : VEIL_WASI_ELOOP;
    if (werr != VEIL_WASI_ESUCCESS) {
        vfs_unlock(vfs);
        writer_free(w);
        return errno_error(view, op, path, werr);
    }
    uint64_t need = r.node == NULL                    ? VEIL_RIGHT_PATH_CREATE_FILE
                    : mode == VEIL_VFS_WRITE_TRUNCATE ? VEIL_RIGHT_PATH_FILESTAT_SET_SIZE
                                                      : 0;
    err = need_rights(view, op, path, &t, need, 0);
    if (err == NULL && r.node != NULL && r.node->u.file.appender != NULL)
        err = errno_error(view, op, path, VEIL_WASI_EBUSY);
    if (err == NULL && r.dir->u.dir.removed)
        err = errno_error(view, op, path, VEIL_WASI_ENOENT);
    if (err != NULL) {
        vfs_unlock(vfs);
        writer_free(w);
        return err;
    }
    w->dir = r.dir;
    vfs_node_ref(r.dir);
    w->name_len = r.name_len;
    memcpy(w->name, r.name, r.name_len + 1);

    w->staged = mode == VEIL_VFS_WRITE_TRUNCATE || r.node == NULL;
    if (w->staged) {
        werr = vfs_node_new(vfs, VEIL_WASI_FILETYPE_REGULAR_FILE, &w->node);
        if (werr == VEIL_WASI_ESUCCESS) {
            vfs_node_ref(w->node);
            if (size_hint > 0 && vfs_file_reserve(vfs, w->node, size_hint) != VEIL_WASI_ESUCCESS)
                werr = VEIL_WASI_ENOSPC;
        }
    } else {
        w->node = r.node;
        vfs_node_ref(w->node);
        w->node->u.file.appender = w;
        w->base_size = w->node->u.file.size;
        if (w->hashed && w->base_size > 0)
            veil_sha256_update(w->sha, w->node->u.file.data, (size_t)w->base_size);
        if (size_hint > 0 && size_hint <= UINT64_MAX - w->base_size &&
            vfs_file_reserve(vfs, w->node, w->base_size + size_hint) != VEIL_WASI_ESUCCESS)
            werr = VEIL_WASI_ENOSPC;
    }
    if (werr != VEIL_WASI_ESUCCESS) {
        writer_release(w);
        vfs_unlock(vfs);
        writer_free(w);
        return errno_error(view, op, path, werr);
    }
    vfs_unlock(vfs);
    *out = w;
    return NULL;
}

veil_error *veil_vfs_write_chunk(veil_vfs_writer *w, const void *data, size_t len) {
    VEIL_ENSURE(!w->failed, VEIL_EINVAL, "principal '%s': write '%s': an earlier chunk failed",
                veil_vfs_view_principal(w->view), w->path);
    if (len == 0)
        return NULL;
    vfs_lock(w->vfs);
    vfs_node *node = w->node;
    uint64_t at = w->staged ? node->u.file.size : w->base_size + w->pending;
    veil_wasi_errno err = VEIL_WASI_EFBIG;
    if (len <= UINT64_MAX - at)
        err = vfs_file_reserve(w->vfs, node, at + len);
    if (err == VEIL_WASI_ESUCCESS) {
        memcpy(node->u.file.data + at, data, len);
        if (w->staged)
            node->u.file.size = at + len;
        else
            w->pending += len;
    }
    vfs_unlock(w->vfs);
    if (err != VEIL_WASI_ESUCCESS) {
        w->failed = true;
        return errno_error(w->view, "write", w->path, err);
    }
    if (w->hashed)
        veil_sha256_update(w->sha, data, len);
    return NULL;
}

/* Undoes a writer's effects (locked): a staged file is dropped with the
 * writer; bytes past an appended file's end are forgotten. */
static void writer_undo(veil_vfs_writer *w) {
    w->pending = 0;
    writer_release(w);
}

void veil_vfs_write_abort(veil_vfs_writer *w) {
    if (w == NULL)
        return;
    vfs_lock(w->vfs);
    writer_undo(w);
    vfs_unlock(w->vfs);
    writer_free(w);
}

veil_error *veil_vfs_write_commit(veil_vfs_writer *w) {
    const char *op = w->mode == VEIL_VFS_WRITE_APPEND ? "append" : "write";
    veil_error *err = NULL;
    if (w->failed)
        err = veil_error_new(VEIL_EINVAL, "principal '%s': %s '%s': an earlier chunk failed",
                             veil_vfs_view_principal(w->view), op, w->path);
    if (err == NULL && w->hashed) {
        uint8_t got[VEIL_SHA256_LEN];
        veil_sha256_final(w->sha, got);
        if (!veil_ct_equal(got, w->expected, VEIL_SHA256_LEN)) {
            char got_hex[VEIL_SHA256_HEX_LEN + 1], want_hex[VEIL_SHA256_HEX_LEN + 1];
            veil_hex_encode(got, VEIL_SHA256_LEN, got_hex);
            veil_hex_encode(w->expected, VEIL_SHA256_LEN, want_hex);
            err = veil_error_new(VEIL_EHASH,
                                 "principal '%s': %s '%s': content has SHA-256 %s but the policy "
                                 "requires %s; the file was not written",
                                 veil_vfs_view_principal(w->view), op, w->path, got_hex, want_hex);
        }
    }
    vfs_lock(w->vfs);
    if (err != NULL) {
        writer_undo(w);
        vfs_unlock(w->vfs);
        writer_free(w);
        return err;
    }
    veil_vfs *vfs = w->vfs;
    if (!w->staged) {
        w->node->u.file.size = w->base_size + w->pending;
        w->node->sealed = w->hashed;
        vfs_touch(vfs, w->node, true, true);
        writer_release(w);
        vfs_unlock(vfs);
        writer_free(w);
        return NULL;
    }
    veil_wasi_errno werr = VEIL_WASI_ESUCCESS;
    vfs_entry *existing = vfs_dir_find(w->dir, w->name, w->name_len, NULL);
    if (existing != NULL) {
        if (existing->node->type == VEIL_WASI_FILETYPE_DIRECTORY)
            werr = VEIL_WASI_EISDIR;
        else if (existing->node->type == VEIL_WASI_FILETYPE_REGULAR_FILE &&
                 existing->node->u.file.appender != NULL)
            werr = VEIL_WASI_EBUSY;
        else
            vfs_dir_replace(vfs, w->dir, existing, w->node);
    } else {
        werr = vfs_dir_insert(vfs, w->dir, w->name, w->name_len, w->node);
    }
    if (werr == VEIL_WASI_ESUCCESS) {
        w->node->sealed = w->hashed;
        vfs_touch(vfs, w->node, true, true);
    }
    writer_release(w);
    vfs_unlock(vfs);
    if (werr != VEIL_WASI_ESUCCESS)
        err = errno_error(w->view, op, w->path, werr);
    writer_free(w);
    return err;
}

veil_error *veil_vfs_write(veil_vfs_view *view, const char *path, veil_vfs_write_mode mode,
                           const void *data, size_t len) {
    veil_vfs_writer *w;
    VEIL_TRY(veil_vfs_write_begin(view, path, mode, len, &w));
    veil_error *err = veil_vfs_write_chunk(w, data, len);
    if (err != NULL) {
        veil_vfs_write_abort(w);
        return err;
    }
    return veil_vfs_write_commit(w);
}

/* ---- reads ---- */

struct veil_vfs_reader {
    veil_vfs *vfs;
    vfs_node *node;
};

veil_error *veil_vfs_read_open(veil_vfs_view *view, const char *path, veil_vfs_reader **out,
                               uint64_t *size) {
    *out = NULL;
    host_target t;
    VEIL_TRY(host_locate(view, "read", path, &t));
    VEIL_TRY(need_rights(view, "read", path, &t, VEIL_RIGHT_PATH_OPEN, VEIL_RIGHT_FD_READ));
    veil_vfs_reader *reader = calloc(1, sizeof(*reader));
    if (reader == NULL)
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    veil_wasi_errno werr = host_resolve(vfs, &t, true, &r);
    if (werr == VEIL_WASI_ESUCCESS && r.node == NULL)
        werr = VEIL_WASI_ENOENT;
    if (werr == VEIL_WASI_ESUCCESS && r.node->type != VEIL_WASI_FILETYPE_REGULAR_FILE)
        werr = VEIL_WASI_EISDIR;
    if (werr != VEIL_WASI_ESUCCESS) {
        vfs_unlock(vfs);
        free(reader);
        return errno_error(view, "read", path, werr);
    }
    reader->vfs = vfs;
    reader->node = r.node;
    vfs_node_ref(r.node);
    if (size != NULL)
        *size = r.node->u.file.size;
    vfs_unlock(vfs);
    *out = reader;
    return NULL;
}

veil_error *veil_vfs_read_at(veil_vfs_reader *reader, uint64_t offset, void *buf, size_t cap,
                             size_t *got) {
    vfs_lock(reader->vfs);
    uint64_t size = reader->node->u.file.size;
    size_t n = 0;
    if (offset < size) {
        uint64_t avail = size - offset;
        n = cap < avail ? cap : (size_t)avail;
        memcpy(buf, reader->node->u.file.data + offset, n);
    }
    vfs_unlock(reader->vfs);
    *got = n;
    return NULL;
}

void veil_vfs_read_close(veil_vfs_reader *reader) {
    if (reader == NULL)
        return;
    vfs_lock(reader->vfs);
    vfs_node_unref(reader->vfs, reader->node);
    vfs_unlock(reader->vfs);
    free(reader);
}

veil_error *veil_vfs_read(veil_vfs_view *view, const char *path, size_t max_bytes, uint8_t **data,
                          size_t *len) {
    *data = NULL;
    *len = 0;
    veil_vfs_reader *reader;
    uint64_t size;
    VEIL_TRY(veil_vfs_read_open(view, path, &reader, &size));
    if (size > max_bytes) {
        veil_vfs_read_close(reader);
        return veil_error_new(VEIL_ELIMIT, "principal '%s': read '%s': %llu bytes is more than %zu",
                              veil_vfs_view_principal(view), path, (unsigned long long)size,
                              max_bytes);
    }
    uint8_t *buf = malloc((size_t)size + 1);
    if (buf == NULL) {
        veil_vfs_read_close(reader);
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory reading '%s'", path);
    }
    size_t got = 0;
    veil_error *err = veil_vfs_read_at(reader, 0, buf, (size_t)size, &got);
    veil_vfs_read_close(reader);
    if (err != NULL) {
        free(buf);
        return err;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return NULL;
}

veil_error *veil_vfs_stat(veil_vfs_view *view, const char *path, veil_vfs_filestat *out) {
    host_target t;
    VEIL_TRY(host_locate(view, "stat", path, &t));
    VEIL_TRY(need_rights(view, "stat", path, &t, VEIL_RIGHT_PATH_FILESTAT_GET, 0));
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    veil_wasi_errno werr = host_resolve(vfs, &t, true, &r);
    if (werr == VEIL_WASI_ESUCCESS && r.node == NULL)
        werr = VEIL_WASI_ENOENT;
    if (werr == VEIL_WASI_ESUCCESS)
        vfs_filestat(r.node, out);
    vfs_unlock(vfs);
    return werr == VEIL_WASI_ESUCCESS ? NULL : errno_error(view, "stat", path, werr);
}

void veil_vfs_list_free(veil_vfs_list_entry *entries, size_t count) {
    if (entries == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(entries[i].name);
    free(entries);
}

veil_error *veil_vfs_list(veil_vfs_view *view, const char *path, veil_vfs_list_entry **entries,
                          size_t *count) {
    *entries = NULL;
    *count = 0;
    host_target t;
    VEIL_TRY(host_locate(view, "list", path, &t));
    if (t.rel[0] == '\0')
        VEIL_TRY(need_rights(view, "list", path, &t, VEIL_RIGHT_FD_READDIR, 0));
    else
        VEIL_TRY(need_rights(view, "list", path, &t, VEIL_RIGHT_PATH_OPEN, VEIL_RIGHT_FD_READDIR));
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    veil_wasi_errno werr = host_resolve(vfs, &t, true, &r);
    if (werr == VEIL_WASI_ESUCCESS && r.node == NULL)
        werr = VEIL_WASI_ENOENT;
    if (werr == VEIL_WASI_ESUCCESS && r.node->type != VEIL_WASI_FILETYPE_DIRECTORY)
        werr = VEIL_WASI_ENOTDIR;
    veil_vfs_list_entry *list = NULL;
    size_t n = 0;
    if (werr == VEIL_WASI_ESUCCESS && r.node->u.dir.count > 0) {
        n = r.node->u.dir.count;
        list = calloc(n, sizeof(*list));
        if (list == NULL)
            werr = VEIL_WASI_ENOMEM;
        for (size_t i = 0; list != NULL && i < n; i++) {
            const vfs_entry *e = &r.node->u.dir.entries[i];
            list[i].name = strdup(e->name);
            if (list[i].name == NULL) {
                werr = VEIL_WASI_ENOMEM;
                break;
            }
            list[i].filetype = e->node->type;
            veil_vfs_filestat st;
            vfs_filestat(e->node, &st);
            list[i].size = st.size;
        }
    }
    vfs_unlock(vfs);
    if (werr != VEIL_WASI_ESUCCESS) {
        veil_vfs_list_free(list, n);
        return errno_error(view, "list", path, werr);
    }
    *entries = list;
    *count = n;
    return NULL;
}

veil_error *veil_vfs_check_execute(veil_vfs_view *view, const char *path) {
    host_target t;
    VEIL_TRY(host_locate(view, "execute", path, &t));
    VEIL_TRY(need_rights(view, "execute", path, &t, VEIL_RIGHT_PATH_OPEN, VEIL_RIGHT_EXECUTE));
    veil_vfs *vfs = vfs_view_fs(view);
    vfs_resolved r;
    vfs_lock(vfs);
    veil_wasi_errno werr = host_resolve(vfs, &t, true, &r);
    if (werr == VEIL_WASI_ESUCCESS && r.node == NULL)
        werr = VEIL_WASI_ENOENT;
    if (werr == VEIL_WASI_ESUCCESS && r.node->type != VEIL_WASI_FILETYPE_REGULAR_FILE)
        werr = VEIL_WASI_EISDIR;
    vfs_unlock(vfs);
    return werr == VEIL_WASI_ESUCCESS ? NULL : errno_error(view, "execute", path, werr);
}

/* ---- embedder operations ---- */

/* Resolves an absolute path from the root without rights (locked). */
static veil_wasi_errno root_resolve(veil_vfs *vfs, const char *path, bool follow, vfs_resolved *r) {
    if (strcmp(path, "/") == 0) {
        memset(r, 0, sizeof(*r));
        r->node = vfs->root;
        return VEIL_WASI_ESUCCESS;
    }
    return vfs_resolve(vfs->root, path + 1, strlen(path + 1), follow, r);
}

veil_error *veil_vfs_put_file(veil_vfs *vfs, const char *path, const void *data, size_t len) {
    VEIL_ENSURE(vfs_abs_path_valid(path) && strcmp(path, "/") != 0, VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute file path", path);
    vfs_lock(vfs);
    const vfs_hash *hash = vfs_hash_find(vfs, path);
    if (hash != NULL) {
        uint8_t got[VEIL_SHA256_LEN];
        veil_sha256(data, len, got);
        if (!veil_ct_equal(got, hash->sha256, VEIL_SHA256_LEN)) {
            char got_hex[VEIL_SHA256_HEX_LEN + 1], want_hex[VEIL_SHA256_HEX_LEN + 1];
            veil_hex_encode(got, VEIL_SHA256_LEN, got_hex);
            veil_hex_encode(hash->sha256, VEIL_SHA256_LEN, want_hex);
            vfs_unlock(vfs);
            return veil_error_new(VEIL_EHASH,
                                  "vfs: '%s' has SHA-256 %s but the policy requires %s; the file "
                                  "was not written",
                                  path, got_hex, want_hex);
        }
    }
    vfs_resolved r;
    veil_wasi_errno err = root_resolve(vfs, path, false, &r);
    vfs_node *node = NULL;
    if (err == VEIL_WASI_ESUCCESS && r.node != NULL && r.node->type == VEIL_WASI_FILETYPE_DIRECTORY)
        err = VEIL_WASI_EISDIR;
    if (err == VEIL_WASI_ESUCCESS && r.node != NULL &&
        r.node->type == VEIL_WASI_FILETYPE_REGULAR_FILE && r.node->u.file.appender != NULL)
        err = VEIL_WASI_EBUSY;
    if (err == VEIL_WASI_ESUCCESS)
        err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_REGULAR_FILE, &node);
    if (err == VEIL_WASI_ESUCCESS && len > 0) {
        err = vfs_file_reserve(vfs, node, len);
        if (err == VEIL_WASI_ESUCCESS) {
            memcpy(node->u.file.data, data, len);
            node->u.file.size = len;
        }
    }
    if (err == VEIL_WASI_ESUCCESS) {
        vfs_entry *existing = vfs_dir_find(r.dir, r.name, r.name_len, NULL);
        if (existing != NULL)
            vfs_dir_replace(vfs, r.dir, existing, node);
        else
            err = vfs_dir_insert(vfs, r.dir, r.name, r.name_len, node);
    }
    if (err == VEIL_WASI_ESUCCESS)
        node->sealed = hash != NULL;
    else if (node != NULL)
        vfs_node_maybe_free(vfs, node);
    vfs_unlock(vfs);
    if (err != VEIL_WASI_ESUCCESS)
        return veil_error_new(vfs_errno_code(err), "vfs: cannot write '%s': %s", path,
                              veil_wasi_errno_name(err));
    return NULL;
}

veil_error *veil_vfs_put_symlink(veil_vfs *vfs, const char *path, const char *target) {
    VEIL_ENSURE(vfs_abs_path_valid(path) && strcmp(path, "/") != 0, VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute path", path);
    size_t target_len = strlen(target);
    VEIL_ENSURE(target_len > 0 && target[0] != '/' &&
                    vfs_path_check(target, target_len) == VEIL_WASI_ESUCCESS,
                VEIL_EINVAL, "vfs: symbolic link '%s' -> '%s': the target must be relative", path,
                target);
    vfs_lock(vfs);
    vfs_resolved r;
    veil_wasi_errno err = root_resolve(vfs, path, false, &r);
    if (err == VEIL_WASI_ESUCCESS && r.node != NULL)
        err = VEIL_WASI_EEXIST;
    vfs_node *link = NULL;
    if (err == VEIL_WASI_ESUCCESS && !vfs_charge(vfs, target_len))
        err = VEIL_WASI_ENOSPC;
    else if (err == VEIL_WASI_ESUCCESS) {
        err = vfs_node_new(vfs, VEIL_WASI_FILETYPE_SYMBOLIC_LINK, &link);
        if (err == VEIL_WASI_ESUCCESS) {
            link->u.link.target = strdup(target);
            link->u.link.len = target_len;
            if (link->u.link.target == NULL) {
                link->u.link.len = 0;
                vfs_uncharge(vfs, target_len);
                err = VEIL_WASI_ENOMEM;
            } else {
                err = vfs_dir_insert(vfs, r.dir, r.name, r.name_len, link);
            }
            if (err != VEIL_WASI_ESUCCESS)
                vfs_node_maybe_free(vfs, link);
        } else {
            vfs_uncharge(vfs, target_len);
        }
    }
    vfs_unlock(vfs);
    if (err != VEIL_WASI_ESUCCESS)
        return veil_error_new(vfs_errno_code(err), "vfs: cannot create symbolic link '%s': %s",
                              path, veil_wasi_errno_name(err));
    return NULL;
}

veil_error *veil_vfs_get_file(veil_vfs *vfs, const char *path, size_t max_bytes, uint8_t **data,
                              size_t *len) {
    *data = NULL;
    *len = 0;
    VEIL_ENSURE(vfs_abs_path_valid(path), VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute path", path);
    vfs_lock(vfs);
    vfs_resolved r;
    veil_wasi_errno err = root_resolve(vfs, path, false, &r);
    if (err == VEIL_WASI_ESUCCESS && r.node == NULL)
        err = VEIL_WASI_ENOENT;
    if (err == VEIL_WASI_ESUCCESS && r.node->type != VEIL_WASI_FILETYPE_REGULAR_FILE)
        err = VEIL_WASI_EISDIR;
    if (err != VEIL_WASI_ESUCCESS) {
        vfs_unlock(vfs);
        return veil_error_new(vfs_errno_code(err), "vfs: cannot read '%s': %s", path,
                              veil_wasi_errno_name(err));
    }
    uint64_t size = r.node->u.file.size;
    if (size > max_bytes) {
        vfs_unlock(vfs);
        return veil_error_new(VEIL_ELIMIT, "vfs: '%s' has %llu bytes, more than %zu", path,
                              (unsigned long long)size, max_bytes);
    }
    uint8_t *buf = malloc((size_t)size + 1);
    if (buf == NULL) {
        vfs_unlock(vfs);
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory reading '%s'", path);
    }
    if (size > 0)
        memcpy(buf, r.node->u.file.data, (size_t)size);
    buf[size] = '\0';
    vfs_unlock(vfs);
    *data = buf;
    *len = (size_t)size;
    return NULL;
}

veil_error *veil_vfs_verify_hash(veil_vfs *vfs, const char *path) {
    uint8_t expected[VEIL_SHA256_LEN];
    vfs_lock(vfs);
    const vfs_hash *hash = vfs_hash_find(vfs, path);
    if (hash != NULL)
        memcpy(expected, hash->sha256, VEIL_SHA256_LEN);
    vfs_unlock(vfs);
    VEIL_ENSURE(hash != NULL, VEIL_ENOENT, "vfs: no hash is registered for '%s'", path);
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_vfs_get_file(vfs, path, SIZE_MAX - 1, &data, &len));
    uint8_t got[VEIL_SHA256_LEN];
    veil_sha256(data, len, got);
    free(data);
    VEIL_ENSURE(veil_ct_equal(got, expected, VEIL_SHA256_LEN), VEIL_EHASH,
                "vfs: '%s' does not have its required SHA-256", path);
    return NULL;
}

/* ---- walking the tree ---- */

typedef struct walk_state {
    veil_error *(*visit)(void *user, const veil_vfs_walk_entry *entry);
    void *user;
    char path[VEIL_VFS_PATH_MAX + 1];
} walk_state;

static veil_error *walk_node(walk_state *st, const vfs_node *node, size_t path_len) {
    veil_vfs_walk_entry entry = {
        .path = st->path, .filetype = node->type, .change_seq = node->change_seq};
    if (node->type == VEIL_WASI_FILETYPE_REGULAR_FILE) {
        entry.data = node->u.file.data;
        entry.size = node->u.file.size;
    } else if (node->type == VEIL_WASI_FILETYPE_SYMBOLIC_LINK) {
        entry.data = (const uint8_t *)node->u.link.target;
        entry.size = node->u.link.len;
    }
    VEIL_TRY(st->visit(st->user, &entry));
    if (node->type != VEIL_WASI_FILETYPE_DIRECTORY)
        return NULL;
    for (size_t i = 0; i < node->u.dir.count; i++) {
        const vfs_entry *e = &node->u.dir.entries[i];
        size_t base = path_len == 1 ? 0 : path_len; /* the root is "/" */
        if (base + 1 + e->name_len > VEIL_VFS_PATH_MAX)
            return veil_error_new(VEIL_ELIMIT, "vfs: path below '%s' is too long", st->path);
        st->path[base] = '/';
        memcpy(st->path + base + 1, e->name, e->name_len);
        st->path[base + 1 + e->name_len] = '\0';
        veil_error *err = walk_node(st, e->node, base + 1 + e->name_len);
        st->path[path_len] = '\0';
        if (err != NULL)
            return err;
    }
    return NULL;
}

veil_error *veil_vfs_walk(veil_vfs *vfs, const char *path,
                          veil_error *(*visit)(void *user, const veil_vfs_walk_entry *entry),
                          void *user) {
    VEIL_ENSURE(vfs_abs_path_valid(path), VEIL_EINVAL,
                "vfs: '%s' is not a normalized absolute path", path);
    walk_state *st = malloc(sizeof(*st));
    if (st == NULL)
        return veil_error_new(VEIL_ENOMEM, "vfs: out of memory");
    st->visit = visit;
    st->user = user;
    veil_strlcpy(st->path, path, sizeof(st->path));
    vfs_lock(vfs);
    vfs_resolved r;
    veil_wasi_errno werr = root_resolve(vfs, path, false, &r);
    veil_error *err = NULL;
    if (werr == VEIL_WASI_ESUCCESS && r.node == NULL)
        werr = VEIL_WASI_ENOENT;
    if (werr != VEIL_WASI_ESUCCESS)
        err = veil_error_new(vfs_errno_code(werr), "vfs: cannot walk '%s': %s", path,
                             veil_wasi_errno_name(werr));
    else
        err = walk_node(st, r.node, strlen(path));
    vfs_unlock(vfs);
    free(st);
    return err;
}

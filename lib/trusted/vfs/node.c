/*
 * Nodes of the in-memory tree: allocation against the memory budget,
 * reference counting, sorted directory entries, file contents, timestamps,
 * and the hashed-path checks.  Every function here expects the tree lock
 * to be held by its caller.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vfs_internal.h"

void vfs_lock(veil_vfs *vfs) {
    pthread_mutex_lock(&vfs->lock);
}

void vfs_unlock(veil_vfs *vfs) {
    pthread_mutex_unlock(&vfs->lock);
}

uint64_t vfs_now(const veil_vfs *vfs) {
    if (!vfs->clock_timestamps)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void vfs_touch(veil_vfs *vfs, vfs_node *node, bool content, bool metadata) {
    uint64_t now = vfs_now(vfs);
    node->change_seq = ++vfs->change_seq;
    if (content)
        node->mtim = now;
    if (content || metadata)
        node->ctim = now;
}

bool vfs_charge(veil_vfs *vfs, uint64_t bytes) {
    if (bytes > vfs->max_bytes - vfs->used_bytes)
        return false;
    vfs->used_bytes += bytes;
    return true;
}

void vfs_uncharge(veil_vfs *vfs, uint64_t bytes) {
    vfs->used_bytes -= bytes;
}

veil_wasi_errno vfs_node_new(veil_vfs *vfs, uint8_t type, vfs_node **out) {
    if (!vfs_charge(vfs, VEIL_VFS_NODE_CHARGE))
        return VEIL_WASI_ENOSPC;
    vfs_node *node = calloc(1, sizeof(*node));
    if (node == NULL) {
        vfs_uncharge(vfs, VEIL_VFS_NODE_CHARGE);
        return VEIL_WASI_ENOMEM;
    }
    node->type = type;
    node->ino = vfs->next_ino++;
    uint64_t now = vfs_now(vfs);
    node->atim = node->mtim = node->ctim = now;
    node->change_seq = ++vfs->change_seq;
    *out = node;
    return VEIL_WASI_ESUCCESS;
}

void vfs_node_ref(vfs_node *node) {
    node->opens++;
}

static void node_free(veil_vfs *vfs, vfs_node *node) {
    uint64_t charge = VEIL_VFS_NODE_CHARGE;
    switch (node->type) {
    case VEIL_WASI_FILETYPE_REGULAR_FILE:
        charge += node->u.file.cap;
        free(node->u.file.data);
        break;
    case VEIL_WASI_FILETYPE_SYMBOLIC_LINK:
        charge += node->u.link.len;
        free(node->u.link.target);
        break;
    case VEIL_WASI_FILETYPE_DIRECTORY:
        /* Only empty directories get here (removed ones are empty). */
        free(node->u.dir.entries);
        break;
    default:
        break;
    }
    vfs_uncharge(vfs, charge);
    free(node);
}

void vfs_node_maybe_free(veil_vfs *vfs, vfs_node *node) {
    if (node->nlink == 0 && node->opens == 0)
        node_free(vfs, node);
}

void vfs_node_unref(veil_vfs *vfs, vfs_node *node) {
    node->opens--;
    vfs_node_maybe_free(vfs, node);
}

void vfs_tree_free(veil_vfs *vfs, vfs_node *node) {
    if (node->type == VEIL_WASI_FILETYPE_DIRECTORY) {
        for (size_t i = 0; i < node->u.dir.count; i++) {
            vfs_entry *e = &node->u.dir.entries[i];
            vfs_uncharge(vfs, VEIL_VFS_NODE_CHARGE + e->name_len);
            free(e->name);
            if (--e->node->nlink == 0)
                vfs_tree_free(vfs, e->node);
        }
        node->u.dir.count = 0;
    }
    node_free(vfs, node);
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

vfs_entry *vfs_dir_find(vfs_node *dir, const char *name, size_t len, size_t *pos) {
    size_t lo = 0, hi = dir->u.dir.count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        vfs_entry *e = &dir->u.dir.entries[mid];
        int c = name_cmp(e->name, e->name_len, name, len);
        if (c == 0) {
            if (pos != NULL)
                *pos = mid;
            return e;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos != NULL)
        *pos = lo;
    return NULL;
}

veil_wasi_errno vfs_dir_insert(veil_vfs *vfs, vfs_node *dir, const char *name, size_t len,
                               vfs_node *child) {
    size_t pos;
    if (vfs_dir_find(dir, name, len, &pos) != NULL)
        return VEIL_WASI_EEXIST;
    if (dir->u.dir.removed)
        return VEIL_WASI_ENOENT;
    if (!vfs_charge(vfs, VEIL_VFS_NODE_CHARGE + len))
        return VEIL_WASI_ENOSPC;
    if (dir->u.dir.count == dir->u.dir.cap) {
        size_t cap = dir->u.dir.cap == 0 ? 8 : dir->u.dir.cap * 2;
        vfs_entry *entries = realloc(dir->u.dir.entries, cap * sizeof(*entries));
        if (entries == NULL) {
            vfs_uncharge(vfs, VEIL_VFS_NODE_CHARGE + len);
            return VEIL_WASI_ENOMEM;
        }
        dir->u.dir.entries = entries;
        dir->u.dir.cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        vfs_uncharge(vfs, VEIL_VFS_NODE_CHARGE + len);
        return VEIL_WASI_ENOMEM;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    vfs_entry *entries = dir->u.dir.entries;
    memmove(&entries[pos + 1], &entries[pos], (dir->u.dir.count - pos) * sizeof(*entries));
    entries[pos] = (vfs_entry){.name = copy, .name_len = len, .node = child};
    dir->u.dir.count++;
    child->nlink++;
    if (child->type == VEIL_WASI_FILETYPE_DIRECTORY)
        child->u.dir.parent = dir;
    vfs_touch(vfs, child, false, true);
    vfs_touch(vfs, dir, true, true);
    return VEIL_WASI_ESUCCESS;
}

static void unlink_node(veil_vfs *vfs, vfs_node *child) {
    child->nlink--;
    if (child->type == VEIL_WASI_FILETYPE_DIRECTORY && child->nlink == 0) {
        child->u.dir.parent = NULL;
        child->u.dir.removed = true;
    }
    if (child->nlink > 0)
        vfs_touch(vfs, child, false, true);
    vfs_node_maybe_free(vfs, child);
}

void vfs_dir_remove_at(veil_vfs *vfs, vfs_node *dir, size_t pos) {
    vfs_entry *entries = dir->u.dir.entries;
    vfs_node *child = entries[pos].node;
    vfs_uncharge(vfs, VEIL_VFS_NODE_CHARGE + entries[pos].name_len);
    free(entries[pos].name);
    memmove(&entries[pos], &entries[pos + 1], (dir->u.dir.count - pos - 1) * sizeof(*entries));
    dir->u.dir.count--;
    vfs_touch(vfs, dir, true, true);
    unlink_node(vfs, child);
}

void vfs_dir_replace(veil_vfs *vfs, vfs_node *dir, vfs_entry *entry, vfs_node *child) {
    vfs_node *old = entry->node;
    entry->node = child;
    child->nlink++;
    if (child->type == VEIL_WASI_FILETYPE_DIRECTORY)
        child->u.dir.parent = dir;
    vfs_touch(vfs, child, false, true);
    vfs_touch(vfs, dir, true, true);
    unlink_node(vfs, old);
}

veil_wasi_errno vfs_file_reserve(veil_vfs *vfs, vfs_node *file, uint64_t cap) {
    uint64_t old = file->u.file.cap;
    if (cap <= old)
        return VEIL_WASI_ESUCCESS;
    if (cap > SIZE_MAX)
        return VEIL_WASI_EFBIG;
    /* Grow geometrically when the budget allows it, else exactly. */
    uint64_t want = old + old / 2;
    if (want < cap)
        want = cap;
    if (want < 64)
        want = 64;
    if (!vfs_charge(vfs, want - old)) {
        want = cap;
        if (!vfs_charge(vfs, want - old))
            return VEIL_WASI_ENOSPC;
    }
    uint8_t *data = realloc(file->u.file.data, (size_t)want);
    if (data == NULL) {
        vfs_uncharge(vfs, want - old);
        return VEIL_WASI_ENOMEM;
    }
    file->u.file.data = data;
    file->u.file.cap = want;
    return VEIL_WASI_ESUCCESS;
}

veil_wasi_errno vfs_file_set_size(veil_vfs *vfs, vfs_node *file, uint64_t size) {
    uint64_t old = file->u.file.size;
    if (size > old) {
        veil_wasi_errno err = vfs_file_reserve(vfs, file, size);
        if (err != VEIL_WASI_ESUCCESS)
            return err;
        memset(file->u.file.data + old, 0, (size_t)(size - old));
    } else if (size == 0 && file->u.file.cap > 0) {
        vfs_uncharge(vfs, file->u.file.cap);
        free(file->u.file.data);
        file->u.file.data = NULL;
        file->u.file.cap = 0;
    } else if (size < file->u.file.cap / 4) {
        uint8_t *data = realloc(file->u.file.data, (size_t)size);
        if (data != NULL) {
            vfs_uncharge(vfs, file->u.file.cap - size);
            file->u.file.data = data;
            file->u.file.cap = size;
        }
    }
    file->u.file.size = size;
    return VEIL_WASI_ESUCCESS;
}

void vfs_filestat(const vfs_node *node, veil_vfs_filestat *out) {
    memset(out, 0, sizeof(*out));
    out->dev = VEIL_VFS_DEV;
    out->ino = node->ino;
    out->filetype = node->type;
    out->nlink = node->nlink;
    if (node->type == VEIL_WASI_FILETYPE_REGULAR_FILE)
        out->size = node->u.file.size;
    else if (node->type == VEIL_WASI_FILETYPE_SYMBOLIC_LINK)
        out->size = node->u.link.len;
    else
        out->size = node->u.dir.count;
    out->atim = node->atim;
    out->mtim = node->mtim;
    out->ctim = node->ctim;
}

/* Finds the name under which `child` is linked in `dir`. */
static const vfs_entry *entry_of(const vfs_node *dir, const vfs_node *child) {
    for (size_t i = 0; i < dir->u.dir.count; i++)
        if (dir->u.dir.entries[i].node == child)
            return &dir->u.dir.entries[i];
    return NULL;
}

bool vfs_entry_path(const veil_vfs *vfs, const vfs_node *dir, const char *name, size_t name_len,
                    char *buf, size_t cap) {
    /* Build right to left: name, then each ancestor's name. */
    size_t pos = cap;
    if (pos < 1)
        return false;
    buf[--pos] = '\0';
    if (dir == NULL) {
        if (pos < 1)
            return false;
        buf[--pos] = '/';
        memmove(buf, buf + pos, cap - pos);
        return true;
    }
    if (name_len + 1 > pos)
        return false;
    pos -= name_len;
    memcpy(buf + pos, name, name_len);
    buf[--pos] = '/';
    const vfs_node *cur = dir;
    while (cur != vfs->root) {
        const vfs_node *parent = cur->u.dir.parent;
        if (parent == NULL)
            return false;
        const vfs_entry *e = entry_of(parent, cur);
        if (e == NULL || e->name_len + 1 > pos)
            return false;
        pos -= e->name_len;
        memcpy(buf + pos, e->name, e->name_len);
        buf[--pos] = '/';
        cur = parent;
    }
    memmove(buf, buf + pos, cap - pos);
    return true;
}

const vfs_hash *vfs_hash_find(const veil_vfs *vfs, const char *path) {
    for (size_t i = 0; i < vfs->hash_count; i++)
        if (strcmp(vfs->hashes[i].path, path) == 0)
            return &vfs->hashes[i];
    return NULL;
}

bool vfs_entry_locked(const veil_vfs *vfs, const vfs_node *dir, const char *name, size_t name_len) {
    if (vfs->hash_count == 0)
        return false;
    char path[VEIL_VFS_PATH_MAX + 1];
    if (!vfs_entry_path(vfs, dir, name, name_len, path, sizeof(path)))
        return false;
    size_t len = strlen(path);
    for (size_t i = 0; i < vfs->hash_count; i++) {
        const char *h = vfs->hashes[i].path;
        if (strncmp(h, path, len) == 0 && (h[len] == '\0' || h[len] == '/' || len == 1))
            return true;
    }
    return false;
}

veil_wasi_errno vfs_set_times(veil_vfs *vfs, vfs_node *node, uint64_t atim, uint64_t mtim,
                              uint16_t fstflags) {
    if ((fstflags & ~VEIL_WASI_FSTFLAGS_ALL) != 0 ||
        ((fstflags & VEIL_WASI_FSTFLAGS_ATIM) && (fstflags & VEIL_WASI_FSTFLAGS_ATIM_NOW)) ||
        ((fstflags & VEIL_WASI_FSTFLAGS_MTIM) && (fstflags & VEIL_WASI_FSTFLAGS_MTIM_NOW)))
        return VEIL_WASI_EINVAL;
    uint64_t now = vfs_now(vfs);
    if (fstflags & VEIL_WASI_FSTFLAGS_ATIM)
        node->atim = atim;
    else if (fstflags & VEIL_WASI_FSTFLAGS_ATIM_NOW)
        node->atim = now;
    if (fstflags & VEIL_WASI_FSTFLAGS_MTIM)
        node->mtim = mtim;
    else if (fstflags & VEIL_WASI_FSTFLAGS_MTIM_NOW)
        node->mtim = now;
    node->ctim = now;
    node->change_seq = ++vfs->change_seq;
    return VEIL_WASI_ESUCCESS;
}

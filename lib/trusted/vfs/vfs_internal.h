/*
 * Internals of the in-memory file system, shared by its source files.
 *
 * Invariants (all guarded by veil_vfs.lock):
 *  - a node is freed exactly when no directory entry names it (nlink == 0)
 *    and nothing holds it open (opens == 0: descriptors, grants, readers,
 *    writers);
 *  - a directory has at most one entry naming it; `parent` is the directory
 *    holding that entry (NULL for the root and for removed directories);
 *    a removed directory is empty and accepts no new entries;
 *  - directory entries are kept sorted by name (bytewise), so listings and
 *    readdir cookies are deterministic;
 *  - used_bytes is the sum of all charges: VEIL_VFS_NODE_CHARGE per node,
 *    VEIL_VFS_NODE_CHARGE + name length per entry, the allocated capacity of
 *    each file and the length of each link target; it never exceeds
 *    max_bytes.
 */
#ifndef VEIL_VFS_INTERNAL_H
#define VEIL_VFS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/vfs.h"

typedef struct vfs_node vfs_node;

typedef struct vfs_entry {
    char *name;
    size_t name_len;
    vfs_node *node;
} vfs_entry;

struct vfs_node {
    uint8_t type; /* VEIL_WASI_FILETYPE_DIRECTORY, _REGULAR_FILE or _SYMBOLIC_LINK */
    bool sealed;  /* content committed at a hashed path: programs cannot modify it */
    uint32_t opens;
    uint64_t nlink;
    uint64_t ino;
    uint64_t atim, mtim, ctim;
    uint64_t change_seq;
    union {
        struct {
            uint8_t *data;
            uint64_t size;
            uint64_t cap;
            veil_vfs_writer *appender; /* host append in progress: others get EBUSY */
        } file;
        struct {
            vfs_entry *entries;
            size_t count;
            size_t cap;
            vfs_node *parent;
            bool removed;
        } dir;
        struct {
            char *target;
            size_t len;
        } link;
    } u;
};

typedef struct vfs_hash {
    char *path;
    uint8_t sha256[VEIL_SHA256_LEN];
} vfs_hash;

struct veil_vfs {
    pthread_mutex_t lock;
    vfs_node *root;
    uint64_t max_bytes;
    uint64_t used_bytes;
    uint64_t next_ino;
    uint64_t change_seq;
    bool clock_timestamps;
    vfs_hash *hashes;
    size_t hash_count;
};

/* What a path resolved to.  `dir` and `name` name the final entry; when
 * the path ends in "." or ".." (or is only slashes after them) dir is NULL,
 * name_len 0 and node is the directory reached.  node is NULL when the
 * final entry does not exist (dir is then where it would be created). */
typedef struct vfs_resolved {
    vfs_node *dir;
    vfs_node *node;
    bool trailing_slash;
    size_t name_len;
    char name[VEIL_VFS_NAME_MAX + 1];
} vfs_resolved;

/* ---- node.c ---- */
void vfs_lock(veil_vfs *vfs);
void vfs_unlock(veil_vfs *vfs);
uint64_t vfs_now(const veil_vfs *vfs);
/* Marks a change: bumps the counter and stamps the node. */
void vfs_touch(veil_vfs *vfs, vfs_node *node, bool content, bool metadata);
bool vfs_charge(veil_vfs *vfs, uint64_t bytes);
void vfs_uncharge(veil_vfs *vfs, uint64_t bytes);
veil_wasi_errno vfs_node_new(veil_vfs *vfs, uint8_t type, vfs_node **out);
void vfs_node_ref(vfs_node *node);
void vfs_node_unref(veil_vfs *vfs, vfs_node *node);
void vfs_node_maybe_free(veil_vfs *vfs, vfs_node *node);
void vfs_tree_free(veil_vfs *vfs, vfs_node *node);
vfs_entry *vfs_dir_find(vfs_node *dir, const char *name, size_t len, size_t *pos);
veil_wasi_errno vfs_dir_insert(veil_vfs *vfs, vfs_node *dir, const char *name, size_t len,
                               vfs_node *child);
/* Removes the entry at pos (the child may be freed). */
void vfs_dir_remove_at(veil_vfs *vfs, vfs_node *dir, size_t pos);
/* Makes an existing entry name another node (the old one may be freed). */
void vfs_dir_replace(veil_vfs *vfs, vfs_node *dir, vfs_entry *entry, vfs_node *child);
veil_wasi_errno vfs_file_reserve(veil_vfs *vfs, vfs_node *file, uint64_t cap);
veil_wasi_errno vfs_file_set_size(veil_vfs *vfs, vfs_node *file, uint64_t size);
void vfs_filestat(const vfs_node *node, veil_vfs_filestat *out);
/* Absolute path of an entry (dir may be NULL for the root itself); false
 * when the directory is not attached to the root. */
bool vfs_entry_path(const veil_vfs *vfs, const vfs_node *dir, const char *name, size_t name_len,
                    char *buf, size_t cap);
const vfs_hash *vfs_hash_find(const veil_vfs *vfs, const char *path);
/* True when an entry is at a hashed path or on the way to one. */
bool vfs_entry_locked(const veil_vfs *vfs, const vfs_node *dir, const char *name, size_t name_len);
veil_wasi_errno vfs_set_times(veil_vfs *vfs, vfs_node *node, uint64_t atim, uint64_t mtim,
                              uint16_t fstflags);

/* ---- resolve.c ---- */
/* Checks a program-supplied path: length, NUL bytes, UTF-8. */
veil_wasi_errno vfs_path_check(const char *path, size_t len);
veil_wasi_errno vfs_resolve(vfs_node *start, const char *path, size_t len, bool follow_final,
                            vfs_resolved *out);
/* Splits a normalized absolute path; false when it is not one ("/a/b",
 * no empty, "." or ".." components, no trailing slash; "/" alone is
 * allowed). */
bool vfs_abs_path_valid(const char *path);

/* ---- vfs.c: views ---- */
veil_vfs *vfs_view_fs(veil_vfs_view *view);
size_t vfs_view_grant_count(const veil_vfs_view *view);
void vfs_view_grant(const veil_vfs_view *view, size_t i, const char **path, uint64_t *base,
                    uint64_t *inheriting);
/* Looks up a directory descriptor that has every right in `need`. */
veil_wasi_errno vfs_view_dirfd(veil_vfs_view *view, uint32_t fd, uint64_t need, vfs_node **dir,
                               uint64_t *inheriting);
/* Adds a descriptor for node (taking a reference) at the lowest free slot. */
veil_wasi_errno vfs_view_add_node_fd(veil_vfs_view *view, vfs_node *node, uint64_t base,
                                     uint64_t inheriting, uint16_t flags, uint32_t *out);

/* ---- errno mapping (host.c) ---- */
veil_code vfs_errno_code(veil_wasi_errno err);

#endif

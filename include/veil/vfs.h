/*
 * The runtime's in-memory file system, seen by each principal through its
 * own rights.
 *
 * One `veil_vfs` per runtime instance holds a tree of directories, regular
 * files and symbolic links shared by every principal.  Its total size (file
 * contents plus a fixed charge per node, name and link) is bounded by a
 * memory budget: an operation that would exceed it fails with ENOSPC /
 * VEIL_ELIMIT and changes nothing.
 *
 * A principal (a client identity or a program) sees the tree through a
 * `veil_vfs_view` built from its grants: each grant path becomes a
 * pre-opened directory (fds 3, 4, ... in sorted path order, so every run
 * sees the same numbering) with the grant's base and inheriting WASI rights,
 * and the special grants "stdin", "stdout", "stderr" give the rights of fds
 * 0-2.  A view has two faces:
 *
 *  - descriptor operations (veil_vfs_fd_* / veil_vfs_path_*) with WASI
 *    preview 1 semantics, used by the WASI host functions: they return a
 *    WASI errno (the value the program sees; rights are checked first and
 *    a missing right is ENOTCAPABLE);
 *  - host operations (write, append, read, stat, list on absolute paths),
 *    used by the runtime service for its clients: they return veil_error
 *    values naming the principal, path and missing right.
 *
 * Path resolution (both faces) never leaves the directory it starts from:
 * resolution keeps its own stack of the directories it walked through and
 * never follows a parent pointer, so
 *  - absolute paths are refused (ENOTCAPABLE);
 *  - ".." that would climb above the starting directory is ENOTCAPABLE;
 *  - repeated slashes and "." components are skipped; a trailing slash
 *    requires the final entry to be a directory (ENOTDIR otherwise);
 *  - the empty path is ENOENT; a NUL byte in a path is EINVAL; a path that
 *    is not UTF-8 is EILSEQ;
 *  - a component longer than VEIL_VFS_NAME_MAX bytes, or a path longer than
 *    VEIL_VFS_PATH_MAX bytes, is ENAMETOOLONG;
 *  - symbolic links are supported and resolved inside the same starting
 *    directory: their targets must be relative (creating an absolute one is
 *    ENOTCAPABLE), a target that climbs out is ENOTCAPABLE when followed,
 *    and more than VEIL_VFS_SYMLINK_MAX expansions in one resolution is
 *    ELOOP.
 *
 * File hashes: paths registered with veil_vfs_set_file_hash() can be
 * written only by host writes whose complete content has that SHA-256
 * (checked at commit; a mismatch leaves no file behind and the previous
 * content, if any, untouched).  A committed hashed file is immutable to
 * programs, and programs cannot create, remove, rename or replace an entry
 * at a hashed path or at a directory on the way to one (EPERM), so the
 * content at a hashed path is always the verified one.
 *
 * Concurrency: the tree is protected by one mutex; any function may be
 * called from any thread, except that one view's descriptor operations must
 * not run concurrently with each other (a view's descriptor table belongs
 * to the one program using it).  Host operations on a view are thread-safe.
 */
#ifndef VEIL_VFS_H
#define VEIL_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"
#include "veil/hash.h"
#include "veil/wasi_abi.h"
#include "veil/wasi_rights.h"

/* Longest name of one directory entry, in bytes. */
#define VEIL_VFS_NAME_MAX 255
/* Longest path accepted by any operation, in bytes. */
#define VEIL_VFS_PATH_MAX 4096
/* Most symbolic links expanded while resolving one path. */
#define VEIL_VFS_SYMLINK_MAX 40
/* Most open descriptors of one view. */
#define VEIL_VFS_MAX_FDS 4096
/* Fixed budget charge for every node and for every directory entry. */
#define VEIL_VFS_NODE_CHARGE 128
/* Budget used when the configuration says 0. */
#define VEIL_VFS_DEFAULT_MAX_BYTES (UINT64_C(1) << 30)
/* Device number reported for every node. */
#define VEIL_VFS_DEV 1

/* Rights a directory descriptor can use (and the file rights masked off
 * directory descriptors), and the same for regular files and for stdio. */
#define VEIL_VFS_DIR_RIGHTS UINT64_C(0x0FBFFE98)
#define VEIL_VFS_FILE_RIGHTS UINT64_C(0x08E001FF)
#define VEIL_VFS_STDIO_RIGHTS UINT64_C(0x0820004A)

typedef struct veil_vfs veil_vfs;
typedef struct veil_vfs_view veil_vfs_view;

typedef struct veil_vfs_config {
    uint64_t max_bytes;    /* memory budget; 0 = VEIL_VFS_DEFAULT_MAX_BYTES */
    bool clock_timestamps; /* stamp nodes with CLOCK_REALTIME; false: every time is 0,
                              so a program without a clock cannot read one from files */
} veil_vfs_config;

VEIL_NODISCARD veil_error *veil_vfs_new(const veil_vfs_config *config, veil_vfs **out);
/* Frees the tree.  Every view, reader and writer must be gone. */
void veil_vfs_free(veil_vfs *vfs);
uint64_t veil_vfs_used_bytes(veil_vfs *vfs);
uint64_t veil_vfs_max_bytes(const veil_vfs *vfs);

/* Registers the SHA-256 a file at an absolute path must have (see above). */
VEIL_NODISCARD veil_error *veil_vfs_set_file_hash(veil_vfs *vfs, const char *path,
                                                  const uint8_t sha256[VEIL_SHA256_LEN]);

/* ---- embedder operations (no principal, no rights: loading and saving) ---- */

/* Creates a directory and its missing parents (absolute path). */
VEIL_NODISCARD veil_error *veil_vfs_mkdir_p(veil_vfs *vfs, const char *path);
/* Creates or replaces a regular file (parents must exist); hashed paths are
 * checked like host writes. */
VEIL_NODISCARD veil_error *veil_vfs_put_file(veil_vfs *vfs, const char *path, const void *data,
                                             size_t len);
/* Creates a symbolic link (relative target). */
VEIL_NODISCARD veil_error *veil_vfs_put_symlink(veil_vfs *vfs, const char *path,
                                                const char *target);
/* Reads a whole regular file (not following a final symlink). */
VEIL_NODISCARD veil_error *veil_vfs_get_file(veil_vfs *vfs, const char *path, size_t max_bytes,
                                             uint8_t **data, size_t *len);
/* Checks that the file at a hashed path has its registered hash now. */
VEIL_NODISCARD veil_error *veil_vfs_verify_hash(veil_vfs *vfs, const char *path);

/* A counter that grows with every change; nodes remember the value of their
 * last change, so an embedder can find what changed after a point. */
uint64_t veil_vfs_change_seq(veil_vfs *vfs);

typedef struct veil_vfs_walk_entry {
    const char *path; /* absolute */
    uint8_t filetype; /* VEIL_WASI_FILETYPE_* */
    const uint8_t *data;
    uint64_t size; /* regular files: content; symlinks: target */
    uint64_t change_seq;
} veil_vfs_walk_entry;
/* Visits every node below (and including) an absolute directory path in
 * sorted order, parents before children.  The callback runs with the tree
 * locked and must not call back into the file system; an error stops the
 * walk and is returned. */
VEIL_NODISCARD veil_error *
veil_vfs_walk(veil_vfs *vfs, const char *path,
              veil_error *(*visit)(void *user, const veil_vfs_walk_entry *entry), void *user);

/* Copies a host directory tree into the file system at an absolute path
 * (created with its parents): directories, regular files and relative
 * symbolic links; other entries (absolute links, devices, sockets) are
 * skipped with a warning.  Hashed paths are checked as for put_file.  For
 * embedders outside the runtime (`veil run`, test runners). */
VEIL_NODISCARD veil_error *veil_vfs_load_host_dir(veil_vfs *vfs, const char *host_dir,
                                                  const char *guest_path);
/* Writes what changed under guest_path after change counter `since` back to
 * host_dir: creates directories, replaces files (atomically) and links;
 * deletes nothing.  *written counts files and links written. */
VEIL_NODISCARD veil_error *veil_vfs_save_host_dir(veil_vfs *vfs, const char *guest_path,
                                                  const char *host_dir, uint64_t since,
                                                  size_t *written);

/* ---- views ---- */

typedef struct veil_vfs_grant {
    const char *path; /* absolute path of a directory or file, or "stdin" / "stdout" / "stderr" */
    uint64_t base_rights;
    uint64_t inheriting_rights;
} veil_vfs_grant;

/* Where a view's stdio goes.  Unset callbacks: reads see end of file,
 * writes are accepted and dropped. */
typedef struct veil_vfs_stdio {
    /* stream 1 or 2; returns a WASI errno */
    veil_wasi_errno (*write)(void *user, int stream, const uint8_t *data, size_t len);
    veil_wasi_errno (*read)(void *user, uint8_t *buf, size_t len, size_t *nread);
    void *user;
} veil_vfs_stdio;

/* Builds a program's view: every grant naming a directory is pre-opened
 * (fds 3.. in sorted path order), and grant paths that do not exist yet are
 * created as directories (as Veracruz does: programs are granted
 * directories).  A grant naming an existing file is not pre-opened; it
 * still gives rights on that file to host operations.  A duplicate grant or
 * a relative path is an error.  `principal` names the view in messages;
 * stdio may be NULL. */
VEIL_NODISCARD veil_error *veil_vfs_view_new(veil_vfs *vfs, const char *principal,
                                             const veil_vfs_grant *grants, size_t grant_count,
                                             const veil_vfs_stdio *stdio, veil_vfs_view **out);
/* Builds a client's view, for host operations only: nothing is pre-opened
 * or created; a grant may name a directory or a file that does not exist
 * yet.  Its descriptor table holds only stdio without rights. */
VEIL_NODISCARD veil_error *veil_vfs_client_view_new(veil_vfs *vfs, const char *principal,
                                                    const veil_vfs_grant *grants,
                                                    size_t grant_count, veil_vfs_view **out);
void veil_vfs_view_free(veil_vfs_view *view);
const char *veil_vfs_view_principal(const veil_vfs_view *view);

/* Normalizes an absolute path as the file system names it: "/a//b/" -> "/a/b",
 * "/" stays "/".  Returns a malloc'd copy, or NULL when the path is not
 * absolute, has "." or ".." components, breaks the name-length limits, or
 * memory runs out. */
char *veil_vfs_normalize_path(const char *path);

/* ---- descriptor operations (WASI preview 1 semantics) ---- */

typedef struct veil_vfs_iovec {
    uint8_t *buf;
    size_t len;
} veil_vfs_iovec;

typedef struct veil_vfs_ciovec {
    const uint8_t *buf;
    size_t len;
} veil_vfs_ciovec;

typedef struct veil_vfs_fdstat {
    uint8_t filetype;
    uint16_t flags;
    uint64_t rights_base;
    uint64_t rights_inheriting;
} veil_vfs_fdstat;

typedef struct veil_vfs_filestat {
    uint64_t dev;
    uint64_t ino;
    uint8_t filetype;
    uint64_t nlink;
    uint64_t size;
    uint64_t atim; /* nanoseconds since the epoch */
    uint64_t mtim;
    uint64_t ctim;
} veil_vfs_filestat;

typedef struct veil_vfs_dirent {
    uint64_t next; /* cookie of the entry after this one */
    uint64_t ino;
    uint8_t filetype;
    size_t name_len;
    char name[VEIL_VFS_NAME_MAX + 1];
} veil_vfs_dirent;

veil_wasi_errno veil_vfs_fd_prestat(veil_vfs_view *view, uint32_t fd, const char **name,
                                    size_t *name_len);
veil_wasi_errno veil_vfs_fd_close(veil_vfs_view *view, uint32_t fd);
veil_wasi_errno veil_vfs_fd_renumber(veil_vfs_view *view, uint32_t from, uint32_t to);
veil_wasi_errno veil_vfs_fd_fdstat(veil_vfs_view *view, uint32_t fd, veil_vfs_fdstat *out);
veil_wasi_errno veil_vfs_fd_set_flags(veil_vfs_view *view, uint32_t fd, uint16_t flags);
/* Rights can only shrink: asking for a right the descriptor lacks is
 * ENOTCAPABLE. */
veil_wasi_errno veil_vfs_fd_set_rights(veil_vfs_view *view, uint32_t fd, uint64_t base,
                                       uint64_t inheriting);
veil_wasi_errno veil_vfs_fd_filestat(veil_vfs_view *view, uint32_t fd, veil_vfs_filestat *out);
veil_wasi_errno veil_vfs_fd_set_size(veil_vfs_view *view, uint32_t fd, uint64_t size);
veil_wasi_errno veil_vfs_fd_set_times(veil_vfs_view *view, uint32_t fd, uint64_t atim,
                                      uint64_t mtim, uint16_t fstflags);
veil_wasi_errno veil_vfs_fd_read(veil_vfs_view *view, uint32_t fd, const veil_vfs_iovec *iov,
                                 size_t iov_count, size_t *nread);
veil_wasi_errno veil_vfs_fd_pread(veil_vfs_view *view, uint32_t fd, const veil_vfs_iovec *iov,
                                  size_t iov_count, uint64_t offset, size_t *nread);
/* Writes are all or nothing: when the budget cannot hold the whole write,
 * ENOSPC and the file is unchanged. */
veil_wasi_errno veil_vfs_fd_write(veil_vfs_view *view, uint32_t fd, const veil_vfs_ciovec *iov,
                                  size_t iov_count, size_t *nwritten);
veil_wasi_errno veil_vfs_fd_pwrite(veil_vfs_view *view, uint32_t fd, const veil_vfs_ciovec *iov,
                                   size_t iov_count, uint64_t offset, size_t *nwritten);
veil_wasi_errno veil_vfs_fd_seek(veil_vfs_view *view, uint32_t fd, int64_t delta, uint8_t whence,
                                 uint64_t *new_offset);
veil_wasi_errno veil_vfs_fd_tell(veil_vfs_view *view, uint32_t fd, uint64_t *offset);
veil_wasi_errno veil_vfs_fd_advise(veil_vfs_view *view, uint32_t fd, uint64_t offset, uint64_t len,
                                   uint8_t advice);
veil_wasi_errno veil_vfs_fd_allocate(veil_vfs_view *view, uint32_t fd, uint64_t offset,
                                     uint64_t len);
veil_wasi_errno veil_vfs_fd_sync(veil_vfs_view *view, uint32_t fd, bool data_only);
/* One directory entry at `cookie` (0 is ".", 1 is "..", then the entries in
 * name order); *end is set when there is none. */
veil_wasi_errno veil_vfs_fd_readdir(veil_vfs_view *view, uint32_t fd, uint64_t cookie,
                                    veil_vfs_dirent *out, bool *end);
/* Readiness for poll_oneoff: files and stdio are always ready; *nbytes is
 * what a read could return now (0 for writes and streams). */
veil_wasi_errno veil_vfs_fd_poll(veil_vfs_view *view, uint32_t fd, bool for_write,
                                 uint64_t *nbytes);
/* True when fd is open (for calls that only need to tell EBADF apart). */
bool veil_vfs_fd_valid(veil_vfs_view *view, uint32_t fd);

/* Paths are byte strings (not NUL-terminated) as programs pass them. */
veil_wasi_errno veil_vfs_path_open(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                   const char *path, size_t path_len, uint16_t oflags,
                                   uint64_t rights_base, uint64_t rights_inheriting,
                                   uint16_t fdflags, uint32_t *fd_out);
veil_wasi_errno veil_vfs_path_create_directory(veil_vfs_view *view, uint32_t dirfd,
                                               const char *path, size_t path_len);
veil_wasi_errno veil_vfs_path_filestat(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                       const char *path, size_t path_len, veil_vfs_filestat *out);
veil_wasi_errno veil_vfs_path_set_times(veil_vfs_view *view, uint32_t dirfd, uint32_t lookupflags,
                                        const char *path, size_t path_len, uint64_t atim,
                                        uint64_t mtim, uint16_t fstflags);
veil_wasi_errno veil_vfs_path_link(veil_vfs_view *view, uint32_t old_dirfd, uint32_t lookupflags,
                                   const char *old_path, size_t old_len, uint32_t new_dirfd,
                                   const char *new_path, size_t new_len);
/* Copies at most buf_len bytes of the link's target (no NUL). */
veil_wasi_errno veil_vfs_path_readlink(veil_vfs_view *view, uint32_t dirfd, const char *path,
                                       size_t path_len, uint8_t *buf, size_t buf_len, size_t *used);
veil_wasi_errno veil_vfs_path_remove_directory(veil_vfs_view *view, uint32_t dirfd,
                                               const char *path, size_t path_len);
veil_wasi_errno veil_vfs_path_rename(veil_vfs_view *view, uint32_t old_dirfd, const char *old_path,
                                     size_t old_len, uint32_t new_dirfd, const char *new_path,
                                     size_t new_len);
veil_wasi_errno veil_vfs_path_symlink(veil_vfs_view *view, const char *target, size_t target_len,
                                      uint32_t dirfd, const char *path, size_t path_len);
veil_wasi_errno veil_vfs_path_unlink_file(veil_vfs_view *view, uint32_t dirfd, const char *path,
                                          size_t path_len);

/* ---- host operations (the runtime service, on behalf of a principal) ----
 *
 * Paths are absolute and normalized ("/output/result.json": no ".", "..",
 * empty components or trailing slash).  The longest grant that contains the
 * path (whole components) decides the rights: its base rights act on its
 * directory, its inheriting rights on what is opened below (for a grant
 * naming a file, both apply to the file).  Grants are looked up by path
 * when the operation runs: the grant path itself must consist of
 * directories (a symbolic link on it is ENOTCAPABLE), and the rest of the
 * path is resolved inside the granted directory.  Needed rights:
 *   write (create or truncate): path_open, path_create_file when the file is
 *       new, path_filestat_set_size when it exists; fd_write inheriting
 *   append: path_open, path_create_file when the file is new; fd_write
 *   read: path_open; fd_read inheriting
 *   stat: path_filestat_get
 *   list: fd_readdir (base for the grant directory itself, inheriting below
 *       it, plus path_open)
 *   execute check: path_open; execute (bit 29) inheriting
 * Symbolic links are followed inside the grant. */

typedef enum veil_vfs_write_mode {
    VEIL_VFS_WRITE_TRUNCATE = 0, /* the new content replaces the file at commit */
    VEIL_VFS_WRITE_APPEND = 1,   /* the new bytes are added to the end at commit */
} veil_vfs_write_mode;

typedef struct veil_vfs_writer veil_vfs_writer;

/* Starts a streamed write.  Rights are checked now; the content is
 * invisible to readers until commit.  size_hint (0 = unknown) reserves
 * memory up front.  A truncating write (or an append to a file that does
 * not exist yet) stages a new file and swaps it in at commit; an append to
 * an existing file writes in place past its visible end, and until it ends
 * other writers of that file get EBUSY. */
VEIL_NODISCARD veil_error *veil_vfs_write_begin(veil_vfs_view *view, const char *path,
                                                veil_vfs_write_mode mode, uint64_t size_hint,
                                                veil_vfs_writer **out);
/* Adds bytes (copied once into the file).  On error the writer stays valid
 * but can only be aborted. */
VEIL_NODISCARD veil_error *veil_vfs_write_chunk(veil_vfs_writer *writer, const void *data,
                                                size_t len);
/* Checks the hash (if the path has one) and makes the write visible.
 * Consumes the writer whether it succeeds or not; on failure nothing
 * changed. */
VEIL_NODISCARD veil_error *veil_vfs_write_commit(veil_vfs_writer *writer);
/* Drops a write; nothing changes. */
void veil_vfs_write_abort(veil_vfs_writer *writer);
/* One-shot write / append. */
VEIL_NODISCARD veil_error *veil_vfs_write(veil_vfs_view *view, const char *path,
                                          veil_vfs_write_mode mode, const void *data, size_t len);

typedef struct veil_vfs_reader veil_vfs_reader;

/* Opens a file for reading; the reader sees the file it opened even if a
 * later write replaces it. */
VEIL_NODISCARD veil_error *veil_vfs_read_open(veil_vfs_view *view, const char *path,
                                              veil_vfs_reader **out, uint64_t *size);
/* Reads up to cap bytes at offset; *got is 0 at end of file. */
VEIL_NODISCARD veil_error *veil_vfs_read_at(veil_vfs_reader *reader, uint64_t offset, void *buf,
                                            size_t cap, size_t *got);
void veil_vfs_read_close(veil_vfs_reader *reader);
/* Reads a whole file (larger than max_bytes: VEIL_ELIMIT). */
VEIL_NODISCARD veil_error *veil_vfs_read(veil_vfs_view *view, const char *path, size_t max_bytes,
                                         uint8_t **data, size_t *len);

VEIL_NODISCARD veil_error *veil_vfs_stat(veil_vfs_view *view, const char *path,
                                         veil_vfs_filestat *out);

typedef struct veil_vfs_list_entry {
    char *name;
    uint8_t filetype;
    uint64_t size;
} veil_vfs_list_entry;
/* Lists a directory in name order; free with veil_vfs_list_free. */
VEIL_NODISCARD veil_error *veil_vfs_list(veil_vfs_view *view, const char *path,
                                         veil_vfs_list_entry **entries, size_t *count);
void veil_vfs_list_free(veil_vfs_list_entry *entries, size_t count);

/* Succeeds when the principal may execute the program file at path. */
VEIL_NODISCARD veil_error *veil_vfs_check_execute(veil_vfs_view *view, const char *path);

#endif

/*
 * Direct imports of wasi_snapshot_preview1 functions for test programs that
 * need exact control over every argument (path lengths, rights, flags) and
 * the exact errno, independent of wasi-libc's wrappers.
 */
#ifndef RAW_WASI_H
#define RAW_WASI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

RAW(fd_prestat_get) uint16_t raw_fd_prestat_get(uint32_t fd, uint8_t *prestat);
RAW(fd_prestat_dir_name) uint16_t raw_fd_prestat_dir_name(uint32_t fd, char *buf, size_t len);
RAW(fd_fdstat_get) uint16_t raw_fd_fdstat_get(uint32_t fd, uint8_t *fdstat);
RAW(fd_fdstat_set_flags) uint16_t raw_fd_fdstat_set_flags(uint32_t fd, uint32_t flags);
RAW(fd_fdstat_set_rights)
uint16_t raw_fd_fdstat_set_rights(uint32_t fd, uint64_t base, uint64_t inheriting);
RAW(fd_close) uint16_t raw_fd_close(uint32_t fd);
RAW(fd_read) uint16_t raw_fd_read(uint32_t fd, const void *iovs, size_t n, size_t *nread);
RAW(fd_write) uint16_t raw_fd_write(uint32_t fd, const void *iovs, size_t n, size_t *nwritten);
RAW(fd_seek) uint16_t raw_fd_seek(uint32_t fd, int64_t offset, uint32_t whence, uint64_t *pos);
RAW(fd_tell) uint16_t raw_fd_tell(uint32_t fd, uint64_t *pos);
RAW(fd_sync) uint16_t raw_fd_sync(uint32_t fd);
RAW(fd_datasync) uint16_t raw_fd_datasync(uint32_t fd);
RAW(fd_advise) uint16_t raw_fd_advise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
RAW(fd_allocate) uint16_t raw_fd_allocate(uint32_t fd, uint64_t offset, uint64_t len);
RAW(fd_filestat_get) uint16_t raw_fd_filestat_get(uint32_t fd, uint8_t *filestat);
RAW(fd_filestat_set_size) uint16_t raw_fd_filestat_set_size(uint32_t fd, uint64_t size);
RAW(fd_filestat_set_times)
uint16_t raw_fd_filestat_set_times(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags);
RAW(fd_readdir)
uint16_t raw_fd_readdir(uint32_t fd, void *buf, size_t len, uint64_t cookie, size_t *used);
RAW(path_open)
uint16_t raw_path_open(uint32_t fd, uint32_t dirflags, const char *path, size_t path_len,
                       uint32_t oflags, uint64_t base, uint64_t inheriting, uint32_t fdflags,
                       uint32_t *opened);
RAW(path_create_directory)
uint16_t raw_path_create_directory(uint32_t fd, const char *path, size_t len);
RAW(path_remove_directory)
uint16_t raw_path_remove_directory(uint32_t fd, const char *path, size_t len);
RAW(path_unlink_file) uint16_t raw_path_unlink_file(uint32_t fd, const char *path, size_t len);
RAW(path_filestat_get)
uint16_t raw_path_filestat_get(uint32_t fd, uint32_t flags, const char *path, size_t len,
                               uint8_t *filestat);
RAW(path_filestat_set_times)
uint16_t raw_path_filestat_set_times(uint32_t fd, uint32_t flags, const char *path, size_t len,
                                     uint64_t atim, uint64_t mtim, uint32_t fst);
RAW(path_link)
uint16_t raw_path_link(uint32_t old_fd, uint32_t flags, const char *old_path, size_t old_len,
                       uint32_t new_fd, const char *new_path, size_t new_len);
RAW(path_readlink)
uint16_t raw_path_readlink(uint32_t fd, const char *path, size_t len, char *buf, size_t buf_len,
                           size_t *used);
RAW(path_rename)
uint16_t raw_path_rename(uint32_t fd, const char *old_path, size_t old_len, uint32_t new_fd,
                         const char *new_path, size_t new_len);
RAW(path_symlink)
uint16_t raw_path_symlink(const char *target, size_t target_len, uint32_t fd, const char *path,
                          size_t len);
RAW(poll_oneoff) uint16_t raw_poll_oneoff(const void *in, void *out, size_t n, size_t *nevents);
RAW(sock_shutdown) uint16_t raw_sock_shutdown(uint32_t fd, uint32_t how);

#define S(str) (str), strlen(str)

/* Finds the pre-opened directory named `name`; returns its fd or -1. */
static inline int raw_find_preopen(const char *name) {
    for (uint32_t fd = 3; fd < 64; fd++) {
        uint8_t prestat[8];
        if (raw_fd_prestat_get(fd, prestat) != 0)
            continue;
        uint32_t len = (uint32_t)prestat[4] | (uint32_t)prestat[5] << 8 |
                       (uint32_t)prestat[6] << 16 | (uint32_t)prestat[7] << 24;
        char buf[256];
        if (len >= sizeof(buf) || raw_fd_prestat_dir_name(fd, buf, len) != 0)
            continue;
        if (len == strlen(name) && memcmp(buf, name, len) == 0)
            return (int)fd;
    }
    return -1;
}

#endif

/*
 * wasm32-wasi test program for the rights matrix: performs the one
 * operation that needs the rights bit named by argv[1] inside the
 * pre-opened directory /box, and exits with the WASI errno it got (0 when
 * the operation succeeded, 76 for ENOTCAPABLE).
 *
 * /box must hold: f (a file with content), t (a file), mv (a file),
 * victim (a file), l (a symbolic link to f), rmme (an empty directory).
 * File descriptor operations open f with every right and rely on the
 * rights /box passes on (its inheriting rights).
 */
#include <stdio.h>
#include <stdlib.h>

#include "raw_wasi.h"

#define ALL_RIGHTS ((UINT64_C(1) << 30) - 1)

typedef struct iovec32 {
    const void *buf;
    size_t len;
} iovec32;

static uint32_t open_f(int box) {
    uint32_t fd = 0;
    uint16_t err = raw_path_open((uint32_t)box, 0, S("f"), 0, ALL_RIGHTS, ALL_RIGHTS, 0, &fd);
    if (err != 0) {
        fprintf(stderr, "rights_probe: cannot open /box/f: errno %u\n", err);
        exit(200);
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: rights_probe RIGHT\n");
        return 201;
    }
    const char *r = argv[1];
    int box = raw_find_preopen("/box");
    if (box < 0) {
        fprintf(stderr, "rights_probe: /box is not pre-opened\n");
        return 202;
    }
    uint32_t b = (uint32_t)box, fd, opened;
    uint8_t buf[256];
    size_t n;
    uint64_t pos;
    iovec32 iov = {buf, 4};
    uint16_t err;
    if (strcmp(r, "fd_datasync") == 0) {
        err = raw_fd_datasync(open_f(box));
    } else if (strcmp(r, "fd_read") == 0) {
        err = raw_fd_read(open_f(box), &iov, 1, &n);
    } else if (strcmp(r, "fd_seek") == 0) {
        err = raw_fd_seek(open_f(box), 1, 0, &pos);
    } else if (strcmp(r, "fd_fdstat_set_flags") == 0) {
        err = raw_fd_fdstat_set_flags(open_f(box), 1);
    } else if (strcmp(r, "fd_sync") == 0) {
        err = raw_fd_sync(open_f(box));
    } else if (strcmp(r, "fd_tell") == 0) {
        err = raw_fd_tell(open_f(box), &pos);
    } else if (strcmp(r, "fd_write") == 0) {
        memcpy(buf, "data", 4);
        err = raw_fd_write(open_f(box), &iov, 1, &n);
    } else if (strcmp(r, "fd_advise") == 0) {
        err = raw_fd_advise(open_f(box), 0, 4, 0);
    } else if (strcmp(r, "fd_allocate") == 0) {
        err = raw_fd_allocate(open_f(box), 0, 64);
    } else if (strcmp(r, "path_create_directory") == 0) {
        err = raw_path_create_directory(b, S("newdir"));
    } else if (strcmp(r, "path_create_file") == 0) {
        err = raw_path_open(b, 0, S("newfile"), 1, 0, 0, 0, &opened);
    } else if (strcmp(r, "path_link_source") == 0 || strcmp(r, "path_link_target") == 0) {
        err = raw_path_link(b, 0, S("f"), b, S("hard"));
    } else if (strcmp(r, "path_open") == 0) {
        err = raw_path_open(b, 0, S("f"), 0, 0, 0, 0, &opened);
    } else if (strcmp(r, "fd_readdir") == 0) {
        err = raw_fd_readdir(b, buf, sizeof(buf), 0, &n);
    } else if (strcmp(r, "path_readlink") == 0) {
        err = raw_path_readlink(b, S("l"), (char *)buf, sizeof(buf), &n);
    } else if (strcmp(r, "path_rename_source") == 0 || strcmp(r, "path_rename_target") == 0) {
        err = raw_path_rename(b, S("mv"), b, S("mv2"));
    } else if (strcmp(r, "path_filestat_get") == 0) {
        err = raw_path_filestat_get(b, 0, S("f"), buf);
    } else if (strcmp(r, "path_filestat_set_size") == 0) {
        err = raw_path_open(b, 0, S("t"), 8 /* TRUNC */, 0, 0, 0, &opened);
    } else if (strcmp(r, "path_filestat_set_times") == 0) {
        err = raw_path_filestat_set_times(b, 0, S("f"), 0, 1000, 4 /* MTIM */);
    } else if (strcmp(r, "fd_filestat_get") == 0) {
        err = raw_fd_filestat_get(open_f(box), buf);
    } else if (strcmp(r, "fd_filestat_set_size") == 0) {
        err = raw_fd_filestat_set_size(open_f(box), 1);
    } else if (strcmp(r, "fd_filestat_set_times") == 0) {
        err = raw_fd_filestat_set_times(open_f(box), 0, 1000, 4 /* MTIM */);
    } else if (strcmp(r, "path_symlink") == 0) {
        err = raw_path_symlink(S("f"), b, S("sym"));
    } else if (strcmp(r, "path_remove_directory") == 0) {
        err = raw_path_remove_directory(b, S("rmme"));
    } else if (strcmp(r, "path_unlink_file") == 0) {
        err = raw_path_unlink_file(b, S("victim"));
    } else if (strcmp(r, "poll_fd_readwrite") == 0) {
        /* One fd_read subscription; the answer is the event's errno. */
        fd = open_f(box);
        uint8_t sub[48] = {0}, event[32] = {0};
        sub[8] = 1; /* FD_READ */
        memcpy(sub + 16, &fd, 4);
        err = raw_poll_oneoff(sub, event, 1, &n);
        if (err == 0)
            err = (uint16_t)(event[8] | event[9] << 8);
    } else if (strcmp(r, "sock_shutdown") == 0) {
        err = raw_sock_shutdown(open_f(box), 1);
    } else {
        fprintf(stderr, "rights_probe: unknown right '%s'\n", r);
        return 203;
    }
    printf("%s: %u\n", r, err);
    return err;
}

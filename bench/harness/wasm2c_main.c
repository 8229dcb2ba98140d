/*
 * Host for a bench kernel translated by Debian's wasm2c (module name
 * "kernel"): the five WASI preview-1 calls the kernels import (printf's
 * fd_write and friends, proc_exit), then _start.  Only as much WASI as the
 * kernels need: stdout/stderr writes; every other descriptor is EBADF.
 * Memory checks use wasm2c's default for 64-bit Linux (guard pages and a
 * signal handler in wasm-rt-impl.c).
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel_w2c.h"
#include "wasm-rt-impl.h"

enum { WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EFAULT = 21, WASI_ESPIPE = 70 };

struct Z_wasi_snapshot_preview1_instance_t {
    wasm_rt_memory_t *memory;
    jmp_buf exit_jump;
    uint32_t exit_code;
};

static int in_bounds(wasm_rt_memory_t *m, uint64_t addr, uint64_t len) {
    return addr <= m->size && len <= m->size - addr;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *wasi, u32 fd) {
    (void)wasi;
    (void)fd;
    return WASI_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *wasi,
                                            u32 fd, u32 out) {
    if (fd != 1 && fd != 2)
        return WASI_EBADF;
    if (!in_bounds(wasi->memory, out, 24))
        return WASI_EFAULT;
    uint8_t stat[24] = {0};
    stat[0] = 2;    /* filetype: character device */
    stat[8] = 0x40; /* rights: fd_write */
    memcpy(wasi->memory->data + out, stat, sizeof stat);
    return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *wasi, u32 fd,
                                      u64 offset, u32 whence, u32 out) {
    (void)wasi;
    (void)offset;
    (void)whence;
    (void)out;
    return fd == 1 || fd == 2 ? WASI_ESPIPE : WASI_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *wasi, u32 fd,
                                       u32 iovs, u32 iovs_len, u32 out) {
    wasm_rt_memory_t *m = wasi->memory;
    if (fd != 1 && fd != 2)
        return WASI_EBADF;
    if (!in_bounds(m, iovs, (uint64_t)iovs_len * 8) || !in_bounds(m, out, 4))
        return WASI_EFAULT;
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t base, len;
        memcpy(&base, m->data + iovs + 8 * i, 4);
        memcpy(&len, m->data + iovs + 8 * i + 4, 4);
        if (!in_bounds(m, base, len))
            return WASI_EFAULT;
        fwrite(m->data + base, 1, len, fd == 1 ? stdout : stderr);
        total += len;
    }
    memcpy(m->data + out, &total, 4);
    return WASI_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *wasi,
                                         u32 code) {
    wasi->exit_code = code;
    longjmp(wasi->exit_jump, 1);
}

int main(void) {
    static Z_kernel_instance_t instance;
    static struct Z_wasi_snapshot_preview1_instance_t wasi;
    wasm_rt_init();
    Z_kernel_init_module();
    Z_kernel_instantiate(&instance, &wasi);
    wasi.memory = Z_kernelZ_memory(&instance);
    int status = 0;
    if (setjmp(wasi.exit_jump) == 0) {
        wasm_rt_trap_t trap = wasm_rt_impl_try();
        if (trap != WASM_RT_TRAP_NONE) {
            fprintf(stderr, "wasm2c: trap: %s\n", wasm_rt_strerror(trap));
            status = 1;
        } else {
            Z_kernelZ__start(&instance);
        }
    } else {
        status = (int)wasi.exit_code;
    }
    fflush(stdout);
    Z_kernel_free(&instance);
    wasm_rt_free();
    return status;
}

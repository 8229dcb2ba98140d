/*
 * WASI preview 1 host functions, independent of the engine.
 *
 * One table lists every function of the snapshot with a signature string
 * (one letter per parameter, see `struct wasi_func`); the letters give the
 * wasm parameter types, drive the tracer, and document each call.  Each
 * implementation receives the linear memory as (base, size) and the raw
 * 64-bit argument slots, validates every pointer/length it will touch
 * (EFAULT) before doing anything, then lets the file system check rights
 * and do the work.  Values are stored little-endian byte by byte, so guest
 * pointers need no alignment.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "veil/log.h"
#include "veil/str.h"
#include "veil/wasi.h"
#include "wasi_internal.h"

/* ---- configuration ---- */

/* Copies a string list into one block: the strings back to back, each
 * NUL-terminated, as args_get/environ_get hand them out. */
static veil_error *copy_strings(const char *const *list, size_t count, const char *what,
                                wasi_strings *out) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(list[i]) + 1;
        if (len > VEIL_WASI_ARGS_MAX - total)
            return veil_error_new(VEIL_ELIMIT, "wasi: %s are longer than %u bytes", what,
                                  VEIL_WASI_ARGS_MAX);
        total += len;
    }
    out->count = count;
    out->bytes = total;
    out->data = malloc(total + 1);
    out->offsets = calloc(count + 1, sizeof(*out->offsets));
    if (out->data == NULL || out->offsets == NULL)
        return veil_error_new(VEIL_ENOMEM, "wasi: out of memory");
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(list[i]) + 1;
        out->offsets[i] = pos;
        memcpy(out->data + pos, list[i], len);
        pos += len;
    }
    return NULL;
}

veil_error *veil_wasi_new(const veil_wasi_config *config, veil_wasi **out) {
    *out = NULL;
    VEIL_ENSURE(config != NULL && config->view != NULL, VEIL_EINVAL,
                "wasi: a file system view is required");
    veil_wasi *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return veil_error_new(VEIL_ENOMEM, "wasi: out of memory");
    w->view = config->view;
    w->enable_clock = config->enable_clock;
    w->trace = config->trace;
    w->trace_log = config->trace_log;
    veil_error *err = copy_strings(config->args, config->arg_count, "arguments", &w->args);
    if (err == NULL)
        err = copy_strings(config->env, config->env_count, "environment variables", &w->env);
    if (err != NULL) {
        veil_wasi_free(w);
        return err;
    }
    *out = w;
    return NULL;
}

void veil_wasi_free(veil_wasi *wasi) {
    if (wasi == NULL)
        return;
    free(wasi->args.data);
    free(wasi->args.offsets);
    free(wasi->env.data);
    free(wasi->env.offsets);
    free(wasi->hosts);
    free(wasi);
}

/* ---- linear memory ---- */

typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

static bool mem_ok(const wasi_mem *m, uint64_t ptr, uint64_t len) {
    return ptr <= m->size && len <= m->size - ptr;
}

static uint8_t *mem_at(const wasi_mem *m, uint64_t ptr) {
    return m->base + ptr;
}

static void st8(const wasi_mem *m, uint64_t ptr, uint8_t v) {
    m->base[ptr] = v;
}

static void st16(const wasi_mem *m, uint64_t ptr, uint16_t v) {
    for (int i = 0; i < 2; i++)
        m->base[ptr + i] = (uint8_t)(v >> (8 * i));
}

static void st32(const wasi_mem *m, uint64_t ptr, uint32_t v) {
    for (int i = 0; i < 4; i++)
        m->base[ptr + i] = (uint8_t)(v >> (8 * i));
}

static void st64(const wasi_mem *m, uint64_t ptr, uint64_t v) {
    for (int i = 0; i < 8; i++)
        m->base[ptr + i] = (uint8_t)(v >> (8 * i));
}

static uint8_t ld8(const wasi_mem *m, uint64_t ptr) {
    return m->base[ptr];
}

static uint16_t ld16(const wasi_mem *m, uint64_t ptr) {
    return (uint16_t)(m->base[ptr] | (m->base[ptr + 1] << 8));
}

static uint32_t ld32(const wasi_mem *m, uint64_t ptr) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | m->base[ptr + i];
    return v;
}

static uint64_t ld64(const wasi_mem *m, uint64_t ptr) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | m->base[ptr + i];
    return v;
}

/* Argument slot helpers: i32 parameters use the low half. */
#define A32(i) ((uint32_t)(a[i] & 0xffffffffu))
#define A64(i) (a[i])

/* ---- iovecs ---- */

typedef struct iov_list {
    veil_vfs_iovec iov[VEIL_WASI_IOV_MAX];
    size_t count;
} iov_list;

/* Reads and checks an iovec array (each entry: u32 buf, u32 len). */
static veil_wasi_errno load_iovs(const wasi_mem *m, uint32_t iovs, uint32_t iovs_len,
                                 iov_list *out) {
    if (iovs_len > VEIL_WASI_IOV_MAX)
        return VEIL_WASI_EINVAL;
    if (!mem_ok(m, iovs, (uint64_t)iovs_len * 8))
        return VEIL_WASI_EFAULT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t buf = ld32(m, (uint64_t)iovs + 8 * i);
        uint32_t len = ld32(m, (uint64_t)iovs + 8 * i + 4);
        if (!mem_ok(m, buf, len))
            return VEIL_WASI_EFAULT;
        total += len;
        out->iov[i].buf = mem_at(m, buf);
        out->iov[i].len = len;
    }
    if (total > UINT32_MAX)
        return VEIL_WASI_EINVAL;
    out->count = iovs_len;
    return VEIL_WASI_ESUCCESS;
}

/* ---- the calls ---- */

#define CALL(name)                                                                                 \
    static veil_wasi_errno call_##name(veil_wasi *w, const wasi_mem *m, const uint64_t *a)
#define UNUSED_W (void)w
#define UNUSED_M (void)m

static veil_wasi_errno strings_get(const wasi_strings *s, const wasi_mem *m, uint32_t list,
                                   uint32_t buf) {
    if (!mem_ok(m, list, (uint64_t)s->count * 4) || !mem_ok(m, buf, s->bytes))
        return VEIL_WASI_EFAULT;
    for (size_t i = 0; i < s->count; i++)
        st32(m, (uint64_t)list + 4 * i, (uint32_t)(buf + s->offsets[i]));
    if (s->bytes > 0)
        memcpy(mem_at(m, buf), s->data, s->bytes);
    return VEIL_WASI_ESUCCESS;
}

static veil_wasi_errno strings_sizes(const wasi_strings *s, const wasi_mem *m, uint32_t count_ptr,
                                     uint32_t size_ptr) {
    if (!mem_ok(m, count_ptr, 4) || !mem_ok(m, size_ptr, 4))
        return VEIL_WASI_EFAULT;
    st32(m, count_ptr, (uint32_t)s->count);
    st32(m, size_ptr, (uint32_t)s->bytes);
    return VEIL_WASI_ESUCCESS;
}

CALL(args_get) {
    return strings_get(&w->args, m, A32(0), A32(1));
}

CALL(args_sizes_get) {
    return strings_sizes(&w->args, m, A32(0), A32(1));
}

CALL(environ_get) {
    return strings_get(&w->env, m, A32(0), A32(1));
}

CALL(environ_sizes_get) {
    return strings_sizes(&w->env, m, A32(0), A32(1));
}

static bool host_clock(uint32_t id, clockid_t *out) {
    switch (id) {
    case VEIL_WASI_CLOCK_REALTIME:
        *out = CLOCK_REALTIME;
        return true;
    case VEIL_WASI_CLOCK_MONOTONIC:
        *out = CLOCK_MONOTONIC;
        return true;
    case VEIL_WASI_CLOCK_PROCESS_CPUTIME_ID:
        *out = CLOCK_PROCESS_CPUTIME_ID;
        return true;
    case VEIL_WASI_CLOCK_THREAD_CPUTIME_ID:
        *out = CLOCK_THREAD_CPUTIME_ID;
        return true;
    default:
        return false;
    }
}

static uint64_t ts_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

static uint64_t clock_now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts_ns(&ts);
}

CALL(clock_res_get) {
    if (!mem_ok(m, A32(1), 8))
        return VEIL_WASI_EFAULT;
    if (!w->enable_clock)
        return VEIL_WASI_EACCES;
    clockid_t clock;
    if (!host_clock(A32(0), &clock))
        return VEIL_WASI_EINVAL;
    struct timespec ts;
    if (clock_getres(clock, &ts) != 0)
        return VEIL_WASI_EINVAL;
    st64(m, A32(1), ts_ns(&ts));
    return VEIL_WASI_ESUCCESS;
}

CALL(clock_time_get) {
    if (!mem_ok(m, A32(2), 8))
        return VEIL_WASI_EFAULT;
    if (!w->enable_clock)
        return VEIL_WASI_EACCES;
    clockid_t clock;
    if (!host_clock(A32(0), &clock))
        return VEIL_WASI_EINVAL;
    st64(m, A32(2), clock_now(clock));
    return VEIL_WASI_ESUCCESS;
}

CALL(fd_advise) {
    UNUSED_M;
    return veil_vfs_fd_advise(w->view, A32(0), A64(1), A64(2), (uint8_t)A32(3));
}

CALL(fd_allocate) {
    UNUSED_M;
    return veil_vfs_fd_allocate(w->view, A32(0), A64(1), A64(2));
}

CALL(fd_close) {
    UNUSED_M;
    return veil_vfs_fd_close(w->view, A32(0));
}

CALL(fd_datasync) {
    UNUSED_M;
    return veil_vfs_fd_sync(w->view, A32(0), true);
}

CALL(fd_sync) {
    UNUSED_M;
    return veil_vfs_fd_sync(w->view, A32(0), false);
}

CALL(fd_fdstat_get) {
    if (!mem_ok(m, A32(1), 24))
        return VEIL_WASI_EFAULT;
    veil_vfs_fdstat st;
    veil_wasi_errno err = veil_vfs_fd_fdstat(w->view, A32(0), &st);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    uint64_t p = A32(1);
    memset(mem_at(m, p), 0, 24);
    st8(m, p, st.filetype);
    st16(m, p + 2, st.flags);
    st64(m, p + 8, st.rights_base);
    st64(m, p + 16, st.rights_inheriting);
    return VEIL_WASI_ESUCCESS;
}

CALL(fd_fdstat_set_flags) {
    UNUSED_M;
    if (A32(1) > UINT16_MAX)
        return VEIL_WASI_EINVAL;
    return veil_vfs_fd_set_flags(w->view, A32(0), (uint16_t)A32(1));
}

CALL(fd_fdstat_set_rights) {
    UNUSED_M;
    return veil_vfs_fd_set_rights(w->view, A32(0), A64(1), A64(2));
}

static void store_filestat(const wasi_mem *m, uint64_t p, const veil_vfs_filestat *st) {
    memset(mem_at(m, p), 0, 64);
    st64(m, p, st->dev);
    st64(m, p + 8, st->ino);
    st8(m, p + 16, st->filetype);
    st64(m, p + 24, st->nlink);
    st64(m, p + 32, st->size);
    st64(m, p + 40, st->atim);
    st64(m, p + 48, st->mtim);
    st64(m, p + 56, st->ctim);
}

CALL(fd_filestat_get) {
    if (!mem_ok(m, A32(1), 64))
        return VEIL_WASI_EFAULT;
    veil_vfs_filestat st;
    veil_wasi_errno err = veil_vfs_fd_filestat(w->view, A32(0), &st);
    if (err == VEIL_WASI_ESUCCESS)
        store_filestat(m, A32(1), &st);
    return err;
}

CALL(fd_filestat_set_size) {
    UNUSED_M;
    return veil_vfs_fd_set_size(w->view, A32(0), A64(1));
}

CALL(fd_filestat_set_times) {
    UNUSED_M;
    if (A32(3) > UINT16_MAX)
        return VEIL_WASI_EINVAL;
    return veil_vfs_fd_set_times(w->view, A32(0), A64(1), A64(2), (uint16_t)A32(3));
}

CALL(fd_pread) {
    iov_list *iovs = malloc(sizeof(*iovs));
    if (iovs == NULL)
        return VEIL_WASI_ENOMEM;
    veil_wasi_errno err = load_iovs(m, A32(1), A32(2), iovs);
    if (err == VEIL_WASI_ESUCCESS && !mem_ok(m, A32(4), 4))
        err = VEIL_WASI_EFAULT;
    size_t n = 0;
    if (err == VEIL_WASI_ESUCCESS)
        err = veil_vfs_fd_pread(w->view, A32(0), iovs->iov, iovs->count, A64(3), &n);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(4), (uint32_t)n);
    free(iovs);
    return err;
}

CALL(fd_read) {
    iov_list *iovs = malloc(sizeof(*iovs));
    if (iovs == NULL)
        return VEIL_WASI_ENOMEM;
    veil_wasi_errno err = load_iovs(m, A32(1), A32(2), iovs);
    if (err == VEIL_WASI_ESUCCESS && !mem_ok(m, A32(3), 4))
        err = VEIL_WASI_EFAULT;
    size_t n = 0;
    if (err == VEIL_WASI_ESUCCESS)
        err = veil_vfs_fd_read(w->view, A32(0), iovs->iov, iovs->count, &n);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(3), (uint32_t)n);
    free(iovs);
    return err;
}

/* The write calls take const iovecs; the layouts are the same. */
static const veil_vfs_ciovec *as_ciov(const iov_list *l) {
    return (const veil_vfs_ciovec *)(const void *)l->iov;
}

CALL(fd_pwrite) {
    iov_list *iovs = malloc(sizeof(*iovs));
    if (iovs == NULL)
        return VEIL_WASI_ENOMEM;
    veil_wasi_errno err = load_iovs(m, A32(1), A32(2), iovs);
    if (err == VEIL_WASI_ESUCCESS && !mem_ok(m, A32(4), 4))
        err = VEIL_WASI_EFAULT;
    size_t n = 0;
    if (err == VEIL_WASI_ESUCCESS)
        err = veil_vfs_fd_pwrite(w->view, A32(0), as_ciov(iovs), iovs->count, A64(3), &n);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(4), (uint32_t)n);
    free(iovs);
    return err;
}

CALL(fd_write) {
    iov_list *iovs = malloc(sizeof(*iovs));
    if (iovs == NULL)
        return VEIL_WASI_ENOMEM;
    veil_wasi_errno err = load_iovs(m, A32(1), A32(2), iovs);
    if (err == VEIL_WASI_ESUCCESS && !mem_ok(m, A32(3), 4))
        err = VEIL_WASI_EFAULT;
    size_t n = 0;
    if (err == VEIL_WASI_ESUCCESS)
        err = veil_vfs_fd_write(w->view, A32(0), as_ciov(iovs), iovs->count, &n);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(3), (uint32_t)n);
    free(iovs);
    return err;
}

CALL(fd_prestat_get) {
    if (!mem_ok(m, A32(1), 8))
        return VEIL_WASI_EFAULT;
    const char *name;
    size_t len;
    veil_wasi_errno err = veil_vfs_fd_prestat(w->view, A32(0), &name, &len);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    memset(mem_at(m, A32(1)), 0, 8);
    st8(m, A32(1), VEIL_WASI_PREOPENTYPE_DIR);
    st32(m, (uint64_t)A32(1) + 4, (uint32_t)len);
    return VEIL_WASI_ESUCCESS;
}

CALL(fd_prestat_dir_name) {
    if (!mem_ok(m, A32(1), A32(2)))
        return VEIL_WASI_EFAULT;
    const char *name;
    size_t len;
    veil_wasi_errno err = veil_vfs_fd_prestat(w->view, A32(0), &name, &len);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    if (A32(2) < len)
        return VEIL_WASI_ENAMETOOLONG;
    memcpy(mem_at(m, A32(1)), name, len);
    return VEIL_WASI_ESUCCESS;
}

CALL(fd_readdir) {
    uint64_t buf = A32(1), buf_len = A32(2), cookie = A64(3);
    if (!mem_ok(m, buf, buf_len) || !mem_ok(m, A32(4), 4))
        return VEIL_WASI_EFAULT;
    veil_vfs_dirent *e = malloc(sizeof(*e));
    if (e == NULL)
        return VEIL_WASI_ENOMEM;
    uint64_t used = 0;
    veil_wasi_errno err = VEIL_WASI_ESUCCESS;
    while (used < buf_len) {
        bool end;
        err = veil_vfs_fd_readdir(w->view, A32(0), cookie, e, &end);
        if (err != VEIL_WASI_ESUCCESS || end)
            break;
        /* Entry = 24-byte header + name; the last one may be cut short,
         * which tells the program to call again with a bigger buffer. */
        uint8_t entry[24 + VEIL_VFS_NAME_MAX];
        memset(entry, 0, 24);
        for (int i = 0; i < 8; i++) {
            entry[i] = (uint8_t)(e->next >> (8 * i));
            entry[8 + i] = (uint8_t)(e->ino >> (8 * i));
        }
        for (int i = 0; i < 4; i++)
            entry[16 + i] = (uint8_t)((uint32_t)e->name_len >> (8 * i));
        entry[20] = e->filetype;
        memcpy(entry + 24, e->name, e->name_len);
        uint64_t size = 24 + e->name_len;
        uint64_t n = size < buf_len - used ? size : buf_len - used;
        memcpy(mem_at(m, buf + used), entry, (size_t)n);
        used += n;
        cookie = e->next;
    }
    free(e);
    if (err != VEIL_WASI_ESUCCESS)
        return err;
    st32(m, A32(4), (uint32_t)used);
    return VEIL_WASI_ESUCCESS;
}

CALL(fd_renumber) {
    UNUSED_M;
    return veil_vfs_fd_renumber(w->view, A32(0), A32(1));
}

CALL(fd_seek) {
    if (!mem_ok(m, A32(3), 8))
        return VEIL_WASI_EFAULT;
    if (A32(2) > UINT8_MAX)
        return VEIL_WASI_EINVAL;
    uint64_t off;
    veil_wasi_errno err = veil_vfs_fd_seek(w->view, A32(0), (int64_t)A64(1), (uint8_t)A32(2), &off);
    if (err == VEIL_WASI_ESUCCESS)
        st64(m, A32(3), off);
    return err;
}

CALL(fd_tell) {
    if (!mem_ok(m, A32(1), 8))
        return VEIL_WASI_EFAULT;
    uint64_t off;
    veil_wasi_errno err = veil_vfs_fd_tell(w->view, A32(0), &off);
    if (err == VEIL_WASI_ESUCCESS)
        st64(m, A32(1), off);
    return err;
}

/* A path argument: (ptr, len) inside memory. */
static bool path_arg(const wasi_mem *m, uint32_t ptr, uint32_t len, const char **out) {
    if (!mem_ok(m, ptr, len))
        return false;
    *out = (const char *)mem_at(m, ptr);
    return true;
}

CALL(path_create_directory) {
    const char *path;
    if (!path_arg(m, A32(1), A32(2), &path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_create_directory(w->view, A32(0), path, A32(2));
}

CALL(path_filestat_get) {
    const char *path;
    if (!path_arg(m, A32(2), A32(3), &path) || !mem_ok(m, A32(4), 64))
        return VEIL_WASI_EFAULT;
    veil_vfs_filestat st;
    veil_wasi_errno err = veil_vfs_path_filestat(w->view, A32(0), A32(1), path, A32(3), &st);
    if (err == VEIL_WASI_ESUCCESS)
        store_filestat(m, A32(4), &st);
    return err;
}

CALL(path_filestat_set_times) {
    const char *path;
    if (!path_arg(m, A32(2), A32(3), &path))
        return VEIL_WASI_EFAULT;
    if (A32(6) > UINT16_MAX)
        return VEIL_WASI_EINVAL;
    return veil_vfs_path_set_times(w->view, A32(0), A32(1), path, A32(3), A64(4), A64(5),
                                   (uint16_t)A32(6));
}

CALL(path_link) {
    const char *old_path, *new_path;
    if (!path_arg(m, A32(2), A32(3), &old_path) || !path_arg(m, A32(5), A32(6), &new_path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_link(w->view, A32(0), A32(1), old_path, A32(3), A32(4), new_path, A32(6));
}

CALL(path_open) {
    const char *path;
    if (!path_arg(m, A32(2), A32(3), &path) || !mem_ok(m, A32(8), 4))
        return VEIL_WASI_EFAULT;
    if (A32(4) > UINT16_MAX || A32(7) > UINT16_MAX)
        return VEIL_WASI_EINVAL;
    uint32_t fd;
    veil_wasi_errno err =
        veil_vfs_path_open(w->view, A32(0), A32(1), path, A32(3), (uint16_t)A32(4), A64(5), A64(6),
                           (uint16_t)A32(7), &fd);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(8), fd);
    return err;
}

CALL(path_readlink) {
    const char *path;
    if (!path_arg(m, A32(1), A32(2), &path) || !mem_ok(m, A32(3), A32(4)) || !mem_ok(m, A32(5), 4))
        return VEIL_WASI_EFAULT;
    size_t used;
    veil_wasi_errno err =
        veil_vfs_path_readlink(w->view, A32(0), path, A32(2), mem_at(m, A32(3)), A32(4), &used);
    if (err == VEIL_WASI_ESUCCESS)
        st32(m, A32(5), (uint32_t)used);
    return err;
}

CALL(path_remove_directory) {
    const char *path;
    if (!path_arg(m, A32(1), A32(2), &path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_remove_directory(w->view, A32(0), path, A32(2));
}

CALL(path_rename) {
    const char *old_path, *new_path;
    if (!path_arg(m, A32(1), A32(2), &old_path) || !path_arg(m, A32(4), A32(5), &new_path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_rename(w->view, A32(0), old_path, A32(2), A32(3), new_path, A32(5));
}

CALL(path_symlink) {
    const char *target, *path;
    if (!path_arg(m, A32(0), A32(1), &target) || !path_arg(m, A32(3), A32(4), &path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_symlink(w->view, target, A32(1), A32(2), path, A32(4));
}

CALL(path_unlink_file) {
    const char *path;
    if (!path_arg(m, A32(1), A32(2), &path))
        return VEIL_WASI_EFAULT;
    return veil_vfs_path_unlink_file(w->view, A32(0), path, A32(2));
}

/* poll_oneoff: fd subscriptions are ready at once; when none is, sleep
 * until the earliest clock subscription (never past the run's deadline). */
enum { SUB_SIZE = 48, EVENT_SIZE = 32 };

static void put_event(const wasi_mem *m, uint64_t out, uint32_t index, uint64_t userdata,
                      veil_wasi_errno error, uint8_t type, uint64_t nbytes) {
    uint64_t p = out + (uint64_t)index * EVENT_SIZE;
    memset(mem_at(m, p), 0, EVENT_SIZE);
    st64(m, p, userdata);
    st16(m, p + 8, error);
    st8(m, p + 10, type);
    st64(m, p + 16, nbytes);
}

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

CALL(poll_oneoff) {
    uint64_t in = A32(0), out = A32(1), nsubs = A32(2);
    if (nsubs == 0)
        return VEIL_WASI_EINVAL;
    if (!mem_ok(m, in, nsubs * SUB_SIZE) || !mem_ok(m, out, nsubs * EVENT_SIZE) ||
        !mem_ok(m, A32(3), 4))
        return VEIL_WASI_EFAULT;
    for (uint64_t i = 0; i < nsubs; i++) {
        uint8_t tag = ld8(m, in + i * SUB_SIZE + 8);
        if (tag > VEIL_WASI_EVENTTYPE_FD_WRITE)
            return VEIL_WASI_EINVAL;
    }
    /* Subscriptions are read into a copy first: `in` and `out` may overlap. */
    typedef struct sub {
        uint64_t userdata;
        uint8_t tag;
        uint32_t fd_or_clock;
        uint64_t timeout;
        uint16_t flags;
    } sub;
    sub *subs = malloc(nsubs * sizeof(*subs));
    if (subs == NULL)
        return VEIL_WASI_ENOMEM;
    for (uint64_t i = 0; i < nsubs; i++) {
        uint64_t p = in + i * SUB_SIZE;
        subs[i] = (sub){.userdata = ld64(m, p),
                        .tag = ld8(m, p + 8),
                        .fd_or_clock = ld32(m, p + 16),
                        .timeout = ld64(m, p + 24),
                        .flags = ld16(m, p + 40)};
    }
    uint32_t nevents = 0;
    bool have_clock = false;
    uint64_t wait_ns = UINT64_MAX;
    for (uint64_t i = 0; i < nsubs; i++) {
        sub *s = &subs[i];
        if (s->tag == VEIL_WASI_EVENTTYPE_CLOCK) {
            clockid_t clock;
            if (!w->enable_clock) {
                put_event(m, out, nevents++, s->userdata, VEIL_WASI_EACCES, s->tag, 0);
            } else if ((s->fd_or_clock != VEIL_WASI_CLOCK_REALTIME &&
                        s->fd_or_clock != VEIL_WASI_CLOCK_MONOTONIC) ||
                       !host_clock(s->fd_or_clock, &clock)) {
                put_event(m, out, nevents++, s->userdata, VEIL_WASI_EINVAL, s->tag, 0);
            } else {
                uint64_t now = clock_now(clock);
                uint64_t remaining;
                if (s->flags & VEIL_WASI_SUBCLOCKFLAGS_ABSTIME)
                    remaining = s->timeout > now ? s->timeout - now : 0;
                else
                    remaining = s->timeout;
                s->timeout = remaining; /* now relative to the start of this call */
                have_clock = true;
                if (remaining < wait_ns)
                    wait_ns = remaining;
            }
        } else {
            uint64_t nbytes = 0;
            veil_wasi_errno err = veil_vfs_fd_poll(w->view, s->fd_or_clock,
                                                   s->tag == VEIL_WASI_EVENTTYPE_FD_WRITE, &nbytes);
            put_event(m, out, nevents++, s->userdata, err, s->tag, nbytes);
        }
    }
    if (nevents == 0 && have_clock) {
        uint64_t sleep = wait_ns;
        if (w->deadline_ns != 0) {
            uint64_t now = clock_now(CLOCK_MONOTONIC);
            uint64_t left = w->deadline_ns > now ? w->deadline_ns - now : 0;
            if (left < sleep)
                sleep = left;
        }
        if (sleep > 0)
            sleep_ns(sleep);
        for (uint64_t i = 0; i < nsubs; i++)
            if (subs[i].tag == VEIL_WASI_EVENTTYPE_CLOCK && subs[i].timeout <= wait_ns)
                put_event(m, out, nevents++, subs[i].userdata, VEIL_WASI_ESUCCESS, subs[i].tag, 0);
    }
    free(subs);
    st32(m, A32(3), nevents);
    return VEIL_WASI_ESUCCESS;
}

CALL(proc_raise) {
    UNUSED_W;
    UNUSED_M;
    (void)a;
    return VEIL_WASI_ENOSYS;
}

CALL(sched_yield) {
    UNUSED_W;
    UNUSED_M;
    (void)a;
    sched_yield();
    return VEIL_WASI_ESUCCESS;
}

CALL(random_get) {
    UNUSED_W;
    uint64_t buf = A32(0), len = A32(1);
    if (!mem_ok(m, buf, len))
        return VEIL_WASI_EFAULT;
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(mem_at(m, buf + done), (size_t)(len - done), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return VEIL_WASI_EIO;
        }
        done += (uint64_t)n;
    }
    return VEIL_WASI_ESUCCESS;
}

/* No descriptor is a socket. */
static veil_wasi_errno not_a_socket(veil_wasi *w, uint32_t fd) {
    return veil_vfs_fd_valid(w->view, fd) ? VEIL_WASI_ENOTSOCK : VEIL_WASI_EBADF;
}

CALL(sock_accept) {
    UNUSED_M;
    return not_a_socket(w, A32(0));
}

CALL(sock_recv) {
    UNUSED_M;
    return not_a_socket(w, A32(0));
}

CALL(sock_send) {
    UNUSED_M;
    return not_a_socket(w, A32(0));
}

CALL(sock_shutdown) {
    UNUSED_M;
    return not_a_socket(w, A32(0));
}

/* ---- the table ---- */

/* Parameter letters:
 *   f fd          i u32          x u32 flags (hex)   n length (u32)
 *   p pointer     s path pointer (the next parameter is its length)
 *   u out-pointer to a u32       U out-pointer to a u64
 *   L u64         I s64          X u64 rights (hex)
 * L, I and X are i64 parameters; every other letter is i32. */
typedef struct wasi_func {
    const char *name;
    const char *params;
    veil_wasi_errno (*call)(veil_wasi *w, const wasi_mem *m, const uint64_t *a);
} wasi_func;

#define F(name, params)                                                                            \
    { #name, params, call_##name }
static const wasi_func funcs[] = {
    F(args_get, "pp"),
    F(args_sizes_get, "uu"),
    F(environ_get, "pp"),
    F(environ_sizes_get, "uu"),
    F(clock_res_get, "iU"),
    F(clock_time_get, "iLU"),
    F(fd_advise, "fLLi"),
    F(fd_allocate, "fLL"),
    F(fd_close, "f"),
    F(fd_datasync, "f"),
    F(fd_fdstat_get, "fp"),
    F(fd_fdstat_set_flags, "fx"),
    F(fd_fdstat_set_rights, "fXX"),
    F(fd_filestat_get, "fp"),
    F(fd_filestat_set_size, "fL"),
    F(fd_filestat_set_times, "fLLx"),
    F(fd_pread, "fpnLu"),
    F(fd_prestat_get, "fp"),
    F(fd_prestat_dir_name, "fpn"),
    F(fd_pwrite, "fpnLu"),
    F(fd_read, "fpnu"),
    F(fd_readdir, "fpnLu"),
    F(fd_renumber, "ff"),
    F(fd_seek, "fIiU"),
    F(fd_sync, "f"),
    F(fd_tell, "fU"),
    F(fd_write, "fpnu"),
    F(path_create_directory, "fsn"),
    F(path_filestat_get, "fxsnp"),
    F(path_filestat_set_times, "fxsnLLx"),
    F(path_link, "fxsnfsn"),
    F(path_open, "fxsnxXXxu"),
    F(path_readlink, "fsnpnu"),
    F(path_remove_directory, "fsn"),
    F(path_rename, "fsnfsn"),
    F(path_symlink, "snfsn"),
    F(path_unlink_file, "fsn"),
    F(poll_oneoff, "ppnu"),
    {"proc_exit", "i", NULL},
    F(proc_raise, "i"),
    F(sched_yield, ""),
    F(random_get, "pn"),
    F(sock_accept, "fxu"),
    F(sock_recv, "fpnxuu"),
    F(sock_send, "fpnxu"),
    F(sock_shutdown, "fx"),
};
#undef F

static const size_t func_count = sizeof(funcs) / sizeof(funcs[0]);

static const wasi_func *func_find(const char *name) {
    for (size_t i = 0; i < func_count; i++)
        if (strcmp(funcs[i].name, name) == 0)
            return &funcs[i];
    return NULL;
}

static const veil_wasm_valtype i32_result[1] = {VEIL_WASM_I32};

/* Parameter type lists, one per function, built on first use. */
static veil_wasm_valtype param_types[sizeof(funcs) / sizeof(funcs[0])][16];
static pthread_once_t param_types_once = PTHREAD_ONCE_INIT;

static void build_param_types(void) {
    for (size_t i = 0; i < func_count; i++)
        for (size_t k = 0; funcs[i].params[k] != '\0'; k++) {
            char c = funcs[i].params[k];
            param_types[i][k] = (c == 'L' || c == 'I' || c == 'X') ? VEIL_WASM_I64 : VEIL_WASM_I32;
        }
}

bool veil_wasi_signature(const char *name, veil_wasm_functype *out) {
    const wasi_func *f = func_find(name);
    if (f == NULL)
        return false;
    pthread_once(&param_types_once, build_param_types);
    out->param_count = (uint32_t)strlen(f->params);
    out->params = param_types[f - funcs];
    bool is_exit = f->call == NULL;
    out->result_count = is_exit ? 0 : 1;
    out->results = is_exit ? NULL : i32_result;
    return true;
}

/* ---- tracing ---- */

static void trace_append(char *line, size_t cap, size_t *len, const char *fmt, ...)
    VEIL_PRINTF(4, 5);
static void trace_append(char *line, size_t cap, size_t *len, const char *fmt, ...) {
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap;
}

static void trace_string(char *line, size_t cap, size_t *len, const wasi_mem *m, uint32_t ptr,
                         uint32_t n) {
    if (!mem_ok(m, ptr, n)) {
        trace_append(line, cap, len, "<bad pointer 0x%" PRIx32 ">", ptr);
        return;
    }
    trace_append(line, cap, len, "\"");
    uint32_t shown = n < 200 ? n : 200;
    for (uint32_t i = 0; i < shown; i++) {
        uint8_t c = ld8(m, (uint64_t)ptr + i);
        if (c == '"' || c == '\\')
            trace_append(line, cap, len, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            trace_append(line, cap, len, "%c", c);
        else
            trace_append(line, cap, len, "\\x%02x", c);
    }
    trace_append(line, cap, len, n > shown ? "\"..." : "\"");
}

static void trace_call(veil_wasi *w, const wasi_func *f, const wasi_mem *m, const uint64_t *a,
                       bool exited, veil_wasi_errno err) {
    char line[1024];
    size_t len = 0;
    trace_append(line, sizeof(line), &len, "%s(", f->name);
    const char *p = f->params;
    for (size_t i = 0; p[i] != '\0'; i++) {
        if (i > 0)
            trace_append(line, sizeof(line), &len, ", ");
        switch (p[i]) {
        case 's':
            trace_string(line, sizeof(line), &len, m, A32(i), A32(i + 1));
            i++; /* the length is part of the string */
            break;
        case 'x':
        case 'p':
        case 'u':
        case 'U':
            trace_append(line, sizeof(line), &len, "0x%" PRIx32, A32(i));
            break;
        case 'X':
            trace_append(line, sizeof(line), &len, "0x%" PRIx64, A64(i));
            break;
        case 'L':
            trace_append(line, sizeof(line), &len, "%" PRIu64, A64(i));
            break;
        case 'I':
            trace_append(line, sizeof(line), &len, "%" PRId64, (int64_t)A64(i));
            break;
        default:
            trace_append(line, sizeof(line), &len, "%" PRIu32, A32(i));
            break;
        }
    }
    if (exited) {
        trace_append(line, sizeof(line), &len, ") = exit");
    } else {
        trace_append(line, sizeof(line), &len, ") = %s", veil_wasi_errno_name(err));
        bool first = true;
        for (size_t i = 0; err == VEIL_WASI_ESUCCESS && p[i] != '\0'; i++) {
            if (p[i] != 'u' && p[i] != 'U')
                continue;
            trace_append(line, sizeof(line), &len, first ? " -> " : ", ");
            first = false;
            uint64_t ptr = A32(i);
            if (!mem_ok(m, ptr, p[i] == 'u' ? 4 : 8))
                trace_append(line, sizeof(line), &len, "?");
            else if (p[i] == 'u')
                trace_append(line, sizeof(line), &len, "%" PRIu32, ld32(m, ptr));
            else
                trace_append(line, sizeof(line), &len, "%" PRIu64, ld64(m, ptr));
        }
    }
    if (w->trace != NULL) {
        fprintf(w->trace, "%s\n", line);
        fflush(w->trace);
    }
    if (w->trace_log && veil_log_enabled(VEIL_LOG_TRACE))
        veil_log(VEIL_LOG_TRACE, "wasi", "%s", line);
}

/* ---- dispatch ---- */

veil_wasi_errno wasi_dispatch(veil_wasi *w, size_t index, uint8_t *memory, uint64_t memory_size,
                              const uint64_t *args, bool *exited, uint32_t *exit_code) {
    const wasi_func *f = &funcs[index];
    wasi_mem m = {memory, memory_size};
    veil_wasi_errno err = VEIL_WASI_ESUCCESS;
    *exited = false;
    if (f->call == NULL) {
        *exited = true;
        *exit_code = (uint32_t)args[0];
    } else {
        err = f->call(w, &m, args);
    }
    if (w->trace != NULL || w->trace_log)
        trace_call(w, f, &m, args, *exited, err);
    return err;
}

bool wasi_func_index(const char *name, size_t *index) {
    const wasi_func *f = func_find(name);
    if (f == NULL)
        return false;
    *index = (size_t)(f - funcs);
    return true;
}

const char *wasi_func_name(size_t index) {
    return funcs[index].name;
}

size_t wasi_func_total(void) {
    return func_count;
}

veil_error *veil_wasi_invoke(veil_wasi *wasi, const char *name, uint8_t *memory,
                             uint64_t memory_size, const uint64_t *args, uint64_t *results,
                             bool *exited, uint32_t *exit_code) {
    size_t index;
    VEIL_ENSURE(wasi_func_index(name, &index), VEIL_ENOENT, "wasi: %s has no function '%s'",
                VEIL_WASI_MODULE, name);
    veil_wasi_errno err = wasi_dispatch(wasi, index, memory, memory_size, args, exited, exit_code);
    if (!*exited)
        results[0] = err;
    return NULL;
}

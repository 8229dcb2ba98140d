/*
 * The AOT compile worker and its client.
 *
 * Under the local isolation backend the runtime's seccomp filter allows
 * neither process creation nor writable opens, so it cannot run a C
 * compiler.  Its sibling, the compile worker (the same measured binary,
 * started with --aot-worker-fd inside the same namespaces and rlimits,
 * under a filter that adds process creation and file writes but still no
 * sockets), compiles for it.  The runtime keeps what decides what runs:
 * it computes the cache key, translates the module (translate.c) and,
 * after dlopen, checks the key embedded in the object; the worker only
 * runs the compiler and keeps the cache (compile.c's veil_aot_cache_*, the
 * code `veil run` uses in-process).
 *
 * One request, one reply, over a stream socket (a socketpair made by the
 * host).  All integers little-endian.
 *
 *   request  "VAWQ" | u32 kind | 64 bytes key | u32 name_len | u64 text_len
 *            | name | text
 *     kind 1 TOOLCHAIN  key zero, no name, no text
 *          2 LOOKUP     key, no name, no text
 *          3 COMPILE    key, name (<= 255 bytes, no NUL), text (generated C)
 *   reply    "VAWR" | u32 status | u32 code | u32 len | len bytes
 *     status 0 OK     TOOLCHAIN: identity NUL opt_flags; LOOKUP/COMPILE:
 *                     no bytes, the object as one read-only descriptor
 *                     (SCM_RIGHTS) with the header
 *            1 MISS   LOOKUP only: not cached
 *            2 ERROR  code: a veil_code; the bytes: the message
 *
 * Both sides treat the other's bytes as untrusted input: every length is
 * bounded before anything is allocated, keys must be 64 lowercase hex
 * digits (so a key is safe in a file name), descriptors arrive only where
 * the protocol has one and must be regular files, anything else is
 * VEIL_EPROTO.  A worker that is gone (end of file, a broken connection)
 * is VEIL_EUNSUPPORTED: no compiler is available, the case the fallback
 * rule covers.
 *
 * veil-runtime's worker mode also confines its file writes (and its
 * compilers') with Landlock to the cache directory, the temporary
 * directory and /dev/null before it serves (veil_aot_worker_confine): the
 * seccomp filter has to allow writable opens, Landlock says where.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "veil/log.h"

#define REQ_MAGIC "VAWQ"
#define REP_MAGIC "VAWR"
#define REQ_HEADER_LEN 84u
#define REP_HEADER_LEN 16u
#define MAX_FDS 4

enum { REQ_TOOLCHAIN = 1, REQ_LOOKUP = 2, REQ_COMPILE = 3 };
enum { REP_OK = 0, REP_MISS = 1, REP_ERROR = 2 };

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p) {
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- I/O ---- */

typedef enum io_result { IO_OK, IO_EOF, IO_ERROR } io_result;

/* Sends a buffer, the first byte carrying `fd` when fd >= 0. */
static io_result send_all(int sock, const void *data, size_t len, int fd, int *err) {
    const uint8_t *p = data;
    bool fd_sent = fd < 0;
    while (len > 0) {
        struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        if (!fd_sent) {
            memset(&control, 0, sizeof control);
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof control.buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = errno;
            return errno == EPIPE || errno == ECONNRESET ? IO_EOF : IO_ERROR;
        }
        fd_sent = true;
        p += n;
        len -= (size_t)n;
    }
    return IO_OK;
}

/* Receives exactly `len` bytes; descriptors arriving with them are
 * appended to fds (up to MAX_FDS; more are closed and counted).  IO_EOF:
 * the connection ended before the first byte (`*got` 0) or inside. */
static io_result recv_all(int sock, void *data, size_t len, int *fds, size_t *nfds, size_t *got,
                          int *err) {
    uint8_t *p = data;
    *got = 0;
    while (*got < len) {
        struct iovec iov = {.iov_base = p + *got, .iov_len = len - *got};
        union {
            char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof control.buf};
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = errno;
            return errno == ECONNRESET ? IO_EOF : IO_ERROR;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                if (*nfds < MAX_FDS)
                    fds[*nfds] = fd;
                else
                    close(fd);
                (*nfds)++;
            }
        }
        if (n == 0)
            return IO_EOF;
        *got += (size_t)n;
    }
    return IO_OK;
}

static void close_fds(int *fds, size_t nfds) {
    for (size_t i = 0; i < nfds && i < MAX_FDS; i++)
        close(fds[i]);
}

/* ---- the runtime's side ---- */

struct veil_aot_worker_client {
    int fd;
    pthread_mutex_t lock;
    bool broken; /* a malformed reply put the connection out of step */
    veil_aot_remote remote;
};

typedef struct reply {
    uint32_t status, code;
    char *text; /* NUL-terminated (len bytes + NUL) */
    uint32_t len;
    int fd; /* the one descriptor, or -1 */
} reply;

static veil_error *gone(int err) {
    return veil_error_new(VEIL_EUNSUPPORTED,
                          "AOT compile worker: not running (its connection %s); no C compiler "
                          "is available to this process",
                          err != 0 ? strerror(err) : "is closed");
}

/* Marks the connection broken and returns a protocol error. */
static veil_error *malformed(veil_aot_worker_client *c, const char *fmt, ...) VEIL_PRINTF(2, 3);
static veil_error *malformed(veil_aot_worker_client *c, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    c->broken = true;
    return veil_error_new(VEIL_EPROTO, "AOT compile worker: malformed reply: %s", what);
}

/* One request and its reply; called with the lock held. */
static veil_error *transact(veil_aot_worker_client *c, uint32_t kind, const char *key,
                            const char *name, const char *text, size_t text_len, reply *r) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (c->broken)
        return veil_error_new(VEIL_EPROTO, "AOT compile worker: the connection is out of step "
                                           "after an earlier malformed reply");
    size_t name_len = name != NULL ? strlen(name) : 0;
    VEIL_ENSURE(name_len <= VEIL_AOT_WORKER_MAX_NAME, VEIL_EINVAL,
                "AOT compile worker: module name '%.40s...' longer than %u bytes", name,
                VEIL_AOT_WORKER_MAX_NAME);
    VEIL_ENSURE(text_len <= VEIL_AOT_WORKER_MAX_TEXT, VEIL_ELIMIT,
                "AOT compile worker: %zu bytes of C exceed the limit of %llu", text_len,
                (unsigned long long)VEIL_AOT_WORKER_MAX_TEXT);
    uint8_t h[REQ_HEADER_LEN] = {0};
    memcpy(h, REQ_MAGIC, 4);
    put_u32(h + 4, kind);
    if (key != NULL)
        memcpy(h + 8, key, VEIL_SHA256_HEX_LEN);
    put_u32(h + 72, (uint32_t)name_len);
    put_u64(h + 76, text_len);
    int e = 0;
    io_result io = send_all(c->fd, h, sizeof h, -1, &e);
    if (io == IO_OK && name_len > 0)
        io = send_all(c->fd, name, name_len, -1, &e);
    if (io == IO_OK && text_len > 0)
        io = send_all(c->fd, text, text_len, -1, &e);
    if (io == IO_EOF)
        return gone(e);
    if (io == IO_ERROR) {
        c->broken = true;
        return veil_error_errno(e, "AOT compile worker: sending a request");
    }

    uint8_t rh[REP_HEADER_LEN];
    int fds[MAX_FDS];
    size_t nfds = 0, got = 0;
    io = recv_all(c->fd, rh, sizeof rh, fds, &nfds, &got, &e);
    veil_error *err = NULL;
    if (io == IO_EOF && got == 0)
        err = gone(e);
    else if (io == IO_EOF)
        err =
            malformed(c, "the connection ended after %zu of %u header bytes", got, REP_HEADER_LEN);
    else if (io == IO_ERROR)
        err = malformed(c, "reading the reply: %s", strerror(e));
    else if (memcmp(rh, REP_MAGIC, 4) != 0)
        err = malformed(c, "it does not start with " REP_MAGIC);
    if (err == NULL) {
        r->status = get_u32(rh + 4);
        r->code = get_u32(rh + 8);
        r->len = get_u32(rh + 12);
        if (r->status > REP_ERROR)
            err = malformed(c, "unknown status %u", r->status);
        else if (r->len > VEIL_AOT_WORKER_MAX_REPLY)
            err = malformed(c, "%u bytes of text (at most %u)", r->len, VEIL_AOT_WORKER_MAX_REPLY);
        else if (r->status == REP_ERROR && (r->code == VEIL_OK || r->code > VEIL_EINTERNAL))
            err = malformed(c, "an error with the unknown code %u", r->code);
    }
    if (err == NULL) {
        r->text = malloc((size_t)r->len + 1);
        if (r->text == NULL)
            err = veil_error_new(VEIL_ENOMEM, "AOT compile worker: out of memory");
    }
    if (err == NULL && r->len > 0) {
        io = recv_all(c->fd, r->text, r->len, fds, &nfds, &got, &e);
        if (io != IO_OK)
            err = malformed(c, "the connection ended after %zu of %u bytes of text", got, r->len);
    }
    if (err == NULL) {
        r->text[r->len] = '\0';
        bool wants_fd = r->status == REP_OK && kind != REQ_TOOLCHAIN;
        if (nfds != (wants_fd ? 1u : 0u))
            err = malformed(c, "%zu descriptors where %s expected", nfds,
                            wants_fd ? "one was" : "none were");
        else if (wants_fd) {
            struct stat st;
            if (fstat(fds[0], &st) != 0 || !S_ISREG(st.st_mode))
                err = malformed(c, "the descriptor passed is not a regular file");
            else if (r->len != 0)
                err = malformed(c, "%u bytes of text with an object", r->len);
            else {
                r->fd = fds[0];
                nfds = 0;
            }
        }
    }
    close_fds(fds, nfds);
    if (err != NULL) {
        free(r->text);
        r->text = NULL;
    }
    return err;
}

/* The worker's error, with its code; control characters other than
 * newlines and tabs (compiler output) become '?'. */
static veil_error *worker_error(const reply *r) {
    for (uint32_t i = 0; i < r->len; i++) {
        unsigned char ch = (unsigned char)r->text[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            r->text[i] = '?';
    }
    return veil_error_new((veil_code)r->code, "AOT compile worker: %s", r->text);
}

static veil_error *unexpected_miss(veil_aot_worker_client *c) {
    return malformed(c, "'not cached' answers only a lookup");
}

static veil_error *client_toolchain(void *user, char **identity, char **opt_flags) {
    veil_aot_worker_client *c = user;
    pthread_mutex_lock(&c->lock);
    reply r;
    veil_error *err = transact(c, REQ_TOOLCHAIN, NULL, NULL, NULL, 0, &r);
    if (err == NULL && r.status == REP_ERROR)
        err = worker_error(&r);
    else if (err == NULL && r.status == REP_MISS)
        err = unexpected_miss(c);
    else if (err == NULL) {
        /* identity NUL opt_flags, both non-empty, one line each */
        size_t id_len = strnlen(r.text, r.len);
        const char *flags = r.text + id_len + 1;
        if (id_len == 0 || id_len == r.len || strlen(flags) == 0 ||
            id_len + 1 + strlen(flags) != r.len || strchr(r.text, '\n') != NULL ||
            strchr(flags, '\n') != NULL)
            err = malformed(c, "a toolchain must be identity NUL flags, one line each");
        if (err == NULL)
            err = veil_strdup(r.text, identity);
        if (err == NULL) {
            err = veil_strdup(flags, opt_flags);
            if (err != NULL)
                free(*identity);
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(r.text);
    return err;
}

static veil_error *client_lookup(void *user, const char *key, int *fd) {
    veil_aot_worker_client *c = user;
    *fd = -1;
    VEIL_ENSURE(veil_aot_key_valid(key), VEIL_EINVAL, "AOT: '%.80s' is not a cache key", key);
    pthread_mutex_lock(&c->lock);
    reply r;
    veil_error *err = transact(c, REQ_LOOKUP, key, NULL, NULL, 0, &r);
    if (err == NULL && r.status == REP_ERROR)
        err = worker_error(&r);
    else if (err == NULL && r.status == REP_OK)
        *fd = r.fd;
    pthread_mutex_unlock(&c->lock);
    free(r.text);
    return err;
}

static veil_error *client_compile(void *user, const char *key, const char *name, const char *c_text,
                                  size_t c_len, int *fd) {
    veil_aot_worker_client *c = user;
    *fd = -1;
    VEIL_ENSURE(veil_aot_key_valid(key), VEIL_EINVAL, "AOT: '%.80s' is not a cache key", key);
    /* A name with a NUL or over the bound is cut, it only labels messages. */
    char short_name[VEIL_AOT_WORKER_MAX_NAME + 1];
    snprintf(short_name, sizeof short_name, "%s", name);
    pthread_mutex_lock(&c->lock);
    reply r;
    veil_error *err = transact(c, REQ_COMPILE, key, short_name, c_text, c_len, &r);
    if (err == NULL && r.status == REP_ERROR)
        err = worker_error(&r);
    else if (err == NULL && r.status == REP_MISS)
        err = unexpected_miss(c);
    else if (err == NULL)
        *fd = r.fd;
    pthread_mutex_unlock(&c->lock);
    free(r.text);
    return err;
}

veil_error *veil_aot_worker_client_new(int fd, veil_aot_worker_client **out) {
    VEIL_ENSURE(fd >= 0, VEIL_EINVAL, "AOT compile worker: no descriptor");
    veil_aot_worker_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT compile worker: out of memory");
    c->fd = fd;
    pthread_mutex_init(&c->lock, NULL);
    c->remote = (veil_aot_remote){.toolchain = client_toolchain,
                                  .lookup = client_lookup,
                                  .compile = client_compile,
                                  .user = c};
    *out = c;
    return NULL;
}

const veil_aot_remote *veil_aot_worker_client_remote(veil_aot_worker_client *client) {
    return &client->remote;
}

void veil_aot_worker_client_free(veil_aot_worker_client *client) {
    if (client == NULL)
        return;
    close(client->fd);
    pthread_mutex_destroy(&client->lock);
    free(client);
}

/* ---- the worker's side ---- */

static io_result send_reply(int sock, uint32_t status, uint32_t code, const char *text, size_t len,
                            int fd, int *e) {
    if (len > VEIL_AOT_WORKER_MAX_REPLY)
        len = VEIL_AOT_WORKER_MAX_REPLY;
    uint8_t h[REP_HEADER_LEN];
    memcpy(h, REP_MAGIC, 4);
    put_u32(h + 4, status);
    put_u32(h + 8, code);
    put_u32(h + 12, (uint32_t)len);
    io_result io = send_all(sock, h, sizeof h, fd, e);
    if (io == IO_OK && len > 0)
        io = send_all(sock, text, len, -1, e);
    return io;
}

static io_result send_error(int sock, const veil_error *err, int *e) {
    const char *msg = veil_error_message(err);
    return send_reply(sock, REP_ERROR, (uint32_t)veil_error_code(err), msg, strlen(msg), -1, e);
}

/* Reads one request.  *kind 0 when the peer closed the connection between
 * requests. */
typedef struct request {
    uint32_t kind;
    char key[VEIL_SHA256_HEX_LEN + 1];
    char name[VEIL_AOT_WORKER_MAX_NAME + 1];
    char *text;
    size_t text_len;
} request;

static veil_error *read_request(int sock, request *q) {
    memset(q, 0, sizeof *q);
    uint8_t h[REQ_HEADER_LEN];
    int fds[MAX_FDS];
    size_t nfds = 0, got = 0;
    int e = 0;
    io_result io = recv_all(sock, h, sizeof h, fds, &nfds, &got, &e);
    close_fds(fds, nfds);
    if (io == IO_EOF && got == 0)
        return NULL; /* the runtime is done */
    if (io != IO_OK)
        return veil_error_new(VEIL_EPROTO, "AOT compile worker: request header cut short (%s)",
                              io == IO_EOF ? "end of file" : strerror(e));
    VEIL_ENSURE(nfds == 0, VEIL_EPROTO, "AOT compile worker: a request came with descriptors");
    VEIL_ENSURE(memcmp(h, REQ_MAGIC, 4) == 0, VEIL_EPROTO,
                "AOT compile worker: a request does not start with " REQ_MAGIC);
    uint32_t kind = get_u32(h + 4);
    uint32_t name_len = get_u32(h + 72);
    uint64_t text_len = get_u64(h + 76);
    VEIL_ENSURE(kind >= REQ_TOOLCHAIN && kind <= REQ_COMPILE, VEIL_EPROTO,
                "AOT compile worker: unknown request kind %u", kind);
    VEIL_ENSURE(name_len <= VEIL_AOT_WORKER_MAX_NAME, VEIL_EPROTO,
                "AOT compile worker: a module name of %u bytes (at most %u)", name_len,
                VEIL_AOT_WORKER_MAX_NAME);
    VEIL_ENSURE(text_len <= VEIL_AOT_WORKER_MAX_TEXT, VEIL_EPROTO,
                "AOT compile worker: %llu bytes of C (at most %llu)", (unsigned long long)text_len,
                (unsigned long long)VEIL_AOT_WORKER_MAX_TEXT);
    VEIL_ENSURE(kind == REQ_COMPILE || (name_len == 0 && text_len == 0), VEIL_EPROTO,
                "AOT compile worker: only a compile request carries a name and text");
    memcpy(q->key, h + 8, VEIL_SHA256_HEX_LEN);
    q->key[VEIL_SHA256_HEX_LEN] = '\0';
    VEIL_ENSURE(kind == REQ_TOOLCHAIN || veil_aot_key_valid(q->key), VEIL_EPROTO,
                "AOT compile worker: a request's key is not 64 lowercase hex digits");
    if (name_len > 0) {
        io = recv_all(sock, q->name, name_len, fds, &nfds, &got, &e);
        close_fds(fds, nfds);
        VEIL_ENSURE(io == IO_OK && nfds == 0, VEIL_EPROTO,
                    "AOT compile worker: request name cut short");
        VEIL_ENSURE(memchr(q->name, '\0', name_len) == NULL, VEIL_EPROTO,
                    "AOT compile worker: a module name with a NUL byte");
    }
    if (text_len > 0) {
        q->text = malloc((size_t)text_len);
        if (q->text == NULL)
            return veil_error_new(VEIL_ENOMEM, "AOT compile worker: out of memory for %llu bytes",
                                  (unsigned long long)text_len);
        io = recv_all(sock, q->text, (size_t)text_len, fds, &nfds, &got, &e);
        close_fds(fds, nfds);
        if (io != IO_OK || nfds != 0) {
            free(q->text);
            q->text = NULL;
            return veil_error_new(VEIL_EPROTO, "AOT compile worker: %zu of %llu bytes of C came",
                                  got, (unsigned long long)text_len);
        }
    }
    q->text_len = (size_t)text_len;
    q->kind = kind;
    return NULL;
}

/* Answers one request; the reply's I/O outcome in *io. */
static io_result answer(int sock, const request *q, const veil_aot_config *config, int *e) {
    veil_aot_toolchain tc;
    veil_error *err = veil_aot_toolchain_resolve(config, &tc);
    if (err != NULL) {
        veil_log(VEIL_LOG_WARN, "aot-worker", "%s", veil_error_message(err));
        io_result io = send_error(sock, err, e);
        veil_error_free(err);
        return io;
    }
    io_result io = IO_OK;
    int fd = -1;
    if (q->kind == REQ_TOOLCHAIN) {
        size_t id_len = strlen(tc.identity), fl_len = strlen(tc.opt_flags);
        char *text = malloc(id_len + 1 + fl_len);
        if (text == NULL)
            err = veil_error_new(VEIL_ENOMEM, "AOT compile worker: out of memory");
        else {
            memcpy(text, tc.identity, id_len + 1);
            memcpy(text + id_len + 1, tc.opt_flags, fl_len);
            io = send_reply(sock, REP_OK, 0, text, id_len + 1 + fl_len, -1, e);
            free(text);
        }
    } else if (q->kind == REQ_LOOKUP) {
        err = veil_aot_cache_open(&tc, q->key, &fd);
        if (err == NULL) {
            veil_log(VEIL_LOG_INFO, "aot-worker", "%s: %s", q->key,
                     fd >= 0 ? "cache hit" : "not cached");
            io = fd >= 0 ? send_reply(sock, REP_OK, 0, NULL, 0, fd, e)
                         : send_reply(sock, REP_MISS, 0, NULL, 0, -1, e);
        }
    } else {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = veil_aot_cache_build(&tc, q->key, q->name[0] ? q->name : "module", q->text,
                                   q->text_len);
        if (err == NULL)
            err = veil_aot_cache_open(&tc, q->key, &fd);
        if (err == NULL && fd < 0)
            err = veil_error_new(VEIL_EIO, "AOT cache: %s.so vanished after it was built", q->key);
        if (err == NULL) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            veil_log(VEIL_LOG_INFO, "aot-worker", "%s: compiled %s (%zu bytes of C) in %lld ms",
                     q->key, q->name[0] ? q->name : "module", q->text_len,
                     (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
                         (t1.tv_nsec - t0.tv_nsec) / 1000000);
            io = send_reply(sock, REP_OK, 0, NULL, 0, fd, e);
        }
    }
    if (err != NULL) {
        veil_log(VEIL_LOG_WARN, "aot-worker", "%s", veil_error_message(err));
        io = send_error(sock, err, e);
        veil_error_free(err);
    }
    if (fd >= 0)
        close(fd);
    veil_aot_toolchain_free(&tc);
    return io;
}

veil_error *veil_aot_worker_serve(int fd, const veil_aot_config *config) {
    for (;;) {
        request q;
        veil_error *err = read_request(fd, &q);
        if (err != NULL) {
            /* Tell the runtime why before hanging up (it may not listen). */
            int e = 0;
            (void)send_error(fd, err, &e);
            return err;
        }
        if (q.kind == 0)
            return NULL;
        int e = 0;
        io_result io = answer(fd, &q, config, &e);
        free(q.text);
        if (io == IO_EOF)
            return NULL;
        if (io == IO_ERROR)
            return veil_error_errno(e, "AOT compile worker: sending a reply");
    }
}

/* ---- Landlock ---- */

/* Access rights of later ABIs than the system headers may know. */
#define LL_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */

static veil_error *landlock_allow(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return veil_error_errno(errno, "AOT compile worker: confining writes: cannot open %s",
                                path);
    struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int e = errno;
    close(fd);
    if (rc != 0)
        return veil_error_errno(e, "AOT compile worker: confining writes: a rule for %s", path);
    return NULL;
}

veil_error *veil_aot_worker_confine(const veil_aot_config *config, char *what, size_t what_size) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "AOT compile worker: Landlock is not available (%s); its file "
                              "writes are not confined to the cache",
                              strerror(errno));
    /* Everything that writes, creates, removes or renames is handled (so
     * denied outside the rules); reading and executing are not. */
    uint64_t file_writes = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LL_ACCESS_FS_TRUNCATE : 0);
    uint64_t writes = file_writes | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                      LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                      LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                      LANDLOCK_ACCESS_FS_MAKE_SYM | (abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0);
    char *dir = NULL;
    VEIL_TRY(veil_aot_cache_dir(config ? config->cache_dir : NULL, &dir));
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp != '/')
        tmp = "/tmp";
    veil_error *err = veil_aot_make_dirs(dir);
    int ruleset = -1;
    if (err == NULL) {
        struct landlock_ruleset_attr attr = {.handled_access_fs = writes};
        ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
        if (ruleset < 0)
            err = veil_error_errno(errno, "AOT compile worker: creating a Landlock ruleset");
    }
    if (err == NULL)
        err = landlock_allow(ruleset, dir, writes);
    if (err == NULL)
        err = landlock_allow(ruleset, tmp, writes);
    if (err == NULL)
        err = landlock_allow(ruleset, "/dev/null", file_writes);
    if (err == NULL && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
        err = veil_error_errno(errno, "AOT compile worker: applying the Landlock ruleset");
    if (err == NULL)
        snprintf(what, what_size, "file writes confined to %s, %s and /dev/null (Landlock ABI %ld)",
                 dir, tmp, abi);
    if (ruleset >= 0)
        close(ruleset);
    free(dir);
    return err;
}

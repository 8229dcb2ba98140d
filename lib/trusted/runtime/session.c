/*
 * One client session: the TLS handshake, then requests in order until the
 * client closes (docs/protocol.md).
 *
 * Every request gets exactly one RESPONSE.  A WRITE that fails before its
 * body ends (no right, hash, budget) is answered at once and the rest of
 * its body is read and dropped up to its END, so the client may pipeline
 * and still find the answer.  Paths are checked by the file system against
 * the principal's own view; "stdout" and "stderr" name the output of the
 * latest program run and need fd_read on those special grants.  A frame
 * that breaks the protocol is answered BAD_REQUEST and ends the session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "runtime_internal.h"
#include "veil/log.h"
#include "veil/protocol.h"
#include "veil/wasi_rights.h"

enum { HANDSHAKE_TIMEOUT_S = 30 };

typedef struct session_io {
    veil_session *s;
    veil_stream stream;
    uint8_t *buf; /* VEIL_PROTO_MAX_PAYLOAD */
    const veil_policy_principal *who;
} session_io;

static veil_error *respond(session_io *io, const veil_proto_response *resp) {
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_error *err = veil_proto_response_encode(resp, &b);
    if (err == NULL)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_RESPONSE, b.data, b.len);
    veil_buf_free(&b);
    return err;
}

/* Answers a failure; the session goes on (the error is consumed). */
static veil_error *respond_error(session_io *io, veil_error *failure) {
    VEIL_INFO(RUNTIME_COMPONENT, "%s: %s: %s", io->who->name,
              veil_code_name(veil_error_code(failure)), veil_error_message(failure));
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_error *err = veil_proto_response_from_error(failure, &b);
    veil_error_free(failure);
    if (err == NULL)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_RESPONSE, b.data, b.len);
    veil_buf_free(&b);
    return err;
}

static veil_error *respond_ok(session_io *io, uint64_t a, uint64_t b, uint64_t c) {
    veil_proto_response resp = {.status = VEIL_STATUS_OK, .a = a, .b = b, .c = c};
    return respond(io, &resp);
}

static bool is_stdio(const char *path) {
    return strcmp(path, "stdout") == 0 || strcmp(path, "stderr") == 0;
}

/* Reads and drops the rest of a WRITE body, up to its END. */
static veil_error *drain_body(session_io *io) {
    for (;;) {
        veil_frame_header hdr;
        bool eof;
        VEIL_TRY(veil_proto_read_frame(&io->stream, &hdr, io->buf, &eof));
        VEIL_ENSURE(!eof, VEIL_EPROTO, "the client closed the connection inside a write body");
        if (hdr.type == VEIL_FRAME_END)
            return NULL;
        VEIL_ENSURE(hdr.type == VEIL_FRAME_DATA, VEIL_EPROTO,
                    "%s frame inside a write body (DATA or END expected)",
                    veil_frame_type_name(hdr.type));
    }
}

static veil_error *op_write(session_io *io, const char *path, bool append, uint64_t size_hint) {
    veil_vfs_writer *writer = NULL;
    veil_error *failure = NULL;
    if (is_stdio(path))
        failure = veil_error_new(VEIL_EINVAL,
                                 "%s is the output of a program run and cannot be "
                                 "written",
                                 path);
    if (failure == NULL)
        failure = veil_vfs_write_begin(veil_runtime_client_view(io->s->rt, io->who), path,
                                       append ? VEIL_VFS_WRITE_APPEND : VEIL_VFS_WRITE_TRUNCATE,
                                       size_hint, &writer);
    if (failure != NULL) {
        VEIL_TRY(respond_error(io, failure));
        return drain_body(io);
    }
    uint64_t total = 0;
    for (;;) {
        veil_frame_header hdr;
        bool eof;
        veil_error *err = veil_proto_read_frame(&io->stream, &hdr, io->buf, &eof);
        if (err == NULL && eof)
            err = veil_error_new(VEIL_EPROTO, "the client closed the connection inside a write "
                                              "body");
        if (err == NULL && hdr.type != VEIL_FRAME_DATA && hdr.type != VEIL_FRAME_END)
            err = veil_error_new(VEIL_EPROTO,
                                 "%s frame inside a write body (DATA or END "
                                 "expected)",
                                 veil_frame_type_name(hdr.type));
        if (err != NULL) {
            veil_vfs_write_abort(writer);
            return err;
        }
        if (hdr.type == VEIL_FRAME_END)
            break;
        failure = veil_vfs_write_chunk(writer, io->buf, hdr.len);
        if (failure != NULL) {
            veil_vfs_write_abort(writer);
            VEIL_TRY(respond_error(io, veil_error_wrap(failure, "writing %s after %llu bytes", path,
                                                       (unsigned long long)total)));
            return drain_body(io);
        }
        total += hdr.len;
    }
    failure = veil_vfs_write_commit(writer);
    if (failure != NULL)
        return respond_error(io, failure);
    VEIL_INFO(RUNTIME_COMPONENT, "%s %s %s (%llu bytes)", io->who->name,
              append ? "appended to" : "wrote", path, (unsigned long long)total);
    return respond_ok(io, total, 0, 0);
}

/* Sends bytes as DATA frames. */
static veil_error *send_data(session_io *io, const uint8_t *data, size_t len) {
    for (size_t off = 0; off < len; off += VEIL_PROTO_MAX_PAYLOAD) {
        size_t n = len - off < VEIL_PROTO_MAX_PAYLOAD ? len - off : VEIL_PROTO_MAX_PAYLOAD;
        VEIL_TRY(veil_proto_write_frame(&io->stream, VEIL_FRAME_DATA, data + off, n));
    }
    return NULL;
}

static veil_error *check_stdio_right(session_io *io, const char *stream, const char *why) {
    if (veil_policy_rights_on(io->who, stream) & VEIL_RIGHT_FD_READ)
        return NULL;
    return veil_error_new(VEIL_EPERM, "%s lacks fd_read on %s%s", io->who->name, stream, why);
}

static veil_error *op_read_output(session_io *io, const char *stream) {
    veil_error *failure = check_stdio_right(io, stream, "");
    if (failure != NULL)
        return respond_error(io, failure);
    veil_runtime *rt = io->s->rt;
    int index = strcmp(stream, "stdout") == 0 ? 0 : 1;
    /* A copy, so a run finishing meanwhile cannot free what is sent. */
    pthread_mutex_lock(&rt->lock);
    size_t len = rt->last_output.len[index];
    uint8_t *copy = len > 0 ? malloc(len) : NULL;
    if (copy != NULL)
        memcpy(copy, rt->last_output.data[index], len);
    pthread_mutex_unlock(&rt->lock);
    if (len > 0 && copy == NULL)
        return respond_error(io, veil_error_new(VEIL_ENOMEM, "out of memory copying %s", stream));
    veil_error *err = respond_ok(io, len, 0, 0);
    if (err == NULL)
        err = send_data(io, copy, len);
    free(copy);
    if (err == NULL)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_END, NULL, 0);
    return err;
}

static veil_error *op_read(session_io *io, const char *path) {
    if (is_stdio(path))
        return op_read_output(io, path);
    veil_vfs_reader *reader;
    uint64_t size;
    veil_error *failure =
        veil_vfs_read_open(veil_runtime_client_view(io->s->rt, io->who), path, &reader, &size);
    if (failure != NULL)
        return respond_error(io, failure);
    veil_error *err = respond_ok(io, size, 0, 0);
    uint64_t off = 0;
    while (err == NULL) {
        size_t got;
        failure = veil_vfs_read_at(reader, off, io->buf, VEIL_PROTO_MAX_PAYLOAD, &got);
        if (failure != NULL) {
            /* Mid-body failure: a RESPONSE in place of END. */
            err = respond_error(io, failure);
            break;
        }
        if (got == 0) {
            err = veil_proto_write_frame(&io->stream, VEIL_FRAME_END, NULL, 0);
            break;
        }
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_DATA, io->buf, got);
        off += got;
    }
    veil_vfs_read_close(reader);
    if (err == NULL)
        VEIL_INFO(RUNTIME_COMPONENT, "%s read %s (%llu bytes)", io->who->name, path,
                  (unsigned long long)off);
    return err;
}

static veil_error *op_list(session_io *io, const char *path) {
    veil_vfs_list_entry *entries;
    size_t count;
    veil_error *failure =
        veil_vfs_list(veil_runtime_client_view(io->s->rt, io->who), path, &entries, &count);
    if (failure != NULL)
        return respond_error(io, failure);
    veil_error *err = respond_ok(io, count, 0, 0);
    veil_buf b;
    veil_buf_init(&b, 0);
    for (size_t i = 0; err == NULL && i < count; i++) {
        veil_proto_list_entry e = {entries[i].filetype, entries[i].size, entries[i].name,
                                   strlen(entries[i].name)};
        size_t before = b.len;
        err = veil_proto_list_entry_encode(&e, &b);
        if (err == NULL && b.len > VEIL_PROTO_MAX_PAYLOAD) {
            err = veil_proto_write_frame(&io->stream, VEIL_FRAME_DATA, b.data, before);
            memmove(b.data, b.data + before, b.len - before);
            b.len -= before;
        }
    }
    if (err == NULL && b.len > 0)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_DATA, b.data, b.len);
    if (err == NULL)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_END, NULL, 0);
    veil_buf_free(&b);
    veil_vfs_list_free(entries, count);
    return err;
}

static veil_error *op_execute(session_io *io, const char *path, uint8_t flags) {
    bool want_out = flags & VEIL_PROTO_FLAG_STDOUT, want_err = flags & VEIL_PROTO_FLAG_STDERR;
    veil_error *failure = NULL;
    if (want_out)
        failure = check_stdio_right(io, "stdout", " (it asked for the program's stdout)");
    if (failure == NULL && want_err)
        failure = check_stdio_right(io, "stderr", " (it asked for the program's stderr)");
    veil_exec_result result = {0};
    if (failure == NULL)
        failure = veil_runtime_execute(io->s->rt, io->who, path, &result);
    if (failure != NULL)
        return respond_error(io, failure);
    size_t out_len = want_out ? result.output.len[0] : 0;
    size_t err_len = want_err ? result.output.len[1] : 0;
    veil_error *err = respond_ok(io, result.exit_code, out_len, err_len);
    if (err == NULL && out_len > 0)
        err = send_data(io, result.output.data[0], out_len);
    if (err == NULL && err_len > 0)
        err = send_data(io, result.output.data[1], err_len);
    if (err == NULL)
        err = veil_proto_write_frame(&io->stream, VEIL_FRAME_END, NULL, 0);
    veil_run_output_free(&result.output);
    return err;
}

static veil_error *op_policy(session_io *io, bool with_bytes) {
    veil_runtime *rt = io->s->rt;
    size_t len;
    const uint8_t *bytes = veil_policy_bytes(rt->policy, &len);
    veil_proto_response resp = {.status = VEIL_STATUS_OK, .a = len, .has_digest = true};
    veil_policy_hash(rt->policy, resp.digest);
    VEIL_TRY(respond(io, &resp));
    if (!with_bytes)
        return NULL;
    VEIL_TRY(send_data(io, bytes, len));
    return veil_proto_write_frame(&io->stream, VEIL_FRAME_END, NULL, 0);
}

static veil_error *op_shutdown(session_io *io, bool *stop) {
    if (!io->who->may_shutdown)
        return respond_error(io, veil_error_new(VEIL_EPERM,
                                                "%s may not shut the instance down (the policy "
                                                "does not give it may_shutdown)",
                                                io->who->name));
    VEIL_TRY(respond_ok(io, 0, 0, 0));
    VEIL_INFO(RUNTIME_COMPONENT, "%s shuts the instance down", io->who->name);
    veil_runtime_request_shutdown(io->s->rt, io->who->name);
    *stop = true;
    return NULL;
}

/* Handles one request; *stop ends the session. */
static veil_error *handle(session_io *io, const veil_frame_header *hdr, bool *stop) {
    if (hdr->type != VEIL_FRAME_REQUEST) {
        *stop = true;
        return respond_error(io, veil_error_new(VEIL_EPROTO,
                                                "%s frame where a REQUEST was "
                                                "expected",
                                                veil_frame_type_name(hdr->type)));
    }
    veil_proto_request req;
    veil_error *failure = veil_proto_request_parse(io->buf, hdr->len, &req);
    if (failure != NULL) {
        *stop = true;
        return respond_error(io, failure);
    }
    char path[VEIL_PROTO_MAX_PATH + 1];
    memcpy(path, req.path, req.path_len);
    path[req.path_len] = '\0';
    VEIL_DEBUG(RUNTIME_COMPONENT, "%s: %s %s", io->who->name, veil_proto_op_name(req.op), path);
    switch (req.op) {
    case VEIL_OP_WRITE:
        return op_write(io, path, req.flags & VEIL_PROTO_FLAG_APPEND, req.size_hint);
    case VEIL_OP_READ:
        return op_read(io, path);
    case VEIL_OP_LIST:
        return op_list(io, path);
    case VEIL_OP_EXECUTE:
        return op_execute(io, path, req.flags);
    case VEIL_OP_POLICY:
        return op_policy(io, req.flags & VEIL_PROTO_FLAG_POLICY_BYTES);
    case VEIL_OP_SHUTDOWN:
        return op_shutdown(io, stop);
    default:
        *stop = true;
        return respond_error(io, veil_error_new(VEIL_EPROTO, "unknown operation %u", req.op));
    }
}

static void run_session(veil_session *s) {
    veil_runtime *rt = s->rt;
    s->ssl = SSL_new(rt->ssl_ctx);
    veil_error *setup = s->ssl == NULL ? veil_error_new(VEIL_ENOMEM, "out of memory")
                                       : veil_ssl_attach_fd(s->ssl, s->fd);
    if (setup != NULL) {
        VEIL_WARN(RUNTIME_COMPONENT, "cannot set up TLS for a client: %s",
                  veil_error_message(setup));
        veil_error_free(setup);
        return;
    }
    /* A peer that never completes the handshake must not hold a session
     * slot: the handshake has HANDSHAKE_TIMEOUT_S, the session after it
     * none (a client may think between requests). */
    struct timeval limit = {HANDSHAKE_TIMEOUT_S, 0}, none = {0, 0};
    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    int rc = SSL_accept(s->ssl);
    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
    if (rc != 1) {
        veil_error *err = veil_ssl_failure(s->ssl, rc, "TLS handshake with a client failed");
        VEIL_WARN(RUNTIME_COMPONENT, "%s", veil_error_message(err));
        veil_error_free(err);
        return;
    }
    session_io io = {.s = s, .who = SSL_get_ex_data(s->ssl, rt->ssl_principal_index)};
    veil_ssl_stream_init(s->ssl, &io.stream);
    io.buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    if (io.who == NULL || io.buf == NULL) {
        free(io.buf);
        return;
    }
    VEIL_INFO(RUNTIME_COMPONENT, "session opened for %s", io.who->name);
    bool stop = false;
    veil_error *err = NULL;
    while (!stop && err == NULL) {
        veil_frame_header hdr;
        bool eof;
        err = veil_proto_read_frame(&io.stream, &hdr, io.buf, &eof);
        if (err != NULL &&
            (veil_error_code(err) == VEIL_EPROTO || veil_error_code(err) == VEIL_EUNSUPPORTED)) {
            /* A bad frame header: say why before closing. */
            veil_error *answer = respond_error(&io, err);
            err = answer;
            break;
        }
        if (err != NULL || eof)
            break;
        err = handle(&io, &hdr, &stop);
    }
    if (err != NULL) {
        VEIL_INFO(RUNTIME_COMPONENT, "session of %s ended: %s", io.who->name,
                  veil_error_message(err));
        veil_error_free(err);
    } else {
        SSL_shutdown(s->ssl);
        VEIL_INFO(RUNTIME_COMPONENT, "session of %s closed", io.who->name);
    }
    free(io.buf);
}

void *veil_session_main(void *arg) {
    veil_session *s = arg;
    run_session(s);
    SSL_free(s->ssl);
    s->ssl = NULL;
    ERR_clear_error();
    pthread_mutex_lock(&s->rt->lock);
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    s->fd = -1;
    s->done = true;
    pthread_mutex_unlock(&s->rt->lock);
    return NULL;
}

/*
 * The Veil runtime protocol (version 1): frames carried inside the TLS
 * connection that ends in the runtime, and the same frames on the channel
 * between the host and the runtime.  docs/protocol.md is the specification;
 * this header is its codec.
 *
 * Every frame is an 8-byte header and a payload:
 *
 *     u8  version   (1)
 *     u8  type      (REQUEST, RESPONSE, DATA, END; host channel: 0x40..)
 *     u16 reserved  (0)
 *     u32 length    payload bytes, big-endian, at most VEIL_PROTO_MAX_PAYLOAD
 *
 * A client sends one REQUEST (followed, for WRITE, by DATA frames and an
 * END), and the runtime answers with exactly one RESPONSE, followed for
 * READ, LIST, EXECUTE and POLICY (when it succeeded and has a body) by DATA
 * frames and an END.  Requests on one connection are handled in order.
 * Integers are big-endian; strings are a u16 length and UTF-8 bytes with no
 * NUL.  Parsers read through veil_reader and insist on exact lengths.
 */
#ifndef VEIL_PROTOCOL_H
#define VEIL_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "veil/error.h"
#include "veil/hash.h"
#include "veil/reader.h"
#include "veil/str.h"

#define VEIL_PROTO_VERSION 1
#define VEIL_PROTO_HEADER_LEN 8
/* Largest payload of one frame. */
#define VEIL_PROTO_MAX_PAYLOAD (256u * 1024u)
/* Longest path in a request, and longest message in a response. */
#define VEIL_PROTO_MAX_PATH 4096u
#define VEIL_PROTO_MAX_MESSAGE 8192u

typedef enum veil_frame_type {
    VEIL_FRAME_REQUEST = 1,
    VEIL_FRAME_RESPONSE = 2,
    VEIL_FRAME_DATA = 3,
    VEIL_FRAME_END = 4,
    /* Host channel only (host <-> runtime), see docs/protocol.md. */
    VEIL_FRAME_HOST_POLICY = 0x40,   /* host -> runtime: the global policy bytes */
    VEIL_FRAME_HOST_NONCE = 0x41,    /* host -> runtime: PAS nonce */
    VEIL_FRAME_HOST_CSR = 0x42,      /* runtime -> host: u16 nonce, nonce, CSR DER */
    VEIL_FRAME_HOST_CERT = 0x43,     /* host -> runtime: u32 len, leaf DER, CA DER */
    VEIL_FRAME_HOST_READY = 0x44,    /* runtime -> host: serving */
    VEIL_FRAME_HOST_CONNECT = 0x45,  /* host -> runtime: a client connection (fd attached) */
    VEIL_FRAME_HOST_SHUTDOWN = 0x46, /* runtime -> host: a principal shut the instance down */
    VEIL_FRAME_HOST_STOP = 0x47,     /* host -> runtime: stop now */
    VEIL_FRAME_HOST_ERROR = 0x48,    /* either way: RESPONSE-shaped failure, then close */
    VEIL_FRAME_HOST_START = 0x49,    /* runtime -> host: ready for a nonce */
} veil_frame_type;

typedef struct veil_frame_header {
    uint8_t type;
    uint32_t len;
} veil_frame_header;

/* Parses a header: wrong version (VEIL_EUNSUPPORTED), unknown type, non-zero
 * reserved bits or an oversized length (VEIL_EPROTO) are errors. */
VEIL_NODISCARD veil_error *veil_proto_header_parse(const uint8_t header[VEIL_PROTO_HEADER_LEN],
                                                   veil_frame_header *out);
void veil_proto_header_write(uint8_t header[VEIL_PROTO_HEADER_LEN], uint8_t type, uint32_t len);
const char *veil_frame_type_name(uint8_t type);

/* ---- operations ---- */

typedef enum veil_proto_op {
    VEIL_OP_WRITE = 1,    /* path; body: DATA* END; flag APPEND */
    VEIL_OP_READ = 2,     /* path ("stdout"/"stderr": last run's output) */
    VEIL_OP_LIST = 3,     /* path of a directory */
    VEIL_OP_EXECUTE = 4,  /* path of a program; flags STDOUT/STDERR */
    VEIL_OP_POLICY = 5,   /* flag POLICY_BYTES */
    VEIL_OP_SHUTDOWN = 6, /* no path */
} veil_proto_op;

#define VEIL_PROTO_FLAG_APPEND 0x01       /* WRITE: append instead of replace */
#define VEIL_PROTO_FLAG_STDOUT 0x01       /* EXECUTE: return the program's stdout */
#define VEIL_PROTO_FLAG_STDERR 0x02       /* EXECUTE: return the program's stderr */
#define VEIL_PROTO_FLAG_POLICY_BYTES 0x01 /* POLICY: return the bytes, not just the hash */

const char *veil_proto_op_name(uint8_t op);

/* REQUEST payload: u8 op, u8 flags, u16 path length, path, u64 size hint
 * (WRITE: expected bytes or 0; others: 0). */
typedef struct veil_proto_request {
    uint8_t op;
    uint8_t flags;
    const char *path; /* points into the payload; NOT NUL-terminated */
    size_t path_len;
    uint64_t size_hint;
} veil_proto_request;

/* Parses a REQUEST payload: unknown op, flags that op does not define, a
 * path that is missing where needed, present where not, not UTF-8, holds a
 * NUL or exceeds VEIL_PROTO_MAX_PATH are VEIL_EMALFORMED. */
VEIL_NODISCARD veil_error *veil_proto_request_parse(const uint8_t *payload, size_t len,
                                                    veil_proto_request *out);
VEIL_NODISCARD veil_error *veil_proto_request_encode(const veil_proto_request *req,
                                                     veil_buf *payload);

/* ---- status codes (stable numbers, docs/protocol.md) ---- */

typedef enum veil_proto_status {
    VEIL_STATUS_OK = 0,
    VEIL_STATUS_BAD_REQUEST = 1,       /* malformed frame or request */
    VEIL_STATUS_UNSUPPORTED = 2,       /* protocol version, operation or feature */
    VEIL_STATUS_NOT_FOUND = 3,         /* no such file, directory or program */
    VEIL_STATUS_PERMISSION_DENIED = 4, /* principal lacks the right (named) */
    VEIL_STATUS_HASH_MISMATCH = 5,     /* content differs from file_hashes */
    VEIL_STATUS_TRAP = 6,              /* the program trapped (reason in the message) */
    VEIL_STATUS_LIMIT_EXCEEDED = 7,    /* memory, fuel, time, size or file-system budget */
    VEIL_STATUS_BUSY = 8,              /* another execution or write holds the resource */
    VEIL_STATUS_INVALID = 9,           /* a well-formed request that makes no sense */
    VEIL_STATUS_EXISTS = 10,
    VEIL_STATUS_IO = 11,
    VEIL_STATUS_SHUTTING_DOWN = 12,
    VEIL_STATUS_INTERNAL = 13,
} veil_proto_status;

#define VEIL_STATUS_COUNT 14

uint16_t veil_proto_status_from_code(veil_code code);
veil_code veil_proto_status_to_code(uint16_t status);
/* "ok", "permission-denied", ... ("unknown" past the table). */
const char *veil_proto_status_name(uint16_t status);

/* RESPONSE payload: u16 status, u16 message length, message, then three
 * u64 values and a u8-length digest (0 or 32 bytes):
 *   READ     a = file size
 *   LIST     a = entry count
 *   EXECUTE  a = exit code, b = stdout bytes sent, c = stderr bytes sent
 *   POLICY   a = policy length, digest = SHA-256 of the policy
 * Failures carry a message and zeros. */
typedef struct veil_proto_response {
    uint16_t status;
    const char *message; /* into the payload; NOT NUL-terminated */
    size_t message_len;
    uint64_t a, b, c;
    uint8_t digest[VEIL_SHA256_LEN];
    bool has_digest;
} veil_proto_response;

VEIL_NODISCARD veil_error *veil_proto_response_parse(const uint8_t *payload, size_t len,
                                                     veil_proto_response *out);
VEIL_NODISCARD veil_error *veil_proto_response_encode(const veil_proto_response *resp,
                                                      veil_buf *payload);
/* A failure response for an error (status from its code, its message
 * truncated to VEIL_PROTO_MAX_MESSAGE). */
VEIL_NODISCARD veil_error *veil_proto_response_from_error(const veil_error *err, veil_buf *payload);
/* Turns a failure response back into an error with the matching code and
 * the runtime's message (prefixed with the status name when the code's
 * name does not already say it). */
VEIL_NODISCARD veil_error *veil_proto_response_error(const veil_proto_response *resp);

/* LIST body: DATA frames holding whole entries: u8 filetype (WASI),
 * u64 size, u16 name length, name. */
typedef struct veil_proto_list_entry {
    uint8_t filetype;
    uint64_t size;
    const char *name; /* NOT NUL-terminated */
    size_t name_len;
} veil_proto_list_entry;

VEIL_NODISCARD veil_error *veil_proto_list_entry_encode(const veil_proto_list_entry *entry,
                                                        veil_buf *out);
VEIL_NODISCARD veil_error *veil_proto_list_entry_next(veil_reader *r, veil_proto_list_entry *out);

/* ---- frames over a byte stream ---- */

/* A byte stream: TLS on a client connection, a socket on the host channel.
 * read returns *got == 0 at end of stream; write writes everything. */
typedef struct veil_stream {
    veil_error *(*read)(void *ctx, void *buf, size_t cap, size_t *got);
    veil_error *(*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
} veil_stream;

/* Reads exactly len bytes (VEIL_EPROTO on a premature end). */
VEIL_NODISCARD veil_error *veil_stream_read_exact(veil_stream *s, void *buf, size_t len);

/* Reads one frame: its header and its payload into buf (capacity
 * VEIL_PROTO_MAX_PAYLOAD).  *eof is set (and nothing else) when the stream
 * ended cleanly before a header. */
VEIL_NODISCARD veil_error *veil_proto_read_frame(veil_stream *s, veil_frame_header *hdr,
                                                 uint8_t *buf, bool *eof);
VEIL_NODISCARD veil_error *veil_proto_write_frame(veil_stream *s, uint8_t type, const void *payload,
                                                  size_t len);

/* A stream over an OpenSSL connection (blocking): read reports a clean
 * close_notify as end of stream. */
void veil_ssl_stream_init(SSL *ssl, veil_stream *out);
/* Connects an SSL object to a socket it does not own, writing with
 * MSG_NOSIGNAL so a vanished peer is an error, not a SIGPIPE. */
VEIL_NODISCARD veil_error *veil_ssl_attach_fd(SSL *ssl, int fd);
/* An error naming what failed on the connection and OpenSSL's reason
 * (VEIL_ETIMEOUT for a socket timeout, VEIL_EPROTO otherwise). */
VEIL_NODISCARD veil_error *veil_ssl_failure(SSL *ssl, int rc, const char *what);

/* A stream over a file descriptor (a socket or a pipe): retries on EINTR
 * and short writes.  For the host channel, read uses recvmsg and keeps any
 * descriptor passed with SCM_RIGHTS (veil_fd_stream_take_fd). */
typedef struct veil_fd_stream {
    int fd;
    int passed_fd; /* -1 when none is waiting */
} veil_fd_stream;

void veil_fd_stream_init(veil_fd_stream *fs, int fd, veil_stream *out);
/* The descriptor that arrived with the bytes read so far, or -1. */
int veil_fd_stream_take_fd(veil_fd_stream *fs);
/* Writes one frame with a descriptor attached (SCM_RIGHTS). */
VEIL_NODISCARD veil_error *veil_fd_stream_send_fd(veil_fd_stream *fs, uint8_t type,
                                                  const void *payload, size_t len, int fd);

#endif

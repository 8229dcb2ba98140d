/*
 * WASI preview 1 (wasi_snapshot_preview1) ABI constants: errno values, file
 * types, flags and the other small enumerations of the witx definitions.
 * Shared by the in-memory file system (whose descriptor operations return
 * WASI errno values) and the WASI host functions that marshal them to
 * programs.  Rights bits are in veil/wasi_rights.h.
 */
#ifndef VEIL_WASI_ABI_H
#define VEIL_WASI_ABI_H

#include <stdint.h>

/* An errno as WASI defines it (witx `errno`, u16). */
typedef uint16_t veil_wasi_errno;

enum {
    VEIL_WASI_ESUCCESS = 0,
    VEIL_WASI_E2BIG = 1,
    VEIL_WASI_EACCES = 2,
    VEIL_WASI_EADDRINUSE = 3,
    VEIL_WASI_EADDRNOTAVAIL = 4,
    VEIL_WASI_EAFNOSUPPORT = 5,
    VEIL_WASI_EAGAIN = 6,
    VEIL_WASI_EALREADY = 7,
    VEIL_WASI_EBADF = 8,
    VEIL_WASI_EBADMSG = 9,
    VEIL_WASI_EBUSY = 10,
    VEIL_WASI_ECANCELED = 11,
    VEIL_WASI_ECHILD = 12,
    VEIL_WASI_ECONNABORTED = 13,
    VEIL_WASI_ECONNREFUSED = 14,
    VEIL_WASI_ECONNRESET = 15,
    VEIL_WASI_EDEADLK = 16,
    VEIL_WASI_EDESTADDRREQ = 17,
    VEIL_WASI_EDOM = 18,
    VEIL_WASI_EDQUOT = 19,
    VEIL_WASI_EEXIST = 20,
    VEIL_WASI_EFAULT = 21,
    VEIL_WASI_EFBIG = 22,
    VEIL_WASI_EHOSTUNREACH = 23,
    VEIL_WASI_EIDRM = 24,
    VEIL_WASI_EILSEQ = 25,
    VEIL_WASI_EINPROGRESS = 26,
    VEIL_WASI_EINTR = 27,
    VEIL_WASI_EINVAL = 28,
    VEIL_WASI_EIO = 29,
    VEIL_WASI_EISCONN = 30,
    VEIL_WASI_EISDIR = 31,
    VEIL_WASI_ELOOP = 32,
    VEIL_WASI_EMFILE = 33,
    VEIL_WASI_EMLINK = 34,
    VEIL_WASI_EMSGSIZE = 35,
    VEIL_WASI_EMULTIHOP = 36,
    VEIL_WASI_ENAMETOOLONG = 37,
    VEIL_WASI_ENETDOWN = 38,
    VEIL_WASI_ENETRESET = 39,
    VEIL_WASI_ENETUNREACH = 40,
    VEIL_WASI_ENFILE = 41,
    VEIL_WASI_ENOBUFS = 42,
    VEIL_WASI_ENODEV = 43,
    VEIL_WASI_ENOENT = 44,
    VEIL_WASI_ENOEXEC = 45,
    VEIL_WASI_ENOLCK = 46,
    VEIL_WASI_ENOLINK = 47,
    VEIL_WASI_ENOMEM = 48,
    VEIL_WASI_ENOMSG = 49,
    VEIL_WASI_ENOPROTOOPT = 50,
    VEIL_WASI_ENOSPC = 51,
    VEIL_WASI_ENOSYS = 52,
    VEIL_WASI_ENOTCONN = 53,
    VEIL_WASI_ENOTDIR = 54,
    VEIL_WASI_ENOTEMPTY = 55,
    VEIL_WASI_ENOTRECOVERABLE = 56,
    VEIL_WASI_ENOTSOCK = 57,
    VEIL_WASI_ENOTSUP = 58,
    VEIL_WASI_ENOTTY = 59,
    VEIL_WASI_ENXIO = 60,
    VEIL_WASI_EOVERFLOW = 61,
    VEIL_WASI_EOWNERDEAD = 62,
    VEIL_WASI_EPERM = 63,
    VEIL_WASI_EPIPE = 64,
    VEIL_WASI_EPROTO = 65,
    VEIL_WASI_EPROTONOSUPPORT = 66,
    VEIL_WASI_EPROTOTYPE = 67,
    VEIL_WASI_ERANGE = 68,
    VEIL_WASI_EROFS = 69,
    VEIL_WASI_ESPIPE = 70,
    VEIL_WASI_ESRCH = 71,
    VEIL_WASI_ESTALE = 72,
    VEIL_WASI_ETIMEDOUT = 73,
    VEIL_WASI_ETXTBSY = 74,
    VEIL_WASI_EXDEV = 75,
    VEIL_WASI_ENOTCAPABLE = 76,
};

/* Lowercase witx name of an errno ("notcapable"), "unknown" past the end. */
const char *veil_wasi_errno_name(veil_wasi_errno err);

/* witx name of one rights bit ("fd_read"; bit 29 is "execute" as Veil and
 * Veracruz use it), "unknown" for anything else. */
const char *veil_wasi_right_name(uint64_t right_bit);

/* filetype (u8) */
enum {
    VEIL_WASI_FILETYPE_UNKNOWN = 0,
    VEIL_WASI_FILETYPE_BLOCK_DEVICE = 1,
    VEIL_WASI_FILETYPE_CHARACTER_DEVICE = 2,
    VEIL_WASI_FILETYPE_DIRECTORY = 3,
    VEIL_WASI_FILETYPE_REGULAR_FILE = 4,
    VEIL_WASI_FILETYPE_SOCKET_DGRAM = 5,
    VEIL_WASI_FILETYPE_SOCKET_STREAM = 6,
    VEIL_WASI_FILETYPE_SYMBOLIC_LINK = 7,
};

/* fdflags (u16) */
#define VEIL_WASI_FDFLAGS_APPEND 0x1u
#define VEIL_WASI_FDFLAGS_DSYNC 0x2u
#define VEIL_WASI_FDFLAGS_NONBLOCK 0x4u
#define VEIL_WASI_FDFLAGS_RSYNC 0x8u
#define VEIL_WASI_FDFLAGS_SYNC 0x10u
#define VEIL_WASI_FDFLAGS_ALL 0x1fu

/* oflags (u16) */
#define VEIL_WASI_OFLAGS_CREAT 0x1u
#define VEIL_WASI_OFLAGS_DIRECTORY 0x2u
#define VEIL_WASI_OFLAGS_EXCL 0x4u
#define VEIL_WASI_OFLAGS_TRUNC 0x8u
#define VEIL_WASI_OFLAGS_ALL 0xfu

/* lookupflags (u32) */
#define VEIL_WASI_LOOKUP_SYMLINK_FOLLOW 0x1u

/* fstflags (u16) */
#define VEIL_WASI_FSTFLAGS_ATIM 0x1u
#define VEIL_WASI_FSTFLAGS_ATIM_NOW 0x2u
#define VEIL_WASI_FSTFLAGS_MTIM 0x4u
#define VEIL_WASI_FSTFLAGS_MTIM_NOW 0x8u
#define VEIL_WASI_FSTFLAGS_ALL 0xfu

/* whence (u8) */
enum {
    VEIL_WASI_WHENCE_SET = 0,
    VEIL_WASI_WHENCE_CUR = 1,
    VEIL_WASI_WHENCE_END = 2,
};

/* advice (u8) */
enum {
    VEIL_WASI_ADVICE_NORMAL = 0,
    VEIL_WASI_ADVICE_SEQUENTIAL = 1,
    VEIL_WASI_ADVICE_RANDOM = 2,
    VEIL_WASI_ADVICE_WILLNEED = 3,
    VEIL_WASI_ADVICE_DONTNEED = 4,
    VEIL_WASI_ADVICE_NOREUSE = 5,
};

/* clockid (u32) */
enum {
    VEIL_WASI_CLOCK_REALTIME = 0,
    VEIL_WASI_CLOCK_MONOTONIC = 1,
    VEIL_WASI_CLOCK_PROCESS_CPUTIME_ID = 2,
    VEIL_WASI_CLOCK_THREAD_CPUTIME_ID = 3,
};

/* eventtype (u8) and subclockflags / eventrwflags (u16) */
enum {
    VEIL_WASI_EVENTTYPE_CLOCK = 0,
    VEIL_WASI_EVENTTYPE_FD_READ = 1,
    VEIL_WASI_EVENTTYPE_FD_WRITE = 2,
};
#define VEIL_WASI_SUBCLOCKFLAGS_ABSTIME 0x1u
#define VEIL_WASI_EVENTRWFLAGS_HANGUP 0x1u

/* preopentype (u8) */
#define VEIL_WASI_PREOPENTYPE_DIR 0u

/* sdflags (u8) */
#define VEIL_WASI_SDFLAGS_RD 0x1u
#define VEIL_WASI_SDFLAGS_WR 0x2u

#endif

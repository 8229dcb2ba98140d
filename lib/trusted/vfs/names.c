/* Names of WASI errno values and rights bits, for traces and messages. */
#include "veil/wasi_abi.h"

static const char *const errno_names[] = {
    "success",     "2big",           "acces",       "addrinuse",   "addrnotavail",
    "afnosupport", "again",          "already",     "badf",        "badmsg",
    "busy",        "canceled",       "child",       "connaborted", "connrefused",
    "connreset",   "deadlk",         "destaddrreq", "dom",         "dquot",
    "exist",       "fault",          "fbig",        "hostunreach", "idrm",
    "ilseq",       "inprogress",     "intr",        "inval",       "io",
    "isconn",      "isdir",          "loop",        "mfile",       "mlink",
    "msgsize",     "multihop",       "nametoolong", "netdown",     "netreset",
    "netunreach",  "nfile",          "nobufs",      "nodev",       "noent",
    "noexec",      "nolck",          "nolink",      "nomem",       "nomsg",
    "noprotoopt",  "nospc",          "nosys",       "notconn",     "notdir",
    "notempty",    "notrecoverable", "notsock",     "notsup",      "notty",
    "nxio",        "overflow",       "ownerdead",   "perm",        "pipe",
    "proto",       "protonosupport", "prototype",   "range",       "rofs",
    "spipe",       "srch",           "stale",       "timedout",    "txtbsy",
    "xdev",        "notcapable",
};

const char *veil_wasi_errno_name(veil_wasi_errno err) {
    if (err < sizeof(errno_names) / sizeof(errno_names[0]))
        return errno_names[err];
    return "unknown";
}

static const char *const right_names[] = {
    "fd_datasync",
    "fd_read",
    "fd_seek",
    "fd_fdstat_set_flags",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "fd_advise",
    "fd_allocate",
    "path_create_directory",
    "path_create_file",
    "path_link_source",
    "path_link_target",
    "path_open",
    "fd_readdir",
    "path_readlink",
    "path_rename_source",
    "path_rename_target",
    "path_filestat_get",
    "path_filestat_set_size",
    "path_filestat_set_times",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "path_symlink",
    "path_remove_directory",
    "path_unlink_file",
    "poll_fd_readwrite",
    "sock_shutdown",
    "execute",
};

const char *veil_wasi_right_name(uint64_t right_bit) {
    for (unsigned i = 0; i < sizeof(right_names) / sizeof(right_names[0]); i++)
        if (right_bit == (UINT64_C(1) << i))
            return right_names[i];
    return "unknown";
}

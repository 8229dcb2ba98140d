/* Names of WASI errno values and rights bits, for traces and messages. */
#include "veil/wasi_abi.h"
#include "veil/wasi_rights.h"

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

const char *veil_wasi_right_name(uint64_t right_bit) {
    for (unsigned i = 0; i < VEIL_RIGHTS_BITS; i++)
        if (right_bit == (UINT64_C(1) << i))
            return veil_rights_bit_name(i);
    return "unknown";
}

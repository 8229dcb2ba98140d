/*
 * WASI preview 1 rights bits, shared by the policy (which grants them), the
 * in-memory file system (which enforces them) and WASI (which reports them).
 * Bit 29 is sock_accept in WASI; Veracruz policies and Veil use it as the
 * right to execute a program file.
 */
#ifndef VEIL_WASI_RIGHTS_H
#define VEIL_WASI_RIGHTS_H

#include <stdint.h>

#define VEIL_RIGHT_FD_DATASYNC (UINT64_C(1) << 0)
#define VEIL_RIGHT_FD_READ (UINT64_C(1) << 1)
#define VEIL_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define VEIL_RIGHT_FD_FDSTAT_SET_FLAGS (UINT64_C(1) << 3)
#define VEIL_RIGHT_FD_SYNC (UINT64_C(1) << 4)
#define VEIL_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define VEIL_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define VEIL_RIGHT_FD_ADVISE (UINT64_C(1) << 7)
#define VEIL_RIGHT_FD_ALLOCATE (UINT64_C(1) << 8)
#define VEIL_RIGHT_PATH_CREATE_DIRECTORY (UINT64_C(1) << 9)
#define VEIL_RIGHT_PATH_CREATE_FILE (UINT64_C(1) << 10)
#define VEIL_RIGHT_PATH_LINK_SOURCE (UINT64_C(1) << 11)
#define VEIL_RIGHT_PATH_LINK_TARGET (UINT64_C(1) << 12)
#define VEIL_RIGHT_PATH_OPEN (UINT64_C(1) << 13)
#define VEIL_RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define VEIL_RIGHT_PATH_READLINK (UINT64_C(1) << 15)
#define VEIL_RIGHT_PATH_RENAME_SOURCE (UINT64_C(1) << 16)
#define VEIL_RIGHT_PATH_RENAME_TARGET (UINT64_C(1) << 17)
#define VEIL_RIGHT_PATH_FILESTAT_GET (UINT64_C(1) << 18)
#define VEIL_RIGHT_PATH_FILESTAT_SET_SIZE (UINT64_C(1) << 19)
#define VEIL_RIGHT_PATH_FILESTAT_SET_TIMES (UINT64_C(1) << 20)
#define VEIL_RIGHT_FD_FILESTAT_GET (UINT64_C(1) << 21)
#define VEIL_RIGHT_FD_FILESTAT_SET_SIZE (UINT64_C(1) << 22)
#define VEIL_RIGHT_FD_FILESTAT_SET_TIMES (UINT64_C(1) << 23)
#define VEIL_RIGHT_PATH_SYMLINK (UINT64_C(1) << 24)
#define VEIL_RIGHT_PATH_REMOVE_DIRECTORY (UINT64_C(1) << 25)
#define VEIL_RIGHT_PATH_UNLINK_FILE (UINT64_C(1) << 26)
#define VEIL_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)
#define VEIL_RIGHT_SOCK_SHUTDOWN (UINT64_C(1) << 28)
#define VEIL_RIGHT_EXECUTE (UINT64_C(1) << 29) /* WASI sock_accept; Veracruz: execute */

/* Every bit defined above. */
#define VEIL_RIGHTS_ALL ((UINT64_C(1) << 30) - 1)

/* The Veracruz policy shorthands. */
#define VEIL_RIGHTS_R UINT64_C(24582)      /* fd_read fd_seek path_open fd_readdir */
#define VEIL_RIGHTS_W UINT64_C(534084)     /* fd_seek fd_write create dir/file path_open set_size */
#define VEIL_RIGHTS_X UINT64_C(536879104)  /* path_open execute */
#define VEIL_RIGHTS_RW UINT64_C(550470)    /* r | w */
#define VEIL_RIGHTS_WX UINT64_C(537404996) /* w | x */

/* How many rights bits are defined (0..29). */
#define VEIL_RIGHTS_BITS 30u

/* Name of one WASI rights bit (0..29): "fd_read", ..., "execute"; NULL above. */
const char *veil_rights_bit_name(unsigned bit);

#endif

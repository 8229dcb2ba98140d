/*
 * The AOT compile worker's protocol (worker.c): a runtime whose sandbox
 * may not start processes or write files has a sibling process compile
 * for it (docs/aot.md, "In the runtime").
 */
#ifndef VEIL_WASM_AOT_WORKER_H
#define VEIL_WASM_AOT_WORKER_H

#include "compile.h"

/* Bounds of the protocol (both sides check them). */
#define VEIL_AOT_WORKER_MAX_NAME 255u                /* module name, for messages */
#define VEIL_AOT_WORKER_MAX_TEXT (UINT64_C(1) << 30) /* generated C, bytes */
#define VEIL_AOT_WORKER_MAX_REPLY 65536u             /* reply text: compiler output, toolchain */

/* The runtime's side: a veil_aot_remote over the stream socket `fd`
 * (owned from then on).  Requests are serialised; after a malformed
 * reply the connection is out of step and every later request fails. */
typedef struct veil_aot_worker_client veil_aot_worker_client;
VEIL_NODISCARD veil_error *veil_aot_worker_client_new(int fd, veil_aot_worker_client **out);
const veil_aot_remote *veil_aot_worker_client_remote(veil_aot_worker_client *client);
void veil_aot_worker_client_free(veil_aot_worker_client *client);

/* The worker's side: answers requests on `fd` with the toolchain and cache
 * of `config` (NULL: the environment's) until the peer closes the
 * connection (NULL) or breaks the protocol (VEIL_EPROTO). */
VEIL_NODISCARD veil_error *veil_aot_worker_serve(int fd, const veil_aot_config *config);

/* Confines this process's (thread's, and its future children's) file
 * writes to the cache directory of `config`, the temporary directory
 * ($TMPDIR, else /tmp) and /dev/null with Landlock; reading and executing
 * stay as they were.  Needs no_new_privs.  VEIL_EUNSUPPORTED when the
 * kernel has no Landlock; `what` says what was confined. */
VEIL_NODISCARD veil_error *veil_aot_worker_confine(const veil_aot_config *config, char *what,
                                                   size_t what_size);

#endif

/* libFuzzer target: the AOT compile worker's replies, as the runtime reads
 * them (lib/trusted/wasm/aot/worker.c).  The input is everything a worker
 * sends back while the engine obtains one small module (toolchain, lookup,
 * compile); a thread on the worker's end reads and drops the requests.  Any
 * input must end in a result or an error: crashes, leaks, sanitizer reports
 * and hangs are bugs.  No compiler runs (descriptors cannot come from the
 * input, so no object is ever loaded). */
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "veil/wasm.h"

/* (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add) */
static const uint8_t add_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 'a',  'd',  'd',
    0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
};

/* Replies are written before the engine asks; they must fit in the socket's
 * buffer, which holds far more than this. */
#define MAX_INPUT 65536

static veil_error *no_imports(void *user, const veil_wasm_extern_desc *import,
                              veil_wasm_extern *out) {
    (void)user;
    (void)out;
    return veil_error_new(VEIL_ENOENT, "no import %s", import->name);
}

static void *drain(void *arg) {
    int fd = *(int *)arg;
    uint8_t buf[65536];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_INPUT)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(sv[1], data + off, size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(sv[1], SHUT_WR); /* after the input: end of file */
    pthread_t t;
    if (pthread_create(&t, NULL, drain, &sv[1]) != 0) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    veil_error *err = veil_wasm_aot_use_worker(sv[0]);
    veil_wasm_module *module = NULL;
    veil_wasm_store *store = NULL;
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    veil_wasm_limits limits = {0};
    if (err == NULL)
        err = veil_wasm_module_load(add_wasm, sizeof add_wasm, "add.wasm", &module);
    if (err == NULL)
        err = veil_wasm_store_new(&limits, VEIL_WASM_AOT, &store);
    if (err == NULL)
        err = veil_wasm_instantiate(store, module, no_imports, NULL, &inst, &trap);
    veil_error_free(err);
    veil_wasm_store_free(store);
    veil_wasm_module_free(module);
    veil_error_free(veil_wasm_aot_use_worker(-1)); /* closes sv[0]: the drain ends */
    pthread_join(t, NULL);
    close(sv[1]);
    return 0;
}

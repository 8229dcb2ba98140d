/*
 * The AWS Nitro Enclaves isolation backend: its place behind the isolation
 * interface.
 *
 * What it will do (the Nitro issue fills it in): build or take an enclave
 * image file (EIF) holding the runtime, start it with nitro-cli on this EC2
 * instance, and talk to it over vsock: the host channel becomes a vsock
 * connection to the enclave, and each client connection a further vsock
 * connection.  Its evidence is not produced by the host at all: the
 * runtime asks the Nitro Secure Module for an attestation document over
 * (nonce, SHA-256 of its CSR), and the host only forwards it to the PAS as
 * format "nitro"; the measurement is PCR0 of the image (SHA-384),
 * compared with the policy's runtime_manager_hash_nitro.
 *
 * On this build it reports that enclaves cannot be launched, saying why:
 * no Nitro Enclaves device on this machine, or no launcher in this build.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "isolation.h"

#define NITRO_DEVICE "/dev/nitro_enclaves"

static veil_error *nitro_start(const veil_isolation_config *config, veil_isolation **out) {
    (void)config;
    (void)out;
    struct stat st;
    if (stat(NITRO_DEVICE, &st) != 0)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "the nitro backend is not available on this machine: %s does not "
                              "exist (%s); it needs an EC2 instance with Nitro Enclaves enabled",
                              NITRO_DEVICE, strerror(errno));
    return veil_error_new(VEIL_EUNSUPPORTED,
                          "the nitro backend is not available in this build: %s exists, but "
                          "this veil-host cannot launch enclave images yet; use --backend local",
                          NITRO_DEVICE);
}

const veil_isolation_backend veil_isolation_nitro = {
    .name = "nitro",
    .description = "an AWS Nitro enclave (needs an EC2 instance with Nitro Enclaves)",
    .start = nitro_start,
};

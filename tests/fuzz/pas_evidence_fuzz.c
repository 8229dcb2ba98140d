/* Fuzz target: the PAS's parser of software evidence (untrusted bytes from
 * the network), and the certificate-extension decoders. */
#include <stddef.h>
#include <stdint.h>

#include "veil/attest.h"
#include "veil/pas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    veil_pas_software_evidence ev;
    veil_error *err = veil_pas_software_evidence_parse(data, size, &ev);
    if (err == NULL) {
        /* What the parser points at lies inside the input. */
        if (ev.signed_bytes != data || ev.signed_len > size || ev.signature < data ||
            ev.signature + ev.signature_len != data + size)
            __builtin_trap();
    }
    veil_error_free(err);
    veil_attest_measurement m;
    veil_error_free(veil_attest_measurement_decode(data, size, &m));
    int64_t t;
    veil_error_free(veil_attest_time_decode(data, size, &t));
    return 0;
}

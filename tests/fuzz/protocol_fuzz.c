/* Fuzz target: the runtime protocol's parsers (frames from TLS clients and
 * from the host channel).  The input is split into a header and a payload
 * parsed as every payload kind. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "veil/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= VEIL_PROTO_HEADER_LEN) {
        veil_frame_header hdr;
        veil_error_free(veil_proto_header_parse(data, &hdr));
        data += VEIL_PROTO_HEADER_LEN;
        size -= VEIL_PROTO_HEADER_LEN;
    }
    veil_proto_request req;
    veil_error *err = veil_proto_request_parse(data, size, &req);
    if (err == NULL && (req.path_len > VEIL_PROTO_MAX_PATH ||
                        (req.path_len > 0 && memchr(req.path, 0, req.path_len) != NULL)))
        __builtin_trap();
    veil_error_free(err);
    veil_proto_response resp;
    err = veil_proto_response_parse(data, size, &resp);
    if (err == NULL) {
        veil_error_free(veil_proto_response_error(&resp));
    }
    veil_error_free(err);
    veil_reader r;
    veil_reader_init(&r, data, size, "list");
    veil_proto_list_entry entry;
    while ((err = veil_proto_list_entry_next(&r, &entry)) == NULL) {
        if (entry.name_len == 0)
            __builtin_trap();
    }
    veil_error_free(err);
    return 0;
}

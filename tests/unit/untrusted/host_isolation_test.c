/* The local isolation backend: the probe (tests/unit/untrusted/host_probe.c)
 * runs where the runtime would and reports what the sandbox let it do. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "veil/host.h"
#include "veil/pas.h"
#include "veil/protocol.h"

static veil_isolation *start_probe(EVP_PKEY *device) {
    veil_isolation_config config = {
        .runtime_path = HOST_PROBE, .device_name = "lab-1", .device_key = device};
    veil_isolation *iso;
    assert_ok(veil_isolation_local.start(&config, &iso));
    return iso;
}

static void test_sandbox(void **state) {
    (void)state;
    /* LeakSanitizer cannot stop the world under seccomp; the probe leaks
     * nothing worth checking. */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    EVP_PKEY *device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    veil_isolation *iso = start_probe(device);
    veil_fd_stream fs;
    veil_stream s;
    veil_fd_stream_init(&fs, veil_isolation_channel(iso), &s);
    uint8_t *buf = malloc(VEIL_PROTO_MAX_PAYLOAD + 1);
    veil_frame_header hdr;
    bool eof;
    assert_ok(veil_proto_read_frame(&s, &hdr, buf, &eof));
    assert_false(eof);
    buf[hdr.len] = '\0';
    print_message("probe: %s\n", (char *)buf);
    const char *report = (const char *)buf;
    assert_non_null(strstr(report, "socket=EPERM"));
    assert_non_null(strstr(report, "open_write=EPERM"));
    assert_non_null(strstr(report, "fork=EPERM"));
    assert_non_null(strstr(report, "open_read=allowed"));
    assert_non_null(strstr(report, "thread=allowed"));
    assert_non_null(strstr(report, "inherited=0"));
    free(buf);

    veil_isolation_exit how;
    assert_ok(veil_isolation_wait(iso, 10000, &how));
    assert_true(how.exited);
    assert_int_equal(how.status, 0);
    char text[128];
    veil_isolation_exit_describe(&how, text, sizeof(text));
    assert_string_equal(text, "exited with status 0");

    bool seccomp = false, namespaces = false;
    for (size_t i = 0; i < veil_isolation_report_count(iso); i++) {
        const char *line = veil_isolation_report_line(iso, i);
        print_message("report: %s\n", line);
        seccomp |= strncmp(line, "seccomp: allowlist", 18) == 0;
        namespaces |= strncmp(line, "namespaces: ", 12) == 0;
    }
    assert_true(seccomp);
    assert_true(namespaces);
    veil_isolation_free(iso);
    EVP_PKEY_free(device);
}

static void test_measurement_and_evidence(void **state) {
    (void)state;
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    EVP_PKEY *device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    veil_isolation *iso = start_probe(device);
    uint8_t want[32];
    assert_ok(veil_host_measure(HOST_PROBE, want));
    const veil_attest_measurement *m = veil_isolation_measurement(iso);
    assert_string_equal(m->platform, "linux");
    assert_int_equal(m->len, 32);
    assert_memory_equal(m->value, want, 32);

    uint8_t nonce[32] = {9}, csr[5] = {1, 2, 3, 4, 5};
    const char *format;
    uint8_t *ev;
    size_t ev_len;
    assert_ok(veil_isolation_evidence(iso, nonce, 32, csr, sizeof(csr), &format, &ev, &ev_len));
    assert_string_equal(format, "software");
    veil_pas_software_evidence parsed;
    assert_ok(veil_pas_software_evidence_parse(ev, ev_len, &parsed));
    assert_string_equal(parsed.device, "lab-1");
    assert_memory_equal(parsed.measurement, want, 32);
    uint8_t h[32];
    veil_sha256(csr, sizeof(csr), h);
    assert_memory_equal(parsed.csr_sha256, h, 32);
    free(ev);
    veil_isolation_exit how;
    assert_ok(veil_isolation_wait(iso, 10000, &how));
    veil_isolation_free(iso);
    EVP_PKEY_free(device);
}

static void test_start_failures(void **state) {
    (void)state;
    EVP_PKEY *device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    veil_isolation_config config = {
        .runtime_path = "/nonexistent/veil-runtime", .device_name = "lab-1", .device_key = device};
    veil_isolation *iso;
    assert_err(veil_isolation_local.start(&config, &iso), VEIL_ENOENT,
               "opening the runtime /nonexistent/veil-runtime");
    /* A file that is not a program: the exec fails and says so. */
    config.runtime_path = "/etc/hostname";
    veil_error *err = veil_isolation_local.start(&config, &iso);
    assert_non_null(err);
    assert_non_null(strstr(veil_error_message(err), "the runtime could not be started: cannot "
                                                    "execute /etc/hostname"));
    veil_error_free(err);
    config.device_key = NULL;
    assert_err(veil_isolation_local.start(&config, &iso), VEIL_EINVAL, "enrolled device");
    assert_err(veil_isolation_nitro.start(&config, &iso), VEIL_EUNSUPPORTED,
               "the nitro backend is not available");
    assert_true(veil_isolation_backend_find("local") == &veil_isolation_local);
    assert_null(veil_isolation_backend_find("kvm"));
    EVP_PKEY_free(device);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox),
        cmocka_unit_test(test_measurement_and_evidence),
        cmocka_unit_test(test_start_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

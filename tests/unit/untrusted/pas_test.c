#include "test.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "veil/attest.h"
#include "veil/encoding.h"
#include "veil/pas.h"
#include "veil/str.h"

typedef struct fake_clock {
    int64_t unix_s;
    uint64_t ms;
} fake_clock;

static int64_t fake_unix(void *user) {
    return ((fake_clock *)user)->unix_s;
}
static uint64_t fake_ms(void *user) {
    return ((fake_clock *)user)->ms;
}

typedef struct fixture {
    char dir[64];
    fake_clock clock;
    veil_pas_reference ref;
    veil_pas *pas;
    EVP_PKEY *device;      /* enrolled as "lab-1" */
    EVP_PKEY *runtime_key; /* the runtime's TLS key */
    uint8_t measurement[32];
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *public_pem(EVP_PKEY *key) {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(bio);
    return s;
}

static veil_pas *make_pas(fixture *f, uint64_t max_validity_s, size_t max_nonces) {
    veil_pas_config config = {
        .state_dir = f->dir,
        .max_validity_s = max_validity_s,
        .nonce_lifetime_ms = 1000,
        .max_nonces = max_nonces,
        .references = &f->ref,
        .reference_count = 1,
        .now_unix = fake_unix,
        .now_ms = fake_ms,
        .clock_user = &f->clock,
    };
    veil_pas *pas;
    assert_ok(veil_pas_new(&config, &pas));
    return pas;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/veil-pas-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->clock.unix_s = 1800000000;
    f->clock.ms = 5000;
    memset(f->measurement, 0x5a, sizeof(f->measurement));
    char text[128];
    char hex[65];
    veil_hex_encode(f->measurement, 32, hex);
    snprintf(text, sizeof(text), "linux:%s", hex);
    assert_ok(veil_pas_reference_parse(text, &f->ref));
    f->device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->runtime_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *pem = public_pem(f->device);
    assert_ok(veil_pas_enrol_device(f->dir, "lab-1", pem, strlen(pem), false));
    free(pem);
    f->pas = make_pas(f, 3600, 8);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    veil_pas_free(f->pas);
    EVP_PKEY_free(f->device);
    EVP_PKEY_free(f->runtime_key);
    nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void make_csr(fixture *f, int64_t not_after, uint8_t **der, size_t *len) {
    veil_attest_csr_params p = {.key = f->runtime_key,
                                .common_name = "veil runtime",
                                .host = "127.0.0.1",
                                .uri = "urn:veil:policy:00",
                                .not_after_unix = not_after};
    assert_ok(veil_attest_csr_create(&p, der, len));
}

static void make_evidence(EVP_PKEY *key, const char *device, const char *nonce_hex,
                          const uint8_t measurement[32], const uint8_t *csr, size_t csr_len,
                          uint8_t **ev, size_t *ev_len) {
    uint8_t nonce[32];
    size_t n;
    assert_ok(veil_hex_decode(nonce_hex, 64, nonce, sizeof(nonce), &n));
    uint8_t csr_hash[32];
    veil_sha256(csr, csr_len, csr_hash);
    assert_ok(
        veil_pas_software_evidence_build(device, key, nonce, n, measurement, csr_hash, ev, ev_len));
}

static X509 *parse_pem(const char *pem) {
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(cert);
    return cert;
}

/* Runs the whole flow; returns the finish error (NULL on success). */
static veil_error *attest(fixture *f, EVP_PKEY *signer, const uint8_t measurement[32],
                          int64_t not_after, char **cert_pem) {
    char nonce[65];
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    make_csr(f, not_after, &csr, &csr_len);
    make_evidence(signer, "lab-1", nonce, measurement, csr, csr_len, &ev, &ev_len);
    veil_error *err =
        veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, cert_pem);
    free(csr);
    free(ev);
    return err;
}

static void test_ca_created_once(void **state) {
    fixture *f = *state;
    X509 *ca = veil_pas_ca_cert(f->pas);
    assert_int_equal(X509_check_ca(ca), 1);
    char path[128];
    snprintf(path, sizeof(path), "%s/ca-key.pem", f->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A second start loads the same CA. */
    veil_pas *again = make_pas(f, 3600, 8);
    assert_int_equal(X509_cmp(ca, veil_pas_ca_cert(again)), 0);
    veil_pas_free(again);
}

static void test_issue(void **state) {
    fixture *f = *state;
    char *pem;
    int64_t want = f->clock.unix_s + 600;
    assert_ok(attest(f, f->device, f->measurement, want, &pem));
    X509 *cert = parse_pem(pem);
    /* Signed by the CA, with the runtime's key. */
    assert_int_equal(X509_verify(cert, X509_get0_pubkey(veil_pas_ca_cert(f->pas))), 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(cert), f->runtime_key), 1);
    veil_attest_measurement m;
    assert_ok(veil_attest_cert_measurement(cert, &m));
    assert_string_equal(m.platform, "linux");
    assert_memory_equal(m.value, f->measurement, 32);
    int64_t nb, na;
    assert_ok(veil_attest_asn1_time_to_unix(X509_get0_notBefore(cert), &nb));
    assert_ok(veil_attest_asn1_time_to_unix(X509_get0_notAfter(cert), &na));
    assert_int_equal(nb, f->clock.unix_s);
    assert_int_equal(na, want); /* the requested expiry is sooner than the maximum */
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    assert_non_null(names);
    assert_int_equal(sk_GENERAL_NAME_num(names), 2);
    GENERAL_NAMES_free(names);
    assert_int_equal(X509_check_ca(cert), 0);
    /* Serials are random and 16 bytes. */
    const ASN1_INTEGER *s1 = X509_get0_serialNumber(cert);
    assert_int_equal(ASN1_STRING_length(s1), 16);
    char *pem2;
    assert_ok(attest(f, f->device, f->measurement, 0, &pem2));
    X509 *cert2 = parse_pem(pem2);
    assert_int_not_equal(ASN1_INTEGER_cmp(s1, X509_get0_serialNumber(cert2)), 0);
    /* Without a requested expiry the maximum applies. */
    assert_ok(veil_attest_asn1_time_to_unix(X509_get0_notAfter(cert2), &na));
    assert_int_equal(na, f->clock.unix_s + 3600);
    X509_free(cert2);
    X509_free(cert);
    free(pem);
    free(pem2);
}

static void test_expiry_clamped(void **state) {
    fixture *f = *state;
    char *pem;
    assert_ok(attest(f, f->device, f->measurement, f->clock.unix_s + 999999, &pem));
    X509 *cert = parse_pem(pem);
    int64_t na;
    assert_ok(veil_attest_asn1_time_to_unix(X509_get0_notAfter(cert), &na));
    assert_int_equal(na, f->clock.unix_s + 3600);
    X509_free(cert);
    free(pem);
    assert_err(attest(f, f->device, f->measurement, f->clock.unix_s - 1, &pem), VEIL_EATTEST,
               "has passed");
}

static void test_nonce_rules(void **state) {
    fixture *f = *state;
    char nonce[65];
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    make_csr(f, 0, &csr, &csr_len);
    make_evidence(f->device, "lab-1", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    char *pem;
    assert_ok(veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, &pem));
    free(pem);
    /* Replay. */
    assert_err(veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_EEXIST, "already used");
    /* A nonce this service never issued. */
    char other[65];
    memset(other, 'a', 64);
    other[64] = '\0';
    assert_err(veil_pas_finish(f->pas, other, "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_EATTEST, "was not issued by this attestation service");
    assert_err(veil_pas_finish(f->pas, "zz", "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_EMALFORMED, "64 hex digits");
    free(ev);
    /* Expiry. */
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    make_evidence(f->device, "lab-1", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    f->clock.ms += 1500;
    assert_err(veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_ETIMEOUT, "expired 500 ms ago");
    free(ev);
    /* Evidence for another nonce than the one presented. */
    char n1[65], n2[65];
    assert_ok(veil_pas_nonce_new(f->pas, n1));
    assert_ok(veil_pas_nonce_new(f->pas, n2));
    make_evidence(f->device, "lab-1", n1, f->measurement, csr, csr_len, &ev, &ev_len);
    assert_err(veil_pas_finish(f->pas, n2, "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_EATTEST, "another nonce");
    free(ev);
    free(csr);
}

static void test_nonce_table_limit(void **state) {
    fixture *f = *state;
    char nonce[65];
    for (int i = 0; i < 8; i++)
        assert_ok(veil_pas_nonce_new(f->pas, nonce));
    assert_err(veil_pas_nonce_new(f->pas, nonce), VEIL_EBUSY, "8 nonces are outstanding");
    f->clock.ms += 1000; /* all expire */
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
}

static void test_refusals(void **state) {
    fixture *f = *state;
    char *pem;
    /* Evidence signed by a key other than the enrolled one. */
    EVP_PKEY *rogue = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_err(attest(f, rogue, f->measurement, 0, &pem), VEIL_EATTEST,
               "does not verify with the key enrolled for device 'lab-1'");
    EVP_PKEY_free(rogue);
    /* A measurement outside the reference values. */
    uint8_t other[32];
    memset(other, 0x11, sizeof(other));
    assert_err(attest(f, f->device, other, 0, &pem), VEIL_EATTEST,
               "1111111111111111111111111111111111111111111111111111111111111111 (platform linux, "
               "signed by device 'lab-1') is not in the reference values");

    char nonce[65];
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    /* A device that is not enrolled. */
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    make_csr(f, 0, &csr, &csr_len);
    make_evidence(f->device, "lab-2", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    assert_err(veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, &pem),
               VEIL_EATTEST, "'lab-2', which is not enrolled");
    free(ev);
    /* Evidence for another CSR. */
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    make_evidence(f->device, "lab-1", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    uint8_t *csr2;
    size_t csr2_len;
    make_csr(f, 12345678900, &csr2, &csr2_len);
    assert_err(veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr2, csr2_len, &pem),
               VEIL_EATTEST, "binds another CSR");
    free(csr2);
    /* An unknown format. */
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    assert_err(veil_pas_finish(f->pas, nonce, "tpm", ev, ev_len, csr, csr_len, &pem),
               VEIL_EUNSUPPORTED, "'tpm' is not supported");
    /* A CSR whose self-signature does not verify. */
    free(ev);
    assert_ok(veil_pas_nonce_new(f->pas, nonce));
    csr[csr_len - 1] ^= 1;
    make_evidence(f->device, "lab-1", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    veil_error *err = veil_pas_finish(f->pas, nonce, "software", ev, ev_len, csr, csr_len, &pem);
    assert_non_null(err);
    assert_true(veil_error_code(err) == VEIL_EATTEST || veil_error_code(err) == VEIL_EMALFORMED);
    veil_error_free(err);
    free(ev);
    free(csr);
}

static void test_evidence_parse(void **state) {
    fixture *f = *state;
    uint8_t nonce[32] = {1}, m[32] = {2}, h[32] = {3};
    uint8_t *ev;
    size_t len;
    assert_ok(veil_pas_software_evidence_build("dev", f->device, nonce, 32, m, h, &ev, &len));
    veil_pas_software_evidence parsed;
    assert_ok(veil_pas_software_evidence_parse(ev, len, &parsed));
    assert_string_equal(parsed.device, "dev");
    assert_int_equal(parsed.nonce_len, 32);
    assert_int_equal(parsed.signature_len, 64); /* Ed25519 */
    assert_int_equal(parsed.signed_len, len - 2 - 64);
    assert_err(veil_pas_software_evidence_parse(ev, len - 1, &parsed), VEIL_EMALFORMED,
               "end of data");
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, ev, len);
    longer[len] = 0;
    assert_err(veil_pas_software_evidence_parse(longer, len + 1, &parsed), VEIL_EMALFORMED,
               "trailing");
    free(longer);
    ev[8] = 2;
    assert_err(veil_pas_software_evidence_parse(ev, len, &parsed), VEIL_EMALFORMED, "version 2");
    ev[8] = 1;
    ev[0] = 'X';
    assert_err(veil_pas_software_evidence_parse(ev, len, &parsed), VEIL_EMALFORMED, "VEILSWEV");
    ev[0] = 'V';
    ev[10] = '/'; /* device name "d/v" */
    assert_err(veil_pas_software_evidence_parse(ev, len, &parsed), VEIL_EINVAL, "outside");
    free(ev);
    assert_err(veil_pas_software_evidence_build("dev", f->device, nonce, 8, m, h, &ev, &len),
               VEIL_EINVAL, "nonce of 8 bytes");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_err(veil_pas_software_evidence_build("dev", rsa, nonce, 32, m, h, &ev, &len),
               VEIL_EUNSUPPORTED, "Ed25519 or EC P-256");
    EVP_PKEY_free(rsa);
    /* EC P-256 device keys work as well. */
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_ok(veil_pas_software_evidence_build("dev", ec, nonce, 32, m, h, &ev, &len));
    assert_ok(veil_pas_software_evidence_parse(ev, len, &parsed));
    free(ev);
    EVP_PKEY_free(ec);
}

static void test_enrolment(void **state) {
    fixture *f = *state;
    char *pem = public_pem(f->device);
    assert_err(veil_pas_enrol_device(f->dir, "lab-1", pem, strlen(pem), false), VEIL_EEXIST,
               "already enrolled");
    assert_ok(veil_pas_enrol_device(f->dir, "lab-1", pem, strlen(pem), true));
    assert_err(veil_pas_enrol_device(f->dir, "../x", pem, strlen(pem), false), VEIL_EINVAL,
               "starts with '.'");
    assert_err(veil_pas_enrol_device(f->dir, "a/b", pem, strlen(pem), false), VEIL_EINVAL,
               "outside");
    assert_err(veil_pas_enrol_device(f->dir, "x", "junk", 4, false), VEIL_EMALFORMED,
               "not a PEM public key");
    free(pem);
    EVP_PKEY *key;
    assert_err(veil_pas_device_key(f->dir, "nobody", &key), VEIL_ENOENT, "not enrolled");
}

static void test_references_file(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/refs.json", f->dir);
    const char *good = "{\"reference_values\": [{\"platform\": \"linux\", \"measurement\": "
                       "\"0000000000000000000000000000000000000000000000000000000000000001\", "
                       "\"description\": \"veil-runtime\"}]}";
    assert_ok(veil_write_file(path, good, strlen(good), 0644));
    veil_pas_reference *refs;
    size_t n;
    assert_ok(veil_pas_references_load(path, &refs, &n));
    assert_int_equal(n, 1);
    assert_string_equal(refs[0].platform, "linux");
    assert_int_equal(refs[0].measurement[31], 1);
    free(refs);
    const char *bad =
        "{\"reference_values\": [{\"platform\": \"linux\", \"measurement\": \"00\"}]}";
    assert_ok(veil_write_file(path, bad, strlen(bad), 0644));
    assert_err(veil_pas_references_load(path, &refs, &n), VEIL_EINVAL, "$.reference_values[0]");
    const char *extra = "{\"reference_values\": [], \"x\": 1}";
    assert_ok(veil_write_file(path, extra, strlen(extra), 0644));
    assert_err(veil_pas_references_load(path, &refs, &n), VEIL_EMALFORMED, "x");
    veil_pas_reference r;
    assert_err(veil_pas_reference_parse("nocolon", &r), VEIL_EINVAL, "PLATFORM:HEX");
}

static json_t *reply_json(veil_pas_reply *r) {
    json_t *j = json_loads(r->body, 0, NULL);
    assert_non_null(j);
    free(r->body);
    return j;
}

static void test_json_api(void **state) {
    fixture *f = *state;
    veil_pas_reply r;
    veil_pas_handle(f->pas, "GET", "/nope", NULL, 0, &r);
    assert_int_equal(r.status, 404);
    json_t *j = reply_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                        "not-found");
    json_decref(j);
    veil_pas_handle(f->pas, "GET", "/v1/attestation/start", NULL, 0, &r);
    assert_int_equal(r.status, 405);
    json_decref(reply_json(&r));
    veil_pas_handle(f->pas, "POST", "/v1/attestation/finish", (const uint8_t *)"{", 1, &r);
    assert_int_equal(r.status, 400);
    json_decref(reply_json(&r));
    veil_pas_handle(f->pas, "POST", "/v1/attestation/start", (const uint8_t *)"{\"a\":1}", 7, &r);
    assert_int_equal(r.status, 400);
    json_decref(reply_json(&r));

    veil_pas_handle(f->pas, "POST", "/v1/attestation/start", NULL, 0, &r);
    assert_int_equal(r.status, 200);
    j = reply_json(&r);
    const char *nonce = json_string_value(json_object_get(j, "nonce"));
    assert_non_null(nonce);
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    make_csr(f, 0, &csr, &csr_len);
    make_evidence(f->device, "lab-1", nonce, f->measurement, csr, csr_len, &ev, &ev_len);
    char *ev64 = malloc(veil_base64_encoded_len(ev_len) + 1);
    char *csr64 = malloc(veil_base64_encoded_len(csr_len) + 1);
    veil_base64_encode(ev, ev_len, ev64);
    veil_base64_encode(csr, csr_len, csr64);
    json_t *req = json_pack("{s:s,s:s,s:s,s:s}", "nonce", nonce, "format", "software", "evidence",
                            ev64, "csr", csr64);
    char *body = json_dumps(req, 0);
    veil_pas_handle(f->pas, "POST", "/v1/attestation/finish", (const uint8_t *)body, strlen(body),
                    &r);
    assert_int_equal(r.status, 200);
    json_t *ok = reply_json(&r);
    assert_non_null(strstr(json_string_value(json_object_get(ok, "certificate")), "BEGIN CERT"));
    assert_non_null(json_string_value(json_object_get(ok, "ca_certificate")));
    json_decref(ok);
    /* The same request again is a replay: 409 with a JSON error. */
    veil_pas_handle(f->pas, "POST", "/v1/attestation/finish", (const uint8_t *)body, strlen(body),
                    &r);
    assert_int_equal(r.status, 409);
    json_t *e = reply_json(&r);
    json_t *err = json_object_get(e, "error");
    assert_int_equal(json_integer_value(json_object_get(err, "status")), 409);
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "already used"));
    json_decref(e);
    free(body);
    json_decref(req);
    json_decref(j);
    free(ev64);
    free(csr64);
    free(ev);
    free(csr);

    veil_pas_handle(f->pas, "GET", "/v1/ca", NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_decref(reply_json(&r));
}

static void test_http(void **state) {
    fixture *f = *state;
    uint16_t port;
    assert_ok(veil_pas_serve(f->pas, "127.0.0.1", 0, &port));
    assert_true(port != 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    const char *req = "POST /v1/attestation/start HTTP/1.1\r\nHost: pas\r\nContent-Length: "
                      "0\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[4096];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "application/json"));
    assert_non_null(strstr(buf, "\"nonce\""));
    veil_pas_stop(f->pas);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ca_created_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_clamped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_table_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enrolment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_references_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The client's checks of a runtime certificate (checks 1-4), on
 * certificates issued by a real PAS at chosen times. */
#include "test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "veil/client.h"
#include "veil/encoding.h"
#include "veil/pas.h"

typedef struct fixture {
    char dir[64];
    int64_t now;
    uint64_t ms;
    EVP_PKEY *device;
    uint8_t measurement[32];
    veil_pas *pas;
} fixture;

static int64_t fake_unix(void *user) {
    return ((fixture *)user)->now;
}
static uint64_t fake_ms(void *user) {
    return ((fixture *)user)->ms;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static veil_pas *make_pas(fixture *f, const char *sub) {
    char dir[96];
    snprintf(dir, sizeof(dir), "%s/%s", f->dir, sub);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, f->device);
    char *pem;
    long n = BIO_get_mem_data(bio, &pem);
    assert_ok(veil_pas_enrol_device(dir, "dev", pem, (size_t)n, false));
    BIO_free(bio);
    veil_pas_reference ref = {.platform = "linux", .len = 32};
    memcpy(ref.measurement, f->measurement, 32);
    veil_pas_config config = {.state_dir = dir,
                              .max_validity_s = 3600,
                              .references = &ref,
                              .reference_count = 1,
                              .now_unix = fake_unix,
                              .now_ms = fake_ms,
                              .clock_user = f};
    veil_pas *pas;
    assert_ok(veil_pas_new(&config, &pas));
    return pas;
}

/* A runtime certificate from `pas`, issued at f->now. */
static X509 *issue(fixture *f, veil_pas *pas, int64_t not_after) {
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    veil_attest_csr_params p = {.key = key, .common_name = "rt", .not_after_unix = not_after};
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    assert_ok(veil_attest_csr_create(&p, &csr, &csr_len));
    char nonce_hex[65];
    assert_ok(veil_pas_nonce_new(pas, nonce_hex));
    uint8_t nonce[32], h[32];
    size_t n;
    assert_ok(veil_hex_decode(nonce_hex, 64, nonce, 32, &n));
    veil_sha256(csr, csr_len, h);
    assert_ok(veil_pas_software_evidence_build("dev", f->device, nonce, 32, f->measurement, h, &ev,
                                               &ev_len));
    char *pem;
    assert_ok(veil_pas_finish(pas, nonce_hex, "software", ev, ev_len, csr, csr_len, &pem));
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(pem);
    free(ev);
    free(csr);
    EVP_PKEY_free(key);
    return cert;
}

static void trust_for(fixture *f, veil_pas *pas, veil_client_trust *t) {
    memset(t, 0, sizeof(*t));
    t->pas_cert = veil_pas_ca_cert(pas);
    strcpy(t->platform, "linux");
    memcpy(t->measurement, f->measurement, 32);
    t->measurement_len = 32;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/veil-client-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->now = 1800000000;
    f->ms = 1;
    memset(f->measurement, 0x42, 32);
    f->device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->pas = make_pas(f, "pas");
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    veil_pas_free(f->pas);
    EVP_PKEY_free(f->device);
    nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void test_good_certificate(void **state) {
    fixture *f = *state;
    X509 *cert = issue(f, f->pas, 0);
    veil_client_trust t;
    trust_for(f, f->pas, &t);
    assert_ok(veil_client_check_certificate(&t, cert, NULL, f->now + 10));
    /* Exactly at the ends of the validity period. */
    assert_ok(veil_client_check_certificate(&t, cert, NULL, f->now));
    assert_ok(veil_client_check_certificate(&t, cert, NULL, f->now + 3600));
    X509_free(cert);
}

static void test_other_ca(void **state) {
    fixture *f = *state;
    veil_pas *other = make_pas(f, "other");
    X509 *cert = issue(f, other, 0);
    veil_client_trust t;
    trust_for(f, f->pas, &t);
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now), VEIL_EATTEST,
               "check 1 (chain) failed: the runtime's certificate (issuer /O=Veil/CN=Veil proxy "
               "attestation service, key id ");
    X509_free(cert);
    veil_pas_free(other);
}

static void test_validity(void **state) {
    fixture *f = *state;
    X509 *cert = issue(f, f->pas, 0);
    veil_client_trust t;
    trust_for(f, f->pas, &t);
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now + 3601), VEIL_EATTEST,
               "check 2 (validity) failed: the runtime's certificate expired at "
               "2027-01-15T09:00:00Z");
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now - 1), VEIL_EATTEST,
               "not valid before 2027-01-15T08:00:00Z");
    X509_free(cert);
}

static void test_measurement(void **state) {
    fixture *f = *state;
    X509 *cert = issue(f, f->pas, 0);
    veil_client_trust t;
    trust_for(f, f->pas, &t);
    t.measurement[0] ^= 1;
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now), VEIL_EATTEST,
               "check 3 (measurement) failed: the runtime's measurement "
               "4242424242424242424242424242424242424242424242424242424242424242 differs from the "
               "policy's runtime_manager_hash_linux "
               "4342424242424242424242424242424242424242424242424242424242424242");
    t.measurement[0] ^= 1;
    strcpy(t.platform, "nitro");
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now), VEIL_EATTEST,
               "measured on platform linux, the client expects nitro");
    X509_free(cert);
    /* A certificate from the CA without the extension. */
    X509 *ca = veil_pas_ca_cert(f->pas);
    strcpy(t.platform, "linux");
    assert_err(veil_client_check_certificate(&t, ca, NULL, f->now), VEIL_EATTEST,
               "check 3 (measurement) failed: certificate has no runtime measurement extension");
}

static void test_policy_expiry(void **state) {
    fixture *f = *state;
    X509 *cert = issue(f, f->pas, f->now + 600);
    veil_client_trust t;
    trust_for(f, f->pas, &t);
    t.not_after_max = f->now + 600;
    assert_ok(veil_client_check_certificate(&t, cert, NULL, f->now));
    t.not_after_max = f->now + 599;
    assert_err(veil_client_check_certificate(&t, cert, NULL, f->now), VEIL_EATTEST,
               "check 4 (expiry) failed");
    X509_free(cert);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_measurement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_expiry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

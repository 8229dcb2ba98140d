/*
 * The runtime service in-process: a real policy, a real PAS issuing the
 * runtime's certificate, and real clients (include/veil/client.h) over
 * socket pairs.  Covers the i-PoC flow, rights, hashes, streaming, many
 * clients at once, busy executions, runaway programs, shutdown and the host
 * channel.
 */
#include "test.h"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "runtime_internal.h"
#include "testcert.h"
#include "veil/client.h"
#include "veil/encoding.h"
#include "veil/pas.h"
#include "veil/protocol.h"
#include "veil/runtime.h"
#include "veil/x509.h"

enum { PROXY, OWNER, LOADER, STRANGER, IDENTITIES };
static const char *const names[IDENTITIES] = {"proxy", "owner", "loader", "stranger"};

typedef struct world {
    char dir[64];
    char *cert_pem[IDENTITIES], *key_pem[IDENTITIES];
    X509 *cert[IDENTITIES];
    EVP_PKEY *key[IDENTITIES];
    EVP_PKEY *device;
    uint8_t measurement[32];
    veil_pas *pas;
    uint8_t *app;
    size_t app_len;
    uint8_t *spin;
    size_t spin_len;
    char *policy;
    size_t policy_len;
    veil_client_trust trust;
    veil_runtime *rt;
} world;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static EVP_PKEY *key_from_pem(const char *pem) {
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    return key;
}

static json_t *grant(const char *path, uint64_t rights) {
    return json_pack("{s:s,s:I}", "file_name", path, "rights", (json_int_t)rights);
}

static char *hex_of(const uint8_t *data, size_t len) {
    uint8_t h[32];
    veil_sha256(data, len, h);
    char *hex = malloc(65);
    veil_hex_encode(h, 32, hex);
    return hex;
}

/* The i-PoC-shaped global policy (see tests/integration/trust_e2e_test.sh). */
static char *make_policy(world *w, uint64_t fuel, size_t *len) {
    char *pas_pem;
    assert_ok(veil_cert_to_pem(veil_pas_ca_cert(w->pas), &pas_pem));
    char mhex[65];
    veil_hex_encode(w->measurement, 32, mhex);
    char *app_hash = hex_of(w->app, w->app_len), *spin_hash = hex_of(w->spin, w->spin_len);
    json_t *ids =
        json_pack("[{s:s,s:i,s:[o]},{s:s,s:i,s:b,s:[o,o,o,o,o]},{s:s,s:i,s:[o]}]", "certificate",
                  w->cert_pem[PROXY], "id", 0, "file_rights",
                  grant("/s3_app_input/", VEIL_RIGHTS_W), "certificate", w->cert_pem[OWNER], "id",
                  1, "may_shutdown", 1, "file_rights", grant("/user_input/", VEIL_RIGHTS_W),
                  grant("/program/", VEIL_RIGHTS_X), grant("/output/", VEIL_RIGHTS_R),
                  grant("stdout", VEIL_RIGHTS_R), grant("stderr", VEIL_RIGHTS_R), "certificate",
                  w->cert_pem[LOADER], "id", 2, "file_rights", grant("/program/", VEIL_RIGHTS_W));
    json_t *programs = json_pack(
        "[{s:s,s:i,s:[o,o,o,o,o]},{s:s,s:i,s:[o]}]", "program_file_name", "/program/app.wasm", "id",
        0, "file_rights", grant("/s3_app_input/", VEIL_RIGHTS_R),
        grant("/user_input/", VEIL_RIGHTS_R), grant("/output/", VEIL_RIGHTS_RW),
        grant("stdout", VEIL_RIGHTS_W), grant("stderr", VEIL_RIGHTS_W), "program_file_name",
        "/program/spin.wasm", "id", 1, "file_rights", grant("stdout", VEIL_RIGHTS_W));
    json_t *doc = json_pack(
        "{s:o,s:o,s:[{s:s,s:s},{s:s,s:s}],s:s,s:s,s:s,s:s,s:n,s:{s:i,s:i,s:i,s:i,s:i},s:s,s:s,s:"
        "i,s:b,s:b,s:I}",
        "identities", ids, "programs", programs, "file_hashes", "file_path", "/program/app.wasm",
        "hash", app_hash, "file_path", "/program/spin.wasm", "hash", spin_hash,
        "veracruz_server_url", "127.0.0.1:3011", "proxy_attestation_server_url", "127.0.0.1:3010",
        "proxy_service_cert", pas_pem, "runtime_manager_hash_linux", mhex,
        "runtime_manager_hash_nitro", "enclave_cert_expiry", "year", 2030, "month", 1, "day", 1,
        "hour", 0, "minute", 0, "ciphersuite", "TLS1_3_CHACHA20_POLY1305_SHA256",
        "execution_strategy", "Interpretation", "max_memory_mib", 256, "enable_clock", 0, "debug",
        0, "max_execution_fuel", (json_int_t)fuel);
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    free(pas_pem);
    free(app_hash);
    free(spin_hash);
    *len = strlen(text);
    return text;
}

/* Certificate for the runtime's key from the PAS, as the host would get it. */
static void certify(world *w, veil_runtime *rt) {
    uint8_t *csr, *ev;
    size_t csr_len, ev_len;
    assert_ok(veil_runtime_csr(rt, &csr, &csr_len));
    char nonce_hex[65];
    uint8_t nonce[32], h[32];
    size_t n;
    assert_ok(veil_pas_nonce_new(w->pas, nonce_hex));
    assert_ok(veil_hex_decode(nonce_hex, 64, nonce, 32, &n));
    veil_sha256(csr, csr_len, h);
    assert_ok(veil_pas_software_evidence_build("dev", w->device, nonce, 32, w->measurement, h, &ev,
                                               &ev_len));
    char *pem;
    assert_ok(veil_pas_finish(w->pas, nonce_hex, "software", ev, ev_len, csr, csr_len, &pem));
    X509 *leaf;
    assert_ok(veil_cert_from_pem(pem, strlen(pem), &leaf));
    uint8_t *leaf_der, *ca_der;
    size_t leaf_len, ca_len;
    assert_ok(veil_cert_to_der(leaf, &leaf_der, &leaf_len));
    assert_ok(veil_cert_to_der(veil_pas_ca_cert(w->pas), &ca_der, &ca_len));
    assert_ok(veil_runtime_set_certificate(rt, leaf_der, leaf_len, ca_der, ca_len));
    X509_free(leaf);
    free(leaf_der);
    free(ca_der);
    free(pem);
    free(csr);
    free(ev);
}

static int setup(void **state) {
    world *w = calloc(1, sizeof(*w));
    strcpy(w->dir, "/tmp/veil-runtime-test-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    for (int i = 0; i < IDENTITIES; i++) {
        w->cert_pem[i] = testcert_make("ec", names[i], &w->key_pem[i]);
        assert_ok(veil_cert_from_pem(w->cert_pem[i], strlen(w->cert_pem[i]), &w->cert[i]));
        w->key[i] = key_from_pem(w->key_pem[i]);
    }
    w->device = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    memset(w->measurement, 0x42, 32);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, w->device);
    char *pub;
    long publen = BIO_get_mem_data(bio, &pub);
    assert_ok(veil_pas_enrol_device(w->dir, "dev", pub, (size_t)publen, false));
    BIO_free(bio);
    veil_pas_reference ref = {.platform = "linux", .len = 32};
    memcpy(ref.measurement, w->measurement, 32);
    veil_pas_config pc = {.state_dir = w->dir, .references = &ref, .reference_count = 1};
    assert_ok(veil_pas_new(&pc, &w->pas));
    assert_ok(veil_read_file(RUNTIME_TEST_APP, 16 << 20, &w->app, &w->app_len));
    assert_ok(veil_read_file(RUNTIME_TEST_SPIN, 16 << 20, &w->spin, &w->spin_len));
    w->policy = make_policy(w, 20000000, &w->policy_len);
    assert_ok(veil_client_trust_from_policy((const uint8_t *)w->policy, w->policy_len, "linux",
                                            &w->trust));
    assert_ok(veil_runtime_new((const uint8_t *)w->policy, w->policy_len, NULL, &w->rt));
    certify(w, w->rt);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    veil_runtime_free(w->rt);
    veil_client_trust_free(&w->trust);
    veil_pas_free(w->pas);
    EVP_PKEY_free(w->device);
    for (int i = 0; i < IDENTITIES; i++) {
        free(w->cert_pem[i]);
        free(w->key_pem[i]);
        X509_free(w->cert[i]);
        EVP_PKEY_free(w->key[i]);
    }
    free(w->app);
    free(w->spin);
    free(w->policy);
    nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(w);
    return 0;
}

static veil_error *connect_as(world *w, int who, veil_client **out) {
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_ok(veil_runtime_serve_connection(w->rt, sv[1]));
    veil_client_options o = {.cert = w->cert[who], .key = w->key[who], .timeout_ms = 60000};
    return veil_client_connect_fd(sv[0], &w->trust, &o, out);
}

static veil_client *client_as(world *w, int who) {
    veil_client *c;
    assert_ok(connect_as(w, who, &c));
    return c;
}

typedef struct mem_source {
    const uint8_t *data;
    size_t len, off;
} mem_source;

static veil_error *mem_read(void *user, uint8_t *buf, size_t cap, size_t *got) {
    mem_source *m = user;
    size_t n = m->len - m->off < cap ? m->len - m->off : cap;
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    *got = n;
    return NULL;
}

static veil_error *write_bytes(veil_client *c, const char *path, const void *data, size_t len,
                               bool append) {
    mem_source m = {data, len, 0};
    return veil_client_write(c, path, append, mem_read, &m, len, NULL);
}

static veil_error *buf_sink(void *user, const uint8_t *data, size_t len) {
    return veil_buf_append(user, data, len);
}

static veil_error *read_bytes(veil_client *c, const char *path, veil_buf *out) {
    veil_buf_clear(out);
    return veil_client_read(c, path, buf_sink, out, NULL);
}

static void test_ipoc_flow(void **state) {
    world *w = *state;
    veil_client *loader = client_as(w, LOADER), *proxy = client_as(w, PROXY),
                *owner = client_as(w, OWNER);
    assert_ok(write_bytes(loader, "/program/app.wasm", w->app, w->app_len, false));
    uint8_t clip[100000], key[16];
    for (size_t i = 0; i < sizeof(clip); i++)
        clip[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(0xa0 + i);
    assert_ok(write_bytes(proxy, "/s3_app_input/clip.bin", clip, sizeof(clip), false));
    assert_ok(write_bytes(owner, "/user_input/key.bin", key, sizeof(key), false));
    veil_buf out;
    veil_buf_init(&out, 0);
    uint32_t code = 99;
    assert_ok(veil_client_execute(owner, "/program/app.wasm", &code, buf_sink, &out, NULL, NULL));
    assert_int_equal(code, 0);
    assert_non_null(strstr((char *)out.data, "processed 100000 bytes with a 16-byte key"));
    assert_ok(read_bytes(owner, "/output/result.bin", &out));
    assert_int_equal(out.len, sizeof(clip));
    for (size_t i = 0; i < sizeof(clip); i++)
        assert_int_equal(out.data[i], clip[i] ^ key[i % sizeof(key)]);
    /* The run's stdout stays readable. */
    assert_ok(read_bytes(owner, "stdout", &out));
    assert_non_null(strstr((char *)out.data, "processed 100000 bytes"));
    veil_client_entry *entries;
    size_t count;
    assert_ok(veil_client_list(owner, "/output", &entries, &count));
    assert_int_equal(count, 1);
    assert_string_equal(entries[0].name, "result.bin");
    assert_int_equal(entries[0].size, sizeof(clip));
    veil_client_entries_free(entries, count);
    veil_buf_free(&out);
    veil_client_close(loader);
    veil_client_close(proxy);
    veil_client_close(owner);
}

static void test_rights(void **state) {
    world *w = *state;
    veil_client *proxy = client_as(w, PROXY), *owner = client_as(w, OWNER),
                *loader = client_as(w, LOADER);
    veil_buf out;
    veil_buf_init(&out, 0);
    assert_err(write_bytes(proxy, "/user_input/key.bin", "k", 1, false), VEIL_EPERM,
               "principal 'identity 0': write '/user_input/key.bin'");
    assert_err(read_bytes(proxy, "/s3_app_input/x", &out), VEIL_EPERM, "'identity 0'");
    uint32_t code;
    assert_err(veil_client_execute(proxy, "/program/app.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_EPERM, "'identity 0'");
    assert_err(veil_client_execute(loader, "/program/app.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_EPERM, "'identity 2'");
    assert_err(write_bytes(owner, "/output/x", "k", 1, false), VEIL_EPERM,
               "principal 'identity 1': write '/output/x'");
    assert_err(read_bytes(proxy, "stdout", &out), VEIL_EPERM, "identity 0 lacks fd_read on stdout");
    assert_err(veil_client_execute(loader, "/program/app.wasm", &code, buf_sink, &out, NULL, NULL),
               VEIL_EPERM,
               "identity 2 lacks fd_read on stdout (it asked for the program's stdout)");
    assert_err(write_bytes(owner, "stdout", "k", 1, false), VEIL_EINVAL, "cannot be written");
    /* The connection stays usable after refusals. */
    assert_ok(write_bytes(proxy, "/s3_app_input/ok", "k", 1, false));
    assert_err(read_bytes(owner, "/output/missing", &out), VEIL_ENOENT, "no such file");
    assert_err(veil_client_execute(owner, "/program/other.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_ENOENT, "");
    veil_buf_free(&out);
    veil_client_close(proxy);
    veil_client_close(owner);
    veil_client_close(loader);
}

static void test_hashes(void **state) {
    world *w = *state;
    veil_client *loader = client_as(w, LOADER), *owner = client_as(w, OWNER);
    assert_ok(write_bytes(loader, "/program/app.wasm", w->app, w->app_len, false));
    uint8_t *tampered = malloc(w->app_len);
    memcpy(tampered, w->app, w->app_len);
    tampered[w->app_len / 2] ^= 1;
    assert_err(write_bytes(loader, "/program/app.wasm", tampered, w->app_len, false), VEIL_EHASH,
               "principal 'identity 2': write '/program/app.wasm': content has "
               "SHA-256");
    free(tampered);
    /* The verified program is still there and runs (and, without its
     * inputs, exits with code 2). */
    uint32_t code = 0;
    assert_ok(veil_client_execute(owner, "/program/app.wasm", &code, NULL, NULL, NULL, NULL));
    assert_int_equal(code, 2);
    veil_client_close(loader);
    veil_client_close(owner);
}

static void test_unknown_client(void **state) {
    world *w = *state;
    veil_client *c;
    assert_err(connect_as(w, STRANGER, &c), VEIL_EPROTO,
               "the runtime refused this client's certificate");
}

static void test_policy_and_trust(void **state) {
    world *w = *state;
    veil_client *owner = client_as(w, OWNER);
    uint8_t hash[32], *bytes;
    size_t len;
    assert_ok(veil_client_policy(owner, hash, &bytes, &len));
    assert_int_equal(len, w->policy_len);
    assert_memory_equal(bytes, w->policy, len);
    assert_memory_equal(hash, w->trust.policy_hash, 32);
    free(bytes);
    veil_client_close(owner);
    /* A client holding a policy that differs by one byte refuses. */
    char *changed = strdup(w->policy);
    char *at = strstr(changed, "\"max_memory_mib\": 256");
    assert_non_null(at);
    at[strlen("\"max_memory_mib\": 25")] = '7';
    veil_client_trust other;
    assert_ok(veil_client_trust_from_policy((uint8_t *)changed, strlen(changed), "linux", &other));
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_ok(veil_runtime_serve_connection(w->rt, sv[1]));
    veil_client_options o = {.cert = w->cert[OWNER], .key = w->key[OWNER]};
    veil_client *c;
    assert_err(veil_client_connect_fd(sv[0], &other, &o, &c), VEIL_EATTEST,
               "check 5 (policy) failed: the runtime's policy hash");
    veil_client_trust_free(&other);
    free(changed);
}

/* A source of pseudo-random bytes, and a sink that checks them. */
typedef struct stream_gen {
    uint64_t state, left;
} stream_gen;

static uint8_t gen_next(stream_gen *g) {
    g->state = g->state * 6364136223846793005u + 1442695040888963407u;
    return (uint8_t)(g->state >> 56);
}

static veil_error *gen_read(void *user, uint8_t *buf, size_t cap, size_t *got) {
    stream_gen *g = user;
    size_t n = g->left < cap ? (size_t)g->left : cap;
    for (size_t i = 0; i < n; i++)
        buf[i] = gen_next(g);
    g->left -= n;
    *got = n;
    return NULL;
}

static veil_error *gen_check(void *user, const uint8_t *data, size_t len) {
    stream_gen *g = user;
    for (size_t i = 0; i < len; i++)
        VEIL_ENSURE(data[i] == gen_next(g), VEIL_EINTERNAL, "byte differs");
    g->left += len;
    return NULL;
}

static void test_streaming(void **state) {
    world *w = *state;
    veil_client *owner = client_as(w, OWNER);
    const uint64_t size = 48u << 20;
    stream_gen g = {12345, size};
    uint64_t written;
    assert_ok(veil_client_write(owner, "/user_input/big.bin", false, gen_read, &g, 0, &written));
    assert_int_equal(written, size);
    /* Appending goes to the end. */
    stream_gen more = {777, 1000};
    assert_ok(veil_client_write(owner, "/user_input/big.bin", true, gen_read, &more, 0, NULL));
    veil_client_close(owner);
    /* The owner has no read right there: read it back as the program
     * would, through the file system. */
    uint8_t *data;
    size_t len;
    assert_ok(veil_vfs_get_file(w->rt->vfs, "/user_input/big.bin", 64u << 20, &data, &len));
    assert_int_equal(len, size + 1000);
    stream_gen check = {12345, 0};
    assert_ok(gen_check(&check, data, size));
    stream_gen check2 = {777, 0};
    assert_ok(gen_check(&check2, data + size, 1000));
    free(data);
}

typedef struct worker {
    world *w;
    int index;
    veil_error *err;
} worker;

static void *worker_main(void *arg) {
    worker *k = arg;
    veil_client *c;
    k->err = connect_as(k->w, PROXY, &c);
    if (k->err != NULL)
        return NULL;
    char path[64];
    snprintf(path, sizeof(path), "/s3_app_input/w%d.bin", k->index);
    for (int round = 0; round < 5 && k->err == NULL; round++) {
        stream_gen g = {(uint64_t)(k->index * 100 + round), 1u << 20};
        k->err = veil_client_write(c, path, false, gen_read, &g, 0, NULL);
    }
    veil_client_close(c);
    return NULL;
}

static void test_concurrent_clients(void **state) {
    world *w = *state;
    enum { WORKERS = 6 };
    pthread_t t[WORKERS];
    worker k[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        k[i] = (worker){w, i, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &k[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
        assert_ok(k[i].err);
    }
    /* Each file holds exactly its writer's last round. */
    for (int i = 0; i < WORKERS; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/s3_app_input/w%d.bin", i);
        uint8_t *data;
        size_t len;
        assert_ok(veil_vfs_get_file(w->rt->vfs, path, 2u << 20, &data, &len));
        assert_int_equal(len, 1u << 20);
        stream_gen g = {(uint64_t)(i * 100 + 4), 0};
        assert_ok(gen_check(&g, data, len));
        free(data);
    }
}

static void test_busy_execution(void **state) {
    world *w = *state;
    veil_client *owner = client_as(w, OWNER), *proxy = client_as(w, PROXY),
                *loader = client_as(w, LOADER);
    assert_ok(write_bytes(loader, "/program/app.wasm", w->app, w->app_len, false));
    veil_client_close(loader);
    /* Stand in for a long execution: hold the execution slot. */
    pthread_mutex_lock(&w->rt->exec_lock);
    pthread_mutex_lock(&w->rt->lock);
    strcpy(w->rt->running, "/program/app.wasm for identity 1");
    pthread_mutex_unlock(&w->rt->lock);
    uint32_t code;
    assert_err(veil_client_execute(owner, "/program/app.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_EBUSY, "another execution is running (/program/app.wasm for identity 1)");
    /* Other sessions go on reading and writing meanwhile. */
    assert_ok(write_bytes(proxy, "/s3_app_input/during.bin", "abc", 3, false));
    assert_ok(write_bytes(owner, "/user_input/during.bin", "abc", 3, false));
    pthread_mutex_unlock(&w->rt->exec_lock);
    veil_client_close(owner);
    veil_client_close(proxy);
}

static void test_runaway(void **state) {
    world *w = *state;
    veil_client *loader = client_as(w, LOADER), *owner = client_as(w, OWNER);
    assert_ok(write_bytes(loader, "/program/spin.wasm", w->spin, w->spin_len, false));
    uint32_t code;
    assert_err(veil_client_execute(owner, "/program/spin.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_ELIMIT,
               "program /program/spin.wasm was stopped: it used up its fuel of "
               "20000000 (max_execution_fuel)");
    /* The instance goes on serving, and can run programs again. */
    assert_ok(write_bytes(owner, "/user_input/after.bin", "x", 1, false));
    assert_err(veil_client_execute(owner, "/program/spin.wasm", &code, NULL, NULL, NULL, NULL),
               VEIL_ELIMIT, "used up its fuel");
    veil_client_close(loader);
    veil_client_close(owner);
}

static void test_shutdown(void **state) {
    world *w = *state;
    veil_client *proxy = client_as(w, PROXY), *owner = client_as(w, OWNER);
    assert_err(veil_client_shutdown(proxy), VEIL_EPERM,
               "identity 0 may not shut the instance down (the policy does not give it "
               "may_shutdown)");
    struct pollfd p = {.fd = veil_runtime_shutdown_fd(w->rt), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_ok(veil_client_shutdown(owner));
    assert_int_equal(poll(&p, 1, 10000), 1);
    char who[64];
    assert_string_equal(veil_runtime_shutdown_by(w->rt, who, sizeof(who)), "identity 1");
    veil_client_close(proxy);
    veil_client_close(owner);
}

/* ---- the host channel, with the test playing the host ---- */

typedef struct channel_run {
    int fd;
    veil_error *err;
} channel_run;

static void *channel_main(void *arg) {
    channel_run *r = arg;
    r->err = veil_runtime_run_channel(r->fd, NULL);
    return NULL;
}

static void expect_frame(veil_stream *s, uint8_t type, uint8_t *buf, veil_frame_header *hdr) {
    bool eof;
    assert_ok(veil_proto_read_frame(s, hdr, buf, &eof));
    assert_false(eof);
    if (hdr->type != type)
        print_error("got %s, expected %s\n", veil_frame_type_name(hdr->type),
                    veil_frame_type_name(type));
    assert_int_equal(hdr->type, type);
}

static void send_policy(veil_stream *s, const char *policy, size_t len) {
    uint8_t total[8] = {0};
    for (int i = 0; i < 8; i++)
        total[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    assert_ok(veil_proto_write_frame(s, VEIL_FRAME_HOST_POLICY, total, 8));
    assert_ok(veil_proto_write_frame(s, VEIL_FRAME_DATA, policy, len));
    assert_ok(veil_proto_write_frame(s, VEIL_FRAME_END, NULL, 0));
}

static void test_host_channel(void **state) {
    world *w = *state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    channel_run run = {sv[1], NULL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, channel_main, &run), 0);
    veil_fd_stream fs;
    veil_stream s;
    veil_fd_stream_init(&fs, sv[0], &s);
    uint8_t *buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    veil_frame_header hdr;
    send_policy(&s, w->policy, w->policy_len);
    expect_frame(&s, VEIL_FRAME_HOST_START, buf, &hdr);
    char nonce_hex[65];
    uint8_t nonce[32];
    size_t n;
    assert_ok(veil_pas_nonce_new(w->pas, nonce_hex));
    assert_ok(veil_hex_decode(nonce_hex, 64, nonce, 32, &n));
    assert_ok(veil_proto_write_frame(&s, VEIL_FRAME_HOST_NONCE, nonce, 32));
    expect_frame(&s, VEIL_FRAME_HOST_CSR, buf, &hdr);
    assert_int_equal(buf[1], 32);
    assert_memory_equal(buf + 2, nonce, 32);
    const uint8_t *csr = buf + 34;
    size_t csr_len = hdr.len - 34;
    uint8_t h[32], *ev;
    size_t ev_len;
    veil_sha256(csr, csr_len, h);
    assert_ok(veil_pas_software_evidence_build("dev", w->device, nonce, 32, w->measurement, h, &ev,
                                               &ev_len));
    char *pem;
    assert_ok(veil_pas_finish(w->pas, nonce_hex, "software", ev, ev_len, csr, csr_len, &pem));
    X509 *leaf;
    assert_ok(veil_cert_from_pem(pem, strlen(pem), &leaf));
    uint8_t *leaf_der, *ca_der;
    size_t leaf_len, ca_len;
    assert_ok(veil_cert_to_der(leaf, &leaf_der, &leaf_len));
    assert_ok(veil_cert_to_der(veil_pas_ca_cert(w->pas), &ca_der, &ca_len));
    veil_buf cert;
    veil_buf_init(&cert, 0);
    uint8_t len4[4] = {0, 0, (uint8_t)(leaf_len >> 8), (uint8_t)leaf_len};
    assert_ok(veil_buf_append(&cert, len4, 4));
    assert_ok(veil_buf_append(&cert, leaf_der, leaf_len));
    assert_ok(veil_buf_append(&cert, ca_der, ca_len));
    assert_ok(veil_proto_write_frame(&s, VEIL_FRAME_HOST_CERT, cert.data, cert.len));
    expect_frame(&s, VEIL_FRAME_HOST_READY, buf, &hdr);

    /* A client connection passed as the host would. */
    int conn[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn), 0);
    assert_ok(veil_fd_stream_send_fd(&fs, VEIL_FRAME_HOST_CONNECT, NULL, 0, conn[1]));
    close(conn[1]);
    veil_client_options o = {.cert = w->cert[OWNER], .key = w->key[OWNER], .timeout_ms = 60000};
    veil_client *c;
    assert_ok(veil_client_connect_fd(conn[0], &w->trust, &o, &c));
    /* The owner shuts the instance down: the runtime tells the host. */
    assert_ok(veil_client_shutdown(c));
    expect_frame(&s, VEIL_FRAME_HOST_SHUTDOWN, buf, &hdr);
    assert_int_equal(hdr.len, strlen("identity 1"));
    assert_memory_equal(buf, "identity 1", hdr.len);
    veil_client_close(c);
    pthread_join(t, NULL);
    assert_ok(run.err);

    veil_buf_free(&cert);
    free(leaf_der);
    free(ca_der);
    X509_free(leaf);
    free(pem);
    free(ev);
    free(buf);
    close(sv[0]);
    close(sv[1]);
}

static void test_host_channel_bad_policy(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    channel_run run = {sv[1], NULL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, channel_main, &run), 0);
    veil_fd_stream fs;
    veil_stream s;
    veil_fd_stream_init(&fs, sv[0], &s);
    send_policy(&s, "{\"identities\": []}", 18);
    uint8_t *buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    veil_frame_header hdr;
    expect_frame(&s, VEIL_FRAME_HOST_ERROR, buf, &hdr);
    veil_proto_response resp;
    assert_ok(veil_proto_response_parse(buf, hdr.len, &resp));
    assert_int_equal(resp.status, VEIL_STATUS_BAD_REQUEST);
    pthread_join(t, NULL);
    assert_non_null(run.err);
    veil_error_free(run.err);
    free(buf);
    close(sv[0]);
    close(sv[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipoc_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_and_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_execution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runaway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_channel_bad_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

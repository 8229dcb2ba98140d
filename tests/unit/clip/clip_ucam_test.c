/*
 * The Ucam / i-PoC compatibility input: the real sample in the shared test
 * material (AES-128-CTR of the 50-frame clip) decrypts to the original
 * clip, in any piece size; the 32-bit counter wrap is refused; and the
 * warning about missing authentication is logged.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "veil/clip.h"
#include "veil/log.h"
#include "veil/str.h"

#define SAMPLE_DIR VEIL_TESTDATA_DIR "/video/ucam-style-aes128ctr"

static int warnings;

static void count_warnings(veil_log_level level, const char *comp, const char *message,
                           void *user_data) {
    (void)comp;
    (void)user_data;
    if (level == VEIL_LOG_WARN && strstr(message, "not authenticated") != NULL)
        warnings++;
}

static veil_error *buf_sink(void *user_data, const uint8_t *data, size_t len) {
    return veil_buf_append(user_data, data, len);
}

static uint8_t *read_all(const char *path, size_t *len) {
    uint8_t *data = NULL;
    assert_ok(veil_read_file(path, 64u << 20, &data, len));
    return data;
}

static void test_real_sample(void **state) {
    (void)state;
    size_t key_len, iv_len, ct_len, pt_len;
    uint8_t *key = read_all(SAMPLE_DIR "/key.bin", &key_len);
    uint8_t *iv = read_all(SAMPLE_DIR "/iv.bin", &iv_len);
    uint8_t *ct = read_all(SAMPLE_DIR "/vtest_cbp_384x288_50f.h264.aes128ctr", &ct_len);
    uint8_t *pt = read_all(VEIL_TESTDATA_DIR "/video/vtest_cbp_384x288_50f.h264", &pt_len);
    assert_int_equal(key_len, VEIL_CLIP_UCAM_KEY_LEN);
    assert_int_equal(iv_len, VEIL_CLIP_UCAM_COUNTER_LEN);
    assert_int_equal(ct_len, pt_len);
    static const size_t pieces[] = {1, 15, 16, 17, 65536, 1u << 20};
    veil_log_set_sink(count_warnings, NULL);
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        veil_buf out;
        veil_buf_init(&out, 0);
        veil_clip_ucam_ctr *u = NULL;
        warnings = 0;
        assert_ok(veil_clip_ucam_ctr_new(key, iv, buf_sink, &out, &u));
        assert_int_equal(warnings, 1);
        for (size_t off = 0; off < ct_len; off += pieces[i]) {
            size_t n = ct_len - off < pieces[i] ? ct_len - off : pieces[i];
            assert_ok(veil_clip_ucam_ctr_update(u, ct + off, n));
        }
        veil_clip_ucam_ctr_free(u);
        assert_int_equal(out.len, pt_len);
        assert_memory_equal(out.data, pt, pt_len);
        veil_buf_free(&out);
    }
    veil_log_set_sink(NULL, NULL);
    free(key);
    free(iv);
    free(ct);
    free(pt);
}

static void test_counter_wrap_refused(void **state) {
    (void)state;
    uint8_t key[16] = {0}, ctr[16];
    memset(ctr, 0xff, sizeof(ctr)); /* one block before the low word wraps */
    uint8_t data[17] = {0};
    veil_buf out;
    veil_buf_init(&out, 0);
    veil_clip_ucam_ctr *u = NULL;
    veil_log_set_sink(count_warnings, NULL);
    assert_ok(veil_clip_ucam_ctr_new(key, ctr, buf_sink, &out, &u));
    veil_log_set_sink(NULL, NULL);
    assert_ok(veil_clip_ucam_ctr_update(u, data, 16));
    assert_err(veil_clip_ucam_ctr_update(u, data, 1), VEIL_EUNSUPPORTED, "32-bit block counter");
    assert_int_equal(out.len, 16);
    veil_clip_ucam_ctr_free(u);
    veil_buf_free(&out);
}

int main(void) {
    FILE *f = fopen(SAMPLE_DIR "/key.bin", "rb");
    if (f == NULL) {
        fprintf(stderr, "skipped: no test material at %s\n", SAMPLE_DIR);
        return 77;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_sample),
        cmocka_unit_test(test_counter_wrap_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

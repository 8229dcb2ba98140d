/* Rights values and decisions (every shorthand, nested directories, whole
 * path components, the standard streams) and expiry dates. */
#include "../test.h"

#include <stdlib.h>
#include <time.h>

#include "policy_fixture.h"
#include "veil/wasi_rights.h"

static void test_rights_parse(void **state) {
    (void)state;
    static const struct {
        const char *text;
        uint64_t value;
    } good[] = {
        {"r", 24582},       {"w", 534084},
        {"x", 536879104},   {"rw", 550470},
        {"wx", 537404996},  {"wr", 550470},
        {"rwx", 537421382}, {"24582", 24582},
        {"0", 0},           {"1073741823", VEIL_RIGHTS_ALL},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t value = 1;
        assert_ok(veil_rights_parse(good[i].text, &value));
        assert_int_equal(value, good[i].value);
    }
    /* The named constants are the Veracruz values. */
    assert_int_equal(VEIL_RIGHTS_RW, VEIL_RIGHTS_R | VEIL_RIGHTS_W);
    assert_int_equal(VEIL_RIGHTS_WX, VEIL_RIGHTS_W | VEIL_RIGHTS_X);
    uint64_t value;
    assert_err(veil_rights_parse("1073741824", &value), VEIL_EINVAL, "not WASI rights");
    assert_err(veil_rights_parse("rq", &value), VEIL_EINVAL, "combination of r, w and x");
    assert_err(veil_rights_parse("", &value), VEIL_EINVAL, "empty rights");
    assert_err(veil_rights_parse("12x", &value), VEIL_EINVAL, "not a non-negative integer");
}

static void test_rights_names(void **state) {
    (void)state;
    char buf[512];
    veil_rights_shorthand(VEIL_RIGHTS_R, buf, sizeof(buf));
    assert_string_equal(buf, "r");
    veil_rights_shorthand(VEIL_RIGHTS_WX, buf, sizeof(buf));
    assert_string_equal(buf, "wx");
    veil_rights_shorthand(VEIL_RIGHT_FD_READ, buf, sizeof(buf));
    assert_string_equal(buf, "2");
    veil_rights_describe(VEIL_RIGHTS_R, buf, sizeof(buf));
    assert_string_equal(buf, "fd_read fd_seek path_open fd_readdir");
    veil_rights_describe(VEIL_RIGHTS_X, buf, sizeof(buf));
    assert_string_equal(buf, "path_open execute");
    veil_rights_describe(0, buf, sizeof(buf));
    assert_string_equal(buf, "none");
    assert_string_equal(veil_rights_bit_name(0), "fd_datasync");
    assert_string_equal(veil_rights_bit_name(29), "execute");
    assert_null(veil_rights_bit_name(30));
}

/* Parses the fixture's global policy with identity 1's grants replaced. */
static veil_policy *policy_with_grants(json_t *grants) {
    json_t *doc = fixture_global();
    json_object_set_new(fixture_get(doc, "identities", 1), "file_rights", grants);
    veil_policy *p = NULL;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    json_decref(doc);
    return p;
}

static json_t *grant(const char *path, uint64_t rights) {
    return json_pack("{s:s, s:I}", "file_name", path, "rights", (json_int_t)rights);
}

static void test_every_shorthand(void **state) {
    (void)state;
    static const struct {
        const char *dir;
        uint64_t rights;
    } dirs[] = {
        {"/r", VEIL_RIGHTS_R},   {"/w", VEIL_RIGHTS_W},   {"/x", VEIL_RIGHTS_X},
        {"/rw", VEIL_RIGHTS_RW}, {"/wx", VEIL_RIGHTS_WX},
    };
    json_t *grants = json_array();
    for (size_t i = 0; i < 5; i++) {
        char text[8];
        snprintf(text, sizeof(text), "%s", dirs[i].dir + 1);
        uint64_t parsed;
        assert_ok(veil_rights_parse(text, &parsed));
        assert_int_equal(parsed, dirs[i].rights);
        json_array_append_new(grants, grant(dirs[i].dir, parsed));
    }
    veil_policy *p = policy_with_grants(grants);
    const veil_policy_principal *who;
    assert_ok(veil_policy_find_identity(p, 1, &who));
    for (size_t i = 0; i < 5; i++) {
        char file[64], deep[64];
        snprintf(file, sizeof(file), "%s/clip.h264", dirs[i].dir);
        snprintf(deep, sizeof(deep), "%s/a/b/c", dirs[i].dir);
        const char *paths[] = {dirs[i].dir, file, deep};
        for (size_t k = 0; k < 3; k++) {
            assert_int_equal(veil_policy_rights_on(who, paths[k]), dirs[i].rights);
            for (unsigned bit = 0; bit < 30; bit++) {
                uint64_t right = UINT64_C(1) << bit;
                veil_error *err = veil_policy_check_rights(who, paths[k], right);
                if (dirs[i].rights & right) {
                    assert_null(err);
                } else {
                    assert_non_null(err);
                    assert_int_equal(veil_error_code(err), VEIL_EPERM);
                    assert_non_null(strstr(veil_error_message(err), veil_rights_bit_name(bit)));
                    veil_error_free(err);
                }
            }
        }
    }
    /* Reading needs fd_read: only r and rw have it; executing only x and wx. */
    assert_null(veil_policy_check_rights(who, "/rw/f", VEIL_RIGHT_FD_READ | VEIL_RIGHT_FD_WRITE));
    assert_err(veil_policy_check_rights(who, "/w/f", VEIL_RIGHT_FD_READ), VEIL_EPERM,
               "identity 1 may not do that on \"/w/f\": missing fd_read (its grant on /w is w)");
    assert_err(veil_policy_check_rights(who, "/r/f", VEIL_RIGHT_EXECUTE), VEIL_EPERM,
               "missing execute");
    assert_null(veil_policy_check_rights(who, "/wx/program.wasm", VEIL_RIGHT_EXECUTE));
    /* Nothing outside the grants. */
    assert_int_equal(veil_policy_rights_on(who, "/rx/f"), 0);
    assert_err(veil_policy_check_rights(who, "/other", VEIL_RIGHT_FD_READ), VEIL_EPERM,
               "identity 1 has no rights on \"/other\" (missing fd_read)");
    veil_policy_free(p);
}

static void test_nested_directories(void **state) {
    (void)state;
    json_t *grants =
        json_pack("[o, o, o, o, o, o]", grant("/", VEIL_RIGHTS_R), grant("/data/", VEIL_RIGHTS_W),
                  grant("/data/private", 0), grant("/data/public/shared/", VEIL_RIGHTS_RW),
                  grant("/output", VEIL_RIGHTS_RW), grant("stdout", VEIL_RIGHTS_W));
    veil_policy *p = policy_with_grants(grants);
    const veil_policy_principal *who;
    assert_ok(veil_policy_find_identity(p, 1, &who));
    static const struct {
        const char *path;
        uint64_t rights;
    } cases[] = {
        {"/", VEIL_RIGHTS_R},
        {"/anything/else", VEIL_RIGHTS_R},
        {"/data", VEIL_RIGHTS_W},
        {"/data/", VEIL_RIGHTS_W},
        {"/data/clip", VEIL_RIGHTS_W}, /* the narrower grant wins: no read */
        {"/data/private", 0},
        {"/data/private/key", 0},
        {"/data/privateer", VEIL_RIGHTS_W}, /* a component, not a string prefix */
        {"/data/public", VEIL_RIGHTS_W},
        {"/data/public/shared", VEIL_RIGHTS_RW},
        {"/data/public/shared/deep/file", VEIL_RIGHTS_RW},
        {"/dataset", VEIL_RIGHTS_R},
        {"/output/result.json", VEIL_RIGHTS_RW},
        {"/outputs/result.json", VEIL_RIGHTS_R},
        {"stdout", VEIL_RIGHTS_W},
        {"/stdout", VEIL_RIGHTS_R}, /* a file called stdout, not the stream */
        {"stdin", 0},               /* "/" does not cover the streams */
        {"stderr", 0},
        /* Invalid paths get nothing. */
        {"data/clip", 0},
        {"/data/../output/x", 0},
        {"/data/./clip", 0},
        {"/data//clip", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t got = veil_policy_rights_on(who, cases[i].path);
        if (got != cases[i].rights) {
            print_error("%s: expected %llu, got %llu\n", cases[i].path,
                        (unsigned long long)cases[i].rights, (unsigned long long)got);
            fail();
        }
    }
    assert_err(veil_policy_check_rights(who, "/data/private/key", VEIL_RIGHT_FD_READ), VEIL_EPERM,
               "its grant on /data/private is 0");
    assert_err(veil_policy_check_rights(who, "/data/../output/x", VEIL_RIGHT_FD_READ), VEIL_EINVAL,
               "identity 1: path \"/data/../output/x\"");
    assert_err(veil_policy_check_rights(who, "", VEIL_RIGHT_FD_READ), VEIL_EINVAL,
               "not an absolute path");
    /* The grant list (what the file system builds a view from) is sorted. */
    const veil_policy_grant *list;
    size_t count;
    veil_policy_grants(p, who, &list, &count);
    assert_int_equal(count, 6);
    assert_ptr_equal(list, who->grants);
    static const char *const sorted[] = {"/",       "/data", "/data/private", "/data/public/shared",
                                         "/output", "stdout"};
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(list[i].path, sorted[i]);
        assert_int_equal(list[i].base_rights, list[i].inheriting_rights);
    }
    veil_policy_free(p);
}

static void test_program_rights(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    json_decref(doc);
    const veil_policy_principal *program, *owner, *proxy;
    assert_ok(veil_policy_find_program(p, "/program/detector.wasm", &program));
    assert_ok(veil_policy_find_identity(p, 0, &owner));
    assert_ok(veil_policy_find_identity(p, 1, &proxy));
    /* The i-PoC flow: the proxy writes the clip, the program reads it and
     * writes results, the owner reads results and runs the program. */
    assert_null(veil_policy_check_rights(proxy, "/s3_app_input/in_enc.h264",
                                         VEIL_RIGHT_FD_WRITE | VEIL_RIGHT_PATH_CREATE_FILE));
    assert_err(veil_policy_check_rights(proxy, "/s3_app_input/in_enc.h264", VEIL_RIGHT_FD_READ),
               VEIL_EPERM, "identity 1");
    assert_err(veil_policy_check_rights(proxy, "/output/prediction.json", VEIL_RIGHT_FD_READ),
               VEIL_EPERM, "identity 1 has no rights on \"/output/prediction.json\"");
    assert_null(veil_policy_check_rights(program, "/s3_app_input/in_enc.h264", VEIL_RIGHT_FD_READ));
    assert_null(veil_policy_check_rights(program, "/output/prediction.json", VEIL_RIGHT_FD_WRITE));
    assert_err(veil_policy_check_rights(program, "/s3_app_input/x", VEIL_RIGHT_FD_WRITE),
               VEIL_EPERM, "program /program/detector.wasm may not do that");
    assert_null(veil_policy_check_rights(owner, "/output/prediction.json", VEIL_RIGHT_FD_READ));
    assert_null(veil_policy_check_rights(owner, "/program/detector.wasm", VEIL_RIGHT_EXECUTE));
    assert_err(veil_policy_check_rights(owner, "/program/detector.wasm", VEIL_RIGHT_FD_WRITE),
               VEIL_EPERM, "identity 0");
    assert_null(veil_policy_check_rights(owner, "stdout", VEIL_RIGHT_FD_READ));
    veil_policy_free(p);
}

static void test_expiry(void **state) {
    (void)state;
    veil_policy_expiry e;
    assert_ok(veil_policy_expiry_parse("Fri, 01 Jan 2027 13:30:00 +0100", &e));
    assert_int_equal(e.year, 2027);
    assert_int_equal(e.month, 1);
    assert_int_equal(e.day, 1);
    assert_int_equal(e.hour, 12);
    assert_int_equal(e.minute, 30);
    assert_ok(veil_policy_expiry_parse("1 Jan 2027 00:10 -0230", &e));
    assert_int_equal(e.hour, 2);
    assert_int_equal(e.minute, 40);
    assert_ok(veil_policy_expiry_parse("Thu, 31 Dec 2026 23:59:59 GMT", &e));
    assert_int_equal(e.day, 31);
    assert_int_equal(e.minute, 59);
    assert_ok(veil_policy_expiry_parse("2027-03-01T00:30Z", &e));
    assert_int_equal(e.month, 3);
    assert_ok(veil_policy_expiry_parse("2027-03-01T00:30:15+01:00", &e));
    assert_int_equal(e.month, 2);
    assert_int_equal(e.day, 28);
    assert_int_equal(e.hour, 23);
    assert_err(veil_policy_expiry_parse("Thu, 30 Feb 2023 00:00:00 +0000", &e), VEIL_EINVAL,
               "2023-02-30 is not a real date");
    assert_err(veil_policy_expiry_parse("2027-01-01T00:00", &e), VEIL_EINVAL, "needs a zone");
    assert_err(veil_policy_expiry_parse("tomorrow", &e), VEIL_EINVAL, "RFC 2822");
    assert_err(veil_policy_expiry_parse("01 Foo 2027 00:00 +0000", &e), VEIL_EINVAL, "RFC 2822");
    assert_err(veil_policy_expiry_parse("01 Jan 2027 00:00:61 +0000", &e), VEIL_EINVAL,
               "second 61");
    /* Conversions agree with the C library's timegm() over centuries. */
    for (int64_t t = -86400; t < INT64_C(253402300800); t += INT64_C(86400) * 17 + 3661) {
        veil_policy_expiry x;
        veil_policy_expiry_from_unix(t, &x);
        struct tm tm;
        time_t tt = (time_t)t;
        gmtime_r(&tt, &tm);
        assert_int_equal(x.year, tm.tm_year + 1900);
        assert_int_equal(x.month, tm.tm_mon + 1);
        assert_int_equal(x.day, tm.tm_mday);
        assert_int_equal(x.hour, tm.tm_hour);
        assert_int_equal(x.minute, tm.tm_min);
        assert_int_equal(veil_policy_expiry_to_unix(&x), t - t % 60 - (t < 0 && t % 60 ? 60 : 0));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rights_parse),    cmocka_unit_test(test_rights_names),
        cmocka_unit_test(test_every_shorthand), cmocka_unit_test(test_nested_directories),
        cmocka_unit_test(test_program_rights),  cmocka_unit_test(test_expiry),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

/* `veil wasm`: run WebAssembly modules and the official spec tests on Veil's
 * engine.
 *
 *   veil wasm run FILE.wasm [--invoke NAME [ARGS...]] [--fuel N]
 *                 [--max-memory-mib N] [--timeout-ms N] [--strategy interp|aot]
 *   veil wasm spec [--timeout-ms N] [--strategy interp|aot] FILE.wast|DIR...
 *
 * `spec` converts each .wast with `wast2json --enable-all` (Debian's wabt)
 * into a JSON command list plus binary modules and executes every command
 * against the public engine API (include/veil/wasm.h) with the `spectest`
 * host module.  Failures are listed as FILE:LINE; skipped commands say why;
 * the last line is "spec: N passed, M failed, K skipped".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "commands_gen.h"
#include "veil/str.h"
#include "veil/wasm.h"

extern char **environ;

const char veil_cmd_wasm_summary[] = "run WebAssembly modules and the spec test suite";

static void usage(FILE *out) {
    fprintf(out,
            "usage: veil wasm run FILE.wasm [--invoke NAME [ARGS...]] [--fuel N]\n"
            "                     [--max-memory-mib N] [--timeout-ms N] [--strategy S]\n"
            "       veil wasm spec [--timeout-ms N] [--strategy S] FILE.wast|DIR...\n\n"
            "run   instantiates FILE.wasm (imports are not provided) and calls the export NAME\n"
            "      with ARGS (or _start), printing each result as TYPE:VALUE; a trap is\n"
            "      reported on stderr with a non-zero exit status.\n"
            "spec  runs WebAssembly spec tests (.wast, converted with wast2json --enable-all)\n"
            "      and prints failures as FILE:LINE and a final line\n"
            "      \"spec: N passed, M failed, K skipped\"; exit status 1 when any failed.\n\n"
            "options:\n"
            "  --fuel N            instruction budget (approximate units; default unlimited)\n"
            "  --max-memory-mib N  cap on each linear memory (default 4096)\n"
            "  --timeout-ms N      wall-clock limit per call (spec default 10000)\n"
            "  --strategy S        interp (default) or aot: translate to C, compile with\n"
            "                      $VEIL_AOT_CC (clang), cache in $VEIL_AOT_CACHE_DIR\n"
            "                      (default ~/.cache/veil/aot)\n");
}

/* "interp" or "aot" (the ahead-of-time strategy: compiled C, cached under
 * $VEIL_AOT_CACHE_DIR or ~/.cache/veil/aot). */
static veil_error *parse_strategy(const char *text, veil_wasm_strategy *out) {
    if (strcmp(text, "interp") == 0)
        *out = VEIL_WASM_INTERP;
    else if (strcmp(text, "aot") == 0)
        *out = VEIL_WASM_AOT;
    else
        return veil_error_new(VEIL_EINVAL, "--strategy: '%s' is not interp or aot", text);
    return NULL;
}

/* ---- values ---- */

static bool type_from_name(const char *name, veil_wasm_valtype *out) {
    static const veil_wasm_valtype all[] = {VEIL_WASM_I32,      VEIL_WASM_I64,  VEIL_WASM_F32,
                                            VEIL_WASM_F64,      VEIL_WASM_V128, VEIL_WASM_FUNCREF,
                                            VEIL_WASM_EXTERNREF};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, veil_wasm_valtype_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    return false;
}

static void format_value(const veil_wasm_value *v, char *buf, size_t size) {
    switch (v->type) {
    case VEIL_WASM_I32:
        snprintf(buf, size, "i32:%" PRId32, (int32_t)v->of.i32);
        break;
    case VEIL_WASM_I64:
        snprintf(buf, size, "i64:%" PRId64, (int64_t)v->of.i64);
        break;
    case VEIL_WASM_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, 4);
        snprintf(buf, size, "f32:%.9g (0x%08" PRIx32 ")", (double)f, v->of.f32_bits);
        break;
    }
    case VEIL_WASM_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, 8);
        snprintf(buf, size, "f64:%.17g (0x%016" PRIx64 ")", d, v->of.f64_bits);
        break;
    }
    case VEIL_WASM_V128: {
        size_t n = (size_t)snprintf(buf, size, "v128:0x");
        for (int i = 15; i >= 0 && n + 2 < size; i--)
            n += (size_t)snprintf(buf + n, size - n, "%02x", v->of.v128[i]);
        break;
    }
    case VEIL_WASM_FUNCREF:
        if (v->of.funcref == NULL)
            snprintf(buf, size, "funcref:null");
        else
            snprintf(buf, size, "funcref:%p", (void *)v->of.funcref);
        break;
    case VEIL_WASM_EXTERNREF:
        if (v->of.externref == 0)
            snprintf(buf, size, "externref:null");
        else
            snprintf(buf, size, "externref:%" PRIuPTR, v->of.externref - 1);
        break;
    }
}

/* ---- the spec runner ---- */

typedef struct named_instance {
    char *name;
    size_t name_len;
    veil_wasm_instance *instance;
} named_instance;

typedef struct spec_run {
    const char *wast; /* file being run, for messages */
    const char *dir;  /* wast2json output directory */
    veil_wasm_store *store;
    veil_wasm_module **modules; /* loaded, freed at the end of the file */
    size_t module_count, module_cap;
    named_instance *named; /* "$name" -> instance */
    size_t named_count, named_cap;
    named_instance *registered; /* register "as" -> instance */
    size_t registered_count, registered_cap;
    veil_wasm_instance *current;
    /* spectest */
    veil_wasm_func *print[7];
    veil_wasm_global *g_i32, *g_i64, *g_f32, *g_f64;
    veil_wasm_table *table;
    veil_wasm_memory *memory;
    uint64_t timeout_ms;
    unsigned passed, failed, skipped;
} spec_run;

static void fail(spec_run *run, json_int_t line, const char *fmt, ...) VEIL_PRINTF(3, 4);
static void fail(spec_run *run, json_int_t line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("%s:%" JSON_INTEGER_FORMAT ": FAIL: ", run->wast, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    run->failed++;
}

static void skip(spec_run *run, json_int_t line, const char *why) {
    printf("%s:%" JSON_INTEGER_FORMAT ": skip: %s\n", run->wast, line, why);
    run->skipped++;
}

static veil_error *print_host(veil_wasm_caller *caller, void *env, const uint64_t *args,
                              uint64_t *results) {
    (void)caller;
    (void)env;
    (void)args;
    (void)results;
    return NULL;
}

static veil_error *spectest_init(spec_run *run) {
    static const veil_wasm_valtype p_i32[] = {VEIL_WASM_I32};
    static const veil_wasm_valtype p_i64[] = {VEIL_WASM_I64};
    static const veil_wasm_valtype p_f32[] = {VEIL_WASM_F32};
    static const veil_wasm_valtype p_f64[] = {VEIL_WASM_F64};
    static const veil_wasm_valtype p_i32_f32[] = {VEIL_WASM_I32, VEIL_WASM_F32};
    static const veil_wasm_valtype p_f64_f64[] = {VEIL_WASM_F64, VEIL_WASM_F64};
    const veil_wasm_functype types[] = {
        {0, 0, NULL, NULL},  {1, 0, p_i32, NULL},     {1, 0, p_i64, NULL},     {1, 0, p_f32, NULL},
        {1, 0, p_f64, NULL}, {2, 0, p_i32_f32, NULL}, {2, 0, p_f64_f64, NULL},
    };
    for (int i = 0; i < 7; i++)
        VEIL_TRY(veil_wasm_func_new_host(run->store, &types[i], print_host, NULL, "print",
                                         &run->print[i]));
    veil_wasm_value v;
    memset(&v, 0, sizeof(v));
    v.type = VEIL_WASM_I32;
    v.of.i32 = 666;
    VEIL_TRY(veil_wasm_global_new(run->store, v, false, &run->g_i32));
    v.type = VEIL_WASM_I64;
    v.of.i64 = 666;
    VEIL_TRY(veil_wasm_global_new(run->store, v, false, &run->g_i64));
    float f = 666.6f;
    v.type = VEIL_WASM_F32;
    v.of.i64 = 0;
    memcpy(&v.of.f32_bits, &f, 4);
    VEIL_TRY(veil_wasm_global_new(run->store, v, false, &run->g_f32));
    double d = 666.6;
    v.type = VEIL_WASM_F64;
    memcpy(&v.of.f64_bits, &d, 8);
    VEIL_TRY(veil_wasm_global_new(run->store, v, false, &run->g_f64));
    VEIL_TRY(veil_wasm_table_new(run->store, VEIL_WASM_FUNCREF,
                                 (veil_wasm_limits_range){10, 20, true}, &run->table));
    VEIL_TRY(veil_wasm_memory_new(run->store, (veil_wasm_limits_range){1, 2, true}, &run->memory));
    return NULL;
}

static bool name_is(const veil_wasm_extern_desc *d, const char *s) {
    return d->name_len == strlen(s) && memcmp(d->name, s, d->name_len) == 0;
}

static veil_error *resolve_spectest(spec_run *run, const veil_wasm_extern_desc *d,
                                    veil_wasm_extern *out) {
    static const char *const prints[] = {"print",     "print_i32",     "print_i64",    "print_f32",
                                         "print_f64", "print_i32_f32", "print_f64_f64"};
    for (int i = 0; i < 7; i++)
        if (name_is(d, prints[i])) {
            out->kind = VEIL_WASM_EXTERN_FUNC;
            out->of.func = run->print[i];
            return NULL;
        }
    out->kind = VEIL_WASM_EXTERN_GLOBAL;
    if (name_is(d, "global_i32"))
        out->of.global = run->g_i32;
    else if (name_is(d, "global_i64"))
        out->of.global = run->g_i64;
    else if (name_is(d, "global_f32"))
        out->of.global = run->g_f32;
    else if (name_is(d, "global_f64"))
        out->of.global = run->g_f64;
    else if (name_is(d, "table")) {
        out->kind = VEIL_WASM_EXTERN_TABLE;
        out->of.table = run->table;
    } else if (name_is(d, "memory")) {
        out->kind = VEIL_WASM_EXTERN_MEMORY;
        out->of.memory = run->memory;
    } else {
        return veil_error_new(VEIL_ENOENT, "unknown import: spectest has no \"%s\"", d->name);
    }
    return NULL;
}

static veil_error *resolve(void *user_data, const veil_wasm_extern_desc *d, veil_wasm_extern *out) {
    spec_run *run = user_data;
    if (d->module_len == 8 && memcmp(d->module, "spectest", 8) == 0)
        return resolve_spectest(run, d, out);
    for (size_t i = run->registered_count; i-- > 0;) {
        const named_instance *r = &run->registered[i];
        if (r->name_len == d->module_len && memcmp(r->name, d->module, r->name_len) == 0) {
            if (veil_wasm_instance_export_n(r->instance, d->name, d->name_len, out))
                return NULL;
            return veil_error_new(VEIL_ENOENT, "unknown import: \"%s\" has no export \"%s\"",
                                  d->module, d->name);
        }
    }
    return veil_error_new(VEIL_ENOENT, "unknown import: no module \"%s\"", d->module);
}

static veil_error *add_named(named_instance **list, size_t *count, size_t *cap, const char *name,
                             size_t name_len, veil_wasm_instance *inst) {
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        named_instance *p = realloc(*list, ncap * sizeof(*p));
        if (p == NULL)
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        *list = p;
        *cap = ncap;
    }
    char *copy = malloc(name_len + 1);
    if (copy == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    memcpy(copy, name, name_len);
    copy[name_len] = '\0';
    (*list)[(*count)++] = (named_instance){copy, name_len, inst};
    return NULL;
}

static veil_wasm_instance *find_named(const spec_run *run, const char *name) {
    for (size_t i = run->named_count; i-- > 0;)
        if (strcmp(run->named[i].name, name) == 0)
            return run->named[i].instance;
    return NULL;
}

/* Loads (decode + validate) the module file of a command. */
static veil_error *load_module(spec_run *run, const char *filename, veil_wasm_module **out) {
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/%s", run->dir, filename));
    uint8_t *bytes;
    size_t len;
    veil_error *err = veil_read_file(path, 256u << 20, &bytes, &len);
    free(path);
    VEIL_TRY(err);
    err = veil_wasm_module_load(bytes, len, filename, out);
    free(bytes);
    if (err != NULL)
        return err;
    if (run->module_count == run->module_cap) {
        size_t ncap = run->module_cap ? run->module_cap * 2 : 16;
        veil_wasm_module **p = realloc(run->modules, ncap * sizeof(*p));
        if (p == NULL) {
            veil_wasm_module_free(*out);
            *out = NULL;
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        run->modules = p;
        run->module_cap = ncap;
    }
    run->modules[run->module_count++] = *out;
    return NULL;
}

static veil_error *parse_u64(const char *s, uint64_t *out) {
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return veil_error_new(VEIL_EMALFORMED, "bad number \"%s\" in spec JSON", s);
    *out = v;
    return NULL;
}

/* A wast2json value ({"type": T, "value": V}) as an argument. */
static veil_error *parse_arg(const json_t *j, veil_wasm_value *out) {
    memset(out, 0, sizeof(*out));
    const char *type = json_string_value(json_object_get(j, "type"));
    if (type == NULL || !type_from_name(type, &out->type))
        return veil_error_new(VEIL_EMALFORMED, "bad value type in spec JSON");
    const json_t *value = json_object_get(j, "value");
    if (out->type == VEIL_WASM_V128) {
        const char *lane = json_string_value(json_object_get(j, "lane_type"));
        if (lane == NULL || !json_is_array(value))
            return veil_error_new(VEIL_EMALFORMED, "bad v128 value in spec JSON");
        size_t lanes = json_array_size(value);
        if (lanes == 0 || 16 % lanes != 0)
            return veil_error_new(VEIL_EMALFORMED, "bad v128 lane count in spec JSON");
        size_t width = 16 / lanes;
        for (size_t i = 0; i < lanes; i++) {
            const char *s = json_string_value(json_array_get(value, i));
            uint64_t v;
            if (s == NULL)
                return veil_error_new(VEIL_EMALFORMED, "bad v128 lane in spec JSON");
            VEIL_TRY(parse_u64(s, &v));
            memcpy(out->of.v128 + i * width, &v, width);
        }
        return NULL;
    }
    const char *s = json_string_value(value);
    if (s == NULL)
        return veil_error_new(VEIL_EMALFORMED, "bad value in spec JSON");
    if (out->type == VEIL_WASM_FUNCREF) {
        if (strcmp(s, "null") != 0)
            return veil_error_new(VEIL_EUNSUPPORTED, "non-null funcref argument");
        return NULL;
    }
    if (out->type == VEIL_WASM_EXTERNREF) {
        if (strcmp(s, "null") == 0)
            return NULL;
        uint64_t v;
        VEIL_TRY(parse_u64(s, &v));
        out->of.externref = (uintptr_t)v + 1; /* 0 is null */
        return NULL;
    }
    uint64_t v;
    VEIL_TRY(parse_u64(s, &v));
    if (out->type == VEIL_WASM_I32 || out->type == VEIL_WASM_F32)
        out->of.i32 = (uint32_t)v;
    else
        out->of.i64 = v;
    return NULL;
}

static bool f32_matches(uint32_t got, const char *want) {
    if (strcmp(want, "nan:canonical") == 0)
        return (got & 0x7fffffffu) == 0x7fc00000u;
    if (strcmp(want, "nan:arithmetic") == 0)
        return (got & 0x7fc00000u) == 0x7fc00000u;
    uint64_t v;
    veil_error *err = parse_u64(want, &v);
    if (err != NULL) {
        veil_error_free(err);
        return false;
    }
    return got == (uint32_t)v;
}

static bool f64_matches(uint64_t got, const char *want) {
    if (strcmp(want, "nan:canonical") == 0)
        return (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    if (strcmp(want, "nan:arithmetic") == 0)
        return (got & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    uint64_t v;
    veil_error *err = parse_u64(want, &v);
    if (err != NULL) {
        veil_error_free(err);
        return false;
    }
    return got == v;
}

/* Whether a result matches a wast2json expected value. */
static bool value_matches(const veil_wasm_value *got, const json_t *want) {
    const char *type = json_string_value(json_object_get(want, "type"));
    veil_wasm_valtype t;
    if (type == NULL || !type_from_name(type, &t) || t != got->type)
        return false;
    const json_t *value = json_object_get(want, "value");
    const char *s = json_string_value(value);
    switch (t) {
    case VEIL_WASM_I32:
    case VEIL_WASM_I64: {
        uint64_t v;
        veil_error *err = s != NULL ? parse_u64(s, &v) : veil_error_new(VEIL_EMALFORMED, "?");
        if (err != NULL) {
            veil_error_free(err);
            return false;
        }
        return t == VEIL_WASM_I32 ? got->of.i32 == (uint32_t)v : got->of.i64 == v;
    }
    case VEIL_WASM_F32:
        return s != NULL && f32_matches(got->of.f32_bits, s);
    case VEIL_WASM_F64:
        return s != NULL && f64_matches(got->of.f64_bits, s);
    case VEIL_WASM_FUNCREF:
        return s != NULL && (strcmp(s, "null") == 0) == (got->of.funcref == NULL);
    case VEIL_WASM_EXTERNREF: {
        if (s == NULL)
            return false;
        if (strcmp(s, "null") == 0)
            return got->of.externref == 0;
        uint64_t v;
        veil_error *err = parse_u64(s, &v);
        if (err != NULL) {
            veil_error_free(err);
            return false;
        }
        return got->of.externref == (uintptr_t)v + 1;
    }
    case VEIL_WASM_V128: {
        const char *lane = json_string_value(json_object_get(want, "lane_type"));
        size_t lanes = json_array_size(value);
        if (lane == NULL || lanes == 0 || 16 % lanes != 0)
            return false;
        size_t width = 16 / lanes;
        for (size_t i = 0; i < lanes; i++) {
            const char *ls = json_string_value(json_array_get(value, i));
            if (ls == NULL)
                return false;
            uint64_t bits = 0;
            memcpy(&bits, got->of.v128 + i * width, width);
            if (strcmp(lane, "f32") == 0) {
                if (!f32_matches((uint32_t)bits, ls))
                    return false;
            } else if (strcmp(lane, "f64") == 0) {
                if (!f64_matches(bits, ls))
                    return false;
            } else {
                uint64_t v;
                veil_error *err = parse_u64(ls, &v);
                if (err != NULL) {
                    veil_error_free(err);
                    return false;
                }
                uint64_t mask = width == 8 ? ~0ull : ((1ull << (width * 8)) - 1);
                if ((bits & mask) != (v & mask))
                    return false;
            }
        }
        return true;
    }
    }
    return false;
}

typedef struct action_result {
    veil_wasm_value values[64];
    size_t count;
    veil_wasm_trap trap;
} action_result;

/* Performs an action; a trap is returned as the error (trap filled). */
static veil_error *do_action(spec_run *run, const json_t *action, action_result *res) {
    memset(res, 0, sizeof(*res));
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *module = json_string_value(json_object_get(action, "module"));
    const json_t *field = json_object_get(action, "field");
    if (type == NULL || !json_is_string(field))
        return veil_error_new(VEIL_EMALFORMED, "bad action in spec JSON");
    veil_wasm_instance *inst = module != NULL ? find_named(run, module) : run->current;
    if (inst == NULL)
        return veil_error_new(VEIL_ENOENT, "no module %s to act on", module ? module : "");
    veil_wasm_extern ext;
    if (!veil_wasm_instance_export_n(inst, json_string_value(field), json_string_length(field),
                                     &ext))
        return veil_error_new(VEIL_ENOENT, "no export \"%s\"", json_string_value(field));
    if (strcmp(type, "get") == 0) {
        if (ext.kind != VEIL_WASM_EXTERN_GLOBAL)
            return veil_error_new(VEIL_EINVAL, "export \"%s\" is not a global",
                                  json_string_value(field));
        res->values[0] = veil_wasm_global_get(ext.of.global);
        res->count = 1;
        return NULL;
    }
    if (strcmp(type, "invoke") != 0)
        return veil_error_new(VEIL_EUNSUPPORTED, "action type %s", type);
    if (ext.kind != VEIL_WASM_EXTERN_FUNC)
        return veil_error_new(VEIL_EINVAL, "export \"%s\" is not a function",
                              json_string_value(field));
    const json_t *args = json_object_get(action, "args");
    size_t n = json_array_size(args);
    veil_wasm_value argv[64];
    if (n > 64)
        return veil_error_new(VEIL_EUNSUPPORTED, "more than 64 arguments");
    for (size_t i = 0; i < n; i++)
        VEIL_TRY(parse_arg(json_array_get(args, i), &argv[i]));
    veil_wasm_functype ft;
    veil_wasm_func_type(ext.of.func, &ft);
    if (ft.result_count > 64)
        return veil_error_new(VEIL_EUNSUPPORTED, "more than 64 results");
    res->count = ft.result_count;
    return veil_wasm_call(run->store, ext.of.func, argv, n, res->values, res->count, &res->trap);
}

/* Whether a trap message matches the text the spec test expects. */
static bool trap_text_matches(const veil_wasm_trap *trap, const char *want) {
    const char *got = veil_wasm_trap_message(trap->kind);
    size_t n = strlen(got);
    return want != NULL && strncmp(want, got, n) == 0;
}

static void cmd_module(spec_run *run, const json_t *cmd, json_int_t line) {
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *name = json_string_value(json_object_get(cmd, "name"));
    veil_wasm_module *m;
    veil_error *err = load_module(run, filename, &m);
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    if (err == NULL)
        err = veil_wasm_instantiate(run->store, m, resolve, run, &inst, &trap);
    if (err != NULL) {
        fail(run, line, "module %s: %s", filename, veil_error_message(err));
        veil_error_free(err);
        run->current = NULL;
        return;
    }
    run->current = inst;
    if (name != NULL) {
        err = add_named(&run->named, &run->named_count, &run->named_cap, name, strlen(name), inst);
        if (err != NULL) {
            fail(run, line, "%s", veil_error_message(err));
            veil_error_free(err);
            return;
        }
    }
    run->passed++;
}

static void cmd_register(spec_run *run, const json_t *cmd, json_int_t line) {
    const json_t *as = json_object_get(cmd, "as");
    const char *name = json_string_value(json_object_get(cmd, "name"));
    veil_wasm_instance *inst = name != NULL ? find_named(run, name) : run->current;
    if (inst == NULL || !json_is_string(as)) {
        fail(run, line, "register: no module to register");
        return;
    }
    veil_error *err = add_named(&run->registered, &run->registered_count, &run->registered_cap,
                                json_string_value(as), json_string_length(as), inst);
    if (err != NULL) {
        fail(run, line, "%s", veil_error_message(err));
        veil_error_free(err);
        return;
    }
    run->passed++;
}

static void cmd_assert_return(spec_run *run, const json_t *cmd, json_int_t line) {
    action_result res;
    veil_error *err = do_action(run, json_object_get(cmd, "action"), &res);
    if (err != NULL) {
        fail(run, line, "assert_return: %s", veil_error_message(err));
        veil_error_free(err);
        return;
    }
    const json_t *expected = json_object_get(cmd, "expected");
    if (json_array_size(expected) != res.count) {
        fail(run, line, "assert_return: %zu results, expected %zu", res.count,
             json_array_size(expected));
        return;
    }
    for (size_t i = 0; i < res.count; i++) {
        const json_t *want = json_array_get(expected, i);
        if (!value_matches(&res.values[i], want)) {
            char got[128];
            format_value(&res.values[i], got, sizeof(got));
            char *want_text = json_dumps(want, JSON_COMPACT);
            fail(run, line, "assert_return: result %zu is %s, expected %s", i, got,
                 want_text != NULL ? want_text : "?");
            free(want_text);
            return;
        }
    }
    run->passed++;
}

static void cmd_assert_trap(spec_run *run, const json_t *cmd, json_int_t line, bool exhaustion) {
    action_result res;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    veil_error *err = do_action(run, json_object_get(cmd, "action"), &res);
    if (err == NULL) {
        fail(run, line, "expected trap \"%s\", got a result", text ? text : "");
        return;
    }
    bool ok = veil_error_code(err) == VEIL_ETRAP &&
              (exhaustion ? res.trap.kind == VEIL_TRAP_STACK_EXHAUSTED
                          : trap_text_matches(&res.trap, text));
    if (!ok)
        fail(run, line, "expected trap \"%s\", got: %s", text ? text : "", veil_error_message(err));
    else
        run->passed++;
    veil_error_free(err);
}

/* assert_malformed / assert_invalid / assert_unlinkable / assert_uninstantiable. */
static void cmd_assert_module(spec_run *run, const json_t *cmd, json_int_t line, const char *type) {
    const char *module_type = json_string_value(json_object_get(cmd, "module_type"));
    if (module_type != NULL && strcmp(module_type, "binary") != 0) {
        skip(run, line,
             "text-format module (wast2json emits it as .wat): the assertion is about the text "
             "syntax and has no binary form");
        return;
    }
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    veil_wasm_module *m;
    veil_error *err = load_module(run, filename, &m);
    bool load_only = strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0;
    if (load_only) {
        /* Only a rejection of the module itself counts, not, say, a missing
         * file or an unsupported feature. */
        if (err == NULL)
            fail(run, line, "%s: module %s loaded, expected \"%s\"", type, filename,
                 text ? text : "");
        else if (veil_error_code(err) != VEIL_EMALFORMED)
            fail(run, line, "%s: expected \"%s\", got: %s", type, text ? text : "",
                 veil_error_message(err));
        else
            run->passed++;
        veil_error_free(err);
        return;
    }
    if (err != NULL) {
        fail(run, line, "%s: module %s does not load: %s", type, filename, veil_error_message(err));
        veil_error_free(err);
        return;
    }
    veil_wasm_instance *inst;
    veil_wasm_trap trap;
    err = veil_wasm_instantiate(run->store, m, resolve, run, &inst, &trap);
    if (err == NULL) {
        fail(run, line, "%s: module %s instantiated, expected \"%s\"", type, filename,
             text ? text : "");
        return;
    }
    bool trapped = veil_error_code(err) == VEIL_ETRAP;
    bool want_trap = strcmp(type, "assert_uninstantiable") == 0;
    if (trapped != want_trap || (want_trap && !trap_text_matches(&trap, text)))
        fail(run, line, "%s: expected \"%s\", got: %s", type, text ? text : "",
             veil_error_message(err));
    else
        run->passed++;
    veil_error_free(err);
}

static void run_command(spec_run *run, const json_t *cmd) {
    const char *type = json_string_value(json_object_get(cmd, "type"));
    json_int_t line = json_integer_value(json_object_get(cmd, "line"));
    if (type == NULL) {
        fail(run, line, "command without a type");
        return;
    }
    if (strcmp(type, "module") == 0) {
        const char *module_type = json_string_value(json_object_get(cmd, "module_type"));
        if (module_type != NULL && strcmp(module_type, "binary") != 0)
            skip(run, line, "text-format module has no binary form");
        else
            cmd_module(run, cmd, line);
    } else if (strcmp(type, "register") == 0) {
        cmd_register(run, cmd, line);
    } else if (strcmp(type, "assert_return") == 0) {
        cmd_assert_return(run, cmd, line);
    } else if (strcmp(type, "assert_trap") == 0) {
        cmd_assert_trap(run, cmd, line, false);
    } else if (strcmp(type, "assert_exhaustion") == 0) {
        cmd_assert_trap(run, cmd, line, true);
    } else if (strcmp(type, "action") == 0) {
        action_result res;
        veil_error *err = do_action(run, json_object_get(cmd, "action"), &res);
        if (err != NULL) {
            fail(run, line, "action: %s", veil_error_message(err));
            veil_error_free(err);
        } else {
            run->passed++;
        }
    } else if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0 ||
               strcmp(type, "assert_unlinkable") == 0 ||
               strcmp(type, "assert_uninstantiable") == 0) {
        cmd_assert_module(run, cmd, line, type);
    } else {
        fail(run, line, "unknown command type %s", type);
    }
}

/* Runs wast2json on a .wast.  Its output is discarded: with --enable-all it
 * validates with the function-references proposal and complains about
 * ref.func typing the 2.0 tests rely on, yet converts everything. */
static veil_error *convert(const char *wast, const char *json_path) {
    char *argv[] = {"wast2json", "--enable-all", (char *)wast, "-o", (char *)json_path, NULL};
    pid_t pid;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, "wast2json", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return veil_error_errno(rc, "cannot run wast2json (install Debian's wabt)");
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return veil_error_errno(errno, "waiting for wast2json");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return veil_error_new(VEIL_EMALFORMED,
                              "wast2json --enable-all failed on %s (run it by hand to see why)",
                              wast);
    return NULL;
}

static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *path;
            veil_error *err = veil_asprintf(&path, "%s/%s", dir, e->d_name);
            if (err != NULL) {
                veil_error_free(err);
                continue;
            }
            unlink(path);
            free(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void spec_run_free(spec_run *run) {
    veil_wasm_store_free(run->store);
    for (size_t i = 0; i < run->module_count; i++)
        veil_wasm_module_free(run->modules[i]);
    free(run->modules);
    for (size_t i = 0; i < run->named_count; i++)
        free(run->named[i].name);
    free(run->named);
    for (size_t i = 0; i < run->registered_count; i++)
        free(run->registered[i].name);
    free(run->registered);
}

/* Runs one .wast file, adding to the totals. */
static veil_error *spec_file(const char *wast, uint64_t timeout_ms, veil_wasm_strategy strategy,
                             unsigned totals[3]) {
    const char *tmp = getenv("TMPDIR");
    char *dir;
    VEIL_TRY(veil_asprintf(&dir, "%s/veil-spec-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp"));
    if (mkdtemp(dir) == NULL) {
        veil_error *err = veil_error_errno(errno, "cannot create a temporary directory %s", dir);
        free(dir);
        return err;
    }
    char *json_path = NULL;
    json_t *root = NULL;
    spec_run run;
    memset(&run, 0, sizeof(run));
    run.wast = wast;
    run.dir = dir;
    run.timeout_ms = timeout_ms;
    veil_error *err = veil_asprintf(&json_path, "%s/spec.json", dir);
    if (err == NULL)
        err = convert(wast, json_path);
    if (err == NULL) {
        json_error_t jerr;
        root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
        if (root == NULL)
            err = veil_error_new(VEIL_EMALFORMED, "%s: %s (line %d)", json_path, jerr.text,
                                 jerr.line);
    }
    veil_wasm_limits limits = {0};
    limits.timeout_ms = timeout_ms;
    if (err == NULL)
        err = veil_wasm_store_new(&limits, strategy, &run.store);
    if (err == NULL)
        err = spectest_init(&run);
    if (err == NULL) {
        const json_t *commands = json_object_get(root, "commands");
        for (size_t i = 0; i < json_array_size(commands); i++)
            run_command(&run, json_array_get(commands, i));
        totals[0] += run.passed;
        totals[1] += run.failed;
        totals[2] += run.skipped;
    }
    json_decref(root);
    spec_run_free(&run);
    free(json_path);
    remove_dir(dir);
    free(dir);
    return err;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .wast files of a directory, sorted. */
static veil_error *list_wast(const char *dir, char ***out, size_t *count) {
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return veil_error_errno(errno, "cannot open %s", dir);
    veil_error *err = NULL;
    size_t cap = 0;
    struct dirent *e;
    while (err == NULL && (e = readdir(d)) != NULL) {
        if (!veil_str_ends_with(e->d_name, ".wast"))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(*out, cap * sizeof(*p));
            if (p == NULL) {
                err = veil_error_new(VEIL_ENOMEM, "out of memory");
                break;
            }
            *out = p;
        }
        err = veil_asprintf(&(*out)[*count], "%s/%s", dir, e->d_name);
        if (err == NULL)
            (*count)++;
    }
    closedir(d);
    if (*count > 0)
        qsort(*out, *count, sizeof(char *), compare_names);
    return err;
}

static int cmd_spec(int argc, char **argv) {
    const char *prog = "veil wasm spec";
    uint64_t timeout_ms = 10000;
    veil_wasm_strategy strategy = VEIL_WASM_INTERP;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return VEIL_EXIT_OK;
        } else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
            veil_error *err = veil_parse_u64(argv[++i], UINT32_MAX, "--timeout-ms", &timeout_ms);
            if (err != NULL)
                return veil_cli_report(prog, err);
        } else if (strcmp(argv[i], "--strategy") == 0 && i + 1 < argc) {
            veil_error *err = parse_strategy(argv[++i], &strategy);
            if (err != NULL)
                return veil_cli_report(prog, err);
        } else {
            return veil_cli_usage_error(prog, "unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc)
        return veil_cli_usage_error(prog, "no .wast file or directory given");
    unsigned totals[3] = {0, 0, 0};
    for (; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            return veil_cli_report(prog, veil_error_errno(errno, "cannot open %s", argv[i]));
        char **files = NULL;
        size_t count = 0;
        veil_error *err = NULL;
        if (S_ISDIR(st.st_mode)) {
            err = list_wast(argv[i], &files, &count);
        } else {
            files = malloc(sizeof(char *));
            if (files == NULL)
                err = veil_error_new(VEIL_ENOMEM, "out of memory");
            else
                err = veil_strdup(argv[i], &files[count++]);
        }
        for (size_t k = 0; err == NULL && k < count; k++) {
            veil_error *ferr = spec_file(files[k], timeout_ms, strategy, totals);
            if (ferr != NULL) {
                printf("%s:0: FAIL: %s\n", files[k], veil_error_message(ferr));
                veil_error_free(ferr);
                totals[1]++;
            }
        }
        for (size_t k = 0; k < count; k++)
            free(files[k]);
        free(files);
        if (err != NULL)
            return veil_cli_report(prog, err);
    }
    printf("spec: %u passed, %u failed, %u skipped\n", totals[0], totals[1], totals[2]);
    fflush(stdout);
    return totals[1] == 0 ? VEIL_EXIT_OK : VEIL_EXIT_FAILURE;
}

/* ---- veil wasm run ---- */

static veil_error *parse_cli_value(const char *s, veil_wasm_valtype type, veil_wasm_value *out) {
    memset(out, 0, sizeof(*out));
    out->type = type;
    char *end;
    errno = 0;
    switch (type) {
    case VEIL_WASM_I32:
    case VEIL_WASM_I64: {
        long long sv = strtoll(s, &end, 0);
        if (errno == ERANGE || *end != '\0' || end == s) {
            errno = 0;
            unsigned long long uv = strtoull(s, &end, 0);
            if (errno != 0 || *end != '\0' || end == s || s[0] == '-')
                return veil_error_new(VEIL_EINVAL, "argument \"%s\" is not an integer", s);
            sv = (long long)uv;
        }
        if (type == VEIL_WASM_I32)
            out->of.i32 = (uint32_t)sv;
        else
            out->of.i64 = (uint64_t)sv;
        return NULL;
    }
    case VEIL_WASM_F32: {
        float f = strtof(s, &end);
        if (*end != '\0' || end == s)
            return veil_error_new(VEIL_EINVAL, "argument \"%s\" is not a number", s);
        memcpy(&out->of.f32_bits, &f, 4);
        return NULL;
    }
    case VEIL_WASM_F64: {
        double d = strtod(s, &end);
        if (*end != '\0' || end == s)
            return veil_error_new(VEIL_EINVAL, "argument \"%s\" is not a number", s);
        memcpy(&out->of.f64_bits, &d, 8);
        return NULL;
    }
    case VEIL_WASM_EXTERNREF:
    case VEIL_WASM_FUNCREF:
        if (strcmp(s, "null") == 0)
            return NULL;
        return veil_error_new(VEIL_EINVAL, "reference arguments can only be null");
    case VEIL_WASM_V128:
        break;
    }
    return veil_error_new(VEIL_EINVAL, "cannot pass a %s argument from the command line",
                          veil_wasm_valtype_name(type));
}

static veil_error *resolve_none(void *user_data, const veil_wasm_extern_desc *d,
                                veil_wasm_extern *out) {
    (void)user_data;
    (void)out;
    return veil_error_new(VEIL_ENOENT,
                          "unknown import \"%s\" \"%s\" (veil wasm run provides no imports)",
                          d->module, d->name);
}

static int cmd_run(int argc, char **argv) {
    const char *prog = "veil wasm run";
    const char *file = NULL;
    const char *invoke = NULL;
    char **args = NULL;
    int arg_count = 0;
    veil_wasm_limits limits = {0};
    veil_wasm_strategy strategy = VEIL_WASM_INTERP;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v = 0;
        veil_error *err = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return VEIL_EXIT_OK;
        } else if (strcmp(a, "--fuel") == 0 && i + 1 < argc) {
            err = veil_parse_u64(argv[++i], UINT64_MAX, "--fuel", &limits.fuel);
        } else if (strcmp(a, "--max-memory-mib") == 0 && i + 1 < argc) {
            err = veil_parse_u64(argv[++i], 4096, "--max-memory-mib", &v);
            if (err == NULL && v == 0)
                err = veil_error_new(VEIL_EINVAL, "--max-memory-mib must be at least 1");
            limits.max_memory_pages = (uint32_t)(v * 16);
        } else if (strcmp(a, "--timeout-ms") == 0 && i + 1 < argc) {
            err = veil_parse_u64(argv[++i], UINT32_MAX, "--timeout-ms", &limits.timeout_ms);
        } else if (strcmp(a, "--strategy") == 0 && i + 1 < argc) {
            err = parse_strategy(argv[++i], &strategy);
        } else if (strcmp(a, "--invoke") == 0 && i + 1 < argc && invoke == NULL) {
            invoke = argv[++i];
            args = argv + i + 1;
        } else if (invoke != NULL) {
            /* After --invoke NAME, everything but the options above is an
             * argument (including negative numbers); arguments are moved
             * together so the options may follow them. */
            args[arg_count++] = argv[i];
        } else if (a[0] == '-') {
            return veil_cli_usage_error(prog, "unknown option '%s'", a);
        } else if (file == NULL) {
            file = a;
        } else {
            return veil_cli_usage_error(prog, "unexpected argument '%s'", a);
        }
        if (err != NULL)
            return veil_cli_report(prog, err);
    }
    if (file == NULL)
        return veil_cli_usage_error(prog, "no module given");
    uint8_t *bytes = NULL;
    size_t len = 0;
    veil_wasm_module *module = NULL;
    veil_wasm_store *store = NULL;
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    veil_error *err = veil_read_file(file, 1u << 30, &bytes, &len);
    if (err == NULL)
        err = veil_wasm_module_load(bytes, len, file, &module);
    free(bytes);
    if (err == NULL)
        err = veil_wasm_store_new(&limits, strategy, &store);
    if (err == NULL)
        err = veil_wasm_instantiate(store, module, resolve_none, NULL, &inst, &trap);
    veil_wasm_extern ext;
    const char *name = invoke != NULL ? invoke : "_start";
    if (err == NULL &&
        (!veil_wasm_instance_export(inst, name, &ext) || ext.kind != VEIL_WASM_EXTERN_FUNC))
        err = veil_error_new(VEIL_ENOENT, "%s has no exported function \"%s\"", file, name);
    veil_wasm_value argv_values[64];
    veil_wasm_value results[64];
    veil_wasm_functype ft;
    if (err == NULL) {
        veil_wasm_func_type(ext.of.func, &ft);
        if ((uint32_t)arg_count != ft.param_count)
            err = veil_error_new(VEIL_EINVAL, "\"%s\" takes %u arguments, %d given", name,
                                 ft.param_count, arg_count);
        else if (ft.param_count > 64 || ft.result_count > 64)
            err = veil_error_new(VEIL_EUNSUPPORTED, "\"%s\" has more than 64 params or results",
                                 name);
    }
    for (int i = 0; err == NULL && i < arg_count; i++)
        err = parse_cli_value(args[i], ft.params[i], &argv_values[i]);
    if (err == NULL)
        err = veil_wasm_call(store, ext.of.func, argv_values, (size_t)arg_count, results,
                             ft.result_count, &trap);
    int status = VEIL_EXIT_OK;
    if (err == NULL) {
        for (uint32_t i = 0; i < ft.result_count; i++) {
            char buf[128];
            format_value(&results[i], buf, sizeof(buf));
            printf("%s\n", buf);
        }
    } else if (veil_error_code(err) == VEIL_ETRAP && trap.kind == VEIL_TRAP_EXIT) {
        status = (int)(trap.exit_code & 0xff);
        veil_error_free(err);
    } else {
        status = veil_cli_report(prog, err);
    }
    veil_wasm_store_free(store);
    veil_wasm_module_free(module);
    return status;
}

int veil_cmd_wasm(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return VEIL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return VEIL_EXIT_OK;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "spec") == 0)
        return cmd_spec(argc - 1, argv + 1);
    return veil_cli_usage_error("veil wasm", "unknown subcommand '%s'", argv[1]);
}

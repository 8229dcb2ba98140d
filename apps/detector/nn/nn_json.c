/*
 * Strict JSON parser (see nn_json.h).  Recursive descent over a veil_reader;
 * every value, string and member array is copied into an arena of chunks so
 * the tree is freed in one go.  Arrays and objects are collected in a
 * temporary growable vector and copied into the arena when they close.
 * Duplicate keys are found by sorting a copy of the member list.
 */
#include "nn_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "veil/reader.h"

#define ARENA_CHUNK_BYTES ((size_t)64 * 1024)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    max_align_t data[];
} arena_chunk;

struct veil_nnj_doc {
    arena_chunk *chunks;
    const veil_nnj_value *root;
};

typedef struct parser {
    veil_reader r;
    veil_nnj_doc *doc;
    const char *source;
} parser;

static void *arena_alloc(veil_nnj_doc *doc, size_t size) {
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (size == 0)
        size = sizeof(max_align_t);
    arena_chunk *c = doc->chunks;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > ARENA_CHUNK_BYTES ? size : ARENA_CHUNK_BYTES;
        c = malloc(sizeof(arena_chunk) + cap);
        if (c == NULL)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = doc->chunks;
        doc->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static veil_error *perr(const parser *p, const char *fmt, const char *detail) {
    return veil_error_new(VEIL_EMALFORMED, "%s: JSON at offset %zu: %s%s", p->source,
                          veil_reader_offset(&p->r), fmt, detail != NULL ? detail : "");
}

static veil_error *oom(const parser *p) {
    return veil_error_new(VEIL_ENOMEM, "%s: out of memory parsing JSON", p->source);
}

static void skip_ws(parser *p) {
    while (!veil_reader_at_end(&p->r)) {
        uint8_t c = veil_reader_cursor(&p->r)[0];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        p->r.pos++;
    }
}

static bool peek(const parser *p, uint8_t *c) {
    if (veil_reader_at_end(&p->r))
        return false;
    *c = veil_reader_cursor(&p->r)[0];
    return true;
}

static veil_error *expect_literal(parser *p, const char *word) {
    size_t n = strlen(word);
    if (veil_reader_remaining(&p->r) < n || memcmp(veil_reader_cursor(&p->r), word, n) != 0)
        return perr(p, "invalid literal", NULL);
    p->r.pos += n;
    return NULL;
}

static veil_nnj_value *new_value(parser *p, veil_nnj_kind kind, size_t offset) {
    veil_nnj_value *v = arena_alloc(p->doc, sizeof(*v));
    if (v == NULL)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->kind = kind;
    v->offset = offset;
    return v;
}

static bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

static veil_error *parse_number(parser *p, veil_nnj_value *v) {
    const uint8_t *start = veil_reader_cursor(&p->r);
    size_t avail = veil_reader_remaining(&p->r), i = 0;
    bool integral = true;
    if (i < avail && start[i] == '-')
        i++;
    if (i >= avail || !is_digit(start[i]))
        return perr(p, "invalid number", NULL);
    if (start[i] == '0') {
        i++;
        if (i < avail && is_digit(start[i]))
            return perr(p, "invalid number: leading zero", NULL);
    } else {
        while (i < avail && is_digit(start[i]))
            i++;
    }
    if (i < avail && start[i] == '.') {
        integral = false;
        i++;
        if (i >= avail || !is_digit(start[i]))
            return perr(p, "invalid number: no digit after '.'", NULL);
        while (i < avail && is_digit(start[i]))
            i++;
    }
    if (i < avail && (start[i] == 'e' || start[i] == 'E')) {
        integral = false;
        i++;
        if (i < avail && (start[i] == '+' || start[i] == '-'))
            i++;
        if (i >= avail || !is_digit(start[i]))
            return perr(p, "invalid number: no digit in exponent", NULL);
        while (i < avail && is_digit(start[i]))
            i++;
    }
    char text[256];
    if (i >= sizeof(text))
        return perr(p, "number too long", NULL);
    memcpy(text, start, i);
    text[i] = '\0';
    errno = 0;
    double d = strtod(text, NULL);
    if (!isfinite(d))
        return perr(p, "number out of range", NULL);
    v->u.number.value = d;
    v->u.number.integral = integral;
    if (integral) {
        errno = 0;
        long long ll = strtoll(text, NULL, 10);
        v->u.number.fits_int64 = errno != ERANGE;
        v->u.number.integer = (int64_t)ll;
    }
    p->r.pos += i;
    return NULL;
}

static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static veil_error *read_hex4(parser *p, uint32_t *out) {
    const uint8_t *b;
    if (veil_reader_remaining(&p->r) < 4)
        return perr(p, "invalid \\u escape", NULL);
    VEIL_TRY(veil_reader_bytes(&p->r, 4, &b));
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(b[i]);
        if (h < 0)
            return perr(p, "invalid \\u escape", NULL);
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return NULL;
}

static size_t put_utf8(uint8_t *dst, uint32_t cp) {
    if (cp < 0x80) {
        dst[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (uint8_t)(0xC0 | cp >> 6);
        dst[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (uint8_t)(0xE0 | cp >> 12);
        dst[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        dst[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (uint8_t)(0xF0 | cp >> 18);
    dst[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    dst[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    dst[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string starting at the opening quote.  The decoded text is never
 * longer than the raw text, so the raw length bounds the arena allocation. */
static veil_error *parse_string(parser *p, const char **out, size_t *out_len) {
    p->r.pos++; /* opening quote */
    const uint8_t *raw = veil_reader_cursor(&p->r);
    size_t avail = veil_reader_remaining(&p->r), end = 0;
    while (end < avail && raw[end] != '"') {
        if (raw[end] == '\\')
            end++;
        end++;
    }
    if (end >= avail)
        return perr(p, "unterminated string", NULL);
    uint8_t *dst = arena_alloc(p->doc, end + 1);
    if (dst == NULL)
        return oom(p);
    size_t n = 0;
    size_t stop = p->r.pos + end;
    while (p->r.pos < stop) {
        uint8_t c = veil_reader_cursor(&p->r)[0];
        if (c < 0x20)
            return perr(p, "control character in string", NULL);
        p->r.pos++;
        if (c != '\\') {
            dst[n++] = c;
            continue;
        }
        uint8_t e;
        VEIL_TRY(veil_reader_u8(&p->r, &e));
        switch (e) {
        case '"':
        case '\\':
        case '/':
            dst[n++] = e;
            break;
        case 'b':
            dst[n++] = '\b';
            break;
        case 'f':
            dst[n++] = '\f';
            break;
        case 'n':
            dst[n++] = '\n';
            break;
        case 'r':
            dst[n++] = '\r';
            break;
        case 't':
            dst[n++] = '\t';
            break;
        case 'u': {
            uint32_t cp;
            VEIL_TRY(read_hex4(p, &cp));
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return perr(p, "lone low surrogate in \\u escape", NULL);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (veil_reader_remaining(&p->r) < 6 || veil_reader_cursor(&p->r)[0] != '\\' ||
                    veil_reader_cursor(&p->r)[1] != 'u')
                    return perr(p, "lone high surrogate in \\u escape", NULL);
                p->r.pos += 2;
                VEIL_TRY(read_hex4(p, &lo));
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return perr(p, "invalid surrogate pair in \\u escape", NULL);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            n += put_utf8(dst + n, cp);
            break;
        }
        default:
            return perr(p, "invalid escape in string", NULL);
        }
    }
    p->r.pos++; /* closing quote */
    dst[n] = '\0';
    *out = (const char *)dst;
    *out_len = n;
    return NULL;
}

typedef struct vec {
    void *items;
    size_t count;
    size_t cap;
    size_t elem;
} vec;

static bool vec_push(vec *v, const void *item) {
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *n = realloc(v->items, cap * v->elem);
        if (n == NULL)
            return false;
        v->items = n;
        v->cap = cap;
    }
    memcpy((char *)v->items + v->count * v->elem, item, v->elem);
    v->count++;
    return true;
}

static void *vec_to_arena(parser *p, vec *v) {
    void *dst = arena_alloc(p->doc, v->count * v->elem);
    if (dst != NULL && v->count > 0)
        memcpy(dst, v->items, v->count * v->elem);
    return dst;
}

static int member_cmp(const void *a, const void *b) {
    const veil_nnj_member *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static veil_error *check_duplicates(parser *p, const veil_nnj_member *members, size_t count,
                                    size_t offset) {
    if (count < 2)
        return NULL;
    veil_nnj_member *sorted = malloc(count * sizeof(*sorted));
    if (sorted == NULL)
        return oom(p);
    memcpy(sorted, members, count * sizeof(*sorted));
    qsort(sorted, count, sizeof(*sorted), member_cmp);
    veil_error *err = NULL;
    for (size_t i = 1; i < count; i++) {
        if (member_cmp(&sorted[i - 1], &sorted[i]) == 0) {
            err = veil_error_new(VEIL_EMALFORMED,
                                 "%s: JSON object at offset %zu: duplicate key \"%s\"", p->source,
                                 offset, sorted[i].key);
            break;
        }
    }
    free(sorted);
    return err;
}

static veil_error *parse_value(parser *p, int depth, const veil_nnj_value **out);

static veil_error *parse_array(parser *p, int depth, veil_nnj_value *v) {
    p->r.pos++; /* '[' */
    vec items = {.elem = sizeof(const veil_nnj_value *)};
    veil_error *err = NULL;
    uint8_t c;
    skip_ws(p);
    if (peek(p, &c) && c == ']') {
        p->r.pos++;
    } else {
        for (;;) {
            const veil_nnj_value *item;
            if ((err = parse_value(p, depth + 1, &item)) != NULL)
                goto done;
            if (!vec_push(&items, &item)) {
                err = oom(p);
                goto done;
            }
            skip_ws(p);
            if (!peek(p, &c)) {
                err = perr(p, "unterminated array", NULL);
                goto done;
            }
            p->r.pos++;
            if (c == ']')
                break;
            if (c != ',') {
                p->r.pos--;
                err = perr(p, "expected ',' or ']' in array", NULL);
                goto done;
            }
        }
    }
    v->u.array.count = items.count;
    v->u.array.items = vec_to_arena(p, &items);
    if (v->u.array.items == NULL)
        err = oom(p);
done:
    free(items.items);
    return err;
}

static veil_error *parse_object(parser *p, int depth, veil_nnj_value *v) {
    p->r.pos++; /* '{' */
    vec members = {.elem = sizeof(veil_nnj_member)};
    veil_error *err = NULL;
    uint8_t c;
    skip_ws(p);
    if (peek(p, &c) && c == '}') {
        p->r.pos++;
    } else {
        for (;;) {
            veil_nnj_member m;
            skip_ws(p);
            if (!peek(p, &c) || c != '"') {
                err = perr(p, "expected a string key in object", NULL);
                goto done;
            }
            if ((err = parse_string(p, &m.key, &m.key_len)) != NULL)
                goto done;
            skip_ws(p);
            if (!peek(p, &c) || c != ':') {
                err = perr(p, "expected ':' after object key", NULL);
                goto done;
            }
            p->r.pos++;
            if ((err = parse_value(p, depth + 1, &m.value)) != NULL)
                goto done;
            if (!vec_push(&members, &m)) {
                err = oom(p);
                goto done;
            }
            skip_ws(p);
            if (!peek(p, &c)) {
                err = perr(p, "unterminated object", NULL);
                goto done;
            }
            p->r.pos++;
            if (c == '}')
                break;
            if (c != ',') {
                p->r.pos--;
                err = perr(p, "expected ',' or '}' in object", NULL);
                goto done;
            }
        }
    }
    if ((err = check_duplicates(p, members.items, members.count, v->offset)) != NULL)
        goto done;
    v->u.object.count = members.count;
    v->u.object.members = vec_to_arena(p, &members);
    if (v->u.object.members == NULL)
        err = oom(p);
done:
    free(members.items);
    return err;
}

static veil_error *parse_value(parser *p, int depth, const veil_nnj_value **out) {
    if (depth > VEIL_NNJ_MAX_DEPTH)
        return perr(p, "nesting too deep", NULL);
    skip_ws(p);
    uint8_t c;
    if (!peek(p, &c))
        return perr(p, "unexpected end of input", NULL);
    size_t offset = veil_reader_offset(&p->r);
    veil_nnj_value *v;
    switch (c) {
    case '{':
        if ((v = new_value(p, VEIL_NNJ_OBJECT, offset)) == NULL)
            return oom(p);
        VEIL_TRY(parse_object(p, depth, v));
        break;
    case '[':
        if ((v = new_value(p, VEIL_NNJ_ARRAY, offset)) == NULL)
            return oom(p);
        VEIL_TRY(parse_array(p, depth, v));
        break;
    case '"':
        if ((v = new_value(p, VEIL_NNJ_STRING, offset)) == NULL)
            return oom(p);
        VEIL_TRY(parse_string(p, &v->u.string.data, &v->u.string.len));
        break;
    case 't':
    case 'f':
        if ((v = new_value(p, VEIL_NNJ_BOOL, offset)) == NULL)
            return oom(p);
        VEIL_TRY(expect_literal(p, c == 't' ? "true" : "false"));
        v->u.boolean = c == 't';
        break;
    case 'n':
        if ((v = new_value(p, VEIL_NNJ_NULL, offset)) == NULL)
            return oom(p);
        VEIL_TRY(expect_literal(p, "null"));
        break;
    default:
        if (c != '-' && !is_digit(c))
            return perr(p, "unexpected character", NULL);
        if ((v = new_value(p, VEIL_NNJ_NUMBER, offset)) == NULL)
            return oom(p);
        VEIL_TRY(parse_number(p, v));
        break;
    }
    *out = v;
    return NULL;
}

veil_error *veil_nnj_parse(const uint8_t *text, size_t len, const char *source,
                           veil_nnj_doc **out) {
    *out = NULL;
    if (source == NULL)
        source = "JSON";
    if (!veil_utf8_valid(text, len))
        return veil_error_new(VEIL_EMALFORMED, "%s: JSON text is not valid UTF-8", source);
    veil_nnj_doc *doc = calloc(1, sizeof(*doc));
    if (doc == NULL)
        return veil_error_new(VEIL_ENOMEM, "%s: out of memory parsing JSON", source);
    parser p = {.doc = doc, .source = source};
    veil_reader_init(&p.r, text, len, source);
    veil_error *err = parse_value(&p, 0, &doc->root);
    if (err == NULL) {
        skip_ws(&p);
        if (!veil_reader_at_end(&p.r))
            err = perr(&p, "trailing data after the JSON value", NULL);
    }
    if (err != NULL) {
        veil_nnj_free(doc);
        return err;
    }
    *out = doc;
    return NULL;
}

const veil_nnj_value *veil_nnj_root(const veil_nnj_doc *doc) {
    return doc->root;
}

void veil_nnj_free(veil_nnj_doc *doc) {
    if (doc == NULL)
        return;
    arena_chunk *c = doc->chunks;
    while (c != NULL) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc);
}

const char *veil_nnj_kind_name(veil_nnj_kind kind) {
    switch (kind) {
    case VEIL_NNJ_NULL:
        return "null";
    case VEIL_NNJ_BOOL:
        return "boolean";
    case VEIL_NNJ_NUMBER:
        return "number";
    case VEIL_NNJ_STRING:
        return "string";
    case VEIL_NNJ_ARRAY:
        return "array";
    case VEIL_NNJ_OBJECT:
        return "object";
    }
    return "unknown";
}

const veil_nnj_value *veil_nnj_get(const veil_nnj_value *obj, const char *key) {
    if (obj == NULL || obj->kind != VEIL_NNJ_OBJECT)
        return NULL;
    size_t key_len = strlen(key);
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const veil_nnj_member *m = &obj->u.object.members[i];
        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
            return m->value;
    }
    return NULL;
}

veil_error *veil_nnj_expect(const veil_nnj_value *value, veil_nnj_kind kind, const char *path) {
    if (value == NULL)
        return veil_error_new(VEIL_EMALFORMED, "%s: missing (expected %s)", path,
                              veil_nnj_kind_name(kind));
    if (value->kind != kind)
        return veil_error_new(VEIL_EMALFORMED, "%s: expected %s, found %s", path,
                              veil_nnj_kind_name(kind), veil_nnj_kind_name(value->kind));
    return NULL;
}

veil_error *veil_nnj_int(const veil_nnj_value *value, const char *path, int64_t min, int64_t max,
                         int64_t *out) {
    if (value == NULL)
        return veil_error_new(VEIL_EMALFORMED, "%s: missing (expected integer)", path);
    int64_t v;
    if (value->kind == VEIL_NNJ_NUMBER) {
        if (!value->u.number.integral || !value->u.number.fits_int64)
            return veil_error_new(VEIL_EMALFORMED, "%s: expected an integer", path);
        v = value->u.number.integer;
    } else if (value->kind == VEIL_NNJ_STRING) {
        const char *s = value->u.string.data;
        size_t i = s[0] == '-' ? 1 : 0;
        if (value->u.string.len == i || value->u.string.len > 20)
            return veil_error_new(VEIL_EMALFORMED, "%s: invalid integer string \"%s\"", path, s);
        for (size_t j = i; j < value->u.string.len; j++)
            if (!is_digit((uint8_t)s[j]))
                return veil_error_new(VEIL_EMALFORMED, "%s: invalid integer string \"%s\"", path,
                                      s);
        errno = 0;
        long long ll = strtoll(s, NULL, 10);
        if (errno == ERANGE)
            return veil_error_new(VEIL_EMALFORMED, "%s: integer out of range \"%s\"", path, s);
        v = (int64_t)ll;
    } else {
        return veil_error_new(VEIL_EMALFORMED, "%s: expected integer, found %s", path,
                              veil_nnj_kind_name(value->kind));
    }
    if (v < min || v > max)
        return veil_error_new(VEIL_EMALFORMED, "%s: %lld is outside [%lld, %lld]", path,
                              (long long)v, (long long)min, (long long)max);
    *out = v;
    return NULL;
}

veil_error *veil_nnj_only_keys(const veil_nnj_value *obj, const char *path,
                               const char *const allowed[]) {
    VEIL_TRY(veil_nnj_expect(obj, VEIL_NNJ_OBJECT, path));
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const veil_nnj_member *m = &obj->u.object.members[i];
        bool ok = false;
        for (size_t j = 0; allowed[j] != NULL && !ok; j++)
            ok = strlen(allowed[j]) == m->key_len && memcmp(allowed[j], m->key, m->key_len) == 0;
        if (!ok)
            return veil_error_new(VEIL_EMALFORMED, "%s: unknown key \"%s\"", path, m->key);
    }
    return NULL;
}

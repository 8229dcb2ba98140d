#include "veil/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void veil_buf_init(veil_buf *b, size_t max) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void veil_buf_free(veil_buf *b) {
    free(b->data);
    veil_buf_init(b, b->max);
}

void veil_buf_clear(veil_buf *b) {
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = 0;
}

veil_error *veil_buf_reserve(veil_buf *b, size_t extra) {
    if (extra > SIZE_MAX - b->len - 1)
        return veil_error_new(VEIL_ELIMIT, "buffer size overflow");
    size_t need = b->len + extra + 1;
    if (b->max != 0 && b->len + extra > b->max)
        return veil_error_new(VEIL_ELIMIT, "buffer would exceed its limit of %zu bytes", b->max);
    if (need <= b->cap)
        return NULL;
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *data = realloc(b->data, cap);
    if (data == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory growing buffer to %zu bytes", cap);
    b->data = data;
    b->cap = cap;
    return NULL;
}

veil_error *veil_buf_append(veil_buf *b, const void *data, size_t n) {
    VEIL_TRY(veil_buf_reserve(b, n));
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return NULL;
}

veil_error *veil_buf_append_str(veil_buf *b, const char *s) {
    return veil_buf_append(b, s, strlen(s));
}

veil_error *veil_buf_printf(veil_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return veil_error_new(VEIL_EINVAL, "bad format string");
    VEIL_TRY(veil_buf_reserve(b, (size_t)n));
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return NULL;
}

char *veil_buf_steal(veil_buf *b, size_t *len) {
    if (b->data == NULL && veil_buf_reserve(b, 0) != NULL)
        return NULL;
    char *s = (char *)b->data;
    if (len != NULL)
        *len = b->len;
    veil_buf_init(b, b->max);
    return s;
}

bool veil_strlcpy(char *dst, const char *src, size_t dst_size) {
    if (dst_size == 0)
        return false;
    size_t n = strlen(src);
    bool fits = n < dst_size;
    if (!fits)
        n = dst_size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

veil_error *veil_strdup(const char *s, char **out) {
    *out = strdup(s);
    if (*out == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory copying a string");
    return NULL;
}

veil_error *veil_asprintf(char **out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        *out = NULL;
        return veil_error_new(VEIL_ENOMEM, "out of memory formatting a string");
    }
    return NULL;
}

bool veil_str_starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool veil_str_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool veil_ct_equal(const void *a, const void *b, size_t n) {
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= x[i] ^ y[i];
    return diff == 0;
}

veil_error *veil_parse_u64(const char *s, uint64_t max, const char *what, uint64_t *out) {
    if (s == NULL || *s == '\0')
        return veil_error_new(VEIL_EINVAL, "%s: expected a number, got an empty string", what);
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return veil_error_new(VEIL_EINVAL, "%s: '%s' is not a non-negative integer", what, s);
        unsigned digit = (unsigned)(*p - '0');
        if (v > (max - digit) / 10)
            return veil_error_new(VEIL_EINVAL, "%s: %s is larger than the maximum %llu", what, s,
                                  (unsigned long long)max);
        v = v * 10 + digit;
    }
    *out = v;
    return NULL;
}

veil_error *veil_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return veil_error_errno(errno, "cannot open %s", path);
    veil_buf buf;
    veil_buf_init(&buf, max_bytes);
    uint8_t chunk[65536];
    veil_error *err = NULL;
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0 && (err = veil_buf_append(&buf, chunk, n)) != NULL) {
            err = veil_error_wrap(err, "reading %s", path);
            break;
        }
        if (n < sizeof(chunk)) {
            if (ferror(f))
                err = veil_error_errno(errno, "cannot read %s", path);
            break;
        }
    }
    fclose(f);
    if (err != NULL) {
        veil_buf_free(&buf);
        return err;
    }
    *data = (uint8_t *)veil_buf_steal(&buf, len);
    if (*data == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory reading %s", path);
    return NULL;
}

veil_error *veil_write_file(const char *path, const void *data, size_t len, unsigned mode) {
    char *tmp = NULL;
    VEIL_TRY(veil_asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        veil_error *err = veil_error_errno(errno, "cannot create %s", tmp);
        free(tmp);
        return err;
    }
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            veil_error *err = veil_error_errno(errno, "cannot write %s", path);
            close(fd);
            unlink(tmp);
            free(tmp);
            return err;
        }
        p += n;
        left -= (size_t)n;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        veil_error *err = veil_error_errno(errno, "cannot write %s", path);
        unlink(tmp);
        free(tmp);
        return err;
    }
    free(tmp);
    return NULL;
}

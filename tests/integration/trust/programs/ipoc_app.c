/* The end-to-end test's program, shaped like the i-PoC's detector: it
 * reads the clip the proxy wrote (/s3_app_input/clip.bin) and the key the
 * owner wrote (/user_input/key.bin), and writes /output/result.bin: the
 * clip XORed with the key repeated.  It reports on stdout. */
#include <stdio.h>
#include <stdlib.h>

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "out of memory reading %s\n", path);
        exit(3);
    }
    *len = n;
    return buf;
}

int main(void) {
    size_t clip_len, key_len;
    unsigned char *clip = slurp("/s3_app_input/clip.bin", &clip_len);
    unsigned char *key = slurp("/user_input/key.bin", &key_len);
    if (key_len == 0) {
        fprintf(stderr, "empty key\n");
        return 4;
    }
    for (size_t i = 0; i < clip_len; i++)
        clip[i] ^= key[i % key_len];
    FILE *out = fopen("/output/result.bin", "wb");
    if (out == NULL || fwrite(clip, 1, clip_len, out) != clip_len || fclose(out) != 0) {
        perror("/output/result.bin");
        return 5;
    }
    printf("processed %zu bytes with a %zu-byte key\n", clip_len, key_len);
    free(clip);
    free(key);
    return 0;
}

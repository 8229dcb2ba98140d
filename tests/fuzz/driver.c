/*
 * Replays a fuzz target without libFuzzer, so every target also runs as a
 * plain test: each file of the corpus directories given as arguments, then
 * a fixed number of inputs generated deterministically (a fixed-seed
 * generator) from the corpus files and from tokens (one per line of the
 * --tokens=FILE argument), spliced and mutated.  Same inputs every run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { DRIVER_GENERATED = 20000, DRIVER_MAX_INPUT = 4096, DRIVER_MAX_ITEMS = 4096 };

typedef struct item {
    uint8_t *data;
    size_t size;
} item;

static item items[DRIVER_MAX_ITEMS];
static size_t item_count;

static void add_item(const uint8_t *data, size_t size) {
    if (item_count == DRIVER_MAX_ITEMS || size > DRIVER_MAX_INPUT)
        return;
    uint8_t *copy = malloc(size + 1);
    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    items[item_count++] = (item){copy, size};
}

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "driver: cannot open %s\n", path);
        return 1;
    }
    uint8_t buf[DRIVER_MAX_INPUT];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    add_item(buf, n);
    return 0;
}

static int load_tokens(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "driver: cannot open %s\n", path);
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\n");
        /* "\0" in a token file stands for a NUL byte. */
        uint8_t tok[256];
        size_t t = 0;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == '\\' && i + 1 < len && line[i + 1] == '0') {
                tok[t++] = 0;
                i++;
            } else {
                tok[t++] = (uint8_t)line[i];
            }
        }
        if (t > 0)
            add_item(tok, t);
    }
    fclose(f);
    return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv) {
    int failures = 0;
    size_t files = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--tokens=", 9) == 0) {
            failures += load_tokens(argv[i] + 9);
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (dir == NULL) {
            failures += run_file(argv[i]);
            files++;
            continue;
        }
        struct dirent *ent;
        char path[4096];
        while ((ent = readdir(dir)) != NULL) {
            if (ent->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], ent->d_name);
            failures += run_file(path);
            files++;
        }
        closedir(dir);
    }
    uint8_t buf[DRIVER_MAX_INPUT];
    for (int n = 0; n < DRIVER_GENERATED && item_count > 0; n++) {
        size_t len = 0;
        size_t parts = 1 + rng() % 12;
        for (size_t p = 0; p < parts; p++) {
            const item *it = &items[rng() % item_count];
            size_t take = it->size < sizeof(buf) - len ? it->size : sizeof(buf) - len;
            memcpy(buf + len, it->data, take);
            len += take;
        }
        size_t flips = rng() % 3;
        for (size_t f = 0; f < flips && len > 0; f++)
            buf[rng() % len] = (uint8_t)rng();
        LLVMFuzzerTestOneInput(buf, len);
    }
    for (size_t i = 0; i < item_count; i++)
        free(items[i].data);
    printf("driver: %zu corpus files, %d generated inputs\n", files,
           item_count > 0 ? DRIVER_GENERATED : 0);
    return failures == 0 ? 0 : 1;
}

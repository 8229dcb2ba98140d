/*
 * wasm32-wasi test program shaped like the i-PoC detector's file access:
 * it reads its data files (/program_data), the clip (/s3_app_input) and the
 * user's key (/user_input), keeps scratch files in /program_internal and
 * writes its results to /output, and checks that the i-PoC program rights
 * allow exactly that (writes to its inputs fail).  Result:
 * /output/result.json with the line count of /program_data/coco.names, the
 * size and FNV-1a hash of /s3_app_input/clip.bin and the key's size.
 * Exit status: the number of failed checks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "ipoc_app: line %d: check failed: %s (errno %d: %s)\n", __LINE__,      \
                    #cond, errno, strerror(errno));                                                \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Reads a whole file; NULL on failure. */
static unsigned char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)*size + 1);
        if (data != NULL && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

int main(void) {
    long names_size = 0, clip_size = 0, key_size = 0;
    unsigned char *names = slurp("/program_data/coco.names", &names_size);
    CHECK(names != NULL);
    int labels = 0;
    for (long i = 0; names != NULL && i < names_size; i++)
        labels += names[i] == '\n';
    unsigned char *clip = slurp("/s3_app_input/clip.bin", &clip_size);
    CHECK(clip != NULL);
    uint64_t fnv = UINT64_C(0xcbf29ce484222325);
    for (long i = 0; clip != NULL && i < clip_size; i++)
        fnv = (fnv ^ clip[i]) * UINT64_C(0x100000001b3);
    unsigned char *key = slurp("/user_input/key", &key_size);
    CHECK(key != NULL);

    int data_files = 0;
    DIR *d = opendir("/program_data");
    CHECK(d != NULL);
    if (d != NULL) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL)
            data_files += ent->d_name[0] != '.';
        closedir(d);
    }

    /* The inputs are read-only to the program. */
    errno = 0;
    CHECK(fopen("/program_data/evil", "w") == NULL);
    CHECK(fopen("/user_input/key", "w") == NULL);
    /* wasi-libc asks only for the rights the directory passes on, so this
     * open succeeds, but without the right to write. */
    int fd = open("/s3_app_input/clip.bin", O_RDWR);
    CHECK(fd < 0 || write(fd, "x", 1) < 0);
    if (fd >= 0)
        close(fd);
    CHECK(mkdir("/s3_app_input/x", 0755) < 0);
    CHECK(unlink("/s3_app_input/clip.bin") < 0);
    /* The i-PoC rights have no path_filestat_get. */
    struct stat st;
    CHECK(stat("/program_data/coco.names", &st) < 0);

    /* Scratch space. */
    FILE *f = fopen("/program_internal/scratch.txt", "w+");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("scratch", f);
        rewind(f);
        char buf[16] = {0};
        CHECK(fgets(buf, sizeof(buf), f) != NULL && strcmp(buf, "scratch") == 0);
        fclose(f);
    }

    /* Results. */
    CHECK(mkdir("/output/frames", 0755) == 0);
    f = fopen("/output/frames/frame_0001.txt", "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fprintf(f, "frame 1: %d labels\n", labels);
        fclose(f);
    }
    f = fopen("/output/result.json", "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fprintf(f,
                "{\"labels\": %d, \"clip_bytes\": %ld, \"clip_fnv1a\": \"%016llx\", "
                "\"key_bytes\": %ld, \"data_files\": %d}\n",
                labels, clip_size, (unsigned long long)fnv, key_size, data_files);
        fclose(f);
    }
    free(names);
    free(clip);
    free(key);
    printf("ipoc_app: %s (%d failed)\n", failures == 0 ? "ok" : "FAILED", failures);
    fprintf(stderr, "ipoc_app: stderr works\n");
    return failures;
}

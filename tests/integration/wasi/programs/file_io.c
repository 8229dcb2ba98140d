/*
 * wasm32-wasi test program: file I/O through wasi-libc (stdio, POSIX
 * descriptors, directories, links, metadata) in the directory named by
 * argv[1].  Every check that fails is reported on stderr; the exit status
 * is the number of failed checks (0: all passed).  Also echoes the
 * GREETING environment variable and its arguments to stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "file_io: line %d: check failed: %s (errno %d: %s)\n", __LINE__,       \
                    #cond, errno, strerror(errno));                                                \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static char path_buf[4][512];

static const char *in_dir(int slot, const char *dir, const char *name) {
    snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
    return path_buf[slot];
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: file_io DIR [ARGS...]\n");
        return 100;
    }
    const char *dir = argv[1];
    const char *greeting = getenv("GREETING");
    printf("file_io: %d arguments, greeting '%s'\n", argc, greeting != NULL ? greeting : "");

    /* stdio: write lines, read them back, seek/tell, append. */
    FILE *f = fopen(in_dir(0, dir, "lines.txt"), "w");
    CHECK(f != NULL);
    if (f != NULL) {
        for (int i = 0; i < 100; i++)
            fprintf(f, "line %03d\n", i);
        CHECK(fclose(f) == 0);
    }
    f = fopen(in_dir(0, dir, "lines.txt"), "r");
    CHECK(f != NULL);
    if (f != NULL) {
        char line[64];
        int count = 0;
        while (fgets(line, sizeof(line), f) != NULL) {
            char want[16];
            snprintf(want, sizeof(want), "line %03d\n", count);
            CHECK(strcmp(line, want) == 0);
            count++;
        }
        CHECK(count == 100);
        CHECK(fseek(f, 9 * 50, SEEK_SET) == 0);
        CHECK(ftell(f) == 450);
        CHECK(fgets(line, sizeof(line), f) != NULL && strcmp(line, "line 050\n") == 0);
        CHECK(fseek(f, -9, SEEK_END) == 0);
        CHECK(fgets(line, sizeof(line), f) != NULL && strcmp(line, "line 099\n") == 0);
        fclose(f);
    }
    f = fopen(in_dir(0, dir, "lines.txt"), "a");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("appended\n", f);
        fclose(f);
    }
    struct stat st;
    CHECK(stat(in_dir(0, dir, "lines.txt"), &st) == 0);
    CHECK(st.st_size == 900 + 9);
    CHECK(S_ISREG(st.st_mode));

    /* POSIX descriptors: a 1 MiB file in 4 KiB writes, pread/pwrite, truncate. */
    int fd = open(in_dir(0, dir, "big.bin"), O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0);
    if (fd >= 0) {
        unsigned char block[4096];
        for (int b = 0; b < 256; b++) {
            memset(block, b, sizeof(block));
            CHECK(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block));
        }
        CHECK(lseek(fd, 0, SEEK_END) == 1 << 20);
        CHECK(pread(fd, block, 2, 4096 * 7 + 4095) == 2);
        CHECK(block[0] == 7 && block[1] == 8);
        CHECK(pwrite(fd, "XY", 2, 10) == 2);
        CHECK(pread(fd, block, 4, 9) == 4);
        CHECK(memcmp(block, "\0XY\0", 4) == 0);
        CHECK(ftruncate(fd, 5000) == 0);
        CHECK(fstat(fd, &st) == 0 && st.st_size == 5000);
        CHECK(close(fd) == 0);
    }
    CHECK(open(in_dir(0, dir, "missing"), O_RDONLY) < 0 && errno == ENOENT);
    CHECK(open(in_dir(0, dir, "lines.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 &&
          errno == EEXIST);

    /* Directories: create, list (sorted here), rename, remove. */
    CHECK(mkdir(in_dir(0, dir, "sub"), 0755) == 0);
    CHECK(mkdir(in_dir(0, dir, "sub"), 0755) < 0 && errno == EEXIST);
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sub/f%d", 4 - i);
        f = fopen(in_dir(0, dir, name), "w");
        CHECK(f != NULL);
        if (f != NULL)
            fclose(f);
    }
    DIR *d = opendir(in_dir(0, dir, "sub"));
    CHECK(d != NULL);
    if (d != NULL) {
        char *names[16];
        int n = 0;
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL && n < 16)
            if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
                names[n++] = strdup(ent->d_name);
        closedir(d);
        CHECK(n == 5);
        qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
        for (int i = 0; i < n; i++) {
            char want[8];
            snprintf(want, sizeof(want), "f%d", i);
            CHECK(strcmp(names[i], want) == 0);
            free(names[i]);
        }
    }
    CHECK(rename(in_dir(0, dir, "sub/f0"), in_dir(1, dir, "moved")) == 0);
    CHECK(access(in_dir(0, dir, "moved"), F_OK) == 0);
    CHECK(access(in_dir(0, dir, "sub/f0"), F_OK) < 0);
    CHECK(rmdir(in_dir(0, dir, "sub")) < 0 && errno == ENOTEMPTY);
    for (int i = 1; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sub/f%d", i);
        CHECK(unlink(in_dir(0, dir, name)) == 0);
    }
    CHECK(rmdir(in_dir(0, dir, "sub")) == 0);

    /* Links. */
    CHECK(symlink("lines.txt", in_dir(0, dir, "link")) == 0);
    char target[64] = {0};
    CHECK(readlink(in_dir(0, dir, "link"), target, sizeof(target) - 1) == 9);
    CHECK(strcmp(target, "lines.txt") == 0);
    CHECK(stat(in_dir(0, dir, "link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 909);
    CHECK(lstat(in_dir(0, dir, "link"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(link(in_dir(0, dir, "lines.txt"), in_dir(1, dir, "hard")) == 0);
    CHECK(stat(in_dir(0, dir, "hard"), &st) == 0 && st.st_nlink == 2);
    CHECK(unlink(in_dir(0, dir, "hard")) == 0);
    CHECK(unlink(in_dir(0, dir, "link")) == 0);

    /* An unlinked file stays readable through an open descriptor. */
    fd = open(in_dir(0, dir, "moved"), O_RDWR);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "kept", 4) == 4);
        CHECK(unlink(in_dir(0, dir, "moved")) == 0);
        char buf[8] = {0};
        CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "kept", 4) == 0);
        close(fd);
    }

    /* The result other tests look at. */
    f = fopen(in_dir(0, dir, "result.txt"), "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fprintf(f, "failures=%d\n", failures);
        for (int i = 2; i < argc; i++)
            fprintf(f, "arg=%s\n", argv[i]);
        fclose(f);
    }
    printf("file_io: %s (%d failed)\n", failures == 0 ? "ok" : "FAILED", failures);
    return failures;
}

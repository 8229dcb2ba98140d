/*
 * wasm32-wasi test program: tries to leave the pre-opened directory /box
 * (with /secret/key outside it) every way a path can: "..", absolute paths,
 * repeated slashes and empty components, over-long names, NUL bytes,
 * symbolic links (relative, absolute, chained, looping), renames and hard
 * links, and descriptors opened below the pre-open.  Each attempt must
 * fail with the expected errno, and the control cases inside /box must
 * work.  Exit status: the number of unexpected results.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "raw_wasi.h"

enum {
    E_OK = 0,
    E_EXIST = 20,
    E_INVAL = 28,
    E_LOOP = 32,
    E_NAMETOOLONG = 37,
    E_NOENT = 44,
    E_NOTDIR = 54,
    E_NOTCAPABLE = 76,
};

static int failures;
static uint32_t box;

static void expect(const char *what, uint16_t got, uint16_t want) {
    if (got != want) {
        fprintf(stderr, "path_escape: %s: errno %u, expected %u\n", what, got, want);
        failures++;
    }
}

static uint16_t try_open(uint32_t dir, const char *path, size_t len, uint32_t follow) {
    uint32_t fd;
    uint16_t err = raw_path_open(dir, follow, path, len, 0, 2 /* fd_read */, 0, 0, &fd);
    if (err == 0)
        raw_fd_close(fd);
    return err;
}

#define OPEN(path, follow) try_open(box, S(path), follow)

int main(void) {
    int b = raw_find_preopen("/box");
    if (b < 0) {
        fprintf(stderr, "path_escape: /box is not pre-opened\n");
        return 100;
    }
    box = (uint32_t)b;
    expect("mkdir a", raw_path_create_directory(box, S("a")), E_OK);
    expect("mkdir a/b", raw_path_create_directory(box, S("a/b")), E_OK);
    uint32_t fd;
    expect("create a/b/f", raw_path_open(box, 0, S("a/b/f"), 1, 0, 0, 0, &fd), E_OK);
    raw_fd_close(fd);

    /* Controls: inside the box, ".." and odd slashes are fine. */
    expect("a/b/../b/f", OPEN("a/b/../b/f", 0), E_OK);
    expect("a//b///f", OPEN("a//b///f", 0), E_OK);
    expect("./a/./b/./f", OPEN("./a/./b/./f", 0), E_OK);
    expect("a/b/", OPEN("a/b/", 0), E_OK);
    expect("a/b/f/", OPEN("a/b/f/", 0), E_NOTDIR);

    /* "..": out of the box. */
    expect("..", OPEN("..", 0), E_NOTCAPABLE);
    expect("../secret/key", OPEN("../secret/key", 0), E_NOTCAPABLE);
    expect("a/../../secret/key", OPEN("a/../../secret/key", 0), E_NOTCAPABLE);
    expect("a/b/../../..", OPEN("a/b/../../..", 0), E_NOTCAPABLE);
    /* Absolute paths. */
    expect("/secret/key", OPEN("/secret/key", 0), E_NOTCAPABLE);
    expect("/", OPEN("/", 0), E_NOTCAPABLE);
    expect("//secret", OPEN("//secret", 0), E_NOTCAPABLE);
    /* Empty, NUL, over-long. */
    expect("empty path", try_open(box, "", 0, 0), E_NOENT);
    expect("NUL byte", try_open(box, "a\0/../../secret", 15, 0), E_INVAL);
    char name[300];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    expect("256-byte name", raw_path_create_directory(box, S(name)), E_NAMETOOLONG);
    name[255] = '\0';
    expect("255-byte name", raw_path_create_directory(box, S(name)), E_OK);

    /* Symbolic links. */
    expect("symlink ../secret", raw_path_symlink(S("../secret/key"), box, S("up")), E_OK);
    expect("follow up", OPEN("up", 1), E_NOTCAPABLE);
    expect("symlink /secret", raw_path_symlink(S("/secret/key"), box, S("abs")), E_NOTCAPABLE);
    expect("symlink a/b/../../../secret",
           raw_path_symlink(S("a/b/../../../secret"), box, S("deep")), E_OK);
    expect("follow deep/key", OPEN("deep/key", 0), E_NOTCAPABLE);
    expect("symlink a/b/parent -> ..", raw_path_symlink(S(".."), box, S("a/b/parent")), E_OK);
    expect("a/b/parent/b/f", OPEN("a/b/parent/b/f", 0), E_OK);
    expect("a/b/parent/parent", OPEN("a/b/parent/../..", 0), E_NOTCAPABLE);
    expect("symlink loop", raw_path_symlink(S("loop"), box, S("loop")), E_OK);
    expect("follow loop", OPEN("loop", 1), E_LOOP);
    expect("not following a link", OPEN("up", 0), E_LOOP);

    /* A descriptor below the box is a box of its own. */
    uint32_t sub;
    expect("open a",
           raw_path_open(box, 0, S("a"), 2 /* directory */, 0x0fbffe98, 0x1fffffff, 0, &sub), E_OK);
    expect("from a: b/f", try_open(sub, S("b/f"), 0), E_OK);
    expect("from a: ../a/b/f", try_open(sub, S("../a/b/f"), 0), E_NOTCAPABLE);
    expect("from a: b/parent/..", try_open(sub, S("b/parent/.."), 0), E_NOTCAPABLE);

    /* Renames and links cannot take anything out. */
    expect("rename to ..", raw_path_rename(box, S("a/b/f"), box, S("../f")), E_NOTCAPABLE);
    expect("link to ..", raw_path_link(box, 0, S("a/b/f"), box, S("../f")), E_NOTCAPABLE);
    expect("link from ..", raw_path_link(box, 0, S("../secret/key"), box, S("k")), E_NOTCAPABLE);
    expect("rename from ..", raw_path_rename(box, S("../secret"), box, S("s")), E_NOTCAPABLE);

    /* Through wasi-libc: absolute paths map to pre-opens, and still cannot escape. */
    errno = 0;
    int cfd = open("/box/../secret/key", O_RDONLY);
    expect("libc /box/../secret/key", cfd < 0 ? 0 : 1, 0);
    if (cfd >= 0)
        close(cfd);
    cfd = open("/secret/key", O_RDONLY);
    expect("libc /secret/key", cfd < 0 ? 0 : 1, 0);
    if (cfd >= 0)
        close(cfd);
    cfd = open("/box/a/b/f", O_RDONLY);
    expect("libc /box/a/b/f", cfd >= 0 ? 0 : 1, 0);
    if (cfd >= 0)
        close(cfd);

    printf("path_escape: %s (%d unexpected)\n", failures == 0 ? "ok" : "FAILED", failures);
    return failures;
}

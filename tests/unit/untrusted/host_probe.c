/* Stands in for the runtime under the local isolation backend: tries what
 * the sandbox must forbid and what it must allow, and reports the results
 * as one DATA frame on the host channel (fd 3). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "veil/protocol.h"

static void *thread_main(void *arg) {
    return arg;
}

static const char *outcome(int rc, int err) {
    return rc >= 0 ? "allowed" : err == EPERM ? "EPERM" : strerror(err);
}

int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--channel-fd") != 0)
        return 2;
    char report[512];
    /* Before opening anything itself: only 0-3 may be open. */
    int inherited = 0;
    for (int fd = 4; fd < 64; fd++)
        inherited += fcntl(fd, F_GETFD) >= 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int socket_errno = errno;
    int f = open("/tmp/veil-host-probe-write", O_WRONLY | O_CREAT, 0600);
    int open_errno = errno;
    pid_t pid = fork();
    int fork_errno = errno;
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    int r = open("/proc/self/status", O_RDONLY);
    int read_errno = errno;
    pthread_t t;
    int thread_rc = pthread_create(&t, NULL, thread_main, NULL);
    if (thread_rc == 0)
        pthread_join(t, NULL);
    snprintf(report, sizeof(report),
             "socket=%s open_write=%s fork=%s open_read=%s thread=%s inherited=%d",
             outcome(s, socket_errno), outcome(f, open_errno), outcome(pid, fork_errno),
             outcome(r, read_errno), thread_rc == 0 ? "allowed" : strerror(thread_rc), inherited);
    veil_fd_stream fs;
    veil_stream stream;
    veil_fd_stream_init(&fs, 3, &stream);
    veil_error *err = veil_proto_write_frame(&stream, VEIL_FRAME_DATA, report, strlen(report));
    veil_error_free(err);
    return err == NULL ? 0 : 1;
}

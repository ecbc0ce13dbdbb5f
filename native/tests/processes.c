/*
 * Between two processes: a child inherits one uintr_fd through fork and receives another over
 * a Unix socket (SCM_RIGHTS); its posts reach the parent's handler with the right vectors.
 * The child starts with no uintr state of its own (the RFC clears it at fork), registers its
 * own handler, hands its uintr_fd back, and the two ping-pong ROUNDS times.
 */
#define TEST_NAME "processes"
#include "rfc_test.h"
#include <sys/socket.h>
#include <sys/wait.h>

#define ROUNDS 10000ULL

static volatile unsigned long long calls;
static volatile unsigned long long last_vector;

void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector)
{
    (void)frame;
    last_vector = vector;
    calls++;
}

static void send_fd(int sock, int fd)
{
    char byte = 'u';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    CHECK(sendmsg(sock, &msg, 0) == 1, "sendmsg");
}

static int receive_fd(int sock)
{
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    CHECK(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) == 1, "recvmsg");
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    CHECK(c != NULL && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)), "no descriptor");
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void child(int sock, int inherited)
{
    /* Nothing of the parent's receiver came along. */
    CHECK_ERRNO(uintr_create_fd(3, 0), EINVAL);
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler in the child");
    int mine = (int)uintr_create_fd(2, 0);
    CHECK(mine >= 0, "create_fd in the child");
    _stui();
    int passed = receive_fd(sock);
    int to_7 = (int)uintr_register_sender(inherited, 0);
    int to_8 = (int)uintr_register_sender(passed, 0);
    CHECK(to_7 >= 0 && to_8 >= 0, "register_sender in the child: %d %d", to_7, to_8);
    send_fd(sock, mine);

    _senduipi(to_7);
    char go;
    CHECK(read(sock, &go, 1) == 1, "read");
    _senduipi(to_8);
    for (unsigned long long i = 0; i < ROUNDS; i++) {
        wait_past(&calls, i);
        _senduipi(to_7);
    }
    _exit(0);
}

int main(void)
{
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler");
    int fd7 = (int)uintr_create_fd(7, 0);
    int fd8 = (int)uintr_create_fd(8, 0);
    CHECK(fd7 >= 0 && fd8 >= 0, "create_fd");
    _stui();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(sv[0]);
        close(fd8);
        child(sv[1], fd7);
    }
    close(sv[1]);
    send_fd(sv[0], fd8);
    int to_child = (int)uintr_register_sender(receive_fd(sv[0]), 0);
    CHECK(to_child >= 0, "register_sender to the child");

    wait_past(&calls, 0);
    CHECK(calls == 1 && last_vector == 7, "calls %llu, vector %llu (the inherited fd)", calls, last_vector);
    CHECK(write(sv[0], "g", 1) == 1, "write");
    wait_past(&calls, 1);
    CHECK(calls == 2 && last_vector == 8, "calls %llu, vector %llu (the passed fd)", calls, last_vector);

    for (unsigned long long i = 0; i < ROUNDS; i++) {
        _senduipi(to_child);
        wait_past(&calls, 2 + i);
        CHECK(last_vector == 7, "round %llu: vector %llu", i, last_vector);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: status %#x", status);
    printf("%llu round trips between two processes\n", ROUNDS);
    pass();
    return 0;
}

/*
 * The RFC v1 system calls' errnos, and that every other system call number still reaches the
 * kernel through syscall(2).
 */
#define TEST_NAME "errnos"
#include "rfc_test.h"
#include <fcntl.h>
#include <pthread.h>

void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector)
{
    (void)frame;
    (void)vector;
}

static int shared_fd;

static void *other_thread(void *arg)
{
    (void)arg;
    /* RFC v1's sender table is per thread: this thread's is empty. */
    CHECK_ERRNO(uintr_unregister_sender(shared_fd, 0), EINVAL);
    int index = (int)uintr_register_sender(shared_fd, 0);
    CHECK(index >= 0, "register_sender on a second thread");
    CHECK(uintr_unregister_sender(shared_fd, 0) == 0, "unregister_sender on a second thread");
    return NULL;
}

int main(void)
{
    /* Other numbers go to the kernel. */
    CHECK(syscall(SYS_getpid) == getpid(), "syscall(SYS_getpid)");
    CHECK(syscall(SYS_gettid) == gettid(), "syscall(SYS_gettid)");
    CHECK_ERRNO(syscall(SYS_close, -1), EBADF);

    /* Not a receiver yet. */
    CHECK_ERRNO(uintr_create_fd(1, 0), EINVAL);
    CHECK_ERRNO(uintr_unregister_handler(0), EINVAL);
    CHECK_ERRNO(uintr_wait(0), EOPNOTSUPP);

    CHECK_ERRNO(uintr_register_handler(handler, 1), EINVAL);
    CHECK_ERRNO(uintr_register_handler(NULL, 0), EFAULT);
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler");
    CHECK_ERRNO(uintr_register_handler(handler, 0), EBUSY);
    CHECK_ERRNO(uintr_wait(1), EINVAL);

    CHECK_ERRNO(uintr_create_fd(64, 0), ENOSPC);
    CHECK_ERRNO(uintr_create_fd(1, 1), EINVAL);
    int fd = (int)uintr_create_fd(1, 0);
    CHECK(fd >= 0, "create_fd 1");
    CHECK_ERRNO(uintr_create_fd(1, 0), EBUSY);
    int copy = dup(fd);
    close(fd);
    CHECK_ERRNO(uintr_create_fd(1, 0), EBUSY); /* a copy still holds the vector */
    close(copy);
    fd = (int)uintr_create_fd(1, 0); /* the last reference closed: the vector is free */
    CHECK(fd >= 0, "create_fd 1 after every copy was closed");

    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    CHECK_ERRNO(uintr_register_sender(pipefd[0], 0), EOPNOTSUPP);
    CHECK_ERRNO(uintr_register_sender(1000, 0), EBADF);
    CHECK_ERRNO(uintr_register_sender(fd, 1), EINVAL);
    int index = (int)uintr_register_sender(fd, 0);
    CHECK(index >= 0, "register_sender");
    CHECK_ERRNO(uintr_register_sender(fd, 0), EISCONN);

    shared_fd = fd;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0 && pthread_join(t, NULL) == 0, "thread");

    CHECK_ERRNO(uintr_unregister_sender(fd, 1), EINVAL);
    CHECK(uintr_unregister_sender(fd, 0) == 0, "unregister_sender");
    CHECK_ERRNO(uintr_unregister_sender(fd, 0), EINVAL);

    CHECK_ERRNO(uintr_unregister_handler(1), EINVAL);
    CHECK(uintr_unregister_handler(0) == 0, "unregister_handler");
    CHECK_ERRNO(uintr_register_sender(fd, 0), ESHUTDOWN); /* its receiver is gone */
    CHECK_ERRNO(uintr_wait(0), EOPNOTSUPP);
    pass();
    return 0;
}

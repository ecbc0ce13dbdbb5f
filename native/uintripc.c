#define _GNU_SOURCE
#include "uintripc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* same number on every architecture since 5.16 */
#endif

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The one way every wrapper reports: the call's result when it succeeded, -errno when not. */
static int checked(long result) { return result < 0 ? -errno : (int)result; }

int uipc_memfd_create(const char *name) { return checked(memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)); }

int uipc_ftruncate(int fd, int64_t length) { return checked(ftruncate(fd, (off_t)length)); }

int uipc_add_seals(int fd, int seals) { return checked(fcntl(fd, F_ADD_SEALS, seals)); }

int uipc_get_seals(int fd) { return checked(fcntl(fd, F_GET_SEALS)); }

int uipc_get_fd_flags(int fd) { return checked(fcntl(fd, F_GETFD)); }

int uipc_get_status_flags(int fd) { return checked(fcntl(fd, F_GETFL)); }

int uipc_fstat(int fd, struct uipc_stat *out)
{
    /* The system call rather than glibc's fstat, which is fstat@GLIBC_2.33: the library must
     * load on every glibc .NET supports (2.27 and later). */
    struct stat st;
    int result = checked(syscall(SYS_fstat, fd, &st));
    if (result < 0)
        return result;
    out->dev = (uint64_t)st.st_dev;
    out->ino = (uint64_t)st.st_ino;
    out->size = (int64_t)st.st_size;
    out->mode = (uint32_t)st.st_mode;
    out->reserved = 0;
    return 0;
}

int uipc_close(int fd) { return checked(close(fd)); }

/* 1 when a and b are the same open file description (kcmp KCMP_FILE), 0 when not, or -errno. */
int uipc_same_file(int a, int b)
{
    long pid = (long)getpid();
    int result = checked(syscall(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, (long)a, (long)b));
    return result < 0 ? result : result == 0;
}

static int map(void *address, uint64_t length, int prot, int flags, int fd, void **out)
{
    void *p = mmap(address, (size_t)length, prot, flags, fd, 0);
    if (p == MAP_FAILED)
        return -errno; /* mmap reports failure as MAP_FAILED, not as a negative number */
    if (out)
        *out = p;
    return 0;
}

int uipc_map_shared(int fd, uint64_t length, void **out)
{
    return map(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, out);
}

int uipc_map_shared_fixed(void *address, int fd, uint64_t length)
{
    return map(address, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, NULL);
}

int uipc_reserve(uint64_t length, void **out)
{
    return map(NULL, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, out);
}

int uipc_map_private_zero_fixed(void *address, uint64_t length)
{
    return map(address, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, NULL);
}

int uipc_munmap(void *address, uint64_t length) { return checked(munmap(address, (size_t)length)); }

int uipc_futex_wake(uint32_t *address, int count, int shared)
{
    return checked(syscall(SYS_futex, address, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0));
}

int uipc_futex_waitv(struct uipc_futex_waitv *waiters, uint32_t count, int64_t timeout_ns)
{
    struct timespec deadline, *timeout = NULL;
    if (timeout_ns >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(timeout_ns / 1000000000);
        deadline.tv_nsec += (long)(timeout_ns % 1000000000);
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
        timeout = &deadline;
    }
    return checked(syscall(SYS_futex_waitv, waiters, count, 0, timeout, CLOCK_MONOTONIC));
}

int uipc_peer_pid(int socket)
{
    struct ucred cred;
    socklen_t length = sizeof cred;
    int result = checked(getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &length));
    return result < 0 ? result : (int)cred.pid;
}

int uipc_peer_pidfd(int socket)
{
    int pidfd = -1;
    socklen_t length = sizeof pidfd;
    int result = checked(getsockopt(socket, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length));
    return result < 0 ? result : pidfd;
}

int uipc_pidfd_open(int pid) { return checked(syscall(SYS_pidfd_open, pid, 0)); }

int uipc_peer_hung_up(int socket)
{
    struct pollfd p = { .fd = socket, .events = POLLRDHUP };
    int n = checked(poll(&p, 1, 0));
    return n < 0 ? n : (p.revents & (POLLRDHUP | POLLHUP)) != 0;
}

int uipc_poll_readable(const int *fds, uint8_t *ready, uint32_t count, int timeout_ms)
{
    struct pollfd stack[64], *p = count <= 64 ? stack : calloc(count, sizeof *p);
    if (!p)
        return -ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        p[i].fd = fds[i];
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    int n = checked(poll(p, count, timeout_ms));
    for (uint32_t i = 0; n >= 0 && i < count; i++)
        ready[i] = (p[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
    if (p != stack)
        free(p);
    return n;
}

int uipc_eventfd(void) { return checked(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }

int uipc_eventfd_signal(int fd) { return checked(eventfd_write(fd, 1)); }

int uipc_eventfd_drain(int fd)
{
    eventfd_t value;
    int result = checked(eventfd_read(fd, &value));
    return result == -EAGAIN ? 0 : result; /* nothing to drain is success */
}

int uipc_set_robust_list(void *head, uint64_t length) { return checked(syscall(SYS_set_robust_list, head, (size_t)length)); }

int uipc_gettid(void) { return (int)syscall(SYS_gettid); }

int uipc_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
#if defined(__x86_64__) || defined(__i386__)
    if (leaf > __get_cpuid_max(leaf & 0x80000000u, NULL))
        return -EINVAL;
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
    return 0;
#else
    (void)leaf; (void)subleaf; (void)regs;
    return -ENOSYS;
#endif
}

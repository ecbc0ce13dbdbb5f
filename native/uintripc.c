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

#define RESULT(expr) ((expr) < 0 ? -errno : 0)

int uipc_memfd_create(const char *name)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return fd < 0 ? -errno : fd;
}

int uipc_ftruncate(int fd, int64_t length) { return RESULT(ftruncate(fd, (off_t)length)); }

int uipc_add_seals(int fd, int seals) { return RESULT(fcntl(fd, F_ADD_SEALS, seals)); }

int uipc_get_seals(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals < 0 ? -errno : seals;
}

int uipc_get_fd_flags(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -errno : flags;
}

int uipc_get_status_flags(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -errno : flags;
}

int uipc_fstat(int fd, struct uipc_stat *out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    out->dev = (uint64_t)st.st_dev;
    out->ino = (uint64_t)st.st_ino;
    out->size = (int64_t)st.st_size;
    out->mode = (uint32_t)st.st_mode;
    out->reserved = 0;
    return 0;
}

int uipc_close(int fd) { return RESULT(close(fd)); }

static int map(void *address, uint64_t length, int prot, int flags, int fd, void **out)
{
    void *p = mmap(address, (size_t)length, prot, flags, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
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

int uipc_munmap(void *address, uint64_t length) { return RESULT(munmap(address, (size_t)length)); }

int uipc_futex_wake(uint32_t *address, int count, int shared)
{
    long woken = syscall(SYS_futex, address, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
    return woken < 0 ? -errno : (int)woken;
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
    long woken = syscall(SYS_futex_waitv, waiters, count, 0, timeout, CLOCK_MONOTONIC);
    return woken < 0 ? -errno : (int)woken;
}

int uipc_peer_pid(int socket)
{
    struct ucred cred;
    socklen_t length = sizeof cred;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0)
        return -errno;
    return (int)cred.pid;
}

int uipc_peer_pidfd(int socket)
{
    int pidfd = -1;
    socklen_t length = sizeof pidfd;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) < 0)
        return -errno;
    return pidfd;
}

int uipc_pidfd_open(int pid)
{
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : (int)fd;
}

int uipc_peer_hung_up(int socket)
{
    struct pollfd p = { .fd = socket, .events = POLLRDHUP };
    int n = poll(&p, 1, 0);
    return n < 0 ? -errno : (p.revents & (POLLRDHUP | POLLHUP)) != 0;
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
    int n = poll(p, count, timeout_ms);
    int result = n < 0 ? -errno : n;
    for (uint32_t i = 0; n >= 0 && i < count; i++)
        ready[i] = (p[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
    if (p != stack)
        free(p);
    return result;
}

int uipc_eventfd(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int uipc_eventfd_signal(int fd) { return RESULT(eventfd_write(fd, 1)); }

int uipc_eventfd_drain(int fd)
{
    eventfd_t value;
    return eventfd_read(fd, &value) < 0 && errno != EAGAIN ? -errno : 0;
}

int uipc_set_robust_list(void *head, uint64_t length)
{
    return RESULT(syscall(SYS_set_robust_list, head, (size_t)length));
}

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

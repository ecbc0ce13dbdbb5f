/*
 * libuintripc: the small native shim under UintrIpc.
 *
 * Plain system-call wrappers with no policy: every function returns a non-negative
 * result or -errno, so the managed side never reads errno across the P/Invoke boundary.
 */
#ifndef UINTRIPC_H
#define UINTRIPC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The subset of struct stat the runtime needs, with a layout that is the same everywhere. */
struct uipc_stat {
    uint64_t dev;
    uint64_t ino;
    int64_t size;
    uint32_t mode;
    uint32_t reserved;
};

/* Same layout as the kernel's struct futex_waitv (linux/futex.h). */
struct uipc_futex_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

int uipc_memfd_create(const char *name);
int uipc_ftruncate(int fd, int64_t length);
int uipc_add_seals(int fd, int seals);
int uipc_get_seals(int fd);
int uipc_get_fd_flags(int fd);
int uipc_get_status_flags(int fd);
int uipc_fstat(int fd, struct uipc_stat *out);
int uipc_close(int fd);
int uipc_same_file(int a, int b);

/* Mappings. `out` receives the address. */
int uipc_map_shared(int fd, uint64_t length, void **out);
int uipc_map_shared_fixed(void *address, int fd, uint64_t length);
int uipc_reserve(uint64_t length, void **out);
int uipc_map_private_zero_fixed(void *address, uint64_t length);
int uipc_munmap(void *address, uint64_t length);

/* Futexes on 32-bit words. `shared` selects the non-private operation. */
int uipc_futex_wake(uint32_t *address, int count, int shared);
/* timeout_ns: relative, or -1 for none; turned into the absolute CLOCK_MONOTONIC deadline
 * futex_waitv takes. Returns the index of the woken word, or -EAGAIN / -ETIMEDOUT / -EINTR. */
int uipc_futex_waitv(struct uipc_futex_waitv *waiters, uint32_t count, int64_t timeout_ns);

/* Peers and processes. */
/* SO_PEERCRED's pid of a connected AF_UNIX socket. */
int uipc_peer_pid(int socket);
/* SO_PEERPIDFD (Linux 6.5+): a pidfd for the peer, race-free against pid reuse. */
int uipc_peer_pidfd(int socket);
int uipc_pidfd_open(int pid);
/* 1 when the socket's peer has shut down its writing side (POLLRDHUP), 0 when not. */
int uipc_peer_hung_up(int socket);
/* poll(2) for POLLIN on `count` descriptors; ready[i] is set to 1 for each readable one. */
int uipc_poll_readable(const int *fds, uint8_t *ready, uint32_t count, int timeout_ms);
int uipc_eventfd(void);
int uipc_eventfd_signal(int fd);
int uipc_eventfd_drain(int fd);

/* Robust futexes (the kernel's death notice in shared memory). */
/* set_robust_list(2) for the calling thread; `head` is a struct robust_list_head. */
int uipc_set_robust_list(void *head, uint64_t length);
/* gettid(2): the calling thread's id in its pid namespace. */
int uipc_gettid(void);

/* CPUID leaf/sub-leaf into regs[0..3] = eax, ebx, ecx, edx. Returns 0, or -ENOSYS off x86. */
int uipc_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

#ifdef __cplusplus
}
#endif

#endif

/*
 * libuintripc, native UINTR path: the real SENDUIPI/STUI/CLUI/TESTUI/UIRET instructions and
 * the uintr system calls of the kernel RFC (docs/NATIVE.md).
 *
 * HARDWARE-ONLY: every function here except the receiver-state accessors executes a UINTR
 * instruction or a uintr system call. They run only on UINTR CPUs (Sapphire Rapids or later)
 * with a kernel that implements the uintr syscalls. On any other machine the instructions
 * raise #UD (SIGILL) and the syscall numbers belong to other system calls (449 is futex_waitv
 * on mainline): callers must have positive evidence first (UintrCapabilities.NativeAvailable).
 *
 * Like uintripc.h, no policy: every function returns a non-negative result or -errno. The
 * syscall NUMBER is always a parameter, taken from the configured UintrSyscallTable.
 */
#ifndef UINTR_NATIVE_H
#define UINTR_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by uipc_uintr_wait when it did not enter the kernel (a vector was already
 * recorded or the generation had moved). The uintr_wait syscall itself never returns it. */
#define UIPC_UINTR_WAIT_NOT_SLEPT 1

/* One native receiver: opaque, allocated by uipc_uintr_receiver_new, never moved. */
struct uipc_uintr_receiver;

/* --- Instructions (hardware-only; #UD without UINTR) ------------------------------------- */

/* SENDUIPI index: posts through this thread's (RFC v1) or this process's UITT entry. An index
 * that is not a valid entry raises #GP, i.e. SIGSEGV: callers only pass registered indexes. */
void uipc_senduipi(uint64_t index);
/* Sets UIF: user interrupts are delivered. */
void uipc_stui(void);
/* Clears UIF: user interrupts stay pending in UIRR. */
void uipc_clui(void);
/* UIF, 0 or 1. */
int uipc_testui(void);

/* --- Receiver state (plain memory; safe everywhere) --------------------------------------- */

int uipc_uintr_receiver_new(struct uipc_uintr_receiver **out);
/* Only after uipc_uintr_unregister_handler succeeded on the owner thread, or when the handler
 * was never registered: the handler writes into it while registered. */
void uipc_uintr_receiver_free(struct uipc_uintr_receiver *r);
/* Vectors the handler recorded since the last take, cleared (atomic exchange with 0). */
uint64_t uipc_uintr_take_pending(struct uipc_uintr_receiver *r);
/* Vectors the handler recorded since the last take, left in place. */
uint64_t uipc_uintr_peek_pending(struct uipc_uintr_receiver *r);
/* The generation uipc_uintr_wait compares against; uipc_uintr_interrupt bumps it. */
uint32_t uipc_uintr_generation(struct uipc_uintr_receiver *r);
/* The receiver whose handler is registered on the calling thread, or NULL. */
struct uipc_uintr_receiver *uipc_uintr_current(void);
/* Marks r abandoned: disposed on another thread, its handler still registered on its owner.
 * uipc_uintr_is_orphaned tells the next registration on that thread to unregister it first. */
void uipc_uintr_orphan(struct uipc_uintr_receiver *r);
int uipc_uintr_is_orphaned(struct uipc_uintr_receiver *r);

/* --- System calls (hardware-only: numbers from the configured table) ---------------------- */

/* uintr_register_handler(uipc_uintr_handler, flags) on the calling thread, which becomes r's
 * owner; then STUI. Also installs the wake-up signal and unblocks it on this thread. */
int uipc_uintr_register_handler(long nr, struct uipc_uintr_receiver *r, uint32_t flags);
/* CLUI, uintr_unregister_handler(flags) on the calling thread (the owner). */
int uipc_uintr_unregister_handler(long nr, uint32_t flags);
/* uintr_create_fd(vector, flags) (RFC v1) / uintr_vector_fd(vector, flags): a new descriptor. */
int uipc_uintr_create_fd(long nr, uint64_t vector, uint32_t flags);
/* uintr_register_sender(fd, flags): the UITT index. */
int uipc_uintr_register_sender(long nr, int fd, uint32_t flags);
/* uintr_unregister_sender(fd, flags) (RFC v1) or (index, flags) (later trees). */
int uipc_uintr_unregister_sender(long nr, int64_t fd_or_index, uint32_t flags);
/*
 * Blocks the owner thread in the uintr_wait syscall unless a vector is already recorded or
 * the generation is no longer `generation`. `timed_abi` 0: uintr_wait(flags) (RFC v1, no
 * timeout); 1: uintr_wait(usec, flags). Race-free against the handler and the wake-up signal:
 * both move an interrupted thread that has not entered the kernel yet past the syscall.
 * Returns UIPC_UINTR_WAIT_NOT_SLEPT, or the syscall's result (0 or -errno, -EINTR on wake-up).
 */
int uipc_uintr_wait(long nr, int timed_abi, uint64_t usec, uint32_t flags,
                    struct uipc_uintr_receiver *r, uint32_t generation);
/* Bumps the generation and, if the owner is inside uipc_uintr_wait, wakes it with the
 * wake-up signal (tgkill). Any thread. */
int uipc_uintr_interrupt(struct uipc_uintr_receiver *r);
/* A POSIX timer that sends the wake-up signal to r's owner thread (for RFC v1, whose
 * uintr_wait has no timeout). Owner thread, after register_handler. */
int uipc_uintr_timer_create(struct uipc_uintr_receiver *r);
/* Arms (relative, ns > 0) or disarms (ns == 0) r's timer. */
int uipc_uintr_timer_arm(struct uipc_uintr_receiver *r, int64_t ns);
int uipc_uintr_timer_delete(struct uipc_uintr_receiver *r);

#ifdef __cplusplus
}
#endif

#endif

/*
 * libuintripc_sim: a software model of Intel User Interrupts and of the uintr system calls,
 * linked under the native shim (uintr_hw.c compiled with -DUIPC_UINTR_SIMULATE) so that
 * the native path runs on machines without UINTR (docs/NATIVE.md, "The simulator").
 *
 * What the model keeps from the hardware (Intel SDM, vol. 3, "User Interrupts"):
 *  - the UPID: 16 bytes, ON (bit 0) and SN (bit 1), NV (bits 23:16), NDST (bits 63:32), PIR;
 *    it lives in a memfd page so that senders in other processes can post to it;
 *  - SENDUIPI: one locked 16-byte read-modify-write sets the PIR bit and, if SN and ON were
 *    clear, sets ON and sends the notification; the notification is the real-time signal NV
 *    sent with tgkill to the thread NDST of process `pid`;
 *  - notification processing on the receiving thread (in that signal's handler): clear ON,
 *    move PIR into UIRR; then, while UIF is set and UIRR is not empty, deliver the highest
 *    vector: clear its UIRR bit, clear UIF, call the registered handler with the interrupted
 *    context as its frame (the handler may rewrite the frame's RIP), set UIF (UIRET);
 *  - STUI/CLUI/TESTUI on a per-thread UIF; STUI delivers what UIRR holds;
 *  - SENDUIPI through an index that is not a valid UITT entry is #GP: SIGSEGV.
 * The system calls follow the RFC v1 series (numbers 449-454) or Intel's later tree (471-476)
 * with their errnos; the numbers select the ABI. Everything returns like syscall(2): the
 * result, or -1 with errno set.
 */
#ifndef UINTR_SIM_H
#define UINTR_SIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The frame the CPU pushes for a user interrupt (same layout as gcc's struct __uintr_frame). */
struct uipc_sim_frame {
    uint64_t rip;
    uint64_t rflags;
    uint64_t rsp;
};

typedef void (*uipc_sim_handler)(struct uipc_sim_frame *frame, unsigned long long vector);

/* --- Instructions ------------------------------------------------------------------------- */

void uipc_sim_senduipi(uint64_t index);
void uipc_sim_stui(void);
void uipc_sim_clui(void);
int uipc_sim_testui(void);

/* --- System calls -------------------------------------------------------------------------- */

/* The uintr system call `nr` of the simulated kernel, as syscall(2) would return it. */
long uipc_sim_syscall(long nr, long a1, long a2);

/*
 * uintr_wait(nr, a1, a2) is the one call that must block in the real kernel, inside the
 * shim's restartable window. This checks its arguments as the modelled kernel does and turns
 * it into a real blocking system call that a signal ends with -EINTR: pause() for RFC v1
 * (no timeout), nanosleep(*ts) for the later tree (0 when the time is up). Returns that
 * call's number and sets *a1 and *a2, or -errno for a call the kernel would refuse.
 */
long uipc_sim_wait_prepare(long nr, long *a1, long *a2, void *ts);

/* --- Test hooks: deterministic interrupt injection (single-stepping) ---------------------- */

/*
 * Arms the calling thread: its next uintr_wait single-steps (the trap flag) from just before
 * the shim's wait code and, at the `step`-th instruction or at the blocking syscall
 * instruction if that comes first, injects `what`: a vector 0..63 is posted to this thread's
 * own UPID exactly as SENDUIPI does (its notification arrives as that instruction is about to
 * run); -1 is uipc_uintr_interrupt on this thread's receiver. Owner thread only.
 */
int uipc_sim_arm_injection(int step, int what);

/*
 * The outcome of the last armed injection, and disarms: bit 31 set when it happened, bits
 * 0..15 the step it happened at, bit 16 set when that instruction was inside the shim's wait
 * window, bit 17 set when it was the blocking syscall instruction itself.
 */
int uipc_sim_injection_result(void);

/* The vector of a simulated uintr_fd (what the kernel's fdinfo user_vector: says of a real one), or -errno. */
int uipc_sim_fd_vector(int fd);

/*
 * Counters of the simulated CPU, process-wide: [0] notifications sent, [1] notifications
 * processed, [2] handler calls, [3] handler calls whose frame RIP the handler rewrote (it moved
 * a thread out of the wait window), [4] notifications processed with nothing in PIR.
 */
void uipc_sim_counters(uint64_t out[5]);

#ifdef __cplusplus
}
#endif

#endif

/*
 * uintr-rfc.h: programs written for the uintr RFC's C API, built unchanged on any x86-64 Linux
 * against the UINTR simulator (libuintripc_sim.so, docs/NATIVE.md "The simulator").
 * Force-included by native/rfc-cc (`gcc -include uintr-rfc.h`); see docs/PORTING.md, "RFC C
 * programs on any Linux".
 *
 * What it maps, and how:
 *  - syscall(2): every call goes through uintr_rfc_syscall, which hands the RFC v1 uintr
 *    numbers (449-454) to the simulated kernel and every other number to libc's syscall.
 *    449 is futex_waitv on mainline: a program built this way cannot call that by number.
 *  - _senduipi, _stui, _clui, _testui: the simulated instructions. gcc's own inline versions
 *    (x86gprintrin.h) are included first, so a later #include of x86gprintrin.h or immintrin.h
 *    finds its guard set and the macros below stay in force.
 *  - __attribute__((interrupt)): the simulator calls the handler as an ordinary function,
 *    handler(frame, vector), from its notification signal on the receiving thread, so the
 *    attribute is turned into `unused` (an `interrupt` handler cannot be called as a function,
 *    and without -mgeneral-regs-only gcc refuses it). A program using `interrupt` as an
 *    identifier of its own gets it renamed consistently within each file built this way.
 *
 * Nothing here includes a libc header: a program's own `#define _GNU_SOURCE` before its first
 * #include keeps its effect.
 */
#ifndef UINTR_RFC_H
#define UINTR_RFC_H

#if !defined(__x86_64__)
#error "uintr-rfc.h: the UINTR simulator is x86-64 only"
#endif

#if defined(__has_include)
#if __has_include(<x86gprintrin.h>)
#include <x86gprintrin.h>
#define UINTR_RFC_HAVE_FRAME 1
#endif
#endif
#ifndef UINTR_RFC_HAVE_FRAME
/* gcc before 11 has no UINTR intrinsics: the frame as gcc 11's uintrintrin.h declares it. */
struct __uintr_frame {
    unsigned long long rip;
    unsigned long long rflags;
    unsigned long long rsp;
};
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* libuintripc_sim.so (native/uintr_rfc.c and native/uintr_sim.c). */
long uintr_rfc_syscall(long number, ...);
void uipc_sim_senduipi(__UINT64_TYPE__ index);
void uipc_sim_stui(void);
void uipc_sim_clui(void);
int uipc_sim_testui(void);

#ifdef __cplusplus
}
#endif

#define syscall uintr_rfc_syscall
#define _senduipi(index) uipc_sim_senduipi((__UINT64_TYPE__)(index))
#define _stui() uipc_sim_stui()
#define _clui() uipc_sim_clui()
#define _testui() ((unsigned char)uipc_sim_testui())
#define interrupt unused
#define __interrupt__ __unused__

#endif

/*
 * What the RFC-style test programs share: the system-call macros as RFC programs write them,
 * a check that fails the program with its line, and the race-free wait of docs/PORTING.md.
 * Built with native/rfc-cc; each program prints "PASS <name>" and exits 0, or "FAIL <name>: ..."
 * and exits 1.
 */
#ifndef RFC_TEST_H
#define RFC_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86gprintrin.h>

#define __NR_uintr_register_handler 449
#define __NR_uintr_unregister_handler 450
#define __NR_uintr_create_fd 451
#define __NR_uintr_register_sender 452
#define __NR_uintr_unregister_sender 453
#define __NR_uintr_wait 454

#define uintr_register_handler(handler, flags) syscall(__NR_uintr_register_handler, handler, flags)
#define uintr_unregister_handler(flags) syscall(__NR_uintr_unregister_handler, flags)
#define uintr_create_fd(vector, flags) syscall(__NR_uintr_create_fd, vector, flags)
#define uintr_register_sender(fd, flags) syscall(__NR_uintr_register_sender, fd, flags)
#define uintr_unregister_sender(fd, flags) syscall(__NR_uintr_unregister_sender, fd, flags)
#define uintr_wait(flags) syscall(__NR_uintr_wait, flags)

#ifndef TEST_NAME
#error "define TEST_NAME before including rfc_test.h"
#endif

#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stdout, "FAIL " TEST_NAME ": line %d: %s: ", __LINE__, #cond);              \
            fprintf(stdout, __VA_ARGS__);                                                       \
            fprintf(stdout, " (errno %d %s)\n", errno, strerror(errno));                        \
            fflush(stdout);                                                                     \
            _exit(1);                                                                           \
        }                                                                                       \
    } while (0)

/* A call that must fail with `err`. */
#define CHECK_ERRNO(call, err)                                                                  \
    do {                                                                                        \
        errno = 0;                                                                              \
        long r_ = (call);                                                                       \
        CHECK(r_ == -1 && errno == (err), "%s returned %ld, expected -1 with %s", #call, r_,    \
              #err);                                                                            \
    } while (0)

static inline void pass(void)
{
    printf("PASS " TEST_NAME "\n");
    fflush(stdout);
}

/*
 * The race-free wait (docs/PORTING.md): returns once *count (written by this thread's
 * handler) has passed `seen`. UIF is clear while the count is checked, so a post arriving
 * after the check stays pending in UIRR instead of running the handler before the sleep;
 * uintr_wait returns at once when something is pending, and _stui delivers it.
 */
static inline void wait_past(volatile unsigned long long *count, unsigned long long seen)
{
    for (;;) {
        _clui();
        if (*count > seen)
            break;
        long r = uintr_wait(0);
        CHECK(r == -1 && errno == EINTR, "uintr_wait returned %ld", r);
        _stui();
    }
    _stui();
}

#endif

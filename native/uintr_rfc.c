/*
 * The system-call entry of RFC C programs built with native/rfc-cc (include/uintr-rfc.h maps
 * `syscall` here): the uintr numbers of the RFC v1 series go to the simulated kernel, every
 * other number to libc. Part of libuintripc_sim.so only.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <unistd.h>

#include "uintr_sim.h"

#define RFC_V1_FIRST 449 /* uintr_register_handler */
#define RFC_V1_LAST 454  /* uintr_wait */

long uintr_rfc_syscall(long number, ...)
{
    /* Six arguments whatever the call takes, as libc's syscall reads them. */
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (number >= RFC_V1_FIRST && number <= RFC_V1_LAST)
        return uipc_sim_syscall(number, a[0], a[1]);
    return syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

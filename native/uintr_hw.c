/*
 * libuintripc, native UINTR path (docs/NATIVE.md). HARDWARE-ONLY: see uintr_hw.h.
 *
 * This translation unit, and only this one, is compiled with -muintr -mgeneral-regs-only:
 * -muintr lets the compiler emit SENDUIPI/STUI/CLUI/TESTUI and turns the epilogue of the
 * `interrupt` handler below into UIRET; -mgeneral-regs-only keeps every instruction of the
 * handler (which can interrupt any user instruction, managed code included, and saves only the
 * general registers it uses) off the x87/SSE/AVX state.
 *
 * A managed method cannot be a hardware interrupt handler, so the handler lives here: it
 * records the vector with one atomic OR in its receiver's pending word and returns (UIRET).
 * The managed runtime collects the word at its safe points (Poll/Wait) and runs the managed
 * handlers there, exactly as on the futex path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uintr_hw.h"
#include "uintripc.h"

#if defined(__x86_64__)

#include <signal.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifdef UIPC_UINTR_SIMULATE
/*
 * The simulator build (libuintripc_sim.so, docs/NATIVE.md "The simulator"): the same code, with
 * the instructions and the uintr system calls of the software model in uintr_sim.c. The
 * handler below is an ordinary function that the model calls from its notification signal.
 */
#include "uintr_sim.h"
#define UIPC_UINTR_HANDLER_ATTRIBUTE
typedef struct uipc_sim_frame uipc_uintr_frame;
#define uintr_syscall uipc_sim_syscall
#define insn_senduipi uipc_sim_senduipi
#define insn_stui uipc_sim_stui
#define insn_clui uipc_sim_clui
#define insn_testui uipc_sim_testui
#else
#include <x86gprintrin.h>
#ifndef __UINTR__
#error "uintr_hw.c must be compiled with -muintr (see native/Makefile)"
#endif
#define UIPC_UINTR_HANDLER_ATTRIBUTE __attribute__((interrupt))
typedef struct __uintr_frame uipc_uintr_frame;
#define uintr_syscall syscall
#define insn_senduipi _senduipi
#define insn_stui _stui
#define insn_clui _clui
#define insn_testui _testui
#endif

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

struct uipc_uintr_receiver {
    uint64_t pending;     /* vectors recorded by the handler: atomic OR / exchange */
    uint32_t generation;  /* bumped by uipc_uintr_interrupt */
    uint32_t sleeping;    /* 1 while the owner is inside uipc_uintr_wait */
    int32_t tid;          /* owner thread */
    int32_t signo;        /* wake-up signal */
    int32_t timer;        /* kernel POSIX timer id, or -1 */
    uint32_t orphaned;    /* disposed on another thread, handler still registered */
};

/*
 * The receiver registered on this thread. initial-exec TLS: the handler reads it with one
 * %fs-relative load, no call into the dynamic linker (which could touch vector registers or
 * allocate) from inside an interrupt handler.
 */
static __thread struct uipc_uintr_receiver *uipc_current __attribute__((tls_model("initial-exec")));

/* --- The wait window ------------------------------------------------------------------------
 *
 * uintr_wait (RFC v1) sleeps without looking at what is pending. A vector delivered to the
 * handler after the last check and before the syscall would leave the receiver asleep with
 * the vector recorded (the lost wake-up the RFC review of uintr_wait warns about). So the last check
 * and the syscall instruction form a window [begin, end): the user-interrupt handler and the
 * wake-up signal handler both move a thread interrupted inside it to `cancel`, which returns
 * UIPC_UINTR_WAIT_NOT_SLEPT without entering the kernel (musl's cancellation points use the
 * same technique). Once the syscall instruction has executed, a user interrupt wakes the
 * sleeper through the kernel notification vector and a signal ends it with -EINTR.
 *
 * long uipc_uintr_wait_window(long nr, long a1, long a2, const uint64_t *pending,
 *                             const uint32_t *generation, uint32_t expected);
 */
extern long uipc_uintr_wait_window(long nr, long a1, long a2, const uint64_t *pending,
                                   const uint32_t *generation, uint32_t expected)
    __attribute__((visibility("hidden")));
extern const char uipc_uintr_wait_begin[] __attribute__((visibility("hidden")));
extern const char uipc_uintr_wait_end[] __attribute__((visibility("hidden")));
extern const char uipc_uintr_wait_cancel[] __attribute__((visibility("hidden")));

__asm__(
    "    .text\n"
    "    .p2align 4\n"
    "    .globl uipc_uintr_wait_window\n"
    "    .hidden uipc_uintr_wait_window\n"
    "    .type uipc_uintr_wait_window, @function\n"
    "uipc_uintr_wait_window:\n"
    "    .cfi_startproc\n"
    "    movq %rdi, %rax\n"          /* syscall number */
    "    movq %rsi, %rdi\n"          /* arg 1 */
    "    movq %rdx, %rsi\n"          /* arg 2 */
    "    .globl uipc_uintr_wait_begin\n"
    "    .hidden uipc_uintr_wait_begin\n"
    "uipc_uintr_wait_begin:\n"
    "    cmpq $0, (%rcx)\n"          /* a vector recorded: do not sleep */
    "    jne uipc_uintr_wait_cancel\n"
    "    cmpl %r9d, (%r8)\n"         /* interrupted since the caller read the generation */
    "    jne uipc_uintr_wait_cancel\n"
    "    syscall\n"
    "    .globl uipc_uintr_wait_end\n"
    "    .hidden uipc_uintr_wait_end\n"
    "uipc_uintr_wait_end:\n"
    "    ret\n"
    "    .globl uipc_uintr_wait_cancel\n"
    "    .hidden uipc_uintr_wait_cancel\n"
    "uipc_uintr_wait_cancel:\n"
    "    movl $1, %eax\n"            /* UIPC_UINTR_WAIT_NOT_SLEPT */
    "    ret\n"
    "    .cfi_endproc\n"
    "    .size uipc_uintr_wait_window, . - uipc_uintr_wait_window\n");

static inline int in_wait_window(uint64_t rip)
{
    return rip >= (uint64_t)(uintptr_t)uipc_uintr_wait_begin
        && rip < (uint64_t)(uintptr_t)uipc_uintr_wait_end;
}

/* --- The user-interrupt handler ------------------------------------------------------------
 *
 * Entered by the CPU on the registering thread, at any user instruction while UIF is set,
 * with UIF cleared, on the interrupted stack minus the 128-byte red zone (STACKADJUST). The
 * compiler saves the general registers it uses and returns with UIRET, which sets UIF again.
 */
void UIPC_UINTR_HANDLER_ATTRIBUTE
uipc_uintr_handler(uipc_uintr_frame *frame, unsigned long long vector)
{
    struct uipc_uintr_receiver *r = uipc_current;
    if (r != NULL)
        __atomic_fetch_or(&r->pending, 1ULL << (vector & 63), __ATOMIC_SEQ_CST);
    if (in_wait_window(frame->rip))
        frame->rip = (uint64_t)(uintptr_t)uipc_uintr_wait_cancel;
}

/* --- The wake-up signal -------------------------------------------------------------------- */

static void uipc_uintr_kick(int signo, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    (void)signo;
    (void)info;
    if (in_wait_window((uint64_t)uc->uc_mcontext.gregs[REG_RIP]))
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)uipc_uintr_wait_cancel;
}

static int kick_signo;   /* 0 until installed, then the signal, or -errno */
static int kick_lock;

/* Takes the highest real-time signal nobody handles (the .NET runtime uses SIGRTMIN). */
static int kick_choose_and_install(void)
{
    for (int signo = SIGRTMAX; signo > SIGRTMIN; signo--) {
        struct sigaction old;
        if (sigaction(signo, NULL, &old) != 0)
            continue;
        if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = uipc_uintr_kick;
        /* SA_RESTART: a late signal restarts whatever restartable call it lands in; uintr_wait
         * returns -EINTR itself (never -ERESTARTSYS), so it is not restarted. */
        sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        if (sigaction(signo, &sa, NULL) != 0)
            return -errno;
        return signo;
    }
    return -EBUSY;
}

static int kick_install(void)
{
    int signo = __atomic_load_n(&kick_signo, __ATOMIC_ACQUIRE);
    if (signo != 0)
        return signo;
    while (__atomic_exchange_n(&kick_lock, 1, __ATOMIC_ACQUIRE) != 0)
        __builtin_ia32_pause();
    signo = kick_signo;
    if (signo == 0) {
        signo = kick_choose_and_install();
        __atomic_store_n(&kick_signo, signo, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&kick_lock, 0, __ATOMIC_RELEASE);
    return signo;
}

/* --- Instructions -------------------------------------------------------------------------- */

void uipc_senduipi(uint64_t index) { insn_senduipi(index); }
void uipc_stui(void) { insn_stui(); }
void uipc_clui(void) { insn_clui(); }
int uipc_testui(void) { return insn_testui() ? 1 : 0; }

/* --- Receiver state ------------------------------------------------------------------------ */

int uipc_uintr_receiver_new(struct uipc_uintr_receiver **out)
{
    struct uipc_uintr_receiver *r = aligned_alloc(64, 64);
    if (r == NULL)
        return -ENOMEM;
    memset(r, 0, 64);
    r->timer = -1;
    *out = r;
    return 0;
}

void uipc_uintr_receiver_free(struct uipc_uintr_receiver *r) { free(r); }

uint64_t uipc_uintr_take_pending(struct uipc_uintr_receiver *r)
{
    return __atomic_exchange_n(&r->pending, 0, __ATOMIC_SEQ_CST);
}

uint64_t uipc_uintr_peek_pending(struct uipc_uintr_receiver *r)
{
    return __atomic_load_n(&r->pending, __ATOMIC_SEQ_CST);
}

uint32_t uipc_uintr_generation(struct uipc_uintr_receiver *r)
{
    return __atomic_load_n(&r->generation, __ATOMIC_SEQ_CST);
}

struct uipc_uintr_receiver *uipc_uintr_current(void) { return uipc_current; }

void uipc_uintr_orphan(struct uipc_uintr_receiver *r)
{
    __atomic_store_n(&r->orphaned, 1, __ATOMIC_SEQ_CST);
}

int uipc_uintr_is_orphaned(struct uipc_uintr_receiver *r)
{
    return (int)__atomic_load_n(&r->orphaned, __ATOMIC_SEQ_CST);
}

/* --- System calls -------------------------------------------------------------------------- */

static int result(long ret) { return ret < 0 ? -errno : (int)ret; }

int uipc_uintr_register_handler(long nr, struct uipc_uintr_receiver *r, uint32_t flags)
{
    int signo = kick_install();
    if (signo < 0)
        return signo;
    if (uipc_current != NULL)
        return -EBUSY;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) != 0) /* per thread on Linux; pthread_sigmask needs GLIBC_2.32 */
        return -EINVAL;
    r->tid = uipc_gettid();
    r->signo = signo;
    uipc_current = r; /* before the syscall: the handler may run as soon as it returns */
    long ret = uintr_syscall(nr, (unsigned long)(uintptr_t)uipc_uintr_handler, (unsigned long)flags);
    if (ret < 0) {
        int err = errno;
        uipc_current = NULL;
        return -err;
    }
    insn_stui();
    return 0;
}

int uipc_uintr_unregister_handler(long nr, uint32_t flags)
{
    insn_clui();
    long ret = uintr_syscall(nr, (unsigned long)flags, 0UL); /* the simulator takes two arguments always */
    if (ret < 0) {
        int err = errno;
        insn_stui();
        return -err;
    }
    uipc_current = NULL;
    return 0;
}

int uipc_uintr_create_fd(long nr, uint64_t vector, uint32_t flags)
{
    return result(uintr_syscall(nr, (unsigned long)vector, (unsigned long)flags));
}

int uipc_uintr_register_sender(long nr, int fd, uint32_t flags)
{
    return result(uintr_syscall(nr, (long)fd, (unsigned long)flags));
}

int uipc_uintr_unregister_sender(long nr, int64_t fd_or_index, uint32_t flags)
{
    return result(uintr_syscall(nr, (long)fd_or_index, (unsigned long)flags));
}

int uipc_uintr_wait(long nr, int timed_abi, uint64_t usec, uint32_t flags,
                    struct uipc_uintr_receiver *r, uint32_t generation)
{
    if (r != uipc_current)
        return -EPERM; /* uintr_wait acts on the calling thread: only the owner may block */
    long a1 = timed_abi ? (long)usec : (long)flags;
    long a2 = timed_abi ? (long)flags : 0;
#ifdef UIPC_UINTR_SIMULATE
    struct timespec ts;
    nr = uipc_sim_wait_prepare(nr, &a1, &a2, &ts); /* a real call a signal ends, or -errno */
    if (nr < 0)
        return (int)nr;
#endif
    /* seq_cst store (xchg): pairs with uipc_uintr_interrupt's increment-then-load. */
    __atomic_store_n(&r->sleeping, 1, __ATOMIC_SEQ_CST);
    insn_stui();
    long ret = uipc_uintr_wait_window(nr, a1, a2, &r->pending, &r->generation, generation);
    __atomic_store_n(&r->sleeping, 0, __ATOMIC_RELEASE);
    return (int)ret;
}

int uipc_uintr_interrupt(struct uipc_uintr_receiver *r)
{
    __atomic_add_fetch(&r->generation, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->sleeping, __ATOMIC_SEQ_CST) == 0)
        return 0;
    return result(syscall(SYS_tgkill, (long)getpid(), (long)r->tid, (long)r->signo));
}

int uipc_uintr_timer_create(struct uipc_uintr_receiver *r)
{
    if (r->timer >= 0)
        return 0;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = r->signo;
    sev.sigev_notify_thread_id = r->tid;
    int id = -1;
    long ret = syscall(SYS_timer_create, (long)CLOCK_MONOTONIC, &sev, &id);
    if (ret < 0)
        return -errno;
    r->timer = id;
    return 0;
}

int uipc_uintr_timer_arm(struct uipc_uintr_receiver *r, int64_t ns)
{
    if (r->timer < 0)
        return -EBADF;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (ns > 0) {
        its.it_value.tv_sec = ns / 1000000000;
        its.it_value.tv_nsec = ns % 1000000000;
    }
    return result(syscall(SYS_timer_settime, (long)r->timer, 0L, &its, NULL));
}

int uipc_uintr_timer_delete(struct uipc_uintr_receiver *r)
{
    if (r->timer < 0)
        return 0;
    long ret = syscall(SYS_timer_delete, (long)r->timer);
    if (ret < 0)
        return -errno;
    r->timer = -1;
    return 0;
}

#else /* !__x86_64__: UINTR exists only on x86-64; the futex path is the only path here. */

struct uipc_uintr_receiver { uint64_t pending; };

void uipc_senduipi(uint64_t index) { (void)index; }
void uipc_stui(void) { }
void uipc_clui(void) { }
int uipc_testui(void) { return 0; }
int uipc_uintr_receiver_new(struct uipc_uintr_receiver **out) { (void)out; return -ENOSYS; }
void uipc_uintr_receiver_free(struct uipc_uintr_receiver *r) { free(r); }
uint64_t uipc_uintr_take_pending(struct uipc_uintr_receiver *r) { (void)r; return 0; }
uint64_t uipc_uintr_peek_pending(struct uipc_uintr_receiver *r) { (void)r; return 0; }
uint32_t uipc_uintr_generation(struct uipc_uintr_receiver *r) { (void)r; return 0; }
struct uipc_uintr_receiver *uipc_uintr_current(void) { return NULL; }
void uipc_uintr_orphan(struct uipc_uintr_receiver *r) { (void)r; }
int uipc_uintr_is_orphaned(struct uipc_uintr_receiver *r) { (void)r; return 0; }
int uipc_uintr_register_handler(long nr, struct uipc_uintr_receiver *r, uint32_t flags)
{ (void)nr; (void)r; (void)flags; return -ENOSYS; }
int uipc_uintr_unregister_handler(long nr, uint32_t flags) { (void)nr; (void)flags; return -ENOSYS; }
int uipc_uintr_create_fd(long nr, uint64_t vector, uint32_t flags)
{ (void)nr; (void)vector; (void)flags; return -ENOSYS; }
int uipc_uintr_register_sender(long nr, int fd, uint32_t flags)
{ (void)nr; (void)fd; (void)flags; return -ENOSYS; }
int uipc_uintr_unregister_sender(long nr, int64_t fd_or_index, uint32_t flags)
{ (void)nr; (void)fd_or_index; (void)flags; return -ENOSYS; }
int uipc_uintr_wait(long nr, int timed_abi, uint64_t usec, uint32_t flags,
                    struct uipc_uintr_receiver *r, uint32_t generation)
{ (void)nr; (void)timed_abi; (void)usec; (void)flags; (void)r; (void)generation; return -ENOSYS; }
int uipc_uintr_interrupt(struct uipc_uintr_receiver *r) { (void)r; return -ENOSYS; }
int uipc_uintr_timer_create(struct uipc_uintr_receiver *r) { (void)r; return -ENOSYS; }
int uipc_uintr_timer_arm(struct uipc_uintr_receiver *r, int64_t ns) { (void)r; (void)ns; return -ENOSYS; }
int uipc_uintr_timer_delete(struct uipc_uintr_receiver *r) { (void)r; return -ENOSYS; }

#endif

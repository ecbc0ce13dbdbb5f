/*
 * libuintripc_sim: the simulated CPU and kernel under the native shim (see uintr_sim.h and
 * docs/NATIVE.md, "The simulator"). Never part of libuintripc.so.
 *
 * Where the real objects live here:
 *  - a receiver thread's UPID: the first 16 bytes of a sealed one-page memfd, with the pid of
 *    its process (tgkill needs it; NDST holds the thread id, NV the notification signal);
 *  - a uintr_fd for vector v: a new open file description of that memfd (open of
 *    /proc/self/fd/N), whose file offset says v and which holds an OFD read lock on byte
 *    LOCK_BASE + v. OFD locks go away when the last descriptor of the description closes,
 *    which is exactly when the kernel releases a uintr_fd: the receiver finds vector v free
 *    again when no lock on its byte remains;
 *  - the UITT: per thread (RFC v1) or per process (later tree), entries pointing at a private
 *    mapping of the receiver's page;
 *  - UIF and UIRR: thread-local words, touched only by their thread and its signal handlers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "uintr_hw.h"
#include "uintr_sim.h"
#include "uintripc.h"

#define SIM_PAGE 4096
#define SIM_MAGIC 0x4d495355u          /* "USIM" */
#define SIM_NAME "uintr_fd (simulated)" /* /proc/self/fd links read "/memfd:uintr_fd (simulated) (deleted)" */
#define VECTOR_OFFSET_BASE SIM_PAGE    /* a uintr_fd's file offset: VECTOR_OFFSET_BASE + vector */
#define LOCK_BASE (1 << 20)            /* byte LOCK_BASE + v is read-locked by vector v's description */
#define UITT_SIZE 256                  /* UINTR_MAX_UITT_NR */
#define HANDLER_FLAGS_NEXT 0x3000      /* UINTR_HANDLER_FLAG_WAITING_ANY of the later tree */
#define WAIT_MAX_USEC 1000000000ULL    /* UINTR_WAIT_MAX_USEC of the later tree */
#define EFLAGS_TF 0x100

#define UPID_ON 0x1ULL
#define UPID_SN 0x2ULL
#define UPID_NV(ctrl) ((int)(((ctrl) >> 16) & 0xff))
#define UPID_NDST(ctrl) ((int)((ctrl) >> 32))

enum sim_abi { ABI_RFC_V1, ABI_NEXT };
enum sim_call { REGISTER_HANDLER, UNREGISTER_HANDLER, CREATE_FD, REGISTER_SENDER, UNREGISTER_SENDER, WAIT };

/* The shared page. The UPID is its first 16 bytes, 16-byte aligned for CMPXCHG16B. */
struct sim_page {
    union {
        struct {
            uint64_t ctrl; /* ON, SN, NV, NDST */
            uint64_t pir;
        };
        unsigned __int128 upid;
    };
    uint32_t magic;
    int32_t pid;
    uint32_t active;   /* cleared when the handler is unregistered or its thread exits */
    uint32_t reserved;
} __attribute__((aligned(64)));

struct sim_uitt_entry {
    uint32_t valid;
    uint32_t vector;
    struct sim_page *page; /* this process's own mapping of the receiver's page */
    uint64_t dev, ino;
};

struct sim_uitt {
    pthread_mutex_t lock;
    struct sim_uitt_entry entry[UITT_SIZE];
};

struct sim_thread {
    uipc_sim_handler handler; /* UINTR_HANDLER; NULL: not a receiver */
    struct sim_page *page;    /* UINTR_PD */
    int page_fd;              /* the modelled kernel's own reference to the page */
    uint64_t vectors;         /* vectors that have a uintr_fd */
    struct sim_uitt *uitt;    /* RFC v1: this thread's UITT */
    /* the injection hook */
    int inj_start, inj_armed, inj_step, inj_what, inj_count, inj_result;
    struct sigaction inj_old;
};

static __thread struct sim_thread *sim_self __attribute__((tls_model("initial-exec")));
static __thread uint32_t sim_uif __attribute__((tls_model("initial-exec")));
static __thread uint64_t sim_uirr __attribute__((tls_model("initial-exec")));

static struct sim_uitt *sim_process_uitt; /* the later tree's per-process UITT */
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t sim_key;
static pthread_once_t sim_key_once = PTHREAD_ONCE_INIT;
static int sim_notify_signo; /* 0 until installed */
static uint64_t sim_counter[5];

/* The wait window of uintr_hw.c (hidden symbols of the same library). */
extern const char uipc_uintr_wait_begin[];
extern const char uipc_uintr_wait_end[];

static void count(int i) { __atomic_add_fetch(&sim_counter[i], 1, __ATOMIC_RELAXED); }

/* --- The CPU ------------------------------------------------------------------------------- */

/* SENDUIPI's effect on the UPID: one locked 16-byte read-modify-write, then the notification. */
static void sim_post(struct sim_page *page, unsigned vector)
{
    unsigned __int128 old = page->upid, new;
    for (;;) {
        new = old | ((unsigned __int128)(1ULL << (vector & 63)) << 64);
        uint64_t ctrl = (uint64_t)old;
        int notify = (ctrl & (UPID_ON | UPID_SN)) == 0;
        if (notify)
            new |= UPID_ON;
        unsigned __int128 seen = __sync_val_compare_and_swap(&page->upid, old, new);
        if (seen == old) {
            if (notify) {
                int signo = UPID_NV(ctrl);
                /* The page is writable by every holder: only a real-time signal is ever sent. */
                if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
                    count(0);
                    syscall(SYS_tgkill, (long)page->pid, (long)UPID_NDST(ctrl), (long)signo);
                }
            }
            return;
        }
        old = seen;
    }
}

/* Delivers UIRR while UIF is set: highest vector first, UIF clear while the handler runs. */
static void sim_deliver(struct sim_thread *t, struct uipc_sim_frame *frame)
{
    for (;;) {
        if (__atomic_load_n(&sim_uif, __ATOMIC_RELAXED) == 0 || __atomic_load_n(&sim_uirr, __ATOMIC_RELAXED) == 0)
            return;
        __atomic_store_n(&sim_uif, 0, __ATOMIC_RELAXED);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        /* From here no signal on this thread delivers: it finds UIF clear. */
        uint64_t uirr = __atomic_load_n(&sim_uirr, __ATOMIC_RELAXED);
        uipc_sim_handler handler = t->handler;
        if (uirr != 0 && handler != NULL) {
            unsigned vector = 63 - (unsigned)__builtin_clzll(uirr);
            __atomic_and_fetch(&sim_uirr, ~(1ULL << vector), __ATOMIC_RELAXED);
            uint64_t rip = frame->rip;
            handler(frame, vector);
            count(2);
            if (frame->rip != rip)
                count(3);
        }
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        __atomic_store_n(&sim_uif, 1, __ATOMIC_RELAXED); /* UIRET */
    }
}

/* The notification: processed on the receiving thread, in its signal handler. */
static void sim_notification(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)info;
    struct sim_thread *t = sim_self;
    if (t == NULL || t->handler == NULL)
        return; /* a late notification after unregistering, or a reused thread id */
    count(1);
    __atomic_and_fetch(&t->page->ctrl, ~UPID_ON, __ATOMIC_SEQ_CST);
    uint64_t pir = __atomic_exchange_n(&t->page->pir, 0, __ATOMIC_SEQ_CST);
    if (pir == 0)
        count(4);
    __atomic_or_fetch(&sim_uirr, pir, __ATOMIC_RELAXED);
    ucontext_t *uc = context;
    struct uipc_sim_frame frame = {
        .rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP],
        .rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL],
        .rsp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP],
    };
    sim_deliver(t, &frame);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)frame.rip;
}

static void sim_gp_fault(uint64_t index)
{
    char message[128];
    int n = snprintf(message, sizeof message,
                     "uintr simulator: SENDUIPI %llu: not a valid UITT entry: #GP (SIGSEGV)\n",
                     (unsigned long long)index);
    if (n > 0 && write(STDERR_FILENO, message, (size_t)n) < 0) { }
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    abort();
}

void uipc_sim_senduipi(uint64_t index)
{
    struct sim_thread *t = sim_self;
    struct sim_uitt *uitt = t != NULL && t->uitt != NULL ? t->uitt : __atomic_load_n(&sim_process_uitt, __ATOMIC_ACQUIRE);
    if (uitt == NULL || index >= UITT_SIZE || !__atomic_load_n(&uitt->entry[index].valid, __ATOMIC_ACQUIRE))
        sim_gp_fault(index);
    sim_post(uitt->entry[index].page, uitt->entry[index].vector);
}

void uipc_sim_stui(void)
{
    __atomic_store_n(&sim_uif, 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    struct sim_thread *t = sim_self;
    if (t != NULL && t->handler != NULL) {
        /* Recognized right after STUI: the frame is the instruction that follows it. */
        struct uipc_sim_frame frame = { .rip = (uint64_t)(uintptr_t)__builtin_return_address(0) };
        sim_deliver(t, &frame);
    }
}

void uipc_sim_clui(void)
{
    __atomic_store_n(&sim_uif, 0, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

int uipc_sim_testui(void) { return (int)__atomic_load_n(&sim_uif, __ATOMIC_RELAXED); }

void uipc_sim_counters(uint64_t out[5])
{
    for (int i = 0; i < 5; i++)
        out[i] = __atomic_load_n(&sim_counter[i], __ATOMIC_RELAXED);
}

/* --- Thread state -------------------------------------------------------------------------- */

static void sim_release_receiver(struct sim_thread *t)
{
    struct sim_page *page = t->page;
    __atomic_or_fetch(&page->ctrl, UPID_SN, __ATOMIC_SEQ_CST); /* suppress notifications */
    __atomic_store_n(&page->active, 0, __ATOMIC_SEQ_CST);
    t->handler = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&sim_uirr, 0, __ATOMIC_RELAXED); /* MSR_IA32_UINTR_RR = 0 */
    t->page = NULL;
    t->vectors = 0;
    munmap(page, SIM_PAGE);
    close(t->page_fd);
    t->page_fd = -1;
}

static void sim_free_uitt(struct sim_uitt *uitt)
{
    for (int i = 0; i < UITT_SIZE; i++) {
        if (uitt->entry[i].valid)
            munmap(uitt->entry[i].page, SIM_PAGE);
    }
    pthread_mutex_destroy(&uitt->lock);
    free(uitt);
}

/* The thread exits: the kernel drops its registration and its (RFC v1) UITT. */
static void sim_thread_exit(void *value)
{
    struct sim_thread *t = value;
    sim_self = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (t->handler != NULL)
        sim_release_receiver(t);
    if (t->uitt != NULL)
        sim_free_uitt(t->uitt);
    free(t);
}

/*
 * fork: the RFC clears the child's user-interrupt state, so the child (the forking thread's
 * copy) is neither a receiver nor a sender until it registers. What is released here is the
 * child's own copies (mappings, the page descriptor); the parent's page is untouched. Inherited
 * uintr_fds keep their vectors, as the kernel's files do.
 */
static void sim_fork_child(void)
{
    struct sim_thread *t = sim_self;
    if (t != NULL) {
        if (t->handler != NULL) {
            t->handler = NULL;
            munmap(t->page, SIM_PAGE);
            close(t->page_fd);
            t->page = NULL;
            t->page_fd = -1;
            t->vectors = 0;
        }
        if (t->uitt != NULL) {
            sim_free_uitt(t->uitt);
            t->uitt = NULL;
        }
    }
    sim_uif = 0;
    sim_uirr = 0;
    if (sim_process_uitt != NULL) {
        sim_free_uitt(sim_process_uitt);
        sim_process_uitt = NULL;
    }
}

static void sim_make_key(void)
{
    pthread_key_create(&sim_key, sim_thread_exit);
    pthread_atfork(NULL, NULL, sim_fork_child);
}

static struct sim_thread *sim_thread_get(void)
{
    if (sim_self != NULL)
        return sim_self;
    pthread_once(&sim_key_once, sim_make_key);
    struct sim_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->page_fd = -1;
    if (pthread_setspecific(sim_key, t) != 0) {
        free(t);
        return NULL;
    }
    sim_self = t;
    return t;
}

static struct sim_uitt *sim_uitt_new(void)
{
    struct sim_uitt *uitt = calloc(1, sizeof *uitt);
    if (uitt != NULL)
        pthread_mutex_init(&uitt->lock, NULL);
    return uitt;
}

/* The notification vector: the highest real-time signal nobody handles. */
static int sim_install_notification(void)
{
    pthread_mutex_lock(&sim_lock);
    int signo = sim_notify_signo;
    if (signo == 0) {
        signo = -EBUSY;
        for (int s = SIGRTMAX; s > SIGRTMIN; s--) {
            struct sigaction old;
            if (sigaction(s, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL)
                continue;
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = sim_notification;
            sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
            sigemptyset(&sa.sa_mask);
            signo = sigaction(s, &sa, NULL) == 0 ? s : -errno;
            break;
        }
        if (signo > 0)
            sim_notify_signo = signo;
    }
    pthread_mutex_unlock(&sim_lock);
    return signo;
}

/* --- The kernel ---------------------------------------------------------------------------- */

static int sim_decode(long nr, enum sim_abi *abi)
{
    if (nr >= 449 && nr <= 454) {
        *abi = ABI_RFC_V1;
        return (int)(nr - 449);
    }
    if (nr >= 471 && nr <= 476) {
        *abi = ABI_NEXT;
        return (int)(nr - 471);
    }
    return -1;
}

static long sim_register_handler(enum sim_abi abi, long handler, long flags)
{
    if (abi == ABI_RFC_V1 ? flags != 0 : (flags & ~(long)HANDLER_FLAGS_NEXT) != 0)
        return -EINVAL;
    if (handler == 0)
        return -EFAULT;
    struct sim_thread *t = sim_thread_get();
    if (t == NULL)
        return -ENOMEM;
    if (t->handler != NULL)
        return -EBUSY;
    int signo = sim_install_notification();
    if (signo < 0)
        return signo;

    int fd = memfd_create(SIM_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    struct sim_page *page = MAP_FAILED;
    if (ftruncate(fd, SIM_PAGE) != 0
        || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0
        || (page = mmap(NULL, SIM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        int err = errno;
        close(fd);
        return -err;
    }
    page->magic = SIM_MAGIC;
    page->pid = getpid();
    page->active = 1;
    page->pir = 0;
    __atomic_store_n(&page->ctrl, ((uint64_t)(uint32_t)uipc_gettid() << 32) | ((uint64_t)signo << 16), __ATOMIC_SEQ_CST);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    t->page = page;
    t->page_fd = fd;
    t->vectors = 0;
    __atomic_store_n(&sim_uirr, 0, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t->handler = (uipc_sim_handler)handler;
    return 0;
}

static long sim_unregister_handler(long flags)
{
    if (flags != 0)
        return -EINVAL;
    struct sim_thread *t = sim_self;
    if (t == NULL || t->handler == NULL)
        return -EINVAL;
    sim_release_receiver(t);
    return 0;
}

/* Whether some description still holds vector v (its OFD read lock). */
static int sim_vector_referenced(int page_fd, unsigned vector)
{
    struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = LOCK_BASE + vector, .l_len = 1 };
    if (fcntl(page_fd, F_OFD_GETLK, &probe) != 0)
        return 1;
    return probe.l_type != F_UNLCK;
}

static long sim_create_fd(enum sim_abi abi, unsigned long vector, long flags)
{
    if (flags != 0)
        return -EINVAL;
    struct sim_thread *t = sim_self;
    if (t == NULL || t->handler == NULL)
        return -EINVAL;
    if (vector >= 64)
        return -ENOSPC;
    uint64_t bit = 1ULL << vector;
    if (abi == ABI_RFC_V1 && (t->vectors & bit) != 0) {
        if (sim_vector_referenced(t->page_fd, (unsigned)vector))
            return -EBUSY;
        /* Every reference closed: the release clears the vector, from the UPID too. */
        t->vectors &= ~bit;
        __atomic_and_fetch(&t->page->pir, ~bit, __ATOMIC_SEQ_CST);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", t->page_fd);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = LOCK_BASE + (off_t)vector, .l_len = 1 };
    if (lseek(fd, VECTOR_OFFSET_BASE + (off_t)vector, SEEK_SET) < 0 || fcntl(fd, F_OFD_SETLK, &lock) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    t->vectors |= bit;
    return fd;
}

/* Checks that fd is a simulated uintr_fd: its vector, and the page's identity. */
static long sim_identify(int fd, unsigned *vector, struct stat *st)
{
    if (fstat(fd, st) != 0)
        return -EBADF;
    uint32_t magic = 0;
    if (!S_ISREG(st->st_mode) || st->st_size != SIM_PAGE
        || pread(fd, &magic, sizeof magic, offsetof(struct sim_page, magic)) != (ssize_t)sizeof magic
        || magic != SIM_MAGIC)
        return -EOPNOTSUPP;
    off_t offset = lseek(fd, 0, SEEK_CUR);
    if (offset < VECTOR_OFFSET_BASE || offset >= VECTOR_OFFSET_BASE + 64)
        return -EOPNOTSUPP;
    *vector = (unsigned)(offset - VECTOR_OFFSET_BASE);
    return 0;
}

static struct sim_uitt *sim_sender_table(enum sim_abi abi, int create)
{
    if (abi == ABI_RFC_V1) {
        struct sim_thread *t = create ? sim_thread_get() : sim_self;
        if (t == NULL)
            return NULL;
        if (t->uitt == NULL && create)
            t->uitt = sim_uitt_new();
        return t->uitt;
    }
    pthread_mutex_lock(&sim_lock);
    if (sim_process_uitt == NULL && create)
        __atomic_store_n(&sim_process_uitt, sim_uitt_new(), __ATOMIC_RELEASE);
    struct sim_uitt *uitt = sim_process_uitt;
    pthread_mutex_unlock(&sim_lock);
    return uitt;
}

static long sim_register_sender(enum sim_abi abi, int fd, long flags)
{
    if (flags != 0)
        return -EINVAL;
    unsigned vector;
    struct stat st;
    long ret = sim_identify(fd, &vector, &st);
    if (ret < 0)
        return ret;
    /* A description of its own, so that the mapping does not hold the vector's lock. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int own = open(path, O_RDWR | O_CLOEXEC);
    if (own < 0)
        return -errno;
    struct sim_page *page = mmap(NULL, SIM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
    close(own);
    if (page == MAP_FAILED)
        return -ENOMEM;
    if (!__atomic_load_n(&page->active, __ATOMIC_SEQ_CST)) {
        munmap(page, SIM_PAGE);
        return -ESHUTDOWN;
    }
    struct sim_uitt *uitt = sim_sender_table(abi, 1);
    if (uitt == NULL) {
        munmap(page, SIM_PAGE);
        return -ENOMEM;
    }
    pthread_mutex_lock(&uitt->lock);
    int free_index = -1;
    ret = -ENOSPC;
    for (int i = 0; i < UITT_SIZE; i++) {
        struct sim_uitt_entry *e = &uitt->entry[i];
        if (!e->valid) {
            if (free_index < 0)
                free_index = i;
        } else if (abi == ABI_RFC_V1 && e->dev == st.st_dev && e->ino == st.st_ino && e->vector == vector) {
            ret = -EISCONN; /* this task already sends to this uintr_fd */
            free_index = -1;
            break;
        }
    }
    if (free_index >= 0) {
        struct sim_uitt_entry *e = &uitt->entry[free_index];
        e->vector = vector;
        e->page = page;
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        __atomic_store_n(&e->valid, 1, __ATOMIC_RELEASE);
        ret = free_index;
    }
    pthread_mutex_unlock(&uitt->lock);
    if (ret < 0)
        munmap(page, SIM_PAGE);
    return ret;
}

static long sim_unregister_sender(enum sim_abi abi, long arg, long flags)
{
    if (flags != 0)
        return -EINVAL;
    unsigned vector = 0;
    struct stat st;
    if (abi == ABI_RFC_V1) {
        long ret = sim_identify((int)arg, &vector, &st);
        if (ret < 0)
            return ret;
    }
    struct sim_uitt *uitt = sim_sender_table(abi, 0);
    if (uitt == NULL)
        return -EINVAL;
    pthread_mutex_lock(&uitt->lock);
    long ret = -EINVAL;
    for (int i = 0; i < UITT_SIZE; i++) {
        struct sim_uitt_entry *e = &uitt->entry[i];
        int match = abi == ABI_RFC_V1
            ? e->valid && e->dev == st.st_dev && e->ino == st.st_ino && e->vector == vector
            : e->valid && i == arg;
        if (match) {
            __atomic_store_n(&e->valid, 0, __ATOMIC_RELEASE); /* any later SENDUIPI: #GP */
            munmap(e->page, SIM_PAGE);
            e->page = NULL;
            ret = 0;
            break;
        }
    }
    pthread_mutex_unlock(&uitt->lock);
    return ret;
}

static void sim_inject_start(void);

long uipc_sim_wait_prepare(long nr, long *a1, long *a2, void *ts)
{
    enum sim_abi abi;
    if (sim_decode(nr, &abi) != WAIT)
        return -ENOSYS;
    struct sim_thread *t = sim_self;
    int receiver = t != NULL && t->handler != NULL;
    if (abi == ABI_RFC_V1) {
        if (!receiver)
            return -EOPNOTSUPP;
        if (*a1 != 0)
            return -EINVAL;
        *a1 = 0;
        *a2 = 0;
        sim_inject_start();
        return SYS_pause;
    }
    unsigned long long usec = (unsigned long long)*a1;
    if (*a2 != 0 || usec > WAIT_MAX_USEC)
        return -EINVAL;
    if (usec != 0 && !receiver)
        return -EOPNOTSUPP;
    struct timespec *sleep = ts;
    sleep->tv_sec = (time_t)(usec / 1000000);
    sleep->tv_nsec = (long)(usec % 1000000) * 1000;
    *a1 = (long)(uintptr_t)sleep;
    *a2 = 0;
    sim_inject_start();
    return SYS_nanosleep;
}

/*
 * uintr_wait called as a system call (RFC C programs, native/rfc-cc; the shim has its own
 * window): the kernel the RFC review of uintr_wait asks for, where vectors found pending after
 * the wake-up is armed abort the sleep. The notification signal is blocked while UIRR is
 * checked and ppoll unblocks it and sleeps in one step, so a post that lands in between ends the
 * sleep instead of being lost. UIRR holds vectors only while UIF is clear: a caller that checks
 * its condition with UIF set can still have the handler run between that check and this call,
 * and then sleeps until the next post, as on hardware (docs/PORTING.md).
 * Returns -EINTR (a notification or another signal ended it) or 0 (the time is up).
 */
static long sim_wait(const struct timespec *timeout)
{
    sigset_t notify, old;
    sigemptyset(&notify);
    sigaddset(&notify, sim_notify_signo);
    pthread_sigmask(SIG_BLOCK, &notify, &old);
    long ret = -EINTR;
    if (__atomic_load_n(&sim_uirr, __ATOMIC_RELAXED) == 0) {
        sigset_t during = old;
        sigdelset(&during, sim_notify_signo);
        ret = ppoll(NULL, 0, timeout, &during) < 0 ? -errno : 0;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ret;
}

long uipc_sim_syscall(long nr, long a1, long a2)
{
    enum sim_abi abi;
    long ret;
    switch (sim_decode(nr, &abi)) {
    case REGISTER_HANDLER: ret = sim_register_handler(abi, a1, a2); break;
    case UNREGISTER_HANDLER: ret = sim_unregister_handler(a1); break;
    case CREATE_FD: ret = sim_create_fd(abi, (unsigned long)a1, a2); break;
    case REGISTER_SENDER: ret = sim_register_sender(abi, (int)a1, a2); break;
    case UNREGISTER_SENDER: ret = sim_unregister_sender(abi, a1, a2); break;
    case WAIT: {
        struct timespec ts;
        long real = uipc_sim_wait_prepare(nr, &a1, &a2, &ts);
        ret = real < 0 ? real : sim_wait(real == SYS_pause ? NULL : &ts);
        break;
    }
    default: ret = -ENOSYS; break;
    }
    if (ret < 0) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

/* --- Injection by single-stepping ----------------------------------------------------------- */

static void sim_trap(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)info;
    ucontext_t *uc = context;
    greg_t *regs = uc->uc_mcontext.gregs;
    struct sim_thread *t = sim_self;
    if (t == NULL || !t->inj_armed) {
        regs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
        return;
    }
    uint64_t rip = (uint64_t)regs[REG_RIP];
    uint64_t begin = (uint64_t)(uintptr_t)uipc_uintr_wait_begin;
    uint64_t end = (uint64_t)(uintptr_t)uipc_uintr_wait_end;
    int at_syscall = rip == end - 2; /* the two-byte syscall instruction right before `end` */
    if (t->inj_count < t->inj_step && !at_syscall) {
        t->inj_count++;
        regs[REG_EFL] |= EFLAGS_TF;
        return;
    }
    /* Every signal is blocked in here: what the injection sends arrives at this instruction. */
    if (t->inj_what >= 0) {
        if (t->page != NULL)
            sim_post(t->page, (unsigned)t->inj_what);
    } else {
        struct uipc_uintr_receiver *r = uipc_uintr_current();
        if (r != NULL)
            uipc_uintr_interrupt(r);
    }
    t->inj_result = (int)(0x80000000u | (uint32_t)(t->inj_count & 0xffff)
                          | (rip >= begin && rip < end ? 1u << 16 : 0) | (at_syscall ? 1u << 17 : 0));
    t->inj_armed = 0;
    regs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
}

static void sim_inject_start(void)
{
    struct sim_thread *t = sim_self;
    if (t == NULL || !t->inj_start)
        return;
    t->inj_start = 0;
    t->inj_armed = 1;
    /* The trap handler sets TF in the context it returns to: single steps from here on. */
    syscall(SYS_tgkill, (long)getpid(), (long)uipc_gettid(), (long)SIGTRAP);
}

int uipc_sim_arm_injection(int step, int what)
{
    struct sim_thread *t = sim_self;
    if (t == NULL || t->handler == NULL)
        return -EINVAL;
    if (step < 0 || what < -1 || what > 63)
        return -EINVAL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sim_trap;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    if (sigaction(SIGTRAP, &sa, &t->inj_old) != 0)
        return -errno;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTRAP);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    t->inj_step = step;
    t->inj_what = what;
    t->inj_count = 0;
    t->inj_result = 0;
    t->inj_armed = 0;
    t->inj_start = 1;
    return 0;
}

int uipc_sim_fd_vector(int fd)
{
    unsigned vector;
    struct stat st;
    long r = sim_identify(fd, &vector, &st);
    return r < 0 ? (int)r : (int)vector;
}

int uipc_sim_injection_result(void)
{
    struct sim_thread *t = sim_self;
    if (t == NULL)
        return -EINVAL;
    int result = t->inj_result;
    int was_armed = t->inj_start || t->inj_armed || result != 0;
    t->inj_start = 0;
    t->inj_armed = 0;
    t->inj_result = 0;
    if (was_armed)
        sigaction(SIGTRAP, &t->inj_old, NULL);
    return result;
}

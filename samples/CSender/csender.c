/*
 * csender: a UintrIpc sender in plain C, written from docs/ABI.md alone.
 *
 *   csender <socket-path> [count | until-gone | crash-after-s4 | crash-after-on]
 *
 * Connects to the Unix stream socket at <socket-path>, receives one uintr fd message
 * (ABI section 10), checks and maps the vector page (section 1.1), and then:
 *   count           posts its vector <count> times (section 4; default 1) and exits 0;
 *   until-gone      posts once a millisecond until the receiver closes the vector or dies;
 *   crash-after-s4  runs S1-S4 of one send (the post) and kills itself with SIGKILL;
 *   crash-after-on  runs S1-S5 and S7's CAS of ON, and kills itself before the FUTEX_WAKE.
 * Exit status 3: the receiver closed the vector (ECONNRESET); 4: the receiver's process
 * died (ESHUTDOWN, seen in the page's owner word, section 2.3); anything else non-zero is an
 * error. The crash modes exist to show that a sender dying in the middle of a send cannot
 * stall the vector for the senders after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/* Section 2: layout. */
#define PAGE_SIZE_BYTES 4096
#define UINTR_MAGIC 0x43504952544E4955ull /* "UINTRIPC" */
#define UINTR_VERSION 2u
#define ST_ON (1u << 0)
#define ST_SN (1u << 1)
#define ST_CL (1u << 2)
#define OWNER_DIED 0x40000000u /* FUTEX_OWNER_DIED, set by the kernel in `owner` */

/* The header, in cache line 0 at offset 16. */
struct page_header {
    uint64_t magic;
    uint32_t version;
    uint32_t vector;
    uint32_t receiver_pid;
    uint32_t upid_offset; /* 64 * vector: the UPID is in cache line `vector` */
    uint64_t receiver_id;
};

/* The UPID at upid_offset, and the owner word in the same cache line (upid + 48). */
struct upid {
    uint32_t status;
    uint32_t ndst;
    uint64_t pir;
    uint8_t reserved[32];
    uint32_t owner;
};

_Static_assert(offsetof(struct upid, owner) == 48, "ABI section 2: owner is at upid + 48");

/* Section 10: the fd header. */
#define FD_MAGIC 0x44464955u /* "UIFD" */
#define FD_KIND_FUTEX_PAGE 1

struct fd_header {
    uint32_t magic;
    uint16_t version;
    uint16_t kind;
    uint32_t vector;
    uint32_t reserved;
};

static int die(const char *what)
{
    fprintf(stderr, "csender: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int receive_fd(int sock, struct fd_header *header)
{
    union {
        char buffer[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = header, .iov_len = sizeof *header };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        die("recvmsg");
    int fd = -1, count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int *fds = (int *)CMSG_DATA(c);
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++, count++) {
            if (fd < 0)
                fd = fds[i];
            else
                close(fds[i]);
        }
    }
    /* The descriptor comes with the first byte; the rest of the header may follow. */
    for (size_t got = (size_t)n; n > 0 && got < sizeof *header; got += (size_t)n)
        n = recv(sock, (char *)header + got, sizeof *header - got, 0);
    if (count != 1 || (msg.msg_flags & MSG_CTRUNC) || n <= 0 || header->magic != FD_MAGIC ||
        header->version != 1 || header->kind != FD_KIND_FUTEX_PAGE) {
        fprintf(stderr, "csender: not a uintr fd message\n");
        exit(2);
    }
    return fd;
}

enum crash { CRASH_NONE, CRASH_AFTER_S4, CRASH_AFTER_ON };

static void crash(void)
{
    fflush(stdout);
    kill(getpid(), SIGKILL);
    pause();
}

/* Section 4, S1-S8. Returns 0, -ECONNRESET (vector closed) or -ESHUTDOWN (receiver died). */
static int send_uipi(struct upid *p, uint32_t vector, enum crash at)
{
    uint64_t bit = (uint64_t)1 << vector;
    uint32_t s = __atomic_load_n(&p->status, __ATOMIC_RELAXED);        /* S1 */
    uint32_t o = __atomic_load_n(&p->owner, __ATOMIC_RELAXED);
    if (s & ST_CL)                                                      /* S2 */
        return -ECONNRESET;
    if (o & OWNER_DIED)
        return -ESHUTDOWN;
    if ((__atomic_load_n(&p->pir, __ATOMIC_RELAXED) & bit) == 0)        /* S3 */
        __atomic_fetch_or(&p->pir, bit, __ATOMIC_SEQ_CST);              /* S4 */
    if (at == CRASH_AFTER_S4)
        crash();
    s = __atomic_load_n(&p->status, __ATOMIC_SEQ_CST);                  /* S5 */
    if (s & ST_SN)                                                      /* S6 */
        return (s & ST_CL) ? -ECONNRESET : 0;
    if (s & ST_CL)
        return -ECONNRESET;
    if ((s & ST_ON) == 0)                                               /* S7 */
        __atomic_compare_exchange_n(&p->status, &s, s | ST_ON, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    if (at == CRASH_AFTER_ON)
        crash();
    syscall(SYS_futex, &p->status, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    return 0;                                                           /* S8 */
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: csender <socket-path> [count]\n");
        return 2;
    }
    const char *mode = argc == 3 ? argv[2] : "1";
    enum crash at = CRASH_NONE;
    int until_gone = strcmp(mode, "until-gone") == 0;
    long count = 1;
    if (strcmp(mode, "crash-after-s4") == 0)
        at = CRASH_AFTER_S4;
    else if (strcmp(mode, "crash-after-on") == 0)
        at = CRASH_AFTER_ON;
    else if (!until_gone)
        count = strtol(mode, NULL, 10);

    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        die("socket");
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
        die("connect");

    struct fd_header header;
    int fd = receive_fd(sock, &header);

    /* Section 1.1: a sealed, 4096-byte page with our magic, version and a vector < 64. */
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    int seals = fcntl(fd, F_GET_SEALS);
    int needed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    if (!S_ISREG(st.st_mode) || st.st_size != PAGE_SIZE_BYTES || seals < 0 || (seals & needed) != needed) {
        fprintf(stderr, "csender: the descriptor is not a sealed vector page\n");
        return 2;
    }
    char *page = mmap(NULL, PAGE_SIZE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED)
        die("mmap");
    const struct page_header *header_fields = (const struct page_header *)(page + 16);
    uint32_t vector = header_fields->vector;
    if (header_fields->magic != UINTR_MAGIC || header_fields->version != UINTR_VERSION || vector >= 64 ||
        header_fields->upid_offset != 64 * vector) {
        fprintf(stderr, "csender: the page is not a version-2 UintrIpc page\n");
        return 2;
    }
    struct upid *upid = (struct upid *)(page + header_fields->upid_offset);

    if (at != CRASH_NONE) {
        printf("csender: crashing in the middle of a send of vector %u\n", vector);
        send_uipi(upid, vector, at);
        return 2; /* not reached */
    }
    for (long i = 0; until_gone || i < count; i++) {
        int r = send_uipi(upid, vector, CRASH_NONE);
        if (r == -ECONNRESET) {
            printf("csender: vector %u was closed by its receiver after %ld posts\n", vector, i);
            return 3;
        }
        if (r == -ESHUTDOWN) {
            printf("csender: the receiver of vector %u died (seen in the page after %ld posts)\n", vector, i);
            return 4;
        }
        if (until_gone) {
            struct timespec millisecond = { 0, 1000000 };
            nanosleep(&millisecond, NULL);
        }
    }
    printf("csender: posted vector %u %ld times to receiver pid %u\n", vector, count, header_fields->receiver_pid);
    munmap(page, PAGE_SIZE_BYTES);
    close(fd);
    close(sock);
    return 0;
}

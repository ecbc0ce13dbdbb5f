/*
 * csender: a UintrIpc sender in plain C, written from docs/ABI.md alone.
 *
 *   csender <socket-path> [count]
 *
 * Connects to the Unix stream socket at <socket-path>, receives one uintr fd message
 * (ABI section 10), checks and maps the vector page (sections 1, 2), posts its vector
 * <count> times (section 4) and exits 0. Exit status 3 means the receiver closed the vector
 * (ECONNRESET); anything else non-zero is an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* Section 2: layout. */
#define PAGE_SIZE_BYTES 4096
#define UINTR_MAGIC 0x43504952544E4955ull /* "UINTRIPC" */
#define UINTR_VERSION 1u
#define ST_ON (1u << 0)
#define ST_SN (1u << 1)
#define ST_CL (1u << 2)

/* The header, in cache line 0 at offset 16. */
struct page_header {
    uint64_t magic;
    uint32_t version;
    uint32_t vector;
    uint32_t receiver_pid;
    uint32_t upid_offset; /* 64 * vector: the UPID is in cache line `vector` */
    uint64_t receiver_id;
};

/* The UPID, at upid_offset. */
struct upid {
    uint32_t status;
    uint32_t ndst;
    uint64_t pir;
};

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

/* Section 4, S1-S8. Returns 0, or -ECONNRESET when the receiver has closed the vector. */
static int send_uipi(struct upid *p, uint32_t vector)
{
    uint64_t bit = 1ull << vector;
    uint32_t s = __atomic_load_n(&p->status, __ATOMIC_RELAXED);        /* S1 */
    if (s & ST_CL)                                                      /* S2 */
        return -ECONNRESET;
    if (__atomic_load_n(&p->pir, __ATOMIC_RELAXED) & bit)               /* S3 */
        return 0;
    __atomic_fetch_or(&p->pir, bit, __ATOMIC_SEQ_CST);                  /* S4 */
    s = __atomic_load_n(&p->status, __ATOMIC_SEQ_CST);                  /* S5 */
    if (s & ST_CL)                                                      /* S6 */
        return -ECONNRESET;
    if ((s & (ST_ON | ST_SN | ST_CL)) == 0 &&                           /* S7 */
        __atomic_compare_exchange_n(&p->status, &s, s | ST_ON, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        syscall(SYS_futex, &p->status, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    return 0;                                                           /* S8 */
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: csender <socket-path> [count]\n");
        return 2;
    }
    long count = argc == 3 ? strtol(argv[2], NULL, 10) : 1;

    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        die("socket");
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
        die("connect");

    struct fd_header header;
    int fd = receive_fd(sock, &header);

    /* Sections 1 and 4: a sealed, 4096-byte page with our magic, version and a vector < 64. */
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
        fprintf(stderr, "csender: the page is not a version-1 UintrIpc page\n");
        return 2;
    }
    struct upid *upid = (struct upid *)(page + header_fields->upid_offset);

    for (long i = 0; i < count; i++) {
        if (send_uipi(upid, vector) < 0) {
            fprintf(stderr, "csender: vector %u was closed by its receiver\n", vector);
            return 3;
        }
    }
    printf("csender: posted vector %u %ld times to receiver pid %u\n", vector, count, header_fields->receiver_pid);
    munmap(page, PAGE_SIZE_BYTES);
    close(fd);
    close(sock);
    return 0;
}

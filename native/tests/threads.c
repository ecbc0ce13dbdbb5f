/*
 * Between two threads: the handler runs on the receiving thread with the vector it was posted
 * (and the interrupted context as its frame), and a post wakes a receiver blocked in uintr_wait.
 */
#define TEST_NAME "threads"
#include "rfc_test.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>

static volatile unsigned long long calls;
static volatile unsigned long long last_vector;
static volatile unsigned long long last_rip;
static volatile pid_t handler_tid;
static volatile int phase;
static int fd3, fd40;
static pid_t receiver_tid;

void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector)
{
    last_vector = vector;
    last_rip = frame->rip;
    handler_tid = gettid();
    calls++;
}

/* The receiver's scheduler state from /proc: 'S' while it sleeps in uintr_wait. */
static char state_of(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open %s", path);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK(n > 0, "read %s", path);
    buf[n] = 0;
    char *end = strrchr(buf, ')');
    CHECK(end != NULL && end[1] == ' ', "stat format");
    return end[2];
}

static void post_when_asleep(int index)
{
    while (state_of(receiver_tid) != 'S')
        sched_yield();
    _senduipi(index);
}

static void *sender(void *arg)
{
    (void)arg;
    int index3 = uintr_register_sender(fd3, 0);
    int index40 = uintr_register_sender(fd40, 0);
    CHECK(index3 >= 0 && index40 >= 0, "register_sender: %d %d", index3, index40);
    CHECK(index3 != index40, "two senders got one index %d", index3);
    post_when_asleep(index40);
    while (phase != 1)
        sched_yield();
    post_when_asleep(index3);
    CHECK(uintr_unregister_sender(fd3, 0) == 0, "unregister_sender");
    CHECK(uintr_unregister_sender(fd40, 0) == 0, "unregister_sender");
    return NULL;
}

int main(void)
{
    receiver_tid = gettid();
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler");
    fd3 = (int)uintr_create_fd(3, 0);
    fd40 = (int)uintr_create_fd(40, 0);
    CHECK(fd3 >= 0 && fd40 >= 0, "create_fd: %d %d", fd3, fd40);
    _stui();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sender, NULL) == 0, "pthread_create");

    wait_past(&calls, 0);
    CHECK(calls == 1 && last_vector == 40, "calls %llu, vector %llu", calls, last_vector);
    CHECK(handler_tid == receiver_tid, "the handler ran on thread %d, not the receiver %d", handler_tid, receiver_tid);
    CHECK(last_rip != 0, "the frame has no RIP");
    phase = 1;
    wait_past(&calls, 1);
    CHECK(calls == 2 && last_vector == 3, "calls %llu, vector %llu", calls, last_vector);

    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    close(fd3);
    close(fd40);
    CHECK(uintr_unregister_handler(0) == 0, "unregister_handler");
    pass();
    return 0;
}

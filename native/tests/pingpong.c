/*
 * Two threads ping-pong through _senduipi and uintr_wait, each waiting the race-free way
 * (rfc_test.h, docs/PORTING.md): ROUNDS round trips with no lost wake-up. A lost one hangs,
 * and the runner's timeout fails the program.
 */
#define TEST_NAME "pingpong"
#include "rfc_test.h"
#include <pthread.h>

#define ROUNDS 100000ULL

static __thread volatile unsigned long long received; /* this thread's handler calls */
static int ping_fd, pong_fd; /* vector 1 on the main thread, vector 2 on the other */
static volatile int pong_ready;

void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector)
{
    (void)frame;
    (void)vector;
    received++;
}

static void *pong(void *arg)
{
    (void)arg;
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler (pong)");
    pong_fd = (int)uintr_create_fd(2, 0);
    CHECK(pong_fd >= 0, "create_fd (pong)");
    _stui();
    int to_ping = (int)uintr_register_sender(ping_fd, 0);
    CHECK(to_ping >= 0, "register_sender (pong)");
    __atomic_store_n(&pong_ready, 1, __ATOMIC_RELEASE);
    for (unsigned long long i = 0; i < ROUNDS; i++) {
        wait_past(&received, i);
        _senduipi(to_ping);
    }
    return NULL;
}

int main(void)
{
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler (ping)");
    ping_fd = (int)uintr_create_fd(1, 0);
    CHECK(ping_fd >= 0, "create_fd (ping)");
    _stui();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, pong, NULL) == 0, "pthread_create");
    while (!__atomic_load_n(&pong_ready, __ATOMIC_ACQUIRE))
        sched_yield();
    int to_pong = (int)uintr_register_sender(pong_fd, 0);
    CHECK(to_pong >= 0, "register_sender (ping)");
    for (unsigned long long i = 0; i < ROUNDS; i++) {
        _senduipi(to_pong);
        wait_past(&received, i);
    }
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(received == ROUNDS, "%llu replies for %llu pings", received, ROUNDS);
    printf("%llu round trips\n", ROUNDS);
    pass();
    return 0;
}

/*
 * What UIF does: posts made while it is clear stay pending, coalesce per vector, make
 * uintr_wait return at once, and _stui delivers them, highest vector first, one call each.
 */
#define TEST_NAME "pending"
#include "rfc_test.h"
#include <pthread.h>

static volatile unsigned long long calls;
static unsigned long long order[16];
static int fds[3];
static const unsigned vectors[3] = { 5, 9, 20 };

void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector)
{
    (void)frame;
    if (calls < 16)
        order[calls] = vector;
    calls++;
}

static void *sender(void *arg)
{
    (void)arg;
    int index[3];
    for (int i = 0; i < 3; i++) {
        index[i] = (int)uintr_register_sender(fds[i], 0);
        CHECK(index[i] >= 0, "register_sender %u", vectors[i]);
    }
    /* vector 5 three times, 20, 9, 5 again: three vectors pending */
    _senduipi(index[0]);
    _senduipi(index[0]);
    _senduipi(index[0]);
    _senduipi(index[2]);
    _senduipi(index[1]);
    _senduipi(index[0]);
    return NULL;
}

int main(void)
{
    CHECK(uintr_register_handler(handler, 0) == 0, "register_handler");
    CHECK(_testui() == 0, "UIF is set before the first _stui");
    for (int i = 0; i < 3; i++) {
        fds[i] = (int)uintr_create_fd(vectors[i], 0);
        CHECK(fds[i] >= 0, "create_fd %u", vectors[i]);
    }

    /* From another thread, while UIF is clear. */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sender, NULL) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(calls == 0, "%llu handler calls while UIF was clear", calls);
    long r = uintr_wait(0); /* something is pending: returns at once */
    CHECK(r == -1 && errno == EINTR, "uintr_wait with vectors pending returned %ld", r);
    CHECK(calls == 0, "%llu handler calls while UIF was clear", calls);
    _stui();
    CHECK(_testui() == 1, "UIF is clear after _stui");
    CHECK(calls == 3, "%llu handler calls for three pending vectors", calls);
    CHECK(order[0] == 20 && order[1] == 9 && order[2] == 5, "delivered %llu, %llu, %llu", order[0], order[1], order[2]);

    /* From this thread to itself: the post is recognized at once and waits for _stui. */
    int self = (int)uintr_register_sender(fds[1], 0);
    CHECK(self >= 0, "register_sender to itself");
    _clui();
    _senduipi(self);
    _senduipi(self);
    CHECK(calls == 3, "a post delivered while UIF was clear");
    _stui();
    CHECK(calls == 4 && order[3] == 9, "calls %llu, last vector %llu", calls, order[3]);
    _senduipi(self); /* UIF set: delivered before the next instruction */
    CHECK(calls == 5 && order[4] == 9, "calls %llu after a post with UIF set", calls);

    pass();
    return 0;
}

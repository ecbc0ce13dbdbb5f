/*
 * pipe.pml -- Promela model of the UintrPipe ring's data/space handshake, docs/PIPE.md
 * sections 4-6, on top of the doorbell of docs/ABI.md sections 4-5. Checked by
 * docs/model/check.sh (the pipe_* checks); see README.md.
 *
 * Processes
 *   producer   writes NMSG one-byte messages into a ring of RING slots: F1..F3 (wait for
 *              space), P1..P3 (publish, post "data"), then K1..K2 (complete, post "data").
 *   consumer   reads until the producer completed and the ring is empty: C1..C3 (look,
 *              wait for "data"), A1..A2 (advance, post "space" if wanted).
 *   flusher    only with BROKEN_PLAIN_PUBLISH: the producer's store buffer (x86-TSO).
 *
 * Each doorbell is one vector page of ABI.md with one sender and one receiver thread:
 * SENDUIPI S3..S7 of ABI version 2 (S3 taken or not, nondeterministically) and Wait W1, W4..W10, looping
 * until it collects a post, exactly as Wait with an infinite timeout returns only after a
 * handler ran. Spinning (W2) and the private wake word are left out: they only add ways
 * of collecting a post early.
 *
 * Memory model: sequential consistency, one step per shared-memory access, except under
 * BROKEN_PLAIN_PUBLISH, which lets P2's store wait in a store buffer past the S3 load
 * (what x86 does to a plain store followed by a load of another address).
 *
 * Properties: every message arrives once and in order (assertions in the consumer); no
 * lost wake-up (a consumer or producer asleep for ever is an invalid end state: every
 * sleep here must end); the consumer sees completion only after all data.
 *
 * Deliberately broken variants (spin must find an error in each):
 *   BROKEN_PLAIN_PUBLISH  P2 is a plain store (not seq_cst): S3's coalescing load passes it
 *   BROKEN_NO_F3          the producer sleeps without re-reading head after setting wanted
 *   BROKEN_A_LOAD_FIRST   the consumer reads wanted before it publishes head
 *   BROKEN_NO_K2          the producer completes without posting "data"
 *   BROKEN_NO_SPACE_POST  the consumer takes "wanted" (A2) but posts no "space"
 */

#ifndef RING
#define RING 2          /* slots in the ring */
#endif
#ifndef NMSG
#define NMSG 4          /* messages the producer writes */
#endif
#ifndef REACH
#define REACH 0
#endif
#define REACHED(n, cond) assert(!(REACH == (n) && (cond)))
/* vacuity: 1 the producer sleeps for space; 2 the consumer sleeps for data;
   3 S3 coalesces a data post; 4 A2 sends a space post; 5 F3 finds space after setting wanted */

#define DATA    0       /* doorbell posted by the producer, waited on by the consumer */
#define SPACE   1       /* doorbell posted by the consumer, waited on by the producer */

#define ON      1
#define SN      2
#define NVKERN  4
#define RUNNING SN
#define BLOCKED NVKERN

/* ---- the doorbells' vector pages (ABI.md) ---- */
byte status[2] = RUNNING;
bool pir[2];
bool asleep[2];             /* the doorbell's receiver thread sleeps in futex_wait */

/* ---- the ring's shared header (PIPE.md section 2) and data area ---- */
byte tail;                  /* producer position */
byte head;                  /* consumer position */
bool wanted;                /* space_wanted */
bool completed;             /* producer state COMPLETED */
byte slot[RING];
byte cseen;                 /* ghost: the producer position the consumer read last */

#ifdef BROKEN_PLAIN_PUBLISH
byte sbTail;                /* the producer's store buffer: one pending store to tail */
bool sbFull;
#endif

/* SENDUIPI to doorbell d, ABI.md section 4, version 2 (S1, S2: the page is never closed and
   its owner never dies here): S3 skips only the post when the bit is already pending; a
   sender that finds the receiver blocked always wakes it itself. */
inline post(d)
{
    if
    :: atomic { pir[d] -> REACHED(3, d == DATA) }   /* S3: already pending: no S4 */
    :: true ->
#ifdef BROKEN_PLAIN_PUBLISH
        atomic { !sbFull };                         /* S4 is locked: drains the buffer */
#endif
        pir[d] = true                               /* S4 fetch_or */
    fi;
    s = status[d];                                  /* S5 */
    if                                              /* S6-S7 */
    :: (s & SN) == 0 ->
        atomic {
            if
            :: status[d] == s && (s & ON) == 0 -> status[d] = s | ON
            :: else -> skip                         /* the CAS's result does not matter */
            fi
        };
        asleep[d] = false                           /* FUTEX_WAKE */
    :: else -> skip
    fi;
    s = 0
}

/* Wait(infinite) on doorbell d, ABI.md section 5: returns once it collected a post. */
inline wait(d)
{
    do
    :: atomic { got = pir[d]; pir[d] = false };     /* W1 collect */
        if :: got -> break :: else -> skip fi;
        status[d] = BLOCKED;                        /* W4 */
        atomic { got = pir[d]; pir[d] = false };    /* W5 collect */
        if
        :: !got ->
            atomic {                                /* W7 futex_wait(status == BLOCKED) */
                if
                :: status[d] == BLOCKED -> asleep[d] = true;
                    REACHED(1, d == SPACE); REACHED(2, d == DATA)
                :: else -> skip
                fi
            };
            !asleep[d]                              /* W8: woken */
        :: else -> skip
        fi;
        status[d] = RUNNING;                        /* W9 */
        atomic { got = got || pir[d]; pir[d] = false };  /* W10 */
        if :: got -> break :: else -> skip fi       /* W11: spurious, again */
    od;
    got = false
}

active proctype producer()
{
    byte t, h, n, s;
    bool got;

    do
    :: n < NMSG ->
F1:     h = head;                                   /* F1 room for one byte? */
        if
        :: t - h < RING -> goto write
        :: else -> skip
        fi;
        wanted = true;                              /* F2 exchange(wanted, 1) */
#ifndef BROKEN_NO_F3
        h = head;                                   /* F3 look again */
        if
        :: t - h < RING -> REACHED(5, true); goto write
        :: else -> skip
        fi;
#endif
        wait(SPACE);                                /* F4 */
        goto F1;
write:  slot[t % RING] = n;                         /* P1 */
#ifdef BROKEN_PLAIN_PUBLISH
        atomic { !sbFull -> sbTail = t + 1; sbFull = true };   /* P2 as a plain store */
#else
        tail = t + 1;                               /* P2 exchange(tail, t + 1) */
#endif
        t++;
        n++;
        post(DATA);                                 /* P3 */
        /* no_lost_wakeup: once P3 returned, a consumer asleep on "data" has a post to
           collect or has seen this message */
        assert(!(asleep[DATA] && !pir[DATA] && cseen < t))
    :: else -> break
    od;
#ifdef BROKEN_PLAIN_PUBLISH
    atomic { !sbFull };
#endif
    completed = true;                               /* K1 exchange(state, COMPLETED) */
#ifndef BROKEN_NO_K2
    post(DATA)                                      /* K2 */
#endif
}

#ifdef BROKEN_PLAIN_PUBLISH
active proctype flusher()
{
end:
    do
    :: atomic { sbFull -> tail = sbTail; sbFull = false }
    od
}
#endif

active proctype consumer()
{
    byte h, t, s, expect;
    bool got, done, w;

    do
    :: done -> break
    :: else ->
        done = completed;                           /* C1 state first ... */
        t = tail;                                   /* C2 ... then the position */
        cseen = t;
        assert(t - h <= RING);                      /* never more than the ring ahead */
        if
        :: t != h ->
            do                                      /* read 1 .. t - h bytes (one AdvanceTo) */
            :: assert(slot[h % RING] == expect);    /* every byte once, in order */
                expect++;
                h++;
                if :: h == t -> break :: h != t -> skip :: h != t -> break fi
            od;
            done = false;
#ifdef BROKEN_A_LOAD_FIRST
            w = wanted;                             /* BROKEN: wanted read before A1 */
            head = h;
#else
            head = h;                               /* A1 exchange(head, h) */
            w = wanted;                             /* A2 */
#endif
            if
            :: w -> atomic { w = wanted; wanted = false };
#ifdef BROKEN_NO_SPACE_POST
                skip                                /* BROKEN: wanted taken, no post */
#else
                if :: w -> REACHED(4, true); post(SPACE) :: else -> skip fi
#endif
            :: else -> skip
            fi;
            w = false
        :: else ->
            if
            :: done -> skip                         /* completed and empty: end of stream */
            :: else -> wait(DATA)                   /* C3 */
            fi
        fi
    od;
    assert(expect == NMSG)                          /* completion only after all data */
}

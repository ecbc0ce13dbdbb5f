/*
 * channel.pml -- Promela model of the UintrChannel record protocol, docs/CHANNEL.md
 * sections 3-6: the claim lock on `tail`, the guard, commit, padding at the wrap, the
 * consumer polling the record word at its own position, the skip of a dead producer's
 * claim and the recovery of a dead producer's lock. Checked by docs/model/check.sh (the
 * channel_* checks); see README.md.
 *
 * Processes
 *   producer(1), producer(2)  each commits NMSG messages, one record of REC words each
 *              (a header word and REC-1 payload words), M1..M6, K1, with padding (W) where
 *              a record would cross the end of the ring, and R1..R3 when the lock's holder
 *              is dead. With MAXCRASH=1 one producer may be killed between any two steps.
 *   consumer   C1..C2 and the skip, until every producer ended and the word at its
 *              position stays EMPTY; it releases (A1) after every record.
 *
 * The ring is RING words (a word stands for 64 bytes: positions count words). The doorbells
 * are the pipe's (pipe.pml checks that handshake); here every wait is a blocking guard on
 * the shared state it waits for, which is what a wait that cannot lose a wake-up gives.
 * Memory model: sequential consistency, one step per shared access (x86-TSO keeps the order
 * of stores and of loads; the store->load pairs are full barriers in CHANNEL.md).
 *
 * Properties (assertions): every committed message is delivered exactly once, in its
 * producer's order, with the payload its producer wrote; the consumer ends only after every
 * committed message; no invalid end state (nobody waits for ever).
 *
 * Deliberately broken variants (spin must find an error in each):
 *   BROKEN_COMMIT_FIRST  K1 before the payload is written
 *   BROKEN_SKIP_LIVE     the consumer skips a CLAIMED word without looking at the owner
 *   BROKEN_SKIP_NO_RELOAD  the consumer skips on the CLAIMED word it read before it saw the
 *                        death, without reading it again (the producer committed meanwhile)
 *   BROKEN_GUARD_LATE    M5 (the record word) before M4 (the guard)
 *   BROKEN_NO_GUARD      no guard at all: the consumer meets last lap's words
 *   BROKEN_NO_RECOVER    a producer waits for a dead holder's lock instead of recovering it
 *   BROKEN_RECOVER_LIVE  a producer takes the lock from a holder that lives
 */

#ifndef RING
#define RING 5          /* words in the ring: 5 with REC 2 wraps with padding */
#endif
#ifndef REC
#define REC 2           /* words per record: one record word, REC-1 payload words */
#endif
#ifndef NMSG
#define NMSG 2          /* messages per producer */
#endif
#ifndef MAXCRASH
#define MAXCRASH 0
#endif
#ifndef REACH
#define REACH 0
#endif
#define REACHED(n, cond) assert(!(REACH == (n) && (cond)))
/* vacuity: 1 the consumer skips a dead producer's claim; 2 R2 finds a dead holder's CLAIMED
   word; 3 R2 finds EMPTY; 4 the consumer passes padding; 5 a producer waits for space */

/* record word: kind * 16 + slot * 8 + length (length in words, < 8) */
#define EMPTY     0
#define CLAIMED   1
#define COMMITTED 2
#define PADDING   3
#define WORD(k, s, l) ((k) * 16 + (s) * 8 + (l))
#define KIND(w)   ((w) / 16)
#define SLOT(w)   (((w) / 8) % 2)
#define LEN(w)    ((w) % 8)

byte data[RING];            /* record words and payload words */
byte tpos;                  /* tail's position */
byte tlock;                 /* tail's lock: 0 free, s + 1 held by producer slot s */
byte head;
bool dead[2];               /* the owner words (OWNER_DIED) */
bool ended[2];              /* slot state COMPLETED */
byte committed[2];          /* ghost: messages committed by each producer */
byte crashes;

/* A payload word: who wrote it and which message. Never 0 (a fresh ring is all zeros). */
#define PAY(s, n) (32 + (s) * 8 + (n))

#define AT(p) data[(p) % RING]

/* a kill -9 between two steps */
#define CRASH \
    if \
    :: atomic { crashes < MAXCRASH -> crashes++; dead[me] = true }; goto gone \
    :: true -> skip \
    fi

proctype producer(byte me)
{
    byte n, t, h, o, rec, k, w, e;
    bool pad;

    do
    :: n == NMSG -> break
    :: else ->
M1:     atomic { t = tpos; k = tlock };
        if
        :: k != 0 ->
#ifdef BROKEN_RECOVER_LIVE
            if :: true -> goto R1 :: dead[k - 1] -> goto R1 fi;
#else
            if
            :: dead[k - 1] ->
#ifdef BROKEN_NO_RECOVER
                (false);
#endif
                goto R1
            :: else -> (tlock != k || tpos != t || dead[k - 1])   /* spin until it moves */
            fi;
#endif
            goto M1
        :: else -> skip
        fi;
        o = t % RING;
        if
        :: o + REC > RING -> pad = true; rec = RING - o
        :: else -> pad = false; rec = REC
        fi;
        h = head;                                     /* M2 */
        if
        :: t + rec + 1 > h + RING -> REACHED(5, true); (head != h || tpos != t || tlock != 0); goto M1
        :: else -> skip
        fi;
        CRASH;
        atomic {                                      /* M3 compare_exchange(tail) */
            if
            :: tpos == t && tlock == 0 -> tlock = me + 1
            :: else -> goto M1
            fi
        };
        CRASH;
#if defined(BROKEN_GUARD_LATE)
        if :: pad -> AT(t) = WORD(PADDING, 0, rec) :: else -> AT(t) = WORD(CLAIMED, me, rec) fi;
        CRASH;
        AT(t + rec) = EMPTY;
#elif defined(BROKEN_NO_GUARD)
        if :: pad -> AT(t) = WORD(PADDING, 0, rec) :: else -> AT(t) = WORD(CLAIMED, me, rec) fi;
#else
        AT(t + rec) = EMPTY;                          /* M4 the guard */
        CRASH;
        if :: pad -> AT(t) = WORD(PADDING, 0, rec) :: else -> AT(t) = WORD(CLAIMED, me, rec) fi;  /* M5 */
#endif
        CRASH;
        atomic { tpos = t + rec; tlock = 0 };         /* M6 */
        if :: pad -> goto M1 :: else -> skip fi;
        CRASH;
#ifdef BROKEN_COMMIT_FIRST
        AT(t) = WORD(COMMITTED, me, rec);
        committed[me]++;
        CRASH;
        AT(t + 1) = PAY(me, n);
#else
        AT(t + 1) = PAY(me, n);                       /* the payload */
        CRASH;
        atomic { AT(t) = WORD(COMMITTED, me, rec); committed[me]++ };   /* K1 */
#endif
        n++;
        goto next;
R1:     atomic {                                      /* R1 compare_exchange(tail) */
            if
            :: tpos == t && tlock == k -> tlock = me + 1
            :: else -> goto M1
            fi
        };
        w = AT(t);                                    /* R2 */
        if
        :: KIND(w) == CLAIMED || KIND(w) == PADDING -> e = t + LEN(w); REACHED(2, KIND(w) == CLAIMED)
        :: KIND(w) == EMPTY -> e = t; REACHED(3, true)
        :: else -> assert(false)                      /* a COMMITTED word under a held lock */
        fi;
        CRASH;
        atomic { tpos = e; tlock = 0 };               /* R3 */
        goto M1;
next:   skip
    od;
    ended[me] = true;                                 /* Complete */
gone:
    skip
}

active proctype consumer()
{
    byte c, w, s, expect[2];

    do
    :: w = AT(c);                                     /* C1 */
        if
        :: KIND(w) == COMMITTED ->
            s = SLOT(w);
            assert(LEN(w) == REC);
            assert(AT(c + 1) == PAY(s, expect[s]));   /* whole, once, in its producer's order */
            expect[s]++;
            c = c + REC;
            head = c                                  /* A1 */
        :: KIND(w) == PADDING ->
            assert(c % RING + LEN(w) == RING);
            REACHED(4, true);
            c = c + LEN(w);
            head = c
        :: KIND(w) == CLAIMED ->
            s = SLOT(w);
#ifdef BROKEN_SKIP_LIVE
            c = c + LEN(w); head = c
#else
            if
            :: dead[s] ->
#ifndef BROKEN_SKIP_NO_RELOAD
                if                                    /* the word again, after the death */
                :: AT(c) == w -> REACHED(1, true); c = c + LEN(w); head = c   /* the skip */
                :: else -> skip
                fi
#else
                c = c + LEN(w); head = c
#endif
            :: else -> (AT(c) != w || dead[s])        /* the claim is being written */
            fi
#endif
        :: KIND(w) == EMPTY ->
            if                                        /* C2 */
            :: (ended[0] || dead[0]) && (ended[1] || dead[1]) ->
                if :: AT(c) == EMPTY -> break :: else -> skip fi
            :: else ->                                /* C3: wait for a record or an end */
                (AT(c) != EMPTY || ((ended[0] || dead[0]) && (ended[1] || dead[1])))
            fi
        :: else -> assert(false)
        fi
    od;
    /* the end: every committed message was delivered */
    assert(expect[0] == committed[0] && expect[1] == committed[1])
}

init
{
    atomic {
        run producer(0);
        run producer(1)
    }
}

/*
 * uintr.pml -- Promela model of the UintrIpc futex-path delivery protocol,
 * docs/ABI.md version 2 (sections 2-5). Checked by docs/model/check.sh; see README.md.
 *
 * Processes
 *   sender(0), sender(1)  SENDUIPI, ABI.md section 4, S1..S8. Sender i sends NPOSTi
 *                         times (default 2), each time to a vector it picks
 *                         nondeterministically; it goes on after ECONNRESET. With
 *                         -DMAXCRASH=n, up to n senders are killed between any two steps.
 *   receiver              the receiver thread: Wait, W1..W11 (ABI.md section 5), called
 *                         again after every delivery, with Collect and Deliver.
 *   disposer              Dispose from another thread, at any moment, ABI.md section 5
 *                         "Closing a vector": of vector 0, of the whole receiver, or
 *                         nothing (-DDISPOSE=0/1/2 fixes one; undefined: any).
 *   monitor               runs on `timeout` (no other process can move) and checks that
 *                         nobody sleeps for ever and that every post was delivered.
 *
 * Memory model: sequential consistency, one Promela step per shared-memory access.
 * ABI.md section 3 makes every read-modify-write (fetch_or, CAS, exchange) a full barrier
 * and nobody does a plain store, so the two Dekker pairs (S4->S5, W4->W5) behave as SC
 * (see README.md for what that assumes of a receiver not written in C#).
 *
 * Property selection (spin -a -DCHK_x): CHK_A no_lost_wakeup, CHK_B no_stuck_after_dispose,
 * CHK_C coalescing, CHK_W no_write_after_closed; none given = all. CHK_A also checks
 * ok_send_delivered (a send that returned ok is collected unless its page closed, whatever
 * killed senders left behind). `ltl posted_collected` is property (d). At S3 a sender may
 * post even when it finds the bit set (nondeterministically), which covers senders with and
 * without the S3 load.
 *
 * Deliberately broken variants (spin must find an error in each):
 *   BROKEN_NO_RECHECK     the receiver skips W5 (Collect after the switch to BLOCKED)
 *   BROKEN_LOAD_FIRST     the sender loads status (S5) before it posts (S4)
 *   BROKEN_NO_UNMAP       Closing leaves the receiver's mapping of the page in place
 *   BROKEN_DISPOSED_LATE  Dispose sets `disposed` only after the wake-word bumps
 *   BROKEN_S3_RETURNS     version 1's S3: a send that finds the bit set returns at once
 *   BROKEN_TRUST_ON       version 1's S7: no wake when another sender set ON
 *   BROKEN_PRIVATE_WAKE   S7's FUTEX_WAKE with FUTEX_PRIVATE_FLAG on the shared status word
 */

#if !defined(CHK_A) && !defined(CHK_B) && !defined(CHK_C) && !defined(CHK_W)
#define CHK_A
#define CHK_B
#define CHK_C
#define CHK_W
#endif

/* Vacuity checks: -DREACH=n turns `REACHED(n, cond)` into an assertion that fails where a
   scenario the properties depend on actually happens (check.sh expects spin to find it):
   1 S3 finds the bit set      2 the S7 CAS fails           3 an S7 FUTEX_WAKE wakes the sleeper
   4 S6 sees CL after the post 5 a W4 store lands on the zero page
   6 W7 returns at once because `wake` changed              7 ... because a sender set ON
   8 Closing's wake-word FUTEX_WAKE wakes the sleeper
   9 W7's compare passes on a zero page (a racing W4 wrote BLOCKED there)
  10 S7 finds ON already set while the receiver sleeps (another sender's, maybe killed)
  11 S6 returns ok without a system call (receiver running) */
#ifndef REACH
#define REACH 0
#endif
#define REACHED(n, cond) assert(!(REACH == (n) && (cond)))

#define NV      2       /* vectors = vector pages; vector v is on page v (pir bit v) */
#define NS      2       /* senders */
#ifndef NPOST0
#define NPOST0  2       /* posts by sender 0 */
#endif
#ifndef NPOST1
#define NPOST1  2       /* posts by sender 1 */
#endif
#ifndef MAXCRASH
#define MAXCRASH 0      /* senders that may be killed between two of their steps */
#endif

/* status (ABI.md 2.1); bit 3 stands for NV = 0xEC, bit 4 for NV = 0xEB */
#define ON      1
#define SN      2
#define CL      4
#define NVUSER  8
#define NVKERN  16
#define RUNNING (NVUSER | SN)   /* 0x00EC0002 */
#define BLOCKED (NVKERN)        /* 0x00EB0000 */
#define CLOSED  (CL | SN)       /* 0x00000006 */
#define BIT(v)  (1 << (v))
#define WAKEBIT BIT(NV)         /* futex_waitv entry of the receiver's private `wake` word */

/* ---- the shared vector pages ---- */
byte status[NV] = RUNNING;  /* status of page v: notification word and futex word */
byte pir[NV];        /* pir of page v: senders set bit v, the receiver exchanges it to 0 */

/* ---- receiver-private, shared between the receiver thread and Dispose ---- */
bool live[NV] = true;       /* L */
bool mapped[NV] = true;     /* the receiver's mapping of page v is still the shared page */
bool zblocked[NV];   /* the status word of the private zero page that replaces the page
                        (Closing) holds BLOCKED; all that futex_waitv can tell apart */
byte wakeword;       /* the private `wake` word */
bool disposed;

/* ---- futex: the only sleeper is the receiver thread in futex_waitv (W7) ---- */
bool asleep;
byte sleepset;       /* words it sleeps on: BIT(v) shared status of page v; WAKEBIT */

/* ---- ghost state for the properties (the counters only when CHK_C is checked) ---- */
#ifdef CHK_C
#define GHOST(x) x
byte posts[NV];         /* posts of v not yet delivered: +1 at an S4 that sets the bit,
                           -1 when a collect finds v already pending (coalesced), -1 at
                           each handler call with v; so calls <= posts */
#else
#define GHOST(x) skip
#endif
bool closed[NV];     /* status of page v was exchanged to CLOSED */
bool owed[NV];       /* ok_send_delivered: a send of v returned ok while its post (its own,
                        or the one it found pending at S3) was uncollected; cleared by the
                        collect of v that takes it */
bool pend[NS];       /* sender i's post (own or found) is in pir[svec[i]], not yet collected */
byte svec[NS];         /* the vector sender i is sending to */
byte crashes;        /* senders killed so far */
byte sendersDone;    /* senders that made all their sends */
bool disposerDone;

/* FUTEX_WAKE(word): wakes the sleeper only if it sleeps on that word now. Wakes are not
   queued: a wake with no sleeper on the word is lost. */
inline futex_wake(word)
{
    if
    :: asleep && (sleepset & (word)) -> asleep = false
    :: else -> skip
    fi
}

/* ================================ senders ================================ */

#define NPOSTME (_pid == 0 -> NPOST0 : NPOST1)

/* A sender may crash (be killed) between any two of its steps, at most MAXCRASH times in
   all: it stops for good, and whatever it wrote stays. */
#define MAYBE_CRASH \
    if \
    :: crashes < MAXCRASH -> crashes++; goto crashed \
    :: true -> skip \
    fi

inline next_post()      /* a send returned: reset the locals, count the senders done */
{
    n++; v = 0; s = 0; svec[_pid] = 0; pend[_pid] = false;
    if
    :: n == NPOSTME -> sendersDone++
    :: else -> skip
    fi
}

active [NS] proctype sender()
{
    byte n, v, s;

    do
    :: n < NPOSTME ->
#ifdef BROKEN_LOAD_FIRST
        atomic { if :: v = 0 :: v = 1 fi; svec[_pid] = v; s = status[v] };  /* BROKEN: status read first */
        atomic { GHOST(posts[v] = posts[v] + (pir[v] == 0)); pir[v] = pir[v] | BIT(v); pend[_pid] = true };
#else
S1:     atomic {                                        /* S1 s = load(status) */
            if :: v = 0 :: v = 1 fi;                    /*    (to vector v); the owner */
            svec[_pid] = v;                               /*    word is a separate concern */
            s = status[v]                               /*    (ABI 2.3), not modelled */
        };
        MAYBE_CRASH;
S2:     if
        :: s & CL -> goto econnreset                    /* S2 CL: receiver gone */
        :: else -> skip
        fi;
S3:     if                                              /* S3 bit already set: skip S4 */
        :: atomic { (pir[v] & BIT(v)) ->                /*    (the post is pending; this */
                REACHED(1, true); pend[_pid] = true }   /*    send owes its delivery too) */
#ifdef BROKEN_S3_RETURNS
                ; goto S8                               /* BROKEN: version 1 returned here */
#endif
        :: true ->                                      /* the bit was clear, or a sender */
S4:         atomic {                                    /* without S3: S4 fetch_or_seq_cst */
                GHOST(posts[v] = posts[v] + (pir[v] == 0));
                pir[v] = pir[v] | BIT(v);
                pend[_pid] = true
            }
        fi;
        MAYBE_CRASH;
S5:     s = status[v];                                  /* S5 load_seq_cst(status) */
#endif
        MAYBE_CRASH;
S6:     if
        :: s & SN ->                                    /* S6 running (or CLOSED = CL|SN): */
            if                                          /*    it collects before it sleeps */
            :: s & CL -> atomic { REACHED(4, true) }; goto econnreset
            :: else -> REACHED(11, true); goto S8
            fi
        :: s & CL -> goto econnreset
        :: else -> skip
        fi;
S7:     if                                              /* S7 blocked: make status differ */
        :: (s & ON) == 0 ->                             /*    from BLOCKED (CAS, result */
            atomic {                                    /*    ignored), then wake */
                if
                :: status[v] == s -> status[v] = s | ON
                :: else -> REACHED(2, true)
                fi
            }
#ifdef BROKEN_TRUST_ON
        :: else -> goto S8                              /* BROKEN: version 1 trusted ON */
#else
        :: else -> REACHED(10, asleep && (sleepset & BIT(v)))  /* someone else's ON */
#endif
        fi;
        MAYBE_CRASH;
        atomic {                                        /*    FUTEX_WAKE, INT_MAX */
            REACHED(3, asleep && (sleepset & BIT(v)));
#ifdef BROKEN_PRIVATE_WAKE
            skip    /* BROKEN: a private wake is keyed by (mm, address), the sleeper's shared
                       wait by (inode, offset): it finds no sleeper, even in the same process */
#else
            futex_wake(BIT(v))
#endif
        };
S8:     atomic {                                        /* S8 return ok: the send owes a */
            owed[v] = owed[v] || pend[_pid];            /*    delivery if its post is still */
            next_post()                                 /*    uncollected */
        };
        goto nextpost;
econnreset:
        atomic { next_post() };                         /* ECONNRESET; the caller goes on */
nextpost:
        skip
    :: else -> break
    od;
    goto done;
crashed:
    atomic { svec[_pid] = 0; pend[_pid] = false; sendersDone++ };   /* killed: stops for good */
done:
    skip
}

/* ================================ receiver ================================ */

/* The receiver's accesses to page v go through its mapping, which Closing replaces by a
   private zero page at the same address (mmap MAP_FIXED): each access is atomic with
   respect to that replacement. */
inline rx_xchg_status(v, val)
{
    if
    :: mapped[v] ->
#ifdef CHK_W
        assert(!closed[v]);                             /* no_write_after_closed */
#endif
        status[v] = val
    :: else -> zblocked[v] = (val == BLOCKED);          /* lands on the zero page */
        REACHED(5, val == BLOCKED)
    fi
}

/* Collect, for one v: if v in L and load_relaxed(pir_v) != 0 and exchange(pir_v, 0) != 0,
   then pending |= 1 << v. One step: only the receiver clears pir and a page has a single
   bit, so a sender's fetch_or between the load and the exchange changes nothing they
   see, and a Closing in between only makes the exchange hit the zero page and return 0,
   which is what the step does when it comes after the Closing. */
inline collect_v(v)
{
    atomic {
        if
        :: live[v] && mapped[v] && pir[v] != 0 ->       /* v in L, load_relaxed(pir_v) */
#ifdef CHK_W
            assert(!closed[v]);                         /* no_write_after_closed */
#endif
            pir[v] = 0;                                 /* exchange(pir_v, 0) != 0 */
#ifdef CHK_C
            if                                          /* (already pending: the two posts */
            :: pending & BIT(v) ->                      /*  coalesce into one call) */
                assert(posts[v] >= 2); posts[v]--
            :: else -> skip
            fi;
#endif
            pending = pending | BIT(v);
            owed[v] = false;                            /* ok_send_delivered: collected */
            pend[0] = pend[0] && svec[0] != v;
            pend[1] = pend[1] && svec[1] != v
        :: else -> skip                                 /* not in L, or zero page: 0 */
        fi
    }
}

inline collect()
{
    collect_v(0);
    collect_v(1)
}

/* Deliver: while UIF and pending != 0: v = highest set bit; clear it; handler(v).
   The handler is private to the receiver: one step. */
inline deliver_v(v)
{
    if
    :: pending & BIT(v) ->
        pending = pending & ~BIT(v);
#ifdef CHK_C
        assert(posts[v] > 0);                           /* coalescing: calls <= posts */
        posts[v]--;
#endif
    :: else -> skip
    fi
}

inline deliver()
{
    d_step { deliver_v(1); deliver_v(0) }
}

/* W4 / W9 for one v */
inline switch_v(v, val)
{
    if
    :: live[v] ->                                       /* v in L */
        atomic { rx_xchg_status(v, val); lw = lw | BIT(v) }
    :: else -> skip
    fi
}
inline restore_v(v)
{
    atomic {
        if
        :: lw & BIT(v) -> rx_xchg_status(v, RUNNING); lw = lw & ~BIT(v)
        :: else -> skip
        fi
    }
}

/* futex_waitv compare of one watched status word */
inline compare_v(v)
{
    if
    :: lw & BIT(v) ->
        if
        :: mapped[v] -> mism = mism || (status[v] != BLOCKED); sleepset = sleepset | BIT(v);
            REACHED(7, status[v] == (BLOCKED | ON))
        :: else -> mism = mism || !zblocked[v];         /* zero page, private futex key */
            REACHED(9, zblocked[v])
        fi
    :: else -> skip
    fi
}

/* The model's futex_waitv timeout: a sleep may time out only when the system is
   quiescent (senders and Dispose done, no delivery owed on a live page). A sleep that cannot
   end otherwise is a stuck sleeper: the monitor's `timeout`, or an invalid end state. A post
   left by a killed sender that no later send found is owed to nobody: the receiver may time
   out over it (its next Wait collects it at W1). Without crashes, "owed" and "pir != 0" are
   the same thing here: every post belongs to a send that returned ok or found CL. */
#define quiescent (sendersDone == NS && disposerDone && \
                   (!live[0] || !owed[0]) && (!live[1] || !owed[1]))

active proctype receiver()
{
    byte pending, g, lw;    /* pending: the receiver's `pending` mask */
    bool mism;

wait:                                                   /* Wait(timeout) is called */
    if
    :: disposed -> goto gone                            /*   ObjectDisposedException */
    :: else -> skip
    fi;
W1: collect();                                          /* W1 Collect; pending: Deliver */
    if
    :: pending != 0 -> deliver(); goto wait
    :: else -> skip
    fi;
W2: if                                                  /* W2 spin for SpinDuration: */
    :: collect();                                       /*    one iteration ... */
        if
        :: pending != 0 -> deliver(); goto wait
        :: else -> skip
        fi
    :: skip                                             /*    ... or none */
    fi;
W3: g = wakeword;                                       /* W3 g = load(wake) */
W4: switch_v(0, BLOCKED);                               /* W4 for v in L: */
    switch_v(1, BLOCKED);                               /*    exchange(status_v, BLOCKED) */
#ifndef BROKEN_NO_RECHECK
W5: collect();                                          /* W5 Collect after the switch */
#endif
W6: if                                                  /* W6 pending/disposed: to W9 */
    :: pending != 0 || disposed -> goto W9
    :: else -> skip
    fi;
W7: atomic {                                            /* W7 futex_waitv: compare every */
        mism = (wakeword != g);                         /*    word, sleep if all equal, */
        REACHED(6, mism);
        compare_v(0);                                   /*    as one step (the futex hash */
        compare_v(1);                                   /*    bucket lock) */
        if
        :: !mism -> sleepset = sleepset | WAKEBIT; asleep = true
        :: else -> sleepset = 0                         /*    mismatch: return at once */
        fi;
        mism = false; g = 0
    };
    if                                                  /*    asleep until ... */
    :: atomic { !asleep -> sleepset = 0 }               /*    woken by a FUTEX_WAKE, or */
                                                        /*    never slept (mismatch) */
    :: atomic { asleep && quiescent ->                  /*    timed out (model: quiescent) */
#ifdef CHK_B
        assert(!disposed);                              /*    no_stuck_after_dispose */
        assert(!((sleepset & BIT(0)) && closed[0]) && !((sleepset & BIT(1)) && closed[1]));
#endif
        asleep = false; sleepset = 0 };
        goto idle                                       /*    W11 timed out: return false */
    fi;
                                                        /* W8 woken, mismatch: all the same */
W9: restore_v(0);                                       /* W9 for v in L: */
    restore_v(1);                                       /*    exchange(status_v, RUNNING) */
W10: collect();                                         /* W10 Collect; pending: Deliver */
    if
    :: pending != 0 -> deliver(); goto wait
    :: else -> skip
    fi;
W11: if                                                 /* W11 disposed: throw; otherwise */
    :: disposed -> goto gone                            /*    spurious wake-up: to W3 */
    :: else -> goto W3
    fi;
idle:                                                   /* Wait returned false, caller stops */
#ifdef CHK_C
    assert(pending == 0);                               /* (nothing collected and undelivered) */
#endif
gone:
    skip
}

/* ================================ Dispose ================================ */

/* ABI.md 5, "Closing a vector" */
inline close_vector(v)
{
    live[v] = false;                                    /* remove v from L */
    atomic {                                            /* bump wake, FUTEX_WAKE_PRIVATE */
        wakeword++;
        REACHED(8, asleep && (sleepset & WAKEBIT));
        futex_wake(WAKEBIT)
    };
#ifndef BROKEN_NO_UNMAP
    mapped[v] = false;                                  /* stop touching the page: zero page */
#endif
    atomic { status[v] = CLOSED; closed[v] = true };    /* exchange(status, CLOSED) */
    futex_wake(BIT(v))                                  /* FUTEX_WAKE, INT_MAX */
}

/* DISPOSE selects what Dispose does: 0 nothing, 1 close vector 0 (vectors are symmetric),
   2 the whole receiver; undefined: any of these, chosen nondeterministically. */
active proctype disposer()
{
    if
#if !defined(DISPOSE) || DISPOSE == 0
    :: skip                                             /* nobody disposes */
#endif
#if !defined(DISPOSE) || DISPOSE == 1
    :: close_vector(0)                                  /* Dispose of UintrFd 0 */
#endif
#if !defined(DISPOSE) || DISPOSE == 2
    ::                                                  /* Dispose of the whole receiver */
#ifndef BROKEN_DISPOSED_LATE
        disposed = true;
#endif
        close_vector(0);
        close_vector(1);
#ifdef BROKEN_DISPOSED_LATE
        disposed = true;
#endif
#endif
    fi;
    disposerDone = true
}

/* ================================ monitor ================================ */

/* `timeout` is true only when no other process can move: all is finished, or the
   receiver sleeps and nobody is left to wake it. */
active proctype monitor()
{
end_mon:
    timeout ->
    atomic {
#ifdef CHK_A
        /* no_lost_wakeup: not asleep for ever while a watched (or live) page holds a post
           that a send returned ok for */
        assert(!(asleep && ((((sleepset & BIT(0)) || live[0]) && owed[0]) ||
                            (((sleepset & BIT(1)) || live[1]) && owed[1]))));
        /* ok_send_delivered: every send that returned ok was collected, or its page closed */
        assert((closed[0] || !owed[0]) && (closed[1] || !owed[1]));
#endif
#ifdef CHK_B
        /* no_stuck_after_dispose: not asleep for ever after Dispose or on a closed page */
        assert(!(asleep && (disposed || ((sleepset & BIT(0)) && closed[0]) ||
                                        ((sleepset & BIT(1)) && closed[1]))));
#endif
#ifdef CHK_C
        /* coalescing at the end: on a page never closed every post was collected (pir
           clear; at `idle` the receiver asserts that it delivered all it collected) and
           every post was followed by a handler call (posts back to 0); there were never
           more calls than posts (asserted at each call) */
#if MAXCRASH == 0
        assert(closed[0] || (pir[0] == 0 && posts[0] == 0));
        assert(closed[1] || (pir[1] == 0 && posts[1] == 0));
#endif
#endif
        skip
    }
}

/* (d) every post on a page is eventually collected, unless the page is closed; with killed
   senders, every post a send returned ok for */
#if MAXCRASH == 0
ltl posted_collected {
    [] ( ((pir[0] != 0) -> <> (pir[0] == 0 || closed[0])) &&
         ((pir[1] != 0) -> <> (pir[1] == 0 || closed[1])) )
}
#else
ltl posted_collected {
    [] ( (owed[0] -> <> (!owed[0] || closed[0])) &&
         (owed[1] -> <> (!owed[1] || closed[1])) )
}
#endif

/*
 * uintr.pml -- Promela model of the UintrIpc futex-path delivery protocol,
 * docs/ABI.md version 1 (sections 2-5). Checked by docs/model/check.sh.
 *
 * Processes
 *   sender(0), sender(1)  SENDUIPI, ABI.md section 4, steps S1..S8; each posts NPOST
 *                         times, each time to a nondeterministically chosen vector.
 *   receiver              the Wait cycle of ABI.md section 5, W1..W11, called again after
 *                         every delivery; Collect and Deliver as in section 5.
 *   disposer              Dispose from another thread: ABI.md section 5 "Closing a vector",
 *                         of one vector or of the whole receiver, or nothing.
 *   monitor               fires on `timeout` (no process can move) and checks that nobody
 *                         is asleep for ever and that every post was delivered.
 *
 * Memory model: sequential consistency, one Promela step per memory access. ABI.md
 * section 3 makes every read-modify-write (fetch_or, CAS, exchange) a full barrier and
 * nobody does a plain store, so the two Dekker pairs (S4->S5, W4->W5) are SC.
 *
 * Property selection (spin -a -D...): CHK_A no_lost_wakeup, CHK_B no_stuck_after_dispose,
 * CHK_C coalescing, CHK_W no_write_after_closed. None given = all of them.
 * Deliberately broken variants (spin must find an error):
 *   BROKEN_NO_RECHECK      receiver skips W5 (the Collect after the switch to BLOCKED)
 *   BROKEN_LOAD_FIRST      sender loads status (S5) before it posts (S4)
 *   BROKEN_NO_UNMAP        Closing does not replace the receiver's mapping of the page
 *   BROKEN_DISPOSED_LATE   Dispose sets `disposed` only after the wake-word bumps
 */

#if !defined(CHK_A) && !defined(CHK_B) && !defined(CHK_C) && !defined(CHK_W)
#define CHK_A
#define CHK_B
#define CHK_C
#define CHK_W
#endif

#define NV     2        /* vectors = vector pages: vector v lives on page v (pir bit v) */
#define NS     2        /* senders */
#define NPOST  2        /* posts per sender */
#define MAXSPIN 1       /* W2: at most this many spin iterations */

/* status (ABI.md 2.1). Bit 3 stands for NV = 0xEC, bit 4 for NV = 0xEB. */
#define ON      1
#define SN      2
#define CL      4
#define NVUSER  8
#define NVKERN  16
#define RUNNING (NVUSER | SN)   /* 0x00EC0002 */
#define BLOCKED (NVKERN)        /* 0x00EB0000 */
#define CLOSED  (CL | SN)       /* 0x00000006 */
#define BIT(v)  (1 << (v))
#define WAKEBIT BIT(NV)         /* futex wait-set bit of the receiver's private `wake` word */

/* ---- shared pages ---- */
byte status[NV];     /* the status / futex word of page v */
byte pir[NV];        /* the pir of page v: senders set bit v, the receiver exchanges 0 */

/* ---- receiver-private state shared between the receiver thread and Dispose ---- */
bool live[NV];       /* L */
bool mapped[NV];     /* the receiver's mapping of page v is still the shared page */
byte zstatus[NV];    /* status word of the private zero page that replaces it (Closing) */
byte wakeword;       /* the private `wake` word */
bool disposed;

/* ---- futex: one possible sleeper, the receiver thread in futex_waitv (W7) ---- */
bool asleep;
byte sleepset;       /* the words it sleeps on: BIT(v) = shared status of page v, WAKEBIT */

/* ---- ghost state for the properties ---- */
bool closed[NV];     /* status of page v has been exchanged to CLOSED */
byte s4cnt[NV];      /* S4 fetch_or executions on page v (= sequence number of the last post) */
byte okcnt[NV];      /* sends of v that returned ok (S3 coalesced or S8) */
byte colseq[NV];     /* s4cnt[v] at the last Collect that took pir[v] */
byte delseq[NV];     /* colseq[v] at the last delivery of v */
byte dl[NV];         /* handler calls with v */
byte sendersDone;
bool disposerDone;

/* FUTEX_WAKE(word): wakes the sleeper only if it sleeps on that word now; not queued. */
inline futex_wake(word)
{
    atomic {
        if
        :: asleep && (sleepset & (word)) -> asleep = false
        :: else -> skip     /* nobody sleeps on it: the wake is lost */
        fi
    }
}

/* ================================ senders ================================ */

proctype sender(byte id)
{
    byte n, v, s;
    bool casok;

    do
    :: n < NPOST ->
        if
        :: v = 0
        :: v = 1
        fi;
#ifdef BROKEN_LOAD_FIRST
        s = status[v];                                  /* BROKEN: S5 before S4 */
        atomic { pir[v] = pir[v] | BIT(v); s4cnt[v]++ };
        if
        :: s & CL -> goto econnreset
        :: else -> skip
        fi;
#else
S1:     s = status[v];                                  /* S1 load_relaxed(status) */
S2:     if
        :: s & CL -> goto econnreset                    /* S2 receiver gone */
        :: else -> skip
        fi;
S3:     if                                              /* S3 (optional): already pending */
        :: atomic { (pir[v] & BIT(v)) -> okcnt[v]++ }; goto next   /*   coalesced: ok */
        :: true -> skip          /* a sender without S3, or S3 that saw the bit clear */
        fi;
S4:     atomic { pir[v] = pir[v] | BIT(v); s4cnt[v]++ };   /* S4 fetch_or_seq_cst(pir) */
S5:     s = status[v];                                  /* S5 load_seq_cst(status) */
#endif
S6:     if
        :: s & CL -> goto econnreset                    /* S6 receiver gone */
        :: else -> skip
        fi;
S7:     if
        :: (s & (ON | SN | CL)) == 0 ->                 /* S7 blocked, nobody woke it yet */
            atomic {                                    /*   cas_seq_cst(status, s, s|ON) */
                if
                :: status[v] == s -> status[v] = s | ON; casok = true
                :: else -> casok = false
                fi
            };
            if
            :: casok -> futex_wake(BIT(v))              /*   FUTEX_WAKE, INT_MAX */
            :: else -> skip                             /*   failed CAS: no retry */
            fi
        :: else -> skip
        fi;
S8:     okcnt[v]++;                                     /* S8 return ok */
        goto next;
econnreset:
        skip;                                           /* ECONNRESET; the caller goes on */
next:
        n++; v = 0; s = 0; casok = false
    :: else -> break
    od;
    sendersDone++
}

/* ================================ receiver ================================ */

/* The receiver's accesses to page v go through its mapping, which Closing replaces with a
   private zero page (same address, mmap MAP_FIXED): an access is atomic with respect to
   that replacement. */
inline rx_xchg_status(v, val)
{
    atomic {
        if
        :: mapped[v] ->
#ifdef CHK_W
            assert(!closed[v]);             /* no_write_after_closed */
#endif
            status[v] = val
        :: else -> zstatus[v] = val         /* lands on the private zero page */
        fi
    }
}

/* Collect: for each v in L: if load_relaxed(pir_v) != 0 and exchange(pir_v, 0) != 0
   then pending |= 1 << v. */
inline collect()
{
    i = 0;
    do
    :: i < NV ->
        if
        :: live[i] ->                                   /* v in L */
            r = (mapped[i] -> pir[i] : 0);              /*   load_relaxed(pir_v) */
            if
            :: r != 0 ->
                atomic {                                /*   exchange(pir_v, 0) */
                    if
                    :: mapped[i] ->
#ifdef CHK_W
                        assert(!closed[i]);             /*   no_write_after_closed */
#endif
                        r = pir[i]; pir[i] = 0;
                        if
                        :: r != 0 -> pending = pending | BIT(i); colseq[i] = s4cnt[i]
                        :: else -> skip
                        fi
                    :: else -> skip                     /*   zero page: nothing */
                    fi;
                    r = 0
                }
            :: else -> skip
            fi
        :: else -> skip
        fi;
        i++
    :: else -> i = 0; break
    od
}

/* Deliver: while UIF and pending != 0: v = highest set bit; clear it; call the handler.
   The handler is local to the receiver, so one atomic step. */
inline deliver()
{
    d_step {
        i = NV;
        do
        :: i > 0 ->
            i--;
            if
            :: pending & BIT(i) ->
                pending = pending & ~BIT(i);
                dl[i]++; delseq[i] = colseq[i];         /* handler(v) */
#ifdef CHK_C
                assert(dl[i] <= s4cnt[i]);              /* coalescing: never more calls than posts */
#endif
            :: else -> skip
            fi
        :: else -> break
        od;
        i = 0
    }
}

/* The model's stand-in for a futex_waitv timeout: a sleep may only time out when the
   system is quiescent (senders and Dispose done, nothing posted on a live page). A sleep
   that cannot end otherwise is a stuck sleeper: `timeout` in the monitor, or an invalid
   end state. */
#define quiescent (sendersDone == NS && disposerDone && \
                   (!live[0] || pir[0] == 0) && (!live[1] || pir[1] == 0))

active proctype receiver()
{
    byte pending, g, lw, i, r, spins;
    bool mism;

wait:                                                   /* Wait(timeout) is called */
    if
    :: disposed -> goto gone                            /* ObjectDisposedException */
    :: else -> skip
    fi;
W1: collect();                                          /* W1 Collect; pending: deliver */
    if
    :: pending != 0 -> deliver(); goto wait
    :: else -> skip
    fi;
W2: do                                                  /* W2 spin for SpinDuration */
    :: spins < MAXSPIN ->
        spins++;
        collect();
        if
        :: pending != 0 -> spins = 0; deliver(); goto wait
        :: else -> skip
        fi
    :: true -> break                                    /*   SpinDuration elapsed */
    od;
    spins = 0;
W3: g = wakeword;                                       /* W3 g = load(wake) */
W4: i = 0;                                              /* W4 for v in L: */
    do                                                  /*   exchange(status_v, BLOCKED) */
    :: i < NV ->
        if
        :: live[i] -> rx_xchg_status(i, BLOCKED); lw = lw | BIT(i)
        :: else -> skip
        fi;
        i++
    :: else -> i = 0; break
    od;
#ifndef BROKEN_NO_RECHECK
W5: collect();                                          /* W5 Collect after the switch */
#endif
W6: if                                                  /* W6 pending or disposed: W9 */
    :: pending != 0 || disposed -> goto W9
    :: else -> skip
    fi;
W7: atomic {                                            /* W7 futex_waitv: compare all, */
        mism = (wakeword != g);                         /*   then sleep, as one step */
        i = 0;
        do
        :: i < NV ->
            if
            :: lw & BIT(i) ->
                if
                :: mapped[i] -> mism = mism || (status[i] != BLOCKED); sleepset = sleepset | BIT(i)
                :: else -> mism = mism || (zstatus[i] != BLOCKED)  /* private zero page */
                fi
            :: else -> skip
            fi;
            i++
        :: else -> i = 0; break
        od;
        if
        :: !mism -> sleepset = sleepset | WAKEBIT; asleep = true
        :: else -> sleepset = 0                         /*   value mismatch: return now */
        fi;
        mism = false
    };
    if
    :: asleep ->
        if
        :: !asleep -> skip                              /*   woken by a FUTEX_WAKE */
        :: atomic { asleep && quiescent ->              /*   timed out (model: quiescent) */
#ifdef CHK_B
            assert(!disposed);                          /*   no_stuck_after_dispose */
            assert(!((sleepset & BIT(0)) && closed[0]) && !((sleepset & BIT(1)) && closed[1]));
#endif
            asleep = false; sleepset = 0 };
            goto idle                                   /*   W11 timed out: return false */
        fi
    :: else -> skip
    fi;
W8: sleepset = 0;                                       /* W8 woken or mismatch: the same */
W9: i = 0;                                              /* W9 for v in L: */
    do                                                  /*   exchange(status_v, RUNNING) */
    :: i < NV ->
        if
        :: lw & BIT(i) -> rx_xchg_status(i, RUNNING)
        :: else -> skip
        fi;
        i++
    :: else -> i = 0; lw = 0; break
    od;
W10: collect();                                         /* W10 Collect; pending: deliver */
    if
    :: pending != 0 -> deliver(); goto wait
    :: else -> skip
    fi;
W11: if                                                 /* W11 disposed: throw; */
    :: disposed -> goto gone
    :: else -> goto W3                                  /*   else spurious: back to W3 */
    fi;
idle:                                                   /* Wait returned false: caller stops */
gone:
    skip
}

/* ================================ Dispose ================================ */

/* ABI.md 5, "Closing a vector". */
inline close_vector(v)
{
    live[v] = false;                                    /* remove v from L */
    atomic { wakeword++; futex_wake(WAKEBIT) };         /* bump wake, FUTEX_WAKE_PRIVATE */
#ifndef BROKEN_NO_UNMAP
    mapped[v] = false;                                  /* replace the mapping: zero page */
#endif
    atomic { status[v] = CLOSED; closed[v] = true };    /* exchange(status, CLOSED) */
    futex_wake(BIT(v))                                  /* FUTEX_WAKE, INT_MAX */
}

active proctype disposer()
{
    if
    :: skip                                             /* nobody disposes */
    :: close_vector(0)                                  /* dispose of UintrFd 0 */
    :: close_vector(1)                                  /* dispose of UintrFd 1 */
    ::                                                  /* dispose of the whole receiver */
#ifndef BROKEN_DISPOSED_LATE
        disposed = true;
#endif
        close_vector(0);
        close_vector(1);
#ifdef BROKEN_DISPOSED_LATE
        disposed = true;
#endif
    fi;
    disposerDone = true
}

/* ================================ monitor ================================ */

/* `timeout` is true only when no other process can move: either everything has finished,
   or the receiver sleeps and nobody is left to wake it. */
active proctype monitor()
{
end_mon:
    timeout ->
    atomic {
#ifdef CHK_A
        /* no_lost_wakeup: never asleep for ever while a watched page has a post */
        assert(!(asleep && (((sleepset & BIT(0)) && pir[0] != 0) ||
                            ((sleepset & BIT(1)) && pir[1] != 0))));
#endif
#ifdef CHK_B
        /* no_stuck_after_dispose: never asleep for ever after Dispose or on a closed page */
        assert(!(asleep && (disposed || ((sleepset & BIT(0)) && closed[0]) ||
                                        ((sleepset & BIT(1)) && closed[1]))));
#endif
#ifdef CHK_C
        /* coalescing, at the end: on a page that was never closed every post was collected
           and delivered after it was made, and there were no more handler calls than
           successful sends */
        assert(closed[0] || (delseq[0] == s4cnt[0] && dl[0] <= okcnt[0] && (okcnt[0] == 0 || dl[0] > 0)));
        assert(closed[1] || (delseq[1] == s4cnt[1] && dl[1] <= okcnt[1] && (okcnt[1] == 0 || dl[1] > 0)));
#endif
        skip
    }
}

init
{
    atomic {
        status[0] = RUNNING; status[1] = RUNNING;
        live[0] = true; live[1] = true;
        mapped[0] = true; mapped[1] = true;
        run sender(0);
        run sender(1)
    }
}

/* (d) every post on a page is eventually collected, or the page is closed. */
ltl posted_collected {
    [] ( ((pir[0] != 0) -> <> (pir[0] == 0 || closed[0])) &&
         ((pir[1] != 0) -> <> (pir[1] == 0 || closed[1])) )
}

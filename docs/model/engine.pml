/*
 * engine.pml -- the futex engine's interrupt handshake (docs/ABI.md section 5, "Async
 * waiters"; src/UintrIpc/Engine/). One async waiter of one receiver with one vector page, in
 * one shard whose leader sleeps in futex_waitv over the page's status word and the shard's
 * private control word (not the receiver's wake word). An interrupt (cancellation, disposal)
 * makes its reason visible, bumps the receiver's wake word, sets the registration's interrupt
 * flag, then increments the control word and FUTEX_WAKEs it if the leader says it sleeps.
 * The leader reads the control word first, then (under the engine lock) checks its
 * registrations, publishes "sleeping", and sleeps while both words keep their values; after
 * each return it re-checks: every registration in full after -EAGAIN, the named one woken,
 * and the flagged ones' wake words after a wake of the control word.
 *
 * Which thread leads does not matter here: a thread that takes over a shard (a follower
 * hired, or the leader coming back from a continuation) starts with a full check of every
 * registration, as the leader at the top of this model does. W1-W6 and W9-W11 are the
 * receiver's own and are those of uintr.pml; this model covers the W7 the engine does.
 *
 * -DPOST: a sender also posts (S4-S7 reduced to: status leaves BLOCKED, FUTEX_WAKE it).
 * -DREACH=n: vacuity, an assertion that fails when scenario n happens.
 * -DBROKEN_POKE_BEFORE_FLAG, -DBROKEN_CTL_READ_LATE, -DBROKEN_NO_RECHECK,
 * -DBROKEN_SLEEPING_LATE: the orders the engine must not use; spin finds the lost wake.
 */

#define BLOCKED 0
#define POSTED  1
#ifndef REACH
#define REACH 0
#endif

byte status = BLOCKED;   /* the page's status word, armed at W4 */
byte wake = 0;           /* the receiver's private wake word */
bool cancelled = false;  /* the interrupt's reason */
bool flag = false;       /* the registration's interrupt flag */
byte ctl = 0;            /* the shard's control word */
bool sleeping = false;   /* the shard's "sleeping" word (Dekker with the poker) */
bool registered = false; /* the waiter is in the shard (FutexEngine.Add, under the lock) */
bool isnew = false;      /* added and not yet checked in full */
bool done = false;       /* the engine let the waiter go: its completion runs */
bool gave_up = false;    /* the waiter saw the reason at W6 and did not register */
byte gen;                /* the wake word read at W3 */
bool asleep = false;     /* the leader is asleep in futex_waitv */
bool watched = false;    /* the status word is in the leader's array for this sleep */

/* The async waiter: W3, W6's look at the reason, the engine's Add and its poke. */
active proctype waiter()
{
    gen = wake;                                   /* W3 */
    if                                            /* W6 */
    :: cancelled -> gave_up = true
    :: else ->
        atomic { registered = true; isnew = true };  /* Add, under the engine lock */
        ctl++;                                        /* Poke */
        if
        :: sleeping && asleep -> asleep = false
        :: else -> skip
        fi
    fi
}

/* Cancellation or disposal from another thread (UintrReceiver.Interrupt, then the registration's). */
active proctype interrupter()
{
    cancelled = true;                             /* the reason first */
    wake++;                                       /* ReceiverProtocol.Interrupt (the engine does not sleep on it) */
#ifdef BROKEN_POKE_BEFORE_FLAG
    ctl++;
    if
    :: sleeping && asleep -> asleep = false
    :: else -> skip
    fi;
    flag = true;
#else
    flag = true;                                  /* FutexRegistration.Interrupt */
    ctl++;                                        /* FutexShard.Poke */
    if
    :: sleeping && asleep -> asleep = false
    :: else -> skip
    fi
#endif
}

#ifdef POST
active proctype sender()
{
    status = POSTED;                              /* S4-S7, reduced */
    if
    :: watched && asleep -> asleep = false        /* FUTEX_WAKE on the status word */
    :: else -> skip
    fi
}
#endif

active proctype leader()
{
    byte g;
    bool readall = true;                          /* a new leader reads everything */
    bool byctl = false;
    do
    :: !done ->
#ifndef BROKEN_CTL_READ_LATE
        g = ctl;                                  /* the control word before any flag */
#endif
        atomic {                                  /* the checks, under the engine lock */
            if
            :: registered && (readall || isnew) && status != BLOCKED -> done = true
            :: registered && (readall || isnew || flag) && wake != gen ->
                assert(!((REACH == 1) && !readall && !isnew));   /* ended by a poke, through the flag */
                done = true
            :: else -> skip
            fi;
            isnew = false;
            watched = registered && !done
        };
#ifdef BROKEN_CTL_READ_LATE
        g = ctl;
#endif
        if
        :: done -> break
        :: else -> skip
        fi;
#ifndef BROKEN_SLEEPING_LATE
        sleeping = true;
#endif
        atomic {                                  /* futex_waitv: compare every word, then sleep */
            if
            :: ctl != g || (watched && status != BLOCKED) -> readall = true
            :: else -> asleep = true; readall = false
            fi
        };
#ifdef BROKEN_SLEEPING_LATE
        sleeping = true;
#endif
end_sleep:
        (!asleep);
        sleeping = false;
        /* Woken by the status word: that registration is done. By the control word: the
         * flagged registrations are looked at (the loop's checks). */
        atomic {
            if
            :: !readall && watched && status != BLOCKED -> done = true
            :: else -> skip
            fi
        };
#ifdef BROKEN_NO_RECHECK
        flag = false;                             /* what woke it is not looked at */
#endif
    :: else -> break
    od;
    assert(!((REACH == 2) && status != BLOCKED && !cancelled));   /* ended by a post */
}

/* At quiescence: the waiter is registered, its reason (or a post) is there, and the leader sleeps. */
active proctype monitor()
{
    bool lost;
    timeout ->
    atomic {
        lost = registered && !done && asleep && (cancelled || status != BLOCKED);
        assert(!lost)
    }
}

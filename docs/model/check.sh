#!/usr/bin/env bash
# check.sh -- model-check docs/model/uintr.pml (the delivery protocol of docs/ABI.md),
# docs/model/pipe.pml (the UintrPipe ring handshake of docs/PIPE.md), docs/model/engine.pml
# (the futex engine's interrupt handshake, ABI.md section 5) and docs/model/channel.pml
# (the UintrChannel claim/commit/skip protocol of docs/CHANNEL.md)
# with spin. Runs from any directory, works in a temporary directory, needs spin and gcc.
# Prints `PASS <name>` or `FAIL <name>` per check, then `model: N passed, M failed`;
# exits non-zero if any check failed. KEEP=1 keeps the work directory (pan output,
# trails); it is also kept when a check fails. See README.md for what each check means.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="$here/uintr.pml"
SPIN="${SPIN:-spin}"
CC="${CC:-gcc}"
for tool in "$SPIN" "$CC"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "check.sh: $tool not found" >&2; exit 2; }
done
[[ -f "$model" ]] || { echo "check.sh: $model not found" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/uintr-model.XXXXXX")"
passed=0
failed=0
cleanup() {
    if [[ "${KEEP:-0}" == 1 || $failed -ne 0 ]]; then
        echo "check.sh: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

start=$SECONDS

# check NAME EXPECT PATTERN MODE [spin -D options...]
#   EXPECT  pass: exhaustive search, no error of any kind, search completed
#           error: spin must report an error whose `pan:1:` line matches PATTERN (ERE)
#   MODE    safety: assertions + invalid end states (gcc -DSAFETY, no never claim)
#           ltl:    the ltl claim posted_collected, acceptance cycles, weak fairness (-f)
#           ltl-only: as ltl, but assertions ignored (pan -A), to show the claim alone fails
run_one() {
    local name=$1 expect=$2 pattern=$3 mode=$4
    shift 4
    local dir="$work/$name" cflags panflags t0 verdict info errline states depth errors
    mkdir -p "$dir"
    cp "$model" "$dir/uintr.pml"
    case $mode in
        safety)   cflags=(-DSAFETY -DNOCLAIM); panflags=(-m100000 -w24) ;;
        ltl)      cflags=(-DNFAIR=3);          panflags=(-a -f -m100000 -w24) ;;
        ltl-only) cflags=(-DNFAIR=3);          panflags=(-a -f -A -m100000 -w24) ;;
        *) echo "check.sh: bad mode $mode" >&2; exit 2 ;;
    esac
    t0=$SECONDS
    verdict=FAIL
    info=""
    if ! (cd "$dir" && "$SPIN" -a "$@" uintr.pml >spin.out 2>&1); then
        info="spin -a failed: $(tail -n 3 "$dir/spin.out" | tr '\n' ' ')"
    elif ! (cd "$dir" && "$CC" -O1 -w -DCOLLAPSE "${cflags[@]}" -o pan pan.c >cc.out 2>&1); then
        info="gcc failed: $(tail -n 3 "$dir/cc.out" | tr '\n' ' ')"
    else
        (cd "$dir" && ./pan "${panflags[@]}" >pan.out 2>&1) || true
        errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$dir/pan.out" | tail -n 1)
        states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.out" | tail -n 1)
        depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' "$dir/pan.out" | tail -n 1)
        errline=$(grep -m 1 '^pan:1:' "$dir/pan.out" || true)
        info="states=${states:-?} depth=${depth:-?} time=$((SECONDS - t0))s"
        if [[ -z "$errors" ]]; then
            info="$info; no result from pan: $(tail -n 3 "$dir/pan.out" | tr '\n' ' ')"
        elif [[ $expect == pass ]]; then
            if [[ $errors == 0 && -z "$errline" ]] &&
               ! grep -qE 'max search depth too small|Search not completed|out of memory' "$dir/pan.out"; then
                verdict=PASS
            else
                info="$info; ${errline:-search incomplete}"
            fi
        else
            if [[ $errors != 0 ]] && grep -qE -- "$pattern" <<<"$errline"; then
                verdict=PASS
                info="$info; spin found it: ${errline#pan:1: }"
            else
                info="$info; expected an error matching /$pattern/, got: ${errline:-none}"
            fi
        fi
    fi
    echo "$verdict $name  ($info)" >"$dir/result"
}

# Checks run JOBS at a time (default: one per CPU); results print in the order given.
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 1)}"
names=()
check() {
    while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do wait -n || true; done
    names+=("$1")
    run_one "$@" &
}

report() {
    wait
    local name line
    for name in "${names[@]}"; do
        line=$(cat "$work/$name/result" 2>/dev/null || echo "FAIL $name  (no result)")
        echo "$line"
        if [[ $line == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
}

# Patterns for the expected errors (the text pan prints for the failing assertion).
LOST='assertion violated +!\(\(asleep&&\(\(\(\(sleepset&\(1<<0\)\)\|\|live\[0\]\)&&owed\[0\]\)'
reach() { echo "assertion violated +!\(\(\($1==$1\)"; }

# ---- the protocol of ABI.md: every property must hold ----------------------------------
# (a) no_lost_wakeup, (b) no_stuck_after_dispose, (c) coalescing, no_write_after_closed and
# no invalid end state, exhaustively, in each Dispose configuration.
check safety_no_dispose        pass '' safety -DDISPOSE=0
check safety_close_vector      pass '' safety -DDISPOSE=1 -DNPOST1=1
check safety_dispose_receiver  pass '' safety -DDISPOSE=2 -DNPOST1=1
# (d) [] (posted -> <> collected), under weak fairness
check ltl_posted_collected_no_dispose    pass '' ltl -DDISPOSE=0
check ltl_posted_collected_close_vector  pass '' ltl -DDISPOSE=1 -DNPOST1=1
# ok_send_delivered with a sender killed between any two of its steps (ABI section 4, "The
# guarantee"): the safety properties and the ltl claim on owed posts
check safety_crash_no_dispose        pass '' safety -DMAXCRASH=1 -DDISPOSE=0
check safety_crash_close_vector      pass '' safety -DMAXCRASH=1 -DDISPOSE=1 -DNPOST1=1
check ltl_ok_send_delivered_crash    pass '' ltl -DMAXCRASH=1 -DDISPOSE=0

# ---- vacuity: the scenarios the properties are about do happen in the model -------------
check reach_s3_coalesces             error "$(reach 1)" safety -DREACH=1 -DDISPOSE=0
check reach_s7_cas_fails             error "$(reach 2)" safety -DREACH=2 -DDISPOSE=0
check reach_s7_wake_wakes_sleeper    error "$(reach 3)" safety -DREACH=3 -DDISPOSE=0
check reach_w7_sees_on               error "$(reach 7)" safety -DREACH=7 -DDISPOSE=0
check reach_s6_sees_cl               error "$(reach 4)" safety -DREACH=4 -DDISPOSE=1 -DNPOST1=1
check reach_w4_writes_zero_page      error "$(reach 5)" safety -DREACH=5 -DDISPOSE=1 -DNPOST1=1
check reach_w7_sees_wake_change      error "$(reach 6)" safety -DREACH=6 -DDISPOSE=1 -DNPOST1=1
check reach_close_wake_wakes_sleeper error "$(reach 8)" safety -DREACH=8 -DDISPOSE=1 -DNPOST1=1
check reach_w7_zero_page_compare     error "$(reach 9)" safety -DREACH=9 -DDISPOSE=1 -DNPOST1=1
check reach_s7_finds_foreign_on      error "$(reach 10)" safety -DREACH=10 -DMAXCRASH=1 -DDISPOSE=0
check reach_s6_running_no_syscall    error "$(reach 11)" safety -DREACH=11 -DDISPOSE=0

# ---- deliberately broken variants: spin must find the error -----------------------------
check broken_no_recheck            error "$LOST" safety -DBROKEN_NO_RECHECK -DCHK_A -DDISPOSE=0
check broken_no_recheck_ltl        error 'acceptance cycle' ltl-only -DBROKEN_NO_RECHECK -DDISPOSE=0
check broken_load_first            error "$LOST" safety -DBROKEN_LOAD_FIRST -DCHK_A -DDISPOSE=0
check broken_no_unmap              error 'assertion violated +!\(closed\[0\]\)' safety \
                                         -DBROKEN_NO_UNMAP -DCHK_W -DDISPOSE=1 -DNPOST1=1
check broken_disposed_late         error 'assertion violated +!\(disposed\)' safety \
                                         -DBROKEN_DISPOSED_LATE -DCHK_B -DDISPOSE=2 -DNPOST1=1
# version 1's sender, which trusted other senders to finish: a killed one stalls the vector
check broken_s3_returns            error "$LOST" safety -DBROKEN_S3_RETURNS -DMAXCRASH=1 -DCHK_A -DDISPOSE=0
check broken_trust_on              error "$LOST" safety -DBROKEN_TRUST_ON -DMAXCRASH=1 -DCHK_A -DDISPOSE=0
# S7's wake with FUTEX_PRIVATE_FLAG on the shared word: it never reaches a sleeper
check broken_private_wake          error "$LOST" safety -DBROKEN_PRIVATE_WAKE -DCHK_A -DDISPOSE=0

# ---- the UintrPipe ring's data/space handshake (pipe.pml, docs/PIPE.md) ----------------
model="$here/pipe.pml"   # each check job copies the model it was started with
check pipe_safety                  pass '' safety
check pipe_safety_ring3            pass '' safety -DRING=3 -DNMSG=6
check pipe_reach_producer_sleeps   error "$(reach 1)" safety -DREACH=1
check pipe_reach_s3_coalesces      error "$(reach 3)" safety -DREACH=3
check pipe_reach_a2_posts_space    error "$(reach 4)" safety -DREACH=4
check pipe_reach_f3_finds_space    error "$(reach 5)" safety -DREACH=5
check pipe_broken_plain_publish    error 'assertion violated +!\(\(\(asleep\[0\]' safety -DBROKEN_PLAIN_PUBLISH
check pipe_broken_no_f3            error 'invalid end state' safety -DBROKEN_NO_F3
check pipe_broken_a_load_first     error 'invalid end state' safety -DBROKEN_A_LOAD_FIRST
check pipe_broken_no_k2            error 'invalid end state' safety -DBROKEN_NO_K2
check pipe_broken_no_space_post    error 'invalid end state' safety -DBROKEN_NO_SPACE_POST

# ---- the futex engine's interrupt handshake (engine.pml, ABI.md section 5 "Async waiters") --
model="$here/engine.pml"
ENGINE_LOST='assertion violated +!\(lost\)'
engine_reach() { echo "assertion violated +!\(\(\(\($1==$1\)"; }   # its assertions nest one level deeper
check engine_safety                     pass '' safety
check engine_safety_post                pass '' safety -DPOST
check engine_reach_poke_ends_by_flag    error "$(engine_reach 1)" safety -DREACH=1
check engine_reach_post_ends_by_word    error "$(engine_reach 2)" safety -DPOST -DREACH=2
check engine_broken_poke_before_flag    error "$ENGINE_LOST" safety -DBROKEN_POKE_BEFORE_FLAG
check engine_broken_ctl_read_late       error "$ENGINE_LOST" safety -DBROKEN_CTL_READ_LATE
check engine_broken_no_recheck          error "$ENGINE_LOST" safety -DBROKEN_NO_RECHECK
check engine_broken_sleeping_late       error "$ENGINE_LOST" safety -DBROKEN_SLEEPING_LATE

# ---- the UintrChannel record protocol (channel.pml, docs/CHANNEL.md) -------------------
model="$here/channel.pml"
CH_END='assertion violated +\(\(expect\[0\]==committed\[0\]\)'
CH_PAY='assertion violated +\(data\['
check channel_safety               pass '' safety
check channel_safety_crash         pass '' safety -DMAXCRASH=1
check channel_safety_crash_3msg    pass '' safety -DMAXCRASH=1 -DNMSG=3
check channel_safety_crash_ring6   pass '' safety -DMAXCRASH=1 -DRING=6
check channel_reach_skip_dead      error "$(reach 1)" safety -DREACH=1 -DMAXCRASH=1
check channel_reach_recover_claimed error "$(reach 2)" safety -DREACH=2 -DMAXCRASH=1
check channel_reach_recover_empty  error "$(reach 3)" safety -DREACH=3 -DMAXCRASH=1
check channel_reach_padding        error "$(reach 4)" safety -DREACH=4
check channel_reach_space_wait     error "$(reach 5)" safety -DREACH=5
check channel_broken_commit_first  error "$CH_PAY" safety -DBROKEN_COMMIT_FIRST
check channel_broken_skip_live     error "$CH_END" safety -DBROKEN_SKIP_LIVE
check channel_broken_skip_no_reload error "$CH_END" safety -DBROKEN_SKIP_NO_RELOAD -DMAXCRASH=1
check channel_broken_guard_late    error "$CH_END" safety -DBROKEN_GUARD_LATE -DMAXCRASH=1
check channel_broken_no_guard      error "$CH_PAY" safety -DBROKEN_NO_GUARD
check channel_broken_no_recover    error 'invalid end state' safety -DBROKEN_NO_RECOVER -DMAXCRASH=1
check channel_broken_recover_live  error 'assertion violated' safety -DBROKEN_RECOVER_LIVE

report
echo "time: $((SECONDS - start))s"
echo "model: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

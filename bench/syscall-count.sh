#!/usr/bin/env bash
# Proves that UintrSender.Send makes no system call while the receiver is not blocked.
#
# Runs `UintrIpc.Bench syscalls` under strace with 0 and with $SENDS (default 1,000,000)
# Send+Poll rounds (each send a fresh post), and compares the futex/futex_waitv/write counts
# of the whole process (strace -f -c). The runtime's own threads make a few futex calls that
# vary from run to run (about +-10), so each case runs $RUNS times (default 3) and the minimum
# is compared. Then traces the $SENDS run once more without -c and counts the calls made by
# any thread between the program's BEGIN and END marker lines: that count is exact.
# Exit status 0 only when the send region made no system call.
#
# usage: [RUNS=3] bench/syscall-count.sh [SENDS]        (from anywhere; builds Release first)
set -euo pipefail

SENDS="${1:-1000000}"
RUNS="${RUNS:-3}"
TRACE="futex,futex_waitv,write"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="$ROOT/bench/UintrIpc.Bench"
BIN="$PROJECT/bin/Release/net10.0/UintrIpc.Bench"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 2; }
dotnet build -c Release "$PROJECT" -v quiet -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 2; }

# counts FILE: "syscall calls" lines from a strace -c summary (calls is column 4; errors may be empty).
counts() {
    awk '$NF ~ /^(futex|futex_waitv|write)$/ && $4 ~ /^[0-9]+$/ { print $NF, $4 }' "$1"
}

summary_run() { # summary_run SENDS TAG: RUNS runs, keeps each call's minimum in $WORK/TAG.min
    for run in $(seq "$RUNS"); do
        strace -f -qq -c -e trace="$TRACE" -o "$WORK/$2.$run" "$BIN" syscalls --sends "$1" >"$WORK/$2.$run.stdout" 2>/dev/null
        echo "  sends=$1 run $run: $(counts "$WORK/$2.$run" | tr '\n' ' ')| $(cat "$WORK/$2.$run.stdout")"
    done
    for call in futex futex_waitv write; do
        for run in $(seq "$RUNS"); do
            counts "$WORK/$2.$run" | awk -v c="$call" '$1 == c { found = 1; print $2 } END { if (!found) print 0 }'
        done | sort -n | head -1 | sed "s/^/$call /"
    done >"$WORK/$2.min"
}

echo "strace -f -c -e trace=$TRACE, whole process, $RUNS runs each:"
summary_run 0 zero
summary_run "$SENDS" many

printf '\n%-12s %14s %14s %12s\n' "minimum of" "0 sends" "$SENDS sends" difference
total_diff=0
for call in futex futex_waitv write; do
    zero=$(awk -v c="$call" '$1 == c { print $2 }' "$WORK/zero.min")
    many=$(awk -v c="$call" '$1 == c { print $2 }' "$WORK/many.min")
    diff=$((many - zero))
    total_diff=$((total_diff + diff))
    printf '%-12s %14d %14d %12d\n' "$call" "$zero" "$many" "$diff"
done
printf 'difference per send: %s\n' "$(awk -v d="$total_diff" -v n="$SENDS" 'BEGIN { printf "%.7f", (n ? d / n : 0) }')"

# Exact attribution: every traced call (any thread) between the two markers.
strace -f -qq -e trace="$TRACE" -o "$WORK/trace" "$BIN" syscalls --sends "$SENDS" >/dev/null 2>&1
in_region=$(awk '/UINTRIPC-REGION-BEGIN/ { on = 1; next } /UINTRIPC-REGION-END/ { on = 0 } on && !/resumed>/ { n++ } END { print n + 0 }' "$WORK/trace")
echo
echo "calls traced between the BEGIN and END markers of the $SENDS-send run (all threads): $in_region"
if [ "$in_region" -ne 0 ]; then
    awk '/UINTRIPC-REGION-BEGIN/ { on = 1; next } /UINTRIPC-REGION-END/ { on = 0 } on' "$WORK/trace" | head -20
fi

if [ "$in_region" -eq 0 ]; then
    echo "PASS: Send while the receiver is not blocked made no system call"
else
    echo "FAIL: system calls inside the send region"
    exit 1
fi

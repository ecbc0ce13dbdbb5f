#!/usr/bin/env bash
# run.sh -- the mutation check: does the suite catch realistic one-line protocol bugs?
#
# Copies the working tree (without bin/, obj/, .git) to a temporary directory, builds the tests
# once, then for each line of mutations.tsv (or the file given as $1): applies the bug (always
# in src/UintrIpc), rebuilds the library alone and puts it in the tests' and the test peer's
# output (a whole incremental build of the tests costs minutes on a loaded host), runs the line's targeted tests with a bound of BOUND seconds (default 60),
# and restores the file. Prints one table row per bug and a summary; exits non-zero when a bug
# expected to be caught was not (or did not build, or the bound cut its tests off).
#
#   bash tests/mutation/run.sh                      # every bug in tests/mutation/mutations.tsv
#   ONLY='^pipe-' bash tests/mutation/run.sh        # the bugs whose id matches the regex
#   BOUND=120 KEEP=1 bash tests/mutation/run.sh     # a longer bound; keep the copy and the logs
#   DRY=1 bash tests/mutation/run.sh                # only check that every pattern applies
#
# Results: caught (a targeted test failed; seconds: until the first failure, test host start
# included), MISSED (they passed), HUNG (still running at the
# bound: not caught within it), BUILD-ERROR (the bug does not compile: fix the line), NO-MATCH
# (the pattern no longer matches exactly once: the code moved; fix the line). A bug marked
# `harmless` is one the protocol tolerates by design: its row says "passed (harmless)" when the
# tests pass, which is the expected outcome.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
list="${1:-$here/mutations.tsv}"
BOUND="${BOUND:-60}"
ONLY="${ONLY:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/uintr-mutation.XXXXXX")"
logs="$work/logs"
mkdir -p "$logs"
cleanup() {
    if [[ "${KEEP:-0}" == 1 ]]; then echo "run.sh: copy and logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "run.sh: copying $repo to $work/repo" >&2
mkdir -p "$work/repo"
(cd "$repo" && tar --exclude=./.git --exclude='*/bin' --exclude='*/obj' -cf - .) | (cd "$work/repo" && tar -xf -)
tests="$work/repo/tests/UintrIpc.Tests"
dll="$tests/bin/Release/net10.0/UintrIpc.Tests.dll"

echo "run.sh: building the unmutated tests once" >&2
if [[ "${DRY:-0}" != 1 ]] && ! dotnet build "$tests" -c Release >"$logs/build-clean.log" 2>&1; then
    echo "run.sh: the unmutated copy does not build: see $logs/build-clean.log" >&2
    KEEP=1
    exit 2
fi

# The mutated library, built alone and copied where the tests and their child process load it.
library="$work/repo/src/UintrIpc"
rebuild_library() {
    dotnet build "$library" -c Release --no-restore --no-dependencies || return 1
    local out
    for out in "$tests/bin/Release/net10.0" "$work/repo/tests/UintrIpc.TestPeer/bin/Release/net10.0"; do
        cp "$library/bin/Release/net10.0/UintrIpc.dll" "$library/bin/Release/net10.0/UintrIpc.pdb" "$out/" || return 1
    done
}

# apply FILE PATTERN REPLACEMENT: exits 3 unless the pattern matches exactly once
apply() {
    python3 - "$@" <<'PY'
import re, sys
path, pattern, replacement = sys.argv[1:4]
text = open(path).read()
found = len(re.findall(pattern, text, flags=re.S))
if found != 1:
    print(f"the pattern matches {found} times", file=sys.stderr)
    sys.exit(3)
replacement = replacement.replace("\\n", "\n")
open(path, "w").write(re.sub(pattern, lambda m: m.expand(replacement), text, count=1, flags=re.S))
PY
}

printf '%-28s %-9s %-22s %8s  %s\n' "bug" "expect" "result" "seconds" "first failing test"
printf '%-28s %-9s %-22s %8s  %s\n' "---" "------" "------" "-------" "------------------"
bad=0
while IFS=$'\t' read -r id expect file pattern replacement filter; do
    [[ -z "$id" || "$id" == \#* ]] && continue
    [[ -n "$ONLY" && ! "$id" =~ $ONLY ]] && continue
    target="$work/repo/$file"
    cp "$target" "$work/original"
    result="" seconds="-" first=""
    if ! apply "$target" "$pattern" "$replacement" 2>"$logs/$id.apply.log"; then
        result="NO-MATCH"
    elif [[ "${DRY:-0}" == 1 ]]; then
        result="applies"
    elif ! rebuild_library >"$logs/$id.build.log" 2>&1; then
        result="BUILD-ERROR"
    else
        # Caught as soon as the first test fails: the rest of the run is not waited for.
        t0=$(date +%s.%N)
        setsid timeout --kill-after=10 "$BOUND" dotnet test "$dll" --filter "$filter" >"$logs/$id.test.log" 2>&1 &
        pid=$!
        rc=""
        while kill -0 "$pid" 2>/dev/null; do
            if grep -q '\[FAIL\]' "$logs/$id.test.log"; then
                rc=failed
                kill -TERM -- -"$pid" 2>/dev/null
                break
            fi
            sleep 0.5
        done
        seconds=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
        wait "$pid"
        status=$?
        [[ -n "$rc" ]] || rc=$status
        first=$(sed -n 's/.*\] *\(UintrIpc[^ (]*\).*\[FAIL\].*/\1/p' "$logs/$id.test.log" | head -n 1)
        if [[ $rc == 124 || $rc == 137 ]]; then result="HUNG (bound ${BOUND}s)"
        elif grep -q "No test matches the given testcase filter" "$logs/$id.test.log"; then result="NO-TESTS"
        elif [[ $rc != 0 && $expect == harmless ]]; then result="FAILED (harmless?)"
        elif [[ $rc != 0 ]]; then result="caught"
        elif [[ $expect == harmless ]]; then result="passed (harmless)"
        else result="MISSED"
        fi
    fi
    cp "$work/original" "$target"
    case $result in
        caught|"passed (harmless)"|applies) ;;
        *) bad=$((bad + 1)) ;;
    esac
    printf '%-28s %-9s %-22s %8s  %s\n' "$id" "$expect" "$result" "$seconds" "${first##*.}"
done <"$list"

# Leave the copy's build unmutated for whoever keeps it.
[[ "${DRY:-0}" == 1 ]] || rebuild_library >"$logs/build-restored.log" 2>&1 || true
echo "mutation: $bad not as expected"
[[ $bad -eq 0 ]]

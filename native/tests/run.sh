#!/usr/bin/env bash
# Builds the RFC-style C programs here with native/rfc-cc and runs each under a timeout,
# printing "PASS <name>" or "FAIL <name>: ..." per program; exits 1 if any failed.
# `native/tests/run.sh` runs them all, `native/tests/run.sh pingpong` one. dotnet test runs them
# one by one (tests/UintrIpc.Tests/RfcPrograms).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${RFC_TEST_TIMEOUT:-60} # the ping-pong's 100 000 rounds take seconds; a lost wake-up hangs
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ $# -eq 0 ]; then
    set -- $(cd "$here" && ls *.c | sed 's/\.c$//')
fi
failed=0
for name in "$@"; do
    if ! build=$("$here/../rfc-cc" -O2 -Wall -Wextra -Werror -o "$out/$name" "$here/$name.c" 2>&1); then
        echo "FAIL $name: does not build"
        echo "$build"
        failed=1
        continue
    fi
    result=$(timeout -k 5 "$timeout_s" "$out/$name" 2>&1)
    status=$?
    echo "$result" | grep -v '^PASS '
    if [ $status -eq 0 ] && grep -qx "PASS $name" <<<"$result"; then
        echo "PASS $name"
    else
        [ $status -eq 124 ] && echo "FAIL $name: no result within ${timeout_s} s (a lost wake-up hangs)"
        grep -q "^FAIL $name" <<<"$result" || echo "FAIL $name: exit status $status"
        failed=1
    fi
done
exit $failed

#!/bin/sh
# Proves the fuzz command end to end: with a deliberate bug switched on it fails, writes
# a shrunk scenario of a few lines, and that file fails again on replay with the bug and
# passes without it. Usage: fuzz_finds_injected_bug.sh SPREAD_SIM OUT_DIR
set -u
sim="$1"
out="$2"
fail() {
  echo "FAIL: $*"
  cat "$out/log" 2>/dev/null
  exit 1
}
rm -rf "$out" && mkdir -p "$out" || fail "cannot make $out"

"$sim" fuzz --seeds 200 --quiet --inject-bug drop-after-resume --out "$out" >"$out/log" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "fuzz exited with $status, expected 1"
grep -q "fails invariant no-loss" "$out/log" || fail "fuzz did not name the invariant"

set -- "$out"/fuzz-seed-*.scn
[ "$#" -eq 1 ] && [ -f "$1" ] || fail "expected one shrunk scenario in $out"
shrunk="$1"
events=$(grep -c '^[0-9]' "$shrunk")
[ "$events" -ge 1 ] && [ "$events" -le 6 ] || fail "shrunk scenario has $events events, expected 1 to 6"

"$sim" --inject-bug drop-after-resume "$shrunk" >"$out/replay" 2>&1 && fail "the shrunk scenario passed with the bug"
grep -q "invariant no-loss broken" "$out/replay" || fail "the replay did not report the invariant"
"$sim" "$shrunk" >/dev/null 2>&1 || fail "the shrunk scenario fails without the bug"
echo "ok: $shrunk has $events events"

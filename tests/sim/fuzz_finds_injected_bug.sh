#!/bin/sh
# Proves the fuzz command end to end: with a deliberate bug switched on it fails within
# SEEDS seeds, names INVARIANT, writes a shrunk scenario of a few lines, and that file fails
# again on replay with the bug and passes without it.
# Usage: fuzz_finds_injected_bug.sh SPREAD_SIM OUT_DIR BUG INVARIANT SEEDS
set -u
[ "$#" -eq 5 ] || { echo "usage: $0 SPREAD_SIM OUT_DIR BUG INVARIANT SEEDS"; exit 2; }
sim="$1"
out="$2"
bug="$3"
invariant="$4"
seeds="$5"
fail() {
  echo "FAIL ($bug): $*"
  cat "$out/log" 2>/dev/null
  exit 1
}
rm -rf "$out" && mkdir -p "$out" || fail "cannot make $out"

"$sim" fuzz --seeds "$seeds" --quiet --inject-bug "$bug" --out "$out" >"$out/log" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "fuzz exited with $status, expected 1 (did $seeds seeds miss the bug?)"
grep -q "fails invariant $invariant" "$out/log" || fail "fuzz did not name the invariant $invariant"

set -- "$out"/fuzz-seed-*.scn
[ "$#" -eq 1 ] && [ -f "$1" ] || fail "expected one shrunk scenario in $out"
shrunk="$1"
events=$(grep -c '^[0-9]' "$shrunk")
[ "$events" -ge 1 ] && [ "$events" -le 6 ] || fail "shrunk scenario has $events events, expected 1 to 6"

"$sim" --inject-bug "$bug" "$shrunk" >"$out/replay" 2>&1 && fail "the shrunk scenario passed with the bug"
grep -q "invariant $invariant broken" "$out/replay" || fail "the replay did not report the invariant"
"$sim" "$shrunk" >/dev/null 2>&1 || fail "the shrunk scenario fails without the bug"
echo "ok: $bug found, $shrunk has $events events"

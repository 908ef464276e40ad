#!/usr/bin/env bash
# Every seed of a fuzz corpus still draws the verdict its name promises,
# so that a seed meant to be accepted (and to lead the fuzzer past the
# checks) does not silently turn into one more refusal.
#
#   check_seeds.sh REPLAY_BINARY CORPUS_DIR EXPECT_FILE
#
# EXPECT_FILE: one "SEED VERDICT" a line (# comments), VERDICT as the
# target prints it with ONECARD_FUZZ_VERBOSE=1 ("ok", "cert_revoked",
# "json", ...). Every seed must be listed and every listed seed present.
set -euo pipefail

[[ $# -eq 3 ]] || {
	echo "usage: $0 REPLAY_BINARY CORPUS_DIR EXPECT_FILE" >&2
	exit 2
}
bin=$1 corpus=$2 expect=$3
log=$(mktemp)
trap 'rm -f -- "$log"' EXIT

ONECARD_FUZZ_VERBOSE=1 "$bin" "$corpus" 2>"$log" || {
	cat "$log" >&2
	echo "check_seeds: the replay failed" >&2
	exit 1
}
# "replay: DIR/NAME (N bytes)" then "fuzz_X: VERDICT: detail" -> "NAME VERDICT"
got=$(awk '
	/^replay: .* \([0-9]+ bytes\)$/ { n = $2; sub(/.*\//, "", n); next }
	/^fuzz_[a-z_]+: / && n != "" { v = $2; sub(/:$/, "", v); print n, v; n = "" }
' "$log" | sort)
want=$(grep -v '^[[:space:]]*\(#\|$\)' "$expect" | awk '{ print $1, $2 }' | sort)
if [[ $got != "$want" ]]; then
	echo "check_seeds: verdicts differ from $expect (< expected, > got):" >&2
	diff <(echo "$want") <(echo "$got") >&2 || true
	exit 1
fi
echo "check_seeds: $(echo "$got" | wc -l) seeds, each with its expected verdict"

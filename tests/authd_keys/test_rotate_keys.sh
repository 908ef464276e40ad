#!/usr/bin/env bash
# scripts/rotate-keys end to end (docs/keys.md): usage, --init, rotations
# and what the loader (authd_keys_probe) then serves, pruning, concurrent
# runs, permissions, a failed run, and tokens signed by the keyring's
# signer checked by onecard-token verify against the keyring's JWKS.
# Time is driven with --now, never by sleeping.
#
# Usage: test_rotate_keys.sh REPO PATH/TO/onecard-token PATH/TO/authd_keys_probe
# Prints "ok - ..." or "not ok - ..." per check and "N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ] || [ ! -x "$2" ] || [ ! -x "$3" ]; then
	echo "usage: $0 REPO PATH/TO/onecard-token PATH/TO/authd_keys_probe" >&2
	exit 2
fi
repo=$1
token_tool=$2
probe=$3
rotate=$repo/scripts/rotate-keys
export ONECARD_BIN_DIR
ONECARD_BIN_DIR=$(dirname "$token_tool")
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

T0=1800000000
LIFE=600           # --max-token-lifetime and the probe's max lifetime
SIGNING_KEEP=960   # LIFE + OC_KEYRING_SIGNING_MARGIN
ISS=https://authd.test
AUD=customs-declare

passed=0
failed=0
rc=0

pass() {
	echo "ok - $1"
	passed=$((passed + 1))
}

fail() {
	echo "not ok - $1"
	if [ -n "${2:-}" ]; then
		echo "#   $2"
	fi
	failed=$((failed + 1))
}

# not COMMAND...: succeeds when COMMAND fails.
not() {
	! "$@"
}

# quiet COMMAND...: COMMAND without its stdout.
quiet() {
	"$@" >/dev/null
}

# check DESC COMMAND...: one check from any command's success.
check() {
	local desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# rk ARGS...: runs rotate-keys; sets rc, fills $tmp/out and $tmp/err.
rk() {
	set +e
	"$rotate" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
}

# expect_rc DESC CODE [TEXT]: the last run exited CODE, and when CODE is
# not 0 wrote exactly one line to stderr containing TEXT.
expect_rc() {
	local desc=$1 want=$2 text=${3:-}
	if [ "$rc" != "$want" ]; then
		fail "$desc" "exit $rc, want $want; stderr: $(head -c 400 "$tmp/err")"
		return
	fi
	if [ "$want" != 0 ]; then
		if [ "$(wc -l <"$tmp/err")" != 1 ]; then
			fail "$desc" "want one line on stderr, got: $(head -c 400 "$tmp/err")"
			return
		fi
		if [ -n "$text" ] && ! grep -qF -- "$text" "$tmp/err"; then
			fail "$desc" "stderr lacks '$text': $(cat "$tmp/err")"
			return
		fi
	fi
	pass "$desc"
}

# entry DIR KIND STATE: the kid(s) of KIND in STATE in DIR's manifest.
entry() {
	awk -v k="$2" -v s="$3" '$1 == k && $3 == s { print $2 }' "$1/manifest"
}

count_entries() {
	awk -v k="$2" '$1 == k' "$1/manifest" | wc -l
}

mode_of() {
	stat -c %a -- "$1"
}

# all_modes DIR: 0 if every folder is 700 and every other file 600.
all_modes() {
	local bad
	bad=$(find "$1" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \))
	[ -z "$bad" ] || {
		echo "#   wrong modes: $bad"
		return 1
	}
}

# jwks_at DIR NOW: the JWKS the loader serves at NOW into $tmp/jwks.json.
jwks_at() {
	"$probe" jwks "$1" "$2" "$LIFE" >"$tmp/jwks.json"
}

jwks_has() {
	grep -qF "\"kid\":\"$1\"" "$tmp/jwks.json"
}

# verify TOKEN-FILE NOW: onecard-token verify against $tmp/jwks.json.
verify() {
	"$token_tool" verify --jwks "$tmp/jwks.json" --iss "$ISS" --aud "$AUD" --now "$2" - \
		<"$1" >/dev/null 2>"$tmp/verify.err"
}

# ---- the constants agree with the loader's ---------------------------------

hdr=$repo/authd/keys/keyring.h
for pair in SIGNING_MAX:OC_KEYRING_SIGNING_MAX SIGNING_MARGIN:OC_KEYRING_SIGNING_MARGIN \
	CHALLENGE_MARGIN:OC_KEYRING_CHALLENGE_MARGIN PUBLISH_MIN:OC_KEYRING_PUBLISH_MIN \
	LIFETIME_MAX:OC_KEYRING_LIFETIME_MAX MANIFEST_MAX:OC_KEYRING_MANIFEST_MAX; do
	sh=${pair%%:*}
	c=${pair#*:}
	sv=$(sed -n "s/^$sh=\([0-9]*\).*/\1/p" "$rotate")
	cv=$(sed -n "s/^#define ${c}[[:space:]]\{1,\}\([0-9]\{1,\}\)u\{0,1\}\([[:space:]].*\)\{0,1\}\$/\1/p" "$hdr")
	check "rotate-keys $sh ($sv) is keyring.h $c ($cv)" test -n "$sv" -a "$sv" = "$cv"
done
sv=$(sed -n 's/^CHALLENGE_LIFETIME_MAX=\([0-9]*\).*/\1/p' "$rotate")
cv=$(sed -n 's/^#define OC_CHALLENGE_LIFETIME_MAX[[:space:]]*\([0-9]*\).*/\1/p' \
	"$repo/authd/challenge/challenge.h")
check "rotate-keys CHALLENGE_LIFETIME_MAX is challenge.h's" test -n "$sv" -a "$sv" = "$cv"
sv=$(sed -n 's/^CHALLENGE_MAX=\([0-9]*\).*/\1/p' "$rotate")
cv=$(sed -n 's/^#define OC_CHALLENGE_KEYS_MAX[[:space:]]*\([0-9]*\).*/\1/p' \
	"$repo/authd/challenge/challenge.h")
check "rotate-keys CHALLENGE_MAX is OC_CHALLENGE_KEYS_MAX" test -n "$sv" -a "$sv" = "$cv"

# ---- usage -------------------------------------------------------------------

rk
expect_rc "no arguments: usage" 2 "missing --keys"
rk --help
expect_rc "--help" 0
check "--help prints the usage" grep -q "^usage: scripts/rotate-keys" "$tmp/out"
rk --keys "$tmp/k" --alg RS256
expect_rc "--alg RS256 refused" 2 "--alg must be EdDSA or ES256"
rk --keys "$tmp/k" --max-token-lifetime 0
expect_rc "--max-token-lifetime 0 refused" 2 "--max-token-lifetime must be"
rk --keys "$tmp/k" --max-token-lifetime 86401
expect_rc "--max-token-lifetime 86401 refused" 2 "--max-token-lifetime must be"
rk --keys "$tmp/k" --now 12x
expect_rc "--now 12x refused" 2 "--now must be Unix seconds"
rk --keys "$tmp/k" --init --force
expect_rc "--init --force refused" 2 "--init takes only"
rk --keys="$tmp/k"
expect_rc "--keys=DIR refused" 2 "write '--keys VALUE'"
rk --keys "$tmp/k" --bogus
expect_rc "unknown option refused" 2 "unknown argument"
rk --keys "$tmp/absent" --now "$T0"
expect_rc "rotating a missing folder refused" 3 "missing or not a folder"

# ---- --init ----------------------------------------------------------------

K=$tmp/keys
(
	umask 000
	"$rotate" --keys "$K" --init --now "$T0" >"$tmp/out" 2>"$tmp/err"
) && rc=0 || rc=$?
expect_rc "--init (with umask 000)" 0
check "init: folders 0700, files 0600 whatever the umask" all_modes "$K"
check "init: the manifest starts with its version line" \
	test "$(head -n 1 "$K/manifest")" = "onecard-keys 1"
check "init: 2 signing and 2 challenge keys" \
	test "$(count_entries "$K" signing)-$(count_entries "$K" challenge)" = 2-2
check "init: stdout lists the entries" test "$(wc -l <"$tmp/out")" = 4
s_cur=$(entry "$K" signing current)
s_next=$(entry "$K" signing next)
c_cur=$(entry "$K" challenge current)
check "init: kids are s-<UTC time>-<hex>" \
	grep -qE '^s-20270115T080000Z-[0-9a-f]{8}$' <<<"$s_cur"
check "init: the signing key is EdDSA" grep -q '"kty":"OKP"' "$K/signing/$s_cur.jwk"
check "init: a MAC key is 43 base64url characters and a newline" \
	grep -qE '^[A-Za-z0-9_-]{43}$' "$K/challenge/$c_cur.key"
check "init: the loader accepts the folder" quiet "$probe" kids "$K" "$T0" "$LIFE"
check "init: the loader's current keys are the manifest's" \
	test "$("$probe" kids "$K" "$T0" "$LIFE")" = "$s_cur $c_cur"
jwks_at "$K" "$T0"
check "init: the JWKS holds the current and the next key" jwks_has "$s_cur"
check "init: ...and the next" jwks_has "$s_next"
check "init: the JWKS holds no private member" not grep -q '"d"' "$tmp/jwks.json"
rk --keys "$K" --init --now "$T0"
expect_rc "init again refused" 3 "already holds a manifest"

# A token signed by the keyring's signer verifies against its JWKS.
"$probe" sign "$K" "$((T0 + 300))" "$LIFE" >"$tmp/token1"
jwks_at "$K" "$((T0 + 300))"
check "a token the keyring signed verifies with onecard-token" verify "$tmp/token1" $((T0 + 301))

# ---- rotations -----------------------------------------------------------

cp "$K/manifest" "$tmp/manifest.before"
rk --keys "$K" --now $((T0 + 10)) --max-token-lifetime "$LIFE"
expect_rc "rotating before the next key was published 300 s refused" 3 \
	"less than 300s ago"
check "a refused rotation leaves the manifest" cmp -s "$K/manifest" "$tmp/manifest.before"
check "a refused rotation leaves no file behind" \
	test "$(find "$K" -type f | wc -l)" = 6

prev_next=$s_next
prev_cnext=$(entry "$K" challenge next)
s1=$s_cur
c1=$c_cur
for i in 1 2 3; do
	at=$((T0 + 400 * i))
	rk --keys "$K" --now "$at" --max-token-lifetime "$LIFE"
	expect_rc "rotation $i" 0
	check "rotation $i: the next signing key is now current" \
		test "$(entry "$K" signing current)" = "$prev_next"
	check "rotation $i: the next challenge key is now current" \
		test "$(entry "$K" challenge current)" = "$prev_cnext"
	check "rotation $i: a new next key of each kind" \
		test -n "$(entry "$K" signing next)" -a -n "$(entry "$K" challenge next)"
	check "rotation $i: the folder loads" quiet "$probe" kids "$K" "$at" "$LIFE"
	check "rotation $i: modes" all_modes "$K"
	prev_next=$(entry "$K" signing next)
	prev_cnext=$(entry "$K" challenge next)
	if [ "$i" = 1 ]; then
		check "rotation 1: the first key is retired at its time" \
			grep -qx "signing $s1 retired $at" "$K/manifest"
	fi
done
# At T0+1200: s1 retired at T0+400 stays (1200 < 400 + 960); c1, retired
# at T0+400, was deleted at the rotation at T0+800 (800 >= 400 + 180).
check "pruning: the retired signing key is kept while its tokens may live" \
	test -f "$K/signing/$s1.jwk"
check "pruning: the old challenge key file is deleted" test ! -e "$K/challenge/$c1.key"
check "pruning: ...and gone from the manifest" not grep -q "$c1" "$K/manifest"
check "pruning: challenge keys listed: current, next, one retired" \
	test "$(count_entries "$K" challenge)" = 3
check "pruning: signing keys listed: current, next, three retired" \
	test "$(count_entries "$K" signing)" = 5

# The JWKS follows the max token lifetime, with no rotation in between.
jwks_at "$K" $((T0 + 400 + SIGNING_KEEP - 1))
check "JWKS: the first key is served until its tokens and leeway are over" jwks_has "$s1"
check "JWKS: a token it signed before rotating still verifies" verify "$tmp/token1" $((T0 + 850))
jwks_at "$K" $((T0 + 400 + SIGNING_KEEP))
check "JWKS: then the first key is left out" not jwks_has "$s1"
check "JWKS: ...and its token no longer verifies" not verify "$tmp/token1" $((T0 + 850))
check "JWKS: ...refused as an unknown kid" grep -q unknown_kid "$tmp/verify.err"

rk --keys "$K" --now $((T0 + 1600)) --max-token-lifetime "$LIFE"
expect_rc "rotation 4" 0
check "pruning: the first signing key's file is deleted" test ! -e "$K/signing/$s1.jwk"
check "pruning: ...and gone from the manifest" not grep -q "$s1" "$K/manifest"
check "pruning: stderr says what was deleted" grep -q "deleting .*$s1.jwk" "$tmp/err"

# A token from the current key verifies against what the loader serves now.
"$probe" sign "$K" $((T0 + 1700)) "$LIFE" >"$tmp/token2"
jwks_at "$K" $((T0 + 1700))
check "after 4 rotations a fresh token verifies" verify "$tmp/token2" $((T0 + 1701))

# ---- --alg ES256 ---------------------------------------------------------

rk --keys "$K" --now $((T0 + 2000)) --alg ES256
expect_rc "rotation with --alg ES256" 0
check "--alg ES256: the new next key is EC P-256" \
	grep -q '"crv":"P-256"' "$K/signing/$(entry "$K" signing next).jwk"
rk --keys "$K" --now $((T0 + 2400)) --alg ES256
expect_rc "a second ES256 rotation" 0
check "--alg ES256: after two rotations the current key is ES256" \
	grep -q '"kty":"EC"' "$K/signing/$(entry "$K" signing current).jwk"
"$probe" sign "$K" $((T0 + 2500)) "$LIFE" >"$tmp/token3"
jwks_at "$K" $((T0 + 2500))
check "an ES256 token verifies" verify "$tmp/token3" $((T0 + 2501))
check "the ES256 token's header says ES256" \
	grep -q '"alg":"ES256"' <(cut -d. -f1 "$tmp/token3" | tr '_-' '/+' | base64 -d 2>/dev/null)

# ---- --force -----------------------------------------------------------------

rk --keys "$K" --now $((T0 + 2410)) --force
expect_rc "--force rotates a next key published 10 s ago" 0

# ---- leftovers of a failed run are removed -----------------------------------

cp "$K/signing/$(entry "$K" signing current).jwk" "$K/signing/s-orphan.jwk"
rk --keys "$K" --now $((T0 + 3000))
expect_rc "a rotation with a stray key file" 0
check "the stray file is removed" test ! -e "$K/signing/s-orphan.jwk"

# ---- a run that fails while writing ---------------------------------------

mkdir "$tmp/badbin"
printf '#!/bin/sh\necho "{" ; exit 1\n' >"$tmp/badbin/onecard-token"
chmod 755 "$tmp/badbin/onecard-token"
cp "$K/manifest" "$tmp/manifest.before"
files_before=$(find "$K" -type f | sort)
set +e
ONECARD_BIN_DIR=$tmp/badbin "$rotate" --keys "$K" --now $((T0 + 3400)) >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
expect_rc "keygen failing: exit 1" 1 "keygen failed"
check "a failed run leaves the manifest as it was" cmp -s "$K/manifest" "$tmp/manifest.before"
check "a failed run leaves no file behind" \
	test "$(find "$K" -type f | sort)" = "$files_before"
check "the folder still loads" quiet "$probe" kids "$K" $((T0 + 3400)) "$LIFE"

# ---- permissions -----------------------------------------------------------

cur=$K/signing/$(entry "$K" signing current).jwk
chmod 640 "$cur"
rk --keys "$K" --now $((T0 + 4000))
expect_rc "a group-readable key file: rotation refused" 3 "group or others have access"
set +e
"$probe" kids "$K" $((T0 + 4000)) "$LIFE" >/dev/null 2>"$tmp/err"
rc=$?
set -e
expect_rc "a group-readable key file: the loader refuses, naming it" 1 "$cur: group or others"
chmod 600 "$cur"
chmod 770 "$K"
rk --keys "$K" --now $((T0 + 4000))
expect_rc "a group-writable folder: rotation refused" 3 "writable by group or others"
chmod 700 "$K"
chmod 707 "$K/challenge"
rk --keys "$K" --now $((T0 + 4000))
expect_rc "an other-writable challenge/: rotation refused" 3 "$K/challenge: writable"
chmod 700 "$K/challenge"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$K"
	rk --keys "$K" --now $((T0 + 4000))
	expect_rc "a folder owned by another user: rotation refused" 3 "run as the owner"
	chown 0 "$K"
fi

# ---- a manifest rotate-keys cannot read --------------------------------------

cp "$K/manifest" "$tmp/manifest.good"
printf 'signing x current nope\n' >>"$K/manifest"
rk --keys "$K" --now $((T0 + 4000))
expect_rc "a bad manifest line: rotation refused with its line number" 3 "manifest: line"
cp "$tmp/manifest.good" "$K/manifest"
chmod 600 "$K/manifest"

# ---- concurrent runs -----------------------------------------------------------

C=$tmp/concurrent
rk --keys "$C" --init --now "$T0"
expect_rc "init for the concurrent runs" 0
pids=()
for i in 1 2 3 4 5; do
	"$rotate" --keys "$C" --force --now $((T0 + 10)) >"$tmp/c$i.out" 2>"$tmp/c$i.err" &
	pids+=($!)
done
all_ok=1
for pid in "${pids[@]}"; do
	wait "$pid" || all_ok=0
done
check "five concurrent rotations all succeed (one at a time)" test "$all_ok" = 1
check "concurrent: the folder loads" quiet "$probe" kids "$C" $((T0 + 10)) "$LIFE"
check "concurrent: 7 signing keys listed (current, next, 5 retired)" \
	test "$(count_entries "$C" signing)" = 7
check "concurrent: 7 challenge keys listed" test "$(count_entries "$C" challenge)" = 7
check "concurrent: every listed key has its file and no other file is there" \
	test "$(find "$C/signing" -type f | wc -l)-$(find "$C/challenge" -type f | wc -l)" = 7-7
check "concurrent: no temporary file is left" \
	test -z "$(find "$C" -name '.tmp.*' -o -name '.manifest.*')"
check "concurrent: kids are unique" \
	test "$(awk 'NR > 1 { print $2 }' "$C/manifest" | sort | uniq -d)" = ""
check "concurrent: modes" all_modes "$C"
rk --keys "$C" --force --now $((T0 + 20))
expect_rc "a sixth rotation lists 8 challenge keys" 0
rk --keys "$C" --force --now $((T0 + 30))
expect_rc "a seventh would list 9 challenge keys within 180 s: refused" 3 "at most 8"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

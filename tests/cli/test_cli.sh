#!/usr/bin/env bash
# Tests of the onecard-token command line: every subcommand, and for
# every refusal the exit status of its class (tools/onecard-token/cli.h),
# exactly one line on stderr and no token bytes in it.
#
# Usage: test_cli.sh PATH/TO/onecard-token
# Prints "ok - ..." or "not ok - ..." per check and "N passed, M failed".
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/onecard-token" >&2
	exit 2
fi
tool=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

iss=https://authd.example
aud=module-a
claims='{"iss":"https://authd.example","aud":"module-a","sub":"alice"}'

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

# check DESC CONDITION-COMMAND...: one check from any command's success.
check() {
	local desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# run [STDIN-FILE] -- ARGS...: runs the tool; sets rc, fills out and err.
run() {
	local input=/dev/null
	if [ "$1" != "--" ]; then
		input=$1
		shift
	fi
	shift
	set +e
	"$tool" "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
}

# expect_ok DESC: the last run exited 0 and wrote nothing on stderr.
expect_ok() {
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then
		pass "$1"
	else
		fail "$1" "exit $rc, stderr: $(head -c 300 "$tmp/err")"
	fi
}

# one_error_line: stderr is exactly one line starting "onecard-token: ".
one_error_line() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^onecard-token: ' "$tmp/err"
}

# expect_fail DESC CODE [SECRET...]: the last run exited CODE, printed
# nothing on stdout, one error line on stderr holding none of SECRET.
expect_fail() {
	local desc=$1 want=$2 s
	shift 2
	if [ "$rc" -ne "$want" ]; then
		fail "$desc" "exit $rc, wanted $want; stderr: $(head -c 300 "$tmp/err")"
		return
	fi
	if [ -s "$tmp/out" ]; then
		fail "$desc" "stdout not empty on failure"
		return
	fi
	if ! one_error_line; then
		fail "$desc" "stderr is not one 'onecard-token: ' line: $(head -c 300 "$tmp/err")"
		return
	fi
	for s in "$@"; do
		if [ -n "$s" ] && grep -qF -- "$s" "$tmp/err"; then
			fail "$desc" "the error message repeats secret bytes"
			return
		fi
	done
	pass "$desc"
}

# lacks TEXT FILE: FILE does not hold TEXT.
lacks() {
	! grep -qF -- "$1" "$2"
}

# claim_int NAME FILE: the value of a number claim in compact JSON (0 if absent).
claim_int() {
	local v
	v=$(sed -n "s/.*\"$1\":\\([0-9][0-9]*\\).*/\\1/p" "$2")
	echo "${v:-0}"
}

# tamper TOKEN: the token with one payload character changed.
tamper() {
	local h p s c
	IFS=. read -r h p s <<<"$1"
	c=${p:10:1}
	if [ "$c" = "A" ]; then c=B; else c=A; fi
	printf '%s.%s%s%s.%s\n' "$h" "${p:0:10}" "$c" "${p:11}" "$s"
}

# field N TOKEN: segment N (1..3) of a compact token.
field() {
	cut -d. -f"$1" <<<"$2"
}

# ---- help ---------------------------------------------------------------
run -- --help
expect_ok "--help exits 0"
check "--help documents every exit status" \
	grep -q '^  8  bad key' "$tmp/out"
check "--help names the error codes of class 5" grep -q 'expired, not_yet_valid' "$tmp/out"
run -- help
expect_ok "help exits 0"
run -- verify --help
expect_ok "verify --help exits 0"

# ---- keygen -------------------------------------------------------------
for alg in EdDSA ES256; do
	run -- keygen --alg "$alg" --kid "key-$alg"
	expect_ok "keygen --alg $alg"
	cp "$tmp/out" "$tmp/$alg.jwk"
	check "keygen $alg prints one line" test "$(wc -l <"$tmp/$alg.jwk")" -eq 1
	check "keygen $alg prints a private JWK with its kid and alg" \
		grep -q "\"d\":\".*\"kid\":\"key-$alg\",\"alg\":\"$alg\"" "$tmp/$alg.jwk"
done
check "keygen EdDSA makes an OKP Ed25519 key" grep -q '"kty":"OKP","crv":"Ed25519"' "$tmp/EdDSA.jwk"
check "keygen ES256 makes an EC P-256 key" grep -q '"kty":"EC","crv":"P-256"' "$tmp/ES256.jwk"
run -- keygen --alg EdDSA --kid other-key
cp "$tmp/out" "$tmp/other.jwk"
run -- keygen --alg ES256 --kid key-ES256
cp "$tmp/out" "$tmp/ES256-same-kid.jwk"

run -- keygen --alg HS256 --kid k
expect_fail "keygen with a bad alg fails with one error line" 2
run -- keygen --alg none --kid k
expect_fail "keygen --alg none is refused" 2
run -- keygen --alg es256 --kid k
expect_fail "keygen alg names are case-sensitive" 2
run -- keygen --alg EdDSA
expect_fail "keygen without --kid is a usage error" 2
run -- keygen --alg EdDSA --kid 'has space'
expect_fail "keygen with a kid holding a space is a usage error" 2
run -- keygen --alg EdDSA --kid "$(printf 'k%.0s' $(seq 1 129))"
expect_fail "keygen with a 129-byte kid is a usage error" 2
run -- keygen --alg EdDSA --kid k extra
expect_fail "keygen with an extra argument is a usage error" 2

# ---- jwks ---------------------------------------------------------------
run -- jwks "$tmp/EdDSA.jwk" "$tmp/ES256.jwk"
expect_ok "jwks of an EdDSA and an ES256 key"
cp "$tmp/out" "$tmp/jwks.json"
check "jwks holds both kids" grep -q '"kid":"key-EdDSA".*"kid":"key-ES256"' "$tmp/jwks.json"
check "jwks drops the private member d" lacks '"d"' "$tmp/jwks.json"
run -- jwks "$tmp/other.jwk"
cp "$tmp/out" "$tmp/jwks-other.json"
run -- jwks "$tmp/jwks.json"
expect_fail "jwks of a JWKS file (not a JWK) fails as a bad key" 8
run -- jwks "$tmp/ES256.jwk" "$tmp/ES256-same-kid.jwk"
expect_fail "jwks with a duplicate kid fails as a bad key set" 8
run -- jwks "$tmp/missing.jwk"
expect_fail "jwks of a missing file is an I/O error" 1
run -- jwks
expect_fail "jwks without a key file is a usage error" 2
printf '{"kty":"OKP"}\0junk' >"$tmp/nul.jwk"
run -- jwks "$tmp/nul.jwk"
expect_fail "jwks of a file with a NUL byte fails as a bad key" 8

# ---- sign and verify, both algorithms -----------------------------------
for alg in EdDSA ES256; do
	printf '%s\n' "$claims" >"$tmp/claims.json"
	run "$tmp/claims.json" -- sign --key "$tmp/$alg.jwk"
	expect_ok "sign with $alg"
	token=$(cat "$tmp/out")
	payload=$(field 2 "$token")
	check "$alg token has three segments" test "$(tr -cd . <<<"$token")" = ".."
	printf '%s\n' "$token" >"$tmp/token"

	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
	expect_ok "verify $alg token from stdin"
	cp "$tmp/out" "$tmp/claims-out.json"
	check "$alg claims keep iss, aud and sub" \
		grep -q '"aud":"module-a".*"iss":"https://authd.example".*"sub":"alice"' \
		"$tmp/claims-out.json"
	check "$alg claims gain iat, nbf, exp and jti" \
		grep -qE '"exp":[0-9]+,"iat":[0-9]+,.*"jti":"[A-Za-z0-9_-]+","nbf":[0-9]+' \
		"$tmp/claims-out.json"
	iat=$(claim_int iat "$tmp/claims-out.json")
	exp=$(claim_int exp "$tmp/claims-out.json")
	check "$alg default lifetime is 300 s" test "$((exp - iat))" -eq 300

	run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" "$token"
	expect_ok "verify $alg token given as an argument"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" -
	expect_ok "verify $alg token from stdin given as -"

	tamper "$token" >"$tmp/tampered"
	run "$tmp/tampered" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
	expect_fail "$alg token with a changed payload: bad signature" 4 "$payload"
	check "$alg bad signature names the rule" \
		grep -q '^onecard-token: token refused: bad_signature (' "$tmp/err"

	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud module-b
	expect_fail "$alg token for another audience: wrong party" 6 "$payload"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss https://evil.example --aud "$aud"
	expect_fail "$alg token from another issuer: wrong party" 6 "$payload"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss https://authd.example/ --aud "$aud"
	expect_fail "$alg issuer compared exactly (trailing slash)" 6 "$payload"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" --typ id+jwt
	expect_fail "$alg token of another type: wrong party" 6 "$payload"

	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" \
		--now "$((exp + 100000))"
	expect_fail "$alg token checked far in the future: expired" 5 "$payload"
	check "$alg expiry error reads as the rule" \
		grep -qx 'onecard-token: token refused: expired (exp has passed)' "$tmp/err"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" \
		--now 1000000000
	expect_fail "$alg token checked in 2001: not yet valid" 5 "$payload"
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" \
		--now "$((exp + 30))" --leeway 0
	expect_fail "$alg token 30 s past exp with no leeway: expired" 5
	run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" \
		--now "$((exp + 30))" --leeway 60
	expect_ok "$alg token 30 s past exp within a 60 s leeway"

	run "$tmp/token" -- verify --jwks "$tmp/jwks-other.json" --iss "$iss" --aud "$aud"
	expect_fail "$alg token against a JWKS without its kid: unknown key" 7 "$payload"
done

# ---- sign options -------------------------------------------------------
printf '%s' "$claims" >"$tmp/claims.json"
run "$tmp/claims.json" -- sign --key "$tmp/ES256.jwk" --lifetime 60 --typ dpop+jwt
expect_ok "sign with --lifetime 60 --typ dpop+jwt"
printf '%s\n' "$(cat "$tmp/out")" >"$tmp/token"
run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" --typ dpop+jwt
expect_ok "verify with the matching --typ"
check "--lifetime 60 gives exp = iat + 60" \
	test "$(($(claim_int exp "$tmp/out") - $(claim_int iat "$tmp/out")))" -eq 60
run "$tmp/token" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
expect_fail "a dpop+jwt token is not an access token: wrong party" 6

printf '{"iss":' >"$tmp/bad-claims.json"
run "$tmp/bad-claims.json" -- sign --key "$tmp/ES256.jwk"
expect_fail "sign with claims that are not JSON: malformed" 3
printf '["iss"]' >"$tmp/bad-claims.json"
run "$tmp/bad-claims.json" -- sign --key "$tmp/ES256.jwk"
expect_fail "sign with claims that are not an object: malformed" 3
run "$tmp/claims.json" -- sign --key "$tmp/jwks.json"
expect_fail "sign with a JWKS as the key: bad key" 8
run "$tmp/claims.json" -- sign --key "$tmp/jwks-other.json"
expect_fail "sign with a public-only key set file: bad key" 8
run "$tmp/claims.json" -- sign --key "$tmp/missing.jwk"
expect_fail "sign with a missing key file: I/O error" 1
run "$tmp/claims.json" -- sign --key "$tmp/ES256.jwk" --typ ''
expect_fail "sign with an empty --typ: usage error" 2
for bad in 0 86401 -5 +5 ' 5' 12abc 0x10 99999999999999999999 ''; do
	run "$tmp/claims.json" -- sign --key "$tmp/ES256.jwk" --lifetime "$bad"
	expect_fail "sign --lifetime '$bad' is a usage error" 2
done
run "$tmp/claims.json" -- sign --key "$tmp/ES256.jwk" --lifetime 86400
expect_ok "sign --lifetime 86400 (the maximum) is accepted"
run "$tmp/claims.json" -- sign
expect_fail "sign without --key is a usage error" 2
run "$tmp/claims.json" -- sign --key "$tmp/ES256.jwk" stray
expect_fail "sign with an extra argument is a usage error" 2
head -c 300000 /dev/zero | tr '\0' ' ' >"$tmp/huge"
run "$tmp/huge" -- sign --key "$tmp/ES256.jwk"
expect_fail "sign with claims over the input limit: malformed" 3

# ---- malformed tokens and key sets ---------------------------------------
printf 'garbage\n' >"$tmp/garbage"
run "$tmp/garbage" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
expect_fail "a garbage token: malformed" 3
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" a.b.c
expect_fail "a token of three junk segments: malformed" 3
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
expect_fail "an empty token on stdin: malformed" 3
printf '%s\n\n' "$token" >"$tmp/token2nl"
run "$tmp/token2nl" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
expect_fail "only one trailing newline is dropped from stdin" 3 "$(field 2 "$token")"
run "$tmp/huge" -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud"
expect_fail "a token over the input limit: malformed" 3

printf 'not json' >"$tmp/bad.jwks"
run "$tmp/token" -- verify --jwks "$tmp/bad.jwks" --iss "$iss" --aud "$aud"
expect_fail "a JWKS file that is not JSON: bad key set" 8
printf '{"keys":[]}' >"$tmp/empty.jwks"
run "$tmp/token" -- verify --jwks "$tmp/empty.jwks" --iss "$iss" --aud "$aud"
expect_fail "a JWKS with no keys: bad key set" 8
run "$tmp/token" -- verify --jwks "$tmp/ES256.jwk" --iss "$iss" --aud "$aud"
expect_fail "a private JWK given as the JWKS: bad key set" 8
printf '{"keys":[%s]}' "$(cat "$tmp/ES256.jwk")" >"$tmp/private.jwks"
run "$tmp/token" -- verify --jwks "$tmp/private.jwks" --iss "$iss" --aud "$aud"
expect_fail "a JWKS holding a private key: bad key" 8 "$(sed -n 's/.*"d":"\([^"]*\)".*/\1/p' "$tmp/ES256.jwk")"
run "$tmp/token" -- verify --jwks "$tmp/missing.jwks" --iss "$iss" --aud "$aud"
expect_fail "a missing JWKS file: I/O error" 1

# ---- usage errors --------------------------------------------------------
run --
expect_fail "no command: usage error" 2
run -- frobnicate
expect_fail "an unknown command: usage error" 2
run -- "$token"
expect_fail "a token in place of the command is not echoed" 2 "$(field 2 "$token")"
run -- --verbose
expect_fail "an unknown top-level option: usage error" 2
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" --colour "$token"
expect_fail "an unknown verify option: usage error" 2 "$(field 2 "$token")"
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" "--token=$token"
expect_fail "an unknown option's value is not echoed" 2 "$(field 2 "$token")"
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" "$token"
expect_fail "verify without --aud: usage error" 2
run -- verify --jwks "$tmp/jwks.json" --aud "$aud" "$token"
expect_fail "verify without --iss: usage error" 2
run -- verify --iss "$iss" --aud "$aud" "$token"
expect_fail "verify without --jwks: usage error" 2
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud '' "$token"
expect_fail "verify with an empty --aud: usage error" 2
run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" "$token" "$token"
expect_fail "verify with two tokens: usage error" 2
run -- verify --jwks
expect_fail "an option without its value: usage error" 2
for bad in 301 -1 1e2 abc ''; do
	run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" --leeway "$bad" "$token"
	expect_fail "verify --leeway '$bad' is a usage error" 2
done
for bad in 0 -1 9223372036854775807 253402300800 1.5 now; do
	run -- verify --jwks "$tmp/jwks.json" --iss "$iss" --aud "$aud" --now "$bad" "$token"
	expect_fail "verify --now '$bad' is a usage error" 2
done
run -- keygen --alg=EdDSA --kid=k --help=yes
expect_fail "a flag given a value: usage error" 2

echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
	exit 1
fi

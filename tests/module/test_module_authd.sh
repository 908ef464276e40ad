#!/usr/bin/env bash
# The module verifier (include/onecard/module.h) against a real
# onecard-authd on a private set of services (PostgreSQL, slapd, SoftHSM;
# tests/enroll/lib.sh, as authd_login does: this test rotates authd's keys
# and stops it, so it shares no service set). A software-key card
# (bench/login/setup-cards.sh) logs in with softcard for real tokens;
# module_driver keeps modules alive across the steps and answers one line
# per command (its header lists them).
#
#   1. a token verifies; the keys come from one fetch and are then cached
#      with authd's max-age; wrong audience, wrong issuer, a tampered
#      signature, an expired token are refused
#   2. demands: an agency the token lacks (the reason names it), an acr the
#      module does not admit, malformed or missing agencies and acr; a
#      module configured from authd's GET /v1/modules
#   3. key rotation: a token under a kid the module has never seen verifies
#      after one refetch; a second unknown kid within the rate limit fetches
#      nothing, after the interval it fetches again
#   4. many threads verify while the keys are swapped (under ASan too);
#      threads meeting a new kid, or a module's first use, together cause
#      one fetch
#   5. answers that are not a key set (not JSON, no keys, a private key,
#      oversized, empty, text/plain, a redirect, 404) keep the old keys;
#      an answer without Cache-Control is cached 300 s
#   6. authd stopped: cached keys still verify unexpired tokens, past their
#      freshness too (a failed refresh, then backoff); a module that never
#      fetched, or whose keys went past stale_max_s, refuses everything
#
# The JWKS of step 5 is authd's own, served as a file by a static HTTP
# server so that the answer can be broken on purpose: authd never serves
# garbage. Everything else talks to authd itself.
#
#   test_module_authd.sh BUILD_DIR SOURCE_DIR MODULE_DRIVER
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../enroll/lib.sh
. "$here/../enroll/lib.sh"
DRIVER=$3
enroll_setup "$1" "$2"

SOFTCARD=$BUILD/tests/authd/tools/softcard
TOKEN=$BUILD/tools/onecard-token/onecard-token
ROTATE=$SRC/scripts/rotate-keys
for t in "$SOFTCARD" "$TOKEN" "$DRIVER" "$BUILD/authd/server/onecard-authd"; do
  [ -x "$t" ] || { not_ok "built: $t"; enroll_finish; exit 1; }
done
command -v python3 >/dev/null || { not_ok "installed: python3 (the static server of step 5)"; enroll_finish; exit 1; }
AUD=provincial-portal

# ---- helpers ---------------------------------------------------------------

start_authd() { # prints the URL
  "$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --name authd \
    2>>"$WORK/dev-services.log" | sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'$/\1/p"
}
publish_crl() {
  "$CA" --home "$HOME_CA" --pass-file "$WORK/pass" crl >"$HOME_CA/.crl.tmp" 2>>"$WORK/err" &&
    mv -f "$HOME_CA/.crl.tmp" "$HOME_CA/crl.pem"
}
# token_for AUD FILE: a card login with softcard; the access token to FILE.
token_for() {
  "$SOFTCARD" login --authd "$URL" --audience "$1" "${PA[@]}" >"$WORK/login.out" 2>"$WORK/login.err"
  sed -n 2p "$WORK/login.out" | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p' >"$2"
  [ -s "$2" ]
}
# kid_of FILE: the kid in the token's header.
kid_of() {
  local h
  h=$(cut -d. -f1 <"$1" | tr '_-' '/+')
  while [ $((${#h} % 4)) -ne 0 ]; do h="$h="; done
  base64 -d <<<"$h" 2>/dev/null | sed -n 's/.*"kid":"\([^"]*\)".*/\1/p'
}
signs_with() { token_for "$AUD" "$WORK/probe" && [ "$(kid_of "$WORK/probe")" = "$1" ]; }
# wait_for DESCRIPTION SECONDS COMMAND...: until the command succeeds.
wait_for() {
  local desc=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  not_ok "waited ${secs}s for: $desc"
  return 1
}
# sign KEYFILE LIFETIME OUT JSON: a token signed with the private JWK.
sign() {
  printf '%s' "$4" | "$TOKEN" sign --key "$1" --lifetime "$2" >"$3" 2>>"$WORK/err"
}

# The driver, kept running: ask CMD... sends one command and puts the
# answer line in ANSWER (never called in a subshell: the pipes are ours).
coproc DRV { "$DRIVER" 2>"$WORK/driver.err"; }
DRIVER_PID=$DRV_PID # bash unsets DRV_PID once the driver is gone
ask() {
  ANSWER=""
  if [ -z "${DRV[1]:-}" ]; then
    ANSWER="(module_driver is gone: $(tail -n 1 "$WORK/driver.err"))"
    return
  fi
  printf '%s\n' "$*" >&"${DRV[1]}"
  IFS= read -r -t 120 ANSWER <&"${DRV[0]}" || ANSWER="(no answer: $(tail -n 1 "$WORK/driver.err"))"
}
# expect DESCRIPTION REGEX CMD...: the answer matches REGEX.
expect() {
  local what=$1 re=$2
  shift 2
  ask "$@"
  if [[ $ANSWER =~ $re ]]; then ok "$what"; else not_ok "$what (want /$re/, got '$ANSWER')"; fi
}
# stats_are DESCRIPTION MODULE KEY=VALUE...: each named counter has its value.
stats_are() {
  local what=$1 name=$2 kv got bad=""
  shift 2
  ask stats "$name"
  for kv in "$@"; do
    got=$(sed -n "s/.* ${kv%%=*}=\([^ ]*\).*/\1/p" <<<" $ANSWER")
    [ "$got" = "${kv#*=}" ] || bad="$bad ${kv%%=*}=$got (want ${kv#*=})"
  done
  if [ -z "$bad" ]; then ok "$what"; else not_ok "$what:$bad [$ANSWER]"; fi
}

# ---- setup: a software card, authd ------------------------------------------

ONECARD_BENCH_PREFIX=mod ONECARD_BENCH_JOBS=2 bash "$SRC/bench/login/setup-cards.sh" "$HOME_CA" "$WORK/pass" \
  "$WORK/soft" 1 customs,maritime >/dev/null 2>"$WORK/setup.err" ||
  { cat "$WORK/setup.err"; not_ok "setup-cards"; enroll_finish; exit 1; }
mapfile -t SOFT <"$WORK/soft/cards.txt"
PA=()
for p in ${SOFT[0]//,/ }; do PA+=(--proof "$p"); done
publish_crl
URL=$(start_authd)
[ -n "$URL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "authd started at $URL"
JWKS=$URL/.well-known/jwks.json
KEYS=$DEV/authd/keys
token_for "$AUD" "$WORK/t1" || { cat "$WORK/login.out" "$WORK/login.err"; not_ok "a card login"; enroll_finish; exit 1; }
ok "a card login gave a token"
KID1=$(kid_of "$WORK/t1")
curl -fsS -D "$WORK/jwks0.headers" "$JWKS" >"$WORK/jwks0.json"
expect_grep "authd's JWKS says max-age=60" '^[Cc]ache-[Cc]ontrol: .*max-age=60' "$WORK/jwks0.headers"
current_jwk=$KEYS/signing/$KID1.jwk
[ -f "$current_jwk" ] || not_ok "authd's current signing key is $current_jwk"

# ---- 1. a token verifies; the cache; audience, issuer, signature, time ------

expect "new module: provincial-portal, acr card" '^ok$' new portal "$JWKS" "$URL" "$AUD" card - refetch=5
stats_are "nothing fetched before the first verify" portal fetches=0 keys=0
expect "a token from authd verifies" "^ok sub=mod-p[0-9]+ kid=$KID1\$" verify portal "$WORK/t1"
stats_are "first use: one fetch; authd's current and next key; max-age 60 kept" portal \
  fetches=1 failures=0 keys=2 max_age=60 last=ok
expect "verified again" '^ok ' verify portal "$WORK/t1"
expect "and again" '^ok ' verify portal "$WORK/t1"
stats_are "from the cache: still one fetch" portal fetches=1

expect "new module: another audience" '^ok$' new customs-decl "$JWKS" "$URL" province-customs-declaration card -
expect "a token for another module is refused (aud)" '^refused wrong_audience ' verify customs-decl "$WORK/t1"
expect "new module: another issuer" '^ok$' new other-iss "$JWKS" https://authd.other.example "$AUD" card -
expect "a token of another issuer is refused (iss)" '^refused wrong_issuer ' verify other-iss "$WORK/t1"
sig=$(cut -d. -f3 <"$WORK/t1")
first=${sig:0:1}
[ "$first" = A ] && other=B || other=A
printf '%s.%s%s\n' "$(cut -d. -f1-2 <"$WORK/t1")" "$other" "${sig:1}" >"$WORK/tampered"
expect "a tampered signature is refused" '^refused (bad_signature|bad_format) ' verify portal "$WORK/tampered"
printf 'not a token\n' >"$WORK/garbage-token"
expect "a string that is no token is refused" '^refused bad_format ' verify portal "$WORK/garbage-token"
stats_are "refusals fetch nothing" portal fetches=1

# Tokens signed with authd's own current key (from its key folder), for
# the claims authd would never issue.
claims() { # ACR_JSON AGENCIES_JSON: the claims of a token for $AUD
  printf '{"iss":"%s","aud":"%s","sub":"p-forged","acr":%s,"agencies":%s}' "$URL" "$AUD" "$1" "$2"
}
GOOD_AGENCIES='[{"id":"customs","x5t#S256":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"},{"id":"maritime","x5t#S256":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"}]'
# 5 s of life: enough for the first verification (with its JWKS fetch)
# even in a slow sanitizer build; a 1 s token expired there before it.
sign "$current_jwk" 5 "$WORK/short-lived" "$(claims '"card"' "$GOOD_AGENCIES")"
expect "new module: leeway 0" '^ok$' new strict-time "$JWKS" "$URL" "$AUD" card - leeway=0
expect "a token signed with authd's key verifies" '^ok sub=p-forged ' verify strict-time "$WORK/short-lived"
sleep 6.2
expect "the same token 1 s after its exp is refused (leeway 0)" '^refused expired ' verify strict-time "$WORK/short-lived"
expect "... and accepted within the default leeway of 60 s" '^ok ' verify portal "$WORK/short-lived"

# ---- 2. the module's demands -------------------------------------------------

expect "new module: requires customs and tax" '^ok$' new tax-refund "$JWKS" "$URL" "$AUD" card customs,tax
expect "a login without the tax certificate is refused, naming tax" \
  '^refused agency_missing this module requires the certificate of agency tax, which the token does not carry$' \
  verify tax-refund "$WORK/t1"
expect "new module: requires customs and maritime" '^ok$' new vessel "$JWKS" "$URL" "$AUD" card customs,maritime
expect "a login with both certificates is admitted" '^ok ' verify vessel "$WORK/t1"
expect "new module: requires border" '^ok$' new border "$JWKS" "$URL" "$AUD" card border
expect "a login without border is refused, naming border" \
  '^refused agency_missing .*agency border,' verify border "$WORK/t1"
expect "new module: admits pwd-otp only" '^ok$' new otp-only "$JWKS" "$URL" "$AUD" pwd-otp -
expect "a card login is refused where only pwd-otp is admitted, naming it" \
  '^refused acr_not_allowed this module admits only these assurance levels \(acr\): pwd-otp$' \
  verify otp-only "$WORK/t1"
expect "new module: admits card and pwd-otp" '^ok$' new info "$JWKS" "$URL" "$AUD" card,pwd-otp -
expect "a card login is admitted where card is one of two" '^ok ' verify info "$WORK/t1"

# A module's demands as authd publishes them (GET /v1/modules, docs/discovery.md).
DECL=province-customs-declaration
demands=$(curl -fsS "$URL/v1/modules" | python3 -c '
import json, sys
for m in json.load(sys.stdin)["modules"]:
    if m["id"] == sys.argv[1]:
        print(",".join(m["acr"]) or "-", ",".join(m["agencies"]) or "-")' "$DECL")
expect_eq "GET /v1/modules: $DECL demands card and customs" "card customs" "$demands"
read -r decl_acr decl_agencies <<<"$demands"
expect "new module configured from /v1/modules" '^ok$' new decl "$JWKS" "$URL" "$DECL" "$decl_acr" "$decl_agencies"
token_for "$DECL" "$WORK/t-decl" || not_ok "a login for $DECL"
expect "a token for $DECL verifies there" '^ok ' verify decl "$WORK/t-decl"
expect "... and not at the portal" '^refused wrong_audience ' verify portal "$WORK/t-decl"

sign "$current_jwk" 300 "$WORK/no-acr" "$(printf '{"iss":"%s","aud":"%s","sub":"p-forged","agencies":%s}' "$URL" "$AUD" "$GOOD_AGENCIES")"
expect "a token without acr is refused" '^refused acr_not_allowed ' verify portal "$WORK/no-acr"
sign "$current_jwk" 300 "$WORK/pwd-acr" "$(claims '"pwd-otp"' '[]')"
expect "acr pwd-otp where only card is admitted: refused" '^refused acr_not_allowed ' verify portal "$WORK/pwd-acr"
expect "acr pwd-otp where it is admitted: verifies" '^ok ' verify otp-only "$WORK/pwd-acr"
sign "$current_jwk" 300 "$WORK/no-agencies" "$(printf '{"iss":"%s","aud":"%s","sub":"p-forged","acr":"card"}' "$URL" "$AUD")"
expect "no agencies claim, module requires customs: refused" '^refused agency_missing .*agency customs,' \
  verify vessel "$WORK/no-agencies"
expect "no agencies claim, module requires none: verifies" '^ok ' verify portal "$WORK/no-agencies"
sign "$current_jwk" 300 "$WORK/bad-agencies1" "$(claims '"card"' '"customs"')"
expect "agencies not a list: refused" '^refused bad_claim ' verify vessel "$WORK/bad-agencies1"
sign "$current_jwk" 300 "$WORK/bad-agencies2" "$(claims '"card"' '["customs","maritime"]')"
expect "agencies of strings, not objects: refused" '^refused bad_claim ' verify vessel "$WORK/bad-agencies2"
sign "$current_jwk" 300 "$WORK/bad-agencies3" "$(claims '"card"' '[{"id":"customs"},{"id":"maritime"}]')"
expect "agency entries without x5t#S256: refused" '^refused bad_claim ' verify vessel "$WORK/bad-agencies3"
sign "$current_jwk" 300 "$WORK/bad-agencies4" "$(claims '"card"' '[{"id":"Customs","x5t#S256":"x"},{"id":"customs ","x5t#S256":"x"},{"id":"maritime","x5t#S256":"x"}]')"
expect "agency ids compared exactly (Customs, 'customs '): refused" '^refused agency_missing .*agency customs,' \
  verify vessel "$WORK/bad-agencies4"
stats_are "all of that from the one fetch" portal fetches=1

# ---- 3. key rotation: an unknown kid refetches, rate-limited -------------------

# rotate-keys makes the "next" key current, and that key is in the JWKS
# already; two rotations make a key current that the modules never saw.
# A module of its own, so that its keys are surely still fresh (authd's
# max-age is 60 s): the refetch below is the unknown kid's, not a refresh.
expect "new module for the rollover, refetch interval 5 s" '^ok$' new rollover "$JWKS" "$URL" "$AUD" card - refetch=5
expect "it verifies the first token" "^ok .*kid=$KID1\$" verify rollover "$WORK/t1"
stats_are "... with one fetch" rollover fetches=1 keys=2
expect "another module, to meet the new kid from many threads at once" '^ok$' new crowd "$JWKS" "$URL" "$AUD" card -
expect "it verifies the first token" '^ok ' verify crowd "$WORK/t1"
ONECARD_BIN_DIR=$BUILD "$ROTATE" --keys "$KEYS" --force >/dev/null 2>>"$WORK/err" &&
  ONECARD_BIN_DIR=$BUILD "$ROTATE" --keys "$KEYS" --force >/dev/null 2>>"$WORK/err"
expect_eq "rotate-keys twice: exit 0" 0 "$?"
NEW_KID=$(sed -n 's/^signing \([^ ]*\) current .*/\1/p' "$KEYS/manifest")
check_not "the new current key was not in the JWKS the modules fetched" grep -q "\"$NEW_KID\"" "$WORK/jwks0.json"
wait_for "authd signs with the new key" 20 signs_with "$NEW_KID" && ok "authd signs with $NEW_KID"
token_for "$AUD" "$WORK/t2" || not_ok "a login after the rotation"
expect_eq "the new token names the new kid" "$NEW_KID" "$(kid_of "$WORK/t2")"
expect "a token under a kid the module has not seen verifies" "^ok sub=mod-p[0-9]+ kid=$NEW_KID\$" \
  verify rollover "$WORK/t2"
stats_are "... after exactly one refetch, caused by the kid" rollover fetches=2 kid_refetches=1 denied=0 keys=4 last=ok
expect "the old token still verifies (its key is retired, still published)" "^ok .*kid=$KID1\$" \
  verify rollover "$WORK/t1"
expect "the module of another audience also picks up the new key" '^refused wrong_audience ' \
  verify customs-decl "$WORK/t2"
expect "8 threads meet the new kid at once: every verify succeeds" '^ok 400$' hammer crowd "$WORK/t2" 8 50 still
stats_are "... after one fetch between them" crowd fetches=2 kid_refetches=1 denied=0 failures=0

# A second unknown kid, from a key authd never had, within the rate limit.
"$TOKEN" keygen --alg EdDSA --kid rogue-kid-1 >"$WORK/rogue.jwk" 2>>"$WORK/err"
sign "$WORK/rogue.jwk" 300 "$WORK/rogue" "$(claims '"card"' "$GOOD_AGENCIES")"
expect "a second unknown kid within the rate limit is refused" '^refused unknown_kid ' verify rollover "$WORK/rogue"
stats_are "... and fetched nothing (rate limit)" rollover fetches=2 kid_refetches=1 denied=1
expect "and again" '^refused unknown_kid ' verify rollover "$WORK/rogue"
stats_are "... still nothing" rollover fetches=2 denied=2
sleep 5.5
expect "after the interval (5 s) an unknown kid is refused" '^refused unknown_kid ' verify rollover "$WORK/rogue"
stats_are "... after one more fetch" rollover fetches=3 kid_refetches=2 denied=2 failures=0
# A forged key under authd's own kid: the signature, not the kid, decides.
"$TOKEN" keygen --alg EdDSA --kid "$NEW_KID" >"$WORK/impostor.jwk" 2>>"$WORK/err"
sign "$WORK/impostor.jwk" 300 "$WORK/impostor" "$(claims '"card"' "$GOOD_AGENCIES")"
expect "a token by another key under authd's kid is refused" '^refused bad_signature ' verify portal "$WORK/impostor"

# ---- 4. threads ------------------------------------------------------------------

expect "4 threads verify 400 times each while a 5th refetches the keys in a loop" '^ok 1600$' \
  hammer portal "$WORK/t2" 4 400
expect "new module, first used by 8 threads at once" '^ok$' new first-use "$JWKS" "$URL" "$AUD" card -
expect "8 threads at once, no keys yet: every verify succeeds" '^ok 400$' hammer first-use "$WORK/t2" 8 50 still
stats_are "... after one fetch between them" first-use fetches=1 failures=0

# ---- 5. answers that are not a key set keep the old keys ----------------------------

WWW=$WORK/www
mkdir -p "$WWW/dir"
cp "$WORK/jwks0.json" "$WWW/jwks.txt"
curl -fsS "$JWKS" >"$WWW/jwks.json"
cp "$WWW/jwks.json" "$WORK/jwks-now.json"
serve() { # FILE: atomically becomes what /jwks.json answers
  cp "$1" "$WWW/.next" && mv -f "$WWW/.next" "$WWW/jwks.json"
}
PORT=""
WWW_PID=""
module_cleanup() { # the static server too, however the test ends
  local rc=$?
  [ -n "$WWW_PID" ] && kill "$WWW_PID" 2>/dev/null
  (exit "$rc")
  enroll_cleanup
}
trap module_cleanup EXIT
for _ in 1 2 3 4 5; do
  p=$((20000 + RANDOM % 40000))
  (cd "$WWW" && exec python3 -m http.server --bind 127.0.0.1 "$p") >"$WORK/www.log" 2>&1 &
  WWW_PID=$!
  for ((i = 0; i < 50; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$p/jwks.json" 2>/dev/null && { PORT=$p; break; }
    kill -0 "$WWW_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$PORT" ] && break
  kill "$WWW_PID" 2>/dev/null
  wait "$WWW_PID" 2>/dev/null
done
if [ -z "$PORT" ]; then
  not_ok "a static server for authd's JWKS: $(tail -n 2 "$WORK/www.log")"
else
  ok "authd's JWKS served as a file at port $PORT"
  STATIC=http://127.0.0.1:$PORT
  expect "new module on the static copy, refetch 1 s" '^ok$' new static "$STATIC/jwks.json" "$URL" "$AUD" card - refetch=1
  expect "the token verifies with the copy" '^ok ' verify static "$WORK/t2"
  stats_are "an answer without Cache-Control is fresh for 300 s" static fetches=1 max_age=300 keys=4
  printf 'this is not JSON' >"$WORK/g-notjson"
  serve "$WORK/g-notjson"
  sleep 1.2
  expect "garbage answer: an unknown kid is still refused" '^refused unknown_kid ' verify static "$WORK/rogue"
  stats_are "... its refetch failed (not JSON: no key set)" static fetches=2 failures=1 kid_refetches=1 last=bad_keyset keys=4
  expect "... and the old keys still verify" '^ok ' verify static "$WORK/t2"
  # Each broken answer, fetched on request (no rate limit or backoff).
  broken() { # DESCRIPTION FILE WANT_CODE
    serve "$2"
    expect "$1: the fetch fails" "^error ($3) " refresh static
    expect "$1: the old keys still verify" '^ok ' verify static "$WORK/t2"
  }
  printf '{"keys":[]}' >"$WORK/g-empty-set"
  broken "a JWKS with no keys" "$WORK/g-empty-set" bad_keyset
  printf '{"keys":[%s]}' "$(cat "$current_jwk")" >"$WORK/g-private"
  broken "a JWKS with a private key" "$WORK/g-private" 'bad_keyset|bad_key'
  printf '{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"hmac"}]}' >"$WORK/g-oct"
  broken "a JWKS with a symmetric key" "$WORK/g-oct" 'bad_keyset|bad_key'
  : >"$WORK/g-zero"
  broken "an empty answer" "$WORK/g-zero" bad_keyset
  head -c 300000 /dev/zero | tr '\0' ' ' >"$WORK/g-huge"
  broken "an answer of 300000 bytes (over 256 KiB)" "$WORK/g-huge" too_large
  stats_are "five more failures; the keys as they were" static fetches=7 failures=6 keys=4 last=too_large
  serve "$WORK/jwks-now.json"
  expect "the real JWKS again: the fetch succeeds" '^ok$' refresh static
  stats_are "... and says so" static fetches=8 failures=6 keys=4 last=ok
  expect "new module on a text/plain answer" '^ok$' new plain "$STATIC/jwks.txt" "$URL" "$AUD" card -
  expect "a JWKS served as text/plain is refused" '^error bad_format the JWKS answer is not served as JSON$' refresh plain
  expect "... and the module has no keys" '^refused keys_unavailable ' verify plain "$WORK/t2"
  expect "new module on a redirect" '^ok$' new redirect "$STATIC/dir" "$URL" "$AUD" card -
  expect "a redirect is not followed" '^error io_error the JWKS URL answered with a redirect' refresh redirect
  expect "new module on a missing file" '^ok$' new missing "$STATIC/nothing.json" "$URL" "$AUD" card -
  expect "a 404 is a failed fetch" '^error io_error the JWKS URL answered with a status other than 200$' refresh missing
  for name in plain redirect missing; do
    expect "free module $name" '^ok$' free "$name"
  done
  kill "$WWW_PID" 2>/dev/null
  wait "$WWW_PID" 2>/dev/null
  WWW_PID=""
fi

# ---- 6. authd stopped: the cached keys keep serving -------------------------------

expect "new module: cache at most 10 s" '^ok$' new short "$JWKS" "$URL" "$AUD" card - cache_max=10
expect "new module: cache at most 10 s, stale keys never serve" '^ok$' new no-stale "$JWKS" "$URL" "$AUD" card - cache_max=10 stale=0
expect "new module: refetch interval 1 s" '^ok$' new down "$JWKS" "$URL" "$AUD" card - refetch=1
expect "it verifies" '^ok ' verify down "$WORK/t2"
expect "the short-cache module verifies" '^ok ' verify short "$WORK/t2"
expect "the no-stale module verifies" '^ok ' verify no-stale "$WORK/t2"
stats_are "authd's max-age 60 bounded to cache_max_s" short max_age=10 fetches=1
fetched_at=$SECONDS
pid=$(cat "$DEV/authd/authd/authd.pid")
kill -TERM "$pid"
wait_for "authd stops" 15 bash -c "! kill -0 $pid 2>/dev/null" && ok "authd stopped"
check_not "authd no longer answers" curl -fsS --max-time 2 "$JWKS"
expect "authd stopped: the cached keys verify a token" "^ok .*kid=$NEW_KID\$" verify portal "$WORK/t2"
expect "authd stopped: and the older token" '^ok ' verify portal "$WORK/t1"
expect "new module after authd stopped" '^ok$' new late "$JWKS" "$URL" "$AUD" card -
expect "a module that never fetched refuses: no keys" \
  '^refused keys_unavailable the issuer.s keys could not be fetched, and none are cached$' verify late "$WORK/t2"
stats_are "... after one failed fetch" late fetches=1 failures=1 last=io_error
wait_s=$((fetched_at + 11 - SECONDS))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
expect "keys past their freshness, authd down: still verify" '^ok ' verify short "$WORK/t2"
stats_are "... after a failed refresh" short fetches=2 failures=1 last=io_error keys=4
expect "verified again at once" '^ok ' verify short "$WORK/t2"
stats_are "... without a new fetch (backoff)" short fetches=2 failures=1
sleep 1.2
expect "after the first backoff (1 s)" '^ok ' verify short "$WORK/t2"
stats_are "... one more try" short fetches=3 failures=2
expect "stale_max_s 0: keys past their freshness serve no more (fail closed)" '^refused keys_unavailable ' \
  verify no-stale "$WORK/t2"
stats_are "the module fetched before authd stopped: one fetch, fresh keys" down fetches=1 failures=0
sleep 1.2
expect "an unknown kid with authd down is refused" '^refused unknown_kid ' verify down "$WORK/rogue"
stats_are "... after a refetch that failed" down fetches=2 kid_refetches=1 failures=1 last=io_error keys=4
expect "... and the cached keys still verify" '^ok ' verify down "$WORK/t2"

ask quit
wait "$DRIVER_PID" 2>/dev/null
expect_eq "module_driver exits 0" 0 "$?"
expect_eq "module_driver printed nothing on stderr" "" "$(cat "$WORK/driver.err")"
enroll_finish

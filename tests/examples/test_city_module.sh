#!/usr/bin/env bash
# The example city module (examples/city-module) against the real
# onecard-authd, on the ctest fixture "authd_clients": a CA under
# policies/province-example.conf, a SoftHSM card enrolled with the customs
# and maritime certificates only (scripts/enroll-card), this test's authd
# instance loading that policy, and access tokens from real card logins
# (onecard-login). Then:
#
#   - city-module for city-a-customs-declaration reads its demands from
#     authd's GET /v1/modules (acr card, agency customs: nothing about them
#     on its command line) and serves "Welcome, SUB of ENT — MODULE" for
#     that module's token; 401 with a Bearer challenge and no error code
#     without a token or with another scheme; 400 invalid_request for a
#     malformed header; 401 invalid_token, saying why, for a token for
#     another module (audience), a tampered signature, a tampered payload;
#     HEAD, /healthz, 404, 405; nothing of a token in its log;
#   - a second module (city-b-maritime) admits its own token and refuses
#     the first one;
#   - the demands really come from GET /v1/modules: a second authd
#     instance of the same issuer and keys (scripts/dev-services --origin,
#     as behind one load balancer) whose policy makes the same module
#     require customs and tax; the same city-module, same --module, only
#     pointed at that instance, now refuses the same token with 403
#     insufficient_scope and the reason "this module requires the
#     certificate of agency tax, which the token does not carry" (authd
#     itself issues no token for a module whose agency the card lacks:
#     checked too);
#   - start-up refusals, each one line and exit 1: an unknown module, authd
#     down, a URL the library refuses, a 404 module list, a port in use;
#     usage errors exit 2; every instance stops on SIGTERM with exit 0 and
#     no sanitizer report.
#
#   test_city_module.sh BUILD_DIR SOURCE_DIR CITY_MODULE   (under tests/services/fixture.sh exec)
set -uo pipefail
export LC_ALL=C

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$*"; }
expect_eq() { # DESCRIPTION WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
expect_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $(basename "$3"): $(head -c 400 "$3" | tr '\n' '|'))"; fi
}
expect_no_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then not_ok "$1 (/$2/ in $(basename "$3"))"; else ok "$1"; fi
}
finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
die_setup() {
  not_ok "$*"
  finish
  exit 1
}

# shellcheck source=../common/authd_fixture.sh
. "$(dirname "$0")/../common/authd_fixture.sh"

CITY=$3
WORK=""
CITY_PIDS=()
B_PID=""
cleanup() {
  local rc=$? p
  for p in "${CITY_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  [ -n "$B_PID" ] && kill -TERM "$B_PID" 2>/dev/null
  af_stop
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

af_init "$1" "$2" || die_setup "the fixture and the tools"
LOGIN=$BUILD/pkcs11/login/onecard-login
CARDTOOL=$BUILD/pkcs11/onecard-card
ENROLL=$SRC/scripts/enroll-card
POLICY=$SRC/policies/province-example.conf
for t in "$LOGIN" "$CARDTOOL" "$CITY"; do
  [ -x "$t" ] || die_setup "built: $t"
done
for t in softhsm2-util setsid python3; do
  command -v "$t" >/dev/null || die_setup "installed: $t"
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/onecard-city-module.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$WORK" || exit 1
umask 077
mkdir -m 0700 tmp
export TMPDIR=$WORK/tmp
unset ONECARD_PIN ONECARD_CA_PASS ONECARD_POLICY ONECARD_AUTHD_URL XDG_RUNTIME_DIR
export ONECARD_CCACHE=$WORK/cc/ccache.json

PIN=4711-city-pin
printf 'correct horse battery staple\n' >"$WORK/pass"
printf '%s\n' "$PIN" >"$WORK/pin"
# A token store of this test's own: the only card present is its own.
mkdir -m 0700 "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$WORK/tokens" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF=$WORK/softhsm2.conf
PERSON=p-city-$$
USCC=$(af_uscc)

# ---- authd, a card, tokens -----------------------------------------------------------

af_ca "$WORK/ca" "$WORK/pass" "$POLICY" || die_setup "a CA"
af_authd city "$WORK/ca" "$WORK/pass" "$POLICY" || die_setup "onecard-authd started"
A_URL=$AUTHD_URL
ok "onecard-authd $AUTHD_NAME at $A_URL with policies/province-example.conf"

softhsm2-util --init-token --free --label "city-$$" --so-pin 87654321-so --pin "$PIN" >/dev/null ||
  die_setup "a blank SoftHSM card"
CARD=$("$CARDTOOL" tokens | awk -F'\t' -v l="city-$$" '$1 == l {print $NF}')
[ -n "$CARD" ] || die_setup "the card's URI"
"$ENROLL" --ca-home "$WORK/ca" --pass-file "$WORK/pass" --pin-file "$WORK/pin" --card "$CARD" \
  --person "$PERSON" --name "Li Si" --enterprise "$USCC" \
  --enterprise-name "City Test Trading $$" --agencies customs,maritime >/dev/null 2>"$WORK/enroll.err" ||
  die_setup "enroll-card: $(tail -n1 "$WORK/enroll.err")"
ok "a card enrolled with the customs and maritime certificates (no tax)"

# login AUD FILE: a card login with onecard-login for AUD; the token to FILE.
login() {
  setsid -w "$LOGIN" --authd "$A_URL" --card "$CARD" --pin-file "$WORK/pin" --audience "$1" \
    </dev/null >"$2" 2>"$WORK/login.err"
}
login city-a-customs-declaration t-decl || die_setup "a login for city-a-customs-declaration: $(tail -n1 "$WORK/login.err")"
login city-b-maritime t-mar || die_setup "a login for city-b-maritime: $(tail -n1 "$WORK/login.err")"
ok "card logins gave tokens for city-a-customs-declaration and city-b-maritime"
T_DECL=$(cat t-decl)
T_MAR=$(cat t-mar)
login city-a-tax-refund t-refund
expect_eq "authd issues no token for city-a-tax-refund (customs and tax; the card lacks tax): exit 11" \
  11 "$?"
expect_grep "... and says which certificate is missing" 'access_denied|tax' "$WORK/login.err"

# Tampered copies: one character of the signature; the payload's sub
# replaced (the signature then covers other bytes).
sig=${T_DECL##*.}
[ "${sig:0:1}" = A ] && c=B || c=A
T_SIG="${T_DECL%.*}.${c}${sig:1}"
T_PAYLOAD=$(python3 - "$T_DECL" <<'EOF'
import base64, json, sys
h, p, s = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
claims["sub"] = "someone-else"
p = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=")
print(".".join((h, p, s)))
EOF
)

# ---- helpers: run city-module, ask it ---------------------------------------------------

# start_city NAME ARGS...: city-module in the background, its stdout and
# stderr in NAME.out and NAME.err; waits for its "listening on" line:
# CITY_URL, CITY_PID. 1 when it did not come up.
start_city() {
  local name=$1 i
  shift
  "$CITY" "$@" >"$name.out" 2>"$name.err" &
  CITY_PID=$!
  CITY_PIDS+=("$CITY_PID")
  CITY_URL=""
  for ((i = 0; i < 100; i++)); do
    CITY_URL=$(sed -n 's/^city-module: listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$name.out")
    [ -n "$CITY_URL" ] && return 0
    kill -0 "$CITY_PID" 2>/dev/null || break
    sleep 0.1
  done
  not_ok "$name: city-module started ($(tail -n2 "$name.err" | tr '\n' '|'))"
  return 1
}

# stop_city NAME PID: SIGTERM; exit 0, said so, no sanitizer report.
stop_city() {
  local name=$1 pid=$2 rc
  kill -TERM "$pid"
  wait "$pid"
  rc=$?
  expect_eq "$name: stops on SIGTERM with exit 0" 0 "$rc"
  expect_grep "$name: says so" '^city-module: stopping on SIGTERM$' "$name.out"
  expect_no_grep "$name: no sanitizer report" 'Sanitizer|runtime error:' "$name.err"
}

# ask NAME URL [CURL ARGS...]: GET (or what the args say); the status in
# STATUS, headers in NAME.h, body in NAME.b.
ask() {
  local name=$1 url=$2
  shift 2
  STATUS=$(curl -sS --max-time 20 -o "$name.b" -D "$name.h" -w '%{http_code}' "$@" "$url" 2>"$name.curl")
}
# header NAME FIELD: the value of FIELD in NAME.h (first one, CR dropped).
header() {
  sed -n "s/^$2: *//Ip" "$1.h" | head -n1 | tr -d '\r'
}

# ---- city-a-customs-declaration, demands from authd's list -------------------------------

start_city decl --authd "$A_URL" --module city-a-customs-declaration ||
  die_setup "city-module for city-a-customs-declaration"
DECL_URL=$CITY_URL
DECL_PID=$CITY_PID
ok "city-module for city-a-customs-declaration at $DECL_URL"
expect_grep "its demands, read from GET /v1/modules: acr card, agency customs" \
  "^city-module: city-a-customs-declaration \(platform city-a\) from $A_URL/v1/modules: acr card; agencies customs\$" decl.out

ask healthz "$DECL_URL/healthz"
expect_eq "GET /healthz: 200" 200 "$STATUS"
expect_eq "GET /healthz: ok" ok "$(cat healthz.b)"

ask welcome "$DECL_URL/" -H "Authorization: Bearer $T_DECL"
expect_eq "the module's own token: 200" 200 "$STATUS"
expect_grep "... the welcome page names the operator, the enterprise and the module" \
  "<h1>Welcome, $PERSON of $USCC — city-a-customs-declaration</h1>" welcome.b
expect_eq "... as HTML" "text/html; charset=utf-8" "$(header welcome Content-Type)"
expect_eq "... never cached" no-store "$(header welcome Cache-Control)"
expect_eq "... with a CSP that loads nothing" "default-src 'none'" "$(header welcome Content-Security-Policy)"
expect_eq "... and no challenge" "" "$(header welcome WWW-Authenticate)"
ask lower "$DECL_URL/" -H "Authorization: bearer $T_DECL"
expect_eq "the scheme name in lower case: 200 (case-insensitive)" 200 "$STATUS"
ask head "$DECL_URL/" -I -H "Authorization: Bearer $T_DECL"
expect_eq "HEAD with the token: 200" 200 "$STATUS"
# With -I curl writes the head to -o too: nothing may follow it.
expect_eq "... without a body" "$(wc -c <head.h)" "$(wc -c <head.b)"

ask none "$DECL_URL/"
expect_eq "no token: 401" 401 "$STATUS"
expect_eq "... a Bearer challenge without an error code (RFC 6750 §3.1)" \
  'Bearer realm="city-a-customs-declaration"' "$(header none WWW-Authenticate)"
expect_grep "... and the page says a login is needed" 'no bearer token: log in with your card' none.b
expect_no_grep "... no welcome" 'Welcome,' none.b

ask basic "$DECL_URL/" -H "Authorization: Basic dXNlcjpwYXNz"
expect_eq "another scheme (Basic): 401" 401 "$STATUS"
expect_eq "... a challenge without an error code" 'Bearer realm="city-a-customs-declaration"' \
  "$(header basic WWW-Authenticate)"
ask twotokens "$DECL_URL/" -H "Authorization: Bearer $T_DECL $T_DECL"
expect_eq "two tokens in the header: 400" 400 "$STATUS"
expect_grep "... invalid_request" 'error="invalid_request"' twotokens.h
ask empty "$DECL_URL/" -H "Authorization: Bearer "
expect_eq "Bearer without a token: 400" 400 "$STATUS"

ask audience "$DECL_URL/" -H "Authorization: Bearer $T_MAR"
expect_eq "a token for another module (city-b-maritime): 401" 401 "$STATUS"
expect_eq "... invalid_token, saying why" \
  'Bearer realm="city-a-customs-declaration", error="invalid_token", error_description="aud does not name this audience"' \
  "$(header audience WWW-Authenticate)"
expect_grep "... and the page says it in words" \
  '<p id="why">aud does not name this audience \(token is for another audience\)</p>' audience.b
expect_grep "... with the error code" '<code>wrong_audience</code>' audience.b
expect_no_grep "... no welcome" 'Welcome,' audience.b

ask badsig "$DECL_URL/" -H "Authorization: Bearer $T_SIG"
expect_eq "a tampered signature: 401" 401 "$STATUS"
expect_grep "... invalid_token" 'error="invalid_token"' badsig.h
expect_grep "... the signature does not verify" "<code>bad_signature</code>" badsig.b
ask badpayload "$DECL_URL/" -H "Authorization: Bearer $T_PAYLOAD"
expect_eq "a tampered payload (another sub): 401" 401 "$STATUS"
expect_grep "... the signature does not verify" '<code>bad_signature</code>' badpayload.b
expect_no_grep "... and someone-else is not welcomed" 'someone-else' badpayload.b

ask post "$DECL_URL/" -X POST -H "Authorization: Bearer $T_DECL"
expect_eq "POST: 405" 405 "$STATUS"
expect_eq "... Allow: GET, HEAD" "GET, HEAD" "$(header post Allow)"
ask nowhere "$DECL_URL/elsewhere" -H "Authorization: Bearer $T_DECL"
expect_eq "another path: 404" 404 "$STATUS"

# The log: one line per request, never a token.
expect_grep "its log: the welcome" '^city-module: GET / 200 -$' decl.err
expect_grep "its log: the refusal and its code" '^city-module: GET / 401 wrong_audience$' decl.err
expect_no_grep "its log holds no token" "${T_DECL:20:40}|${T_MAR:20:40}" decl.err
expect_no_grep "its output holds no token" "${T_DECL:20:40}" decl.out

# ---- a second module: city-b-maritime ------------------------------------------------------

start_city mar --authd "$A_URL/" --module city-b-maritime || die_setup "city-module for city-b-maritime"
ok "city-module for city-b-maritime at $CITY_URL"
expect_grep "its demands: agency maritime" \
  "^city-module: city-b-maritime \(platform city-b\) from $A_URL/v1/modules: acr card; agencies maritime\$" mar.out
ask mar-own "$CITY_URL/" -H "Authorization: Bearer $T_MAR"
expect_eq "city-b-maritime admits its own token" 200 "$STATUS"
expect_grep "... by name" "<h1>Welcome, $PERSON of $USCC — city-b-maritime</h1>" mar-own.b
ask mar-other "$CITY_URL/" -H "Authorization: Bearer $T_DECL"
expect_eq "... and refuses city-a-customs-declaration's (audience)" 401 "$STATUS"
expect_grep "... as another audience's" '<code>wrong_audience</code>' mar-other.b
stop_city mar "$CITY_PID"

# ---- the same module under a stricter policy: the demands follow /v1/modules ---------------

# The province's policy, with city-a-customs-declaration now requiring the
# tax certificate as well; served by a second instance of the same issuer
# (the first one's origin) and keys.
python3 - "$POLICY" >strict.conf <<'EOF' || die_setup "the stricter policy"
import sys
text = open(sys.argv[1]).read()
entry = 'id = "city-a-customs-declaration";'
at = text.index(entry)
old = 'agencies = [ "customs" ];'
cut = text.index(old, at)
sys.stdout.write(text[:cut] + 'agencies = [ "customs", "tax" ];' + text[cut + len(old):])
EOF
B_NAME=cityb-$$
B_URL=$("$DEV_SERVICES" authd "$ONECARD_DEV_DIR" --ca-home "$WORK/ca" --pass-file "$WORK/pass" \
  --name "$B_NAME" --policy "$WORK/strict.conf" --origin "$A_URL" 2>>"$WORK/dev-services.log" |
  sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'\$/\1/p")
B_PID=$(head -n1 "$ONECARD_DEV_DIR/authd/$B_NAME/authd.pid" 2>/dev/null)
[[ $B_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || die_setup "a second authd instance ($(tail -n1 "$WORK/dev-services.log"))"
ok "a second authd instance at $B_URL: issuer $A_URL, the stricter policy"
curl -fsS --max-time 10 "$B_URL/v1/modules" >b-modules.json
expect_eq "its GET /v1/modules: city-a-customs-declaration requires customs and tax" '["customs", "tax"]' \
  "$(python3 -c 'import json,sys; print(json.dumps([m["agencies"] for m in json.load(open(sys.argv[1]))["modules"] if m["id"] == "city-a-customs-declaration"][0]))' b-modules.json)"

start_city strict --authd "$B_URL" --issuer "$A_URL" --module city-a-customs-declaration ||
  die_setup "city-module on the stricter instance"
STRICT_PID=$CITY_PID
expect_grep "the same module, same --module, now reads: agencies customs and tax" \
  "^city-module: city-a-customs-declaration \(platform city-a\) from $B_URL/v1/modules: acr card; agencies customs,tax\$" strict.out
ask strict "$CITY_URL/" -H "Authorization: Bearer $T_DECL"
expect_eq "the token it admitted before (customs, no tax): 403" 403 "$STATUS"
expect_eq "... insufficient_scope, naming the certificate" \
  'Bearer realm="city-a-customs-declaration", error="insufficient_scope", error_description="this module requires the certificate of agency tax, which the token does not carry"' \
  "$(header strict WWW-Authenticate)"
expect_grep "... and the page says why in words" \
  '<p id="why">this module requires the certificate of agency tax, which the token does not carry \(the token lacks an agency certificate the module requires\)</p>' strict.b
expect_grep "... with the error code" '<code>agency_missing</code>' strict.b
expect_grep "... and lists the module's demands" 'requires the certificates of the agencies: customs, tax\.' strict.b
expect_no_grep "... no welcome" 'Welcome,' strict.b
ask strict-aud "$CITY_URL/" -H "Authorization: Bearer $T_MAR"
expect_eq "another module's token there: still 401" 401 "$STATUS"
ask strict-none "$CITY_URL/"
expect_eq "no token there: 401" 401 "$STATUS"
expect_grep "its log: the 403 and its code" '^city-module: GET / 403 agency_missing$' strict.err
stop_city strict "$STRICT_PID"
ask decl-still "$DECL_URL/" -H "Authorization: Bearer $T_DECL"
expect_eq "the first instance's module still admits the token (its demands were read at its start)" 200 "$STATUS"

# The issuer defaults to the --authd URL: the second instance's URL is not
# the tokens' issuer.
start_city wrongiss --authd "$B_URL" --module city-a-customs-declaration ||
  die_setup "city-module without --issuer"
ask wrongiss "$CITY_URL/" -H "Authorization: Bearer $T_DECL"
expect_eq "without --issuer, on an instance whose URL is not the issuer: 401" 401 "$STATUS"
expect_grep "... wrong_issuer" '<code>wrong_issuer</code>' wrongiss.b
stop_city wrongiss "$CITY_PID"
kill -TERM "$B_PID" 2>/dev/null
B_PID=""

# ---- start-up refusals -----------------------------------------------------------------------

# refused NAME EXIT PATTERN ARGS...: city-module exits EXIT at once with
# PATTERN on stderr and never listens.
refused() {
  local name=$1 want=$2 pattern=$3 rc
  shift 3
  timeout 30 "$CITY" "$@" >"$name.out" 2>"$name.err"
  rc=$?
  expect_eq "$name: exit $want" "$want" "$rc"
  expect_grep "$name: says why" "$pattern" "$name.err"
  expect_no_grep "$name: never listened" 'listening on' "$name.out"
}
refused unknown 1 \
  "^city-module: cannot load the demands of module no-such-module from $A_URL/v1/modules: the module list does not list this module \(not_found\)\$" \
  --authd "$A_URL" --module no-such-module
refused down 1 'cannot load the demands .*: cannot connect to the module list URL \(io_error\)$' \
  --authd http://127.0.0.1:1 --module city-a-customs-declaration
refused remote 1 'the module list URL, CA file or timeout is not allowed \(invalid_argument\)$' \
  --authd http://authd.example --module city-a-customs-declaration
refused notfound 1 'the module list URL answered with a status other than 200 \(io_error\)$' \
  --authd "$A_URL/nothing" --module city-a-customs-declaration
refused inuse 1 "^city-module: 127\\.0\\.0\\.1:${A_URL##*:}: cannot listen" \
  --authd "$A_URL" --module city-a-customs-declaration --listen "127.0.0.1:${A_URL##*:}"
refused nomodule 2 '--authd and --module are required' --authd "$A_URL"
refused badlisten 2 '--listen must be' --authd "$A_URL" --module city-a-customs-declaration \
  --listen localhost:80
refused twice 2 'given twice' --authd "$A_URL" --module a --module b

# ---- the end ----------------------------------------------------------------------------------

stop_city decl "$DECL_PID"
CITY_PIDS=()
af_stop_checked
finish

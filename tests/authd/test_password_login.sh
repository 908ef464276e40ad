#!/usr/bin/env bash
# The second level end to end (issue 6, docs/authd.md "POST
# /v1/login/password"), on a private set of real services: a person with
# a directory password (scripts/set-password) and a TOTP secret
# (scripts/enroll-otp) logs in with codes made by oathtool (an
# independent implementation) and reaches a module that admits pwd-otp;
# every refusal is its own check: wrong password, wrong code, a code used
# twice, a code outside the window, an unknown person (the same answer), a
# suspended person, the lockout and its expiry, and a card-only module
# reached by every path (login, refresh, exchange).
#
#   test_password_login.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../enroll/lib.sh
. "$here/../enroll/lib.sh"
enroll_setup "$1" "$2"

TOKEN=$BUILD/tools/onecard-token/onecard-token
for t in "$TOKEN" "$BUILD/authd/server/onecard-authd" "$BUILD/otp/cli/onecard-otp"; do
  [ -x "$t" ] || { not_ok "built: $t"; enroll_finish; exit 1; }
done
for t in oathtool python3; do
  command -v "$t" >/dev/null || { not_ok "installed: $t"; enroll_finish; exit 1; }
done
POLICY=$SRC/policies/province-example.conf
EXCHANGE=urn:ietf:params:oauth:grant-type:token-exchange
TT_ACCESS=urn:ietf:params:oauth:token-type:access_token

# ---- helpers ---------------------------------------------------------------

json() { # FILE KEY: a member of the JSON object in FILE, "" when absent
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if d is None else (json.dumps(d, separators=(",", ":")) if isinstance(d, (list, dict)) else d))' "$1" "$2" 2>/dev/null
}

# pw_login NAME USER PASSWORD CODE AUDIENCE: POST /v1/login/password; the
# body goes to $WORK/NAME.body, headers to NAME.headers; prints the status.
pw_login() {
  local name=$1
  python3 -c 'import json,sys; print(json.dumps(dict(zip(["username","password","otp","audience"], sys.argv[1:]))))' \
    "$2" "$3" "$4" "$5" >"$WORK/$name.req"
  curl -sS -o "$WORK/$name.body" -D "$WORK/$name.headers" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary "@$WORK/$name.req" "$URL/v1/login/password"
}

# case NAME WANT_STATUS WANT_ERROR USER PASSWORD CODE AUDIENCE
case_() {
  local name=$1 status=$2 code=$3 got got_code
  shift 3
  got=$(pw_login c "$@")
  got_code=$(json "$WORK/c.body" error)
  [ "$status" = 200 ] && got_code=$([ -n "$(json "$WORK/c.body" access_token)" ] && echo ok)
  if [ "$got" = "$status" ] && [ "$got_code" = "$code" ]; then
    ok "$name: $status $code"
  else
    not_ok "$name: want $status $code, got $got $(head -c 300 "$WORK/c.body")"
  fi
}

last_login() { sql "SELECT method || ' ' || outcome || ' ' || coalesce(reason, '-') FROM authd_logins ORDER BY id DESC LIMIT 1"; }
last_detail() { sql "SELECT coalesce(detail, '') FROM authd_logins ORDER BY id DESC LIMIT 1"; }

code_at() { oathtool --totp -b "$SECRET" -N "@$1"; } # SECONDS: the code for that Unix time
# A code for a step no earlier test used: waits for the next 30 s step
# when the current one was used already.
USED_STEP=0
fresh_code() {
  local step
  step=$(($(date +%s) / 30))
  if [ "$step" -le "$USED_STEP" ]; then
    sleep $((30 - $(date +%s) % 30 + 1))
    step=$(($(date +%s) / 30))
  fi
  USED_STEP=$step
  code_at $((step * 30 + 1))
}

post_form() { # PATH NAME ARGS...: a form POST to authd; prints the status
  local path=$1 name=$2
  shift 2
  curl -sS -o "$WORK/$name.body" -w '%{http_code}' -X POST "$URL$path" "$@"
}

# ---- setup -------------------------------------------------------------------

ONECARD_BENCH_PREFIX=pw ONECARD_BENCH_JOBS=2 bash "$SRC/bench/login/setup-cards.sh" "$HOME_CA" "$WORK/pass" \
  "$WORK/soft" 2 customs >/dev/null 2>"$WORK/setup.err" ||
  { cat "$WORK/setup.err"; not_ok "setup-cards"; enroll_finish; exit 1; }
mapfile -t SOFT < "$WORK/soft/cards.txt"
card_of() { sed -n 's/.*cards\/\([^/]*\)\/.*/\1/p' <<<"${SOFT[$1]%% *}"; }
PERSON=$("$DIRTOOL" show-card --card-id "$(card_of 0)" 2>/dev/null | sed -n 's/^person: *//p')
OTHER=$("$DIRTOOL" show-card --card-id "$(card_of 1)" 2>/dev/null | sed -n 's/^person: *//p')
{ [ -n "$PERSON" ] && [ -n "$OTHER" ]; } || { not_ok "two persons in the directory"; enroll_finish; exit 1; }
PASSWORD='correct horse battery 7'
printf '%s\n' "$PASSWORD" | "$SRC/scripts/set-password" --person "$PERSON" >/dev/null 2>"$WORK/err"
expect_eq "scripts/set-password sets $PERSON's password" 0 "$?"
printf '%s\n' "$PASSWORD" | "$SRC/scripts/set-password" --person "$OTHER" >/dev/null 2>>"$WORK/err"
"$SRC/scripts/enroll-otp" --person "$PERSON" --no-qr >"$WORK/enroll.out" 2>"$WORK/err"
expect_eq "scripts/enroll-otp enrolls $PERSON" 0 "$?"
SECRET=$(grep -o 'secret=[A-Z2-7]*' "$WORK/enroll.out" | head -1 | cut -d= -f2)
[ -n "$SECRET" ] || { not_ok "an otpauth URI with the secret: $(cat "$WORK/enroll.out" "$WORK/err")"; enroll_finish; exit 1; }
"$SRC/scripts/enroll-otp" --person "$OTHER" --no-qr >/dev/null 2>>"$WORK/err"

"$CA" --home "$HOME_CA" --pass-file "$WORK/pass" crl >"$HOME_CA/crl.pem" 2>>"$WORK/err"
URL=$("$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --name pw \
  --policy "$POLICY" 2>>"$WORK/dev-services.log" | sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'$/\1/p")
[ -n "$URL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "authd with the example province at $URL"
curl -fsS "$URL/.well-known/jwks.json" >"$WORK/jwks.json"
curl -fsS "$URL/.well-known/openid-configuration" >"$WORK/oidc.json"
expect_grep "discovery lists the pwd-otp level and the endpoint" '"acr_values_supported":\["card","pwd-otp"\].*"onecard_password_login_endpoint"' "$WORK/oidc.json"

# ---- a login, its token and its session -----------------------------------------

CODE=$(fresh_code)
case_ "password + TOTP login to city-a-info" 200 ok "$PERSON" "$PASSWORD" "$CODE" city-a-info
cp "$WORK/c.body" "$WORK/login.json"
json "$WORK/login.json" access_token | "$TOKEN" verify --jwks "$WORK/jwks.json" --iss "$URL" --aud city-a-info - \
  >"$WORK/claims" 2>"$WORK/err"
expect_eq "the token verifies for city-a-info" 0 "$?"
expect_eq "acr pwd-otp, amr pwd+otp" 'pwd-otp ["pwd","otp"]' "$(json "$WORK/claims" acr) $(json "$WORK/claims" amr)"
expect_eq "no agencies, no card, no cnf from a password login" "" \
  "$(json "$WORK/claims" agencies)$(json "$WORK/claims" card)$(json "$WORK/claims" cnf)"
expect_eq "sub and ent are the directory's" "$PERSON" "$(json "$WORK/claims" sub)"
expect_grep "a session credential" '"refresh_token":"ocs1_' "$WORK/login.json"
expect_eq "audit: a pwd-otp success" "pwd-otp success -" "$(last_login)"
SID=$(json "$WORK/claims" sid)
expect_eq "the session: acr pwd-otp, no card, no certificates" "pwd-otp  0" \
  "$(sql "SELECT acr || ' ' || coalesce(card_id, '') || ' ' || jsonb_array_length(certs) FROM authd_sessions WHERE sid = '$SID'")"
SESSION=$(json "$WORK/login.json" refresh_token)
ACCESS=$(json "$WORK/login.json" access_token)

# ---- the factors, each refused -----------------------------------------------------

case_ "the same code again (replay)" 401 invalid_credentials "$PERSON" "$PASSWORD" "$CODE" city-a-info
expect_grep "audit: the replay is named" 'used before' <(last_detail)
WANT=$(json "$WORK/c.body" error_description)
case_ "a wrong password" 401 invalid_credentials "$PERSON" "wrong password 1234" "$(fresh_code)" city-a-info
expect_eq "the same words as for the replay" "$WANT" "$(json "$WORK/c.body" error_description)"
case_ "an unknown person" 401 invalid_credentials nobody-here "$PASSWORD" "$(fresh_code)" city-a-info
expect_eq "the same answer as a wrong password" "$WANT" "$(json "$WORK/c.body" error_description)"
expect_grep "audit: wrong user name or password" 'wrong user name or password' <(last_detail)
NOW=$(date +%s)
case_ "a code two steps old (outside ±1)" 401 invalid_credentials "$PERSON" "$PASSWORD" "$(code_at $((NOW - 60)))" city-a-info
case_ "a code two steps ahead" 401 invalid_credentials "$PERSON" "$PASSWORD" "$(code_at $((NOW + 60)))" city-a-info
case_ "a wrong code" 401 invalid_credentials "$PERSON" "$PASSWORD" 000000 city-a-info
expect_grep "audit: wrong code" 'wrong code' <(last_detail)
sql "DELETE FROM authd_password_failures" >/dev/null 2>&1 # five failures above: not the lockout's test
case_ "a code that is not digits" 401 invalid_credentials "$PERSON" "$PASSWORD" abcdef city-a-info
sql "DELETE FROM authd_password_failures" >/dev/null 2>&1 # the factor checks above counted

# Timing: printed, not asserted (same work either way: one bind, no code).
t0=$(date +%s%N); pw_login t "$PERSON" "wrong password 1234" 000000 city-a-info >/dev/null; t1=$(date +%s%N)
pw_login t nobody-here "wrong password 1234" 000000 city-a-info >/dev/null; t2=$(date +%s%N)
echo "# timing: wrong password $(((t1 - t0) / 1000000)) ms, unknown person $(((t2 - t1) / 1000000)) ms"
sql "DELETE FROM authd_password_failures" >/dev/null 2>&1

# ---- a card-only module, by every path -----------------------------------------------

case_ "login to a card-only module" 403 access_denied "$PERSON" "$PASSWORD" "$(fresh_code)" city-a-customs-declaration
expect_eq "it says a card login is required" "module city-a-customs-declaration requires a card login" \
  "$(json "$WORK/c.body" error_description)"
expect_eq "and what is missing" '{"acr":"card"}' "$(json "$WORK/c.body" missing)"
status=$(post_form /v1/token r --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$SESSION" \
  --data-urlencode audience=city-b-info)
expect_eq "refresh to another pwd-otp module (city-b-info): 200" 200 "$status"
json "$WORK/r.body" access_token | "$TOKEN" verify --jwks "$WORK/jwks.json" --iss "$URL" --aud city-b-info - >"$WORK/claims2" 2>/dev/null
expect_eq "that token is pwd-otp too, without agencies" "pwd-otp " "$(json "$WORK/claims2" acr) $(json "$WORK/claims2" agencies)"
status=$(post_form /v1/token r --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$SESSION" \
  --data-urlencode audience=city-a-customs-declaration)
expect_eq "refresh to a card-only module: 403 card login required" "403 access_denied module city-a-customs-declaration requires a card login" \
  "$status $(json "$WORK/r.body" error) $(json "$WORK/r.body" error_description)"
status=$(post_form /v1/token r --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$ACCESS" \
  --data-urlencode "subject_token_type=$TT_ACCESS" --data-urlencode audience=province-maritime)
expect_eq "exchange to a card-only module: 403" "403 access_denied" "$status $(json "$WORK/r.body" error)"
status=$(post_form /v1/token r --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$SESSION" \
  --data-urlencode "subject_token_type=urn:ietf:params:oauth:token-type:refresh_token" --data-urlencode audience=provincial-portal)
expect_eq "exchange of the session to the card-only portal: 403" "403 access_denied" "$status $(json "$WORK/r.body" error)"

# ---- a suspended person --------------------------------------------------------------

"$DIRTOOL" suspend-person --person "$OTHER" --reason "left" >/dev/null 2>>"$WORK/err"
# Suspended is told only after the password proved right (never for a
# wrong one), and before any code is looked at.
case_ "a suspended person with the right password" 403 person_suspended "$OTHER" "$PASSWORD" 000000 city-a-info
case_ "a suspended person with a wrong password: the usual answer" 401 invalid_credentials "$OTHER" "wrong password 1234" 000000 city-a-info
"$DIRTOOL" suspend-person --person "$PERSON" --reason "audit" >/dev/null 2>>"$WORK/err"
status=$(post_form /v1/token r --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$SESSION" \
  --data-urlencode audience=city-c-info)
expect_eq "the suspension ends the password session" "400 invalid_grant" "$status $(json "$WORK/r.body" error)"
"$DIRTOOL" activate-person --person "$PERSON" >/dev/null 2>>"$WORK/err"
sql "DELETE FROM authd_password_failures" >/dev/null 2>&1

# ---- lockout -----------------------------------------------------------------------

for i in 1 2 3 4; do
  pw_login l "$PERSON" "wrong password $i" 000000 city-a-info >/dev/null
done
case_ "the 5th failure in a row still gets the usual answer" 401 invalid_credentials "$PERSON" "wrong password 5" 000000 city-a-info
last_detail >"$WORK/detail" 2>&1
expect_grep "audit: it started a lock" 'failure 5: locked for (29|30|31) s' "$WORK/detail"
case_ "locked now, even with the right password and code" 429 locked "$PERSON" "$PASSWORD" "$(fresh_code)" city-a-info
expect_grep "429 with Retry-After" '^Retry-After: [0-9]+' "$WORK/c.headers"
expect_eq "audit: the locked attempt" "pwd-otp refused locked" "$(last_login)"
case_ "an unknown user name locks the same way" 401 invalid_credentials ghost-1 x 000000 city-a-info
for i in 2 3 4 5; do pw_login l ghost-1 "x$i" 000000 city-a-info >/dev/null; done
case_ "an unknown user name, locked" 429 locked ghost-1 x 000000 city-a-info
# Twelve wrong attempts at once for a fresh name: each is counted before
# its password is looked at, so at most five get past the count to the
# directory (the others are locked), whatever the interleaving.
for i in $(seq 12); do
  { pw_login "race-$i" ghost-2 "wrong $i" 000000 city-a-info; echo; } >"$WORK/race-$i.status" &
done
wait
n401=$(cat "$WORK"/race-*.status | grep -c '^401$')
n429=$(cat "$WORK"/race-*.status | grep -c '^429$')
expect_eq "12 racing attempts: every one answered 401 or 429" 12 "$((n401 + n429))"
if [ "$n401" -le 5 ]; then ok "at most 5 racing attempts reached the password check ($n401)"; else not_ok "racing attempts past the lock: $n401 (want <= 5)"; fi
expect_eq "the name is locked now" 429 "$(pw_login race-after ghost-2 wrong 000000 city-a-info)"
expect_eq "no user name is stored, only hashes" 0 "$(sql "SELECT count(*) FROM authd_password_failures WHERE subject !~ '^[0-9a-f]{64}$'")"
echo "# waiting for the 30 s lock to expire"
sleep "$(($(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$WORK/c.headers" | tr -d '\r') + 1))"
sleep 2
case_ "after the lock: the right password and code log in" 200 ok "$PERSON" "$PASSWORD" "$(fresh_code)" city-a-info
expect_eq "and the count starts afresh" 0 "$(sql "SELECT count(*) FROM authd_password_failures WHERE failures > 0 AND subject = encode(sha256(convert_to(lower('$PERSON'), 'UTF8')), 'hex')")"

# ---- malformed requests ----------------------------------------------------------------

status=$(curl -sS -o "$WORK/m.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary '{"username":"a","password":"b","otp":"123456","audience":"city-a-info","extra":1}' "$URL/v1/login/password")
expect_eq "an unknown member: 400" "400 invalid_request" "$status $(json "$WORK/m.body" error)"
status=$(curl -sS -o "$WORK/m.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary '{"username":"a","password":"b","audience":"city-a-info"}' "$URL/v1/login/password")
expect_eq "no otp: 400" "400 invalid_request" "$status $(json "$WORK/m.body" error)"
status=$(curl -sS -o "$WORK/m.body" -w '%{http_code}' -X POST --data-urlencode username=a "$URL/v1/login/password")
expect_eq "a form body: 415" 415 "$status"
case_ "an unknown module" 400 invalid_target "$PERSON" "$PASSWORD" 123456 city-z

for log in "$DEV"/authd/pw/authd.log; do
  expect_no_grep "no password, code or credential in authd's log" "$PASSWORD|ocs1_|eyJ" "$log"
done
"$DEV_SERVICES" stop "$DEV" >/dev/null 2>&1
expect_no_grep "no sanitizer report" 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$DEV/authd/pw/authd.log"
enroll_finish

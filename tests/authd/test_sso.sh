#!/usr/bin/env bash
# Single sign-on end to end (docs/sso.md), on a private set of real
# services (PostgreSQL, slapd) and two onecard-authd instances loading
# policies/province-example.conf: one card login (software-key cards made
# by bench/login/setup-cards.sh, driven by softcard), then tokens for
# modules of three platforms by refresh and by token exchange, each
# checked by the token library for its own audience and refused for
# another; the module policy's refusals with what is missing; every
# malformed request; cross-token confusion (NEGATIVE-TESTS J9);
# introspection, logout and revocation at either instance; a revoked
# certificate and a suspended card ending a session; the audit rows.
#
# Modules: six module verifiers (libonecard, through module_driver, with
# each module's demands from the policy) check every token: each accepts
# its own module's and refuses the others'; they keep accepting across a
# key rotation and while authd is stopped.
#
#   test_sso.sh BUILD_DIR SOURCE_DIR MODULE_DRIVER
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../enroll/lib.sh
. "$here/../enroll/lib.sh"
enroll_setup "$1" "$2"
DRIVER=$3

SOFTCARD=$BUILD/tests/authd/tools/softcard
TOKEN=$BUILD/tools/onecard-token/onecard-token
for t in "$SOFTCARD" "$TOKEN" "$DRIVER" "$BUILD/authd/server/onecard-authd"; do
  [ -x "$t" ] || { not_ok "built: $t"; enroll_finish; exit 1; }
done
command -v python3 >/dev/null || { not_ok "installed: python3"; enroll_finish; exit 1; }
POLICY=$SRC/policies/province-example.conf
EXCHANGE=urn:ietf:params:oauth:grant-type:token-exchange
TT_ACCESS=urn:ietf:params:oauth:token-type:access_token
TT_REFRESH=urn:ietf:params:oauth:token-type:refresh_token

# ---- helpers ---------------------------------------------------------------

start_authd() { # NAME [ORIGIN]: prints the URL
  local extra=()
  [ -n "${2:-}" ] && extra=(--origin "$2")
  "$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --name "$1" \
    --policy "$POLICY" "${extra[@]}" 2>>"$WORK/dev-services.log" |
    sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'$/\1/p"
}

# json FILE EXPR: a member of the JSON object in FILE (python3), "" when absent.
json() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else (json.dumps(d, separators=(",", ":")) if isinstance(d, (list, dict)) else d))' "$1" "$2" 2>/dev/null
}

# post URL PATH NAME [CURL ARGS...]: a form POST; the body goes to
# $WORK/NAME.body, headers to NAME.headers; prints the status.
post() {
  local url=$1 path=$2 name=$3
  shift 3
  curl -sS -o "$WORK/$name.body" -D "$WORK/$name.headers" -w '%{http_code}' \
    -X POST "$url$path" "$@" 2>>"$WORK/curl.err"
}

# token_case NAME WANT_STATUS WANT_ERROR FORM-ARGS...: POST /v1/token at
# $URL with the --data-urlencode arguments; checks status and error.
token_case() {
  local name=$1 status=$2 code=$3 got
  shift 3
  got=$(post "${CASE_URL:-$URL}" /v1/token tok "$@")
  local got_code
  got_code=$(json "$WORK/tok.body" error)
  [ "$status" = 200 ] && got_code=$([ -n "$(json "$WORK/tok.body" access_token)" ] && echo ok)
  if [ "$got" = "$status" ] && [ "$got_code" = "$code" ]; then
    ok "$name: $status $code"
  else
    not_ok "$name: want $status $code, got $got $(head -c 300 "$WORK/tok.body")"
  fi
}

refresh() { # AUDIENCE [CREDENTIAL]: the form of a refresh
  printf '%s\n' --data-urlencode grant_type=refresh_token \
    --data-urlencode "refresh_token=${2:-$SESSION}" --data-urlencode "audience=$1"
}

# verify_for FILE AUDIENCE: the access token in FILE's JSON verifies for AUDIENCE.
verify_for() {
  json "$1" access_token | "$TOKEN" verify --jwks "$WORK/jwks.json" --iss "$URL" --aud "$2" - \
    >"$WORK/claims" 2>"$WORK/verify.err"
}

introspect() { # NAME TOKEN [AUTH]: POST /v1/introspect; prints the status
  post "${CASE_URL:-$URL}" /v1/introspect "$1" -u "${3:-dev-module:$(cat "$DEV/authd/introspection.secret")}" \
    --data-urlencode "token=$2"
}

grants() { sql "SELECT count(*) FROM authd_grants"; }
last_grant() { sql "SELECT grant_type || ' ' || outcome || ' ' || coalesce(reason, '-') FROM authd_grants ORDER BY id DESC LIMIT 1"; }

# login CARD_PROOF_ARGS...: a card login for provincial-portal; sets
# LOGIN_BODY (the answer's file), SESSION and ACCESS.
login_n=0
login() {
  login_n=$((login_n + 1))
  LOGIN_BODY=$WORK/login-$login_n.json
  "$SOFTCARD" login --authd "$URL" --audience provincial-portal "$@" >"$WORK/login.out" 2>"$WORK/err"
  sed -n 2p "$WORK/login.out" >"$LOGIN_BODY"
  SESSION=$(json "$LOGIN_BODY" refresh_token)
  ACCESS=$(json "$LOGIN_BODY" access_token)
  [ "$(sed -n 1p "$WORK/login.out")" = 200 ] && [ -n "$SESSION" ] && [ -n "$ACCESS" ]
}

publish_crl() {
  "$CA" --home "$HOME_CA" --pass-file "$WORK/pass" crl >"$HOME_CA/.crl.tmp" 2>>"$WORK/err" &&
    mv -f "$HOME_CA/.crl.tmp" "$HOME_CA/crl.pem"
}

wait_for() { # DESCRIPTION SECONDS COMMAND...
  local desc=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  not_ok "waited ${secs}s for: $desc"
  return 1
}

# The module verifiers, kept running (tests/module/module_driver.c): ask
# CMD... sends one command and puts the answer line in ANSWER.
coproc DRV { "$DRIVER" 2>"$WORK/driver.err"; }
ask() {
  ANSWER=""
  if [ -z "${DRV[1]:-}" ]; then
    ANSWER="(module_driver is gone: $(tail -n 1 "$WORK/driver.err"))"
    return
  fi
  printf '%s\n' "$*" >&"${DRV[1]}"
  IFS= read -r -t 120 ANSWER <&"${DRV[0]}" || ANSWER="(no answer: $(tail -n 1 "$WORK/driver.err"))"
}
# Each module of the test with its demands, as the policy states them.
MODULES=(province-customs-declaration:card:customs city-a-customs-declaration:card:customs
  city-a-maritime:card:maritime city-b-border:card:border
  city-c-inspection:card:inspection-quarantine city-c-info:card,pwd-otp:-)
# kid_of FILE: the kid in the header of the token in FILE.
kid_of() {
  python3 -c 'import base64,json,sys
h=open(sys.argv[1]).read().strip().split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$1" 2>/dev/null
}
# every_module_checks NAME TOKEN_FILE OWN: the module OWN accepts the
# token in TOKEN_FILE, every other module refuses it for its audience.
every_module_checks() {
  local name=$1 file=$2 own=$3 m id bad=""
  for m in "${MODULES[@]}"; do
    id=${m%%:*}
    ask verify "$id" "$file"
    if [ "$id" = "$own" ]; then
      [[ $ANSWER == "ok "* ]] || bad="$bad $id refused it ($ANSWER);"
    else
      [[ $ANSWER == "refused "* ]] || bad="$bad $id: $ANSWER;"
    fi
  done
  if [ -z "$bad" ]; then ok "$name: accepted by $own, refused by the 5 other modules"; else not_ok "$name:$bad"; fi
}

# ---- setup: software cards, two authd instances --------------------------------

ONECARD_BENCH_PREFIX=s ONECARD_BENCH_JOBS=2 bash "$SRC/bench/login/setup-cards.sh" "$HOME_CA" "$WORK/pass" \
  "$WORK/soft" 3 customs,maritime,border,inspection-quarantine >/dev/null 2>"$WORK/setup.err" ||
  { cat "$WORK/setup.err"; not_ok "setup-cards"; enroll_finish; exit 1; }
mapfile -t SOFT < "$WORK/soft/cards.txt"
PA=(); for p in ${SOFT[0]}; do PA+=(--proof "$p"); done  # card A: every certificate
PB=(); for p in ${SOFT[1]}; do PB+=(--proof "$p"); done  # card B: suspended below
PC=(); for p in ${SOFT[2]}; do PC+=(--proof "$p"); done  # card C: revoked below
C=(${SOFT[2]//,/ })
PA_CUSTOMS=(--proof "${SOFT[0]%% *}")                     # card A, customs only
publish_crl
URL=$(start_authd sso1)
URL2=$(start_authd sso2 "$URL")  # one deployment: one origin and issuer
{ [ -n "$URL" ] && [ -n "$URL2" ]; } || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "two authd instances with the example province: $URL $URL2"
curl -fsS "$URL/.well-known/jwks.json" >"$WORK/jwks.json"
for m in "${MODULES[@]}"; do
  IFS=: read -r id acr agencies <<<"$m"
  ask new "$id" "$URL/.well-known/jwks.json" "$URL" "$id" "$acr" "$agencies"
  [ "$ANSWER" = ok ] || not_ok "module verifier $id: $ANSWER"
done

# ---- the login opens a session -------------------------------------------------

if login "${PA[@]}"; then ok "card A logs in"; else not_ok "card A logs in: $(cat "$WORK/login.out" "$WORK/err")"; fi
A_SESSION=$SESSION
A_ACCESS=$ACCESS
expect_grep "the session credential is ocs1_ and 43 base64url characters" '"refresh_token":"ocs1_[A-Za-z0-9_-]{43}"' "$LOGIN_BODY"
expect_eq "refresh_expires_in: the policy's absolute timeout" 28800 "$(json "$LOGIN_BODY" refresh_expires_in)"
expect_eq "session_idle_timeout: the policy's idle timeout" 1800 "$(json "$LOGIN_BODY" session_idle_timeout)"
verify_for "$LOGIN_BODY" provincial-portal
expect_eq "the login's token verifies" 0 "$?"
SID=$(json "$WORK/claims" sid)
expect_grep "the token carries the session's sid" '^[A-Za-z0-9_-]{22}$' <(printf '%s\n' "$SID")
expect_eq "the session row: person, card, acr, 4 certificates" "card 4" \
  "$(sql "SELECT acr || ' ' || jsonb_array_length(certs) FROM authd_sessions WHERE sid = '$SID'")"
expect_eq "only the credential's SHA-256 is stored" \
  "$(printf '%s' "$A_SESSION" | sha256sum | cut -d' ' -f1)" \
  "$(sql "SELECT encode(secret_hash, 'hex') FROM authd_sessions WHERE sid = '$SID'")"
pg_dump -d "$ONECARD_PG" --data-only >"$WORK/dump.sql" 2>/dev/null
expect_no_grep "the credential appears nowhere in the database" "${A_SESSION#ocs1_}" "$WORK/dump.sql"
expect_no_grep "no access token in the database" "${A_ACCESS##*.}" "$WORK/dump.sql"
expect_eq "the login's token row names the session" "$SID" \
  "$(sql "SELECT t.sid FROM authd_tokens t JOIN authd_logins l ON l.jti = t.jti ORDER BY l.id DESC LIMIT 1")"

# ---- tokens for modules of three platforms, without the card ------------------------

n=0
for aud in province-customs-declaration city-a-customs-declaration city-a-maritime \
  city-b-border city-c-inspection city-c-info; do
  mapfile -t form < <(refresh "$aud")
  token_case "refresh for $aud" 200 ok "${form[@]}"
  cp "$WORK/tok.body" "$WORK/tok-$aud.json"
  verify_for "$WORK/tok-$aud.json" "$aud"
  expect_eq "$aud: its token verifies for $aud" 0 "$?"
  expect_eq "$aud: same person, card and session" "$(json "$LOGIN_BODY" sub) $SID card" \
    "$(json "$WORK/claims" sub) $(json "$WORK/claims" sid) $(json "$WORK/claims" acr)"
  expect_eq "$aud: the 4 agencies with thumbprints" 4 \
    "$(python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin)["agencies"] if len(a["x5t#S256"]) == 43))' <"$WORK/claims")"
  expect_eq "$aud: the answer says access_token, Bearer, the audience" "$TT_ACCESS Bearer $aud" \
    "$(json "$WORK/tok.body" issued_token_type) $(json "$WORK/tok.body" token_type) $(json "$WORK/tok.body" audience)"
  json "$WORK/tok-$aud.json" access_token >"$WORK/tok-$aud.jwt"
  every_module_checks "$aud's token" "$WORK/tok-$aud.jwt" "$aud"
  n=$((n + 1))
done
check_not "J9: a token for city A is refused at city B (audience)" \
  verify_for "$WORK/tok-city-a-customs-declaration.json" city-b-customs-declaration
check_not "a city's token is refused by the province's module" \
  verify_for "$WORK/tok-city-a-customs-declaration.json" province-customs-declaration
expect_eq "the token lifetime is the module's (city-c-info: 600 s)" 600 "$(json "$WORK/tok-city-c-info.json" expires_in)"
expect_grep "no-store on the token answer" '^Cache-Control: no-store' "$WORK/tok.headers"
expect_eq "audit: a success row with a token row per refresh" "$n" \
  "$(sql "SELECT count(*) FROM authd_grants g JOIN authd_tokens t ON t.grant_id = g.id WHERE g.sid = '$SID' AND g.outcome = 'success' AND t.sid = '$SID'")"

# ---- what the module's policy demands -------------------------------------------

if login "${PA_CUSTOMS[@]}"; then ok "card A logs in with its customs certificate only"; else not_ok "customs-only login"; fi
CUSTOMS_ONLY=$SESSION
mapfile -t form < <(refresh city-b-maritime "$CUSTOMS_ONLY")
token_case "a module needing the maritime certificate refuses a customs-only session" 403 access_denied "${form[@]}"
expect_eq "the answer says what is missing" '{"agencies":["maritime"]}' "$(json "$WORK/tok.body" missing)"
expect_eq "and says it in words" "module city-b-maritime requires a card login with the maritime certificate" \
  "$(json "$WORK/tok.body" error_description)"
mapfile -t form < <(refresh province-tax-refund)
token_case "tax refund needs customs and tax: card A has no tax certificate" 403 access_denied "${form[@]}"
expect_eq "only the tax certificate is missing" '{"agencies":["tax"]}' "$(json "$WORK/tok.body" missing)"
expect_eq "audit: the refusal row" "refresh_token refused access_denied" "$(last_grant)"
mapfile -t form < <(refresh city-a-customs-declaration "$CUSTOMS_ONLY")
token_case "the customs-only session still reaches a customs module" 200 ok "${form[@]}"

# ---- token exchange (RFC 8693) ----------------------------------------------------

token_case "exchange: the session credential as subject" 200 ok \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-b-maritime
token_case "exchange: an access token (any module's) as subject" 200 ok \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_ACCESS" \
  --data-urlencode "subject_token_type=$TT_ACCESS" --data-urlencode audience=city-c-maritime \
  --data-urlencode "requested_token_type=$TT_ACCESS"
verify_for "$WORK/tok.body" city-c-maritime
expect_eq "the exchanged token verifies for city-c-maritime, same session" "0 $SID" "$? $(json "$WORK/claims" sid)"
expect_eq "audit: an exchange row, subject access_token" "token_exchange access_token success" \
  "$(sql "SELECT grant_type || ' ' || subject_type || ' ' || outcome FROM authd_grants ORDER BY id DESC LIMIT 1")"
token_case "exchange: the subject token of type jwt" 200 ok \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_ACCESS" \
  --data-urlencode "subject_token_type=urn:ietf:params:oauth:token-type:jwt" --data-urlencode audience=city-a-border
token_case "exchange: a customs-only session cannot reach maritime either" 403 access_denied \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$CUSTOMS_ONLY" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=province-maritime

# ---- cross-token confusion (J9) and malformed requests -----------------------------

token_case "J9: an access token as refresh_token" 400 invalid_grant \
  --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$A_ACCESS" --data-urlencode audience=city-a-info
token_case "J9: an access token declared refresh_token in an exchange" 400 invalid_grant \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_ACCESS" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-a-info
token_case "J9: the session credential declared access_token" 400 invalid_grant \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=$TT_ACCESS" --data-urlencode audience=city-a-info
expect_eq "and it says why" "subject_token: a session credential is not an access token" "$(json "$WORK/tok.body" error_description)"
tampered=${A_ACCESS%?}A
[ "$tampered" = "$A_ACCESS" ] && tampered=${A_ACCESS%?}B
token_case "a tampered access token as subject" 400 invalid_grant \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$tampered" \
  --data-urlencode "subject_token_type=$TT_ACCESS" --data-urlencode audience=city-a-info
token_case "an unknown session credential" 400 invalid_grant \
  $(refresh city-a-info "ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
token_case "garbage as refresh_token" 400 invalid_grant \
  --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=not-a-credential" --data-urlencode audience=city-a-info
token_case "an unknown module" 400 invalid_target $(refresh city-z-nothing)
token_case "no audience" 400 invalid_request --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$A_SESSION"
token_case "resource instead of audience" 400 invalid_target $(refresh city-a-info) --data-urlencode resource=https://x.example
token_case "scope" 400 invalid_request $(refresh city-a-info) --data-urlencode scope=openid
token_case "actor_token (delegation)" 400 invalid_request \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-a-info --data-urlencode "actor_token=$A_ACCESS"
token_case "an unknown subject_token_type" 400 invalid_request \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=urn:ietf:params:oauth:token-type:id_token" --data-urlencode audience=city-a-info
token_case "a requested_token_type authd does not issue" 400 invalid_request \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-a-info \
  --data-urlencode "requested_token_type=urn:ietf:params:oauth:token-type:id_token"
token_case "an exchange without subject_token" 400 invalid_request \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-a-info
token_case "grant_type password" 400 unsupported_grant_type --data-urlencode grant_type=password
token_case "grant_type missing" 400 invalid_request --data-urlencode audience=city-a-info
before=$(grants)
token_case "a parameter given twice" 400 invalid_request $(refresh city-a-info) --data-urlencode audience=city-b-info
token_case "a bad %-escape" 400 invalid_request --data-binary 'grant_type=refresh%zz'
status=$(post "$URL" /v1/token json -H 'Content-Type: application/json' --data-binary '{"grant_type":"refresh_token"}')
expect_eq "a JSON body: 415" 415 "$status"
expect_eq "no grant row for bodies that are no form" "$before" "$(grants)"

# ---- introspection (RFC 7662) ------------------------------------------------------

expect_eq "introspect without client authentication: 401" 401 "$(introspect in "$A_ACCESS" nobody:x)"
expect_eq "the answer is invalid_client" invalid_client "$(json "$WORK/in.body" error)"
expect_grep "with WWW-Authenticate Basic" '^WWW-Authenticate: Basic' "$WORK/in.headers"
expect_eq "introspect with a wrong secret: 401" 401 "$(introspect in "$A_ACCESS" "dev-module:wrong")"
curl -sS -o "$WORK/in.body" -w '%{http_code}' -X POST "$URL/v1/introspect" --data-urlencode "token=$A_ACCESS" >"$WORK/in.status"
expect_eq "introspect with no Authorization at all: 401" 401 "$(cat "$WORK/in.status")"
expect_eq "introspect an access token: 200" 200 "$(introspect in "$A_ACCESS")"
expect_eq "active, access_token, its audience, agencies and sid" \
  "True access_token provincial-portal [\"border\",\"customs\",\"inspection-quarantine\",\"maritime\"] $SID" \
  "$(json "$WORK/in.body" active) $(json "$WORK/in.body" token_type) $(json "$WORK/in.body" aud) $(json "$WORK/in.body" agencies) $(json "$WORK/in.body" sid)"
introspect in "$A_SESSION" >/dev/null
expect_eq "introspect the session: active refresh_token with its sid" "True refresh_token $SID" \
  "$(json "$WORK/in.body" active) $(json "$WORK/in.body" token_type) $(json "$WORK/in.body" sid)"
introspect in "$tampered" >/dev/null
expect_eq "introspect a tampered token: inactive" '{"active":false}' "$(cat "$WORK/in.body")"
introspect in "garbage" >/dev/null
expect_eq "introspect garbage: inactive" '{"active":false}' "$(cat "$WORK/in.body")"
CASE_URL=$URL2 introspect in "$A_ACCESS" >/dev/null
expect_eq "the other instance introspects it too" True "$(json "$WORK/in.body" active)"

# ---- logout ends the session everywhere ---------------------------------------------

CITY_TOKEN=$(json "$WORK/tok-city-a-customs-declaration.json" access_token)
status=$(post "$URL2" /v1/logout out --data-urlencode "token=$A_SESSION")
expect_eq "logout at the second instance: 200 session ended" "200 ended" "$status $(json "$WORK/out.body" session)"
expect_eq "the session row: ended for logout" "logout" "$(sql "SELECT end_reason FROM authd_sessions WHERE sid = '$SID'")"
expect_eq "an event row for the logout" 1 "$(sql "SELECT count(*) FROM authd_session_events WHERE sid = '$SID' AND reason = 'logout'")"
introspect in "$A_SESSION" >/dev/null
expect_eq "introspection at the first instance: the session is inactive at once" '{"active":false}' "$(cat "$WORK/in.body")"
introspect in "$A_ACCESS" >/dev/null
expect_eq "so is the login's access token" '{"active":false}' "$(cat "$WORK/in.body")"
introspect in "$CITY_TOKEN" >/dev/null
expect_eq "and a city module's token issued from it" '{"active":false}' "$(cat "$WORK/in.body")"
token_case "refresh after logout" 400 invalid_grant $(refresh city-a-info "$A_SESSION")
expect_grep "it says the session has ended" 'the session has ended' "$WORK/tok.body"
token_case "exchange of the session after logout" 400 invalid_grant \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_SESSION" \
  --data-urlencode "subject_token_type=$TT_REFRESH" --data-urlencode audience=city-a-info
token_case "exchange of its access token after logout" 400 invalid_grant \
  --data-urlencode "grant_type=$EXCHANGE" --data-urlencode "subject_token=$A_ACCESS" \
  --data-urlencode "subject_token_type=$TT_ACCESS" --data-urlencode audience=city-a-info
status=$(post "$URL" /v1/logout out --data-urlencode "token=$A_SESSION")
expect_eq "logout again: still 200, nothing new recorded" "200 1" \
  "$status $(sql "SELECT count(*) FROM authd_session_events WHERE sid = '$SID'")"
expect_eq "logout with an access token: 400" 400 "$(post "$URL" /v1/logout out --data-urlencode "token=$A_ACCESS")"
expect_eq "logout without a token: 400" 400 "$(post "$URL" /v1/logout out --data-urlencode "x=1")"

# ---- revocation (RFC 7009) ------------------------------------------------------------

if login "${PA[@]}"; then ok "card A logs in again"; else not_ok "card A logs in again"; fi
status=$(post "$URL" /v1/revoke rv --data-urlencode "token=$ACCESS" --data-urlencode token_type_hint=access_token)
expect_eq "revoke an access token: 200 {}" "200 {}" "$status $(cat "$WORK/rv.body")"
token_case "its session can mint no token any more" 400 invalid_grant $(refresh city-a-info "$SESSION")
if login "${PA[@]}"; then ok "and once more"; else not_ok "and once more"; fi
status=$(post "$URL" /v1/revoke rv --data-urlencode "token=$SESSION")
expect_eq "revoke the session credential: 200" 200 "$status"
token_case "refresh after its revocation" 400 invalid_grant $(refresh city-a-info "$SESSION")
status=$(post "$URL" /v1/revoke rv --data-urlencode "token=no-such-token")
expect_eq "revoke an unknown token: 200 (RFC 7009 §2.2)" "200 {}" "$status $(cat "$WORK/rv.body")"
expect_eq "revoke without a token: 400" 400 "$(post "$URL" /v1/revoke rv --data-urlencode "x=1")"

# ---- the directory and the CRL end sessions ----------------------------------------------

if login "${PB[@]}"; then ok "card B logs in"; else not_ok "card B logs in"; fi
B_SESSION=$SESSION
B_ID=$(sed -n 's/.*cards\/\([^/]*\)\/.*/\1/p' <<<"${SOFT[1]%%,*}")
mapfile -t form < <(refresh city-a-info "$B_SESSION")
token_case "card B's session refreshes" 200 ok "${form[@]}"
"$DIRTOOL" suspend-card --card-id "$B_ID" --reason "lost" >/dev/null 2>>"$WORK/err"
token_case "card B suspended: its session is refused" 400 invalid_grant "${form[@]}"
expect_grep "and says why" 'card is suspended \(card_suspended\)' "$WORK/tok.body"
"$DIRTOOL" activate-card --card-id "$B_ID" >/dev/null 2>>"$WORK/err"
token_case "active again, but that session stays ended" 400 invalid_grant "${form[@]}"
expect_eq "the session row: ended for card_suspended" card_suspended \
  "$(sql "SELECT end_reason FROM authd_sessions WHERE sid = (SELECT sid FROM authd_grants WHERE reason = 'invalid_grant' AND sid IS NOT NULL ORDER BY id DESC LIMIT 1)")"

if login "${PC[@]}"; then ok "card C logs in"; else not_ok "card C logs in"; fi
C_SESSION=$SESSION
mapfile -t form < <(refresh city-b-info "$C_SESSION")
token_case "card C's session refreshes" 200 ok "${form[@]}"
C_SERIAL=$(openssl x509 -in "${C[0]%%:*}" -noout -serial | cut -d= -f2)
"$CA" --home "$HOME_CA" --pass-file "$WORK/pass" revoke --serial "$C_SERIAL" --reason keyCompromise >/dev/null 2>>"$WORK/err"
publish_crl
revoked_seen() { [ "$(post "$URL" /v1/token tok "${form[@]}")" = 400 ]; }
wait_for "the new CRL ends card C's session" 15 revoked_seen
expect_grep "a revoked certificate ends the session (cert_revoked)" 'cert_revoked' "$WORK/tok.body"
introspect in "$C_SESSION" >/dev/null
expect_eq "introspection: inactive" '{"active":false}' "$(cat "$WORK/in.body")"

# ---- modules across a key rotation, and with authd stopped -----------------------

if login "${PA[@]}"; then ok "card A logs in for the modules"; else not_ok "card A logs in for the modules"; fi
D_SESSION=$SESSION
# Twice with --force: the key that signs next is one the modules' cached
# key sets have never seen (each refetches once).
ONECARD_BIN_DIR=$BUILD "$SRC/scripts/rotate-keys" --keys "$DEV/authd/keys" --force >/dev/null 2>>"$WORK/err" &&
  ONECARD_BIN_DIR=$BUILD "$SRC/scripts/rotate-keys" --keys "$DEV/authd/keys" --force >/dev/null 2>>"$WORK/err"
expect_eq "two key rotations while the modules run" 0 "$?"
OLD_KID=$(kid_of "$WORK/tok-city-a-maritime.jwt")
for ((i = 0; i < 60; i++)); do
  mapfile -t form < <(refresh city-a-maritime "$D_SESSION")
  post "$URL" /v1/token tok "${form[@]}" >/dev/null
  json "$WORK/tok.body" access_token >"$WORK/rotated.jwt"
  kid=$(kid_of "$WORK/rotated.jwt")
  [ -n "$kid" ] && [ "$kid" != "$OLD_KID" ] && break
  sleep 1
done
expect_eq "after the rotation authd signs with a new key" 1 "$([ -n "$kid" ] && [ "$kid" != "$OLD_KID" ] && echo 1)"
every_module_checks "a token under the new key" "$WORK/rotated.jwt" city-a-maritime
every_module_checks "a token under the old key, still unexpired" "$WORK/tok-city-a-maritime.jwt" city-a-maritime
"$DEV_SERVICES" stop "$DEV" >/dev/null 2>&1
expect_eq "authd stopped" 000 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
every_module_checks "authd stopped: a token under the new key" "$WORK/rotated.jwt" city-a-maritime
every_module_checks "authd stopped: a city's token under the old key" "$WORK/tok-city-b-border.jwt" city-b-border
"$DEV_SERVICES" start "$DEV" >/dev/null 2>>"$WORK/dev-services.log"
URL=$(start_authd sso1)
[ -n "$URL" ] && ok "authd back" || not_ok "authd back"

# ---- the audit trail -------------------------------------------------------------------

expect_eq "no grant row without a grant type, every row well formed" 0 \
  "$(sql "SELECT count(*) FROM authd_grants WHERE grant_type NOT IN ('refresh_token', 'token_exchange')")"
expect_eq "every success has its token row" 0 \
  "$(sql "SELECT count(*) FROM authd_grants g LEFT JOIN authd_tokens t ON t.grant_id = g.id WHERE g.outcome = 'success' AND t.jti IS NULL")"
for log in "$DEV"/authd/sso*/authd.log; do
  expect_no_grep "$(basename "$(dirname "$log")"): no credential in the log" 'ocs1_|eyJ' "$log"
done

ask quit
"$DEV_SERVICES" stop "$DEV" >/dev/null 2>&1
for log in "$DEV"/authd/sso*/authd.log; do
  expect_no_grep "$(basename "$(dirname "$log")"): no sanitizer report" 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$log"
done
enroll_finish

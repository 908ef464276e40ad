#!/usr/bin/env bash
# GET /v1/authz (docs/sso.md, docs/nginx.md) against the real onecard-authd
# on the ctest fixture "authd_clients", then through a real nginx running
# nginx/onecard-module.conf, with a SoftHSM card logged in by
# onecard-login (tests/login/lib.sh: a CA, a card enrolled with customs
# and maritime, this test's own authd instance on
# policies/province-example.conf).
#
# Tokens: real ones from card logins (province-customs-declaration,
# provincial-portal, city-a-maritime); and tokens signed with authd's own
# current key from the shared key folder, each the real token's claims
# with one change, for what a login never gives (an expired token, no
# sid, a claim that cannot be a header, another acr, a missing agency);
# a re-signed copy of the real claims is admitted, so each refusal is the
# change's doing.
#
# Directly at authd, status, error code and headers of each answer:
#   500 invalid_target: no X-Onecard-Module, an empty one, an unknown one;
#   401 with WWW-Authenticate "Bearer" (no credential) or
#     'Bearer error="invalid_token"': no token, a malformed Bearer header,
#     a malformed Cookie header (no token), another cookie name, an empty
#     cookie, the first onecard_token cookie bad, a bad Bearer header over
#     a good cookie, a tampered signature or payload, a token for another
#     module, a session credential, a token of another key, an expired
#     token, no sid, a malformed sid, an unknown session, claims that
#     cannot be headers (CR LF, control, non-ASCII, leading space, a comma
#     in an agency, too long), malformed agencies, a logged-out session;
#   403 access_denied with "missing": another acr, no acr, a missing
#     agency (signed), and a real token at a second authd instance (same
#     origin, same keys) whose policy makes the module demand tax;
#   503 database_unavailable: an instance whose database is unreachable;
#   204 with X-Onecard-Sub, -Ent, -Card, -Acr, -Agencies and no body:
#     Bearer in any letter case and with several spaces, the cookie plain,
#     among others and quoted, the first of two, a good Bearer header over
#     a bad cookie, a Basic header with the cookie, pwd-otp at a module
#     that admits it, no agencies (no X-Onecard-Agencies), no ent and card.
# Through nginx (one server block per module, filled from the template):
#   admitted with Bearer and with the cookie, the application seeing the
#   identity headers and neither the Authorization header nor a
#   client-forged X-Onecard-* (nor X_Onecard_Sub); a POST body passed on
#   while the check is a GET; the internal location 404 from outside; a
#   client's X-Onecard-Module ignored; 401 (no token, tampered, another
#   module, expired, session credential, after logout) with the JSON page
#   and authd's WWW-Authenticate; 403 (the tightened instance); 500 for an
#   unknown module, authd's database down and authd unreachable; a
#   refused request never reaches the application.
# Last: no token in authd's or nginx's logs; authd stops on TERM with no
# sanitizer report.
#
#   test_authz.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
# shellcheck source=../login/lib.sh
. "$(dirname "$0")/../login/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
login_setup "$1" "$2" nginx

TOKEN_TOOL=$BUILD/tools/onecard-token/onecard-token
AUTHD_BIN=$BUILD/authd/server/onecard-authd
TEMPLATE=$SRC/nginx/onecard-module.conf
POLICY=$SRC/policies/province-example.conf
[ -x "$TOKEN_TOOL" ] || die_setup "built: $TOKEN_TOOL"
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || die_setup "installed: nginx"
command -v python3 >/dev/null || die_setup "installed: python3 (the application behind nginx)"
"$NGINX" -V 2>&1 | grep -q -- --with-http_auth_request_module ||
  die_setup "nginx built with the auth_request module"

M1=province-customs-declaration # demands customs: the card has it
PORTAL=provincial-portal        # demands nothing (tax at the tightened instance)
MAR=city-a-maritime             # demands maritime

# ---- what this test starts, and stops on exit -----------------------------------

NGINX_PID=""
APP_PID=""
AUTHD2_PID=""
AUTHD3_PID=""
stop_pid() { # PID: TERM, then wait a little (our own children and instances only)
  local i
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
}
authz_cleanup() {
  local rc=$?
  stop_pid "$NGINX_PID"
  stop_pid "$APP_PID"
  stop_pid "$AUTHD2_PID"
  stop_pid "$AUTHD3_PID"
  (exit "$rc")
  login_cleanup
}
trap authz_cleanup EXIT

# free_ports N: N loopback ports nobody listens on now, one a line.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()' "$1"
}

# ---- the card, tokens, authd instances --------------------------------------------

login_authd "$POLICY"
URL1=$AUTHD_URL
CARD1_URI=$(new_card card1) || die_setup "a blank card"
enroll_card "$CARD1_URI" customs,maritime || die_setup "enroll-card: $(tail -n1 "$WORK/enroll.err")"
# shellcheck disable=SC2153 # CARD_ID: set by enroll_card (lib.sh)
CARD1_ID=$CARD_ID
ok "card $CARD1_ID enrolled with customs and maritime"

token_for() { # AUDIENCE FILE: a card login (a session of its own)
  run_login "$2" "$WORK/login.err" --authd "$URL1" --card "$CARD1_URI" --audience "$1" \
    --pin-file "$WORK/pin"
  [ "$RC" -eq 0 ] && [ -s "$2" ]
}
token_for "$PORTAL" "$WORK/t-portal" || die_setup "login for $PORTAL: $(tail -n1 "$WORK/login.err")"
token_for "$MAR" "$WORK/t-mar" || die_setup "login for $MAR: $(tail -n1 "$WORK/login.err")"
# Last, so that the cache holds this login's session (logged out below).
token_for "$M1" "$WORK/t1" || die_setup "login for $M1: $(tail -n1 "$WORK/login.err")"
T1=$(cat "$WORK/t1")
T_PORTAL=$(cat "$WORK/t-portal")
T_MAR=$(cat "$WORK/t-mar")
ok "three card logins: tokens for $M1, $PORTAL, $MAR"
# The session credential of T1's login (the login answer's refresh_token,
# kept in onecard-login's cache).
RT=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["session"]["refresh_token"])' \
  "$ONECARD_CCACHE" 2>/dev/null)
[[ $RT =~ ^ocs1_[A-Za-z0-9_-]{43}$ ]] || die_setup "the login's session credential in the cache"

# Signed tokens: authd's current key from the fixture's key folder.
KEYS=$ONECARD_DEV_DIR/authd/keys
KID=$(awk '$1 == "signing" && $3 == "current" {print $2}' "$KEYS/manifest" 2>/dev/null)
JWK=$KEYS/signing/$KID.jwk
if [ -z "$KID" ] || [ ! -r "$JWK" ]; then die_setup "authd's current signing key in $KEYS"; fi
# craft OUT LIFETIME PYTHON: T1's claims (iat, nbf, exp, jti left to the
# signer) changed by the Python statements on the dict c, signed as authd
# signs (typ at+jwt) with KEY (default authd's).
craft() {
  python3 - "$WORK/t1" "$3" <<'PY' | "$TOKEN_TOOL" sign --key "${KEY:-$JWK}" --lifetime "$2" \
    >"$1" 2>>"$WORK/sign.err"
import base64, json, sys
tok = open(sys.argv[1]).read().strip()
p = tok.split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
for k in ("iat", "nbf", "exp", "jti"):
    c.pop(k, None)
exec(sys.argv[2])
sys.stdout.write(json.dumps(c))
PY
  [ -s "$1" ] || not_ok "signing $1: $(tail -n1 "$WORK/sign.err")"
}
# One second to live: refused once the verifier's 60 s leeway has passed.
craft "$WORK/t-short" 1 'pass'
SHORT_SIGNED=$(date +%s)

# A second instance sharing keys, database and origin (so the issuer),
# whose policy makes provincial-portal demand tax: the card lacks it.
awk '/id = "provincial-portal";/ {p = 1}
     p && /agencies = \[ \];/ {sub(/\[ \]/, "[ \"tax\" ]"); p = 0}
     {print}' "$POLICY" >"$WORK/tight.conf"
grep -A4 'id = "provincial-portal"' "$WORK/tight.conf" | grep -q 'agencies = \[ "tax" \]' ||
  die_setup "the tightened policy copy"
NAME2=nginx2-$$
out=$("$DEV_SERVICES" authd "$ONECARD_DEV_DIR" --ca-home "$HOME_CA" --pass-file "$WORK/pass" \
  --name "$NAME2" --policy "$WORK/tight.conf" --origin "$URL1" 2>>"$WORK/dev-services.log") ||
  die_setup "second instance: $(tail -n1 "$WORK/dev-services.log")"
URL2=$(sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'\$/\1/p" <<<"$out")
AUTHD2_PID=$(head -n1 "$ONECARD_DEV_DIR/authd/$NAME2/authd.pid" 2>/dev/null)
[[ $URL2 =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || die_setup "second instance's URL"
ok "second instance (provincial-portal demands tax) at $URL2"

# A third whose database is unreachable: the second's configuration with
# another port, name and conninfo, started by hand (it never gets healthy).
NAME3=nginx3-$$
mkdir -m 0700 "$WORK/authd3"
for ((try = 0; try < 3; try++)); do
  PORT3=$(free_ports 1)
  sed -e "s/^listen = .*/listen = { address = \"127.0.0.1\"; port = $PORT3; threads = 2; };/" \
    -e "s/^instance = .*/instance = \"$NAME3\";/" \
    -e "s|^database = .*|database = { conninfo = \"host=$WORK/no-pg dbname=onecard user=onecard connect_timeout=1\"; pool = 1; };|" \
    "$ONECARD_DEV_DIR/authd/$NAME2/authd.conf" >"$WORK/authd3/authd.conf"
  setsid "$AUTHD_BIN" --config "$WORK/authd3/authd.conf" </dev/null >>"$WORK/authd3/authd.log" 2>&1 &
  AUTHD3_PID=$!
  URL3=http://127.0.0.1:$PORT3
  for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null --max-time 2 "$URL3/.well-known/jwks.json" 2>/dev/null && break 2
    kill -0 "$AUTHD3_PID" 2>/dev/null || break
    sleep 0.1
  done
  stop_pid "$AUTHD3_PID"
  AUTHD3_PID=""
done
[ -n "$AUTHD3_PID" ] || die_setup "third instance (no database): $(tail -n1 "$WORK/authd3/authd.log")"
ok "third instance (database unreachable) at $URL3"

# ---- GET /v1/authz at authd ---------------------------------------------------------

# authz URL MODULE|- [CURL ARGS...]: one request; the status in STATUS, the
# headers in $WORK/h, the body in $WORK/b. MODULE "-" sends no
# X-Onecard-Module.
authz() {
  local url=$1 module=$2
  shift 2
  local -a mh=()
  [ "$module" != - ] && mh=(-H "X-Onecard-Module: $module")
  STATUS=$(curl -sS --max-time 20 -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' "${mh[@]}" "$@" \
    "$url/v1/authz" 2>"$WORK/curl.err") || STATUS="curl failed: $(cat "$WORK/curl.err")"
}
# hdr NAME: the value of the header NAME in $WORK/h ("" when absent).
hdr() { tr -d '\r' <"$WORK/h" | sed -n "s/^$1: //Ip" | head -n1; }
has_hdr() { if tr -d '\r' <"$WORK/h" | grep -qi "^$1:"; then echo yes; else echo no; fi; }
code() { sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p' "$WORK/b"; }

# refused DESCRIPTION STATUS CODE WWW MODULE [CURL ARGS...]: status, error
# code and (for 401) the WWW-Authenticate value; at authd instance $AT.
refused() {
  local what=$1 want_status=$2 want_code=$3 want_www=$4
  shift 4
  authz "${AT:-$URL1}" "$@"
  local got
  got="$STATUS $(code)"
  [ "$want_status" = 401 ] && got="$got [$(hdr WWW-Authenticate)]"
  local want="$want_status $want_code"
  [ "$want_status" = 401 ] && want="$want [$want_www]"
  if [ "$got" = "$want" ]; then
    ok "$what: $want"
  else
    not_ok "$what: want $want, got $got $(head -c 200 "$WORK/b")"
  fi
}
BARE=Bearer
INVALID='Bearer error="invalid_token"'

# admitted DESCRIPTION MODULE [CURL ARGS...]: 204 with the card's identity.
admitted() {
  local what=$1
  shift
  authz "${AT:-$URL1}" "$@"
  local got
  got="$STATUS|$(hdr X-Onecard-Sub)|$(hdr X-Onecard-Ent)|$(hdr X-Onecard-Card)|$(hdr X-Onecard-Acr)|$(hdr X-Onecard-Agencies)|$(wc -c <"$WORK/b")"
  expect_eq "$what: 204 with the identity headers and no body" \
    "204|$PERSON|$USCC|$CARD1_ID|card|${WANT_AGENCIES:-customs,maritime}|0" "$got"
}

# Configuration of the proxy.
refused "no X-Onecard-Module" 500 invalid_target "" -
refused "an empty X-Onecard-Module" 500 invalid_target "" - -H "X-Onecard-Module;"
refused "an unknown module" 500 invalid_target "" no-such-module -H "Authorization: Bearer $T1"
refused "a module id in another case" 500 invalid_target "" "${M1^^}" -H "Authorization: Bearer $T1"

# The credential.
refused "no credential" 401 invalid_token "$BARE" "$M1"
admitted "Bearer" "$M1" -H "Authorization: Bearer $T1"
expect_eq "204: no Content-Length or 0" yes \
  "$(if [ "$(has_hdr Content-Length)" = no ] || [ "$(hdr Content-Length)" = 0 ]; then echo yes; fi)"
expect_eq "204: Cache-Control no-store" no-store "$(hdr Cache-Control)"
admitted "bearer in lower case" "$M1" -H "Authorization: bearer $T1"
admitted "BEARER and three spaces" "$M1" -H "Authorization: BEARER   $T1"
admitted "the cookie" "$M1" -H "Cookie: onecard_token=$T1"
admitted "the cookie among others" "$M1" -H "Cookie: a=1; onecard_token=$T1; b=\"xy\""
admitted "the cookie quoted" "$M1" -H "Cookie: onecard_token=\"$T1\""
admitted "the first of two cookies" "$M1" -H "Cookie: onecard_token=$T1; onecard_token=garbage"
refused "the first of two cookies is bad" 401 invalid_token "$INVALID" "$M1" \
  -H "Cookie: onecard_token=garbage; onecard_token=$T1"
refused "cookie: no space after ';' (RFC 6265 §4.2.1)" 401 invalid_token "$BARE" "$M1" \
  -H "Cookie: a=1;onecard_token=$T1"
refused "cookie: a trailing ';'" 401 invalid_token "$BARE" "$M1" -H "Cookie: onecard_token=$T1;"
refused "cookie: a pair without '='" 401 invalid_token "$BARE" "$M1" -H "Cookie: junk; onecard_token=$T1"
refused "cookie: an empty name" 401 invalid_token "$BARE" "$M1" -H "Cookie: =1; onecard_token=$T1"
refused "cookie: a comma in a value" 401 invalid_token "$BARE" "$M1" -H "Cookie: a=1,2; onecard_token=$T1"
refused "cookie: an unclosed quote" 401 invalid_token "$BARE" "$M1" -H "Cookie: a=\"1; onecard_token=$T1"
refused "cookie: another name (case matters)" 401 invalid_token "$BARE" "$M1" -H "Cookie: Onecard_Token=$T1"
refused "cookie: empty" 401 invalid_token "$BARE" "$M1" -H "Cookie: onecard_token=; a=1"
refused "Bearer without a token" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer"
refused "Bearer with two tokens" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $T1 $T1"
expect_grep "  ... the header, not the token" 'the Authorization header is not' "$WORK/b"
refused "Bearer with a tab" 401 invalid_token "$INVALID" "$M1" -H "$(printf 'Authorization: Bearer\t%s' "$T1")"
refused "Bearer: a character outside b64token" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $T1,"
refused "a bad Bearer header wins over a good cookie" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer garbage" -H "Cookie: onecard_token=$T1"
admitted "a good Bearer header over a bad cookie" "$M1" -H "Authorization: Bearer $T1" \
  -H "Cookie: onecard_token=garbage"
admitted "a Basic header is not ours: the cookie counts" "$M1" \
  -H "Authorization: Basic dXNlcjpwYXNz" -H "Cookie: onecard_token=$T1"
refused "a Basic header alone: no token" 401 invalid_token "$BARE" "$M1" -H "Authorization: Basic dXNlcjpwYXNz"

# The token.
sig=${T1##*.}
flip=A
[ "${sig:5:1}" = A ] && flip=B
refused "a tampered signature" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer ${T1%.*}.${sig:0:5}$flip${sig:6}"
craft "$WORK/t-evil-sub" 300 'c["sub"] = "p-someone-else"'
evil=$(cut -d. -f2 "$WORK/t-evil-sub")
refused "a tampered payload (another sub)" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer $(cut -d. -f1 <<<"$T1").$evil.$sig"
refused "a token for another module" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $T_PORTAL"
refused "the token at another module" 401 invalid_token "$INVALID" "$PORTAL" -H "Authorization: Bearer $T1"
refused "a session credential as the bearer (J9)" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $RT"
expect_grep "  ... told apart" 'a session credential is not an access token' "$WORK/b"
refused "a session credential as the cookie (J9)" 401 invalid_token "$INVALID" "$M1" -H "Cookie: onecard_token=$RT"
"$TOKEN_TOOL" keygen --alg "$(sed -n 's/.*"alg": *"\([A-Za-z0-9]*\)".*/\1/p' "$JWK")" --kid "$KID" \
  >"$WORK/rogue.jwk" 2>>"$WORK/sign.err" || not_ok "a rogue key: $(tail -n1 "$WORK/sign.err")"
KEY=$WORK/rogue.jwk craft "$WORK/t-rogue" 300 'pass'
refused "the same claims under another key with authd's kid" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer $(cat "$WORK/t-rogue")"
expect_grep "  ... the signature" 'the access token is not valid' "$WORK/b"
admitted "a one-second token before it expires" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-short")"
craft "$WORK/t-same" 300 'pass'
admitted "T1's claims signed again with authd's key (what the refusals below change)" "$M1" \
  -H "Authorization: Bearer $(cat "$WORK/t-same")"
craft "$WORK/t-nosid" 300 'del c["sid"]'
refused "no sid" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-nosid")"
expect_grep "  ... says so" '"the token names no session"' "$WORK/b"
craft "$WORK/t-badsid" 300 'c["sid"] = "short"'
refused "a sid not of the store's form" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-badsid")"
expect_grep "  ... says so" '"the token names no session"' "$WORK/b"
craft "$WORK/t-numsid" 300 'c["sid"] = 1234567890123456'
refused "a sid that is not a string" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-numsid")"
expect_grep "  ... says so" '"the token names no session"' "$WORK/b"
craft "$WORK/t-unknownsid" 300 'c["sid"] = "AAAAAAAAAAAAAAAAAAAAAA"'
refused "a sid of no session" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-unknownsid")"
expect_grep "  ... says the session has ended" '"the session has ended"' "$WORK/b"

unsafe() { # DESCRIPTION PYTHON [DESCRIPTION-REGEX]
  craft "$WORK/t-unsafe" 300 "$2"
  refused "not a header value: $1" 401 invalid_token "$INVALID" "$M1" \
    -H "Authorization: Bearer $(cat "$WORK/t-unsafe")"
  expect_eq "  ... no identity header sent" "no no" "$(has_hdr X-Onecard-Sub) $(has_hdr X-Onecard-Agencies)"
  expect_grep "  ... for that reason" "${3:-cannot be handed on as a header}" "$WORK/b"
}
unsafe "CR LF in sub" 'c["sub"] = c["sub"] + "\r\nX-Onecard-Agencies: tax"'
unsafe "LF in ent" 'c["ent"] = "x\ny"'
unsafe "a control character in card" 'c["card"] = "card\u0001"'
unsafe "DEL in sub" 'c["sub"] = "p\u007f"'
unsafe "non-ASCII in sub" 'c["sub"] = "p-\u00e9"'
unsafe "a leading space in sub" 'c["sub"] = " " + c["sub"]'
unsafe "an empty sub" 'c["sub"] = ""'
unsafe "no sub" 'del c["sub"]'
unsafe "sub not a string" 'c["sub"] = 7' 'sub .*not a string'
unsafe "a comma in an agency id" 'c["agencies"].append({"id": "tax,border", "x5t#S256": "x"})'
unsafe "a space in an agency id" 'c["agencies"].append({"id": "tax border", "x5t#S256": "x"})'
unsafe "agencies longer than a header" \
  'c["agencies"] += [{"id": "a%03d-%s" % (i, "x" * 20), "x5t#S256": "x"} for i in range(30)]' \
  'too many for a header'
unsafe "sub longer than a header" 'c["sub"] = "p" * 600'
unsafe "agencies not a list" 'c["agencies"] = "customs,maritime"' 'agencies claim is malformed'
unsafe "an agency without x5t#S256" 'c["agencies"].append({"id": "tax"})' 'agencies claim is malformed'
unsafe "an agency id not a string" 'c["agencies"].append({"id": 5, "x5t#S256": "x"})' \
  'agencies claim is malformed'

craft "$WORK/t-crlf" 300 'c["sub"] = c["sub"] + "\r\nX-Onecard-Agencies: tax"'
craft "$WORK/t-noagencies" 300 'c["aud"] = "provincial-portal"; del c["agencies"]'
authz "$URL1" "$PORTAL" -H "Authorization: Bearer $(cat "$WORK/t-noagencies")"
expect_eq "no agencies at a module demanding none: 204, no X-Onecard-Agencies" "204 no $PERSON" \
  "$STATUS $(has_hdr X-Onecard-Agencies) $(hdr X-Onecard-Sub)"
craft "$WORK/t-nocard" 300 'del c["card"]; del c["ent"]'
authz "$URL1" "$M1" -H "Authorization: Bearer $(cat "$WORK/t-nocard")"
expect_eq "no ent and card claims: 204 without those headers" "204 no no card" \
  "$STATUS $(has_hdr X-Onecard-Ent) $(has_hdr X-Onecard-Card) $(hdr X-Onecard-Acr)"

# The module's demands.
denied() { # DESCRIPTION MISSING-JSON MODULE [CURL ARGS...]
  local what=$1 missing=$2
  shift 2
  refused "$what" 403 access_denied "" "$@"
  expect_grep "  ... says what is missing: $missing" "\"missing\":$missing" "$WORK/b"
}
craft "$WORK/t-pwd" 300 'c["acr"] = "pwd-otp"'
denied "acr pwd-otp at a card-only module" '\{"acr":"card"\}' "$M1" -H "Authorization: Bearer $(cat "$WORK/t-pwd")"
expect_grep "  ... in words" "module $M1 requires a card login" "$WORK/b"
craft "$WORK/t-noacr" 300 'del c["acr"]'
denied "no acr" '\{"acr":"card"\}' "$M1" -H "Authorization: Bearer $(cat "$WORK/t-noacr")"
craft "$WORK/t-oddacr" 300 'c["acr"] = "Card"'
denied "an acr authd does not know" '\{"acr":"card"\}' "$M1" -H "Authorization: Bearer $(cat "$WORK/t-oddacr")"
craft "$WORK/t-info" 300 'c["aud"] = "city-a-info"; c["acr"] = "pwd-otp"'
authz "$URL1" city-a-info -H "Authorization: Bearer $(cat "$WORK/t-info")"
expect_eq "acr pwd-otp at a module admitting it: 204" "204 pwd-otp" "$STATUS $(hdr X-Onecard-Acr)"
craft "$WORK/t-taxmod" 300 'c["aud"] = "province-tax-refund"'
denied "a module demanding customs and tax" '\{"agencies":\["tax"\]\}' province-tax-refund \
  -H "Authorization: Bearer $(cat "$WORK/t-taxmod")"
expect_grep "  ... in words" "module province-tax-refund requires a card login with the tax certificate" "$WORK/b"
craft "$WORK/t-noag-m1" 300 'c["agencies"] = []'
denied "no agencies at a module demanding customs" '\{"agencies":\["customs"\]\}' "$M1" \
  -H "Authorization: Bearer $(cat "$WORK/t-noag-m1")"
AT=$URL2 denied "a real token where the policy now demands tax (second instance)" \
  '\{"agencies":\["tax"\]\}' "$PORTAL" -H "Authorization: Bearer $T_PORTAL"
AT=$URL2 admitted "the same instance admits T1 at $M1" "$M1" -H "Authorization: Bearer $T1"

# The store.
AT=$URL3 refused "the database unreachable" 503 database_unavailable "" "$M1" -H "Authorization: Bearer $T1"
AT=$URL3 refused "  ... a bad token is still 401 first" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer garbage"

# ---- nginx ---------------------------------------------------------------------------

NG=$WORK/nginx
mkdir -p "$NG/conf.d" "$NG/tmp"
python3 "$here/echo_app.py" "$NG/app.port" "$NG/app.log" </dev/null >"$NG/app.out" 2>"$NG/app.err" &
APP_PID=$!
for ((i = 0; i < 50; i++)); do [ -s "$NG/app.port" ] && break; sleep 0.1; done
APP_PORT=$(cat "$NG/app.port" 2>/dev/null)
[[ $APP_PORT =~ ^[0-9]+$ ]] || die_setup "the application: $(tail -n1 "$NG/app.err")"
touch "$NG/app.log"
DEAD_PORT=$(free_ports 1) # nobody listens there: authd unreachable

# fill OUT LISTEN MODULE AUTHD_URL: the template with its placeholders set.
fill() {
  sed -e "s|@LISTEN@|$2|g" -e "s|@SERVER_NAME@|localhost|g" -e "s|@MODULE@|$3|g" \
    -e "s|@AUTHD@|${4#http://}|g" -e "s|@APP@|127.0.0.1:$APP_PORT|g" "$TEMPLATE" >"$1"
}
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$NG/nginx.conf" <<EOF
# The frame around nginx/onecard-module.conf for tests/nginx/test_authz.sh.
$user_line
worker_processes 1;
events { worker_connections 128; }
http {
    access_log $NG/access.log;
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    include $NG/conf.d/*.conf;
}
EOF
NGX=("$NGINX" -e stderr -p "$NG" -c "$NG/nginx.conf" -g "daemon off; pid $NG/nginx.pid; error_log stderr;")
for ((try = 0; try < 5; try++)); do
  mapfile -t P < <(free_ports 5)
  rm -f "$NG"/conf.d/*.conf
  fill "$NG/conf.d/m1.conf" "127.0.0.1:${P[0]}" "$M1" "$URL1"
  fill "$NG/conf.d/portal.conf" "127.0.0.1:${P[1]}" "$PORTAL" "$URL2"
  fill "$NG/conf.d/nodb.conf" "127.0.0.1:${P[2]}" "$MAR" "$URL3"
  fill "$NG/conf.d/unknown.conf" "127.0.0.1:${P[3]}" no-such-module "$URL1"
  fill "$NG/conf.d/down.conf" "127.0.0.1:${P[4]}" province-inspection "http://127.0.0.1:$DEAD_PORT"
  if [ "$try" = 0 ]; then
    if "${NGX[@]}" -t >"$NG/t.out" 2>&1; then ok "nginx -t accepts the filled template"; else
      not_ok "nginx -t: $(grep -m1 emerg "$NG/t.out")"
    fi
    expect_no_grep "no placeholder left in a filled file" '@[A-Z_]+@' "$NG/conf.d/m1.conf"
  fi
  # nginx itself in the background (so that $! is its master), its
  # output in files: nothing of it holds the test's stdout open.
  "${NGX[@]}" </dev/null >"$NG/nginx.out" 2>"$NG/nginx.err" &
  NGINX_PID=$!
  for ((i = 0; i < 50; i++)); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${P[0]}/" && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$NGINX_PID" 2>/dev/null && break
  NGINX_PID=""
  grep -q 'Address already in use' "$NG/nginx.err" || break
done
[ -n "$NGINX_PID" ] || die_setup "nginx started: $(grep -m1 emerg "$NG/nginx.err")"
ok "nginx $($NGINX -v 2>&1 | sed 's/.*\///') running five modules"
N1=http://127.0.0.1:${P[0]}
N_PORTAL=http://127.0.0.1:${P[1]}
N_NODB=http://127.0.0.1:${P[2]}
N_UNKNOWN=http://127.0.0.1:${P[3]}
N_DOWN=http://127.0.0.1:${P[4]}

# via URL PATH [CURL ARGS...]: a request through nginx; STATUS, $WORK/h, $WORK/b.
via() {
  local url=$1 path=$2
  shift 2
  STATUS=$(curl -sS --max-time 20 -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' "$@" "$url$path" \
    2>"$WORK/curl.err") || STATUS="curl failed: $(cat "$WORK/curl.err")"
}
app_hits() { wc -l <"$NG/app.log"; }
# seen NAME: what the application got as header NAME (lower case), "" if none.
seen() { sed -n "s/^header $1: //p" "$WORK/b" | head -n1; }
seen_count() { grep -c "^header $1:" "$WORK/b"; }

# through DESCRIPTION [CURL ARGS...]: admitted at N1; the application saw the identity.
through() {
  local what=$1
  shift
  local before
  before=$(app_hits)
  via "$N1" /records "$@"
  expect_eq "nginx: $what: 200 from the application with the identity" \
    "200|$PERSON|$USCC|$CARD1_ID|card|customs,maritime|$((before + 1))" \
    "$STATUS|$(seen x-onecard-sub)|$(seen x-onecard-ent)|$(seen x-onecard-card)|$(seen x-onecard-acr)|$(seen x-onecard-agencies)|$(app_hits)"
}
# stopped DESCRIPTION URL STATUS [CURL ARGS...]: nginx answers STATUS with
# its JSON page and the application never sees the request.
stopped() {
  local what=$1 url=$2 want=$3 before
  shift 3
  before=$(app_hits)
  via "$url" /records "$@"
  expect_eq "nginx: $what: $want, the application not asked" "$want application/json $before" \
    "$STATUS $(hdr Content-Type) $(app_hits)"
}

through "Bearer" -H "Authorization: Bearer $T1"
expect_eq "nginx: the application gets no Authorization header" 0 "$(seen_count authorization)"
expect_eq "nginx: the application gets no X-Onecard-Module" 0 "$(seen_count x-onecard-module)"
through "the cookie" -b "onecard_token=$T1"
through "forged identity headers from the client" -H "Authorization: Bearer $T1" \
  -H "X-Onecard-Sub: p-forged" -H "X-Onecard-Ent: 000000000000000000" -H "X-Onecard-Card: forged" \
  -H "X-Onecard-Acr: pwd-otp" -H "X-Onecard-Agencies: tax,border" -H "X_Onecard_Sub: p-forged2" \
  -H "x-onecard-sub: p-forged3"
expect_eq "nginx: ... each identity header once" "1 1 1 1 1" \
  "$(seen_count x-onecard-sub) $(seen_count x-onecard-ent) $(seen_count x-onecard-card) $(seen_count x-onecard-acr) $(seen_count x-onecard-agencies)"
expect_eq "nginx: ... no underscore variant passed on" 0 "$(grep -ci '^header x_onecard' "$WORK/b")"
expect_no_grep "nginx: ... no forged value anywhere" 'forged|tax,border' "$WORK/b"
stopped "forged identity headers without a token" "$N1" 401 -H "X-Onecard-Sub: p-forged"
stopped "a client's X-Onecard-Module naming the token's module" "$N1" 401 \
  -H "Authorization: Bearer $T_PORTAL" -H "X-Onecard-Module: $PORTAL"
before=$(app_hits)
via "$N1" /form -H "Authorization: Bearer $T1" --data-binary 'declaration=1&goods=tea'
expect_eq "nginx: a POST with a body: checked, then passed on whole" "200 POST 23 $((before + 1))" \
  "$STATUS $(sed -n 's/^method //p' "$WORK/b") $(sed -n 's/^body-bytes //p' "$WORK/b") $(app_hits)"
before=$(app_hits)
via "$N1" /_onecard_authz -H "Authorization: Bearer $T1"
expect_eq "nginx: the internal check location from outside: 404" "404 $before" "$STATUS $(app_hits)"

stopped "no token" "$N1" 401
expect_eq "nginx: ... authd's WWW-Authenticate passed on" "$BARE" "$(hdr WWW-Authenticate)"
expect_grep "nginx: ... a JSON page" '^\{"error":"unauthorized"' "$WORK/b"
stopped "a tampered token" "$N1" 401 -H "Authorization: Bearer ${T1%.*}.${sig:0:5}$flip${sig:6}"
expect_eq "nginx: ... WWW-Authenticate invalid_token" "$INVALID" "$(hdr WWW-Authenticate)"
stopped "a token for another module" "$N1" 401 -H "Authorization: Bearer $T_PORTAL"
stopped "a session credential" "$N1" 401 -b "onecard_token=$RT"
stopped "a token without sid" "$N1" 401 -H "Authorization: Bearer $(cat "$WORK/t-nosid")"
stopped "a sub with CR LF" "$N1" 401 -H "Authorization: Bearer $(cat "$WORK/t-crlf")"
stopped "the policy demands tax (403)" "$N_PORTAL" 403 -H "Authorization: Bearer $T_PORTAL"
expect_grep "nginx: ... the 403 page" '^\{"error":"forbidden"' "$WORK/b"
stopped "authd's database down (authd 503)" "$N_NODB" 500 -H "Authorization: Bearer $T_MAR"
expect_grep "nginx: ... the 500 page" '^\{"error":"unavailable"' "$WORK/b"
stopped "a module the policy does not have" "$N_UNKNOWN" 500 -H "Authorization: Bearer $T1"
stopped "authd unreachable" "$N_DOWN" 500 -H "Authorization: Bearer $T1"

# ---- expiry and logout -------------------------------------------------------------

# The one-second token: past exp and the verifier's 60 s leeway.
wait_s=$((SHORT_SIGNED + 1 + 60 + 2 - $(date +%s)))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
refused "an expired token (past the leeway)" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer $(cat "$WORK/t-short")"
expect_grep "  ... the time" 'the access token is not valid: exp has passed' "$WORK/b"
stopped "an expired token" "$N1" 401 -H "Authorization: Bearer $(cat "$WORK/t-short")"

through "before the logout" -H "Authorization: Bearer $T1"
lo=$(curl -sS --max-time 20 -d "token=$RT" "$URL1/v1/logout" 2>&1)
expect_eq "POST /v1/logout of T1's session" '{"session":"ended"}' "$lo"
refused "T1 after the logout" 401 invalid_token "$INVALID" "$M1" -H "Authorization: Bearer $T1"
expect_grep "  ... says the session has ended" '"the session has ended"' "$WORK/b"
refused "T1's claims re-signed, after the logout" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer $(cat "$WORK/t-same")"
stopped "T1 after the logout" "$N1" 401 -H "Authorization: Bearer $T1"
stopped "T1 as the cookie after the logout" "$N1" 401 -b "onecard_token=$T1"
AT=$URL2 refused "T1 after the logout, at the second instance" 401 invalid_token "$INVALID" "$M1" \
  -H "Authorization: Bearer $T1"
admitted "another session's token is still admitted" "$PORTAL" -H "Authorization: Bearer $T_PORTAL"

# ---- logs, stop ----------------------------------------------------------------------

for f in "$AUTHD_LOG" "$ONECARD_DEV_DIR/authd/$NAME2/authd.log" "$WORK/authd3/authd.log" "$NG/nginx.err"; do
  if grep -qF -e "${T1##*.}" -e "${RT#ocs1_}" "$f" 2>/dev/null; then
    not_ok "a token in $(basename "$(dirname "$f")")/$(basename "$f")"
  else
    ok "no token in $(basename "$(dirname "$f")")/$(basename "$f")"
  fi
done
expect_grep "the third instance logged the store failure" 'authz: the session store failed' "$WORK/authd3/authd.log"
if grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
  "$ONECARD_DEV_DIR/authd/$NAME2/authd.log" "$WORK/authd3/authd.log" 2>/dev/null; then
  not_ok "a sanitizer report in the second or third instance's log"
else
  ok "no sanitizer report in the second and third instance's logs"
fi
pid=$NGINX_PID
NGINX_PID=""
stop_pid "$pid"
if kill -0 "$pid" 2>/dev/null; then not_ok "nginx stopped"; else ok "nginx stopped"; fi
af_stop_checked
login_finish

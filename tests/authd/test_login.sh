#!/usr/bin/env bash
# onecard-authd end to end (docs/authd.md), on a private set of real
# services (PostgreSQL, slapd, SoftHSM): a SoftHSM card enrolled with
# scripts/enroll-card logs in with onecard-login; software-key cards
# (bench/login/setup-cards.sh) and crafted certificates (mkcert) drive
# every refusal through softcard, each checked for its HTTP status, its
# error code and its audit row. Then two instances, a key rotation, and
# LDAP and PostgreSQL going away and coming back.
#
#   test_login.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../enroll/lib.sh
. "$here/../enroll/lib.sh"
enroll_setup "$1" "$2"

SOFTCARD=$BUILD/tests/authd/tools/softcard
MKCERT=$BUILD/tests/authd/tools/mkcert
LOGIN=$BUILD/pkcs11/login/onecard-login
TOKEN=$BUILD/tools/onecard-token/onecard-token
ROTATE=$SRC/scripts/rotate-keys
for t in "$SOFTCARD" "$MKCERT" "$LOGIN" "$TOKEN" "$BUILD/authd/server/onecard-authd"; do
  [ -x "$t" ] || { not_ok "built: $t"; enroll_finish; exit 1; }
done
AUD=provincial-portal

# ---- helpers ---------------------------------------------------------------

start_authd() { # NAME [ORIGIN]: prints the URL
  local extra=()
  [ -n "${2:-}" ] && extra=(--origin "$2")
  "$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --name "$1" \
    "${extra[@]}" 2>>"$WORK/dev-services.log" | sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'$/\1/p"
}

last_reason() { sql "SELECT coalesce(reason, outcome) FROM authd_logins ORDER BY id DESC LIMIT 1"; }
logins() { sql "SELECT count(*) FROM authd_logins"; }

# login_case NAME WANT_STATUS WANT_CODE SOFTCARD_ARGS...: one softcard login
# against $URL; checks status, error code and the audit row it left.
login_case() {
  local name=$1 status=$2 code=$3 before
  shift 3
  before=$(logins)
  "$SOFTCARD" login --authd "${CASE_URL:-$URL}" --audience "${CASE_AUD:-$AUD}" "$@" >"$WORK/out" 2>"$WORK/err"
  local got_status got_code
  got_status=$(sed -n 1p "$WORK/out")
  got_code=$(sed -n 2p "$WORK/out" | sed -n 's/.*"error": *"\([a-z_]*\)".*/\1/p')
  [ "$status" = 200 ] && got_code=$(sed -n 2p "$WORK/out" | grep -q access_token && echo ok)
  if [ "$got_status" = "$status" ] && [ "$got_code" = "$code" ]; then
    ok "$name: $status $code"
  else
    not_ok "$name: want $status $code, got $got_status $(sed -n 2p "$WORK/out" | cut -c1-200) $(cat "$WORK/err")"
  fi
  if [ "$status" != 413 ] && [ "$status" != 415 ] && [ "$code" != invalid_request_noaudit ]; then
    local want_row=$code
    [ "$status" = 200 ] && want_row=success
    expect_eq "$name: audit row" "$want_row" "$(last_reason)"
    expect_eq "$name: one audit row" "$((before + 1))" "$(logins)"
  fi
}

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

publish_crl() { # a fresh CRL of the CA to CA/crl.pem, atomically
  "$CA" --home "$HOME_CA" --pass-file "$WORK/pass" crl >"$HOME_CA/.crl.tmp" 2>>"$WORK/err" &&
    mv -f "$HOME_CA/.crl.tmp" "$HOME_CA/crl.pem"
}

install_crl() { cp "$1" "$HOME_CA/.crl.tmp" && mv -f "$HOME_CA/.crl.tmp" "$HOME_CA/crl.pem"; }

# refused_now CODE ARGS...: softcard answers CODE (polls across a reload).
answers() {
  local code=$1
  shift
  "$SOFTCARD" login --authd "$URL" --audience "$AUD" "$@" 2>/dev/null | sed -n 2p | grep -q "\"$code\""
}

# ---- setup: a SoftHSM card, software cards, authd ---------------------------

run_enroll "$WORK/enrolled" "$WORK/err" --pin-file "$WORK/pin" --card "$CARD1_URI" \
  --person p-0001 --name "Zhang San" --enterprise "$USCC_OK" --enterprise-name "Example Trading Co" \
  --agencies "$AGENCIES" || { cat "$WORK/err"; not_ok "enroll-card"; enroll_finish; exit 1; }
ONECARD_BENCH_PREFIX=t ONECARD_BENCH_JOBS=2 bash "$SRC/bench/login/setup-cards.sh" "$HOME_CA" "$WORK/pass" \
  "$WORK/soft" 3 customs,maritime >/dev/null 2>"$WORK/setup.err" ||
  { cat "$WORK/setup.err"; not_ok "setup-cards"; enroll_finish; exit 1; }
mapfile -t SOFT < "$WORK/soft/cards.txt"
A=(${SOFT[0]//,/ })  # card A: customs, maritime (CERT:KEY pairs)
B=(${SOFT[1]//,/ })  # card B
C=(${SOFT[2]//,/ })  # card C: suspended below
PA=(); for p in ${SOFT[0]}; do PA+=(--proof "$p"); done
A_CUSTOMS_CERT=${A[0]%%:*}
A_CUSTOMS_KEY=${A[0]##*:}
B_KEY=${B[0]##*:}
publish_crl
URL=$(start_authd authd)
[ -n "$URL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "authd started at $URL"
check "healthz answers 200" curl -fsS "$URL/healthz"

# ---- the card login with onecard-login ----------------------------------------

export ONECARD_CCACHE=$WORK/cc/ccache.json
mkdir -m 0700 "$WORK/cc"
"$LOGIN" --authd "$URL" --audience "$AUD" --card "$CARD1_URI" --pin-file "$WORK/pin" >"$WORK/token" 2>"$WORK/err"
expect_eq "onecard-login with the SoftHSM card: exit 0" 0 "$?"
curl -fsS "$URL/.well-known/jwks.json" >"$WORK/jwks.json"
"$TOKEN" verify --jwks "$WORK/jwks.json" --iss "$URL" --aud "$AUD" - <"$WORK/token" >"$WORK/claims" 2>"$WORK/err"
expect_eq "the token verifies against the JWKS (token library)" 0 "$?"
expect_eq "the token names the 4 agencies" "border customs inspection-quarantine maritime" \
  "$(grep -o '"id":"[a-z-]*"' "$WORK/claims" | cut -d'"' -f4 | tr '\n' ' ' | sed 's/ $//')"
expect_grep "each agency with its certificate's thumbprint" '"x5t#S256":"[A-Za-z0-9_-]{43}"' "$WORK/claims"
expect_grep "acr card, amr sc+pin" '"acr":"card","agencies".*"amr":\["sc","pin"\]' "$WORK/claims"
expect_grep "sub, ent and card" "\"card\":\"$CARD1_ID\".*\"ent\":\"$USCC_OK\".*\"sub\":\"p-0001\"" "$WORK/claims"
expect_eq "audit: a success row with the card" "success $CARD1_ID" \
  "$(sql "SELECT outcome || ' ' || card_id FROM authd_logins ORDER BY id DESC LIMIT 1")"
expect_eq "audit: the token row" 1 "$(sql "SELECT count(*) FROM authd_tokens t JOIN authd_logins l ON l.jti = t.jti WHERE l.card_id = '$CARD1_ID'")"
expect_eq "audit: the CRL relied on for each certificate" 4 \
  "$(sql "SELECT count(*) FROM authd_logins l, jsonb_array_elements(l.certs) c WHERE l.card_id = '$CARD1_ID' AND c->'evidence'->0->>'crl_number' IS NOT NULL AND (c->'evidence'->0->>'this_update')::bigint > 0")"
if [ -d "$SRC/tests/interop/node_modules/jose" ] && command -v node >/dev/null; then
  NODE_PATH=$SRC/tests/interop/node_modules node -e '
    const jose = require("jose"); const fs = require("fs");
    const [jwks, tok, iss, aud] = process.argv.slice(1);
    jose.jwtVerify(fs.readFileSync(tok, "utf8").trim(), jose.createLocalJWKSet(JSON.parse(fs.readFileSync(jwks))),
      {issuer: iss, audience: aud}).then(() => process.exit(0), e => { console.error(e); process.exit(1); });' \
    "$WORK/jwks.json" "$WORK/token" "$URL" "$AUD" 2>"$WORK/err"
  expect_eq "npm jose verifies the token with the JWKS" 0 "$?"
else
  not_ok "npm jose present (run npm ci --prefix tests/interop)"
fi
before=$(sql "SELECT count(*) FROM authd_challenges")
printf '0000-wrong\n' >"$WORK/badpin2"
"$LOGIN" --authd "$URL" --audience "$AUD" --card "$CARD1_URI" --pin-file "$WORK/badpin2" >"$WORK/out" 2>"$WORK/err"
RC=$?
check_not "wrong PIN: onecard-login fails" test "$RC" -eq 0
expect_grep "wrong PIN: says so" 'PIN' "$WORK/err"
expect_eq "wrong PIN: no request reached authd" "$before" "$(sql "SELECT count(*) FROM authd_challenges")"
expect_eq "wrong PIN: nothing on stdout" 0 "$(wc -c <"$WORK/out")"

# ---- refusals -----------------------------------------------------------------

login_case "software card A" 200 ok "${PA[@]}"
"$SOFTCARD" challenge --authd "$URL" --audience "$AUD" --save-challenge "$WORK/ch1" >/dev/null
login_case "challenge answered once" 200 ok "${PA[@]}" --use-challenge "$WORK/ch1"
login_case "replayed challenge (same instance)" 401 challenge_replayed "${PA[@]}" --use-challenge "$WORK/ch1"
login_case "tampered challenge" 401 challenge_invalid "${PA[@]}" --tamper-challenge
login_case "another origin signed (P4)" 401 proof_invalid "${PA[@]}" --origin https://evil.example
login_case "signature by another card's key (P1)" 401 proof_invalid "${PA[@]}" --target 1 --sign-with "$B_KEY"
login_case "flipped signature bit (P6)" 401 proof_invalid "${PA[@]}" --flip-sig
login_case "alg that does not fit the key (P6)" 401 proof_invalid "${PA[@]}" --alg RS256
login_case "missing sig" 400 invalid_request "${PA[@]}" --drop-sig
login_case "proofs from two cards" 401 card_mismatch --proof "${A[0]}" --proof "${B[1]}"
login_case "the same certificate twice" 400 invalid_request --proof "${A[0]}" --proof "${A[0]}"
printf '{"challenge": 1}' >"$WORK/bad.json"
login_case "malformed body" 400 invalid_request --raw-body "$WORK/bad.json"
printf 'not json' >"$WORK/bad2.json"
"$SOFTCARD" login --authd "$URL" --audience "$AUD" --raw-body "$WORK/bad2.json" >"$WORK/out" 2>&1
expect_eq "not JSON at all: 400" 400 "$(sed -n 1p "$WORK/out")"
"$SOFTCARD" login --authd "$URL" --audience "$AUD" "${PA[@]}" --oversize 70000 >"$WORK/out" 2>&1
expect_eq "oversized body: 413" 413 "$(sed -n 1p "$WORK/out")"
"$SOFTCARD" challenge --authd "$URL" --audience no-such-module >"$WORK/out" 2>&1
expect_grep "challenge for an unknown module: invalid_target" '"invalid_target"' "$WORK/out"
CASE_AUD=province-customs-declaration login_case "module demanding customs: card A has it" 200 ok "${PA[@]}"
CASE_AUD=province-vessel-clearance login_case "module demanding an agency the login lacks" 403 access_denied --proof "${A[0]}"

# Certificates onecard-ca would never issue (mkcert, signed with the real CA key).
mk() { # NAME ARGS...: a crafted card certificate with a new key
  "$MKCERT" cert --ca-cert "$HOME_CA/ca.pem" --ca-key "$HOME_CA/ca.key" --ca-pass-file "$WORK/pass" \
    --policy "$SRC/policies/onecard.conf" --out "$WORK/x-$1.pem" --new-key "$WORK/x-$1.key" "${@:2}" 2>>"$WORK/mk.err"
}
xcase() { # NAME WANT_CODE MKCERT_ARGS...
  local name=$1 code=$2
  shift 2
  local f
  f=$(tr -c 'a-z0-9\n' '-' <<<"$name")
  if mk "$f" "$@"; then
    login_case "$name" 401 "$code" --proof "$WORK/x-$f.pem:$WORK/x-$f.key"
  else
    not_ok "$name: mkcert"
  fi
}
xcase "expired certificate (X8)" cert_expired --not-before -30d --not-after -1d
xcase "not yet valid certificate (X8)" cert_expired --not-before +1d --not-after +30d
xcase "no clientAuth EKU (X4)" cert_invalid --eku server-auth
xcase "anyExtendedKeyUsage only (X4)" cert_invalid --eku any
xcase "no EKU (X4)" cert_invalid --eku none
xcase "no digitalSignature (X3)" cert_invalid --ku key-encipherment
xcase "leaf with CA:TRUE (X1)" cert_invalid --ca-true
xcase "leaf without basicConstraints (X1)" cert_invalid --no-basic-constraints
xcase "unknown critical extension (X7)" cert_invalid --unknown-critical
xcase "SHA-1 signature (X9)" cert_invalid --sha1
xcase "RSA-1024 key (X9)" cert_invalid --key-type rsa-1024
xcase "P-384 key (X9)" cert_invalid --key-type ec-p384
xcase "explicit-curve key (X9)" cert_invalid --key-type ec-explicit
xcase "no agency policy OID (profile)" cert_invalid --policy-oid none
xcase "another agency's policy OID (profile)" cert_invalid --policy-oid 1.2.3.4
xcase "negative serial (X11)" cert_invalid --serial -01
xcase "serial number zero (X11)" cert_invalid --serial 00
xcase "valid profile but on no card (P7: same subject, new key)" cert_unknown --profile customs
# X1: an end entity issued by a card certificate acting as a CA.
if "$MKCERT" cert --ca-cert "$A_CUSTOMS_CERT" --ca-key "$A_CUSTOMS_KEY" --policy "$SRC/policies/onecard.conf" \
  --out "$WORK/x-sub.pem" --new-key "$WORK/x-sub.key" 2>>"$WORK/mk.err"; then
  login_case "issued by a CA:FALSE card certificate (X1)" 401 cert_invalid \
    --proof "$WORK/x-sub.pem:$WORK/x-sub.key" --chain "$A_CUSTOMS_CERT"
else
  not_ok "X1: mkcert"
fi
# An untrusted CA (a second CA home, same names).
"$CA" init --home "$WORK/ca2" --name "Enroll Test" --alg ec --pass-file "$WORK/pass" \
  --policy "$SRC/policies/onecard.conf" >/dev/null 2>>"$WORK/mk.err"
if "$MKCERT" cert --ca-cert "$WORK/ca2/ca.pem" --ca-key "$WORK/ca2/ca.key" --ca-pass-file "$WORK/pass" \
  --policy "$SRC/policies/onecard.conf" --out "$WORK/x-other.pem" --new-key "$WORK/x-other.key" 2>>"$WORK/mk.err"; then
  login_case "certificate from an untrusted CA (same CA name)" 401 cert_untrusted --proof "$WORK/x-other.pem:$WORK/x-other.key"
  login_case "untrusted CA even with its chain in x5c" 401 cert_untrusted --proof "$WORK/x-other.pem:$WORK/x-other.key" --chain "$WORK/ca2/ca.pem"
else
  not_ok "untrusted CA: mkcert"
fi

# ---- directory statuses -------------------------------------------------------

C_ID=$(sed -n 's/.*cards\/\([^/]*\)\/.*/\1/p' <<<"${C[0]}")
PC=(); for p in ${SOFT[2]}; do PC+=(--proof "$p"); done
C_PERSON=$("$DIRTOOL" show-card --card-id "$C_ID" 2>/dev/null | sed -n 's/^person: *//p')
"$DIRTOOL" suspend-card --card-id "$C_ID" --reason "lost" >/dev/null 2>>"$WORK/err"
login_case "suspended card" 403 card_suspended "${PC[@]}"
"$DIRTOOL" activate-card --card-id "$C_ID" >/dev/null 2>>"$WORK/err"
if [ -n "$C_PERSON" ]; then
  "$DIRTOOL" suspend-person --person "$C_PERSON" --reason "left" >/dev/null 2>>"$WORK/err"
  login_case "suspended person" 403 person_suspended "${PC[@]}"
  "$DIRTOOL" activate-person --person "$C_PERSON" >/dev/null 2>>"$WORK/err"
else
  not_ok "card C's holder from onecard-dir show-card"
fi
C_USCC=$("$DIRTOOL" show-card --card-id "$C_ID" 2>/dev/null | sed -n 's/^enterprise: *//p')
if [ -n "$C_USCC" ]; then
  "$DIRTOOL" suspend-enterprise --enterprise "$C_USCC" --reason "audit" >/dev/null 2>>"$WORK/err"
  login_case "suspended enterprise" 403 enterprise_suspended "${PC[@]}"
  "$DIRTOOL" activate-enterprise --enterprise "$C_USCC" >/dev/null 2>>"$WORK/err"
else
  not_ok "card C's enterprise from onecard-dir show-card"
fi
login_case "active again: logs in" 200 ok "${PC[@]}"

# ---- revocation ------------------------------------------------------------

C_SERIAL=$(openssl x509 -in "${C[0]%%:*}" -noout -serial | cut -d= -f2)
"$CA" --home "$HOME_CA" --pass-file "$WORK/pass" revoke --serial "$C_SERIAL" --reason keyCompromise >/dev/null 2>>"$WORK/err"
publish_crl
wait_for "the new CRL is loaded" 15 answers cert_revoked "${PC[@]}"
login_case "revoked certificate (new CRL picked up without a restart)" 401 cert_revoked "${PC[@]}"
cp "$HOME_CA/crl.pem" "$WORK/good-crl.pem"
"$MKCERT" crl --ca-cert "$HOME_CA/ca.pem" --ca-key "$HOME_CA/ca.key" --ca-pass-file "$WORK/pass" \
  --out "$WORK/stale.pem" --this-update -9d --next-update -1d --number 100 2>>"$WORK/mk.err"
install_crl "$WORK/stale.pem"
wait_for "the stale CRL is loaded" 15 answers crl_stale "${PA[@]}"
login_case "stale CRL (R6)" 401 crl_stale "${PA[@]}"
"$MKCERT" key --key-type ec-p256 --out "$WORK/wrong.key" 2>>"$WORK/mk.err"
"$MKCERT" crl --ca-cert "$HOME_CA/ca.pem" --ca-key "$HOME_CA/ca.key" --ca-pass-file "$WORK/pass" \
  --out "$WORK/wrongsig.pem" --number 101 --sign-with "$WORK/wrong.key" 2>>"$WORK/mk.err"
install_crl "$WORK/wrongsig.pem"
wait_for "the wrongly signed CRL is left out" 15 answers cert_status_unknown "${PA[@]}"
login_case "CRL with a wrong signature: status unknown (R7)" 401 cert_status_unknown "${PA[@]}"
install_crl "$WORK/good-crl.pem"
wait_for "the good CRL is back" 15 answers access_token "${PA[@]}"
login_case "good CRL again" 200 ok "${PA[@]}"

# ---- two instances ------------------------------------------------------------

URL2=$(start_authd authd2 "$URL")
if [ -n "$URL2" ]; then
  ok "second instance at $URL2 (origin $URL)"
else
  not_ok "second instance: $(tail -n 3 "$WORK/dev-services.log")"
fi
"$SOFTCARD" challenge --authd "$URL" --audience "$AUD" --save-challenge "$WORK/ch2" >/dev/null
CASE_URL=$URL2 login_case "a challenge from instance 1 accepted at instance 2" 200 ok "${PA[@]}" --use-challenge "$WORK/ch2" --origin "$URL"
CASE_URL=$URL2 login_case "replay at instance 2" 401 challenge_replayed "${PA[@]}" --use-challenge "$WORK/ch2" --origin "$URL"
login_case "replay at instance 1" 401 challenge_replayed "${PA[@]}" --use-challenge "$WORK/ch2"
expect_eq "both serve the same JWKS" "$(curl -fsS "$URL/.well-known/jwks.json")" "$(curl -fsS "$URL2/.well-known/jwks.json")"
expect_eq "audit rows name their instance" "authd authd2" \
  "$(sql "SELECT string_agg(DISTINCT instance, ' ' ORDER BY instance) FROM authd_logins")"
ONECARD_BIN_DIR=$BUILD "$ROTATE" --keys "$DEV/authd/keys" --force >/dev/null 2>>"$WORK/err"
new_kid=$(sed -n 's/^signing \([^ ]*\) current .*/\1/p' "$DEV/authd/keys/manifest")
kid_of() { "$SOFTCARD" login --authd "$1" --audience "$AUD" "${PA[@]}" --origin "$URL" | sed -n 2p |
  sed -n 's/.*"access_token": *"\([^".]*\)\..*/\1/p' | tr '_-' '/+' | base64 -d 2>/dev/null | sed -n 's/.*"kid":"\([^"]*\)".*/\1/p'; }
signs_with() { [ "$(kid_of "$1")" = "$2" ]; }
wait_for "instance 1 signs with the new key" 15 signs_with "$URL" "$new_kid" && ok "instance 1 signs with the new key"
wait_for "instance 2 signs with the new key" 15 signs_with "$URL2" "$new_kid" && ok "instance 2 signs with the new key"
expect_eq "after a rotation both serve the same JWKS" "$(curl -fsS "$URL/.well-known/jwks.json")" "$(curl -fsS "$URL2/.well-known/jwks.json")"
expect_grep "the old key is still published" "$(sed -n 's/.*"kid":"\([^"]*\)".*/\1/p' <<<"$(base64 -d <<<"$(cut -d. -f1 <"$WORK/token" | tr '_-' '/+')==" 2>/dev/null)")" <(curl -fsS "$URL2/.well-known/jwks.json")

# X12: a client cannot make authd build long paths.
cat "$HOME_CA/ca.pem" "$HOME_CA/ca.pem" "$HOME_CA/ca.pem" "$HOME_CA/ca.pem" >"$WORK/four-cas.pem"
login_case "x5c with more than 4 certificates (X12)" 400 invalid_request --proof "${A[0]}" --chain "$WORK/four-cas.pem"

# An expired challenge: a third instance whose challenges live 10 s (the
# shortest the configuration allows), with instance 1's origin.
P1=${URL##*:}
P3=$(( P1 + 1 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$P3") 2>/dev/null; do P3=$((P3 + 1)); done
sed -e "s/^listen = { address = \"127.0.0.1\"; port = $P1;/listen = { address = \"127.0.0.1\"; port = $P3;/" \
  -e 's/^challenge = .*/challenge = { lifetime = 10; skew = 2; };/' -e 's/^instance = .*/instance = "short";/' \
  "$DEV/authd/authd/authd.conf" >"$WORK/short.conf"
"$BUILD/authd/server/onecard-authd" --config "$WORK/short.conf" >"$WORK/short.log" 2>&1 &
SHORT_PID=$!
URL3=http://127.0.0.1:$P3
if wait_for "the short-lived instance answers" 15 curl -fsS "$URL3/healthz"; then
  "$SOFTCARD" challenge --authd "$URL3" --audience "$AUD" --save-challenge "$WORK/ch-short" >/dev/null
  sleep 11
  CASE_URL=$URL3 login_case "expired challenge" 401 challenge_expired "${PA[@]}" --use-challenge "$WORK/ch-short" --origin "$URL"
fi
kill -TERM "$SHORT_PID" 2>/dev/null
wait "$SHORT_PID" 2>/dev/null

# ---- the program ------------------------------------------------------------

AUTHD=$BUILD/authd/server/onecard-authd
CONF=$DEV/authd/authd/authd.conf
"$AUTHD" --config "$CONF" --check-config >/dev/null 2>"$WORK/err"
expect_eq "--check-config on the running configuration: exit 0" 0 "$?"
"$AUTHD" >/dev/null 2>&1
expect_eq "no --config: exit 2" 2 "$?"
sed 's/^token = .*/token = { max_lifetime = 99999; };/' "$CONF" >"$WORK/bad.conf"
"$AUTHD" --config "$WORK/bad.conf" --check-config >/dev/null 2>"$WORK/err"
expect_eq "a bad setting: exit 3" 3 "$?"
expect_grep "a bad setting: FILE:LINE: what is wrong" "bad.conf:[0-9]+: \"max_lifetime\" must be 30..3600" "$WORK/err"
sed 's#^policy = .*#policy = "/nonexistent/policy.conf";#' "$CONF" >"$WORK/bad2.conf"
"$AUTHD" --config "$WORK/bad2.conf" --check-config >/dev/null 2>"$WORK/err"
expect_eq "a missing policy file: exit 3" 3 "$?"
expect_grep "a missing policy file: named" "/nonexistent/policy.conf" "$WORK/err"

# ---- services away and back -------------------------------------------------

slapd_down
login_case "LDAP down: 503" 503 directory_unavailable "${PA[@]}"
"$SOFTCARD" login --authd "$URL" --audience "$AUD" "${PA[@]}" >"$WORK/out" 2>&1
check_not "LDAP down: no token" grep -q access_token "$WORK/out"
expect_eq "LDAP down: healthz 503" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
"$DEV_SERVICES" start "$DEV" >/dev/null 2>>"$WORK/dev-services.log"
login_case "LDAP back: logins work without a restart" 200 ok "${PA[@]}"
"$SOFTCARD" challenge --authd "$URL" --audience "$AUD" --save-challenge "$WORK/ch-late" >/dev/null
pg_down
"$SOFTCARD" challenge --authd "$URL" --audience "$AUD" >"$WORK/out" 2>&1
expect_eq "PostgreSQL down: a challenge gets 503 (its audit row cannot be written)" 503 "$(sed -n 1p "$WORK/out")"
expect_grep "PostgreSQL down: challenge says database_unavailable" '"database_unavailable"' "$WORK/out"
"$SOFTCARD" login --authd "$URL" --audience "$AUD" "${PA[@]}" --use-challenge "$WORK/ch-late" >"$WORK/out" 2>&1
expect_eq "PostgreSQL down: a login gets 503" 503 "$(sed -n 1p "$WORK/out")"
expect_grep "PostgreSQL down: database_unavailable" '"database_unavailable"' "$WORK/out"
check_not "PostgreSQL down: no token" grep -q access_token "$WORK/out"
expect_eq "PostgreSQL down: healthz 503" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
"$DEV_SERVICES" start "$DEV" >/dev/null 2>>"$WORK/dev-services.log"
login_case "PostgreSQL back: logins work without a restart" 200 ok "${PA[@]}"

# ---- nothing secret in the logs ---------------------------------------------

for f in "$DEV"/authd/*/authd.log; do
  expect_no_grep "$(basename "$(dirname "$f")") log: no token" 'eyJ' "$f"
  expect_no_grep "$(basename "$(dirname "$f")") log: no PIN" "$PIN" "$f"
done
expect_eq "audit rows hold no token or signature" 0 \
  "$(sql "SELECT count(*) FROM authd_logins WHERE certs::text LIKE '%eyJ%' OR coalesce(detail,'') LIKE '%eyJ%'")"

# ---- stop ---------------------------------------------------------------------

pid=$(cat "$DEV/authd/authd/authd.pid")
kill -TERM "$pid"
wait_for "authd stops on SIGTERM" 10 bash -c "! kill -0 $pid 2>/dev/null"
expect_grep "authd logged its stop" 'stopping' "$DEV/authd/authd/authd.log"
enroll_finish

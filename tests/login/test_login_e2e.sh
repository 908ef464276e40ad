#!/usr/bin/env bash
# onecard-login against the real onecard-authd, end to end (docs/login.md,
# docs/authd.md): private services (scripts/dev-services), a CA, a SoftHSM
# card enrolled with four agencies (scripts/enroll-card), authd started by
# `scripts/dev-services authd`. Then:
#
#   - a wrong PIN: exit 4, no token, the retry state named;
#   - a login: the token alone on stdout, verified by onecard-token against
#     the JWKS fetched from authd (curl): iss, aud, typ, signature, then
#     sub, ent, card, acr, amr, agencies (one per certificate on the card,
#     each with that certificate's SHA-256 thumbprint), cnf, lifetime;
#   - the credential cache: folder 0700, file 0600, --show without the
#     token, a second audience joining, --logout;
#   - refusals, one line each with authd's code: a module demanding an
#     agency the card lacks (access_denied, 11), an unknown module
#     (invalid_target, 9), a relayed origin (proof_invalid, 10), a revoked
#     card (cert_revoked 10, or card_suspended 11).
#
#   test_login_e2e.sh BUILD_DIR SOURCE_DIR
#
# Not registered with ctest until onecard-authd runs (the lead adds it).
# The enrollment tests' helpers: services, a CA, card1, check/expect_* (sourced).
# shellcheck disable=SC1091
. "$(dirname "$0")/../enroll/lib.sh"
enroll_setup "$1" "$2"

LOGIN=$BUILD/pkcs11/login/onecard-login
TOKEN_TOOL=$BUILD/tools/onecard-token/onecard-token
for t in "$LOGIN" "$TOKEN_TOOL"; do
  if [ ! -x "$t" ]; then
    not_ok "built: $t"
    enroll_finish
    exit 1
  fi
done
for t in curl node pkcs11-tool; do
  command -v "$t" >/dev/null || { not_ok "installed: $t"; enroll_finish; exit 1; }
done

# ---- the card and authd --------------------------------------------------------
std_args "$CARD1_URI" "$AGENCIES"
run_enroll out err "${ARGS[@]}" --pin-file "$WORK/pin"
RC=$?
expect_eq "enroll-card: exit 0" 0 "$RC"
if [ "$RC" -ne 0 ]; then
  sed 's/^/     stderr: /' err
  enroll_finish
  exit 1
fi
if ! "$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" \
  >authd.env 2>authd.err; then
  sed 's/^/     stderr: /' authd.err
  not_ok "dev-services authd"
  enroll_finish
  exit 1
fi
# shellcheck disable=SC1091
. ./authd.env
expect_grep "dev-services authd: ONECARD_AUTHD_URL" '^http://127\.0\.0\.1:[0-9]+$' \
  <(printf '%s\n' "${ONECARD_AUTHD_URL:-}")
# authd's issuer is its origin unless configured otherwise.
ISS=${ONECARD_AUTHD_ISSUER:-$ONECARD_AUTHD_URL}
export ONECARD_CCACHE=$WORK/cc/ccache.json
unset ONECARD_PIN XDG_RUNTIME_DIR

# login OUT ERR ARGS...: onecard-login on card1 against authd; $RC is its
# exit status. Every stderr line is the program's; no PIN is ever shown.
login() {
  local o=$1 e=$2
  shift 2
  "$LOGIN" --authd "$ONECARD_AUTHD_URL" --card "$CARD1_URI" "$@" >"$o" 2>"$e"
  RC=$?
  if grep -qv '^onecard-login: ' "$e"; then not_ok "stray stderr line: $*"; fi
  if grep -q -e "$PIN" -e wrong-pin-0815 "$o" "$e"; then not_ok "a PIN was printed: $*"; fi
}

# ---- a wrong PIN -------------------------------------------------------------------
login out err --audience provincial-portal --pin-file "$WORK/badpin"
expect_eq "wrong PIN: exit 4" 4 "$RC"
expect_grep "wrong PIN: said so, with the card's retry state" \
  '^onecard-login: PIN incorrect \(.*\); nothing was sent to authd$' err
expect_eq "wrong PIN: no token" 0 "$(wc -c <out)"
expect_eq "wrong PIN: no cache" no "$([ -e "$ONECARD_CCACHE" ] && echo yes || echo no)"

# ---- a login ------------------------------------------------------------------------
login token err --audience provincial-portal --pin-file "$WORK/pin"
expect_eq "login: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "login: one line on stdout" 1 "$(wc -l <token)"
expect_grep "login: a JWS compact token" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' token
expect_eq "login: nothing on stderr" 0 "$(wc -c <err)"

curl -fsS --max-time 10 "$ONECARD_AUTHD_URL/.well-known/jwks.json" >jwks.json 2>err
expect_eq "JWKS fetched" 0 $?
"$TOKEN_TOOL" verify --jwks jwks.json --iss "$ISS" --aud provincial-portal <token >claims.json 2>err
RC=$?
expect_eq "onecard-token verify: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
# claim EXPR: a JavaScript expression over the claims c, as compact JSON
# (node is what the interop tests use already).
claim() {
  node -e 'const c = JSON.parse(require("fs").readFileSync("claims.json", "utf8"));
    process.stdout.write(JSON.stringify(eval(process.argv[1])) + "\n");' "$1"
}
expect_eq "claims: sub" '"p-0001"' "$(claim c.sub)"
expect_eq "claims: ent" "\"$USCC_OK\"" "$(claim c.ent)"
expect_eq "claims: card" "\"$CARD1_ID\"" "$(claim c.card)"
expect_eq "claims: aud" '"provincial-portal"' "$(claim 'Array.isArray(c.aud) ? c.aud[0] : c.aud')"
expect_eq "claims: acr" '"card"' "$(claim c.acr)"
expect_eq "claims: amr" '["sc","pin"]' "$(claim c.amr)"
expect_eq "claims: the four agencies, sorted" \
  '["border","customs","inspection-quarantine","maritime"]' "$(claim 'c.agencies.map((a) => a.id)')"
expect_eq "claims: lifetime at most 300 s" true "$(claim 'c.exp - c.iat <= 300 && c.exp > c.iat')"
# Each agency's thumbprint is the SHA-256 of that certificate on the card.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
for agency in customs inspection-quarantine maritime border; do
  P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label card1 --login \
    --pin env:P11PIN --read-object --type cert --label "$agency" -o "$agency.der" >/dev/null 2>&1
  want=$(openssl dgst -sha256 -binary "$agency.der" | b64url)
  expect_eq "claims: x5t#S256 of $agency" "\"$want\"" \
    "$(claim "c.agencies.find((a) => a.id === '$agency')['x5t#S256']")"
done
expect_eq "claims: cnf names one of the card's certificates" true \
  "$(claim 'c.agencies.map((a) => a["x5t#S256"]).includes(c.cnf["x5t#S256"])')"

# ---- the cache ----------------------------------------------------------------------
expect_eq "cache: folder 0700" 700 "$(stat -c %a "$WORK/cc")"
expect_eq "cache: file 0600" 600 "$(stat -c %a "$ONECARD_CCACHE")"
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: exit 0" 0 $?
expect_grep "--show: the audience" '^audience: provincial-portal$' show.txt
expect_grep "--show: the subject" '^  subject:    p-0001$' show.txt
expect_grep "--show: the card" "^  card:       $CARD1_ID\$" show.txt
expect_grep "--show: the agencies" '^  agencies:   border, customs, inspection-quarantine, maritime$' show.txt
expect_grep "--show: valid" '^  expires:    .* \(valid, ' show.txt
expect_no_grep "--show: never the token" "$(cut -c1-40 token)" show.txt
login token2 err --audience province-vessel-clearance --pin-file "$WORK/pin"
expect_eq "a second audience: exit 0" 0 "$RC"
"$TOKEN_TOOL" verify --jwks jwks.json --iss "$ISS" --aud province-vessel-clearance <token2 \
  >/dev/null 2>&1
expect_eq "a second audience: its token verifies for it" 0 $?
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: both audiences" 2 "$(grep -c '^audience: ' show.txt)"

# ---- refusals -----------------------------------------------------------------------
login out err --audience province-export-tax-refund --pin-file "$WORK/pin"
expect_eq "an agency the card lacks: exit 11" 11 "$RC"
expect_grep "an agency the card lacks: access_denied" '^onecard-login: .* \(access_denied\)$' err
login out err --audience no-such-module --pin-file "$WORK/pin"
expect_eq "an unknown module: exit 9" 9 "$RC"
expect_grep "an unknown module: invalid_target" '^onecard-login: .* \(invalid_target\)$' err
# Another name for authd is another origin: the signatures do not verify
# there (P4), even though the challenge is authd's own.
relayed=${ONECARD_AUTHD_URL/127.0.0.1/localhost}
"$LOGIN" --authd "$relayed" --card "$CARD1_URI" --audience provincial-portal \
  --pin-file "$WORK/pin" >out 2>err
RC=$?
expect_eq "a relayed origin: exit 10" 10 "$RC"
expect_grep "a relayed origin: proof_invalid" '^onecard-login: .* \(proof_invalid\)$' err
expect_eq "refusals: no token printed" 0 "$(wc -c <out)"

# ---- logout -------------------------------------------------------------------------
"$LOGIN" --logout >out 2>err
expect_eq "--logout: exit 0" 0 $?
expect_eq "--logout: the cache is gone" no "$([ -e "$ONECARD_CCACHE" ] && echo yes || echo no)"
"$LOGIN" --show >out 2>err
expect_eq "--show after --logout: exit 1" 1 $?

# ---- a revoked card -----------------------------------------------------------------
"$REVOKE" --ca-home "$HOME_CA" --card "$CARD1_ID" --reason keyCompromise \
  --pass-file "$WORK/pass" >out 2>err
expect_eq "revoke-card: exit 0" 0 $?
sleep 3 # authd rereads the CRL every 2 s (reload_interval)
login out err --audience provincial-portal --pin-file "$WORK/pin"
expect_eq "a revoked card: refused (exit 10 or 11)" yes \
  "$([ "$RC" -eq 10 ] || [ "$RC" -eq 11 ] && echo yes || echo no)"
expect_grep "a revoked card: cert_revoked or card_suspended" \
  '^onecard-login: .* \((cert_revoked|card_suspended)\)$' err
expect_eq "a revoked card: no token" 0 "$(wc -c <out)"

enroll_finish

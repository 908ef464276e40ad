#!/usr/bin/env bash
# onecard-login against the real onecard-authd, end to end (docs/login.md,
# docs/authd.md), on the ctest fixture "authd_clients": a CA, a SoftHSM
# card enrolled with four agencies (scripts/enroll-card), this test's own
# authd instance (scripts/dev-services authd). Then:
#
#   - a login: the token alone on stdout, verified by onecard-token against
#     the JWKS fetched from authd (curl): iss, aud, typ, signature, then
#     sub, ent, card, acr, amr, agencies (one per certificate on the card,
#     each with that certificate's SHA-256 thumbprint), cnf, lifetime; one
#     challenge and one successful login in authd's audit tables;
#   - the credential cache: folder 0700, file 0600, --show without the
#     token, a second audience joining, --logout;
#   - refusals, one line each with authd's code and the exit class, and
#     each an audit row of its own: a module demanding an agency the card
#     lacks (access_denied, 11), an unknown module (invalid_target, 9, no
#     login sent), a relayed origin (proof_invalid, 10), a suspended card
#     and person (card_suspended, person_suspended, 11), a revoked card
#     (cert_revoked 10, or card_suspended 11);
#   - neither the PIN nor a token in authd's log; authd stops on TERM with
#     no sanitizer report in it.
#
#   test_login_e2e.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
login_setup "$1" "$2" e2e
login_authd

TOKEN_TOOL=$BUILD/tools/onecard-token/onecard-token
[ -x "$TOKEN_TOOL" ] || die_setup "built: $TOKEN_TOOL"
command -v node >/dev/null || die_setup "installed: node"

# ---- the card --------------------------------------------------------------------
CARD1_URI=$(new_card card1) || die_setup "a blank card"
enroll_card "$CARD1_URI" customs,inspection-quarantine,maritime,border ||
  die_setup "enroll-card: $(tail -n1 "$WORK/enroll.err")"
# shellcheck disable=SC2153 # CARD_ID: set by enroll_card (lib.sh)
CARD1_ID=$CARD_ID
ok "card $CARD1_ID enrolled"
# authd's issuer is its origin unless configured otherwise.
ISS=$AUTHD_URL

# login OUT ERR ARGS...: onecard-login on card1 against this test's authd.
login() {
  local o=$1 e=$2
  shift 2
  run_login "$o" "$e" --authd "$AUTHD_URL" --card "$CARD1_URI" "$@"
}

# ---- a login ------------------------------------------------------------------------
before=$(rows)
login token err --audience provincial-portal --pin-file "$WORK/pin"
expect_eq "login: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "login: one line on stdout" 1 "$(wc -l <token)"
expect_grep "login: a JWS compact token" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' token
expect_eq "login: nothing on stderr" 0 "$(wc -c <err)"
read -r c0 l0 <<<"$before"
expect_eq "login: one challenge and one login reached authd" "$((c0 + 1)) $((l0 + 1))" "$(rows)"
expect_eq "login: the login row is a success for the card" "1" \
  "$(af_rows authd_logins "outcome = 'success' AND card_id = '$CARD1_ID' AND person_id = '$PERSON'")"

curl -fsS --max-time 10 "$AUTHD_URL/.well-known/jwks.json" >jwks.json 2>err
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
expect_eq "claims: sub" "\"$PERSON\"" "$(claim c.sub)"
expect_eq "claims: ent" "\"$USCC\"" "$(claim c.ent)"
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
expect_grep "cache: holds the token" "$(cut -c1-60 token)" "$ONECARD_CCACHE"
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: exit 0" 0 $?
expect_grep "--show: the audience" '^audience: provincial-portal$' show.txt
expect_grep "--show: the subject" "^  subject:    $PERSON\$" show.txt
expect_grep "--show: the card" "^  card:       $CARD1_ID\$" show.txt
expect_grep "--show: the agencies" '^  agencies:   border, customs, inspection-quarantine, maritime$' show.txt
expect_grep "--show: valid" '^  expires:    .* \(valid, ' show.txt
expect_grep "--show: the origin" "^origin: $AUTHD_URL\$" show.txt
expect_no_grep "--show: never the token" "$(cut -c1-40 token)" show.txt
login token2 err --audience province-vessel-clearance --pin-file "$WORK/pin"
expect_eq "a second audience: exit 0" 0 "$RC"
"$TOKEN_TOOL" verify --jwks jwks.json --iss "$ISS" --aud province-vessel-clearance <token2 \
  >/dev/null 2>&1
expect_eq "a second audience: its token verifies for it" 0 $?
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: both audiences" 2 "$(grep -c '^audience: ' show.txt)"

# ---- refusals -----------------------------------------------------------------------
# refused NAME EXIT CODE: the login just run was refused by authd with CODE:
# its exit class, one line naming the code, no token, and an audit row
# of this instance with that reason.
refused() {
  expect_eq "$1: exit $2" "$2" "$RC"
  expect_grep "$1: one line with authd's code" "^onecard-login: .+ \\($3\\)\$" err
  expect_eq "$1: no token" 0 "$(wc -c <out)"
}
before=$(af_rows authd_logins)
login out err --audience province-export-tax-refund --pin-file "$WORK/pin"
refused "an agency the card lacks" 11 access_denied
expect_eq "an agency the card lacks: its audit row" 1 \
  "$(af_rows authd_logins "reason = 'access_denied' AND card_id = '$CARD1_ID'")"

read -r c0 l0 <<<"$(rows)"
login out err --audience no-such-module --pin-file "$WORK/pin"
refused "an unknown module" 9 invalid_target
expect_eq "an unknown module: refused at the challenge, no login sent" "$c0 $l0" "$(rows)"

# Another name for authd is another origin: the signatures do not verify
# there (P4), even though the challenge is authd's own.
relayed=${AUTHD_URL/127.0.0.1/localhost}
run_login out err --authd "$relayed" --card "$CARD1_URI" --audience provincial-portal \
  --pin-file "$WORK/pin"
refused "a relayed origin" 10 proof_invalid
expect_grep "a relayed origin: the note on authd's origin" \
  "^onecard-login: note: authd names its origin $AUTHD_URL, but this login is to $relayed" err
expect_eq "a relayed origin: its audit row" 1 "$(af_rows authd_logins "reason = 'proof_invalid'")"

"$DIRTOOL" suspend-card --card-id "$CARD1_ID" --reason lost >/dev/null 2>err
expect_eq "onecard-dir suspend-card: exit 0" 0 $?
login out err --audience provincial-portal --pin-file "$WORK/pin"
refused "a suspended card" 11 card_suspended
"$DIRTOOL" activate-card --card-id "$CARD1_ID" >/dev/null 2>err
"$DIRTOOL" suspend-person --person "$PERSON" --reason left >/dev/null 2>err
expect_eq "onecard-dir suspend-person: exit 0" 0 $?
login out err --audience provincial-portal --pin-file "$WORK/pin"
refused "a suspended person" 11 person_suspended
"$DIRTOOL" activate-person --person "$PERSON" >/dev/null 2>err
login out err --audience provincial-portal --pin-file "$WORK/pin" --no-cache
expect_eq "active again: exit 0" 0 "$RC"
expect_eq "refusals: four refused login rows, the unknown module none" \
  "$((before + 5))" "$(af_rows authd_logins)"

# ---- logout -------------------------------------------------------------------------
"$LOGIN" --logout >out 2>err
expect_eq "--logout: exit 0" 0 $?
expect_eq "--logout: the cache is gone" no "$(exists "$ONECARD_CCACHE")"
"$LOGIN" --show >out 2>err
expect_eq "--show after --logout: exit 1" 1 $?

# ---- a revoked card -----------------------------------------------------------------
"$REVOKE" --ca-home "$HOME_CA" --card "$CARD1_ID" --reason keyCompromise \
  --pass-file "$WORK/pass" >out 2>err
expect_eq "revoke-card: exit 0" 0 $?
sleep 3 # authd rereads the CRL every 2 s (reload_interval)
login out err --audience provincial-portal --pin-file "$WORK/pin"
expect_eq "a revoked card: refused (exit 10 or 11)" yes \
  "$({ [ "$RC" -eq 10 ] || [ "$RC" -eq 11 ]; } && echo yes || echo no)"
expect_grep "a revoked card: cert_revoked or card_suspended" \
  '^onecard-login: .* \((cert_revoked|card_suspended)\)$' err
expect_eq "a revoked card: no token" 0 "$(wc -c <out)"
expect_eq "a revoked card: no cache" no "$(exists "$ONECARD_CCACHE")"

# ---- nothing secret in authd's log -----------------------------------------------------
expect_no_grep "authd's log: no PIN" "$PIN" "$AUTHD_LOG"
expect_no_grep "authd's log: no token" "$(cut -d. -f2 token | cut -c1-40)" "$AUTHD_LOG"

af_stop_checked
login_finish

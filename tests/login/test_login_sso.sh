#!/usr/bin/env bash
# onecard-login's single sign-on against the real onecard-authd
# (docs/login.md "Tokens for other modules", docs/sso.md), on the ctest
# fixture "authd_clients", with the example province's policy
# (policies/province-example.conf: modules on a provincial and three city
# platforms). A SoftHSM card enrolled with customs, inspection-quarantine,
# maritime and border, but no tax. Then:
#
#   - one card login (PIN once) for provincial-portal: the cache holds the
#     session (file 0600, folder 0700), --show tells of it and never shows
#     its credential;
#   - the card taken away (its token store moved off): --token for three
#     modules on three platforms, each token alone on stdout, verified by
#     onecard-token against authd's JWKS for its audience and refused for
#     the others', carrying the session's person, card and agencies;
#     each cached, a second --token answered from the cache without a
#     request (authd's grant rows), --no-cache asking again;
#   - refusals: a module needing the tax agency the card lacks
#     (access_denied, exit 11, authd's words on what is missing), an
#     unknown module (invalid_target, exit 9), --token with options of a
#     card login (usage, exit 2);
#   - --logout: the session ended at authd, the cache removed; --token
#     then finds no session (exit 14); the old credential put back is
#     refused by authd (invalid_grant: the session has ended, exit 15);
#   - the session credential never in any output, nor in authd's log.
#
#   test_login_sso.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
login_setup "$1" "$2" sso
login_authd "$SRC/policies/province-example.conf"

TOKEN_TOOL=$BUILD/tools/onecard-token/onecard-token
[ -x "$TOKEN_TOOL" ] || die_setup "built: $TOKEN_TOOL"
command -v node >/dev/null || die_setup "installed: node"

# ---- the card ----------------------------------------------------------------------
CARD1_URI=$(new_card card1) || die_setup "a blank card"
enroll_card "$CARD1_URI" customs,inspection-quarantine,maritime,border ||
  die_setup "enroll-card: $(tail -n1 "$WORK/enroll.err")"
# shellcheck disable=SC2153 # CARD_ID: set by enroll_card (lib.sh)
CARD1_ID=$CARD_ID
ok "card $CARD1_ID enrolled (no tax certificate)"
ISS=$AUTHD_URL
curl -fsS --max-time 10 "$AUTHD_URL/.well-known/jwks.json" >jwks.json 2>err ||
  die_setup "JWKS fetched: $(cat err)"

# token AUD OUT ERR [ARGS...]: onecard-login --token AUD; $RC its status.
# Never a card option: the card is not there.
token() {
  local aud=$1 o=$2 e=$3
  shift 3
  run_login "$o" "$e" --token "$aud" "$@"
}
# grants [CONDITION]: this instance's rows of authd_grants.
grants() { af_rows authd_grants "${1:-true}"; }
# verify FILE AUD: onecard-token verify of the token in FILE for AUD,
# the claims in claims.json; its exit status.
verify() { "$TOKEN_TOOL" verify --jwks jwks.json --iss "$ISS" --aud "$2" <"$1" >claims.json 2>verify.err; }
claim() {
  node -e 'const c = JSON.parse(require("fs").readFileSync("claims.json", "utf8"));
    process.stdout.write(JSON.stringify(eval(process.argv[1])) + "\n");' "$1"
}
# no_secret FILE...: the session credential is in none of them.
no_secret() {
  local f
  for f in "$@"; do
    if [ -n "${SESSION_CRED:-}" ] && grep -qF -- "${SESSION_CRED#ocs1_}" "$f"; then
      not_ok "the session credential in $(basename "$f")"
    fi
  done
}

# ---- one card login --------------------------------------------------------------------
run_login login.tok err --authd "$AUTHD_URL" --card "$CARD1_URI" --audience provincial-portal \
  --pin-file "$WORK/pin"
expect_eq "card login: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "card login: nothing on stderr" 0 "$(wc -c <err)"
verify login.tok provincial-portal
expect_eq "card login: the token verifies for provincial-portal" 0 $?
SID=$(claim c.sid)
expect_grep "card login: the token names its session (sid)" '^"[A-Za-z0-9_-]{16,64}"$' \
  <(printf '%s\n' "$SID")

expect_eq "cache: folder 0700" 700 "$(stat -c %a "$WORK/cc")"
expect_eq "cache: file 0600" 600 "$(stat -c %a "$ONECARD_CCACHE")"
SESSION_CRED=$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.stdout.write(c.session ? c.session.refresh_token : "")' "$ONECARD_CCACHE")
expect_grep "cache: the session credential (ocs1_, 43 base64url characters)" \
  '^ocs1_[A-Za-z0-9_-]{43}$' <(printf '%s\n' "$SESSION_CRED")
expect_eq "cache: the session names the person and the card" "$PERSON $CARD1_ID" \
  "$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(c.session.sub + " " + c.session.card)' "$ONECARD_CCACHE")"
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: exit 0" 0 $?
expect_grep "--show: a session" '^session: present \(its credential is never shown\)$' show.txt
expect_grep "--show: the session's card" "^  card:       $CARD1_ID\$" show.txt
expect_grep "--show: the session's expiry" '^  expires:    .* \(valid, ' show.txt
expect_grep "--show: the idle limit of the policy" '^  idle limit: 30 min 0 s without use$' show.txt
expect_no_grep "--show: never the credential" 'ocs1_' show.txt
no_secret show.txt err login.tok

# ---- the card goes ---------------------------------------------------------------------
# Its token store moved away: no card is present from here on, and any
# attempt to use one would fail (exit 3), which the checks below see.
mv "$WORK/tokens" "$WORK/tokens.away" || die_setup "the card taken away"
mkdir -m 0700 "$WORK/tokens"

# Three modules on three platforms, each with the agency it demands.
declare -A WANT_AGENCY=(
  [city-a-customs-declaration]=customs
  [city-b-maritime]=maritime
  [province-inspection]=inspection-quarantine
)
MODULES="city-a-customs-declaration city-b-maritime province-inspection"
g0=$(grants)
for m in $MODULES; do
  token "$m" "$m.tok" err
  expect_eq "--token $m: exit 0" 0 "$RC"
  [ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
  expect_eq "--token $m: one line on stdout" 1 "$(wc -l <"$m.tok")"
  expect_eq "--token $m: nothing on stderr" 0 "$(wc -c <err)"
  verify "$m.tok" "$m"
  expect_eq "--token $m: verifies against the JWKS for $m" 0 $?
  expect_eq "--token $m: aud" "\"$m\"" "$(claim 'Array.isArray(c.aud) ? c.aud[0] : c.aud')"
  expect_eq "--token $m: sub and card of the login" "\"$PERSON $CARD1_ID\"" \
    "$(claim 'c.sub + " " + c.card')"
  expect_eq "--token $m: the session's sid" "$SID" "$(claim c.sid)"
  expect_eq "--token $m: acr card" '"card"' "$(claim c.acr)"
  expect_eq "--token $m: carries ${WANT_AGENCY[$m]}" true \
    "$(claim "c.agencies.map((a) => a.id).includes('${WANT_AGENCY[$m]}')")"
  no_secret "$m.tok" err
done
expect_eq "--token: one grant row per module, each a success" "$((g0 + 3)) $((g0 + 3))" \
  "$(grants) $(grants "outcome = 'success'")"
# Each token is for its module only (audience).
for m in $MODULES; do
  for other in $MODULES provincial-portal; do
    [ "$other" = "$m" ] && continue
    verify "$m.tok" "$other"
    rc=$?
    expect_eq "the $m token refused for $other" yes "$([ "$rc" -ne 0 ] && echo yes || echo no)"
  done
done
verify login.tok city-a-customs-declaration
rc=$?
expect_eq "the card login's token refused for city-a-customs-declaration" yes \
  "$([ "$rc" -ne 0 ] && echo yes || echo no)"

# The cache keeps one token per audience; a live one is handed out again.
expect_eq "cache: four audiences" 4 \
  "$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(String(Object.keys(c.tokens).length))' "$ONECARD_CCACHE")"
expect_eq "cache: still 0600" 600 "$(stat -c %a "$ONECARD_CCACHE")"
g1=$(grants)
token city-b-maritime again.tok err
expect_eq "--token again: exit 0" 0 "$RC"
expect_eq "--token again: the cached token" "$(cat city-b-maritime.tok)" "$(cat again.tok)"
expect_eq "--token again: no request to authd" "$g1" "$(grants)"
token city-b-maritime fresh.tok err --no-cache
expect_eq "--token --no-cache: exit 0" 0 "$RC"
expect_eq "--token --no-cache: authd asked" "$((g1 + 1))" "$(grants)"
verify fresh.tok city-b-maritime
expect_eq "--token --no-cache: its token verifies" 0 $?
token provincial-portal portal.tok err --authd "$AUTHD_URL"
expect_eq "--token with the session's own --authd: exit 0" 0 "$RC"
expect_eq "--token provincial-portal: the login's token, cached" "$(cat login.tok)" \
  "$(cat portal.tok)"
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: four audiences" 4 "$(grep -c '^audience: ' show.txt)"
expect_no_grep "--show: never the credential" 'ocs1_' show.txt
no_secret show.txt

# ---- refusals ----------------------------------------------------------------------
cp -p "$ONECARD_CCACHE" cache.before
token city-a-tax-refund out err
expect_eq "an agency the card lacks: exit 11" 11 "$RC"
expect_grep "an agency the card lacks: authd's words on what is missing" \
  '^onecard-login: .*city-a-tax-refund.*tax.* \(access_denied\)$' err
expect_eq "an agency the card lacks: one line" 1 "$(wc -l <err)"
expect_eq "an agency the card lacks: no token" 0 "$(wc -c <out)"
expect_eq "an agency the card lacks: a refused grant row" 1 \
  "$(grants "outcome <> 'success' AND audience = 'city-a-tax-refund'")"
token no-such-module out err
expect_eq "an unknown module: exit 9" 9 "$RC"
expect_grep "an unknown module: said so" \
  '^onecard-login: authd knows no module no-such-module \(invalid_target\)$' err
expect_eq "an unknown module: no token" 0 "$(wc -c <out)"
expect_eq "refusals: the cache unchanged" "$(sha256sum <cache.before)" \
  "$(sha256sum <"$ONECARD_CCACHE")"
token city-b-maritime out err --card "$CARD1_URI"
expect_eq "--token with --card: usage, exit 2" 2 "$RC"
token city-b-maritime out err --pin-file "$WORK/pin"
expect_eq "--token with --pin-file: usage, exit 2" 2 "$RC"
token city-b-maritime out err --authd http://127.0.0.1:1
expect_eq "--token with another authd: no session for it, exit 14" 14 "$RC"
expect_grep "--token with another authd: says whose session it is" \
  "^onecard-login: the cached SSO session is for $AUTHD_URL, not http://127.0.0.1:1" err
token 'City-A' out err
expect_eq "--token with a bad audience: usage, exit 2" 2 "$RC"
token city-b-maritime out err --show
expect_eq "--token with --show: usage, exit 2" 2 "$RC"
run_login out err --logout --audience provincial-portal
expect_eq "--logout with --audience: usage, exit 2" 2 "$RC"
expect_eq "usage errors: the cache unchanged" "$(sha256sum <cache.before)" \
  "$(sha256sum <"$ONECARD_CCACHE")"
no_secret out err

# ---- logout ------------------------------------------------------------------------
cp -p "$ONECARD_CCACHE" cache.saved
"$LOGIN" --logout >out 2>err
RC=$?
expect_eq "--logout: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_grep "--logout: the session ended at authd" \
  '^onecard-login: SSO session ended at authd; credential cache removed' err
expect_eq "--logout: the cache is gone" no "$(exists "$ONECARD_CCACHE")"
no_secret out err
token city-b-maritime out err
expect_eq "--token after --logout: exit 14" 14 "$RC"
expect_grep "--token after --logout: log in with the card first" \
  '^onecard-login: no SSO session in the credential cache \(.*\): log in with your card first: onecard-login --audience city-b-maritime$' \
  err
expect_eq "--token after --logout: no token" 0 "$(wc -c <out)"
# The credential kept elsewhere is dead at authd: the session has ended.
cp -p cache.saved "$ONECARD_CCACHE"
g2=$(grants)
token city-c-border out err
expect_eq "the old credential after --logout: exit 15" 15 "$RC"
expect_grep "the old credential after --logout: the session has ended; card login again" \
  '^onecard-login: the SSO session has ended.*; log in with your card again: onecard-login --audience city-c-border \(invalid_grant\)$' \
  err
expect_eq "the old credential after --logout: no token" 0 "$(wc -c <out)"
expect_eq "the old credential after --logout: a refused grant row" "$((g2 + 1))" \
  "$(grants)"
# A cached token still lives until its exp (offline verifiers cannot know),
# but --no-cache asks authd, which refuses.
token city-b-maritime out err --no-cache
expect_eq "the old credential, --no-cache: exit 15" 15 "$RC"
# Logging out an ended session is not an error (authd answers 200).
"$LOGIN" --logout >out 2>err
expect_eq "--logout of an ended session: exit 0" 0 $?
expect_eq "--logout of an ended session: the cache is gone" no "$(exists "$ONECARD_CCACHE")"
no_secret out err
rm -f cache.saved cache.before

# ---- nothing secret in authd's log ------------------------------------------------------
expect_no_grep "authd's log: no PIN" "$PIN" "$AUTHD_LOG"
no_secret "$AUTHD_LOG"
expect_no_grep "authd's log: no token" "$(cut -d. -f2 city-b-maritime.tok | cut -c1-40)" \
  "$AUTHD_LOG"

af_stop_checked
login_finish

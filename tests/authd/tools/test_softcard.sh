#!/usr/bin/env bash
# softcard's CLI against the real onecard-authd, on the ctest fixture
# "authd_clients": software-key cards enrolled by bench/login/setup-cards.sh
# (two of customs and tax with EC keys, one of customs with an RSA key)
# under a CA of this test's own, and this test's authd instance. Checked:
# the output contract (status line, compact JSON line), every fault option
# and the answer it draws from authd, with what reached authd (the audit
# rows of this instance: a login row per login sent, with its outcome; no
# challenge asked with --use-challenge or --raw-body), and the tool's own
# refusals; authd stopped (on TERM, no sanitizer report in its log), then
# authd down.
#
#   test_softcard.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
. "$(dirname "$0")/lib.sh"
tools_setup "$1"
tools_authd "$2" softcard 2 customs,tax

ONECARD_BENCH_PREFIX=softcard-rsa-$$ ONECARD_BENCH_JOBS=1 ONECARD_BENCH_KEY=rsa-2048 \
  bash "$SRC/bench/login/setup-cards.sh" "$WORK/ca" "$WORK/pass" "$WORK/rsa" 1 customs \
  >/dev/null 2>rsa.err || not_ok "setup-cards, an RSA card: $(tail -n1 rsa.err)"
"$MKCERT" key --out other.key 2>>mk.err || not_ok "mkcert key"
# A valid certificate of this CA on no card (P7).
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca.key --ca-pass-file pass --profile customs \
  --new-key nocard.key --out nocard.pem 2>>mk.err || not_ok "mkcert: a certificate on no card"

# shellcheck disable=SC2153 # CARDS, CHAIN, PREFIX: setup.env, read by tools_authd
read -r -a A <<<"$(sed -n 1p "$CARDS")" # card A: customs, tax (CERT:KEY)
read -r -a B <<<"$(sed -n 2p "$CARDS")" # card B
RSA=$(cat "$WORK/rsa/cards.txt")
AUD=provincial-portal
BASE=(--authd "$AUTHD_URL" --audience "$AUD")
CARD=(--proof "${A[0]}" --proof "${A[1]}")
A_CUSTOMS_CERT=${A[0]%%:*}
A_TAX_KEY=${A[1]##*:}

# run NAME ARGS...: softcard into NAME.out / NAME.err; RC holds the exit,
# BEFORE the audit rows of this instance before it ("CHALLENGES LOGINS").
run() {
  local name=$1
  shift
  BEFORE="$(af_rows authd_challenges) $(af_rows authd_logins)"
  "$SOFTCARD" "$@" >"$name.out" 2>"$name.err"
  RC=$?
}
# answered NAME STATUS ERROR: exit 0, two lines, the status, and the error
# code (or a JWS access token when ERROR is "-").
answered() {
  local name=$1 status=$2 error=$3
  expect_eq "$name: exit 0" 0 "$RC"
  expect_eq "$name: two lines" 2 "$(wc -l <"$name.out")"
  expect_eq "$name: HTTP $status" "$status" "$(head -n1 "$name.out")"
  if [ "$error" = - ]; then
    expect_grep "$name: an access token" \
      '^\{"access_token":"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",' "$name.out"
  else
    expect_grep "$name: error $error" "^\\{\"error\":\"$error\"" "$name.out"
  fi
}
# sent NAME CHALLENGES LOGINS: how many challenges authd issued and how
# many logins it recorded since the last run.
sent() {
  local c l
  read -r c l <<<"$BEFORE"
  expect_eq "$1: $2 challenge(s) issued, $3 login(s) recorded" "$((c + $2)) $((l + $3))" \
    "$(af_rows authd_challenges) $(af_rows authd_logins)"
}
# recorded NAME OUTCOME: the last login row of this instance ("success" or
# its reason).
recorded() {
  expect_eq "$1: recorded as $2" "$2" \
    "$(psql -X -q -At -d "$ONECARD_PG" -c "SELECT coalesce(reason, outcome) FROM authd_logins
       WHERE instance = '$AUTHD_NAME' ORDER BY id DESC LIMIT 1")"
}

# ---- honest logins --------------------------------------------------------------
run challenge challenge "${BASE[@]}" --save-challenge saved-ch
expect_eq "challenge: exit 0" 0 "$RC"
expect_eq "challenge: HTTP 200" 200 "$(head -n1 challenge.out)"
expect_grep "challenge: compact JSON with the challenge" '^\{"challenge":"[A-Za-z0-9_-]+",' challenge.out
expect_grep "challenge: saved" '^[A-Za-z0-9_-]+$' saved-ch
expect_eq "challenge: the one saved is the one answered" \
  "$(sed -n 's/^{"challenge":"\([^"]*\)".*/\1/p' challenge.out)" "$(cat saved-ch)"
sent challenge 1 0

run honest login "${BASE[@]}" "${CARD[@]}" --save-challenge used-ch
answered honest 200 -
expect_grep "honest: both agencies proven" '"agencies":\["customs","tax"\]' honest.out
expect_grep "honest: card A's holder" "\"sub\":\"$PREFIX-p0001\"" honest.out
sent honest 1 1
recorded honest success
run chain login "${BASE[@]}" "${CARD[@]}" --chain "$CHAIN"
answered chain 200 -
run rsa login "${BASE[@]}" --proof "$RSA"
answered rsa 200 -
recorded rsa success
run pss login "${BASE[@]}" --proof "$RSA" --alg PS256
answered pss 200 -
recorded pss success
run slash login --authd "$AUTHD_URL/" --audience "$AUD" "${CARD[@]}"
answered slash 200 -
run saved login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch
answered saved 200 -
sent saved 0 1

# ---- P3: a challenge used twice ---------------------------------------------------
run replay login "${BASE[@]}" "${CARD[@]}" --use-challenge used-ch
answered replay 401 challenge_replayed
recorded replay challenge_replayed
run replay2 login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch
answered replay2 401 challenge_replayed

# ---- a tampered challenge, another origin (P4), a foreign key (P1) ---------------
run tamper login "${BASE[@]}" "${CARD[@]}" --tamper-challenge
answered tamper 401 challenge_invalid
recorded tamper challenge_invalid
run origin login "${BASE[@]}" "${CARD[@]}" --origin https://relay.evil.example
answered origin 401 proof_invalid
recorded origin proof_invalid
run signwith login "${BASE[@]}" "${CARD[@]}" --target 1 --sign-with other.key
answered signwith 401 proof_invalid
run mismatch login "${BASE[@]}" --proof "$A_CUSTOMS_CERT:$A_TAX_KEY"
answered mismatch 401 proof_invalid
run twocards login "${BASE[@]}" --proof "${A[0]}" --proof "${B[1]}"
answered twocards 401 card_mismatch
run nocard login "${BASE[@]}" --proof nocard.pem:nocard.key
answered nocard 401 cert_unknown

# ---- signatures and algorithms -----------------------------------------------------
run flip login "${BASE[@]}" "${CARD[@]}" --target 1 --flip-sig
answered flip 401 proof_invalid
run drop login "${BASE[@]}" "${CARD[@]}" --drop-sig
answered drop 400 invalid_request
run alg login "${BASE[@]}" "${CARD[@]}" --alg RS256
answered alg 401 proof_invalid
run none login "${BASE[@]}" "${CARD[@]}" --alg none
answered none 400 invalid_request

# ---- bodies ----------------------------------------------------------------------
printf '{"challenge":"x","proofs":[]}' >empty-proofs.json
run raw login --authd "$AUTHD_URL" --raw-body empty-proofs.json
answered raw 400 invalid_request
sent raw 0 1
printf '[1,2,3]' >array.json
run rawchallenge challenge --authd "$AUTHD_URL" --raw-body array.json
answered rawchallenge 400 invalid_request
sent rawchallenge 0 0
run big login "${BASE[@]}" "${CARD[@]}" --oversize 70000
expect_eq "oversize: exit 0" 0 "$RC"
expect_eq "oversize: HTTP 413" 413 "$(head -n1 big.out)"
sent oversize 1 0
run ctype login "${BASE[@]}" "${CARD[@]}" --content-type text/plain
answered ctype 415 invalid_request
sent "content type" 1 0
run badaud challenge --authd "$AUTHD_URL" --audience "No Such Module"
answered badaud 400 invalid_target
sent badaud 0 0

# ---- the tool's own refusals ----------------------------------------------------
run noproof login "${BASE[@]}"
expect_eq "login without --proof: exit 2" 2 "$RC"
run noauthd login --audience "$AUD" "${CARD[@]}"
expect_eq "login without --authd: exit 2" 2 "$RC"
run badproof login "${BASE[@]}" --proof "$A_CUSTOMS_CERT"
expect_eq "--proof without a key: exit 1" 1 "$RC"
expect_grep "--proof without a key: says so" 'CERT.pem:KEY.pem' badproof.err
sent "--proof without a key" 0 0
run badtarget login "${BASE[@]}" "${CARD[@]}" --target 2 --flip-sig
expect_eq "--target out of the card: exit 1" 1 "$RC"
expect_eq "--target out of the card: nothing on stdout" 0 "$(wc -c <badtarget.out)"
sent "--target out of the card" 1 0
run challengeopts challenge "${BASE[@]}" --flip-sig
expect_eq "challenge with a login option: exit 2" 2 "$RC"
run bothch login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch --save-challenge x
expect_eq "--use-challenge with --save-challenge: exit 2" 2 "$RC"
run badaudlogin login --authd "$AUTHD_URL" --audience "No Such Module" "${CARD[@]}"
expect_eq "login whose challenge is refused: exit 1" 1 "$RC"
expect_grep "login whose challenge is refused: says the status" 'answered 400' badaudlogin.err
sent "login whose challenge is refused" 0 0
run notaurl login --authd 127.0.0.1 --audience "$AUD" "${CARD[@]}"
expect_eq "--authd without a scheme: exit 1" 1 "$RC"
af_stop_checked
run down login "${BASE[@]}" "${CARD[@]}"
expect_eq "authd down: exit 1" 1 "$RC"
expect_eq "authd down: nothing on stdout" 0 "$(wc -c <down.out)"
expect_grep "authd down: says no answer" 'no answer' down.err
run help --help
expect_grep "--help names both commands" '^softcard challenge ' help.out

tools_finish

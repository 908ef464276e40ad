#!/usr/bin/env bash
# softcard's CLI against fake-authd (a stand-in that checks challenges
# and proof signatures only): the output contract (status line, compact
# JSON line), every fault option, and refusals of the tool itself.
#
#   test_softcard.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
tools_setup "$1"

make_ca ca || { not_ok "a test CA"; tools_finish; exit 1; }
CA=(--ca-cert ca/ca.pem --ca-key ca/ca.key)
for a in customs tax; do
  "$MKCERT" cert "${CA[@]}" --profile "$a" --new-key "$a.key" --out "$a.pem" 2>>mk.err ||
    not_ok "mkcert $a"
done
"$MKCERT" cert "${CA[@]}" --key-type rsa-2048 --new-key rsa.key --out rsa.pem 2>>mk.err ||
  not_ok "mkcert rsa"
"$MKCERT" key --out other.key 2>>mk.err || not_ok "mkcert key"
fake_start
AUD=provincial-portal
BASE=(--authd "$FAKE_URL" --audience "$AUD")
CARD=(--proof customs.pem:customs.key --proof tax.pem:tax.key)

# run NAME ARGS...: softcard into NAME.out / NAME.err; RC holds the exit.
run() {
  local name=$1
  shift
  "$SOFTCARD" "$@" >"$name.out" 2>"$name.err"
  RC=$?
}
# answered NAME STATUS ERROR: exit 0, two lines, the status, and the
# error code (or an access token when ERROR is "-").
answered() {
  local name=$1 status=$2 error=$3
  expect_eq "$name: exit 0" 0 "$RC"
  expect_eq "$name: two lines" 2 "$(wc -l <"$name.out")"
  expect_eq "$name: HTTP $status" "$status" "$(head -n1 "$name.out")"
  if [ "$error" = - ]; then
    expect_grep "$name: an access token" '^\{"access_token":"fake-' "$name.out"
  else
    expect_grep "$name: error $error" "^\\{\"error\":\"$error\"" "$name.out"
  fi
}

# ---- honest logins --------------------------------------------------------------
run challenge challenge "${BASE[@]}" --save-challenge saved-ch
expect_eq "challenge: exit 0" 0 "$RC"
expect_eq "challenge: HTTP 200" 200 "$(head -n1 challenge.out)"
expect_grep "challenge: compact JSON with the challenge" '^\{"challenge":"[A-Za-z0-9_-]+",' challenge.out
expect_grep "challenge: saved" '^[A-Za-z0-9_-]+$' saved-ch

run honest login "${BASE[@]}" "${CARD[@]}" --save-challenge used-ch
answered honest 200 -
expect_grep "honest: two proofs" '"proofs":2' honest.out
run chain login "${BASE[@]}" "${CARD[@]}" --chain ca/ca.pem
answered chain 200 -
run rsa login "${BASE[@]}" --proof rsa.pem:rsa.key
answered rsa 200 -
run pss login "${BASE[@]}" --proof rsa.pem:rsa.key --alg PS256
answered pss 200 -
run slash login --authd "$FAKE_URL/" --audience "$AUD" "${CARD[@]}"
answered slash 200 -
run saved login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch
answered saved 200 -

# ---- P3: a challenge used twice ---------------------------------------------------
run replay login "${BASE[@]}" "${CARD[@]}" --use-challenge used-ch
answered replay 401 challenge_replayed
run replay2 login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch
answered replay2 401 challenge_replayed

# ---- a tampered challenge, another origin (P4), a foreign key (P1) ---------------
run tamper login "${BASE[@]}" "${CARD[@]}" --tamper-challenge
answered tamper 401 challenge_invalid
run origin login "${BASE[@]}" "${CARD[@]}" --origin https://relay.evil.example
answered origin 401 proof_invalid
run signwith login "${BASE[@]}" "${CARD[@]}" --target 1 --sign-with other.key
answered signwith 401 proof_invalid
run mismatch login "${BASE[@]}" --proof customs.pem:tax.key
answered mismatch 401 proof_invalid

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
run raw login --authd "$FAKE_URL" --raw-body empty-proofs.json
answered raw 400 invalid_request
printf '[1,2,3]' >array.json
run rawchallenge challenge --authd "$FAKE_URL" --raw-body array.json
answered rawchallenge 400 invalid_request
run big login "${BASE[@]}" "${CARD[@]}" --oversize 70000
expect_eq "oversize: exit 0" 0 "$RC"
expect_eq "oversize: HTTP 413" 413 "$(head -n1 big.out)"
run ctype login "${BASE[@]}" "${CARD[@]}" --content-type text/plain
answered ctype 415 invalid_request
run badaud challenge --authd "$FAKE_URL" --audience "No Such Module"
answered badaud 400 invalid_target

# ---- the tool's own refusals ----------------------------------------------------
run noproof login "${BASE[@]}"
expect_eq "login without --proof: exit 2" 2 "$RC"
run noauthd login --audience "$AUD" "${CARD[@]}"
expect_eq "login without --authd: exit 2" 2 "$RC"
run badproof login "${BASE[@]}" --proof customs.pem
expect_eq "--proof without a key: exit 1" 1 "$RC"
expect_grep "--proof without a key: says so" 'CERT.pem:KEY.pem' badproof.err
run badtarget login "${BASE[@]}" "${CARD[@]}" --target 2 --flip-sig
expect_eq "--target out of the card: exit 1" 1 "$RC"
expect_eq "--target out of the card: nothing on stdout" 0 "$(wc -c <badtarget.out)"
run challengeopts challenge "${BASE[@]}" --flip-sig
expect_eq "challenge with a login option: exit 2" 2 "$RC"
run bothch login "${BASE[@]}" "${CARD[@]}" --use-challenge saved-ch --save-challenge x
expect_eq "--use-challenge with --save-challenge: exit 2" 2 "$RC"
run badaudlogin login --authd "$FAKE_URL" --audience "No Such Module" "${CARD[@]}"
expect_eq "login whose challenge is refused: exit 1" 1 "$RC"
expect_grep "login whose challenge is refused: says the status" 'answered 400' badaudlogin.err
run notaurl login --authd 127.0.0.1 --audience "$AUD" "${CARD[@]}"
expect_eq "--authd without a scheme: exit 1" 1 "$RC"
fake_stop
run down login "${BASE[@]}" "${CARD[@]}"
expect_eq "authd down: exit 1" 1 "$RC"
expect_eq "authd down: nothing on stdout" 0 "$(wc -c <down.out)"
expect_grep "authd down: says no answer" 'no answer' down.err
run help --help
expect_grep "--help names both commands" '^softcard challenge ' help.out

tools_finish

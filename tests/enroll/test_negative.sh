#!/usr/bin/env bash
# scripts/enroll-card refusals and failures (docs/enrollment.md). Each
# refusal must exit non-zero with one error line, print nothing on
# stdout, and leave the inventory (certificates, valid ones), the
# directory (entries under ou=cards) and the card (its objects) as they
# were. A failure in the middle must undo what the run did: the card's
# new objects deleted, the certificates issued revoked (rows kept), the
# directory without the card.
#
#   test_negative.sh BUILD_DIR SOURCE_DIR
. "$(dirname "$0")/lib.sh"
enroll_setup "$1" "$2"

# attempt LABEL ARGS...: runs enroll-card (out, err, RC), BEFORE = the
# state of card LABEL before it.
attempt() {
  local label=$1
  shift
  BEFORE=$(state "$label")
  run_enroll out err "$@"
  RC=$?
}

# ---- an enrolled card, for "already enrolled" (PIN from ONECARD_PIN) -----------
CARD2_URI=$(new_card card2)
CARD2_ID=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$CARD2_URI")
std_args "$CARD2_URI" customs
ONECARD_PIN=$PIN run_enroll out err "${ARGS[@]}"
RC=$?
expect_eq "setup: card2 enrolled (PIN from ONECARD_PIN): exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err

# ---- the PIN from a prompt on the terminal (script(1) gives it one) -----------
CARD5_URI=$(new_card card5)
std_args "$CARD5_URI" customs
cmd=$(printf '%q ' "$ENROLL" --ca-home "$HOME_CA" --pass-file "$WORK/pass" "${ARGS[@]}")
: >tty.txt
{
  for ((i = 0; i < 100; i++)); do
    grep -q 'Card PIN: ' tty.txt && break
    sleep 0.1
  done
  printf '%s\n' "$PIN"
} | script -qec "$cmd" /dev/null >tty.txt 2>&1
RC=$?
expect_eq "PIN from the prompt: exit 0" 0 "$RC"
expect_eq "PIN from the prompt: asked once" 1 "$(grep -c 'Card PIN: ' tty.txt)"
expect_no_grep "PIN from the prompt: not echoed" "$PIN" tty.txt
expect_grep "PIN from the prompt: enrolled" '^customs [0-9A-F]+' tty.txt

# ---- refused before anything changes ------------------------------------------
std_args "$CARD1_URI" customs,no-such-agency
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "unknown agency" 3 "'no-such-agency' is not a profile" card1 "$BEFORE"

std_args "$CARD1_URI" customs,maritime,customs
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "duplicate agency" 3 "'customs' given twice" card1 "$BEFORE"

std_args "$CARD1_URI" "customs,,tax"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "empty agency" 3 "an empty agency" card1 "$BEFORE"

std_args "$CARD1_URI" "$AGENCIES"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/badpin"
refused "wrong PIN" 3 "the card refused the PIN" card1 "$BEFORE"

std_args "pkcs11:token=no-such-card" "$AGENCIES"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "the card absent" 3 "no card present matches --card" card1 "$BEFORE"

std_args "pkcs11:token=card1;serial=0000000000000000" "$AGENCIES"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "the card absent (right label, wrong serial)" 3 "no card present matches --card" card1 "$BEFORE"

std_args "$CARD2_URI" customs,tax
attempt card2 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "the card enrolled already" 3 "card $CARD2_ID is enrolled already" card2 "$BEFORE"

# A policy whose sm2-only profile no card can make a key for.
sed 's/key_types = \[ "ec-p256", "rsa-2048", "rsa-3072", "sm2" \];/key_types = [ "sm2" ];/' \
  "$SRC/policies/onecard.conf" >sm2-only.conf
std_args "$CARD1_URI" "$AGENCIES"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin" --policy "$WORK/sm2-only.conf"
refused "a profile no card can make a key for" 3 "allows no key a card can make \(sm2\)" card1 "$BEFORE"

std_args "$CARD1_URI" "$AGENCIES"
attempt card1 "${ARGS[@]/$USCC_OK/91350100M000100Y44}" --pin-file "$WORK/pin"
refused "a USCC with a wrong check character" 3 "not a unified social credit code" card1 "$BEFORE"

chmod 0640 "$WORK/pin"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
refused "a PIN file open to the group" 3 "open to group or others" card1 "$BEFORE"
chmod 0600 "$WORK/pin"

attempt card1 --card "$CARD1_URI" --person p-0001 --name N --enterprise "$USCC_OK" \
  --enterprise-name E --pin-file "$WORK/pin"
refused "usage: no --agencies" 2 "missing --agencies" card1 "$BEFORE"

std_args "$CARD1_URI" "$AGENCIES"
BEFORE=$(state card1)
pg_down
run_enroll out err "${ARGS[@]}" --pin-file "$WORK/pin"
RC=$?
services_up
refused "the database down" 3 "inventory database is not reachable" card1 "$BEFORE"

BEFORE=$(state card1)
slapd_down
run_enroll out err "${ARGS[@]}" --pin-file "$WORK/pin"
RC=$?
services_up
refused "the directory down" 3 "directory is not reachable" card1 "$BEFORE"

# ---- failures in the middle: rolled back ---------------------------------------
# rolled_back NAME LABEL CARD_ID BEFORE ISSUED: the run failed after it
# issued ISSUED certificates; everything it did must be undone.
rolled_back() {
  local name=$1 label=$2 id=$3 before=$4 issued=$5
  expect_eq "$name: exit 1 (rolled back)" 1 "$RC"
  expect_eq "$name: one error line" 1 "$(grep -c '^enroll-card: error: ' err)"
  expect_grep "$name: says it was rolled back" "rolled back: $issued certificate\(s\) revoked" err
  [ -n "${SHOW_ERRORS:-}" ] && grep '^enroll-card: error: ' err | sed 's/^/     /'
  expect_eq "$name: nothing on stdout" 0 "$(wc -c <out)"
  expect_eq "$name: the card's objects as before" "$(sed 's/.*card [^:]*: //' <<<"$before")" \
    "$(card_objects "$label") objects"
  expect_eq "$name: no valid certificate for the card" 0 \
    "$(sql "SELECT count(*) FROM certificates WHERE card_id = '$id' AND status = 'valid'")"
  expect_eq "$name: the $issued issued kept in the inventory, revoked (cessationOfOperation)" "$issued" \
    "$(sql "SELECT count(*) FROM certificates c JOIN revocations r USING (serial) WHERE c.card_id = '$id' AND r.reason = 'cessationOfOperation'")"
  expect_eq "$name: the directory without the card" 3 \
    "$("$DIRTOOL" show-card --card-id "$id" >/dev/null 2>&1; echo $?)"
  expect_eq "$name: the directory as before" "$(sed 's/.*directory: \([0-9]*\).*/\1/' <<<"$before")" \
    "$(dir_card_entries)"
  expect_eq "$name: no temporary folder (PIN file) left behind" "" "$(ls -A "$TMPDIR")"
}

# The database refuses the third certificate's row (a test-only trigger):
# onecard-ca undoes that one itself; enroll-card must undo the first two.
sql "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF NEW.label = 'maritime' THEN RAISE EXCEPTION 'refused by the test'; END IF;
     RETURN NEW; END \$\$;
     CREATE TRIGGER test_refuse BEFORE INSERT ON certificates FOR EACH ROW
     EXECUTE FUNCTION test_refuse();"
std_args "$CARD1_URI" "$AGENCIES"
attempt card1 "${ARGS[@]}" --pin-file "$WORK/pin"
rolled_back "the 3rd issuance fails" card1 "$CARD1_ID" "$BEFORE" 2
expect_grep "the 3rd issuance fails: names the step" "issuing the maritime certificate failed.*refused by the test" err
sql "DROP TRIGGER test_refuse ON certificates"

# The directory refuses at the last step, after all four were issued:
# the enterprise is registered under another name (checked only there).
CARD3_URI=$(new_card card3)
CARD3_ID=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$CARD3_URI")
std_args "$CARD3_URI" "$AGENCIES"
attempt card3 "${ARGS[@]/Example Trading Co/Another Name Ltd}" --pin-file "$WORK/pin"
rolled_back "the directory refuses the enrollment" card3 "$CARD3_ID" "$BEFORE" 4
expect_grep "the directory refuses: names the step" "the directory refused the enrollment" err

# Interrupted (SIGTERM) during the second issuance, which the database
# slows down: the step finishes, then everything is undone — the second
# certificate too, although the script had not recorded it yet.
sql "CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF NEW.label = 'inspection-quarantine' THEN PERFORM pg_sleep(2); END IF;
     RETURN NEW; END \$\$;
     CREATE TRIGGER test_slow BEFORE INSERT ON certificates FOR EACH ROW
     EXECUTE FUNCTION test_slow();"
CARD4_URI=$(new_card card4)
CARD4_ID=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$CARD4_URI")
std_args "$CARD4_URI" "$AGENCIES"
BEFORE=$(state card4)
"$ENROLL" --ca-home "$HOME_CA" --pass-file "$WORK/pass" "${ARGS[@]}" --pin-file "$WORK/pin" \
  >out 2>err &
pid=$!
for ((i = 0; i < 200; i++)); do
  grep -q 'issuing the inspection-quarantine' err && break
  sleep 0.05
done
sleep 0.5 # well inside the second issuance's two seconds
kill -TERM "$pid"
wait "$pid"
RC=$?
rolled_back "interrupted (SIGTERM)" card4 "$CARD4_ID" "$BEFORE" 2
expect_grep "interrupted: says so" "error: interrupted; rolled back" err
[ -n "${SHOW_ERRORS:-}" ] && sed 's/^/     stderr: /' err
sql "DROP TRIGGER test_slow ON certificates"

# ---- after a rollback the card can be enrolled ----------------------------------
std_args "$CARD1_URI" "$AGENCIES"
run_enroll out err "${ARGS[@]}" --pin-file "$WORK/pin"
RC=$?
expect_eq "card1 enrolled after its rollback: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "... 4 valid certificates for it" 4 \
  "$(sql "SELECT count(*) FROM certificates WHERE card_id = '$CARD1_ID' AND status = 'valid'")"
expect_eq "... and 12 objects on it (certificate, public and private key per agency)" 12 \
  "$(card_objects card1)"

# ---- revoke-card ------------------------------------------------------------------
# revoke_refused NAME PATTERN ARGS...: refused before anything changed.
revoke_refused() {
  local name=$1 pattern=$2 before rc
  shift 2
  before=$(sql "SELECT count(*) FILTER (WHERE status = 'valid') || ' ' || (SELECT count(*) FROM crls) FROM certificates")
  "$REVOKE" "$@" >out 2>err
  rc=$?
  expect_eq "revoke-card, $name: exit 3" 3 "$rc"
  expect_eq "revoke-card, $name: one error line" 1 "$(grep -c '^revoke-card: error: ' err)"
  expect_grep "revoke-card, $name: says why" "$pattern" err
  expect_eq "revoke-card, $name: nothing revoked, no CRL" "$before" \
    "$(sql "SELECT count(*) FILTER (WHERE status = 'valid') || ' ' || (SELECT count(*) FROM crls) FROM certificates")"
}
revoke_refused "an unknown card" "issued no certificate for card no-such-card" \
  --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card no-such-card --reason keyCompromise
revoke_refused "a reason onecard does not use" "--reason: not one of" \
  --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card "$CARD2_ID" --reason certificateHold
revoke_refused "a card id that is none" "--card: not a card id" \
  --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card 'a;b' --reason keyCompromise

# The directory is down: the revocation stands and the CRL is published;
# the error says the suspension is missing; a second run finishes it.
slapd_down
"$REVOKE" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card "$CARD2_ID" \
  --reason keyCompromise >out 2>err
RC=$?
services_up
expect_eq "revoke-card, directory down: exit 1" 1 "$RC"
expect_eq "revoke-card, directory down: one error line" 1 "$(grep -c '^revoke-card: error: ' err)"
expect_grep "revoke-card, directory down: says the certificates are revoked and the card not suspended" \
  "error: the certificates of card $CARD2_ID are revoked, but the directory did not suspend" err
[ -n "${SHOW_ERRORS:-}" ] && grep '^revoke-card: error: ' err | sed 's/^/     /'
expect_eq "revoke-card, directory down: the revocation stands" "revoked" \
  "$(sql "SELECT string_agg(DISTINCT status, ',') FROM certificates WHERE card_id = '$CARD2_ID'")"
expect_eq "revoke-card, directory down: prints the serial" \
  "$(sql "SELECT serial FROM certificates WHERE card_id = '$CARD2_ID'")" "$(cat out)"
cat "$HOME_CA/root.pem" "$HOME_CA/ca.pem" >bundle.pem
sql "SELECT encode(der, 'base64') FROM certificates WHERE card_id = '$CARD2_ID'" |
  { echo '-----BEGIN CERTIFICATE-----'; cat; echo '-----END CERTIFICATE-----'; } >card2.pem
openssl verify -crl_check -CAfile bundle.pem -CRLfile "$HOME_CA/crl.pem" card2.pem >verify.txt 2>&1
expect_grep "revoke-card, directory down: the CRL was published all the same" 'certificate revoked' verify.txt
expect_grep "revoke-card, directory down: the card is still active" '^card-status: active$' \
  <("$DIRTOOL" show-card --card-id "$CARD2_ID")
"$REVOKE" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card "$CARD2_ID" \
  --reason keyCompromise >out 2>err
expect_eq "revoke-card again: exit 0" 0 $?
expect_grep "revoke-card again: the card suspended now" '^card-status: suspended$' \
  <("$DIRTOOL" show-card --card-id "$CARD2_ID")

enroll_finish

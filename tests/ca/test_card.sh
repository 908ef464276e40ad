#!/usr/bin/env bash
# onecard-ca issue --card against a SoftHSM2 card (scripts/dev-services):
# the key is made on the card, the certificate written back beside it
# under the same CKA_ID, the card's serial recorded in the inventory; one
# card carries one certificate per agency. When the issuance fails after
# the key was made (here: the database refuses the row), the database is
# rolled back and the key is deleted from the card again.
#
#   test_card.sh ONECARD_CA DEV_SERVICES POLICY
. "$(dirname "$0")/lib.sh"
ca_setup "$1" "$2" "$3"

if [ "$PG_MODE" != dev ] || ! command -v p11tool >/dev/null; then
  echo "no scripts/dev-services or p11tool: no card to test with"
  ca_finish
  exit 0
fi

home=$WORK/ca
PIN=4711-test-pin
CASE="setup"
uri=$(ONECARD_PIN=$PIN "$DEV_SERVICES" card "$WORK/dev" card-one 2>/dev/null)
check "a blank SoftHSM card" test -n "$uri"
run_ca out err init --home "$home" --name "Card CA" --alg ec --pass-file "$PASS_FILE" \
  --policy "$POLICY"
expect_eq "init exit 0" 0 $?
(umask 077 && printf '%s\n' "$PIN" >pin)

# objects [TYPE]: the card's objects (all kinds, logged in) as "type label id" lines.
objects() {
  GNUTLS_PIN=$PIN p11tool --provider "$ONECARD_PKCS11_MODULE" --login --list-all "$uri" 2>/dev/null |
    awk '/Type:/ {t=$2} /Label:/ {l=$2} /ID:/ {print t, l, $2}' | sort
}

ISSUE=(issue --home "$home" --pass-file "$PASS_FILE" --card "$uri" --pin-file "$WORK/pin"
  --enterprise-name "Card Co" --uscc "$USCC_OK" --person-id p-7 --person-name "Wang Wu")

for profile in customs tax; do
  CASE="issue on the card: $profile"
  run_ca "$profile.pem" err "${ISSUE[@]}" --profile "$profile"
  if [ $? -eq 0 ]; then ok "exit 0"; else fail "exit 0: $(cat err)"; fi
  check "openssl verify" openssl verify -x509_strict -purpose sslclient \
    -CAfile "$home/root.pem" -untrusted "$home/ca.pem" "$profile.pem"
  openssl x509 -in "$profile.pem" -noout -text >leaf.txt
  expect_grep "a P-256 key made on the card" 'NIST CURVE: P-256' leaf.txt
  expect_grep "the agency in OU" "OU = $profile," leaf.txt
  serial=$(openssl x509 -in "$profile.pem" -noout -serial | cut -d= -f2)
  expect_eq "inventory: the card's serial" "$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$uri")" \
    "$(sql "SELECT card_id FROM certificates WHERE serial = '$serial'")"
  expect_eq "audit: source card" card \
    "$(sql "SELECT detail->>'source' FROM audit WHERE action = 'issue' AND serial = '$serial'")"
  objects >objects.txt
  expect_eq "certificate, public and private key under label $profile" 3 \
    "$(grep -c " $profile " objects.txt)"
  expect_eq "all three under one CKA_ID" 1 "$(grep " $profile " objects.txt | awk '{print $3}' | sort -u | wc -l)"
  GNUTLS_PIN=$PIN p11tool --provider "$ONECARD_PKCS11_MODULE" --export \
    "$uri;object=$profile;type=cert" >oncard.pem 2>/dev/null
  expect_eq "the card holds the certificate issued" \
    "$(openssl x509 -in "$profile.pem" -outform DER | sha256sum)" \
    "$(openssl x509 -in oncard.pem -outform DER | sha256sum)"
done
expect_eq "one card, two agency certificates" 6 "$(objects | wc -l)"

CASE="failure after the key was made: rolled back on both sides"
# A test-only trigger makes the database refuse the certificate row.
sql "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF NEW.label = 'refuse-me' THEN RAISE EXCEPTION 'refused by the test'; END IF;
     RETURN NEW; END \$\$;
     CREATE TRIGGER test_refuse BEFORE INSERT ON certificates FOR EACH ROW
     EXECUTE FUNCTION test_refuse();"
before_objects=$(objects)
before=$(snapshot "$home")
run_ca out err "${ISSUE[@]}" --profile maritime --label refuse-me
expect_eq "exit 7 (the database refused)" 7 $?
expect_grep "says why" 'refused by the test' err
expect_eq "nothing printed" 0 "$(wc -c <out)"
expect_eq "the card is as before (key deleted)" "$before_objects" "$(objects)"
expect_eq "the inventory is as before" "$before" "$(snapshot "$home")"
expect_eq "the failure is audited" 1 \
  "$(sql "SELECT count(*) FROM audit WHERE action = 'issue' AND result = 'database_unavailable' AND detail->>'source' = 'card'")"

CASE="wrong PIN"
(umask 077 && printf 'wrong-pin\n' >badpin)
before=$(snapshot "$home")
run_ca out err "${ISSUE[@]/$WORK\/pin/$WORK/badpin}" --profile border
expect_eq "exit 9" 9 $?
expect_grep "PIN incorrect" 'PIN incorrect' err
expect_eq "nothing printed" 0 "$(wc -c <out)"
expect_eq "the card is as before" "$before_objects" "$(objects)"
expect_eq "the inventory is as before" "$before" "$(snapshot "$home")"

CASE="wrong CA passphrase: the card is not touched"
(umask 077 && printf 'not the CA passphrase\n' >badpass)
run_ca out err "${ISSUE[@]/$PASS_FILE/$WORK/badpass}" --profile border
expect_eq "exit 8" 8 $?
expect_eq "the card is as before" "$before_objects" "$(objects)"

card_id=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$uri")

CASE="list --card-id"
run_ca list.txt err list --home "$home" --card-id "$card_id"
expect_eq "list --card-id exit 0" 0 $?
expect_eq "the card's two certificates" 2 "$(wc -l <list.txt)"
expect_eq "the card id column" "$card_id $card_id" "$(awk '{print $5}' list.txt | xargs)"
run_ca list.txt err list --home "$home" --card-id other-card
expect_eq "another card: nothing listed" "0 0" "$? $(wc -c <list.txt)"

CASE="revoke --card-id: all or nothing"
# A test-only trigger makes the database refuse the revocation of the
# tax certificate: the customs one must not be revoked either.
tax_serial=$(openssl x509 -in tax.pem -noout -serial | cut -d= -f2)
customs_serial=$(openssl x509 -in customs.pem -noout -serial | cut -d= -f2)
sql "CREATE FUNCTION test_refuse_rev() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF NEW.serial = '$tax_serial' THEN RAISE EXCEPTION 'revocation refused by the test';
     END IF; RETURN NEW; END \$\$;
     CREATE TRIGGER test_refuse_rev BEFORE INSERT ON revocations FOR EACH ROW
     EXECUTE FUNCTION test_refuse_rev();"
before=$(snapshot "$home")
run_ca out err revoke --home "$home" --card-id "$card_id" --reason keyCompromise
expect_eq "exit 7 (the database refused one)" 7 $?
expect_grep "says why" 'revocation refused by the test' err
expect_eq "nothing printed" 0 "$(wc -c <out)"
expect_eq "the inventory is as before (neither revoked)" "$before" "$(snapshot "$home")"
expect_eq "no revoke audited as ok" 0 \
  "$(sql "SELECT count(*) FROM audit WHERE action = 'revoke' AND result = 'ok'")"
expect_eq "the failure is audited with the card id" 1 \
  "$(sql "SELECT count(*) FROM audit WHERE action = 'revoke' AND result = 'database_unavailable' AND detail->>'card_id' = '$card_id'")"
sql "DROP TRIGGER test_refuse_rev ON revocations"

CASE="revoke --card-id"
run_ca out err revoke --home "$home" --card-id "$card_id" --reason keyCompromise
expect_eq "exit 0" 0 $?
expect_eq "prints both serials, oldest first" "$customs_serial $tax_serial" "$(xargs <out)"
expect_eq "both revoked, with the reason" "2" \
  "$(sql "SELECT count(*) FROM certificates c JOIN revocations r USING (serial) WHERE c.card_id = '$card_id' AND c.status = 'revoked' AND r.reason = 'keyCompromise'")"
expect_eq "one audit row per certificate, with the card id" 2 \
  "$(sql "SELECT count(*) FROM audit WHERE action = 'revoke' AND result = 'ok' AND detail->>'card_id' = '$card_id' AND serial IN ('$customs_serial', '$tax_serial')")"
run_ca list.txt err list --home "$home" --card-id "$card_id"
expect_eq "list shows both revoked" "revoked revoked" "$(awk '{print $3}' list.txt | xargs)"

CASE="revoke --card-id twice"
before=$(snapshot "$home")
run_ca out err revoke --home "$home" --card-id "$card_id" --reason superseded
expect_eq "exit 6" 6 $?
expect_grep "already revoked" 'certificate already revoked: every certificate of this card' err
expect_eq "one line on stderr" 1 "$(wc -l <err)"
expect_eq "nothing printed" 0 "$(wc -c <out)"
expect_eq "the inventory is as before (first reason kept)" "$before" "$(snapshot "$home")"

CASE="revoke --card-id: an unknown card"
run_ca out err revoke --home "$home" --card-id no-such-card --reason superseded
expect_eq "exit 5" 5 $?
expect_grep "not found" 'not found: no certificate of this CA was issued for this card' err
expect_eq "the inventory is as before" "$before" "$(snapshot "$home")"

CASE="usage"
run_ca out err "${ISSUE[@]}" --profile border --csr "$WORK/x.csr"
expect_eq "--csr and --card together: exit 2" 2 $?

ca_finish

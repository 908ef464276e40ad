#!/usr/bin/env bash
# scripts/enroll-card and scripts/revoke-card end to end (docs/enrollment.md):
# a blank SoftHSM card gets the customs, inspection-quarantine, maritime
# and border certificates; each is checked on the card (pkcs11-tool,
# onecard-card), by signing with its key (verified with openssl), by its
# chain (openssl verify and GnuTLS certtool) and in the directory
# (onecard-dir show-card against openssl's serial and SHA-256). Then the
# card is revoked: the CRL lists all four with the reason, openssl
# verify -crl_check refuses each leaf, the card is suspended, and a
# second revoke-card succeeds.
#
#   test_flow.sh BUILD_DIR SOURCE_DIR
. "$(dirname "$0")/lib.sh"
enroll_setup "$1" "$2"

# ---- enroll ------------------------------------------------------------------
std_args "$CARD1_URI" "$AGENCIES"
run_enroll out err "${ARGS[@]}" --pin-file "$WORK/pin"
RC=$?
expect_eq "enroll-card: exit 0" 0 "$RC"
if [ "$RC" -ne 0 ]; then
  sed 's/^/     stderr: /' err
  enroll_finish
  exit 1
fi
expect_eq "summary: the card id" "card $CARD1_ID" "$(sed -n 1p out)"
expect_eq "summary: the person" "person p-0001" "$(sed -n 2p out)"
expect_eq "summary: the enterprise" "enterprise $USCC_OK" "$(sed -n 3p out)"
expect_eq "summary: the four agencies, in order" "customs inspection-quarantine maritime border" \
  "$(sed -n '4,$p' out | awk '{print $1}' | xargs)"
expect_no_grep "no error line" '^enroll-card: error' err
expect_no_grep "no PIN in the output" "$PIN" err
expect_no_grep "no PIN in the summary" "$PIN" out
expect_eq "no temporary folder (PIN file) left behind" "" "$(ls -A "$TMPDIR")"

# ---- the card ----------------------------------------------------------------
"$CARD" list --card "$CARD1_URI" --login --pin-file "$WORK/pin" >card-list.txt 2>err
expect_eq "onecard-card list --login: exit 0" 0 $?
expect_eq "four certificates on the card" 4 "$(grep -c '^label: ' card-list.txt)"
expect_eq "each with its private key" 4 "$(grep -c '^key: present$' card-list.txt)"
P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label card1 --login \
  --pin env:P11PIN -O >p11.txt 2>/dev/null
expect_eq "pkcs11-tool -O: 4 certificates" 4 "$(grep -c '^Certificate Object' p11.txt)"
expect_eq "pkcs11-tool -O: 4 private keys" 4 "$(grep -c '^Private Key Object' p11.txt)"
expect_eq "pkcs11-tool -O: the private keys are never extractable" 4 \
  "$(grep -c 'Access:.*sensitive.*never extractable' p11.txt)"

"$CA" --home "$HOME_CA" chain >chain.pem 2>err
openssl x509 -in "$HOME_CA/root.pem" >root.pem
openssl x509 -in "$HOME_CA/ca.pem" >ca.pem
"$DIRTOOL" show-card --card-id "$CARD1_ID" >show.txt 2>err
expect_eq "onecard-dir show-card: exit 0" 0 $?
expect_grep "show-card: active" '^card-status: active$' show.txt
expect_grep "show-card: the holder" '^person: p-0001$' show.txt
expect_grep "show-card: the enterprise" "^enterprise: $USCC_OK\$" show.txt
expect_grep "show-card: four certificates" '^certificates: 4$' show.txt
printf 'onecard login challenge %s\n' "$(date +%s%N)" >msg

i=4
for agency in customs inspection-quarantine maritime border; do
  serial=$(sed -n "${i}p" out | awk '{print $2}')
  i=$((i + 1))
  # The certificate on the card, by its label.
  P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label card1 \
    --read-object --type cert --label "$agency" -o "$agency.der" >/dev/null 2>&1
  openssl x509 -inform DER -in "$agency.der" -out "$agency.pem" 2>/dev/null
  expect_eq "$agency: the card holds the certificate of the summary's serial" "serial=$serial" \
    "$(openssl x509 -in "$agency.pem" -noout -serial 2>/dev/null)"
  expect_grep "$agency: the agency in OU" "OU = $agency," <(openssl x509 -in "$agency.pem" -noout -subject)
  # Sign with its key; verify with the certificate's public key.
  "$CARD" sign --card "$CARD1_URI" --cert "$agency" --mech ecdsa --in msg \
    --pin-file "$WORK/pin" >"$agency.sig.b64" 2>err
  expect_eq "$agency: onecard-card sign --mech ecdsa: exit 0" 0 $?
  base64 -d "$agency.sig.b64" >"$agency.sig" 2>/dev/null
  openssl x509 -in "$agency.pem" -noout -pubkey >"$agency.pub"
  check "$agency: openssl dgst -sha256 -verify: the signature verifies" \
    openssl dgst -sha256 -verify "$agency.pub" -signature "$agency.sig" msg
  check_not "$agency: ... and not over another message" \
    openssl dgst -sha256 -verify "$agency.pub" -signature "$agency.sig" "$WORK/pass"
  # The chain, with two independent verifiers.
  check "$agency: openssl verify -CAfile root -untrusted ca" \
    openssl verify -x509_strict -purpose sslclient -CAfile root.pem -untrusted ca.pem "$agency.pem"
  cat "$agency.pem" ca.pem root.pem | certtool --verify-chain >"$agency.certtool" 2>&1
  expect_eq "$agency: certtool --verify-chain: exit 0" "0" "$?"
  expect_grep "$agency: certtool: Verified" 'Chain verification output: Verified' "$agency.certtool"
  # The directory: this agency, this serial, this SHA-256.
  want_serial=$(tr 'A-F' 'a-f' <<<"$serial" | sed 's/^0*//')
  want_sha=$(openssl x509 -in "$agency.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : |
    tr 'A-F' 'a-f')
  block=$(awk -v a="$agency" '/^agency: / {on = ($2 == a)} on' show.txt)
  expect_eq "$agency: show-card: the serial" "serial: $want_serial" "$(grep '^serial: ' <<<"$block")"
  expect_eq "$agency: show-card: the SHA-256 (openssl x509 -fingerprint -sha256)" \
    "sha256: $want_sha" "$(grep '^sha256: ' <<<"$block")"
  expect_eq "$agency: the inventory: valid, for this card" "valid $CARD1_ID" \
    "$(sql "SELECT status || ' ' || card_id FROM certificates WHERE serial = '$serial'")"
done
expect_eq "the inventory: 4 valid certificates for the card" 4 \
  "$(sql "SELECT count(*) FROM certificates WHERE card_id = '$CARD1_ID' AND status = 'valid'")"

# ---- revoke the card -----------------------------------------------------------
"$REVOKE" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card "$CARD1_ID" \
  --reason keyCompromise >revoked.txt 2>err
RC=$?
expect_eq "revoke-card: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "revoke-card prints the four serials" "$(sed -n '4,$p' out | awk '{print $2}' | sort | xargs)" \
  "$(sort revoked.txt | xargs)"
check "DIR/crl.pem published" test -s "$HOME_CA/crl.pem"
expect_eq "DIR/crl.pem is readable by all (a CRL is public)" 644 "$(stat -c %a "$HOME_CA/crl.pem")"
check "openssl crl -verify: signed by the card CA" \
  openssl crl -in "$HOME_CA/crl.pem" -noout -verify -CAfile ca.pem
openssl crl -in "$HOME_CA/crl.pem" -noout -text >crl.txt
cat root.pem ca.pem >bundle.pem
for agency in customs inspection-quarantine maritime border; do
  serial=$(openssl x509 -in "$agency.pem" -noout -serial | cut -d= -f2)
  expect_eq "$agency: on the CRL with reason Key Compromise" "Key Compromise" \
    "$(awk -v s="$serial" '/Serial Number:/ {on = ($3 == s)} on && /Key Compromise/ {print "Key Compromise"; exit}' crl.txt)"
  openssl verify -crl_check -CAfile bundle.pem -CRLfile "$HOME_CA/crl.pem" "$agency.pem" \
    >"$agency.verify" 2>&1
  expect_eq "$agency: openssl verify -crl_check fails" 2 "$?"
  expect_grep "$agency: ... as revoked" 'certificate revoked' "$agency.verify"
done
"$DIRTOOL" show-card --card-id "$CARD1_ID" >show2.txt 2>err
expect_grep "show-card: suspended" '^card-status: suspended$' show2.txt
expect_grep "show-card: the reason" '^card-suspended-reason: revoked: keyCompromise$' show2.txt
expect_eq "the inventory: all four revoked" "4 0" \
  "$(sql "SELECT count(*) FILTER (WHERE status = 'revoked') || ' ' || count(*) FILTER (WHERE status = 'valid') FROM certificates WHERE card_id = '$CARD1_ID'")"

crl_number() { openssl crl -in "$HOME_CA/crl.pem" -noout -crlnumber | cut -d= -f2 | sed "s/^0x//"; }
first_number=$(crl_number)
"$REVOKE" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --card "$CARD1_ID" \
  --reason keyCompromise >revoked2.txt 2>err
expect_eq "revoke-card again: exit 0 (idempotent)" 0 $?
expect_grep "... says it was revoked before" 'revoked before' err
expect_eq "... prints the same four serials" "$(sort revoked.txt | xargs)" "$(sort revoked2.txt | xargs)"
expect_eq "... the reasons kept" 4 \
  "$(sql "SELECT count(*) FROM revocations r JOIN certificates c USING (serial) WHERE c.card_id = '$CARD1_ID' AND r.reason = 'keyCompromise'")"
check "... a newer CRL" test "$(( 16#$(crl_number) ))" -gt "$(( 16#$first_number ))"
"$DIRTOOL" show-card --card-id "$CARD1_ID" >show3.txt 2>err
expect_grep "... still suspended" '^card-status: suspended$' show3.txt

enroll_finish

#!/usr/bin/env bash
# onecard-ca end to end against a real PostgreSQL: init (ec, rsa, sm2),
# chain, issue from EC P-256, RSA-2048 and SM2 requests under each of the
# five agency profiles, revoke, CRL, list, show; every certificate checked
# with OpenSSL and (ec, rsa) GnuTLS certtool, SM2 with the GM/T 0009 ID.
#
#   test_flow.sh ONECARD_CA DEV_SERVICES POLICY
. "$(dirname "$0")/lib.sh"
ca_setup "$1" "$2" "$3"

SM2_ID=distid:1234567812345678
OID_ARC=2.25.212070221869409038959537807226447327349
PROFILES=(customs inspection-quarantine maritime border tax)
# The agency policy OIDs of policies/onecard.conf, in profile order.
declare -A OID=([customs]=$OID_ARC.1 [inspection-quarantine]=$OID_ARC.2
  [maritime]=$OID_ARC.3 [border]=$OID_ARC.4 [tax]=$OID_ARC.5)

# ---- requests: one per key type, each with a subject the CA must ignore
CASE="requests"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
  -subj /CN=csr-subject-ignored -out ec.csr 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout rsa.key \
  -subj /CN=csr-subject-ignored -out rsa.csr 2>/dev/null
openssl genpkey -algorithm SM2 -out sm2.key 2>/dev/null
openssl req -new -key sm2.key -sm3 -sigopt "$SM2_ID" -subj /CN=csr-subject-ignored \
  -out sm2.csr 2>/dev/null
openssl req -in ec.csr -outform DER -out ec.der
check "three CSRs made" test -s ec.csr -a -s rsa.csr -a -s sm2.csr

# sm2_crl_verify CRL.pem CA.pem [plain]: checks an SM2 CRL's signature
# independently of onecard-ca: cut the TBSCertList and the signature out
# with asn1parse, verify with openssl dgst (with the GM/T ID unless plain).
sm2_crl_verify() {
  local crl=$1 ca=$2 mode=${3:-} info off hl l sigoff
  openssl crl -in "$crl" -outform DER -out crl.der || return 1
  info=$(openssl asn1parse -inform DER -in crl.der | sed -n 2p)
  off=$(sed -E 's/^ *([0-9]+):.*/\1/' <<<"$info")
  hl=$(sed -E 's/.*hl= *([0-9]+).*/\1/' <<<"$info")
  l=$(sed -E 's/.* l= *([0-9]+).*/\1/' <<<"$info")
  dd if=crl.der of=tbs.der bs=1 skip="$off" count=$((hl + l)) status=none || return 1
  sigoff=$(openssl asn1parse -inform DER -in crl.der | tail -n1 | sed -E 's/^ *([0-9]+):.*/\1/')
  openssl asn1parse -inform DER -in crl.der -strparse "$sigoff" -out sig.der -noout || return 1
  openssl x509 -in "$ca" -pubkey -noout >capub.pem || return 1
  if [ "$mode" = plain ]; then
    openssl dgst -sm3 -verify capub.pem -signature sig.der tbs.der
  else
    openssl dgst -sm3 -verify capub.pem -sigopt "$SM2_ID" -signature sig.der tbs.der
  fi
}

# check_ca_certs HOME ALG: the two CA certificates.
check_ca_certs() {
  local home=$1 alg=$2
  openssl x509 -in "$home/root.pem" -noout -text >root.txt
  openssl x509 -in "$home/ca.pem" -noout -text >ca.txt
  expect_grep "root: v3" 'Version: 3' root.txt
  expect_grep "root: basicConstraints critical" 'Basic Constraints: critical' root.txt
  expect_grep "root: CA:TRUE, no path length" '^ +CA:TRUE$' root.txt
  expect_grep "root: keyUsage critical" 'Key Usage: critical' root.txt
  expect_grep "root: keyCertSign+cRLSign only" '^ +Certificate Sign, CRL Sign$' root.txt
  expect_grep "root: SKI" 'Subject Key Identifier' root.txt
  expect_grep "root: self-signed subject" 'Subject: O = Test '"$alg"', CN = Test '"$alg"' Root CA' root.txt
  expect_grep "card CA: CA:TRUE, pathlen:0" 'CA:TRUE, pathlen:0' ca.txt
  expect_grep "card CA: keyCertSign+cRLSign only" '^ +Certificate Sign, CRL Sign$' ca.txt
  expect_grep "card CA: AKI" 'Authority Key Identifier' ca.txt
  expect_grep "card CA: SKI" 'Subject Key Identifier' ca.txt
  case $alg in
  ec)
    expect_grep "card CA: P-256 key" 'NIST CURVE: P-256' ca.txt
    expect_grep "card CA: ecdsa-with-SHA256" 'Signature Algorithm: ecdsa-with-SHA256' ca.txt ;;
  rsa)
    expect_grep "card CA: RSA 3072" 'Public-Key: \(3072 bit\)' ca.txt
    expect_grep "card CA: sha256WithRSAEncryption" 'Signature Algorithm: sha256WithRSAEncryption' ca.txt ;;
  sm2)
    expect_grep "card CA: SM2 curve" 'ASN1 OID: SM2' ca.txt
    expect_grep "card CA: SM2-with-SM3" 'Signature Algorithm: SM2-with-SM3' ca.txt ;;
  esac
  # 20 and 10 years.
  local nb na
  nb=$(openssl x509 -in "$home/root.pem" -noout -startdate | cut -d= -f2)
  na=$(openssl x509 -in "$home/root.pem" -noout -enddate | cut -d= -f2)
  expect_eq "root: valid 20 years" 7305 $((($(date -d "$na" +%s) - $(date -d "$nb" +%s) - 60) / 86400))
  nb=$(openssl x509 -in "$home/ca.pem" -noout -startdate | cut -d= -f2)
  na=$(openssl x509 -in "$home/ca.pem" -noout -enddate | cut -d= -f2)
  expect_eq "card CA: valid 10 years" 3653 $((($(date -d "$na" +%s) - $(date -d "$nb" +%s) - 60) / 86400))
}

# check_leaf LEAF ALG PROFILE KEY: one issued certificate.
check_leaf() {
  local leaf=$1 alg=$2 profile=$3 key=$4 home=$WORK/$2 serial ski aki
  openssl x509 -in "$leaf" -noout -text >leaf.txt
  expect_grep "v3" 'Version: 3' leaf.txt
  if grep -A1 'Basic Constraints: critical' leaf.txt | grep -q '^ *CA:FALSE$'; then
    ok "basicConstraints critical CA:FALSE"
  else
    fail "basicConstraints critical CA:FALSE"
  fi
  expect_no_grep "X1: never CA:TRUE" 'CA:TRUE' leaf.txt
  if grep -A1 'Key Usage: critical' leaf.txt | grep -q '^ *Digital Signature$'; then
    ok "keyUsage critical digitalSignature only"
  else
    fail "keyUsage critical digitalSignature only"
  fi
  expect_grep "EKU clientAuth" 'TLS Web Client Authentication' leaf.txt
  expect_grep "policy OID of the agency" "Policy: ${OID[$profile]}\$" leaf.txt
  expect_grep "SKI" 'Subject Key Identifier' leaf.txt
  ski=$(grep -A1 'Subject Key Identifier' ca.txt | tail -n1 | tr -d ' ')
  aki=$(grep -A1 'Authority Key Identifier' leaf.txt | tail -n1 | tr -d ' ' | sed 's/^keyid://')
  expect_eq "AKI = card CA SKI" "$ski" "$aki"
  expect_grep "subject from the profile" "OU = $profile, UID = p-001, CN = " leaf.txt
  expect_grep "USCC in organizationIdentifier" "organizationIdentifier = $USCC_OK" leaf.txt
  expect_no_grep "CSR subject ignored" 'csr-subject-ignored' leaf.txt
  serial=$(openssl x509 -in "$leaf" -noout -serial | cut -d= -f2)
  if [[ $serial =~ ^[4-7][0-9A-F]{31}$ ]]; then
    ok "X11: serial positive, 16 octets, never 0"
  else
    fail "X11: serial positive, 16 octets ($serial)"
  fi
  expect_no_grep "X9: no SHA-1/MD5 signature" '(sha1|SHA1|md5|MD5)With' leaf.txt
  case $alg in
  ec) expect_grep "signed ecdsa-with-SHA256" 'Signature Algorithm: ecdsa-with-SHA256' leaf.txt ;;
  rsa) expect_grep "signed sha256WithRSAEncryption" 'Signature Algorithm: sha256WithRSAEncryption' leaf.txt ;;
  sm2) expect_grep "signed SM2-with-SM3" 'Signature Algorithm: SM2-with-SM3' leaf.txt ;;
  esac
  case $key in
  ec) expect_grep "certifies the P-256 key" 'NIST CURVE: P-256' leaf.txt ;;
  rsa) expect_grep "certifies the RSA-2048 key" 'Public-Key: \(2048 bit\)' leaf.txt ;;
  sm2) expect_grep "certifies the SM2 key" 'ASN1 OID: SM2' leaf.txt ;;
  esac
  if [ "$alg" = sm2 ]; then
    # OpenSSL 3.0's verify applies -vfyopt to the target certificate
    # only, so an SM2 chain is checked link by link (docs/ca.md).
    check "openssl verify (distid) card CA -> leaf" \
      openssl verify -x509_strict -partial_chain -purpose sslclient -vfyopt "$SM2_ID" \
      -CAfile "$home/ca.pem" "$leaf"
    check_not "X14: plain openssl verify (no distid) rejects" \
      openssl verify -partial_chain -CAfile "$home/ca.pem" "$leaf"
    check_not "X14: plain openssl verify of the full chain rejects" \
      openssl verify -CAfile "$home/root.pem" -untrusted "$home/ca.pem" "$leaf"
  else
    check "openssl verify -x509_strict -purpose sslclient, explicit policy" \
      openssl verify -x509_strict -purpose sslclient -policy "${OID[$profile]}" -explicit_policy \
      -CAfile "$home/root.pem" -untrusted "$home/ca.pem" "$leaf"
    cat "$leaf" "$home/ca.pem" "$home/root.pem" >full.pem
    check "certtool --verify-chain" certtool --verify-chain --infile full.pem
  fi
  expect_eq "inventory: valid under $profile" "valid|$profile" \
    "$(sql "SELECT status || '|' || profile FROM certificates WHERE serial = '$serial'")"
}

for alg in ec rsa sm2; do
  home=$WORK/$alg
  CASE="init $alg"
  run_ca out err init --home "$home" --name "Test $alg" --alg "$alg" --pass-file "$PASS_FILE" \
    --policy "$POLICY"
  expect_eq "exit 0" 0 $?
  expect_eq "nothing on stdout" "" "$(cat out)"
  expect_eq "home is 0700" 700 "$(stat -c %a "$home")"
  expect_eq "keys are 0600" "600 600" "$(stat -c %a "$home/root.key") $(stat -c %a "$home/ca.key")"
  expect_grep "root key encrypted PKCS#8" 'BEGIN ENCRYPTED PRIVATE KEY' "$home/root.key"
  expect_grep "card CA key encrypted PKCS#8" 'BEGIN ENCRYPTED PRIVATE KEY' "$home/ca.key"
  check "openssl opens the key with the passphrase" \
    openssl pkey -in "$home/ca.key" -passin "file:$PASS_FILE" -noout
  check_not "openssl cannot open it without" \
    openssl pkey -in "$home/ca.key" -passin pass:wrong-passphrase -noout
  expect_grep "ca.conf records the policy" "^policy=$POLICY\$" "$home/ca.conf"
  expect_eq "two CA certificates in the inventory" 2 \
    "$(sql "SELECT count(*) FROM cas WHERE name = 'Test $alg'")"
  check_ca_certs "$home" "$alg"

  CASE="chain $alg"
  run_ca chain.pem err chain --home "$home"
  expect_eq "exit 0" 0 $?
  expect_eq "two certificates" 2 "$(grep -c 'BEGIN CERTIFICATE' chain.pem)"
  openssl x509 -in chain.pem -noout -subject >first.txt
  expect_grep "card CA first" 'Card CA' first.txt
  if [ "$alg" = sm2 ]; then
    check "openssl verify -vfyopt distid root -> card CA" \
      openssl verify -x509_strict -vfyopt "$SM2_ID" -CAfile "$home/root.pem" "$home/ca.pem"
    check_not "X14: plain openssl verify rejects the SM2 card CA" \
      openssl verify -CAfile "$home/root.pem" "$home/ca.pem"
  else
    check "openssl verify root -> card CA" \
      openssl verify -x509_strict -CAfile "$home/root.pem" "$home/ca.pem"
    check "certtool --verify-chain" certtool --verify-chain --infile chain.pem
  fi

  for profile in "${PROFILES[@]}"; do
    for key in ec rsa sm2; do
      CASE="issue $alg CA, $profile, $key key"
      run_ca "leaf-$alg-$profile-$key.pem" err issue --home "$home" --pass-file "$PASS_FILE" \
        --profile "$profile" --csr "$key.csr" --enterprise-name "厦门测试贸易有限公司" \
        --uscc "$USCC_OK" --person-id p-001 --person-name "张三 Zhang San" --label "card 7"
      if [ $? -eq 0 ]; then ok "exit 0"; else fail "exit 0: $(cat err)"; continue; fi
      check_leaf "leaf-$alg-$profile-$key.pem" "$alg" "$profile" "$key"
    done
  done

  CASE="issue $alg CA from a DER CSR"
  run_ca der-leaf.pem err issue --home "$home" --pass-file "$PASS_FILE" --profile customs \
    --csr ec.der --enterprise-name "DER Co" --uscc "$USCC_OK" --person-id p-001 --person-name "D"
  expect_eq "exit 0" 0 $?

  CASE="revoke and CRL, $alg CA"
  revoked=leaf-$alg-customs-ec.pem
  kept=leaf-$alg-tax-rsa.pem
  serial=$(openssl x509 -in "$revoked" -noout -serial | cut -d= -f2)
  run_ca out err revoke --home "$home" --serial "$serial" --reason keyCompromise
  expect_eq "revoke exit 0" 0 $?
  expect_eq "inventory: revoked" "revoked|keyCompromise" \
    "$(sql "SELECT c.status || '|' || r.reason FROM certificates c JOIN revocations r USING (serial) WHERE serial = '$serial'")"
  run_ca crl1.pem err crl --home "$home" --pass-file "$PASS_FILE"
  expect_eq "crl exit 0" 0 $?
  run_ca crl.pem err crl --home "$home" --pass-file "$PASS_FILE" --next-update-hours 24
  expect_eq "second crl exit 0" 0 $?
  openssl crl -in crl.pem -noout -text >crl.txt
  expect_grep "CRL v2" 'Version 2' crl.txt
  expect_grep "CRL number rises: 2" '^ +2$' crl.txt
  expect_eq "first CRL number 1" "crlNumber=0x01" "$(openssl crl -in crl1.pem -noout -crlnumber)"
  expect_grep "revoked serial listed" "Serial Number: $serial" crl.txt
  expect_grep "with its reason" 'Key Compromise' crl.txt
  expect_grep "CRL has AKI" 'Authority Key Identifier' crl.txt
  expect_grep "nextUpdate present" 'Next Update' crl.txt
  expect_eq "one revoked entry" 1 "$(grep -c 'Serial Number:' crl.txt)"
  expect_eq "CRLs stored" 2 "$(sql "SELECT count(*) FROM crls c JOIN cas a ON a.id = c.ca_id WHERE a.name = 'Test $alg'")"
  if [ "$alg" = sm2 ]; then
    expect_grep "CRL signed SM2-with-SM3" 'Signature Algorithm: SM2-with-SM3' crl.txt
    # openssl crl -verify has no -vfyopt in 3.0: checked with dgst.
    check "SM2 CRL signature verifies with the GM/T ID (openssl dgst)" \
      sm2_crl_verify crl.pem "$home/ca.pem"
    check_not "X14: ... and not without it" sm2_crl_verify crl.pem "$home/ca.pem" plain
  else
    check "openssl crl -verify" openssl crl -in crl.pem -noout -verify -CAfile "$home/ca.pem"
    cat "$home/root.pem" "$home/ca.pem" >bundle.pem
    openssl verify -crl_check -CAfile bundle.pem -CRLfile crl.pem "$revoked" >verify.txt 2>&1
    expect_grep "openssl verify -crl_check: revoked" 'certificate revoked' verify.txt
    check "openssl verify -crl_check: the other one is fine" \
      openssl verify -crl_check -CAfile bundle.pem -CRLfile crl.pem "$kept"
  fi

  CASE="list and show, $alg CA"
  run_ca list.txt err list --home "$home"
  expect_eq "list exit 0" 0 $?
  expect_eq "one line per certificate" 16 "$(wc -l <list.txt)"
  expect_grep "revoked one listed as revoked" "^$serial customs revoked " list.txt
  expect_eq "no card id for a CSR: '-' in the card column" "-" "$(awk '{print $5}' list.txt | sort -u)"
  run_ca show.txt err show --home "$home" --serial "$(echo "$serial" | sed 's/../&:/g; s/:$//')"
  expect_eq "show exit 0 (colon form)" 0 $?
  expect_grep "show: reason" '^reason: +keyCompromise' show.txt
  expect_grep "show: label" '^label: +card 7' show.txt
  sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' show.txt >shown.pem
  expect_eq "show: the same certificate" "$(openssl x509 -in "$revoked" -outform DER | sha256sum)" \
    "$(openssl x509 -in shown.pem -outform DER | sha256sum)"
done

CASE="audit"
expect_eq "init audited" 3 "$(sql "SELECT count(*) FROM audit WHERE action = 'init' AND result = 'ok'")"
expect_eq "every issue audited" 48 "$(sql "SELECT count(*) FROM audit WHERE action = 'issue' AND result = 'ok'")"
expect_eq "revokes audited" 3 "$(sql "SELECT count(*) FROM audit WHERE action = 'revoke' AND result = 'ok'")"
expect_eq "CRLs audited" 6 "$(sql "SELECT count(*) FROM audit WHERE action = 'crl' AND result = 'ok'")"
expect_eq "actor is the OS user" "$(id -un)" "$(sql "SELECT DISTINCT actor FROM audit")"
expect_eq "issue rows name the profile" 48 "$(sql "SELECT count(*) FROM audit WHERE action = 'issue' AND detail ? 'profile' AND detail ? 'sha256'")"
check_not "audit is append-only" sql "DELETE FROM audit"
check_not "certificates are never deleted" sql "DELETE FROM certificates"
check_not "a revoked certificate is not made valid again" \
  sql "UPDATE certificates SET status = 'valid' WHERE status = 'revoked'"

ca_finish

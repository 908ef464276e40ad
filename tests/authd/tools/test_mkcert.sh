#!/usr/bin/env bash
# mkcert: every crafted certificate and CRL checked with openssl (x509
# -text, verify, crl), independently of onecard's own code.
#
#   test_mkcert.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
tools_setup "$1"

OID_ARC=2.25.212070221869409038959537807226447327349
make_ca ca || { not_ok "a test CA"; tools_finish; exit 1; }
CA=(--ca-cert ca/ca.pem --ca-key ca/ca.key)

# cert NAME ARGS...: mkcert cert with a new key NAME.key into NAME.pem,
# its text in NAME.txt; passes if mkcert succeeds.
cert() {
  local name=$1
  shift
  if "$MKCERT" cert "${CA[@]}" --new-key "$name.key" --out "$name.pem" "$@" 2>"$name.err"; then
    openssl x509 -in "$name.pem" -noout -text >"$name.txt" 2>&1
    ok "$name: made"
  else
    not_ok "$name: made ($(cat "$name.err"))"
    : >"$name.txt"
  fi
}
# verify NAME [OPTS...]: openssl verify's output for NAME.pem under the CA.
verify() {
  local name=$1
  shift
  openssl verify -x509_strict "$@" -CAfile ca/ca.pem "$name.pem" >"$name.verify" 2>&1
}

# ---- the default: what onecard-ca makes for the customs profile --------------
cert good
verify good
expect_grep "good: openssl verify -x509_strict" 'good.pem: OK' good.verify
check "good: purpose sslclient" openssl verify -purpose sslclient -CAfile ca/ca.pem good.pem
expect_grep "good: onecard-ca's subject layout (agency in the first OU)" \
  'Subject: C = CN, organizationIdentifier = 91350100M000100Y43, O = Example Trading Co, OU = customs, UID = p-0001, CN = Zhang San' good.txt
expect_grep "good: v3" 'Version: 3' good.txt
expect_grep "good: P-256 key" 'NIST CURVE: P-256' good.txt
expect_grep "good: ecdsa-with-SHA256" 'Signature Algorithm: ecdsa-with-SHA256' good.txt
expect_grep "good: basicConstraints critical" 'Basic Constraints: critical' good.txt
expect_grep "good: CA:FALSE" '^ +CA:FALSE$' good.txt
expect_grep "good: keyUsage critical" 'Key Usage: critical' good.txt
expect_grep "good: digitalSignature only" '^ +Digital Signature$' good.txt
expect_grep "good: clientAuth" '^ +TLS Web Client Authentication$' good.txt
expect_grep "good: the customs policy OID" "Policy: $OID_ARC\\.1\$" good.txt
expect_grep "good: SKI" 'Subject Key Identifier' good.txt
ski_ca=$(openssl x509 -in ca/ca.pem -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' ')
aki=$(grep -A1 'Authority Key Identifier' good.txt | tail -n1 | tr -d ' ')
expect_eq "good: AKI is the CA's SKI" "$ski_ca" "$aki"
serial=$(openssl x509 -in good.pem -noout -serial | cut -d= -f2)
expect_eq "good: a 16-octet serial, as onecard-ca" 32 "${#serial}"
nb=$(date -d "$(openssl x509 -in good.pem -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in good.pem -noout -enddate | cut -d= -f2)" +%s)
now=$(date +%s)
expect_eq "good: notBefore is now - 60 s" 1 $((nb >= now - 70 && nb <= now - 50))
expect_eq "good: the profile's 730 days" 730 $(((na - nb - 60) / 86400))
check "good: the new key is the certificate's" \
  cmp <(openssl pkey -in good.key -pubout) <(openssl x509 -in good.pem -noout -pubkey)
expect_eq "good: key file mode 0600" 600 "$(stat -c %a good.key)"

cert tax --profile tax --uscc 91350100M000100Y43 --enterprise-name "厦门测试贸易有限公司" \
  --person-id p-0042 --person-name "张三" --serial 0A1B2C
expect_grep "tax: OU = tax" 'OU = tax, UID = p-0042' tax.txt
openssl x509 -in tax.pem -noout -subject -nameopt RFC2253,-esc_msb >tax.subject 2>&1
expect_grep "tax: UTF-8 names kept" 'O=厦门测试贸易有限公司' tax.subject
expect_grep "tax: UTF-8 person name" 'CN=张三' tax.subject
expect_grep "tax: the tax policy OID" "Policy: $OID_ARC\\.5\$" tax.txt
expect_eq "tax: the serial given" "serial=0A1B2C" "$(openssl x509 -in tax.pem -noout -serial)"

# ---- validity (X8) -----------------------------------------------------------
cert expired --not-before -30d --not-after -1d
verify expired
expect_grep "expired: openssl says expired" 'certificate has expired' expired.verify
cert future --not-before +1d --not-after +30d
verify future
expect_grep "not yet valid: openssl says so" 'certificate is not yet valid' future.verify

# ---- key usage and EKU (X3, X4) ------------------------------------------------
cert noeku --eku none
expect_no_grep "no EKU: no extendedKeyUsage" 'Extended Key Usage' noeku.txt
cert server --eku server-auth
expect_grep "serverAuth only" '^ +TLS Web Server Authentication$' server.txt
expect_no_grep "serverAuth only: no clientAuth" 'Client Authentication' server.txt
verify server -purpose sslclient
expect_grep "serverAuth only: refused for sslclient" 'unsuitable certificate purpose|unsupported certificate purpose' server.verify
cert anyeku --eku any
expect_grep "anyExtendedKeyUsage only" '^ +Any Extended Key Usage$' anyeku.txt
expect_no_grep "anyExtendedKeyUsage only: no clientAuth" 'Client Authentication' anyeku.txt
cert noku --ku none
expect_no_grep "no keyUsage" 'Key Usage: critical' noku.txt
cert kenc --ku key-encipherment
expect_grep "keyEncipherment only" '^ +Key Encipherment$' kenc.txt
expect_no_grep "keyEncipherment only: no digitalSignature" 'Digital Signature' kenc.txt

# ---- basicConstraints (X1) -----------------------------------------------------
cert leafca --ca-true
expect_grep "CA:TRUE leaf" '^ +CA:TRUE$' leafca.txt
cert nobc --no-basic-constraints
expect_no_grep "no basicConstraints" 'Basic Constraints' nobc.txt
verify nobc
expect_grep "no basicConstraints: openssl accepts it (onecard must not)" 'nobc.pem: OK' nobc.verify

# ---- unknown critical extension (X7) ---------------------------------------------
cert crit --unknown-critical
expect_grep "unknown critical extension present" "$OID_ARC\\.999\\.1: critical" crit.txt
verify crit
expect_grep "unknown critical: openssl refuses" 'unhandled critical extension' crit.verify

# ---- weak algorithms and keys (X9) -----------------------------------------------
cert sha1 --sha1
expect_grep "SHA-1 signature" 'Signature Algorithm: ecdsa-with-SHA1' sha1.txt
verify sha1 -auth_level 2
expect_grep "SHA-1: refused at auth level 2" 'too weak' sha1.verify
cert p384 --key-type ec-p384
expect_grep "P-384 key" 'NIST CURVE: P-384' p384.txt
cert rsa1024 --key-type rsa-1024
expect_grep "RSA-1024 key" 'Public-Key: \(1024 bit\)' rsa1024.txt
verify rsa1024 -auth_level 2
expect_grep "RSA-1024: refused at auth level 2" 'key too weak|too small' rsa1024.verify
cert rsa2048 --key-type rsa-2048
expect_grep "RSA-2048 key" 'Public-Key: \(2048 bit\)' rsa2048.txt
verify rsa2048
expect_grep "RSA-2048: verifies" 'rsa2048.pem: OK' rsa2048.verify
cert explicit --key-type ec-explicit
expect_grep "explicit-curve EC key" 'Field Type: prime-field' explicit.txt
expect_no_grep "explicit-curve EC key: no named curve" 'ASN1 OID: prime256v1' explicit.txt

# ---- serials (X11) -----------------------------------------------------------
cert zero --serial 0
expect_eq "serial 0" "serial=00" "$(openssl x509 -in zero.pem -noout -serial 2>&1)"
cert negative --serial -5
expect_grep "negative serial" 'Serial Number: -5|\(Negative\)' negative.txt
long=$(printf 'AB%.0s' $(seq 1 42))
cert long --serial "$long"
expect_eq "a 42-octet serial" "serial=$long" "$(openssl x509 -in long.pem -noout -serial 2>&1 | tr -d '\\\n')"

# ---- an existing key, a public key ------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out own.key 2>/dev/null
openssl pkey -in own.key -pubout -out own.pub
"$MKCERT" cert "${CA[@]}" --key own.pub --out own.pem 2>own.err
expect_eq "--key with a public key: exit 0" 0 $?
check "--key: the certificate holds that key" \
  cmp own.pub <(openssl x509 -in own.pem -noout -pubkey)
"$MKCERT" cert "${CA[@]}" --key own.key --out own2.pem 2>own.err
expect_eq "--key with a private key: exit 0" 0 $?

# ---- the CA key, encrypted as onecard-ca's ----------------------------------------
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca-enc.key --ca-pass-file ca/pass --new-key enc.key \
  --out enc.pem 2>enc.err
expect_eq "encrypted CA key with --ca-pass-file: exit 0" 0 $?
verify enc
expect_grep "encrypted CA key: the certificate verifies" 'enc.pem: OK' enc.verify
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca-enc.key --new-key enc2.key --out enc2.pem 2>err
expect_eq "encrypted CA key without a passphrase: exit 1" 1 $?
expect_grep "encrypted CA key without a passphrase: says so" 'give --ca-pass-file' err
check_not "encrypted CA key without a passphrase: no file" test -e enc2.pem
chmod 644 ca/pass
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca-enc.key --ca-pass-file ca/pass --new-key enc3.key \
  --out enc3.pem 2>err
expect_eq "pass file open to others: exit 1" 1 $?
chmod 600 ca/pass
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
  -out other.pem -days 30 -subj /CN=other 2>/dev/null
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key other.key --new-key x.key --out x.pem 2>err
expect_eq "a CA key that is not the certificate's: exit 1" 1 $?
expect_grep "a CA key that is not the certificate's: says so" 'is not the key of' err

# ---- CRLs (R4, R6, R7) -------------------------------------------------------
# crl NAME ARGS...: mkcert crl into NAME.crl, its text in NAME.crltxt.
crl() {
  local name=$1
  shift
  if "$MKCERT" crl "${CA[@]}" --out "$name.crl" "$@" 2>"$name.err"; then
    openssl crl -in "$name.crl" -noout -text >"$name.crltxt" 2>&1
    ok "crl $name: made"
  else
    not_ok "crl $name: made ($(cat "$name.err"))"
    : >"$name.crltxt"
  fi
}
# crl_verify CRL: openssl crl -verify's verdict (its exit status is 0 either way).
crl_verify() {
  openssl crl -in "$1" -noout -CAfile ca/ca.pem -verify 2>&1
}
# crl_check CERT CRL: openssl verify -crl_check output.
crl_check() {
  openssl verify -crl_check -CAfile ca/ca.pem -CRLfile "$2.crl" "$1.pem" >"$2.check" 2>&1
}
good_serial=$(openssl x509 -in good.pem -noout -serial | cut -d= -f2)
crl fresh
expect_eq "fresh CRL: openssl crl -verify" "verify OK" "$(crl_verify fresh.crl)"
expect_grep "fresh CRL: v2" 'Version 2' fresh.crltxt
expect_grep "fresh CRL: cRLNumber" "X509v3 CRL Number" fresh.crltxt
expect_grep "fresh CRL: AKI" 'Authority Key Identifier' fresh.crltxt
crl_check good fresh
expect_grep "fresh CRL: good certificate passes" 'good.pem: OK' fresh.check
crl revoked --revoke "$good_serial" --number 7
expect_grep "revoked CRL lists the serial" "Serial Number: $good_serial" revoked.crltxt
expect_grep "revoked CRL: number 7" '^ +7$' revoked.crltxt
crl_check good revoked
expect_grep "revoked: openssl says revoked" 'certificate revoked' revoked.check
crl stale --this-update -8d --next-update -1d
crl_check good stale
expect_grep "stale CRL (nextUpdate past): openssl says expired" 'CRL has expired' stale.check
crl nonext --this-update -30d --no-next-update
expect_grep "no nextUpdate" 'Next Update: NONE' nonext.crltxt
crl early --this-update +1d --next-update +8d
crl_check good early
expect_grep "thisUpdate in the future: openssl says not yet valid" 'CRL is not yet valid' early.check
"$MKCERT" key --out wrong.key 2>err
expect_eq "mkcert key: exit 0" 0 $?
crl wrong --sign-with wrong.key
expect_eq "CRL signed by a wrong key: openssl crl -verify fails" "verify failure" \
  "$(crl_verify wrong.crl)"
crl_check good wrong
expect_grep "CRL signed by a wrong key: openssl verify refuses" 'CRL signature failure' wrong.check
"$MKCERT" crl --ca-cert ca/ca.pem --ca-key ca/ca-enc.key --ca-pass-file ca/pass --out enc.crl 2>err
expect_eq "CRL with the encrypted CA key: exit 0" 0 $?
expect_eq "CRL with the encrypted CA key: verifies" "verify OK" "$(crl_verify enc.crl)"

# ---- usage and refusals -----------------------------------------------------------
usage() { # DESCRIPTION ARGS...
  local what=$1
  shift
  "$MKCERT" "$@" >out 2>err
  expect_eq "usage: $what: exit 2" 2 $?
}
usage "no command"
usage "unknown command" frobnicate
usage "cert without --out" cert "${CA[@]}" --new-key k1.key
usage "cert with --key and --new-key" cert "${CA[@]}" --key own.key --new-key k2.key --out k2.pem
usage "cert with a bad offset" cert "${CA[@]}" --new-key k3.key --out k3.pem --not-after 3x
usage "cert with --ca-true and --no-basic-constraints" cert "${CA[@]}" --new-key k4.key --out k4.pem \
  --ca-true --no-basic-constraints
usage "cert with an unknown --eku" cert "${CA[@]}" --new-key k9.key --out k9.pem --eku both
usage "cert with an unknown --ku" cert "${CA[@]}" --new-key k9.key --out k9.pem --ku sign
usage "crl with a bad serial" crl "${CA[@]}" --out z.crl --revoke xyz
usage "crl with --number 0" crl "${CA[@]}" --out z.crl --number 0
usage "an operand" cert "${CA[@]}" --new-key k5.key --out k5.pem extra
"$MKCERT" cert "${CA[@]}" --new-key k6.key --out good.pem 2>err
expect_eq "an existing output file: exit 1" 1 $?
expect_grep "an existing output file: says so" 'it exists' err
"$MKCERT" cert "${CA[@]}" --new-key k7.key --out k7.pem --profile nosuch 2>err
expect_eq "an unknown profile: exit 1" 1 $?
"$MKCERT" cert "${CA[@]}" --new-key k8.key --out k8.pem --key-type dsa 2>err
expect_eq "an unknown key type: exit 1" 1 $?
"$MKCERT" --help >out
expect_grep "--help lists the commands" '^mkcert crl ' out

tools_finish

#!/usr/bin/env bash
# onecard-ca refusals, each its own case: the exit status and the error
# it must give, one line on stderr, nothing on stdout, and the inventory
# and the CA home exactly as before. Plus the NEGATIVE-TESTS.md X-rows a
# CA answers for: a leaf is never a CA (X1), weak keys and digests are
# refused (X9), serials are positive (X11), SM2 needs its ID (X14).
#
#   test_negative.sh ONECARD_CA DEV_SERVICES POLICY
. "$(dirname "$0")/lib.sh"
ca_setup "$1" "$2" "$3"

home=$WORK/ca
SM2_ID=distid:1234567812345678
CASE="setup"
run_ca out err init --home "$home" --name "Negative" --alg ec --pass-file "$PASS_FILE" \
  --policy "$POLICY"
expect_eq "init exit 0" 0 $?

# refuse WANT_EXIT ERROR_PATTERN ARGS...: one refusal, nothing changed.
refuse() {
  local want=$1 pattern=$2 before after rc
  shift 2
  before=$(snapshot "$home")
  run_ca out err "$@"
  rc=$?
  expect_eq "exit status $want" "$want" "$rc"
  expect_grep "says: $pattern" "$pattern" err
  [ -n "${SHOW_ERRORS:-}" ] && echo "     stderr: $(cat err)"
  expect_eq "one line on stderr" 1 "$(wc -l <err)"
  expect_grep "line starts onecard-ca:" '^onecard-ca: ' err
  expect_no_grep "no passphrase in the error" 'correct horse|battery staple' err
  expect_eq "nothing on stdout" 0 "$(wc -c <out)"
  after=$(snapshot "$home")
  expect_eq "inventory and home unchanged" "$before" "$after"
}

# issue_with CSR [extra options...]: the common issue command line.
ISSUE=(issue --home "$home" --pass-file "$PASS_FILE" --profile customs
  --enterprise-name "Negative Co" --uscc "$USCC_OK" --person-id p-9 --person-name "N")

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
  -subj /CN=tamperme -out ec.csr 2>/dev/null
openssl req -in ec.csr -outform DER -out ec.der

CASE="malformed CSR"
printf 'this is not a certificate request\n' >junk.csr
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr junk.csr
printf -- '-----BEGIN CERTIFICATE REQUEST-----\nAAAA!!!!\n-----END CERTIFICATE REQUEST-----\n' >badpem.csr
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr badpem.csr
head -c 100 ec.der >truncated.der
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr truncated.der
cp ec.csr trailing.csr
printf 'trailing junk\n' >>trailing.csr
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr trailing.csr
openssl x509 -in "$home/root.pem" >cert-not-csr.pem
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr cert-not-csr.pem
: >empty.csr
refuse 3 'certificate request invalid' "${ISSUE[@]}" --csr empty.csr
head -c 70000 /dev/zero | tr '\0' A >huge.csr
refuse 3 'larger than allowed' "${ISSUE[@]}" --csr huge.csr
refuse 1 'input/output error' "${ISSUE[@]}" --csr "$WORK/no-such.csr"

CASE="CSR with a bad signature"
cp ec.der sig-tampered.der
size=$(stat -c %s sig-tampered.der)
last=$(tail -c1 sig-tampered.der | od -An -tu1 | tr -d ' ')
printf "\\x$(printf %02x $((last ^ 1)))" | dd of=sig-tampered.der bs=1 seek=$((size - 1)) conv=notrunc status=none
refuse 3 'certificate request invalid.*signature does not verify' "${ISSUE[@]}" --csr sig-tampered.der
perl -0777 -pe 's/tamperme/tampermx/' ec.der >body-tampered.der
refuse 3 'certificate request invalid.*signature does not verify' "${ISSUE[@]}" --csr body-tampered.der

CASE="X9: RSA-1024 CSR"
openssl req -new -newkey rsa:1024 -nodes -keyout rsa1024.key -subj /CN=x -out rsa1024.csr 2>/dev/null
refuse 4 'key type not allowed.*shorter than 2048' "${ISSUE[@]}" --csr rsa1024.csr

CASE="X9: RSA with e = 3"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 \
  -out rsa-e3.key 2>/dev/null
openssl req -new -key rsa-e3.key -subj /CN=x -out rsa-e3.csr
refuse 4 'key type not allowed.*exponent' "${ISSUE[@]}" --csr rsa-e3.csr

CASE="X9: P-384 CSR (not in any profile)"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout p384.key \
  -subj /CN=x -out p384.csr 2>/dev/null
refuse 4 'key type not allowed.*other than P-256' "${ISSUE[@]}" --csr p384.csr

CASE="X9: DSA CSR"
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.param 2>/dev/null
openssl genpkey -paramfile dsa.param -out dsa.key 2>/dev/null
openssl req -new -key dsa.key -sha256 -subj /CN=x -out dsa.csr
refuse 4 'key type not allowed' "${ISSUE[@]}" --csr dsa.csr

CASE="X9: Ed25519 CSR"
openssl genpkey -algorithm ED25519 -out ed.key
openssl req -new -key ed.key -subj /CN=x -out ed.csr
refuse 4 'key type not allowed' "${ISSUE[@]}" --csr ed.csr

CASE="X9: P-256 with explicit curve parameters"
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out explicit.key
openssl req -new -key explicit.key -subj /CN=x -out explicit.csr
refuse 4 'key type not allowed.*explicit' "${ISSUE[@]}" --csr explicit.csr

CASE="X9: CSR signed with SHA-1"
openssl req -new -key ec.key -sha1 -subj /CN=x -out sha1.csr
refuse 3 'certificate request invalid.*weak digest' "${ISSUE[@]}" --csr sha1.csr

CASE="X14: SM2 CSR signed without the GM/T 0009 ID"
openssl genpkey -algorithm SM2 -out sm2.key
openssl req -new -key sm2.key -sm3 -subj /CN=x -out sm2-noid.csr
refuse 3 'certificate request invalid.*signature does not verify' "${ISSUE[@]}" --csr sm2-noid.csr

CASE="unknown profile"
refuse 4 'unknown certificate profile' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile no-such-agency --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p \
  --person-name N

CASE="bad USCC"
for bad in 91350100M000100Y44 91350100m000100y43 91350100M000100Y4 91350100I000100Y43 \
  91350100M000100Y431 '9135 100M000100Y43'; do
  refuse 3 'invalid argument: USCC' issue --home "$home" --pass-file "$PASS_FILE" \
    --profile customs --csr ec.csr --enterprise-name E --uscc "$bad" --person-id p --person-name N
done

CASE="bad names and ids"
refuse 3 'invalid argument: person id' "${ISSUE[@]/p-9/p 9}" --csr ec.csr
refuse 3 'invalid argument: the enterprise name' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile customs --csr ec.csr --enterprise-name '' --uscc "$USCC_OK" --person-id p --person-name N
refuse 3 'invalid argument: the person name' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile customs --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p \
  --person-name $'\xff\xfe'
refuse 3 'invalid argument: the person name' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile customs --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p \
  --person-name $'line\nbreak'
refuse 3 'invalid argument: the enterprise name' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile customs --csr ec.csr --enterprise-name "$(printf 'x%.0s' {1..129})" --uscc "$USCC_OK" \
  --person-id p --person-name N
# 100 bytes of UTF-8 fit the 128-byte limit but not CN's 64 characters.
refuse 3 'invalid argument.*does not fit' issue --home "$home" --pass-file "$PASS_FILE" \
  --profile customs --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p \
  --person-name "$(printf 'y%.0s' {1..100})"

CASE="wrong CA passphrase"
(umask 077 && printf 'not the passphrase at all\n' >wrong.pass)
refuse 8 'passphrase wrong or missing.*does not open' "${ISSUE[@]/$PASS_FILE/$WORK/wrong.pass}" --csr ec.csr
refuse 8 'passphrase wrong or missing' crl --home "$home" --pass-file wrong.pass

CASE="missing passphrase"
refuse 8 'passphrase wrong or missing.*no passphrase' issue --home "$home" --profile customs \
  --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p --person-name N
(umask 077 && printf 'short\n' >short.pass)
refuse 8 'shorter than 12' "${ISSUE[@]/$PASS_FILE/$WORK/short.pass}" --csr ec.csr
refuse 8 'shorter than 12' env ONECARD_CA_PASS=short -- "${ISSUE[@]/--pass-file/--label}" --csr ec.csr
cp "$PASS_FILE" open.pass
chmod 644 open.pass
refuse 8 'open to group or others' "${ISSUE[@]/$PASS_FILE/$WORK/open.pass}" --csr ec.csr

CASE="passphrase from the environment works"
run_ca env-leaf.pem err env ONECARD_CA_PASS="$(cat "$PASS_FILE")" -- issue --home "$home" \
  --profile customs --csr ec.csr --enterprise-name E --uscc "$USCC_OK" --person-id p --person-name N
expect_eq "exit 0" 0 $?
check "a certificate" openssl x509 -in env-leaf.pem -noout

CASE="init into an existing CA home"
refuse 6 'already exists.*already holds a CA' init --home "$home" --name Again --alg ec \
  --pass-file "$PASS_FILE"
mkdir notempty
touch notempty/file
before=$(ls -la notempty)
run_ca out err init --home notempty --name X --pass-file "$PASS_FILE"
expect_eq "non-empty directory: exit 6" 6 $?
expect_eq "non-empty directory untouched" "$before" "$(ls -la notempty)"
run_ca out err init --home "$WORK/nopass" --name X
expect_eq "init without passphrase: exit 8" 8 $?
check_not "init without passphrase leaves no directory" test -e "$WORK/nopass"
run_ca out err init --home "$WORK/badalg" --name X --alg dsa --pass-file "$PASS_FILE"
expect_eq "init --alg dsa: usage, exit 2" 2 $?

CASE="revoke"
run_ca leaf.pem err "${ISSUE[@]}" --csr ec.csr
expect_eq "issue exit 0" 0 $?
serial=$(openssl x509 -in leaf.pem -noout -serial | cut -d= -f2)
run_ca out err revoke --home "$home" --serial "$serial" --reason cessationOfOperation
expect_eq "first revoke exit 0" 0 $?
CASE="revoking twice"
refuse 6 'certificate already revoked' revoke --home "$home" --serial "$serial" --reason keyCompromise
expect_eq "reason kept from the first revoke" cessationOfOperation \
  "$(sql "SELECT reason FROM revocations WHERE serial = '$serial'")"
CASE="unknown serial"
refuse 5 'not found' revoke --home "$home" --serial 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF --reason keyCompromise
refuse 5 'not found' show --home "$home" --serial 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
CASE="profiles"
run_ca out err profiles --home "$home"
expect_eq "profiles exit 0" 0 $?
expect_eq "one line per profile" 5 "$(wc -l <out)"
expect_grep "profile agency key types" '^customs customs ec-p256,rsa-2048,rsa-3072,sm2$' out
printf 'agencies = ();\n' >broken.conf
refuse 4 'policy.*broken.conf:1' profiles --home "$home" --policy broken.conf

CASE="unknown card id"
refuse 5 'not found: no certificate of this CA was issued for this card' \
  revoke --home "$home" --card-id no-such-card --reason cessationOfOperation
CASE="a card id that is no card id"
refuse 3 'invalid argument: card id' revoke --home "$home" --card-id "$(printf 'c%.0s' {1..65})" \
  --reason superseded
refuse 3 'invalid argument: card id' revoke --home "$home" --card-id "$(printf 'a\tb')" \
  --reason superseded
refuse 3 'invalid argument: card id' list --home "$home" --card-id "$(printf 'c%.0s' {1..65})"
refuse 3 'invalid argument.*unknown reason' revoke --home "$home" --card-id no-such-card \
  --reason KeyCompromise

CASE="bad serial and reason"
refuse 3 'invalid argument: serial' revoke --home "$home" --serial xyz --reason keyCompromise
refuse 3 'invalid argument: serial' revoke --home "$home" --serial 00 --reason keyCompromise
refuse 3 'invalid argument: serial' revoke --home "$home" --serial "$(printf 'A%.0s' {1..42})" --reason keyCompromise
refuse 3 'invalid argument.*not used' revoke --home "$home" --serial "$serial" --reason cACompromise
refuse 3 'invalid argument.*not used' revoke --home "$home" --serial "$serial" --reason certificateHold
refuse 3 'invalid argument.*unknown reason' revoke --home "$home" --serial "$serial" --reason KeyCompromise

CASE="usage errors"
refuse 2 'missing --profile' issue --home "$home" --csr ec.csr
refuse 2 'missing --home' issue --profile customs --csr ec.csr --enterprise-name E --uscc "$USCC_OK" \
  --person-id p --person-name N
refuse 2 "unknown option '--bogus'" "${ISSUE[@]}" --csr ec.csr --bogus=secret-value
expect_no_grep "option value not echoed" 'secret-value' err
refuse 2 'unknown command' frobnicate --home "$home"
refuse 2 'unexpected argument' list --home "$home" extra
refuse 2 'not both' revoke --home "$home" --serial "$serial" --card-id c1 --reason superseded
refuse 2 'missing --serial HEX or --card-id ID' revoke --home "$home" --reason superseded
refuse 2 'missing --reason' revoke --home "$home" --card-id c1
refuse 2 'next-update-hours' crl --home "$home" --next-update-hours 0
refuse 2 'next-update-hours' crl --home "$home" --next-update-hours -5
refuse 2 'no database' env -u ONECARD_PG -- list --home "$home"
refuse 5 'holds no CA' list --home "$WORK/notempty"

CASE="X1: a CSR asking to be a CA"
openssl req -new -key ec.key -subj /CN=x -addext 'basicConstraints=critical,CA:TRUE' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign' -out ca-wannabe.csr
run_ca wannabe.pem err "${ISSUE[@]}" --csr ca-wannabe.csr
expect_eq "issued (CSR extensions are ignored)" 0 $?
openssl x509 -in wannabe.pem -noout -text >wannabe.txt
expect_no_grep "never CA:TRUE" 'CA:TRUE' wannabe.txt
expect_no_grep "never keyCertSign" 'Certificate Sign' wannabe.txt
# A certificate signed with the leaf's key must not verify.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout sub.key -subj /CN=sub \
  -out sub.csr 2>/dev/null
openssl x509 -req -in sub.csr -CA wannabe.pem -CAkey ec.key -days 1 -out sub.pem 2>/dev/null
cat "$home/root.pem" >root-only.pem
check_not "a leaf cannot act as a CA (openssl verify)" \
  openssl verify -CAfile root-only.pem -untrusted "$home/ca.pem" -untrusted wannabe.pem sub.pem

CASE="X1/X9/X11 on every certificate in the inventory"
n=0
bad=0
while read -r s; do
  run_ca one.txt err show --home "$home" --serial "$s" || { bad=$((bad + 1)); continue; }
  sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' one.txt | openssl x509 -noout -text >one-text.txt
  grep -q 'CA:TRUE' one-text.txt && bad=$((bad + 1))
  grep -Eq '(sha1|md5)With' one-text.txt && bad=$((bad + 1))
  [[ $s =~ ^[4-7][0-9A-F]{31}$ ]] || bad=$((bad + 1))
  n=$((n + 1))
done < <(sql 'SELECT serial FROM certificates')
expect_eq "checked all $n, none is a CA, SHA-1 signed, or has a bad serial" 0 "$bad"

CASE="failures are audited"
for result in bad_csr too_large io_error key_forbidden unknown_profile invalid_argument \
  bad_passphrase already_exists already_revoked not_found; do
  count=$(sql "SELECT count(*) FROM audit WHERE result = '$result'")
  if [ "$count" -gt 0 ]; then ok "$result audited ($count)"; else fail "$result audited"; fi
done
expect_eq "failed issues name the CSR they refused" 0 \
  "$(sql "SELECT count(*) FROM audit WHERE action = 'issue' AND result = 'bad_csr' AND NOT detail ? 'request_sha256' AND detail->>'detail' NOT LIKE '%empty%'")"
expect_no_grep "no passphrase in the audit trail" 'correct horse' <(sql "SELECT detail::text FROM audit")

ca_finish

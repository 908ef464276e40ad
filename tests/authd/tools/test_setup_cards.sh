#!/usr/bin/env bash
# bench/login/setup-cards.sh on the "services" fixture (run through
# tests/services/fixture.sh exec, so ONECARD_PG and ONECARD_LDAP_* are
# set): a new CA home, three cards of two agencies; every certificate
# checked with openssl against the anchor and the CRL, every card found
# in the directory; then mkcert on the real (encrypted) CA key. (The login
# benchmark on cards setup-cards.sh made runs against the real authd in
# test_bench_login.sh.)
#
#   test_setup_cards.sh BUILD_DIR SOURCE_DIR
. "$(dirname "$0")/lib.sh"
tools_setup "$1"
SRC=$(cd "$2" && pwd)
SETUP=$SRC/bench/login/setup-cards.sh
DIRTOOL=$BUILD/directory/onecard-dir
export ONECARD_BIN_DIR=$BUILD
for v in ONECARD_PG ONECARD_LDAP_URI; do
  [ -n "${!v:-}" ] || { not_ok "$v set by the services fixture"; tools_finish; exit 1; }
done

printf 'correct horse battery staple\n' >pass
chmod 600 pass
AGENCIES=customs,tax
export ONECARD_BENCH_PREFIX=tools-$$-$RANDOM
"$SETUP" "$WORK/ca" "$WORK/pass" "$WORK/out" 3 "$AGENCIES" >setup.out 2>setup.err
rc=$?
expect_eq "setup-cards: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || cat setup.err
expect_grep "setup-cards: prints setup.env" "^CARDS='$WORK/out/cards.txt'\$" setup.out
# shellcheck disable=SC1091
. out/setup.env
expect_eq "setup.env: the prefix" "$ONECARD_BENCH_PREFIX" "$PREFIX"
expect_eq "setup.env: two policy OIDs" 2 "$(tr ',' '\n' <<<"$POLICY_OIDS" | grep -c '^2\.25\.')"
expect_eq "cards.txt: three cards" 3 "$(wc -l <out/cards.txt)"
expect_eq "cards.txt: two proofs per card" "2 2 2" "$(awk '{printf "%s%s", (NR > 1 ? " " : ""), NF}' out/cards.txt)"
check "anchors.pem is the card-issuing CA" cmp out/anchors.pem \
  <(openssl x509 -in ca/ca.pem)
expect_eq "chain.pem: card CA and root" 2 "$(grep -c 'BEGIN CERTIFICATE' out/chain.pem)"
check "the CRL verifies with the anchor" \
  bash -c "openssl crl -in out/crl/card-ca.crl.pem -noout -CAfile out/anchors.pem -verify 2>&1 | grep -qx 'verify OK'"

sed -n '/-----END CERTIFICATE-----/,$p' out/chain.pem | sed 1d >root.pem
for ((i = 1; i <= 3; i++)); do
  id=$(printf '%s-%04d' "$PREFIX" "$i")
  for a in customs tax; do
    cert=out/cards/$id/$a.pem
    key=out/cards/$id/$a.key
    check "card $i $a: openssl verify (anchor, CRL, x509_strict)" \
      openssl verify -x509_strict -partial_chain -CAfile out/anchors.pem -crl_check \
      -CRLfile out/crl/card-ca.crl.pem "$cert"
    check "card $i $a: openssl verify up to the root" \
      openssl verify -x509_strict -CAfile root.pem -untrusted out/anchors.pem "$cert"
    check "card $i $a: the key is the certificate's" \
      cmp <(openssl pkey -in "$key" -pubout) <(openssl x509 -in "$cert" -noout -pubkey)
    expect_eq "card $i $a: key mode 0600" 600 "$(stat -c %a "$key")"
    openssl x509 -in "$cert" -noout -subject -nameopt RFC2253 >subject
    expect_grep "card $i $a: OU is the agency, UID the person" \
      "OU=$a,.*O=onecard bench $PREFIX|UID=$PREFIX-p000$i,OU=$a" subject
    serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
    issuer=$(openssl x509 -in "$cert" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
    "$DIRTOOL" find-cert --issuer "$issuer" --serial "$serial" >found 2>err
    expect_eq "card $i $a: onecard-dir find-cert finds it" 0 $?
    expect_grep "card $i $a: on card $id" "^card: $id\$" found
    expect_grep "card $i $a: login allowed" '^login-allowed: yes$' found
  done
  "$DIRTOOL" show-card --card-id "$id" >shown 2>err
  expect_eq "card $i: onecard-dir show-card" 0 $?
  expect_eq "card $i: two certificates" "certificates: 2" "$(grep '^certificates:' shown)"
  expect_grep "card $i: holder" "^person: $PREFIX-p000$i\$" shown
done

# mkcert with the real CA home's encrypted key and pass file.
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca.key --ca-pass-file pass --new-key crafted.key \
  --out crafted.pem --not-after -1d --person-id "$PREFIX-p0001" --uscc "$USCC" \
  --enterprise-name "onecard bench $PREFIX" --person-name "Bench Person 1" 2>err
expect_eq "mkcert with onecard-ca's encrypted key: exit 0" 0 $?
openssl verify -partial_chain -CAfile out/anchors.pem crafted.pem >verify.out 2>&1
expect_grep "mkcert's expired certificate: openssl says expired" 'certificate has expired' verify.out
expect_eq "mkcert's certificate: the very subject onecard-ca gives the same values" \
  "$(openssl x509 -in "out/cards/$PREFIX-0001/customs.pem" -noout -subject)" \
  "$(openssl x509 -in crafted.pem -noout -subject)"
check "mkcert's certificate: the same subject DER as onecard-ca's" cmp \
  <(openssl x509 -in crafted.pem -noout -subject -nameopt RFC2253,dump_der,dump_all) \
  <(openssl x509 -in "out/cards/$PREFIX-0001/customs.pem" -noout -subject -nameopt RFC2253,dump_der,dump_all)

# Refusals: usage, a non-empty OUT_DIR, an unknown agency.
"$SETUP" "$WORK/ca" "$WORK/pass" "$WORK/out2" 0 customs >/dev/null 2>err
expect_eq "COUNT 0: usage" 2 $?
"$SETUP" "$WORK/ca" "$WORK/pass" "$WORK/out2" 1 "Customs" >/dev/null 2>err
expect_eq "a bad agency id: usage" 2 $?
"$SETUP" "$WORK/ca" "$WORK/pass" "$WORK/out" 1 customs >/dev/null 2>err
expect_eq "a non-empty OUT_DIR: exit 1" 1 $?
expect_grep "a non-empty OUT_DIR: says so" 'not empty' err
ONECARD_BENCH_PREFIX=$PREFIX-x "$SETUP" "$WORK/ca" "$WORK/pass" "$WORK/out3" 1 nosuch >/dev/null 2>err
expect_eq "an agency without a profile: exit 1" 1 $?
expect_grep "an agency without a profile: says so" 'not a profile' err

tools_finish

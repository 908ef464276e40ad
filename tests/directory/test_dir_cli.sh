#!/usr/bin/env bash
# onecard-dir end to end against the fixture's slapd, with throwaway
# certificates made here by the openssl command and ldapsearch as the
# independent checker of what is in the directory.
#
#   fixture.sh exec BUILD test_dir_cli.sh PATH/TO/onecard-dir
#
# Covers: ping; enroll of four agency certificates (PEM and DER); show-card;
# find-cert for each (and hostile values matching nothing); suspend and
# activate of card, person and enterprise; refusals (card taken, person of
# another enterprise, certificate without OU, subject UID not --person)
# leaving the directory unchanged; connection options and the password
# file rules; exit codes; one-line errors that never show the password.
set -euo pipefail

bin=${1:?usage: test_dir_cli.sh ONECARD_DIR}
: "${ONECARD_LDAP_URI:?run under tests/services/fixture.sh exec}"
export LDAPNOINIT=1

dir=$(mktemp -d "${TMPDIR:-/tmp}/onecard-dircli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
password=$(cat "$ONECARD_LDAP_BIND_PW_FILE")
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
checks=0

fail() {
  echo "FAIL: $*" >&2
  [ -s "$dir/err" ] && sed 's/^/  stderr: /' "$dir/err" >&2
  [ -s "$dir/out" ] && sed 's/^/  stdout: /' "$dir/out" >&2
  exit 1
}
pass() { checks=$((checks + 1)); }

# run EXIT ARGS...: runs onecard-dir, output in $dir/out and $dir/err.
run() {
  local want=$1 got
  shift
  set +e
  "$bin" "$@" >"$dir/out" 2>"$dir/err"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "exit $got, want $want: onecard-dir $*"
  # Errors are one line each, prefixed, and never show the password.
  if [ -s "$dir/err" ]; then
    grep -qv '^onecard-dir: ' "$dir/err" && fail "stray stderr line: $*"
    [ "$(wc -l <"$dir/err")" -le 1 ] || fail "more than one error line: $*"
  fi
  grep -qF -e "$password" "$dir/err" "$dir/out" && fail "the password was printed: $*"
  pass
}

# field NAME: the value of "NAME: value" in $dir/out.
field() { sed -n "s/^$1: //p" "$dir/out" | head -n1; }

# count BASE: entries at and under BASE, by ldapsearch.
count() {
  local n
  n=$(ldapsearch -LLL -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" \
    -y "$ONECARD_LDAP_BIND_PW_FILE" -b "$1" -s sub '(objectClass=*)' 1.1 2>/dev/null |
    grep -c '^dn:') || true
  printf '%s' "${n:-0}"
}
cards="ou=cards,$ONECARD_LDAP_BASE"

# uscc: a random USCC with its GB 32100 check character.
uscc() {
  local chars=0123456789ABCDEFGHJKLMNPQRTUWXY s=91 i sum=0 w=1 v rest check r
  for ((i = 0; i < 15; i++)); do
    r=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
    s+=${chars:$((r % 31)):1}
  done
  for ((i = 0; i < 17; i++)); do
    rest=${chars%%"${s:i:1}"*}
    v=${#rest}
    sum=$((sum + v * w))
    w=$((w * 3 % 31))
  done
  check=$(((31 - sum % 31) % 31))
  printf '%s%s' "$s" "${chars:check:1}"
}

# ---- certificates: a test CA, four agency certificates, and misfits ------

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -utf8 \
  -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
  -subj "/C=CN/O=onecard test/CN=CLI Test CA (上海) *" 2>/dev/null
serial_no=$((16#${tag:0:6} * 16))
leaf() { # NAME SUBJECT
  serial_no=$((serial_no + 1))
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -utf8 \
    -keyout "$dir/$1.key" -out "$dir/$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(printf '%x' "$serial_no")$tag" -days 1 -out "$dir/$1.pem" 2>/dev/null
}
U1=$(uscc)
U2=$(uscc)
P1=cli-p-$tag
C1=cli-card-$tag
for a in customs inspection-quarantine maritime border; do
  leaf "$a" "/C=CN/organizationIdentifier=$U1/O=Shanghai Trade Co., Ltd./OU=$a/UID=$P1/CN=张三"
done
openssl x509 -in "$dir/border.pem" -outform DER -out "$dir/border.der"
leaf no-ou "/C=CN/O=Shanghai Trade Co., Ltd./UID=$P1/CN=张三"
leaf other-uid "/C=CN/O=Shanghai Trade Co., Ltd./OU=tax/UID=someone-else/CN=张三"
leaf tax "/C=CN/O=Shanghai Trade Co., Ltd./OU=tax/UID=$P1/CN=张三"
leaf other "/C=CN/organizationIdentifier=$U2/O=Other Co., Ltd./OU=tax/UID=other-$tag/CN=Li Si"

issuer_of() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
serial_of() {
  openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f' | sed 's/^0*//'
}
sha_of() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }

# ---- usage and connection ----------------------------------------------

run 0 --help
grep -q 'Exit status: 0 ok, 1 other error, 2 usage' "$dir/out" || fail "help: exit codes"
run 2
run 2 no-such-command
run 2 show-card
run 2 show-card --card-id "bad id"
run 2 show-card --card-id x --no-such-option
run 2 suspend-card --card-id "$C1"          # --reason required
run 2 enroll --card-id "$C1" --person "$P1" --enterprise "$U1"   # no certificate
run 0 ping
[ "$(cat "$dir/out")" = ok ] || fail "ping output"
# Connection options before or after the command override the environment.
run 0 --bind-dn "$ONECARD_LDAP_BIND_DN" ping --uri "$ONECARD_LDAP_URI"
run 5 ping --uri 'ldapi://%2Fnonexistent%2Fldapi'
grep -q 'directory' "$dir/err" || fail "unreachable: message"
run 2 ping --uri 'http://example.org'
run 2 ping --base 'not a dn'
run 3 ping --base 'dc=nowhere,dc=test'
(umask 022 && printf '%s' "$password" >"$dir/pw-open")
run 2 ping --bind-pw-file "$dir/pw-open"
grep -q 'chmod 600' "$dir/err" || fail "open password file: message"
(umask 077 && printf 'wrong-password\n' >"$dir/pw-wrong")
run 5 ping --bind-pw-file "$dir/pw-wrong"
grep -qi 'credentials' "$dir/err" || fail "wrong password: message"
(umask 077 && printf '%s\n' "$password" >"$dir/pw-newline")
run 0 ping --bind-pw-file "$dir/pw-newline"
run 1 ping --bind-pw-file "$dir/no-such-file"
(
  unset ONECARD_LDAP_URI
  run 2 ping
)

# ---- enroll, show, find --------------------------------------------------

before=$(count "$cards")
run 0 enroll --card-id "$C1" --person "$P1" --name 张三 --enterprise "$U1" \
  --enterprise-name "Shanghai Trade Co., Ltd." \
  "$dir/customs.pem" "$dir/inspection-quarantine.pem" "$dir/maritime.pem" "$dir/border.der"
[ "$(field 'enrolled card')" = "$C1" ] || fail "enroll output"
[ "$(count "onecardCardId=$C1,$cards")" = 5 ] || fail "enroll: card subtree is not 5 entries"

run 0 show-card --card-id "$C1"
[ "$(field card-status)" = active ] || fail "show: card status"
[ "$(field person)" = "$P1" ] || fail "show: person"
[ "$(field person-name)" = 张三 ] || fail "show: person name"
[ "$(field enterprise)" = "$U1" ] || fail "show: enterprise"
[ "$(field enterprise-name)" = "Shanghai Trade Co., Ltd." ] || fail "show: enterprise name"
[ "$(field certificates)" = 4 ] || fail "show: certificate count"
[ "$(grep -c '^agency: ' "$dir/out")" = 4 ] || fail "show: agencies"

issuer=$(issuer_of "$dir/customs.pem")
for a in customs inspection-quarantine maritime border; do
  run 0 find-cert --issuer "$issuer" --serial "$(serial_of "$dir/$a.pem")"
  [ "$(field agency)" = "$a" ] || fail "find $a: agency"
  [ "$(field sha256)" = "$(sha_of "$dir/$a.pem")" ] || fail "find $a: sha256"
  [ "$(field card)" = "$C1" ] || fail "find $a: card"
  [ "$(field login-allowed)" = yes ] || fail "find $a: verdict"
done
customs_serial=$(serial_of "$dir/customs.pem")

# Hostile values match nothing (exit 3), never everything.
run 3 find-cert --issuer "$issuer" --serial '*'
run 3 find-cert --issuer '*' --serial "$customs_serial"
run 3 find-cert --issuer "$issuer" --serial "$customs_serial)(objectClass=*"
run 3 find-cert --issuer '*)(|(objectClass=*' --serial '*'
run 3 find-cert --issuer "${issuer:0:10}*" --serial "$customs_serial"

# ---- status --------------------------------------------------------------

run 0 suspend-card --card-id "$C1" --reason "lost on the ferry"
run 0 find-cert --issuer "$issuer" --serial "$customs_serial"
[ "$(field card-status)" = suspended ] || fail "suspended card: status"
[ "$(field card-suspended-reason)" = "lost on the ferry" ] || fail "suspended card: reason"
[ "$(field login-allowed)" = no ] || fail "suspended card: verdict"
run 0 activate-card --card-id "$C1"
run 0 suspend-person --person "$P1"
run 0 show-card --card-id "$C1"
[ "$(field person-status)" = suspended ] || fail "suspended person"
run 0 activate-person --person "$P1"
run 0 suspend-enterprise --enterprise "$U1" --reason "licence revoked"
run 0 find-cert --issuer "$issuer" --serial "$customs_serial"
[ "$(field enterprise-status)" = suspended ] || fail "suspended enterprise"
[ "$(field login-allowed)" = no ] || fail "suspended enterprise: verdict"
run 0 activate-enterprise --enterprise "$U1"
run 0 find-cert --issuer "$issuer" --serial "$customs_serial"
[ "$(field login-allowed)" = yes ] || fail "all active again"
run 3 suspend-card --card-id "no-such-$tag" --reason x
grep -q 'not found' "$dir/err" || fail "unknown card: message"
run 3 activate-person --person "no-such-$tag"
run 3 suspend-enterprise --enterprise "$U2"
run 2 suspend-enterprise --enterprise 'not-a-uscc'
run 3 show-card --card-id "no-such-$tag"
grep -q 'not found' "$dir/err" || fail "show unknown card: message"

# ---- refusals leave the directory unchanged --------------------------------

# The same card id again, for another enterprise and person.
before=$(count "$cards")
run 4 enroll --card-id "$C1" --person "other-$tag" --name "Li Si" --enterprise "$U2" \
  --enterprise-name "Other Co., Ltd." "$dir/other.pem"
grep -q 'already registered' "$dir/err" || fail "card again: message"
[ "$(count "$cards")" = "$before" ] || fail "card again: ou=cards changed"
[ "$(count "onecardUscc=$U2,ou=enterprises,$ONECARD_LDAP_BASE")" = 0 ] ||
  fail "card again: enterprise left behind"
# A certificate that is on a card already.
run 4 enroll --card-id "c2-$tag" --person "$P1" --enterprise "$U1" "$dir/customs.pem"
[ "$(count "$cards")" = "$before" ] || fail "certificate again: ou=cards changed"
# The person, for another enterprise.
run 4 enroll --card-id "c3-$tag" --person "$P1" --name 张三 --enterprise "$U2" \
  --enterprise-name "Other Co., Ltd." "$dir/tax.pem"
grep -q 'another enterprise' "$dir/err" || fail "other enterprise: message"
[ "$(count "$cards")" = "$before" ] || fail "other enterprise: ou=cards changed"
# The enterprise under another name.
run 4 enroll --card-id "c4-$tag" --person "$P1" --enterprise "$U1" \
  --enterprise-name "Shanghai Trade Company" "$dir/tax.pem"
# Certificates the tool refuses before asking the directory.
run 2 enroll --card-id "c5-$tag" --person "$P1" --enterprise "$U1" "$dir/no-ou.pem"
grep -q 'no OU' "$dir/err" || fail "no OU: message"
run 2 enroll --card-id "c5-$tag" --person "$P1" --enterprise "$U1" "$dir/other-uid.pem"
grep -q 'UID' "$dir/err" || fail "other UID: message"
run 2 enroll --card-id "c5-$tag" --person "$P1" --enterprise "$U1" "$dir/ca.key"
run 2 enroll --card-id "bad id" --person "$P1" --enterprise "$U1" "$dir/tax.pem"
bad_check=0
[ "${U1:17:1}" = 0 ] && bad_check=1
run 2 enroll --card-id "c5-$tag" --person "$P1" --enterprise "${U1:0:17}$bad_check" "$dir/tax.pem"
[ "$(count "$cards")" = "$before" ] || fail "refusals: ou=cards changed"

# A second card for the registered person: names may be left out.
run 0 enroll --card-id "c6-$tag" --person "$P1" --enterprise "$U1" "$dir/tax.pem"
[ "$(count "$cards")" = $((before + 2)) ] || fail "second card: not 2 entries more"

echo "test_dir_cli: $checks checks passed"

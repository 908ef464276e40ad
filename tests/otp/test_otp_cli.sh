#!/usr/bin/env bash
# onecard-otp and scripts/enroll-otp end to end against the fixture's
# slapd and PostgreSQL, with oathtool as the independent authenticator,
# ldapadd to make the people, psql to look at and tamper with rows, and
# the QR code read back module by module (otp_qr_check) and decoded by
# zbarimg when it is installed.
#
#   fixture.sh exec BUILD test_otp_cli.sh ONECARD_OTP OTP_QR_CHECK ENROLL_OTP
#
# Covers: keygen (mode 0600, never replaces); enroll for sha1/6 and
# sha256/8 (URI form, QR code); codes of oathtool accepted, once; a wrong
# code, a malformed one, an empty line, an over-long one; re-enrolment
# (old codes fail, new ones pass); remove; two verifies racing on one
# code (exactly one wins); the wrong key; a tampered row; a person not in
# the directory, a suspended one; directory and database unreachable; key
# files open to others, missing or not a key; usage errors; exit codes;
# one-line errors that never show the secret; scripts/enroll-otp with and
# without the dev stack's environment.
set -euo pipefail

bin=${1:?usage: test_otp_cli.sh ONECARD_OTP OTP_QR_CHECK ENROLL_OTP}
qrcheck=${2:?}
wrapper=${3:?}
: "${ONECARD_PG:?run under tests/services/fixture.sh exec}"
: "${ONECARD_LDAP_URI:?run under tests/services/fixture.sh exec}"
export LDAPNOINIT=1
unset ONECARD_OTP_KEY_FILE

T=$(mktemp -d "${TMPDIR:-/tmp}/onecard-otpcli-XXXXXX")
trap 'rm -rf "$T"' EXIT
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
checks=0
secret_seen="" # base32 secrets printed so far: never in an error line

fail() {
  echo "FAIL: $*" >&2
  [ -s "$T/err" ] && sed 's/^/  stderr: /' "$T/err" >&2
  [ -s "$T/out" ] && head -n 3 "$T/out" | sed 's/^/  stdout: /' >&2
  exit 1
}
pass() { checks=$((checks + 1)); }

# run WANT ARGS...: onecard-otp with stdin from $T/in (empty unless set),
# output in $T/out and $T/err.
run() {
  local want=$1 got s
  shift
  [ -f "$T/in" ] || : >"$T/in"
  set +e
  "$bin" "$@" <"$T/in" >"$T/out" 2>"$T/err"
  got=$?
  set -e
  rm -f "$T/in"
  [ "$got" = "$want" ] || fail "exit $got, want $want: onecard-otp $*"
  # At most one line on stderr, prefixed; never a secret or the key.
  if [ -s "$T/err" ]; then
    grep -qv '^onecard-otp: ' "$T/err" && fail "stray stderr line: $*"
    [ "$(wc -l <"$T/err")" -le 1 ] || fail "more than one stderr line: $*"
  fi
  for s in $secret_seen; do
    grep -qF -e "$s" "$T/err" && fail "a secret on stderr: $*"
  done
  for s in "$T"/*.key; do
    [ -f "$s" ] && [ -s "$s" ] && grep -qF -e "$(head -c 43 "$s")" "$T/err" "$T/out" &&
      fail "a key was printed: $*"
  done
  pass
}

# verify WANT PERSON CODE [ARGS...]: the code on stdin.
verify() {
  local want=$1 person=$2 code=$3
  shift 3
  printf '%s\n' "$code" >"$T/in"
  run "$want" verify --person "$person" "$@"
}

# uri_param NAME: a parameter of the URI on the first line of $T/out.
uri_param() { head -n1 "$T/out" | sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p"; }

# code ALG DIGITS B32 [OFFSET]: oathtool's code, OFFSET seconds from now.
code() {
  local t
  t=$(($(date +%s) + ${4:-0}))
  oathtool --totp="$1" -d "$2" -N "@$t" -b "$3"
}

# ---- the directory: an enterprise, an active and a suspended person --------

uscc=91310000MA1FL8XQ3J
active=otp-$tag-a
suspended=otp-$tag-s
cat >"$T/people.ldif" <<EOF
dn: uid=$active,ou=people,$ONECARD_LDAP_BASE
objectClass: inetOrgPerson
objectClass: onecardPerson
uid: $active
cn: Active Person
sn: Person
onecardStatus: active
onecardEnterpriseRef: onecardUscc=$uscc,ou=enterprises,$ONECARD_LDAP_BASE

dn: uid=$suspended,ou=people,$ONECARD_LDAP_BASE
objectClass: inetOrgPerson
objectClass: onecardPerson
uid: $suspended
cn: Suspended Person
sn: Person
onecardStatus: suspended
onecardEnterpriseRef: onecardUscc=$uscc,ou=enterprises,$ONECARD_LDAP_BASE
EOF
if ! ldapsearch -LLL -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" \
  -b "onecardUscc=$uscc,ou=enterprises,$ONECARD_LDAP_BASE" -s base 1.1 >/dev/null 2>&1; then
  cat >"$T/ent.ldif" <<EOF
dn: onecardUscc=$uscc,ou=enterprises,$ONECARD_LDAP_BASE
objectClass: onecardEnterprise
o: OTP Test Trading Co., Ltd.
onecardUscc: $uscc
onecardStatus: active
EOF
  ldapadd -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" \
    -f "$T/ent.ldif" >/dev/null 2>&1 || true
fi
ldapadd -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" \
  -f "$T/people.ldif" >/dev/null || fail "ldapadd of the test people"

# ---- usage -----------------------------------------------------------------

run 2
run 2 frobnicate
run 0 --help
grep -q '^usage: onecard-otp' "$T/out" || fail "--help prints the usage"
run 2 enroll --key-file "$T/none.key"
run 2 enroll --person 'a b' --key-file "$T/none.key"
run 2 enroll --person "$active" --algorithm md5
run 2 enroll --person "$active" --digits 7
run 2 enroll --person "$active" stray
run 2 enroll --person "$active" -x
run 2 verify --person "$active" 123456 # a code is never taken from argv
run 2 remove
run 2 keygen
run 2 enroll --person "$active" # no key file, no ONECARD_OTP_KEY_FILE

# ---- keygen -----------------------------------------------------------------

umask 000
run 0 keygen --key-file "$T/a.key"
umask 077
[ "$(stat -c %a "$T/a.key")" = 600 ] || fail "keygen: mode $(stat -c %a "$T/a.key"), want 600"
[[ $(cat "$T/a.key") =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "keygen: not 43 base64url characters"
before=$(cat "$T/a.key")
run 11 keygen --key-file "$T/a.key"
[ "$(cat "$T/a.key")" = "$before" ] || fail "keygen replaced a key file"
run 0 keygen --key-file "$T/b.key"
pass

# ---- key files refused --------------------------------------------------------

cp "$T/a.key" "$T/open.key"
for mode in 640 604 644 660; do
  chmod "$mode" "$T/open.key"
  run 7 enroll --person "$active" --key-file "$T/open.key"
  grep -q 'want mode 0600' "$T/err" || fail "mode $mode: the error names the mode"
done
run 7 enroll --person "$active" --key-file "$T/missing.key"
printf 'not a key\n' >"$T/junk.key"
chmod 600 "$T/junk.key"
run 7 enroll --person "$active" --key-file "$T/junk.key"
ln -s "$T/a.key" "$T/link.key"
run 7 enroll --person "$active" --key-file "$T/link.key"
verify 7 "$active" 123456 --key-file "$T/open.key"

# ---- the directory's word -----------------------------------------------------

run 3 enroll --person "otp-$tag-nobody" --key-file "$T/a.key"
run 4 enroll --person "$suspended" --key-file "$T/a.key"
grep -q 'suspended' "$T/err" || fail "the error says the person is suspended"
run 5 enroll --person "$active" --key-file "$T/a.key" --uri 'ldapi://%2Fnonexistent%2Fldapi'
run 6 enroll --person "$active" --key-file "$T/a.key" \
  --db 'host=/nonexistent/onecard dbname=onecard user=onecard connect_timeout=2'
# Nothing was stored by any refused enrolment (the table may not exist
# yet when this test runs alone: every enrolment above was refused before
# the database; remove opens the store, which migrates it).
run 3 remove --person "otp-$tag-nobody"
n=$(psql "$ONECARD_PG" -X -A -t -c "SELECT count(*) FROM authd_otp WHERE person_id LIKE 'otp-$tag-%'")
[ "$n" = 0 ] || fail "refused enrolments stored $n rows"
pass

# ---- enroll sha1/6 (the defaults), verify with oathtool --------------------------

run 0 enroll --person "$active" --key-file "$T/a.key"
grep -q "^onecard-otp: enroll: $active enrolled (sha1, 6 digits, 30 s)" "$T/err" || fail "enroll's line"
head -n1 "$T/out" | grep -Eq "^otpauth://totp/onecard:$active\?secret=[A-Z2-7]{32}&issuer=onecard&algorithm=SHA1&digits=6&period=30$" ||
  fail "the URI's form: $(head -n1 "$T/out")"
s1=$(uri_param secret)
secret_seen+=" $s1"
uri=$(head -n1 "$T/out")
tail -n +2 "$T/out" >"$T/qr.txt"
[ "$(wc -l <"$T/qr.txt")" -ge 10 ] || fail "no QR code after the URI"
"$qrcheck" --pbm "$T/qr.pbm" "$uri" <"$T/qr.txt" || fail "the QR code is not the URI's"
pass
if command -v zbarimg >/dev/null 2>&1; then
  decoded=$(zbarimg -q --raw "$T/qr.pbm" 2>/dev/null) || fail "zbarimg cannot read the QR code"
  [ "$decoded" = "$uri" ] || fail "zbarimg read another text from the QR code"
  pass
else
  echo "note: zbarimg not installed; the QR code was checked against libqrencode only" >&2
fi
# The secret is stored sealed, never in clear.
hex=$(printf '%s' "$s1" | base32 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
row=$(psql "$ONECARD_PG" -X -A -t -c "SELECT encode(blob, 'hex') FROM authd_otp WHERE person_id = '$active'")
[ -n "$row" ] || fail "no row stored"
case $row in *"${hex:0:16}"*) fail "the secret is in the row in clear" ;; esac
pass

c1=$(code sha1 6 "$s1")
verify 0 "$active" "$c1" --key-file "$T/a.key"
grep -Eq '^accepted step [0-9]+$' "$T/out" || fail "verify's output"
verify 10 "$active" "$c1" --key-file "$T/a.key" # the same code again
grep -q 'used already' "$T/err" || fail "the replay error says so"
wrong=$(printf '%06d' $(((10#$c1 + 500000) % 1000000)))
verify 9 "$active" "$wrong" --key-file "$T/a.key"
verify 9 "$active" "12a456" --key-file "$T/a.key"
verify 9 "$active" "1234567" --key-file "$T/a.key"
verify 9 "$active" "" --key-file "$T/a.key"
verify 9 "$active" "$(printf '1%.0s' $(seq 40))" --key-file "$T/a.key"
# A code of the next step (clock ahead): newer, accepted.
verify 0 "$active" "$(code sha1 6 "$s1" 30)" --key-file "$T/a.key"
# The wrong key: the stored secret cannot be opened.
verify 8 "$active" "$(code sha1 6 "$s1")" --key-file "$T/b.key"
grep -q 'another key' "$T/err" || fail "the wrong key is named as such"

# ---- re-enrolment with sha256/8 -----------------------------------------------------

# --policy: the policy's totp group decides; not together with the flags.
policies=$(cd "$(dirname "$wrapper")/../policies" && pwd)
sed 's/^\(\s*algorithm = \)"sha1";/\1"sha256";/; s/^\(\s*digits = \)6;/\18;/' \
  "$policies/onecard.conf" >"$T/policy-sha256.conf"
grep -q 'algorithm = "sha256"' "$T/policy-sha256.conf" || fail "a sha256/8 policy copy"
run 2 enroll --person "$active" --key-file "$T/a.key" --policy "$T/policy-sha256.conf" --digits 8
run 2 enroll --person "$active" --key-file "$T/a.key" --policy "$T/no-such.conf"
run 0 enroll --person "$active" --key-file "$T/a.key" --policy "$policies/onecard.conf" --no-qr
head -n1 "$T/out" | grep -q "algorithm=SHA1&digits=6&" || fail "policies/onecard.conf gives sha1/6: $(head -c 120 "$T/out")"
run 0 enroll --person "$active" --key-file "$T/a.key" --policy "$T/policy-sha256.conf" --no-qr
head -n1 "$T/out" | grep -q "algorithm=SHA256&digits=8&" || fail "the policy's sha256/8"

run 0 enroll --person "$active" --key-file "$T/a.key" --algorithm sha256 --digits 8 --no-qr
grep -q 'the earlier secret replaced' "$T/err" || fail "re-enrolment says it replaced"
[ "$(wc -l <"$T/out")" = 1 ] || fail "--no-qr prints the URI only"
head -n1 "$T/out" | grep -Eq "^otpauth://totp/onecard:$active\?secret=[A-Z2-7]{52}&issuer=onecard&algorithm=SHA256&digits=8&period=30$" ||
  fail "the sha256 URI's form: $(head -n1 "$T/out")"
s2=$(uri_param secret)
secret_seen+=" $s2"
# The old secret's code (as 8 digits, the new length) fails; the new one's passes.
old=$(code sha1 8 "$s1")
new=$(code sha256 8 "$s2")
[ "$old" = "$new" ] || verify 9 "$active" "$old" --key-file "$T/a.key"
verify 0 "$active" "$(code sha256 8 "$s2")" --key-file "$T/a.key"
verify 10 "$active" "$(code sha256 8 "$s2")" --key-file "$T/a.key"

# ---- the QR code for a light terminal -----------------------------------------------

run 0 enroll --person "$active" --key-file "$T/a.key" --invert
uri=$(head -n1 "$T/out")
s3=$(uri_param secret)
secret_seen+=" $s3"
tail -n +2 "$T/out" >"$T/qr.txt"
"$qrcheck" --invert --pbm "$T/qr2.pbm" "$uri" <"$T/qr.txt" || fail "the inverted QR code"
"$qrcheck" "$uri" <"$T/qr.txt" 2>/dev/null && fail "the inverted QR code read as the plain one"
if command -v zbarimg >/dev/null 2>&1; then
  [ "$(zbarimg -q --raw "$T/qr2.pbm" 2>/dev/null)" = "$uri" ] || fail "zbarimg: the inverted QR code"
fi
pass

# ---- two verifies racing on one code: exactly one wins ------------------------------

for round in 1 2 3 4 5; do
  run 0 enroll --person "$active" --key-file "$T/a.key" --no-qr
  s=$(uri_param secret)
  secret_seen+=" $s"
  c=$(code sha1 6 "$s")
  set +e
  printf '%s\n' "$c" | "$bin" verify --person "$active" --key-file "$T/a.key" >/dev/null 2>&1 &
  p1=$!
  printf '%s\n' "$c" | "$bin" verify --person "$active" --key-file "$T/a.key" >/dev/null 2>&1 &
  p2=$!
  wait "$p1"
  r1=$?
  wait "$p2"
  r2=$?
  set -e
  case "$r1 $r2" in
  "0 10" | "10 0") pass ;;
  *) fail "round $round: two verifies of one code exited $r1 and $r2, want 0 and 10" ;;
  esac
done

# ---- a tampered row -------------------------------------------------------------

run 0 enroll --person "$active" --key-file "$T/a.key" --no-qr
s=$(uri_param secret)
secret_seen+=" $s"
psql "$ONECARD_PG" -X -q -c "UPDATE authd_otp SET blob = set_byte(blob, 30, get_byte(blob, 30) # 1) WHERE person_id = '$active'" ||
  fail "psql update"
verify 8 "$active" "$(code sha1 6 "$s")" --key-file "$T/a.key"
grep -q 'fails authentication' "$T/err" || fail "the tampered row's error"

# ---- remove ---------------------------------------------------------------------

run 0 remove --person "$active"
run 3 remove --person "$active"
verify 3 "$active" "$(code sha1 6 "$s")" --key-file "$T/a.key"
run 6 remove --person "$active" --db 'host=/nonexistent/onecard dbname=onecard connect_timeout=2'

# ---- scripts/enroll-otp ----------------------------------------------------------

export ONECARD_BIN_DIR
ONECARD_BIN_DIR=$(dirname "$bin")
# wrun WANT ARGS...: the wrapper, output in $T/out and $T/err.
wrun() {
  local want=$1 got
  shift
  set +e
  "$wrapper" "$@" >"$T/out" 2>"$T/err"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "enroll-otp exit $got, want $want: $*"
  pass
}
wrun 0 --help
wrun 2
wrun 2 --person "$active" --digits 7
wrun 2 --person "$active" --algorithm md5
wrun 2 --person="$active"
wrun 2 --person 'a/b'
# The key from --key-file, the database from the environment.
wrun 0 --person "$active" --key-file "$T/a.key" --no-qr
head -n1 "$T/out" | grep -q "^otpauth://totp/onecard:$active?" || fail "enroll-otp prints the URI"
secret_seen+=" $(uri_param secret)"
wrun 3 --person "otp-$tag-nobody" --key-file "$T/a.key"
wrun 4 --person "$suspended" --key-file "$T/a.key"
wrun 7 --person "$active" --key-file "$T/open.key"
# Only ONECARD_DEV_DIR: the dev stack's env.sh is read, its otp.key used
# (made on first use, mode 0600).
: "${ONECARD_DEV_DIR:?the fixture exports ONECARD_DEV_DIR}"
(
  unset ONECARD_PG ONECARD_LDAP_URI ONECARD_LDAP_BASE ONECARD_LDAP_BIND_DN ONECARD_LDAP_BIND_PW_FILE
  wrun 0 --person "$active" --algorithm sha256 --digits 8
  head -n1 "$T/out" | grep -q "algorithm=SHA256&digits=8" || fail "enroll-otp passes the options on"
  [ "$(stat -c %a "$ONECARD_DEV_DIR/otp.key")" = 600 ] || fail "the dev stack's otp.key is not 0600"
)
secret_seen+=" $(uri_param secret)"
(
  unset ONECARD_PG ONECARD_DEV_DIR
  wrun 2 --person "$active" --key-file "$T/a.key"
  grep -q 'no database' "$T/err" || fail "enroll-otp says the database is missing"
)
(
  unset ONECARD_DEV_DIR
  wrun 7 --person "$active"
)
run 0 remove --person "$active"

echo "test_otp_cli: $checks checks passed"

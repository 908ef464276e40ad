#!/usr/bin/env bash
# Tests scripts/dev-services: private PostgreSQL, slapd (with onecard's
# schema from ldap/) and SoftHSM2 cards; start/stop/status/clean; several
# instances side by side. One "ok - ..."/"not ok - ..." line per check,
# then "N passed, M failed"; exit 1 if any check failed.
#
#   bash tests/services/test_dev_services.sh
#
# Needs root (PostgreSQL runs as the postgres user) or a user that can run
# initdb itself, and the packages in docs/dev-services.md.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ds=$(cd "$here/../.." && pwd)/scripts/dev-services
module=/usr/lib/softhsm/libsofthsm2.so
export LDAPNOINIT=1
unset ONECARD_PIN

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  printf 'ok - %s\n' "$1"
}
not_ok() {
  failed=$((failed + 1))
  printf 'not ok - %s\n' "$1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/#   /'; fi
}
# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

T=$(mktemp -d /tmp/oc-dstest.XXXXXX)
# The postgres user must be able to reach the folders below T.
chmod 0711 "$T"
dirs=()
cleanup() {
  local d
  for d in "${dirs[@]}"; do "$ds" clean "$d" >/dev/null 2>&1 || "$ds" stop "$d" >/dev/null 2>&1 || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# alive PID: running and not a zombie.
alive() {
  local stat state
  [[ ${1:-} =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  state=${stat##*) }
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

# procs_with STRING: live processes whose command line contains STRING.
procs_with() {
  local p
  for p in /proc/[0-9]*; do
    alive "${p#/proc/}" || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -Fq -- "$1" && printf '%s\n' "${p#/proc/}"
  done
  return 0
}

# quiet CMD...: CMD succeeds (output dropped); fails CMD...: CMD fails.
quiet() { "$@" >/dev/null 2>&1; }
fails() { ! "$@" >/dev/null 2>&1; }

# state_get DIR KEY
state_get() { sed -n "s/^$2=//p" "$1/state"; }

# pids_of DIR: postmaster and slapd pids of a running DIR.
pids_of() {
  head -n1 "$(state_get "$1" pg_root)/data/postmaster.pid" 2>/dev/null
  cat "$1/slapd.pid" 2>/dev/null
}

lds() { ldapsearch -LLL -o ldif-wrap=no -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" "$@"; }
ladd() { ldapadd -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" "$@"; }

# ------------------------------------------------------------ start
D=$T/main
dirs+=("$D")
out=$("$ds" start "$D" 2>"$T/start.err")
rc=$?
if [ "$rc" -eq 0 ]; then ok "start exits 0"; else not_ok "start exits 0" "$(cat "$T/start.err")"; fi
if [ -n "$out" ] && ! printf '%s\n' "$out" | grep -qv '^export [A-Z0-9_]*='\''[^'\'']*'\''$'; then
  ok "start prints only export lines on stdout"
else
  not_ok "start prints only export lines on stdout" "$out"
fi
check "env.sh holds the same lines as stdout" test "$(cat "$D/env.sh" 2>/dev/null)" = "$out"
missing=''
for v in ONECARD_DEV_DIR ONECARD_PG ONECARD_LDAP_URI ONECARD_LDAP_BASE ONECARD_LDAP_BIND_DN \
  ONECARD_LDAP_BIND_PW_FILE SOFTHSM2_CONF ONECARD_PKCS11_MODULE; do
  grep -q "^export $v=" "$D/env.sh" 2>/dev/null || missing+=" $v"
done
check "env.sh exports all eight variables${missing:+ (missing:$missing)}" test -z "$missing"
# shellcheck disable=SC1091
. "$D/env.sh" 2>/dev/null
check "env.sh values name DIR, the base and the module" test \
  "${ONECARD_DEV_DIR:-}|${ONECARD_LDAP_BASE:-}|${ONECARD_LDAP_BIND_DN:-}|${SOFTHSM2_CONF:-}|${ONECARD_LDAP_BIND_PW_FILE:-}|${ONECARD_PKCS11_MODULE:-}" = \
  "$D|dc=onecard,dc=test|cn=admin,dc=onecard,dc=test|$D/softhsm2.conf|$D/ldap-admin.pw|$module"
check "ONECARD_LDAP_URI is an ldapi:// URL of a socket in DIR" \
  test "${ONECARD_LDAP_URI:-}" = "ldapi://$(printf '%s' "$D/run/ldap/ldapi" | sed 's|/|%2F|g')"
check "ldap-admin.pw is mode 0600" test "$(stat -c %a "$D/ldap-admin.pw" 2>/dev/null)" = 600

# ------------------------------------------------------- PostgreSQL
r=$(psql "${ONECARD_PG:-x}" -X -A -t -c 'SELECT current_user, current_database(), 1' 2>&1)
check "psql over the socket: SELECT 1 as onecard in db onecard" test "$r" = "onecard|onecard|1"
r=$(psql "${ONECARD_PG:-x}" -X -A -t -c 'SHOW listen_addresses' 2>&1)
check "PostgreSQL listen_addresses is empty" test -z "$r"
pgpid=$(head -n1 "$D/pg/data/postmaster.pid" 2>/dev/null)
slapdpid=$(cat "$D/slapd.pid" 2>/dev/null)
tcp=$(ss -ltnpH 2>/dev/null)
if alive "$pgpid" && alive "$slapdpid" && ! printf '%s\n' "$tcp" | grep -Eq "pid=($pgpid|$slapdpid),"; then
  ok "neither PostgreSQL nor slapd listens on a TCP port"
else
  not_ok "neither PostgreSQL nor slapd listens on a TCP port" "pids $pgpid $slapdpid; $tcp"
fi
check "the PostgreSQL and slapd socket folders are mode 0700" \
  test "$(stat -c %a "$D/run/pg" "$D/run/ldap" 2>/dev/null | tr '\n' ' ')" = "700 700 "

# ------------------------------------------------------------- LDAP
r=$(lds -b "$ONECARD_LDAP_BASE" -s one dn 2>&1 | grep '^dn:' | sort | tr '\n' ' ')
check "admin bind over ldapi sees the base entries" test \
  "$r" = "dn: ou=cards,dc=onecard,dc=test dn: ou=enterprises,dc=onecard,dc=test dn: ou=people,dc=onecard,dc=test dn: ou=system,dc=onecard,dc=test "

uscc=91310000MA1FL8XQ3J
sha=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
cat >"$T/sample.ldif" <<EOF
dn: onecardUscc=$uscc,ou=enterprises,dc=onecard,dc=test
objectClass: onecardEnterprise
o: Example Trading Co., Ltd.
onecardUscc: $uscc
onecardStatus: active

dn: uid=p0001,ou=people,dc=onecard,dc=test
objectClass: inetOrgPerson
objectClass: onecardPerson
uid: p0001
cn: Zhang San
sn: Zhang
onecardStatus: active
onecardEnterpriseRef: onecardUscc=$uscc,ou=enterprises,dc=onecard,dc=test

dn: onecardCardId=card-0001,ou=cards,dc=onecard,dc=test
objectClass: onecardCard
onecardCardId: card-0001
onecardHolder: uid=p0001,ou=people,dc=onecard,dc=test
onecardStatus: active

dn: onecardCertSerial=1f2e3d4c,onecardCardId=card-0001,ou=cards,dc=onecard,dc=test
objectClass: onecardCertificate
onecardCertSerial: 1f2e3d4c
onecardCertIssuer: CN=Customs Issuing CA,O=onecard,C=CN
onecardAgency: customs
onecardCertSha256: $sha
EOF
r=$(ladd -f "$T/sample.ldif" 2>&1)
check "the schema accepts an enterprise, a person, a card and a certificate" test $? -eq 0
r=$(lds -b "$ONECARD_LDAP_BASE" "(&(objectClass=onecardCertificate)(onecardCertSerial=1f2e3d4c)(onecardCertIssuer=cn=customs issuing ca,o=onecard,c=cn))" onecardAgency onecardCertSha256 2>&1)
check "certificate found by serial and issuer (issuer matched ignoring case)" \
  grep -q "^onecardCertSha256: $sha" <<<"$r"
r=$(lds -b "ou=cards,$ONECARD_LDAP_BASE" "(&(objectClass=onecardCard)(onecardHolder=uid=p0001,ou=people,dc=onecard,dc=test)(onecardStatus=active))" onecardCardId 2>&1)
check "card found by holder DN" grep -q '^onecardCardId: card-0001' <<<"$r"
r=$(lds -b "ou=people,$ONECARD_LDAP_BASE" "(&(objectClass=onecardPerson)(uid=p0001))" onecardEnterpriseRef 2>&1)
check "person found by uid, with its enterprise" grep -q "^onecardEnterpriseRef: onecardUscc=$uscc," <<<"$r"
r=$(lds -b "ou=enterprises,$ONECARD_LDAP_BASE" "(onecardUscc=$uscc)" onecardStatus 2>&1)
check "enterprise found by USCC" grep -q '^onecardStatus: active' <<<"$r"

# reject CASE RC LDIF: ldapadd fails with exit status RC.
reject() {
  local desc=$1 want=$2 got
  printf '%s\n' "$3" | ladd >/dev/null 2>"$T/reject.err"
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc"; else not_ok "$desc" "ldapadd exit $got, want $want: $(cat "$T/reject.err")"; fi
}
reject "the schema rejects an onecardCard without onecardHolder" 65 "dn: onecardCardId=c2,ou=cards,dc=onecard,dc=test
objectClass: onecardCard
onecardCardId: c2
onecardStatus: active"
reject "a status other than active/suspended is rejected" 19 "dn: onecardCardId=c3,ou=cards,dc=onecard,dc=test
objectClass: onecardCard
onecardCardId: c3
onecardHolder: uid=p0001,ou=people,dc=onecard,dc=test
onecardStatus: frozen"
reject "a card whose holder is not a person entry is rejected" 19 "dn: onecardCardId=c4,ou=cards,dc=onecard,dc=test
objectClass: onecardCard
onecardCardId: c4
onecardHolder: uid=nobody,ou=people,dc=onecard,dc=test
onecardStatus: active"
reject "a second certificate with the same SHA-256 is rejected" 19 "dn: onecardCertSerial=2a,onecardCardId=card-0001,ou=cards,dc=onecard,dc=test
objectClass: onecardCertificate
onecardCertSerial: 2a
onecardCertIssuer: CN=Customs Issuing CA,O=onecard,C=CN
onecardAgency: customs
onecardCertSha256: $sha"
reject "an uppercase certificate serial is rejected" 19 "dn: onecardCertSerial=2A,onecardCardId=card-0001,ou=cards,dc=onecard,dc=test
objectClass: onecardCertificate
onecardCertSerial: 2A
onecardCertIssuer: CN=Customs Issuing CA,O=onecard,C=CN
onecardAgency: customs
onecardCertSha256: 1${sha:1}"
reject "a malformed USCC is rejected" 19 "dn: onecardUscc=91310000MA1FL8XQ3,ou=enterprises,dc=onecard,dc=test
objectClass: onecardEnterprise
o: Short Code Ltd.
onecardUscc: 91310000MA1FL8XQ3
onecardStatus: active"

r=$(ldapsearch -LLL -x -H "$ONECARD_LDAP_URI" -b "ou=people,$ONECARD_LDAP_BASE" '(objectClass=*)' 2>&1)
check "an anonymous search of ou=people sees nothing" test -z "$(grep '^dn:' <<<"$r")"
r=$(ldapsearch -LLL -x -H "$ONECARD_LDAP_URI" -b "$ONECARD_LDAP_BASE" '(uid=p0001)' 2>&1)
check "an anonymous subtree search for the person finds nothing" test -z "$(grep '^dn:' <<<"$r")"

# ------------------------------------------------------------- cards
uri=$(ONECARD_PIN=246810 "$ds" card "$D" card1 2>"$T/card.err")
rc=$?
if [ "$rc" -eq 0 ] && [[ $uri =~ ^pkcs11:model=SoftHSM%20v2\;manufacturer=SoftHSM%20project\;serial=([0-9a-f]+)\;token=card1$ ]]; then
  ok "card DIR card1 prints a pkcs11: URI"
  serial=${BASH_REMATCH[1]}
else
  not_ok "card DIR card1 prints a pkcs11: URI" "exit $rc: $uri $(cat "$T/card.err")"
  serial=none
fi
r=$(pkcs11-tool --module "$module" -L 2>&1)
if grep -Eq 'token label +: card1$' <<<"$r" && grep -Eq "serial num +: $serial$" <<<"$r"; then
  ok "pkcs11-tool -L lists the card with that serial"
else
  not_ok "pkcs11-tool -L lists the card with that serial" "$r"
fi
check "the card's SO PIN is saved with mode 0600" test "$(stat -c %a "$D/cards/card1.so-pin" 2>/dev/null)" = 600
check "the user PIN from ONECARD_PIN logs in" \
  quiet pkcs11-tool --module "$module" --token-label card1 --login --pin 246810 -O
check "the saved SO PIN can reset the user PIN" \
  quiet pkcs11-tool --module "$module" --token-label card1 --login --login-type so \
  --so-pin "$(cat "$D/cards/card1.so-pin" 2>/dev/null)" --init-pin --new-pin 246810
check "a second card with the label card1 fails" fails env ONECARD_PIN=246810 "$ds" card "$D" card1
check "card without ONECARD_PIN fails" fails env -u ONECARD_PIN "$ds" card "$D" card2
check "card with a 3-character PIN fails" fails env ONECARD_PIN=123 "$ds" card "$D" card2
check "card with a label outside [A-Za-z0-9._-] fails" fails env ONECARD_PIN=1234 "$ds" card "$D" card/2
r=$(pkcs11-tool --module "$module" -L 2>&1 | grep -c 'token label')
check "the failed card commands made no token" test "$r" -eq 1

# ------------------------------------------------------------ status
r=$("$ds" status "$D" 2>&1)
rc=$?
check "status exits 0 and reports the three up" test "$rc:$(grep -Ec '^(postgresql|slapd): up|^softhsm: ready' <<<"$r")" = "0:3"
r=$("$ds" start "$D" 2>/dev/null)
check "start on a running DIR prints the same export lines (idempotent)" test "$r" = "$out"

# --------------------------------------------------- two more at once
A=$T/a-rather-long-folder-name-so-that-the-socket-paths-would-not-fit-under-108-bytes/x
B=$T/b-unreachable
mkdir -p "$(dirname "$A")"
mkdir -m 0700 "$B" # the postgres user cannot enter B
dirs+=("$A" "$B")
"$ds" start "$A" >"$T/a.env" 2>"$T/a.err" &
pa=$!
"$ds" start "$B" >"$T/b.env" 2>"$T/b.err" &
pb=$!
wait "$pa"
ra=$?
wait "$pb"
rb=$?
if [ "$ra$rb" = 00 ]; then ok "two more DIRs start concurrently"; else not_ok "two more DIRs start concurrently" "$(cat "$T/a.err" "$T/b.err")"; fi
both=1
for x in a b; do
  r=$(
    # shellcheck disable=SC1090
    . "$T/$x.env" 2>/dev/null || exit 1
    psql "$ONECARD_PG" -X -A -t -c 'SELECT 1' 2>&1 &&
      ldapwhoami -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" 2>&1
  ) || both=0
  [ "$r" = "$(printf '1\ndn:cn=admin,dc=onecard,dc=test')" ] || both=0
done
check "each answers on its own sockets" test "$both" = 1
check "the three instances have distinct sockets" test \
  "$(cat "$D/env.sh" "$T/a.env" "$T/b.env" | grep -E '^export ONECARD_(PG|LDAP_URI)=' | sort -u | wc -l)" = 6
runa=$(state_get "$A" run_dir)
runb=$(state_get "$B" run_dir)
check "a long DIR puts its sockets in a short folder under /tmp" \
  grep -q "^export ONECARD_PG='host=/tmp/onecard\.[A-Za-z0-9]*/pg " "$T/a.env"
check "a DIR the postgres user cannot enter keeps the cluster under /tmp" \
  test "$(state_get "$B" pg_root)" = "$runb/pgroot"
pidsab=$(pids_of "$A"; pids_of "$B")
"$ds" clean "$A" >/dev/null 2>"$T/clean.err"
ra=$?
"$ds" clean "$B" >/dev/null 2>>"$T/clean.err"
rb=$?
left=''
for p in $pidsab; do alive "$p" && left+=" $p"; done
if [ "$ra$rb" = 00 ] && [ -z "$left" ] && [ -n "$pidsab" ] && [ ! -e "$A" ] && [ ! -e "$B" ] &&
  [ ! -e "$runa" ] && [ ! -e "$runb" ]; then
  ok "clean stops both and removes their folders and /tmp socket folders"
else
  not_ok "clean stops both and removes their folders and /tmp socket folders" "exit $ra/$rb, left:$left $(cat "$T/clean.err")"
fi

# ---------------------------------------------------- stop / restart
pids=$(pids_of "$D")
r=$("$ds" stop "$D" 2>&1)
rc=$?
left=''
for p in $pids; do alive "$p" && left+=" $p"; done
[ -n "$(procs_with "$D/")" ] && left+=" $(procs_with "$D/" | tr '\n' ' ')"
if [ "$rc" -eq 0 ] && [ "$(wc -w <<<"$pids")" -eq 2 ] && [ -z "$left" ]; then
  ok "stop stops PostgreSQL and slapd (no process left)"
else
  not_ok "stop stops PostgreSQL and slapd (no process left)" "exit $rc, pids $pids, left:$left $r"
fi
check "status exits non-zero after stop" fails "$ds" status "$D"
check "stop again is fine (exit 0)" quiet "$ds" stop "$D"
check "stop of a DIR that does not exist is fine" quiet "$ds" stop "$T/never"
r=$("$ds" start "$D" 2>"$T/restart.err")
rc=$?
r2=$(lds -b "ou=people,$ONECARD_LDAP_BASE" '(uid=p0001)' dn 2>&1)
check "start after stop restarts with the data kept" test "$rc:$r2" = "0:dn: uid=p0001,ou=people,dc=onecard,dc=test"
"$ds" stop "$D" >/dev/null 2>&1

# ------------------------------------------------- failure handling
F=$T/fails
mkdir -m 0755 "$T/fakebin"
for b in initdb pg_ctl postgres psql; do ln -s "/usr/lib/postgresql/15/bin/$b" "$T/fakebin/$b"; done
printf '#!/bin/sh\nexit 2\n' >"$T/fakebin/pg_isready"
chmod 0755 "$T/fakebin/pg_isready"
dirs+=("$F")
r=$(ONECARD_PG_BIN=$T/fakebin ONECARD_DEV_WAIT=2 "$ds" start "$F" 2>"$T/fail.err")
rc=$?
last=$(tail -n1 "$T/fail.err")
if [ "$rc" -ne 0 ] && [ -z "$r" ] && [[ $last == "dev-services: error: "* ]] && [ ! -e "$F" ] && [ -z "$(procs_with "$F/")" ]; then
  ok "a start that fails stops what it started, removes DIR and ends with one error line"
else
  not_ok "a start that fails stops what it started, removes DIR and ends with one error line" \
    "exit $rc, stdout '$r', left: $(procs_with "$F/" | tr '\n' ' ') $(cat "$T/fail.err")"
fi
mkdir "$T/foreign"
touch "$T/foreign/precious"
fails "$ds" start "$T/foreign"
check "start refuses a non-empty folder it did not make" test "$?:$(ls "$T/foreign")" = "0:precious"
fails "$ds" clean "$T/foreign"
check "clean refuses a folder it did not make" test "$?:$(ls "$T/foreign")" = "0:precious"

printf '%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]

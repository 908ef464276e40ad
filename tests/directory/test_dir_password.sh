#!/usr/bin/env bash
# onecard-dir set-password and scripts/set-password end to end against the
# fixture's slapd, with ldapwhoami (a bind as the person) as the
# independent checker of what was set.
#
#   fixture.sh exec BUILD test_dir_password.sh PATH/TO/onecard-dir
#
# Covers: a password from stdin (with and without its newline) that then
# binds; on a terminal (a pty from script(1)): typed twice without echo,
# and two that differ; each refusal and its exit status (too short, too
# long, control character, the person id, reuse of the current one and of
# an earlier one); an unknown person; stdin that is not one line; the
# password given as an argument; the directory unavailable; the wrapper's
# environment (the dev stack's env.sh). Errors are one line; the
# password never appears in our output, on the terminal, or in slapd's log.
set -euo pipefail

bin=${1:?usage: test_dir_password.sh ONECARD_DIR}
: "${ONECARD_LDAP_URI:?run under tests/services/fixture.sh exec}"
: "${ONECARD_DEV_DIR:?run under tests/services/fixture.sh exec}"
export LDAPNOINIT=1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/../../scripts/set-password
bin_dir=$(cd "$(dirname "$bin")" && pwd)

dir=$(mktemp -d "${TMPDIR:-/tmp}/onecard-dirpw-XXXXXX")
trap 'rm -rf "$dir"' EXIT
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
marker="Pw-Sh-$tag"
checks=0

fail() {
  echo "FAIL: $*" >&2
  [ -s "$dir/err" ] && sed 's/^/  stderr: /' "$dir/err" >&2
  [ -s "$dir/out" ] && sed 's/^/  stdout: /' "$dir/out" >&2
  exit 1
}
pass() { checks=$((checks + 1)); }

# check_output WHAT: one-line errors with the prefix, and no password.
check_output() {
  local prefix=$1
  if [ -s "$dir/err" ]; then
    grep -qv "^$prefix: " "$dir/err" && fail "stray stderr line"
    [ "$(wc -l <"$dir/err")" -le 1 ] || fail "more than one error line"
  fi
  if grep -qF -e "$marker" "$dir/err" "$dir/out"; then fail "a password was printed"; fi
  return 0
}

# run EXIT STDIN ARGS...: onecard-dir with STDIN (printf %s) on stdin.
run() {
  local want=$1 input=$2 got
  shift 2
  set +e
  printf '%s' "$input" | "$bin" "$@" >"$dir/out" 2>"$dir/err"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "exit $got, want $want: onecard-dir $*"
  check_output onecard-dir
  pass
}

# wrap EXIT STDIN ARGS...: the same through scripts/set-password.
wrap() {
  local want=$1 input=$2 got
  shift 2
  set +e
  printf '%s' "$input" | ONECARD_BIN_DIR=$bin_dir "$wrapper" "$@" >"$dir/out" 2>"$dir/err"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "exit $got, want $want: set-password $*"
  if [ -s "$dir/err" ]; then
    grep -qv -e '^onecard-dir: ' -e '^set-password: ' "$dir/err" && fail "stray stderr line"
    [ "$(wc -l <"$dir/err")" -le 1 ] || fail "more than one error line"
  fi
  if grep -qF -e "$marker" "$dir/err" "$dir/out"; then fail "a password was printed"; fi
  pass
}

# binds DN PASSWORD: 0 when the directory accepts the bind.
binds() {
  printf '%s' "$2" >"$dir/bindpw"
  chmod 600 "$dir/bindpw"
  ldapwhoami -x -H "$ONECARD_LDAP_URI" -D "$1" -y "$dir/bindpw" >/dev/null 2>&1
}

# tty_run EXIT FIRST SECOND ARGS...: onecard-dir on a pty (script(1)),
# answering each prompt once it is shown (echo is off by then); the
# whole terminal output into $dir/tty.
tty_run() {
  local want=$1 first=$2 second=$3 got pid rd wr
  shift 3
  coproc TTY { script -qfec "$(printf '%q ' "$bin" "$@")" /dev/null 2>&1; }
  # Our own copies: bash closes the coprocess's descriptors and unsets
  # its variables as soon as it ends.
  pid=$TTY_PID
  exec {rd}<&"${TTY[0]}" {wr}>&"${TTY[1]}"
  IFS= read -r -d ':' -t 20 _ <&"$rd" || fail "tty: no first prompt"
  printf '%s\n' "$first" >&"$wr"
  if [ -n "$second" ]; then
    IFS= read -r -d ':' -t 20 _ <&"$rd" || fail "tty: no second prompt"
    printf '%s\n' "$second" >&"$wr"
  fi
  timeout 20 cat <&"$rd" >"$dir/tty" || true
  exec {rd}<&- {wr}>&-
  set +e
  wait "$pid"
  got=$?
  set -e
  [ "$got" = "$want" ] || {
    cat "$dir/tty" >&2
    fail "tty: exit $got, want $want: $*"
  }
  if grep -qF -e "$marker" "$dir/tty"; then fail "tty: the password was echoed"; fi
  pass
}

# ---- a person, added with ldapadd --------------------------------------------

U=91310000MA$(printf '%s' "$tag" | tr 'a-f' 'A-F' | tr 'IOSVZ' 'JPTWX' | cut -c1-7)
chars=0123456789ABCDEFGHJKLMNPQRTUWXY
sum=0 w=1
for ((i = 0; i < 17; i++)); do
  rest=${chars%%"${U:i:1}"*}
  sum=$((sum + ${#rest} * w))
  w=$((w * 3 % 31))
done
U+=${chars:$(((31 - sum % 31) % 31)):1}
P=pwsh-$tag
PDN="uid=$P,ou=people,$ONECARD_LDAP_BASE"
ldapadd -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" -y "$ONECARD_LDAP_BIND_PW_FILE" \
  >/dev/null <<EOF
dn: onecardUscc=$U,ou=enterprises,$ONECARD_LDAP_BASE
objectClass: onecardEnterprise
o: Password Shell Test Co.
onecardUscc: $U
onecardStatus: active

dn: $PDN
objectClass: inetOrgPerson
objectClass: onecardPerson
uid: $P
cn: Zhao Liu
sn: Zhao Liu
onecardStatus: active
onecardEnterpriseRef: onecardUscc=$U,ou=enterprises,$ONECARD_LDAP_BASE
EOF

# ---- onecard-dir set-password from stdin ------------------------------------------

run 0 "$marker-one"$'\n' set-password --person "$P"
[ "$(cat "$dir/out")" = "password set for person $P" ] || fail "output"
binds "$PDN" "$marker-one" || fail "the password set does not bind"
binds "$PDN" "$marker-wrong" && fail "a wrong password binds"
run 0 "$marker-two" set-password --person "$P" # no newline
binds "$PDN" "$marker-two" || fail "no newline: does not bind"
run 0 "$marker-three"$'\r\n' set-password --person "$P"
binds "$PDN" "$marker-three" || fail "CRLF: does not bind"

# Refusals: exit 6, and the password stays what it was.
run 6 "short-pw"$'\n' set-password --person "$P"
grep -q 'shorter than 12' "$dir/err" || fail "too short: message"
run 6 "$marker-tab"$'\t'"x"$'\n' set-password --person "$P"
grep -q 'control character' "$dir/err" || fail "control character: message"
run 6 "$P"$'\n' set-password --person "$P"
grep -q 'person id' "$dir/err" || fail "person id: message"
run 6 "$marker-$(head -c 300 /dev/zero | tr '\0' x)"$'\n' set-password --person "$P"
grep -q 'longer than 256' "$dir/err" || fail "too long: message"
run 6 "$marker-three"$'\n' set-password --person "$P" # the current one
grep -q 'current one or one of the 5' "$dir/err" || fail "reuse: message"
run 6 "$marker-one"$'\n' set-password --person "$P" # two before
binds "$PDN" "$marker-three" || fail "a refusal changed the password"

# Usage: exit 2.
run 2 "" set-password --person "$P"
run 2 $'\n' set-password --person "$P"
run 2 "$marker-line1"$'\n'"second line"$'\n' set-password --person "$P"
run 2 "$marker-x"$'\n' set-password
run 2 "$marker-x"$'\n' set-password --person "bad id"
run 2 "" set-password --person "$P" "$marker-as-argument"
binds "$PDN" "$marker-three" || fail "usage errors changed the password"
run 3 "$marker-ghost"$'\n' set-password --person "no-such-$tag"
grep -q 'not found' "$dir/err" || fail "unknown person: message"
run 5 "$marker-unavailable"$'\n' set-password --person "$P" --uri 'ldapi://%2Fnonexistent%2Fldapi'
grep -q 'set-password' "$dir/err" || fail "unavailable: message"
run 0 "" --help
grep -q 'set-password --person ID' "$dir/out" || fail "help"

# ---- on a terminal: twice, without echo -----------------------------------------

tty_run 0 "$marker-tty" "$marker-tty" set-password --person "$P"
grep -q 'password set for person' "$dir/tty" || fail "tty: output"
binds "$PDN" "$marker-tty" || fail "tty: does not bind"
tty_run 2 "$marker-tty2" "$marker-tty3" set-password --person "$P"
grep -q 'differ' "$dir/tty" || fail "tty: mismatch message"
binds "$PDN" "$marker-tty" || fail "tty: a mismatch changed the password"
# A refused password is not asked for twice.
tty_run 6 "short" "" set-password --person "$P"
grep -q 'shorter than 12' "$dir/tty" || fail "tty: too short message"

# ---- scripts/set-password ----------------------------------------------------------

wrap 0 "$marker-wrapped"$'\n' --person "$P"
binds "$PDN" "$marker-wrapped" || fail "wrapper: does not bind"
# Only the dev stack's folder named: its env.sh gives the directory.
(
  unset ONECARD_LDAP_URI ONECARD_LDAP_BASE ONECARD_LDAP_BIND_DN ONECARD_LDAP_BIND_PW_FILE
  wrap 0 "$marker-devdir"$'\n' --person "$P"
  unset ONECARD_DEV_DIR
  wrap 1 "$marker-nodir"$'\n' --person "$P"
  grep -q 'no directory' "$dir/err" || fail "wrapper: no directory message"
)
binds "$PDN" "$marker-devdir" || fail "wrapper with ONECARD_DEV_DIR: does not bind"
wrap 6 "$marker-wrapped"$'\n' --person "$P" # reused
wrap 2 "" --person "$P" "$marker-as-argument"
wrap 2 "" --person 'bad id'
wrap 2 ""
wrap 3 "$marker-ghost"$'\n' --person "no-such-$tag"
wrap 0 "" --help

# ---- nowhere in slapd's log ---------------------------------------------------------

if [ -f "$ONECARD_DEV_DIR/slapd.log" ] &&
  grep -qF -e "$marker" -e "Pw-Marker-" "$ONECARD_DEV_DIR/slapd.log"; then
  fail "a password is in slapd's log"
fi
pass

echo "test_dir_password.sh: $checks checks passed"

# shellcheck shell=bash disable=SC2034
# Shared by onecard-login's tests against the real onecard-authd (sourced,
# not run):
#
#   . lib.sh; login_setup BUILD_DIR SOURCE_DIR NAME; login_authd [POLICY]
#
# Runs on the ctest fixture "authd_clients" (tests/common). login_setup
# makes a work folder WORK (removed on exit), a SoftHSM token store of the
# test's own (SOFTHSM2_CONF: the cards present are this test's only), PIN
# files, and picks a person and an enterprise of the test's own;
# login_authd makes a CA (onecard-ca init --alg ec, under POLICY when
# given) and starts the test's onecard-authd instance trusting it
# (tests/common/authd_fixture.sh: AUTHD_URL, af_rows), stopped on exit.
# Prints "ok - ..." / "not ok - ..." per check; login_finish prints
# "N passed, M failed" and sets the exit status.

set -uo pipefail
export LC_ALL=C

PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$*"; }

expect_eq() { # DESCRIPTION WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
expect_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $(basename "$3"): $(head -c 300 "$3" | tr '\n' '|'))"; fi
}
expect_no_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then not_ok "$1 (/$2/ in $(basename "$3"))"; else ok "$1"; fi
}
exists() { if [ -e "$1" ]; then echo yes; else echo no; fi; }

login_finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# shellcheck source=../common/authd_fixture.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common/authd_fixture.sh"

WORK=""
login_cleanup() {
  local rc=$?
  af_stop
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

# die_setup WHAT: a setup step failed; nothing after it can be tested.
die_setup() {
  not_ok "$*"
  login_finish
  exit 1
}

login_setup() {
  TEST_NAME=$3
  af_init "$1" "$2" || die_setup "the fixture and the tools"
  LOGIN=$BUILD/pkcs11/login/onecard-login
  CARDTOOL=$BUILD/pkcs11/onecard-card
  ENROLL=$SRC/scripts/enroll-card
  REVOKE=$SRC/scripts/revoke-card
  local t
  for t in "$LOGIN" "$CARDTOOL"; do
    [ -x "$t" ] || die_setup "built: $t"
  done
  for t in softhsm2-util pkcs11-tool setsid; do
    command -v "$t" >/dev/null || die_setup "installed: $t"
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/onecard-login-test.XXXXXX")
  trap login_cleanup EXIT
  trap 'exit 130' INT TERM
  cd "$WORK" || exit 1
  umask 077
  mkdir -m 0700 tmp
  export TMPDIR=$WORK/tmp
  unset ONECARD_PIN ONECARD_CA_PASS ONECARD_POLICY ONECARD_AUTHD_URL XDG_RUNTIME_DIR
  unset ONECARD_FAULT ONECARD_FAULT_FLAGS
  export ONECARD_CCACHE=$WORK/cc/ccache.json

  PIN=4711-login-pin
  SO_PIN=87654321-so
  printf 'correct horse battery staple\n' >"$WORK/pass"
  printf '%s\n' "$PIN" >"$WORK/pin"
  printf 'wrong-pin-0815\n' >"$WORK/badpin"
  printf '%s\n' "$PIN" >"$WORK/widepin"
  chmod 0644 "$WORK/widepin"

  # A token store of this test's own.
  mkdir -m 0700 "$WORK/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$WORK/tokens" >"$WORK/softhsm2.conf"
  export SOFTHSM2_CONF=$WORK/softhsm2.conf

  PERSON=p-$TEST_NAME-$$
  USCC=$(af_uscc)
  HOME_CA=$WORK/ca
}

# shellcheck disable=SC2120 # the policy is optional
login_authd() {
  local policy=${1:-}
  af_ca "$HOME_CA" "$WORK/pass" "$policy" || die_setup "a CA"
  af_authd "$TEST_NAME" "$HOME_CA" "$WORK/pass" "$policy" || die_setup "onecard-authd started"
  ok "onecard-authd $AUTHD_NAME at $AUTHD_URL"
}

# new_card LABEL: a blank card in the test's token store; prints its URI.
new_card() {
  softhsm2-util --init-token --free --label "$1" --so-pin "$SO_PIN" --pin "$PIN" >/dev/null ||
    return 1
  "$CARDTOOL" tokens | awk -F'\t' -v l="$1" '$1 == l {print $NF}'
}

# enroll_card URI AGENCIES: scripts/enroll-card with the test's CA, person
# and enterprise; the card id (its serial) in CARD_ID.
enroll_card() {
  CARD_ID=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$1")
  "$ENROLL" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --pin-file "$WORK/pin" --card "$1" \
    --person "$PERSON" --name "Zhang San" --enterprise "$USCC" \
    --enterprise-name "Client Test Trading $$" --agencies "$2" >"$WORK/enrolled" 2>"$WORK/enroll.err"
}

# run_login OUT ERR ARGS...: onecard-login with ARGS in a session of its
# own (no terminal: a PIN prompt fails at once); $RC is its exit status.
# Every stderr line is the program's; no PIN is ever shown.
run_login() {
  local o=$1 e=$2
  shift 2
  setsid -w "$LOGIN" "$@" </dev/null >"$o" 2>"$e"
  RC=$?
  if grep -qvE '^(onecard-login: |  pkcs11:)' "$e"; then not_ok "a stray stderr line: $*"; fi
  if grep -q -e "$PIN" -e wrong-pin-0815 "$o" "$e"; then not_ok "a PIN was printed: $*"; fi
}

# sql QUERY: one value from the fixture's database.
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$ONECARD_PG" -c "$1"; }

# last_login_agencies: the agencies of the certificates in this instance's
# last login row, sorted, comma-separated.
last_login_agencies() {
  sql "SELECT string_agg(c->>'agency', ',' ORDER BY c->>'agency')
       FROM authd_logins l, jsonb_array_elements(l.certs) c
       WHERE l.id = (SELECT max(id) FROM authd_logins WHERE instance = '$AUTHD_NAME')"
}

# rows: "CHALLENGES LOGINS" this test's authd has written so far.
rows() { printf '%s %s\n' "$(af_rows authd_challenges)" "$(af_rows authd_logins)"; }

# last_line FILE: the last line of FILE.
last_line() { tail -n1 "$1"; }

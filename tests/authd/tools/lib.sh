# shellcheck shell=bash disable=SC2034
# Shared by the authd tools' shell tests (sourced, not run).
#
#   . lib.sh; tools_setup BUILD_DIR
#
# Makes a temporary folder (removed on exit), finds the tools in
# BUILD_DIR and prints "ok - ..." / "not ok - ..." per check;
# tools_finish prints "N passed, M failed" and sets the exit status.
# Tests against the real onecard-authd then call tools_authd (the ctest
# fixture "authd_clients", tests/common/authd_fixture.sh); the authd
# instance they start is stopped on exit.

set -uo pipefail
export LC_ALL=C

PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$*"; }

# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}
# check_not DESCRIPTION COMMAND...: passes if the command fails.
check_not() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then not_ok "$what (unexpectedly succeeded)"; else ok "$what"; fi
}
expect_eq() { # DESCRIPTION WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
expect_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $(basename "$3"): $(head -c 400 "$3" | tr '\n' '|'))"; fi
}
expect_no_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then not_ok "$1 (/$2/ in $(basename "$3"))"; else ok "$1"; fi
}

tools_finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# shellcheck source=../../common/authd_fixture.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../common/authd_fixture.sh"

WORK=""
tools_cleanup() {
  local rc=$?
  af_stop
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

# tools_setup BUILD_DIR: the tools, a work folder, the traps.
tools_setup() {
  BUILD=$(cd "$1" && pwd)
  TOOLS=$BUILD/tests/authd/tools
  MKCERT=$TOOLS/mkcert
  SOFTCARD=$TOOLS/softcard
  BENCH_LOGIN=$BUILD/bench/login/onecard-bench-login
  local t
  for t in "$MKCERT" "$SOFTCARD" "$BENCH_LOGIN"; do
    if [ ! -x "$t" ]; then
      not_ok "built: $t"
      tools_finish
      exit 1
    fi
  done
  if ! command -v openssl >/dev/null; then
    not_ok "installed: openssl"
    tools_finish
    exit 1
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/onecard-authd-tools.XXXXXX")
  trap tools_cleanup EXIT
  trap 'exit 130' INT TERM
  cd "$WORK" || exit 1
  umask 077
}

# make_ca DIR: a card-issuing CA as onecard-ca makes one (EC P-256,
# CA:TRUE pathlen:0, keyCertSign+cRLSign, SKI), key DIR/ca.key (plain)
# and DIR/ca-enc.key (encrypted PKCS#8, scrypt, passphrase in DIR/pass).
make_ca() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" \
    -out "$dir/ca.pem" -days 3650 -subj "/O=Tools Test/CN=Tools Test Card CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "certificatePolicies=2.5.29.32.0" 2>/dev/null || return 1
  printf 'correct horse battery staple\n' >"$dir/pass"
  chmod 600 "$dir/pass"
  openssl pkcs8 -topk8 -scrypt -in "$dir/ca.key" -out "$dir/ca-enc.key" \
    -passout "file:$dir/pass" 2>/dev/null
}

# tools_authd SOURCE_DIR NAME COUNT AGENCIES: on the fixture
# "authd_clients" (the test runs under tests/services/fixture.sh exec
# BUILD/tests/common), COUNT software-key cards of AGENCIES made by
# bench/login/setup-cards.sh with a new CA home WORK/ca (passphrase file
# WORK/pass; cards in WORK/cards, whose setup.env is read: CARDS, ANCHORS,
# CHAIN, CRL_DIR, PREFIX, POLICY_OIDS), that CA's CRL published to
# WORK/ca/crl.pem, and this test's onecard-authd trusting the CA
# (AUTHD_URL; af_rows counts its audit rows). Ends the test on failure.
tools_authd() {
  af_init "$BUILD" "$1" || { tools_finish; exit 1; }
  printf 'correct horse battery staple\n' >"$WORK/pass"
  chmod 600 "$WORK/pass"
  ONECARD_BENCH_PREFIX=$2-$$ ONECARD_BENCH_JOBS=2 \
    bash "$SRC/bench/login/setup-cards.sh" "$WORK/ca" "$WORK/pass" "$WORK/cards" "$3" "$4" \
    >/dev/null 2>"$WORK/setup.err" || {
    not_ok "setup-cards: $(tail -n1 "$WORK/setup.err")"
    tools_finish
    exit 1
  }
  # shellcheck disable=SC1091
  . "$WORK/cards/setup.env"
  cp "$WORK/cards/crl/card-ca.crl.pem" "$WORK/ca/crl.pem"
  af_authd "$2" "$WORK/ca" "$WORK/pass" || { tools_finish; exit 1; }
  ok "onecard-authd $AUTHD_NAME at $AUTHD_URL, $3 card(s) of $4"
}

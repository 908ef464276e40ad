# shellcheck shell=bash disable=SC2034
# Shared by the authd tools' shell tests (sourced, not run).
#
#   . lib.sh; tools_setup BUILD_DIR
#
# Makes a temporary folder (removed on exit, with any fake-authd this
# test started), finds the tools in BUILD_DIR and prints "ok - ..." /
# "not ok - ..." per check; tools_finish prints "N passed, M failed" and
# sets the exit status.

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

WORK=""
FAKE_PID=""
tools_cleanup() {
  local rc=$?
  if [ -n "$FAKE_PID" ]; then
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
  fi
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

# tools_setup BUILD_DIR: the tools, a work folder, the traps.
tools_setup() {
  BUILD=$(cd "$1" && pwd)
  TOOLS=$BUILD/tests/authd/tools
  MKCERT=$TOOLS/mkcert
  SOFTCARD=$TOOLS/softcard
  FAKE_AUTHD=$TOOLS/fake-authd
  BENCH_LOGIN=$BUILD/bench/login/onecard-bench-login
  local t
  for t in "$MKCERT" "$SOFTCARD" "$FAKE_AUTHD" "$BENCH_LOGIN"; do
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

# fake_start [ARGS...]: starts fake-authd; sets FAKE_URL.
# shellcheck disable=SC2120 # the arguments are optional
fake_start() {
  local i
  rm -f "$WORK/fake.port"
  "$FAKE_AUTHD" --port-file "$WORK/fake.port" "$@" 2>"$WORK/fake.err" &
  FAKE_PID=$!
  for ((i = 0; i < 100; i++)); do
    [ -s "$WORK/fake.port" ] && break
    sleep 0.05
  done
  if [ ! -s "$WORK/fake.port" ]; then
    not_ok "fake-authd started: $(cat "$WORK/fake.err")"
    tools_finish
    exit 1
  fi
  FAKE_URL=http://127.0.0.1:$(cat "$WORK/fake.port")
}

# fake_stop: stops fake-authd with SIGTERM; it must end cleanly (exit 0,
# nothing on stderr: a sanitizer report would be there).
fake_stop() {
  local rc
  kill "$FAKE_PID" 2>/dev/null
  wait "$FAKE_PID"
  rc=$?
  FAKE_PID=""
  expect_eq "fake-authd: stopped cleanly" 0 "$rc"
  expect_eq "fake-authd: nothing on stderr" "" "$(head -c 300 "$WORK/fake.err")"
}

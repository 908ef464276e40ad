# shellcheck shell=bash disable=SC2034
# Shared by the enrollment tests (sourced, not run).
#
#   . lib.sh; enroll_setup BUILD_DIR SOURCE_DIR
#
# Starts a private service set (scripts/dev-services) in a temporary
# folder of its own — not the shared ctest fixture, since these tests
# compare counts — makes a CA (onecard-ca init --alg ec) and a blank
# SoftHSM card "card1", and stops and removes everything on exit.
# Prints "ok - ..." / "not ok - ..." per check; enroll_finish prints
# "N passed, M failed" and sets the exit status.

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
  if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $(basename "$3"): $(head -c 300 "$3" | tr '\n' '|'))"; fi
}
expect_no_grep() { # DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then not_ok "$1 (/$2/ in $(basename "$3"))"; else ok "$1"; fi
}

enroll_finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

WORK=""
DEV=""
enroll_cleanup() {
  local rc=$?
  if [ -n "$DEV" ] && [ -x "${DEV_SERVICES:-}" ]; then
    "$DEV_SERVICES" clean "$DEV" >/dev/null 2>&1 || "$DEV_SERVICES" stop "$DEV" >/dev/null 2>&1
  fi
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

# enroll_setup BUILD_DIR SOURCE_DIR
enroll_setup() {
  BUILD=$(cd "$1" && pwd)
  SRC=$(cd "$2" && pwd)
  DEV_SERVICES=$SRC/scripts/dev-services
  ENROLL=$SRC/scripts/enroll-card
  REVOKE=$SRC/scripts/revoke-card
  export ONECARD_BIN_DIR=$BUILD
  CA=$BUILD/ca/onecard-ca
  CARD=$BUILD/pkcs11/onecard-card
  DIRTOOL=$BUILD/directory/onecard-dir
  local t
  for t in "$CA" "$CARD" "$DIRTOOL"; do
    if [ ! -x "$t" ]; then
      not_ok "built: $t"
      enroll_finish
      exit 1
    fi
  done
  for t in openssl certtool pkcs11-tool ldapsearch psql; do
    if ! command -v "$t" >/dev/null; then
      not_ok "installed: $t"
      enroll_finish
      exit 1
    fi
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/onecard-enroll-test.XXXXXX")
  chmod 0711 "$WORK"
  DEV=$WORK/dev
  trap enroll_cleanup EXIT
  trap 'exit 130' INT TERM
  if ! "$DEV_SERVICES" start "$DEV" >"$WORK/env.sh" 2>"$WORK/dev-services.log"; then
    cat "$WORK/dev-services.log" >&2
    not_ok "dev-services start"
    enroll_finish
    exit 1
  fi
  # shellcheck disable=SC1091
  . "$WORK/env.sh"
  unset ONECARD_CA_PASS ONECARD_POLICY ONECARD_PIN
  # The scripts' temporary folders go here, where a test can see that
  # none is left behind.
  mkdir -m 0700 "$WORK/tmp"
  export TMPDIR=$WORK/tmp
  cd "$WORK" || exit 1
  umask 077
  PIN=4711-enroll-pin
  printf 'correct horse battery staple\n' >"$WORK/pass"
  printf '%s\n' "$PIN" >"$WORK/pin"
  printf 'wrong-pin-0815\n' >"$WORK/badpin"
  HOME_CA=$WORK/ca
  "$CA" init --home "$HOME_CA" --name "Enroll Test" --alg ec --pass-file "$WORK/pass" \
    --policy "$SRC/policies/onecard.conf" >/dev/null 2>"$WORK/err" || {
    cat "$WORK/err" >&2
    not_ok "onecard-ca init"
    enroll_finish
    exit 1
  }
  CARD1_URI=$(ONECARD_PIN=$PIN "$DEV_SERVICES" card "$DEV" card1 2>/dev/null)
  CARD1_ID=$(sed -n 's/.*serial=\([^;]*\).*/\1/p' <<<"$CARD1_URI")
  [ -n "$CARD1_ID" ] || { not_ok "a blank card"; enroll_finish; exit 1; }
}

# new_card LABEL: a blank card; prints its URI.
new_card() { ONECARD_PIN=$PIN "$DEV_SERVICES" card "$DEV" "$1" 2>/dev/null; }

USCC_OK=91350100M000100Y43
AGENCIES=customs,inspection-quarantine,maritime,border

# enroll OUT ERR ARGS...: scripts/enroll-card with the PIN file and the
# CA passphrase file; ARGS override or add options.
run_enroll() {
  local out=$1 err=$2
  shift 2
  "$ENROLL" --ca-home "$HOME_CA" --pass-file "$WORK/pass" "$@" >"$out" 2>"$err"
}
# std_args URI AGENCIES: sets ARGS to the usual person of the usual
# enterprise, on the card URI, with the agencies.
std_args() {
  ARGS=(--card "$1" --person p-0001 --name "Zhang San" --enterprise "$USCC_OK"
    --enterprise-name "Example Trading Co" --agencies "$2")
}

# ---- what must not change ------------------------------------------------

sql() { psql -X -q -At -d "$ONECARD_PG" -c "$1"; }
inventory_counts() {
  sql "SELECT count(*) || ' certificates, ' || count(*) FILTER (WHERE status = 'valid') || ' valid'
       FROM certificates"
}
dir_card_entries() {
  ldapsearch -LLL -x -H "$ONECARD_LDAP_URI" -D "$ONECARD_LDAP_BIND_DN" \
    -y "$ONECARD_LDAP_BIND_PW_FILE" -b "ou=cards,$ONECARD_LDAP_BASE" dn 2>/dev/null |
    grep -c '^dn:'
}
# card_objects LABEL: the number of objects on the card (logged in).
card_objects() {
  P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label "$1" --login \
    --pin env:P11PIN -O 2>/dev/null | grep -c 'Object;'
}
# state LABEL: inventory, directory and card in one line.
state() {
  printf 'inventory: %s; directory: %s entries under ou=cards; card %s: %s objects' \
    "$(inventory_counts)" "$(dir_card_entries)" "$1" "$(card_objects "$1")"
}

# refused NAME WANT_EXIT PATTERN LABEL BEFORE: checks a refusal/failure
# the caller just ran into out/err (exit status in $RC).
refused() {
  local name=$1 want=$2 pattern=$3 label=$4 before=$5
  expect_eq "$name: exit $want" "$want" "$RC"
  expect_eq "$name: one error line" 1 "$(grep -c '^enroll-card: error: ' err)"
  expect_grep "$name: says why" "$pattern" err
  [ -n "${SHOW_ERRORS:-}" ] && grep '^enroll-card: error: ' err | sed 's/^/     /'
  expect_eq "$name: nothing on stdout" 0 "$(wc -c <out)"
  expect_no_grep "$name: no PIN in the output" "$PIN|wrong-pin-0815" err
  expect_eq "$name: inventory, directory and card unchanged" "$before" "$(state "$label")"
}

# ---- taking services away --------------------------------------------------

state_value() { sed -n "s/^$1=//p" "$DEV/state"; }
as_pg_user() {
  local user
  user=$(state_value pg_user)
  if [ "$user" = "$(id -un)" ]; then (cd / && "$@"); else (cd / && runuser -u "$user" -- "$@"); fi
}
# pg_down: stops PostgreSQL alone, as dev-services stop does (pg_ctl -m fast).
pg_down() {
  local bin
  bin=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  as_pg_user "$bin/pg_ctl" -D "$(state_value pg_root)/data" -m fast -w stop >/dev/null 2>&1
}
# slapd_down: stops slapd alone (TERM via its pid file, then waits).
slapd_down() {
  local pid i
  pid=$(cat "$DEV/slapd.pid" 2>/dev/null) || return 1
  kill -TERM "$pid" 2>/dev/null || return 1
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.2
  done
  return 1
}
# services_up: everything back (dev-services refuses a partly running set).
services_up() {
  "$DEV_SERVICES" stop "$DEV" >/dev/null 2>&1
  "$DEV_SERVICES" start "$DEV" >"$WORK/env.sh" 2>>"$WORK/dev-services.log"
  # shellcheck disable=SC1091
  . "$WORK/env.sh"
}

# Shared by the onecard-ca integration tests (sourced, not run).
#
#   . lib.sh; ca_setup "$ONECARD_CA" "$DEV_SERVICES"
#
# Starts a private PostgreSQL for this test (scripts/dev-services when
# present, else a bare cluster of its own) inside a temporary folder,
# and stops it and removes the folder on exit, whatever happens.
# Exports ONECARD_PG. Provides the assertions and counters the tests use;
# ca_finish prints "N passed, N failed" and sets the exit status.

set -uo pipefail

PASSED=0
FAILED=0
CASE=""
POLICY=${POLICY:-}
export LC_ALL=C

ok() { PASSED=$((PASSED + 1)); printf 'ok   %s%s\n' "${CASE:+$CASE: }" "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s%s\n' "${CASE:+$CASE: }" "$*"; }

# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# check_not DESCRIPTION COMMAND...: passes if the command fails.
check_not() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then fail "$what (unexpectedly succeeded)"; else ok "$what"; fi
}

# expect_eq DESCRIPTION WANT GOT
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (want '$2', got '$3')"; fi
}

# expect_grep DESCRIPTION PATTERN FILE
expect_grep() {
  if grep -Eq -- "$2" "$3"; then ok "$1"; else fail "$1 (no /$2/ in $(basename "$3"))"; fi
}

# expect_no_grep DESCRIPTION PATTERN FILE
expect_no_grep() {
  if grep -Eq -- "$2" "$3"; then fail "$1 (/$2/ found in $(basename "$3"))"; else ok "$1"; fi
}

# ---- services ---------------------------------------------------------

PG_MODE=""
WORK=""

pg_own_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries" >&2; return 1; }
  PG_BIN=$bin
  mkdir -p "$WORK/pg"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$WORK/pg"
    chmod 0711 "$WORK"
    PG_AS=(runuser -u postgres --)
  else
    PG_AS=()
  fi
  (cd / && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust \
    -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1) || return 1
  printf "listen_addresses = ''\nunix_socket_directories = '%s'\nfsync = off\n" "$WORK/pg" |
    "${PG_AS[@]}" sh -c 'cat >>"$1/postgresql.conf"' sh "$WORK/pg/data"
  pg_own_up || return 1
  psql -X -q -h "$WORK/pg" -U postgres -d postgres -c 'CREATE ROLE onecard LOGIN' \
    -c 'CREATE DATABASE onecard OWNER onecard' >/dev/null || return 1
  export ONECARD_PG="host=$WORK/pg dbname=onecard user=onecard"
}

pg_own_up() {
  (cd / && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w start) \
    >/dev/null 2>&1
}

pg_own_down() {
  (cd / && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop) >/dev/null 2>&1
}

# db_stop / db_start: take the database away and bring it back.
db_stop() {
  if [ "$PG_MODE" = dev ]; then
    "$DEV_SERVICES" stop "$WORK/dev" >/dev/null 2>&1
  else
    pg_own_down
  fi
}

db_start() {
  if [ "$PG_MODE" = dev ]; then
    "$DEV_SERVICES" start "$WORK/dev" >/dev/null 2>&1
  else
    pg_own_up
  fi
}

ca_cleanup() {
  local rc=$?
  if [ "$PG_MODE" = dev ]; then
    "$DEV_SERVICES" clean "$WORK/dev" >/dev/null 2>&1 || "$DEV_SERVICES" stop "$WORK/dev" >/dev/null 2>&1
  elif [ "$PG_MODE" = own ]; then
    pg_own_down
  fi
  [ -n "$WORK" ] && rm -rf -- "$WORK"
  exit "$rc"
}

# ca_setup ONECARD_CA DEV_SERVICES POLICY
ca_setup() {
  CA=$1
  DEV_SERVICES=$2
  POLICY=$3
  WORK=$(mktemp -d /tmp/onecard-ca-test.XXXXXX)
  trap ca_cleanup EXIT
  trap 'exit 130' INT TERM
  if [ -x "$DEV_SERVICES" ]; then
    PG_MODE=dev
    # shellcheck disable=SC1090
    "$DEV_SERVICES" start "$WORK/dev" >"$WORK/dev-env.sh" 2>"$WORK/dev-services.log" || {
      cat "$WORK/dev-services.log" >&2
      echo "cannot start the dev services" >&2
      exit 1
    }
    # shellcheck disable=SC1091
    . "$WORK/dev-env.sh"
  else
    PG_MODE=own
    pg_own_start || { echo "cannot start PostgreSQL" >&2; exit 1; }
  fi
  unset ONECARD_CA_PASS ONECARD_POLICY
  PASS_FILE=$WORK/pass
  (umask 077 && printf 'correct horse battery staple\n' >"$PASS_FILE")
  cd "$WORK" || exit 1
}

sql() { psql -X -q -At -d "$ONECARD_PG" -c "$1"; }
cert_count() { sql 'SELECT count(*) FROM certificates'; }

# snapshot HOME: what must not change: the inventory (certificates with
# their status, revocations, CRLs, CA rows) and every file of the home
# (names, modes, sizes, contents).
snapshot() {
  sql "SELECT (SELECT count(*) FROM certificates) || ' certificates, '
       || (SELECT count(*) FROM revocations) || ' revocations, '
       || (SELECT count(*) FROM crls) || ' crls, ' || (SELECT count(*) FROM cas) || ' cas, '
       || coalesce((SELECT md5(string_agg(serial || status, ',' ORDER BY serial))
                    FROM certificates), '-')"
  if [ -d "$1" ]; then
    (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort)
  else
    echo "no home"
  fi
}

# run_ca OUT ERR ARGS...: runs onecard-ca, returns its exit status.
# "env ENV-ARGS... -- ARGS...": runs it under env(1) with ENV-ARGS.
run_ca() {
  local out=$1 err=$2 envargs=()
  shift 2
  if [ "${1:-}" = env ]; then
    shift
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
      envargs+=("$1")
      shift
    done
    shift
    env "${envargs[@]}" "$CA" "$@" >"$out" 2>"$err"
    return
  fi
  "$CA" "$@" >"$out" 2>"$err"
}

# ca_finish: the closing line ctest's output is read for.
ca_finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# A GB 32100 code with a correct check character.
USCC_OK=91350100M000100Y43

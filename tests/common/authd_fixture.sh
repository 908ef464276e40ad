# shellcheck shell=bash disable=SC2034
# A real onecard-authd of one's own on the ctest fixture "authd_clients"
# (tests/common/CMakeLists.txt). Sourced, not run, by the tests of
# authd's clients. The caller runs under tests/services/fixture.sh exec
# (ONECARD_DEV_DIR, ONECARD_PG, ONECARD_LDAP_* set), keeps its files in
# WORK, defines ok and not_ok, and calls af_stop on exit (its EXIT trap).
#
#   af_init BUILD_DIR SOURCE_DIR   the tools; 1 when something is missing
#   af_ca HOME PASS_FILE [POLICY]  a new CA home (onecard-ca init --alg ec)
#   af_authd NAME HOME PASS_FILE [POLICY]
#                                  starts onecard-authd "NAME-<pid of the
#                                  test>" with scripts/dev-services authd,
#                                  trusting HOME's card CA and HOME/crl.pem:
#                                  sets AUTHD_NAME, AUTHD_URL, AUTHD_PID,
#                                  AUTHD_LOG; 1 when it did not start
#   af_rows TABLE [CONDITION]      rows of authd_challenges or authd_logins
#                                  that this instance wrote (other tests'
#                                  instances write to the same tables); a
#                                  failed query prints a word that equals
#                                  no count
#   af_stop                        stops the instance (TERM, then waits)
#   af_stop_checked                af_stop, then checks (ok/not_ok) that the
#                                  instance ended on TERM and that its log
#                                  holds no sanitizer report
#   af_uscc                        a new unified social credit code
#
# Every instance shares the fixture's PostgreSQL, directory and key
# folder; ids a test enrolls (cards, persons, enterprises) must be its own.

AUTHD_NAME=""
AUTHD_URL=""
AUTHD_PID=""
AUTHD_LOG=""

af_init() {
  BUILD=$(cd "$1" && pwd)
  SRC=$(cd "$2" && pwd)
  DEV_SERVICES=$SRC/scripts/dev-services
  CA=$BUILD/ca/onecard-ca
  DIRTOOL=$BUILD/directory/onecard-dir
  export ONECARD_BIN_DIR=$BUILD
  local t v
  for v in ONECARD_DEV_DIR ONECARD_PG ONECARD_LDAP_URI; do
    if [ -z "${!v:-}" ]; then
      not_ok "$v set (run under tests/services/fixture.sh exec BUILD/tests/common)"
      return 1
    fi
  done
  for t in "$CA" "$DIRTOOL" "$BUILD/authd/server/onecard-authd"; do
    [ -x "$t" ] || { not_ok "built: $t"; return 1; }
  done
  for t in psql curl openssl; do
    command -v "$t" >/dev/null || { not_ok "installed: $t"; return 1; }
  done
}

af_ca() {
  local home=$1 pass=$2 policy=${3:-$SRC/policies/onecard.conf}
  "$CA" init --home "$home" --name "Client Test" --alg ec --pass-file "$pass" \
    --policy "$policy" >/dev/null 2>"$WORK/ca-init.err" || {
    not_ok "onecard-ca init: $(tail -n1 "$WORK/ca-init.err")"
    return 1
  }
}

af_authd() {
  local name=$1-$$ home=$2 pass=$3 policy=${4:-} out
  local -a extra=()
  [ -n "$policy" ] && extra=(--policy "$policy")
  [[ $name =~ ^[A-Za-z0-9._-]{1,32}$ ]] || { not_ok "authd instance name $name"; return 1; }
  out=$("$DEV_SERVICES" authd "$ONECARD_DEV_DIR" --ca-home "$home" --pass-file "$pass" \
    --name "$name" "${extra[@]}" 2>>"$WORK/dev-services.log") || {
    not_ok "dev-services authd: $(tail -n1 "$WORK/dev-services.log")"
    return 1
  }
  AUTHD_NAME=$name
  AUTHD_URL=$(sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'\$/\1/p" <<<"$out")
  AUTHD_PID=$(head -n1 "$ONECARD_DEV_DIR/authd/$name/authd.pid" 2>/dev/null)
  AUTHD_LOG=$ONECARD_DEV_DIR/authd/$name/authd.log
  if ! [[ $AUTHD_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || ! [[ $AUTHD_PID =~ ^[0-9]+$ ]]; then
    not_ok "dev-services authd printed a URL and wrote a pid ('$AUTHD_URL', '$AUTHD_PID')"
    return 1
  fi
}

af_rows() {
  local n
  n=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$ONECARD_PG" \
    -c "SELECT count(*) FROM $1 WHERE instance = '$AUTHD_NAME'${2:+ AND ($2)}" 2>&1)
  # A failed query must not look like "no rows" (nor like the last count).
  [[ $n =~ ^[0-9]+$ ]] || n="no-count-$RANDOM$RANDOM"
  printf '%s\n' "$n"
}

# af_alive [PID]: the instance's process (or PID) runs, not a zombie, and
# is onecard-authd.
af_alive() {
  local pid=${1:-$AUTHD_PID} state
  [ -n "$pid" ] || return 1
  [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = onecard-authd ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

af_stop() {
  local i
  if af_alive; then
    kill -TERM "$AUTHD_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      af_alive || break
      sleep 0.1
    done
  fi
  AUTHD_PID=""
}

af_stop_checked() {
  local pid=$AUTHD_PID
  af_stop
  if [ -n "$pid" ] && ! af_alive "$pid"; then
    ok "authd $AUTHD_NAME stopped on TERM"
  else
    not_ok "authd $AUTHD_NAME stopped on TERM"
  fi
  if grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$AUTHD_LOG" 2>/dev/null; then
    not_ok "authd $AUTHD_NAME: a sanitizer report in its log: $(grep -Em1 'ERROR|runtime error' "$AUTHD_LOG")"
  else
    ok "authd $AUTHD_NAME: no sanitizer report in its log"
  fi
}

# af_uscc: 91350100, nine random digits, then the GB 32100 check
# character (weights 3^(i-1) mod 31), as scripts/enroll-card checks it.
af_uscc() {
  local chars=0123456789ABCDEFGHJKLMNPQRTUWXY body rest i sum=0 w=1
  body=91350100$(od -An -N8 -tu8 /dev/urandom | tr -dc 0-9 | tail -c 9)
  while [ "${#body}" -lt 17 ]; do body=${body}0; done
  for ((i = 0; i < 17; i++)); do
    rest=${chars%%"${body:i:1}"*}
    sum=$((sum + ${#rest} * w))
    w=$((w * 3 % 31))
  done
  printf '%s%s\n' "$body" "${chars:$(((31 - sum % 31) % 31)):1}"
}

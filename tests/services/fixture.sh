#!/usr/bin/env bash
# The ctest fixture "services": one private set of dev services
# (scripts/dev-services: PostgreSQL, slapd, SoftHSM2) per build folder,
# shared by every integration test that declares FIXTURES_REQUIRED services.
# See docs/dev-services.md.
#
#   fixture.sh start BUILD_DIR            FIXTURES_SETUP: fresh services in
#                                         BUILD_DIR/services (any left over
#                                         from an interrupted run are removed)
#   fixture.sh stop BUILD_DIR             FIXTURES_CLEANUP: stop and remove them
#                                         (ONECARD_KEEP_SERVICES=1: stop only,
#                                         keep data and logs to look at)
#   fixture.sh check BUILD_DIR            all three services answer
#   fixture.sh exec BUILD_DIR CMD [ARG]   run CMD with BUILD_DIR/services/env.sh
#                                         sourced (ONECARD_PG, ONECARD_LDAP_URI...)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ds=$(cd "$here/../.." && pwd)/scripts/dev-services

die() {
  printf 'services fixture: error: %s\n' "$*" >&2
  exit 1
}

[ $# -ge 2 ] || die "usage: fixture.sh start|stop|check|exec BUILD_DIR [CMD ARGS...]"
cmd=$1
build=$2
shift 2
[ -d "$build" ] || die "build folder $build does not exist"
dir=$(cd "$build" && pwd)/services

case $cmd in
  start)
    [ $# -eq 0 ] || die "start takes no arguments after BUILD_DIR"
    if [ -e "$dir" ]; then "$ds" clean "$dir"; fi
    "$ds" start "$dir" >/dev/null
    "$ds" status "$dir"
    ;;
  stop)
    [ $# -eq 0 ] || die "stop takes no arguments after BUILD_DIR"
    if [ "${ONECARD_KEEP_SERVICES:-0}" = 1 ]; then
      "$ds" stop "$dir"
    else
      "$ds" clean "$dir"
    fi
    ;;
  check)
    [ $# -eq 0 ] || die "check takes no arguments after BUILD_DIR"
    "$ds" status "$dir"
    ;;
  exec)
    [ $# -ge 1 ] || die "exec needs a command"
    [ -r "$dir/env.sh" ] || die "$dir/env.sh not found: does the test declare FIXTURES_REQUIRED services?"
    # shellcheck disable=SC1091
    . "$dir/env.sh"
    exec "$@"
    ;;
  *) die "unknown command '$cmd' (start, stop, check or exec)" ;;
esac

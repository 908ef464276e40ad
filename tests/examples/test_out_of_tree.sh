#!/usr/bin/env bash
# The example city module builds outside the tree as its README says:
# `cmake --install` puts onecard in a prefix, the example's sources are
# copied away from the tree, and `cc ... $(pkg-config --cflags --libs
# onecard libmicrohttpd)` builds them, strict warnings as errors, with
# nothing else. The program needs libonecard.so.0 from the prefix, prints
# its usage, and refuses to start without authd, saying why.
#
#   test_out_of_tree.sh BUILD_DIR EXAMPLE_DIR CC "EXTRA_CFLAGS"
set -uo pipefail
export LC_ALL=C

build=$1 example=$2 cc=$3 extra=${4:-}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$*"; }
finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onecard-city-oot.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
prefix=$tmp/prefix

if cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  ok "cmake --install into a temporary prefix"
else
  not_ok "cmake --install: $(tail -n 3 "$tmp/install.log")"
  finish
  exit 1
fi
pc=$(find "$prefix" -name onecard.pc -path '*/pkgconfig/*' | head -n1)
[ -n "$pc" ] || { not_ok "installed onecard.pc"; finish; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH=$libdir/pkgconfig

# The sources alone, away from the tree: nothing but the public headers
# can be found.
mkdir "$tmp/src"
cp "$example"/*.c "$example"/*.h "$tmp/src/" || { not_ok "copy the sources"; finish; exit 1; }
bad=$(grep -hE '^#include' "$tmp"/src/*.[ch] | grep -vE '^#include (<onecard/[a-z]+\.h>|<[a-z0-9/_.]+\.h>|"[a-z_]+\.h")$')
if [ -z "$bad" ]; then ok "the sources include <onecard/*.h>, system and their own headers only"; else not_ok "includes: $bad"; fi
while read -r h; do
  [ -f "$tmp/src/$h" ] || not_ok "own header $h is in the example's folder"
done < <(grep -hoE '^#include "[a-z_]+\.h"' "$tmp"/src/*.[ch] | sed 's/.*"\(.*\)"/\1/' | sort -u)
grep -hoE '^#include <onecard/[a-z]+\.h>' "$tmp"/src/*.[ch] | sort -u | while read -r _ h; do
  h=${h#<}
  h=${h%>}
  [ -f "$prefix/include/$h" ] || echo "missing $h"
done >"$tmp/missing"
if [ ! -s "$tmp/missing" ]; then ok "every onecard header it includes is installed"; else not_ok "$(cat "$tmp/missing")"; fi

# The README's command, with this build's compiler, strict.
cd "$tmp/src" || exit 1
# shellcheck disable=SC2046,SC2086
if "$cc" -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wformat=2 -Werror $extra \
  -o city-module main.c options.c guard.c page.c server.c \
  $(pkg-config --cflags --libs onecard libmicrohttpd) -pthread 2>"$tmp/cc.err"; then
  ok "built with pkg-config --cflags --libs onecard libmicrohttpd"
else
  not_ok "build: $(head -c 800 "$tmp/cc.err")"
  finish
  exit 1
fi
needed=$(readelf -d city-module | sed -n 's/.*NEEDED.*\[\(libonecard[^]]*\)\].*/\1/p')
if [ "$needed" = libonecard.so.0 ]; then ok "it needs libonecard.so.0"; else not_ok "it needs libonecard.so.0 (got '$needed')"; fi
if LD_LIBRARY_PATH=$libdir ldd ./city-module | grep -q "$libdir/libonecard.so.0"; then
  ok "it loads libonecard.so.0 from the prefix"
else
  not_ok "it loads libonecard.so.0 from the prefix"
fi
LD_LIBRARY_PATH=$libdir ./city-module --help >help.out 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^usage: city-module --authd URL --module ID' help.out; then
  ok "--help: the usage, exit 0"
else
  not_ok "--help (exit $rc): $(head -c 300 help.out)"
fi
LD_LIBRARY_PATH=$libdir timeout 30 ./city-module --authd http://127.0.0.1:1 \
  --module city-a-customs-declaration >down.out 2>down.err
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'cannot connect to the module list URL (io_error)$' down.err; then
  ok "authd down: exit 1, saying why"
else
  not_ok "authd down (exit $rc): $(head -c 300 down.err)"
fi
finish

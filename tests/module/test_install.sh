#!/usr/bin/env bash
# cmake --install puts onecard's public headers, libonecard.so.0 and
# onecard.pc in place, and a program builds and runs against them with
# nothing but pkg-config (issue 5 §3).
#
#   test_install.sh BUILD_DIR PROBE.c CC "EXTRA_CFLAGS"
set -uo pipefail
export LC_ALL=C

build=$1 probe=$2 cc=$3 extra=${4:-}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$*"; }
finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onecard-install-test.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
prefix=$tmp/prefix

if cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  ok "cmake --install into a temporary prefix"
else
  not_ok "cmake --install: $(tail -n 3 "$tmp/install.log")"
  finish
  exit 1
fi

for h in error.h token.h visibility.h module.h; do
  if [ -f "$prefix/include/onecard/$h" ]; then ok "installed include/onecard/$h"; else not_ok "installed include/onecard/$h"; fi
done
pc=$(find "$prefix" -name onecard.pc -path '*/pkgconfig/*' | head -n1)
if [ -n "$pc" ]; then ok "installed onecard.pc ($(basename "$(dirname "$(dirname "$pc")")")/pkgconfig)"; else not_ok "installed onecard.pc"; finish; exit 1; fi
libdir=$(dirname "$(dirname "$pc")")
real=$(find "$libdir" -maxdepth 1 -name 'libonecard.so.0.*' -type f | head -n1)
if [ -n "$real" ] && [ -L "$libdir/libonecard.so.0" ] && [ -L "$libdir/libonecard.so" ]; then
  ok "libonecard.so -> libonecard.so.0 -> $(basename "$real")"
else
  not_ok "libonecard.so, .so.0 and the versioned file ($(find "$libdir" -maxdepth 1 -name 'libonecard*' -printf '%f '))"
fi
soname=$(readelf -d "$libdir/libonecard.so.0" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
if [ "$soname" = libonecard.so.0 ]; then ok "soname libonecard.so.0"; else not_ok "soname (got '$soname')"; fi
others=$(nm -D --defined-only "$libdir/libonecard.so.0" | awk '{print $3}' | grep -v '^onecard_' | head -n 5)
if [ -z "$others" ]; then ok "exports only onecard_* symbols"; else not_ok "exports only onecard_* symbols (also: $others)"; fi
if readelf -d "$libdir/libonecard.so.0" | grep -q 'libcurl'; then ok "libonecard.so links libcurl"; else not_ok "libonecard.so links libcurl"; fi

export PKG_CONFIG_PATH=$libdir/pkgconfig
if pkg-config --exists onecard; then ok "pkg-config finds onecard $(pkg-config --modversion onecard)"; else not_ok "pkg-config --exists onecard"; finish; exit 1; fi
if pkg-config --print-requires-private onecard | grep -q libcurl; then ok "Requires.private names libcurl"; else not_ok "Requires.private names libcurl"; fi
cflags=$(pkg-config --cflags onecard)
libs=$(pkg-config --libs onecard)
case "$cflags $libs" in
  *"$prefix"* | *"${prefix#/}"*) ok "pkg-config points into the prefix" ;;
  *) not_ok "pkg-config points into the prefix: $cflags $libs" ;;
esac
# The headers alone, strict: they must need nothing from our source tree.
# shellcheck disable=SC2086
if "$cc" -std=c17 -Wall -Wextra -Werror -pedantic $extra $cflags "$probe" -o "$tmp/probe" $libs 2>"$tmp/cc.err"; then
  ok "a program compiles and links with pkg-config --cflags --libs onecard"
else
  not_ok "compile and link: $(head -c 600 "$tmp/cc.err")"
  finish
  exit 1
fi
needed=$(readelf -d "$tmp/probe" | sed -n 's/.*NEEDED.*\[\(libonecard[^]]*\)\].*/\1/p')
if [ "$needed" = libonecard.so.0 ]; then ok "the program needs libonecard.so.0"; else not_ok "the program needs libonecard.so.0 (got '$needed')"; fi
out=$(LD_LIBRARY_PATH=$libdir "$tmp/probe" 2>&1)
if [ "$out" = ok ]; then ok "the program runs against the installed library"; else not_ok "the program runs: $out"; fi
if LD_LIBRARY_PATH=$libdir ldd "$tmp/probe" | grep -q "$libdir/libonecard.so.0"; then
  ok "it loads libonecard.so.0 from the prefix"
else
  not_ok "it loads libonecard.so.0 from the prefix"
fi
finish

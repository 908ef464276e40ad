#!/usr/bin/env bash
# scripts/bench login: private services, a CA, software-key cards, one
# onecard-authd, then onecard-bench-login (README.md in this folder).
#
#   bench/login/run.sh BUILD_DIR [--cards N] [--agencies LIST] [--threads N]
#                      [--seconds D] [--rounds R]
#
# Progress goes to stderr; stdout carries only the benchmark's lines.
set -euo pipefail

build=$1
shift
cards=20 agencies=customs,inspection-quarantine,maritime,border threads=8 seconds=5 rounds=3
while [[ $# -gt 0 ]]; do
	case $1 in
	--cards) cards=$2; shift 2 ;;
	--agencies) agencies=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	*) echo "bench login: unknown option $1" >&2; exit 2 ;;
	esac
done
for n in "$cards" "$threads" "$seconds" "$rounds"; do
	[[ $n =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench login: $n is not a count" >&2; exit 2; }
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cmake -S "$root" -B "$build" >&2
cmake --build "$build" -j "$(nproc)" --target onecard-bench-login onecard-authd onecard-ca \
	onecard-dir onecard-token >&2
export ONECARD_BIN_DIR=$build

work=$(mktemp -d "${TMPDIR:-/tmp}/onecard-bench-login.XXXXXX")
chmod 0711 "$work"
dev=$work/dev
cleanup() {
	"$root/scripts/dev-services" clean "$dev" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
umask 077

"$root/scripts/dev-services" start "$dev" >"$work/env.sh" 2>"$work/dev-services.log" ||
	{ cat "$work/dev-services.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/env.sh"
head -c 24 /dev/urandom | base64 >"$work/pass"
echo "bench login: making $cards software-key cards ($agencies)" >&2
ONECARD_POLICY=$root/policies/onecard.conf "$root/bench/login/setup-cards.sh" "$work/ca" \
	"$work/pass" "$work/cards" "$cards" "$agencies" >/dev/null
cp "$work/cards/crl/card-ca.crl.pem" "$work/ca/crl.pem"
eval "$("$root/scripts/dev-services" authd "$dev" --ca-home "$work/ca" --threads "$threads")"
# shellcheck disable=SC1091
. "$work/cards/setup.env"
echo "bench login: authd at $ONECARD_AUTHD_URL ($threads request threads); measuring" >&2

# CPU ticks (utime + stime) of the server processes, to say where a
# login's time goes: authd, slapd, and every PostgreSQL process.
ticks() { # PID...
	local pid sum=0 f
	for pid in "$@"; do
		f=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		f=${f##*) }
		# fields after "(comm) ": state is 1st, utime 12th, stime 13th
		read -r -a a <<<"$f"
		sum=$((sum + a[11] + a[12]))
	done
	echo "$sum"
}
authd_pid=$(cat "$dev/authd/authd/authd.pid")
slapd_pid=$(cat "$dev/slapd.pid")
pg_pids() { pgrep -f "postgres" -u "$(stat -c %U "$dev/pg/data" 2>/dev/null || echo postgres)" | tr '\n' ' '; }
read -r -a pgs <<<"$(pg_pids)"
t0_a=$(ticks "$authd_pid") t0_s=$(ticks "$slapd_pid") t0_p=$(ticks "${pgs[@]}")
"$build/bench/login/onecard-bench-login" --authd "$ONECARD_AUTHD_URL" --audience provincial-portal \
	--cards "$CARDS" --anchors "$ANCHORS" --crl-dir "$CRL_DIR" --crl-max-age 604800 \
	--token-alg EdDSA --threads "$threads" --seconds "$seconds" --rounds "$rounds" | tee "$work/out"
count=$(sed -n 's/^login.count //p' "$work/out")
hz=$(getconf CLK_TCK)
per_login() { awk -v t="$1" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.0f\n", t * 1e6 / hz / n }'; }
if [[ -n $count && $count -gt 0 ]]; then
	echo "# CPU per login on the login side (all rounds), microseconds:"
	echo "cpu.authd_us_per_login $(per_login $(($(ticks "$authd_pid") - t0_a)))"
	echo "cpu.slapd_us_per_login $(per_login $(($(ticks "$slapd_pid") - t0_s)))"
	echo "cpu.postgres_us_per_login $(per_login $(($(ticks "${pgs[@]}") - t0_p)))"
fi

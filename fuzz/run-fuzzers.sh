#!/usr/bin/env bash
# Runs every libFuzzer binary of a fuzz build for a fixed time each.
#
#   fuzz/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR is a build configured with clang and -DONECARD_FUZZ=ON, e.g.
#   CC=clang cmake -S . -B build-fuzz -DONECARD_FUZZ=ON -DONECARD_SANITIZE=ON
#   cmake --build build-fuzz
# TARGETs default to all of them (see the table below).
#
# Each fuzzer starts from a copy of its seed corpus in a temporary
# directory, so new inputs never land in the repository. Exit status is 0
# when every fuzzer ran its time without a finding; otherwise 1, and the
# temporary directory (with the crash-*/leak-*/timeout-* reproducers) is
# kept and named.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
}

[[ $# -ge 2 ]] || usage
build_dir=$1
seconds=$2
shift 2
[[ $seconds =~ ^[1-9][0-9]{0,5}$ ]] || usage
targets=("$@")

# Every fuzz target of the tree: name -> binary (in BUILD_DIR), seed
# corpus and optional dictionary (in the source tree).
src_dir=$(cd "$(dirname "$0")" && pwd)
top_dir=$(cd "$src_dir/.." && pwd)
declare -A target_bin=(
	[token]=fuzz/fuzz_token [jwks]=fuzz/fuzz_jwks [b64url]=fuzz/fuzz_b64url
	[claims]=fuzz/fuzz_claims [policy]=policy/fuzz_policy [p11uri]=pkcs11/fuzz_uri
	[challenge]=authd/challenge/fuzz_challenge
	[login_request]=fuzz/fuzz_login_request
	[cert_ingest]=fuzz/fuzz_cert_ingest
	[keys_manifest]=authd/keys/fuzz_keys_manifest [login_client]=pkcs11/login/fuzz_login
	[cache_control]=lib/fuzz_cache_control [form]=fuzz/fuzz_form [module_list]=lib/fuzz_module_list
	[otp_blob]=otp/fuzz_otp_blob
)
declare -A target_corpus=(
	[token]=fuzz/corpus/token [jwks]=fuzz/corpus/jwks [b64url]=fuzz/corpus/b64url
	[claims]=fuzz/corpus/claims [policy]=policy/corpus [p11uri]=pkcs11/corpus/uri
	[challenge]=authd/challenge/corpus
	[login_request]=authd/server/corpus/login_request
	[cert_ingest]=authd/server/corpus/cert_ingest
	[keys_manifest]=authd/keys/corpus [login_client]=pkcs11/login/corpus
	[cache_control]=lib/corpus/cache_control [form]=authd/http/corpus/form [module_list]=lib/corpus/module_list
	[otp_blob]=otp/corpus
)
declare -A target_dict=([policy]=policy/fuzz_policy.dict)
if [[ ${#targets[@]} -eq 0 ]]; then
	targets=(token jwks b64url claims policy p11uri challenge login_request cert_ingest
		keys_manifest login_client cache_control form module_list otp_blob)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/onecard-fuzz.XXXXXX")
failed=()

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
	if [[ -z ${target_bin[$t]:-} ]]; then
		echo "run-fuzzers: unknown target $t" >&2
		failed+=("$t(unknown)")
		continue
	fi
	bin=$build_dir/${target_bin[$t]}
	dict=()
	if [[ -n ${target_dict[$t]:-} ]]; then
		dict=(-dict="$top_dir/${target_dict[$t]}")
	fi
	if [[ ! -x $bin ]]; then
		echo "run-fuzzers: $bin is missing (configure with CC=clang -DONECARD_FUZZ=ON)" >&2
		failed+=("$t(missing)")
		continue
	fi
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	if [[ -d $top_dir/${target_corpus[$t]} ]]; then
		cp -- "$top_dir/${target_corpus[$t]}"/* "$work/$t/corpus/"
	fi
	echo "== fuzz_$t: $seconds s, seeds $(find "$work/$t/corpus" -type f | wc -l)"
	rc=0
	"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
		-print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" \
		"$work/$t/corpus" >"$work/$t/log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$work/$t/log" | tail -1 || true)
	if [[ $rc -ne 0 ]]; then
		echo "   FAILED (exit $rc): execs ${execs:-?}; last 30 log lines:"
		tail -n 30 "$work/$t/log" | sed 's/^/   | /'
		ls -1 "$work/$t/artifacts" | sed "s|^|   reproducer: $work/$t/artifacts/|"
		failed+=("$t")
	else
		echo "   ok: execs ${execs:-?}, ${cov:-no coverage line}, corpus $(find "$work/$t/corpus" -type f | wc -l) files"
	fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
	echo "run-fuzzers: findings in: ${failed[*]} (logs and reproducers kept in $work)" >&2
	exit 1
fi
rm -rf -- "$work"
echo "run-fuzzers: all ${#targets[@]} fuzzers ran ${seconds} s without a finding"

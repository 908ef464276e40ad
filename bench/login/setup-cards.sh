#!/usr/bin/env bash
# setup-cards.sh: software-key "cards" for the login benchmark
# (onecard-bench-login) and for authd's tests. README.md has the details.
#
#   bench/login/setup-cards.sh CA_HOME PASS_FILE OUT_DIR COUNT AGENCIES
#
# For each of COUNT cards: one EC P-256 key per agency (openssl), a CSR,
# a certificate from `onecard-ca issue --csr` under the agency's profile,
# and the card with its holder and enterprise in the directory
# (`onecard-dir enroll`). Then the CA chain and a fresh CRL. OUT_DIR gets:
#
#   cards.txt        one card per line: CERT:KEY pairs (onecard-bench-login --cards)
#   cards/ID/        AGENCY.key (0600), AGENCY.csr, AGENCY.pem per card
#   anchors.pem      the card-issuing CA (the anchor authd should trust)
#   chain.pem        the card-issuing CA, then the root (onecard-ca chain)
#   crl/card-ca.crl.pem   the card-issuing CA's CRL (onecard-ca crl)
#   setup.env        KEY='value' lines: CARDS, ANCHORS, CHAIN, CRL_DIR, PREFIX,
#                    USCC, AGENCIES, COUNT, POLICY_OIDS
#
# CA_HOME is created (onecard-ca init --alg ec) when it does not exist or
# is empty. The services come from the environment scripts/dev-services
# prints (ONECARD_PG, ONECARD_LDAP_*); when they are missing and
# ONECARD_DEV_DIR is set, $ONECARD_DEV_DIR/env.sh is read. Tools come
# from $ONECARD_BIN_DIR (default: the build folder). Optional:
#   ONECARD_BENCH_PREFIX  ids of this run: cards PREFIX-NNNN, persons
#                         PREFIX-pNNNN (default bench-<random hex>)
#   ONECARD_BENCH_KEY     ec-p256 (default) or rsa-2048
#   ONECARD_BENCH_JOBS    cards made at once (default: the number of CPUs)
#   ONECARD_POLICY        the policy for a new CA home (default policies/onecard.conf)
#
# Exit status: 0 done; 1 failed (what was made stays: bench data is
# disposable; use a fresh OUT_DIR); 2 usage.
set -euo pipefail

PROG=setup-cards
COUNT_MAX=4096   # cards onecard-bench-login takes (BL_CARDS_MAX)
AGENCIES_MAX=16  # certificates on one card (OC_DIR_CERTS_MAX)
USCC_CHARS=0123456789ABCDEFGHJKLMNPQRTUWXY

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
say() { printf '%s: %s\n' "$PROG" "$*" >&2; }

[ $# -eq 5 ] || usage
ca_home=$1 pass_file=$2 out=$3 count=$4 agencies_arg=$5

export LC_ALL=C
if ! [[ $count =~ ^[1-9][0-9]{0,3}$ ]] || [ "$count" -gt "$COUNT_MAX" ]; then
  printf '%s: COUNT must be 1..%s\n' "$PROG" "$COUNT_MAX" >&2
  exit 2
fi
declare -a agencies=()
IFS=, read -r -a agencies <<<"$agencies_arg"
if [ "${#agencies[@]}" -lt 1 ] || [ "${#agencies[@]}" -gt "$AGENCIES_MAX" ]; then
  printf '%s: AGENCIES must list 1..%s agency ids\n' "$PROG" "$AGENCIES_MAX" >&2
  exit 2
fi
for a in "${agencies[@]}"; do
  [[ $a =~ ^[a-z0-9-]{1,63}$ ]] || { printf '%s: not an agency id: %s\n' "$PROG" "${a:0:64}" >&2; exit 2; }
done
[ -f "$pass_file" ] || { printf '%s: PASS_FILE %s is not a file\n' "$PROG" "$pass_file" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${ONECARD_BIN_DIR:-$root/build}
CA=$bin/ca/onecard-ca
DIRTOOL=$bin/directory/onecard-dir
for t in "$CA" "$DIRTOOL"; do
  [ -x "$t" ] || die "$t not found (build the project, or set ONECARD_BIN_DIR)"
done
command -v openssl >/dev/null || die "openssl not found"

# The services: the environment of scripts/dev-services.
if [ -z "${ONECARD_PG:-}" ] || [ -z "${ONECARD_LDAP_URI:-}" ]; then
  if [ -n "${ONECARD_DEV_DIR:-}" ] && [ -r "$ONECARD_DEV_DIR/env.sh" ]; then
    # shellcheck disable=SC1091
    . "$ONECARD_DEV_DIR/env.sh"
  fi
fi
for v in ONECARD_PG ONECARD_LDAP_URI ONECARD_LDAP_BASE ONECARD_LDAP_BIND_DN ONECARD_LDAP_BIND_PW_FILE; do
  [ -n "${!v:-}" ] || die "$v is not set (source the env.sh of scripts/dev-services, or set ONECARD_DEV_DIR)"
done

prefix=${ONECARD_BENCH_PREFIX:-bench-$(openssl rand -hex 3)}
[[ $prefix =~ ^[A-Za-z0-9._-]{1,40}$ ]] || die "ONECARD_BENCH_PREFIX must be 1..40 of [A-Za-z0-9._-]"
key_type=${ONECARD_BENCH_KEY:-ec-p256}
case $key_type in
ec-p256) keyopts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
rsa-2048) keyopts=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) ;;
*) die "ONECARD_BENCH_KEY must be ec-p256 or rsa-2048" ;;
esac
jobs_max=${ONECARD_BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $jobs_max =~ ^[1-9][0-9]{0,2}$ ]] || die "ONECARD_BENCH_JOBS must be 1..999"

umask 077
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  die "OUT_DIR $out exists and is not empty"
fi
mkdir -p "$out/cards" "$out/crl"
out=$(cd "$out" && pwd)

# uscc_new: a random unified social credit code with its GB 32100 check
# character (weights 3^(i-1) mod 31), as scripts/enroll-card checks it.
uscc_new() {
  local body s i sum=0 w=1 rest v
  body=91350100$(od -An -N8 -tu8 /dev/urandom | tr -dc 0-9 | tail -c 9)
  while [ "${#body}" -lt 17 ]; do body=${body}0; done
  for ((i = 0; i < 17; i++)); do
    s=${body:i:1}
    rest=${USCC_CHARS%%"$s"*}
    v=${#rest}
    sum=$((sum + v * w))
    w=$((w * 3 % 31))
  done
  printf '%s%s' "$body" "${USCC_CHARS:$(((31 - sum % 31) % 31)):1}"
}
uscc=$(uscc_new)
enterprise_name="onecard bench $prefix"

ca_opts=(--home "$ca_home" --pass-file "$pass_file")
if [ ! -f "$ca_home/ca.conf" ]; then
  say "making the CA in $ca_home"
  "$CA" init "${ca_opts[@]}" --name "onecard bench" --alg ec \
    --policy "${ONECARD_POLICY:-$root/policies/onecard.conf}" >/dev/null ||
    die "onecard-ca init failed"
fi
"$CA" "${ca_opts[@]}" profiles >"$out/profiles.txt" || die "onecard-ca profiles failed (the CA home or the database)"
for a in "${agencies[@]}"; do
  awk -v p="$a" '$1 == p {found = 1} END {exit !found}' "$out/profiles.txt" ||
    die "'$a' is not a profile of the CA's policy"
done

# make_card I: keys, CSRs, certificates and the directory entry of card I.
make_card() {
  local i=$1 id person dir a pems=() line=""
  id=$(printf '%s-%04d' "$prefix" "$i")
  person=$(printf '%s-p%04d' "$prefix" "$i")
  dir=$out/cards/$id
  mkdir "$dir"
  for a in "${agencies[@]}"; do
    openssl genpkey "${keyopts[@]}" -out "$dir/$a.key" 2>"$dir/err" ||
      { cat "$dir/err" >&2; return 1; }
    openssl req -new -key "$dir/$a.key" -subj "/CN=onecard bench" -out "$dir/$a.csr" 2>"$dir/err" ||
      { cat "$dir/err" >&2; return 1; }
    "$CA" "${ca_opts[@]}" issue --profile "$a" --csr "$dir/$a.csr" \
      --enterprise-name "$enterprise_name" --uscc "$uscc" --person-id "$person" \
      --person-name "Bench Person $i" --label "$id $a" >"$dir/$a.pem" 2>"$dir/err" ||
      { printf '%s: card %s, %s: %s\n' "$PROG" "$id" "$a" "$(tail -n1 "$dir/err")" >&2; return 1; }
    chmod 0644 "$dir/$a.pem"
    pems+=("$dir/$a.pem")
    line+="${line:+ }$dir/$a.pem:$dir/$a.key"
  done
  "$DIRTOOL" enroll --card-id "$id" --person "$person" --name "Bench Person $i" \
    --enterprise "$uscc" --enterprise-name "$enterprise_name" "${pems[@]}" >/dev/null 2>"$dir/err" ||
    { printf '%s: card %s: onecard-dir enroll: %s\n' "$PROG" "$id" "$(tail -n1 "$dir/err")" >&2; return 1; }
  rm -f "$dir/err"
  printf '%s\n' "$line" >"$dir/card.line"
}

say "making $count card(s) of ${#agencies[@]} certificate(s) each (prefix $prefix, up to $jobs_max at once)"
# The first card alone registers the enterprise; the others follow in
# parallel, each in its own job.
make_card 1 || die "card 1 failed"
declare -a pids=()
failed=0
for ((i = 2; i <= count; i++)); do
  make_card "$i" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs_max" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
[ "$failed" -eq 0 ] || die "some cards failed (see above); $out holds what was made"

for ((i = 1; i <= count; i++)); do
  cat "$out/cards/$(printf '%s-%04d' "$prefix" "$i")/card.line"
done >"$out/cards.txt"

"$CA" "${ca_opts[@]}" chain >"$out/chain.pem" || die "onecard-ca chain failed"
awk '{print} /-----END CERTIFICATE-----/ {exit}' "$out/chain.pem" >"$out/anchors.pem"
"$CA" "${ca_opts[@]}" crl >"$out/crl/card-ca.crl.pem" || die "onecard-ca crl failed"
chmod 0644 "$out/chain.pem" "$out/anchors.pem" "$out/crl/card-ca.crl.pem" "$out/cards.txt"

# The agencies' policy OIDs, from the certificates themselves.
oids=$(for a in "${agencies[@]}"; do
  openssl x509 -in "$out/cards/$prefix-0001/$a.pem" -noout -ext certificatePolicies 2>/dev/null |
    sed -n 's/^ *Policy: *//p'
done | sort -u | paste -sd, -)

{
  printf "CARDS='%s'\n" "$out/cards.txt"
  printf "ANCHORS='%s'\n" "$out/anchors.pem"
  printf "CHAIN='%s'\n" "$out/chain.pem"
  printf "CRL_DIR='%s'\n" "$out/crl"
  printf "PREFIX='%s'\n" "$prefix"
  printf "USCC='%s'\n" "$uscc"
  printf "AGENCIES='%s'\n" "$agencies_arg"
  printf "COUNT='%s'\n" "$count"
  printf "POLICY_OIDS='%s'\n" "$oids"
} >"$out/setup.env"
chmod 0644 "$out/setup.env"
say "done: $count card(s) in $out/cards.txt"
cat "$out/setup.env"

#!/usr/bin/env bash
# onecard-bench-login against the real onecard-authd, on the ctest fixture
# "authd_clients": three software-key cards of customs and tax made by
# bench/login/setup-cards.sh under a CA of this test's own, and this
# test's authd instance trusting it. A short run gives every output line
# with sane numbers, and every login it counts is a success in authd's
# audit rows; the benchmark aborts (never measures) when a card does not
# validate or its key is not the certificate's (before anything is sent),
# when authd refuses a login, and when authd is down (stopped on TERM, no
# sanitizer report in its log).
#
#   test_bench_login.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
. "$(dirname "$0")/lib.sh"
tools_setup "$1"
tools_authd "$2" bench 3 customs,tax

pol=()
IFS=, read -r -a oids <<<"$POLICY_OIDS"
for o in "${oids[@]}"; do pol+=(--policy-oid "$o"); done
# The crypto side is given what authd is configured with
# (scripts/dev-services authd: crl_max_age 604800).
BENCH=(--authd "$AUTHD_URL" --audience provincial-portal --anchors "$ANCHORS" --crl-dir "$CRL_DIR"
  --crl-max-age 604800)
read -r -a C1 <<<"$(sed -n 1p "$CARDS")"

"$BENCH_LOGIN" "${BENCH[@]}" "${pol[@]}" --cards "$CARDS" --seconds 1 --rounds 2 >out 2>err
expect_eq "bench: exit 0" 0 $?
# positive NAME: the value of line NAME is a number above 0.
positive() {
  local v
  v=$(sed -n "s/^$1 //p" out)
  if [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v v="$v" 'BEGIN {exit !(v > 0)}'; then
    ok "bench: $1 is a positive number"
  else
    not_ok "bench: $1 is a positive number (got '$v')"
  fi
}
for name in login.per_s login.p50_ms login.p99_ms crypto.per_s client.sign_us_per_login \
  crypto.chain_us crypto.proof_us crypto.token_us login.ratio login.count; do
  positive "$name"
done
expect_eq "bench: 3 cards" "login.cards 3" "$(grep '^login.cards ' out)"
expect_eq "bench: 2 certificates per login" "login.certs_per_login 2" "$(grep '^login.certs_per_login ' out)"
expect_eq "bench: two rounds per side" 3 "$(grep '^login.rounds_per_s ' out | wc -w)"
expect_grep "bench: says the client signs" '^# the client signs 2 proof' out
expect_grep "bench: ends with login.ratio" '^login.ratio [0-9]+\.[0-9]{3}$' <(tail -n1 out)
expect_eq "bench: only name-value and note lines" 0 \
  "$(grep -cvE '^(# .*|[a-z_.0-9]+ [^ ].*)$' out)"
p50=$(sed -n 's/^login.p50_ms //p' out)
p99=$(sed -n 's/^login.p99_ms //p' out)
expect_eq "bench: p50 <= p99" 1 "$(awk -v a="$p50" -v b="$p99" 'BEGIN {print (a <= b)}')"
# What was measured went through authd: the counted logins (and the
# warm-up's, one per card) are its successes, and nothing was refused.
count=$(sed -n 's/^login.count //p' out)
expect_eq "authd: every login a success, the counted ones and the warm-up's" \
  "$((count + 3)) 0" \
  "$(af_rows authd_logins "outcome = 'success'") $(af_rows authd_logins "outcome <> 'success'")"
expect_eq "authd: one challenge per login" "$(af_rows authd_logins)" "$(af_rows authd_challenges)"

"$BENCH_LOGIN" "${BENCH[@]}" --card "${C1[0]},${C1[1]}" --seconds 1 --threads 1 --no-warmup \
  --token-alg EdDSA >out1 2>err
expect_eq "bench --card, one thread, EdDSA: exit 0" 0 $?
expect_eq "bench --card: one card" "login.cards 1" "$(grep '^login.cards ' out1)"
expect_eq "bench --card: one thread" "login.threads 1" "$(grep '^login.threads ' out1)"

# A benchmark of failures is worthless: each of these must abort. The
# bench aborts with abort(); an inner shell takes the "Aborted" notice
# into err, and no core file is written.
ulimit -c 0
# aborts DESCRIPTION PATTERN ARGS...: the bench fails, saying PATTERN.
aborts() {
  local what=$1 pattern=$2 rc
  shift 2
  bash -c '"$@"; exit $?' _ "$BENCH_LOGIN" "$@" >out 2>err
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then ok "$what: the bench aborts"; else not_ok "$what: the bench aborts (exit $rc)"; fi
  expect_grep "$what: says why" "$pattern" err
}
# rows: challenges and logins this test's authd has recorded so far.
rows() { echo "$(af_rows authd_challenges) $(af_rows authd_logins)"; }

# Cards the crypto side refuses: nothing is sent to authd.
before=$(rows)
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca.key --ca-pass-file pass --profile customs \
  --new-key old.key --out old.pem --not-after -1d 2>>mk.err || not_ok "mkcert: an expired certificate"
aborts "an expired card" 'does not validate' "${BENCH[@]}" --card "$WORK/old.pem:$WORK/old.key" \
  --seconds 1
aborts "a key that is not the certificate's" 'does not verify' "${BENCH[@]}" \
  --card "${C1[0]%%:*}:${C1[1]##*:}" --seconds 1
aborts "cards of different sizes" 'different sizes' "${BENCH[@]}" --cards "$CARDS" \
  --card "${C1[0]}" --seconds 1
aborts "no CRL (fails closed)" 'does not validate' --authd "$AUTHD_URL" \
  --audience provincial-portal --anchors "$ANCHORS" --cards "$CARDS" --seconds 1
expect_eq "cards the crypto side refuses: nothing sent to authd" "$before" "$(rows)"

# A card authd refuses: a valid certificate of this CA on no card (P7).
"$MKCERT" cert --ca-cert ca/ca.pem --ca-key ca/ca.key --ca-pass-file pass --profile customs \
  --new-key nocard.key --out nocard.pem 2>>mk.err || not_ok "mkcert: a certificate on no card"
aborts "a card authd refuses" '/v1/login.*HTTP 401.*cert_unknown' "${BENCH[@]}" \
  --card "$WORK/nocard.pem:$WORK/nocard.key" --seconds 1
expect_eq "a card authd refuses: one refused login, and no more" "1 1" \
  "$(af_rows authd_logins "reason = 'cert_unknown'") $(af_rows authd_logins "outcome <> 'success'")"

"$BENCH_LOGIN" "${BENCH[@]}" --seconds 1 >out 2>err
expect_eq "no card: usage" 2 $?
"$BENCH_LOGIN" "${BENCH[@]}" --cards "$CARDS" --threads 0 >out 2>err
expect_eq "--threads 0: usage" 2 $?
af_stop_checked
aborts "authd down" 'no answer from authd' "${BENCH[@]}" --cards "$CARDS" --seconds 1

tools_finish

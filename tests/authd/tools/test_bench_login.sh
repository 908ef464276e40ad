#!/usr/bin/env bash
# onecard-bench-login against fake-authd: a short run gives every output
# line with sane numbers, and the benchmark aborts (never measures) when
# a card does not validate or authd refuses a login.
#
#   test_bench_login.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
tools_setup "$1"

make_ca ca || { not_ok "a test CA"; tools_finish; exit 1; }
CA=(--ca-cert ca/ca.pem --ca-key ca/ca.key)
mkdir crl
"$MKCERT" crl "${CA[@]}" --out crl/ca.crl.pem 2>mk.err || not_ok "mkcert crl"
: >cards.txt
for i in 1 2 3; do
  line=""
  for a in customs tax; do
    "$MKCERT" cert "${CA[@]}" --profile "$a" --person-id "p-$i" --new-key "c$i-$a.key" \
      --out "c$i-$a.pem" 2>>mk.err || not_ok "mkcert card $i $a"
    line+="${line:+ }$WORK/c$i-$a.pem:$WORK/c$i-$a.key"
  done
  printf '# card %s\n%s\n' "$i" "$line" >>cards.txt
done
fake_start

BENCH=(--authd "$FAKE_URL" --audience provincial-portal --anchors ca/ca.pem --crl-dir crl
  --policy-oid 2.25.212070221869409038959537807226447327349.1
  --policy-oid 2.25.212070221869409038959537807226447327349.5)
"$BENCH_LOGIN" "${BENCH[@]}" --cards cards.txt --seconds 1 --rounds 2 >out 2>err
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
  crypto.chain_us crypto.proof_us crypto.token_us login.ratio; do
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

"$BENCH_LOGIN" "${BENCH[@]}" --card "$WORK/c1-customs.pem:$WORK/c1-customs.key,$WORK/c1-tax.pem:$WORK/c1-tax.key" \
  --seconds 1 --threads 1 --no-warmup --token-alg EdDSA >out1 2>err
expect_eq "bench --card, one thread, EdDSA: exit 0" 0 $?
expect_eq "bench --card: one card" "login.cards 1" "$(grep '^login.cards ' out1)"

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
"$MKCERT" cert "${CA[@]}" --new-key old.key --out old.pem --not-after -1d 2>>mk.err
aborts "an expired card" 'does not validate' "${BENCH[@]}" --card "$WORK/old.pem:$WORK/old.key" \
  --seconds 1
aborts "a key that is not the certificate's" 'does not verify' "${BENCH[@]}" \
  --card "$WORK/c1-customs.pem:$WORK/c1-tax.key" --seconds 1
aborts "cards of different sizes" 'different sizes' "${BENCH[@]}" --cards cards.txt \
  --card "$WORK/c1-customs.pem:$WORK/c1-customs.key" --seconds 1
aborts "no CRL (fails closed)" 'does not validate' --authd "$FAKE_URL" \
  --audience provincial-portal --anchors ca/ca.pem --cards cards.txt --seconds 1
"$BENCH_LOGIN" "${BENCH[@]}" --seconds 1 >out 2>err
expect_eq "no card: usage" 2 $?
"$BENCH_LOGIN" "${BENCH[@]}" --cards cards.txt --threads 0 >out 2>err
expect_eq "--threads 0: usage" 2 $?
fake_stop
aborts "authd down" 'no answer from authd' "${BENCH[@]}" --cards cards.txt --seconds 1

tools_finish

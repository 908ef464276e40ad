#!/usr/bin/env bash
# onecard-card end to end on a SoftHSM token made here, in a temporary
# folder removed on exit. Independent checkers: pkcs11-tool (OpenSC) for
# what is on the card, the openssl command for every signature.
#
#   test_p11_cli.sh PATH/TO/onecard-card
#
# Covers: tokens, keygen (4 agencies on one card), write-cert, list, sign
# with each mechanism, the PIN sources, P1 (certificate without its key,
# key that does not match), P2 (wrong PIN, absent card, refused PIN file,
# pin-value in a URI), P5 (no cached login between runs), delete, exit
# codes and one-line errors that never show a PIN.
set -euo pipefail

bin=${1:?usage: test_p11_cli.sh ONECARD_CARD}
module=${ONECARD_TEST_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
util=${ONECARD_TEST_SOFTHSM_UTIL:-softhsm2-util}
tool=${ONECARD_TEST_PKCS11_TOOL:-pkcs11-tool}

dir=$(mktemp -d "${TMPDIR:-/tmp}/onecard-p11cli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$dir/tokens" >"$dir/softhsm2.conf"
export SOFTHSM2_CONF="$dir/softhsm2.conf"
unset ONECARD_PIN ONECARD_PKCS11_MODULE
# PINs that no output (base64, serials, dates) could hold by chance.
good_pin=good-PIN-4711
bad_pin=bad-PIN-0815
"$util" --init-token --free --label card1 --so-pin 12345678 --pin "$good_pin" >/dev/null

umask 077
printf '%s\n' "$good_pin" >"$dir/pin"
printf '%s\n' "$bad_pin" >"$dir/badpin"
printf 'onecard login challenge\n' >"$dir/msg"
card="pkcs11:token=card1"
checks=0

fail() {
  echo "FAIL: $*" >&2
  [ -s "$dir/err" ] && sed 's/^/  stderr: /' "$dir/err" >&2
  exit 1
}
pass() { checks=$((checks + 1)); }

# run EXIT ARGS...: runs onecard-card, output in $dir/out and $dir/err.
run() {
  local want=$1 got
  shift
  set +e
  "$bin" --module "$module" "$@" >"$dir/out" 2>"$dir/err"
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "exit $got, want $want: onecard-card $*"
  # Errors are one line each, prefixed, and never show a PIN.
  if [ -s "$dir/err" ]; then
    grep -qv '^onecard-card: ' "$dir/err" && fail "stray stderr line: $*"
    [ "$(wc -l <"$dir/err")" -le 1 ] || fail "more than one error line: $*"
  fi
  grep -q -e "$good_pin" -e "$bad_pin" "$dir/err" "$dir/out" && fail "a PIN was printed: $*"
  pass
}

# p11tool ARGS...: pkcs11-tool on the token, logged in.
p11tool() {
  "$tool" --module "$module" --token-label card1 --login --pin "$good_pin" "$@" 2>/dev/null
}

# objects: one line per object from pkcs11-tool -O:
#   kind|label|ID|Usage|Access
objects() {
  p11tool -O | awk '
    function flush() { if (kind != "") print kind "|" label "|" id "|" usage "|" access }
    /^[A-Z]/ { flush(); kind = $1; label = id = usage = access = "" ; next }
    /^ +label:/ { sub(/^ +label: +/, ""); label = $0 }
    /^ +ID:/ { sub(/^ +ID: +/, ""); id = $0 }
    /^ +Usage:/ { sub(/^ +Usage: +/, ""); usage = $0 }
    /^ +Access:/ { sub(/^ +Access: +/, ""); access = $0 }
    END { flush() }'
}

# verify MECH CERT.pem SIG.b64: the openssl command checks a signature.
verify() {
  local mech=$1 cert=$2 sig=$3
  openssl x509 -in "$cert" -pubkey -noout >"$dir/verify.pub"
  base64 -d "$sig" >"$dir/verify.sig"
  case $mech in
  rsa-pss)
    openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
      -sigopt rsa_mgf1_md:sha256 -verify "$dir/verify.pub" -signature "$dir/verify.sig" \
      "$dir/msg" >/dev/null
    ;;
  *)
    openssl dgst -sha256 -verify "$dir/verify.pub" -signature "$dir/verify.sig" \
      "$dir/msg" >/dev/null
    ;;
  esac
}

# ---- usage -------------------------------------------------------------
run 0 --help
grep -q '^usage: onecard-card' "$dir/out" || fail "help"
run 2 frobnicate
run 2 sign --card "$card" --mech ecdsa
run 2 sign --card "$card" --cert customs --mech dsa
run 2 keygen --card "$card" --id 0x1 --label x --alg ec-p256
run 2 keygen --card "$card" --id 01 --label x --alg ed25519
run 2 list --card "pkcs11:token=card1?pin-value=$good_pin"
grep -q 'pin-value is not accepted' "$dir/err" || fail "pin-value message"
run 2 list --card "pkcs11:token=card1;slot-id=1"
set +e
"$bin" --module relative/libsofthsm2.so tokens >/dev/null 2>&1
[ $? = 2 ] || fail "relative module path accepted"
set -e
pass

# ---- tokens ------------------------------------------------------------
run 0 tokens
grep -q "^card1	serial=[0-9a-f]*	model=SoftHSM v2	PIN=ok	pkcs11:token=card1;" "$dir/out" ||
  fail "tokens line: $(cat "$dir/out")"
uri=$(awk -F'\t' '$1 == "card1" { print $5 }' "$dir/out")
# The module from the environment, when --module is not given.
ONECARD_PKCS11_MODULE=$module "$bin" tokens >"$dir/out2" 2>"$dir/err" || fail "module from env"
cmp -s "$dir/out" "$dir/out2" || fail "module from env: another answer"
pass
[ "$(wc -l <"$dir/out")" = 1 ] || fail "uninitialized slot listed"

# ---- one card, many certificates ---------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=onecard test CA" -days 30 \
  -out "$dir/ca.pem" 2>/dev/null
openssl req -new -key "$dir/ca.key" -subj "/CN=unused" -out "$dir/any.csr" 2>/dev/null

# issue ID AGENCY PUB.pem: a certificate for PUB.pem, signed by the CA.
issue() {
  openssl x509 -req -in "$dir/any.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -force_pubkey "$3" -subj "/C=CN/O=Example Trading Co./OU=$2/CN=Zhang San" \
    -set_serial "0x$1" -days 30 -out "$dir/c$1.pem" 2>/dev/null
}

agencies="01:customs:ec-p256:ecdsa 02:inspection-quarantine:rsa-2048:rsa-pkcs
03:maritime:ec-p256:ecdsa 04:border:rsa-3072:rsa-pss"
for a in $agencies; do
  IFS=: read -r id label alg mech <<<"$a"
  run 0 keygen --card "$uri" --id "$id" --label "$label" --alg "$alg" --pin-file "$dir/pin"
  cp "$dir/out" "$dir/pub$id.pem"
  openssl pkey -pubin -in "$dir/pub$id.pem" -noout || fail "keygen printed no public key"
  issue "$id" "$label" "$dir/pub$id.pem"
  run 0 write-cert --card "$card" --id "$id" --label "$label" --cert "$dir/c$id.pem" \
    --pin-file "$dir/pin"
done

# What is on the card, seen by pkcs11-tool.
objects >"$dir/objects"
for a in $agencies; do
  IFS=: read -r id label alg mech <<<"$a"
  grep -q "^Certificate|$label|$id|" "$dir/objects" || fail "no certificate $id on the card"
  grep -q "^Private|$label|$id|sign|sensitive, always sensitive, never extractable, local$" \
    "$dir/objects" || fail "private key $id: $(grep "|$id|" "$dir/objects")"
  grep -q "^Public|$label|$id|verify|" "$dir/objects" || fail "no public key $id"
  pass
done

run 0 list --card "$card"
for a in $agencies; do
  IFS=: read -r id label alg mech <<<"$a"
  awk -v RS= -v label="$label" -v id="$id" '
    index($0, "label: " label "\n") == 1 {
      found = 1
      if (index($0, "\nid: " id "\n") == 0) exit 1
      if (index($0, "\nagency: " label "\n") == 0) exit 1
      if (index($0, "\nsubject: CN=Zhang San,OU=" label ",O=Example Trading Co.,C=CN\n") == 0) exit 1
      if (index($0, "\nserial: " id "\n") == 0) exit 1
      if (index($0, "\nkey: present\n") == 0) exit 1
      if (index($0, "\nuri: pkcs11:token=card1;serial=") == 0) exit 1
    }
    END { exit found ? 0 : 1 }' "$dir/out" || fail "list entry for $label: $(cat "$dir/out")"
done
[ "$(grep -c '^label: ' "$dir/out")" = 4 ] || fail "list count"
grep -q '^notAfter: 20[0-9-]*T[0-9:]*Z$' "$dir/out" || fail "notAfter format"
run 0 list --card "$card" --login --pin-file "$dir/pin"
[ "$(grep -c '^key: present$' "$dir/out")" = 4 ] || fail "list --login"

# Sign with each certificate's key; openssl checks each signature.
for a in $agencies; do
  IFS=: read -r id label alg mech <<<"$a"
  run 0 sign --card "$card" --cert "$label" --mech "$mech" --in "$dir/msg" --pin-file "$dir/pin"
  cp "$dir/out" "$dir/sig$id.b64"
  verify "$mech" "$dir/c$id.pem" "$dir/sig$id.b64" || fail "signature $label ($mech)"
  pass
done
# PSS with the other RSA key, by URI; ECDSA by id.
run 0 sign --card "$card" --cert "pkcs11:object=inspection-quarantine;type=private" \
  --mech rsa-pss --in "$dir/msg" --pin-file "$dir/pin"
cp "$dir/out" "$dir/sig.b64"
verify rsa-pss "$dir/c02.pem" "$dir/sig.b64" || fail "pss by URI"
run 0 sign --card "$card" --cert "pkcs11:id=%03" --mech ecdsa --pin-file "$dir/pin" \
  --in - <"$dir/msg"
verify ecdsa "$dir/c03.pem" "$dir/out" || fail "ecdsa from stdin, by id"
# The wrong mechanism for a key is a usage error, before any PIN.
run 2 sign --card "$card" --cert customs --mech rsa-pkcs --in "$dir/msg" --pin-file "$dir/badpin"

# ---- PIN sources -------------------------------------------------------
ONECARD_PIN=$good_pin run 0 sign --card "$card" --cert customs --mech ecdsa --in "$dir/msg"
verify ecdsa "$dir/c01.pem" "$dir/out" || fail "ONECARD_PIN signature"
run 0 sign --card "$card?pin-source=file:$dir/pin" --cert customs --mech ecdsa --in "$dir/msg"
chmod 644 "$dir/pin"
run 2 sign --card "$card" --cert customs --mech ecdsa --in "$dir/msg" --pin-file "$dir/pin"
grep -q 'PIN file refused' "$dir/err" || fail "group/world readable PIN file message"
chmod 600 "$dir/pin"
# P5: no login survives a run; without a PIN source there is no signature
# (no terminal: setsid leaves the run without a controlling one).
set +e
setsid -w "$bin" --module "$module" sign --card "$card" --cert customs --mech ecdsa \
  --in "$dir/msg" </dev/null >"$dir/out" 2>"$dir/err"
got=$?
set -e
if [ "$got" != 1 ] || ! grep -q 'no PIN given' "$dir/err" || [ -s "$dir/out" ]; then
  fail "signed without a PIN (exit $got)"
fi
pass

# ---- P2: wrong PIN, absent card ----------------------------------------
run 4 sign --card "$card" --cert customs --mech ecdsa --in "$dir/msg" --pin-file "$dir/badpin"
grep -q '^onecard-card: sign: PIN incorrect' "$dir/err" || fail "PIN incorrect message"
[ ! -s "$dir/out" ] || fail "output after a wrong PIN"
run 4 list --card "$card" --login --pin-file "$dir/badpin"
grep -q 'PIN incorrect (the card reports its retry count low)' "$dir/err" ||
  fail "count-low not reported: $(cat "$dir/err")"
run 0 tokens
grep -q 'PIN=count-low' "$dir/out" || fail "tokens PIN state"
run 3 list --card "pkcs11:token=card9"
run 3 sign --card "pkcs11:token=card1;serial=0000" --cert customs --mech ecdsa --in "$dir/msg" \
  --pin-file "$dir/pin"
run 0 list --card "$card" --login --pin-file "$dir/pin" # the good PIN resets the count
run 0 tokens
grep -q 'PIN=ok' "$dir/out" || fail "PIN state after a good PIN"

# ---- P1: a certificate without its key, or with another key ------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/soft.key" 2>/dev/null
openssl pkey -in "$dir/soft.key" -pubout -out "$dir/soft.pub"
issue 05 customs "$dir/soft.pub"
run 6 write-cert --card "$card" --id 05 --label nokey --cert "$dir/c05.pem" --pin-file "$dir/pin"
openssl x509 -in "$dir/c05.pem" -outform DER -out "$dir/c05.der"
p11tool --write-object "$dir/c05.der" --type cert --id 05 --label nokey >/dev/null
run 0 keygen --card "$card" --id 07 --label mismatch --alg ec-p256 --pin-file "$dir/pin"
issue 07 maritime "$dir/soft.pub"
run 6 write-cert --card "$card" --id 07 --label mismatch --cert "$dir/c07.pem" \
  --pin-file "$dir/pin"
openssl x509 -in "$dir/c07.pem" -outform DER -out "$dir/c07.der"
p11tool --write-object "$dir/c07.der" --type cert --id 07 --label mismatch >/dev/null
run 0 list --card "$card"
awk -v RS= 'index($0, "label: nokey\n") == 1 && index($0, "\nkey: MISSING\n") { ok = 1 }
  END { exit !ok }' "$dir/out" || fail "certificate without key not reported"
awk -v RS= 'index($0, "label: mismatch\n") == 1 && index($0, "\nkey: MISSING (") { ok = 1 }
  END { exit !ok }' "$dir/out" || fail "mismatched key not reported"
run 6 sign --card "$card" --cert nokey --mech ecdsa --in "$dir/msg" --pin-file "$dir/pin"
[ ! -s "$dir/out" ] || fail "signature printed for a certificate without key"
run 6 sign --card "$card" --cert mismatch --mech ecdsa --in "$dir/msg" --pin-file "$dir/pin"
[ ! -s "$dir/out" ] || fail "signature printed for a mismatched key"

# ---- delete by id ------------------------------------------------------
run 0 delete --card "$card" --id 01 --pin-file "$dir/pin"
grep -q '^deleted 3 objects$' "$dir/out" || fail "delete count: $(cat "$dir/out")"
objects >"$dir/objects"
grep -q '|01|' "$dir/objects" && fail "objects left under id 01"
run 1 delete --card "$card" --id 01 --pin-file "$dir/pin"
run 0 list --card "$card"
grep -q '^label: customs$' "$dir/out" && fail "deleted certificate listed"
grep -q '^label: maritime$' "$dir/out" || fail "another certificate went too"

echo "test_p11_cli: $checks checks passed"

#!/usr/bin/env bash
# onecard-login, the program, on SoftHSM cards against the real
# onecard-authd (docs/login.md), on the ctest fixture "authd_clients": the
# card side of a login. What reached authd is read from its audit tables
# (challenge and login rows of this test's instance):
#
#   - a wrong PIN: exit 4, the retry state the card reports, and nothing
#     sent to authd; the final-try and locked states through tests/pkcs11's
#     fault-injecting module (over the same SoftHSM card), likewise;
#   - the PIN sources: $ONECARD_PIN, a PIN file others may read (refused
#     unread), none at all (no terminal: exit 1);
#   - the proofs: card1 holds customs (an EC P-256 key), border (an RSA 2048
#     key: this test's policy lets the border profile have RSA keys only)
#     and a maritime certificate whose key is not on the card. authd accepts
#     the ES256 and RS256 proofs, and with --rsa-pss the PS256 one (its
#     audit row names both certificates); maritime is left out with a note;
#     each login sends one challenge request and one login;
#   - refused before the card is used or anything is sent: options, URL,
#     audience, a PIN in the card URI, a relative module path, a cache
#     folder or file that is refused;
#   - which card: two present and no --card (both listed), the one named,
#     none matching, one without certificates (exit 6, before the PIN);
#   - nobody listening: exit 7;
#   - no PIN in authd's log; authd stops on TERM with no sanitizer report.
#
#   test_login_card.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec;
#   ONECARD_TEST_FAULTY_MODULE: tests/pkcs11's onecard_faulty_p11)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
login_setup "$1" "$2" card

FAULTY=${ONECARD_TEST_FAULTY_MODULE:-}
[ -f "$FAULTY" ] || die_setup "ONECARD_TEST_FAULTY_MODULE names the fault-injecting module"
AUD=provincial-portal

# The shipped policy, but the border profile takes RSA 2048 keys only, so
# that scripts/enroll-card makes one RSA key on the card.
awk '/^[[:space:]]*id = "/ { border = ($0 ~ /id = "border";/) }
     border && /key_types/ { sub(/\[.*\]/, "[ \"rsa-2048\" ]"); border = 0 }
     { print }' "$SRC/policies/onecard.conf" >"$WORK/policy.conf"
expect_eq "the test policy changes one line" 1 \
  "$(diff "$SRC/policies/onecard.conf" "$WORK/policy.conf" | grep -c '^>')"
login_authd "$WORK/policy.conf"

# ---- card1 ----------------------------------------------------------------------------
CARD1_URI=$(new_card card1) || die_setup "a blank card"
enroll_card "$CARD1_URI" customs,border || die_setup "enroll-card: $(tail -n1 "$WORK/enroll.err")"
# shellcheck disable=SC2153 # CARD_ID: set by enroll_card (lib.sh)
CARD1_ID=$CARD_ID
ok "card $CARD1_ID enrolled"
# cert_on_card LABEL FILE: the certificate LABEL of card1, PEM.
cert_on_card() {
  P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label card1 --login \
    --pin env:P11PIN --read-object --type cert --label "$1" -o "$2.der" >/dev/null 2>&1 &&
    openssl x509 -inform DER -in "$2.der" -out "$2"
}
cert_on_card customs customs.pem
cert_on_card border border.pem
expect_grep "card1: the customs key is EC" 'id-ecPublicKey' <(openssl x509 -in customs.pem -noout -text)
expect_grep "card1: the border key is RSA 2048" 'Public-Key: \(2048 bit\)' \
  <(openssl x509 -in border.pem -noout -text | grep -A1 rsaEncryption)
# A certificate without its key on the card (as another tool could write one).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout orphan.key \
  -subj "/OU=maritime/CN=Zhang San" -days 30 -outform DER -out orphan.der 2>/dev/null
P11PIN=$PIN pkcs11-tool --module "$ONECARD_PKCS11_MODULE" --token-label card1 --login \
  --pin env:P11PIN --write-object orphan.der --type cert --id 03 --label maritime >/dev/null 2>&1
expect_eq "card1: a maritime certificate without its key written" 0 $?

# login OUT ERR ARGS...: onecard-login on card1 against this test's authd.
login() {
  local o=$1 e=$2
  shift 2
  run_login "$o" "$e" --authd "$AUTHD_URL" --audience "$AUD" --card "$CARD1_URI" "$@"
}
# sent_nothing NAME BEFORE: no challenge and no login reached authd since
# rows printed BEFORE.
sent_nothing() { expect_eq "$1: nothing sent to authd" "$2" "$(rows)"; }
# sent_one_login NAME BEFORE: one challenge and one login since BEFORE.
sent_one_login() {
  local c l
  read -r c l <<<"$2"
  expect_eq "$1: one challenge and one login sent" "$((c + 1)) $((l + 1))" "$(rows)"
}

# ---- the PIN ----------------------------------------------------------------------------
before=$(rows)
login out err --pin-file "$WORK/badpin"
expect_eq "wrong PIN: exit 4" 4 "$RC"
# SoftHSM reports a wrong PIN since the last good one as "count low".
expect_eq "wrong PIN: says so, with the card's retry state" \
  "onecard-login: PIN incorrect (the card reports its retry count low); nothing was sent to authd" \
  "$(cat err)"
expect_eq "wrong PIN: nothing on stdout" 0 "$(wc -c <out)"
expect_eq "wrong PIN: no cache" no "$(exists "$ONECARD_CCACHE")"
sent_nothing "wrong PIN" "$before"

ONECARD_FAULT=C_Login=0xa0 ONECARD_FAULT_FLAGS=0x20000 \
  login out err --pin-file "$WORK/badpin" --module "$FAULTY"
expect_eq "final try: exit 4" 4 "$RC"
expect_grep "final try: the card's warning" \
  '^onecard-login: PIN incorrect \(final try left: one more wrong PIN locks the card\); nothing was sent to authd$' err
sent_nothing "final try" "$before"

# Locked before: refused without asking (no PIN source is given and there
# is no terminal, so asking would end in exit 1).
ONECARD_FAULT_FLAGS=0x40000 login out err --module "$FAULTY"
expect_eq "locked card: exit 5" 5 "$RC"
expect_eq "locked card: refused without asking" \
  "onecard-login: PIN locked: the card refuses every PIN until it is unblocked" "$(cat err)"
ONECARD_FAULT=C_Login=0xa4 login out err --pin-file "$WORK/badpin" --module "$FAULTY"
expect_eq "locked by this try: exit 5" 5 "$RC"
expect_eq "locked: no cache" no "$(exists "$ONECARD_CCACHE")"
sent_nothing "locked" "$before"

login out err --no-cache
expect_eq "no PIN source and no terminal: exit 1" 1 "$RC"
expect_grep "no PIN source: says so" 'no PIN given' err
login out err --pin-file "$WORK/widepin"
expect_eq "a PIN file others may read: exit 2" 2 "$RC"
expect_grep "a PIN file others may read: says chmod 600" 'chmod 600' err
sent_nothing "no usable PIN" "$before"
ONECARD_PIN=$PIN login out err --no-cache
expect_eq "\$ONECARD_PIN: exit 0" 0 "$RC"
expect_grep "\$ONECARD_PIN: a token on stdout" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' out
expect_eq "--no-cache: no cache" no "$(exists "$ONECARD_CCACHE")"
sent_one_login "\$ONECARD_PIN" "$before"

# ---- the proofs -------------------------------------------------------------------------
before=$(rows)
login out err --pin-file "$WORK/pin"
expect_eq "login: exit 0" 0 "$RC"
expect_eq "login: one token line on stdout" 1 "$(grep -cE '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' out)"
expect_eq "login: the maritime certificate left out, said once" \
  "onecard-login: note: certificate 'maritime' left out: its private key is not on the card" \
  "$(cat err)"
sent_one_login "login" "$before"
expect_eq "login: authd accepted the ES256 (customs) and RS256 (border) proofs" \
  "success border,customs" \
  "$(sql "SELECT outcome FROM authd_logins WHERE instance = '$AUTHD_NAME' ORDER BY id DESC LIMIT 1") $(last_login_agencies)"
expect_eq "login: the cache written" yes "$(exists "$ONECARD_CCACHE")"
"$LOGIN" --show >show.txt 2>/dev/null
expect_grep "login: --show lists both agencies" '^  agencies:   border, customs$' show.txt

before=$(rows)
login out err --pin-file "$WORK/pin" --rsa-pss --no-cache
expect_eq "--rsa-pss: exit 0" 0 "$RC"
sent_one_login "--rsa-pss" "$before"
expect_eq "--rsa-pss: authd accepted the ES256 and PS256 proofs" "success border,customs" \
  "$(sql "SELECT outcome FROM authd_logins WHERE instance = '$AUTHD_NAME' ORDER BY id DESC LIMIT 1") $(last_login_agencies)"
"$LOGIN" --logout >/dev/null 2>&1

# ---- refused before the card -------------------------------------------------------------
# Each of these would be exit 4 if the wrong PIN were tried.
before=$(rows)
run_login out err --authd http://authd.example --audience "$AUD" --pin-file "$WORK/badpin"
expect_eq "http to another host: exit 2" 2 "$RC"
expect_grep "http to another host: loopback only" 'loopback' err
run_login out err --authd https://u:p@authd.example --audience "$AUD" --pin-file "$WORK/badpin"
expect_eq "user information in the URL: exit 2" 2 "$RC"
login out err --pin-file "$WORK/badpin" --audience Not_An_Audience
expect_eq "a bad audience: exit 2" 2 "$RC"
run_login out err --audience "$AUD" --pin-file "$WORK/badpin"
expect_eq "no --authd (and no \$ONECARD_AUTHD_URL): exit 2" 2 "$RC"
run_login out err --authd "$AUTHD_URL" --pin-file "$WORK/badpin"
expect_eq "no --audience: exit 2" 2 "$RC"
run_login out err --authd "$AUTHD_URL" --audience "$AUD" --pin-file "$WORK/badpin" \
  --card 'pkcs11:token=card1;pin-value=1'
expect_eq "a PIN in the card URI: exit 2" 2 "$RC"
login out err --bogus
expect_eq "an unknown option: exit 2" 2 "$RC"
expect_no_grep "an unknown option: not echoed" 'bogus' err
login out err --pin-file "$WORK/badpin" extra
expect_eq "an operand: exit 2" 2 "$RC"
run_login out err --show --audience "$AUD"
expect_eq "--show with --audience: exit 2" 2 "$RC"
login out err --pin-file "$WORK/badpin" --module libsofthsm2.so
expect_eq "a relative module path: exit 2" 2 "$RC"
# A cache folder others may enter: refused before the PIN.
mkdir -p "$WORK/cc"
chmod 0755 "$WORK/cc"
login out err --pin-file "$WORK/badpin"
expect_eq "a cache folder others may enter: exit 13" 13 "$RC"
expect_grep "a cache folder others may enter: says so" 'group or others may use the cache folder' err
sent_nothing "refused before the card" "$before"
# --no-cache leaves it alone.
login out err --pin-file "$WORK/pin" --no-cache
expect_eq "--no-cache despite the folder: exit 0" 0 "$RC"
sent_one_login "--no-cache despite the folder" "$before"
chmod 0700 "$WORK/cc"
# A cache file that is not a cache.
before=$(rows)
printf '{"version":9}' >"$ONECARD_CCACHE"
login out err --pin-file "$WORK/badpin"
expect_eq "a cache file that is not a cache: exit 13" 13 "$RC"
expect_grep "a cache file that is not a cache: names --logout" '--logout' err
run_login out err --show
expect_eq "--show on it: exit 13" 13 "$RC"
run_login out err --logout
expect_eq "--logout removes it: exit 0" 0 "$RC"
expect_eq "--logout removes it: gone" no "$(exists "$ONECARD_CCACHE")"
sent_nothing "a refused cache file" "$before"
run_login out err --help
expect_eq "--help: exit 0" 0 "$RC"
expect_grep "--help: the exit statuses" '13  the credential cache' out

# ---- which card -----------------------------------------------------------------------------
CARD2_URI=$(new_card card2) || die_setup "a second blank card"
before=$(rows)
run_login out err --authd "$AUTHD_URL" --audience "$AUD" --pin-file "$WORK/badpin"
expect_eq "two cards and no --card: exit 2" 2 "$RC"
expect_grep "two cards and no --card: says so" \
  '^onecard-login: 2 cards are present; name one with --card URI:$' err
expect_grep "two cards and no --card: card1 listed" '^  pkcs11:token=card1;serial=' err
expect_grep "two cards and no --card: card2 listed" '^  pkcs11:token=card2;serial=' err
run_login out err --authd "$AUTHD_URL" --audience "$AUD" --pin-file "$WORK/badpin" \
  --card pkcs11:token=card9
expect_eq "no card matches: exit 3" 3 "$RC"
expect_grep "no card matches: says so" 'no card present matches --card' err
run_login out err --authd "$AUTHD_URL" --audience "$AUD" --pin-file "$WORK/badpin" \
  --card "$CARD2_URI"
expect_eq "a card without certificates: exit 6 (before the PIN)" 6 "$RC"
expect_grep "a card without certificates: says so" 'the card holds no certificate' err
sent_nothing "which card" "$before"
run_login out err --authd "$AUTHD_URL" --audience "$AUD" --pin-file "$WORK/pin" \
  --card pkcs11:token=card1 --no-cache
expect_eq "the card named: exit 0" 0 "$RC"
sent_one_login "the card named" "$before"

# ---- nobody listening ------------------------------------------------------------------------
# Port 1 on loopback: nobody listens (tests do not run as a daemon).
run_login out err --authd http://127.0.0.1:1 --audience "$AUD" --card "$CARD1_URI" \
  --pin-file "$WORK/pin" --no-cache
expect_eq "nobody listening: exit 7" 7 "$RC"
expect_eq "nobody listening: says so" "onecard-login: http://127.0.0.1:1: cannot connect to authd" \
  "$(last_line err)"

expect_no_grep "authd's log: no PIN" "$PIN" "$AUTHD_LOG"
af_stop_checked
login_finish

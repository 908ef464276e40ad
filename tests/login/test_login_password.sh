#!/usr/bin/env bash
# onecard-login --password against the real onecard-authd (docs/login.md
# "Password and code", issue 6), on the ctest fixture "authd_clients",
# with the example province's policy (policies/province-example.conf:
# city-a-info and city-b-info admit pwd-otp, city-a-customs-declaration
# is card-only). Two persons, each enrolled with a SoftHSM card
# (scripts/enroll-card: the directory entry), a directory password
# (scripts/set-password) and a TOTP secret (scripts/enroll-otp; codes
# computed here with oathtool, an implementation that is not ours). No
# card is present when they log in. Then:
#
#   - person A: --password for city-a-info, the password and the code on
#     standard input: the token alone on stdout, verified by onecard-token
#     against authd's JWKS, acr pwd-otp, amr pwd and otp, no agencies; the
#     cache holds a session of acr pwd-otp and no card, --show says so;
#     --token city-b-info from that session, verified, acr pwd-otp;
#     --token city-a-customs-declaration refused: a card login is needed
#     (access_denied, exit 11, authd's words);
#   - the same code again: refused (invalid_credentials, exit 16, the
#     advice to wait for the next code);
#   - person B: a wrong password, a wrong code, an unknown user: exit 16,
#     one message for all; failures repeated until authd locks the person
#     out (locked, exit 17, "try again in N s"), then even the right
#     password and code are refused while the lock lasts;
#   - the password, the codes and the session credential in no output and
#     not in authd's log.
#
#   test_login_password.sh BUILD_DIR SOURCE_DIR   (under tests/services/fixture.sh exec)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
login_setup "$1" "$2" pwd
login_authd "$SRC/policies/province-example.conf"

TOKEN_TOOL=$BUILD/tools/onecard-token/onecard-token
[ -x "$TOKEN_TOOL" ] || die_setup "built: $TOKEN_TOOL"
for t in node oathtool; do
  command -v "$t" >/dev/null || die_setup "installed: $t"
done
for t in set-password enroll-otp; do
  [ -x "$SRC/scripts/$t" ] || die_setup "present: scripts/$t"
done
ISS=$AUTHD_URL
# At most this many failed attempts before authd locks a person out; the
# test fails if it takes more.
LOCK_TRIES_MAX=20

# ---- the persons: a directory entry, a password, a TOTP secret -------------------------
PW_A="correct horse battery staple A-$$"
PW_B="correct horse battery staple B-$$"
# person ID PASSWORD: enrolled with a card of their own (the directory
# entry), the password set; the TOTP secret in SECRET, as oathtool takes
# it: "ALGORITHM DIGITS BASE32" (the algorithm and digits the policy chose,
# read from the otpauth URI).
person() {
  local id=$1 pw=$2 uri uri_otp secret alg digits
  PERSON=$id
  uri=$(new_card "card-$id") || die_setup "a blank card for $id"
  enroll_card "$uri" customs || die_setup "enroll-card $id: $(tail -n1 "$WORK/enroll.err")"
  printf '%s\n' "$pw" | "$SRC/scripts/set-password" --person "$id" >/dev/null 2>"$WORK/setpw.err" ||
    die_setup "set-password $id: $(tail -n1 "$WORK/setpw.err")"
  "$SRC/scripts/enroll-otp" --person "$id" --no-qr >"$WORK/otp.out" 2>"$WORK/otp.err" ||
    die_setup "enroll-otp $id: $(tail -n1 "$WORK/otp.err")"
  uri_otp=$(grep -m1 '^otpauth://totp/' "$WORK/otp.out")
  rm -f "$WORK/otp.out"
  secret=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$uri_otp")
  alg=$(sed -n 's/.*[?&]algorithm=\([A-Z0-9]*\).*/\1/p' <<<"$uri_otp")
  digits=$(sed -n 's/.*[?&]digits=\([0-9]*\).*/\1/p' <<<"$uri_otp")
  [[ $secret =~ ^[A-Z2-7]{16,}$ ]] || die_setup "enroll-otp $id printed an otpauth URI with a secret"
  case "$alg" in
  SHA1) alg=sha1 ;;
  SHA256) alg=sha256 ;;
  *) die_setup "enroll-otp $id: an algorithm of SHA1 or SHA256 ('$alg')" ;;
  esac
  [[ $digits =~ ^[68]$ ]] || die_setup "enroll-otp $id: 6 or 8 digits ('$digits')"
  SECRET="$alg $digits $secret"
}
USER_A=p-pwd-a-$$
USER_B=p-pwd-b-$$
person "$USER_A" "$PW_A"
SECRET_A=$SECRET
person "$USER_B" "$PW_B"
SECRET_B=$SECRET
ok "two persons with a card, a password and a TOTP secret"
# No card from here on: a login that touched one would fail (exit 3).
mv "$WORK/tokens" "$WORK/tokens.away" || die_setup "the cards taken away"
mkdir -m 0700 "$WORK/tokens"
curl -fsS --max-time 10 "$AUTHD_URL/.well-known/jwks.json" >jwks.json 2>err ||
  die_setup "JWKS fetched: $(cat err)"

# code SECRET [OFFSET]: the TOTP code of now (+ OFFSET seconds), by oathtool.
code() {
  local alg digits b32
  read -r alg digits b32 <<<"$1"
  oathtool --totp="$alg" --digits="$digits" -b --now="@$(($(date +%s) + ${2:-0}))" "$b32"
}
# wrong_code SECRET: a code of the right length that no step of the window
# (nor the one either side of it) accepts.
wrong_code() {
  local c n mod
  c=$(code "$1")
  mod=$((10 ** ${#c}))
  n=$(printf '%0*d' "${#c}" $(((10#$c + mod / 2) % mod)))
  while [ "$n" = "$(code "$1" -60)" ] || [ "$n" = "$(code "$1" -30)" ] ||
    [ "$n" = "$c" ] || [ "$n" = "$(code "$1" 30)" ] || [ "$n" = "$(code "$1" 60)" ]; do
    n=$(printf '%0*d' "${#c}" $(((10#$n + 1) % mod)))
  done
  printf '%s\n' "$n"
}
# pw_login OUT ERR USER PASSWORD CODE [ARGS...]: onecard-login --password
# with the two lines on stdin; $RC its exit status.
pw_login() {
  local o=$1 e=$2 user=$3 pw=$4 c=$5
  shift 5
  printf '%s\n%s\n' "$pw" "$c" |
    setsid -w "$LOGIN" --password --user "$user" --authd "$AUTHD_URL" "$@" >"$o" 2>"$e"
  RC=$?
  if grep -qv '^onecard-login: ' "$e"; then not_ok "a stray stderr line: $*"; fi
  if grep -qF -e "$PW_A" -e "$PW_B" -e "$c" "$o" "$e"; then not_ok "a password or code was printed: $*"; fi
}
verify() { "$TOKEN_TOOL" verify --jwks jwks.json --iss "$ISS" --aud "$2" <"$1" >claims.json 2>verify.err; }
claim() {
  node -e 'const c = JSON.parse(require("fs").readFileSync("claims.json", "utf8"));
    process.stdout.write(JSON.stringify(eval(process.argv[1])) + "\n");' "$1"
}
no_secret() {
  local f
  for f in "$@"; do
    if grep -qF -e "$PW_A" -e "$PW_B" "$f"; then not_ok "a password in $(basename "$f")"; fi
    if [ -n "${SESSION_CRED:-}" ] && grep -qF -- "${SESSION_CRED#ocs1_}" "$f"; then
      not_ok "the session credential in $(basename "$f")"
    fi
  done
}
cache_get() {
  node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(String(eval(process.argv[2])))' "$ONECARD_CCACHE" "$1"
}

# ---- person A: the login, its session, the policy ----------------------------------------
CODE_A=$(code "$SECRET_A")
pw_login a.tok err "$USER_A" "$PW_A" "$CODE_A" --audience city-a-info
expect_eq "password login for city-a-info: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
expect_eq "password login: nothing on stderr" 0 "$(wc -c <err)"
expect_eq "password login: one line on stdout" 1 "$(wc -l <a.tok)"
verify a.tok city-a-info
expect_eq "password login: the token verifies for city-a-info" 0 $?
expect_eq "password login: sub" "\"$USER_A\"" "$(claim c.sub)"
expect_eq "password login: acr pwd-otp" '"pwd-otp"' "$(claim c.acr)"
expect_eq "password login: amr pwd and otp" '["otp","pwd"]' "$(claim '[...c.amr].sort()')"
expect_eq "password login: no agencies" true \
  "$(claim '!c.agencies || c.agencies.length === 0')"
verify a.tok city-a-customs-declaration
rc=$?
expect_eq "password login: its token refused for another module" yes \
  "$([ "$rc" -ne 0 ] && echo yes || echo no)"

expect_eq "cache: file 0600" 600 "$(stat -c %a "$ONECARD_CCACHE")"
expect_eq "cache: a session of acr pwd-otp, no card, person A" "pwd-otp||$USER_A" \
  "$(cache_get 'c.session.acr + "|" + c.session.card + "|" + c.session.sub')"
SESSION_CRED=$(cache_get 'c.session.refresh_token')
expect_grep "cache: the session credential" '^ocs1_[A-Za-z0-9_-]{43}$' \
  <(printf '%s\n' "$SESSION_CRED")
"$LOGIN" --show >show.txt 2>err
expect_eq "--show: exit 0" 0 $?
expect_grep "--show: a password and code session" \
  '^  login:      password and TOTP code \(acr pwd-otp\); modules that need a card refuse it$' \
  show.txt
expect_grep "--show: no card" '^  card:       \(none\)$' show.txt
expect_no_grep "--show: never the credential" 'ocs1_' show.txt
no_secret show.txt a.tok err

run_login b.tok err --token city-b-info
expect_eq "--token city-b-info from the password session: exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || sed 's/^/     stderr: /' err
verify b.tok city-b-info
expect_eq "--token city-b-info: verifies for city-b-info" 0 $?
expect_eq "--token city-b-info: acr pwd-otp, person A" "\"pwd-otp $USER_A\"" \
  "$(claim 'c.acr + " " + c.sub')"
cp -p "$ONECARD_CCACHE" cache.before
run_login out err --token city-a-customs-declaration
expect_eq "--token of a card-only module: exit 11" 11 "$RC"
expect_grep "--token of a card-only module: a card login is needed, in authd's words" \
  '^onecard-login: .*city-a-customs-declaration requires a card login.* \(access_denied\)$' err
expect_eq "--token of a card-only module: no token" 0 "$(wc -c <out)"
expect_eq "--token of a card-only module: the cache unchanged" "$(sha256sum <cache.before)" \
  "$(sha256sum <"$ONECARD_CCACHE")"
# A password login straight to the card-only module is refused as well.
pw_login out err "$USER_A" "$PW_A" "$(code "$SECRET_A" 30)" --audience city-a-customs-declaration
expect_eq "password login for a card-only module: exit 11" 11 "$RC"
expect_grep "password login for a card-only module: a card login is needed" \
  '^onecard-login: .*city-a-customs-declaration requires a card login.* \(access_denied\)$' err
expect_eq "password login for a card-only module: no token" 0 "$(wc -c <out)"
no_secret out err b.tok

# The same code again: a code works once.
pw_login out err "$USER_A" "$PW_A" "$CODE_A" --audience city-a-info
expect_eq "a reused code: exit 16" 16 "$RC"
expect_grep "a reused code: wait for the next one" \
  '^onecard-login: wrong user name, password or code; a code works only once: wait for the next one \(invalid_credentials\)$' \
  err
expect_eq "a reused code: no token" 0 "$(wc -c <out)"
expect_eq "a reused code: the cache unchanged" "$(sha256sum <cache.before)" \
  "$(sha256sum <"$ONECARD_CCACHE")"

# ---- person B: wrong password, wrong code, unknown user, the lockout ----------------------
pw_login out err "$USER_B" "wrong $PW_B" "$(code "$SECRET_B")" --audience city-a-info --no-cache
expect_eq "a wrong password: exit 16" 16 "$RC"
expect_grep "a wrong password: one answer for all" \
  '^onecard-login: wrong user name, password or code; .* \(invalid_credentials\)$' err
pw_login out err "$USER_B" "$PW_B" "$(wrong_code "$SECRET_B")" --audience city-a-info --no-cache
expect_eq "a wrong code: exit 16" 16 "$RC"
expect_grep "a wrong code: one answer for all" \
  '^onecard-login: wrong user name, password or code; .* \(invalid_credentials\)$' err
pw_login out err "nobody-$$" "$PW_B" "$(code "$SECRET_B")" --audience city-a-info --no-cache
expect_eq "an unknown user: exit 16, as a wrong password" 16 "$RC"
expect_grep "an unknown user: the same words" \
  '^onecard-login: wrong user name, password or code; .* \(invalid_credentials\)$' err
expect_eq "refusals: no token" 0 "$(wc -c <out)"

tries=0
RC=16
while [ "$RC" -eq 16 ] && [ "$tries" -lt "$LOCK_TRIES_MAX" ]; do
  pw_login out err "$USER_B" "wrong $PW_B" "$(code "$SECRET_B")" --audience city-a-info --no-cache
  tries=$((tries + 1))
done
expect_eq "repeated failures: locked out (exit 17) within $LOCK_TRIES_MAX more tries" 17 "$RC"
expect_grep "locked: the time to wait, from Retry-After" \
  '^onecard-login: too many failed attempts: try again in [0-9]+ s \(locked\)$' err
expect_eq "locked: no token" 0 "$(wc -c <out)"
pw_login out err "$USER_B" "$PW_B" "$(code "$SECRET_B")" --audience city-a-info --no-cache
expect_eq "locked: even the right password and code are refused, exit 17" 17 "$RC"
# Person A is not locked by B's failures.
pw_login out err "$USER_A" "wrong $PW_A" "$(code "$SECRET_A" 30)" --audience city-a-info --no-cache
expect_eq "another person is not locked: exit 16" 16 "$RC"
no_secret out err

# ---- nothing secret in authd's log ---------------------------------------------------------
no_secret "$AUTHD_LOG"
expect_no_grep "authd's log: no token" "$(cut -d. -f2 a.tok | cut -c1-40)" "$AUTHD_LOG"
rm -f cache.before

af_stop_checked
login_finish

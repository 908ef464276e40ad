#!/usr/bin/env bash
# onecard-ca with its database gone: every command fails with
# database_unavailable (exit 7), one line on stderr, nothing on stdout,
# nothing written; once the database is back everything works again
# and the inventory holds exactly what was committed.
#
#   test_dbdown.sh ONECARD_CA DEV_SERVICES POLICY
. "$(dirname "$0")/lib.sh"
ca_setup "$1" "$2" "$3"

home=$WORK/ca
CASE="setup"
run_ca out err init --home "$home" --name "DB down" --alg ec --pass-file "$PASS_FILE" \
  --policy "$POLICY"
expect_eq "init exit 0" 0 $?
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -subj /CN=x \
  -out ec.csr 2>/dev/null
ISSUE=(issue --home "$home" --pass-file "$PASS_FILE" --profile tax --csr ec.csr
  --enterprise-name DB-Co --uscc "$USCC_OK" --person-id p-1 --person-name P)
run_ca first.pem err "${ISSUE[@]}"
expect_eq "issue exit 0" 0 $?
serial=$(openssl x509 -in first.pem -noout -serial | cut -d= -f2)
before=$(snapshot "$home")
audit_before=$(sql 'SELECT count(*) FROM audit')

CASE="database down"
db_stop
check_not "the database is down" psql -X -At -d "$ONECARD_PG" -c 'SELECT 1'
home_before=$(cd "$home" && find . -type f -exec sha256sum {} + | sort)
for cmd in "${ISSUE[*]}" "revoke --home $home --serial $serial --reason superseded" \
  "crl --home $home --pass-file $PASS_FILE" "list --home $home" "show --home $home --serial $serial" \
  "init --home $WORK/second --name Second --pass-file $PASS_FILE"; do
  # shellcheck disable=SC2086
  run_ca out err $cmd
  rc=$?
  name=${cmd%% *}
  expect_eq "$name: exit 7" 7 "$rc"
  expect_grep "$name: database error" "^onecard-ca: $name: database unavailable or failed" err
  expect_eq "$name: one line" 1 "$(wc -l <err)"
  expect_eq "$name: nothing printed" 0 "$(wc -c <out)"
done
expect_eq "the home is unchanged" "$home_before" "$(cd "$home" && find . -type f -exec sha256sum {} + | sort)"
check_not "init left no directory" test -e "$WORK/second"

CASE="database back"
db_start
expect_eq "inventory as before" "$before" "$(snapshot "$home")"
expect_eq "no audit row appeared (none could be written)" "$audit_before" "$(sql 'SELECT count(*) FROM audit')"
run_ca second.pem err "${ISSUE[@]}"
expect_eq "issue works again" 0 $?
check "a certificate" openssl x509 -in second.pem -noout
expect_eq "two certificates now" 2 "$(cert_count)"
run_ca out err revoke --home "$home" --serial "$serial" --reason superseded
expect_eq "revoke works again" 0 $?

ca_finish

#!/usr/bin/env bash
# onecard-authd's discovery endpoints (docs/discovery.md), on a private
# set of real services like test_login.sh: GET /v1/modules and
# GET /.well-known/openid-configuration served by three instances —
#
#   disc-default   policies/onecard.conf, the default origin
#   disc-province  policies/province-example.conf, a public origin that
#                  is not the listen address
#   disc-issuer    a policy written here (a module open to pwd-otp alone,
#                  a lifetime over token.max_lifetime, modules out of
#                  order) and an issuer that is not the origin
#
# Both answers are deterministic, so each is compared with its expected
# text exactly (no JSON tool is needed); each rule is also checked on
# its own so that a failure says which one broke.
#
#   test_discovery.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../enroll/lib.sh
. "$here/../enroll/lib.sh"
enroll_setup "$1" "$2"

AUTHD=$BUILD/authd/server/onecard-authd
[ -x "$AUTHD" ] || { not_ok "built: $AUTHD"; enroll_finish; exit 1; }
command -v curl >/dev/null || { not_ok "installed: curl"; enroll_finish; exit 1; }

# ---- helpers ---------------------------------------------------------------

start_authd() { # NAME [dev-services options...]: prints the URL
  local name=$1
  shift
  "$DEV_SERVICES" authd "$DEV" --ca-home "$HOME_CA" --pass-file "$WORK/pass" --name "$name" \
    "$@" 2>>"$WORK/dev-services.log" | sed -n "s/^export ONECARD_AUTHD_URL='\(.*\)'$/\1/p"
}

publish_crl() { # a fresh CRL of the CA to CA/crl.pem, atomically
  "$CA" --home "$HOME_CA" --pass-file "$WORK/pass" crl >"$HOME_CA/.crl.tmp" 2>>"$WORK/err" &&
    mv -f "$HOME_CA/.crl.tmp" "$HOME_CA/crl.pem"
}

# wait_for DESCRIPTION SECONDS COMMAND...: until the command succeeds.
wait_for() {
  local desc=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  not_ok "waited ${secs}s for: $desc"
  return 1
}

# fetch NAME URL: GET into $WORK/NAME.body and $WORK/NAME.headers (CR
# removed); prints the status.
fetch() {
  curl -sS -o "$WORK/$1.body" -D "$WORK/$1.raw" -w '%{http_code}' "$2" 2>>"$WORK/err"
  tr -d '\r' <"$WORK/$1.raw" >"$WORK/$1.headers"
}

# expect_text DESCRIPTION EXPECTED_FILE GOT_FILE: the same bytes; a diff
# otherwise.
expect_text() {
  if cmp -s "$2" "$3"; then
    ok "$1"
  else
    not_ok "$1: $(diff "$2" "$3" | head -n 12 | tr '\n' '|')"
  fi
}

# One module per line, so that expected texts read as tables and a
# difference names its module. Only breaks between entries ("},{"id"").
# The body has no final newline; the expected texts do.
modules_lines() { { cat; echo; } | sed -e 's/^{"modules":\[/&\n/' -e 's/},{"id":/},\n{"id":/g' -e 's/\]}$/\n]}/'; }
# One member per line: breaks before each top-level ,"key": (the lists
# of this document hold no objects).
members_lines() { { cat; echo; } | sed -e 's/,"\([a-z_]*\)":/,\n"\1":/g'; }

# The module ids of a policy file, as strcmp sorts them: every id = "..."
# after "modules = (" (module entries name agencies in lists, not as id).
policy_module_ids() {
  awk '/^modules = \(/ { m = 1 } m' "$1" | grep -oE '(^|[^a-z_])id = "[a-z0-9-]+"' | cut -d'"' -f2 |
    LC_ALL=C sort
}
listed_ids() { grep -o '"id":"[a-z0-9-]*"' "$1" | cut -d'"' -f4; }

# check_modules NAME URL POLICY_FILE EXPECTED_LINES_FILE
check_modules() {
  local name=$1 url=$2 policy=$3 want=$4 status
  status=$(fetch "$name-modules" "$url/v1/modules")
  expect_eq "$name: GET /v1/modules 200" 200 "$status"
  expect_grep "$name: /v1/modules is application/json" '^Content-Type: application/json$' "$WORK/$name-modules.headers"
  expect_grep "$name: /v1/modules Cache-Control public, max-age=60" '^Cache-Control: public, max-age=60$' "$WORK/$name-modules.headers"
  expect_eq "$name: one Cache-Control header" 1 "$(grep -ci '^cache-control:' "$WORK/$name-modules.headers")"
  expect_eq "$name: every module of $(basename "$policy"), sorted by id" \
    "$(policy_module_ids "$policy" | tr '\n' ' ')" "$(listed_ids "$WORK/$name-modules.body" | tr '\n' ' ')"
  expect_no_grep "$name: no module open to pwd-otp without card listed" '"acr":\["pwd-otp"' "$WORK/$name-modules.body"
  expect_no_grep "$name: levels strongest first" '"acr":\[[^]]*"pwd-otp","card"' "$WORK/$name-modules.body"
  modules_lines <"$WORK/$name-modules.body" >"$WORK/$name-modules.lines"
  expect_text "$name: /v1/modules is the expected document" "$want" "$WORK/$name-modules.lines"
}

# check_openid NAME URL ISSUER ORIGIN: the discovery document of an
# instance whose issuer and origin are these.
check_openid() {
  local name=$1 url=$2 issuer=$3 origin=$4 status
  status=$(fetch "$name-oidc" "$url/.well-known/openid-configuration")
  expect_eq "$name: GET /.well-known/openid-configuration 200" 200 "$status"
  expect_grep "$name: openid-configuration is application/json" '^Content-Type: application/json$' "$WORK/$name-oidc.headers"
  expect_grep "$name: openid-configuration Cache-Control public, max-age=60" '^Cache-Control: public, max-age=60$' "$WORK/$name-oidc.headers"
  expect_grep "$name: issuer is the configured issuer" "^\\{\"issuer\":\"$issuer\"," "$WORK/$name-oidc.body"
  expect_grep "$name: jwks_uri is under the configured origin" "\"jwks_uri\":\"$origin/\\.well-known/jwks\\.json\"" "$WORK/$name-oidc.body"
  expect_no_grep "$name: no endpoint that does not exist" '"(authorization|userinfo)_endpoint"' "$WORK/$name-oidc.body"
  expect_no_grep "$name: no grant authd does not issue" 'authorization_code|implicit' "$WORK/$name-oidc.body"
  cat >"$WORK/$name-oidc.want" <<EOF
{"issuer":"$issuer",
"jwks_uri":"$origin/.well-known/jwks.json",
"token_endpoint":"$origin/v1/token",
"token_endpoint_auth_methods_supported":["none"],
"introspection_endpoint":"$origin/v1/introspect",
"introspection_endpoint_auth_methods_supported":["client_secret_basic"],
"revocation_endpoint":"$origin/v1/revoke",
"revocation_endpoint_auth_methods_supported":["none"],
"response_types_supported":[],
"grant_types_supported":["refresh_token","urn:ietf:params:oauth:grant-type:token-exchange"],
"onecard_logout_endpoint":"$origin/v1/logout",
"acr_values_supported":["card","pwd-otp"],
"onecard_challenge_endpoint":"$origin/v1/challenge",
"onecard_login_endpoint":"$origin/v1/login",
"onecard_password_login_endpoint":"$origin/v1/login/password",
"onecard_modules_endpoint":"$origin/v1/modules"}
EOF
  members_lines <"$WORK/$name-oidc.body" >"$WORK/$name-oidc.lines"
  expect_text "$name: openid-configuration is the expected document" "$WORK/$name-oidc.want" "$WORK/$name-oidc.lines"
}

# ---- setup -------------------------------------------------------------------

publish_crl || { cat "$WORK/err"; not_ok "a CRL"; enroll_finish; exit 1; }

# ---- policies/onecard.conf, the default origin ----------------------------------

URL=$(start_authd disc-default)
[ -n "$URL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "authd (policies/onecard.conf) started at $URL"

cat >"$WORK/default.want" <<'EOF'
{"modules":[
{"id":"city-a-inspection","platform":"city-a","acr":["card"],"agencies":["inspection-quarantine"],"token_lifetime":300},
{"id":"city-b-info","platform":"city-b","acr":["card","pwd-otp"],"agencies":[],"token_lifetime":600},
{"id":"province-customs-declaration","platform":"province","acr":["card"],"agencies":["customs"],"token_lifetime":300},
{"id":"province-export-tax-refund","platform":"province","acr":["card"],"agencies":["customs","tax"],"token_lifetime":300},
{"id":"province-vessel-clearance","platform":"province","acr":["card"],"agencies":["maritime","border"],"token_lifetime":300},
{"id":"provincial-portal","platform":"province","acr":["card"],"agencies":[],"token_lifetime":300}
]}
EOF
check_modules default "$URL" "$SRC/policies/onecard.conf" "$WORK/default.want"
check_openid default "$URL" "$URL" "$URL"

# Only GET: the layer answers 405 with Allow for anything else.
expect_eq "POST /v1/modules: 405" 405 \
  "$(curl -s -o /dev/null -D "$WORK/post.raw" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$URL/v1/modules")"
tr -d '\r' <"$WORK/post.raw" >"$WORK/post.headers"
expect_grep "POST /v1/modules: Allow: GET" '^Allow: GET$' "$WORK/post.headers"
expect_eq "POST /.well-known/openid-configuration: 405" 405 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$URL/.well-known/openid-configuration")"
# The JWKS the document points at is there (same origin, here).
expect_eq "jwks_uri answers 200" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$(sed -n 's/.*"jwks_uri":"\([^"]*\)".*/\1/p' "$WORK/default-oidc.body")")"
# The document is the same at every request (a fresh build each time).
curl -fsS "$URL/v1/modules" >"$WORK/again.body" 2>>"$WORK/err"
expect_text "/v1/modules: the same bytes at the next request" "$WORK/default-modules.body" "$WORK/again.body"

# ---- policies/province-example.conf, a public origin -------------------------------

PROVINCE_ORIGIN=https://login.province.example
PURL=$(start_authd disc-province --policy "$SRC/policies/province-example.conf" --origin "$PROVINCE_ORIGIN")
[ -n "$PURL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
ok "authd (policies/province-example.conf) started at $PURL"

{
  echo '{"modules":['
  for city in a b c; do
    p=city-$city
    cat <<EOF
{"id":"$p-border","platform":"$p","acr":["card"],"agencies":["border"],"token_lifetime":300},
{"id":"$p-customs-declaration","platform":"$p","acr":["card"],"agencies":["customs"],"token_lifetime":300},
{"id":"$p-info","platform":"$p","acr":["card","pwd-otp"],"agencies":[],"token_lifetime":600},
{"id":"$p-inspection","platform":"$p","acr":["card"],"agencies":["inspection-quarantine"],"token_lifetime":300},
{"id":"$p-maritime","platform":"$p","acr":["card"],"agencies":["maritime"],"token_lifetime":300},
{"id":"$p-tax-refund","platform":"$p","acr":["card"],"agencies":["customs","tax"],"token_lifetime":180},
EOF
  done
  cat <<'EOF'
{"id":"province-border","platform":"province","acr":["card"],"agencies":["border"],"token_lifetime":300},
{"id":"province-customs-declaration","platform":"province","acr":["card"],"agencies":["customs"],"token_lifetime":300},
{"id":"province-inspection","platform":"province","acr":["card"],"agencies":["inspection-quarantine"],"token_lifetime":300},
{"id":"province-maritime","platform":"province","acr":["card"],"agencies":["maritime"],"token_lifetime":300},
{"id":"province-tax-refund","platform":"province","acr":["card"],"agencies":["customs","tax"],"token_lifetime":180},
{"id":"provincial-portal","platform":"province","acr":["card"],"agencies":[],"token_lifetime":300}
]}
EOF
} >"$WORK/province.want"
check_modules province "$PURL" "$SRC/policies/province-example.conf" "$WORK/province.want"
check_openid province "$PURL" "$PROVINCE_ORIGIN" "$PROVINCE_ORIGIN"
expect_no_grep "province: no endpoint under the listen address" "$PURL" "$WORK/province-oidc.body"
expect_eq "province: 4 platforms" "city-a city-b city-c province" \
  "$(grep -o '"platform":"[a-z0-9-]*"' "$WORK/province-modules.body" | cut -d'"' -f4 | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//')"
# What the document says a card login may enter, /v1/challenge agrees
# with: every module listed with "card" issues a challenge.
refused=""
for id in $(listed_ids "$WORK/province-modules.body"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"audience\": \"$id\"}" "$PURL/v1/challenge")
  [ "$code" = 200 ] || refused="$refused $id:$code"
done
expect_eq "province: every module listed with card takes a card challenge" "" "$refused"

# ---- a policy of edge cases, an issuer that is not the origin -----------------------

# Written out of order; "info" admits pwd-otp alone (the metadata must
# list card too); "long" asks for more than token.max_lifetime (600 in
# the dev stack) and is listed with what its tokens get.
cat >"$WORK/edge.conf" <<'EOF'
agencies = ( { id = "customs"; name = "General Administration of Customs";
               policy_oid = "2.25.212070221869409038959537807226447327349.1"; } );
profiles = ( );
modules = (
	{ id = "zz-last"; platform = "city-z"; acr = [ "card" ]; agencies = [ "customs" ]; token_lifetime = 30; },
	{ id = "info"; platform = "city-z"; acr = [ "pwd-otp" ]; agencies = [ ]; },
	{ id = "long"; platform = "province"; acr = [ "pwd-otp", "card" ]; agencies = [ ]; token_lifetime = 3600; },
	{ id = "a-first"; platform = "province"; acr = [ "card" ]; agencies = [ ]; }
);
EOF
EDGE_ORIGIN=https://login.example.test
EDGE_ISSUER=https://issuer.example.test/onecard
EURL=$(start_authd disc-issuer --policy "$WORK/edge.conf" --origin "$EDGE_ORIGIN")
[ -n "$EURL" ] || { tail -5 "$WORK/dev-services.log"; not_ok "authd started"; enroll_finish; exit 1; }
# dev-services has no --issuer: restart the instance by hand on the same
# configuration with an issuer added; its pid file lets dev-services
# stop it like the others.
EDIR=$DEV/authd/disc-issuer
pid=$(cat "$EDIR/authd.pid")
kill -TERM "$pid"
wait_for "the edge instance stops" 10 bash -c "! kill -0 $pid 2>/dev/null"
sed "s#^origin = .*#&\nissuer = \"$EDGE_ISSUER\";#" "$EDIR/authd.conf" >"$EDIR/issuer.conf"
"$AUTHD" --config "$EDIR/issuer.conf" --check-config >/dev/null 2>"$WORK/err"
expect_eq "the configuration with an issuer checks" 0 "$?"
setsid "$AUTHD" --config "$EDIR/issuer.conf" </dev/null >>"$EDIR/authd.log" 2>&1 &
printf '%s\n' "$!" >"$EDIR/authd.pid"
wait_for "authd with an issuer answers" 10 curl -fsS -o /dev/null "$EURL/healthz" &&
  ok "authd (edge policy, issuer $EDGE_ISSUER) started at $EURL"

cat >"$WORK/edge.want" <<'EOF'
{"modules":[
{"id":"a-first","platform":"province","acr":["card"],"agencies":[],"token_lifetime":300},
{"id":"info","platform":"city-z","acr":["card","pwd-otp"],"agencies":[],"token_lifetime":300},
{"id":"long","platform":"province","acr":["card","pwd-otp"],"agencies":[],"token_lifetime":600},
{"id":"zz-last","platform":"city-z","acr":["card"],"agencies":["customs"],"token_lifetime":30}
]}
EOF
check_modules edge "$EURL" "$WORK/edge.conf" "$WORK/edge.want"
check_openid edge "$EURL" "$EDGE_ISSUER" "$EDGE_ORIGIN"
expect_no_grep "edge: no endpoint under the issuer" "\"[a-z_]*(uri|endpoint)\":\"$EDGE_ISSUER" "$WORK/edge-oidc.body"

# ---- nothing in the logs -------------------------------------------------------

for f in "$DEV"/authd/disc-*/authd.log; do
  expect_no_grep "$(basename "$(dirname "$f")") log: no discovery failure" 'cannot build' "$f"
done

pid=$(cat "$EDIR/authd.pid")
kill -TERM "$pid"
wait_for "authd stops on SIGTERM" 10 bash -c "! kill -0 $pid 2>/dev/null" && ok "authd stops on SIGTERM"
enroll_finish

#!/usr/bin/env bash
# Regenerates the seed corpora of authd/server's fuzz targets and the
# trust files fuzz_cert_ingest loads (not run by ctest; the files it
# writes are committed):
#
#   authd/server/fuzz_trust/            anchors.pem, cas.pem, *.crl.pem
#   authd/server/corpus/cert_ingest/    fuzz_cert_ingest seeds (binary)
#   authd/server/corpus/login_request/  fuzz_login_request seeds (JSON)
#
#   tests/authd/fuzz/make_corpora.sh BUILD_DIR
#
# BUILD_DIR holds tests/authd/tools/mkcert (any build with the tests on):
# the card certificates are made by mkcert, which links onecard-ca's own
# code, so that the valid seeds are exactly what the CA issues. Every
# file is new each run (fresh keys, thrown away); the old ones are removed
# first. Each seed's verdict is listed in <name>.expect beside this script
# (check_seeds.sh under ctest): a new seed needs its line there.
#
# The trust: four anchors (the card CA; a root over a sub CA in cas.pem;
# a CA with no CRL; a CA whose only CRL is stale) and a CRL for each CA
# that has one. fuzz_cert_ingest pins its clock to the card CA CRL's
# thisUpdate + 1 h, so every "now" below means "when this script ran".
#
# A cert_ingest seed is: one byte N (extras = N % 18), then N extra CA
# certificates each as a 2-byte big-endian length and its DER, then the
# card certificate's DER (fuzz_cert_ingest.c).
set -euo pipefail

[[ $# -eq 1 ]] || {
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
}
mkcert=$(cd "$1" && pwd)/tests/authd/tools/mkcert
[[ -x $mkcert ]] || {
	echo "make_corpora: $mkcert is missing (build the tests first)" >&2
	exit 1
}
top=$(cd "$(dirname "$0")/../../.." && pwd)
policy=$top/policies/onecard.conf
trust_dir=$top/authd/server/fuzz_trust
ingest_dir=$top/authd/server/corpus/cert_ingest
login_dir=$top/authd/server/corpus/login_request

work=$(mktemp -d "${TMPDIR:-/tmp}/onecard-corpora.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
cd "$work"

# ---- the CAs ---------------------------------------------------------------

cat >ca.ext <<'EOF'
[issuing]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.5.29.32.0
EOF

# self_ca NAME CN [PATHLEN]: a self-signed CA as tests/authd/tools' make_ca.
self_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.pem" -days 3650 -subj "/O=onecard fuzz/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:${3:-0}" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "certificatePolicies=2.5.29.32.0" 2>/dev/null
}

self_ca card-ca "onecard Fuzz Card CA"
self_ca nocrl-ca "onecard Fuzz No-CRL CA"
self_ca stale-ca "onecard Fuzz Stale-CRL CA"
self_ca other-ca "onecard Fuzz Untrusted CA"
self_ca root "onecard Fuzz Root CA" 1
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout sub-ca.key \
	-out sub-ca.csr -subj "/O=onecard fuzz/CN=onecard Fuzz Sub CA" 2>/dev/null
openssl x509 -req -in sub-ca.csr -CA root.pem -CAkey root.key \
	-set_serial "0x$(openssl rand -hex 16)" -days 3650 -extfile ca.ext -extensions issuing \
	-out sub-ca.pem 2>/dev/null

# ---- the card certificates ---------------------------------------------------

# cert NAME CA [MKCERT OPTIONS...]: NAME.pem and NAME.der, a new key.
cert() {
	local name=$1 ca=$2
	shift 2
	"$mkcert" cert --ca-cert "$ca.pem" --ca-key "$ca.key" --policy "$policy" \
		--new-key "$name.key" --out "$name.pem" "$@"
	openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}

cert ok-customs-ec card-ca
cert ok-tax-rsa2048 card-ca --profile tax --key-type rsa-2048 --person-id p-0002 \
	--person-name "Li Si"
cert ok-maritime card-ca --profile maritime
cert ok-inspection card-ca --profile inspection-quarantine --person-name "王五"
cert ok-sub-border sub-ca --profile border
cert ok-sub-customs sub-ca
cert revoked card-ca --profile maritime --person-id p-0009
cert expired card-ca --not-before -30d --not-after -1d
cert not-yet-valid card-ca --not-before +1d
cert untrusted other-ca
cert status-unknown nocrl-ca
cert crl-stale stale-ca
cert eku-none card-ca --eku none
cert eku-server card-ca --eku server-auth
cert eku-any card-ca --eku any
cert ku-none card-ca --ku none
cert ku-keyenc card-ca --ku key-encipherment
cert leaf-ca-true card-ca --ca-true
cert leaf-no-bc card-ca --no-basic-constraints
cert unknown-critical card-ca --unknown-critical
cert sha1 card-ca --sha1
cert rsa-1024 card-ca --key-type rsa-1024
cert ec-p384 card-ca --key-type ec-p384
cert ec-explicit card-ca --key-type ec-explicit
cert serial-zero card-ca --serial 0
cert serial-negative card-ca --serial -5
cert serial-long card-ca --serial "$(printf '7f%.0s' {1..42})"
cert policy-oid-none card-ca --policy-oid none
cert policy-oid-other card-ca --policy-oid 2.25.212070221869409038959537807226447327349.5
# An agency the policy does not know: the tax profile renamed.
sed 's/"tax"/"excise"/g' "$policy" >excise.conf
"$mkcert" cert --ca-cert card-ca.pem --ca-key card-ca.key --policy excise.conf \
	--profile excise --new-key unknown-agency.key --out unknown-agency.pem
openssl x509 -in unknown-agency.pem -outform DER -out unknown-agency.der
for ca in card-ca root sub-ca other-ca; do
	openssl x509 -in "$ca.pem" -outform DER -out "$ca.der"
done

# ---- the CRLs ----------------------------------------------------------------

serial_of() { openssl x509 -in "$1.pem" -noout -serial | cut -d= -f2; }
"$mkcert" crl --ca-cert card-ca.pem --ca-key card-ca.key --out card-ca.crl.pem \
	--revoke "$(serial_of revoked)" --number 7
"$mkcert" crl --ca-cert root.pem --ca-key root.key --out root.crl.pem
"$mkcert" crl --ca-cert sub-ca.pem --ca-key sub-ca.key --out sub-ca.crl.pem --number 3
"$mkcert" crl --ca-cert stale-ca.pem --ca-key stale-ca.key --out stale-ca.crl.pem \
	--this-update -10d --next-update -1d

# ---- write them out ------------------------------------------------------------

mkdir -p "$trust_dir" "$ingest_dir" "$login_dir"
rm -f -- "$trust_dir"/*.pem "$ingest_dir"/* "$login_dir"/*
cat card-ca.pem root.pem nocrl-ca.pem stale-ca.pem >"$trust_dir/anchors.pem"
cp sub-ca.pem "$trust_dir/cas.pem"
cp card-ca.crl.pem root.crl.pem sub-ca.crl.pem stale-ca.crl.pem "$trust_dir/"

# byte N: one byte; be16 N: two, big-endian.
byte() {
	# shellcheck disable=SC2059 # the format is the escape built here
	printf "\\x$(printf %02x "$1")"
}
be16() {
	byte $(($1 >> 8))
	byte $(($1 & 255))
}
# seed NAME LEAF.der [EXTRA.der...]: a cert_ingest seed.
seed() {
	local name=$1 leaf=$2 x
	shift 2
	{
		byte $#
		for x in "$@"; do
			be16 "$(stat -c %s "$x")"
			cat "$x"
		done
		cat "$leaf"
	} >"$ingest_dir/$name"
}

for c in ok-customs-ec ok-tax-rsa2048 ok-inspection ok-sub-border revoked expired \
	not-yet-valid untrusted status-unknown crl-stale eku-none eku-server eku-any ku-none \
	ku-keyenc leaf-ca-true leaf-no-bc unknown-critical sha1 rsa-1024 ec-p384 ec-explicit \
	serial-zero serial-negative serial-long policy-oid-none policy-oid-other \
	unknown-agency; do
	seed "$c" "$c.der"
done
# What clients send in x5c after the card certificate.
seed ok-maritime-x5c-ca ok-maritime.der card-ca.der
seed ok-sub-customs-x5c-sub ok-sub-customs.der sub-ca.der
seed ok-sub-customs-x5c-sub-root ok-sub-customs.der sub-ca.der root.der
seed ok-x5c-unrelated-ca ok-customs-ec.der other-ca.der
seed untrusted-x5c-own-ca untrusted.der other-ca.der
# A presented copy of the sub CA whose notAfter cannot be read (a month
# digit made '='): the path takes the store's copy, so the card is
# accepted, but the verdict may not be cached (it holds no time).
off=$(openssl asn1parse -inform DER -in sub-ca.der | awk '/UTCTIME|GENERALIZEDTIME/ { n++ } n == 2 { print $1 + 0; exit }')
cp sub-ca.der badtime-sub-ca.der
printf '=' | dd of=badtime-sub-ca.der bs=1 seek=$((off + 2 + 2)) conv=notrunc status=none
seed ok-x5c-ca-bad-notafter ok-sub-customs.der badtime-sub-ca.der
# X1: a card certificate acting as the CA of another.
"$mkcert" cert --ca-cert ok-customs-ec.pem --ca-key ok-customs-ec.key --policy "$policy" \
	--profile tax --new-key under-card.key --out under-card.pem
openssl x509 -in under-card.pem -outform DER -out under-card.der
seed leaf-under-card-cert under-card.der ok-customs-ec.der
# Not one DER certificate, as the card's or as a CA's.
head -c "$(($(stat -c %s ok-customs-ec.der) / 2))" ok-customs-ec.der >truncated.der
seed truncated truncated.der
{
	cat ok-customs-ec.der
	printf '\0'
} >trailing.der
seed trailing-byte trailing.der
cp ok-customs-ec.der badsig.der
last=$(($(stat -c %s badsig.der) - 1))
byte $((0x$(tail -c 1 badsig.der | xxd -p) ^ 0xff)) |
	dd of=badsig.der bs=1 seek="$last" conv=notrunc status=none
seed bad-signature badsig.der
seed pem-text ok-customs-ec.pem
printf 'not a certificate' >garbage.der
seed x5c-garbage ok-customs-ec.der garbage.der
: >empty.der
seed x5c-empty ok-customs-ec.der empty.der
seed x5c-truncated-ca ok-maritime.der truncated.der
seed empty-leaf empty.der
args=()
for _ in {1..17}; do args+=(card-ca.der); done
seed x5c-too-many ok-customs-ec.der "${args[@]}"
{
	printf '\x01\xff\xff'
	head -c 40 card-ca.der
} >"$ingest_dir/x5c-length-overrun"
: >"$ingest_dir/empty"
printf '\0' >"$ingest_dir/selector-only"

# ---- login_request: bodies of POST /v1/login -----------------------------------

# A challenge as authd issues it (authd/challenge/corpus/valid-key1).
challenge=AQZmdXp6LTEAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHwAAAABlU_D2AAAAAGVT8TIeaHR0cHM6Ly9hdXRoZC5wcm92aW5jZS5leGFtcGxlB2N1c3RvbXMqmwn-nnOp5FYgJVNph8X-KveCchFU-mORsFJLkFGz7Q
b64() { base64 -w0 <"$1"; }
sig() { openssl rand "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
# proof CERT ALG SIGLEN [CA...]: one proof object.
proof() {
	local c=$1 alg=$2 len=$3 x5c
	shift 3
	x5c=$(for f in "$c" "$@"; do b64 "$f.der"; echo; done | jq -R . | jq -sc .)
	jq -nc --argjson x5c "$x5c" --arg alg "$alg" --arg sig "$(sig "$len")" \
		'{x5c: $x5c, alg: $alg, sig: $sig}'
}
# body NAME PROOF...: {"challenge", "proofs"} into NAME.
body() {
	local name=$1
	shift
	printf '%s\n' "$@" | jq -sc --arg ch "$challenge" '{challenge: $ch, proofs: .}' \
		>"$login_dir/$name"
}

p_customs=$(proof ok-customs-ec ES256 71)
p_tax=$(proof ok-tax-rsa2048 RS256 256)
p_maritime=$(proof ok-maritime ES256 72 card-ca)
p_inspection=$(proof ok-inspection ES256 70)
body ok-one-proof "$p_customs"
body ok-x5c-with-ca "$p_maritime"
body ok-four-proofs "$p_customs" "$p_tax" "$p_maritime" "$p_inspection"
body ok-ps256 "$(proof ok-tax-rsa2048 PS256 256)"
body ok-sm2 "$(proof ok-customs-ec SM2-SM3 72)"
body ok-x5c-four "$(proof ok-sub-customs ES256 71 sub-ca root card-ca)"
body ok-sig-max "$(proof ok-tax-rsa2048 RS256 1024)"
sixteen=()
for c in ok-customs-ec ok-tax-rsa2048 ok-maritime ok-inspection ok-sub-border ok-sub-customs \
	revoked expired not-yet-valid untrusted status-unknown crl-stale eku-none eku-server \
	eku-any ku-none; do
	sixteen+=("$(proof "$c" ES256 64)")
done
body ok-sixteen-proofs "${sixteen[@]}"
body bad-seventeen-proofs "${sixteen[@]}" "$(proof ku-keyenc ES256 64)"
body bad-same-cert-twice "$p_customs" "$p_tax" "$(proof ok-customs-ec ES256 71)"
body bad-x5c-five "$(proof ok-sub-customs ES256 71 sub-ca root card-ca other-ca)"
body bad-sig-too-long "$(proof ok-tax-rsa2048 RS256 1025)"
body bad-alg-es384 "$(proof ok-customs-ec ES384 71)"
body bad-alg-lower "$(proof ok-customs-ec es256 71)"

# edit NAME FROM JQ-FILTER: a variant of seed FROM.
edit() { jq -c "$3" "$login_dir/$2" >"$login_dir/$1"; }
edit bad-proofs-empty ok-one-proof '.proofs = []'
edit bad-proofs-object ok-one-proof '.proofs = .proofs[0]'
edit bad-x5c-empty ok-one-proof '.proofs[0].x5c = []'
edit bad-x5c-string ok-one-proof '.proofs[0].x5c = .proofs[0].x5c[0]'
edit bad-x5c-number ok-one-proof '.proofs[0].x5c = [42]'
edit bad-x5c-urlsafe ok-one-proof '.proofs[0].x5c[0] |= (.[0:10] + "-" + .[11:])'
edit bad-x5c-no-padding ok-one-proof '.proofs[0].x5c[0] = "AAAAAA"'
edit bad-x5c-newlines ok-one-proof '.proofs[0].x5c[0] |= (.[0:64] + "\n" + .[64:])'
edit bad-x5c-empty-string ok-one-proof '.proofs[0].x5c[0] = ""'
edit bad-x5c-too-long ok-one-proof '.proofs[0].x5c[0] = ("A" * 21852)'
edit bad-x5c-padding-only ok-one-proof '.proofs[0].x5c[0] = "===="'
# AUTHD_CERT_DER_MAX (16384) bytes, and one more: login_request decodes
# no DER, so zero bytes will do.
edit ok-x5c-der-max ok-one-proof '.proofs[0].x5c[0] = ("A" * 21846 + "==")'
edit bad-x5c-over-max ok-one-proof '.proofs[0].x5c[0] = ("A" * 21847 + "=")'
edit bad-sig-padded ok-one-proof '.proofs[0].sig += "=="'
edit bad-sig-std-alphabet ok-one-proof '.proofs[0].sig |= ("+" + .[1:])'
edit bad-sig-empty ok-one-proof '.proofs[0].sig = ""'
edit bad-sig-number ok-one-proof '.proofs[0].sig = 7'
edit bad-sig-tail-bits ok-one-proof '.proofs[0].sig = "AB"'
edit bad-alg-number ok-one-proof '.proofs[0].alg = 256'
edit bad-alg-null ok-one-proof '.proofs[0].alg = null'
edit bad-proof-extra-member ok-one-proof '.proofs[0].kid = "k1"'
edit bad-proof-missing-sig ok-one-proof 'del(.proofs[0].sig)'
edit bad-proof-not-object ok-one-proof '.proofs = ["x"]'
edit bad-body-extra-member ok-one-proof '.audience = "provincial-portal"'
edit bad-body-missing-challenge ok-one-proof 'del(.challenge)'
edit bad-challenge-empty ok-one-proof '.challenge = ""'
edit bad-challenge-number ok-one-proof '.challenge = 1'
edit bad-challenge-too-long ok-one-proof '.challenge = ("A" * 1024)'
edit ok-challenge-any-text ok-one-proof '.challenge = "not checked here"'
# Text the strict JSON parser refuses before login_request sees it.
p=$login_dir
printf '{"challenge":"%s","challenge":"x","proofs":[]}' "$challenge" >"$p/bad-duplicate-member"
printf '{"challenge":"x\\u0000y","proofs":[]}' >"$p/bad-nul-escape"
printf '[{"challenge":"x"}]' >"$p/bad-array"
printf '\xef\xbb\xbf{"challenge":"x","proofs":[]}' >"$p/bad-bom"
printf '{"challenge":"\xff","proofs":[]}' >"$p/bad-utf8"
head -c 200 "$p/ok-one-proof" >"$p/bad-truncated"
{
	cat "$p/ok-one-proof"
	printf ' {}'
} >"$p/bad-trailing-text"
printf '%0.s[' {1..300} >"$p/bad-deep"
: >"$p/empty"

echo "make_corpora: $(find "$ingest_dir" -type f | wc -l) cert_ingest seeds," \
	"$(find "$login_dir" -type f | wc -l) login_request seeds, trust files in $trust_dir"

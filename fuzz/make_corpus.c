/*
 * Writes the seed corpora of the token and claims fuzz targets:
 *   fuzz_make_corpus DIR   writes DIR/token/ and DIR/claims/
 * Tokens are signed with the fixed test keys (fuzz_keys.c) and are valid
 * at OC_FUZZ_NOW, or break exactly one rule. Every token seed is verified
 * here as it is written and its result printed; a seed meant to be valid
 * that does not verify stops the program, so the corpus cannot silently
 * go stale. ES256 signatures and jti values are random, so two runs
 * write different (equally good) files.
 *
 * The jwks and b64url seeds are plain files written by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/token.h>

#include "b64url.h"
#include "fuzz_keys.h"
#include "jwk.h"
#include "jws.h"

#define PATH_MAX_LEN 4096u
#define NEST_DEPTH   1500u /* a deeply nested claim, under jansson's 2048 */
#define NEST_DEEP    2100u /* beyond jansson's depth limit */

/* The literal times below are OC_FUZZ_NOW and OC_FUZZ_NOW + 3600. */
#define NOW  "1767225600"
#define EXP  "1767229200"
#define PAST "1767218400" /* now - 7200 */
#define SOON "1767229200" /* now + 3600 */

#define H_ED "{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}"
#define H_ES "{\"alg\":\"ES256\",\"kid\":\"fuzz-p256\",\"typ\":\"at+jwt\"}"

/* A realistic payload, as authd issues them. */
#define P_VALID                                                                                  \
	"{\"iss\":\"https://authd.example\",\"aud\":\"provincial-portal\",\"sub\":\"person-1\"," \
	"\"ent\":\"91310000MA1FL8XQ3B\",\"card\":\"card-1\",\"agencies\":["                      \
	"{\"id\":\"customs\",\"x5t#S256\":\"n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg\"},"     \
	"{\"id\":\"tax\",\"x5t#S256\":\"3n4Xu0v1KLmQ2aPiCEl1RzDOsjTYhnJXwX1Syb7XF4E\"}],"        \
	"\"acr\":\"card\",\"amr\":[\"card\"],"                                                   \
	"\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2\"},"                \
	"\"iat\":" NOW ",\"nbf\":" NOW ",\"exp\":" EXP ",\"jti\":\"seed-1\"}"

/* A payload with a raw NUL byte inside a string. */
#define RAW_NUL "{\"iss\":\"a\0b\"}"

#define P_HEAD \
	"{\"iss\":\"https://authd.example\",\"aud\":\"provincial-portal\",\"sub\":\"person-1\","
#define P_TIMES "\"iat\":" NOW ",\"exp\":" EXP

static const char *out_dir;
static onecard_verifier *verifier;
static oc_key *key_ed;
static oc_key *key_es;
static int failures;

static oc_key *load_private(const char *text)
{
	json_t *jwk = NULL;
	oc_key *key = NULL;

	jwk = json_loads(text, 0, NULL);
	if (jwk == NULL || oc_jwk_parse(jwk, OC_JWK_PRIVATE_REQUIRED, &key) != ONECARD_OK) {
		fprintf(stderr, "make_corpus: a fixed test key does not load\n");
		exit(1);
	}
	json_decref(jwk);
	return key;
}

static void write_file(const char *sub, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX_LEN];
	FILE *f;
	int w;

	w = snprintf(path, sizeof(path), "%s/%s/%s", out_dir, sub, name);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		fprintf(stderr, "make_corpus: path too long\n");
		exit(1);
	}
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "make_corpus: cannot write %s\n", path);
		exit(1);
	}
}

/* Writes a token seed and checks the result it gets: want_ok 1 means it
 * must verify, 0 that it must not. */
static void token_seed(const char *name, const char *token, size_t len, int want_ok)
{
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	int r;

	write_file("token", name, token, len);
	r = onecard_verify(verifier, token, len, OC_FUZZ_ISSUER, OC_FUZZ_AUDIENCE, &claims,
			   &reason);
	onecard_claims_free(claims);
	printf("token/%-28s %-18s %s\n", name, onecard_err_code(r), reason);
	if ((r == ONECARD_OK) != (want_ok != 0)) {
		fprintf(stderr, "make_corpus: token/%s: unexpected result\n", name);
		failures++;
	}
}

/* Signs header and payload bytes as given, then writes a token seed. */
static void signed_seed(const char *name, const oc_key *key, const char *header,
			const char *payload, size_t payload_len, int want_ok)
{
	char *token = NULL;

	if (oc_jws_sign_bytes(key, header, strlen(header), payload, payload_len, &token) !=
	    ONECARD_OK) {
		fprintf(stderr, "make_corpus: cannot sign %s\n", name);
		exit(1);
	}
	token_seed(name, token, strlen(token), want_ok);
	free(token);
}

static void signed_str(const char *name, const oc_key *key, const char *header, const char *payload,
		       int want_ok)
{
	signed_seed(name, key, header, payload, strlen(payload), want_ok);
}

/* a then b into buf; returns the length. */
static size_t join(char *buf, size_t cap, const char *a, const char *b)
{
	int w = snprintf(buf, cap, "%s%s", a, b);

	if (w < 0 || (size_t)w >= cap) {
		fprintf(stderr, "make_corpus: seed too long\n");
		exit(1);
	}
	return (size_t)w;
}

/* base64url(header) "." base64url(payload) "." sig, sig given as text. */
static void raw_seed(const char *name, const char *header, const char *payload, const char *sig)
{
	char *h = NULL, *p = NULL;
	char buf[8192];
	size_t n;

	if (oc_b64url_encode_alloc((const uint8_t *)header, strlen(header), &h) != ONECARD_OK ||
	    oc_b64url_encode_alloc((const uint8_t *)payload, strlen(payload), &p) != ONECARD_OK) {
		exit(1);
	}
	n = join(buf, sizeof(buf), h, ".");
	n += join(buf + n, sizeof(buf) - n, p, ".");
	n += join(buf + n, sizeof(buf) - n, sig, "");
	token_seed(name, buf, n, 0);
	free(h);
	free(p);
}

/* A claims-target seed: selector character, then the part. */
static void claims_seed(const char *name, char sel, const char *part, size_t len)
{
	char *buf = malloc(len + 1);

	if (buf == NULL) {
		exit(1);
	}
	buf[0] = sel;
	memcpy(buf + 1, part, len);
	write_file("claims", name, buf, len + 1);
	free(buf);
}

/* "x.y.z" with z replaced by the base64url of sig. */
static void token_with_sig(const char *name, const char *token, const uint8_t *sig, size_t sig_len)
{
	char buf[8192];
	const char *dot = strrchr(token, '.');
	size_t head;

	if (dot == NULL) {
		exit(1);
	}
	head = (size_t)(dot - token) + 1;
	if (head >= sizeof(buf)) {
		exit(1);
	}
	memcpy(buf, token, head);
	if (oc_b64url_encode(sig, sig_len, buf + head, sizeof(buf) - head) != ONECARD_OK) {
		exit(1);
	}
	token_seed(name, buf, strlen(buf), 0);
}

/* "[[[...1...]]]" nested depth levels deep, as a claim. */
static char *nested_payload(size_t depth)
{
	static const char head[] = P_HEAD P_TIMES ",\"deep\":";
	size_t len = sizeof(head) - 1 + depth * 2 + 3;
	char *p = malloc(len);
	size_t i, o = 0;

	if (p == NULL) {
		exit(1);
	}
	memcpy(p, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; i < depth; i++) {
		p[o++] = '[';
	}
	p[o++] = '1';
	for (i = 0; i < depth; i++) {
		p[o++] = ']';
	}
	p[o++] = '}';
	p[o] = '\0';
	return p;
}

static void token_corpus(void)
{
	static const uint8_t zero_sig[64] = {0};
	static const uint8_t order_sig[64] = {
		/* r = s = n, the order of P-256 */
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9,
		0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
		0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad,
		0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
	onecard_signer *signer = NULL;
	char *ed = NULL, *es = NULL, *p = NULL;
	char buf[8192];
	size_t n;

	/* Valid tokens issued the normal way. */
	if (onecard_signer_new(oc_fuzz_ed25519_jwk, strlen(oc_fuzz_ed25519_jwk), &signer) !=
		    ONECARD_OK ||
	    onecard_signer_issue(signer, P_VALID, strlen(P_VALID), NULL, OC_FUZZ_NOW,
				 OC_FUZZ_LIFETIME, &ed) != ONECARD_OK) {
		exit(1);
	}
	onecard_signer_free(signer);
	if (onecard_signer_new(oc_fuzz_p256_jwk, strlen(oc_fuzz_p256_jwk), &signer) != ONECARD_OK ||
	    onecard_signer_issue(signer, P_VALID, strlen(P_VALID), NULL, OC_FUZZ_NOW,
				 OC_FUZZ_LIFETIME, &es) != ONECARD_OK) {
		exit(1);
	}
	onecard_signer_free(signer);
	token_seed("valid-eddsa", ed, strlen(ed), 1);
	token_seed("valid-es256", es, strlen(es), 1);

	/* Valid variants. */
	signed_str("valid-eddsa-aud-array", key_ed, H_ED,
		   "{\"iss\":\"https://"
		   "authd.example\",\"aud\":[\"other\",\"provincial-portal\"]," P_TIMES "}",
		   1);
	signed_str("valid-es256-no-kid", key_es, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", P_VALID,
		   1);
	signed_str("valid-eddsa-typ-application", key_ed,
		   "{\"typ\":\"application/AT+JWT\",\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\"}",
		   P_VALID, 1);
	signed_str("valid-es256-minimal", key_es, H_ES,
		   "{\"iss\":\"https://authd.example\",\"aud\":\"provincial-portal\"," P_TIMES "}",
		   1);

	/* Form. */
	token_seed("form-two-segments", "eyJhbGciOiJFZERTQSJ9.e30", 24, 0);
	n = join(buf, sizeof(buf), ed, ".e30");
	token_seed("form-four-segments", buf, n, 0);
	n = join(buf, sizeof(buf), ed, "=");
	token_seed("form-padding", buf, n, 0);
	memcpy(buf, ed, strlen(ed) + 1);
	buf[10] = '+';
	token_seed("form-plus-char", buf, strlen(buf), 0);
	memcpy(buf, ed, strlen(ed) + 1);
	buf[20] = ' ';
	token_seed("form-space", buf, strlen(buf), 0);
	token_seed("form-empty-header", ".e30.AAAA", 9, 0);
	token_seed("form-dots-only", "..", 2, 0);
	raw_seed("form-sig-one-char", H_ED, P_VALID, "A");
	raw_seed("form-sig-5-chars", H_ED, P_VALID, "AAAAA");
	memcpy(buf, ed, strlen(ed) + 1);
	/* The last character of 64 bytes carries 2 bits and 4 zero bits (A, Q, g or w);
	 * the next character sets one of the zero bits. */
	buf[strlen(buf) - 1]++;
	token_seed("form-sig-tail-bits", buf, strlen(buf), 0);
	n = join(buf, sizeof(buf), ed, "");
	buf[n - 2] = '\0';
	token_seed("form-sig-truncated", buf, n - 2, 0);

	/* alg. */
	raw_seed("alg-none-unsigned", "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", P_VALID, "");
	signed_str("alg-none-signed", key_ed, "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", P_VALID, 0);
	signed_str("alg-hs256", key_ed,
		   "{\"alg\":\"HS256\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}", P_VALID, 0);
	signed_str("alg-lowercase", key_ed,
		   "{\"alg\":\"eddsa\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}", P_VALID, 0);
	signed_str("alg-kid-mismatch", key_ed,
		   "{\"alg\":\"ES256\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}", P_VALID, 0);
	signed_str("alg-wrong-key", key_ed, H_ES, P_VALID, 0);

	/* Header members. */
	signed_str("hdr-crit", key_ed,
		   "{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\",\"crit\":["
		   "\"exp\"]}",
		   P_VALID, 0);
	signed_str("hdr-jwk", key_ed,
		   "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"jwk\":{\"kty\":\"OKP\",\"crv\":"
		   "\"Ed25519\","
		   "\"x\":\"XG8CE1wH7HRJa1_3bJ6sQs60Wz8sIBGz_A8zGNd6xNA\"}}",
		   P_VALID, 0);
	signed_str("hdr-x5u", key_es,
		   "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"x5u\":\"https://evil.example/k\"}",
		   P_VALID, 0);
	signed_str("hdr-no-typ", key_ed, "{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\"}", P_VALID,
		   0);
	signed_str("hdr-typ-jwt", key_ed,
		   "{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\",\"typ\":\"JWT\"}", P_VALID, 0);
	signed_str("hdr-kid-unknown", key_ed,
		   "{\"alg\":\"EdDSA\",\"kid\":\"other\",\"typ\":\"at+jwt\"}", P_VALID, 0);
	signed_str("hdr-kid-number", key_ed, "{\"alg\":\"EdDSA\",\"kid\":7,\"typ\":\"at+jwt\"}",
		   P_VALID, 0);
	signed_str(
		"hdr-dup-alg", key_ed,
		"{\"alg\":\"EdDSA\",\"alg\":\"none\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}",
		P_VALID, 0);
	signed_str("hdr-array", key_ed, "[\"EdDSA\"]", P_VALID, 0);
	signed_str("hdr-not-json", key_ed, "{alg:EdDSA}", P_VALID, 0);

	/* Signatures. */
	token_with_sig("sig-es256-zero", es, zero_sig, sizeof(zero_sig));
	token_with_sig("sig-es256-order", es, order_sig, sizeof(order_sig));
	token_with_sig("sig-63-bytes", ed, zero_sig, 63);
	memcpy(buf, ed, strlen(ed) + 1);
	buf[strlen(buf) - 10] = buf[strlen(buf) - 10] == 'A' ? 'B' : 'A';
	token_seed("sig-eddsa-bitflip", buf, strlen(buf), 0);
	memcpy(buf, es, strlen(es) + 1);
	buf[strlen(buf) - 10] = buf[strlen(buf) - 10] == 'A' ? 'B' : 'A';
	token_seed("sig-es256-bitflip", buf, strlen(buf), 0);
	memcpy(buf, ed, strlen(ed) + 1);
	n = (size_t)(strchr(buf, '.') - buf) + 20;
	buf[n] = buf[n] == 'A' ? 'B' : 'A';
	token_seed("sig-payload-changed", buf, strlen(buf), 0);

	/* Claims, behind valid signatures. */
	signed_str("claims-expired", key_ed, H_ED, P_HEAD "\"iat\":" PAST ",\"exp\":" PAST "}", 0);
	signed_str("claims-nbf-future", key_es, H_ES, P_HEAD P_TIMES ",\"nbf\":" SOON "}", 0);
	signed_str("claims-iat-future", key_ed, H_ED, P_HEAD "\"iat\":" SOON ",\"exp\":" EXP "}",
		   0);
	signed_str("claims-no-exp", key_ed, H_ED, P_HEAD "\"iat\":" NOW "}", 0);
	signed_str("claims-exp-string", key_ed, H_ED, P_HEAD "\"iat\":" NOW ",\"exp\":\"" EXP "\"}",
		   0);
	signed_str("claims-exp-real", key_es, H_ES, P_HEAD "\"iat\":" NOW ",\"exp\":1.8e9}", 0);
	signed_str("claims-exp-huge", key_ed, H_ED,
		   P_HEAD "\"iat\":" NOW ",\"exp\":99999999999999999999999999999}", 0);
	signed_str("claims-exp-int64max", key_ed, H_ED,
		   P_HEAD "\"iat\":" NOW ",\"exp\":9223372036854775807}", 1);
	signed_str("claims-exp-negative", key_ed, H_ED, P_HEAD "\"iat\":" NOW ",\"exp\":-1}", 0);
	signed_str("claims-iat-int64min", key_ed, H_ED,
		   P_HEAD "\"iat\":-9223372036854775808,\"exp\":" EXP "}", 0);
	signed_str("claims-wrong-iss", key_ed, H_ED,
		   "{\"iss\":\"https://authd.example.evil\",\"aud\":\"provincial-portal\"," P_TIMES
		   "}",
		   0);
	signed_str("claims-iss-array", key_ed, H_ED,
		   "{\"iss\":[\"https://authd.example\"],\"aud\":\"provincial-portal\"," P_TIMES
		   "}",
		   0);
	signed_str("claims-wrong-aud", key_es, H_ES,
		   "{\"iss\":\"https://authd.example\",\"aud\":\"provincial\"," P_TIMES "}", 0);
	signed_str("claims-aud-empty-array", key_ed, H_ED,
		   "{\"iss\":\"https://authd.example\",\"aud\":[]," P_TIMES "}", 0);
	signed_str("claims-aud-mixed-array", key_ed, H_ED,
		   "{\"iss\":\"https://authd.example\",\"aud\":[\"provincial-portal\",1]," P_TIMES
		   "}",
		   0);
	signed_str("claims-dup-iss", key_ed, H_ED,
		   "{\"iss\":\"https://evil.example\",\"iss\":\"https://authd.example\","
		   "\"aud\":\"provincial-portal\"," P_TIMES "}",
		   0);
	signed_str("claims-sub-number", key_ed, H_ED,
		   "{\"iss\":\"https://"
		   "authd.example\",\"aud\":\"provincial-portal\",\"sub\":1," P_TIMES "}",
		   0);
	signed_str("claims-not-object", key_ed, H_ED, "[1,2,3]", 0);
	signed_str("claims-trailing-garbage", key_ed, H_ED, P_VALID "x", 0);
	signed_seed("claims-nul-in-string", key_ed, H_ED, P_HEAD P_TIMES ",\"x\":\"a\\u0000b\"}",
		    strlen(P_HEAD P_TIMES ",\"x\":\"a\\u0000b\"}"), 0);
	signed_seed("claims-raw-nul", key_ed, H_ED, RAW_NUL, sizeof(RAW_NUL) - 1, 0);
	signed_str("claims-bad-utf8", key_ed, H_ED, P_HEAD P_TIMES ",\"x\":\"\xc3\x28\"}", 0);
	signed_str("claims-escapes", key_es, H_ES,
		   P_HEAD P_TIMES ",\"x\":\"\\ud83d\\ude00\\n\\\"\\/\\u00e9\"}", 1);
	signed_str("claims-lone-surrogate", key_ed, H_ED, P_HEAD P_TIMES ",\"y\":\"\\ud800\"}", 0);
	p = nested_payload(NEST_DEPTH);
	signed_str("claims-nested", key_ed, H_ED, p, 1);
	free(p);

	onecard_string_free(ed);
	onecard_string_free(es);
}

static void claims_corpus(void)
{
	static const char *const payloads[][2] = {
		{"valid", P_VALID},
		{"expired", P_HEAD "\"iat\":" PAST ",\"exp\":" PAST "}"},
		{"exp-huge", P_HEAD "\"iat\":" NOW ",\"exp\":18446744073709551616}"},
		{"exp-real", P_HEAD "\"iat\":" NOW ",\"exp\":1767229200.5}"},
		{"dup-member", P_HEAD "\"iss\":\"x\"," P_TIMES "}"},
		{"aud-array",
		 "{\"iss\":\"https://authd.example\",\"aud\":[\"a\",\"provincial-portal\"]," P_TIMES
		 "}"},
		{"nbf", P_HEAD P_TIMES ",\"nbf\":" NOW "}"},
		{"number-forms",
		 P_HEAD P_TIMES ",\"a\":-0,\"b\":1e400,\"c\":0.0000001,\"d\":-1E-7}"},
		{"literals", P_HEAD P_TIMES ",\"a\":true,\"b\":false,\"c\":null,\"d\":{}}"},
		{"whitespace",
		 " { \"iss\" : \"https://authd.example\" ,\t\"aud\" :\n\"provincial-portal\", "
		 "\"iat\":" NOW ", \"exp\" : " EXP " } "},
	};
	static const char *const headers[][2] = {
		{"hdr-valid-eddsa", H_ED},
		{"hdr-no-kid", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\"}"},
		{"hdr-crit", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"crit\":[]}"},
		{"hdr-typ-case", "{\"alg\":\"EdDSA\",\"typ\":\"Application/At+Jwt\"}"},
		{"hdr-kid-long",
		 "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\""
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"},
		{"hdr-dup-typ", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"typ\":\"JWT\"}"},
	};
	char name[128];
	char *p;
	size_t i;
	int w;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		w = snprintf(name, sizeof(name), "eddsa-%s", payloads[i][0]);
		if (w < 0 || (size_t)w >= sizeof(name)) {
			exit(1);
		}
		claims_seed(name, '0', payloads[i][1], strlen(payloads[i][1]));
		w = snprintf(name, sizeof(name), "es256-%s", payloads[i][0]);
		if (w < 0 || (size_t)w >= sizeof(name)) {
			exit(1);
		}
		claims_seed(name, '1', payloads[i][1], strlen(payloads[i][1]));
	}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		claims_seed(headers[i][0], '2', headers[i][1], strlen(headers[i][1]));
	}
	claims_seed("hdr-valid-es256", '3', H_ES, strlen(H_ES));
	claims_seed("hdr-es256-with-ed-kid", '3',
		    "{\"alg\":\"ES256\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}",
		    strlen("{\"alg\":\"ES256\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}"));
	p = nested_payload(NEST_DEEP);
	claims_seed("eddsa-too-deep", '0', p, strlen(p));
	free(p);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr,
			"usage: %s CORPUS_DIR  (writes CORPUS_DIR/token, CORPUS_DIR/claims)\n",
			argv[0]);
		return 2;
	}
	out_dir = argv[1];
	key_ed = load_private(oc_fuzz_ed25519_jwk);
	key_es = load_private(oc_fuzz_p256_jwk);
	if (onecard_verifier_new(oc_fuzz_jwks, strlen(oc_fuzz_jwks), &verifier) != ONECARD_OK ||
	    onecard_verifier_set_time(verifier, OC_FUZZ_NOW) != ONECARD_OK) {
		fprintf(stderr, "make_corpus: the fixed JWKS does not load\n");
		return 1;
	}
	token_corpus();
	claims_corpus();
	onecard_verifier_free(verifier);
	oc_key_free(key_ed);
	oc_key_free(key_es);
	return failures == 0 ? 0 : 1;
}

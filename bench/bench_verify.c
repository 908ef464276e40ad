/*
 * onecard-bench verify: token verifications per second through the
 * library (onecard_verify, claims freed) against raw OpenSSL EVP
 * verifications per second of the very same signature over the very
 * same signing input, for EdDSA and ES256, on one thread.
 *
 * The raw baseline is what any verifier must pay at least: a fresh
 * EVP_MD_CTX, EVP_DigestVerifyInit with the already parsed key, one
 * EVP_DigestVerify, EVP_MD_CTX_free. For ES256 it verifies the DER form
 * of the signature (converted once, outside the loop) with a SHA-256
 * EVP_MD fetched once, as the library does. The ratio library / raw is
 * therefore the share of time the library spends on the signature; the
 * rest is its own work (splitting, base64url, JSON, claims).
 *
 * Rounds are time-boxed on CLOCK_MONOTONIC and alternate library and raw
 * (their order swapped every round so that drift hits both alike); the
 * median of each is reported. Every result is checked: a verification
 * that fails aborts the benchmark.
 *
 * Options: --ms N (milliseconds per round, default 2000)
 *          --rounds N (rounds of each, default 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <onecard/token.h>

#include "b64url.h"
#include "bench.h"
#include "jwk.h"
#include "jws.h"

#define ROUNDS_DEFAULT 3u
#define ROUNDS_MAX     15u
#define MS_DEFAULT     2000u
#define MS_MAX	       600000u
#define WARMUP_S       0.2
#define SIG_MAX	       80u /* a DER ECDSA P-256 signature is at most 72 bytes */

#define ISSUER	 "https://authd.example"
#define AUDIENCE "provincial-portal"
#define LIFETIME 86400 /* the most a signer allows: longer than any run */

/* A realistic access token for a company card holder acting for four
 * agencies (about 600 bytes of claims before iat/nbf/exp/jti). */
static const char claims_json[] =
	"{\"iss\":\"https://authd.example\",\"aud\":\"provincial-portal\",\"sub\":\"person-1\","
	"\"ent\":\"91310000MA1FL8XQ3B\",\"card\":\"card-1\",\"agencies\":["
	"{\"id\":\"customs\",\"x5t#S256\":\"n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg\"},"
	"{\"id\":\"tax\",\"x5t#S256\":\"3n4Xu0v1KLmQ2aPiCEl1RzDOsjTYhnJXwX1Syb7XF4E\"},"
	"{\"id\":\"market-regulation\",\"x5t#S256\":"
	"\"Xq2vH7c0a4cF9bL1mZtY8eRk3sJwN5pQ6uIoD2gA1hE\"},"
	"{\"id\":\"social-security\",\"x5t#S256\":\"pL0sK9jH8gF7dS6aQ5wE4rT3yU2iO1pZxCvBnM0lKjU\"}]"
	","
	"\"acr\":\"card\",\"amr\":[\"card\"],"
	"\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0\"}}";

struct options {
	unsigned ms;
	unsigned rounds;
};

/* Everything one algorithm's measurement needs, built before timing. */
struct verify_case {
	const char *label; /* "eddsa", "es256": the output prefix */
	int alg;
	onecard_verifier *verifier;
	char *token;
	size_t token_len;
	oc_key *key;	  /* the public key, parsed from the same JWKS */
	const EVP_MD *md; /* NULL for EdDSA */
	EVP_MD *md_owned;
	uint8_t sig[SIG_MAX]; /* raw for EdDSA, DER for ES256 */
	size_t sig_len;
	size_t signing_input_len;
};

static void case_free(struct verify_case *c)
{
	onecard_verifier_free(c->verifier);
	onecard_string_free(c->token);
	oc_key_free(c->key);
	EVP_MD_free(c->md_owned);
	memset(c, 0, sizeof(*c));
}

/* r||s (64 bytes) to DER, as OpenSSL verifies it. */
static void raw_sig_to_der(const uint8_t *raw, uint8_t *der, size_t cap, size_t *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL);
	BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *p = der;
	int len;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		bench_die("cannot build an ECDSA_SIG", NULL);
	}
	len = i2d_ECDSA_SIG(es, NULL);
	if (len <= 0 || (size_t)len > cap || i2d_ECDSA_SIG(es, &p) != len) {
		bench_die("cannot encode the signature as DER", NULL);
	}
	*der_len = (size_t)len;
	ECDSA_SIG_free(es);
}

/* Parses the first key of a public JWKS the way the verifier does. */
static oc_key *public_key_from_jwks(const char *jwks)
{
	json_t *doc = json_loads(jwks, 0, NULL);
	oc_key *key = NULL;

	if (doc == NULL || oc_jwk_parse(json_array_get(json_object_get(doc, "keys"), 0),
					OC_JWK_PUBLIC_ONLY, &key) != ONECARD_OK) {
		bench_die("cannot parse the public JWK", NULL);
	}
	json_decref(doc);
	return key;
}

static int raw_verify_once(const struct verify_case *c)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL) {
		bench_die("EVP_MD_CTX_new failed", NULL);
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, c->md, NULL, c->key->pkey) == 1 &&
	     EVP_DigestVerify(ctx, c->sig, c->sig_len, (const uint8_t *)c->token,
			      c->signing_input_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void lib_verify_once(const struct verify_case *c)
{
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	int r;

	r = onecard_verify(c->verifier, c->token, c->token_len, ISSUER, AUDIENCE, &claims, &reason);
	if (r != ONECARD_OK || claims == NULL) {
		bench_die("onecard_verify failed", reason);
	}
	onecard_claims_free(claims);
}

/* Issues the token and prepares both sides; checks that each side
 * accepts it and that each rejects a tampered signature. */
static void case_setup(struct verify_case *c, const char *label, int alg)
{
	char *jwk = NULL, *jwks = NULL;
	const char *texts[1];
	onecard_signer *signer = NULL;
	oc_jws_parts parts;
	uint8_t raw[SIG_MAX];
	size_t raw_len = 0;
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	char saved;

	memset(c, 0, sizeof(*c));
	c->label = label;
	c->alg = alg;
	if (onecard_key_generate(alg, "bench-key", &jwk) != ONECARD_OK) {
		bench_die("onecard_key_generate failed", label);
	}
	texts[0] = jwk;
	if (onecard_jwks_from_jwks_texts(texts, 1, &jwks) != ONECARD_OK ||
	    onecard_signer_new(jwk, strlen(jwk), &signer) != ONECARD_OK ||
	    onecard_verifier_new(jwks, strlen(jwks), &c->verifier) != ONECARD_OK) {
		bench_die("cannot build the signer and verifier", label);
	}
	if (onecard_signer_issue(signer, claims_json, strlen(claims_json), NULL, 0, LIFETIME,
				 &c->token) != ONECARD_OK) {
		bench_die("onecard_signer_issue failed", label);
	}
	c->token_len = strlen(c->token);
	c->key = public_key_from_jwks(jwks);

	if (oc_jws_split(c->token, c->token_len, &parts) != ONECARD_OK ||
	    oc_b64url_decode(parts.signature, parts.signature_len, raw, sizeof(raw), &raw_len) !=
		    ONECARD_OK ||
	    raw_len != 64) {
		bench_die("cannot split the token", label);
	}
	c->signing_input_len = parts.signing_input_len;
	if (alg == ONECARD_ALG_ES256) {
		/* Fetched once, exactly as the library does. */
		c->md_owned = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (c->md_owned == NULL) {
			bench_die("EVP_MD_fetch(SHA256) failed", NULL);
		}
		c->md = c->md_owned;
		raw_sig_to_der(raw, c->sig, sizeof(c->sig), &c->sig_len);
	} else {
		memcpy(c->sig, raw, raw_len);
		c->sig_len = raw_len;
	}

	/* Both sides accept the token... */
	lib_verify_once(c);
	if (!raw_verify_once(c)) {
		bench_die("raw EVP verification of the token failed", label);
	}
	/* ...and both reject it with one signature bit flipped, so neither
	 * loop could be timing a check that always passes. */
	c->sig[c->sig_len - 2] ^= 0x01;
	if (raw_verify_once(c)) {
		bench_die("raw EVP verification accepted a tampered signature", label);
	}
	c->sig[c->sig_len - 2] ^= 0x01;
	saved = c->token[c->token_len - 5];
	c->token[c->token_len - 5] = saved == 'A' ? 'B' : 'A';
	if (onecard_verify(c->verifier, c->token, c->token_len, ISSUER, AUDIENCE, &claims,
			   &reason) != ONECARD_ERR_BAD_SIGNATURE) {
		bench_die("onecard_verify did not reject a tampered signature", label);
	}
	c->token[c->token_len - 5] = saved;
	lib_verify_once(c);
	ERR_clear_error();

	onecard_signer_free(signer);
	onecard_string_free(jwks);
	onecard_secret_string_free(jwk);
}

/* Verifications per second over about `seconds`, through the library. */
static double lib_round(const struct verify_case *c, double seconds)
{
	double start = bench_now(), now = start;
	unsigned long n = 0;

	while (now - start < seconds) {
		lib_verify_once(c);
		n++;
		now = bench_now();
	}
	return (double)n / (now - start);
}

/* Verifications per second over about `seconds`, raw EVP. */
static double raw_round(const struct verify_case *c, double seconds)
{
	double start = bench_now(), now = start;
	unsigned long n = 0;

	while (now - start < seconds) {
		if (!raw_verify_once(c)) {
			bench_die("raw EVP verification failed", c->label);
		}
		n++;
		now = bench_now();
	}
	return (double)n / (now - start);
}

static void print_rounds(const char *label, const char *side, const double *v, unsigned n)
{
	unsigned i;

	printf("verify.%s.%s_rounds_per_s", label, side);
	for (i = 0; i < n; i++) {
		printf(" %.0f", v[i]);
	}
	printf("\n");
}

/* Measures one algorithm; returns the ratio library / raw. */
static double measure(struct verify_case *c, const struct options *o)
{
	double lib[ROUNDS_MAX], raw[ROUNDS_MAX];
	double seconds = (double)o->ms / 1000.0;
	double lib_med, raw_med;
	unsigned i;

	(void)lib_round(c, WARMUP_S);
	(void)raw_round(c, WARMUP_S);
	for (i = 0; i < o->rounds; i++) {
		if (i % 2u == 0u) {
			lib[i] = lib_round(c, seconds);
			raw[i] = raw_round(c, seconds);
		} else {
			raw[i] = raw_round(c, seconds);
			lib[i] = lib_round(c, seconds);
		}
	}
	print_rounds(c->label, "lib", lib, o->rounds);
	print_rounds(c->label, "raw", raw, o->rounds);
	lib_med = bench_median(lib, o->rounds);
	raw_med = bench_median(raw, o->rounds);
	printf("verify.%s.token_bytes %zu\n", c->label, c->token_len);
	printf("verify.%s.lib_per_s %.0f\n", c->label, lib_med);
	printf("verify.%s.raw_per_s %.0f\n", c->label, raw_med);
	printf("verify.%s.lib_us %.2f\n", c->label, 1e6 / lib_med);
	printf("verify.%s.raw_us %.2f\n", c->label, 1e6 / raw_med);
	fflush(stdout);
	return lib_med / raw_med;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	int i;

	o->ms = MS_DEFAULT;
	o->rounds = ROUNDS_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc) {
			if (bench_parse_uint(argv[++i], 10, MS_MAX, &o->ms) != 0) {
				return -1;
			}
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			if (bench_parse_uint(argv[++i], 1, ROUNDS_MAX, &o->rounds) != 0) {
				return -1;
			}
		} else {
			return -1;
		}
	}
	return 0;
}

int bench_verify(int argc, char **argv)
{
	struct verify_case ed, es;
	struct options o;
	double ratio_ed, ratio_es;

	if (parse_options(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: onecard-bench verify [--ms 10..%u] [--rounds 1..%u]\n",
			MS_MAX, ROUNDS_MAX);
		return 2;
	}
	printf("verify.openssl %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("verify.rounds %u\nverify.round_ms %u\n", o.rounds, o.ms);
	case_setup(&ed, "eddsa", ONECARD_ALG_EDDSA);
	case_setup(&es, "es256", ONECARD_ALG_ES256);
	ratio_ed = measure(&ed, &o);
	ratio_es = measure(&es, &o);
	printf("verify.eddsa.ratio %.3f\n", ratio_ed);
	printf("verify.es256.ratio %.3f\n", ratio_es);
	case_free(&ed);
	case_free(&es);
	return 0;
}

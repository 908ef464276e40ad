/* The proof message and proof signatures (NEGATIVE-TESTS.md P4, P6, J16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <onecard/error.h>

#include "challenge.h"

#define NOW	 INT64_C(1800000000)
#define ORIGIN_A "https://authd.province.example"
#define ORIGIN_B "https://authd.other.example"

struct keys {
	EVP_PKEY *ec;
	EVP_PKEY *ec384;
	EVP_PKEY *rsa;
	EVP_PKEY *rsa1024;
	EVP_PKEY *sm2;
	struct oc_challenge_keys *mac;
};

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	uint8_t secret[32];

	if (k == NULL) {
		return -1;
	}
	memset(secret, 0x42, sizeof(secret));
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k->sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	if (k->ec == NULL || k->ec384 == NULL || k->rsa == NULL || k->rsa1024 == NULL ||
	    k->sm2 == NULL || oc_challenge_keys_new(&k->mac) != ONECARD_OK ||
	    oc_challenge_keys_add(k->mac, "k1", secret, sizeof(secret)) != ONECARD_OK) {
		return -1;
	}
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->ec);
	EVP_PKEY_free(k->ec384);
	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->sm2);
	oc_challenge_keys_free(k->mac);
	free(k);
	return 0;
}

/* Signs msg as the card would, with the given algorithm. */
static void sign(EVP_PKEY *pkey, enum oc_proof_alg alg, const uint8_t *msg, size_t len,
		 uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *md = "SHA256";

	assert_non_null(mctx);
	if (alg == OC_PROOF_SM2_SM3) {
		md = "SM3";
	}
	assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, pkey, NULL), 1);
	if (alg == OC_PROOF_SM2_SM3) {
		assert_int_equal(
			EVP_PKEY_CTX_set1_id(pctx, OC_PROOF_SM2_ID, sizeof(OC_PROOF_SM2_ID) - 1),
			1);
	}
	if (alg == OC_PROOF_PS256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
	}
	assert_int_equal(EVP_DigestSign(mctx, sig, siglen, msg, len), 1);
	EVP_MD_CTX_free(mctx);
}

static void issue(struct keys *k, const char *origin, const char *audience, struct oc_challenge *c)
{
	char *wire = NULL;

	assert_int_equal(oc_challenge_issue(k->mac, origin, audience, NOW, 60, &wire, c),
			 ONECARD_OK);
	free(wire);
}

/* The exact bytes of a small message (docs/challenge.md). */
static void message_layout(void **state)
{
	static const uint8_t challenge[] = {0x01, 0x02, 0x03};
	static const uint8_t expect[] = {
		'o', 'n', 'e', 'c',  'a',  'r',	 'd',  '-',  'l',  'o',	 'g',  'i', 'n',
		'-', 'v', '1', 0x00, 0x00, 0x10, 'h',  't',  't',  'p',	 's',  ':', '/',
		'/', 'a', 'u', 't',  'h',  'd',	 '.',  'e',  'x',  0x00, 0x07, 'c', 'u',
		's', 't', 'o', 'm',  's',  0x00, 0x03, 0x01, 0x02, 0x03,
	};
	uint8_t *msg = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(oc_proof_message_build("https://authd.ex", 16, "customs", 7, challenge,
						sizeof(challenge), &msg, &len),
			 ONECARD_OK);
	assert_int_equal(len, sizeof(expect));
	assert_memory_equal(msg, expect, len);
	free(msg);
}

static void message_matches_parts(void **state)
{
	struct keys *k = *state;
	struct oc_challenge c;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	issue(k, ORIGIN_A, "customs", &c);
	assert_int_equal(oc_proof_message(&c, &a, &alen), ONECARD_OK);
	assert_int_equal(oc_proof_message_build(ORIGIN_A, strlen(ORIGIN_A), "customs", 7, c.wire,
						c.wire_len, &b, &blen),
			 ONECARD_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* The message never starts like a challenge (version byte). */
	assert_int_not_equal(a[0], OC_CHALLENGE_VERSION);
	assert_memory_equal(a, OC_PROOF_CONTEXT, OC_PROOF_CONTEXT_LEN);
	free(a);
	free(b);
	assert_int_equal(oc_proof_message(NULL, &a, &alen), ONECARD_ERR_INVALID_ARG);
	assert_null(a);
	assert_int_equal(
		oc_proof_message_build(ORIGIN_A, 0, "customs", 7, c.wire, c.wire_len, &a, &alen),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_proof_message_build(ORIGIN_A, strlen(ORIGIN_A), "customs", 7, c.wire,
						OC_CHALLENGE_WIRE_MAX + 1, &a, &alen),
			 ONECARD_ERR_INVALID_ARG);
}

static void sign_verify_each_alg(void **state)
{
	struct keys *k = *state;
	struct {
		EVP_PKEY *key;
		enum oc_proof_alg alg;
	} cases[4];
	struct oc_challenge c;
	uint8_t sig[OC_PROOF_SIG_MAX], *msg = NULL;
	size_t i, siglen, len = 0;

	cases[0].key = k->ec;
	cases[0].alg = OC_PROOF_ES256;
	cases[1].key = k->rsa;
	cases[1].alg = OC_PROOF_RS256;
	cases[2].key = k->rsa;
	cases[2].alg = OC_PROOF_PS256;
	cases[3].key = k->sm2;
	cases[3].alg = OC_PROOF_SM2_SM3;
	issue(k, ORIGIN_A, "customs", &c);
	assert_int_equal(oc_proof_message(&c, &msg, &len), ONECARD_OK);
	for (i = 0; i < 4; i++) {
		siglen = sizeof(sig);
		sign(cases[i].key, cases[i].alg, msg, len, sig, &siglen);
		assert_int_equal(oc_proof_verify(cases[i].key, cases[i].alg, msg, len, sig, siglen),
				 ONECARD_OK);
		/* One flipped bit of the message, and of the signature. */
		msg[len - 1] ^= 1u;
		assert_int_equal(oc_proof_verify(cases[i].key, cases[i].alg, msg, len, sig, siglen),
				 ONECARD_ERR_BAD_SIGNATURE);
		msg[len - 1] ^= 1u;
		sig[siglen / 2] ^= 0x10u;
		assert_int_equal(oc_proof_verify(cases[i].key, cases[i].alg, msg, len, sig, siglen),
				 ONECARD_ERR_BAD_SIGNATURE);
	}
	free(msg);
}

/* P4: a signature for origin A, audience A, challenge A is useless with
 * any one of them changed. */
static void domain_separation(void **state)
{
	struct keys *k = *state;
	struct oc_challenge c, other;
	uint8_t sig[OC_PROOF_SIG_MAX], *msg = NULL, *m2 = NULL;
	size_t siglen = sizeof(sig), len = 0, len2 = 0;

	issue(k, ORIGIN_A, "customs", &c);
	assert_int_equal(oc_proof_message(&c, &msg, &len), ONECARD_OK);
	sign(k->ec, OC_PROOF_ES256, msg, len, sig, &siglen);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, len, sig, siglen), ONECARD_OK);

	/* Origin B (a relaying verifier), same challenge bytes. */
	assert_int_equal(oc_proof_message_build(ORIGIN_B, strlen(ORIGIN_B), "customs", 7, c.wire,
						c.wire_len, &m2, &len2),
			 ONECARD_OK);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, m2, len2, sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
	free(m2);
	/* Audience B. */
	assert_int_equal(oc_proof_message_build(ORIGIN_A, strlen(ORIGIN_A), "tax", 3, c.wire,
						c.wire_len, &m2, &len2),
			 ONECARD_OK);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, m2, len2, sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
	free(m2);
	/* Another challenge for the same origin and audience. */
	issue(k, ORIGIN_A, "customs", &other);
	assert_int_equal(oc_proof_message(&other, &m2, &len2), ONECARD_OK);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, m2, len2, sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
	free(m2);
	/* The bare challenge bytes (no context) are not the message. */
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, c.wire, c.wire_len, sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
	free(msg);
}

static void alg_key_mismatch(void **state)
{
	struct keys *k = *state;
	uint8_t msg[] = "message", sig[OC_PROOF_SIG_MAX];
	size_t siglen = sizeof(sig);

	sign(k->ec, OC_PROOF_ES256, msg, sizeof(msg), sig, &siglen);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_RS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_PS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_SM2_SM3, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_ES256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_SM2_SM3, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->sm2, OC_PROOF_ES256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->ec384, OC_PROOF_ES256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_proof_verify(k->rsa1024, OC_PROOF_RS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		oc_proof_verify(k->ec, (enum oc_proof_alg)99, msg, sizeof(msg), sig, siglen),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		oc_proof_verify(k->ec, (enum oc_proof_alg)0, msg, sizeof(msg), sig, siglen),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	/* RSA: a PKCS#1 signature is not a PSS one and the reverse. */
	siglen = sizeof(sig);
	sign(k->rsa, OC_PROOF_RS256, msg, sizeof(msg), sig, &siglen);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_PS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
	siglen = sizeof(sig);
	sign(k->rsa, OC_PROOF_PS256, msg, sizeof(msg), sig, &siglen);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_RS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
}

/* PSS with another salt length than 32 is refused. */
static void pss_salt(void **state)
{
	struct keys *k = *state;
	uint8_t msg[] = "message", sig[OC_PROOF_SIG_MAX];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	assert_non_null(mctx);
	assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", NULL, NULL, k->rsa, NULL), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20), 1);
	assert_int_equal(EVP_DigestSign(mctx, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(mctx);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_PS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
}

/* P6: RSA PKCS#1 v1.5 over the bare SHA-256 hash, without DigestInfo. */
static void rsa_without_digestinfo(void **state)
{
	struct keys *k = *state;
	uint8_t msg[] = "message", sig[OC_PROOF_SIG_MAX], hash[32];
	unsigned int hlen = 0;
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->rsa, NULL);

	assert_non_null(pctx);
	assert_int_equal(EVP_Digest(msg, sizeof(msg), hash, &hlen, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_PKEY_sign_init(pctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_sign(pctx, sig, &siglen, hash, hlen), 1);
	EVP_PKEY_CTX_free(pctx);
	assert_int_equal(oc_proof_verify(k->rsa, OC_PROOF_RS256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
}

/* J16: malformed DER ECDSA signatures (the EVP call returns 0 or -1). */
static void malformed_ecdsa(void **state)
{
	struct keys *k = *state;
	uint8_t msg[] = "message", sig[OC_PROOF_SIG_MAX], bad[OC_PROOF_SIG_MAX];
	size_t siglen = sizeof(sig), i;
	static const uint8_t junk[][8] = {
		{0x30, 0x00},
		{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, /* r = s = 1 */
		{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00}, /* r = s = 0 */
		{0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, /* indefinite length */
		{0x02, 0x01, 0x01},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};

	sign(k->ec, OC_PROOF_ES256, msg, sizeof(msg), sig, &siglen);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), junk[i],
						 sizeof(junk[i])),
				 ONECARD_ERR_BAD_SIGNATURE);
	}
	/* Truncated DER, DER with a trailing byte, and the raw r||s form. */
	for (i = 1; i < siglen; i++) {
		assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), sig, i),
				 ONECARD_ERR_BAD_SIGNATURE);
	}
	memcpy(bad, sig, siglen);
	bad[siglen] = 0;
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), bad, siglen + 1),
			 ONECARD_ERR_BAD_SIGNATURE);
	memset(bad, 0x5a, 64);
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), bad, 64),
			 ONECARD_ERR_BAD_SIGNATURE);
	/* Sizes and arguments. */
	assert_int_equal(oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), sig, 0),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(
		oc_proof_verify(k->ec, OC_PROOF_ES256, msg, sizeof(msg), bad, OC_PROOF_SIG_MAX + 1),
		ONECARD_ERR_TOO_LARGE);
	assert_int_equal(oc_proof_verify(NULL, OC_PROOF_ES256, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(ERR_peek_error(), 0); /* the queue is left clean */
}

/* SM2 signed under another distinguishing ID, or none (OpenSSL's
 * default), does not verify under "1234567812345678". */
static void sm2_other_id(void **state)
{
	static const char other_id[] = "ALICE123@YAHOO.COM";
	struct keys *k = *state;
	uint8_t msg[] = "message", sig[OC_PROOF_SIG_MAX];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	assert_non_null(mctx);
	assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, "SM3", NULL, NULL, k->sm2, NULL), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, other_id, sizeof(other_id) - 1), 1);
	assert_int_equal(EVP_DigestSign(mctx, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(mctx);
	assert_int_equal(oc_proof_verify(k->sm2, OC_PROOF_SM2_SM3, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);

	siglen = sizeof(sig);
	mctx = EVP_MD_CTX_new();
	assert_non_null(mctx);
	assert_int_equal(EVP_DigestSignInit_ex(mctx, NULL, "SM3", NULL, NULL, k->sm2, NULL), 1);
	assert_int_equal(EVP_DigestSign(mctx, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(mctx);
	assert_int_equal(oc_proof_verify(k->sm2, OC_PROOF_SM2_SM3, msg, sizeof(msg), sig, siglen),
			 ONECARD_ERR_BAD_SIGNATURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(message_layout),	  cmocka_unit_test(message_matches_parts),
		cmocka_unit_test(sign_verify_each_alg),	  cmocka_unit_test(domain_separation),
		cmocka_unit_test(alg_key_mismatch),	  cmocka_unit_test(pss_salt),
		cmocka_unit_test(rsa_without_digestinfo), cmocka_unit_test(malformed_ecdsa),
		cmocka_unit_test(sm2_other_id),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

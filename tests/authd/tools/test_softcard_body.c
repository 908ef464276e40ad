/*
 * The softcard library's login body (softcard.h), checked against the
 * challenge module: every signature must verify with oc_proof_verify()
 * over oc_proof_message_build() (the client's view) and over
 * oc_proof_message() of the checked challenge (authd's view); every
 * fault must break exactly what it names. Keys and certificates are
 * made here, written to a temporary folder and loaded as files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "b64url.h"
#include "challenge.h"
#include "softcard.h"

#define ORIGIN	       "https://authd.province.example"
#define AUDIENCE       "provincial-portal"
#define PATH_MAX_BYTES 512
#define DER_MAX	       4096

static char dir[] = "/tmp/softcard-test.XXXXXX";
static EVP_PKEY *ca_key, *ec_key, *rsa_key, *sm2_key, *other_key;
static X509 *ca_cert;
static struct oc_challenge_keys *keys;

static void path_of(char *out, const char *name)
{
	int n = snprintf(out, PATH_MAX_BYTES, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_MAX_BYTES);
}

static void write_key(const char *name, EVP_PKEY *key)
{
	char path[PATH_MAX_BYTES];
	FILE *f;

	path_of(path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

static void write_cert(const char *name, X509 *cert)
{
	char path[PATH_MAX_BYTES];
	FILE *f;

	path_of(path, name);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, cert), 1);
	assert_int_equal(fclose(f), 0);
}

/* A certificate for key, signed by the CA key (self-signed when issuer
 * is NULL). Only the key matters to the login body. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(c);
	assert_non_null(name);
	assert_int_equal(X509_set_version(c, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), 7), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_set_subject_name(c, name), 1);
	assert_int_equal(
		X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), 86400));
	assert_int_equal(X509_set_pubkey(c, key), 1);
	assert_true(X509_sign(c, ca_key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return c;
}

static int setup(void **state)
{
	static const uint8_t secret[OC_CHALLENGE_SECRET_MIN] = {
		1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	X509 *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ca_key = EVP_EC_gen("P-256");
	ec_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	sm2_key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	assert_non_null(ca_key);
	assert_non_null(ec_key);
	assert_non_null(other_key);
	assert_non_null(rsa_key);
	assert_non_null(sm2_key);
	ca_cert = make_cert(ca_key, "softcard test CA", NULL);
	write_cert("ca.pem", ca_cert);
	write_key("ec.key", ec_key);
	write_key("rsa.key", rsa_key);
	write_key("sm2.key", sm2_key);
	write_key("other.key", other_key);
	c = make_cert(ec_key, "ec", ca_cert);
	write_cert("ec.pem", c);
	X509_free(c);
	c = make_cert(rsa_key, "rsa", ca_cert);
	write_cert("rsa.pem", c);
	X509_free(c);
	c = make_cert(sm2_key, "sm2", ca_cert);
	write_cert("sm2.pem", c);
	X509_free(c);
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, "test-1", secret, sizeof(secret)), ONECARD_OK);
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {"ca.pem", "ec.key",	 "rsa.key", "sm2.key", "other.key",
					    "ec.pem", "rsa.pem", "sm2.pem", "six.pem", "garbage"};
	char path[PATH_MAX_BYTES];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_of(path, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	oc_challenge_keys_free(keys);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(sm2_key);
	EVP_PKEY_free(other_key);
	return 0;
}

/* The three-certificate card: EC, RSA, SM2, with the CA in every x5c. */
static void load_card(struct sc_card *card)
{
	char cert[PATH_MAX_BYTES], key[PATH_MAX_BYTES];
	static const char *const names[][2] = {
		{"ec.pem", "ec.key"}, {"rsa.pem", "rsa.key"}, {"sm2.pem", "sm2.key"}};
	size_t i;

	memset(card, 0, sizeof(*card));
	for (i = 0; i < 3; i++) {
		path_of(cert, names[i][0]);
		path_of(key, names[i][1]);
		assert_int_equal(sc_card_add_proof(card, cert, key), ONECARD_OK);
	}
	path_of(cert, "ca.pem");
	assert_int_equal(sc_card_add_chain(card, cert), ONECARD_OK);
	assert_int_equal(card->nproofs, 3);
	assert_int_equal(card->nchain, 1);
}

/* A fresh challenge: its wire text (free()) and checked form. */
static char *new_challenge(struct oc_challenge *c)
{
	char *wire = NULL;

	assert_int_equal(
		oc_challenge_issue(keys, ORIGIN, AUDIENCE, (int64_t)time(NULL), 60, &wire, c),
		ONECARD_OK);
	return wire;
}

static json_t *body_json(const char *body)
{
	json_t *doc = json_loads(body, JSON_REJECT_DUPLICATES, NULL);

	assert_non_null(doc);
	return doc;
}

static const json_t *proof_at(const json_t *doc, size_t i)
{
	const json_t *p = json_array_get(json_object_get(doc, "proofs"), i);

	assert_non_null(p);
	return p;
}

/* oc_proof_verify of proof i's signature over msg with key under alg. */
static int verify(const json_t *doc, size_t i, EVP_PKEY *key, enum oc_proof_alg alg,
		  const uint8_t *msg, size_t msg_len)
{
	const json_t *sig = json_object_get(proof_at(doc, i), "sig");
	uint8_t bytes[OC_PROOF_SIG_MAX];
	size_t len = 0;

	assert_true(json_is_string(sig));
	assert_int_equal(oc_b64url_decode(json_string_value(sig), json_string_length(sig), bytes,
					  sizeof(bytes), &len),
			 ONECARD_OK);
	return oc_proof_verify(key, alg, msg, msg_len, bytes, len);
}

/* The client's proof message for the body's own challenge and origin. */
static void client_message(const json_t *doc, const char *origin, uint8_t **msg, size_t *len)
{
	const json_t *ch = json_object_get(doc, "challenge");
	uint8_t wire[OC_CHALLENGE_WIRE_MAX];
	size_t wire_len = 0;

	assert_true(json_is_string(ch));
	assert_int_equal(oc_b64url_decode(json_string_value(ch), json_string_length(ch), wire,
					  sizeof(wire), &wire_len),
			 ONECARD_OK);
	assert_int_equal(oc_proof_message_build(origin, strlen(origin), AUDIENCE, strlen(AUDIENCE),
						wire, wire_len, msg, len),
			 ONECARD_OK);
}

/* Standard base64 (x5c) back to DER. */
static size_t decode_x5c(const json_t *s, unsigned char *out)
{
	const char *text = json_string_value(s);
	size_t len = json_string_length(s), pad = 0;
	int n;

	assert_non_null(text);
	assert_true(len % 4 == 0 && len / 4 * 3 <= DER_MAX);
	assert_null(strpbrk(text, "-_\n"));
	n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len);
	assert_true(n > 0);
	if (len > 0 && text[len - 1] == '=') {
		pad++;
	}
	if (len > 1 && text[len - 2] == '=') {
		pad++;
	}
	return (size_t)n - pad;
}

static void test_honest_body(void **state)
{
	struct sc_card card;
	struct oc_challenge issued, checked;
	enum oc_challenge_refusal why;
	static const char *const algs[] = {"ES256", "RS256", "SM2-SM3"};
	static const enum oc_proof_alg alg_ids[] = {OC_PROOF_ES256, OC_PROOF_RS256,
						    OC_PROOF_SM2_SM3};
	EVP_PKEY *pkeys[3] = {ec_key, rsa_key, sm2_key};
	unsigned char der[DER_MAX];
	char *wire = new_challenge(&issued), *body = NULL;
	uint8_t *msg = NULL, *authd_msg = NULL;
	size_t body_len = 0, msg_len = 0, authd_len = 0, i;
	const json_t *p, *x5c;
	json_t *doc;

	(void)state;
	load_card(&card);
	assert_int_equal(sc_login_body(&card, wire, ORIGIN, AUDIENCE, NULL, &body, &body_len),
			 ONECARD_OK);
	assert_int_equal(strlen(body), body_len);
	doc = body_json(body);
	assert_int_equal(json_object_size(doc), 2);
	assert_string_equal(json_string_value(json_object_get(doc, "challenge")), wire);
	assert_int_equal(json_array_size(json_object_get(doc, "proofs")), 3);

	client_message(doc, ORIGIN, &msg, &msg_len);
	/* authd's view: the checked challenge gives the very same bytes. */
	assert_int_equal(oc_challenge_check(keys, wire, strlen(wire), ORIGIN, (int64_t)time(NULL),
					    &checked, &why),
			 ONECARD_OK);
	assert_int_equal(oc_proof_message(&checked, &authd_msg, &authd_len), ONECARD_OK);
	assert_int_equal(authd_len, msg_len);
	assert_memory_equal(authd_msg, msg, msg_len);

	for (i = 0; i < 3; i++) {
		p = proof_at(doc, i);
		assert_int_equal(json_object_size(p), 3);
		assert_string_equal(json_string_value(json_object_get(p, "alg")), algs[i]);
		x5c = json_object_get(p, "x5c");
		assert_int_equal(json_array_size(x5c), 2);
		assert_int_equal(decode_x5c(json_array_get(x5c, 0), der), card.proofs[i].der_len);
		assert_memory_equal(der, card.proofs[i].der, card.proofs[i].der_len);
		assert_int_equal(decode_x5c(json_array_get(x5c, 1), der), card.chain_len[0]);
		assert_memory_equal(der, card.chain[0], card.chain_len[0]);
		assert_int_equal(verify(doc, i, pkeys[i], alg_ids[i], msg, msg_len), ONECARD_OK);
	}
	/* And only for this message: another audience does not verify. */
	msg[msg_len - 1] ^= 0x01;
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, msg_len),
			 ONECARD_ERR_BAD_SIGNATURE);
	free(authd_msg);
	free(msg);
	json_decref(doc);
	free(body);
	free(wire);
	sc_card_clear(&card);
}

/* Builds a body with tweaks and returns it parsed, with the client's
 * message for origin in *msg. */
static json_t *tweaked(const struct sc_tweaks *tw, const char *origin, uint8_t **msg,
		       size_t *msg_len, char **wire_out)
{
	struct sc_card card;
	struct oc_challenge issued;
	char *wire = new_challenge(&issued), *body = NULL;
	size_t body_len = 0;
	json_t *doc;

	load_card(&card);
	assert_int_equal(sc_login_body(&card, wire, ORIGIN, AUDIENCE, tw, &body, &body_len),
			 ONECARD_OK);
	doc = body_json(body);
	client_message(doc, origin, msg, msg_len);
	free(body);
	if (wire_out != NULL) {
		*wire_out = wire;
	} else {
		free(wire);
	}
	sc_card_clear(&card);
	return doc;
}

static void test_alg_override(void **state)
{
	struct sc_tweaks tw;
	uint8_t *msg = NULL;
	size_t len = 0;
	json_t *doc;

	(void)state;
	memset(&tw, 0, sizeof(tw));
	tw.target = 1;
	tw.alg = "PS256"; /* the RSA key can: signed as PS256 */
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_string_equal(json_string_value(json_object_get(proof_at(doc, 1), "alg")), "PS256");
	assert_int_equal(verify(doc, 1, rsa_key, OC_PROOF_PS256, msg, len), ONECARD_OK);
	assert_int_equal(verify(doc, 1, rsa_key, OC_PROOF_RS256, msg, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	json_decref(doc);
	free(msg);

	tw.target = 0;
	tw.alg = "RS256"; /* the EC key cannot: labelled RS256, signed ES256 */
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_string_equal(json_string_value(json_object_get(proof_at(doc, 0), "alg")), "RS256");
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_RS256, msg, len),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	json_decref(doc);
	free(msg);
}

static void test_flip_and_drop(void **state)
{
	struct sc_tweaks tw;
	uint8_t *msg = NULL;
	size_t len = 0;
	json_t *doc;

	(void)state;
	memset(&tw, 0, sizeof(tw));
	tw.target = 1;
	tw.flip_sig = 1;
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	assert_int_equal(verify(doc, 1, rsa_key, OC_PROOF_RS256, msg, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(verify(doc, 2, sm2_key, OC_PROOF_SM2_SM3, msg, len), ONECARD_OK);
	json_decref(doc);
	free(msg);

	memset(&tw, 0, sizeof(tw));
	tw.target = 2;
	tw.drop_sig = 1;
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_int_equal(json_object_size(proof_at(doc, 2)), 2);
	assert_null(json_object_get(proof_at(doc, 2), "sig"));
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	json_decref(doc);
	free(msg);
}

static void test_sign_with(void **state)
{
	struct sc_tweaks tw;
	uint8_t *msg = NULL;
	size_t len = 0;
	json_t *doc;

	(void)state;
	memset(&tw, 0, sizeof(tw));
	tw.sign_with = other_key; /* P1: a key that is not the certificate's */
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(verify(doc, 0, other_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	assert_int_equal(verify(doc, 1, rsa_key, OC_PROOF_RS256, msg, len), ONECARD_OK);
	json_decref(doc);
	free(msg);
}

static void test_other_origin(void **state)
{
	struct sc_tweaks tw;
	uint8_t *msg = NULL, *evil = NULL;
	size_t len = 0, evil_len = 0;
	json_t *doc;

	(void)state;
	memset(&tw, 0, sizeof(tw));
	tw.origin = "https://relay.evil.example"; /* P4 */
	doc = tweaked(&tw, ORIGIN, &msg, &len, NULL);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	client_message(doc, tw.origin, &evil, &evil_len);
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, evil, evil_len), ONECARD_OK);
	json_decref(doc);
	free(msg);
	free(evil);
}

static void test_tamper(void **state)
{
	struct sc_tweaks tw;
	struct oc_challenge checked;
	enum oc_challenge_refusal why = OC_CHALLENGE_ACCEPTED;
	const json_t *ch;
	uint8_t *msg = NULL;
	char *wire = NULL;
	size_t len = 0;
	json_t *doc;

	(void)state;
	memset(&tw, 0, sizeof(tw));
	tw.tamper_challenge = 1;
	doc = tweaked(&tw, ORIGIN, &msg, &len, &wire);
	ch = json_object_get(doc, "challenge");
	assert_string_not_equal(json_string_value(ch), wire);
	assert_int_equal(json_string_length(ch), strlen(wire));
	assert_int_equal(oc_challenge_check(keys, json_string_value(ch), json_string_length(ch),
					    ORIGIN, (int64_t)time(NULL), &checked, &why),
			 ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_BAD_MAC);
	/* The proofs sign what was sent, so only the MAC is wrong. */
	assert_int_equal(verify(doc, 0, ec_key, OC_PROOF_ES256, msg, len), ONECARD_OK);
	json_decref(doc);
	free(msg);
	free(wire);
}

static void test_body_refusals(void **state)
{
	struct sc_card card, empty;
	struct sc_tweaks tw;
	struct oc_challenge issued;
	char *wire = new_challenge(&issued), *body = NULL, *big = NULL;
	size_t len = 0;

	(void)state;
	load_card(&card);
	memset(&empty, 0, sizeof(empty));
	memset(&tw, 0, sizeof(tw));
	tw.target = 3;
	assert_int_equal(sc_login_body(&card, wire, ORIGIN, AUDIENCE, &tw, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(body);
	assert_int_equal(sc_login_body(&empty, wire, ORIGIN, AUDIENCE, NULL, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(
		sc_login_body(&card, "not base64url!", ORIGIN, AUDIENCE, NULL, &body, &len),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(sc_login_body(&card, "", ORIGIN, AUDIENCE, NULL, &body, &len),
			 ONECARD_ERR_BAD_FORMAT);
	big = malloc(OC_CHALLENGE_TEXT_MAX + 2u);
	assert_non_null(big);
	memset(big, 'A', OC_CHALLENGE_TEXT_MAX + 1u);
	big[OC_CHALLENGE_TEXT_MAX + 1u] = '\0';
	assert_int_equal(sc_login_body(&card, big, ORIGIN, AUDIENCE, NULL, &body, &len),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(sc_login_body(&card, wire, "", AUDIENCE, NULL, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(body);
	assert_int_equal(len, 0);
	free(big);
	free(wire);
	sc_card_clear(&card);
}

static void test_origin_of(void **state)
{
	static const struct {
		const char *url, *origin;
	} good[] = {
		{"http://127.0.0.1:8443", "http://127.0.0.1:8443"},
		{"http://127.0.0.1:8443/", "http://127.0.0.1:8443"},
		{"HTTPS://Authd.Province.Example:443/v1/", "https://authd.province.example"},
		{"http://authd.example:80", "http://authd.example"},
		{"https://authd.example:8443/prefix", "https://authd.example:8443"},
		{"http://[::1]:8443", "http://[::1]:8443"},
	};
	static const char *const bad[] = {"authd.example", "", "http://", "http://user@h:1",
					  "http://user:pw@h"};
	char out[SC_ORIGIN_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(sc_origin_of(good[i].url, out), ONECARD_OK);
		assert_string_equal(out, good[i].origin);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(sc_origin_of(bad[i], out), ONECARD_OK);
		assert_string_equal(out, "");
	}
}

static void test_answer_challenge(void **state)
{
	char out[OC_CHALLENGE_TEXT_MAX + 1];
	static const char *const bad[] = {"{}",
					  "[]",
					  "{\"challenge\":5}",
					  "{\"challenge\":\"\"}",
					  "{\"challenge\":\"a\",\"challenge\":\"b\"}",
					  "not json",
					  "{\"challenge\":\"a\\u0000b\"}"};
	const char *good = "{\"challenge\":\"AQcy\",\"origin\":\"x\"}";
	size_t i;

	(void)state;
	assert_int_equal(sc_answer_challenge(good, strlen(good), out), ONECARD_OK);
	assert_string_equal(out, "AQcy");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sc_answer_challenge(bad[i], strlen(bad[i]), out),
				 ONECARD_ERR_BAD_FORMAT);
		assert_string_equal(out, "");
	}
}

static void test_card_refusals(void **state)
{
	struct sc_card card;
	char cert[PATH_MAX_BYTES], key[PATH_MAX_BYTES], six[PATH_MAX_BYTES], junk[PATH_MAX_BYTES];
	FILE *f;
	size_t i;

	(void)state;
	memset(&card, 0, sizeof(card));
	path_of(cert, "ec.pem");
	path_of(key, "ec.key");
	path_of(six, "six.pem");
	path_of(junk, "garbage");
	for (i = 0; i < SC_PROOFS_MAX; i++) {
		assert_int_equal(sc_card_add_proof(&card, cert, key), ONECARD_OK);
	}
	assert_int_equal(sc_card_add_proof(&card, cert, key), ONECARD_ERR_TOO_LARGE);
	sc_card_clear(&card);
	assert_int_equal(card.nproofs, 0);
	f = fopen(junk, "w");
	assert_non_null(f);
	assert_true(fputs("not PEM at all\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sc_card_add_proof(&card, junk, key), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(sc_card_add_proof(&card, cert, junk), ONECARD_ERR_BAD_KEY);
	assert_int_equal(sc_card_add_proof(&card, "/nonexistent/x.pem", key), ONECARD_ERR_IO);
	assert_int_equal(sc_card_add_chain(&card, junk), ONECARD_ERR_BAD_FORMAT);
	for (i = 0; i <= SC_CHAIN_MAX; i++) {
		write_cert("six.pem", ca_cert);
	}
	assert_int_equal(sc_card_add_chain(&card, six), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(card.nproofs, 0);
	sc_card_clear(&card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_honest_body),	 cmocka_unit_test(test_alg_override),
		cmocka_unit_test(test_flip_and_drop),	 cmocka_unit_test(test_sign_with),
		cmocka_unit_test(test_other_origin),	 cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_body_refusals),	 cmocka_unit_test(test_origin_of),
		cmocka_unit_test(test_answer_challenge), cmocka_unit_test(test_card_refusals),
	};
	int failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return 1;
	}
	failed = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return failed;
}

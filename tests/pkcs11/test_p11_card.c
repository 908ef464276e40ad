/*
 * The card library against real SoftHSM tokens made by the test in a
 * temporary folder: one card, many certificates (customs,
 * inspection-quarantine, maritime, border), each key generated on the
 * card and each signature checked with OpenSSL against its certificate;
 * then the refusals of NEGATIVE-TESTS.md P1, P2, P5 and P6.
 *
 * The tests share one token folder and run in order: the first one
 * provisions card1, the others use what it left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "card_internal.h"
#include "p11_fixture.h"

#define AGENCIES 4

static const struct agency {
	const char *label;
	uint8_t id;
	enum oc_card_key_alg alg;
} agencies[AGENCIES] = {
	{"customs", 0x01, OC_CARD_KEY_EC_P256},
	{"inspection-quarantine", 0x02, OC_CARD_KEY_RSA_2048},
	{"maritime", 0x03, OC_CARD_KEY_EC_P256},
	{"border", 0x04, OC_CARD_KEY_RSA_3072},
};

static const uint8_t msg[] = "onecard login challenge: nonce 3f9c, origin https://authd.example";

struct world {
	struct p11fx fx;
	struct oc_card_ctx *ctx;
	struct oc_card *card;
	EVP_PKEY *ca_key;
	X509 *certs[AGENCIES];
};

static struct world *w;

static int group_setup(void **state)
{
	static const char *const labels[] = {"card1", "card2"};

	(void)state;
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	p11fx_setup(&w->fx, labels, 2);
	assert_int_equal(oc_card_ctx_new(w->fx.module, &w->ctx), ONECARD_OK);
	w->card = p11fx_card(w->ctx, "pkcs11:token=card1");
	w->ca_key = p11fx_ca_key();
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	oc_card_free(w->card);
	oc_card_ctx_free(w->ctx);
	for (i = 0; i < AGENCIES; i++) {
		X509_free(w->certs[i]);
	}
	EVP_PKEY_free(w->ca_key);
	p11fx_teardown(&w->fx);
	free(w);
	return 0;
}

static struct oc_card_certs *read_certs(struct oc_card_session *s)
{
	struct oc_card_certs *certs = NULL;

	assert_int_equal(oc_card_certs_read(w->card, s, &certs), ONECARD_OK);
	assert_non_null(certs);
	return certs;
}

/* An ECDSA r||s as DER, by OpenSSL's encoder (not the library's). */
static size_t der_of_raw(const uint8_t *raw, size_t raw_len, uint8_t *der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	unsigned char *p = der;
	int len;

	assert_int_equal(raw_len, 64);
	assert_int_equal(
		ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL)), 1);
	len = i2d_ECDSA_SIG(sig, &p);
	assert_true(len > 0);
	ECDSA_SIG_free(sig);
	return (size_t)len;
}

/* Signs with mech and checks the signature with OpenSSL. */
static void sign_and_verify(struct oc_card_session *s, const struct oc_card_cert *c,
			    enum oc_card_mech mech)
{
	uint8_t sig[OC_CARD_SIG_MAX], der[80];
	size_t len = 0;
	X509 *x = oc_card_cert_get0_x509(c);

	assert_int_equal(oc_card_sign(s, c, mech, msg, sizeof(msg), sig, &len), ONECARD_OK);
	if (mech == OC_CARD_ECDSA_SHA256_RAW) {
		len = der_of_raw(sig, len, der);
		assert_int_equal(p11fx_verify(x, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), der, len),
				 1);
		return;
	}
	assert_int_equal(p11fx_verify(x, mech, msg, sizeof(msg), sig, len), 1);
	/* The same signature over another message does not verify. */
	assert_int_not_equal(p11fx_verify(x, mech, msg, sizeof(msg) - 1, sig, len), 1);
}

static void one_card_many_certificates(void **state)
{
	struct oc_card_session *s;
	struct oc_card_certs *certs;
	const struct oc_card_cert *c;
	const uint8_t *id;
	EVP_PKEY *pub;
	size_t i, id_len;
	unsigned long rv;
	int pass;

	(void)state;
	s = p11fx_login(w->card);
	for (i = 0; i < AGENCIES; i++) {
		pub = NULL;
		assert_int_equal(oc_card_keygen(s, agencies[i].alg, &agencies[i].id, 1,
						agencies[i].label, &pub),
				 ONECARD_OK);
		assert_non_null(pub);
		w->certs[i] = p11fx_issue(w->ca_key, pub, agencies[i].label, "Zhang San",
					  (long)(1000 + i));
		EVP_PKEY_free(pub);
		assert_int_equal(
			oc_card_write_cert(s, w->certs[i], &agencies[i].id, 1, agencies[i].label),
			ONECARD_OK);
		/* Asked directly, the card keeps the private value to itself
		 * (SoftHSM answers "sensitive" or "no such attribute"). */
		rv = p11fx_raw_read_private_value(w->fx.module, "card1", &agencies[i].id, 1);
		assert_true(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID);
	}
	oc_card_session_close(s);

	/* Read back without and with a login: four certificates, four ids,
	 * each with its key. */
	for (pass = 0; pass < 2; pass++) {
		s = pass == 0 ? NULL : p11fx_login(w->card);
		certs = read_certs(s);
		assert_int_equal(oc_card_certs_count(certs), AGENCIES);
		for (i = 0; i < AGENCIES; i++) {
			c = p11fx_find(certs, agencies[i].label);
			assert_non_null(c);
			id = oc_card_cert_id(c, &id_len);
			assert_int_equal(id_len, 1);
			assert_int_equal(id[0], agencies[i].id);
			assert_int_equal(X509_cmp(oc_card_cert_get0_x509(c), w->certs[i]), 0);
			assert_int_equal(oc_card_cert_key_state(c), OC_CARD_KEY_PRESENT);
		}
		oc_card_certs_free(certs);
		oc_card_session_close(s);
	}

	/* One login, a signature with each certificate's key. */
	certs = read_certs(NULL);
	s = p11fx_login(w->card);
	for (i = 0; i < AGENCIES; i++) {
		c = p11fx_find(certs, agencies[i].label);
		if (agencies[i].alg == OC_CARD_KEY_EC_P256) {
			sign_and_verify(s, c, OC_CARD_ECDSA_SHA256);
			sign_and_verify(s, c, OC_CARD_ECDSA_SHA256_RAW);
		} else {
			sign_and_verify(s, c, OC_CARD_RSA_PKCS1_SHA256);
			sign_and_verify(s, c, OC_CARD_RSA_PSS_SHA256);
		}
	}
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

/* P1: a certificate alone on the card, with no key. */
static void p1_certificate_without_key(void **state)
{
	static const uint8_t id = 0x05, id2 = 0x06;
	struct oc_card_session *s;
	struct oc_card_certs *certs;
	const struct oc_card_cert *c;
	EVP_PKEY *soft = p11fx_soft_key("ec");
	X509 *x = p11fx_issue(w->ca_key, soft, "customs", "Li Si", 2000);
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t len = 99;

	(void)state;
	s = p11fx_login(w->card);
	/* onecard will not store it... */
	assert_int_equal(oc_card_write_cert(s, x, &id2, 1, "nokey-refused"),
			 ONECARD_ERR_KEY_MISSING);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id2, 1), 0);
	/* ...but another tool can. */
	p11fx_raw_write_cert(w->fx.module, "card1", x, &id, 1, "nokey");
	oc_card_session_close(s);

	certs = read_certs(NULL);
	c = p11fx_find(certs, "nokey");
	assert_non_null(c);
	assert_int_equal(oc_card_cert_key_state(c), OC_CARD_KEY_MISSING);
	s = p11fx_login(w->card);
	assert_int_equal(oc_card_sign(s, c, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), sig, &len),
			 ONECARD_ERR_KEY_MISSING);
	assert_int_equal(len, 0);
	oc_card_certs_free(certs);
	/* With a login the answer is the same. */
	certs = read_certs(s);
	assert_int_equal(oc_card_cert_key_state(p11fx_find(certs, "nokey")), OC_CARD_KEY_MISSING);
	/* And the session is still good for the others. */
	sign_and_verify(s, p11fx_find(certs, "customs"), OC_CARD_ECDSA_SHA256);
	oc_card_certs_free(certs);
	oc_card_session_close(s);
	X509_free(x);
	EVP_PKEY_free(soft);
}

/* P1: a certificate under the id of a key that is not its key. */
static void p1_key_does_not_match(void **state)
{
	static const struct {
		uint8_t id;
		enum oc_card_key_alg alg;
		const char *soft;
		const char *label;
		enum oc_card_mech mech;
	} cases[] = {
		{0x07, OC_CARD_KEY_EC_P256, "ec", "mismatch-ec", OC_CARD_ECDSA_SHA256},
		{0x08, OC_CARD_KEY_RSA_2048, "rsa", "mismatch-rsa", OC_CARD_RSA_PKCS1_SHA256},
	};
	struct oc_card_session *s;
	struct oc_card_certs *certs;
	const struct oc_card_cert *c;
	uint8_t sig[OC_CARD_SIG_MAX], hash[32], in[OC_CARD_DIGESTINFO_SHA256_LEN], der[80];
	EVP_PKEY *card_pub, *soft;
	X509 *x;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = p11fx_login(w->card);
		card_pub = NULL;
		assert_int_equal(
			oc_card_keygen(s, cases[i].alg, &cases[i].id, 1, cases[i].label, &card_pub),
			ONECARD_OK);
		soft = p11fx_soft_key(cases[i].soft);
		x = p11fx_issue(w->ca_key, soft, "maritime", "Wang Wu", (long)(3000 + i));
		assert_int_equal(oc_card_write_cert(s, x, &cases[i].id, 1, cases[i].label),
				 ONECARD_ERR_KEY_MISSING);
		p11fx_raw_write_cert(w->fx.module, "card1", x, &cases[i].id, 1, cases[i].label);
		oc_card_session_close(s);

		certs = read_certs(NULL);
		c = p11fx_find(certs, cases[i].label);
		assert_non_null(c);
		assert_int_equal(oc_card_cert_key_state(c), OC_CARD_KEY_MISMATCH);
		s = p11fx_login(w->card);
		len = 99;
		assert_int_equal(oc_card_sign(s, c, cases[i].mech, msg, sizeof(msg), sig, &len),
				 ONECARD_ERR_KEY_MISSING);
		assert_int_equal(len, 0);
		/* What the card would have produced does not verify against
		 * the certificate. */
		assert_int_equal(oc_card_sha256(msg, sizeof(msg), hash), ONECARD_OK);
		if (cases[i].alg == OC_CARD_KEY_EC_P256) {
			assert_int_equal(oc_card_sign_raw(s, c, OC_P11_MECH_ECDSA, hash,
							  sizeof(hash), sig, &len),
					 ONECARD_OK);
			len = der_of_raw(sig, len, der);
			assert_int_not_equal(
				p11fx_verify(x, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), der, len),
				1);
		} else {
			oc_card_digestinfo_sha256(hash, in);
			assert_int_equal(oc_card_sign_raw(s, c, OC_P11_MECH_RSA_PKCS, in,
							  sizeof(in), sig, &len),
					 ONECARD_OK);
			assert_int_not_equal(p11fx_verify(x, OC_CARD_RSA_PKCS1_SHA256, msg,
							  sizeof(msg), sig, len),
					     1);
		}
		oc_card_certs_free(certs);
		certs = read_certs(s);
		assert_int_equal(oc_card_cert_key_state(p11fx_find(certs, cases[i].label)),
				 OC_CARD_KEY_MISMATCH);
		oc_card_certs_free(certs);
		oc_card_session_close(s);
		X509_free(x);
		EVP_PKEY_free(soft);
		EVP_PKEY_free(card_pub);
	}
}

/* P2: a wrong PIN opens nothing, and the card's retry state is told. */
static void p2_wrong_pin(void **state)
{
	struct oc_card_session *s = (struct oc_card_session *)&s;
	struct oc_card_info info;
	char pin[16], nul_pin[] = {'1', '\0', '3', '4'};
	char long_pin[OC_CARD_PIN_MAX + 2];

	(void)state;
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	assert_int_equal(info.pin_flags & OC_CARD_PIN_COUNT_LOW, 0);
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, "9999"), 4, &s),
			 ONECARD_ERR_PIN_INCORRECT);
	assert_null(s);
	assert_memory_equal(pin, "\0\0\0\0", 4); /* wiped all the same */
	/* SoftHSM reports a wrong PIN since the last good one. */
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	assert_int_not_equal(info.pin_flags & OC_CARD_PIN_COUNT_LOW, 0);
	assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));
	/* Unusable PINs never reach the card. */
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, ""), 0, &s),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_card_session_open(w->card, nul_pin, sizeof(nul_pin), &s),
			 ONECARD_ERR_INVALID_ARG);
	assert_memory_equal(nul_pin, "\0\0\0\0", 4);
	memset(long_pin, '1', sizeof(long_pin));
	assert_int_equal(oc_card_session_open(w->card, long_pin, sizeof(long_pin), &s),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(s);
	/* The good PIN clears the state. */
	s = p11fx_login(w->card);
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	assert_int_equal(info.pin_flags & OC_CARD_PIN_COUNT_LOW, 0);
	oc_card_session_close(s);
}

/* P2: a card that is not there is said to be absent. */
static void p2_absent_card(void **state)
{
	static const char *const absent[] = {
		"pkcs11:token=card3",
		"pkcs11:token=card1;serial=0000000000000000",
		"pkcs11:token=card1;model=PIV",
		"pkcs11:manufacturer=Nobody",
	};
	struct oc_p11_uri *uri = NULL;
	struct oc_card *card = (struct oc_card *)&card;
	char text[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		assert_int_equal(oc_p11_uri_parse(absent[i], strlen(absent[i]), &uri, NULL),
				 ONECARD_OK);
		assert_int_equal(oc_card_open(w->ctx, uri, &card), ONECARD_ERR_CARD_ABSENT);
		assert_null(card);
		oc_p11_uri_free(uri);
	}
	/* Two cards: "any card" is ambiguous. */
	assert_int_equal(oc_card_open(w->ctx, NULL, &card), ONECARD_ERR_INVALID_ARG);
	/* module-path must be the module loaded. */
	assert_int_equal(oc_p11_uri_parse("pkcs11:token=card1?module-path=/usr/lib/other.so", 48,
					  &uri, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_card_open(w->ctx, uri, &card), ONECARD_ERR_INVALID_ARG);
	oc_p11_uri_free(uri);
	(void)snprintf(text, sizeof(text), "pkcs11:token=card2?module-path=%s", w->fx.module);
	assert_int_equal(oc_p11_uri_parse(text, strlen(text), &uri, NULL), ONECARD_OK);
	assert_int_equal(oc_card_open(w->ctx, uri, &card), ONECARD_OK);
	oc_card_free(card);
	oc_p11_uri_free(uri);
}

/* P5: log in per batch and out after; a new batch needs the PIN again,
 * and a PIN is always checked even while this process is logged in. */
static void p5_login_per_batch(void **state)
{
	struct oc_card_session *s, *s2 = NULL;
	struct oc_card_certs *certs = read_certs(NULL);
	const struct oc_card_cert *c = p11fx_find(certs, "customs");
	uint8_t sig[OC_CARD_SIG_MAX];
	char pin[16];
	size_t len = 0;

	(void)state;
	assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));
	s = p11fx_login(w->card);
	assert_true(p11fx_raw_logged_in(w->fx.module, "card1"));
	sign_and_verify(s, c, OC_CARD_ECDSA_SHA256);
	sign_and_verify(s, c, OC_CARD_ECDSA_SHA256);
	oc_card_session_close(s);
	assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));

	/* The next batch: a wrong PIN is refused by the card. */
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, "0000"), 4, &s2),
			 ONECARD_ERR_PIN_INCORRECT);
	assert_null(s2);

	/* While logged in, a second open with a wrong PIN is still refused
	 * (never "already logged in"), and the first login is gone. */
	s = p11fx_login(w->card);
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, "0000"), 4, &s2),
			 ONECARD_ERR_PIN_INCORRECT);
	assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));
	assert_int_equal(oc_card_sign(s, c, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), sig, &len),
			 ONECARD_ERR_CARD);
	assert_int_equal(len, 0);
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

/* P6: CKM_RSA_PKCS signs what it is given; over a bare hash the result is
 * not a PKCS#1 v1.5 signature. */
static void p6_rsa_pkcs_needs_digestinfo(void **state)
{
	struct oc_card_certs *certs = read_certs(NULL);
	const struct oc_card_cert *c = p11fx_find(certs, "inspection-quarantine");
	X509 *x = oc_card_cert_get0_x509(c);
	struct oc_card_session *s = p11fx_login(w->card);
	uint8_t hash[32], in[OC_CARD_DIGESTINFO_SHA256_LEN], sig[OC_CARD_SIG_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(oc_card_sha256(msg, sizeof(msg), hash), ONECARD_OK);
	assert_int_equal(
		oc_card_sign_raw(s, c, OC_P11_MECH_RSA_PKCS, hash, sizeof(hash), sig, &len),
		ONECARD_OK);
	assert_int_equal(len, 256);
	assert_int_not_equal(p11fx_verify(x, OC_CARD_RSA_PKCS1_SHA256, msg, sizeof(msg), sig, len),
			     1);
	oc_card_digestinfo_sha256(hash, in);
	assert_int_equal(oc_card_sign_raw(s, c, OC_P11_MECH_RSA_PKCS, in, sizeof(in), sig, &len),
			 ONECARD_OK);
	assert_int_equal(p11fx_verify(x, OC_CARD_RSA_PKCS1_SHA256, msg, sizeof(msg), sig, len), 1);
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

/* P6: ECDSA from the card is r||s; only its DER form verifies as DER. */
static void p6_ecdsa_raw_and_der(void **state)
{
	struct oc_card_certs *certs = read_certs(NULL);
	const struct oc_card_cert *c = p11fx_find(certs, "maritime");
	X509 *x = oc_card_cert_get0_x509(c);
	struct oc_card_session *s = p11fx_login(w->card);
	uint8_t raw[OC_CARD_SIG_MAX], der[OC_CARD_ECDSA_DER_MAX], want[80];
	size_t len = 0, der_len = 0;

	(void)state;
	assert_int_equal(oc_card_sign(s, c, OC_CARD_ECDSA_SHA256_RAW, msg, sizeof(msg), raw, &len),
			 ONECARD_OK);
	assert_int_equal(len, 64);
	assert_int_not_equal(p11fx_verify(x, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), raw, len), 1);
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &der_len), ONECARD_OK);
	assert_int_equal(der_of_raw(raw, len, want), der_len);
	assert_memory_equal(der, want, der_len);
	assert_int_equal(p11fx_verify(x, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), der, der_len), 1);
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

static void mechanism_must_fit_the_key(void **state)
{
	struct oc_card_certs *certs = read_certs(NULL);
	struct oc_card_session *s = p11fx_login(w->card);
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t len = 99;

	(void)state;
	assert_int_equal(oc_card_sign(s, p11fx_find(certs, "customs"), OC_CARD_RSA_PSS_SHA256, msg,
				      sizeof(msg), sig, &len),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(len, 0);
	assert_int_equal(oc_card_sign(s, p11fx_find(certs, "border"), OC_CARD_ECDSA_SHA256, msg,
				      sizeof(msg), sig, &len),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	/* The session was not harmed by a refusal made before the card. */
	sign_and_verify(s, p11fx_find(certs, "border"), OC_CARD_RSA_PSS_SHA256);
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

/* An id names one key and one certificate. */
static void ids_are_not_reused(void **state)
{
	static const uint8_t id = 0x01;
	struct oc_card_session *s = p11fx_login(w->card);
	EVP_PKEY *pub = (EVP_PKEY *)&pub;

	(void)state;
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &id, 1, "again", &pub),
			 ONECARD_ERR_EXISTS);
	assert_null(pub);
	assert_int_equal(oc_card_write_cert(s, w->certs[0], &id, 1, "customs"), ONECARD_ERR_EXISTS);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id, 1), 3);
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &id, 0, "x", &pub),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(
		oc_card_keygen(s, OC_CARD_KEY_EC_P256, (const uint8_t *)"\x0a", 1, "", &pub),
		ONECARD_ERR_INVALID_ARG);
	oc_card_session_close(s);
}

/* Delete by id removes the certificate and both keys: the rollback of a
 * half-done issuance. */
static void delete_by_id(void **state)
{
	static const uint8_t id = 0x09;
	struct oc_card_session *s = p11fx_login(w->card);
	struct oc_card_certs *certs;
	EVP_PKEY *pub = NULL;
	X509 *x;
	size_t deleted = 99, before;

	(void)state;
	certs = read_certs(NULL);
	before = oc_card_certs_count(certs);
	oc_card_certs_free(certs);
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &id, 1, "tax-refund", &pub),
			 ONECARD_OK);
	x = p11fx_issue(w->ca_key, pub, "tax-refund", "Zhang San", 4000);
	assert_int_equal(oc_card_write_cert(s, x, &id, 1, "tax-refund"), ONECARD_OK);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id, 1), 3);
	assert_int_equal(oc_card_delete(s, &id, 1, &deleted), ONECARD_OK);
	assert_int_equal(deleted, 3);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id, 1), 0);
	assert_int_equal(oc_card_delete(s, &id, 1, &deleted), ONECARD_OK);
	assert_int_equal(deleted, 0);
	oc_card_session_close(s);
	certs = read_certs(NULL);
	assert_int_equal(oc_card_certs_count(certs), before);
	assert_null(p11fx_find(certs, "tax-refund"));
	oc_card_certs_free(certs);
	X509_free(x);
	EVP_PKEY_free(pub);
}

/* URIs select cards and certificates; sessions stay with their card. */
static void select_by_uri(void **state)
{
	struct oc_card *card2 = p11fx_card(w->ctx, "pkcs11:token=card2");
	struct oc_card_certs *certs = read_certs(NULL), *none = NULL;
	const struct oc_card_cert *c = NULL;
	struct oc_card_session *s2;
	struct oc_p11_uri *uri = NULL;
	struct oc_card_info info;
	uint8_t sig[OC_CARD_SIG_MAX];
	char text[128];
	size_t len = 0;

	(void)state;
	/* card2 is blank. */
	assert_int_equal(oc_card_certs_read(card2, NULL, &none), ONECARD_OK);
	assert_int_equal(oc_card_certs_count(none), 0);
	oc_card_certs_free(none);
	/* card1 by its serial. */
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	(void)snprintf(text, sizeof(text), "pkcs11:serial=%s", info.serial);
	oc_card_free(p11fx_card(w->ctx, text));
	/* A certificate by label, id, or both with a type. */
	assert_int_equal(oc_p11_uri_parse("pkcs11:object=border", 20, &uri, NULL), ONECARD_OK);
	assert_int_equal(oc_card_certs_find(certs, uri, &c), ONECARD_OK);
	assert_string_equal(oc_card_cert_label(c), "border");
	oc_p11_uri_free(uri);
	assert_int_equal(oc_p11_uri_parse("pkcs11:id=%03;type=private", 26, &uri, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_card_certs_find(certs, uri, &c), ONECARD_OK);
	assert_string_equal(oc_card_cert_label(c), "maritime");
	oc_p11_uri_free(uri);
	assert_int_equal(oc_p11_uri_parse("pkcs11:object=border;id=%03", 27, &uri, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_card_certs_find(certs, uri, &c), ONECARD_ERR_NOT_FOUND);
	assert_null(c);
	oc_p11_uri_free(uri);
	assert_int_equal(oc_p11_uri_parse("pkcs11:type=cert", 16, &uri, NULL), ONECARD_OK);
	assert_int_equal(oc_card_certs_find(certs, uri, &c), ONECARD_ERR_INVALID_ARG);
	oc_p11_uri_free(uri);
	/* A session on card2 does not sign with card1's certificate. */
	s2 = p11fx_login(card2);
	assert_int_equal(oc_card_sign(s2, p11fx_find(certs, "customs"), OC_CARD_ECDSA_SHA256, msg,
				      sizeof(msg), sig, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_card_certs_read(w->card, s2, &none), ONECARD_ERR_INVALID_ARG);
	oc_card_session_close(s2);
	oc_card_certs_free(certs);
	oc_card_free(card2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_card_many_certificates),
		cmocka_unit_test(p1_certificate_without_key),
		cmocka_unit_test(p1_key_does_not_match),
		cmocka_unit_test(p2_wrong_pin),
		cmocka_unit_test(p2_absent_card),
		cmocka_unit_test(p5_login_per_batch),
		cmocka_unit_test(p6_rsa_pkcs_needs_digestinfo),
		cmocka_unit_test(p6_ecdsa_raw_and_der),
		cmocka_unit_test(mechanism_must_fit_the_key),
		cmocka_unit_test(ids_are_not_reused),
		cmocka_unit_test(delete_by_id),
		cmocka_unit_test(select_by_uri),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

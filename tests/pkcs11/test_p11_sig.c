/*
 * Signature formats and error mapping, without a card (P6, P2):
 *   - the raw r||s -> DER conversion is exact: minimal INTEGERs, a 00
 *     before a high bit, leading zeros dropped, r and s in [1, n-1], and
 *     the same bytes OpenSSL's own encoder writes;
 *   - the SHA-256 DigestInfo is RFC 8017's, and a PKCS#1 v1.5 signature
 *     over the bare hash does not verify;
 *   - every CK_RV that is not a success maps to a failure.
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
#include <openssl/rsa.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "card_internal.h"
#include "ckr.h"

/* n, the order of P-256. */
static const uint8_t order[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
				  0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* What OpenSSL's own encoder makes of r||s. */
static size_t openssl_der(const uint8_t raw[64], uint8_t *out)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *p = out;
	int len;

	assert_non_null(sig);
	assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
	len = i2d_ECDSA_SIG(sig, &p);
	assert_true(len > 0);
	ECDSA_SIG_free(sig);
	return (size_t)len;
}

static void raw_to_der_exact(void **state)
{
	uint8_t raw[64], der[OC_CARD_ECDSA_DER_MAX], want[80];
	size_t len = 0;

	(void)state;
	/* r = 1, s = 0x7f: shortest INTEGERs. */
	memset(raw, 0, sizeof(raw));
	raw[31] = 0x01;
	raw[63] = 0x7f;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_OK);
	assert_int_equal(len, 8);
	assert_memory_equal(der, "\x30\x06\x02\x01\x01\x02\x01\x7f", 8);

	/* s = 0x80: the high bit needs a 00 in front. */
	raw[63] = 0x80;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_OK);
	assert_int_equal(len, 9);
	assert_memory_equal(der, "\x30\x07\x02\x01\x01\x02\x02\x00\x80", 9);

	/* r = n - 1 and s with the high bit: 33-byte INTEGERs, 72 in all. */
	memcpy(raw, order, 32);
	raw[31] = 0x50;
	memset(raw + 32, 0x80, 32);
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_OK);
	assert_int_equal(len, 72);
	assert_int_equal(openssl_der(raw, want), len);
	assert_memory_equal(der, want, len);

	/* Leading zero bytes dropped. */
	memset(raw, 0, sizeof(raw));
	raw[20] = 0x12;
	raw[40] = 0x01;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_OK);
	assert_int_equal(openssl_der(raw, want), len);
	assert_memory_equal(der, want, len);
}

static void raw_to_der_range(void **state)
{
	uint8_t raw[64], der[OC_CARD_ECDSA_DER_MAX];
	size_t len = 99;

	(void)state;
	/* r = 0 */
	memset(raw, 0, sizeof(raw));
	raw[63] = 1;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(len, 0);
	/* s = 0 */
	memset(raw, 0, sizeof(raw));
	raw[31] = 1;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_ERR_BAD_SIGNATURE);
	/* r = n (s = 1) */
	memcpy(raw, order, 32);
	memset(raw + 32, 0, 32);
	raw[63] = 1;
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_ERR_BAD_SIGNATURE);
	/* s = n (r = 1) */
	memset(raw, 0, 32);
	raw[31] = 1;
	memcpy(raw + 32, order, 32);
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_ERR_BAD_SIGNATURE);
	/* r = s = 2^256 - 1 */
	memset(raw, 0xff, sizeof(raw));
	assert_int_equal(oc_card_ecdsa_p256_raw_to_der(raw, der, &len), ONECARD_ERR_BAD_SIGNATURE);
}

static void digestinfo_is_rfc8017(void **state)
{
	/* RFC 8017 §9.2, note 1: SHA-256 DigestInfo prefix. */
	static const uint8_t prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	uint8_t hash[32], di[OC_CARD_DIGESTINFO_SHA256_LEN];

	(void)state;
	memset(hash, 0x5a, sizeof(hash));
	oc_card_digestinfo_sha256(hash, di);
	assert_memory_equal(di, prefix, sizeof(prefix));
	assert_memory_equal(di + sizeof(prefix), hash, sizeof(hash));
}

/* RSA with no padding of our own: what CKM_RSA_PKCS does to its input. */
static size_t pkcs1_sign_input(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t len = 512;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &len, in, in_len), 1);
	EVP_PKEY_CTX_free(ctx);
	return len;
}

static void bare_hash_does_not_verify(void **state)
{
	static const uint8_t msg[] = "challenge from authd";
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	uint8_t hash[32], di[OC_CARD_DIGESTINFO_SHA256_LEN], sig[512];
	size_t len;

	(void)state;
	assert_non_null(key);
	assert_int_equal(oc_card_sha256(msg, sizeof(msg), hash), ONECARD_OK);
	/* The raw RSA block over the bare hash: not a PKCS#1 v1.5 signature. */
	len = pkcs1_sign_input(key, hash, sizeof(hash), sig);
	assert_int_equal(oc_card_verify(key, OC_CARD_RSA_PKCS1_SHA256, msg, sizeof(msg), sig, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	/* Over the DigestInfo: it is. */
	oc_card_digestinfo_sha256(hash, di);
	len = pkcs1_sign_input(key, di, sizeof(di), sig);
	assert_int_equal(oc_card_verify(key, OC_CARD_RSA_PKCS1_SHA256, msg, sizeof(msg), sig, len),
			 ONECARD_OK);
	/* And not as PSS. */
	assert_int_equal(oc_card_verify(key, OC_CARD_RSA_PSS_SHA256, msg, sizeof(msg), sig, len),
			 ONECARD_ERR_BAD_SIGNATURE);
	EVP_PKEY_free(key);
	ERR_clear_error();
}

static void mechanisms_fit_keys(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *rsa1k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);

	(void)state;
	assert_int_equal(oc_card_mech_fits(ec, OC_CARD_ECDSA_SHA256), ONECARD_OK);
	assert_int_equal(oc_card_mech_fits(ec, OC_CARD_ECDSA_SHA256_RAW), ONECARD_OK);
	assert_int_equal(oc_card_mech_fits(ec, OC_CARD_RSA_PKCS1_SHA256),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_card_mech_fits(ec384, OC_CARD_ECDSA_SHA256),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_card_mech_fits(rsa, OC_CARD_RSA_PKCS1_SHA256), ONECARD_OK);
	assert_int_equal(oc_card_mech_fits(rsa, OC_CARD_RSA_PSS_SHA256), ONECARD_OK);
	assert_int_equal(oc_card_mech_fits(rsa, OC_CARD_ECDSA_SHA256), ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(oc_card_mech_fits(rsa1k, OC_CARD_RSA_PKCS1_SHA256),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1k);
}

static void every_failure_stays_a_failure(void **state)
{
	CK_RV rv;

	(void)state;
	assert_int_equal(oc_ckr_to_err(CKR_OK), ONECARD_OK);
	assert_int_equal(oc_ckr_to_err(CKR_PIN_INCORRECT), ONECARD_ERR_PIN_INCORRECT);
	assert_int_equal(oc_ckr_to_err(CKR_PIN_LEN_RANGE), ONECARD_ERR_PIN_INCORRECT);
	assert_int_equal(oc_ckr_to_err(CKR_PIN_LOCKED), ONECARD_ERR_PIN_LOCKED);
	assert_int_equal(oc_ckr_to_err(CKR_TOKEN_NOT_PRESENT), ONECARD_ERR_CARD_ABSENT);
	assert_int_equal(oc_ckr_to_err(CKR_DEVICE_ERROR), ONECARD_ERR_CARD);
	assert_int_equal(oc_ckr_to_err(CKR_DEVICE_REMOVED), ONECARD_ERR_CARD);
	assert_int_equal(oc_ckr_to_err(CKR_HOST_MEMORY), ONECARD_ERR_CARD);
	assert_int_equal(oc_ckr_to_err(CKR_GENERAL_ERROR), ONECARD_ERR_CARD);
	assert_int_equal(oc_ckr_to_err(CKR_USER_NOT_LOGGED_IN), ONECARD_ERR_CARD);
	assert_int_equal(oc_ckr_to_err(CKR_VENDOR_DEFINED | 1), ONECARD_ERR_CARD);
	/* Every value up to the vendor range: never a success. */
	for (rv = 1; rv < 0x400; rv++) {
		assert_int_not_equal(oc_ckr_to_err(rv), ONECARD_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raw_to_der_exact),
		cmocka_unit_test(raw_to_der_range),
		cmocka_unit_test(digestinfo_is_rfc8017),
		cmocka_unit_test(bare_hash_does_not_verify),
		cmocka_unit_test(mechanisms_fit_keys),
		cmocka_unit_test(every_failure_stays_a_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

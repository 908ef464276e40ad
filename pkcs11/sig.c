/*
 * Signature formats between the card and the world: the SHA-256 hash
 * computed in software, the DigestInfo that CKM_RSA_PKCS needs around it
 * (P6: a bare hash makes a signature no verifier accepts), the exact DER
 * form of a raw CKM_ECDSA answer, and the verification every signature
 * passes before it leaves the library.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <onecard/error.h>

#include "card_internal.h"

#define SCALAR_LEN 32u /* bytes of r and of s for P-256 */
#define PSS_SALT   32

/* RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256. */
static const uint8_t digestinfo_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
					    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
					    0x01, 0x05, 0x00, 0x04, 0x20};

/* The order n of the P-256 group (SEC 2 §2.4.2), big-endian. */
static const uint8_t p256_order[SCALAR_LEN] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
					       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
					       0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

int oc_card_sha256(const uint8_t *msg, size_t len, uint8_t out[OC_CARD_SHA256_LEN])
{
	unsigned int got = 0;
	int ok;

	ok = EVP_Digest(msg, len, out, &got, EVP_sha256(), NULL);
	ERR_clear_error();
	if (ok != 1 || got != OC_CARD_SHA256_LEN) {
		OPENSSL_cleanse(out, OC_CARD_SHA256_LEN);
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

void oc_card_digestinfo_sha256(const uint8_t hash[OC_CARD_SHA256_LEN],
			       uint8_t out[OC_CARD_DIGESTINFO_SHA256_LEN])
{
	memcpy(out, digestinfo_sha256, sizeof(digestinfo_sha256));
	memcpy(out + sizeof(digestinfo_sha256), hash, OC_CARD_SHA256_LEN);
}

/* 1 when the big-endian scalar v is in [1, n-1]. Not constant time: a
 * signature is public. */
static int scalar_in_range(const uint8_t v[SCALAR_LEN])
{
	static const uint8_t zero[SCALAR_LEN] = {0};

	return memcmp(v, zero, SCALAR_LEN) != 0 && memcmp(v, p256_order, SCALAR_LEN) < 0;
}

int oc_card_ecdsa_p256_raw_to_der(const uint8_t raw[64], uint8_t der[OC_CARD_ECDSA_DER_MAX],
				  size_t *der_len)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = der;
	int len;
	int ret = ONECARD_ERR_BAD_SIGNATURE;

	*der_len = 0;
	if (!scalar_in_range(raw) || !scalar_in_range(raw + SCALAR_LEN)) {
		goto out;
	}
	ret = ONECARD_ERR_CRYPTO;
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(raw, SCALAR_LEN, NULL);
	s = BN_bin2bn(raw + SCALAR_LEN, SCALAR_LEN, NULL);
	if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
		goto out;
	}
	r = NULL; /* owned by sig now */
	s = NULL;
	/* i2d writes the minimal INTEGERs: leading zeros dropped, one 00
	 * added where the high bit is set. 72 bytes at most for P-256. */
	len = i2d_ECDSA_SIG(sig, NULL);
	if (len <= 0 || (size_t)len > OC_CARD_ECDSA_DER_MAX) {
		goto out;
	}
	if (i2d_ECDSA_SIG(sig, &p) != len) {
		goto out;
	}
	*der_len = (size_t)len;
	ret = ONECARD_OK;
out:
	ECDSA_SIG_free(sig);
	BN_free(r);
	BN_free(s);
	ERR_clear_error();
	return ret;
}

int oc_card_verify(EVP_PKEY *key, enum oc_card_mech mech, const uint8_t *msg, size_t msg_len,
		   const uint8_t *sig, size_t sig_len)
{
	uint8_t der[OC_CARD_ECDSA_DER_MAX];
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r = ONECARD_ERR_BAD_SIGNATURE;

	if (mech == OC_CARD_ECDSA_SHA256_RAW) {
		if (sig_len != OC_CARD_ECDSA_P256_RAW_LEN ||
		    oc_card_ecdsa_p256_raw_to_der(sig, der, &sig_len) != ONECARD_OK) {
			goto out;
		}
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) != 1) {
		goto out;
	}
	if (mech == OC_CARD_RSA_PSS_SHA256) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PSS_SALT) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
			goto out;
		}
	} else if (mech == OC_CARD_RSA_PKCS1_SHA256) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
			goto out;
		}
	}
	/* 1 is valid; 0 is invalid and a negative value an error: both fail. */
	if (EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1) {
		r = ONECARD_OK;
	}
out:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return r;
}

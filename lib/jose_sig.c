/* JOSE signatures through OpenSSL EVP (see jose_sig.h). */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "jose_sig.h"

#define SCALAR_LEN  32u
#define DER_SIG_MAX 80u /* SEQUENCE of two INTEGERs of up to 33 bytes */

/* The order n of P-256, big-endian. */
static const uint8_t p256_order[SCALAR_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
	0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* SHA-256 fetched once: an implicit fetch on every verify costs more
 * than the rest of the token work. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *get_sha256(void)
{
	(void)pthread_once(&sha256_once, fetch_sha256);
	return sha256_md;
}

/* 1 when the big-endian scalar v is in [1, n-1]. Public values only. */
static int scalar_in_range(const uint8_t v[SCALAR_LEN])
{
	size_t i;
	int nonzero = 0;

	for (i = 0; i < SCALAR_LEN; i++) {
		nonzero |= v[i] != 0;
	}
	if (!nonzero) {
		return 0;
	}
	return memcmp(v, p256_order, SCALAR_LEN) < 0;
}

/* r||s to DER. */
static int raw_to_der(const uint8_t sig[OC_JOSE_SIG_LEN], uint8_t *der, size_t der_cap,
		      size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = der;
	int len, ret = ONECARD_ERR_CRYPTO;

	*der_len = 0;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, SCALAR_LEN, NULL);
	s = BN_bin2bn(sig + SCALAR_LEN, SCALAR_LEN, NULL);
	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		goto out;
	}
	r = s = NULL; /* owned by es now */
	len = i2d_ECDSA_SIG(es, NULL);
	if (len <= 0 || (size_t)len > der_cap) {
		goto out;
	}
	len = i2d_ECDSA_SIG(es, &p);
	if (len <= 0) {
		goto out;
	}
	*der_len = (size_t)len;
	ret = ONECARD_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ret;
}

/* DER to r||s, refusing anything but a canonical pair of scalars. */
static int der_to_raw(const uint8_t *der, size_t der_len, uint8_t sig[OC_JOSE_SIG_LEN])
{
	ECDSA_SIG *es = NULL;
	const unsigned char *p = der;
	const BIGNUM *r = NULL, *s = NULL;
	int ret = ONECARD_ERR_CRYPTO;

	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (es == NULL || p != der + der_len) {
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, SCALAR_LEN) != (int)SCALAR_LEN ||
	    BN_bn2binpad(s, sig + SCALAR_LEN, SCALAR_LEN) != (int)SCALAR_LEN) {
		goto out;
	}
	ret = ONECARD_OK;
out:
	ECDSA_SIG_free(es);
	return ret;
}

int oc_key_prepare_verify(oc_key *key)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md = NULL;

	if (key->verify_template != NULL) {
		return ONECARD_OK;
	}
	if (key->alg == ONECARD_ALG_ES256) {
		md = get_sha256();
		if (md == NULL) {
			return ONECARD_ERR_CRYPTO;
		}
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, key->pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	key->verify_template = ctx;
	return ONECARD_OK;
}

/* A fresh verification context for key: a copy of its template when it
 * has one, else a new initialization. */
static int verify_ctx_init(const oc_key *key, EVP_MD_CTX *ctx)
{
	if (key->verify_template != NULL) {
		return EVP_MD_CTX_copy_ex(ctx, key->verify_template) == 1 ? ONECARD_OK
									  : ONECARD_ERR_CRYPTO;
	}
	if (key->alg == ONECARD_ALG_EDDSA) {
		return EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1
			       ? ONECARD_OK
			       : ONECARD_ERR_CRYPTO;
	}
	if (get_sha256() == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, get_sha256(), NULL, key->pkey) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

int oc_jose_sign(const oc_key *key, const uint8_t *msg, size_t msg_len,
		 uint8_t sig[OC_JOSE_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t der[DER_SIG_MAX];
	size_t len;
	int r = ONECARD_ERR_CRYPTO;

	memset(sig, 0, OC_JOSE_SIG_LEN);
	if (key == NULL || !key->has_private) {
		return ONECARD_ERR_INVALID_ARG;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (key->alg == ONECARD_ALG_EDDSA) {
		len = OC_JOSE_SIG_LEN;
		if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL) != 1 ||
		    EVP_DigestSign(ctx, sig, &len, msg, msg_len) != 1 || len != OC_JOSE_SIG_LEN) {
			goto out;
		}
	} else {
		len = sizeof(der);
		if (get_sha256() == NULL ||
		    EVP_DigestSignInit(ctx, NULL, get_sha256(), NULL, key->pkey) != 1 ||
		    EVP_DigestSign(ctx, der, &len, msg, msg_len) != 1 ||
		    der_to_raw(der, len, sig) != ONECARD_OK) {
			goto out;
		}
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		memset(sig, 0, OC_JOSE_SIG_LEN);
	}
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

int oc_jose_verify(const oc_key *key, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
		   size_t sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t der[DER_SIG_MAX];
	size_t der_len = 0;
	int r = ONECARD_ERR_BAD_SIGNATURE;

	if (key == NULL || sig == NULL || sig_len != OC_JOSE_SIG_LEN) {
		return ONECARD_ERR_BAD_SIGNATURE;
	}
	/* CVE-2022-21449: r = 0, s = 0 or values >= n never reach OpenSSL. */
	if (key->alg == ONECARD_ALG_ES256 &&
	    (!scalar_in_range(sig) || !scalar_in_range(sig + SCALAR_LEN))) {
		return ONECARD_ERR_BAD_SIGNATURE;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (verify_ctx_init(key, ctx) != ONECARD_OK) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	if (key->alg == ONECARD_ALG_EDDSA) {
		/* Only exactly 1 is success; 0 and negative values are not. */
		if (EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) != 1) {
			goto out;
		}
	} else {
		if (raw_to_der(sig, der, sizeof(der), &der_len) != ONECARD_OK) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
		if (EVP_DigestVerify(ctx, der, der_len, msg, msg_len) != 1) {
			goto out;
		}
	}
	r = ONECARD_OK;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

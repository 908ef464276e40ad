/*
 * Facts about a public key, read from its SubjectPublicKeyInfo as sent
 * (x509.h). The algorithm OID and the curve parameters come from the
 * encoding itself, not from OpenSSL's idea of the key type, so an
 * explicit-parameter curve or an odd algorithm cannot pass as a named
 * one.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <onecard/error.h>

#include "x509.h"

/* e odd and 2^16 < e < 2^256 (FIPS 186-4 B.3.1). */
static int rsa_exponent_ok(const EVP_PKEY *key)
{
	BIGNUM *e = NULL;
	int ok = 0, bits;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		ERR_clear_error();
		return 0;
	}
	bits = BN_num_bits(e);
	ok = BN_is_odd(e) && bits >= 17 && bits <= 256;
	BN_free(e);
	return ok;
}

int oc_key_info_from_spki(X509_PUBKEY *spki, struct oc_key_info *out)
{
	ASN1_OBJECT *alg_oid = NULL;
	X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *param_oid;
	const void *param = NULL;
	EVP_PKEY *key;
	int ptype = 0, curve_nid;

	memset(out, 0, sizeof(*out));
	if (X509_PUBKEY_get0_param(&alg_oid, NULL, NULL, &alg, spki) != 1 || alg == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_BAD_FORMAT;
	}
	switch (OBJ_obj2nid(alg_oid)) {
	case NID_rsaEncryption:
		key = X509_PUBKEY_get0(spki);
		if (key == NULL) {
			ERR_clear_error();
			return ONECARD_ERR_BAD_FORMAT;
		}
		out->kind = OC_KEY_KIND_RSA;
		out->bits = EVP_PKEY_get_bits(key);
		out->rsa_exponent_ok = rsa_exponent_ok(key);
		return ONECARD_OK;
	case NID_X9_62_id_ecPublicKey:
		X509_ALGOR_get0(NULL, &ptype, &param, alg);
		out->kind = OC_KEY_KIND_EC;
		if (ptype != V_ASN1_OBJECT) {
			/* Explicit parameters (or none): refused by policy
			 * without decoding them further. */
			return ONECARD_OK;
		}
		param_oid = param;
		curve_nid = OBJ_obj2nid(param_oid);
		out->named_curve = 1;
		if (curve_nid == NID_X9_62_prime256v1) {
			out->curve = OC_CURVE_P256;
		} else if (curve_nid == NID_sm2) {
			out->curve = OC_CURVE_SM2;
			out->kind = OC_KEY_KIND_SM2;
		} else {
			out->curve = OC_CURVE_OTHER;
			return ONECARD_OK;
		}
		key = X509_PUBKEY_get0(spki);
		if (key == NULL) {
			ERR_clear_error();
			memset(out, 0, sizeof(*out));
			return ONECARD_ERR_BAD_FORMAT;
		}
		out->bits = EVP_PKEY_get_bits(key);
		return ONECARD_OK;
	default:
		out->kind = OC_KEY_KIND_OTHER;
		return ONECARD_OK;
	}
}

int oc_key_info_from_pkey(EVP_PKEY *key, struct oc_key_info *out)
{
	X509_PUBKEY *spki = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (X509_PUBKEY_set(&spki, key) != 1) {
		ERR_clear_error();
		return ONECARD_ERR_BAD_KEY;
	}
	r = oc_key_info_from_spki(spki, out);
	X509_PUBKEY_free(spki);
	return r;
}

int oc_key_public_check(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_NOMEM;
	}
	ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_KEY;
}

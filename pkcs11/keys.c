/* Public keys: from the card's stored values to OpenSSL, and the checks
 * that a key fits a mechanism or equals another key. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <onecard/error.h>

#include "card_internal.h"

#define GROUP_NAME_MAX 64u

static int rsa_to_evp(const struct oc_p11d_pubkey *pub, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	int r = ONECARD_ERR_BAD_KEY;

	n = BN_bin2bn(pub->modulus, (int)pub->modulus_len, NULL);
	e = BN_bin2bn(pub->exponent, (int)pub->exponent_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) {
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		goto out;
	}
	r = ONECARD_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return r;
}

static int ec_to_evp(const struct oc_p11d_pubkey *pub, EVP_PKEY **out)
{
	char group[] = "prime256v1";
	uint8_t point[OC_P11D_EC_POINT_LEN];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	int r = ONECARD_ERR_BAD_KEY;

	memcpy(point, pub->point, sizeof(point));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] =
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	/* The import decodes the point and refuses one off the curve. */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		goto out;
	}
	r = ONECARD_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int oc_card_pubkey_to_evp(const struct oc_p11d_pubkey *pub, EVP_PKEY **out)
{
	int r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	if (pub->type == OC_P11D_KEY_RSA) {
		r = rsa_to_evp(pub, out);
	} else if (pub->type == OC_P11D_KEY_EC_P256) {
		r = ec_to_evp(pub, out);
	}
	if (r != ONECARD_OK) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	ERR_clear_error();
	return r;
}

int oc_card_mech_fits(EVP_PKEY *key, enum oc_card_mech mech)
{
	char group[GROUP_NAME_MAX];
	size_t len = 0;
	int r = ONECARD_ERR_ALG_NOT_ALLOWED;

	switch (mech) {
	case OC_CARD_ECDSA_SHA256:
	case OC_CARD_ECDSA_SHA256_RAW:
		if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
		    EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
		    strcmp(group, "prime256v1") == 0) {
			r = ONECARD_OK;
		}
		break;
	case OC_CARD_RSA_PKCS1_SHA256:
	case OC_CARD_RSA_PSS_SHA256:
		if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(key) >= OC_CARD_RSA_BITS_MIN &&
		    EVP_PKEY_get_size(key) <= (int)OC_CARD_SIG_MAX) {
			r = ONECARD_OK;
		}
		break;
	default:
		break;
	}
	ERR_clear_error();
	return r;
}

int oc_card_same_key(EVP_PKEY *a, EVP_PKEY *b)
{
	int eq = EVP_PKEY_eq(a, b);

	ERR_clear_error();
	return eq == 1;
}

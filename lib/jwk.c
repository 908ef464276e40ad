/* JWK parsing, serialization and generation for Ed25519 and P-256 keys. */
#include <string.h>
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <onecard/error.h>

#include "b64url.h"
#include "json_strict.h"
#include "jwk.h"

#define COORD_LEN 32u /* bytes of an Ed25519 key, a P-256 coordinate or scalar */

int oc_kid_check(const char *kid, size_t len)
{
	size_t i;

	if (kid == NULL || len == 0 || len > ONECARD_KID_MAX_LEN) {
		return ONECARD_ERR_BAD_KEY;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];

		if (c < 0x21 || c > 0x7e) {
			return ONECARD_ERR_BAD_KEY;
		}
	}
	return ONECARD_OK;
}

void oc_key_free(oc_key *key)
{
	if (key == NULL) {
		return;
	}
	EVP_MD_CTX_free(key->verify_template);
	EVP_PKEY_free(key->pkey);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

/* Decodes member name as exactly COORD_LEN bytes. Absent: *present = 0. */
static int get_coord(const json_t *jwk, const char *name, uint8_t out[COORD_LEN], int *present)
{
	size_t len = 0, got = 0;
	const json_t *v = json_object_get(jwk, name);
	const char *s;

	*present = 0;
	if (v == NULL) {
		return ONECARD_OK;
	}
	s = json_string_value(v);
	if (s == NULL) {
		return ONECARD_ERR_BAD_KEY;
	}
	len = json_string_length(v);
	if (len != oc_b64url_encoded_len(COORD_LEN)) {
		return ONECARD_ERR_BAD_KEY;
	}
	if (oc_b64url_decode(s, len, out, COORD_LEN, &got) != ONECARD_OK || got != COORD_LEN) {
		return ONECARD_ERR_BAD_KEY;
	}
	*present = 1;
	return ONECARD_OK;
}

/* use and key_ops, when present, must allow signing or verifying. */
static int check_usage(const json_t *jwk)
{
	const json_t *use = json_object_get(jwk, "use");
	const json_t *ops = json_object_get(jwk, "key_ops");
	size_t i;

	if (use != NULL && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0)) {
		return ONECARD_ERR_BAD_KEY;
	}
	if (ops != NULL) {
		if (!json_is_array(ops) || json_array_size(ops) == 0) {
			return ONECARD_ERR_BAD_KEY;
		}
		for (i = 0; i < json_array_size(ops); i++) {
			const char *op = json_string_value(json_array_get(ops, i));

			if (op == NULL || (strcmp(op, "sign") != 0 && strcmp(op, "verify") != 0)) {
				return ONECARD_ERR_BAD_KEY;
			}
		}
	}
	return ONECARD_OK;
}

/*
 * An Ed25519 public key must be a canonical encoding (y < p) of a point
 * that is not of small order: with a small-order key, signatures can be
 * forged for any message. The small-order points have these y values
 * (the sign bit, bit 255, is masked off before comparing).
 */
static const uint8_t ed25519_small_order_y[][COORD_LEN] = {
	{0x00}, /* y = 0, order 4 */
	{0x01}, /* y = 1, the identity */
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* y = p - 1, order 2 */
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05}, /* order 8 */
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a}, /* order 8 */
};

/* 1 when x (little-endian, as RFC 8032 encodes) is acceptable. Public data. */
static int ed25519_public_ok(const uint8_t x[COORD_LEN])
{
	uint8_t y[COORD_LEN];
	size_t i;
	int below_p = 0;

	memcpy(y, x, COORD_LEN);
	y[COORD_LEN - 1] &= 0x7f;
	/* p = 2^255 - 19: y < p unless bytes 1..31 are all 0xff (0x7f on
	 * top) and byte 0 is at least 0xed. */
	for (i = 1; i < COORD_LEN - 1; i++) {
		below_p |= y[i] != 0xff;
	}
	below_p |= y[COORD_LEN - 1] != 0x7f || y[0] < 0xed;
	if (!below_p) {
		return 0;
	}
	for (i = 0; i < sizeof(ed25519_small_order_y) / sizeof(ed25519_small_order_y[0]); i++) {
		if (memcmp(y, ed25519_small_order_y[i], COORD_LEN) == 0) {
			return 0;
		}
	}
	return 1;
}

static int ed25519_from_raw(const uint8_t x[COORD_LEN], const uint8_t *d, EVP_PKEY **out)
{
	EVP_PKEY *pkey = NULL;
	uint8_t derived[COORD_LEN];
	size_t derived_len = sizeof(derived);
	int r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	if (!ed25519_public_ok(x)) {
		goto out;
	}
	if (d != NULL) {
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, COORD_LEN);
		if (pkey == NULL) {
			goto out;
		}
		/* The private half must be the one behind the published x. */
		if (EVP_PKEY_get_raw_public_key(pkey, derived, &derived_len) != 1 ||
		    derived_len != COORD_LEN || CRYPTO_memcmp(derived, x, COORD_LEN) != 0) {
			goto out;
		}
	} else {
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, COORD_LEN);
		if (pkey == NULL) {
			goto out;
		}
	}
	*out = pkey;
	pkey = NULL;
	r = ONECARD_OK;
out:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

static int p256_from_raw(const uint8_t x[COORD_LEN], const uint8_t y[COORD_LEN], const uint8_t *d,
			 EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *priv = NULL;
	uint8_t point[1 + 2 * COORD_LEN];
	int r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	point[0] = 0x04; /* uncompressed point: 04 || x || y */
	memcpy(point + 1, x, COORD_LEN);
	memcpy(point + 1 + COORD_LEN, y, COORD_LEN);

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
		    1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) !=
		    1) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	if (d != NULL) {
		priv = BN_secure_new();
		if (priv == NULL || BN_bin2bn(d, COORD_LEN, priv) == NULL ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	/* Import fails for a point that is not on the curve. */
	if (EVP_PKEY_fromdata(ctx, &pkey, d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1) {
		goto out;
	}
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		goto out;
	}
	if (d != NULL &&
	    (EVP_PKEY_private_check(check) != 1 || EVP_PKEY_pairwise_check(check) != 1)) {
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	r = ONECARD_OK;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	ERR_clear_error();
	return r;
}

int oc_jwk_parse(const json_t *jwk, enum oc_jwk_mode mode, oc_key **out)
{
	oc_key *key = NULL;
	const char *kty, *crv, *kid, *alg_name;
	size_t kid_len = 0;
	uint8_t x[COORD_LEN], y[COORD_LEN], d[COORD_LEN];
	int has_x = 0, has_y = 0, has_d = 0;
	int alg;
	int r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	if (!json_is_object(jwk)) {
		goto out;
	}
	kty = oc_json_get_string(jwk, "kty", NULL);
	crv = oc_json_get_string(jwk, "crv", NULL);
	kid = oc_json_get_string(jwk, "kid", &kid_len);
	if (kty == NULL || crv == NULL || oc_kid_check(kid, kid_len) != ONECARD_OK) {
		goto out;
	}
	/* The key type and curve fix the algorithm; symmetric and RSA keys
	 * are never accepted, so HMAC can never be instantiated (J2). */
	if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
		alg = ONECARD_ALG_EDDSA;
	} else if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0) {
		alg = ONECARD_ALG_ES256;
	} else {
		goto out;
	}
	if (json_object_get(jwk, "alg") != NULL) {
		alg_name = oc_json_get_string(jwk, "alg", NULL);
		if (alg_name == NULL || onecard_alg_from_name(alg_name) != alg) {
			goto out;
		}
	}
	if (check_usage(jwk) != ONECARD_OK) {
		goto out;
	}
	if (get_coord(jwk, "x", x, &has_x) != ONECARD_OK || !has_x ||
	    get_coord(jwk, "y", y, &has_y) != ONECARD_OK ||
	    get_coord(jwk, "d", d, &has_d) != ONECARD_OK) {
		goto out;
	}
	if ((alg == ONECARD_ALG_ES256) != (has_y != 0)) {
		goto out; /* y belongs to EC keys and only to them */
	}
	if ((mode == OC_JWK_PUBLIC_ONLY && has_d) || (mode == OC_JWK_PRIVATE_REQUIRED && !has_d)) {
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(key->kid, kid, kid_len);
	key->kid[kid_len] = '\0';
	key->kid_len = kid_len;
	key->alg = alg;
	key->has_private = has_d;
	if (alg == ONECARD_ALG_EDDSA) {
		r = ed25519_from_raw(x, has_d ? d : NULL, &key->pkey);
	} else {
		r = p256_from_raw(x, y, has_d ? d : NULL, &key->pkey);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = key;
	key = NULL;
	r = ONECARD_OK;
out:
	oc_key_free(key);
	OPENSSL_cleanse(d, sizeof(d));
	return r;
}

/* Sets member name to the base64url of len bytes. */
static int set_b64(json_t *obj, const char *name, const uint8_t *bytes, size_t len)
{
	char text[96];
	int r;

	r = oc_b64url_encode(bytes, len, text, sizeof(text));
	if (r == ONECARD_OK && json_object_set_new(obj, name, json_string(text)) != 0) {
		r = ONECARD_ERR_NOMEM;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return r;
}

static int get_bn_padded(const EVP_PKEY *pkey, const char *param, uint8_t out[COORD_LEN])
{
	BIGNUM *bn = NULL;
	int r = ONECARD_ERR_CRYPTO;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) == 1 &&
	    BN_bn2binpad(bn, out, COORD_LEN) == (int)COORD_LEN) {
		r = ONECARD_OK;
	}
	BN_clear_free(bn);
	ERR_clear_error();
	return r;
}

int oc_jwk_to_json(const oc_key *key, int include_private, json_t **out)
{
	json_t *obj = NULL;
	uint8_t x[COORD_LEN], y[COORD_LEN], d[COORD_LEN];
	size_t len;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (include_private && !key->has_private) {
		return ONECARD_ERR_INVALID_ARG;
	}
	obj = json_object();
	if (obj == NULL) {
		goto out;
	}
	if (key->alg == ONECARD_ALG_EDDSA) {
		if (json_object_set_new(obj, "kty", json_string("OKP")) != 0 ||
		    json_object_set_new(obj, "crv", json_string("Ed25519")) != 0) {
			goto out;
		}
		len = sizeof(x);
		if (EVP_PKEY_get_raw_public_key(key->pkey, x, &len) != 1 || len != COORD_LEN) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
		if ((r = set_b64(obj, "x", x, COORD_LEN)) != ONECARD_OK) {
			goto out;
		}
		if (include_private) {
			len = sizeof(d);
			if (EVP_PKEY_get_raw_private_key(key->pkey, d, &len) != 1 ||
			    len != COORD_LEN) {
				r = ONECARD_ERR_CRYPTO;
				goto out;
			}
		}
	} else {
		if (json_object_set_new(obj, "kty", json_string("EC")) != 0 ||
		    json_object_set_new(obj, "crv", json_string("P-256")) != 0) {
			goto out;
		}
		if ((r = get_bn_padded(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, x)) != ONECARD_OK ||
		    (r = get_bn_padded(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, y)) != ONECARD_OK ||
		    (r = set_b64(obj, "x", x, COORD_LEN)) != ONECARD_OK ||
		    (r = set_b64(obj, "y", y, COORD_LEN)) != ONECARD_OK) {
			goto out;
		}
		if (include_private &&
		    (r = get_bn_padded(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, d)) != ONECARD_OK) {
			goto out;
		}
	}
	if (include_private && (r = set_b64(obj, "d", d, COORD_LEN)) != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	if (json_object_set_new(obj, "kid", json_string(key->kid)) != 0 ||
	    json_object_set_new(obj, "alg", json_string(onecard_alg_name(key->alg))) != 0 ||
	    json_object_set_new(obj, "use", json_string("sig")) != 0) {
		goto out;
	}
	*out = obj;
	obj = NULL;
	r = ONECARD_OK;
out:
	json_decref(obj);
	OPENSSL_cleanse(d, sizeof(d));
	ERR_clear_error();
	return r;
}

int oc_key_generate(int alg, const char *kid, oc_key **out)
{
	oc_key *key = NULL;
	size_t kid_len;
	int r = ONECARD_ERR_INVALID_ARG;

	*out = NULL;
	if (kid == NULL) {
		goto out;
	}
	kid_len = strlen(kid);
	if (oc_kid_check(kid, kid_len) != ONECARD_OK) {
		goto out;
	}
	if (alg != ONECARD_ALG_EDDSA && alg != ONECARD_ALG_ES256) {
		r = ONECARD_ERR_ALG_NOT_ALLOWED;
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(key->kid, kid, kid_len + 1);
	key->kid_len = kid_len;
	key->alg = alg;
	key->has_private = 1;
	if (alg == ONECARD_ALG_EDDSA) {
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	}
	if (key->pkey == NULL) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	*out = key;
	key = NULL;
	r = ONECARD_OK;
out:
	oc_key_free(key);
	ERR_clear_error();
	return r;
}

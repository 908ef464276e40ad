/* The message a card signs for a challenge, and the check of a proof
 * signature over it (see challenge.h and docs/challenge.md). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <onecard/error.h>

#include "challenge.h"

#define PSS_SALT_LEN   32
#define CURVE_NAME_MAX 64u

static int put_prefixed(uint8_t *buf, size_t cap, size_t *pos, const void *data, size_t len)
{
	if (len > 0xffffu || cap - *pos < 2u + len) {
		return -1;
	}
	buf[*pos] = (uint8_t)(len >> 8);
	buf[*pos + 1] = (uint8_t)(len & 0xffu);
	*pos += 2;
	if (len > 0) {
		memcpy(buf + *pos, data, len);
	}
	*pos += len;
	return 0;
}

int oc_proof_message_build(const char *origin, size_t origin_len, const char *audience,
			   size_t audience_len, const uint8_t *challenge, size_t challenge_len,
			   uint8_t **msg, size_t *len)
{
	uint8_t *buf = NULL;
	size_t cap, pos = 0;
	int r = ONECARD_ERR_INTERNAL;

	if (msg != NULL) {
		*msg = NULL;
	}
	if (len != NULL) {
		*len = 0;
	}
	if (origin == NULL || audience == NULL || challenge == NULL || msg == NULL || len == NULL ||
	    origin_len == 0 || origin_len > OC_CHALLENGE_ORIGIN_MAX || audience_len == 0 ||
	    audience_len > OC_CHALLENGE_AUDIENCE_MAX || challenge_len == 0 ||
	    challenge_len > OC_CHALLENGE_WIRE_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	cap = OC_PROOF_CONTEXT_LEN + 2u + origin_len + 2u + audience_len + 2u + challenge_len;
	buf = malloc(cap);
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, OC_PROOF_CONTEXT, OC_PROOF_CONTEXT_LEN); /* NUL included */
	pos = OC_PROOF_CONTEXT_LEN;
	if (put_prefixed(buf, cap, &pos, origin, origin_len) != 0 ||
	    put_prefixed(buf, cap, &pos, audience, audience_len) != 0 ||
	    put_prefixed(buf, cap, &pos, challenge, challenge_len) != 0 || pos != cap) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*msg = buf;
	*len = pos;
	buf = NULL;
	r = ONECARD_OK;
out:
	free(buf);
	return r;
}

int oc_proof_message(const struct oc_challenge *c, uint8_t **msg, size_t *len)
{
	if (msg != NULL) {
		*msg = NULL;
	}
	if (len != NULL) {
		*len = 0;
	}
	if (c == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_proof_message_build(c->origin, c->origin_len, c->audience, c->audience_len,
				      c->wire, c->wire_len, msg, len);
}

/* 1 when the key is an EC key on the named curve. */
static int ec_curve_is(const EVP_PKEY *pkey, const char *curve)
{
	char name[CURVE_NAME_MAX];
	size_t name_len = 0;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   &name_len) != 1) {
		ERR_clear_error();
		return 0;
	}
	return strcmp(name, curve) == 0;
}

/* 1 when alg may be used with pkey. */
static int alg_fits_key(const EVP_PKEY *pkey, enum oc_proof_alg alg)
{
	switch (alg) {
	case OC_PROOF_ES256:
		return EVP_PKEY_is_a(pkey, "EC") && !EVP_PKEY_is_a(pkey, "SM2") &&
		       ec_curve_is(pkey, "prime256v1");
	case OC_PROOF_RS256:
	case OC_PROOF_PS256:
		return EVP_PKEY_is_a(pkey, "RSA") &&
		       EVP_PKEY_get_bits(pkey) >= OC_PROOF_RSA_BITS_MIN;
	case OC_PROOF_SM2_SM3:
		return EVP_PKEY_is_a(pkey, "SM2");
	}
	return 0;
}

int oc_proof_verify(EVP_PKEY *pkey, enum oc_proof_alg alg, const uint8_t *msg, size_t len,
		    const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const char *md = "SHA256";
	int v, r = ONECARD_ERR_INTERNAL;

	if (pkey == NULL || msg == NULL || sig == NULL || len == 0 || siglen == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (len > OC_PROOF_MESSAGE_MAX || siglen > OC_PROOF_SIG_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (!alg_fits_key(pkey, alg)) {
		return ONECARD_ERR_ALG_NOT_ALLOWED;
	}
	if (alg == OC_PROOF_SM2_SM3) {
		md = "SM3";
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, pkey, NULL) != 1) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	if (alg == OC_PROOF_SM2_SM3) {
		/* After init: OpenSSL 3.0 refuses the ID as an init parameter
		 * (the Z digest flag is only set once init has run). */
		if (EVP_PKEY_CTX_set1_id(pctx, OC_PROOF_SM2_ID, sizeof(OC_PROOF_SM2_ID) - 1) != 1) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
	} else if (alg == OC_PROOF_RS256) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
	} else if (alg == OC_PROOF_PS256) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PSS_SALT_LEN) != 1) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
	}
	/* 1 is a valid signature; 0 a wrong one; negative a malformed one
	 * or an error (J16). Only exactly 1 passes. */
	v = EVP_DigestVerify(mctx, sig, siglen, msg, len);
	if (v != 1) {
		r = ONECARD_ERR_BAD_SIGNATURE;
		goto out;
	}
	r = ONECARD_OK;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(mctx); /* frees pctx too */
	return r;
}

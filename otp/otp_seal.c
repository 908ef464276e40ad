/*
 * Sealing TOTP secrets at rest: AES-256-GCM through OpenSSL's EVP, a
 * fresh random 96-bit nonce per seal, the blob's header and the person,
 * algorithm and digits as additional data (otp_blob.c). Opening checks
 * the version and the key id first, then lets GCM's tag decide; the
 * plaintext reaches the caller only when the tag verified.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"

static int secret_ok(const struct oc_otp_secret *s)
{
	return s != NULL && oc_otp_alg_name(s->alg) != NULL && oc_otp_digits_ok(s->digits) &&
	       s->len >= OC_OTP_SECRET_MIN && s->len <= OC_OTP_SECRET_MAX;
}

int oc_otp_seal(const oc_otp_key *key, const char *person_id, const struct oc_otp_secret *s,
		unsigned char *blob, size_t cap, size_t *len)
{
	unsigned char aad[OC_OTP_AAD_MAX];
	size_t aad_len = 0, total;
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, r = ONECARD_ERR_CRYPTO;

	if (len != NULL) {
		*len = 0;
	}
	if (key == NULL || blob == NULL || len == NULL || !secret_ok(s) ||
	    !oc_otp_person_ok(person_id)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	total = OC_OTP_BLOB_HEAD + s->len + OC_OTP_TAG_LEN;
	if (cap < total) {
		return ONECARD_ERR_TOO_LARGE;
	}
	blob[0] = OC_OTP_BLOB_VERSION;
	memcpy(blob + 1, key->kid, OC_OTP_KID_LEN);
	if (RAND_bytes(blob + 1 + OC_OTP_KID_LEN, OC_OTP_NONCE_LEN) != 1) {
		goto out;
	}
	if (oc_otp_aad(blob, person_id, s->alg, s->digits, aad, sizeof(aad), &aad_len) !=
	    ONECARD_OK) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL) {
		goto out;
	}
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, OC_OTP_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key->k, blob + 1 + OC_OTP_KID_LEN) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(ctx, blob + OC_OTP_BLOB_HEAD, &n, s->bytes, (int)s->len) != 1 ||
	    n != (int)s->len ||
	    EVP_EncryptFinal_ex(ctx, blob + OC_OTP_BLOB_HEAD + s->len, &n) != 1 || n != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OC_OTP_TAG_LEN,
				blob + OC_OTP_BLOB_HEAD + s->len) != 1) {
		goto out;
	}
	*len = total;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
		OPENSSL_cleanse(blob, cap);
	}
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int oc_otp_open(const oc_otp_key *key, const char *person_id, enum oc_otp_alg alg, unsigned digits,
		const unsigned char *blob, size_t len, struct oc_otp_secret *out, const char **why)
{
	struct oc_otp_blob_view v;
	unsigned char aad[OC_OTP_AAD_MAX];
	unsigned char tag[OC_OTP_TAG_LEN];
	const char *reason = "the secret could not be opened";
	size_t aad_len = 0;
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, r = ONECARD_ERR_CRYPTO;

	if (out != NULL) {
		oc_otp_secret_clear(out);
	}
	if (key == NULL || out == NULL || !oc_otp_person_ok(person_id) ||
	    oc_otp_alg_name(alg) == NULL || !oc_otp_digits_ok(digits)) {
		reason = "a person, algorithm or number of digits not in its form";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_otp_blob_parse(blob, len, &v, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (CRYPTO_memcmp(v.kid, key->kid, OC_OTP_KID_LEN) != 0) {
		reason = "the secret was sealed under another key";
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	r = oc_otp_aad(blob, person_id, alg, digits, aad, sizeof(aad), &aad_len);
	if (r != ONECARD_OK) {
		reason = "the additional data could not be made";
		goto out;
	}
	/* EVP_CTRL_GCM_SET_TAG takes a non-const pointer. */
	memcpy(tag, v.tag, OC_OTP_TAG_LEN);
	r = ONECARD_ERR_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL) {
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, OC_OTP_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key->k, v.nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, out->bytes, &n, v.ct, (int)v.ct_len) != 1 ||
	    n != (int)v.ct_len ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OC_OTP_TAG_LEN, tag) != 1) {
		goto out;
	}
	/* The tag decides: anything but 1 is an altered blob, or one sealed
	 * for another person, algorithm or number of digits. */
	if (EVP_DecryptFinal_ex(ctx, out->bytes + v.ct_len, &n) != 1) {
		reason = "the secret fails authentication (altered, or not this person's)";
		r = ONECARD_ERR_MISMATCH;
		goto out;
	}
	out->alg = alg;
	out->digits = digits;
	out->len = v.ct_len;
	reason = "";
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
		if (out != NULL) {
			oc_otp_secret_clear(out);
		}
	}
	EVP_CIPHER_CTX_free(ctx);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

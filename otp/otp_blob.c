/*
 * The sealed blob's layout (docs/otp.md, "The blob"): the parser that
 * splits untrusted bytes read from the database into their parts, and
 * the additional data that binds a blob to its person, algorithm and
 * digits. Pure: no allocation, no library calls; fuzzed by
 * fuzz_otp_blob.c.
 *
 *   offset  bytes        field
 *   0       1            version (1)
 *   1       4            key id
 *   5       12           GCM nonce
 *   17      16..64       ciphertext (the secret's length)
 *   end-16  16           GCM tag
 */
#include <string.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"

#define AAD_DOMAIN     "onecard-otp blob"
#define AAD_DOMAIN_LEN (sizeof(AAD_DOMAIN)) /* with its NUL */

int oc_otp_blob_parse(const unsigned char *blob, size_t len, struct oc_otp_blob_view *out,
		      const char **why)
{
	const char *reason = "";
	int r = ONECARD_ERR_BAD_FORMAT;

	if (out == NULL) {
		reason = "no output given";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if (blob == NULL || len == 0) {
		reason = "the blob is empty";
		goto out;
	}
	if (blob[0] != OC_OTP_BLOB_VERSION) {
		reason = "the blob's version is not 1";
		goto out;
	}
	if (len < OC_OTP_BLOB_MIN || len > OC_OTP_BLOB_MAX) {
		reason = "the blob's length is not that of a sealed secret";
		goto out;
	}
	out->version = blob[0];
	out->kid = blob + 1;
	out->nonce = blob + 1 + OC_OTP_KID_LEN;
	out->ct = blob + OC_OTP_BLOB_HEAD;
	out->ct_len = len - OC_OTP_BLOB_HEAD - OC_OTP_TAG_LEN;
	out->tag = blob + len - OC_OTP_TAG_LEN;
	r = ONECARD_OK;
out:
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

int oc_otp_aad(const unsigned char head[1 + OC_OTP_KID_LEN], const char *person_id,
	       enum oc_otp_alg alg, unsigned digits, unsigned char *aad, size_t cap, size_t *len)
{
	size_t n = 0, plen;

	*len = 0;
	if (!oc_otp_person_ok(person_id) || oc_otp_alg_name(alg) == NULL ||
	    !oc_otp_digits_ok(digits) || cap < OC_OTP_AAD_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	plen = strlen(person_id);
	memcpy(aad + n, AAD_DOMAIN, AAD_DOMAIN_LEN);
	n += AAD_DOMAIN_LEN;
	memcpy(aad + n, head, 1 + OC_OTP_KID_LEN);
	n += 1 + OC_OTP_KID_LEN;
	/* The length first, so that no two (person, rest) pairs give one
	 * string. */
	aad[n++] = (unsigned char)plen;
	memcpy(aad + n, person_id, plen);
	n += plen;
	aad[n++] = (unsigned char)alg;
	aad[n++] = (unsigned char)digits;
	*len = n;
	return ONECARD_OK;
}

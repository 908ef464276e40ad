/*
 * Fuzz target: the sealed blob as read from the database (otp_blob.c's
 * parser, then otp_seal.c's opener) over arbitrary bytes, under a fixed
 * key and person. Checks, beyond not crashing, the parser's promises (on
 * success the parts tile the input and the ciphertext is
 * OC_OTP_SECRET_MIN..MAX bytes; on failure a zeroed view) and the
 * opener's (a secret only when the tag verified, of the ciphertext's
 * length, which can happen only for blobs sealed under the fixed key;
 * else a zeroed secret). The seed corpus (corpus/) holds such blobs,
 * made by tests/otp/otp_make_corpus.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"

/* The corpus generator seals under the same key and person. */
#define FUZZ_KEY_BYTE 0x42
#define FUZZ_PERSON   "fuzz.person"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			return 0;
		}
	}
	return 1;
}

static void check_open(const oc_otp_key *key, const uint8_t *data, size_t size,
		       const struct oc_otp_blob_view *v, int parsed, enum oc_otp_alg alg,
		       unsigned digits)
{
	struct oc_otp_secret s;
	const char *why = NULL;
	int r;

	r = oc_otp_open(key, FUZZ_PERSON, alg, digits, data, size, &s, &why);
	if (why == NULL) {
		abort();
	}
	if (r == ONECARD_OK) {
		if (parsed != ONECARD_OK || s.len != v->ct_len || s.alg != alg ||
		    s.digits != digits) {
			abort();
		}
	} else if (!zeroed(&s, sizeof(s)) || why[0] == '\0') {
		abort();
	}
	if (parsed != ONECARD_OK && r != ONECARD_ERR_BAD_FORMAT) {
		abort();
	}
	oc_otp_secret_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static oc_otp_key *key = NULL;
	unsigned char raw[OC_OTP_KEY_LEN];
	struct oc_otp_blob_view v;
	const char *why = NULL;
	int r;

	if (key == NULL) {
		memset(raw, FUZZ_KEY_BYTE, sizeof(raw));
		if (oc_otp_key_from_bytes(raw, sizeof(raw), &key) != ONECARD_OK) {
			abort();
		}
	}
	r = oc_otp_blob_parse(data, size, &v, &why);
	if (why == NULL) {
		abort();
	}
	if (r == ONECARD_OK) {
		if (v.version != OC_OTP_BLOB_VERSION || v.kid != data + 1 ||
		    v.nonce != data + 1 + OC_OTP_KID_LEN || v.ct != data + OC_OTP_BLOB_HEAD ||
		    v.ct_len < OC_OTP_SECRET_MIN || v.ct_len > OC_OTP_SECRET_MAX ||
		    v.tag + OC_OTP_TAG_LEN != data + size || v.ct + v.ct_len != v.tag) {
			abort();
		}
	} else if (r != ONECARD_ERR_BAD_FORMAT || !zeroed(&v, sizeof(v)) || why[0] == '\0') {
		abort();
	}
	check_open(key, data, size, &v, r, OC_OTP_SHA1, 6);
	check_open(key, data, size, &v, r, OC_OTP_SHA256, 8);
	return 0;
}

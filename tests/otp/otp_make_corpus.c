/*
 * Writes the seed corpus of fuzz_otp_blob (otp/corpus/): blobs sealed
 * under the fuzzer's fixed key for its person (so that the opener's
 * success path is reached), and blobs broken in one way each. Not run by
 * ctest; the files it made are committed.
 *
 *   otp_make_corpus DIR
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "otp.h"

#define FUZZ_KEY_BYTE 0x42
#define FUZZ_PERSON   "fuzz.person"

static int put(const char *dir, const char *name, const unsigned char *b, size_t len)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || (len > 0 && fwrite(b, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "otp_make_corpus: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

static int sealed(oc_otp_key *key, enum oc_otp_alg alg, unsigned digits, size_t len,
		  unsigned char *blob, size_t *blob_len)
{
	struct oc_otp_secret s;
	unsigned char bytes[OC_OTP_SECRET_MAX];
	size_t i;
	int r;

	for (i = 0; i < sizeof(bytes); i++) {
		bytes[i] = (unsigned char)(i * 7 + 1);
	}
	if (oc_otp_secret_set(alg, digits, bytes, len, &s) != ONECARD_OK) {
		return 1;
	}
	r = oc_otp_seal(key, FUZZ_PERSON, &s, blob, OC_OTP_BLOB_MAX, blob_len);
	oc_otp_secret_clear(&s);
	return r != ONECARD_OK;
}

int main(int argc, char *argv[])
{
	unsigned char raw[OC_OTP_KEY_LEN], b[OC_OTP_BLOB_MAX + 1];
	oc_otp_key *key = NULL;
	size_t len = 0;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: otp_make_corpus DIR\n");
		return 2;
	}
	memset(raw, FUZZ_KEY_BYTE, sizeof(raw));
	if (oc_otp_key_from_bytes(raw, sizeof(raw), &key) != ONECARD_OK) {
		return 1;
	}
	bad |= sealed(key, OC_OTP_SHA1, 6, 20, b, &len) || put(argv[1], "sha1-6", b, len);
	/* One bit of the tag flipped. */
	b[len - 1] ^= 1u;
	bad |= put(argv[1], "sha1-6-tag-flipped", b, len);
	bad |= sealed(key, OC_OTP_SHA256, 8, 32, b, &len) || put(argv[1], "sha256-8", b, len);
	/* Another version; cut short; one byte too long. */
	b[0] = 2;
	bad |= put(argv[1], "version-2", b, len);
	b[0] = 1;
	bad |= put(argv[1], "truncated", b, OC_OTP_BLOB_MIN - 1);
	bad |= sealed(key, OC_OTP_SHA256, 8, OC_OTP_SECRET_MAX, b, &len) ||
	       put(argv[1], "sha256-8-longest", b, len);
	b[len] = 0;
	bad |= put(argv[1], "too-long", b, len + 1);
	bad |= sealed(key, OC_OTP_SHA1, 6, OC_OTP_SECRET_MIN, b, &len) ||
	       put(argv[1], "sha1-6-shortest", b, len);
	/* Another key id. */
	b[1] ^= 0xffu;
	bad |= put(argv[1], "other-key", b, len);
	bad |= put(argv[1], "empty", b, 0);
	oc_otp_key_free(key);
	return bad;
}
